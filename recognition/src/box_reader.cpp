// Copyright 2026 The Phiếu Authors
// SPDX-License-Identifier: Apache-2.0
#include "box_reader.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <vector>

#include <opencv2/imgproc.hpp>

#include "ink_check.h"
#include "patch_warp.h"

namespace phieu::recognition {
namespace {

constexpr double kPx = kPatchPxPerMm;
/// Inner measuring area starts this far inside the line centre: the stroke reaches 0.15 mm,
/// blur and the 1 px search step another ~0.2 mm; the rest is clearance.
constexpr int kInsetPx = 5;  // 0.625 mm
/// Ring outside the box where overflow and circles are measured: 0.5 to 2.0 mm out.
constexpr int kRingNearPx = 4;
constexpr int kRingFarPx = 16;

/// Contrast of a printed line centred on profile index i: the 3 px band minus its flanks
/// 3-4 px away. A mark crossing the profile adds about the same to band and flanks.
float LineContrast(const std::vector<float>& p, int i) {
  return (p[i - 1] + p[i] + p[i + 1]) / 3.0f - 0.25f * (p[i - 4] + p[i - 3] + p[i + 3] + p[i + 4]);
}

struct LinePair {
  int first = 0;          ///< best index of the first line.
  float weaker = 0.0f;    ///< contrast of the weaker line at that position.
  float centre = 0.0f;    ///< profile darkness at the line centres (mean of both).
};

/// Finds the pair of parallel lines `span` apart nearest to maximal joint contrast, with the
/// first line within `max_shift` of `nominal`.
LinePair SearchPair(const std::vector<float>& p, int nominal, int span, int max_shift) {
  LinePair best;
  float best_score = -1e9f;
  const int n = static_cast<int>(p.size());
  for (int d = -max_shift; d <= max_shift; ++d) {
    int a = nominal + d, b = a + span;
    if (a - 4 < 0 || b + 4 >= n) continue;
    float ca = LineContrast(p, a), cb = LineContrast(p, b);
    // Prefer the smaller shift on ties (|d| penalty well below any real contrast).
    float score = ca + cb - 0.01f * std::abs(d);
    if (score > best_score) {
      best_score = score;
      best.first = a;
      best.weaker = std::min(ca, cb);
      best.centre = 0.5f * (p[a] + p[b]);
    }
  }
  return best;
}

/// Mean darkness (255 - gray) of rows [r0, r1) over columns [c0, c1), one value per row.
std::vector<float> RowProfile(const cv::Mat& g, int c0, int c1) {
  c0 = std::clamp(c0, 0, g.cols - 1);
  c1 = std::clamp(c1, c0 + 1, g.cols);
  std::vector<float> p(g.rows);
  for (int r = 0; r < g.rows; ++r) {
    const uchar* row = g.ptr<uchar>(r);
    int s = 0;
    for (int c = c0; c < c1; ++c) s += row[c];
    p[r] = 255.0f - static_cast<float>(s) / (c1 - c0);
  }
  return p;
}

std::vector<float> ColProfile(const cv::Mat& g, int r0, int r1) {
  r0 = std::clamp(r0, 0, g.rows - 1);
  r1 = std::clamp(r1, r0 + 1, g.rows);
  std::vector<int> s(g.cols, 0);
  for (int r = r0; r < r1; ++r) {
    const uchar* row = g.ptr<uchar>(r);
    for (int c = 0; c < g.cols; ++c) s[c] += row[c];
  }
  std::vector<float> p(g.cols);
  for (int c = 0; c < g.cols; ++c) p[c] = 255.0f - static_cast<float>(s[c]) / (r1 - r0);
  return p;
}

float MedianGray(const cv::Mat& g) {
  std::array<int, 256> hist{};
  for (int r = 0; r < g.rows; ++r) {
    const uchar* row = g.ptr<uchar>(r);
    for (int c = 0; c < g.cols; ++c) ++hist[row[c]];
  }
  int half = g.rows * g.cols / 2, acc = 0;
  for (int v = 0; v < 256; ++v) {
    acc += hist[v];
    if (acc > half) return static_cast<float>(v);
  }
  return 255.0f;
}

cv::Rect InnerRect(const BoxPatch& p) {
  return cv::Rect(p.x + kInsetPx, p.y + kInsetPx, p.w_px - 2 * kInsetPx + 1,
                  p.h_px - 2 * kInsetPx + 1) &
         cv::Rect(0, 0, p.smooth.cols, p.smooth.rows);
}

float InnerSigma(const BoxPatch& p) {
  cv::Scalar mean, sd;
  cv::meanStdDev(p.smooth(InnerRect(p)), mean, sd);
  return static_cast<float>(sd[0]);
}

float Logistic(float z) { return 1.0f / (1.0f + std::exp(-z)); }

}  // namespace

BoxPatch LocateBox(const cv::Mat& scan_gray, const cv::Matx33d& mm_to_px,
                   const core::RectMm& box_mm) {
  BoxPatch p;
  const core::RectMm region{box_mm.x - kPatchMarginMm, box_mm.y - kPatchMarginMm,
                            box_mm.w + 2 * kPatchMarginMm, box_mm.h + 2 * kPatchMarginMm};
  p.gray = WarpPatch(scan_gray, mm_to_px, region, kPx);
  cv::blur(p.gray, p.smooth, cv::Size(3, 3), cv::Point(-1, -1), cv::BORDER_REPLICATE);
  p.w_px = static_cast<int>(std::lround(box_mm.w * kPx));
  p.h_px = static_cast<int>(std::lround(box_mm.h * kPx));
  p.nominal_x = p.nominal_y = static_cast<int>(std::lround(kPatchMarginMm * kPx));
  const int max_shift = static_cast<int>(std::lround(kMaxShiftMm * kPx));

  // Two rounds: first profiles through the middle of the predicted square only (so the other
  // pair of lines stays out of them whatever the shift), then over the found square's sides
  // minus the corners, which averages more of each line.
  const int quarter_w = static_cast<int>(p.w_px * 0.35), quarter_h = static_cast<int>(p.h_px * 0.35);
  LinePair rows = SearchPair(RowProfile(p.gray, p.nominal_x + quarter_w, p.nominal_x + p.w_px - quarter_w),
                             p.nominal_y, p.h_px, max_shift);
  LinePair cols = SearchPair(ColProfile(p.gray, p.nominal_y + quarter_h, p.nominal_y + p.h_px - quarter_h),
                             p.nominal_x, p.w_px, max_shift);
  const int corner = kInsetPx + 1;
  rows = SearchPair(RowProfile(p.gray, cols.first + corner, cols.first + p.w_px - corner),
                    p.nominal_y, p.h_px, max_shift);
  cols = SearchPair(ColProfile(p.gray, rows.first + corner, rows.first + p.h_px - corner),
                    p.nominal_x, p.w_px, max_shift);
  p.x = cols.first;
  p.y = rows.first;
  p.contrast_x = cols.weaker;
  p.contrast_y = rows.weaker;
  p.line_gray = 255.0f - 0.5f * (rows.centre + cols.centre);
  p.white = MedianGray(p.gray);
  p.inner_sigma = InnerSigma(p);
  return p;
}

void PlaceBox(BoxPatch& patch, int dx, int dy) {
  patch.x = patch.nominal_x + dx;
  patch.y = patch.nominal_y + dy;
  patch.inner_sigma = InnerSigma(patch);
}

BoxMeasurement MeasureBox(const BoxPatch& patch, const PageCalibration& cal) {
  BoxMeasurement m;
  // Local paper level follows uneven lighting, unless the patch is so inked that its median
  // is not paper any more.
  float white = patch.white;
  if (white < cal.white - 0.3f * (cal.white - cal.black)) white = cal.white;
  const float range = std::max(white - cal.black, 40.0f);
  const float tau = cal.ink_threshold;
  const float px_area = static_cast<float>(1.0 / (kPx * kPx));

  const cv::Rect inner = InnerRect(patch);
  const int w = inner.width, h = inner.height;
  std::vector<float> dark(static_cast<size_t>(w) * h);
  double sum = 0.0;
  int n_ink = 0, n_solid = 0;
  for (int r = 0; r < h; ++r) {
    const uchar* row = patch.smooth.ptr<uchar>(inner.y + r) + inner.x;
    for (int c = 0; c < w; ++c) {
      float d = std::clamp((white - row[c]) / range, 0.0f, 1.0f);
      dark[r * w + c] = d;
      sum += d;
      n_ink += d > tau;
      n_solid += d > 0.5f;
    }
  }
  const int n = w * h;
  m.fill = static_cast<float>(sum / n);
  m.ink = static_cast<float>(n_ink) / n;
  m.solid = static_cast<float>(n_solid) / n;

  // Connected components of ink pixels: a dust speck is one small component, a tick or a
  // cross one or two large ones.
  if (n_ink > 0) {
    for (const InkBlob& c : FindInkBlobs(dark.data(), w, h, tau)) {
      m.total_mm2 += c.mass * px_area;
      if (c.mass * px_area > m.mark_mm2) {
        m.mark_mm2 = c.mass * px_area;
        m.mark_peak = c.peak;
        m.mark_sharpness = c.sharpness;
      }
    }
  }

  // Ink just outside each side: a tick overflowing, or a circle drawn around the box.
  const float ring_tau = std::max(tau, 0.25f);
  auto side_mass = [&](cv::Rect zone) {
    zone &= cv::Rect(0, 0, patch.smooth.cols, patch.smooth.rows);
    float mass = 0.0f;
    for (int r = zone.y; r < zone.y + zone.height; ++r) {
      const uchar* row = patch.smooth.ptr<uchar>(r);
      for (int c = zone.x; c < zone.x + zone.width; ++c) {
        float d = std::clamp((white - row[c]) / range, 0.0f, 1.0f);
        if (d > ring_tau) mass += d;
      }
    }
    return mass * px_area;
  };
  const int band = kRingFarPx - kRingNearPx;
  const std::array<cv::Rect, 4> zones = {
      cv::Rect(patch.x, patch.y - kRingFarPx, patch.w_px, band),
      cv::Rect(patch.x, patch.y + patch.h_px + kRingNearPx + 1, patch.w_px, band),
      cv::Rect(patch.x - kRingFarPx, patch.y, band, patch.h_px),
      cv::Rect(patch.x + patch.w_px + kRingNearPx + 1, patch.y, band, patch.h_px)};
  for (const cv::Rect& z : zones) {
    float s = side_mass(z);
    m.ring_mm2 += s;
    m.ring_sides += s > 0.15f;
  }
  return m;
}

BoxDecision DecideBox(const BoxMeasurement& m, bool located) {
  // Decision boundaries (mm^2 of solid-black ink in the largest component): a dust speck
  // of 0.35 mm is ~0.1, a 1 mm pen dot ~0.8, a light pencil tick ~0.5+. Logistic in log
  // mass: p = 0.5 at kMarkMidMm2, p ~ 0.97 at 1.75x it.
  constexpr float kMarkMidMm2 = 0.20f;
  constexpr float kMarkSlope = 6.0f;
  // Solid (cancel) boundary on the share of the inner area at least half as dark as print:
  // hatching covers well under 60%, a deliberate fill over 85%.
  constexpr float kCancelMid = 0.72f;
  constexpr float kCancelSlope = 30.0f;
  constexpr float kSmudgeSharpness = 0.25f;

  BoxDecision d;
  const float p_mark =
      m.mark_mm2 <= 0.0f ? 0.0f : Logistic(kMarkSlope * std::log(m.mark_mm2 / kMarkMidMm2));
  const float p_cancel = Logistic(kCancelSlope * (m.solid - kCancelMid));
  if (p_cancel >= 0.5f) {
    d.state = BoxState::kCancelled;
    d.confidence = p_cancel;
    if (d.confidence < 0.9f) d.doubt = "nearly filled, mark or cancellation?";
  } else if (p_mark >= 0.5f) {
    d.state = BoxState::kMarked;
    d.confidence = std::min(p_mark, 1.0f - p_cancel);
    if (1.0f - p_cancel < p_mark) d.doubt = "heavy shading, mark or cancellation?";
    else if (d.confidence < 0.9f) d.doubt = "faint mark";
  } else {
    d.state = BoxState::kEmpty;
    d.confidence = 1.0f - p_mark;
    if (d.confidence < 0.9f) d.doubt = "faint ink";
    if (m.ring_sides >= 3) {
      // Ink on three or four sides just outside an empty box: a circle drawn around it.
      d.state = BoxState::kMarked;
      d.confidence = m.ring_sides == 4 ? 0.85f : 0.6f;
      d.doubt = "circled rather than ticked";
    } else if (m.mark_mm2 > 0.5f * kMarkMidMm2 && m.ring_mm2 > 0.3f) {
      // Some ink inside and more just outside: possibly a mark written mostly beside the box.
      d.confidence = std::min(d.confidence, 0.6f);
      d.doubt = "mark mostly outside the box";
    }
  }
  // A faint component with gentle slopes is a smudge or eraser residue more often than a
  // pencil stroke (which has steep flanks even when light): a person decides.
  if (m.mark_mm2 > 0.5f * kMarkMidMm2 && m.mark_peak < 0.45f && m.mark_sharpness < kSmudgeSharpness &&
      d.state != BoxState::kCancelled) {
    d.confidence = std::min(d.confidence, 0.6f);
    d.doubt = "faint smudge, mark or eraser residue?";
  }
  if (!located) {
    d.confidence = std::min(d.confidence, 0.7f);
    d.doubt = d.doubt.empty() ? "box outline not found" : d.doubt + ", box outline not found";
  }
  return d;
}

}  // namespace phieu::recognition
