// Copyright 2026 The Phiếu Authors
// SPDX-License-Identifier: Apache-2.0
//
// phieu import: phone and online answers join the dataset with their channel; bad rows are
// named by line and column and nothing is half-imported; the same file twice changes nothing.
#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "common/temp_dir.h"
#include "exports/exports.h"
#include "exports/survey_kit.h"

namespace phieu::exports {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using testing::ReadText;
using testing::Shell;
using testing::SurveyKit;

const std::string kUnits =
    "code,name,kind,quota,parent\n"
    "A,UBND xã An Bình,admin,10,\n"
    "B,UBND phường Hải Châu,admin,4,\n";

struct Fixture {
  testing::TempDir tmp{"import"};
  const fs::path dir = tmp.path();
  std::unique_ptr<SurveyKit> kit;
  explicit Fixture(const std::string& name = "s.db") {
    kit = Make(name);
  }
  std::unique_ptr<SurveyKit> Make(const std::string& name) {
    return SurveyKit::Create(dir / name, ReadText(std::string(PHIEU_SOURCE_DIR) + "/tests/exports/data/mini.json"),
                             kUnits);
  }
  std::string Write(const std::string& name, const std::string& text) {
    std::ofstream(dir / name, std::ios::binary) << text;
    return (dir / name).string();
  }
  json Csv(SurveyKit& k, const ExportOptions& options = {}) {
    auto s = WriteExport(k.store(), k.Catalog(), ExportFormat::kCsv, dir / "x.csv", options);
    EXPECT_TRUE(s.ok()) << s.error().message;
    std::string out;
    EXPECT_EQ(Shell("python3 " + std::string(PHIEU_SOURCE_DIR) + "/tests/exports/read_back.py csv '" +
                      (dir / "x.csv").string() + "'", &out), 0) << out;
    return json::parse(out)["rows"];
  }
};

const std::string kPhone =
    "serial,unit,template,gt,r1,r2,r3,mm_1,mm_2,mm_3,mm_4,ykien,sdt\r\n"
    ",A,mini,1,5,4,4,1,0,0,0,\"Gọi lại sau, cảm ơn\",0905123456\r\n"
    ",B,mini,2,1,2,,,,,,,\r\n";

TEST(ImportTest, PhoneAnswersJoinExportsAndIndices) {
  Fixture f;
  f.kit->Add({.unit = "A", .boxes = {{"gt", {"1"}}, {"r1", {"2"}}, {"r2", {"2"}}, {"r3", {"2"}}}});
  auto result = ImportAnswersFile(f.kit->store(), f.kit->Catalog(), f.Write("phone.csv", kPhone),
                                  {.channel = "phone", .who = "test"});
  ASSERT_TRUE(result.ok()) << result.error().message;
  EXPECT_EQ(result->sheets, 2);
  EXPECT_FALSE(result->already_imported);
  json rows = f.Csv(*f.kit, {.include_personal = true});
  ASSERT_EQ(rows.size(), 4u);
  std::map<std::string, size_t> c;
  for (size_t i = 0; i < rows[0].size(); ++i) c[rows[0][i]] = i;
  EXPECT_EQ(rows[1][c["channel"]], "paper");
  EXPECT_EQ(rows[2][c["channel"]], "phone");
  EXPECT_EQ(rows[2][c["status"]], "complete");
  EXPECT_FALSE(rows[2][c["scanned_at"]].get<std::string>().empty());
  EXPECT_EQ(rows[2][c["r1"]], "5");
  EXPECT_EQ(rows[2][c["mm_1"]], "1");
  EXPECT_EQ(rows[2][c["ykien"]], "Gọi lại sau, cảm ơn");
  EXPECT_EQ(rows[2][c["sdt"]], "0905123456");
  EXPECT_EQ(rows[3][c["r3"]], "");    // not answered by phone: missing
  EXPECT_EQ(rows[3][c["mm_1"]], "");  // multi not answered: every column missing
  // Filter by channel.
  EXPECT_EQ(f.Csv(*f.kit, {.filter = {.channels = {"phone"}}}).size(), 3u);
  // The indices count every channel: unit A = paper (2,2,2) + phone (5,4,4).
  auto r = ComputeReport(f.kit->store(), {f.kit->tpl()}, f.kit->Catalog());
  ASSERT_TRUE(r.ok()) << r.error().message;
  const UnitReport& a = r->units[0];
  EXPECT_EQ(a.responses, 2);
  EXPECT_EQ(a.responses_by_channel.at("phone"), 1);
  EXPECT_EQ(a.responses_by_channel.at("paper"), 1);
  EXPECT_NEAR(a.indices.overall.satisfied_pct, 50.0, 1e-9);  // tt: (50 + 50) / 2; cc: 50
}

TEST(ImportTest, SecondImportOfTheSameFileChangesNothing) {
  Fixture f;
  std::string path = f.Write("phone.csv", kPhone);
  ASSERT_TRUE(ImportAnswersFile(f.kit->store(), f.kit->Catalog(), path, {.channel = "phone", .who = "t"}).ok());
  auto again = ImportAnswersFile(f.kit->store(), f.kit->Catalog(), path, {.channel = "phone", .who = "t"});
  ASSERT_TRUE(again.ok()) << again.error().message;
  EXPECT_TRUE(again->already_imported);
  EXPECT_EQ(f.Csv(*f.kit).size(), 3u);
}

TEST(ImportTest, BadRowsNamedByLineAndColumnAndNothingStored) {
  Fixture f;
  std::string bad =
      "serial,unit,template,gt,r1,r2,mm_1,mm_2,mm_3,mm_4,note\r\n"
      ",A,mini,1,5,4,1,1,1,1,\r\n"      // line 2: 4 chosen, at most 3; "note" unknown (line 1)
      ",Z,mini,1,5,4,,,,,\r\n"          // line 3: unknown unit
      ",A,mini,3,9,4,2,,,,\r\n"         // line 4: gt 3 and r1 9 not options; mm_1 = 2
      ",A,mini,1,5,4,,,,,\r\n";         // line 5: fine
  auto result = ImportAnswersFile(f.kit->store(), f.kit->Catalog(), f.Write("bad.csv", bad),
                                  {.channel = "online", .who = "t"});
  ASSERT_FALSE(result.ok());
  const std::string& m = result.error().message;
  EXPECT_NE(m.find("nothing imported"), std::string::npos) << m;
  EXPECT_NE(m.find("bad.csv:1: column 11 \"note\""), std::string::npos) << m;
  EXPECT_NE(m.find("bad.csv:2: mm: 4 options chosen, at most 3"), std::string::npos) << m;
  EXPECT_NE(m.find("bad.csv:3: column 2 (unit): unit \"Z\""), std::string::npos) << m;
  EXPECT_NE(m.find("bad.csv:4: column 4 (gt): \"3\" is not an option"), std::string::npos) << m;
  EXPECT_NE(m.find("bad.csv:4: column 5 (r1): \"9\""), std::string::npos) << m;
  EXPECT_NE(m.find("bad.csv:4: column 7 (mm_1): \"2\" must be 0, 1 or empty"), std::string::npos) << m;
  EXPECT_EQ(m.find("bad.csv:5"), std::string::npos) << m;
  EXPECT_EQ(f.Csv(*f.kit, {.filter = {.include_pending = true}}).size(), 1u);  // header only
}

// Answers imported from CSV, exported to XLSX and imported into another survey give back the
// same dataset (serials, answers, Vietnamese text). A paper export cannot pass as online answers.
TEST(ImportTest, XlsxExportImportsBack) {
  Fixture f;
  f.kit->Add({.unit = "A", .boxes = {{"gt", {"1"}}, {"r1", {"5"}}}});
  ASSERT_TRUE(WriteExport(f.kit->store(), f.kit->Catalog(), ExportFormat::kXlsx, f.dir / "paper.xlsx").ok());
  auto paper = f.Make("paper-copy.db");
  auto refused = ImportAnswersFile(paper->store(), paper->Catalog(), f.dir / "paper.xlsx", {.channel = "online", .who = "t"});
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.error().message.find("paper.xlsx:2: column 7 (channel): \"paper\" but the import is --channel online"),
            std::string::npos) << refused.error().message;

