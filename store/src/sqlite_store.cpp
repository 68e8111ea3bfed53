// Copyright 2026 The Phiếu Authors
// SPDX-License-Identifier: Apache-2.0
//
// The survey file: SQLite behind the Store interface. docs/schema.md describes the tables.

#include <sqlite3.h>

#include <algorithm>
#include <map>
#include <set>
#include <unordered_map>
#include <utility>

#include <nlohmann/json.hpp>
#include <opencv2/imgcodecs.hpp>

#include "db.h"
#include "schema.h"
#include "sha256.h"
#include "store/store.h"
#include "units_csv.h"

namespace phieu::store {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using core::MakeError;

// Every timestamp the store writes: UTC, ISO 8601 with milliseconds, sortable as text.
constexpr const char* kNow = "strftime('%Y-%m-%dT%H:%M:%fZ','now')";

std::string Q(const std::string& s) { return "\"" + s + "\""; }

// Printed serials start here so they all have the same number of digits ("1000001").
constexpr core::Serial kFirstSerial = 1000001;

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

json RectJson(const core::RectMm& r) { return json::array({r.x, r.y, r.w, r.h}); }

core::RectMm RectFromJson(const json& j) {
  if (!j.is_array() || j.size() != 4) return {};
  return {j[0].get<double>(), j[1].get<double>(), j[2].get<double>(), j[3].get<double>()};
}

// A reading's or decision's value: a JSON array of option values for box kinds, a JSON string
// (or null) for digits/text. The same shape the JSON export writes for multi/text.
std::string ValueJson(core::FieldKind kind, const std::vector<std::string>& selected,
                      const std::optional<std::string>& text) {
  if (core::IsBoxKind(kind)) return json(selected).dump();
  return text ? json(*text).dump() : std::string("null");
}

// Decodes a value written by ValueJson. ListSheets decodes one per field of every sheet, so
// the shapes ValueJson writes without escapes (no backslash inside) are split by hand; anything
// else goes through the JSON parser.
struct DecodedValue {
  bool is_array = false;
  std::vector<std::string> items;
  std::optional<std::string> text;
};

DecodedValue DecodeValue(std::string_view v) {
  DecodedValue out;
  if (v.find('\\') == std::string_view::npos) {
    if (v == "null") return out;
    if (v.size() >= 2 && v.front() == '"' && v.back() == '"') {
      out.text = std::string(v.substr(1, v.size() - 2));
      return out;
    }
    if (v.size() >= 2 && v.front() == '[' && v.back() == ']') {
      out.is_array = true;
      for (size_t open = v.find('"'); open != std::string_view::npos;) {
        size_t close = v.find('"', open + 1);
        if (close == std::string_view::npos) break;
        out.items.emplace_back(v.substr(open + 1, close - open - 1));
        open = v.find('"', close + 1);
      }
      return out;
    }
  }
  json j = json::parse(v);
  if (j.is_array()) {
    out.is_array = true;
    for (const auto& e : j) out.items.push_back(e.get<std::string>());
  } else if (j.is_string()) {
    out.text = j.get<std::string>();
  }
  return out;
}

void ApplyValue(const std::string& value_json, const std::string& field_id, SheetRecord& rec) {
  if (auto it = rec.selected.find(field_id); it != rec.selected.end()) {
    it->second = DecodeValue(value_json).items;
  } else if (auto jt = rec.text.find(field_id); jt != rec.text.end()) {
    jt->second = DecodeValue(value_json).text;
  }
  // A value for a field the layout does not have (should not happen) is ignored, so an
  // export only ever carries the template's fields.
}

PageDisposition DispositionOf(const std::string& status) {
  if (status == "ok") return PageDisposition::kStored;
  if (status == "conflict") return PageDisposition::kConflict;
  return PageDisposition::kUnidentified;
}

// Which crops to keep (docs/schema.md, "Crops"): a reviewer needs the crop of every flagged
// reading, and the second-person re-check (phúc tra) looks at marked boxes. Unmarked,
// confident boxes and confident digits/text are the bulk of a batch and are not kept; any
// crop can be regenerated from the original scan bytes, the page homography and crop_mm.
bool KeepCrop(const recognition::FieldReading& r, const CropOptions& options) {
  if (r.crop.empty()) return false;
  if (r.needs_review) return true;
  if (!options.keep_marked_boxes || !core::IsBoxKind(r.kind)) return false;
  return std::any_of(r.boxes.begin(), r.boxes.end(), [](const recognition::BoxReading& b) {
    return b.state != recognition::BoxState::kEmpty;
  });
}

std::vector<unsigned char> EncodePng(const cv::Mat& img, const CropOptions& options) {
  std::vector<unsigned char> png;
  try {
    cv::imencode(".png", img, png, {cv::IMWRITE_PNG_COMPRESSION, options.png_compression});
  } catch (const cv::Exception&) {
    png.clear();  // An unencodable crop (odd depth) is dropped; crop_mm still locates it.
  }
  return png;
}

}  // namespace

void EncodeCrops(PageResult& page, const CropOptions& options) {
  page.crops_png.clear();
  page.crops_png.reserve(page.readings.size());
  for (const auto& r : page.readings)
    page.crops_png.push_back(KeepCrop(r, options) ? EncodePng(r.crop, options)
                                                  : std::vector<unsigned char>());
}

