// Copyright 2026 The Phiếu Authors
// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <string_view>

#include <opencv2/core.hpp>

namespace phieu::simulator {

/// Handwriting-like fonts with every Vietnamese letter (STACK.md section 4: no real handwriting
/// font in Debian covers Vietnamese, and Pango's silent per-glyph fallback would mix faces).
enum class HandFont { kChorus, kAndikaItalic, kAndika, kDejaVuOblique };
inline constexpr int kHandFontCount = 4;
const char* HandFontName(HandFont font);  ///< "chorus", "andika-italic", "andika", "dejavu-oblique".

/// A word set in a hand font, as ink coverage (CV_8UC1, 255 = full ink).
struct WordInk {
  cv::Mat coverage;
  double origin_x = 0;  ///< column of the pen position where the word starts.
  double baseline = 0;  ///< row of the baseline.
  double advance = 0;   ///< pen advance (px) to the end of the word.
};

/// Sets `utf8` (NFC) so that the font's x-height is `x_height_px`. Uses a Pango font map,
/// context and layout cached per thread (creating them costs ~ms; a word then ~50 us).
/// Deterministic: no hinting, grey antialiasing, sub-pixel positions.
WordInk RenderWord(std::string_view utf8, HandFont font, double x_height_px);

/// The advance of `utf8` at `x_height_px`, without rasterising.
double WordAdvance(std::string_view utf8, HandFont font, double x_height_px);

/// The font's typical stroke width relative to its x-height (measured once per thread), so a
/// pen width can be matched by thickening or thinning the rendered glyphs.
double StrokeRatio(HandFont font);

}  // namespace phieu::simulator
