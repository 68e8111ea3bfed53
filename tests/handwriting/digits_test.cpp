// Copyright 2026 The Phiếu Authors
// SPDX-License-Identifier: Apache-2.0
// Comb digits with the shipped model, written in styles the model never saw in training
// (tools/digits/train_digits.cpp kHeldOutStyles).

#include <cmath>
#include <random>
#include <thread>

#include <gtest/gtest.h>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "handwriting/handwriting_synth.h"
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
  // Exact among accepted >= 99%. The model's calibration rejects ~7% of held-out font digits
  // at 0.995 (tools/digits/REPORT.md; 94% of these cells pass, 79 of the 100 fields), so a
  // 4-digit field passes whole most of the time; the floors below catch a model that rejects
  // far more (the earlier MLP passed ~37 fields and 65-75% of cells).
  EXPECT_GE(exact * 100, accepted * 99) << wrong;
  EXPECT_GE(accepted, 60) << "accepted " << accepted << " of " << fields;
  EXPECT_GE(cells_accepted * 100, cells * 85) << "cells accepted " << cells_accepted << " of " << cells;
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

/// `cells` (sampled at 11.81 px/mm, a 300 dpi scan) under salt and pepper, sampled at `ppm`.
std::vector<cv::Mat> WithSaltAndPepper(std::vector<cv::Mat> cells, double share, double ppm, std::mt19937& rng) {
  for (cv::Mat& c : cells) c = testing::SaltAndPepper(c, share, ppm, rng);
  return cells;
}

// Salt and pepper over 2-5% of a scan's pixels (the outside probe's `saltpepper`) is never read
// as digits: the comb is read through a median, so an empty comb comes back empty and no person
// has to look at it, and written digits are read as written or go to a person, never accepted
// wrong. (That the median stays off without such noise, thin strokes, 1 px borders and grainy
// bilevel pencil included, is measured on the bench's stacks, whose digit figures it left
// unchanged; see SpeckTiles in recognition/src/text_ink.h.)
TEST(DigitsTest, SaltAndPepperIsNeverReadAsDigits) {
  auto model = Model();
  ASSERT_TRUE(model);
  std::mt19937 rng(16);
  int accepted = 0, written = 0;
  for (double ppm : {8.0, 11.81})
    for (double share : {0.02, 0.05}) {
      const std::string at = "ppm " + std::to_string(ppm) + " share " + std::to_string(share);
      DigitsReading blank =
          ReadDigits(WithSaltAndPepper(Field("    ", kStyles[0], 11.81, rng), share, ppm, rng), ppm, {.classifier = model.get()});
      EXPECT_FALSE(blank.value.has_value()) << at << ": " << blank.value.value_or("");
      EXPECT_FALSE(blank.needs_review) << at << ": " << blank.reason;
      for (int i = 0; i < 3; ++i) {
        DigitsReading got = ReadDigits(WithSaltAndPepper(Field("1987", kStyles[i], 11.81, rng), share, ppm, rng), ppm,
                                       {.classifier = model.get()});
        ASSERT_TRUE(got.value.has_value()) << at;
        ++written;
        if (!got.needs_review) EXPECT_EQ(*got.value, "1987") << at, ++accepted;
      }
    }
  std::cout << "[digits] salt and pepper: " << accepted << " of " << written << " written fields accepted\n";
}