namespace {

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
  core::Result<PageDisposition> SavePage(const PageResult& page) override;
  core::Status FinishScanFile(std::int64_t file_id) override;
  core::Status RecordUnreadableFile(const std::string& sha256, const fs::path& path,
                                    const std::vector<unsigned char>& bytes,
                                    const std::string& reason) override;
  core::Status RecordUnreadableFileFromDisk(const std::string& sha256, const fs::path& path,
                                            const std::string& reason) override;
  core::Result<SurveyStatus> GetStatus() override;
  core::Result<int> CountPages() override;
  core::Result<std::vector<SheetRecord>> ListSheets(bool include_pending) override;
  core::Status RecordDecision(const Decision& decision) override;
  core::Result<std::vector<ReviewItem>> ListOpenReviewItems(int limit) override;
  core::Result<std::vector<unsigned char>> LoadCropPng(std::int64_t reading_id) override;
  // Review API: implemented on branch review-store (placeholders so the tree links meanwhile).
  core::Status AddUser(const UserRecord&) override { return Pending(); }
  core::Status SetUserPassword(const std::string&, const std::string&) override { return Pending(); }
  core::Status SetUserDisabled(const std::string&, bool) override { return Pending(); }
  core::Result<std::optional<UserRecord>> FindUser(const std::string&) override { return Pending(); }
  core::Result<std::vector<UserRecord>> ListUsers() override { return Pending(); }
  core::Result<std::optional<ReviewItemView>> LeaseNextReviewItem(
      const std::string&, int, const std::vector<std::int64_t>&) override { return Pending(); }
  core::Result<std::optional<ReviewItemView>> GetReviewItem(std::int64_t) override { return Pending(); }
  core::Result<DecisionResult> DecideReviewItem(const ItemDecision&) override { return Pending(); }
  core::Result<DecisionResult> ReopenReviewItem(std::int64_t, int, const std::string&,
                                                const std::string&, const std::string&) override {
    return Pending();
  }
  core::Status ReleaseLease(std::int64_t, const std::string&) override { return Pending(); }
  core::Result<std::vector<ReviewItemView>> ListDecidedItems(const std::string&, int) override {
    return Pending();
  }
  core::Result<QueueCounts> CountReviewQueue(const std::string&) override { return Pending(); }
  core::Result<std::vector<AuditRow>> ListAudit(const AuditFilter&) override { return Pending(); }
  core::Result<std::optional<SheetRecord>> GetSheet(core::Serial) override { return Pending(); }
  static core::Error Pending() { return core::Error{"unsupported", "not available in this build"}; }

 private:
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

  std::map<TemplateKey, TemplateInfo> LoadTemplateInfos();
  std::vector<SheetRecord> QuerySheets();
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
  void InsertReadings(std::int64_t page_id, core::Serial serial, bool open_reviews,
                      const PageResult& page);

  std::string path_;
  Db db_;
};

core::Status SqliteStore::RegisterTemplate(const templates::Template& tpl,
                                           const templates::Layout& layout) {
  if (layout.template_id != tpl.id || layout.version != tpl.version)
    return MakeError("invalid", "layout of " + layout.template_id + " version " +
                                    std::to_string(layout.version) + " does not belong to template " +
                                    tpl.id + " version " + std::to_string(tpl.version));
  return Guard([&]() -> core::Status {
    Transaction tx(db_);
    {
      Stmt st = db_.Prepare("SELECT source_json FROM templates WHERE template_id=? AND version=?");
      st.Bind(1, tpl.id).Bind(2, tpl.version);
      if (st.Step()) {
        if (st.Text(0) == tpl.source_json) return {};
        return MakeError("invalid", "template " + tpl.id + " version " +
                                        std::to_string(tpl.version) +
                                        " is already registered with different content; "
                                        "bump the version");
      }
    }
    int page_count = static_cast<int>(layout.pages.size());
    for (const auto& f : layout.fields) page_count = std::max(page_count, f.page);
    db_.Prepare(std::string("INSERT INTO templates (template_id, version, source_json, page_count, "
                            "registered_at) VALUES (?,?,?,?,") + kNow + ")")
        .Bind(1, tpl.id).Bind(2, tpl.version).Bind(3, tpl.source_json).Bind(4, page_count)
        .Run();
    int ord = 0;
    for (const auto& f : layout.fields) {
      json options = json::array();
      for (const auto& o : f.options)
        options.push_back({{"value", o.value}, {"label", o.label}, {"numeric", o.numeric}});
      db_.Prepare("INSERT INTO template_fields (template_id, version, ord, field_id, kind, page, "
                  "question_id, label, options, max_answers) VALUES (?,?,?,?,?,?,?,?,?,?)")
          .Bind(1, tpl.id).Bind(2, tpl.version).Bind(3, ord++).Bind(4, f.id)
          .Bind(5, core::FieldKindName(f.kind)).Bind(6, f.page).Bind(7, f.question_id)
          .Bind(8, f.label).Bind(9, options.dump()).Bind(10, f.max)
          .Run();
    }
    tx.Commit();
    return {};
  });
}

core::Result<std::vector<std::string>> SqliteStore::LoadTemplateSources() {
  return Guard([&]() -> core::Result<std::vector<std::string>> {
    std::vector<std::string> out;
    Stmt st = db_.Prepare("SELECT source_json FROM templates ORDER BY template_id, version");
    while (st.Step()) out.push_back(st.Text(0));
    return out;
  });
}

