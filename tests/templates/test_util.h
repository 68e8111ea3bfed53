// Copyright 2026 The Phiếu Authors
// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <fstream>
#include <sstream>
#include <string>

namespace phieu::templates::testing {

inline std::string TestDataPath(const std::string& name) {
  return std::string(PHIEU_SOURCE_DIR) + "/tests/templates/data/" + name;
}

inline std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

}  // namespace phieu::templates::testing
