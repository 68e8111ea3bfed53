// Copyright 2026 The Phiếu Authors
// SPDX-License-Identifier: Apache-2.0
#include "exports/exports.h"

#include "dataset.h"

#include <fstream>
#include <set>
#include <system_error>

#include <nlohmann/json.hpp>

namespace phieu::exports {
namespace {

using nlohmann::json;

// Option values keep the JSON type the template gave them: 1 stays a number, "a" a string.
json OptionValue(const templates::FieldLayout& field, const std::string& value) {
  for (const auto& o : field.options) {
    if (o.value == value && o.numeric) {
      try {
        size_t used = 0;
        long long n = std::stoll(value, &used);
        if (used == value.size()) return n;
        return std::stod(value);
      } catch (const std::exception&) {
        break;
      }
    }
  }
  return value;
}

json SheetToJson(const store::SheetRecord& sheet, const templates::Layout* layout, bool include_personal) {
  json answers = json::object();
  // A field a reviewer marked illegible has no value: null whatever its kind (a multi question
  // too, where [] would say "none of these"), and it is not counted as left unanswered.
  const std::set<std::string> illegible(sheet.illegible.begin(), sheet.illegible.end());
  if (layout) {
    for (const auto& field : layout->fields) {
      if (field.personal && !include_personal) continue;
      if (illegible.count(field.id)) {
        answers[field.id] = nullptr;
      } else if (core::IsBoxKind(field.kind)) {
        auto it = sheet.selected.find(field.id);
        const std::vector<std::string> none;
        const auto& values = it == sheet.selected.end() ? none : it->second;
        if (field.kind == core::FieldKind::kMulti) {
          json list = json::array();
          // Option order, not reading order, so the same answers always export the same way.
          for (const auto& o : field.options)
            for (const auto& v : values)
              if (v == o.value) list.push_back(OptionValue(field, v));
          answers[field.id] = list;
        } else {
          // A one-answer field with several marks (left pending) exports the first in option
          // order: the machine's reading is shown, and `pending` says it is not final.
          json value = nullptr;
          for (const auto& o : field.options)
            for (const auto& v : values)
              if (value.is_null() && v == o.value) value = OptionValue(field, v);
          answers[field.id] = value;
        }
      } else {
        auto it = sheet.text.find(field.id);
        answers[field.id] = (it == sheet.text.end() || !it->second) ? json(nullptr) : json(*it->second);
      }
    }
  } else {
    // Template no longer known (should not happen): export what the store holds.
    for (const auto& [id, values] : sheet.selected) answers[id] = values;
    for (const auto& [id, text] : sheet.text) answers[id] = text ? json(*text) : json(nullptr);
  }
  // Required fields the respondent left without an answer: item non-response the analyst
  // counts per unit. Pending fields (their value is not final) and fields of pages never
  // scanned (the clerk's to find, not the respondent's doing) are not listed. An extension of
  // the DESIGN.md contract.
  json unanswered = json::array();
  if (layout) {
    const std::set<std::string> pending(sheet.pending.begin(), sheet.pending.end());
    const std::set<int> missing(sheet.missing_pages.begin(), sheet.missing_pages.end());
    for (const auto& field : layout->fields) {
      if (field.personal && !include_personal) continue;
      const json& v = answers[field.id];
      if (field.required && !pending.count(field.id) && !missing.count(field.page) &&
          !illegible.count(field.id) &&
          (v.is_null() || (v.is_array() && v.empty())))
        unanswered.push_back(field.id);
    }
  }
  return json{{"serial", sheet.serial},
              {"template", sheet.template_id},
              {"unit", sheet.unit_code.empty() ? json(nullptr) : json(sheet.unit_code)},
              {"status", sheet.status},
              {"answers", std::move(answers)},
              {"pending", sheet.pending},
              {"unanswered_required", std::move(unanswered)}};
}

}  // namespace

core::Result<std::string> ExportJson(store::Store& store, const templates::TemplateCatalog& catalog,
                                     const ExportOptions& options) {
  SheetFilter filter = options.filter;
  filter.include_pending = filter.include_pending || options.include_pending;
  json out = json::array();
  auto st = internal::VisitSheets(store, catalog, filter,
                                  [&](const internal::SheetView& view) {
                                    out.push_back(SheetToJson(*view.sheet, view.layout,
                                                              options.include_personal));
                                    return true;
                                  },
                                  nullptr);
  if (!st.ok()) return st.error();
  return out.dump(2);
}

namespace internal {

// Streams the JSON export to a file, one sheet per line, so memory does not grow with the survey.
core::Status WriteJsonStream(store::Store& store, const templates::TemplateCatalog& catalog,
                             const std::filesystem::path& path, const ExportOptions& options,
                             ExportSummary& summary) {
  std::filesystem::path tmp = path;
  tmp += ".tmp";
  std::ofstream f(tmp, std::ios::binary | std::ios::trunc);
  if (!f) return core::MakeError("io", path.string() + ": cannot open for writing");
  f << "[";
  bool first = true;
  auto st = VisitSheets(store, catalog, options.filter,
                        [&](const SheetView& view) {
                          f << (first ? "\n" : ",\n")
                            << SheetToJson(*view.sheet, view.layout, options.include_personal).dump();
                          first = false;
                          return static_cast<bool>(f);
                        },
                        &summary);
  f << (first ? "]\n" : "\n]\n");
  f.flush();
  bool ok = static_cast<bool>(f);
  f.close();
  if (!st.ok() || !ok) {
    std::filesystem::remove(tmp);
    return st.ok() ? core::MakeError("io", path.string() + ": write failed") : st;
  }
  std::error_code ec;
  std::filesystem::rename(tmp, path, ec);
  if (ec) return core::MakeError("io", path.string() + ": " + ec.message());
  summary.files = {path};
  return {};
}

}  // namespace internal

core::Status WriteJsonExport(store::Store& store, const templates::TemplateCatalog& catalog,
                             const std::filesystem::path& path, const ExportOptions& options) {
  auto text = ExportJson(store, catalog, options);
  if (!text.ok()) return text.error();
  return internal::WriteFileAtomically(path, *text + "\n");
}

}  // namespace phieu::exports
