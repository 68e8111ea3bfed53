// Copyright 2026 The Phiếu Authors
// SPDX-License-Identifier: Apache-2.0
// The clerk's desk (docs/api.md, "Clerk desk"): unidentified pages with their reason and
// thumbnail, sheets with missing pages by unit (a printable list), progress per unit against
// its quota with the units that are behind first. Clerk or admin; a reviewer gets 403.
#include <algorithm>
#include <charconv>
#include <iostream>
#include <map>

#include "group_routes.h"

namespace phieu::review {
namespace {

template <typename T>
T Must(core::Result<T> r, const char* what) {
  if (!r.ok()) {
    std::cerr << "phieu serve: " << what << ": " << r.error().message << "\n";
    throw DeskError{500, "internal error", ""};
  }
  return std::move(r).value();
}

std::int64_t Id(const std::string& s) {
  std::int64_t v = 0;
  const bool digits = !s.empty() && s.size() <= 18 &&
                      std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
  if (digits) std::from_chars(s.data(), s.data() + s.size(), v);
  if (!digits || v <= 0) throw DeskError{400, "bad page id: expected a positive whole number", ""};
  return v;
}

constexpr int kMaxUnidentified = 500;

}  // namespace

std::vector<DeskRoute> DeskRoutes() {
  std::vector<DeskRoute> routes;
  routes.push_back({"GET", "/api/desk/unidentified", DeskRoles::kClerks, false, [](DeskCall& c) {
    auto pages = Must(c.store.ListUnidentifiedPages(kMaxUnidentified), "unidentified pages");
    Json a = Json::array();
    for (const auto& p : pages)
      a.push_back({{"id", p.page_id}, {"file", p.file_name}, {"page_index", p.page_index},
                   {"status", p.status}, {"reason", p.reason}, {"at", p.stored_at},
                   {"set_aside", p.set_aside_reason.empty() ? Json(nullptr)
                                 : Json{{"reason", p.set_aside_reason}, {"by", p.set_aside_by}, {"at", p.set_aside_at}}},
                   {"image", "/api/desk/unidentified/" + std::to_string(p.page_id) + "/image"},
                   {"thumbnail", p.has_thumbnail ? Json("/api/desk/unidentified/" + std::to_string(p.page_id) + "/thumbnail")
                                                 : Json(nullptr)}});
    return DeskReply{200, {{"pages", std::move(a)}}, "", {}};
  }});
  routes.push_back({"GET", "/api/desk/unidentified/{}/thumbnail", DeskRoles::kClerks, false, [](DeskCall& c) {
    auto jpeg = Must(c.store.LoadPageThumbnail(Id(c.args.at(0))), "thumbnail");
    if (jpeg.empty()) throw DeskError{404, "no thumbnail was kept for this page", ""};
    return DeskReply{200, {}, "image/jpeg", std::move(jpeg)};
  }});
  routes.push_back({"GET", "/api/desk/missing", DeskRoles::kClerks, false, [](DeskCall& c) {
    auto sheets = Must(c.store.ListSheets(true), "sheets");
    auto units = Must(c.store.ListUnits(), "units");
    std::map<std::string, std::string> names;
    for (const auto& u : units) names[u.code] = u.name;
    std::map<std::string, Json> by_unit;
    for (const auto& s : sheets) {
      if (s.missing_pages.empty()) continue;
      auto& j = by_unit[s.unit_code];
      if (j.is_null()) j = {{"unit", s.unit_code}, {"name", names[s.unit_code]}, {"sheets", Json::array()}};
      j["sheets"].push_back({{"serial", s.serial}, {"missing_pages", s.missing_pages}});
    }
    Json a = Json::array();
    for (auto& [code, j] : by_unit) a.push_back(std::move(j));
    return DeskReply{200, {{"units", std::move(a)}}, "", {}};
  }});
  routes.push_back({"GET", "/api/desk/progress", DeskRoles::kClerks, false, [](DeskCall& c) {
    auto status = Must(c.store.GetStatus(), "status");
    auto sheets = Must(c.store.ListSheets(true), "sheets");
    auto units = Must(c.store.ListUnits(), "units");
    std::map<std::string, std::string> parents;
    for (const auto& u : units) parents[u.code] = u.parent;
    struct Counts { int complete = 0, needs_review = 0, incomplete = 0; };
    std::map<std::string, Counts> counts;
    for (const auto& s : sheets) {
      auto& k = counts[s.unit_code];
      if (s.status == "complete") ++k.complete;
      else if (s.status == "needs_review") ++k.needs_review;
      else ++k.incomplete;
    }
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
    return DeskReply{200, {{"units", std::move(a)}}, "", {}};
  }});
  return routes;
}

}  // namespace phieu::review
