// Copyright 2026 The Phiếu Authors
// SPDX-License-Identifier: Apache-2.0
#include "app/ingest.h"

#include "recognition/handwriting.h"

#include <malloc.h>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <future>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>

namespace phieu::app {
namespace {

using Clock = std::chrono::steady_clock;

struct PageTask {
  long seq = 0;
  std::filesystem::path file;
  std::int64_t file_id = 0;
  int page_index = 0;
};

// One worker's Tesseract engine, initialised on first use: most comment areas are blank, and
// Init costs 60-140 ms and ~10 MB, so a worker that never meets handwriting never pays it.
// If the model cannot be loaded, written areas go to review without a draft (reason says so).
class LazyOcrEngine : public recognition::OcrEngine {
 public:
  recognition::OcrLine RecognizeLine(const cv::Mat& gray_line, double px_per_mm) override {
    if (!tried_) {
      tried_ = true;
      auto made = recognition::MakeTesseractEngine(recognition::kDefaultOcrLang);
      if (made.ok()) engine_ = std::move(*made);
    }
    return engine_ ? engine_->RecognizeLine(gray_line, px_per_mm) : recognition::OcrLine{};
  }

 private:
  bool tried_ = false;
  std::unique_ptr<recognition::OcrEngine> engine_;
};

// Seconds since the previous lap (or construction).
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

// One worker's view of the files: keeps the last opened reader, because consecutive tasks
// usually come from the same multi-page file.
class PageProcessor {
 public:
  PageProcessor(const templates::TemplateCatalog& catalog, const IngestOptions& options)
      : catalog_(catalog), options_(options), read_options_(options.read) {
    if (!read_options_.ocr) read_options_.ocr = &ocr_;
  }

  /// Processes one page; adds the time each stage took to `times`.
  IngestedPage Process(const PageTask& task, StageSeconds& times) {
    IngestedPage result;
    result.aligned.source = {task.file, task.page_index};
    Lap lap;
    if (reader_file_ != task.file) {
      reader_.reset();
      reader_file_ = task.file;
      auto opened = scanner::OpenScanFile(task.file);
      if (!opened.ok()) return Unreadable(task, std::move(result), opened.error().message);
      reader_ = std::move(*opened);
    }
    if (!reader_) return Unreadable(task, std::move(result), task.file.string() + ": cannot be opened");
    auto scan = reader_->ReadPage(task.page_index);
    times.decode += lap.Next();
    if (!scan.ok()) return Unreadable(task, std::move(result), scan.error().message);
    const std::vector<scanner::ScannerStreak> streaks = scanner::RemoveScannerStreaks(scan->gray);
    times.streaks += lap.Next();

    result.aligned = scanner::AlignPage(*scan, catalog_, options_.align);
    result.aligned.source = scan->source;
    times.align += lap.Next();
    std::vector<recognition::FieldReading> readings;
    std::vector<unsigned char> thumbnail;
    if (result.aligned.status == scanner::AlignStatus::kOk) {
      const templates::Layout* layout =
          catalog_.Find(result.aligned.key.template_id, result.aligned.key.version);
      if (layout) readings = recognition::ReadPage(*scan, result.aligned, *layout, read_options_);
      times.read += lap.Next();
    } else {
      thumbnail = scanner::MakeThumbnailJpeg(scan->gray);
    }
    // Crops are encoded here, in parallel, so the single writer thread only runs SQL.
    result.record = ToPageRecord(task.file_id, task.page_index, result.aligned, readings, streaks,
                                 std::move(thumbnail));
    times.encode += lap.Next();
    return result;
  }

 private:
  static IngestedPage Unreadable(const PageTask& task, IngestedPage result, std::string reason) {
    result.aligned.status = scanner::AlignStatus::kUnreadable;
    result.aligned.reason = std::move(reason);
    result.record = ToPageRecord(task.file_id, task.page_index, result.aligned, {}, {}, {});
    return result;
  }

  const templates::TemplateCatalog& catalog_;
  const IngestOptions& options_;
  LazyOcrEngine ocr_;
  recognition::ReadOptions read_options_;
  std::filesystem::path reader_file_;
  std::unique_ptr<scanner::ScanReader> reader_;
};

// Work queue shared by the workers and results handed back to the writer in task order.
// The writer never lets more than `window` pages be in flight, so memory stays flat.
class PagePipeline {
 public:
  PagePipeline(const templates::TemplateCatalog& catalog, const IngestOptions& options)
      : window_(std::max(2, options.jobs * 3)) {
    for (int i = 0; i < std::max(1, options.jobs); ++i) {
      workers_.emplace_back([this, &catalog, &options] {
        PageProcessor processor(catalog, options);
        StageSeconds times;
        while (auto task = NextTask()) {
          IngestedPage r = processor.Process(*task, times);
          std::lock_guard lock(mu_);
          done_.emplace(task->seq, std::move(r));
          done_cv_.notify_all();
        }
        std::lock_guard lock(mu_);
        stage_seconds_ += times;
      });
    }
  }
  ~PagePipeline() {
    {
      std::lock_guard lock(mu_);
      closing_ = true;
    }
    task_cv_.notify_all();
    for (auto& t : workers_)
      if (t.joinable()) t.join();
  }

