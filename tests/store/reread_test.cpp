// Copyright 2026 The Phiếu Authors
// SPDX-License-Identifier: Apache-2.0
// ReplacePageReading, ListStoredPages, FindStoredPage, CopyScanOriginal (store/src/reread.cpp):
// a page's new reading written over the old one in place, the review queue kept right, decisions
// untouched; a hand assignment refused when the page changed since it was read.
#include <fstream>
#include <iterator>

#include "store_test_util.h"

namespace phieu::store::testing {
namespace {

/// A page of `file` ingest could not identify (no anchors), stored; the record.
PageRecord SaveUnidentified(Store& s, std::int64_t file, int page_index) {
  PageRecord unknown;
  unknown.file_id = file;
  unknown.page_index = page_index;
  unknown.status = "no_anchors";
  unknown.reason = "no QR anchor found";
  EXPECT_EQ(*s.SavePage(unknown), PageDisposition::kUnidentified);
  return unknown;
}

int OpenItems(Store& s) {
  auto items = s.ListOpenReviewItems(1000);
  EXPECT_TRUE(items.ok());
  return static_cast<int>(items->size());
}

TEST(RereadStoreTest, ReplacesReadingsInPlaceAndKeepsTheQueueRight) {
  auto s = ReadySurvey();
  const auto file = BeginFile(*s, "a.tif", 1);
  ASSERT_EQ(*s->SavePage(OkPage(file, 0, kTpl, 1, 1, 1000001, Page1Readings(/*review_q1=*/true))),
            PageDisposition::kStored);
  ASSERT_EQ(OpenItems(*s), 1);
  const std::int64_t first_item = s->ListOpenReviewItems(1)->front().id;
  const std::int64_t page_id = s->ListStoredPages()->front().page_id;

  // The reader improved: q1 is now certain, s1 reads "5" and needs review.
  auto readings = Page1Readings(false);
  readings[2] = BoxReading("s1", core::FieldKind::kScale, {"5"}, true);
  auto change = s->ReplacePageReading(page_id, OkPage(file, 0, kTpl, 1, 1, 1000001, readings));
  ASSERT_TRUE(change.ok()) << change.error().message;
  EXPECT_EQ(change->status, "ok");
  EXPECT_FALSE(change->kept_previous);
  EXPECT_EQ(change->readings_added, 0);
  EXPECT_EQ(change->readings_changed, 2);  // q1 (flag), s1 (value and flag)
  EXPECT_EQ(change->review_items_closed, 1);
  EXPECT_EQ(change->review_items_opened, 1);
  auto items = s->ListOpenReviewItems(10);
  ASSERT_EQ(items->size(), 1u);
  EXPECT_EQ(items->front().field_id, "s1");
  EXPECT_NE(items->front().id, first_item);  // the closed item's id is not reused
  auto closed = s->GetReviewItem(first_item);
  ASSERT_TRUE(closed.ok() && closed->has_value());
  EXPECT_EQ((*closed)->status, "resolved");
  EXPECT_EQ((*closed)->version, 2);  // a screen still showing it gets "stale"
  EXPECT_EQ(s->ListStoredPages()->size(), 1u);
  EXPECT_EQ((*s->GetSheet(1000001))->selected.at("s1"), std::vector<std::string>{"5"});

  // Flagged again by a later reread: the same item comes back to the queue.
  auto again = s->ReplacePageReading(page_id, OkPage(file, 0, kTpl, 1, 1, 1000001, Page1Readings(true)));
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->review_items_opened, 1);   // q1, reopened
  EXPECT_EQ(again->review_items_closed, 1);   // s1
  items = s->ListOpenReviewItems(10);
  ASSERT_EQ(items->size(), 1u);
  EXPECT_EQ(items->front().id, first_item);
}

TEST(RereadStoreTest, ADecidedFieldGetsNoNewItemAndKeepsItsValue) {
  auto s = ReadySurvey();
  const auto file = BeginFile(*s, "a.tif", 1);
  ASSERT_TRUE(s->SavePage(OkPage(file, 0, kTpl, 1, 1, 1000001, Page1Readings(true))).ok());
  ASSERT_TRUE(s->RecordDecision({.serial = 1000001, .field_id = "q1", .selected = {"2"}, .text = {},
                                 .who = "lan", .illegible = false, .screen = "cli", .address = ""})
                  .ok());
  ASSERT_EQ(OpenItems(*s), 0);
  const auto audit = s->ListAudit({})->size();
  const std::int64_t page_id = s->ListStoredPages()->front().page_id;
  auto change = s->ReplacePageReading(page_id, OkPage(file, 0, kTpl, 1, 1, 1000001, Page1Readings(true)));
  ASSERT_TRUE(change.ok());
  EXPECT_EQ(change->review_items_opened, 0);
  EXPECT_EQ(OpenItems(*s), 0);
  EXPECT_EQ((*s->GetSheet(1000001))->selected.at("q1"), std::vector<std::string>{"2"});
  EXPECT_EQ(s->ListAudit({})->size(), audit);
}

TEST(RereadStoreTest, AnUnidentifiedPageBecomesIdentifiedAndAnIdentifiedOneStays) {
  auto s = ReadySurvey();
  const auto file = BeginFile(*s, "a.tif", 2);
  const PageRecord unknown = SaveUnidentified(*s, file, 0);
  ASSERT_TRUE(s->SavePage(OkPage(file, 1, kTpl, 1, 2, 1000001, Page2Readings(true))).ok());
  const auto pages = *s->ListStoredPages();
  ASSERT_EQ(pages.size(), 2u);

  auto now = s->ReplacePageReading(pages[0].page_id, OkPage(file, 0, kTpl, 1, 1, 1000001, Page1Readings(true)));
  ASSERT_TRUE(now.ok());
  EXPECT_EQ(now->status, "ok");
  EXPECT_EQ(now->readings_added, 3);
  EXPECT_EQ(now->review_items_opened, 1);
  EXPECT_EQ((*s->GetSheet(1000001))->missing_pages, std::vector<int>{});

  // An identified page read as no_anchors (or as another sheet) is left as it was.
  auto worse = s->ReplacePageReading(pages[1].page_id, unknown);
  ASSERT_TRUE(worse.ok());
  EXPECT_TRUE(worse->kept_previous);
  EXPECT_EQ(worse->status, "ok");
  auto moved = s->ReplacePageReading(pages[1].page_id, OkPage(file, 1, kTpl, 1, 2, 1000002, Page2Readings()));
  ASSERT_TRUE(moved.ok());
  EXPECT_TRUE(moved->kept_previous);
  EXPECT_EQ((*s->GetSheet(1000001))->text.at("comment"), std::optional<std::string>("Tốt"));
  EXPECT_FALSE(s->GetSheet(1000002)->has_value());

  auto missing = s->ReplacePageReading(999, unknown);
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().code, "not_found");
}

