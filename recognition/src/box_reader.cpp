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
/// Scans coarser than this (~250 dpi) are interpolated up to the patch grid.
constexpr double kLowResPpm = 1.25 * kPx;
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
  return cv::Rect(p.x + p.inset_px, p.y + p.inset_px, p.w_px - 2 * p.inset_px + 1,
                  p.h_px - 2 * p.inset_px + 1) &
         cv::Rect(0, 0, p.smooth.cols, p.smooth.rows);
}

void InnerStats(BoxPatch& p) {
  const cv::Mat inner = p.smooth(InnerRect(p));
  cv::Scalar mean, sd;
  cv::meanStdDev(inner, mean, sd);
  p.inner_sigma = static_cast<float>(sd[0]);
  double lo = 255.0;
  cv::minMaxLoc(inner, &lo);
  p.inner_min = static_cast<float>(lo);
}

float Logistic(float z) { return 1.0f / (1.0f + std::exp(-z)); }

}  // namespace

BoxPatch LocateBox(const cv::Mat& scan_gray, const cv::Matx33d& mm_to_px,
                   const core::RectMm& box_mm) {
  BoxPatch p;
  const core::RectMm region{box_mm.x - kPatchMarginMm, box_mm.y - kPatchMarginMm,
                            box_mm.w + 2 * kPatchMarginMm, box_mm.h + 2 * kPatchMarginMm};
  p.gray = WarpPatch(scan_gray, mm_to_px, region, kPx);
  // The 3x3 smoothing averages sensor noise on scans finer than the patch grid. A scan at
  // 200 dpi or less was interpolated up to it and is smooth already: blurring again would
  // wash a light pencil line out under the noise floor.
  const double scan_ppm = LocalPxPerMm(mm_to_px, {box_mm.x + box_mm.w / 2, box_mm.y + box_mm.h / 2});
  if (scan_ppm >= kLowResPpm)
    cv::blur(p.gray, p.smooth, cv::Size(3, 3), cv::Point(-1, -1), cv::BORDER_REPLICATE);
  else
    p.smooth = p.gray;
  // A coarse scan spreads the printed line's blur over more of the paper around it.
  p.inset_px = kInsetPx + (scan_ppm < kLowResPpm ? 2 : 0);
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
  InnerStats(p);
  return p;
}

void PlaceBox(BoxPatch& patch, int dx, int dy) {
  patch.x = patch.nominal_x + dx;
  patch.y = patch.nominal_y + dy;
  InnerStats(patch);
}

void CalibrateThresholds(PageCalibration& cal, const std::vector<float>& inner_peaks) {
  // The median box is empty on any form (a one-answer question of n options leaves n-1 empty),
  // but a page of two boxes both marked would put the floor on the marks: cap it at what noise
  // can plausibly reach.
  float floor = 0.0f;
  if (!inner_peaks.empty()) {
    std::vector<float> v = inner_peaks;
    auto mid = v.begin() + v.size() / 2;
    std::nth_element(v.begin(), mid, v.end());
    floor = *mid;
  }
  cal.floor_peak = std::min(floor, std::max(0.10f, 6.0f * cal.noise));
  // Seed: clearly above the darkest point of a typical empty box. Clear: what a light pencil
  // stroke reaches (25+ gray levels under the paper); an erased mark's residue or show-through
  // stays under it.
  cal.seed = std::clamp(cal.floor_peak + std::max(0.03f, 3.0f * cal.noise), 0.05f, 0.30f);
  cal.grow = std::max(0.035f, 0.6f * cal.seed);
  cal.clear = std::max({0.12f, cal.seed + 0.03f, cal.floor_peak + std::max(0.07f, 8.0f * cal.noise)});
}

