// Copyright 2026 The Phiếu Authors
// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <string>
#include <utility>
#include <vector>

namespace phieu::core {

/// Why a reading needs a person's look: a stable code with named parameters. The store counts
/// by code; each screen renders it in its own language (the review UI in Vietnamese or English,
/// the terminal in English). Codes are snake_case and never change meaning once shipped; the
/// full list with their parameters is in docs/review-reasons.md.
///
/// Examples: {"heavy_mark", {{"box", "3"}}}, {"two_marks_single", {{"count", "2"}}},
/// {"digit_out_of_range", {{"value", "1890"}, {"min", "1920"}, {"max", "2010"}}}.
struct ReviewReason {
  std::string code;
  std::vector<std::pair<std::string, std::string>> params;  ///< name -> value, in order.
  bool operator==(const ReviewReason&) const = default;

  /// The value of parameter `name`, or "" when absent.
  const std::string& Param(const std::string& name) const {
    static const std::string kNone;
    for (const auto& [k, v] : params)
      if (k == name) return v;
    return kNone;
  }
};

}  // namespace phieu::core
