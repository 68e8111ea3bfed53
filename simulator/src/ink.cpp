// Copyright 2026 The Phiếu Authors
// SPDX-License-Identifier: Apache-2.0
#include "ink.h"

#include <algorithm>
#include <cmath>

#include <opencv2/imgproc.hpp>

namespace phieu::simulator {
namespace {

constexpr double kPi = 3.14159265358979323846;
constexpr int kShift = 4;  // sub-pixel bits for cv drawing: strokes land between pixels.

double Px(double mm, double dpi) { return core::MmToPx(mm, dpi); }

// Maps unit-box coordinates (0..1, with the mark's own rotation and scale) to page pixels.
struct BoxFrame {
  cv::Point2d centre;
  double side_px;
  double cos_a, sin_a;
  double scale;
  cv::Point2d operator()(double u, double v) const {
    double x = (u - 0.5) * scale * side_px, y = (v - 0.5) * scale * side_px;
    return {centre.x + x * cos_a - y * sin_a, centre.y + x * sin_a + y * cos_a};
  }
};

// A curve through a..b bowing sideways by `bow` (unit-box units): hands rarely draw straight.
std::vector<cv::Point2d> Bowed(const BoxFrame& f, double u0, double v0, double u1, double v1,
                               double bow) {
  std::vector<cv::Point2d> pts;
  const int n = 6;
  double nx = -(v1 - v0), ny = u1 - u0;
  for (int i = 0; i <= n; ++i) {
    double t = static_cast<double>(i) / n, b = bow * 4 * t * (1 - t);
    pts.push_back(f(u0 + (u1 - u0) * t + nx * b, v0 + (v1 - v0) * t + ny * b));
  }
  return pts;
}

// One stroke of a box mark, by the pen's stroke model.
void Stroke(cv::Mat& ink, const Pen& pen, const std::vector<cv::Point2d>& pts, double width_px,
            double jitter_px, Rng& rng) {
  if (pen.pressure_model)
    DrawPressureStroke(ink, pts, width_px, rng);
  else
    DrawStroke(ink, pts, width_px, jitter_px, rng);
}

// Zig-zag strokes across the box between v_top and v_bottom: shading and solid fills.
void ZigZag(cv::Mat& ink, const Pen& pen, const BoxFrame& f, double lo, double hi, double step, double width_px,
            double jitter, Rng& rng) {
  std::vector<cv::Point2d> pts;
  bool left = true;
  for (double v = lo; v <= hi + 1e-9; v += step) {
    double u = left ? lo + Uniform(rng, -0.04, 0.04) : hi + Uniform(rng, -0.04, 0.04);
    pts.push_back(f(u, v + Uniform(rng, -0.02, 0.02)));
    left = !left;
  }
  Stroke(ink, pen, pts, width_px, jitter, rng);
}

}  // namespace

void DrawStroke(cv::Mat& ink, const std::vector<cv::Point2d>& points_px, double width_px,
                double jitter_px, Rng& rng) {
  if (points_px.empty()) return;
  // Resample every ~1.5 px, then displace by a smoothed random walk so the line wobbles like a
  // hand, not like a ruler.
  std::vector<cv::Point2d> dense;
  dense.push_back(points_px.front());
  for (size_t i = 1; i < points_px.size(); ++i) {
    cv::Point2d a = points_px[i - 1], b = points_px[i];
    double len = std::hypot(b.x - a.x, b.y - a.y);
    int steps = std::max(1, static_cast<int>(len / 1.5));
    for (int s = 1; s <= steps; ++s) dense.push_back(a + (b - a) * (static_cast<double>(s) / steps));
  }
  std::vector<cv::Point> pts;
  pts.reserve(dense.size());
  double dx = 0, dy = 0;
  const double k = 0.9, sigma = jitter_px * std::sqrt(1 - k * k);
  for (const auto& p : dense) {
    dx = k * dx + Normal(rng, 0, sigma);
    dy = k * dy + Normal(rng, 0, sigma);
    pts.emplace_back(cvRound((p.x + dx) * (1 << kShift)), cvRound((p.y + dy) * (1 << kShift)));
  }
  int thickness = std::max(1, static_cast<int>(std::lround(width_px)));
  if (pts.size() == 1) {
    cv::circle(ink, pts[0], std::max(1, thickness / 2) << kShift, cv::Scalar(255), cv::FILLED,
               cv::LINE_AA, kShift);
    return;
  }
  cv::polylines(ink, pts, false, cv::Scalar(255), thickness, cv::LINE_AA, kShift);
}

void DrawPressureStroke(cv::Mat& ink, const std::vector<cv::Point2d>& points_px, double width_px, Rng& rng) {
  if (points_px.empty()) return;
  // A Catmull-Rom path through the points, walked in 0.4 px steps; each step stamps a disc whose
  // radius and darkness follow the pressure: it rises over the first tenth, wavers, and tapers
  // as the pen lifts. Ballpoints skip now and then (a short gap of weak coverage).
  std::vector<cv::Point2d> p = points_px;
  if (p.size() == 1) p.push_back(p[0] + cv::Point2d(0.5, 0.5));
  std::vector<cv::Point2d> path;
  for (size_t i = 0; i + 1 < p.size(); ++i) {
    const cv::Point2d p0 = i > 0 ? p[i - 1] : p[i], p1 = p[i], p2 = p[i + 1], p3 = i + 2 < p.size() ? p[i + 2] : p[i + 1];
    const double len = std::hypot(p2.x - p1.x, p2.y - p1.y);
    const int steps = std::max(1, static_cast<int>(len / 0.4));
    for (int k = 0; k < steps; ++k) {
      const double t = static_cast<double>(k) / steps, t2 = t * t, t3 = t2 * t;
      path.push_back(0.5 * ((2 * p1) + (-p0 + p2) * t + (2 * p0 - 5 * p1 + 4 * p2 - p3) * t2 +
                            (-p0 + 3 * p1 - 3 * p2 + p3) * t3));
    }
  }
  path.push_back(p.back());
  const double base = Uniform(rng, 0.75, 1.0), wobble = Uniform(rng, 0.05, 0.2), freq = Uniform(rng, 0.02, 0.08);
  const double phase = Uniform(rng, 0, 2 * kPi);
  const double taper_in = Uniform(rng, 0.03, 0.12), taper_out = Uniform(rng, 0.1, 0.3);
  int skip = 0;
  const size_t n = path.size();
  for (size_t i = 0; i < n; ++i) {
    const double t = static_cast<double>(i) / std::max<size_t>(1, n - 1);
    double pressure = base * (1 + wobble * std::sin(phase + freq * static_cast<double>(i)));
    if (t < taper_in) pressure *= 0.35 + 0.65 * t / taper_in;
    if (t > 1 - taper_out) pressure *= 0.25 + 0.75 * (1 - t) / taper_out;
    if (skip == 0 && Chance(rng, 0.002)) skip = UniformInt(rng, 3, 10);
    if (skip > 0) --skip, pressure *= 0.3;
    pressure = std::clamp(pressure, 0.05, 1.0);
    const double r = std::max(0.35, 0.5 * width_px * (0.55 + 0.45 * pressure));
    const cv::Point c(cvRound(path[i].x * (1 << kShift)), cvRound(path[i].y * (1 << kShift)));
    const int value = static_cast<int>(255 * pressure);
    const cv::Rect roi(cvRound(path[i].x - r - 2), cvRound(path[i].y - r - 2), cvRound(2 * r + 5), cvRound(2 * r + 5));
    const cv::Rect clip = roi & cv::Rect(0, 0, ink.cols, ink.rows);
    if (clip.empty()) continue;
    // max-blend: overlapping stamps do not add up past the pen's darkest.
    cv::Mat stamp(clip.size(), CV_8U, cv::Scalar(0));
    cv::circle(stamp, c - cv::Point(clip.x << kShift, clip.y << kShift), cvRound(r * (1 << kShift)),
               cv::Scalar(value), cv::FILLED, cv::LINE_AA, kShift);
    cv::Mat dst = ink(clip);
    cv::max(dst, stamp, dst);
  }
}

void DrawErasedMark(cv::Mat& ink, const core::RectMm& box, MarkShape style, const Pen& pen, double dpi,
                    double size, Rng& rng) {
  const double margin = 3.0;
  cv::Rect roi(static_cast<int>(Px(box.x - margin, dpi)), static_cast<int>(Px(box.y - margin, dpi)),
               static_cast<int>(Px(box.w + 2 * margin, dpi)), static_cast<int>(Px(box.h + 2 * margin, dpi)));
  roi &= cv::Rect(0, 0, ink.cols, ink.rows);
  if (roi.empty()) return;
  cv::Mat layer(ink.size(), CV_8U, cv::Scalar(0));
  const MarkShape drawn = style == MarkShape::kCancelled || style == MarkShape::kErased ? MarkShape::kTick : style;
  DrawBoxMark(layer, box, drawn, pen, dpi, size, false, rng);
  cv::Mat smear;
  cv::GaussianBlur(layer(roi), smear, cv::Size(0, 0), Px(Uniform(rng, 0.15, 0.3), dpi));
  smear.convertTo(smear, CV_8U, Uniform(rng, 0.12, 0.3));
  cv::Mat target = ink(roi);
  cv::max(target, smear, target);
}

void DrawLabelCircle(cv::Mat& ink, const core::RectMm& label, const core::RectMm& box, const Pen& pen,
                     double dpi, Rng& rng) {
  core::RectMm r = label;
  // Room left of the text before the box: a loop round the text alone stays out of the box.
  double room = label.x - box.right() - 0.9;
  if (Chance(rng, 0.25)) {
    r = {box.x, std::min(box.y, label.y), label.right() - box.x,
         std::max(box.bottom(), label.bottom()) - std::min(box.y, label.y)};
    room = 2.0;
  }
  // A rounded rectangle (a superellipse) slightly tilted, whose ends overlap or fall a little
  // short: 0.5-1.6 mm above and below the text, 0.3 mm to the room left before the box at its
  // ends (up to 2 mm round box and text together).
  const double mx = Uniform(rng, 0.3, std::clamp(room, 0.4, 2.0)), my = Uniform(rng, 0.5, 1.6);
  const double a = r.w / 2 + mx, b = r.h / 2 + my;
  const double cx = r.x + r.w / 2 + Normal(rng, 0, 0.15), cy = r.y + r.h / 2 + Normal(rng, 0, 0.15);
  const double tilt = Normal(rng, 0, 0.6) * kPi / 180, ct = std::cos(tilt), st = std::sin(tilt);
  const double power = Uniform(rng, 0.35, 0.7);  // 1 = ellipse, smaller = squarer
  auto shape = [power](double v) { return std::copysign(std::pow(std::abs(v), power), v); };
  const double start = Uniform(rng, 0, 2 * kPi), sweep = 2 * kPi + Uniform(rng, -0.15, 0.5);
  std::vector<cv::Point2d> pts;
  for (double t = 0; t <= sweep; t += 0.04) {
    const double g = 0.3 * t / sweep;  // the second pass of the pen runs a little wider
    const double x = (a + g) * shape(std::cos(start + t)), y = (b + g) * shape(std::sin(start + t));
    pts.emplace_back(Px(cx + ct * x - st * y, dpi), Px(cy + st * x + ct * y, dpi));
  }
  DrawStroke(ink, pts, Px(pen.width_mm, dpi), std::max(0.4, Px(0.08, dpi)), rng);
}

void DrawBoxMark(cv::Mat& ink, const core::RectMm& box, MarkShape shape, const Pen& pen, double dpi,
                 double size, bool overflow, Rng& rng) {
  const double side = Px(std::min(box.w, box.h), dpi);
  const double width = Px(pen.width_mm, dpi);
  const double jitter = std::max(0.4, side * 0.02);
  double angle = Normal(rng, 0.0, shape == MarkShape::kTick ? 10.0 : 6.0) * kPi / 180;
  double scale = size * (overflow ? Uniform(rng, 1.3, 1.8) : Uniform(rng, 0.85, 1.05));
  if (shape == MarkShape::kCancelled || shape == MarkShape::kCircle) scale = 1.0;
  cv::Point2d centre(Px(box.x + box.w / 2, dpi) + Normal(rng, 0, side * 0.05),
                     Px(box.y + box.h / 2, dpi) + Normal(rng, 0, side * 0.05));
  BoxFrame f{centre, side, std::cos(angle), std::sin(angle), scale};

  switch (shape) {
    case MarkShape::kTick: {
      // Short down-stroke then a long up-stroke, one pen movement; the tip often overshoots.
      double ux = Uniform(rng, 0.35, 0.48), uy = Uniform(rng, 0.72, 0.88);
      std::vector<cv::Point2d> pts = Bowed(f, Uniform(rng, 0.1, 0.25), Uniform(rng, 0.45, 0.6), ux, uy, 0.03);
      auto up = Bowed(f, ux, uy, Uniform(rng, 0.8, 1.0), Uniform(rng, 0.0, 0.2), Uniform(rng, -0.08, 0.08));
      pts.insert(pts.end(), up.begin() + 1, up.end());
      Stroke(ink, pen, pts, width, jitter, rng);
      break;
    }
    case MarkShape::kCross:
      Stroke(ink, pen, Bowed(f, Uniform(rng, 0.1, 0.25), Uniform(rng, 0.1, 0.25), Uniform(rng, 0.75, 0.9),
                            Uniform(rng, 0.75, 0.9), Uniform(rng, -0.06, 0.06)), width, jitter, rng);
      Stroke(ink, pen, Bowed(f, Uniform(rng, 0.75, 0.9), Uniform(rng, 0.1, 0.25), Uniform(rng, 0.1, 0.25),
                            Uniform(rng, 0.75, 0.9), Uniform(rng, -0.06, 0.06)), width, jitter, rng);
      break;
    case MarkShape::kSlash:
      Stroke(ink, pen, Bowed(f, Uniform(rng, 0.2, 0.35), Uniform(rng, 0.75, 0.9), Uniform(rng, 0.65, 0.8),
                            Uniform(rng, 0.1, 0.25), Uniform(rng, -0.05, 0.05)), width, jitter, rng);
      break;
    case MarkShape::kDot: {
      // A pressed dot: a tiny scribble, a bit bigger than the pen tip.
      double r = Uniform(rng, 0.1, 0.2);
      std::vector<cv::Point2d> pts;
      for (double t = 0; t < 4 * kPi; t += 0.5) {
        double rr = r * (1 - t / (5 * kPi));
        pts.push_back(f(0.5 + rr * std::cos(t), 0.5 + rr * std::sin(t)));
      }
      Stroke(ink, pen, pts, width * 1.3, jitter * 0.5, rng);
      break;
    }
    case MarkShape::kCircle: {
      // A loop around the box (and often through its edge), ends overlapping.
      double rx = Uniform(rng, 0.65, 0.9), ry = Uniform(rng, 0.6, 0.85);
      double start = Uniform(rng, 0, 2 * kPi), sweep = 2 * kPi + Uniform(rng, 0.2, 0.6);
      std::vector<cv::Point2d> pts;
      for (double t = 0; t <= sweep; t += 0.15) {
        double g = 1 + 0.06 * t / sweep;
        pts.push_back(f(0.5 + rx * g * std::cos(start + t), 0.5 + ry * g * std::sin(start + t)));
      }
      Stroke(ink, pen, pts, width, jitter, rng);
      break;
    }
    case MarkShape::kShade:
      ZigZag(ink, pen, f, 0.2, 0.8, Uniform(rng, 0.14, 0.2), width, jitter * 0.6, rng);
      break;
    case MarkShape::kCancelled: {
      // The original cross, then blacked out with dense back-and-forth strokes past the edges.
      DrawBoxMark(ink, box, MarkShape::kCross, pen, dpi, 1.0, false, rng);
      double step = std::max(0.04, 0.7 * width / side);
      ZigZag(ink, pen, f, -0.05, 1.05, step, width * 1.2, jitter * 0.4, rng);
      BoxFrame g = f;
      g.cos_a = std::cos(angle + kPi / 2);
      g.sin_a = std::sin(angle + kPi / 2);
      ZigZag(ink, pen, g, -0.02, 1.02, step * 1.3, width * 1.2, jitter * 0.4, rng);
      break;
    }
    case MarkShape::kLabelCircle:
      break;  // drawn around the label by DrawLabelCircle, nothing in the box.
    case MarkShape::kErased:
      break;  // drawn by DrawErasedMark.
    case MarkShape::kHatch: {
      // Separate parallel strokes (the pen lifted between them), gaps of 0.5-1.2 mm, kept inside
      // the box: horizontal, diagonal or steep, sometimes a second layer across the first.
      BoxFrame g = f;
      g.scale = 1.0;
      const double a = angle + (Chance(rng, 0.5) ? Uniform(rng, -0.2, 0.2) : Uniform(rng, 0.6, 1.0) * (Chance(rng, 0.5) ? 1 : -1));
      const double gap = Uniform(rng, 0.5, 1.2) / std::min(box.w, box.h);
      auto layer = [&](double theta) {
        const double c = std::cos(theta), sn = std::sin(theta);
        for (double t = -0.45; t <= 0.45; t += gap + Uniform(rng, -0.2, 0.2) * gap) {
          // The chord of the inner square (0.12..0.88) along direction theta at offset t.
          double first = 2, last = -2;
          for (double s = -0.8; s <= 0.8; s += 0.02) {
            const double u = 0.5 + s * c - t * sn, v = 0.5 + s * sn + t * c;
            if (u < 0.13 || u > 0.87 || v < 0.13 || v > 0.87) continue;
            first = std::min(first, s), last = std::max(last, s);
          }
          if (last - first < 0.1) continue;
          first += Uniform(rng, 0.0, 0.05), last -= Uniform(rng, 0.0, 0.05);
          const std::vector<cv::Point2d> pts = {g(0.5 + first * c - t * sn, 0.5 + first * sn + t * c),
                                                g(0.5 + last * c - t * sn, 0.5 + last * sn + t * c)};
          Stroke(ink, pen, pts, width, jitter * 0.5, rng);
        }
      };
      layer(a);
      if (Chance(rng, 0.3)) layer(a + kPi / 2 + Uniform(rng, -0.3, 0.3));
      break;
    }
    case MarkShape::kMarkerCross:
      // The pen is wide (Pen::marker): an ordinary cross, often a little larger.
      Stroke(ink, pen, Bowed(f, Uniform(rng, 0.05, 0.2), Uniform(rng, 0.05, 0.2), Uniform(rng, 0.8, 0.95),
                            Uniform(rng, 0.8, 0.95), Uniform(rng, -0.05, 0.05)), width, jitter, rng);
      Stroke(ink, pen, Bowed(f, Uniform(rng, 0.8, 0.95), Uniform(rng, 0.05, 0.2), Uniform(rng, 0.05, 0.2),
                            Uniform(rng, 0.8, 0.95), Uniform(rng, -0.05, 0.05)), width, jitter, rng);
      break;
    case MarkShape::kScribble: {
      // A quick tangle of 6-14 loops' worth of points in the middle of the box.
      // Drawn in the box (at most a little larger than it), each step reflected off the edges of
      // the middle of the box: clamping would pile the tangle up along one edge.
      BoxFrame g = f;
      g.scale = std::min(f.scale, 1.1);
      auto reflect = [](double x) {
        while (x < 0.18 || x > 0.82) x = x < 0.18 ? 0.36 - x : 1.64 - x;
        return x;
      };
      std::vector<cv::Point2d> pts;
      double u = Uniform(rng, 0.3, 0.7), v = Uniform(rng, 0.3, 0.7);
      const int n = UniformInt(rng, 10, 24);
      for (int i = 0; i < n; ++i) {
        u = reflect(u + Normal(rng, 0, 0.22));
        v = reflect(v + Normal(rng, 0, 0.22));
        pts.push_back(g(u, v));
      }
      // Round the corners: a hand does not turn on a point.
      std::vector<cv::Point2d> smooth;
      for (size_t i = 0; i + 1 < pts.size(); ++i)
        for (double t = 0; t < 1.0; t += 0.25) smooth.push_back(pts[i] + (pts[i + 1] - pts[i]) * t);
      for (int pass = 0; pass < 2; ++pass)
        for (size_t i = 1; i + 1 < smooth.size(); ++i) smooth[i] = (smooth[i - 1] + 2 * smooth[i] + smooth[i + 1]) * 0.25;
      Stroke(ink, pen, smooth, width, jitter * 0.5, rng);
      break;
    }
  }
}

void DrawStray(cv::Mat& ink, core::PointMm at, const std::string& kind, const Pen& pen, double dpi,
               Rng& rng) {
  cv::Point2d c(Px(at.x, dpi), Px(at.y, dpi));
  double width = Px(pen.width_mm, dpi);
  if (kind == "line") {
    double len = Px(Uniform(rng, 3.0, 12.0), dpi), a = Uniform(rng, 0, kPi);
    cv::Point2d d(std::cos(a) * len / 2, std::sin(a) * len / 2);
    DrawStroke(ink, {c - d, c + d * 0.3, c + d}, width, width * 0.3, rng);
  } else if (kind == "dot") {
    DrawStroke(ink, {c, c + cv::Point2d(1, 1)}, width * 1.6, 0.2, rng);
  } else {  // a pen touch: tiny comma-shaped flick.
    double len = Px(Uniform(rng, 0.5, 1.5), dpi), a = Uniform(rng, 0, 2 * kPi);
    DrawStroke(ink, {c, c + cv::Point2d(std::cos(a) * len, std::sin(a) * len)}, width, 0.3, rng);
  }
}

cv::Mat Composite(const cv::Mat& print, const cv::Mat& ink, const Pen& pen, bool color, Rng& rng) {
  CV_Assert(print.type() == CV_8UC1 && ink.type() == CV_8UC1 && print.size() == ink.size());
  // 8-bit arithmetic throughout (saturating SIMD): float images of a 300-dpi page cost more
  // than everything else in the pipeline together.
  cv::Mat a = ink;
  if (pen.pencil) {
    // Graphite leaves a broken, grainy trace: modulate coverage with fine noise.
    cv::Mat grain(ink.size(), CV_8U);
    cv::RNG cvrng(static_cast<std::uint64_t>(rng()));
    cvrng.fill(grain, cv::RNG::UNIFORM, 140, 256);
    cv::GaussianBlur(grain, grain, cv::Size(3, 3), 0.7);
    cv::multiply(ink, grain, a, 1.0 / 255.0);
  }
  // Subtractive: ink darkens whatever is below it, so ink over a printed line stays dark.
  // factor = 255 - coverage * opacity * (1 - ink/255); out = base * factor / 255.
  auto darken = [&](const cv::Mat& base, double ink_level, cv::Mat& out) {
    cv::Mat factor;
    a.convertTo(factor, CV_8U, -pen.opacity * (1.0 - ink_level / 255.0), 255.0);
    cv::multiply(base, factor, out, 1.0 / 255.0);
  };
  cv::Mat out;
  if (!color) {
    darken(print, pen.ink_gray, out);
    return out;
  }
  const double paper[3] = {Uniform(rng, 0.89, 0.95), Uniform(rng, 0.96, 0.99), 1.0};  // B, G, R
  std::vector<cv::Mat> ch(3);
  for (int c = 0; c < 3; ++c) {
    cv::Mat base;
    print.convertTo(base, CV_8U, paper[c]);  // the tint shows on paper, not on toner black.
    darken(base, pen.ink_bgr[c], ch[c]);
  }
  cv::merge(ch, out);
  return out;
}

}  // namespace phieu::simulator
