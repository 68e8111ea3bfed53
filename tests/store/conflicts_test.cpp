// Copyright 2026 The Phiếu Authors
// SPDX-License-Identifier: Apache-2.0
//
// Conflicts settled by a clerk (store/src/conflicts.cpp, docs/conflicts.md): keep the stored
// scan, keep the other one, or two different sheets that carried one number. Nothing is
// deleted, every action is an audit row, and the answers follow the page kept.

#include <algorithm>
#include <gtest/gtest.h>

#include "store_test_util.h"

using namespace phieu;
using namespace phieu::store;
using namespace phieu::store::testing;

namespace {

struct Survey {
  TempDir dir;
  fs::path db = dir.path() / "survey.db";
  std::unique_ptr<Store> s = ReadySurvey(db);
  core::Serial serial = 0;
};

const Actor kClerk{.who = "thu", .screen = "desk", .address = "127.0.0.1"};

std::int64_t PageId(const fs::path& db, const std::string& file, int page_index) {
  return CountRows(db, "SELECT p.id FROM pages p JOIN scan_files f ON f.id=p.file_id WHERE f.path='scans/" +
                           file + "' AND p.page_index=" + std::to_string(page_index));
}

std::string PageStatus(const fs::path& db, std::int64_t page_id) {
  sqlite3* h = nullptr;
  sqlite3_open_v2(db.c_str(), &h, SQLITE_OPEN_READONLY, nullptr);
  sqlite3_stmt* st = nullptr;
  std::string out;
  sqlite3_prepare_v2(h, ("SELECT status FROM pages WHERE id=" + std::to_string(page_id)).c_str(), -1, &st, nullptr);
  if (sqlite3_step(st) == SQLITE_ROW) out = reinterpret_cast<const char*>(sqlite3_column_text(st, 0));
  sqlite3_finalize(st);
  sqlite3_close(h);
  return out;
}

// Sheet `serial` page 1 stored from a.tif (q1 flagged: an open item), and the same page again
// from b.tif, where s1 reads "1" and q2 is flagged.
void StoreConflict(Survey& v) {
  v.serial = v.s->AllocateSerials(kTpl, 1, "X01", 1)->front();
  auto a = BeginFile(*v.s, "a.tif");
  auto b = BeginFile(*v.s, "b.tif");
  ASSERT_EQ(*v.s->SavePage(OkPage(a, 0, kTpl, 1, 1, v.serial, Page1Readings(/*review_q1=*/true))),
            PageDisposition::kStored);
  auto other = Page1Readings();
  other[1] = BoxReading("q2", core::FieldKind::kMulti, {"b"}, /*needs_review=*/true);
  other[2].selected = {"1"};
  ASSERT_EQ(*v.s->SavePage(OkPage(b, 0, kTpl, 1, 1, v.serial, other)), PageDisposition::kConflict);
}

ConflictResult Resolve(Store& s, std::int64_t page_id, ConflictAction action, core::Serial into = 0) {
  auto r = s.ResolveConflict({.page_id = page_id, .action = action, .into_sheet = into, .by = kClerk});
  EXPECT_TRUE(r.ok()) << r.error().message;
  return r.ok() ? *r : ConflictResult{.outcome = ConflictOutcome::kNotFound};
}

TEST(ConflictTest, ListsEachConflictWithThePageTheSheetHolds) {
  Survey v;
  StoreConflict(v);
  auto list = v.s->ListConflicts(100);
  ASSERT_TRUE(list.ok()) << list.error().message;
  ASSERT_EQ(list->size(), 1u);
  const PageConflict& c = list->front();
  EXPECT_EQ(c.serial, v.serial);
  EXPECT_EQ(c.page, 1);
  EXPECT_EQ(c.unit_code, "X01");
  EXPECT_TRUE(c.same_template);
  EXPECT_EQ(c.other.file_name, "b.tif");
  EXPECT_EQ(c.other.folder, "scans");
  EXPECT_FALSE(c.other.ingested_at.empty());
  ASSERT_TRUE(c.stored.has_value());
  EXPECT_EQ(c.stored->file_name, "a.tif");
  EXPECT_TRUE(c.split_sheets.empty());
}

TEST(ConflictTest, KeepStoredSetsTheOtherScanAsideAsDuplicate) {
  Survey v;
  StoreConflict(v);
  const auto other = PageId(v.db, "b.tif", 0);
  const auto stored = PageId(v.db, "a.tif", 0);
  const ConflictResult r = Resolve(*v.s, other, ConflictAction::kKeepStored);
  ASSERT_EQ(r.outcome, ConflictOutcome::kResolved) << r.message;
  EXPECT_EQ(r.kept_page_id, stored);
  EXPECT_EQ(r.set_aside_page_id, other);
  EXPECT_EQ(PageStatus(v.db, other), "duplicate");
  EXPECT_EQ(PageStatus(v.db, stored), "ok");
  EXPECT_EQ(CountRows(v.db, "SELECT count(*) FROM readings WHERE page_id=" + std::to_string(other)), 3)
      << "the duplicate keeps its readings";
  auto sheet = v.s->GetSheet(v.serial);
  ASSERT_TRUE(sheet.ok() && sheet->has_value());
  EXPECT_EQ((*sheet)->selected.at("s1"), std::vector<std::string>{"4"});
  EXPECT_TRUE(v.s->ListConflicts(100)->empty());
  EXPECT_TRUE(v.s->ListUnidentifiedPages(100)->empty()) << "a duplicate is not unidentified";
  auto st = v.s->GetStatus();
  EXPECT_EQ(st->conflicts, 0);
  EXPECT_EQ(st->conflicts_settled, 1);
  EXPECT_EQ(st->pages_unidentified, 0);

  auto audit = v.s->ListAudit({.serial = v.serial});
  ASSERT_TRUE(audit.ok());
  ASSERT_EQ(audit->size(), 1u);
  EXPECT_EQ(audit->front().entity, "conflict");
  EXPECT_EQ(audit->front().entity_id, std::to_string(v.serial) + "/page:1");
  EXPECT_EQ(audit->front().who, "thu");
  EXPECT_EQ(audit->front().address, "127.0.0.1");
  EXPECT_NE(audit->front().new_value->find("\"keep_stored\""), std::string::npos);

  // Settled once: a second answer (another clerk's screen) is stale and changes nothing.
  const ConflictResult again = Resolve(*v.s, other, ConflictAction::kKeepOther);
  EXPECT_EQ(again.outcome, ConflictOutcome::kStale);
  EXPECT_EQ(PageStatus(v.db, stored), "ok");
  EXPECT_EQ(Resolve(*v.s, 99999, ConflictAction::kKeepStored).outcome, ConflictOutcome::kNotFound);

  // The settled duplicate is no unidentified page: the desk can neither set it aside nor
  // assign it by hand, and nothing is written (no audit row).
  const auto rows = v.s->ListAudit({})->size();
  auto aside = v.s->SetPageAside(other, "không rõ", {.who = "thu", .screen = "desk", .address = ""});
  ASSERT_FALSE(aside.ok());
  EXPECT_EQ(aside.error().code, "identified");
  auto page = **v.s->FindStoredPage(other);
  auto named = v.s->AssignPageByHand(other, PageRecord{}, {.method = "grid", .by = {.who = "thu"}, .seen = page});
  ASSERT_FALSE(named.ok());
  EXPECT_EQ(named.error().code, "identified");
  EXPECT_EQ(PageStatus(v.db, other), "duplicate");
  EXPECT_EQ(v.s->ListAudit({})->size(), rows);
}

TEST(ConflictTest, KeepOtherReplacesTheReadingButNotThePersonsValues) {
  Survey v;
  StoreConflict(v);
  // A reviewer decided s1 on the stored scan; q1's item is still open (and leased).
  ASSERT_TRUE(v.s->RecordDecision({.serial = v.serial, .field_id = "s1", .selected = {"5"}, .who = "lan"}).ok());
  auto leased = v.s->LeaseNextReviewItem("lan", 600);
  ASSERT_TRUE(leased.ok() && leased->has_value());
  ASSERT_EQ((*leased)->field_id, "q1");
  // A third scan of the same page, also a conflict.
  auto c = BeginFile(*v.s, "c.tif");
  ASSERT_EQ(*v.s->SavePage(OkPage(c, 0, kTpl, 1, 1, v.serial, Page1Readings())), PageDisposition::kConflict);

  const auto stored = PageId(v.db, "a.tif", 0);
  const auto other = PageId(v.db, "b.tif", 0);
  const auto third = PageId(v.db, "c.tif", 0);
  const ConflictResult r = Resolve(*v.s, other, ConflictAction::kKeepOther);
  ASSERT_EQ(r.outcome, ConflictOutcome::kResolved) << r.message;
  EXPECT_EQ(r.kept_page_id, other);
  EXPECT_EQ(r.set_aside_page_id, stored);
  EXPECT_EQ(r.review_items_closed, 1);  // q1's open item
  EXPECT_EQ(r.review_items_opened, 1);  // q2 flagged on the scan kept
  EXPECT_EQ(PageStatus(v.db, stored), "replaced");
  EXPECT_EQ(PageStatus(v.db, other), "ok");
  EXPECT_EQ(CountRows(v.db, "SELECT conflict_with FROM pages WHERE id=" + std::to_string(stored)), other);
  EXPECT_EQ(CountRows(v.db, "SELECT conflict_with FROM pages WHERE id=" + std::to_string(third)), other)
      << "the third scan now conflicts with the page kept";

  auto sheet = v.s->GetSheet(v.serial);
  ASSERT_TRUE(sheet.ok() && sheet->has_value());
  EXPECT_EQ((*sheet)->selected.at("q2"), std::vector<std::string>{"b"});   // the other scan's reading
  EXPECT_EQ((*sheet)->selected.at("s1"), std::vector<std::string>{"5"});   // the person's value stays
  EXPECT_EQ((*sheet)->pending, std::vector<std::string>{"q2"});
  // The closed item is resolved by no one; its version moved, so the reviewer's screen is stale.
  EXPECT_EQ(CountRows(v.db, "SELECT count(*) FROM review_items WHERE field_id='q1' AND status='resolved' "
                            "AND resolved_by IS NULL AND lease_owner IS NULL"), 1);
  auto d = v.s->DecideReviewItem({.item_id = (*leased)->id, .version = (*leased)->version,
                                  .value = {.selected = {"2"}}, .who = "lan", .screen = "review"});
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(d->outcome, DecisionOutcome::kStale);
  EXPECT_EQ(CountRows(v.db, "SELECT count(*) FROM decision_history WHERE field_id='s1'"), 1);
  EXPECT_EQ(CountRows(v.db, "SELECT count(*) FROM pages"), 3) << "nothing deleted";
  auto st = v.s->GetStatus();
  EXPECT_EQ(st->conflicts, 1);
  EXPECT_EQ(st->conflicts_settled, 1);
}

TEST(ConflictTest, SeparateGivesTheSecondSheetItsOwnSerialInTheSameUnit) {
  Survey v;
  v.serial = v.s->AllocateSerials(kTpl, 1, "X01", 1)->front();
  auto a = BeginFile(*v.s, "a.tif");
  auto b = BeginFile(*v.s, "b.tif");
  ASSERT_EQ(*v.s->SavePage(OkPage(a, 0, kTpl, 1, 1, v.serial, Page1Readings())), PageDisposition::kStored);
  ASSERT_EQ(*v.s->SavePage(OkPage(a, 1, kTpl, 1, 2, v.serial, Page2Readings())), PageDisposition::kStored);
  // A second paper printed with the same number: both its pages are conflicts.
  ASSERT_EQ(*v.s->SavePage(OkPage(b, 0, kTpl, 1, 1, v.serial, Page1Readings(/*review_q1=*/true))),
            PageDisposition::kConflict);
  ASSERT_EQ(*v.s->SavePage(OkPage(b, 1, kTpl, 1, 2, v.serial, Page2Readings())), PageDisposition::kConflict);
  const auto b1 = PageId(v.db, "b.tif", 0);
  const auto b2 = PageId(v.db, "b.tif", 1);

  const ConflictResult r = Resolve(*v.s, b1, ConflictAction::kSeparate);
  ASSERT_EQ(r.outcome, ConflictOutcome::kResolved) << r.message;
  ASSERT_GT(r.new_serial, v.serial);
  EXPECT_EQ(r.review_items_opened, 1);  // q1 flagged, on the new sheet
  EXPECT_EQ(CountRows(v.db, "SELECT serial FROM review_items WHERE field_id='q1'"), r.new_serial);
  auto sheet = v.s->FindSheet(r.new_serial);
  ASSERT_TRUE(sheet.ok() && sheet->has_value());
  EXPECT_EQ((*sheet)->unit_code, "X01");
  EXPECT_EQ(CountRows(v.db, "SELECT split_from FROM sheets WHERE serial=" + std::to_string(r.new_serial)), v.serial);
  EXPECT_EQ(CountRows(v.db, "SELECT count(*) FROM sheets WHERE note LIKE '%split from sheet " +
                                std::to_string(v.serial) + " by thu%'"), 1);

  // The paper's second page: the sheet just made is offered, and a wrong one refused.
  auto list = v.s->ListConflicts(100);
  ASSERT_EQ(list->size(), 1u);
  EXPECT_EQ(list->front().split_sheets, std::vector<core::Serial>{r.new_serial});
  EXPECT_EQ(Resolve(*v.s, b2, ConflictAction::kSeparate, v.serial).outcome, ConflictOutcome::kInvalid);
  EXPECT_EQ(PageStatus(v.db, b2), "conflict");
  const ConflictResult r2 = Resolve(*v.s, b2, ConflictAction::kSeparate, r.new_serial);
  ASSERT_EQ(r2.outcome, ConflictOutcome::kResolved) << r2.message;
  EXPECT_EQ(r2.new_serial, r.new_serial);

  // Both sheets count, both complete in their pages, in unit X01.
  auto sheets = v.s->ListSheets(true);
  ASSERT_EQ(sheets->size(), 2u);
  EXPECT_TRUE(sheets->at(1).missing_pages.empty());
  EXPECT_EQ(sheets->at(1).unit_code, "X01");
  auto st = v.s->GetStatus();
  EXPECT_EQ(st->sheets, 2);
  EXPECT_EQ(st->conflicts, 0);
  auto x01 = std::find_if(st->units.begin(), st->units.end(), [](const auto& u) { return u.code == "X01"; });
  ASSERT_NE(x01, st->units.end());
  EXPECT_EQ(x01->sheets, 2);
  // The new sheet's history says where its pages came from.
  auto audit = v.s->ListAudit({.serial = r.new_serial});
  ASSERT_EQ(audit->size(), 2u);
  EXPECT_EQ(audit->front().entity_id, std::to_string(r.new_serial) + "/page:2");

  // A reread never moves a renumbered page back to the number its anchors carry.
  auto again = v.s->ReplacePageReading(b1, OkPage(0, 0, kTpl, 1, 1, v.serial, Page1Readings()));
  ASSERT_TRUE(again.ok());
  EXPECT_TRUE(again->kept_previous);
  EXPECT_EQ(CountRows(v.db, "SELECT serial FROM pages WHERE id=" + std::to_string(b1)), r.new_serial);
}

TEST(ConflictTest, APageOfAnotherQuestionnaireCannotReplaceTheSheetsPage) {
  Survey v;
  ASSERT_TRUE(v.s->RegisterTemplate(MakeTemplate("health", 1, "{}"), MakeLayout("health", 1)).ok());
  v.serial = v.s->AllocateSerials(kTpl, 1, "T01", 1)->front();
  auto f = BeginFile(*v.s, "a.tif");
  ASSERT_EQ(*v.s->SavePage(OkPage(f, 0, "health", 1, 1, v.serial, Page1Readings())), PageDisposition::kConflict);
  const auto page = PageId(v.db, "a.tif", 0);
  auto list = v.s->ListConflicts(100);
  ASSERT_EQ(list->size(), 1u);
  EXPECT_FALSE(list->front().same_template);
  EXPECT_FALSE(list->front().stored.has_value());

  const ConflictResult refused = Resolve(*v.s, page, ConflictAction::kKeepOther);
  EXPECT_EQ(refused.outcome, ConflictOutcome::kInvalid);
  EXPECT_NE(refused.message.find("health"), std::string::npos);
  EXPECT_EQ(PageStatus(v.db, page), "conflict");
  EXPECT_EQ(CountRows(v.db, "SELECT count(*) FROM audit WHERE entity='conflict'"), 0);

  const ConflictResult r = Resolve(*v.s, page, ConflictAction::kSeparate);
  ASSERT_EQ(r.outcome, ConflictOutcome::kResolved) << r.message;
  auto sheet = v.s->FindSheet(r.new_serial);
  ASSERT_TRUE(sheet.ok() && sheet->has_value());
  EXPECT_EQ((*sheet)->template_id, "health");
  EXPECT_EQ((*sheet)->unit_code, "T01");
}

TEST(ConflictTest, BothScansOfAConflictCanBeLoadedForTheDesk) {
  Survey v;
  StoreConflict(v);
  const auto other = PageId(v.db, "b.tif", 0);
  auto src = v.s->LoadPageSourceById(other);
  ASSERT_TRUE(src.ok()) << src.error().message;
  ASSERT_TRUE(src->has_value());
  EXPECT_EQ((*src)->file_name, "b.tif");
  EXPECT_EQ(std::string((*src)->original.begin(), (*src)->original.end()), "b.tif");
  auto stored = v.s->LoadPageSource(v.serial, 1);
  ASSERT_TRUE(stored.ok() && stored->has_value());
  EXPECT_EQ((*stored)->file_name, "a.tif");
  auto none = v.s->LoadPageSourceById(12345);
  ASSERT_TRUE(none.ok());
  EXPECT_FALSE(none->has_value());
  // A page set aside is still there to look at.
  ASSERT_EQ(Resolve(*v.s, other, ConflictAction::kKeepStored).outcome, ConflictOutcome::kResolved);
  EXPECT_TRUE(v.s->LoadPageSourceById(other)->has_value());
  // And reading it again leaves it aside.
  auto again = v.s->ReplacePageReading(other, OkPage(0, 0, kTpl, 1, 1, v.serial, Page1Readings()));
  ASSERT_TRUE(again.ok());
  EXPECT_TRUE(again->kept_previous);
  EXPECT_EQ(PageStatus(v.db, other), "duplicate");
}

}  // namespace