BoxMeasurement MeasureBox(const BoxPatch& patch, const PageCalibration& cal) {
  BoxMeasurement m;
  // Local paper level follows uneven lighting, unless the patch is so inked that its median
  // is not paper any more. A patch DiscountLine levelled (a fold's broad shadow divided out to
  // the patch's own paper) is paper at its own level, however dark the shadow made it.
  float white = patch.white;
  if (white < cal.white - 0.3f * (cal.white - cal.black) && !patch.levelled) white = cal.white;
  const float range = std::max(white - cal.black, 40.0f);
  const float px_area = static_cast<float>(1.0 / (kPx * kPx));
  const int pw = patch.smooth.cols, ph = patch.smooth.rows;
  std::array<float, 256> lut;
  for (int v = 0; v < 256; ++v) lut[v] = std::clamp((white - v) / range, 0.0f, 1.0f);

  const cv::Rect inner = InnerRect(patch);
  const int w = inner.width, h = inner.height;
  std::vector<float> in(static_cast<size_t>(w) * h);
  double sum = 0.0;
  int n_ink = 0;
  for (int r = 0; r < h; ++r) {
    for (int c = 0; c < w; ++c) {
      const float d = lut[patch.smooth.at<uchar>(inner.y + r, inner.x + c)];
      in[r * w + c] = d;
      sum += d;
      n_ink += d > cal.seed;
      m.inner_peak = std::max(m.inner_peak, d);
    }
  }
  // "Solid" is judged against the ink's own darkness: half as dark as pen ink for a pen, half
  // as dark as the graphite for a box filled in with pencil. The level comes from the 95th
  // percentile of the inner area (the ink of any mark covering 5% of it) and never drops to
  // what a clean box holds.
  float p95 = 0.0f;
  {
    std::vector<float> v = in;
    auto k = v.begin() + static_cast<long>(0.95 * (v.size() - 1));
    std::nth_element(v.begin(), k, v.end());
    p95 = *k;
  }
  const float solid_level = std::clamp(0.5f * p95, cal.clear, 0.5f);
  int n_solid = 0;
  std::array<int, 9> cell_solid{}, cell_n{};
  std::vector<int> col_cell(w);
  for (int c = 0; c < w; ++c) col_cell[c] = 3 * c / w;
  for (int r = 0; r < h; ++r) {
    const int row_cell = (3 * r / h) * 3;
    const float* row = in.data() + static_cast<size_t>(r) * w;
    for (int c = 0; c < w; ++c) {
      const int solid = row[c] > solid_level;
      n_solid += solid;
      cell_solid[row_cell + col_cell[c]] += solid;
      ++cell_n[row_cell + col_cell[c]];
    }
  }
  {
    // The rim between the inner area and the printed outline: a fill reaches it (and spills
    // over the edges), shading drawn inside the box leaves paper there.
    const int k = std::max(2, patch.inset_px / 2 + 1);
    const int x0 = patch.x + k, x1 = patch.x + patch.w_px - k, y0 = patch.y + k, y1 = patch.y + patch.h_px - k;
    int rim = 0, rim_solid = 0;
    auto visit = [&](int x, int y) {
      if (x < 0 || y < 0 || x >= pw || y >= ph) return;
      ++rim;
      rim_solid += lut[patch.smooth.at<uchar>(y, x)] > solid_level;
    };
    for (int x = x0; x <= x1; ++x) visit(x, y0), visit(x, y1);
    for (int y = y0 + 1; y < y1; ++y) visit(x0, y), visit(x1, y);
    m.rim_solid = rim > 0 ? static_cast<float>(rim_solid) / rim : 0.0f;
  }
  const int n = w * h;
  m.fill = static_cast<float>(sum / n);
  m.ink = static_cast<float>(n_ink) / n;
  m.solid = static_cast<float>(n_solid) / n;
  m.min_cell_solid = 1.0f;
  for (int i = 0; i < 9; ++i)
    m.min_cell_solid = std::min(m.min_cell_solid, static_cast<float>(cell_solid[i]) / std::max(cell_n[i], 1));

  // Connected components of ink: a dust speck is one small short component, a tick or a cross
  // one or two heavy ones, a light pencil stroke a long one however little ink it holds.
  if (m.inner_peak > cal.seed) {
    for (const InkBlob& c : FindInkBlobs(in.data(), w, h, cal.seed, cal.grow)) {
      ++m.fragments;
      m.total_mm2 += c.mass * px_area;
      if (c.mass * px_area > m.mark_mm2) {
        m.mark_mm2 = c.mass * px_area;
        m.mark_peak = c.peak;
        m.mark_sharpness = c.sharpness;
        m.mark_ridge = c.ridge;
      }
      const float len_mm = static_cast<float>(c.length / kPx);
      if (len_mm > m.stroke_mm) {
        m.stroke_mm = len_mm;
        m.stroke_peak = c.peak;
        m.stroke_sharpness = c.sharpness;
        m.stroke_ridge = c.ridge;
      }
    }
  }

  // Group the components lying within ~1 mm of each other (a trail of dots left of a light
  // stroke by a bilevel scan) and measure the largest group's length.
  if (m.fragments >= 2) {
    cv::Mat mask(h, w, CV_8UC1), bridged, labels;
    for (int i = 0; i < w * h; ++i) mask.data[i] = in[i] > cal.seed ? 255 : 0;
    constexpr int kBridgePx = 4;  // dilation radius: gaps up to 1 mm close.
    cv::dilate(mask, bridged, cv::getStructuringElement(cv::MORPH_ELLIPSE, cv::Size(2 * kBridgePx + 1, 2 * kBridgePx + 1)));
    const int n_labels = cv::connectedComponents(bridged, labels, 8, CV_32S);
    std::vector<double> sx(n_labels), sy(n_labels), sxx(n_labels), syy(n_labels), sxy(n_labels), cnt(n_labels);
    for (int r = 0; r < h; ++r)
      for (int c = 0; c < w; ++c) {
        if (!mask.at<uchar>(r, c)) continue;
        const int l = labels.at<int>(r, c);
        sx[l] += c, sy[l] += r, sxx[l] += c * c, syy[l] += r * r, sxy[l] += c * r, cnt[l] += 1;
      }
    int best = 0;
    for (int l = 1; l < n_labels; ++l) {
      if (cnt[l] < 1) continue;
      const double mx = sx[l] / cnt[l], my = sy[l] / cnt[l];
      const double vxx = sxx[l] / cnt[l] - mx * mx, vyy = syy[l] / cnt[l] - my * my,
                   vxy = sxy[l] / cnt[l] - mx * my;
      const double lambda = 0.5 * (vxx + vyy) + std::sqrt(0.25 * (vxx - vyy) * (vxx - vyy) + vxy * vxy);
      const float len = static_cast<float>(std::sqrt(12.0 * lambda + 1.0) / kPx);
      if (len > m.cluster_mm) m.cluster_mm = len, best = l;
    }
    if (best > 0) {
      // Count the original components whose pixels fall in the best group.
      cv::Mat own;
      const int n_own = cv::connectedComponents(mask, own, 8, CV_32S);
      std::vector<char> in_best(n_own, 0);
      for (int i = 0; i < w * h; ++i)
        if (mask.data[i] && labels.at<int>(i / w, i % w) == best) in_best[own.at<int>(i / w, i % w)] = 1;
      for (int l = 1; l < n_own; ++l) m.cluster_fragments += in_best[l];
    }
  } else {
    m.cluster_mm = m.stroke_mm;
    m.cluster_fragments = m.fragments;
  }

  // A heavy, dark mark decides the box by itself (DecideBox never looks outside then).
  if (m.mark_mm2 >= 0.6f && m.mark_peak >= cal.clear) return m;

  // Outside the box. Printed grids put rules ~1.2-1.5 mm above and below the boxes and
  // between columns: a row (column) of the patch dark over most of its length is such a rule
  // (nothing a hand draws around one box is that straight and long) and is left out.
  const float ring_tau = std::max(cal.seed, 0.15f);
  std::vector<unsigned char> rule_row(ph, 0), rule_col(pw, 0);
  cv::Mat ink;
  cv::threshold(patch.smooth, ink, white - ring_tau * range, 1, cv::THRESH_BINARY_INV);
  {
    // A rule tilted by the residual rotation wanders over two or three rows (columns): count
    // the columns (rows) inked in any of three neighbouring rows (columns).
    const int min_run = static_cast<int>(0.7 * std::min(pw, ph));
    cv::Mat spread, count;
    cv::dilate(ink, spread, cv::getStructuringElement(cv::MORPH_RECT, cv::Size(1, 3)));
    cv::reduce(spread, count, 1, cv::REDUCE_SUM, CV_32S);
    for (int r = 0; r < ph; ++r)
      if (count.at<int>(r) >= min_run)
        for (int k = std::max(r - 1, 0); k <= std::min(r + 1, ph - 1); ++k) rule_row[k] = 1;
    cv::dilate(ink, spread, cv::getStructuringElement(cv::MORPH_RECT, cv::Size(3, 1)));
    cv::reduce(spread, count, 0, cv::REDUCE_SUM, CV_32S);
    for (int c = 0; c < pw; ++c)
      if (count.at<int>(c) >= min_run)
        for (int k = std::max(c - 1, 0); k <= std::min(c + 1, pw - 1); ++k) rule_col[k] = 1;
  }
  // Outside the printed square only a few pixels are inked (outline, labels, marks): visit
  // just those. For each: its share of the ring just outside each side (a tick overflowing, a
  // circle drawn around the box), and its direction from the box centre.
  //
  // Directions around the box holding ink away from its printed outline and the rules: a
  // loop drawn around the box covers all of them (it may cut through the box's corners, so the
  // corners of the inner area count too), while the print around a box (its label, the next
  // box of a list, the question text) covers at most about two thirds of them.
  const int band = kRingFarPx - kRingNearPx;
  const std::array<cv::Rect, 4> zones = {
      cv::Rect(patch.x, patch.y - kRingFarPx, patch.w_px, band),
      cv::Rect(patch.x, patch.y + patch.h_px + kRingNearPx + 1, patch.w_px, band),
      cv::Rect(patch.x - kRingFarPx, patch.y, band, patch.h_px),
      cv::Rect(patch.x + patch.w_px + kRingNearPx + 1, patch.y, band, patch.h_px)};
  std::array<float, 4> side{};
  constexpr int kSectors = 24;
  std::array<int, kSectors> sector{};
  const float cx = patch.x + 0.5f * patch.w_px, cy = patch.y + 0.5f * patch.h_px;
  const int x0 = patch.x, x1 = patch.x + patch.w_px, y0 = patch.y, y1 = patch.y + patch.h_px;
  // The printed outline's blurred skirt reaches ~4 px either side of its centre line.
  constexpr int kOutlineBand = 4;
  const float centre_r2 = 0.09f * patch.w_px * patch.h_px;  // (0.3 side)^2: where marks sit.
  for (int r = 0; r < ph; ++r)
    if (rule_row[r]) ink.row(r).setTo(0);
  for (int c = 0; c < pw; ++c)
    if (rule_col[c]) ink.col(c).setTo(0);
  std::vector<cv::Point> inked;
  cv::findNonZero(ink, inked);
  for (const cv::Point& pt : inked) {
    const int r = pt.y, c = pt.x;
    const float d = lut[patch.smooth.at<uchar>(r, c)];
    for (int k = 0; k < 4; ++k)
      if (zones[k].contains(pt)) side[k] += d;
    const bool near_v = (std::abs(c - x0) <= kOutlineBand || std::abs(c - x1) <= kOutlineBand) &&
                        r >= y0 - kOutlineBand && r <= y1 + kOutlineBand;
    const bool near_h = (std::abs(r - y0) <= kOutlineBand || std::abs(r - y1) <= kOutlineBand) &&
                        c >= x0 - kOutlineBand && c <= x1 + kOutlineBand;
    if (near_v || near_h) continue;
    const float ddx = c - cx, ddy = r - cy;
    if (ddx * ddx + ddy * ddy < centre_r2) continue;
    const double a = std::atan2(ddy, ddx);
    int s = static_cast<int>((a + CV_PI) / (2 * CV_PI) * kSectors);
    ++sector[std::clamp(s, 0, kSectors - 1)];
  }
  for (float mass : side) {
    m.ring_mm2 += mass * px_area;
    m.ring_sides += mass * px_area > 0.15f;
  }
  int covered = 0;
  for (int v : sector) covered += v >= 3;
  m.circle_coverage = static_cast<float>(covered) / kSectors;
  return m;
}

