// Copyright 2026 The Phiếu Authors
// SPDX-License-Identifier: Apache-2.0
// ReasonText: the English text of review reason codes (docs/review-reasons.md), the only place
// the recognition stage turns a code into words.

#include <string>
#include <string_view>
#include <vector>

#include "reason_template.h"
#include "recognition/recognition.h"

namespace phieu::recognition {
namespace {

using Template = ReasonTemplate;

// Box doubts (the box reader's codes): written "box {box}: <text>".
constexpr Template kBoxDoubts[] = {
    {"box_uncertain", "uncertain"},
    {"box_nearly_filled", "nearly filled, mark or cancellation?"},
    {"heavy_mark", "heavy shading, mark or cancellation?"},
    {"faint_mark", "faint mark"},
    {"faint_ink", "faint ink"},
    {"broken_faint_stroke", "broken faint stroke"},
    {"scattered_ink", "scattered ink"},
    {"circled_box", "circled rather than ticked"},
    {"mark_outside_box", "mark mostly outside the box"},
    {"faint_smudge", "faint smudge, mark or eraser residue?"},
    {"box_not_found", "box outline not found"},
    {"crease_through_box", "a fold or streak crosses the box, mark or crease?"},
    {"box_under_stain", "a stain went black over the box, what is under it?"},
    {"faint_replacement", "a faint mark beside a filled box: the corrected answer, or a stray?"},
};

constexpr Template kOthers[] = {
    {"two_marks_single", "{count} boxes marked in a one-answer question"},
    {"over_max", "{count} marked, at most {max} allowed"},
    {"label_circled", "option {option}: its label is circled, its box left empty"},
    {"label_marked", "option {option}: a pen mark at its label, its box left empty"},
    {"cancelled_no_replacement", "mark cancelled with no replacement"},
    {"required_blank_faint", "required question unanswered (faint ink seen)"},
    {"required_blank", "required question unanswered"},
    {"required_blank_ink_beside", "required question unanswered (pen marks beside its boxes)"},
    {"ink_beside_boxes", "no box marked, but pen marks beside the boxes"},
    {"no_digit_model", "no digit model ({detail})"},
    {"digit_gap", "empty cell between digits"},
    {"digit_out_of_range", "{value} is outside {min}-{max}"},
    {"handwriting_no_ocr", "handwriting present, no OCR engine: transcribe"},
    {"handwriting_ocr_empty", "handwriting present, OCR read nothing: transcribe"},
    {"handwriting_check_draft", "handwriting: check the draft transcription"},
    {"low_confidence", "low confidence"},
    {"legacy", "{text}"},
    // Remarks kept with accepted readings.
    {"required_left_blank", kRequiredLeftBlank},
    {"blank", "blank"},
    {"dot", "only a dot or a tiny mark, not a comment"},
    {"short_stroke", "a single short stroke (a pen touch), not a comment"},
    {"dash", "a dash, not a comment"},
    {"handwriting_present", "handwriting present"},
    {"handwriting_sure", "handwriting read with high confidence"},
};


const Template* Find(const auto& table, const std::string& code) {
  for (const Template& t : table)
    if (t.code == code) return &t;
  return nullptr;
}

int Count(const core::ReviewReason& r) {
  try {
    return std::stoi(r.Param("count"));
  } catch (...) {
    return 0;
  }
}

}  // namespace

bool IsBoxDoubt(const std::string& code) { return Find(kBoxDoubts, code) != nullptr; }

std::string ReasonText(const core::ReviewReason& r) {
  if (const Template* t = Find(kBoxDoubts, r.code)) return "box " + r.Param("box") + ": " + std::string(t->text);
  if (r.code == "fill_beside_cross")
    return r.Param("count") + (Count(r) == 1 ? " box" : " boxes") +
           " filled beside a cross: a correction or another choice?";
  if (r.code == "digits_unclear") {
    const int over = [&] {
      try {
        return std::stoi(r.Param("over_border"));
      } catch (...) {
        return 0;
      }
    }();
    return r.Param("count") + (Count(r) == 1 ? " digit" : " digits") + " unclear" +
           (over > 0 ? " (" + r.Param("over_border") + " written over the cell border)" : "");
  }
  if (const Template* t = Find(kOthers, r.code)) return FillReason(t->text, r);
  return r.code;  // a code this build does not know: at least say which
}

std::string ReasonText(const std::vector<core::ReviewReason>& reasons) {
  std::string out;
  for (size_t i = 0; i < reasons.size(); ++i) {
    const core::ReviewReason& r = reasons[i];
    // "box outline not found" joins the same box's other doubt in one clause.
    if (i > 0 && r.code == "box_not_found" && IsBoxDoubt(reasons[i - 1].code) &&
        reasons[i - 1].code != "box_not_found" && reasons[i - 1].Param("box") == r.Param("box")) {
      out += ", box outline not found";
      continue;
    }
    out += (out.empty() ? "" : "; ") + ReasonText(r);
  }
  return out;
}

}  // namespace phieu::recognition
