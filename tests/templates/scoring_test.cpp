// Copyright 2026 The Phiếu Authors
// SPDX-License-Identifier: Apache-2.0
//
// The `personal` flag and the `scoring` section of the template format (templates/README.md).
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "templates/templates.h"
#include "templates/test_util.h"

namespace phieu::templates {
namespace {

using nlohmann::json;

json Mini() {
  return json::parse(testing::ReadFile(std::string(PHIEU_SOURCE_DIR) + "/tests/exports/data/mini.json"));
}

bool Has(const std::vector<Problem>& problems, const std::string& path, const std::string& fragment) {
  for (const auto& p : problems)
    if (p.path == path && p.message.find(fragment) != std::string::npos) return true;
  return false;
}

std::string All(const std::vector<Problem>& problems) {
  std::string s;
  for (const auto& p : problems) s += p.ToString() + "\n";
  return s;
}

TEST(ScoringTest, ParsesElementsAndPersonalFields) {
  auto t = ParseTemplate(Mini().dump());
  ASSERT_TRUE(t.ok()) << t.error().message;
  ASSERT_TRUE(t->scoring.has_value());
  EXPECT_EQ(t->scoring->satisfied, (std::vector<std::string>{"4", "5"}));
  ASSERT_EQ(t->scoring->elements.size(), 2u);
  EXPECT_EQ(t->scoring->elements[0].name, "Thủ tục hành chính");
  EXPECT_EQ(t->scoring->elements[0].criteria, (std::vector<std::string>{"r1", "r2"}));
  EXPECT_EQ(t->scoring->expectations, "mm");
  Layout layout = ComputeLayout(*t);
  for (const auto& f : layout.fields) EXPECT_EQ(f.personal, f.id == "sdt") << f.id;
  // The layout JSON carries the flag and reads it back.
  auto back = LayoutFromJson(LayoutToJson(layout));
  ASSERT_TRUE(back.ok());
  for (const auto& f : back->fields) EXPECT_EQ(f.personal, f.id == "sdt") << f.id;
}

TEST(ScoringTest, ProblemsCarryTheirPath) {
  json j = Mini();
  j["scoring"]["satisfied"] = json::array({4, 6});
  j["scoring"]["elements"][0]["criteria"] = json::array({"r1", "gt", "nope"});
  j["scoring"]["elements"][1]["criteria"] = json::array({"r1", "r3"});
  j["scoring"]["elements"][1]["id"] = "tt";
  j["scoring"]["expectations"] = "gt";
  j["scoring"]["weights"] = 1;
  j["sections"][0]["questions"][0]["personal"] = "yes";
  auto p = ValidateTemplate(j.dump());
  EXPECT_TRUE(Has(p, "scoring.elements[0].criteria[0]", "satisfied level 6 is not a level of scale \"sat5\"")) << All(p);
  EXPECT_TRUE(Has(p, "scoring.elements[0].criteria[1]", "unknown criterion \"gt\"")) << All(p);
  EXPECT_TRUE(Has(p, "scoring.elements[0].criteria[2]", "unknown criterion \"nope\"")) << All(p);
  EXPECT_TRUE(Has(p, "scoring.elements[1].criteria[0]", "already in another element")) << All(p);
  EXPECT_TRUE(Has(p, "scoring.elements[1].id", "duplicate element id \"tt\"")) << All(p);
  EXPECT_TRUE(Has(p, "scoring.expectations", "unknown multi question \"gt\"")) << All(p);
  EXPECT_TRUE(Has(p, "scoring.weights", "unknown key")) << All(p);
  EXPECT_TRUE(Has(p, "sections[0].questions[0].personal", "must be true or false")) << All(p);
  json empty = Mini();
  empty["scoring"] = json::object();
  auto q = ValidateTemplate(empty.dump());
  EXPECT_TRUE(Has(q, "scoring.satisfied", "missing required key")) << All(q);
  EXPECT_TRUE(Has(q, "scoring.elements", "missing required key")) << All(q);
}

TEST(ScoringTest, BundledTemplatesDefineTheirIndices) {
  for (const char* id : {"sipas", "health", "school"}) {
    auto t = LoadTemplate(BundledTemplatesDir() / (std::string(id) + ".json"));
    ASSERT_TRUE(t.ok()) << t.error().message;
    ASSERT_TRUE(t->scoring.has_value()) << id;
    EXPECT_EQ(t->scoring->elements.size(), 5u) << id;
    EXPECT_EQ(t->scoring->satisfied, (std::vector<std::string>{"4", "5"})) << id;
    EXPECT_FALSE(t->scoring->expectations.empty()) << id;
  }
  auto sipas = LoadTemplate(BundledTemplatesDir() / "sipas.json");
  ASSERT_TRUE(sipas.ok());
  std::vector<std::string> names;
  for (const auto& e : sipas->scoring->elements) names.push_back(e.id);
  EXPECT_EQ(names, (std::vector<std::string>{"tc", "tt", "cc", "kq", "gy"}));
  bool phone_personal = false;
  for (const auto& s : sipas->sections)
    for (const auto& q : s.questions) phone_personal = phone_personal || (q.id == "sdt" && q.personal);
  EXPECT_TRUE(phone_personal);
}

}  // namespace
}  // namespace phieu::templates
