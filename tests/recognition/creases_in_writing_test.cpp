// Copyright 2026 The Phiếu Authors
// SPDX-License-Identifier: Apache-2.0
// Issue 18: a fold's crease, a slanted scanner streak or a stain's straight edge running across
// the page through digit cells and writing areas is not writing, nor is the curved edge of a
// stain or its tide line. Through an empty comb or area they leave it empty; through written
// digits or words they leave them as written.
// Each case at 300 dpi, 150 dpi, bilevel and a harsh gray scan, light and dark.
#include <cstdlib>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <opencv2/imgcodecs.hpp>

#include "recognition/recognition.h"
#include "common/synthetic_page.h"

namespace phieu::recognition::testing {
namespace {

using namespace phieu::testing;  // the page synthesiser

using core::FieldKind;
using core::RectMm;

using Scanning = ScanSetting;

ScanSetup MakeScan(const Scanning& s, unsigned seed) { return s.Setup(seed); }

templates::FieldLayout Comb(const std::string& id, double x, double y, int cells) {
  templates::FieldLayout f;
  f.id = id;
  f.kind = FieldKind::kDigits;
  for (int i = 0; i < cells; ++i) f.cells_mm.push_back({x + i * 6.0, y, 6.0, 8.0});
  return f;
}

templates::FieldLayout Area(const std::string& id, double x, double y, double w) {
  templates::FieldLayout f;
  f.id = id;
  f.kind = FieldKind::kText;
  f.area_mm = {x, y, w, 24.0};
  f.lines = 3;
  return f;
}

templates::FieldLayout Boxes(const std::string& id, double x, double y) {
  templates::FieldLayout f;
  f.id = id;
  f.kind = FieldKind::kSingle;
  for (int i = 0; i < 4; ++i) {
    const std::string v = std::to_string(i + 1);
    f.options.push_back({v, v, true, {x + i * 12.0, y, 5.0, 5.0}});
  }
  return f;
}

/// Combs and areas, blank and written, and two rows of boxes (the page's calibration).
templates::Layout WritingLayout() {
  templates::Layout l;
  l.template_id = "synthetic";
  l.pages.push_back({});
  l.fields.push_back(Boxes("q1", 30, 25));
  l.fields.push_back(Boxes("q2", 30, 35));
  l.fields.push_back(Comb("d_blank", 30, 60, 4));
  l.fields.push_back(Comb("d_written", 110, 60, 4));
  l.fields.push_back(Comb("d_partly", 30, 90, 4));
  l.fields.push_back(Area("t_blank", 30, 130, 150));
  l.fields.push_back(Area("t_written", 30, 190, 150));
  l.fields.push_back(Comb("d_steep", 70, 240, 3));
  return l;
}

/// What the respondent wrote: digits in "d_written" and the two right cells of "d_partly",
/// words in "t_written"; a cross in q1. `damage` (folds, stains) is drawn on top.
std::vector<FieldReading> ReadWriting(const ScanSetup& setup, const std::function<void(SyntheticPage&)>& damage) {
  const templates::Layout layout = WritingLayout();
  SyntheticPage page(setup);
  page.PrintLayout(layout);
  std::mt19937 rng(3);
  const Pen pen{0.45, 25};
  page.DrawMark(layout.fields[0].options[1].box_mm, Mark::kCross, pen, rng);
  const auto& written = layout.fields[3].cells_mm;
  const char* digits = "1957";
  for (int i = 0; i < 4; ++i)
    page.Write({written[i].x + 1.3, written[i].bottom() - 1.8}, std::string(1, digits[i]), 4.2, pen);
  const auto& partly = layout.fields[4].cells_mm;
  page.Write({partly[2].x + 1.3, partly[2].bottom() - 1.8}, "3", 4.2, pen);
  page.Write({partly[3].x + 1.3, partly[3].bottom() - 1.8}, "8", 4.2, pen);
  const RectMm& area = layout.fields[6].area_mm;
  page.Write({area.x + 4, area.y + 9}, "nha o gan cho", 4.0, pen);
  page.Write({area.x + 4, area.y + 17}, "di lam xa", 4.0, pen);
  if (damage) damage(page);
  scanner::Scan scan;
  scanner::AlignedPage aligned;
  page.Scan(&scan, &aligned);
  if (const char* dump = std::getenv("PHIEU_TEST_DUMP")) cv::imwrite(dump, scan.gray);
  return ReadPage(scan, aligned, layout);
}

const FieldReading& Find(const std::vector<FieldReading>& rs, const std::string& id) {
  for (const auto& r : rs)
    if (r.field_id == id) return r;
  throw std::logic_error("no reading for " + id);
}

/// The page read with damage (`rs`) against the same page read without it (`clean`): the
/// empty comb and area stay empty and unreviewed, written digits read as they read undamaged
/// (the digit model's own certainty decides review, as it does on a clean page), the written
/// area is still written, and q1's cross is still the answer.
void ExpectWritingAsWithoutDamage(const std::vector<FieldReading>& rs, const std::vector<FieldReading>& clean,
                                  const std::string& at) {
  const FieldReading& blank = Find(rs, "d_blank");
  EXPECT_FALSE(blank.text.has_value()) << at << ": " << *blank.text;
  EXPECT_FALSE(blank.needs_review) << at << ": " << blank.reason;
  for (const char* id : {"d_written", "d_partly"}) {
    const FieldReading& got = Find(rs, id);
    const FieldReading& want = Find(clean, id);
    ASSERT_TRUE(want.text.has_value()) << at << " " << id;
    EXPECT_EQ(got.text, want.text) << at << " " << id << ": " << got.reason;
    if (!want.needs_review) EXPECT_FALSE(got.needs_review) << at << " " << id << ": " << got.reason;
  }
  const FieldReading& area = Find(rs, "t_blank");
  EXPECT_FALSE(area.needs_review) << at << ": " << area.reason;
  EXPECT_EQ(area.reasons, (std::vector<core::ReviewReason>{{"blank", {}}})) << at << ": " << area.reason;
  const FieldReading& words = Find(rs, "t_written");
  EXPECT_EQ(words.reasons, Find(clean, "t_written").reasons) << at << ": " << words.reason;
  EXPECT_EQ(Find(rs, "q1").selected, std::vector<std::string>{"2"}) << at;
}

class CreasesInWritingTest : public ::testing::TestWithParam<Scanning> {};

TEST_P(CreasesInWritingTest, ACreaseAcrossCombsAndAreasIsNotWriting) {
  const ScanSetup setup = MakeScan(GetParam(), 21);
  const auto clean = ReadWriting(setup, nullptr);
  // Folded in half across the combs (nearly level, through the digits' middle), folded in
  // three through both writing areas (one slanted, as a crooked fold), and a steep streak
  // through the last comb: each from one edge of the page to the other.
  const std::vector<std::pair<core::PointMm, core::PointMm>> creases = {
      {{0.0, 63.6}, {210.0, 64.9}}, {{0.0, 93.2}, {210.0, 95.0}}, {{0.0, 139.0}, {210.0, 145.5}},
      {{0.0, 201.5}, {210.0, 199.0}}, {{60.0, 297.0}, {95.0, 200.0}}};
  for (const double darkness : {0.3, 0.55}) {
    const auto rs = ReadWriting(setup, [&](SyntheticPage& page) {
      for (const auto& [a, b] : creases) page.Crease(a, b, darkness, 0.12, 0.05, 2.0);
    });
    const std::string at = GetParam().name + " crease " + std::to_string(darkness);
    const FieldReading& steep = Find(rs, "d_steep");
    EXPECT_FALSE(steep.text.has_value()) << at << ": " << steep.text.value_or("");
    EXPECT_FALSE(steep.needs_review) << at << ": " << steep.reason;
    ExpectWritingAsWithoutDamage(rs, clean, at);
  }
}

// A stain's curved edge and its tide line through empty and written combs and areas: the paper
// under a stain is darker, not written on. Light stains and dark ones, wholly inside an area
// (its whole outline there) and over a field's edge, with the test's own stain model.
TEST_P(CreasesInWritingTest, AStainOverCombsAndAreasIsNotWriting) {
  const ScanSetup setup = MakeScan(GetParam(), 22);
  const auto clean = ReadWriting(setup, nullptr);
  for (const double darkness : {0.12, 0.25}) {
    const auto rs = ReadWriting(setup, [&](SyntheticPage& page) {
      std::mt19937 rng(7);
      page.Stain({100.0, 141.0}, 5.0, darkness, 0.6, 0.0, rng);  // inside the blank area
      page.Stain({168.0, 152.0}, 6.0, darkness, 1.5, 0.06, rng);  // over its lower edge
      page.Stain({40.0, 66.0}, 6.5, darkness, 1.0, 0.06, rng);    // over the blank comb
      page.Stain({125.0, 62.0}, 7.0, darkness, 0.8, 0.06, rng);   // over written digits
      page.Stain({60.0, 95.0}, 6.0, darkness, 0.5, 0.0, rng);     // over the partly written comb
      page.Stain({70.0, 202.0}, 8.0, darkness, 1.0, 0.06, rng);   // over written words
    });
    const std::string at = GetParam().name + " stain " + std::to_string(darkness);
    ExpectWritingAsWithoutDamage(rs, clean, at);
  }
}

INSTANTIATE_TEST_SUITE_P(Scans, CreasesInWritingTest,
                         ::testing::ValuesIn(FoldScanSettings()),
                         [](const auto& info) { return info.param.name; });

}  // namespace
}  // namespace phieu::recognition::testing
