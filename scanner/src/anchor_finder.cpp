// Copyright 2026 The Phiếu Authors
// SPDX-License-Identifier: Apache-2.0
#include "anchor_finder.h"

#include <algorithm>
#include <cmath>

#include <ZXing/ReadBarcode.h>
#include <opencv2/imgproc.hpp>

namespace phieu::scanner {
namespace {

// Pages with a longer side than this are decoded at half size in the whole-page pass:
// ZXing's cost grows with area, and anchors of >= 12 mm keep >= 3 px per module at 300 dpi.
constexpr int kMaxFullPageSide = 4200;
// Pages up to this long side (A4 at <= ~220 dpi) get an upscaled retry on empty crops.
constexpr int kMaxUpscaleSide = 2600;

ZXing::DecodeHints ThoroughHints() {
  // Defaults (tryHarder, tryRotate, tryDownscale) were the only setting that found all four
  // anchors on rotated, noisy and upside-down pages in the STACK.md measurements.
  ZXing::DecodeHints hints;
  hints.setFormats(ZXing::BarcodeFormat::QRCode);
  return hints;
}

ZXing::DecodeHints QuickHints() {
  // A global threshold without rotation/downscale passes is 3-5x cheaper per crop and finds
  // printed anchors on ordinary scans; crops where it finds nothing get the thorough pass.
  ZXing::DecodeHints hints;
  hints.setFormats(ZXing::BarcodeFormat::QRCode)
      .setTryRotate(false)
      .setTryDownscale(false)
      .setBinarizer(ZXing::Binarizer::GlobalHistogram);
  return hints;
}

// ZXing reports corners in pixel-edge coordinates (a pixel spans [i, i+1)); we use OpenCV's
// centre convention, where that pixel is at i. Measured on synthetic pages: without the
// shift, corners sat 0.5-1 px right of and below the drawn symbol edges at every rotation.
constexpr double kEdgeToCentre = -0.5;

void Collect(const ZXing::Results& results, double offset_x, double offset_y, double scale,
             std::vector<DecodedCode>& out) {
  for (const auto& r : results) {
    // A mirrored symbol is print showing through from the other side of the sheet (a blank
    // back scanned with a low binarisation threshold): never an anchor of this side.
    if (!r.isValid() || r.isMirrored()) continue;
    DecodedCode code;
    code.text = r.text();
    const auto& q = r.position();
    for (int i = 0; i < 4; ++i)
      code.corners[static_cast<size_t>(i)] =
          cv::Point2d(offset_x + (q[i].x + kEdgeToCentre) * scale,
                      offset_y + (q[i].y + kEdgeToCentre) * scale);
    // The same symbol seen by two overlapping crops: keep the first.
    cv::Point2d c = (code.corners[0] + code.corners[2]) * 0.5;
    double size = cv::norm(code.corners[0] - code.corners[2]);
    bool duplicate = std::any_of(out.begin(), out.end(), [&](const DecodedCode& o) {
      return o.text == code.text && cv::norm((o.corners[0] + o.corners[2]) * 0.5 - c) < size;
    });
    if (!duplicate) out.push_back(std::move(code));
  }
}

}  // namespace

std::array<cv::Rect, 4> CornerRegions(cv::Size page_px) {
  // A third of the short side by a quarter of the long one leaves room for rotation, +-10
  // degree skew and scale while keeping each crop ~1/12 of the page.
  const int w = page_px.width, h = page_px.height;
  const bool portrait = h >= w;
  const int cw = portrait ? w / 3 : w / 4;
  const int ch = portrait ? h / 4 : h / 3;
  return {cv::Rect(0, 0, cw, ch), cv::Rect(w - cw, 0, cw, ch), cv::Rect(w - cw, h - ch, cw, ch),
          cv::Rect(0, h - ch, cw, ch)};
}

std::vector<DecodedCode> FindCodes(const cv::Mat& gray, const FindCodesOptions& options) {
  CV_Assert(gray.type() == CV_8UC1);
  std::vector<DecodedCode> found;
  if (gray.empty()) return found;
  const auto quick = QuickHints();
  const auto thorough = ThoroughHints();
  const int w = gray.cols, h = gray.rows;
  ZXing::ImageView view(gray.data, w, h, ZXing::ImageFormat::Lum, static_cast<int>(gray.step));

  const auto regions = CornerRegions(gray.size());
  if (regions[0].width >= 32 && regions[0].height >= 32) {
    for (const cv::Rect& region : regions) {
      // The quick pass looks at the outer 3/4 x 4/5 of the region first (where the anchor is
      // on any ordinary scan): a global threshold over less paper adapts better to the
      // symbol, and it is ~35% cheaper (measured on the bench stack: 4.1 vs 6.3 ms per page,
      // 83 vs 79 of 92 corners found).
      const int qw = region.width * 3 / 4, qh = region.height * 4 / 5;
      const cv::Rect quick_region(region.x == 0 ? 0 : region.br().x - qw,
                                  region.y == 0 ? 0 : region.br().y - qh, qw, qh);
      ZXing::Results results;
      if (std::max(w, h) > kMaxFullPageSide) {
        // 400-600 dpi: half size still gives >= 3 px per module and costs a quarter
        // (600-dpi G4 pages: 32 -> 10 ms per page, the same corners found).
        cv::Mat half;
        cv::resize(gray(quick_region), half, cv::Size(), 0.5, 0.5, cv::INTER_AREA);
        ZXing::ImageView hv(half.data, half.cols, half.rows, ZXing::ImageFormat::Lum,
                            static_cast<int>(half.step));
        results = ZXing::ReadBarcodes(hv, quick);
        // Half-size edge coordinate e is full-size edge coordinate 2e; back to centres after.
        if (!results.empty()) {
          Collect(results, quick_region.x + 0.5, quick_region.y + 0.5, 2.0, found);
          continue;
        }
      } else {
        results = ZXing::ReadBarcodes(view.cropped(quick_region.x, quick_region.y, qw, qh), quick);
        if (!results.empty()) {
          Collect(results, quick_region.x, quick_region.y, 1.0, found);
          continue;
        }
      }
      const auto crop = view.cropped(region.x, region.y, region.width, region.height);
      results = ZXing::ReadBarcodes(crop, thorough);
      if (results.empty() && std::max(w, h) <= kMaxUpscaleSide) {
        // Low-resolution scans (150-200 dpi) leave ~3 px per module; once blurred, ZXing's
        // binarizer loses them, and a 2x cubic upscale brings them back (measured: 150 dpi,
        // blur 0.8 px, noise 18 -> 0/4 found as is, 4/4 upscaled).
        cv::Mat up;
        cv::resize(gray(region), up, cv::Size(), 2.0, 2.0, cv::INTER_CUBIC);
        ZXing::ImageView uv(up.data, up.cols, up.rows, ZXing::ImageFormat::Lum,
                            static_cast<int>(up.step));
        // Upscaled edge coordinate e is source centre coordinate e / 2 - 0.5.
        Collect(ZXing::ReadBarcodes(uv, thorough), region.x - 0.25, region.y - 0.25, 0.5, found);
        continue;
      }
      Collect(results, region.x, region.y, 1.0, found);
    }
  }
  if (static_cast<int>(found.size()) >= options.wanted || !options.full_page_fallback)
    return found;
  FindCodesOnFullPage(gray, found, false);
  return found;
}

void FindCodesOnFullPage(const cv::Mat& gray, std::vector<DecodedCode>& found, bool reduced) {
  CV_Assert(gray.type() == CV_8UC1);
  if (gray.empty()) return;
  const auto thorough = ThoroughHints();
  const int w = gray.cols, h = gray.rows;
  // Reduced: a quarter of the pixels again (STACK.md: a 2x-downscaled 300-dpi page with
  // default hints found 4/4 anchors in ~7 ms against ~45 ms at full size), ~3 px per module.
  int shrink = std::max(w, h) > kMaxFullPageSide ? 2 : 1;
  if (reduced) shrink *= 2;
  if (shrink > 1) {
    cv::Mat small;
    cv::resize(gray, small, cv::Size(), 1.0 / shrink, 1.0 / shrink, cv::INTER_AREA);
    ZXing::ImageView sv(small.data, small.cols, small.rows, ZXing::ImageFormat::Lum,
                        static_cast<int>(small.step));
    // Reduced edge coordinate e is full-size edge coordinate s*e; back to centres after.
    Collect(ZXing::ReadBarcodes(sv, thorough), 0.5 * (shrink - 1), 0.5 * (shrink - 1), shrink,
            found);
  } else {
    ZXing::ImageView view(gray.data, w, h, ZXing::ImageFormat::Lum, static_cast<int>(gray.step));
    Collect(ZXing::ReadBarcodes(view, thorough), 0, 0, 1.0, found);
  }
}

}  // namespace phieu::scanner
