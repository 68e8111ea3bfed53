// Copyright 2026 The Phiếu Authors
// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include <opencv2/core.hpp>

#include "core/geometry.h"
#include "core/review_reason.h"
#include "core/vocabulary.h"
#include "scanner/scanner.h"
#include "templates/layout.h"

namespace phieu::recognition {

class OcrEngine;

/// What one tick box holds.
enum class BoxState {
  kEmpty,
  kMarked,     ///< tick, cross, dot, shading, circle...
  kCancelled,  ///< filled in solid: the respondent took the mark back.
};
const char* BoxStateName(BoxState state);

/// Measurements and decision for one tick box.
struct BoxReading {
  std::string value;            ///< the option value.
  BoxState state = BoxState::kEmpty;
  float ink = 0.0f;             ///< share of inner pixels darker than the page's ink threshold [0,1].
  float fill = 0.0f;            ///< darkness of the inner area, 0 = paper, 1 = solid ink.
  float confidence = 0.0f;      ///< in the state, [0,1].
};

/// The reason kept with an accepted reading of a required box question that was left plainly
/// blank (ReadOptions::review_blank_required).
inline constexpr const char* kRequiredLeftBlank = "required question left blank";

/// The English text of review reasons or remarks (codes of docs/review-reasons.md), joined by
/// "; ": the one place codes become words, so FieldReading::reason never says something its
/// `reasons` do not. A box's `box_not_found` right after another doubt about the same box joins
/// it in one clause ("box 3: faint mark, box outline not found"). An unknown code is written as
/// itself.
std::string ReasonText(const std::vector<core::ReviewReason>& reasons);
std::string ReasonText(const core::ReviewReason& reason);

/// One field's machine reading. Confidence is always in [0, 1].
struct FieldReading {
  std::string field_id;
  core::FieldKind kind = core::FieldKind::kSingle;
  int page = 1;
  std::vector<std::string> selected;   ///< single/scale: 0 or 1 value; multi: any.
  std::optional<std::string> text;     ///< digits/text: the reading, nullopt = blank/unread.
  float confidence = 0.0f;
  bool needs_review = false;
  /// Why it needs review. On an accepted reading, empty or a remark worth keeping
  /// (kRequiredLeftBlank, a text area's "a dash, not a comment"). Always ReasonText(reasons).
  std::string reason;
  /// The same as codes with parameters (docs/review-reasons.md): what the store counts and the
  /// review UI renders in the reviewer's language. On an accepted reading, the remark's code
  /// (`required_left_blank`, `blank`, `dash`, ...) or nothing.
  std::vector<core::ReviewReason> reasons;
  std::vector<BoxReading> boxes;       ///< box kinds: one per option, layout order.
  core::RectMm crop_mm;                ///< the region shown to a reviewer, page mm.
  cv::Mat crop;                        ///< that region as seen, upright gray (may be empty).
};

/// The other side of a page's leaf as its own scan holds it (a duplex batch).
struct OtherSideScan {
  cv::Mat gray;                              ///< CV_8UC1, as scanner::Scan::gray.
  cv::Matx33d mm_to_px = cv::Matx33d::eye(); ///< its fit, page mm -> scan px (scanner::AlignedPage).
};
/// Hands over the scan of page `page_no` of the same sheet, when the batch holds it.
using OtherSideSource = std::function<std::optional<OtherSideScan>(int page_no)>;

struct ReadOptions {
  float review_below = 0.80f;  ///< box decisions under this confidence go to review.
  /// A required box question left blank goes to review: always when true; when false (the
  /// default) only if ink is seen in or around its boxes (a faint mark, a stroke beside the
  /// boxes, a mark at an option's text: see docs/schema.md for what is looked at). A plainly
  /// blank one is then accepted as unanswered with reason kRequiredLeftBlank.
  bool review_blank_required = false;
  double crop_px_per_mm = 6.0; ///< resolution of stored crops (about 150 dpi).
  bool keep_crops = true;      ///< fill FieldReading::crop.
  /// With keep_crops: fill FieldReading::crop only for readings that need review (the store
  /// keeps no other crop, and warping one costs ~20 us per field). crop_mm is always set.
  bool crops_for_review_only = true;
  /// Line OCR for written text areas, owned by the caller, one per thread (handwriting.h).
  /// nullptr: written areas go to review without a draft.
  OcrEngine* ocr = nullptr;
  /// Resolution handwriting (text areas, digit cells) is sampled at for its readers.
  double handwriting_px_per_mm = 8.0;
  /// In a duplex batch, the scan of the other side of this page's leaf. Asked at most once per
  /// page, and only when the page shows its other side through the paper: what is then taken
  /// out of its boxes is where that scan holds ink, found by matching its mirrored copy to this
  /// page, not everywhere the layout lets the other side hold some. Unset, or nullopt: the
  /// layout alone.
  OtherSideSource other_side;
};

/// Reads every field of the aligned page's template page. `page.status` must be kOk.
/// Bad marks never fail the call: they come back flagged for review with a reason.
/// Thread-safe (no shared state).
std::vector<FieldReading> ReadPage(const scanner::Scan& scan, const scanner::AlignedPage& page,
                                   const templates::Layout& layout, const ReadOptions& options = {});

}  // namespace phieu::recognition
