// Copyright 2026 The Phiếu Authors
// SPDX-License-Identifier: Apache-2.0
// `phieu reread` (issue 19, "nothing stuck"): pages stored as unknown_template are read again
// once `survey init --template` registers the template; --file limits it; nothing duplicated.
#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "common/phieu_cli.h"
#include "common/temp_dir.h"

namespace {

namespace fs = std::filesystem;
using phieu::testing::CmdResult;
using phieu::testing::Phieu;

TEST(RereadCliTest, UnknownTemplatePagesAreReadAfterTheTemplateIsRegistered) {
  phieu::testing::TempDir dir("reread_cli");
  const std::string db = (dir / "s.db").string();
  ASSERT_EQ(Phieu("survey init --db " + db + " --template sipas").code, 0);
  CmdResult sim = Phieu("simulate --template health --sheets 1 --seed 5 --no-damage --foreign 0 --blank-backs 0 -o " +
                        (dir / "scans").string());
  ASSERT_EQ(sim.code, 0) << sim.out;
  CmdResult in = Phieu("ingest -q --db " + db + " " + (dir / "scans").string());
  ASSERT_EQ(in.code, 0) << in.out;
  EXPECT_NE(in.out.find("unknown_template"), std::string::npos) << in.out;

  CmdResult bad = Phieu("reread --db " + db + " --status nonsense");
  EXPECT_EQ(bad.code, 2) << bad.out;
  EXPECT_NE(bad.out.find("nonsense"), std::string::npos) << bad.out;
  CmdResult nowhere = Phieu("reread --db " + db + " --file nowhere.tif");
  EXPECT_EQ(nowhere.code, 2) << nowhere.out;
  EXPECT_NE(nowhere.out.find("nowhere.tif"), std::string::npos) << nowhere.out;

  // Before the template is known, reading again changes nothing.
  CmdResult early = Phieu("reread --db " + db + " --status unknown_template");
  ASSERT_EQ(early.code, 0) << early.out;
  EXPECT_NE(early.out.find("now identified     0"), std::string::npos) << early.out;
  EXPECT_NE(early.out.find("still unidentified 3"), std::string::npos) << early.out;

  ASSERT_EQ(Phieu("survey init --db " + db + " --template health").code, 0);
  std::string first;
  for (const auto& e : fs::directory_iterator(dir / "scans"))
    if (e.path().extension() != ".json" && (first.empty() || e.path().string() < first)) first = e.path().string();
  CmdResult one = Phieu("reread --db " + db + " --jobs 2 --file " + first);
  ASSERT_EQ(one.code, 0) << one.out;
  EXPECT_NE(one.out.find("pages read again   1"), std::string::npos) << one.out;
  EXPECT_NE(one.out.find("now identified     1"), std::string::npos) << one.out;

  CmdResult rest = Phieu("reread --db " + db + " --jobs 2 --status unknown_template");
  ASSERT_EQ(rest.code, 0) << rest.out;
  EXPECT_NE(rest.out.find("now identified     2"), std::string::npos) << rest.out;

  CmdResult ex = Phieu("export --db " + db + " --format json --include-pending -o " + (dir / "out.json").string());
  ASSERT_EQ(ex.code, 0) << ex.out;
  nlohmann::json sheets = nlohmann::json::parse(std::ifstream(dir / "out.json"));
  ASSERT_EQ(sheets.size(), 1u);  // one sheet, its three pages, no duplicate
  EXPECT_EQ(sheets[0]["template"], "health");
  EXPECT_NE(sheets[0]["status"], "incomplete");

  // Nothing left unidentified: a further reread reads nothing.
  CmdResult none = Phieu("reread --db " + db);
  ASSERT_EQ(none.code, 0) << none.out;
  EXPECT_NE(none.out.find("pages read again   0"), std::string::npos) << none.out;
}

}  // namespace
