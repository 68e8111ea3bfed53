// Copyright 2026 The Phiếu Authors
// SPDX-License-Identifier: Apache-2.0
// Ingest: scan files -> the survey store, through the workers of workers.h.
#include <malloc.h>

#include <algorithm>
#include <chrono>
#include <future>
#include <map>
#include <string>

#include "pipeline/pipeline.h"
#include "workers.h"

namespace phieu::pipeline {

using internal::Clock;
using internal::Lap;
using internal::PagePool;

IngestSummary& IngestSummary::operator+=(const IngestSummary& s) {
  files += s.files;
  files_skipped += s.files_skipped;
  files_unreadable += s.files_unreadable;
  pages_read += s.pages_read;
  pages_unreadable += s.pages_unreadable;
  pages_stored_by_others += s.pages_stored_by_others;
  pages_identified += s.pages_identified;
  pages_unidentified += s.pages_unidentified;
  conflicts += s.conflicts;
  review_items += s.review_items;
  required_left_blank += s.required_left_blank;
  for (const auto& [reason, n] : s.unidentified_reasons) unidentified_reasons[reason] += n;
  pages_with_streaks += s.pages_with_streaks;
  for (const auto& [where, n] : s.streak_positions) streak_positions[where] += n;
  errors.insert(errors.end(), s.errors.begin(), s.errors.end());
  seconds += s.seconds;
  stopped = stopped || s.stopped;
  return *this;
}

core::Result<IngestSummary> Ingest(store::Store& store, const templates::TemplateCatalog& catalog,
                                   const std::vector<std::filesystem::path>& files,
                                   const IngestOptions& options) {
  const auto start = Clock::now();
  IngestSummary summary;
  summary.files = static_cast<int>(files.size());
  auto stopping = [&] { return options.stop && options.stop->load(); };
  // Every store write goes through here: under the caller's writer lock when there is one.
  auto write = [&](auto&& f) {
    if (!options.writer_lock) return f();
    std::lock_guard lock(*options.writer_lock);
    return f();
  };

  // First pass: page counts, for the progress bar (opening a file does not decode pages).
  IngestProgress progress;
  std::vector<int> page_counts(files.size(), -1);
  std::vector<std::string> open_errors(files.size());
  for (size_t i = 0; i < files.size(); ++i) {
    auto reader = scanner::OpenScanFile(files[i], options.limits);
    if (reader.ok()) {
      page_counts[i] = (*reader)->page_count();
      progress.pages_total += page_counts[i];
    } else {
      open_errors[i] = reader.error().message;
    }
  }

  PagePool pipeline(catalog, options);
  std::map<std::int64_t, int> pages_left;  // file id -> pages not yet stored
  core::Status failure;

  auto store_next = [&]() -> bool {
    IngestedPage page = std::move(pipeline.TakeNext().page);
    Lap lap;
    auto disposition = write([&] { return store.SavePage(page.record); });
    summary.stages.store += lap.Next();
    if (!disposition.ok()) {
      failure = disposition.error();
      return false;
    }
    if (*disposition == store::PageDisposition::kAlreadyStored) {
      // Another ingest of the same files, at the same time, stored it first: not ours to count.
      ++summary.pages_stored_by_others;
    } else {
      ++summary.pages_read;
    }
    if (!page.record.streaks.empty() && *disposition != store::PageDisposition::kAlreadyStored)
      ++summary.pages_with_streaks;
    for (const auto& streak : page.record.streaks) {
      if (*disposition == store::PageDisposition::kAlreadyStored) break;
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
      case store::PageDisposition::kAlreadyStored:
        break;  // counted above
      case store::PageDisposition::kUnidentified:
        ++summary.pages_unidentified;
        ++summary.unidentified_reasons[scanner::AlignStatusName(page.aligned.status)];
        if (page.aligned.status == scanner::AlignStatus::kUnreadable) {
          ++summary.pages_unreadable;
          summary.errors.push_back(page.aligned.reason);
        }
        break;
    }
    if (--pages_left[page.record.file_id] == 0) {
      Lap finish;
      auto st = write([&] { return store.FinishScanFile(page.record.file_id); });
      summary.stages.store += finish.Next();
      if (!st.ok()) {
        failure = st;
        return false;
      }
    }
    progress.pages_done = summary.pages_read + summary.pages_stored_by_others;
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
      auto st = write([&] { return store.RecordUnreadableFileFromDisk(sha, file, open_errors[i]); });
      if (!st.ok() && st.error().code == "io") summary.errors.push_back(st.error().message);
      else if (!st.ok()) return st.error();
      continue;
    }
    Lap begin;
    auto state = write([&] { return store.BeginScanFileFromDisk(sha, file, page_counts[i]); });
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
      auto st = write([&] { return store.FinishScanFile(state->file_id); });
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
  summary.stopped = stopping() && summary.pages_read + summary.pages_stored_by_others < progress.pages_total;
  summary.seconds = std::chrono::duration<double>(Clock::now() - start).count();
  return summary;
}

}  // namespace phieu::pipeline
