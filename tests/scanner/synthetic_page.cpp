// Copyright 2026 The Phiếu Authors
// SPDX-License-Identifier: Apache-2.0
#include "scanner/synthetic_page.h"

#include <cmath>

#include <ZXing/BitMatrix.h>
#include <ZXing/MultiFormatWriter.h>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "common/scan_damage.h"
#include "templates/anchor_payload.h"

namespace phieu::scanner::testing {

templates::Layout MakeLayout(const std::string& id, int version, int pages) {
  templates::Layout layout;
  layout.template_id = id;
  layout.version = version;
  for (int p = 1; p <= pages; ++p) {
    templates::PageLayout page;
    page.page = p;
    const double far_x = page.width_mm - kAnchorInsetMm - kAnchorSizeMm;
    const double far_y = page.height_mm - kAnchorInsetMm - kAnchorSizeMm;
    page.anchors = {
        {templates::kTopLeft, {kAnchorInsetMm, kAnchorInsetMm, kAnchorSizeMm, kAnchorSizeMm}},
        {templates::kTopRight, {far_x, kAnchorInsetMm, kAnchorSizeMm, kAnchorSizeMm}},
        {templates::kBottomRight, {far_x, far_y, kAnchorSizeMm, kAnchorSizeMm}},
        {templates::kBottomLeft, {kAnchorInsetMm, far_y, kAnchorSizeMm, kAnchorSizeMm}},
    };
    layout.pages.push_back(page);
    for (int q = 0; q < 6; ++q) {
      templates::FieldLayout f;
      f.id = "p" + std::to_string(p) + "q" + std::to_string(q);
      f.page = p;
      for (int o = 0; o < 5; ++o)
        f.options.push_back({std::to_string(o + 1), "", true,
                             {40.0 + 28.0 * o, 60.0 + 35.0 * q, 5.0, 5.0}});
      layout.fields.push_back(f);
    }
  }
  return layout;
}

namespace {

void DrawQr(cv::Mat& img, const std::string& text, const core::RectMm& r, double s) {
  ZXing::MultiFormatWriter writer(ZXing::BarcodeFormat::QRCode);
  writer.setEccLevel(4).setMargin(0);  // ECC M
  ZXing::BitMatrix bm = writer.encode(text, 0, 0);
  const int n = bm.width();
  // Nearest sampling of the module grid at each pixel centre (edge coordinate i + 0.5).
  const double x0 = r.x * s, y0 = r.y * s, module = r.w * s / n;
  for (int py = static_cast<int>(std::floor(y0)); py <= static_cast<int>(std::ceil(y0 + r.h * s)); ++py) {
    if (py < 0 || py >= img.rows) continue;
    int my = static_cast<int>(std::floor((py + 0.5 - y0) / module));
    if (my < 0 || my >= n) continue;
    for (int px = static_cast<int>(std::floor(x0)); px <= static_cast<int>(std::ceil(x0 + r.w * s)); ++px) {
      if (px < 0 || px >= img.cols) continue;
      int mx = static_cast<int>(std::floor((px + 0.5 - x0) / module));
      if (mx < 0 || mx >= n) continue;
      if (bm.get(mx, my)) img.at<unsigned char>(py, px) = 0;
    }
  }
}

}  // namespace

cv::Mat RenderPage(const templates::PageLayout& page, const core::PageKey& key, double dpi,
                   const PageArt& art) {
  const double s = dpi / 25.4;
  cv::Mat img(static_cast<int>(std::lround(page.height_mm * s)),
              static_cast<int>(std::lround(page.width_mm * s)), CV_8UC1, cv::Scalar(255));
  auto px = [&](double mm) { return mm * s - 0.5; };
  if (art.clutter) {
    const int thick = std::max(1, static_cast<int>(std::lround(0.3 * s)));
    for (int q = 0; q < 6; ++q) {
      cv::putText(img, "Cau hoi " + std::to_string(q + 1) + ": muc do hai long voi dich vu",
                  cv::Point(static_cast<int>(px(40)), static_cast<int>(px(56.0 + 35.0 * q))),
                  cv::FONT_HERSHEY_SIMPLEX, 0.09 * s, cv::Scalar(0), thick);
      for (int o = 0; o < 5; ++o) {
        double x = 40.0 + 28.0 * o, y = 60.0 + 35.0 * q;
        cv::rectangle(img, cv::Point(static_cast<int>(px(x)), static_cast<int>(px(y))),
                      cv::Point(static_cast<int>(px(x + 5)), static_cast<int>(px(y + 5))),
                      cv::Scalar(0), thick);
      }
    }
    cv::putText(img, "PHIEU KHAO SAT", cv::Point(static_cast<int>(px(60)), static_cast<int>(px(30))),
                cv::FONT_HERSHEY_SIMPLEX, 0.2 * s, cv::Scalar(0), thick * 2);
  }
  for (const auto& a : page.anchors) {
    if (!art.foreign_text.empty()) {
      DrawQr(img, art.foreign_text, a.symbol_mm, s);
      continue;
    }
    if (!art.anchors[a.corner]) continue;
    templates::AnchorPayload payload{art.per_corner_keys ? art.keys[a.corner] : key, a.corner};
    DrawQr(img, templates::EncodeAnchorPayload(payload), a.symbol_mm, s);
  }
  return img;
}

cv::Matx33d MakeTransform(cv::Size page_px, const Placement& pl, cv::Size* canvas) {
  const double cx = (page_px.width - 1) / 2.0, cy = (page_px.height - 1) / 2.0;
  const double a = (pl.quarter_turns * 90.0 + pl.skew_deg) * CV_PI / 180.0;
  cv::Matx33d centre(1, 0, -cx, 0, 1, -cy, 0, 0, 1);
  cv::Matx33d scale(pl.scale, pl.shear * pl.scale, 0, 0, pl.scale, 0, 0, 0, 1);
  cv::Matx33d rot(std::cos(a), -std::sin(a), 0, std::sin(a), std::cos(a), 0, 0, 0, 1);
  cv::Matx33d keystone(1, 0, 0, 0, 1, 0, pl.perspective / page_px.width, 0, 1);
  cv::Matx33d m = keystone * rot * scale * centre;
  // Bounding box of the transformed page -> shift into a canvas with a margin.
  double x0 = 1e18, y0 = 1e18, x1 = -1e18, y1 = -1e18;
  for (cv::Point2d c : {cv::Point2d(-0.5, -0.5), cv::Point2d(page_px.width - 0.5, -0.5),
                        cv::Point2d(page_px.width - 0.5, page_px.height - 0.5),
                        cv::Point2d(-0.5, page_px.height - 0.5)}) {
    cv::Point2d p = Apply(m, c);
    x0 = std::min(x0, p.x), y0 = std::min(y0, p.y), x1 = std::max(x1, p.x), y1 = std::max(y1, p.y);
  }
  cv::Matx33d shift(1, 0, pl.margin_px - x0, 0, 1, pl.margin_px - y0, 0, 0, 1);
  *canvas = cv::Size(static_cast<int>(std::ceil(x1 - x0 + 2 * pl.margin_px)),
                     static_cast<int>(std::ceil(y1 - y0 + 2 * pl.margin_px)));
  return shift * m;
}

cv::Mat MakeScan(const cv::Mat& page, const cv::Matx33d& page_to_scan, cv::Size canvas,
                 const Damage& d) {
  cv::Mat scan;
  cv::warpPerspective(page, scan, cv::Mat(page_to_scan), canvas, cv::INTER_LINEAR,
                      cv::BORDER_CONSTANT, cv::Scalar(255));
  if (d.paper_gray < 255) scan.convertTo(scan, CV_8U, d.paper_gray / 255.0);
  if (d.blur_sigma > 0) cv::GaussianBlur(scan, scan, cv::Size(), d.blur_sigma);
  phieu::testing::AddGrain(scan, d.noise_sigma, d.seed);
  phieu::testing::JpegRoundTrip(scan, d.jpeg_quality);
  if (d.binarise) cv::threshold(scan, scan, 0, 255, cv::THRESH_BINARY | cv::THRESH_OTSU);
  return scan;
}

cv::Matx33d TrueMmToPx(const cv::Matx33d& page_to_scan, double dpi) {
  const double s = dpi / 25.4;
  return page_to_scan * cv::Matx33d(s, 0, -0.5, 0, s, -0.5, 0, 0, 1);
}

cv::Point2d Apply(const cv::Matx33d& h, cv::Point2d p) {
  cv::Vec3d v = h * cv::Vec3d(p.x, p.y, 1.0);
  return {v[0] / v[2], v[1] / v[2]};
}

}  // namespace phieu::scanner::testing
