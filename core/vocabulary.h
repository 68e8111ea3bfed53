// Copyright 2026 The Phiếu Authors
// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace phieu::core {

/// The five question kinds of the template format (DESIGN.md).
enum class FieldKind { kSingle, kMulti, kScale, kDigits, kText };

/// "single", "multi", "scale", "digits", "text": the names used in JSON everywhere.
inline std::string_view FieldKindName(FieldKind k) {
  switch (k) {
    case FieldKind::kSingle: return "single";
    case FieldKind::kMulti: return "multi";
    case FieldKind::kScale: return "scale";
    case FieldKind::kDigits: return "digits";
    case FieldKind::kText: return "text";
  }
  return "single";
}

inline std::optional<FieldKind> ParseFieldKind(std::string_view s) {
  if (s == "single") return FieldKind::kSingle;
  if (s == "multi") return FieldKind::kMulti;
  if (s == "scale") return FieldKind::kScale;
  if (s == "digits") return FieldKind::kDigits;
  if (s == "text") return FieldKind::kText;
  return std::nullopt;
}

/// True for kinds read as tick boxes (single, multi, scale).
inline bool IsBoxKind(FieldKind k) {
  return k == FieldKind::kSingle || k == FieldKind::kMulti || k == FieldKind::kScale;
}

/// A printed sheet's serial number. Unique per survey; allocated by `phieu print`.
using Serial = std::int64_t;

/// Exactly what one QR anchor encodes: which questionnaire, which page, which sheet.
struct PageKey {
  std::string template_id;
  int version = 0;
  int page = 0;        ///< 1-based page number within the template.
  Serial serial = 0;   ///< sheet serial; 0 only for "no serial" test renders.
  bool operator==(const PageKey&) const = default;
};

}  // namespace phieu::core
