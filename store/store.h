// Copyright 2026 The Phiếu Authors
// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <array>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/result.h"
#include "core/review_reason.h"
#include "core/vocabulary.h"
#include "templates/layout.h"
#include "templates/template.h"

namespace phieu::store {

/// A surveyed unit (commune office, health station, school...). No hard-coded levels.
struct Unit {
  std::string code;
  std::string name;
  std::string kind;    ///< free text: "admin", "health", "school"...
  std::string parent;  ///< optional parent unit code.
  int quota = 0;       ///< forms expected from this unit.
};

/// Outcome of a units CSV import: rows are all-or-nothing (any bad row -> nothing stored).
struct UnitsImport {
  int inserted = 0;
  int updated = 0;
};

/// A printed sheet (one copy of a questionnaire) as allocated by `phieu print`.
struct Sheet {
  core::Serial serial = 0;
  std::string template_id;
  int version = 0;
  std::string unit_code;  ///< empty when the serial was never allocated (test renders).
};

/// A scan file as known to the survey.
struct ScanFileState {
  std::int64_t file_id = 0;
  bool complete = false;           ///< every page already stored: ingesting again is a no-op.
  std::set<int> pages_done;        ///< page indices already stored (resume after a kill).
};

/// The machine's look at one tick box, as stored (readings.boxes).
struct BoxRecord {
  std::string value;         ///< the option.
  std::string state;         ///< "empty" | "marked" | "cancelled" (recognition::BoxStateName).
  float ink = 0.0f;          ///< share of the box's inside inked, [0,1].
  float fill = 0.0f;         ///< solid-fill share, [0,1].
  float confidence = 0.0f;   ///< [0,1].
};

/// One field's machine reading as the store keeps it (recognition::FieldReading without pixels:
/// the crop comes already encoded).
struct ReadingRecord {
  std::string field_id;
  core::FieldKind kind = core::FieldKind::kSingle;
  int page = 1;
  std::vector<std::string> selected;   ///< box kinds: the marked options.
  std::optional<std::string> text;     ///< digits/text: the reading, nullopt = blank/unread.
  float confidence = 0.0f;             ///< [0,1].
  bool needs_review = false;
  std::string reason;                  ///< English words (a remark on an accepted reading).
  /// The same as codes (docs/review-reasons.md). When empty the store reads the codes from
  /// `reason` (and gives a flagged reading with neither "low_confidence").
  std::vector<core::ReviewReason> reasons;
  std::vector<BoxRecord> boxes;        ///< box kinds: one per option, layout order.
  core::RectMm crop_mm;                ///< the region shown to a reviewer, page mm.
  std::vector<unsigned char> crop_png; ///< that region as PNG; empty = not kept (docs/schema.md).
};

/// A line a sheet-fed scanner drew along the page (scanner::ScannerStreak).
struct StreakRecord {
  bool vertical = true;        ///< runs down the image; false: across it.
  int from_px = 0, to_px = 0;  ///< the columns (rows when not vertical) it covers, inclusive.
};

/// Everything learned from one scanned page; saved in one transaction. Built by ingest from
/// the scanner's AlignedPage and recognition's readings (pipeline/page_record.h).
struct PageRecord {
  std::int64_t file_id = 0;
  int page_index = 0;
  /// scanner::AlignStatusName: "ok", "blank", "no_anchors", "foreign_code", "unknown_template",
  /// "unknown_version", "inconsistent_anchors", "poor_fit", "unreadable".
  std::string status = "no_anchors";
  std::string reason;                     ///< human sentence when status != "ok".
  core::PageKey key;                      ///< when the anchors gave one.
  /// Homography page mm (x right, y down) -> scan px, row-major (scanner::AlignedPage::mm_to_px).
  std::array<double, 9> mm_to_px{1, 0, 0, 0, 1, 0, 0, 0, 1};
  double residual_px = 0.0;               ///< RMS of the anchor corner fit.
  int anchors_found = 0;
  double px_per_mm = 0.0;
  int rotation_deg = 0;
  std::vector<unsigned char> thumbnail_jpeg;  ///< for unidentified pages (may be empty).
  std::vector<ReadingRecord> readings;        ///< empty unless status == "ok".
  /// Scanner streaks painted out of the page before it was read (the batch summary reports
  /// them so the clerk cleans the glass; the stored original keeps them).
  std::vector<StreakRecord> streaks;
};

/// What SavePage did with the page.
/// kAlreadyStored: this page of this file was stored before (by an earlier or a concurrent
/// run); nothing changed, and it must not be counted again.
enum class PageDisposition { kStored, kUnidentified, kConflict, kAlreadyStored };

/// A page status that gives the page a sheet: "ok", or "conflict" (a second scan of a sheet page).
inline bool IsIdentifiedStatus(const std::string& status) { return status == "ok" || status == "conflict"; }

/// A page status of a scan identified as a sheet page: IsIdentifiedStatus, or a settled
/// conflict's other scan ("duplicate", "replaced"). None of them is the desk's to assign by
/// hand or set aside: those are for unidentified pages only.
inline bool IsSheetPageStatus(const std::string& status) {
  return IsIdentifiedStatus(status) || status == "duplicate" || status == "replaced";
}

/// A stored page as `phieu reread` selects it (ListStoredPages, FindStoredPage).
struct StoredPage {
  std::int64_t page_id = 0;
  std::int64_t file_id = 0;
  int page_index = 0;      ///< 0-based, within the scan file.
  std::string status;      ///< as stored: "ok", "conflict", "unknown_template"...
  std::string file_path;   ///< the scan file's path as given at ingest.
  std::string sha256;      ///< the scan file's content hash.
  /// When a clerk last set the page aside (SetPageAside), ISO 8601 UTC to the millisecond;
  /// empty when it is not set aside.
  std::string set_aside_at;
};

/// What ReplacePageReading did to a page.
struct RereadChange {
  std::string status;          ///< the page's status now.
  /// The page was identified before, and the new reading is not identified or names another
  /// sheet page: the page was left exactly as it was.
  bool kept_previous = false;
  int readings_added = 0;      ///< readings of fields the page had none for.
  int readings_changed = 0;    ///< existing readings whose value or review flag changed.
  int review_items_opened = 0;
  int review_items_closed = 0; ///< open items never touched by a person, no longer needed.
};

/// One sheet as exported (DESIGN.md export contract).
struct SheetRecord {
  core::Serial serial = 0;
  std::string template_id;
  int version = 0;
  std::string unit_code;                        ///< empty = unknown unit.
  std::string status;  ///< "incomplete" (a page missing) > "needs_review" (pending) > "complete".
  std::map<std::string, std::vector<std::string>> selected;  ///< box fields: field -> values.
  std::map<std::string, std::optional<std::string>> text;    ///< digits/text fields.
  std::vector<std::string> pending;             ///< fields with an open review item.
  std::vector<std::string> decided;             ///< fields holding a reviewer's value.
  std::vector<std::string> illegible;           ///< decided fields a reviewer marked illegible.
  std::vector<int> missing_pages;               ///< template pages never scanned.
  std::string channel = "paper";                ///< "paper", "phone" or "online".
  std::string scanned_at;  ///< ISO 8601 UTC: first page stored (paper) or import time; "" = unknown.
};

/// A reviewer's value for one field of one sheet. It overrides the machine reading in every
/// export and is never touched by a re-run of ingest.
struct Decision {
  core::Serial serial = 0;
  std::string field_id;
  std::vector<std::string> selected;  ///< box fields (single/multi/scale): the values; {} = none.
  std::optional<std::string> text;    ///< digits/text fields; nullopt = left blank.
  std::string who;                    ///< the reviewer's login (audit trail).
  bool illegible = false;             ///< could not be read (exported as missing, kept apart).
  std::string screen = "cli";         ///< where it was made (audit trail).
  std::string address;                ///< the client's address (audit trail); "" locally.
};

/// One open review item with what the machine read (for the review queue).
struct ReviewItem {
  std::int64_t id = 0;
  std::int64_t reading_id = 0;
  core::Serial serial = 0;
  std::string field_id;
  core::FieldKind kind = core::FieldKind::kSingle;
  int page = 1;
  std::string reason;
  std::vector<std::string> selected;  ///< machine reading (box kinds).
  std::optional<std::string> text;    ///< machine reading (digits/text).
  float confidence = 0.0f;
  core::RectMm crop_mm;
  bool has_crop = false;              ///< a PNG crop is stored (LoadCropPng).
  std::vector<core::ReviewReason> reasons;  ///< `reason` as codes (docs/review-reasons.md).
};

/// Survey-wide counts for `phieu status` and the batch summary.
struct SurveyStatus {
  int scan_files = 0;
  int scan_files_unreadable = 0; ///< files recorded with RecordUnreadableFile.
  int pages = 0;                 ///< all stored pages, identified or not.
  int pages_identified = 0;
  int pages_unidentified = 0;
  int conflicts = 0;             ///< pages that duplicate an already stored sheet page.
  /// Pages a clerk set aside settling a conflict (status "duplicate" or "replaced"): kept,
  /// never answers, not unidentified.
  int conflicts_settled = 0;
  int sheets = 0;
  int sheets_complete = 0;
  int sheets_needs_review = 0;
  int sheets_incomplete = 0;
  int review_open = 0;
  /// Required questions the machine found plainly blank and recorded as unanswered without
  /// review (code required_left_blank), on how many sheets; a reviewer's later value
  /// for the field takes it off the count.
  int required_left_blank = 0;
  int sheets_with_required_left_blank = 0;
  std::map<std::string, int> unidentified_reasons;  ///< status name ("no_anchors"...) -> pages.
  /// Per unit, code order: `sheets` = sheets with at least one identified page (as in
  /// ListSheets), `allocated` = serials printed for the unit.
  struct UnitCount {
    std::string code;
    std::string name;
    int quota = 0;
    int sheets = 0;
    int allocated = 0;
  };
  std::vector<UnitCount> units;
};


// --- accounts and review (the `phieu serve` side) -------------------------------------------

/// What a login may do (DESIGN.md review-ui): admin everything, reviewer the review queue,
/// clerk the scanning desk.
enum class Role { kAdmin, kReviewer, kClerk };
/// "admin", "reviewer", "clerk".
std::string_view RoleName(Role role);
std::optional<Role> ParseRole(std::string_view name);

/// A login. The password itself is never stored: only libsodium's Argon2id string
/// (crypto_pwhash_str), made and checked by the review stage.
struct UserRecord {
  std::string name;           ///< 1-64 characters: letters, digits, '.', '_', '-'.
  Role role = Role::kReviewer;
  std::string password_hash;  ///< "$argon2id$..."; never the password.
  bool disabled = false;      ///< a disabled login cannot log in; its history stays.
  std::string created_at;     ///< ISO 8601 UTC, set by the store.
};

/// Who changes a login, for the audit row every change writes.
struct Actor {
  std::string who;             ///< the admin's login, or the OS user at the command line; "" = "system".
  std::string screen = "cli";  ///< "cli", "admin"...
  std::string address;         ///< the client's address; "" locally.
};

/// libsodium's Argon2id string for `password` (crypto_pwhash_str, interactive limits: about
/// 64 MiB and 0.1 s). The only form in which a password reaches the store.
core::Result<std::string> HashPassword(std::string_view password);
/// True when `password` matches `hash` (crypto_pwhash_str_verify); false for anything that is
/// not an Argon2id string.
bool VerifyPassword(const std::string& hash, std::string_view password);

/// A field's value as a person gives it (and as the machine read it).
struct FieldValue {
  std::vector<std::string> selected;  ///< box kinds: the chosen option values; {} = no answer.
  std::optional<std::string> text;    ///< digits/text: the string; nullopt = left blank.
  bool illegible = false;             ///< the reviewer could not read it (kept apart from blank).
  bool operator==(const FieldValue&) const = default;
};

/// One printed option of a box field, as the reviewer's screen shows it.
struct OptionView {
  std::string value;
  std::string label;     ///< as printed ("" for the levels of a scale row: see the grid header).
  core::RectMm box_mm;   ///< the printed square on the page, mm (empty when the layout is unknown).
};

/// The machine's look at one box of a box field.
struct BoxView {
  std::string value;         ///< the option.
  std::string state;         ///< "empty" | "marked" | "cancelled" (recognition::BoxStateName).
  float ink = 0.0f;          ///< share of the box's inside inked, [0,1].
  float fill = 0.0f;         ///< solid-fill share, [0,1].
  float confidence = 0.0f;   ///< [0,1].
};

/// A review item with everything a reviewer's screen needs. Every change to the item (a
/// decision, an undo) bumps `version`; a decision quotes the version it was made on.
struct ReviewItemView {
  std::int64_t id = 0;
  std::int64_t reading_id = 0;
  int version = 1;
  std::string status;                 ///< "open" | "resolved".
  core::Serial serial = 0;
  std::string template_id;
  int template_version = 0;
  std::string unit_code;              ///< "" when the serial was never allocated.
  std::string field_id;
  core::FieldKind kind = core::FieldKind::kSingle;
  int page = 1;
  std::string question_id;            ///< the template question (a scale grid for its rows).
  std::string question;               ///< the printed text: the question, or a scale row's criterion.
  std::vector<OptionView> options;    ///< box kinds, in printed order.
  int max = 0;                        ///< multi: at most this many (0 = no limit).
  std::vector<core::RectMm> cells_mm; ///< digits: the comb cells on the page.
  core::RectMm area_mm;               ///< text: the writing area; others: the field's extent.
  FieldValue reading;                 ///< what the machine read.
  float confidence = 0.0f;            ///< [0,1].
  std::vector<BoxView> boxes;         ///< box kinds: per option, printed order.
  std::vector<core::ReviewReason> reasons;  ///< why it is here (codes).
  std::string reason;                 ///< the same in English words (terminal, logs).
  core::RectMm crop_mm;               ///< what the crop shows, page mm.
  bool has_crop = false;              ///< LoadCropPng(reading_id) returns a PNG.
  std::optional<FieldValue> decided;  ///< the field's current human value, if any.
  std::string decided_by;
  std::string decided_at;             ///< ISO 8601 UTC.
  std::string lease_owner;            ///< "" when not leased (or the lease expired).
  std::string lease_until;            ///< ISO 8601 UTC.
};

/// A decision on a review item (the reviewer's screen). Fails soft: see DecisionOutcome.
struct ItemDecision {
  std::int64_t item_id = 0;
  int version = 0;          ///< the item version the reviewer saw.
  FieldValue value;
  std::string who;          ///< the reviewer's login.
  std::string screen;       ///< where it was made ("review", "sheet", "cli"...): audit.
  std::string address;      ///< the client's address: audit.
};

enum class DecisionOutcome {
  kRecorded,       ///< committed, with its audit row; `version` is the item's new version.
  kStale,          ///< the item changed (decided, undone) since the version quoted.
  kLeasedToOther,  ///< someone else holds the item's lease.
  kNotFound,       ///< no such item.
  kInvalid,        ///< the value does not fit the field (unknown option, two answers to one...).
};

struct DecisionResult {
  DecisionOutcome outcome = DecisionOutcome::kRecorded;
  std::string message;  ///< for anything but kRecorded: what happened, in words for the user.
  int version = 0;      ///< the item's version after the call.
};

/// Queue figures for one reviewer's screen.
struct QueueCounts {
  int open = 0;          ///< open items in the survey (leased or not).
  int leased_to_others = 0;
  int decided_by_user = 0;   ///< items this user decided (ever).
};

/// One row of the audit trail: a change made by a person.
struct AuditRow {
  std::int64_t id = 0;
  std::string who;
  std::string at;       ///< ISO 8601 UTC.
  std::string entity;   ///< "decision", "undo", "user"...
  std::string entity_id;  ///< e.g. "1024/q3" (serial/field) for decisions.
  /// JSON, as in the export contract (null = none); a value marked illegible is written
  /// {"illegible": true}; for "user" rows an object of what changed ({"role":..,"disabled":..},
  /// {"password":"changed"}).
  std::optional<std::string> old_value;
  std::optional<std::string> new_value;  ///< JSON, as old_value.
  std::string screen;   ///< where it was made ("review", "cli"...); "" for older rows.
  std::string address;  ///< the client's address; "" for the command line and older rows.
};

struct AuditFilter {
  std::optional<core::Serial> serial;  ///< only this sheet.
  std::string field_id;                ///< only this field (with serial).
  std::string user;                    ///< only this person.
  int limit = 1000;                    ///< newest first.
};

// --- answers from other channels (phone interviews, online forms) -----------------------

/// One respondent's answers collected by phone or online: a sheet without pages.
struct ImportedSheet {
  core::Serial serial = 0;        ///< 0 = a new serial is allocated.
  std::string template_id;
  int version = 0;
  std::string unit_code;          ///< "" = unknown unit.
  std::map<std::string, FieldValue> answers;  ///< field id -> value; absent = not answered.
};

/// A whole answers file, stored all-or-nothing.
struct AnswersImport {
  std::string sha256;             ///< of the file: importing the same file again is a no-op.
  std::string source;             ///< the file's path, for the record.
  std::string channel;            ///< "phone" or "online".
  std::string who;                ///< the login or OS user who imported it (audit).
  std::vector<ImportedSheet> sheets;
};

struct AnswersImportResult {
  bool already_imported = false;  ///< this file (by hash) was imported before: nothing changed.
  int sheets = 0;                 ///< sheets stored now (or by the earlier import).
};

/// The stored original of one identified page, for drawing the whole page (the reviewer's
/// "Z" view): decode page `page_index` of `original` and map page mm to its pixels with
/// `mm_to_px`.
struct PageSource {
  std::vector<unsigned char> original;  ///< the scan file's bytes as ingested (TIFF, PDF, PNG...).
  std::string file_name;                ///< its name when ingested (the extension tells the format).
  int page_index = 0;                   ///< 0-based page of that file.
  std::array<double, 9> mm_to_px{};     ///< page mm -> scan px, row-major (PageRecord::mm_to_px).
  double px_per_mm = 0;
  double width_mm = 0, height_mm = 0;   ///< the printed page (0 when its layout is not stored).
};

/// A registered template version's layout as frozen at registration.
struct StoredLayout {
  std::string template_id;
  int version = 0;
  /// nullopt for templates registered before layouts were stored (schema < 3) until they are
  /// registered again; ComputeLayout then stands in.
  std::optional<templates::Layout> layout;
  std::string engine;  ///< the text engine that computed it (templates::LayoutEngineVersion).
};

// --- the re-check (phúc tra; store/src/recheck.cpp, docs/recheck.md) ---------------------

/// How `phieu recheck draw` samples complete sheets. Every field has the CLI's default.
struct RecheckDrawOptions {
  /// Share of complete sheets to re-check, (0, 1]. A draw tops the sample up to this share:
  /// sheets drawn before count towards it and are never drawn again.
  double share = 0.10;
  /// Stratify by unit: each unit gets ceil(share × its complete sheets), at least one for a
  /// unit with complete sheets and none drawn yet. Otherwise one sample over all sheets.
  bool per_unit = false;
  std::optional<std::uint64_t> seed;  ///< nullopt = a random seed (recorded with the draw).
  /// Also re-enter digits and text fields (box fields are always re-entered).
  bool written = false;
  std::string who;                    ///< who ran the draw (recorded); required.
};

/// A recorded draw.
struct RecheckDraw {
  std::int64_t id = 0;
  std::uint64_t seed = 0;
  double share = 0.0;
  bool per_unit = false;
  bool written = false;
  std::string who;
  std::string at;                    ///< ISO 8601 UTC.
  int complete_sheets = 0;           ///< complete sheets when it ran.
  int already_drawn = 0;             ///< of those, drawn by earlier draws (not drawn again).
  std::vector<core::Serial> serials; ///< drawn by this draw, ascending.
};

/// One field to enter blind. Deliberately holds no value: neither the machine's reading nor any
/// reviewer's decision reaches the second reviewer.
struct RecheckFieldView {
  std::string field_id;
  core::FieldKind kind = core::FieldKind::kSingle;
  int page = 1;
  std::string question_id;
  std::string question;               ///< printed text (a scale row's criterion).
  std::vector<OptionView> options;    ///< box kinds, printed order.
  int max = 0;                        ///< multi: at most this many (0 = no limit).
  std::vector<core::RectMm> cells_mm; ///< digits.
  core::RectMm area_mm;               ///< the field's extent on the page.
};

/// A drawn sheet as the second reviewer sees it (leased to them).
struct RecheckSheetView {
  core::Serial serial = 0;
  std::string template_id;
  int template_version = 0;
  std::string unit_code;
  int version = 1;                    ///< bumps on every change; an entry quotes it.
  std::string status;                 ///< "open" | "entered".
  std::string lease_owner;
  std::string lease_until;
  std::vector<RecheckFieldView> fields;  ///< layout order.
};

/// The blind entry of one drawn sheet: a value for every field of RecheckSheetView::fields.
struct RecheckEntry {
  core::Serial serial = 0;
  int version = 0;
  std::map<std::string, FieldValue> values;
  std::string who;
  std::string address;
};

enum class RecheckOutcome {
  kRecorded,       ///< stored; `version` is the sheet's new version.
  kStale,          ///< the version quoted is not current (entered since, or changed).
  kLeasedToOther,  ///< someone else holds the sheet.
  kFirstReviewer,  ///< the caller decided a field of this sheet: a re-check needs someone else.
  kNotFound,       ///< not a drawn sheet / not a disagreement.
  kInvalid,        ///< a value missing or not fitting its field.
};

struct RecheckResult {
  RecheckOutcome outcome = RecheckOutcome::kRecorded;
  std::string message;  ///< anything but kRecorded: what happened, in words.
  int version = 0;
};

/// A field compared: the sheet's value when the blind entry came in ("first") and the blind
/// value. Values are JSON as in the audit (AuditValueJson; multi sorted).
struct RecheckComparison {
  core::Serial serial = 0;
  std::string field_id;
  core::FieldKind kind = core::FieldKind::kSingle;
  std::string unit_code;
  std::string question;
  std::vector<OptionView> options;
  std::string first_value;
  bool first_accepted = false;  ///< the machine's reading with no human decision before.
  std::string first_who;        ///< "" for accepted readings.
  std::string blind_value;
  std::string blind_who;
  bool equal = false;
  std::optional<std::string> settled_value;  ///< disagreements, once an admin settled them.
  std::string settled_by;
  std::string settled_at;
};

/// Agreement of one group (a field, a second reviewer, a unit).
struct AgreementRow {
  std::string key;
  int fields = 0;
  int equal = 0;
  std::optional<double> kappa;  ///< scale fields only; nullopt when undefined (one category).
};

/// The residual error of one field kind: of `accepted` machine-accepted values re-entered and
/// decided (equal, or settled), `wrong` were settled to another value; `unsettled` are still
/// waiting for an admin and are not in `accepted`. Wilson 95% interval.
struct ResidualError {
  std::string kind;  ///< "boxes" | "digits" | "text".
  int accepted = 0;
  int wrong = 0;
  int unsettled = 0;
  double rate = 0.0, low = 0.0, high = 0.0;
};

struct RecheckReport {
  std::vector<RecheckDraw> draws;  ///< oldest first (serials left empty).
  int sheets_drawn = 0;
  int sheets_entered = 0;
  int fields = 0;
  int equal = 0;
  int disagreements_open = 0;
  int disagreements_settled = 0;
  std::optional<double> scale_kappa;  ///< over every scale field pair.
  std::vector<AgreementRow> by_field, by_reviewer, by_unit;
  std::vector<ResidualError> residual;  ///< boxes, digits, text.
};

/// Review speed (the desk): each reviewer's pace from the audit timestamps of their decisions.
struct ReviewerPace {
  std::string who;
  int decisions = 0;           ///< decisions (audit "decision" rows) in the window.
  std::string first_at, last_at;
  double items_per_hour = 0;   ///< (decisions - 1) / (last_at - first_at); 0 with < 2 decisions.
};
struct ReviewSpeed {
  std::string now;             ///< the end of the window, ISO 8601 UTC.
  int window_minutes = 60;
  std::vector<ReviewerPace> reviewers;  ///< by name.
  int queue_left = 0;          ///< open review items.
  double items_per_hour = 0;   ///< the team: the sum of the reviewers' paces.
  std::optional<double> hours_left;  ///< queue_left / items_per_hour; nullopt at pace 0.
};

/// Cohen's kappa of paired labels (po - pe) / (1 - pe); nullopt when there are no pairs or
/// pe == 1 (both raters used one single category: agreement beyond chance is undefined).
std::optional<double> CohenKappa(const std::vector<std::pair<std::string, std::string>>& pairs);
/// The Wilson score interval of x successes in n trials at `z` (1.96 = 95%); {0, 0} for n = 0.
std::pair<double, double> WilsonInterval(int x, int n, double z = 1.96);

/// One machine reading of a field on a sheet, with its review item and human value if any
/// (group verification and the sheet view: ListFieldReadings).
struct FieldReadingView {
  std::int64_t reading_id = 0;
  core::Serial serial = 0;
  std::string unit_code;              ///< "" when the serial was never allocated.
  std::string field_id;
  core::FieldKind kind = core::FieldKind::kSingle;
  int page = 1;
  FieldValue machine;                 ///< what the machine read.
  float confidence = 0.0f;
  bool needs_review = false;          ///< the machine flagged it (an item was opened).
  std::vector<BoxView> boxes;         ///< box kinds: per option, printed order.
  core::RectMm crop_mm;               ///< what the crop shows, page mm.
  bool has_crop = false;              ///< LoadCropPng(reading_id) returns a PNG.
  std::int64_t item_id = 0;           ///< its review item (0: none was opened).
  int item_version = 0;
  std::string item_status;            ///< "open" | "resolved" | "" (no item).
  std::string lease_owner;            ///< "" when not leased (or the lease expired).
  std::optional<FieldValue> decided;  ///< the field's current human value, if any.
  std::string decided_by;
};

/// Which readings ListFieldReadings returns.
struct FieldReadingQuery {
  enum class Mode {
    kAll,       ///< every reading (the sheet view).
    kOpen,      ///< readings with an open review item not leased to someone other than `user`.
    kAccepted,  ///< readings the machine accepted and no person has decided (a spot check).
  };
  std::optional<core::Serial> serial;  ///< only this sheet.
  std::int64_t reading_id = 0;         ///< only this reading (0: any).
  std::string template_id;             ///< with version and field_id: one field across sheets.
  int version = 0;
  std::string field_id;
  Mode mode = Mode::kAll;
  std::string user;                    ///< for kOpen: that reviewer's own leases count as free.
  core::Serial after_serial = 0;       ///< only serials above this (the next screen).
  int limit = 48;                      ///< at most this many, serial order.
  /// Not "": leave out sheets this login may still enter blind in the re-check (IsBlindTo).
  std::string blind_for;
};

/// A field of a registered template with how many readings each group mode would show.
struct GroupFieldCount {
  std::string template_id;
  int version = 0;
  std::string field_id;
  core::FieldKind kind = core::FieldKind::kSingle;
  std::string label;  ///< the question, or a scale row's criterion.
  int open = 0;       ///< FieldReadingQuery::Mode::kOpen (for any user).
  int accepted = 0;   ///< FieldReadingQuery::Mode::kAccepted.
};

/// A page no sheet could be given to (status other than "ok", "conflict", and the "duplicate" or
/// "replaced" of a settled conflict), for the clerk's desk.
struct UnidentifiedPage {
  std::int64_t page_id = 0;
  std::string file_name;     ///< the scan file as ingested.
  int page_index = 0;        ///< 0-based page of that file.
  std::string status;        ///< scanner::AlignStatusName ("no_anchors", "blank"...).
  std::string reason;        ///< the sentence ingest gave.
  std::string stored_at;     ///< ISO 8601 UTC.
  bool has_thumbnail = false;
  /// Set aside by a clerk (SetPageAside): their reason, login and when (ISO 8601 UTC); empty
  /// when the page still waits. A page set aside is still listed and may be assigned later.
  std::string set_aside_reason;
  std::string set_aside_by;
  std::string set_aside_at;
};

/// How a clerk named an unidentified page (Store::AssignPageByHand; the audit row says it).
struct HandAssignment {
  std::string method;  ///< "grid" (aligned on its printed boxes) or "points" (four clicks).
  Actor by;            ///< who, from which screen and address.
  /// The page as the caller read it (FindStoredPage) before reading its image outside the
  /// writer lock. Set: when its status or set-aside mark differ now (someone assigned or set it
  /// aside meanwhile), Error "changed" and nothing is written. Not set: no such check.
  std::optional<StoredPage> seen;
};

// --- conflicts: the same sheet page from two scans (store/src/conflicts.cpp) ---------------

/// One scanned page as the clerk's conflict screen shows it.
struct ScannedPageRef {
  std::int64_t page_id = 0;
  std::string file_name;     ///< the scan file's name as ingested.
  std::string folder;        ///< the folder it was ingested from (the batch, as the clerk knows it).
  int page_index = 0;        ///< 0-based page of that file.
  std::string ingested_at;   ///< when its file was ingested, ISO 8601 UTC.
  std::string stored_at;     ///< when this page was stored, ISO 8601 UTC.
};

/// A page kept as a conflict (status "conflict"): it names a sheet page already stored from
/// another scan, or a serial printed for another questionnaire.
struct PageConflict {
  core::Serial serial = 0;              ///< what the page's anchors say.
  int page = 1;                         ///< the template page, 1-based.
  std::string template_id;              ///< the page's own template (from its anchors).
  int version = 0;
  std::string unit_code;                ///< the sheet's unit ("" = unknown).
  std::string reason;                   ///< the sentence ingest gave.
  ScannedPageRef other;                 ///< the conflicting scan (status "conflict").
  std::optional<ScannedPageRef> stored; ///< the page the sheet holds now (nullopt: none).
  /// keep_other is possible: the page is of the sheet's own template version.
  bool same_template = true;
  /// Sheets made earlier by "two different sheets" from this serial that have no page
  /// `page` yet (ResolveConflict's `into_sheet`): the rest of the same second paper goes there.
  std::vector<core::Serial> split_sheets;
};

/// What a clerk decides about a conflict.
enum class ConflictAction {
  kKeepStored,  ///< the stored page stays; the other scan becomes "duplicate".
  kKeepOther,   ///< the other scan's reading becomes the sheet page's; the stored one "replaced".
  kSeparate,    ///< two different sheets wrongly numbered: the other scan gets its own sheet.
};
/// "keep_stored", "keep_other", "separate"; and back (nullopt for anything else).
std::string_view ConflictActionName(ConflictAction action);
std::optional<ConflictAction> ParseConflictAction(std::string_view name);

struct ConflictResolution {
  std::int64_t page_id = 0;       ///< the conflicting page (PageConflict::other.page_id).
  ConflictAction action = ConflictAction::kKeepStored;
  /// kSeparate only: 0 = a new serial in the sheet's unit; else one of PageConflict::split_sheets.
  core::Serial into_sheet = 0;
  Actor by;                       ///< the clerk (audit row).
};

enum class ConflictOutcome {
  kResolved,
  kNotFound,  ///< no such page.
  kStale,     ///< the page is not (or no longer) a conflict: resolved before, by someone.
  kInvalid,   ///< keep_other of a page of another questionnaire; a bad into_sheet.
};

/// What ResolveConflict did (docs/conflicts.md says exactly what each action changes).
struct ConflictResult {
  ConflictOutcome outcome = ConflictOutcome::kResolved;
  std::string message;             ///< anything but kResolved: what is wrong, in words.
  core::Serial serial = 0;         ///< the sheet the conflict was about.
  int page = 0;
  std::int64_t kept_page_id = 0;   ///< the page that now holds the answers (0: none).
  std::int64_t set_aside_page_id = 0;  ///< the page now "duplicate" or "replaced" (0: none).
  core::Serial new_serial = 0;     ///< kSeparate: the sheet the other scan now belongs to.
  int review_items_opened = 0;
  int review_items_closed = 0;     ///< open items of the replaced reading, closed unanswered.
};

/// An ingest run as the survey records it (table ingest_batches, docs/schema.md): from
/// `phieu ingest` on the machine with the survey file ("cli"), or sent by a scan station to
/// `phieu serve` ("station").
struct BatchRecord {
  std::int64_t id = 0;
  std::string source;        ///< "cli" | "station".
  std::string who;           ///< the login (station) or the system user (cli).
  std::string station;       ///< the station's host name; empty for "cli".
  std::string address;       ///< the station's network address; empty for "cli".
  /// "queued" (a station's files wait for the run before them), "running", "finished",
  /// "interrupted" (stopped by Ctrl-C or a server stop, or a queued/running row whose
  /// heartbeat is older than kBatchStaleSeconds: its process was killed), "failed" (the survey
  /// file failed; `error` says why).
  std::string state;
  int files = 0;
  int pages_done = 0;
  int pages_total = 0;       ///< known once the run has opened its files.
  std::string started_at, heartbeat_at, finished_at;  ///< ISO 8601 UTC; finished_at "" while open.
  std::string summary_json;  ///< pipeline::SummaryToJson of the run; "" until it ends.
  std::string summary_text;  ///< the summary exactly as `phieu ingest` printed it; "" until it ends.
  int exit_code = -1;        ///< the exit code `phieu ingest` gave for it (README); -1 while open.
  std::string error;         ///< for "failed": the survey file's error.
};

/// A batch's heartbeat is written at least this often while it runs (progress, or an idle
/// watch); a queued or running batch whose heartbeat is older than kBatchStaleSeconds is
/// reported as "interrupted" (its process is gone).
constexpr int kBatchHeartbeatSeconds = 5;
constexpr int kBatchStaleSeconds = 60;

/// How a batch ended (Store::FinishBatch).
struct BatchEnd {
  std::string state = "finished";  ///< "finished" | "interrupted" | "failed".
  std::string summary_json;
  std::string summary_text;
  int exit_code = 0;
  std::string error;
};

/// A scan file the survey already holds, found by its content hash.
struct HeldScanFile {
  std::int64_t file_id = 0;
  std::string path;          ///< as first ingested.
  bool complete = false;     ///< every page stored (or recorded as unreadable).
  std::string error;         ///< why it could not be read; empty for a readable file.
};

/// One survey file (SQLite, WAL). Not thread-safe: use one Store per thread, or serialise
/// calls (ingest funnels every write through one writer thread).
class Store {
 public:
  virtual ~Store() = default;

