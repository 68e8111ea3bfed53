// Copyright 2026 The Phiếu Authors
// SPDX-License-Identifier: Apache-2.0
// The reading pipeline as a library (pipeline/pipeline.h): ordering, resume, unreadable pages,
// two pipelines on one survey, and stored pages read again (Reread, RereadPage).
#include "pipeline/pipeline.h"
#include "pipeline/src/workers.h"

#include <algorithm>
#include <atomic>
#include <filesystem>
#include <fstream>
#include <thread>

#include <unistd.h>

#include <gtest/gtest.h>
#include <opencv2/imgcodecs.hpp>

#include "common/phieu_cli.h"
#include "common/temp_dir.h"
#include "templates/templates.h"

namespace phieu::pipeline {
namespace {

namespace fs = std::filesystem;
using phieu::testing::Phieu;
using phieu::testing::TempDir;

// Three health sheets (3 pages each, one page per file, mixed formats), simulated once.
class PipelineTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    scans_dir_ = new TempDir("pipeline_scans");
    scans_ = new fs::path(scans_dir_->path() / "stack");
    auto r = Phieu("simulate --template health --sheets 3 --seed 5 --no-damage --foreign 0 --blank-backs 0 -o " +
                   scans_->string());
    ASSERT_EQ(r.code, 0) << r.out;
    auto files = scanner::ExpandInputs({*scans_});
    ASSERT_TRUE(files.ok());
    files_ = new std::vector<fs::path>(*files);
    ASSERT_EQ(files_->size(), 9u);
  }
  static void TearDownTestSuite() {
    delete scans_dir_;
    delete scans_;
    delete files_;
  }

  static templates::Template Health() {
    auto tpl = templates::LoadTemplate(templates::BundledTemplatesDir() / "health.json");
    EXPECT_TRUE(tpl.ok());
    return *tpl;
  }
  /// A survey at `db`, with the health template registered when `registered`.
  static std::unique_ptr<store::Store> Open(const fs::path& db, bool registered = true) {
    auto s = store::Store::Open(db, true);
    EXPECT_TRUE(s.ok());
    if (registered) {
      const auto tpl = Health();
      EXPECT_TRUE((*s)->RegisterTemplate(tpl, templates::ComputeLayout(tpl)).ok());
    }
    return std::move(*s);
  }
  static templates::TemplateCatalog Catalog(bool with_health = true) {
    templates::TemplateCatalog c;
    if (with_health) c.Add(templates::ComputeLayout(Health()));
    return c;
  }
  static std::vector<store::StoredPage> Pages(store::Store& s) {
    auto p = s.ListStoredPages();
    EXPECT_TRUE(p.ok());
    return *p;
  }

  TempDir dir_{"pipeline"};
  static TempDir* scans_dir_;  ///< removes the stack when the suite ends.
  static fs::path* scans_;
  static std::vector<fs::path>* files_;
};
TempDir* PipelineTest::scans_dir_ = nullptr;
fs::path* PipelineTest::scans_ = nullptr;
std::vector<fs::path>* PipelineTest::files_ = nullptr;

TEST_F(PipelineTest, StoresPagesInInputOrderWithTwoJobs) {
  auto s = Open(dir_ / "s.db");
  std::vector<std::string> seen;
  IngestOptions options;
  options.jobs = 2;
  int progress_calls = 0;
  options.on_progress = [&](const IngestProgress& p) {
    ++progress_calls;
    EXPECT_EQ(p.pages_total, 9);
  };
  options.on_page = [&](const IngestedPage& p, store::PageDisposition d) {
    seen.push_back(p.aligned.source.file.string());
    EXPECT_EQ(d, store::PageDisposition::kStored);
  };
  auto summary = Ingest(*s, Catalog(), *files_, options);
  ASSERT_TRUE(summary.ok()) << summary.error().message;
  EXPECT_EQ(summary->pages_read, 9);
  EXPECT_EQ(summary->pages_identified, 9);
  EXPECT_EQ(progress_calls, 9);
  std::vector<std::string> expected;
  for (const auto& f : *files_) expected.push_back(f.string());
  EXPECT_EQ(seen, expected);
  // The store got them in the same order: page ids follow the files.
  const auto pages = Pages(*s);
  ASSERT_EQ(pages.size(), 9u);
  for (size_t i = 0; i < pages.size(); ++i) EXPECT_EQ(pages[i].file_path, expected[i]);
}

