// Copyright 2026 The Phiếu Authors
// SPDX-License-Identifier: Apache-2.0
// The page synthesiser every suite shares: pages drawn in page millimetres (QR anchors for the
// alignment tests, boxes and hand-made marks for the readers), "scanned" through a known
// homography with one damage step (blur, grain, JPEG, binarisation), so a test knows the truth.
#pragma once

#include <ostream>
#include <random>
#include <string>
#include <vector>

#include <opencv2/core.hpp>

#include "core/geometry.h"
#include "core/vocabulary.h"
#include "recognition/recognition.h"
#include "scanner/scanner.h"
#include "templates/layout.h"

namespace phieu::testing {

using recognition::BoxState;

// ---------------------------------------------------------------------------------------------
// Scanning: one damage step for every synthetic page.

struct Damage {
  double blur_sigma = 0.0;
  double noise_sigma = 0.0;
  int jpeg_quality = 0;     ///< 0 = no JPEG round trip.
  bool binarise = false;
  int paper_gray = 255;     ///< darken the paper (recycled stock, scanner calibration).
  unsigned seed = 1;
};

/// Warps the 8-bit gray `page` by `page_to_scan` into a `canvas` (outside the page: `border`),
/// then darkens the paper, blurs, adds grain, round-trips through JPEG and binarises (Otsu),
/// each only when `damage` asks for it, in that order.
cv::Mat MakeScan(const cv::Mat& page, const cv::Matx33d& page_to_scan, cv::Size canvas,
                 const Damage& damage, int border = 255);

/// mm -> scan px as the test built it (the ground truth for AlignedPage::mm_to_px).
cv::Matx33d TrueMmToPx(const cv::Matx33d& page_to_scan, double dpi);

cv::Point2d Apply(const cv::Matx33d& h, cv::Point2d p);

// ---------------------------------------------------------------------------------------------
// Anchored pages: a layout's QR anchors at known positions (the alignment tests).

constexpr double kAnchorSizeMm = 14.0;
constexpr double kAnchorInsetMm = 8.0;

/// A layout with `pages` A4 pages, four 14 mm anchors 8 mm in from each corner, and a few
/// single-choice fields whose boxes give mid-page check points.
templates::Layout MakeLayout(const std::string& id, int version, int pages);

struct PageArt {
  bool anchors[4] = {true, true, true, true};  ///< which corners get a Phiếu anchor.
  bool clutter = true;                         ///< boxes and text lines.
  std::string foreign_text;                    ///< if set: a foreign QR in every corner instead.
  core::PageKey keys[4];                       ///< per corner; defaults to the page's key.
  bool per_corner_keys = false;
};

/// White page at `dpi`, drawn in OpenCV pixel convention: page mm (x, y) lies at pixel
/// coordinate (x * s - 0.5, y * s - 0.5) with s = dpi / 25.4.
cv::Mat RenderPage(const templates::PageLayout& page, const core::PageKey& key, double dpi,
                   const PageArt& art = {});

/// Page px -> scan px for a page of the given size: scale about the centre, rotate by
/// `quarter_turns` * 90 deg plus `skew_deg` (clockwise), shear, translate into a canvas that
/// holds the whole result with `margin_px` white around.
struct Placement {
  int quarter_turns = 0;
  double skew_deg = 0.0;
  double scale = 1.0;
  double shear = 0.0;
  double perspective = 0.0;  ///< small keystone term (phone photos).
  double margin_px = 40.0;
};
cv::Matx33d MakeTransform(cv::Size page_px, const Placement& placement, cv::Size* canvas);

// ---------------------------------------------------------------------------------------------
// Marked pages: printed boxes and the marks people make in them (the readers' tests).

/// The hand-made things a box can hold, with the state a correct reader reports.
enum class Mark {
  kNone,
  kSpeck,          ///< dust: 0.1-0.35 mm dark dot somewhere in the box.
  kTick,
  kCross,
  kDot,            ///< deliberate pen dot, 1-1.8 mm.
  kSlash,          ///< short diagonal stroke.
  kScribble,
  kShading,        ///< hatching.
  kFill,           ///< solid fill: cancelled.
  kFillOverCross,  ///< correction: cancelled.
  kOverflowTick,   ///< big tick starting in the box and leaving it.
  kCircle,         ///< circle drawn around the box.
  // Marks our simulator does not make, seen on real forms:
  kCornerTick,     ///< small tick (1.5-2 mm) tucked into a corner of the box.
  kFeltTick,       ///< felt pen, 1.1-1.5 mm stroke, overflowing the box.
  kFeltCross,      ///< felt pen cross, 0.9-1.2 mm strokes, overflowing the box.
  kHugeCross,      ///< cross whose arms reach 2-3 mm beyond the box.
  kPenTouch,       ///< a tiny dot of ink, 0.45-0.6 mm: ambiguous, a person decides.
  kErasedTick,     ///< pencil tick rubbed out: a faint smeared residue, a person decides.
};
BoxState TruthOf(Mark mark);
/// Marks a careful person could read either way: the reader must send them to review.
bool IsAmbiguous(Mark mark);
const char* MarkName(Mark mark);

/// How a stroke is drawn.
struct Pen {
  double width_mm = 0.5;
  int gray = 20;  ///< pen 0-40, light pencil 150-190.
};

/// How the page is scanned.
struct ScanSetup {
  double rotation_deg = 0.0;
  double scale = 1.0;
  cv::Point2d offset_px{0.0, 0.0};
  double local_shift_mm = 0.0;  ///< amplitude of the smooth paper distortion the homography misses.
  double blur_sigma_px = 0.7;
  double noise_sigma = 5.0;
  int jpeg_quality = 60;        ///< 0 = no JPEG round trip.
  bool binarize = false;        ///< Otsu after everything else (bilevel scanner output).
  int paper = 245;
  unsigned seed = 1;
};

/// A named scan setting for parameterised tests ("300dpi", "bilevel"...): the same page read at
/// several settings. Setup() turns it into a ScanSetup with `seed`.
struct ScanSetting {
  std::string name;
  double scale = 1.0;  ///< 0.5: the page lands at 150 dpi.
  double rotation = 0.0;
  double blur = 0.6;
  double noise = 3.0;
  int jpeg = 0;
  bool bilevel = false;
  int paper = 245;
  cv::Point2d offset_px{7.0, -11.0};
  double local_shift_mm = 0.4;

