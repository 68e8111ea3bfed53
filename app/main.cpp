// Copyright 2026 The Phiếu Authors
// SPDX-License-Identifier: Apache-2.0
// The `phieu` command: parses arguments and dispatches a table of subcommands.
#include <unistd.h>

#include <clocale>
#include <cstdlib>
#include <exception>
#include <functional>
#include <iostream>

#include "app/common.h"

namespace {

// Debian's libtesseract uses OpenMP, whose busy-waiting makes recognition ~8x slower on
// 2 cores; libgomp reads OMP_THREAD_LIMIT when the library loads, so setting it in main()
// is too late. Re-exec ourselves once with it set (../shared/STACK.md section 4).
void EnsureSingleThreadedOpenMp(char** argv) {
  if (std::getenv("OMP_THREAD_LIMIT")) return;
  setenv("OMP_THREAD_LIMIT", "1", 1);
  execv("/proc/self/exe", argv);
  // execv only returns on failure: carry on, just slower.
}

}  // namespace

int main(int argc, char** argv) {
  EnsureSingleThreadedOpenMp(argv);
  std::setlocale(LC_ALL, "C.UTF-8");
  using namespace phieu::app;

  CLI::App app{"Phiếu: paper questionnaires to a clean, reviewed dataset"};
  app.require_subcommand(1);
  app.set_help_all_flag("--help-all", "Show help for every subcommand");

  std::function<int()> run;
  auto add_table = [&](CLI::App* parent, const std::vector<Command>& table) {
    for (const auto& c : table) {
      // "units import" nests under a group subcommand created on first use.
      std::string name = c.name;
      CLI::App* owner = parent;
      if (auto space = name.find(' '); space != std::string::npos) {
        std::string group = name.substr(0, space);
        name = name.substr(space + 1);
        owner = nullptr;
        for (CLI::App* s : parent->get_subcommands([](CLI::App*) { return true; }))
          if (s->get_name() == group) owner = s;
        if (!owner) {
          owner = parent->add_subcommand(group, "");
          owner->require_subcommand(1);
        }
      }
      CLI::App* sub = owner->add_subcommand(name, c.help);
      auto fn = std::make_shared<std::function<int()>>(c.setup(sub));
      sub->callback([&run, fn] { run = *fn; });
    }
  };
  add_table(&app, TemplateCommands());
  add_table(&app, SurveyCommands());
  add_table(&app, IngestCommands());
  add_table(&app, ExportCommands());
  add_table(&app, SimulateCommands());
  add_table(&app, UserCommands());

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int rc = app.exit(e);
    return rc == 0 ? 0 : kExitUsage;
  }
  try {
    return run ? run() : kExitUsage;
  } catch (const std::exception& e) {
    return Fail(std::string("internal error: ") + e.what(), kExitFailed);
  }
}
