// Copyright 2026 The Phiếu Authors
// SPDX-License-Identifier: Apache-2.0
#include "damage.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "core/geometry.h"

namespace phieu::simulator {
namespace {

std::string Tag(const char* name, double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%s:%.2f", name, v);
  return buf;
}

}  // namespace

ScanParams DrawScanParams(Rng& rng, bool damage, double upside_down_rate) {
  ScanParams p;
  if (!damage) return p;
  // Feeders skew pages by a degree or two; a page laid crooked on the glass by up to ten.
  p.skew_deg = Chance(rng, 0.04) ? Uniform(rng, 3.0, 10.0) * (Chance(rng, 0.5) ? 1 : -1)
                                 : std::clamp(Normal(rng, 0.0, 1.2), -3.0, 3.0);
  double turn = Uniform(rng, 0, 1);
  if (turn < upside_down_rate) p.quarter_turns = 2;
  else if (turn < upside_down_rate + 0.03) p.quarter_turns = Chance(rng, 0.5) ? 1 : 3;
  p.scale = Uniform(rng, 0.97, 1.03);
  p.perspective = Chance(rng, 0.3) ? Uniform(rng, 0.0, 0.004) : 0.0;
  p.margin_mm = Uniform(rng, 0.5, 6.0);
  p.border_gray = Chance(rng, 0.1) ? UniformInt(rng, 40, 90) : UniformInt(rng, 225, 250);
  p.blur_sigma = Uniform(rng, 0.4, 1.2);
  p.noise_sigma = Uniform(rng, 1.5, 9.0);
  p.paper_level = UniformInt(rng, 215, 250);
  p.black_level = UniformInt(rng, 10, 45);
  p.illumination = Chance(rng, 0.5) ? Uniform(rng, 0.03, 0.12) : 0.0;
  p.jpeg_roundtrip_q = Chance(rng, 0.15) ? UniformInt(rng, 35, 70) : 0;
  return p;
}

cv::Mat ApplyScan(const cv::Mat& page, const ScanParams& p, double dpi, Rng& rng,
                  std::vector<std::string>* log) {
  const double w = page.cols, h = page.rows;
  const bool identity = p.skew_deg == 0 && p.scale == 1.0 && p.perspective == 0 && p.margin_mm == 0;
  cv::Mat out;
  if (identity) {
    out = page.clone();
  } else {
    // Page corners -> scanned positions: perspective jitter, then rotation and scale about the
    // centre; the scan area is the bounding box plus a random margin (a larger bed or lid).
    std::vector<cv::Point2f> src = {{0, 0}, {float(w), 0}, {float(w), float(h)}, {0, float(h)}};
    std::vector<cv::Point2f> dst(4);
    const double a = p.skew_deg * CV_PI / 180.0, c = std::cos(a) * p.scale, s = std::sin(a) * p.scale;
    for (int i = 0; i < 4; ++i) {
      double x = src[i].x - w / 2 + Uniform(rng, -1, 1) * p.perspective * w;
      double y = src[i].y - h / 2 + Uniform(rng, -1, 1) * p.perspective * h;
      // Clockwise on screen (y down) is +angle in this frame.
      dst[i] = cv::Point2f(float(x * c - y * s), float(x * s + y * c));
    }
    cv::Rect2f box = cv::boundingRect(dst);
    const double m = core::MmToPx(p.margin_mm, dpi);
    const double ml = Uniform(rng, 0, m), mt = Uniform(rng, 0, m);
    for (auto& d : dst) d += cv::Point2f(float(ml - box.x), float(mt - box.y));
    cv::Size size(static_cast<int>(std::ceil(box.width + ml + Uniform(rng, 0, m))),
                  static_cast<int>(std::ceil(box.height + mt + Uniform(rng, 0, m))));
    cv::Mat H = cv::getPerspectiveTransform(src, dst);
    cv::Scalar border = cv::Scalar::all(p.border_gray);
    cv::warpPerspective(page, out, H, size, cv::INTER_LINEAR, cv::BORDER_CONSTANT, border);
    if (log) {
      if (p.skew_deg != 0) log->push_back(Tag("skew", p.skew_deg));
      log->push_back(Tag("scale", p.scale));
      if (p.perspective > 0) log->push_back(Tag("perspective", p.perspective));
      if (p.border_gray < 128) log->push_back("dark_border");
    }
  }
  if (p.paper_level < 255 || p.black_level > 0 || p.illumination > 0) {
    // Levels: white paper scans gray, toner black scans dark gray; a smooth random field adds
    // the uneven lamp/lid lighting. 8-bit saturating arithmetic (see Composite).
    const double lo = p.black_level, hi = p.paper_level;
    if (p.illumination > 0) {
      cv::Mat field(4, 3, CV_8U);
      for (int i = 0; i < field.rows * field.cols; ++i)
        field.at<uchar>(i) = cv::saturate_cast<uchar>(255.0 * (1.0 - Uniform(rng, 0, p.illumination)));
      cv::resize(field, field, out.size(), 0, 0, cv::INTER_CUBIC);
      if (out.channels() == 3) cv::cvtColor(field, field, cv::COLOR_GRAY2BGR);
      cv::multiply(out, field, out, (hi - lo) / (255.0 * 255.0));
      out.convertTo(out, -1, 1.0, lo);
      if (log) log->push_back(Tag("illumination", p.illumination));
    } else {
      out.convertTo(out, -1, (hi - lo) / 255.0, lo);
    }
    if (log) log->push_back("paper:" + std::to_string(p.paper_level));
  }
  if (p.blur_sigma > 0) {
    cv::GaussianBlur(out, out, cv::Size(0, 0), p.blur_sigma);
    if (log) log->push_back(Tag("blur", p.blur_sigma));
  }
  if (p.noise_sigma > 0) {
    // Sensor noise from a 512x512 tile of Gaussian samples laid with a random phase: a page's
    // worth of fresh normals costs ~10x more and looks the same to any reader.
    const int t = 512;
    cv::Mat n(t, t, CV_32FC(out.channels()));
    cv::RNG cvrng(static_cast<std::uint64_t>(rng()));
    cvrng.fill(n, cv::RNG::NORMAL, 0, p.noise_sigma);
    cv::Mat pos, neg;
    n.convertTo(pos, CV_8U);           // saturates negatives to 0
    n.convertTo(neg, CV_8U, -1.0);     // the negative half
    const int ox = static_cast<int>(rng() % t), oy = static_cast<int>(rng() % t);
    for (int y = -oy; y < out.rows; y += t)
      for (int x = -ox; x < out.cols; x += t) {
        cv::Rect dst = cv::Rect(x, y, t, t) & cv::Rect(0, 0, out.cols, out.rows);
        cv::Rect src(dst.x - x, dst.y - y, dst.width, dst.height);
        cv::Mat o = out(dst);
        cv::add(o, pos(src), o);
        cv::subtract(o, neg(src), o);
      }
    if (log) log->push_back(Tag("noise", p.noise_sigma));
  }
  if (p.jpeg_roundtrip_q > 0) {
    std::vector<unsigned char> buf;
    cv::imencode(".jpg", out, buf, {cv::IMWRITE_JPEG_QUALITY, p.jpeg_roundtrip_q});
    out = cv::imdecode(buf, out.channels() == 1 ? cv::IMREAD_GRAYSCALE : cv::IMREAD_COLOR);
    if (log) log->push_back("jpeg:" + std::to_string(p.jpeg_roundtrip_q));
  }
  switch (p.quarter_turns & 3) {
    case 1: cv::rotate(out, out, cv::ROTATE_90_CLOCKWISE); break;
    case 2: cv::rotate(out, out, cv::ROTATE_180); break;
    case 3: cv::rotate(out, out, cv::ROTATE_90_COUNTERCLOCKWISE); break;
    default: break;
  }
  if (p.quarter_turns && log) log->push_back("turn:" + std::to_string(90 * (p.quarter_turns & 3)));
  return out;
}

int Binarize(const cv::Mat& image, int threshold, cv::Mat& out) {
  cv::Mat g = image;
  if (g.channels() == 3) cv::cvtColor(image, g, cv::COLOR_BGR2GRAY);
  if (threshold < 0) return static_cast<int>(cv::threshold(g, out, 0, 255, cv::THRESH_BINARY | cv::THRESH_OTSU));
  cv::threshold(g, out, threshold, 255, cv::THRESH_BINARY);
  return threshold;
}

void DrawBlot(cv::Mat& page, const cv::Rect& region, Rng& rng) {
  const cv::Point2d c(region.x + region.width * Uniform(rng, 0.4, 0.6),
                      region.y + region.height * Uniform(rng, 0.4, 0.6));
  const double r = std::max(region.width, region.height) * Uniform(rng, 0.45, 0.6);
  const int gray = UniformInt(rng, 30, 90);
  // Union of overlapping ellipses: an irregular blot that hides most of the region.
  for (int i = 0; i < 9; ++i) {
    cv::Point2d o(Normal(rng, 0, r * 0.25), Normal(rng, 0, r * 0.25));
    cv::Size axes(static_cast<int>(r * Uniform(rng, 0.5, 0.8)), static_cast<int>(r * Uniform(rng, 0.5, 0.8)));
    cv::ellipse(page, c + o, axes, Uniform(rng, 0, 180), 0, 360, cv::Scalar::all(gray), cv::FILLED,
                cv::LINE_AA);
  }
}

}  // namespace phieu::simulator
