// Copyright 2026 The Phiếu Authors
// SPDX-License-Identifier: Apache-2.0
//
// The format writers behind WriteExport. Private to exports/.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "dataset.h"

namespace phieu::exports::internal {

/// A cell as CSV/XLSX text: "" when missing, numbers without a trailing ".0".
std::string CellText(const Cell& cell);
/// The codebook as CSV: one row per column (its label), one per value label.
std::string CodebookCsv(const std::vector<Column>& columns, bool bom);

/// Each writer streams the rows VisitSheets selects into `path` (through a temporary file) and
/// fills `summary` (rows, left-out counts, files written).
core::Status WriteCsv(store::Store& store, const templates::TemplateCatalog& catalog,
                      const std::vector<Column>& columns, const std::filesystem::path& path,
                      const ExportOptions& options, ExportSummary& summary);
core::Status WriteXlsx(store::Store& store, const templates::TemplateCatalog& catalog,
                       const std::vector<Column>& columns, const std::filesystem::path& path,
                       const ExportOptions& options, ExportSummary& summary);
core::Status WriteJsonStream(store::Store& store, const templates::TemplateCatalog& catalog,
                             const std::filesystem::path& path, const ExportOptions& options,
                             ExportSummary& summary);
core::Status WriteSav(store::Store& store, const templates::TemplateCatalog& catalog,
                      const std::vector<Column>& columns, const std::filesystem::path& path,
                      const ExportOptions& options, ExportSummary& summary);

/// Declared missing codes of a numeric answer column (no answer, illegible): below every
/// option value, e.g. -1 and -2 for the usual 1..n codes.
std::pair<double, double> MissingCodes(const Column& column);

/// SPSS-safe, unique variable names for `columns` (letters, digits, _ . $ # @; a letter first;
/// at most 64 bytes; no reserved word; unique ignoring case).
std::vector<std::string> SpssNames(const std::vector<Column>& columns);
/// The companion syntax: GET FILE, VARIABLE LABELS, VALUE LABELS, MISSING VALUES, MRSETS.
std::string SpsSyntax(const std::vector<Column>& columns, const std::vector<std::string>& names,
                      const std::string& sav_file_name);

}  // namespace phieu::exports::internal