TEST(RereadStoreTest, CopiesTheKeptOriginal) {
  TempDir dir("reread_store");
  auto s = ReadySurvey();
  const auto file = BeginFile(*s, "original bytes of a scan", 1);
  ASSERT_TRUE(s->CopyScanOriginal(file, dir / "copy").ok());
  std::ifstream in(dir / "copy", std::ios::binary);
  EXPECT_EQ(std::string(std::istreambuf_iterator<char>(in), {}), "original bytes of a scan");
  auto none = s->CopyScanOriginal(4242, dir / "none");
  ASSERT_FALSE(none.ok());
  EXPECT_EQ(none.error().code, "not_found");
}

TEST(RereadStoreTest, FindsOneStoredPageById) {
  auto s = ReadySurvey();
  const auto file = BeginFile(*s, "a.tif", 2);
  SaveUnidentified(*s, file, 1);
  const std::int64_t id = s->ListStoredPages()->front().page_id;
  auto found = s->FindStoredPage(id);
  ASSERT_TRUE(found.ok()) << found.error().message;
  ASSERT_TRUE(found->has_value());
  EXPECT_EQ((*found)->page_id, id);
  EXPECT_EQ((*found)->file_id, file);
  EXPECT_EQ((*found)->page_index, 1);
  EXPECT_EQ((*found)->status, "no_anchors");
  EXPECT_EQ((*found)->file_path, "scans/a.tif");
  EXPECT_EQ((*found)->sha256, s->ListStoredPages()->front().sha256);
  EXPECT_TRUE((*found)->set_aside_at.empty());
  ASSERT_TRUE(s->SetPageAside(id, "Phiếu của tỉnh khác", {.who = "thu", .screen = "desk", .address = ""}).ok());
  EXPECT_FALSE((*s->FindStoredPage(id))->set_aside_at.empty());
  auto none = s->FindStoredPage(id + 100);
  ASSERT_TRUE(none.ok());
  EXPECT_FALSE(none->has_value());
}

// The desk reads a page's image outside the writer lock; whoever set the page aside or
// assigned it meanwhile wins, and the late assignment changes nothing.
TEST(RereadStoreTest, AHandAssignmentOfAPageThatChangedSinceItWasReadIsRefused) {
  auto s = ReadySurvey();
  ASSERT_EQ(s->AllocateSerials(kTpl, 1, "X01", 1)->front(), 1000001);  // the sheet it is named as
  const auto file = BeginFile(*s, "a.tif", 1);
  SaveUnidentified(*s, file, 0);
  const std::int64_t id = s->ListStoredPages()->front().page_id;
  const StoredPage seen = **s->FindStoredPage(id);
  ASSERT_TRUE(s->SetPageAside(id, "Phiếu của tỉnh khác", {.who = "thu", .screen = "desk", .address = ""}).ok());
  const auto audit = s->ListAudit({})->size();
  const PageRecord named = OkPage(file, 0, kTpl, 1, 1, 1000001, Page1Readings(true));
  auto late = s->AssignPageByHand(id, named, {.method = "grid", .by = {.who = "lan"}, .seen = seen});
  ASSERT_FALSE(late.ok());
  EXPECT_EQ(late.error().code, "changed") << late.error().message;
  auto now = **s->FindStoredPage(id);
  EXPECT_EQ(now.status, "no_anchors");
  EXPECT_FALSE(now.set_aside_at.empty());
  EXPECT_EQ(s->ListUnidentifiedPages(10)->front().set_aside_reason, "Phiếu của tỉnh khác");
  EXPECT_FALSE(s->GetSheet(1000001)->has_value());
  EXPECT_EQ(s->ListAudit({})->size(), audit);
  // Read again as it is now, the assignment goes through (and clears the set-aside mark).
  auto fresh = s->AssignPageByHand(id, named, {.method = "grid", .by = {.who = "lan"}, .seen = now});
  ASSERT_TRUE(fresh.ok()) << fresh.error().message;
  EXPECT_EQ(fresh->status, "ok");
  // Assigned meanwhile: the page the caller read as unidentified is identified now.
  auto twice = s->AssignPageByHand(id, named, {.method = "grid", .by = {.who = "minh"}, .seen = now});
  ASSERT_FALSE(twice.ok());
  EXPECT_EQ(twice.error().code, "changed");
}

}  // namespace
}  // namespace phieu::store::testing
