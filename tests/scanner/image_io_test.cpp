// Copyright 2026 The Phiếu Authors
// SPDX-License-Identifier: Apache-2.0
#include <algorithm>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>
#include <tiffio.h>

#include "common/cairo_pdf.h"
#include "common/temp_dir.h"
#include "common/tiff_writer.h"
#include "scanner/scanner.h"

namespace phieu::scanner {
namespace {

namespace fs = std::filesystem;

using phieu::testing::TempDir;

void WriteBytes(const fs::path& p, const std::string& bytes) {
  std::ofstream(p, std::ios::binary) << bytes;
}
std::string ReadBytes(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

/// A page with a black rectangle at a known place (so orientation and polarity are checked).
cv::Mat TestPage(int w, int h) {
  cv::Mat m(h, w, CV_8UC1, cv::Scalar(255));
  cv::rectangle(m, cv::Rect(w / 10, h / 10, w / 5, h / 8), cv::Scalar(0), cv::FILLED);
  cv::putText(m, "phieu", cv::Point(w / 3, h / 2), cv::FONT_HERSHEY_SIMPLEX, 3, cv::Scalar(0), 5);
  return m;
}

void ExpectTestPage(const cv::Mat& got, int w, int h) {
  ASSERT_EQ(got.type(), CV_8UC1);
  ASSERT_EQ(got.cols, w);
  ASSERT_EQ(got.rows, h);
  EXPECT_LT(got.at<unsigned char>(h / 10 + h / 16, w / 10 + w / 10), 40);  // inside the block
  EXPECT_GT(got.at<unsigned char>(h - 5, w - 5), 215);                     // paper
}

/// STACK.md section 6: bilevel CCITT G4 pages written with libtiff.
void WriteG4Tiff(const fs::path& p, const std::vector<cv::Mat>& pages, float dpi) {
  ASSERT_TRUE(phieu::testing::WriteTiff(p, pages, {.compression = phieu::testing::TiffCompression::kG4,
                                                   .resolution = dpi}));
}

void WriteGrayLzwTiff(const fs::path& p, const cv::Mat& m, float res, uint16_t unit) {
  ASSERT_TRUE(phieu::testing::WriteTiff(
      p, {m}, {.compression = phieu::testing::TiffCompression::kLzw, .rows_per_strip = 64, .resolution = res,
               .resolution_unit = unit}));
}

using phieu::testing::ImagePdfPage;
using phieu::testing::ImageSurface;

/// A scanner-style PDF: each page is one embedded image covering an A4 page.
void WriteImagePdf(const fs::path& p, const std::vector<cv::Mat>& pages) {
  std::vector<ImagePdfPage> specs;
  for (const cv::Mat& m : pages) specs.push_back({.image = m});
  ASSERT_TRUE(phieu::testing::WriteImagePdf(p, specs));
}

std::unique_ptr<ScanReader> OpenOk(const fs::path& p) {
  auto r = OpenScanFile(p);
  EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.error().message);
  return r.ok() ? std::move(r.value()) : nullptr;
}

TEST(ScanFileTest, MultiPageG4Tiff) {
  TempDir dir;
  WriteG4Tiff(dir / "stack.tif", {TestPage(2480, 3508), TestPage(1240, 1754), TestPage(2480, 3508)}, 300);
  auto r = OpenOk(dir / "stack.tif");
  ASSERT_TRUE(r);
  ASSERT_EQ(r->page_count(), 3);
  for (int i : {2, 0, 1}) {  // any order: pages are independent
    auto page = r->ReadPage(i);
    ASSERT_TRUE(page.ok()) << page.error().message;
    int w = i == 1 ? 1240 : 2480, h = i == 1 ? 1754 : 3508;
    ExpectTestPage(page->gray, w, h);
    EXPECT_EQ(page->dpi, 300);
    EXPECT_EQ(page->source.page_index, i);
    EXPECT_EQ(page->source.file, dir / "stack.tif");
  }
  auto bad = r->ReadPage(3);
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.error().message.find("page 4"), std::string::npos) << bad.error().message;
}

TEST(ScanFileTest, Bilevel600DpiPagesAreReadAtHalfResolution) {
  // 600-dpi fax-style G4 is read as 300-dpi gray: each pixel the white share of its 2x2 block,
  // exactly what a 2x box filter (INTER_AREA) of the full page gives. Odd sizes drop the last
  // column/row.
  TempDir dir;
  cv::Mat full = TestPage(2483, 3509);
  cv::line(full, cv::Point(3, 7), cv::Point(2400, 3300), cv::Scalar(0), 1);  // 1-px detail
  cv::threshold(full, full, 128, 255, cv::THRESH_BINARY);
  WriteG4Tiff(dir / "fax.tif", {full}, 600);
  auto r = OpenOk(dir / "fax.tif");
  ASSERT_TRUE(r);
  auto page = r->ReadPage(0);
  ASSERT_TRUE(page.ok()) << page.error().message;
  EXPECT_EQ(page->dpi, 300);
  ExpectTestPage(page->gray, 2483 / 2, 3509 / 2);
  cv::Mat expected;
  cv::resize(full(cv::Rect(0, 0, 2482, 3508)), expected, cv::Size(1241, 1754), 0, 0, cv::INTER_AREA);
  EXPECT_LE(cv::norm(page->gray, expected, cv::NORM_INF), 1.0);  // 191 vs 191.25 rounding
}

/// A one-page PDF holding `m` (gray or BGR) as its image at `dpi`: Flate (cairo's default), or
/// the JPEG `jpeg` embedded as it is (DCTDecode) when given.
void WriteOneImagePdf(const fs::path& p, const cv::Mat& m, double dpi, const std::vector<unsigned char>& jpeg = {}) {
  ASSERT_TRUE(phieu::testing::WriteImagePdf(
      p, {{.image = m, .width_pt = m.cols * 72.0 / dpi, .height_pt = m.rows * 72.0 / dpi,
           .mime = jpeg.empty() ? "" : CAIRO_MIME_TYPE_JPEG, .encoded = std::string(jpeg.begin(), jpeg.end())}}));
}

TEST(ScanFileTest, Gray600DpiPagesAreReadAtHalfResolution) {
  // A 600-dpi page is read at 300 dpi in every format: a quarter of the pixels for every later
  // stage. Odd sizes drop the last column and row (but see the lone JPEG below).
  TempDir dir;
  const int w = 1201, h = 1701;
  const cv::Mat full = TestPage(w, h);
  std::vector<unsigned char> jpeg;
  ASSERT_TRUE(cv::imencode(".jpg", full, jpeg, {cv::IMWRITE_JPEG_QUALITY, 92}));
  ASSERT_EQ(std::string(jpeg.begin() + 6, jpeg.begin() + 10), "JFIF");
  std::vector<unsigned char> jfif600 = jpeg;
  jfif600[13] = 1, jfif600[14] = 0x02, jfif600[15] = 0x58, jfif600[16] = 0x02, jfif600[17] = 0x58;  // 600 dpi
  WriteBytes(dir / "p.jpg", std::string(jfif600.begin(), jfif600.end()));
  WriteGrayLzwTiff(dir / "p.tif", full, 600, RESUNIT_INCH);
  WriteOneImagePdf(dir / "flate.pdf", full, 600);
  WriteOneImagePdf(dir / "dct.pdf", full, 600, jpeg);
  cv::Mat expected;
  cv::resize(full(cv::Rect(0, 0, w - 1, h - 1)), expected, cv::Size(w / 2, h / 2), 0, 0, cv::INTER_AREA);
  for (const char* name : {"p.jpg", "p.tif", "flate.pdf", "dct.pdf"}) {
    SCOPED_TRACE(name);
    auto r = OpenOk(dir / name);
    ASSERT_TRUE(r);
    auto page = r->ReadPage(0);
    ASSERT_TRUE(page.ok()) << page.error().message;
    EXPECT_NEAR(page->dpi, 300, 0.5);
    EXPECT_TRUE(page->gray.isContinuous());
    // libjpeg's half-size decode of a lone JPEG keeps the odd last column and row.
    const bool lone_jpeg = std::string(name) == "p.jpg";
    EXPECT_EQ(page->gray.cols, lone_jpeg ? (w + 1) / 2 : w / 2);
    EXPECT_EQ(page->gray.rows, lone_jpeg ? (h + 1) / 2 : h / 2);
    const cv::Mat got = page->gray(cv::Rect(0, 0, std::min(page->gray.cols, w / 2), std::min(page->gray.rows, h / 2)));
    ExpectTestPage(got, w / 2, h / 2);
    // The same picture as an area average of the full page (JPEG: within its own loss).
    cv::Mat diff;
    cv::absdiff(got, expected, diff);
    EXPECT_LT(cv::mean(diff)[0], std::string(name).find("p.tif") == 0 || std::string(name) == "flate.pdf" ? 0.5 : 3.0);
  }
}

TEST(ScanFileTest, GrayLzwTiffWithCentimetreResolution) {
  TempDir dir;
  WriteGrayLzwTiff(dir / "g.tiff", TestPage(1654, 2339), 200 / 2.54f, RESUNIT_CENTIMETER);
  auto r = OpenOk(dir / "g.tiff");
  ASSERT_TRUE(r);
  ASSERT_EQ(r->page_count(), 1);
  auto page = r->ReadPage(0);
  ASSERT_TRUE(page.ok()) << page.error().message;
  ExpectTestPage(page->gray, 1654, 2339);
  EXPECT_NEAR(page->dpi, 200, 0.1);
}

TEST(ScanFileTest, RgbTiffViaOpenCvWriter) {
  TempDir dir;
  cv::Mat bgr;
  cv::cvtColor(TestPage(800, 1000), bgr, cv::COLOR_GRAY2BGR);
  ASSERT_TRUE(cv::imwrite((dir / "rgb.tif").string(), bgr));
  auto r = OpenOk(dir / "rgb.tif");
  ASSERT_TRUE(r);
  auto page = r->ReadPage(0);
  ASSERT_TRUE(page.ok()) << page.error().message;
  ExpectTestPage(page->gray, 800, 1000);
}

TEST(ScanFileTest, RgbAnd16BitPng) {
  TempDir dir;
  cv::Mat bgr;
  cv::cvtColor(TestPage(900, 1200), bgr, cv::COLOR_GRAY2BGR);
  bgr(cv::Rect(0, 0, 10, 10)).setTo(cv::Scalar(255, 0, 0));  // pure blue: gray ~29
  ASSERT_TRUE(cv::imwrite((dir / "c.png").string(), bgr));
  auto r = OpenOk(dir / "c.png");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->page_count(), 1);
  auto page = r->ReadPage(0);
  ASSERT_TRUE(page.ok()) << page.error().message;
  ExpectTestPage(page->gray, 900, 1200);
  EXPECT_NEAR(page->gray.at<unsigned char>(2, 2), 29, 2);
  EXPECT_EQ(page->dpi, 0);  // OpenCV writes no pHYs

