// Copyright 2026 The Phiếu Authors
// SPDX-License-Identifier: Apache-2.0
#pragma once

// Review reasons as codes (docs/review-reasons.md), private to the store: the JSON the survey
// file keeps them in, and the reader of the English sentences older Phiếu versions stored.

#include <string>
#include <string_view>
#include <vector>

#include "core/review_reason.h"

namespace phieu::store {

/// The codes of an English reason as recognition writes it (one or more parts joined by "; ").
/// Each part that matches a pattern of docs/review-reasons.md gives its code (a box doubt ending
/// in ", box outline not found" gives two); a part that matches nothing gives
/// {"legacy", {{"text", part}}}. The remarks of accepted readings (required_left_blank, blank,
/// dot, short_stroke, dash, handwriting_sure) are recognised too. "" and "low confidence"
/// give {} and {low_confidence}.
std::vector<core::ReviewReason> ReasonCodesFromText(std::string_view text);

/// `[{"code": C, "params": {NAME: VALUE...}}...]`, parameters in their order.
std::string ReasonCodesToJson(const std::vector<core::ReviewReason>& reasons);
/// Inverse of ReasonCodesToJson; throws nlohmann::json::exception on malformed JSON.
std::vector<core::ReviewReason> ReasonCodesFromJson(std::string_view json_text);

/// The codes a reading is stored with: `reasons` when given, else read from `text`; a flagged
/// reading with neither gets {low_confidence}.
std::vector<core::ReviewReason> StoredReasonCodes(const std::vector<core::ReviewReason>& reasons,
                                                  const std::string& text, bool needs_review);

}  // namespace phieu::store
