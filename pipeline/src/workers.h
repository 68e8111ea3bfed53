// Copyright 2026 The Phiếu Authors
// SPDX-License-Identifier: Apache-2.0
// The pipeline's workers (private): one page read on a worker thread, and the queue that hands
// pages to the workers and gives them back to the single writer in submission order.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

#include "pipeline/pipeline.h"

namespace phieu::pipeline::internal {

using Clock = std::chrono::steady_clock;

/// One page to read: page `page_index` of the scan file at `file`.
struct PageTask {
  long seq = 0;                  ///< set by PagePool::Submit.
  std::filesystem::path file;    ///< where the bytes are read from.
  std::int64_t file_id = 0;
  int page_index = 0;
  std::int64_t page_id = 0;      ///< Reread: the stored page; 0 for Ingest.
  /// When set, aligns the page instead of its QR anchors (a page named by hand: AssignPage).
  std::function<scanner::AlignedPage(const scanner::Scan&)> align;
};

/// A task and what reading it gave.
struct DonePage {
  PageTask task;
  IngestedPage page;
};

/// A private folder for stored originals being read again, removed with everything in it.
class ScratchDir {
 public:
  ScratchDir();
  ~ScratchDir();
  ScratchDir(const ScratchDir&) = delete;
  ScratchDir& operator=(const ScratchDir&) = delete;
  const std::filesystem::path& path() const { return path_; }
  const std::error_code& error() const { return ec_; }

 private:
  std::filesystem::path path_;
  std::error_code ec_;
};

/// Seconds since the previous lap (or construction).
class Lap {
 public:
  double Next() {
    const auto now = Clock::now();
    const double s = std::chrono::duration<double>(now - last_).count();
    last_ = now;
    return s;
  }

 private:
  Clock::time_point last_ = Clock::now();
};

/// One page of a scan file as decoded, its scanner streaks taken out, and aligned from its
/// anchors (when `anchors_read`).
struct DecodedPage {
  scanner::Scan scan;
  std::vector<scanner::ScannerStreak> streaks;
  scanner::AlignedPage aligned;
  bool anchors_read = false;
};

/// The other side of page `page_index` of a file of `page_count` pages: the page just after or
/// before it (`page_at(i)`: page i decoded and aligned, nullptr when it cannot be decoded), when
/// its anchors name page `page_no` of the same sheet and template version as `key` (a duplex
/// batch); else nullopt.
std::optional<recognition::OtherSideScan> FindOtherSide(const std::function<const DecodedPage*(int)>& page_at,
                                                        int page_count, int page_index, const core::PageKey& key,
                                                        int page_no);

/// Reads one page at a time on one worker thread. Keeps the last opened reader, because
/// consecutive tasks usually come from the same multi-page file, and the last pages it decoded
/// for or with an other side (at most kRecentPages): in a duplex batch the two sides of a leaf
/// ask for each other.
class PageProcessor {
 public:
  PageProcessor(const templates::TemplateCatalog& catalog, const IngestOptions& options);
  ~PageProcessor();

  /// Processes one page; adds the time each stage took to `times`. Never throws: whatever a
  /// library throws on an odd page (OpenCV on an extreme shape, a failed allocation) keeps
  /// the page as unreadable with the reason, and the batch goes on.
  IngestedPage Process(const PageTask& task, StageSeconds& times);

 private:
  IngestedPage ProcessUnguarded(const PageTask& task, StageSeconds& times);
  /// Page `index` of the open file from the recent ones, or decoded and aligned now (and kept).
  const DecodedPage* PageAt(int index);
  /// Page `index` taken out of the recent ones (nullptr when it is not there).
  std::unique_ptr<DecodedPage> TakeRecent(int index);
  void Remember(int index, std::unique_ptr<DecodedPage> page);
  /// The other pages of the sheet of the identified pages just before and after page `index`.
  std::vector<core::PageKey> NeighboursSheet(int index);
  static constexpr size_t kRecentPages = 2;

  const templates::TemplateCatalog& catalog_;
  const IngestOptions& options_;
  std::unique_ptr<recognition::OcrEngine> ocr_;
  recognition::ReadOptions read_options_;
  std::filesystem::path reader_file_;
  std::unique_ptr<scanner::ScanReader> reader_;
  std::deque<std::pair<int, std::unique_ptr<DecodedPage>>> recent_;  ///< pages of reader_file_
};

/// Work queue shared by the workers, and results handed back to the writer in task order. The
/// writer never lets more than `window` pages be in flight, so memory stays flat.
class PagePool {
 public:
  PagePool(const templates::TemplateCatalog& catalog, const IngestOptions& options);
  ~PagePool();

  /// Stops the workers once their tasks are done and returns their summed stage times.
  StageSeconds Finish();

  bool Full() const { return submitted_ - taken_ >= window_; }
  bool Empty() const { return submitted_ == taken_; }
  void Submit(PageTask task);
  /// Blocks until the oldest submitted page is processed, and returns it.
  DonePage TakeNext();

 private:
  std::optional<PageTask> NextTask();

  const long window_;
  long submitted_ = 0;  // writer thread only
  long taken_ = 0;      // writer thread only
  std::mutex mu_;
  std::condition_variable task_cv_, done_cv_;
  std::deque<PageTask> tasks_;
  std::map<long, DonePage> done_;
  bool closing_ = false;
  StageSeconds stage_seconds_;
  std::vector<std::thread> workers_;
};

}  // namespace phieu::pipeline::internal
