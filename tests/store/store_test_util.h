// Copyright 2026 The Phiếu Authors
// SPDX-License-Identifier: Apache-2.0
#pragma once

// Hand-built templates, layouts, pages and readings for the store tests (no images needed).

#include <gtest/gtest.h>
#include <sqlite3.h>

#include <atomic>
#include <filesystem>
#include <string>
#include <unistd.h>

#include "store/store.h"

namespace phieu::store::testing {

namespace fs = std::filesystem;

/// A fresh directory per test, removed afterwards.
class TempDir {
 public:
  TempDir() {
    static std::atomic<int> counter{0};
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    path_ = std::filesystem::temp_directory_path() /
            ("phieu_store_" + std::to_string(::getpid()) + "_" + std::to_string(counter++) + "_" +
             (info ? info->name() : "x"));
    std::filesystem::remove_all(path_);
    std::filesystem::create_directories(path_);
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

inline templates::Template MakeTemplate(const std::string& id, int version,
                                        const std::string& source) {
  templates::Template t;
  t.id = id;
  t.version = version;
  t.title = "Phiếu khảo sát";
  t.source_json = source;
  return t;
}

inline templates::FieldLayout BoxField(const std::string& id, core::FieldKind kind, int page,
                                       std::vector<std::string> values) {
  templates::FieldLayout f{.id = id, .kind = kind, .page = page, .question_id = id, .label = id};
  double x = 20;
  for (const auto& v : values) {
    f.options.push_back({.value = v, .label = "option " + v, .numeric = true,
                         .box_mm = {x, 50, 4, 4}});
    x += 10;
  }
  return f;
}

/// Two pages: page 1 = q1 single (1,2), q2 multi (a,b,c), s1 scale (1..5);
/// page 2 = age digits, comment text.
inline templates::Layout MakeLayout(const std::string& id, int version) {
  templates::Layout l;
  l.template_id = id;
  l.version = version;
  l.pages = {{.page = 1}, {.page = 2}};
  l.fields.push_back(BoxField("q1", core::FieldKind::kSingle, 1, {"1", "2"}));
  l.fields.push_back(BoxField("q2", core::FieldKind::kMulti, 1, {"a", "b", "c"}));
  l.fields.push_back(BoxField("s1", core::FieldKind::kScale, 1, {"1", "2", "3", "4", "5"}));
  l.fields.push_back({.id = "age", .kind = core::FieldKind::kDigits, .page = 2,
                      .question_id = "age", .label = "Tuổi"});
  l.fields.push_back({.id = "comment", .kind = core::FieldKind::kText, .page = 2,
                      .question_id = "comment", .label = "Góp ý"});
  return l;
}

/// Stands in for a PNG crop (ingest encodes crops; the store keeps the bytes it is given).
inline const std::vector<unsigned char> kFakePng = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n', 0, 0};

/// A box reading; a flagged one comes with a crop, as ingest keeps only those by default.
inline ReadingRecord BoxReading(const std::string& id, core::FieldKind kind,
                                std::vector<std::string> selected, bool needs_review = false) {
  ReadingRecord r{.field_id = id, .kind = kind, .page = 1, .selected = std::move(selected),
                  .confidence = 0.97f, .needs_review = needs_review,
                  .reason = needs_review ? "two boxes marked" : "", .crop_mm = {15, 45, 60, 10},
                  .crop_png = needs_review ? kFakePng : std::vector<unsigned char>()};
  for (const auto& v : r.selected)
    r.boxes.push_back({.value = v, .state = "marked", .ink = 0.4f, .fill = 0.3f, .confidence = 0.97f});
  return r;
}

inline ReadingRecord TextReading(const std::string& id, core::FieldKind kind,
                                 std::optional<std::string> text, bool needs_review = false) {
  return {.field_id = id, .kind = kind, .page = 2, .text = std::move(text),
          .confidence = needs_review ? 0.4f : 0.95f, .needs_review = needs_review,
          .reason = needs_review ? "handwriting" : "", .crop_mm = {20, 100, 120, 30},
          .crop_png = needs_review ? kFakePng : std::vector<unsigned char>()};
}

inline PageRecord OkPage(std::int64_t file_id, int page_index, const std::string& tpl, int version,
                         int page_no, core::Serial serial, std::vector<ReadingRecord> readings = {}) {
  PageRecord p;
  p.file_id = file_id;
  p.page_index = page_index;
  p.status = "ok";
  p.key = {.template_id = tpl, .version = version, .page = page_no, .serial = serial};
  p.anchors_found = 4;
  p.px_per_mm = 300 / 25.4;
  p.residual_px = 0.8;
  p.readings = std::move(readings);
  return p;
}

/// Page 1 readings: q1 = "1", q2 = {a, c}, s1 = "4"; `review_q1` flags q1.
inline std::vector<ReadingRecord> Page1Readings(bool review_q1 = false) {
  return {BoxReading("q1", core::FieldKind::kSingle, {"1"}, review_q1),
          BoxReading("q2", core::FieldKind::kMulti, {"a", "c"}),
          BoxReading("s1", core::FieldKind::kScale, {"4"})};
}

/// Page 2 readings: age = "42", comment blank; `review_comment` flags the comment.
inline std::vector<ReadingRecord> Page2Readings(bool review_comment = false) {
  return {TextReading("age", core::FieldKind::kDigits, "42"),
          TextReading("comment", core::FieldKind::kText,
                      review_comment ? std::optional<std::string>("Tốt") : std::nullopt,
                      review_comment)};
}

inline const char* kUnitsCsv =
    "code,name,kind,quota,parent\n"
    "HN,Hà Nội,admin,0,\n"
    "X01,UBND xã An Bình,admin,60,HN\n"
    "T01,Trạm y tế An Bình,health,50,HN\n";

inline constexpr const char* kTpl = "sipas";
inline constexpr const char* kSource = R"({"id":"sipas","version":1})";

inline std::unique_ptr<Store> OpenOrDie(const fs::path& path, bool create = true) {
  auto s = Store::Open(path, create);
  EXPECT_TRUE(s.ok()) << s.error().message;
  return s.ok() ? std::move(s).value() : nullptr;
}

// A survey with the two-page template registered and three units.
inline std::unique_ptr<Store> ReadySurvey(const fs::path& path = ":memory:") {
  auto s = OpenOrDie(path);
  EXPECT_TRUE(s->RegisterTemplate(MakeTemplate(kTpl, 1, kSource), MakeLayout(kTpl, 1)).ok());
  auto units = s->ImportUnitsCsv(kUnitsCsv, "units.csv");
  EXPECT_TRUE(units.ok()) << units.error().message;
  return s;
}

inline std::int64_t BeginFile(Store& s, const std::string& name, int pages = 2) {
  std::vector<unsigned char> bytes(name.begin(), name.end());
  auto f = s.BeginScanFile(Sha256Hex(bytes), "scans/" + name, bytes, pages);
  EXPECT_TRUE(f.ok()) << f.error().message;
  return f->file_id;
}

// Runs a query on the raw file (to check what is stored, not just what the API says).
inline std::int64_t CountRows(const fs::path& path, const std::string& sql) {
  sqlite3* db = nullptr;
  sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr);
  sqlite3_stmt* st = nullptr;
  std::int64_t n = -1;
  if (sqlite3_prepare_v2(db, sql.c_str(), -1, &st, nullptr) == SQLITE_OK &&
      sqlite3_step(st) == SQLITE_ROW)
    n = sqlite3_column_int64(st, 0);
  sqlite3_finalize(st);
  sqlite3_close(db);
  return n;
}

}  // namespace phieu::store::testing
