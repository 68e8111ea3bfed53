// Copyright 2026 The Phiếu Authors
// SPDX-License-Identifier: Apache-2.0
// The real Tesseract adapter on a clean rendered Vietnamese line.

#include <filesystem>
#include <random>

#include <gtest/gtest.h>

#include "handwriting/handwriting_synth.h"
#include "recognition/handwriting.h"

namespace phieu::recognition {
namespace {

bool HaveTraineddata(const std::string& lang) {
  return std::filesystem::exists("/usr/share/tesseract-ocr/5/tessdata/" + lang + ".traineddata");
}

class TesseractEngineTest : public ::testing::TestWithParam<std::string> {};

TEST_P(TesseractEngineTest, ReadsACleanVietnameseLineInNfc) {
  if (!HaveTraineddata(GetParam())) GTEST_SKIP() << GetParam() << ".traineddata not installed";
  auto engine = MakeTesseractEngine(GetParam());
  ASSERT_TRUE(engine.ok()) << engine.error().message;
  std::mt19937 rng(7);
  const std::string truth = "Thủ tục còn rườm rà, cần rút ngắn thời gian giải quyết.";
  cv::Mat area = testing::MakeArea(175, 1, 8.0, testing::AreaContent::kWritten, {truth}, "DejaVu Sans",
                                   testing::AreaDamage{.blur_sigma = 0.4}, rng);
  TextReading r = ReadTextArea(area, 8.0, 1, engine->get());
  ASSERT_TRUE(r.text.has_value()) << r.reason;
  EXPECT_EQ(*r.text, truth);
  EXPECT_EQ(NormalizeNfc(*r.text), *r.text);
  ASSERT_EQ(r.lines.size(), 1u);
  EXPECT_EQ(r.lines[0].words.size(), 12u);
  for (const OcrWord& w : r.lines[0].words) {
    EXPECT_GE(w.confidence, 0.0f);
    EXPECT_LE(w.confidence, 1.0f);
  }
  EXPECT_GT(r.confidence, 0.8f);
}

INSTANTIATE_TEST_SUITE_P(Models, TesseractEngineTest, ::testing::Values("vie", "Vietnamese"));

TEST(TesseractEngineErrorTest, UnknownLanguageIsAnError) {
  auto engine = MakeTesseractEngine("no-such-language");
  ASSERT_FALSE(engine.ok());
  EXPECT_EQ(engine.error().code, "ocr");
}

TEST(TesseractEngineErrorTest, BlankImageGivesEmptyLine) {
  if (!HaveTraineddata("vie")) GTEST_SKIP();
  auto engine = MakeTesseractEngine("vie");
  ASSERT_TRUE(engine.ok());
  OcrLine l = (*engine)->RecognizeLine(cv::Mat(60, 300, CV_8U, cv::Scalar(255)), 8.0);
  EXPECT_TRUE(l.text.empty());
  EXPECT_THROW((*engine)->RecognizeLine(cv::Mat(), 8.0), std::invalid_argument);
}

}  // namespace
}  // namespace phieu::recognition
