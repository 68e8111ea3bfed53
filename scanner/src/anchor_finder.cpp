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
    if (!r.isValid()) continue;
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

std::vector<DecodedCode> FindCodes(const cv::Mat& gray, const FindCodesOptions& options) {
  CV_Assert(gray.type() == CV_8UC1);
  std::vector<DecodedCode> found;
  if (gray.empty()) return found;
  const auto quick = QuickHints();
  const auto thorough = ThoroughHints();
  const int w = gray.cols, h = gray.rows;
  ZXing::ImageView view(gray.data, w, h, ZXing::ImageFormat::Lum, static_cast<int>(gray.step));

  // Corner crops: a third of the short side by a quarter of the long one leaves room for
  // rotation, +-10 degree skew and scale while keeping each crop ~1/12 of the page.
  const bool portrait = h >= w;
  const int cw = portrait ? w / 3 : w / 4;
  const int ch = portrait ? h / 4 : h / 3;
  if (cw >= 32 && ch >= 32) {
    const int xs[4] = {0, w - cw, w - cw, 0};
    const int ys[4] = {0, 0, h - ch, h - ch};
    for (int i = 0; i < 4; ++i) {
      const auto crop = view.cropped(xs[i], ys[i], cw, ch);
      auto results = ZXing::ReadBarcodes(crop, quick);
      if (results.empty()) results = ZXing::ReadBarcodes(crop, thorough);
      if (results.empty() && std::max(w, h) <= kMaxUpscaleSide) {
        // Low-resolution scans (150-200 dpi) leave ~3 px per module; once blurred, ZXing's
        // binarizer loses them, and a 2x cubic upscale brings them back (measured: 150 dpi,
        // blur 0.8 px, noise 18 -> 0/4 found as is, 4/4 upscaled).
        cv::Mat up;
        cv::resize(gray(cv::Rect(xs[i], ys[i], cw, ch)), up, cv::Size(), 2.0, 2.0, cv::INTER_CUBIC);
        ZXing::ImageView uv(up.data, up.cols, up.rows, ZXing::ImageFormat::Lum,
                            static_cast<int>(up.step));
        // Upscaled edge coordinate e is source centre coordinate e / 2 - 0.5.
        Collect(ZXing::ReadBarcodes(uv, thorough), xs[i] - 0.25, ys[i] - 0.25, 0.5, found);
        continue;
      }
      Collect(results, xs[i], ys[i], 1.0, found);
    }
  }
  if (static_cast<int>(found.size()) >= options.wanted || !options.full_page_fallback)
    return found;

  if (std::max(w, h) > kMaxFullPageSide) {
    cv::Mat half;
    cv::resize(gray, half, cv::Size(), 0.5, 0.5, cv::INTER_AREA);
    ZXing::ImageView hv(half.data, half.cols, half.rows, ZXing::ImageFormat::Lum,
                        static_cast<int>(half.step));
    // Half-size edge coordinate e is full-size edge coordinate 2e; back to centres after.
    Collect(ZXing::ReadBarcodes(hv, thorough), 0.5, 0.5, 2.0, found);
  } else {
    Collect(ZXing::ReadBarcodes(view, thorough), 0, 0, 1.0, found);
  }
  return found;
}

}  // namespace phieu::scanner
