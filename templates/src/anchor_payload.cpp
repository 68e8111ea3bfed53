// Copyright 2026 The Phiếu Authors
// SPDX-License-Identifier: Apache-2.0
#include "templates/anchor_payload.h"

#include <charconv>
#include <vector>

namespace phieu::templates {
namespace {

constexpr std::string_view kMagic = "PH1";

template <typename T>
bool ParseNumber(std::string_view s, T& out) {
  if (s.empty()) return false;
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return ec == std::errc() && ptr == s.data() + s.size();
}

}  // namespace

std::string EncodeAnchorPayload(const AnchorPayload& p) {
  std::string out(kMagic);
  out += '|' + p.key.template_id + '|' + std::to_string(p.key.version) + '|' +
         std::to_string(p.key.page) + '|' + std::to_string(p.key.serial) + '|' +
         std::to_string(p.corner);
  return out;
}

std::optional<AnchorPayload> DecodeAnchorPayload(std::string_view text) {
  std::vector<std::string_view> parts;
  size_t start = 0;
  while (true) {
    size_t bar = text.find('|', start);
    parts.push_back(text.substr(start, bar == std::string_view::npos ? bar : bar - start));
    if (bar == std::string_view::npos) break;
    start = bar + 1;
  }
  if (parts.size() != 6 || parts[0] != kMagic || parts[1].empty() || parts[1].size() > 32)
    return std::nullopt;
  AnchorPayload p;
  p.key.template_id = std::string(parts[1]);
  if (!ParseNumber(parts[2], p.key.version) || p.key.version < 1) return std::nullopt;
  if (!ParseNumber(parts[3], p.key.page) || p.key.page < 1) return std::nullopt;
  if (!ParseNumber(parts[4], p.key.serial) || p.key.serial < 0) return std::nullopt;
  if (!ParseNumber(parts[5], p.corner) || p.corner < 0 || p.corner > 3) return std::nullopt;
  return p;
}

}  // namespace phieu::templates