double LineCarriesOn(const cv::Mat& scan_gray, const cv::Matx33d& mm_to_px, cv::Point2d start_mm, cv::Point2d dir,
                     double length_mm, float dip, cv::Size2d page_mm) {
  // 4 samples per mm along the line, 16 across it (a bilevel crease may be one scan pixel wide).
  constexpr double kAlongPpm = 4.0, kAcrossPpm = 16.0;
  constexpr int kAcross = 48;  // 3 mm
  const int along = static_cast<int>(length_mm * kAlongPpm);
  const cv::Point2d n(-dir.y, dir.x);
  // Strip px (i along, j across) -> page mm.
  const cv::Point2d o = start_mm + dir * (0.5 / kAlongPpm) + n * (0.5 / kAcrossPpm - 1.5);
  const cv::Matx33d strip_to_mm(dir.x / kAlongPpm, n.x / kAcrossPpm, o.x,  //
                                dir.y / kAlongPpm, n.y / kAcrossPpm, o.y,  //
                                0, 0, 1);
  cv::Mat strip;
  cv::warpPerspective(scan_gray, strip, cv::Mat(mm_to_px * strip_to_mm), cv::Size(along, kAcross),
                      cv::INTER_LINEAR | cv::WARP_INVERSE_MAP, cv::BORDER_CONSTANT, cv::Scalar(255));
  int steps = 0, dark = 0;
  for (int i0 = 0; i0 + 4 <= along; i0 += 4) {
    const cv::Point2d at = start_mm + dir * ((i0 + 2) / kAlongPpm);
    if (at.x < 2 || at.y < 2 || at.x > page_mm.width - 2 || at.y > page_mm.height - 2) continue;
    ++steps;
    std::array<float, kAcross> profile{};
    for (int j = 0; j < kAcross; ++j)
      for (int i = i0; i < i0 + 4; ++i) profile[j] += strip.at<uchar>(j, i) * 0.25f;
    float flank = 0;
    for (int j = 0; j < 5; ++j) flank += profile[j] + profile[kAcross - 1 - j];
    flank /= 10;
    float core = 255;
    for (int j = 16; j < 32; ++j) core = std::min(core, (profile[j - 1] + profile[j] + profile[j + 1]) / 3);
    dark += flank - core >= dip;
  }
  return steps >= 4 ? static_cast<double>(dark) / steps : 1.0;
}

namespace {

/// The line through the darkness-weighted centre of the dark pixels within 4 px of `line`,
/// outside the box (least squares over the positions along it): the run centres on the patch
/// border put it up to a pixel off, and a crease is only one or two pixels wide.
CrossingLine RefineLine(const BoxPatch& p, CrossingLine line, float thr) {
  const cv::Mat& g = p.smooth;
  const cv::Point2d nrm(-line.dir.y, line.dir.x);
  const cv::Rect keep_out(p.x - 3, p.y - 3, p.w_px + 7, p.h_px + 7);
  double st = 0, so = 0, stt = 0, sto = 0, sw = 0;
  const double len = std::hypot(g.cols, g.rows);
  for (double t = -len; t <= len; t += 1.0) {
    double wsum = 0, osum = 0;
    for (int k = -4; k <= 4; ++k) {
      const cv::Point q(cvRound(line.point.x + line.dir.x * t + nrm.x * k),
                        cvRound(line.point.y + line.dir.y * t + nrm.y * k));
      if (q.x < 0 || q.y < 0 || q.x >= g.cols || q.y >= g.rows || keep_out.contains(q)) continue;
      const float d = p.white - g.at<uchar>(q) - 0.5f * thr;
      if (d > 0) wsum += d, osum += d * k;
    }
    if (wsum <= 0) continue;
    const double o = osum / wsum;
    st += t, so += o, stt += t * t, sto += t * o, sw += 1;
  }
  if (sw < 10) return line;
  const double det = sw * stt - st * st;
  if (std::abs(det) < 1e-9) return line;
  const double beta = (sw * sto - st * so) / det, alpha = (so - beta * st) / sw;
  CrossingLine out;
  out.point = line.point + nrm * alpha;
  const cv::Point2d d = line.dir + nrm * beta;
  out.dir = d / std::hypot(d.x, d.y);
  return out;
}

}  // namespace

std::vector<std::vector<cv::Point>> DarkRuns(const std::vector<cv::Point>& loop, const std::vector<char>& dark) {
  const size_t n = loop.size();
  std::vector<std::vector<cv::Point>> runs;
  size_t start = 0;
  while (start < n && dark[start]) ++start;
  if (start == n) return runs;  // all dark (or empty)
  for (size_t k = 0; k < n;) {
    if (!dark[(start + k) % n]) {
      ++k;
      continue;
    }
    std::vector<cv::Point>& run = runs.emplace_back();
    for (; k < n && dark[(start + k) % n]; ++k) run.push_back(loop[(start + k) % n]);
  }
  return runs;
}

