// Copyright 2026 The Phiếu Authors
// SPDX-License-Identifier: Apache-2.0
#include "respondent.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <numeric>

#include "comments.h"
#include "handwriting.h"
#include "rng.h"

namespace phieu::simulator {
namespace {

/// Share of respondents who circle option texts. On returned SIPAS-style forms it is a few in a
/// hundred, more among older respondents; what matters here is that the reader meets it.
constexpr double kCirclesLabelsRate = 0.03;
/// Shares of respondents who answer by hatching the box (pen or pencil), with a felt/marker
/// cross, or with a scribble; and of respondents whose strokes the second model draws.
constexpr double kHatchRate = 0.10;
constexpr double kMarkerRate = 0.06;
constexpr double kScribbleRate = 0.05;
constexpr double kPressureModelRate = 0.35;
/// Share of a pencil respondent's answered box questions whose answer was rubbed out and the
/// question left blank. (A pencil respondent who changes an answer rubs the old mark out instead
/// of filling the box, too.) Real rates are unknown; what matters is that the reader meets the
/// smear of graphite an eraser leaves, alone in a question, and never takes it for the answer.
constexpr double kErasedBlankRate = 0.04;

using templates::FieldLayout;
using templates::Layout;

// Population-wide preference for the options of a single/multi question: seeded by the field id
// (not the respondent) so that a question has a realistic, consistent answer distribution.
std::vector<double> OptionWeights(const FieldLayout& f, std::uint64_t seed) {
  Rng rng(Mix(seed, HashText(f.id)));
  std::vector<double> w(f.options.size());
  for (auto& x : w) x = std::exp(Normal(rng, 0.0, 0.9));
  return w;
}

int Weighted(Rng& rng, const std::vector<double>& w) {
  return std::discrete_distribution<int>(w.begin(), w.end())(rng);
}

MarkShape PickStyle(Rng& rng) {
  // Observed habits: ticks and crosses dominate; circling the box is rare.
  static const double kShares[] = {0.42, 0.30, 0.10, 0.07, 0.03, 0.08};
  std::discrete_distribution<int> d(std::begin(kShares), std::end(kShares));
  return static_cast<MarkShape>(d(rng));
}

Pen PickPen(Rng& rng) {
  Pen pen;
  double r = Uniform(rng, 0, 1);
  if (r < 0.15) {
    pen.pencil = true;
    pen.width_mm = Uniform(rng, 0.25, 0.4);
    pen.ink_gray = UniformInt(rng, 120, 190);
    for (double& c : pen.ink_bgr) c = pen.ink_gray;
    pen.opacity = Uniform(rng, 0.8, 1.0);
  } else if (r < 0.70) {
    pen.width_mm = Uniform(rng, 0.3, 0.6);
    pen.ink_gray = UniformInt(rng, 55, 85);
    pen.ink_bgr[0] = Uniform(rng, 130, 175);  // blue ballpoint
    pen.ink_bgr[1] = Uniform(rng, 45, 75);
    pen.ink_bgr[2] = Uniform(rng, 20, 45);
    pen.opacity = Uniform(rng, 0.88, 1.0);
  } else {
    pen.width_mm = Uniform(rng, 0.3, 0.6);
    pen.ink_gray = UniformInt(rng, 25, 50);
    for (double& c : pen.ink_bgr) c = pen.ink_gray;
    pen.opacity = Uniform(rng, 0.9, 1.0);
  }
  return pen;
}

HandHabit PickHabit(Rng& rng) {
  HandHabit h;
  static const double kFontShare[] = {0.25, 0.30, 0.20, 0.25};  // chorus, andika-italic, andika, dejavu
  h.font = static_cast<HandFont>(std::discrete_distribution<int>(std::begin(kFontShare), std::end(kFontShare))(rng));
  static const double kDigitShare[] = {0.15, 0.20, 0.15, 0.50};  // hershey script/simplex/complex, hand
  h.digit_font = static_cast<DigitFont>(std::discrete_distribution<int>(std::begin(kDigitShare), std::end(kDigitShare))(rng));
  h.x_height_mm = Uniform(rng, 2.4, 3.4);
  h.slant = Uniform(rng, -0.08, 0.25);
  h.word_gap = Uniform(rng, 0.6, 1.2);
  h.size_jitter = Uniform(rng, 0.02, 0.06);
  h.lift_mm = Uniform(rng, 0.0, 1.0);
  h.tilt_deg = Uniform(rng, 0.2, 0.8);
  h.elastic_mm = Uniform(rng, 0.2, 0.45);
  h.elastic_sigma_mm = Uniform(rng, 2.0, 3.0);
  h.min_pressure = Uniform(rng, 0.65, 0.95);
  h.digit_scale = Uniform(rng, 0.55, 0.8);
  return h;
}

// Ages of an age-group option label: "Dưới 25 tuổi", "Từ 25 đến 34 tuổi", "Trên 60 tuổi".
bool AgeBand(const std::string& label, int& lo, int& hi) {
  std::vector<int> nums;
  for (size_t i = 0; i < label.size();) {
    if (std::isdigit(static_cast<unsigned char>(label[i]))) {
      size_t j = i;
      while (j < label.size() && std::isdigit(static_cast<unsigned char>(label[j]))) ++j;
      nums.push_back(std::stoi(label.substr(i, j - i)));
      i = j;
    } else {
      ++i;
    }
  }
  if (nums.size() == 2) {
    lo = nums[0], hi = nums[1];
  } else if (nums.size() == 1 && label.find("Dưới") != std::string::npos) {
    lo = std::max(18, nums[0] - 7), hi = nums[0] - 1;
  } else if (nums.size() == 1 && label.find("Trên") != std::string::npos) {
    lo = nums[0] + 1, hi = nums[0] + 25;
  } else {
    return false;
  }
  return lo <= hi;
}

// The age group the respondent already ticked on this sheet (a single question whose options
// are "... tuổi"), when there is one.
bool TickedAgeBand(const Layout& layout, const std::vector<FieldPlan>& planned, int& lo, int& hi) {
  for (const auto& fp : planned) {
    const FieldLayout& f = layout.fields[fp.field];
    if (f.kind != core::FieldKind::kSingle || f.options.size() < 2) continue;
    int ages = 0;
    for (const auto& o : f.options) ages += o.label.find("tuổi") != std::string::npos;
    if (ages < static_cast<int>(f.options.size()) - 1) continue;
    for (const auto& m : fp.marks)
      if (m.selected && AgeBand(f.options[m.option].label, lo, hi)) return true;
  }
  return false;
}

std::string PadLeft(std::string s, size_t width) {
  return s.size() < width ? std::string(width - s.size(), '0') + s : s;
}

bool IsPhone(const FieldLayout& f) { return !f.has_range && f.cells_mm.size() == 10; }

std::string DigitsAnswer(const Layout& layout, const FieldLayout& f, const std::vector<FieldPlan>& planned,
                         Rng& rng) {
  const size_t cells = f.cells_mm.size();
  if (f.has_range && f.range_max >= f.range_min) {
    long v;
    if (f.range_min >= 1900 && f.range_max <= 2100) {
      // Year of birth, consistent with the ticked age group when the form has one.
      const long year_now = f.range_max >= 2000 ? f.range_max : 2026;
      int lo = 0, hi = 0;
      // Born 1940-2006: young bands start at 20, so years never pile up on the limit.
      const int youngest = static_cast<int>(year_now - 2006), oldest = static_cast<int>(year_now - 1940);
      const bool band = TickedAgeBand(layout, planned, lo, hi) && std::max(lo, youngest) <= std::min(hi, oldest);
      int age = band ? UniformInt(rng, std::max(lo, youngest), std::min(hi, oldest))
                     : static_cast<int>(std::clamp(Normal(rng, 42, 14), 20.0, 86.0));
      v = std::clamp(year_now - age, std::max(1940L, f.range_min), std::min(2006L, f.range_max));
      if (v < f.range_min || v > f.range_max) v = std::clamp(year_now - age, f.range_min, f.range_max);
    } else if (f.range_min >= 0 && f.range_max == 100) {
      // A percentage ("bao nhiêu %"): most people are fairly satisfied.
      v = std::clamp(std::lround(Normal(rng, 80, 13) / 5.0) * 5 + (Chance(rng, 0.2) ? UniformInt(rng, -2, 2) : 0),
                     f.range_min, f.range_max);
    } else {
      v = f.range_min + static_cast<long>(Uniform(rng, 0, 1) * (f.range_max - f.range_min + 1));
      v = std::min(v, f.range_max);
    }
    std::string s = std::to_string(v);
    // The hints ask for leading zeros ("85% ghi là 085"); most people comply.
    if (s.size() < cells && Chance(rng, 0.75)) s = PadLeft(s, cells);
    if (s.size() <= cells) return s;
  }
  std::string s;
  if (IsPhone(f)) {
    static const char* kPrefixes[] = {"09", "03", "08", "07", "05"};
    s = kPrefixes[UniformInt(rng, 0, 4)];
  }
  while (s.size() < cells) s += static_cast<char>('0' + UniformInt(rng, 0, 9));
  return s;
}

// A comment in the respondent's hand, wrapped to the area: 1-3 lines (never more than the
// area has). Long comments are written smaller, or a shorter one is chosen.
void PlanComment(const FieldLayout& f, const HandHabit& habit, Rng& rng, FieldPlan& fp) {
  const auto& corpus = SurveyComments();
  const int max_lines = std::clamp(f.lines, 1, 3);
  const double width = f.area_mm.w - kTextIndentMaxMm - 3.0;
  for (int attempt = 0; attempt < 6; ++attempt) {
    std::string text = attempt < 5 ? corpus[UniformInt(rng, 0, static_cast<int>(corpus.size()) - 1)] : "Tốt";
    if (text.size() > 1 && text.back() == '.' && Chance(rng, 0.4)) text.pop_back();  // many skip the full stop.
    double xh = habit.x_height_mm;
    for (int shrink = 0; shrink < 3; ++shrink, xh *= 0.87) {
      auto lines = WrapText(text, habit.font, xh, habit.word_gap, width);
      if (static_cast<int>(lines.size()) > max_lines) continue;
      fp.mark = "handwriting";
      fp.lines = lines;
      fp.x_height_mm = xh;
      fp.written.clear();
      for (size_t i = 0; i < lines.size(); ++i) fp.written += (i ? "\n" : "") + lines[i];
      return;
    }
  }
}

// What goes into a free-text area: mostly nothing; a comment; a dash or "Không" (no); a stray.
void PlanTextArea(const FieldLayout& f, const HandHabit& habit, Rng& rng, FieldPlan& fp) {
  const double r = Uniform(rng, 0, 1);
  if (r < 0.20) {
    PlanComment(f, habit, rng, fp);
  } else if (r < 0.235) {
    fp.mark = "dash";
    fp.written = r < 0.22 ? "-" : "—";
  } else if (r < 0.25) {
    fp.mark = "handwriting";
    fp.written = "Không";
    fp.lines = {fp.written};
    fp.x_height_mm = habit.x_height_mm;
  } else if (r < 0.28) {
    fp.mark = "stray";
    fp.written = Chance(rng, 0.5) ? "dot" : "touch";
  }
}

}  // namespace

const char* MarkShapeName(MarkShape shape) {
  switch (shape) {
    case MarkShape::kTick: return "tick";
    case MarkShape::kCross: return "cross";
    case MarkShape::kSlash: return "slash";
    case MarkShape::kDot: return "dot";
    case MarkShape::kCircle: return "circle";
    case MarkShape::kShade: return "shade";
    case MarkShape::kCancelled: return "cancelled";
    case MarkShape::kLabelCircle: return "label_circle";
    case MarkShape::kHatch: return "hatch";
    case MarkShape::kMarkerCross: return "marker_cross";
    case MarkShape::kScribble: return "scribble";
    case MarkShape::kErased: return "erased";
  }
  return "tick";
}

std::string HandHabit::DigitStyleName() const {
  switch (digit_font) {
    case DigitFont::kHersheyScript: return "hershey-script";
    case DigitFont::kHersheySimplex: return "hershey-simplex";
    case DigitFont::kHersheyComplex: return "hershey-complex";
    case DigitFont::kHand: break;
  }
  return HandFontName(font);
}

const char* Pen::Name() const {
  if (pencil) return "pencil";
  if (marker) return "marker";
  return ink_bgr[0] > ink_bgr[2] + 40 ? "ballpoint_blue" : "ballpoint_black";
}

nlohmann::json OptionValueJson(const templates::OptionBox& option) {
  if (option.numeric) {
    auto v = nlohmann::json::parse(option.value, nullptr, /*allow_exceptions=*/false);
    if (v.is_number()) return v;
  }
  return option.value;
}

SheetPlan PlanSheet(const Layout& layout, core::Serial serial, const std::string& unit,
                    std::uint64_t seed, double missing_page_rate) {
  Rng rng(Mix(seed, static_cast<std::uint64_t>(serial), 0x5eed));
  SheetPlan plan;
  plan.serial = serial;
  plan.unit = unit;
  plan.pen = PickPen(rng);
  plan.style = PickStyle(rng);
  plan.mark_scale = Uniform(rng, 0.7, 1.25);
  plan.overflow_rate = Uniform(rng, 0.05, 0.35);
  if (layout.pages.size() > 1 && Chance(rng, missing_page_rate))
    plan.missing_page = layout.pages[UniformInt(rng, 0, static_cast<int>(layout.pages.size()) - 1)].page;
  {
    // A separate stream: the writing habit never shifts the answers drawn below.
    Rng hand_rng(Mix(seed, static_cast<std::uint64_t>(serial), 0x4a4d));
    plan.hand = PickHabit(hand_rng);
  }
  {
    // Some respondents ring the text of their answer ("Nữ", "Đại học") as they would on any
    // paper form, whatever the instructions say. Own stream, like the writing habit.
    Rng label_rng(Mix(seed, static_cast<std::uint64_t>(serial), 0x1abe1));
    plan.circles_labels = Chance(label_rng, kCirclesLabelsRate);
  }
  {
    // Respondents who shade, use a felt pen or scribble, and a second way of drawing strokes
    // (issue 18): own stream, so the answers and the other habits of a seed stay as they were.
    Rng habit_rng(Mix(seed, static_cast<std::uint64_t>(serial), 0x5ad3));
    const double r = Uniform(habit_rng, 0, 1);
    if (r < kHatchRate) {
      plan.style = MarkShape::kHatch;
    } else if (r < kHatchRate + kMarkerRate) {
      plan.style = MarkShape::kMarkerCross;
      plan.pen.marker = true;
      plan.pen.pencil = false;
      plan.pen.width_mm = Uniform(habit_rng, 0.9, 1.6);
      plan.pen.ink_gray = UniformInt(habit_rng, 15, 60);
      const bool blue = Chance(habit_rng, 0.4);
      plan.pen.ink_bgr[0] = blue ? Uniform(habit_rng, 120, 170) : plan.pen.ink_gray;
      plan.pen.ink_bgr[1] = blue ? Uniform(habit_rng, 30, 60) : plan.pen.ink_gray;
      plan.pen.ink_bgr[2] = blue ? Uniform(habit_rng, 10, 40) : plan.pen.ink_gray;
      plan.pen.opacity = Uniform(habit_rng, 0.9, 1.0);
    } else if (r < kHatchRate + kMarkerRate + kScribbleRate) {
      plan.style = MarkShape::kScribble;
    }
    plan.pen.pressure_model = Chance(habit_rng, kPressureModelRate);
  }

  // Respondent profile: a satisfaction bias (most people land on 4 "Hài lòng"), and diligence
  // (how often optional questions get an answer).
  const double bias = Normal(rng, 0.0, 0.55);
  const double diligence = Uniform(rng, 0.75, 0.99);
  // Rubbed-out answers of a pencil respondent: own stream, so the answers stay as they were.
  Rng erase_rng(Mix(seed, static_cast<std::uint64_t>(serial), 0xe7a5e));

  for (size_t fi = 0; fi < layout.fields.size(); ++fi) {
    const FieldLayout& f = layout.fields[fi];
    FieldPlan fp;
    fp.field = static_cast<int>(fi);
    const bool answered = Chance(rng, f.required ? 0.985 : diligence);
    const int n = static_cast<int>(f.options.size());
    std::vector<int> chosen;
    if (f.kind == core::FieldKind::kScale && n > 0 && answered) {
      double centre = 0.75 * (n - 1) + bias * (n - 1) / 4.0;
      int idx = static_cast<int>(std::lround(centre + Normal(rng, 0.0, 0.6) * (n - 1) / 4.0));
      chosen.push_back(std::clamp(idx, 0, n - 1));
    } else if (f.kind == core::FieldKind::kSingle && n > 0 && answered) {
      chosen.push_back(Weighted(rng, OptionWeights(f, seed)));
    } else if (f.kind == core::FieldKind::kMulti && n > 0 && answered) {
      int limit = f.max > 0 ? std::min(f.max, n) : n;
      static const double kCount[] = {0.45, 0.32, 0.18, 0.05};
      int k = 1 + std::discrete_distribution<int>(std::begin(kCount), std::end(kCount))(rng);
      k = std::min(k, limit);
      if (f.max > 0 && f.max < n && Chance(rng, 0.01)) k = f.max + 1;  // ignores "at most".
      auto w = OptionWeights(f, seed);
      while (static_cast<int>(chosen.size()) < k) {
        int c = Weighted(rng, w);
        w[c] = 0.0;
        chosen.push_back(c);
      }
      std::sort(chosen.begin(), chosen.end());
    }
    const bool box_kind = core::IsBoxKind(f.kind);
    if (box_kind && f.kind != core::FieldKind::kMulti && !chosen.empty() && n > 1 && Chance(rng, 0.01)) {
      // Spoiled answer: two boxes of a one-answer question.
      int other = (chosen[0] + UniformInt(rng, 1, n - 1)) % n;
      chosen.push_back(other);
    }
    for (int c : chosen) fp.marks.push_back({c, plan.style, true, false});
    if (box_kind && !chosen.empty() && static_cast<int>(chosen.size()) < n && Chance(rng, 0.02)) {
      // Correction: the respondent ticked a box, changed their mind, filled it solid, ticked
      // another one.
      std::vector<int> free;
      for (int i = 0; i < n; ++i)
        if (std::find(chosen.begin(), chosen.end(), i) == chosen.end()) free.push_back(i);
      int cancelled = free[UniformInt(rng, 0, static_cast<int>(free.size()) - 1)];
      fp.marks.front().correction = true;
      fp.marks.insert(fp.marks.begin(),
                      BoxMark{cancelled, plan.pen.pencil ? MarkShape::kErased : MarkShape::kCancelled, false, false});
    }
    if (plan.circles_labels && (f.kind == core::FieldKind::kSingle || f.kind == core::FieldKind::kMulti) &&
        fp.marks.size() == chosen.size())  // a correction is made in the boxes, as the form says
      for (BoxMark& m : fp.marks)
        if (!f.options[m.option].label_mm.empty()) m.shape = MarkShape::kLabelCircle;
    if (box_kind && plan.pen.pencil && fp.marks.size() == 1 && fp.marks.front().shape != MarkShape::kLabelCircle &&
        Chance(erase_rng, kErasedBlankRate)) {
      // Rubbed out and left blank: the question is unanswered.
      fp.marks.front().shape = MarkShape::kErased;
      fp.marks.front().selected = false;
    }

    if (f.kind == core::FieldKind::kDigits && !f.cells_mm.empty()) {
      // A phone number is optional and private: about half leave it out.
      const bool writes = IsPhone(f) && !f.required ? Chance(rng, 0.5) : answered;
      if (writes) {
        fp.mark = "digits";
        fp.written = DigitsAnswer(layout, f, plan.fields, rng);
        if (Chance(rng, 0.015)) {
          fp.crossed_cell = UniformInt(rng, 0, static_cast<int>(fp.written.size()) - 1);
          fp.crossed_digit = static_cast<char>('0' + (fp.written[fp.crossed_cell] - '0' + UniformInt(rng, 1, 9)) % 10);
        }
      }
    } else if (f.kind == core::FieldKind::kText) {
      PlanTextArea(f, plan.hand, rng, fp);
    }

    // Truth in the export schema.
    std::vector<int> selected;
    for (const auto& m : fp.marks)
      if (m.selected) selected.push_back(m.option);
    std::sort(selected.begin(), selected.end());
    switch (f.kind) {
      case core::FieldKind::kSingle:
      case core::FieldKind::kScale:
        fp.truth = selected.size() == 1 ? OptionValueJson(f.options[selected[0]]) : nlohmann::json();
        break;
      case core::FieldKind::kMulti:
        fp.truth = nlohmann::json::array();
        for (int s : selected) fp.truth.push_back(OptionValueJson(f.options[s]));
        break;
      case core::FieldKind::kDigits:
      case core::FieldKind::kText:
        // A dash or a stray is ink, not an answer.
        fp.truth = fp.mark == "digits" || fp.mark == "handwriting" ? nlohmann::json(fp.written) : nlohmann::json();
        break;
    }
    plan.fields.push_back(std::move(fp));
  }
  return plan;
}

nlohmann::json TruthEntry(const Layout& layout, const SheetPlan& plan) {
  nlohmann::json answers = nlohmann::json::object();
  for (const auto& fp : plan.fields) {
    const auto& f = layout.fields[fp.field];
    bool lost = !plan.Scanned(f.page);
    answers[f.id] = lost ? nlohmann::json() : fp.truth;
  }
  return nlohmann::json{{"serial", plan.serial},
                        {"template", layout.template_id},
                        {"unit", plan.unit.empty() ? nlohmann::json() : nlohmann::json(plan.unit)},
                        {"status", std::all_of(layout.pages.begin(), layout.pages.end(),
                                               [&](const auto& p) { return plan.Scanned(p.page); })
                                       ? "complete"
                                       : "incomplete"},
                        {"answers", std::move(answers)},
                        {"pending", nlohmann::json::array()}};
}

}  // namespace phieu::simulator
