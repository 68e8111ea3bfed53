// Copyright 2026 The Phiếu Authors
// SPDX-License-Identifier: Apache-2.0
// Readings of one field across sheets (group verification) and of every field of one sheet
// (the sheet view), with the review item and the human value beside the machine's; the
// unidentified pages of the clerk's desk.
#include "reason_codes.h"
#include "sqlite_store.h"

namespace phieu::store {

std::vector<FieldReadingView> SqliteStore::FieldReadingsIn(const FieldReadingQuery& q) {
  using Mode = FieldReadingQuery::Mode;
  std::string where = "p.status='ok' AND p.serial > ?";
  if (q.serial) where += " AND p.serial = ?";
  if (q.reading_id) where += " AND r.id = ?";
  if (!q.field_id.empty()) where += " AND p.template_id = ? AND p.version = ? AND r.field_id = ?";
  if (q.mode == Mode::kOpen)
    where += std::string(" AND ri.status='open' AND (ri.lease_owner IS NULL OR ri.lease_owner = ? "
                         "OR ri.lease_until IS NULL OR ri.lease_until <= ") + kNow + ")";
  if (q.mode == Mode::kAccepted) where += " AND r.needs_review = 0 AND ri.id IS NULL AND d.value IS NULL";
  // A sheet waiting for a blind entry this login could make (IsBlindTo) is left out.
  if (!q.blind_for.empty())
    where += " AND NOT " + BlindToSql("p.serial");
  Stmt st = db_.Prepare(
      std::string("SELECT r.id, p.serial, coalesce(s.unit_code,''), r.field_id, r.kind, p.page_no, "
                  "r.value, r.confidence, r.needs_review, r.boxes, r.crop_mm, r.crop IS NOT NULL, "
                  "coalesce(ri.id,0), coalesce(ri.version,0), coalesce(ri.status,''), "
                  "CASE WHEN ri.lease_until > ") + kNow + " THEN ri.lease_owner ELSE '' END, "
      "d.value, d.illegible, coalesce(d.who,'') "
      "FROM readings r JOIN pages p ON p.id=r.page_id "
      "LEFT JOIN sheets s ON s.serial=p.serial "
      "LEFT JOIN review_items ri ON ri.reading_id=r.id "
      "LEFT JOIN decisions d ON d.serial=p.serial AND d.field_id=r.field_id "
      "WHERE " + where + " ORDER BY p.serial, p.page_no, r.id LIMIT ?");
  int i = 1;
  st.Bind(i++, static_cast<std::int64_t>(q.after_serial));
  if (q.serial) st.Bind(i++, static_cast<std::int64_t>(*q.serial));
  if (q.reading_id) st.Bind(i++, q.reading_id);
  if (!q.field_id.empty()) {
    st.Bind(i++, q.template_id);
    st.Bind(i++, q.version);
    st.Bind(i++, q.field_id);
  }
  if (q.mode == Mode::kOpen) st.Bind(i++, q.user);
  if (!q.blind_for.empty()) st.Bind(i++, q.blind_for);
  st.Bind(i++, q.limit);
  std::vector<FieldReadingView> out;
  while (st.Step()) {
    FieldReadingView v;
    v.reading_id = st.Int(0);
    v.serial = st.Int(1);
    v.unit_code = st.Text(2);
    v.field_id = st.Text(3);
    v.kind = core::ParseFieldKind(st.Text(4)).value_or(core::FieldKind::kText);
    v.page = static_cast<int>(st.Int(5));
    v.machine = ToFieldValue(st.Text(6));
    v.confidence = static_cast<float>(st.Double(7));
    v.needs_review = st.Int(8) != 0;
    for (const auto& b : json::parse(st.Text(9)))
      v.boxes.push_back({.value = b.value("value", ""), .state = b.value("state", ""),
                         .ink = b.value("ink", 0.0f), .fill = b.value("fill", 0.0f),
                         .confidence = b.value("confidence", 0.0f)});
    v.crop_mm = RectFromJson(json::parse(st.Text(10)));
    v.has_crop = st.Int(11) != 0;
    v.item_id = st.Int(12);
    v.item_version = static_cast<int>(st.Int(13));
    v.item_status = st.Text(14);
    v.lease_owner = st.Text(15);
    if (!st.IsNull(16)) {
      FieldValue d = ToFieldValue(st.Text(16));
      d.illegible = st.Int(17) != 0;
      v.decided = std::move(d);
      v.decided_by = st.Text(18);
    }
    out.push_back(std::move(v));
  }
  return out;
}

core::Result<std::vector<FieldReadingView>> SqliteStore::ListFieldReadings(const FieldReadingQuery& q) {
  return Guard([&]() -> core::Result<std::vector<FieldReadingView>> { return FieldReadingsIn(q); });
}

core::Result<std::vector<FieldReadingView>> SqliteStore::LeaseFieldReadings(const FieldReadingQuery& q,
                                                                            int lease_seconds) {
  if (q.user.empty()) return MakeError("usage", "a lease needs the reviewer's name");
  if (q.mode != FieldReadingQuery::Mode::kOpen) return MakeError("usage", "only open items are leased");
  return Guard([&]() -> core::Result<std::vector<FieldReadingView>> {
    // IMMEDIATE: the write lock is held from the choice to the lease, so two reviewers never
    // pick the same free item (as LeaseNextReviewItem).
    Transaction tx(db_);
    auto rows = FieldReadingsIn(q);
    std::vector<std::int64_t> ids;
    for (const auto& r : rows) ids.push_back(r.item_id);
    db_.Prepare("UPDATE review_items SET lease_owner=?, "
                "lease_until=strftime('%Y-%m-%dT%H:%M:%fZ','now', ? || ' seconds') "
                "WHERE status='open' AND id IN (SELECT value FROM json_each(?))")
        .Bind(1, q.user).Bind(2, std::to_string(lease_seconds)).Bind(3, json(ids).dump())
        .Run();
    tx.Commit();
    for (auto& r : rows) r.lease_owner = q.user;
    return rows;
  });
}

core::Status SqliteStore::ReleaseLeases(const std::vector<std::int64_t>& item_ids, const std::string& user) {
  return Guard([&]() -> core::Status {
    db_.Prepare("UPDATE review_items SET lease_owner=NULL, lease_until=NULL "
                "WHERE lease_owner=? AND id IN (SELECT value FROM json_each(?))")
        .Bind(1, user).Bind(2, json(item_ids).dump())
        .Run();
    return {};
  });
}

core::Result<std::vector<GroupFieldCount>> SqliteStore::ListGroupFields() {
  return Guard([&]() -> core::Result<std::vector<GroupFieldCount>> {
    Stmt st = db_.Prepare(
        "SELECT f.template_id, f.version, f.field_id, f.kind, f.label, "
        "(SELECT count(*) FROM readings r JOIN pages p ON p.id=r.page_id "
        "  JOIN review_items ri ON ri.reading_id=r.id "
        "  WHERE p.status='ok' AND p.template_id=f.template_id AND p.version=f.version "
        "  AND r.field_id=f.field_id AND ri.status='open'), "
        "(SELECT count(*) FROM readings r JOIN pages p ON p.id=r.page_id "
        "  WHERE p.status='ok' AND p.template_id=f.template_id AND p.version=f.version "
        "  AND r.field_id=f.field_id AND r.needs_review=0 "
        "  AND NOT EXISTS (SELECT 1 FROM review_items ri WHERE ri.reading_id=r.id) "
        "  AND NOT EXISTS (SELECT 1 FROM decisions d WHERE d.serial=p.serial AND d.field_id=r.field_id)) "
        "FROM template_fields f ORDER BY f.template_id, f.version, f.ord");
    std::vector<GroupFieldCount> out;
    while (st.Step()) {
      GroupFieldCount g;
      g.template_id = st.Text(0);
      g.version = static_cast<int>(st.Int(1));
      g.field_id = st.Text(2);
      g.kind = core::ParseFieldKind(st.Text(3)).value_or(core::FieldKind::kText);
      g.label = st.Text(4);
      g.open = static_cast<int>(st.Int(5));
      g.accepted = static_cast<int>(st.Int(6));
      out.push_back(std::move(g));
    }
    return out;
  });
}

core::Result<std::vector<UnidentifiedPage>> SqliteStore::ListUnidentifiedPages(int limit) {
  return Guard([&]() -> core::Result<std::vector<UnidentifiedPage>> {
    Stmt st = db_.Prepare(
        "SELECT p.id, f.path, p.page_index, p.status, p.reason, p.stored_at, p.thumbnail IS NOT NULL, "
        "coalesce(p.set_aside_reason, ''), coalesce(p.set_aside_by, ''), coalesce(p.set_aside_at, '') "
        "FROM pages p JOIN scan_files f ON f.id=p.file_id "
        "WHERE p.status NOT IN ('ok','conflict','duplicate','replaced') "
        // Blank pages (the empty backs of a duplex stack) last: the pages a clerk must act on
        // are never pushed past the limit by them.
        "ORDER BY p.status = 'blank', p.id LIMIT ?");
    st.Bind(1, limit);
    std::vector<UnidentifiedPage> out;
    while (st.Step()) {
      UnidentifiedPage u;
      u.page_id = st.Int(0);
      u.file_name = fs::path(st.Text(1)).filename().string();
      u.page_index = static_cast<int>(st.Int(2));
      u.status = st.Text(3);
      u.reason = st.Text(4);
      u.stored_at = st.Text(5);
      u.has_thumbnail = st.Int(6) != 0;
      u.set_aside_reason = st.Text(7);
      u.set_aside_by = st.Text(8);
      u.set_aside_at = st.Text(9);
      out.push_back(std::move(u));
    }
    return out;
  });
}

core::Result<std::vector<unsigned char>> SqliteStore::LoadPageThumbnail(std::int64_t page_id) {
  return Guard([&]() -> core::Result<std::vector<unsigned char>> {
    Stmt st = db_.Prepare("SELECT thumbnail FROM pages WHERE id=? AND status NOT IN ('ok','conflict','duplicate','replaced')");
    st.Bind(1, page_id);
    if (!st.Step()) return std::vector<unsigned char>{};
    return st.Blob(0);
  });
}

}  // namespace phieu::store
