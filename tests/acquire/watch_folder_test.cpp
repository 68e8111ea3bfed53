// Copyright 2026 The Phiếu Authors
// SPDX-License-Identifier: Apache-2.0
// FolderWatcher: a file is reported once, only when complete (stable and decodable).
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <sstream>
#include <thread>
#include <vector>

#include <gtest/gtest.h>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "common/temp_dir.h"
#include "common/tiny_pdf.h"
#include "scanner/acquire.h"

namespace phieu::scanner {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

cv::Mat TestPage(int seed) {
  cv::Mat m(300, 240, CV_8UC1, cv::Scalar(255));
  cv::putText(m, "page " + std::to_string(seed), {20, 150}, cv::FONT_HERSHEY_SIMPLEX, 1.2, cv::Scalar(0), 3);
  cv::rectangle(m, {10 + seed, 10}, {200, 280}, cv::Scalar(0), 2);
  return m;
}

std::vector<unsigned char> Encode(const std::string& ext, const cv::Mat& m) {
  std::vector<unsigned char> out;
  EXPECT_TRUE(cv::imencode(ext, m, out));
  return out;
}

// Three uncompressed pages: truncation lands in pixel data or a page directory.
std::vector<unsigned char> MultiPageTiff(const fs::path& scratch) {
  const fs::path p = scratch / "make.tif";
  std::vector<cv::Mat> pages = {TestPage(1), TestPage(2), TestPage(3)};
  EXPECT_TRUE(cv::imwritemulti(p.string(), pages, {cv::IMWRITE_TIFF_COMPRESSION, 1}));
  std::ifstream in(p, std::ios::binary);
  std::vector<unsigned char> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  fs::remove(p);
  return bytes;
}

// A scanner-style PDF: one page holding one uncompressed gray image, with a correct xref.
std::vector<unsigned char> OnePagePdf(const cv::Mat& gray) {
  const std::string pixels(reinterpret_cast<const char*>(gray.data), gray.total());
  const std::string pdf = phieu::testing::OneImagePdf(
      gray.cols * 72 / 100, gray.rows * 72 / 100,
      "/Width " + std::to_string(gray.cols) + " /Height " + std::to_string(gray.rows) +
          " /ColorSpace /DeviceGray /BitsPerComponent 8",
      pixels);
  return std::vector<unsigned char>(pdf.begin(), pdf.end());
}

void WriteBytes(const fs::path& p, const std::vector<unsigned char>& bytes, size_t n, bool append = false) {
  std::ofstream out(p, std::ios::binary | (append ? std::ios::app : std::ios::trunc));
  out.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(n));
}

class FolderWatcherTest : public ::testing::Test {
 protected:
  void SetUp() override {
    fs::create_directories(dir_ / "inbox");
    fs::create_directories(dir_ / "scratch");
  }
  fs::path Inbox() const { return dir_ / "inbox"; }

  phieu::testing::TempDir tmp_{"watch"};
  const fs::path dir_ = tmp_.path();
};

constexpr auto kSettle = std::chrono::seconds(2);

TEST_F(FolderWatcherTest, CompleteFileIsReportedOnceAfterTheSettleTime) {
  FolderWatcher watcher(Inbox(), 2.0);
  const fs::path file = Inbox() / "scan_0001.png";
  auto png = Encode(".png", TestPage(1));
  WriteBytes(file, png, png.size());
  const auto t0 = Clock::now();
  EXPECT_TRUE(watcher.PollAtForTesting(t0).empty());
  EXPECT_EQ(watcher.pending(), 1);
  EXPECT_TRUE(watcher.PollAtForTesting(t0 + milliseconds(1900)).empty());
  EXPECT_EQ(watcher.PollAtForTesting(t0 + kSettle), std::vector<fs::path>{file});
  EXPECT_EQ(watcher.pending(), 0);
  EXPECT_TRUE(watcher.PollAtForTesting(t0 + kSettle * 5).empty());
  EXPECT_TRUE(watcher.PollAtForTesting(t0 + kSettle * 50).empty());
}

