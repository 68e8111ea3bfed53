// Copyright 2026 The Phiếu Authors
// SPDX-License-Identifier: Apache-2.0
#pragma once

// A thin RAII layer over the SQLite C API, private to the store. SQLite failures are thrown
// as DbError inside the store and turned into core::Error at each public Store method, so the
// query code reads top to bottom without an error check after every step.

#include <cstdint>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

struct sqlite3;
struct sqlite3_stmt;
struct sqlite3_blob;

namespace phieu::store {

/// An SQLite failure: carries the SQLite result code so Open can tell "not a database" apart.
class DbError : public std::runtime_error {
 public:
  DbError(int code, const std::string& message) : std::runtime_error(message), code_(code) {}
  int code() const { return code_; }

 private:
  int code_;
};

/// One prepared statement in use. Resetting on destruction lets a cached statement be reused
/// by the next caller even when an exception left it half-stepped.
class Stmt {
 public:
  Stmt(sqlite3* db, sqlite3_stmt* st) : db_(db), st_(st) {}
  ~Stmt();
  Stmt(const Stmt&) = delete;
  Stmt& operator=(const Stmt&) = delete;

  // Parameters are 1-based, as in SQLite.
  Stmt& Bind(int i, std::int64_t v);
  Stmt& Bind(int i, int v) { return Bind(i, static_cast<std::int64_t>(v)); }
  Stmt& Bind(int i, double v);
  Stmt& Bind(int i, std::string_view v);
  Stmt& Bind(int i, const char* v) { return Bind(i, std::string_view(v)); }
  Stmt& Bind(int i, const std::string& v) { return Bind(i, std::string_view(v)); }
  Stmt& Bind(int i, const std::optional<std::string>& v);
  /// Empty blobs bind as NULL: "no thumbnail" and "no crop" read back as absent.
  Stmt& BindBlob(int i, const std::vector<unsigned char>& v);
  /// As BindBlob, but SQLite reads `v` in place instead of copying it: for scan files of
  /// 100+ MB, where a copy is a large transient spike in memory. `v` must outlive the step;
  /// binding and running in one expression (Prepare(...).BindBlobInPlace(...).Run()) does,
  /// since ~Stmt clears the bindings.
  Stmt& BindBlobInPlace(int i, const std::vector<unsigned char>& v);
  Stmt& BindNull(int i);
  /// A blob of `size` zero bytes, to be filled in place with Db::BlobWriter.
  Stmt& BindZeroBlob(int i, std::int64_t size);

  /// Steps once: true when a row is available, false when done.
  bool Step();
  /// Steps to completion (for statements that return no rows).
  void Run();

  // Columns are 0-based, as in SQLite.
  bool IsNull(int col) const;
  std::int64_t Int(int col) const;
  double Double(int col) const;
  std::string Text(int col) const;
  std::vector<unsigned char> Blob(int col) const;

 private:
  sqlite3* db_;
  sqlite3_stmt* st_;
};

/// One connection with a per-connection cache of prepared statements.
class Db {
 public:
  Db() = default;
  ~Db();
  Db(const Db&) = delete;
  Db& operator=(const Db&) = delete;

  /// Opens read-write; `create` also creates a missing file. Throws DbError.
  void Open(const std::string& path, bool create);
  /// Runs one or more statements without parameters.
  void Exec(const std::string& sql);
  /// A cached prepared statement for `sql` (compiled on first use).
  Stmt Prepare(const std::string& sql);
  std::int64_t LastInsertId() const;
  int Changes() const;
  /// Single-value convenience query (first column of the first row; nullopt when no row).
  std::optional<std::int64_t> QueryInt(const std::string& sql);

  sqlite3* handle() const { return db_; }

  /// Incremental writes into an existing blob (one opened with zeroblob), so a 100+ MB scan
  /// file goes into the database a chunk at a time. Throws DbError.
  class BlobWriter {
   public:
    BlobWriter(Db& db, const char* table, const char* column, std::int64_t rowid);
    ~BlobWriter();
    BlobWriter(const BlobWriter&) = delete;
    BlobWriter& operator=(const BlobWriter&) = delete;
    /// Writes at the current offset and advances it; writing past the blob's size throws.
    void Write(const unsigned char* data, size_t size);
    std::int64_t written() const { return offset_; }

   private:
    sqlite3* db_;
    sqlite3_blob* blob_ = nullptr;
    std::int64_t offset_ = 0;
  };

 private:
  sqlite3* db_ = nullptr;
  std::map<std::string, sqlite3_stmt*> cache_;
};

/// BEGIN IMMEDIATE .. COMMIT; rolls back unless Commit() was called. IMMEDIATE takes the write
/// lock up front, so two processes allocating serials cannot both read the same max(serial).
class Transaction {
 public:
  explicit Transaction(Db& db);
  ~Transaction();
  Transaction(const Transaction&) = delete;
  Transaction& operator=(const Transaction&) = delete;
  void Commit();

 private:
  Db& db_;
  bool done_ = false;
};

}  // namespace phieu::store
