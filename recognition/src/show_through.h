// Copyright 2026 The Phiếu Authors
// SPDX-License-Identifier: Apache-2.0
// Show-through: the other side of a duplex leaf seen through the paper, mirrored and diffused.
// Private to recognition.
#pragma once

#include <optional>
#include <vector>

#include <opencv2/core.hpp>

#include "box_reader.h"
#include "core/geometry.h"
#include "recognition/recognition.h"
#include "templates/layout.h"

namespace phieu::recognition {

/// What the other side of the leaf holds, from the layout, mirrored through the sheet into this
/// page's millimetres (a duplex leaf turns over its long edge: back x -> width - x, y kept).
/// Pages 1/2, 3/4, ... share a leaf; a page without a partner in the layout has no back side.
struct BackSide {
  int page = 0;  ///< the other side's page number; 0 when there is none.
  /// Its print: text lines, option labels, the squares of its boxes, a grid's rules and frame,
  /// comb cells and writing areas' frames, the anchors. Thin, solid black: what shows through
  /// as a faint, soft copy.
  std::vector<core::RectMm> print_mm;
  /// Where its respondent's marks can lie: its boxes with the overflow of a tick or a fill, its
  /// option labels (rings), its writing areas and comb cells.
  std::vector<core::RectMm> marks_mm;
  /// From the other side's own scan (a duplex batch), once its mirrored copy was found in this
  /// page: where that scan holds ink, in this page's mm at kBackInkPxPerMm px/mm (pixel (u, v)
  /// centred on ((u + 0.5) / ppm, (v + 0.5) / ppm)), grown by the paper's diffusion. CV_8UC1,
  /// 255 = ink. When set (with scanned_dark), the copy is predicted from these, not from
  /// print_mm / marks_mm.
  cv::Mat scanned_ink;
  /// The other side's darkness (share of its page's contrast) as it reaches this side through
  /// the paper, on the same grid: mirrored, registered, diffused. CV_32F.
  cv::Mat scanned_dark;
  /// Gray levels this page loses per unit of scanned_dark (its show-through, measured).
  float scanned_gain = 0.0f;
  bool empty() const { return page == 0; }
};

/// Resolution of BackSide::scanned_ink.
inline constexpr double kBackInkPxPerMm = 4.0;

/// The page on the other side of `page_no`'s leaf (pages 1/2, 3/4, ... share one), 0 when the
/// layout has none: nothing can show through.
int PartnerPage(const templates::Layout& layout, int page_no);

/// The back side of `page_no` (empty when the layout has no partner page for it).
BackSide MirrorBackSide(const templates::Layout& layout, int page_no);

/// Finds the other side's own scan (`other`, a duplex batch) in this page (`front_gray`, fit
/// `front_mm_to_px`, page `page_mm`): mirrors it through the sheet, matches its ink to the
/// faint layer of this page (what is lighter than `own_ink_gray` under this page's paper) over
/// the duplex printer's registration, and sets back.scanned_ink, scanned_dark and scanned_gain.
/// Returns false, and leaves `back` as it was, when no copy is found (a bilevel page whose
/// threshold dropped it). The match is carried by the form's print, the same on every sheet: it
/// does not tell this sheet's back from another's, so the caller hands over only the scan of
/// the same sheet's page (pipeline: FindOtherSide).
bool AddScannedBack(BackSide& back, const OtherSideScan& other, const cv::Mat& front_gray,
                    const cv::Matx33d& front_mm_to_px, cv::Size2d page_mm, float own_ink_gray);

/// Evidence of show-through in one box: how much darker (gray levels) the darkest tenth of its
/// inner area is under the back side's mirrored print than the darkest tenth of the rest of it
/// (noise and lighting darken both alike). ~0 without show-through; nullopt when the inner area
/// does not hold enough of both. The page's median over its boxes is its show-through level.
std::optional<float> GhostContrast(const BoxPatch& patch, const core::RectMm& box_mm, const BackSide& back,
                                   float paper_gray);

/// How much of the back side DiscountShowThrough takes out, in gray levels under the paper.
struct ShowThroughLimits {
  /// Every pixel under the back's mirrored print or marks lighter than this (the faint copy of
  /// its print and pen strokes; a pencil stroke of this side is darker along its whole ridge).
  float faint_gray = 0.0f;
  /// Whole components lying under it that stay lighter than this and are soft, as diffused ink
  /// is: the copy of its fills and marker strokes, darker than its print's.
  float soft_gray = 0.0f;
};

/// Takes the back side out of a box's patch: what lies under its mirrored print or marks (moved
/// with the patch's measured shift) and is within `limits` is set to paper, in `gray` and
/// `smooth` alike. A mark of this side keeps everything darker or sharper, which is all of a
/// pen or pencil stroke but its faintest fringe. Returns false (patch untouched) when nothing
/// of the back side lies in the patch.
/// With the back's own scan (BackSide::scanned_dark), the copy it predicts is divided out
/// instead, and `unexplained` (when given) receives the most darkness of the box's inner area,
/// in gray levels, that the predicted copy does not account for; it is -1 otherwise.
bool DiscountShowThrough(BoxPatch& patch, const core::RectMm& box_mm, const BackSide& back, float paper_gray,
                         const ShowThroughLimits& limits, float* unexplained = nullptr);

}  // namespace phieu::recognition
