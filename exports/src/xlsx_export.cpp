// Copyright 2026 The Phiếu Authors
// SPDX-License-Identifier: Apache-2.0
//
// XLSX export through libxlsxwriter: sheet "Dữ liệu" (header frozen, autofilter, numbers as
// numbers, text as text) and sheet "Mã hóa" (the codebook). Constant-memory mode: each row is
// flushed to a temporary file as it is written, so memory does not grow with the survey.
#include <xlsxwriter.h>

#include "dataset.h"
#include "writers.h"

namespace phieu::exports::internal {

core::Status WriteXlsx(store::Store& store, const templates::TemplateCatalog& catalog,
                       const std::vector<Column>& columns, const std::filesystem::path& path,
                       const ExportOptions& options, ExportSummary& summary) {
  std::filesystem::path tmp = path;
  tmp += ".tmp";
  lxw_workbook_options wb_options{};
  wb_options.constant_memory = LXW_TRUE;
  lxw_workbook* wb = workbook_new_opt(tmp.c_str(), &wb_options);
  if (!wb) return core::MakeError("io", path.string() + ": cannot create the workbook");
  lxw_worksheet* data = workbook_add_worksheet(wb, "Dữ liệu");
  lxw_worksheet* book = workbook_add_worksheet(wb, "Mã hóa");
  lxw_format* bold = workbook_add_format(wb);
  format_set_bold(bold);
  lxw_format* text_format = workbook_add_format(wb);
  format_set_num_format(text_format, "@");  // digits such as "0912345678" stay text

  for (size_t i = 0; i < columns.size(); ++i)
    worksheet_write_string(data, 0, static_cast<lxw_col_t>(i), columns[i].name.c_str(), bold);
  std::vector<Cell> cells;
  lxw_row_t row = 0;
  lxw_error error = LXW_NO_ERROR;
  auto st = VisitSheets(store, catalog, options.filter,
                        [&](const SheetView& view) {
                          FillRow(view, columns, cells);
                          ++row;
                          for (size_t i = 0; i < cells.size() && error == LXW_NO_ERROR; ++i) {
                            const Cell& c = cells[i];
                            auto col = static_cast<lxw_col_t>(i);
                            if (c.missing != Missing::kNone) continue;  // empty cell
                            if (c.is_number)
                              error = worksheet_write_number(data, row, col, c.number, nullptr);
                            else
                              error = worksheet_write_string(data, row, col, c.text.c_str(), text_format);
                          }
                          return error == LXW_NO_ERROR;
                        },
                        &summary);
  worksheet_freeze_panes(data, 1, 0);
  worksheet_autofilter(data, 0, 0, row, static_cast<lxw_col_t>(columns.size() - 1));
  worksheet_set_column(data, 0, 0, 10, nullptr);
  worksheet_set_column(data, 2, 2, 28, nullptr);

  // Codebook: column, field, kind, label, value, value label.
  const char* heads[] = {"Cột (column)", "Câu (field)", "Loại (kind)", "Nội dung (label)",
                         "Mã (value)", "Nhãn giá trị (value label)"};
  for (lxw_col_t i = 0; i < 6; ++i) worksheet_write_string(book, 0, i, heads[i], bold);
  lxw_row_t r = 0;
  for (const auto& c : columns) {
    ++r;
    worksheet_write_string(book, r, 0, c.name.c_str(), nullptr);
    if (!c.field_id.empty()) {
      worksheet_write_string(book, r, 1, c.field_id.c_str(), nullptr);
      worksheet_write_string(book, r, 2, std::string(core::FieldKindName(c.kind)).c_str(), nullptr);
    }
    worksheet_write_string(book, r, 3, c.label.c_str(), nullptr);
    for (const auto& v : c.value_labels) {
      ++r;
      worksheet_write_string(book, r, 0, c.name.c_str(), nullptr);
      if (v.numeric)
        worksheet_write_number(book, r, 4, std::stod(v.value), nullptr);
      else
        worksheet_write_string(book, r, 4, v.value.c_str(), nullptr);
      worksheet_write_string(book, r, 5, v.label.c_str(), nullptr);
    }
  }
  ++r;
  worksheet_write_string(book, r, 0, "(ô trống)", nullptr);
  worksheet_write_string(book, r, 3,
                         "Ô trống: không trả lời, không đọc được, trang chưa quét hoặc câu không có "
                         "trong mẫu phiếu này",
                         nullptr);
  worksheet_freeze_panes(book, 1, 0);
  worksheet_set_column(book, 3, 3, 60, nullptr);
  worksheet_set_column(book, 5, 5, 30, nullptr);

  lxw_error closed = workbook_close(wb);
  if (!st.ok()) {
    std::filesystem::remove(tmp);
    return st;
  }
  if (error != LXW_NO_ERROR || closed != LXW_NO_ERROR) {
    std::filesystem::remove(tmp);
    return core::MakeError("io", path.string() + ": " +
                                     lxw_strerror(error != LXW_NO_ERROR ? error : closed));
  }
  std::error_code ec;
  std::filesystem::rename(tmp, path, ec);
  if (ec) return core::MakeError("io", path.string() + ": " + ec.message());
  summary.files = {path};
  return {};
}

}  // namespace phieu::exports::internal
