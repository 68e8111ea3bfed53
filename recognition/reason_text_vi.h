// Copyright 2026 The Phiếu Authors
// SPDX-License-Identifier: Apache-2.0
// The Vietnamese text of review reason codes (docs/review-reasons.md) for the terminal, beside
// recognition.h's English ReasonText.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "core/review_reason.h"

namespace phieu::recognition {

/// The Vietnamese text (NFC) of reasons, word for word the review screen's text for each code
/// (review-ui/assets/i18n.js, kReasons), joined by "; ". A code the screen has no words for (a
/// remark kept with an accepted reading) falls back to ReasonText's English.
std::string ReasonTextVi(const std::vector<core::ReviewReason>& reasons);
std::string ReasonTextVi(const core::ReviewReason& reason);
/// The Vietnamese templates ({name} = a parameter) by code, for the test that holds them equal
/// to the screen's catalogue (digits_unclear is worded in code, as on the screen).
std::vector<std::pair<std::string, std::string>> VietnameseReasonTemplates();

}  // namespace phieu::recognition