  /// Opens (and with `create`, creates) the survey file and runs schema migrations.
  /// A missing file without `create`, or a file that is not a Phiếu survey, is an Error.
  static core::Result<std::unique_ptr<Store>> Open(const std::filesystem::path& path, bool create);

  // --- templates -------------------------------------------------------------------------
  /// Registers a template version with its layout (page count, fields). Registering the same
  /// (id, version) with the same JSON is a no-op; with different content it is an Error
  /// ("bump the version").
  virtual core::Status RegisterTemplate(const templates::Template& tpl,
                                        const templates::Layout& layout) = 0;
  /// The JSON sources of every registered template version (parse with templates::ParseTemplate).
  virtual core::Result<std::vector<std::string>> LoadTemplateSources() = 0;
  /// The layout of every registered template version as stored at registration (the boxes
  /// where they were printed), ordered by template id and version.
  virtual core::Result<std::vector<StoredLayout>> LoadTemplateLayouts() = 0;

  // --- units ------------------------------------------------------------------------------
  /// CSV with header `code,name,kind,quota[,parent]` (UTF-8, optional BOM, quoted fields).
  /// Every bad row is reported in one Error: "units.csv:7: quota "x" is not a whole number".
  virtual core::Result<UnitsImport> ImportUnitsCsv(const std::string& csv_text,
                                                   const std::string& source_name) = 0;
  virtual core::Result<std::vector<Unit>> ListUnits() = 0;

