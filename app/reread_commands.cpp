// Copyright 2026 The Phiếu Authors
// SPDX-License-Identifier: Apache-2.0
// phieu reread: stored pages read again from their kept originals (issue 19, "nothing stuck").
#include <algorithm>
#include <atomic>
#include <csignal>
#include <iomanip>
#include <iostream>
#include <thread>

#include "app/common.h"
#include "pipeline/pipeline.h"

namespace phieu::app {
namespace {

std::atomic<bool> g_reread_stop{false};

extern "C" void OnRereadInterrupt(int) {
  if (g_reread_stop.exchange(true)) std::_Exit(130);
}

void PrintRereadSummary(const pipeline::RereadSummary& s) {
  std::cout << "Reread summary\n"
            << "  pages read again   " << s.pages << " in " << std::fixed << std::setprecision(1) << s.seconds
            << " s\n"
            << "  now identified     " << s.pages_now_identified << "\n"
            << "  still unidentified " << s.pages_still_unidentified << "\n";
  for (const auto& [reason, n] : s.still_unidentified_reasons)
    std::cout << "      " << std::setw(5) << n << "  " << reason << "\n";
  if (s.pages_kept_previous > 0)
    std::cout << "  kept as before     " << s.pages_kept_previous
              << " (identified before; the new reading was not identified or named another sheet page)\n";
  if (s.conflicts > 0)
    std::cout << "  conflicts          " << s.conflicts << " (same sheet page scanned twice; kept for a person)\n";
  std::cout << "  readings           " << s.readings_added << " new, " << s.readings_changed << " changed\n"
            << "  review items       " << s.review_items_opened << " new, " << s.review_items_closed
            << " no longer needed\n"
            << "  (reviewers' decisions and the audit are kept as they were)\n";
  if (!s.errors.empty()) {
    std::cout << "Problems (" << s.errors.size() << "):\n";
    for (const auto& e : s.errors) std::cout << "  " << e << "\n";
  }
  if (s.stopped) std::cout << "Interrupted: run the same command again to finish.\n";
}

}  // namespace

std::vector<Command> RereadCommands() {
  return {
      {"reread",
       "Read stored pages again from their kept originals (after a template is registered or the "
       "reader improves); reviewers' decisions and the audit are kept",
       [](CLI::App* cmd) {
         struct Args {
           std::string db;
           std::vector<std::string> statuses, files;
           int jobs = 0;
         };
         auto a = std::make_shared<Args>();
         cmd->add_option("--db", a->db, "survey file")->required();
         cmd->add_option("--status", a->statuses,
                         "only pages with this status (repeatable): unknown_version, unknown_template, "
                         "no_anchors, foreign_code, inconsistent_anchors, poor_fit, blank, unreadable, "
                         "conflict, ok (default: every page not identified)")
             ->allow_extra_args(false);
         cmd->add_option("--file", a->files,
                         "only pages of this scan file (repeatable): an existing file is matched by its "
                         "content, any other name by the path or file name given at ingest")
             ->allow_extra_args(false);
         cmd->add_option("-j,--jobs", a->jobs, "worker threads (default: all cores)")->check(CLI::Range(1, 256));
         return std::function<int()>([a] {
           static const std::vector<std::string> kStatuses = {
               "ok", "conflict", "blank", "no_anchors", "foreign_code", "unknown_template", "unknown_version",
               "inconsistent_anchors", "poor_fit", "unreadable"};
           for (const auto& s : a->statuses)
             if (std::find(kStatuses.begin(), kStatuses.end(), s) == kStatuses.end())
               return Fail("reread: unknown page status \"" + s + "\" (one of ok, conflict, blank, no_anchors, "
                           "foreign_code, unknown_template, unknown_version, inconsistent_anchors, poor_fit, "
                           "unreadable)",
                           kExitUsage);
           if (!std::filesystem::exists(a->db)) return Fail(a->db + ": no such survey file", kExitUsage);
           auto store = OpenSurvey(a->db, false);
           if (!store.ok()) return Fail(store.error());
           auto catalog = LoadCatalog(**store);
           if (!catalog.ok()) return Fail(catalog.error());
           pipeline::IngestOptions options;
           options.jobs = a->jobs > 0 ? a->jobs : DefaultJobs();
           options.stop = &g_reread_stop;
           pipeline::RereadFilter filter;
           filter.statuses = a->statuses;
           filter.files.assign(a->files.begin(), a->files.end());
           std::signal(SIGINT, OnRereadInterrupt);
           std::signal(SIGTERM, OnRereadInterrupt);
           auto summary = pipeline::Reread(**store, *catalog, filter, options);
           std::signal(SIGINT, SIG_DFL);
           std::signal(SIGTERM, SIG_DFL);
           if (!summary.ok())
             return Fail(summary.error(), summary.error().code == "not_found" ? kExitUsage : kExitFailed);
           PrintRereadSummary(*summary);
           if (summary->stopped) return 130;
           return summary->errors.empty() ? kExitOk : kExitPartial;
         });
       }},
  };
}

}  // namespace phieu::app