bool FindCrossingLine(const BoxPatch& p, const PageCalibration& cal, const cv::Mat& scan_gray,
                      const cv::Matx33d& mm_to_px, const core::RectMm& box_mm, cv::Size2d page_mm,
                      CrossingLine* line) {
  const cv::Mat& g = p.smooth;
  const int w = g.cols, h = g.rows;
  const float range = std::max(cal.white - cal.black, 40.0f);
  const float thr = std::max(cal.grow * range, 8.0f);  // gray levels under the local paper
  // A loop just inside the patch border, and the runs of dark samples on it: where lines enter
  // and leave the patch. A side that runs along a printed rule (grids put one ~1.5 mm outside
  // the patch's edge) is moved inwards off it.
  auto is_dark = [&](int x, int y) { return p.white - g.at<uchar>(y, x) > thr; };
  auto side_dark = [&](bool horizontal, int at) {
    int d = 0, total = 0;
    for (int i = 0; i < (horizontal ? w : h); ++i, ++total) d += horizontal ? is_dark(i, at) : is_dark(at, i);
    return d > total / 2;
  };
  int top = 2, bottom = 2, left = 2, right = 2;
  while (top < 14 && side_dark(true, top)) top += 3;
  while (bottom < 14 && side_dark(true, h - 1 - bottom)) bottom += 3;
  while (left < 14 && side_dark(false, left)) left += 3;
  while (right < 14 && side_dark(false, w - 1 - right)) right += 3;
  std::vector<cv::Point> loop;
  for (int x = left; x < w - right; ++x) loop.push_back({x, top});
  for (int y = top + 1; y < h - bottom; ++y) loop.push_back({w - 1 - right, y});
  for (int x = w - 2 - right; x >= left; --x) loop.push_back({x, h - 1 - bottom});
  for (int y = h - 2 - bottom; y > top; --y) loop.push_back({left, y});
  const size_t n = loop.size();
  std::vector<char> dark(n);
  for (size_t i = 0; i < n; ++i) dark[i] = is_dark(loop[i].x, loop[i].y);
  if (std::all_of(dark.begin(), dark.end(), [](char d) { return d != 0; })) return false;
  std::vector<cv::Point2d> ends;
  constexpr size_t kMaxRunPx = 24;  // a line meets the border in a short run (3 mm at 15 degrees)
  constexpr size_t kMaxShadowRunPx = 64;  // ... or with a fold's shadow (1-4 mm) on one side of it
  for (const std::vector<cv::Point>& run : DarkRuns(loop, dark)) {
    const size_t len = run.size();
    cv::Point2d sum(0, 0);
    int darkest = 255;
    for (const cv::Point& q : run) {
      sum += cv::Point2d(q);
      darkest = std::min<int>(darkest, g.at<uchar>(q));
    }
    if (len <= kMaxRunPx) {
      ends.push_back(sum / static_cast<double>(len));
    } else if (len <= kMaxShadowRunPx) {
      // A fold's broad shadow beside its crease makes a long run: the crease is its darkest part
      // (the middle of it: a bilevel run is black all along).
      cv::Point2d core(0, 0);
      int cn = 0;
      for (const cv::Point& q : run)
        if (g.at<uchar>(q) <= darkest + 8) core += cv::Point2d(q), ++cn;
      ends.push_back(core / static_cast<double>(cn));
    }
  }
  if (ends.size() < 2 || ends.size() > 20) return false;  // none, or a page of text around the box
  const cv::Point2d centre(p.x + 0.5 * p.w_px, p.y + 0.5 * p.h_px);
  const double inner_half = 0.5 * p.w_px - p.inset_px;
  const cv::Point2d origin_mm(box_mm.x - kPatchMarginMm, box_mm.y - kPatchMarginMm);
  auto to_mm = [&](cv::Point2d q) { return origin_mm + (q + cv::Point2d(0.5, 0.5)) * (1.0 / kPx); };
  // The line through a and b (where it meets the loop) crosses the box, is dark all the way
  // and carries on across the page beyond the patch on both sides.
  auto crosses = [&](cv::Point2d a, cv::Point2d b) {
    const cv::Point2d d = b - a;
    const double len = std::hypot(d.x, d.y);
    if (len < 0.6 * std::min(w, h)) return false;
    const cv::Point2d u = d / len, nrm(-u.y, u.x);
    const cv::Point2d c = centre - a;
    if (std::abs(c.x * nrm.x + c.y * nrm.y) > inner_half + 3) return false;  // misses the inner area
    // Dark all the way (the darkest of three pixels across, for a line a pixel off).
    int on = 0, total = 0;
    for (double t = 0; t <= len; t += 1.0, ++total) {
      float darkest = 0;
      for (int k = -1; k <= 1; ++k) {
        const cv::Point q(cvRound(a.x + u.x * t + nrm.x * k), cvRound(a.y + u.y * t + nrm.y * k));
        if (q.x >= 0 && q.y >= 0 && q.x < w && q.y < h) darkest = std::max(darkest, p.white - g.at<uchar>(q));
      }
      on += darkest > thr;
    }
    if (on < 0.85 * total) return false;
    // Carries on across the page: 1-17 mm beyond the patch on both sides, along the line as
    // refitted (the run centres may tilt it by a degree: 0.3 mm at the far end).
    const CrossingLine fit = RefineLine(p, {a, u}, thr);
    const cv::Point2d fa = fit.point + fit.dir * (a - fit.point).dot(fit.dir);
    const cv::Point2d fb = fit.point + fit.dir * (b - fit.point).dot(fit.dir);
    const cv::Point2d fu = (fb - fa).dot(fit.dir) >= 0 ? fit.dir : -fit.dir;
    const float dip = std::max(0.5f * thr, 7.0f);
    // On one side it may run along a line of printed text, whose letters break the dip up.
    const double before = LineCarriesOn(scan_gray, mm_to_px, to_mm(fa) - fu * 1.0, -fu, 16.0, dip, page_mm);
    if (before < 0.3) return false;
    const double after = LineCarriesOn(scan_gray, mm_to_px, to_mm(fb) + fu * 1.0, fu, 16.0, dip, page_mm);
    if (after < 0.3 || (std::min(before, after) < 0.55 && std::max(before, after) < 0.8)) return false;
    *line = fit;
    return true;
  };
  for (size_t i = 0; i < ends.size(); ++i)
    for (size_t j = i + 1; j < ends.size(); ++j)
      if (crosses(ends[i], ends[j])) return true;
  // Where the line leaves the patch through a word of option text, the loop sees the word, not
  // the line. Then the ink in the box itself says where to look: one straight stroke (at most
  // 0.8 mm thick) across most of the box, a crease hugging the box's border say, followed to
  // the loop both ways. A pen's slash is as thin, but it does not carry on across the page.
  double sx = 0, sy = 0, sxx = 0, syy = 0, sxy = 0;
  int count = 0;
  for (int y = static_cast<int>(centre.y - inner_half) + 1; y < centre.y + inner_half - 1; ++y)
    for (int x = static_cast<int>(centre.x - inner_half) + 1; x < centre.x + inner_half - 1; ++x)
      if (x >= 0 && y >= 0 && x < w && y < h && is_dark(x, y)) sx += x, sy += y, sxx += x * x, syy += y * y, sxy += x * y, ++count;
  if (count < 8) return false;
  const double mx = sx / count, my = sy / count;
  const double vxx = sxx / count - mx * mx, vyy = syy / count - my * my, vxy = sxy / count - mx * my;
  const double spread = std::sqrt(0.25 * (vxx - vyy) * (vxx - vyy) + vxy * vxy);
  const double along = 0.5 * (vxx + vyy) + spread, across = std::max(0.0, 0.5 * (vxx + vyy) - spread);
  if (std::sqrt(12.0 * along) < 1.2 * inner_half || std::sqrt(12.0 * across) > 0.8 * kPx) return false;
  const double angle = 0.5 * std::atan2(2 * vxy, vxx - vyy);
  const cv::Point2d u(std::cos(angle), std::sin(angle)), m(mx, my);
  // Out to the loop both ways.
  auto to_loop = [&](double sign) {
    cv::Point2d q = m;
    for (double t = 0; t < w + h; t += 1.0) {
      const cv::Point2d next = m + u * (sign * t);
      if (next.x < left || next.y < top || next.x > w - 1 - right || next.y > h - 1 - bottom) break;
      q = next;
    }
    return q;
  };
  return crosses(to_loop(-1.0), to_loop(1.0));
}