  cv::Mat deep;
  TestPage(500, 700).convertTo(deep, CV_16U, 257.0);
  ASSERT_TRUE(cv::imwrite((dir / "d.PNG").string(), deep));
  auto r16 = OpenOk(dir / "d.PNG");
  ASSERT_TRUE(r16);
  auto p16 = r16->ReadPage(0);
  ASSERT_TRUE(p16.ok()) << p16.error().message;
  ExpectTestPage(p16->gray, 500, 700);
}

/// A light-blue ballpoint cross, a red and a green one on white paper, in BGR.
const cv::Scalar kLightBlueInk(235, 170, 110), kRedInk(40, 30, 200), kGreenInk(60, 150, 40);

cv::Mat ColourInkPage(int w, int h) {
  cv::Mat bgr;
  cv::cvtColor(TestPage(w, h), bgr, cv::COLOR_GRAY2BGR);
  bgr(cv::Rect(w / 2, h * 3 / 4, 60, 60)).setTo(kLightBlueInk);
  bgr(cv::Rect(w / 2 + 100, h * 3 / 4, 60, 60)).setTo(kRedInk);
  bgr(cv::Rect(w / 2 + 200, h * 3 / 4, 60, 60)).setTo(kGreenInk);
  return bgr;
}

/// Each ink patch reads as its BT.601 luma (give or take compression) whatever the format, so
/// one page scanned to PNG, JPEG, TIFF or PDF gives the box reader the same contrast.
/// (Reading by the darkest channel instead was tried on 2026-12-04: no box read better in the
/// outside-in probe, coffee stains got darker, colour JPEG and PDF pages decoded 1.4-2x slower.)
void ExpectInkReadAsLuma(const cv::Mat& gray, int w, int h, int tolerance) {
  ExpectTestPage(gray, w, h);
  const int y = h * 3 / 4 + 30;
  EXPECT_NEAR(gray.at<unsigned char>(y, w / 2 + 30), 159, tolerance);   // light blue
  EXPECT_NEAR(gray.at<unsigned char>(y, w / 2 + 130), 81, tolerance);   // red
  EXPECT_NEAR(gray.at<unsigned char>(y, w / 2 + 230), 107, tolerance);  // green
}

