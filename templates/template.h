// Copyright 2026 The Phiếu Authors
// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "core/vocabulary.h"

namespace phieu::templates {

/// One answer choice. `value` is the code stored in exports; templates may write it as a JSON
/// number (`1`) or a JSON string (`"a"`); `numeric` remembers which so exports write it back
/// the same way. All text is NFC UTF-8.
struct Option {
  std::string value;
  std::string label;
  bool numeric = false;
};

/// A shared scale such as the 5 satisfaction levels; referenced by `scale` questions.
struct Scale {
  std::string id;
  std::vector<Option> levels;
};

/// One criterion row of a `scale` grid: becomes its own field (id) in the layout.
struct ScaleRow {
  std::string id;
  std::string text;
};

/// One question as written in the template (see templates/README.md for the JSON format).
struct Question {
  std::string id;
  core::FieldKind kind = core::FieldKind::kSingle;
  std::string text;                  ///< the question as printed.
  std::string hint;                  ///< optional smaller text under the question.
  std::vector<Option> options;       ///< single / multi.
  std::string scale;                 ///< scale: id of a Template::scales entry.
  std::vector<ScaleRow> rows;        ///< scale: the criteria.
  int max = 0;                       ///< multi: at most this many answers (0 = no limit).
  int digits = 0;                    ///< digits: number of comb cells.
  std::optional<long> range_min;     ///< digits: smallest plausible value.
  std::optional<long> range_max;     ///< digits: largest plausible value ("current_year" resolved).
  int lines = 0;                     ///< text: number of ruled lines.
  int columns = 0;                   ///< single/multi: options per printed row (0 = automatic).
  bool required = false;
  /// Identifies a person (a phone number, a name, an address): exports leave the field out
  /// unless asked (`--include-personal`), and the report never shows it.
  bool personal = false;
};

struct Section {
  std::string id;
  std::string title;
  std::string intro;  ///< optional paragraph printed under the title.
  std::vector<Question> questions;
};

/// One element of a satisfaction index: a group of criteria (scale rows), e.g. SIPAS
/// "Tiếp cận dịch vụ" = rows tc1..tc4.
struct ScoringElement {
  std::string id;
  std::string name;                   ///< as shown in the report.
  std::vector<std::string> criteria;  ///< scale-row field ids, in report order.
};

/// How the report computes indices (templates/README.md, "Scoring"). For each criterion:
/// satisfied_pct = answers at a `satisfied` level / valid answers x 100, mean = average level;
/// an element averages its criteria, the overall index averages the elements.
struct Scoring {
  std::vector<std::string> satisfied;   ///< level values counted as satisfied ("4", "5").
  std::vector<ScoringElement> elements;
  std::string expectations;             ///< optional multi question shown as shares of respondents.
};

/// Paper sizes we print on.
struct Paper {
  std::string name = "A4";
  double width_mm = 210.0;
  double height_mm = 297.0;
};

/// A parsed, validated questionnaire template.
struct Template {
  std::string id;       ///< [a-z0-9_-]{1,32}; printed in the QR anchors.
  int version = 1;      ///< >= 1; a changed questionnaire gets a new version.
  std::string title;
  std::string subtitle;      ///< optional.
  std::string agency;        ///< optional issuing agency, printed top-left of page 1.
  bool national_header = true;  ///< print Quốc hiệu / Tiêu ngữ on page 1.
  std::string instructions;  ///< marking instructions; a Vietnamese default when absent.
  std::string closing;       ///< optional thank-you line after the last question.
  Paper paper;
  std::vector<Scale> scales;
  std::vector<Section> sections;
  std::optional<Scoring> scoring;  ///< absent: the report shows counts only, no indices.
  std::string source_json;   ///< the JSON text it was parsed from (stored with a survey).

  const Scale* FindScale(const std::string& scale_id) const {
    for (const auto& s : scales)
      if (s.id == scale_id) return &s;
    return nullptr;
  }
};

}  // namespace phieu::templates
