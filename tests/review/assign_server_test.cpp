// Copyright 2026 The Phiếu Authors
// SPDX-License-Identifier: Apache-2.0
// The desk's hand on unidentified pages over HTTP (docs/api.md, "Clerk desk"): the full-size
// image, assign and set-aside are for a clerk or an admin (a reviewer gets 403, no session 401,
// no CSRF token 403); bad requests are 400 before anything runs; the pipeline's refusals map to
// 400/404/409/422; a set-aside is stored with its reason, listed and audited. The reading
// itself is the pipeline's (tests/pipeline/assign_test.cpp); here it is a fake.
#include "review_test_env.h"

namespace phieu::review::testing {
namespace {

/// A page ingest could not identify, stored in the survey; its id.
std::int64_t StoreUnidentifiedPage(const fs::path& db) {
  auto s = store::Store::Open(db, false);
  EXPECT_TRUE(s.ok());
  const std::vector<unsigned char> bytes = {'s', 'm', 'e', 'a', 'r', 'e', 'd'};
  auto file = (*s)->BeginScanFile(store::Sha256Hex(bytes), "lô 9/trang nhoè.png", bytes, 1);
  EXPECT_TRUE(file.ok());
  store::PageRecord page;
  page.file_id = file->file_id;
  page.status = "no_anchors";
  page.reason = "no QR anchor found";
  EXPECT_TRUE((*s)->SavePage(page).ok());
  auto pages = (*s)->ListUnidentifiedPages(1000);
  for (const auto& p : *pages)
    if (p.file_name == "trang nhoè.png") return p.page_id;
  return 0;
}

std::string AssignPath(std::int64_t id) { return "/api/desk/unidentified/" + std::to_string(id) + "/assign"; }
std::string AsidePath(std::int64_t id) { return "/api/desk/unidentified/" + std::to_string(id) + "/set-aside"; }

TEST_F(ReviewServerTest, AssignRoutesAreForClerksAndAdminsOnly) {
  Login admin = LogIn("admin"), reviewer = LogIn("lan"), clerk = LogIn("thu"), anonymous;
  const Json body = {{"serial", 101}, {"page", 1}};
  EXPECT_EQ(Get(reviewer, "/api/desk/unidentified/5/image")->status, 403);
  EXPECT_EQ(Post(reviewer, AssignPath(5), body)->status, 403);
  EXPECT_EQ(Post(reviewer, AsidePath(5), {{"reason", "x"}})->status, 403);
  EXPECT_EQ(Get(anonymous, "/api/desk/unidentified/5/image")->status, 401);
  EXPECT_EQ(Post(anonymous, AssignPath(5), body)->status, 401);
  EXPECT_EQ(Post(clerk, AssignPath(5), body, /*csrf=*/false)->status, 403);
  EXPECT_EQ(pages_->assign_calls, 0) << "nothing ran for a refused caller";
  EXPECT_EQ(Post(clerk, AssignPath(5), body)->status, 200);
  EXPECT_EQ(Post(admin, AssignPath(5), body)->status, 200);
  EXPECT_EQ(pages_->assign_calls, 2);
}

TEST_F(ReviewServerTest, AssignPassesTheRequestAndAnswersWhatTheReadingDid) {
  Login clerk = LogIn("thu");
  auto r = Post(clerk, AssignPath(42), {{"serial", 101}, {"page", 2},
                                        {"points", {{0.05, 0.04}, {0.95, 0.04}, {0.95, 0.96}, {0.05, 0.96}}}});
  ASSERT_EQ(r->status, 200) << r->body;
  EXPECT_EQ(pages_->last_assign_page, 42);
  EXPECT_EQ(pages_->last_assign.serial, 101);
  EXPECT_EQ(pages_->last_assign.page, 2);
  ASSERT_EQ(pages_->last_assign.anchor_centres.size(), 4u);
  EXPECT_DOUBLE_EQ(pages_->last_assign.anchor_centres[2].first, 0.95);
  EXPECT_DOUBLE_EQ(pages_->last_assign.anchor_centres[2].second, 0.96);
  EXPECT_EQ(pages_->last_assign.by.who, "thu");
  EXPECT_TRUE(pages_->lock_was_free) << "the route held the writer lock over the page's reading";
  EXPECT_EQ(pages_->last_assign.by.screen, "desk");
  EXPECT_FALSE(pages_->last_assign.by.address.empty());
  const Json j = Json::parse(r->body);
  EXPECT_EQ(j["status"], "ok");
  EXPECT_EQ(j["method"], "grid");
  EXPECT_EQ(j["readings"], 40);
  EXPECT_EQ(j["review_items_opened"], 2);
  EXPECT_DOUBLE_EQ(j["residual_mm"].get<double>(), 0.12);
  EXPECT_EQ(j["sheet"], "/api/sheets/101");
  // Without points: the grid.
  ASSERT_EQ(Post(clerk, AssignPath(42), {{"serial", 101}, {"page", 1}})->status, 200);
  EXPECT_TRUE(pages_->last_assign.anchor_centres.empty());
}

TEST_F(ReviewServerTest, AssignRefusesBadRequestsBeforeReading) {
  Login clerk = LogIn("thu");
  const std::vector<Json> bad = {
      Json::object(), {{"serial", 101}}, {{"page", 1}}, {{"serial", "101"}, {"page", 1}},
      {{"serial", -3}, {"page", 1}}, {{"serial", 101}, {"page", 0}}, {{"serial", 101}, {"page", 1.5}},
      {{"serial", 101}, {"page", 1}, {"points", {{0.1, 0.1}, {0.9, 0.1}, {0.9, 0.9}}}},
      {{"serial", 101}, {"page", 1}, {"points", {{0.1, 0.1}, {0.9, 0.1}, {0.9, 0.9}, {"a", 0.9}}}},
      {{"serial", 101}, {"page", 1}, {"points", "corners"}}};
  for (const Json& body : bad) {
    auto r = Post(clerk, AssignPath(7), body);
    EXPECT_EQ(r->status, 400) << body.dump() << " -> " << r->body;
    EXPECT_TRUE(Json::parse(r->body).contains("error"));
  }
  EXPECT_EQ(Post(clerk, "/api/desk/unidentified/x/assign", {{"serial", 1}, {"page", 1}})->status, 400);
  auto raw = Client()->Post(AssignPath(7).c_str(), Auth(clerk, true), "{not json", "application/json");
  EXPECT_EQ(raw->status, 400);
  EXPECT_EQ(pages_->assign_calls, 0);
}

TEST_F(ReviewServerTest, AssignMapsThePipelinesRefusals) {
  Login clerk = LogIn("thu");
  const Json body = {{"serial", 101}, {"page", 1}};
  const std::vector<std::pair<core::Error, int>> cases = {
      {{"not_found", "no stored page with id 7"}, 404},
      {{"invalid", "sheet 555 is not in this survey"}, 400},
      {{"identified", "page 7 is identified already (ok): only an unidentified page is assigned by hand"}, 409},
      {{"changed", "page 7 changed while it was being read (someone else assigned it or set it aside)"}, 409},
      {{"unaligned", "the box grid was not found: 2 of the page's 60 printed boxes matched"}, 422},
      {{"unreadable", "lô 9/trang nhoè.png, page 1: not a TIFF, PDF, JPEG or PNG file"}, 422},
  };
  for (const auto& [error, status] : cases) {
    pages_->assign_answer = error;
    auto r = Post(clerk, AssignPath(7), body);
    EXPECT_EQ(r->status, status) << error.message;
    EXPECT_EQ(Json::parse(r->body)["error"], error.message);
  }
}

TEST_F(ReviewServerTest, FullSizeImageOfAStoredPage) {
  Login clerk = LogIn("thu");
  auto r = Get(clerk, "/api/desk/unidentified/12/image");
  ASSERT_EQ(r->status, 200);
  EXPECT_EQ(r->get_header_value("Content-Type"), "image/jpeg");
  EXPECT_EQ(pages_->last_max_side, 2000);
  EXPECT_EQ(Get(clerk, "/api/desk/unidentified/12/image?max=800")->status, 200);
  EXPECT_EQ(pages_->last_max_side, 800);
  EXPECT_EQ(Get(clerk, "/api/desk/unidentified/12/image?max=9")->status, 400);
  EXPECT_EQ(Get(clerk, "/api/desk/unidentified/12/image?max=big")->status, 400);
  EXPECT_EQ(Get(clerk, "/api/desk/unidentified/999999/image")->status, 404);
  // The desk's list links it.
  const std::int64_t id = StoreUnidentifiedPage(db_);
  ASSERT_GT(id, 0);
  const Json pages = Json::parse(Get(clerk, "/api/desk/unidentified")->body)["pages"];
  bool linked = false;
  for (const auto& p : pages)
    if (p["id"] == id) linked = p["image"] == "/api/desk/unidentified/" + std::to_string(id) + "/image";
  EXPECT_TRUE(linked);
}

TEST_F(ReviewServerTest, SetAsideKeepsThePageListedWithTheReasonAndAudits) {
  const std::int64_t id = StoreUnidentifiedPage(db_);
  ASSERT_GT(id, 0);
  Login clerk = LogIn("thu");
  EXPECT_EQ(Post(clerk, AsidePath(id), Json::object())->status, 400);
  EXPECT_EQ(Post(clerk, AsidePath(id), {{"reason", " \n "}})->status, 400);
  EXPECT_EQ(Post(clerk, AsidePath(id), {{"reason", 5}})->status, 400);
  EXPECT_EQ(Post(clerk, AsidePath(id), {{"reason", std::string(1200, 'x')}})->status, 400);
  EXPECT_EQ(Post(clerk, AsidePath(999999), {{"reason", "x"}})->status, 404);
  // Decomposed Vietnamese comes back NFC.
  auto r = Post(clerk, AsidePath(id), {{"reason", "  Phie\xCC\x82\xCC\x81u cu\xCC\x89""a ti\xCC\x89nh kha\xCC\x81""c "}});
  ASSERT_EQ(r->status, 200) << r->body;
  EXPECT_EQ(Json::parse(r->body)["set_aside_reason"], "Phiếu của tỉnh khác");
  Json mine;
  const Json listed = Json::parse(Get(clerk, "/api/desk/unidentified")->body);
  for (const auto& p : listed["pages"])
    if (p["id"] == id) mine = p;
  ASSERT_FALSE(mine.is_null());
  EXPECT_EQ(mine["status"], "no_anchors") << "the page keeps its status";
  EXPECT_EQ(mine["set_aside"]["reason"], "Phiếu của tỉnh khác");
  EXPECT_EQ(mine["set_aside"]["by"], "thu");
  auto s = store::Store::Open(db_, false);
  ASSERT_TRUE(s.ok());
  auto rows = (*s)->ListAudit({});
  ASSERT_TRUE(rows.ok());
  ASSERT_FALSE(rows->empty());
  EXPECT_EQ(rows->front().entity, "page");
  EXPECT_EQ(rows->front().entity_id, std::to_string(id));
  EXPECT_EQ(rows->front().who, "thu");
  EXPECT_EQ(rows->front().screen, "desk");
  EXPECT_EQ(*rows->front().new_value, R"({"set_aside":"Phiếu của tỉnh khác"})");
}

}  // namespace
}  // namespace phieu::review::testing