TEST(ScanFileTest, ColourInkReadsAlikeInEveryFormat) {
  TempDir dir;
  const int w = 1000, h = 1400;
  const cv::Mat bgr = ColourInkPage(w, h);
  ASSERT_TRUE(cv::imwrite((dir / "c.png").string(), bgr));
  ASSERT_TRUE(cv::imwrite((dir / "c.tif").string(), bgr));
  ASSERT_TRUE(cv::imwrite((dir / "c.jpg").string(), bgr, {cv::IMWRITE_JPEG_QUALITY, 90}));
  for (const char* name : {"c.png", "c.tif", "c.jpg"}) {
    SCOPED_TRACE(name);
    auto r = OpenOk(dir / name);
    ASSERT_TRUE(r);
    auto page = r->ReadPage(0);
    ASSERT_TRUE(page.ok()) << page.error().message;
    ExpectInkReadAsLuma(page->gray, w, h, std::string(name) == "c.jpg" ? 12 : 1);
  }

  // A colour TIFF that libtiff must convert itself (YCbCr JPEG inside), the RGBA path.
  TIFF* t = TIFFOpen((dir / "ycc.tif").c_str(), "w");
  ASSERT_NE(t, nullptr);
  TIFFSetField(t, TIFFTAG_IMAGEWIDTH, uint32_t(w));
  TIFFSetField(t, TIFFTAG_IMAGELENGTH, uint32_t(h));
  TIFFSetField(t, TIFFTAG_BITSPERSAMPLE, uint16_t(8));
  TIFFSetField(t, TIFFTAG_SAMPLESPERPIXEL, uint16_t(3));
  TIFFSetField(t, TIFFTAG_PLANARCONFIG, PLANARCONFIG_CONTIG);
  TIFFSetField(t, TIFFTAG_COMPRESSION, COMPRESSION_JPEG);
  TIFFSetField(t, TIFFTAG_PHOTOMETRIC, PHOTOMETRIC_YCBCR);
  TIFFSetField(t, TIFFTAG_JPEGCOLORMODE, JPEGCOLORMODE_RGB);
  TIFFSetField(t, TIFFTAG_ROWSPERSTRIP, uint32_t(16));
  cv::Mat rgb;
  cv::cvtColor(bgr, rgb, cv::COLOR_BGR2RGB);
  for (int y = 0; y < h; ++y) ASSERT_EQ(TIFFWriteScanline(t, rgb.ptr<unsigned char>(y), uint32_t(y), 0), 1);
  TIFFClose(t);
  auto ycc = OpenOk(dir / "ycc.tif");
  ASSERT_TRUE(ycc);
  auto ycc_page = ycc->ReadPage(0);
  ASSERT_TRUE(ycc_page.ok()) << ycc_page.error().message;
  ExpectInkReadAsLuma(ycc_page->gray, w, h, 12);

  // A scanner PDF whose page image is in colour.
  WriteOneImagePdf(dir / "c.pdf", bgr, 150);
  auto rp = OpenOk(dir / "c.pdf");
  ASSERT_TRUE(rp);
  auto pdf_page = rp->ReadPage(0);
  ASSERT_TRUE(pdf_page.ok()) << pdf_page.error().message;
  EXPECT_EQ(pdf_page->dpi, 150);
  ExpectInkReadAsLuma(pdf_page->gray(cv::Rect(0, 0, w, h)), w, h, 3);
}