bool FindLineNear(const BoxPatch& p, const PageCalibration& cal, const CrossingLine& hint, CrossingLine* line) {
  const cv::Mat& g = p.smooth;
  const int w = g.cols, h = g.rows;
  const float range = std::max(cal.white - cal.black, 40.0f);
  const float thr = std::max(cal.grow * range, 8.0f);
  const cv::Point2d centre(p.x + 0.5 * p.w_px, p.y + 0.5 * p.h_px);
  const double inner_half = 0.5 * p.w_px - p.inset_px;
  const double reach = 0.5 * std::hypot(w, h);
  // The line's weakest dip under the paper 4 px either side of it, over four stretches of the
  // patch outside the box (the crease is the same all along; averaging a stretch sees a faint
  // one through grain that breaks it up pixel by pixel).
  const cv::Rect keep_out(p.x - 3, p.y - 3, p.w_px + 7, p.h_px + 7);
  auto weakest_dip = [&](cv::Point2d at, cv::Point2d u) {
    const cv::Point2d nrm(-u.y, u.x);
    std::array<double, 4> dip{}, n{};
    auto gray = [&](cv::Point2d q) { return static_cast<double>(g.at<uchar>(cvRound(q.y), cvRound(q.x))); };
    for (double t = -reach; t <= reach; t += 1.0) {
      const cv::Point2d c = at + u * t;
      if (c.x < 5 || c.y < 5 || c.x > w - 6 || c.y > h - 6 || keep_out.contains(cv::Point(cvRound(c.x), cvRound(c.y))))
        continue;
      const double core = std::min({gray(c), gray(c + nrm * 0.7), gray(c - nrm * 0.7)});
      const double flank = 0.5 * (gray(c + nrm * 4.0) + gray(c - nrm * 4.0));
      const int s = std::clamp(static_cast<int>((t + reach) / (2 * reach) * 4), 0, 3);
      dip[s] += flank - core, n[s] += 1;
    }
    double weakest = 1e9;
    int stretches = 0;
    for (int s = 0; s < 4; ++s)
      if (n[s] >= 6) weakest = std::min(weakest, dip[s] / n[s]), ++stretches;
    return stretches >= 3 ? weakest : 0.0;
  };
  const cv::Point2d hn(-hint.dir.y, hint.dir.x);
  const cv::Point2d base = hint.point + hint.dir * (centre - hint.point).dot(hint.dir);  // nearest the centre
  double best = 0;
  CrossingLine found;
  for (double deg = -1.0; deg <= 1.0; deg += 0.25) {
    const double a = deg * CV_PI / 180;
    const cv::Point2d u(hint.dir.x * std::cos(a) - hint.dir.y * std::sin(a), hint.dir.x * std::sin(a) + hint.dir.y * std::cos(a));
    for (double o = -12; o <= 12; o += 0.5) {
      const cv::Point2d at = base + hn * o;
      const cv::Point2d nrm(-u.y, u.x);
      if (std::abs((centre - at).dot(nrm)) > inner_half + 3) continue;  // misses the inner area
      const double dip = weakest_dip(at, u);
      if (dip > best) best = dip, found = {at, u};
    }
  }
  if (best < std::max(0.4f * thr, 5.0f)) return false;
  *line = RefineLine(p, found, thr);
  return true;
}

/// A line whose core is this many times darker than the paper went black (a bilevel scan).
constexpr float kSaturatedLine = 4.0f;
/// ...and a band of it this dark outside the box hides whatever lies under it.
constexpr float kBlindLine = 8.0f;

void DiscountLine(BoxPatch& p, const CrossingLine& line) {
  const int w = p.gray.cols, h = p.gray.rows;
  const cv::Point2d nrm(-line.dir.y, line.dir.x);
  const int reach = static_cast<int>(std::ceil(std::hypot(w, h)));
  // Gray across the line, two bins per px of distance, from the patch outside the box (and a
  // little around it): marks inside never count, the line and its shadow run through both sides.
  constexpr int kBinsPerPx = 2;
  const int reach_bins = reach * kBinsPerPx;
  std::vector<std::vector<uchar>> bins(2 * reach_bins + 1);
  const cv::Rect keep_out(p.x - 3, p.y - 3, p.w_px + 7, p.h_px + 7);
  std::vector<int> bin_of(static_cast<size_t>(w) * h);
  for (int y = 0; y < h; ++y)
    for (int x = 0; x < w; ++x) {
      const double d = (x - line.point.x) * nrm.x + (y - line.point.y) * nrm.y;
      const int b = std::clamp(static_cast<int>(std::lround(d * kBinsPerPx)) + reach_bins, 0, 2 * reach_bins);
      bin_of[static_cast<size_t>(y) * w + x] = b;
      if (!keep_out.contains({x, y})) bins[b].push_back(p.gray.at<uchar>(y, x));
    }
  std::vector<float> measured(bins.size(), 1.0f), factor(bins.size(), 1.0f);
  for (size_t b = 0; b < bins.size(); ++b) {
    auto& v = bins[b];
    if (v.size() < 8) continue;
    // A low quantile rather than the median: a bilevel scan keeps a light crease as dashes.
    auto q = v.begin() + v.size() / 4;
    std::nth_element(v.begin(), q, v.end());
    if (*q < p.white) measured[b] = p.white / std::max<float>(*q, 1.0f);
  }
  // The strongest correction of a bin and its neighbours: what is left of a line a fraction of a
  // pixel off its fit would otherwise be a thin dark seam. Half a pixel each side for a gray
  // line: wider, a fill or stroke beside the core would be lightened as if it were the core
  // (a crease through a fill left a light stripe that made it a mere heavy mark). Two pixels
  // for a line that went black (a bilevel crease's ragged edge).
  const float strongest = *std::max_element(measured.begin(), measured.end());
  const bool saturated = strongest >= kSaturatedLine;
  const size_t widen = saturated ? 2 * kBinsPerPx : 1;
  for (size_t b = 0; b < bins.size(); ++b)
    for (size_t k = b >= widen ? b - widen : 0; k <= std::min(b + widen, bins.size() - 1); ++k)
      factor[b] = std::max(factor[b], measured[k]);
  // Where the line went black outside the box (a bilevel scan turned a fold's shadow into a
  // band 1-2 mm wide; its factor reaches kBlindLine), nothing under it can be seen: the band is
  // paper. Dividing would leave it black (0 times any factor), a long dark stroke down the box.
  for (int y = 0; y < h; ++y) {
    uchar* row = p.gray.ptr<uchar>(y);
    for (int x = 0; x < w; ++x) {
      const int b = bin_of[static_cast<size_t>(y) * w + x];
      row[x] = factor[b] >= kBlindLine ? cv::saturate_cast<uchar>(p.white) : cv::saturate_cast<uchar>(row[x] * factor[b]);
    }
  }
  // What the division leaves of the line's core (a bilevel scan's staircase of one-pixel steps,
  // a crease wavering by a pixel): the band within 2.5 px of the line is paper wherever it is no
  // darker than the line itself is outside the box. A pen mark under it is darker and stays.
  {
    const double half = 2.5;
    std::vector<float> residue;
    std::vector<cv::Point> band;
    for (int y = 0; y < h; ++y)
      for (int x = 0; x < w; ++x) {
        const double d = (x - line.point.x) * nrm.x + (y - line.point.y) * nrm.y;
        if (std::abs(d) > half) continue;
        band.push_back({x, y});
        if (!keep_out.contains({x, y})) residue.push_back(p.white - p.gray.at<uchar>(y, x));
      }
    if (residue.size() >= 16) {
      auto k = residue.begin() + static_cast<long>(0.9 * (residue.size() - 1));
      std::nth_element(residue.begin(), k, residue.end());
      float limit = *k + 0.08f * p.white;
      // Print along the line outside the box (a row of option text) must not raise the limit
      // over what the line does to paper: a fill or a stroke under a gray crease is darker
      // than that and stays. A line that went black (bilevel) has no gray left to tell by.
      if (strongest < kSaturatedLine)
        limit = std::min(limit, 0.5f * (p.white - p.white / strongest) + 0.08f * p.white);
      for (const cv::Point& q : band)
        if (p.white - p.gray.at<uchar>(q) <= limit) p.gray.at<uchar>(q) = cv::saturate_cast<uchar>(p.white);
    }
  }
  p.levelled = true;
  const bool smoothed = p.smooth.data != p.gray.data;
  if (smoothed)
    cv::blur(p.gray, p.smooth, cv::Size(3, 3), cv::Point(-1, -1), cv::BORDER_REPLICATE);
  InnerStats(p);
}

