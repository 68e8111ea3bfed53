// Copyright 2026 The Phiếu Authors
// SPDX-License-Identifier: Apache-2.0
// Marks and scans our simulator does not make but real forms carry: light pencil on dull
// paper, ticks tucked into a corner, felt pens, oversized crosses, pen touches, erased pencil,
// 150-dpi scans and fax-like bilevel pages with broken box outlines, all on a printed grid
// whose rules run 1.2 mm above and below the boxes.
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "recognition/recognition.h"
#include "common/synthetic_page.h"

namespace phieu::recognition::testing {
namespace {

using namespace phieu::testing;  // the page synthesiser

using core::RectMm;

std::vector<std::string> V(std::initializer_list<const char*> l) { return {l.begin(), l.end()}; }

ScanSetup MakeSetup(double rot, double blur, double noise, int jpeg, int paper, unsigned seed) {
  ScanSetup s;
  s.rotation_deg = rot;
  s.offset_px = {9.0, -14.0};
  s.local_shift_mm = 0.6;
  s.blur_sigma_px = blur;
  s.noise_sigma = noise;
  s.jpeg_quality = jpeg;
  s.paper = paper;
  s.seed = seed;
  return s;
}

/// A scale grid of `rows` rows with its rules printed, scanned after `draw` filled it in.
template <typename Draw>
std::vector<FieldReading> ReadGrid(const ScanSetup& setup, int rows, Draw draw,
                                   templates::Layout* layout_out = nullptr) {
  templates::Layout layout = GridLayout(rows, 5);
  SyntheticPage page(setup);
  page.PrintLayout(layout);
  page.PrintGridRules(layout);
  draw(page, layout);
  scanner::Scan scan;
  scanner::AlignedPage aligned;
  page.Scan(&scan, &aligned);
  if (layout_out) *layout_out = layout;
  return ReadPage(scan, aligned, layout);
}

const RectMm& Box(const templates::Layout& l, int row, int value) {
  return l.fields.at(row).options.at(value - 1).box_mm;
}

class HardMarksTest : public ::testing::TestWithParam<ScanSetup> {};

TEST_P(HardMarksTest, ReadsUnusualMarksOnAGrid) {
  const ScanSetup setup = GetParam();
  std::mt19937 rng(setup.seed);
  const Pen pen{0.5, 25};
  const Pen light_pencil{0.3, 150};
  const auto rs = ReadGrid(setup, 12, [&](SyntheticPage& p, const templates::Layout& l) {
    p.DrawMark(Box(l, 0, 2), Mark::kCornerTick, Pen{0.35, 20}, rng);
    p.DrawMark(Box(l, 1, 4), Mark::kFeltTick, pen, rng);
    p.DrawMark(Box(l, 2, 1), Mark::kFeltCross, pen, rng);
    p.DrawMark(Box(l, 3, 3), Mark::kHugeCross, pen, rng);
    // The case that once came back "empty, confidence 0.90": a 2 mm light pencil slash.
    const RectMm b = p.Printed(Box(l, 4, 5));
    p.Line({b.x + 1.6, b.y + 3.4}, {b.x + 3.0, b.y + 2.0}, light_pencil);
    p.DrawMark(Box(l, 5, 2), Mark::kPenTouch, pen, rng);
    p.DrawMark(Box(l, 6, 4), Mark::kErasedTick, light_pencil, rng);
    p.DrawMark(Box(l, 7, 3), Mark::kCircle, pen, rng);
    p.DrawMark(Box(l, 8, 1), Mark::kTick, light_pencil, rng);
    // Rows 9-11 stay empty: the rules around them must not look like marks.
  });
  ASSERT_EQ(rs.size(), 12u);
  auto expect_clean = [&](int row, std::vector<std::string> selected, const char* what) {
    const FieldReading& r = rs.at(row);
    EXPECT_EQ(r.selected, selected) << what;
    EXPECT_FALSE(r.needs_review) << what << ": " << r.reason;
  };
  expect_clean(0, V({"2"}), "small tick in a corner");
  expect_clean(1, V({"4"}), "felt-pen tick overflowing");
  expect_clean(2, V({"1"}), "felt-pen cross (not a cancellation)");
  expect_clean(3, V({"3"}), "cross much larger than the box");
  expect_clean(4, V({"5"}), "2 mm light pencil slash");
  expect_clean(7, V({"3"}), "circle around the box");
  expect_clean(8, V({"1"}), "light pencil tick");
  for (int row : {9, 10, 11}) expect_clean(row, {}, "empty row between grid rules");

  // Ambiguous ink is never accepted either way: it goes to a person, naming the box.
  const FieldReading& touch = rs.at(5);
  EXPECT_TRUE(touch.needs_review) << "pen touch read as " << BoxStateName(touch.boxes[1].state)
                                  << " conf " << touch.boxes[1].confidence;
  EXPECT_NE(touch.reason.find("box 2:"), std::string::npos) << touch.reason;
  const FieldReading& erased = rs.at(6);
  EXPECT_TRUE(erased.needs_review) << "erased tick read as " << BoxStateName(erased.boxes[3].state)
                                   << " conf " << erased.boxes[3].confidence;
  EXPECT_NE(erased.reason.find("box 4:"), std::string::npos) << erased.reason;
}

INSTANTIATE_TEST_SUITE_P(Scans, HardMarksTest,
                         ::testing::Values(MakeSetup(0.0, 0.5, 2.0, 0, 245, 31),
                                           MakeSetup(1.5, 0.9, 7.0, 60, 222, 32),   // dull paper
                                           MakeSetup(-2.0, 1.1, 9.0, 50, 235, 33)));

TEST(HardScansTest, LightPencilSlashStandsOutOfTheNoiseFloor) {
  // Dull paper (~222), sensor noise and JPEG: every empty box has some "ink" in it, and the
  // pencil stroke (gray 150, 2 mm) holds little mass. The page's own empty boxes decide.
  const ScanSetup setup = MakeSetup(0.8, 0.9, 9.0, 45, 222, 41);
  const auto rs = ReadGrid(setup, 10, [&](SyntheticPage& p, const templates::Layout& l) {
    for (int row = 0; row < 10; row += 2) {
      const RectMm b = p.Printed(Box(l, row, 1 + row / 2));
      p.Line({b.x + 1.5, b.y + 3.5}, {b.x + 2.9, b.y + 2.1}, Pen{0.25, 150});
    }
  });
  for (int row = 0; row < 10; ++row) {
    const FieldReading& r = rs.at(row);
    if (row % 2 == 0) {
      EXPECT_EQ(r.selected, std::vector<std::string>{std::to_string(1 + row / 2)}) << row;
      EXPECT_FALSE(r.needs_review) << row << ": " << r.reason;
    } else {
      EXPECT_TRUE(r.selected.empty()) << row;
      EXPECT_FALSE(r.needs_review) << row << ": " << r.reason;
    }
  }
}

TEST(HardScansTest, LightPencilTicksOnAGrainyPageAreAcceptedErasedOnesAreNot) {
  // A grainy scan (sensor noise ~30 gray levels per pixel, JPEG): a single noise pixel climbs
  // a third of the way to print black, so "clear" ink by its darkest pixel is out of reach for
  // a light pencil tick, though anyone sees the stroke. Its darkness averaged along the stroke
  // stands well above the page's empty boxes; the smeared residue of an erased tick does not
  // and must never be accepted as a mark.
  const ScanSetup setup = MakeSetup(0.5, 1.0, 30.0, 40, 225, 71);
  std::mt19937 rng(71);
  const auto rs = ReadGrid(setup, 12, [&](SyntheticPage& p, const templates::Layout& l) {
    for (int row = 0; row < 12; ++row) {
      const int value = 1 + row % 5;
      if (row % 3 == 2)
        p.DrawMark(Box(l, row, value), Mark::kErasedTick, Pen{0.3, 150}, rng);
      else
        p.DrawMark(Box(l, row, value), Mark::kTick, Pen{0.3, 160}, rng);
    }
  });
  for (int row = 0; row < 12; ++row) {
    const FieldReading& r = rs.at(row);
    const std::string value = std::to_string(1 + row % 5);
    if (row % 3 == 2) {
      EXPECT_TRUE(r.selected.empty() || r.needs_review)
          << row << ": erased tick accepted as " << r.selected.front();
    } else {
      EXPECT_EQ(r.selected, std::vector<std::string>{value}) << row;
      EXPECT_FALSE(r.needs_review) << row << ": " << r.reason;
    }
  }
}

TEST(HardScansTest, ReadsCrossesScannedAt150Dpi) {
  ScanSetup setup = MakeSetup(1.2, 0.6, 4.0, 70, 240, 51);
  setup.scale = 0.5;  // the page lands at 150 dpi.
  std::mt19937 rng(51);
  std::vector<int> truth;
  const auto rs = ReadGrid(setup, 10, [&](SyntheticPage& p, const templates::Layout& l) {
    for (int row = 0; row < 10; ++row) {
      truth.push_back(1 + static_cast<int>(rng() % 5));
      p.DrawMark(Box(l, row, truth.back()), row % 2 ? Mark::kCross : Mark::kTick, Pen{0.4, 30}, rng);
    }
  });
  for (int row = 0; row < 10; ++row) {
    EXPECT_EQ(rs.at(row).selected, std::vector<std::string>{std::to_string(truth[row])}) << row;
    EXPECT_FALSE(rs.at(row).needs_review) << row << ": " << rs.at(row).reason;
  }
}

TEST(HardScansTest, ReadsFaxLikePageWithBrokenOutlines) {
  ScanSetup setup = MakeSetup(-1.0, 0.8, 5.0, 0, 240, 61);
  setup.binarize = true;
  std::mt19937 rng(61);
  std::vector<int> truth;
  const auto rs = ReadGrid(setup, 12, [&](SyntheticPage& p, const templates::Layout& l) {
    for (const auto& f : l.fields)
      for (const auto& o : f.options) p.BreakOutline(o.box_mm, rng);
    for (int row = 0; row < 12; ++row) {
      truth.push_back(row % 4 == 3 ? 0 : 1 + static_cast<int>(rng() % 5));
      if (truth.back()) p.DrawMark(Box(l, row, truth.back()), row % 2 ? Mark::kCross : Mark::kTick, Pen{0.4, 30}, rng);
    }
  });
  for (int row = 0; row < 12; ++row) {
    const FieldReading& r = rs.at(row);
    if (truth[row]) EXPECT_EQ(r.selected, std::vector<std::string>{std::to_string(truth[row])}) << row;
    else EXPECT_TRUE(r.selected.empty()) << row;
    EXPECT_FALSE(r.needs_review) << row << ": " << r.reason;
  }
}

}  // namespace
}  // namespace phieu::recognition::testing
