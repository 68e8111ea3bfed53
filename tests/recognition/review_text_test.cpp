// Copyright 2026 The Phiếu Authors
// SPDX-License-Identifier: Apache-2.0
// ReasonText: the English wording of every reason code (docs/review-reasons.md).
#include <gtest/gtest.h>

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

}  // namespace
}  // namespace phieu::recognition::testing
