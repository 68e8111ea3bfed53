// Copyright 2026 The Phiếu Authors
// SPDX-License-Identifier: Apache-2.0
// AssignPage: an unidentified page named by a clerk, aligned without its QR anchors, read by
// the same worker as every ingested page and stored with its new identity.
#include <filesystem>
#include <mutex>
#include <string>

#include "pipeline/pipeline.h"
#include "workers.h"

namespace phieu::pipeline {
namespace {

namespace fs = std::filesystem;

}  // namespace

core::Result<AssignOutcome> AssignPage(store::Store& store, const templates::TemplateCatalog& catalog,
                                       std::int64_t page_id, const PageAssignment& assignment,
                                       const IngestOptions& options) {
  // Read without the writer lock: decoding, aligning and reading the page take ~0.3-1 s, and
  // other writers (reviewers' decisions, an ingest) must not wait for them. The store checks at
  // the write that the page is still as read here.
  auto found = store.FindStoredPage(page_id);
  if (!found.ok()) return found.error();
  if (!*found) return core::MakeError("not_found", "no stored page with id " + std::to_string(page_id));
  const store::StoredPage* stored = &**found;
  if (store::IsSheetPageStatus(stored->status))
    return core::MakeError("identified", "page " + std::to_string(page_id) + " is identified already (" +
                                          stored->status + "): only an unidentified page is assigned by hand");
  auto sheet = store.FindSheet(assignment.serial);
  if (!sheet.ok()) return sheet.error();
  if (!*sheet)
    return core::MakeError("invalid", "sheet " + std::to_string(assignment.serial) + " is not in this survey");
  const templates::Layout* layout = catalog.Find((*sheet)->template_id, (*sheet)->version);
  if (!layout)
    return core::MakeError("invalid", "sheet " + std::to_string(assignment.serial) + " is of template " +
                                          (*sheet)->template_id + " version " +
                                          std::to_string((*sheet)->version) + ", which is not registered");
  if (!layout->FindPage(assignment.page))
    return core::MakeError("invalid", "sheet " + std::to_string(assignment.serial) + " has pages 1 to " +
                                          std::to_string(layout->pages.size()) + ", not " +
                                          std::to_string(assignment.page));
  if (assignment.anchor_centres)
    for (const ImagePoint& p : *assignment.anchor_centres)
      if (!(p.x >= 0 && p.x <= 1 && p.y >= 0 && p.y <= 1))
        return core::MakeError("unaligned", "every point must lie on the page image");

  internal::ScratchDir scratch;
  if (scratch.error())
    return core::MakeError("io", scratch.path().string() + ": cannot create a folder for the original (" +
                                     scratch.error().message() + ")");
  const fs::path copy = scratch.path() / fs::path(stored->file_path).filename();
  if (auto st = store.CopyScanOriginal(stored->file_id, copy); !st.ok()) return st.error();

  const core::PageKey key{(*sheet)->template_id, (*sheet)->version, assignment.page, assignment.serial};
  const std::string method = assignment.anchor_centres ? "points" : "grid";
  IngestOptions one = options;
  one.jobs = 1;
  internal::PageTask task{.file = copy, .file_id = stored->file_id, .page_index = stored->page_index,
                          .page_id = page_id, .align = nullptr};
  task.align = [&](const scanner::Scan& scan) {
    if (!assignment.anchor_centres) return scanner::AlignPageByGrid(scan, key, *layout);
    std::array<cv::Point2d, 4> px;
    for (size_t i = 0; i < 4; ++i) {
      const ImagePoint& p = (*assignment.anchor_centres)[i];
      // The image's pixel centres run from 0 to cols-1: a share of the width is a place on it.
      px[i] = {p.x * scan.gray.cols - 0.5, p.y * scan.gray.rows - 0.5};
    }
    return scanner::AlignPageByPoints(scan, key, *layout, px);
  };
  internal::PagePool pool(catalog, one);
  pool.Submit(std::move(task));
  internal::DonePage done = pool.TakeNext();
  const scanner::AlignedPage& aligned = done.page.aligned;
  if (aligned.status == scanner::AlignStatus::kUnreadable) {
    std::string reason = aligned.reason;
    if (auto at = reason.find(copy.string()); at != std::string::npos)
      reason.replace(at, copy.string().size(), stored->file_path);
    return core::MakeError("unreadable", reason);
  }
  if (aligned.status != scanner::AlignStatus::kOk)
    return core::MakeError("unaligned", "page " + std::to_string(page_id) + " could not be aligned as sheet " +
                                            std::to_string(assignment.serial) + " page " +
                                            std::to_string(assignment.page) + ": " + aligned.reason);
  const store::HandAssignment how{.method = method, .by = assignment.by, .seen = *stored};
  auto change = [&] {
    if (!options.writer_lock) return store.AssignPageByHand(page_id, done.page.record, how);
    std::lock_guard lock(*options.writer_lock);
    return store.AssignPageByHand(page_id, done.page.record, how);
  }();
  if (!change.ok()) return change.error();
  return AssignOutcome{.page_id = page_id, .serial = assignment.serial, .page = assignment.page,
                       .method = method, .status = change->status,
                       .residual_mm = aligned.px_per_mm > 0 ? aligned.residual_px / aligned.px_per_mm : 0.0,
                       .change = *change};
}

}  // namespace phieu::pipeline
