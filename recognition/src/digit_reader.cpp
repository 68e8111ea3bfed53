// Copyright 2026 The Phiếu Authors
// SPDX-License-Identifier: Apache-2.0
// ReadDigits: per-cell ink detection and classification, then the field's rules.

#include <algorithm>
#include <stdexcept>
#include <vector>

#include "digit_features.h"
#include "recognition/handwriting.h"
#include "recognition/recognition.h"
#include "text_ink.h"

namespace phieu::recognition {
namespace {

/// The comb's cells as they are read: under salt and pepper, each cell's 3 x 3 median
/// (internal::SpeckTiles). Noise puts specks in nearly every tile of every cell; a digit's
/// grainy pencil strokes only in the tiles they cross, and never in the margins and borders
/// around them or in the empty cells: the comb is judged on its quietest quarter of tiles.
std::vector<cv::Mat> WithoutSaltAndPepper(const std::vector<cv::Mat>& cells, double ppm, double seed) {
  std::vector<double> tiles;
  std::vector<cv::Mat> medians(cells.size());
  for (size_t i = 0; i < cells.size(); ++i) {
    const std::vector<double> d = internal::SpeckTiles(cells[i], ppm, seed, &medians[i]);
    tiles.insert(tiles.end(), d.begin(), d.end());
  }
  if (tiles.empty()) return cells;
  auto quiet = tiles.begin() + static_cast<long>(tiles.size() / 4);
  std::nth_element(tiles.begin(), quiet, tiles.end());
  if (*quiet < internal::kSpecksPerMm2) return cells;
  for (size_t i = 0; i < cells.size(); ++i)
    if (medians[i].empty()) medians[i] = cells[i];
  return medians;
}

/// DigitOptions::range_accept_above: accepts the one cell in [first, last] that is written,
/// not accepted and not doubtful when its guess is the only digit putting the value inside
/// the range and its confidence reaches range_accept_above. Returns whether it did.
bool AcceptByRange(std::vector<DigitCellReading>& cells, const std::vector<uchar>& doubtful, int first,
                   int last, const DigitOptions& options) {
  // At most ~18 cells fit in a long.
  if (last - first + 1 > 18) return false;
  int open = -1;
  for (int i = first; i <= last; ++i) {
    if (cells[i].accepted) continue;
    if (open >= 0 || cells[i].empty || doubtful[i] || cells[i].digit < 0) return false;
    open = i;
  }
  if (open < 0 || cells[open].confidence < options.range_accept_above) return false;
  int allowed = -1, count = 0;
  for (int d = 0; d <= 9; ++d) {
    long v = 0;
    for (int i = first; i <= last; ++i) v = v * 10 + (i == open ? d : cells[i].digit);
    if (v >= options.range_min && v <= options.range_max) allowed = d, ++count;
  }
  if (count != 1 || allowed != cells[open].digit) return false;
  cells[open].accepted = true;
  cells[open].by_range = true;
  return true;
}

}  // namespace

DigitsReading ReadDigits(const std::vector<cv::Mat>& cells, double px_per_mm,
                         const DigitOptions& options) {
  if (!(px_per_mm > 0)) throw std::invalid_argument("ReadDigits: px_per_mm must be > 0");
  const DigitClassifier* classifier = options.classifier;
  std::shared_ptr<const DigitClassifier> held;
  std::string model_error;
  if (classifier == nullptr) {
    auto loaded = DefaultDigitClassifier();
    if (loaded.ok()) {
      held = *loaded;
      classifier = held.get();
    } else {
      model_error = loaded.error().message;
    }
  }

  const std::vector<cv::Mat> read = WithoutSaltAndPepper(cells, px_per_mm, options.ink.seed_contrast);
  DigitsReading r;
  int first = -1, last = -1, unreadable = 0, over_border = 0;
  std::vector<uchar> doubtful(cells.size(), 0);  // over the border or changed by restored strokes
  for (size_t i = 0; i < cells.size(); ++i) {
    DigitCellReading c;
    internal::CellInk cell = internal::ExtractCellInk(read[i], px_per_mm, options.ink);
    const cv::Mat& ink = cell.ink;
    if (ink.empty() && !cell.faint) {
      c.empty = true;
      c.confidence = 1.0f;
    } else if (ink.empty()) {
      // A digit-sized mark too light to classify: never let it pass for an empty cell (a
      // lost trailing digit would silently shorten the value).
      c.empty = false;
      c.confidence = 0.0f;
      if (first < 0) first = static_cast<int>(i);
      last = static_cast<int>(i);
      ++unreadable;
    } else {
      c.empty = false;
      if (first < 0) first = static_cast<int>(i);
      last = static_cast<int>(i);
      bool restored_differs = false;
      if (classifier != nullptr) {
        DigitClassifier::Guess g = classifier->Classify(ink);
        c.digit = g.digit;
        c.confidence = g.confidence;
        if (!cell.ink_without_restored.empty()) {
          // Strokes lying on the printed line were put back: trust the digit only when the
          // picture without them reads the same (a 7's bar hidden exactly under the top line
          // can make either picture misleading).
          DigitClassifier::Guess bare = classifier->Classify(cell.ink_without_restored);
          restored_differs = bare.digit != g.digit;
          c.confidence = std::min(c.confidence, bare.confidence);
        }
      }
      c.accepted = classifier != nullptr && c.confidence >= options.accept_above && !cell.truncated &&
                   !restored_differs;
      if (!c.accepted) ++unreadable;
      if (cell.truncated || restored_differs) ++over_border, doubtful[i] = 1;
    }
    r.cells.push_back(c);
  }
  if (first < 0) {
    r.confidence = 1.0f;
    return r;  // all empty: nothing written, nothing to review
  }

  if (options.has_range && classifier != nullptr && AcceptByRange(r.cells, doubtful, first, last, options))
    --unreadable;

  std::string value;
  bool gap = false;
  float weakest = 1.0f;
  for (int i = first; i <= last; ++i) {
    const DigitCellReading& c = r.cells[i];
    // A '?' in the value caps the field's confidence whatever the classifier thought of the
    // cell: a digit written over its border can be recognised confidently and still not be
    // trusted, and a reviewer sorting by confidence must find these fields low, not at 1.00.
    constexpr float kUnclearCap = 0.5f;
    if (c.empty) {
      gap = true;
      value += '?';
      weakest = std::min(weakest, kUnclearCap);
      continue;
    }
    weakest = std::min(weakest, c.accepted ? c.confidence : std::min(c.confidence, kUnclearCap));
    value += c.accepted ? static_cast<char>('0' + c.digit) : '?';
  }
  r.value = value;
  r.confidence = weakest;

  std::vector<core::ReviewReason>& why = r.reasons;
  if (!model_error.empty()) why.push_back({"no_digit_model", {{"detail", model_error}}});
  else if (unreadable > 0)
    why.push_back({"digits_unclear", {{"count", std::to_string(unreadable)}, {"over_border", std::to_string(over_border)}}});
  if (gap) why.push_back({"digit_gap", {}});
  if (why.empty() && options.has_range) {
    long v = std::stol(value);  // only accepted digits here: at most ~18 cells fit in a long
    if (v < options.range_min || v > options.range_max) {
      why.push_back({"digit_out_of_range", {{"value", value},
                                            {"min", std::to_string(options.range_min)},
                                            {"max", std::to_string(options.range_max)}}});
      r.confidence = std::min(r.confidence, 0.5f);
    }
  }
  if (!why.empty()) {
    r.needs_review = true;
    r.reason = ReasonText(why);
  }
  return r;
}

}  // namespace phieu::recognition
