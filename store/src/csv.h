// Copyright 2026 The Phiếu Authors
// SPDX-License-Identifier: Apache-2.0
#pragma once

// RFC 4180 CSV reading (quoted fields, "" escapes, CRLF or LF, newlines inside quotes).

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace phieu::store {

struct CsvRow {
  int line = 0;  ///< 1-based physical line where the row starts (for error messages).
  std::vector<std::string> fields;
};

struct CsvTable {
  std::vector<CsvRow> rows;
  /// Set when the text is malformed (e.g. a quote never closed); rows parsed so far are kept.
  std::optional<std::string> error;
  int error_line = 0;
};

/// Splits `text` (a leading UTF-8 BOM is skipped) into rows. Rows that are completely empty
/// lines are dropped.
CsvTable ParseCsv(std::string_view text);

/// `s` without the spaces, tabs and line ends around it (a CSV field, a typed reason).
std::string Trim(const std::string& s);

}  // namespace phieu::store
