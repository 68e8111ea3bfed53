// Copyright 2026 The Phiếu Authors
// SPDX-License-Identifier: Apache-2.0
// ReadTextArea: ink detection, line segmentation, per-line OCR, review policy.

#include <algorithm>
#include <cmath>
#include <stdexcept>

#include <glib.h>
#include <opencv2/imgproc.hpp>

#include "recognition/handwriting.h"
#include "recognition/recognition.h"

namespace phieu::recognition {
namespace {

struct Band {
  int y0 = 0, y1 = 0;  // inclusive-exclusive rows
};

std::vector<double> RowProfile(const cv::Mat& ink) {
  std::vector<double> p(ink.rows, 0.0);
  for (int y = 0; y < ink.rows; ++y) p[y] = cv::countNonZero(ink.row(y));
  return p;
}

/// Splits the area into text lines from the horizontal ink projection: runs of inked rows,
/// with small runs (accents, dots, descender tails) merged into their nearest neighbour and
/// bands taller than 1.5 line pitches split at their emptiest row.
std::vector<Band> SegmentLines(const std::vector<double>& profile, double px_per_mm, int lines) {
  std::vector<Band> bands;
  int y = 0, n = static_cast<int>(profile.size());
  while (y < n) {
    if (profile[y] <= 0) {
      ++y;
      continue;
    }
    Band b{y, y};
    while (y < n && profile[y] > 0) ++y;
    b.y1 = y;
    bands.push_back(b);
  }
  // Gaps under ~1 mm are inside a line (an accent floating over its letter).
  const int small_gap = static_cast<int>(1.0 * px_per_mm);
  const int small_band = static_cast<int>(2.0 * px_per_mm);
  std::vector<Band> merged;
  for (const Band& b : bands) {
    if (!merged.empty() && b.y0 - merged.back().y1 <= small_gap)
      merged.back().y1 = b.y1;
    else
      merged.push_back(b);
  }
  // A band shorter than 2 mm cannot be a line of writing: give it to the closer neighbour.
  bool changed = true;
  while (changed && merged.size() > 1) {
    changed = false;
    for (size_t i = 0; i < merged.size(); ++i) {
      if (merged[i].y1 - merged[i].y0 >= small_band) continue;
      int up = i > 0 ? merged[i].y0 - merged[i - 1].y1 : INT32_MAX;
      int down = i + 1 < merged.size() ? merged[i + 1].y0 - merged[i].y1 : INT32_MAX;
      size_t j = up <= down ? i - 1 : i + 1;
      merged[j].y0 = std::min(merged[j].y0, merged[i].y0);
      merged[j].y1 = std::max(merged[j].y1, merged[i].y1);
      merged.erase(merged.begin() + static_cast<long>(i));
      changed = true;
      break;
    }
  }
  if (lines > 1) {
    const double pitch = static_cast<double>(n) / lines;
    for (size_t i = 0; i < merged.size(); ++i) {
      Band b = merged[i];
      if (b.y1 - b.y0 <= 1.5 * pitch) continue;
      int from = b.y0 + static_cast<int>(0.5 * pitch), to = b.y1 - static_cast<int>(0.5 * pitch);
      int cut = from;
      for (int r = from; r < to; ++r)
        if (profile[r] < profile[cut]) cut = r;
      merged[i].y1 = cut;
      merged.insert(merged.begin() + static_cast<long>(i) + 1, Band{cut, b.y1});
    }
  }
  return merged;
}

/// Height of the line's core (x-height): rows holding at least half the peak row's ink.
int CoreHeight(const std::vector<double>& profile, const Band& b) {
  double peak = 0;
  for (int y = b.y0; y < b.y1; ++y) peak = std::max(peak, profile[y]);
  int rows = 0;
  for (int y = b.y0; y < b.y1; ++y)
    if (profile[y] >= 0.5 * peak) ++rows;
  return std::max(rows, 1);
}

}  // namespace

TextReading ReadTextArea(const cv::Mat& area_gray, double px_per_mm, int lines, OcrEngine* ocr,
                         const TextOptions& options) {
  InkReport ink = DetectInk(area_gray, px_per_mm, options.ink);
  TextReading r;
  r.ink = ink.ink_class;
  if (ink.ink_class != InkClass::kWritten) {
    // Policy: nothing to transcribe. A blank is certain once detection is; a dash or a dot is
    // a deliberate "no comment" (or a slip) and reviewing them would cost a reviewer a look
    // per form for no data, so they are not reviewed either; the reason records what was seen.
    r.confidence = ink.ink_class == InkClass::kBlank ? 1.0f : 0.9f;
    r.reasons = {{ink.code, {}}};
    r.reason = ReasonText(r.reasons);
    return r;
  }
  r.needs_review = true;
  if (ocr == nullptr) {
    r.reasons = {{"handwriting_no_ocr", {}}};
    r.reason = ReasonText(r.reasons);
    return r;
  }
  const double ppm = px_per_mm;
  std::vector<double> profile = RowProfile(ink.ink);
  std::vector<Band> bands = SegmentLines(profile, ppm, lines);
  const int pad = static_cast<int>(std::lround(options.line_padding_mm * ppm));
  double weighted = 0.0;
  size_t chars = 0;
  float min_word = 1.0f;
  std::string text;
  for (const Band& b : bands) {
    cv::Mat band_ink = ink.ink.rowRange(b.y0, b.y1);
    std::vector<cv::Point> pts;
    cv::findNonZero(band_ink, pts);
    if (pts.empty()) continue;
    cv::Rect box = cv::boundingRect(pts);
    cv::Mat line(box.height + 2 * pad, box.width + 2 * pad, CV_8U, cv::Scalar(255));
    // Paper white, ink dark at its measured strength: the rules, noise and show-through
    // that detection discarded never reach the engine.
    cv::Mat dst = line(cv::Rect(pad, pad, box.width, box.height));
    cv::subtract(cv::Scalar(255), band_ink(box), dst);
    double scale = std::clamp(options.target_x_height_px / CoreHeight(profile, b), 0.4, 4.0);
    if (std::fabs(scale - 1.0) > 0.05)
      cv::resize(line, line, cv::Size(), scale, scale, scale < 1 ? cv::INTER_AREA : cv::INTER_CUBIC);
    OcrLine got = ocr->RecognizeLine(line, ppm * scale);
    got.text = NormalizeNfc(got.text);
    if (got.text.empty()) continue;
    for (const OcrWord& w : got.words) {
      size_t n = static_cast<size_t>(g_utf8_strlen(w.text.c_str(), -1));
      weighted += w.confidence * n;
      chars += n;
      min_word = std::min(min_word, w.confidence);
    }
    if (!text.empty()) text += "\n";
    text += got.text;
    r.lines.push_back(std::move(got));
  }
  if (text.empty()) {
    r.reasons = {{"handwriting_ocr_empty", {}}};
    r.reason = ReasonText(r.reasons);
    return r;
  }
  r.text = text;
  r.confidence = chars > 0 ? static_cast<float>(weighted / chars) : 0.0f;
  // Punctuation alone ("`", "\\", "-") is what the engine makes of a stray stroke: however sure
  // it is, that is no comment to accept unseen.
  bool has_word = false;
  for (const char* p = text.c_str(); *p && !has_word; p = g_utf8_next_char(p))
    has_word = g_unichar_isalnum(g_utf8_get_char(p));
  if (has_word && r.confidence >= options.accept_above && min_word >= options.word_accept_above) {
    r.needs_review = false;
    r.reasons = {{"handwriting_sure", {}}};
    r.reason = ReasonText(r.reasons);
  } else {
    r.reasons = {{"handwriting_check_draft", {}}};
    r.reason = ReasonText(r.reasons);
  }
  return r;
}

}  // namespace phieu::recognition
