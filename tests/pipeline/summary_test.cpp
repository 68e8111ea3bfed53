// Copyright 2026 The Phiếu Authors
// SPDX-License-Identifier: Apache-2.0
// The batch summary as JSON and text (pipeline/summary.h): what the survey keeps per batch and a
// scan station receives must give back every count, and print as `phieu ingest` prints.
#include <gtest/gtest.h>

#include "pipeline/summary.h"

namespace phieu::pipeline {
namespace {

IngestSummary Example() {
  IngestSummary s;
  s.files = 7, s.files_skipped = 2, s.files_unreadable = 1, s.pages_read = 12, s.pages_unreadable = 1;
  s.pages_stored_by_others = 3, s.pages_identified = 9, s.pages_unidentified = 3, s.conflicts = 1;
  s.review_items = 5, s.required_left_blank = 2, s.pages_with_streaks = 1;
  s.unidentified_reasons = {{"blank", 2}, {"no_anchors", 1}};
  s.streak_positions = {{"x 1570", 1}};
  s.errors = {"lô 3/hỏng.tif: not a TIFF file"};
  s.seconds = 2.5;
  s.stopped = true;
  return s;
}

TEST(SummaryTest, JsonGivesBackEveryCountAndTheSurveyCounts) {
  store::SurveyStatus status;
  status.sheets = 4, status.sheets_complete = 1, status.sheets_needs_review = 2, status.sheets_incomplete = 1;
  status.review_open = 6;
  const IngestSummary s = Example();
  auto back = SummaryFromJson(SummaryToJson(s, &status));
  ASSERT_TRUE(back.ok()) << back.error().message;
  const IngestSummary& b = back->summary;
  EXPECT_EQ(b.files, 7);
  EXPECT_EQ(b.files_skipped, 2);
  EXPECT_EQ(b.files_unreadable, 1);
  EXPECT_EQ(b.pages_read, 12);
  EXPECT_EQ(b.pages_unreadable, 1);
  EXPECT_EQ(b.pages_stored_by_others, 3);
  EXPECT_EQ(b.pages_identified, 9);
  EXPECT_EQ(b.pages_unidentified, 3);
  EXPECT_EQ(b.conflicts, 1);
  EXPECT_EQ(b.review_items, 5);
  EXPECT_EQ(b.required_left_blank, 2);
  EXPECT_EQ(b.pages_with_streaks, 1);
  EXPECT_EQ(b.unidentified_reasons, s.unidentified_reasons);
  EXPECT_EQ(b.streak_positions, s.streak_positions);
  EXPECT_EQ(b.errors, s.errors);
  EXPECT_DOUBLE_EQ(b.seconds, 2.5);
  EXPECT_TRUE(b.stopped);
  ASSERT_TRUE(back->status.has_value());
  EXPECT_EQ(back->status->sheets, 4);
  EXPECT_EQ(back->status->review_open, 6);
  // The text printed from what came back is the text printed from the original.
  EXPECT_EQ(FormatSummary(b, &*back->status), FormatSummary(s, &status));

  auto no_status = SummaryFromJson(SummaryToJson(s, nullptr));
  ASSERT_TRUE(no_status.ok());
  EXPECT_FALSE(no_status->status.has_value());
  EXPECT_FALSE(SummaryFromJson("[1,2]").ok());
  EXPECT_FALSE(SummaryFromJson("not json").ok());
  EXPECT_FALSE(SummaryFromJson(R"({"files": "seven"})").ok());
}

TEST(SummaryTest, TextAndExitCodeAsPhieuIngestGivesThem) {
  IngestSummary s = Example();
  const std::string text = FormatSummary(s, nullptr);
  EXPECT_EQ(text.rfind("\nBatch summary\n  files            7 (2 already ingested, 1 unreadable)\n", 0), 0u) << text;
  EXPECT_NE(text.find("  pages read       12 in 2.5 s (4.8 pages/s)\n"), std::string::npos) << text;
  EXPECT_NE(text.find("          2  blank\n"), std::string::npos) << text;
  EXPECT_NE(text.find("  stored by another run 3"), std::string::npos) << text;
  EXPECT_NE(text.find("Problems (1):\n  lô 3/hỏng.tif: not a TIFF file\n"), std::string::npos) << text;
  EXPECT_NE(text.find("Interrupted: run the same command again"), std::string::npos) << text;
  EXPECT_EQ(text.find("Survey so far"), std::string::npos);
  EXPECT_EQ(SummaryExitCode(s), 130);
  s.stopped = false;
  EXPECT_EQ(SummaryExitCode(s), 1);
  s.files_unreadable = 0, s.pages_unreadable = 0;
  EXPECT_EQ(SummaryExitCode(s), 0);
  IngestSummary one;
  one.pages_read = 1, one.pages_identified = 1, one.review_items = 2;
  EXPECT_EQ(FormatFileLine("lô 1/a.tif", one), "lô 1/a.tif: 1 page, 1 identified, 2 review items");
  one.files_skipped = 1;
  EXPECT_EQ(FormatFileLine("a.tif", one), "a.tif: already ingested");
}

}  // namespace
}  // namespace phieu::pipeline
