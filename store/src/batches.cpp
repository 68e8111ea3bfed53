// Copyright 2026 The Phiếu Authors
// SPDX-License-Identifier: Apache-2.0
//
// Ingest batches (schema step 6, table ingest_batches): one row per `phieu ingest` run or scan
// station batch, its progress while it runs and its summary when it ends. A row left open by a
// killed process is told apart by its heartbeat (kBatchStaleSeconds), not by anyone cleaning up.
#include "sqlite_store.h"

namespace phieu::store {
namespace {

// The columns ListBatches and GetBatch read, with the stale rule applied to `state`.
std::string SelectBatches() {
  return "SELECT id, source, who, station, address, "
         "CASE WHEN state IN ('queued','running') AND heartbeat_at < "
         "strftime('%Y-%m-%dT%H:%M:%fZ','now','-" +
         std::to_string(kBatchStaleSeconds) +
         " seconds') THEN 'interrupted' ELSE state END, "
         "files, pages_done, pages_total, started_at, heartbeat_at, coalesce(finished_at,''), "
         "coalesce(summary,''), summary_text, coalesce(exit_code,-1), error FROM ingest_batches ";
}

BatchRecord ReadBatch(Stmt& st) {
  BatchRecord b;
  b.id = st.Int(0);
  b.source = st.Text(1);
  b.who = st.Text(2);
  b.station = st.Text(3);
  b.address = st.Text(4);
  b.state = st.Text(5);
  b.files = static_cast<int>(st.Int(6));
  b.pages_done = static_cast<int>(st.Int(7));
  b.pages_total = static_cast<int>(st.Int(8));
  b.started_at = st.Text(9);
  b.heartbeat_at = st.Text(10);
  b.finished_at = st.Text(11);
  b.summary_json = st.Text(12);
  b.summary_text = st.Text(13);
  b.exit_code = static_cast<int>(st.Int(14));
  b.error = st.Text(15);
  return b;
}

}  // namespace

core::Result<std::int64_t> SqliteStore::BeginBatch(const BatchRecord& batch) {
  if (batch.source != "cli" && batch.source != "station")
    return MakeError("usage", "batch source " + Q(batch.source) + ": use cli or station");
  const std::string state = batch.state.empty() ? "running" : batch.state;
  if (state != "running" && state != "queued")
    return MakeError("usage", "a batch begins running or queued, not " + Q(state));
  return Guard([&]() -> core::Result<std::int64_t> {
    Transaction tx(db_);
    db_.Prepare(std::string("INSERT INTO ingest_batches (source, who, station, address, state, files, "
                            "started_at, heartbeat_at) VALUES (?,?,?,?,?,?,") +
                kNow + "," + kNow + ")")
        .Bind(1, batch.source).Bind(2, batch.who).Bind(3, batch.station).Bind(4, batch.address)
        .Bind(5, state).Bind(6, batch.files)
        .Run();
    const std::int64_t id = db_.LastInsertId();
    // A station's batch is a person's action over the network: an audit row like any other.
    if (batch.source == "station")
      WriteAudit(batch.who, "batch", std::to_string(id), std::nullopt,
                 json{{"station", batch.station}, {"files", batch.files}}.dump(), "station", batch.address);
    tx.Commit();
    return id;
  });
}

core::Status SqliteStore::UpdateBatchProgress(std::int64_t batch_id, int pages_done, int pages_total) {
  return Guard([&]() -> core::Status {
    db_.Prepare(std::string("UPDATE ingest_batches SET state='running', pages_done=?, pages_total=?, "
                            "heartbeat_at=") + kNow + " WHERE id=? AND finished_at IS NULL")
        .Bind(1, pages_done).Bind(2, pages_total).Bind(3, batch_id)
        .Run();
    return {};
  });
}

core::Status SqliteStore::TouchBatches(const std::vector<std::int64_t>& batch_ids) {
  return Guard([&]() -> core::Status {
    for (std::int64_t id : batch_ids)
      db_.Prepare(std::string("UPDATE ingest_batches SET heartbeat_at=") + kNow +
                  " WHERE id=? AND finished_at IS NULL")
          .Bind(1, id)
          .Run();
    return {};
  });
}

core::Status SqliteStore::FinishBatch(std::int64_t batch_id, const BatchEnd& end) {
  if (end.state != "finished" && end.state != "interrupted" && end.state != "failed")
    return MakeError("usage", "a batch ends finished, interrupted or failed, not " + Q(end.state));
  return Guard([&]() -> core::Status {
    Stmt st = db_.Prepare(std::string("UPDATE ingest_batches SET state=?, summary=?, summary_text=?, "
                                      "exit_code=?, error=?, finished_at=") +
                          kNow + ", heartbeat_at=" + kNow + " WHERE id=?");
    st.Bind(1, end.state);
    if (end.summary_json.empty()) st.BindNull(2); else st.Bind(2, end.summary_json);
    st.Bind(3, end.summary_text).Bind(4, end.exit_code).Bind(5, end.error).Bind(6, batch_id);
    st.Run();
    if (db_.Changes() == 0)
      return MakeError("not_found", "batch " + std::to_string(batch_id) + " is not in this survey");
    return {};
  });
}

core::Result<std::vector<BatchRecord>> SqliteStore::ListBatches(int limit) {
  return Guard([&]() -> core::Result<std::vector<BatchRecord>> {
    std::vector<BatchRecord> out;
    Stmt st = db_.Prepare(SelectBatches() + "ORDER BY id DESC LIMIT ?");
    st.Bind(1, limit);
    while (st.Step()) out.push_back(ReadBatch(st));
    return out;
  });
}

core::Result<std::optional<BatchRecord>> SqliteStore::GetBatch(std::int64_t batch_id) {
  return Guard([&]() -> core::Result<std::optional<BatchRecord>> {
    Stmt st = db_.Prepare(SelectBatches() + "WHERE id=?");
    st.Bind(1, batch_id);
    if (!st.Step()) return std::optional<BatchRecord>();
    return std::optional<BatchRecord>(ReadBatch(st));
  });
}

core::Result<std::optional<HeldScanFile>> SqliteStore::FindScanFileBySha256(const std::string& sha256) {
  return Guard([&]() -> core::Result<std::optional<HeldScanFile>> {
    Stmt st = db_.Prepare("SELECT id, path, complete, coalesce(error,'') FROM scan_files WHERE sha256=?");
    st.Bind(1, sha256);
    if (!st.Step()) return std::optional<HeldScanFile>();
    return std::optional<HeldScanFile>(HeldScanFile{
        .file_id = st.Int(0), .path = st.Text(1), .complete = st.Int(2) != 0, .error = st.Text(3)});
  });
}

}  // namespace phieu::store
