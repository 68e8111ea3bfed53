// Copyright 2026 The Phiếu Authors
// SPDX-License-Identifier: Apache-2.0
// Marks and scans our simulator does not make but real forms carry: light pencil on dull
// paper, ticks tucked into a corner, felt pens, oversized crosses, pen touches, erased pencil,
// 150-dpi scans and fax-like bilevel pages with broken box outlines, all on a printed grid
// whose rules run 1.2 mm above and below the boxes.
#include <algorithm>
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

/// `layout` printed (with a grid's rules when `rules`), scanned after `draw` filled it in.
template <typename Draw>
std::vector<FieldReading> ReadLayout(const ScanSetup& setup, const templates::Layout& layout, bool rules, Draw draw) {
  SyntheticPage page(setup);
  page.PrintLayout(layout);
  if (rules) page.PrintGridRules(layout);
  draw(page, layout);
  scanner::Scan scan;
  scanner::AlignedPage aligned;
  page.Scan(&scan, &aligned);
  return ReadPage(scan, aligned, layout);
}

/// A scale grid of `rows` rows with its rules printed, scanned after `draw` filled it in.
template <typename Draw>
std::vector<FieldReading> ReadGrid(const ScanSetup& setup, int rows, Draw draw,
                                   templates::Layout* layout_out = nullptr) {
  const templates::Layout layout = GridLayout(rows, 5);
  if (layout_out) *layout_out = layout;
  return ReadLayout(setup, layout, true, draw);
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

// A respondent with a soft pencil pressed gently: some marks of the sheet clear the page's
// "clear" darkness, the others are as light as show-through and only the respondent's own hand
// says they are answers (at 300 dpi every light one is doubted without it). Ghosts of the back's
// pen marks behind such a page: ShowThroughTest.APencilPageIsNotAnsweredByTheBacksGhosts.
class RespondentHandTest : public ::testing::TestWithParam<ScanSetting> {};

TEST_P(RespondentHandTest, LightMarksAloneInTheirQuestionAreReadInTheRespondentsHand) {
  const ScanSetting setting = GetParam();
  std::mt19937 rng(81);
  const Pen firm{0.35, 200}, light{0.35, 215};
  const auto rs = ReadGrid(setting.Setup(81), 12, [&](SyntheticPage& p, const templates::Layout& l) {
    for (int row = 0; row < 12; ++row) {
      const Mark mark = row % 3 == 0 ? Mark::kTick : row % 3 == 1 ? Mark::kCross : Mark::kSlash;
      p.DrawMark(Box(l, row, 1 + row % 5), mark, row % 3 == 0 ? firm : light, rng);
    }
  });
  for (int row = 0; row < 12; ++row) {
    const FieldReading& r = rs.at(row);
    EXPECT_EQ(r.selected, std::vector<std::string>{std::to_string(1 + row % 5)}) << row;
    EXPECT_FALSE(r.needs_review) << row << ": " << r.reason;
  }
}

TEST_P(RespondentHandTest, ARubbedOutAnswerAloneInItsQuestionIsNotTheAnswer) {
  // The same light pencil hand; rows 10-12 held an answer that was rubbed out: graphite smeared
  // along the cross's strokes, as dark as the hand's light marks but with gentle flanks. The
  // question is unanswered; a person may look, the reader never takes the smear for the answer.
  const ScanSetting setting = GetParam();
  std::mt19937 rng(83);
  std::uniform_real_distribution<double> u(0.0, 1.0);
  const Pen firm{0.35, 200}, light{0.35, 215};
  const auto rs = ReadGrid(setting.Setup(83), 13, [&](SyntheticPage& p, const templates::Layout& l) {
    for (int row = 0; row < 10; ++row)
      p.DrawMark(Box(l, row, 1 + row % 5), row % 2 ? Mark::kCross : Mark::kTick, row % 3 == 0 ? firm : light, rng);
    for (int row = 10; row < 13; ++row) {
      const RectMm b = p.Printed(Box(l, row, 1 + row % 5));
      for (double t = 0.15; t <= 0.85; t += 0.07) {
        p.Smudge({b.x + t * b.w, b.y + t * b.h}, 0.25 + 0.1 * u(rng), static_cast<int>(11 + 4 * u(rng)));
        p.Smudge({b.right() - t * b.w, b.y + t * b.h}, 0.25 + 0.1 * u(rng), static_cast<int>(11 + 4 * u(rng)));
      }
    }
  });
  for (int row = 0; row < 10; ++row)
    EXPECT_EQ(rs.at(row).selected, std::vector<std::string>{std::to_string(1 + row % 5)}) << row;
  for (int row = 10; row < 13; ++row) {
    const FieldReading& r = rs.at(row);
    EXPECT_TRUE(r.selected.empty() || r.needs_review)
        << setting.name << " row " << row << ": a rubbed-out cross accepted as " << r.selected.front();
  }
}

// The same hand corrects by rubbing out: rows 6-9 hold the new answer and, in another box, the
// smear of the old one (as in the test above). A person reads the new answer at a glance; so
// does the reader when it is sure of the new mark. Rows 10-11 hold a second light stroke of the same pencil beside the answer
// (not rubbed out): two marks, a person decides.
TEST_P(RespondentHandTest, ARubbedOutAnswerBesideTheNewOneIsACorrection) {
  const ScanSetting setting = GetParam();
  std::mt19937 rng(85);
  std::uniform_real_distribution<double> u(0.0, 1.0);
  const Pen firm{0.35, 200}, light{0.35, 215};
  auto old_answer = [](int row) { return 1 + (row + 2) % 5; };
  const auto rs = ReadGrid(setting.Setup(85), 12, [&](SyntheticPage& p, const templates::Layout& l) {
    for (int row = 0; row < 12; ++row)
      p.DrawMark(Box(l, row, 1 + row % 5), row % 2 ? Mark::kCross : Mark::kTick, row % 3 == 0 ? firm : light, rng);
    for (int row = 6; row < 10; ++row) {
      const RectMm b = p.Printed(Box(l, row, old_answer(row)));
      for (double t = 0.15; t <= 0.85; t += 0.07) {
        p.Smudge({b.x + t * b.w, b.y + t * b.h}, 0.25 + 0.1 * u(rng), static_cast<int>(11 + 4 * u(rng)));
        p.Smudge({b.right() - t * b.w, b.y + t * b.h}, 0.25 + 0.1 * u(rng), static_cast<int>(11 + 4 * u(rng)));
      }
    }
    for (int row = 10; row < 12; ++row) p.DrawMark(Box(l, row, old_answer(row)), Mark::kSlash, light, rng);
  });
  int settled = 0;
  for (int row = 0; row < 10; ++row) {
    const FieldReading& r = rs.at(row);
    // A new answer the reader doubts itself (a light stroke on the JPEG) beside a smear: a person.
    if (row >= 6 && r.needs_review) continue;
    EXPECT_EQ(r.selected, std::vector<std::string>{std::to_string(1 + row % 5)}) << setting.name << " row " << row;
    EXPECT_FALSE(r.needs_review) << setting.name << " row " << row << ": " << r.reason;
    settled += row >= 6;
  }
  EXPECT_GE(settled, 2) << setting.name << ": of the 4 rubbed-out corrections";
  for (int row = 10; row < 12; ++row)
    EXPECT_TRUE(rs.at(row).needs_review) << setting.name << " row " << row << ": a second pencil stroke dropped";
}

// A respondent who answers every question with a light pencil dot: each dot is as short as a
// pen touch, and the smaller ones are doubted for it (not for their darkness). Dots as long as
// the respondent's own sure dots, alone in their question, are the answers.
TEST_P(RespondentHandTest, ADottingRespondentsSmallDotsAreTheAnswers) {
  const ScanSetting setting = GetParam();
  std::mt19937 rng(87);
  std::uniform_real_distribution<double> u(0.0, 1.0);
  const auto rs = ReadGrid(setting.Setup(87), 12, [&](SyntheticPage& p, const templates::Layout& l) {
    for (int row = 0; row < 12; ++row) {
      const RectMm b = p.Printed(Box(l, row, 1 + row % 5));
      p.Disc({b.x + (0.4 + 0.2 * u(rng)) * b.w, b.y + (0.4 + 0.2 * u(rng)) * b.h}, 1.0 + 0.5 * u(rng),
             static_cast<int>(192 + 10 * u(rng)));
    }
  });
  for (int row = 0; row < 12; ++row) {
    const FieldReading& r = rs.at(row);
    EXPECT_EQ(r.selected, std::vector<std::string>{std::to_string(1 + row % 5)}) << row;
    EXPECT_FALSE(r.needs_review) << setting.name << " row " << row << ": " << r.reason;
  }
}

// Short light dots beside a respondent who ticks: far shorter than that hand's marks, a touch
// of the pen as often as an answer, the reader doubts them and they stay with a person. (The
// dots are the smaller, lighter half of the dotting hand's above: alone they make no hand.)
TEST_P(RespondentHandTest, SmallDotsBesideARespondentWhoTicksStayWithAPerson) {
  const ScanSetting setting = GetParam();
  std::mt19937 rng(87);
  std::uniform_real_distribution<double> u(0.0, 1.0);
  const Pen pen{0.35, 200};
  const auto rs = ReadGrid(setting.Setup(89), 14, [&](SyntheticPage& p, const templates::Layout& l) {
    for (int row = 0; row < 6; ++row) p.DrawMark(Box(l, row, 1 + row % 5), Mark::kTick, pen, rng);
    for (int row = 6; row < 14; ++row) {
      const RectMm b = p.Printed(Box(l, row, 1 + row % 5));
      p.Disc({b.x + (0.4 + 0.2 * u(rng)) * b.w, b.y + (0.4 + 0.2 * u(rng)) * b.h}, 1.0 + 0.15 * u(rng),
             static_cast<int>(204 + 4 * u(rng)));
    }
  });
  for (int row = 0; row < 6; ++row)
    EXPECT_EQ(rs.at(row).selected, std::vector<std::string>{std::to_string(1 + row % 5)}) << row;
  for (int row = 6; row < 14; ++row) {
    const FieldReading& r = rs.at(row);
    EXPECT_TRUE(r.needs_review) << setting.name << " row " << row << ": a small light dot settled ("
                                << (r.selected.empty() ? "read blank" : "accepted") << ")";
  }
}

INSTANTIATE_TEST_SUITE_P(Scans, RespondentHandTest,
                         ::testing::Values(ScanSetting{.name = "300dpi", .blur = 0.6, .noise = 3.0},
                                           ScanSetting{.name = "200dpi_jpeg", .scale = 0.67, .rotation = 1.5,
                                                       .blur = 0.9, .noise = 5.0, .jpeg = 70, .paper = 236},
                                           ScanSetting{.name = "150dpi", .scale = 0.5, .rotation = -1.0,
                                                       .blur = 0.7, .noise = 4.0, .jpeg = 80}),
                         [](const auto& info) { return info.param.name; });

// A correction whose new answer is a loop drawn around its box: the box itself stays empty, so
// the loop, not ink inside, is the replacement. Beside a plain cancellation (a box filled solid)
// it is the answer. (A loop hugging the filled box, or broken up by a bilevel scan, is seen as
// a possible loop only: a person looks.)
class LoopCorrectionTest : public ::testing::TestWithParam<ScanSetting> {};

TEST_P(LoopCorrectionTest, ALoopBesideAFilledBoxIsTheCorrectedAnswer) {
  // Rows 0-7 answered with a cross; rows 8-11 corrected: a cross filled over, a loop around
  // the new answer.
  const ScanSetting setting = GetParam();
  std::mt19937 rng(107);
  const Pen pen{0.45, 30};
  std::vector<int> cancelled(12), answer(12);
  const auto rs = ReadGrid(setting.Setup(107), 12, [&](SyntheticPage& p, const templates::Layout& l) {
    for (int row = 0; row < 12; ++row) {
      answer[row] = 1 + static_cast<int>(rng() % 5);
      if (row < 8) {
        p.DrawMark(Box(l, row, answer[row]), Mark::kCross, pen, rng);
        continue;
      }
      cancelled[row] = 1 + (answer[row] + static_cast<int>(rng() % 4)) % 5;
      p.DrawMark(Box(l, row, cancelled[row]), Mark::kFillOverCross, pen, rng);
      p.DrawMark(Box(l, row, answer[row]), Mark::kCircle, pen, rng);
    }
  });
  int settled = 0;
  for (int row = 0; row < 12; ++row) {
    const FieldReading& r = rs.at(row);
    if (row >= 8 && r.needs_review) continue;  // a loop hard to see beside the fill: a person looks
    EXPECT_EQ(r.selected, std::vector<std::string>{std::to_string(answer[row])}) << setting.name << " row " << row;
    EXPECT_FALSE(r.needs_review) << setting.name << " row " << row << ": " << r.reason;
    if (row >= 8) ++settled;
  }
  EXPECT_GE(settled, setting.bilevel ? 1 : 2) << setting.name << ": of the 4 corrections by a loop";
}

INSTANTIATE_TEST_SUITE_P(Scans, LoopCorrectionTest,
                         ::testing::Values(ScanSetting{.name = "300dpi"},
                                           ScanSetting{.name = "200dpi_turned", .scale = 0.67, .rotation = 1.5,
                                                       .blur = 0.9, .noise = 5.0, .jpeg = 70},
                                           ScanSetting{.name = "bilevel", .rotation = -0.8, .bilevel = true}),
                         [](const auto& info) { return info.param.name; });

// A grainy stretch of a bilevel scan (a dark streak or shadow on gray paper, thresholded):
// speckle around every box of those rows, in every direction, as a loop drawn around a box
// would put ink. Beside the one cross of each question it is not a second answer; a real loop
// beside a cross on clean paper still is.
class SpeckleTest : public ::testing::TestWithParam<ScanSetting> {};

TEST_P(SpeckleTest, SpeckleAroundBoxesBesideACrossIsNotACircle) {
  const ScanSetting setting = GetParam();
  std::mt19937 rng(91);
  templates::Layout layout = GridLayout(10, 5);
  SyntheticPage page(setting.Setup(91));
  const RectMm top = Box(layout, 2, 1), bottom = Box(layout, 6, 1);
  page.PrintLayout(layout);
  std::uniform_real_distribution<double> u(0.0, 1.0);
  for (double y = top.y - 4; y < bottom.bottom() + 4; y += 0.5)
    for (double x = 20; x < 190; x += 0.5)
      if (u(rng) < 0.3) {
        const core::PointMm at{x + 0.5 * u(rng), y + 0.5 * u(rng)};
        // A box's inside stays clean here (the reader's dust test has its own cases).
        const bool inside = std::any_of(layout.fields.begin(), layout.fields.end(), [&](const auto& f) {
          return std::any_of(f.options.begin(), f.options.end(), [&](const auto& o) { const core::RectMm b = o.box_mm.Grown(-0.4);
            return at.x > b.x && at.y > b.y && at.x < b.x + b.w && at.y < b.y + b.h; });
        });
        if (!inside) page.Disc(at, 0.08 + 0.06 * u(rng), 60);
      }
  page.PrintGridRules(layout);
  std::vector<int> truth(10, 0);
  for (int row = 0; row < 10; ++row) {
    truth[row] = 1 + static_cast<int>(rng() % 5);
    page.DrawMark(Box(layout, row, truth[row]), Mark::kCross, Pen{0.4, 30}, rng);
  }
  const int loop = truth[8] == 3 ? 2 : 3;
  page.DrawMark(Box(layout, 8, loop), Mark::kCircle, Pen{0.4, 30}, rng);
  scanner::Scan scan;
  scanner::AlignedPage aligned;
  page.Scan(&scan, &aligned);
  const auto rs = ReadPage(scan, aligned, layout);
  int band_reviews = 0;
  for (int row = 0; row < 10; ++row) {
    const FieldReading& r = rs.at(row);
    if (row >= 2 && row <= 6 && r.needs_review) {
      // A person may still be asked (a speckled patch that happens to ring one box more than
      // its neighbours), never given a wrong answer; most such rows are settled.
      ++band_reviews;
      continue;
    }
    if (row == 8) {
      EXPECT_TRUE(r.needs_review) << "a loop beside a cross read as " << r.selected.size() << " answers: " << r.selected.front() << " (cross in " << truth[row] << ", loop around " << loop << ")";
      continue;
    }
    EXPECT_EQ(r.selected, std::vector<std::string>{std::to_string(truth[row])}) << row << ": " << r.reason;
    EXPECT_FALSE(r.needs_review) << row << ": " << r.reason;
  }
  EXPECT_LE(band_reviews, 1) << "of the 5 speckled rows";
}

INSTANTIATE_TEST_SUITE_P(Scans, SpeckleTest,
                         ::testing::Values(ScanSetting{.name = "bilevel", .blur = 0.5, .noise = 4.0, .bilevel = true},
                                           ScanSetting{.name = "bilevel_turned", .rotation = 1.2, .blur = 0.6,
                                                       .noise = 6.0, .bilevel = true, .paper = 240}),
                         [](const auto& info) { return info.param.name; });

// A cross much larger than its box in a list whose boxes are 7.5 mm apart: its arms reach past
// the 2.5 mm gap around the next box, in several directions, as a loop drawn around that box
// would. It is one answer, not a cross and a circle; a loop drawn around the next box is still
// a second mark.
class BigCrossTest : public ::testing::TestWithParam<ScanSetting> {};

TEST_P(BigCrossTest, TheArmsOfABigCrossAreNotACircleAroundTheNextBox) {
  const ScanSetting setting = GetParam();
  std::mt19937 rng(101);
  templates::Layout layout = GridLayout(10, 5, 7.5, 9.0);
  SyntheticPage page(setting.Setup(101));
  page.PrintLayout(layout);
  std::vector<int> truth(10);
  for (int row = 0; row < 10; ++row) {
    truth[row] = 2 + static_cast<int>(rng() % 3);  // boxes 2-4: a neighbour on each side
    page.DrawMark(Box(layout, row, truth[row]), Mark::kHugeCross, Pen{0.5, 25}, rng);
  }
  page.DrawMark(Box(layout, 9, truth[9] + 1), Mark::kCircle, Pen{0.4, 30}, rng);
  scanner::Scan scan;
  scanner::AlignedPage aligned;
  page.Scan(&scan, &aligned);
  const auto rs = ReadPage(scan, aligned, layout);
  for (int row = 0; row < 9; ++row) {
    EXPECT_EQ(rs.at(row).selected, std::vector<std::string>{std::to_string(truth[row])}) << row << ": " << rs.at(row).reason;
    EXPECT_FALSE(rs.at(row).needs_review) << row << ": " << rs.at(row).reason;
  }
  EXPECT_TRUE(rs.at(9).needs_review) << "a loop beside a big cross read as " << rs.at(9).selected.size() << " answers";
}

// The same big crosses in lists that allow several answers (boxes 7.5 mm apart down a column,
// as the form's "what should the office improve" list): a box between two crossed ones has
// arms reaching round it from above and below. Not a third answer; a loop drawn round a box
// next to a crossed one still is one.
TEST_P(BigCrossTest, TheArmsOfBigCrossesInAListOfSeveralAnswersAreNotLoops) {
  const ScanSetting setting = GetParam();
  std::mt19937 rng(103);
  templates::Layout layout;
  layout.template_id = "synthetic";
  layout.pages.push_back({});
  for (int q = 0; q < 4; ++q) {
    templates::FieldLayout f;
    f.id = "m" + std::to_string(q + 1);
    f.kind = core::FieldKind::kMulti;
    f.max = 3;
    for (int k = 0; k < 5; ++k) {
      const std::string v = std::to_string(k + 1);
      f.options.push_back({v, v, true, {30.0 + 42.0 * q, 60.0 + 7.5 * k, 5.0, 5.0}});
    }
    f.area_mm = {25.0 + 42.0 * q, 58.0, 38.0, 40.0};
    layout.fields.push_back(std::move(f));
  }
  const Pen pen{0.5, 25};
  const auto rs = ReadLayout(setting.Setup(103), layout, false, [&](SyntheticPage& page, const templates::Layout& l) {
    for (int q = 0; q < 4; ++q) {
      page.DrawMark(l.fields[q].options[1].box_mm, Mark::kHugeCross, pen, rng);
      if (q < 3) page.DrawMark(l.fields[q].options[3].box_mm, Mark::kHugeCross, pen, rng);
    }
    page.DrawMark(l.fields[3].options[2].box_mm, Mark::kCircle, Pen{0.4, 30}, rng);
  });
  for (int q = 0; q < 3; ++q) {
    EXPECT_EQ(rs.at(q).selected, V({"2", "4"})) << setting.name << " question " << q << ": " << rs.at(q).reason;
    EXPECT_FALSE(rs.at(q).needs_review) << setting.name << " question " << q << ": " << rs.at(q).reason;
  }
  const FieldReading& loop = rs.at(3);
  EXPECT_TRUE(loop.needs_review || loop.selected == V({"2", "3"}))
      << setting.name << ": a loop beside a big cross lost; read " << loop.selected.size() << " answers";
}

// A grid whose rows are 8 mm apart (the form's satisfaction grids): big crosses in the same
// column of the rows above and below reach round the box between them. That box's row is
// answered elsewhere; the arms are not a second answer there.
TEST_P(BigCrossTest, TheArmsOfBigCrossesInTheRowsAboveAndBelowAreNotALoop) {
  const ScanSetting setting = GetParam();
  std::mt19937 rng(109);
  std::vector<int> truth(9);
  const auto rs = ReadLayout(setting.Setup(109), GridLayout(9, 5, 18.6, 8.0), false,
                             [&](SyntheticPage& page, const templates::Layout& l) {
                               for (int row = 0; row < 9; ++row) {
                                 truth[row] = row % 2 == 0 ? 3 : (row % 4 == 1 ? 1 : 5);
                                 page.DrawMark(Box(l, row, truth[row]), Mark::kHugeCross, Pen{0.5, 25}, rng);
                               }
                             });
  for (int row = 0; row < 9; ++row) {
    EXPECT_EQ(rs.at(row).selected, std::vector<std::string>{std::to_string(truth[row])})
        << setting.name << " row " << row << ": " << rs.at(row).reason;
    EXPECT_FALSE(rs.at(row).needs_review) << setting.name << " row " << row << ": " << rs.at(row).reason;
  }
}

// A required grid row left blank between rows answered with big crosses: their arms reach over
// the printed rules into its cells. The row is plainly blank (recorded, not queued); a real
// stroke beside a blank row's boxes still sends it to a person.
TEST_P(BigCrossTest, TheArmsOfBigCrossesOverABlankRowAreNotInkBesideIt) {
  const ScanSetting setting = GetParam();
  std::mt19937 rng(113);
  templates::Layout layout = GridLayout(8, 5, 18.6, 8.0);
  for (auto& f : layout.fields) f.required = true;
  const std::vector<int> truth = {2, 4, 0, 3, 5, 1, 0, 2};
  const auto rs = ReadLayout(setting.Setup(113), layout, true, [&](SyntheticPage& page, const templates::Layout& l) {
    for (int row = 0; row < 8; ++row)
      if (truth[row] > 0) page.DrawMark(Box(l, row, truth[row]), Mark::kHugeCross, Pen{0.5, 25}, rng);
    // Row 6: a short stroke between its boxes 3 and 4, no box touched.
    const RectMm a = page.Printed(Box(l, 6, 3)), b = page.Printed(Box(l, 6, 4));
    page.Line({a.right() + 4.0, a.y + 1.0}, {b.x - 4.5, a.bottom() - 1.0}, Pen{0.45, 30});
  });
  for (int row = 0; row < 8; ++row) {
    const FieldReading& r = rs.at(row);
    if (row == 6) {
      EXPECT_TRUE(r.needs_review) << setting.name << ": a stroke beside a blank row's boxes went unseen";
      continue;
    }
    const std::vector<std::string> want =
        truth[row] > 0 ? std::vector<std::string>{std::to_string(truth[row])} : std::vector<std::string>{};
    EXPECT_EQ(r.selected, want) << setting.name << " row " << row << ": " << r.reason;
    EXPECT_FALSE(r.needs_review) << setting.name << " row " << row << ": " << r.reason;
  }
}

INSTANTIATE_TEST_SUITE_P(Scans, BigCrossTest,
                         ::testing::Values(ScanSetting{.name = "300dpi"},
                                           ScanSetting{.name = "200dpi_turned", .scale = 0.67, .rotation = 1.5,
                                                       .blur = 0.9, .noise = 5.0, .jpeg = 70},
                                           ScanSetting{.name = "bilevel", .rotation = -0.8, .bilevel = true}),
                         [](const auto& info) { return info.param.name; });

}  // namespace
}  // namespace phieu::recognition::testing
