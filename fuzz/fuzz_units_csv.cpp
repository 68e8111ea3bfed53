// Copyright 2026 The Phiếu Authors
// SPDX-License-Identifier: Apache-2.0
// Any text as a units CSV: units or problems, never a crash; units never have empty codes.
#include <cstdint>
#include <string>

#include "units_csv.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string text(reinterpret_cast<const char*>(data), size);
  auto parsed = phieu::store::ParseUnitsCsv(
      text, "fuzz.csv", [](const std::string& code) { return code == "X01"; },
      [](const std::string&) { return std::string(); });
  if (parsed.errors.empty())
    for (const auto& u : parsed.units)
      if (u.code.empty()) __builtin_trap();
  return 0;
}
