// Copyright 2026 The Phiếu Authors
// SPDX-License-Identifier: Apache-2.0
// Tesseract 5 adapter behind OcrEngine (call sequence: ../shared/STACK.md section 4).

#include <algorithm>
#include <memory>
#include <stdexcept>
#include <string>

#include <glib.h>
#include <tesseract/baseapi.h>
#include <tesseract/resultiterator.h>

#include "recognition/handwriting.h"

namespace phieu::recognition {
namespace {

class TesseractEngine final : public OcrEngine {
 public:
  TesseractEngine() = default;
  ~TesseractEngine() override { api_.End(); }

  core::Status Init(const std::string& lang, const std::string& tessdata_dir) {
    // Tesseract prints diagnostics ("Estimating resolution...") to stderr unless told to
    // write its debug stream elsewhere; init-only variables go through Init's config.
    const char* datapath = tessdata_dir.empty() ? nullptr : tessdata_dir.c_str();
    if (api_.Init(datapath, lang.c_str(), tesseract::OEM_LSTM_ONLY) != 0)
      return core::MakeError("ocr", "Tesseract could not load the \"" + lang +
                                        "\" traineddata (install tesseract-ocr-vie / "
                                        "tesseract-ocr-script-viet)");
    api_.SetVariable("debug_file", "/dev/null");
    // A comment line is one line: PSM 7. PSM 13 (raw line) measured far worse (STACK.md).
    api_.SetPageSegMode(tesseract::PSM_SINGLE_LINE);
    return {};
  }

  OcrLine RecognizeLine(const cv::Mat& gray_line, double px_per_mm) override {
    if (gray_line.empty() || gray_line.type() != CV_8UC1)
      throw std::invalid_argument("RecognizeLine: need a non-empty CV_8UC1 image");
    OcrLine line;
    // A uniform image has nothing to read; the LSTM would still emit a few confident glyphs.
    double lo = 0, hi = 0;
    cv::minMaxLoc(gray_line, &lo, &hi);
    if (hi - lo < 40) return line;
    cv::Mat img = gray_line.isContinuous() ? gray_line : gray_line.clone();
    api_.SetImage(img.data, img.cols, img.rows, 1, static_cast<int>(img.step));
    api_.SetSourceResolution(std::max(70, static_cast<int>(px_per_mm * 25.4 + 0.5)));
    if (api_.Recognize(nullptr) != 0) {
      api_.Clear();
      return line;
    }
    std::unique_ptr<tesseract::ResultIterator> it(api_.GetIterator());
    double weighted = 0.0;
    size_t chars = 0;
    if (it) {
      do {
        std::unique_ptr<char[]> word(it->GetUTF8Text(tesseract::RIL_WORD));
        if (!word) continue;
        std::string text = NormalizeNfc(word.get());
        if (text.empty()) continue;
        // Tesseract reports 0..100; STYLE.md wants [0,1] everywhere.
        float conf = std::clamp(it->Confidence(tesseract::RIL_WORD) / 100.0f, 0.0f, 1.0f);
        size_t n = static_cast<size_t>(g_utf8_strlen(text.c_str(), -1));
        weighted += conf * n;
        chars += n;
        if (!line.text.empty()) line.text += ' ';
        line.text += text;
        line.words.push_back(OcrWord{.text = std::move(text), .confidence = conf});
      } while (it->Next(tesseract::RIL_WORD));
    }
    line.confidence = chars > 0 ? static_cast<float>(weighted / chars) : 0.0f;
    api_.Clear();
    return line;
  }

 private:
  tesseract::TessBaseAPI api_;
};

}  // namespace

std::string NormalizeNfc(std::string_view utf8) {
  std::string in(utf8);
  gchar* out = g_utf8_normalize(in.c_str(), static_cast<gssize>(in.size()), G_NORMALIZE_NFC);
  if (out == nullptr) return in;  // invalid UTF-8: leave it for a person to see
  std::string result(out);
  g_free(out);
  return result;
}

core::Result<std::unique_ptr<OcrEngine>> MakeTesseractEngine(const std::string& lang,
                                                             const std::string& tessdata_dir) {
  auto engine = std::make_unique<TesseractEngine>();
  if (core::Status s = engine->Init(lang, tessdata_dir); !s.ok()) return s.error();
  return std::unique_ptr<OcrEngine>(std::move(engine));
}

}  // namespace phieu::recognition