core::Result<UnitsImport> SqliteStore::ImportUnitsCsv(const std::string& csv_text,
                                                      const std::string& source_name) {
  return Guard([&]() -> core::Result<UnitsImport> {
    auto exists = [&](const std::string& code) {
      Stmt st = db_.Prepare("SELECT 1 FROM units WHERE code=?");
      st.Bind(1, code);
      return st.Step();
    };
    auto parent_of = [&](const std::string& code) {
      Stmt st = db_.Prepare("SELECT coalesce(parent,'') FROM units WHERE code=?");
      st.Bind(1, code);
      return st.Step() ? st.Text(0) : std::string();
    };
    ParsedUnits parsed = ParseUnitsCsv(csv_text, source_name, exists, parent_of);
    if (!parsed.errors.empty()) {
      std::string msg;
      for (const auto& e : parsed.errors) msg += (msg.empty() ? "" : "\n") + e;
      return MakeError("invalid", msg);
    }
    UnitsImport result;
    Transaction tx(db_);
    for (const Unit& u : parsed.units) {
      (exists(u.code) ? result.updated : result.inserted)++;
      db_.Prepare("INSERT INTO units (code, name, kind, parent, quota) VALUES (?,?,?,?,?) "
                  "ON CONFLICT (code) DO UPDATE SET name=excluded.name, kind=excluded.kind, "
                  "parent=excluded.parent, quota=excluded.quota")
          .Bind(1, u.code).Bind(2, u.name).Bind(3, u.kind)
          .Bind(4, u.parent.empty() ? std::nullopt : std::optional<std::string>(u.parent))
          .Bind(5, u.quota)
          .Run();
    }
    tx.Commit();
    return result;
  });
}

core::Result<std::vector<Unit>> SqliteStore::ListUnits() {
  return Guard([&]() -> core::Result<std::vector<Unit>> {
    std::vector<Unit> out;
    Stmt st = db_.Prepare(
        "SELECT code, name, kind, coalesce(parent,''), quota FROM units ORDER BY code");
    while (st.Step())
      out.push_back({.code = st.Text(0), .name = st.Text(1), .kind = st.Text(2),
                     .parent = st.Text(3), .quota = static_cast<int>(st.Int(4))});
    return out;
  });
}

core::Result<std::vector<core::Serial>> SqliteStore::AllocateSerials(const std::string& template_id,
                                                                     int version,
                                                                     const std::string& unit_code,
                                                                     int count) {
  if (count < 0)
    return MakeError("usage", "cannot allocate " + std::to_string(count) + " serials");
  return Guard([&]() -> core::Result<std::vector<core::Serial>> {
    // IMMEDIATE: the write lock is held from the max() read to the inserts, so two `phieu
    // print` runs on the same survey can never hand out the same serial.
    Transaction tx(db_);
    {
      Stmt st = db_.Prepare("SELECT 1 FROM templates WHERE template_id=? AND version=?");
      st.Bind(1, template_id).Bind(2, version);
      if (!st.Step())
        return MakeError("invalid", "template " + template_id + " version " +
                                        std::to_string(version) +
                                        " is not registered in this survey");
    }
    {
      Stmt st = db_.Prepare("SELECT 1 FROM units WHERE code=?");
      st.Bind(1, unit_code);
      if (!st.Step())
        return MakeError("invalid", "unit " + Q(unit_code) +
                                        " is not in this survey (import the units CSV first)");
    }
    // Serials seen on scans but never allocated count too: they are never reused.
    core::Serial next =
        std::max(db_.QueryInt("SELECT max(serial) FROM sheets").value_or(0) + 1, kFirstSerial);
    std::vector<core::Serial> out;
    out.reserve(static_cast<size_t>(count));
    for (int i = 0; i < count; ++i, ++next) {
      db_.Prepare(std::string("INSERT INTO sheets (serial, template_id, version, unit_code, "
                              "allocated, allocated_at) VALUES (?,?,?,?,1,") + kNow + ")")
          .Bind(1, next).Bind(2, template_id).Bind(3, version).Bind(4, unit_code)
          .Run();
      out.push_back(next);
    }
    tx.Commit();
    return out;
  });
}

core::Result<std::optional<Sheet>> SqliteStore::FindSheet(core::Serial serial) {
  return Guard([&]() -> core::Result<std::optional<Sheet>> {
    Stmt st = db_.Prepare(
        "SELECT template_id, version, coalesce(unit_code,'') FROM sheets WHERE serial=?");
    st.Bind(1, serial);
    if (!st.Step()) return std::optional<Sheet>();
    return std::optional<Sheet>(Sheet{.serial = serial, .template_id = st.Text(0),
                                      .version = static_cast<int>(st.Int(1)),
                                      .unit_code = st.Text(2)});
  });
}

std::optional<ScanFileState> SqliteStore::FindScanFile(const std::string& sha256) {
  ScanFileState state;
  {
    Stmt st = db_.Prepare("SELECT id, complete FROM scan_files WHERE sha256=?");
    st.Bind(1, sha256);
    if (!st.Step()) return std::nullopt;
    state.file_id = st.Int(0);
    state.complete = st.Int(1) != 0;
  }
  Stmt st = db_.Prepare("SELECT page_index FROM pages WHERE file_id=?");
  st.Bind(1, state.file_id);
  while (st.Step()) state.pages_done.insert(static_cast<int>(st.Int(0)));
  return state;
}

core::Result<SqliteStore::Original> SqliteStore::OnDisk(const fs::path& disk) {
  std::error_code ec;
  const auto size = static_cast<std::int64_t>(fs::file_size(disk, ec));
  if (ec) return MakeError("io", disk.string() + ": " + ec.message());
  return Original{.bytes = nullptr, .disk = disk, .size = size};
}

