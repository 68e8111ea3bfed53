// Copyright 2026 The Phiếu Authors
// SPDX-License-Identifier: Apache-2.0
//
// CSV export (RFC 4180: comma, CRLF, fields quoted when they hold a comma, a quote or a line
// break, quotes doubled) and its codebook `FILE.codebook.csv`.
#include <cstdio>
#include <fstream>
#include <sstream>

#include "dataset.h"
#include "writers.h"

namespace phieu::exports::internal {
namespace {

std::string CsvField(const std::string& s) {
  if (s.find_first_of(",\"\r\n") == std::string::npos) return s;
  std::string out = "\"";
  for (char c : s) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

/// Numbers as the shortest exact text: option codes and serials are whole numbers.
std::string NumberText(double d) {
  if (d == static_cast<double>(static_cast<long long>(d))) return std::to_string(static_cast<long long>(d));
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.15g", d);
  return buf;
}

std::string KindName(const Column& c) {
  switch (c.source) {
    case ColumnSource::kOption:
    case ColumnSource::kIndicator:
    case ColumnSource::kString: return std::string(core::FieldKindName(c.kind));
    default: return "sheet";
  }
}

}  // namespace

std::string CellText(const Cell& cell) {
  if (cell.missing != Missing::kNone) return "";
  return cell.is_number ? NumberText(cell.number) : cell.text;
}

std::string CodebookCsv(const std::vector<Column>& columns, bool bom) {
  std::ostringstream out;
  if (bom) out << "\xEF\xBB\xBF";
  out << "column,field,kind,label,value,value_label\r\n";
  for (const auto& c : columns) {
    out << CsvField(c.name) << ',' << CsvField(c.field_id) << ',' << CsvField(KindName(c)) << ','
        << CsvField(c.label) << ",,\r\n";
    for (const auto& v : c.value_labels)
      out << CsvField(c.name) << ",,,," << CsvField(v.value) << ',' << CsvField(v.label) << "\r\n";
  }
  out << CsvField("(empty)") << ",,,"
      << CsvField("Ô trống: không trả lời, không đọc được, trang chưa quét hoặc câu không có trong "
                  "mẫu phiếu này (empty: no answer, illegible, page not scanned, or not asked)")
      << ",,\r\n";
  return out.str();
}

core::Status WriteCsv(store::Store& store, const templates::TemplateCatalog& catalog,
                      const std::vector<Column>& columns, const std::filesystem::path& path,
                      const ExportOptions& options, ExportSummary& summary) {
  std::filesystem::path tmp = path;
  tmp += ".tmp";
  std::ofstream f(tmp, std::ios::binary | std::ios::trunc);
  if (!f) return core::MakeError("io", path.string() + ": cannot open for writing");
  if (options.bom) f << "\xEF\xBB\xBF";
  for (size_t i = 0; i < columns.size(); ++i) f << (i ? "," : "") << CsvField(columns[i].name);
  f << "\r\n";
  std::vector<Cell> cells;
  std::string line;
  auto st = VisitSheets(store, catalog, options.filter,
                        [&](const SheetView& view) {
                          FillRow(view, columns, cells);
                          line.clear();
                          for (size_t i = 0; i < cells.size(); ++i) {
                            if (i) line += ',';
                            line += CsvField(CellText(cells[i]));
                          }
                          line += "\r\n";
                          f << line;
                          return static_cast<bool>(f);
                        },
                        &summary);
  f.flush();
  bool ok = static_cast<bool>(f);
  f.close();
  if (!st.ok() || !ok) {
    std::filesystem::remove(tmp);
    return st.ok() ? core::MakeError("io", path.string() + ": write failed") : st;
  }
  std::filesystem::path codebook = path;
  codebook.replace_extension(".codebook.csv");  // out.csv -> out.codebook.csv
  auto cb = WriteFileAtomically(codebook, CodebookCsv(columns, options.bom));
  if (!cb.ok()) return cb;
  std::error_code ec;
  std::filesystem::rename(tmp, path, ec);
  if (ec) return core::MakeError("io", path.string() + ": " + ec.message());
  summary.files = {path, codebook};
  return {};
}

}  // namespace phieu::exports::internal
