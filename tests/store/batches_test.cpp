// Copyright 2026 The Phiếu Authors
// SPDX-License-Identifier: Apache-2.0
// Ingest batches (store/src/batches.cpp): begin, progress, finish, list; a batch whose process
// died (no heartbeat for kBatchStaleSeconds) reads as interrupted; held scan files by hash.
#include <sqlite3.h>

#include "store_test_util.h"

namespace phieu::store::testing {
namespace {

TEST(BatchesTest, BeginProgressFinishAndList) {
  TempDir dir("batches");
  auto store = OpenOrDie(dir / "s.db");
  auto id = store->BeginBatch({.source = "station", .who = "thu", .station = "bàn-2",
                               .address = "10.0.0.7", .state = "queued", .files = 3});
  ASSERT_TRUE(id.ok()) << id.error().message;
  auto b = store->GetBatch(*id);
  ASSERT_TRUE(b.ok() && b->has_value());
  EXPECT_EQ((*b)->state, "queued");
  EXPECT_EQ((*b)->station, "bàn-2");
  EXPECT_EQ((*b)->files, 3);
  EXPECT_EQ((*b)->exit_code, -1);
  EXPECT_EQ((*b)->finished_at, "");
  // The station's batch is audited: who, from where, what.
  AuditFilter f;
  auto audit = store->ListAudit(f);
  ASSERT_TRUE(audit.ok());
  ASSERT_EQ(audit->size(), 1u);
  EXPECT_EQ((*audit)[0].who, "thu");
  EXPECT_EQ((*audit)[0].entity, "batch");
  EXPECT_EQ((*audit)[0].address, "10.0.0.7");
  EXPECT_NE((*audit)[0].new_value.value_or("").find("bàn-2"), std::string::npos);

  ASSERT_TRUE(store->UpdateBatchProgress(*id, 4, 9).ok());
  b = store->GetBatch(*id);
  EXPECT_EQ((*b)->state, "running");
  EXPECT_EQ((*b)->pages_done, 4);
  EXPECT_EQ((*b)->pages_total, 9);

  auto cli = store->BeginBatch({.source = "cli", .who = "an", .files = 1});
  ASSERT_TRUE(cli.ok());
  ASSERT_TRUE(store->FinishBatch(*id, {.state = "finished", .summary_json = R"({"files":3})",
                                       .summary_text = "\nBatch summary\n", .exit_code = 1}).ok());
  // A finished batch takes no more progress.
  ASSERT_TRUE(store->UpdateBatchProgress(*id, 1, 1).ok());
  auto list = store->ListBatches(10);
  ASSERT_TRUE(list.ok());
  ASSERT_EQ(list->size(), 2u);
  EXPECT_EQ((*list)[0].id, *cli) << "newest first";
  EXPECT_EQ((*list)[0].state, "running");
  const BatchRecord& done = (*list)[1];
  EXPECT_EQ(done.state, "finished");
  EXPECT_EQ(done.pages_done, 4);
  EXPECT_EQ(done.summary_json, R"({"files":3})");
  EXPECT_EQ(done.summary_text, "\nBatch summary\n");
  EXPECT_EQ(done.exit_code, 1);
  EXPECT_NE(done.finished_at, "");
  EXPECT_EQ(store->ListBatches(1)->size(), 1u);

  EXPECT_FALSE(store->FinishBatch(*id, {.state = "done"}).ok());
  auto missing = store->FinishBatch(999, {});
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().code, "not_found");
  EXPECT_FALSE(store->BeginBatch({.source = "usb", .who = "x"}).ok());
  EXPECT_FALSE(store->GetBatch(999)->has_value());
}

TEST(BatchesTest, AKilledRunReadsAsInterruptedNotRunningForever) {
  TempDir dir("batches");
  auto store = OpenOrDie(dir / "s.db");
  auto dead = store->BeginBatch({.source = "cli", .who = "an", .files = 2});
  auto alive = store->BeginBatch({.source = "cli", .who = "an", .files = 2});
  ASSERT_TRUE(dead.ok() && alive.ok());
  // The dead run's last heartbeat was two stale periods ago (its process was killed).
  {
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open((dir / "s.db").c_str(), &db), SQLITE_OK);
    const std::string sql = "UPDATE ingest_batches SET heartbeat_at=strftime('%Y-%m-%dT%H:%M:%fZ','now','-" +
                            std::to_string(2 * kBatchStaleSeconds) + " seconds') WHERE id=" + std::to_string(*dead);
    ASSERT_EQ(sqlite3_exec(db, sql.c_str(), nullptr, nullptr, nullptr), SQLITE_OK);
    sqlite3_close(db);
  }
  EXPECT_EQ((*store->GetBatch(*dead))->state, "interrupted");
  EXPECT_EQ((*store->GetBatch(*alive))->state, "running");
  // A heartbeat brings a slow (not dead) run back.
  ASSERT_TRUE(store->TouchBatches({*dead}).ok());
  EXPECT_EQ((*store->GetBatch(*dead))->state, "running");
}

TEST(BatchesTest, FindsHeldScanFilesByHash) {
  TempDir dir("batches");
  auto store = OpenOrDie(dir / "s.db");
  const std::vector<unsigned char> bytes = {'s', 'c', 'a', 'n'};
  const std::string sha = Sha256Hex(bytes);
  EXPECT_FALSE(store->FindScanFileBySha256(sha)->has_value());
  auto state = store->BeginScanFile(sha, "lô 1/a.png", bytes, 1);
  ASSERT_TRUE(state.ok());
  auto held = store->FindScanFileBySha256(sha);
  ASSERT_TRUE(held.ok() && held->has_value());
  EXPECT_FALSE((*held)->complete);
  EXPECT_EQ((*held)->path, "lô 1/a.png");
  ASSERT_TRUE(store->FinishScanFile(state->file_id).ok());
  EXPECT_TRUE((*store->FindScanFileBySha256(sha))->complete);

  const std::vector<unsigned char> junk = {'j', 'u', 'n', 'k'};
  ASSERT_TRUE(store->RecordUnreadableFile(Sha256Hex(junk), "b.tif", junk, "not a TIFF").ok());
  auto bad = store->FindScanFileBySha256(Sha256Hex(junk));
  ASSERT_TRUE(bad.ok() && bad->has_value());
  EXPECT_TRUE((*bad)->complete);
  EXPECT_EQ((*bad)->error, "not a TIFF");
}

}  // namespace
}  // namespace phieu::store::testing
