// Copyright 2026 The Phiếu Authors
// SPDX-License-Identifier: Apache-2.0
#include "db.h"

#include <sqlite3.h>

namespace phieu::store {
namespace {

[[noreturn]] void Throw(sqlite3* db, int rc, const std::string& what) {
  std::string msg = what.empty() ? "" : what + ": ";
  msg += db ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
  throw DbError(rc, msg);
}

}  // namespace

Stmt::~Stmt() {
  if (st_) {
    sqlite3_reset(st_);
    sqlite3_clear_bindings(st_);
  }
}

Stmt& Stmt::Bind(int i, std::int64_t v) {
  if (int rc = sqlite3_bind_int64(st_, i, v); rc != SQLITE_OK) Throw(db_, rc, "bind");
  return *this;
}

Stmt& Stmt::Bind(int i, double v) {
  if (int rc = sqlite3_bind_double(st_, i, v); rc != SQLITE_OK) Throw(db_, rc, "bind");
  return *this;
}

Stmt& Stmt::Bind(int i, std::string_view v) {
  // SQLITE_TRANSIENT: the caller's string may die before the statement is stepped.
  if (int rc = sqlite3_bind_text(st_, i, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT);
      rc != SQLITE_OK)
    Throw(db_, rc, "bind");
  return *this;
}

Stmt& Stmt::Bind(int i, const std::optional<std::string>& v) {
  return v ? Bind(i, std::string_view(*v)) : BindNull(i);
}

Stmt& Stmt::BindBlob(int i, const std::vector<unsigned char>& v) {
  if (v.empty()) return BindNull(i);
  if (int rc = sqlite3_bind_blob(st_, i, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT);
      rc != SQLITE_OK)
    Throw(db_, rc, "bind");
  return *this;
}

Stmt& Stmt::BindBlobInPlace(int i, const std::vector<unsigned char>& v) {
  if (v.empty()) return BindNull(i);
  if (int rc = sqlite3_bind_blob64(st_, i, v.data(), v.size(), SQLITE_STATIC); rc != SQLITE_OK)
    Throw(db_, rc, "bind");
  return *this;
}

Stmt& Stmt::BindZeroBlob(int i, std::int64_t size) {
  if (int rc = sqlite3_bind_zeroblob64(st_, i, static_cast<sqlite3_uint64>(size)); rc != SQLITE_OK)
    Throw(db_, rc, "bind");
  return *this;
}

Db::BlobWriter::BlobWriter(Db& db, const char* table, const char* column, std::int64_t rowid)
    : db_(db.handle()) {
  if (int rc = sqlite3_blob_open(db_, "main", table, column, rowid, 1, &blob_); rc != SQLITE_OK)
    Throw(db_, rc, "blob open");
}

Db::BlobWriter::~BlobWriter() {
  if (blob_) sqlite3_blob_close(blob_);
}

void Db::BlobWriter::Write(const unsigned char* data, size_t size) {
  if (size == 0) return;
  if (offset_ + static_cast<std::int64_t>(size) > sqlite3_blob_bytes(blob_))
    throw DbError(SQLITE_ERROR, "blob write: more bytes than the blob holds");
  if (int rc = sqlite3_blob_write(blob_, data, static_cast<int>(size), static_cast<int>(offset_)); rc != SQLITE_OK)
    Throw(db_, rc, "blob write");
  offset_ += static_cast<std::int64_t>(size);
}

Stmt& Stmt::BindNull(int i) {
  if (int rc = sqlite3_bind_null(st_, i); rc != SQLITE_OK) Throw(db_, rc, "bind");
  return *this;
}

bool Stmt::Step() {
  int rc = sqlite3_step(st_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  Throw(db_, rc, "");
}

void Stmt::Run() {
  while (Step()) {
  }
}

bool Stmt::IsNull(int col) const { return sqlite3_column_type(st_, col) == SQLITE_NULL; }
std::int64_t Stmt::Int(int col) const { return sqlite3_column_int64(st_, col); }
double Stmt::Double(int col) const { return sqlite3_column_double(st_, col); }

std::string Stmt::Text(int col) const {
  const auto* p = reinterpret_cast<const char*>(sqlite3_column_text(st_, col));
  if (!p) return {};
  return std::string(p, static_cast<size_t>(sqlite3_column_bytes(st_, col)));
}

std::vector<unsigned char> Stmt::Blob(int col) const {
  const auto* p = static_cast<const unsigned char*>(sqlite3_column_blob(st_, col));
  if (!p) return {};
  return std::vector<unsigned char>(p, p + sqlite3_column_bytes(st_, col));
}

Db::~Db() {
  for (auto& [sql, st] : cache_) sqlite3_finalize(st);
  if (db_) sqlite3_close(db_);
}

void Db::Open(const std::string& path, bool create) {
  int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX;
  if (create) flags |= SQLITE_OPEN_CREATE;
  int rc = sqlite3_open_v2(path.c_str(), &db_, flags, nullptr);
  if (rc != SQLITE_OK) {
    std::string msg = db_ ? sqlite3_errmsg(db_) : sqlite3_errstr(rc);
    sqlite3_close(db_);
    db_ = nullptr;
    throw DbError(rc, msg);
  }
  sqlite3_extended_result_codes(db_, 0);
  // Another process (phieu serve next to phieu ingest) may hold the write lock briefly.
  sqlite3_busy_timeout(db_, 5000);
}

void Db::Exec(const std::string& sql) {
  char* err = nullptr;
  int rc = sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &err);
  if (rc != SQLITE_OK) {
    std::string msg = err ? err : sqlite3_errstr(rc);
    sqlite3_free(err);
    throw DbError(rc, msg);
  }
}

Stmt Db::Prepare(const std::string& sql) {
  auto it = cache_.find(sql);
  if (it == cache_.end()) {
    sqlite3_stmt* st = nullptr;
    int rc = sqlite3_prepare_v3(db_, sql.c_str(), static_cast<int>(sql.size()),
                                SQLITE_PREPARE_PERSISTENT, &st, nullptr);
    if (rc != SQLITE_OK) Throw(db_, rc, "prepare");
    it = cache_.emplace(sql, st).first;
  }
  return Stmt(db_, it->second);
}

std::int64_t Db::LastInsertId() const { return sqlite3_last_insert_rowid(db_); }
int Db::Changes() const { return sqlite3_changes(db_); }

std::optional<std::int64_t> Db::QueryInt(const std::string& sql) {
  Stmt st = Prepare(sql);
  if (!st.Step() || st.IsNull(0)) return std::nullopt;
  return st.Int(0);
}

Transaction::Transaction(Db& db) : db_(db) { db_.Exec("BEGIN IMMEDIATE"); }

Transaction::~Transaction() {
  if (!done_) {
    // Never throw from a destructor; a failed rollback leaves SQLite to roll back on close.
    sqlite3_exec(db_.handle(), "ROLLBACK", nullptr, nullptr, nullptr);
  }
}

void Transaction::Commit() {
  db_.Exec("COMMIT");
  done_ = true;
}

}  // namespace phieu::store
