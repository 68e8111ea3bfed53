// Copyright 2026 The Phiếu Authors
// SPDX-License-Identifier: Apache-2.0
// A field a reviewer marked illegible, as the JSON export writes it: null, kept apart from a
// blank answer, and not counted as a required question left unanswered.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "exports/exports.h"
#include "store_test_util.h"

namespace phieu::store {
namespace {

using namespace phieu::store::testing;  // NOLINT

TEST(ExportIllegibleTest, IllegibleIsNullBlankIsEmpty) {
  auto s = ReadySurvey();
  auto f = BeginFile(*s, "a.pdf", 2);
  ASSERT_TRUE(s->SavePage(OkPage(f, 0, kTpl, 1, 1, 1000001, Page1Readings())).ok());
  ASSERT_TRUE(s->SavePage(OkPage(f, 1, kTpl, 1, 2, 1000001, Page2Readings(/*review_comment=*/true))).ok());
  auto item = s->LeaseNextReviewItem("lan", 600);
  ASSERT_TRUE(item.ok() && item->has_value());
  ASSERT_EQ((*item)->field_id, "comment");
  auto decided = s->DecideReviewItem({.item_id = (*item)->id, .version = (*item)->version,
                                      .value = {.selected = {}, .text = std::nullopt, .illegible = true},
                                      .who = "lan", .screen = "review", .address = ""});
  ASSERT_EQ(decided->outcome, DecisionOutcome::kRecorded);
  // q2 (multi, required): one reviewer says illegible; s1 (scale, required): another says blank.
  ASSERT_TRUE(s->RecordDecision({.serial = 1000001, .field_id = "q2", .selected = {}, .text = std::nullopt,
                                 .who = "lan", .illegible = true}).ok());
  ASSERT_TRUE(s->RecordDecision({.serial = 1000001, .field_id = "s1", .selected = {}, .text = std::nullopt,
                                 .who = "lan"}).ok());

  templates::TemplateCatalog catalog;
  templates::Layout layout = MakeLayout(kTpl, 1);
  for (auto& field : layout.fields) field.required = field.id == "q2" || field.id == "s1";
  catalog.Add(layout);
  auto out = exports::ExportJson(*s, catalog, {.include_pending = true});
  ASSERT_TRUE(out.ok()) << out.error().message;
  const auto j = nlohmann::json::parse(*out);
  ASSERT_EQ(j.size(), 1u);
  const auto& answers = j[0]["answers"];
  EXPECT_TRUE(answers["comment"].is_null());
  EXPECT_TRUE(answers["q2"].is_null()) << answers["q2"];  // not [] ("none of these")
  EXPECT_TRUE(answers["s1"].is_null());
  EXPECT_EQ(answers["q1"], 1);  // a numeric option exports as a number
  EXPECT_EQ(j[0]["pending"], nlohmann::json::array());
  EXPECT_EQ(j[0]["status"], "complete");
  // Left blank (s1) is the respondent's non-response; illegible (q2) is not.
  EXPECT_EQ(j[0]["unanswered_required"], nlohmann::json::array({"s1"}));
}

}  // namespace
}  // namespace phieu::store
