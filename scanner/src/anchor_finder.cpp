// Copyright 2026 The Phiếu Authors
// SPDX-License-Identifier: Apache-2.0
#include "anchor_finder.h"

#include <algorithm>
#include <cmath>
#include <optional>

#include <ZXing/BitMatrix.h>
#include <ZXing/MultiFormatWriter.h>
#include <ZXing/ReadBarcode.h>
#include <opencv2/imgproc.hpp>

#include "templates/anchor_payload.h"

namespace phieu::scanner {
namespace {

// Pages with a longer side than this are decoded at half size in the whole-page pass:
// ZXing's cost grows with area, and anchors of >= 12 mm keep >= 3 px per module at 300 dpi.
constexpr int kMaxFullPageSide = 4200;
// Pages up to this long side (A4 at <= ~220 dpi) get an upscaled retry on empty crops.
constexpr int kMaxUpscaleSide = 2600;
// Larger pages get a smoothed retry instead (see FindCodes), its scale from the page's size.
constexpr double kA4LongSideMm = 297.0;
constexpr double kSpeckSmoothingMm = 0.11;

ZXing::DecodeHints ThoroughHints() {
  // Defaults (tryHarder, tryRotate, tryDownscale) were the only setting that found all four
  // anchors on rotated, noisy and upside-down pages in the STACK.md measurements.
  ZXing::DecodeHints hints;
  hints.setFormats(ZXing::BarcodeFormat::QRCode);
  return hints;
}

ZXing::DecodeHints QuickHints() {
  // A global threshold without rotation/downscale passes is 3-5x cheaper per crop and finds
  // printed anchors on ordinary scans; crops where it finds nothing get the thorough pass.
  ZXing::DecodeHints hints;
  hints.setFormats(ZXing::BarcodeFormat::QRCode)
      .setTryRotate(false)
      .setTryDownscale(false)
      .setBinarizer(ZXing::Binarizer::GlobalHistogram);
  return hints;
}

// ZXing reports corners in pixel-edge coordinates (a pixel spans [i, i+1)); we use OpenCV's
// centre convention, where that pixel is at i. Measured on synthetic pages: without the
// shift, corners sat 0.5-1 px right of and below the drawn symbol edges at every rotation.
constexpr double kEdgeToCentre = -0.5;

void Collect(const ZXing::Results& results, double offset_x, double offset_y, double scale,
             std::vector<DecodedCode>& out) {
  for (const auto& r : results) {
    // A mirrored symbol is print showing through from the other side of the sheet (a blank
    // back scanned with a low binarisation threshold): never an anchor of this side.
    if (!r.isValid() || r.isMirrored()) continue;
    DecodedCode code;
    code.text = r.text();
    const auto& q = r.position();
    for (int i = 0; i < 4; ++i)
      code.corners[static_cast<size_t>(i)] =
          cv::Point2d(offset_x + (q[i].x + kEdgeToCentre) * scale,
                      offset_y + (q[i].y + kEdgeToCentre) * scale);
    // The same symbol seen by two overlapping crops: keep the first.
    cv::Point2d c = (code.corners[0] + code.corners[2]) * 0.5;
    double size = cv::norm(code.corners[0] - code.corners[2]);
    bool duplicate = std::any_of(out.begin(), out.end(), [&](const DecodedCode& o) {
      return o.text == code.text && cv::norm((o.corners[0] + o.corners[2]) * 0.5 - c) < size;
    });
    if (!duplicate) out.push_back(std::move(code));
  }
}

// --- Rescue of symbols whose data modules merged -------------------------------------------
//
// A 150-dpi scan blurred (sigma ~1 px) and binarised with a high threshold (~190 of 255) grows
// every black module by ~0.9 px a side: with 2.5-3.3 px modules, white modules between black
// ones close up and ZXing's detector and binarizers find nothing, whatever the resampling (as
// is, upscaled x2/x3, eroded, re-thresholded: 0 of 20 corners on the bench examples). The
// finder patterns survive (their rings are a module wide on each side), so we locate them
// ourselves, sample the module grid they define with a threshold calibrated on the timing
// pattern, and hand ZXing a clean re-drawn symbol: its Reed-Solomon check still decides.

struct FinderPattern {
  cv::Point2d centre;  // crop px, OpenCV centre convention
  double module = 0;   // px
};

/// Finder patterns: a black ring around a white ring around a black 3x3 square. The outer
/// side is 7 modules plus the black growth, the hole's side 5 modules minus it, so their sum
/// measures 12 modules whatever the growth.
std::vector<FinderPattern> FindFinderPatterns(const cv::Mat& black) {
  std::vector<std::vector<cv::Point>> contours;
  std::vector<cv::Vec4i> tree;  // next, previous, first child, parent
  cv::findContours(black, contours, tree, cv::RETR_TREE, cv::CHAIN_APPROX_SIMPLE);
  std::vector<FinderPattern> out;
  for (size_t i = 0; i < contours.size(); ++i) {
    const int hole = tree[i][2];
    if (hole < 0 || tree[static_cast<size_t>(hole)][0] >= 0) continue;  // exactly one hole
    const int inner = tree[static_cast<size_t>(hole)][2];
    if (inner < 0 || tree[static_cast<size_t>(inner)][0] >= 0) continue;  // one inner square
    const double outer_area = cv::contourArea(contours[i]);
    const double hole_area = cv::contourArea(contours[static_cast<size_t>(hole)]);
    const double inner_area = cv::contourArea(contours[static_cast<size_t>(inner)]);
    if (outer_area < 64 || hole_area <= 0 || inner_area <= 0) continue;
    const double module = (std::sqrt(outer_area) + std::sqrt(hole_area)) / 12.0;
    const double inner_side = std::sqrt(inner_area) / module;
    if (module < 1.5 || inner_side < 1.5 || inner_side > 5.0) continue;
    const cv::RotatedRect box = cv::minAreaRect(contours[i]);
    const double aspect = box.size.width / std::max(1.0f, box.size.height);
    if (aspect < 0.75 || aspect > 1.33) continue;
    const cv::Moments mo = cv::moments(contours[i]);
    const cv::Moments mi = cv::moments(contours[static_cast<size_t>(inner)]);
    if (mo.m00 <= 0 || mi.m00 <= 0) continue;
    const cv::Point2d co(mo.m10 / mo.m00, mo.m01 / mo.m00), ci(mi.m10 / mi.m00, mi.m01 / mi.m00);
    if (cv::norm(co - ci) > module) continue;  // not concentric
    out.push_back({(co + ci) * 0.5, module});
  }
  return out;
}

/// Module grid of one symbol: module coordinates (u, v) (edges at integers, the symbol spans
/// [0, n]) -> crop px, an affine map through the three finder centres.
struct ModuleGrid {
  int n = 0;
  cv::Point2d origin, du, dv;  // crop px of module point (0, 0) and per-module steps
  cv::Point2d At(double u, double v) const { return origin + du * u + dv * v; }
};

ModuleGrid MakeGrid(const FinderPattern& tl, const FinderPattern& tr, const FinderPattern& bl,
                    int n) {
  ModuleGrid g;
  g.n = n;
  g.du = (tr.centre - tl.centre) / (n - 7.0);
  g.dv = (bl.centre - tl.centre) / (n - 7.0);
  g.origin = tl.centre - g.du * 3.5 - g.dv * 3.5;
  return g;
}

/// Whiteness (0..1) at each module centre, sampled from `white` (CV_32F, 1 = paper).
cv::Mat SampleModules(const cv::Mat& white, const ModuleGrid& g) {
  cv::Mat map_x(g.n, g.n, CV_32F), map_y(g.n, g.n, CV_32F), out;
  for (int v = 0; v < g.n; ++v)
    for (int u = 0; u < g.n; ++u) {
      const cv::Point2d p = g.At(u + 0.5, v + 0.5);
      map_x.at<float>(v, u) = static_cast<float>(p.x);
      map_y.at<float>(v, u) = static_cast<float>(p.y);
    }
  cv::remap(white, out, map_x, map_y, cv::INTER_LINEAR, cv::BORDER_CONSTANT, cv::Scalar(1.0));
  return out;
}

/// Threshold between the timing pattern's black and white modules (row and column 6, which
/// alternate between the finders): they are the hardest case, white modules flanked by black.
std::optional<float> TimingThreshold(const cv::Mat& samples) {
  const int n = samples.rows;
  double sum[2] = {0, 0};
  int count[2] = {0, 0};
  for (int k = 8; k <= n - 9; ++k) {
    const int is_white = k % 2;
    sum[is_white] += samples.at<float>(6, k) + samples.at<float>(k, 6);
    count[is_white] += 2;
  }
  if (count[0] == 0 || count[1] == 0) return std::nullopt;
  const double black = sum[0] / count[0], white = sum[1] / count[1];
  if (white - black < 0.1) return std::nullopt;  // no timing pattern here: not this grid
  return static_cast<float>((black + white) / 2);
}

/// Overwrites the modules that carry no data (finder patterns and their separators, timing
/// patterns, the dark module, the alignment pattern of versions 2-6) with their fixed values.
/// ZXing's pure-symbol detector walks the finder patterns and asserts (aborting the process
/// in Debian's build) on a broken one; the data and format modules are left as sampled.
void StampFunctionPatterns(cv::Mat& dark) {
  const int n = dark.rows;
  auto set = [&](int row, int col, bool black) {
    if (row >= 0 && row < n && col >= 0 && col < n)
      dark.at<unsigned char>(row, col) = black ? 255 : 0;
  };
  for (const cv::Point c : {cv::Point(3, 3), cv::Point(n - 4, 3), cv::Point(3, n - 4)})
    for (int dy = -4; dy <= 4; ++dy)
      for (int dx = -4; dx <= 4; ++dx) {
        const int ring = std::max(std::abs(dx), std::abs(dy));
        set(c.y + dy, c.x + dx, ring != 2 && ring != 4);  // ring 4: the white separator
      }
  for (int k = 8; k <= n - 9; ++k) {
    set(6, k, k % 2 == 0);
    set(k, 6, k % 2 == 0);
  }
  set(n - 8, 8, true);
  const int version = (n - 17) / 4;
  if (version >= 2 && version <= 6)
    for (int dy = -2; dy <= 2; ++dy)
      for (int dx = -2; dx <= 2; ++dx)
        set(n - 7 + dy, n - 7 + dx, std::max(std::abs(dx), std::abs(dy)) != 1);
}

/// Appends `text` as a code read from the symbol on grid `g` (its corners in crop px).
void AppendCode(std::string text, const ModuleGrid& g, double offset_x, double offset_y, std::vector<DecodedCode>& out) {
  DecodedCode code;
  code.text = std::move(text);
  const cv::Point2d corners[4] = {g.At(0, 0), g.At(g.n, 0), g.At(g.n, g.n), g.At(0, g.n)};
  for (int i = 0; i < 4; ++i)
    code.corners[static_cast<size_t>(i)] = {offset_x + corners[i].x, offset_y + corners[i].y};
  out.push_back(std::move(code));
}

/// Re-draws the sampled symbol at 4 px per module with a 4-module quiet zone and decodes it
/// (pure-symbol mode); a hit is reported in the crop's pixels through the grid.
bool DecodeResampled(const cv::Mat& samples, float threshold, const ModuleGrid& g,
                     std::vector<DecodedCode>& out, double offset_x, double offset_y) {
  constexpr int kPx = 4, kQuiet = 4;
  cv::Mat dark = samples < threshold;
  StampFunctionPatterns(dark);
  const int side = (g.n + 2 * kQuiet) * kPx;
  cv::Mat clean(side, side, CV_8UC1, cv::Scalar(255));
  for (int v = 0; v < g.n; ++v)
    for (int u = 0; u < g.n; ++u)
      if (dark.at<unsigned char>(v, u))
        clean(cv::Rect((u + kQuiet) * kPx, (v + kQuiet) * kPx, kPx, kPx)).setTo(0);
  ZXing::DecodeHints hints;
  hints.setFormats(ZXing::BarcodeFormat::QRCode).setIsPure(true).setTryRotate(false)
      .setTryDownscale(false);
  ZXing::ImageView view(clean.data, clean.cols, clean.rows, ZXing::ImageFormat::Lum,
                        static_cast<int>(clean.step));
  const ZXing::Result r = ZXing::ReadBarcode(view, hints);
  // Mirrored: our grid was laid out as printed, so this is a mirrored print (see Collect).
  if (!r.isValid() || r.isMirrored()) return false;
  // The drawn symbol is upright by construction (its finders were stamped there), so its
  // corners are the grid's; ZXing's pure-symbol corners sit on the last black pixel, a
  // quarter module short on the right and bottom.
  AppendCode(r.text(), g, offset_x, offset_y, out);
  return true;
}

/// Tries the grid of sizes near `n_est` through the three finders on each whiteness image,
/// at the timing-calibrated threshold and a few around it (the pure decode is ~0.1 ms).
bool DecodeFromFinders(const std::vector<cv::Mat>& whiteness, const FinderPattern& tl,
                       const FinderPattern& tr, const FinderPattern& bl, double n_est,
                       double offset_x, double offset_y, std::vector<DecodedCode>& out) {
  const int version = static_cast<int>(std::lround((n_est - 17) / 4));
  for (int v : {version, version - 1, version + 1}) {
    if (v < 1 || v > 10) continue;
    const ModuleGrid grid = MakeGrid(tl, tr, bl, 17 + 4 * v);
    for (const cv::Mat& image : whiteness) {
      const cv::Mat samples = SampleModules(image, grid);
      const auto calibrated = TimingThreshold(samples);
      if (!calibrated) continue;  // no timing pattern: not a symbol of this size
      for (float delta : {0.0f, -0.05f, 0.05f, -0.1f, 0.1f, 0.15f})
        if (DecodeResampled(samples, *calibrated + delta, grid, out, offset_x, offset_y))
          return true;
    }
  }
  return false;
}

/// Agreement at which a sampled symbol is taken to be an expected one, and its least lead over
/// the next best expected text. Measured on a 150-dpi bilevel bench page under 15% show-through
/// whose anchors no longer decode: the right text 0.958-0.964 in three corners, a serial one
/// off 0.80-0.82, other texts 0.5-0.8. Clean scans of the same page: 0.967-0.994.
constexpr double kExpectedAgreement = 0.92;
constexpr double kExpectedLead = 0.08;

/// An anchor text the page may hold, and its symbol as the forms print it (ECC M, no margin).
struct ExpectedSymbol {
  std::string text;
  ZXing::BitMatrix bits;
};

std::vector<ExpectedSymbol> EncodeExpected(const std::vector<std::string>& texts) {
  std::vector<ExpectedSymbol> out;
  for (const std::string& text : texts) {
    ZXing::MultiFormatWriter writer(ZXing::BarcodeFormat::QRCode);
    writer.setEccLevel(templates::kAnchorEccLevel).setMargin(0);
    out.push_back({text, writer.encode(text, 0, 0)});
  }
  return out;
}

/// Compares the module grid through the three finders with each expected symbol: the share
/// of its modules outside the function patterns whose darkness agrees, at the timing-calibrated
/// threshold and a few around it. Appends the best as a decoded code when it agrees well
/// enough and clearly best.
bool MatchExpected(const std::vector<cv::Mat>& whiteness, const FinderPattern& tl, const FinderPattern& tr,
                   const FinderPattern& bl, double n_est, const std::vector<ExpectedSymbol>& expected, double offset_x,
                   double offset_y, std::vector<DecodedCode>& out) {
  double best = 0, second = 0;
  const std::string* best_text = nullptr;
  ModuleGrid best_grid;
  for (const ExpectedSymbol& symbol : expected) {
    const std::string& text = symbol.text;
    const ZXing::BitMatrix& bits = symbol.bits;
    const int n = bits.width();
    if (n <= 0 || std::abs(n - n_est) > 4) continue;
    const ModuleGrid grid = MakeGrid(tl, tr, bl, n);
    double agreement = 0;
    for (const cv::Mat& image : whiteness) {
      const cv::Mat samples = SampleModules(image, grid);
      const auto calibrated = TimingThreshold(samples);
      if (!calibrated) continue;
      for (float delta : {0.0f, -0.05f, 0.05f, -0.1f, 0.1f}) {
        int same = 0, total = 0;
        for (int y = 0; y < n; ++y)
          for (int x = 0; x < n; ++x) {
            const bool function = (x < 9 && y < 9) || (x >= n - 8 && y < 9) || (x < 9 && y >= n - 8) || x == 6 ||
                                  y == 6 || (n >= 25 && x >= n - 9 && x <= n - 5 && y >= n - 9 && y <= n - 5);
            if (function) continue;
            same += (samples.at<float>(y, x) < *calibrated + delta) == bits.get(x, y);
            ++total;
          }
        agreement = std::max(agreement, total > 0 ? static_cast<double>(same) / total : 0.0);
      }
    }
    if (agreement > best) {
      second = best, best = agreement, best_text = &text, best_grid = grid;
    } else {
      second = std::max(second, agreement);
    }
  }
  if (!best_text || best < kExpectedAgreement || best - second < kExpectedLead) return false;
  AppendCode(*best_text, best_grid, offset_x, offset_y, out);
  return true;
}

/// Looks for one symbol with merged modules in `crop` (a corner region) and appends it when
/// it decodes, or when it matches one of `expected` (MatchExpected). ~2-4 ms on a 150-dpi
/// corner crop.
void RescueMergedModules(const cv::Mat& crop, double offset_x, double offset_y,
                         std::vector<DecodedCode>& out, const std::vector<std::string>& expected) {
  // Bounds the triple search on a crop full of ring-like print (each triple costs ~nothing
  // unless it is a right isosceles triangle of equal finders).
  constexpr size_t kMaxFinders = 12;
  cv::Mat black;
  cv::threshold(crop, black, 0, 255, cv::THRESH_BINARY_INV | cv::THRESH_OTSU);
  // The white ring around a finder's centre is the thinnest white there is; where the black
  // growth closed it, thinning black by a pixel opens it again (measured on the bench
  // examples: 7 of 20 corners had three finders as is, 18 of 20 with the thinned copy).
  auto finders = FindFinderPatterns(black);
  cv::Mat thinned;
  cv::erode(black, thinned, cv::getStructuringElement(cv::MORPH_CROSS, cv::Size(3, 3)));
  for (const FinderPattern& f : FindFinderPatterns(thinned)) {
    if (std::none_of(finders.begin(), finders.end(), [&](const FinderPattern& o) {
          return cv::norm(o.centre - f.centre) < 2 * o.module;
        }))
      finders.push_back(f);
  }
  if (finders.size() < 3 || finders.size() > kMaxFinders) return;
  cv::Mat white;
  crop.convertTo(white, CV_32F, 1.0 / 255.0);
  // Stretch paper to 1 and ink to 0 (a grey 8-bit crop as well as a 1-bit one).
  double lo = 0, hi = 1;
  cv::minMaxLoc(white, &lo, &hi);
  if (hi - lo < 0.2) return;
  white = (white - lo) / (hi - lo);
  std::vector<cv::Mat> whiteness;  // made for the first plausible triple only
  std::vector<ExpectedSymbol> symbols;
  for (size_t a = 0; a < finders.size(); ++a)
    for (size_t b = 0; b < finders.size(); ++b)
      for (size_t c = b + 1; c < finders.size(); ++c) {
        if (a == b || a == c) continue;
        const FinderPattern& corner = finders[a];
        const cv::Point2d e1 = finders[b].centre - corner.centre;
        const cv::Point2d e2 = finders[c].centre - corner.centre;
        const double l1 = cv::norm(e1), l2 = cv::norm(e2);
        const double m_min = std::min({corner.module, finders[b].module, finders[c].module});
        const double m_max = std::max({corner.module, finders[b].module, finders[c].module});
        // Two equal legs at a right angle, finders of one module size.
        if (std::abs(l1 - l2) > 0.15 * std::max(l1, l2) ||
            std::abs(e1.dot(e2)) > 0.2 * l1 * l2 || m_max > 1.4 * m_min)
          continue;
        const double module = (corner.module + finders[b].module + finders[c].module) / 3;
        if (whiteness.empty()) {
          whiteness.resize(2);
          // Blur over ~a third of a module: averages the 1-bit edge noise at the centre.
          cv::GaussianBlur(white, whiteness[0], cv::Size(0, 0), std::max(0.5, module / 3));
          // Black grows and white never appears inside a black module, so the brightest
          // pixel near a module's centre tells the shrunken white modules best (4 of the 11
          // corners recovered on the bench examples decode only this way).
          cv::Mat grown;
          cv::dilate(white, grown, cv::getStructuringElement(cv::MORPH_CROSS, cv::Size(3, 3)));
          cv::GaussianBlur(grown, whiteness[1], cv::Size(0, 0), 0.7);
        }
        // As printed, top-right follows top-left clockwise (image y points down). A mirrored
        // symbol is thus sampled transposed, and ZXing reports it mirrored: rejected.
        const bool b_is_right = e1.x * e2.y - e1.y * e2.x > 0;
        const FinderPattern& tr = b_is_right ? finders[b] : finders[c];
        const FinderPattern& bl = b_is_right ? finders[c] : finders[b];
        const double n_est = (l1 + l2) / 2 / module + 7;
        if (DecodeFromFinders(whiteness, corner, tr, bl, n_est, offset_x, offset_y, out)) return;
        if (expected.empty()) continue;
        if (symbols.empty()) symbols = EncodeExpected(expected);  // once per corner, when needed
        if (MatchExpected(whiteness, corner, tr, bl, n_est, symbols, offset_x, offset_y, out)) return;
      }
}

}  // namespace

std::array<cv::Rect, 4> CornerRegions(cv::Size page_px) {
  // A third of the short side by a quarter of the long one leaves room for rotation, +-10
  // degree skew and scale while keeping each crop ~1/12 of the page.
  const int w = page_px.width, h = page_px.height;
  const bool portrait = h >= w;
  const int cw = portrait ? w / 3 : w / 4;
  const int ch = portrait ? h / 4 : h / 3;
  return {cv::Rect(0, 0, cw, ch), cv::Rect(w - cw, 0, cw, ch), cv::Rect(w - cw, h - ch, cw, ch),
          cv::Rect(0, h - ch, cw, ch)};
}

std::vector<DecodedCode> FindCodes(const cv::Mat& gray, const FindCodesOptions& options) {
  CV_Assert(gray.type() == CV_8UC1);
  std::vector<DecodedCode> found;
  if (gray.empty()) return found;
  const auto quick = QuickHints();
  const auto thorough = ThoroughHints();
  const int w = gray.cols, h = gray.rows;
  ZXing::ImageView view(gray.data, w, h, ZXing::ImageFormat::Lum, static_cast<int>(gray.step));

  const auto regions = CornerRegions(gray.size());
  if (regions[0].width >= 32 && regions[0].height >= 32) {
    // First the quick pass in every corner, then the slower ones where it found nothing: a
    // page with no code in any corner may be given up on before they run.
    std::array<bool, 4> quick_found{};
    for (size_t i = 0; i < regions.size(); ++i) {
      const cv::Rect& region = regions[i];
      // The quick pass looks at the outer 3/4 x 4/5 of the region first (where the anchor is
      // on any ordinary scan): a global threshold over less paper adapts better to the
      // symbol, and it is ~35% cheaper (measured on the bench stack: 4.1 vs 6.3 ms per page,
      // 83 vs 79 of 92 corners found).
      const int qw = region.width * 3 / 4, qh = region.height * 4 / 5;
      const cv::Rect quick_region(region.x == 0 ? 0 : region.br().x - qw,
                                  region.y == 0 ? 0 : region.br().y - qh, qw, qh);
      ZXing::Results results;
      if (std::max(w, h) > kMaxFullPageSide) {
        // 400-600 dpi: half size still gives >= 3 px per module and costs a quarter
        // (600-dpi G4 pages: 32 -> 10 ms per page, the same corners found).
        cv::Mat half;
        cv::resize(gray(quick_region), half, cv::Size(), 0.5, 0.5, cv::INTER_AREA);
        ZXing::ImageView hv(half.data, half.cols, half.rows, ZXing::ImageFormat::Lum,
                            static_cast<int>(half.step));
        results = ZXing::ReadBarcodes(hv, quick);
        // Half-size edge coordinate e is full-size edge coordinate 2e; back to centres after.
        if (!results.empty()) Collect(results, quick_region.x + 0.5, quick_region.y + 0.5, 2.0, found);
      } else {
        results = ZXing::ReadBarcodes(view.cropped(quick_region.x, quick_region.y, qw, qh), quick);
        if (!results.empty()) Collect(results, quick_region.x, quick_region.y, 1.0, found);
      }
      quick_found[i] = !results.empty();
    }
    const bool none = std::none_of(quick_found.begin(), quick_found.end(), [](bool b) { return b; });
    if (none && options.give_up_if_none && options.give_up_if_none()) return found;
    for (size_t i = 0; i < regions.size(); ++i) {
      if (quick_found[i]) continue;
      const cv::Rect& region = regions[i];
      const auto crop = view.cropped(region.x, region.y, region.width, region.height);
      ZXing::Results results = ZXing::ReadBarcodes(crop, thorough);
      if (results.empty() && std::max(w, h) <= kMaxUpscaleSide) {
        // Low-resolution scans (150-200 dpi) leave ~3 px per module; once blurred, ZXing's
        // binarizer loses them, and a 2x cubic upscale brings them back (measured: 150 dpi,
        // blur 0.8 px, noise 18 -> 0/4 found as is, 4/4 upscaled).
        cv::Mat up;
        cv::resize(gray(region), up, cv::Size(), 2.0, 2.0, cv::INTER_CUBIC);
        ZXing::ImageView uv(up.data, up.cols, up.rows, ZXing::ImageFormat::Lum,
                            static_cast<int>(up.step));
        // Upscaled edge coordinate e is source centre coordinate e / 2 - 0.5.
        const size_t before = found.size();
        Collect(ZXing::ReadBarcodes(uv, thorough), region.x - 0.25, region.y - 0.25, 0.5, found);
        // Still nothing: the modules may have merged (blur, then a high 1-bit threshold).
        if (found.size() == before) RescueMergedModules(gray(region), region.x, region.y, found, options.expected);
        continue;
      }
      if (results.empty()) {
        // Still nothing at 250 dpi and more: a bilevel scan whose high threshold let the
        // anchor's mirrored twin on the back of the leaf through (show-through) as specks
        // and grown modules, over the white modules and the finders' white rings. Smoothing
        // over ~0.11 mm (a fifth of a module) averages them out while the modules stay
        // (measured on the bench stack at 15% show-through: 0 -> 2-4 anchors per page; 0.07
        // and 0.17 mm found fewer).
        const double px_per_mm = std::max(w, h) / kA4LongSideMm;
        cv::Mat smooth;
        cv::GaussianBlur(gray(region), smooth, cv::Size(0, 0), kSpeckSmoothingMm * px_per_mm);
        ZXing::ImageView sv(smooth.data, smooth.cols, smooth.rows, ZXing::ImageFormat::Lum,
                            static_cast<int>(smooth.step));
        results = ZXing::ReadBarcodes(sv, thorough);
      }
      Collect(results, region.x, region.y, 1.0, found);
    }
  }
  if (static_cast<int>(found.size()) >= options.wanted || !options.full_page_fallback)
    return found;
  FindCodesOnFullPage(gray, found, false);
  return found;
}

void FindCodesOnFullPage(const cv::Mat& gray, std::vector<DecodedCode>& found, bool reduced) {
  CV_Assert(gray.type() == CV_8UC1);
  if (gray.empty()) return;
  const auto thorough = ThoroughHints();
  const int w = gray.cols, h = gray.rows;
  // Reduced: a quarter of the pixels again (STACK.md: a 2x-downscaled 300-dpi page with
  // default hints found 4/4 anchors in ~7 ms against ~45 ms at full size), ~3 px per module.
  int shrink = std::max(w, h) > kMaxFullPageSide ? 2 : 1;
  if (reduced) shrink *= 2;
  if (shrink > 1) {
    cv::Mat small;
    cv::resize(gray, small, cv::Size(), 1.0 / shrink, 1.0 / shrink, cv::INTER_AREA);
    ZXing::ImageView sv(small.data, small.cols, small.rows, ZXing::ImageFormat::Lum,
                        static_cast<int>(small.step));
    // Reduced edge coordinate e is full-size edge coordinate s*e; back to centres after.
    Collect(ZXing::ReadBarcodes(sv, thorough), 0.5 * (shrink - 1), 0.5 * (shrink - 1), shrink,
            found);
  } else {
    ZXing::ImageView view(gray.data, w, h, ZXing::ImageFormat::Lum, static_cast<int>(gray.step));
    Collect(ZXing::ReadBarcodes(view, thorough), 0, 0, 1.0, found);
  }
}

}  // namespace phieu::scanner