  // --- serials ----------------------------------------------------------------------------
  /// Allocates `count` new serials for a unit (unique across the survey, never reused) and
  /// records them. Unknown unit or template is an Error.
  virtual core::Result<std::vector<core::Serial>> AllocateSerials(const std::string& template_id,
                                                                  int version,
                                                                  const std::string& unit_code,
                                                                  int count) = 0;
  virtual core::Result<std::optional<Sheet>> FindSheet(core::Serial serial) = 0;

  // --- ingest -----------------------------------------------------------------------------
  /// Records a scan file by content hash and keeps its original bytes. Known hash: returns
  /// the existing state (complete -> skip; otherwise resume at the missing pages).
  virtual core::Result<ScanFileState> BeginScanFile(const std::string& sha256,
                                                    const std::filesystem::path& path,
                                                    const std::vector<unsigned char>& bytes,
                                                    int page_count) = 0;
  /// As above, but the original bytes are streamed from the file at `path` in chunks, so
  /// memory does not grow with the file (scanner PDFs of 100+ MB). The content read must hash
  /// to `sha256`: a file rewritten since it was hashed is an Error and nothing is stored.
  virtual core::Result<ScanFileState> BeginScanFileFromDisk(const std::string& sha256,
                                                            const std::filesystem::path& path,
                                                            int page_count) = 0;
  /// Stores one page and its readings and review items in one transaction. A page whose
  /// (serial, page) is already stored from another scan is kept as a conflict.
  virtual core::Result<PageDisposition> SavePage(const PageRecord& page) = 0;
  /// Marks the file complete (all pages stored).
  virtual core::Status FinishScanFile(std::int64_t file_id) = 0;
  /// Records a file that could not be read at all (kept, with its bytes when available).
  virtual core::Status RecordUnreadableFile(const std::string& sha256, const std::filesystem::path& path,
                                            const std::vector<unsigned char>& bytes,
                                            const std::string& reason) = 0;