TEST(ScanFileTest, JpegWithJfifDensity) {
  TempDir dir;
  std::vector<unsigned char> buf;
  ASSERT_TRUE(cv::imencode(".jpg", TestPage(1000, 1400), buf, {cv::IMWRITE_JPEG_QUALITY, 90}));
  // Patch JFIF units/density to 1 (dpi), 150 x 150.
  ASSERT_EQ(std::string(buf.begin() + 6, buf.begin() + 10), "JFIF");
  buf[13] = 1, buf[14] = 0, buf[15] = 150, buf[16] = 0, buf[17] = 150;
  WriteBytes(dir / "p.jpg", std::string(buf.begin(), buf.end()));
  auto r = OpenOk(dir / "p.jpg");
  ASSERT_TRUE(r);
  auto page = r->ReadPage(0);
  ASSERT_TRUE(page.ok()) << page.error().message;
  ExpectTestPage(page->gray, 1000, 1400);
  EXPECT_EQ(page->dpi, 150);
}

TEST(ScanFileTest, ScannerPdfRendersAtNativeResolution) {
  TempDir dir;
  WriteImagePdf(dir / "scan.pdf", {TestPage(1654, 2339), TestPage(1654, 2339)});
  auto r = OpenOk(dir / "scan.pdf");
  ASSERT_TRUE(r);
  ASSERT_EQ(r->page_count(), 2);
  for (int i = 0; i < 2; ++i) {
    auto page = r->ReadPage(i);
    ASSERT_TRUE(page.ok()) << page.error().message;
    EXPECT_EQ(page->dpi, 200);
    EXPECT_NEAR(page->gray.cols, 1654, 1);
    EXPECT_NEAR(page->gray.rows, 2339, 1);
    ExpectTestPage(page->gray(cv::Rect(0, 0, 1654, 2339)) , 1654, 2339);
  }
}

