// Copyright 2026 The Phiếu Authors
// SPDX-License-Identifier: Apache-2.0
#include <gtest/gtest.h>

#include "csv.h"
#include "store/store.h"
#include "store_test_util.h"

namespace phieu::store {
namespace {

using namespace phieu::store::testing;  // NOLINT

TEST(CsvTest, QuotesCrlfBomAndEmbeddedNewlines) {
  CsvTable t = ParseCsv("\xEF\xBB\xBF" "a,b\r\n\"x, \"\"y\"\"\",\"two\nlines\"\r\n\r\nlast,\r\n");
  ASSERT_FALSE(t.error);
  ASSERT_EQ(t.rows.size(), 3u);
  EXPECT_EQ(t.rows[0].fields, (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(t.rows[1].fields, (std::vector<std::string>{"x, \"y\"", "two\nlines"}));
  EXPECT_EQ(t.rows[1].line, 2);
  EXPECT_EQ(t.rows[2].fields, (std::vector<std::string>{"last", ""}));
  EXPECT_EQ(t.rows[2].line, 5);  // line 3 continued row 2, line 4 was empty
}

TEST(CsvTest, UnclosedQuoteIsReported) {
  CsvTable t = ParseCsv("a,b\n\"open,1\n");
  ASSERT_TRUE(t.error);
  EXPECT_EQ(t.error_line, 2);
}

TEST(UnitsImportTest, ImportsAnyColumnOrderAndUpdates) {
  auto opened = Store::Open(":memory:", true);
  ASSERT_TRUE(opened.ok());
  auto& s = *opened;
  auto first = s->ImportUnitsCsv("\xEF\xBB\xBF" "name,code,quota,kind\r\n"
                                 "\"Sở Nội vụ, tỉnh X\",SNV,30,admin\r\n"
                                 "Trường THCS Lê Lợi,TH1,50,school\r\n",
                                 "units.csv");
  ASSERT_TRUE(first.ok()) << first.error().message;
  EXPECT_EQ(first->inserted, 2);
  EXPECT_EQ(first->updated, 0);
  auto second = s->ImportUnitsCsv("code,name,kind,quota,parent\n"
                                  "TH1,Trường THCS Lê Lợi,school,55,SNV\n"
                                  "TH2,Trường THCS Trần Phú,school,,SNV\n",
                                  "units.csv");
  ASSERT_TRUE(second.ok()) << second.error().message;
  EXPECT_EQ(second->inserted, 1);
  EXPECT_EQ(second->updated, 1);
  auto units = s->ListUnits();
  ASSERT_TRUE(units.ok());
  ASSERT_EQ(units->size(), 3u);
  EXPECT_EQ(units->at(0).code, "SNV");
  EXPECT_EQ(units->at(0).name, "Sở Nội vụ, tỉnh X");
  EXPECT_EQ(units->at(0).parent, "");
  EXPECT_EQ(units->at(1).code, "TH1");
  EXPECT_EQ(units->at(1).quota, 55);
  EXPECT_EQ(units->at(1).parent, "SNV");
  EXPECT_EQ(units->at(2).quota, 0);  // empty quota cell: no quota
}

TEST(UnitsImportTest, EveryBadRowIsReportedAndNothingStored) {
  auto opened = Store::Open(":memory:", true);
  ASSERT_TRUE(opened.ok());
  auto& s = *opened;
  const std::string csv =
      "code,name,kind,quota,parent\n"    // 1
      "A,Đơn vị A,admin,10,\n"          // 2 ok
      ",Không mã,admin,10,\n"           // 3 missing code
      "B,,admin,10,\n"                  // 4 empty name
      "C,Đơn vị C,admin,x,\n"           // 5 bad quota
      "A,Đơn vị A lần 2,admin,10,\n"    // 6 duplicate
      "D,Đơn vị D,admin,10,ZZZ\n"       // 7 unknown parent
      "E,Đơn vị E,admin,-3,\n"          // 8 negative quota
      "F,Đơn vị F,admin\n"              // 9 short row
      "G,Đơn vị G,health,5,A\n";        // 10 ok (parent in file)
  auto r = s->ImportUnitsCsv(csv, "units.csv");
  ASSERT_FALSE(r.ok());
  const std::string& m = r.error().message;
  EXPECT_NE(m.find("units.csv:3: missing code"), std::string::npos) << m;
  EXPECT_NE(m.find("units.csv:4: empty name"), std::string::npos) << m;
  EXPECT_NE(m.find("units.csv:5: quota \"x\" is not a whole number"), std::string::npos) << m;
  EXPECT_NE(m.find("units.csv:6: duplicate code \"A\" (first on line 2)"), std::string::npos) << m;
  EXPECT_NE(m.find("units.csv:7: parent \"ZZZ\" is not a unit"), std::string::npos) << m;
  EXPECT_NE(m.find("units.csv:8: quota \"-3\" is not a whole number"), std::string::npos) << m;
  EXPECT_NE(m.find("units.csv:9: 3 fields, but the header has 5"), std::string::npos) << m;
  EXPECT_EQ(m.find("units.csv:2:"), std::string::npos) << m;
  EXPECT_EQ(m.find("units.csv:10:"), std::string::npos) << m;
  EXPECT_LT(m.find("units.csv:3:"), m.find("units.csv:9:"));  // line order
  auto units = s->ListUnits();
  ASSERT_TRUE(units.ok());
  EXPECT_TRUE(units->empty());
}

TEST(UnitsImportTest, HeaderProblems) {
  auto opened = Store::Open(":memory:", true);
  ASSERT_TRUE(opened.ok());
  auto& s = *opened;
  auto unknown = s->ImportUnitsCsv("code,name,kind,quota,province\nA,a,admin,1,x\n", "u.csv");
  ASSERT_FALSE(unknown.ok());
  EXPECT_NE(unknown.error().message.find("u.csv:1: unknown column \"province\""),
            std::string::npos)
      << unknown.error().message;
  auto missing = s->ImportUnitsCsv("code,name,kind\nA,a,admin\n", "u.csv");
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.error().message.find("missing column \"quota\""), std::string::npos);
  auto empty = s->ImportUnitsCsv("", "u.csv");
  EXPECT_FALSE(empty.ok());
}

TEST(UnitsImportTest, ParentMayBeStoredAlreadyButCyclesAreRejected) {
  auto opened = Store::Open(":memory:", true);
  ASSERT_TRUE(opened.ok());
  auto& s = *opened;
  ASSERT_TRUE(s->ImportUnitsCsv("code,name,kind,quota\nP,Tỉnh,admin,0\n", "a.csv").ok());
  auto child = s->ImportUnitsCsv("code,name,kind,quota,parent\nC,Xã,admin,60,P\n", "b.csv");
  ASSERT_TRUE(child.ok()) << child.error().message;
  // Making P a child of C would close a loop through the stored row of C.
  auto loop = s->ImportUnitsCsv("code,name,kind,quota,parent\nP,Tỉnh,admin,0,C\n", "c.csv");
  ASSERT_FALSE(loop.ok());
  EXPECT_NE(loop.error().message.find("cycle"), std::string::npos) << loop.error().message;
}

}  // namespace
}  // namespace phieu::store
