// Copyright 2026 The Phiếu Authors
// SPDX-License-Identifier: Apache-2.0
#include "label_marks.h"

#include <algorithm>
#include <cmath>
#include <set>
#include <string>

#include <opencv2/imgproc.hpp>

#include "patch_warp.h"

namespace phieu::recognition {
namespace {

/// Sampling: ~130 dpi, where a 0.3 mm ballpoint line is still 1.5 px wide.
constexpr double kPpm = 5.0;
/// How far from the label a loop around it is looked for. A hand-drawn loop runs 0.5-2.5 mm
/// outside the text; the next row of options starts ~3.5 mm below.
constexpr double kReachMm = 3.0;
/// Printed elements are masked with this much room for blur, glyph overhang and ~0.3 mm of
/// registration error the box pass does not correct. Above and below a label, less: its rect
/// is the text's line box, which already holds the tallest diacritics with room to spare, and
/// a respondent's loop often runs right along it. Text bleeding into the bands above or below
/// cannot fake a loop, which needs strokes on both sides.
constexpr double kLabelPadMm = 0.45;
constexpr double kLabelPadAboveBelowMm = 0.15;
constexpr double kBoxPadMm = 0.6;
/// Around a box where the box pass found it: half its 0.3 mm stroke, ~0.2 mm of blur at 150 dpi
/// and ~0.1 mm of the pass's own precision (8 px/mm).
constexpr double kFoundBoxPadMm = 0.45;
/// A grid's rule is followed in pieces this long, and found where at least kRuleCover of a
/// piece's row (column) is ink.
constexpr double kRulePieceMm = 8.0;
constexpr float kRuleCover = 0.4f;
/// How far from where the layout puts a grid's rule it may really lie: registration is done on
/// the boxes, and paper stretch moves a rule ~0.8 mm from them, most at a row's ends.
constexpr double kRuleSlackMm = 1.2;
/// Near a blank question, a straight stroke is a fold or a rule only when it carries on this
/// far beyond both its ends: a "same as above" line drawn down a grid column spans a few rows,
/// a fold crosses the sheet.
constexpr double kFoldProbeMm = 40.0;
/// A straight line with at least this much ink along it near one question is a fold or crease,
/// whatever it crosses: more than a "same as above" line down a few rows of a grid.
constexpr double kFoldMinMm = 60.0;
/// A fold's or rule's pixels are those this near its fitted line: its core, not a hand stroke
/// crossing it (which loses only this strip).
constexpr float kFoldHalfWidthPx = 1.5f;
/// What is left beside a fold's erased core (its blurred edges) lies within this band.
constexpr int kFoldBandPx = 7;
constexpr double kTextPadMm = 0.4;
/// Around one printed line's logical box (print_mm), which already holds its accents and
/// descenders: only the registration between the line and the boxes it is measured by.
constexpr double kPrintLinePadMm = 0.15;
/// Strokes are dark features narrower than this (a black-hat of this size): ballpoint and
/// pencil lines pass, paper shading, fold shadows and coffee stains do not.
constexpr double kStrokeWidthMm = 1.8;
/// A stroke pixel is this share of the page's paper-to-print contrast darker than its
/// surroundings (light pencil reaches ~0.3).
constexpr float kStrokeContrast = 0.22f;
/// Near a blank question, lower: a light pencil loop around an option's text, thinned by the
/// sampling, comes out at ~0.15-0.2 of the contrast, and missing it records an answer as blank.
/// Only as low as the grain allows: the black-hat of bare grainy paper reaches ~kGrainHat times
/// the page's noise floor (PageCalibration::noise; 150-dpi grain of 7-8 levels: ~0.013).
constexpr float kBesideStrokeContrast = 0.13f;
constexpr float kGrainHat = 16.0f;
/// Specks shorter than this are dust or grain, not a pen line.
constexpr double kMinStrokeMm = 1.0;
/// A loop covers at least this share of the label's columns above and below it.
constexpr float kCircledCover = 0.5f;
/// A pen mark at a label: a stroke component this large (a cross or tick is 3-6 mm, a word
/// more; pen dots and most underlines fall outside), no larger (folds, rules and long loops
/// are), within this reach of the label.
constexpr double kMarkMinMm = 1.5;
constexpr double kMarkMaxMm = 12.0;
constexpr double kMarkReachMm = 2.0;
/// A stroke this near a blank question's box or option text counts as beside it, even out of
/// its row or over the grid's frame (a tick under the last row's box).
constexpr double kBesideReachMm = 3.0;
/// How far past a grid's frame, left and right, a mark still counts as beside its row.
constexpr double kBesideFrameMm = 8.0;
/// Near a blank question a stroke counts from this long: what the masks leave of a small tick
/// squeezed between two grid rows' boxes, across their rule, is 1.3-1.6 mm.
constexpr double kBesideMinMm = 1.2;
/// The quick first look around a blank question's zone reaches this far beyond it.
constexpr double kNearMarginMm = 4.0;
/// Near a blank question a stroke must also carry this much ink: a 1.5 mm tick of 0.3 mm pen
/// holds ~0.45 mm²; a dash of a faint fold broken up by the threshold ~0.3 mm².
constexpr double kMarkMinInkMm2 = 0.4;
/// A straight stroke whose line runs on through this much of the page beyond both its ends is
/// part of a fold crease or a ruled line, not a hand mark.
constexpr double kLineProbeMm = 8.0;
constexpr float kLineSupport = 0.7f;
/// Ink joined to a label's text that runs beyond its line box (top or bottom) is a pen stroke
/// through the text, when it reaches at least kPokeDepthMm out (looked for up to kPokeBandMm;
/// its pixels from kPokeMm out are the stroke's): grain or JPEG ringing clinging to a glyph
/// does not reach so far. On a grainy scan (a clean one has well under one speck per cm² near
/// the options, salt-and-pepper noise tens) specks cling in chains, and the stroke must reach
/// kPokeDepthGrainyMm.
constexpr double kPokeMm = 0.2;
constexpr double kPokeBandMm = 1.6;
constexpr double kPokeDepthMm = 0.6;
constexpr double kPokeDepthGrainyMm = 1.1;
constexpr float kGrainySpecksPerCm2 = 2.0f;
/// Stacked diacritics on a capital (Ấ, Ế, Ỗ) rise up to ~0.17 em (0.6 mm at 9.5 pt) above the
/// line box: above a label holding one, pokes are measured from that high.
constexpr double kCapitalOvershootMm = 0.6;

/// `r` (page mm) in pixels of the patch sampled over `zone`.
cv::Rect ToPx(const core::RectMm& r, const core::RectMm& zone) {
  const int x0 = static_cast<int>(std::floor((r.x - zone.x) * kPpm));
  const int y0 = static_cast<int>(std::floor((r.y - zone.y) * kPpm));
  const int x1 = static_cast<int>(std::ceil((r.right() - zone.x) * kPpm));
  const int y1 = static_cast<int>(std::ceil((r.bottom() - zone.y) * kPpm));
  return {x0, y0, std::max(0, x1 - x0), std::max(0, y1 - y0)};
}

/// Share of the columns of `band` holding at least one stroke pixel (0 for an empty band).
float ColumnCover(const cv::Mat& strokes, cv::Rect band) {
  band &= cv::Rect(0, 0, strokes.cols, strokes.rows);
  if (band.area() == 0) return 0.0f;
  cv::Mat any;
  cv::reduce(strokes(band), any, 0, cv::REDUCE_MAX);
  return static_cast<float>(cv::countNonZero(any)) / static_cast<float>(band.width);
}

bool AnyStroke(const cv::Mat& strokes, cv::Rect band) {
  band &= cv::Rect(0, 0, strokes.cols, strokes.rows);
  return band.area() > 0 && cv::countNonZero(strokes(band)) > 0;
}

/// Distance in px between two rectangles (0 when they touch or overlap).
int RectGap(const cv::Rect& a, const cv::Rect& b) {
  const int dx = std::max({0, b.x - a.br().x, a.x - b.br().x});
  const int dy = std::max({0, b.y - a.br().y, a.y - b.br().y});
  return std::max(dx, dy);
}

/// The straight line through stroke pixels: its direction and a point on it, how far the
/// pixels reach along it on either side of that point (lo <= 0 <= hi) and how far they stray
/// from it at most.
struct StrokeLine {
  cv::Point2f dir, at;
  float lo = 0, hi = 0, spread = 0;
};
StrokeLine FitStroke(const std::vector<cv::Point>& pts) {
  cv::Vec4f line;
  cv::fitLine(pts, line, cv::DIST_L2, 0, 0.01, 0.01);
  StrokeLine l{{line[0], line[1]}, {line[2], line[3]}};
  for (const cv::Point& p : pts) {
    const cv::Point2f d = cv::Point2f(p) - l.at;
    const float along = d.dot(l.dir);
    l.lo = std::min(l.lo, along), l.hi = std::max(l.hi, along);
    l.spread = std::max(l.spread, std::abs(d.x * l.dir.y - d.y * l.dir.x));
  }
  return l;
}
/// A thin straight stroke at least `min_length_mm` long.
constexpr double kThinStrokeMm = 0.6;
bool ThinStraight(const StrokeLine& l, double min_length_mm) {
  return l.hi - l.lo >= min_length_mm * kPpm && l.spread <= kThinStrokeMm * kPpm;
}

/// True when the stroke pixels `pts` are a thin straight piece, at least `min_length_mm` long,
/// of a longer line: the line through them carries on in `all` (strokes before masking) for
/// most of `probe_mm` beyond both of their ends. A fold crease or a ruled line cut into
/// pieces by the masks looks so; a pen cross, tick or underline stops. `open_edges`: a piece
/// that runs right to the edge of `all` counts as carrying on there.
bool PartOfLongLine(const std::vector<cv::Point>& pts, const cv::Mat& all, double min_length_mm,
                    bool open_edges = false, double probe_mm = kLineProbeMm) {
  if (pts.size() < 4) return false;
  const StrokeLine l = FitStroke(pts);
  if (!ThinStraight(l, min_length_mm)) return false;
  const int steps = static_cast<int>(probe_mm * kPpm);
  int carried = 0;
  for (int side : {-1, 1}) {
    int hits = 0, seen = 0;
    for (int s = 1; s <= steps; ++s) {
      const cv::Point2f q = l.at + l.dir * ((side > 0 ? l.hi : l.lo) + side * s);
      const int x = cvRound(q.x), y = cvRound(q.y);
      if (x < 2 || y < 2 || x >= all.cols - 2 || y >= all.rows - 2) break;
      ++seen;
      hits += cv::countNonZero(all(cv::Rect(x - 2, y - 2, 5, 5))) > 0;
    }
    carried += (seen == 0 && open_edges) || (seen > 0 && hits >= kLineSupport * seen);
  }
  return carried == 2;
}

int Px(double mm) { return static_cast<int>(std::lround(mm * kPpm)); }

/// The strokes around one field's options, in a patch sampled over `zone` at kPpm.
struct StrokeMap {
  core::RectMm zone;
  cv::Mat all;    ///< thin dark strokes, print included (CV_8U, 0 or 255).
  cv::Mat pen;    ///< the same with everything printed masked and specks removed.
  cv::Mat components;             ///< labels of `pen`'s 8-connected components (CV_32S).
  std::vector<cv::Rect> extents;  ///< per component label; empty for a removed speck.
  std::vector<cv::Rect> boxes;    ///< the masked tick-box areas.
  float specks_per_cm2 = 0.0f;    ///< specks removed from `pen`: the scan's grain.
  cv::Mat near_h, near_v;         ///< kBeside: bands around a grid's horizontal / vertical rules.
  cv::Mat near_fold;              ///< kBeside: bands along the folds EraseFolds took out.
  std::vector<cv::Rect> answered_boxes;  ///< kBeside: other fields' boxes read as marked.

