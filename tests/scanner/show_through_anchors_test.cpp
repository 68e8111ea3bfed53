// Copyright 2026 The Phiếu Authors
// SPDX-License-Identifier: Apache-2.0
// Issue 18 item 3: show-through must not cost a page its anchors. On a duplex leaf each anchor
// has its twin on the back, mirrored right behind it (the anchors sit at mirror-symmetric
// corners). A bilevel scanner's high threshold turns the twin's diffused copy into specks and
// grown modules over the anchor's white modules and its finders' white rings.
#include <string>

#include <gtest/gtest.h>
#include <opencv2/imgproc.hpp>

#include "scanner/scanner.h"
#include "common/synthetic_page.h"

namespace phieu::scanner {
namespace {

// The bench stacks' short payload ("PH1|sipas|1|P|S|C": 25-module symbols).
const core::PageKey kFront{"sipas", 1, 1, 28};
const core::PageKey kBack{"sipas", 1, 2, 28};

struct Case {
  std::string name;
  double dpi = 300;
  double strength = 0.15;  ///< share of the back's darkness that shows through.
  double skew_deg = 0.0;
  double blur = 1.0;
  int threshold = 0;       ///< 0: a gray scan; else the bilevel threshold (paper at 238).
};
// The test name says the setting by name (not the struct's bytes, which vary from build to build).
void PrintTo(const Case& s, std::ostream* os) { *os << s.name; }

Scan MakeSheetSide(const Case& c, unsigned seed, cv::Matx33d* truth) {
  auto layout = testing::MakeLayout(kFront.template_id, kFront.version, 3);
  cv::Mat front = testing::RenderPage(*layout.FindPage(kFront.page), kFront, c.dpi);
  cv::Mat back = testing::RenderPage(*layout.FindPage(kBack.page), kBack, c.dpi);
  // The test's own model of the leaf: the back mirrored, diffused over 0.45 mm of paper, its
  // darkness subtracted at `strength` (the simulator multiplies instead).
  cv::Mat dark;
  cv::flip(back, back, 1);
  back.convertTo(dark, CV_32F, -1.0, 255.0);
  cv::GaussianBlur(dark, dark, cv::Size(0, 0), 0.45 * c.dpi / 25.4);
  cv::Mat f;
  front.convertTo(f, CV_32F);
  f -= c.strength * dark;
  f.convertTo(front, CV_8U);
  cv::Size canvas;
  const cv::Matx33d g = testing::MakeTransform(front.size(), {.skew_deg = c.skew_deg}, &canvas);
  Scan scan;
  scan.gray = testing::MakeScan(front, g, canvas,
                                {.blur_sigma = c.blur, .noise_sigma = 5, .paper_gray = 238, .seed = seed});
  if (c.threshold > 0) cv::threshold(scan.gray, scan.gray, c.threshold, 255, cv::THRESH_BINARY);
  scan.dpi = c.dpi;
  scan.source = {"duplex.tif", 0};
  *truth = testing::TrueMmToPx(g, c.dpi);
  return scan;
}

class ShowThroughAnchorsTest : public ::testing::TestWithParam<Case> {};

TEST_P(ShowThroughAnchorsTest, TheAnchorsTwinBehindItDoesNotLoseThePage) {
  templates::TemplateCatalog catalog;
  catalog.Add(testing::MakeLayout(kFront.template_id, kFront.version, 3));
  int found = 0;
  for (unsigned seed : {3u, 4u, 5u}) {
    cv::Matx33d truth;
    const Scan scan = MakeSheetSide(GetParam(), seed, &truth);
    const AlignedPage page = AlignPage(scan, catalog);
    ASSERT_EQ(page.status, AlignStatus::kOk) << GetParam().name << " seed " << seed << ": " << page.reason;
    EXPECT_EQ(page.key, kFront) << GetParam().name;
    // The page is where it is: its centre lands within a millimetre of the truth.
    const cv::Point2d centre = testing::Apply(page.mm_to_px, {105, 148.5});
    const cv::Point2d want = testing::Apply(truth, {105, 148.5});
    EXPECT_LT(cv::norm(centre - want) / (GetParam().dpi / 25.4), 1.0) << GetParam().name << " seed " << seed;
    found += page.anchors_found;
  }
  RecordProperty("anchors_found_of_12", std::to_string(found));
}

INSTANTIATE_TEST_SUITE_P(
    Scans, ShowThroughAnchorsTest,
    ::testing::Values(Case{"bilevel300", 300, 0.15, 0.0, 1.0, 206}, Case{"bilevel300_skewed", 300, 0.15, 2.2, 1.1, 206},
                      Case{"bilevel400", 400, 0.15, -1.0, 1.2, 204}, Case{"gray300", 300, 0.15, 1.0, 1.0, 0},
                      Case{"gray200", 200, 0.15, -0.8, 0.8, 0}),
    [](const auto& info) { return info.param.name; });

}  // namespace
}  // namespace phieu::scanner
