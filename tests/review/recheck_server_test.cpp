// Copyright 2026 The Phiếu Authors
// SPDX-License-Identifier: Apache-2.0
//
// The re-check endpoints over HTTP on a survey made by the real `phieu simulate` and `ingest`:
// the blind entry never carries a value of the sheet, the first reviewer gets nothing and 403,
// leases and versions give 409, roles and CSRF are checked, and an admin's settlement becomes
// the sheet's value with an audit row from the "recheck" screen.

#include <algorithm>
#include <chrono>
#include <set>
#include <thread>

#include "review_test_env.h"

namespace phieu::review::testing {
namespace {

class RecheckServerTest : public ReviewServerTest {
 protected:
  // lan clears the review queue and decides one box field of every complete sheet (keeping its
  // value); then every complete sheet is drawn. Returns the drawn serials.
  std::vector<core::Serial> LanDecidesThenDrawAll() {
    auto s = store::Store::Open(db_, false);
    EXPECT_TRUE(s.ok());
    // lan clears the queue (blank answers) so that the sheets are complete.
    auto items = (*s)->ListOpenReviewItems(10000);
    EXPECT_TRUE(items.ok());
    for (const auto& it : *items)
      EXPECT_TRUE((*s)->RecordDecision({.serial = it.serial, .field_id = it.field_id, .selected = {},
                                        .text = std::nullopt, .who = "lan"}).ok());
    auto sheets = (*s)->ListSheets(true);
    EXPECT_TRUE(sheets.ok());
    for (const auto& sheet : *sheets) {
      if (sheet.status != "complete" || sheet.selected.empty()) continue;
      const auto& [field, value] = *sheet.selected.begin();
      EXPECT_TRUE((*s)->RecordDecision({.serial = sheet.serial, .field_id = field, .selected = value,
                                        .text = std::nullopt, .who = "lan"}).ok());
    }
    auto d = (*s)->DrawRecheck({.share = 1.0, .per_unit = false, .seed = 4, .written = true,
                                .who = "admin"});
    EXPECT_TRUE(d.ok());
    return d.ok() ? d->serials : std::vector<core::Serial>{};
  }

