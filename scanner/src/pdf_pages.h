// Copyright 2026 The Phiếu Authors
// SPDX-License-Identifier: Apache-2.0
// Private to the scanner stage: the pages of a scanner PDF as their embedded images.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <vector>

namespace phieu::scanner {

/// A page that draws exactly one image over its whole box and nothing else (what scanners
/// write): the image's own encoded bytes are the page, so decoding them directly gives the
/// scan's pixels without rendering (docs: STACK.md section 5 measured ~33+ ms per render).
struct PdfPageImage {
  enum class Codec { kJpeg, kCcittFax };
  Codec codec = Codec::kJpeg;
  std::uint64_t offset = 0;  ///< first byte of the stream data in the file.
  std::uint64_t length = 0;  ///< stream data bytes (/Length).
  int width = 0, height = 0; ///< image pixels (/Width, /Height).
  double dpi = 0.0;          ///< image pixels per inch of the page box.
  // CCITTFaxDecode parameters (PDF 32000-1, table 11).
  int k = 0;                 ///< < 0: G4; 0: G3 1-D; > 0: G3 2-D.
  bool invert = false;       ///< decoded 1 bits are white (BlackIs1 and /Decode folded in).
};

/// The page structure of a PDF, read from its cross-reference table and page tree.
struct PdfLayout {
  int page_count = 0;
  /// One per page; nullopt when the page is anything but a lone full-page JPEG or CCITT image
  /// (it must then be rendered).
  std::vector<std::optional<PdfPageImage>> images;
};

/// Reads the page tree of an unencrypted PDF with classic cross-reference tables. nullopt when
/// the file is beyond this small reader (cross-reference streams, encryption, damage): the
/// caller then renders every page with poppler, which also judges whether the file is corrupt.
/// Reads only the few objects it needs, never the whole file.
std::optional<PdfLayout> ReadPdfLayout(const std::filesystem::path& path);

}  // namespace phieu::scanner
