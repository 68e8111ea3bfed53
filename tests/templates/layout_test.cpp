// Copyright 2026 The Phiếu Authors
// SPDX-License-Identifier: Apache-2.0
#include <gtest/gtest.h>

#include <map>
#include <nlohmann/json.hpp>
#include <set>

#include "templates/templates.h"
#include "templates/test_util.h"

namespace phieu::templates {
namespace {

using nlohmann::json;
using testing::ReadFile;
using testing::TestDataPath;

Template LoadTestTemplate(const std::function<void(json&)>& mutate = nullptr) {
  json j = json::parse(ReadFile(TestDataPath("all_kinds.json")));
  if (mutate) mutate(j);
  auto tpl = ParseTemplate(j.dump(), "all_kinds.json");
  if (!tpl.ok()) throw std::runtime_error(tpl.error().message);
  return std::move(tpl).value();
}

/// A template long enough to need several pages: the test sections repeated with fresh ids.
Template LongTemplate(const std::string& paper) {
  return LoadTestTemplate([&](json& j) {
    j["paper"] = paper;
    json sections = j["sections"];
    for (int copy = 1; copy <= 3; ++copy) {
      for (json s : j["sections"]) {
        s["id"] = s["id"].get<std::string>() + std::to_string(copy);
        for (auto& q : s["questions"]) {
          q["id"] = q["id"].get<std::string>() + "_c" + std::to_string(copy);
          if (q.contains("rows"))
            for (auto& r : q["rows"])
              if (r.contains("id")) r["id"] = r["id"].get<std::string>() + "_c" + std::to_string(copy);
        }
        sections.push_back(s);
      }
    }
    j["sections"] = sections;
  });
}

core::RectMm Grow(const core::RectMm& r, double by) {
  return {r.x - by, r.y - by, r.w + 2 * by, r.h + 2 * by};
}

/// Every printed box of a page, with its owner for messages.
std::vector<std::pair<std::string, core::RectMm>> BoxesOnPage(const Layout& layout, int page) {
  std::vector<std::pair<std::string, core::RectMm>> out;
  for (const auto& f : layout.fields) {
    if (f.page != page) continue;
    for (const auto& o : f.options) out.push_back({f.id + "=" + o.value, o.box_mm});
    for (size_t i = 0; i < f.cells_mm.size(); ++i) out.push_back({f.id + "#" + std::to_string(i), f.cells_mm[i]});
  }
  return out;
}

void CheckInvariants(const Layout& layout, const LayoutOptions& opt = {}) {
  ASSERT_FALSE(layout.pages.empty());
  for (size_t i = 0; i < layout.pages.size(); ++i) {
    const PageLayout& page = layout.pages[i];
    EXPECT_EQ(page.page, static_cast<int>(i) + 1);
    ASSERT_EQ(page.anchors.size(), 4u);
    for (int c = 0; c < 4; ++c) {
      EXPECT_EQ(page.anchors[c].corner, c);
      EXPECT_DOUBLE_EQ(page.anchors[c].symbol_mm.w, opt.anchor_mm);
      EXPECT_DOUBLE_EQ(page.anchors[c].symbol_mm.h, opt.anchor_mm);
    }
    EXPECT_DOUBLE_EQ(page.anchors[kTopLeft].symbol_mm.x, opt.margin_mm);
    EXPECT_DOUBLE_EQ(page.anchors[kBottomRight].symbol_mm.right(), page.width_mm - opt.margin_mm);
    EXPECT_DOUBLE_EQ(page.anchors[kBottomRight].symbol_mm.bottom(), page.height_mm - opt.margin_mm);

    core::RectMm printable{opt.margin_mm, opt.margin_mm, page.width_mm - 2 * opt.margin_mm,
                           page.height_mm - 2 * opt.margin_mm};
    std::vector<core::RectMm> keep_out;
    for (const auto& a : page.anchors) keep_out.push_back(Grow(a.symbol_mm, 3.0));

    std::vector<core::RectMm> extents;
    for (const auto& f : layout.fields)
      if (f.page == page.page) extents.push_back(f.area_mm);
    for (const auto& [name, box] : BoxesOnPage(layout, page.page)) extents.push_back(box);
    for (const auto& r : extents) {
      EXPECT_TRUE(printable.Contains(r)) << "page " << page.page << " rect at " << r.x << "," << r.y;
      for (const auto& k : keep_out)
        EXPECT_FALSE(k.Intersects(r)) << "page " << page.page << " rect at " << r.x << "," << r.y
                                      << " too close to an anchor";
    }

    // No two boxes overlap; neighbours are apart by >= 1 mm across or >= 2 mm down.
    auto boxes = BoxesOnPage(layout, page.page);
    for (size_t a = 0; a < boxes.size(); ++a) {
      for (size_t b = a + 1; b < boxes.size(); ++b) {
        const core::RectMm& p = boxes[a].second;
        const core::RectMm& q = boxes[b].second;
        double gap_x = std::max(q.x - p.right(), p.x - q.right());
        double gap_y = std::max(q.y - p.bottom(), p.y - q.bottom());
        EXPECT_TRUE(gap_x >= 1.0 || gap_y >= 2.0)
            << boxes[a].first << " and " << boxes[b].first << ": gap " << gap_x << " x " << gap_y;
      }
    }
  }
  std::set<std::string> ids;
  std::map<std::string, int> question_page;
  for (const auto& f : layout.fields) {
    EXPECT_TRUE(ids.insert(f.id).second) << "duplicate field id " << f.id;
    EXPECT_NE(layout.FindPage(f.page), nullptr) << f.id;
    // Never split a question: every field of one question (scale rows) is on one page.
    auto [it, inserted] = question_page.emplace(f.question_id, f.page);
    EXPECT_EQ(it->second, f.page) << "question " << f.question_id << " split across pages";
    for (const auto& o : f.options) {
      EXPECT_DOUBLE_EQ(o.box_mm.w, opt.box_mm);
      EXPECT_DOUBLE_EQ(o.box_mm.h, opt.box_mm);
      EXPECT_TRUE(Grow(f.area_mm, 1e-9).Contains(o.box_mm)) << f.id << " box outside its field";
      if (f.kind == core::FieldKind::kScale) {
        EXPECT_EQ(o.label_mm.w, 0.0) << f.id << ": a grid level's label heads its column";
        continue;
      }
      // The label sits right of its box, level with it, inside the field, clear of the text.
      EXPECT_GT(o.label_mm.w, 0.0) << f.id << "=" << o.value;
      EXPECT_GE(o.label_mm.x, o.box_mm.right() + 1.0) << f.id << "=" << o.value;
      EXPECT_LT(o.label_mm.y, o.box_mm.y + o.box_mm.h / 2) << f.id << "=" << o.value;
      EXPECT_TRUE(Grow(f.area_mm, 1e-9).Contains(o.label_mm)) << f.id << "=" << o.value;
      EXPECT_LE(f.text_mm.bottom(), o.box_mm.y - 1.0) << f.id << ": text over its boxes";
      for (const auto& other : f.options)
        if (&other != &o) EXPECT_FALSE(other.label_mm.Intersects(o.label_mm)) << f.id << "=" << o.value;
    }
    EXPECT_GT(f.text_mm.h, 0.0) << f.id;
    // Each printed line of the field is its words' own extent: inside the question's text block
    // (or, for a grid row's criterion, inside its row, left of its boxes), never over a box.
    EXPECT_FALSE(f.print_mm.empty()) << f.id;
    for (const auto& line : f.print_mm) {
      EXPECT_GT(line.w, 0.0) << f.id;
      EXPECT_LE(line.w, f.text_mm.w + 1e-6) << f.id;
      const bool in_text = Grow(f.text_mm, 0.01).Contains(line);
      const bool in_row = f.kind == core::FieldKind::kScale && Grow(f.area_mm, 0.01).Contains(line);
      EXPECT_TRUE(in_text || in_row) << f.id;
      for (const auto& o : f.options) EXPECT_FALSE(line.Intersects(o.box_mm)) << f.id << " line over box " << o.value;
    }
    if (!f.options.empty()) EXPECT_LE(f.text_mm.bottom(), f.options.front().box_mm.y) << f.id;
    if (!f.cells_mm.empty()) EXPECT_LE(f.text_mm.bottom(), f.cells_mm.front().y) << f.id;
    if (f.kind == core::FieldKind::kText) EXPECT_LE(f.text_mm.bottom(), f.area_mm.y) << f.id;
    for (const auto& c : f.cells_mm) EXPECT_TRUE(Grow(f.area_mm, 1e-9).Contains(c)) << f.id;
  }
}

TEST(LayoutTest, TestTemplateFields) {
  Layout layout = ComputeLayout(LoadTestTemplate());
  EXPECT_EQ(layout.template_id, "test-all-kinds");
  EXPECT_EQ(layout.version, 2);
  // 4 + 4 scale rows + 3 (expect, phone, comment) = 11 fields, in reading order.
  std::vector<std::string> ids;
  for (const auto& f : layout.fields) ids.push_back(f.id);
  EXPECT_EQ(ids, (std::vector<std::string>{"gender", "yob", "edu", "channel", "sat_access", "sat_proc", "sat_3",
                                           "sat_4", "expect", "phone", "comment"}));
  const FieldLayout& sat = layout.fields[4];
  EXPECT_EQ(sat.kind, core::FieldKind::kScale);
  EXPECT_EQ(sat.question_id, "sat");
  ASSERT_EQ(sat.options.size(), 5u);
  EXPECT_EQ(sat.options[4].label, "Rất hài lòng");
  // Scale boxes of one level share a column; neighbouring rows are >= 2 mm apart.
  const FieldLayout& sat2 = layout.fields[5];
  for (int l = 0; l < 5; ++l) {
    EXPECT_DOUBLE_EQ(sat.options[l].box_mm.x, sat2.options[l].box_mm.x);
    EXPECT_GE(sat2.options[l].box_mm.y - sat.options[l].box_mm.bottom(), 2.0);
  }
  EXPECT_EQ(layout.fields[8].max, 3);
  EXPECT_EQ(layout.fields[9].cells_mm.size(), 10u);
  EXPECT_EQ(layout.fields[10].lines, 3);
  EXPECT_GE(layout.fields[10].area_mm.h, 3 * 8.0);
  EXPECT_TRUE(layout.fields[1].has_range);
  EXPECT_EQ(layout.fields[1].range_min, 1920);
  // columns: 1 puts every option of "channel" under the previous one.
  const FieldLayout& channel = layout.fields[3];
  EXPECT_DOUBLE_EQ(channel.options[0].box_mm.x, channel.options[2].box_mm.x);
  EXPECT_LT(channel.options[0].box_mm.y, channel.options[1].box_mm.y);
  CheckInvariants(layout);
}

TEST(LayoutTest, InvariantsHoldOnLongFormsAndAllPapers) {
  for (const std::string paper : {"A4", "A5", "Letter"}) {
    SCOPED_TRACE(paper);
    Layout layout = ComputeLayout(LongTemplate(paper));
    EXPECT_GE(layout.pages.size(), paper == "A5" ? 5u : 3u);
    CheckInvariants(layout);
  }
}

TEST(LayoutTest, IsDeterministic) {
  Template tpl = LongTemplate("A4");
  std::string a = LayoutToJson(ComputeLayout(tpl));
  std::string b = LayoutToJson(ComputeLayout(LongTemplate("A4")));
  EXPECT_EQ(a, b);
}

TEST(LayoutTest, HonoursLayoutOptions) {
  LayoutOptions opt;
  opt.margin_mm = 10.0;
  opt.anchor_mm = 16.0;
  opt.box_mm = 4.5;
  Layout layout = ComputeLayout(LoadTestTemplate(), opt);
  CheckInvariants(layout, opt);
}

TEST(LayoutTest, OversizeQuestionIsAContractViolation) {
  Template tpl = LoadTestTemplate();
  Question& sat = tpl.sections[1].questions[0];
  for (int i = 0; i < 60; ++i) sat.rows.push_back(ScaleRow{"extra_" + std::to_string(i), "Thêm một tiêu chí"});
  EXPECT_THROW(ComputeLayout(tpl), std::invalid_argument);
}

TEST(LayoutJsonTest, FollowsTheContract) {
  Layout layout = ComputeLayout(LoadTestTemplate());
  json j = json::parse(LayoutToJson(layout));
  EXPECT_EQ(j["template"], "test-all-kinds");
  EXPECT_EQ(j["version"], 2);
  ASSERT_TRUE(j["pages"].is_array());
  ASSERT_EQ(j["pages"].size(), layout.pages.size());
  EXPECT_EQ(j["pages"][0]["page"], 1);
  EXPECT_EQ(j["pages"][0]["width_mm"], 210.0);
  EXPECT_EQ(j["pages"][0]["height_mm"], 297.0);
  EXPECT_EQ(j["pages"][0]["anchors"].size(), 4u);
  ASSERT_EQ(j["fields"].size(), layout.fields.size());
  for (const auto& f : j["fields"]) {
    std::string kind = f["kind"];
    SCOPED_TRACE(f["id"].get<std::string>());
    EXPECT_TRUE(f["id"].is_string());
    EXPECT_TRUE(f["page"].is_number_integer());
    bool box_kind = kind == "single" || kind == "multi" || kind == "scale";
    EXPECT_EQ(f.contains("options"), box_kind);
    EXPECT_EQ(f.contains("cells_mm"), kind == "digits");
    EXPECT_EQ(f.contains("max"), kind == "multi");
    EXPECT_TRUE(f.contains("area_mm"));
    EXPECT_EQ(f["area_mm"].size(), 4u);
    if (box_kind) {
      for (const auto& o : f["options"]) {
        ASSERT_EQ(o["box_mm"].size(), 4u);
        // Extension: where the option's text is printed (not for a grid's levels).
        EXPECT_EQ(o.contains("label_mm"), kind != "scale");
        if (o.contains("label_mm")) EXPECT_EQ(o["label_mm"].size(), 4u);
        for (const auto& v : o["box_mm"]) {
          double d = v.get<double>();
          EXPECT_NEAR(d * 100, std::round(d * 100), 1e-6) << "not rounded to 0.01 mm";
        }
      }
    }
  }
  // Numbers stay numbers, strings stay strings.
  EXPECT_TRUE(j["fields"][0]["options"][0]["value"].is_number_integer());
  EXPECT_EQ(j["fields"][0]["options"][0]["value"], 1);
  EXPECT_EQ(j["fields"][3]["options"][0]["value"], "a");
  EXPECT_EQ(j["fields"][8]["max"], 3);
  EXPECT_EQ(j["fields"][9]["cells_mm"].size(), 10u);
}

TEST(LayoutJsonTest, RoundTrips) {
  Layout layout = ComputeLayout(LongTemplate("A4"));
  std::string text = LayoutToJson(layout);
  auto back = LayoutFromJson(text);
  ASSERT_TRUE(back.ok()) << back.error().message;
  EXPECT_EQ(back->template_id, layout.template_id);
  EXPECT_EQ(back->version, layout.version);
  ASSERT_EQ(back->pages.size(), layout.pages.size());
  ASSERT_EQ(back->fields.size(), layout.fields.size());
  for (size_t i = 0; i < layout.fields.size(); ++i) {
    const FieldLayout& a = layout.fields[i];
    const FieldLayout& b = back->fields[i];
    EXPECT_EQ(a.id, b.id);
    EXPECT_EQ(a.kind, b.kind);
    EXPECT_EQ(a.page, b.page);
    EXPECT_EQ(a.question_id, b.question_id);
    EXPECT_EQ(a.label, b.label);
    EXPECT_EQ(a.max, b.max);
    EXPECT_EQ(a.lines, b.lines);
    EXPECT_EQ(a.required, b.required);
    EXPECT_EQ(a.has_range, b.has_range);
    EXPECT_EQ(a.range_max, b.range_max);
    ASSERT_EQ(a.options.size(), b.options.size());
    for (size_t o = 0; o < a.options.size(); ++o) {
      EXPECT_EQ(a.options[o].value, b.options[o].value);
      EXPECT_EQ(a.options[o].numeric, b.options[o].numeric);
      EXPECT_NEAR(a.options[o].box_mm.x, b.options[o].box_mm.x, 0.005);
      EXPECT_NEAR(a.options[o].box_mm.y, b.options[o].box_mm.y, 0.005);
      EXPECT_NEAR(a.options[o].label_mm.w, b.options[o].label_mm.w, 0.005);
      EXPECT_NEAR(a.options[o].label_mm.y, b.options[o].label_mm.y, 0.005);
    }
    EXPECT_NEAR(a.text_mm.h, b.text_mm.h, 0.005);
    ASSERT_EQ(a.print_mm.size(), b.print_mm.size()) << a.id;
    for (size_t l = 0; l < a.print_mm.size(); ++l) {
      EXPECT_NEAR(a.print_mm[l].x, b.print_mm[l].x, 0.005);
      EXPECT_NEAR(a.print_mm[l].w, b.print_mm[l].w, 0.005);
    }
    EXPECT_EQ(a.cells_mm.size(), b.cells_mm.size());
    EXPECT_NEAR(a.area_mm.h, b.area_mm.h, 0.005);
  }
  EXPECT_EQ(LayoutToJson(*back), text);  // stable after one rounding
}

TEST(LayoutJsonTest, RejectsBrokenInput) {
  EXPECT_EQ(LayoutFromJson("{").error().code, "parse");
  EXPECT_EQ(LayoutFromJson(R"({"template": "x", "version": 1, "pages": []})").error().code, "invalid");
  auto bad_kind = LayoutFromJson(
      R"({"template": "x", "version": 1, "pages": [], "fields": [{"id": "a", "kind": "box", "page": 1}]})");
  ASSERT_FALSE(bad_kind.ok());
  EXPECT_NE(bad_kind.error().message.find("fields[0].kind"), std::string::npos);
  auto minimal = LayoutFromJson(
      R"({"template": "x", "version": 1, "pages": [{"page": 1, "width_mm": 210, "height_mm": 297}],
          "fields": [{"id": "a", "kind": "single", "page": 1,
                      "options": [{"value": 1, "box_mm": [10, 20, 5, 5]}, {"value": "b", "box_mm": [20, 20, 5, 5]}]}]})");
  ASSERT_TRUE(minimal.ok()) << minimal.error().message;
  EXPECT_EQ(minimal->fields[0].options[0].value, "1");
  EXPECT_TRUE(minimal->fields[0].options[0].label_mm.empty());  // older layouts: no label_mm
  EXPECT_TRUE(minimal->fields[0].text_mm.empty());
  EXPECT_TRUE(minimal->fields[0].print_mm.empty());
  EXPECT_TRUE(minimal->fields[0].options[0].numeric);
  EXPECT_EQ(minimal->fields[0].options[1].value, "b");
  EXPECT_FALSE(minimal->fields[0].options[1].numeric);
}

}  // namespace
}  // namespace phieu::templates