  ScanSetup Setup(unsigned seed) const {
    return {.rotation_deg = rotation, .scale = scale, .offset_px = offset_px, .local_shift_mm = local_shift_mm,
            .blur_sigma_px = blur, .noise_sigma = noise, .jpeg_quality = jpeg, .binarize = bilevel,
            .paper = paper, .seed = seed};
  }
};
/// The test name says the setting by name (not the struct's bytes, which vary from build to build).
inline void PrintTo(const ScanSetting& s, std::ostream* os) { *os << s.name; }

/// The four scans the fold and crease suites read every page at: 300 dpi, 150 dpi with JPEG,
/// bilevel, and a harsh gray scan (turned, blurred, grainy, dull paper).
inline std::vector<ScanSetting> FoldScanSettings() {
  return {ScanSetting{"300dpi"}, ScanSetting{"150dpi", 0.5, 1.0, 0.8, 5.0, 70},
          ScanSetting{"bilevel", 1.0, -0.7, 0.7, 4.0, 0, true},
          ScanSetting{"harsh_gray", 1.0, -2.0, 1.2, 8.0, 50, false, 225}};
}

class SyntheticPage {
 public:
  static constexpr double kDpi = 300.0;

  /// Page of `width_mm` x `height_mm`, paper gray from `setup.paper`.
  SyntheticPage(const ScanSetup& setup, double width_mm = 210.0, double height_mm = 297.0);

  /// Where the printed square of layout box `box_mm` really lands on this (distorted) paper.
  core::RectMm Printed(const core::RectMm& box_mm) const;

