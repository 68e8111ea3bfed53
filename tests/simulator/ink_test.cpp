// Copyright 2026 The Phiếu Authors
// SPDX-License-Identifier: Apache-2.0
#include <gtest/gtest.h>
#include <opencv2/imgproc.hpp>

#include "simulator/src/damage.h"
#include "simulator/src/ink.h"

namespace phieu::simulator {
namespace {

constexpr double kDpi = 300.0;

cv::Rect BoxPx(const core::RectMm& b) {
  return cv::Rect(cvRound(core::MmToPx(b.x, kDpi)), cvRound(core::MmToPx(b.y, kDpi)),
                  cvRound(core::MmToPx(b.w, kDpi)), cvRound(core::MmToPx(b.h, kDpi)));
}

double Coverage(const cv::Mat& ink, const cv::Rect& r) {
  return cv::countNonZero(ink(r) > 64) / static_cast<double>(r.area());
}

Pen BluePen() {
  Pen p;
  p.width_mm = 0.45;
  return p;
}

TEST(InkTest, MarksPutInkInTheBoxAndCancelledFillsIt) {
  const core::RectMm box{20, 20, 5, 5};
  const cv::Rect inner = BoxPx({20.5, 20.5, 4, 4});
  for (MarkShape s : {MarkShape::kTick, MarkShape::kCross, MarkShape::kSlash, MarkShape::kDot,
                      MarkShape::kShade, MarkShape::kCancelled}) {
    for (int seed = 0; seed < 5; ++seed) {
      cv::Mat ink(600, 600, CV_8U, cv::Scalar(0));
      Rng rng(seed);
      DrawBoxMark(ink, box, s, BluePen(), kDpi, 1.0, false, rng);
      double cov = Coverage(ink, inner);
      SCOPED_TRACE(MarkShapeName(s));
      EXPECT_GT(cov, 0.02);
      if (s == MarkShape::kCancelled) EXPECT_GT(cov, 0.8);
      else EXPECT_LT(cov, 0.6);
      // Nothing far from the box unless it overflows.
      cv::Rect far = BoxPx({10, 10, 25, 25});
      EXPECT_EQ(cv::countNonZero(ink) - cv::countNonZero(ink(far)), 0);
    }
  }
}

TEST(InkTest, AnErasedMarkIsAFaintSmearOfTheUsualMark) {
  // What a rubber leaves of a pencil tick or cross: ink in and around the box, none of it
  // anywhere near a stroke's full darkness, much lighter than the mark drawn.
  const core::RectMm box{20, 20, 5, 5};
  Pen pencil = BluePen();
  pencil.pencil = true;
  for (MarkShape s : {MarkShape::kTick, MarkShape::kCross, MarkShape::kHatch}) {
    for (int seed = 0; seed < 5; ++seed) {
      SCOPED_TRACE(std::string(MarkShapeName(s)) + " seed " + std::to_string(seed));
      cv::Mat drawn(600, 600, CV_8U, cv::Scalar(0)), erased(600, 600, CV_8U, cv::Scalar(0));
      Rng a(seed), b(seed);
      DrawBoxMark(drawn, box, s, pencil, kDpi, 1.0, false, a);
      DrawErasedMark(erased, box, s, pencil, kDpi, 1.0, b);
      double peak = 0;
      cv::minMaxLoc(erased, nullptr, &peak);
      EXPECT_GT(peak, 8.0);                   // something is left
      EXPECT_LT(peak, 0.31 * 255);            // at most 30% of a full stroke
      EXPECT_LT(cv::sum(erased)[0], 0.5 * cv::sum(drawn)[0]);
      const cv::Rect far = BoxPx({15, 15, 15, 15});
      EXPECT_EQ(cv::countNonZero(erased) - cv::countNonZero(erased(far)), 0);
    }
  }
}

TEST(InkTest, HatchingMarkerCrossesAndScribblesInBothStrokeModels) {
  const core::RectMm box{20, 20, 5, 5};
  const cv::Rect inner = BoxPx({20.5, 20.5, 4, 4});
  for (const bool pressure : {false, true}) {
    for (const bool pencil : {false, true}) {
      for (int seed = 0; seed < 6; ++seed) {
        SCOPED_TRACE(std::string(pressure ? "pressure" : "polyline") + (pencil ? " pencil" : " pen") + " seed " +
                     std::to_string(seed));
        Pen pen = BluePen();
        pen.pressure_model = pressure;
        pen.pencil = pencil;
        if (pencil) pen.width_mm = 0.35;
        // Hatching: parallel strokes with paper between them, all inside the box.
        cv::Mat ink(600, 600, CV_8U, cv::Scalar(0));
        Rng rng(seed);
        DrawBoxMark(ink, box, MarkShape::kHatch, pen, kDpi, 1.0, false, rng);
        const double hatch = Coverage(ink, inner);
        EXPECT_GT(hatch, 0.15);
        EXPECT_LT(hatch, 0.9);
        const cv::Rect grown = BoxPx({19.7, 19.7, 5.6, 5.6});
        EXPECT_EQ(cv::countNonZero(ink) - cv::countNonZero(ink(grown)), 0);
        // A scribble: a tangle in the box.
        ink.setTo(0);
        DrawBoxMark(ink, box, MarkShape::kScribble, pen, kDpi, 1.0, false, rng);
        EXPECT_GT(Coverage(ink, inner), 0.05);
        EXPECT_EQ(cv::countNonZero(ink) - cv::countNonZero(ink(BoxPx({18, 18, 9, 9}))), 0);
        // A felt-pen cross: wide strokes.
        Pen marker = pen;
        marker.marker = true;
        marker.pencil = false;
        marker.width_mm = 1.3;
        ink.setTo(0);
        DrawBoxMark(ink, box, MarkShape::kMarkerCross, marker, kDpi, 1.0, false, rng);
        EXPECT_GT(Coverage(ink, inner), 0.3);
      }
    }
  }
}

TEST(InkTest, PressureStrokesTaperAtBothEnds) {
  cv::Mat ink(200, 400, CV_8U, cv::Scalar(0));
  Rng rng(4);
  DrawPressureStroke(ink, {{50, 100}, {200, 100}, {350, 100}}, 10.0, rng);
  auto width_at = [&](int x) { return cv::countNonZero(ink.col(x) > 64); };
  EXPECT_GT(width_at(200), width_at(52) + 1);
  EXPECT_GT(width_at(200), width_at(347) + 1);
  EXPECT_GE(width_at(200), 7);
  EXPECT_EQ(cv::countNonZero(ink.colRange(0, 40)), 0);
}

TEST(InkTest, CircleGoesAroundTheBox) {
  cv::Mat ink(600, 600, CV_8U, cv::Scalar(0));
  Rng rng(3);
  DrawBoxMark(ink, {20, 20, 5, 5}, MarkShape::kCircle, BluePen(), kDpi, 1.0, false, rng);
  EXPECT_LT(Coverage(ink, BoxPx({21, 21, 3, 3})), 0.01);
  EXPECT_GT(cv::countNonZero(ink), 200);
}

TEST(InkTest, LabelCircleRingsTheTextAndLeavesTheBoxEmpty) {
  const core::RectMm box{20, 20, 5, 5}, label{26.8, 20.4, 30, 4.2};
  for (int seed = 0; seed < 20; ++seed) {
    SCOPED_TRACE(seed);
    cv::Mat ink(600, 900, CV_8U, cv::Scalar(0));
    Rng rng(seed);
    DrawLabelCircle(ink, label, box, BluePen(), kDpi, rng);
    EXPECT_LT(Coverage(ink, BoxPx({20.6, 20.6, 3.8, 3.8})), 0.01) << "ink inside the box";
    EXPECT_LT(Coverage(ink, BoxPx({28, 21.2, 27.6, 2.6})), 0.01) << "ink over the text's core";
    // Above and below along the text, within 2.5 mm of it; nothing further out.
    EXPECT_GT(Coverage(ink, BoxPx({30, label.y - 2.5, 20, 2.6})), 0.02);
    EXPECT_GT(Coverage(ink, BoxPx({30, label.bottom() - 0.1, 20, 2.6})), 0.02);
    cv::Rect near = BoxPx({box.x - 4.5, label.y - 4.5, label.right() - box.x + 9, label.h + 9});
    EXPECT_EQ(cv::countNonZero(ink) - cv::countNonZero(ink(near)), 0);
  }
}

TEST(InkTest, SameRngSameStrokes) {
  cv::Mat a(400, 400, CV_8U, cv::Scalar(0)), b = a.clone();
  Rng r1(11), r2(11);
  DrawBoxMark(a, {10, 10, 5, 5}, MarkShape::kTick, BluePen(), kDpi, 1.1, true, r1);
  DrawBoxMark(b, {10, 10, 5, 5}, MarkShape::kTick, BluePen(), kDpi, 1.1, true, r2);
  EXPECT_EQ(cv::norm(a, b, cv::NORM_INF), 0);
}

TEST(InkTest, CompositeKeepsPaperAndColoursInk) {
  cv::Mat print(100, 100, CV_8U, cv::Scalar(255));
  cv::Mat ink(100, 100, CV_8U, cv::Scalar(0));
  ink(cv::Rect(40, 40, 20, 20)) = 255;
  Pen pen = BluePen();
  Rng rng(1);
  cv::Mat gray = Composite(print, ink, pen, false, rng);
  EXPECT_EQ(gray.at<uchar>(5, 5), 255);
  EXPECT_LT(gray.at<uchar>(50, 50), 100);
  cv::Mat bgr = Composite(print, ink, pen, true, rng);
  ASSERT_EQ(bgr.type(), CV_8UC3);
  cv::Vec3b paper = bgr.at<cv::Vec3b>(5, 5), stroke = bgr.at<cv::Vec3b>(50, 50);
  EXPECT_LT(paper[0], paper[2]);    // yellowish paper: less blue than red.
  EXPECT_GT(stroke[0], stroke[2] + 40);  // blue ink.
  Pen pencil;
  pencil.pencil = true;
  pencil.ink_gray = 160;
  pencil.opacity = 0.9;
  cv::Mat light = Composite(print, ink, pencil, false, rng);
  EXPECT_GT(cv::mean(light(cv::Rect(40, 40, 20, 20)))[0], 150);  // pencil is light.
}

TEST(DamageTest, CleanScanIsIdentityAndTurnsAreExact) {
  cv::Mat page(300, 200, CV_8U, cv::Scalar(255));
  cv::rectangle(page, cv::Rect(10, 10, 30, 20), cv::Scalar(0), cv::FILLED);
  Rng rng(1);
  ScanParams clean = DrawScanParams(rng, false, 0.5);
  EXPECT_EQ(cv::norm(ApplyScan(page, clean, 300, rng, nullptr), page, cv::NORM_INF), 0);
  clean.quarter_turns = 2;
  cv::Mat turned = ApplyScan(page, clean, 300, rng, nullptr), expect;
  cv::rotate(page, expect, cv::ROTATE_180);
  EXPECT_EQ(cv::norm(turned, expect, cv::NORM_INF), 0);
}

TEST(DamageTest, SkewKeepsTheWholePageOnTheScan) {
  cv::Mat page(700, 500, CV_8U, cv::Scalar(255));
  cv::rectangle(page, cv::Rect(0, 0, 40, 40), cv::Scalar(0), cv::FILLED);       // corner marks
  cv::rectangle(page, cv::Rect(460, 660, 40, 40), cv::Scalar(0), cv::FILLED);
  ScanParams p;
  p.skew_deg = 8;
  p.margin_mm = 2;
  Rng rng(2);
  std::vector<std::string> log;
  cv::Mat out = ApplyScan(page, p, 100, rng, &log);
  EXPECT_GT(out.cols, page.cols);
  // Both corner squares survive whole (ink area preserved within resampling error).
  EXPECT_NEAR(cv::countNonZero(out < 128), 3200, 250);
  EXPECT_FALSE(log.empty());
}

TEST(DamageTest, BinarizeGivesTwoLevels) {
  cv::Mat g(50, 50, CV_8U, cv::Scalar(230));
  g(cv::Rect(10, 10, 10, 10)) = 40;
  g(cv::Rect(30, 30, 10, 10)) = 170;  // light pencil
  cv::Mat out;
  Binarize(g, 200, out);
  EXPECT_EQ(cv::countNonZero(out == 0), 200);
  Binarize(g, 100, out);  // too low: the pencil square drops out.
  EXPECT_EQ(cv::countNonZero(out == 0), 100);
  cv::Mat values;
  EXPECT_EQ(cv::countNonZero((out != 0) & (out != 255)), 0);
}

TEST(DamageTest, BlotCoversMostOfItsRegion) {
  cv::Mat page(400, 400, CV_8U, cv::Scalar(255));
  Rng rng(4);
  cv::Rect r(100, 100, 160, 160);
  DrawBlot(page, r, rng);
  EXPECT_GT(cv::countNonZero(page(r) < 128), r.area() / 2);
}

}  // namespace
}  // namespace phieu::simulator
