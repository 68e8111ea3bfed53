// Copyright 2026 The Phiếu Authors
// SPDX-License-Identifier: Apache-2.0
// Reread: stored pages read again from their kept originals, through the same workers as
// Ingest, and written over their old reading in place.
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <map>
#include <set>
#include <string>
#include <system_error>

#include "pipeline/pipeline.h"
#include "workers.h"

namespace phieu::pipeline {
namespace {

namespace fs = std::filesystem;
using internal::Clock;
using internal::PagePool;
using internal::ScratchDir;

// Pages a clerk set aside settling a conflict (docs/conflicts.md): never read again by default;
// the store keeps them as they are even when asked.
bool SetAside(const std::string& status) { return status == "duplicate" || status == "replaced"; }

// The stored pages `filter` selects, by scan file then page; Error naming a --file that
// matches no stored scan file.
core::Result<std::vector<store::StoredPage>> Select(store::Store& store, const RereadFilter& filter) {
  core::Result<std::vector<store::StoredPage>> all = std::vector<store::StoredPage>{};
  if (filter.files.empty() && !filter.page_ids.empty()) {
    // Pages named by id (RereadPage, the desk): those rows only, not the whole survey.
    for (const std::int64_t id : std::set<std::int64_t>(filter.page_ids.begin(), filter.page_ids.end())) {
      auto one = store.FindStoredPage(id);
      if (!one.ok()) return one.error();
      if (*one) all->push_back(std::move(**one));
    }
  } else {
    all = store.ListStoredPages();
  }
  if (!all.ok()) return all.error();
  std::vector<std::set<std::int64_t>> by_file(filter.files.size());  // file ids per --file
  std::set<std::int64_t> file_ids;
  for (size_t i = 0; i < filter.files.size(); ++i) {
    const fs::path& f = filter.files[i];
    std::error_code ec;
    std::string sha;
    if (fs::is_regular_file(f, ec)) {
      auto hashed = store::Sha256HexOfFile(f);
      if (!hashed.ok()) return hashed.error();
      sha = *hashed;
    }
    for (const auto& p : *all) {
      const bool by_name = p.file_path == f.string() ||
                           (!f.has_parent_path() && fs::path(p.file_path).filename() == f.filename());
      if ((!sha.empty() && p.sha256 == sha) || (sha.empty() && by_name)) by_file[i].insert(p.file_id);
    }
    if (by_file[i].empty())
      return core::MakeError("not_found", f.string() + ": no page of this scan file is stored in the survey");
    file_ids.insert(by_file[i].begin(), by_file[i].end());
  }
  const std::set<std::int64_t> ids(filter.page_ids.begin(), filter.page_ids.end());
  const std::set<std::string> statuses(filter.statuses.begin(), filter.statuses.end());
  std::vector<store::StoredPage> out;
  for (auto& p : *all) {
    if (!ids.empty() && !ids.count(p.page_id)) continue;
    if (!file_ids.empty() && !file_ids.count(p.file_id)) continue;
    if (statuses.empty() ? ids.empty() && (store::IsIdentifiedStatus(p.status) || SetAside(p.status)) : !statuses.count(p.status))
      continue;
    out.push_back(std::move(p));
  }
  std::stable_sort(out.begin(), out.end(), [](const auto& a, const auto& b) {
    return a.file_id != b.file_id ? a.file_id < b.file_id : a.page_index < b.page_index;
  });
  return out;
}

void Replace(std::string& text, const std::string& from, const std::string& to) {
  if (from.empty()) return;
  for (size_t at = text.find(from); at != std::string::npos; at = text.find(from, at + to.size()))
    text.replace(at, from.size(), to);
}

}  // namespace

core::Result<RereadSummary> Reread(store::Store& store, const templates::TemplateCatalog& catalog,
                                   const RereadFilter& filter, const IngestOptions& options) {
  const auto start = Clock::now();
  auto selected = Select(store, filter);
  if (!selected.ok()) return selected.error();
  RereadSummary summary;
  if (selected->empty()) return summary;
  ScratchDir scratch;
  if (scratch.error())
    return core::MakeError("io", scratch.path().string() + ": cannot create a folder for the originals (" +
                                     scratch.error().message() + ")");
  auto stopping = [&] { return options.stop && options.stop->load(); };

  std::map<std::int64_t, const store::StoredPage*> by_id;
  for (const auto& p : *selected) by_id[p.page_id] = &p;
  std::map<std::int64_t, int> pages_left;  // file id -> pages in flight or still to submit
  for (const auto& p : *selected) ++pages_left[p.file_id];
  core::Status failure;

  PagePool pool(catalog, options);
  auto store_next = [&] {
    internal::DonePage done = pool.TakeNext();
    const store::StoredPage& stored = *by_id.at(done.task.page_id);
    if (--pages_left[stored.file_id] == 0) {
      std::error_code ec;
      fs::remove(done.task.file, ec);  // this file's pages are all back: its copy can go
    }
    store::PageRecord& record = done.page.record;
    Replace(record.reason, done.task.file.string(), stored.file_path);
    if (done.page.aligned.status == scanner::AlignStatus::kUnreadable) {
      // The kept original does not decode (any more): the page stays as it was.
      summary.errors.push_back(record.reason);
      return;
    }
    auto change = store.ReplacePageReading(stored.page_id, record);
    if (!change.ok()) {
      failure = change.error();
      return;
    }
    ++summary.pages;
    const std::string& now = change->status;
    if (change->kept_previous) ++summary.pages_kept_previous;
    else if (now == "ok" && !store::IsIdentifiedStatus(stored.status)) ++summary.pages_now_identified;
    if (now == "conflict" && !change->kept_previous) ++summary.conflicts;
    if (!store::IsIdentifiedStatus(now)) {
      ++summary.pages_still_unidentified;
      ++summary.still_unidentified_reasons[now];
    }
    summary.readings_added += change->readings_added;
    summary.readings_changed += change->readings_changed;
    summary.review_items_opened += change->review_items_opened;
    summary.review_items_closed += change->review_items_closed;
    summary.outcomes.push_back({.page_id = stored.page_id, .file = stored.file_path,
                                .page_index = stored.page_index, .status_before = stored.status,
                                .change = *change});
  };

  std::int64_t copied_file = 0;
  fs::path copy;
  for (size_t i = 0; i < selected->size() && failure.ok(); ++i) {
    const store::StoredPage& p = (*selected)[i];
    if (stopping()) break;
    if (p.file_id != copied_file) {
      copied_file = p.file_id;
      // The copy is named after the original, so a reader's message stays recognisable.
      copy = scratch.path() / (std::to_string(p.file_id) + "-" + fs::path(p.file_path).filename().string());
      auto st = store.CopyScanOriginal(p.file_id, copy);
      if (!st.ok()) {
        if (st.error().code != "not_found" && st.error().code != "io") return st.error();
        // Skip this file's pages: nothing to read them from.
        int skipped = 0;
        while (i + 1 < selected->size() && (*selected)[i + 1].file_id == p.file_id) ++i, ++skipped;
        pages_left[p.file_id] -= skipped + 1;
        summary.errors.push_back(p.file_path + ": " + st.error().message);
        continue;
      }
    }
    while (pool.Full() && failure.ok()) store_next();
    pool.Submit({.file = copy, .file_id = p.file_id, .page_index = p.page_index, .page_id = p.page_id});
  }
  while (!pool.Empty() && failure.ok()) store_next();
  if (!failure.ok()) return failure.error();
  summary.stopped = stopping() && summary.pages + static_cast<int>(summary.errors.size()) <
                                      static_cast<int>(selected->size());
  std::sort(summary.outcomes.begin(), summary.outcomes.end(),
            [](const auto& a, const auto& b) { return a.page_id < b.page_id; });
  summary.seconds = std::chrono::duration<double>(Clock::now() - start).count();
  return summary;
}

core::Result<RereadPageOutcome> RereadPage(store::Store& store,
                                           const templates::TemplateCatalog& catalog,
                                           std::int64_t page_id, const IngestOptions& options) {
  IngestOptions one = options;
  one.jobs = 1;
  auto summary = Reread(store, catalog, RereadFilter{.statuses = {}, .files = {}, .page_ids = {page_id}}, one);
  if (!summary.ok()) return summary.error();
  if (!summary->errors.empty()) return core::MakeError("unreadable", summary->errors.front());
  if (summary->outcomes.empty())
    return core::MakeError("not_found", "no stored page with id " + std::to_string(page_id));
  return summary->outcomes.front();
}

}  // namespace phieu::pipeline
