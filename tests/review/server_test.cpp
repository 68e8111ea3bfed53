// Copyright 2026 The Phiếu Authors
// SPDX-License-Identifier: Apache-2.0
// The review server over HTTP (docs/api.md): logins, sessions, CSRF, Origin, the role table,
// leases and versions, decisions and undo, strict ids, no traversal, headers, JSON errors.
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <netinet/in.h>

#include <chrono>
#include <regex>
#include <set>
#include <thread>

#include "review_test_env.h"

namespace phieu::review::testing {
namespace {

bool IsJsonError(const httplib::Result& r) {
  if (!r) return false;
  if (r->get_header_value("Content-Type").rfind("application/json", 0) != 0) return false;
  Json j = Json::parse(r->body, nullptr, false);
  return j.is_object() && j.contains("error") && j["error"].is_string() && !j["error"].get<std::string>().empty();
}

// A value the item accepts: the machine's reading when it fits, else the first option / a text.
Json SomeValue(const Json& item) {
  const std::string kind = item["kind"];
  if (kind == "single" || kind == "scale") return item["options"].empty() ? Json(nullptr) : item["options"][0]["value"];
  if (kind == "multi") return item["options"].empty() ? Json::array() : Json::array({item["options"][0]["value"]});
  if (kind == "digits") return "1975";
  return "Cán bộ nhiệt tình, thủ tục nhanh.";
}

TEST_F(ReviewServerTest, LoginGivesHardenedCookieAndCsrf) {
  auto c = Client();
  auto r = c->Post("/api/login", Json{{"user", "lan"}, {"password", kPassword}}.dump(), "application/json");
  ASSERT_TRUE(r);
  ASSERT_EQ(r->status, 200) << r->body;
  Json j = Json::parse(r->body);
  EXPECT_EQ(j["user"], "lan");
  EXPECT_EQ(j["role"], "reviewer");
  EXPECT_EQ(j["csrf"].get<std::string>().size(), 64u);
  const std::string cookie = r->get_header_value("Set-Cookie");
  EXPECT_TRUE(std::regex_search(cookie, std::regex("^phieu_session=[0-9a-f]{64};")));
  EXPECT_NE(cookie.find("HttpOnly"), std::string::npos);
  EXPECT_NE(cookie.find("SameSite=Strict"), std::string::npos);
  EXPECT_NE(cookie.find("Path=/"), std::string::npos);
  // The session works, and /api/me gives the CSRF token back.
  Login l{cookie.substr(0, cookie.find(';')), j["csrf"], "reviewer"};
  auto me = Get(l, "/api/me");
  ASSERT_EQ(me->status, 200);
  EXPECT_EQ(Json::parse(me->body)["csrf"], j["csrf"]);
}

TEST_F(ReviewServerTest, WrongPasswordUnknownUserAndDisabledLoginAre401) {
  int status = 0;
  LogIn("lan", "sai mật khẩu", &status);
  EXPECT_EQ(status, 401);
  LogIn("nobody", kPassword, &status);
  EXPECT_EQ(status, 401);
  LogIn("cu", kPassword, &status);  // disabled
  EXPECT_EQ(status, 401);
  auto r = Client()->Post("/api/login", "{\"user\": 3}", "application/json");
  EXPECT_EQ(r->status, 400);
  EXPECT_TRUE(IsJsonError(r));
  r = Client()->Post("/api/login", "not json", "application/json");
  EXPECT_EQ(r->status, 400);
  EXPECT_TRUE(IsJsonError(r));
}

TEST_F(ReviewServerTest, TooManyFailuresPerUserGive429EvenWithTheRightPassword) {
  int status = 0;
  for (int i = 0; i < 3; ++i) {
    LogIn("lan", "sai", &status);
    EXPECT_EQ(status, 401);
  }
  LogIn("lan", "sai", &status);
  EXPECT_EQ(status, 429);
  LogIn("lan", kPassword, &status);
  EXPECT_EQ(status, 429);
  // Another name from the same address is still let in (3 failures < 6 per address).
  LogIn("minh", kPassword, &status);
  EXPECT_EQ(status, 200);
}

TEST_F(ReviewServerTest, TooManyFailuresPerAddressGive429) {
  int status = 0;
  for (int i = 0; i < 6; ++i) {
    LogIn("guess" + std::to_string(i), "sai", &status);
    EXPECT_EQ(status, 401);
  }
  LogIn("minh", kPassword, &status);
  EXPECT_EQ(status, 429);
}

TEST_F(ReviewServerTest, LogoutEndsTheSession) {
  Login l = LogIn("lan");
  ASSERT_FALSE(l.cookie.empty());
  // Logout changes state: without the CSRF header it is refused and the session lives on.
  EXPECT_EQ(Post(l, "/api/logout", Json::object(), /*csrf=*/false)->status, 403);
  EXPECT_EQ(Get(l, "/api/me")->status, 200);
  auto r = Post(l, "/api/logout", Json::object());
  EXPECT_EQ(r->status, 204);
  EXPECT_NE(r->get_header_value("Set-Cookie").find("Max-Age=0"), std::string::npos);
  EXPECT_EQ(Get(l, "/api/me")->status, 401);
  EXPECT_EQ(Get(l, "/api/review/next")->status, 401);
}

TEST_F(ReviewServerTest, NoOrBogusSessionIs401) {
  Login none;
  auto r = Get(none, "/api/review/next");
  EXPECT_EQ(r->status, 401);
  EXPECT_TRUE(IsJsonError(r));
  Login bogus{"phieu_session=" + std::string(64, 'a'), std::string(64, 'b'), ""};
  EXPECT_EQ(Get(bogus, "/api/review/next")->status, 401);
  EXPECT_EQ(Post(bogus, "/api/review/items/1/decision", {{"value", nullptr}, {"version", 1}})->status, 401);
}

TEST_F(ReviewServerTest, StateChangesWithoutTheRightCsrfTokenAre403) {
  Login l = LogIn("lan");
  auto next = Get(l, "/api/review/next");
  ASSERT_EQ(next->status, 200);
  Json item = Json::parse(next->body);
  const std::string path = "/api/review/items/" + std::to_string(item["id"].get<long long>()) + "/decision";
  Json body{{"value", SomeValue(item)}, {"version", item["version"]}};
  auto r = Post(l, path, body, /*csrf=*/false);
  EXPECT_EQ(r->status, 403);
  EXPECT_TRUE(IsJsonError(r));
  Login wrong = l;
  wrong.csrf = std::string(64, '0');
  EXPECT_EQ(Post(wrong, path, body)->status, 403);
  // Nothing was recorded: the right token still finds the item at its version.
  EXPECT_EQ(Post(l, path, body)->status, 200);
}

TEST_F(ReviewServerTest, ForeignOriginIs403AndOwnOriginIsFine) {
  auto c = Client();
  httplib::Headers evil{{"Origin", "http://evil.example"}};
  auto r = c->Post("/api/login", evil, Json{{"user", "lan"}, {"password", kPassword}}.dump(), "application/json");
  EXPECT_EQ(r->status, 403);
  EXPECT_TRUE(IsJsonError(r));
  httplib::Headers own{{"Origin", Origin()}};
  r = c->Post("/api/login", own, Json{{"user", "lan"}, {"password", kPassword}}.dump(), "application/json");
  EXPECT_EQ(r->status, 200);
  Login l = LogIn("minh");
  auto h = Auth(l);
  h.emplace("Origin", "http://127.0.0.1:1");
  EXPECT_EQ(c->Post("/api/logout", h, "{}", "application/json")->status, 403);
}

TEST_F(ReviewServerTest, EveryEndpointChecksTheRole) {
  Login admin = LogIn("admin"), reviewer = LogIn("lan"), clerk = LogIn("thu"), anonymous;
  ASSERT_FALSE(admin.cookie.empty());
  ASSERT_FALSE(reviewer.cookie.empty());
  ASSERT_FALSE(clerk.cookie.empty());
  // An item and a sheet that exist, for the paths below.
  auto first = Get(admin, "/api/review/next");
  ASSERT_EQ(first->status, 200);
  Json item = Json::parse(first->body);
  const std::string id = std::to_string(item["id"].get<long long>());
  const std::string serial = std::to_string(item["serial"].get<long long>());
  Post(admin, "/api/review/items/" + id + "/release", Json::object());

  // Expected per role: 'y' = allowed (answer neither 401 nor 403), 'f' = 403, 'a' = 401.
  struct Row {
    const char* method;
    std::string path;
    const char* expect;  // admin, reviewer, clerk, anonymous
  };
  const std::vector<Row> table = {
      {"GET", "/api/me", "yyya"},
      {"GET", "/api/review/next", "yyfa"},
      {"GET", "/api/review/queue", "yyfa"},
      {"GET", "/api/review/history", "yyfa"},
      {"GET", "/api/review/items/" + id, "yyfa"},
      {"GET", "/api/review/items/" + id + "/crop", "yyfa"},
      {"POST", "/api/review/items/" + id + "/release", "yyfa"},
      {"POST", "/api/review/items/" + id + "/decision", "yyfa"},
      {"POST", "/api/review/items/" + id + "/undo", "yyfa"},
      {"GET", "/api/fields/" + serial + "/" + item["field"].get<std::string>() + "/history", "yyfa"},
      {"GET", "/api/sheets/" + serial, "yyya"},
      {"GET", "/api/sheets/" + serial + "/layout", "yyya"},
      {"GET", "/api/sheets/" + serial + "/pages/1", "yyya"},
      // Group verification and the sheet view (group_routes.cpp).
      {"GET", "/api/group/fields", "yyfa"},
      {"GET", "/api/group/readings?template=" + item["template"].get<std::string>() + "&version=" +
           std::to_string(item["template_version"].get<int>()) + "&field=" + item["field"].get<std::string>() + "&mode=open", "yyfa"},
      {"POST", "/api/group/confirm", "yyfa"},
      {"GET", "/api/readings/1/crop", "yyfa"},
      {"GET", "/api/sheets/" + serial + "/fields", "yyfa"},
      {"POST", "/api/sheets/" + serial + "/fields/" + item["field"].get<std::string>() + "/decision", "yyfa"},
      // The clerk's desk (desk_routes.cpp).
      {"GET", "/api/desk/unidentified", "yfya"},
      {"GET", "/api/desk/unidentified/1/thumbnail", "yfya"},
      {"GET", "/api/desk/missing", "yfya"},
      {"GET", "/api/desk/progress", "yfya"},
      // Ingest batches and scan stations (station_routes.cpp; uploads: station_server_test.cpp).
      {"GET", "/api/desk/batches", "yfya"},
      {"GET", "/api/station/batches/1", "yfya"},
      {"POST", "/api/station/batches/1/stop", "yfya"},
      {"GET", "/", "yyyy"},
      {"GET", "/index.html", "yyyy"},
      {"POST", "/api/logout", "yyya"},  // last: it ends the sessions
  };
  const Login* logins[] = {&admin, &reviewer, &clerk, &anonymous};
  const char* names[] = {"admin", "reviewer", "clerk", "anonymous"};
  for (const auto& row : table) {
    for (int who = 0; who < 4; ++who) {
      // A decision on a stale version (0): allowed roles get 409, which is "allowed".
      Json body = std::string(row.path).find("/decision") != std::string::npos
                      ? Json{{"value", nullptr}, {"version", 0}}
                      : Json{{"version", 0}};
      auto r = std::string(row.method) == "GET" ? Get(*logins[who], row.path)
                                                : Post(*logins[who], row.path, body);
      ASSERT_TRUE(r) << row.path;
      const char e = row.expect[who];
      const std::string what = std::string(row.method) + " " + row.path + " as " + names[who];
      if (e == 'y') {
        EXPECT_NE(r->status, 401) << what;
        EXPECT_NE(r->status, 403) << what;
        EXPECT_LT(r->status, 500) << what << ": " << r->body;
      } else {
        EXPECT_EQ(r->status, e == 'f' ? 403 : 401) << what;
        EXPECT_TRUE(IsJsonError(r)) << what;
      }
    }
  }
}

TEST_F(ReviewServerTest, NextLeasesAndReturnsTheContractShape) {
  Login l = LogIn("lan");
  auto r = Get(l, "/api/review/next");
  ASSERT_EQ(r->status, 200);
  EXPECT_EQ(r->get_header_value("Content-Type"), "application/json; charset=utf-8");
  Json item = Json::parse(r->body);
  for (const char* key : {"id", "serial", "field", "kind", "question", "options", "reading", "reason_code",
                          "reason", "confidence", "crop", "version", "reasons", "boxes", "crop_mm", "lease"})
    EXPECT_TRUE(item.contains(key)) << key;
  EXPECT_EQ(item["lease"]["owner"], "lan");
  EXPECT_FALSE(item["reason_code"].get<std::string>().empty());
  ASSERT_FALSE(item["reasons"].empty());
  EXPECT_TRUE(item["reasons"][0]["params"].is_object());
  // Asking again gives the item the caller already holds; exclude skips it (prefetch).
  auto again = Get(l, "/api/review/next");
  EXPECT_EQ(Json::parse(again->body)["id"], item["id"]);
  const std::string id = std::to_string(item["id"].get<long long>());
  auto other = Get(l, "/api/review/next?exclude=" + id);
  ASSERT_EQ(other->status, 200);
  EXPECT_NE(Json::parse(other->body)["id"], item["id"]);
  EXPECT_EQ(Get(l, "/api/review/next?exclude=1,x")->status, 400);
  // The crop URL serves a PNG.
  if (item["crop"].is_string()) {
    auto crop = Get(l, item["crop"].get<std::string>());
    ASSERT_EQ(crop->status, 200);
    EXPECT_EQ(crop->get_header_value("Content-Type"), "image/png");
    EXPECT_EQ(crop->body.substr(0, 4), "\x89PNG");
  }
}

TEST_F(ReviewServerTest, DecisionOnAStaleVersionOrAnothersLeaseIs409) {
  Login lan = LogIn("lan"), minh = LogIn("minh");
  Json item = Json::parse(Get(lan, "/api/review/next")->body);
  const std::string path = "/api/review/items/" + std::to_string(item["id"].get<long long>()) + "/decision";
  const int v = item["version"];
  // minh may not decide what lan holds.
  auto r = Post(minh, path, {{"value", SomeValue(item)}, {"version", v}});
  EXPECT_EQ(r->status, 409);
  EXPECT_TRUE(IsJsonError(r));
  EXPECT_EQ(Json::parse(r->body)["code"], "leased");
  // lan quoting a version that is not current is refused.
  r = Post(lan, path, {{"value", SomeValue(item)}, {"version", v + 1}});
  EXPECT_EQ(r->status, 409);
  EXPECT_EQ(Json::parse(r->body)["code"], "stale");
  r = Post(lan, path, {{"value", SomeValue(item)}, {"version", v}});
  ASSERT_EQ(r->status, 200) << r->body;
  EXPECT_GT(Json::parse(r->body)["version"].get<int>(), v);
  // The same decision again on the old version: stale.
  r = Post(lan, path, {{"value", SomeValue(item)}, {"version", v}});
  EXPECT_EQ(r->status, 409);
  EXPECT_EQ(Json::parse(r->body)["code"], "stale");
  EXPECT_FALSE(Json::parse(r->body)["error"].get<std::string>().empty());
}

TEST_F(ReviewServerTest, TwoReviewersAtOnceGetDisjointItemsAndClearTheQueue) {
  Login lan = LogIn("lan"), minh = LogIn("minh");
  auto queue = Json::parse(Get(lan, "/api/review/queue")->body);
  const int open = queue["open"];
  ASSERT_GE(open, 4) << "the test survey should hold a few review items";
  std::set<long long> got[2];
  std::atomic<int> conflicts{0}, errors{0};
  auto work = [&](int who, const Login& l) {
    for (int i = 0; i < 200; ++i) {
      auto r = Get(l, "/api/review/next");
      if (!r) { errors++; return; }
      if (r->status == 204) return;
      if (r->status != 200) { errors++; return; }
      Json item = Json::parse(r->body);
      got[who].insert(item["id"].get<long long>());
      auto d = Post(l, "/api/review/items/" + std::to_string(item["id"].get<long long>()) + "/decision",
                    {{"value", SomeValue(item)}, {"version", item["version"]}});
      if (!d) { errors++; return; }
      if (d->status == 409) conflicts++;
      else if (d->status != 200) { errors++; return; }
    }
  };
  std::thread a(work, 0, std::cref(lan)), b(work, 1, std::cref(minh));
  a.join();
  b.join();
  EXPECT_EQ(errors.load(), 0);
  EXPECT_EQ(conflicts.load(), 0);
  for (long long id : got[0]) EXPECT_EQ(got[1].count(id), 0u) << "item " << id << " went to both";
  EXPECT_EQ(static_cast<int>(got[0].size() + got[1].size()), open);
  EXPECT_EQ(Json::parse(Get(lan, "/api/review/queue")->body)["open"], 0);
  // The survey file holds every decision with its audit row, screen "review".
  auto store = store::Store::Open(db_, false);
  ASSERT_TRUE(store.ok());
  store::AuditFilter f;
  f.user = "lan";
  auto rows = (*store)->ListAudit(f);
  ASSERT_TRUE(rows.ok());
  EXPECT_EQ(static_cast<int>(rows->size()), static_cast<int>(got[0].size()));
  for (const auto& row : *rows) {
    EXPECT_EQ(row.screen, "review");
    EXPECT_EQ(row.address, "127.0.0.1");
  }
}

TEST_F(ReviewServerTest, DecisionThenUndoShowEverywhere) {
  Login lan = LogIn("lan");
  Json item = Json::parse(Get(lan, "/api/review/next")->body);
  const long long id = item["id"];
  const std::string serial = std::to_string(item["serial"].get<long long>());
  const std::string field = item["field"];
  const std::string base = "/api/review/items/" + std::to_string(id);
  auto d = Post(lan, base + "/decision", {{"illegible", true}, {"version", item["version"]}});
  ASSERT_EQ(d->status, 200) << d->body;
  const int v2 = Json::parse(d->body)["version"];

  Json after = Json::parse(Get(lan, base)->body);
  EXPECT_EQ(after["status"], "resolved");
  EXPECT_EQ(after["decided_illegible"], true);
  EXPECT_EQ(after["decided_by"], "lan");
  Json history = Json::parse(Get(lan, "/api/review/history")->body);
  ASSERT_FALSE(history["items"].empty());
  EXPECT_EQ(history["items"][0]["id"], id);
  Json sheet = Json::parse(Get(lan, "/api/sheets/" + serial)->body);
  bool seen = false;
  for (const auto& f : sheet["fields"])
    if (f["id"] == field) {
      seen = true;
      EXPECT_EQ(f["state"], "decided");
      EXPECT_EQ(f["illegible"], true);
    }
  EXPECT_TRUE(seen);
  Json audit = Json::parse(Get(lan, "/api/fields/" + serial + "/" + field + "/history")->body);
  ASSERT_FALSE(audit["rows"].empty());
  EXPECT_EQ(audit["rows"][0]["who"], "lan");
  EXPECT_EQ(audit["rows"][0]["screen"], "review");

  // Undo on an old version is stale; on the current one it reopens the item, leased to lan.
  EXPECT_EQ(Post(lan, base + "/undo", {{"version", v2 - 1}})->status, 409);
  auto u = Post(lan, base + "/undo", {{"version", v2}});
  ASSERT_EQ(u->status, 200) << u->body;
  Json reopened = Json::parse(u->body);
  EXPECT_EQ(reopened["status"], "open");
  EXPECT_TRUE(reopened["decided"].is_null());
  EXPECT_EQ(reopened["lease"]["owner"], "lan");
  sheet = Json::parse(Get(lan, "/api/sheets/" + serial)->body);
  for (const auto& f : sheet["fields"])
    if (f["id"] == field) EXPECT_EQ(f["state"], "pending");
  // And it can be decided again at its new version.
  auto again = Post(lan, base + "/decision", {{"value", SomeValue(item)}, {"version", reopened["version"]}});
  EXPECT_EQ(again->status, 200) << again->body;
}

TEST_F(ReviewServerTest, ValuesThatDoNotFitTheFieldAre400) {
  Login lan = LogIn("lan");
  Json item = Json::parse(Get(lan, "/api/review/next")->body);
  const std::string path = "/api/review/items/" + std::to_string(item["id"].get<long long>()) + "/decision";
  auto r = Post(lan, path, {{"value", Json::object({{"x", 1}})}, {"version", item["version"]}});
  EXPECT_EQ(r->status, 400);
  EXPECT_TRUE(IsJsonError(r));
  EXPECT_EQ(Post(lan, path, {{"value", nullptr}})->status, 400);                      // no version
  EXPECT_EQ(Post(lan, path, {{"value", nullptr}, {"version", "1"}})->status, 400);   // not a number
  EXPECT_EQ(Post(lan, path, {{"version", item["version"]}})->status, 400);            // no value
  // A body that is not JSON by its content type.
  auto c = Client();
  EXPECT_EQ(c->Post(path.c_str(), Auth(lan), "value=1", "application/x-www-form-urlencoded")->status, 415);
}

TEST_F(ReviewServerTest, BadIdsAre400AndUnknownOnes404) {
  Login lan = LogIn("lan");
  for (const char* p : {"/api/review/items/abc", "/api/review/items/-1", "/api/review/items/0",
                        "/api/review/items/+5", "/api/review/items/1.5", "/api/review/items/0x10",
                        "/api/review/items/1234567890123456789", "/api/review/items/%201",
                        "/api/sheets/1x", "/api/sheets/1/pages/0", "/api/fields/1/bad$id/history",
                        "/api/review/history?limit=0", "/api/review/history?limit=501"}) {
    auto r = Get(lan, p);
    ASSERT_TRUE(r) << p;
    EXPECT_EQ(r->status, 400) << p;
    EXPECT_TRUE(IsJsonError(r)) << p;
  }
  for (const char* p : {"/api/review/items/999999", "/api/review/items/999999/crop", "/api/sheets/999999",
                        "/api/sheets/999999/layout", "/api/nothing", "/api/review/items"}) {
    auto r = Get(lan, p);
    EXPECT_EQ(r->status, 404) << p;
    EXPECT_TRUE(IsJsonError(r)) << p;
  }
  EXPECT_EQ(Post(lan, "/api/review/items/999999/decision", {{"value", nullptr}, {"version", 1}})->status, 404);
  EXPECT_EQ(Post(lan, "/api/review/items/abc/decision", {{"value", nullptr}, {"version", 1}})->status, 400);
}

TEST_F(ReviewServerTest, TraversalThroughAssetOrCropUrlsIs404) {
  Login lan = LogIn("lan");
  for (const char* p : {"/../CMakeLists.txt", "/..%2fCMakeLists.txt", "/%2e%2e/%2e%2e/etc/passwd",
                        "/assets/../review.h", "/review-ui/review.h", "/index.html/..", "/./index.html/x",
                        "/api/review/items/1/crop/../../../../etc/passwd", "/api/review/items/1/crop/x",
                        "/api/review/items/..%2f..%2fetc%2fpasswd/crop", "/etc/passwd", "//etc/passwd",
                        "/api/sheets/1/pages/1/../../../../etc/passwd"}) {
    auto r = Get(lan, p);
    ASSERT_TRUE(r) << p;
    EXPECT_EQ(r->status, 404) << p << ": " << r->body.substr(0, 80);
    EXPECT_TRUE(IsJsonError(r)) << p;
    EXPECT_EQ(r->body.find("root:"), std::string::npos);
  }
}

TEST_F(ReviewServerTest, SecurityHeadersOnEveryResponse) {
  Login lan = LogIn("lan"), none;
  for (const char* p : {"/", "/index.html", "/api/me", "/api/review/next", "/nothing", "/api/review/items/x"}) {
    for (const Login* l : {&lan, &none}) {
      auto r = Get(*l, p);
      ASSERT_TRUE(r) << p;
      const std::string csp = r->get_header_value("Content-Security-Policy");
      EXPECT_NE(csp.find("frame-ancestors 'none'"), std::string::npos) << p;
      EXPECT_NE(csp.find("script-src 'self'"), std::string::npos) << p;
      EXPECT_EQ(csp.find("unsafe-inline"), std::string::npos) << p;
      EXPECT_EQ(r->get_header_value("X-Content-Type-Options"), "nosniff") << p;
      EXPECT_EQ(r->get_header_value("Referrer-Policy"), "no-referrer") << p;
      EXPECT_EQ(r->get_header_value("X-Frame-Options"), "DENY") << p;
      if (std::string(p).rfind("/api/", 0) == 0) EXPECT_EQ(r->get_header_value("Cache-Control"), "no-store") << p;
    }
  }
  // Also on httplib's own refusals (a body over the limit).
  auto big = Client()->Post("/api/login", std::string(options_.max_body_bytes + 10, 'x'), "application/json");
  ASSERT_TRUE(big);
  EXPECT_EQ(big->status, 413);
  EXPECT_TRUE(IsJsonError(big));
  EXPECT_EQ(big->get_header_value("X-Content-Type-Options"), "nosniff");
}

TEST_F(ReviewServerTest, AssetsAreServedFromTheBinaryWithoutInlineScript) {
  ASSERT_FALSE(EmbeddedAssets().empty());
  auto c = Client();
  bool has_index = false;
  for (const auto& a : EmbeddedAssets()) {
    auto r = c->Get(a.path);
    ASSERT_TRUE(r) << a.path;
    EXPECT_EQ(r->status, 200) << a.path;
    EXPECT_EQ(r->get_header_value("Content-Type"), a.content_type) << a.path;
    EXPECT_EQ(r->body, std::string(reinterpret_cast<const char*>(a.data), a.size)) << a.path;
    if (std::string(a.path) == "/index.html") {
      has_index = true;
      // The CSP forbids inline script: the page must not need any.
      EXPECT_FALSE(std::regex_search(r->body, std::regex("<script(?![^>]*\\bsrc=)[^>]*>", std::regex::icase)));
      EXPECT_FALSE(std::regex_search(r->body, std::regex("\\son[a-z]+\\s*=", std::regex::icase)));
      EXPECT_EQ(r->body.find("http://"), std::string::npos) << "no CDN";
      EXPECT_EQ(r->body.find("https://"), std::string::npos) << "no CDN";
    }
  }
  EXPECT_TRUE(has_index);
  EXPECT_EQ(c->Get("/")->body, c->Get("/index.html")->body);
}

TEST_F(ReviewServerTest, SheetLayoutAndPageImage) {
  Login clerk = LogIn("thu");
  Login lan = LogIn("lan");
  Json item = Json::parse(Get(lan, "/api/review/next")->body);
  const std::string serial = std::to_string(item["serial"].get<long long>());
  auto r = Get(clerk, "/api/sheets/" + serial);
  ASSERT_EQ(r->status, 200);
  Json sheet = Json::parse(r->body);
  EXPECT_EQ(sheet["serial"], item["serial"]);
  EXPECT_EQ(sheet["template"], "sipas");
  EXPECT_TRUE(sheet["unit"].is_string());
  EXPECT_EQ(sheet["status"], "needs_review");
  ASSERT_FALSE(sheet["fields"].empty());
  for (const auto& f : sheet["fields"]) {
    EXPECT_TRUE(f["id"].is_string());
    EXPECT_TRUE(f.contains("value"));
    const std::string st = f["state"];
    EXPECT_TRUE(st == "accepted" || st == "pending" || st == "decided") << st;
  }
  Json layout = Json::parse(Get(lan, "/api/sheets/" + serial + "/layout")->body);
  EXPECT_EQ(layout["template"], "sipas");
  ASSERT_FALSE(layout["pages"].empty());
  EXPECT_GT(layout["pages"][0]["width_mm"].get<double>(), 100);
  EXPECT_EQ(layout["pages"][0]["image"], "/api/sheets/" + serial + "/pages/1");
  bool field_found = false;
  for (const auto& f : layout["fields"])
    if (f["id"] == item["field"]) {
      field_found = true;
      if (!f["options"].empty()) EXPECT_EQ(f["options"][0]["box_mm"].size(), 4u);
    }
  EXPECT_TRUE(field_found);
  auto page = Get(lan, "/api/sheets/" + serial + "/pages/1");
  ASSERT_EQ(page->status, 200);
  EXPECT_EQ(page->get_header_value("Content-Type"), "image/jpeg");
  EXPECT_EQ(page->body.substr(0, 2), "\xFF\xD8");
  EXPECT_EQ(pages_->last_px_per_mm, kPageImagePxPerMm);
  EXPECT_EQ(Get(lan, "/api/sheets/" + serial + "/pages/7")->status, 404);
}

class ReviewServerWithoutPagesTest : public ReviewServerTest {
 protected:
  void SetUp() override {
    pages_.reset();
    ReviewServerTest::SetUp();
  }
};

TEST_F(ReviewServerWithoutPagesTest, PageImagesAre503) {
  Login lan = LogIn("lan");
  Json item = Json::parse(Get(lan, "/api/review/next")->body);
  auto r = Get(lan, "/api/sheets/" + std::to_string(item["serial"].get<long long>()) + "/pages/1");
  EXPECT_EQ(r->status, 503);
  EXPECT_TRUE(IsJsonError(r));
}

class ShortSessionTest : public ReviewServerTest {
 protected:
  void ConfigureOptions(ServeOptions& o) override { o.session_idle_minutes = 0; }
};

TEST_F(ShortSessionTest, IdleSessionsExpire) {
  Login lan = LogIn("lan");
  ASSERT_FALSE(lan.cookie.empty());
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  EXPECT_EQ(Get(lan, "/api/me")->status, 401);
}

class ShortTimeoutTest : public ReviewServerTest {
 protected:
  void ConfigureOptions(ServeOptions& o) override { o.read_timeout_seconds = 1; }
};

TEST_F(ShortTimeoutTest, AClientThatStopsSendingIsDropped) {
  int s = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(static_cast<uint16_t>(server_->port()));
  ASSERT_EQ(::connect(s, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  const std::string half = "POST /api/login HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 100\r\n\r\n{\"user\"";
  ASSERT_GT(::send(s, half.data(), half.size(), 0), 0);
  timeval tv{5, 0};
  ::setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  const auto t0 = std::chrono::steady_clock::now();
  // The server gives up on the body after the 1 s read timeout: it answers 400 (or closes).
  char buf[512];
  const ssize_t n = ::recv(s, buf, sizeof buf, 0);
  const double waited = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  ::close(s);
  EXPECT_GE(n, 0) << "the server should answer or close within the read timeout, not hang";
  if (n > 0) EXPECT_EQ(std::string(buf, static_cast<std::size_t>(n)).substr(0, 12), "HTTP/1.1 400");
  EXPECT_GT(waited, 0.5);
  EXPECT_LT(waited, 4.0);  // slack for a loaded machine; the 5 s receive timeout above catches a hang
}

TEST_F(ReviewServerTest, ADisabledLoginLosesItsSession) {
  Login lan = LogIn("lan");
  ASSERT_EQ(Get(lan, "/api/me")->status, 200);
  auto store = store::Store::Open(db_, false);
  ASSERT_TRUE(store.ok());
  ASSERT_TRUE((*store)->SetUserDisabled("lan", true).ok());
  EXPECT_EQ(Get(lan, "/api/me")->status, 401);
}

TEST_F(ReviewServerTest, ItemsIngestedWhileServingShowUpWithoutRestart) {
  Login lan = LogIn("lan");
  // Clear the queue.
  for (int i = 0; i < 200; ++i) {
    auto r = Get(lan, "/api/review/next");
    if (r->status == 204) break;
    ASSERT_EQ(r->status, 200);
    Json item = Json::parse(r->body);
    ASSERT_EQ(Post(lan, "/api/review/items/" + std::to_string(item["id"].get<long long>()) + "/decision",
                   {{"illegible", true}, {"version", item["version"]}})->status, 200);
  }
  EXPECT_EQ(Get(lan, "/api/review/next")->status, 204);
  auto ingest = phieu::testing::Phieu("ingest --db " + db_.string() + " --review-blank-required -q -j 1 " +
                                      SurveyFixture::Get().late_stack.string());
  ASSERT_EQ(ingest.code, 0) << ingest.out;
  auto r = Get(lan, "/api/review/next");
  ASSERT_EQ(r->status, 200) << "the late stack should bring new items";
  EXPECT_GE(Json::parse(r->body)["serial"].get<long long>(), 101);
}

// Width and height of a baseline or progressive JPEG (its SOF marker); {0, 0} when none.
std::pair<int, int> JpegSize(const std::string& b) {
  std::size_t i = 2;
  while (i + 9 < b.size()) {
    if (static_cast<unsigned char>(b[i]) != 0xFF) return {0, 0};
    const unsigned char m = static_cast<unsigned char>(b[i + 1]);
    const int len = (static_cast<unsigned char>(b[i + 2]) << 8) | static_cast<unsigned char>(b[i + 3]);
    if (m == 0xC0 || m == 0xC1 || m == 0xC2) {
      const int h = (static_cast<unsigned char>(b[i + 5]) << 8) | static_cast<unsigned char>(b[i + 6]);
      const int w = (static_cast<unsigned char>(b[i + 7]) << 8) | static_cast<unsigned char>(b[i + 8]);
      return {w, h};
    }
    i += 2 + static_cast<std::size_t>(len);
  }
  return {0, 0};
}

// `phieu serve` itself: answers on its port, draws a scanned page for the Z view from the stored
// original (app/page_images.cpp), and stops cleanly on SIGTERM.
TEST(ServeCommandTest, ServesPageImagesAndStopsCleanlyOnSigterm) {
  auto& f = SurveyFixture::Get();
  ASSERT_EQ(f.error, "");
  const fs::path db = f.work / "serve.db";
  fs::copy_file(f.base_db, db, fs::copy_options::overwrite_existing);
  // A free port: bind 0, read it, close.
  int s = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::bind(s, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  socklen_t len = sizeof addr;
  ::getsockname(s, reinterpret_cast<sockaddr*>(&addr), &len);
  const int port = ntohs(addr.sin_port);
  ::close(s);

  pid_t pid = fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    const std::string port_arg = std::to_string(port);
    int null = ::open("/dev/null", O_WRONLY);
    dup2(null, 1);
    execl(phieu::testing::kPhieu.c_str(), "phieu", "serve", "--db", db.c_str(), "--port", port_arg.c_str(),
          static_cast<char*>(nullptr));
    _exit(127);
  }
  httplib::Client c("127.0.0.1", port);
  bool up = false;
  for (int i = 0; i < 200 && !up; ++i) {
    auto r = c.Get("/api/me");
    up = r && r->status == 401;
    if (!up) std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  EXPECT_TRUE(up);
  if (up) {
    auto login = c.Post("/api/login", Json{{"user", "lan"}, {"password", kPassword}}.dump(), "application/json");
    ASSERT_TRUE(login);
    ASSERT_EQ(login->status, 200);
    const std::string sc = login->get_header_value("Set-Cookie");
    httplib::Headers h{{"Cookie", sc.substr(0, sc.find(';'))}};
    auto next = c.Get("/api/review/next", h);
    ASSERT_EQ(next->status, 200);
    const std::string serial = std::to_string(Json::parse(next->body)["serial"].get<long long>());
    Json layout = Json::parse(c.Get(("/api/sheets/" + serial + "/layout").c_str(), h)->body);
    for (const auto& p : layout["pages"]) {
      auto img = c.Get(p["image"].get<std::string>().c_str(), h);
      ASSERT_TRUE(img);
      ASSERT_EQ(img->status, 200) << p["image"] << ": " << img->body.substr(0, 200);
      EXPECT_EQ(img->get_header_value("Content-Type"), "image/jpeg");
      // 4 px per mm of the printed page.
      const auto [w, h2] = JpegSize(img->body);
      EXPECT_NEAR(w, p["width_mm"].get<double>() * kPageImagePxPerMm, 1.0);
      EXPECT_NEAR(h2, p["height_mm"].get<double>() * kPageImagePxPerMm, 1.0);
    }
    EXPECT_EQ(c.Get(("/api/sheets/" + serial + "/pages/9").c_str(), h)->status, 404);
  }
  ::kill(pid, SIGTERM);
  int status = 0;
  for (int i = 0; i < 100; ++i) {
    if (waitpid(pid, &status, WNOHANG) == pid) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    if (i == 99) {
      ::kill(pid, SIGKILL);
      waitpid(pid, &status, 0);
      FAIL() << "phieu serve did not stop within 5 s of SIGTERM";
    }
  }
  EXPECT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 0);
}

}  // namespace
}  // namespace phieu::review::testing
