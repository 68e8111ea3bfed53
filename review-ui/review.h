// Copyright 2026 The Phiếu Authors
// SPDX-License-Identifier: Apache-2.0
#pragma once

// The review server: the web app (compiled in) and the JSON API of docs/api.md over one survey
// file. This stage only reads the store and writes decisions back to it; it never links
// recognition, scanner or OpenCV (a page image comes through PageImageSource, made in app/).

#include <atomic>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "core/result.h"
#include "core/vocabulary.h"
#include "store/store.h"

namespace phieu::review {

/// How `phieu serve` runs. Every field has the default `phieu serve` uses.
struct ServeOptions {
  std::filesystem::path db;           ///< the survey file (must exist). No default.
  std::string bind = "127.0.0.1";     ///< address to listen on; "0.0.0.0" for the office LAN.
  int port = 8080;                    ///< 0 = any free port (tests); see Server::port().
  /// Request worker threads; each opens its own Store when first needed. An idle keep-alive
  /// connection holds a worker until keep_alive_seconds pass, and a browser keeps several, so
  /// this is well above the number of cores.
  int threads = 16;
  int lease_seconds = 600;            ///< how long `next` holds an item for one reviewer.
  int session_idle_minutes = 30;      ///< a session unused this long ends (401 afterwards).
  std::size_t max_body_bytes = 64 * 1024;  ///< larger request bodies get 413.
  int read_timeout_seconds = 10;      ///< a client that sends nothing this long is dropped.
  int write_timeout_seconds = 10;     ///< a client that reads nothing this long is dropped.
  int keep_alive_seconds = 3;         ///< idle keep-alive connections close after this.
  int login_window_seconds = 15 * 60; ///< failed logins are counted over this window.
  int max_failures_per_user = 5;      ///< more failures for one name in the window -> 429.
  int max_failures_per_address = 20;  ///< more failures from one client address -> 429.
  bool log_requests = false;          ///< one line per request on stderr (method, path, status, ms).
};

/// A clerk's assignment of an unidentified page (POST /api/desk/unidentified/{page}/assign).
struct DeskAssignRequest {
  core::Serial serial = 0;
  int page = 0;
  /// The four clicked anchor centres as shares (x, y) of the page image's width and height,
  /// clockwise from the form's top-left anchor; empty: align from the printed box grid.
  std::vector<std::pair<double, double>> anchor_centres;
  store::Actor by;
};

/// What the assignment did (pipeline::AssignOutcome, without the pipeline's types).
struct DeskAssignResult {
  std::string status;          ///< "ok", or "conflict" when that sheet page was stored already.
  std::string method;          ///< "grid" or "points".
  double residual_mm = 0.0;
  int readings = 0;            ///< field readings stored for the page.
  int review_items_opened = 0;
};

/// Renders one scanned page of a sheet for the whole-page (Z) view: the original scan warped
/// upright onto the printed page at `px_per_mm` (the image is width_mm x height_mm of the page
/// times px_per_mm; page point (x mm, y mm) lands at (x, y) * px_per_mm), JPEG-encoded, with
/// nothing drawn on it (the browser draws the overlays). Called concurrently from server worker
/// threads, each with its own Store; implementations must be thread-safe.
class PageImageSource {
 public:
  virtual ~PageImageSource() = default;
  /// Error code "not_found" when that page of that sheet was never stored; any other Error is
  /// logged and answered 500.
  virtual core::Result<std::vector<unsigned char>> RenderPageJpeg(store::Store& store,
                                                                  core::Serial serial, int page,
                                                                  double px_per_mm) = 0;
  /// Cuts `region_mm` (page mm) out of the same warped page at `px_per_mm`, PNG-encoded (gray):
  /// the crop of a reading that kept none (docs/schema.md: originals, homography and crop_mm).
  /// Error code "not_found" as above; "unsupported" from a source that cannot cut regions.
  virtual core::Result<std::vector<unsigned char>> RenderRegionPng(store::Store& store,
                                                                   core::Serial serial, int page,
                                                                   const core::RectMm& region_mm,
                                                                   double px_per_mm) {
    (void)store, (void)serial, (void)page, (void)region_mm, (void)px_per_mm;
    return core::MakeError("unsupported", "this page source cannot cut regions");
  }
  /// Stored page `page_id` (any identified page, whatever its status: a conflict's two scans
  /// side by side on the clerk's desk) as RenderPageJpeg draws a sheet page. Error code
  /// "not_found" when that page is unknown, not identified or has no kept original;
  /// "unsupported" from a source that cannot.
  virtual core::Result<std::vector<unsigned char>> RenderStoredPageJpeg(store::Store& store,
                                                                        std::int64_t page_id,
                                                                        double px_per_mm) {
    (void)store, (void)page_id, (void)px_per_mm;
    return core::MakeError("unsupported", "this page source cannot draw pages by id");
  }
  /// The clerk's desk. Stored page `page_id` (any status) as its scan file holds it, not turned
  /// (the image the clerk clicks points on), gray JPEG with its longer side at most
  /// `max_side_px`. Error "not_found" when no such page; "unsupported" from a source without it.
  virtual core::Result<std::vector<unsigned char>> RenderStoredScanJpeg(store::Store& store,
                                                                        std::int64_t page_id,
                                                                        int max_side_px) {
    (void)store, (void)page_id, (void)max_side_px;
    return core::MakeError("unsupported", "this page source cannot show stored pages");
  }
  /// The clerk's desk: aligns, reads and stores an unidentified page under the identity the
  /// clerk named (pipeline::AssignPage, whose error codes it returns: "not_found", "identified",
  /// "invalid", "unaligned", "unreadable", "changed" when someone assigned the page or set it
  /// aside while it was read). Holds `writer_lock` only around the store write, never while the
  /// page is decoded and read (the server's other writers go on meanwhile).
  virtual core::Result<DeskAssignResult> AssignStoredPage(store::Store& store, std::mutex& writer_lock,
                                                          std::int64_t page_id,
                                                          const DeskAssignRequest& request) {
    (void)store, (void)writer_lock, (void)page_id, (void)request;
    return core::MakeError("unsupported", "this server cannot read pages");
  }
};

/// A scan file a station sent (or that the survey already held), for IngestRunner::Run.
struct StationFile {
  std::string sha256;          ///< lowercase hex: the file's identity.
  std::string name;            ///< the file's name at the station.
  /// The received file in the server's spool; empty when the survey already held the file
  /// when the batch was submitted (nothing was sent).
  std::filesystem::path path;
};

/// Reads a station's files into the survey like `phieu ingest` (made in app/: this stage never
/// links the reading pipeline). Called on the server's one ingest thread with that thread's own
/// Store; must hold `writer_lock` around each store write (the server's other requests write
/// through theirs), never while reading pages.
class IngestRunner {
 public:
  virtual ~IngestRunner() = default;
  /// The largest scan file a station may send, in bytes (the server's scan limits).
  virtual std::uint64_t max_file_bytes() const = 0;
  /// Runs batch `batch_id` (recorded "queued" by the server) over `files`: keeps its row's
  /// progress and heartbeat, and ends it with its summary, text and exit code as `phieu
  /// ingest` would print and give them (a file already held counts as already ingested, or
  /// unreadable when it was). `stop` set: no new page is started, the batch ends interrupted.
  virtual void Run(store::Store& store, std::mutex& writer_lock, std::int64_t batch_id,
                   const std::vector<StationFile>& files, const std::atomic<bool>& stop) = 0;
};

/// Scan stations send a file in chunks of at most this many bytes (docs/api.md, "Scan stations").
constexpr std::size_t kStationChunkMaxBytes = 4u << 20;

/// The resolution of crops cut again from the original (group verification, sheet view).
constexpr double kRegionPxPerMm = 8.0;

/// The resolution of page images the server asks for (docs/api.md: 4 px/mm).
constexpr double kPageImagePxPerMm = 4.0;

/// A running review server. Start() binds and starts serving on background threads; Stop()
/// (or the destructor) stops accepting, finishes the requests in flight and joins every thread.
class Server {
 public:
  /// Opens the survey (an Error when it is missing or not a survey) and binds `bind:port`
  /// (an Error naming the address when it cannot). `pages` may be null (page images -> 503);
  /// it must outlive the server.
  /// `ingest` may be null (scan stations are then refused with 503); it must outlive the
  /// server. Files stations send wait in `<db>.spool/` until read.
  static core::Result<std::unique_ptr<Server>> Start(const ServeOptions& options,
                                                     PageImageSource* pages = nullptr,
                                                     IngestRunner* ingest = nullptr);
  virtual ~Server() = default;
  /// The bound port (the real one when options.port was 0).
  virtual int port() const = 0;
  /// Stops serving; idempotent, callable from any thread (not from a request handler).
  virtual void Stop() = 0;
  /// Blocks until the server stops (after Stop() from another thread, or a listen failure).
  virtual void Wait() = 0;
};

/// The embedded web assets (review-ui/assets/*), for tests and `phieu serve --help`.
struct Asset {
  const char* path;          ///< URL path, e.g. "/index.html".
  const char* content_type;  ///< e.g. "text/html; charset=utf-8".
  const unsigned char* data;
  std::size_t size;
};
const std::vector<Asset>& EmbeddedAssets();

}  // namespace phieu::review
