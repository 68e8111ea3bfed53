// Copyright 2026 The Phiếu Authors
// SPDX-License-Identifier: Apache-2.0
#pragma once

// The survey file: SQLite behind the Store interface (private to the store). The methods live
// in one file per table family: templates_units.cpp, scans_pages.cpp, reporting.cpp,
// review_audit.cpp, accounts.cpp; sqlite_store.cpp holds the shared helpers and Store::Open.
// docs/schema.md describes the tables.

#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "db.h"
#include "store/store.h"

namespace phieu::store {

namespace fs = std::filesystem;
using nlohmann::json;
using core::MakeError;

// Every timestamp the store writes: UTC, ISO 8601 with milliseconds, sortable as text.
inline constexpr const char* kNow = "strftime('%Y-%m-%dT%H:%M:%fZ','now')";

inline std::string Q(const std::string& s) { return "\"" + s + "\""; }

/// The login an audit row names for `by` ("system" for the program itself).
inline std::string Who(const Actor& by) { return by.who.empty() ? std::string("system") : by.who; }

/// SQL that is true when the sheet whose serial is the expression `serial_sql` waits for a
/// re-check blind entry the login bound to its one `?` may still make (IsBlindTo): that login
/// sees none of the sheet's values until it is entered.
inline std::string BlindToSql(const std::string& serial_sql) {
  return "EXISTS (SELECT 1 FROM recheck_sheets rs WHERE rs.serial=" + serial_sql +
         " AND rs.status='open' AND NOT EXISTS (SELECT 1 FROM decision_history h "
         "WHERE h.serial=rs.serial AND h.who=?))";
}

// Printed serials start here so they all have the same number of digits ("1000001").
inline constexpr core::Serial kFirstSerial = 1000001;

/// One field of a registered template version, as ListSheets needs it.
struct FieldInfo {
  std::string id;
  core::FieldKind kind = core::FieldKind::kSingle;
  int page = 1;
};

struct TemplateInfo {
  int page_count = 0;
  std::vector<FieldInfo> fields;  // layout order
};

using TemplateKey = std::pair<std::string, int>;

json RectJson(const core::RectMm& r);
core::RectMm RectFromJson(const json& j);

// A reading's or decision's value: a JSON array of option values for box kinds, a JSON string
// (or null) for digits/text. The same shape the JSON export writes for multi/text.
std::string ValueJson(core::FieldKind kind, const std::vector<std::string>& selected,
                      const std::optional<std::string>& text);

// Decodes a value written by ValueJson. ListSheets decodes one per field of every sheet, so
// the shapes ValueJson writes without escapes (no backslash inside) are split by hand; anything
// else goes through the JSON parser.
struct DecodedValue {
  bool is_array = false;
  std::vector<std::string> items;
  std::optional<std::string> text;
};

DecodedValue DecodeValue(std::string_view v);

/// Binds a page's facts as 13 consecutive parameters from `first`, in the `pages` column order
/// status, reason, template_id, version, page_no, serial, homography, residual_px,
/// anchors_found, px_per_mm, rotation_deg, thumbnail, conflict_with (SavePage's INSERT and a
/// reread's UPDATE). The key is kept whenever the anchors gave one (also for unknown templates:
/// it tells the clerk which questionnaire the page claims to be); the fit only when identified.
void BindPageFacts(Stmt& st, int first, const PageRecord& page, const std::string& status,
                   const std::string& reason, std::optional<std::int64_t> conflict_with);
/// What is wrong with a person's value for a field (nullopt: nothing): box kinds take known
/// options only (no repeats), single and scale at most one; digits only digits; written kinds no
/// options. A multi question may hold more answers than its `max` (the respondent's doing).
/// `options` is template_fields.options. Shared by decisions and the re-check's blind entry.
std::optional<std::string> ValueProblem(core::FieldKind kind, const json& options, const FieldValue& v);
/// A human value as the audit shows it: ValueJson, or {"illegible": true}.
std::string AuditValueJson(core::FieldKind kind, const FieldValue& value);
/// A stored value (ValueJson) as a FieldValue.
FieldValue ToFieldValue(std::string_view value_json);

void ApplyValue(const std::string& value_json, const std::string& field_id, SheetRecord& rec);


/// The scan file itself (unreadable, or rewritten since it was hashed), as opposed to the
/// survey file: the caller reports it against that file and goes on with the batch.
class FileProblem : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

class SqliteStore final : public Store {
 public:
  explicit SqliteStore(std::string path) : path_(std::move(path)) {}
  Db& db() { return db_; }

