// Copyright 2026 The Phiếu Authors
// SPDX-License-Identifier: Apache-2.0
#include "store/store.h"

#include <gtest/gtest.h>
#include <sqlite3.h>

#include <chrono>
#include <fstream>

#include "schema.h"
#include "store_test_util.h"

namespace phieu::store {
namespace {

using namespace phieu::store::testing;  // NOLINT
namespace fs = std::filesystem;

const SheetRecord* FindRecord(const std::vector<SheetRecord>& v, core::Serial serial) {
  for (const auto& r : v)
    if (r.serial == serial) return &r;
  return nullptr;
}

// --- opening and migrations -----------------------------------------------------------------

TEST(StoreOpenTest, CreatesAndReopensAFile) {
  TempDir dir;
  const fs::path db = dir.path() / "survey.db";
  {
    auto s = OpenOrDie(db);
    ASSERT_TRUE(s->RegisterTemplate(MakeTemplate(kTpl, 1, kSource), MakeLayout(kTpl, 1)).ok());
  }
  EXPECT_EQ(CountRows(db, "PRAGMA user_version"), LatestSchemaVersion());
  EXPECT_EQ(CountRows(db, "PRAGMA application_id"), 0x50484955);
  {
    auto s = OpenOrDie(db, /*create=*/false);  // migrations are a no-op the second time
    auto sources = s->LoadTemplateSources();
    ASSERT_TRUE(sources.ok());
    ASSERT_EQ(sources->size(), 1u);
    EXPECT_EQ(sources->front(), kSource);
  }
  EXPECT_EQ(CountRows(db, "SELECT count(*) FROM template_fields"), 5);
}

TEST(StoreOpenTest, UsesWal) {
  TempDir dir;
  const fs::path db = dir.path() / "survey.db";
  OpenOrDie(db);
  sqlite3* h = nullptr;
  sqlite3_open(db.c_str(), &h);
  sqlite3_stmt* st = nullptr;
  sqlite3_prepare_v2(h, "PRAGMA journal_mode", -1, &st, nullptr);
  ASSERT_EQ(sqlite3_step(st), SQLITE_ROW);
  EXPECT_STREQ(reinterpret_cast<const char*>(sqlite3_column_text(st, 0)), "wal");
  sqlite3_finalize(st);
  sqlite3_close(h);
}

TEST(StoreOpenTest, MissingFileWithoutCreateNamesTheFile) {
  TempDir dir;
  const fs::path db = dir.path() / "nope.db";
  auto s = Store::Open(db, false);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.error().message.find(db.string()), std::string::npos) << s.error().message;
  EXPECT_NE(s.error().message.find("no such survey file"), std::string::npos);
  EXPECT_FALSE(fs::exists(db));
}

TEST(StoreOpenTest, NonSqliteFileIsRejected) {
  TempDir dir;
  const fs::path db = dir.path() / "notes.txt";
  std::ofstream(db) << "this is not a database, just some text that is long enough to have a "
                       "header of one hundred bytes, which is what SQLite looks at first......";
  for (bool create : {false, true}) {
    auto s = Store::Open(db, create);
    ASSERT_FALSE(s.ok());
    EXPECT_NE(s.error().message.find("not a Phiếu survey file"), std::string::npos)
        << s.error().message;
    EXPECT_NE(s.error().message.find("notes.txt"), std::string::npos);
  }
}

TEST(StoreOpenTest, ForeignSqliteDatabaseIsRejected) {
  TempDir dir;
  const fs::path db = dir.path() / "other.db";
  sqlite3* h = nullptr;
  sqlite3_open(db.c_str(), &h);
  sqlite3_exec(h, "CREATE TABLE customers (id INTEGER)", nullptr, nullptr, nullptr);
  sqlite3_close(h);
  auto s = Store::Open(db, false);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.error().message.find("not a Phiếu survey"), std::string::npos) << s.error().message;
  EXPECT_EQ(CountRows(db, "SELECT count(*) FROM sqlite_master"), 1);  // left untouched
}

TEST(StoreOpenTest, NewerSchemaIsRejected) {
  TempDir dir;
  const fs::path db = dir.path() / "survey.db";
  OpenOrDie(db);
  sqlite3* h = nullptr;
  sqlite3_open(db.c_str(), &h);
  sqlite3_exec(h, "PRAGMA user_version=99", nullptr, nullptr, nullptr);
  sqlite3_close(h);
  auto s = Store::Open(db, false);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.error().message.find("newer Phiếu"), std::string::npos) << s.error().message;
}

