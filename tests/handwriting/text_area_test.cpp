// Copyright 2026 The Phiếu Authors
// SPDX-License-Identifier: Apache-2.0
// Review policy of ReadTextArea, driven by a scripted engine.

#include <random>

#include <gtest/gtest.h>
#include <opencv2/imgproc.hpp>

#include "handwriting/fake_ocr_engine.h"
#include "handwriting/handwriting_synth.h"
#include "recognition/handwriting.h"

namespace phieu::recognition {
namespace {

using testing::AreaContent;
using testing::FakeOcrEngine;
using testing::MakeArea;

cv::Mat Written(const std::vector<std::string>& lines, int ruled, std::mt19937& rng) {
  return MakeArea(150, ruled, 8.0, AreaContent::kWritten, lines, "Andika Italic",
                  testing::AreaDamage{.noise_sigma = 3, .blur_sigma = 0.5}, rng);
}

TEST(TextAreaTest, BlankAreaIsNotReadNorReviewed) {
  std::mt19937 rng(1);
  FakeOcrEngine ocr;
  TextReading r = ReadTextArea(MakeArea(150, 2, 8.0, AreaContent::kBlank, {}, "", {}, rng), 8.0, 2, &ocr);
  EXPECT_EQ(r.ink, InkClass::kBlank);
  EXPECT_FALSE(r.text.has_value());
  EXPECT_FALSE(r.needs_review);
  EXPECT_TRUE(ocr.seen.empty());
}

TEST(TextAreaTest, DashMeansNoCommentAndIsNotReviewed) {
  std::mt19937 rng(2);
  FakeOcrEngine ocr;
  TextReading r = ReadTextArea(MakeArea(150, 2, 8.0, AreaContent::kDash, {}, "", {}, rng), 8.0, 2, &ocr);
  EXPECT_EQ(r.ink, InkClass::kDash);
  EXPECT_EQ(r.reason, "a dash, not a comment");
  EXPECT_FALSE(r.text.has_value());
  EXPECT_FALSE(r.needs_review);
  EXPECT_TRUE(ocr.seen.empty());
}

// A lone pen flick ~2 mm long, in any direction, with nothing else in the area.
TEST(TextAreaTest, LonePenTouchIsAStrayMarkNotAComment) {
  std::mt19937 rng(7);
  const double ppm = 11.81;
  for (double angle_deg : {15.0, 70.0, 110.0}) {
    cv::Mat area = MakeArea(150, 3, ppm, AreaContent::kBlank, {}, "", {.noise_sigma = 3, .blur_sigma = 0.6}, rng);
    const cv::Point2d c(0.7 * area.cols, 0.6 * area.rows);
    const double len = 1.9 * ppm, a = angle_deg * CV_PI / 180.0;
    cv::line(area, c, c + cv::Point2d(std::cos(a) * len, std::sin(a) * len), cv::Scalar(40),
             static_cast<int>(std::lround(0.45 * ppm)), cv::LINE_AA);
    FakeOcrEngine ocr;
    TextReading r = ReadTextArea(area, ppm, 3, &ocr);
    // Near level it is a short dash: "no comment" all the same.
    InkReport ink = DetectInk(area, ppm);
    EXPECT_TRUE(r.ink == InkClass::kStray || r.ink == InkClass::kDash)
        << angle_deg << ": " << r.reason << ", " << ink.components << " components in " << ink.ink_box_px;
    EXPECT_FALSE(r.needs_review);
    EXPECT_TRUE(ocr.seen.empty());
  }
}

// However sure the engine is, punctuation alone is what it makes of a stray stroke.
TEST(TextAreaTest, DraftWithoutLettersIsNeverAcceptedUnseen) {
  std::mt19937 rng(8);
  FakeOcrEngine ocr;
  ocr.Push(std::vector<std::pair<std::string, float>>{{"`", 0.99f}});
  TextReading r = ReadTextArea(Written({"Tốt"}, 2, rng), 8.0, 2, &ocr);
  ASSERT_EQ(r.ink, InkClass::kWritten);
  EXPECT_TRUE(r.needs_review);
  EXPECT_EQ(r.reason, "handwriting: check the draft transcription");
}

TEST(TextAreaTest, TwoWrittenLinesGiveTwoEngineCallsJoinedInNfc) {
  std::mt19937 rng(3);
  FakeOcrEngine ocr;
  // The engine answers in decomposed form (NFD); the reader must hand out NFC.
  ocr.Push({{"Thu\u0309", 0.97f}, {"tu\u0323c", 0.96f}, {"nhanh.", 0.98f}});
  ocr.Push({{"Ca\u0301n", 0.95f}, {"bô\u0323", 0.97f}, {"tô\u0301t.", 0.99f}});
  TextReading r = ReadTextArea(Written({"Thủ tục nhanh.", "Cán bộ tốt."}, 3, rng), 8.0, 3, &ocr);
  ASSERT_EQ(ocr.seen.size(), 2u);
  ASSERT_TRUE(r.text.has_value());
  EXPECT_EQ(*r.text, "Thủ tục nhanh.\nCán bộ tốt.");
  EXPECT_EQ(r.ink, InkClass::kWritten);
  EXPECT_FALSE(r.needs_review) << r.reason;
  EXPECT_GT(r.confidence, 0.95f);
  // Lines reach the engine rescaled to a workable x-height, dark on white.
  for (size_t i = 0; i < ocr.seen.size(); ++i) {
    EXPECT_GT(ocr.seen[i].rows, 40);
    EXPECT_LT(ocr.seen[i].rows, 200);
    EXPECT_GT(ocr.seen_px_per_mm[i], 8.0);
    EXPECT_EQ(ocr.seen[i].at<uchar>(0, 0), 255);
  }
}

TEST(TextAreaTest, OneDoubtfulWordSendsTheAreaToReviewWithItsDraft) {
  std::mt19937 rng(4);
  FakeOcrEngine ocr;
  ocr.Push({{"Phòng", 0.96f}, {"chờ", 0.40f}, {"chật.", 0.97f}});
  TextReading r = ReadTextArea(Written({"Phòng chờ chật."}, 2, rng), 8.0, 2, &ocr);
  EXPECT_TRUE(r.needs_review);
  ASSERT_TRUE(r.text.has_value());
  EXPECT_EQ(*r.text, "Phòng chờ chật.");
  EXPECT_FALSE(r.reason.empty());
}

TEST(TextAreaTest, EngineReadingNothingStillGoesToReview) {
  std::mt19937 rng(5);
  FakeOcrEngine ocr;  // no answers: empty lines
  TextReading r = ReadTextArea(Written({"Không có ý kiến."}, 1, rng), 8.0, 1, &ocr);
  EXPECT_EQ(r.ink, InkClass::kWritten);
  EXPECT_TRUE(r.needs_review);
  EXPECT_FALSE(r.text.has_value());
}

TEST(TextAreaTest, NoEngineMeansReview) {
  std::mt19937 rng(6);
  TextReading r = ReadTextArea(Written({"Tốt."}, 1, rng), 8.0, 1, nullptr);
  EXPECT_TRUE(r.needs_review);
  EXPECT_EQ(r.ink, InkClass::kWritten);
}

TEST(TextAreaTest, NfcNormalisation) {
  EXPECT_EQ(NormalizeNfc("Vie\u0323\u0302t"), "Việt");
  EXPECT_EQ(NormalizeNfc("Việt"), "Việt");
}

}  // namespace
}  // namespace phieu::recognition
