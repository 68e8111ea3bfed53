// Copyright 2026 The Phiếu Authors
// SPDX-License-Identifier: Apache-2.0
// ReasonText: the English wording of every reason code (docs/review-reasons.md).
#include <gtest/gtest.h>

#include <fstream>
#include <map>
#include <regex>
#include <sstream>

#include "recognition/reason_text_vi.h"
#include "recognition/recognition.h"

namespace phieu::recognition::testing {
namespace {

using core::ReviewReason;

TEST(ReasonText, KeepsTheWordingOfEveryBoxRule) {
  EXPECT_EQ(ReasonText(ReviewReason{"faint_mark", {{"box", "3"}}}), "box 3: faint mark");
  EXPECT_EQ(ReasonText(ReviewReason{"box_uncertain", {{"box", "1"}}}), "box 1: uncertain");
  EXPECT_EQ(ReasonText(ReviewReason{"heavy_mark", {{"box", "2"}}}), "box 2: heavy shading, mark or cancellation?");
  EXPECT_EQ(ReasonText(ReviewReason{"two_marks_single", {{"count", "2"}}}), "2 boxes marked in a one-answer question");
  EXPECT_EQ(ReasonText(ReviewReason{"over_max", {{"count", "4"}, {"max", "3"}}}), "4 marked, at most 3 allowed");
  EXPECT_EQ(ReasonText(ReviewReason{"fill_beside_cross", {{"count", "1"}}}),
            "1 box filled beside a cross: a correction or another choice?");
  EXPECT_EQ(ReasonText(ReviewReason{"fill_beside_cross", {{"count", "2"}}}),
            "2 boxes filled beside a cross: a correction or another choice?");
  EXPECT_EQ(ReasonText(ReviewReason{"faint_replacement", {{"box", "4"}}}),
            "box 4: a faint mark beside a filled box: the corrected answer, or a stray?");
  EXPECT_EQ(ReasonText(ReviewReason{"label_circled", {{"option", "5"}}}),
            "option 5: its label is circled, its box left empty");
  EXPECT_EQ(ReasonText(ReviewReason{"required_left_blank", {}}), kRequiredLeftBlank);
  EXPECT_EQ(ReasonText(ReviewReason{"required_blank_ink_beside", {}}),
            "required question unanswered (pen marks beside its boxes)");
}

TEST(ReasonText, JoinsReasonsAndAnOutlineNotFoundOfTheSameBox) {
  std::vector<ReviewReason> reasons = {{"faint_mark", {{"box", "3"}}},
                                       {"box_not_found", {{"box", "3"}}},
                                       {"box_not_found", {{"box", "4"}}},
                                       {"required_blank_faint", {}}};
  EXPECT_EQ(ReasonText(reasons),
            "box 3: faint mark, box outline not found; box 4: box outline not found; "
            "required question unanswered (faint ink seen)");
  EXPECT_EQ(ReasonText(std::vector<ReviewReason>{}), "");
}

TEST(ReasonText, DigitsAndHandwriting) {
  EXPECT_EQ(ReasonText(ReviewReason{"digits_unclear", {{"count", "1"}, {"over_border", "0"}}}), "1 digit unclear");
  EXPECT_EQ(ReasonText(ReviewReason{"digits_unclear", {{"count", "2"}, {"over_border", "1"}}}),
            "2 digits unclear (1 written over the cell border)");
  EXPECT_EQ(ReasonText(ReviewReason{"digit_out_of_range", {{"value", "1890"}, {"min", "1920"}, {"max", "2026"}}}),
            "1890 is outside 1920-2026");
  EXPECT_EQ(ReasonText(ReviewReason{"no_digit_model", {{"detail", "file missing"}}}), "no digit model (file missing)");
  EXPECT_EQ(ReasonText(ReviewReason{"dash", {}}), "a dash, not a comment");
  EXPECT_EQ(ReasonText(ReviewReason{"handwriting_check_draft", {}}), "handwriting: check the draft transcription");
  EXPECT_EQ(ReasonText(ReviewReason{"legacy", {{"text", "old words"}}}), "old words");
  EXPECT_EQ(ReasonText(ReviewReason{"some_future_code", {}}), "some_future_code");
}

// The terminal's Vietnamese (`phieu review list`) is the review screen's: every code of
// review-ui/assets/i18n.js kReasons has the same Vietnamese template here, and no other.
TEST(ReasonTextVi, IsTheReviewScreensCatalogue) {
  std::ifstream in(std::string(PHIEU_SOURCE_DIR) + "/review-ui/assets/i18n.js");
  ASSERT_TRUE(in) << "review-ui/assets/i18n.js";
  std::stringstream buf;
  buf << in.rdbuf();
  const std::string js = buf.str();
  const auto begin = js.find("const kReasons = {");
  ASSERT_NE(begin, std::string::npos);
  const std::string block = js.substr(begin, js.find("\n};", begin) - begin);
  std::map<std::string, std::string> screen;
  const std::regex entry(R"re((\w+):\s*\[\s*'([^']*)')re");
  for (auto it = std::sregex_iterator(block.begin(), block.end(), entry); it != std::sregex_iterator(); ++it)
    screen[(*it)[1]] = (*it)[2];
  ASSERT_GT(screen.size(), 25u);
  std::map<std::string, std::string> terminal;
  for (const auto& [code, text] : VietnameseReasonTemplates()) terminal[code] = text;
  EXPECT_EQ(terminal, screen);
  EXPECT_NE(block.find("digits_unclear: null"), std::string::npos) << "worded in code on both sides";
}

TEST(ReasonTextVi, FillsParametersAndFallsBackToEnglish) {
  EXPECT_EQ(ReasonTextVi(ReviewReason{"faint_mark", {{"box", "3"}}}), "ô 3: dấu mờ");
  EXPECT_EQ(ReasonTextVi(ReviewReason{"over_max", {{"count", "4"}, {"max", "3"}}}),
            "đánh dấu 4 ô, chỉ được chọn tối đa 3");
  EXPECT_EQ(ReasonTextVi(ReviewReason{"digits_unclear", {{"count", "2"}, {"over_border", "0"}}}), "2 chữ số không rõ");
  EXPECT_EQ(ReasonTextVi(ReviewReason{"digits_unclear", {{"count", "2"}, {"over_border", "1"}}}),
            "2 chữ số không rõ (1 viết đè lên viền ô)");
  EXPECT_EQ(ReasonTextVi(std::vector<ReviewReason>{{"label_marked", {{"option", "2"}}}, {"required_blank", {}}}),
            "phương án 2: có nét bút ở nhãn, ô để trống; câu bắt buộc chưa được trả lời");
  // A remark the screen has no words for: the English text rather than nothing.
  EXPECT_EQ(ReasonTextVi(ReviewReason{"dash", {}}), ReasonText(ReviewReason{"dash", {}}));
}

}  // namespace
}  // namespace phieu::recognition::testing