TEST(StoreOpenTest, Sha256MatchesKnownVector) {
  const std::string abc = "abc";
  EXPECT_EQ(Sha256Hex({abc.begin(), abc.end()}),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(Sha256Hex({}), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

// --- templates -------------------------------------------------------------------------------

TEST(StoreTemplateTest, SameContentIsNoOpDifferentContentIsError) {
  auto s = OpenOrDie(":memory:");
  ASSERT_TRUE(s->RegisterTemplate(MakeTemplate(kTpl, 1, kSource), MakeLayout(kTpl, 1)).ok());
  EXPECT_TRUE(s->RegisterTemplate(MakeTemplate(kTpl, 1, kSource), MakeLayout(kTpl, 1)).ok());
  auto changed = s->RegisterTemplate(MakeTemplate(kTpl, 1, R"({"id":"sipas","x":2})"),
                                     MakeLayout(kTpl, 1));
  ASSERT_FALSE(changed.ok());
  EXPECT_EQ(changed.error().message,
            "template sipas version 1 is already registered with different content; bump the "
            "version");
  EXPECT_TRUE(s->RegisterTemplate(MakeTemplate(kTpl, 2, R"({"id":"sipas","x":2})"),
                                  MakeLayout(kTpl, 2)).ok());
  auto sources = s->LoadTemplateSources();
  ASSERT_TRUE(sources.ok());
  EXPECT_EQ(sources->size(), 2u);
}

// Bundled templates gained a scoring section and personal flags without a new version: a
// survey that registered the older text takes the new one, because the printed forms are the
// same. Anything printed that changed still needs a new version.
TEST(StoreTemplateTest, OnlyNonPrintingChangesAreTakenUnderTheSameVersion) {
  auto s = OpenOrDie(":memory:");
  const std::string v1 =
      R"({"id":"sipas","sections":[{"questions":[{"id":"sdt","kind":"digits","text":"Số điện thoại"}]}]})";
  const std::string scored =
      R"({"id":"sipas","sections":[{"questions":[{"id":"sdt","kind":"digits","text":"Số điện thoại",)"
      R"("personal":true}]}],"scoring":{"elements":[]}})";
  const std::string reworded =
      R"({"id":"sipas","sections":[{"questions":[{"id":"sdt","kind":"digits","text":"Điện thoại"}]}]})";
  ASSERT_TRUE(s->RegisterTemplate(MakeTemplate(kTpl, 1, v1), MakeLayout(kTpl, 1)).ok());
  templates::Layout personal = MakeLayout(kTpl, 1);
  ASSERT_FALSE(personal.fields.empty());
  personal.fields[0].personal = true;
  auto taken = s->RegisterTemplate(MakeTemplate(kTpl, 1, scored), personal);
  ASSERT_TRUE(taken.ok()) << taken.error().message;
  auto sources = s->LoadTemplateSources();
  ASSERT_TRUE(sources.ok());
  ASSERT_EQ(sources->size(), 1u);
  EXPECT_EQ(sources->front(), scored);
  auto layouts = s->LoadTemplateLayouts();
  ASSERT_TRUE(layouts.ok());
  ASSERT_EQ(layouts->size(), 1u);
  ASSERT_TRUE(layouts->front().layout.has_value());
  EXPECT_TRUE(layouts->front().layout->fields[0].personal);
  for (size_t i = 1; i < layouts->front().layout->fields.size(); ++i)
    EXPECT_FALSE(layouts->front().layout->fields[i].personal) << i;
  auto refused = s->RegisterTemplate(MakeTemplate(kTpl, 1, reworded), MakeLayout(kTpl, 1));
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.error().message.find("bump the version"), std::string::npos);
}

TEST(StoreTemplateTest, LayoutOfAnotherTemplateIsRejected) {
  auto s = OpenOrDie(":memory:");
  EXPECT_FALSE(s->RegisterTemplate(MakeTemplate(kTpl, 1, kSource), MakeLayout(kTpl, 2)).ok());
}

// --- serials ---------------------------------------------------------------------------------

TEST(StoreSerialTest, UniqueAcrossRunsAndUnits) {
  TempDir dir;
  const fs::path db = dir.path() / "survey.db";
  std::set<core::Serial> all;
  {
    auto s = ReadySurvey(db);
    auto a = s->AllocateSerials(kTpl, 1, "X01", 3);
    ASSERT_TRUE(a.ok()) << a.error().message;
    EXPECT_EQ(*a, (std::vector<core::Serial>{1000001, 1000002, 1000003}));
    all.insert(a->begin(), a->end());
  }
  for (const char* unit : {"T01", "X01"}) {
    auto s = OpenOrDie(db, false);  // a new run of `phieu print`
    auto b = s->AllocateSerials(kTpl, 1, unit, 2);
    ASSERT_TRUE(b.ok()) << b.error().message;
    for (auto serial : *b) EXPECT_TRUE(all.insert(serial).second) << serial;
    auto sheet = s->FindSheet(b->front());
    ASSERT_TRUE(sheet.ok());
    ASSERT_TRUE(sheet->has_value());
    EXPECT_EQ((*sheet)->unit_code, unit);
    EXPECT_EQ((*sheet)->template_id, kTpl);
  }
  EXPECT_EQ(all.size(), 7u);
  EXPECT_EQ(*all.rbegin(), 1000007);
}

TEST(StoreSerialTest, TwoConnectionsNeverShareASerial) {
  // Two `phieu print` processes on one survey: each allocation holds the write lock.
  TempDir dir;
  const fs::path db = dir.path() / "survey.db";
  ReadySurvey(db);
  auto a = OpenOrDie(db, false);
  auto b = OpenOrDie(db, false);
  std::set<core::Serial> all;
  for (int round = 0; round < 5; ++round) {
    for (Store* s : {a.get(), b.get()}) {
      auto got = s->AllocateSerials(kTpl, 1, round % 2 ? "X01" : "T01", 3);
      ASSERT_TRUE(got.ok()) << got.error().message;
      for (auto serial : *got) EXPECT_TRUE(all.insert(serial).second) << serial;
    }
  }
  EXPECT_EQ(all.size(), 30u);
}

TEST(StoreSerialTest, UnknownUnitOrTemplateIsError) {
  auto s = ReadySurvey();
  auto a = s->AllocateSerials(kTpl, 1, "ZZZ", 2);
  ASSERT_FALSE(a.ok());
  EXPECT_NE(a.error().message.find("ZZZ"), std::string::npos);
  auto b = s->AllocateSerials(kTpl, 9, "X01", 2);
  ASSERT_FALSE(b.ok());
  EXPECT_NE(b.error().message.find("version 9"), std::string::npos);
  auto none = s->FindSheet(1000001);
  ASSERT_TRUE(none.ok());
  EXPECT_FALSE(none->has_value());  // nothing allocated by the failed calls
}

TEST(StoreSerialTest, SerialsSeenOnScansAreNeverReallocated) {
  auto s = ReadySurvey();
  auto f = BeginFile(*s, "render.pdf");
  ASSERT_EQ(*s->SavePage(OkPage(f, 0, kTpl, 1, 1, 1000005, Page1Readings())),
            PageDisposition::kStored);
  auto a = s->AllocateSerials(kTpl, 1, "X01", 1);
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(a->front(), 1000006);
}

// --- ingest ----------------------------------------------------------------------------------

TEST(StoreIngestTest, BeginScanFileTwiceResumes) {
  TempDir dir;
  const fs::path db = dir.path() / "survey.db";
  const std::vector<unsigned char> bytes = {'%', 'P', 'D', 'F', 1, 2, 3};
  const std::string sha = Sha256Hex(bytes);
  std::int64_t id = 0;
  {
    auto s = ReadySurvey(db);
    auto f = s->BeginScanFile(sha, "scans/a.pdf", bytes, 2);
    ASSERT_TRUE(f.ok());
    EXPECT_FALSE(f->complete);
    EXPECT_TRUE(f->pages_done.empty());
    id = f->file_id;
    ASSERT_TRUE(s->SavePage(OkPage(id, 0, kTpl, 1, 1, 1000001, Page1Readings())).ok());
  }  // killed here: page 1 of 2 stored
  {
    auto s = OpenOrDie(db, false);
    auto f = s->BeginScanFile(sha, "elsewhere/a.pdf", bytes, 2);
    ASSERT_TRUE(f.ok());
    EXPECT_EQ(f->file_id, id);
    EXPECT_FALSE(f->complete);
    EXPECT_EQ(f->pages_done, std::set<int>{0});
    ASSERT_TRUE(s->SavePage(OkPage(id, 1, kTpl, 1, 2, 1000001, Page2Readings())).ok());
    ASSERT_TRUE(s->FinishScanFile(id).ok());
    auto g = s->BeginScanFile(sha, "scans/a.pdf", bytes, 2);
    ASSERT_TRUE(g.ok());
    EXPECT_TRUE(g->complete);
    EXPECT_EQ(g->pages_done, (std::set<int>{0, 1}));
  }
  EXPECT_EQ(CountRows(db, "SELECT count(*) FROM scan_files"), 1);
  EXPECT_EQ(CountRows(db, "SELECT length(bytes) FROM scan_originals"), 7);  // original kept
  EXPECT_EQ(CountRows(db, "SELECT count(*) FROM pages"), 2);
}

TEST(StoreIngestTest, SavePageTwiceIsIdempotent) {
  TempDir dir;
  const fs::path db = dir.path() / "survey.db";
  auto s = ReadySurvey(db);
  auto f = BeginFile(*s, "a.tif");
  auto page = OkPage(f, 0, kTpl, 1, 1, 1000001, Page1Readings(/*review_q1=*/true));
  auto first = s->SavePage(page);
  ASSERT_TRUE(first.ok()) << first.error().message;
  EXPECT_EQ(*first, PageDisposition::kStored);
  auto again = s->SavePage(page);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(*again, PageDisposition::kAlreadyStored);  // not a conflict with itself, not new
  EXPECT_EQ(CountRows(db, "SELECT count(*) FROM pages"), 1);
  EXPECT_EQ(CountRows(db, "SELECT count(*) FROM readings"), 3);
  EXPECT_EQ(CountRows(db, "SELECT count(*) FROM review_items"), 1);
  EXPECT_EQ(CountRows(db, "SELECT count(*) FROM sheets"), 1);
}

TEST(StoreIngestTest, SamePageFromAnotherScanIsAConflict) {
  TempDir dir;
  const fs::path db = dir.path() / "survey.db";
  auto s = ReadySurvey(db);
  auto serials = s->AllocateSerials(kTpl, 1, "X01", 1);
  ASSERT_TRUE(serials.ok());
  const core::Serial serial = serials->front();
  auto a = BeginFile(*s, "a.tif");
  auto b = BeginFile(*s, "b.tif");
  ASSERT_EQ(*s->SavePage(OkPage(a, 3, kTpl, 1, 1, serial, Page1Readings())),
            PageDisposition::kStored);
  auto other = Page1Readings(/*review_q1=*/true);
  other[2].selected = {"1"};  // the rescan reads s1 differently
  auto c = s->SavePage(OkPage(b, 0, kTpl, 1, 1, serial, other));
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(*c, PageDisposition::kConflict);
  EXPECT_EQ(CountRows(db, "SELECT count(*) FROM pages WHERE status='conflict' AND conflict_with "
                          "IS NOT NULL AND reason LIKE '%scans/a.tif (page 4 of that file)%'"),
            1);
  EXPECT_EQ(CountRows(db, "SELECT count(*) FROM review_items"), 0);  // no answers from it

  auto sheets = s->ListSheets(true);
  ASSERT_TRUE(sheets.ok());
  ASSERT_EQ(sheets->size(), 1u);
  EXPECT_EQ(sheets->front().selected.at("s1"), std::vector<std::string>{"4"});  // first scan
  auto st = s->GetStatus();
  ASSERT_TRUE(st.ok());
  EXPECT_EQ(st->conflicts, 1);
  EXPECT_EQ(st->pages_identified, 1);
}

TEST(StoreIngestTest, PageOfAnotherTemplateOnAPrintedSerialIsAConflict) {
  auto s = ReadySurvey();
  ASSERT_TRUE(s->RegisterTemplate(MakeTemplate("health", 1, "{}"), MakeLayout("health", 1)).ok());
  auto serials = s->AllocateSerials(kTpl, 1, "X01", 1);
  ASSERT_TRUE(serials.ok());
  auto f = BeginFile(*s, "a.tif");
  auto d = s->SavePage(OkPage(f, 0, "health", 1, 1, serials->front(), Page1Readings()));
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(*d, PageDisposition::kConflict);
  auto sheets = s->ListSheets(true);
  ASSERT_TRUE(sheets.ok());
  EXPECT_TRUE(sheets->empty());
}

TEST(StoreIngestTest, UnidentifiedPagesAreKept) {
  TempDir dir;
  const fs::path db = dir.path() / "survey.db";
  auto s = ReadySurvey(db);
  auto f = BeginFile(*s, "mixed.pdf", 3);
  PageRecord blank;
  blank.file_id = f;
  blank.page_index = 0;
  blank.status = "blank";
  blank.reason = "the page is blank";
  blank.thumbnail_jpeg = {0xFF, 0xD8, 0xFF, 0xD9};
  PageRecord foreign = blank;
  foreign.page_index = 1;
  foreign.status = "foreign_code";
  foreign.reason = "QR codes found, none of them Phiếu anchors";
  PageRecord unknown = blank;
  unknown.page_index = 2;
  unknown.status = "unknown_version";
  unknown.reason = "sipas version 7 is not known";
  unknown.key = {.template_id = kTpl, .version = 7, .page = 1, .serial = 1000009};
  for (const auto* p : {&blank, &foreign, &unknown}) {
    auto d = s->SavePage(*p);
    ASSERT_TRUE(d.ok()) << d.error().message;
    EXPECT_EQ(*d, PageDisposition::kUnidentified);
  }
  // An "ok" page of a template the survey never registered is kept too, not dropped.
  auto g = BeginFile(*s, "other.pdf", 1);
  auto d = s->SavePage(OkPage(g, 0, "nope", 1, 1, 1000001, Page1Readings()));
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(*d, PageDisposition::kUnidentified);

  EXPECT_EQ(CountRows(db, "SELECT count(*) FROM pages WHERE thumbnail IS NOT NULL"), 3);
  EXPECT_EQ(CountRows(db, "SELECT count(*) FROM pages WHERE reason LIKE '%blank%'"), 1);
  EXPECT_EQ(CountRows(db, "SELECT count(*) FROM readings"), 0);
  EXPECT_EQ(CountRows(db, "SELECT count(*) FROM sheets"), 0);
  auto st = s->GetStatus();
  ASSERT_TRUE(st.ok());
  EXPECT_EQ(st->pages, 4);
  EXPECT_EQ(st->pages_unidentified, 4);
  EXPECT_EQ(st->unidentified_reasons.at("blank"), 1);
  EXPECT_EQ(st->unidentified_reasons.at("foreign_code"), 1);
  EXPECT_EQ(st->unidentified_reasons.at("unknown_version"), 1);
  EXPECT_EQ(st->unidentified_reasons.at("unknown_template"), 1);
  // The clerk's list: every one of them, the blank page (stored first) after the pages a clerk
  // must act on, so that a duplex stack's empty backs never push those past the limit.
  auto listed = s->ListUnidentifiedPages(3);
  ASSERT_TRUE(listed.ok());
  ASSERT_EQ(listed->size(), 3u);
  for (const auto& u : *listed) EXPECT_NE(u.status, "blank") << u.page_id;
  auto all = s->ListUnidentifiedPages(10);
  ASSERT_TRUE(all.ok());
  ASSERT_EQ(all->size(), 4u);
  EXPECT_EQ(all->back().status, "blank");
}

TEST(StoreIngestTest, UnreadableFileIsRecordedAsComplete) {
  auto s = ReadySurvey();
  const std::vector<unsigned char> bytes = {0, 1, 2};
  const std::string sha = Sha256Hex(bytes);
  ASSERT_TRUE(s->RecordUnreadableFile(sha, "scans/broken.tif", bytes, "not a TIFF").ok());
  auto f = s->BeginScanFile(sha, "scans/broken.tif", bytes, 0);
  ASSERT_TRUE(f.ok());
  EXPECT_TRUE(f->complete);  // ingesting it again skips it
  auto st = s->GetStatus();
  ASSERT_TRUE(st.ok());
  EXPECT_EQ(st->scan_files, 1);
  EXPECT_EQ(st->scan_files_unreadable, 1);
}

// Originals streamed from disk come back byte for byte; a file whose content no longer
// matches the hash it was registered under is refused with nothing stored.
TEST(StoreIngestTest, OriginalsStreamedFromDiskAreKeptExactly) {
  TempDir dir;
  const fs::path db = dir.path() / "survey.db";
  const fs::path scan = dir.path() / "big.pdf";
  std::string content(3 * (1 << 20) + 12345, '\0');  // several 1 MiB chunks plus a tail
  for (size_t i = 0; i < content.size(); ++i) content[i] = static_cast<char>((i * 2654435761u) >> 13);
  std::ofstream(scan, std::ios::binary) << content;
  auto sha = Sha256HexOfFile(scan);
  ASSERT_TRUE(sha.ok()) << sha.error().message;
  EXPECT_EQ(*sha, Sha256Hex(std::vector<unsigned char>(content.begin(), content.end())));
  {
    auto s = ReadySurvey(db);
    auto f = s->BeginScanFileFromDisk(*sha, scan, 2);
    ASSERT_TRUE(f.ok()) << f.error().message;
    ASSERT_TRUE(s->FinishScanFile(f->file_id).ok());
    auto again = s->BeginScanFileFromDisk(*sha, scan, 2);
    ASSERT_TRUE(again.ok());
    EXPECT_TRUE(again->complete);
    // Same hash claimed for different content: refused, the survey unchanged.
    const fs::path other = dir.path() / "other.pdf";
    std::ofstream(other, std::ios::binary) << "not the same bytes";
    auto bad = s->BeginScanFileFromDisk(std::string(64, 'a'), other, 1);
    ASSERT_FALSE(bad.ok());
    EXPECT_EQ(bad.error().code, "io");  // the scan file's problem: the batch goes on
    EXPECT_NE(bad.error().message.find("changed while it was being ingested"), std::string::npos)
        << bad.error().message;
    auto missing = s->BeginScanFileFromDisk(std::string(64, 'b'), dir.path() / "gone.pdf", 1);
    ASSERT_FALSE(missing.ok());
    EXPECT_NE(missing.error().message.find("gone.pdf"), std::string::npos) << missing.error().message;
    ASSERT_TRUE(s->RecordUnreadableFileFromDisk(Sha256Hex({'n', 'o', 't', ' ', 't', 'h', 'e', ' ', 's', 'a', 'm', 'e', ' ', 'b', 'y', 't', 'e', 's'}),
                                                other, "not a TIFF").ok());
  }
  EXPECT_EQ(CountRows(db, "SELECT count(*) FROM scan_files"), 2);
  EXPECT_EQ(CountRows(db, "SELECT count(*) FROM scan_files WHERE error IS NOT NULL"), 1);
  EXPECT_EQ(CountRows(db, "SELECT count(*) FROM scan_originals"), 2);
  sqlite3* h = nullptr;
  ASSERT_EQ(sqlite3_open_v2(db.c_str(), &h, SQLITE_OPEN_READONLY, nullptr), SQLITE_OK);
  sqlite3_stmt* st = nullptr;
  ASSERT_EQ(sqlite3_prepare_v2(h, "SELECT o.bytes FROM scan_originals o JOIN scan_files f ON f.id = o.file_id "
                                  "WHERE f.path LIKE '%big.pdf'", -1, &st, nullptr), SQLITE_OK);
  ASSERT_EQ(sqlite3_step(st), SQLITE_ROW);
  std::string stored(static_cast<const char*>(sqlite3_column_blob(st, 0)), static_cast<size_t>(sqlite3_column_bytes(st, 0)));
  EXPECT_TRUE(stored == content);
  sqlite3_finalize(st);
  sqlite3_close(h);
}

// A survey file from schema 1 (originals inside scan_files) opens with its originals moved.
TEST(StoreOpenTest, SchemaOneOriginalsMoveToTheirOwnTable) {
  TempDir dir;
  const fs::path db = dir.path() / "survey.db";
  // A file of schema 1 as it shipped: bytes in scan_files, no scan_originals.
  sqlite3* h = nullptr;
  sqlite3_open(db.c_str(), &h);
  ASSERT_EQ(sqlite3_exec(h, MigrationStepSql(1), nullptr, nullptr, nullptr), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(h,
                         "PRAGMA application_id=1346914645; PRAGMA user_version=1;"
                         "INSERT INTO scan_files (sha256, path, size, bytes, ingested_at) "
                         "VALUES ('00', 'a.pdf', 5, CAST('a.pdf' AS BLOB), '2026-01-01');",
                         nullptr, nullptr, nullptr), SQLITE_OK);
  sqlite3_close(h);
  ASSERT_EQ(CountRows(db, "SELECT count(*) FROM scan_files WHERE bytes = CAST('a.pdf' AS BLOB)"), 1);
  OpenOrDie(db, false);
  EXPECT_EQ(CountRows(db, "PRAGMA user_version"), LatestSchemaVersion());
  EXPECT_EQ(CountRows(db, "SELECT count(*) FROM scan_originals WHERE bytes = CAST('a.pdf' AS BLOB)"), 1);
  EXPECT_EQ(CountRows(db, "SELECT count(*) FROM pragma_table_info('scan_files') WHERE name = 'bytes'"), 0);
}

TEST(StoreIngestTest, UnallocatedSerialIsReadWithUnknownUnit) {
  auto s = ReadySurvey();
  auto f = BeginFile(*s, "render.pdf");
  ASSERT_EQ(*s->SavePage(OkPage(f, 0, kTpl, 1, 1, 42, Page1Readings())), PageDisposition::kStored);
  auto sheet = s->FindSheet(42);
  ASSERT_TRUE(sheet.ok());
  ASSERT_TRUE(sheet->has_value());
  EXPECT_EQ((*sheet)->unit_code, "");
  auto sheets = s->ListSheets(true);
  ASSERT_TRUE(sheets.ok());
  ASSERT_EQ(sheets->size(), 1u);
  EXPECT_EQ(sheets->front().unit_code, "");
  EXPECT_EQ(sheets->front().status, "incomplete");
}

// Ingest keeps the crops of flagged readings only (pipeline/page_record.h, tested in
// tests/pipeline/page_record_test.cpp); the store keeps exactly the crops it is handed.
TEST(StoreIngestTest, CropsAreKeptOnlyForFlaggedReadings) {
  TempDir dir;
  const fs::path db = dir.path() / "survey.db";
  auto s = ReadySurvey(db);
  auto f = BeginFile(*s, "a.tif");
  auto p1 = Page1Readings(/*review_q1=*/true);
  p1[1].boxes.clear();  // q2: no box marked (and not flagged) -> no crop
  ASSERT_TRUE(s->SavePage(OkPage(f, 0, kTpl, 1, 1, 1000001, p1)).ok());
  ASSERT_TRUE(s->SavePage(OkPage(f, 1, kTpl, 1, 2, 1000001, Page2Readings(true))).ok());
  // q1 (flagged) and comment (flagged) -> 2 crops; s1 (marked, confident), q2 and age -> none:
  // confident crops are cut again from the original when needed (docs/schema.md, "Crops").
  EXPECT_EQ(CountRows(db, "SELECT count(*) FROM readings WHERE crop IS NOT NULL"), 2);
  auto items = s->ListOpenReviewItems(10);
  ASSERT_TRUE(items.ok());
  ASSERT_EQ(items->size(), 2u);
  EXPECT_EQ(items->at(0).field_id, "q1");
  EXPECT_EQ(items->at(0).selected, std::vector<std::string>{"1"});
  EXPECT_TRUE(items->at(0).has_crop);
  EXPECT_DOUBLE_EQ(items->at(0).crop_mm.w, 60);
  EXPECT_EQ(items->at(1).field_id, "comment");
  EXPECT_EQ(items->at(1).text, "Tốt");
  EXPECT_EQ(items->at(1).page, 2);
  auto png = s->LoadCropPng(items->at(0).reading_id);
  ASSERT_TRUE(png.ok());
  EXPECT_EQ(*png, kFakePng);
}

// --- sheets, decisions, status -----------------------------------------------------------------

TEST(StoreSheetsTest, StatusesDecisionsAndPendingFilter) {
  TempDir dir;
  const fs::path db = dir.path() / "survey.db";
  auto s = ReadySurvey(db);
  auto serials = s->AllocateSerials(kTpl, 1, "X01", 3);
  ASSERT_TRUE(serials.ok());
  const core::Serial complete = (*serials)[0], review = (*serials)[1], partial = (*serials)[2];
  auto f = BeginFile(*s, "stack.pdf", 5);
  ASSERT_TRUE(s->SavePage(OkPage(f, 0, kTpl, 1, 1, complete, Page1Readings())).ok());
  ASSERT_TRUE(s->SavePage(OkPage(f, 1, kTpl, 1, 2, complete, Page2Readings())).ok());
  ASSERT_TRUE(s->SavePage(OkPage(f, 2, kTpl, 1, 2, review, Page2Readings(true))).ok());
  ASSERT_TRUE(s->SavePage(OkPage(f, 3, kTpl, 1, 1, review, Page1Readings(true))).ok());
  ASSERT_TRUE(s->SavePage(OkPage(f, 4, kTpl, 1, 1, partial, Page1Readings())).ok());

  auto all = s->ListSheets(true);
  ASSERT_TRUE(all.ok()) << all.error().message;
  ASSERT_EQ(all->size(), 3u);
  const SheetRecord* c = FindRecord(*all, complete);
  ASSERT_NE(c, nullptr);
  EXPECT_EQ(c->status, "complete");
  EXPECT_EQ(c->unit_code, "X01");
  EXPECT_EQ(c->template_id, kTpl);
  EXPECT_EQ(c->selected.at("q1"), std::vector<std::string>{"1"});
  EXPECT_EQ(c->selected.at("q2"), (std::vector<std::string>{"a", "c"}));
  EXPECT_EQ(c->text.at("age"), "42");
  EXPECT_EQ(c->text.at("comment"), std::nullopt);
  EXPECT_TRUE(c->pending.empty());
  EXPECT_TRUE(c->missing_pages.empty());

  const SheetRecord* r = FindRecord(*all, review);
  ASSERT_NE(r, nullptr);
  EXPECT_EQ(r->status, "needs_review");
  EXPECT_EQ(r->pending, (std::vector<std::string>{"q1", "comment"}));  // layout order
  EXPECT_EQ(r->text.at("comment"), "Tốt");  // machine reading while pending

  const SheetRecord* p = FindRecord(*all, partial);
  ASSERT_NE(p, nullptr);
  EXPECT_EQ(p->status, "incomplete");
  EXPECT_EQ(p->missing_pages, std::vector<int>{2});
  EXPECT_EQ(p->text.at("age"), std::nullopt);  // every layout field is present
  EXPECT_EQ(p->selected.size(), 3u);
  EXPECT_EQ(p->text.size(), 2u);

  auto exported = s->ListSheets(false);
  ASSERT_TRUE(exported.ok());
  EXPECT_EQ(exported->size(), 2u);
  EXPECT_EQ(FindRecord(*exported, review), nullptr);

  // A reviewer resolves both fields; the human value wins over the machine's.
  ASSERT_TRUE(s->RecordDecision({.serial = review, .field_id = "q1", .selected = {"2"},
                                 .who = "lan"}).ok());
  auto half = s->ListSheets(true);
  ASSERT_TRUE(half.ok());
  EXPECT_EQ(FindRecord(*half, review)->pending, std::vector<std::string>{"comment"});
  ASSERT_TRUE(s->RecordDecision({.serial = review, .field_id = "comment",
                                 .text = "Tốt \"lắm\"\n", .who = "lan"}).ok());
  // A decision on a field that was not flagged overrides too.
  ASSERT_TRUE(s->RecordDecision({.serial = complete, .field_id = "q2", .selected = {},
                                 .who = "minh"}).ok());
  auto done = s->ListSheets(false);
  ASSERT_TRUE(done.ok());
  ASSERT_EQ(done->size(), 3u);
  const SheetRecord* r2 = FindRecord(*done, review);
  ASSERT_NE(r2, nullptr);
  EXPECT_EQ(r2->status, "complete");
  EXPECT_EQ(r2->selected.at("q1"), std::vector<std::string>{"2"});
  EXPECT_EQ(r2->text.at("comment"), "Tốt \"lắm\"\n");  // escapes survive the round trip
  EXPECT_TRUE(FindRecord(*done, complete)->selected.at("q2").empty());

  EXPECT_EQ(CountRows(db, "SELECT count(*) FROM audit WHERE who='lan' AND entity='decision' "
                          "AND old='[\"1\"]' AND new='[\"2\"]'"),
            1);
  EXPECT_EQ(CountRows(db, "SELECT count(*) FROM review_items WHERE status='resolved' AND "
                          "resolved_by='lan'"),
            2);

  auto st = s->GetStatus();
  ASSERT_TRUE(st.ok());
  EXPECT_EQ(st->scan_files, 1);
  EXPECT_EQ(st->pages, 5);
  EXPECT_EQ(st->pages_identified, 5);
  EXPECT_EQ(st->sheets, 3);
  EXPECT_EQ(st->sheets_complete, 2);
  EXPECT_EQ(st->sheets_incomplete, 1);
  EXPECT_EQ(st->sheets_needs_review, 0);
  EXPECT_EQ(st->review_open, 0);
  ASSERT_EQ(st->units.size(), 3u);
  EXPECT_EQ(st->units[2].code, "X01");
  EXPECT_EQ(st->units[2].quota, 60);
  EXPECT_EQ(st->units[2].sheets, 3);
  EXPECT_EQ(st->units[2].allocated, 3);
  EXPECT_EQ(st->units[1].code, "T01");
  EXPECT_EQ(st->units[1].sheets, 0);
}

TEST(StoreSheetsTest, DecisionsSurviveAReRunAndBadDecisionsAreRejected) {
  TempDir dir;
  const fs::path db = dir.path() / "survey.db";
  {
    auto s = ReadySurvey(db);
    auto f = BeginFile(*s, "a.tif");
    ASSERT_TRUE(s->SavePage(OkPage(f, 0, kTpl, 1, 1, 1000001, Page1Readings(true))).ok());
    ASSERT_TRUE(s->RecordDecision({.serial = 1000001, .field_id = "q1", .selected = {"2"},
                                   .who = "lan"}).ok());
    EXPECT_FALSE(s->RecordDecision({.serial = 1000001, .field_id = "q1",
                                    .selected = {"1", "2"}, .who = "lan"}).ok());
    EXPECT_FALSE(s->RecordDecision({.serial = 1000001, .field_id = "q1", .selected = {"9"},
                                    .who = "lan"}).ok());
    EXPECT_FALSE(s->RecordDecision({.serial = 1000001, .field_id = "nope", .who = "lan"}).ok());
    EXPECT_FALSE(s->RecordDecision({.serial = 5, .field_id = "q1", .who = "lan"}).ok());
    EXPECT_FALSE(s->RecordDecision({.serial = 1000001, .field_id = "q1"}).ok());  // no reviewer
  }
  {
    // The same scan ingested again (another run): nothing changes, the decision stands.
    auto s = OpenOrDie(db, false);
    auto f = BeginFile(*s, "a.tif");
    ASSERT_TRUE(s->SavePage(OkPage(f, 0, kTpl, 1, 1, 1000001, Page1Readings(true))).ok());
    auto sheets = s->ListSheets(true);
    ASSERT_TRUE(sheets.ok());
    ASSERT_EQ(sheets->size(), 1u);
    EXPECT_EQ(sheets->front().selected.at("q1"), std::vector<std::string>{"2"});
    EXPECT_TRUE(sheets->front().pending.empty());
  }
  EXPECT_EQ(CountRows(db, "SELECT count(*) FROM decisions"), 1);
  EXPECT_EQ(CountRows(db, "SELECT count(*) FROM audit"), 1);
}

TEST(StoreSheetsTest, SavePageAndListSheetsStayFastAtScale) {
  // 1,000 two-page sheets in a WAL file: page 1 has 60 scale rows, page 2 has 10 (70,000
  // readings). Crops come encoded (ingest workers encode them: tests/pipeline/page_record_test.cpp
  // times that), so the timing is the writer's work. ListSheets runs a fixed number of queries, not one per field.
  TempDir dir;
  auto s = OpenOrDie(dir.path() / "survey.db");
  templates::Layout layout;
  layout.template_id = "big";
  layout.version = 1;
  layout.pages = {{.page = 1}, {.page = 2}};
  PageRecord p1 = OkPage(0, 0, "big", 1, 1, 0), p2 = OkPage(0, 0, "big", 1, 2, 0);
  // A scale row's crop as ingest encodes it with keep_marked_boxes (~2 KB of PNG).
  std::vector<unsigned char> png(2048);
  for (size_t i = 0; i < png.size(); ++i) png[i] = static_cast<unsigned char>(i * 2654435761u >> 24);
  for (int i = 0; i < 70; ++i) {
    const int page = i < 60 ? 1 : 2;
    const std::string id = "f" + std::to_string(i);
    layout.fields.push_back(BoxField(id, core::FieldKind::kScale, page, {"1", "2", "3", "4", "5"}));
    auto r = BoxReading(id, core::FieldKind::kScale, {std::to_string(1 + i % 5)});
    r.crop_png = png;
    (page == 1 ? p1 : p2).readings.push_back(std::move(r));
  }
  ASSERT_TRUE(s->RegisterTemplate(MakeTemplate("big", 1, "{}"), layout).ok());
  const size_t png_bytes = png.size();
  const auto f = BeginFile(*s, "stack.pdf", 4000);
  p1.file_id = p2.file_id = f;
  constexpr int kSheets = 1000;
  // First half with crops, second half without (the SQL alone).
  std::chrono::steady_clock::time_point t_half;
  auto t0 = std::chrono::steady_clock::now();
  for (int i = 0; i < kSheets; ++i) {
    if (i == kSheets / 2) {
      t_half = std::chrono::steady_clock::now();
      for (auto& r : p1.readings) r.crop_png.clear();
      for (auto& r : p2.readings) r.crop_png.clear();
    }
    p1.page_index = 2 * i;
    p2.page_index = 2 * i + 1;
    p1.key.serial = p2.key.serial = 1000001 + i;
    ASSERT_EQ(*s->SavePage(p1), PageDisposition::kStored);
    ASSERT_EQ(*s->SavePage(p2), PageDisposition::kStored);
  }
  auto t1 = std::chrono::steady_clock::now();
  auto sheets = s->ListSheets(true);
  auto t2 = std::chrono::steady_clock::now();
  ASSERT_TRUE(sheets.ok());
  ASSERT_EQ(sheets->size(), static_cast<size_t>(kSheets));
  EXPECT_EQ(sheets->back().selected.at("f69"), std::vector<std::string>{"5"});
  EXPECT_EQ(sheets->back().status, "complete");
  auto ms = [](auto a, auto b) { return std::chrono::duration<double, std::milli>(b - a).count(); };
  const double crops_ms = ms(t0, t_half) / kSheets, sql_ms = ms(t_half, t1) / kSheets;
  std::printf("SavePage per sheet (a 60- and a 10-reading page): %.3f ms with crops, %.3f ms "
              "without; ListSheets(%d sheets): %.0f ms; crop PNG %zu bytes\n",
              crops_ms, sql_ms, kSheets, ms(t1, t2), png_bytes);
  // Generous bounds (shared 2-core machine): they catch a per-field query, not noise.
  EXPECT_LT(sql_ms, 10.0);
  EXPECT_LT(crops_ms, 50.0);
  EXPECT_LT(ms(t1, t2), 5000.0);
}

}  // namespace
}  // namespace phieu::store
