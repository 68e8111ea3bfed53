// Copyright 2026 The Phiếu Authors
// SPDX-License-Identifier: Apache-2.0
//
// Decisions, the review queue and the audit trail.

#include <algorithm>

#include "sqlite_store.h"

namespace phieu::store {

core::Status SqliteStore::RecordDecision(const Decision& d) {
  if (d.who.empty()) return MakeError("usage", "a decision needs the reviewer's name");
  return Guard([&]() -> core::Status {
    Transaction tx(db_);
    const std::string what = "sheet " + std::to_string(d.serial) + " field " + Q(d.field_id);
    std::optional<core::FieldKind> kind;
    json options;
    {
      Stmt st = db_.Prepare(
          "SELECT f.kind, f.options FROM sheets s JOIN template_fields f "
          "ON f.template_id=s.template_id AND f.version=s.version "
          "WHERE s.serial=? AND f.field_id=?");
      st.Bind(1, d.serial).Bind(2, d.field_id);
      if (!st.Step()) return MakeError("invalid", what + " is not in this survey");
      kind = core::ParseFieldKind(st.Text(0));
      options = json::parse(st.Text(1));
    }
    if (!kind) return MakeError("sqlite", path_ + ": " + what + " has an unknown kind");
    if (core::IsBoxKind(*kind)) {
      if (*kind != core::FieldKind::kMulti && d.selected.size() > 1)
        return MakeError("invalid", what + " takes one answer, got " +
                                        std::to_string(d.selected.size()));
      for (const auto& v : d.selected) {
        bool known = std::any_of(options.begin(), options.end(),
                                 [&](const json& o) { return o.value("value", "") == v; });
        if (!known) return MakeError("invalid", what + " has no option " + Q(v));
      }
    }
    const std::string value = ValueJson(*kind, d.selected, d.text);
    std::optional<std::string> old;
    {
      Stmt st = db_.Prepare("SELECT value FROM decisions WHERE serial=? AND field_id=?");
      st.Bind(1, d.serial).Bind(2, d.field_id);
      if (st.Step()) old = st.Text(0);
    }
    if (!old) {
      // First decision: the audit's "old" is what the machine read.
      Stmt st = db_.Prepare(
          "SELECT r.value FROM readings r JOIN pages p ON p.id=r.page_id "
          "WHERE p.serial=? AND p.status='ok' AND r.field_id=?");
      st.Bind(1, d.serial).Bind(2, d.field_id);
      if (st.Step()) old = st.Text(0);
    }
    db_.Prepare(std::string("INSERT INTO decisions (serial, field_id, value, who, at) "
                            "VALUES (?,?,?,?,") + kNow + ") ON CONFLICT (serial, field_id) "
                "DO UPDATE SET value=excluded.value, who=excluded.who, at=excluded.at")
        .Bind(1, d.serial).Bind(2, d.field_id).Bind(3, value).Bind(4, d.who)
        .Run();
    db_.Prepare(std::string("UPDATE review_items SET status='resolved', resolved_at=") + kNow +
                ", resolved_by=? WHERE serial=? AND field_id=? AND status='open'")
        .Bind(1, d.who).Bind(2, d.serial).Bind(3, d.field_id)
        .Run();
    db_.Prepare(std::string("INSERT INTO audit (who, at, entity, entity_id, old, new) "
                            "VALUES (?,") + kNow + ",'decision',?,?,?)")
        .Bind(1, d.who).Bind(2, std::to_string(d.serial) + "/" + d.field_id).Bind(3, old)
        .Bind(4, value)
        .Run();
    tx.Commit();
    return {};
  });
}

core::Result<std::vector<ReviewItem>> SqliteStore::ListOpenReviewItems(int limit) {
  return Guard([&]() -> core::Result<std::vector<ReviewItem>> {
    std::vector<ReviewItem> out;
    Stmt st = db_.Prepare(
        "SELECT ri.id, ri.reading_id, ri.serial, ri.field_id, r.kind, p.page_no, ri.reason, "
        "r.value, r.confidence, r.crop_mm, r.crop IS NOT NULL "
        "FROM review_items ri JOIN readings r ON r.id=ri.reading_id JOIN pages p ON p.id=r.page_id "
        "WHERE ri.status='open' ORDER BY ri.id LIMIT ?");
    st.Bind(1, limit);
    while (st.Step()) {
      ReviewItem item;
      item.id = st.Int(0);
      item.reading_id = st.Int(1);
      item.serial = st.Int(2);
      item.field_id = st.Text(3);
      item.kind = core::ParseFieldKind(st.Text(4)).value_or(core::FieldKind::kText);
      item.page = static_cast<int>(st.Int(5));
      item.reason = st.Text(6);
      DecodedValue v = DecodeValue(st.Text(7));
      item.selected = std::move(v.items);
      item.text = std::move(v.text);
      item.confidence = static_cast<float>(st.Double(8));
      item.crop_mm = RectFromJson(json::parse(st.Text(9)));
      item.has_crop = st.Int(10) != 0;
      out.push_back(std::move(item));
    }
    return out;
  });
}

core::Result<std::vector<unsigned char>> SqliteStore::LoadCropPng(std::int64_t reading_id) {
  return Guard([&]() -> core::Result<std::vector<unsigned char>> {
    Stmt st = db_.Prepare("SELECT crop FROM readings WHERE id=?");
    st.Bind(1, reading_id);
    if (!st.Step())
      return MakeError("invalid", "reading " + std::to_string(reading_id) + " is not in this survey");
    return st.Blob(0);
  });
}

}  // namespace phieu::store