  cv::Rect ToPx(const core::RectMm& r) const { return phieu::recognition::ToPx(r, zone); }
};

/// The level cells of a grid row: from the left rule of its first level column to the right
/// edge, the row's height (the renderer centres each box in a column one box pitch wide).
/// Empty for a row of fewer than two boxes.
core::RectMm LevelCells(const templates::FieldLayout& row) {
  if (row.options.size() < 2) return {};
  const core::RectMm& first = row.options.front().box_mm;
  const core::RectMm& last = row.options.back().box_mm;
  const double pitch = (last.x - first.x) / static_cast<double>(row.options.size() - 1);
  const double top = row.area_mm.empty() ? first.y - first.h / 2 : row.area_mm.y;
  const double bottom = row.area_mm.empty() ? first.bottom() + first.h / 2 : row.area_mm.bottom();
  const double left = first.x + first.w / 2 - pitch / 2;
  return {left, top, last.x + last.w / 2 + pitch / 2 - left, bottom - top};
}

/// True for the first row of a grid: its text_mm (the question and the grid's header, shared by
/// every row) ends where the row starts.
bool FirstGridRow(const templates::FieldLayout& row) {
  return row.kind == core::FieldKind::kScale && !row.text_mm.empty() && !row.area_mm.empty() &&
         std::abs(row.text_mm.bottom() - row.area_mm.y) < 0.05;
}

/// Takes folds and creases out of `pen` (print already masked): straight lines with more than
/// kFoldMinMm of ink along them, at any angle, wherever they run. A fold crossing another is one
/// component with it, and a fold's end piece stops short, so the per-stroke line test
/// (PartOfLongLine) alone cannot tell them from hand strokes. The Hough transform votes over
/// the masks' gaps; each line found is refitted on its own pixels before they are erased, so
/// the transform's angle steps do not leave a fold's far end behind.
/// `rules` (non-zero pixels): the bands around a grid's rules. A line found lying mostly inside
/// them is a rule, EraseRule's to take out a pixel either side (sparing a tick across it); only
/// its parts outside the bands are erased here (a fold along a rule runs on past the grid).
/// `band` (same size as `pen`) gets each fold's line drawn kFoldBandPx wide: what is left of a
/// fold beside its erased core lies inside it.
void EraseFolds(cv::Mat& pen, const cv::Mat& rules, cv::Mat& band) {
  const int votes = Px(kFoldMinMm);
  cv::Mat search = pen.clone();
  std::vector<cv::Vec2f> lines;
  cv::HoughLines(search, lines, 1, CV_PI / 360, votes);  // the refit below gives the exact angle
  if (lines.empty()) return;
  std::vector<cv::Point> ink, pts;
  cv::findNonZero(search, ink);
  for (const cv::Vec2f& l : lines) {
    const float rho = l[0], c = std::cos(l[1]), s = std::sin(l[1]);
    pts.clear();
    for (const cv::Point& p : ink)
      if (search.at<uchar>(p) && std::abs(p.x * c + p.y * s - rho) <= 3.0f) pts.push_back(p);
    if (static_cast<int>(pts.size()) < votes) continue;  // an earlier line took its pixels
    cv::Vec4f fit;
    cv::fitLine(pts, fit, cv::DIST_HUBER, 0, 0.01, 0.01);
    const float nx = -fit[1], ny = fit[0], d = nx * fit[2] + ny * fit[3];
    // A fold is a thin line: its pixels cover kFoldMinMm of length along it. Votes gathered
    // from blobs the line passes through (text, a hand mark's ink) are not one.
    std::vector<cv::Point> on;
    std::set<int> covered;
    int in_rules = 0;
    for (const cv::Point& p : pts)
      if (std::abs(nx * p.x + ny * p.y - d) <= kFoldHalfWidthPx) {
        on.push_back(p);
        covered.insert(static_cast<int>(std::lround(fit[0] * p.x + fit[1] * p.y)));
        in_rules += rules.at<uchar>(p) != 0;
      }
    if (static_cast<int>(covered.size()) < votes) continue;
    for (const cv::Point& p : on) search.at<uchar>(p) = 0;
    // Its core goes from the map wherever it runs, its edges are marked for FoldRemnant; a
    // rule's only outside the rule bands.
    const float reach = static_cast<float>(pen.cols + pen.rows);
    const cv::Point2f at(fit[2], fit[3]), dir(fit[0], fit[1]);
    cv::Mat core = cv::Mat::zeros(pen.size(), CV_8U), edges = core.clone();
    cv::line(core, at - dir * reach, at + dir * reach, cv::Scalar(255), 3);
    cv::line(edges, at - dir * reach, at + dir * reach, cv::Scalar(255), kFoldBandPx);
    if (2 * in_rules >= static_cast<int>(on.size())) {
      core.setTo(0, rules);
      edges.setTo(0, rules);
    }
    pen.setTo(0, core);
    band |= edges;
  }
}

/// True when every pixel of component `label` (extent `e`) lies in a fold's band.
bool FoldRemnant(const StrokeMap& map, int label, const cv::Rect& e) {
  for (int r = e.y; r < e.br().y; ++r) {
    const int* lab = map.components.ptr<int>(r);
    const uchar* band = map.near_fold.ptr<uchar>(r);
    for (int c = e.x; c < e.br().x; ++c)
      if (lab[c] == label && !band[c]) return false;
  }
  return true;
}

/// Erases from `map.pen` the printed rule the layout puts along `rule` (page mm, zero height
/// when `horizontal`, else zero width), where it really runs: within `slack_mm` of the layout,
/// in pieces of kRulePieceMm, every row (column) of `map.pen` whose ink covers kRuleCover of the
/// piece (a light rule comes out of the threshold in dashes), with one either side. `pen`, not
/// `all`: the texts a band may hold (a grid's header) are masked there and add no cover.
void EraseRule(StrokeMap& map, const core::RectMm& rule, bool horizontal, double slack_mm = kRuleSlackMm) {
  const cv::Rect bounds(0, 0, map.pen.cols, map.pen.rows);
  const cv::Rect band = map.ToPx(rule.Grown(horizontal ? 0.0 : slack_mm, horizontal ? slack_mm : 0.0)) & bounds;
  if (band.area() == 0) return;
  const int length = horizontal ? band.width : band.height;
  const int across = horizontal ? band.height : band.width;
  // Pieces overlap by half: a rule that starts or ends inside one (a grid's frame below its
  // question's text) fills the next.
  const int piece = std::max(2, Px(kRulePieceMm));
  for (int from = 0; from < length; from += piece / 2) {
    const int n = std::min(piece, length - from);
    const cv::Rect r = horizontal ? cv::Rect(band.x + from, band.y, n, across) : cv::Rect(band.x, band.y + from, across, n);
    cv::Mat counts;
    cv::reduce(map.pen(r) / 255, counts, horizontal ? 1 : 0, cv::REDUCE_SUM, CV_32S);
    const int* c = counts.ptr<int>(0);
    auto at = [&](int i) { return horizontal ? counts.at<int>(i, 0) : c[i]; };
    for (int i = 0; i < across; ++i) {
      if (at(i) < kRuleCover * n) continue;
      // This line and one either side (blur, anti-aliasing). Two rules may share the band.
      const int lo = std::max(0, i - 1), hi = std::min(across - 1, i + 1);
      const cv::Rect line = horizontal ? cv::Rect(r.x, r.y + lo, n, hi - lo + 1) : cv::Rect(r.x + lo, r.y, hi - lo + 1, n);
      map.pen(line).setTo(0);
    }
  }
}

/// What MapStrokes takes for the form's print.
enum class PrintMask {
  /// FindLabelMarks: boxes, texts and comb cells with a margin; grid rows and writing areas
  /// whole (only the options' surroundings matter there).
  kAroundLabels,
  /// InkBesideBoxes: grid rows opened up. Only their boxes and printed lines are masked, and
  /// the printed rules (row edges, column borders, the grid's frame) are taken out where they
  /// really are (EraseRule), so that a mark in a cell,
  /// on a column border or in the gap between two rows' boxes is seen.
  kBeside,
};

/// `found` (kBeside): where the box pass found the page's boxes (FoundBoxes): they are masked
/// there, closer (kFoundBoxPadMm), leaving the gap between two grid rows' boxes open. Across a
/// two-column question on a skewed 150-dpi scan a box can sit ~0.4 mm from where the field's
/// median shift puts it.
StrokeMap MapStrokes(const cv::Mat& scan_gray, const cv::Matx33d& mm_to_px,
                     const templates::Layout& layout, const templates::FieldLayout& f,
                     core::PointMm shift_mm, const PageCalibration& cal, const core::RectMm& zone,
                     PrintMask print = PrintMask::kAroundLabels,
                     const FoundBoxes* found = nullptr) {
  StrokeMap map;
  map.zone = zone;
  core::RectMm at = zone;
  at.x += shift_mm.x;
  at.y += shift_mm.y;
  const cv::Mat gray = WarpPatch(scan_gray, mm_to_px, at, kPpm);

  // Thin dark strokes only: the black-hat is the darkness a pixel has beyond a closing of the
  // patch, i.e. beyond anything wider than the kernel.
  const int k = Px(kStrokeWidthMm) | 1;  // odd: 9 px
  cv::Mat hat;
  cv::morphologyEx(gray, hat, cv::MORPH_BLACKHAT, cv::getStructuringElement(cv::MORPH_RECT, {k, k}));
  const float contrast = std::max(cal.white - cal.black, 40.0f);
  const bool beside = print == PrintMask::kBeside;
  // Near a blank question, as low as the page's grain allows (see kBesideStrokeContrast).
  const float stroke_contrast =
      beside ? std::clamp(kGrainHat * cal.noise, kBesideStrokeContrast, kStrokeContrast) : kStrokeContrast;
  cv::threshold(hat, map.all, contrast * std::max(stroke_contrast, 4.0f * cal.noise), 255, cv::THRESH_BINARY);

  // Everything printed near the options is the form's, not the respondent's.
  map.pen = map.all.clone();
  const cv::Rect bounds(0, 0, map.pen.cols, map.pen.rows);
  auto blank = [&](const core::RectMm& r) {
    const cv::Rect px = r.empty() ? cv::Rect() : (map.ToPx(r) & bounds);
    if (px.area() > 0) map.pen(px).setTo(0);
    return px;
  };
  if (const templates::PageLayout* page = layout.FindPage(f.page))
    for (const auto& a : page->anchors) blank(a.symbol_mm.Grown(kBoxPadMm));
  for (size_t gi = 0; gi < layout.fields.size(); ++gi) {
    const templates::FieldLayout& g = layout.fields[gi];
    if (g.page != f.page) continue;
    // The question's printed text: its lines where the layout knows them (kBeside: a mark in
    // the blank part of a question's line or of a grid's header is seen), else its whole block.
    if (beside && !g.print_mm.empty()) {
      for (const core::RectMm& r : g.print_mm) blank(r.Grown(kPrintLinePadMm));
    } else if (!g.text_mm.empty()) {
      blank(g.text_mm.Grown(kTextPadMm));
    }
    for (size_t i = 0; i < g.options.size(); ++i) {
      const templates::OptionBox& o = g.options[i];
      core::RectMm box = o.box_mm;
      double pad = kBoxPadMm;
      bool inked = false;
      if (found && gi < found->size() && i < (*found)[gi].size()) {
        const FoundBox& fb = (*found)[gi][i];
        box.x += fb.shift_mm.x - shift_mm.x;
        box.y += fb.shift_mm.y - shift_mm.y;
        pad = kFoundBoxPadMm;
        inked = fb.inked && &g != &f;
      }
      const cv::Rect b = o.box_mm.empty() ? cv::Rect() : blank(box.Grown(pad));
      if (b.area() > 0) map.boxes.push_back(b);
      if (b.area() > 0 && inked) map.answered_boxes.push_back(b);
      if (!o.label_mm.empty()) blank(o.label_mm.Grown(kLabelPadMm, kLabelPadAboveBelowMm));
    }
    for (const auto& c : g.cells_mm)
      if (!c.empty()) blank(c.Grown(kBoxPadMm));
    if (g.area_mm.empty()) continue;
    if (g.kind == core::FieldKind::kText) {
      blank(g.area_mm.Grown(kBoxPadMm));  // a writing area's frame, ruled lines and writing
    } else if (g.kind == core::FieldKind::kScale) {
      if (!beside) {
        blank(g.area_mm.Grown(kBoxPadMm));  // the row's rules and criterion text
      } else if (g.print_mm.empty()) {  // older layouts: the criterion's whole column
        if (const core::RectMm cells = LevelCells(g); !cells.empty())
          blank({g.area_mm.x, g.area_mm.y, cells.x - g.area_mm.x, g.area_mm.h});
      }
    }
  }
  if (beside) {
    // A grid's printed rules, where they really are: near where the layout puts each rule,
    // the line along it that holds the most ink, followed piece by piece (paper stretch bends
    // it a little). Only that line is erased, a pixel either side: a hand stroke crossing a
    // rule loses that strip and nothing else, a ruler-straight hand line away from it stays.
    struct Rule {
      core::RectMm at;
      bool horizontal;
      double slack_mm = kRuleSlackMm;
    };
    std::vector<Rule> rules;
    for (const templates::FieldLayout& g : layout.fields) {
      if (g.page != f.page || g.kind != core::FieldKind::kScale || g.area_mm.empty()) continue;
      const core::RectMm& a = g.area_mm;
      // A grid's first row also carries the header above it (text_mm ends where the row
      // starts): the frame's top and the level columns' borders run up through it.
      const bool first = FirstGridRow(g);
      const double top = first ? g.text_mm.y : a.y;
      if (first) rules.push_back({{a.x, g.text_mm.y + g.text_mm.h / 2, a.w, 0.0}, true, g.text_mm.h / 2});
      rules.push_back({{a.x, a.y, a.w, 0.0}, true});
      rules.push_back({{a.x, a.bottom(), a.w, 0.0}, true});
      rules.push_back({{a.x, top, 0.0, a.bottom() - top}, false});
      rules.push_back({{a.right(), top, 0.0, a.bottom() - top}, false});
      if (const core::RectMm cells = LevelCells(g); !cells.empty())
        for (size_t l = 0; l <= g.options.size(); ++l)
          rules.push_back({{cells.x + l * cells.w / static_cast<double>(g.options.size()), top, 0.0, a.bottom() - top},
                           false});
    }
    map.near_h = cv::Mat::zeros(map.pen.size(), CV_8U);
    map.near_v = map.near_h.clone();
    for (const Rule& r : rules) {
      const cv::Rect band = map.ToPx(r.at.Grown(r.horizontal ? 0.0 : r.slack_mm, r.horizontal ? r.slack_mm : 0.0)) & bounds;
      if (band.area() > 0) (r.horizontal ? map.near_h : map.near_v)(band).setTo(255);
    }
    // Folds next, while they are whole (a fold along a rule would lose its middle to EraseRule
    // and leave its ends, outside the grid, too short to be one).
    map.near_fold = cv::Mat::zeros(map.pen.size(), CV_8U);
    EraseFolds(map.pen, map.near_h | map.near_v, map.near_fold);
    for (const Rule& r : rules) EraseRule(map, r.at, r.horizontal, r.slack_mm);
  }

  // Dust and grain are specks; a pen line is long.
  cv::Mat stats, centroids;
  const int n = cv::connectedComponentsWithStats(map.pen, map.components, stats, centroids, 8, CV_32S);
  map.extents.assign(n, cv::Rect());
  for (int i = 1; i < n; ++i) {
    const cv::Rect e(stats.at<int>(i, cv::CC_STAT_LEFT), stats.at<int>(i, cv::CC_STAT_TOP),
                     stats.at<int>(i, cv::CC_STAT_WIDTH), stats.at<int>(i, cv::CC_STAT_HEIGHT));
    if (std::max(e.width, e.height) < Px(kMinStrokeMm)) {
      map.specks_per_cm2 += 1.0f;
      continue;
    }
    // kBeside: what EraseRule left of a rule where the paper bends it within a piece: thin,
    // lying along the rule inside its band (a hand stroke across a rule reaches out of it).
    if (beside && ((e.width <= 2 && cv::countNonZero(map.near_v(e)) == e.area()) ||
                   (e.height <= 2 && cv::countNonZero(map.near_h(e)) == e.area())))
      continue;
    // kBeside: a fold's edge left beside its erased core, wholly inside the fold's band.
    if (beside && FoldRemnant(map, i, e)) continue;
    map.extents[i] = e;
  }
  map.specks_per_cm2 /= static_cast<float>(zone.w * zone.h / 100.0);
  for (int r = 0; r < map.pen.rows; ++r) {
    const int* lab = map.components.ptr<int>(r);
    uchar* s = map.pen.ptr<uchar>(r);
    for (int c = 0; c < map.pen.cols; ++c)
      if (s[c] && map.extents[lab[c]].empty()) s[c] = 0;
  }
  return map;
}

/// True when `p` lies within a pixel of `r`.
bool NearRect(const cv::Point& p, const cv::Rect& r) {
  return cv::Rect(r.x - 1, r.y - 1, r.width + 2, r.height + 2).contains(p);
}

/// True when one of `pts` lies within a pixel of `r`.
bool TouchesRect(const std::vector<cv::Point>& pts, const cv::Rect& r) {
  return std::any_of(pts.begin(), pts.end(), [&](const cv::Point& p) { return NearRect(p, r); });
}

/// The pixels of `map`'s component `label`.
std::vector<cv::Point> ComponentPoints(const StrokeMap& map, int label) {
  const cv::Rect& bb = map.extents[static_cast<size_t>(label)];
  std::vector<cv::Point> pts;
  for (int r = bb.y; r < bb.br().y; ++r) {
    const int* lab = map.components.ptr<int>(r);
    for (int x = bb.x; x < bb.br().x; ++x)
      if (lab[x] == label) pts.emplace_back(x, r);
  }
  return pts;
}

bool TouchesABox(const StrokeMap& map, const cv::Rect& extent) {
  return std::any_of(map.boxes.begin(), map.boxes.end(),
                     [&](const cv::Rect& b) { return RectGap(extent, b) <= 1; });
}

/// Loops: strokes above and below most of a label, closed at one end at least.
void FindLoops(const StrokeMap& map, const templates::FieldLayout& f, std::vector<LabelMark>& out) {
  const int pad = Px(kLabelPadMm);
  const int pad_v = static_cast<int>(std::ceil(kLabelPadAboveBelowMm * kPpm));
  const int reach = Px(kReachMm);
  const int side = Px(1.0);  // a loop's ends: +-1 mm of the text
  for (size_t i = 0; i < f.options.size(); ++i) {
    const templates::OptionBox& o = f.options[i];
    if (o.label_mm.empty()) continue;
    const cv::Rect label = map.ToPx(o.label_mm);
    const cv::Rect box = map.ToPx(o.box_mm);
    LabelMark& m = out[i];
    m.above = ColumnCover(map.pen, {label.x, label.y - reach, label.width, reach - pad_v});
    m.below = ColumnCover(map.pen, {label.x, label.br().y + pad_v, label.width, reach - pad_v});
    const int rows_top = label.y - side, rows_h = label.height + 2 * side;
    // Left of the label: the strip between it and its box, and left of the box (a loop drawn
    // around box and label together).
    const int left = std::min(box.x, label.x) - reach;
    m.before = AnyStroke(map.pen, {left, rows_top, label.x - pad - left, rows_h});
    m.after = AnyStroke(map.pen, {label.br().x + pad, rows_top, reach - pad, rows_h});
    m.circled = m.above >= kCircledCover && m.below >= kCircledCover && (m.before || m.after);
  }
}

/// Hand-sized strokes near a label, each given to the label it lies nearest to.
void FindHandMarks(const StrokeMap& map, const templates::FieldLayout& f, std::vector<LabelMark>& out) {
  const cv::Rect inside(1, 1, map.pen.cols - 2, map.pen.rows - 2);
  for (size_t c = 1; c < map.extents.size(); ++c) {
    const cv::Rect bb = map.extents[c];
    const int size = std::max(bb.width, bb.height);
    if (bb.empty() || size < Px(kMarkMinMm) || size > Px(kMarkMaxMm)) continue;
    if ((bb & inside) != bb) continue;  // runs out of the zone: not a mark at these options
    // What touches a box is the box reader's (overflowing ticks, circles round the box).
    if (TouchesABox(map, bb)) continue;
    int best = -1, best_gap = Px(kMarkReachMm) + 1;
    for (size_t i = 0; i < f.options.size(); ++i) {
      if (f.options[i].label_mm.empty()) continue;
      const int gap = RectGap(bb, map.ToPx(f.options[i].label_mm));
      if (gap < best_gap) best = static_cast<int>(i), best_gap = gap;
    }
    if (best < 0) continue;
    const std::vector<cv::Point> pts = ComponentPoints(map, static_cast<int>(c));
    if (!PartOfLongLine(pts, map.all, kMarkMinMm)) out[best].pen_mark = true;
  }
}

/// True when `text` (UTF-8) holds a capital letter with a mark above it (Á, Ấ, Ế, Ỗ, Ứ...).
bool HasAccentedCapital(const std::string& text) {
  for (size_t i = 0; i < text.size();) {
    const unsigned char c = static_cast<unsigned char>(text[i]);
    const int len = c < 0x80 ? 1 : c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;
    char32_t cp = len == 1 ? c : c & (0x7F >> len);
    for (int k = 1; k < len && i + k < text.size(); ++k) cp = (cp << 6) | (static_cast<unsigned char>(text[i + k]) & 0x3F);
    i += len;
    const bool latin1 = cp >= 0xC0 && cp <= 0xDD && cp != 0xD7;        // À..Ý
    const bool ext_a = (cp == 0x102 || cp == 0x168 || cp == 0x128);      // Ă Ũ Ĩ
    const bool horn = cp == 0x1A0 || cp == 0x1AF;                        // Ơ Ư
    const bool viet = cp >= 0x1EA0 && cp <= 0x1EF8 && cp % 2 == 0;      // Ạ..Ỹ
    if (latin1 || ext_a || horn || viet) return true;
  }
  return false;
}

/// True when one of `pts` lies on a pen stroke that runs on to a tick box: an overflowing cross
/// or tick, whose box the box reader has read.
bool ReachesABox(const StrokeMap& map, const std::vector<cv::Point>& pts) {
  for (const cv::Point& p : pts) {
    const cv::Rect& e = map.extents[map.components.at<int>(p)];
    if (!e.empty() && TouchesABox(map, e)) return true;
  }
  return false;
}

/// Pen strokes through the text itself (a cross or tick over the words): the print of a label
/// stays inside its line box, so ink joined to the text that runs out over the box's top or
/// bottom edge is the respondent's.
void FindStrokesThroughText(const StrokeMap& map, const templates::FieldLayout& f,
                            std::vector<LabelMark>& out) {
  const int pad = Px(kLabelPadMm), poke = Px(kPokeMm), band = Px(kPokeBandMm);
  // On a grainy scan (salt and pepper, heavy JPEG) specks cling to the glyphs in chains; a
  // stroke must then run out further to count.
  const bool grainy = map.specks_per_cm2 > kGrainySpecksPerCm2;
  const int depth_min = Px(grainy ? kPokeDepthGrainyMm : kPokeDepthMm);
  const cv::Rect bounds(0, 0, map.all.cols, map.all.rows);
  for (size_t i = 0; i < f.options.size(); ++i) {
    const templates::OptionBox& o = f.options[i];
    if (o.label_mm.empty() || out[i].pen_mark || out[i].circled) continue;
    const cv::Rect label = map.ToPx(o.label_mm);
    const cv::Rect win = cv::Rect(label.x - pad, label.y - band, label.width + 2 * pad, label.height + 2 * band) & bounds;
    if (win.area() == 0) continue;
    const int rise = HasAccentedCapital(o.label) ? Px(kCapitalOvershootMm) : 0;
    cv::Mat lab, stats, centroids;
    const int m = cv::connectedComponentsWithStats(map.all(win), lab, stats, centroids, 8, CV_32S);
    std::vector<int> inside(m, 0), depth(m, 0);
    std::vector<std::vector<cv::Point>> outside(m);
    const int top = label.y - win.y - rise, bottom = label.br().y - win.y;
    for (int r = 0; r < lab.rows; ++r) {
      const int* l = lab.ptr<int>(r);
      for (int x = 0; x < lab.cols; ++x) {
        if (!l[x]) continue;
        if (r >= top && r < bottom) {
          ++inside[l[x]];
        } else if (r < top - poke || r >= bottom + poke) {
          outside[l[x]].emplace_back(x + win.x, r + win.y);
          depth[l[x]] = std::max(depth[l[x]], r < top ? top - r : r - bottom + 1);
        }
      }
    }
    for (int k = 1; k < m && !out[i].pen_mark; ++k)
      out[i].pen_mark = inside[k] > 0 && depth[k] >= depth_min && !ReachesABox(map, outside[k]) &&
                        !PartOfLongLine(outside[k], map.all, kPokeDepthMm);
  }
}

/// Large enough near a blank question to be a pen mark: kBesideMinMm long and kMarkMinInkMm2
/// of ink (component `label` of `map`, not a removed speck).
bool HandSized(const StrokeMap& map, int label) {
  const cv::Rect& bb = map.extents[static_cast<size_t>(label)];
  if (std::max(bb.width, bb.height) < Px(kBesideMinMm)) return false;
  return static_cast<double>(cv::countNonZero(map.components(bb) == label)) >= kMarkMinInkMm2 * kPpm * kPpm;
}

/// The arm of a cross in one of `boxes` (answered boxes), cut off it where the printed rule
/// between two grid rows was taken out of the map (a big cross reaches over it): a thin straight
/// stroke (`pts`, extent `bb`) whose line, carried on past either end for up to kArmGapMm, runs
/// into the box; or a piece too short to show its direction (up to kArmPieceMm) lying off a
/// corner of the box, within kArmGapMm of it (arms leave a box by its corners; a stroke beside a
/// row's boxes lies off their sides).
constexpr double kArmGapMm = 3.0;
constexpr double kArmPieceMm = 2.5;
bool ArmOfABox(const std::vector<cv::Point>& pts, const cv::Rect& bb, const std::vector<cv::Rect>& boxes) {
  if (pts.size() < 4 || boxes.empty()) return false;
  if (std::max(bb.width, bb.height) <= Px(kArmPieceMm))
    for (const cv::Rect& b : boxes) {
      const int dx = std::max(b.x - bb.br().x, bb.x - b.br().x), dy = std::max(b.y - bb.br().y, bb.y - b.br().y);
      if (dx > 0 && dy > 0 && std::max(dx, dy) <= Px(kArmGapMm)) return true;
    }
  const StrokeLine l = FitStroke(pts);
  if (!ThinStraight(l, 1.0)) return false;
  for (int side : {-1, 1})
    for (int s = 1; s <= Px(kArmGapMm); ++s) {
      const cv::Point2f q = l.at + l.dir * ((side > 0 ? l.hi : l.lo) + side * s);
      const cv::Point c(cvRound(q.x), cvRound(q.y));
      if (std::any_of(boxes.begin(), boxes.end(), [&](const cv::Rect& b) { return NearRect(c, b); })) return true;
    }
  return false;
}

/// Pen strokes of hand size reaching into `inner` (page mm, inside map.zone; specks are already
/// gone), other than straight pieces of a longer line (folds, rules): see InkBesideBoxes.
bool AnyHandStroke(const StrokeMap& map, const core::RectMm& inner) {
  const cv::Rect look = map.ToPx(inner);
  for (size_t c = 1; c < map.extents.size(); ++c) {
    const cv::Rect bb = map.extents[c];
    if (bb.empty() || (bb & look).empty() || !HandSized(map, static_cast<int>(c))) continue;
    const std::vector<cv::Point> pts = ComponentPoints(map, static_cast<int>(c));
    // The overflow of a neighbouring question's answer (a tick in the next grid row's box
    // reaching up over the rule) is that answer's ink.
    if (std::any_of(map.answered_boxes.begin(), map.answered_boxes.end(),
                    [&](const cv::Rect& b) { return RectGap(bb, b) <= 1 && TouchesRect(pts, b); }) ||
        ArmOfABox(pts, bb, map.answered_boxes))
      continue;
    // The map reaches kFoldProbeMm beyond the zone: a line running off it is a fold or a rule.
    if (!PartOfLongLine(pts, map.all, kMarkMinMm, /*open_edges=*/true, kFoldProbeMm)) return true;
  }
  return false;
}

}  // namespace

bool InkBesideBoxes(const cv::Mat& scan_gray, const cv::Matx33d& mm_to_px, const templates::Layout& layout,
                    size_t field, core::PointMm shift_mm, const FoundBoxes& found, const PageCalibration& cal) {
  const templates::FieldLayout& f = layout.fields.at(field);
  if (!core::IsBoxKind(f.kind) || f.options.empty()) return false;
  // Where a stroke counts: the field's whole extent (a grid row from rule to rule, a question
  // from its text to its last option), and the reach of a tick or word beside each option. The
  // map reaches further, so that a fold or rule crossing the zone can be followed beyond it.
  core::RectMm zone = f.kind == core::FieldKind::kScale && f.area_mm.empty() ? LevelCells(f) : f.area_mm;
  // A grid row also reaches out past the grid's frame on either side (an "x" in the margin),
  // and its first row up through the grid's header (a tick on a level's heading).
  if (f.kind == core::FieldKind::kScale) {
    zone = zone.Grown(kBesideFrameMm, 0.0);
    if (FirstGridRow(f)) zone = core::Union(zone, f.text_mm);
  }
  for (const auto& o : f.options)
    zone = core::Union(zone, core::Union(o.box_mm, o.label_mm).Grown(kBesideReachMm));
  if (zone.empty()) return false;
  // Most blank questions have nothing near them: a map just around the zone shows that at a
  // tenth of the cost. It can only see more than the full map (a fold needs length to be
  // recognised, and any stroke reaching into the zone keeps kNearMarginMm of itself here).
  {
    const StrokeMap near = MapStrokes(scan_gray, mm_to_px, layout, f, shift_mm, cal, zone.Grown(kNearMarginMm),
                                      PrintMask::kBeside, &found);
    const cv::Rect look = near.ToPx(zone);
    // A component lying well inside this map (beyond the black-hat's reach of its edge) is
    // the same in the full map: if it is too small for a hand stroke here, it is there too.
    const int edge = Px(kStrokeWidthMm);
    const cv::Rect inside(edge, edge, near.pen.cols - 2 * edge, near.pen.rows - 2 * edge);
    bool any = false;
    for (size_t c = 1; c < near.extents.size() && !any; ++c) {
      const cv::Rect& e = near.extents[c];
      if (e.empty() || (e & look).empty()) continue;
      any = (e & inside) != e || HandSized(near, static_cast<int>(c));
    }
    if (!any) return false;
  }
  const StrokeMap map = MapStrokes(scan_gray, mm_to_px, layout, f, shift_mm, cal, zone.Grown(kFoldProbeMm + 1.0),
                                   PrintMask::kBeside, &found);
  return AnyHandStroke(map, zone);
}

std::vector<LabelMark> FindLabelMarks(const cv::Mat& scan_gray, const cv::Matx33d& mm_to_px,
                                      const templates::Layout& layout, size_t field,
                                      core::PointMm shift_mm, const PageCalibration& cal,
                                      bool pen_marks) {
  const templates::FieldLayout& f = layout.fields.at(field);
  std::vector<LabelMark> out(f.options.size());
  if (f.kind != core::FieldKind::kSingle && f.kind != core::FieldKind::kMulti) return out;
  core::RectMm zone;
  for (const auto& o : f.options)
    if (!o.label_mm.empty()) zone = core::Union(zone, core::Union(o.box_mm, o.label_mm));
  if (zone.empty()) return out;
  const StrokeMap map = MapStrokes(scan_gray, mm_to_px, layout, f, shift_mm, cal, zone.Grown(kReachMm + 0.5));
  FindLoops(map, f, out);
  if (pen_marks) {
    FindHandMarks(map, f, out);
    FindStrokesThroughText(map, f, out);
  }
  return out;
}

}  // namespace phieu::recognition
