// Copyright 2026 The Phiếu Authors
// SPDX-License-Identifier: Apache-2.0
//
// Readers for handwritten areas: free-text comment areas (ink detection, then a line OCR
// engine for a draft) and comb digit fields (per-cell ink detection, then a small digit
// classifier shipped as a model file). Plain values in and out; no Tesseract or Leptonica
// type appears here. All confidences are in [0, 1].
#pragma once

#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <opencv2/core.hpp>

#include "core/result.h"
#include "core/review_reason.h"

namespace phieu::recognition {

// ---------------------------------------------------------------------------------------
// OCR engine

/// One recognised word.
struct OcrWord {
  std::string text;         ///< UTF-8, NFC.
  float confidence = 0.0f;  ///< [0,1]; the engine's own word score, normalised.
};

/// One recognised line of text.
struct OcrLine {
  std::string text;            ///< UTF-8, NFC, words joined by single spaces.
  std::vector<OcrWord> words;  ///< reading order.
  float confidence = 0.0f;     ///< [0,1]; character-weighted mean of the word confidences.
};

/// Reads one line of text from an image. Implementations are NOT thread-safe: give each
/// worker thread its own engine (STYLE.md: no shared engine, no singleton).
class OcrEngine {
 public:
  virtual ~OcrEngine() = default;
  /// `gray_line`: CV_8UC1, dark text on light paper, one line, any size; `px_per_mm` is its
  /// resolution (engines use it for their size heuristics). An image with nothing readable
  /// gives an empty OcrLine; it never throws for bad pixels. Throws std::invalid_argument
  /// for an empty or non-8-bit single-channel image (a broken contract).
  virtual OcrLine RecognizeLine(const cv::Mat& gray_line, double px_per_mm) = 0;
};

/// The Tesseract model used unless told otherwise. "Vietnamese" (tesseract-ocr-script-viet,
/// the larger LSTM) beat "vie" (tessdata_fast) on handwriting-like lines; figures in
/// tests/handwriting/README.md.
inline constexpr const char* kDefaultOcrLang = "Vietnamese";

/// A Tesseract 5 engine initialised once for `lang` ("vie" or "Vietnamese"), LSTM only,
/// single-line page segmentation. `tessdata_dir` empty = the system's tessdata. Missing or
/// corrupt traineddata is an Error ("ocr" code) naming the language. The process should run
/// with OMP_THREAD_LIMIT=1 (see STACK.md section 4): the engine works without it, 8x slower.
core::Result<std::unique_ptr<OcrEngine>> MakeTesseractEngine(
    const std::string& lang = kDefaultOcrLang, const std::string& tessdata_dir = "");

/// Unicode NFC normalisation of UTF-8 text; invalid UTF-8 is returned unchanged.
std::string NormalizeNfc(std::string_view utf8);

// ---------------------------------------------------------------------------------------
// Ink detection (shared by text areas and digit cells)

/// What an area holds once printed lines, frame, noise and show-through are discounted.
enum class InkClass {
  kBlank,    ///< no ink.
  kStray,    ///< only a dot or a tiny mark.
  kDash,     ///< one short roughly horizontal stroke: the respondent's "nothing to say".
  kWritten,  ///< anything else: handwriting (or a drawing) to read or review.
};
const char* InkClassName(InkClass ink_class);  ///< "blank", "stray", "dash", "written".

struct InkOptions {
  double min_contrast = 25.0;         ///< gray levels below local paper for a pixel to count (floor).
  double seed_contrast = 40.0;        ///< a component must reach this somewhere: light pencil on grey paper reaches only ~45 (measured on bench stacks); heavy show-through can reach it too (then: one needless review, never a lost comment).
  double noise_sigmas = 5.0;          ///< the floor rises to this many noise sigmas on noisy scans.
  double min_component_mm2 = 0.15;    ///< smaller specks (dust, dotted rule dots) are not ink.
  double rule_min_fraction = 0.6;     ///< straight horizontal runs this share of the width are printed rules.
  double grow_mm = 0.35;              ///< ink extends this far from strong pixels (stroke edges), no farther.
  double edge_band_mm = 0.4;          ///< ink only in this band along the crop edge is the frame.
  double stray_max_extent_mm = 1.6;   ///< every mark this small or smaller: stray.
  double stray_stroke_max_mm = 3.0;   ///< a lone stroke this small or smaller: stray (pen touch).
  double dash_min_length_mm = 2.0;    ///< a dash is at least this long...
  double dash_max_thickness_mm = 1.3; ///< ...and at most this thick,
  double dash_max_angle_deg = 30.0;   ///< ...within this angle of horizontal.
  // Very light pencil that never reaches seed_contrast (text areas only): stroke-sized faint
  // components count as ink when there are a few of them and they are sharp, which show-through
  // (diffused by the paper) is not. See AddFaintStrokes in src/text_ink.cpp.
  double faint_min_extent_mm = 1.5;   ///< a faint component at least this long...
  double faint_min_height_mm = 0.6;   ///< ...and this tall (not a dash or merged rule dots);
  int faint_min_strokes = 2;          ///< at least this many of them in the area,
  double faint_min_sharpness = 0.45;  ///< with this share of their contrast in a 0.6 mm top-hat.
  /// Nothing can show through this area: the layout puts no page on the other side of its leaf
  /// (a form's last, odd page). Set by the page reader; the sharpness floor is then the one
  /// below, low enough for light pencil blurred by a coarse scan (0.32-0.45 at 150-200 dpi with
  /// a 0.8-1.1 px blur in tests/handwriting, 0.39 on a bench page), still above what stains and
  /// creases leave faint in a blank area (0.03-0.08 on the bench's page-3 stacks).
  bool blank_behind = false;
  double faint_min_sharpness_blank_behind = 0.15;
};

/// Result of ink detection on one upright crop.
struct InkReport {
  InkClass ink_class = InkClass::kBlank;
  std::string reason;            ///< one sentence saying why, e.g. "a dash, not a comment".
  /// The same as a code (docs/review-reasons.md): blank, dot, short_stroke, dash,
  /// handwriting_present.
  std::string code;
  int components = 0;            ///< ink components kept.
  double ink_mm2 = 0.0;          ///< their total area.
  cv::Rect ink_box_px;           ///< their union bounding box in crop pixels (empty if none).
  cv::Mat ink;                   ///< CV_8UC1, crop size: ink strength 0 (paper)..255, printed lines removed.
};

/// Finds handwriting in an upright crop (CV_8UC1, 0 = black) at `px_per_mm`, ignoring
/// printed ruled/dotted lines, the frame, scanner noise and salt and pepper, JPEG ringing,
/// show-through, a fold straight down the area, and a stain's or a blot's edge.
/// Thread-safe. Throws std::invalid_argument for an empty image or px_per_mm <= 0.
InkReport DetectInk(const cv::Mat& area_gray, double px_per_mm, const InkOptions& options = {});

// ---------------------------------------------------------------------------------------
// Text areas

struct TextOptions {
  InkOptions ink;
  /// A written area is accepted without review only when its field confidence reaches this
  /// AND every word reaches `word_accept_above`. Measured on 204 rendered handwriting-like
  /// lines (tests/handwriting/README.md): at 0.95/0.95, 40 of the 41 accepted lines were
  /// exact (CER 0.07%), while a 0.85 word floor let in 1 wrong line in 5. Real handwriting
  /// scores lower, so in practice nearly every written comment is reviewed.
  float accept_above = 0.95f;
  float word_accept_above = 0.95f;
  double target_x_height_px = 30.0;  ///< lines are rescaled to this x-height for the engine.
  double line_padding_mm = 1.0;      ///< white margin added around each line crop.
};

struct TextReading {
  InkClass ink = InkClass::kBlank;
  std::optional<std::string> text;  ///< written: the draft, lines joined by "\n", NFC; else nullopt.
  float confidence = 0.0f;          ///< written: OCR field confidence; blank/dash/stray: ink certainty.
  bool needs_review = false;        ///< written and not accepted; never for blank/dash/stray.
  std::string reason;               ///< why (always set: "blank", "a dash, not a comment", ...).
  std::vector<core::ReviewReason> reasons;  ///< the same as codes; reason == ReasonText(reasons).
  std::vector<OcrLine> lines;       ///< per written line, top to bottom.
};

/// Reads a handwriting area: `area_gray` is the upright crop of FieldLayout::area_mm at
/// `px_per_mm`, `lines` the number of ruled lines (a hint; 0 = unknown). Ink detection runs
/// first; only written areas reach `ocr`, one call per detected line. `ocr` may be null: a
/// written area then goes to review with no draft. Policy: blank, dash and stray areas are
/// not sent to review and have no value (a dash means "no comment"); written areas go to
/// review with their draft unless accepted by the thresholds in `options`.
/// Thread-safe if each thread passes its own engine.
TextReading ReadTextArea(const cv::Mat& area_gray, double px_per_mm, int lines, OcrEngine* ocr,
                         const TextOptions& options = {});

// ---------------------------------------------------------------------------------------
// Digits

/// A small handwritten-digit classifier (a convolutional network in ONNX, run by OpenCV's dnn
/// module) with its confidence calibration, loaded from a model file made by tools/digits.
/// Immutable once loaded: one instance may be shared by every thread (each concurrent call
/// gets its own copy of the network from a small pool).
class DigitClassifier {
 public:
  struct Guess {
    int digit = -1;           ///< 0-9.
    float confidence = 0.0f;  ///< calibrated: share of held-out digits at this score that were right.
    int runner_up = -1;       ///< the second choice.
  };
  /// Loads a model file (.yml.gz). Missing/corrupt file: Error with code "model".
  static core::Result<std::shared_ptr<const DigitClassifier>> Load(const std::filesystem::path& file);
  /// Classifies a digit ink image from ExtractDigitInk. Throws std::invalid_argument if empty.
  Guess Classify(const cv::Mat& digit_ink) const;
  /// Classifies the 28x28 CV_8UC1 picture from NormalizeDigit (Classify is this after
  /// NormalizeDigit; the training tool scores its prepared sets with it). Throws
  /// std::invalid_argument for any other size or type.
  Guess ClassifyNormalized(const cv::Mat& normalized_28x28) const;

