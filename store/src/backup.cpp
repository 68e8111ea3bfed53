// Copyright 2026 The Phiếu Authors
// SPDX-License-Identifier: Apache-2.0
//
// A consistent copy of the survey while others write to it (SQLite's online backup API).

#include <sqlite3.h>

#include <system_error>

#include "sqlite_store.h"

namespace phieu::store {
namespace {

// Pages copied per step (4 KiB each: 16 MiB). Between steps the source is free for others.
constexpr int kPagesPerStep = 4096;
// A write by another connection between two steps restarts the copy. After this many restarts
// the rest is copied in one step: in WAL mode that step reads one snapshot and blocks no writer.
constexpr int kMaxRestarts = 3;

struct Handle {
  sqlite3* db = nullptr;
  ~Handle() {
    if (db) sqlite3_close(db);
  }
};

std::string Err(sqlite3* db) { return db ? sqlite3_errmsg(db) : "out of memory"; }

}  // namespace

core::Status SqliteStore::Backup(const fs::path& to) {
  std::error_code ec;
  if (fs::exists(to, ec))
    return MakeError("io", to.string() + ": already exists; choose another name or remove it first");
  // Written beside the target and renamed once checked: `to` is either a whole, checked copy or
  // absent.
  const fs::path partial = to.string() + ".partial";
  fs::remove(partial, ec);
  auto fail = [&](const std::string& why) -> core::Status {
    std::error_code ignore;
    fs::remove(partial, ignore);
    return MakeError("io", to.string() + ": backup of " + path_ + " failed: " + why);
  };
  {
    Handle dest;
    if (sqlite3_open_v2(partial.c_str(), &dest.db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE,
                        nullptr) != SQLITE_OK)
      return fail(Err(dest.db));
    sqlite3_backup* backup = sqlite3_backup_init(dest.db, "main", db_.handle(), "main");
    if (!backup) return fail(Err(dest.db));
    int rc = SQLITE_OK;
    int restarts = 0, last_remaining = -1;
    while (true) {
      const int pages = restarts >= kMaxRestarts ? -1 : kPagesPerStep;
      rc = sqlite3_backup_step(backup, pages);
      if (rc == SQLITE_DONE) break;
      if (rc == SQLITE_OK || rc == SQLITE_BUSY || rc == SQLITE_LOCKED) {
        const int remaining = sqlite3_backup_remaining(backup);
        if (last_remaining >= 0 && remaining > last_remaining) ++restarts;
        last_remaining = remaining;
        if (rc != SQLITE_OK) sqlite3_sleep(20);
        continue;
      }
      break;
    }
    sqlite3_backup_finish(backup);
    if (rc != SQLITE_DONE) return fail(sqlite3_errstr(rc));
    if (sqlite3_errcode(dest.db) != SQLITE_OK) return fail(Err(dest.db));
  }
  {
    Handle copy;
    if (sqlite3_open_v2(partial.c_str(), &copy.db, SQLITE_OPEN_READONLY, nullptr) != SQLITE_OK)
      return fail(Err(copy.db));
    sqlite3_stmt* st = nullptr;
    if (sqlite3_prepare_v2(copy.db, "PRAGMA integrity_check", -1, &st, nullptr) != SQLITE_OK)
      return fail(Err(copy.db));
    std::string verdict;
    while (sqlite3_step(st) == SQLITE_ROW) {
      const auto* text = reinterpret_cast<const char*>(sqlite3_column_text(st, 0));
      verdict += (verdict.empty() ? "" : "; ") + std::string(text ? text : "");
    }
    sqlite3_finalize(st);
    if (verdict != "ok") return fail("the copy does not pass integrity_check: " + verdict);
  }
  fs::rename(partial, to, ec);
  if (ec) return fail(ec.message());
  return {};
}

}  // namespace phieu::store