  // A value for every field: option 1 of single/scale, nothing for multi, "7" for digits,
  // a Vietnamese text for text.
  static Json Values(const Json& sheet) {
    Json v = Json::object();
    for (const auto& f : sheet["fields"]) {
      const std::string kind = f["kind"];
      if (kind == "single" || kind == "scale") v[f["id"].get<std::string>()] = f["options"][0]["value"];
      else if (kind == "multi") v[f["id"].get<std::string>()] = Json::array();
      else if (kind == "digits") v[f["id"].get<std::string>()] = "7";
      else v[f["id"].get<std::string>()] = "Nhập lại: tốt";
    }
    return v;
  }
};

// Every key anywhere in `j` (object keys, recursively).
void Keys(const Json& j, std::set<std::string>& out) {
  if (j.is_object())
    for (auto it = j.begin(); it != j.end(); ++it) {
      out.insert(it.key());
      Keys(it.value(), out);
    }
  if (j.is_array())
    for (const auto& x : j) Keys(x, out);
}

TEST_F(RecheckServerTest, BlindEntryNeverShowsTheFirstValues) {
  auto drawn = LanDecidesThenDrawAll();
  ASSERT_FALSE(drawn.empty());
  const Login minh = LogIn("minh");
  auto r = Get(minh, "/api/recheck/next");
  ASSERT_TRUE(r);
  ASSERT_EQ(r->status, 200) << r->body;
  const Json sheet = Json::parse(r->body);
  EXPECT_EQ(sheet["serial"], drawn.front());
  EXPECT_EQ(sheet["lease"]["owner"], "minh");
  ASSERT_GT(sheet["fields"].size(), 5u);
  // Exactly these keys, at every level: no reading, decision, value, box state or confidence.
  std::set<std::string> keys;
  Keys(sheet, keys);
  EXPECT_EQ(keys, (std::set<std::string>{"serial", "template_id", "template_version", "unit",
                                         "version", "status", "lease", "owner", "until", "fields",
                                         "id", "kind", "page", "question_id", "question",
                                         "options", "value", "label", "box_mm", "max", "cells_mm",
                                         "area_mm"}));
  // "value" appears only as an option's printed value.
  for (const auto& f : sheet["fields"]) {
    std::set<std::string> field_keys;
    for (auto it = f.begin(); it != f.end(); ++it) field_keys.insert(it.key());
    EXPECT_EQ(field_keys.count("value"), 0u);
    for (const auto& o : f["options"]) EXPECT_EQ(o.size(), 3u);
  }
  // The same for a sheet asked by serial.
  auto by_serial = Get(minh, "/api/recheck/sheets/" + std::to_string(drawn.front()));
  ASSERT_EQ(by_serial->status, 200);
  std::set<std::string> keys2;
  Keys(Json::parse(by_serial->body), keys2);
  EXPECT_EQ(keys2, keys);
}

// Issue 16: a reviewer who may still enter a drawn sheet blind gets none of its values from any
// route (the sheet, its layout, its readings, an item, a field's history, the group screens, a
// correction); its first reviewer still does, and the entrant does once the entry is in.
TEST_F(RecheckServerTest, ABlindEntrantGetsNoValueOfTheSheetFromAnyRoute) {
  auto drawn = LanDecidesThenDrawAll();
  ASSERT_FALSE(drawn.empty());
  const core::Serial serial = drawn.front();
  const std::string s = std::to_string(serial);
  const Login minh = LogIn("minh");
  const Login lan = LogIn("lan");
  // A field of the sheet and a (resolved) item of it, found as lan, who decided them.
  const Json fields = Json::parse(Get(lan, "/api/sheets/" + s + "/fields")->body)["fields"];
  ASSERT_FALSE(fields.empty());
  // A field the machine accepted (no item, no decision): on the spot-check screen.
  std::string field;
  Json reading;
  long long item = 0;
  for (const auto& f : fields) {
    if (!f["item"].is_null()) item = f["item"]["id"].get<long long>();
    if (field.empty() && f["item"].is_null() && f["decided"].is_null()) field = f["field"], reading = f;
  }
  ASSERT_FALSE(field.empty());
  std::vector<std::string> paths = {"/api/sheets/" + s, "/api/sheets/" + s + "/layout",
                                    "/api/sheets/" + s + "/fields", "/api/fields/" + s + "/" + field + "/history"};
  if (item) paths.push_back("/api/review/items/" + std::to_string(item));
  for (const auto& p : paths) {
    auto r = Get(minh, p);
    EXPECT_EQ(r->status, 403) << p << ": " << r->body;
    EXPECT_EQ(Json::parse(r->body)["code"], "blind") << p;
    EXPECT_EQ(r->body.find("\"value\""), std::string::npos) << p;
    EXPECT_EQ(Get(lan, p)->status, 200) << p << " (the first reviewer)";
  }
  auto fix = Post(minh, "/api/sheets/" + s + "/fields/" + field + "/decision", {{"value", nullptr}});
  EXPECT_EQ(fix->status, 403) << fix->body;
  // The group screens leave the sheet out for minh, not for lan: a spot-check screen that
  // shows lan the sheet shows minh the others only.
  const Json groups = Json::parse(Get(lan, "/api/group/fields")->body)["fields"];
  bool compared = false;
  for (const auto& g : groups) {
    if (g["accepted"].get<int>() == 0) continue;
    const std::string path = "/api/group/readings?template=" + g["template"].get<std::string>() + "&version=" +
                             std::to_string(g["version"].get<int>()) + "&field=" + g["field"].get<std::string>() +
                             "&mode=accepted";
    const Json to_lan = Json::parse(Get(lan, path)->body)["readings"];
    if (std::none_of(to_lan.begin(), to_lan.end(), [&](const Json& x) { return x["serial"] == serial; })) continue;
    // minh sees lan's readings less those of every drawn sheet (all waiting for his entry).
    std::vector<long long> expected, got;
    for (const auto& x : to_lan)
      if (std::find(drawn.begin(), drawn.end(), x["serial"].get<long long>()) == drawn.end())
        expected.push_back(x["serial"].get<long long>());
    for (const auto& x : Json::parse(Get(minh, path)->body)["readings"]) got.push_back(x["serial"].get<long long>());
    EXPECT_EQ(got, expected) << path;
    compared = true;
    break;
  }
  EXPECT_TRUE(compared) << "no spot-check screen shows lan sheet " << serial;
  // A confirmation naming one of its readings is refused for that entry.
  auto confirm = Post(minh, "/api/group/confirm",
                      {{"entries", Json::array({{{"reading_id", reading["reading_id"]}, {"value", reading["machine"]}}})}});
  ASSERT_EQ(confirm->status, 200) << confirm->body;
  EXPECT_EQ(Json::parse(confirm->body)["results"][0]["status"], "not_found");
  // Once minh's entry is in, the sheet is his to see like any other.
  const Json sheet = Json::parse(Get(minh, "/api/recheck/sheets/" + s)->body);
  auto entry = Post(minh, "/api/recheck/sheets/" + s + "/entry", {{"version", sheet["version"]}, {"values", Values(sheet)}});
  ASSERT_EQ(entry->status, 200) << entry->body;
  for (const auto& p : paths) EXPECT_EQ(Get(minh, p)->status, 200) << p;
}

TEST_F(RecheckServerTest, FirstReviewerGetsNothingAnd403) {
  auto drawn = LanDecidesThenDrawAll();
  ASSERT_FALSE(drawn.empty());
  const Login lan = LogIn("lan");
  auto next = Get(lan, "/api/recheck/next");
  ASSERT_TRUE(next);
  EXPECT_EQ(next->status, 204) << next->body;  // she decided a field of every drawn sheet
  const std::string path = "/api/recheck/sheets/" + std::to_string(drawn.front());
  auto get = Get(lan, path);
  EXPECT_EQ(get->status, 403);
  EXPECT_EQ(Json::parse(get->body)["code"], "first_reviewer");
  auto post = Post(lan, path + "/entry", {{"version", 1}, {"values", Json::object()}});
  EXPECT_EQ(post->status, 403);
}

TEST_F(RecheckServerTest, EntryLeaseVersionRolesAndCsrf) {
  auto drawn = LanDecidesThenDrawAll();
  ASSERT_FALSE(drawn.empty());
  const Login minh = LogIn("minh"), admin = LogIn("admin"), thu = LogIn("thu");
  EXPECT_EQ(Client()->Get("/api/recheck/next")->status, 401);
  EXPECT_EQ(Get(thu, "/api/recheck/next")->status, 403);  // a clerk does not re-check
  const Json sheet = Json::parse(Get(minh, "/api/recheck/next")->body);
  const std::string path = "/api/recheck/sheets/" + std::to_string(sheet["serial"].get<long long>());
  const Json values = Values(sheet);
  const int version = sheet["version"];
  EXPECT_EQ(Post(minh, path + "/entry", {{"version", version}, {"values", values}}, false)->status, 403);
  auto foreign = Post(admin, path + "/entry", {{"version", version}, {"values", values}});
  EXPECT_EQ(foreign->status, 409);
  EXPECT_EQ(Json::parse(foreign->body)["code"], "leased");
  auto stale = Post(minh, path + "/entry", {{"version", version + 1}, {"values", values}});
  EXPECT_EQ(stale->status, 409);
  EXPECT_EQ(Json::parse(stale->body)["code"], "stale");
  Json missing = values;
  missing.erase(missing.begin());
  EXPECT_EQ(Post(minh, path + "/entry", {{"version", version}, {"values", missing}})->status, 400);
  auto ok = Post(minh, path + "/entry", {{"version", version}, {"values", values}});
  ASSERT_EQ(ok->status, 200) << ok->body;
  EXPECT_EQ(Json::parse(ok->body).dump(),
            Json({{"serial", sheet["serial"]}, {"version", version + 1}, {"status", "entered"}}).dump());
  EXPECT_EQ(Post(minh, path + "/entry", {{"version", version}, {"values", values}})->status, 409);
  // The next sheet is another one.
  const Json second = Json::parse(Get(minh, "/api/recheck/next")->body);
  ASSERT_GT(drawn.size(), 1u);
  EXPECT_NE(second["serial"], sheet["serial"]);
}

TEST_F(RecheckServerTest, AdminSettlesADisagreementIntoTheSheet) {
  auto drawn = LanDecidesThenDrawAll();
  ASSERT_FALSE(drawn.empty());
  const Login minh = LogIn("minh"), admin = LogIn("admin");
  const Json sheet = Json::parse(Get(minh, "/api/recheck/next")->body);
  const auto serial = sheet["serial"].get<long long>();
  const std::string path = "/api/recheck/sheets/" + std::to_string(serial);
  ASSERT_EQ(Post(minh, path + "/entry", {{"version", sheet["version"]}, {"values", Values(sheet)}})->status, 200);

  EXPECT_EQ(Get(minh, "/api/recheck/disagreements")->status, 403);  // admin only
  auto list = Get(admin, "/api/recheck/disagreements");
  ASSERT_EQ(list->status, 200);
  const Json all = Json::parse(list->body)["disagreements"];
  ASSERT_FALSE(all.empty());  // "7" and the typed text differ from the simulated answers at least
  const Json d = all[0];
  EXPECT_EQ(d["blind_who"], "minh");
  EXPECT_EQ(d["equal"], false);
  EXPECT_TRUE(d["settled"].is_null());
  const std::string field = d["field"];
  const std::string settle = "/api/recheck/disagreements/" + std::to_string(serial) + "/" + field + "/settle";
  Json body = d["blind"]["illegible"] == true ? Json{{"illegible", true}} : Json{{"value", d["blind"]["value"]}};
  EXPECT_EQ(Post(minh, settle, body)->status, 403);
  EXPECT_EQ(Post(admin, settle, body, false)->status, 403);  // CSRF
  auto ok = Post(admin, settle, body);
  ASSERT_EQ(ok->status, 200) << ok->body;
  EXPECT_EQ(Json::parse(ok->body)["settled_by"], "admin");
  EXPECT_EQ(Post(admin, settle, body)->status, 409);  // settled already

  // The sheet holds the settled value, and the field's history says who, where, what.
  {
    auto s = store::Store::Open(db_, false);
    ASSERT_TRUE(s.ok());
    auto rec = (*s)->GetSheet(serial);
    ASSERT_TRUE(rec.ok() && rec->has_value());
    const Json& v = d["blind"]["value"];
    const std::string kind = d["kind"];
    if (d["blind"]["illegible"] == true) {
      EXPECT_EQ(std::count((*rec)->illegible.begin(), (*rec)->illegible.end(), field), 1);
    } else if (kind == "digits" || kind == "text") {
      EXPECT_EQ((*rec)->text.at(field), v.is_null() ? std::nullopt : std::optional<std::string>(v.get<std::string>()));
    } else {
      std::vector<std::string> want;
      if (v.is_array()) for (const auto& x : v) want.push_back(x);
      else if (!v.is_null()) want.push_back(v);
      EXPECT_EQ((*rec)->selected.at(field), want);
    }
  }
  const Json hist = Json::parse(Get(admin, "/api/fields/" + std::to_string(serial) + "/" + field + "/history")->body);
  ASSERT_FALSE(hist["rows"].empty());
  EXPECT_EQ(hist["rows"][0]["who"], "admin");
  EXPECT_EQ(hist["rows"][0]["screen"], "recheck");

  auto report = Get(minh, "/api/recheck/report");
  ASSERT_EQ(report->status, 200);
  const Json r = Json::parse(report->body);
  EXPECT_EQ(r["sheets_entered"], 1);
  EXPECT_EQ(r["fields"], sheet["fields"].size());
  EXPECT_EQ(r["disagreements_settled"], 1);
  EXPECT_EQ(r["equal"].get<int>() + static_cast<int>(all.size()), r["fields"].get<int>());
  EXPECT_EQ(r["residual"].size(), 3u);
  EXPECT_EQ(r["draws"][0]["seed"], "4");
}

}  // namespace
}  // namespace phieu::review::testing