  core::Status RegisterTemplate(const templates::Template& tpl,
                                const templates::Layout& layout) override;
  core::Result<std::vector<std::string>> LoadTemplateSources() override;
  core::Result<std::vector<StoredLayout>> LoadTemplateLayouts() override;
  core::Result<UnitsImport> ImportUnitsCsv(const std::string& csv_text,
                                           const std::string& source_name) override;
  core::Result<std::vector<Unit>> ListUnits() override;
  core::Result<std::vector<core::Serial>> AllocateSerials(const std::string& template_id,
                                                          int version,
                                                          const std::string& unit_code,
                                                          int count) override;
  core::Result<std::optional<Sheet>> FindSheet(core::Serial serial) override;
  core::Result<ScanFileState> BeginScanFile(const std::string& sha256, const fs::path& path,
                                            const std::vector<unsigned char>& bytes,
                                            int page_count) override;
  core::Result<ScanFileState> BeginScanFileFromDisk(const std::string& sha256, const fs::path& path,
                                                    int page_count) override;
  core::Result<PageDisposition> SavePage(const PageRecord& page) override;
  core::Status FinishScanFile(std::int64_t file_id) override;
  core::Status RecordUnreadableFile(const std::string& sha256, const fs::path& path,
                                    const std::vector<unsigned char>& bytes,
                                    const std::string& reason) override;
  core::Status RecordUnreadableFileFromDisk(const std::string& sha256, const fs::path& path,
                                            const std::string& reason) override;
  core::Result<std::vector<StoredPage>> ListStoredPages() override;
  core::Result<std::optional<StoredPage>> FindStoredPage(std::int64_t page_id) override;
  core::Status CopyScanOriginal(std::int64_t file_id, const fs::path& to) override;
  core::Result<RereadChange> ReplacePageReading(std::int64_t page_id, const PageRecord& page) override;
  // desk_pages.cpp: the clerk's hand on unidentified pages.
  core::Result<RereadChange> AssignPageByHand(std::int64_t page_id, const PageRecord& page,
                                              const HandAssignment& how) override;
  core::Status SetPageAside(std::int64_t page_id, const std::string& reason, const Actor& by) override;
  core::Result<SurveyStatus> GetStatus() override;
  core::Result<int> CountPages() override;
  core::Result<std::vector<SheetRecord>> ListSheets(bool include_pending) override;
  core::Status RecordDecision(const Decision& decision) override;
  core::Result<std::vector<ReviewItem>> ListOpenReviewItems(int limit) override;
  core::Result<std::vector<unsigned char>> LoadCropPng(std::int64_t reading_id) override;
  core::Result<std::optional<PageSource>> LoadPageSource(core::Serial serial, int page) override;
  core::Status Backup(const fs::path& to) override;
  core::Status AddUser(const UserRecord& user, const Actor& by) override;
  core::Status SetUserPassword(const std::string& name, const std::string& password_hash,
                               const Actor& by) override;
  core::Status SetUserDisabled(const std::string& name, bool disabled, const Actor& by) override;
  core::Result<std::optional<UserRecord>> FindUser(const std::string& name) override;
  core::Result<std::vector<UserRecord>> ListUsers() override;
  core::Result<std::optional<ReviewItemView>> LeaseNextReviewItem(
      const std::string& user, int lease_seconds, const std::vector<std::int64_t>& exclude,
      const std::string& blind_for) override;
  core::Result<std::optional<ReviewItemView>> GetReviewItem(std::int64_t id) override;
  core::Result<DecisionResult> DecideReviewItem(const ItemDecision& decision) override;
  core::Result<DecisionResult> ReopenReviewItem(std::int64_t item_id, int version,
                                                const std::string& who, const std::string& screen,
                                                const std::string& address) override;
  core::Status ReleaseLease(std::int64_t item_id, const std::string& user) override;
  core::Result<std::vector<ReviewItemView>> ListDecidedItems(const std::string& user,
                                                             int limit) override;
  core::Result<QueueCounts> CountReviewQueue(const std::string& user) override;
  core::Result<std::vector<AuditRow>> ListAudit(const AuditFilter& filter) override;
  core::Result<std::optional<SheetRecord>> GetSheet(core::Serial serial) override;
  // The re-check (recheck.cpp).
  core::Result<RecheckDraw> DrawRecheck(const RecheckDrawOptions& options) override;
  core::Result<std::optional<RecheckSheetView>> LeaseNextRecheckSheet(const std::string& user,
                                                                      int lease_seconds) override;
  core::Result<std::pair<RecheckResult, std::optional<RecheckSheetView>>> GetRecheckSheet(
      core::Serial serial, const std::string& user) override;
  core::Result<RecheckResult> SubmitRecheck(const RecheckEntry& entry) override;
  core::Status ReleaseRecheckLease(core::Serial serial, const std::string& user) override;
  core::Result<bool> IsBlindTo(core::Serial serial, const std::string& user) override;
  core::Result<std::vector<RecheckComparison>> ListRecheckComparisons(bool disagreements_only) override;
  core::Result<std::optional<RecheckComparison>> FindRecheckComparison(core::Serial serial,
                                                                      const std::string& field_id) override;
  core::Result<RecheckResult> SettleRecheck(core::Serial serial, const std::string& field_id,
                                            const FieldValue& value, const Actor& by) override;
  core::Result<RecheckReport> GetRecheckReport() override;
  core::Result<ReviewSpeed> GetReviewSpeed(const std::string& now, int window_minutes) override;
  std::optional<RecheckSheetView> RecheckView(core::Serial serial);
  std::vector<std::string> FirstReviewers(core::Serial serial);
  // channels.cpp, sheet_stream.cpp (branch exports)
  core::Status VisitSheets(bool include_pending,
                           const std::function<bool(const SheetRecord&)>& visit) override;
  core::Result<AnswersImportResult> ImportAnswers(const AnswersImport& batch) override;

