// Copyright 2026 The Phiếu Authors
// SPDX-License-Identifier: Apache-2.0
// Any text as a template: every problem is a Problem, a valid template lays out.
#include <cstdint>
#include <string_view>

#include "templates/templates.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  auto tpl = phieu::templates::ParseTemplate(text, "fuzz.json");
  if (!tpl.ok()) return 0;
  if (tpl->version < 1) __builtin_trap();  // versions never wrap
  auto layout = phieu::templates::ComputeLayout(*tpl);
  (void)phieu::templates::LayoutToJson(layout);
  return 0;
}
