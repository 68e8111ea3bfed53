// Copyright 2026 The Phiếu Authors
// SPDX-License-Identifier: Apache-2.0
// Scan stations and ingest batches (docs/api.md, "Scan stations", and "Clerk desk" batches): a
// station asks which of its files the server lacks, sends those in chunks into a spool next to
// the survey (a cut upload resumes from what arrived), and submits a batch that the server's one
// ingest thread reads through an IngestRunner, in submission order. Clerk or admin.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "routes.h"
#include "review-ui/review.h"

namespace phieu::review {

/// The spool, the batch queue and its ingest thread, and their routes. One per server.
class StationService {
 public:
  /// `runner` may be null: uploads and batches are then refused with 503. The spool is
  /// `<db>.spool/`, created when the first file arrives.
  StationService(std::filesystem::path db, std::mutex& write_mu, IngestRunner* runner);
  ~StationService();
  StationService(const StationService&) = delete;
  StationService& operator=(const StationService&) = delete;

  /// Stops the batch being read (it ends interrupted, its pages stored so far stay) and ends
  /// the queued ones as interrupted; joins the threads. Idempotent.
  void Stop();

  /// POST /api/station/files, PUT /api/station/files/{sha256}, POST /api/station/batches,
  /// GET /api/station/batches/{id}, POST /api/station/batches/{id}/stop, GET /api/desk/batches.
  std::vector<RouteSpec> Routes();

 private:
  struct Job {
    std::int64_t batch_id = 0;
    std::vector<StationFile> files;
    std::shared_ptr<std::atomic<bool>> stop;
  };
  std::filesystem::path FileDir(const std::string& sha256) const;
  /// The completely received file of `sha256` in the spool, or an empty path.
  std::filesystem::path Received(const std::string& sha256) const;
  void RunQueue();
  void KeepQueuedAlive();

  std::filesystem::path db_;
  std::filesystem::path spool_;
  std::mutex& write_mu_;
  IngestRunner* runner_;

  std::mutex spool_mu_;  ///< one upload chunk at a time touches the spool.

  std::mutex queue_mu_;
  std::condition_variable queue_cv_;
  std::deque<Job> queue_;
  std::map<std::int64_t, std::shared_ptr<std::atomic<bool>>> stops_;  ///< queued and running.
  bool stopping_ = false;
  std::thread worker_;
  std::thread ticker_;
};

}  // namespace phieu::review
