// Copyright 2026 The Phiếu Authors
// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "store/store.h"

namespace phieu::store {

/// Units parsed from a units CSV, or every problem found ("units.csv:7: ...", one per entry).
struct ParsedUnits {
  std::vector<Unit> units;
  std::vector<std::string> errors;
};

/// Parses and validates the whole file before anything is stored. `unit_exists` answers
/// whether a code is already in the survey (a parent may live there instead of in the file),
/// and `parent_of` gives a stored unit's parent (to catch cycles through stored units).
ParsedUnits ParseUnitsCsv(const std::string& csv_text, const std::string& source_name,
                          const std::function<bool(const std::string&)>& unit_exists,
                          const std::function<std::string(const std::string&)>& parent_of);

}  // namespace phieu::store