TEST_F(FolderWatcherTest, WatchesSubfoldersAndOnlyScanFiles) {
  FolderWatcher watcher(Inbox(), 0.0);
  fs::create_directories(Inbox() / "2026-01" / "unit 7");
  const fs::path deep = Inbox() / "2026-01" / "unit 7" / "Scan 12.TIF";
  auto tif = Encode(".tiff", TestPage(2));
  WriteBytes(deep, tif, tif.size());
  auto jpg = Encode(".jpg", TestPage(3));
  WriteBytes(Inbox() / "photo.jpeg", jpg, jpg.size());
  WriteBytes(Inbox() / ".hidden.png", jpg, jpg.size());  // a copier's temp file
  std::ofstream(Inbox() / "notes.txt") << "not a scan";
  auto got = watcher.Poll();
  EXPECT_EQ(got, (std::vector<fs::path>{deep, Inbox() / "photo.jpeg"}));
}

// A file cut off anywhere must not pass for complete, however long it has been stable.
TEST_F(FolderWatcherTest, TruncatedFilesNeverPassTheCompletenessCheck) {
  struct Kind {
    std::string name;
    std::vector<unsigned char> bytes;
  };
  std::vector<Kind> kinds = {{"three-page TIFF", MultiPageTiff(dir_ / "scratch")},
                             {"PNG", Encode(".png", TestPage(4))},
                             {"JPEG", Encode(".jpg", TestPage(5))},
                             {"PDF", OnePagePdf(TestPage(6))}};
  for (const auto& k : kinds) {
    const fs::path whole = dir_ / "scratch" / "whole";
    WriteBytes(whole, k.bytes, k.bytes.size());
    EXPECT_TRUE(CheckScanComplete(whole).ok()) << k.name << ": " << CheckScanComplete(whole).error().message;
    for (double f : {0.1, 0.35, 0.5, 0.7, 0.9, 0.98}) {
      const size_t n = static_cast<size_t>(f * static_cast<double>(k.bytes.size()));
      const fs::path part = dir_ / "scratch" / "part";
      WriteBytes(part, k.bytes, n);
      EXPECT_FALSE(CheckScanComplete(part).ok()) << k.name << " cut at " << n << " of " << k.bytes.size();
    }
    // The very end: the last few bytes (a TIFF's last directory entry, a PDF's %%EOF).
    for (size_t cut : {1u, 8u, 20u}) {
      const fs::path part = dir_ / "scratch" / "part";
      WriteBytes(part, k.bytes, k.bytes.size() - cut);
      // A JPEG's final EOI marker is 2 bytes; a PNG's IEND chunk is 12: cutting a single
      // trailing byte of either may still decode in full, which is harmless.
      if (cut == 1 && k.name == "PDF") continue;  // "%%EOF\n" minus its newline is complete
      EXPECT_FALSE(CheckScanComplete(part).ok()) << k.name << " missing its last " << cut << " bytes";
    }
  }
}

TEST_F(FolderWatcherTest, HalfWrittenFileWaitsUntilFinishedEvenWhenStable) {
  FolderWatcher watcher(Inbox(), WatchOptions{.settle_s = 2.0, .give_up_s = 600.0});
  const fs::path file = Inbox() / "batch.tif";
  auto tif = MultiPageTiff(dir_ / "scratch");
  const size_t half = tif.size() * 6 / 10;
  WriteBytes(file, tif, half);
  const auto t0 = Clock::now();
  EXPECT_TRUE(watcher.PollAtForTesting(t0).empty());
  // Stable for far longer than the settle time, but it does not decode: still not taken.
  for (int s = 2; s <= 60; s += 2) EXPECT_TRUE(watcher.PollAtForTesting(t0 + std::chrono::seconds(s)).empty()) << s;
  EXPECT_EQ(watcher.pending(), 1);
  EXPECT_EQ(watcher.pending_files(), std::vector<fs::path>{file});
  // The scanner resumes and finishes: the settle time runs again from the last change.
  std::vector<unsigned char> rest(tif.begin() + static_cast<long>(half), tif.end());
  WriteBytes(file, rest, rest.size(), /*append=*/true);
  const auto t1 = t0 + std::chrono::seconds(61);
  EXPECT_TRUE(watcher.PollAtForTesting(t1).empty());
  EXPECT_TRUE(watcher.PollAtForTesting(t1 + milliseconds(1500)).empty());
  EXPECT_EQ(watcher.PollAtForTesting(t1 + kSettle), std::vector<fs::path>{file});
  EXPECT_TRUE(watcher.PollAtForTesting(t1 + kSettle * 10).empty());
}

