// Copyright 2026 The Phiếu Authors
// SPDX-License-Identifier: Apache-2.0
#include "group_routes.h"

#include <algorithm>
#include <charconv>
#include <iostream>

namespace phieu::review {
namespace {

using Mode = store::FieldReadingQuery::Mode;

std::int64_t Id(const std::string& s, const char* what) {
  std::int64_t v = 0;
  const bool digits = !s.empty() && s.size() <= 18 &&
                      std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
  if (digits) std::from_chars(s.data(), s.data() + s.size(), v);
  if (!digits || v <= 0) throw DeskError{400, std::string("bad ") + what + ": expected a positive whole number", ""};
  return v;
}

std::string Name(const std::string& s, const char* what) {
  const bool ok = !s.empty() && s.size() <= 64 && std::all_of(s.begin(), s.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
           c == '.' || c == '-';
  });
  if (!ok) throw DeskError{400, std::string("bad ") + what, ""};
  return s;
}

std::string Param(const DeskCall& c, const char* name) {
  auto it = c.params.find(name);
  if (it == c.params.end()) throw DeskError{400, std::string("missing parameter \"") + name + "\"", ""};
  return it->second;
}

Json Body(const std::string& body) {
  if (body.empty()) return Json::object();
  Json j = Json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object()) throw DeskError{400, "the request body is not a JSON object", ""};
  return j;
}

template <typename T>
T Must(core::Result<T> r, const char* what) {
  if (!r.ok()) {
    std::cerr << "phieu serve: " << what << ": " << r.error().message << "\n";
    throw DeskError{500, "internal error", ""};
  }
  return std::move(r).value();
}

/// A person's value from {"value": V} or {"illegible": true}; DeskError 400 otherwise.
store::FieldValue PersonValue(core::FieldKind kind, const Json& body) {
  store::FieldValue out;
  if (auto it = body.find("illegible"); it != body.end()) {
    if (!it->is_boolean()) throw DeskError{400, "\"illegible\" must be true or false", ""};
    out.illegible = it->get<bool>();
  }
  if (out.illegible) return out;
  auto it = body.find("value");
  if (it == body.end()) throw DeskError{400, "send {\"value\": VALUE} or {\"illegible\": true}", ""};
  std::string error;
  if (!ParseValue(kind, *it, out, error)) throw DeskError{400, error, ""};
  return out;
}

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
  auto rows = Must(store.ListFieldReadings(q), "reading");
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
Json ConfirmOne(DeskContext& ctx, DeskCall& c, const Json& entry) {
  if (!entry.is_object() || !entry.contains("reading_id") || !entry["reading_id"].is_number_integer())
    throw DeskError{400, "each entry needs \"reading_id\"", ""};
  const std::int64_t reading_id = entry["reading_id"].get<std::int64_t>();
  Json out = {{"reading_id", reading_id}};
  auto reading = OneReading(c.store, reading_id);
  if (!reading) {
    out["status"] = "not_found";
    return out;
  }
  const bool open_item = reading->item_status == "open";
  auto version = entry.find("version");
  if (open_item && (version == entry.end() || !version->is_number_integer()))
    throw DeskError{400, "an entry of an open item needs the item's \"version\"", ""};
  // A value that does not fit (a machine draft "?967" confirmed as it is) refuses this entry
  // only: the others of the screen are still recorded.
  store::FieldValue value;
  try {
    value = PersonValue(reading->kind, entry);
  } catch (const DeskError& e) {
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
      r = Must(c.store.DecideReviewItem(d), "decision");
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
    if (s.error().code != "invalid") Must(core::Result<int>(s.error()), "decision");
    out["status"] = "invalid";
    out["message"] = s.error().message;
    return out;
  }
  out["status"] = "recorded";
  return out;
}

}  // namespace

