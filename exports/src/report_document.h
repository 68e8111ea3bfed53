// Copyright 2026 The Phiếu Authors
// SPDX-License-Identifier: Apache-2.0
//
// The report as a list of blocks (headings, paragraphs, tables, charts) in Vietnamese, built
// once and drawn by both the HTML (SVG) and the PDF (Cairo) writers, so both show the same
// content. Private to exports/.
#pragma once

#include <string>
#include <vector>

#include "exports/exports.h"

namespace phieu::exports::internal {

struct Block {
  enum class Kind { kHeading, kParagraph, kTable, kBars, kStacked };
  Kind kind = Kind::kParagraph;
  std::string text;   ///< heading / paragraph text; chart and table caption.
  int level = 2;      ///< heading level (1 = title).
  // kTable
  std::vector<std::string> headers;
  std::vector<std::vector<std::string>> rows;
  // kBars: one group per label, one bar per series; values in [0, max].
  // kStacked: one 100% bar per label, split by `counts` (one per series).
  std::vector<std::string> labels;
  std::vector<std::string> series;
  std::vector<std::vector<double>> values;
  double max = 100.0;
  std::string suffix = "%";  ///< after each bar's value.
};

std::vector<Block> BuildReportDocument(const Report& report);

/// Fill colour of series `i` of `n` ("#rrggbb"). Level distributions run red -> green.
std::string SeriesColour(size_t i, size_t n, bool diverging);

/// "81,3" (Vietnamese decimal comma), one decimal.
std::string FormatPct(double v);

}  // namespace phieu::exports::internal
