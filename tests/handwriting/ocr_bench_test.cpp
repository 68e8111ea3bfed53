// Copyright 2026 The Phiếu Authors
// SPDX-License-Identifier: Apache-2.0
// Measurement, not a check: `vie` vs `Vietnamese` on handwriting-like Vietnamese lines, and
// what field confidence is safe to accept without review. Disabled by default; run with
//   OMP_THREAD_LIMIT=1 build/tests/handwriting/handwriting_test \
//     --gtest_also_run_disabled_tests --gtest_filter='*OcrBench*'
// Figures are recorded in tests/handwriting/README.md.

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <random>

#include <opencv2/imgcodecs.hpp>
#include <gtest/gtest.h>

#include "handwriting/handwriting_synth.h"
#include "recognition/handwriting.h"
#include "tools/bench/edit_distance.h"

namespace phieu::recognition {
namespace {

using bench::CodePoints;
using bench::EditDistance;

/// Passes lines to the real engine and, when PHIEU_BENCH_DUMP names a folder, saves them.
class DumpingEngine : public OcrEngine {
 public:
  explicit DumpingEngine(OcrEngine* inner) : inner_(inner) {}
  OcrLine RecognizeLine(const cv::Mat& line, double px_per_mm) override {
    if (const char* dir = std::getenv("PHIEU_BENCH_DUMP"))
      cv::imwrite(std::string(dir) + "/line" + std::to_string(count_++) + ".png", line);
    return inner_->RecognizeLine(line, px_per_mm);
  }

 private:
  OcrEngine* inner_;
  int count_ = 0;
};

struct Sample {
  std::string truth, got;
  float confidence = 0, min_word = 0;
};

TEST(OcrBench, DISABLED_VieVsVietnamese) {
  const char* styles[] = {"TeX Gyre Chorus", "Andika Italic", "DejaVu Sans"};
  const auto& comments = testing::SurveyComments();
  const double ppm = 8.0;
  std::vector<Sample> all;
  for (const char* lang : {"vie", "Vietnamese"}) {
    auto engine = MakeTesseractEngine(lang);
    if (!engine.ok()) GTEST_SKIP() << engine.error().message;
    DumpingEngine dumping(engine->get());
    for (const char* style : styles) {
      std::mt19937 rng(4242);  // same damage for both models
      size_t errors = 0, chars = 0;
      double ms = 0;
      int lines = 0;
      for (const std::string& c : comments) {
        testing::AreaDamage d{.noise_sigma = 6, .blur_sigma = 0.6, .jpeg_quality = 85, .elastic_alpha = 2.0};
        cv::Mat area = testing::MakeArea(175, 1, ppm, testing::AreaContent::kWritten, {c}, style, d, rng);
        if (const char* dir = std::getenv("PHIEU_BENCH_DUMP"))
          cv::imwrite(std::string(dir) + "/area" + std::to_string(all.size()) + ".png", area);
        auto t0 = std::chrono::steady_clock::now();
        TextReading r = ReadTextArea(area, ppm, 1, &dumping);
        ms += std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
        ++lines;
        std::string got = r.text.value_or("");
        errors += EditDistance(c, got);
        chars += CodePoints(c).size();
        float min_word = 1.0f;
        for (const auto& l : r.lines)
          for (const auto& w : l.words) min_word = std::min(min_word, w.confidence);
        if (r.lines.empty()) min_word = 0;
        all.push_back({c, got, r.confidence, min_word});
        if (std::getenv("PHIEU_BENCH_VERBOSE") && got != c)
          std::printf("  %s/%s conf %.2f min %.2f\n    want %s\n    got  %s\n", lang, style, r.confidence,
                      min_word, c.c_str(), got.c_str());
      }
      std::printf("| %-10s | %-16s | CER %5.1f%% | %6.1f ms/line |\n", lang, style,
                  100.0 * errors / chars, ms / lines);
    }
  }
  // Acceptance thresholds: among lines clearing both, how many were exactly right?
  for (float field : {0.80f, 0.90f, 0.95f, 0.97f}) {
    for (float word : {0.70f, 0.85f, 0.90f, 0.95f}) {
      int accepted = 0, exact = 0;
      size_t errors = 0, chars = 0;
      for (const auto& s : all)
        if (s.confidence >= field && s.min_word >= word) {
          ++accepted;
          exact += s.got == s.truth;
          errors += EditDistance(s.truth, s.got);
          chars += CodePoints(s.truth).size();
        }
      std::printf("accept field>=%.2f word>=%.2f: %3d/%zu lines accepted, %3d exact, CER %.2f%%\n", field,
                  word, accepted, all.size(), exact, chars ? 100.0 * errors / chars : 0.0);
    }
  }
}

}  // namespace
}  // namespace phieu::recognition
