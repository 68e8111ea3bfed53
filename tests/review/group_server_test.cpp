// Copyright 2026 The Phiếu Authors
// SPDX-License-Identifier: Apache-2.0
// Group verification and the sheet view over HTTP (docs/api.md): the groups and their counts,
// a screen of readings, one confirmation writing one audit row per crop (screen "group"), the
// spot check of accepted readings, crops cut again from the original, a correction of any
// field from the sheet view (screen "sheet"), CSRF and bad input.
#include <algorithm>
#include <set>

#include "review_test_env.h"

namespace phieu::review::testing {
namespace {

constexpr int kGroupScreen = 48;  // docs/api.md: at most 48 crops on a screen.

class GroupServerTest : public ReviewServerTest {
 protected:
  /// The field with the most open items (a group worth verifying).
  Json BusiestField(const Login& l, const char* count) {
    auto r = Get(l, "/api/group/fields");
    EXPECT_EQ(r->status, 200) << r->body;
    const Json all = Json::parse(r->body);
    Json best;
    for (const auto& f : all["fields"])
      if (best.is_null() || f[count].get<int>() > best[count].get<int>()) best = f;
    return best;
  }
  std::string ReadingsPath(const Json& f, const char* mode) {
    return "/api/group/readings?template=" + f["template"].get<std::string>() +
           "&version=" + std::to_string(f["version"].get<int>()) + "&field=" + f["field"].get<std::string>() +
           "&mode=" + mode;
  }
  std::vector<store::AuditRow> Audit(const std::string& user) {
    auto s = store::Store::Open(db_, false);
    EXPECT_TRUE(s.ok());
    store::AuditFilter f;
    f.user = user;
    auto rows = (*s)->ListAudit(f);
    EXPECT_TRUE(rows.ok());
    return *rows;
  }
  /// Confirms every reading of a screen with the machine's value.
  Json ConfirmAll(const Login& l, const Json& readings) {
    Json entries = Json::array();
    for (const auto& r : readings) {
      Json e = {{"reading_id", r["reading_id"]}, {"value", r["machine"]}};
      if (!r["item"].is_null()) e["version"] = r["item"]["version"];
      entries.push_back(e);
    }
    auto res = Post(l, "/api/group/confirm", {{"entries", entries}});
    EXPECT_EQ(res->status, 200) << res->body;
    return Json::parse(res->body);
  }
};

TEST_F(GroupServerTest, OneConfirmationWritesOneAuditRowPerCropAndClosesTheItems) {
  Login lan = LogIn("lan");
  Json f = BusiestField(lan, "open");
  ASSERT_GT(f["open"].get<int>(), 1) << f.dump();
  auto r = Get(lan, ReadingsPath(f, "open"));
  ASSERT_EQ(r->status, 200) << r->body;
  Json readings = Json::parse(r->body)["readings"];
  ASSERT_EQ(static_cast<int>(readings.size()), std::min(f["open"].get<int>(), kGroupScreen));
  std::set<long long> serials;
  for (const auto& x : readings) {
    EXPECT_EQ(x["field"], f["field"]);
    EXPECT_EQ(x["item"]["status"], "open");
    serials.insert(x["serial"].get<long long>());
  }
  EXPECT_EQ(serials.size(), readings.size()) << "one crop per sheet";

  // The odd one out gets another value (a blank), the rest the machine's (a digit the machine
  // could not read, "?", read by the reviewer as 1).
  Json entries = Json::array();
  for (std::size_t i = 0; i < readings.size(); ++i) {
    const auto& x = readings[i];
    Json v = x["machine"];
    if (v.is_string()) {
      std::string t = v;
      for (char& ch : t)
        if (ch == '?') ch = '1';
      v = t;
    }
    if (i == 0) v = x["kind"] == "multi" ? Json::array() : Json(nullptr);
    entries.push_back({{"reading_id", x["reading_id"]}, {"value", v}, {"version", x["item"]["version"]}});
  }
  auto c = Post(lan, "/api/group/confirm", {{"entries", entries}});
  ASSERT_EQ(c->status, 200) << c->body;
  Json out = Json::parse(c->body);
  EXPECT_EQ(out["recorded"].get<int>(), static_cast<int>(readings.size())) << c->body;

  auto rows = Audit("lan");
  int group_rows = 0;
  for (const auto& a : rows) {
    if (a.screen != "group") continue;
    ++group_rows;
    EXPECT_EQ(a.entity, "decision");
    EXPECT_NE(a.entity_id.find("/" + f["field"].get<std::string>()), std::string::npos) << a.entity_id;
  }
  EXPECT_EQ(group_rows, static_cast<int>(readings.size()));
  // Those items are no longer open: the group is empty (or shows the next ones only).
  Json after = Json::parse(Get(lan, ReadingsPath(f, "open"))->body)["readings"];
  for (const auto& x : after)
    for (const auto& y : readings) EXPECT_NE(x["reading_id"], y["reading_id"]);
  // Confirming the same screen again is stale, not a second decision.
  auto again_r = Post(lan, "/api/group/confirm", {{"entries", entries}});
  ASSERT_EQ(again_r->status, 200);
  Json again = Json::parse(again_r->body);
  EXPECT_EQ(again["recorded"].get<int>(), 0);
  EXPECT_EQ(again["results"][0]["status"], "stale");
}

TEST_F(GroupServerTest, SpotCheckOfAcceptedReadingsAuditsEachAndCutsCropsFromTheOriginal) {
  Login minh = LogIn("minh");
  Json f = BusiestField(minh, "accepted");
  ASSERT_GT(f["accepted"].get<int>(), 2);
  Json readings = Json::parse(Get(minh, ReadingsPath(f, "accepted"))->body)["readings"];
  ASSERT_FALSE(readings.empty());
  for (const auto& x : readings) {
    EXPECT_TRUE(x["item"].is_null());
    EXPECT_TRUE(x["decided"].is_null());
  }
  // An accepted reading kept no crop: it is cut again from the stored original.
  const int before = pages_->region_calls;
  auto crop = Get(minh, "/api/readings/" + std::to_string(readings[0]["reading_id"].get<long long>()) + "/crop");
  ASSERT_EQ(crop->status, 200) << crop->body;
  EXPECT_EQ(crop->get_header_value("Content-Type"), "image/png");
  EXPECT_EQ(pages_->region_calls, before + 1);

  Json out = ConfirmAll(minh, readings);
  EXPECT_EQ(out["recorded"].get<int>(), static_cast<int>(readings.size()));
  int group_rows = 0;
  for (const auto& a : Audit("minh")) group_rows += a.screen == "group";
  EXPECT_EQ(group_rows, static_cast<int>(readings.size()));
  // Confirmed means decided: they leave the spot-check group.
  auto fields = Json::parse(Get(minh, "/api/group/fields")->body)["fields"];
  auto x = std::find_if(fields.begin(), fields.end(), [&](const Json& g) { return g["field"] == f["field"]; });
  ASSERT_NE(x, fields.end()) << "the spot-checked field still has accepted readings";
  EXPECT_EQ((*x)["accepted"].get<int>(), f["accepted"].get<int>() - static_cast<int>(readings.size()));
}

TEST_F(GroupServerTest, ConfirmNeedsCsrfAndRefusesBadEntries) {
  Login lan = LogIn("lan");
  Json f = BusiestField(lan, "open");
  Json readings = Json::parse(Get(lan, ReadingsPath(f, "open"))->body)["readings"];
  ASSERT_FALSE(readings.empty());
  Json entry = {{"reading_id", readings[0]["reading_id"]}, {"value", readings[0]["machine"]},
                {"version", readings[0]["item"]["version"]}};
  EXPECT_EQ(Post(lan, "/api/group/confirm", {{"entries", {entry}}}, /*csrf=*/false)->status, 403);
  EXPECT_EQ(Post(lan, "/api/group/confirm", {{"entries", Json::array()}})->status, 400);
  Json too_many = Json::array();
  for (int i = 0; i < kGroupScreen + 1; ++i) too_many.push_back(entry);
  EXPECT_EQ(Post(lan, "/api/group/confirm", {{"entries", too_many}})->status, 400);
  Json no_version = entry;
  no_version.erase("version");
  EXPECT_EQ(Post(lan, "/api/group/confirm", {{"entries", {no_version}}})->status, 400);
  // A value that does not fit refuses that entry only.
  if (readings.size() > 1) {
    Json bad = {{"reading_id", readings[0]["reading_id"]}, {"value", Json::array({"no", "such"})},
                {"version", readings[0]["item"]["version"]}};
    Json good = {{"reading_id", readings[1]["reading_id"]}, {"illegible", true},
                 {"version", readings[1]["item"]["version"]}};
    auto r = Post(lan, "/api/group/confirm", {{"entries", {bad, good}}});
    ASSERT_EQ(r->status, 200) << r->body;
    Json out = Json::parse(r->body);
    EXPECT_EQ(out["results"][0]["status"], "invalid");
    EXPECT_EQ(out["results"][1]["status"], "recorded");
    EXPECT_EQ(out["recorded"], 1);
  }
  EXPECT_EQ(Get(lan, "/api/group/readings?template=sipas&version=1&field=x&mode=all")->status, 400);
  EXPECT_EQ(Get(lan, "/api/group/readings?template=sipas&version=1&field=a%2Fb&mode=open")->status, 400);
  EXPECT_EQ(Get(lan, "/api/readings/999999999/crop")->status, 404);
  int group_rows = 0;
  for (const auto& a : Audit("lan")) group_rows += a.screen == "group";
  EXPECT_EQ(group_rows, readings.size() > 1 ? 1 : 0) << "nothing refused was stored";
}

TEST_F(GroupServerTest, SheetViewCorrectsAnyFieldWithAnAuditRow) {
  Login lan = LogIn("lan");
  Json f = BusiestField(lan, "accepted");
  Json readings = Json::parse(Get(lan, ReadingsPath(f, "accepted"))->body)["readings"];
  ASSERT_FALSE(readings.empty());
  const std::string serial = std::to_string(readings[0]["serial"].get<long long>());
  auto r = Get(lan, "/api/sheets/" + serial + "/fields");
  ASSERT_EQ(r->status, 200);
  Json fields = Json::parse(r->body)["fields"];
  ASSERT_GT(fields.size(), 5u);
  // An accepted box field (no review item): corrected from the sheet view.
  Json target;
  for (const auto& x : fields)
    if (x["item"].is_null() && (x["kind"] == "single" || x["kind"] == "scale") && x["boxes"].size() > 1) {
      target = x;
      break;
    }
  ASSERT_FALSE(target.is_null());
  std::string other;
  for (const auto& b : target["boxes"])
    if (Json(b["value"]) != target["machine"]) other = b["value"];
  const std::string path = "/api/sheets/" + serial + "/fields/" + target["field"].get<std::string>() + "/decision";
  EXPECT_EQ(Post(lan, path, {{"value", other}}, /*csrf=*/false)->status, 403);
  EXPECT_EQ(Post(lan, path, {{"value", "no such option"}})->status, 400);
  auto d = Post(lan, path, {{"value", other}});
  ASSERT_EQ(d->status, 200) << d->body;
  EXPECT_EQ(Json::parse(d->body)["decided"]["value"], other);
  auto sheet = Json::parse(Get(lan, "/api/sheets/" + serial)->body);
  EXPECT_NE(sheet.dump().find(other), std::string::npos);
  auto hist = Json::parse(Get(lan, "/api/fields/" + serial + "/" + target["field"].get<std::string>() + "/history")->body);
  ASSERT_EQ(hist["rows"].size(), 1u);
  EXPECT_EQ(hist["rows"][0]["screen"], "sheet");
  EXPECT_EQ(Post(lan, "/api/sheets/" + serial + "/fields/no_such_field/decision", {{"value", other}})->status, 404);
}

// Issue 16 (leases): a group screen leases the open items it shows, as the one-item screen
// leases its item, so two reviewers on the same question get disjoint screens; the one-item
// screen does not hand them out either; a release (leaving the screen) frees them.
TEST_F(GroupServerTest, TwoReviewersOnOneQuestionGetDisjointScreens) {
  Login lan = LogIn("lan");
  Login minh = LogIn("minh");
  Json f = BusiestField(lan, "open");
  const int open = f["open"].get<int>();
  ASSERT_GT(open, 1) << f.dump();
  Json a = Json::parse(Get(lan, ReadingsPath(f, "open"))->body)["readings"];
  ASSERT_EQ(static_cast<int>(a.size()), std::min(open, kGroupScreen));
  std::set<long long> lan_items;
  for (const auto& x : a) {
    EXPECT_EQ(x["item"]["lease_owner"], "lan");
    lan_items.insert(x["item"]["id"].get<long long>());
  }
  // The same question for minh: only what lan's screen does not hold.
  Json b = Json::parse(Get(minh, ReadingsPath(f, "open"))->body)["readings"];
  EXPECT_EQ(static_cast<int>(b.size()), std::min(open - static_cast<int>(a.size()), kGroupScreen));
  for (const auto& x : b) EXPECT_EQ(lan_items.count(x["item"]["id"].get<long long>()), 0u) << x.dump();
  // lan's screen again (a reload): the same items, still hers.
  Json again = Json::parse(Get(lan, ReadingsPath(f, "open"))->body)["readings"];
  EXPECT_EQ(again.size(), a.size());
  // The one-item screen gives minh none of them either.
  for (;;) {
    auto n = Get(minh, "/api/review/next");
    if (n->status == 204) break;
    ASSERT_EQ(n->status, 200) << n->body;
    const Json item = Json::parse(n->body);
    EXPECT_EQ(lan_items.count(item["id"].get<long long>()), 0u) << "item " << item["id"] << " is on lan's group screen";
    // minh decides it (so that the loop moves on).
    Json value = item["kind"] == "multi" ? Json::array() : Json(nullptr);
    ASSERT_EQ(Post(minh, "/api/review/items/" + std::to_string(item["id"].get<long long>()) + "/decision",
                   {{"value", value}, {"version", item["version"]}})->status, 200);
  }
  // minh cannot confirm what lan's screen holds.
  Json entry = {{"reading_id", a[0]["reading_id"]}, {"illegible", true}, {"version", a[0]["item"]["version"]}};
  auto refused = Post(minh, "/api/group/confirm", {{"entries", Json::array({entry})}});
  ASSERT_EQ(refused->status, 200) << refused->body;
  EXPECT_EQ(Json::parse(refused->body)["results"][0]["status"], "leased");
  // lan leaves the screen: her items are free, minh's screen now shows them.
  Json ids = Json::array();
  for (long long id : lan_items) ids.push_back(id);
  EXPECT_EQ(Post(lan, "/api/group/release", {{"items", ids}}, /*csrf=*/false)->status, 403);
  EXPECT_EQ(Post(lan, "/api/group/release", {{"items", "all"}})->status, 400);
  Json many = Json::array();
  for (int i = 1; i <= 3 * kGroupScreen + 1; ++i) many.push_back(1000000 + i);
  EXPECT_EQ(Post(lan, "/api/group/release", {{"items", many}})->status, 400) << "at most three screens";
  many.erase(many.end() - 1);
  EXPECT_EQ(Post(lan, "/api/group/release", {{"items", many}})->status, 204);
  ASSERT_EQ(Post(lan, "/api/group/release", {{"items", ids}})->status, 204);
  Json c = Json::parse(Get(minh, ReadingsPath(f, "open"))->body)["readings"];
  std::set<long long> minh_items;
  for (const auto& x : c) minh_items.insert(x["item"]["id"].get<long long>());
  for (long long id : lan_items) EXPECT_EQ(minh_items.count(id), 1u) << id;
}

// Issue 16: a lease ends by itself, so a screen someone walked away from comes back.
TEST_F(GroupServerTest, AGroupLeaseExpires) {
  Login lan = LogIn("lan");
  Json f = BusiestField(lan, "open");
  Json a = Json::parse(Get(lan, ReadingsPath(f, "open"))->body)["readings"];
  ASSERT_FALSE(a.empty());
  auto s = store::Store::Open(db_, false);
  ASSERT_TRUE(s.ok());
  store::FieldReadingQuery q;
  q.template_id = f["template"];
  q.version = f["version"];
  q.field_id = f["field"];
  q.mode = store::FieldReadingQuery::Mode::kOpen;
  q.user = "minh";
  auto none = (*s)->LeaseFieldReadings(q, 60);
  ASSERT_TRUE(none.ok());
  EXPECT_EQ(none->size() + a.size(), static_cast<std::size_t>(f["open"].get<int>()));
  // lan's leases, made to have run out.
  auto expired = (*s)->LeaseFieldReadings([&] { auto l = q; l.user = "lan"; return l; }(), -1);
  ASSERT_TRUE(expired.ok());
  auto all = (*s)->LeaseFieldReadings(q, 60);
  ASSERT_TRUE(all.ok());
  EXPECT_EQ(all->size(), static_cast<std::size_t>(std::min(f["open"].get<int>(), kGroupScreen)));
}

}  // namespace
}  // namespace phieu::review::testing
