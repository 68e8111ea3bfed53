// Copyright 2026 The Phiếu Authors
// SPDX-License-Identifier: Apache-2.0
#include <algorithm>
#include <chrono>
#include <map>
#include <cstdlib>
#include <string>

#include <glib.h>
#include <gtest/gtest.h>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "simulator/src/comments.h"
#include "simulator/src/hand_fonts.h"
#include "simulator/src/handwriting.h"
#include "simulator/src/ink.h"
#include "simulator/src/respondent.h"
#include "templates/templates.h"

namespace phieu::simulator {
namespace {

constexpr double kDpi = 300.0;

cv::Rect Px(const core::RectMm& r) {
  return cv::Rect(cvRound(core::MmToPx(r.x, kDpi)), cvRound(core::MmToPx(r.y, kDpi)),
                  cvRound(core::MmToPx(r.w, kDpi)), cvRound(core::MmToPx(r.h, kDpi)));
}

core::RectMm Grow(const core::RectMm& r, double d) { return {r.x - d, r.y - d, r.w + 2 * d, r.h + 2 * d}; }

std::string Nfc(const std::string& s) {
  gchar* n = g_utf8_normalize(s.c_str(), static_cast<gssize>(s.size()), G_NORMALIZE_NFC);
  std::string out = n ? n : "";
  g_free(n);
  return out;
}

// Set PHIEU_SIM_DUMP=DIR to write the rendered test images there for eyeballing.
void Dump(const std::string& name, const cv::Mat& ink, cv::Rect crop = {}) {
  const char* dir = std::getenv("PHIEU_SIM_DUMP");
  if (!dir) return;
  cv::Mat page = 255 - (crop.empty() ? ink : ink(crop & cv::Rect(0, 0, ink.cols, ink.rows)));
  cv::imwrite(std::string(dir) + "/" + name + ".png", page);
}

HandHabit Habit(HandFont font) {
  Rng rng(static_cast<std::uint64_t>(font) + 7);
  HandHabit h;
  h.font = font;
  h.slant = font == HandFont::kAndika ? 0.15 : 0.05;
  return h;
}

// A 4-line area like sipas' "Ý kiến khác": 9 mm pitch + 2 mm.
const core::RectMm kArea{20, 30, 170, 4 * 9.0 + 2.0};

TEST(HandwritingTest, CorpusIsNfcWithDiacritics) {
  const auto& corpus = SurveyComments();
  ASSERT_GE(corpus.size(), 60u);
  int with_marks = 0;
  for (const auto& c : corpus) {
    EXPECT_EQ(Nfc(c), c) << c;
    EXPECT_TRUE(g_utf8_validate(c.c_str(), static_cast<gssize>(c.size()), nullptr));
    with_marks += c.find_first_of("\xC3\xC4\xC6\xE1") != std::string::npos;  // lead bytes of ă â đ ơ ư ạ ế ...
  }
  EXPECT_GE(with_marks, 60);
}

TEST(HandwritingTest, EveryStyleWritesInkInsideTheAreaOnly) {
  const std::vector<std::string> lines = {"Thủ tục còn rườm rà, cần rút ngắn thời gian",
                                          "giải quyết hồ sơ cho người dân."};
  for (HandFont font : {HandFont::kChorus, HandFont::kAndikaItalic, HandFont::kAndika, HandFont::kDejaVuOblique}) {
    SCOPED_TRACE(HandFontName(font));
    cv::Mat ink(cvRound(core::MmToPx(100, kDpi)), cvRound(core::MmToPx(210, kDpi)), CV_8U, cv::Scalar(0));
    Rng rng(3);
    Pen pen;
    DrawHandText(ink, kArea, 4, lines, Habit(font), 2.6, pen, kDpi, rng);
    Dump(std::string("text_") + HandFontName(font), ink, Px(Grow(kArea, 3.0)));
    const int total = cv::countNonZero(ink > 64);
    EXPECT_GT(total, 8000);  // two lines of ~40 letters with 0.45 mm strokes.
    // Everything within the area plus a small overflow (letters crossing the frame's right edge).
    const int inside = cv::countNonZero(ink(Px(Grow(kArea, 2.0)) & cv::Rect(0, 0, ink.cols, ink.rows)) > 64);
    EXPECT_EQ(inside, total);
    // Two lines written on the first two rules: ink around rules 1 and 2, none on rules 3-4.
    auto band = [&](int rule) {
      return cv::countNonZero(ink(Px({kArea.x, kArea.y + 9.0 * rule - 6.0, kArea.w, 7.0})) > 64);
    };
    EXPECT_GT(band(1), total / 4);
    EXPECT_GT(band(2), total / 4);
    EXPECT_EQ(cv::countNonZero(ink(Px({kArea.x, kArea.y + 21.5, kArea.w, 16.0})) > 64), 0);
    // Letters sit on the rule: the bulk of the first line's ink lies above its rule.
    const int above = cv::countNonZero(ink(Px({kArea.x, kArea.y + 1.0, kArea.w, 8.0})) > 64);
    const int below = cv::countNonZero(ink(Px({kArea.x, kArea.y + 9.0, kArea.w, 3.5})) > 64);
    EXPECT_GT(above, 4 * below);
  }
}

TEST(HandwritingTest, DiacriticsAreDrawn) {
  // Same letters without and with their marks.
  cv::Mat plain(600, 1200, CV_8U, cv::Scalar(0)), marked = plain.clone();
  HandHabit h = Habit(HandFont::kAndika);
  h.elastic_mm = 0;
  Pen pen;
  Rng r1(9), r2(9);
  DrawHandText(plain, {5, 5, 90, 11}, 1, {"Can bo nhiet tinh"}, h, 2.6, pen, kDpi, r1);
  DrawHandText(marked, {5, 5, 90, 11}, 1, {"Cán bộ nhiệt tình"}, h, 2.6, pen, kDpi, r2);
  // Marks are separate strokes: á, ộ (2), ệ (2) add five pieces of ink ("ì" loses its dot).
  cv::Mat labels;
  const int plain_parts = cv::connectedComponents(plain > 64, labels);
  const int marked_parts = cv::connectedComponents(marked > 64, labels);
  EXPECT_GE(marked_parts, plain_parts + 4) << plain_parts;
}

TEST(HandwritingTest, WrapKeepsLinesWithinTheWidth) {
  const std::string text = SurveyComments().back();
  for (HandFont font : {HandFont::kChorus, HandFont::kDejaVuOblique}) {
    auto lines = WrapText(text, font, 2.5, 0.9, 150);
    ASSERT_GE(lines.size(), 2u);
    std::string joined;
    for (const auto& l : lines) {
      EXPECT_LE(WordAdvance(l, font, 2.5), 150 + 2.5);  // + the single-space vs habit gap difference.
      joined += (joined.empty() ? "" : " ") + l;
    }
    EXPECT_EQ(joined, text);
  }
}

TEST(HandwritingTest, DigitsLandInTheirCellsInEveryStyle) {
  std::vector<core::RectMm> cells;
  for (int i = 0; i < 4; ++i) cells.push_back({10.0 + 7.2 * i, 10, 6, 8});
  for (DigitFont df : {DigitFont::kHersheyScript, DigitFont::kHersheySimplex, DigitFont::kHersheyComplex,
                       DigitFont::kHand}) {
    for (HandFont font : {HandFont::kChorus, HandFont::kAndika}) {
      HandHabit h = Habit(font);
      h.digit_font = df;
      SCOPED_TRACE(h.DigitStyleName());
      cv::Mat ink(400, 800, CV_8U, cv::Scalar(0));
      Rng rng(5);
      auto over = DrawHandDigits(ink, cells, "1987", h, -1, 0, Pen{}, kDpi, rng);
      Dump("digits_" + h.DigitStyleName(), ink, Px({8, 8, 32, 12}));
      for (size_t i = 0; i < cells.size(); ++i) {
        if (std::find(over.begin(), over.end(), static_cast<int>(i)) != over.end()) continue;
        const int in_cell = cv::countNonZero(ink(Px(cells[i])) > 64);
        EXPECT_GT(in_cell, 150) << i;
      }
      // Right-aligned: "45" leaves the first two cells blank.
      cv::Mat two(400, 800, CV_8U, cv::Scalar(0));
      Rng rng2(6);
      DrawHandDigits(two, cells, "45", h, -1, 0, Pen{}, kDpi, rng2);
      EXPECT_EQ(cv::countNonZero(two(Px(cells[0]))), 0);
      EXPECT_GT(cv::countNonZero(two(Px(cells[3])) > 64), 150);
    }
  }
}

TEST(HandwritingTest, CrossedOutDigitIsRewrittenAboveTheCell) {
  std::vector<core::RectMm> cells;
  for (int i = 0; i < 4; ++i) cells.push_back({10.0 + 7.2 * i, 20, 6, 8});
  HandHabit h = Habit(HandFont::kAndika);
  cv::Mat ink(500, 800, CV_8U, cv::Scalar(0)), clean = ink.clone();
  Rng r1(2), r2(2);
  DrawHandDigits(ink, cells, "1985", h, 2, '6', Pen{}, kDpi, r1);
  DrawHandDigits(clean, cells, "1985", h, -1, 0, Pen{}, kDpi, r2);
  Dump("digits_crossed", ink, Px({8, 12, 32, 18}));
  const cv::Rect above = Px({cells[2].x - 1, 20 - 6, cells[2].w + 2, 6});
  EXPECT_GT(cv::countNonZero(ink(above) > 64), 100);
  EXPECT_EQ(cv::countNonZero(clean(above) > 64), 0);
  EXPECT_GT(cv::countNonZero(ink(Px(cells[2])) > 64), cv::countNonZero(clean(Px(cells[2])) > 64));
}

TEST(HandwritingTest, SameRngSameWriting) {
  HandHabit h = Habit(HandFont::kChorus);
  cv::Mat a(500, 2500, CV_8U, cv::Scalar(0)), b = a.clone();
  Rng r1(4), r2(4);
  DrawHandText(a, kArea, 4, {"Nên bố trí thêm ghế ngồi chờ."}, h, 2.5, Pen{}, kDpi, r1);
  DrawHandText(b, kArea, 4, {"Nên bố trí thêm ghế ngồi chờ."}, h, 2.5, Pen{}, kDpi, r2);
  EXPECT_EQ(cv::norm(a, b, cv::NORM_INF), 0);
}

TEST(HandwritingTest, DashIsAShortStrokeOnTheFirstLine) {
  for (bool long_dash : {false, true}) {
    cv::Mat ink(cvRound(core::MmToPx(100, kDpi)), cvRound(core::MmToPx(210, kDpi)), CV_8U, cv::Scalar(0));
    Rng rng(8);
    DrawDash(ink, kArea, 4, long_dash, Pen{}, kDpi, rng);
    cv::Rect bb = cv::boundingRect(ink > 64);
    EXPECT_TRUE((Px(kArea) & bb) == bb);
    EXPECT_LT(bb.height, core::MmToPx(2.0, kDpi));
    EXPECT_GT(bb.width, core::MmToPx(long_dash ? 11.0 : 2.5, kDpi));
    EXPECT_LT(bb.y + bb.height, core::MmToPx(kArea.y + 9.0, kDpi));
  }
}

// The cost per area is printed for the record (a figure, not a bound: speed is measured by
// `phieu-bench`, never asserted in a unit test on a shared machine).
TEST(HandwritingTest, ManyAreasDrawInkAndPrintTheirCost) {
  HandHabit h = Habit(HandFont::kAndikaItalic);
  cv::Mat ink(cvRound(core::MmToPx(100, kDpi)), cvRound(core::MmToPx(210, kDpi)), CV_8U, cv::Scalar(0));
  Rng rng(1);
  DrawHandText(ink, kArea, 4, {"Khởi động"}, h, 2.5, Pen{}, kDpi, rng);  // per-thread font cache.
  const auto& corpus = SurveyComments();
  const int n = 20;
  auto t0 = std::chrono::steady_clock::now();
  for (int i = 0; i < n; ++i) {
    auto lines = WrapText(corpus[(i * 7) % corpus.size()], h.font, 2.5, h.word_gap, 155);
    DrawHandText(ink, kArea, 4, lines, h, 2.5, Pen{}, kDpi, rng);
  }
  double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count() / n;
  RecordProperty("ms_per_area", std::to_string(ms));
  std::printf("handwriting: %.2f ms per comment area at 300 dpi\n", ms);
  EXPECT_GT(cv::countNonZero(ink), 0);
}

TEST(RespondentPlanTest, SomeRespondentsCircleTheTextOfTheirAnswers) {
  auto tpl = templates::LoadTemplate(PHIEU_SOURCE_DIR "/templates/bundled/sipas.json");
  ASSERT_TRUE(tpl.ok()) << tpl.error().message;
  const templates::Layout layout = templates::ComputeLayout(*tpl);
  int circlers = 0, circled = 0;
  const int n = 1000;
  for (int serial = 1; serial <= n; ++serial) {
    const SheetPlan plan = PlanSheet(layout, serial, "", 77, 0.0);
    circlers += plan.circles_labels;
    for (const FieldPlan& fp : plan.fields) {
      const templates::FieldLayout& f = layout.fields[fp.field];
      for (const BoxMark& m : fp.marks) {
        if (m.shape != MarkShape::kLabelCircle) continue;
        ++circled;
        // Only a circler does it, only on questions with printed option texts, always as an answer.
        EXPECT_TRUE(plan.circles_labels);
        EXPECT_TRUE(f.kind == core::FieldKind::kSingle || f.kind == core::FieldKind::kMulti) << f.id;
        EXPECT_TRUE(m.selected);
        EXPECT_GT(f.options[m.option].label_mm.w, 0.0);
      }
    }
  }
  EXPECT_GT(circlers, n / 100);
  EXPECT_LT(circlers, n / 15);
  EXPECT_GT(circled, 4 * circlers);  // SIPAS has 8 single/multi questions, most answered
}

TEST(RespondentPlanTest, PencilRespondentsRubOutAnswersAndCorrectionsInsteadOfFilling) {
  auto tpl = templates::LoadTemplate(PHIEU_SOURCE_DIR "/templates/bundled/sipas.json");
  ASSERT_TRUE(tpl.ok()) << tpl.error().message;
  const templates::Layout layout = templates::ComputeLayout(*tpl);
  int erased_blank = 0, erased_corrections = 0, pencil_sheets = 0;
  for (int serial = 1; serial <= 2000; ++serial) {
    const SheetPlan plan = PlanSheet(layout, serial, "", 78, 0.0);
    pencil_sheets += plan.pen.pencil;
    for (const FieldPlan& fp : plan.fields) {
      for (const BoxMark& m : fp.marks) {
        if (m.shape == MarkShape::kCancelled) EXPECT_FALSE(plan.pen.pencil);  // a pencil is rubbed out
        if (m.shape != MarkShape::kErased) continue;
        EXPECT_TRUE(plan.pen.pencil);
        EXPECT_FALSE(m.selected);
        if (fp.marks.size() == 1) {
          ++erased_blank;
          EXPECT_TRUE(fp.truth.is_null() || (fp.truth.is_array() && fp.truth.empty()));  // left blank
        } else {
          ++erased_corrections;
        }
      }
    }
  }
  EXPECT_GT(pencil_sheets, 100);
  EXPECT_GT(erased_blank, pencil_sheets / 2);  // ~4% of ~25 box questions per pencil sheet
  EXPECT_GT(erased_corrections, 10);
}

// Respondents over many sheets of the bundled SIPAS form: comment behaviour shares, truth
// values, and digits that make sense.
TEST(HandwritingPlanTest, RespondentsWriteLikeThePopulation) {
  auto tpl = templates::LoadTemplate(PHIEU_SOURCE_DIR "/templates/bundled/sipas.json");
  ASSERT_TRUE(tpl.ok()) << tpl.error().message;
  const templates::Layout layout = templates::ComputeLayout(*tpl);
  int comment_field = -1, year_field = -1, phone_field = -1, age_field = -1;
  for (size_t i = 0; i < layout.fields.size(); ++i) {
    if (layout.fields[i].id == "ykien") comment_field = static_cast<int>(i);
    if (layout.fields[i].id == "p3") year_field = static_cast<int>(i);
    if (layout.fields[i].id == "sdt") phone_field = static_cast<int>(i);
    if (layout.fields[i].id == "p2") age_field = static_cast<int>(i);
  }
  ASSERT_GE(std::min({comment_field, year_field, phone_field, age_field}), 0);
  const int n = 600;
  std::map<std::string, int> marks;
  int phones = 0, consistent = 0, aged = 0;
  for (int serial = 1; serial <= n; ++serial) {
    SheetPlan plan = PlanSheet(layout, serial, "", 77, 0.0);
    const FieldPlan& c = plan.fields[comment_field];
    ++marks[c.mark.empty() ? "blank" : c.mark];
    if (c.mark == "handwriting") {
      ASSERT_TRUE(c.truth.is_string());
      const std::string t = c.truth.get<std::string>();
      EXPECT_EQ(Nfc(t), t);
      EXPECT_EQ(t, c.written);
      ASSERT_GE(c.lines.size(), 1u);
      EXPECT_LE(c.lines.size(), 3u);
      std::string joined;
      for (const auto& l : c.lines) joined += (joined.empty() ? "" : "\n") + l;
      EXPECT_EQ(joined, t);
    } else {
      EXPECT_TRUE(c.truth.is_null()) << c.mark << " " << c.written;  // dash, stray, blank
    }
    const FieldPlan& y = plan.fields[year_field];
    if (y.truth.is_string()) {
      const int year = std::stoi(y.truth.get<std::string>());
      EXPECT_GE(year, 1940);
      EXPECT_LE(year, 2006);
      const FieldPlan& a = plan.fields[age_field];
      if (a.truth.is_number()) {
        ++aged;
        const int age = 2026 - year, band = a.truth.get<int>();
        static const int kLo[] = {0, 0, 25, 35, 50, 61}, kHi[] = {0, 24, 34, 49, 60, 200};
        consistent += age >= kLo[band] && age <= kHi[band];
      }
    }
    const FieldPlan& p = plan.fields[phone_field];
    if (p.truth.is_string()) {
      ++phones;
      const std::string ph = p.truth.get<std::string>();
      EXPECT_EQ(ph.size(), 10u);
      EXPECT_EQ(ph[0], '0');
    }
  }
  // ~65-72% blank, ~20% comments (+ "Không"), ~3.5% dashes, ~3% strays.
  EXPECT_NEAR(marks["blank"] / double(n), 0.72, 0.06);
  EXPECT_NEAR(marks["handwriting"] / double(n), 0.215, 0.05);
  EXPECT_GT(marks["dash"], 5);
  EXPECT_GT(marks["stray"], 5);
  EXPECT_NEAR(phones / double(n), 0.5, 0.08);
  EXPECT_GT(aged, n / 2);
  EXPECT_EQ(consistent, aged);
  // The same seed plans the same writing.
  SheetPlan a = PlanSheet(layout, 42, "", 77, 0.0), b = PlanSheet(layout, 42, "", 77, 0.0);
  for (size_t i = 0; i < a.fields.size(); ++i) EXPECT_EQ(a.fields[i].written, b.fields[i].written);
  EXPECT_EQ(a.hand.font, b.hand.font);
}

}  // namespace
}  // namespace phieu::simulator
