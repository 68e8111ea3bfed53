// Copyright 2026 The Phiếu Authors
// SPDX-License-Identifier: Apache-2.0
#include <filesystem>
#include <memory>

#include <unistd.h>

#include <gtest/gtest.h>
#include <poppler/cpp/poppler-document.h>
#include <poppler/cpp/poppler-image.h>
#include <poppler/cpp/poppler-page-renderer.h>
#include <poppler/cpp/poppler-page.h>
#include <tiffio.h>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "common/temp_dir.h"
#include "simulator/src/page_writers.h"

namespace phieu::simulator {
namespace {

using phieu::testing::TempDir;

cv::Mat Pattern(int w, int h, int seed) {
  cv::Mat m(h, w, CV_8U, cv::Scalar(255));
  cv::RNG rng(seed);
  for (int i = 0; i < 40; ++i)
    cv::rectangle(m, cv::Rect(rng.uniform(0, w - 20), rng.uniform(0, h - 20), rng.uniform(3, 20), rng.uniform(3, 20)),
                  cv::Scalar(0), cv::FILLED);
  return m;
}

TEST(PageWritersTest, TiffG4IsMultiPageBilevelGroup4) {
  TempDir tmp("sim_g4");
  const auto dir = tmp.path();
  auto path = dir / "a.tif";
  std::vector<cv::Mat> pages = {Pattern(301, 400, 1), Pattern(250, 333, 2), Pattern(400, 300, 3)};
  {
    auto w = OpenTiffG4Writer(path);
    ASSERT_TRUE(w.ok());
    for (const auto& p : pages) ASSERT_TRUE((*w)->Add(p, 200).ok());
    ASSERT_TRUE((*w)->Close().ok());
  }
  std::vector<cv::Mat> back;
  ASSERT_TRUE(cv::imreadmulti(path.string(), back, cv::IMREAD_GRAYSCALE));
  ASSERT_EQ(back.size(), pages.size());
  for (size_t i = 0; i < pages.size(); ++i) EXPECT_EQ(cv::norm(back[i], pages[i], cv::NORM_INF), 0) << i;

  TIFF* tif = TIFFOpen(path.c_str(), "r");
  ASSERT_NE(tif, nullptr);
  int dirs = 0;
  do {
    uint16_t compression = 0, bits = 0;
    float xres = 0;
    TIFFGetField(tif, TIFFTAG_COMPRESSION, &compression);
    TIFFGetField(tif, TIFFTAG_BITSPERSAMPLE, &bits);
    TIFFGetField(tif, TIFFTAG_XRESOLUTION, &xres);
    EXPECT_EQ(compression, COMPRESSION_CCITTFAX4);
    EXPECT_EQ(bits, 1);
    EXPECT_FLOAT_EQ(xres, 200.f);
    ++dirs;
  } while (TIFFReadDirectory(tif));
  TIFFClose(tif);
  EXPECT_EQ(dirs, 3);
}

TEST(PageWritersTest, ScannerPdfHasOneImagePerPageAtScanResolution) {
  TempDir tmp("sim_pdf");
  const auto dir = tmp.path();
  auto path = dir / "a.pdf";
  cv::Mat gray = Pattern(600, 800, 4);
  cv::Mat color;
  cv::cvtColor(Pattern(300, 450, 5), color, cv::COLOR_GRAY2BGR);
  {
    auto w = OpenScannerPdfWriter(path, 90);
    ASSERT_TRUE(w.ok());
    ASSERT_TRUE((*w)->Add(gray, 300).ok());
    ASSERT_TRUE((*w)->Add(color, 150).ok());
    ASSERT_TRUE((*w)->Close().ok());
  }
  std::unique_ptr<poppler::document> doc(poppler::document::load_from_file(path.string()));
  ASSERT_TRUE(doc);
  ASSERT_EQ(doc->pages(), 2);
  std::unique_ptr<poppler::page> p0(doc->create_page(0));
  auto rect = p0->page_rect();
  EXPECT_NEAR(rect.width(), 600 * 72.0 / 300, 0.5);
  EXPECT_NEAR(rect.height(), 800 * 72.0 / 300, 0.5);
  std::unique_ptr<poppler::page> p1(doc->create_page(1));
  EXPECT_NEAR(p1->page_rect().width(), 300 * 72.0 / 150, 0.5);
  poppler::page_renderer r;
  r.set_image_format(poppler::image::format_gray8);
  poppler::image im = r.render_page(p0.get(), 300, 300);
  cv::Mat back(im.height(), im.width(), CV_8UC1, im.data(), im.bytes_per_row());
  ASSERT_EQ(back.size(), gray.size());
  cv::Mat diff;
  cv::absdiff(back, gray, diff);
  EXPECT_LT(cv::mean(diff)[0], 6.0);  // JPEG q90 round trip.
  // The JPEG is embedded as is (DCTDecode): the file is far smaller than raw pixels.
  EXPECT_LT(std::filesystem::file_size(path), 600u * 800u / 2);
}

TEST(PageWritersTest, JpegAndPngRoundTrip) {
  TempDir tmp("sim_img");
  const auto dir = tmp.path();
  cv::Mat m = Pattern(200, 300, 6);
  ASSERT_TRUE(WritePng(dir / "a.png", m).ok());
  ASSERT_TRUE(WriteJpeg(dir / "a.jpg", m, 80).ok());
  EXPECT_EQ(cv::norm(cv::imread((dir / "a.png").string(), cv::IMREAD_GRAYSCALE), m, cv::NORM_INF), 0);
  EXPECT_EQ(cv::imread((dir / "a.jpg").string(), cv::IMREAD_GRAYSCALE).size(), m.size());
  EXPECT_FALSE(WritePng(dir / "missing" / "x.png", m).ok());
}

}  // namespace
}  // namespace phieu::simulator
