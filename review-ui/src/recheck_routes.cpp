// Copyright 2026 The Phiếu Authors
// SPDX-License-Identifier: Apache-2.0
#include "recheck_routes.h"


namespace phieu::review {
namespace {

std::string FieldId(const std::string& s) { return RouteName(s, "field id"); }

RouteError OutcomeError(const store::RecheckResult& r) {
  switch (r.outcome) {
    case store::RecheckOutcome::kStale: return {409, r.message, "stale"};
    case store::RecheckOutcome::kLeasedToOther: return {409, r.message, "leased"};
    case store::RecheckOutcome::kFirstReviewer: return {403, r.message, "first_reviewer"};
    case store::RecheckOutcome::kNotFound: return {404, r.message, ""};
    case store::RecheckOutcome::kInvalid: return {400, r.message, ""};
    case store::RecheckOutcome::kRecorded: break;
  }
  return {500, "internal error", ""};
}

// A person's value: {"illegible": true} or a value of the field's kind (ParseValue).
store::FieldValue PersonValue(core::FieldKind kind, const Json& v, const std::string& field) {
  store::FieldValue out;
  if (v.is_object()) {
    auto it = v.find("illegible");
    if (v.size() != 1 || it == v.end() || *it != true)
      throw RouteError{400, "field \"" + field + "\": send a value, or {\"illegible\": true}", ""};
    out.illegible = true;
    return out;
  }
  std::string error;
  if (!ParseValue(kind, v, out, error)) throw RouteError{400, "field \"" + field + "\": " + error, ""};
  return out;
}

// A stored value (JSON as in the audit: a list for boxes, a string or null for written
// fields, {"illegible": true}) in the export contract's shape.
Json StoredValueJson(core::FieldKind kind, const std::string& stored) {
  const Json j = Json::parse(stored, nullptr, false);
  store::FieldValue v;
  if (j.is_object()) return {{"value", nullptr}, {"illegible", true}};
  if (j.is_array())
    for (const auto& s : j) v.selected.push_back(s.is_string() ? s.get<std::string>() : s.dump());
  if (j.is_string()) v.text = j.get<std::string>();
  return {{"value", ValueJson(kind, v)}, {"illegible", false}};
}

Json OptionsJson(const std::vector<store::OptionView>& options) {
  Json a = Json::array();
  for (const auto& o : options)
    a.push_back({{"value", o.value}, {"label", o.label}, {"box_mm", RectJson(o.box_mm)}});
  return a;
}

// A drawn sheet for its blind entry: what the form asks and where, never a value.
Json SheetJson(const store::RecheckSheetView& v) {
  Json fields = Json::array();
  for (const auto& f : v.fields) {
    Json cells = Json::array();
    for (const auto& c : f.cells_mm) cells.push_back(RectJson(c));
    fields.push_back({{"id", f.field_id},
                      {"kind", std::string(core::FieldKindName(f.kind))},
                      {"page", f.page},
                      {"question_id", f.question_id},
                      {"question", f.question},
                      {"options", OptionsJson(f.options)},
                      {"max", f.max},
                      {"cells_mm", std::move(cells)},
                      {"area_mm", RectJson(f.area_mm)}});
  }
  return {{"serial", v.serial},
          {"template_id", v.template_id},
          {"template_version", v.template_version},
          {"unit", v.unit_code},
          {"version", v.version},
          {"status", v.status},
          {"lease", v.lease_owner.empty() ? Json(nullptr)
                                          : Json{{"owner", v.lease_owner}, {"until", v.lease_until}}},
          {"fields", std::move(fields)}};
}

Json ComparisonJson(const store::RecheckComparison& c) {
  return {{"serial", c.serial},
          {"field", c.field_id},
          {"kind", std::string(core::FieldKindName(c.kind))},
          {"unit", c.unit_code},
          {"question", c.question},
          {"options", OptionsJson(c.options)},
          {"first", StoredValueJson(c.kind, c.first_value)},
          {"first_accepted", c.first_accepted},
          {"first_who", c.first_who},
          {"blind", StoredValueJson(c.kind, c.blind_value)},
          {"blind_who", c.blind_who},
          {"equal", c.equal},
          {"settled", c.settled_value ? StoredValueJson(c.kind, *c.settled_value) : Json(nullptr)},
          {"settled_by", c.settled_by},
          {"settled_at", c.settled_at}};
}

Json OptionalNumber(const std::optional<double>& v) { return v ? Json(*v) : Json(nullptr); }

Json RowsJson(const std::vector<store::AgreementRow>& rows) {
  Json a = Json::array();
  for (const auto& r : rows)
    a.push_back({{"key", r.key},
                 {"fields", r.fields},
                 {"equal", r.equal},
                 {"share", r.fields ? Json(static_cast<double>(r.equal) / r.fields) : Json(nullptr)},
                 {"kappa", OptionalNumber(r.kappa)}});
  return a;
}

Json ReportJson(const store::RecheckReport& r) {
  Json draws = Json::array();
  for (const auto& d : r.draws)
    draws.push_back({{"id", d.id}, {"seed", std::to_string(d.seed)}, {"share", d.share},
                     {"per_unit", d.per_unit}, {"written", d.written}, {"who", d.who},
                     {"at", d.at}, {"complete_sheets", d.complete_sheets},
                     {"already_drawn", d.already_drawn}});
  Json residual = Json::array();
  for (const auto& e : r.residual)
    residual.push_back({{"kind", e.kind}, {"accepted", e.accepted}, {"wrong", e.wrong},
                        {"unsettled", e.unsettled},
                        {"rate", e.accepted ? Json(e.rate) : Json(nullptr)},
                        {"low", e.accepted ? Json(e.low) : Json(nullptr)},
                        {"high", e.accepted ? Json(e.high) : Json(nullptr)}});
  return {{"draws", std::move(draws)},
          {"sheets_drawn", r.sheets_drawn},
          {"sheets_entered", r.sheets_entered},
          {"fields", r.fields},
          {"equal", r.equal},
          {"share", r.fields ? Json(static_cast<double>(r.equal) / r.fields) : Json(nullptr)},
          {"scale_kappa", OptionalNumber(r.scale_kappa)},
          {"disagreements_open", r.disagreements_open},
          {"disagreements_settled", r.disagreements_settled},
          {"by_field", RowsJson(r.by_field)},
          {"by_reviewer", RowsJson(r.by_reviewer)},
          {"by_unit", RowsJson(r.by_unit)},
          {"residual", std::move(residual)}};
}

RouteReply Entry(RouteContext& ctx, RouteCall& c) {
  const auto serial = RouteId(c.args.at(0), "serial");
  const Json body = RouteBody(c.body);
  auto version = body.find("version");
  if (version == body.end() || !version->is_number_integer() || version->get<long long>() < 0 ||
      version->get<long long>() > 1'000'000'000)
    throw RouteError{400, "\"version\" must be the sheet's version (a whole number)", ""};
  auto values = body.find("values");
  if (values == body.end() || !values->is_object())
    throw RouteError{400, "send {\"version\": N, \"values\": {FIELD: VALUE, ...}}", ""};
  auto got = RouteMust(c.store.GetRecheckSheet(serial, c.user), "re-check sheet");
  if (got.first.outcome != store::RecheckOutcome::kRecorded) throw OutcomeError(got.first);
  store::RecheckEntry e{.serial = serial, .version = static_cast<int>(version->get<long long>()),
                        .values = {}, .who = c.user, .address = c.address};
  for (const auto& f : got.second->fields) {
    auto v = values->find(f.field_id);
    if (v == values->end()) throw RouteError{400, "field \"" + f.field_id + "\" has no value", ""};
    e.values[f.field_id] = PersonValue(f.kind, *v, f.field_id);
  }
  if (values->size() != e.values.size())
    throw RouteError{400, "values name a field that is not re-checked on this sheet", ""};
  store::RecheckResult r;
  {
    std::lock_guard lock(ctx.write_mu);
    r = RouteMust(c.store.SubmitRecheck(e), "re-check entry");
  }
  if (r.outcome != store::RecheckOutcome::kRecorded) throw OutcomeError(r);
  return {200, {{"serial", serial}, {"version", r.version}, {"status", "entered"}}};
}

RouteReply Settle(RouteContext& ctx, RouteCall& c) {
  const auto serial = RouteId(c.args.at(0), "serial");
  const std::string field = FieldId(c.args.at(1));
  const Json body = RouteBody(c.body);
  const auto before = RouteMust(c.store.FindRecheckComparison(serial, field), "disagreement");
  if (!before || before->equal) throw RouteError{404, "no such disagreement", ""};
  const store::FieldValue value = RoutePersonValue(before->kind, body);
  const store::Actor by{.who = c.user, .screen = "recheck", .address = c.address};
  store::RecheckResult r;
  {
    std::lock_guard lock(ctx.write_mu);
    r = RouteMust(c.store.SettleRecheck(serial, field, value, by), "settle");
  }
  if (r.outcome != store::RecheckOutcome::kRecorded) throw OutcomeError(r);
  const auto settled = RouteMust(c.store.FindRecheckComparison(serial, field), "disagreement");
  if (!settled) return {200, {{"serial", serial}, {"field", field}}};
  return {200, ComparisonJson(*settled)};
}

}  // namespace

std::vector<RouteSpec> RecheckRoutes(RouteContext context) {
  using R = RouteRoles;
  return {
      {"GET", "/api/recheck/next", R::kReviewers, false,
       [context](RouteCall& c) -> RouteReply {
         std::optional<store::RecheckSheetView> sheet;
         {
           std::lock_guard lock(context.write_mu);
           sheet = RouteMust(c.store.LeaseNextRecheckSheet(c.user, context.lease_seconds), "re-check lease");
         }
         if (!sheet) return {204, nullptr};
         return {200, SheetJson(*sheet)};
       }},
      {"GET", "/api/recheck/sheets/{}", R::kReviewers, false,
       [](RouteCall& c) -> RouteReply {
         auto got = RouteMust(c.store.GetRecheckSheet(RouteId(c.args.at(0), "serial"), c.user), "re-check sheet");
         if (got.first.outcome != store::RecheckOutcome::kRecorded) throw OutcomeError(got.first);
         return {200, SheetJson(*got.second)};
       }},
      {"POST", "/api/recheck/sheets/{}/entry", R::kReviewers, true,
       [context](RouteCall& c) mutable { return Entry(context, c); }},
      {"POST", "/api/recheck/sheets/{}/release", R::kReviewers, true,
       [context](RouteCall& c) -> RouteReply {
         std::lock_guard lock(context.write_mu);
         auto s = c.store.ReleaseRecheckLease(RouteId(c.args.at(0), "serial"), c.user);
         if (!s.ok()) RouteMust(core::Result<int>(s.error()), "re-check release");
         return {204, nullptr};
       }},
      {"GET", "/api/recheck/disagreements", R::kAdmin, false,
       [](RouteCall& c) -> RouteReply {
         Json a = Json::array();
         for (const auto& cmp : RouteMust(c.store.ListRecheckComparisons(true), "disagreements"))
           a.push_back(ComparisonJson(cmp));
         return {200, {{"disagreements", std::move(a)}}};
       }},
      {"POST", "/api/recheck/disagreements/{}/{}/settle", R::kAdmin, true,
       [context](RouteCall& c) mutable { return Settle(context, c); }},
      // Speed figures for the desk (issue 16 item 6): the window is ?window=MINUTES (default
      // 60, at most a week).
      {"GET", "/api/desk/speed", R::kEveryone, false,
       [](RouteCall& c) -> RouteReply {
         int window = 60;
         if (c.params.count("window")) {
           const auto v = RouteId(RouteParam(c, "window"), "window");
           if (v > 7 * 24 * 60) throw RouteError{400, "bad window: at most 10080 minutes", ""};
           window = static_cast<int>(v);
         }
         auto sp = RouteMust(c.store.GetReviewSpeed("", window), "review speed");
         Json people = Json::array();
         for (const auto& p : sp.reviewers)
           people.push_back({{"who", p.who}, {"decisions", p.decisions}, {"first_at", p.first_at},
                             {"last_at", p.last_at}, {"items_per_hour", p.items_per_hour}});
         return {200, {{"now", sp.now}, {"window_minutes", sp.window_minutes},
                       {"reviewers", std::move(people)}, {"queue_left", sp.queue_left},
                       {"items_per_hour", sp.items_per_hour},
                       {"hours_left", sp.hours_left ? Json(*sp.hours_left) : Json(nullptr)}}};
       }},
      {"GET", "/api/recheck/report", R::kEveryone, false,
       [](RouteCall& c) -> RouteReply {
         return {200, ReportJson(RouteMust(c.store.GetRecheckReport(), "re-check report"))};
       }},
  };
}

}  // namespace phieu::review