/// Stains: what darkens the paper evenly over areas wider than this, mm: pen strokes, print and
/// open hatching cover less than half of a square this wide. A fill is wider, but stops at the
/// box.
constexpr double kStainStrokeMm = 1.6;
/// Darkness of a stain, as a share of the page's paper-to-print range: from kStainLow (under
/// it nothing reads as ink) to kStainHigh (darker is ink or print: a coffee stain darkens paper
/// by 10-30%, a fold's broad shadow by up to half).
constexpr float kStainLow = 0.04f;
constexpr float kStainHigh = 0.55f;
/// ...and a stain is at least this dark over half of it outside the box: lighting that varies
/// across the patch, or a light pencil dot wide enough to outlast the median, is not a stain.
constexpr float kStainMin = 0.08f;
/// A blot went black where it is this dark (a bilevel scan's black, a stain's core gone solid).
constexpr float kBlotDark = 0.7f;
/// A stain covers at least this share of the patch outside the box away from print and strokes...
constexpr float kStainOutside = 0.1f;
/// ...and reaches into the box over at least this share of its inner area.
constexpr float kStainInside = 0.03f;

/// A stain's paper is even: on average over kStainEvenMm, the patch strays from its level (the
/// median) by less than kStainUneven of the range. Around strokes, shading and hatching it
/// strays far more.
constexpr double kStainEvenMm = 1.0;
constexpr float kStainUneven = 0.03f;
/// Even stained paper around the box enough to say how dark the stain is there, px.
constexpr size_t kStainRingPx = 32;
/// Print and ink are this dark (the range's share); the paper within kStainNearPrintMm of them
/// does not tell a stain.
constexpr float kPrintDark = 0.5f;
constexpr double kStainNearPrintMm = 1.0;
/// A blot hides the box when this share of the patch outside it is black (kBlotDark) over
/// kStainStrokeMm, the blot reaches into the box and out to the patch's edge: no mark, not even
/// a cancellation's spill, is that wide.
constexpr float kBlotOutside = 0.25f;

namespace {

/// The box and its outline, 0.5 mm out: what lies inside may be marks, not paper.
cv::Rect BoxWithOutline(const BoxPatch& p) { return cv::Rect(p.x - 4, p.y - 4, p.w_px + 9, p.h_px + 9); }

/// Histogram of the smoothed patch outside `box`; returns the pixels counted.
int HistogramOutside(const BoxPatch& p, const cv::Rect& box, std::array<int, 256>& hist) {
  const cv::Rect b = box & cv::Rect(0, 0, p.smooth.cols, p.smooth.rows);
  int outside = 0;
  auto count = [&](const uchar* row, int x0, int x1) {
    for (int x = x0; x < x1; ++x) ++hist[row[x]];
    outside += std::max(0, x1 - x0);
  };
  for (int y = 0; y < p.smooth.rows; ++y) {
    const uchar* row = p.smooth.ptr<uchar>(y);
    if (y < b.y || y >= b.y + b.height) {
      count(row, 0, p.smooth.cols);
    } else {
      count(row, 0, b.x);
      count(row, b.x + b.width, p.smooth.cols);
    }
  }
  return outside;
}

/// The paper's own level under strokes, print and open hatching: the median over
/// kStainStrokeMm, which keeps a stain's soft edge and tide line. Taken at half the patch's
/// resolution and brought back: a stain is broad, and at full resolution the median cost 4% of
/// the checkbox bench's throughput.
cv::Mat PaperLevel(const cv::Mat& gray) {
  cv::Mat half, paper;
  cv::resize(gray, half, cv::Size(), 0.5, 0.5, cv::INTER_AREA);
  cv::medianBlur(half, half, static_cast<int>(std::lround(kStainStrokeMm * kPx / 2)) | 1);
  cv::resize(half, paper, gray.size(), 0, 0, cv::INTER_LINEAR);
  return paper;
}

/// Whether the component `i` of `stats` reaches the edge of a `w` x `h` image.
bool TouchesEdge(const cv::Mat& stats, int i, int w, int h) {
  const int x = stats.at<int>(i, cv::CC_STAT_LEFT), y = stats.at<int>(i, cv::CC_STAT_TOP);
  return x == 0 || y == 0 || x + stats.at<int>(i, cv::CC_STAT_WIDTH) == w ||
         y + stats.at<int>(i, cv::CC_STAT_HEIGHT) == h;
}

/// BlotOverBox, given the histogram of the patch outside `box` (BoxWithOutline) and its count.
bool BlotOverBox(const BoxPatch& p, const PageCalibration& cal, const cv::Rect& box, const std::array<int, 256>& hist,
                 int outside) {
  const float range = std::max(cal.white - cal.black, 40.0f);
  const float black = cal.white - kBlotDark * range;
  int dark = 0;
  for (int g = 0; g < 256 && g < black; ++g) dark += hist[g];
  if (outside == 0 || dark < kBlotOutside * outside) return false;
  const int w = p.gray.cols, h = p.gray.rows;
  const cv::Mat blot = PaperLevel(p.gray) < black;
  cv::Mat labels, stats, centroids;
  const int n = cv::connectedComponentsWithStats(blot, labels, stats, centroids, 8, CV_32S);
  std::vector<int> out_px(n, 0), in_px(n, 0);
  const cv::Rect inner = InnerRect(p);
  for (int y = 0; y < h; ++y) {
    const int* l = labels.ptr<int>(y);
    for (int x = 0; x < w; ++x) {
      if (l[x] == 0) continue;
      if (!box.contains({x, y}))
        ++out_px[l[x]];
      else if (inner.contains({x, y}))
        ++in_px[l[x]];
    }
  }
  for (int i = 1; i < n; ++i)
    if (TouchesEdge(stats, i, w, h) && out_px[i] >= kBlotOutside * outside && in_px[i] > 0) return true;
  return false;
}

}  // namespace

bool BlotOverBox(const BoxPatch& p, const PageCalibration& cal) {
  const cv::Rect box = BoxWithOutline(p);
  std::array<int, 256> hist{};
  const int outside = HistogramOutside(p, box, hist);
  return BlotOverBox(p, cal, box, hist, outside);
}

