// Copyright 2026 The Phiếu Authors
// SPDX-License-Identifier: Apache-2.0
//
// Templates, units and serials.

#include <algorithm>

#include "sqlite_store.h"
#include "templates/templates.h"
#include "units_csv.h"

namespace phieu::store {

namespace {

// A template's JSON without what is never printed: the top-level "scoring" section and each
// question's "personal" flag. Two sources with the same stripped JSON print the same forms.
json StripNonPrinting(json j) {
  if (!j.is_object()) return j;
  j.erase("scoring");
  if (auto sections = j.find("sections"); sections != j.end() && sections->is_array())
    for (auto& section : *sections)
      if (auto qs = section.find("questions"); qs != section.end() && qs->is_array())
        for (auto& q : *qs)
          if (q.is_object()) q.erase("personal");
  return j;
}

}  // namespace

bool SqliteStore::SamePrintedForm(const std::string& stored_source, const std::string& new_source) {
  const json a = json::parse(stored_source, nullptr, /*allow_exceptions=*/false);
  const json b = json::parse(new_source, nullptr, /*allow_exceptions=*/false);
  if (a.is_discarded() || b.is_discarded()) return false;
  return StripNonPrinting(a) == StripNonPrinting(b);
}

void SqliteStore::UpdateNonPrintingParts(const templates::Template& tpl,
                                         const templates::Layout& layout, bool layout_missing) {
  std::string layout_json = templates::LayoutToJson(layout);
  if (!layout_missing) {
    Stmt st = db_.Prepare("SELECT layout_json FROM templates WHERE template_id=? AND version=?");
    st.Bind(1, tpl.id).Bind(2, tpl.version);
    if (st.Step()) {
      json stored = json::parse(st.Text(0));
      std::map<std::string, bool> personal;
      for (const auto& f : layout.fields) personal[f.id] = f.personal;
      for (auto& f : stored["fields"]) {
        const std::string id = f.value("id", "");
        if (personal[id]) f["personal"] = true;
        else f.erase("personal");
      }
      layout_json = stored.dump();
    }
  }
  db_.Prepare("UPDATE templates SET source_json=?, layout_json=?, "
              "layout_engine=coalesce(layout_engine, ?) WHERE template_id=? AND version=?")
      .Bind(1, tpl.source_json).Bind(2, layout_json).Bind(3, templates::LayoutEngineVersion())
      .Bind(4, tpl.id).Bind(5, tpl.version)
      .Run();
  db_.Prepare(std::string("INSERT INTO audit (who, at, entity, entity_id, old, new) VALUES "
                          "('phieu', ") + kNow + ", 'template', ?, NULL, '{\"updated\":\"scoring and personal flags (never printed)\"}')")
      .Bind(1, tpl.id + "/" + std::to_string(tpl.version))
      .Run();
}

core::Status SqliteStore::RegisterTemplate(const templates::Template& tpl,
                                           const templates::Layout& layout) {
  if (layout.template_id != tpl.id || layout.version != tpl.version)
    return MakeError("invalid", "layout of " + layout.template_id + " version " +
                                    std::to_string(layout.version) + " does not belong to template " +
                                    tpl.id + " version " + std::to_string(tpl.version));
  return Guard([&]() -> core::Status {
    Transaction tx(db_);
    std::optional<std::pair<std::string, bool>> known;  // source, layout missing
    {
      Stmt st = db_.Prepare(
          "SELECT source_json, layout_json IS NULL FROM templates WHERE template_id=? AND version=?");
      st.Bind(1, tpl.id).Bind(2, tpl.version);
      if (st.Step()) known.emplace(st.Text(0), st.Int(1) != 0);
    }
    if (known) {
      if (known->first != tpl.source_json) {
        if (!SamePrintedForm(known->first, tpl.source_json))
          return MakeError("invalid", "template " + tpl.id + " version " +
                                          std::to_string(tpl.version) +
                                          " is already registered with different content; "
                                          "bump the version");
        // Only what is never printed changed (the scoring section, personal flags): forms
        // printed from either text are the same, so the survey takes the new text. The frozen
        // layout keeps its boxes and takes the new personal flags.
        UpdateNonPrintingParts(tpl, layout, known->second);
        tx.Commit();
        return {};
      }
      if (!known->second) return {};
      // Registered before layouts were stored (schema < 3): freeze it now.
      db_.Prepare("UPDATE templates SET layout_json=?, layout_engine=? "
                  "WHERE template_id=? AND version=?")
          .Bind(1, templates::LayoutToJson(layout)).Bind(2, templates::LayoutEngineVersion())
          .Bind(3, tpl.id).Bind(4, tpl.version)
          .Run();
      tx.Commit();
      return {};
    }
    int page_count = static_cast<int>(layout.pages.size());
    for (const auto& f : layout.fields) page_count = std::max(page_count, f.page);
    // The layout is frozen here, with the text engine that computed it: the boxes are read
    // where they were printed even when another machine would lay the template out otherwise.
    db_.Prepare(std::string("INSERT INTO templates (template_id, version, source_json, page_count, "
                            "registered_at, layout_json, layout_engine) VALUES (?,?,?,?,") +
                kNow + ",?,?)")
        .Bind(1, tpl.id).Bind(2, tpl.version).Bind(3, tpl.source_json).Bind(4, page_count)
        .Bind(5, templates::LayoutToJson(layout)).Bind(6, templates::LayoutEngineVersion())
        .Run();
    int ord = 0;
    for (const auto& f : layout.fields) {
      json options = json::array();
      for (const auto& o : f.options)
        options.push_back({{"value", o.value}, {"label", o.label}, {"numeric", o.numeric}});
      db_.Prepare("INSERT INTO template_fields (template_id, version, ord, field_id, kind, page, "
                  "question_id, label, options, max_answers) VALUES (?,?,?,?,?,?,?,?,?,?)")
          .Bind(1, tpl.id).Bind(2, tpl.version).Bind(3, ord++).Bind(4, f.id)
          .Bind(5, core::FieldKindName(f.kind)).Bind(6, f.page).Bind(7, f.question_id)
          .Bind(8, f.label).Bind(9, options.dump()).Bind(10, f.max)
          .Run();
    }
    tx.Commit();
    return {};
  });
}

core::Result<std::vector<std::string>> SqliteStore::LoadTemplateSources() {
  return Guard([&]() -> core::Result<std::vector<std::string>> {
    std::vector<std::string> out;
    Stmt st = db_.Prepare("SELECT source_json FROM templates ORDER BY template_id, version");
    while (st.Step()) out.push_back(st.Text(0));
    return out;
  });
}

core::Result<UnitsImport> SqliteStore::ImportUnitsCsv(const std::string& csv_text,
                                                      const std::string& source_name) {
  return Guard([&]() -> core::Result<UnitsImport> {
    auto exists = [&](const std::string& code) {
      Stmt st = db_.Prepare("SELECT 1 FROM units WHERE code=?");
      st.Bind(1, code);
      return st.Step();
    };
    auto parent_of = [&](const std::string& code) {
      Stmt st = db_.Prepare("SELECT coalesce(parent,'') FROM units WHERE code=?");
      st.Bind(1, code);
      return st.Step() ? st.Text(0) : std::string();
    };
    ParsedUnits parsed = ParseUnitsCsv(csv_text, source_name, exists, parent_of);
    if (!parsed.errors.empty()) {
      std::string msg;
      for (const auto& e : parsed.errors) msg += (msg.empty() ? "" : "\n") + e;
      return MakeError("invalid", msg);
    }
    UnitsImport result;
    Transaction tx(db_);
    for (const Unit& u : parsed.units) {
      (exists(u.code) ? result.updated : result.inserted)++;
      db_.Prepare("INSERT INTO units (code, name, kind, parent, quota) VALUES (?,?,?,?,?) "
                  "ON CONFLICT (code) DO UPDATE SET name=excluded.name, kind=excluded.kind, "
                  "parent=excluded.parent, quota=excluded.quota")
          .Bind(1, u.code).Bind(2, u.name).Bind(3, u.kind)
          .Bind(4, u.parent.empty() ? std::nullopt : std::optional<std::string>(u.parent))
          .Bind(5, u.quota)
          .Run();
    }
    tx.Commit();
    return result;
  });
}

core::Result<std::vector<Unit>> SqliteStore::ListUnits() {
  return Guard([&]() -> core::Result<std::vector<Unit>> {
    std::vector<Unit> out;
    Stmt st = db_.Prepare(
        "SELECT code, name, kind, coalesce(parent,''), quota FROM units ORDER BY code");
    while (st.Step())
      out.push_back({.code = st.Text(0), .name = st.Text(1), .kind = st.Text(2),
                     .parent = st.Text(3), .quota = static_cast<int>(st.Int(4))});
    return out;
  });
}

core::Result<std::vector<core::Serial>> SqliteStore::AllocateSerials(const std::string& template_id,
                                                                     int version,
                                                                     const std::string& unit_code,
                                                                     int count) {
  if (count < 0)
    return MakeError("usage", "cannot allocate " + std::to_string(count) + " serials");
  return Guard([&]() -> core::Result<std::vector<core::Serial>> {
    // IMMEDIATE: the write lock is held from the max() read to the inserts, so two `phieu
    // print` runs on the same survey can never hand out the same serial.
    Transaction tx(db_);
    {
      Stmt st = db_.Prepare("SELECT 1 FROM templates WHERE template_id=? AND version=?");
      st.Bind(1, template_id).Bind(2, version);
      if (!st.Step())
        return MakeError("invalid", "template " + template_id + " version " +
                                        std::to_string(version) +
                                        " is not registered in this survey");
    }
    {
      Stmt st = db_.Prepare("SELECT 1 FROM units WHERE code=?");
      st.Bind(1, unit_code);
      if (!st.Step())
        return MakeError("invalid", "unit " + Q(unit_code) +
                                        " is not in this survey (import the units CSV first)");
    }
    // Serials seen on scans but never allocated count too: they are never reused.
    core::Serial next =
        std::max(db_.QueryInt("SELECT max(serial) FROM sheets").value_or(0) + 1, kFirstSerial);
    std::vector<core::Serial> out;
    out.reserve(static_cast<size_t>(count));
    for (int i = 0; i < count; ++i, ++next) {
      db_.Prepare(std::string("INSERT INTO sheets (serial, template_id, version, unit_code, "
                              "allocated, allocated_at) VALUES (?,?,?,?,1,") + kNow + ")")
          .Bind(1, next).Bind(2, template_id).Bind(3, version).Bind(4, unit_code)
          .Run();
      out.push_back(next);
    }
    tx.Commit();
    return out;
  });
}

core::Result<std::optional<Sheet>> SqliteStore::FindSheet(core::Serial serial) {
  return Guard([&]() -> core::Result<std::optional<Sheet>> {
    Stmt st = db_.Prepare(
        "SELECT template_id, version, coalesce(unit_code,'') FROM sheets WHERE serial=?");
    st.Bind(1, serial);
    if (!st.Step()) return std::optional<Sheet>();
    return std::optional<Sheet>(Sheet{.serial = serial, .template_id = st.Text(0),
                                      .version = static_cast<int>(st.Int(1)),
                                      .unit_code = st.Text(2)});
  });
}

}  // namespace phieu::store

namespace phieu::store {

core::Result<std::vector<StoredLayout>> SqliteStore::LoadTemplateLayouts() {
  return Guard([&]() -> core::Result<std::vector<StoredLayout>> {
    std::vector<StoredLayout> out;
    Stmt st = db_.Prepare(
        "SELECT template_id, version, layout_json, coalesce(layout_engine,'') FROM templates "
        "ORDER BY template_id, version");
    while (st.Step()) {
      StoredLayout s{.template_id = st.Text(0), .version = static_cast<int>(st.Int(1)),
                     .layout = std::nullopt, .engine = st.Text(3)};
      if (!st.IsNull(2)) {
        auto layout = templates::LayoutFromJson(st.Text(2));
        if (!layout.ok())
          return MakeError("sqlite", path_ + ": stored layout of template " + s.template_id +
                                         " version " + std::to_string(s.version) + ": " +
                                         layout.error().message);
        s.layout = std::move(*layout);
      }
      out.push_back(std::move(s));
    }
    return out;
  });
}

}  // namespace phieu::store
