// Copyright 2026 The Phiếu Authors
// SPDX-License-Identifier: Apache-2.0
//
// Internal to phieu::recognition: pen strokes around the printed label of an option. Many
// respondents answer by circling the option's text ("Nữ", "Đại học") instead of ticking its
// box; the box then reads empty, and an optional question would be taken as unanswered.
#pragma once

#include <vector>

#include <opencv2/core.hpp>

#include "box_reader.h"
#include "core/geometry.h"
#include "templates/layout.h"

namespace phieu::recognition {

/// One printed box as the box pass found it.
struct FoundBox {
  core::PointMm shift_mm;  ///< from its layout position.
  bool inked = false;      ///< read as marked or cancelled.
};
/// The boxes of a page: per layout field (index), per option. Empty for fields of other pages
/// and kinds.
using FoundBoxes = std::vector<std::vector<FoundBox>>;

/// What lies around one option's label, outside everything printed.
struct LabelMark {
  float above = 0.0f;   ///< share of the label's columns with a pen stroke just above it.
  float below = 0.0f;   ///< the same, just below it.
  bool before = false;  ///< a stroke left of the label (between it and its box, or left of the box).
  bool after = false;   ///< a stroke just right of the label's end.
  /// A loop around the label: strokes above and below most of it, closed at one end at least.
  bool circled = false;
  /// A pen mark of hand size (a cross or tick over the text, an underline, a word written
  /// beside it) nearer to this label than to any other, not touching a box: the respondent may
  /// have chosen the option this way.
  bool pen_mark = false;
};

/// Measures the surroundings of every option label of box field `field` (single or multi; other
/// kinds and options without a label_mm give default marks). `shift_mm` is the field's local
/// shift measured on its boxes; `cal` the page calibration of the box pass. Printed elements
/// the layout knows (boxes, labels, question text, grids, combs, writing areas) are masked out,
/// and only thin dark strokes count, so paper shading and stains do not.
/// `pen_marks`: also look for lesser pen marks (LabelMark::pen_mark), which only matter when
/// no box of the field holds an answer; loops are always looked for.
std::vector<LabelMark> FindLabelMarks(const cv::Mat& scan_gray, const cv::Matx33d& mm_to_px,
                                      const templates::Layout& layout, size_t field,
                                      core::PointMm shift_mm, const PageCalibration& cal,
                                      bool pen_marks);

/// True when a pen stroke of hand size lies near box field `field`'s answers outside its boxes:
/// anywhere in the field's extent (a question from its text line to its last option; a grid row
/// from rule to rule, 8 mm out past the grid's frame either side, and for a grid's first row its
/// header too), or within 3 mm of a box or option text. What is not looked at: the print (boxes
/// where the box pass found them, with 0.45 mm; each printed text line's own extent
/// (FieldLayout::print_mm, with 0.15 mm); comb cells; writing areas; anchors) and any ink lying
/// on it; a grid's rules where they really run (a pixel either side); folds and creases
/// (straight lines with 60 mm of ink); a neighbouring question's answer running over; what is
/// too small for a pen mark (under 1.2 mm long or 0.4 mm² of ink: specks, grain) or too faint
/// (under 13% of the paper-to-print contrast, more on a grainy page).
/// The box reader found such a question blank; a required one is recorded as unanswered
/// without a person's look only when this is false. `found`: where the box pass found the
/// page's boxes; other arguments as for FindLabelMarks.
bool InkBesideBoxes(const cv::Mat& scan_gray, const cv::Matx33d& mm_to_px, const templates::Layout& layout,
                    size_t field, core::PointMm shift_mm, const FoundBoxes& found, const PageCalibration& cal);

}  // namespace phieu::recognition