TEST_F(PipelineTest, ResumesAfterAStop) {
  auto s = Open(dir_ / "s.db");
  std::atomic<bool> stop{false};
  IngestOptions options;
  options.jobs = 1;  // at most three pages in flight: the stop leaves files unread
  options.stop = &stop;
  int stored = 0;
  options.on_page = [&](const IngestedPage&, store::PageDisposition) {
    if (++stored == 3) stop = true;
  };
  auto first = Ingest(*s, Catalog(), *files_, options);
  ASSERT_TRUE(first.ok());
  EXPECT_TRUE(first->stopped);
  EXPECT_GE(first->pages_read, 3);
  EXPECT_LT(first->pages_read, 9);

  stop = false;
  options.on_page = nullptr;
  auto second = Ingest(*s, Catalog(), *files_, options);
  ASSERT_TRUE(second.ok());
  EXPECT_FALSE(second->stopped);
  EXPECT_EQ(first->pages_read + second->pages_read, 9);  // nothing read twice
  EXPECT_EQ(second->files_skipped, first->pages_read);    // one page per file
  EXPECT_EQ(Pages(*s).size(), 9u);

  IngestSummary total = *first;
  total += *second;
  EXPECT_EQ(total.pages_read, 9);
  EXPECT_EQ(total.pages_identified, 9);
  EXPECT_TRUE(total.stopped);
}

TEST_F(PipelineTest, KeepsAnUnreadablePageAndTheBatchGoesOn) {
  auto s = Open(dir_ / "s.db");
  // A valid TIFF strip of 60000x20 pixels (it once aborted the whole batch) and a file that is
  // no scan at all, between good files.
  ASSERT_TRUE(cv::imwrite((dir_ / "strip.tif").string(), cv::Mat(20, 60000, CV_8UC1, cv::Scalar(200))));
  std::ofstream(dir_ / "notes.png") << "not an image";
  std::vector<fs::path> files = *files_;
  files.insert(files.begin() + 2, dir_ / "strip.tif");
  files.insert(files.begin() + 5, dir_ / "notes.png");
  auto summary = Ingest(*s, Catalog(), files, {});
  ASSERT_TRUE(summary.ok());
  EXPECT_EQ(summary->pages_identified, 9);
  EXPECT_EQ(summary->files_unreadable + summary->pages_unreadable, 2);
  ASSERT_EQ(summary->errors.size(), 2u);
  const std::string all = summary->errors[0] + summary->errors[1];
  EXPECT_NE(all.find("strip.tif"), std::string::npos) << all;
  EXPECT_NE(all.find("notes.png"), std::string::npos) << all;
  // Both kept: a second run meets neither again.
  auto again = Ingest(*s, Catalog(), files, {});
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->pages_read, 0);
  EXPECT_EQ(again->files_skipped, 11 - again->files_unreadable);
}

TEST_F(PipelineTest, TwoPipelinesOnOneSurveyCountEachPageOnce) {
  Open(dir_ / "s.db");  // create and register once
  core::Result<IngestSummary> a = core::MakeError("x", "not run"), b = core::MakeError("x", "not run");
  auto run = [&](core::Result<IngestSummary>& out) {
    auto s = store::Store::Open(dir_ / "s.db", false);
    ASSERT_TRUE(s.ok());
    IngestOptions options;
    options.jobs = 1;
    out = Ingest(**s, Catalog(), *files_, options);
  };
  std::thread t1([&] { run(a); }), t2([&] { run(b); });
  t1.join();
  t2.join();
  ASSERT_TRUE(a.ok()) << a.error().message;
  ASSERT_TRUE(b.ok()) << b.error().message;
  EXPECT_EQ(a->pages_read + b->pages_read, 9);
  EXPECT_EQ(a->pages_identified + b->pages_identified, 9);
  EXPECT_EQ(a->conflicts + b->conflicts, 0);
  auto s = Open(dir_ / "s.db", false);
  EXPECT_EQ(Pages(*s).size(), 9u);
}

