// Copyright 2026 The Phiếu Authors
// SPDX-License-Identifier: Apache-2.0
//
// Scan files, their originals, pages and readings (the ingest side).

#include <algorithm>

#include "reason_codes.h"
#include "sha256.h"
#include "sqlite_store.h"

namespace phieu::store {

namespace {

PageDisposition DispositionOf(const std::string& status) {
  if (status == "ok") return PageDisposition::kStored;
  if (status == "conflict") return PageDisposition::kConflict;
  return PageDisposition::kUnidentified;
}

}  // namespace

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
                                 const PageRecord& page) {
  for (const ReadingRecord& r : page.readings) {
    json boxes = json::array();
    for (const auto& b : r.boxes)
      boxes.push_back({{"value", b.value}, {"state", b.state}, {"ink", b.ink}, {"fill", b.fill},
                       {"confidence", b.confidence}});
    const std::vector<unsigned char>& crop = r.crop_png;
    // Codes as recognition gave them, else read from the English text (docs/review-reasons.md).
    const std::string codes =
        ReasonCodesToJson(StoredReasonCodes(r.reasons, r.reason, r.needs_review));
    db_.Prepare("INSERT INTO readings (page_id, field_id, kind, value, confidence, needs_review, "
                "reason, boxes, crop_mm, crop, reason_codes) VALUES (?,?,?,?,?,?,?,?,?,?,?)")
        .Bind(1, page_id).Bind(2, r.field_id).Bind(3, core::FieldKindName(r.kind))
        .Bind(4, ValueJson(r.kind, r.selected, r.text))
        .Bind(5, static_cast<double>(r.confidence)).Bind(6, r.needs_review ? 1 : 0)
        .Bind(7, r.reason).Bind(8, boxes.dump()).Bind(9, RectJson(r.crop_mm).dump())
        .BindBlob(10, crop).Bind(11, codes)
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
                            "reason_codes, status, created_at) VALUES (?,?,?,?,?,'open',") + kNow + ")")
        .Bind(1, reading_id).Bind(2, serial).Bind(3, r.field_id)
        .Bind(4, r.reason.empty() ? std::string("low confidence") : r.reason).Bind(5, codes)
        .Run();
  }
}

SqliteStore::PageVerdict SqliteStore::JudgePage(const PageRecord& page,
                                                std::optional<std::int64_t> self) {
  const core::PageKey& key = page.key;
  std::string status = page.status;
  std::string reason = page.reason;
  std::optional<std::int64_t> conflict_with;

  if (page.status == "ok") {
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
      status = "unknown_template";
      reason = "template " + tv + " is not registered in this survey";
    } else if (key.page < 1 || key.page > *page_count) {
      status = "inconsistent_anchors";
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
            "WHERE p.serial=? AND p.page_no=? AND p.status='ok' AND p.id<>? LIMIT 1");
        st.Bind(1, key.serial).Bind(2, key.page).Bind(3, self.value_or(-1));
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
  return {std::move(status), std::move(reason), conflict_with};
}

void BindPageFacts(Stmt& st, int first, const PageRecord& page, const std::string& status,
                   const std::string& reason, std::optional<std::int64_t> conflict_with) {
  const core::PageKey& key = page.key;
  const bool identified = status == "ok" || status == "conflict";
  st.Bind(first, status).Bind(first + 1, reason);
  if (!key.template_id.empty()) {
    st.Bind(first + 2, key.template_id).Bind(first + 3, key.version).Bind(first + 4, key.page)
        .Bind(first + 5, key.serial);
  } else {
    st.BindNull(first + 2).BindNull(first + 3).BindNull(first + 4).BindNull(first + 5);
  }
  if (identified) {
    json h = json::array();
    for (double v : page.mm_to_px) h.push_back(v);
    st.Bind(first + 6, h.dump()).Bind(first + 7, page.residual_px);
  } else {
    st.BindNull(first + 6).BindNull(first + 7);
  }
  st.Bind(first + 8, page.anchors_found).Bind(first + 9, page.px_per_mm)
      .Bind(first + 10, page.rotation_deg).BindBlob(first + 11, page.thumbnail_jpeg);
  if (conflict_with) st.Bind(first + 12, *conflict_with); else st.BindNull(first + 12);
}

