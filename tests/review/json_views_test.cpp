// Copyright 2026 The Phiếu Authors
// SPDX-License-Identifier: Apache-2.0
// The review API's value shapes (docs/api.md: values as in the export contract).
#include <gtest/gtest.h>

#include "review-ui/src/json_views.h"

namespace phieu::review {
namespace {

using core::FieldKind;

TEST(ValueJsonTest, WritesValuesAsTheExportContract) {
  EXPECT_EQ(ValueJson(FieldKind::kSingle, {.selected = {"2"}}), Json("2"));
  EXPECT_TRUE(ValueJson(FieldKind::kScale, {}).is_null());
  EXPECT_EQ(ValueJson(FieldKind::kMulti, {.selected = {"a", "c"}}), Json::array({"a", "c"}));
  EXPECT_EQ(ValueJson(FieldKind::kMulti, {}), Json::array());
  EXPECT_EQ(ValueJson(FieldKind::kDigits, {.text = "1975"}), Json("1975"));
  EXPECT_TRUE(ValueJson(FieldKind::kText, {}).is_null());
  EXPECT_TRUE(ValueJson(FieldKind::kSingle, {.selected = {"2"}, .illegible = true}).is_null());
}

TEST(ParseValueTest, AcceptsWhatFitsTheKind) {
  store::FieldValue v;
  std::string err;
  ASSERT_TRUE(ParseValue(FieldKind::kSingle, Json(3), v, err));
  EXPECT_EQ(v.selected, std::vector<std::string>{"3"});
  ASSERT_TRUE(ParseValue(FieldKind::kScale, nullptr, v, err));
  EXPECT_TRUE(v.selected.empty());
  ASSERT_TRUE(ParseValue(FieldKind::kMulti, Json::array({"a", "b", "a"}), v, err));
  EXPECT_EQ(v.selected, (std::vector<std::string>{"a", "b"}));
  ASSERT_TRUE(ParseValue(FieldKind::kDigits, Json("0912"), v, err));
  EXPECT_EQ(v.text, "0912");
  ASSERT_TRUE(ParseValue(FieldKind::kText, Json("  "), v, err));
  EXPECT_FALSE(v.text.has_value()) << "an empty box is no answer";
}

TEST(ParseValueTest, NormalisesTextToNfc) {
  store::FieldValue v;
  std::string err;
  // "Nhiệt tình" typed as base letters + combining marks (e + U+0323 + U+0302).
  const std::string decomposed = "Nhie\xCC\xA3\xCC\x82t ti\xCC\x80nh";
  ASSERT_TRUE(ParseValue(FieldKind::kText, Json(decomposed), v, err)) << err;
  EXPECT_EQ(v.text, "Nhiệt tình");
}

TEST(ParseValueTest, RefusesWhatDoesNotFit) {
  store::FieldValue v;
  std::string err;
  EXPECT_FALSE(ParseValue(FieldKind::kSingle, Json::array({"1", "2"}), v, err));
  EXPECT_FALSE(err.empty());
  EXPECT_FALSE(ParseValue(FieldKind::kSingle, Json(true), v, err));
  EXPECT_FALSE(ParseValue(FieldKind::kSingle, Json(""), v, err));
  EXPECT_FALSE(ParseValue(FieldKind::kMulti, Json("a"), v, err));
  EXPECT_FALSE(ParseValue(FieldKind::kMulti, Json::array({Json::object()}), v, err));
  EXPECT_FALSE(ParseValue(FieldKind::kDigits, Json("19a5"), v, err));
  EXPECT_FALSE(ParseValue(FieldKind::kDigits, Json(1975), v, err));
  EXPECT_FALSE(ParseValue(FieldKind::kText, Json(std::string(5000, 'x')), v, err));
}

}  // namespace
}  // namespace phieu::review
