// Copyright 2026 The Phiếu Authors
// SPDX-License-Identifier: Apache-2.0
#include "core/result.h"
#include "core/geometry.h"

#include <gtest/gtest.h>

namespace phieu::core {
namespace {

Result<int> Half(int v) {
  if (v % 2) return MakeError("invalid", std::to_string(v) + " is odd");
  return v / 2;
}

TEST(ResultTest, CarriesValueOrError) {
  auto a = Half(8);
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(*a, 4);
  auto b = Half(3);
  ASSERT_FALSE(b.ok());
  EXPECT_EQ(b.error().code, "invalid");
  EXPECT_EQ(b.error().message, "3 is odd");
}

TEST(ResultTest, StatusDefaultsToOk) {
  Status s;
  EXPECT_TRUE(s.ok());
  Status e = MakeError("io", "x");
  EXPECT_FALSE(e.ok());
}

TEST(GeometryTest, RectIntersectionAndContainment) {
  RectMm a{0, 0, 10, 10}, b{9, 9, 5, 5}, c{10, 0, 5, 5};
  EXPECT_TRUE(a.Intersects(b));
  EXPECT_FALSE(a.Intersects(c));  // touching edges do not overlap
  EXPECT_TRUE(a.Contains(RectMm{1, 1, 2, 2}));
  EXPECT_NEAR(MmToPx(25.4, 300), 300.0, 1e-9);
}

}  // namespace
}  // namespace phieu::core
