// Copyright 2026 The Phiếu Authors
// SPDX-License-Identifier: Apache-2.0
// A fresh folder per test, removed afterwards: the one every suite uses.
#pragma once

#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <string>
#include <system_error>

#include <gtest/gtest.h>

namespace phieu::testing {

/// "<tmp>/phieu_<prefix>_<pid>_<n>_<test name>", created empty; removed by the destructor
/// (kept when `keep_on_failure` and the test failed, to look at).
class TempDir {
 public:
  explicit TempDir(const std::string& prefix = "test", bool keep_on_failure = false)
      : keep_on_failure_(keep_on_failure) {
    static std::atomic<int> counter{0};
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    path_ = std::filesystem::temp_directory_path() /
            ("phieu_" + prefix + "_" + std::to_string(::getpid()) + "_" + std::to_string(counter++) + "_" +
             (info ? info->name() : "x"));
    std::filesystem::remove_all(path_);
    std::filesystem::create_directories(path_);
  }
  ~TempDir() {
    if (keep_on_failure_ && ::testing::Test::HasFailure()) return;
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::filesystem::path& path() const { return path_; }
  std::filesystem::path operator/(const std::string& name) const { return path_ / name; }

 private:
  std::filesystem::path path_;
  bool keep_on_failure_ = false;
};

}  // namespace phieu::testing