  ~DigitClassifier();
  struct Impl;
  explicit DigitClassifier(std::unique_ptr<Impl> impl);

 private:
  std::unique_ptr<Impl> impl_;
};

/// Folder of the shipped models: $PHIEU_MODELS_DIR if set, else <prefix>/share/phieu/models
/// next to an installed binary, else recognition/models in the source tree.
std::filesystem::path ModelsDir();
inline constexpr const char* kDigitModelFile = "digits_cnn.yml.gz";

/// The shipped classifier ModelsDir()/kDigitModelFile, loaded on first use and then shared
/// (read-only, thread-safe). The outcome of the first load, success or Error, is kept.
core::Result<std::shared_ptr<const DigitClassifier>> DefaultDigitClassifier();

/// Building blocks, public so that the training tool uses exactly what the reader uses.
/// The ink of the digit in one comb-cell crop (cell plus ~1 mm margin), printed cell border
/// removed, cropped to the digit: CV_8UC1 0..255. Only ink reaching inside the border counts,
/// with the strokes that continue it across the border. Empty Mat when the cell holds no
/// digit-sized ink (a speck or dot counts as empty).
cv::Mat ExtractDigitInk(const cv::Mat& cell_gray, double px_per_mm, const InkOptions& options = {});
/// MNIST-style normalisation (20 px box in 28x28, centred by mass, deskewed by moments): the
/// network's input.
cv::Mat NormalizeDigit(const cv::Mat& digit_ink);

struct DigitOptions {
  /// nullptr: DefaultDigitClassifier(); if that fails, every written cell is unreadable.
  const DigitClassifier* classifier = nullptr;
  /// Cells whose calibrated confidence is below this are unreadable (review). The model's
  /// calibration puts the error rate of digits accepted at 0.995 under 0.5% on held-out data.
  float accept_above = 0.995f;
  bool has_range = false;  ///< check the value against [range_min, range_max].
  long range_min = 0;
  long range_max = 0;
  /// With a range: when one cell alone falls under accept_above (all others accepted) and its
  /// guess is the only digit that puts the value inside the range, that guess is accepted if
  /// its confidence is at least this. A wrong guess there would mean the writer wrote a value
  /// outside the range (the lead '1' of 1946 is the only digit a year 1920-2026 can start
  /// "?946" with). Digits written over the border or changed by restored strokes never are.
  float range_accept_above = 0.95f;
  InkOptions ink;
};

struct DigitCellReading {
  bool empty = true;
  int digit = -1;           ///< best guess when not empty.
  float confidence = 0.0f;  ///< empty: 1; else the classifier's.
  bool accepted = false;    ///< not empty and confidence >= accept_above (or decided by the range).
  bool by_range = false;    ///< accepted under accept_above: the only digit the range allows.
};

struct DigitsReading {
  std::optional<std::string> value;  ///< the digits read ('?' for an unreadable cell); nullopt when all empty.
  float confidence = 0.0f;           ///< the weakest cell's.
  bool needs_review = false;
  std::string reason;                ///< why it goes to review (empty when it does not).
  std::vector<core::ReviewReason> reasons;  ///< the same as codes; reason == ReasonText(reasons).
  std::vector<DigitCellReading> cells;
};

/// Reads a comb digit field, one upright crop per cell (left to right, ~1 mm margin) at
/// `px_per_mm`. All cells empty: value nullopt, no review. Review when a cell is unreadable,
/// an empty cell sits between written ones, or the value is outside the range. A cell is
/// unreadable when its confidence is under accept_above (unless the range decides it, see
/// DigitOptions::range_accept_above), when its digit runs over the cell
/// border out of the crop (what is left may read as another digit), or when it holds only a
/// trace too light or broken to classify (faint pencil; specks of pencil on a bilevel scan).
/// Ink only in the margin outside the border (a neighbour's digit reaching over) is ignored.
/// Thread-safe.
DigitsReading ReadDigits(const std::vector<cv::Mat>& cells, double px_per_mm,
                         const DigitOptions& options = {});

}  // namespace phieu::recognition
