// Copyright 2026 The Phiếu Authors
// SPDX-License-Identifier: Apache-2.0
// An unidentified page opened at full size, assigned by hand to a sheet and page (aligned from
// its printed box grid or from four clicked anchor centres, then read like any page), or set
// aside with a reason. The reading itself happens in the pipeline, behind PageImageSource: this
// stage never links the reading stages.
#include <algorithm>
#include <charconv>
#include <cmath>
#include <iostream>
#include <mutex>

#include "assign_routes.h"

namespace phieu::review {
namespace {

std::int64_t PositiveInt(const Json& body, const char* name) {
  auto it = body.find(name);
  if (it == body.end() || !it->is_number_integer() || it->get<std::int64_t>() <= 0)
    throw RouteError{400, std::string("\"") + name + "\" must be a positive whole number", "bad_" + std::string(name)};
  return it->get<std::int64_t>();
}

/// The store's and the pipeline's refusals as HTTP: a wrong request 400, an unknown page 404,
/// a page that is identified already or changed meanwhile 409, a page that cannot be aligned or
/// decoded 422.
[[noreturn]] void Refuse(const core::Error& e, const char* what) {
  if (e.code == "not_found") throw RouteError{404, e.message, "not_found"};
  if (e.code == "identified" || e.code == "changed") throw RouteError{409, e.message, e.code};
  if (e.code == "invalid") throw RouteError{400, e.message, "invalid"};
  if (e.code == "unaligned" || e.code == "unreadable") throw RouteError{422, e.message, e.code};
  if (e.code == "unsupported") throw RouteError{503, e.message, "unsupported"};
  std::cerr << "phieu serve: " << what << ": " << e.message << "\n";
  throw RouteError{500, "internal error", ""};
}

std::string NfcTrimmed(const std::string& in) {
  std::string s;
  if (!Nfc(in, s)) throw RouteError{400, "the reason is not valid UTF-8 text", "bad_reason"};
  const auto first = s.find_first_not_of(" \t\r\n");
  if (first == std::string::npos) return "";
  return s.substr(first, s.find_last_not_of(" \t\r\n") - first + 1);
}

constexpr int kDefaultImageSide = 2000;  // px: a 300-dpi A4 page shown at ~170 dpi.
constexpr std::size_t kMaxReasonBytes = 1000;

}  // namespace

std::vector<RouteSpec> AssignRoutes(RouteContext ctx) {
  std::vector<RouteSpec> routes;
  routes.push_back({"GET", "/api/desk/unidentified/{}/image", RouteRoles::kClerks, false, [ctx](RouteCall& c) {
    const std::int64_t id = RouteId(c.args.at(0), "page id");
    int side = kDefaultImageSide;
    if (auto it = c.params.find("max"); it != c.params.end()) {
      const std::string& v = it->second;
      const auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), side);
      if (ec != std::errc() || end != v.data() + v.size() || side < 100 || side > 8000)
        throw RouteError{400, "\"max\" must be a whole number of pixels from 100 to 8000", "bad_max"};
    }
    if (!ctx.pages) throw RouteError{503, "this server cannot show page images", "unsupported"};
    auto jpeg = ctx.pages->RenderStoredScanJpeg(c.store, id, side);
    if (!jpeg.ok()) Refuse(jpeg.error(), "stored page image");
    return RouteReply{200, {}, "image/jpeg", std::move(*jpeg)};
  }});

  routes.push_back({"POST", "/api/desk/unidentified/{}/assign", RouteRoles::kClerks, true, [ctx](RouteCall& c) {
    const std::int64_t id = RouteId(c.args.at(0), "page id");
    const Json body = RouteBody(c.body);
    DeskAssignRequest request;
    request.serial = PositiveInt(body, "serial");
    const std::int64_t page = PositiveInt(body, "page");
    if (page > 1000) throw RouteError{400, "\"page\" is not a page of any questionnaire", "bad_page"};
    request.page = static_cast<int>(page);
    if (auto it = body.find("points"); it != body.end() && !it->is_null()) {
      bool ok = it->is_array() && it->size() == 4;
      for (size_t i = 0; ok && i < 4; ++i) {
        const Json& p = (*it)[i];
        ok = p.is_array() && p.size() == 2 && p[0].is_number() && p[1].is_number();
        if (ok) request.anchor_centres.emplace_back(p[0].get<double>(), p[1].get<double>());
      }
      if (!ok)
        throw RouteError{400, "\"points\" must be four [x, y] pairs (shares of the image's width and height)",
                        "bad_points"};
    }
    request.by = {.who = c.user, .screen = "desk", .address = c.address};
    if (!ctx.pages) throw RouteError{503, "this server cannot read pages", "unsupported"};
    // Decoding and reading one page takes ~0.3-1 s: the page source holds the writer lock only
    // for the write, so reviewers' decisions and ingest are not held up meanwhile.
    auto done = ctx.pages->AssignStoredPage(c.store, ctx.write_mu, id, request);
    if (!done.ok()) Refuse(done.error(), "assign page");
    return RouteReply{200,
                     {{"page_id", id}, {"serial", request.serial}, {"page", request.page},
                      {"status", done->status}, {"method", done->method},
                      {"residual_mm", std::round(done->residual_mm * 100) / 100},
                      {"readings", done->readings}, {"review_items_opened", done->review_items_opened},
                      {"sheet", "/api/sheets/" + std::to_string(request.serial)}},
                     "", {}};
  }});

  routes.push_back({"POST", "/api/desk/unidentified/{}/set-aside", RouteRoles::kClerks, true, [ctx](RouteCall& c) {
    const std::int64_t id = RouteId(c.args.at(0), "page id");
    const Json body = RouteBody(c.body);
    auto it = body.find("reason");
    if (it == body.end() || !it->is_string())
      throw RouteError{400, "\"reason\" is required: say why the page is set aside", "bad_reason"};
    const std::string reason = NfcTrimmed(it->get<std::string>());
    if (reason.empty()) throw RouteError{400, "\"reason\" is required: say why the page is set aside", "bad_reason"};
    if (reason.size() > kMaxReasonBytes) throw RouteError{400, "the reason is too long (1000 bytes at most)", "bad_reason"};
    core::Status st;
    {
      std::lock_guard lock(ctx.write_mu);
      st = c.store.SetPageAside(id, reason, {.who = c.user, .screen = "desk", .address = c.address});
    }
    if (!st.ok()) Refuse(st.error(), "set page aside");
    return RouteReply{200, {{"page_id", id}, {"set_aside_reason", reason}, {"set_aside_by", c.user}}, "", {}};
  }});
  return routes;
}

}  // namespace phieu::review