void SqliteStore::StoreOriginal(std::int64_t file_id, const Original& original,
                                const std::string& sha256) {
  if (original.size == 0) return;  // nothing to keep
  if (original.bytes) {
    db_.Prepare("INSERT INTO scan_originals (file_id, bytes) VALUES (?,?)")
        .Bind(1, file_id).BindBlobInPlace(2, *original.bytes).Run();
    return;
  }
  db_.Prepare("INSERT INTO scan_originals (file_id, bytes) VALUES (?,?)")
      .Bind(1, file_id).BindZeroBlob(2, original.size).Run();
  Db::BlobWriter blob(db_, "scan_originals", "bytes", file_id);
  Sha256 sha;
  bool grew = false;
  auto read = ReadFileChunks(original.disk, [&](const unsigned char* d, size_t n) {
    if (grew || blob.written() + static_cast<std::int64_t>(n) > original.size) {
      grew = true;
      return;
    }
    sha.Update(d, n);
    blob.Write(d, n);
  });
  if (!read.ok()) throw FileProblem(read.error().message);
  if (grew || blob.written() != original.size || sha.HexDigest() != sha256)
    throw FileProblem(original.disk.string() + ": the file changed while it was being ingested; run again");
}

core::Result<ScanFileState> SqliteStore::BeginScanFileWith(const std::string& sha256,
                                                           const fs::path& path,
                                                           const Original& original, int page_count) {
  return Guard([&]() -> core::Result<ScanFileState> {
    Transaction tx(db_);
    if (auto known = FindScanFile(sha256)) return *known;  // nothing written: rolls back
    db_.Prepare(std::string("INSERT INTO scan_files (sha256, path, size, page_count, "
                            "complete, ingested_at) VALUES (?,?,?,?,0,") + kNow + ")")
        .Bind(1, sha256).Bind(2, path.string()).Bind(3, original.size).Bind(4, page_count)
        .Run();
    ScanFileState state;
    state.file_id = db_.LastInsertId();
    try {
      StoreOriginal(state.file_id, original, sha256);
    } catch (const FileProblem& e) {
      return MakeError("io", e.what());  // the transaction rolls back: nothing stored
    }
    tx.Commit();
    return state;
  });
}

core::Result<ScanFileState> SqliteStore::BeginScanFile(const std::string& sha256,
                                                       const fs::path& path,
                                                       const std::vector<unsigned char>& bytes,
                                                       int page_count) {
  return BeginScanFileWith(sha256, path, {.bytes = &bytes, .disk = {}, .size = static_cast<std::int64_t>(bytes.size())},
                           page_count);
}

core::Result<ScanFileState> SqliteStore::BeginScanFileFromDisk(const std::string& sha256,
                                                               const fs::path& path, int page_count) {
  auto original = OnDisk(path);
  if (!original.ok()) return original.error();
  return BeginScanFileWith(sha256, path, *original, page_count);
}

void SqliteStore::InsertReadings(std::int64_t page_id, core::Serial serial, bool open_reviews,
                                 const PageResult& page) {
  const bool encoded = page.crops_png.size() == page.readings.size();
  for (size_t i = 0; i < page.readings.size(); ++i) {
    const recognition::FieldReading& r = page.readings[i];
    json boxes = json::array();
    for (const auto& b : r.boxes)
      boxes.push_back({{"value", b.value}, {"state", recognition::BoxStateName(b.state)},
                       {"ink", b.ink}, {"fill", b.fill}, {"confidence", b.confidence}});
    std::vector<unsigned char> png;
    if (!encoded && KeepCrop(r, CropOptions{})) png = EncodePng(r.crop, CropOptions{});
    const std::vector<unsigned char>& crop = encoded ? page.crops_png[i] : png;
    db_.Prepare("INSERT INTO readings (page_id, field_id, kind, value, confidence, needs_review, "
                "reason, boxes, crop_mm, crop) VALUES (?,?,?,?,?,?,?,?,?,?)")
        .Bind(1, page_id).Bind(2, r.field_id).Bind(3, core::FieldKindName(r.kind))
        .Bind(4, ValueJson(r.kind, r.selected, r.text))
        .Bind(5, static_cast<double>(r.confidence)).Bind(6, r.needs_review ? 1 : 0)
        .Bind(7, r.reason).Bind(8, boxes.dump()).Bind(9, RectJson(r.crop_mm).dump())
        .BindBlob(10, crop)
        .Run();
    if (!open_reviews || !r.needs_review) continue;
    const std::int64_t reading_id = db_.LastInsertId();
    {
      // A field a reviewer already decided stays decided (re-run after a conflict was sorted).
      Stmt st = db_.Prepare("SELECT 1 FROM decisions WHERE serial=? AND field_id=?");
      st.Bind(1, serial).Bind(2, r.field_id);
      if (st.Step()) continue;
    }
    db_.Prepare(std::string("INSERT INTO review_items (reading_id, serial, field_id, reason, "
                            "status, created_at) VALUES (?,?,?,?,'open',") + kNow + ")")
        .Bind(1, reading_id).Bind(2, serial).Bind(3, r.field_id)
        .Bind(4, r.reason.empty() ? std::string("low confidence") : r.reason)
        .Run();
  }
}

