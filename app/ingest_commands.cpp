// Copyright 2026 The Phiếu Authors
// SPDX-License-Identifier: Apache-2.0
// phieu ingest
#include <unistd.h>

#include <csignal>
#include <cstdio>
#include <iomanip>
#include <iostream>
#include <sstream>
#include <thread>

#include "app/common.h"
#include "app/ingest.h"

namespace phieu::app {
namespace {

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
  std::cout << "  conflicts        " << s.conflicts << " (same sheet page scanned twice; kept for a person)\n"
            << "  review items     " << s.review_items << " new\n";
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
      {"ingest", "Read scanned pages (TIFF, PDF, JPEG, PNG; files or folders) into the survey",
       [](CLI::App* cmd) {
         struct Args {
           std::string db;
           std::vector<std::string> templates, paths;
           int jobs = 0;
           bool quiet = false;
         };
         auto a = std::make_shared<Args>();
         cmd->add_option("--db", a->db, "survey file (created if missing)")->required();
         cmd->add_option("--template", a->templates, "register this template first (repeatable)");
         cmd->add_option("-j,--jobs", a->jobs, "worker threads (default: all cores)")->check(CLI::Range(1, 256));
         cmd->add_flag("-q,--quiet", a->quiet, "no progress bar");
         cmd->add_option("PATH", a->paths, "scan files or folders")->required();
         return std::function<int()>([a] {
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
           std::vector<std::filesystem::path> inputs(a->paths.begin(), a->paths.end());
           auto files = scanner::ExpandInputs(inputs);
           if (!files.ok()) return Fail(files.error(), kExitUsage);

           IngestOptions options;
           options.jobs = a->jobs > 0 ? a->jobs : static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
           options.stop = &g_stop;
           ProgressBar bar;
           if (!a->quiet) options.on_progress = [&bar](const IngestProgress& p) { bar.Update(p); };
           std::signal(SIGINT, OnInterrupt);
           std::signal(SIGTERM, OnInterrupt);
           auto summary = Ingest(**store, *catalog, *files, options);
           bar.Finish();
           std::signal(SIGINT, SIG_DFL);
           std::signal(SIGTERM, SIG_DFL);
           if (!summary.ok()) return Fail(summary.error());
           auto status = (*store)->GetStatus();
           PrintSummary(*summary, status.ok() ? &*status : nullptr);
           if (summary->stopped) return 130;
           return summary->files_unreadable > 0 ? kExitFailed : kExitOk;
         });
       }},
  };
}

}  // namespace phieu::app
