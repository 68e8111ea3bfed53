// Copyright 2026 The Phiếu Authors
// SPDX-License-Identifier: Apache-2.0
//
// Shared helpers of the SQLite store, and Store::Open.

#include "sqlite_store.h"

#include <sqlite3.h>

#include <memory>

#include "schema.h"

namespace phieu::store {

json RectJson(const core::RectMm& r) { return json::array({r.x, r.y, r.w, r.h}); }

core::RectMm RectFromJson(const json& j) {
  if (!j.is_array() || j.size() != 4) return {};
  return {j[0].get<double>(), j[1].get<double>(), j[2].get<double>(), j[3].get<double>()};
}

std::string ValueJson(core::FieldKind kind, const std::vector<std::string>& selected,
                      const std::optional<std::string>& text) {
  if (core::IsBoxKind(kind)) return json(selected).dump();
  return text ? json(*text).dump() : std::string("null");
}

DecodedValue DecodeValue(std::string_view v) {
  DecodedValue out;
  if (v.find('\\') == std::string_view::npos) {
    if (v == "null") return out;
    if (v.size() >= 2 && v.front() == '"' && v.back() == '"') {
      out.text = std::string(v.substr(1, v.size() - 2));
      return out;
    }
    if (v.size() >= 2 && v.front() == '[' && v.back() == ']') {
      out.is_array = true;
      for (size_t open = v.find('"'); open != std::string_view::npos;) {
        size_t close = v.find('"', open + 1);
        if (close == std::string_view::npos) break;
        out.items.emplace_back(v.substr(open + 1, close - open - 1));
        open = v.find('"', close + 1);
      }
      return out;
    }
  }
  json j = json::parse(v);
  if (j.is_array()) {
    out.is_array = true;
    for (const auto& e : j) out.items.push_back(e.get<std::string>());
  } else if (j.is_string()) {
    out.text = j.get<std::string>();
  }
  return out;
}

void ApplyValue(const std::string& value_json, const std::string& field_id, SheetRecord& rec) {
  if (auto it = rec.selected.find(field_id); it != rec.selected.end()) {
    it->second = DecodeValue(value_json).items;
  } else if (auto jt = rec.text.find(field_id); jt != rec.text.end()) {
    jt->second = DecodeValue(value_json).text;
  }
  // A value for a field the layout does not have (should not happen) is ignored, so an
  // export only ever carries the template's fields.
}

core::Result<std::unique_ptr<Store>> Store::Open(const fs::path& path, bool create) {
  const std::string name = path.string();
  const bool in_memory = name == ":memory:";
  if (!in_memory && !create && !fs::exists(path))
    return MakeError("io", name + ": no such survey file");
  auto store = std::make_unique<SqliteStore>(name);
  try {
    store->db().Open(name, create);
  } catch (const DbError& e) {
    return MakeError("io", name + ": cannot open the survey file: " + e.what());
  }
  try {
    Migrate(store->db());
  } catch (const DbError& e) {
    if (e.code() == SQLITE_NOTADB)
      return MakeError("invalid", name + ": not a Phiếu survey file (not an SQLite database)");
    return MakeError("sqlite", name + ": " + e.what());
  } catch (const std::runtime_error& e) {
    return MakeError("invalid", name + ": " + e.what());
  }
  return std::unique_ptr<Store>(std::move(store));
}

}  // namespace phieu::store
