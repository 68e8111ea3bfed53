// Copyright 2026 The Phiếu Authors
// SPDX-License-Identifier: Apache-2.0
#include "group_routes.h"

#include <algorithm>

namespace phieu::review {
namespace {

using Mode = store::FieldReadingQuery::Mode;

/// Every reading of one sheet (FieldReadingQuery's default limit is one group screen).
constexpr int kWholeSheet = 100000;

Json ReadingJson(const store::FieldReadingView& r) {
  Json boxes = Json::array();
  for (const auto& b : r.boxes)
    boxes.push_back({{"value", b.value}, {"state", b.state}, {"ink", b.ink}, {"confidence", b.confidence}});
  Json j = {{"reading_id", r.reading_id},
            {"serial", r.serial},
            {"unit", r.unit_code},
            {"field", r.field_id},
            {"kind", std::string(core::FieldKindName(r.kind))},
            {"page", r.page},
            {"machine", ValueJson(r.kind, r.machine)},
            {"confidence", r.confidence},
            {"needs_review", r.needs_review},
            {"boxes", std::move(boxes)},
            {"crop_mm", RectJson(r.crop_mm)},
            {"item", nullptr},
            {"decided", nullptr}};
  if (r.item_id)
    j["item"] = {{"id", r.item_id}, {"version", r.item_version}, {"status", r.item_status},
                 {"lease_owner", r.lease_owner}};
  if (r.decided) {
    j["decided"] = {{"value", ValueJson(r.kind, *r.decided)}, {"illegible", r.decided->illegible},
                    {"by", r.decided_by}};
  }
  return j;
}

std::optional<store::FieldReadingView> OneReading(store::Store& store, std::int64_t reading_id) {
  store::FieldReadingQuery q;
  q.reading_id = reading_id;
  q.limit = 1;
  auto rows = RouteMust(store.ListFieldReadings(q), "reading");
  if (rows.empty()) return std::nullopt;
  return std::move(rows.front());
}

const char* OutcomeCode(store::DecisionOutcome o) {
  switch (o) {
    case store::DecisionOutcome::kRecorded: return "recorded";
    case store::DecisionOutcome::kStale: return "stale";
    case store::DecisionOutcome::kLeasedToOther: return "leased";
    case store::DecisionOutcome::kNotFound: return "not_found";
    case store::DecisionOutcome::kInvalid: return "invalid";
  }
  return "invalid";
}

/// One confirmation of a group screen: through the item's decision path when the reading has
/// an open item (its version guards against a change in between), else as a decision on the
/// field (a spot check of an accepted reading; refused when a person decided it meanwhile).
Json ConfirmOne(RouteContext& ctx, RouteCall& c, const Json& entry) {
  if (!entry.is_object() || !entry.contains("reading_id") || !entry["reading_id"].is_number_integer())
    throw RouteError{400, "each entry needs \"reading_id\"", ""};
  const std::int64_t reading_id = entry["reading_id"].get<std::int64_t>();
  Json out = {{"reading_id", reading_id}};
  auto reading = OneReading(c.store, reading_id);
  if (!reading || RouteMust(c.store.IsBlindTo(reading->serial, c.user), "blind check")) {
    out["status"] = "not_found";  // a sheet this login may enter blind is not theirs to confirm
    return out;
  }
  const bool open_item = reading->item_status == "open";
  auto version = entry.find("version");
  if (open_item && (version == entry.end() || !version->is_number_integer()))
    throw RouteError{400, "an entry of an open item needs the item's \"version\"", ""};
  // A value that does not fit (a machine draft "?967" confirmed as it is) refuses this entry
  // only: the others of the screen are still recorded.
  store::FieldValue value;
  try {
    value = RoutePersonValue(reading->kind, entry);
  } catch (const RouteError& e) {
    out["status"] = "invalid";
    out["message"] = e.message;
    return out;
  }
  if (open_item) {
    store::ItemDecision d{.item_id = reading->item_id, .version = version->get<int>(), .value = value,
                          .who = c.user, .screen = "group", .address = c.address};
    store::DecisionResult r;
    {
      std::lock_guard lock(ctx.write_mu);
      r = RouteMust(c.store.DecideReviewItem(d), "decision");
    }
    out["status"] = OutcomeCode(r.outcome);
    if (!r.message.empty()) out["message"] = r.message;
    return out;
  }
  if (reading->decided || reading->item_id) {
    out["status"] = "stale";
    out["message"] = "a person has decided this field since the screen was shown";
    return out;
  }
  store::Decision d{.serial = reading->serial, .field_id = reading->field_id, .selected = value.selected,
                    .text = value.text, .who = c.user, .illegible = value.illegible, .screen = "group",
                    .address = c.address};
  core::Status s;
  {
    std::lock_guard lock(ctx.write_mu);
    s = c.store.RecordDecision(d);
  }
  if (!s.ok()) {
    if (s.error().code != "invalid") RouteMust(core::Result<int>(s.error()), "decision");
    out["status"] = "invalid";
    out["message"] = s.error().message;
    return out;
  }
  out["status"] = "recorded";
  return out;
}

}  // namespace

std::vector<RouteSpec> GroupRoutes(RouteContext ctx) {
  std::vector<RouteSpec> routes;
  routes.push_back({"GET", "/api/group/fields", RouteRoles::kReviewers, false, [](RouteCall& c) {
    auto fields = RouteMust(c.store.ListGroupFields(), "group fields");
    Json a = Json::array();
    for (const auto& f : fields)
      a.push_back({{"template", f.template_id}, {"version", f.version}, {"field", f.field_id},
                   {"kind", std::string(core::FieldKindName(f.kind))}, {"label", f.label},
                   {"open", f.open}, {"accepted", f.accepted}});
    return RouteReply{200, {{"fields", std::move(a)}}, "", {}};
  }});
  routes.push_back({"GET", "/api/group/readings", RouteRoles::kReviewers, false, [ctx](RouteCall& c) mutable {
    store::FieldReadingQuery q;
    q.template_id = RouteName(RouteParam(c, "template"), "template");
    q.version = static_cast<int>(std::min<std::int64_t>(RouteId(RouteParam(c, "version"), "version"), 1'000'000));
    q.field_id = RouteName(RouteParam(c, "field"), "field");
    const std::string mode = RouteParam(c, "mode");
    if (mode == "open")
      q.mode = Mode::kOpen;
    else if (mode == "accepted")
      q.mode = Mode::kAccepted;
    else
      throw RouteError{400, "bad mode: \"open\" or \"accepted\"", ""};
    q.user = c.user;
    q.blind_for = c.user;
    if (c.params.count("after")) q.after_serial = RouteId(RouteParam(c, "after"), "after");
    q.limit = kGroupScreen;
    // Open items are leased to the reviewer as the one-item screen leases its item: another
    // reviewer on the same question gets the next ones. The screen releases them on leaving.
    std::vector<store::FieldReadingView> rows;
    if (q.mode == Mode::kOpen) {
      std::lock_guard lock(ctx.write_mu);
      rows = RouteMust(c.store.LeaseFieldReadings(q, ctx.lease_seconds), "group lease");
    } else {
      rows = RouteMust(c.store.ListFieldReadings(q), "group readings");
    }
    Json a = Json::array();
    for (const auto& r : rows) a.push_back(ReadingJson(r));
    return RouteReply{200, {{"readings", std::move(a)}}, "", {}};
  }});
  routes.push_back({"POST", "/api/group/release", RouteRoles::kReviewers, true, [ctx](RouteCall& c) mutable {
    const Json body = RouteBody(c.body);
    auto it = body.find("items");
    // A screen, the next one and the next question's first: at most three screens' worth.
    if (it == body.end() || !it->is_array() || it->size() > 3 * kGroupScreen)
      throw RouteError{400, "send {\"items\": [ITEM_ID, ...]} with at most 144 ids", ""};
    std::vector<std::int64_t> ids;
    for (const auto& id : *it) {
      if (!id.is_number_integer() || id.get<std::int64_t>() <= 0)
        throw RouteError{400, "each item id is a positive whole number", ""};
      ids.push_back(id.get<std::int64_t>());
    }
    std::lock_guard lock(ctx.write_mu);
    RouteMust(c.store.ReleaseLeases(ids, c.user), "group release");
    return RouteReply{204, {}, "", {}};
  }});
  routes.push_back({"POST", "/api/group/confirm", RouteRoles::kReviewers, true, [ctx](RouteCall& c) mutable {
    const Json body = RouteBody(c.body);
    auto it = body.find("entries");
    if (it == body.end() || !it->is_array() || it->empty() || it->size() > kGroupScreen)
      throw RouteError{400, "send {\"entries\": [...]} with 1 to 48 entries", ""};
    Json results = Json::array();
    int recorded = 0;
    for (const auto& e : *it) {
      Json r = ConfirmOne(ctx, c, e);
      if (r["status"] == "recorded") ++recorded;
      results.push_back(std::move(r));
    }
    return RouteReply{200, {{"results", std::move(results)}, {"recorded", recorded}}, "", {}};
  }});
  routes.push_back({"GET", "/api/readings/{}/crop", RouteRoles::kReviewers, false, [ctx](RouteCall& c) {
    auto reading = OneReading(c.store, RouteId(c.args.at(0), "reading id"));
    if (!reading) throw RouteError{404, "no such reading", ""};
    if (reading->has_crop) {
      auto png = RouteMust(c.store.LoadCropPng(reading->reading_id), "crop");
      if (!png.empty()) return RouteReply{200, {}, "image/png", std::move(png)};
    }
    // Confident readings keep no crop: cut it again from the stored original.
    if (!ctx.pages) throw RouteError{503, "this server cannot cut crops from the originals", ""};
    auto png = ctx.pages->RenderRegionPng(c.store, reading->serial, reading->page, reading->crop_mm,
                                          kRegionPxPerMm);
    if (!png.ok() && png.error().code == "not_found") throw RouteError{404, "the original of this page is not kept", ""};
    if (!png.ok() && png.error().code == "unsupported") throw RouteError{503, "this server cannot cut crops from the originals", ""};
    return RouteReply{200, {}, "image/png", RouteMust(std::move(png), "crop from the original")};
  }});
  routes.push_back({"GET", "/api/sheets/{}/fields", RouteRoles::kReviewers, false, [](RouteCall& c) {
    store::FieldReadingQuery q;
    q.serial = RouteId(c.args.at(0), "serial");
    RefuseBlind(c.store, c.user, *q.serial);
    q.limit = kWholeSheet;
    auto rows = RouteMust(c.store.ListFieldReadings(q), "sheet readings");
    if (rows.empty()) throw RouteError{404, "no page of this sheet was scanned", ""};
    Json a = Json::array();
    for (const auto& r : rows) a.push_back(ReadingJson(r));
    return RouteReply{200, {{"serial", *q.serial}, {"fields", std::move(a)}}, "", {}};
  }});
  routes.push_back({"POST", "/api/sheets/{}/fields/{}/decision", RouteRoles::kReviewers, true,
                    [ctx](RouteCall& c) mutable {
    store::FieldReadingQuery q;
    q.serial = RouteId(c.args.at(0), "serial");
    RefuseBlind(c.store, c.user, *q.serial);
    const std::string field = RouteName(c.args.at(1), "field id");
    q.limit = kWholeSheet;  // the field may come after the query's default 48 readings
    auto rows = RouteMust(c.store.ListFieldReadings(q), "sheet readings");
    auto it = std::find_if(rows.begin(), rows.end(), [&](const auto& r) { return r.field_id == field; });
    if (it == rows.end()) throw RouteError{404, "this sheet has no reading of that field", ""};
    const store::FieldValue value = RoutePersonValue(it->kind, RouteBody(c.body));
    store::Decision d{.serial = *q.serial, .field_id = field, .selected = value.selected, .text = value.text,
                      .who = c.user, .illegible = value.illegible, .screen = "sheet", .address = c.address};
    core::Status s;
    {
      std::lock_guard lock(ctx.write_mu);
      s = c.store.RecordDecision(d);
    }
    if (!s.ok() && s.error().code == "invalid") throw RouteError{400, s.error().message, ""};
    if (!s.ok()) RouteMust(core::Result<int>(s.error()), "decision");
    auto after = OneReading(c.store, it->reading_id);
    if (!after) throw RouteError{404, "this sheet has no reading of that field", ""};
    return RouteReply{200, ReadingJson(*after), "", {}};
  }});
  return routes;
}

}  // namespace phieu::review
