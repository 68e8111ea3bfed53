// Copyright 2026 The Phiếu Authors
// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <map>
#include <string>
#include <utility>
#include <vector>

#include "core/geometry.h"
#include "core/vocabulary.h"

namespace phieu::templates {

/// One tick box of a single/multi/scale field. `box_mm` is the printed square in mm, measured
/// on the centreline of its 0.3 mm stroke (ink reaches 0.15 mm beyond it).
struct OptionBox {
  std::string value;
  std::string label;
  bool numeric = false;  ///< the template wrote the value as a JSON number.
  core::RectMm box_mm;
  /// The option's printed label beside the box: its text's extent, mm (empty for the levels of
  /// a scale grid, whose labels head the columns). Respondents who circle the label instead of
  /// ticking the box are looked for around it.
  core::RectMm label_mm;
};

/// Where one field lands on the printed page. A `scale` question yields one FieldLayout per
/// criterion row (id = the row id, question_id = the grid's id).
struct FieldLayout {
  std::string id;
  core::FieldKind kind = core::FieldKind::kSingle;
  int page = 1;                        ///< 1-based.
  std::string question_id;             ///< the template question this came from.
  std::string label;                   ///< question text (or row text for a scale row).
  /// The question's printed text and hint, mm; for a scale row, everything of its grid above the
  /// first row (question text and the header of level labels).
  core::RectMm text_mm;
  /// The field's printed text line by line, each line's own extent (its words, not the column
  /// it wraps in): the question text and hint; for a scale row also its grid's header labels and
  /// its criterion. Option labels are in OptionBox::label_mm. Empty in layouts from older JSON.
  std::vector<core::RectMm> print_mm;
  std::vector<OptionBox> options;      ///< single / multi / scale.
  std::vector<core::RectMm> cells_mm;  ///< digits: comb cells, left to right.
  core::RectMm area_mm;                ///< text: the writing area; others: the whole field's extent.
  int max = 0;                         ///< multi: at most this many (0 = no limit).
  int lines = 0;                       ///< text: ruled lines.
  bool required = false;
  bool personal = false;               ///< identifies a person: left out of exports by default.
  bool has_range = false;              ///< digits: range_min/range_max are meaningful.
  long range_min = 0;
  long range_max = 0;
};

/// Corners of the page, in the order QR anchors name them.
enum Corner { kTopLeft = 0, kTopRight = 1, kBottomRight = 2, kBottomLeft = 3 };

/// One printed QR anchor: the symbol's outer square (no quiet zone), in mm, page upright.
struct AnchorLayout {
  int corner = kTopLeft;
  core::RectMm symbol_mm;
};

struct PageLayout {
  int page = 1;
  double width_mm = 210.0;
  double height_mm = 297.0;
  std::vector<AnchorLayout> anchors;  ///< four, one per corner.
};

/// Everything a scanner and a reader need to find the boxes of one template version.
struct Layout {
  std::string template_id;
  int version = 1;
  std::vector<PageLayout> pages;
  std::vector<FieldLayout> fields;  ///< in reading order.

  const PageLayout* FindPage(int page) const {
    for (const auto& p : pages)
      if (p.page == page) return &p;
    return nullptr;
  }
};

/// Looks up layouts by (template id, version). Plain value; copy freely; not thread-safe to
/// mutate while another thread reads.
class TemplateCatalog {
 public:
  void Add(Layout layout) {
    auto key = std::make_pair(layout.template_id, layout.version);
    layouts_[key] = std::move(layout);
  }
  const Layout* Find(const std::string& template_id, int version) const {
    auto it = layouts_.find({template_id, version});
    return it == layouts_.end() ? nullptr : &it->second;
  }
  /// True if some version of this template id is known (for "wrong version" messages).
  bool KnowsId(const std::string& template_id) const {
    for (const auto& [k, v] : layouts_)
      if (k.first == template_id) return true;
    return false;
  }
  /// Registered versions of a template id, ascending (empty when the id is unknown).
  std::vector<int> Versions(const std::string& template_id) const {
    std::vector<int> out;
    for (const auto& [k, v] : layouts_)
      if (k.first == template_id) out.push_back(k.second);
    return out;
  }
  bool empty() const { return layouts_.empty(); }
  /// Every layout, ordered by (template id, version).
  const std::map<std::pair<std::string, int>, Layout>& All() const { return layouts_; }

 private:
  std::map<std::pair<std::string, int>, Layout> layouts_;
};

}  // namespace phieu::templates