core::Result<PageDisposition> SqliteStore::SavePage(const PageResult& page) {
  return Guard([&]() -> core::Result<PageDisposition> {
    Transaction tx(db_);
    {
      // Idempotent: the same page of the same file saved again (resume) changes nothing.
      Stmt st = db_.Prepare("SELECT status FROM pages WHERE file_id=? AND page_index=?");
      st.Bind(1, page.file_id).Bind(2, page.page_index);
      if (st.Step()) return PageDisposition::kAlreadyStored;
    }
    {
      Stmt st = db_.Prepare("SELECT 1 FROM scan_files WHERE id=?");
      st.Bind(1, page.file_id);
      if (!st.Step())
        return MakeError("invalid", "scan file id " + std::to_string(page.file_id) +
                                        " is not in this survey (call BeginScanFile first)");
    }
    const scanner::AlignedPage& a = page.aligned;
    const core::PageKey& key = a.key;
    std::string status = scanner::AlignStatusName(a.status);
    std::string reason = a.reason;
    std::optional<std::int64_t> conflict_with;

    if (a.status == scanner::AlignStatus::kOk) {
      std::optional<int> page_count;
      {
        Stmt st = db_.Prepare("SELECT page_count FROM templates WHERE template_id=? AND version=?");
        st.Bind(1, key.template_id).Bind(2, key.version);
        if (st.Step()) page_count = static_cast<int>(st.Int(0));
      }
      const std::string tv = key.template_id + " version " + std::to_string(key.version);
      // The scanner identified the page against its catalog; if the survey does not have
      // that template the page is still kept (never dropped), as unidentified with the reason.
      if (!page_count) {
        status = scanner::AlignStatusName(scanner::AlignStatus::kUnknownTemplate);
        reason = "template " + tv + " is not registered in this survey";
      } else if (key.page < 1 || key.page > *page_count) {
        status = scanner::AlignStatusName(scanner::AlignStatus::kInconsistent);
        reason = "page " + std::to_string(key.page) + " is not a page of template " + tv +
                 " (it has " + std::to_string(*page_count) + ")";
      } else {
        std::optional<TemplateKey> printed_for;
        {
          Stmt st = db_.Prepare("SELECT template_id, version FROM sheets WHERE serial=?");
          st.Bind(1, key.serial);
          if (st.Step()) printed_for = TemplateKey(st.Text(0), static_cast<int>(st.Int(1)));
        }
        if (printed_for && *printed_for != TemplateKey(key.template_id, key.version)) {
          // Never attach a page to a sheet of another questionnaire.
          status = "conflict";
          reason = "serial " + std::to_string(key.serial) + " belongs to template " +
                   printed_for->first + " version " + std::to_string(printed_for->second) +
                   ", but this page says " + tv;
        } else {
          Stmt st = db_.Prepare(
              "SELECT p.id, f.path, p.page_index FROM pages p JOIN scan_files f ON f.id=p.file_id "
              "WHERE p.serial=? AND p.page_no=? AND p.status='ok' LIMIT 1");
          st.Bind(1, key.serial).Bind(2, key.page);
          if (st.Step()) {
            status = "conflict";
            conflict_with = st.Int(0);
            reason = "sheet " + std::to_string(key.serial) + " page " + std::to_string(key.page) +
                     " is already stored from " + st.Text(1) + " (page " +
                     std::to_string(st.Int(2) + 1) + " of that file)";
          }
        }
        if (!printed_for) {
          // Read even though `phieu print` never allocated it: the unit stays unknown.
          db_.Prepare(std::string("INSERT INTO sheets (serial, template_id, version, unit_code, "
                                  "allocated, allocated_at) VALUES (?,?,?,NULL,0,") + kNow + ")")
              .Bind(1, key.serial).Bind(2, key.template_id).Bind(3, key.version)
              .Run();
        }
      }
    }

    const bool identified = status == "ok" || status == "conflict";
    Stmt ins = db_.Prepare(std::string(
        "INSERT INTO pages (file_id, page_index, status, reason, template_id, version, page_no, "
        "serial, homography, residual_px, anchors_found, px_per_mm, rotation_deg, thumbnail, "
        "conflict_with, stored_at) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,") + kNow + ")");
    ins.Bind(1, page.file_id).Bind(2, page.page_index).Bind(3, status).Bind(4, reason);
    // The key is kept whenever the anchors gave one (also for unknown templates/versions:
    // it tells the clerk which questionnaire the page claims to be).
    if (!key.template_id.empty()) {
      ins.Bind(5, key.template_id).Bind(6, key.version).Bind(7, key.page).Bind(8, key.serial);
    } else {
      ins.BindNull(5).BindNull(6).BindNull(7).BindNull(8);
    }
    if (identified) {
      json h = json::array();
      for (int i = 0; i < 9; ++i) h.push_back(a.mm_to_px.val[i]);
      ins.Bind(9, h.dump()).Bind(10, a.residual_px);
    } else {
      ins.BindNull(9).BindNull(10);
    }
    ins.Bind(11, a.anchors_found).Bind(12, a.px_per_mm).Bind(13, a.rotation_deg)
        .BindBlob(14, page.thumbnail_jpeg);
    if (conflict_with) ins.Bind(15, *conflict_with); else ins.BindNull(15);
    ins.Run();
    const std::int64_t page_id = db_.LastInsertId();

    // A conflict page keeps its readings (a human compares both scans) but they are never
    // answers: every answer query reads only pages with status 'ok', and no review item opens.
    if (identified) InsertReadings(page_id, key.serial, status == "ok", page);
    tx.Commit();
    return DispositionOf(status);
  });
}

core::Status SqliteStore::FinishScanFile(std::int64_t file_id) {
  return Guard([&]() -> core::Status {
    db_.Prepare("UPDATE scan_files SET complete=1 WHERE id=?").Bind(1, file_id).Run();
    if (db_.Changes() == 0)
      return MakeError("invalid", "scan file id " + std::to_string(file_id) +
                                      " is not in this survey");
    return {};
  });
}

