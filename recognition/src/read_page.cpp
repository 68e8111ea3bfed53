// Copyright 2026 The Phiếu Authors
// SPDX-License-Identifier: Apache-2.0
#include <algorithm>
#include <cmath>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include <opencv2/imgproc.hpp>

#include "box_reader.h"
#include "ink_check.h"
#include "label_marks.h"
#include "page_lines.h"
#include "recognition/handwriting.h"
#include "patch_warp.h"
#include "show_through.h"
#include "recognition/recognition.h"

namespace phieu::recognition {
namespace {

/// A printed square counts as found when both its line pairs stand out from their
/// surroundings by at least this share of the page's paper-to-print contrast.
constexpr float kLocatedContrast = 0.3f;
/// A found square further than this from what its neighbours agree on is not trusted.
constexpr int kMaxDisagreementPx = 5;  // 0.6 mm
constexpr double kNeighbourRadiusMm = 60.0;
constexpr size_t kNeighbours = 8;
/// Padding around the boxes (or the field's area) shown to a reviewer.
constexpr double kCropPadMm = 2.0;
// Comb cells are read with this much paper around them (ReadDigits expects ~1 mm).
constexpr double kDigitCellMarginMm = 1.0;
constexpr double kTextAreaInsetMm = 1.0;

/// Show-through (show_through.h). A page shows its back side when the darkest tenth of its
/// boxes' paper under the back's mirrored print is this many gray levels darker than the rest
/// of it (median over at least kShowThroughBoxes boxes). Measured on the bench stacks (seed 5):
/// at most 0.33 on 120 pages without show-through, 1-5 on gray pages at 8% (0 on bilevel ones,
/// whose threshold drops the faint copy).
constexpr float kShowThroughSeen = 0.75f;
/// From this level on, the other side's own scan is asked for when the batch has it (duplex).
/// On the bench's duplex stacks it decides nothing under it (8% show-through: the same 2.71% of
/// questions to review at 0.75, 2 and 3; 15%: 2.77% at 0.75-3, 3.11% at 4), and costs a
/// quarter of the throughput there (8%: 28.9 pages/s at 0.75, 31.6 at 2, 34.1 at 3).
constexpr float kShowThroughScanned = 2.0f;
constexpr size_t kShowThroughBoxes = 3;
/// What of the back side is taken out of a box (ShowThroughLimits), as multiples of the page's
/// level: every pixel up to twice it (its print's copy is ~1-2x the level at its darkest), and
/// soft components up to ten times it (its fills and marker strokes; a stroke of this side,
/// however light, is sharp and stays)...
constexpr float kShowThroughFaint = 2.0f;
constexpr float kShowThroughSoft = 10.0f;
/// ...and never more than this share of the paper-to-print contrast: a light pencil stroke
/// reaches ~0.12-0.25 of it.
constexpr float kShowThroughCeilingMax = 0.2f;

/// A box the back side's copy made look marked is read empty without doubt unless the ink taken
/// out had a stroke's ridge (InkBlob::ridge at least this share of the page's `clear` level) and
/// a stroke's flanks (InkBlob::sharpness at least kShowThroughSureSharpness). Bench stacks
/// (seed 5): at 8% the copies of the back's text in a box reach a ridge of 0.048-0.055 (clear
/// 0.12); at 15% their ridges reach 0.06-0.19 but their sharpness stays 0.11-0.40 (70 boxes),
/// while light pencil ticks of the pressure model lying in a copy of the back's fill keep
/// 0.47-0.87.
constexpr float kShowThroughSureRidge = 0.5f;
/// With the back's own scan, a box the discount emptied still holds this much darkness
/// (share of the page's contrast) more than the back's copy accounts for: a light stroke of
/// this side that the copy's removal left under the reader's threshold. A person looks.
constexpr float kUnexplainedInk = 0.05f;
/// A stain darkens paper by up to half of its contrast to print (a fold's shadow too): a box whose
/// darkest ink goes past this share of the patch's paper-to-print range is marked by a pen or
/// pencil, whatever stain lies under it.
constexpr float kStainPeak = 0.6f;
/// Under this resolution (px per mm; 7 is ~180 dpi) a scan is coarse: see ReadPageBoxes.
constexpr double kCoarsePxPerMm = 7.0;
constexpr float kShowThroughSureSharpness = 0.42f;

/// A deep copy of a patch, ready to be cleaned while the original stays as measured.
BoxPatch CopyPatch(const BoxPatch& p) {
  BoxPatch c = p;
  c.gray = p.gray.clone();
  c.smooth = p.smooth.data == p.gray.data ? c.gray : p.smooth.clone();
  return c;
}

/// The paper level MeasureBox uses for a patch: its own median unless ink fills it.
float PatchPaper(const BoxPatch& p, const PageCalibration& cal) {
  return p.white < cal.white - 0.3f * (cal.white - cal.black) ? cal.white : p.white;
}

struct BoxRef {
  size_t field = 0;
  size_t option = 0;
  core::PointMm centre;
  BoxPatch patch;
  bool found = false;     ///< its own square was found.
  bool located = false;   ///< measured at a trusted position (own or neighbours').
  int dx = 0, dy = 0;     ///< found position minus predicted, px.
};

float Median(std::vector<float> v) {
  if (v.empty()) return 0.0f;
  auto mid = v.begin() + v.size() / 2;
  std::nth_element(v.begin(), mid, v.end());
  return *mid;
}

float Percentile(std::vector<float> v, double q) {
  if (v.empty()) return 0.0f;
  auto k = v.begin() + static_cast<long>(q * (v.size() - 1));
  std::nth_element(v.begin(), k, v.end());
  return *k;
}

double Dist2(core::PointMm a, core::PointMm b) {
  return (a.x - b.x) * (a.x - b.x) + (a.y - b.y) * (a.y - b.y);
}

/// Median shift (px at kPatchPxPerMm) of the nearest found boxes, excluding `self`.
/// Returns false when none is within reach.
template <typename Box>
bool NeighbourShift(const std::vector<Box>& boxes, core::PointMm at, const Box* self, int* dx,
                    int* dy, size_t* count) {
  std::vector<std::pair<double, const Box*>> near;
  for (const Box& b : boxes) {
    if (&b == self || !b.found) continue;
    double d2 = Dist2(b.centre, at);
    if (d2 <= kNeighbourRadiusMm * kNeighbourRadiusMm) near.push_back({d2, &b});
  }
  if (near.empty()) return false;
  size_t k = std::min(near.size(), kNeighbours);
  std::partial_sort(near.begin(), near.begin() + k, near.end(),
                    [](const auto& a, const auto& b) { return a.first < b.first; });
  std::vector<float> xs, ys;
  for (size_t i = 0; i < k; ++i) {
    xs.push_back(static_cast<float>(near[i].second->dx));
    ys.push_back(static_cast<float>(near[i].second->dy));
  }
  *dx = static_cast<int>(std::lround(Median(xs)));
  *dy = static_cast<int>(std::lround(Median(ys)));
  *count = k;
  return true;
}

/// How the respondent marks on this page. The form asks for a cross and says a correction is
/// a solid fill over it, but many people answer by filling the box: then a question holding
/// only a filled box is the rule, not the exception, and filled boxes are their answers.
/// A page is read that way when at least two questions hold a fill and nothing else, and such
/// questions are at least as many as those answered with crosses or ticks.
bool FillsAreMarks(const templates::Layout& layout, const std::vector<BoxDetail>& boxes) {
  std::map<size_t, std::pair<int, int>> per_field;  // field -> (marked, cancelled)
  for (const BoxDetail& b : boxes) {
    auto& [marked, cancelled] = per_field[b.field];
    marked += b.decision.state == BoxState::kMarked;
    cancelled += b.decision.state == BoxState::kCancelled;
  }
  int lone_fills = 0, crossed = 0;
  for (const auto& [field, counts] : per_field) {
    if (!core::IsBoxKind(layout.fields[field].kind)) continue;
    lone_fills += counts.first == 0 && counts.second > 0;
    crossed += counts.first > 0 && counts.second == 0;
  }
  return lone_fills >= 2 && lone_fills >= crossed;
}

/// A box read as marked with no doubt and at least kSureMark confidence: a mark the page's
/// other rules can lean on (the respondent's hand, a correction's evidence, a big cross's arms).
constexpr float kSureMark = 0.9f;
bool SureMark(const BoxDecision& d) {
  return d.state == BoxState::kMarked && d.doubt.empty() && d.confidence >= kSureMark;
}
/// A cancellation the reader is sure of: solid up to the box's edges, no doubt.
constexpr float kSureCancel = 0.95f;
bool SureCancel(const BoxDecision& d, float floor = kSureCancel) {
  return d.state == BoxState::kCancelled && d.doubt.empty() && d.confidence >= floor;
}

/// How this respondent corrects: at least one one-answer question holds one sure mark beside sure
/// cancellations (filled solid, no doubt: the form's correction), and no box question holds a
/// fill alone (no one answers by filling here). Then a sure fill beside marks in a question that
/// allows several answers is the same correction, not one more answer.
bool CorrectsByFilling(const templates::Layout& layout, const std::vector<BoxDetail>& boxes) {
  struct Counts {
    int marked = 0, unsure_marks = 0, cancelled = 0, unsure_cancels = 0;
  };
  std::map<size_t, Counts> per_field;
  for (const BoxDetail& b : boxes) {
    Counts& c = per_field[b.field];
    if (b.decision.state == BoxState::kMarked) {
      ++c.marked;
      c.unsure_marks += !SureMark(b.decision);
    } else if (b.decision.state == BoxState::kCancelled) {
      ++c.cancelled;
      c.unsure_cancels += !SureCancel(b.decision);
    }
  }
  int corrections = 0;
  for (const auto& [field, c] : per_field) {
    const templates::FieldLayout& f = layout.fields[field];
    if (!core::IsBoxKind(f.kind)) continue;
    if (c.marked == 0 && c.cancelled > 0) return false;  // a fill alone: perhaps an answer
    corrections += f.kind != core::FieldKind::kMulti && c.marked == 1 && c.unsure_marks == 0 && c.cancelled > 0 &&
                   c.unsure_cancels == 0;
  }
  return corrections >= 1;
}

/// A question holding nothing but a fill, or one heavy mark (more than half of its box solid):
/// the way a respondent who shades answers.
bool ShadedQuestion(const std::vector<BoxDecision>& decisions, const std::vector<const BoxMeasurement*>& measured) {
  int marked = 0, cancelled = 0, heavy = 0;
  for (size_t i = 0; i < decisions.size(); ++i) {
    marked += decisions[i].state == BoxState::kMarked;
    cancelled += decisions[i].state == BoxState::kCancelled;
    heavy += decisions[i].state == BoxState::kMarked && measured[i]->solid > 0.5f;
  }
  return (marked == 0 && cancelled > 0) || (marked == 1 && heavy == 1 && cancelled == 0);
}

/// How many box questions of the page are ShadedQuestion()s (as the box pass decided them).
int ShadedQuestions(const templates::Layout& layout, const std::vector<BoxDetail>& boxes) {
  std::map<size_t, std::pair<std::vector<BoxDecision>, std::vector<const BoxMeasurement*>>> per_field;
  for (const BoxDetail& b : boxes) {
    per_field[b.field].first.push_back(b.decision);
    per_field[b.field].second.push_back(&b.measurement);
  }
  int shaded = 0;
  for (const auto& [field, got] : per_field)
    shaded += core::IsBoxKind(layout.fields[field].kind) && ShadedQuestion(got.first, got.second);
  return shaded;
}

/// The respondent answers by shading: at least two questions of the page besides this one hold
/// only a fill or a heavy mark.
bool ShadesAnswers(int shaded_on_page, const std::vector<BoxDecision>& decisions,
                   const std::vector<const BoxMeasurement*>& measured) {
  return shaded_on_page - (ShadedQuestion(decisions, measured) ? 1 : 0) >= 2;
}

/// A fill solid enough to be a cancellation whatever the rest of the page says: blacked out
/// over the whole box (every ninth of it).
constexpr float kBlackedOutSolid = 0.93f;
constexpr float kBlackedOutCell = 0.8f;
constexpr float kBlackedOutRim = 0.6f;
bool BlackedOut(const BoxMeasurement& m) {
  return m.solid >= kBlackedOutSolid && m.min_cell_solid >= kBlackedOutCell && m.rim_solid >= kBlackedOutRim;
}
/// Confidence given to a heavy mark read as the answer because it is alone in its question.
constexpr float kLoneHeavyMark = 0.9f;

/// Shading, hatching, a felt-pen cross or a scribble is often taken for a cancellation (a box
/// filled in solid) or doubted as one. The form defines a cancellation as a fill over a mark
/// being replaced: it sits beside another mark in the question. So in a question where no box
/// holds an ordinary mark, its fills are the respondent's answers, and a lone mark doubted only
/// for being heavy is the answer. The exception is a box blacked out completely, up to its
/// edges, by a respondent who does not answer by shading (fewer than two OTHER questions of the
/// page hold only a fill or a heavy mark: `shades_answers`, ShadesAnswers): that is what the form calls a
/// cancellation, and its replacement may have been missed, so a person looks.
void ReadHeavyMarksAlone(std::vector<BoxDecision>& decisions, const std::vector<const BoxMeasurement*>& measured,
                         bool shades_answers) {
  int marked = 0, cancelled = 0;
  for (const BoxDecision& d : decisions) {
    marked += d.state == BoxState::kMarked;
    cancelled += d.state == BoxState::kCancelled;
  }
  auto answer = [](BoxDecision& d) {
    if (d.doubt == "box_under_stain") return;  // nothing under the blot shows: a person looks
    d.state = BoxState::kMarked;
    d.confidence = d.outline_missing ? std::min(kLoneHeavyMark, 0.7f) : kLoneHeavyMark;
    d.doubt.clear();
  };
  if (marked == 0 && cancelled > 0) {
    int blacked = 0;
    for (size_t i = 0; i < decisions.size(); ++i) {
      if (decisions[i].state != BoxState::kCancelled) continue;
      const bool blacked_out = BlackedOut(*measured[i]);
      if (blacked_out && !shades_answers) return;  // a cancellation as the form defines it
      blacked += blacked_out;
    }
    // A box blacked out to its edges beside a lighter fill (hatching, shading) in the same
    // question: the respondent answers by shading and corrected by blacking out, the way the
    // form says. The blacked-out box stays a cancellation, the shading is the answer.
    for (size_t i = 0; i < decisions.size(); ++i)
      if (decisions[i].state == BoxState::kCancelled && (blacked == cancelled || !BlackedOut(*measured[i])))
        answer(decisions[i]);
  } else if (cancelled == 0 && (marked == 1 || (marked > 1 && shades_answers))) {
    // Alone in its question: a mark doubted only for being heavy, or a near-fill read as a mark
    // because this page is answered by filling (a broad marker's cross inside the box), is
    // the answer. So are such marks beside each other, from a respondent who shades (in a
    // one-answer question two of them still go to a person as two marks).
    for (BoxDecision& d : decisions)
      if (d.state == BoxState::kMarked && (d.doubt == "heavy_mark" || d.doubt == "box_nearly_filled")) answer(d);
  }
}

/// This respondent's pen or pencil, from the page's sure ordinary marks (marked with no doubt,
/// not a shading): the median ridge (InkBlob::ridge, the stroke's own darkness, hardly moved by
/// grain) and the median sharpness (InkBlob::sharpness: how steep a stroke's flanks are, which a
/// light stroke keeps and a smear of rubbed-out graphite does not). Zeros when fewer than
/// kHandMarks marks say so.
constexpr size_t kHandMarks = 3;
struct Hand {
  float ridge = 0.0f;
  float sharpness = 0.0f;
  float length = 0.0f;  ///< median stroke_mm: a dotting respondent's marks are short
  float ink = 0.0f;     ///< median BoxMeasurement::ink: how much of a box their mark covers
};
float Ridge(const BoxMeasurement& m) { return std::max(m.mark_ridge, m.stroke_ridge); }
float Sharpness(const BoxMeasurement& m) { return std::max(m.mark_sharpness, m.stroke_sharpness); }
Hand HandOf(const std::vector<BoxDetail>& boxes) {
  std::vector<float> ridges, sharpness, lengths, inks;
  for (const BoxDetail& b : boxes)
    if (SureMark(b.decision) && b.measurement.solid < 0.5f && b.measurement.ink > 0.0f) {
      ridges.push_back(Ridge(b.measurement));
      sharpness.push_back(Sharpness(b.measurement));
      lengths.push_back(b.measurement.stroke_mm);
      inks.push_back(b.measurement.ink);
    }
  if (ridges.size() < kHandMarks) return {};
  return {Median(ridges), Median(sharpness), Median(lengths), Median(inks)};
}

/// A light mark (darkest point under kSmearPeak) whose flanks are far gentler than this
/// respondent's own strokes (under kSmearSharpness of the hand's) is a smear: a rubbed-out
/// answer, a smudge of graphite. Seen, never accepted as an answer (faint_smudge).
constexpr float kSmearPeak = 0.45f;
/// Under this share of the inner area inked, a box marked at all is marked by a loop around it.
constexpr float kCircleOnlyInk = 0.02f;
constexpr float kSmearSharpness = 0.7f;
void DoubtSmears(std::vector<BoxDecision>& decisions, const std::vector<const BoxMeasurement*>& measured,
                 const Hand& hand) {
  if (hand.sharpness <= 0.0f) return;
  for (size_t i = 0; i < decisions.size(); ++i) {
    const BoxMeasurement& m = *measured[i];
    BoxDecision& d = decisions[i];
    // A loop drawn around the box leaves its inside empty: it is read by the ink around it.
    if (d.state != BoxState::kMarked || m.ink < kCircleOnlyInk || m.mark_peak >= kSmearPeak || m.solid >= 0.5f)
      continue;
    const float sharp = Sharpness(m);
    if (sharp <= 0.0f || sharp >= kSmearSharpness * hand.sharpness) continue;
    d.confidence = std::min(d.confidence, 0.6f);
    d.doubt = "faint_smudge";
    d.light = false;
  }
}

/// A light mark is doubted because it is not clearly darker than what show-through or rubbed-out
/// graphite leaves. But a respondent who marks lightly (a soft pencil pressed gently, a dry pen)
/// makes every mark of the sheet that way: a faint mark alone in its question, every other box
/// surely empty, whose stroke is at least this share as dark as the respondent's own sure marks
/// on the page, is that respondent's answer. Show-through of a mark on the back reaches 8-15% of
/// its darkness, and lies beside the answer of a question that was answered (two marks, which a
/// person still sees). Its flanks must be nearly as steep as the hand's (kSmearSharpness of
/// them): a light stroke of the same pencil keeps them, a rubbed-out answer does not.
constexpr float kFaintInHand = 0.4f;
constexpr float kFaintInHandConfidence = 0.85f;
/// ...and it is no speck: its longest component reaches this length (a pencil dot is 1.2 mm).
constexpr float kFaintInHandMm = 1.0f;
/// A mark doubted for being small rather than light (a pen touch is as short as a dot) is read
/// the same way when it is as long as this share of the respondent's own sure marks: a
/// respondent who answers with dots makes every answer a dot, and a stray touch beside a
/// ticking respondent's answers stays with a person.
constexpr float kSmallInHand = 0.6f;
void ReadFaintMarksInHand(std::vector<BoxDecision>& decisions, const std::vector<const BoxMeasurement*>& measured,
                          const Hand& hand, float review_below) {
  if (hand.ridge <= 0.0f) return;
  BoxDecision* faint = nullptr;
  for (size_t i = 0; i < decisions.size(); ++i) {
    BoxDecision& d = decisions[i];
    if (d.state == BoxState::kMarked && d.doubt == "faint_mark" && !d.outline_missing && !d.crossed &&
        measured[i]->stroke_mm >= kFaintInHandMm &&
        (d.light || measured[i]->stroke_mm >= kSmallInHand * hand.length)) {
      if (faint || Ridge(*measured[i]) < kFaintInHand * hand.ridge ||
          Sharpness(*measured[i]) < kSmearSharpness * hand.sharpness)
        return;
      faint = &d;
    } else if (d.state != BoxState::kEmpty || !d.doubt.empty() || d.confidence < review_below || d.outline_missing) {
      return;  // something else in the question: the rules and a person decide
    }
  }
  if (!faint) return;
  faint->confidence = std::max(faint->confidence, kFaintInHandConfidence);
  faint->doubt.clear();
}

/// A pencil correction the respondent's way: the old answer rubbed out (a smear, `faint_smudge`:
/// flanks far gentler than the hand's strokes, or than any pen stroke) and the new one marked
/// surely beside it. In a one-answer question holding one sure ordinary mark, smears in its
/// other boxes are what is left of answers taken back: read empty, as a person reads them at a
/// glance. A smear alone in its question, or beside a doubtful mark, still goes to a person.
constexpr float kRubbedOut = 0.85f;
void ReadRubbedOutCorrections(const templates::FieldLayout& field, std::vector<BoxDecision>& decisions,
                              const std::vector<const BoxMeasurement*>& measured) {
  if (field.kind == core::FieldKind::kMulti) return;
  int sure = 0, smears = 0;
  for (size_t i = 0; i < decisions.size(); ++i) {
    const BoxDecision& d = decisions[i];
    if (d.state == BoxState::kEmpty && d.doubt.empty()) continue;
    if (d.state != BoxState::kCancelled && d.doubt == "faint_smudge" && !d.outline_missing) {
      ++smears;
    } else if (SureMark(d) && measured[i]->ink >= kCircleOnlyInk) {
      ++sure;
    } else {
      return;  // something else in the question: the rules and a person decide
    }
  }
  if (sure != 1 || smears == 0) return;
  for (BoxDecision& d : decisions)
    if (d.doubt == "faint_smudge") {
      d.state = BoxState::kEmpty;
      d.confidence = kRubbedOut;
      d.doubt.clear();
    }
}

/// A loop drawn around a box is told by ink around it in nearly every direction. On a grainy or
/// streaked stretch of a bilevel scan the speckle around every box does the same, and so do the
/// arms of a big cross in the next box reaching over the gap. In a one-answer question holding
/// one sure ordinary mark (ink inside its box), a "circle" around an otherwise empty box is read
/// as empty when it stands out no more than kCircleStandsOut (share of directions) from the
/// question's other boxes (speckle), or when it is only a possible one (`circled_box`: ink
/// around part of the box) and the sure mark's box is next to it (centres under
/// kArmsReachMm apart: a cross 2-3 mm past its box reaches that box's surroundings).
/// With several answers allowed, only the arms are told: a possible circle next to a box that
/// holds a sure mark (a big cross, or a sure loop whose ink reaches past its box) is that mark's
/// ink; a loop drawn around a box on purpose is read as a sure one and stays.
/// The sure mark may be another question's: in a grid whose rows are 8 mm apart a big cross
/// reaches round the boxes of the rows above and below (`sure_elsewhere`: the page's boxes
/// holding a sure mark, as the box pass read them, with their field).
constexpr float kCircleStandsOut = 0.25f;
constexpr double kArmsReachMm = 9.0;
struct SureBox {
  size_t field;
  core::RectMm box_mm;
};
double CentresApart(const core::RectMm& a, const core::RectMm& b) {
  return std::hypot(b.x + b.w / 2 - a.x - a.w / 2, b.y + b.h / 2 - a.y - a.h / 2);
}
void DropBackgroundCircles(const templates::FieldLayout& field, size_t field_index,
                           const std::vector<SureBox>& sure_elsewhere, std::vector<BoxDecision>& decisions,
                           const std::vector<const BoxMeasurement*>& measured) {
  auto circle_only = [&](size_t i) {
    return decisions[i].state == BoxState::kMarked && measured[i]->ink < kCircleOnlyInk &&
           measured[i]->mark_mm2 < 0.15f;
  };
  auto apart = [&](size_t i, size_t j) { return CentresApart(field.options[i].box_mm, field.options[j].box_mm); };
  auto arms_from_elsewhere = [&](size_t c) {
    return std::any_of(sure_elsewhere.begin(), sure_elsewhere.end(), [&](const SureBox& s) {
      return s.field != field_index && CentresApart(s.box_mm, field.options[c].box_mm) < kArmsReachMm;
    });
  };
  if (field.kind == core::FieldKind::kMulti) {
    std::vector<size_t> sure_marks, arms;
    for (size_t i = 0; i < decisions.size(); ++i) {
      if (SureMark(decisions[i])) sure_marks.push_back(i);
      else if (circle_only(i) && decisions[i].doubt == "circled_box")
        arms.push_back(i);
    }
    for (size_t c : arms)
      if (arms_from_elsewhere(c) ||
          std::any_of(sure_marks.begin(), sure_marks.end(), [&](size_t m) { return apart(c, m) < kArmsReachMm; })) {
        decisions[c].state = BoxState::kEmpty;
        decisions[c].confidence = 0.9f;
        decisions[c].doubt.clear();
      }
    return;
  }
  int sure = -1;
  std::vector<size_t> circles;
  for (size_t i = 0; i < decisions.size(); ++i) {
    const BoxDecision& d = decisions[i];
    if (circle_only(i)) {
      circles.push_back(i);
    } else if (d.state == BoxState::kMarked) {
      if (sure >= 0 || !SureMark(d)) return;
      sure = static_cast<int>(i);
    } else if (d.state == BoxState::kCancelled) {
      return;
    }
  }
  if (sure < 0 || circles.empty()) return;
  for (size_t c : circles) {
    const bool arms = decisions[c].doubt == "circled_box" &&
                      (apart(c, static_cast<size_t>(sure)) < kArmsReachMm || arms_from_elsewhere(c));
    if (arms) continue;
    std::vector<float> others;
    for (size_t i = 0; i < decisions.size(); ++i)
      if (i != c && static_cast<int>(i) != sure) others.push_back(measured[i]->circle_coverage);
    if (!others.empty() && measured[c]->circle_coverage - Median(others) >= kCircleStandsOut) return;
  }
  for (size_t c : circles) {
    decisions[c].state = BoxState::kEmpty;
    decisions[c].confidence = 0.9f;
    decisions[c].doubt.clear();
  }
}

/// A correction's remaining mark is accepted from this confidence and this share of the box
/// inked up (ordinary marks from ReadOptions::review_below): the whole answer rests on it. On
/// the bench and probe stacks a real replacement cross or tick inks 16% or more of the box; a
/// stain's edge clipping a corner, 5-10%.
/// When every fill of the question is a sure cancellation (from kSureCancel: solid up to the
/// box's edges), the correction is plain: the remaining mark is then judged as it would be
/// alone in its question (from ReadOptions::review_below; a heavy replacement, hatching or a
/// felt-pen cross, keeps a confidence of 0.8-0.9 for its solid share), still with
/// kSureReplacementInk of the box inked.
constexpr float kSureReplacement = 0.99f;
constexpr float kSureReplacementInk = 0.12f;
/// In a list, a fill taken for the page's way of correcting (CorrectsByFilling) must be surer.
constexpr float kSureCancelInList = 0.99f;
/// What the box reader gives a loop it is sure of (DecideBox).
constexpr float kSureLoop = 0.95f;
/// A mark inking this share of its box covers it like a fill; a mark inking at most kLighterInk
/// of that share covers clearly less (a cross inks 15-60% of its box, hatching 80-95%).
constexpr float kCoveredInk = 0.8f;
constexpr float kLighterInk = 0.65f;

/// Applies the question's rules to its box readings (fills already read as marks on a page
/// answered by filling).
/// `ink_beside`: pen strokes lie near the answers outside the boxes (InkBesideBoxes; only
/// looked for when no box is marked or cancelled).
void ApplyBoxRules(const templates::FieldLayout& field, const std::vector<BoxDecision>& decisions,
                   const std::vector<const BoxMeasurement*>& measured, const std::vector<LabelMark>& labels,
                   bool ink_beside, bool corrects_by_filling, bool shades_answers, const Hand& hand,
                   const ReadOptions& options, FieldReading& out) {
  std::vector<core::ReviewReason> reasons;
  std::vector<core::ReviewReason> remark;  // kept with an accepted reading
  auto count = [](int n) { return std::vector<std::pair<std::string, std::string>>{{"count", std::to_string(n)}}; };
  auto box = [&](size_t i) { return std::vector<std::pair<std::string, std::string>>{{"box", field.options[i].value}}; };
  float confidence = 1.0f;
  int marked = 0, cancelled = 0;
  bool faint_anywhere = false;
  for (size_t i = 0; i < decisions.size(); ++i) {
    const BoxDecision& d = decisions[i];
    confidence = std::min(confidence, d.confidence);
    if (d.state == BoxState::kMarked) {
      ++marked;
      out.selected.push_back(field.options[i].value);
    }
    if (d.state == BoxState::kCancelled) ++cancelled;
    if (d.confidence < options.review_below) {
      if (!d.doubt.empty()) reasons.push_back({d.doubt, box(i)});
      if (d.outline_missing) reasons.push_back({"box_not_found", box(i)});
      if (d.doubt.empty() && !d.outline_missing) reasons.push_back({"box_uncertain", box(i)});
    }
    if (!d.doubt.empty() || d.outline_missing) faint_anywhere = true;
  }
  const bool one_answer = field.kind != core::FieldKind::kMulti;
  if (one_answer && marked >= 2) {
    reasons.push_back({"two_marks_single", count(marked)});
    confidence = std::min(confidence, 0.5f);
  }
  if (!one_answer && field.max > 0 && marked > field.max) {
    reasons.push_back({"over_max", {{"count", std::to_string(marked)}, {"max", std::to_string(field.max)}}});
    confidence = std::min(confidence, 0.5f);
  }
  if (one_answer && marked == 1 && cancelled > 0) {
    // A correction: the answer is now the one mark left, so it must be a sure one. A faint
    // replacement (a light tick, or a stain's edge crossing an empty box) beside the filled
    // box goes to a person, who may well find the fill was the answer.
    const bool plain = std::all_of(decisions.begin(), decisions.end(), [](const BoxDecision& d) {
      return d.state != BoxState::kCancelled || SureCancel(d);
    });
    const float sure = plain ? options.review_below : kSureReplacement;
    // A sure loop around the new answer's box leaves the box itself empty: beside a plain
    // correction it is as clear a replacement as a cross inside the box. Only a loop that
    // stands out from the question's other boxes (not the speckle of a grainy stretch,
    // DropBackgroundCircles) and lies beyond the reach of the filled-over mark's arms.
    auto loop = [&](size_t i) {
      if (!plain || !decisions[i].doubt.empty() || decisions[i].confidence < kSureLoop ||
          out.boxes[i].ink >= kCircleOnlyInk)
        return false;
      std::vector<float> others;
      for (size_t j = 0; j < decisions.size(); ++j) {
        if (decisions[j].state == BoxState::kCancelled &&
            CentresApart(field.options[i].box_mm, field.options[j].box_mm) < kArmsReachMm)
          return false;
        if (j != i && decisions[j].state == BoxState::kEmpty) others.push_back(measured[j]->circle_coverage);
      }
      return others.empty() || measured[i]->circle_coverage - Median(others) >= kCircleStandsOut;
    };
    for (size_t i = 0; i < decisions.size(); ++i)
      if (decisions[i].state == BoxState::kMarked && !loop(i) &&
          (decisions[i].confidence < sure || out.boxes[i].ink < kSureReplacementInk)) {
        reasons.push_back({"faint_replacement", box(i)});
        confidence = std::min(confidence, 0.6f);
      }
  }
  const bool sure_cancels = std::all_of(decisions.begin(), decisions.end(), [](const BoxDecision& d) {
    return d.state != BoxState::kCancelled || SureCancel(d, kSureCancelInList);
  });
  // A box covered like a fill but read as a mark (hatching, or a fill a bilevel scan broke up)
  // beside a mark of the same list that covers clearly less, from a respondent whose marks
  // elsewhere cover clearly less too and who answers nowhere by shading: as likely the
  // correction as one more answer.
  int covered = 0;
  if (!one_answer && !shades_answers && hand.ink > 0.0f)
    for (size_t i = 0; i < decisions.size(); ++i) {
      const float ink = measured[i]->ink;
      if (decisions[i].state != BoxState::kMarked || ink < kCoveredInk || hand.ink > kLighterInk * ink) continue;
      for (size_t j = 0; j < decisions.size(); ++j)
        if (decisions[j].state == BoxState::kMarked && measured[j]->ink <= kLighterInk * ink) {
          ++covered;
          break;
        }
    }
  if (!one_answer && marked > 0 && cancelled > 0 && !(corrects_by_filling && sure_cancels)) {
    // In a one-answer question a fill beside a cross can only be the correction the form
    // describes; with several answers allowed it may as well be one more choice, unless this
    // respondent corrects that way elsewhere on the page and answers no question by filling.
    reasons.push_back({"fill_beside_cross", count(cancelled)});
    confidence = std::min(confidence, 0.5f);
  } else if (covered > 0) {
    reasons.push_back({"fill_beside_cross", count(covered)});
    confidence = std::min(confidence, 0.5f);
  }
  for (size_t i = 0; i < decisions.size() && i < labels.size(); ++i) {
    if (decisions[i].state != BoxState::kEmpty) continue;
    // The respondent circled or marked the option's text: perhaps the answer, but the box says
    // nothing, so a person decides. A loop is a deliberate choice wherever it is; a lesser mark
    // (a cross, a tick, a word, a stray line) only matters when no box holds an answer.
    if (labels[i].circled)
      reasons.push_back({"label_circled", {{"option", field.options[i].value}}});
    else if (labels[i].pen_mark && marked == 0)
      reasons.push_back({"label_marked", {{"option", field.options[i].value}}});
    else
      continue;
    confidence = std::min(confidence, 0.5f);
  }
  if (marked == 0 && cancelled > 0) {
    reasons.push_back({"cancelled_no_replacement", {}});
    confidence = std::min(confidence, 0.5f);
  } else if (marked == 0 && field.required) {
    // The template says an answer is expected. A blank may hide a missed light mark, or an
    // answer given beside the boxes: then a person looks. A question left plainly blank (every
    // box surely empty, no ink around them) is the respondent's answer, and a reviewer could
    // only confirm it: it is recorded as unanswered and counted (status, export), not queued.
    if (faint_anywhere)
      reasons.push_back({"required_blank_faint", {}});
    else if (options.review_blank_required || !reasons.empty())  // e.g. beside a circled text
      reasons.push_back({"required_blank", {}});
    else if (ink_beside)
      reasons.push_back({"required_blank_ink_beside", {}});
    else
      remark.push_back({"required_left_blank", {}});
  } else if (marked == 0 && ink_beside && reasons.empty()) {
    // An optional question with no box marked, but a stroke beside the boxes: a tick that
    // landed on a box's edge or beside it, or a stray. Taken as blank it could lose an answer.
    reasons.push_back({"ink_beside_boxes", {}});
  }
  if (marked == 0 && ink_beside) confidence = std::min(confidence, 0.5f);
  out.confidence = confidence;
  out.needs_review = !reasons.empty();
  out.reasons = out.needs_review ? std::move(reasons) : std::move(remark);
  out.reason = ReasonText(out.reasons);
}

}  // namespace

PageBoxes ReadPageBoxes(const cv::Mat& scan_gray, const cv::Matx33d& mm_to_px,
                        const templates::Layout& layout, int page_no, const OtherSideSource& other_side) {
  // Pass 1: locate every printed square of the page.
  std::vector<BoxRef> boxes;
  for (size_t fi = 0; fi < layout.fields.size(); ++fi) {
    const templates::FieldLayout& f = layout.fields[fi];
    if (f.page != page_no || !core::IsBoxKind(f.kind)) continue;
    for (size_t oi = 0; oi < f.options.size(); ++oi) {
      const core::RectMm& b = f.options[oi].box_mm;
      BoxRef ref{fi, oi, {b.x + b.w / 2, b.y + b.h / 2}, LocateBox(scan_gray, mm_to_px, b)};
      ref.dx = ref.patch.x - ref.patch.nominal_x;
      ref.dy = ref.patch.y - ref.patch.nominal_y;
      boxes.push_back(std::move(ref));
    }
  }

  // Page calibration: paper from the patches' medians, print black from the lines found.
  PageCalibration cal;
  if (!boxes.empty()) {
    std::vector<float> whites, blacks;
    for (const BoxRef& b : boxes) whites.push_back(b.patch.white), blacks.push_back(b.patch.line_gray);
    cal.white = Median(whites);
    cal.black = std::min(Median(blacks), cal.white - 40.0f);
  }
  const float contrast = cal.white - cal.black;
  for (BoxRef& b : boxes)
    b.found = std::min(b.patch.contrast_x, b.patch.contrast_y) >= kLocatedContrast * contrast;

  // Local registration is smooth across the page: a square not found (scribbled over) or
  // found where its neighbours disagree is measured where the neighbours put it. Decided on
  // the positions as found, before any is moved.
  std::vector<std::pair<int, int>> place(boxes.size(), {0, 0});
  std::vector<char> move(boxes.size(), 0);
  for (size_t i = 0; i < boxes.size(); ++i) {
    BoxRef& b = boxes[i];
    int dx = 0, dy = 0;
    size_t count = 0;
    bool have = NeighbourShift(boxes, b.centre, &b, &dx, &dy, &count);
    if (b.found) {
      b.located = true;
      if (have && count >= 3 && std::max(std::abs(b.dx - dx), std::abs(b.dy - dy)) > kMaxDisagreementPx)
        place[i] = {dx, dy}, move[i] = 1;
    } else {
      place[i] = have ? std::pair{dx, dy} : std::pair{0, 0};
      move[i] = 1;
      b.located = have;
    }
  }
  for (size_t i = 0; i < boxes.size(); ++i)
    if (move[i]) {
      PlaceBox(boxes[i].patch, place[i].first, place[i].second);
      boxes[i].found = false;  // its shift is no evidence for its neighbours.
    }

  // Noise floor from the quieter boxes (most boxes on a form are empty).
  std::vector<float> peaks;
  if (!boxes.empty()) {
    std::vector<float> sig;
    for (const BoxRef& b : boxes) {
      sig.push_back(b.patch.inner_sigma);
      float white = b.patch.white;
      if (white < cal.white - 0.3f * contrast) white = cal.white;
      peaks.push_back(std::clamp((white - b.patch.inner_min) / std::max(white - cal.black, 40.0f), 0.0f, 1.0f));
    }
    cal.noise = Percentile(sig, 0.3) / contrast;
  } else {
    cal.noise = 0.02f;
  }
  cal.ink_threshold = std::clamp(5.0f * cal.noise, 0.10f, 0.30f);
  CalibrateThresholds(cal, peaks);

  PageBoxes out;
  out.calibration = cal;
  // The leaf's other side (show_through.h): where the layout puts its print and marks,
  // mirrored, and how strongly this page shows it, measured once a box needs it.
  BackSide back = MirrorBackSide(layout, page_no);
  bool asked_other_side = false;  // its own scan, in a duplex batch: asked for once
  const bool coarse = LocalPxPerMm(mm_to_px, {105.0, 148.5}) < kCoarsePxPerMm;
  std::optional<float> level;
  auto show_through_level = [&] {
    if (!level) {
      std::vector<float> seen;
      for (const BoxRef& b : boxes) {
        const float paper = PatchPaper(b.patch, cal);
        if (paper - b.patch.inner_min > kShowThroughCeilingMax * contrast) continue;  // ink of this side
        const core::RectMm& box_mm = layout.fields[b.field].options[b.option].box_mm;
        if (auto g = GhostContrast(b.patch, box_mm, back, paper)) seen.push_back(*g);
      }
      level = seen.size() >= kShowThroughBoxes ? Median(seen) : 0.0f;
      out.show_through = *level;
    }
    return *level;
  };
  cv::Size2d page_mm(210.0, 297.0);
  if (const auto* pl = layout.FindPage(page_no); pl && pl->width_mm > 0) page_mm = {pl->width_mm, pl->height_mm};
  // Creases and slanted streaks found at some box, in page mm: a line straight across the page
  // passes other boxes too, where a row of option text along it may hide it from the test for
  // a line carrying on beyond one box's patch.
  std::vector<CrossingLine> page_lines;
  auto patch_to_mm = [](const core::RectMm& box_mm, cv::Point2d q) {
    return cv::Point2d(box_mm.x - kPatchMarginMm, box_mm.y - kPatchMarginMm) + (q + cv::Point2d(0.5, 0.5)) * (1.0 / kPatchPxPerMm);
  };
  // Takes `line` out of a copy of the box's patch (`clean`) and reads the box again from it.
  auto discount = [&](const BoxRef& b, BoxDetail& d, const CrossingLine& line, BoxPatch& clean) {
    clean = CopyPatch(b.patch);
    DiscountLine(clean, line);
    d.measurement = MeasureBox(clean, cal);
    d.decision = DecideBox(d.measurement, cal, b.located);
    d.decision.crossed = true;
    if (d.decision.state == BoxState::kEmpty && d.decision.confidence < 0.9f && d.decision.doubt == "faint_ink")
      d.decision.doubt = "crease_through_box";
  };
  for (const BoxRef& b : boxes) {
    BoxDetail d;
    d.field = b.field;
    d.option = b.option;
    d.centre = b.centre;
    d.found = b.found;
    d.located = b.located;
    d.dx = b.patch.x - b.patch.nominal_x;
    d.dy = b.patch.y - b.patch.nominal_y;
    d.measurement = MeasureBox(b.patch, cal);
    d.decision = DecideBox(d.measurement, cal, b.located);
    const core::RectMm& box_mm = layout.fields[b.field].options[b.option].box_mm;
    BoxPatch clean;  // the patch with a crease or the back side taken out, once needed
    if (d.decision.state != BoxState::kEmpty || !d.decision.doubt.empty()) {
      // Something in the box: if it is a fold's crease or a streak running across the page,
      // take its darkness out and read the box again.
      CrossingLine line;
      if (FindCrossingLine(b.patch, cal, scan_gray, mm_to_px, box_mm, page_mm, &line)) {
        discount(b, d, line, clean);
        const cv::Point2d at = patch_to_mm(box_mm, line.point);
        if (std::none_of(page_lines.begin(), page_lines.end(), [&](const CrossingLine& l) {
              return std::abs(l.dir.dot(line.dir)) > 0.9995 && std::abs((at - l.point).dot(cv::Point2d(-l.dir.y, l.dir.x))) < 1.0;
            }))
          page_lines.push_back({at, line.dir});
      }
    }
    if (!d.decision.crossed && (d.decision.state != BoxState::kEmpty || !d.decision.doubt.empty())) {
      // Perhaps the edge of a stain: take the stain out and read the box again.
      // Only a reading a stain could make is worth levelling: ink no darker than a stain gets,
      // or in doubt. A blot gone black is looked for under any reading.
      const BoxMeasurement& m = d.measurement;
      const bool weak = !d.decision.doubt.empty() || d.decision.confidence < kSureMark ||
                        std::max(m.mark_peak, m.stroke_peak) < kStainPeak;
      BoxPatch levelled;
      Stain stain = Stain::kNone;
      if (weak) {
        levelled = CopyPatch(b.patch);
        stain = DiscountStain(levelled, cal);
      } else if (BlotOverBox(b.patch, cal)) {
        stain = Stain::kHidden;
      }
      if (stain == Stain::kLevelled) {
        clean = std::move(levelled);
        d.measurement = MeasureBox(clean, cal);
        d.decision = DecideBox(d.measurement, cal, b.located);
      } else if (stain == Stain::kHidden) {
        d.decision.confidence = std::min(d.decision.confidence, 0.5f);
        d.decision.doubt = "box_under_stain";
      }
    }
    if (!back.empty() && (d.decision.state != BoxState::kEmpty || !d.decision.doubt.empty())) {
      // Perhaps the other side of the leaf showing through: take out what of it lies in the
      // patch, up to what this page's show-through can reach, and read the box again.
      const float level = show_through_level();
      if (level >= kShowThroughSeen) {
        if (!asked_other_side && other_side && level >= kShowThroughScanned) {
          asked_other_side = true;
          if (auto other = other_side(back.page))
            AddScannedBack(back, *other, scan_gray, mm_to_px, page_mm, kShowThroughCeilingMax * contrast);
        }
        const bool scanned = !back.scanned_dark.empty();
        if (clean.gray.empty()) clean = CopyPatch(b.patch);
        // As before the discount, for the layout's word on a coarse scan.
        BoxPatch unseen = scanned && coarse ? CopyPatch(clean) : BoxPatch();
        const float top = kShowThroughCeilingMax * contrast;
        const ShowThroughLimits limits{std::min(kShowThroughFaint * level, top), std::min(kShowThroughSoft * level, top)};
        float unexplained = -1.0f;
        if (DiscountShowThrough(clean, box_mm, back, PatchPaper(clean, cal), limits, &unexplained)) {
          const BoxMeasurement seen = d.measurement;
          const BoxDecision before = d.decision;
          d.measurement = MeasureBox(clean, cal);
          d.decision = DecideBox(d.measurement, cal, b.located);
          d.decision.crossed = before.crossed;
          // Emptied: sure only when what was taken out never had the ridge of a stroke. A light
          // pencil tick keeps one however it merged with the copy around it; then a person looks.
          const float ridge = kShowThroughSureRidge * cal.clear;
          const bool stroke_like = (seen.mark_ridge >= ridge && seen.mark_sharpness >= kShowThroughSureSharpness) ||
                                   (seen.stroke_ridge >= ridge && seen.stroke_sharpness >= kShowThroughSureSharpness);
          if (before.state != BoxState::kEmpty && d.decision.state == BoxState::kEmpty) {
            if (unexplained >= kUnexplainedInk * contrast) {
              // With the back's own scan: darkness its copy does not account for is this
              // side's (a light stroke, a rubbed-out answer). The box is read as if nothing of
              // the back were in it, and the page's rules for faint marks and smears decide.
              d.measurement = seen;
              d.decision = before;
            } else {
              d.emptied_ridge = Ridge(seen);
              // On a coarse scan a light stroke's darkness is spread out, and what the copy's
              // removal leaves of it is under that measure: there, where the layout alone
              // would have left a mark, the scan's word is not enough.
              bool doubted = stroke_like;
              if (!doubted && scanned && coarse) {
                BackSide layout_only = back;
                layout_only.scanned_dark.release();
                DiscountShowThrough(unseen, box_mm, layout_only, PatchPaper(unseen, cal), limits);
                doubted = DecideBox(MeasureBox(unseen, cal), cal, b.located).state != BoxState::kEmpty;
              }
              if (doubted) {
                d.decision.confidence = std::min(d.decision.confidence, 0.6f);
                d.decision.doubt = "faint_ink";
              }
            }
          }
        }
      }
    }
    out.boxes.push_back(std::move(d));
  }
  for (size_t i = 0; i < boxes.size() && !page_lines.empty(); ++i) {
    BoxDetail& d = out.boxes[i];
    if (d.decision.crossed || (d.decision.state == BoxState::kEmpty && d.decision.doubt.empty())) continue;
    const core::RectMm& box_mm = layout.fields[boxes[i].field].options[boxes[i].option].box_mm;
    for (const CrossingLine& l : page_lines) {
      const CrossingLine hint{(l.point - patch_to_mm(box_mm, {0, 0})) * kPatchPxPerMm, l.dir};
      CrossingLine line;
      if (FindLineNear(boxes[i].patch, cal, hint, &line)) {
        BoxPatch clean;
        discount(boxes[i], d, line, clean);
        break;
      }
    }
  }
  return out;
}

std::vector<FieldReading> ReadPage(const scanner::Scan& scan, const scanner::AlignedPage& page,
                                   const templates::Layout& layout, const ReadOptions& options) {
  if (page.status != scanner::AlignStatus::kOk)
    throw std::invalid_argument("ReadPage: page is not aligned (status " +
                                std::string(scanner::AlignStatusName(page.status)) + ")");
  if (scan.gray.empty() || scan.gray.type() != CV_8UC1)
    throw std::invalid_argument("ReadPage: scan.gray must be a non-empty CV_8UC1 image");
  const int page_no = page.key.page;

  std::vector<size_t> fields;
  for (size_t i = 0; i < layout.fields.size(); ++i)
    if (layout.fields[i].page == page_no) fields.push_back(i);

  const PageBoxes page_boxes = ReadPageBoxes(scan.gray, page.mm_to_px, layout, page_no, options.other_side);
  cv::Size2d page_mm(210.0, 297.0);
  if (const auto* pl = layout.FindPage(page_no); pl && pl->width_mm > 0) page_mm = {pl->width_mm, pl->height_mm};
  const std::vector<BoxDetail>& boxes = page_boxes.boxes;
  const bool fills_are_marks = FillsAreMarks(layout, boxes);
  const int shaded_questions = ShadedQuestions(layout, boxes);
  const Hand hand = HandOf(boxes);
  const bool corrects_by_filling = !fills_are_marks && CorrectsByFilling(layout, boxes);
  std::vector<SureBox> sure_boxes;
  for (const BoxDetail& b : boxes)
    if (SureMark(b.decision))
      sure_boxes.push_back({b.field, layout.fields[b.field].options[b.option].box_mm});
  // A leaf with no other side in the layout (a form's last, odd page) has nothing to show
  // through its writing areas: faint, soft strokes there are light pencil, not the back.
  TextOptions text_options;
  text_options.ink.blank_behind = PartnerPage(layout, page_no) == 0;

  std::vector<FieldReading> out;
  size_t next_box = 0;
  FoundBoxes found;  // filled on first use: most pages have no blank question
  for (size_t fi : fields) {
    const templates::FieldLayout& f = layout.fields[fi];
    FieldReading r;
    r.field_id = f.id;
    r.kind = f.kind;
    r.page = f.page;
    core::PointMm shift_mm{0.0, 0.0};
    if (core::IsBoxKind(f.kind)) {
      std::vector<BoxDecision> decisions;
      core::RectMm boxes_mm;
      std::vector<float> sx, sy;
      std::vector<const BoxMeasurement*> measured;
      // On a page answered by filling, fills are answers; but a box blacked out to its edges
      // beside a lighter mark of the same question is still that respondent's correction.
      bool lighter_mark = false;
      for (size_t oi = 0; oi < f.options.size(); ++oi) {
        const BoxDetail& b = boxes[next_box + oi];
        lighter_mark |= b.decision.state != BoxState::kEmpty && !BlackedOut(b.measurement);
      }
      for (size_t oi = 0; oi < f.options.size(); ++oi, ++next_box) {
        const BoxDetail& b = boxes[next_box];
        BoxDecision d = b.decision;
        if (b.emptied_ridge > 0.0f && hand.ridge > 0.0f && b.emptied_ridge >= kFaintInHand * hand.ridge &&
            d.state == BoxState::kEmpty && d.doubt.empty()) {
          // What the back side's copy took away was as dark as this respondent's own light
          // strokes: perhaps one of them under the copy. A person looks.
          d.confidence = std::min(d.confidence, 0.6f);
          d.doubt = "faint_ink";
        }
        if (fills_are_marks && d.state == BoxState::kCancelled && !(lighter_mark && BlackedOut(b.measurement)))
          d.state = BoxState::kMarked;
        decisions.push_back(std::move(d));
        measured.push_back(&b.measurement);
        boxes_mm = core::Union(boxes_mm, f.options[oi].box_mm);
        sx.push_back(static_cast<float>(b.dx / kPatchPxPerMm));
        sy.push_back(static_cast<float>(b.dy / kPatchPxPerMm));
      }
      // Whether this respondent shades answers, from the page's other questions as the box
      // pass read them (this one's own rules below change its decisions).
      const bool shades_answers = ShadesAnswers(shaded_questions, decisions, measured);
      ReadHeavyMarksAlone(decisions, measured, shades_answers);
      DropBackgroundCircles(f, fi, sure_boxes, decisions, measured);
      DoubtSmears(decisions, measured, hand);
      ReadFaintMarksInHand(decisions, measured, hand, options.review_below);
      ReadRubbedOutCorrections(f, decisions, measured);
      for (size_t oi = 0; oi < f.options.size(); ++oi)
        r.boxes.push_back({f.options[oi].value, decisions[oi].state, measured[oi]->ink, measured[oi]->fill,
                           decisions[oi].confidence});
      shift_mm = {Median(sx), Median(sy)};
      const bool answered = std::any_of(decisions.begin(), decisions.end(),
                                        [](const BoxDecision& d) { return d.state == BoxState::kMarked; });
      const std::vector<LabelMark> labels = FindLabelMarks(scan.gray, page.mm_to_px, layout, fi, shift_mm,
                                                           page_boxes.calibration, !answered);
      const bool cancelled = std::any_of(decisions.begin(), decisions.end(),
                                         [](const BoxDecision& d) { return d.state == BoxState::kCancelled; });
      bool ink_beside = false;
      if (!answered && !cancelled && !(f.required && options.review_blank_required)) {
        if (found.empty()) {
          found.resize(layout.fields.size());
          for (const BoxDetail& b : boxes) {
            auto& per_field = found[b.field];
            if (per_field.size() <= b.option) per_field.resize(b.option + 1);
            per_field[b.option] = {{b.dx / kPatchPxPerMm, b.dy / kPatchPxPerMm},
                                   b.decision.state != BoxState::kEmpty};
          }
        }
        ink_beside = InkBesideBoxes(scan.gray, page.mm_to_px, layout, fi, shift_mm, found, page_boxes.calibration);
      }
      ApplyBoxRules(f, decisions, measured, labels, ink_beside, corrects_by_filling,
                    fills_are_marks || shades_answers, hand, options, r);
      r.crop_mm = (f.area_mm.w > 0 && f.area_mm.h > 0) ? f.area_mm.Grown(kCropPadMm)
                                                       : boxes_mm.Grown(kCropPadMm);
    } else {
      int dx = 0, dy = 0;
      size_t count = 0;
      core::RectMm extent = f.area_mm;
      for (const core::RectMm& c : f.cells_mm) extent = core::Union(extent, c);
      core::PointMm centre{extent.x + extent.w / 2, extent.y + extent.h / 2};
      if (NeighbourShift(boxes, centre, static_cast<const BoxDetail*>(nullptr), &dx, &dy, &count))
        shift_mm = {dx / kPatchPxPerMm, dy / kPatchPxPerMm};
      // Handwriting: upright crops through the page transform (plus the local shift measured
      // on the neighbouring boxes), then the dedicated readers (handwriting.h). A crease, a
      // slanted streak or a stain's straight edge running across the field is divided out of
      // the crops first (page_lines.h): it is nobody's writing.
      const double ppm = options.handwriting_px_per_mm;
      core::RectMm shifted_extent = extent;
      shifted_extent.x += shift_mm.x;
      shifted_extent.y += shift_mm.y;
      const std::vector<FieldLine> lines =
          FindFieldLines(scan.gray, page.mm_to_px, shifted_extent, page_mm, page_boxes.calibration);
      auto crop_at = [&](core::RectMm rect, double pad_mm) {
        rect = rect.Grown(pad_mm);
        rect.x += shift_mm.x;
        rect.y += shift_mm.y;
        cv::Mat crop = WarpPatch(scan.gray, page.mm_to_px, rect, ppm);
        if (!lines.empty()) DiscountFieldLines(crop, rect, ppm, lines);
        return crop;
      };
      if (f.kind == core::FieldKind::kDigits) {
        std::vector<cv::Mat> cells;
        cells.reserve(f.cells_mm.size());
        for (const core::RectMm& c : f.cells_mm) cells.push_back(crop_at(c, kDigitCellMarginMm));
        DigitOptions digit_options;
        digit_options.has_range = f.has_range;
        digit_options.range_min = f.range_min;
        digit_options.range_max = f.range_max;
        DigitsReading d = ReadDigits(cells, ppm, digit_options);
        r.text = d.value;
        r.confidence = d.confidence;
        r.needs_review = d.needs_review;
        r.reason = d.reason;
        r.reasons = std::move(d.reasons);
      } else {
        // Inset so the printed frame stays out even with ~1 mm of paper stretch the anchors do
        // not model; handwriting seldom runs within a millimetre of the frame.
        TextReading t = ReadTextArea(crop_at(f.area_mm, -kTextAreaInsetMm), ppm, f.lines, options.ocr, text_options);
        r.text = t.text;
        r.confidence = t.confidence;
        r.needs_review = t.needs_review;
        r.reason = t.reason;
        r.reasons = std::move(t.reasons);
      }
      r.crop_mm = extent.Grown(kCropPadMm);
    }
    if (options.keep_crops && (r.needs_review || !options.crops_for_review_only) &&
        r.crop_mm.w > 0 && r.crop_mm.h > 0) {
      core::RectMm shifted = r.crop_mm;
      shifted.x += shift_mm.x;
      shifted.y += shift_mm.y;
      r.crop = WarpPatch(scan.gray, page.mm_to_px, shifted, options.crop_px_per_mm);
    }
    out.push_back(std::move(r));
  }
  return out;
}

}  // namespace phieu::recognition