TEST(ScanFileTest, VectorPdfFallsBackTo300Dpi) {
  TempDir dir;
  ASSERT_TRUE(phieu::testing::WriteVectorPdf(dir / "v.pdf", 595.276, 841.89, 1));
  auto r = OpenOk(dir / "v.pdf");
  ASSERT_TRUE(r);
  auto page = r->ReadPage(0);
  ASSERT_TRUE(page.ok()) << page.error().message;
  EXPECT_EQ(page->dpi, 300);
  EXPECT_EQ(page->gray.cols, 2480);
  EXPECT_EQ(page->gray.rows, 3508);
}

void ExpectOpenError(const fs::path& p, const std::string& fragment) {
  auto r = OpenScanFile(p);
  if (r.ok()) {
    // Some damage only shows when the page is decoded.
    ASSERT_GE(r.value()->page_count(), 1);
    auto page = r.value()->ReadPage(0);
    ASSERT_FALSE(page.ok()) << p << " decoded although damaged";
    EXPECT_NE(page.error().message.find(p.string()), std::string::npos) << page.error().message;
    EXPECT_NE(page.error().message.find(fragment), std::string::npos) << page.error().message;
    return;
  }
  EXPECT_NE(r.error().message.find(p.string()), std::string::npos) << r.error().message;
  EXPECT_NE(r.error().message.find(fragment), std::string::npos) << r.error().message;
}