std::vector<DeskRoute> GroupRoutes(DeskContext ctx) {
  std::vector<DeskRoute> routes;
  routes.push_back({"GET", "/api/group/fields", DeskRoles::kReviewers, false, [](DeskCall& c) {
    auto fields = Must(c.store.ListGroupFields(), "group fields");
    Json a = Json::array();
    for (const auto& f : fields)
      a.push_back({{"template", f.template_id}, {"version", f.version}, {"field", f.field_id},
                   {"kind", std::string(core::FieldKindName(f.kind))}, {"label", f.label},
                   {"open", f.open}, {"accepted", f.accepted}});
    return DeskReply{200, {{"fields", std::move(a)}}, "", {}};
  }});
  routes.push_back({"GET", "/api/group/readings", DeskRoles::kReviewers, false, [](DeskCall& c) {
    store::FieldReadingQuery q;
    q.template_id = Name(Param(c, "template"), "template");
    q.version = static_cast<int>(std::min<std::int64_t>(Id(Param(c, "version"), "version"), 1'000'000));
    q.field_id = Name(Param(c, "field"), "field");
    const std::string mode = Param(c, "mode");
    if (mode == "open")
      q.mode = Mode::kOpen;
    else if (mode == "accepted")
      q.mode = Mode::kAccepted;
    else
      throw DeskError{400, "bad mode: \"open\" or \"accepted\"", ""};
    q.user = c.user;
    if (c.params.count("after")) q.after_serial = Id(Param(c, "after"), "after");
    q.limit = kGroupScreen;
    auto rows = Must(c.store.ListFieldReadings(q), "group readings");
    Json a = Json::array();
    for (const auto& r : rows) a.push_back(ReadingJson(r));
    return DeskReply{200, {{"readings", std::move(a)}}, "", {}};
  }});
  routes.push_back({"POST", "/api/group/confirm", DeskRoles::kReviewers, true, [ctx](DeskCall& c) mutable {
    const Json body = Body(c.body);
    auto it = body.find("entries");
    if (it == body.end() || !it->is_array() || it->empty() || it->size() > kGroupScreen)
      throw DeskError{400, "send {\"entries\": [...]} with 1 to 48 entries", ""};
    Json results = Json::array();
    int recorded = 0;
    for (const auto& e : *it) {
      Json r = ConfirmOne(ctx, c, e);
      if (r["status"] == "recorded") ++recorded;
      results.push_back(std::move(r));
    }
    return DeskReply{200, {{"results", std::move(results)}, {"recorded", recorded}}, "", {}};
  }});
  routes.push_back({"GET", "/api/readings/{}/crop", DeskRoles::kReviewers, false, [ctx](DeskCall& c) {
    auto reading = OneReading(c.store, Id(c.args.at(0), "reading id"));
    if (!reading) throw DeskError{404, "no such reading", ""};
    if (reading->has_crop) {
      auto png = Must(c.store.LoadCropPng(reading->reading_id), "crop");
      if (!png.empty()) return DeskReply{200, {}, "image/png", std::move(png)};
    }
    // Confident readings keep no crop: cut it again from the stored original.
    if (!ctx.pages) throw DeskError{503, "this server cannot cut crops from the originals", ""};
    auto png = ctx.pages->RenderRegionPng(c.store, reading->serial, reading->page, reading->crop_mm,
                                          kRegionPxPerMm);
    if (!png.ok() && png.error().code == "not_found") throw DeskError{404, "the original of this page is not kept", ""};
    if (!png.ok() && png.error().code == "unsupported") throw DeskError{503, "this server cannot cut crops from the originals", ""};
    return DeskReply{200, {}, "image/png", Must(std::move(png), "crop from the original")};
  }});
  routes.push_back({"GET", "/api/sheets/{}/fields", DeskRoles::kReviewers, false, [](DeskCall& c) {
    store::FieldReadingQuery q;
    q.serial = Id(c.args.at(0), "serial");
    q.limit = 100000;
    auto rows = Must(c.store.ListFieldReadings(q), "sheet readings");
    if (rows.empty()) throw DeskError{404, "no page of this sheet was scanned", ""};
    Json a = Json::array();
    for (const auto& r : rows) a.push_back(ReadingJson(r));
    return DeskReply{200, {{"serial", *q.serial}, {"fields", std::move(a)}}, "", {}};
  }});
  routes.push_back({"POST", "/api/sheets/{}/fields/{}/decision", DeskRoles::kReviewers, true,
                    [ctx](DeskCall& c) mutable {
    store::FieldReadingQuery q;
    q.serial = Id(c.args.at(0), "serial");
    const std::string field = Name(c.args.at(1), "field id");
    auto rows = Must(c.store.ListFieldReadings(q), "sheet readings");
    auto it = std::find_if(rows.begin(), rows.end(), [&](const auto& r) { return r.field_id == field; });
    if (it == rows.end()) throw DeskError{404, "this sheet has no reading of that field", ""};
    const store::FieldValue value = PersonValue(it->kind, Body(c.body));
    store::Decision d{.serial = *q.serial, .field_id = field, .selected = value.selected, .text = value.text,
                      .who = c.user, .illegible = value.illegible, .screen = "sheet", .address = c.address};
    core::Status s;
    {
      std::lock_guard lock(ctx.write_mu);
      s = c.store.RecordDecision(d);
    }
    if (!s.ok() && s.error().code == "invalid") throw DeskError{400, s.error().message, ""};
    if (!s.ok()) Must(core::Result<int>(s.error()), "decision");
    auto after = Must(c.store.ListFieldReadings({.serial = q.serial, .reading_id = it->reading_id}), "reading");
    if (after.empty()) throw DeskError{404, "this sheet has no reading of that field", ""};
    return DeskReply{200, ReadingJson(after.front()), "", {}};
  }});
  return routes;
}

}  // namespace phieu::review
