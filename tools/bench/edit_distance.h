// Copyright 2026 The Phiếu Authors
// SPDX-License-Identifier: Apache-2.0
// Edit distance over Unicode code points: how far a handwriting draft is from its truth. The
// benchmark's character error rate and the OCR model bench (tests/handwriting) count with it.
#pragma once

#include <algorithm>
#include <string>
#include <vector>

namespace phieu::bench {

/// The code points of UTF-8 text (the texts are NFC): "mật" is 3 code points in 5 bytes.
inline std::vector<char32_t> CodePoints(const std::string& s) {
  std::vector<char32_t> out;
  for (size_t i = 0; i < s.size();) {
    unsigned char c = s[i];
    int n = c < 0x80 ? 1 : c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;
    char32_t cp = n == 1 ? c : c & (0xFF >> (n + 1));
    for (int k = 1; k < n && i + k < s.size(); ++k) cp = (cp << 6) | (s[i + k] & 0x3F);
    out.push_back(cp);
    i += n;
  }
  return out;
}

/// Insertions, deletions and substitutions of code points that turn `a8` into `b8` (UTF-8):
/// "mật" -> "mat" is 1, not the 3 bytes that differ.
inline long EditDistance(const std::string& a8, const std::string& b8) {
  auto a = CodePoints(a8), b = CodePoints(b8);
  std::vector<long> prev(b.size() + 1), cur(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) prev[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    cur[0] = i;
    for (size_t j = 1; j <= b.size(); ++j)
      cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1)});
    std::swap(prev, cur);
  }
  return prev[b.size()];
}

}  // namespace phieu::bench
