// Copyright 2026 The Phiếu Authors
// SPDX-License-Identifier: Apache-2.0
// The clerk's desk over HTTP (docs/api.md, "Clerk desk"): clerk or admin only (a reviewer gets
// 403), unidentified pages with their reason and kept thumbnail, sheets missing pages by unit
// (one page of a late sheet ingested while the server runs), progress per unit.
#include "review_test_env.h"

namespace phieu::review::testing {
namespace {

const char* const kDeskPaths[] = {"/api/desk/unidentified", "/api/desk/missing", "/api/desk/progress"};

TEST_F(ReviewServerTest, DeskIsForClerksAndAdminsOnly) {
  Login admin = LogIn("admin"), reviewer = LogIn("lan"), clerk = LogIn("thu"), anonymous;
  for (const char* path : kDeskPaths) {
    EXPECT_EQ(Get(clerk, path)->status, 200) << path;
    EXPECT_EQ(Get(admin, path)->status, 200) << path;
    EXPECT_EQ(Get(reviewer, path)->status, 403) << path;
    EXPECT_EQ(Get(anonymous, path)->status, 401) << path;
  }
  EXPECT_EQ(Get(reviewer, "/api/desk/unidentified/1/thumbnail")->status, 403);
  // And the reviewer's new screens stay closed to a clerk.
  EXPECT_EQ(Get(clerk, "/api/group/fields")->status, 403);
  EXPECT_EQ(Get(clerk, "/api/sheets/1/fields")->status, 403);
}

TEST_F(ReviewServerTest, DeskListsUnidentifiedPagesWithReasonAndThumbnail) {
  const std::vector<unsigned char> thumb = {0xFF, 0xD8, 0xFF, 0xE0, 1, 2, 3, 0xFF, 0xD9};
  {
    auto s = store::Store::Open(db_, false);
    ASSERT_TRUE(s.ok());
    const std::vector<unsigned char> bytes = {'n', 'o', 't', ' ', 'a', ' ', 'f', 'o', 'r', 'm'};
    auto file = (*s)->BeginScanFile(store::Sha256Hex(bytes), "lô 7/trang lạ.png", bytes, 1);
    ASSERT_TRUE(file.ok()) << file.error().message;
    store::PageRecord page;
    page.file_id = file->file_id;
    page.page_index = 0;
    page.status = "no_anchors";
    page.reason = "không thấy mã QR";
    page.thumbnail_jpeg = thumb;
    auto saved = (*s)->SavePage(page);
    ASSERT_TRUE(saved.ok()) << saved.error().message;
    EXPECT_EQ(*saved, store::PageDisposition::kUnidentified);
  }
  Login clerk = LogIn("thu");
  auto r = Get(clerk, "/api/desk/unidentified");
  ASSERT_EQ(r->status, 200);
  const Json pages = Json::parse(r->body)["pages"];
  // Every unidentified page of the survey (the simulated stack has blank and foreign pages too).
  {
    auto s = store::Store::Open(db_, false);
    ASSERT_TRUE(s.ok());
    auto status = (*s)->GetStatus();
    ASSERT_TRUE(status.ok());
    EXPECT_EQ(static_cast<int>(pages.size()), status->pages_unidentified) << r->body;
  }
  Json mine;
  for (const auto& p : pages)
    if (p["file"] == "trang lạ.png") mine = p;
  ASSERT_FALSE(mine.is_null()) << r->body;
  EXPECT_EQ(mine["status"], "no_anchors");
  EXPECT_EQ(mine["reason"], "không thấy mã QR");
  auto t = Get(clerk, mine["thumbnail"].get<std::string>());
  ASSERT_EQ(t->status, 200);
  EXPECT_EQ(t->get_header_value("Content-Type"), "image/jpeg");
  EXPECT_EQ(std::vector<unsigned char>(t->body.begin(), t->body.end()), thumb);
  EXPECT_EQ(Get(clerk, "/api/desk/unidentified/999999/thumbnail")->status, 404);
  EXPECT_EQ(Get(clerk, "/api/desk/unidentified/x/thumbnail")->status, 400);
}

TEST_F(ReviewServerTest, DeskListsSheetsMissingPagesAndProgress) {
  Login clerk = LogIn("thu");
  auto before = Json::parse(Get(clerk, "/api/desk/missing")->body);
  EXPECT_TRUE(before["units"].empty()) << "every simulated sheet is whole";
  // One page of a late sheet arrives: the rest of that sheet is missing.
  const auto late = SurveyFixture::Get().late_stack / "img_0001.png";
  auto run = phieu::testing::Phieu("ingest --db " + db_.string() + " --template sipas -q -j 1 " + late.string());
  ASSERT_EQ(run.code, 0) << run.out;
  auto after = Json::parse(Get(clerk, "/api/desk/missing")->body);
  ASSERT_EQ(after["units"].size(), 1u) << after.dump();
  const Json sheets = after["units"][0]["sheets"];
  ASSERT_EQ(sheets.size(), 1u);
  EXPECT_GE(sheets[0]["serial"].get<long long>(), 101);
  EXPECT_LE(sheets[0]["serial"].get<long long>(), 103);
  EXPECT_EQ(sheets[0]["missing_pages"].size(), 2u) << "sipas has three pages, one came";

  auto progress = Get(clerk, "/api/desk/progress");
  ASSERT_EQ(progress->status, 200);
  const Json units = Json::parse(progress->body)["units"];
  for (std::size_t i = 1; i < units.size(); ++i)
    EXPECT_LE(units[i - 1]["share_complete"].get<double>(), units[i]["share_complete"].get<double>())
        << "the units behind first";
}

}  // namespace
}  // namespace phieu::review::testing