// A page stored as unknown_template is read again once the template is registered.
TEST_F(PipelineTest, RereadIdentifiesPagesOfATemplateRegisteredLater) {
  auto s = Open(dir_ / "s.db", false);
  auto first = Ingest(*s, Catalog(false), *files_, {});
  ASSERT_TRUE(first.ok());
  EXPECT_EQ(first->pages_unidentified, 9);
  EXPECT_EQ(first->unidentified_reasons["unknown_template"], 9);

  const auto tpl = Health();
  ASSERT_TRUE(s->RegisterTemplate(tpl, templates::ComputeLayout(tpl)).ok());
  IngestOptions options;
  options.jobs = 2;
  auto summary = Reread(*s, Catalog(), {}, options);
  ASSERT_TRUE(summary.ok()) << summary.error().message;
  EXPECT_EQ(summary->pages, 9);
  EXPECT_EQ(summary->pages_now_identified, 9);
  EXPECT_EQ(summary->pages_still_unidentified, 0);
  EXPECT_GT(summary->readings_added, 9);
  EXPECT_TRUE(summary->errors.empty());
  ASSERT_EQ(summary->outcomes.size(), 9u);
  EXPECT_EQ(summary->outcomes[0].status_before, "unknown_template");

  // Read, and never duplicated: nine pages, three complete-or-reviewable sheets.
  auto status = s->GetStatus();
  ASSERT_TRUE(status.ok());
  EXPECT_EQ(status->pages, 9);
  EXPECT_EQ(status->pages_identified, 9);
  EXPECT_EQ(status->sheets, 3);
  EXPECT_EQ(status->sheets_incomplete, 0);
  auto sheets = s->ListSheets(true);
  ASSERT_TRUE(sheets.ok());
  ASSERT_EQ(sheets->size(), 3u);
  EXPECT_FALSE(sheets->front().selected.empty());
  EXPECT_EQ(status->review_open, summary->review_items_opened);

  // By default only unidentified pages are read again: nothing left to do.
  auto again = Reread(*s, Catalog(), {}, {});
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->pages, 0);
}

TEST_F(PipelineTest, RereadKeepsReviewersDecisionsAndTheAudit) {
  auto s = Open(dir_ / "s.db");
  ASSERT_TRUE(Ingest(*s, Catalog(), *files_, {}).ok());
  auto sheets = s->ListSheets(true);
  ASSERT_TRUE(sheets.ok() && !sheets->empty());
  const core::Serial serial = sheets->front().serial;
  // A reviewer overrules the machine on the first box field of the sheet.
  const auto layout = templates::ComputeLayout(Health());
  const templates::FieldLayout* field = nullptr;
  for (const auto& f : layout.fields)
    if (core::IsBoxKind(f.kind) && f.options.size() >= 2) {
      field = &f;
      break;
    }
  ASSERT_NE(field, nullptr);
  const auto& machine = sheets->front().selected[field->id];
  const std::string other =
      std::find(machine.begin(), machine.end(), field->options[0].value) == machine.end()
          ? field->options[0].value
          : field->options[1].value;
  ASSERT_TRUE(s->RecordDecision({.serial = serial, .field_id = field->id, .selected = {other}, .text = {},
                                 .who = "lan", .illegible = false, .screen = "cli", .address = ""})
                  .ok());
  auto audit_before = s->ListAudit({});
  ASSERT_TRUE(audit_before.ok());
  auto status_before = s->GetStatus();

  auto summary = Reread(*s, Catalog(), {.statuses = {"ok"}, .files = {}, .page_ids = {}}, {});
  ASSERT_TRUE(summary.ok()) << summary.error().message;
  EXPECT_EQ(summary->pages, 9);
  EXPECT_EQ(summary->pages_kept_previous, 0);
  EXPECT_EQ(summary->readings_added, 0);  // every reading updated in place
  EXPECT_EQ(summary->review_items_opened, 0);  // the same scans read the same way

  auto sheet = s->GetSheet(serial);
  ASSERT_TRUE(sheet.ok() && sheet->has_value());
  EXPECT_EQ((*sheet)->selected[field->id], std::vector<std::string>{other});
  EXPECT_NE(std::find((*sheet)->decided.begin(), (*sheet)->decided.end(), field->id), (*sheet)->decided.end());
  auto audit_after = s->ListAudit({});
  ASSERT_TRUE(audit_after.ok());
  EXPECT_EQ(audit_after->size(), audit_before->size());
  auto status_after = s->GetStatus();
  EXPECT_EQ(status_after->pages, 9);
  EXPECT_EQ(status_after->review_open, status_before->review_open);
  EXPECT_EQ(status_after->sheets, 3);
}

