// Copyright 2026 The Phiếu Authors
// SPDX-License-Identifier: Apache-2.0
#include "acquire/sane_test_backend.h"

#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <system_error>

namespace phieu::testing {

std::filesystem::path SaneTestConfigDir() {
  return std::filesystem::temp_directory_path() / ("phieu-sane-" + std::to_string(getpid()));
}

void UseSaneTestBackend(const std::filesystem::path& dir, const std::string& extra_lines) {
  static const bool cleanup_registered = [] {
    // One folder per process, shared by its tests: removed when the process ends.
    std::atexit([] {
      std::error_code ec;
      std::filesystem::remove_all(SaneTestConfigDir(), ec);
    });
    return true;
  }();
  (void)cleanup_registered;
  std::filesystem::create_directories(dir);
  std::ofstream(dir / "dll.conf") << "test\n";
  // The backend's defaults except one device and a picture with both black and white in it;
  // later lines win, so `extra_lines` can override these.
  std::ofstream(dir / "test.conf") << "number_of_devices 1\n"
                                      "mode Gray\n"
                                      "depth 8\n"
                                      "resolution 50.0\n"
                                      "test-picture \"Grid\"\n"
                                   << extra_lines;
  setenv("SANE_CONFIG_DIR", dir.c_str(), 1);
}

}  // namespace phieu::testing
