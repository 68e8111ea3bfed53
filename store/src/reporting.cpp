// Copyright 2026 The Phiếu Authors
// SPDX-License-Identifier: Apache-2.0
//
// Sheets and survey counts (exports, `phieu status`).

#include <set>
#include <unordered_map>

#include "sqlite_store.h"

namespace phieu::store {

std::map<TemplateKey, TemplateInfo> SqliteStore::LoadTemplateInfos() {
  std::map<TemplateKey, TemplateInfo> out;
  {
    Stmt st = db_.Prepare("SELECT template_id, version, page_count FROM templates");
    while (st.Step())
      out[{st.Text(0), static_cast<int>(st.Int(1))}].page_count = static_cast<int>(st.Int(2));
  }
  Stmt st = db_.Prepare(
      "SELECT template_id, version, field_id, kind, page FROM template_fields "
      "ORDER BY template_id, version, ord");
  while (st.Step()) {
    FieldInfo f{.id = st.Text(2),
                .kind = core::ParseFieldKind(st.Text(3)).value_or(core::FieldKind::kText),
                .page = static_cast<int>(st.Int(4))};
    out[{st.Text(0), static_cast<int>(st.Int(1))}].fields.push_back(std::move(f));
  }
  return out;
}

// Builds every sheet with an identified page in a fixed number of queries (one per table),
// so exporting 10,000 sheets does not cost 600,000 round trips.
std::vector<SheetRecord> SqliteStore::QuerySheets(std::optional<core::Serial> only) {
  const auto templates = LoadTemplateInfos();
  // One sheet (GetSheet): every query below gets "AND <serial column>=?".
  auto one = [&](const char* column) {
    return only ? std::string(" AND ") + column + "=?" : std::string();
  };
  auto bind = [&](Stmt& st) {
    if (only) st.Bind(1, *only);
  };
  std::vector<SheetRecord> sheets;
  std::unordered_map<core::Serial, size_t> index;
  std::vector<const TemplateInfo*> info;
  std::vector<std::set<int>> pages_present;
  {
    Stmt st = db_.Prepare(
        "SELECT s.serial, s.template_id, s.version, coalesce(s.unit_code,'') FROM sheets s "
        "WHERE EXISTS (SELECT 1 FROM pages p WHERE p.serial=s.serial AND p.status='ok')" +
        one("s.serial") + " ORDER BY s.serial");
    bind(st);
    static const TemplateInfo kNoTemplate;
    while (st.Step()) {
      SheetRecord rec;
      rec.serial = st.Int(0);
      rec.template_id = st.Text(1);
      rec.version = static_cast<int>(st.Int(2));
      rec.unit_code = st.Text(3);
      auto it = templates.find({rec.template_id, rec.version});
      const TemplateInfo* t = it == templates.end() ? &kNoTemplate : &it->second;
      for (const auto& f : t->fields) {
        if (core::IsBoxKind(f.kind)) rec.selected[f.id] = {};
        else rec.text[f.id] = std::nullopt;
      }
      index[rec.serial] = sheets.size();
      sheets.push_back(std::move(rec));
      info.push_back(t);
      pages_present.emplace_back();
    }
  }
  {
    Stmt st = db_.Prepare("SELECT serial, page_no FROM pages WHERE status='ok'" + one("serial"));
    bind(st);
    while (st.Step())
      if (auto it = index.find(st.Int(0)); it != index.end())
        pages_present[it->second].insert(static_cast<int>(st.Int(1)));
  }
  {
    Stmt st = db_.Prepare(
        "SELECT p.serial, r.field_id, r.value FROM readings r JOIN pages p ON p.id=r.page_id "
        "WHERE p.status='ok'" + one("p.serial"));
    bind(st);
    while (st.Step())
      if (auto it = index.find(st.Int(0)); it != index.end())
        ApplyValue(st.Text(2), st.Text(1), sheets[it->second]);
  }
  std::vector<std::set<std::string>> decided(sheets.size()), illegible(sheets.size());
  {
    // Applied after the readings: a human value always wins over the machine's.
    // Decided and illegible fields are listed in layout order below.
    Stmt st = db_.Prepare("SELECT serial, field_id, value, illegible FROM decisions WHERE 1" +
                          one("serial"));
    bind(st);
    while (st.Step())
      if (auto it = index.find(st.Int(0)); it != index.end()) {
        ApplyValue(st.Text(2), st.Text(1), sheets[it->second]);
        decided[it->second].insert(st.Text(1));
        if (st.Int(3) != 0) illegible[it->second].insert(st.Text(1));
      }
  }
  std::vector<std::set<std::string>> pending(sheets.size());
  {
    Stmt st = db_.Prepare("SELECT serial, field_id FROM review_items WHERE status='open'" +
                          one("serial"));
    bind(st);
    while (st.Step())
      if (auto it = index.find(st.Int(0)); it != index.end())
        pending[it->second].insert(st.Text(1));
  }
  for (size_t i = 0; i < sheets.size(); ++i) {
    SheetRecord& rec = sheets[i];
    for (const auto& f : info[i]->fields) {  // layout order
      if (pending[i].count(f.id)) rec.pending.push_back(f.id);
      if (decided[i].count(f.id)) rec.decided.push_back(f.id);
      if (illegible[i].count(f.id)) rec.illegible.push_back(f.id);
    }
    for (int p = 1; p <= info[i]->page_count; ++p)
      if (!pages_present[i].count(p)) rec.missing_pages.push_back(p);
    // A missing page outranks open review items: the clerk must find and scan it first, and
    // the export says so. The default export filter goes by `pending`, not by status.
    rec.status = !rec.missing_pages.empty() ? "incomplete"
                 : !rec.pending.empty()     ? "needs_review"
                                            : "complete";
  }
  return sheets;
}

core::Result<std::vector<SheetRecord>> SqliteStore::ListSheets(bool include_pending) {
  return Guard([&]() -> core::Result<std::vector<SheetRecord>> {
    // One read transaction: the per-table queries see one consistent snapshot even while
    // an ingest in another process commits pages.
    db_.Exec("BEGIN");
    std::vector<SheetRecord> sheets;
    try {
      sheets = QuerySheets(std::nullopt);
    } catch (...) {
      db_.Exec("ROLLBACK");
      throw;
    }
    db_.Exec("COMMIT");
    if (!include_pending)
      std::erase_if(sheets, [](const SheetRecord& s) { return !s.pending.empty(); });
    return sheets;
  });
}

core::Result<int> SqliteStore::CountPages() {
  return Guard([&]() -> core::Result<int> {
    return static_cast<int>(db_.QueryInt("SELECT count(*) FROM pages").value_or(0));
  });
}

core::Result<SurveyStatus> SqliteStore::GetStatus() {
  return Guard([&]() -> core::Result<SurveyStatus> {
    SurveyStatus s;
    db_.Exec("BEGIN");
    try {
      s.scan_files = static_cast<int>(db_.QueryInt("SELECT count(*) FROM scan_files").value_or(0));
      s.scan_files_unreadable = static_cast<int>(
          db_.QueryInt("SELECT count(*) FROM scan_files WHERE error IS NOT NULL").value_or(0));
      {
        Stmt st = db_.Prepare("SELECT status, count(*) FROM pages GROUP BY status");
        while (st.Step()) {
          std::string status = st.Text(0);
          int n = static_cast<int>(st.Int(1));
          s.pages += n;
          if (status == "ok") {
            s.pages_identified += n;
          } else if (status == "conflict") {
            s.conflicts += n;
          } else if (status == "duplicate" || status == "replaced") {
            s.conflicts_settled += n;
          } else {
            s.pages_unidentified += n;
            s.unidentified_reasons[status] += n;
          }
        }
      }
      s.review_open = static_cast<int>(
          db_.QueryInt("SELECT count(*) FROM review_items WHERE status='open'").value_or(0));
      {
        Stmt st = db_.Prepare(
            "SELECT count(*), count(DISTINCT p.serial) FROM readings r JOIN pages p ON p.id = r.page_id "
            "WHERE p.status = 'ok' AND r.needs_review = 0 AND "
            "instr(r.reason_codes, '\"code\":\"required_left_blank\"') > 0 AND NOT EXISTS "
            "(SELECT 1 FROM decisions d WHERE d.serial = p.serial AND d.field_id = r.field_id)");
        if (st.Step()) {
          s.required_left_blank = static_cast<int>(st.Int(0));
          s.sheets_with_required_left_blank = static_cast<int>(st.Int(1));
        }
      }
      std::map<std::string, int> scanned_per_unit;
      for (const SheetRecord& rec : QuerySheets(std::nullopt)) {
        ++s.sheets;
        if (rec.status == "complete") ++s.sheets_complete;
        else if (rec.status == "needs_review") ++s.sheets_needs_review;
        else ++s.sheets_incomplete;
        if (!rec.unit_code.empty()) ++scanned_per_unit[rec.unit_code];
      }
      std::map<std::string, int> allocated;
      {
        Stmt st = db_.Prepare(
            "SELECT unit_code, count(*) FROM sheets WHERE allocated=1 GROUP BY unit_code");
        while (st.Step()) allocated[st.Text(0)] = static_cast<int>(st.Int(1));
      }
      Stmt st = db_.Prepare("SELECT code, name, quota FROM units ORDER BY code");
      while (st.Step()) {
        std::string code = st.Text(0);
        s.units.push_back({.code = code, .name = st.Text(1), .quota = static_cast<int>(st.Int(2)),
                           .sheets = scanned_per_unit[code], .allocated = allocated[code]});
      }
    } catch (...) {
      db_.Exec("ROLLBACK");
      throw;
    }
    db_.Exec("COMMIT");
    return s;
  });
}

}  // namespace phieu::store

namespace phieu::store {

core::Result<std::optional<SheetRecord>> SqliteStore::GetSheet(core::Serial serial) {
  return Guard([&]() -> core::Result<std::optional<SheetRecord>> {
    db_.Exec("BEGIN");
    std::vector<SheetRecord> sheets;
    try {
      sheets = QuerySheets(serial);
    } catch (...) {
      db_.Exec("ROLLBACK");
      throw;
    }
    db_.Exec("COMMIT");
    if (sheets.empty()) return std::optional<SheetRecord>();
    return std::optional<SheetRecord>(std::move(sheets.front()));
  });
}

}  // namespace phieu::store