  /// RecordUnreadableFile with the bytes streamed from `path`; Error (nothing stored) if they
  /// no longer hash to `sha256`.
  virtual core::Status RecordUnreadableFileFromDisk(const std::string& sha256,
                                                    const std::filesystem::path& path,
                                                    const std::string& reason) = 0;

  // --- reading stored pages again (store/src/reread.cpp) ---------------------------------
  /// Every stored page with its scan file, page-id order.
  virtual core::Result<std::vector<StoredPage>> ListStoredPages() = 0;
  /// Stored page `page_id` with its scan file, as ListStoredPages lists it; nullopt when the
  /// survey has no such page.
  virtual core::Result<std::optional<StoredPage>> FindStoredPage(std::int64_t page_id) = 0;
  /// Writes the kept original bytes of scan file `file_id` to the file `to`, streamed (memory
  /// does not grow with the file). Error "not_found" when no original is kept.
  virtual core::Status CopyScanOriginal(std::int64_t file_id, const std::filesystem::path& to) = 0;
  /// Replaces the reading of stored page `page_id` by `page` (its file_id and page_index are
  /// ignored) in one transaction, judging status and conflicts as SavePage does. The page row
  /// and its reading rows keep their ids (updated in place), so review items and the audit
  /// keep pointing at them; decisions are never touched, and a field with a decision gets no
  /// new review item. An identified page is never made unidentified or moved to another sheet
  /// page (kept_previous). Error "not_found" for an unknown page id.
  virtual core::Result<RereadChange> ReplacePageReading(std::int64_t page_id, const PageRecord& page) = 0;

