// Copyright 2026 The Phiếu Authors
// SPDX-License-Identifier: Apache-2.0
// Scanner PDFs decoded straight from their embedded JPEG / CCITT G4 images, and the cases
// that must still go through the renderer.
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <cairo-pdf.h>
#include <cairo.h>
#include <gtest/gtest.h>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>
#include <tiffio.h>
#include <zlib.h>

#include "common/tiny_pdf.h"
#include "pdf_pages.h"
#include "common/cairo_pdf.h"
#include "common/temp_dir.h"
#include "common/tiff_writer.h"
#include <qpdf/QPDF.hh>
#include <qpdf/QPDFWriter.hh>
#include "scanner/scanner.h"

namespace phieu::scanner {
namespace {

namespace fs = std::filesystem;

using phieu::testing::TempDir;

constexpr double kA4WidthPt = 595.276, kA4HeightPt = 841.89;

/// Gray page with a distinctive pattern (so a wrong page, flip or inversion shows).
cv::Mat PatternPage(int w, int h, int seed) {
  cv::Mat m(h, w, CV_8UC1, cv::Scalar(235));
  cv::rectangle(m, cv::Rect(w / 10, h / 12, w / 4, h / 9), cv::Scalar(20), cv::FILLED);
  cv::circle(m, cv::Point(w * 3 / 4, h * 2 / 3), w / 8 + seed * 5, cv::Scalar(60), 9);
  cv::putText(m, "page " + std::to_string(seed), cv::Point(w / 6, h / 2), cv::FONT_HERSHEY_SIMPLEX,
              4.0, cv::Scalar(0), 8);
  return m;
}

struct PdfImage {
  cv::Mat gray;                        // what the page should show
  std::string mime;                    // CAIRO_MIME_TYPE_JPEG or CAIRO_MIME_TYPE_CCITT_FAX
  std::vector<unsigned char> encoded;  // the bytes cairo embeds as they are
  std::string params;                  // CCITT parameters
  bool vector_overlay = false;         // also draw a rectangle (not a lone image any more)
};

/// A scanner-style PDF: each page paints its image over the whole A4 page; cairo embeds the
/// encoded bytes unchanged (/DCTDecode or /CCITTFaxDecode), as scanners do.
void WritePdf(const fs::path& p, const std::vector<PdfImage>& pages) {
  std::vector<phieu::testing::ImagePdfPage> specs;
  for (const PdfImage& page : pages)
    specs.push_back({.image = page.gray, .width_pt = kA4WidthPt, .height_pt = kA4HeightPt, .mime = page.mime,
                     .encoded = std::string(page.encoded.begin(), page.encoded.end()),
                     .ccitt_params = page.params, .vector_overlay = page.vector_overlay});
  ASSERT_TRUE(phieu::testing::WriteImagePdf(p, specs));
}

PdfImage JpegImage(const cv::Mat& gray, bool colour) {
  PdfImage im;
  im.gray = gray;
  im.mime = CAIRO_MIME_TYPE_JPEG;
  cv::Mat src = gray;
  if (colour) cv::cvtColor(gray, src, cv::COLOR_GRAY2BGR);
  cv::imencode(".jpg", src, im.encoded, {cv::IMWRITE_JPEG_QUALITY, 90});
  return im;
}

/// A bilevel page encoded as a raw CCITT G4 stream (libtiff's encoder, strip bytes only).
PdfImage G4Image(const cv::Mat& gray, const fs::path& scratch) {
  PdfImage im;
  cv::threshold(gray, im.gray, 128, 255, cv::THRESH_BINARY);
  const int w = im.gray.cols, h = im.gray.rows;
  im.encoded = phieu::testing::EncodeG4(im.gray, scratch);
  EXPECT_FALSE(im.encoded.empty());
  im.mime = CAIRO_MIME_TYPE_CCITT_FAX;
  im.params = "Columns=" + std::to_string(w) + " Rows=" + std::to_string(h) + " K=-1";
  return im;
}

TEST(PdfPagesTest, JpegPagesDecodeFromTheEmbeddedImage) {
  TempDir dir;
  const cv::Mat p1 = PatternPage(1654, 2339, 1), p2 = PatternPage(1654, 2339, 2);
  const PdfImage gray = JpegImage(p1, false), colour = JpegImage(p2, true);
  WritePdf(dir / "scan.pdf", {gray, colour});

  auto layout = ReadPdfLayout(dir / "scan.pdf");
  ASSERT_TRUE(layout.has_value());
  ASSERT_EQ(layout->page_count, 2);
  for (const auto& im : layout->images) {
    ASSERT_TRUE(im.has_value()) << "a lone full-page JPEG must not need the renderer";
    EXPECT_EQ(im->codec, PdfPageImage::Codec::kJpeg);
    EXPECT_EQ(im->width, 1654);
    EXPECT_EQ(im->height, 2339);
    EXPECT_EQ(im->dpi, 200);
  }

  auto reader = OpenScanFile(dir / "scan.pdf");
  ASSERT_TRUE(reader.ok()) << reader.error().message;
  ASSERT_EQ((*reader)->page_count(), 2);
  // Page order is the page tree's, and the pixels are exactly the JPEG's luma.
  int i = 0;
  for (const PdfImage* want : {&gray, &colour}) {
    auto page = (*reader)->ReadPage(i);
    ASSERT_TRUE(page.ok()) << page.error().message;
    EXPECT_EQ(page->source.page_index, i);
    EXPECT_EQ(page->dpi, 200);
    cv::Mat expected = cv::imdecode(want->encoded, cv::IMREAD_GRAYSCALE);
    ASSERT_EQ(page->gray.size(), expected.size());
    EXPECT_EQ(cv::norm(page->gray, expected, cv::NORM_INF), 0) << "page " << i;
    // And close to the page as drawn (JPEG loss only).
    EXPECT_LT(cv::norm(page->gray, want->gray, cv::NORM_L1) / want->gray.total(), 3.0);
    ++i;
  }
}

// PDF 1.5 cross-reference and object streams (what many scan tools and any qpdf or Acrobat
// save write) were beyond the hand-written reader and went to poppler (~8x slower): the same
// pages, rewritten that way, are read from their images directly, pixel for pixel.
TEST(PdfPagesTest, CrossReferenceStreamsAreReadDirectly) {
  TempDir dir;
  const cv::Mat p1 = PatternPage(1654, 2339, 3);
  const PdfImage gray = JpegImage(p1, false);
  WritePdf(dir / "classic.pdf", {gray, gray});
  {
    QPDF pdf;
    pdf.processFile((dir / "classic.pdf").c_str());
    QPDFWriter w(pdf, (dir / "xref-stream.pdf").c_str());
    w.setObjectStreamMode(qpdf_o_generate);
    w.setStreamDataMode(qpdf_s_preserve);
    w.write();
  }
  std::ifstream in(dir / "xref-stream.pdf", std::ios::binary);
  std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  ASSERT_NE(bytes.find("/XRef"), std::string::npos) << "not a cross-reference stream";
  ASSERT_EQ(bytes.find("\nxref"), std::string::npos) << "still a classic table";

  auto layout = ReadPdfLayout(dir / "xref-stream.pdf");
  ASSERT_TRUE(layout.has_value());
  ASSERT_EQ(layout->page_count, 2);
  for (const auto& im : layout->images) {
    ASSERT_TRUE(im.has_value());
    EXPECT_EQ(im->codec, PdfPageImage::Codec::kJpeg);
  }
  auto reader = OpenScanFile(dir / "xref-stream.pdf");
  ASSERT_TRUE(reader.ok()) << reader.error().message;
  auto page = (*reader)->ReadPage(1);
  ASSERT_TRUE(page.ok()) << page.error().message;
  cv::Mat expected = cv::imdecode(gray.encoded, cv::IMREAD_GRAYSCALE);
  ASSERT_EQ(page->gray.size(), expected.size());
  EXPECT_EQ(cv::norm(page->gray, expected, cv::NORM_INF), 0);
  EXPECT_EQ(page->dpi, 200);
}

TEST(PdfPagesTest, CcittG4PagesDecodeFromTheEmbeddedImage) {
  TempDir dir;
  const PdfImage g4 = G4Image(PatternPage(1240, 1754, 3), dir / "scratch.tif");
  WritePdf(dir / "fax.pdf", {g4});
  auto layout = ReadPdfLayout(dir / "fax.pdf");
  ASSERT_TRUE(layout.has_value());
  ASSERT_EQ(layout->page_count, 1);
  ASSERT_TRUE(layout->images[0].has_value());
  EXPECT_EQ(layout->images[0]->codec, PdfPageImage::Codec::kCcittFax);
  EXPECT_LT(layout->images[0]->k, 0);

  auto reader = OpenScanFile(dir / "fax.pdf");
  ASSERT_TRUE(reader.ok()) << reader.error().message;
  auto page = (*reader)->ReadPage(0);
  ASSERT_TRUE(page.ok()) << page.error().message;
  EXPECT_EQ(page->dpi, 150);
  ASSERT_EQ(page->gray.size(), g4.gray.size());
  // Lossless, and black stays black (the polarity rules of /BlackIs1 and /Decode).
  EXPECT_EQ(cv::norm(page->gray, g4.gray, cv::NORM_INF), 0);
}

/// A one-page PDF written by hand around a FlateDecode image, the way PNG-to-PDF tools and
/// lossless scan software write them: `samples` are the image rows as the filter sees them
/// (PNG filter bytes included when `decode_parms` names a predictor).
void WriteFlatePdf(const fs::path& p, int w, int h, const std::string& colour_space, int bits,
                   const std::vector<unsigned char>& samples, const std::string& decode_parms,
                   const std::string& extra = "") {
  uLongf packed_size = compressBound(static_cast<uLong>(samples.size()));
  std::string packed(packed_size, '\0');
  ASSERT_EQ(compress2(reinterpret_cast<Bytef*>(packed.data()), &packed_size, samples.data(),
                      static_cast<uLong>(samples.size()), 6), Z_OK);
  packed.resize(packed_size);
  std::ofstream(p, std::ios::binary) << phieu::testing::OneImagePdf(
      kA4WidthPt, kA4HeightPt,
      "/Width " + std::to_string(w) + " /Height " + std::to_string(h) + " /ColorSpace /" + colour_space +
          " /BitsPerComponent " + std::to_string(bits) + " /Filter /FlateDecode " +
          (decode_parms.empty() ? "" : "/DecodeParms << " + decode_parms + " >> ") + extra,
      packed);
}

/// Rows of `m` behind PNG filter bytes, cycling through all five filters.
std::vector<unsigned char> PngFiltered(const cv::Mat& m, int bpp) {
  const size_t row = m.cols * m.elemSize();
  std::vector<unsigned char> out;
  for (int r = 0; r < m.rows; ++r) {
    const int type = r % 5;
    out.push_back(static_cast<unsigned char>(type));
    const unsigned char* cur = m.ptr<unsigned char>(r);
    const unsigned char* up = r > 0 ? m.ptr<unsigned char>(r - 1) : nullptr;
    for (size_t i = 0; i < row; ++i) {
      const int a = i >= static_cast<size_t>(bpp) ? cur[i - bpp] : 0, b = up ? up[i] : 0,
                c = (up && i >= static_cast<size_t>(bpp)) ? up[i - bpp] : 0;
      int pred = 0;
      if (type == 1) pred = a;
      if (type == 2) pred = b;
      if (type == 3) pred = (a + b) / 2;
      if (type == 4) {
        const int p = a + b - c, pa = std::abs(p - a), pb = std::abs(p - b), pc = std::abs(p - c);
        pred = pa <= pb && pa <= pc ? a : (pb <= pc ? b : c);
      }
      out.push_back(static_cast<unsigned char>(cur[i] - pred));
    }
  }
  return out;
}

TEST(PdfPagesTest, FlatePagesDecodeFromTheEmbeddedImage) {
  TempDir dir;
  const int w = 1240, h = 1754;  // A4 at 150 dpi
  const cv::Mat gray = PatternPage(w, h, 5);
  cv::Mat rgb;
  cv::cvtColor(gray, rgb, cv::COLOR_GRAY2RGB);
  rgb(cv::Rect(40, 40, 30, 30)).setTo(cv::Scalar(200, 30, 30));  // red ink: luma 81
  cv::Mat bits;
  cv::threshold(gray, bits, 128, 255, cv::THRESH_BINARY);
  std::vector<unsigned char> packed_bits;
  for (int r = 0; r < h; ++r)
    for (int x = 0; x < w; x += 8) {
      unsigned char byte = 0;
      for (int k = 0; k < 8 && x + k < w; ++k)
        if (bits.at<unsigned char>(r, x + k)) byte |= 0x80 >> k;  // 1 = white in DeviceGray
      packed_bits.push_back(byte);
    }

  struct Case {
    std::string name, colour_space;
    int bits;
    std::vector<unsigned char> samples;
    std::string parms, extra;
    cv::Mat want;
  };
  cv::Mat inverted = 255 - gray, want_rgb;
  cv::cvtColor(rgb, want_rgb, cv::COLOR_RGB2GRAY);
  const std::string png_gray = "/Predictor 15 /Colors 1 /BitsPerComponent 8 /Columns " + std::to_string(w);
  const std::string png_rgb = "/Predictor 15 /Colors 3 /BitsPerComponent 8 /Columns " + std::to_string(w);
  const std::vector<Case> cases = {
      {"gray.pdf", "DeviceGray", 8, std::vector<unsigned char>(gray.datastart, gray.dataend), "", "", gray},
      {"gray-png.pdf", "DeviceGray", 8, PngFiltered(gray, 1), png_gray, "", gray},
      {"rgb-png.pdf", "DeviceRGB", 8, PngFiltered(rgb, 3), png_rgb, "", want_rgb},
      {"bilevel.pdf", "DeviceGray", 1, packed_bits, "", "", bits},
      {"inverted.pdf", "DeviceGray", 8, std::vector<unsigned char>(inverted.datastart, inverted.dataend),
       "", "/Decode [1 0] ", gray},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    WriteFlatePdf(dir / c.name, w, h, c.colour_space, c.bits, c.samples, c.parms, c.extra);
    auto layout = ReadPdfLayout(dir / c.name);
    ASSERT_TRUE(layout.has_value());
    ASSERT_TRUE(layout->images[0].has_value()) << "a lone full-page Flate image must not need the renderer";
    EXPECT_EQ(layout->images[0]->codec, PdfPageImage::Codec::kFlate);
    auto reader = OpenScanFile(dir / c.name);
    ASSERT_TRUE(reader.ok()) << reader.error().message;
    auto page = (*reader)->ReadPage(0);
    ASSERT_TRUE(page.ok()) << page.error().message;
    EXPECT_EQ(page->dpi, 150);
    ASSERT_EQ(page->gray.size(), c.want.size());
    EXPECT_LE(cv::norm(page->gray, c.want, cv::NORM_INF), 1);  // lossless (luma rounding)
  }

  // A TIFF predictor, or PNG rows that do not match the image, go to the renderer instead.
  WriteFlatePdf(dir / "tiff-pred.pdf", w, h, "DeviceGray", 8,
                std::vector<unsigned char>(gray.datastart, gray.dataend), "/Predictor 2", "");
  auto tiff_pred = ReadPdfLayout(dir / "tiff-pred.pdf");
  ASSERT_TRUE(tiff_pred.has_value());
  EXPECT_FALSE(tiff_pred->images[0].has_value());
  // Truncated samples: the direct decode fails and poppler still gives a page.
  std::vector<unsigned char> short_rows(gray.datastart, gray.datastart + gray.total() / 2);
  WriteFlatePdf(dir / "short.pdf", w, h, "DeviceGray", 8, short_rows, "", "");
  auto reader = OpenScanFile(dir / "short.pdf");
  ASSERT_TRUE(reader.ok()) << reader.error().message;
  auto page = (*reader)->ReadPage(0);
  ASSERT_TRUE(page.ok()) << page.error().message;
  EXPECT_EQ(page->gray.cols, w);
}

TEST(PdfPagesTest, PagesWithMoreThanTheImageAreRendered) {
  TempDir dir;
  PdfImage plain = JpegImage(PatternPage(1654, 2339, 4), false);
  PdfImage marked = plain;
  marked.vector_overlay = true;
  WritePdf(dir / "mixed.pdf", {plain, marked});
  auto layout = ReadPdfLayout(dir / "mixed.pdf");
  ASSERT_TRUE(layout.has_value());
  ASSERT_EQ(layout->page_count, 2);
  EXPECT_TRUE(layout->images[0].has_value());
  EXPECT_FALSE(layout->images[1].has_value()) << "a drawn rectangle needs the renderer";

  auto reader = OpenScanFile(dir / "mixed.pdf");
  ASSERT_TRUE(reader.ok()) << reader.error().message;
  auto page = (*reader)->ReadPage(1);
  ASSERT_TRUE(page.ok()) << page.error().message;
  EXPECT_EQ(page->dpi, 200);
  // The rectangle (300..400 pt from the top-left) is on the rendered page: black.
  const double px_per_pt = 200.0 / 72.0;
  const cv::Point inside(static_cast<int>(350 * px_per_pt), static_cast<int>(450 * px_per_pt));
  EXPECT_LT(page->gray.at<unsigned char>(inside), 40);
}

TEST(PdfPagesTest, FilesBeyondTheSmallReaderFallBack) {
  TempDir dir;
  // Not a PDF structure it follows: nullopt, and OpenScanFile still judges the file.
  std::ofstream(dir / "junk.pdf") << "%PDF-1.4\n1 0 obj garbage\n";
  EXPECT_FALSE(ReadPdfLayout(dir / "junk.pdf").has_value());
  auto r = OpenScanFile(dir / "junk.pdf");
  EXPECT_FALSE(r.ok());

  // A cross-reference table pointing at the wrong offsets (damage): nullopt, no crash.
  WritePdf(dir / "ok.pdf", {JpegImage(PatternPage(827, 1170, 5), false)});
  std::ifstream in(dir / "ok.pdf", std::ios::binary);
  std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const size_t sx = bytes.rfind("startxref");
  ASSERT_NE(sx, std::string::npos);
  std::string damaged = bytes.substr(0, sx) + "startxref\n17\n%%EOF\n";
  std::ofstream(dir / "damaged.pdf", std::ios::binary) << damaged;
  EXPECT_FALSE(ReadPdfLayout(dir / "damaged.pdf").has_value());
  // Truncated in the middle of the image: whatever the structure says, no crash, and the
  // page either decodes (renderer) or is a page error naming the file.
  std::ofstream(dir / "cut.pdf", std::ios::binary) << bytes.substr(0, bytes.size() / 2);
  auto cut = OpenScanFile(dir / "cut.pdf");
  if (cut.ok() && (*cut)->page_count() > 0) {
    auto page = (*cut)->ReadPage(0);
    if (!page.ok()) EXPECT_NE(page.error().message.find("cut.pdf"), std::string::npos);
  }
}

}  // namespace
}  // namespace phieu::scanner
