// Copyright 2026 The Phiếu Authors
// SPDX-License-Identifier: Apache-2.0
// phieu template check | render | layout
#include <fstream>
#include <iostream>

#include "app/common.h"

namespace phieu::app {
namespace {

int WriteText(const std::string& path, const std::string& text) {
  if (path.empty() || path == "-") {
    std::cout << text << "\n";
    return kExitOk;
  }
  std::ofstream f(path, std::ios::binary | std::ios::trunc);
  if (!(f << text << "\n")) return Fail(path + ": cannot write");
  return kExitOk;
}

}  // namespace

std::vector<Command> TemplateCommands() {
  return {
      {"template check", "Validate templates and report every problem with its JSON path",
       [](CLI::App* cmd) {
         auto files = std::make_shared<std::vector<std::string>>();
         cmd->add_option("TEMPLATE", *files, "template JSON files or bundled ids")->required();
         return std::function<int()>([files] {
           int rc = kExitOk;
           for (const auto& f : *files) {
             auto tpl = ResolveTemplate(f);
             if (!tpl.ok()) {
               std::cerr << tpl.error().message << "\n";
               rc = kExitPartial;
               continue;
             }
             auto layout = templates::ComputeLayout(*tpl);
             int boxes = 0;
             for (const auto& field : layout.fields) boxes += static_cast<int>(field.options.size());
             std::cout << f << ": ok — " << tpl->id << " v" << tpl->version << ", "
                       << layout.pages.size() << " pages, " << layout.fields.size() << " fields, "
                       << boxes << " tick boxes\n";
           }
           return rc;
         });
       }},
      {"template render", "Render printable forms to PDF (one copy per serial)",
       [](CLI::App* cmd) {
         struct Args { std::string tpl, out, serial, serials; };
         auto a = std::make_shared<Args>();
         cmd->add_option("TEMPLATE", a->tpl, "template JSON file or bundled id")->required();
         cmd->add_option("-o,--output", a->out, "PDF to write")->required();
         auto* one = cmd->add_option("--serial", a->serial, "render one copy with this serial");
         cmd->add_option("--serials", a->serials, "render copies A-B")->excludes(one);
         return std::function<int()>([a] {
           auto tpl = ResolveTemplate(a->tpl);
           if (!tpl.ok()) return Fail(tpl.error(), kExitUsage);
           templates::RenderOptions options;
           if (!a->serial.empty() || !a->serials.empty()) {
             auto serials = ParseSerialRange(a->serial.empty() ? a->serials : a->serial);
             if (!serials.ok()) return Fail(serials.error(), kExitUsage);
             options.serials = *serials;
           }
           auto st = templates::RenderPdf(*tpl, a->out, options);
           if (!st.ok()) return Fail(st.error());
           std::cerr << "wrote " << a->out << " (" << std::max<size_t>(1, options.serials.size())
                     << " copies)\n";
           return kExitOk;
         });
       }},
      {"template layout", "Write where every box lands on the printed pages (layout JSON)",
       [](CLI::App* cmd) {
         struct Args { std::string tpl, out; };
         auto a = std::make_shared<Args>();
         cmd->add_option("TEMPLATE", a->tpl, "template JSON file or bundled id")->required();
         cmd->add_option("-o,--output", a->out, "layout JSON to write (default: stdout)");
         return std::function<int()>([a] {
           auto tpl = ResolveTemplate(a->tpl);
           if (!tpl.ok()) return Fail(tpl.error(), kExitUsage);
           return WriteText(a->out, templates::LayoutToJson(templates::ComputeLayout(*tpl)));
         });
       }},
  };
}

}  // namespace phieu::app
