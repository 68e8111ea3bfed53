// Copyright 2026 The Phiếu Authors
// SPDX-License-Identifier: Apache-2.0
//
// The review side of the store: reasons as codes, leases, versions, decisions, undo, audit,
// logins, and the migration that brought them (schema 3).

#include <gtest/gtest.h>
#include <sqlite3.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <set>
#include <thread>

#include "reason_codes.h"
#include "schema.h"
#include "store/store.h"
#include "store_test_util.h"

namespace phieu::store {
namespace {

using namespace phieu::store::testing;  // NOLINT
using core::ReviewReason;

// `n` sheets whose q1 (single, options 1 and 2) is flagged; returns the open item ids in order.
std::vector<std::int64_t> SeedItems(Store& s, int n, core::Serial first = 1000001) {
  for (int i = 0; i < n; ++i) {
    auto f = BeginFile(s, "sheet" + std::to_string(first + i) + ".tif", 1);
    auto saved = s.SavePage(OkPage(f, 0, kTpl, 1, 1, first + i, Page1Readings(/*review_q1=*/true)));
    EXPECT_TRUE(saved.ok());
  }
  auto items = s.ListOpenReviewItems(100000);
  EXPECT_TRUE(items.ok());
  std::vector<std::int64_t> ids;
  for (const auto& it : *items) ids.push_back(it.id);
  return ids;
}

FieldValue Pick(std::vector<std::string> values) {
  return FieldValue{.selected = std::move(values), .text = std::nullopt, .illegible = false};
}

ItemDecision Decide(const ReviewItemView& item, FieldValue value, const std::string& who) {
  return ItemDecision{.item_id = item.id, .version = item.version, .value = std::move(value),
                      .who = who, .screen = "review", .address = "10.0.0.7"};
}

ReviewItemView Item(Store& s, std::int64_t id) {
  auto v = s.GetReviewItem(id);
  EXPECT_TRUE(v.ok() && v->has_value());
  return v.ok() && v->has_value() ? **v : ReviewItemView{};
}

SheetRecord Sheet(Store& s, core::Serial serial) {
  auto r = s.GetSheet(serial);
  EXPECT_TRUE(r.ok() && r->has_value());
  return r.ok() && r->has_value() ? **r : SheetRecord{};
}

// --- reasons as codes ---------------------------------------------------------------------

TEST(ReasonCodesTest, EnglishReasonsReadAsCodes) {
  using V = std::vector<ReviewReason>;
  EXPECT_EQ(ReasonCodesFromText("box 3: heavy shading, mark or cancellation?"),
            (V{{"heavy_mark", {{"box", "3"}}}}));
  EXPECT_EQ(ReasonCodesFromText("box 2: faint mark, box outline not found; 2 boxes marked in a "
                                "one-answer question"),
            (V{{"faint_mark", {{"box", "2"}}}, {"box_not_found", {{"box", "2"}}},
               {"two_marks_single", {{"count", "2"}}}}));
  EXPECT_EQ(ReasonCodesFromText("4 marked, at most 3 allowed"),
            (V{{"over_max", {{"count", "4"}, {"max", "3"}}}}));
  EXPECT_EQ(ReasonCodesFromText("1890 is outside 1920-2010"),
            (V{{"digit_out_of_range", {{"value", "1890"}, {"min", "1920"}, {"max", "2010"}}}}));
  EXPECT_EQ(ReasonCodesFromText("2 digits unclear (1 written over the cell border); empty cell "
                                "between digits"),
            (V{{"digits_unclear", {{"count", "2"}, {"over_border", "1"}}}, {"digit_gap", {}}}));
  EXPECT_EQ(ReasonCodesFromText("1 digit unclear"),
            (V{{"digits_unclear", {{"count", "1"}, {"over_border", "0"}}}}));
  EXPECT_EQ(ReasonCodesFromText("option 2: its label is circled, its box left empty"),
            (V{{"label_circled", {{"option", "2"}}}}));
  EXPECT_EQ(ReasonCodesFromText("1 box filled beside a cross: a correction or another choice?"),
            (V{{"fill_beside_cross", {{"count", "1"}}}}));
  EXPECT_EQ(ReasonCodesFromText("required question left blank"), (V{{"required_left_blank", {}}}));
  EXPECT_EQ(ReasonCodesFromText("handwriting: check the draft transcription"),
            (V{{"handwriting_check_draft", {}}}));
  EXPECT_EQ(ReasonCodesFromText("low confidence"), (V{{"low_confidence", {}}}));
  EXPECT_EQ(ReasonCodesFromText("the cat sat on it"), (V{{"legacy", {{"text", "the cat sat on it"}}}}));
  EXPECT_EQ(ReasonCodesFromText("box 2: something new"),
            (V{{"legacy", {{"text", "box 2: something new"}}}}));
  EXPECT_TRUE(ReasonCodesFromText("").empty());
  EXPECT_EQ(StoredReasonCodes({}, "", /*needs_review=*/true), (V{{"low_confidence", {}}}));
  EXPECT_TRUE(StoredReasonCodes({}, "", /*needs_review=*/false).empty());
  // Codes given by recognition win over the text.
  EXPECT_EQ(StoredReasonCodes({{"circled_box", {{"box", "1"}}}}, "whatever", true),
            (V{{"circled_box", {{"box", "1"}}}}));
  const V round = {{"digit_out_of_range", {{"value", "7"}, {"min", "18"}, {"max", "99"}}},
                   {"digit_gap", {}}};
  EXPECT_EQ(ReasonCodesFromJson(ReasonCodesToJson(round)), round);
  EXPECT_EQ(ReasonCodesToJson(round),
            R"([{"code":"digit_out_of_range","params":{"value":"7","min":"18","max":"99"}},)"
            R"({"code":"digit_gap","params":{}}])");
}

TEST(ReviewQueueTest, ItemsCarryReasonCodesFromRecognitionOrFromTheirText) {
  auto s = ReadySurvey();
  auto f = BeginFile(*s, "a.tif", 1);
  auto readings = Page1Readings();
  readings[0].needs_review = true;
  readings[0].reason = "box 2: circled rather than ticked";  // no codes: read from the text
  readings[1].needs_review = true;
  readings[1].reason = "anything";
  readings[1].reasons = {{"over_max", {{"count", "3"}, {"max", "2"}}}};
  ASSERT_TRUE(s->SavePage(OkPage(f, 0, kTpl, 1, 1, 1000001, readings)).ok());
  auto items = s->ListOpenReviewItems(10);
  ASSERT_TRUE(items.ok());
  ASSERT_EQ(items->size(), 2u);
  EXPECT_EQ((*items)[0].reasons, (std::vector<ReviewReason>{{"circled_box", {{"box", "2"}}}}));
  EXPECT_EQ((*items)[1].reasons,
            (std::vector<ReviewReason>{{"over_max", {{"count", "3"}, {"max", "2"}}}}));
  EXPECT_EQ(Item(*s, (*items)[1].id).reasons, (*items)[1].reasons);
}

TEST(ReviewQueueTest, RequiredLeftBlankIsCountedByCode) {
  auto s = ReadySurvey();
  auto f = BeginFile(*s, "a.tif", 1);
  auto readings = Page1Readings();
  readings[0].selected.clear();
  readings[0].reason = "";  // a newer recognition: codes only, other words
  readings[0].reasons = {{"required_left_blank", {}}};
  readings[1].selected.clear();
  readings[1].reason = "required question left blank";  // an older one: the text only
  ASSERT_TRUE(s->SavePage(OkPage(f, 0, kTpl, 1, 1, 1000001, readings)).ok());
  auto status = s->GetStatus();
  ASSERT_TRUE(status.ok());
  EXPECT_EQ(status->required_left_blank, 2);
  EXPECT_EQ(status->sheets_with_required_left_blank, 1);
}

// --- migration from schema 2 ----------------------------------------------------------------

TEST(ReviewMigrationTest, SchemaTwoSurveyGetsCodesHistoryAndLeases) {
  TempDir dir;
  const fs::path db = dir.path() / "survey.db";
  sqlite3* h = nullptr;
  ASSERT_EQ(sqlite3_open(db.c_str(), &h), SQLITE_OK);
  for (int step = 1; step <= 2; ++step)
    ASSERT_EQ(sqlite3_exec(h, MigrationStepSql(step), nullptr, nullptr, nullptr), SQLITE_OK) << step;
  // A survey as Phiếu with schema 2 wrote it: one sheet, three readings with English reasons,
  // two open items, one decision and its audit row.
  const char* kSurvey = R"sql(
PRAGMA application_id=1346914645;
PRAGMA user_version=2;
INSERT INTO meta VALUES ('created_at', '2026-01-01T00:00:00.000Z');
INSERT INTO templates VALUES ('sipas', 1, '{"id":"sipas","version":1}', 2, '2026-01-01T00:00:00.000Z');
INSERT INTO template_fields VALUES ('sipas', 1, 0, 'q1', 'single', 1, 'q1', 'Câu 1', '[{"value":"1","label":"Có"},{"value":"2","label":"Không"}]', 0);
INSERT INTO template_fields VALUES ('sipas', 1, 1, 'q2', 'multi', 1, 'q2', 'Câu 2', '[{"value":"a","label":"A"},{"value":"b","label":"B"}]', 0);
INSERT INTO template_fields VALUES ('sipas', 1, 2, 's1', 'scale', 1, 's', 'Tiêu chí', '[{"value":"1","label":""},{"value":"2","label":""}]', 0);
INSERT INTO sheets VALUES (1000001, 'sipas', 1, NULL, 0, '2026-01-01T00:00:00.000Z');
INSERT INTO scan_files (id, sha256, path, size, page_count, complete, ingested_at) VALUES (1, 'ab', 'a.tif', 1, 1, 1, '2026-01-01');
INSERT INTO pages (id, file_id, page_index, status, template_id, version, page_no, serial, homography, residual_px, anchors_found, px_per_mm, stored_at)
  VALUES (1, 1, 0, 'ok', 'sipas', 1, 1, 1000001, '[1,0,0,0,1,0,0,0,1]', 0.5, 4, 11.8, '2026-01-01');
INSERT INTO readings VALUES (1, 1, 'q1', 'single', '["1","2"]', 0.5, 1, 'box 2: heavy shading, mark or cancellation?; 2 boxes marked in a one-answer question', '[]', '[0,0,1,1]', NULL);
INSERT INTO readings VALUES (2, 1, 'q2', 'multi', '[]', 1.0, 0, 'required question left blank', '[]', '[0,0,1,1]', NULL);
INSERT INTO readings VALUES (3, 1, 's1', 'scale', '["2"]', 0.4, 1, '', '[]', '[0,0,1,1]', NULL);
INSERT INTO review_items VALUES (1, 1, 1000001, 'q1', 'box 2: heavy shading, mark or cancellation?; 2 boxes marked in a one-answer question', 'open', '2026-01-01', NULL, NULL);
INSERT INTO review_items VALUES (2, 3, 1000001, 's1', 'low confidence', 'resolved', '2026-01-01', '2026-01-02', 'lan');
INSERT INTO decisions VALUES (1, 1000001, 's1', '["1"]', 'lan', '2026-01-02T00:00:00.000Z');
INSERT INTO audit VALUES (1, 'lan', '2026-01-02T00:00:00.000Z', 'decision', '1000001/s1', '["2"]', '["1"]');
)sql";
  ASSERT_EQ(sqlite3_exec(h, kSurvey, nullptr, nullptr, nullptr), SQLITE_OK) << sqlite3_errmsg(h);
  sqlite3_close(h);

