// Copyright 2026 The Phiếu Authors
// SPDX-License-Identifier: Apache-2.0
// Acquisition: pages straight from a scanner (SANE), and scan files a scanner drops into a
// watched folder. Both end as ordinary scan files fed to the same ingest pipeline.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include <opencv2/core.hpp>

#include "core/result.h"

namespace phieu::scanner {

// ---------------------------------------------------------------------------------------------
// Scanners through SANE. SANE is not thread-safe: these calls serialise themselves on an
// internal lock, so two threads may call them but they run one after the other. Each call
// initialises SANE and shuts it down again, so no device stays open between calls.
// SANE reads its configuration from SANE_CONFIG_DIR when set (tests point it at a folder
// whose dll.conf enables the built-in `test` backend), otherwise from /etc/sane.d.

/// One device as SANE reports it.
struct ScannerDevice {
  std::string name;    ///< what --scanner takes, e.g. "fujitsu:fi-7160:12345" or "test:0".
  std::string vendor;  ///< e.g. "Fujitsu".
  std::string model;   ///< e.g. "fi-7160".
  std::string type;    ///< e.g. "sheetfed scanner", "flatbed scanner".
};

/// Every device SANE can see (local and, when configured, network). An empty list is not an
/// error. Error only when SANE itself cannot be initialised.
core::Result<std::vector<ScannerDevice>> ListScanners();

struct AcquireOptions {
  /// SANE device name (see ListScanners). Required; an unknown name is an Error naming it.
  std::string device;
  /// Paper source, e.g. "ADF", "Flatbed", "ADF Duplex". Empty keeps the device's default.
  /// Matched against the device's own list: exactly, then by prefix, then by the initials of a
  /// multi-word value ("ADF" picks "Automatic Document Feeder"), case-insensitively. No match
  /// is an Error listing the values the device offers.
  std::string source;
  /// Resolution in dots per inch. The nearest value the device supports is used; the page
  /// callback receives the resolution actually set.
  int dpi = 300;
  /// Scan mode, matched like `source` ("Gray", "Color", "Lineart"). Pages are always handed
  /// over as 8-bit gray whatever the mode. Ignored when the device has no mode option.
  std::string mode = "Gray";
  /// Bits per sample (1, 8, 16) when the device has a "depth" option; 0 keeps its default.
  int depth = 0;
  /// Stop after this many pages; 0 = until the feeder is empty (one page from a flatbed).
  int max_pages = 0;
  /// When set and true, no new page is started; the page being read is finished first.
  const std::atomic<bool>* stop = nullptr;
};

/// Receives each acquired page: CV_8UC1, 0 = black, and its resolution in dpi (0 when the
/// device does not say). An Error stops the scan and is returned by AcquirePages.
using PageSink = std::function<core::Status(cv::Mat gray, double dpi)>;

/// How a scan run ended.
struct AcquireReport {
  int pages = 0;              ///< pages handed to the sink.
  std::string source;         ///< the device's source value used ("Automatic Document Feeder"), or "".
  double dpi = 0.0;           ///< resolution actually set; 0 when the device has no such option.
  bool feeder_empty = false;  ///< ended because the document feeder ran out (the normal end).
  bool stopped = false;       ///< ended by AcquireOptions::stop.
};

/// Scans with `options` and hands every page to `on_page`, in feed order. From a document
/// feeder it reads page after page until the feeder is empty (a normal end once at least one
/// page was read); from any other source it reads one page. Errors name the device and the
/// problem: no such device, cover open, paper jammed, feeder empty before the first page, an
/// unsupported frame format (three-pass colour). Pages handed over before an error stay
/// handed over (the sink has them); the Error does not say how many there were, so count them
/// in the sink when that matters.
core::Result<AcquireReport> AcquirePages(const AcquireOptions& options, const PageSink& on_page);

/// Writes `gray` (CV_8UC1) as a lossless grayscale PNG that records `dpi` in its pHYs chunk
/// (nothing recorded when dpi <= 0), so the ingest pipeline reads the right resolution back.
/// `source_note` (Latin-1 text, e.g. "test:0, page 3 of scan 20260114-093012"), when not empty,
/// goes into a tEXt "Source" chunk: provenance for a person, and it keeps two pages with the
/// same pixels (blank backs in line-art mode) from having the same SHA-256, which the store
/// would take for one file scanned twice. The file is written under a temporary name and
/// renamed, so a watcher never sees it half written. Error names the path.
core::Status WriteScanPng(const std::filesystem::path& path, const cv::Mat& gray, double dpi,
                          const std::string& source_note = "");

// ---------------------------------------------------------------------------------------------
// Watched folder.

struct WatchOptions {
  /// A file counts as written once its size and modification time have not changed for this
  /// long and it opens with every page decoding.
  double settle_s = 2.0;
  /// A file that is stable but still does not decode is retried until it has been stable this
  /// long; then it is reported anyway, so the pipeline records it as unreadable.
  double give_up_s = 60.0;
};

/// Finds scan files (.tif .tiff .pdf .jpg .jpeg .png, any case; hidden files skipped) that a
/// scanner writes into a folder and its subfolders, and reports each one once it is complete.
/// It remembers each file's path, size and mtime: an unchanged file is never reported or
/// decoded twice; a file that is rewritten (new size or mtime) is reported again. Not
/// thread-safe. Polling, not inotify: portable and cheap at about one poll per second.
class FolderWatcher {
 public:
  FolderWatcher(std::filesystem::path dir, double settle_s);
  FolderWatcher(std::filesystem::path dir, const WatchOptions& options);

  /// Files that became complete since the last call, sorted by path. A folder that cannot be
  /// listed (removed, no permission) yields nothing this time.
  std::vector<std::filesystem::path> Poll();

  /// Files seen but not reported yet (still being written, or not decoding yet).
  int pending() const;
  /// The same files by path, sorted: what to tell the clerk when watching stops.
  std::vector<std::filesystem::path> pending_files() const;

  /// Poll() with a given "now", so tests need not sleep.
  std::vector<std::filesystem::path> PollAtForTesting(std::chrono::steady_clock::time_point now);

 private:
  struct Entry {
    std::uintmax_t size = 0;
    std::filesystem::file_time_type mtime;
    std::chrono::steady_clock::time_point stable_since;  ///< when size/mtime last changed.
    std::chrono::steady_clock::time_point next_try;       ///< earliest next decode attempt.
    bool reported = false;
  };

  std::filesystem::path dir_;
  WatchOptions options_;
  std::map<std::filesystem::path, Entry> entries_;
};

/// True when the file opens and every page decodes (and a PDF ends with its %%EOF marker),
/// i.e. it is not a file still being written. Error says why not.
core::Status CheckScanComplete(const std::filesystem::path& path);

}  // namespace phieu::scanner