core::Status SqliteStore::RecordUnreadableFileWith(const std::string& sha256, const fs::path& path,
                                                   const Original& original, const std::string& reason) {
  return Guard([&]() -> core::Status {
    Transaction tx(db_);
    if (auto known = FindScanFile(sha256)) {
      // A file that became unreadable mid-way: keep its row, pages and bytes.
      db_.Prepare("UPDATE scan_files SET complete=1, error=? WHERE id=?")
          .Bind(1, reason).Bind(2, known->file_id).Run();
    } else {
      db_.Prepare(std::string("INSERT INTO scan_files (sha256, path, size, page_count, "
                              "complete, error, ingested_at) VALUES (?,?,?,0,1,?,") + kNow + ")")
          .Bind(1, sha256).Bind(2, path.string()).Bind(3, original.size).Bind(4, reason)
          .Run();
      try {
        StoreOriginal(db_.LastInsertId(), original, sha256);
      } catch (const FileProblem& e) {
        return MakeError("io", e.what());
      }
    }
    tx.Commit();
    return {};
  });
}

core::Status SqliteStore::RecordUnreadableFile(const std::string& sha256, const fs::path& path,
                                               const std::vector<unsigned char>& bytes,
                                               const std::string& reason) {
  return RecordUnreadableFileWith(
      sha256, path, {.bytes = &bytes, .disk = {}, .size = static_cast<std::int64_t>(bytes.size())}, reason);
}

core::Status SqliteStore::RecordUnreadableFileFromDisk(const std::string& sha256, const fs::path& path,
                                                       const std::string& reason) {
  auto original = OnDisk(path);
  if (!original.ok()) return original.error();
  return RecordUnreadableFileWith(sha256, path, *original, reason);
}

std::map<TemplateKey, TemplateInfo> SqliteStore::LoadTemplateInfos() {
  std::map<TemplateKey, TemplateInfo> out;
  {
    Stmt st = db_.Prepare("SELECT template_id, version, page_count FROM templates");
    while (st.Step())
      out[{st.Text(0), static_cast<int>(st.Int(1))}].page_count = static_cast<int>(st.Int(2));
  }
  Stmt st = db_.Prepare(
      "SELECT template_id, version, field_id, kind, page FROM template_fields "
      "ORDER BY template_id, version, ord");
  while (st.Step()) {
    FieldInfo f{.id = st.Text(2),
                .kind = core::ParseFieldKind(st.Text(3)).value_or(core::FieldKind::kText),
                .page = static_cast<int>(st.Int(4))};
    out[{st.Text(0), static_cast<int>(st.Int(1))}].fields.push_back(std::move(f));
  }
  return out;
}

// Builds every sheet with an identified page in a fixed number of queries (one per table),
// so exporting 10,000 sheets does not cost 600,000 round trips.
std::vector<SheetRecord> SqliteStore::QuerySheets() {
  const auto templates = LoadTemplateInfos();
  std::vector<SheetRecord> sheets;
  std::unordered_map<core::Serial, size_t> index;
  std::vector<const TemplateInfo*> info;
  std::vector<std::set<int>> pages_present;
  {
    Stmt st = db_.Prepare(
        "SELECT s.serial, s.template_id, s.version, coalesce(s.unit_code,'') FROM sheets s "
        "WHERE EXISTS (SELECT 1 FROM pages p WHERE p.serial=s.serial AND p.status='ok') "
        "ORDER BY s.serial");
    static const TemplateInfo kNoTemplate;
    while (st.Step()) {
      SheetRecord rec;
      rec.serial = st.Int(0);
      rec.template_id = st.Text(1);
      rec.version = static_cast<int>(st.Int(2));
      rec.unit_code = st.Text(3);
      auto it = templates.find({rec.template_id, rec.version});
      const TemplateInfo* t = it == templates.end() ? &kNoTemplate : &it->second;
      for (const auto& f : t->fields) {
        if (core::IsBoxKind(f.kind)) rec.selected[f.id] = {};
        else rec.text[f.id] = std::nullopt;
      }
      index[rec.serial] = sheets.size();
      sheets.push_back(std::move(rec));
      info.push_back(t);
      pages_present.emplace_back();
    }
  }
  {
    Stmt st = db_.Prepare("SELECT serial, page_no FROM pages WHERE status='ok'");
    while (st.Step())
      if (auto it = index.find(st.Int(0)); it != index.end())
        pages_present[it->second].insert(static_cast<int>(st.Int(1)));
  }
  {
    Stmt st = db_.Prepare(
        "SELECT p.serial, r.field_id, r.value FROM readings r JOIN pages p ON p.id=r.page_id "
        "WHERE p.status='ok'");
    while (st.Step())
      if (auto it = index.find(st.Int(0)); it != index.end())
        ApplyValue(st.Text(2), st.Text(1), sheets[it->second]);
  }
  {
    // Applied after the readings: a human value always wins over the machine's.
    Stmt st = db_.Prepare("SELECT serial, field_id, value FROM decisions");
    while (st.Step())
      if (auto it = index.find(st.Int(0)); it != index.end())
        ApplyValue(st.Text(2), st.Text(1), sheets[it->second]);
  }
  std::vector<std::set<std::string>> pending(sheets.size());
  {
    Stmt st = db_.Prepare("SELECT serial, field_id FROM review_items WHERE status='open'");
    while (st.Step())
      if (auto it = index.find(st.Int(0)); it != index.end())
        pending[it->second].insert(st.Text(1));
  }
  for (size_t i = 0; i < sheets.size(); ++i) {
    SheetRecord& rec = sheets[i];
    for (const auto& f : info[i]->fields)
      if (pending[i].count(f.id)) rec.pending.push_back(f.id);  // layout order
    for (int p = 1; p <= info[i]->page_count; ++p)
      if (!pages_present[i].count(p)) rec.missing_pages.push_back(p);
    // A missing page outranks open review items: the clerk must find and scan it first, and
    // the export says so. The default export filter goes by `pending`, not by status.
    rec.status = !rec.missing_pages.empty() ? "incomplete"
                 : !rec.pending.empty()     ? "needs_review"
                                            : "complete";
  }
  return sheets;
}

