// Copyright 2026 The Phiếu Authors
// SPDX-License-Identifier: Apache-2.0
//
// Backup while another connection writes; the whole page's original for the reviewer's screen;
// layouts frozen at registration.

#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "store/store.h"
#include "store_test_util.h"
#include "templates/templates.h"

namespace phieu::store {
namespace {

using namespace phieu::store::testing;  // NOLINT

TEST(StoreBackupTest, ConsistentCopyWhileAnotherStoreWrites) {
  TempDir dir;
  const fs::path db = dir.path() / "survey.db";
  {
    auto s = ReadySurvey(db);
    // Enough pages that the copy takes several steps (originals of 64 KiB each).
    for (int i = 0; i < 120; ++i) {
      std::vector<unsigned char> bytes(64 * 1024, static_cast<unsigned char>(i));
      bytes[0] = static_cast<unsigned char>(i >> 8);
      auto f = s->BeginScanFile(Sha256Hex(bytes), "scan" + std::to_string(i) + ".tif", bytes, 1);
      ASSERT_TRUE(f.ok());
      ASSERT_TRUE(s->SavePage(OkPage(f->file_id, 0, kTpl, 1, 1, 1000001 + i, Page1Readings(true))).ok());
    }
  }
  std::atomic<bool> stop{false};
  std::atomic<int> written{0};
  std::thread writer([&] {
    auto s = Store::Open(db, false);
    ASSERT_TRUE(s.ok());
    for (int i = 0; !stop.load(); ++i) {
      std::vector<unsigned char> bytes(64 * 1024, 7);
      bytes[1] = static_cast<unsigned char>(i), bytes[2] = static_cast<unsigned char>(i >> 8);
      auto f = (*s)->BeginScanFile(Sha256Hex(bytes), "late" + std::to_string(i) + ".tif", bytes, 1);
      ASSERT_TRUE(f.ok()) << f.error().message;
      ASSERT_TRUE((*s)->SavePage(OkPage(f->file_id, 0, kTpl, 1, 1, 2000001 + i, Page1Readings())).ok());
      ++written;
    }
  });
  while (written.load() < 3) std::this_thread::yield();
  auto reader = OpenOrDie(db, false);
  const fs::path copy = dir.path() / "backup.db";
  auto st = reader->Backup(copy);
  stop = true;
  writer.join();
  ASSERT_TRUE(st.ok()) << st.error().message;
  EXPECT_FALSE(fs::exists(copy.string() + ".partial"));
  // The copy is a survey in its own right, with everything committed before the backup began.
  auto restored = OpenOrDie(copy, false);
  ASSERT_TRUE(restored);
  auto pages = restored->CountPages();
  ASSERT_TRUE(pages.ok());
  EXPECT_GE(*pages, 123);
  EXPECT_EQ(CountRows(copy, "SELECT count(*) FROM pages p JOIN scan_originals o ON o.file_id=p.file_id"),
            *pages);  // no page without its original: one snapshot
  EXPECT_EQ(CountRows(copy, "SELECT count(*) FROM review_items"), 120);
  std::printf("backup while writing: %d pages in the copy, %d written meanwhile\n", *pages,
              written.load());

  // Never over an existing file.
  auto again = reader->Backup(copy);
  ASSERT_FALSE(again.ok());
  EXPECT_NE(again.error().message.find("already exists"), std::string::npos);
  auto nowhere = reader->Backup(dir.path() / "no" / "such" / "dir.db");
  ASSERT_FALSE(nowhere.ok());
  EXPECT_NE(nowhere.error().message.find("dir.db"), std::string::npos);
}

TEST(StorePageSourceTest, OriginalOfAnIdentifiedPage) {
  auto s = ReadySurvey();
  std::vector<unsigned char> bytes = {'I', 'I', '*', 0, 1, 2, 3};
  auto f = s->BeginScanFile(Sha256Hex(bytes), "scans/batch 1/stack.tif", bytes, 3);
  ASSERT_TRUE(f.ok());
  auto page = OkPage(f->file_id, 2, kTpl, 1, 2, 1000001, Page2Readings());
  page.mm_to_px = {11.8, 0, 40, 0, 11.8, 55, 0, 0, 1};
  ASSERT_TRUE(s->SavePage(page).ok());
  // The same page again from another scan: a conflict, never the source.
  std::vector<unsigned char> other = {'x'};
  auto g = s->BeginScanFile(Sha256Hex(other), "again.tif", other, 1);
  ASSERT_TRUE(s->SavePage(OkPage(g->file_id, 0, kTpl, 1, 2, 1000001, Page2Readings())).ok());

  auto src = s->LoadPageSource(1000001, 2);
  ASSERT_TRUE(src.ok()) << src.error().message;
  ASSERT_TRUE(src->has_value());
  EXPECT_EQ((*src)->original, bytes);
  EXPECT_EQ((*src)->file_name, "stack.tif");
  EXPECT_EQ((*src)->page_index, 2);
  EXPECT_DOUBLE_EQ((*src)->mm_to_px[2], 40);
  EXPECT_DOUBLE_EQ((*src)->mm_to_px[5], 55);
  EXPECT_NEAR((*src)->px_per_mm, 300 / 25.4, 1e-9);
  EXPECT_DOUBLE_EQ((*src)->width_mm, 210);  // from the stored layout
  EXPECT_DOUBLE_EQ((*src)->height_mm, 297);
  EXPECT_FALSE(s->LoadPageSource(1000001, 1)->has_value());  // never scanned
  EXPECT_FALSE(s->LoadPageSource(42, 1)->has_value());
}

TEST(StoreLayoutTest, LayoutIsFrozenAtRegistration) {
  TempDir dir;
  const fs::path db = dir.path() / "survey.db";
  auto s = ReadySurvey(db);
  auto layouts = s->LoadTemplateLayouts();
  ASSERT_TRUE(layouts.ok()) << layouts.error().message;
  ASSERT_EQ(layouts->size(), 1u);
  const StoredLayout& stored = layouts->front();
  EXPECT_EQ(stored.template_id, kTpl);
  EXPECT_EQ(stored.version, 1);
  EXPECT_EQ(stored.engine, templates::LayoutEngineVersion());
  EXPECT_NE(stored.engine.find("pango"), std::string::npos);
  ASSERT_TRUE(stored.layout.has_value());
  EXPECT_EQ(templates::LayoutToJson(*stored.layout), templates::LayoutToJson(MakeLayout(kTpl, 1)));

  // A survey registered before layouts were stored: none until the template is registered again.
  ASSERT_EQ(CountRows(db, "SELECT 1"), 1);
  {
    sqlite3* h = nullptr;
    sqlite3_open(db.c_str(), &h);
    sqlite3_exec(h, "UPDATE templates SET layout_json=NULL, layout_engine=NULL", nullptr, nullptr, nullptr);
    sqlite3_close(h);
  }
  auto s2 = OpenOrDie(db, false);
  EXPECT_FALSE(s2->LoadTemplateLayouts()->front().layout.has_value());
  ASSERT_TRUE(s2->RegisterTemplate(MakeTemplate(kTpl, 1, kSource), MakeLayout(kTpl, 1)).ok());
  EXPECT_TRUE(s2->LoadTemplateLayouts()->front().layout.has_value());
}

}  // namespace
}  // namespace phieu::store
