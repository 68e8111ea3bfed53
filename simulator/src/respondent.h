// Copyright 2026 The Phiếu Authors
// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <algorithm>

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/vocabulary.h"
#include "hand_fonts.h"
#include "templates/layout.h"

namespace phieu::simulator {

/// The shape a respondent draws in a box. kCancelled = a box filled solid over a cross: the
/// respondent's way of saying "not this one" (never an answer). kLabelCircle = a loop around
/// the option's printed text, the box left empty (an answer a person has to confirm).
/// kHatch = the box shaded with separate parallel strokes, gaps between them, inside the box;
/// kMarkerCross = a cross in felt or marker pen (1-1.6 mm wide); kScribble = a tangle of loops
/// in the box. All three are answers, the respondent's only mark in the question.
enum class MarkShape {
  kTick, kCross, kSlash, kDot, kCircle, kShade, kCancelled, kLabelCircle,
  kHatch, kMarkerCross, kScribble,
  kErased,  ///< a pencil mark rubbed out: a faint smear of the respondent's usual mark, not selected.
};
const char* MarkShapeName(MarkShape shape);

/// The writing instrument of one respondent.
struct Pen {
  bool pencil = false;
  double width_mm = 0.45;
  int ink_gray = 40;           ///< luminance of a full stroke on white (pencil: 120–190).
  double ink_bgr[3] = {140, 55, 30};  ///< colour of a full stroke, for colour scans.
  double opacity = 0.95;       ///< ballpoint ~0.9–1, pencil lower and grainy.
  bool marker = false;         ///< felt or marker pen: wide, dark, flat strokes.
  /// Box marks drawn by the second, independent stroke model (DrawPressureStroke: stamped
  /// discs with a pressure curve, tapered ends and skips) instead of the jittered polyline.
  bool pressure_model = false;
  const char* Name() const;    ///< "ballpoint_blue", "ballpoint_black", "pencil", "marker".
};

/// Digit shapes: OpenCV's Hershey stroke fonts, or a hand font's figures.
enum class DigitFont { kHersheyScript, kHersheySimplex, kHersheyComplex, kHand };

/// How one respondent writes: fixed for the whole sheet, so a style can be benchmarked.
struct HandHabit {
  HandFont font = HandFont::kAndikaItalic;   ///< letters (and digits when digit_font is kHand).
  DigitFont digit_font = DigitFont::kHand;
  double x_height_mm = 2.5;      ///< size of lower-case letters on a 9 mm ruled pitch.
  double slant = 0.1;            ///< extra shear (tan of the lean to the right).
  double word_gap = 0.9;         ///< space between words, in x-heights.
  double size_jitter = 0.05;     ///< relative sd of word size.
  double lift_mm = 0.4;          ///< how far above the ruled line the baseline sits.
  double tilt_deg = 0.5;         ///< sd of a line's tilt.
  double elastic_mm = 0.4;       ///< rms of the smooth displacement field (the wobble).
  double elastic_sigma_mm = 2.5; ///< correlation length of that field.
  double min_pressure = 0.8;     ///< lightest stroke as a share of full pressure.
  double digit_scale = 0.65;     ///< digit height relative to its comb cell.
  std::string DigitStyleName() const;  ///< "hershey-script", ..., or the hand font's name.
};

/// One box the respondent put ink in.
struct BoxMark {
  int option = 0;              ///< index into FieldLayout::options.
  MarkShape shape = MarkShape::kTick;
  bool selected = true;        ///< false only for kCancelled.
  bool correction = false;     ///< drawn after cancelling another box of the same field.
};

/// What happens to one field of one sheet.
struct FieldPlan {
  int field = 0;               ///< index into Layout::fields.
  std::vector<BoxMark> marks;  ///< box kinds.
  std::string written;         ///< digits / text as written (lines joined by "\n"); for a dash the
                               ///< stroke ("-" or "—"), for a stray its kind ("dot", "touch").
  /// What went into a digits/text field: "digits", "handwriting", "dash" (a "-" or "—": not an
  /// answer), "stray" (a dot or pen touch: not an answer), or "" (blank).
  std::string mark;
  std::vector<std::string> lines;  ///< handwriting: `written` split into the lines as written.
  double x_height_mm = 0;      ///< handwriting: size used (the habit's, shrunk to fit).
  int crossed_cell = -1;       ///< digits: index into `written` whose first try was crossed out.
  char crossed_digit = 0;      ///< digits: the crossed-out digit.
  nlohmann::json truth;        ///< export value (DESIGN.md schema).
};

/// One respondent's filled sheet, decided before any pixel is drawn.
struct SheetPlan {
  core::Serial serial = 0;
  std::string unit;            ///< "" -> null in truth.
  Pen pen;
  MarkShape style = MarkShape::kTick;
  HandHabit hand;
  double mark_scale = 1.0;     ///< size of marks relative to the box.
  double overflow_rate = 0.2;  ///< share of marks drawn bigger than the box.
  /// Answers single/multi questions by ringing the option's text instead of marking its box.
  bool circles_labels = false;
  int missing_page = 0;        ///< 1-based page never scanned; 0 = none.
  /// Only these pages are scanned (SimulateOptions::only_pages); empty = every page.
  std::vector<int> only_pages;
  std::vector<FieldPlan> fields;  ///< one per Layout::fields entry, same order.

  /// True when template page `page` of this sheet reaches the scanner.
  bool Scanned(int page) const {
    if (page == missing_page) return false;
    return only_pages.empty() || std::find(only_pages.begin(), only_pages.end(), page) != only_pages.end();
  }
};

/// Decides a respondent's answers and habits. Depends only on (seed, serial) and the layout, so
/// the truth never depends on threading. `missing_page_rate` applies to sheets with >1 page.
SheetPlan PlanSheet(const templates::Layout& layout, core::Serial serial, const std::string& unit,
                    std::uint64_t seed, double missing_page_rate);

/// The truth.json entry of a sheet.
nlohmann::json TruthEntry(const templates::Layout& layout, const SheetPlan& plan);

/// The JSON value of an option as exports write it (number when the template wrote a number).
nlohmann::json OptionValueJson(const templates::OptionBox& option);

}  // namespace phieu::simulator
