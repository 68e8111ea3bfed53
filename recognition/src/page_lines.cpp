// Copyright 2026 The Phiếu Authors
// SPDX-License-Identifier: Apache-2.0
#include "page_lines.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <vector>

#include <opencv2/imgproc.hpp>

#include "patch_warp.h"

namespace phieu::recognition {
namespace {

constexpr double kPx = kPatchPxPerMm;
/// A line meets the context patch's border in a short run (3 mm at 15 degrees to it).
constexpr size_t kMaxRunPx = 24;
/// More places than this where dark things cross the border: a page of print around the field,
/// nothing to pair up in reasonable time.
constexpr size_t kMaxEnds = 160;
/// Share of the line's way across the paper around the field that must be dark.
constexpr double kOnLine = 0.85;
/// How far the profile across a line reaches (a fold's shadow fades over 1-4 mm).
constexpr int kReachPx = 48;
/// Profile bins per px: half-pixel bins, so the correction follows the line's own shape and
/// needs widening by only half a pixel each side for a fit a fraction of a pixel off.
constexpr int kBinsPerPx = 2;
constexpr int kReachBins = kReachPx * kBinsPerPx;
/// Within this distance of the line (px at kPx) what the division leaves of its core is paper.
constexpr double kCoreBandPx = 2.5;
constexpr int kMaxLines = 3;
/// A line whose core is this many times darker than the paper has no gray left to divide out
/// (a bilevel scan, or a crease dark as ink): ink under it is bridged from both sides instead.
constexpr float kSaturatedFactor = 4.0f;

/// Context patch around a field: gray, smoothed, the rectangle kept out of every measurement
/// (the field and kFieldLineClearMm around it), and the local paper.
struct Context {
  core::RectMm rect_mm;
  cv::Mat gray, smooth;
  cv::Rect keep_out;
  float white = 255.0f;
  cv::Point2d ToMm(cv::Point2d q) const {
    return {rect_mm.x + (q.x + 0.5) / kPx, rect_mm.y + (q.y + 0.5) / kPx};
  }
};

float RingMedian(const Context& c) {
  std::array<int, 256> hist{};
  int n = 0;
  for (int y = 0; y < c.smooth.rows; ++y) {
    const uchar* row = c.smooth.ptr<uchar>(y);
    for (int x = 0; x < c.smooth.cols; ++x)
      if (!c.keep_out.contains({x, y})) ++hist[row[x]], ++n;
  }
  for (int v = 0, seen = 0; v < 256; ++v)
    if ((seen += hist[v]) * 2 >= n) return static_cast<float>(v);
  return 255.0f;
}

/// Where dark things cross a loop 2 px inside the patch border: the centres of short dark runs.
std::vector<cv::Point2d> BorderEnds(const Context& c, float thr) {
  const cv::Mat& g = c.smooth;
  const int w = g.cols, h = g.rows;
  std::vector<cv::Point> loop;
  for (int x = 2; x < w - 2; ++x) loop.push_back({x, 2});
  for (int y = 3; y < h - 2; ++y) loop.push_back({w - 3, y});
  for (int x = w - 4; x >= 2; --x) loop.push_back({x, h - 3});
  for (int y = h - 4; y > 2; --y) loop.push_back({2, y});
  const size_t n = loop.size();
  std::vector<char> dark(n);
  for (size_t i = 0; i < n; ++i) dark[i] = c.white - g.at<uchar>(loop[i]) > thr;
  std::vector<cv::Point2d> ends;
  for (const std::vector<cv::Point>& run : DarkRuns(loop, dark)) {
    if (run.size() > kMaxRunPx) continue;
    cv::Point2d sum(0, 0);
    for (const cv::Point& q : run) sum += cv::Point2d(q);
    ends.push_back(sum / static_cast<double>(run.size()));
  }
  return ends;
}

/// True when the straight line through a and b passes through `r` (px).
bool LineMeets(cv::Point2d a, cv::Point2d b, const cv::Rect& r) {
  const cv::Point2d d = b - a;
  const cv::Point2d n(-d.y, d.x);
  double lo = 1e18, hi = -1e18;
  for (const cv::Point2d q : {cv::Point2d(r.x, r.y), cv::Point2d(r.x + r.width, r.y), cv::Point2d(r.x, r.y + r.height),
                              cv::Point2d(r.x + r.width, r.y + r.height)}) {
    const double s = (q - a).dot(n);
    lo = std::min(lo, s), hi = std::max(hi, s);
  }
  return lo <= 0 && hi >= 0;
}

/// Dark (the darkest of three pixels across) along at least kOnLine of the way from a to b
/// outside the keep-out rectangle; gives up as soon as that can no longer be reached.
bool DarkAlong(const Context& c, cv::Point2d a, cv::Point2d b, float thr) {
  const cv::Mat& g = c.smooth;
  const double len = std::hypot(b.x - a.x, b.y - a.y);
  const cv::Point2d u = (b - a) / len, nrm(-u.y, u.x);
  std::vector<char> on;
  on.reserve(static_cast<size_t>(len) + 1);
  int total = 0;
  for (double t = 0; t <= len; t += 1.0) total += !c.keep_out.contains(cv::Point(cvRound(a.x + u.x * t), cvRound(a.y + u.y * t)));
  const int allowed = static_cast<int>((1.0 - kOnLine) * total);
  int missed = 0;
  for (double t = 0; t <= len; t += 1.0) {
    const cv::Point p(cvRound(a.x + u.x * t), cvRound(a.y + u.y * t));
    if (c.keep_out.contains(p)) continue;
    float darkest = 0;
    for (int k = -1; k <= 1; ++k) {
      const cv::Point q(cvRound(a.x + u.x * t + nrm.x * k), cvRound(a.y + u.y * t + nrm.y * k));
      if (q.x >= 0 && q.y >= 0 && q.x < g.cols && q.y < g.rows) darkest = std::max(darkest, c.white - g.at<uchar>(q));
    }
    if (darkest <= thr && ++missed > allowed) return false;
  }
  return total > 0;
}

/// The line through the darkness-weighted centre of the dark pixels within 4 px of the line
/// through a and b, outside the field (least squares over the positions along it).
void RefineLine(const Context& c, cv::Point2d a, cv::Point2d b, float thr, cv::Point2d* point, cv::Point2d* dir) {
  const cv::Mat& g = c.smooth;
  const double len = std::hypot(b.x - a.x, b.y - a.y);
  const cv::Point2d u = (b - a) / len, nrm(-u.y, u.x);
  *point = a, *dir = u;
  double st = 0, so = 0, stt = 0, sto = 0, sw = 0;
  for (double t = 0; t <= len; t += 1.0) {
    double wsum = 0, osum = 0;
    for (int k = -4; k <= 4; ++k) {
      const cv::Point q(cvRound(a.x + u.x * t + nrm.x * k), cvRound(a.y + u.y * t + nrm.y * k));
      if (q.x < 0 || q.y < 0 || q.x >= g.cols || q.y >= g.rows || c.keep_out.contains(q)) continue;
      const float d = c.white - g.at<uchar>(q) - 0.5f * thr;
      if (d > 0) wsum += d, osum += d * k;
    }
    if (wsum <= 0) continue;
    const double o = osum / wsum;
    st += t, so += o, stt += t * t, sto += t * o, sw += 1;
  }
  if (sw < 10) return;
  const double det = sw * stt - st * st;
  if (std::abs(det) < 1e-9) return;
  const double beta = (sw * sto - st * so) / det, alpha = (so - beta * st) / sw;
  *point = a + nrm * alpha;
  const cv::Point2d d = u + nrm * beta;
  *dir = d / std::hypot(d.x, d.y);
}

/// The line's darkness profile across it, from the context patch outside the field, and what
/// dividing it out leaves of the core. `point`/`dir` in context px.
FieldLine Profile(const Context& c, cv::Point2d point, cv::Point2d dir) {
  FieldLine out;
  out.point_mm = c.ToMm(point);
  out.dir = dir;
  out.reach = kReachBins;
  out.bins_per_px = kBinsPerPx;
  out.white = c.white;
  const cv::Point2d nrm(-dir.y, dir.x);
  std::vector<std::vector<uchar>> bins(2 * kReachBins + 1);
  for (int y = 0; y < c.gray.rows; ++y) {
    const uchar* row = c.gray.ptr<uchar>(y);
    for (int x = 0; x < c.gray.cols; ++x) {
      if (c.keep_out.contains({x, y})) continue;
      const long b = std::lround(((x - point.x) * nrm.x + (y - point.y) * nrm.y) * kBinsPerPx) + kReachBins;
      if (b >= 0 && b <= 2 * kReachBins) bins[b].push_back(row[x]);
    }
  }
  std::vector<float> measured(bins.size(), 1.0f);
  for (size_t b = 0; b < bins.size(); ++b) {
    auto& v = bins[b];
    if (v.size() < 8) continue;
    // A low quantile rather than the median: a bilevel scan keeps a light crease as dashes.
    auto q = v.begin() + v.size() / 4;
    std::nth_element(v.begin(), q, v.end());
    if (*q < c.white) measured[b] = c.white / std::max<float>(*q, 1.0f);
  }
  // The strongest correction of a bin and its neighbour each side (half a pixel): a line a
  // fraction of a pixel off its fit would otherwise leave a thin dark seam. Wider, it would
  // lighten a rule or a stroke beside the line's core as if it were the core.
  out.factor.assign(bins.size(), 1.0f);
  for (size_t b = 0; b < bins.size(); ++b)
    for (size_t k = b >= 1 ? b - 1 : 0; k <= std::min(b + 1, bins.size() - 1); ++k)
      out.factor[b] = std::max(out.factor[b], measured[k]);
  // The core band: the bins the line darkens by more than a tenth (a bilevel scan turns a
  // dark crease and its shadow into a black band up to 1 mm wide), a pixel more for its ragged
  // edge, and never less than kCoreBandPx.
  double band = kCoreBandPx;
  for (int b = 0; b <= 2 * kReachBins; ++b)
    if (measured[b] > 1.1f) band = std::max(band, std::abs(b - kReachBins) / double(kBinsPerPx) + 1.5);
  out.band_px = std::min(band, 10.0);
  out.saturated = *std::max_element(measured.begin(), measured.end()) >= kSaturatedFactor;
  // What the division leaves of the core on the paper around the field.
  std::vector<float> residue;
  for (int y = 0; y < c.gray.rows; ++y)
    for (int x = 0; x < c.gray.cols; ++x) {
      if (c.keep_out.contains({x, y})) continue;
      const double d = (x - point.x) * nrm.x + (y - point.y) * nrm.y;
      if (std::abs(d) > out.band_px) continue;
      const float f = out.factor[std::lround(d * kBinsPerPx) + kReachBins];
      residue.push_back(c.white - std::min(255.0f, c.gray.at<uchar>(y, x) * f));
    }
  if (residue.size() >= 16) {
    auto k = residue.begin() + static_cast<long>(0.9 * (residue.size() - 1));
    std::nth_element(residue.begin(), k, residue.end());
    out.residue = std::max(0.0f, *k) + 0.08f * c.white;
  }
  return out;
}

bool SameLine(const FieldLine& a, cv::Point2d point_mm, cv::Point2d dir) {
  const cv::Point2d nrm(-a.dir.y, a.dir.x);
  return std::abs(a.dir.dot(dir)) > std::cos(3.0 * CV_PI / 180) && std::abs((point_mm - a.point_mm).dot(nrm)) < 0.6;
}

}  // namespace

std::vector<FieldLine> FindFieldLines(const cv::Mat& scan_gray, const cv::Matx33d& mm_to_px,
                                      const core::RectMm& field_mm, cv::Size2d page_mm,
                                      const PageCalibration& cal) {
  std::vector<FieldLine> lines;
  if (field_mm.w <= 0 || field_mm.h <= 0) return lines;
  Context c;
  c.rect_mm = field_mm.Grown(kFieldLineRingMm);
  c.gray = WarpPatch(scan_gray, mm_to_px, c.rect_mm, kPx);
  cv::blur(c.gray, c.smooth, cv::Size(3, 3), cv::Point(-1, -1), cv::BORDER_REPLICATE);
  const int ring = static_cast<int>(std::lround((kFieldLineRingMm - kFieldLineClearMm) * kPx));
  c.keep_out = cv::Rect(ring, ring, c.gray.cols - 2 * ring, c.gray.rows - 2 * ring);
  const cv::Rect field(static_cast<int>(kFieldLineRingMm * kPx), static_cast<int>(kFieldLineRingMm * kPx),
                       static_cast<int>(field_mm.w * kPx), static_cast<int>(field_mm.h * kPx));
  c.white = RingMedian(c);
  const float range = std::max(cal.white - cal.black, 40.0f);
  const float thr = std::max(cal.grow * range, 8.0f);
  const std::vector<cv::Point2d> ends = BorderEnds(c, thr);
  if (ends.size() < 2 || ends.size() > kMaxEnds) return lines;
  const double min_len = 2.0 * ring;
  const float dip = std::max(0.5f * thr, 7.0f);
  for (size_t i = 0; i < ends.size() && lines.size() < kMaxLines; ++i)
    for (size_t j = i + 1; j < ends.size() && lines.size() < kMaxLines; ++j) {
      const cv::Point2d a = ends[i], b = ends[j];
      if (std::hypot(b.x - a.x, b.y - a.y) < min_len || !LineMeets(a, b, field)) continue;
      if (!DarkAlong(c, a, b, thr)) continue;
      cv::Point2d point, dir;
      RefineLine(c, a, b, thr, &point, &dir);
      if (std::any_of(lines.begin(), lines.end(), [&](const FieldLine& l) { return SameLine(l, c.ToMm(point), dir); }))
        continue;
      // Carries on along the page beyond the context patch on both sides (1-17 mm beyond it).
      const cv::Point2d fa = point + dir * (a - point).dot(dir), fb = point + dir * (b - point).dot(dir);
      const cv::Point2d fu = (fb - fa).dot(dir) >= 0 ? dir : -dir;
      const double before = LineCarriesOn(scan_gray, mm_to_px, c.ToMm(fa) - fu * 1.0, -fu, 16.0, dip, page_mm);
      if (before < 0.3) continue;
      const double after = LineCarriesOn(scan_gray, mm_to_px, c.ToMm(fb) + fu * 1.0, fu, 16.0, dip, page_mm);
      if (after < 0.3 || (std::min(before, after) < 0.55 && std::max(before, after) < 0.8)) continue;
      lines.push_back(Profile(c, point, dir));
    }
  return lines;
}

void DiscountFieldLines(cv::Mat& crop, const core::RectMm& crop_mm, double px_per_mm,
                        const std::vector<FieldLine>& lines) {
  const double scale = px_per_mm / kPx;  // crop px per context px
  for (const FieldLine& l : lines) {
    const cv::Mat before = crop.clone();
    const cv::Point2d nrm(-l.dir.y, l.dir.x);
    const float ink = 0.2f * l.white;
    // A stroke crossing the line through `p` (at `d` px from it): ink just beyond the core band
    // on both sides, on a straight path through p (a stroke may cross the line slanted).
    auto dark_at = [&](cv::Point2d q) {
      const int x = cvRound(q.x), y = cvRound(q.y);
      return x >= 0 && y >= 0 && x < before.cols && y < before.rows && l.white - before.at<uchar>(y, x) > ink;
    };
    auto bridged = [&](cv::Point2d p, double d) {
      const double out = (l.band_px + 1.5 - d) * scale, in = (l.band_px + 1.5 + d) * scale;
      for (int k = -3; k <= 3; ++k) {
        const double along_out = k * scale, along_in = -k * scale * in / out;
        if (dark_at(p + nrm * out + l.dir * along_out) && dark_at(p - nrm * in + l.dir * along_in)) return true;
      }
      return false;
    };
    for (int y = 0; y < crop.rows; ++y) {
      uchar* row = crop.ptr<uchar>(y);
      const uchar* src = before.ptr<uchar>(y);
      const double my = crop_mm.y + (y + 0.5) / px_per_mm - l.point_mm.y;
      for (int x = 0; x < crop.cols; ++x) {
        const double mx = crop_mm.x + (x + 0.5) / px_per_mm - l.point_mm.x;
        const double d = (mx * nrm.x + my * nrm.y) * kPx;  // px at kPx
        const long b = std::lround(d * l.bins_per_px) + l.reach;
        if (b < 0 || b >= static_cast<long>(l.factor.size())) continue;
        float v = std::min(255.0f, src[x] * l.factor[b]);
        if (std::abs(d) <= l.band_px && l.saturated) {
          // Black line: nothing under it can be told from it by its gray. Paper, unless a
          // stroke crosses it here.
          v = bridged({static_cast<double>(x), static_cast<double>(y)}, d) ? src[x] : l.white;
        } else if (std::abs(d) <= l.band_px && l.white - v <= l.residue) {
          v = std::max(v, l.white);
        }
        row[x] = cv::saturate_cast<uchar>(v);
      }
    }
  }
}

}  // namespace phieu::recognition
