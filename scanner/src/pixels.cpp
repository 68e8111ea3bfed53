// Copyright 2026 The Phiếu Authors
// SPDX-License-Identifier: Apache-2.0
// Pixel helpers every scan reader shares: gray conversion, 1-bit unpacking, halving, JPEG.
#include <algorithm>
#include <array>
#include <cstring>

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "scan_readers.h"

namespace phieu::scanner {

/// Any depth / channel count -> CV_8UC1 with 0 = black.
cv::Mat ToGray8(const cv::Mat& in) {
  cv::Mat m = in;
  if (m.depth() == CV_16U) {
    m.convertTo(m, CV_8U, 1.0 / 257.0);
  } else if (m.depth() != CV_8U) {
    cv::Mat tmp;
    cv::normalize(m, tmp, 0, 255, cv::NORM_MINMAX, CV_8U);
    m = tmp;
  }
  if (m.channels() == 3) {
    cv::Mat g;
    cv::cvtColor(m, g, cv::COLOR_BGR2GRAY);
    return g;
  }
  if (m.channels() == 4) {
    cv::Mat g;
    cv::cvtColor(m, g, cv::COLOR_BGRA2GRAY);
    return g;
  }
  return m;
}

/// Expands MSB-first packed 1-bit rows to 0/255 bytes, eight pixels per table lookup: at
/// 600 dpi a G4 page is 35 Mpx, and a per-bit loop cost as much as the G4 decode itself.
void UnpackBits(const unsigned char* packed, unsigned char* dst, uint32_t width, bool one_is_white) {
  struct Table {
    std::array<std::array<unsigned char, 8>, 256> rows[2];
    Table() {
      for (int inv = 0; inv < 2; ++inv)
        for (int v = 0; v < 256; ++v)
          for (int b = 0; b < 8; ++b) {
            bool bit = (v >> (7 - b)) & 1;
            rows[inv][static_cast<size_t>(v)][static_cast<size_t>(b)] = (bit == (inv == 1)) ? 255 : 0;
          }
    }
  };
  static const Table table;
  const auto& rows = table.rows[one_is_white ? 1 : 0];
  const uint32_t whole = width / 8;
  for (uint32_t i = 0; i < whole; ++i) std::memcpy(dst + 8 * i, rows[packed[i]].data(), 8);
  for (uint32_t x = whole * 8; x < width; ++x)
    dst[x] = rows[packed[x >> 3]][x & 7];
}

// Scans at 500-900 dpi (600 dpi is a common scanner setting) are read at half resolution.
// Everything downstream works at ~300 dpi anyway (WarpRegion box-filters any larger scale down
// to that), and a 35 Mpx page costs 4x the anchor search and warps of its 9 Mpx half, and 35 MB
// for as long as it is worked on. Bilevel pages: each output pixel is the share of white in its
// 2x2 block (5 gray levels), and JPEG: libjpeg's own half-size DCT decode (neither ever makes
// the full page); other gray or colour images: an area average of the decoded page (the full
// page exists only while it is halved).
constexpr double kMinHalvedDpi = 500.0, kMaxHalvedDpi = 900.0;

bool HalveHighRes(double dpi) { return dpi >= kMinHalvedDpi && dpi < kMaxHalvedDpi; }

/// `gray` at half size, each pixel the mean of its 2x2 block.
cv::Mat HalveGray(const cv::Mat& gray) {
  cv::Mat out;
  cv::resize(gray, out, cv::Size(gray.cols / 2, gray.rows / 2), 0, 0, cv::INTER_AREA);
  return out;
}

/// Two packed 1-bit rows -> one row of `out_w` = width / 2 gray pixels (2x2 white share).
void HalveBitRows(const unsigned char* a, const unsigned char* b, unsigned char* dst, uint32_t out_w,
                  bool one_is_white) {
  // Per source byte: the number of 1 bits in each of its four 2-bit groups, one per byte lane.
  static const std::array<uint32_t, 256> kGroupCounts = [] {
    std::array<uint32_t, 256> t{};
    for (uint32_t v = 0; v < 256; ++v)
      for (uint32_t g = 0; g < 4; ++g)
        t[v] |= static_cast<uint32_t>(__builtin_popcount((v >> (6 - 2 * g)) & 3u)) << (8 * g);
    return t;
  }();
  static const unsigned char kGray[2][5] = {{255, 191, 128, 64, 0}, {0, 64, 128, 191, 255}};
  const unsigned char* gray = kGray[one_is_white ? 1 : 0];
  for (uint32_t x = 0; x < out_w; x += 4) {
    const uint32_t counts = kGroupCounts[a[x >> 2]] + kGroupCounts[b[x >> 2]];
    const uint32_t n = std::min<uint32_t>(4, out_w - x);
    for (uint32_t g = 0; g < n; ++g) dst[x + g] = gray[(counts >> (8 * g)) & 0xFF];
  }
}

/// Decodes a JPEG to 8-bit gray. Asking libjpeg for grayscale keeps only the luma channel of
/// a colour JPEG, skipping chroma upsampling and colour conversion (about 2x cheaper), and the
/// luma is the same BT.601 weighting cvtColor would apply. `halve`: libjpeg scales the DCT to
/// half size (ceil(w/2) x ceil(h/2)) and never makes the full page. Empty on failure.
cv::Mat DecodeJpegGray(const std::vector<unsigned char>& bytes, bool halve) {
  try {
    return cv::imdecode(bytes, halve ? cv::IMREAD_REDUCED_GRAYSCALE_2 : cv::IMREAD_GRAYSCALE);
  } catch (const cv::Exception&) {
    return {};
  }
}

bool LooksComplete(FileKind kind, const unsigned char* b, size_t n) {
  if (n == 0) return false;
  const size_t from = n > 64 ? n - 64 : 0;
  if (kind == FileKind::kJpeg) {
    // EOI, possibly followed by a little padding some scanners append.
    for (size_t i = n - 1; i > from; --i)
      if (b[i - 1] == 0xFF && b[i] == 0xD9) return true;
    return false;
  }
  if (kind == FileKind::kPng) {
    static constexpr unsigned char kIend[4] = {'I', 'E', 'N', 'D'};
    return std::search(b + from, b + n, kIend, kIend + 4) != b + n;
  }
  return true;
}

}  // namespace phieu::scanner