  // --- the clerk's hand on unidentified pages (desk_pages.cpp) ------------------------------
  /// Gives unidentified page `page_id` the identity a clerk named (`page.key`: an existing sheet
  /// of the survey, one of its template's pages) and its reading, as ReplacePageReading does and
  /// in one transaction with an audit row (entity "page", entity_id the page id; old: its status,
  /// reason and any set-aside reason; new: serial, page, method and the status now). When that
  /// sheet page is already stored from another scan the page becomes a conflict beside it, as
  /// at ingest (never an overwrite). A set-aside mark is cleared. Errors, nothing written:
  /// "not_found" (no such page), "changed" (the page is no longer as `how.seen` says),
  /// "identified" (the page is identified already), "invalid"
  /// (`page.status` is not "ok", the serial is not a sheet of the survey or was printed for another template version,
  /// the page number is not one of its template).
  virtual core::Result<RereadChange> AssignPageByHand(std::int64_t page_id, const PageRecord& page,
                                                      const HandAssignment& how) = 0;
  /// Sets unidentified page `page_id` aside with the clerk's reason (trimmed, required): kept
  /// with its status, listed with the reason, assignable later; audit row (entity "page", new
  /// {"set_aside": reason}). Setting it aside again replaces the reason (audited). Errors,
  /// nothing written: "not_found", "invalid" (blank reason), "identified" (the page is).
  virtual core::Status SetPageAside(std::int64_t page_id, const std::string& reason, const Actor& by) = 0;

