// Copyright 2026 The Phiếu Authors
// SPDX-License-Identifier: Apache-2.0
//
// Render -> rasterise (poppler, 300 dpi) -> check what a scanner will see: the QR anchors decode
// to the right payloads at the layout's positions, the tick boxes sit where the layout says,
// the anchors' quiet zones are empty paper, and the Vietnamese text is really in the PDF.
#include <ZXing/ReadBarcode.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <memory>
#include <opencv2/core.hpp>
#include <opencv2/imgproc.hpp>
#include <poppler-document.h>
#include <poppler-page-renderer.h>
#include <poppler-page.h>

#include "common/temp_dir.h"
#include "templates/templates.h"
#include "templates/test_util.h"

namespace phieu::templates {
namespace {

using testing::TestDataPath;

constexpr double kDpi = 300.0;
constexpr double kTolMm = 0.3;

double Px(double mm) { return core::MmToPx(mm, kDpi); }

cv::Mat Rasterise(poppler::document& doc, int index) {
  std::unique_ptr<poppler::page> page(doc.create_page(index));
  poppler::page_renderer renderer;
  renderer.set_render_hint(poppler::page_renderer::antialiasing);
  renderer.set_render_hint(poppler::page_renderer::text_antialiasing);
  renderer.set_image_format(poppler::image::format_gray8);
  poppler::image im = renderer.render_page(page.get(), kDpi, kDpi);
  return cv::Mat(im.height(), im.width(), CV_8UC1, im.data(), im.bytes_per_row()).clone();
}

std::string PageText(poppler::document& doc, int index) {
  std::unique_ptr<poppler::page> page(doc.create_page(index));
  poppler::byte_array bytes = page->text().to_utf8();
  return std::string(bytes.begin(), bytes.end());
}

/// Darkest pixel inside `outer` but outside `inner` (page mm), and where it is.
struct Darkest {
  int value = 255;
  double x_mm = 0.0, y_mm = 0.0;
};
std::ostream& operator<<(std::ostream& os, const Darkest& d) {
  return os << d.value << " at (" << d.x_mm << ", " << d.y_mm << ") mm";
}

Darkest DarkestInRing(const cv::Mat& img, const core::RectMm& outer, const core::RectMm& inner) {
  Darkest d;
  for (int y = std::max(0, int(Px(outer.y))); y < std::min(img.rows, int(Px(outer.bottom()))); ++y) {
    for (int x = std::max(0, int(Px(outer.x))); x < std::min(img.cols, int(Px(outer.right()))); ++x) {
      double xm = core::PxToMm(x + 0.5, kDpi), ym = core::PxToMm(y + 0.5, kDpi);
      bool in_inner = xm >= inner.x && xm <= inner.right() && ym >= inner.y && ym <= inner.bottom();
      if (!in_inner && img.at<uint8_t>(y, x) < d.value) d = Darkest{img.at<uint8_t>(y, x), xm, ym};
    }
  }
  return d;
}

core::RectMm Grow(const core::RectMm& r, double by) { return {r.x - by, r.y - by, r.w + 2 * by, r.h + 2 * by}; }

class RenderTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    auto tpl = LoadTemplate(TestDataPath("all_kinds.json"));
    ASSERT_TRUE(tpl.ok()) << tpl.error().message;
    tpl_ = new Template(std::move(tpl).value());
    layout_ = new Layout(ComputeLayout(*tpl_));
    tmp_ = new phieu::testing::TempDir("templates");
    pdf_ = tmp_->path() / "render.pdf";
    RenderOptions options;
    options.serials = {1234, 9876543210};
    options.unit_labels = {"UBND xã Hoà Bình", ""};
    core::Status status = RenderPdf(*tpl_, pdf_, options);
    ASSERT_TRUE(status.ok()) << status.error().message;
    doc_ = poppler::document::load_from_file(pdf_.string());
    ASSERT_NE(doc_, nullptr);
  }
  static void TearDownTestSuite() {
    delete doc_;
    delete layout_;
    delete tpl_;
    delete tmp_;
  }
  static Template* tpl_;
  static Layout* layout_;
  static phieu::testing::TempDir* tmp_;
  static std::filesystem::path pdf_;
  static poppler::document* doc_;
};

Template* RenderTest::tpl_ = nullptr;
Layout* RenderTest::layout_ = nullptr;
phieu::testing::TempDir* RenderTest::tmp_ = nullptr;
std::filesystem::path RenderTest::pdf_;
poppler::document* RenderTest::doc_ = nullptr;

TEST_F(RenderTest, OneCopyPerSerialEveryPage) {
  ASSERT_GE(layout_->pages.size(), 2u);
  EXPECT_EQ(doc_->pages(), 2 * static_cast<int>(layout_->pages.size()));
  std::unique_ptr<poppler::page> first(doc_->create_page(0));
  poppler::rectf box = first->page_rect();
  EXPECT_NEAR(box.width(), 210.0 * core::kPtPerMm, 0.01);
  EXPECT_NEAR(box.height(), 297.0 * core::kPtPerMm, 0.01);
  poppler::byte_array title = doc_->info_key("Title").to_utf8();
  EXPECT_EQ(std::string(title.begin(), title.end()), tpl_->title);
}

