// Copyright 2026 The Phiếu Authors
// SPDX-License-Identifier: Apache-2.0
//
// SPSS .sav through ReadStat, and the companion .sps (sps_syntax.cpp). ReadStat needs the row
// count and each string's width before the first row, so the rows are visited twice: a first
// pass counts them and measures the strings, the second writes them. Neither keeps rows.
#include <fcntl.h>
#include <readstat.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <memory>

#include "dataset.h"
#include "writers.h"

namespace phieu::exports::internal {
namespace {

// ReadStat cuts labels by bytes (sav: 120 for value labels, 256 for variable labels) and could
// split a Vietnamese letter; cut them here at a character boundary instead.
constexpr size_t kValueLabelBytes = 120;
constexpr size_t kVariableLabelBytes = 256;
constexpr int kMaxStringWidth = 32767;

ssize_t WriteToFd(const void* bytes, size_t len, void* ctx) {
  int fd = *static_cast<int*>(ctx);
  const char* p = static_cast<const char*>(bytes);
  size_t left = len;
  while (left > 0) {
    ssize_t n = ::write(fd, p, left);
    if (n < 0) return -1;
    p += n;
    left -= static_cast<size_t>(n);
  }
  return static_cast<ssize_t>(len);
}

struct WriterDeleter {
  void operator()(readstat_writer_t* w) const { readstat_writer_free(w); }
};

}  // namespace

/// Declared missing codes of a numeric answer column: below every option value, so they never
/// collide with an answer (-1 no answer, -2 illegible for the usual 1..n codes).
std::pair<double, double> MissingCodes(const Column& c) {
  double lo = 0;
  for (const auto& v : c.value_labels)
    if (v.numeric) lo = std::min(lo, std::stod(v.value));
  return {lo - 1, lo - 2};
}

core::Status WriteSav(store::Store& store, const templates::TemplateCatalog& catalog,
                      const std::vector<Column>& columns, const std::filesystem::path& path,
                      const ExportOptions& options, ExportSummary& summary) {
  // Pass 1: rows and string widths.
  std::vector<size_t> width(columns.size(), 1);
  std::vector<Cell> cells;
  long rows = 0;
  auto st = VisitSheets(store, catalog, options.filter,
                        [&](const SheetView& view) {
                          FillRow(view, columns, cells);
                          ++rows;
                          for (size_t i = 0; i < cells.size(); ++i)
                            if (!columns[i].numeric && cells[i].missing == Missing::kNone)
                              width[i] = std::max(width[i], cells[i].text.size());
                          return true;
                        },
                        nullptr);
  if (!st.ok()) return st;

  const std::vector<std::string> names = SpssNames(columns);
  std::unique_ptr<readstat_writer_t, WriterDeleter> w(readstat_writer_init());
  readstat_set_data_writer(w.get(), &WriteToFd);
  readstat_writer_set_file_label(w.get(), "Phieu survey export");
  readstat_writer_set_compression(w.get(), READSTAT_COMPRESS_ROWS);
  std::vector<readstat_variable_t*> vars;
  std::vector<std::pair<double, double>> missing(columns.size(), {0, 0});
  for (size_t i = 0; i < columns.size(); ++i) {
    const Column& c = columns[i];
    const bool answer = !c.field_id.empty();
    readstat_variable_t* v = nullptr;
    if (c.numeric) {
      v = readstat_add_variable(w.get(), names[i].c_str(), READSTAT_TYPE_DOUBLE, 0);
      readstat_variable_set_format(v, c.source == ColumnSource::kSerial ? "F10.0" : "F4.0");
    } else {
      size_t wd = std::min<size_t>(width[i], kMaxStringWidth);
      v = readstat_add_variable(w.get(), names[i].c_str(), READSTAT_TYPE_STRING, wd);
      // No separate display width: PSPP rejects a print format narrower than the variable.
    }
    readstat_variable_set_label(v, CutUtf8(c.label, kVariableLabelBytes).c_str());
    readstat_variable_set_measure(v, c.ordinal             ? READSTAT_MEASURE_ORDINAL
                                     : c.numeric && !answer ? READSTAT_MEASURE_SCALE
                                                            : READSTAT_MEASURE_NOMINAL);
    if (c.numeric && answer) {
      missing[i] = MissingCodes(c);
      readstat_variable_add_missing_double_value(v, missing[i].first);
      readstat_variable_add_missing_double_value(v, missing[i].second);
    }
    if (!c.value_labels.empty() || (c.numeric && answer)) {
      std::string set_name = "labels" + std::to_string(i);
      readstat_label_set_t* ls = readstat_add_label_set(
          w.get(), c.numeric ? READSTAT_TYPE_DOUBLE : READSTAT_TYPE_STRING, set_name.c_str());
      for (const auto& o : c.value_labels) {
        std::string label = CutUtf8(o.label, kValueLabelBytes);
        if (c.numeric)
          readstat_label_double_value(ls, std::stod(o.value), label.c_str());
        else
          readstat_label_string_value(ls, o.value.c_str(), label.c_str());
      }
      if (c.numeric && answer) {
        readstat_label_double_value(ls, missing[i].first, "Không trả lời");
        readstat_label_double_value(ls, missing[i].second, "Không đọc được");
      }
      readstat_variable_set_label_set(v, ls);
    }
    vars.push_back(v);
  }

  std::filesystem::path tmp = path;
  tmp += ".tmp";
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  if (fd < 0) return core::MakeError("io", path.string() + ": cannot open for writing");
  readstat_error_t err = readstat_begin_writing_sav(w.get(), &fd, rows);
  long written = 0;
  if (err == READSTAT_OK) {
    st = VisitSheets(store, catalog, options.filter,
                     [&](const SheetView& view) {
                       if (written == rows) return false;  // the survey grew between passes
                       FillRow(view, columns, cells);
                       err = readstat_begin_row(w.get());
                       for (size_t i = 0; i < cells.size() && err == READSTAT_OK; ++i) {
                         const Cell& c = cells[i];
                         if (columns[i].numeric) {
                           if (c.missing == Missing::kNone)
                             err = readstat_insert_double_value(w.get(), vars[i], c.number);
                           else if (c.missing == Missing::kNoAnswer && missing[i].first != 0)
                             err = readstat_insert_double_value(w.get(), vars[i], missing[i].first);
                           else if (c.missing == Missing::kIllegible && missing[i].first != 0)
                             err = readstat_insert_double_value(w.get(), vars[i], missing[i].second);
                           else
                             err = readstat_insert_missing_value(w.get(), vars[i]);
                         } else {
                           std::string s = c.missing == Missing::kNone ? c.text : "";
                           if (s.size() > kMaxStringWidth) s = CutUtf8(s, kMaxStringWidth);
                           err = readstat_insert_string_value(w.get(), vars[i], s.c_str());
                         }
                       }
                       if (err == READSTAT_OK) err = readstat_end_row(w.get());
                       ++written;
                       return err == READSTAT_OK;
                     },
                     &summary);
  }
  if (err == READSTAT_OK && st.ok() && written < rows) {
    // Sheets left the selection between the passes (a reviewer reopened one): the header
    // promised more rows than there are. Say so rather than write a short file.
    st = core::MakeError("busy", path.string() + ": the survey changed while exporting; run it again");
  }
  if (err == READSTAT_OK && st.ok()) err = readstat_end_writing(w.get());
  bool closed = ::close(fd) == 0;
  if (!st.ok() || err != READSTAT_OK || !closed) {
    std::filesystem::remove(tmp);
    if (!st.ok()) return st;
    return core::MakeError("io", path.string() + ": " +
                                     (err != READSTAT_OK ? readstat_error_message(err) : "write failed"));
  }
  std::filesystem::path sps = path;
  sps.replace_extension(".sps");
  auto s2 = WriteFileAtomically(sps, SpsSyntax(columns, names, path.filename().string()));
  if (!s2.ok()) {
    std::filesystem::remove(tmp);
    return s2;
  }
  std::error_code ec;
  std::filesystem::rename(tmp, path, ec);
  if (ec) return core::MakeError("io", path.string() + ": " + ec.message());
  summary.files = {path, sps};
  return {};
}

}  // namespace phieu::exports::internal