  // --- reporting --------------------------------------------------------------------------
  virtual core::Result<SurveyStatus> GetStatus() = 0;
  /// Pages stored so far, identified or not (cheap: for progress shown by another process
  /// while an ingest writes).
  virtual core::Result<int> CountPages() = 0;
  /// Every sheet with at least one identified page, serial order; `include_pending` false
  /// leaves out sheets with open review items (whatever their status).
  virtual core::Result<std::vector<SheetRecord>> ListSheets(bool include_pending) = 0;
  /// The sheets ListSheets gives, handed one at a time to `visit` in serial order (return
  /// false to stop early). The SQLite store streams them: memory does not grow with the
  /// survey. The record passed is only valid during the call.
  virtual core::Status VisitSheets(bool include_pending,
                                   const std::function<bool(const SheetRecord&)>& visit);

  // --- review -----------------------------------------------------------------------------
  /// Records (or replaces) a human value for a field of a sheet, resolves the field's open
  /// review items and writes an audit row (old and new value). Unknown serial, or a field
  /// not in the sheet's template, is an Error; a box value that is not one of the field's
  /// options is an Error.
  virtual core::Status RecordDecision(const Decision& decision) = 0;
  /// Open review items, oldest first, at most `limit`.
  virtual core::Result<std::vector<ReviewItem>> ListOpenReviewItems(int limit) = 0;
  /// The stored PNG crop of a reading (empty when none was kept: see docs/schema.md).
  virtual core::Result<std::vector<unsigned char>> LoadCropPng(std::int64_t reading_id) = 0;
  /// The original of page `page` (1-based, as printed) of sheet `serial`: the identified,
  /// non-conflict page. nullopt when that page was never scanned or its original is not kept.
  virtual core::Result<std::optional<PageSource>> LoadPageSource(core::Serial serial, int page) = 0;