TEST_F(PipelineTest, RereadFileFilterAndOnePage) {
  auto s = Open(dir_ / "s.db", false);
  ASSERT_TRUE(Ingest(*s, Catalog(false), *files_, {}).ok());
  const auto tpl = Health();
  ASSERT_TRUE(s->RegisterTemplate(tpl, templates::ComputeLayout(tpl)).ok());

  // --file by content (the file exists) and by the stored name.
  auto one = Reread(*s, Catalog(), {.statuses = {}, .files = {(*files_)[0]}, .page_ids = {}}, {});
  ASSERT_TRUE(one.ok()) << one.error().message;
  EXPECT_EQ(one->pages, 1);
  EXPECT_EQ(one->pages_now_identified, 1);
  auto by_name = Reread(*s, Catalog(), {.statuses = {}, .files = {(*files_)[1].filename()}, .page_ids = {}}, {});
  ASSERT_TRUE(by_name.ok());
  EXPECT_EQ(by_name->pages, 1);
  auto none = Reread(*s, Catalog(), {.statuses = {}, .files = {"nowhere.tif"}, .page_ids = {}}, {});
  ASSERT_FALSE(none.ok());
  EXPECT_NE(none.error().message.find("nowhere.tif"), std::string::npos);

  const auto pages = Pages(*s);
  int identified = 0;
  for (const auto& p : pages) identified += p.status == "ok";
  EXPECT_EQ(identified, 2);

  // One page, by id (the clerk's desk).
  const std::int64_t id = pages[4].page_id;
  auto page = RereadPage(*s, Catalog(), id);
  ASSERT_TRUE(page.ok()) << page.error().message;
  EXPECT_EQ(page->page_id, id);
  EXPECT_EQ(page->status_before, "unknown_template");
  EXPECT_EQ(page->change.status, "ok");
  EXPECT_GT(page->change.readings_added, 0);
  auto missing = RereadPage(*s, Catalog(), 987654);
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().code, "not_found");
  EXPECT_EQ(Pages(*s).size(), 9u);
}

// A conflict a clerk settled (docs/conflicts.md) stays settled: the scan set aside is not read
// again by default, and read again on purpose it stays as it is.
TEST_F(PipelineTest, RereadLeavesAConflictTheClerkSettled) {
  auto s = Open(dir_ / "s.db");
  ASSERT_TRUE(Ingest(*s, Catalog(), *files_, {}).ok());
  // The same page scanned again: one of the PNG or JPEG files written anew (other bytes).
  fs::path again;
  for (const auto& f : *files_)
    if (f.extension() == ".png" || f.extension() == ".jpg") {
      again = dir_ / ("again" + f.extension().string());
      ASSERT_TRUE(cv::imwrite(again.string(), cv::imread(f.string(), cv::IMREAD_GRAYSCALE)));
      break;
    }
  ASSERT_FALSE(again.empty());
  auto second = Ingest(*s, Catalog(), {again}, {});
  ASSERT_TRUE(second.ok());
  ASSERT_EQ(second->conflicts, 1);
  auto conflicts = s->ListConflicts(10);
  ASSERT_TRUE(conflicts.ok() && conflicts->size() == 1u);
  const std::int64_t id = conflicts->front().other.page_id;
  auto settled = s->ResolveConflict({.page_id = id, .action = store::ConflictAction::kKeepStored,
                                     .into_sheet = 0, .by = {.who = "thu", .screen = "desk", .address = ""}});
  ASSERT_TRUE(settled.ok());
  ASSERT_EQ(settled->outcome, store::ConflictOutcome::kResolved);

  auto by_default = Reread(*s, Catalog(), {}, {});
  ASSERT_TRUE(by_default.ok());
  EXPECT_EQ(by_default->pages, 0);
  auto asked = RereadPage(*s, Catalog(), id);
  ASSERT_TRUE(asked.ok()) << asked.error().message;
  EXPECT_TRUE(asked->change.kept_previous);
  EXPECT_EQ(asked->change.status, "duplicate");
  auto status = s->GetStatus();
  EXPECT_EQ(status->conflicts, 0);
  EXPECT_EQ(status->conflicts_settled, 1);
}

