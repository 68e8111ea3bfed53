// Copyright 2026 The Phiếu Authors
// SPDX-License-Identifier: Apache-2.0
// phieu export
#include <iostream>

#include "app/common.h"
#include "exports/exports.h"

namespace phieu::app {

std::vector<Command> ExportCommands() {
  return {
      {"export", "Export the reviewed dataset",
       [](CLI::App* cmd) {
         struct Args { std::string db, format = "json", out; bool include_pending = false; };
         auto a = std::make_shared<Args>();
         cmd->add_option("--db", a->db, "survey file")->required();
         cmd->add_option("--format", a->format, "json")->check(CLI::IsMember({"json"}));
         cmd->add_option("-o,--output", a->out, "file to write")->required();
         cmd->add_flag("--include-pending", a->include_pending,
                       "also export sheets with open review items (machine readings)");
         return std::function<int()>([a] {
           auto store = OpenSurvey(a->db, false);
           if (!store.ok()) return Fail(store.error());
           auto catalog = LoadCatalog(**store);
           if (!catalog.ok()) return Fail(catalog.error());
           exports::ExportOptions options{.include_pending = a->include_pending};
           auto st = exports::WriteJsonExport(**store, *catalog, a->out, options);
           if (!st.ok()) return Fail(st.error());
           std::cerr << "wrote " << a->out << "\n";
           return kExitOk;
         });
       }},
  };
}

}  // namespace phieu::app
