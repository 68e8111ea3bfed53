// Copyright 2026 The Phiếu Authors
// SPDX-License-Identifier: Apache-2.0
//
// The re-check (phúc tra) in the store: the draw (share, strata, seed, no redraw), the second
// reviewer rule, the blind entry compared with the sheet's value, agreement, Cohen's kappa, the
// admin's settlement through the decision path, and the residual error with its Wilson interval,
// against a case computed by hand below.

#include <gtest/gtest.h>

#include <algorithm>
#include <set>

#include "store_test_util.h"

namespace phieu::store::testing {
namespace {

using core::FieldKind;

// Stores both pages of `serial`, every reading confident (a complete sheet) unless
// `open_review`; `s1` is what the machine read on the scale row.
void ScanSheet(Store& s, core::Serial serial, const std::string& s1 = "4", bool open_review = false) {
  const auto file = BeginFile(s, "sheet-" + std::to_string(serial) + ".pdf");
  std::vector<ReadingRecord> page1 = {
      BoxReading("q1", FieldKind::kSingle, {"1"}, open_review),
      BoxReading("q2", FieldKind::kMulti, {"a", "c"}),
      BoxReading("s1", FieldKind::kScale, {s1})};
  ASSERT_TRUE(s.SavePage(OkPage(file, 0, kTpl, 1, 1, serial, page1)).ok());
  ASSERT_TRUE(s.SavePage(OkPage(file, 1, kTpl, 1, 2, serial, Page2Readings())).ok());
  ASSERT_TRUE(s.FinishScanFile(file).ok());
}

// `n` complete sheets of `unit`; returns their serials.
std::vector<core::Serial> CompleteSheets(Store& s, const std::string& unit, int n) {
  auto serials = s.AllocateSerials(kTpl, 1, unit, n);
  EXPECT_TRUE(serials.ok());
  for (core::Serial serial : *serials) ScanSheet(s, serial);
  return *serials;
}

std::map<std::string, int> ByUnit(Store& s, const std::vector<core::Serial>& serials) {
  std::map<std::string, int> out;
  for (core::Serial serial : serials) ++out[(*s.FindSheet(serial))->unit_code];
  return out;
}

RecheckDraw Draw(Store& s, double share, bool per_unit, std::uint64_t seed) {
  auto d = s.DrawRecheck({.share = share, .per_unit = per_unit, .seed = seed, .written = false,
                          .who = "quantri"});
  EXPECT_TRUE(d.ok()) << d.error().message;
  return d.ok() ? *d : RecheckDraw{};
}

FieldValue Pick(std::vector<std::string> v) { return FieldValue{.selected = std::move(v)}; }

TEST(RecheckDrawTest, ShareOfCompleteSheetsOnlyRecordedWithSeedAndWho) {
  auto s = ReadySurvey();
  auto x = CompleteSheets(*s, "X01", 20);
  auto t = CompleteSheets(*s, "T01", 10);
  // Not complete: an open review item, and a sheet missing its page 2.
  auto more = s->AllocateSerials(kTpl, 1, "X01", 2);
  ScanSheet(*s, (*more)[0], "4", /*open_review=*/true);
  const auto file = BeginFile(*s, "half.pdf", 1);
  ASSERT_TRUE(s->SavePage(OkPage(file, 0, kTpl, 1, 1, (*more)[1], Page1Readings())).ok());

  RecheckDraw d = Draw(*s, 0.10, false, 7);
  EXPECT_EQ(d.complete_sheets, 30);
  ASSERT_EQ(d.serials.size(), 3u);  // ceil(0.10 × 30)
  for (core::Serial serial : d.serials) {
    EXPECT_NE(serial, (*more)[0]);
    EXPECT_NE(serial, (*more)[1]);
  }
  auto report = s->GetRecheckReport();
  ASSERT_TRUE(report.ok());
  ASSERT_EQ(report->draws.size(), 1u);
  EXPECT_EQ(report->draws[0].seed, 7u);
  EXPECT_DOUBLE_EQ(report->draws[0].share, 0.10);
  EXPECT_EQ(report->draws[0].who, "quantri");
  EXPECT_EQ(report->draws[0].at.size(), 24u);  // 2026-12-06T20:11:20.123Z
  EXPECT_EQ(report->sheets_drawn, 3);
}

TEST(RecheckDrawTest, PerUnitStratifiesWithAtLeastOneSheetPerUnit) {
  auto s = ReadySurvey();
  ASSERT_TRUE(s->ImportUnitsCsv("code,name,kind,quota,parent\nS01,Trường An Bình,school,5,HN\n",
                                "more.csv").ok());
  CompleteSheets(*s, "X01", 20);
  CompleteSheets(*s, "T01", 10);
  CompleteSheets(*s, "S01", 3);
  RecheckDraw d = Draw(*s, 0.10, true, 11);
  // ceil(0.1 × 20) = 2, ceil(0.1 × 10) = 1, ceil(0.1 × 3) = 1.
  EXPECT_EQ(ByUnit(*s, d.serials), (std::map<std::string, int>{{"S01", 1}, {"T01", 1}, {"X01", 2}}));
}

TEST(RecheckDrawTest, SameSeedSameSheetsAnotherSeedOthers) {
  std::vector<std::vector<core::Serial>> drawn;
  for (std::uint64_t seed : {42u, 42u, 43u}) {
    auto s = ReadySurvey();
    CompleteSheets(*s, "X01", 40);
    drawn.push_back(Draw(*s, 0.10, false, seed).serials);
  }
  ASSERT_EQ(drawn[0].size(), 4u);
  EXPECT_EQ(drawn[0], drawn[1]);
  EXPECT_NE(drawn[0], drawn[2]);
}

TEST(RecheckDrawTest, SecondDrawNeverRedrawsAndTopsUpToTheShare) {
  auto s = ReadySurvey();
  CompleteSheets(*s, "X01", 30);
  RecheckDraw first = Draw(*s, 0.10, false, 1);
  ASSERT_EQ(first.serials.size(), 3u);
  RecheckDraw again = Draw(*s, 0.10, false, 1);  // same seed: still nothing drawn twice
  EXPECT_EQ(again.already_drawn, 3);
  EXPECT_TRUE(again.serials.empty());
  RecheckDraw more = Draw(*s, 0.20, false, 1);
  ASSERT_EQ(more.serials.size(), 3u);  // ceil(0.2 × 30) = 6, 3 of them drawn before
  for (core::Serial serial : more.serials)
    EXPECT_EQ(std::count(first.serials.begin(), first.serials.end(), serial), 0);
  EXPECT_EQ(s->GetRecheckReport()->sheets_drawn, 6);
  // Bad share: a usage error, nothing recorded.
  EXPECT_FALSE(s->DrawRecheck({.share = 0.0, .who = "quantri"}).ok());
  EXPECT_FALSE(s->DrawRecheck({.share = 1.5, .who = "quantri"}).ok());
  EXPECT_EQ(s->GetRecheckReport()->draws.size(), 3u);
}

TEST(RecheckEntryTest, FirstReviewerGetsNothingAnotherReviewerEntersBlind) {
  auto s = ReadySurvey();
  auto serials = CompleteSheets(*s, "X01", 1);
  const core::Serial serial = serials[0];
  // lan corrects a field of the sheet: she is its first reviewer.
  ASSERT_TRUE(s->RecordDecision({.serial = serial, .field_id = "q1", .selected = {"2"},
                                 .text = std::nullopt, .who = "lan"}).ok());
  ASSERT_EQ(Draw(*s, 1.0, false, 5).serials, serials);

  auto none = s->LeaseNextRecheckSheet("lan", 600);
  ASSERT_TRUE(none.ok());
  EXPECT_FALSE(none->has_value());
  auto get = s->GetRecheckSheet(serial, "lan");
  ASSERT_TRUE(get.ok());
  EXPECT_EQ(get->first.outcome, RecheckOutcome::kFirstReviewer);
  EXPECT_FALSE(get->second.has_value());

  auto view = s->LeaseNextRecheckSheet("minh", 600);
  ASSERT_TRUE(view.ok() && view->has_value());
  EXPECT_EQ((*view)->serial, serial);
  EXPECT_EQ((*view)->lease_owner, "minh");
  // Box fields only (the draw was not --written), layout order, with their printed options.
  std::vector<std::string> ids;
  for (const auto& f : (*view)->fields) ids.push_back(f.field_id);
  EXPECT_EQ(ids, (std::vector<std::string>{"q1", "q2", "s1"}));
  EXPECT_EQ((*view)->fields[1].options.size(), 3u);

  RecheckEntry entry{.serial = serial, .version = (*view)->version,
                     .values = {{"q1", Pick({"2"})}, {"q2", Pick({"c", "a"})}, {"s1", Pick({"4"})}},
                     .who = "lan", .address = ""};
  // lan may not submit either, nor anyone while minh holds the lease, nor a stale version.
  EXPECT_EQ(s->SubmitRecheck(entry)->outcome, RecheckOutcome::kFirstReviewer);
  entry.who = "hoa";
  EXPECT_EQ(s->SubmitRecheck(entry)->outcome, RecheckOutcome::kLeasedToOther);
  entry.who = "minh";
  entry.version += 1;
  EXPECT_EQ(s->SubmitRecheck(entry)->outcome, RecheckOutcome::kStale);
  entry.version -= 1;
  // Every field must be given, and fit.
  auto partial = entry;
  partial.values.erase("s1");
  EXPECT_EQ(s->SubmitRecheck(partial)->outcome, RecheckOutcome::kInvalid);
  auto wrong = entry;
  wrong.values["q1"] = Pick({"9"});
  EXPECT_EQ(s->SubmitRecheck(wrong)->outcome, RecheckOutcome::kInvalid);

  auto ok = s->SubmitRecheck(entry);
  ASSERT_TRUE(ok.ok());
  EXPECT_EQ(ok->outcome, RecheckOutcome::kRecorded);
  EXPECT_EQ(s->SubmitRecheck(entry)->outcome, RecheckOutcome::kStale);  // entered already
  auto cmp = s->ListRecheckComparisons(false);
  ASSERT_EQ(cmp->size(), 3u);
  EXPECT_EQ((*cmp)[0].field_id, "q1");
  EXPECT_FALSE((*cmp)[0].first_accepted);  // lan's value, not the machine's
  EXPECT_EQ((*cmp)[0].first_who, "lan");
  EXPECT_TRUE((*cmp)[0].equal);
  EXPECT_TRUE((*cmp)[1].first_accepted);
  EXPECT_TRUE((*cmp)[1].equal);  // {c, a} and {a, c} are one answer
  EXPECT_EQ((*cmp)[1].blind_who, "minh");
  EXPECT_FALSE(s->LeaseNextRecheckSheet("hoa", 600)->has_value());
}

// The review queue passes over items of sheets the reviewer may still enter blind, in the lease
// query itself: the next item they may see comes back, not nothing.
TEST(RecheckEntryTest, TheReviewQueueLeasesNoItemOfASheetTheReviewerMayEnterBlind) {
  auto s = ReadySurvey();
  auto serials = *s->AllocateSerials(kTpl, 1, "X01", 3);
  for (core::Serial serial : serials) ScanSheet(*s, serial, "4", /*open_review=*/true);
  // lan decides the items of the first two sheets (complete now, drawn), then takes both back
  // and leaves them: two free open items of drawn sheets before the third sheet's item.
  std::vector<std::pair<std::int64_t, int>> decided;
  for (int i = 0; i < 2; ++i) {
    auto item = **s->LeaseNextReviewItem("lan", 600);
    ASSERT_EQ(item.serial, serials[i]);
    auto r = s->DecideReviewItem({.item_id = item.id, .version = item.version, .value = Pick({"2"}), .who = "lan",
                                  .screen = "review", .address = ""});
    ASSERT_EQ(r->outcome, DecisionOutcome::kRecorded);
    decided.emplace_back(item.id, r->version);
  }
  ASSERT_EQ(Draw(*s, 1.0, false, 3).serials, (std::vector<core::Serial>{serials[0], serials[1]}));
  for (const auto& [id, version] : decided) {
    ASSERT_EQ(s->ReopenReviewItem(id, version, "lan", "review", "")->outcome, DecisionOutcome::kRecorded);
    ASSERT_TRUE(s->ReleaseLease(id, "lan").ok());  // an undo leases the item to her: free it
  }
  // minh may enter both drawn sheets blind: the third sheet's item is his.
  auto minh = s->LeaseNextReviewItem("minh", 600, {}, "minh");
  ASSERT_TRUE(minh.ok()) << minh.error().message;
  ASSERT_TRUE(minh->has_value());
  EXPECT_EQ((*minh)->serial, serials[2]);
  // And again (a reload): the same one, still not a drawn sheet's.
  EXPECT_EQ((**s->LeaseNextReviewItem("minh", 600, {}, "minh")).serial, serials[2]);
  // With that one skipped, nothing is left for him.
  EXPECT_FALSE(s->LeaseNextReviewItem("minh", 600, {(*minh)->id}, "minh")->has_value());
  // lan decided those sheets: not blind to her, she gets the oldest.
  EXPECT_EQ((**s->LeaseNextReviewItem("lan", 600, {}, "lan")).serial, serials[0]);
  // Without `blind_for` the queue is every open item (hoa gets the second drawn sheet's).
  EXPECT_EQ((**s->LeaseNextReviewItem("hoa", 600)).serial, serials[1]);
}

TEST(RecheckStatsTest, KappaAndWilsonByHand) {
  // Kappa: pairs (a,a) (a,a) (b,b) (c,d): po = 3/4; first a:2 b:1 c:1, blind a:2 b:1 d:1;
  // pe = (2/4)(2/4) + (1/4)(1/4) = 0.3125; kappa = (0.75 - 0.3125) / 0.6875 = 7/11.
  auto k = CohenKappa({{"a", "a"}, {"a", "a"}, {"b", "b"}, {"c", "d"}});
  ASSERT_TRUE(k.has_value());
  EXPECT_NEAR(*k, 7.0 / 11.0, 1e-12);
  EXPECT_NEAR(*CohenKappa({{"a", "b"}, {"b", "a"}}), -1.0, 1e-12);  // po 0, pe 1/2
  EXPECT_FALSE(CohenKappa({{"a", "a"}, {"a", "a"}}).has_value());  // one category: undefined
  EXPECT_FALSE(CohenKappa({}).has_value());
  // Wilson, x = 1, n = 10, z = 1.96: p = 0.1, z² = 3.8416, d = 1 + z²/n = 1.38416,
  // centre = (0.1 + z²/20) / d = 0.29208 / 1.38416 = 0.2110161,
  // half = (1.96 / d) · sqrt(0.1·0.9/10 + z²/400) = 1.4160213 · 0.1363965 = 0.1931403,
  // interval = [0.0178757, 0.4041564].
  auto [low, high] = WilsonInterval(1, 10);
  EXPECT_NEAR(low, 0.0178757, 1e-6);
  EXPECT_NEAR(high, 0.4041564, 1e-6);
  // x = 0: the lower end is 0 and the upper end z²/(n + z²) = 3.8416/13.8416 = 0.2775402.
  auto [l0, h0] = WilsonInterval(0, 10);
  EXPECT_NEAR(l0, 0.0, 1e-12);
  EXPECT_NEAR(h0, 0.2775402, 1e-6);
  EXPECT_EQ(WilsonInterval(0, 0), (std::pair<double, double>{0.0, 0.0}));
}

// The case computed by hand: four sheets, all drawn, three box fields each (q1 single, q2 multi,
// s1 scale); the machine read q1 = 1, q2 = {a, c} everywhere and s1 = 4, 4, 2, 5 on A, B, C, D;
// lan set B's s1 to 4 before the draw (a human value, not an accepted one). minh enters:
//   A: q1 1, q2 {c, a}, s1 4   -> 3 equal
//   B: q1 2, q2 {a, c}, s1 4   -> q1 differs
//   C: q1 1, q2 {a},    s1 2   -> q2 differs
//   D: q1 1, q2 {a, c}, s1 3   -> s1 differs
// Agreement: 9 of 12; per field 3/4 each; per unit (A, B in X01; C, D in T01) X01 5/6, T01 4/6.
// Kappa of s1: pairs (4,4) (4,4) (2,2) (5,3) = 7/11 (RecheckStatsTest above).
// The admin settles B q1 = 2 (the blind entry was right: the machine's 1 was wrong) and
// C q2 = {a, c} (the first value was right: no error); D s1 stays open.
// Residual error of boxes: accepted values = 12 - 1 (B s1 is lan's) = 11, of which D s1 is
// unsettled, so n = 10 decided accepted values, x = 1 wrong (B q1): 10%, Wilson [1.79%, 40.4%].
TEST(RecheckReportTest, AgreementKappaSettlementAndResidualErrorByHand) {
  auto s = ReadySurvey();
  auto x = s->AllocateSerials(kTpl, 1, "X01", 2);
  auto t = s->AllocateSerials(kTpl, 1, "T01", 2);
  const core::Serial a = (*x)[0], b = (*x)[1], c = (*t)[0], d = (*t)[1];
  ScanSheet(*s, a, "4");
  ScanSheet(*s, b, "4");
  ScanSheet(*s, c, "2");
  ScanSheet(*s, d, "5");
  ASSERT_TRUE(s->RecordDecision({.serial = b, .field_id = "s1", .selected = {"4"},
                                 .text = std::nullopt, .who = "lan"}).ok());
  ASSERT_EQ(Draw(*s, 1.0, true, 3).serials.size(), 4u);

  std::map<core::Serial, std::map<std::string, FieldValue>> blind = {
      {a, {{"q1", Pick({"1"})}, {"q2", Pick({"c", "a"})}, {"s1", Pick({"4"})}}},
      {b, {{"q1", Pick({"2"})}, {"q2", Pick({"a", "c"})}, {"s1", Pick({"4"})}}},
      {c, {{"q1", Pick({"1"})}, {"q2", Pick({"a"})}, {"s1", Pick({"2"})}}},
      {d, {{"q1", Pick({"1"})}, {"q2", Pick({"a", "c"})}, {"s1", Pick({"3"})}}}};
  for (int i = 0; i < 4; ++i) {
    auto view = s->LeaseNextRecheckSheet("minh", 600);
    ASSERT_TRUE(view.ok() && view->has_value());
    auto r = s->SubmitRecheck({.serial = (*view)->serial, .version = (*view)->version,
                               .values = blind.at((*view)->serial), .who = "minh", .address = ""});
    ASSERT_EQ(r->outcome, RecheckOutcome::kRecorded) << r->message;
  }
  auto open = s->ListRecheckComparisons(true);
  ASSERT_EQ(open->size(), 3u);
  EXPECT_EQ((*open)[0].serial, b);
  EXPECT_EQ((*open)[0].first_value, R"(["1"])");
  EXPECT_EQ((*open)[0].blind_value, R"(["2"])");

  // Settle: admin only at the HTTP level; here the settlement and its effects.
  const Actor admin{.who = "quantri", .screen = "recheck", .address = "10.0.0.9"};
  ASSERT_EQ(s->SettleRecheck(b, "q1", Pick({"2"}), admin)->outcome, RecheckOutcome::kRecorded);
  // One comparison by sheet and field, as the list gives it, settled now.
  auto one = s->FindRecheckComparison(b, "q1");
  ASSERT_TRUE(one.ok()) << one.error().message;
  ASSERT_TRUE(one->has_value());
  EXPECT_EQ((*one)->serial, b);
  EXPECT_EQ((*one)->field_id, "q1");
  EXPECT_EQ((*one)->first_value, (*open)[0].first_value);
  EXPECT_EQ((*one)->blind_value, (*open)[0].blind_value);
  EXPECT_EQ((*one)->blind_who, "minh");
  EXPECT_EQ((*one)->settled_value, R"(["2"])");
  EXPECT_EQ((*one)->settled_by, "quantri");
  EXPECT_FALSE((*one)->equal);
  EXPECT_TRUE(s->FindRecheckComparison(a, "q1")->has_value());  // compared, and equal
  EXPECT_FALSE(s->FindRecheckComparison(b, "no_such_field")->has_value());
  EXPECT_FALSE(s->FindRecheckComparison(4242, "q1")->has_value());
  ASSERT_EQ(s->SettleRecheck(c, "q2", Pick({"c", "a"}), admin)->outcome, RecheckOutcome::kRecorded);
  EXPECT_EQ(s->SettleRecheck(c, "q2", Pick({"a"}), admin)->outcome, RecheckOutcome::kStale);
  EXPECT_EQ(s->SettleRecheck(a, "q1", Pick({"2"}), admin)->outcome, RecheckOutcome::kNotFound);
  EXPECT_EQ(s->SettleRecheck(d, "s1", Pick({"9"}), admin)->outcome, RecheckOutcome::kInvalid);
  // The settled value is the sheet's value, with an audit row from the re-check screen.
  auto sheet = s->GetSheet(b);
  EXPECT_EQ((*sheet)->selected.at("q1"), std::vector<std::string>{"2"});
  auto audit = s->ListAudit({.serial = b, .field_id = "q1", .user = "", .limit = 10});
  ASSERT_EQ(audit->size(), 1u);
  EXPECT_EQ(audit->front().who, "quantri");
  EXPECT_EQ(audit->front().entity, "decision");
  EXPECT_EQ(audit->front().screen, "recheck");
  EXPECT_EQ(audit->front().address, "10.0.0.9");
  EXPECT_EQ(audit->front().old_value, std::optional<std::string>(R"(["1"])"));
  EXPECT_EQ(audit->front().new_value, std::optional<std::string>(R"(["2"])"));

  auto r = s->GetRecheckReport();
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->sheets_entered, 4);
  EXPECT_EQ(r->fields, 12);
  EXPECT_EQ(r->equal, 9);
  EXPECT_EQ(r->disagreements_settled, 2);
  EXPECT_EQ(r->disagreements_open, 1);
  ASSERT_EQ(r->by_field.size(), 3u);
  for (const auto& row : r->by_field) {
    EXPECT_EQ(row.fields, 4) << row.key;
    EXPECT_EQ(row.equal, 3) << row.key;
    EXPECT_EQ(row.kappa.has_value(), row.key == "s1") << row.key;
  }
  EXPECT_NEAR(*r->by_field[2].kappa, 7.0 / 11.0, 1e-12);
  EXPECT_NEAR(*r->scale_kappa, 7.0 / 11.0, 1e-12);
  ASSERT_EQ(r->by_reviewer.size(), 1u);
  EXPECT_EQ(r->by_reviewer[0].key, "minh");
  EXPECT_EQ(r->by_reviewer[0].equal, 9);
  ASSERT_EQ(r->by_unit.size(), 2u);
  EXPECT_EQ(r->by_unit[0].key, "T01");
  EXPECT_EQ(r->by_unit[0].equal, 4);
  EXPECT_EQ(r->by_unit[1].key, "X01");
  EXPECT_EQ(r->by_unit[1].equal, 5);
  ASSERT_EQ(r->residual.size(), 3u);
  const ResidualError& boxes = r->residual[0];
  EXPECT_EQ(boxes.kind, "boxes");
  EXPECT_EQ(boxes.accepted, 10);
  EXPECT_EQ(boxes.wrong, 1);
  EXPECT_EQ(boxes.unsettled, 1);
  EXPECT_DOUBLE_EQ(boxes.rate, 0.1);
  EXPECT_NEAR(boxes.low, 0.0178757, 1e-6);
  EXPECT_NEAR(boxes.high, 0.4041564, 1e-6);
  EXPECT_EQ(r->residual[1].accepted, 0);  // no digits or text re-entered in this draw
}

TEST(RecheckEntryTest, WrittenDrawReentersDigitsAndText) {
  auto s = ReadySurvey();
  auto serials = CompleteSheets(*s, "X01", 1);
  ASSERT_TRUE(s->DrawRecheck({.share = 1.0, .per_unit = false, .seed = 1, .written = true,
                              .who = "quantri"}).ok());
  auto view = s->LeaseNextRecheckSheet("minh", 600);
  ASSERT_TRUE(view.ok() && view->has_value());
  ASSERT_EQ((*view)->fields.size(), 5u);
  std::map<std::string, FieldValue> values = {
      {"q1", Pick({"1"})}, {"q2", Pick({"a", "c"})}, {"s1", Pick({"4"})},
      {"age", FieldValue{.selected = {}, .text = " 42 "}},  // trimmed: equal to the reading
      {"comment", FieldValue{.selected = {}, .text = "Tốt lắm"}}};  // the machine saw a blank
  ASSERT_EQ(s->SubmitRecheck({.serial = serials[0], .version = (*view)->version, .values = values,
                              .who = "minh", .address = ""})->outcome,
            RecheckOutcome::kRecorded);
  auto r = s->GetRecheckReport();
  EXPECT_EQ(r->equal, 4);
  EXPECT_EQ(r->residual[1].kind, "digits");
  EXPECT_EQ(r->residual[1].accepted, 1);
  EXPECT_EQ(r->residual[2].unsettled, 1);
  ASSERT_EQ(s->SettleRecheck(serials[0], "comment", FieldValue{.selected = {}, .text = "Tốt lắm"},
                             {.who = "quantri", .screen = "recheck", .address = ""})->outcome,
            RecheckOutcome::kRecorded);
  r = s->GetRecheckReport();
  EXPECT_EQ(r->residual[2].accepted, 1);
  EXPECT_EQ(r->residual[2].wrong, 1);
  EXPECT_EQ((*s->GetSheet(serials[0]))->text.at("comment"), std::optional<std::string>("Tốt lắm"));
}

}  // namespace
}  // namespace phieu::store::testing