core::Result<PageDisposition> SqliteStore::SavePage(const PageRecord& page) {
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
    const core::PageKey& key = page.key;
    const auto [status, reason, conflict_with] = JudgePage(page, std::nullopt);

    const bool identified = status == "ok" || status == "conflict";
    Stmt ins = db_.Prepare(std::string(
        "INSERT INTO pages (file_id, page_index, status, reason, template_id, version, page_no, "
        "serial, homography, residual_px, anchors_found, px_per_mm, rotation_deg, thumbnail, "
        "conflict_with, stored_at) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,") + kNow + ")");
    ins.Bind(1, page.file_id).Bind(2, page.page_index);
    BindPageFacts(ins, 3, page, status, reason, conflict_with);
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

}  // namespace phieu::store

namespace phieu::store {

std::optional<PageSource> SqliteStore::PageSourceOf(std::int64_t page_id, bool any_status) {
  PageSource src;
  std::string template_id;
  int version = 0, page_no = 0;
  {
    Stmt st = db_.Prepare(
        "SELECT f.path, p.page_index, p.homography, coalesce(p.px_per_mm,0), p.template_id, "
        "p.version, p.page_no, o.bytes FROM pages p JOIN scan_files f ON f.id=p.file_id "
        "JOIN scan_originals o ON o.file_id=p.file_id "
        "WHERE p.id=? AND p.homography IS NOT NULL AND (p.status='ok' OR ?)");
    st.Bind(1, page_id).Bind(2, any_status ? 1 : 0);
    if (!st.Step()) return std::nullopt;
    src.file_name = fs::path(st.Text(0)).filename().string();
    src.page_index = static_cast<int>(st.Int(1));
    const json h = json::parse(st.Text(2));
    for (size_t i = 0; i < 9 && i < h.size(); ++i) src.mm_to_px[i] = h[i].get<double>();
    src.px_per_mm = st.Double(3);
    template_id = st.Text(4);
    version = static_cast<int>(st.Int(5));
    page_no = static_cast<int>(st.Int(6));
    src.original = st.Blob(7);
  }
  if (const templates::Layout* layout = LayoutOf(template_id, version))
    if (const templates::PageLayout* p = layout->FindPage(page_no)) {
      src.width_mm = p->width_mm;
      src.height_mm = p->height_mm;
    }
  return src;
}

core::Result<std::optional<PageSource>> SqliteStore::LoadPageSource(core::Serial serial, int page) {
  return Guard([&]() -> core::Result<std::optional<PageSource>> {
    // One snapshot: the page row and the original it points to.
    db_.Exec("BEGIN");
    std::optional<PageSource> out;
    try {
      Stmt st = db_.Prepare("SELECT id FROM pages WHERE serial=? AND page_no=? AND status='ok' LIMIT 1");
      st.Bind(1, serial).Bind(2, page);
      if (st.Step()) out = PageSourceOf(st.Int(0), /*any_status=*/false);
    } catch (...) {
      db_.Exec("ROLLBACK");
      throw;
    }
    db_.Exec("COMMIT");
    return out;
  });
}

core::Result<std::optional<PageSource>> SqliteStore::LoadPageSourceById(std::int64_t page_id) {
  return Guard([&]() -> core::Result<std::optional<PageSource>> {
    db_.Exec("BEGIN");
    std::optional<PageSource> out;
    try {
      out = PageSourceOf(page_id, /*any_status=*/true);
    } catch (...) {
      db_.Exec("ROLLBACK");
      throw;
    }
    db_.Exec("COMMIT");
    return out;
  });
}

}  // namespace phieu::store
