// Copyright 2026 The Phiếu Authors
// SPDX-License-Identifier: Apache-2.0
// What `phieu ingest` shows and records while it runs, shared by the local run, a scan station
// (`--server`) and the server's runs for stations: the progress bar on stderr, and the batch's
// row in the survey (progress as a heartbeat, then its summary).
#pragma once

#include <chrono>
#include <cstdint>
#include <mutex>
#include <string>

#include "pipeline/pipeline.h"
#include "scanner/acquire.h"
#include "store/store.h"

namespace phieu::app {

/// "[#########.......]  412/1000 pages  23.4 pages/s  ETA 0:25" on one rewritten stderr line
/// when stderr is a terminal; otherwise a plain line every 10%.
class ProgressBar {
 public:
  void Update(const pipeline::IngestProgress& p);
  /// Ends the rewritten line (a newline when one was drawn).
  void Finish();

 private:
  int last_decile_ = -1;
  double last_draw_ = -1;
  bool drawn_ = false;
};

/// After a watch: the files not read yet (still being written, or not readable so far), so
/// nobody assumes they are in the survey. Nothing is printed when there are none.
void PrintNotReadYet(const scanner::FolderWatcher& watcher, const std::string& watch_dir);

/// A batch's row in the survey (store::BatchRecord) kept up to date by the run that owns it.
/// Progress is written at most once a second (a page costs ~50 ms; a row per page would be a
/// transaction per page more); Touch() keeps the heartbeat of an idle watch. A failure to
/// write the row is noted once on stderr and never stops the run. Calls happen on the run's
/// store thread; `writer_lock`, when set, is held around each write.
class BatchLog {
 public:
  /// Records the batch (store::Store::BeginBatch); id() is 0 when that failed.
  BatchLog(store::Store& store, const store::BatchRecord& start, std::mutex* writer_lock = nullptr);
  /// Uses a batch already recorded (a station's queued batch).
  BatchLog(store::Store& store, std::int64_t batch_id, std::mutex* writer_lock = nullptr);
  std::int64_t id() const { return id_; }
  void Progress(const pipeline::IngestProgress& p);
  /// Moves the heartbeat when the last write is older than store::kBatchHeartbeatSeconds.
  void Touch();
  /// Ends the batch with `summary` (and the survey counts), as text and JSON, state
  /// "interrupted" when it stopped early, and the exit code `phieu ingest` gives for it.
  void Finish(const pipeline::IngestSummary& summary, const store::SurveyStatus* status, int exit_code);
  /// Ends the batch as failed (the survey file failed): `error` says why, exit code 3.
  void Fail(const std::string& error);

 private:
  template <class F>
  void Write(F&& f);
  store::Store& store_;
  std::mutex* lock_;
  std::int64_t id_ = 0;
  std::chrono::steady_clock::time_point last_write_;
  bool warned_ = false;
};

}  // namespace phieu::app
