// Copyright 2026 The Phiếu Authors
// SPDX-License-Identifier: Apache-2.0
//
// The re-check (phúc tra): a random sample of complete sheets entered again, blind, by a second
// reviewer; agreement, Cohen's kappa, disagreements settled by an admin, and the residual error
// of the values the machine accepted. Tables: recheck_draws, recheck_sheets, recheck_fields
// (schema step 4, docs/schema.md).

#include <algorithm>
#include <cmath>
#include <random>
#include <set>

#include "sqlite_store.h"

namespace phieu::store {
namespace {

std::string SheetName(core::Serial s) { return "sheet " + std::to_string(s); }

// A value in the one form two values are compared in: multi answers sorted, text trimmed
// (an empty text is a blank), illegible without a value.
FieldValue Canonical(core::FieldKind kind, FieldValue v) {
  if (v.illegible) return FieldValue{.selected = {}, .text = std::nullopt, .illegible = true};
  if (kind == core::FieldKind::kMulti) std::sort(v.selected.begin(), v.selected.end());
  if (v.text) {
    const auto b = v.text->find_first_not_of(" \t\r\n");
    const auto e = v.text->find_last_not_of(" \t\r\n");
    if (b == std::string::npos) v.text.reset(); else *v.text = v.text->substr(b, e - b + 1);
  }
  return v;
}

std::string CanonicalJson(core::FieldKind kind, const FieldValue& v) {
  return AuditValueJson(kind, Canonical(kind, v));
}

std::string KindGroup(core::FieldKind k) {
  if (core::IsBoxKind(k)) return "boxes";
  return k == core::FieldKind::kDigits ? "digits" : "text";
}

// A uniform integer in [0, n) from mt19937_64 by rejection: unlike
// std::uniform_int_distribution, the same on every standard library (a seed must redraw the
// same sheets wherever the survey file is opened).
std::uint64_t Below(std::mt19937_64& rng, std::uint64_t n) {
  const std::uint64_t limit = UINT64_MAX - UINT64_MAX % n;
  std::uint64_t x;
  do x = rng(); while (x >= limit);
  return x % n;
}

// `k` of `pool` (ascending serials) by a partial Fisher-Yates shuffle.
std::vector<core::Serial> Sample(std::vector<core::Serial> pool, int k, std::mt19937_64& rng) {
  k = std::min<int>(k, static_cast<int>(pool.size()));
  for (int i = 0; i < k; ++i) {
    const auto j = i + Below(rng, pool.size() - i);
    std::swap(pool[i], pool[j]);
  }
  pool.resize(k);
  return pool;
}

int Target(double share, int n) {
  // ceil, without 0.1 * 30 = 3.0000000000000004 becoming 4.
  return static_cast<int>(std::ceil(share * n - 1e-9));
}

}  // namespace

std::optional<double> CohenKappa(const std::vector<std::pair<std::string, std::string>>& pairs) {
  if (pairs.empty()) return std::nullopt;
  std::map<std::string, int> a, b;
  int same = 0;
  for (const auto& [x, y] : pairs) {
    ++a[x];
    ++b[y];
    if (x == y) ++same;
  }
  const double n = static_cast<double>(pairs.size());
  const double po = same / n;
  double pe = 0;
  for (const auto& [cat, count] : a)
    if (auto it = b.find(cat); it != b.end()) pe += (count / n) * (it->second / n);
  if (pe >= 1.0 - 1e-12) return std::nullopt;
  return (po - pe) / (1.0 - pe);
}

std::pair<double, double> WilsonInterval(int x, int n, double z) {
  if (n <= 0) return {0.0, 0.0};
  const double p = static_cast<double>(x) / n;
  const double z2 = z * z;
  const double denom = 1.0 + z2 / n;
  const double centre = (p + z2 / (2.0 * n)) / denom;
  const double half = z / denom * std::sqrt(p * (1.0 - p) / n + z2 / (4.0 * n * n));
  return {std::max(0.0, centre - half), std::min(1.0, centre + half)};
}

core::Result<RecheckDraw> SqliteStore::DrawRecheck(const RecheckDrawOptions& o) {
  if (!(o.share > 0.0 && o.share <= 1.0))
    return MakeError("usage", "--share must be above 0 and at most 1 (0.10 = 10%)");
  if (o.who.empty()) return MakeError("usage", "a draw needs the name of who runs it");
  return Guard([&]() -> core::Result<RecheckDraw> {
    Transaction tx(db_);
    RecheckDraw d;
    d.seed = o.seed ? *o.seed : (static_cast<std::uint64_t>(std::random_device{}()) << 32) ^
                                    std::random_device{}();
    d.share = o.share;
    d.per_unit = o.per_unit;
    d.written = o.written;
    d.who = o.who;
    std::set<core::Serial> drawn_before;
    {
      Stmt st = db_.Prepare("SELECT serial FROM recheck_sheets");
      while (st.Step()) drawn_before.insert(st.Int(0));
    }
    // Strata: unit -> (complete sheets, of which drawn before / free), ascending serials.
    struct Stratum { int complete = 0; int drawn = 0; std::vector<core::Serial> free; };
    std::map<std::string, Stratum> strata;
    for (const SheetRecord& s : QuerySheets(std::nullopt)) {
      if (s.status != "complete") continue;
      Stratum& st = strata[o.per_unit ? s.unit_code : std::string()];
      ++st.complete;
      ++d.complete_sheets;
      if (drawn_before.count(s.serial)) {
        ++st.drawn;
        ++d.already_drawn;
      } else {
        st.free.push_back(s.serial);
      }
    }
    std::mt19937_64 rng(d.seed);
    for (auto& [unit, st] : strata) {  // map order: the same strata in the same order
      std::sort(st.free.begin(), st.free.end());
      int want = Target(o.share, st.complete) - st.drawn;
      if (o.per_unit && st.drawn == 0) want = std::max(want, 1);
      if (want <= 0) continue;
      for (core::Serial s : Sample(st.free, want, rng)) d.serials.push_back(s);
    }
    std::sort(d.serials.begin(), d.serials.end());
    db_.Prepare(std::string("INSERT INTO recheck_draws (seed, share, per_unit, written, who, at, "
                            "complete_sheets, already_drawn, drawn) VALUES (?,?,?,?,?,") + kNow +
                ",?,?,?)")
        .Bind(1, std::to_string(d.seed)).Bind(2, d.share).Bind(3, d.per_unit ? 1 : 0)
        .Bind(4, d.written ? 1 : 0).Bind(5, d.who).Bind(6, d.complete_sheets)
        .Bind(7, d.already_drawn).Bind(8, static_cast<int>(d.serials.size()))
        .Run();
    d.id = db_.LastInsertId();
    for (core::Serial s : d.serials)
      db_.Prepare("INSERT INTO recheck_sheets (serial, draw_id, unit_code) "
                  "SELECT serial, ?, coalesce(unit_code,'') FROM sheets WHERE serial=?")
          .Bind(1, d.id).Bind(2, s).Run();
    {
      Stmt st = db_.Prepare("SELECT at FROM recheck_draws WHERE id=?");
      st.Bind(1, d.id);
      if (st.Step()) d.at = st.Text(0);
    }
    WriteAudit(d.who, "recheck_draw", std::to_string(d.id), std::nullopt,
               json{{"seed", std::to_string(d.seed)}, {"share", d.share}, {"per_unit", d.per_unit},
                    {"written", d.written}, {"drawn", d.serials.size()}}.dump(),
               "cli", "");
    tx.Commit();
    return d;
  });
}

std::vector<std::string> SqliteStore::FirstReviewers(core::Serial serial) {
  // Whoever gave any field of the sheet a value before its blind entry (a settlement comes
  // after it and does not make its admin a "first" reviewer).
  std::vector<std::string> out;
  Stmt st = db_.Prepare(
      "SELECT DISTINCT h.who FROM decision_history h LEFT JOIN recheck_sheets r "
      "ON r.serial=h.serial WHERE h.serial=? AND (r.entered_at IS NULL OR h.at < r.entered_at) "
      "ORDER BY h.who");
  st.Bind(1, serial);
  while (st.Step()) out.push_back(st.Text(0));
  return out;
}

std::optional<RecheckSheetView> SqliteStore::RecheckView(core::Serial serial) {
  RecheckSheetView v;
  bool written = false;
  {
    Stmt st = db_.Prepare(std::string(
        "SELECT r.serial, s.template_id, s.version, r.unit_code, r.version, r.status, "
        "CASE WHEN r.lease_until > ") + kNow + " THEN coalesce(r.lease_owner,'') ELSE '' END, "
        "CASE WHEN r.lease_until > " + kNow + " THEN r.lease_until ELSE '' END, d.written "
        "FROM recheck_sheets r JOIN sheets s ON s.serial=r.serial "
        "JOIN recheck_draws d ON d.id=r.draw_id WHERE r.serial=?");
    st.Bind(1, serial);
    if (!st.Step()) return std::nullopt;
    v.serial = st.Int(0);
    v.template_id = st.Text(1);
    v.template_version = static_cast<int>(st.Int(2));
    v.unit_code = st.Text(3);
    v.version = static_cast<int>(st.Int(4));
    v.status = st.Text(5);
    v.lease_owner = st.Text(6);
    v.lease_until = st.Text(7);
    written = st.Int(8) != 0;
  }
  {
    Stmt st = db_.Prepare(
        "SELECT field_id, kind, page, question_id, label, options, max_answers FROM template_fields "
        "WHERE template_id=? AND version=? ORDER BY ord");
    st.Bind(1, v.template_id).Bind(2, v.template_version);
    while (st.Step()) {
      RecheckFieldView f;
      f.field_id = st.Text(0);
      f.kind = core::ParseFieldKind(st.Text(1)).value_or(core::FieldKind::kText);
      if (!core::IsBoxKind(f.kind) && !written) continue;
      f.page = static_cast<int>(st.Int(2));
      f.question_id = st.Text(3);
      f.question = st.Text(4);
      for (const auto& o : json::parse(st.Text(5)))
        f.options.push_back({.value = o.value("value", ""), .label = o.value("label", ""), .box_mm = {}});
      f.max = static_cast<int>(st.Int(6));
      v.fields.push_back(std::move(f));
    }
  }
  if (const templates::Layout* layout = LayoutOf(v.template_id, v.template_version)) {
    for (auto& f : v.fields)
      for (const auto& lf : layout->fields) {
        if (lf.id != f.field_id) continue;
        for (auto& o : f.options)
          for (const auto& box : lf.options)
            if (box.value == o.value) o.box_mm = box.box_mm;
        f.cells_mm = lf.cells_mm;
        f.area_mm = lf.area_mm;
        break;
      }
  }
  return v;
}

core::Result<std::optional<RecheckSheetView>> SqliteStore::LeaseNextRecheckSheet(
    const std::string& user, int lease_seconds) {
  if (user.empty()) return MakeError("usage", "a lease needs the reviewer's name");
  return Guard([&]() -> core::Result<std::optional<RecheckSheetView>> {
    std::optional<core::Serial> serial;
    {
      Transaction tx(db_);
      Stmt held = db_.Prepare(std::string(
          "SELECT serial FROM recheck_sheets WHERE status='open' AND lease_owner=? AND "
          "lease_until > ") + kNow + " ORDER BY serial LIMIT 1");
      held.Bind(1, user);
      if (held.Step()) serial = held.Int(0);
      if (!serial) {
        Stmt st = db_.Prepare(std::string(
            "SELECT r.serial FROM recheck_sheets r WHERE r.status='open' AND (r.lease_owner IS NULL "
            "OR r.lease_owner=? OR r.lease_until IS NULL OR r.lease_until <= ") + kNow + ") "
            "AND NOT EXISTS (SELECT 1 FROM decision_history h WHERE h.serial=r.serial AND h.who=?) "
            "ORDER BY r.serial LIMIT 1");
        st.Bind(1, user).Bind(2, user);
        if (st.Step()) serial = st.Int(0);
      }
      if (!serial) return std::optional<RecheckSheetView>();
      db_.Prepare("UPDATE recheck_sheets SET lease_owner=?, "
                  "lease_until=strftime('%Y-%m-%dT%H:%M:%fZ','now', ? || ' seconds') WHERE serial=?")
          .Bind(1, user).Bind(2, std::to_string(lease_seconds)).Bind(3, *serial)
          .Run();
      tx.Commit();
    }
    return RecheckView(*serial);
  });
}

core::Result<std::pair<RecheckResult, std::optional<RecheckSheetView>>> SqliteStore::GetRecheckSheet(
    core::Serial serial, const std::string& user) {
  using Out = std::pair<RecheckResult, std::optional<RecheckSheetView>>;
  return Guard([&]() -> core::Result<Out> {
    auto view = RecheckView(serial);
    if (!view)
      return Out{{RecheckOutcome::kNotFound, SheetName(serial) + " was not drawn for the re-check", 0},
                 std::nullopt};
    auto firsts = FirstReviewers(serial);
    if (std::find(firsts.begin(), firsts.end(), user) != firsts.end())
      return Out{{RecheckOutcome::kFirstReviewer,
                  "you decided fields of " + SheetName(serial) +
                      ": its re-check must be entered by another reviewer", view->version},
                 std::nullopt};
    const int version = view->version;
    return Out{{RecheckOutcome::kRecorded, "", version}, std::move(view)};
  });
}

core::Result<RecheckResult> SqliteStore::SubmitRecheck(const RecheckEntry& e) {
  if (e.who.empty()) return MakeError("usage", "a re-check entry needs the reviewer's name");
  return Guard([&]() -> core::Result<RecheckResult> {
    Transaction tx(db_);
    auto view = RecheckView(e.serial);
    if (!view)
      return RecheckResult{RecheckOutcome::kNotFound,
                           SheetName(e.serial) + " was not drawn for the re-check", 0};
    auto firsts = FirstReviewers(e.serial);
    if (std::find(firsts.begin(), firsts.end(), e.who) != firsts.end())
      return RecheckResult{RecheckOutcome::kFirstReviewer,
                           "you decided fields of " + SheetName(e.serial) +
                               ": its re-check must be entered by another reviewer",
                           view->version};
    if (e.version != view->version)
      return RecheckResult{RecheckOutcome::kStale,
                           SheetName(e.serial) + " changed since you opened it (version " +
                               std::to_string(e.version) + ", now " + std::to_string(view->version) +
                               (view->status == "entered" ? ", entered since" : "") + ")",
                           view->version};
    if (!view->lease_owner.empty() && view->lease_owner != e.who)
      return RecheckResult{RecheckOutcome::kLeasedToOther,
                           SheetName(e.serial) + " is being re-checked by " + view->lease_owner,
                           view->version};
    // Every field present and fitting; nothing else.
    for (const auto& [id, value] : e.values) {
      const bool known = std::any_of(view->fields.begin(), view->fields.end(),
                                     [&](const RecheckFieldView& f) { return f.field_id == id; });
      if (!known)
        return RecheckResult{RecheckOutcome::kInvalid,
                             "field " + Q(id) + " is not re-checked on " + SheetName(e.serial),
                             view->version};
    }
    for (const auto& f : view->fields) {
      auto it = e.values.find(f.field_id);
      if (it == e.values.end())
        return RecheckResult{RecheckOutcome::kInvalid, "field " + Q(f.field_id) + " has no value",
                             view->version};
      auto def = FindFieldDef(e.serial, f.field_id);
      if (!def) throw DbError(0, "field " + Q(f.field_id) + " vanished from its template");
      if (auto why = ValueProblem(f.kind, def->options, Canonical(f.kind, it->second)))
        return RecheckResult{RecheckOutcome::kInvalid, "field " + Q(f.field_id) + " " + *why,
                             view->version};
    }
    for (const auto& f : view->fields) {
      // The sheet's value now: the human decision if any, else the machine's reading.
      FieldValue first;
      bool accepted = true;
      std::string first_who;
      {
        Stmt st = db_.Prepare("SELECT value, illegible, who FROM decisions WHERE serial=? AND field_id=?");
        st.Bind(1, e.serial).Bind(2, f.field_id);
        if (st.Step()) {
          first = ToFieldValue(st.Text(0));
          first.illegible = st.Int(1) != 0;
          first_who = st.Text(2);
          accepted = false;
        }
      }
      if (accepted) {
        Stmt st = db_.Prepare(
            "SELECT r.value FROM readings r JOIN pages p ON p.id=r.page_id "
            "WHERE p.serial=? AND p.status='ok' AND r.field_id=?");
        st.Bind(1, e.serial).Bind(2, f.field_id);
        if (st.Step()) first = ToFieldValue(st.Text(0));
      }
      const std::string a = CanonicalJson(f.kind, first);
      const std::string b = CanonicalJson(f.kind, e.values.at(f.field_id));
      db_.Prepare("INSERT INTO recheck_fields (serial, field_id, kind, first_value, first_accepted, "
                  "first_who, blind_value, blind_who, equal) VALUES (?,?,?,?,?,?,?,?,?)")
          .Bind(1, e.serial).Bind(2, f.field_id).Bind(3, std::string(core::FieldKindName(f.kind)))
          .Bind(4, a).Bind(5, accepted ? 1 : 0).Bind(6, first_who).Bind(7, b).Bind(8, e.who)
          .Bind(9, a == b ? 1 : 0)
          .Run();
    }
    db_.Prepare(std::string("UPDATE recheck_sheets SET status='entered', version=version+1, "
                            "lease_owner=NULL, lease_until=NULL, entered_by=?, entered_at=") +
                kNow + " WHERE serial=?")
        .Bind(1, e.who).Bind(2, e.serial).Run();
    WriteAudit(e.who, "recheck_entry", std::to_string(e.serial), std::nullopt,
               json{{"fields", view->fields.size()}}.dump(), "recheck", e.address);
    tx.Commit();
    return RecheckResult{RecheckOutcome::kRecorded, "", view->version + 1};
  });
}

core::Status SqliteStore::ReleaseRecheckLease(core::Serial serial, const std::string& user) {
  return Guard([&]() -> core::Status {
    db_.Prepare("UPDATE recheck_sheets SET lease_owner=NULL, lease_until=NULL "
                "WHERE serial=? AND lease_owner=?")
        .Bind(1, serial).Bind(2, user).Run();
    return {};
  });
}

core::Result<bool> SqliteStore::IsBlindTo(core::Serial serial, const std::string& user) {
  return Guard([&]() -> core::Result<bool> {
    Stmt st = db_.Prepare("SELECT " + BlindToSql("?"));
    st.Bind(1, serial).Bind(2, user);
    return st.Step() && st.Int(0) != 0;
  });
}

std::vector<RecheckComparison> SqliteStore::QueryComparisons(const std::string& where,
                                                             const std::function<void(Stmt&)>& bind) {
  std::vector<RecheckComparison> out;
  Stmt st = db_.Prepare(std::string(
      "SELECT f.serial, f.field_id, f.kind, r.unit_code, coalesce(t.label,''), "
      "coalesce(t.options,'[]'), f.first_value, f.first_accepted, f.first_who, f.blind_value, "
      "f.blind_who, f.equal, f.settled_value, coalesce(f.settled_by,''), "
      "coalesce(f.settled_at,'') "
      "FROM recheck_fields f JOIN recheck_sheets r ON r.serial=f.serial "
      "LEFT JOIN sheets s ON s.serial=f.serial "
      "LEFT JOIN template_fields t ON t.template_id=s.template_id AND t.version=s.version "
      "AND t.field_id=f.field_id ") +
      (where.empty() ? "" : "WHERE " + where + " ") + "ORDER BY f.serial, coalesce(t.ord, 0), f.field_id");
  bind(st);
  while (st.Step()) {
    RecheckComparison c;
    c.serial = st.Int(0);
    c.field_id = st.Text(1);
    c.kind = core::ParseFieldKind(st.Text(2)).value_or(core::FieldKind::kText);
    c.unit_code = st.Text(3);
    c.question = st.Text(4);
    for (const auto& o : json::parse(st.Text(5)))
      c.options.push_back({.value = o.value("value", ""), .label = o.value("label", ""), .box_mm = {}});
    c.first_value = st.Text(6);
    c.first_accepted = st.Int(7) != 0;
    c.first_who = st.Text(8);
    c.blind_value = st.Text(9);
    c.blind_who = st.Text(10);
    c.equal = st.Int(11) != 0;
    if (!st.IsNull(12)) c.settled_value = st.Text(12);
    c.settled_by = st.Text(13);
    c.settled_at = st.Text(14);
    out.push_back(std::move(c));
  }
  return out;
}

core::Result<std::vector<RecheckComparison>> SqliteStore::ListRecheckComparisons(bool disagreements_only) {
  return Guard([&]() -> core::Result<std::vector<RecheckComparison>> {
    return QueryComparisons(disagreements_only ? "f.equal=0" : "", [](Stmt&) {});
  });
}

core::Result<std::optional<RecheckComparison>> SqliteStore::FindRecheckComparison(core::Serial serial,
                                                                                const std::string& field_id) {
  return Guard([&]() -> core::Result<std::optional<RecheckComparison>> {
    auto found = QueryComparisons("f.serial=? AND f.field_id=?", [&](Stmt& st) { st.Bind(1, serial).Bind(2, field_id); });
    if (found.empty()) return std::optional<RecheckComparison>();
    return std::optional<RecheckComparison>(std::move(found.front()));
  });
}

core::Result<RecheckResult> SqliteStore::SettleRecheck(core::Serial serial,
                                                       const std::string& field_id,
                                                       const FieldValue& value, const Actor& by) {
  if (by.who.empty()) return MakeError("usage", "a settlement needs the admin's name");
  return Guard([&]() -> core::Result<RecheckResult> {
    Transaction tx(db_);
    const std::string what = SheetName(serial) + " field " + Q(field_id);
    int equal = 0;
    bool settled = false;
    {
      Stmt st = db_.Prepare(
          "SELECT equal, settled_value IS NOT NULL FROM recheck_fields WHERE serial=? AND field_id=?");
      st.Bind(1, serial).Bind(2, field_id);
      if (!st.Step())
        return RecheckResult{RecheckOutcome::kNotFound, what + " was not re-checked", 0};
      equal = static_cast<int>(st.Int(0));
      settled = st.Int(1) != 0;
    }
    if (equal) return RecheckResult{RecheckOutcome::kNotFound, what + ": both entries agree", 0};
    if (settled) return RecheckResult{RecheckOutcome::kStale, what + " was settled already", 0};
    auto def = FindFieldDef(serial, field_id);
    if (!def) return RecheckResult{RecheckOutcome::kNotFound, what + " is not in this survey", 0};
    const FieldValue v = Canonical(def->kind, value);
    if (auto why = ValueProblem(def->kind, def->options, v))
      return RecheckResult{RecheckOutcome::kInvalid, what + " " + *why, 0};
    // The decision path: decisions + decision_history + audit row, screen "recheck".
    WriteDecision(serial, field_id, def->kind, v, by.who, "recheck", by.address, std::nullopt);
    db_.Prepare(std::string("UPDATE recheck_fields SET settled_value=?, settled_by=?, settled_at=") +
                kNow + " WHERE serial=? AND field_id=?")
        .Bind(1, AuditValueJson(def->kind, v)).Bind(2, by.who).Bind(3, serial).Bind(4, field_id)
        .Run();
    tx.Commit();
    return RecheckResult{RecheckOutcome::kRecorded, "", 0};
  });
}

core::Result<RecheckReport> SqliteStore::GetRecheckReport() {
  auto comparisons = ListRecheckComparisons(false);
  if (!comparisons.ok()) return comparisons.error();
  return Guard([&]() -> core::Result<RecheckReport> {
    RecheckReport r;
    {
      Stmt st = db_.Prepare("SELECT id, seed, share, per_unit, written, who, at, complete_sheets, "
                            "already_drawn, drawn FROM recheck_draws ORDER BY id");
      while (st.Step()) {
        RecheckDraw d;
        d.id = st.Int(0);
        d.seed = std::stoull(st.Text(1));
        d.share = st.Double(2);
        d.per_unit = st.Int(3) != 0;
        d.written = st.Int(4) != 0;
        d.who = st.Text(5);
        d.at = st.Text(6);
        d.complete_sheets = static_cast<int>(st.Int(7));
        d.already_drawn = static_cast<int>(st.Int(8));
        r.draws.push_back(std::move(d));
      }
    }
    r.sheets_drawn = static_cast<int>(db_.QueryInt("SELECT count(*) FROM recheck_sheets").value_or(0));
    r.sheets_entered = static_cast<int>(
        db_.QueryInt("SELECT count(*) FROM recheck_sheets WHERE status='entered'").value_or(0));

    std::map<std::string, AgreementRow> by_field, by_reviewer, by_unit;
    std::vector<std::string> field_order;
    std::map<std::string, std::vector<std::pair<std::string, std::string>>> scale_pairs;
    std::vector<std::pair<std::string, std::string>> all_scale;
    std::map<std::string, ResidualError> residual;
    for (const char* k : {"boxes", "digits", "text"}) residual[k].kind = k;
    for (const auto& c : *comparisons) {
      auto add = [&](std::map<std::string, AgreementRow>& m, const std::string& key) {
        AgreementRow& row = m[key];
        row.key = key;
        ++row.fields;
        if (c.equal) ++row.equal;
      };
      if (!by_field.count(c.field_id)) field_order.push_back(c.field_id);
      add(by_field, c.field_id);
      add(by_reviewer, c.blind_who);
      add(by_unit, c.unit_code);
      ++r.fields;
      if (c.equal) ++r.equal;
      if (!c.equal) (c.settled_value ? r.disagreements_settled : r.disagreements_open)++;
      if (c.kind == core::FieldKind::kScale) {
        scale_pairs[c.field_id].emplace_back(c.first_value, c.blind_value);
        all_scale.emplace_back(c.first_value, c.blind_value);
      }
      if (c.first_accepted) {
        ResidualError& e = residual[KindGroup(c.kind)];
        if (c.equal) {
          ++e.accepted;
        } else if (!c.settled_value) {
          ++e.unsettled;
        } else {
          ++e.accepted;
          // Settled in favour of the first value: the machine was right.
          if (*c.settled_value != c.first_value) ++e.wrong;
        }
      }
    }
    for (const auto& id : field_order) {
      AgreementRow row = by_field[id];
      if (auto it = scale_pairs.find(id); it != scale_pairs.end()) row.kappa = CohenKappa(it->second);
      r.by_field.push_back(std::move(row));
    }
    for (auto& [k, row] : by_reviewer) r.by_reviewer.push_back(row);
    for (auto& [k, row] : by_unit) r.by_unit.push_back(row);
    r.scale_kappa = CohenKappa(all_scale);
    for (const char* k : {"boxes", "digits", "text"}) {
      ResidualError e = residual[k];
      if (e.accepted > 0) e.rate = static_cast<double>(e.wrong) / e.accepted;
      std::tie(e.low, e.high) = WilsonInterval(e.wrong, e.accepted);
      r.residual.push_back(e);
    }
    return r;
  });
}

}  // namespace phieu::store
