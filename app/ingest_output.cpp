// Copyright 2026 The Phiếu Authors
// SPDX-License-Identifier: Apache-2.0
#include "app/ingest_output.h"

#include <unistd.h>

#include <algorithm>
#include <iomanip>
#include <iostream>
#include <sstream>

#include "app/common.h"
#include "pipeline/summary.h"

namespace phieu::app {

void ProgressBar::Update(const pipeline::IngestProgress& p) {
  const bool tty = isatty(STDERR_FILENO);
  const double rate = p.seconds > 0 ? p.pages_done / p.seconds : 0.0;
  const int total = std::max(p.pages_total, p.pages_done);
  if (!tty) {
    int decile = total ? p.pages_done * 10 / total : 10;
    if (decile == last_decile_) return;
    last_decile_ = decile;
  } else if (p.pages_done != total && p.seconds - last_draw_ < 0.1) {
    return;
  }
  last_draw_ = p.seconds;
  const int width = 30;
  int filled = total ? p.pages_done * width / total : width;
  std::ostringstream line;
  line << "[" << std::string(filled, '#') << std::string(width - filled, '.') << "] " << std::setw(6)
       << p.pages_done << "/" << total << " pages  " << std::fixed << std::setprecision(1) << rate
       << " pages/s";
  if (rate > 0 && total > p.pages_done) {
    int eta = static_cast<int>((total - p.pages_done) / rate);
    line << "  ETA " << eta / 60 << ":" << std::setw(2) << std::setfill('0') << eta % 60;
  }
  std::cerr << (tty ? "\r" : "") << line.str() << (tty ? "   " : "\n") << std::flush;
  drawn_ = tty;
}

void ProgressBar::Finish() {
  if (drawn_) std::cerr << "\n";
  drawn_ = false;
}

void PrintNotReadYet(const scanner::FolderWatcher& watcher, const std::string& watch_dir) {
  auto waiting = watcher.pending_files();
  if (waiting.empty()) return;
  std::cout << "\nNot read yet (still being written, or not readable so far): " << waiting.size() << " file"
            << (waiting.size() == 1 ? "" : "s") << "\n";
  for (const auto& f : waiting) {
    std::error_code ec;
    std::filesystem::path shown = std::filesystem::relative(f, watch_dir, ec);
    std::cout << "  " << (ec || shown.empty() ? f : shown).string() << "\n";
  }
}

BatchLog::BatchLog(store::Store& store, const store::BatchRecord& start, std::mutex* writer_lock)
    : store_(store), lock_(writer_lock), last_write_(std::chrono::steady_clock::now()) {
  Write([&] {
    auto id = store_.BeginBatch(start);
    if (id.ok()) id_ = *id;
    return id.ok() ? core::Status() : core::Status(id.error());
  });
}

BatchLog::BatchLog(store::Store& store, std::int64_t batch_id, std::mutex* writer_lock)
    : store_(store), lock_(writer_lock), id_(batch_id), last_write_(std::chrono::steady_clock::now()) {}

template <class F>
void BatchLog::Write(F&& f) {
  core::Status st;
  if (lock_) {
    std::lock_guard lock(*lock_);
    st = f();
  } else {
    st = f();
  }
  last_write_ = std::chrono::steady_clock::now();
  if (!st.ok() && !warned_) {
    warned_ = true;
    std::cerr << "phieu: note: the batch record could not be written (" << st.error().message
              << "); the pages themselves are stored\n";
  }
}

void BatchLog::Progress(const pipeline::IngestProgress& p) {
  if (id_ == 0) return;
  const bool last = p.pages_total > 0 && p.pages_done >= p.pages_total;
  if (!last && std::chrono::steady_clock::now() - last_write_ < std::chrono::seconds(1)) return;
  Write([&] { return store_.UpdateBatchProgress(id_, p.pages_done, p.pages_total); });
}

void BatchLog::Touch() {
  if (id_ == 0) return;
  if (std::chrono::steady_clock::now() - last_write_ < std::chrono::seconds(store::kBatchHeartbeatSeconds)) return;
  Write([&] { return store_.TouchBatches({id_}); });
}

void BatchLog::Finish(const pipeline::IngestSummary& summary, const store::SurveyStatus* status,
                      int exit_code) {
  if (id_ == 0) return;
  store::BatchEnd end{.state = summary.stopped ? "interrupted" : "finished",
                      .summary_json = pipeline::SummaryToJson(summary, status),
                      .summary_text = pipeline::FormatSummary(summary, status),
                      .exit_code = exit_code,
                      .error = ""};
  Write([&] { return store_.FinishBatch(id_, end); });
}

void BatchLog::Fail(const std::string& error) {
  if (id_ == 0) return;
  Write([&] {
    return store_.FinishBatch(id_, {.state = "failed", .summary_json = "", .summary_text = "",
                                    .exit_code = kExitFailed, .error = error});
  });
}

}  // namespace phieu::app