  // group_queries.cpp
  core::Result<std::vector<FieldReadingView>> ListFieldReadings(const FieldReadingQuery& query) override;
  core::Result<std::vector<FieldReadingView>> LeaseFieldReadings(const FieldReadingQuery& query,
                                                                 int lease_seconds) override;
  core::Status ReleaseLeases(const std::vector<std::int64_t>& item_ids, const std::string& user) override;
  core::Result<std::vector<GroupFieldCount>> ListGroupFields() override;
  core::Result<std::vector<UnidentifiedPage>> ListUnidentifiedPages(int limit) override;
  core::Result<std::vector<unsigned char>> LoadPageThumbnail(std::int64_t page_id) override;
  // conflicts.cpp
  core::Result<std::vector<PageConflict>> ListConflicts(int limit) override;
  core::Result<ConflictResult> ResolveConflict(const ConflictResolution& resolution) override;
  core::Result<std::optional<PageSource>> LoadPageSourceById(std::int64_t page_id) override;
  // batches.cpp
  core::Result<std::int64_t> BeginBatch(const BatchRecord& batch) override;
  core::Status UpdateBatchProgress(std::int64_t batch_id, int pages_done, int pages_total) override;
  core::Status TouchBatches(const std::vector<std::int64_t>& batch_ids) override;
  core::Status FinishBatch(std::int64_t batch_id, const BatchEnd& end) override;
  core::Result<std::vector<BatchRecord>> ListBatches(int limit) override;
  core::Result<std::optional<BatchRecord>> GetBatch(std::int64_t batch_id) override;
  core::Result<std::optional<HeldScanFile>> FindScanFileBySha256(const std::string& sha256) override;

 private:
  /// ListFieldReadings' query, inside the caller's Guard (and transaction, if any).
  std::vector<FieldReadingView> FieldReadingsIn(const FieldReadingQuery& q);
  // Runs `f`, turning SQLite failures (and corrupt JSON in the file) into core::Error.
  template <class F>
  auto Guard(F&& f) -> decltype(f()) {
    try {
      return f();
    } catch (const DbError& e) {
      return MakeError("sqlite", path_ + ": " + e.what());
    } catch (const json::exception& e) {
      return MakeError("sqlite", path_ + ": malformed value in the survey file: " + e.what());
    }
  }

