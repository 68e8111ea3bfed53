// Copyright 2026 The Phiếu Authors
// SPDX-License-Identifier: Apache-2.0
// phieu ingest
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <csignal>
#include <cstdio>
#include <ctime>
#include <iomanip>
#include <iostream>
#include <sstream>
#include <thread>

#include "app/common.h"
#include "app/ingest_output.h"
#include "app/station_client.h"
#include "pipeline/pipeline.h"
#include "pipeline/summary.h"
#include "scanner/acquire.h"

namespace phieu::app {
namespace {

using pipeline::Ingest;
using pipeline::IngestOptions;
using pipeline::IngestProgress;
using pipeline::IngestSummary;

std::atomic<bool> g_stop{false};

extern "C" void OnInterrupt(int) {
  // Second Ctrl-C: the user really wants out; pages already stored stay stored.
  if (g_stop.exchange(true)) std::_Exit(130);
}

/// A file-name prefix for this scan run, e.g. "20260114-093012", unique in `dir`.
std::string ScanRunStamp(const std::filesystem::path& dir) {
  std::time_t now = std::time(nullptr);
  std::tm local{};
  localtime_r(&now, &local);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y%m%d-%H%M%S", &local);
  std::string stamp = buf;
  // Two runs in the same second must not overwrite each other's originals.
  for (int k = 2; std::filesystem::exists(dir / (stamp + "-0001.png")); ++k)
    stamp = std::string(buf) + "-" + std::to_string(k);
  return stamp;
}

/// `phieu ingest`'s arguments.
struct IngestArgs {
  std::string db;
  std::vector<std::string> templates, paths;
  int jobs = 0;
  bool quiet = false;
  std::string watch;
  double settle_s = 2.0;
  std::string scanner, source, mode = "Gray";
  int dpi = 300, max_pages = 0;
  std::uint64_t max_page_pixels = scanner::ScanLimits{}.max_page_pixels;
  std::int64_t min_page_side = scanner::ScanLimits{}.min_page_side_px;
  std::int64_t max_pages_per_file = scanner::ScanLimits{}.max_pages_per_file;
  std::uint64_t max_file_mb = scanner::ScanLimits{}.max_file_bytes >> 20;
  bool review_blank_required = false;
  // A scan station (`--server`): station_client.h.
  std::string server, user, station;
  std::string scans_dir = "phieu-scans";
  std::size_t chunk_kib = 1024;
};

/// Pages from the SANE device of `a`, each kept as a lossless PNG original in `scans_dir`.
/// An Error when nothing was scanned; a problem after some pages keeps them and is left in
/// `acquire_error` (reported after they are read).
core::Result<std::vector<std::filesystem::path>> ScanPages(const IngestArgs& args, const std::filesystem::path& scans_dir,
                                                           std::string& acquire_error) {
  namespace fs = std::filesystem;
  const IngestArgs* a = &args;
  std::vector<fs::path> scanned;
  std::string stamp;
  scanner::AcquireOptions acquire{.device = a->scanner, .source = a->source, .dpi = a->dpi,
                                  .mode = a->mode, .max_pages = a->max_pages, .stop = &g_stop};
  auto report = scanner::AcquirePages(acquire, [&](cv::Mat gray, double dpi) -> core::Status {
    if (scanned.empty()) {
      std::error_code ec;
      fs::create_directories(scans_dir, ec);
      if (ec)
        return core::MakeError("io", scans_dir.string() + ": cannot create folder (" + ec.message() + ")");
      stamp = ScanRunStamp(scans_dir);
    }
    char name[64];
    std::snprintf(name, sizeof name, "%s-%04zu.png", stamp.c_str(), scanned.size() + 1);
    const std::string note =
        a->scanner + ", page " + std::to_string(scanned.size() + 1) + " of scan " + stamp;
    auto st = scanner::WriteScanPng(scans_dir / name, gray, dpi, note);
    if (!st.ok()) return st;
    scanned.push_back(scans_dir / name);
    if (!a->quiet) std::cerr << "\rscanned " << scanned.size() << " page(s)" << std::flush;
    return {};
  });
  if (!a->quiet && !scanned.empty()) std::cerr << "\n";
  if (!report.ok()) {
    if (scanned.empty()) return report.error();
    // Keep what was scanned before the problem: read it, then report the problem.
    acquire_error = report.error().message;
  } else {
    std::cout << a->scanner << ": " << report->pages << " page" << (report->pages == 1 ? "" : "s")
              << " scanned"
              << (report->dpi > 0 ? " at " + std::to_string(std::lround(report->dpi)) + " dpi" : "")
              << (report->feeder_empty ? " (feeder is empty)" : "")
              << (report->stopped ? " (interrupted)" : "") << ", originals in " << scans_dir.string()
              << "\n";
  }
  return scanned;
}

}  // namespace

std::vector<Command> IngestCommands() {
  return {
      {"ingest",
       "Read scanned pages (TIFF, PDF, JPEG, PNG; files or folders), a watched folder or a scanner "
       "into the survey",
       [](CLI::App* cmd) {
         auto a = std::make_shared<IngestArgs>();
         auto* db = cmd->add_option("--db", a->db, "survey file (created if missing)");
         auto* server = cmd->add_option("--server", a->server,
                                        "scan station: send the files to this `phieu serve` (http://HOST:PORT), "
                                        "which reads them into its survey; instead of --db");
         db->excludes(server);
         cmd->add_option("--user", a->user, "with --server: a clerk (or admin) login of that server; the password "
                                            "is asked for, or read from standard input when it is not a terminal")
             ->needs(server);
         cmd->add_option("--station", a->station, "with --server: this station's name on the desk (default: host name)")
             ->needs(server);
         cmd->add_option("--scans-dir", a->scans_dir,
                         "with --server and --scanner: folder that keeps the scanned pages (default phieu-scans)")
             ->needs(server);
         cmd->add_option("--chunk-kib", a->chunk_kib,
                         "with --server: upload chunk in KiB (default 1024); a cut upload resumes at a chunk")
             ->check(CLI::Range(std::size_t{1}, std::size_t{4096}))
             ->needs(server);
         cmd->add_option("--template", a->templates, "register this template first (repeatable)")
             ->allow_extra_args(false);  // one file per --template: the scan paths follow it.
         cmd->add_option("-j,--jobs", a->jobs, "worker threads (default: all cores)")->check(CLI::Range(1, 256));
         cmd->add_flag("-q,--quiet", a->quiet, "no progress bar");
         cmd->add_flag("--review-blank-required", a->review_blank_required,
                       "queue every required question left blank for a reviewer (default: only when ink "
                       "is seen in or around its boxes; a plainly blank one is recorded as unanswered)");
         cmd->add_option("--watch", a->watch,
                         "after the PATHs, keep ingesting scan files that appear in this folder (and its "
                         "subfolders) until Ctrl-C");
         cmd->add_option("--settle", a->settle_s,
                         "with --watch: seconds a file must stay unchanged before it is read (default 2)")
             ->check(CLI::Range(0.0, 3600.0));
         cmd->add_option("--scanner", a->scanner,
                         "scan from this SANE device (see `phieu scanners`); pages are kept as PNG in "
                         "<db>.scans/");
         cmd->add_option("--source", a->source, "with --scanner: paper source, e.g. ADF, Flatbed, \"ADF Duplex\"");
         cmd->add_option("--dpi", a->dpi, "with --scanner: resolution (default 300)")->check(CLI::Range(50, 1200));
         cmd->add_option("--mode", a->mode, "with --scanner: Gray (default), Color or Lineart");
         cmd->add_option("--max-pages", a->max_pages, "with --scanner: stop after this many pages")
             ->check(CLI::Range(1, 1000000));
         cmd->add_option("--max-page-pixels", a->max_page_pixels,
                         "refuse a page image larger than this many pixels, checked from the file's "
                         "header before decoding (default 100000000)")
             ->check(CLI::Range(std::uint64_t{1}, std::uint64_t{2'000'000'000}));
         cmd->add_option("--min-page-side", a->min_page_side,
                         "refuse a page image with a side shorter than this many pixels, checked from the "
                         "file's header (default 64: a 60000x20 strip is not a page)")
             ->check(CLI::Range(std::int64_t{1}, std::int64_t{100'000}));
         cmd->add_option("--max-pages-per-file", a->max_pages_per_file,
                         "refuse a scan file with more pages (default 10000)")
             ->check(CLI::Range(std::int64_t{1}, std::int64_t{10'000'000}));
         cmd->add_option("--max-file-mb", a->max_file_mb, "refuse a scan file larger than this (default 2048)")
             ->check(CLI::Range(std::uint64_t{1}, std::uint64_t{1} << 30));
         cmd->add_option("PATH", a->paths, "scan files or folders");
         return std::function<int()>([a] {
           namespace fs = std::filesystem;
           if (a->paths.empty() && a->watch.empty() && a->scanner.empty())
             return Fail("ingest: give scan files or folders, --watch FOLDER or --scanner DEVICE", kExitUsage);
           if (!a->watch.empty()) {
             std::error_code ec;
             if (!fs::is_directory(a->watch, ec))
               return Fail(a->watch + ": no such folder to watch", kExitUsage);
           }
           if (a->db.empty() && a->server.empty()) return Fail("ingest: give --db SURVEY.db, or --server URL", kExitUsage);
           if (!a->server.empty() && a->user.empty())
             return Fail("ingest --server: give --user NAME (a clerk of that server)", kExitUsage);
           if (!a->server.empty() && !a->templates.empty())
             return Fail("ingest --server: templates are registered on the server (phieu ingest --db there)", kExitUsage);
           std::vector<fs::path> inputs(a->paths.begin(), a->paths.end());
           std::vector<fs::path> files;
           if (!inputs.empty()) {
             auto expanded = scanner::ExpandInputs(inputs);
             if (!expanded.ok()) return Fail(expanded.error(), kExitUsage);
             files = std::move(*expanded);
           }
           std::signal(SIGINT, OnInterrupt);
           std::signal(SIGTERM, OnInterrupt);
           struct RestoreSignals {
             ~RestoreSignals() {
               std::signal(SIGINT, SIG_DFL);
               std::signal(SIGTERM, SIG_DFL);
             }
           } restore_signals;

           // A scan station: the server reads the files into its survey.
           if (!a->server.empty()) {
             StationOptions station{.server = a->server, .user = a->user, .station = a->station,
                                    .chunk_bytes = a->chunk_kib << 10, .quiet = a->quiet, .watch = a->watch,
                                    .settle_s = a->settle_s, .stop = &g_stop};
             std::string acquire_error;
             std::function<core::Result<std::vector<fs::path>>()> scan;
             if (!a->scanner.empty()) scan = [&] { return ScanPages(*a, a->scans_dir, acquire_error); };
             const int code = RunStation(station, files, scan);
             if (!acquire_error.empty()) return Fail(acquire_error);
             return code;
           }

           auto store = OpenSurvey(a->db, true);
           if (!store.ok()) return Fail(store.error());
           for (const auto& t : a->templates) {
             auto tpl = ResolveTemplate(t);
             if (!tpl.ok()) return Fail(tpl.error(), kExitUsage);
             auto st = RegisterTemplate(**store, *tpl);
             if (!st.ok()) return Fail(st.error());
           }
           auto catalog = LoadCatalog(**store);
           if (!catalog.ok()) return Fail(catalog.error());
           if (catalog->empty())
             return Fail(a->db + ": no templates registered; pass --template TEMPLATE.json", kExitUsage);

           IngestOptions options;
           options.jobs = a->jobs > 0 ? a->jobs : DefaultJobs();
           options.stop = &g_stop;
           options.read.review_blank_required = a->review_blank_required;
           options.limits.max_page_pixels = a->max_page_pixels;
           options.limits.min_page_side_px = a->min_page_side;
           options.limits.max_pages_per_file = a->max_pages_per_file;
           options.limits.max_file_bytes = a->max_file_mb << 20;
           ProgressBar bar;
           // This run's row in the survey's batches (the desk shows it, live while it runs).
           store::BatchRecord start;
           start.source = "cli", start.who = CliUser(), start.files = static_cast<int>(files.size());
           BatchLog log(**store, start);
           options.on_progress = [&bar, &log, quiet = a->quiet](const IngestProgress& p) {
             if (!quiet) bar.Update(p);
             log.Progress(p);
           };

           IngestSummary total;
           std::string acquire_error;

           // 1. Straight from a scanner: each page kept as a lossless PNG original next to the
           //    survey file, then read like any other scan file.
           if (!a->scanner.empty()) {
             auto scanned = ScanPages(*a, fs::path(a->db).string() + ".scans", acquire_error);
             if (!scanned.ok()) {
               log.Fail(scanned.error().message);
               return Fail(scanned.error());
             }
             files.insert(files.end(), scanned->begin(), scanned->end());
           }

           // 2. Files and folders named (and the pages just scanned).
           if (!files.empty() && !g_stop) {
             auto summary = Ingest(**store, *catalog, files, options);
             bar.Finish();
             if (!summary.ok()) {
               log.Fail(summary.error().message);
               return Fail(summary.error());
             }
             total += *summary;
           }

           // 3. The watched folder, until Ctrl-C / SIGTERM: each complete file read on its own,
           //    so its line can be printed as soon as it is stored.
           if (!a->watch.empty() && !g_stop) {
             // A file that stays broken is handed over (and recorded as unreadable) after a
             // minute, or ten settle times when those are longer.
             scanner::FolderWatcher watcher(
                 a->watch,
                 scanner::WatchOptions{.settle_s = a->settle_s, .give_up_s = std::max(60.0, 10 * a->settle_s)});
             IngestOptions one = options;
             // The batch's progress counts every file read so far, not only the current one.
             IngestProgress before{.pages_done = total.pages_read + total.pages_stored_by_others,
                                   .pages_total = total.pages_read + total.pages_stored_by_others, .seconds = 0};
             one.on_progress = [&log, &before](const IngestProgress& p) {
               log.Progress({.pages_done = before.pages_done + p.pages_done,
                             .pages_total = before.pages_total + p.pages_total, .seconds = p.seconds});
             };
             std::cout << "Watching " << a->watch << " (Ctrl-C to stop)\n" << std::flush;
             // Poll about twice per settle time, at most once a second.
             const auto interval = std::chrono::duration<double>(std::clamp(a->settle_s / 2, 0.1, 1.0));
             while (!g_stop) {
               for (const auto& file : watcher.Poll()) {
                 if (g_stop) break;
                 auto summary = Ingest(**store, *catalog, {file}, one);
                 if (!summary.ok()) {
                   log.Fail(summary.error().message);
                   return Fail(summary.error());
                 }
                 total += *summary;
                 before.pages_done = before.pages_total = total.pages_read + total.pages_stored_by_others;
                 std::error_code ec;
                 fs::path shown = fs::relative(file, a->watch, ec);
                 std::cout << pipeline::FormatFileLine((ec || shown.empty() ? file : shown).string(), *summary) << "\n"
                           << std::flush;
               }
               const auto until = std::chrono::steady_clock::now() + interval;
               while (!g_stop && std::chrono::steady_clock::now() < until)
                 std::this_thread::sleep_for(std::chrono::milliseconds(50));
               log.Touch();  // an idle watch is alive, not interrupted
             }
             // Files that were still being written (or not yet decodable) were not read: say so.
             // The next --watch run picks them up.
             PrintNotReadYet(watcher, a->watch);
           }

           auto status = (*store)->GetStatus();
           std::cout << pipeline::FormatSummary(total, status.ok() ? &*status : nullptr);
           // Watching ends only by Ctrl-C / SIGTERM: that is its normal end.
           const int code = !acquire_error.empty() ? kExitFailed
                            : !a->watch.empty()    ? kExitOk
                                                   : pipeline::SummaryExitCode(total);
           log.Finish(total, status.ok() ? &*status : nullptr, code);
           if (!acquire_error.empty()) return Fail(acquire_error);
           return code;
         });
       }},
      {"scanners", "List the scanners SANE can see (names to pass to ingest --scanner)",
       [](CLI::App* cmd) {
         return std::function<int()>([] {
           auto devices = scanner::ListScanners();
           if (!devices.ok()) return Fail(devices.error());
           if (devices->empty()) {
             std::cout << "No scanners found (check the cable or network, and `scanimage -L`).\n";
             return kExitOk;
           }
           size_t w_name = 4, w_vendor = 6, w_model = 5;
           for (const auto& d : *devices) {
             w_name = std::max(w_name, d.name.size());
             w_vendor = std::max(w_vendor, d.vendor.size());
             w_model = std::max(w_model, d.model.size());
           }
           std::cout << std::left << std::setw(static_cast<int>(w_name + 2)) << "NAME"
                     << std::setw(static_cast<int>(w_vendor + 2)) << "VENDOR"
                     << std::setw(static_cast<int>(w_model + 2)) << "MODEL" << "TYPE\n";
           for (const auto& d : *devices)
             std::cout << std::setw(static_cast<int>(w_name + 2)) << d.name
                       << std::setw(static_cast<int>(w_vendor + 2)) << d.vendor
                       << std::setw(static_cast<int>(w_model + 2)) << d.model << d.type << "\n";
           return kExitOk;
         });
       }},
  };
}

}  // namespace phieu::app
