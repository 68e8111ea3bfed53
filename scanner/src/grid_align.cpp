// Copyright 2026 The Phiếu Authors
// SPDX-License-Identifier: Apache-2.0
// A page named by hand (its QR anchors lost) aligned from its printed box grid, or from four
// points a person clicked and then the grid. The layout the survey froze at registration says
// where every tick box and digit cell was printed; the scan says where squares are. Matching
// the two needs no anchor.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <opencv2/calib3d.hpp>
#include <opencv2/imgproc.hpp>

#include "page_fit.h"
#include "scanner/scanner.h"

namespace phieu::scanner {
namespace {

// Translation peaks refined per scale and orientation: the true one and its neighbours a row or
// a column off (a scale grid votes for those nearly as strongly).
constexpr size_t kTranslationsTried = 6;
// Matched boxes from which the final fit is a full homography (perspective) rather than the
// similarity that sorted them out.
constexpr size_t kMinPairsForPerspective = 20;
// Two fits in different places whose matched boxes differ by at most this many are a tie.
constexpr int kAmbiguityMargin = 1;

/// A printed box or digit cell: centre and sides in mm (short side first).
struct Printed {
  cv::Point2d centre;
  double short_mm = 0, long_mm = 0;
};

/// A closed square-ish outline found in the scan, px (short side first, angle in [0, 90)).
struct Found {
  cv::Point2d centre;
  double short_px = 0, long_px = 0;
  double angle_deg = 0;
};

/// A page-mm -> scan-px fit with the printed squares it matched.
struct GridFit {
  cv::Matx33d h = cv::Matx33d::eye();
  int matched = 0;
  double rms_px = 0;
  core::RectMm extent_mm;  ///< the matched printed squares' extent.
};

std::vector<Printed> PrintedSquares(const templates::Layout& layout, int page) {
  std::vector<Printed> out;
  auto add = [&](const core::RectMm& r) {
    if (r.empty()) return;
    out.push_back({{r.x + r.w / 2, r.y + r.h / 2}, std::min(r.w, r.h), std::max(r.w, r.h)});
  };
  for (const auto& f : layout.fields) {
    if (f.page != page) continue;
    for (const auto& o : f.options) add(o.box_mm);
    for (const auto& c : f.cells_mm) add(c);
  }
  return out;
}

/// Closed outlines with the proportions of a box or a digit cell (at most 1:1.6). A printed box
/// gives two (the stroke's outer and inner edge); they are merged into one. A tick that crosses
/// the stroke opens the outline and loses that box, which the RANSAC fit can spare.
std::vector<Found> FindSquares(const cv::Mat& gray) {
  // Ink against a local mean: paper shading and a scanner's uneven light do not matter. The
  // window is ~2.5 mm at 300 dpi, several stroke widths.
  const int block = std::max(15, std::min(gray.cols, gray.rows) / 80) | 1;
  cv::Mat ink;
  cv::adaptiveThreshold(gray, ink, 255, cv::ADAPTIVE_THRESH_MEAN_C, cv::THRESH_BINARY_INV, block, 20);
  std::vector<std::vector<cv::Point>> contours;
  cv::findContours(ink, contours, cv::RETR_LIST, cv::CHAIN_APPROX_SIMPLE);
  const double max_side = std::max(gray.cols, gray.rows) / 8.0;
  std::vector<Found> raw;
  for (const auto& c : contours) {
    if (c.size() < 4) continue;
    const cv::RotatedRect r = cv::minAreaRect(c);
    const double s = std::min(r.size.width, r.size.height), l = std::max(r.size.width, r.size.height);
    if (s < 4 || l > max_side || l > 1.6 * s) continue;
    // A square outline fills its rectangle; round letters (o, ô: ~0.79) and ticks do not.
    if (std::abs(cv::contourArea(c)) < 0.85 * s * l) continue;
    double angle = r.size.width < r.size.height ? r.angle + 90.0 : r.angle;  // long side's angle
    angle = std::fmod(std::fmod(angle, 90.0) + 90.0, 90.0);
    raw.push_back({cv::Point2d(r.center), s, l, angle});
  }
  std::sort(raw.begin(), raw.end(), [](const Found& a, const Found& b) { return a.centre.x < b.centre.x; });
  std::vector<Found> out;
  std::vector<bool> used(raw.size(), false);
  for (size_t i = 0; i < raw.size(); ++i) {
    if (used[i]) continue;
    Found sum = raw[i];
    int n = 1;
    for (size_t j = i + 1; j < raw.size() && raw[j].centre.x - raw[i].centre.x < 0.3 * raw[i].short_px; ++j) {
      if (used[j] || cv::norm(raw[j].centre - raw[i].centre) > 0.3 * raw[i].short_px ||
          std::abs(raw[j].short_px - raw[i].short_px) > 0.4 * raw[i].short_px)
        continue;
      used[j] = true;
      sum.centre += raw[j].centre, sum.short_px += raw[j].short_px, sum.long_px += raw[j].long_px;
      ++n;
    }
    sum.centre /= n, sum.short_px /= n, sum.long_px /= n;
    out.push_back(sum);
  }
  return out;
}

bool SizeFits(const Found& f, const Printed& p, double px_per_mm, double tolerance) {
  return std::abs(f.short_px / px_per_mm - p.short_mm) <= tolerance * p.short_mm &&
         std::abs(f.long_px / px_per_mm - p.long_mm) <= tolerance * p.long_mm;
}

/// Scales (px/mm) the found squares suggest: the densest windows of found/printed side ratios,
/// best first, at most `n`; plus the file's dpi when it has one.
std::vector<double> CandidateScales(const std::vector<Found>& found, const std::vector<Printed>& printed,
                                    double dpi, int n) {
  std::vector<double> sizes;
  for (const auto& p : printed) {
    const double s = std::round(p.short_mm * 10) / 10;
    if (std::find(sizes.begin(), sizes.end(), s) == sizes.end()) sizes.push_back(s);
  }
  std::vector<double> logs;
  for (const auto& f : found)
    for (double s : sizes) {
      const double r = f.short_px / s;
      if (r >= kMinPxPerMm && r <= kMaxPxPerMm) logs.push_back(std::log(r));
    }
  std::sort(logs.begin(), logs.end());
  std::vector<double> out;
  if (dpi > 0) out.push_back(dpi / core::kMmPerInch);
  std::vector<bool> taken(logs.size(), false);
  const double window = std::log(1.06);
  for (int k = 0; k < n; ++k) {
    size_t best_lo = 0, best_hi = 0;
    for (size_t lo = 0, hi = 0; lo < logs.size(); ++lo) {
      if (taken[lo]) continue;
      hi = std::max(hi, lo);
      while (hi < logs.size() && logs[hi] - logs[lo] <= 2 * window && !taken[hi]) ++hi;
      if (hi - lo > best_hi - best_lo) best_lo = lo, best_hi = hi;
    }
    if (best_hi - best_lo < 3) break;
    const double scale = std::exp(logs[(best_lo + best_hi) / 2]);
    for (size_t i = best_lo; i < best_hi; ++i) taken[i] = true;
    if (std::none_of(out.begin(), out.end(), [&](double o) { return std::abs(o / scale - 1) < 0.1; }))
      out.push_back(scale);
  }
  return out;
}

/// The skew of the page: circular mean of the found squares' angles modulo 90 degrees.
double DominantAngleDeg(const std::vector<Found>& found) {
  double sx = 0, sy = 0;
  for (const auto& f : found) {
    const double a = f.angle_deg * 4 * CV_PI / 180.0;
    sx += std::cos(a), sy += std::sin(a);
  }
  return std::atan2(sy, sx) * 180.0 / CV_PI / 4.0;
}

/// Pairs each printed square with the nearest found square of its size within `radius_mm` of
/// where `h` puts it (each found square used once), then fits a homography on the pairs with
/// RANSAC and keeps the inliers.
std::optional<GridFit> MatchAndFit(const cv::Matx33d& h, const std::vector<Printed>& printed,
                                   const std::vector<Found>& found, double radius_mm) {
  std::vector<cv::Point2d> src, dst;
  std::vector<const Printed*> which;
  std::vector<bool> used(found.size(), false);
  for (const auto& p : printed) {
    const cv::Point2d at = Apply(h, p.centre);
    const double scale = cv::norm(Apply(h, p.centre + cv::Point2d(1, 0)) - at);
    if (!(scale > 0)) continue;
    int best = -1;
    double best_d = radius_mm * scale;
    for (size_t i = 0; i < found.size(); ++i) {
      if (used[i] || !SizeFits(found[i], p, scale, 0.3)) continue;
      const double d = cv::norm(found[i].centre - at);
      if (d < best_d) best_d = d, best = static_cast<int>(i);
    }
    if (best < 0) continue;
    used[static_cast<size_t>(best)] = true;
    src.push_back(p.centre), dst.push_back(found[static_cast<size_t>(best)].centre), which.push_back(&p);
  }
  if (src.size() < 6) return std::nullopt;
  const double scale = cv::norm(Apply(h, {1, 0}) - Apply(h, {0, 0}));
  // The pairs are sorted out with a similarity (a scan is the page turned, scaled and shifted):
  // a homography has the freedom to bend a few rows of boxes onto the wrong ones. The kept
  // pairs then get the full homography when they are many (a photo's perspective), else the
  // similarity stays.
  std::vector<unsigned char> inlier;
  cv::Mat similarity;
  try {
    similarity = cv::estimateAffinePartial2D(src, dst, inlier, cv::RANSAC, std::max(1.0, 0.4 * scale), 2000, 0.999);
  } catch (const cv::Exception&) {
    return std::nullopt;
  }
  if (similarity.empty()) return std::nullopt;
  GridFit fit;
  fit.h = cv::Matx33d(similarity.at<double>(0, 0), similarity.at<double>(0, 1), similarity.at<double>(0, 2),
                      similarity.at<double>(1, 0), similarity.at<double>(1, 1), similarity.at<double>(1, 2), 0, 0, 1);
  std::vector<cv::Point2d> in_src, in_dst;
  for (size_t i = 0; i < src.size(); ++i)
    if (inlier[i]) in_src.push_back(src[i]), in_dst.push_back(dst[i]);
  if (in_src.size() >= kMinPairsForPerspective) {
    try {
      const cv::Mat full = cv::findHomography(in_src, in_dst, 0);
      if (!full.empty()) fit.h = cv::Matx33d(full);
    } catch (const cv::Exception&) {
      // keep the similarity
    }
  }
  double sum = 0;
  for (size_t i = 0; i < src.size(); ++i) {
    if (!inlier[i]) continue;
    ++fit.matched;
    const cv::Point2d d = Apply(fit.h, src[i]) - dst[i];
    sum += d.dot(d);
    const Printed& p = *which[i];
    fit.extent_mm = core::Union(fit.extent_mm, {p.centre.x - p.long_mm / 2, p.centre.y - p.long_mm / 2,
                                                p.long_mm, p.long_mm});
  }
  fit.rms_px = fit.matched ? std::sqrt(sum / fit.matched) : 0.0;
  return fit;
}

/// Matches twice: loosely around the first guess, then tightly around the first fit.
std::optional<GridFit> Refine(const cv::Matx33d& guess, const std::vector<Printed>& printed,
                              const std::vector<Found>& found) {
  auto fit = MatchAndFit(guess, printed, found, 3.0);
  if (!fit) return std::nullopt;
  auto tight = MatchAndFit(fit->h, printed, found, 1.2);
  return tight && tight->matched >= fit->matched * 9 / 10 ? tight : fit;
}

/// Translation votes for one scale and rotation: every (found, printed) pair of matching size
/// says where the page origin would be. The densest cells of those votes, best first (at most
/// `n`, none next to a better one): a regular grid also gathers many votes one row or column
/// off, and which of them is right only the full match tells.
std::vector<cv::Matx33d> VoteTranslations(const std::vector<Found>& found, const std::vector<Printed>& printed,
                                          double scale, double angle_deg, double min_side_mm, size_t n) {
  const double a = angle_deg * CV_PI / 180.0, c = std::cos(a) * scale, s = std::sin(a) * scale;
  const double cell = 0.5 * min_side_mm * scale;
  std::map<std::pair<long, long>, int> votes;
  for (const auto& f : found)
    for (const auto& p : printed) {
      if (!SizeFits(f, p, scale, 0.25)) continue;
      const double tx = f.centre.x - (c * p.centre.x - s * p.centre.y);
      const double ty = f.centre.y - (s * p.centre.x + c * p.centre.y);
      ++votes[{std::lround(tx / cell), std::lround(ty / cell)}];
    }
  std::vector<std::pair<int, std::pair<long, long>>> peaks;
  for (const auto& [k, count] : votes) {
    int sum = 0;
    for (long dx = -1; dx <= 1; ++dx)
      for (long dy = -1; dy <= 1; ++dy) {
        auto it = votes.find({k.first + dx, k.second + dy});
        if (it != votes.end()) sum += it->second;
      }
    if (sum >= 4) peaks.push_back({sum, k});
  }
  std::sort(peaks.begin(), peaks.end(), [](const auto& x, const auto& y) { return x.first > y.first; });
  std::vector<cv::Matx33d> out;
  std::vector<std::pair<long, long>> taken;
  for (const auto& peak : peaks) {
    if (out.size() >= n) break;
    const std::pair<long, long> k = peak.second;  // not a structured binding: clang 14 cannot capture one
    const bool near = std::any_of(taken.begin(), taken.end(), [&](const auto& t) {
      return std::abs(t.first - k.first) <= 2 && std::abs(t.second - k.second) <= 2;
    });
    if (near) continue;
    taken.push_back(k);
    out.push_back(cv::Matx33d(c, -s, k.first * cell, s, c, k.second * cell, 0, 0, 1));
  }
  return out;
}

/// The largest distance (mm) between where two fits put the printed squares.
double WorstDisagreementMm(const GridFit& a, const GridFit& b, const std::vector<Printed>& printed) {
  double worst = 0;
  for (const auto& p : printed) {
    const cv::Point2d pa = Apply(a.h, p.centre);
    const double scale = cv::norm(Apply(a.h, p.centre + cv::Point2d(1, 0)) - pa);
    if (scale > 0) worst = std::max(worst, cv::norm(Apply(b.h, p.centre) - pa) / scale);
  }
  return worst;
}

AlignedPage Failed(const Scan& scan, const core::PageKey& key, std::string reason) {
  AlignedPage out;
  out.source = scan.source;
  out.key = key;
  out.status = AlignStatus::kPoorFit;
  out.reason = std::move(reason);
  return out;
}

std::string Mm(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.2f", v);
  return buf;
}

/// Whether `fit` is good enough to stand for the page; the reason when not.
std::string Judge(const GridFit& fit, size_t printed, const templates::PageLayout& page,
                  const GridAlignOptions& options, AlignedPage& out) {
  const int needed = std::max(options.min_boxes, static_cast<int>(std::ceil(options.min_share * printed)));
  if (fit.matched < needed)
    return "the box grid was not found: " + std::to_string(fit.matched) + " of the page's " +
           std::to_string(printed) + " printed boxes matched (" + std::to_string(needed) + " needed)";
  // A homography from one row of boxes tilts freely about that row.
  if (fit.extent_mm.w < 0.3 * page.width_mm || fit.extent_mm.h < 0.15 * page.height_mm)
    return "the boxes found cover too little of the page to align it";
  DescribeFit(fit.h, page, out);
  if (!(out.px_per_mm >= kMinPxPerMm && out.px_per_mm <= kMaxPxPerMm))
    return "implausible scale from the box grid: " + Mm(out.px_per_mm) + " px/mm";
  if (!(fit.rms_px <= options.max_residual_mm * out.px_per_mm))
    return "the box grid fits the layout poorly: residual " + Mm(fit.rms_px / out.px_per_mm) +
           " mm (limit " + Mm(options.max_residual_mm) + " mm)";
  return "";
}

AlignedPage Fitted(const Scan& scan, const core::PageKey& key, const templates::PageLayout& page,
                   const cv::Matx33d& h, double residual_px) {
  AlignedPage out;
  out.source = scan.source;
  out.key = key;
  out.status = AlignStatus::kOk;
  out.mm_to_px = h;
  out.residual_px = residual_px;
  out.anchors_found = 0;
  DescribeFit(h, page, out);
  return out;
}

struct Prepared {
  const templates::PageLayout* page = nullptr;
  std::vector<Printed> printed;
  std::vector<Found> found;
  std::string problem;
};

Prepared Prepare(const Scan& scan, const core::PageKey& key, const templates::Layout& layout) {
  Prepared p;
  p.page = layout.FindPage(key.page);
  if (!p.page) {
    p.problem = "template " + layout.template_id + " version " + std::to_string(layout.version) +
                " has no page " + std::to_string(key.page);
    return p;
  }
  if (scan.gray.empty() || scan.gray.type() != CV_8UC1) {
    p.problem = "empty or non-grayscale page image";
    return p;
  }
  p.printed = PrintedSquares(layout, key.page);
  try {
    p.found = FindSquares(scan.gray);
  } catch (const cv::Exception& e) {
    p.problem = std::string("the page image could not be searched for boxes (") + e.what() + ")";
  }
  return p;
}

}  // namespace

AlignedPage AlignPageByGrid(const Scan& scan, const core::PageKey& key,
                            const templates::Layout& layout, const GridAlignOptions& options) {
  Prepared p = Prepare(scan, key, layout);
  if (!p.problem.empty()) return Failed(scan, key, p.problem);
  if (static_cast<int>(p.printed.size()) < options.min_boxes)
    return Failed(scan, key, "page " + std::to_string(key.page) + " prints only " +
                                 std::to_string(p.printed.size()) +
                                 " boxes: too few to align it by its grid (use the four anchor points)");
  double min_side = p.printed.front().short_mm;
  for (const auto& q : p.printed) min_side = std::min(min_side, q.short_mm);

  std::vector<GridFit> fits;
  try {
    const double skew = DominantAngleDeg(p.found);
    for (double scale : CandidateScales(p.found, p.printed, scan.dpi, 3))
      for (int quarter = 0; quarter < 4; ++quarter)
        for (const auto& guess : VoteTranslations(p.found, p.printed, scale, skew + 90.0 * quarter, min_side,
                                                  kTranslationsTried))
          if (auto fit = Refine(guess, p.printed, p.found)) fits.push_back(*fit);
  } catch (const cv::Exception& e) {
    return Failed(scan, key, std::string("the box grid could not be fitted (") + e.what() + ")");
  }
  if (fits.empty())
    return Failed(scan, key, "the box grid was not found: " + std::to_string(p.found.size()) +
                                 " box-like squares on the scan, none in the layout's pattern");
  std::stable_sort(fits.begin(), fits.end(), [](const GridFit& a, const GridFit& b) { return a.matched > b.matched; });
  const GridFit* best = &fits.front();
  // Another fit elsewhere (a row or column off) that matches about as many boxes: the page
  // cannot tell which is right, and a wrong one would put every answer in the wrong box.
  for (size_t i = 1; i < fits.size(); ++i)
    if (fits[i].matched + kAmbiguityMargin >= best->matched &&
        WorstDisagreementMm(*best, fits[i], p.printed) > 1.0)
      return Failed(scan, key, "the box grid matches the scan in more than one place (" +
                                   std::to_string(best->matched) + " and " + std::to_string(fits[i].matched) +
                                   " boxes): use the four anchor points");
  AlignedPage judged;
  const std::string problem = Judge(*best, p.printed.size(), *p.page, options, judged);
  if (!problem.empty()) return Failed(scan, key, problem);
  return Fitted(scan, key, *p.page, best->h, best->rms_px);
}

AlignedPage AlignPageByPoints(const Scan& scan, const core::PageKey& key,
                              const templates::Layout& layout,
                              const std::array<cv::Point2d, 4>& points, const GridAlignOptions& options) {
  Prepared p = Prepare(scan, key, layout);
  if (!p.problem.empty()) return Failed(scan, key, p.problem);
  std::array<cv::Point2d, 4> mm{};
  for (int corner = 0; corner < 4; ++corner) {
    const auto it = std::find_if(p.page->anchors.begin(), p.page->anchors.end(),
                                 [&](const templates::AnchorLayout& a) { return a.corner == corner; });
    if (it == p.page->anchors.end()) return Failed(scan, key, "the layout has no anchor at every corner");
    mm[static_cast<size_t>(corner)] = {it->symbol_mm.x + it->symbol_mm.w / 2, it->symbol_mm.y + it->symbol_mm.h / 2};
  }
  // The points must make a convex quadrilateral turning the same way as the printed anchors
  // (a mirrored page is no scan), with no two points together and no three in a line.
  auto cross = [](const std::array<cv::Point2d, 4>& q, int i) {
    const cv::Point2d a = q[static_cast<size_t>(i)], b = q[static_cast<size_t>((i + 1) % 4)],
                      c = q[static_cast<size_t>((i + 2) % 4)];
    return (b - a).cross(c - b);
  };
  const double side = std::max(scan.gray.cols, scan.gray.rows);
  for (int i = 0; i < 4; ++i) {
    if (!std::isfinite(points[static_cast<size_t>(i)].x) || !std::isfinite(points[static_cast<size_t>(i)].y))
      return Failed(scan, key, "a point is not a number");
    for (int j = i + 1; j < 4; ++j)
      if (cv::norm(points[static_cast<size_t>(i)] - points[static_cast<size_t>(j)]) < 0.05 * side)
        return Failed(scan, key, "points " + std::to_string(i + 1) + " and " + std::to_string(j + 1) +
                                     " are (almost) the same place");
  }
  for (int i = 0; i < 4; ++i) {
    const double expected = cross(mm, i), got = cross(points, i);
    const double a = cv::norm(points[static_cast<size_t>((i + 1) % 4)] - points[static_cast<size_t>(i)]);
    const double b = cv::norm(points[static_cast<size_t>((i + 2) % 4)] - points[static_cast<size_t>((i + 1) % 4)]);
    if (std::abs(got) < 0.2 * a * b)
      return Failed(scan, key, "points " + std::to_string(i + 1) + ", " + std::to_string((i + 1) % 4 + 1) +
                                   " and " + std::to_string((i + 2) % 4 + 1) + " are (almost) in a line");
    if ((expected > 0) != (got > 0))
      return Failed(scan, key, "the points do not go round the page clockwise (or they cross)");
  }
  std::vector<cv::Point2f> src(mm.begin(), mm.end());
  cv::Matx33d from_points;
  try {
    // Clockwise from any corner: the printed anchors taken in the same turn from `start`.
    std::optional<GridFit> best;
    for (int start = 0; start < 4; ++start) {
      std::vector<cv::Point2f> dst;
      for (int i = 0; i < 4; ++i) dst.push_back(points[static_cast<size_t>((i + 4 - start) % 4)]);
      const cv::Matx33d h(cv::getPerspectiveTransform(src, dst));
      if (start == 0) from_points = h;
      if (p.printed.size() < 6) continue;
      auto fit = Refine(h, p.printed, p.found);
      if (fit && (!best || fit->matched > best->matched)) best = fit;
    }
    AlignedPage judged;
    if (best && Judge(*best, p.printed.size(), *p.page, options, judged).empty())
      return Fitted(scan, key, *p.page, best->h, best->rms_px);
  } catch (const cv::Exception& e) {
    return Failed(scan, key, std::string("the four points give no page (") + e.what() + ")");
  }
  AlignedPage out = Fitted(scan, key, *p.page, from_points, 0.0);
  if (!(out.px_per_mm >= kMinPxPerMm && out.px_per_mm <= kMaxPxPerMm))
    return Failed(scan, key, "the four points give an implausible scale: " + Mm(out.px_per_mm) + " px/mm");
  return out;
}

}  // namespace phieu::scanner