  /// Prints every box, comb cell and writing area of `layout` (0.3 mm black strokes).
  void PrintLayout(const templates::Layout& layout);
  void PrintBox(const core::RectMm& box_mm);
  /// Prints the rules of a scale grid around `layout`'s box rows: a thin rule `gap_mm` above
  /// and below each row's boxes across the whole row, and column rules halfway between boxes.
  void PrintGridRules(const templates::Layout& layout, double gap_mm = 1.2);
  /// Cuts the printed outline of `box_mm` in a few places (fax-like bilevel scans).
  void BreakOutline(const core::RectMm& box_mm, std::mt19937& rng);

  /// Draws `mark` in the printed box of `box_mm`; `rng` picks the hand-made variation.
  void DrawMark(const core::RectMm& box_mm, Mark mark, const Pen& pen, std::mt19937& rng);
  void Line(core::PointMm a, core::PointMm b, const Pen& pen);
  void Polyline(const std::vector<core::PointMm>& pts, const Pen& pen);
  void FillPolygon(const std::vector<core::PointMm>& pts, int gray);
  void Disc(core::PointMm centre, double diameter_mm, int gray);
  /// A soft grey blot (eraser residue, smudge): `darkness` gray levels below paper at its centre.
  void Smudge(core::PointMm centre, double radius_mm, int darkness);
  /// A stain (coffee, tea, water) around `centre`: paper and whatever lies on it darkened by
  /// `darkness` (share, 0-1) inside a wavy outline of mean radius `radius_mm` (three harmonics,
  /// their phases from `rng`), the edge soft over `edge_mm`, and a tide line along it `rim`
  /// darker still. The test's own model: not the simulator's, not the probe's.
  void Stain(core::PointMm centre, double radius_mm, double darkness, double edge_mm, double rim,
             std::mt19937& rng);
  /// A fold's crease across the whole page through `a` and `b` (page mm): the paper darkened
  /// by `darkness` (share, 0-1) on a line of half-width `half_width_mm`, and by `shadow` more on
  /// one side, fading over `shadow_mm`. Darkens whatever is printed or drawn under it.
  void Crease(core::PointMm a, core::PointMm b, double darkness, double half_width_mm, double shadow = 0.0,
              double shadow_mm = 2.0);
  /// The other side of the leaf showing through: `back`'s raster (what its printer and pen left)
  /// mirrored left to right, diffused by a Gaussian of `blur_mm`, darkens this page by
  /// `strength` of its darkness (0.08: 8% of the back's ink). Drawn the test's own way, not the
  /// simulator's: the darkness is subtracted in gray levels, not multiplied.
  void ShowThrough(const SyntheticPage& back, double strength, double blur_mm);
  /// Glyph-like bold print over a text line `line_mm` (0.45 mm strokes, letters 1.5 mm apart).
  void PrintTextLine(const core::RectMm& line_mm);
  /// `text` in a Hershey script font, its baseline starting at `baseline_left` (page mm,
  /// through the paper distortion), letters `height_mm` tall: digits in a comb, words in an area.
  void Write(core::PointMm baseline_left, const std::string& text, double height_mm, const Pen& pen);
  /// Handwriting-like strokes in a rectangle (for digits/text areas).
  void Scribble(const core::RectMm& area_mm, const Pen& pen, std::mt19937& rng, int strokes);

  /// Applies the scan transform and damage. The returned page's mm_to_px is the homography
  /// WITHOUT the local paper distortion, as an anchor-only fit would give.
  void Scan(scanner::Scan* scan, scanner::AlignedPage* page, int page_no = 1) const;

 private:
  core::PointMm Distort(core::PointMm p) const;
  cv::Point Px(core::PointMm p) const;  ///< page raster px with kShift fractional bits.
  int Thickness(double mm) const;

  ScanSetup setup_;
  double px_per_mm_;
  cv::Mat raster_;  ///< upright page, what the pen and the printer left.
  double phase_x_, phase_y_;
};

/// A grid of scale rows: `rows` rows of `cols` 5 mm boxes, values "1".."cols". Each row's
/// area_mm is the band between the rules SyntheticPage::PrintGridRules draws around it (as
/// the form renderer gives a row the band between its rules).
templates::Layout GridLayout(int rows, int cols, double pitch_x_mm = 12.0, double pitch_y_mm = 9.0,
                             double x0_mm = 40.0, double y0_mm = 30.0);

}  // namespace phieu::testing