  // --- accounts ---------------------------------------------------------------------------
  /// A new login; Error when the name is taken or malformed, or `password_hash` is not an
  /// Argon2id string (HashPassword). Every change to a login writes an audit row (entity
  /// "user", entity_id the name; old/new say what changed, never the password or its hash).
  virtual core::Status AddUser(const UserRecord& user, const Actor& by = {}) = 0;
  /// Error when the user is unknown or the hash is not an Argon2id string.
  virtual core::Status SetUserPassword(const std::string& name, const std::string& password_hash,
                                       const Actor& by = {}) = 0;
  /// Error when the user is unknown; setting the state it already has is a no-op.
  virtual core::Status SetUserDisabled(const std::string& name, bool disabled,
                                       const Actor& by = {}) = 0;
  virtual core::Result<std::optional<UserRecord>> FindUser(const std::string& name) = 0;
  virtual core::Result<std::vector<UserRecord>> ListUsers() = 0;

  // --- the review queue -----------------------------------------------------------------
  /// Leases the next open item to `user` until now + `lease_seconds` and returns it: first an
  /// item `user` already holds, else the oldest item that is free (never leased, or its lease
  /// expired). Items in `exclude` are skipped (the client's prefetch); `blind_for` not "": so are
  /// items of sheets that login may still enter blind in the re-check (IsBlindTo), in the same
  /// query. nullopt: nothing left for this user. Two callers (threads or processes) never get the
  /// same item while a lease holds.
  virtual core::Result<std::optional<ReviewItemView>> LeaseNextReviewItem(
      const std::string& user, int lease_seconds, const std::vector<std::int64_t>& exclude = {},
      const std::string& blind_for = "") = 0;
  /// Any item, open or resolved; nullopt when the id is unknown.
  virtual core::Result<std::optional<ReviewItemView>> GetReviewItem(std::int64_t id) = 0;
  /// Records the decision (the field's human value, as RecordDecision), resolves the item,
  /// releases its lease, bumps its version and writes the audit row, in one transaction. An
  /// item already resolved may be decided again (a correction) when `version` is current.
  /// Checked in this order, nothing written on refusal: the item exists (kNotFound), `version`
  /// is current (kStale), nobody else holds an unexpired lease on it (kLeasedToOther; an
  /// unleased item may be decided by anyone), the value fits the field (kInvalid): box kinds
  /// take known options, each once, single/scale at most one, no text; digits/text no options,
  /// digits only ASCII digits. A multi question may get more answers than its `max` (the
  /// person records what the respondent did). `illegible` drops any value given with it; an
  /// empty text is a blank.
  virtual core::Result<DecisionResult> DecideReviewItem(const ItemDecision& decision) = 0;
  /// Undo: reopens a resolved item, puts the field back to what it was before that decision
  /// (the previous human value, or none: the machine's reading again), leases it to `who` for
  /// 10 minutes, bumps the version, audits it (entity "undo"). kStale when `version` is not
  /// current or the item is open (nothing to undo).
  virtual core::Result<DecisionResult> ReopenReviewItem(std::int64_t item_id, int version,
                                                        const std::string& who,
                                                        const std::string& screen,
                                                        const std::string& address) = 0;
  /// Gives up `user`'s lease on the item (no-op when not held).
  virtual core::Status ReleaseLease(std::int64_t item_id, const std::string& user) = 0;
  /// Items `user` decided, most recent decision first, at most `limit` (J/K history).
  virtual core::Result<std::vector<ReviewItemView>> ListDecidedItems(const std::string& user,
                                                                     int limit) = 0;
  virtual core::Result<QueueCounts> CountReviewQueue(const std::string& user) = 0;
  /// The audit trail, newest first.
  virtual core::Result<std::vector<AuditRow>> ListAudit(const AuditFilter& filter) = 0;
  /// One sheet as ListSheets(true) would give it; nullopt when it has no identified page.
  virtual core::Result<std::optional<SheetRecord>> GetSheet(core::Serial serial) = 0;

  // --- group verification and the sheet view (group_queries.cpp) --------------------------
  /// Readings of identified (non-conflict) pages matching `query`, serial order.
  virtual core::Result<std::vector<FieldReadingView>> ListFieldReadings(
      const FieldReadingQuery& query) = 0;
  /// Every field of every registered template with its open and accepted counts, layout order.
  virtual core::Result<std::vector<GroupFieldCount>> ListGroupFields() = 0;
  /// A group screen of open items: in one write transaction, the readings ListFieldReadings
  /// gives for `query` (its mode must be kOpen, its `user` the reviewer; items `user` holds
  /// count as free) are leased to `user` until now + `lease_seconds`, so two reviewers on the
  /// same question get disjoint screens; returned as leased (lease_owner = `user`).
  virtual core::Result<std::vector<FieldReadingView>> LeaseFieldReadings(
      const FieldReadingQuery& query, int lease_seconds) = 0;
  /// Gives up `user`'s leases on these items (others' leases and unknown ids are left alone):
  /// a group screen the reviewer left, in one statement.
  virtual core::Status ReleaseLeases(const std::vector<std::int64_t>& item_ids,
                                     const std::string& user) = 0;
  /// Pages no sheet could be given to, oldest first with blank pages after the others, at
  /// most `limit` (the clerk's desk).
  virtual core::Result<std::vector<UnidentifiedPage>> ListUnidentifiedPages(int limit) = 0;
  /// The JPEG thumbnail kept for an unidentified page (empty when none was kept).
  virtual core::Result<std::vector<unsigned char>> LoadPageThumbnail(std::int64_t page_id) = 0;

