// Copyright 2026 The Phiếu Authors
// SPDX-License-Identifier: Apache-2.0
#include "respondent.h"

#include <algorithm>
#include <cmath>
#include <numeric>

#include "rng.h"

namespace phieu::simulator {
namespace {

using templates::FieldLayout;
using templates::Layout;

// Short comments as people write them. ASCII only: the Hershey fonts cv::putText draws have
// no Vietnamese letters, so the diacritics are left out until a real handwriting source exists.
constexpr const char* kComments[] = {
    "Can bo nhiet tinh",       "Thu tuc con rom ra",     "Can rut ngan thoi gian",
    "Rat hai long",            "Phong cho chat",         "Nen co them ghe ngoi",
    "Huong dan ro rang",       "Tra ket qua dung hen",   "Khong co y kien",
    "Can cong khai phi",       "Thai do tot",            "Nen lam online",
};

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

std::string DigitsAnswer(const FieldLayout& f, Rng& rng) {
  const int cells = static_cast<int>(f.cells_mm.size());
  if (f.has_range && f.range_max >= f.range_min) {
    long v;
    if (f.range_min >= 1900 && f.range_max <= 2100) {
      v = f.range_max - UniformInt(rng, 18, 80);  // a year of birth: adults.
      v = std::clamp(v, f.range_min, f.range_max);
    } else {
      v = f.range_min + static_cast<long>(Uniform(rng, 0, 1) * (f.range_max - f.range_min + 1));
      v = std::min(v, f.range_max);
    }
    std::string s = std::to_string(v);
    if (static_cast<int>(s.size()) <= cells) return s;
  }
  std::string s;
  for (int i = 0; i < cells; ++i) s += static_cast<char>('0' + UniformInt(rng, 0, 9));
  return s;
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
  }
  return "tick";
}

const char* Pen::Name() const {
  if (pencil) return "pencil";
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

  // Respondent profile: a satisfaction bias (most people land on 4 "Hài lòng"), and diligence
  // (how often optional questions get an answer).
  const double bias = Normal(rng, 0.0, 0.55);
  const double diligence = Uniform(rng, 0.75, 0.99);

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
      fp.marks.insert(fp.marks.begin(), BoxMark{cancelled, MarkShape::kCancelled, false, false});
    }

    if (f.kind == core::FieldKind::kDigits && !f.cells_mm.empty() && answered) {
      fp.written = DigitsAnswer(f, rng);
    } else if (f.kind == core::FieldKind::kText && Chance(rng, 0.25)) {
      fp.written = kComments[UniformInt(rng, 0, static_cast<int>(std::size(kComments)) - 1)];
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
        fp.truth = fp.written.empty() ? nlohmann::json() : nlohmann::json(fp.written);
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
    bool lost = plan.missing_page != 0 && f.page == plan.missing_page;
    answers[f.id] = lost ? nlohmann::json() : fp.truth;
  }
  return nlohmann::json{{"serial", plan.serial},
                        {"template", layout.template_id},
                        {"unit", plan.unit.empty() ? nlohmann::json() : nlohmann::json(plan.unit)},
                        {"status", plan.missing_page ? "incomplete" : "complete"},
                        {"answers", std::move(answers)},
                        {"pending", nlohmann::json::array()}};
}

}  // namespace phieu::simulator
