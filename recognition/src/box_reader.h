// Copyright 2026 The Phiếu Authors
// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <string>
#include <vector>

#include <opencv2/core.hpp>

#include "core/geometry.h"
#include "recognition/recognition.h"
#include "templates/layout.h"

namespace phieu::recognition {

/// Patches are sampled at 8 px/mm: a 5 mm box is 40 px, a 0.3 mm printed stroke 2.4 px.
constexpr double kPatchPxPerMm = 8.0;
/// Paper around the box kept in the patch: room for a 1.5 mm position search plus the ring
/// outside the box where overflowing marks and circles are looked for (a circle drawn around
/// a 5 mm box runs up to ~2.3 mm outside it).
constexpr double kPatchMarginMm = 3.0;
/// How far the printed square may sit from where the page homography predicts it.
constexpr double kMaxShiftMm = 1.5;

/// One box's patch and where its printed square was found in it (pass 1).
struct BoxPatch {
  cv::Mat gray;      ///< upright patch, kPatchPxPerMm, box + kPatchMarginMm each side.
  cv::Mat smooth;    ///< 3x3 box-filtered copy used for all ink measurements.
  int w_px = 40;     ///< printed square edge to edge (line centre to line centre).
  int inset_px = 5;  ///< inner measuring area starts this far inside the line centres.
  int h_px = 40;
  int nominal_x = 20;  ///< column of the left line centre where the homography predicts it.
  int nominal_y = 20;
  int x = 20;        ///< column/row of the left/top line centre as used for measuring.
  int y = 20;
  float contrast_x = 0.0f;  ///< weaker of the two vertical lines' contrast, gray levels.
  float contrast_y = 0.0f;  ///< weaker of the two horizontal lines' contrast, gray levels.
  float line_gray = 0.0f;   ///< gray at the printed lines' centre (print black estimate).
  float white = 255.0f;     ///< median gray of the patch (local paper).
  float inner_sigma = 0.0f; ///< std-dev of the smoothed inner area, gray levels (noise floor).
  float inner_min = 255.0f; ///< darkest smoothed gray of the inner area (page floor statistic).
  bool located = false;     ///< the square was found (or placed from neighbours that were).
  /// DiscountLine divided a line and its shadow out to the patch's own paper level: `white` is
  /// paper even where a broad fold shadow made the whole patch dark.
  bool levelled = false;
};

/// Warps the patch around `box_mm` and searches the printed square within kMaxShiftMm.
BoxPatch LocateBox(const cv::Mat& scan_gray, const cv::Matx33d& mm_to_px,
                   const core::RectMm& box_mm);

/// Moves the measuring position to nominal + (dx, dy) px and recomputes the inner statistics.
void PlaceBox(BoxPatch& patch, int dx, int dy);

/// Per-page levels, from all patches of the page.
struct PageCalibration {
  float white = 240.0f;   ///< paper gray (median over patches).
  float black = 20.0f;    ///< printed-line gray (median over patches).
  float noise = 0.0f;     ///< noise floor of empty inner areas in darkness units [0,1].
  float ink_threshold = 0.12f;  ///< darkness above which a smoothed pixel is ink (handwriting areas).
  /// Darkest point of an empty box's inner area on this page: the median over the page's
  /// boxes (most boxes of a form are empty), in darkness units. JPEG ringing, grain and
  /// lighting all raise it; a mark has to stand clearly above it.
  float floor_peak = 0.0f;
  /// Box ink components: grown from pixels above `grow`, kept when they reach `seed`.
  float seed = 0.10f;
  float grow = 0.06f;
  /// A stroke whose darkest point stays under this is faint (light pencil, show-through,
  /// erased residue): the reader may call it but not with confidence.
  float clear = 0.16f;
};

/// Derives the box thresholds (floor_peak, seed, grow, clear) from the page's noise (set in
/// `cal.noise`) and the inner peaks of its boxes (darkness units, one per box).
void CalibrateThresholds(PageCalibration& cal, const std::vector<float>& inner_peaks);

/// What was measured in one box (pass 2).
struct BoxMeasurement {
  float ink = 0.0f;        ///< share of inner pixels above the seed threshold.
  float fill = 0.0f;       ///< mean normalised darkness of the inner area.
  float solid = 0.0f;      ///< share of inner pixels at least half as dark as the box's ink.
  float mark_mm2 = 0.0f;   ///< largest connected ink component, as mm^2 of solid black.
  float mark_peak = 0.0f;       ///< darkest pixel of that component.
  float mark_sharpness = 0.0f;  ///< its InkBlob::sharpness.
  float stroke_mm = 0.0f;       ///< longest ink component along its main axis, mm.
  float stroke_peak = 0.0f;     ///< darkest pixel of that component.
  float stroke_sharpness = 0.0f;
  float mark_ridge = 0.0f;      ///< InkBlob::ridge of the largest component.
  float stroke_ridge = 0.0f;    ///< InkBlob::ridge of the longest component.
  float inner_peak = 0.0f;      ///< darkest pixel of the inner area.
  int fragments = 0;            ///< ink components in the inner area.
  /// Length (mm) of the largest group of components lying within ~1 mm of each other: a pencil
  /// stroke that a bilevel scan broke into a trail of dots is one such group, dust is not.
  float cluster_mm = 0.0f;
  int cluster_fragments = 0;    ///< components in that group.
  float min_cell_solid = 0.0f;  ///< least solid ninth of the inner area (3 x 3 cells).
  /// Share of the rim between the inner area and the printed outline that is solid: ~1 for a
  /// fill that reaches (and spills over) the edges, low for shading drawn inside the box.
  float rim_solid = 0.0f;
  float total_mm2 = 0.0f;  ///< all ink above threshold, mm^2 of solid black.
  int ring_sides = 0;      ///< sides of the box (0..4) with ink just outside it.
  float ring_mm2 = 0.0f;   ///< ink just outside the box, mm^2 of solid black.
  /// Share of the directions around the box (24 sectors) with ink outside the inner area,
  /// printed lines and straight rules removed: ~1 for a circle drawn around the box.
  float circle_coverage = 0.0f;
};

BoxMeasurement MeasureBox(const BoxPatch& patch, const PageCalibration& calibration);

/// A straight line crossing a box's whole patch through the box's inner area and carrying on
/// along the page beyond it on both sides: a fold's crease, a scanner streak that is not
/// vertical. Nothing a respondent draws in a box does that.
struct CrossingLine {
  cv::Point2d point;  ///< a point on it, patch px.
  cv::Point2d dir;    ///< unit direction, patch px (= page mm directions: the patch is upright).
};

/// The runs of consecutive dark samples (`dark[i]` for `loop[i]`) along the closed `loop`, in
/// loop order; a run through the loop's first and last samples is one run. None when every
/// sample is dark (nothing enters or leaves: a page of ink, not lines).
std::vector<std::vector<cv::Point>> DarkRuns(const std::vector<cv::Point>& loop, const std::vector<char>& dark);

/// Looks for a CrossingLine through the box of `patch` (cut around `box_mm` by LocateBox) on a
/// page of `page_mm` (the line must carry on 1-17 mm beyond the patch on both sides, as far as
/// the page reaches). Costs a few microseconds when there is none: called only for boxes that
/// hold something.
bool FindCrossingLine(const BoxPatch& patch, const PageCalibration& calibration, const cv::Mat& scan_gray,
                      const cv::Matx33d& mm_to_px, const core::RectMm& box_mm, cv::Size2d page_mm,
                      CrossingLine* line);

/// Share of 1 mm steps, over `length_mm` from `start_mm` along `dir` (page mm), where the page is
/// darker on the line than 1-1.5 mm either side of it by `dip` gray levels.
/// 1 when fewer than 4 of the steps lie on the page (`page_mm`, less 2 mm at each edge): a line
/// may run off the paper a few millimetres from where it was seen.
double LineCarriesOn(const cv::Mat& scan_gray, const cv::Matx33d& mm_to_px, cv::Point2d start_mm, cv::Point2d dir,
                     double length_mm, float dip, cv::Size2d page_mm);

/// Looks for a CrossingLine through the box of `p` within 1.5 mm and 1 degree of `hint` (patch
/// px): a crease already found (and seen carrying on along the page) at another box of the same
/// page, where text along it, or grain breaking a faint one up, hides it from FindCrossingLine.
/// It must still dip under the paper on every stretch of the patch outside the box.
bool FindLineNear(const BoxPatch& p, const PageCalibration& calibration, const CrossingLine& hint,
                  CrossingLine* line);

/// Divides the line's darkness out of the patch: its profile across the line (crease core and
/// shadow alike), measured on the patch outside the box, so a crease through an empty box
/// leaves it empty and a mark under it keeps its own darkness.
void DiscountLine(BoxPatch& patch, const CrossingLine& line);

/// What DiscountStain found around the box.
enum class Stain {
  kNone,      ///< no stain: the patch is as it was
  kLevelled,  ///< a stain's darkness taken out of the patch (or the patch's paper is all stain)
  kHidden,    ///< a blot far wider than any mark, gone black (a bilevel scan): nothing under it shows
};

/// The edge of a stain (coffee, water, a greasy thumb) crossing the box: paper darkened evenly
/// over an area far wider than a pen stroke, which runs on out of the box to the patch's edge,
/// at any angle and along any curve. Where such an area lies, the paper's own level there (the
/// patch's median over ~1.6 mm, which strokes and print do not reach) is divided out, up to the
/// darkness the stain has outside the box, so its edge through an empty box leaves it empty
/// and a mark inside keeps its own darkness. A patch lying wholly in a stain is read against
/// its own, stained paper. A blot that went black over the box and far around it hides the box
/// (BlotOverBox).
Stain DiscountStain(BoxPatch& patch, const PageCalibration& calibration);

/// A blot gone black (a bilevel scan's, a stain's core gone solid) reaching into the box, over a
/// quarter of the patch around it and out to the patch's edge: no mark is that wide, and
/// nothing under it shows.
bool BlotOverBox(const BoxPatch& patch, const PageCalibration& calibration);

struct BoxDecision {
  BoxState state = BoxState::kEmpty;
  float confidence = 0.0f;
  /// What is uncertain, as a box reason code (docs/review-reasons.md: "faint_mark",
  /// "heavy_mark", ...), or "" when nothing in particular.
  std::string doubt;
  bool outline_missing = false;  ///< the printed square was not found (code box_not_found).
  bool crossed = false;  ///< a crease or streak crossed the box and was discounted before deciding.
  /// Marked, and doubted only for how light its ink is (under `clear`, its ridge too): a light
  /// pencil or a dry pen as often as show-through or rubbed-out graphite.
  bool light = false;
};

BoxDecision DecideBox(const BoxMeasurement& m, const PageCalibration& calibration, bool located);

/// Everything measured and decided about one tick box of a page.
struct BoxDetail {
  size_t field = 0;        ///< index into Layout::fields.
  size_t option = 0;       ///< index into that field's options.
  core::PointMm centre;    ///< layout centre of the box, page mm.
  bool found = false;      ///< its own printed square was found.
  bool located = false;    ///< measured at a trusted position (its own or its neighbours').
  int dx = 0, dy = 0;      ///< measuring position minus predicted, patch px.
  BoxMeasurement measurement;
  BoxDecision decision;
  /// The leaf's other side was taken out of the box and that emptied it: the ridge (InkBlob::ridge)
  /// of the ink it held before; 0 otherwise. ReadPage weighs it against the respondent's hand.
  float emptied_ridge = 0.0f;
};

struct PageBoxes {
  PageCalibration calibration;
  /// How strongly the leaf's other side shows through, gray levels (show_through.h); 0 when it
  /// was not measured (no box needed it, or the page has no other side).
  float show_through = 0.0f;
  std::vector<BoxDetail> boxes;  ///< page fields in layout order, options in order.
};

/// Locates, calibrates, measures and decides every tick box of page `page_no` of `layout`
/// (ReadPage's box pass, exposed for tests and tuning tools). `other_side`: as
/// ReadOptions::other_side.
PageBoxes ReadPageBoxes(const cv::Mat& scan_gray, const cv::Matx33d& mm_to_px,
                        const templates::Layout& layout, int page_no, const OtherSideSource& other_side = {});

}  // namespace phieu::recognition
