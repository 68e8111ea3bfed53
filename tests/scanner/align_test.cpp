// Copyright 2026 The Phiếu Authors
// SPDX-License-Identifier: Apache-2.0
#include <algorithm>
#include <chrono>
#include <cmath>
#include <iostream>
#include <tuple>

#include <gtest/gtest.h>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "scanner/scanner.h"
#include "common/synthetic_page.h"

namespace phieu::scanner {
namespace {

using testing::Damage;
using testing::Placement;

const core::PageKey kKey{"sipas-hcc", 1, 2, 1000123};

templates::TemplateCatalog Catalog() {
  templates::TemplateCatalog c;
  c.Add(testing::MakeLayout("sipas-hcc", 1, 3));
  c.Add(testing::MakeLayout("other", 2, 1));
  return c;
}

struct Built {
  Scan scan;
  cv::Matx33d truth;
};

Built Build(double dpi, const Placement& pl, const Damage& dmg, const testing::PageArt& art = {},
            const core::PageKey& key = kKey, bool keep_dpi = true) {
  auto layout = testing::MakeLayout(key.template_id, key.version, 3);
  cv::Mat page = testing::RenderPage(*layout.FindPage(key.page), key, dpi, art);
  cv::Size canvas;
  cv::Matx33d g = testing::MakeTransform(page.size(), pl, &canvas);
  Built b;
  b.scan.gray = testing::MakeScan(page, g, canvas, dmg);
  b.scan.dpi = keep_dpi ? dpi : 0.0;
  b.scan.source = {"synthetic.png", 0};
  b.truth = testing::TrueMmToPx(g, dpi);
  return b;
}

/// Largest distance, in mm at the scan's scale, between where the fit and the truth put
/// the layout's box corners and anchor centres.
double MaxErrorMm(const AlignedPage& page, const cv::Matx33d& truth, double dpi) {
  auto layout = testing::MakeLayout("x", 1, 1);
  std::vector<cv::Point2d> pts;
  for (const auto& f : layout.fields)
    for (const auto& o : f.options) {
      pts.push_back({o.box_mm.x, o.box_mm.y});
      pts.push_back({o.box_mm.right(), o.box_mm.bottom()});
    }
  pts.push_back({105, 148.5});
  pts.push_back({20, 280});
  pts.push_back({190, 20});
  double worst = 0;
  for (auto p : pts) {
    cv::Point2d d = testing::Apply(page.mm_to_px, p) - testing::Apply(truth, p);
    worst = std::max(worst, std::hypot(d.x, d.y));
  }
  return worst / (dpi / 25.4);
}

// dpi, quarter turns, skew, scale, damage preset
using Case = std::tuple<double, int, double, double, int>;

Damage Preset(int i) {
  switch (i) {
    case 0: return {};
    case 1: return {.blur_sigma = 0.8, .noise_sigma = 18, .paper_gray = 225, .seed = 7};
    case 2: return {.blur_sigma = 0.7, .noise_sigma = 6, .jpeg_quality = 60, .seed = 3};
    case 3: return {.blur_sigma = 0.6, .noise_sigma = 10, .binarise = true, .seed = 5};
  }
  return {};
}

class AlignCaseTest : public ::testing::TestWithParam<Case> {};

TEST_P(AlignCaseTest, IdentifiesAndAlignsWithinHalfMillimetre) {
  auto [dpi, turns, skew, scale, preset] = GetParam();
  Placement pl{.quarter_turns = turns, .skew_deg = skew, .scale = scale, .shear = 0.004};
  Built b = Build(dpi, pl, Preset(preset));
  AlignedPage page = AlignPage(b.scan, Catalog());
  ASSERT_EQ(page.status, AlignStatus::kOk) << page.reason;
  EXPECT_EQ(page.key, kKey);
  EXPECT_EQ(page.anchors_found, 4);
  EXPECT_EQ(page.rotation_deg, turns * 90);
  EXPECT_NEAR(page.px_per_mm, dpi / 25.4 * scale, 0.01 * dpi / 25.4);
  double err = MaxErrorMm(page, b.truth, dpi);
  EXPECT_LT(err, 0.5) << "residual " << page.residual_px;
  RecordProperty("max_error_mm", std::to_string(err));
  EXPECT_TRUE(page.reason.empty());
}

INSTANTIATE_TEST_SUITE_P(
    Pages, AlignCaseTest,
    ::testing::Values(Case{300, 0, 0.0, 1.0, 0}, Case{300, 0, 2.5, 1.0, 1},
                      Case{300, 1, -4.0, 0.98, 2}, Case{300, 2, 1.0, 1.02, 1},
                      Case{300, 3, 10.0, 1.0, 3}, Case{300, 0, -10.0, 0.97, 2},
                      Case{300, 2, -7.0, 1.03, 3}, Case{150, 0, 3.0, 1.0, 1},
                      Case{150, 2, -2.0, 1.01, 2}, Case{200, 1, 5.0, 0.99, 1},
                      Case{200, 3, -1.0, 1.0, 3}, Case{600, 2, 1.5, 1.0, 1}));

TEST(AlignPageTest, PerspectiveFromPhonePhotoIsFollowed) {
  Built b = Build(300, {.skew_deg = 3, .perspective = 0.03}, Preset(1));
  AlignedPage page = AlignPage(b.scan, Catalog());
  ASSERT_EQ(page.status, AlignStatus::kOk) << page.reason;
  EXPECT_LT(MaxErrorMm(page, b.truth, 300), 0.5);
}

TEST(AlignPageTest, OneAnchorBlackedOutStillAligns) {
  auto layout = testing::MakeLayout(kKey.template_id, kKey.version, 3);
  cv::Mat pg = testing::RenderPage(*layout.FindPage(kKey.page), kKey, 300);
  const auto& br = layout.FindPage(kKey.page)->anchors[templates::kBottomRight].symbol_mm;
  const double s = 300 / 25.4;
  cv::rectangle(pg, cv::Rect(static_cast<int>(br.x * s) - 5, static_cast<int>(br.y * s) - 5,
                             static_cast<int>(br.w * s) + 10, static_cast<int>(br.h * s) + 10),
                cv::Scalar(0), cv::FILLED);
  cv::Size canvas;
  cv::Matx33d g = testing::MakeTransform(pg.size(), {.quarter_turns = 2, .skew_deg = 2}, &canvas);
  Scan scan;
  scan.gray = testing::MakeScan(pg, g, canvas, Preset(1));
  scan.dpi = 300;
  AlignedPage page = AlignPage(scan, Catalog());
  ASSERT_EQ(page.status, AlignStatus::kOk) << page.reason;
  EXPECT_EQ(page.key, kKey);
  EXPECT_EQ(page.anchors_found, 3);
  EXPECT_EQ(page.rotation_deg, 180);
  EXPECT_LT(MaxErrorMm(page, testing::TrueMmToPx(g, 300), 300), 0.5);
}

TEST(AlignPageTest, TwoDiagonalAnchorsAlign) {
  testing::PageArt art;
  art.anchors[templates::kTopRight] = art.anchors[templates::kBottomLeft] = false;
  Built b = Build(300, {.skew_deg = -3}, Preset(2), art);
  AlignedPage page = AlignPage(b.scan, Catalog());
  ASSERT_EQ(page.status, AlignStatus::kOk) << page.reason;
  EXPECT_EQ(page.anchors_found, 2);
  EXPECT_LT(MaxErrorMm(page, b.truth, 300), 0.5);
}

TEST(AlignPageTest, SingleAnchorStillIdentifiesThePage) {
  testing::PageArt art;
  art.anchors[1] = art.anchors[2] = art.anchors[3] = false;
  Built b = Build(300, {.skew_deg = 1.5}, Preset(0), art);
  AlignedPage page = AlignPage(b.scan, Catalog());
  EXPECT_EQ(page.key, kKey);
  EXPECT_EQ(page.anchors_found, 1);
  ASSERT_EQ(page.status, AlignStatus::kOk) << page.reason;
  // A 14 mm baseline: rotation error grows with distance, so the bar is looser.
  EXPECT_LT(MaxErrorMm(page, b.truth, 300), 2.0);
}

TEST(AlignPageTest, WorksWithoutDpiMetadata) {
  Built b = Build(200, {.quarter_turns = 1, .skew_deg = 2}, Preset(1), {}, kKey, false);
  AlignedPage page = AlignPage(b.scan, Catalog());
  ASSERT_EQ(page.status, AlignStatus::kOk) << page.reason;
  EXPECT_NEAR(page.px_per_mm, 200 / 25.4, 0.05);
}

TEST(AlignPageTest, ForeignCodeOnly) {
  testing::PageArt art;
  art.foreign_text = "https://dichvucong.gov.vn/p/home/dvc-trang-chu.html?ref=abcdef";
  Built b = Build(300, {}, Preset(1), art);
  AlignedPage page = AlignPage(b.scan, Catalog());
  EXPECT_EQ(page.status, AlignStatus::kForeignCode);
  EXPECT_NE(page.reason.find("none is a Phiếu anchor: 'https://dichvucong.gov.vn/p/home/dvc-tra'"),
            std::string::npos)
      << page.reason;
}

TEST(AlignPageTest, BlankPage) {
  Scan scan;
  scan.gray = testing::MakeScan(cv::Mat(3508, 2480, CV_8UC1, cv::Scalar(255)),
                                cv::Matx33d::eye(), {2480, 3508}, Preset(1));
  // A dark scanner-lid shadow along one edge is still a blank page.
  cv::rectangle(scan.gray, cv::Rect(0, 0, 40, 3508), cv::Scalar(30), cv::FILLED);
  AlignedPage page = AlignPage(scan, Catalog());
  EXPECT_EQ(page.status, AlignStatus::kBlank);
  EXPECT_EQ(page.reason, "blank page");
}

TEST(AlignPageTest, TextWithoutCodesIsNoAnchors) {
  testing::PageArt art;
  art.anchors[0] = art.anchors[1] = art.anchors[2] = art.anchors[3] = false;
  Built b = Build(300, {.skew_deg = 1}, Preset(1), art);
  AlignedPage page = AlignPage(b.scan, Catalog());
  EXPECT_EQ(page.status, AlignStatus::kNoAnchors);
  EXPECT_EQ(page.reason, "no QR anchor found");
}

TEST(AlignPageTest, UnknownTemplate) {
  core::PageKey key{"sipas-yte", 1, 1, 5};
  Built b = Build(300, {}, Preset(0), {}, key);
  AlignedPage page = AlignPage(b.scan, Catalog());
  EXPECT_EQ(page.status, AlignStatus::kUnknownTemplate);
  EXPECT_EQ(page.key, key);
  EXPECT_NE(page.reason.find("sipas-yte"), std::string::npos) << page.reason;
}

TEST(AlignPageTest, UnknownVersion) {
  core::PageKey key{"sipas-hcc", 3, 1, 5};
  Built b = Build(300, {}, Preset(0), {}, key);
  AlignedPage page = AlignPage(b.scan, Catalog());
  EXPECT_EQ(page.status, AlignStatus::kUnknownVersion);
  EXPECT_EQ(page.reason, "template sipas-hcc version 3 is not registered (known: 1)");
}

TEST(AlignPageTest, PageNumberBeyondTheTemplateIsInconsistent) {
  core::PageKey key{"other", 2, 2, 5};  // "other" v2 has one page
  Built b = Build(300, {}, Preset(0), {}, key);
  EXPECT_EQ(AlignPage(b.scan, Catalog()).status, AlignStatus::kInconsistent);
}

TEST(AlignPageTest, AnchorsFromTwoSheetsAreInconsistent) {
  testing::PageArt art;
  art.per_corner_keys = true;
  core::PageKey other = kKey;
  other.serial = 1000124;
  art.keys[0] = art.keys[2] = kKey;
  art.keys[1] = art.keys[3] = other;
  Built b = Build(300, {}, Preset(1), art);
  AlignedPage page = AlignPage(b.scan, Catalog());
  EXPECT_EQ(page.status, AlignStatus::kInconsistent);
  EXPECT_NE(page.reason.find("1000124"), std::string::npos) << page.reason;
}

TEST(AlignPageTest, ClearMajorityOutvotesAStrayAnchor) {
  testing::PageArt art;
  art.per_corner_keys = true;
  core::PageKey other = kKey;
  other.serial = 999;
  art.keys[0] = art.keys[1] = art.keys[2] = kKey;
  art.keys[3] = other;
  Built b = Build(300, {.skew_deg = 1}, Preset(1), art);
  AlignedPage page = AlignPage(b.scan, Catalog());
  ASSERT_EQ(page.status, AlignStatus::kOk) << page.reason;
  EXPECT_EQ(page.key, kKey);
  EXPECT_EQ(page.anchors_found, 3);
  EXPECT_LT(MaxErrorMm(page, b.truth, 300), 0.5);
}

TEST(AlignPageTest, GeometryThatDoesNotFitTheLayoutIsPoorFit) {
  // Anchors of a page printed at a different size (a photocopy reduced to A5 and pasted
  // on A4) still decode, but their spacing contradicts the layout's.
  auto layout = testing::MakeLayout(kKey.template_id, kKey.version, 3);
  templates::PageLayout squeezed = *layout.FindPage(kKey.page);
  squeezed.anchors[templates::kBottomRight].symbol_mm.x -= 40;  // one anchor 40 mm off
  squeezed.anchors[templates::kBottomLeft].symbol_mm.y -= 60;
  cv::Mat pg = testing::RenderPage(squeezed, kKey, 300);
  Scan scan;
  scan.gray = pg;
  scan.dpi = 300;
  AlignedPage page = AlignPage(scan, Catalog());
  EXPECT_EQ(page.status, AlignStatus::kPoorFit) << page.reason;
}

TEST(AlignPageTest, MirroredAnchorsShowingThroughAreNotAnchors) {
  // The blank back of a sheet, scanned with a low binarisation threshold, shows the front's
  // print mirrored. ZXing decodes mirrored QR codes; taking them as anchors would give the
  // back to the front's sheet (seen on the bench stack: a 600-dpi G4 blank back).
  auto layout = testing::MakeLayout(kKey.template_id, kKey.version, 3);
  cv::Mat pg = testing::RenderPage(*layout.FindPage(kKey.page), kKey, 300);
  cv::flip(pg, pg, 1);
  Scan scan;
  scan.gray = pg;
  scan.dpi = 300;
  AlignedPage page = AlignPage(scan, Catalog());
  EXPECT_NE(page.status, AlignStatus::kOk) << "serial " << page.key.serial;
  EXPECT_EQ(page.anchors_found, 0);
}

/// The bench stacks' anchors ("PH1|sipas|1|2|34|1") are 25-module symbols, ~3 px a module at
/// 150 dpi (kKey's longer payload makes 29 modules).
const core::PageKey kShortKey{"sipas", 1, 2, 34};

/// A 150-dpi scan blurred and then binarised to 1 bit with a high threshold, as office
/// scanners do in G4 "text" mode: black grows ~0.9 px a side and the 3 px modules merge into
/// blobs (seen on the bench stacks: every unidentified form page looked like this).
Built MergedModulesScan(const Placement& pl, double blur, int threshold, unsigned seed,
                        bool mirror = false) {
  auto layout = testing::MakeLayout(kShortKey.template_id, kShortKey.version, 3);
  cv::Mat page = testing::RenderPage(*layout.FindPage(kShortKey.page), kShortKey, 150);
  if (mirror) cv::flip(page, page, 1);
  cv::Size canvas;
  cv::Matx33d g = testing::MakeTransform(page.size(), pl, &canvas);
  Built b;
  b.scan.gray = testing::MakeScan(
      page, g, canvas, {.blur_sigma = blur, .noise_sigma = 4, .paper_gray = 240, .seed = seed});
  cv::threshold(b.scan.gray, b.scan.gray, threshold, 255, cv::THRESH_BINARY);
  b.scan.dpi = 150;
  b.scan.source = {"g4.tif", 0};
  b.truth = testing::TrueMmToPx(g, 150);
  return b;
}

TEST(AlignPageTest, LowResolutionBilevelWithMergedModulesIsIdentified) {
  const struct {
    Placement placement;
    double blur;
    int threshold;
  } cases[] = {
      // The synthetic page is already soft from rendering and warping at 150 dpi, so a blur of
      // 0.8-1.1 here grows black as much as the bench's 1.0-1.2 did (judged on the images);
      // without the rescue of merged modules none of these pages is identified.
      {{.skew_deg = -2.3, .scale = 0.98}, 0.9, 190},
      {{.skew_deg = 2.0, .scale = 1.01}, 1.0, 190},
      {{.quarter_turns = 2, .skew_deg = 0.4}, 0.8, 190},
      {{.skew_deg = -0.3}, 1.1, 190},
      {{.quarter_turns = 1, .skew_deg = 1.3}, 0.8, 200},
      {{.skew_deg = 1.3}, 1.0, 180}};
  templates::TemplateCatalog catalog;
  catalog.Add(testing::MakeLayout(kShortKey.template_id, kShortKey.version, 3));
  unsigned seed = 11;
  int anchors = 0;
  for (const auto& c : cases) {
    Built b = MergedModulesScan(c.placement, c.blur, c.threshold, ++seed);
    AlignedPage page = AlignPage(b.scan, catalog);
    EXPECT_EQ(page.status, AlignStatus::kOk) << "seed " << seed << ": " << page.reason;
    EXPECT_EQ(page.key, kShortKey);
    EXPECT_EQ(page.rotation_deg, c.placement.quarter_turns * 90);
    // Down to one anchor: the 14 mm baseline bounds the accuracy (as for a single anchor).
    EXPECT_LT(MaxErrorMm(page, b.truth, 150), page.anchors_found > 1 ? 1.0 : 2.0)
        << "seed " << seed << ", anchors " << page.anchors_found;
    anchors += page.anchors_found;
  }
  std::cout << "[merged modules] anchors decoded: " << anchors << " of 24\n";
  RecordProperty("anchors_found_of_24", std::to_string(anchors));
}

TEST(AlignPageTest, AnchorsPastDecodingAreMatchedAgainstTheExpectedSheet) {
  // A 150-dpi bilevel scan whose leaf's other side (page 1 of the same sheet) shows through at
  // 15%: the merged modules, with the copy's specks, defeat the decoder and the rescue. Its
  // neighbour in a duplex batch says which sheet it may be of (AlignOptions::expected): what is
  // left of its anchors matches that sheet's page 2 nearly module for module, and no other. The
  // same page expected to be of serial 35 (one digit off) is not identified.
  templates::TemplateCatalog catalog;
  catalog.Add(testing::MakeLayout(kShortKey.template_id, kShortKey.version, 3));
  auto layout = testing::MakeLayout(kShortKey.template_id, kShortKey.version, 3);
  const cv::Mat page = testing::RenderPage(*layout.FindPage(kShortKey.page), kShortKey, 150);
  cv::Mat back = testing::RenderPage(*layout.FindPage(1), {kShortKey.template_id, 1, 1, 34}, 150);
  cv::flip(back, back, 1);
  cv::GaussianBlur(back, back, cv::Size(0, 0), 1.5);
  cv::Mat dark, shown;
  cv::subtract(cv::Scalar(255), back, dark);
  cv::subtract(page, dark * 0.15, shown);
  const struct {
    double skew, blur;
    int threshold;
    bool decodes;  // without the expectation
  } cases[] = {{1.1, 0.8, 195, false}, {0.4, 0.85, 192, true}};
  for (const auto& c : cases) {
    cv::Size canvas;
    const cv::Matx33d g = testing::MakeTransform(shown.size(), {.skew_deg = c.skew}, &canvas);
    Scan scan;
    scan.gray = testing::MakeScan(shown, g, canvas, {.blur_sigma = c.blur, .noise_sigma = 4, .paper_gray = 240, .seed = 31});
    cv::threshold(scan.gray, scan.gray, c.threshold, 255, cv::THRESH_BINARY);
    scan.dpi = 150;
    const AlignedPage plain = AlignPage(scan, catalog);
    EXPECT_EQ(plain.status == AlignStatus::kOk, c.decodes) << "skew " << c.skew << ": " << plain.reason;
    AlignOptions sheet;
    sheet.expected = {{kShortKey.template_id, 1, 1, 34}, kShortKey, {kShortKey.template_id, 1, 3, 34}};
    const AlignedPage known = AlignPage(scan, catalog, sheet);
    ASSERT_EQ(known.status, AlignStatus::kOk) << "skew " << c.skew << ": " << known.reason;
    EXPECT_EQ(known.key, kShortKey);
    EXPECT_GE(known.anchors_found, plain.anchors_found);
    EXPECT_LT(MaxErrorMm(known, testing::TrueMmToPx(g, 150), 150), 2.0);
    AlignOptions other;
    other.expected = {{kShortKey.template_id, 1, 1, 35}, {kShortKey.template_id, 1, 2, 35}, {kShortKey.template_id, 1, 3, 35}};
    const AlignedPage stranger = AlignPage(scan, catalog, other);
    EXPECT_NE(stranger.key.serial, 35) << "skew " << c.skew;
    EXPECT_EQ(stranger.status == AlignStatus::kOk, c.decodes) << "skew " << c.skew;
  }
}

TEST(AlignPageTest, MirroredMergedModulesAreNotAnchors) {
  // The rescue samples the module grid itself; a mirrored print must still be refused
  // (without the check all four mirrored anchors decode at this damage).
  Built b = MergedModulesScan({.skew_deg = 1.0}, 0.8, 190, 21, /*mirror=*/true);
  templates::TemplateCatalog catalog;
  catalog.Add(testing::MakeLayout(kShortKey.template_id, kShortKey.version, 3));
  AlignedPage page = AlignPage(b.scan, catalog);
  EXPECT_NE(page.status, AlignStatus::kOk) << "serial " << page.key.serial;
  EXPECT_EQ(page.anchors_found, 0);
}

TEST(WarpRegionTest, CutsTheRequestedRegionUpright) {
  Built b = Build(300, {.quarter_turns = 2, .skew_deg = 4}, Preset(0));
  AlignedPage page = AlignPage(b.scan, Catalog());
  ASSERT_EQ(page.status, AlignStatus::kOk) << page.reason;
  // A 5 mm box at (40, 60): cut 9 x 9 mm around it at 10 px/mm; the box outline must sit
  // 2 mm in from each side.
  cv::Mat crop = WarpRegion(b.scan, page, {38, 58, 9, 9}, 10.0);
  ASSERT_EQ(crop.size(), cv::Size(90, 90));
  cv::Mat col_ink, row_ink;
  cv::reduce(255 - crop, col_ink, 0, cv::REDUCE_SUM, CV_64F);
  cv::reduce(255 - crop, row_ink, 1, cv::REDUCE_SUM, CV_64F);
  cv::Point left, right, top, bottom;
  cv::minMaxLoc(col_ink.colRange(0, 45), nullptr, nullptr, nullptr, &left);
  cv::minMaxLoc(col_ink.colRange(45, 90), nullptr, nullptr, nullptr, &right);
  cv::minMaxLoc(row_ink.rowRange(0, 45), nullptr, nullptr, nullptr, &top);
  cv::minMaxLoc(row_ink.rowRange(45, 90), nullptr, nullptr, nullptr, &bottom);
  EXPECT_NEAR(left.x, 20, 3);
  EXPECT_NEAR(right.x + 45, 70, 3);
  EXPECT_NEAR(top.y, 20, 3);
  EXPECT_NEAR(bottom.y + 45, 70, 3);
  // Off the scan: white paper, right size.
  cv::Mat off = WarpRegion(b.scan, page, {-500, -500, 10, 5}, 4.0);
  EXPECT_EQ(off.size(), cv::Size(40, 20));
  EXPECT_EQ(cv::countNonZero(off != 255), 0);
  // Down-sampled whole page (the pre-shrink path) keeps content where it belongs.
  cv::Mat whole = WarpRegion(b.scan, page, {0, 0, 210, 297}, 2.0);
  EXPECT_EQ(whole.size(), cv::Size(420, 594));
  EXPECT_LT(cv::mean(whole(cv::Rect(16, 16, 28, 28)))[0], 160);  // TL anchor is dark
  EXPECT_GT(cv::mean(whole(cv::Rect(200, 500, 100, 60)))[0], 250);  // empty paper
  EXPECT_THROW(WarpRegion(b.scan, page, {0, 0, 0, 5}, 4.0), std::invalid_argument);
}

TEST(ThumbnailTest, SmallJpegKeepsAspect) {
  cv::Mat img(3508, 2480, CV_8UC1, cv::Scalar(200));
  auto jpg = MakeThumbnailJpeg(img, 400);
  ASSERT_FALSE(jpg.empty());
  cv::Mat back = cv::imdecode(jpg, cv::IMREAD_UNCHANGED);
  EXPECT_EQ(back.rows, 400);
  EXPECT_EQ(back.cols, 283);
  EXPECT_TRUE(MakeThumbnailJpeg(cv::Mat(), 400).empty());
}

TEST(AlignPageBench, Median300DpiAlignTime) {
  Built b = Build(300, {.skew_deg = 2.5}, Preset(1));
  auto catalog = Catalog();
  std::vector<double> ms;
  for (int i = 0; i < 20; ++i) {
    auto t0 = std::chrono::steady_clock::now();
    AlignedPage page = AlignPage(b.scan, catalog);
    ms.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count());
    ASSERT_EQ(page.status, AlignStatus::kOk);
  }
  std::sort(ms.begin(), ms.end());
  std::cout << "[bench] AlignPage 300 dpi A4, 4 anchors, median of 20: " << ms[10] << " ms (min "
            << ms[0] << ", max " << ms.back() << ")\n";
  RecordProperty("align_median_ms", std::to_string(ms[10]));
}

}  // namespace
}  // namespace phieu::scanner
