// Copyright 2026 The Phiếu Authors
// SPDX-License-Identifier: Apache-2.0
#include "handwriting.h"

#include <algorithm>
#include <cmath>

#include <opencv2/imgproc.hpp>

#include "hand_fonts.h"
#include "ink.h"

namespace phieu::simulator {
namespace {

constexpr double kPi = 3.14159265358979323846;

std::vector<std::string> SplitWords(const std::string& text) {
  std::vector<std::string> words;
  size_t i = 0;
  while (i < text.size()) {
    size_t j = text.find(' ', i);
    if (j == std::string::npos) j = text.size();
    if (j > i) words.push_back(text.substr(i, j - i));
    i = j + 1;
  }
  return words;
}

// A smooth random field (CV_32F, zero mean, unit rms) correlated over ~sigma_px: Gaussian noise
// on a coarse grid, blurred, then interpolated up. Far cheaper than blurring full-size noise.
cv::Mat SmoothField(cv::Size size, double sigma_px, Rng& rng) {
  const double step = std::max(1.0, sigma_px / 2.0);
  cv::Mat g(static_cast<int>(size.height / step) + 4, static_cast<int>(size.width / step) + 4, CV_32F);
  for (int y = 0; y < g.rows; ++y)
    for (int x = 0; x < g.cols; ++x) g.at<float>(y, x) = static_cast<float>(Normal(rng, 0, 1));
  cv::GaussianBlur(g, g, cv::Size(0, 0), 2.0);
  cv::Scalar mean, sd;
  cv::meanStdDev(g, mean, sd);
  g = (g - mean[0]) / std::max(1e-6, sd[0]);
  cv::Mat big;
  cv::resize(g, big, cv::Size(static_cast<int>(g.cols * step), static_cast<int>(g.rows * step)), 0, 0,
             cv::INTER_LINEAR);
  return big(cv::Rect(0, 0, std::min(size.width, big.cols), std::min(size.height, big.rows))).clone();
}

// ink = max(ink, patch) with patch's top-left at `tl` (clipped to the layer).
void MaxInto(cv::Mat& ink, const cv::Mat& patch, cv::Point tl) {
  cv::Rect dst(tl, patch.size());
  cv::Rect clip = dst & cv::Rect(0, 0, ink.cols, ink.rows);
  if (clip.empty()) return;
  cv::Mat src = patch(cv::Rect(clip.x - tl.x, clip.y - tl.y, clip.width, clip.height));
  cv::Mat out = ink(clip);
  cv::max(out, src, out);
}

// Matches the glyphs' stroke width to the pen's: grey dilation thickens, raising the coverage
// floor thins (erosion would break the hairlines of the script font).
void MatchStroke(cv::Mat& cov, double font_stroke_px, double pen_px) {
  const double diff = pen_px - font_stroke_px;
  if (diff >= 1.0) {
    const int k = 1 + std::min(3, static_cast<int>(std::lround(diff)));
    cv::dilate(cov, cov, cv::getStructuringElement(cv::MORPH_ELLIPSE, cv::Size(k, k)));
  } else if (diff <= -0.8) {
    const double floor = std::min(150.0, -diff * 55.0);
    cov.convertTo(cov, CV_8U, 255.0 / (255.0 - floor), -floor * 255.0 / (255.0 - floor));
  }
}

// Pressure changes slowly along the stroke path; along a line of text that is mostly along x.
void ApplyPressure(cv::Mat& cov, double min_pressure, double corr_px, Rng& rng) {
  if (min_pressure >= 0.999) return;
  cv::Mat f = SmoothField(cv::Size(cov.cols, 1), corr_px, rng);
  cv::Mat row(1, cov.cols, CV_8U);
  for (int x = 0; x < cov.cols; ++x) {
    double p = min_pressure + (1 - min_pressure) * (0.5 + 0.5 * std::tanh(0.8 * f.at<float>(0, x) + 0.9));
    row.at<uchar>(0, x) = cv::saturate_cast<uchar>(255 * p);
  }
  cv::Mat rep;
  cv::repeat(row, cov.rows, 1, rep);
  cv::multiply(cov, rep, cov, 1.0 / 255.0);
}

// One line of handwriting. `origin` = page px where the line's pen starts on its baseline.
void WriteLine(cv::Mat& ink, const std::string& text, cv::Point2d origin, double max_w,
               const HandHabit& h, double xh, const Pen& pen, double px_per_mm, Rng& rng) {
  const auto words = SplitWords(text);
  if (words.empty()) return;
  // 1. Words on a straight baseline (y = 0), each with its own size and a little vertical jitter.
  struct Placed {
    WordInk w;
    cv::Point2d tl;
  };
  std::vector<Placed> placed;
  double x = 0, top = 0, bottom = 0, right = 0;
  for (const auto& word : words) {
    WordInk w = RenderWord(word, h.font, xh * std::exp(Normal(rng, 0, h.size_jitter)));
    cv::Point2d tl(x - w.origin_x, Normal(rng, 0, 0.05 * xh) - w.baseline);
    top = std::min(top, tl.y);
    bottom = std::max(bottom, tl.y + w.coverage.rows);
    right = std::max(right, tl.x + w.coverage.cols);
    x += w.advance + h.word_gap * xh * Uniform(rng, 0.75, 1.3);
    placed.push_back({std::move(w), tl});
  }
  const int pad = 4;
  const double b0 = pad - top;
  cv::Mat line(static_cast<int>(std::ceil(bottom - top)) + 2 * pad, static_cast<int>(std::ceil(right)) + 2 * pad,
               CV_8U, cv::Scalar(0));
  for (const auto& p : placed)
    MaxInto(line, p.w.coverage, cv::Point(static_cast<int>(std::lround(pad + p.tl.x)),
                                          static_cast<int>(std::lround(b0 + p.tl.y))));

  // 2. Geometry of the hand: squeeze to the room left, slant, tilt, a slow baseline wave and a
  // smooth elastic field, all folded into one inverse map so the pixels are resampled once.
  const double squeeze = std::min(1.0, max_w / std::max(1.0, right));
  const double sh = h.slant + Normal(rng, 0, 0.03);
  const double theta = Normal(rng, 0, h.tilt_deg) * kPi / 180;
  const double ct = std::cos(theta), st = std::sin(theta);
  const double wave_a = Uniform(rng, 0, 0.18) * xh, wave_k = 2 * kPi / (Uniform(rng, 40, 90) * px_per_mm);
  const double wave_ph = Uniform(rng, 0, 2 * kPi);
  const double amp = h.elastic_mm * px_per_mm * Uniform(rng, 0.8, 1.2);
  const int h0 = line.rows;
  const double ox = pad + std::abs(sh) * h0 + 2 * amp;
  const int wout = static_cast<int>(std::ceil(ox + right * squeeze + std::abs(sh) * h0 + 2 * amp)) + pad;
  const double lift = std::abs(st) * wout + wave_a + 2 * amp;
  const int hout = static_cast<int>(std::ceil(h0 + 2 * lift)) + pad;
  const double bout = b0 + lift;
  // The map is smooth, so it is computed on a grid every kStep px and interpolated up (exact
  // for the affine part); this keeps a 170 mm line at 300 dpi to ~1 ms.
  constexpr int kStep = 4;
  const cv::Size cs(wout / kStep + 2, hout / kStep + 2);
  const double sigma = h.elastic_sigma_mm * px_per_mm / kStep, fine_sigma = 0.9 * px_per_mm / kStep;
  const double fine_amp = 0.06 * px_per_mm;  // stroke-level tremor on top of the letter-level field.
  cv::Mat ex = SmoothField(cs, sigma, rng), ey = SmoothField(cs, sigma, rng);
  cv::Mat tx = SmoothField(cs, fine_sigma, rng), ty = SmoothField(cs, fine_sigma, rng);
  cv::Mat cmap_x(cs, CV_32F), cmap_y(cs, CV_32F);
  for (int j = 0; j < cs.height; ++j) {
    for (int i = 0; i < cs.width; ++i) {
      // Grid node (i, j) sits where cv::resize puts it: pixel centre (i + 0.5) * k - 0.5.
      const double u = i * kStep + 0.5 * (kStep - 1), v = j * kStep + 0.5 * (kStep - 1);
      const double ur = u - ox + amp * ex.at<float>(j, i) + fine_amp * tx.at<float>(j, i);
      const double vr = v - bout + amp * ey.at<float>(j, i) + fine_amp * ty.at<float>(j, i) -
                        wave_a * std::sin(wave_k * (u - ox) + wave_ph);
      const double xr = ur * ct + vr * st;  // undo the tilt
      const double yr = -ur * st + vr * ct;
      const double xs = (xr + sh * yr) / squeeze;  // undo the slant, then the squeeze
      cmap_x.at<float>(j, i) = static_cast<float>(xs + pad);
      cmap_y.at<float>(j, i) = static_cast<float>(yr + b0);
    }
  }
  cv::Mat map_x, map_y;
  cv::resize(cmap_x, map_x, cv::Size(cs.width * kStep, cs.height * kStep), 0, 0, cv::INTER_LINEAR);
  cv::resize(cmap_y, map_y, cv::Size(cs.width * kStep, cs.height * kStep), 0, 0, cv::INTER_LINEAR);
  map_x = map_x(cv::Rect(0, 0, wout, hout));
  map_y = map_y(cv::Rect(0, 0, wout, hout));
  cv::Mat out;
  cv::remap(line, out, map_x, map_y, cv::INTER_LINEAR, cv::BORDER_CONSTANT, cv::Scalar(0));

  // 3. The pen: stroke width and pressure.
  // A ballpoint line is a little finer than its nominal tip width.
  MatchStroke(out, StrokeRatio(h.font) * xh, pen.width_mm * px_per_mm * Uniform(rng, 0.7, 0.9));
  ApplyPressure(out, h.min_pressure, 8.0 * px_per_mm, rng);
  MaxInto(ink, out, cv::Point(static_cast<int>(std::lround(origin.x - ox)),
                              static_cast<int>(std::lround(origin.y - bout))));
}

// The shape of one digit as tight ink coverage, `height_px` tall, strokes ~stroke_px wide.
cv::Mat DigitShape(char digit, const HandHabit& h, double height_px, double stroke_px) {
  const std::string d(1, digit);
  cv::Mat patch;
  if (h.digit_font == DigitFont::kHand) {
    // Figures are ~1.4 x-heights tall in these fonts; the crop and resize below make it exact.
    WordInk w = RenderWord(d, h.font, height_px / 1.4);
    patch = w.coverage;
    cv::Rect bb = cv::boundingRect(patch > 40);
    if (bb.empty()) return {};
    patch = patch(bb);
    const double k = height_px / patch.rows;
    cv::resize(patch, patch, cv::Size(std::max(1, static_cast<int>(std::lround(patch.cols * k))),
                                      std::max(1, static_cast<int>(std::lround(height_px)))), 0, 0,
               cv::INTER_LINEAR);
    MatchStroke(patch, StrokeRatio(h.font) * height_px / 1.4, stroke_px);
  } else {
    const int face = h.digit_font == DigitFont::kHersheyScript   ? cv::FONT_HERSHEY_SCRIPT_SIMPLEX
                     : h.digit_font == DigitFont::kHersheyComplex ? cv::FONT_HERSHEY_COMPLEX
                                                                  : cv::FONT_HERSHEY_SIMPLEX;
    const int thick = std::max(1, static_cast<int>(std::lround(stroke_px)));
    int base = 0;
    cv::Size ref = cv::getTextSize(d, face, 1.0, 1, &base);
    const double scale = height_px / std::max(1, ref.height);
    cv::Size sz = cv::getTextSize(d, face, scale, thick, &base);
    const int m = thick + 4;
    patch = cv::Mat(sz.height + base + 2 * m, sz.width + 2 * m, CV_8U, cv::Scalar(0));
    cv::putText(patch, d, cv::Point(m, m + sz.height), face, scale, cv::Scalar(255), thick, cv::LINE_AA);
    cv::Rect bb = cv::boundingRect(patch > 40);
    if (bb.empty()) return {};
    patch = patch(bb).clone();
  }
  cv::Mat framed;
  const int m = std::max(3, static_cast<int>(height_px * 0.15));
  cv::copyMakeBorder(patch, framed, m, m, m, m, cv::BORDER_CONSTANT, cv::Scalar(0));
  return framed;
}

// Pastes `patch` centred at `centre` (page px), rotated by angle_deg and slanted by `shear`,
// with a light elastic wobble (digits are small: the field is correlated over the whole glyph).
void PasteDigit(cv::Mat& ink, const cv::Mat& patch, cv::Point2d centre, double angle_deg, double shear,
                double wobble_px, Rng& rng) {
  if (patch.empty()) return;
  cv::Mat src = patch;
  if (wobble_px > 0.2) {
    cv::Mat fx = SmoothField(patch.size(), patch.rows * 0.4, rng);
    cv::Mat fy = SmoothField(patch.size(), patch.rows * 0.4, rng);
    cv::Mat mx(patch.size(), CV_32F), my(patch.size(), CV_32F);
    for (int y = 0; y < patch.rows; ++y)
      for (int x = 0; x < patch.cols; ++x) {
        mx.at<float>(y, x) = static_cast<float>(x + wobble_px * fx.at<float>(y, x));
        my.at<float>(y, x) = static_cast<float>(y + wobble_px * fy.at<float>(y, x));
      }
    cv::remap(patch, src, mx, my, cv::INTER_LINEAR, cv::BORDER_CONSTANT, cv::Scalar(0));
  }
  const double a = angle_deg * kPi / 180, c = std::cos(a), s = std::sin(a);
  const double pcx = src.cols / 2.0, pcy = src.rows / 2.0;
  // Forward: shear about the patch centre, then rotate, then move to `centre`.
  cv::Matx23d m(c, c * -shear - s, 0, s, s * -shear + c, 0);
  m(0, 2) = centre.x - (m(0, 0) * pcx + m(0, 1) * pcy);
  m(1, 2) = centre.y - (m(1, 0) * pcx + m(1, 1) * pcy);
  std::vector<cv::Point2d> corners = {{0, 0}, {double(src.cols), 0}, {0, double(src.rows)},
                                      {double(src.cols), double(src.rows)}};
  double x0 = 1e18, y0 = 1e18, x1 = -1e18, y1 = -1e18;
  for (const auto& p : corners) {
    double X = m(0, 0) * p.x + m(0, 1) * p.y + m(0, 2), Y = m(1, 0) * p.x + m(1, 1) * p.y + m(1, 2);
    x0 = std::min(x0, X), y0 = std::min(y0, Y), x1 = std::max(x1, X), y1 = std::max(y1, Y);
  }
  cv::Rect roi(static_cast<int>(std::floor(x0)), static_cast<int>(std::floor(y0)),
               static_cast<int>(std::ceil(x1 - std::floor(x0))) + 1,
               static_cast<int>(std::ceil(y1 - std::floor(y0))) + 1);
  m(0, 2) -= roi.x;
  m(1, 2) -= roi.y;
  cv::Mat warped;
  cv::warpAffine(src, warped, cv::Mat(m), roi.size(), cv::INTER_LINEAR, cv::BORDER_CONSTANT, cv::Scalar(0));
  MaxInto(ink, warped, roi.tl());
}

}  // namespace

std::vector<std::string> WrapText(const std::string& text, HandFont font, double x_height_mm,
                                  double word_gap, double width_mm) {
  // Widths scale linearly with size (no hinting), so measure in mm directly.
  std::vector<std::string> lines;
  std::string cur;
  double cur_w = 0;
  const double gap = word_gap * x_height_mm;
  for (const auto& w : SplitWords(text)) {
    const double ww = WordAdvance(w, font, x_height_mm);
    if (!cur.empty() && cur_w + gap + ww > width_mm) {
      lines.push_back(cur);
      cur.clear();
      cur_w = 0;
    }
    cur_w += (cur.empty() ? 0 : gap) + ww;
    cur += (cur.empty() ? "" : " ") + w;
  }
  if (!cur.empty()) lines.push_back(cur);
  return lines;
}

void DrawHandText(cv::Mat& ink, const core::RectMm& area, int ruled_lines,
                  const std::vector<std::string>& lines, const HandHabit& habit, double x_height_mm,
                  const Pen& pen, double dpi, Rng& rng) {
  const double s = dpi / 25.4;
  const int ruled = std::max(1, ruled_lines);
  const double pitch = std::clamp((area.h - 2.0) / ruled, 4.0, 20.0);
  const double indent = Uniform(rng, 1.5, kTextIndentMaxMm);
  for (size_t i = 0; i < lines.size(); ++i) {
    const double rule_y = area.y + pitch * static_cast<double>(i + 1);
    const double x0 = area.x + std::max(1.0, indent + (i ? Uniform(rng, -1.5, 0.5) : 0.0));
    // Writers stop at the frame, or just past it.
    const double right = area.x + area.w + Uniform(rng, -1.5, 1.5);
    const double baseline = rule_y - habit.lift_mm * Uniform(rng, 0.6, 1.4);
    WriteLine(ink, lines[i], {x0 * s, baseline * s}, (right - x0) * s, habit, x_height_mm * s, pen, s, rng);
  }
}

void DrawDash(cv::Mat& ink, const core::RectMm& area, int ruled_lines, bool long_dash, const Pen& pen,
              double dpi, Rng& rng) {
  const double s = dpi / 25.4;
  const double pitch = std::clamp((area.h - 2.0) / std::max(1, ruled_lines), 4.0, 20.0);
  const double len = long_dash ? Uniform(rng, 12, 30) : Uniform(rng, 3, 8);
  const double x0 = area.x + Uniform(rng, 3, std::max(4.0, std::min(40.0, area.w - len - 3)));
  const double y = area.y + pitch - Uniform(rng, 1.0, 3.0);
  const double slope = Normal(rng, -0.03, 0.04);
  std::vector<cv::Point2d> pts;
  for (int i = 0; i <= 4; ++i) {
    double t = i / 4.0;
    pts.emplace_back((x0 + t * len) * s, (y + slope * t * len + 0.3 * std::sin(kPi * t)) * s);
  }
  DrawStroke(ink, pts, pen.width_mm * s * Uniform(rng, 0.9, 1.2), 0.05 * s, rng);
}

std::vector<int> DrawHandDigits(cv::Mat& ink, const std::vector<core::RectMm>& cells,
                                const std::string& digits, const HandHabit& habit, int crossed_cell,
                                char crossed_digit, const Pen& pen, double dpi, Rng& rng) {
  std::vector<int> over_border;
  if (digits.empty() || cells.empty()) return over_border;
  const double s = dpi / 25.4;
  const double stroke = pen.width_mm * s * Uniform(rng, 0.85, 1.1);
  const size_t first = cells.size() > digits.size() ? cells.size() - digits.size() : 0;
  for (size_t i = 0; i < digits.size() && first + i < cells.size(); ++i) {
    const auto& c = cells[first + i];
    const double w = c.w * s, hgt = c.h * s;
    double height = hgt * habit.digit_scale * Uniform(rng, 0.92, 1.08);
    cv::Point2d centre((c.x + c.w / 2) * s + Normal(rng, 0, 0.06 * w),
                       (c.y + c.h / 2) * s + Normal(rng, 0.03 * hgt, 0.05 * hgt));
    if (Chance(rng, 0.04)) {
      // Hurried hands cross the comb: off to one side, or too tall for the cell.
      switch (UniformInt(rng, 0, 2)) {
        case 0: centre.x += (Chance(rng, 0.5) ? 1 : -1) * Uniform(rng, 0.3, 0.42) * w; break;
        case 1: centre.y += (Chance(rng, 0.5) ? 1 : -1) * Uniform(rng, 0.25, 0.35) * hgt; break;
        default: height = hgt * Uniform(rng, 1.0, 1.15); break;
      }
      over_border.push_back(static_cast<int>(first + i));
    }
    const double angle = Normal(rng, 0, 4.0), shear = habit.slant * 0.8 + Normal(rng, 0, 0.05);
    const double wobble = habit.elastic_mm * s * 0.5;
    if (static_cast<int>(i) == crossed_cell) {
      PasteDigit(ink, DigitShape(crossed_digit, habit, height, stroke), centre, angle, shear, wobble, rng);
      // Scribbled out with a few back-and-forth strokes over the wrong digit.
      std::vector<cv::Point2d> zig;
      const int n = UniformInt(rng, 3, 6);
      for (int k = 0; k <= n; ++k)
        zig.emplace_back(centre.x + (k % 2 ? 0.32 : -0.32) * w + Normal(rng, 0, 0.04 * w),
                         centre.y - 0.3 * height + 0.6 * height * k / n + Normal(rng, 0, 0.03 * hgt));
      DrawStroke(ink, zig, stroke * 1.1, 0.04 * w, rng);
      // The right digit, smaller, just above the cell (its foot inside the top of the cell).
      const double h2 = hgt * Uniform(rng, 0.45, 0.55);
      cv::Point2d above(centre.x + Normal(rng, 0, 0.05 * w), c.y * s - h2 * Uniform(rng, 0.15, 0.35));
      PasteDigit(ink, DigitShape(digits[i], habit, h2, stroke), above, angle, shear, wobble * 0.6, rng);
      continue;
    }
    PasteDigit(ink, DigitShape(digits[i], habit, height, stroke), centre, angle, shear, wobble, rng);
  }
  return over_border;
}

}  // namespace phieu::simulator