TEST(ScanFileTest, BadFilesGiveClearErrors) {
  TempDir dir;
  ExpectOpenError(dir / "missing.tif", "no such file");
  ExpectOpenError(dir.path(), "is a folder");
  WriteBytes(dir / "empty.png", "");
  ExpectOpenError(dir / "empty.png", "empty file");
  WriteBytes(dir / "notes.pdf", "Danh sách đơn vị\n");
  ExpectOpenError(dir / "notes.pdf", "not a TIFF, PDF, JPEG or PNG file");
  WriteBytes(dir / "junk.tif", std::string("II*\0", 4) + std::string(200, '\x7f'));
  ExpectOpenError(dir / "junk.tif", "corrupt");
  WriteBytes(dir / "junk.pdf", "%PDF-1.4\n1 0 obj garbage\n");
  ExpectOpenError(dir / "junk.pdf", "corrupt");

  std::vector<unsigned char> buf;
  cv::imencode(".jpg", TestPage(600, 800), buf);
  WriteBytes(dir / "cut.jpg", std::string(buf.begin(), buf.begin() + buf.size() / 2));
  ExpectOpenError(dir / "cut.jpg", "truncated or corrupt JPEG");
  cv::imencode(".png", TestPage(600, 800), buf);
  WriteBytes(dir / "cut.png", std::string(buf.begin(), buf.begin() + buf.size() / 2));
  ExpectOpenError(dir / "cut.png", "truncated or corrupt PNG");

  WriteGrayLzwTiff(dir / "whole.tif", TestPage(600, 800), 300, RESUNIT_INCH);
  std::string tif = ReadBytes(dir / "whole.tif");
  // LZW strips come first and the directory last: cutting the tail loses the directory.
  WriteBytes(dir / "cut.tif", tif.substr(0, tif.size() / 2));
  ExpectOpenError(dir / "cut.tif", "corrupt");
}

TEST(ScanFileTest, OneDamagedPageLeavesTheOthersReadable) {
  TempDir dir;
  const fs::path p = dir / "three.tif";
  WriteG4Tiff(p, {TestPage(1240, 1754), TestPage(1240, 1754), TestPage(1240, 1754)}, 150);
  // Overwrite page 2's compressed strip with garbage.
  uint64_t offset = 0, count = 0;
  {
    TIFF* t = TIFFOpen(p.c_str(), "r");
    ASSERT_TRUE(TIFFSetDirectory(t, 1));
    uint64_t* offsets = nullptr;
    uint64_t* counts = nullptr;
    ASSERT_TRUE(TIFFGetField(t, TIFFTAG_STRIPOFFSETS, &offsets));
    ASSERT_TRUE(TIFFGetField(t, TIFFTAG_STRIPBYTECOUNTS, &counts));
    offset = offsets[0], count = counts[0];
    TIFFClose(t);
  }
  std::string bytes = ReadBytes(p);
  for (uint64_t i = 0; i < count; ++i) bytes[offset + i] = static_cast<char>(i * 37 % 7 == 0 ? 0 : 0xFF);
  WriteBytes(p, bytes);

  auto r = OpenOk(p);
  ASSERT_TRUE(r);
  ASSERT_EQ(r->page_count(), 3);
  auto bad = r->ReadPage(1);
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.error().message.find("three.tif, page 2"), std::string::npos) << bad.error().message;
  for (int i : {0, 2}) {
    auto page = r->ReadPage(i);
    ASSERT_TRUE(page.ok()) << page.error().message;
    ExpectTestPage(page->gray, 1240, 1754);
  }
}

TEST(ExpandInputsTest, RecursesSortsAndFilters) {
  TempDir dir;
  fs::create_directories(dir / "b/deeper");
  fs::create_directories(dir / "a");
  for (const char* f : {"b/z.TIF", "b/deeper/x.jpeg", "b/readme.txt", "a/y.pdf", "a/w.PnG",
                        "a/.hidden.tiff", "a/data.json", "c.jpg"})
    WriteBytes(dir / f, "x");
  WriteBytes(dir / "named.dat", "x");
  auto r = ExpandInputs({dir / "b", dir / "a", dir / "named.dat", dir / "a/y.pdf"});
  ASSERT_TRUE(r.ok()) << r.error().message;
  std::vector<fs::path> want = {dir / "a/.hidden.tiff", dir / "a/w.PnG", dir / "a/y.pdf",
                                dir / "b/deeper/x.jpeg", dir / "b/z.TIF", dir / "named.dat"};
  EXPECT_EQ(*r, want);

  auto missing = ExpandInputs({dir / "a", dir / "nope"});
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.error().message.find("nope"), std::string::npos);
  EXPECT_NE(missing.error().message.find("no such file or folder"), std::string::npos);
}

}  // namespace
}  // namespace phieu::scanner