TEST_F(PipelineTest, ADuplexBatchHandsEachPageTheOtherSideOfItsLeaf) {
  // Two health sheets (3 pages) scanned duplex: page 1, page 2, page 3, page 3's blank back,
  // in multi-page files. Pages 1 and 2 share a leaf; page 3 has none in the layout, and a page
  // of another sheet is never handed over as anyone's other side.
  TempDir scans("duplex_scans");
  auto r = Phieu("simulate --template health --sheets 2 --seed 8 --no-damage --foreign 0 --duplex -o " +
                 (scans.path() / "stack").string());
  ASSERT_EQ(r.code, 0) << r.out;
  auto files = scanner::ExpandInputs({scans.path() / "stack"});
  ASSERT_TRUE(files.ok());
  const templates::TemplateCatalog catalog = Catalog();
  int handed = 0;
  for (const auto& file : *files) {
    auto reader = scanner::OpenScanFile(file);
    ASSERT_TRUE(reader.ok()) << reader.error().message;
    std::vector<internal::DecodedPage> pages;
    for (int i = 0; i < (*reader)->page_count(); ++i) {
      auto scan = (*reader)->ReadPage(i);
      ASSERT_TRUE(scan.ok());
      internal::DecodedPage page;
      page.scan = std::move(*scan);
      page.streaks = scanner::RemoveScannerStreaks(page.scan.gray);
      page.aligned = scanner::AlignPage(page.scan, catalog);
      page.anchors_read = true;
      pages.push_back(std::move(page));
    }
    auto page_at = [&](int i) { return &pages[static_cast<size_t>(i)]; };
    const int count = static_cast<int>(pages.size());
    for (int i = 0; i < count; ++i) {
      const scanner::AlignedPage& aligned = pages[static_cast<size_t>(i)].aligned;
      if (aligned.status != scanner::AlignStatus::kOk) continue;
      const core::PageKey key = aligned.key;
      if (key.page == 3) continue;  // no other side in the layout: never asked
      const int partner = key.page == 1 ? 2 : 1;
      const auto other = internal::FindOtherSide(page_at, count, i, key, partner);
      ASSERT_TRUE(other) << file << " page " << i;
      // The partner not decodable: the page on the other hand (another leaf) is not it.
      const int j = key.page == 1 ? i + 1 : i - 1;
      auto without_partner = [&](int k) { return k == j ? nullptr : page_at(k); };
      EXPECT_FALSE(internal::FindOtherSide(without_partner, count, i, key, partner)) << file << " page " << i;
      const internal::DecodedPage& want = pages[static_cast<size_t>(key.page == 1 ? i + 1 : i - 1)];
      EXPECT_EQ(other->gray.data, want.scan.gray.data) << file << " page " << i;
      EXPECT_EQ(other->mm_to_px, want.aligned.mm_to_px) << file << " page " << i;
      // The same page asked for as another sheet's: not handed over.
      core::PageKey stranger = key;
      stranger.serial += 100;
      EXPECT_FALSE(internal::FindOtherSide(page_at, count, i, stranger, partner));
      ++handed;
    }
  }
  EXPECT_EQ(handed, 4);
}

}  // namespace
}  // namespace phieu::pipeline
