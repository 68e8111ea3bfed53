// Copyright 2026 The Phiếu Authors
// SPDX-License-Identifier: Apache-2.0
// Digit ink extraction and MNIST-style normalisation + features. The training tool
// (tools/digits) calls these same functions, so training and reading cannot drift apart.

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <utility>
#include <vector>

#include <opencv2/imgproc.hpp>

#include "recognition/handwriting.h"
#include "digit_features.h"
#include "text_ink.h"

namespace phieu::recognition {
namespace {
constexpr int kSide = 28;  // MNIST geometry: a 20 px box inside 28x28
constexpr int kBox = 20;
// A cell holding less than this is a dot or a speck, not a digit (a written 1 is ~4 mm tall).
constexpr double kMinDigitExtentMm = 1.4;
// The crop has ~1 mm of paper around the printed cell; its border is looked for this far in.
constexpr double kBorderSearchMm = 2.2;
constexpr double kNominalMarginMm = 1.0;
// Ink counts as inside the cell this far in from the border line's centre: the line is
// 0.3 mm wide, blurred by the scan and resampling to ~0.8 mm of darker paper.
constexpr double kInsideFromLineMm = 0.5;
// Ink outside the border belongs to this cell's digit when it continues a stroke of that
// digit across the line: within this distance of ink inside, not counting the printed line's
// removed band between them (up to kLineBandMm wide: the 0.3 mm line, its blur and the
// removal's margin come to ~0.9 mm at 8 px/mm).
constexpr double kAcrossBorderMm = 0.8;
constexpr double kLineBandMm = 1.2;
// Broken pencil on a bilevel scan: this many specks inside the cell, spread over a digit's
// extent, could be a digit and go to review. A clean empty cell has none; a dot has one or
// two (a pen touch, a grain of dust).
constexpr int kMinSpecks = 4;
// Light traces: smoothed over this much (a pencil stroke's half width), they must stand this
// many noise sigmas and at least this many gray levels above the paper.
constexpr double kTraceSmoothMm = 0.15;
constexpr double kTraceSigmas = 6.0;
constexpr double kTraceNoises = 3.0;
constexpr double kMinTraceContrast = 8.0;
// Ink at the crop's edge this close to the digit continues it beyond the crop.
constexpr double kNearCropEdgeMm = 1.0;
// A printed line's dark band this much thicker than its median: ink lies on it there.
constexpr double kLineThickeningMm = 0.15;
// ...over at least this length (a stroke's width where it crosses): shorter is a stroke's end
// touching the line, or a speck.
constexpr double kMinRestoredRunMm = 0.4;

/// The printed border's position along one side: the darkest line (row or column sum) within
/// kBorderSearchMm of the crop edge, or the nominal margin when nothing stands out.
int BorderLine(const cv::Mat& darkness_sums, bool from_end, double ppm) {
  const int n = darkness_sums.cols;
  const int band = std::min(n / 2, static_cast<int>(kBorderSearchMm * ppm));
  const int nominal = static_cast<int>(std::lround(kNominalMarginMm * ppm));
  int best = -1;
  double best_v = 0, sum = 0;
  for (int k = 0; k < band; ++k) {
    const int i = from_end ? n - 1 - k : k;
    const double v = darkness_sums.at<double>(0, i);
    sum += v;
    if (v > best_v) best_v = v, best = k;
  }
  // A printed line is several times darker than the paper around it.
  if (best < 0 || band == 0 || best_v < 2.5 * sum / band) best = nominal;
  return from_end ? n - 1 - best : best;
}

/// The cell's inside in crop pixels: between its four printed border lines.
cv::Rect CellInside(const cv::Mat& gray, double ppm) {
  cv::Mat dark;
  cv::subtract(cv::Scalar(255), gray, dark);
  cv::Mat cols, rows;
  cv::reduce(dark, cols, 0, cv::REDUCE_SUM, CV_64F);  // 1 x width
  cv::reduce(dark, rows, 1, cv::REDUCE_SUM, CV_64F);  // height x 1
  rows = rows.t();
  const int in = static_cast<int>(std::lround(kInsideFromLineMm * ppm));
  const int x0 = BorderLine(cols, false, ppm) + in, x1 = BorderLine(cols, true, ppm) - in;
  const int y0 = BorderLine(rows, false, ppm) + in, y1 = BorderLine(rows, true, ppm) - in;
  if (x1 - x0 < ppm || y1 - y0 < ppm) {  // no sensible frame: the nominal geometry
    const int m = static_cast<int>(std::lround((kNominalMarginMm + kInsideFromLineMm) * ppm));
    return cv::Rect(m, m, std::max(1, gray.cols - 2 * m), std::max(1, gray.rows - 2 * m));
  }
  return cv::Rect(x0, y0, x1 - x0, y1 - y0);
}

/// The largest extent (px) of light marks inside the cell (contrast above the floor, never
/// reaching the seed level FindInk requires of ink).
int FaintExtentInside(const internal::InkMaps& m, const cv::Rect& inside, const InkOptions& o, double ppm) {
  cv::Mat weak = m.contrast(inside) >= m.low;
  cv::Mat labels, stats, centroids;
  const int n = cv::connectedComponentsWithStats(weak, labels, stats, centroids, 8, CV_32S);
  int extent = 0;
  for (int i = 1; i < n; ++i)
    if (stats.at<int>(i, cv::CC_STAT_AREA) >= o.min_component_mm2 * ppm * ppm)
      extent = std::max(extent, std::max(stats.at<int>(i, cv::CC_STAT_WIDTH), stats.at<int>(i, cv::CC_STAT_HEIGHT)));
  return extent;
}

/// Very light pencil on a noisy scan: strokes under FindInk's floor (set at several noise
/// sigmas) that still stand out once smoothed over a stroke's width, which averages the
/// noise down. A digit-sized trace inside the cell is then too light to read but must not
/// pass for an empty cell.
bool SmoothedTraceInside(const internal::InkMaps& m, const cv::Rect& inside, double ppm) {
  cv::Mat c;
  m.contrast(inside).convertTo(c, CV_32F);
  cv::GaussianBlur(c, c, cv::Size(0, 0), std::max(0.8, kTraceSmoothMm * ppm));
  // Noise after smoothing, from the paper (the lower half of the pixels): median and MAD.
  std::vector<float> v(c.begin<float>(), c.end<float>());
  if (v.size() < 16) return false;
  auto mid = v.begin() + static_cast<long>(v.size() / 2);
  std::nth_element(v.begin(), mid, v.end());
  const float median = *mid;
  for (float& x : v) x = std::fabs(x - median);
  std::nth_element(v.begin(), mid, v.end());
  const double sigma = 1.4826 * *mid;
  // The contrast map is clipped at the paper (FindInk keeps only what is darker), so on grainy
  // paper the lower half is all zeros and says nothing of the grain: then the scan's own noise
  // per pixel (kTraceNoises of it, several sigmas of what smoothing leaves) sets the level, or
  // the grain itself joins into one blob with the digit.
  const double level = std::max({kMinTraceContrast, median + kTraceSigmas * sigma, kTraceNoises * m.noise});
  cv::Mat trace = c >= level;
  cv::Mat labels, stats, centroids;
  const int n = cv::connectedComponentsWithStats(trace, labels, stats, centroids, 8, CV_32S);
  for (int i = 1; i < n; ++i) {
    const int x = stats.at<int>(i, cv::CC_STAT_LEFT), y = stats.at<int>(i, cv::CC_STAT_TOP);
    const int w = stats.at<int>(i, cv::CC_STAT_WIDTH), h = stats.at<int>(i, cv::CC_STAT_HEIGHT);
    if (x == 0 || y == 0 || x + w >= inside.width || y + h >= inside.height) continue;  // the border's blur
    if (std::max(w, h) >= kMinDigitExtentMm * ppm && stats.at<int>(i, cv::CC_STAT_AREA) >= 0.3 * ppm * ppm)
      return true;
  }
  return false;
}

/// The printed-line pixels straight across the cell's border from where the digit's ink
/// (`own`) meets it: across a side line sideways, across the top or bottom line up or down,
/// at most kLineBandMm. Not along a line: a digit touching its border reaches no farther.
cv::Mat CrossLines(const cv::Mat& own, const cv::Mat& lines, const cv::Rect& inside, double ppm) {
  cv::Mat crossed = cv::Mat::zeros(own.size(), CV_8U);
  if (lines.empty()) return crossed;
  cv::Mat sides = lines.clone(), tops = lines.clone();
  sides(cv::Rect(inside.x, 0, inside.width, lines.rows)).setTo(0);
  tops(cv::Rect(0, inside.y, lines.cols, inside.height)).setTo(0);
  const cv::Mat across_side = cv::getStructuringElement(cv::MORPH_RECT, cv::Size(3, 1));
  const cv::Mat across_top = cv::getStructuringElement(cv::MORPH_RECT, cv::Size(1, 3));
  cv::Mat from = own.clone(), h, v;
  for (long s = std::lround(kLineBandMm * ppm); s > 0; --s) {
    cv::dilate(from, h, across_side);
    cv::bitwise_and(h, sides, h);
    cv::dilate(from, v, across_top);
    cv::bitwise_and(v, tops, v);
    cv::bitwise_or(crossed, h, crossed);
    cv::bitwise_or(crossed, v, crossed);
    cv::bitwise_or(from, crossed, from);
  }
  return crossed;
}

/// True when strong ink in the band FindInk clears along the crop edge lies next to the
/// digit's box, or continues a stroke where the digit crosses a printed line (`crossing`,
/// CrossLines: the line's removed band can hold the box away from the band): the digit goes on
/// beyond the crop. Long runs along the edge are a printed line (the neighbouring cell's
/// border when the crop sits a little off), not a stroke.
bool RunsOffTheCrop(const internal::InkMaps& m, const cv::Rect& digit_box, const cv::Mat& crossing, int edge,
                    double ppm) {
  const int rows = m.contrast.rows, cols = m.contrast.cols;
  if (edge <= 0 || rows <= 2 * edge || cols <= 2 * edge) return false;
  // Strong ink off the printed lines: a printed line (the neighbouring cell's border when the
  // crop sits a little off) is nobody's stroke, also where the scan breaks it into pieces.
  cv::Mat strong_free = m.contrast >= m.seed;
  if (!m.lines.empty()) strong_free.setTo(0, m.lines);
  cv::Mat band = strong_free.clone();
  band(cv::Rect(edge, edge, cols - 2 * edge, rows - 2 * edge)).setTo(0);
  const int reach = static_cast<int>(std::lround(kNearCropEdgeMm * ppm));
  const cv::Rect near(digit_box.x - reach, digit_box.y - reach, digit_box.width + 2 * reach,
                      digit_box.height + 2 * reach);
  // Where the digit crosses a line, the stroke goes on as strong ink out of the line's band:
  // follow it (not through printed lines) up to `reach` pixels.
  cv::Mat beyond, grown;
  cv::dilate(crossing, beyond, cv::Mat());
  cv::bitwise_and(beyond, strong_free, beyond);
  for (int s = 0; s < reach && cv::countNonZero(beyond) > 0; ++s) {
    cv::dilate(beyond, grown, cv::Mat());
    cv::bitwise_and(grown, strong_free, grown);
    cv::bitwise_or(beyond, grown, beyond);
  }
  cv::Mat labels, stats, centroids;
  const int n = cv::connectedComponentsWithStats(band, labels, stats, centroids, 8, CV_32S);
  for (int i = 1; i < n; ++i) {
    cv::Rect b(stats.at<int>(i, cv::CC_STAT_LEFT), stats.at<int>(i, cv::CC_STAT_TOP),
               stats.at<int>(i, cv::CC_STAT_WIDTH), stats.at<int>(i, cv::CC_STAT_HEIGHT));
    // Dust and noise are smaller than a piece of stroke.
    if (stats.at<int>(i, cv::CC_STAT_AREA) < std::max(3.0, 0.1 * ppm * ppm)) continue;
    const bool along_side = b.br().x <= edge || b.x >= cols - edge;  // else along the top or bottom
    // A printed border spans ~75-80% of the crop; the base of a 2 or the bar of a 7 less.
    if (along_side ? b.height * 10 > rows * 7 : b.width * 10 > cols * 7) continue;
    if ((b & near).area() > 0) return true;
    const cv::Mat piece = labels(b) == i;
    if (cv::countNonZero(piece & beyond(b)) > 0) return true;
  }
  return false;
}

/// True when the strong ink inside the cell is a scatter of specks too small to be kept as
/// components (pencil thinned into dots by a bilevel threshold) spread like a digit.
bool SpeckledDigit(const internal::InkMaps& m, const cv::Rect& inside, double ppm) {
  cv::Mat strong = m.contrast(inside) >= m.seed;
  cv::Mat labels, stats, centroids;
  const int n = cv::connectedComponentsWithStats(strong, labels, stats, centroids, 8, CV_32S);
  int specks = 0;
  cv::Rect spread;
  for (int i = 1; i < n; ++i) {
    // Larger pieces are components (judged elsewhere) or a sliver of the border line.
    if (std::max(stats.at<int>(i, cv::CC_STAT_WIDTH), stats.at<int>(i, cv::CC_STAT_HEIGHT)) > ppm) continue;
    cv::Rect b(stats.at<int>(i, cv::CC_STAT_LEFT), stats.at<int>(i, cv::CC_STAT_TOP),
               stats.at<int>(i, cv::CC_STAT_WIDTH), stats.at<int>(i, cv::CC_STAT_HEIGHT));
    // Touching the edge of the inside: the border's blurred edge or a stroke from outside.
    if (b.x == 0 || b.y == 0 || b.br().x >= inside.width || b.br().y >= inside.height) continue;
    spread = specks == 0 ? b : (spread | b);
    ++specks;
  }
  return specks >= kMinSpecks && std::max(spread.width, spread.height) >= kMinDigitExtentMm * ppm;
}
/// Rows [first, last] of the printed horizontal line within rows [y0, y1) of the crop (the
/// removed-line mask covering most of the width there), or {-1, -1}.
std::pair<int, int> LineRows(const cv::Mat& lines, int y0, int y1) {
  int first = -1, last = -1;
  for (int y = std::max(0, y0); y < std::min(lines.rows, y1); ++y)
    if (cv::countNonZero(lines.row(y)) * 2 >= lines.cols) {
      if (first < 0) first = y;
      last = y;
    }
  return {first, last};
}

/// Puts back the strokes that went with the cell's top and bottom lines. Line removal takes
/// whatever lies on a printed line, so the base of a 2 written on the bottom line vanished
/// (the rest reads as a 7) and the tail of a 9 crossing it broke off (a confident 0). Where
/// ink overlaps the line, the dark band is thicker than the printed line's own width: those
/// columns, next to the digit, get their band back as ink. Returns the box of what was added.
cv::Rect RestoreStrokesOnLines(const internal::InkMaps& m, const cv::Rect& inside, double ppm,
                               cv::Mat& digit) {
  cv::Rect added;
  if (m.lines.empty()) return added;
  const int rows = m.contrast.rows, cols = m.contrast.cols;
  const cv::Mat strong = m.contrast >= m.seed;
  const int pad = std::max(2, static_cast<int>(std::lround(0.4 * ppm)));
  const int extra = std::max(2, static_cast<int>(std::lround(kLineThickeningMm * ppm)));
  const int reach = std::max(2, static_cast<int>(std::lround(0.3 * ppm)));
  const int min_run = std::max(2, static_cast<int>(std::lround(kMinRestoredRunMm * ppm)));
  for (const bool top : {true, false}) {
    const auto [ly0, ly1] = top ? LineRows(m.lines, 0, inside.y) : LineRows(m.lines, inside.br().y, rows);
    if (ly0 < 0) continue;
    const int r0 = std::max(0, ly0 - pad), r1 = std::min(rows, ly1 + pad + 1);
    std::vector<int> height(cols, 0);
    for (int x = 0; x < cols; ++x) height[x] = cv::countNonZero(strong(cv::Rect(x, r0, 1, r1 - r0)));
    std::vector<int> sorted(height);
    std::nth_element(sorted.begin(), sorted.begin() + cols / 2, sorted.end());
    const int thick = sorted[cols / 2] + extra;
    // Columns where the digit comes within `reach` of the line: runs of thickened columns
    // must touch one of them to belong to this digit.
    const int d0 = std::max(0, r0 - reach), d1 = std::min(rows, r1 + reach);
    std::vector<uchar> near(cols, 0);
    for (int x = 0; x < cols; ++x) near[x] = cv::countNonZero(digit(cv::Rect(x, d0, 1, d1 - d0))) > 0;
    for (int x = 0; x < cols;) {
      if (height[x] < thick) {
        ++x;
        continue;
      }
      int end = x;
      bool touches = false;
      while (end < cols && height[end] >= thick) touches |= near[end] != 0, ++end;
      if (touches && end - x >= min_run) {
        const cv::Rect run(x, r0, end - x, r1 - r0);
        cv::Mat band = digit(run);
        cv::bitwise_or(band, strong(run), band);
        added = added.area() == 0 ? run : (added | run);
      }
      x = end;
    }
  }
  return added;
}
}  // namespace

namespace internal {
CellInk ExtractCellInk(const cv::Mat& cell_gray, double px_per_mm, const InkOptions& options) {
  InkMaps m = FindInk(cell_gray, px_per_mm, options, PrintedLines::kCombCell);
  CellInk r;
  const double ppm = px_per_mm;
  const double min_extent_px = kMinDigitExtentMm * ppm;
  const cv::Rect inside = CellInside(cell_gray, ppm) & cv::Rect(0, 0, cell_gray.cols, cell_gray.rows);
  // A digit-sized light mark (FindInk's measure, printed lines removed) that lies inside the
  // cell, not in the margin a neighbour's digit may reach into.
  r.faint = m.faint_extent_px >= min_extent_px &&
            FaintExtentInside(m, inside, options, ppm) >= min_extent_px;
  // The digit is the ink that reaches inside the cell's border. Ink only in the margin
  // around it is a neighbour's digit crossing over (or the end of a stroke of this digit,
  // kept below when it continues ink inside).
  cv::Mat labels, stats, centroids;
  const int n = m.components.empty()
                    ? 1
                    : cv::connectedComponentsWithStats(m.kept, labels, stats, centroids, 8, CV_32S);
  std::vector<int> inside_px(n, 0);
  for (int y = inside.y; y < inside.y + inside.height && n > 1; ++y) {
    const int* l = labels.ptr<int>(y);
    for (int x = inside.x; x < inside.x + inside.width; ++x) ++inside_px[l[x]];
  }
  const int min_inside_px = std::max(3, static_cast<int>(0.05 * ppm * ppm));
  std::vector<uchar> own(n, 0);
  bool any = false;
  for (int i = 1; i < n; ++i)
    if (inside_px[i] >= min_inside_px) own[i] = 1, any = true;
  if (!any) {
    if (SpeckledDigit(m, inside, ppm) || SmoothedTraceInside(m, inside, ppm)) r.faint = true;
    return r;
  }
  const cv::Mat own_mask = LabelMask(labels, own);
  // Across the removed border line for free: a stroke crossing the border leaves a gap as
  // wide as the line's band, which alone exceeded kAcrossBorderMm (the left half of an 8
  // written over its border was dropped and the rest read as a confident 3).
  const cv::Mat crossing = CrossLines(own_mask, m.lines, inside, ppm);
  cv::Mat reach;
  cv::bitwise_or(own_mask, crossing, reach);
  const int k = 2 * static_cast<int>(std::lround(kAcrossBorderMm * ppm)) + 1;
  cv::Mat near;
  cv::dilate(reach, near, cv::getStructuringElement(cv::MORPH_ELLIPSE, cv::Size(k, k)));
  std::vector<uchar> touches(n, 0);
  for (int y = 0; y < labels.rows; ++y) {
    const int* l = labels.ptr<int>(y);
    const uchar* nr = near.ptr<uchar>(y);
    for (int x = 0; x < labels.cols; ++x)
      if (nr[x] && l[x] > 0) touches[l[x]] = 1;
  }
  // The crop ends ~1 mm outside the border (FindInk clears a band along its edge): ink that
  // reaches the band goes on beyond the crop. Part of this cell's digit lost that way leaves a
  // fragment the classifier may read confidently as another digit (a 0 cut to a 1), and a
  // stroke coming in from beyond the crop next to the digit may be the neighbour's or its own.
  const int edge = static_cast<int>(std::lround(options.edge_band_mm * ppm)) + 1;
  auto at_crop_edge = [&](int i) {
    const int x = stats.at<int>(i, cv::CC_STAT_LEFT), y = stats.at<int>(i, cv::CC_STAT_TOP);
    return x <= edge || y <= edge || x + stats.at<int>(i, cv::CC_STAT_WIDTH) >= labels.cols - edge ||
           y + stats.at<int>(i, cv::CC_STAT_HEIGHT) >= labels.rows - edge;
  };
  cv::Rect box;
  bool first = true;
  for (int i = 1; i < n; ++i) {
    if (!own[i] && !touches[i]) continue;
    if (at_crop_edge(i)) r.truncated = true;
    if (!own[i] && at_crop_edge(i)) continue;  // not part of the picture, but unclear now
    own[i] = 1;
    cv::Rect b(stats.at<int>(i, cv::CC_STAT_LEFT), stats.at<int>(i, cv::CC_STAT_TOP),
               stats.at<int>(i, cv::CC_STAT_WIDTH), stats.at<int>(i, cv::CC_STAT_HEIGHT));
    box = first ? b : (box | b);
    first = false;
  }
  if (!r.truncated) r.truncated = RunsOffTheCrop(m, box, crossing, edge, ppm);
  if (std::max(box.width, box.height) < min_extent_px) {
    if (SpeckledDigit(m, inside, ppm)) r.faint = true;
    return r;
  }
  cv::Mat all = LabelMask(labels, own);
  const cv::Mat before = all.clone();
  const cv::Rect unrestored_box = box;
  const cv::Rect restored = RestoreStrokesOnLines(m, inside, ppm, all);
  // Specks FindInk kept near the digit (broken strokes) belong to it, within its box.
  auto picture = [&](cv::Mat mask, const cv::Rect& b) {
    cv::Mat specks = cv::Mat::zeros(m.kept.size(), CV_8U);
    m.specks(b).copyTo(specks(b));
    cv::bitwise_or(mask, specks, mask);
    return InkStrength(m.contrast, mask)(b).clone();
  };
  if (restored.area() > 0) {
    r.ink_without_restored = picture(before, unrestored_box);
    box |= restored;
  }
  r.ink = picture(all, box);
  r.faint = false;
  return r;
}
}  // namespace internal

cv::Mat ExtractDigitInk(const cv::Mat& cell_gray, double px_per_mm, const InkOptions& options) {
  return internal::ExtractCellInk(cell_gray, px_per_mm, options).ink;
}

cv::Mat NormalizeDigit(const cv::Mat& digit_ink) {
  if (digit_ink.empty() || digit_ink.type() != CV_8UC1)
    throw std::invalid_argument("NormalizeDigit: need a non-empty CV_8UC1 ink image");
  // Longest side to 20 px, aspect kept (a 1 stays thin), as MNIST was made.
  double s = static_cast<double>(kBox) / std::max(digit_ink.cols, digit_ink.rows);
  cv::Size size(std::max(1, static_cast<int>(std::lround(digit_ink.cols * s))),
                std::max(1, static_cast<int>(std::lround(digit_ink.rows * s))));
  cv::Mat small;
  cv::resize(digit_ink, small, size, 0, 0, s < 1 ? cv::INTER_AREA : cv::INTER_LINEAR);
  cv::Mat out = cv::Mat::zeros(kSide, kSide, CV_8U);
  small.copyTo(out(cv::Rect((kSide - size.width) / 2, (kSide - size.height) / 2, size.width, size.height)));
  // Centre of mass to the centre, then undo the slant (the second-order moment mu11/mu02);
  // both remove variation that writers add and the classifier would otherwise have to learn.
  cv::Moments mo = cv::moments(out);
  if (mo.m00 > 0) {
    double dx = kSide / 2.0 - mo.m10 / mo.m00, dy = kSide / 2.0 - mo.m01 / mo.m00;
    cv::Matx23d t(1, 0, dx, 0, 1, dy);
    cv::warpAffine(out, out, t, out.size(), cv::INTER_LINEAR, cv::BORDER_CONSTANT, 0);
    mo = cv::moments(out);
    if (std::fabs(mo.mu02) > 1e-2) {
      double skew = std::clamp(mo.mu11 / mo.mu02, -0.7, 0.7);
      cv::Matx23d d(1, skew, -0.5 * kSide * skew, 0, 1, 0);
      cv::warpAffine(out, out, d, out.size(), cv::WARP_INVERSE_MAP | cv::INTER_LINEAR,
                     cv::BORDER_CONSTANT, 0);
    }
  }
  return out;
}

}  // namespace phieu::recognition
