// Copyright 2026 The Phiếu Authors
// SPDX-License-Identifier: Apache-2.0
// Private to the scanner stage: the pages of a scanner PDF as their embedded images.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <vector>

#include <opencv2/core.hpp>

namespace phieu::scanner {

/// A page that draws exactly one image over its whole box and nothing else (what scanners
/// write): the image's own encoded bytes are the page, so decoding them directly gives the
/// scan's pixels without rendering (docs: STACK.md section 5 measured ~33+ ms per render).
struct PdfPageImage {
  enum class Codec { kJpeg, kCcittFax, kFlate };
  Codec codec = Codec::kJpeg;
  int width = 0, height = 0; ///< image pixels (/Width, /Height).
  double dpi = 0.0;          ///< image pixels per inch of the page box.
  // CCITTFaxDecode parameters (PDF 32000-1, table 11).
  int k = 0;                 ///< < 0: G4; 0: G3 1-D; > 0: G3 2-D.
  bool invert = false;       ///< CCITT: decoded 1 bits are white (BlackIs1 and /Decode folded
                             ///< in). Flate: gray samples are inverted (/Decode [1 0]).
  // FlateDecode samples (what lossless scan software and PNG-to-PDF tools write).
  int components = 1;        ///< 1 gray, 3 RGB.
  int bits = 8;              ///< bits per component: 8, or 1 for gray.
  bool png_predictor = false;  ///< rows carry PNG filter bytes (/Predictor 10-15).
};

/// The page structure of a PDF, read from its cross-reference table and page tree.
struct PdfLayout {
  int page_count = 0;
  /// One per page; nullopt when the page is anything but a lone full-page JPEG or CCITT image
  /// (it must then be rendered).
  std::vector<std::optional<PdfPageImage>> images;
};

/// Inflates a FlateDecode page image and undoes its PNG predictor: 8-bit gray (RGB by BT.601
/// luma, as every colour scan), 1-bit samples as 0/255. Empty when the data are damaged,
/// short, or would need more than 256 MiB.
cv::Mat DecodeFlateImage(const std::vector<unsigned char>& data, const PdfPageImage& image);

/// An open PDF as its page images, read with qpdf (cross-reference tables or streams, object
/// streams, the page tree, stream filters). Reads only the objects it needs, never the whole
/// file. Not thread-safe: one per reader.
class PdfFile {
 public:
  /// nullptr when the file is beyond this reader (encrypted, damaged, not a PDF, or qpdf
  /// complains about anything): the caller then renders every page with poppler, which also
  /// judges whether the file is corrupt. Never throws.
  static std::unique_ptr<PdfFile> Open(const std::filesystem::path& path);
  ~PdfFile();
  const PdfLayout& layout() const;
  /// The stream bytes of page `index`'s image as stored (still JPEG, CCITT or Flate
  /// encoded); empty when the page has no direct image or its data cannot be read.
  std::vector<unsigned char> ImageBytes(int index);

 private:
  PdfFile();
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

/// The layout of PdfFile::Open(path), for tests and tools; nullopt when it returns nullptr.
std::optional<PdfLayout> ReadPdfLayout(const std::filesystem::path& path);

}  // namespace phieu::scanner