  /// Stops the workers once their tasks are done and returns their summed stage times.
  StageSeconds Finish() {
    {
      std::lock_guard lock(mu_);
      closing_ = true;
    }
    task_cv_.notify_all();
    for (auto& t : workers_)
      if (t.joinable()) t.join();
    return stage_seconds_;
  }

  bool Full() const { return submitted_ - taken_ >= window_; }
  bool Empty() const { return submitted_ == taken_; }

  void Submit(PageTask task) {
    task.seq = submitted_++;
    std::lock_guard lock(mu_);
    tasks_.push_back(std::move(task));
    task_cv_.notify_one();
  }

  /// Blocks until the oldest submitted page is processed, and returns it.
  IngestedPage TakeNext() {
    std::unique_lock lock(mu_);
    done_cv_.wait(lock, [&] { return done_.count(taken_) > 0; });
    auto node = done_.extract(taken_++);
    return std::move(node.mapped());
  }

 private:
  std::optional<PageTask> NextTask() {
    std::unique_lock lock(mu_);
    task_cv_.wait(lock, [&] { return closing_ || !tasks_.empty(); });
    if (tasks_.empty()) return std::nullopt;
    PageTask t = std::move(tasks_.front());
    tasks_.pop_front();
    return t;
  }

  const long window_;
  long submitted_ = 0;  // writer thread only
  long taken_ = 0;      // writer thread only
  std::mutex mu_;
  std::condition_variable task_cv_, done_cv_;
  std::deque<PageTask> tasks_;
  std::map<long, IngestedPage> done_;
  bool closing_ = false;
  StageSeconds stage_seconds_;
  std::vector<std::thread> workers_;
};

}  // namespace

core::Result<IngestSummary> Ingest(store::Store& store, const templates::TemplateCatalog& catalog,
                                   const std::vector<std::filesystem::path>& files,
                                   const IngestOptions& options) {
  const auto start = Clock::now();
  IngestSummary summary;
  summary.files = static_cast<int>(files.size());
  auto stopping = [&] { return options.stop && options.stop->load(); };

  // First pass: page counts, for the progress bar (opening a file does not decode pages).
  IngestProgress progress;
  std::vector<int> page_counts(files.size(), -1);
  std::vector<std::string> open_errors(files.size());
  for (size_t i = 0; i < files.size(); ++i) {
    auto reader = scanner::OpenScanFile(files[i]);
    if (reader.ok()) {
      page_counts[i] = (*reader)->page_count();
      progress.pages_total += page_counts[i];
    } else {
      open_errors[i] = reader.error().message;
    }
  }

  PagePipeline pipeline(catalog, options);
  std::map<std::int64_t, int> pages_left;  // file id -> pages not yet stored
  core::Status failure;

  auto store_next = [&]() -> bool {
    IngestedPage page = pipeline.TakeNext();
    Lap lap;
    auto disposition = store.SavePage(page.record);
    summary.stages.store += lap.Next();
    if (!disposition.ok()) {
      failure = disposition.error();
      return false;
    }
    ++summary.pages_read;
    if (!page.record.streaks.empty()) ++summary.pages_with_streaks;
    for (const auto& streak : page.record.streaks) {
      const int centre = (streak.from_px + streak.to_px) / 20 * 10;  // to 10 px, rounded down
      ++summary.streak_positions[(streak.vertical ? "x " : "y ") + std::to_string(centre)];
    }
    if (options.on_page) options.on_page(page, *disposition);
    switch (*disposition) {
      case store::PageDisposition::kStored:
        ++summary.pages_identified;
        for (const auto& r : page.record.readings) {
          summary.review_items += r.needs_review ? 1 : 0;
          // By code; a recognition that gives no codes yet is known by its words.
          const bool left_blank =
              std::any_of(r.reasons.begin(), r.reasons.end(),
                          [](const core::ReviewReason& c) { return c.code == "required_left_blank"; }) ||
              (r.reasons.empty() && r.reason == recognition::kRequiredLeftBlank);
          summary.required_left_blank += !r.needs_review && left_blank;
        }
        break;
      case store::PageDisposition::kConflict:
        ++summary.conflicts;
        break;
      case store::PageDisposition::kUnidentified:
        ++summary.pages_unidentified;
        ++summary.unidentified_reasons[scanner::AlignStatusName(page.aligned.status)];
        if (page.aligned.status == scanner::AlignStatus::kUnreadable)
          summary.errors.push_back(page.aligned.reason);
        break;
    }
    if (--pages_left[page.record.file_id] == 0) {
      Lap finish;
      auto st = store.FinishScanFile(page.record.file_id);
      summary.stages.store += finish.Next();
      if (!st.ok()) {
        failure = st;
        return false;
      }
    }
    progress.pages_done = summary.pages_read;
    progress.seconds = std::chrono::duration<double>(Clock::now() - start).count();
    if (options.on_progress) options.on_progress(progress);
    return true;
  };

  // The next file is hashed on its own thread while this one's pages are stored (reading and
  // hashing cost the writer 3-8 ms per page on the bench stacks). Hashing streams the file, so
  // a 100+ MB scanner PDF costs no more memory than a one-page PNG; the store streams it again
  // when it keeps the original, checking the hash.
  using Hash = core::Result<std::string>;
  auto hash_of = [](const std::filesystem::path& p) -> Hash { return store::Sha256HexOfFile(p); };
  std::future<Hash> next;
  if (!files.empty()) next = std::async(std::launch::async, hash_of, files[0]);
  for (size_t i = 0; i < files.size() && failure.ok() && !stopping(); ++i) {
    const auto& file = files[i];
    const Hash hashed = next.get();
    if (i + 1 < files.size()) next = std::async(std::launch::async, hash_of, files[i + 1]);
    if (!hashed.ok()) {
      ++summary.files_unreadable;
      summary.errors.push_back(hashed.error().message);
      continue;
    }
    const std::string& sha = *hashed;
    if (page_counts[i] < 0) {
      // Not a scan we can open: keep the bytes and the reason, so nothing is lost.
      ++summary.files_unreadable;
      summary.errors.push_back(open_errors[i]);
      auto st = store.RecordUnreadableFileFromDisk(sha, file, open_errors[i]);
      if (!st.ok() && st.error().code == "io") summary.errors.push_back(st.error().message);
      else if (!st.ok()) return st.error();
      continue;
    }
    Lap begin;
    auto state = store.BeginScanFileFromDisk(sha, file, page_counts[i]);
    summary.stages.store += begin.Next();
    if (!state.ok() && state.error().code == "io") {
      // The scan file, not the survey: rewritten or gone since it was hashed. Name it and go
      // on; running the command again ingests it.
      ++summary.files_unreadable;
      summary.errors.push_back(state.error().message);
      progress.pages_total -= page_counts[i];
      continue;
    }
    if (!state.ok()) return state.error();
    // Multi-MB page images are freed on one thread and reallocated on another; glibc keeps the
    // holes in its per-thread arenas, and peak RSS crept from ~250 to ~305 MiB over a
    // 2,000-page batch. Handing free pages back once per file keeps it flat (sys time 5-6 s ->
    // 8-10 s of ~95 s CPU; a fixed mmap threshold also flattens it but cost ~12% more CPU).
    malloc_trim(0);
    // The same content twice in one batch (a copied file): its pages are already on their way
    // from the first copy, so this one is a no-op like any re-ingest.
    if (state->complete || pages_left.count(state->file_id)) {
      ++summary.files_skipped;
      progress.pages_total -= page_counts[i];
      continue;
    }
    int todo = 0;
    for (int p = 0; p < page_counts[i]; ++p)
      if (!state->pages_done.count(p)) ++todo;
    progress.pages_total -= page_counts[i] - todo;
    if (todo == 0) {
      auto st = store.FinishScanFile(state->file_id);
      if (!st.ok()) return st.error();
      continue;
    }
    pages_left[state->file_id] = todo;
    for (int p = 0; p < page_counts[i] && failure.ok(); ++p) {
      if (state->pages_done.count(p)) continue;
      if (stopping()) break;
      while (pipeline.Full() && failure.ok()) store_next();
      pipeline.Submit({.file = file, .file_id = state->file_id, .page_index = p});
    }
  }
  while (!pipeline.Empty() && failure.ok()) store_next();
  if (!failure.ok()) return failure.error();
  const double writer_store = summary.stages.store;
  summary.stages = pipeline.Finish();
  summary.stages.store = writer_store;
  summary.stopped = stopping() && summary.pages_read < progress.pages_total;
  summary.seconds = std::chrono::duration<double>(Clock::now() - start).count();
  return summary;
}

}  // namespace phieu::app
