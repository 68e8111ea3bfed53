// Copyright 2026 The Phiếu Authors
// SPDX-License-Identifier: Apache-2.0
#include "json_views.h"

#include <glib.h>

#include <algorithm>

namespace phieu::review {
namespace {

constexpr std::size_t kMaxTextBytes = 4000;  // a comment box holds a few lines, not a book.
constexpr std::size_t kMaxSelected = 64;

// Box values travel as strings; a template may have written them as numbers, and a client may
// send 3 for "3".
bool OptionString(const Json& j, std::string& out) {
  if (j.is_string()) {
    out = j.get<std::string>();
    return !out.empty() && out.size() <= 64;
  }
  if (j.is_number_integer()) {
    out = std::to_string(j.get<long long>());
    return true;
  }
  return false;
}

Json RectsJson(const std::vector<core::RectMm>& rects) {
  Json a = Json::array();
  for (const auto& r : rects) a.push_back(RectJson(r));
  return a;
}

Json OptionsJson(const std::vector<templates::OptionBox>& options) {
  Json a = Json::array();
  for (const auto& o : options)
    a.push_back({{"value", o.value}, {"label", o.label}, {"box_mm", RectJson(o.box_mm)}});
  return a;
}

bool Contains(const std::vector<std::string>& v, const std::string& s) {
  return std::find(v.begin(), v.end(), s) != v.end();
}

// A sheet field's value from the export record.
Json RecordValue(const store::SheetRecord& sheet, const std::string& id, core::FieldKind kind) {
  store::FieldValue v;
  if (core::IsBoxKind(kind)) {
    if (auto it = sheet.selected.find(id); it != sheet.selected.end()) v.selected = it->second;
  } else if (auto it = sheet.text.find(id); it != sheet.text.end()) {
    v.text = it->second;
  }
  return ValueJson(kind, v);
}

const char* FieldState(const store::SheetRecord& sheet, const std::string& id) {
  if (Contains(sheet.pending, id)) return "pending";
  if (Contains(sheet.decided, id)) return "decided";
  return "accepted";
}

}  // namespace

bool Nfc(const std::string& in, std::string& out) {
  if (!g_utf8_validate(in.data(), static_cast<gssize>(in.size()), nullptr)) return false;
  gchar* n = g_utf8_normalize(in.data(), static_cast<gssize>(in.size()), G_NORMALIZE_NFC);
  if (!n) return false;
  out = n;
  g_free(n);
  return true;
}

Json RectJson(const core::RectMm& r) {
  if (r.empty()) return nullptr;
  return Json::array({r.x, r.y, r.w, r.h});
}

Json ValueJson(core::FieldKind kind, const store::FieldValue& value) {
  if (value.illegible) return nullptr;
  switch (kind) {
    case core::FieldKind::kMulti:
      return value.selected;
    case core::FieldKind::kSingle:
    case core::FieldKind::kScale:
      if (value.selected.empty()) return nullptr;
      return value.selected.front();
    case core::FieldKind::kDigits:
    case core::FieldKind::kText:
      if (!value.text) return nullptr;
      return *value.text;
  }
  return nullptr;
}

Json ItemJson(const store::ReviewItemView& item) {
  Json j;
  j["id"] = item.id;
  j["version"] = item.version;
  j["status"] = item.status;
  j["serial"] = item.serial;
  j["template"] = item.template_id;
  j["template_version"] = item.template_version;
  j["unit"] = item.unit_code;
  j["page"] = item.page;
  j["field"] = item.field_id;
  j["kind"] = std::string(core::FieldKindName(item.kind));
  j["question_id"] = item.question_id;
  j["question"] = item.question;
  Json options = Json::array();
  for (const auto& o : item.options)
    options.push_back({{"value", o.value}, {"label", o.label}, {"box_mm", RectJson(o.box_mm)}});
  j["options"] = std::move(options);
  j["max"] = item.max;
  j["cells_mm"] = RectsJson(item.cells_mm);
  j["area_mm"] = RectJson(item.area_mm);
  j["reading"] = ValueJson(item.kind, item.reading);
  j["confidence"] = item.confidence;
  j["reason_code"] = item.reasons.empty() ? std::string() : item.reasons.front().code;
  j["reason"] = item.reason;
  Json reasons = Json::array();
  for (const auto& r : item.reasons) {
    Json params = Json::object();
    for (const auto& [k, v] : r.params) params[k] = v;
    reasons.push_back({{"code", r.code}, {"params", std::move(params)}});
  }
  j["reasons"] = std::move(reasons);
  Json boxes = Json::array();
  for (const auto& b : item.boxes) {
    Json box_mm = nullptr;
    for (const auto& o : item.options)
      if (o.value == b.value) box_mm = RectJson(o.box_mm);
    boxes.push_back({{"value", b.value}, {"state", b.state}, {"ink", b.ink}, {"fill", b.fill},
                     {"confidence", b.confidence}, {"box_mm", std::move(box_mm)}});
  }
  j["boxes"] = std::move(boxes);
  j["crop"] = item.has_crop ? Json("/api/review/items/" + std::to_string(item.id) + "/crop")
                            : Json(nullptr);
  j["crop_mm"] = RectJson(item.crop_mm);
  if (item.decided) {
    j["decided"] = ValueJson(item.kind, *item.decided);
    if (item.decided->illegible) j["decided_illegible"] = true;
  } else {
    j["decided"] = nullptr;
  }
  j["decided_by"] = item.decided_by;
  j["decided_at"] = item.decided_at;
  if (item.lease_owner.empty())
    j["lease"] = nullptr;
  else
    j["lease"] = {{"owner", item.lease_owner}, {"until", item.lease_until}};
  return j;
}

Json SheetJson(const store::SheetRecord& sheet, const templates::Layout* layout) {
  Json fields = Json::array();
  auto add = [&](const std::string& id, core::FieldKind kind) {
    Json f{{"id", id}, {"value", RecordValue(sheet, id, kind)}, {"state", FieldState(sheet, id)}};
    if (Contains(sheet.illegible, id)) {
      f["value"] = nullptr;
      f["illegible"] = true;
    }
    fields.push_back(std::move(f));
  };
  if (layout) {
    for (const auto& f : layout->fields) add(f.id, f.kind);
  } else {
    for (const auto& [id, values] : sheet.selected)
      add(id, values.size() > 1 ? core::FieldKind::kMulti : core::FieldKind::kSingle);
    for (const auto& [id, text] : sheet.text) add(id, core::FieldKind::kText);
  }
  return {{"serial", sheet.serial},
          {"template", sheet.template_id},
          {"unit", sheet.unit_code},
          {"status", sheet.status},
          {"fields", std::move(fields)}};
}

Json LayoutJson(const store::SheetRecord& sheet, const templates::Layout& layout) {
  Json pages = Json::array();
  for (const auto& p : layout.pages)
    pages.push_back({{"page", p.page},
                     {"width_mm", p.width_mm},
                     {"height_mm", p.height_mm},
                     {"image", "/api/sheets/" + std::to_string(sheet.serial) + "/pages/" +
                                   std::to_string(p.page)}});
  Json fields = Json::array();
  for (const auto& f : layout.fields) {
    Json j{{"id", f.id},
           {"kind", std::string(core::FieldKindName(f.kind))},
           {"page", f.page},
           {"question_id", f.question_id},
           {"label", f.label},
           {"options", OptionsJson(f.options)},
           {"cells_mm", RectsJson(f.cells_mm)},
           {"area_mm", RectJson(f.area_mm)},
           {"max", f.max},
           {"value", RecordValue(sheet, f.id, f.kind)},
           {"state", FieldState(sheet, f.id)}};
    if (Contains(sheet.illegible, f.id)) {
      j["value"] = nullptr;
      j["illegible"] = true;
    }
    fields.push_back(std::move(j));
  }
  return {{"serial", sheet.serial},
          {"template", layout.template_id},
          {"version", layout.version},
          {"pages", std::move(pages)},
          {"fields", std::move(fields)}};
}

Json AuditJson(const store::AuditRow& row) {
  auto parse = [](const std::optional<std::string>& s) -> Json {
    if (!s) return nullptr;
    Json j = Json::parse(*s, nullptr, /*allow_exceptions=*/false);
    return j.is_discarded() ? Json(*s) : j;
  };
  return {{"id", row.id},         {"who", row.who},           {"at", row.at},
          {"entity", row.entity}, {"old", parse(row.old_value)}, {"new", parse(row.new_value)},
          {"screen", row.screen}, {"address", row.address}};
}

bool ParseValue(core::FieldKind kind, const Json& value, store::FieldValue& out,
                std::string& error) {
  out = {};
  switch (kind) {
    case core::FieldKind::kSingle:
    case core::FieldKind::kScale: {
      if (value.is_null()) return true;
      std::string s;
      if (!OptionString(value, s)) {
        error = "a " + std::string(core::FieldKindName(kind)) +
                " question takes one option value or null";
        return false;
      }
      out.selected.push_back(s);
      return true;
    }
    case core::FieldKind::kMulti: {
      if (value.is_null()) return true;
      if (!value.is_array() || value.size() > kMaxSelected) {
        error = "a multi question takes a list of option values";
        return false;
      }
      for (const auto& v : value) {
        std::string s;
        if (!OptionString(v, s)) {
          error = "a multi question takes a list of option values";
          return false;
        }
        if (!Contains(out.selected, s)) out.selected.push_back(s);
      }
      return true;
    }
    case core::FieldKind::kDigits:
    case core::FieldKind::kText: {
      if (value.is_null()) return true;
      if (!value.is_string()) {
        error = "a " + std::string(core::FieldKindName(kind)) + " field takes a string or null";
        return false;
      }
      const auto& raw = value.get_ref<const std::string&>();
      std::string text;
      if (raw.size() > kMaxTextBytes || !Nfc(raw, text)) {
        error = "the text is not valid UTF-8 or longer than 4000 bytes";
        return false;
      }
      if (kind == core::FieldKind::kDigits &&
          !std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; })) {
        error = "a digits field takes digits only";
        return false;
      }
      // An empty box is no answer (the screen's Delete clears the draft).
      if (text.find_first_not_of(" \t\r\n") == std::string::npos) return true;
      out.text = std::move(text);
      return true;
    }
  }
  return false;
}

}  // namespace phieu::review
