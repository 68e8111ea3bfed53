// Copyright 2026 The Phiếu Authors
// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <string>
#include <vector>

namespace phieu::simulator {

/// Comments people write in the "Ý kiến khác" area of a citizen-satisfaction survey: UTF-8,
/// NFC, full diacritics; from one word ("Tốt") to two-line complaints.
const std::vector<std::string>& SurveyComments();

}  // namespace phieu::simulator
