// Copyright 2026 The Phiếu Authors
// SPDX-License-Identifier: Apache-2.0

#include "text_ink.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <stdexcept>

#include <opencv2/imgproc.hpp>

#include "recognition/recognition.h"

namespace phieu::recognition {
namespace internal {
namespace {

/// Width of the closing that gives the local paper: wider than any pen stroke or crossing of
/// strokes, narrower than a stain (8 mm and more across) or a fold's shadow.
constexpr double kPaperClosingMm = 3.0;
/// The closing follows the paper down into a stain this much darker (share of the paper's
/// brightness nearby) and no further: coffee, tea and water stains darken paper by 5-40%,
/// while ink is darker still. A blob of ink wider than the closing (a felt-tip scribble, a
/// word blacked out, a stain gone black on a bilevel scan) stays ink.
constexpr double kStainMaxDark = 0.4;

/// Salt and pepper over a writing area (SpeckTiles in text_ink.h says what it is), counted
/// in bands across the crop, kImpulseBandMm high: a printed dotted rule fills one or two bands
/// and handwriting few (its strokes are wider than a pixel), while such noise fills every band.
/// From kImpulsesPerMm2 in the median band on, the area is read through a 3 x 3 median. (Comb
/// cells count specks instead, ReadDigits: a digit's thin strokes fill most of a cell's bands.)
constexpr double kImpulseBandMm = 1.5;
constexpr double kImpulsesPerMm2 = 0.6;

int OddAtLeast(double v, int min_value) {
  int k = std::max(min_value, static_cast<int>(std::lround(v)));
  return k | 1;
}

/// Clears the `edge`-pixel band along the crop's border (left alone on a crop too small).
void ClearEdgeBand(cv::Mat& mask, int edge) {
  if (edge <= 0 || mask.rows <= 2 * edge || mask.cols <= 2 * edge) return;
  mask.rowRange(0, edge).setTo(0);
  mask.rowRange(mask.rows - edge, mask.rows).setTo(0);
  mask.colRange(0, edge).setTo(0);
  mask.colRange(mask.cols - edge, mask.cols).setTo(0);
}

/// Every pixel at least `low` darker than the paper, printed lines and the edge band removed:
/// where faint ink that never reached the seed level can be.
cv::Mat WeakInk(const cv::Mat& contrast, double low, const cv::Mat& line_mask, int edge) {
  cv::Mat weak = contrast >= low;
  weak.setTo(0, line_mask);
  ClearEdgeBand(weak, edge);
  return weak;
}

/// Counts an 8-bit image's levels (over `mask` if given) into `hist` (256 zeroed bins); returns
/// the pixels counted.
long Histogram(const cv::Mat& img, int* hist, const cv::Mat& mask = {}) {
  long total = 0;
  for (int y = 0; y < img.rows; ++y) {
    const uchar* p = img.ptr<uchar>(y);
    const uchar* mp = mask.empty() ? nullptr : mask.ptr<uchar>(y);
    for (int x = 0; x < img.cols; ++x)
      if (!mp || mp[x]) ++hist[p[x]], ++total;
  }
  return total;
}

/// The level under which the share `q` of the `total` pixels counted in `hist` lie.
int HistogramQuantile(const int* hist, long total, double q) {
  long acc = 0;
  const long target = static_cast<long>(q * total);
  for (int v = 0; v < 256; ++v) {
    acc += hist[v];
    if (acc > target) return v;
  }
  return 255;
}

/// Median and MAD-based sigma of an 8-bit image (over `mask` if given), from its histogram.
void RobustStats(const cv::Mat& img, double* median, double* sigma, const cv::Mat& mask = {}) {
  int hist[256] = {0};
  const long total = Histogram(img, hist, mask);
  if (total == 0) {
    *median = *sigma = 0;
    return;
  }
  int med = HistogramQuantile(hist, total, 0.5);
  int dev[256] = {0};
  for (int v = 0; v < 256; ++v) dev[std::abs(v - med)] += hist[v];
  *median = med;
  *sigma = 1.4826 * HistogramQuantile(dev, total, 0.5);
}

/// A blot: paper the closing takes for paper (its contrast under `low`) yet at least `seed`
/// darker than the crop's paper (its brightest tenth), though no more than kStainMaxDark, over
/// kBlotMinMm2 or more: a dark stain; never the inside of a letter or a blob of ink.
constexpr double kBlotMinMm2 = 12.0;
/// A component is the edge of a blot when this share of what lies around it (within kBlotRingPx,
/// no other component) is in or at the blot and nearly as dark as the component itself.
constexpr double kBlotEdgeShare = 0.25;
constexpr int kBlotRingPx = 2;

/// A crop's blots: their bounding boxes, and the blots grown by a few pixels (the fringe between
/// a blot and a sliver of its edge is darker than its paper too: under `low` it would have
/// joined the blot). Both empty when there is none.
struct Blots {
  std::vector<cv::Rect> boxes;
  cv::Mat near;
};

Blots FindBlots(const cv::Mat& g, const cv::Mat& contrast, double low, double seed, double ppm) {
  Blots blots;
  int hist[256] = {0};
  const double usual = HistogramQuantile(hist, Histogram(g, hist), 0.9);  // the crop's paper
  cv::Mat dark = (contrast < low) & (g <= usual - seed) & (g >= (1.0 - kStainMaxDark) * usual);
  if (cv::countNonZero(dark) < kBlotMinMm2 * ppm * ppm) return blots;
  cv::Mat labels, stats, centroids;
  const int nb = cv::connectedComponentsWithStats(dark, labels, stats, centroids, 8, CV_32S);
  std::vector<uchar> big(static_cast<size_t>(nb), 0);
  for (int b = 1; b < nb; ++b)
    if (stats.at<int>(b, cv::CC_STAT_AREA) >= kBlotMinMm2 * ppm * ppm) {
      big[b] = 1;
      blots.boxes.emplace_back(stats.at<int>(b, cv::CC_STAT_LEFT), stats.at<int>(b, cv::CC_STAT_TOP),
                               stats.at<int>(b, cv::CC_STAT_WIDTH), stats.at<int>(b, cv::CC_STAT_HEIGHT));
    }
  if (blots.boxes.empty()) return blots;
  cv::dilate(LabelMask(labels, big), blots.near,
             cv::getStructuringElement(cv::MORPH_RECT, cv::Size(2 * kBlotRingPx + 3, 2 * kBlotRingPx + 3)));
  return blots;
}

/// Components (of `labels`, `n` of them, their core at `core_level` or darker) that are only the
/// edge of one of `blots`: where the closing's square cannot follow the blot's outline round a
/// curve, a sliver of it reads as darker than its paper. A stroke on or across a stain is darker
/// than the stain around it and stays.
std::vector<uchar> BlotEdges(const Blots& blots, const cv::Mat& g, const cv::Mat& contrast, double core_level,
                             const cv::Mat& labels, const cv::Mat& stats, int n) {
  std::vector<uchar> edge(static_cast<size_t>(n), 0);
  if (blots.boxes.empty()) return edge;
  for (int i = 1; i < n; ++i) {
    const int r = kBlotRingPx;
    const cv::Rect box = cv::Rect(stats.at<int>(i, cv::CC_STAT_LEFT) - r, stats.at<int>(i, cv::CC_STAT_TOP) - r,
                                  stats.at<int>(i, cv::CC_STAT_WIDTH) + 2 * r, stats.at<int>(i, cv::CC_STAT_HEIGHT) + 2 * r) &
                         cv::Rect(0, 0, g.cols, g.rows);
    // Only a component beside a blot can be its edge.
    if (std::none_of(blots.boxes.begin(), blots.boxes.end(), [&](const cv::Rect& b) { return (b & box).area() > 0; }))
      continue;
    // The component's core: how dark it is, and by how much against its paper.
    double core_gray = 0, core_contrast = 0;
    int core = 0;
    for (int y = box.y; y < box.br().y; ++y)
      for (int x = box.x; x < box.br().x; ++x)
        if (labels.at<int>(y, x) == i && contrast.at<uchar>(y, x) >= core_level)
          core_gray += g.at<uchar>(y, x), core_contrast += contrast.at<uchar>(y, x), ++core;
    if (core == 0) continue;
    const double near_dark = core_gray / core + 0.5 * core_contrast / core;
    int ring = 0, in_blot = 0;
    for (int y = box.y; y < box.br().y; ++y)
      for (int x = box.x; x < box.br().x; ++x) {
        if (labels.at<int>(y, x) != 0) continue;
        bool beside = false;
        for (int dy = -r; dy <= r && !beside; ++dy)
          for (int dx = -r; dx <= r && !beside; ++dx) {
            const int yy = y + dy, xx = x + dx;
            beside = yy >= 0 && xx >= 0 && yy < g.rows && xx < g.cols && labels.at<int>(yy, xx) == i;
          }
        if (!beside) continue;
        ++ring;
        in_blot += blots.near.at<uchar>(y, x) && g.at<uchar>(y, x) <= near_dark;
      }
    edge[static_cast<size_t>(i)] = ring > 0 && in_blot >= kBlotEdgeShare * ring;
  }
  return edge;
}

/// Very light pencil: handwriting whose strokes stay under the seed level everywhere (grainy
/// graphite at a few tens of gray levels, as bright as heavy show-through). What tells the two
/// apart is sharpness: a pencil stroke is ~0.3 mm wide with crisp edges, while writing on the
/// back of the sheet reaches the front diffused by the paper, ~1 mm wide and soft. The share of
/// each stroke's contrast a 0.6 mm opening removes (white top-hat) measures it: ~0.55-0.7 for
/// pencil, ~0.3-0.37 for show-through at every level tried (tests/handwriting). Stroke-sized
/// faint components are added as ink when there are a few of them and they are sharp together.
/// A coarse, blurred scan softens pencil too (0.39 at 150 dpi with a 0.8 px blur): where nothing
/// lies behind the area (InkOptions::blank_behind) nothing can show through, and a lower floor
/// keeps such writing while stains, noise and JPEG (<0.1 measured) stay out.
/// The edge of one of `blots` (BlotEdges, `g` the crop) is never added.
void AddFaintStrokes(const cv::Mat& contrast, const cv::Mat& g, const Blots& blots, const cv::Mat& line_mask,
                     int edge, double ppm, const InkOptions& o, InkMaps& m) {
  cv::Mat weak = WeakInk(contrast, m.low, line_mask, edge);
  weak.setTo(0, m.kept);
  cv::Mat labels, stats, centroids;
  const int n = cv::connectedComponentsWithStats(weak, labels, stats, centroids, 8, CV_32S);
  if (n <= 1) return;
  const std::vector<uchar> blot_edge = BlotEdges(blots, g, contrast, m.low, labels, stats, n);
  // Letter-sized and taller than a dash or a run of merged rule dots; never a whole rule.
  std::vector<uchar> candidate(n, 0);
  int candidates = 0;
  for (int i = 1; i < n; ++i) {
    const int w = stats.at<int>(i, cv::CC_STAT_WIDTH), h = stats.at<int>(i, cv::CC_STAT_HEIGHT);
    const int area = stats.at<int>(i, cv::CC_STAT_AREA);
    if (blot_edge[i] || std::max(w, h) < o.faint_min_extent_mm * ppm || h < o.faint_min_height_mm * ppm ||
        w > weak.cols / 2 || area < o.min_component_mm2 * ppm * ppm)
      continue;
    candidate[i] = 1;
    ++candidates;
  }
  if (candidates < o.faint_min_strokes) return;
  cv::Mat opened, top;
  const int k = OddAtLeast(0.6 * ppm, 3);
  cv::morphologyEx(contrast, opened, cv::MORPH_OPEN, cv::getStructuringElement(cv::MORPH_ELLIPSE, cv::Size(k, k)));
  cv::subtract(contrast, opened, top);
  double sum_contrast = 0, sum_top = 0;
  for (int y = 0; y < labels.rows; ++y) {
    const int* l = labels.ptr<int>(y);
    const uchar* c = contrast.ptr<uchar>(y);
    const uchar* t = top.ptr<uchar>(y);
    for (int x = 0; x < labels.cols; ++x)
      if (candidate[l[x]]) sum_contrast += c[x], sum_top += t[x];
  }
  const double min_sharpness = o.blank_behind ? o.faint_min_sharpness_blank_behind : o.faint_min_sharpness;
  if (sum_top < min_sharpness * sum_contrast) return;
  for (int i = 1; i < n; ++i)
    if (candidate[i])
      m.components.push_back(InkComponent{
          cv::Rect(stats.at<int>(i, cv::CC_STAT_LEFT), stats.at<int>(i, cv::CC_STAT_TOP),
                   stats.at<int>(i, cv::CC_STAT_WIDTH), stats.at<int>(i, cv::CC_STAT_HEIGHT)),
          stats.at<int>(i, cv::CC_STAT_AREA)});
  m.kept |= LabelMask(labels, candidate);
}

// OpenByLine along one row: `src` is the row (`cols` long), the band its columns [x0, x0 + bw),
// `out` the band's row. Works run by run: memchr finds each run of set pixels, and what the
// opening keeps of it is one interval.
void OpenRow(const uchar* src, int cols, int x0, int bw, int length, uchar* out) {
  // OpenCV's anchor for an even length sits right of centre: the window is [x - a, x + b].
  const int a = length / 2, b = length - 1 - a;
  std::memset(out, 0, static_cast<size_t>(bw));
  // The erosion of band pixels reads [x0 - a, x0 + bw - 1 + b]; beyond the image counts as set
  // (OpenCV's default border for erosion), so a run touching the image edge never ends there.
  const int lo = std::max(0, x0 - a), hi = std::min(cols, x0 + bw + b);  // [lo, hi)
  const int band_last = x0 + bw - 1;
  for (int x = lo; x < hi;) {
    const auto* first = static_cast<const uchar*>(std::memchr(src + x, 255, static_cast<size_t>(hi - x)));
    if (!first) break;
    const int s = static_cast<int>(first - src);
    const auto* gap = static_cast<const uchar*>(std::memchr(first, 0, static_cast<size_t>(hi - s)));
    const int e = gap ? static_cast<int>(gap - src) - 1 : hi - 1;
    // Eroded: the window fits in [s, e]; then within the band (the dilation sees only that).
    const int eroded_first = std::max(s == 0 ? x0 : s + a, x0);
    const int eroded_last = std::min(e == cols - 1 ? band_last : e - b, band_last);
    if (eroded_first <= eroded_last) {
      // Dilated by the same window: every x with an eroded pixel in [x - a, x + b].
      const int from = std::max(eroded_first - b, x0), to = std::min(eroded_last + a, band_last);
      std::memset(out + (from - x0), 255, static_cast<size_t>(to - from + 1));
    }
    x = e + 1;
  }
}

/// Pixels of `crop` darker than the median of their 3 x 3 neighbourhood by `seed` (0/255);
/// `median` receives that median.
cv::Mat Impulses(const cv::Mat& crop, double seed, cv::Mat& median) {
  cv::medianBlur(crop, median, 3);
  cv::Mat darker;
  cv::subtract(median, crop, darker);  // saturates at 0: only pixels darker than their median
  return darker >= seed;
}

/// `crop`, or its 3 x 3 median where salt and pepper covers it (kImpulsesPerMm2 in the median
/// band of kImpulseBandMm: a printed dotted rule fills a few bands, noise fills them all).
cv::Mat WithoutSaltAndPepper(const cv::Mat& crop, double ppm, double seed) {
  if (crop.rows < 3 || crop.cols < 3) return crop;
  cv::Mat median;
  const cv::Mat impulse = Impulses(crop, seed, median);
  const int band = std::max(1, static_cast<int>(std::lround(kImpulseBandMm * ppm)));
  std::vector<double> density;
  for (int y0 = 0; y0 + band <= impulse.rows; y0 += band)
    density.push_back(cv::countNonZero(impulse.rowRange(y0, y0 + band)) / (band * impulse.cols / (ppm * ppm)));
  if (density.empty()) return crop;
  auto mid = density.begin() + static_cast<long>(density.size() / 2);
  std::nth_element(density.begin(), mid, density.end());
  return *mid >= kImpulsesPerMm2 ? median : crop;
}

}  // namespace

std::vector<double> SpeckTiles(const cv::Mat& crop, double px_per_mm, double seed, cv::Mat* median_out) {
  std::vector<double> density;
  if (crop.rows < 3 || crop.cols < 3) return density;
  cv::Mat median, labels, stats, centroids;
  const int n = cv::connectedComponentsWithStats(Impulses(crop, seed, median), labels, stats, centroids, 8, CV_32S);
  const int tile = std::max(2, static_cast<int>(std::lround(kSpeckTileMm * px_per_mm)));
  const int tx = std::max(1, crop.cols / tile), ty = std::max(1, crop.rows / tile);
  std::vector<int> count(static_cast<size_t>(tx * ty), 0);
  for (int i = 1; i < n; ++i) {
    if (stats.at<int>(i, cv::CC_STAT_WIDTH) > 2 || stats.at<int>(i, cv::CC_STAT_HEIGHT) > 2) continue;
    const int x = std::min(tx - 1, static_cast<int>(centroids.at<double>(i, 0)) / tile);
    const int y = std::min(ty - 1, static_cast<int>(centroids.at<double>(i, 1)) / tile);
    ++count[static_cast<size_t>(y * tx + x)];
  }
  // The last column and row of tiles take the crop's remainder.
  for (int y = 0; y < ty; ++y)
    for (int x = 0; x < tx; ++x) {
      const int w = x == tx - 1 ? crop.cols - x * tile : tile, h = y == ty - 1 ? crop.rows - y * tile : tile;
      density.push_back(count[static_cast<size_t>(y * tx + x)] * px_per_mm * px_per_mm / (w * h));
    }
  if (median_out) *median_out = median;
  return density;
}

cv::Mat OpenByLine(const cv::Mat& mask, cv::Rect band, int length, bool horizontal) {
  CV_Assert(mask.type() == CV_8UC1 && length >= 1);
  band &= cv::Rect(0, 0, mask.cols, mask.rows);
  cv::Mat out = cv::Mat::zeros(band.size(), CV_8U);
  if (band.empty()) return out;
  if (horizontal) {
    for (int y = 0; y < band.height; ++y)
      OpenRow(mask.ptr<uchar>(band.y + y), mask.cols, band.x, band.width, length, out.ptr<uchar>(y));
    return out;
  }
  // Columns: transpose the band's columns over the whole height, open the rows, transpose back.
  cv::Mat cols_t, out_t(band.width, band.height, CV_8U);
  cv::transpose(mask.colRange(band.x, band.x + band.width), cols_t);
  for (int i = 0; i < band.width; ++i)
    OpenRow(cols_t.ptr<uchar>(i), cols_t.cols, band.y, band.height, length, out_t.ptr<uchar>(i));
  cv::transpose(out_t, out);
  return out;
}

InkMaps FindInk(const cv::Mat& crop, double px_per_mm, const InkOptions& o, PrintedLines lines) {
  if (crop.empty() || crop.type() != CV_8UC1)
    throw std::invalid_argument("ink detection needs a non-empty CV_8UC1 crop");
  if (!(px_per_mm > 0)) throw std::invalid_argument("ink detection needs px_per_mm > 0");
  InkMaps m;
  const double ppm = px_per_mm;
  const cv::Mat gray =
      lines == PrintedLines::kRuledArea ? WithoutSaltAndPepper(crop, ppm, o.seed_contrast) : crop;

  // Local paper: a closing over kPaperClosingMm (the brightest level within it, then the
  // darkest of those), so uneven scans, gray paper and toner haze do not matter. It fills
  // anything darker and narrower than that (pen and pencil strokes, printed rules) but follows
  // a step or a slope of the paper itself: the edge of a stain, a fold's broad shadow. A plain
  // maximum filter would take the paper outside such an edge for the paper inside it, and the
  // stain's first 1-2 mm would read as a stroke as dark as the stain.
  // It goes no further down than kStainMaxDark under the brightest paper within ~2 mm
  // (smoothed), so that ink wider than the closing is still ink.
  cv::Mat g;
  cv::GaussianBlur(gray, g, cv::Size(3, 3), 0.7);
  const int k = OddAtLeast(kPaperClosingMm * ppm, 5);
  cv::Mat paper;
  cv::morphologyEx(g, paper, cv::MORPH_CLOSE, cv::getStructuringElement(cv::MORPH_RECT, cv::Size(k, k)));
  const int kb = OddAtLeast(2.0 * ppm, 5);
  cv::Mat bright;
  cv::dilate(g, bright, cv::getStructuringElement(cv::MORPH_RECT, cv::Size(kb, kb)));
  cv::blur(bright, bright, cv::Size(kb, kb));
  paper = cv::max(paper, bright * (1.0 - kStainMaxDark));
  cv::Mat contrast;
  cv::subtract(paper, g, contrast);  // saturates at 0
  // The closing, a maximum first, sits a few noise sigmas above the true paper on noisy scans:
  // remove that bias (the median pixel is paper).
  double median = 0, spread = 0;
  RobustStats(contrast, &median, &spread);
  cv::Mat paper_px = contrast <= median;
  cv::subtract(contrast, cv::Scalar(median), contrast);
  // Scanner noise from the fine-scale residual over the paper half of the pixels, so strokes
  // and printed lines do not count as noise (the spread of the contrast itself would: in a
  // small comb cell a quarter of the pixels are border and digit). g - blur(g) keeps ~0.9
  // of white noise.
  cv::Mat smooth, residual;
  cv::GaussianBlur(gray, smooth, cv::Size(5, 5), 1.1);
  cv::absdiff(gray, smooth, residual);
  double residual_median = 0, unused = 0;
  RobustStats(residual, &residual_median, &unused, paper_px);
  const double sigma = 1.4826 * residual_median / 0.9;
  m.contrast = contrast;
  m.noise = sigma;
  m.low = std::max(o.min_contrast, o.noise_sigmas * sigma);
  // Show-through and JPEG ringing are faint everywhere; real pen and pencil ink reaches the
  // seed level somewhere in every stroke.
  m.seed = std::max(o.seed_contrast, m.low + 15.0);
  // Hysteresis limited in distance: weak pixels count only within grow_mm of strong ones.
  // That keeps the soft edges of a stroke but not the show-through or haze it happens to
  // touch (plain connectivity would let a dash swallow the mirrored text behind it).
  cv::Mat strong = contrast >= m.seed;
  cv::Mat mask;
  int g_r = OddAtLeast(2.0 * o.grow_mm * ppm, 3);
  cv::dilate(strong, mask, cv::getStructuringElement(cv::MORPH_ELLIPSE, cv::Size(g_r, g_r)));
  cv::bitwise_and(mask, contrast >= m.low, mask);

  // Printed solid lines: long straight runs found by morphological opening. Pixels on them
  // are removed (a stroke crossing a rule loses a 2-3 px gap, which detection tolerates).
  cv::Mat line_mask = cv::Mat::zeros(mask.size(), CV_8U);
  auto open_into = [&](cv::Size kernel, cv::Rect band, const cv::Mat& from) {
    if (kernel.width > band.width || kernel.height > band.height) return;
    // Run lengths, not cv::morphologyEx: its cost grows with the kernel (a rule kernel is
    // most of the area's width), and these openings were ~6% of a bench ingest.
    const bool horizontal = kernel.height == 1;
    const cv::Mat opened = OpenByLine(from, band, horizontal ? kernel.width : kernel.height, horizontal);
    cv::Mat dst = line_mask(band);
    cv::bitwise_or(dst, opened, dst);
  };
  const cv::Rect all(0, 0, mask.cols, mask.rows);
  if (lines == PrintedLines::kRuledArea) {
    // Rules and the frame span (nearly) the whole width; a handwritten dash does not.
    int lh = static_cast<int>(o.rule_min_fraction * mask.cols);
    open_into(cv::Size(std::max(lh, 3), 1), all, mask);
    // Paper stretch the page transform does not model tilts a rule by a few pixels across the
    // area, so no single row holds it end to end. Open again in overlapping 15 mm strips:
    // within a strip the grown rule (~5 px thick in the mask) still covers whole rows up to
    // ~2.5 deg of tilt, while handwriting seldom has a straight level run of 13.5 mm (a long
    // dash that does is "no comment" either way).
    const int strip = std::max(8, static_cast<int>(15.0 * ppm));
    for (int x0 = 0; x0 + strip / 2 < mask.cols; x0 += strip / 2) {
      cv::Rect band(x0, 0, std::min(strip, mask.cols - x0), mask.rows);
      open_into(cv::Size(std::max(3, band.width * 9 / 10), 1), band, mask);
    }
    // Vertical frame sides span the area's height; handwriting never has a straight
    // vertical run of 70% of it (or 6 mm on a one-line area).
    int lv = std::max(static_cast<int>(6.0 * ppm), mask.rows * 7 / 10);
    open_into(cv::Size(1, lv), all, mask);
    // A crease or streak straight down a tall area, tilted a little with the page: any
    // straight vertical run of 13.5 mm (handwriting on 9 mm lines has none). Against the
    // closing's paper such a line is only as wide as its dark core, not its shadow, a pixel or
    // two, and a faint one reaches the floor only in places: it is looked for among all pixels
    // at the floor, widened by a pixel each way, so that neither its tilt nor a gap of a pixel
    // breaks the run.
    if (mask.rows > strip) {
      cv::Mat faint;
      cv::dilate(contrast >= m.low, faint, cv::getStructuringElement(cv::MORPH_RECT, cv::Size(3, 3)));
      open_into(cv::Size(1, std::max(3, strip * 9 / 10)), all, faint);
    }
  } else {
    // A comb cell's printed border lies within ~2 mm of the crop edge (1 mm margin plus
    // misfit); the digit sits in the middle. Only look for border lines there, and only runs
    // longer than 70% of the crop (the border spans 75-80%), so the stem of a 1 or the bar
    // of a 7 stays.
    int bh = std::min(mask.rows / 2, static_cast<int>(2.0 * ppm));
    int bw = std::min(mask.cols / 2, static_cast<int>(2.0 * ppm));
    cv::Size hk(std::max(3, mask.cols * 7 / 10), 1), vk(1, std::max(3, mask.rows * 7 / 10));
    open_into(hk, cv::Rect(0, 0, mask.cols, bh), mask);
    open_into(hk, cv::Rect(0, mask.rows - bh, mask.cols, bh), mask);
    open_into(vk, cv::Rect(0, 0, bw, mask.rows), mask);
    open_into(vk, cv::Rect(mask.cols - bw, 0, bw, mask.rows), mask);
  }
  cv::dilate(line_mask, line_mask, cv::getStructuringElement(cv::MORPH_RECT, cv::Size(3, 3)));
  if (lines == PrintedLines::kCombCell) m.lines = line_mask;
  mask.setTo(0, line_mask);
  // Ink confined to the very edge is the frame or the neighbour's border, cut by the crop.
  int edge = static_cast<int>(std::lround(o.edge_band_mm * ppm));
  ClearEdgeBand(mask, edge);

  if (lines == PrintedLines::kCombCell) {
    cv::Mat wl, ws, wc;
    int wn = cv::connectedComponentsWithStats(WeakInk(contrast, m.low, line_mask, edge), wl, ws, wc, 8, CV_32S);
    for (int i = 1; i < wn; ++i)
      if (ws.at<int>(i, cv::CC_STAT_AREA) >= o.min_component_mm2 * ppm * ppm)
        m.faint_extent_px = std::max(m.faint_extent_px, std::max(ws.at<int>(i, cv::CC_STAT_WIDTH),
                                                                  ws.at<int>(i, cv::CC_STAT_HEIGHT)));
  }

  cv::Mat labels, stats, centroids;
  int n = cv::connectedComponentsWithStats(mask, labels, stats, centroids, 8, CV_32S);
  std::vector<uchar> peak(n, 0);
  std::vector<int> strong_px(n, 0);
  for (int y = 0; y < labels.rows; ++y) {
    const int* l = labels.ptr<int>(y);
    const uchar* c = contrast.ptr<uchar>(y);
    for (int x = 0; x < labels.cols; ++x)
      if (l[x] > 0) {
        peak[l[x]] = std::max(peak[l[x]], c[x]);
        strong_px[l[x]] += c[x] >= m.seed;
      }
  }
  // A few strong pixels are noise on a faint blob; a pen or pencil stroke has a strong core
  // of at least ~0.03 mm2 (0.2 x 0.15 mm).
  const int min_strong_px = std::max(3, static_cast<int>(0.03 * ppm * ppm));
  // Dotted rules: printed dots are tiny, and many of them sit on one row. Show-through or
  // blur can swell a dot past the size floor, so such rows are recognised as a whole.
  std::vector<uchar> rule_dot(n, 0);
  if (lines == PrintedLines::kRuledArea) {
    const double dot_max = 0.9 * ppm, row_tol = 0.3 * ppm;
    std::vector<int> small;
    for (int i = 1; i < n; ++i)
      if (std::max(stats.at<int>(i, cv::CC_STAT_WIDTH), stats.at<int>(i, cv::CC_STAT_HEIGHT)) <= dot_max)
        small.push_back(i);
    for (int i : small) {
      std::vector<int> row_areas;
      for (int j : small)
        if (std::fabs(centroids.at<double>(i, 1) - centroids.at<double>(j, 1)) <= row_tol)
          row_areas.push_back(strong_px[j]);
      if (row_areas.size() < 6) continue;
      // Printed dots are all alike; a pen full stop or a deliberate dot on the rule has a
      // strong core several times larger than the row's typical dot, and stays. (Whole areas
      // would not do: show-through behind a dot swells it with faint pixels.)
      auto mid = row_areas.begin() + static_cast<long>(row_areas.size() / 2);
      std::nth_element(row_areas.begin(), mid, row_areas.end());
      // A full stop's core is ~0.2 mm2; a printed 0.2 mm dot's at most ~0.05 mm2.
      if (strong_px[i] <= std::max(3.0 * *mid, 0.05 * ppm * ppm)) rule_dot[i] = 1;
    }
  }
  const double px2_per_mm2 = ppm * ppm;
  const Blots blots = FindBlots(g, contrast, m.low, m.seed, ppm);
  const std::vector<uchar> blot_edge = BlotEdges(blots, g, contrast, m.seed, labels, stats, n);
  std::vector<uchar> keep(n, 0), speck(n, 0);
  for (int i = 1; i < n; ++i) {
    if (blot_edge[i]) continue;
    int area = stats.at<int>(i, cv::CC_STAT_AREA);
    int w = stats.at<int>(i, cv::CC_STAT_WIDTH), h = stats.at<int>(i, cv::CC_STAT_HEIGHT);
    // Slivers left along a removed printed line: long, axis-aligned, one or two pixels
    // thick. A pen stroke is thicker or not perfectly straight.
    bool sliver = std::max(w, h) > 3.0 * ppm && std::min(w, h) <= std::max(2.0, 0.2 * ppm);
    if (sliver && lines == PrintedLines::kCombCell) {
      // In a cell the border is near the edge; a thin straight 1 in the middle is a digit.
      int x = stats.at<int>(i, cv::CC_STAT_LEFT), y = stats.at<int>(i, cv::CC_STAT_TOP);
      double band = 2.0 * ppm;
      sliver = y + h <= band || y >= mask.rows - band || x + w <= band || x >= mask.cols - band;
    }
    bool strong = strong_px[i] >= min_strong_px;
    if (rule_dot[i]) continue;
    if (!sliver && strong && area / px2_per_mm2 >= o.min_component_mm2) {
      keep[i] = 255;
      m.components.push_back(InkComponent{
          cv::Rect(stats.at<int>(i, cv::CC_STAT_LEFT), stats.at<int>(i, cv::CC_STAT_TOP), w, h), area});
    } else if (!sliver && peak[i] >= m.low + 10) {
      speck[i] = 255;
    }
  }
  m.kept = LabelMask(labels, keep);
  m.specks = LabelMask(labels, speck);
  if (lines == PrintedLines::kRuledArea) AddFaintStrokes(contrast, g, blots, line_mask, edge, ppm, o, m);
  // Accents and the dots of i sit within ~1.5 mm of their letter; specks farther away are dust.
  if (!m.components.empty()) {
    int r = OddAtLeast(3.0 * ppm, 3);
    cv::Mat near;
    cv::dilate(m.kept, near, cv::getStructuringElement(cv::MORPH_ELLIPSE, cv::Size(r, r)));
    cv::bitwise_and(m.specks, near, m.specks);
  } else {
    m.specks.setTo(0);
  }
  return m;
}

cv::Mat LabelMask(const cv::Mat& labels, const std::vector<uchar>& selected) {
  cv::Mat out(labels.size(), CV_8U);
  for (int y = 0; y < labels.rows; ++y) {
    const int* l = labels.ptr<int>(y);
    uchar* o = out.ptr<uchar>(y);
    for (int x = 0; x < labels.cols; ++x) o[x] = selected[static_cast<size_t>(l[x])] ? 255 : 0;
  }
  return out;
}

cv::Mat InkStrength(const cv::Mat& contrast, const cv::Mat& mask) {
  std::vector<uchar> values;
  for (int y = 0; y < mask.rows; ++y) {
    const uchar* mp = mask.ptr<uchar>(y);
    const uchar* cp = contrast.ptr<uchar>(y);
    for (int x = 0; x < mask.cols; ++x)
      if (mp[x]) values.push_back(cp[x]);
  }
  cv::Mat out = cv::Mat::zeros(contrast.size(), CV_8U);
  if (values.empty()) return out;
  // The 90th percentile of the ink is "full ink": pencil and pen then look alike downstream.
  auto q = values.begin() + static_cast<long>(values.size() * 9 / 10);
  std::nth_element(values.begin(), q, values.end());
  double scale = 255.0 / std::max<double>(*q, 1.0);
  contrast.convertTo(out, CV_8U, scale);
  out.setTo(0, mask == 0);
  return out;
}

}  // namespace internal

const char* InkClassName(InkClass ink_class) {
  switch (ink_class) {
    case InkClass::kBlank: return "blank";
    case InkClass::kStray: return "stray";
    case InkClass::kDash: return "dash";
    case InkClass::kWritten: return "written";
  }
  return "blank";
}

InkReport DetectInk(const cv::Mat& area_gray, double px_per_mm, const InkOptions& options) {
  internal::InkMaps m =
      internal::FindInk(area_gray, px_per_mm, options, internal::PrintedLines::kRuledArea);
  InkReport r;
  r.components = static_cast<int>(m.components.size());
  cv::Mat all_ink;
  cv::bitwise_or(m.kept, m.specks, all_ink);
  r.ink = internal::InkStrength(m.contrast, all_ink);
  if (m.components.empty()) {
    r.ink_class = InkClass::kBlank;
    r.code = "blank";
    r.reason = ReasonText(core::ReviewReason{r.code, {}});
    return r;
  }
  const double ppm = px_per_mm;
  int area_px = 0;
  double largest_extent_mm = 0;
  cv::Rect box = m.components.front().box;
  for (const auto& c : m.components) {
    area_px += c.area_px;
    box |= c.box;
    largest_extent_mm = std::max(largest_extent_mm, std::max(c.box.width, c.box.height) / ppm);
  }
  r.ink_mm2 = area_px / (ppm * ppm);
  r.ink_box_px = box;

  if (largest_extent_mm <= options.stray_max_extent_mm && r.components <= 3) {
    r.ink_class = InkClass::kStray;
    r.code = "dot";
    r.reason = ReasonText(core::ReviewReason{r.code, {}});
    return r;
  }
  // One short flick and nothing else (cut in two where it crosses a rule): the pen touched
  // the paper on its way. Written words on these 9 mm lines are taller or longer.
  if (r.components <= 2 && std::max(box.width, box.height) / ppm <= options.stray_stroke_max_mm) {
    r.ink_class = InkClass::kStray;
    r.code = "short_stroke";
    r.reason = ReasonText(core::ReviewReason{r.code, {}});
    return r;
  }
  // A dash: one stroke (maybe broken in two by a rule), long, thin and near horizontal. Its
  // thickness is judged on the rotated bounding rectangle so slanted dashes qualify too.
  if (r.components <= 2) {
    // Judge the shape on the stroke's strong core: faint pixels it touched (show-through,
    // a rule) would make it look thicker than it is.
    cv::Mat core = m.contrast >= m.seed;
    cv::bitwise_and(core, m.kept, core);
    std::vector<cv::Point> pts;
    cv::findNonZero(core, pts);
    if (pts.empty()) cv::findNonZero(m.kept, pts);  // faint pencil: no pixel reaches the seed.
    cv::RotatedRect rr = cv::minAreaRect(pts);
    double len = std::max(rr.size.width, rr.size.height) / ppm;
    double thick = std::min(rr.size.width, rr.size.height) / ppm;
    double angle = rr.size.width >= rr.size.height ? rr.angle : rr.angle + 90.0;
    angle = std::fmod(std::fabs(angle), 180.0);
    angle = std::min(angle, 180.0 - angle);
    if (len >= options.dash_min_length_mm && thick <= options.dash_max_thickness_mm &&
        angle <= options.dash_max_angle_deg) {
      r.ink_class = InkClass::kDash;
      r.code = "dash";
    r.reason = ReasonText(core::ReviewReason{r.code, {}});
      return r;
    }
  }
  r.ink_class = InkClass::kWritten;
  r.code = "handwriting_present";
    r.reason = ReasonText(core::ReviewReason{r.code, {}});
  return r;
}

}  // namespace phieu::recognition