  /// RegisterTemplate: two template sources print the same forms (they differ at most in the
  /// scoring section and personal flags), and the update of such a registered version.
  static bool SamePrintedForm(const std::string& stored_source, const std::string& new_source);
  void UpdateNonPrintingParts(const templates::Template& tpl, const templates::Layout& layout,
                              bool layout_missing);
  std::map<TemplateKey, TemplateInfo> LoadTemplateInfos();
  /// Every sheet with an identified page, or only `only`.
  std::vector<SheetRecord> QuerySheets(std::optional<core::Serial> only);
  /// The file's state when its hash is already known (inside the caller's transaction).
  std::optional<ScanFileState> FindScanFile(const std::string& sha256);
  /// A new scan file's original bytes: already in memory, or streamed from the file on disk
  /// (memory then does not grow with the file).
  struct Original {
    const std::vector<unsigned char>* bytes = nullptr;  ///< in memory; else read from `disk`.
    fs::path disk;
    std::int64_t size = 0;
  };
  /// `disk` with its size, or an "io" Error naming the file.
  static core::Result<Original> OnDisk(const fs::path& disk);
  core::Result<ScanFileState> BeginScanFileWith(const std::string& sha256, const fs::path& path,
                                                const Original& original, int page_count);
  core::Status RecordUnreadableFileWith(const std::string& sha256, const fs::path& path,
                                        const Original& original, const std::string& reason);
  /// Stores the original of `file_id` in scan_originals. From disk: a zeroblob of the file's
  /// size filled in chunks, checking that what was read hashes to `sha256`; throws FileProblem
  /// on any mismatch, so the caller's transaction rolls back and nothing half-stored remains.
  void StoreOriginal(std::int64_t file_id, const Original& original, const std::string& sha256);
  /// What a field of a sheet is (kind and options), or nullopt when the sheet or field is
  /// unknown.
  struct FieldDef {
    core::FieldKind kind = core::FieldKind::kSingle;
    json options;  ///< [{"value", "label", "numeric"}...]
  };
  std::optional<FieldDef> FindFieldDef(core::Serial serial, const std::string& field_id);
  /// Writes a field's human value (decisions, decision_history), resolves the field's open
  /// items (version + 1, lease released) and writes the audit row; inside the caller's
  /// transaction. `value` must be valid for the field.
  void WriteDecision(core::Serial serial, const std::string& field_id, core::FieldKind kind,
                     const FieldValue& value, const std::string& who, const std::string& screen,
                     const std::string& address, std::optional<std::int64_t> item_id);
  /// The items of `where` (an SQL condition on `ri`, parameters bound by `bind`) as the
  /// reviewer's screen shows them.
  template <class Bind>
  std::vector<ReviewItemView> QueryItemViews(const std::string& where, const std::string& tail,
                                             Bind&& bind);
  /// The compared fields of `where` (an SQL condition on recheck_fields `f`, its parameters
  /// bound by `bind`), sheet then layout order.
  std::vector<RecheckComparison> QueryComparisons(const std::string& where,
                                                  const std::function<void(Stmt&)>& bind);
  /// The parsed stored layout of a template version (nullptr when none was stored); cached,
  /// since a registered layout never changes.
  const templates::Layout* LayoutOf(const std::string& template_id, int version);
  void WriteAudit(const std::string& who, const std::string& entity, const std::string& entity_id,
                  const std::optional<std::string>& old_value,
                  const std::optional<std::string>& new_value, const std::string& screen,
                  const std::string& address);
  void InsertReadings(std::int64_t page_id, core::Serial serial, bool open_reviews,
                      const PageRecord& page);
  /// What a page's anchors make of it in this survey (SavePage's rules): status, reason, the
  /// page it conflicts with. `self` (a stored page read again) is not its own conflict. May add
  /// the sheets row of a serial `phieu print` never allocated; inside the caller's transaction.
  struct PageVerdict {
    std::string status, reason;
    std::optional<std::int64_t> conflict_with;
  };
  PageVerdict JudgePage(const PageRecord& page, std::optional<std::int64_t> self);
  /// The original of page `page_id` when it is identified (status `ok` unless `any_status`),
  /// read inside the caller's snapshot; nullopt otherwise.
  std::optional<PageSource> PageSourceOf(std::int64_t page_id, bool any_status);
  /// ReplacePageReading inside the caller's transaction (reread.cpp).
  core::Result<RereadChange> ReplaceReadingInTransaction(std::int64_t page_id, const PageRecord& page);


  std::string path_;
  Db db_;
  std::map<TemplateKey, std::optional<templates::Layout>> layouts_;
};

}  // namespace phieu::store