  auto s = OpenOrDie(db, /*create=*/false);
  ASSERT_TRUE(s);
  EXPECT_EQ(CountRows(db, "PRAGMA user_version"), LatestSchemaVersion());
  using V = std::vector<ReviewReason>;
  auto items = s->ListOpenReviewItems(10);
  ASSERT_TRUE(items.ok());
  ASSERT_EQ(items->size(), 1u);
  EXPECT_EQ(items->front().reasons,
            (V{{"heavy_mark", {{"box", "2"}}}, {"two_marks_single", {{"count", "2"}}}}));
  EXPECT_EQ(Item(*s, 2).reasons, (V{{"low_confidence", {}}}));
  EXPECT_EQ(CountRows(db, "SELECT count(*) FROM readings WHERE id=2 AND reason_codes="
                          "'[{\"code\":\"required_left_blank\",\"params\":{}}]'"), 1);
  EXPECT_EQ(CountRows(db, "SELECT count(*) FROM readings WHERE id=3 AND reason_codes="
                          "'[{\"code\":\"low_confidence\",\"params\":{}}]'"), 1);
  auto status = s->GetStatus();
  ASSERT_TRUE(status.ok());
  EXPECT_EQ(status->required_left_blank, 1);
  // Old items start at version 1, unleased; the old decision is history an undo goes back over.
  ReviewItemView old = Item(*s, 2);
  EXPECT_EQ(old.version, 1);
  EXPECT_EQ(old.status, "resolved");
  ASSERT_TRUE(old.decided.has_value());
  EXPECT_EQ(old.decided->selected, std::vector<std::string>{"1"});
  EXPECT_EQ(old.question, "Tiêu chí");
  auto undo = s->ReopenReviewItem(2, 1, "minh", "review", "");
  ASSERT_TRUE(undo.ok());
  EXPECT_EQ(undo->outcome, DecisionOutcome::kRecorded);
  EXPECT_EQ(Sheet(*s, 1000001).selected.at("s1"), std::vector<std::string>{"2"});  // machine again
  auto audit = s->ListAudit({});
  ASSERT_TRUE(audit.ok());
  ASSERT_EQ(audit->size(), 2u);
  EXPECT_EQ(audit->back().screen, "");  // the old row
  EXPECT_EQ(audit->front().entity, "undo");
  // The layout of a template registered before schema 3 is unknown until it is registered again.
  EXPECT_TRUE(old.options.at(0).box_mm.empty());
}

// --- leases -------------------------------------------------------------------------------

TEST(ReviewLeaseTest, TwoReviewersOnTwoConnectionsNeverGetTheSameItem) {
  TempDir dir;
  const fs::path db = dir.path() / "survey.db";
  std::vector<std::int64_t> all;
  {
    auto s = ReadySurvey(db);
    all = SeedItems(*s, 40);
  }
  ASSERT_EQ(all.size(), 40u);
  std::vector<std::int64_t> got[2];
  std::thread workers[2];
  std::atomic<int> ready{0};
  for (int w = 0; w < 2; ++w) {
    workers[w] = std::thread([&, w] {
      auto s = Store::Open(db, false);
      ASSERT_TRUE(s.ok());
      const std::string who = w == 0 ? "lan" : "minh";
      // Both connections open before either leases, so they race for the same first items;
      // each stops at 25, so both get some whoever is faster.
      ++ready;
      while (ready.load() < 2) std::this_thread::yield();
      while (got[w].size() < 25) {
        // No decisions: each keeps its leases and asks past them (the client's prefetch).
        auto next = (*s)->LeaseNextReviewItem(who, 600, got[w]);
        ASSERT_TRUE(next.ok()) << next.error().message;
        if (!next->has_value()) break;
        EXPECT_EQ((*next)->lease_owner, who);
        got[w].push_back((*next)->id);
      }
    });
  }
  for (auto& t : workers) t.join();
  std::set<std::int64_t> a(got[0].begin(), got[0].end()), b(got[1].begin(), got[1].end());
  EXPECT_EQ(a.size(), got[0].size());
  for (auto id : a) EXPECT_FALSE(b.count(id)) << "item " << id << " leased twice";
  EXPECT_EQ(a.size() + b.size(), all.size());
  EXPECT_GT(a.size(), 0u);
  EXPECT_GT(b.size(), 0u);
  auto s = OpenOrDie(db, false);
  auto counts = s->CountReviewQueue("lan");
  ASSERT_TRUE(counts.ok());
  EXPECT_EQ(counts->open, 40);
  EXPECT_EQ(counts->leased_to_others, static_cast<int>(b.size()));
}

TEST(ReviewLeaseTest, HeldItemComesBackAndExpiredLeasesAreFreeAgain) {
  auto s = ReadySurvey();
  auto ids = SeedItems(*s, 3);
  auto a = s->LeaseNextReviewItem("lan", 600);
  ASSERT_TRUE(a.ok() && a->has_value());
  EXPECT_EQ((*a)->id, ids[0]);
  EXPECT_FALSE((*a)->lease_until.empty());
  // Asking again (a reload) gives the item already held, not a new one.
  auto again = s->LeaseNextReviewItem("lan", 600);
  EXPECT_EQ((*again)->id, ids[0]);
  auto b = s->LeaseNextReviewItem("minh", 600);
  EXPECT_EQ((*b)->id, ids[1]);
  // A lease that ran out (0 s: already expired) is free for the next reviewer.
  auto c = s->LeaseNextReviewItem("hoa", 0);
  EXPECT_EQ((*c)->id, ids[2]);
  EXPECT_EQ((*c)->lease_owner, "");  // expired at once
  auto d = s->LeaseNextReviewItem("tuan", 600);
  ASSERT_TRUE(d->has_value());
  EXPECT_EQ((*d)->id, ids[2]);
  EXPECT_EQ((*d)->lease_owner, "tuan");
  auto none = s->LeaseNextReviewItem("khoa", 600);
  ASSERT_TRUE(none.ok());
  EXPECT_FALSE(none->has_value());
  // A released lease frees the item at once.
  ASSERT_TRUE(s->ReleaseLease(ids[1], "someone else").ok());  // not theirs: no effect
  EXPECT_EQ(Item(*s, ids[1]).lease_owner, "minh");
  ASSERT_TRUE(s->ReleaseLease(ids[1], "minh").ok());
  EXPECT_EQ(Item(*s, ids[1]).lease_owner, "");
  auto e = s->LeaseNextReviewItem("khoa", 600);
  EXPECT_EQ((*e)->id, ids[1]);
}

// --- decisions ----------------------------------------------------------------------------

TEST(ReviewDecisionTest, StaleLeasedInvalidAndCorrections) {
  auto s = ReadySurvey();
  auto ids = SeedItems(*s, 2);
  auto lan = s->LeaseNextReviewItem("lan", 600);
  ASSERT_TRUE(lan.ok() && lan->has_value());
  const ReviewItemView item = **lan;
  EXPECT_EQ(item.version, 1);

  // Someone else's unexpired lease: refused.
  auto other = s->DecideReviewItem(Decide(item, Pick({"2"}), "minh"));
  ASSERT_TRUE(other.ok());
  EXPECT_EQ(other->outcome, DecisionOutcome::kLeasedToOther);
  EXPECT_NE(other->message.find("lan"), std::string::npos);

  // Values that do not fit the field.
  auto two = s->DecideReviewItem(Decide(item, Pick({"1", "2"}), "lan"));
  EXPECT_EQ(two->outcome, DecisionOutcome::kInvalid);
  auto unknown = s->DecideReviewItem(Decide(item, Pick({"7"}), "lan"));
  EXPECT_EQ(unknown->outcome, DecisionOutcome::kInvalid);
  EXPECT_NE(unknown->message.find("7"), std::string::npos);
  auto text = s->DecideReviewItem(
      Decide(item, FieldValue{.selected = {}, .text = "x", .illegible = false}, "lan"));
  EXPECT_EQ(text->outcome, DecisionOutcome::kInvalid);
  EXPECT_EQ(Item(*s, item.id).version, 1);  // nothing changed

  auto ok = s->DecideReviewItem(Decide(item, Pick({"2"}), "lan"));
  ASSERT_TRUE(ok.ok());
  EXPECT_EQ(ok->outcome, DecisionOutcome::kRecorded);
  EXPECT_EQ(ok->version, 2);
  ReviewItemView after = Item(*s, item.id);
  EXPECT_EQ(after.status, "resolved");
  EXPECT_EQ(after.version, 2);
  EXPECT_EQ(after.lease_owner, "");
  ASSERT_TRUE(after.decided.has_value());
  EXPECT_EQ(after.decided->selected, std::vector<std::string>{"2"});
  EXPECT_EQ(after.decided_by, "lan");
  EXPECT_EQ(Sheet(*s, item.serial).selected.at("q1"), std::vector<std::string>{"2"});
  EXPECT_TRUE(Sheet(*s, item.serial).pending.empty());

  // The same decision again on the old version: stale (409), nothing changes.
  auto stale = s->DecideReviewItem(Decide(item, Pick({"1"}), "minh"));
  EXPECT_EQ(stale->outcome, DecisionOutcome::kStale);
  EXPECT_EQ(stale->version, 2);
  EXPECT_EQ(Sheet(*s, item.serial).selected.at("q1"), std::vector<std::string>{"2"});

  // A correction on the current version is recorded.
  auto fix = s->DecideReviewItem(Decide(after, Pick({}), "minh"));
  EXPECT_EQ(fix->outcome, DecisionOutcome::kRecorded);
  EXPECT_EQ(fix->version, 3);
  EXPECT_EQ(Sheet(*s, item.serial).selected.at("q1"), std::vector<std::string>{});

  auto missing = s->DecideReviewItem(ItemDecision{.item_id = 999, .version = 1, .value = {},
                                                  .who = "lan", .screen = "review", .address = ""});
  EXPECT_EQ(missing->outcome, DecisionOutcome::kNotFound);

  auto list = s->ListDecidedItems("minh", 10);
  ASSERT_TRUE(list.ok());
  ASSERT_EQ(list->size(), 1u);
  EXPECT_EQ(list->front().id, item.id);
  EXPECT_TRUE(s->ListDecidedItems("lan", 10)->empty());  // minh decided it last
  auto counts = s->CountReviewQueue("minh");
  EXPECT_EQ(counts->open, 1);
  EXPECT_EQ(counts->decided_by_user, 1);
  (void)ids;
}

TEST(ReviewDecisionTest, UndoPutsBackTheValueItReplaced) {
  auto s = ReadySurvey();
  auto ids = SeedItems(*s, 1);
  const core::Serial serial = 1000001;
  ReviewItemView v1 = Item(*s, ids[0]);
  EXPECT_EQ(Sheet(*s, serial).selected.at("q1"), std::vector<std::string>{"1"});  // machine
  ASSERT_EQ(s->DecideReviewItem(Decide(v1, Pick({"2"}), "lan"))->outcome, DecisionOutcome::kRecorded);
  ReviewItemView v2 = Item(*s, ids[0]);
  ASSERT_EQ(s->DecideReviewItem(Decide(v2, Pick({}), "lan"))->outcome, DecisionOutcome::kRecorded);
  ReviewItemView v3 = Item(*s, ids[0]);
  EXPECT_EQ(Sheet(*s, serial).selected.at("q1"), std::vector<std::string>{});

  // Undo on an old version: stale.
  EXPECT_EQ(s->ReopenReviewItem(ids[0], v2.version, "lan", "review", "")->outcome,
            DecisionOutcome::kStale);
  auto undo = s->ReopenReviewItem(ids[0], v3.version, "lan", "review", "10.0.0.7");
  ASSERT_TRUE(undo.ok());
  EXPECT_EQ(undo->outcome, DecisionOutcome::kRecorded);
  ReviewItemView v4 = Item(*s, ids[0]);
  EXPECT_EQ(v4.version, v3.version + 1);
  EXPECT_EQ(v4.status, "open");
  EXPECT_EQ(v4.lease_owner, "lan");  // back on the undoer's screen
  ASSERT_TRUE(v4.decided.has_value());
  EXPECT_EQ(v4.decided->selected, std::vector<std::string>{"2"});  // the value it replaced
  SheetRecord sheet = Sheet(*s, serial);
  EXPECT_EQ(sheet.selected.at("q1"), std::vector<std::string>{"2"});
  EXPECT_EQ(sheet.pending, std::vector<std::string>{"q1"});
  // Nothing to undo on an open item.
  EXPECT_EQ(s->ReopenReviewItem(ids[0], v4.version, "lan", "review", "")->outcome,
            DecisionOutcome::kStale);
  // Another reviewer cannot decide it while the undoer holds it.
  EXPECT_EQ(s->DecideReviewItem(Decide(v4, Pick({"1"}), "minh"))->outcome,
            DecisionOutcome::kLeasedToOther);

  // Undo twice more goes back to no human value at all: the machine's reading.
  ASSERT_EQ(s->DecideReviewItem(Decide(v4, Pick({"1"}), "lan"))->outcome, DecisionOutcome::kRecorded);
  ReviewItemView v5 = Item(*s, ids[0]);
  ASSERT_EQ(s->ReopenReviewItem(ids[0], v5.version, "lan", "review", "")->outcome,
            DecisionOutcome::kRecorded);
  EXPECT_EQ(Item(*s, ids[0]).decided->selected, std::vector<std::string>{"2"});
  ReviewItemView v6 = Item(*s, ids[0]);
  ASSERT_EQ(s->DecideReviewItem(Decide(v6, Pick({"2"}), "lan"))->outcome, DecisionOutcome::kRecorded);
  // Chain so far: "2" (first) -> {} (undone) ; "2" -> "1" (undone) ; "2" -> "2". Undo the last.
  ReviewItemView v7 = Item(*s, ids[0]);
  ASSERT_EQ(s->ReopenReviewItem(ids[0], v7.version, "lan", "review", "")->outcome,
            DecisionOutcome::kRecorded);
  ReviewItemView v8 = Item(*s, ids[0]);
  ASSERT_EQ(s->DecideReviewItem(Decide(v8, Pick({"1"}), "lan"))->outcome, DecisionOutcome::kRecorded);
  ReviewItemView v9 = Item(*s, ids[0]);
  ASSERT_EQ(s->ReopenReviewItem(ids[0], v9.version, "lan", "review", "")->outcome,
            DecisionOutcome::kRecorded);
  EXPECT_EQ(Item(*s, ids[0]).decided->selected, std::vector<std::string>{"2"});
}

TEST(ReviewDecisionTest, UndoOfAFirstDecisionRemovesIt) {
  auto s = ReadySurvey();
  auto ids = SeedItems(*s, 1);
  ReviewItemView v1 = Item(*s, ids[0]);
  ASSERT_EQ(s->DecideReviewItem(Decide(v1, Pick({"2"}), "lan"))->outcome, DecisionOutcome::kRecorded);
  ASSERT_EQ(s->ReopenReviewItem(ids[0], v1.version + 1, "lan", "review", "")->outcome,
            DecisionOutcome::kRecorded);
  ReviewItemView back = Item(*s, ids[0]);
  EXPECT_FALSE(back.decided.has_value());
  SheetRecord sheet = Sheet(*s, 1000001);
  EXPECT_EQ(sheet.selected.at("q1"), std::vector<std::string>{"1"});  // the machine's again
  EXPECT_TRUE(sheet.decided.empty());
  EXPECT_EQ(sheet.status, "incomplete");  // page 2 never scanned
  auto audit = s->ListAudit({.serial = 1000001, .field_id = "q1", .user = "", .limit = 10});
  ASSERT_EQ(audit->size(), 2u);
  EXPECT_EQ(audit->front().entity, "undo");
  EXPECT_EQ(audit->front().old_value, std::optional<std::string>(R"(["2"])"));
  EXPECT_EQ(audit->front().new_value, std::optional<std::string>(R"(["1"])"));
}

TEST(ReviewDecisionTest, IllegibleIsKeptApartFromBlank) {
  auto s = ReadySurvey();
  auto f = BeginFile(*s, "p2.tif", 1);
  ASSERT_TRUE(s->SavePage(OkPage(f, 0, kTpl, 1, 2, 1000001, Page2Readings(/*review_comment=*/true))).ok());
  auto item = s->LeaseNextReviewItem("lan", 600);
  ASSERT_TRUE(item.ok() && item->has_value());
  EXPECT_EQ((*item)->field_id, "comment");
  EXPECT_EQ((*item)->reading.text, std::optional<std::string>("Tốt"));
  // The draft text comes along with X: the field is illegible, and holds no value.
  auto r = s->DecideReviewItem(Decide(
      **item, FieldValue{.selected = {}, .text = "Tốt", .illegible = true}, "lan"));
  ASSERT_EQ(r->outcome, DecisionOutcome::kRecorded);
  SheetRecord sheet = Sheet(*s, 1000001);
  EXPECT_EQ(sheet.text.at("comment"), std::nullopt);
  EXPECT_EQ(sheet.illegible, std::vector<std::string>{"comment"});
  EXPECT_EQ(sheet.decided, std::vector<std::string>{"comment"});
  ReviewItemView v = Item(*s, (*item)->id);
  ASSERT_TRUE(v.decided.has_value());
  EXPECT_TRUE(v.decided->illegible);
  auto audit = s->ListAudit({.serial = 1000001, .field_id = "", .user = "lan", .limit = 10});
  ASSERT_EQ(audit->size(), 1u);
  EXPECT_EQ(audit->front().new_value, std::optional<std::string>(R"({"illegible":true})"));
  // Blank is not illegible.
  ASSERT_EQ(s->DecideReviewItem(Decide(v, FieldValue{}, "lan"))->outcome, DecisionOutcome::kRecorded);
  sheet = Sheet(*s, 1000001);
  EXPECT_TRUE(sheet.illegible.empty());
  EXPECT_EQ(sheet.decided, std::vector<std::string>{"comment"});
  // Digits take digits only.
  ASSERT_TRUE(s->RecordDecision({.serial = 1000001, .field_id = "age", .selected = {},
                                 .text = "4x", .who = "lan"}).ok() == false);
  ASSERT_TRUE(s->RecordDecision({.serial = 1000001, .field_id = "age", .selected = {},
                                 .text = std::nullopt, .who = "lan", .illegible = true}).ok());
  EXPECT_EQ(Sheet(*s, 1000001).illegible, (std::vector<std::string>{"age"}));
}

TEST(ReviewDecisionTest, AuditRowsSayWhoWhereAndWhat) {
  auto s = ReadySurvey();
  auto ids = SeedItems(*s, 2);
  ReviewItemView a = Item(*s, ids[0]);
  ReviewItemView b = Item(*s, ids[1]);
  ASSERT_EQ(s->DecideReviewItem(Decide(a, Pick({"2"}), "lan"))->outcome, DecisionOutcome::kRecorded);
  ASSERT_EQ(s->DecideReviewItem(Decide(b, Pick({}), "minh"))->outcome, DecisionOutcome::kRecorded);
  ASSERT_TRUE(s->RecordDecision({.serial = 1000002, .field_id = "q2", .selected = {"b"},
                                 .text = std::nullopt, .who = "hoa"}).ok());
  auto all = s->ListAudit({});
  ASSERT_TRUE(all.ok());
  ASSERT_EQ(all->size(), 3u);
  const AuditRow& first = all->back();  // newest first
  EXPECT_EQ(first.who, "lan");
  EXPECT_EQ(first.entity, "decision");
  EXPECT_EQ(first.entity_id, "1000001/q1");
  EXPECT_EQ(first.old_value, std::optional<std::string>(R"(["1"])"));
  EXPECT_EQ(first.new_value, std::optional<std::string>(R"(["2"])"));
  EXPECT_EQ(first.screen, "review");
  EXPECT_EQ(first.address, "10.0.0.7");
  EXPECT_EQ(first.at.size(), 24u);  // 2026-12-06T19:52:42.123Z
  EXPECT_EQ(all->front().screen, "cli");
  EXPECT_EQ(all->front().address, "");
  auto sheet2 = s->ListAudit({.serial = 1000002, .field_id = "", .user = "", .limit = 10});
  ASSERT_EQ(sheet2->size(), 2u);
  auto minh = s->ListAudit({.serial = std::nullopt, .field_id = "", .user = "minh", .limit = 10});
  ASSERT_EQ(minh->size(), 1u);
  EXPECT_EQ(minh->front().new_value, std::optional<std::string>("[]"));
  auto one = s->ListAudit({.serial = std::nullopt, .field_id = "", .user = "", .limit = 1});
  EXPECT_EQ(one->size(), 1u);
  // Serial 1000001 does not catch 10000010... (a prefix), only its own fields.
  auto none = s->ListAudit({.serial = 100000, .field_id = "", .user = "", .limit = 10});
  EXPECT_TRUE(none->empty());
}

TEST(ReviewItemViewTest, CarriesQuestionOptionsBoxesAndPrintedPositions) {
  auto s = ReadySurvey();
  auto ids = SeedItems(*s, 1);
  ReviewItemView v = Item(*s, ids[0]);
  EXPECT_EQ(v.serial, 1000001);
  EXPECT_EQ(v.template_id, kTpl);
  EXPECT_EQ(v.template_version, 1);
  EXPECT_EQ(v.field_id, "q1");
  EXPECT_EQ(v.kind, core::FieldKind::kSingle);
  EXPECT_EQ(v.page, 1);
  EXPECT_EQ(v.question, "q1");
  ASSERT_EQ(v.options.size(), 2u);
  EXPECT_EQ(v.options[1].value, "2");
  EXPECT_EQ(v.options[1].label, "option 2");
  EXPECT_DOUBLE_EQ(v.options[1].box_mm.x, 30);  // from the layout stored at registration
  EXPECT_DOUBLE_EQ(v.options[1].box_mm.w, 4);
  EXPECT_EQ(v.reading.selected, std::vector<std::string>{"1"});
  ASSERT_EQ(v.boxes.size(), 1u);
  EXPECT_EQ(v.boxes[0].state, "marked");
  EXPECT_FLOAT_EQ(v.boxes[0].ink, 0.4f);
  EXPECT_EQ(v.reason, "two boxes marked");
  EXPECT_EQ(v.reasons, (std::vector<ReviewReason>{{"legacy", {{"text", "two boxes marked"}}}}));
  EXPECT_TRUE(v.has_crop);
  EXPECT_EQ(v.status, "open");
  EXPECT_FALSE(v.decided.has_value());
  auto none = s->GetReviewItem(12345);
  ASSERT_TRUE(none.ok());
  EXPECT_FALSE(none->has_value());
  auto no_sheet = s->GetSheet(42);
  ASSERT_TRUE(no_sheet.ok());
  EXPECT_FALSE(no_sheet->has_value());
}

// --- logins ---------------------------------------------------------------------------------

TEST(AccountsTest, PasswordsAreHashedWithArgon2id) {
  auto hash = HashPassword("mật khẩu dài");
  ASSERT_TRUE(hash.ok());
  EXPECT_EQ(hash->rfind("$argon2id$", 0), 0u);
  EXPECT_TRUE(VerifyPassword(*hash, "mật khẩu dài"));
  EXPECT_FALSE(VerifyPassword(*hash, "mật khẩu dai"));
  EXPECT_FALSE(VerifyPassword("mật khẩu dài", "mật khẩu dài"));  // a plain string is no hash
  EXPECT_NE(*HashPassword("mật khẩu dài"), *hash);  // salted
}

TEST(AccountsTest, UsersAreAddedChangedDisabledAndAudited) {
  auto s = ReadySurvey();
  const std::string h1 = *HashPassword("first-password");
  const Actor admin{.who = "root", .screen = "cli", .address = ""};
  ASSERT_TRUE(s->AddUser({.name = "lan", .role = Role::kReviewer, .password_hash = h1}, admin).ok());
  auto dup = s->AddUser({.name = "lan", .role = Role::kAdmin, .password_hash = h1});
  ASSERT_FALSE(dup.ok());
  EXPECT_NE(dup.error().message.find("already exists"), std::string::npos);
  EXPECT_FALSE(s->AddUser({.name = "bad name", .role = Role::kClerk, .password_hash = h1}).ok());
  EXPECT_FALSE(s->AddUser({.name = "", .role = Role::kClerk, .password_hash = h1}).ok());
  EXPECT_FALSE(s->AddUser({.name = "plain", .role = Role::kClerk, .password_hash = "secret123"}).ok());
  ASSERT_TRUE(s->AddUser({.name = "an.tran-2", .role = Role::kClerk, .password_hash = h1}).ok());

  auto lan = s->FindUser("lan");
  ASSERT_TRUE(lan.ok() && lan->has_value());
  EXPECT_EQ((*lan)->role, Role::kReviewer);
  EXPECT_FALSE((*lan)->disabled);
  EXPECT_EQ((*lan)->created_at.size(), 24u);
  EXPECT_TRUE(VerifyPassword((*lan)->password_hash, "first-password"));
  EXPECT_FALSE(s->FindUser("nobody")->has_value());

  ASSERT_TRUE(s->SetUserPassword("lan", *HashPassword("second-password"), admin).ok());
  EXPECT_TRUE(VerifyPassword((*s->FindUser("lan"))->password_hash, "second-password"));
  EXPECT_FALSE(s->SetUserPassword("nobody", h1).ok());
  ASSERT_TRUE(s->SetUserDisabled("lan", true, admin).ok());
  EXPECT_TRUE((*s->FindUser("lan"))->disabled);
  ASSERT_TRUE(s->SetUserDisabled("lan", true, admin).ok());  // no change, no audit row
  EXPECT_FALSE(s->SetUserDisabled("nobody", true).ok());

  auto users = s->ListUsers();
  ASSERT_EQ(users->size(), 2u);
  EXPECT_EQ(users->front().name, "an.tran-2");
  EXPECT_EQ(RoleName(users->front().role), "clerk");
  EXPECT_EQ(ParseRole("reviewer"), Role::kReviewer);
  EXPECT_EQ(ParseRole("boss"), std::nullopt);

  auto audit = s->ListAudit({.serial = std::nullopt, .field_id = "", .user = "root", .limit = 10});
  ASSERT_EQ(audit->size(), 3u);
  EXPECT_EQ(audit->back().entity, "user");
  EXPECT_EQ(audit->back().entity_id, "lan");
  EXPECT_EQ(audit->back().new_value, std::optional<std::string>(R"({"disabled":false,"role":"reviewer"})"));
  EXPECT_EQ(audit->front().old_value, std::optional<std::string>(R"({"disabled":false})"));
  EXPECT_EQ(audit->front().new_value, std::optional<std::string>(R"({"disabled":true})"));
  for (const auto& row : *audit)  // never the hash
    EXPECT_EQ(row.new_value->find("argon2"), std::string::npos);
  auto system = s->ListAudit({.serial = std::nullopt, .field_id = "", .user = "system", .limit = 10});
  EXPECT_EQ(system->size(), 1u);  // an.tran-2, added with no actor given
}

}  // namespace
}  // namespace phieu::store

