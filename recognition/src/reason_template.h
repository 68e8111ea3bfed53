// Copyright 2026 The Phiếu Authors
// SPDX-License-Identifier: Apache-2.0
// A reason code's text template and its filling, shared by the English (review_text.cpp) and
// the Vietnamese (review_text_vi.cpp) catalogues.
#pragma once

#include <string>
#include <string_view>

#include "core/review_reason.h"

namespace phieu::recognition {

struct ReasonTemplate {
  std::string_view code;
  std::string_view text;  ///< {name} is replaced by the parameter's value.
};

/// `text` with every {name} replaced by the reason's parameter `name` ("" when it has none).
inline std::string FillReason(std::string_view text, const core::ReviewReason& r) {
  std::string out;
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '{') {
      const size_t end = text.find('}', i);
      if (end != std::string_view::npos) {
        out += r.Param(std::string(text.substr(i + 1, end - i - 1)));
        i = end;
        continue;
      }
    }
    out += text[i];
  }
  return out;
}

}  // namespace phieu::recognition