  // --- conflicts (conflicts.cpp, docs/conflicts.md) ----------------------------------------
  /// Pages kept as conflicts, oldest first, at most `limit`, each with the page its sheet
  /// holds now.
  virtual core::Result<std::vector<PageConflict>> ListConflicts(int limit) = 0;
  /// Settles one conflict in one transaction with an audit row (entity "conflict", entity_id
  /// "SERIAL/page:P"). Nothing is deleted: the page not kept stays with status "duplicate" or
  /// "replaced". Refusals (not found, stale, invalid) change nothing.
  virtual core::Result<ConflictResult> ResolveConflict(const ConflictResolution& resolution) = 0;
  /// The original of stored page `page_id`, whatever its status (a conflict's two scans side
  /// by side); nullopt when the page is unknown, not identified or its original is not kept.
  virtual core::Result<std::optional<PageSource>> LoadPageSourceById(std::int64_t page_id) = 0;

  // --- ingest batches (store/src/batches.cpp) ---------------------------------------------
  /// Records a new batch (state "running", or "queued" for a station's batch waiting its
  /// turn) and returns its id; started_at and heartbeat_at are now.
  virtual core::Result<std::int64_t> BeginBatch(const BatchRecord& batch) = 0;
  /// Progress of a running batch: sets state "running", the counts and the heartbeat.
  virtual core::Status UpdateBatchProgress(std::int64_t batch_id, int pages_done, int pages_total) = 0;
  /// Moves the heartbeat of these open batches to now (an idle watch, a queue waiting).
  virtual core::Status TouchBatches(const std::vector<std::int64_t>& batch_ids) = 0;
  /// Ends a batch with its summary; finished_at is now. Error "not_found" for an unknown id.
  virtual core::Status FinishBatch(std::int64_t batch_id, const BatchEnd& end) = 0;
  /// The newest `limit` batches, newest first; stale open ones read as "interrupted".
  virtual core::Result<std::vector<BatchRecord>> ListBatches(int limit) = 0;
  virtual core::Result<std::optional<BatchRecord>> GetBatch(std::int64_t batch_id) = 0;
  /// The scan file with this SHA-256 (lowercase hex) when the survey holds it.
  virtual core::Result<std::optional<HeldScanFile>> FindScanFileBySha256(const std::string& sha256) = 0;

  // --- safety -----------------------------------------------------------------------------
  /// Copies the survey to `to` (a new file) with SQLite's online backup API, a few pages at a
  /// time, so ingest and the server may go on writing meanwhile (the copy is the survey as it
  /// stood at one moment during the call: every transaction committed before it, whole or not
  /// at all); then opens the copy and runs PRAGMA integrity_check, and only then gives it the
  /// name `to`. An Error names the file on any failure, and an incomplete copy is removed.
  /// `to` must not exist.
  virtual core::Status Backup(const std::filesystem::path& to) = 0;

  // --- the re-check (phúc tra) -------------------------------------------------------------
  /// Draws complete sheets not drawn before (RecheckDrawOptions) and records the draw.
  /// Deterministic for a seed and the same survey state.
  virtual core::Result<RecheckDraw> DrawRecheck(const RecheckDrawOptions& options) = 0;
  /// Leases the next drawn sheet waiting for its blind entry to `user`: first one `user`
  /// holds, else the lowest serial that is free and of which `user` decided no field.
  virtual core::Result<std::optional<RecheckSheetView>> LeaseNextRecheckSheet(
      const std::string& user, int lease_seconds) = 0;
  /// A drawn sheet for `user`: kFirstReviewer when `user` decided one of its fields,
  /// kNotFound when it was not drawn (the view is set only with kRecorded).
  virtual core::Result<std::pair<RecheckResult, std::optional<RecheckSheetView>>> GetRecheckSheet(
      core::Serial serial, const std::string& user) = 0;
  /// Stores the blind entry, compared field by field with the sheet's value at that moment.
  virtual core::Result<RecheckResult> SubmitRecheck(const RecheckEntry& entry) = 0;
  virtual core::Status ReleaseRecheckLease(core::Serial serial, const std::string& user) = 0;
  /// True when `user` may still enter `serial` blind: the sheet is drawn, its blind entry is not
  /// in, and `user` decided none of its fields (LeaseNextRecheckSheet could hand it to them).
  /// Nothing may show such a user the sheet's values (the server's routes refuse them).
  virtual core::Result<bool> IsBlindTo(core::Serial serial, const std::string& user) = 0;
  /// Every compared field of entered sheets (only disagreements with `disagreements_only`).
  virtual core::Result<std::vector<RecheckComparison>> ListRecheckComparisons(
      bool disagreements_only) = 0;
  /// The compared field `field_id` of entered sheet `serial`, as ListRecheckComparisons gives
  /// it; nullopt when that field of that sheet was not compared.
  virtual core::Result<std::optional<RecheckComparison>> FindRecheckComparison(
      core::Serial serial, const std::string& field_id) = 0;
  /// An admin settles a disagreement: `value` becomes the sheet's value through the decision
  /// path (decision_history, audit row with screen "recheck"). Settling twice is kStale.
  virtual core::Result<RecheckResult> SettleRecheck(core::Serial serial, const std::string& field_id,
                                                    const FieldValue& value, const Actor& by) = 0;
  virtual core::Result<RecheckReport> GetRecheckReport() = 0;
  /// Decisions in the `window_minutes` before `now` (ISO 8601 UTC; "" = the current time).
  virtual core::Result<ReviewSpeed> GetReviewSpeed(const std::string& now, int window_minutes) = 0;
  // --- other channels -----------------------------------------------------------------------
  /// Stores answers collected by phone or online, in one transaction: every sheet or none.
  /// A file already imported (same sha256) changes nothing. Errors (nothing stored): an
  /// unknown template version or unit, a serial already used by another sheet, a value that
  /// is not one of a field's options. The caller checks rows against the template first and
  /// reports bad rows with their line; these errors are the store's own guard.
  /// Imported sheets appear in VisitSheets with their channel and no pages.
  virtual core::Result<AnswersImportResult> ImportAnswers(const AnswersImport& batch);
};

/// SHA-256 of bytes, lowercase hex.
std::string Sha256Hex(const std::vector<unsigned char>& bytes);
/// SHA-256 of a file's content (read in 1 MiB chunks), lowercase hex; an Error naming the file
/// when it cannot be opened or read.
core::Result<std::string> Sha256HexOfFile(const std::filesystem::path& path);

}  // namespace phieu::store