TEST_F(RenderTest, AnchorsDecodeWhereTheLayoutSays) {
  int pages_per_copy = static_cast<int>(layout_->pages.size());
  const core::Serial serials[] = {1234, 9876543210};
  for (int index = 0; index < doc_->pages(); ++index) {
    SCOPED_TRACE("pdf page " + std::to_string(index));
    cv::Mat img = Rasterise(*doc_, index);
    ASSERT_EQ(img.cols, 2480);
    ASSERT_EQ(img.rows, 3508);
    const PageLayout& page = layout_->pages[index % pages_per_copy];
    auto results = ZXing::ReadBarcodes(ZXing::ImageView(img.data, img.cols, img.rows, ZXing::ImageFormat::Lum,
                                                        static_cast<int>(img.step)),
                                       ZXing::DecodeHints().setFormats(ZXing::BarcodeFormat::QRCode));
    std::set<int> corners;
    for (const auto& r : results) {
      ASSERT_TRUE(r.isValid());
      auto payload = DecodeAnchorPayload(r.text());
      ASSERT_TRUE(payload.has_value()) << r.text();
      EXPECT_EQ(payload->key.template_id, "test-all-kinds");
      EXPECT_EQ(payload->key.version, 2);
      EXPECT_EQ(payload->key.page, page.page);
      EXPECT_EQ(payload->key.serial, serials[index / pages_per_copy]);
      corners.insert(payload->corner);
      const core::RectMm& s = page.anchors.at(payload->corner).symbol_mm;
      const core::PointMm expected[4] = {{s.x, s.y}, {s.right(), s.y}, {s.right(), s.bottom()}, {s.x, s.bottom()}};
      const auto& pos = r.position();
      for (int k = 0; k < 4; ++k) {
        EXPECT_NEAR(core::PxToMm(pos[k].x, kDpi), expected[k].x, kTolMm) << "corner " << payload->corner << " point " << k;
        EXPECT_NEAR(core::PxToMm(pos[k].y, kDpi), expected[k].y, kTolMm) << "corner " << payload->corner << " point " << k;
      }
    }
    EXPECT_EQ(corners, (std::set<int>{0, 1, 2, 3}));
  }
}

TEST_F(RenderTest, QuietZonesAndMarginsAreBlank) {
  for (int index = 0; index < static_cast<int>(layout_->pages.size()); ++index) {
    SCOPED_TRACE("page " + std::to_string(index + 1));
    cv::Mat img = Rasterise(*doc_, index);
    const PageLayout& page = layout_->pages[index];
    for (const auto& a : page.anchors) {
      // Anti-aliasing may grey the pixel next to the symbol edge; beyond 0.3 mm it is paper.
      Darkest d = DarkestInRing(img, Grow(a.symbol_mm, 3.0), Grow(a.symbol_mm, 0.3));
      EXPECT_GE(d.value, 250) << "anchor " << a.corner << ": ink " << d;
    }
    // Nothing printed within the 8 mm margin except the anchors themselves.
    core::RectMm inner{7.7, 7.7, page.width_mm - 15.4, page.height_mm - 15.4};
    Darkest d = DarkestInRing(img, {0, 0, page.width_mm, page.height_mm}, inner);
    EXPECT_GE(d.value, 250) << "ink in the margin: " << d;
  }
}

TEST_F(RenderTest, BoxOutlinesAreWhereTheLayoutSays) {
  cv::Mat img = Rasterise(*doc_, 0);
  cv::Mat ink;
  cv::threshold(img, ink, 160, 255, cv::THRESH_BINARY_INV);
  std::vector<std::vector<cv::Point>> contours;
  cv::findContours(ink, contours, cv::RETR_LIST, cv::CHAIN_APPROX_SIMPLE);
  std::vector<cv::Rect> rects;
  for (const auto& c : contours) rects.push_back(cv::boundingRect(c));

  int checked = 0;
  double worst_mm = 0.0;
  for (const auto& f : layout_->fields) {
    if (f.page != 1) continue;
    std::vector<core::RectMm> boxes = f.cells_mm;
    for (const auto& o : f.options) boxes.push_back(o.box_mm);
    for (const auto& b : boxes) {
      double cx = b.x + b.w / 2, cy = b.y + b.h / 2;
      double best = 1e9;
      for (const auto& r : rects) {
        // Outer or inner outline of the stroked square: size within 0.5 mm of the box.
        double w_mm = core::PxToMm(r.width, kDpi), h_mm = core::PxToMm(r.height, kDpi);
        if (std::abs(w_mm - b.w) > 0.5 || std::abs(h_mm - b.h) > 0.5) continue;
        double rx = core::PxToMm(r.x + r.width / 2.0, kDpi), ry = core::PxToMm(r.y + r.height / 2.0, kDpi);
        best = std::min(best, std::hypot(rx - cx, ry - cy));
      }
      EXPECT_LE(best, kTolMm) << f.id << " box at " << b.x << "," << b.y;
      worst_mm = std::max(worst_mm, best);
      ++checked;
    }
  }
  EXPECT_GE(checked, 30);
  RecordProperty("worst_box_centre_error_mm", std::to_string(worst_mm));
}

