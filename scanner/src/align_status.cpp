// Copyright 2026 The Phiếu Authors
// SPDX-License-Identifier: Apache-2.0
#include "scanner/scanner.h"

namespace phieu::scanner {

const char* AlignStatusName(AlignStatus status) {
  switch (status) {
    case AlignStatus::kOk: return "ok";
    case AlignStatus::kBlank: return "blank";
    case AlignStatus::kNoAnchors: return "no_anchors";
    case AlignStatus::kForeignCode: return "foreign_code";
    case AlignStatus::kUnknownTemplate: return "unknown_template";
    case AlignStatus::kUnknownVersion: return "unknown_version";
    case AlignStatus::kInconsistent: return "inconsistent_anchors";
    case AlignStatus::kPoorFit: return "poor_fit";
    case AlignStatus::kUnreadable: return "unreadable";
  }
  return "unknown";
}

}  // namespace phieu::scanner
