// Copyright 2026 The Phiếu Authors
// SPDX-License-Identifier: Apache-2.0
// Hostile sizes in every format: refused from the header, before anything is decoded, with a
// message naming the file, the size and the limit; the limits can be raised.
#include <gtest/gtest.h>
#include <tiffio.h>
#include <zlib.h>

#include <fstream>
#include <string>
#include <vector>

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "common/cairo_pdf.h"
#include "common/temp_dir.h"
#include "common/tiff_writer.h"
#include "scanner/scanner.h"

namespace phieu::scanner {
namespace {

namespace fs = std::filesystem;
using phieu::testing::TempDir;

void WriteBytes(const fs::path& p, const std::string& bytes) { std::ofstream(p, std::ios::binary) << bytes; }

void Put32(std::string& s, uint32_t v) {
  for (int shift = 24; shift >= 0; shift -= 8) s += static_cast<char>((v >> shift) & 0xFF);
}
void PngChunk(std::string& png, const char* type, const std::string& data) {
  Put32(png, static_cast<uint32_t>(data.size()));
  std::string body = std::string(type, 4) + data;
  png += body;
  Put32(png, static_cast<uint32_t>(crc32(0, reinterpret_cast<const Bytef*>(body.data()), static_cast<uInt>(body.size()))));
}

/// A PNG whose header says `w` x `h` 8-bit gray, with the first rows of zeros deflated as its
/// data: a few hundred bytes that would decode to w*h bytes.
std::string BombPng(uint32_t w, uint32_t h) {
  std::string png = "\x89PNG\r\n\x1a\n";
  std::string ihdr;
  Put32(ihdr, w);
  Put32(ihdr, h);
  ihdr += std::string("\x08\x00\x00\x00\x00", 5);
  PngChunk(png, "IHDR", ihdr);
  std::string raw(static_cast<size_t>(w + 1) * 16, '\0');
  uLongf n = compressBound(static_cast<uLong>(raw.size()));
  std::string z(n, '\0');
  compress(reinterpret_cast<Bytef*>(z.data()), &n, reinterpret_cast<const Bytef*>(raw.data()), static_cast<uLong>(raw.size()));
  z.resize(n);
  PngChunk(png, "IDAT", z);
  PngChunk(png, "IEND", "");
  return png;
}

std::string Encode(const char* ext, const cv::Mat& m) {
  std::vector<unsigned char> bytes;
  cv::imencode(ext, m, bytes);
  return std::string(bytes.begin(), bytes.end());
}

cv::Mat Page(int w, int h) {
  cv::Mat m(h, w, CV_8UC1, cv::Scalar(255));
  cv::rectangle(m, cv::Rect(w / 10, h / 10, w / 5, h / 8), cv::Scalar(0), cv::FILLED);
  return m;
}

/// An 8-bit gray TIFF with one deflated strip per page.
void WriteTiff(const fs::path& p, const std::vector<cv::Mat>& pages) {
  ASSERT_TRUE(phieu::testing::WriteTiff(p, pages));
}

/// A TIFF whose directory claims `w` x `h` 8-bit gray pixels but holds one short strip.
void WriteLyingTiff(const fs::path& p, uint32_t w, uint32_t h) {
  TIFF* t = TIFFOpen(p.c_str(), "w");
  ASSERT_NE(t, nullptr);
  phieu::testing::SetLayoutTags(t, {.width = w, .height = h});
  std::vector<unsigned char> row(w, 255);
  TIFFWriteRawStrip(t, 0, row.data(), static_cast<tmsize_t>(row.size()));
  TIFFWriteDirectory(t);
  TIFFClose(t);
}

void WriteVectorPdf(const fs::path& p, double w_pt, double h_pt, int pages) {
  ASSERT_TRUE(phieu::testing::WriteVectorPdf(p, w_pt, h_pt, pages));
}

std::string Contains(const std::string& text, const std::vector<std::string>& parts) {
  for (const auto& p : parts)
    if (text.find(p) == std::string::npos) return "missing \"" + p + "\" in: " + text;
  return "";
}

TEST(ScanLimitsTest, PngBombIsRefusedFromItsHeader) {
  TempDir dir("limits");
  const fs::path png = dir / "bomb.png";
  WriteBytes(png, BombPng(30000, 30000));
  ASSERT_LT(fs::file_size(png), 1u << 20);
  auto r = OpenScanFile(png);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, "limit");
  EXPECT_EQ(Contains(r.error().message, {png.string(), "30000x30000", "900,000,000 pixels",
                                         "100,000,000 pixels per page", "--max-page-pixels"}),
            "");
  // Raised, the header passes (the page itself is not decoded here: it would take 900 MB).
  EXPECT_TRUE(OpenScanFile(png, ScanLimits{.max_page_pixels = 1'000'000'000}).ok());
}

TEST(ScanLimitsTest, JpegFrameHeaderIsCheckedBeforeDecoding) {
  TempDir dir("limits");
  std::string jpg = Encode(".jpg", Page(200, 100));
  // Patch the SOF0 frame size to 40000 x 40000.
  auto sof = jpg.find("\xFF\xC0");
  ASSERT_NE(sof, std::string::npos);
  jpg[sof + 5] = static_cast<char>(40000 >> 8), jpg[sof + 6] = static_cast<char>(40000 & 0xFF);
  jpg[sof + 7] = static_cast<char>(40000 >> 8), jpg[sof + 8] = static_cast<char>(40000 & 0xFF);
  WriteBytes(dir / "big.jpg", jpg);
  auto r = OpenScanFile(dir / "big.jpg");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(Contains(r.error().message, {"big.jpg", "40000x40000", "pixels per page"}), "");
}

TEST(ScanLimitsTest, TruncatedJpegIsRefusedWhenOpenedLikeAnEmptyFile) {
  TempDir dir("limits");
  std::string jpg = Encode(".jpg", Page(800, 1000));
  WriteBytes(dir / "cut.jpg", jpg.substr(0, jpg.size() / 2));
  WriteBytes(dir / "empty.jpg", "");
  auto cut = OpenScanFile(dir / "cut.jpg");
  auto empty = OpenScanFile(dir / "empty.jpg");
  ASSERT_FALSE(cut.ok());
  ASSERT_FALSE(empty.ok());
  EXPECT_EQ(Contains(cut.error().message, {"cut.jpg", "truncated"}), "");
  EXPECT_EQ(cut.error().code, empty.error().code);
}

TEST(ScanLimitsTest, StripTiffIsAnUnreadablePageNotACrash) {
  TempDir dir("limits");
  WriteTiff(dir / "strip.tif", {Page(60000, 20)});
  auto r = OpenScanFile(dir / "strip.tif");
  ASSERT_TRUE(r.ok()) << r.error().message;
  auto page = (*r)->ReadPage(0);
  ASSERT_FALSE(page.ok());
  EXPECT_EQ(Contains(page.error().message, {"strip.tif", "page 1", "60000x20", "too small", "64 px"}), "");
  // With the smallest side lowered it is read as it is.
  auto raised = OpenScanFile(dir / "strip.tif", ScanLimits{.min_page_side_px = 1});
  ASSERT_TRUE(raised.ok());
  auto read = (*raised)->ReadPage(0);
  ASSERT_TRUE(read.ok()) << read.error().message;
  EXPECT_EQ(read->gray.cols, 60000);
  EXPECT_EQ(read->gray.rows, 20);
}

TEST(ScanLimitsTest, TiffDirectoryClaimingHugePageIsRefusedBeforeDecoding) {
  TempDir dir("limits");
  WriteLyingTiff(dir / "lie.tif", 15000, 15000);
  auto r = OpenScanFile(dir / "lie.tif");
  ASSERT_TRUE(r.ok()) << r.error().message;
  auto page = (*r)->ReadPage(0);
  ASSERT_FALSE(page.ok());
  EXPECT_EQ(page.error().code, "limit");
  EXPECT_EQ(Contains(page.error().message, {"lie.tif", "page 1", "15000x15000", "225,000,000 pixels"}), "");
}

TEST(ScanLimitsTest, HugePdfPageBoxIsRefusedNotMisreported) {
  TempDir dir("limits");
  // 14400 pt (200 in) a side, the largest page PDF allows: 60000 px a side at 300 dpi.
  WriteVectorPdf(dir / "poster.pdf", 14400, 14400, 1);
  auto r = OpenScanFile(dir / "poster.pdf");
  ASSERT_TRUE(r.ok()) << r.error().message;
  auto page = (*r)->ReadPage(0);
  ASSERT_FALSE(page.ok());
  EXPECT_EQ(page.error().code, "limit");
  EXPECT_EQ(Contains(page.error().message, {"poster.pdf", "page 1", "60000x60000", "pixels per page",
                                            "14400x14400 pt"}),
            "");
}

TEST(ScanLimitsTest, PagesPerFileAndFileSize) {
  TempDir dir("limits");
  WriteTiff(dir / "three.tif", {Page(300, 400), Page(300, 400), Page(300, 400)});
  WriteVectorPdf(dir / "three.pdf", 595, 842, 3);
  for (const char* name : {"three.tif", "three.pdf"}) {
    auto r = OpenScanFile(dir / name, ScanLimits{.max_pages_per_file = 2});
    ASSERT_FALSE(r.ok()) << name;
    EXPECT_EQ(Contains(r.error().message, {name, "3 pages", "limit of 2 pages per file", "--max-pages-per-file"}), "");
    EXPECT_TRUE(OpenScanFile(dir / name, ScanLimits{.max_pages_per_file = 3}).ok()) << name;
  }
  WriteBytes(dir / "page.png", Encode(".png", Page(400, 500)));
  auto r = OpenScanFile(dir / "page.png", ScanLimits{.max_file_bytes = 100});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(Contains(r.error().message, {"page.png", "over the limit of 100 bytes", "--max-file-mb"}), "");
}

TEST(ScanLimitsTest, ThumbnailOfAStripIsAnImageNotAnException) {
  // 400 / 60000 of 64 rows rounds to nothing: OpenCV threw "!dsize.empty()".
  for (cv::Size size : {cv::Size(60000, 64), cv::Size(64, 60000), cv::Size(100000, 1)}) {
    std::vector<unsigned char> jpg;
    ASSERT_NO_THROW(jpg = MakeThumbnailJpeg(cv::Mat(size, CV_8UC1, cv::Scalar(128)), 400)) << size;
    cv::Mat back = cv::imdecode(jpg, cv::IMREAD_GRAYSCALE);
    ASSERT_FALSE(back.empty()) << size;
    EXPECT_EQ(std::max(back.cols, back.rows), 400) << size;
    EXPECT_GE(std::min(back.cols, back.rows), 1) << size;
  }
}

}  // namespace
}  // namespace phieu::scanner
