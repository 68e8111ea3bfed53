// Copyright 2026 The Phiếu Authors
// SPDX-License-Identifier: Apache-2.0
// Conflicts on the clerk's desk over HTTP (docs/api.md, "Clerk desk"; docs/conflicts.md): clerk
// or admin only, CSRF required, each resolution once (then 409), an audit row with the address.
#include "review_test_env.h"

namespace phieu::review::testing {
namespace {

/// Stores page 1 of the survey's first sheet again from a new file: a conflict. Its page id.
std::int64_t AddConflict(const fs::path& db) {
  auto s = store::Store::Open(db, false);
  EXPECT_TRUE(s.ok());
  auto sheets = (*s)->ListSheets(true);
  EXPECT_TRUE(sheets.ok() && !sheets->empty());
  const store::SheetRecord& sheet = sheets->front();
  const std::vector<unsigned char> bytes = {'r', 'e', 's', 'c', 'a', 'n'};
  auto file = (*s)->BeginScanFile(store::Sha256Hex(bytes), "lô 9/quét lại.png", bytes, 1);
  EXPECT_TRUE(file.ok());
  store::PageRecord page;
  page.file_id = file->file_id;
  page.status = "ok";
  page.key = {.template_id = sheet.template_id, .version = sheet.version, .page = 1, .serial = sheet.serial};
  page.anchors_found = 4;
  auto saved = (*s)->SavePage(page);
  EXPECT_TRUE(saved.ok());
  EXPECT_EQ(*saved, store::PageDisposition::kConflict);
  auto list = (*s)->ListConflicts(500);
  EXPECT_TRUE(list.ok() && !list->empty());
  return list->back().other.page_id;
}

TEST_F(ReviewServerTest, ConflictsAreForClerksAndEachIsSettledOnce) {
  const std::int64_t id = AddConflict(db_);
  const std::string resolve = "/api/desk/conflicts/" + std::to_string(id) + "/resolve";
  const std::string image = "/api/desk/pages/" + std::to_string(id) + "/image";
  Login admin = LogIn("admin"), reviewer = LogIn("lan"), clerk = LogIn("thu"), anonymous;
  EXPECT_EQ(Get(reviewer, "/api/desk/conflicts")->status, 403);
  EXPECT_EQ(Get(reviewer, image)->status, 403);
  EXPECT_EQ(Post(reviewer, resolve, {{"action", "keep_stored"}})->status, 403);
  EXPECT_EQ(Get(anonymous, "/api/desk/conflicts")->status, 401);
  EXPECT_EQ(Get(admin, "/api/desk/conflicts")->status, 200);
  // The fake page source draws no page by id: the server says so instead of failing.
  EXPECT_EQ(Get(clerk, image)->status, 503);

  auto listed = Get(clerk, "/api/desk/conflicts");
  ASSERT_EQ(listed->status, 200);
  const Json all = Json::parse(listed->body);
  Json mine;
  for (const auto& c : all["conflicts"])
    if (c["id"] == id) mine = c;
  ASSERT_FALSE(mine.is_null()) << listed->body;
  EXPECT_EQ(mine["other"]["file"], "quét lại.png");
  EXPECT_EQ(mine["other"]["folder"], "lô 9");
  EXPECT_FALSE(mine["stored"].is_null());
  EXPECT_TRUE(mine["same_template"].get<bool>());

  EXPECT_EQ(Post(clerk, resolve, {{"action", "keep_stored"}}, /*csrf=*/false)->status, 403);
  EXPECT_EQ(Post(clerk, resolve, {{"action", "keep_stored"}, {"sheet", 5}})->status, 400);
  EXPECT_EQ(Post(clerk, "/api/desk/conflicts/x/resolve", {{"action", "keep_stored"}})->status, 400);
  auto r = Post(clerk, resolve, {{"action", "keep_stored"}});
  ASSERT_EQ(r->status, 200) << r->body;
  EXPECT_EQ(Json::parse(r->body)["set_aside_page"], id);
  auto again = Post(admin, resolve, {{"action", "keep_other"}});
  EXPECT_EQ(again->status, 409);
  EXPECT_EQ(Json::parse(again->body)["code"], "stale");

  auto s = store::Store::Open(db_, false);
  ASSERT_TRUE(s.ok());
  auto audit = (*s)->ListAudit({.user = "thu"});
  ASSERT_TRUE(audit.ok());
  ASSERT_EQ(audit->size(), 1u);
  EXPECT_EQ(audit->front().entity, "conflict");
  EXPECT_EQ(audit->front().screen, "desk");
  EXPECT_EQ(audit->front().address, "127.0.0.1");
}

}  // namespace
}  // namespace phieu::review::testing
