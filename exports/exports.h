// Copyright 2026 The Phiếu Authors
// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "core/result.h"
#include "store/store.h"
#include "templates/layout.h"
#include "templates/template.h"

namespace phieu::exports {

/// Which sheets an export or a report covers. Every list is "any of"; an empty list does not
/// filter.
struct SheetFilter {
  /// Default false: only sheets with nothing left to review (DESIGN.md): a sheet with an open
  /// review item is left out; a sheet with a page never scanned is exported ("incomplete", the
  /// answers of that page missing). True: every sheet with an identified page.
  bool include_pending = false;
  std::vector<std::string> units;      ///< unit codes.
  std::vector<std::string> kinds;      ///< unit kinds ("admin", "health", "school").
  std::vector<std::string> templates;  ///< template ids.
  std::vector<std::string> statuses;   ///< "complete", "needs_review", "incomplete".
  std::vector<std::string> channels;   ///< "paper", "phone", "online".
};

struct ExportOptions {
  bool include_pending = false;   ///< as SheetFilter::include_pending (kept for older callers).
  bool include_personal = false;  ///< also export fields marked `personal` in the template.
  bool bom = false;               ///< CSV: start with a UTF-8 byte order mark (Excel on Windows).
  SheetFilter filter;             ///< its include_pending is ORed with the one above.
};

/// What an export (or a report) covered and what it left out, for the command to say.
struct ExportSummary {
  int rows = 0;                   ///< sheets written.
  int left_out_pending = 0;       ///< sheets with open review items (default filter).
  /// Of the sheets written, those with a template page never scanned (status "incomplete":
  /// that page's answers are missing). Not left out: the scanned pages count.
  int with_pages_missing = 0;
  int left_out_by_filter = 0;     ///< sheets not matching --unit/--kind/--template/--status/--channel.
  std::vector<std::string> personal_left_out;  ///< field ids left out as personal.
  std::vector<std::string> personal_included;  ///< personal field ids written (--include-personal).
  std::vector<std::filesystem::path> files;    ///< every file written (data, codebook, .sps).
};

enum class ExportFormat { kJson, kCsv, kXlsx, kSav };

/// The DESIGN.md JSON export: `[{"serial", "template", "unit", "status", "answers", "pending"}]`,
/// serial order. `catalog` supplies the field list and whether option values are numbers.
/// single/scale -> the option value or null; multi -> list; digits/text -> string or null.
/// Extension: `"unanswered_required"` lists the template's required fields that have no answer
/// (null or an empty list), are not pending and lie on a scanned page: the respondent left them
/// blank. Personal fields are left out of `answers` unless `include_personal`.
core::Result<std::string> ExportJson(store::Store& store, const templates::TemplateCatalog& catalog,
                                     const ExportOptions& options = {});

/// Writes ExportJson to a file (atomically: temp file + rename). Errors name the path.
core::Status WriteJsonExport(store::Store& store, const templates::TemplateCatalog& catalog,
                             const std::filesystem::path& path, const ExportOptions& options = {});

/// Writes the dataset in `format` to `path` (DESIGN.md export contract): one row per sheet,
/// columns `serial, unit, unit_name, unit_kind, template, version, channel, scanned_at, status`
/// then per field (single/scale -> option code; multi -> FIELD_VALUE 0/1 columns, all missing
/// when the question was not answered; digits/text -> the string). Unanswered, illegible and
/// not-scanned answers are missing, never 0. Beside the data:
///  - kCsv: `PATH.codebook.csv` (column, question, value labels); RFC 4180, UTF-8, CRLF.
///  - kXlsx: a data sheet (header frozen, autofilter) and a codebook sheet.
///  - kSav: variable/value labels, ordinal scale items, declared missing codes; `PATH` with
///    `.sps` for extension: MRSETS for every multi question plus the labels (PSPP runs it).
/// Rows are streamed from the store: memory does not grow with the number of sheets.
/// Files are written beside a temporary name and renamed when complete; an error names the
/// path and leaves no half-written file under the final name.
core::Result<ExportSummary> WriteExport(store::Store& store, const templates::TemplateCatalog& catalog,
                                        ExportFormat format, const std::filesystem::path& path,
                                        const ExportOptions& options = {});

// --- answers from other channels -------------------------------------------------------------

struct ImportOptions {
  std::string channel;  ///< "phone" or "online" (required).
  std::string who;      ///< who imports (recorded with the import).
  std::string source;   ///< name used in messages; default the file's path.
};

struct ImportSummary {
  bool already_imported = false;  ///< the same file was imported before: nothing changed.
  int sheets = 0;
};

/// Reads answers collected by phone or online: CSV (UTF-8, optional BOM, RFC 4180) or the first
/// sheet of an XLSX workbook, one row per respondent with the export's columns (`serial`
/// optional: empty = a new serial; `unit`; `template` and `version` optional when the survey has
/// one template; per field as the CSV export writes it; other export columns ignored). Every
/// row is checked against its template first; any bad row is an Error listing each problem
/// with its line and column, and nothing is stored. Importing the same file again changes
/// nothing (already_imported).
core::Result<ImportSummary> ImportAnswersFile(store::Store& store, const templates::TemplateCatalog& catalog,
                                              const std::filesystem::path& path, ImportOptions options);
/// The same over CSV text already in memory (`options.source` names it in messages).
core::Result<ImportSummary> ImportAnswersCsv(store::Store& store, const templates::TemplateCatalog& catalog,
                                             const std::string& csv_text, const ImportOptions& options);

// --- the satisfaction report ----------------------------------------------------------------

/// One criterion, element or overall index. `valid` counts answers at any level.
struct IndexValue {
  double satisfied_pct = 0.0;  ///< 0-100; meaningful when valid > 0 (elements: any criterion).
  double mean = 0.0;           ///< average level.
  int valid = 0;
};

struct ElementIndex {
  std::string id;
  std::string name;
  IndexValue value;                        ///< average of its criteria with valid answers.
  std::vector<std::string> criteria;       ///< report order.
  std::map<std::string, IndexValue> by_criterion;
  /// Level distribution over the element's answers: level value -> count.
  std::map<std::string, int> levels;
};

struct Indices {
  bool has_value = false;              ///< false when no criterion had a valid answer.
  IndexValue overall;                  ///< average of the elements with valid answers.
  std::vector<ElementIndex> elements;
  std::map<std::string, int> levels;   ///< over every criterion.
  int respondents = 0;                 ///< sheets counted.
  /// Expectations question: option value -> respondents who chose it; `expectations_answered`
  /// respondents chose at least one.
  std::map<std::string, int> expectations;
  int expectations_answered = 0;
};

struct UnitReport {
  std::string code, name, kind;
  int quota = 0;
  int responses = 0;  ///< sheets counted (every channel).
  std::map<std::string, int> responses_by_channel;
  int rank = 0;       ///< 1-based within kind by overall satisfied_pct; 0 = no index.
  Indices indices;
};

/// The residual error the re-check (phúc tra) measured for one kind of field: of `accepted`
/// machine-accepted values a second person re-entered, `wrong` were wrong; Wilson 95% interval.
struct ResidualErrorRow {
  std::string kind;  ///< "boxes" | "digits" | "text".
  int accepted = 0;
  int wrong = 0;
  double rate = 0.0, low = 0.0, high = 0.0;  ///< shares in [0, 1].
};

/// What the re-check found, once blind entries exist (ComputeReport fills it from the store's
/// re-check report).
struct RecheckSummary {
  bool ran = false;
  int sheets_entered = 0;
  std::vector<ResidualErrorRow> residual;
};

/// Everything the report shows, computed from the same sheets the exports hold.
struct Report {
  std::string template_id;            ///< the scored template (first with `scoring`).
  std::string template_title;
  std::vector<templates::Option> levels;  ///< the scale of the criteria (labels for charts).
  std::vector<templates::Option> expectation_options;
  std::string expectations_question;
  std::vector<templates::ScoringElement> elements;
  std::vector<std::string> satisfied_levels;
  std::map<std::string, std::string> criterion_text;  ///< criterion id -> printed text.
  Indices overall;
  std::vector<UnitReport> units;      ///< code order.
  ExportSummary coverage;             ///< sheets counted / left out and why.
  int answers_missing = 0;            ///< criteria left blank on counted sheets.
  int answers_illegible = 0;          ///< criteria a reviewer marked illegible.
  int answers_pending = 0;            ///< criteria still under review (with --include-pending).
  int answers_not_scanned = 0;        ///< criteria on pages never scanned.
  std::string generated_at;           ///< ISO 8601 UTC.
  RecheckSummary recheck;             ///< shown when `recheck.ran`; else "no re-check yet".
};

struct ReportOptions {
  SheetFilter filter;  ///< which sheets count (default: nothing left to review).
};

/// Computes the report. `templates` are the survey's registered templates; sheets of
/// templates without `scoring` are counted as responses only. Error when no template has a
/// `scoring` section.
core::Result<Report> ComputeReport(store::Store& store, const std::vector<templates::Template>& templates,
                                   const templates::TemplateCatalog& catalog,
                                   const ReportOptions& options = {});

/// DESIGN.md report JSON: `{"overall": IDX, "units": [{"code", "name", "kind", "quota",
/// "responses", "rank", "indices": IDX}]}` (extra keys may be added).
std::string ReportToJson(const Report& report);
/// A self-contained HTML page in Vietnamese with SVG charts drawn here.
std::string ReportToHtml(const Report& report);
/// The same content as the HTML, as an A4 PDF drawn with Cairo and Pango.
core::Status WriteReportPdf(const Report& report, const std::filesystem::path& path);

}  // namespace phieu::exports