TEST_F(RenderTest, VietnameseTextIsInThePdf) {
  std::string page1 = PageText(*doc_, 0);
  for (const char* s : {"CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc", "Rất hài lòng",
                        "Giới tính", "Số phiếu: 0001234", "Đơn vị: UBND xã Hoà Bình", "Hướng dẫn", "Trang 1/"}) {
    EXPECT_NE(page1.find(s), std::string::npos) << "missing \"" << s << "\" in:\n" << page1;
  }
  std::string second_copy = PageText(*doc_, static_cast<int>(layout_->pages.size()));
  EXPECT_NE(second_copy.find("Số phiếu: 9876543210"), std::string::npos);
  EXPECT_EQ(second_copy.find("Đơn vị"), std::string::npos);  // empty unit label: no footer text
}

TEST(RenderPdfTest, FormatSerialPadsToSevenDigits) {
  EXPECT_EQ(FormatSerial(0), "0000000");
  EXPECT_EQ(FormatSerial(1234), "0001234");
  EXPECT_EQ(FormatSerial(1234567), "1234567");
  EXPECT_EQ(FormatSerial(123456789), "123456789");
}

TEST(RenderPdfTest, UnwritablePathIsAnError) {
  auto tpl = LoadTemplate(TestDataPath("all_kinds.json"));
  ASSERT_TRUE(tpl.ok());
  core::Status status = RenderPdf(*tpl, "/nonexistent/dir/forms.pdf");
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.error().code, "io");
}

TEST(RenderPdfTest, BundledTemplatesDirHonoursEnvironment) {
  ::setenv("PHIEU_TEMPLATES_DIR", "/tmp/phieu-elsewhere", 1);
  EXPECT_EQ(BundledTemplatesDir(), std::filesystem::path("/tmp/phieu-elsewhere"));
  ::unsetenv("PHIEU_TEMPLATES_DIR");
  EXPECT_EQ(BundledTemplatesDir(), std::filesystem::path(PHIEU_SOURCE_DIR) / "templates" / "bundled");
}

TEST(RenderPdfTest, LongestIdAndLargestSerialStillDecode) {
  auto tpl = LoadTemplate(TestDataPath("all_kinds.json"));
  ASSERT_TRUE(tpl.ok());
  tpl->id = std::string(32, 'x');
  tpl->version = 999;
  phieu::testing::TempDir tmp("templates");
  const std::filesystem::path pdf = tmp / "long_id.pdf";
  RenderOptions options;
  options.serials = {999999999999};
  ASSERT_TRUE(RenderPdf(*tpl, pdf, options).ok());
  std::unique_ptr<poppler::document> doc(poppler::document::load_from_file(pdf.string()));
  ASSERT_NE(doc, nullptr);
  cv::Mat img = Rasterise(*doc, 0);
  auto results = ZXing::ReadBarcodes(
      ZXing::ImageView(img.data, img.cols, img.rows, ZXing::ImageFormat::Lum, static_cast<int>(img.step)),
      ZXing::DecodeHints().setFormats(ZXing::BarcodeFormat::QRCode));
  EXPECT_EQ(results.size(), 4u);
  for (const auto& r : results) {
    auto payload = DecodeAnchorPayload(r.text());
    ASSERT_TRUE(payload.has_value()) << r.text();
    EXPECT_EQ(payload->key.template_id, tpl->id);
    EXPECT_EQ(payload->key.serial, 999999999999);
  }
}

/// Every template shipped in templates/bundled parses, lays out and renders.
TEST(BundledTemplatesTest, ParseLayOutAndRender) {
  std::filesystem::path dir = std::filesystem::path(PHIEU_SOURCE_DIR) / "templates" / "bundled";
  std::vector<std::filesystem::path> files;
  if (std::filesystem::is_directory(dir))
    for (const auto& e : std::filesystem::directory_iterator(dir))
      if (e.path().extension() == ".json") files.push_back(e.path());
  if (files.empty()) GTEST_SKIP() << "no bundled templates yet";
  std::sort(files.begin(), files.end());
  phieu::testing::TempDir tmp("templates");
  for (const auto& file : files) {
    SCOPED_TRACE(file.string());
    auto tpl = LoadTemplate(file);
    ASSERT_TRUE(tpl.ok()) << tpl.error().message;
    Layout layout = ComputeLayout(*tpl);
    EXPECT_FALSE(layout.fields.empty());
    const std::filesystem::path pdf = tmp / (tpl->id + ".pdf");
    RenderOptions options;
    options.serials = {1};
    core::Status status = RenderPdf(*tpl, pdf, options);
    ASSERT_TRUE(status.ok()) << status.error().message;
    std::unique_ptr<poppler::document> doc(poppler::document::load_from_file(pdf.string()));
    ASSERT_NE(doc, nullptr);
    EXPECT_EQ(doc->pages(), static_cast<int>(layout.pages.size()));
  }
}

}  // namespace
}  // namespace phieu::templates
