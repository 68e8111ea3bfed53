// Copyright 2026 The Phiếu Authors
// SPDX-License-Identifier: Apache-2.0
// phieu export, phieu report
#include <cstdlib>
#include <iostream>

#include "app/common.h"
#include "exports/exports.h"

namespace phieu::app {
namespace {

struct FilterArgs {
  std::vector<std::string> units, kinds, templates, statuses, channels;
  bool include_pending = false;
};

void AddFilterOptions(CLI::App* cmd, FilterArgs& f) {
  cmd->add_option("--unit", f.units, "only these unit codes (repeat or comma-separate)")->delimiter(',');
  cmd->add_option("--kind", f.kinds, "only units of these kinds (admin, health, school...)")->delimiter(',');
  cmd->add_option("--template", f.templates, "only sheets of these template ids")->delimiter(',');
  cmd->add_option("--status", f.statuses, "only sheets in these states")
      ->delimiter(',')
      ->check(CLI::IsMember({"complete", "needs_review", "incomplete"}));
  cmd->add_option("--channel", f.channels, "only answers from these channels")
      ->delimiter(',')
      ->check(CLI::IsMember({"paper", "phone", "online"}));
  cmd->add_flag("--include-pending", f.include_pending,
                "also sheets with open review items (their machine readings)");
}

exports::SheetFilter ToFilter(const FilterArgs& f) {
  return {.include_pending = f.include_pending, .units = f.units, .kinds = f.kinds,
          .templates = f.templates, .statuses = f.statuses, .channels = f.channels};
}

/// "N sheets exported; K left out: ..." for the analyst: what the default filter kept back and
/// why, and how many of the sheets written lack a page.
void SayCoverage(const exports::ExportSummary& s, bool personal_flag_given, const char* verb = "exported") {
  std::cerr << s.rows << " sheet" << (s.rows == 1 ? "" : "s") << " " << verb;
  if (s.with_pages_missing > 0)
    std::cerr << " (" << s.with_pages_missing << " with pages missing: status incomplete, the answers of "
              << "those pages missing; --status complete leaves them out)";
  if (s.left_out_pending > 0)
    std::cerr << "; " << s.left_out_pending << " left out pending review (--include-pending takes them in)";
  if (s.left_out_by_filter > 0) std::cerr << "; " << s.left_out_by_filter << " not matching the filters";
  std::cerr << "\n";
  if (!s.personal_left_out.empty() && !personal_flag_given) {
    std::cerr << "personal fields left out:";
    for (const auto& id : s.personal_left_out) std::cerr << " " << id;
    std::cerr << " (--include-personal exports them)\n";
  }
}

}  // namespace

std::vector<Command> ExportCommands() {
  return {
      {"export", "Export the reviewed dataset (json, csv, xlsx, sav)",
       [](CLI::App* cmd) {
         struct Args {
           std::string db, format = "json", out;
           bool include_personal = false, bom = false;
           FilterArgs filter;
         };
         auto a = std::make_shared<Args>();
         cmd->add_option("--db", a->db, "survey file")->required();
         cmd->add_option("--format", a->format, "json, csv, xlsx or sav")
             ->check(CLI::IsMember({"json", "csv", "xlsx", "sav"}));
         cmd->add_option("-o,--output", a->out, "file to write")->required();
         AddFilterOptions(cmd, a->filter);
         cmd->add_flag("--include-personal", a->include_personal,
                       "also export fields marked personal (phone numbers, names, addresses)");
         cmd->add_flag("--bom", a->bom, "csv: start with a UTF-8 byte order mark (Excel on Windows)");
         return std::function<int()>([a] {
           auto store = OpenSurvey(a->db, false);
           if (!store.ok()) return Fail(store.error());
           auto catalog = LoadCatalog(**store);
           if (!catalog.ok()) return Fail(catalog.error());
           exports::ExportOptions options{.include_personal = a->include_personal, .bom = a->bom,
                                          .filter = ToFilter(a->filter)};
           exports::ExportFormat format = a->format == "csv"    ? exports::ExportFormat::kCsv
                                          : a->format == "xlsx" ? exports::ExportFormat::kXlsx
                                          : a->format == "sav"  ? exports::ExportFormat::kSav
                                                                : exports::ExportFormat::kJson;
           auto summary = exports::WriteExport(**store, *catalog, format, a->out, options);
           if (!summary.ok()) return Fail(summary.error());
           for (const auto& f : summary->files) std::cerr << "wrote " << f.string() << "\n";
           SayCoverage(*summary, a->include_personal);
           if (!summary->personal_included.empty()) {
             std::cerr << "personal fields included:";
             for (const auto& id : summary->personal_included) std::cerr << " " << id;
             std::cerr << " (handle this file as personal data)\n";
           }
           return kExitOk;
         });
       }},
      {"import", "Answers collected by phone or online (CSV or XLSX with the export's columns)",
       [](CLI::App* cmd) {
         struct Args {
           std::string db, channel, file;
         };
         auto a = std::make_shared<Args>();
         cmd->add_option("--db", a->db, "survey file")->required();
         cmd->add_option("--channel", a->channel, "how the answers were collected")
             ->required()
             ->check(CLI::IsMember({"phone", "online"}));
         cmd->add_option("file", a->file, "answers.csv or answers.xlsx")->required();
         return std::function<int()>([a] {
           auto store = OpenSurvey(a->db, false);
           if (!store.ok()) return Fail(store.error());
           auto catalog = LoadCatalog(**store);
           if (!catalog.ok()) return Fail(catalog.error());
           auto result = exports::ImportAnswersFile(**store, *catalog, a->file,
                                                    {.channel = a->channel, .who = "import:" + CliUser()});
           if (!result.ok()) return Fail(result.error(), kExitUsage);
           if (result->already_imported)
             std::cout << a->file << ": already imported (" << result->sheets << " sheets); nothing changed\n";
           else
             std::cout << a->file << ": " << result->sheets << " sheets imported, channel " << a->channel << "\n";
           return kExitOk;
         });
       }},
      {"report", "Satisfaction indices per unit (json, html, pdf)",
       [](CLI::App* cmd) {
         struct Args {
           std::string db, format = "html", out;
           FilterArgs filter;
         };
         auto a = std::make_shared<Args>();
         cmd->add_option("--db", a->db, "survey file")->required();
         cmd->add_option("--format", a->format, "json, html or pdf")
             ->check(CLI::IsMember({"json", "html", "pdf"}));
         cmd->add_option("-o,--output", a->out, "file to write")->required();
         AddFilterOptions(cmd, a->filter);
         return std::function<int()>([a] {
           auto store = OpenSurvey(a->db, false);
           if (!store.ok()) return Fail(store.error());
           auto templates = LoadTemplates(**store);
           if (!templates.ok()) return Fail(templates.error());
           auto catalog = LoadCatalog(**store);
           if (!catalog.ok()) return Fail(catalog.error());
           auto report = exports::ComputeReport(**store, *templates, *catalog,
                                                {.filter = ToFilter(a->filter)});
           if (!report.ok()) return Fail(report.error());
           core::Status st;
           if (a->format == "pdf") {
             st = exports::WriteReportPdf(*report, a->out);
           } else {
             std::string text = a->format == "json" ? exports::ReportToJson(*report)
                                                    : exports::ReportToHtml(*report);
             st = WriteTextFile(a->out, text);
           }
           if (!st.ok()) return Fail(st.error());
           std::cerr << "wrote " << a->out << "\n";
           SayCoverage(report->coverage, true, "counted");
           return kExitOk;
         });
       }},
  };
}

}  // namespace phieu::app
