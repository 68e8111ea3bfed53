// Copyright 2026 The Phiếu Authors
// SPDX-License-Identifier: Apache-2.0
// TIFF layouts the scanline fast path does not take (palette, tiles, bottom-up, one big
// compressed strip) go through libtiff's RGBA reader a band at a time: the same gray pixels as
// converting the whole page at once, and memory near 1 byte a pixel instead of 5.
#include <gtest/gtest.h>
#include <tiffio.h>

#include <cstdint>
#include <cstdio>
#include <fstream>
#include <string>
#include <vector>

#include <opencv2/core.hpp>
#include <opencv2/imgproc.hpp>

#include "common/temp_dir.h"
#include "common/tiff_writer.h"
#include "scanner/scanner.h"

namespace phieu::scanner {
namespace {

namespace fs = std::filesystem;
using phieu::testing::TempDir;

/// The colour of palette entry `i`: every entry a different gray after conversion.
cv::Vec4b Entry(int i) { return {uint8_t(i), uint8_t(255 - i), uint8_t((i * 7) % 256), 255}; }

/// The palette index at (x, y): blocks that differ along both axes, so a band put at the wrong
/// height or a page flipped shows.
uint8_t IndexAt(uint32_t x, uint32_t y) { return static_cast<uint8_t>((x / 16 + (y / 16) * 3 + (y % 7)) % 256); }

struct PaletteTiff {
  uint32_t width = 700, height = 500;
  uint32_t rows_per_strip = 16;  ///< ignored when tiled
  uint32_t tile = 0;             ///< tile side (a multiple of 16), 0 = strips
  uint16_t orientation = ORIENTATION_TOPLEFT;
};

/// An 8-bit palette TIFF, deflated; the stored rows are IndexAt(x, stored row).
void WritePaletteTiff(const fs::path& path, const PaletteTiff& p) {
  TIFF* t = TIFFOpen(path.c_str(), "w");
  ASSERT_NE(t, nullptr);
  phieu::testing::SetLayoutTags(t, {.width = p.width,
                                    .height = p.height,
                                    .photometric = PHOTOMETRIC_PALETTE,
                                    .compression = COMPRESSION_ADOBE_DEFLATE,
                                    .rows_per_strip = p.rows_per_strip});
  TIFFSetField(t, TIFFTAG_ORIENTATION, p.orientation);
  std::vector<uint16_t> r(256), g(256), b(256);
  for (int i = 0; i < 256; ++i) {
    const cv::Vec4b c = Entry(i);
    r[i] = uint16_t(c[0] * 257), g[i] = uint16_t(c[1] * 257), b[i] = uint16_t(c[2] * 257);
  }
  TIFFSetField(t, TIFFTAG_COLORMAP, r.data(), g.data(), b.data());
  if (p.tile == 0) {
    std::vector<uint8_t> row(p.width);
    for (uint32_t y = 0; y < p.height; ++y) {
      for (uint32_t x = 0; x < p.width; ++x) row[x] = IndexAt(x, y);
      ASSERT_EQ(TIFFWriteScanline(t, row.data(), y, 0), 1);
    }
  } else {
    TIFFSetField(t, TIFFTAG_TILEWIDTH, p.tile);
    TIFFSetField(t, TIFFTAG_TILELENGTH, p.tile);
    std::vector<uint8_t> tile(size_t(p.tile) * p.tile);
    for (uint32_t ty = 0; ty < p.height; ty += p.tile)
      for (uint32_t tx = 0; tx < p.width; tx += p.tile) {
        for (uint32_t y = 0; y < p.tile; ++y)
          for (uint32_t x = 0; x < p.tile; ++x) tile[size_t(y) * p.tile + x] = IndexAt(tx + x, ty + y);
        ASSERT_GE(TIFFWriteTile(t, tile.data(), tx, ty, 0, 0), 0);
      }
  }
  ASSERT_TRUE(TIFFWriteDirectory(t));
  TIFFClose(t);
}

/// The page as it should read: stored rows converted with cv::cvtColor, flipped when stored
/// bottom-up.
cv::Mat Expected(const PaletteTiff& p) {
  cv::Mat rgba(static_cast<int>(p.height), static_cast<int>(p.width), CV_8UC4);
  for (uint32_t y = 0; y < p.height; ++y)
    for (uint32_t x = 0; x < p.width; ++x) rgba.at<cv::Vec4b>(int(y), int(x)) = Entry(IndexAt(x, y));
  cv::Mat gray;
  cv::cvtColor(rgba, gray, cv::COLOR_RGBA2GRAY);
  if (p.orientation == ORIENTATION_BOTLEFT) cv::flip(gray, gray, 0);
  return gray;
}

void ExpectReadsAsExpected(const fs::path& path, const PaletteTiff& p) {
  auto r = OpenScanFile(path);
  ASSERT_TRUE(r.ok()) << r.error().message;
  auto page = (*r)->ReadPage(0);
  ASSERT_TRUE(page.ok()) << page.error().message;
  ASSERT_EQ(page->gray.size(), cv::Size(int(p.width), int(p.height)));
  EXPECT_EQ(cv::norm(page->gray, Expected(p), cv::NORM_INF), 0.0);
}

TEST(TiffFallbackTest, PaletteStripsReadInBandsMatchTheWholePage) {
  TempDir dir("tiff_fallback");
  const PaletteTiff p;
  WritePaletteTiff(dir / "p.tif", p);
  ExpectReadsAsExpected(dir / "p.tif", p);
}

TEST(TiffFallbackTest, TilesReadInBandsMatchTheWholePage) {
  TempDir dir("tiff_fallback");
  const PaletteTiff p{.width = 700, .height = 500, .tile = 64};  // tiles hang over both edges
  WritePaletteTiff(dir / "t.tif", p);
  ExpectReadsAsExpected(dir / "t.tif", p);
}

TEST(TiffFallbackTest, BottomUpPageHasItsBandsInPageOrder) {
  TempDir dir("tiff_fallback");
  const PaletteTiff p{.width = 700, .height = 500, .rows_per_strip = 16, .orientation = ORIENTATION_BOTLEFT};
  WritePaletteTiff(dir / "b.tif", p);
  ExpectReadsAsExpected(dir / "b.tif", p);
}

// One compressed strip larger than a band (8000 px wide: a 16 MiB band is 524 rows of 1200):
// read in bands within the strip.
TEST(TiffFallbackTest, OneStripLargerThanABandIsReadInBands) {
  TempDir dir("tiff_fallback");
  const PaletteTiff p{.width = 8000, .height = 1200, .rows_per_strip = 1200};
  WritePaletteTiff(dir / "s.tif", p);
  ExpectReadsAsExpected(dir / "s.tif", p);
}

/// The page as libtiff converts it all at once (what the reader did before it read in bands).
cv::Mat WholePageGray(const fs::path& path) {
  TIFF* t = TIFFOpen(path.c_str(), "r");
  EXPECT_NE(t, nullptr);
  uint32_t w = 0, h = 0;
  TIFFGetField(t, TIFFTAG_IMAGEWIDTH, &w);
  TIFFGetField(t, TIFFTAG_IMAGELENGTH, &h);
  cv::Mat rgba(int(h), int(w), CV_8UC4), gray;
  EXPECT_TRUE(TIFFReadRGBAImageOriented(t, w, h, reinterpret_cast<uint32_t*>(rgba.data), ORIENTATION_TOPLEFT, 0));
  TIFFClose(t);
  cv::cvtColor(rgba, gray, cv::COLOR_RGBA2GRAY);
  return gray;
}

// YCbCr subsampled 2x2 in one deflated strip, 7000 px wide: a 16 MiB band would be 599 rows,
// which would start the next band inside a subsampling block; bands keep whole blocks.
TEST(TiffFallbackTest, SubsampledYCbCrBandsKeepWholeBlocks) {
  TempDir dir("tiff_fallback");
  const uint32_t w = 7000, h = 1300;
  std::vector<uint8_t> data;  // per 2x2 block: Y00 Y01 Y10 Y11 Cb Cr
  data.reserve(size_t(w / 2) * (h / 2) * 6);
  for (uint32_t by = 0; by < h; by += 2)
    for (uint32_t bx = 0; bx < w; bx += 2) {
      for (uint32_t dy = 0; dy < 2; ++dy)
        for (uint32_t dx = 0; dx < 2; ++dx) data.push_back(IndexAt(bx + dx, by + dy));
      data.push_back(uint8_t(128 + (bx / 64) % 40));
      data.push_back(uint8_t(128 - (by / 64) % 40));
    }
  TIFF* t = TIFFOpen((dir / "ycc.tif").c_str(), "w");
  ASSERT_NE(t, nullptr);
  phieu::testing::SetLayoutTags(t, {.width = w,
                                    .height = h,
                                    .samples_per_pixel = 3,
                                    .photometric = PHOTOMETRIC_YCBCR,
                                    .compression = COMPRESSION_ADOBE_DEFLATE});
  TIFFSetField(t, TIFFTAG_YCBCRSUBSAMPLING, uint16_t(2), uint16_t(2));
  ASSERT_GE(TIFFWriteEncodedStrip(t, 0, data.data(), static_cast<tmsize_t>(data.size())), 0);
  ASSERT_TRUE(TIFFWriteDirectory(t));
  TIFFClose(t);
  auto r = OpenScanFile(dir / "ycc.tif");
  ASSERT_TRUE(r.ok()) << r.error().message;
  auto page = (*r)->ReadPage(0);
  ASSERT_TRUE(page.ok()) << page.error().message;
  EXPECT_EQ(cv::norm(page->gray, WholePageGray(dir / "ycc.tif"), cv::NORM_INF), 0.0);
}

long StatusKb(const char* field) {
  std::ifstream status("/proc/self/status");
  std::string line;
  const std::string key = std::string(field) + ":";
  while (std::getline(status, line))
    if (line.rfind(key, 0) == 0) return std::atol(line.c_str() + key.size());
  return -1;
}

// The bound: reading a 64-megapixel palette page raises the peak resident set by the gray page
// (64 MB) and a band or two, not by a 256 MB RGBA copy of it. The peak is reset first
// (/proc/self/clear_refs), so what the suite did before does not count.
TEST(TiffFallbackTest, PeakMemoryStaysNearOneBytePerPixel) {
  TempDir dir("tiff_fallback");
  const PaletteTiff p{.width = 8000, .height = 8000, .rows_per_strip = 64};
  WritePaletteTiff(dir / "big.tif", p);
  auto r = OpenScanFile(dir / "big.tif");
  ASSERT_TRUE(r.ok()) << r.error().message;
  {
    std::ofstream clear("/proc/self/clear_refs");
    clear << "5";
    clear.close();
    ASSERT_TRUE(clear) << "cannot reset the peak resident set (/proc/self/clear_refs)";
  }
  const long before_kb = StatusKb("VmRSS");
  ASSERT_GT(before_kb, 0);
  ASSERT_LE(StatusKb("VmHWM"), before_kb + 1024) << "the peak was not reset";
  auto page = (*r)->ReadPage(0);
  ASSERT_TRUE(page.ok()) << page.error().message;
  const double grew_mb = (StatusKb("VmHWM") - before_kb) / 1024.0;
  const double page_mb = double(p.width) * p.height / (1 << 20);  // 61 MiB of gray
  std::printf("reading a %ux%u palette TIFF raised the peak RSS by %.1f MiB (the gray page: %.1f MiB)\n", p.width,
              p.height, grew_mb, page_mb);
  EXPECT_GE(grew_mb, page_mb * 0.9) << "the measurement missed the page itself";
  EXPECT_LE(grew_mb, page_mb + 40) << "peak grew " << grew_mb << " MiB for a " << page_mb << " MiB page";
  // And the pixels are right where a band (512 rows: whole strips of 64 in 16 MiB) ends and
  // the next begins.
  for (int y : {511, 512, 7999})
    for (int x : {0, 4321, 7999}) {
      cv::Mat one(1, 1, CV_8UC4, Entry(IndexAt(x, y))), gray;
      cv::cvtColor(one, gray, cv::COLOR_RGBA2GRAY);
      EXPECT_EQ(page->gray.at<uint8_t>(y, x), gray.at<uint8_t>(0, 0)) << x << "," << y;
    }
}

}  // namespace
}  // namespace phieu::scanner
