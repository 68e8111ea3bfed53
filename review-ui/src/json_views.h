// Copyright 2026 The Phiếu Authors
// SPDX-License-Identifier: Apache-2.0
// The JSON shapes of docs/api.md, made from store values (and parsed back for decisions).
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "store/store.h"
#include "templates/layout.h"

namespace phieu::review {

using Json = nlohmann::json;

/// [x, y, w, h] in mm, or null when empty.
Json RectJson(const core::RectMm& r);
/// A value as in the export contract: single/scale -> option or null, multi -> list,
/// digits/text -> string or null. An illegible value is null (the caller adds "illegible").
Json ValueJson(core::FieldKind kind, const store::FieldValue& value);
/// An ITEM (docs/api.md).
Json ItemJson(const store::ReviewItemView& item);
/// GET /api/sheets/SERIAL; `layout` gives the field order and kinds (may be null: then the
/// record's own fields, box fields written as lists only when they hold several values).
Json SheetJson(const store::SheetRecord& sheet, const templates::Layout* layout);
/// GET /api/sheets/SERIAL/layout.
Json LayoutJson(const store::SheetRecord& sheet, const templates::Layout& layout);
/// One audit row; old/new values are stored JSON and come back as JSON.
Json AuditJson(const store::AuditRow& row);

/// `in` normalised to NFC in `out`; false when `in` is not valid UTF-8.
bool Nfc(const std::string& in, std::string& out);

/// Parses a decision's value for a field of `kind`. False with `error` set (a sentence for the
/// user) when the JSON cannot be a value of that kind. Text is normalised to NFC.
bool ParseValue(core::FieldKind kind, const Json& value, store::FieldValue& out, std::string& error);

}  // namespace phieu::review
