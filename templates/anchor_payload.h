// Copyright 2026 The Phiếu Authors
// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "core/vocabulary.h"

namespace phieu::templates {

/// What one QR anchor says: the page it sits on and which corner of that page it is.
/// Text form (docs/qr-payload.md): "PH1|<template>|<version>|<page>|<serial>|<corner>",
/// e.g. "PH1|sipas-hcc|1|2|1000123|3". Corner: 0 TL, 1 TR, 2 BR, 3 BL.
struct AnchorPayload {
  core::PageKey key;
  int corner = 0;
};

std::string EncodeAnchorPayload(const AnchorPayload& payload);

/// The error correction level anchors are printed with, as ZXing's writer takes it: M, 15% of
/// the symbol may be lost (a tick or a staple hole across an anchor), while a 50-character
/// payload still fits version 4 (33 modules, 0.42 mm each at 14 mm).
inline constexpr int kAnchorEccLevel = 4;

/// Parses a decoded QR text. nullopt when it is not a Phiếu anchor (foreign code, damaged
/// text, unknown payload version): the caller decides what that means.
std::optional<AnchorPayload> DecodeAnchorPayload(std::string_view text);

}  // namespace phieu::templates