namespace phieu::store {
namespace {

using namespace phieu::store::testing;  // NOLINT

// A figure, not a timed test: lease + decide per item with a few thousand open items in a WAL
// file (the server benchmark measures the whole request).
TEST(ReviewQueueFigures, LeaseAndDecideStayCheapWithManyOpenItems) {
  TempDir dir;
  const fs::path db = dir.path() / "survey.db";
  auto s = ReadySurvey(db);
  constexpr int kItems = 3000;
  {
    // One file of kItems pages: each page a sheet with q1 flagged.
    std::vector<unsigned char> bytes = {'b', 'i', 'g'};
    auto f = s->BeginScanFile(Sha256Hex(bytes), "big.pdf", bytes, kItems);
    ASSERT_TRUE(f.ok());
    for (int i = 0; i < kItems; ++i)
      ASSERT_TRUE(s->SavePage(OkPage(f->file_id, i, kTpl, 1, 1, 1000001 + i, Page1Readings(true))).ok());
  }
  std::vector<double> lease_ms, decide_ms;
  for (int i = 0; i < 200; ++i) {
    const auto t0 = std::chrono::steady_clock::now();
    auto item = s->LeaseNextReviewItem(i % 2 ? "lan" : "minh", 600);
    const auto t1 = std::chrono::steady_clock::now();
    ASSERT_TRUE(item.ok() && item->has_value());
    auto r = s->DecideReviewItem({.item_id = (*item)->id, .version = (*item)->version,
                                  .value = {.selected = {"2"}, .text = std::nullopt, .illegible = false},
                                  .who = (*item)->lease_owner, .screen = "review", .address = ""});
    const auto t2 = std::chrono::steady_clock::now();
    ASSERT_EQ(r->outcome, DecisionOutcome::kRecorded);
    lease_ms.push_back(std::chrono::duration<double, std::milli>(t1 - t0).count());
    decide_ms.push_back(std::chrono::duration<double, std::milli>(t2 - t1).count());
  }
  auto median = [](std::vector<double> v) {
    std::sort(v.begin(), v.end());
    return v[v.size() / 2];
  };
  auto p99 = [](std::vector<double> v) {
    std::sort(v.begin(), v.end());
    return v[v.size() * 99 / 100];
  };
  std::printf("%d open items: lease median %.2f ms p99 %.2f ms; decide median %.2f ms p99 %.2f ms\n",
              kItems, median(lease_ms), p99(lease_ms), median(decide_ms), p99(decide_ms));
  EXPECT_EQ(s->CountReviewQueue("lan")->open, kItems - 200);
}

}  // namespace
}  // namespace phieu::store