  auto online = f.Make("online.db");
  const std::string csv =
      "serial,unit,gt,r1,r2,r3,mm_1,mm_2,mm_3,mm_4,ykien,sdt\n"
      "2000001,A,1,5,3,4,1,0,1,0,\"Rất tốt, \"\"nhanh\"\" gọn\",0912345678\n"
      "2000002,B,2,1,,2,,,,,,\n";
  ASSERT_TRUE(ImportAnswersFile(online->store(), online->Catalog(), f.Write("online.csv", csv),
                                {.channel = "online", .who = "t"}).ok());
  auto xlsx = WriteExport(online->store(), online->Catalog(), ExportFormat::kXlsx, f.dir / "d.xlsx",
                          {.include_personal = true});
  ASSERT_TRUE(xlsx.ok()) << xlsx.error().message;
  auto other = f.Make("other.db");
  auto result = ImportAnswersFile(other->store(), other->Catalog(), f.dir / "d.xlsx", {.channel = "online", .who = "t"});
  ASSERT_TRUE(result.ok()) << result.error().message;
  EXPECT_EQ(result->sheets, 2);
  json a = f.Csv(*online, {.include_personal = true});
  json b = f.Csv(*other, {.include_personal = true});
  ASSERT_EQ(a.size(), 3u);
  ASSERT_EQ(a.size(), b.size());
  std::map<std::string, size_t> c;
  for (size_t i = 0; i < a[0].size(); ++i) c[a[0][i]] = i;
  EXPECT_EQ(b[1][c["serial"]], "2000001");
  EXPECT_EQ(b[1][c["ykien"]], "Rất tốt, \"nhanh\" gọn");
  for (size_t r = 1; r < a.size(); ++r)
    for (const auto& [name, i] : c)
      if (name != "scanned_at") EXPECT_EQ(a[r][i], b[r][i]) << name << " row " << r;
}

}  // namespace
}  // namespace phieu::exports