TEST(DigitsTest, EmptyCellBetweenDigitsGoesToReview) {
  auto model = Model();
  ASSERT_TRUE(model);
  std::mt19937 rng(6);
  DigitsReading r = ReadDigits(Field("19 5", kStyles[4], 8.0, rng), 8.0, {.classifier = model.get()});
  EXPECT_TRUE(r.needs_review);
  EXPECT_NE(r.reason.find("empty cell between digits"), std::string::npos) << r.reason;
  EXPECT_EQ(r.reasons.back().code, "digit_gap");
  ASSERT_TRUE(r.value.has_value());
  EXPECT_EQ((*r.value)[2], '?');
  // A '?' in the value: the field's confidence says so (reviewers sort by it).
  EXPECT_LE(r.confidence, 0.5f);
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
  ASSERT_EQ(old.reasons.size(), 1u);
  EXPECT_EQ(old.reasons[0], (core::ReviewReason{"digit_out_of_range", {{"value", "1875"}, {"min", "1920"}, {"max", "2026"}}}));
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

// Pencil on a bilevel scan: a threshold that keeps only the darkest grains leaves a digit as
// a scatter of specks, each too small to be ink on its own. The cell must go to review.
TEST(DigitsTest, BrokenPencilSpecksAreUnclearNotEmpty) {
  auto model = Model();
  ASSERT_TRUE(model);
  const double ppm = 8.0;
  std::mt19937 rng(11);
  synth::CellStyle s;
  s.paper = 255;
  s.noise_sigma = 0;
  s.blur_sigma = 0;
  cv::Mat cell = synth::MakeCell(cv::Mat(), s, rng);
  cv::threshold(cell, cell, 128, 255, cv::THRESH_BINARY);
  // A "7" left as 2x1 px grains every ~1 mm, as a 0.3-keep threshold leaves grainy graphite.
  // (Larger, denser dots are kept as ink and read as the digit they draw.)
  const cv::Point2d a(2.6 * ppm, 3.0 * ppm), b(5.4 * ppm, 3.0 * ppm), c(3.6 * ppm, 8.2 * ppm);
  auto grain = [&](cv::Point2d p) { cv::rectangle(cell, cv::Rect(cv::Point(p), cv::Size(2, 1)), cv::Scalar(0), cv::FILLED); };
  for (double t = 0; t <= 1.0; t += 0.34) grain(a + t * (b - a));
  for (double t = 0.2; t <= 1.0; t += 0.2) grain(b + t * (c - b));
  std::vector<cv::Mat> cells{synth::MakeCell(synth::RenderGlyphHershey(cv::FONT_HERSHEY_DUPLEX, '4', 5), s, rng), cell};
  DigitsReading r = ReadDigits(cells, ppm, {.classifier = model.get()});
  ASSERT_EQ(r.cells.size(), 2u);
  EXPECT_FALSE(r.cells[1].empty);
  EXPECT_FALSE(r.cells[1].accepted);
  EXPECT_TRUE(r.needs_review);
  ASSERT_TRUE(r.value.has_value());
  EXPECT_EQ(r.value->size(), 2u);
  EXPECT_EQ((*r.value)[1], '?');
}

// A year in a light pencil on grey, grainy paper saved as JPEG: the four comb cells of the
// office stack's sheet 142 (`phieu simulate --sheets 165 --seed 7 --creases 0 --single-dpi`,
// paper 222, sensor noise ~9, the strokes ~30 gray levels under the paper), cut from the scan
// as the reader cuts them (tests/handwriting/data). Per pixel the grain climbs as high as the
// strokes, so the noise floor rose over them and "2003" was read as a field left blank, with
// confidence. A person sees four digits: never blank. Synthetic grainy paper with nothing
// written stays blank without review.
TEST(DigitsTest, LightPencilOnGrainyPaperIsNeverReadBlank) {
  auto model = Model();
  ASSERT_TRUE(model);
  std::vector<cv::Mat> written;
  for (int i = 1; i <= 4; ++i) {
    written.push_back(cv::imread(PHIEU_SOURCE_DIR "/tests/handwriting/data/grainy_pencil_year_cell" +
                                     std::to_string(i) + ".png",
                                 cv::IMREAD_GRAYSCALE));
    ASSERT_FALSE(written.back().empty()) << i;
  }
  const DigitsReading w = ReadDigits(written, 8.0, {.classifier = model.get()});
  EXPECT_TRUE(w.value.has_value()) << "2003 read as a blank field";
  EXPECT_TRUE(w.needs_review || (w.value && *w.value == "2003")) << (w.value ? *w.value : "");
  for (unsigned seed = 20; seed < 26; ++seed) {
    std::mt19937 rng(seed);
    synth::CellStyle s;
    s.paper = 222;
    s.noise_sigma = 9.0;
    s.jpeg_quality = 70;
    std::vector<cv::Mat> blank;
    for (int i = 0; i < 4; ++i) blank.push_back(synth::MakeCell(cv::Mat(), s, rng));
    const DigitsReading b = ReadDigits(blank, 8.0, {.classifier = model.get()});
    EXPECT_FALSE(b.value.has_value()) << "seed " << seed << ": grain read as " << *b.value;
    EXPECT_FALSE(b.needs_review) << "seed " << seed << ": " << b.reason;
  }
}

// Clean empty cells on a bilevel scan (and a single dot in one) stay empty: most phone fields
// are blank, and a reviewer must never be shown them.
TEST(DigitsTest, CleanBilevelEmptyCellsStayEmpty) {
  auto model = Model();
  ASSERT_TRUE(model);
  std::mt19937 rng(12);
  std::vector<cv::Mat> cells;
  for (int i = 0; i < 10; ++i) {
    synth::CellStyle s = synth::RandomCellStyle(rng);
    s.bilevel_keep = 0.9;  // the threshold a pen page gets
    cv::Mat cell = synth::MakeCell(cv::Mat(), s, rng);
    if (i == 3) cv::circle(cell, cv::Point(cell.cols / 2, cell.rows / 2), 2, cv::Scalar(0), cv::FILLED);
    cells.push_back(cell);
  }
  DigitsReading r = ReadDigits(cells, 8.0, {.classifier = model.get()});
  EXPECT_FALSE(r.value.has_value()) << *r.value;
  EXPECT_FALSE(r.needs_review) << r.reason;
}

// A hurried writer's digit crosses into the neighbouring (empty) cell's margin: that cell
// stays empty (it must not read as a digit, nor send the field to review).
TEST(DigitsTest, NeighbourDigitReachingInLeavesTheCellEmpty) {
  auto model = Model();
  ASSERT_TRUE(model);
  std::mt19937 rng(13);
  int wrong = 0, fields = 0;
  std::string why;
  for (char d : std::string("0123456789")) {
    for (double shift : {1.8, 2.5}) {
      synth::CellStyle plain;
      synth::CellStyle reach = plain;  // the empty cell left of the digit
      reach.neighbour_side = 1;
      reach.neighbour_shift_mm = shift;
      synth::CellStyle moved = plain;  // the digit itself, moved left towards it
      moved.dx_mm = -shift;
      cv::Mat glyph = synth::RenderGlyphHershey(cv::FONT_HERSHEY_SIMPLEX, d, 5);
      std::vector<cv::Mat> cells{synth::MakeCell(cv::Mat(), reach, rng, glyph),
                                 synth::MakeCell(glyph, moved, rng)};
      DigitsReading r = ReadDigits(cells, 8.0, {.classifier = model.get()});
      ++fields;
      ASSERT_EQ(r.cells.size(), 2u);
      if (!r.cells[0].empty || r.value.value_or("").size() != 1) {
        ++wrong;
        why += std::string(1, d) + "@" + std::to_string(shift) + " ";
      }
      // The digit itself is not checked here (DigitsOverTheSideLinesAreNotMisread is).
    }
  }
  EXPECT_EQ(wrong, 0) << why;
}

// Digits written over the cell's top or bottom line: the strokes on the line went with it,
// so a 2 could read as 7 and a 9 or 6 as 0. Strokes thickening the line are put back, and a
// digit is accepted only if it reads the same with and without them. Before that, this sweep
// accepted 12 wrong digits of 80; a 7 whose bar lies wholly above the top line still can be.
// Moved 2.5 mm or more, a digit runs to or off the crop's edge: the part beyond the line is
// seen across the line's removed band and the digit goes to review (before, that part was
// dropped and the rest read alone: 2 wrong here, and an 8 over its left border read as a 3).
TEST(DigitsTest, DigitsOverTheTopOrBottomLineAreSeldomMisread) {
  auto model = Model();
  ASSERT_TRUE(model);
  std::mt19937 rng(21);
  int wrong = 0, reviewed = 0, cells = 0, inside_reviewed = 0, inside_cells = 0;
  std::string why;
  for (double dy : {-3.2, -2.5, -1.5, 1.5, 2.0, 2.5, 3.0, 3.5}) {
    for (char d : std::string("0123456789")) {
      synth::CellStyle off;
      off.dy_mm = dy;
      std::vector<cv::Mat> one{synth::MakeCell(synth::RenderGlyphHershey(cv::FONT_HERSHEY_SIMPLEX, d, 5), off, rng)};
      DigitsReading r = ReadDigits(one, 8.0, {.classifier = model.get()});
      ++cells;
      reviewed += r.needs_review;
      if (std::fabs(dy) <= 2.0) ++inside_cells, inside_reviewed += r.needs_review;
      if (!r.needs_review && r.value != std::string(1, d)) {
        ++wrong;
        why += std::string(1, d) + "->" + r.value.value_or("-") + "@" + std::to_string(dy).substr(0, 4) + " ";
      }
      if (d == '2' && dy >= 2.0) EXPECT_NE(r.value.value_or(""), "7") << "a 2 on the bottom line, dy " << dy;
    }
  }
  EXPECT_LE(wrong, 1) << why;
  EXPECT_LE(inside_reviewed, inside_cells / 2);
  std::printf("[digits] over the line: %d wrong accepted, %d of %d reviewed (%s)\n", wrong, reviewed, cells, why.c_str());
}

// Digits written over the cell's left or right side: the part across the line was dropped
// when the line's removed band alone was wider than the reach for strokes crossing it, and
// the rest read confidently as another digit (an 8 as a 3, on a clean stack).
TEST(DigitsTest, DigitsOverTheSideLinesAreNotMisread) {
  auto model = Model();
  ASSERT_TRUE(model);
  std::mt19937 rng(22);
  int wrong = 0, reviewed = 0, cells = 0;
  std::string why;
  for (double dx : {-2.2, -1.8, -1.4, 1.4, 1.8, 2.2})
    for (char d : std::string("0123456789")) {
      synth::CellStyle off;
      off.dx_mm = dx;
      off.digit_h_mm = 6.0;
      std::vector<cv::Mat> one{synth::MakeCell(synth::RenderGlyphHershey(cv::FONT_HERSHEY_SIMPLEX, d, 5), off, rng)};
      DigitsReading r = ReadDigits(one, 8.0, {.classifier = model.get()});
      ++cells;
      reviewed += r.needs_review;
      if (!r.needs_review && r.value != std::string(1, d)) {
        ++wrong;
        why += std::string(1, d) + "->" + r.value.value_or("-") + "@" + std::to_string(dx).substr(0, 4) + " ";
      }
    }
  EXPECT_EQ(wrong, 0) << why;
  std::printf("[digits] over the side lines: %d wrong accepted, %d of %d reviewed (%s)\n", wrong, reviewed, cells,
              why.c_str());
}

// The network is borrowed per call from a pool: concurrent callers get what one caller gets.
TEST(DigitsTest, ConcurrentClassifyMatchesSequential) {
  auto model = Model();
  ASSERT_TRUE(model);
  std::mt19937 rng(14);
  std::vector<cv::Mat> inks;
  for (int i = 0; i < 40; ++i) {
    synth::CellStyle s = synth::RandomCellStyle(rng);
    cv::Mat cell = synth::MakeCell(Glyph(kStyles[i % std::size(kStyles)], static_cast<char>('0' + i % 10), rng), s, rng);
    inks.push_back(ExtractDigitInk(cell, s.px_per_mm));
    ASSERT_FALSE(inks.back().empty());
  }
  std::vector<DigitClassifier::Guess> want;
  for (const auto& ink : inks) want.push_back(model->Classify(ink));
  std::vector<std::vector<DigitClassifier::Guess>> got(4);
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([&, t] {
      for (int rep = 0; rep < 5; ++rep)
        for (const auto& ink : inks) got[t].push_back(model->Classify(ink));
    });
  for (auto& th : threads) th.join();
  for (int t = 0; t < 4; ++t)
    for (size_t i = 0; i < got[t].size(); ++i) {
      EXPECT_EQ(got[t][i].digit, want[i % inks.size()].digit);
      EXPECT_FLOAT_EQ(got[t][i].confidence, want[i % inks.size()].confidence);
    }
  EXPECT_THROW(model->ClassifyNormalized(cv::Mat::zeros(20, 20, CV_8U)), std::invalid_argument);
}

TEST(DigitsTest, MissingModelFileIsAnError) {
  auto m = DigitClassifier::Load("/nonexistent/digits.yml.gz");
  ASSERT_FALSE(m.ok());
  EXPECT_EQ(m.error().code, "model");
}

}  // namespace
}  // namespace phieu::recognition
