// Copyright 2026 The Phiếu Authors
// SPDX-License-Identifier: Apache-2.0
//
// The `phieu export`, `phieu import` and `phieu report` commands: what they write and what they
// say (sheets left out and why, personal fields), on a survey built by the kit.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "common/phieu_cli.h"
#include "common/temp_dir.h"
#include "exports/survey_kit.h"

namespace phieu {
namespace {

namespace fs = std::filesystem;
using testing::Phieu;

TEST(ExportCliTest, SaysWhatItLeftOutAndWhy) {
  testing::TempDir tmp("cli_export");
  const fs::path dir = tmp.path();
  const std::string db = (dir / "s.db").string();
  {
    auto kit = testing::SurveyKit::Create(
        db, testing::ReadText(std::string(PHIEU_SOURCE_DIR) + "/tests/exports/data/mini.json"),
        "code,name,kind,quota,parent\nA,UBND xã An Bình,admin,10,\n");
    kit->Add({.unit = "A", .boxes = {{"gt", {"1"}}, {"r1", {"5"}}, {"r2", {"4"}}, {"r3", {"4"}}},
              .texts = {{"sdt", "0912345678"}}});
    kit->Add({.unit = "A", .boxes = {{"r1", {"5"}}}, .review = {"r2"}});
    kit->Add({.unit = "A", .boxes = {{"r1", {"5"}}}, .skip_pages = {2}});
  }
  auto r = Phieu("export --db " + db + " --format csv -o " + (dir / "out.csv").string());
  ASSERT_EQ(r.code, 0) << r.out;
  // DESIGN.md: only sheets with something left to review are left out; the sheet missing its
  // page 2 is written as incomplete, and the command says so.
  EXPECT_NE(r.out.find("2 sheets exported (1 with pages missing: status incomplete"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("1 left out pending review (--include-pending takes them in)"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("personal fields left out: sdt (--include-personal exports them)"), std::string::npos) << r.out;
  EXPECT_TRUE(fs::exists(dir / "out.codebook.csv"));
  r = Phieu("export --db " + db + " --format sav --include-personal --include-pending -o " + (dir / "out.sav").string());
  ASSERT_EQ(r.code, 0) << r.out;
  EXPECT_NE(r.out.find("3 sheets exported"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("personal fields included"), std::string::npos) << r.out;
  EXPECT_TRUE(fs::exists(dir / "out.sps"));
  // A phone file joins; a second run says it changed nothing; a bad file is refused by line.
  std::ofstream(dir / "phone.csv") << "unit,gt,r1,r2,r3\nA,2,4,4,5\n";
  r = Phieu("import --db " + db + " --channel phone " + (dir / "phone.csv").string());
  ASSERT_EQ(r.code, 0) << r.out;
  EXPECT_NE(r.out.find("1 sheets imported, channel phone"), std::string::npos) << r.out;
  r = Phieu("import --db " + db + " --channel phone " + (dir / "phone.csv").string());
  EXPECT_NE(r.out.find("already imported"), std::string::npos) << r.out;
  std::ofstream(dir / "bad.csv") << "unit,gt\nA,7\n";
  r = Phieu("import --db " + db + " --channel online " + (dir / "bad.csv").string());
  EXPECT_NE(r.code, 0);
  EXPECT_NE(r.out.find("bad.csv:2: column 2 (gt): \"7\" is not an option"), std::string::npos) << r.out;
  r = Phieu("report --db " + db + " --format json -o " + (dir / "r.json").string());
  ASSERT_EQ(r.code, 0) << r.out;
  EXPECT_NE(r.out.find("3 sheets counted (1 with pages missing"), std::string::npos) << r.out;
  auto j = nlohmann::json::parse(testing::ReadText(dir / "r.json"));
  EXPECT_EQ(j["units"][0]["responses"], 3);
  EXPECT_EQ(j["sheets_with_pages_missing"], 1);
  EXPECT_EQ(j["units"][0]["responses_by_channel"]["phone"], 1);
  r = Phieu("export --db " + db + " --format csv --channel phone -o " + (dir / "phone-only.csv").string());
  EXPECT_NE(r.out.find("1 sheet exported"), std::string::npos) << r.out;
  fs::remove_all(dir);
}

}  // namespace
}  // namespace phieu
