// Copyright 2026 The Phiếu Authors
// SPDX-License-Identifier: Apache-2.0
//
// Reading stored pages again (`phieu reread`, the clerk's desk): the pages to pick from, their
// kept originals, and a page's new reading written over its old one in place.

#include <sqlite3.h>

#include <algorithm>
#include <fstream>
#include <memory>

#include "reason_codes.h"
#include "sqlite_store.h"

namespace phieu::store {

namespace {

/// The columns StoredPageFrom reads, pages p joined with their scan_files f.
constexpr const char* kStoredPageSql =
    "SELECT p.id, p.file_id, p.page_index, p.status, f.path, f.sha256, coalesce(p.set_aside_at, '') "
    "FROM pages p JOIN scan_files f ON f.id=p.file_id ";

StoredPage StoredPageFrom(Stmt& st) {
  return {.page_id = st.Int(0), .file_id = st.Int(1), .page_index = static_cast<int>(st.Int(2)),
          .status = st.Text(3), .file_path = st.Text(4), .sha256 = st.Text(5), .set_aside_at = st.Text(6)};
}

}  // namespace

core::Result<std::vector<StoredPage>> SqliteStore::ListStoredPages() {
  return Guard([&]() -> core::Result<std::vector<StoredPage>> {
    std::vector<StoredPage> out;
    Stmt st = db_.Prepare(std::string(kStoredPageSql) + "ORDER BY p.id");
    while (st.Step()) out.push_back(StoredPageFrom(st));
    return out;
  });
}

core::Result<std::optional<StoredPage>> SqliteStore::FindStoredPage(std::int64_t page_id) {
  return Guard([&]() -> core::Result<std::optional<StoredPage>> {
    Stmt st = db_.Prepare(std::string(kStoredPageSql) + "WHERE p.id=?");
    st.Bind(1, page_id);
    if (!st.Step()) return std::optional<StoredPage>();
    return std::optional<StoredPage>(StoredPageFrom(st));
  });
}

core::Status SqliteStore::CopyScanOriginal(std::int64_t file_id, const fs::path& to) {
  return Guard([&]() -> core::Status {
    // Read through the incremental blob API, 1 MiB at a time: a scanner PDF of 100+ MB never
    // sits in memory whole.
    sqlite3_blob* raw = nullptr;
    if (sqlite3_blob_open(db_.handle(), "main", "scan_originals", "bytes", file_id, 0, &raw) != SQLITE_OK) {
      if (raw) sqlite3_blob_close(raw);
      return MakeError("not_found", path_ + ": scan file id " + std::to_string(file_id) +
                                        " has no kept original");
    }
    std::unique_ptr<sqlite3_blob, int (*)(sqlite3_blob*)> blob(raw, sqlite3_blob_close);
    std::ofstream out(to, std::ios::binary | std::ios::trunc);
    if (!out) return MakeError("io", to.string() + ": cannot be written");
    const int size = sqlite3_blob_bytes(blob.get());
    std::vector<char> chunk(1 << 20);
    for (int at = 0; at < size;) {
      const int n = std::min<int>(static_cast<int>(chunk.size()), size - at);
      if (int rc = sqlite3_blob_read(blob.get(), chunk.data(), n, at); rc != SQLITE_OK)
        return MakeError("sqlite", path_ + ": reading the original of scan file id " +
                                       std::to_string(file_id) + ": " + sqlite3_errstr(rc));
      out.write(chunk.data(), n);
      at += n;
    }
    out.close();
    if (!out) return MakeError("io", to.string() + ": cannot be written (disk full?)");
    return {};
  });
}

core::Result<RereadChange> SqliteStore::ReplacePageReading(std::int64_t page_id, const PageRecord& page) {
  return Guard([&]() -> core::Result<RereadChange> {
    Transaction tx(db_);
    auto change = ReplaceReadingInTransaction(page_id, page);
    if (change.ok()) tx.Commit();  // the paths that keep the page as it was wrote nothing
    return change;
  });
}

core::Result<RereadChange> SqliteStore::ReplaceReadingInTransaction(std::int64_t page_id,
                                                                    const PageRecord& page) {
  {
    std::string old_status;
    std::optional<core::Serial> old_serial;
    std::optional<int> old_page_no;
    {
      Stmt st = db_.Prepare("SELECT status, serial, page_no FROM pages WHERE id=?");
      st.Bind(1, page_id);
      if (!st.Step())
        return MakeError("not_found", path_ + ": no stored page with id " + std::to_string(page_id));
      old_status = st.Text(0);
      if (!st.IsNull(1)) old_serial = st.Int(1);
      if (!st.IsNull(2)) old_page_no = static_cast<int>(st.Int(2));
    }
    const bool was_identified = old_status == "ok" || old_status == "conflict";
    RereadChange change;
    // A page a clerk set aside settling a conflict stays aside: reading it again would make it
    // a conflict (or the sheet's page) once more behind the clerk's back (docs/conflicts.md).
    if (old_status == "duplicate" || old_status == "replaced") {
      change.status = old_status;
      change.kept_previous = true;
      return change;
    }
    const core::PageKey& key = page.key;
    // An identified page keeps its identity: its sheet may hold decisions, and a reader that
    // now fails on it (or names another sheet page) is no reason to lose or move its answers.
    if (was_identified &&
        (page.status != "ok" || old_serial != key.serial || old_page_no != key.page)) {
      change.status = old_status;
      change.kept_previous = true;
      return change;  // nothing written
    }
    const auto [status, reason, conflict_with] = JudgePage(page, page_id);
    const bool identified = status == "ok" || status == "conflict";
    if (was_identified && !identified) {  // e.g. the template's page count no longer fits
      change.status = old_status;
      change.kept_previous = true;
      return change;
    }
    change.status = status;

    Stmt up = db_.Prepare(
        "UPDATE pages SET status=?, reason=?, template_id=?, version=?, page_no=?, serial=?, "
        "homography=?, residual_px=?, anchors_found=?, px_per_mm=?, rotation_deg=?, thumbnail=?, "
        "conflict_with=? WHERE id=?");
    BindPageFacts(up, 1, page, status, reason, conflict_with);
    up.Bind(14, page_id).Run();
    if (!identified) return change;

    const bool open_reviews = status == "ok";
    auto Decided = [&](core::Serial serial, const std::string& field_id) {
      Stmt st = db_.Prepare("SELECT 1 FROM decisions WHERE serial=? AND field_id=?");
      st.Bind(1, serial).Bind(2, field_id);
      return st.Step();
    };
    // A person decided the item once (an undo reopens it with its history kept).
    auto TouchedByPerson = [&](std::int64_t item_id) {
      Stmt st = db_.Prepare("SELECT 1 FROM decision_history WHERE item_id=?");
      st.Bind(1, item_id);
      return st.Step();
    };
    PageRecord fresh;  // readings of fields the page had none for: inserted as SavePage does
    for (const ReadingRecord& r : page.readings) {
      std::optional<std::int64_t> reading_id;
      std::string old_value;
      bool old_flag = false;
      {
        Stmt st = db_.Prepare("SELECT id, value, needs_review FROM readings WHERE page_id=? AND field_id=?");
        st.Bind(1, page_id).Bind(2, r.field_id);
        if (st.Step()) reading_id = st.Int(0), old_value = st.Text(1), old_flag = st.Int(2) != 0;
      }
      if (!reading_id) {
        fresh.readings.push_back(r);
        continue;
      }
      const std::string value = ValueJson(r.kind, r.selected, r.text);
      if (value != old_value || r.needs_review != old_flag) ++change.readings_changed;
      json boxes = json::array();
      for (const auto& b : r.boxes)
        boxes.push_back({{"value", b.value}, {"state", b.state}, {"ink", b.ink}, {"fill", b.fill},
                         {"confidence", b.confidence}});
      const std::string codes = ReasonCodesToJson(StoredReasonCodes(r.reasons, r.reason, r.needs_review));
      // In place: review items (open and resolved) and the audit keep pointing at this row.
      db_.Prepare("UPDATE readings SET kind=?, value=?, confidence=?, needs_review=?, reason=?, "
                  "boxes=?, crop_mm=?, crop=?, reason_codes=? WHERE id=?")
          .Bind(1, core::FieldKindName(r.kind)).Bind(2, value)
          .Bind(3, static_cast<double>(r.confidence)).Bind(4, r.needs_review ? 1 : 0)
          .Bind(5, r.reason).Bind(6, boxes.dump()).Bind(7, RectJson(r.crop_mm).dump())
          .BindBlob(8, r.crop_png).Bind(9, codes).Bind(10, *reading_id)
          .Run();

      std::optional<std::int64_t> item;
      bool item_open = false;
      {
        Stmt st = db_.Prepare("SELECT id, status FROM review_items WHERE reading_id=?");
        st.Bind(1, *reading_id);
        if (st.Step()) item = st.Int(0), item_open = st.Text(1) == "open";
      }
      const std::string reason = r.reason.empty() ? std::string("low confidence") : r.reason;
      const bool wanted = open_reviews && r.needs_review && !Decided(key.serial, r.field_id);
      if (item && item_open && wanted) {
        db_.Prepare("UPDATE review_items SET reason=?, reason_codes=? WHERE id=?")
            .Bind(1, reason).Bind(2, codes).Bind(3, *item).Run();
      } else if (item && item_open && !TouchedByPerson(*item)) {
        // The queue no longer needs it. Resolved by the machine (no resolver), never deleted: an
        // item id is never reused, and the version bump turns away a screen still showing it.
        db_.Prepare(std::string("UPDATE review_items SET status='resolved', resolved_at=") + kNow +
                    ", resolved_by=NULL, version=version+1, lease_owner=NULL, lease_until=NULL WHERE id=?")
            .Bind(1, *item).Run();
        ++change.review_items_closed;
      } else if (item && !item_open && wanted) {
        // Resolved without a decision (by an earlier reread) and flagged again: back in the queue.
        db_.Prepare("UPDATE review_items SET status='open', resolved_at=NULL, resolved_by=NULL, "
                    "version=version+1, reason=?, reason_codes=? WHERE id=?")
            .Bind(1, reason).Bind(2, codes).Bind(3, *item).Run();
        ++change.review_items_opened;
      } else if (!item && wanted) {
        db_.Prepare(std::string("INSERT INTO review_items (reading_id, serial, field_id, reason, "
                                "reason_codes, status, created_at) VALUES (?,?,?,?,?,'open',") + kNow + ")")
            .Bind(1, *reading_id).Bind(2, key.serial).Bind(3, r.field_id).Bind(4, reason).Bind(5, codes)
            .Run();
        ++change.review_items_opened;
      }
    }
    change.readings_added = static_cast<int>(fresh.readings.size());
    auto page_items = [&] {
      Stmt st = db_.Prepare("SELECT count(*) FROM review_items ri JOIN readings r ON r.id=ri.reading_id "
                            "WHERE r.page_id=?");
      st.Bind(1, page_id);
      st.Step();
      return static_cast<int>(st.Int(0));
    };
    const int items_before = page_items();
    InsertReadings(page_id, key.serial, open_reviews, fresh);
    change.review_items_opened += page_items() - items_before;
    return change;
  }
}

}  // namespace phieu::store
