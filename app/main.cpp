// Copyright 2026 The Phiếu Authors
// SPDX-License-Identifier: Apache-2.0
// The `phieu` command: parses arguments and dispatches a table of subcommands.
#include <clocale>
#include <cstdlib>
#include <exception>
#include <functional>
#include <iostream>
#include <map>
#include <string>
#include <vector>

#include "app/common.h"

namespace {

// What each command group is for, shown in `phieu --help`. A group missing here is described
// by the commands it holds, so a new table never shows an empty line.
const std::map<std::string, std::string>& GroupHelp() {
  static const std::map<std::string, std::string> kHelp = {
      {"template", "Write and check questionnaire templates: check, render printable forms, layout"},
      {"survey", "Create a survey file (the SQLite file every other command works on)"},
      {"units", "The surveyed units (offices, clinics, schools) and their quotas"},
      {"review", "What waits for a reviewer"},
      {"user", "Logins for the review server (admin, reviewer, clerk): add, passwd, disable, list"},
      {"recheck", "The re-check (phúc tra): draw a sample of sheets for blind second entry, report agreement"},
  };
  return kHelp;
}

std::vector<CLI::App*> Subcommands(CLI::App* app) {
  return app->get_subcommands([](CLI::App*) { return true; });
}

/// The first word that is neither an option nor a command of the group it follows, e.g.
/// "phieu templat check" -> a message naming "templat" and listing the commands. Empty when
/// every command word is known (CLI11 then judges the options).
std::string UnknownCommandWord(CLI::App& app, int argc, char** argv) {
  CLI::App* at = &app;
  std::string path = "phieu";
  for (int i = 1; i < argc; ++i) {
    const std::string word = argv[i];
    if (word.empty() || word[0] == '-') return "";  // options: CLI11's business
    auto subs = Subcommands(at);
    if (subs.empty()) return "";  // a leaf command: the rest are its arguments
    CLI::App* next = nullptr;
    for (CLI::App* s : subs)
      if (s->get_name() == word) next = s;
    if (!next) {
      std::string known;
      for (CLI::App* s : subs) known += (known.empty() ? "" : ", ") + s->get_name();
      return "unknown command \"" + word + "\" for `" + path + "` (commands: " + known + "; see `" + path +
             " --help`)";
    }
    at = next;
    path += " " + word;
  }
  return "";
}

}  // namespace

int main(int argc, char** argv) {
  phieu::app::EnsureSingleThreadedOpenMp(argv);
  std::setlocale(LC_ALL, "C.UTF-8");
  using namespace phieu::app;

  CLI::App app{"Phiếu: paper questionnaires to a clean, reviewed dataset"};
  app.require_subcommand(1);
  app.set_help_all_flag("--help-all", "Show help for every subcommand");
  app.set_version_flag("--version", std::string("phieu ") + PHIEU_VERSION, "Print the version and exit");

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
          auto help = GroupHelp().find(group);
          owner = parent->add_subcommand(group, help == GroupHelp().end() ? "" : help->second);
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
  add_table(&app, RereadCommands());
  add_table(&app, ExportCommands());
  add_table(&app, SimulateCommands());
  add_table(&app, ServeCommands());
  add_table(&app, UserCommands());
  add_table(&app, RecheckCommands());

  // Groups without a written description list their commands.
  for (CLI::App* group : Subcommands(&app)) {
    if (!group->get_description().empty()) continue;
    std::string names;
    for (CLI::App* s : Subcommands(group)) names += (names.empty() ? "" : ", ") + s->get_name();
    group->description("Commands: " + names);
  }
  if (std::string unknown = UnknownCommandWord(app, argc, argv); !unknown.empty())
    return Fail(unknown, kExitUsage);

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