core::Result<std::vector<SheetRecord>> SqliteStore::ListSheets(bool include_pending) {
  return Guard([&]() -> core::Result<std::vector<SheetRecord>> {
    // One read transaction: the per-table queries see one consistent snapshot even while
    // an ingest in another process commits pages.
    db_.Exec("BEGIN");
    std::vector<SheetRecord> sheets;
    try {
      sheets = QuerySheets();
    } catch (...) {
      db_.Exec("ROLLBACK");
      throw;
    }
    db_.Exec("COMMIT");
    if (!include_pending)
      std::erase_if(sheets, [](const SheetRecord& s) { return !s.pending.empty(); });
    return sheets;
  });
}

core::Result<int> SqliteStore::CountPages() {
  return Guard([&]() -> core::Result<int> {
    return static_cast<int>(db_.QueryInt("SELECT count(*) FROM pages").value_or(0));
  });
}

core::Result<SurveyStatus> SqliteStore::GetStatus() {
  return Guard([&]() -> core::Result<SurveyStatus> {
    SurveyStatus s;
    db_.Exec("BEGIN");
    try {
      s.scan_files = static_cast<int>(db_.QueryInt("SELECT count(*) FROM scan_files").value_or(0));
      s.scan_files_unreadable = static_cast<int>(
          db_.QueryInt("SELECT count(*) FROM scan_files WHERE error IS NOT NULL").value_or(0));
      {
        Stmt st = db_.Prepare("SELECT status, count(*) FROM pages GROUP BY status");
        while (st.Step()) {
          std::string status = st.Text(0);
          int n = static_cast<int>(st.Int(1));
          s.pages += n;
          if (status == "ok") {
            s.pages_identified += n;
          } else if (status == "conflict") {
            s.conflicts += n;
          } else {
            s.pages_unidentified += n;
            s.unidentified_reasons[status] += n;
          }
        }
      }
      s.review_open = static_cast<int>(
          db_.QueryInt("SELECT count(*) FROM review_items WHERE status='open'").value_or(0));
      {
        Stmt st = db_.Prepare(
            "SELECT count(*), count(DISTINCT p.serial) FROM readings r JOIN pages p ON p.id = r.page_id "
            "WHERE p.status = 'ok' AND r.needs_review = 0 AND r.reason = ? AND NOT EXISTS "
            "(SELECT 1 FROM decisions d WHERE d.serial = p.serial AND d.field_id = r.field_id)");
        st.Bind(1, std::string(recognition::kRequiredLeftBlank));
        if (st.Step()) {
          s.required_left_blank = static_cast<int>(st.Int(0));
          s.sheets_with_required_left_blank = static_cast<int>(st.Int(1));
        }
      }
      std::map<std::string, int> scanned_per_unit;
      for (const SheetRecord& rec : QuerySheets()) {
        ++s.sheets;
        if (rec.status == "complete") ++s.sheets_complete;
        else if (rec.status == "needs_review") ++s.sheets_needs_review;
        else ++s.sheets_incomplete;
        if (!rec.unit_code.empty()) ++scanned_per_unit[rec.unit_code];
      }
      std::map<std::string, int> allocated;
      {
        Stmt st = db_.Prepare(
            "SELECT unit_code, count(*) FROM sheets WHERE allocated=1 GROUP BY unit_code");
        while (st.Step()) allocated[st.Text(0)] = static_cast<int>(st.Int(1));
      }
      Stmt st = db_.Prepare("SELECT code, name, quota FROM units ORDER BY code");
      while (st.Step()) {
        std::string code = st.Text(0);
        s.units.push_back({.code = code, .name = st.Text(1), .quota = static_cast<int>(st.Int(2)),
                           .sheets = scanned_per_unit[code], .allocated = allocated[code]});
      }
    } catch (...) {
      db_.Exec("ROLLBACK");
      throw;
    }
    db_.Exec("COMMIT");
    return s;
  });
}