Stain DiscountStain(BoxPatch& p, const PageCalibration& cal) {
  const cv::Rect box = BoxWithOutline(p);
  std::array<int, 256> hist{};
  const int outside = HistogramOutside(p, box, hist);
  if (BlotOverBox(p, cal, box, hist, outside)) return Stain::kHidden;
  const float range = std::max(cal.white - cal.black, 40.0f);
  const int w = p.gray.cols, h = p.gray.rows;
  const cv::Rect inner = InnerRect(p);
  if (outside == 0) return Stain::kNone;
  // The patch's paper: the lightest tenth outside the box, less what the grain adds to it. The
  // page's paper where a stain leaves some of the patch clear, the stain's own where it covers
  // all of it.
  int lightest = 255;
  for (int acc = 0; lightest > 0 && (acc += hist[lightest]) < outside / 10;) --lightest;
  const float grain = cal.noise * (cal.white - cal.black);
  const int bright = static_cast<int>(std::lround(lightest - 1.3f * grain));
  const float lo = bright - std::max(kStainLow * range, 3.0f * grain), hi = bright - kStainHigh * range;
  int stained = 0;
  for (int g = 0; g < 256; ++g) stained += g <= lo && g >= hi ? hist[g] : 0;
  const bool all_stained = bright < cal.white - kStainMin * range && bright >= cal.white - kStainHigh * range;
  if (stained < kStainOutside * outside && !all_stained) return Stain::kNone;
  const cv::Mat paper = PaperLevel(p.gray);
  // Print and ink, and kStainNearPrintMm around them: on a coarse scan the median of a box's
  // outline beside a rule is as dark as a stain there, so only paper farther out tells one.
  cv::Mat near_print = p.gray < bright - kPrintDark * range;
  const int reach = static_cast<int>(std::lround(kStainNearPrintMm * kPx));
  cv::dilate(near_print, near_print, cv::getStructuringElement(cv::MORPH_RECT, {2 * reach + 1, 2 * reach + 1}));
  int outside_clear = 0;  // outside the box and away from print
  for (int y = 0; y < h; ++y) {
    const uchar* np = near_print.ptr<uchar>(y);
    for (int x = 0; x < w; ++x) outside_clear += np[x] == 0 && !box.contains({x, y});
  }
  // Stained paper is even under its grain: where the patch strays far from its level, there
  // are strokes (shading, hatching spilled over the box, a mark's own strokes). Such paper does
  // not tell a stain, nor how dark it is.
  cv::Mat stray, even;
  cv::absdiff(p.smooth, paper, stray);
  const int e = static_cast<int>(std::lround(kStainEvenMm * kPx)) | 1;
  cv::blur(stray, even, cv::Size(e, e), {-1, -1}, cv::BORDER_REPLICATE);
  const float uneven = std::max(kStainUneven * range, 1.5f * grain);
  const cv::Mat textured = even >= uneven;
  // A stain over the whole patch: the box is read against the stain's paper.
  bool levelled = all_stained;
  // A stain's edge through the box: its darkness is divided out to the patch's paper, up to
  // what it reaches outside the box. A stain: an area at a stain's level that reaches the
  // patch's edge and covers kStainOutside of the patch outside the box (away from print and
  // strokes) and kStainInside of the box's inner area.
  struct Areas {
    cv::Mat labels, stats;
    std::vector<int> out_px, in_px;
  } stain;
  {
    cv::Mat centroids;
    const int n = cv::connectedComponentsWithStats((paper <= lo) & (paper >= hi), stain.labels, stain.stats,
                                                   centroids, 8, CV_32S);
    stain.out_px.assign(n, 0);
    stain.in_px.assign(n, 0);
    for (int y = 0; y < h; ++y) {
      const int* l = stain.labels.ptr<int>(y);
      const uchar* np = near_print.ptr<uchar>(y);
      const uchar* tx = textured.ptr<uchar>(y);
      for (int x = 0; x < w; ++x) {
        if (l[x] == 0) continue;
        if (!box.contains({x, y}))
          stain.out_px[l[x]] += np[x] == 0 && tx[x] == 0;
        else if (inner.contains({x, y}))
          ++stain.in_px[l[x]];
      }
    }
  }
  std::vector<float> floor_gray(stain.out_px.size(), -1.0f);  // per stain: the darkest it is taken out from
  {
    // How dark the stain is just around the box (within kRingFarPx of its outline), where it
    // is even paper (its darkest twentieth): inside the box it is taken out no further.
    const size_t n = stain.out_px.size();
    std::vector<std::vector<uchar>> out_gray(n), ring_gray(n);
    std::vector<char> large(n, 0);
    for (size_t i = 1; i < n; ++i)
      large[i] = TouchesEdge(stain.stats, static_cast<int>(i), w, h) && stain.out_px[i] >= kStainOutside * outside_clear &&
                 stain.in_px[i] >= kStainInside * inner.area();
    const cv::Rect ring(p.x - kRingFarPx, p.y - kRingFarPx, p.w_px + 2 * kRingFarPx + 1, p.h_px + 2 * kRingFarPx + 1);
    for (int y = 0; y < h; ++y) {
      const int* l = stain.labels.ptr<int>(y);
      const uchar* g = paper.ptr<uchar>(y);
      const uchar* np = near_print.ptr<uchar>(y);
      const uchar* tx = textured.ptr<uchar>(y);
      for (int x = 0; x < w; ++x) {
        if (!large[l[x]] || box.contains({x, y}) || np[x] != 0 || tx[x] != 0) continue;
        out_gray[l[x]].push_back(g[x]);
        if (ring.contains({x, y})) ring_gray[l[x]].push_back(g[x]);
      }
    }
    for (size_t i = 1; i < n; ++i) {
      auto& all = out_gray[i];
      if (all.empty()) continue;
      auto mid = all.begin() + static_cast<long>(all.size() / 2);
      std::nth_element(all.begin(), mid, all.end());
      if (*mid > bright - kStainMin * range) continue;
      auto& v = ring_gray[i].size() >= kStainRingPx ? ring_gray[i] : all;
      auto q = v.begin() + static_cast<long>(0.05 * (v.size() - 1));  // darkest 5%
      std::nth_element(v.begin(), q, v.end());
      floor_gray[i] = static_cast<float>(*q);
    }
  }
  if (std::any_of(floor_gray.begin(), floor_gray.end(), [](float f) { return f >= 0.0f; })) {
    for (int y = 0; y < h; ++y) {
      const int* l = stain.labels.ptr<int>(y);
      const uchar* g = paper.ptr<uchar>(y);
      uchar* row = p.gray.ptr<uchar>(y);
      for (int x = 0; x < w; ++x) {
        if (l[x] == 0 || floor_gray[l[x]] < 0.0f) continue;
        const float level = std::max(static_cast<float>(g[x]), floor_gray[l[x]]);
        row[x] = cv::saturate_cast<uchar>(row[x] * bright / std::max(level, 1.0f));
      }
    }
    p.white = MedianGray(p.gray);
    if (p.smooth.data != p.gray.data)
      cv::blur(p.gray, p.smooth, cv::Size(3, 3), cv::Point(-1, -1), cv::BORDER_REPLICATE);
    InnerStats(p);
    levelled = true;
  }
  if (levelled) p.levelled = true;
  return levelled ? Stain::kLevelled : Stain::kNone;
}

