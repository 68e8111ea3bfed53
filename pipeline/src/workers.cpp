// Copyright 2026 The Phiếu Authors
// SPDX-License-Identifier: Apache-2.0
#include "workers.h"

#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <exception>
#include <new>
#include <string>

#include "pipeline/page_record.h"
#include "recognition/handwriting.h"

namespace phieu::pipeline::internal {
namespace {

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

IngestedPage Unreadable(const PageTask& task, IngestedPage result, std::string reason) {
  result.aligned.status = scanner::AlignStatus::kUnreadable;
  result.aligned.reason = std::move(reason);
  result.record = ToPageRecord(task.file_id, task.page_index, result.aligned, {}, {}, {});
  return result;
}

IngestedPage Failed(const PageTask& task, const std::string& what) {
  IngestedPage result;
  result.aligned.source = {task.file, task.page_index};
  return Unreadable(task, std::move(result),
                    task.file.string() + ", page " + std::to_string(task.page_index + 1) + ": " + what);
}

}  // namespace

ScratchDir::ScratchDir() {
  static std::atomic<int> counter{0};
  path_ = std::filesystem::temp_directory_path() /
          ("phieu-reread-" + std::to_string(::getpid()) + "-" + std::to_string(counter++));
  std::filesystem::create_directories(path_, ec_);
}

ScratchDir::~ScratchDir() {
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
}

PageProcessor::PageProcessor(const templates::TemplateCatalog& catalog, const IngestOptions& options)
    : catalog_(catalog), options_(options), ocr_(std::make_unique<LazyOcrEngine>()),
      read_options_(options.read) {
  if (!read_options_.ocr) read_options_.ocr = ocr_.get();
}

PageProcessor::~PageProcessor() = default;

IngestedPage PageProcessor::Process(const PageTask& task, StageSeconds& times) {
  try {
    return ProcessUnguarded(task, times);
  } catch (const std::bad_alloc&) {
    return Failed(task, "not enough memory to read the page");
  } catch (const std::exception& e) {
    return Failed(task, std::string("the page could not be processed (") + e.what() + ")");
  } catch (...) {
    return Failed(task, "the page could not be processed (unknown failure)");
  }
}

IngestedPage PageProcessor::ProcessUnguarded(const PageTask& task, StageSeconds& times) {
  IngestedPage result;
  result.aligned.source = {task.file, task.page_index};
  Lap lap;
  if (reader_file_ != task.file) {
    reader_.reset();
    recent_.clear();
    reader_file_ = task.file;
    auto opened = scanner::OpenScanFile(task.file, options_.limits);
    if (!opened.ok()) return Unreadable(task, std::move(result), opened.error().message);
    reader_ = std::move(*opened);
  }
  if (!reader_) return Unreadable(task, std::move(result), task.file.string() + ": cannot be opened");
  // Decoded already when the page was asked for as the other side of the page before it.
  std::unique_ptr<DecodedPage> page = TakeRecent(task.page_index);
  if (!page) {
    auto scan = reader_->ReadPage(task.page_index);
    times.decode += lap.Next();
    if (!scan.ok()) return Unreadable(task, std::move(result), scan.error().message);
    page = std::make_unique<DecodedPage>();
    page->scan = std::move(*scan);
    page->streaks = scanner::RemoveScannerStreaks(page->scan.gray);
    times.streaks += lap.Next();
    if (!task.align) page->aligned = scanner::AlignPage(page->scan, catalog_, options_.align);
    page->anchors_read = !task.align;
  }
  if (!task.align && page->aligned.status == scanner::AlignStatus::kNoAnchors) {
    // No anchor decoded: in a duplex batch the page's neighbours say which sheet it may be of,
    // and what is left of its anchors is compared with that sheet's (AlignOptions::expected).
    // The whole-page search has been done: only the corners, where the anchors' rescue is.
    scanner::AlignOptions align = options_.align;
    align.full_page_fallback = false;
    align.expected = NeighboursSheet(task.page_index);
    if (!align.expected.empty()) page->aligned = scanner::AlignPage(page->scan, catalog_, align);
  }
  const scanner::Scan& scan = page->scan;
  bool asked_other_side = false;  // then its other side will ask for it in turn
  result.aligned = task.align ? task.align(scan) : page->aligned;
  result.aligned.source = scan.source;
  times.align += lap.Next();
  std::vector<recognition::FieldReading> readings;
  std::vector<unsigned char> thumbnail;
  if (result.aligned.status == scanner::AlignStatus::kOk) {
    const templates::Layout* layout =
        catalog_.Find(result.aligned.key.template_id, result.aligned.key.version);
    if (layout) {
      // In a duplex batch the leaf's other side is the page just after or before this one.
      recognition::ReadOptions options = read_options_;
      options.other_side = [&, key = result.aligned.key](int page_no) {
        asked_other_side = true;
        return FindOtherSide([&](int index) { return PageAt(index); }, reader_->page_count(), task.page_index, key,
                             page_no);
      };
      readings = recognition::ReadPage(scan, result.aligned, *layout, options);
    }
    times.read += lap.Next();
  } else {
    thumbnail = scanner::MakeThumbnailJpeg(scan.gray);
  }
  // Crops are encoded here, in parallel, so the single writer thread only runs SQL.
  result.record = ToPageRecord(task.file_id, task.page_index, result.aligned, readings, page->streaks,
                               std::move(thumbnail));
  times.encode += lap.Next();
  if (asked_other_side) Remember(task.page_index, std::move(page));
  return result;
}

std::unique_ptr<DecodedPage> PageProcessor::TakeRecent(int index) {
  for (auto it = recent_.begin(); it != recent_.end(); ++it)
    if (it->first == index) {
      std::unique_ptr<DecodedPage> page = std::move(it->second);
      recent_.erase(it);
      return page;
    }
  return nullptr;
}

void PageProcessor::Remember(int index, std::unique_ptr<DecodedPage> page) {
  recent_.emplace_back(index, std::move(page));
  while (recent_.size() > kRecentPages) recent_.pop_front();
}

const DecodedPage* PageProcessor::PageAt(int index) {
  for (auto& [i, page] : recent_)
    if (i == index) {
      if (!page->anchors_read) {
        page->aligned = scanner::AlignPage(page->scan, catalog_, options_.align);
        page->anchors_read = true;
      }
      return page.get();
    }
  auto scan = reader_->ReadPage(index);
  if (!scan.ok()) return nullptr;
  auto page = std::make_unique<DecodedPage>();
  page->scan = std::move(*scan);
  page->streaks = scanner::RemoveScannerStreaks(page->scan.gray);
  page->aligned = scanner::AlignPage(page->scan, catalog_, options_.align);
  page->anchors_read = true;
  Remember(index, std::move(page));
  return recent_.back().second.get();
}

std::vector<core::PageKey> PageProcessor::NeighboursSheet(int index) {
  std::vector<core::PageKey> keys;
  for (int j : {index - 1, index + 1}) {
    if (j < 0 || j >= reader_->page_count()) continue;
    const DecodedPage* near = PageAt(j);
    if (!near || near->aligned.status != scanner::AlignStatus::kOk) continue;
    const core::PageKey& k = near->aligned.key;
    const templates::Layout* layout = catalog_.Find(k.template_id, k.version);
    if (!layout) continue;
    for (const templates::PageLayout& p : layout->pages) {
      const core::PageKey key{k.template_id, k.version, p.page, k.serial};
      if (p.page != k.page && std::find(keys.begin(), keys.end(), key) == keys.end()) keys.push_back(key);
    }
  }
  return keys;
}

std::optional<recognition::OtherSideScan> FindOtherSide(const std::function<const DecodedPage*(int)>& page_at,
                                                        int page_count, int page_index, const core::PageKey& key,
                                                        int page_no) {
  // The partner's side first: page 2 of a leaf is after page 1, page 1 before page 2.
  const int toward = page_no > key.page ? 1 : -1;
  for (int index : {page_index + toward, page_index - toward}) {
    if (index < 0 || index >= page_count) continue;
    const DecodedPage* page = page_at(index);
    if (!page) continue;
    const scanner::AlignedPage& aligned = page->aligned;
    if (aligned.status == scanner::AlignStatus::kOk && aligned.key.template_id == key.template_id &&
        aligned.key.version == key.version && aligned.key.serial == key.serial && aligned.key.page == page_no)
      return recognition::OtherSideScan{page->scan.gray, aligned.mm_to_px};
  }
  return std::nullopt;
}

PagePool::PagePool(const templates::TemplateCatalog& catalog, const IngestOptions& options)
    : window_(std::max(2, options.jobs * 3)) {
  for (int i = 0; i < std::max(1, options.jobs); ++i) {
    workers_.emplace_back([this, &catalog, &options] {
      PageProcessor processor(catalog, options);
      StageSeconds times;
      while (auto task = NextTask()) {
        IngestedPage r = processor.Process(*task, times);
        std::lock_guard lock(mu_);
        done_.emplace(task->seq, DonePage{std::move(*task), std::move(r)});
        done_cv_.notify_all();
      }
      std::lock_guard lock(mu_);
      stage_seconds_ += times;
    });
  }
}

PagePool::~PagePool() { Finish(); }

StageSeconds PagePool::Finish() {
  {
    std::lock_guard lock(mu_);
    closing_ = true;
  }
  task_cv_.notify_all();
  for (auto& t : workers_)
    if (t.joinable()) t.join();
  return stage_seconds_;
}

void PagePool::Submit(PageTask task) {
  task.seq = submitted_++;
  std::lock_guard lock(mu_);
  tasks_.push_back(std::move(task));
  task_cv_.notify_one();
}

DonePage PagePool::TakeNext() {
  std::unique_lock lock(mu_);
  done_cv_.wait(lock, [&] { return done_.count(taken_) > 0; });
  auto node = done_.extract(taken_++);
  return std::move(node.mapped());
}

std::optional<PageTask> PagePool::NextTask() {
  std::unique_lock lock(mu_);
  task_cv_.wait(lock, [&] { return closing_ || !tasks_.empty(); });
  if (tasks_.empty()) return std::nullopt;
  PageTask t = std::move(tasks_.front());
  tasks_.pop_front();
  return t;
}

}  // namespace phieu::pipeline::internal
