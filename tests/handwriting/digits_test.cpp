// Copyright 2026 The Phiếu Authors
// SPDX-License-Identifier: Apache-2.0
// Comb digits with the shipped model, written in styles the model never saw in training
// (tools/digits/train_digits.cpp kHeldOutStyles).

#include <random>

#include <gtest/gtest.h>
#include <opencv2/imgproc.hpp>

#include "recognition/handwriting.h"
#include "tools/digits/digit_synth.h"

namespace phieu::recognition {
namespace {

namespace synth = tools::digits;

struct HeldOut {
  std::string pango;
  int hershey = -1;
};
const HeldOut kStyles[] = {{"Andika Italic"}, {"DejaVu Sans Oblique"}, {"", cv::FONT_HERSHEY_SCRIPT_COMPLEX},
                           {"", cv::FONT_HERSHEY_COMPLEX | cv::FONT_ITALIC}, {"", cv::FONT_HERSHEY_DUPLEX}};

std::shared_ptr<const DigitClassifier> Model() {
  auto m = DefaultDigitClassifier();
  EXPECT_TRUE(m.ok()) << (m.ok() ? "" : m.error().message);
  return m.ok() ? *m : nullptr;
}

cv::Mat Glyph(const HeldOut& s, char c, std::mt19937& rng) {
  std::uniform_real_distribution<double> u(0, 1);
  if (s.pango.empty()) return synth::RenderGlyphHershey(s.hershey, c, 2 + static_cast<int>(u(rng) * 6));
  std::string err;
  cv::Mat g = synth::RenderGlyphPango(s.pango, c, u(rng) * 6, &err);
  EXPECT_FALSE(g.empty()) << err;
  return g;
}

/// One comb field: a cell per character, ' ' = left empty. One style for the whole field, like
/// one writer; damage varies per cell as it does along a scan.
std::vector<cv::Mat> Field(const std::string& digits, const HeldOut& style, double ppm, std::mt19937& rng) {
  std::vector<cv::Mat> cells;
  for (char c : digits) {
    synth::CellStyle s = synth::RandomCellStyle(rng);
    s.px_per_mm = ppm;
    cv::Mat g;
    if (c != ' ') {
      g = Glyph(style, c, rng);
      if (s.elastic_alpha > 0) g = synth::ElasticDistort(g, s.elastic_alpha * 160 / 28, 3.5 * 160 / 28, rng);
    }
    cells.push_back(synth::MakeCell(g, s, rng));
  }
  return cells;
}

TEST(DigitsTest, AcceptedFieldsInUnseenStylesAreExact) {
  auto model = Model();
  ASSERT_TRUE(model);
  std::mt19937 rng(99);
  std::uniform_int_distribution<int> year(1930, 2008);
  const double ppms[] = {6.0, 8.0, 11.81};
  int accepted = 0, exact = 0, fields = 0, cells = 0, cells_accepted = 0;
  std::string wrong;
  for (int i = 0; i < 100; ++i) {
    std::string truth = std::to_string(year(rng));
    const HeldOut& style = kStyles[i % std::size(kStyles)];
    DigitsReading r = ReadDigits(Field(truth, style, ppms[i % 3], rng), ppms[i % 3],
                                 DigitOptions{.classifier = model.get(), .has_range = true,
                                              .range_min = 1920, .range_max = 2026});
    ++fields;
    ASSERT_TRUE(r.value.has_value());
    for (const auto& c : r.cells) ++cells, cells_accepted += c.accepted;
    if (!r.needs_review) {
      ++accepted;
      if (*r.value == truth) ++exact;
      else wrong += truth + " read " + *r.value + "; ";
    }
  }
  // Exact among accepted >= 99%. The model's calibration rejects ~22% of held-out digits at
  // 0.995 (tools/digits/REPORT.md), so a 4-digit field passes whole about 0.78^4 = 37% of the
  // time; the floors below catch a model that rejects everything, not a precise rate.
  EXPECT_GE(exact * 100, accepted * 99) << wrong;
  EXPECT_GE(accepted, 20) << "accepted " << accepted << " of " << fields;
  EXPECT_GE(cells_accepted * 100, cells * 65) << "cells accepted " << cells_accepted << " of " << cells;
  std::cout << "[digits] fields accepted " << accepted << "/" << fields << ", exact " << exact
            << "; cells accepted " << cells_accepted << "/" << cells << "\n";
}

TEST(DigitsTest, AllEmptyIsBlankWithoutReview) {
  auto model = Model();
  ASSERT_TRUE(model);
  std::mt19937 rng(5);
  DigitsReading r = ReadDigits(Field("    ", kStyles[0], 8.0, rng), 8.0, {.classifier = model.get()});
  EXPECT_FALSE(r.value.has_value());
  EXPECT_FALSE(r.needs_review);
  ASSERT_EQ(r.cells.size(), 4u);
  for (const auto& c : r.cells) EXPECT_TRUE(c.empty);
}

TEST(DigitsTest, EmptyCellBetweenDigitsGoesToReview) {
  auto model = Model();
  ASSERT_TRUE(model);
  std::mt19937 rng(6);
  DigitsReading r = ReadDigits(Field("19 5", kStyles[4], 8.0, rng), 8.0, {.classifier = model.get()});
  EXPECT_TRUE(r.needs_review);
  EXPECT_NE(r.reason.find("empty cell between digits"), std::string::npos) << r.reason;
  ASSERT_TRUE(r.value.has_value());
  EXPECT_EQ((*r.value)[2], '?');
}

TEST(DigitsTest, TrailingEmptyCellsAreFine) {
  auto model = Model();
  ASSERT_TRUE(model);
  std::mt19937 rng(8);
  synth::CellStyle clean;
  std::vector<cv::Mat> cells;
  for (char c : std::string("42")) cells.push_back(synth::MakeCell(synth::RenderGlyphHershey(cv::FONT_HERSHEY_DUPLEX, c, 5), clean, rng));
  cells.push_back(synth::MakeCell(cv::Mat(), clean, rng));
  DigitsReading r = ReadDigits(cells, 8.0, {.classifier = model.get()});
  ASSERT_TRUE(r.value.has_value());
  EXPECT_EQ(*r.value, "42");
  EXPECT_FALSE(r.needs_review) << r.reason;
}

TEST(DigitsTest, OutOfRangeYearGoesToReview) {
  auto model = Model();
  ASSERT_TRUE(model);
  std::mt19937 rng(9);
  synth::CellStyle clean;
  auto field = [&](const std::string& s) {
    std::vector<cv::Mat> cells;
    for (char c : s) cells.push_back(synth::MakeCell(synth::RenderGlyphHershey(cv::FONT_HERSHEY_DUPLEX, c, 5), clean, rng));
    return cells;
  };
  DigitOptions o{.classifier = model.get(), .has_range = true, .range_min = 1920, .range_max = 2026};
  DigitsReading old = ReadDigits(field("1875"), 8.0, o);
  ASSERT_TRUE(old.value.has_value());
  EXPECT_EQ(*old.value, "1875");
  EXPECT_TRUE(old.needs_review);
  EXPECT_NE(old.reason.find("outside 1920-2026"), std::string::npos) << old.reason;
  DigitsReading ok = ReadDigits(field("1968"), 8.0, o);
  ASSERT_TRUE(ok.value.has_value());
  EXPECT_EQ(*ok.value, "1968");
  EXPECT_FALSE(ok.needs_review) << ok.reason;
}

TEST(DigitsTest, SpeckInACellIsEmpty) {
  std::mt19937 rng(10);
  synth::CellStyle clean;
  cv::Mat cell = synth::MakeCell(cv::Mat(), clean, rng);
  cv::circle(cell, cv::Point(cell.cols / 2, cell.rows / 2), 2, cv::Scalar(40), cv::FILLED);
  EXPECT_TRUE(ExtractDigitInk(cell, 8.0).empty());
}

TEST(DigitsTest, MissingModelFileIsAnError) {
  auto m = DigitClassifier::Load("/nonexistent/digits.yml.gz");
  ASSERT_FALSE(m.ok());
  EXPECT_EQ(m.error().code, "model");
}

}  // namespace
}  // namespace phieu::recognition
