// Copyright 2026 The Phiếu Authors
// SPDX-License-Identifier: Apache-2.0
//
// Decisions, the review queue (leases, versions, undo) and the audit trail.

#include <algorithm>
#include <set>

#include "reason_codes.h"
#include "sqlite_store.h"
#include "templates/templates.h"

namespace phieu::store {
namespace {

std::string ItemName(std::int64_t id) { return "review item " + std::to_string(id); }

// Illegible keeps no value; an empty text is a blank.
FieldValue NormalisedValue(const FieldValue& v) {
  if (v.illegible) return FieldValue{.selected = {}, .text = std::nullopt, .illegible = true};
  FieldValue out = v;
  if (out.text && out.text->empty()) out.text.reset();
  return out;
}

std::string StoredValue(core::FieldKind kind, const FieldValue& v) {
  return ValueJson(kind, v.selected, v.text);
}

}  // namespace

// Checks a person's value against the field: box kinds take known options only (no repeats),
// single and scale at most one; digits only digits; text kinds no options. A multi question
// may hold more answers than its `max`: the person records what the respondent did.
std::optional<std::string> ValueProblem(core::FieldKind kind, const json& options,
                                        const FieldValue& v) {
  if (v.illegible) return std::nullopt;  // the value is dropped: see NormalisedValue
  if (core::IsBoxKind(kind)) {
    if (v.text) return "a box question takes options, not text";
    if (kind != core::FieldKind::kMulti && v.selected.size() > 1)
      return "takes one answer, got " + std::to_string(v.selected.size());
    std::set<std::string> seen;
    for (const auto& s : v.selected) {
      bool known = std::any_of(options.begin(), options.end(),
                               [&](const json& o) { return o.value("value", "") == s; });
      if (!known) return "has no option " + Q(s);
      if (!seen.insert(s).second) return "option " + Q(s) + " given twice";
    }
    return std::nullopt;
  }
  if (!v.selected.empty()) return "a written answer takes text, not options";
  if (kind == core::FieldKind::kDigits && v.text &&
      !std::all_of(v.text->begin(), v.text->end(), [](char c) { return c >= '0' && c <= '9'; }))
    return "takes digits only, got " + Q(*v.text);
  return std::nullopt;
}

std::string AuditValueJson(core::FieldKind kind, const FieldValue& value) {
  if (value.illegible) return R"({"illegible":true})";
  return ValueJson(kind, value.selected, value.text);
}

FieldValue ToFieldValue(std::string_view value_json) {
  DecodedValue d = DecodeValue(value_json);
  return FieldValue{.selected = std::move(d.items), .text = std::move(d.text), .illegible = false};
}

std::optional<SqliteStore::FieldDef> SqliteStore::FindFieldDef(core::Serial serial,
                                                                const std::string& field_id) {
  Stmt st = db_.Prepare(
      "SELECT f.kind, f.options FROM sheets s JOIN template_fields f "
      "ON f.template_id=s.template_id AND f.version=s.version "
      "WHERE s.serial=? AND f.field_id=?");
  st.Bind(1, serial).Bind(2, field_id);
  if (!st.Step()) return std::nullopt;
  auto kind = core::ParseFieldKind(st.Text(0));
  if (!kind) throw DbError(0, "field " + Q(field_id) + " has an unknown kind");
  return FieldDef{.kind = *kind, .options = json::parse(st.Text(1))};
}

void SqliteStore::WriteAudit(const std::string& who, const std::string& entity,
                             const std::string& entity_id,
                             const std::optional<std::string>& old_value,
                             const std::optional<std::string>& new_value,
                             const std::string& screen, const std::string& address) {
  db_.Prepare(std::string("INSERT INTO audit (who, at, entity, entity_id, old, new, screen, "
                          "address) VALUES (?,") + kNow + ",?,?,?,?,?,?)")
      .Bind(1, who).Bind(2, entity).Bind(3, entity_id).Bind(4, old_value).Bind(5, new_value)
      .Bind(6, screen).Bind(7, address)
      .Run();
}

void SqliteStore::WriteDecision(core::Serial serial, const std::string& field_id,
                                core::FieldKind kind, const FieldValue& value,
                                const std::string& who, const std::string& screen,
                                const std::string& address, std::optional<std::int64_t> item_id) {
  const std::string stored = StoredValue(kind, value);
  std::optional<std::string> old;
  std::optional<std::int64_t> previous;
  {
    Stmt st = db_.Prepare(
        "SELECT value, illegible, history_id FROM decisions WHERE serial=? AND field_id=?");
    st.Bind(1, serial).Bind(2, field_id);
    if (st.Step()) {
      FieldValue before = ToFieldValue(st.Text(0));
      before.illegible = st.Int(1) != 0;
      old = AuditValueJson(kind, before);
      if (!st.IsNull(2)) previous = st.Int(2);
    }
  }
  if (!old) {
    // First decision: the audit's "old" is what the machine read.
    Stmt st = db_.Prepare(
        "SELECT r.value FROM readings r JOIN pages p ON p.id=r.page_id "
        "WHERE p.serial=? AND p.status='ok' AND r.field_id=?");
    st.Bind(1, serial).Bind(2, field_id);
    if (st.Step()) old = st.Text(0);
  }
  {
    Stmt st = db_.Prepare(std::string("INSERT INTO decision_history (serial, field_id, value, "
                                      "illegible, who, at, item_id, previous_id) VALUES (?,?,?,?,?,") +
                          kNow + ",?,?)");
    st.Bind(1, serial).Bind(2, field_id).Bind(3, stored).Bind(4, value.illegible ? 1 : 0)
        .Bind(5, who);
    if (item_id) st.Bind(6, *item_id); else st.BindNull(6);
    if (previous) st.Bind(7, *previous); else st.BindNull(7);
    st.Run();
  }
  const std::int64_t history_id = db_.LastInsertId();
  db_.Prepare(std::string("INSERT INTO decisions (serial, field_id, value, who, at, illegible, "
                          "history_id) VALUES (?,?,?,?,") + kNow + ",?,?) "
              "ON CONFLICT (serial, field_id) DO UPDATE SET value=excluded.value, "
              "who=excluded.who, at=excluded.at, illegible=excluded.illegible, "
              "history_id=excluded.history_id")
      .Bind(1, serial).Bind(2, field_id).Bind(3, stored).Bind(4, who)
      .Bind(5, value.illegible ? 1 : 0).Bind(6, history_id)
      .Run();
  // Every item of the field changes version, so a screen still showing a resolved one (its
  // decision now replaced) cannot overwrite this value without reloading.
  db_.Prepare("UPDATE review_items SET version=version+1 WHERE serial=? AND field_id=? "
              "AND status='resolved'")
      .Bind(1, serial).Bind(2, field_id)
      .Run();
  db_.Prepare(std::string("UPDATE review_items SET status='resolved', resolved_at=") + kNow +
              ", resolved_by=?, version=version+1, lease_owner=NULL, lease_until=NULL "
              "WHERE serial=? AND field_id=? AND status='open'")
      .Bind(1, who).Bind(2, serial).Bind(3, field_id)
      .Run();
  WriteAudit(who, "decision", std::to_string(serial) + "/" + field_id, old,
             AuditValueJson(kind, value), screen, address);
}

core::Status SqliteStore::RecordDecision(const Decision& d) {
  if (d.who.empty()) return MakeError("usage", "a decision needs the reviewer's name");
  return Guard([&]() -> core::Status {
    Transaction tx(db_);
    const std::string what = "sheet " + std::to_string(d.serial) + " field " + Q(d.field_id);
    auto def = FindFieldDef(d.serial, d.field_id);
    if (!def) return MakeError("invalid", what + " is not in this survey");
    const FieldValue value{.selected = d.selected, .text = d.text, .illegible = d.illegible};
    if (auto why = ValueProblem(def->kind, def->options, value)) return MakeError("invalid", what + " " + *why);
    WriteDecision(d.serial, d.field_id, def->kind, NormalisedValue(value), d.who, d.screen,
                  d.address, std::nullopt);
    tx.Commit();
    return {};
  });
}

core::Result<std::vector<ReviewItem>> SqliteStore::ListOpenReviewItems(int limit) {
  return Guard([&]() -> core::Result<std::vector<ReviewItem>> {
    std::vector<ReviewItem> out;
    Stmt st = db_.Prepare(
        "SELECT ri.id, ri.reading_id, ri.serial, ri.field_id, r.kind, p.page_no, ri.reason, "
        "r.value, r.confidence, r.crop_mm, r.crop IS NOT NULL, ri.reason_codes "
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
      item.reasons = ReasonCodesFromJson(st.Text(11));
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

// --- the review queue -------------------------------------------------------------------

const templates::Layout* SqliteStore::LayoutOf(const std::string& template_id, int version) {
  const TemplateKey key(template_id, version);
  if (auto it = layouts_.find(key); it != layouts_.end()) return it->second ? &*it->second : nullptr;
  std::optional<templates::Layout> layout;
  Stmt st = db_.Prepare("SELECT layout_json FROM templates WHERE template_id=? AND version=?");
  st.Bind(1, template_id).Bind(2, version);
  if (st.Step() && !st.IsNull(0)) {
    auto parsed = templates::LayoutFromJson(st.Text(0));
    if (parsed.ok()) layout = std::move(*parsed);
  }
  // Only a stored layout is cached: one registered later (by another process) is found then.
  if (!layout) return nullptr;
  return &*(layouts_[key] = std::move(layout));
}

template <class Bind>
std::vector<ReviewItemView> SqliteStore::QueryItemViews(const std::string& where,
                                                        const std::string& tail, Bind&& bind) {
  std::vector<ReviewItemView> out;
  {
  Stmt st = db_.Prepare(
      std::string(
          "SELECT ri.id, ri.reading_id, ri.version, ri.status, ri.serial, "
          "coalesce(s.template_id,''), coalesce(s.version,0), coalesce(s.unit_code,''), "
          "ri.field_id, r.kind, p.page_no, coalesce(f.question_id,''), coalesce(f.label,''), "
          "coalesce(f.options,'[]'), coalesce(f.max_answers,0), r.value, r.confidence, r.boxes, "
          "ri.reason_codes, ri.reason, r.crop_mm, r.crop IS NOT NULL, d.value, d.illegible, "
          "coalesce(d.who,''), coalesce(d.at,''), "
          "CASE WHEN ri.lease_until > ") + kNow + " THEN ri.lease_owner ELSE '' END, "
      "CASE WHEN ri.lease_until > " + kNow + " THEN ri.lease_until ELSE '' END "
      "FROM review_items ri JOIN readings r ON r.id=ri.reading_id JOIN pages p ON p.id=r.page_id "
      "LEFT JOIN sheets s ON s.serial=ri.serial "
      "LEFT JOIN template_fields f ON f.template_id=s.template_id AND f.version=s.version "
      "AND f.field_id=ri.field_id "
      "LEFT JOIN decisions d ON d.serial=ri.serial AND d.field_id=ri.field_id "
      "WHERE " + where + " " + tail);
  bind(st);
  while (st.Step()) {
    ReviewItemView v;
    v.id = st.Int(0);
    v.reading_id = st.Int(1);
    v.version = static_cast<int>(st.Int(2));
    v.status = st.Text(3);
    v.serial = st.Int(4);
    v.template_id = st.Text(5);
    v.template_version = static_cast<int>(st.Int(6));
    v.unit_code = st.Text(7);
    v.field_id = st.Text(8);
    v.kind = core::ParseFieldKind(st.Text(9)).value_or(core::FieldKind::kText);
    v.page = static_cast<int>(st.Int(10));
    v.question_id = st.Text(11);
    v.question = st.Text(12);
    for (const auto& o : json::parse(st.Text(13)))
      v.options.push_back({.value = o.value("value", ""), .label = o.value("label", ""), .box_mm = {}});
    v.max = static_cast<int>(st.Int(14));
    v.reading = ToFieldValue(st.Text(15));
    v.confidence = static_cast<float>(st.Double(16));
    for (const auto& b : json::parse(st.Text(17)))
      v.boxes.push_back({.value = b.value("value", ""), .state = b.value("state", ""),
                         .ink = b.value("ink", 0.0f), .fill = b.value("fill", 0.0f),
                         .confidence = b.value("confidence", 0.0f)});
    v.reasons = ReasonCodesFromJson(st.Text(18));
    v.reason = st.Text(19);
    v.crop_mm = RectFromJson(json::parse(st.Text(20)));
    v.has_crop = st.Int(21) != 0;
    if (!st.IsNull(22)) {
      FieldValue d = ToFieldValue(st.Text(22));
      d.illegible = st.Int(23) != 0;
      v.decided = std::move(d);
      v.decided_by = st.Text(24);
      v.decided_at = st.Text(25);
    }
    v.lease_owner = st.Text(26);
    v.lease_until = st.Text(27);
    out.push_back(std::move(v));
  }
  }
  for (auto& v : out) {
    const templates::Layout* layout = LayoutOf(v.template_id, v.template_version);
    if (!layout) continue;
    for (const auto& f : layout->fields) {
      if (f.id != v.field_id) continue;
      for (auto& o : v.options)
        for (const auto& box : f.options)
          if (box.value == o.value) o.box_mm = box.box_mm;
      v.cells_mm = f.cells_mm;
      v.area_mm = f.area_mm;
      break;
    }
  }
  return out;
}

core::Result<std::optional<ReviewItemView>> SqliteStore::GetReviewItem(std::int64_t id) {
  return Guard([&]() -> core::Result<std::optional<ReviewItemView>> {
    auto views = QueryItemViews("ri.id=?", "", [&](Stmt& st) { st.Bind(1, id); });
    if (views.empty()) return std::optional<ReviewItemView>();
    return std::optional<ReviewItemView>(std::move(views.front()));
  });
}

core::Result<std::optional<ReviewItemView>> SqliteStore::LeaseNextReviewItem(
    const std::string& user, int lease_seconds, const std::vector<std::int64_t>& exclude,
    const std::string& blind_for) {
  if (user.empty()) return MakeError("usage", "a lease needs the reviewer's name");
  return Guard([&]() -> core::Result<std::optional<ReviewItemView>> {
    const std::string skip = json(exclude).dump();
    // Items of a sheet `blind_for` may still enter blind in the re-check are not theirs to see.
    const std::string not_blind = blind_for.empty() ? "" : " AND NOT " + BlindToSql("review_items.serial");
    auto bind_blind = [&](Stmt& st) {
      if (!blind_for.empty()) st.Bind(3, blind_for);
    };
    std::optional<std::int64_t> id;
    {
      // IMMEDIATE: the write lock is held from the choice to the lease, so two reviewers (two
      // connections, threads or processes) can never pick the same free item.
      Transaction tx(db_);
      {
        // An item this user still holds comes first (a reload, another tab).
        Stmt st = db_.Prepare(std::string(
            "SELECT id FROM review_items WHERE status='open' AND lease_owner=? AND lease_until > ") +
            kNow + " AND id NOT IN (SELECT value FROM json_each(?))" + not_blind + " ORDER BY id LIMIT 1");
        st.Bind(1, user).Bind(2, skip);
        bind_blind(st);
        if (st.Step()) id = st.Int(0);
      }
      if (!id) {
        Stmt st = db_.Prepare(std::string(
            "SELECT id FROM review_items WHERE status='open' AND (lease_owner IS NULL OR "
            "lease_owner=? OR lease_until IS NULL OR lease_until <= ") + kNow +
            ") AND id NOT IN (SELECT value FROM json_each(?))" + not_blind + " ORDER BY id LIMIT 1");
        st.Bind(1, user).Bind(2, skip);
        bind_blind(st);
        if (st.Step()) id = st.Int(0);
      }
      if (!id) return std::optional<ReviewItemView>();
      db_.Prepare("UPDATE review_items SET lease_owner=?, "
                  "lease_until=strftime('%Y-%m-%dT%H:%M:%fZ','now', ? || ' seconds') WHERE id=?")
          .Bind(1, user).Bind(2, std::to_string(lease_seconds)).Bind(3, *id)
          .Run();
      tx.Commit();
    }
    auto views = QueryItemViews("ri.id=?", "", [&](Stmt& st) { st.Bind(1, *id); });
    if (views.empty()) return std::optional<ReviewItemView>();
    return std::optional<ReviewItemView>(std::move(views.front()));
  });
}

core::Result<DecisionResult> SqliteStore::DecideReviewItem(const ItemDecision& d) {
  if (d.who.empty()) return MakeError("usage", "a decision needs the reviewer's name");
  return Guard([&]() -> core::Result<DecisionResult> {
    Transaction tx(db_);
    core::Serial serial = 0;
    std::string field_id, status, holder;
    int version = 0;
    {
      Stmt st = db_.Prepare(std::string(
          "SELECT serial, field_id, status, version, CASE WHEN lease_until > ") + kNow +
          " THEN coalesce(lease_owner,'') ELSE '' END FROM review_items WHERE id=?");
      st.Bind(1, d.item_id);
      if (!st.Step())
        return DecisionResult{.outcome = DecisionOutcome::kNotFound,
                              .message = ItemName(d.item_id) + " does not exist", .version = 0};
      serial = st.Int(0);
      field_id = st.Text(1);
      status = st.Text(2);
      version = static_cast<int>(st.Int(3));
      holder = st.Text(4);
    }
    if (d.version != version)
      return DecisionResult{
          .outcome = DecisionOutcome::kStale,
          .message = ItemName(d.item_id) + " changed since you saw it (version " +
                     std::to_string(d.version) + ", now " + std::to_string(version) +
                     (status == "resolved" ? ", decided since" : "") + "): reload it",
          .version = version};
    if (!holder.empty() && holder != d.who)
      return DecisionResult{.outcome = DecisionOutcome::kLeasedToOther,
                            .message = ItemName(d.item_id) + " is being reviewed by " + holder,
                            .version = version};
    auto def = FindFieldDef(serial, field_id);
    if (!def)
      return DecisionResult{.outcome = DecisionOutcome::kNotFound,
                            .message = "sheet " + std::to_string(serial) + " field " + Q(field_id) +
                                       " is not in this survey",
                            .version = version};
    if (auto why = ValueProblem(def->kind, def->options, d.value))
      return DecisionResult{.outcome = DecisionOutcome::kInvalid,
                            .message = "field " + Q(field_id) + " " + *why, .version = version};
    WriteDecision(serial, field_id, def->kind, NormalisedValue(d.value), d.who, d.screen,
                  d.address, d.item_id);
    // A correction of a resolved item: WriteDecision only touched open items.
    db_.Prepare(std::string("UPDATE review_items SET status='resolved', resolved_at=") + kNow +
                ", resolved_by=?, version=?, lease_owner=NULL, lease_until=NULL WHERE id=?")
        .Bind(1, d.who).Bind(2, version + 1).Bind(3, d.item_id)
        .Run();
    tx.Commit();
    return DecisionResult{.outcome = DecisionOutcome::kRecorded, .message = {}, .version = version + 1};
  });
}

core::Result<DecisionResult> SqliteStore::ReopenReviewItem(std::int64_t item_id, int version,
                                                           const std::string& who,
                                                           const std::string& screen,
                                                           const std::string& address) {
  if (who.empty()) return MakeError("usage", "an undo needs the reviewer's name");
  return Guard([&]() -> core::Result<DecisionResult> {
    Transaction tx(db_);
    core::Serial serial = 0;
    std::string field_id, status;
    int current = 0;
    {
      Stmt st = db_.Prepare("SELECT serial, field_id, status, version FROM review_items WHERE id=?");
      st.Bind(1, item_id);
      if (!st.Step())
        return DecisionResult{.outcome = DecisionOutcome::kNotFound,
                              .message = ItemName(item_id) + " does not exist", .version = 0};
      serial = st.Int(0);
      field_id = st.Text(1);
      status = st.Text(2);
      current = static_cast<int>(st.Int(3));
    }
    if (version != current)
      return DecisionResult{.outcome = DecisionOutcome::kStale,
                            .message = ItemName(item_id) + " changed since you saw it (version " +
                                       std::to_string(version) + ", now " +
                                       std::to_string(current) + "): reload it",
                            .version = current};
    if (status != "resolved")
      return DecisionResult{.outcome = DecisionOutcome::kStale,
                            .message = ItemName(item_id) + " has no decision to undo",
                            .version = current};
    auto def = FindFieldDef(serial, field_id);
    const core::FieldKind kind = def ? def->kind : core::FieldKind::kText;
    // What the field holds now, and the human value it replaced (none: the machine's again).
    std::optional<std::string> old;
    std::optional<std::int64_t> previous;
    {
      Stmt st = db_.Prepare(
          "SELECT d.value, d.illegible, h.previous_id FROM decisions d "
          "LEFT JOIN decision_history h ON h.id=d.history_id WHERE d.serial=? AND d.field_id=?");
      st.Bind(1, serial).Bind(2, field_id);
      if (st.Step()) {
        FieldValue now = ToFieldValue(st.Text(0));
        now.illegible = st.Int(1) != 0;
        old = AuditValueJson(kind, now);
        if (!st.IsNull(2)) previous = st.Int(2);
      }
    }
    std::optional<std::string> restored;
    if (previous) {
      std::string value, by, at;
      int illegible = 0;
      {
        Stmt st = db_.Prepare("SELECT value, illegible, who, at FROM decision_history WHERE id=?");
        st.Bind(1, *previous);
        if (!st.Step())
          throw DbError(0, "decision history row " + std::to_string(*previous) + " is missing");
        value = st.Text(0);
        illegible = static_cast<int>(st.Int(1));
        by = st.Text(2);
        at = st.Text(3);
      }
      FieldValue back = ToFieldValue(value);
      back.illegible = illegible != 0;
      restored = AuditValueJson(kind, back);
      db_.Prepare("UPDATE decisions SET value=?, illegible=?, who=?, at=?, history_id=? "
                  "WHERE serial=? AND field_id=?")
          .Bind(1, value).Bind(2, illegible).Bind(3, by).Bind(4, at).Bind(5, *previous)
          .Bind(6, serial).Bind(7, field_id)
          .Run();
    } else {
      db_.Prepare("DELETE FROM decisions WHERE serial=? AND field_id=?")
          .Bind(1, serial).Bind(2, field_id).Run();
      // The field shows the machine's reading again.
      Stmt st = db_.Prepare(
          "SELECT r.value FROM readings r JOIN pages p ON p.id=r.page_id "
          "WHERE p.serial=? AND p.status='ok' AND r.field_id=?");
      st.Bind(1, serial).Bind(2, field_id);
      if (st.Step()) restored = st.Text(0);
    }
    // The field's other items see the change too (as in WriteDecision).
    db_.Prepare("UPDATE review_items SET version=version+1 WHERE serial=? AND field_id=? AND id<>?")
        .Bind(1, serial).Bind(2, field_id).Bind(3, item_id)
        .Run();
    db_.Prepare(std::string("UPDATE review_items SET status='open', resolved_at=NULL, "
                            "resolved_by=NULL, version=?, lease_owner=?, lease_until=strftime("
                            "'%Y-%m-%dT%H:%M:%fZ','now','+600 seconds') WHERE id=?"))
        .Bind(1, current + 1).Bind(2, who).Bind(3, item_id)
        .Run();
    WriteAudit(who, "undo", std::to_string(serial) + "/" + field_id, old, restored, screen,
               address);
    tx.Commit();
    return DecisionResult{.outcome = DecisionOutcome::kRecorded, .message = {}, .version = current + 1};
  });
}

core::Status SqliteStore::ReleaseLease(std::int64_t item_id, const std::string& user) {
  return Guard([&]() -> core::Status {
    db_.Prepare("UPDATE review_items SET lease_owner=NULL, lease_until=NULL "
                "WHERE id=? AND lease_owner=?")
        .Bind(1, item_id).Bind(2, user).Run();
    return {};
  });
}

core::Result<std::vector<ReviewItemView>> SqliteStore::ListDecidedItems(const std::string& user,
                                                                        int limit) {
  return Guard([&]() -> core::Result<std::vector<ReviewItemView>> {
    return QueryItemViews("ri.status='resolved' AND ri.resolved_by=?",
                          "ORDER BY ri.resolved_at DESC, ri.id DESC LIMIT ?", [&](Stmt& st) {
                            st.Bind(1, user).Bind(2, limit);
                          });
  });
}

core::Result<QueueCounts> SqliteStore::CountReviewQueue(const std::string& user) {
  return Guard([&]() -> core::Result<QueueCounts> {
    QueueCounts c;
    Stmt st = db_.Prepare(std::string(
        "SELECT (SELECT count(*) FROM review_items WHERE status='open'), "
        "(SELECT count(*) FROM review_items WHERE status='open' AND lease_owner IS NOT NULL "
        "AND lease_owner<>? AND lease_until > ") + kNow + "), "
        "(SELECT count(*) FROM review_items WHERE status='resolved' AND resolved_by=?)");
    st.Bind(1, user).Bind(2, user);
    if (st.Step()) {
      c.open = static_cast<int>(st.Int(0));
      c.leased_to_others = static_cast<int>(st.Int(1));
      c.decided_by_user = static_cast<int>(st.Int(2));
    }
    return c;
  });
}

core::Result<std::vector<AuditRow>> SqliteStore::ListAudit(const AuditFilter& filter) {
  return Guard([&]() -> core::Result<std::vector<AuditRow>> {
    std::string where = "1";
    std::vector<std::string> params;
    if (filter.serial) {
      if (!filter.field_id.empty()) {
        where += " AND entity_id=?";
        params.push_back(std::to_string(*filter.serial) + "/" + filter.field_id);
      } else {
        // entity_id is "SERIAL/FIELD": a range on the index, not a LIKE.
        where += " AND entity_id >= ? AND entity_id < ?";
        params.push_back(std::to_string(*filter.serial) + "/");
        params.push_back(std::to_string(*filter.serial) + "0");  // '0' follows '/'
      }
    }
    if (!filter.user.empty()) {
      where += " AND who=?";
      params.push_back(filter.user);
    }
    Stmt st = db_.Prepare(
        "SELECT id, who, at, entity, entity_id, old, new, screen, address FROM audit WHERE " +
        where + " ORDER BY id DESC LIMIT ?");
    int i = 1;
    for (const auto& p : params) st.Bind(i++, p);
    st.Bind(i, filter.limit > 0 ? filter.limit : -1);
    std::vector<AuditRow> out;
    while (st.Step()) {
      AuditRow row;
      row.id = st.Int(0);
      row.who = st.Text(1);
      row.at = st.Text(2);
      row.entity = st.Text(3);
      row.entity_id = st.Text(4);
      if (!st.IsNull(5)) row.old_value = st.Text(5);
      if (!st.IsNull(6)) row.new_value = st.Text(6);
      row.screen = st.Text(7);
      row.address = st.Text(8);
      out.push_back(std::move(row));
    }
    return out;
  });
}

}  // namespace phieu::store
