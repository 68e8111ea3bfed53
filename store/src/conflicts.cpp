// Copyright 2026 The Phiếu Authors
// SPDX-License-Identifier: Apache-2.0
//
// Conflicts: the same sheet page from two scans, kept by SavePage with status "conflict", and
// what a clerk decides about them (docs/conflicts.md). Nothing is deleted: a page not kept
// stays with status "duplicate" (the stored page was kept) or "replaced" (the other was).

#include <algorithm>

#include "sqlite_store.h"

namespace phieu::store {

std::string_view ConflictActionName(ConflictAction action) {
  switch (action) {
    case ConflictAction::kKeepStored: return "keep_stored";
    case ConflictAction::kKeepOther: return "keep_other";
    case ConflictAction::kSeparate: return "separate";
  }
  return "keep_stored";
}

std::optional<ConflictAction> ParseConflictAction(std::string_view name) {
  for (auto a : {ConflictAction::kKeepStored, ConflictAction::kKeepOther, ConflictAction::kSeparate})
    if (ConflictActionName(a) == name) return a;
  return std::nullopt;
}

namespace {

constexpr const char* kPageRefColumns =
    "p.id, f.path, p.page_index, f.ingested_at, p.stored_at";

ScannedPageRef PageRefAt(Stmt& st, int first) {
  ScannedPageRef r;
  r.page_id = st.Int(first);
  const fs::path path(st.Text(first + 1));
  r.file_name = path.filename().string();
  r.folder = path.parent_path().filename().string();
  r.page_index = static_cast<int>(st.Int(first + 2));
  r.ingested_at = st.Text(first + 3);
  r.stored_at = st.Text(first + 4);
  return r;
}

// The page a sheet holds for `page` now (status ok), if any.
std::optional<ScannedPageRef> HeldPage(Db& db, core::Serial serial, int page) {
  Stmt st = db.Prepare(std::string("SELECT ") + kPageRefColumns +
                       " FROM pages p JOIN scan_files f ON f.id=p.file_id "
                       "WHERE p.serial=? AND p.page_no=? AND p.status='ok' LIMIT 1");
  st.Bind(1, serial).Bind(2, page);
  if (!st.Step()) return std::nullopt;
  return PageRefAt(st, 0);
}

// Sheets split earlier from `serial` (same template version) that have no page `page` yet.
std::vector<core::Serial> SplitSheets(Db& db, core::Serial serial, const std::string& template_id,
                                      int version, int page) {
  Stmt st = db.Prepare(
      "SELECT s.serial FROM sheets s WHERE s.split_from=? AND s.template_id=? AND s.version=? "
      "AND NOT EXISTS (SELECT 1 FROM pages p WHERE p.serial=s.serial AND p.page_no=? AND "
      "p.status='ok') ORDER BY s.serial");
  st.Bind(1, serial).Bind(2, template_id).Bind(3, version).Bind(4, page);
  std::vector<core::Serial> out;
  while (st.Step()) out.push_back(st.Int(0));
  return out;
}

}  // namespace

core::Result<std::vector<PageConflict>> SqliteStore::ListConflicts(int limit) {
  return Guard([&]() -> core::Result<std::vector<PageConflict>> {
    db_.Exec("BEGIN");  // one snapshot for the conflicts and the pages they name
    std::vector<PageConflict> out;
    try {
      {
        Stmt st = db_.Prepare(std::string("SELECT ") + kPageRefColumns +
                              ", p.serial, p.page_no, p.template_id, p.version, p.reason, "
                              "coalesce(s.unit_code,''), s.template_id, s.version "
                              "FROM pages p JOIN scan_files f ON f.id=p.file_id "
                              "LEFT JOIN sheets s ON s.serial=p.serial "
                              "WHERE p.status='conflict' ORDER BY p.id LIMIT ?");
        st.Bind(1, limit);
        while (st.Step()) {
          PageConflict c;
          c.other = PageRefAt(st, 0);
          c.serial = st.Int(5);
          c.page = static_cast<int>(st.Int(6));
          c.template_id = st.Text(7);
          c.version = static_cast<int>(st.Int(8));
          c.reason = st.Text(9);
          c.unit_code = st.Text(10);
          c.same_template = !st.IsNull(11) && st.Text(11) == c.template_id &&
                            static_cast<int>(st.Int(12)) == c.version;
          out.push_back(std::move(c));
        }
      }
      for (PageConflict& c : out) {
        c.stored = HeldPage(db_, c.serial, c.page);
        c.split_sheets = SplitSheets(db_, c.serial, c.template_id, c.version, c.page);
      }
    } catch (...) {
      db_.Exec("ROLLBACK");
      throw;
    }
    db_.Exec("COMMIT");
    return out;
  });
}

core::Result<ConflictResult> SqliteStore::ResolveConflict(const ConflictResolution& r) {
  return Guard([&]() -> core::Result<ConflictResult> {
    Transaction tx(db_);
    ConflictResult out;
    std::string status, template_id, file_path, unit_code;
    int version = 0, page_index = 0;
    {
      Stmt st = db_.Prepare(
          "SELECT p.status, p.serial, p.page_no, p.template_id, p.version, f.path, p.page_index, "
          "coalesce(s.unit_code,'') FROM pages p JOIN scan_files f ON f.id=p.file_id "
          "LEFT JOIN sheets s ON s.serial=p.serial WHERE p.id=?");
      st.Bind(1, r.page_id);
      if (!st.Step()) {
        out.outcome = ConflictOutcome::kNotFound;
        out.message = "no stored page with id " + std::to_string(r.page_id);
        return out;
      }
      status = st.Text(0);
      if (status != "conflict") {
        out.outcome = ConflictOutcome::kStale;
        out.message = "this page is not a conflict (any more): its status is " + status;
        return out;
      }
      out.serial = st.Int(1);
      out.page = static_cast<int>(st.Int(2));
      template_id = st.Text(3);
      version = static_cast<int>(st.Int(4));
      file_path = st.Text(5);
      page_index = static_cast<int>(st.Int(6));
      unit_code = st.Text(7);
    }
    const std::string where = "page " + std::to_string(page_index + 1) + " of " +
                              fs::path(file_path).filename().string();
    const auto stored = HeldPage(db_, out.serial, out.page);
    std::optional<TemplateKey> sheet_template;
    {
      Stmt st = db_.Prepare("SELECT template_id, version FROM sheets WHERE serial=?");
      st.Bind(1, out.serial);
      if (st.Step()) sheet_template = TemplateKey(st.Text(0), static_cast<int>(st.Int(1)));
    }
    const std::string sheet_page =
        "sheet " + std::to_string(out.serial) + " page " + std::to_string(out.page);

    // Open items of a page's readings go to the queue only when no person decided the field.
    auto open_items = [&](std::int64_t page_id, core::Serial serial) {
      Stmt st = db_.Prepare(std::string(
          "INSERT INTO review_items (reading_id, serial, field_id, reason, reason_codes, status, "
          "created_at) SELECT r.id, ?, r.field_id, CASE WHEN r.reason='' THEN 'low confidence' "
          "ELSE r.reason END, r.reason_codes, 'open', ") + kNow +
          " FROM readings r WHERE r.page_id=? AND r.needs_review=1 "
          "AND NOT EXISTS (SELECT 1 FROM decisions d WHERE d.serial=? AND d.field_id=r.field_id) "
          "AND NOT EXISTS (SELECT 1 FROM review_items ri WHERE ri.reading_id=r.id)");
      st.Bind(1, serial).Bind(2, page_id).Bind(3, serial).Run();
      return db_.Changes();
    };

    json audit_new = {{"action", std::string(ConflictActionName(r.action))}};
    switch (r.action) {
      case ConflictAction::kKeepStored: {
        // conflict_with keeps pointing at the page the sheet holds (when there is one).
        Stmt up = db_.Prepare("UPDATE pages SET status='duplicate', reason=?, "
                              "conflict_with=coalesce(?, conflict_with) WHERE id=?");
        up.Bind(1, "a second scan of " + sheet_page + "; the stored scan was kept");
        if (stored) up.Bind(2, stored->page_id); else up.BindNull(2);
        up.Bind(3, r.page_id).Run();
        out.kept_page_id = stored ? stored->page_id : 0;
        out.set_aside_page_id = r.page_id;
        break;
      }
      case ConflictAction::kKeepOther: {
        if (!sheet_template || *sheet_template != TemplateKey(template_id, version)) {
          out.outcome = ConflictOutcome::kInvalid;
          out.message = "this page is of " + template_id + " version " + std::to_string(version) +
                        ", not of the questionnaire printed as sheet " + std::to_string(out.serial) +
                        ": keep the stored page, or make it a separate sheet";
          return out;
        }
        if (stored) {
          db_.Prepare("UPDATE pages SET status='replaced', reason=?, conflict_with=? WHERE id=?")
              .Bind(1, "replaced by " + where + " (a clerk kept the other scan)")
              .Bind(2, r.page_id).Bind(3, stored->page_id)
              .Run();
          // The replaced reading's open items leave the queue, answered by no one; decided
          // items stay resolved with their decisions (history and audit).
          db_.Prepare(std::string("UPDATE review_items SET status='resolved', resolved_at=") + kNow +
                      ", resolved_by=NULL, version=version+1, lease_owner=NULL, lease_until=NULL "
                      "WHERE status='open' AND reading_id IN (SELECT id FROM readings WHERE page_id=?)")
              .Bind(1, stored->page_id)
              .Run();
          out.review_items_closed = db_.Changes();
          // Other scans of the same sheet page are now conflicts with the page kept.
          db_.Prepare("UPDATE pages SET conflict_with=? WHERE status='conflict' AND conflict_with=?")
              .Bind(1, r.page_id).Bind(2, stored->page_id)
              .Run();
          out.set_aside_page_id = stored->page_id;
        }
        db_.Prepare("UPDATE pages SET status='ok', reason='', conflict_with=NULL WHERE id=?")
            .Bind(1, r.page_id)
            .Run();
        out.review_items_opened = open_items(r.page_id, out.serial);
        out.kept_page_id = r.page_id;
        break;
      }
      case ConflictAction::kSeparate: {
        core::Serial into = r.into_sheet;
        if (into != 0) {
          const auto allowed = SplitSheets(db_, out.serial, template_id, version, out.page);
          if (std::find(allowed.begin(), allowed.end(), into) == allowed.end()) {
            out.outcome = ConflictOutcome::kInvalid;
            out.message = "sheet " + std::to_string(into) + " was not made from sheet " +
                          std::to_string(out.serial) + " for " + template_id + " version " +
                          std::to_string(version) + ", or it already has page " +
                          std::to_string(out.page);
            return out;
          }
        } else {
          // A new serial as `phieu print` allocates one (the next above every serial the survey
          // has seen), in the unit of the sheet whose number the page carries.
          into = std::max(db_.QueryInt("SELECT max(serial) FROM sheets").value_or(0) + 1, kFirstSerial);
          const std::string note = "split from sheet " + std::to_string(out.serial) + " by " +
                                   Who(r.by) +
                                   ": two different sheets carried that number (" + where + ")";
          Stmt ins = db_.Prepare(std::string("INSERT INTO sheets (serial, template_id, version, "
                                             "unit_code, allocated, allocated_at, split_from, note) "
                                             "VALUES (?,?,?,?,1,") + kNow + ",?,?)");
          ins.Bind(1, into).Bind(2, template_id).Bind(3, version);
          if (unit_code.empty()) ins.BindNull(4); else ins.Bind(4, unit_code);
          ins.Bind(5, out.serial).Bind(6, note).Run();
        }
        db_.Prepare("UPDATE pages SET status='ok', serial=?, conflict_with=NULL, reason=? WHERE id=?")
            .Bind(1, into)
            .Bind(2, "its anchors say sheet " + std::to_string(out.serial) +
                         "; stored as sheet " + std::to_string(into) +
                         " (two different sheets carried that number)")
            .Bind(3, r.page_id)
            .Run();
        out.review_items_opened = open_items(r.page_id, into);
        out.kept_page_id = r.page_id;
        out.new_serial = into;
        audit_new["new_serial"] = into;
        break;
      }
    }
    const json audit_old = {{"status", "conflict"}, {"page_id", r.page_id},
                            {"stored_page_id", stored ? json(stored->page_id) : json(nullptr)}};
    audit_new["kept_page_id"] = out.kept_page_id ? json(out.kept_page_id) : json(nullptr);
    audit_new["set_aside_page_id"] = out.set_aside_page_id ? json(out.set_aside_page_id) : json(nullptr);
    audit_new["review_items_opened"] = out.review_items_opened;
    audit_new["review_items_closed"] = out.review_items_closed;
    const std::string who = Who(r.by);
    WriteAudit(who, "conflict", std::to_string(out.serial) + "/page:" + std::to_string(out.page),
               audit_old.dump(), audit_new.dump(), r.by.screen, r.by.address);
    if (out.new_serial != 0)  // the new sheet's own history says where its page came from
      WriteAudit(who, "conflict", std::to_string(out.new_serial) + "/page:" + std::to_string(out.page),
                 audit_old.dump(), audit_new.dump(), r.by.screen, r.by.address);
    tx.Commit();
    return out;
  });
}

}  // namespace phieu::store
