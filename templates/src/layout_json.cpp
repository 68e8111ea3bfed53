// Copyright 2026 The Phiếu Authors
// SPDX-License-Identifier: Apache-2.0
//
// The `phieu template layout` JSON contract (DESIGN.md, "Contracts other tools rely on").
#include <cmath>
#include <nlohmann/json.hpp>

#include "templates/templates.h"

namespace phieu::templates {
namespace {

using nlohmann::json;

/// 0.01 mm is far below print and scan precision, and keeps the file readable.
double Round(double mm) { return std::round(mm * 100.0) / 100.0; }

json Rect(const core::RectMm& r) { return json::array({Round(r.x), Round(r.y), Round(r.w), Round(r.h)}); }

json Value(const OptionBox& o) {
  if (o.numeric) {
    json v = json::parse(o.value, nullptr, /*allow_exceptions=*/false);
    if (v.is_number()) return v;
  }
  return o.value;
}

core::RectMm ReadRect(const json& j, const std::string& what) {
  if (!j.is_array() || j.size() != 4)
    throw std::invalid_argument(what + " must be [x, y, w, h]");
  for (const auto& v : j)
    if (!v.is_number()) throw std::invalid_argument(what + " must hold numbers");
  return core::RectMm{j[0].get<double>(), j[1].get<double>(), j[2].get<double>(), j[3].get<double>()};
}

const json& Require(const json& obj, const char* key, const std::string& where) {
  if (!obj.is_object() || !obj.contains(key))
    throw std::invalid_argument(where + ": missing \"" + key + "\"");
  return obj[key];
}

}  // namespace

std::string LayoutToJson(const Layout& layout) {
  json pages = json::array();
  for (const auto& p : layout.pages) {
    json anchors = json::array();
    for (const auto& a : p.anchors) anchors.push_back({{"corner", a.corner}, {"symbol_mm", Rect(a.symbol_mm)}});
    pages.push_back({{"page", p.page},
                     {"width_mm", Round(p.width_mm)},
                     {"height_mm", Round(p.height_mm)},
                     {"anchors", anchors}});
  }
  json fields = json::array();
  for (const auto& f : layout.fields) {
    json jf = {{"id", f.id},
               {"kind", std::string(core::FieldKindName(f.kind))},
               {"page", f.page},
               {"question", f.question_id},
               {"label", f.label},
               {"required", f.required}};
    if (f.personal) jf["personal"] = true;
    if (core::IsBoxKind(f.kind)) {
      json options = json::array();
      for (const auto& o : f.options) {
        json jo = {{"value", Value(o)}, {"label", o.label}, {"box_mm", Rect(o.box_mm)}};
        if (o.label_mm.w > 0 && o.label_mm.h > 0) jo["label_mm"] = Rect(o.label_mm);
        options.push_back(std::move(jo));
      }
      jf["options"] = options;
    }
    if (f.kind == core::FieldKind::kDigits) {
      json cells = json::array();
      for (const auto& c : f.cells_mm) cells.push_back(Rect(c));
      jf["cells_mm"] = cells;
      if (f.has_range) jf["range"] = {{"min", f.range_min}, {"max", f.range_max}};
    }
    jf["area_mm"] = Rect(f.area_mm);
    if (f.text_mm.w > 0 && f.text_mm.h > 0) jf["text_mm"] = Rect(f.text_mm);
    if (!f.print_mm.empty()) {
      json lines = json::array();
      for (const auto& r : f.print_mm) lines.push_back(Rect(r));
      jf["print_mm"] = lines;
    }
    if (f.kind == core::FieldKind::kMulti) jf["max"] = f.max;
    if (f.kind == core::FieldKind::kText) jf["lines"] = f.lines;
    fields.push_back(std::move(jf));
  }
  // One page or field per line: diffable and readable, and still plain JSON.
  std::string out = "{\"template\": " + json(layout.template_id).dump() +
                    ", \"version\": " + std::to_string(layout.version) + ",\n \"pages\": [";
  for (size_t i = 0; i < pages.size(); ++i) out += (i ? ",\n  " : "\n  ") + pages[i].dump();
  out += "\n ],\n \"fields\": [";
  for (size_t i = 0; i < fields.size(); ++i) out += (i ? ",\n  " : "\n  ") + fields[i].dump();
  out += "\n ]}\n";
  return out;
}

core::Result<Layout> LayoutFromJson(std::string_view json_text) {
  json root;
  try {
    root = json::parse(json_text.begin(), json_text.end());
  } catch (const json::exception& e) {
    return core::MakeError("parse", std::string("layout JSON: ") + e.what());
  }
  try {
    Layout layout;
    layout.template_id = Require(root, "template", "layout").get<std::string>();
    layout.version = Require(root, "version", "layout").get<int>();
    const json& pages = Require(root, "pages", "layout");
    for (size_t i = 0; i < pages.size(); ++i) {
      std::string where = "pages[" + std::to_string(i) + "]";
      const json& jp = pages[i];
      PageLayout p;
      p.page = Require(jp, "page", where).get<int>();
      p.width_mm = Require(jp, "width_mm", where).get<double>();
      p.height_mm = Require(jp, "height_mm", where).get<double>();
      if (jp.contains("anchors")) {
        for (const auto& ja : jp["anchors"])
          p.anchors.push_back(AnchorLayout{Require(ja, "corner", where + ".anchors").get<int>(),
                                           ReadRect(Require(ja, "symbol_mm", where + ".anchors"),
                                                    where + ".anchors.symbol_mm")});
      }
      layout.pages.push_back(std::move(p));
    }
    const json& fields = Require(root, "fields", "layout");
    for (size_t i = 0; i < fields.size(); ++i) {
      std::string where = "fields[" + std::to_string(i) + "]";
      const json& jf = fields[i];
      FieldLayout f;
      f.id = Require(jf, "id", where).get<std::string>();
      std::string kind = Require(jf, "kind", where).get<std::string>();
      auto parsed = core::ParseFieldKind(kind);
      if (!parsed) throw std::invalid_argument(where + ".kind: unknown kind \"" + kind + "\"");
      f.kind = *parsed;
      f.page = Require(jf, "page", where).get<int>();
      f.question_id = jf.value("question", f.id);
      f.label = jf.value("label", std::string());
      f.required = jf.value("required", false);
      f.personal = jf.value("personal", false);
      if (jf.contains("options")) {
        for (const auto& jo : jf["options"]) {
          OptionBox o;
          const json& v = Require(jo, "value", where + ".options");
          o.numeric = v.is_number();
          o.value = v.is_string() ? v.get<std::string>() : v.dump();
          o.label = jo.value("label", std::string());
          o.box_mm = ReadRect(Require(jo, "box_mm", where + ".options"), where + ".options.box_mm");
          if (jo.contains("label_mm")) o.label_mm = ReadRect(jo["label_mm"], where + ".options.label_mm");
          f.options.push_back(std::move(o));
        }
      }
      if (jf.contains("cells_mm"))
        for (const auto& jc : jf["cells_mm"]) f.cells_mm.push_back(ReadRect(jc, where + ".cells_mm"));
      if (jf.contains("area_mm")) f.area_mm = ReadRect(jf["area_mm"], where + ".area_mm");
      if (jf.contains("text_mm")) f.text_mm = ReadRect(jf["text_mm"], where + ".text_mm");
      if (jf.contains("print_mm"))
        for (const auto& jr : jf["print_mm"]) f.print_mm.push_back(ReadRect(jr, where + ".print_mm"));
      f.max = jf.value("max", 0);
      f.lines = jf.value("lines", 0);
      if (jf.contains("range") && jf["range"].is_object()) {
        f.has_range = true;
        f.range_min = jf["range"].value("min", 0L);
        f.range_max = jf["range"].value("max", 0L);
      }
      layout.fields.push_back(std::move(f));
    }
    return layout;
  } catch (const std::exception& e) {
    return core::MakeError("invalid", std::string("layout JSON: ") + e.what());
  }
}

}  // namespace phieu::templates