namespace phieu::review::testing {
namespace {

// The desk's speed figures: lan decides 3 items now, so her pace is (3 - 1) over the span of
// her decisions, the queue is what is left open, and the time left is the queue over the pace.
TEST_F(ReviewServerTest, DeskSpeedFromTheAudit) {
  const Login lan = LogIn("lan"), thu = LogIn("thu");
  for (int i = 0; i < 3; ++i) {
    const Json item = Json::parse(Get(lan, "/api/review/next")->body);
    ASSERT_EQ(Post(lan, "/api/review/items/" + std::to_string(item["id"].get<long long>()) + "/decision",
                   {{"value", nullptr}, {"version", item["version"]}})->status, 200);
    std::this_thread::sleep_for(std::chrono::milliseconds(30));
  }
  const int open = Json::parse(Get(lan, "/api/review/queue")->body)["open"];
  auto r = Get(thu, "/api/desk/speed");  // the desk: a clerk may see it
  ASSERT_EQ(r->status, 200) << r->body;
  const Json s = Json::parse(r->body);
  EXPECT_EQ(s["window_minutes"], 60);
  EXPECT_EQ(s["queue_left"], open);
  ASSERT_EQ(s["reviewers"].size(), 1u);
  const Json& p = s["reviewers"][0];
  EXPECT_EQ(p["who"], "lan");
  EXPECT_EQ(p["decisions"], 3);
  const double pace = p["items_per_hour"];
  EXPECT_GT(pace, 0.0);
  EXPECT_DOUBLE_EQ(s["items_per_hour"].get<double>(), pace);
  EXPECT_NEAR(s["hours_left"].get<double>(), open / pace, 1e-9);
  EXPECT_EQ(Get(thu, "/api/desk/speed?window=0")->status, 400);
  EXPECT_EQ(Client()->Get("/api/desk/speed")->status, 401);
}

}  // namespace
}  // namespace phieu::review::testing