TEST_F(FolderWatcherTest, BrokenFileIsHandedOverAfterTheGiveUpTime) {
  FolderWatcher watcher(Inbox(), WatchOptions{.settle_s = 1.0, .give_up_s = 30.0});
  const fs::path file = Inbox() / "broken.png";
  auto png = Encode(".png", TestPage(7));
  WriteBytes(file, png, png.size() / 2);
  const auto t0 = Clock::now();
  for (int s = 0; s < 30; ++s) EXPECT_TRUE(watcher.PollAtForTesting(t0 + std::chrono::seconds(s)).empty());
  // Handed over so the pipeline records it as unreadable instead of it waiting forever.
  EXPECT_EQ(watcher.PollAtForTesting(t0 + std::chrono::seconds(30)), std::vector<fs::path>{file});
  EXPECT_TRUE(watcher.PollAtForTesting(t0 + std::chrono::seconds(90)).empty());
}

TEST_F(FolderWatcherTest, RewrittenFileIsReportedAgain) {
  FolderWatcher watcher(Inbox(), 1.0);
  const fs::path file = Inbox() / "a.png";
  auto one = Encode(".png", TestPage(1));
  WriteBytes(file, one, one.size());
  auto t0 = Clock::now();
  EXPECT_TRUE(watcher.PollAtForTesting(t0).empty());
  EXPECT_EQ(watcher.PollAtForTesting(t0 + kSettle).size(), 1u);
  auto two = Encode(".png", TestPage(9));
  ASSERT_NE(one.size(), two.size());
  WriteBytes(file, two, two.size());
  auto t1 = t0 + kSettle * 2;
  EXPECT_TRUE(watcher.PollAtForTesting(t1).empty());
  EXPECT_EQ(watcher.PollAtForTesting(t1 + kSettle), std::vector<fs::path>{file});
  // Removed and forgotten: nothing to report, nothing pending.
  fs::remove(file);
  EXPECT_TRUE(watcher.PollAtForTesting(t1 + kSettle * 2).empty());
  EXPECT_EQ(watcher.pending(), 0);
}

// Real time and a real writer thread: the file grows in chunks with pauses shorter than the
// settle time; the watcher must report it once, and only after the last byte was written.
TEST_F(FolderWatcherTest, SlowWriterIsReportedOnlyWhenDoneAndOnlyOnce) {
  const double settle_s = 0.3;
  FolderWatcher watcher(Inbox(), settle_s);
  const fs::path file = Inbox() / "sub" / "scan_0003.tif";
  fs::create_directories(file.parent_path());
  auto tif = MultiPageTiff(dir_ / "scratch");
  std::thread writer([&] {
    const size_t chunk = tif.size() / 12 + 1;
    for (size_t at = 0; at < tif.size(); at += chunk) {
      std::vector<unsigned char> piece(tif.begin() + static_cast<long>(at),
                                       tif.begin() + static_cast<long>(std::min(tif.size(), at + chunk)));
      WriteBytes(file, piece, piece.size(), /*append=*/at > 0);
      std::this_thread::sleep_for(milliseconds(60));
    }
  });
  int reports = 0;
  bool reported_early = false;
  const auto deadline = Clock::now() + std::chrono::seconds(10);
  while (reports == 0 && Clock::now() < deadline) {
    for (const auto& p : watcher.Poll()) {
      EXPECT_EQ(p, file);
      ++reports;
      if (fs::file_size(file) != tif.size()) reported_early = true;  // before its last byte
    }
    std::this_thread::sleep_for(milliseconds(20));
  }
  writer.join();
  // A few more polls: still exactly one report.
  for (int i = 0; i < 5; ++i) {
    reports += static_cast<int>(watcher.Poll().size());
    std::this_thread::sleep_for(milliseconds(100));
  }
  EXPECT_FALSE(reported_early);
  EXPECT_EQ(reports, 1);
  EXPECT_TRUE(CheckScanComplete(file).ok());
}

}  // namespace
}  // namespace phieu::scanner
