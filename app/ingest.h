// Copyright 2026 The Phiếu Authors
// SPDX-License-Identifier: Apache-2.0
// The ingest pipeline: scan files -> identified, aligned, read pages -> the survey store.
#pragma once

#include <atomic>
#include <filesystem>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "core/result.h"
#include "recognition/recognition.h"
#include "scanner/scanner.h"
#include "app/page_record.h"
#include "store/store.h"
#include "templates/layout.h"

namespace phieu::app {

struct IngestProgress {
  int pages_done = 0;
  int pages_total = 0;     ///< pages to read this run (known after the first pass).
  double seconds = 0.0;
};

/// One page as ingest read it: what the store keeps, and the scanner's view of it (which file
/// it came from, its status), for the benchmarks that compare pages with their truth.
struct IngestedPage {
  scanner::AlignedPage aligned;
  store::PageRecord record;
};

struct IngestOptions {
  int jobs = 1;                       ///< worker threads (decode, align, read).
  scanner::AlignOptions align;
  recognition::ReadOptions read;
  /// Called from the writer thread after each stored page.
  std::function<void(const IngestProgress&)> on_progress;
  /// Called from the writer thread with every page as stored (benchmarks compare it to truth).
  std::function<void(const IngestedPage&, store::PageDisposition)> on_page;
  /// When set and true, no new page is started; pages in hand are finished and stored.
  const std::atomic<bool>* stop = nullptr;
};

/// Where a batch's time went, summed over workers (wall time of each stage on its thread).
struct StageSeconds {
  double decode = 0.0;   ///< opening files and decoding page images.
  double streaks = 0.0;  ///< finding and painting out scanner streaks.
  double align = 0.0;    ///< QR anchors, identification, alignment.
  double read = 0.0;     ///< boxes, digits and text areas (OCR included).
  double encode = 0.0;   ///< crops and thumbnails to PNG/JPEG.
  double store = 0.0;    ///< the writer: hashing, keeping originals, SQL (its own thread).
  StageSeconds& operator+=(const StageSeconds& o) {
    decode += o.decode, streaks += o.streaks, align += o.align, read += o.read;
    encode += o.encode, store += o.store;
    return *this;
  }
};

struct IngestSummary {
  int files = 0;               ///< scan files given.
  int files_skipped = 0;       ///< already ingested completely (same SHA-256).
  int files_unreadable = 0;
  int pages_read = 0;          ///< pages processed and stored this run.
  int pages_identified = 0;
  int pages_unidentified = 0;
  int conflicts = 0;
  int review_items = 0;        ///< fields sent to review this run.
  /// Required box questions left plainly blank, recorded as unanswered without review
  /// (recognition::kRequiredLeftBlank), this run.
  int required_left_blank = 0;
  std::map<std::string, int> unidentified_reasons;
  int pages_with_streaks = 0;  ///< pages a scanner streak was painted out of (dirty glass).
  /// Where those streaks ran, to 10 px ("x 1570" down the image, "y 750" across it), and on
  /// how many pages.
  std::map<std::string, int> streak_positions;
  std::vector<std::string> errors;  ///< one line per unreadable file or page, naming it.
  double seconds = 0.0;
  StageSeconds stages;         ///< per-stage cost, for benchmarks and profiling.
  bool stopped = false;        ///< interrupted before every page was read.
};

/// Ingests the given files. Store calls happen on the calling thread only; each page is
/// committed in its own transaction, so a killed run resumes where it stopped. Environment
/// failures of the store stop the run (Error); bad scans never do.
core::Result<IngestSummary> Ingest(store::Store& store, const templates::TemplateCatalog& catalog,
                                   const std::vector<std::filesystem::path>& files,
                                   const IngestOptions& options);

}  // namespace phieu::app
