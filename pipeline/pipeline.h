// Copyright 2026 The Phiếu Authors
// SPDX-License-Identifier: Apache-2.0
// The reading pipeline: scan files (or pages already stored) -> identified, aligned, read
// pages -> the survey store. `phieu ingest`, `phieu reread` and the server call it.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "core/result.h"
#include "recognition/recognition.h"
#include "scanner/scanner.h"
#include "store/store.h"
#include "templates/layout.h"

namespace phieu::pipeline {

/// How far a run is; handed to IngestOptions::on_progress.
struct IngestProgress {
  int pages_done = 0;
  int pages_total = 0;     ///< pages to read this run (known after the first pass).
  double seconds = 0.0;
};

/// One page as the pipeline read it: what the store keeps, and the scanner's view of it (which
/// file it came from, its status), for the benchmarks that compare pages with their truth.
struct IngestedPage {
  scanner::AlignedPage aligned;
  store::PageRecord record;
};

/// Options of Ingest and Reread; every default is what `phieu ingest` uses without flags
/// (except `jobs`, which the command sets to the number of cores).
struct IngestOptions {
  /// Worker threads (decode, align, read). Pages are stored in input order whatever the count.
  int jobs = 1;
  scanner::AlignOptions align;        ///< scanner defaults.
  scanner::ScanLimits limits;         ///< what one scan file may claim (README "Limits").
  recognition::ReadOptions read;      ///< recognition defaults; OCR: one lazy engine per worker.
  /// Called on the calling thread after each stored page. Default: none.
  std::function<void(const IngestProgress&)> on_progress;
  /// Called on the calling thread with every page as stored (benchmarks compare it to truth).
  /// Default: none.
  std::function<void(const IngestedPage&, store::PageDisposition)> on_page;
  /// When set and true, no new page is started; pages in hand are finished and stored, and the
  /// summary says `stopped`. Running the same call again finishes the batch. Default: none.
  const std::atomic<bool>* stop = nullptr;
  /// When set, held around each store write of Ingest (one page, one file begun or finished)
  /// and AssignPage, never while pages are read: a server whose other requests write the same survey through
  /// their own connections serialises them with this mutex. Default: none (the caller is the
  /// survey's only writer in this process).
  std::mutex* writer_lock = nullptr;
};

/// Where a batch's time went, summed over workers (wall time of each stage on its thread).
struct StageSeconds {
  double decode = 0.0;   ///< opening files and decoding page images.
  double streaks = 0.0;  ///< finding and painting out scanner streaks.
  double align = 0.0;    ///< QR anchors, identification, alignment.
  double read = 0.0;     ///< boxes, digits and text areas (OCR included).
  double encode = 0.0;   ///< crops and thumbnails to PNG/JPEG.
  double store = 0.0;    ///< the writer: hashing, keeping originals, SQL (the calling thread).
  StageSeconds& operator+=(const StageSeconds& o) {
    decode += o.decode, streaks += o.streaks, align += o.align, read += o.read;
    encode += o.encode, store += o.store;
    return *this;
  }
};

/// The batch summary: what one Ingest call did, as a value (the CLI prints it, the server
/// returns it to a scan station).
struct IngestSummary {
  int files = 0;               ///< scan files given.
  int files_skipped = 0;       ///< already ingested completely (same SHA-256).
  int files_unreadable = 0;
  int pages_read = 0;          ///< pages processed and stored this run.
  int pages_unreadable = 0;    ///< of those, pages whose image could not be decoded (kept).
  /// Pages processed here but stored first by another ingest sharing the survey (not counted
  /// in pages_read or any other count).
  int pages_stored_by_others = 0;
  int pages_identified = 0;
  int pages_unidentified = 0;
  int conflicts = 0;
  int review_items = 0;        ///< fields sent to review this run.
  /// Required box questions left plainly blank, recorded as unanswered without review
  /// (recognition::kRequiredLeftBlank), this run.
  int required_left_blank = 0;
  std::map<std::string, int> unidentified_reasons;  ///< AlignStatusName -> pages.
  int pages_with_streaks = 0;  ///< pages a scanner streak was painted out of (dirty glass).
  /// Where those streaks ran, to 10 px ("x 1570" down the image, "y 750" across it), and on
  /// how many pages.
  std::map<std::string, int> streak_positions;
  std::vector<std::string> errors;  ///< one line per unreadable file or page, naming it.
  double seconds = 0.0;
  StageSeconds stages;         ///< per-stage cost, for benchmarks and profiling.
  bool stopped = false;        ///< interrupted before every page was read.