core::Status SqliteStore::RecordDecision(const Decision& d) {
  if (d.who.empty()) return MakeError("usage", "a decision needs the reviewer's name");
  return Guard([&]() -> core::Status {
    Transaction tx(db_);
    const std::string what = "sheet " + std::to_string(d.serial) + " field " + Q(d.field_id);
    std::optional<core::FieldKind> kind;
    json options;
    {
      Stmt st = db_.Prepare(
          "SELECT f.kind, f.options FROM sheets s JOIN template_fields f "
          "ON f.template_id=s.template_id AND f.version=s.version "
          "WHERE s.serial=? AND f.field_id=?");
      st.Bind(1, d.serial).Bind(2, d.field_id);
      if (!st.Step()) return MakeError("invalid", what + " is not in this survey");
      kind = core::ParseFieldKind(st.Text(0));
      options = json::parse(st.Text(1));
    }
    if (!kind) return MakeError("sqlite", path_ + ": " + what + " has an unknown kind");
    if (core::IsBoxKind(*kind)) {
      if (*kind != core::FieldKind::kMulti && d.selected.size() > 1)
        return MakeError("invalid", what + " takes one answer, got " +
                                        std::to_string(d.selected.size()));
      for (const auto& v : d.selected) {
        bool known = std::any_of(options.begin(), options.end(),
                                 [&](const json& o) { return o.value("value", "") == v; });
        if (!known) return MakeError("invalid", what + " has no option " + Q(v));
      }
    }
    const std::string value = ValueJson(*kind, d.selected, d.text);
    std::optional<std::string> old;
    {
      Stmt st = db_.Prepare("SELECT value FROM decisions WHERE serial=? AND field_id=?");
      st.Bind(1, d.serial).Bind(2, d.field_id);
      if (st.Step()) old = st.Text(0);
    }
    if (!old) {
      // First decision: the audit's "old" is what the machine read.
      Stmt st = db_.Prepare(
          "SELECT r.value FROM readings r JOIN pages p ON p.id=r.page_id "
          "WHERE p.serial=? AND p.status='ok' AND r.field_id=?");
      st.Bind(1, d.serial).Bind(2, d.field_id);
      if (st.Step()) old = st.Text(0);
    }
    db_.Prepare(std::string("INSERT INTO decisions (serial, field_id, value, who, at) "
                            "VALUES (?,?,?,?,") + kNow + ") ON CONFLICT (serial, field_id) "
                "DO UPDATE SET value=excluded.value, who=excluded.who, at=excluded.at")
        .Bind(1, d.serial).Bind(2, d.field_id).Bind(3, value).Bind(4, d.who)
        .Run();
    db_.Prepare(std::string("UPDATE review_items SET status='resolved', resolved_at=") + kNow +
                ", resolved_by=? WHERE serial=? AND field_id=? AND status='open'")
        .Bind(1, d.who).Bind(2, d.serial).Bind(3, d.field_id)
        .Run();
    db_.Prepare(std::string("INSERT INTO audit (who, at, entity, entity_id, old, new) "
                            "VALUES (?,") + kNow + ",'decision',?,?,?)")
        .Bind(1, d.who).Bind(2, std::to_string(d.serial) + "/" + d.field_id).Bind(3, old)
        .Bind(4, value)
        .Run();
    tx.Commit();
    return {};
  });
}

core::Result<std::vector<ReviewItem>> SqliteStore::ListOpenReviewItems(int limit) {
  return Guard([&]() -> core::Result<std::vector<ReviewItem>> {
    std::vector<ReviewItem> out;
    Stmt st = db_.Prepare(
        "SELECT ri.id, ri.reading_id, ri.serial, ri.field_id, r.kind, p.page_no, ri.reason, "
        "r.value, r.confidence, r.crop_mm, r.crop IS NOT NULL "
        "FROM review_items ri JOIN readings r ON r.id=ri.reading_id JOIN pages p ON p.id=r.page_id "
        "WHERE ri.status='open' ORDER BY ri.id LIMIT ?");
    st.Bind(1, limit);
    while (st.Step()) {
      ReviewItem item;
      item.id = st.Int(0);
      item.reading_id = st.Int(1);
      item.serial = st.Int(2);
      item.field_id = st.Text(3);
      item.kind = core::ParseFieldKind(st.Text(4)).value_or(core::FieldKind::kText);
      item.page = static_cast<int>(st.Int(5));
      item.reason = st.Text(6);
      DecodedValue v = DecodeValue(st.Text(7));
      item.selected = std::move(v.items);
      item.text = std::move(v.text);
      item.confidence = static_cast<float>(st.Double(8));
      item.crop_mm = RectFromJson(json::parse(st.Text(9)));
      item.has_crop = st.Int(10) != 0;
      out.push_back(std::move(item));
    }
    return out;
  });
}

core::Result<std::vector<unsigned char>> SqliteStore::LoadCropPng(std::int64_t reading_id) {
  return Guard([&]() -> core::Result<std::vector<unsigned char>> {
    Stmt st = db_.Prepare("SELECT crop FROM readings WHERE id=?");
    st.Bind(1, reading_id);
    if (!st.Step())
      return MakeError("invalid", "reading " + std::to_string(reading_id) + " is not in this survey");
    return st.Blob(0);
  });
}

}  // namespace

std::string_view RoleName(Role role) {
  switch (role) {
    case Role::kAdmin: return "admin";
    case Role::kReviewer: return "reviewer";
    case Role::kClerk: return "clerk";
  }
  return "reviewer";
}

std::optional<Role> ParseRole(std::string_view name) {
  if (name == "admin") return Role::kAdmin;
  if (name == "reviewer") return Role::kReviewer;
  if (name == "clerk") return Role::kClerk;
  return std::nullopt;
}

core::Result<std::unique_ptr<Store>> Store::Open(const fs::path& path, bool create) {
  const std::string name = path.string();
  const bool in_memory = name == ":memory:";
  if (!in_memory && !create && !fs::exists(path))
    return MakeError("io", name + ": no such survey file");
  auto store = std::make_unique<SqliteStore>(name);
  try {
    store->db().Open(name, create);
  } catch (const DbError& e) {
    return MakeError("io", name + ": cannot open the survey file: " + e.what());
  }
  try {
    Migrate(store->db());
  } catch (const DbError& e) {
    if (e.code() == SQLITE_NOTADB)
      return MakeError("invalid", name + ": not a Phiếu survey file (not an SQLite database)");
    return MakeError("sqlite", name + ": " + e.what());
  } catch (const std::runtime_error& e) {
    return MakeError("invalid", name + ": " + e.what());
  }
  return std::unique_ptr<Store>(std::move(store));
}

}  // namespace phieu::store