BoxDecision DecideBox(const BoxMeasurement& m, const PageCalibration& cal, bool located) {
  // Mass boundary (mm^2 of solid-black ink in the largest component, blur skirt included):
  // a dust speck of 0.35 mm is ~0.15, a 1 mm pen dot ~0.8, a pen tick 1+. Logistic in log
  // mass: p = 0.5 at kMarkMidMm2, p ~ 0.97 at 1.75x it. A pen touch of 0.5 mm (~0.3) is left
  // to a person.
  constexpr float kMarkMidMm2 = 0.30f;
  constexpr float kMarkSlope = 6.0f;
  // Length boundary: dust and JPEG blotches stay under ~0.7 mm, the shortest deliberate
  // stroke (a small tick in a corner, a slash) is 1.5 mm and more; p ~ 0.96 at 1.5 mm.
  constexpr float kStrokeMidMm = 1.1f;
  constexpr float kStrokeSlope = 8.0f;
  // Solid (cancel) boundary on the share of the inner area at least half as dark as its ink:
  // hatching covers well under 60%, a deliberate fill over 85%. A fill also covers every
  // ninth of the box, while a thick felt-pen cross or tick leaves whole ninths bare; a box
  // blacked out all over (solid > ~0.93) is a cancellation whatever its ninths say.
  constexpr float kCancelMid = 0.72f;
  constexpr float kCancelSlope = 30.0f;
  constexpr float kCellMid = 0.5f;
  constexpr float kCellSlope = 20.0f;
  constexpr float kBlackedOut = 0.93f;
  constexpr float kBlackSlope = 40.0f;
  constexpr float kSmudgeSharpness = 0.25f;
  // Share of directions inked around an empty box: print around a box reaches ~0.67 (a list's
  // next box below, the label beside, question text above), a loop drawn around it 0.7-1.
  // Print never put ink just outside three sides of a box on our forms; a loop does.
  constexpr float kCircleSure = 0.79f;
  constexpr float kCircleMaybe = 0.70f;
  // Length of a trail of dots read as a broken stroke (for review / for sure).
  constexpr float kTrailMm = 2.0f;
  constexpr float kTrailSureMm = 2.5f;
  // Ridge darkness (InkBlob::ridge) a deliberate stroke keeps and rubbed-out graphite or ink
  // showing through the paper does not reach (they stay at ~0.06-0.15 of print black), and its
  // least margin over the darkest point of an empty box on the same page: the darkest `length`
  // pixels of pure noise average below that point, residue plus noise only a little above it.
  constexpr float kFaintRidge = 0.17f;
  constexpr float kRidgeOverFloor = 0.11f;

  BoxDecision d;
  const float p_mass =
      m.mark_mm2 <= 0.0f ? 0.0f : Logistic(kMarkSlope * std::log(m.mark_mm2 / kMarkMidMm2));
  const float p_stroke =
      m.stroke_mm <= 0.0f ? 0.0f : Logistic(kStrokeSlope * (m.stroke_mm - kStrokeMidMm));
  const float p_mark = std::max(p_mass, p_stroke);
  const float p_cancel =
      std::max(Logistic(kBlackSlope * (m.solid - kBlackedOut)),
               std::min(Logistic(kCancelSlope * (m.solid - kCancelMid)),
                        Logistic(kCellSlope * (m.min_cell_solid - kCellMid))));
  // The ink that makes the box look marked is not clearly darker than the page's empty
  // boxes: show-through or an erased mark as often as a mark. Seen, but not for certain.
  // On a grainy page `clear` sits high above the paper (it must clear what noise does to one
  // pixel), while noise hardly moves the darkness averaged along a stroke's ridge: a light
  // pencil line whose ridge stands clearly above both the darkest point of the page's empty
  // boxes and what erased graphite or show-through leaves is ink, however noisy the scan.
  const bool by_stroke = p_stroke > p_mass;
  const float ridge_clear = std::max(kFaintRidge, cal.floor_peak + kRidgeOverFloor);
  const bool faint = (by_stroke ? m.stroke_peak : m.mark_peak) < cal.clear &&
                     (by_stroke ? m.stroke_ridge : m.mark_ridge) < ridge_clear;
  // A trail of dots: a light stroke that a bilevel scan (or a dry pen) broke up. Dust falls
  // as isolated specks; four or more dots strung along 2.5 mm are a stroke.
  // Only on pages whose empty boxes are clean (bilevel scans): where noise reaches the seed
  // level, a few specks strung together mean nothing.
  const bool clean_page = cal.floor_peak < 0.5f * cal.seed;
  const bool trail_sure = clean_page && m.cluster_fragments >= 4 && m.cluster_mm >= kTrailSureMm;
  if (p_cancel >= 0.5f) {
    d.state = BoxState::kCancelled;
    d.confidence = p_cancel;
    if (d.confidence < 0.9f) d.doubt = "box_nearly_filled";
  } else if (p_mark >= 0.5f) {
    d.state = BoxState::kMarked;
    d.confidence = std::min(p_mark, 1.0f - p_cancel);
    if (trail_sure) d.confidence = std::max(d.confidence, std::min(0.85f, 1.0f - p_cancel));
    if (1.0f - p_cancel < p_mark && d.confidence < 0.9f) {
      d.doubt = "heavy_mark";
    } else if (faint) {
      d.confidence = std::min(d.confidence, 0.6f);
      d.doubt = "faint_mark";
      d.light = true;
    } else if (d.confidence < 0.9f) {
      d.doubt = "faint_mark";
    }
  } else {
    d.state = BoxState::kEmpty;
    d.confidence = 1.0f - p_mark;
    if (d.confidence < 0.9f) d.doubt = "faint_ink";
    if (clean_page && m.cluster_fragments >= 3 && m.cluster_mm >= kTrailMm) {
      d.state = BoxState::kMarked;
      d.confidence = trail_sure ? 0.85f : 0.6f;
      d.doubt = trail_sure ? "" : "broken_faint_stroke";
    } else if (m.fragments >= 2 && m.cluster_mm >= 1.5f) {
      d.confidence = std::min(d.confidence, 0.6f);
      d.doubt = "scattered_ink";
    } else if ((m.circle_coverage >= kCircleSure && m.ring_sides >= 2) ||
        (m.circle_coverage >= kCircleSure - 0.13f && m.ring_sides >= 3)) {
      d.state = BoxState::kMarked;
      d.confidence = 0.95f;
      d.doubt.clear();
    } else if (m.circle_coverage >= kCircleMaybe || (m.circle_coverage >= 0.5f && m.ring_sides >= 3)) {
      // Ink around much of an empty box: probably a circle drawn around it.
      d.state = BoxState::kMarked;
      d.confidence = 0.6f;
      d.doubt = "circled_box";
    } else if (m.mark_mm2 > 0.5f * kMarkMidMm2 && m.ring_mm2 > 0.3f) {
      // Some ink inside and more just outside: possibly a mark written mostly beside the box.
      d.confidence = std::min(d.confidence, 0.6f);
      d.doubt = "mark_outside_box";
    }
  }
  // A faint component with gentle slopes is a smudge or eraser residue more often than a
  // pencil stroke (which has steep flanks even when light): a person decides.
  if (m.mark_mm2 > 0.5f * kMarkMidMm2 && m.mark_peak < 0.45f && m.mark_sharpness < kSmudgeSharpness &&
      d.state != BoxState::kCancelled && m.solid < 0.5f) {
    d.confidence = std::min(d.confidence, 0.6f);
    d.doubt = "faint_smudge";
  }
  if (!located) {
    d.confidence = std::min(d.confidence, 0.7f);
    d.outline_missing = true;
  }
  return d;
}

}  // namespace phieu::recognition
