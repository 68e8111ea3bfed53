// Copyright 2026 The Phiếu Authors
// SPDX-License-Identifier: Apache-2.0
// A scripted OcrEngine: hands out prepared lines in order and records what it was shown.
#pragma once

#include <deque>
#include <vector>

#include "recognition/handwriting.h"

namespace phieu::recognition::testing {

class FakeOcrEngine : public OcrEngine {
 public:
  /// Queues the answer for the next RecognizeLine call.
  void Push(OcrLine line) { answers_.push_back(std::move(line)); }
  /// Convenience: one line from words with confidences.
  void Push(const std::vector<std::pair<std::string, float>>& words) {
    OcrLine l;
    for (const auto& [t, c] : words) {
      if (!l.text.empty()) l.text += ' ';
      l.text += t;
      l.words.push_back(OcrWord{.text = t, .confidence = c});
    }
    Push(std::move(l));
  }
  OcrLine RecognizeLine(const cv::Mat& gray_line, double px_per_mm) override {
    seen.push_back(gray_line.clone());
    seen_px_per_mm.push_back(px_per_mm);
    if (answers_.empty()) return {};
    OcrLine l = std::move(answers_.front());
    answers_.pop_front();
    return l;
  }
  std::vector<cv::Mat> seen;
  std::vector<double> seen_px_per_mm;

 private:
  std::deque<OcrLine> answers_;
};

}  // namespace phieu::recognition::testing