namespace phieu::store::testing {
namespace {

// Review speed from audit timestamps, by hand: now = 10:40, a 60-minute window (after 09:40).
// lan decided at 10:00, 10:06, 10:12: 2 intervals in 0.2 h = 10 items/hour; minh at 10:30 and
// 10:31:30: 1 in 0.025 h = 40/hour; hoa at 08:00 is outside the window; lan's undo at 10:20 is
// not a decision. Team 50/hour; 5 open items -> 0.1 hours left.
TEST(ReviewSpeedTest, PaceQueueAndTimeLeftFromTheAudit) {
  TempDir dir;
  const auto db = dir.path() / "survey.db";
  {
    auto s = ReadySurvey(db);
    auto serials = s->AllocateSerials(kTpl, 1, "X01", 5);
    for (core::Serial serial : *serials) ScanSheet(*s, serial, "4", /*open_review=*/true);
  }
  sqlite3* h = nullptr;
  ASSERT_EQ(sqlite3_open(db.c_str(), &h), SQLITE_OK);
  const char* sql =
      "INSERT INTO audit (who, at, entity, entity_id, old, new, screen, address) VALUES "
      "('lan','2026-12-06T10:00:00.000Z','decision','1/q1',NULL,'[]','review',''),"
      "('lan','2026-12-06T10:06:00.000Z','decision','1/q2',NULL,'[]','review',''),"
      "('lan','2026-12-06T10:12:00.000Z','decision','1/s1',NULL,'[]','review',''),"
      "('lan','2026-12-06T10:20:00.000Z','undo','1/s1','[]',NULL,'review',''),"
      "('minh','2026-12-06T10:30:00.000Z','decision','2/q1',NULL,'[]','review',''),"
      "('minh','2026-12-06T10:31:30.000Z','decision','2/q2',NULL,'[]','review',''),"
      "('hoa','2026-12-06T08:00:00.000Z','decision','3/q1',NULL,'[]','review','')";
  ASSERT_EQ(sqlite3_exec(h, sql, nullptr, nullptr, nullptr), SQLITE_OK) << sqlite3_errmsg(h);
  sqlite3_close(h);

  auto s = OpenOrDie(db, false);
  auto speed = s->GetReviewSpeed("2026-12-06T10:40:00Z", 60);
  ASSERT_TRUE(speed.ok()) << speed.error().message;
  EXPECT_EQ(speed->now, "2026-12-06T10:40:00.000Z");
  ASSERT_EQ(speed->reviewers.size(), 2u);
  EXPECT_EQ(speed->reviewers[0].who, "lan");
  EXPECT_EQ(speed->reviewers[0].decisions, 3);
  EXPECT_NEAR(speed->reviewers[0].items_per_hour, 10.0, 1e-6);
  EXPECT_EQ(speed->reviewers[1].who, "minh");
  EXPECT_NEAR(speed->reviewers[1].items_per_hour, 40.0, 1e-6);
  EXPECT_EQ(speed->queue_left, 5);
  EXPECT_NEAR(speed->items_per_hour, 50.0, 1e-6);
  ASSERT_TRUE(speed->hours_left.has_value());
  EXPECT_NEAR(*speed->hours_left, 0.1, 1e-6);
  // A window of 3 hours takes hoa in: one decision, no pace of her own.
  auto wide = s->GetReviewSpeed("2026-12-06T10:40:00Z", 180);
  ASSERT_EQ(wide->reviewers.size(), 3u);
  EXPECT_EQ(wide->reviewers[0].who, "hoa");
  EXPECT_EQ(wide->reviewers[0].items_per_hour, 0.0);
  // Nobody at work: no time left to promise.
  auto quiet = s->GetReviewSpeed("2026-12-07T10:40:00Z", 60);
  EXPECT_TRUE(quiet->reviewers.empty());
  EXPECT_FALSE(quiet->hours_left.has_value());
  EXPECT_FALSE(s->GetReviewSpeed("", 0).ok());
}

}  // namespace
}  // namespace phieu::store::testing
