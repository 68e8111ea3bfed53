// Copyright 2026 The Phiếu Authors
// SPDX-License-Identifier: Apache-2.0
// Issue 18 item 3: show-through. Pages 1 and 2 of a form share a leaf; the back's print and
// marks show through the paper, mirrored and diffused (drawn here by the test's own model,
// SyntheticPage::ShowThrough, not the simulator's). Where its boxes, text and grid land on this
// page comes from the layout; none of it is a mark of this page. Each case at 300 dpi, 200 dpi,
// 150 dpi, bilevel and skewed, at 8% and 15% of the back's darkness.
#include <cstdio>
#include <optional>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "recognition/recognition.h"
#include "common/synthetic_page.h"

namespace phieu::recognition::testing {
namespace {

using namespace phieu::testing;  // the page synthesiser

using core::RectMm;

using Scanning = ScanSetting;

ScanSetup MakeScan(const Scanning& s, unsigned seed) { return s.Setup(seed); }

constexpr int kRows = 12, kCols = 5;
constexpr double kPitchX = 12.0, kPitchY = 9.0, kX0 = 40.0, kY0 = 30.0;
/// Front rows with a row of the back's grid behind them, and with a line of its text.
constexpr int kBackRows[] = {1, 4, 7, 10};
constexpr int kTextRows[] = {2, 5, 8, 11};

/// Page 1: a grid of kRows one-answer rows. Page 2, its back: a grid of four rows placed so
/// that, mirrored through the sheet, its boxes sit 1.5 mm right of and 1 mm below those of
/// page 1's kBackRows (each back box overlaps the front box of the mirrored column), and bold
/// printed text lines whose mirrors run through the inner area of the second and third boxes
/// of page 1's kTextRows. As on a real form, most boxes have nothing behind them.
struct Leaf {
  templates::Layout layout;  ///< both pages, as the reader gets it.
  templates::Layout front;   ///< page 1's fields alone (for drawing).
  templates::Layout back;    ///< page 2's fields alone.
};

Leaf MakeLeaf() {
  Leaf leaf;
  leaf.front = GridLayout(kRows, kCols, kPitchX, kPitchY, kX0, kY0);
  const double last_x = kX0 + (kCols - 1) * kPitchX;
  const double back_x0 = 210.0 - 5.0 - (last_x + 1.5);
  for (int i = 0; i < 4; ++i) {
    templates::Layout row = GridLayout(1, kCols, kPitchX, kPitchY, back_x0, kY0 + kBackRows[i] * kPitchY + 1.0);
    templates::FieldLayout f = row.fields.front();
    f.id = "b" + std::to_string(i + 1);
    f.page = 2;
    // Mirrored, x 52 .. 77: through page 1's columns 2 and 3, 1.6-3.8 mm into the box's height.
    f.print_mm = {{133.0, kY0 + kTextRows[i] * kPitchY + 1.6, 25.0, 2.2}};
    leaf.back.fields.push_back(std::move(f));
  }
  leaf.back.pages.push_back({});
  leaf.layout = leaf.front;
  leaf.layout.pages.push_back({.page = 2});
  for (const auto& f : leaf.back.fields) leaf.layout.fields.push_back(f);
  return leaf;
}

const RectMm& Box(const templates::Layout& l, int row, int value) {
  return l.fields.at(static_cast<size_t>(row)).options.at(static_cast<size_t>(value - 1)).box_mm;
}

/// The front box whose mirror holds back box `back_value`: value v of the back lands on value
/// kCols + 1 - v of the front.
int FrontValueBehind(int back_value) { return kCols + 1 - back_value; }

/// Scans page 1 of the leaf as drawn (show-through already laid on it) and reads it.
std::vector<FieldReading> ReadFront(SyntheticPage& front, const Leaf& leaf) {
  scanner::Scan scan;
  scanner::AlignedPage aligned;
  front.Scan(&scan, &aligned, 1);
  return ReadPage(scan, aligned, leaf.layout);
}

class ShowThroughTest : public ::testing::TestWithParam<Scanning> {};

TEST_P(ShowThroughTest, TheBackSidesPrintAndMarksAreNotMarksOfThisSide) {
  const Leaf leaf = MakeLeaf();
  for (const double strength : {0.08, 0.15}) {
    std::mt19937 rng(21);
    const Pen pen{0.5, 25}, marker{1.3, 30}, pencil{0.35, 150};
    // The back: heavy marks, its text lines, its grid.
    SyntheticPage back(MakeScan(GetParam(), 31));
    back.PrintLayout(leaf.back);
    back.PrintGridRules(leaf.back);
    for (const auto& f : leaf.back.fields) back.PrintTextLine(f.print_mm.front());
    const std::pair<int, Mark> back_marks[] = {{1, Mark::kFill}, {2, Mark::kCross}, {4, Mark::kScribble}, {5, Mark::kShading}};
    for (int i = 0; i < 4; ++i) {
      const auto& [value, mark] = back_marks[i];
      back.DrawMark(Box(leaf.back, i, value), mark, i == 1 ? marker : pen, rng);
    }
    // The front: rows 0, 1, 3, 4, 6 answered with a pen (rows 1 and 4 in another box than the
    // one behind the back's mark), row 7 with a light pencil tick right behind the back's
    // scribble; the others, with the back's marks or text behind some boxes, blank.
    SyntheticPage front(MakeScan(GetParam(), 17));
    front.PrintLayout(leaf.front);
    front.PrintGridRules(leaf.front);
    std::vector<std::vector<std::string>> want(kRows);
    const std::pair<int, int> answers[] = {{0, 3}, {1, 1}, {3, 2}, {4, 5}, {6, 4}};
    for (const auto& [row, value] : answers) {
      front.DrawMark(Box(leaf.front, row, value), row % 2 ? Mark::kCross : Mark::kTick, pen, rng);
      want[static_cast<size_t>(row)] = {std::to_string(value)};
    }
    const int behind = FrontValueBehind(back_marks[2].first);
    front.DrawMark(Box(leaf.front, 7, behind), Mark::kTick, pencil, rng);
    want[7] = {std::to_string(behind)};
    front.ShowThrough(back, strength, 0.35);
    const auto rs = ReadFront(front, leaf);
    ASSERT_EQ(rs.size(), static_cast<size_t>(kRows));
    for (int r = 0; r < kRows; ++r) {
      const FieldReading& got = rs[static_cast<size_t>(r)];
      EXPECT_EQ(got.selected, want[static_cast<size_t>(r)])
          << GetParam().name << " at " << strength << ", row " << r << ": " << got.reason;
      // At 8% nothing of the back side is left for a person; at 15% its copies reach the
      // darkness of a light pencil stroke's ridge, and a box they made look marked may go to
      // review (as faint ink), but its reading is right.
      if (strength < 0.1)
        EXPECT_FALSE(got.needs_review) << GetParam().name << " at " << strength << ", row " << r << ": "
                                       << got.reason;
    }
  }
}

TEST_P(ShowThroughTest, APageWithoutShowThroughKeepsItsFaintMarksUnderTheBacksRegions) {
  // No show-through at all: light pencil ticks in boxes whose mirror holds the back's boxes and
  // text are this page's ink and stay answers (a page is read for its back only once it shows
  // one).
  const Leaf leaf = MakeLeaf();
  std::mt19937 rng(5);
  const Pen pencil{0.35, 160};
  SyntheticPage front(MakeScan(GetParam(), 19));
  front.PrintLayout(leaf.front);
  front.PrintGridRules(leaf.front);
  // A tick behind each back row's boxes (columns 1-4) and behind each text line (column 2).
  std::vector<std::vector<std::string>> want(kRows);
  for (int i = 0; i < 4; ++i) {
    want[static_cast<size_t>(kBackRows[i])] = {std::to_string(1 + i)};
    want[static_cast<size_t>(kTextRows[i])] = {"2"};
  }
  for (int r = 0; r < kRows; ++r)
    if (!want[static_cast<size_t>(r)].empty())
      front.DrawMark(Box(leaf.front, r, std::stoi(want[static_cast<size_t>(r)].front())), Mark::kTick, pencil, rng);
  const auto rs = ReadFront(front, leaf);
  ASSERT_EQ(rs.size(), static_cast<size_t>(kRows));
  for (int r = 0; r < kRows; ++r)
    EXPECT_EQ(rs[static_cast<size_t>(r)].selected, want[static_cast<size_t>(r)])
        << GetParam().name << " row " << r << ": " << rs[static_cast<size_t>(r)].reason;
}

TEST_P(ShowThroughTest, APencilPageIsNotAnsweredByTheBacksGhosts) {
  // The front answered in a light pencil hand (ReadFaintMarksInHand accepts its lightest marks
  // on the strength of its firmer ones), its kBackRows left blank with the back's pen marks
  // right behind them: their ghosts are as light as that hand's light strokes, but never its
  // answers.
  const Leaf leaf = MakeLeaf();
  for (const double strength : {0.08, 0.15}) {
    std::mt19937 rng(43);
    SyntheticPage back(MakeScan(GetParam(), 47));
    back.PrintLayout(leaf.back);
    back.PrintGridRules(leaf.back);
    for (int i = 0; i < 4; ++i) back.DrawMark(Box(leaf.back, i, 1 + i), i % 2 ? Mark::kCross : Mark::kTick, Pen{0.5, 25}, rng);
    SyntheticPage front(MakeScan(GetParam(), 53));
    front.PrintLayout(leaf.front);
    front.PrintGridRules(leaf.front);
    std::vector<std::vector<std::string>> want(kRows);
    for (int r = 0; r < kRows; ++r) {
      if (r % 3 == 1) continue;  // kBackRows: blank
      const int value = 1 + r % kCols;
      front.DrawMark(Box(leaf.front, r, value), r % 2 ? Mark::kCross : Mark::kTick,
                     r % 3 == 0 ? Pen{0.35, 198} : Pen{0.35, 208}, rng);
      want[static_cast<size_t>(r)] = {std::to_string(value)};
    }
    front.ShowThrough(back, strength, 0.35);
    const auto rs = ReadFront(front, leaf);
    ASSERT_EQ(rs.size(), static_cast<size_t>(kRows));
    for (const int r : kBackRows) {
      const FieldReading& got = rs[static_cast<size_t>(r)];
      EXPECT_TRUE(got.selected.empty() || got.needs_review)
          << GetParam().name << " at " << strength << ", blank row " << r << " accepted as " << got.selected.front();
    }
    // Its answers are read or go to a person, also where the back's text lies behind them; a
    // bilevel scan keeps nothing of a light pencil (no reader could). Known loss, left open in
    // issue 18: at 150 dpi under 15% show-through the lightest strokes (gray 208 on 232) are
    // taken out with the back's copy and read as empty.
    const bool known_loss = GetParam().scale < 0.6 && strength > 0.1;
    for (int r = 0; r < kRows && !GetParam().bilevel && !known_loss; ++r) {
      const FieldReading& got = rs[static_cast<size_t>(r)];
      if (!want[static_cast<size_t>(r)].empty() && !got.needs_review)
        EXPECT_EQ(got.selected, want[static_cast<size_t>(r)]) << GetParam().name << " at " << strength << ", row " << r << " conf " << got.confidence;
    }
  }
}

TEST_P(ShowThroughTest, WithTheBacksOwnScanFewerBoxesGoToAPersonAndNoneIsMisread) {
  // A duplex batch: the back's own scan comes with the page (ReadOptions::other_side), so what
  // is taken out is the back's copy as that scan predicts it, not whatever lies where the
  // layout lets the back hold ink. The front answered in the lightest pencil (gray 198-208 on
  // 232), every answer right behind the back's pen marks or text or beside them. Read with and
  // without the back's scan: with it, fewer questions go to a person, and no answer is read
  // wrong that was not read wrong without it.
  const Leaf leaf = MakeLeaf();
  int reviewed_with = 0, reviewed_without = 0;
  for (const double strength : {0.08, 0.15}) {
    std::mt19937 rng(61);
    SyntheticPage back(MakeScan(GetParam(), 67));
    back.PrintLayout(leaf.back);
    back.PrintGridRules(leaf.back);
    for (const auto& f : leaf.back.fields) back.PrintTextLine(f.print_mm.front());
    for (int i = 0; i < 4; ++i) back.DrawMark(Box(leaf.back, i, 1 + i), i % 2 ? Mark::kCross : Mark::kScribble, Pen{0.5, 25}, rng);
    SyntheticPage front(MakeScan(GetParam(), 71));
    front.PrintLayout(leaf.front);
    front.PrintGridRules(leaf.front);
    std::vector<std::vector<std::string>> want(kRows);
    for (int r = 0; r < kRows; ++r) {
      // kBackRows: the answer is in the box the back's mark of that row is behind (its copy
      // overlaps the box beside it too); kTextRows: behind the back's text (columns 2 and 3).
      int value = 1 + r % kCols;
      for (int i = 0; i < 4; ++i) {
        if (r == kBackRows[i]) value = FrontValueBehind(1 + i);
        if (r == kTextRows[i]) value = 2 + i % 2;
      }
      front.DrawMark(Box(leaf.front, r, value), r % 2 ? Mark::kCross : Mark::kTick, Pen{0.35, r % 3 ? 208 : 198}, rng);
      want[static_cast<size_t>(r)] = {std::to_string(value)};
    }
    front.ShowThrough(back, strength, 0.45);
    scanner::Scan scan, back_scan;
    scanner::AlignedPage aligned, back_aligned;
    front.Scan(&scan, &aligned, 1);
    back.Scan(&back_scan, &back_aligned, 2);
    ReadOptions with_back;
    int asked = 0;
    with_back.other_side = [&](int page_no) -> std::optional<OtherSideScan> {
      ++asked;
      EXPECT_EQ(page_no, 2);
      return OtherSideScan{back_scan.gray, back_aligned.mm_to_px};
    };
    const auto with = ReadPage(scan, aligned, leaf.layout, with_back);
    const auto without = ReadPage(scan, aligned, leaf.layout);
    ASSERT_EQ(with.size(), static_cast<size_t>(kRows));
    ASSERT_EQ(without.size(), static_cast<size_t>(kRows));
    EXPECT_LE(asked, 1) << "the other side is asked for once a page";
    for (int r = 0; r < kRows; ++r) {
      const FieldReading& got = with[static_cast<size_t>(r)];
      const FieldReading& before = without[static_cast<size_t>(r)];
      reviewed_with += got.needs_review;
      reviewed_without += before.needs_review;
      const bool misread = !got.needs_review && got.selected != want[static_cast<size_t>(r)];
      const bool misread_before = !before.needs_review && before.selected != want[static_cast<size_t>(r)];
      // A bilevel scan keeps nothing of so light a pencil (no reader could). At 150 dpi under
      // 15% the lightest strokes behind the back's ink stay lost (ShowThroughTest's known loss):
      // with the copy divided out, what is left of them is under the reader's threshold.
      if (!GetParam().bilevel)
        EXPECT_TRUE(!misread || misread_before) << GetParam().name << " at " << strength << ", row " << r << ": "
                                                << (got.selected.empty() ? "blank" : got.selected.front());
      if (!GetParam().bilevel && GetParam().scale > 0.6)
        EXPECT_FALSE(misread) << GetParam().name << " at " << strength << ", row " << r;
      if (!got.needs_review && !got.selected.empty())
        EXPECT_EQ(got.selected, want[static_cast<size_t>(r)]) << GetParam().name << " at " << strength << ", row " << r;
    }
  }
  // Bilevel pages keep too little of the copy to match the back's scan to, and on a coarse
  // (150 dpi) scan the layout's word is kept wherever it would leave a mark: no gain there.
  std::printf("%s: questions to review without the back's scan %d, with it %d\n", GetParam().name.c_str(), reviewed_without,
              reviewed_with);
  if (!GetParam().bilevel && GetParam().scale > 0.6) EXPECT_LT(reviewed_with, reviewed_without) << GetParam().name;
}

INSTANTIATE_TEST_SUITE_P(Scans, ShowThroughTest,
                         ::testing::Values(Scanning{"300dpi", 1.0, 0.0, 0.7, 7.0, 0, false, 232, {5.0, -8.0}, 0.3},
                                           Scanning{"200dpi", 0.667, 0.0, 0.9, 4.0, 75, false, 232, {5.0, -8.0}, 0.3},
                                           Scanning{"150dpi", 0.5, 0.0, 1.0, 5.0, 70, false, 232, {5.0, -8.0}, 0.3},
                                           Scanning{"bilevel", 1.0, -0.6, 0.8, 4.0, 0, true, 232, {5.0, -8.0}, 0.3},
                                           Scanning{"skewed", 1.0, 2.5, 1.0, 7.0, 60, false, 232, {5.0, -8.0}, 0.3}),
                         [](const auto& info) { return info.param.name; });

}  // namespace
}  // namespace phieu::recognition::testing
