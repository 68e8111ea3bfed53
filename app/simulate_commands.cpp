// Copyright 2026 The Phiếu Authors
// SPDX-License-Identifier: Apache-2.0
// phieu simulate: the test kit's generator (synthetic scans with ground truth). The benchmark that
// scores a stack against that truth is a separate tool (tools/bench, phieu-bench).
#include <iomanip>
#include <iostream>

#include "app/common.h"
#include "simulator/simulator.h"

namespace phieu::app {

std::vector<Command> SimulateCommands() {
  return {
      {"simulate", "Make a synthetic stack of filled, scanned forms with ground truth (truth.json)",
       [](CLI::App* cmd) {
         struct Args {
           std::string tpl, out, db, serials;
           int sheets = 10, jobs = 0, foreign = 2;
           std::uint64_t seed = 1;
           double dpi = 300, blank_backs = 0.1, missing = 0.0, show_through = 0.0, creases = 0.25, stains = 0.0;
           bool no_damage = false, no_shuffle = false, single_dpi = false, duplex = false;
           std::vector<int> only_pages;
         };
         auto a = std::make_shared<Args>();
         cmd->add_option("--template", a->tpl, "template JSON file or bundled id")->required();
         cmd->add_option("-o,--output", a->out, "folder to write the stack into")->required();
         cmd->add_option("--sheets", a->sheets, "sheets to fill (serials 1..N)")->check(CLI::Range(1, 100000));
         cmd->add_option("--serials", a->serials, "fill these printed serials A-B instead");
         cmd->add_option("--db", a->db, "with --serials: take each sheet's unit from this survey");
         cmd->add_option("--seed", a->seed, "random seed (same seed, same stack)");
         cmd->add_option("--dpi", a->dpi, "scan resolution")->check(CLI::Range(100.0, 1200.0));
         cmd->add_option("--blank-backs", a->blank_backs, "share of pages followed by a blank back side");
         cmd->add_option("--foreign", a->foreign, "pages that are not Phiếu forms");
         cmd->add_option("--missing-pages", a->missing, "share of sheets with one page never scanned");
         cmd->add_option("--show-through", a->show_through,
                         "the leaf's other side (pages 1/2, 3/4 duplex) shows through at this share of its "
                         "darkness, e.g. 0.1 (default 0: none)")
             ->check(CLI::Range(0.0, 0.5));
         cmd->add_option("--creases", a->creases,
                         "share of form pages folded in half or in three before scanning (default 0.25)")
             ->check(CLI::Range(0.0, 1.0));
         cmd->add_option("--stains", a->stains,
                         "share of form pages with a coffee, tea or water stain (default 0: none)")
             ->check(CLI::Range(0.0, 1.0));
         cmd->add_option("--pages", a->only_pages, "scan only these template pages, e.g. --pages 2 (default: all)")
             ->delimiter(',');
         cmd->add_flag("--single-dpi", a->single_dpi, "every file at --dpi (default: ~12% at 150, 200 or 600 dpi)");
         cmd->add_flag("--no-damage", a->no_damage, "clean, upright scans");
         cmd->add_flag("--no-shuffle", a->no_shuffle, "keep pages in order");
         cmd->add_flag("--duplex", a->duplex,
                       "scanned duplex: each page followed by its leaf's other side, whole leaves per PDF or TIFF file");
         cmd->add_option("-j,--jobs", a->jobs, "worker threads (default: all cores)");
         return std::function<int()>([a] {
           auto tpl = ResolveTemplate(a->tpl);
           if (!tpl.ok()) return Fail(tpl.error(), kExitUsage);
           simulator::SimulateOptions o;
           o.sheets = a->sheets;
           o.seed = a->seed;
           o.out_dir = a->out;
           o.dpi = a->dpi;
           o.damage = !a->no_damage;
           o.shuffle = !a->no_shuffle;
           o.duplex = a->duplex;
           o.blank_back_rate = a->blank_backs;
           o.foreign_pages = a->foreign;
           o.missing_page_rate = a->missing;
           o.show_through = a->show_through;
           o.crease_rate = a->creases;
           o.stain_rate = a->stains;
           o.only_pages = a->only_pages;
           o.mix_dpi = !a->single_dpi;
           o.jobs = a->jobs > 0 ? a->jobs : DefaultJobs();
           if (!a->serials.empty()) {
             auto serials = ParseSerialRange(a->serials);
             if (!serials.ok()) return Fail(serials.error(), kExitUsage);
             o.serials = *serials;
             if (!a->db.empty()) {
               auto store = OpenSurvey(a->db, false);
               if (!store.ok()) return Fail(store.error());
               for (auto s : o.serials) {
                 auto sheet = (*store)->FindSheet(s);
                 if (!sheet.ok()) return Fail(sheet.error());
                 o.unit_codes.push_back(*sheet ? (*sheet)->unit_code : "");
               }
             }
           }
           auto r = simulator::Simulate(*tpl, o);
           if (!r.ok()) return Fail(r.error());
           std::cout << "simulated " << r->sheets << " sheets: " << r->pages << " pages in " << r->files
                     << " files under " << a->out << " (" << std::fixed << std::setprecision(1) << r->seconds
                     << " s)\n  ground truth: " << r->truth_path.string() << ", " << r->pages_path.string()
                     << "\n";
           return kExitOk;
         });
       }},
  };
}

}  // namespace phieu::app
