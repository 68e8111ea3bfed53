// Copyright 2026 The Phiếu Authors
// SPDX-License-Identifier: Apache-2.0
//
// SqliteStore::VisitSheets: every sheet as ListSheets builds it, plus the sheets of other
// channels, streamed one at a time. Six queries, each ordered by serial, are walked side by
// side (a merge join), so memory holds one sheet whatever the size of the survey.
#include <algorithm>
#include <set>

#include "sqlite_store.h"

namespace phieu::store {
namespace {

/// A query ordered by serial (column 0), read ahead one row.
class SerialCursor {
 public:
  SerialCursor(Db& db, const std::string& sql) : st_(db.Prepare(sql)) { Next(); }
  bool has() const { return has_; }
  bool At(core::Serial serial) const { return has_ && serial_ == serial; }
  /// Skips rows of sheets before `serial` (rows of sheets that are not listed).
  void SkipTo(core::Serial serial) {
    while (has_ && serial_ < serial) Next();
  }
  void Next() {
    has_ = st_.Step();
    if (has_) serial_ = st_.Int(0);
  }
  Stmt& row() { return st_; }

 private:
  Stmt st_;
  bool has_ = false;
  core::Serial serial_ = 0;
};

}  // namespace

core::Status SqliteStore::VisitSheets(bool include_pending,
                                      const std::function<bool(const SheetRecord&)>& visit) {
  return Guard([&]() -> core::Status {
    // One read transaction: every cursor sees the same snapshot while ingest commits pages.
    db_.Exec("BEGIN");
    try {
      const auto templates = LoadTemplateInfos();
      static const TemplateInfo kNoTemplate;
      SerialCursor sheets(db_,
          "SELECT s.serial, s.template_id, s.version, coalesce(s.unit_code,''), s.channel, "
          "CASE WHEN s.channel = 'paper' THEN (SELECT min(p.stored_at) FROM pages p "
          "  WHERE p.serial = s.serial AND p.status = 'ok') "
          "ELSE (SELECT a.imported_at FROM answer_imports a WHERE a.id = s.import_id) END "
          "FROM sheets s WHERE s.channel <> 'paper' OR EXISTS "
          "(SELECT 1 FROM pages p WHERE p.serial = s.serial AND p.status = 'ok') ORDER BY s.serial");
      SerialCursor pages(db_,
          "SELECT serial, page_no FROM pages WHERE status = 'ok' ORDER BY serial");
      SerialCursor readings(db_,
          "SELECT p.serial, r.field_id, r.value FROM pages p JOIN readings r ON r.page_id = p.id "
          "WHERE p.status = 'ok' ORDER BY p.serial");
      SerialCursor imported(db_,
          "SELECT serial, field_id, value, illegible FROM imported_answers ORDER BY serial");
      SerialCursor decisions(db_,
          "SELECT serial, field_id, value, illegible FROM decisions ORDER BY serial");
      SerialCursor reviews(db_,
          "SELECT serial, field_id FROM review_items WHERE status = 'open' ORDER BY serial");
      SheetRecord rec;
      std::set<int> present;
      std::set<std::string> decided, illegible, pending;
      bool go_on = true;
      for (; go_on && sheets.has(); sheets.Next()) {
        Stmt& s = sheets.row();
        rec = SheetRecord{};
        rec.serial = s.Int(0);
        rec.template_id = s.Text(1);
        rec.version = static_cast<int>(s.Int(2));
        rec.unit_code = s.Text(3);
        rec.channel = s.Text(4);
        rec.scanned_at = s.IsNull(5) ? "" : s.Text(5);
        auto it = templates.find({rec.template_id, rec.version});
        const TemplateInfo& t = it == templates.end() ? kNoTemplate : it->second;
        for (const auto& f : t.fields) {
          if (core::IsBoxKind(f.kind)) rec.selected[f.id] = {};
          else rec.text[f.id] = std::nullopt;
        }
        present.clear();
        decided.clear();
        illegible.clear();
        pending.clear();
        for (pages.SkipTo(rec.serial); pages.At(rec.serial); pages.Next())
          present.insert(static_cast<int>(pages.row().Int(1)));
        for (readings.SkipTo(rec.serial); readings.At(rec.serial); readings.Next())
          ApplyValue(readings.row().Text(2), readings.row().Text(1), rec);
        for (imported.SkipTo(rec.serial); imported.At(rec.serial); imported.Next()) {
          ApplyValue(imported.row().Text(2), imported.row().Text(1), rec);
          if (imported.row().Int(3) != 0) illegible.insert(imported.row().Text(1));
        }
        // A human value always wins over the machine's (and over an import, which a reviewer
        // may correct too).
        for (decisions.SkipTo(rec.serial); decisions.At(rec.serial); decisions.Next()) {
          const std::string field = decisions.row().Text(1);
          ApplyValue(decisions.row().Text(2), field, rec);
          decided.insert(field);
          if (decisions.row().Int(3) != 0) illegible.insert(field);
          else illegible.erase(field);
        }
        for (reviews.SkipTo(rec.serial); reviews.At(rec.serial); reviews.Next())
          pending.insert(reviews.row().Text(1));
        for (const auto& f : t.fields) {  // layout order
          if (pending.count(f.id)) rec.pending.push_back(f.id);
          if (decided.count(f.id)) rec.decided.push_back(f.id);
          if (illegible.count(f.id)) rec.illegible.push_back(f.id);
        }
        if (rec.channel == "paper")  // phone and online sheets have no pages to miss
          for (int p = 1; p <= t.page_count; ++p)
            if (!present.count(p)) rec.missing_pages.push_back(p);
        rec.status = !rec.missing_pages.empty() ? "incomplete"
                     : !rec.pending.empty()     ? "needs_review"
                                                : "complete";
        if (!include_pending && !rec.pending.empty()) continue;
        go_on = visit(rec);
      }
    } catch (...) {
      db_.Exec("ROLLBACK");
      throw;
    }
    db_.Exec("COMMIT");
    return {};
  });
}

}  // namespace phieu::store
