// Copyright 2026 The Phiếu Authors
// SPDX-License-Identifier: Apache-2.0
// Manual driver (not a test): simulate_tool OUT_DIR SHEETS JOBS [TEMPLATE.json] [SEED]
// Generates a stack and prints pages/s; used to eyeball pages and to measure throughput.
#include <cstdio>
#include <cstdlib>
#include <string>

#include "simulator/simulator.h"
#include "simulator/test_template.h"
#include "templates/templates.h"

int main(int argc, char** argv) {
  if (argc < 4) {
    std::fprintf(stderr, "usage: %s OUT_DIR SHEETS JOBS [TEMPLATE.json] [SEED]\n", argv[0]);
    return 2;
  }
  auto tpl = argc > 4 && std::string(argv[4]) != "-" ? phieu::templates::LoadTemplate(argv[4])
                                                      : phieu::templates::ParseTemplate(kSimTestTemplate);
  if (!tpl) {
    std::fprintf(stderr, "%s\n", tpl.error().message.c_str());
    return 1;
  }
  phieu::simulator::SimulateOptions o;
  o.out_dir = argv[1];
  o.sheets = std::atoi(argv[2]);
  o.jobs = std::atoi(argv[3]);
  if (argc > 5) o.seed = std::strtoull(argv[5], nullptr, 10);
  o.missing_page_rate = 0.02;
  o.keep_printed_pdfs = true;
  auto r = phieu::simulator::Simulate(*tpl, o);
  if (!r) {
    std::fprintf(stderr, "%s\n", r.error().message.c_str());
    return 1;
  }
  std::printf("sheets %d pages %d files %d in %.1f s: %.2f pages/s\n", r->sheets, r->pages, r->files,
              r->seconds, r->pages / r->seconds);
  return 0;
}
