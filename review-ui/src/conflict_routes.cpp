// Copyright 2026 The Phiếu Authors
// SPDX-License-Identifier: Apache-2.0
// Conflicts on the clerk's desk (docs/conflicts.md says what each action changes).
#include "conflict_routes.h"

#include <algorithm>
#include <charconv>
#include <iostream>

namespace phieu::review {
namespace {

constexpr int kMaxConflicts = 500;

std::string ImageUrl(std::int64_t page_id) { return "/api/desk/pages/" + std::to_string(page_id) + "/image"; }

Json PageRefJson(const store::ScannedPageRef& p) {
  return {{"page_id", p.page_id}, {"file", p.file_name}, {"folder", p.folder},
          {"page_index", p.page_index}, {"ingested_at", p.ingested_at}, {"stored_at", p.stored_at},
          {"image", ImageUrl(p.page_id)}};
}

Json ConflictJson(const store::PageConflict& c) {
  return {{"id", c.other.page_id}, {"serial", c.serial}, {"page", c.page},
          {"template", c.template_id}, {"version", c.version}, {"unit", c.unit_code},
          {"reason", c.reason}, {"same_template", c.same_template},
          {"other", PageRefJson(c.other)},
          {"stored", c.stored ? PageRefJson(*c.stored) : Json(nullptr)},
          {"split_sheets", c.split_sheets}};
}

RouteReply Resolve(RouteContext ctx, RouteCall& c) {
  const auto page_id = RouteId(c.args.at(0), "page id");
  Json body = RouteBody(c.body);
  auto a = body.find("action");
  std::optional<store::ConflictAction> action;
  if (a != body.end() && a->is_string()) action = store::ParseConflictAction(a->get<std::string>());
  if (!action)
    throw RouteError{400, "send {\"action\": \"keep_stored\" | \"keep_other\" | \"separate\"[, \"sheet\": SERIAL]}", ""};
  store::ConflictResolution r{.page_id = page_id, .action = *action, .into_sheet = 0,
                              .by = {.who = c.user, .screen = "desk", .address = c.address}};
  if (auto s = body.find("sheet"); s != body.end() && !s->is_null()) {
    if (*action != store::ConflictAction::kSeparate || !s->is_number_integer() || s->get<long long>() <= 0)
      throw RouteError{400, "\"sheet\" goes with \"separate\": the serial of a sheet made from this one", ""};
    r.into_sheet = s->get<long long>();
  }
  store::ConflictResult out;
  {
    std::lock_guard lock(ctx.write_mu);
    out = RouteMust(c.store.ResolveConflict(r), "resolve conflict");
  }
  switch (out.outcome) {
    case store::ConflictOutcome::kResolved: break;
    case store::ConflictOutcome::kNotFound: throw RouteError{404, out.message, "not_found"};
    case store::ConflictOutcome::kStale: throw RouteError{409, out.message, "stale"};
    case store::ConflictOutcome::kInvalid: throw RouteError{409, out.message, "invalid"};
  }
  return RouteReply{200,
                   {{"action", std::string(store::ConflictActionName(*action))},
                    {"serial", out.serial}, {"page", out.page},
                    {"kept_page", out.kept_page_id ? Json(out.kept_page_id) : Json(nullptr)},
                    {"set_aside_page", out.set_aside_page_id ? Json(out.set_aside_page_id) : Json(nullptr)},
                    {"new_serial", out.new_serial ? Json(out.new_serial) : Json(nullptr)},
                    {"review_items_opened", out.review_items_opened},
                    {"review_items_closed", out.review_items_closed}},
                   "", {}};
}

}  // namespace

std::vector<RouteSpec> ConflictRoutes(RouteContext ctx) {
  std::vector<RouteSpec> routes;
  routes.push_back({"GET", "/api/desk/conflicts", RouteRoles::kClerks, false, [](RouteCall& c) {
    Json a = Json::array();
    for (const auto& x : RouteMust(c.store.ListConflicts(kMaxConflicts), "conflicts")) a.push_back(ConflictJson(x));
    return RouteReply{200, {{"conflicts", std::move(a)}}, "", {}};
  }});
  routes.push_back({"POST", "/api/desk/conflicts/{}/resolve", RouteRoles::kClerks, true,
                    [ctx](RouteCall& c) { return Resolve(ctx, c); }});
  routes.push_back({"GET", "/api/desk/pages/{}/image", RouteRoles::kClerks, false, [ctx](RouteCall& c) {
    const auto page_id = RouteId(c.args.at(0), "page id");
    if (!ctx.pages) throw RouteError{503, "this server cannot show page images", ""};
    auto jpeg = ctx.pages->RenderStoredPageJpeg(c.store, page_id, kPageImagePxPerMm);
    if (!jpeg.ok() && jpeg.error().code == "not_found") throw RouteError{404, "no scan of an identified page with that id", ""};
    if (!jpeg.ok() && jpeg.error().code == "unsupported") throw RouteError{503, "this server cannot show page images", ""};
    return RouteReply{200, {}, "image/jpeg", RouteMust(std::move(jpeg), "page image")};
  }});
  return routes;
}

}  // namespace phieu::review
