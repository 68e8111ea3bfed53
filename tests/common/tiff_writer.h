// Copyright 2026 The Phiếu Authors
// SPDX-License-Identifier: Apache-2.0
// Scanner-style TIFFs written with libtiff for tests: bilevel CCITT G4 (fax, office scanners)
// or 8-bit gray (LZW, Deflate), one directory per page. Layouts the reader's fast path does not
// take (palette, tiles) are written by the tests that need them.
#pragma once

#include <tiffio.h>

#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <vector>

#include <opencv2/core.hpp>

namespace phieu::testing {

/// The tags every test TIFF directory starts with (contiguous samples, no resolution).
struct TiffLayout {
  std::uint32_t width = 0, height = 0;
  std::uint16_t bits_per_sample = 8, samples_per_pixel = 1;
  std::uint16_t photometric = PHOTOMETRIC_MINISBLACK;
  std::uint16_t compression = COMPRESSION_NONE;
  std::uint32_t rows_per_strip = 0;  ///< 0: one strip for the whole page.
};

inline void SetLayoutTags(TIFF* t, const TiffLayout& l) {
  TIFFSetField(t, TIFFTAG_IMAGEWIDTH, l.width);
  TIFFSetField(t, TIFFTAG_IMAGELENGTH, l.height);
  TIFFSetField(t, TIFFTAG_BITSPERSAMPLE, l.bits_per_sample);
  TIFFSetField(t, TIFFTAG_SAMPLESPERPIXEL, l.samples_per_pixel);
  TIFFSetField(t, TIFFTAG_PLANARCONFIG, PLANARCONFIG_CONTIG);
  TIFFSetField(t, TIFFTAG_PHOTOMETRIC, l.photometric);
  TIFFSetField(t, TIFFTAG_COMPRESSION, l.compression);
  TIFFSetField(t, TIFFTAG_ROWSPERSTRIP, l.rows_per_strip ? l.rows_per_strip : l.height);
}

enum class TiffCompression { kG4, kLzw, kDeflate };

struct TiffOptions {
  TiffCompression compression = TiffCompression::kDeflate;
  std::uint32_t rows_per_strip = 0;  ///< 0: one strip per page.
  float resolution = 0;              ///< 0: no resolution tags.
  std::uint16_t resolution_unit = RESUNIT_INCH;
};

/// Writes `pages` (8-bit gray; for G4 a pixel below 128 is black) as one TIFF, each page a
/// directory marked as a page (its number and the count). False when libtiff refuses.
inline bool WriteTiff(const std::filesystem::path& path, const std::vector<cv::Mat>& pages,
                      const TiffOptions& options = {}) {
  TIFF* t = TIFFOpen(path.c_str(), "w");
  if (!t) return false;
  bool ok = true;
  const bool g4 = options.compression == TiffCompression::kG4;
  for (size_t i = 0; i < pages.size() && ok; ++i) {
    const cv::Mat& m = pages[i];
    SetLayoutTags(t, {.width = std::uint32_t(m.cols),
                      .height = std::uint32_t(m.rows),
                      .bits_per_sample = std::uint16_t(g4 ? 1 : 8),
                      .photometric = std::uint16_t(g4 ? PHOTOMETRIC_MINISWHITE : PHOTOMETRIC_MINISBLACK),
                      .compression = std::uint16_t(g4 ? COMPRESSION_CCITTFAX4
                                                   : options.compression == TiffCompression::kLzw
                                                       ? COMPRESSION_LZW
                                                       : COMPRESSION_ADOBE_DEFLATE),
                      .rows_per_strip = options.rows_per_strip});
    if (options.resolution > 0) {
      TIFFSetField(t, TIFFTAG_XRESOLUTION, options.resolution);
      TIFFSetField(t, TIFFTAG_YRESOLUTION, options.resolution);
      TIFFSetField(t, TIFFTAG_RESOLUTIONUNIT, options.resolution_unit);
    }
    TIFFSetField(t, TIFFTAG_SUBFILETYPE, FILETYPE_PAGE);
    TIFFSetField(t, TIFFTAG_PAGENUMBER, std::uint16_t(i), std::uint16_t(pages.size()));
    std::vector<unsigned char> row(g4 ? (m.cols + 7) / 8 : m.cols);
    for (int y = 0; y < m.rows && ok; ++y) {
      if (g4) {
        std::fill(row.begin(), row.end(), 0);
        for (int x = 0; x < m.cols; ++x)
          if (m.at<unsigned char>(y, x) < 128) row[x / 8] |= 0x80 >> (x % 8);  // 1 = black
      } else {
        std::copy(m.ptr<unsigned char>(y), m.ptr<unsigned char>(y) + m.cols, row.begin());
      }
      ok = TIFFWriteScanline(t, row.data(), std::uint32_t(y), 0) == 1;
    }
    ok = ok && TIFFWriteDirectory(t);
  }
  TIFFClose(t);
  return ok;
}

/// The CCITT G4 stream of a one-page bilevel TIFF as libtiff's encoder writes it (the strip's
/// bytes, what a scanner embeds in a PDF as /CCITTFaxDecode). `scratch` is the TIFF file used.
inline std::vector<unsigned char> EncodeG4(const cv::Mat& gray, const std::filesystem::path& scratch) {
  std::vector<unsigned char> bytes;
  if (!WriteTiff(scratch, {gray}, {.compression = TiffCompression::kG4})) return bytes;
  TIFF* t = TIFFOpen(scratch.c_str(), "r");
  if (!t) return bytes;
  bytes.resize(static_cast<size_t>(TIFFRawStripSize(t, 0)));
  TIFFReadRawStrip(t, 0, bytes.data(), static_cast<tmsize_t>(bytes.size()));
  TIFFClose(t);
  return bytes;
}

}  // namespace phieu::testing
