// Copyright 2026 The Phiếu Authors
// SPDX-License-Identifier: Apache-2.0
// The benchmark is its own tool (tools/bench, phieu-bench), not a command of the product
// binary: it simulates, ingests, scores and follows a child `phieu ingest`'s memory.
#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "common/phieu_cli.h"
#include "common/temp_dir.h"
#include "tools/bench/edit_distance.h"

namespace {

namespace fs = std::filesystem;
using phieu::testing::CmdResult;
using phieu::testing::Phieu;
using phieu::testing::RunCommand;

const std::string kBench = std::string(PHIEU_BINARY_DIR) + "/tools/bench/phieu-bench";

// The draft CER counts letters, not bytes: a lost diacritic is one edit.
TEST(BenchScoreTest, EditDistanceCountsCodePoints) {
  using phieu::bench::CodePoints;
  using phieu::bench::EditDistance;
  EXPECT_EQ(CodePoints("mật khẩu").size(), 8u);
  EXPECT_EQ(EditDistance("mật khẩu", "mat khau"), 2);
  EXPECT_EQ(EditDistance("Nguyễn", "Nguyễn"), 0);
  EXPECT_EQ(EditDistance("", "Hòa"), 3);
  EXPECT_EQ(EditDistance("Hòa Vang", "Hoà Vang"), 2);  // NFC letters, not their parts: ò->o, a->à
  EXPECT_EQ(EditDistance("kitten", "sitting"), 3);
}

TEST(BenchCliTest, ProductBinaryHasNoBenchCommand) {
  CmdResult r = Phieu("bench --pages 10");
  EXPECT_EQ(r.code, 2) << r.out;
  EXPECT_NE(r.out.find("unknown command \"bench\""), std::string::npos) << r.out;
}

// A small run end to end: every figure the README quotes comes out, and the memory figure is
// the child `phieu ingest`'s (pages stored, a peak above zero).
TEST(BenchCliTest, ScoresASmallStackAndFollowsTheIngestMemory) {
  phieu::testing::TempDir dir("bench_cli", /*keep_on_failure=*/true);
  CmdResult r = RunCommand(kBench + " --template health --pages 10 --rss-pages 10 --checkbox-pages 0 --seed 3 -o " +
                           dir.path().string());
  ASSERT_EQ(r.code, 0) << r.out;
  for (const char* line : {"Phiếu benchmark — template health", "pages identified", "box decisions accepted",
                           "throughput --jobs 1", "decode only (1 thread)", "peak RSS, ingest -j2"})
    EXPECT_NE(r.out.find(line), std::string::npos) << line << " not in:\n" << r.out;
  std::ifstream f(dir / "bench.json");
  ASSERT_TRUE(f) << "no bench.json";
  const auto report = nlohmann::json::parse(f);
  EXPECT_EQ(report["template"], "health");
  EXPECT_GT(report["form_pages"].get<int>(), 0);
  // Scored against the truth (not a bound on accuracy: the simulator's damage changes).
  EXPECT_GT(report["identified"].get<int>(), 0) << report.dump(2);
  EXPECT_LE(report["identified"].get<int>(), report["form_pages"].get<int>());
  EXPECT_GT(report["box_fields"].get<int>(), 0);
  EXPECT_GT(report["rss_batch_pages"].get<int>(), 0);
  EXPECT_GT(report["peak_rss_mb_batch"].get<double>(), 1.0);
}

TEST(BenchCliTest, AMissingPhieuBinaryIsNamed) {
  phieu::testing::TempDir dir("bench_cli");
  CmdResult r = RunCommand(kBench + " --template health --pages 10 --rss-pages 10 --phieu " +
                           (dir / "nowhere/phieu").string() + " -o " + dir.path().string());
  EXPECT_EQ(r.code, 2) << r.out;
  EXPECT_NE(r.out.find("nowhere/phieu"), std::string::npos) << r.out;
}

}  // namespace
