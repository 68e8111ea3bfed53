// Copyright 2026 The Phiếu Authors
// SPDX-License-Identifier: Apache-2.0
// The clerk's desk (docs/api.md, "Clerk desk"): unidentified pages with their reason and
// thumbnail, sheets with missing pages by unit (a printable list), progress per unit against
// its quota with the units that are behind first, and the same rolled up per parent unit.
// Clerk or admin; a reviewer gets 403.
#include "desk_routes.h"

#include <algorithm>
#include <map>
#include <set>

namespace phieu::review {
namespace {

std::int64_t Id(const std::string& s) { return RouteId(s, "page id"); }

constexpr int kMaxUnidentified = 500;

}  // namespace

std::vector<RouteSpec> DeskRoutes() {
  std::vector<RouteSpec> routes;
  routes.push_back({"GET", "/api/desk/unidentified", RouteRoles::kClerks, false, [](RouteCall& c) {
    auto pages = RouteMust(c.store.ListUnidentifiedPages(kMaxUnidentified), "unidentified pages");
    Json a = Json::array();
    for (const auto& p : pages)
      a.push_back({{"id", p.page_id}, {"file", p.file_name}, {"page_index", p.page_index},
                   {"status", p.status}, {"reason", p.reason}, {"at", p.stored_at},
                   {"set_aside", p.set_aside_reason.empty() ? Json(nullptr)
                                 : Json{{"reason", p.set_aside_reason}, {"by", p.set_aside_by}, {"at", p.set_aside_at}}},
                   {"image", "/api/desk/unidentified/" + std::to_string(p.page_id) + "/image"},
                   {"thumbnail", p.has_thumbnail ? Json("/api/desk/unidentified/" + std::to_string(p.page_id) + "/thumbnail")
                                                 : Json(nullptr)}});
    return RouteReply{200, {{"pages", std::move(a)}}, "", {}};
  }});
  routes.push_back({"GET", "/api/desk/unidentified/{}/thumbnail", RouteRoles::kClerks, false, [](RouteCall& c) {
    auto jpeg = RouteMust(c.store.LoadPageThumbnail(Id(c.args.at(0))), "thumbnail");
    if (jpeg.empty()) throw RouteError{404, "no thumbnail was kept for this page", ""};
    return RouteReply{200, {}, "image/jpeg", std::move(jpeg)};
  }});
  routes.push_back({"GET", "/api/desk/missing", RouteRoles::kClerks, false, [](RouteCall& c) {
    auto units = RouteMust(c.store.ListUnits(), "units");
    std::map<std::string, std::string> names;
    for (const auto& u : units) names[u.code] = u.name;
    std::map<std::string, Json> by_unit;
    // Streamed: only the sheets with missing pages are kept, not the whole survey.
    RouteMust(c.store.VisitSheets(true, [&](const store::SheetRecord& s) {
      if (s.missing_pages.empty()) return true;
      auto& j = by_unit[s.unit_code];
      if (j.is_null()) j = {{"unit", s.unit_code}, {"name", names[s.unit_code]}, {"sheets", Json::array()}};
      j["sheets"].push_back({{"serial", s.serial}, {"missing_pages", s.missing_pages}});
      return true;
    }), "sheets");
    Json a = Json::array();
    for (auto& [code, j] : by_unit) a.push_back(std::move(j));
    return RouteReply{200, {{"units", std::move(a)}}, "", {}};
  }});
  routes.push_back({"GET", "/api/desk/progress", RouteRoles::kClerks, false, [](RouteCall& c) {
    auto status = RouteMust(c.store.GetStatus(), "status");
    auto units = RouteMust(c.store.ListUnits(), "units");
    std::map<std::string, std::string> parents;
    for (const auto& u : units) parents[u.code] = u.parent;
    struct Counts { int complete = 0, needs_review = 0, incomplete = 0; };
    std::map<std::string, Counts> counts;
    // Streamed: memory grows with the units, not with the sheets.
    RouteMust(c.store.VisitSheets(true, [&](const store::SheetRecord& s) {
      auto& k = counts[s.unit_code];
      if (s.status == "complete") ++k.complete;
      else if (s.status == "needs_review") ++k.needs_review;
      else ++k.incomplete;
      return true;
    }), "sheets");
    Json a = Json::array();
    for (const auto& u : status.units) {
      const Counts k = counts[u.code];
      const double share = u.quota > 0 ? static_cast<double>(k.complete) / u.quota : 1.0;
      a.push_back({{"unit", u.code}, {"name", u.name}, {"parent", parents[u.code]}, {"quota", u.quota},
                   {"allocated", u.allocated}, {"scanned", u.sheets}, {"complete", k.complete},
                   {"needs_review", k.needs_review}, {"incomplete", k.incomplete}, {"share_complete", share}});
    }
    // The units that are behind first: lowest share of the quota complete.
    std::stable_sort(a.begin(), a.end(), [](const Json& x, const Json& y) {
      return x["share_complete"].get<double>() < y["share_complete"].get<double>();
    });
    Json rolled_up = RollUpParents(a, units);
    return RouteReply{200, {{"units", std::move(a)}, {"parents", std::move(rolled_up)}}, "", {}};
  }});
  return routes;
}

Json RollUpParents(const Json& units, const std::vector<store::Unit>& all) {
  std::map<std::string, std::string> parent_of, name_of;
  for (const auto& u : all) {
    parent_of[u.code] = u.parent;
    name_of[u.code] = u.name;
  }
  static constexpr const char* kSums[] = {"quota", "allocated", "scanned", "complete", "needs_review", "incomplete"};
  struct Row {
    std::map<std::string, long long> sums;
    int units = 0;
  };
  std::map<std::string, Row> rows;
  for (const auto& u : units) {
    const std::string code = u.value("unit", "");
    // Every ancestor gets this unit's counts; a cycle in the parents (bad data) stops the walk.
    std::set<std::string> seen{code};
    std::string up = parent_of.count(code) ? parent_of[code] : u.value("parent", "");
    while (!up.empty() && seen.insert(up).second) {
      Row& r = rows[up];
      ++r.units;
      for (const char* k : kSums) r.sums[k] += u.value(k, 0LL);
      up = parent_of.count(up) ? parent_of[up] : "";
    }
  }
  // A parent that is itself a unit adds its own sheets and quota.
  for (const auto& u : units) {
    auto it = rows.find(u.value("unit", ""));
    if (it == rows.end()) continue;
    for (const char* k : kSums) it->second.sums[k] += u.value(k, 0LL);
  }
  Json out = Json::array();
  for (const auto& [code, r] : rows) {
    Json j = {{"unit", code}, {"name", name_of.count(code) ? name_of[code] : ""},
              {"parent", parent_of.count(code) ? parent_of[code] : ""}, {"units", r.units}};
    for (const char* k : kSums) j[k] = r.sums.count(k) ? r.sums.at(k) : 0;
    const long long quota = j["quota"].get<long long>();
    j["share_complete"] = quota > 0 ? static_cast<double>(j["complete"].get<long long>()) / quota : 1.0;
    out.push_back(std::move(j));
  }
  std::stable_sort(out.begin(), out.end(), [](const Json& x, const Json& y) {
    return x["share_complete"].get<double>() < y["share_complete"].get<double>();
  });
  return out;
}

}  // namespace phieu::review
