// Copyright 2026 The Phiếu Authors
// SPDX-License-Identifier: Apache-2.0
// phieu survey init | units import | print | status
#include <fstream>
#include <iomanip>
#include <iostream>
#include <sstream>

#include "app/common.h"
#include "recognition/reason_text_vi.h"

namespace phieu::app {
namespace {

core::Result<std::string> ReadFile(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  if (!f) return core::MakeError("io", path + ": cannot open");
  std::ostringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

// Registers every template given; the first failure stops (nothing half-registered matters:
// each registration is its own transaction and re-running is a no-op).
core::Status RegisterAll(store::Store& store, const std::vector<std::string>& args) {
  for (const auto& arg : args) {
    auto tpl = ResolveTemplate(arg);
    if (!tpl.ok()) return tpl.error();
    auto st = RegisterTemplate(store, *tpl);
    if (!st.ok()) return st;
  }
  return {};
}

std::string UnitLabel(const store::Unit& u) { return u.code + " – " + u.name; }

// Allocates `count` serials for one unit and renders them into one PDF.
int PrintUnit(store::Store& store, const templates::Template& tpl, const store::Unit& unit, int count,
              const std::filesystem::path& pdf) {
  auto serials = store.AllocateSerials(tpl.id, tpl.version, unit.code, count);
  if (!serials.ok()) return Fail(serials.error());
  templates::RenderOptions options;
  options.serials = *serials;
  options.unit_labels.assign(serials->size(), UnitLabel(unit));
  auto st = templates::RenderPdf(tpl, pdf, options);
  if (!st.ok()) return Fail(st.error());
  std::cout << "  " << std::left << std::setw(12) << unit.code << " " << std::right << std::setw(4) << count
            << " forms, serials " << templates::FormatSerial(serials->front()) << "–"
            << templates::FormatSerial(serials->back()) << " → " << pdf.string() << "\n";
  return kExitOk;
}

}  // namespace

std::vector<Command> SurveyCommands() {
  return {
      {"survey init", "Create a survey file and register templates",
       [](CLI::App* cmd) {
         struct Args { std::string db; std::vector<std::string> templates; };
         auto a = std::make_shared<Args>();
         cmd->add_option("--db", a->db, "survey file to create")->required();
         cmd->add_option("--template", a->templates, "template JSON file or bundled id (repeatable)")
             ->allow_extra_args(false);
         return std::function<int()>([a] {
           auto store = OpenSurvey(a->db, true);
           if (!store.ok()) return Fail(store.error());
           auto st = RegisterAll(**store, a->templates);
           if (!st.ok()) return Fail(st.error());
           std::cout << "survey " << a->db << " ready (" << a->templates.size() << " templates registered)\n";
           return kExitOk;
         });
       }},
      {"units import", "Import surveyed units from CSV (code,name,kind,quota[,parent])",
       [](CLI::App* cmd) {
         struct Args { std::string db, csv; };
         auto a = std::make_shared<Args>();
         cmd->add_option("--db", a->db, "survey file")->required();
         cmd->add_option("CSV", a->csv, "units CSV file")->required();
         return std::function<int()>([a] {
           auto text = ReadFile(a->csv);
           if (!text.ok()) return Fail(text.error(), kExitUsage);
           auto store = OpenSurvey(a->db, true);
           if (!store.ok()) return Fail(store.error());
           auto r = (*store)->ImportUnitsCsv(*text, a->csv);
           // A CSV that cannot be imported is bad input (2); a survey that cannot take it, 3.
           if (!r.ok()) return Fail(r.error(), r.error().code == "sqlite" || r.error().code == "io" ? kExitFailed : kExitUsage);
           std::cout << a->csv << ": " << r->inserted << " units added, " << r->updated << " updated\n";
           return kExitOk;
         });
       }},
      {"print", "Allocate serials and write print-ready numbered forms for units",
       [](CLI::App* cmd) {
         struct Args { std::string db, tpl, unit, out, kind; int count = 0; bool all = false; };
         auto a = std::make_shared<Args>();
         cmd->add_option("--db", a->db, "survey file")->required();
         cmd->add_option("--template", a->tpl, "template JSON file or bundled id")->required();
         auto* unit = cmd->add_option("--unit", a->unit, "unit code");
         auto* all = cmd->add_flag("--all", a->all, "every unit (of --kind, if given) at its quota");
         unit->excludes(all);
         cmd->add_option("--kind", a->kind, "with --all: only units of this kind");
         cmd->add_option("--count", a->count, "forms per unit (default: its quota; --all skips quota-0 units)")
             ->check(CLI::Range(1, 100000));
         cmd->add_option("-o,--output", a->out,
                         "PDF to write (one unit) or folder for one PDF per unit (--all)");
         return std::function<int()>([a] {
           if (a->unit.empty() && !a->all) return Fail("print: give --unit CODE or --all", kExitUsage);
           auto tpl = ResolveTemplate(a->tpl);
           if (!tpl.ok()) return Fail(tpl.error(), kExitUsage);
           auto store = OpenSurvey(a->db, false);
           if (!store.ok()) return Fail(store.error());
           auto st = RegisterTemplate(**store, *tpl);
           if (!st.ok()) return Fail(st.error());
           auto units = (*store)->ListUnits();
           if (!units.ok()) return Fail(units.error());
           std::vector<store::Unit> chosen;
           for (const auto& u : *units)
             if (a->all ? (a->kind.empty() || u.kind == a->kind) : u.code == a->unit) chosen.push_back(u);
           if (chosen.empty())
             return Fail(a->all ? "print: no units" + (a->kind.empty() ? std::string() : " of kind " + a->kind) +
                                      " in " + a->db + " (phieu units import first)"
                                : "print: unit " + a->unit + " is not in " + a->db,
                         kExitUsage);
           std::cout << "printing " << tpl->id << " v" << tpl->version << ":\n";
           int total = 0, printed_units = 0;
           for (const auto& u : chosen) {
             // With --all, quota 0 means "not surveyed" (a parent row such as the province):
             // --count sets how many each surveyed unit gets, it does not enrol new units.
             int count = a->count > 0 ? a->count : u.quota;
             if (u.quota <= 0 && (a->all || count <= 0)) {
               std::cout << "  " << u.code << ": quota 0, skipped\n";
               continue;
             }
             std::filesystem::path pdf;
             if (a->all) {
               std::filesystem::path dir = a->out.empty() ? "print" : a->out;
               std::filesystem::create_directories(dir);
               pdf = dir / (tpl->id + "-" + u.code + ".pdf");
             } else {
               pdf = a->out.empty() ? tpl->id + "-" + u.code + ".pdf" : a->out;
             }
             int rc = PrintUnit(**store, *tpl, u, count, pdf);
             if (rc != kExitOk) return rc;
             total += count;
             ++printed_units;
           }
           std::cout << total << " forms for " << printed_units << " units\n";
           return kExitOk;
         });
       }},
      {"review list", "List the open review items, oldest first",
       [](CLI::App* cmd) {
         struct Args { std::string db; int limit = 50; std::string lang = "vi"; };
         auto a = std::make_shared<Args>();
         cmd->add_option("--db", a->db, "survey file")->required();
         cmd->add_option("--limit", a->limit, "at most this many (default 50)")->check(CLI::Range(1, 1000000));
         cmd->add_option("--lang", a->lang,
                         "language of the reasons: vi (default, the review screen's words) or en")
             ->check(CLI::IsMember({"vi", "en"}));
         return std::function<int()>([a] {
           auto store = OpenSurvey(a->db, false);
           if (!store.ok()) return Fail(store.error());
           auto status = (*store)->GetStatus();
           if (!status.ok()) return Fail(status.error());
           auto items = (*store)->ListOpenReviewItems(a->limit);
           if (!items.ok()) return Fail(items.error());
           const bool vi = a->lang == "vi";
           std::cout << status->review_open << (vi ? " mục chờ duyệt" : " items wait for review");
           if (status->review_open > static_cast<int>(items->size()))
             std::cout << (vi ? " (" : " (first ") << items->size() << (vi ? " mục đầu)" : ")");
           std::cout << ":\n";
           for (const auto& it : *items) {
             std::string reading;
             if (it.text) {
               reading = "\"" + *it.text + "\"";
             } else if (!it.selected.empty()) {
               for (const auto& v : it.selected) reading += (reading.empty() ? "" : ",") + v;
             } else {
               reading = "-";
             }
             std::cout << "  #" << std::left << std::setw(6) << it.id << " sheet " << templates::FormatSerial(it.serial)
                       << " p" << it.page << "  " << std::setw(10) << it.field_id << " read " << std::setw(8)
                       << reading << " conf " << std::fixed << std::setprecision(2) << it.confidence << "  "
                       << (a->lang == "vi" && !it.reasons.empty() ? recognition::ReasonTextVi(it.reasons) : it.reason)
                       << "\n";
           }
           return kExitOk;
         });
       }},
      {"status", "Show the survey so far: pages, sheets, review queue, units against quotas",
       [](CLI::App* cmd) {
         auto db = std::make_shared<std::string>();
         cmd->add_option("--db", *db, "survey file")->required();
         return std::function<int()>([db] {
           auto store = OpenSurvey(*db, false);
           if (!store.ok()) return Fail(store.error());
           auto s = (*store)->GetStatus();
           if (!s.ok()) return Fail(s.error());
           std::cout << "Survey " << *db << "\n"
                     << "  scan files        " << s->scan_files << "\n"
                     << "  pages             " << s->pages << " (" << s->pages_identified << " identified, "
                     << s->pages_unidentified << " unidentified, " << s->conflicts << " conflicts"
                     << (s->conflicts_settled > 0
                             ? ", " + std::to_string(s->conflicts_settled) + " set aside settling conflicts"
                             : std::string())
                     << ")\n"
                     << "  sheets            " << s->sheets << ": " << s->sheets_complete << " complete, "
                     << s->sheets_needs_review << " need review, " << s->sheets_incomplete << " incomplete\n"
                     << "  review items open " << s->review_open << "\n";
           if (s->required_left_blank > 0)
             std::cout << "  left blank        " << s->required_left_blank << " required questions on "
                       << s->sheets_with_required_left_blank
                       << " sheets, no mark near their boxes (recorded as unanswered)\n";
           if (!s->unidentified_reasons.empty()) {
             std::cout << "  unidentified pages by reason:\n";
             for (const auto& [reason, n] : s->unidentified_reasons)
               std::cout << "    " << std::setw(5) << n << "  " << reason << "\n";
           }
           if (s->sheets_incomplete > 0) {
             auto sheets = (*store)->ListSheets(true);
             if (!sheets.ok()) return Fail(sheets.error());
             std::cout << "  sheets with pages missing:\n";
             int shown = 0;
             for (const auto& sh : *sheets) {
               if (sh.missing_pages.empty()) continue;
               if (++shown > 20) {
                 std::cout << "    … and " << (s->sheets_incomplete - 20) << " more\n";
                 break;
               }
               std::cout << "    " << templates::FormatSerial(sh.serial) << " (" << sh.template_id
                         << (sh.unit_code.empty() ? "" : ", " + sh.unit_code) << "): page";
               if (sh.missing_pages.size() > 1) std::cout << "s";
               for (size_t i = 0; i < sh.missing_pages.size(); ++i)
                 std::cout << (i ? ", " : " ") << sh.missing_pages[i];
               std::cout << " not scanned\n";
             }
           }
           if (!s->units.empty()) {
             std::cout << "  units (sheets / quota):\n";
             for (const auto& u : s->units)
               std::cout << "    " << std::left << std::setw(12) << u.code << std::right << std::setw(5)
                         << u.sheets << " / " << std::setw(4) << u.quota << "  " << u.name << "\n";
           }
           return kExitOk;
         });
       }},
  };
}

}  // namespace phieu::app
