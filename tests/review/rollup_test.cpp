// Copyright 2026 The Phiếu Authors
// SPDX-License-Identifier: Apache-2.0
// The desk's progress per parent unit (desk_routes.cpp RollUpParents): sums at every level
// above a unit, a parent's own counts when it is a unit too, the units behind first.
#include <gtest/gtest.h>

#include "review-ui/src/desk_routes.h"

namespace phieu::review {
namespace {

Json Row(const std::string& unit, const std::string& parent, int quota, int scanned, int complete) {
  return {{"unit", unit}, {"parent", parent}, {"quota", quota}, {"allocated", quota},
          {"scanned", scanned}, {"complete", complete}, {"needs_review", scanned - complete},
          {"incomplete", 0}};
}

const Json* Find(const Json& rows, const std::string& unit) {
  for (const auto& r : rows)
    if (r["unit"] == unit) return &r;
  return nullptr;
}

TEST(RollUpParentsTest, SumsEveryLevelAboveAUnit) {
  // Province P > ward W1 (itself surveyed) > schools S1, S2; ward W2 > S3. Q is a parent code
  // that is no unit of the survey.
  const std::vector<store::Unit> all = {
      {.code = "P", .name = "Tỉnh", .kind = "admin", .parent = "", .quota = 0},
      {.code = "W1", .name = "Phường 1", .kind = "admin", .parent = "P", .quota = 10},
      {.code = "W2", .name = "Phường 2", .kind = "admin", .parent = "P", .quota = 0},
      {.code = "S1", .name = "Trường 1", .kind = "school", .parent = "W1", .quota = 50},
      {.code = "S2", .name = "Trường 2", .kind = "school", .parent = "W1", .quota = 50},
      {.code = "S3", .name = "Trường 3", .kind = "school", .parent = "W2", .quota = 40},
      {.code = "H1", .name = "Trạm y tế", .kind = "health", .parent = "Q", .quota = 20},
  };
  const Json units = Json::array({Row("P", "", 0, 0, 0), Row("W1", "P", 10, 8, 8), Row("W2", "P", 0, 0, 0),
                                  Row("S1", "W1", 50, 40, 30), Row("S2", "W1", 50, 10, 5),
                                  Row("S3", "W2", 40, 40, 40), Row("H1", "Q", 20, 20, 20)});
  const Json out = RollUpParents(units, all);
  ASSERT_EQ(out.size(), 4u);  // P, W1, W2, Q
  const Json* w1 = Find(out, "W1");
  ASSERT_NE(w1, nullptr);
  EXPECT_EQ((*w1)["units"], 2);
  EXPECT_EQ((*w1)["quota"], 110);  // S1 + S2 + its own 10
  EXPECT_EQ((*w1)["scanned"], 58);
  EXPECT_EQ((*w1)["complete"], 43);
  EXPECT_EQ((*w1)["needs_review"], 15);
  const Json* p = Find(out, "P");
  EXPECT_EQ((*p)["units"], 5);  // W1, W2, S1, S2, S3
  EXPECT_EQ((*p)["quota"], 150);
  EXPECT_EQ((*p)["complete"], 83);
  EXPECT_EQ((*p)["name"], "Tỉnh");
  const Json* q = Find(out, "Q");
  EXPECT_EQ((*q)["name"], "");
  EXPECT_EQ((*q)["complete"], 20);
  // Behind first: W1 43/110, P 83/150, then W2 and Q at 100%.
  EXPECT_EQ(out[0]["unit"], "W1");
  EXPECT_EQ(out[1]["unit"], "P");
  EXPECT_DOUBLE_EQ(out[0]["share_complete"].get<double>(), 43.0 / 110.0);
}

TEST(RollUpParentsTest, ACycleInTheParentsEndsTheWalk) {
  const std::vector<store::Unit> all = {{.code = "A", .name = "A", .kind = "", .parent = "B", .quota = 1},
                                        {.code = "B", .name = "B", .kind = "", .parent = "A", .quota = 1}};
  const Json out = RollUpParents(Json::array({Row("A", "B", 1, 1, 1), Row("B", "A", 1, 0, 0)}), all);
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ((*Find(out, "A"))["units"], 1);
  EXPECT_EQ((*Find(out, "B"))["units"], 1);
}

}  // namespace
}  // namespace phieu::review
