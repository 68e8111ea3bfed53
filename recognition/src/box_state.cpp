// Copyright 2026 The Phiếu Authors
// SPDX-License-Identifier: Apache-2.0
#include "recognition/recognition.h"

namespace phieu::recognition {

const char* BoxStateName(BoxState state) {
  switch (state) {
    case BoxState::kEmpty: return "empty";
    case BoxState::kMarked: return "marked";
    case BoxState::kCancelled: return "cancelled";
  }
  return "empty";
}

}  // namespace phieu::recognition
