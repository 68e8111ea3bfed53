// Copyright 2026 The Phiếu Authors
// SPDX-License-Identifier: Apache-2.0
// Writes the small scan-file seeds of fuzz/corpus/ (one of each format and PDF layout the
// readers follow). Not built by CMake; run once when the seeds change:
//   g++ -std=c++20 -O1 -DPOINTERHOLDER_TRANSITION=4 -I. fuzz/make_seeds.cpp -o /tmp/make_seeds \
//     $(pkg-config --cflags --libs opencv4 libtiff-4 libqpdf zlib) && /tmp/make_seeds fuzz/corpus
#include <qpdf/QPDF.hh>
#include <qpdf/QPDFWriter.hh>
#include <tiffio.h>
#include <zlib.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "tests/common/tiny_pdf.h"

namespace fs = std::filesystem;

std::string Bytes(const std::vector<unsigned char>& v) { return std::string(v.begin(), v.end()); }
void Write(const fs::path& p, const std::string& s) { std::ofstream(p, std::ios::binary) << s; }

cv::Mat Page(int w, int h) {
  cv::Mat m(h, w, CV_8UC1, cv::Scalar(255));
  cv::rectangle(m, cv::Rect(w / 8, h / 8, w / 4, h / 5), cv::Scalar(0), cv::FILLED);
  return m;
}

std::string G4Strip(const cv::Mat& m, const fs::path& scratch) {
  TIFF* t = TIFFOpen(scratch.c_str(), "w");
  TIFFSetField(t, TIFFTAG_IMAGEWIDTH, uint32_t(m.cols));
  TIFFSetField(t, TIFFTAG_IMAGELENGTH, uint32_t(m.rows));
  TIFFSetField(t, TIFFTAG_BITSPERSAMPLE, uint16_t(1));
  TIFFSetField(t, TIFFTAG_SAMPLESPERPIXEL, uint16_t(1));
  TIFFSetField(t, TIFFTAG_COMPRESSION, COMPRESSION_CCITTFAX4);
  TIFFSetField(t, TIFFTAG_PHOTOMETRIC, PHOTOMETRIC_MINISWHITE);
  TIFFSetField(t, TIFFTAG_ROWSPERSTRIP, uint32_t(m.rows));
  TIFFSetField(t, TIFFTAG_XRESOLUTION, 72.0f);
  TIFFSetField(t, TIFFTAG_YRESOLUTION, 72.0f);
  TIFFSetField(t, TIFFTAG_RESOLUTIONUNIT, RESUNIT_INCH);
  std::vector<unsigned char> row(static_cast<size_t>((m.cols + 7) / 8));
  for (int y = 0; y < m.rows; ++y) {
    std::fill(row.begin(), row.end(), 0);
    for (int x = 0; x < m.cols; ++x)
      if (m.at<unsigned char>(y, x) == 0) row[static_cast<size_t>(x / 8)] |= 0x80 >> (x % 8);
    TIFFWriteScanline(t, row.data(), uint32_t(y), 0);
  }
  TIFFClose(t);
  t = TIFFOpen(scratch.c_str(), "r");
  std::string strip(static_cast<size_t>(TIFFRawStripSize(t, 0)), '\0');
  TIFFReadRawStrip(t, 0, strip.data(), static_cast<tmsize_t>(strip.size()));
  TIFFClose(t);
  return strip;
}

/// One page painting one image XObject over a 64x64 pt box.
std::string ImagePdf(const std::string& image_dict, const std::string& data) {
  const std::string content = "q 64 0 0 64 0 0 cm /Im0 Do Q";
  return phieu::testing::AssemblePdf(
      {"<< /Type /Catalog /Pages 2 0 R >>", "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
       "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 64 64] /Contents 4 0 R /Resources << /XObject << /Im0 5 0 R >> >> >>",
       "<< /Length " + std::to_string(content.size()) + " >>\nstream\n" + content + "\nendstream",
       "<< /Type /XObject /Subtype /Image /Width 64 /Height 64 " + image_dict + " /Length " +
           std::to_string(data.size()) + " >>\nstream\n" + data + "\nendstream"});
}

int main(int argc, char** argv) {
  const fs::path out = argc > 1 ? argv[1] : "fuzz/corpus";
  const fs::path scan = out / "fuzz_scan_file", pdf = out / "fuzz_pdf_pages";
  fs::create_directories(scan);
  fs::create_directories(pdf);
  const cv::Mat page = Page(64, 64);
  std::vector<unsigned char> buf;
  cv::imencode(".png", page, buf);
  Write(scan / "page.png", Bytes(buf));
  cv::imencode(".jpg", page, buf, {cv::IMWRITE_JPEG_QUALITY, 50});
  const std::string jpeg = Bytes(buf);
  Write(scan / "page.jpg", jpeg);
  cv::imencode(".tif", page, buf);
  Write(scan / "page.tif", Bytes(buf));
  const fs::path scratch = out / "scratch.tif";
  const std::string g4 = G4Strip(page, scratch);
  {
    std::ifstream in(scratch, std::ios::binary);
    Write(scan / "page-g4.tif", std::string(std::istreambuf_iterator<char>(in), {}));
  }
  fs::remove(scratch);

  std::string raw(64 * 64, '\0');
  std::memcpy(raw.data(), page.data, raw.size());
  uLongf n = compressBound(static_cast<uLong>(raw.size()));
  std::string flate(n, '\0');
  compress(reinterpret_cast<Bytef*>(flate.data()), &n, reinterpret_cast<const Bytef*>(raw.data()), static_cast<uLong>(raw.size()));
  flate.resize(n);

  const std::vector<std::pair<std::string, std::string>> pdfs = {
      {"jpeg.pdf", ImagePdf("/ColorSpace /DeviceGray /BitsPerComponent 8 /Filter /DCTDecode", jpeg)},
      {"g4.pdf", ImagePdf("/ColorSpace /DeviceGray /BitsPerComponent 1 /Filter /CCITTFaxDecode "
                          "/DecodeParms << /K -1 /Columns 64 /Rows 64 >>", g4)},
      {"flate.pdf", ImagePdf("/ColorSpace /DeviceGray /BitsPerComponent 8 /Filter /FlateDecode", flate)},
      {"vector.pdf", phieu::testing::AssemblePdf(
                         {"<< /Type /Catalog /Pages 2 0 R >>", "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
                          "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 64 64] /Contents 4 0 R >>",
                          "<< /Length 22 >>\nstream\n8 8 40 20 re f 0 0 m S\nendstream"})},
  };
  for (const auto& [name, bytes] : pdfs) {
    Write(scan / name, bytes);
    Write(pdf / name, bytes);
  }
  // The same JPEG page with a cross-reference stream and object streams.
  QPDF q;
  q.processFile((pdf / "jpeg.pdf").c_str());
  QPDFWriter w(q, (pdf / "jpeg-xref-stream.pdf").c_str());
  w.setObjectStreamMode(qpdf_o_generate);
  w.setStreamDataMode(qpdf_s_preserve);
  w.write();
  fs::copy_file(pdf / "jpeg-xref-stream.pdf", scan / "jpeg-xref-stream.pdf", fs::copy_options::overwrite_existing);
  return 0;
}