  /// Adds another run's counts (watch mode runs the pipeline once per file). Stage times are
  /// not added: they describe one run.
  IngestSummary& operator+=(const IngestSummary& other);
};

/// Ingests the given files. Store calls happen on the calling thread only (the single
/// writer); each page is committed in its own transaction, so a stopped or killed run resumes
/// where it stopped, and a file already stored completely (same SHA-256) is skipped. Pages are
/// stored in the order of `files` and of the pages in each file, whatever `options.jobs`.
/// Two pipelines sharing one survey store each page once (the second counts it in
/// pages_stored_by_others). Environment failures of the store stop the run (Error); bad scans
/// never do: an unreadable file or page is kept with its reason and the batch goes on.
core::Result<IngestSummary> Ingest(store::Store& store, const templates::TemplateCatalog& catalog,
                                   const std::vector<std::filesystem::path>& files,
                                   const IngestOptions& options);

// --- reading stored pages again --------------------------------------------------------------

/// Which stored pages Reread reads again. Filters combine with AND; an empty one lets all pass.
struct RereadFilter {
  /// Page statuses (scanner::AlignStatusName, or "conflict"). Default (empty): every page that
  /// is not identified, i.e. any status except "ok" and "conflict".
  std::vector<std::string> statuses;
  /// Only pages of these scan files: a file that exists is matched by its content (SHA-256),
  /// any other name by the path stored at ingest or its file name. Default: every file.
  std::vector<std::filesystem::path> files;
  /// Only these pages (store page ids); any status when set. Default: every page.
  std::vector<std::int64_t> page_ids;
};

/// What reading one stored page again changed (store::RereadChange, plus the page).
struct RereadPageOutcome {
  std::int64_t page_id = 0;
  std::string file;            ///< the scan file's stored path.
  int page_index = 0;          ///< 0-based, within that file.
  std::string status_before;   ///< the page's status before, e.g. "unknown_template".
  store::RereadChange change;  ///< the status after, readings changed, review items opened.
};

/// What a Reread call did.
struct RereadSummary {
  int pages = 0;                  ///< pages read again.
  int pages_now_identified = 0;   ///< unidentified before, identified ("ok") now.
  int pages_still_unidentified = 0;
  int pages_kept_previous = 0;    ///< identified before; this reading was not better, kept.
  int conflicts = 0;              ///< pages that are (now) conflicts with another scan.
  int readings_added = 0;         ///< field readings on pages that had none.
  int readings_changed = 0;       ///< field readings whose value or review flag changed.
  int review_items_opened = 0;
  int review_items_closed = 0;    ///< untouched open items the new reading no longer needs.
  std::map<std::string, int> still_unidentified_reasons;  ///< status -> pages.
  std::vector<RereadPageOutcome> outcomes;  ///< one per page read again, in page-id order.
  std::vector<std::string> errors;          ///< pages that could not be read again, named.
  double seconds = 0.0;
  bool stopped = false;           ///< options.stop ended the run early.
};

/// Reads the stored pages selected by `filter` again from their stored originals (the store
/// keeps every scan file's bytes), with the templates of `catalog`, and replaces each page's
/// reading in place (store::Store::ReplacePageReading): reviewers' decisions and the audit are
/// never touched, no page is duplicated. Runs on `options.jobs` workers; store calls happen on
/// the calling thread, scan file by scan file and page by page, each page in its own
/// transaction (a stopped run leaves every page either read again or as it was). A page that
/// cannot be decoded stays as it was and is named in `errors`. A `filter.files` entry that
/// matches no stored scan file is an Error "not_found" naming it; environment failures of the
/// store stop the run (Error). `options.on_page` and `on_progress` are not called.
core::Result<RereadSummary> Reread(store::Store& store, const templates::TemplateCatalog& catalog,
                                   const RereadFilter& filter, const IngestOptions& options);

/// Reads ONE stored page again (the clerk's desk, after a template is registered or a page is
/// assigned by hand), as Reread with `page_ids = {page_id}`. Error "not_found" when the survey
/// has no such page, and the page's decode problem as an Error when it cannot be read.
core::Result<RereadPageOutcome> RereadPage(store::Store& store,
                                           const templates::TemplateCatalog& catalog,
                                           std::int64_t page_id, const IngestOptions& options = {});

// --- a page named by hand (the clerk's desk) -------------------------------------------------

/// A point on a stored page image as a share of its width and height (0..1 each, origin
/// top-left): the image as its scan file holds it, before any turning, as the desk shows it.
struct ImagePoint {
  double x = 0.0;
  double y = 0.0;
};

/// What a clerk says about an unidentified page.
struct PageAssignment {
  core::Serial serial = 0;  ///< a sheet of the survey (printed by `phieu print`, or read already).
  int page = 0;             ///< 1-based page of that sheet's template.
  /// Where the clerk clicked the centres of the four printed QR anchor squares, clockwise round
  /// the form from its top-left one (beside the title). Not set: the page is aligned from its
  /// printed box grid.
  std::optional<std::array<ImagePoint, 4>> anchor_centres;
  store::Actor by;          ///< who assigns, from which screen and address (audit row).
};

/// What AssignPage did.
struct AssignOutcome {
  std::int64_t page_id = 0;
  core::Serial serial = 0;
  int page = 0;
  std::string method;          ///< "grid" or "points".
  /// "ok", or "conflict" when that sheet page was already stored from another scan (the page is
  /// kept beside it for the desk's conflicts, as at ingest; nothing is overwritten).
  std::string status;
  double residual_mm = 0.0;    ///< RMS of the matched printed boxes (0 from four points alone).
  store::RereadChange change;  ///< readings added, review items opened.
};

/// Names unidentified page `page_id` as page `assignment.page` of sheet `assignment.serial`
/// (its template and unit are the sheet's), aligns it from its printed box grid or from the four
/// points (scanner::AlignPageByGrid / AlignPageByPoints) on its stored original, reads it as
/// ingest reads every page (same recognition, same review rules) and stores the reading with
/// that identity and an audit row (store::Store::AssignPageByHand). The image work runs outside
/// `options.writer_lock`, which is held only for that write. Errors, nothing changed:
/// "not_found" (no such page); "identified" (the page is identified already); "changed" (someone
/// assigned the page or set it aside while it was being read); "invalid" (the
/// serial is not a sheet of the survey, its template is not in `catalog`, the page is not one of the template);
/// "unaligned" (the box grid was not found, the points make no page: the message says why);
/// "unreadable" (the stored original cannot be decoded); store failures as they come.
core::Result<AssignOutcome> AssignPage(store::Store& store, const templates::TemplateCatalog& catalog,
                                       std::int64_t page_id, const PageAssignment& assignment,
                                       const IngestOptions& options = {});

}  // namespace phieu::pipeline
