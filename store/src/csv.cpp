// Copyright 2026 The Phiếu Authors
// SPDX-License-Identifier: Apache-2.0
#include "csv.h"

namespace phieu::store {

std::string Trim(const std::string& s) {
  const char* ws = " \t\r\n";
  const size_t b = s.find_first_not_of(ws);
  if (b == std::string::npos) return {};
  return s.substr(b, s.find_last_not_of(ws) - b + 1);
}

CsvTable ParseCsv(std::string_view text) {
  CsvTable table;
  if (text.substr(0, 3) == "\xEF\xBB\xBF") text.remove_prefix(3);

  CsvRow row;
  std::string field;
  bool in_quotes = false;
  bool field_was_quoted = false;
  int line = 1;
  row.line = 1;

  auto end_field = [&] {
    row.fields.push_back(std::move(field));
    field.clear();
    field_was_quoted = false;
  };
  auto end_row = [&] {
    end_field();
    // A bare empty line yields one empty unquoted field: not a row.
    bool empty_line = row.fields.size() == 1 && row.fields[0].empty();
    if (!empty_line) table.rows.push_back(std::move(row));
    row = CsvRow{};
  };

  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (in_quotes) {
      if (c == '"') {
        if (i + 1 < text.size() && text[i + 1] == '"') {
          field += '"';
          ++i;
        } else {
          in_quotes = false;
        }
      } else {
        if (c == '\n') ++line;
        field += c;
      }
      continue;
    }
    if (c == '"' && field.empty() && !field_was_quoted) {
      in_quotes = true;
      field_was_quoted = true;
    } else if (c == ',') {
      end_field();
    } else if (c == '\r' || c == '\n') {
      if (c == '\r' && i + 1 < text.size() && text[i + 1] == '\n') ++i;
      end_row();
      ++line;
      row.line = line;
    } else {
      // Text after a closing quote ("a"b) is kept as is rather than rejected: lenient, and
      // the row's validation still sees the odd value.
      field += c;
    }
  }
  if (in_quotes) {
    table.error = "a quoted field is never closed";
    table.error_line = row.line;
  }
  if (!field.empty() || !row.fields.empty() || field_was_quoted) end_row();
  return table;
}

}  // namespace phieu::store
