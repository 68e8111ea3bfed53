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
#include "pipeline/pipeline.h"
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

// "[#########.......]  412/1000 pages  23.4 pages/s  ETA 0:25" on one rewritten stderr line
// when stderr is a terminal; otherwise a plain line every 10%.
class ProgressBar {
 public:
  void Update(const IngestProgress& p) {
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
  void Finish() {
    if (drawn_) std::cerr << "\n";
  }

 private:
  int last_decile_ = -1;
  double last_draw_ = -1;
  bool drawn_ = false;
};

/// "batch 1/scan_0003.tif: 12 pages, 12 identified, 3 review items" for one watched file.
std::string FileLine(const std::string& name, const IngestSummary& s) {
  std::ostringstream line;
  line << name << ": ";
  if (s.files_skipped > 0) {
    line << "already ingested";
  } else if (s.files_unreadable > 0 && s.pages_read == 0) {
    line << "unreadable" << (s.errors.empty() ? "" : " (" + s.errors.front() + ")");
  } else {
    auto plural = [](int n, const char* word) {
      return std::to_string(n) + " " + word + (n == 1 ? "" : "s");
    };
    line << plural(s.pages_read, "page") << ", " << s.pages_identified << " identified, "
         << plural(s.review_items, "review item");
    if (s.pages_unidentified > 0) line << ", " << s.pages_unidentified << " unidentified";
    if (s.conflicts > 0) line << ", " << plural(s.conflicts, "conflict");
    if (s.stopped) line << " (interrupted)";
  }
  return line.str();
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

void PrintSummary(const IngestSummary& s, const store::SurveyStatus* status) {
  std::cout << "\nBatch summary\n"
            << "  files            " << s.files << " (" << s.files_skipped << " already ingested, "
            << s.files_unreadable << " unreadable)\n"
            << "  pages read       " << s.pages_read << " in " << std::fixed << std::setprecision(1)
            << s.seconds << " s (" << (s.seconds > 0 ? s.pages_read / s.seconds : 0.0) << " pages/s)\n"
            << "  identified       " << s.pages_identified << "\n"
            << "  unidentified     " << s.pages_unidentified << "\n";
  for (const auto& [reason, n] : s.unidentified_reasons)
    std::cout << "      " << std::setw(5) << n << "  " << reason << "\n";
  if (s.pages_stored_by_others > 0)
    std::cout << "  stored by another run " << s.pages_stored_by_others
              << " (another ingest of the same files stored them first; not counted here)\n";
  std::cout << "  conflicts        " << s.conflicts << " (same sheet page scanned twice; kept for a person)\n"
            << "  review items     " << s.review_items << " new\n";
  if (s.required_left_blank > 0)
    std::cout << "  left blank       " << s.required_left_blank
              << " required questions with no mark near their boxes: recorded as unanswered, not queued"
              << " (--review-blank-required queues them)\n";
  if (s.pages_with_streaks > 0) {
    std::vector<std::pair<std::string, int>> where(s.streak_positions.begin(), s.streak_positions.end());
    std::sort(where.begin(), where.end(), [](auto& a, auto& b) { return a.second > b.second; });
    std::cout << "  scanner streaks  " << s.pages_with_streaks
              << " pages had a straight line along the whole page (dust on the scanner glass, or a"
              << " fold), painted out before reading:";
    for (size_t i = 0; i < where.size() && i < 3; ++i)
      std::cout << (i ? ", " : " ") << where[i].first << " px (" << where[i].second << " pages)";
    std::cout << ". One place repeating page after page: clean the scanner glass.\n";
  }
  if (status) {
    std::cout << "Survey so far\n"
              << "  sheets           " << status->sheets << ": " << status->sheets_complete << " complete, "
              << status->sheets_needs_review << " need review, " << status->sheets_incomplete
              << " incomplete (pages missing)\n"
              << "  waiting for review " << status->review_open << " items\n";
  }
  if (!s.errors.empty()) {
    std::cout << "Problems (" << s.errors.size() << "):\n";
    for (const auto& e : s.errors) std::cout << "  " << e << "\n";
  }
  if (s.stopped) std::cout << "Interrupted: run the same command again to finish the batch.\n";
}

}  // namespace

std::vector<Command> IngestCommands() {
  return {
      {"ingest",
       "Read scanned pages (TIFF, PDF, JPEG, PNG; files or folders), a watched folder or a scanner "
       "into the survey",
       [](CLI::App* cmd) {
         struct Args {
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
         };
         auto a = std::make_shared<Args>();
         cmd->add_option("--db", a->db, "survey file (created if missing)")->required();
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
           std::vector<fs::path> inputs(a->paths.begin(), a->paths.end());
           std::vector<fs::path> files;
           if (!inputs.empty()) {
             auto expanded = scanner::ExpandInputs(inputs);
             if (!expanded.ok()) return Fail(expanded.error(), kExitUsage);
             files = std::move(*expanded);
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
           if (!a->quiet) options.on_progress = [&bar](const IngestProgress& p) { bar.Update(p); };
           std::signal(SIGINT, OnInterrupt);
           std::signal(SIGTERM, OnInterrupt);
           struct RestoreSignals {
             ~RestoreSignals() {
               std::signal(SIGINT, SIG_DFL);
               std::signal(SIGTERM, SIG_DFL);
             }
           } restore_signals;

           IngestSummary total;
           std::string acquire_error;

           // 1. Straight from a scanner: each page kept as a lossless PNG original next to the
           //    survey file, then read like any other scan file.
           if (!a->scanner.empty()) {
             const fs::path scans_dir = fs::path(a->db).string() + ".scans";
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
               if (scanned.empty()) return Fail(report.error());
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
             files.insert(files.end(), scanned.begin(), scanned.end());
           }

           // 2. Files and folders named (and the pages just scanned).
           if (!files.empty() && !g_stop) {
             auto summary = Ingest(**store, *catalog, files, options);
             bar.Finish();
             if (!summary.ok()) return Fail(summary.error());
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
             one.on_progress = nullptr;
             std::cout << "Watching " << a->watch << " (Ctrl-C to stop)\n" << std::flush;
             // Poll about twice per settle time, at most once a second.
             const auto interval = std::chrono::duration<double>(std::clamp(a->settle_s / 2, 0.1, 1.0));
             while (!g_stop) {
               for (const auto& file : watcher.Poll()) {
                 if (g_stop) break;
                 auto summary = Ingest(**store, *catalog, {file}, one);
                 if (!summary.ok()) return Fail(summary.error());
                 total += *summary;
                 std::error_code ec;
                 fs::path shown = fs::relative(file, a->watch, ec);
                 std::cout << FileLine((ec || shown.empty() ? file : shown).string(), *summary) << "\n" << std::flush;
               }
               const auto until = std::chrono::steady_clock::now() + interval;
               while (!g_stop && std::chrono::steady_clock::now() < until)
                 std::this_thread::sleep_for(std::chrono::milliseconds(50));
             }
             // Files that were still being written (or not yet decodable) were not read: say so,
             // so nobody assumes they are in the survey. The next --watch run picks them up.
             if (auto waiting = watcher.pending_files(); !waiting.empty()) {
               std::cout << "\nNot read yet (still being written, or not readable so far): " << waiting.size()
                         << " file" << (waiting.size() == 1 ? "" : "s") << "\n";
               for (const auto& f : waiting) {
                 std::error_code ec;
                 fs::path shown = fs::relative(f, a->watch, ec);
                 std::cout << "  " << (ec || shown.empty() ? f : shown).string() << "\n";
               }
             }
           }

           auto status = (*store)->GetStatus();
           PrintSummary(total, status.ok() ? &*status : nullptr);
           if (!acquire_error.empty()) return Fail(acquire_error);
           // Watching ends only by Ctrl-C / SIGTERM: that is its normal end.
           if (!a->watch.empty()) return kExitOk;
           if (total.stopped) return 130;
           return total.files_unreadable > 0 || total.pages_unreadable > 0 ? kExitPartial : kExitOk;
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
