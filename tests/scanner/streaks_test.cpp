// Copyright 2026 The Phiếu Authors
// SPDX-License-Identifier: Apache-2.0
#include <gtest/gtest.h>
#include <opencv2/core.hpp>
#include <opencv2/imgproc.hpp>

#include "scanner/scanner.h"

namespace phieu::scanner {
namespace {

constexpr int kW = 2480, kH = 3508;  // A4 at 300 dpi
constexpr int kBoxX = 1540, kBoxPx = 59;

int BoxY(int i) { return 600 + i * 94; }  // a column of 25 boxes, 8 mm apart

/// A form page: noisy paper, a printed rule across the width (within the print margins), a
/// column of checkboxes, and a pen cross in box 3.
cv::Mat FormPage() {
  cv::Mat page(kH, kW, CV_8UC1);
  cv::randn(page, 235, 4);
  cv::line(page, {118, 450}, {kW - 118, 450}, 20, 3);
  for (int i = 0; i < 25; ++i) cv::rectangle(page, cv::Rect(kBoxX, BoxY(i), kBoxPx, kBoxPx), 30, 3);
  cv::line(page, {kBoxX + 8, BoxY(3) + 8}, {kBoxX + 51, BoxY(3) + 51}, 40, 5);
  cv::line(page, {kBoxX + 51, BoxY(3) + 8}, {kBoxX + 8, BoxY(3) + 51}, 40, 5);
  return page;
}

/// Dust on the glass: the page darkened to `keep` along columns [x, x + width).
void AddStreak(cv::Mat& page, int x, int width, double keep) {
  cv::Mat band = page.colRange(x, x + width);
  band.convertTo(band, -1, keep, 0);
}

double MinInside(const cv::Mat& page, int i) {
  double lo = 0;
  cv::minMaxLoc(page(cv::Rect(kBoxX + 7, BoxY(i) + 7, kBoxPx - 14, kBoxPx - 14)), &lo);
  return lo;
}

TEST(ScannerStreakTest, StreakDownAColumnOfBoxesIsPaintedOut) {
  cv::Mat page = FormPage();
  const int x = kBoxX + kBoxPx / 2 - 1;
  AddStreak(page, x, 3, 0.5);
  ASSERT_LT(MinInside(page, 0), 140);  // the streak crosses every box like a stroke

  auto found = RemoveScannerStreaks(page);
  ASSERT_EQ(found.size(), 1u);
  EXPECT_TRUE(found[0].vertical);
  EXPECT_LE(found[0].from_px, x);
  EXPECT_GE(found[0].to_px, x + 2);
  EXPECT_LE(found[0].to_px - found[0].from_px, 8);
  for (int i : {0, 1, 2, 4, 12, 24}) EXPECT_GT(MinInside(page, i), 200) << "box " << i;
  EXPECT_LT(MinInside(page, 3), 80);  // the cross stays
  // Printed lines crossing the streak continue through it.
  EXPECT_LT(page.at<uchar>(450, x + 1), 80);
  EXPECT_LT(page.at<uchar>(BoxY(5) + 1, x + 1), 80);
}

TEST(ScannerStreakTest, AGrayStreakAlongABoxEdgeGivesTheEdgeBack) {
  cv::Mat page = FormPage();
  const cv::Mat clean = page.clone();
  AddStreak(page, kBoxX - 1, 3, 0.55);  // right over the boxes' left edges
  auto found = RemoveScannerStreaks(page);
  ASSERT_EQ(found.size(), 1u);
  for (int i : {0, 9, 24}) {
    EXPECT_LT(page.at<uchar>(BoxY(i) + kBoxPx / 2, kBoxX), 80) << "box " << i << " lost its edge";
    EXPECT_GT(MinInside(page, i), 200) << "box " << i;
  }
  // Paper under the streak comes back to paper, within the noise.
  cv::Mat diff;
  cv::absdiff(page.colRange(kBoxX - 3, kBoxX + 4), clean.colRange(kBoxX - 3, kBoxX + 4), diff);
  EXPECT_LT(cv::mean(diff)[0], 6.0);
}

TEST(ScannerStreakTest, ABlackStreakOnABilevelScanIsBlendedAcross) {
  cv::Mat page = FormPage(), bilevel;
  cv::threshold(page, bilevel, 128, 255, cv::THRESH_BINARY);
  const int x = kBoxX + kBoxPx / 2;
  bilevel.colRange(x, x + 2).setTo(0);
  auto found = RemoveScannerStreaks(bilevel);
  ASSERT_EQ(found.size(), 1u);
  for (int i : {0, 5, 24}) EXPECT_GT(MinInside(bilevel, i), 200) << "box " << i;
  EXPECT_LT(MinInside(bilevel, 3), 80);  // the cross stays
}

TEST(ScannerStreakTest, AcrossThePageOnARotatedScanToo) {
  cv::Mat page = FormPage();
  AddStreak(page, kBoxX + 20, 2, 0.3);
  cv::Mat turned;
  cv::rotate(page, turned, cv::ROTATE_90_CLOCKWISE);  // the streak now runs across
  auto found = RemoveScannerStreaks(turned);
  ASSERT_EQ(found.size(), 1u);
  EXPECT_FALSE(found[0].vertical);
  cv::rotate(turned, page, cv::ROTATE_90_COUNTERCLOCKWISE);
  for (int i : {0, 7, 20}) EXPECT_GT(MinInside(page, i), 200) << "box " << i;
}

TEST(ScannerStreakTest, PrintedLinesAndMarksAreNotStreaks) {
  cv::Mat page = FormPage();
  // A long pen line down the page (not to its ends) and a ruler-straight printed one
  // that stops at the margins: neither is the scanner's.
  cv::line(page, {600, 300}, {600, kH - 300}, 50, 3);
  cv::line(page, {900, 118}, {900, kH - 118}, 20, 2);
  const cv::Mat before = page.clone();
  EXPECT_TRUE(RemoveScannerStreaks(page).empty());
  EXPECT_EQ(cv::norm(page, before, cv::NORM_INF), 0);
}

TEST(ScannerStreakTest, SmallImagesAreLeftAlone) {
  cv::Mat small(100, 80, CV_8UC1, cv::Scalar(255));
  small.col(40).setTo(0);
  EXPECT_TRUE(RemoveScannerStreaks(small).empty());
}

}  // namespace
}  // namespace phieu::scanner
