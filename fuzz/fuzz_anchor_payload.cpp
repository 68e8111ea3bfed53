// Copyright 2026 The Phiếu Authors
// SPDX-License-Identifier: Apache-2.0
// Any text as a QR anchor payload: decoded or refused; what decodes encodes back to itself.
#include <cstdint>
#include <string_view>

#include "templates/anchor_payload.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  auto p = phieu::templates::DecodeAnchorPayload(text);
  if (!p) return 0;
  auto again = phieu::templates::DecodeAnchorPayload(phieu::templates::EncodeAnchorPayload(*p));
  if (!again || again->key.template_id != p->key.template_id || again->key.version != p->key.version ||
      again->key.page != p->key.page || again->key.serial != p->key.serial || again->corner != p->corner)
    __builtin_trap();
  return 0;
}
