// Copyright 2026 The Phiếu Authors
// SPDX-License-Identifier: Apache-2.0
#include "reason_codes.h"

#include <map>
#include <optional>
#include <regex>

#include <nlohmann/json.hpp>

namespace phieu::store {
namespace {

using core::ReviewReason;
using nlohmann::ordered_json;

// Box doubts as recognition words them after "box V: " (docs/review-reasons.md).
const std::map<std::string, std::string, std::less<>>& BoxDoubts() {
  static const std::map<std::string, std::string, std::less<>> kDoubts = {
      {"uncertain", "box_uncertain"},
      {"nearly filled, mark or cancellation?", "box_nearly_filled"},
      {"heavy shading, mark or cancellation?", "heavy_mark"},
      {"faint mark", "faint_mark"},
      {"faint ink", "faint_ink"},
      {"broken faint stroke", "broken_faint_stroke"},
      {"scattered ink", "scattered_ink"},
      {"circled rather than ticked", "circled_box"},
      {"mark mostly outside the box", "mark_outside_box"},
      {"faint smudge, mark or eraser residue?", "faint_smudge"},
      {"box outline not found", "box_not_found"},
      {"a faint mark beside a filled box: the corrected answer, or a stray?", "faint_replacement"},
  };
  return kDoubts;
}

// Whole parts without parameters: review reasons and the remarks of accepted readings.
const std::map<std::string, std::string, std::less<>>& FixedParts() {
  static const std::map<std::string, std::string, std::less<>> kFixed = {
      {"mark cancelled with no replacement", "cancelled_no_replacement"},
      {"required question unanswered (faint ink seen)", "required_blank_faint"},
      {"required question unanswered", "required_blank"},
      {"required question unanswered (pen marks beside its boxes)", "required_blank_ink_beside"},
      {"no box marked, but pen marks beside the boxes", "ink_beside_boxes"},
      {"empty cell between digits", "digit_gap"},
      {"handwriting present, no OCR engine: transcribe", "handwriting_no_ocr"},
      {"handwriting present, OCR read nothing: transcribe", "handwriting_ocr_empty"},
      {"handwriting: check the draft transcription", "handwriting_check_draft"},
      {"low confidence", "low_confidence"},
      // Remarks kept with accepted readings.
      {"required question left blank", "required_left_blank"},
      {"blank", "blank"},
      {"only a dot or a tiny mark, not a comment", "dot"},
      {"a single short stroke (a pen touch), not a comment", "short_stroke"},
      {"a dash, not a comment", "dash"},
      {"handwriting read with high confidence", "handwriting_sure"},
  };
  return kFixed;
}

void ReadPart(const std::string& part, std::vector<ReviewReason>& out) {
  if (auto it = FixedParts().find(part); it != FixedParts().end()) {
    out.push_back({it->second, {}});
    return;
  }
  static const std::regex kBox(R"(^box (.+?): (.+)$)");
  static const std::regex kTwo(R"(^(\d+) boxes marked in a one-answer question$)");
  static const std::regex kOverMax(R"(^(\d+) marked, at most (\d+) allowed$)");
  static const std::regex kFillCross(
      R"(^(\d+) box(?:es)? filled beside a cross: a correction or another choice\?$)");
  static const std::regex kLabel(R"(^option (.+?): (its label is circled|a pen mark at its label), its box left empty$)");
  static const std::regex kNoModel(R"(^no digit model \((.*)\)$)");
  static const std::regex kUnclear(
      R"(^(\d+) digits? unclear(?: \((\d+) written over the cell border\))?$)");
  static const std::regex kRange(R"(^(-?\d+) is outside (-?\d+)-(-?\d+)$)");
  std::smatch m;
  if (std::regex_match(part, m, kBox)) {
    const std::string box = m[1];
    std::string doubt = m[2];
    static const std::string kNotFound = ", box outline not found";
    bool not_found = false;
    if (doubt.size() > kNotFound.size() &&
        doubt.compare(doubt.size() - kNotFound.size(), kNotFound.size(), kNotFound) == 0) {
      doubt.resize(doubt.size() - kNotFound.size());
      not_found = true;
    }
    if (auto it = BoxDoubts().find(doubt); it != BoxDoubts().end()) {
      out.push_back({it->second, {{"box", box}}});
      if (not_found) out.push_back({"box_not_found", {{"box", box}}});
      return;
    }
  } else if (std::regex_match(part, m, kTwo)) {
    out.push_back({"two_marks_single", {{"count", m[1]}}});
    return;
  } else if (std::regex_match(part, m, kOverMax)) {
    out.push_back({"over_max", {{"count", m[1]}, {"max", m[2]}}});
    return;
  } else if (std::regex_match(part, m, kFillCross)) {
    out.push_back({"fill_beside_cross", {{"count", m[1]}}});
    return;
  } else if (std::regex_match(part, m, kLabel)) {
    out.push_back({m[2] == "its label is circled" ? "label_circled" : "label_marked",
                   {{"option", m[1]}}});
    return;
  } else if (std::regex_match(part, m, kNoModel)) {
    out.push_back({"no_digit_model", {{"detail", m[1]}}});
    return;
  } else if (std::regex_match(part, m, kUnclear)) {
    out.push_back({"digits_unclear",
                   {{"count", m[1]}, {"over_border", m[2].matched ? m[2].str() : "0"}}});
    return;
  } else if (std::regex_match(part, m, kRange)) {
    out.push_back({"digit_out_of_range", {{"value", m[1]}, {"min", m[2]}, {"max", m[3]}}});
    return;
  }
  out.push_back({"legacy", {{"text", part}}});
}

}  // namespace

std::vector<ReviewReason> ReasonCodesFromText(std::string_view text) {
  std::vector<ReviewReason> out;
  size_t start = 0;
  while (start <= text.size() && !text.empty()) {
    size_t end = text.find("; ", start);
    std::string part(text.substr(start, end == std::string_view::npos ? std::string_view::npos
                                                                        : end - start));
    if (!part.empty()) ReadPart(part, out);
    if (end == std::string_view::npos) break;
    start = end + 2;
  }
  return out;
}

std::string ReasonCodesToJson(const std::vector<ReviewReason>& reasons) {
  ordered_json out = ordered_json::array();
  for (const auto& r : reasons) {
    ordered_json params = ordered_json::object();
    for (const auto& [k, v] : r.params) params[k] = v;
    out.push_back({{"code", r.code}, {"params", std::move(params)}});
  }
  return out.dump();
}

std::vector<ReviewReason> ReasonCodesFromJson(std::string_view json_text) {
  std::vector<ReviewReason> out;
  const ordered_json j = ordered_json::parse(json_text);
  if (!j.is_array()) return out;
  for (const auto& e : j) {
    ReviewReason r;
    r.code = e.at("code").get<std::string>();
    if (auto p = e.find("params"); p != e.end() && p->is_object())
      for (const auto& [k, v] : p->items())
        r.params.emplace_back(k, v.is_string() ? v.get<std::string>() : v.dump());
    out.push_back(std::move(r));
  }
  return out;
}

std::vector<ReviewReason> StoredReasonCodes(const std::vector<ReviewReason>& reasons,
                                            const std::string& text, bool needs_review) {
  std::vector<ReviewReason> out = reasons.empty() ? ReasonCodesFromText(text) : reasons;
  if (out.empty() && needs_review) out.push_back({"low_confidence", {}});
  return out;
}

}  // namespace phieu::store
