// Copyright 2026 The Phiếu Authors
// SPDX-License-Identifier: Apache-2.0
//
// The export's table shared by every writer: which columns, and each sheet's cells. Private to
// exports/.
#pragma once

#include <functional>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "exports/exports.h"

namespace phieu::exports::internal {

/// Why a cell is empty. Writers that can declare missing values (.sav) keep them apart; CSV and
/// XLSX leave the cell empty for all of them (the codebook says so).
enum class Missing {
  kNone = 0,
  kNotAsked,    ///< the sheet's template has no such field, or its page was never scanned.
  kNoAnswer,    ///< the respondent left it blank (required or not).
  kIllegible,   ///< a reviewer could not read it.
};

struct Cell {
  Missing missing = Missing::kNotAsked;
  bool is_number = false;
  double number = 0;
  std::string text;
};

enum class ColumnSource {
  kSerial, kUnit, kUnitName, kUnitKind, kTemplate, kVersion, kChannel, kScannedAt, kStatus,
  kOption,     ///< single/scale: the chosen option's value.
  kIndicator,  ///< multi: 1 when `option` was chosen, 0 when another was.
  kString,     ///< digits/text.
};

struct Column {
  std::string name;        ///< CSV/XLSX header and the base of the SPSS name.
  ColumnSource source = ColumnSource::kSerial;
  std::string field_id;    ///< answer columns: the field.
  std::string template_id; ///< answer columns: "" = every template with this field id.
  core::FieldKind kind = core::FieldKind::kText;
  std::string option;      ///< kIndicator: the option value.
  std::string question_id; ///< the template question (multi: the MRSETS group).
  std::string label;       ///< variable label: question (or criterion) text.
  std::string group_label; ///< kIndicator: the question text alone.
  std::vector<templates::Option> value_labels;
  bool numeric = false;    ///< cells are numbers (option codes written as JSON numbers, 0/1).
  bool ordinal = false;    ///< scale items.
};

/// The export's columns for the templates the filter admits, personal fields left out unless
/// `include_personal` (their ids go to `personal_left_out`). A field id shared by templates that
/// define it differently gets one column per template, named `TEMPLATE_FIELD`.
/// Only templates in `present` (ids) get columns; empty = every template the filter admits.
std::vector<Column> PlanColumns(const templates::TemplateCatalog& catalog, const SheetFilter& filter,
                                const std::set<std::string>& present, bool include_personal,
                                std::vector<std::string>* personal_left_out,
                                std::vector<std::string>* personal_included = nullptr);

/// One sheet with what the rows need besides its answers.
struct SheetView {
  const store::SheetRecord* sheet = nullptr;
  const store::Unit* unit = nullptr;  ///< null when the unit is unknown.
  const templates::Layout* layout = nullptr;
};

/// The cells of one row, parallel to `columns`.
void FillRow(const SheetView& view, const std::vector<Column>& columns, std::vector<Cell>& cells);

/// Sheets selected by `filter`, in serial order, each handed to `fn` (return false to stop).
/// Counts what it left out in `summary` (when not null). May be called again for a second pass.
core::Status VisitSheets(store::Store& store, const templates::TemplateCatalog& catalog,
                         const SheetFilter& filter, const std::function<bool(const SheetView&)>& fn,
                         ExportSummary* summary);

/// `text` cut to at most `max_bytes` bytes at a UTF-8 character boundary (never inside a
/// letter: "ệ" is 3 bytes and is kept whole or dropped whole).
std::string CutUtf8(const std::string& text, size_t max_bytes);

/// The first worksheet of an XLSX workbook (its bytes) as CSV text (xlsx_reader.cpp): shared
/// and inline strings, numbers as written; an Error naming `source` when it is not a workbook.
core::Result<std::string> XlsxFirstSheetAsCsv(const std::string& bytes, const std::string& source);

/// Writes `content` to `path` through a temporary file renamed into place.
core::Status WriteFileAtomically(const std::filesystem::path& path, const std::string& content);

}  // namespace phieu::exports::internal
