// Copyright 2026 The Phiếu Authors
// SPDX-License-Identifier: Apache-2.0
//
// The clerk's hand on pages no anchor could identify (the desk): a page named by hand and read
// (its reading comes from the pipeline), or set aside with a reason. Nothing is deleted; every
// action is an audit row.

#include <algorithm>
#include <string>

#include "csv.h"
#include "sqlite_store.h"

namespace phieu::store {
namespace {

struct PageNow {
  std::string status, reason, set_aside, set_aside_at;
};

}  // namespace

core::Result<RereadChange> SqliteStore::AssignPageByHand(std::int64_t page_id, const PageRecord& page,
                                                         const HandAssignment& how) {
  return Guard([&]() -> core::Result<RereadChange> {
    Transaction tx(db_);
    PageNow before;
    {
      Stmt st = db_.Prepare("SELECT status, reason, coalesce(set_aside_reason, ''), coalesce(set_aside_at, '') "
                            "FROM pages WHERE id=?");
      st.Bind(1, page_id);
      if (!st.Step())
        return MakeError("not_found", path_ + ": no stored page with id " + std::to_string(page_id));
      before = {st.Text(0), st.Text(1), st.Text(2), st.Text(3)};
    }
    const std::string which = "page " + std::to_string(page_id);
    if (how.seen && (how.seen->status != before.status || how.seen->set_aside_at != before.set_aside_at))
      return MakeError("changed", which + " changed while it was being read (someone else assigned it or "
                                  "set it aside): nothing was stored; look at it again");
    if (IsSheetPageStatus(before.status))
      return MakeError("identified", which + " is identified already (" + before.status + "): only an "
                                  "unidentified page is assigned by hand");
    if (page.status != "ok") return MakeError("invalid", which + ": an assignment needs an aligned reading");
    const core::PageKey& key = page.key;
    {
      Stmt st = db_.Prepare("SELECT s.template_id, s.version, t.page_count FROM sheets s "
                            "JOIN templates t ON t.template_id=s.template_id AND t.version=s.version "
                            "WHERE s.serial=?");
      st.Bind(1, key.serial);
      if (!st.Step())
        return MakeError("invalid", "sheet " + std::to_string(key.serial) + " is not in this survey");
      if (st.Text(0) != key.template_id || st.Int(1) != key.version)
        return MakeError("invalid", "sheet " + std::to_string(key.serial) + " was printed from template " +
                                        st.Text(0) + " version " + std::to_string(st.Int(1)) + ", not " +
                                        key.template_id + " version " + std::to_string(key.version));
      if (key.page < 1 || key.page > st.Int(2))
        return MakeError("invalid", "sheet " + std::to_string(key.serial) + " has pages 1 to " +
                                        std::to_string(st.Int(2)) + ", not " + std::to_string(key.page));
    }
    auto change = ReplaceReadingInTransaction(page_id, page);
    if (!change.ok()) return change.error();
    db_.Prepare("UPDATE pages SET set_aside_reason=NULL, set_aside_by=NULL, set_aside_at=NULL WHERE id=?")
        .Bind(1, page_id).Run();
    json old_value = {{"status", before.status}, {"reason", before.reason}};
    if (!before.set_aside.empty()) old_value["set_aside"] = before.set_aside;
    const json new_value = {{"serial", key.serial}, {"page", key.page}, {"method", how.method},
                            {"status", change->status}};
    WriteAudit(Who(how.by), "page", std::to_string(page_id), old_value.dump(), new_value.dump(),
               how.by.screen, how.by.address);
    tx.Commit();
    return change;
  });
}

core::Status SqliteStore::SetPageAside(std::int64_t page_id, const std::string& reason, const Actor& by) {
  return Guard([&]() -> core::Status {
    const std::string why = Trim(reason);
    if (why.empty()) return MakeError("invalid", "a reason is required to set a page aside");
    Transaction tx(db_);
    PageNow before;
    {
      Stmt st = db_.Prepare("SELECT status, reason, coalesce(set_aside_reason, '') FROM pages WHERE id=?");
      st.Bind(1, page_id);
      if (!st.Step())
        return MakeError("not_found", path_ + ": no stored page with id " + std::to_string(page_id));
      before = {st.Text(0), st.Text(1), st.Text(2), ""};
    }
    if (IsSheetPageStatus(before.status))
      return MakeError("identified", "page " + std::to_string(page_id) + " is identified (" + before.status +
                                      "): only an unidentified page is set aside");
    db_.Prepare(std::string("UPDATE pages SET set_aside_reason=?, set_aside_by=?, set_aside_at=") + kNow +
                " WHERE id=?")
        .Bind(1, why).Bind(2, Who(by)).Bind(3, page_id).Run();
    json old_value = {{"status", before.status}};
    if (!before.set_aside.empty()) old_value["set_aside"] = before.set_aside;
    WriteAudit(Who(by), "page", std::to_string(page_id), old_value.dump(), json{{"set_aside", why}}.dump(),
               by.screen, by.address);
    tx.Commit();
    return {};
  });
}

}  // namespace phieu::store
