// Copyright 2026 The Phiếu Authors
// SPDX-License-Identifier: Apache-2.0
// AcquirePages and ListScanners against SANE's built-in `test` backend (a virtual scanner
// whose page is 80 x 100 mm; its document feeder empties after 10 sheets).
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <thread>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <vector>

#include <gtest/gtest.h>
#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>
#include <zlib.h>

extern char** environ;

#include "acquire/sane_test_backend.h"
#include "common/temp_dir.h"
#include "scanner/acquire.h"
#include "scanner/scanner.h"

namespace phieu::scanner {
namespace {

namespace fs = std::filesystem;

// 80 mm x 100 mm at 300 dpi, as `scanimage -d test --resolution 300` reports it.
constexpr int kWidth300 = 944;
constexpr int kHeight300 = 1181;
constexpr int kFeederSheets = 10;

class SaneAcquireTest : public ::testing::Test {
 protected:
  void SetUp() override { phieu::testing::UseSaneTestBackend(phieu::testing::SaneTestConfigDir()); }

  // Collects every page handed over.
  struct Pages {
    std::vector<cv::Mat> images;
    std::vector<double> dpis;
    PageSink Sink() {
      return [this](cv::Mat gray, double dpi) {
        images.push_back(std::move(gray));
        dpis.push_back(dpi);
        return core::Status();
      };
    }
  };

  phieu::testing::TempDir tmp_{"acquire"};
  const fs::path dir_ = tmp_.path();
};

TEST_F(SaneAcquireTest, ListScannersFindsTheTestDevice) {
  auto devices = ListScanners();
  ASSERT_TRUE(devices.ok()) << devices.error().message;
  ASSERT_EQ(devices->size(), 1u);
  EXPECT_EQ((*devices)[0].name, "test:0");
  EXPECT_EQ((*devices)[0].vendor, "Noname");
  EXPECT_EQ((*devices)[0].model, "frontend-tester");
  EXPECT_EQ((*devices)[0].type, "virtual device");
}

TEST_F(SaneAcquireTest, FlatbedGivesOneGrayPageAt300Dpi) {
  Pages pages;
  auto n = AcquirePages({.device = "test:0", .source = "Flatbed", .dpi = 300, .mode = "Gray"}, pages.Sink());
  ASSERT_TRUE(n.ok()) << n.error().message;
  EXPECT_EQ(n->pages, 1);
  EXPECT_FALSE(n->feeder_empty);
  EXPECT_EQ(n->source, "Flatbed");
  ASSERT_EQ(pages.images.size(), 1u);
  const cv::Mat& page = pages.images[0];
  EXPECT_EQ(page.type(), CV_8UC1);
  EXPECT_EQ(page.cols, kWidth300);
  EXPECT_EQ(page.rows, kHeight300);
  EXPECT_DOUBLE_EQ(pages.dpis[0], 300.0);
  // The grid picture is black and white squares: both must be there (a sign we read real data).
  double lo = 0, hi = 0;
  cv::minMaxLoc(page, &lo, &hi);
  EXPECT_EQ(lo, 0);
  EXPECT_EQ(hi, 255);
}

TEST_F(SaneAcquireTest, ResolutionSnapsToWhatTheDeviceOffers) {
  Pages pages;
  // The test backend's resolution is a FIXED option limited to 1..1200 dpi.
  auto n = AcquirePages({.device = "test:0", .dpi = 5000}, pages.Sink());
  ASSERT_TRUE(n.ok()) << n.error().message;
  EXPECT_DOUBLE_EQ(pages.dpis.at(0), 1200.0);
  EXPECT_NEAR(pages.images.at(0).cols, kWidth300 * 4, 4);
}

TEST_F(SaneAcquireTest, FeederReadsEveryPageUntilEmpty) {
  Pages pages;
  // "ADF" matches the backend's "Automatic Document Feeder" by its initials.
  auto n = AcquirePages({.device = "test:0", .source = "ADF", .dpi = 150}, pages.Sink());
  ASSERT_TRUE(n.ok()) << n.error().message;
  EXPECT_EQ(n->pages, kFeederSheets);
  EXPECT_TRUE(n->feeder_empty);
  EXPECT_EQ(n->source, "Automatic Document Feeder");
  EXPECT_DOUBLE_EQ(n->dpi, 150.0);
  ASSERT_EQ(pages.images.size(), static_cast<size_t>(kFeederSheets));
  for (const auto& p : pages.images) EXPECT_EQ(p.cols, kWidth300 / 2);
}

TEST_F(SaneAcquireTest, MaxPagesAndStopEndTheBatchEarly) {
  Pages pages;
  auto n = AcquirePages({.device = "test:0", .source = "ADF", .dpi = 75, .max_pages = 3}, pages.Sink());
  ASSERT_TRUE(n.ok()) << n.error().message;
  EXPECT_EQ(n->pages, 3);
  EXPECT_FALSE(n->feeder_empty);

  std::atomic<bool> stop{false};
  int seen = 0;
  n = AcquirePages({.device = "test:0", .source = "ADF", .dpi = 75, .stop = &stop}, [&](cv::Mat, double) {
    if (++seen == 2) stop = true;  // as if Ctrl-C came in while page 2 was being read
    return core::Status();
  });
  ASSERT_TRUE(n.ok()) << n.error().message;
  EXPECT_EQ(n->pages, 2);
  EXPECT_TRUE(n->stopped);
}

TEST_F(SaneAcquireTest, ColourPagesAreConvertedToGray) {
  Pages gray, colour;
  ASSERT_TRUE(AcquirePages({.device = "test:0", .dpi = 100, .mode = "Gray"}, gray.Sink()).ok());
  auto n = AcquirePages({.device = "test:0", .dpi = 100, .mode = "Color"}, colour.Sink());
  ASSERT_TRUE(n.ok()) << n.error().message;
  ASSERT_EQ(colour.images.size(), 1u);
  const cv::Mat& c = colour.images[0];
  EXPECT_EQ(c.type(), CV_8UC1);
  EXPECT_EQ(c.size(), gray.images[0].size());
  // The grid is black/white in both modes, so the luma of the colour scan equals the gray scan.
  EXPECT_EQ(cv::norm(c, gray.images[0], cv::NORM_INF), 0.0);
}

TEST_F(SaneAcquireTest, LineArtOneMeansBlack) {
  Pages gray, bits;
  ASSERT_TRUE(AcquirePages({.device = "test:0", .dpi = 100}, gray.Sink()).ok());
  auto n = AcquirePages({.device = "test:0", .dpi = 100, .depth = 1}, bits.Sink());
  ASSERT_TRUE(n.ok()) << n.error().message;
  ASSERT_EQ(bits.images.size(), 1u);
  const cv::Mat& b = bits.images[0];
  ASSERT_EQ(b.size(), gray.images[0].size());
  // Same grid: a wrong bit polarity would invert every pixel.
  EXPECT_EQ(cv::norm(b, gray.images[0], cv::NORM_INF), 0.0);
  EXPECT_GT(cv::countNonZero(b == 0), 0);
  EXPECT_GT(cv::countNonZero(b == 255), 0);
}

TEST_F(SaneAcquireTest, MissingDeviceIsAClearError) {
  Pages pages;
  auto n = AcquirePages({.device = "test:7"}, pages.Sink());
  ASSERT_FALSE(n.ok());
  EXPECT_NE(n.error().message.find("test:7"), std::string::npos) << n.error().message;
  EXPECT_NE(n.error().message.find("no such device"), std::string::npos) << n.error().message;
  EXPECT_TRUE(pages.images.empty());
}

TEST_F(SaneAcquireTest, UnknownSourceListsWhatTheDeviceOffers) {
  Pages pages;
  auto n = AcquirePages({.device = "test:0", .source = "Transparency"}, pages.Sink());
  ASSERT_FALSE(n.ok());
  EXPECT_NE(n.error().message.find("\"Flatbed\""), std::string::npos) << n.error().message;
  EXPECT_NE(n.error().message.find("Automatic Document Feeder"), std::string::npos) << n.error().message;
}

TEST_F(SaneAcquireTest, ThreePassColourIsRefusedClearly) {
  phieu::testing::UseSaneTestBackend(phieu::testing::SaneTestConfigDir(), "three-pass true\n");
  Pages pages;
  auto n = AcquirePages({.device = "test:0", .dpi = 50, .mode = "Color"}, pages.Sink());
  ASSERT_FALSE(n.ok());
  EXPECT_NE(n.error().message.find("three-pass"), std::string::npos) << n.error().message;
  EXPECT_NE(n.error().message.find("test:0"), std::string::npos) << n.error().message;
}

TEST_F(SaneAcquireTest, DeviceTroubleNamesDeviceAndProblem) {
  const std::pair<const char*, const char*> cases[] = {{"SANE_STATUS_JAMMED", "paper is jammed"},
                                                       {"SANE_STATUS_COVER_OPEN", "cover is open"},
                                                       {"SANE_STATUS_DEVICE_BUSY", "device is busy"}};
  for (const auto& [status, words] : cases) {
    phieu::testing::UseSaneTestBackend(phieu::testing::SaneTestConfigDir(),
                                       std::string("read-status-code \"") + status + "\"\n");
    Pages pages;
    auto n = AcquirePages({.device = "test:0", .source = "ADF", .dpi = 50}, pages.Sink());
    ASSERT_FALSE(n.ok()) << status;
    EXPECT_NE(n.error().message.find("scanner test:0: "), std::string::npos) << n.error().message;
    EXPECT_NE(n.error().message.find(words), std::string::npos) << n.error().message;
  }
}

TEST_F(SaneAcquireTest, SinkErrorStopsTheScan) {
  int calls = 0;
  auto n = AcquirePages({.device = "test:0", .source = "ADF", .dpi = 50}, [&](cv::Mat, double) {
    ++calls;
    return core::Status(core::MakeError("io", "disk full"));
  });
  ASSERT_FALSE(n.ok());
  EXPECT_EQ(n.error().message, "disk full");
  EXPECT_EQ(calls, 1);
}

TEST_F(SaneAcquireTest, WriteScanPngKeepsPixelsAndDpi) {
  fs::create_directories(dir_);
  Pages pages;
  ASSERT_TRUE(AcquirePages({.device = "test:0", .dpi = 300}, pages.Sink()).ok());
  const fs::path png = dir_ / "page.png";
  auto st = WriteScanPng(png, pages.images.at(0), pages.dpis.at(0));
  ASSERT_TRUE(st.ok()) << st.error().message;
  EXPECT_FALSE(fs::exists(dir_ / "page.png.part"));
  auto reader = OpenScanFile(png);
  ASSERT_TRUE(reader.ok()) << reader.error().message;
  auto scan = (*reader)->ReadPage(0);
  ASSERT_TRUE(scan.ok()) << scan.error().message;
  EXPECT_NEAR(scan->dpi, 300.0, 0.05);  // pixels per metre are whole numbers
  EXPECT_EQ(cv::norm(scan->gray, pages.images[0], cv::NORM_INF), 0.0);
  // The pHYs chunk sits right after IHDR, with a CRC zlib agrees with (libpng would only warn
  // about a bad one on an ancillary chunk, and drop the resolution).
  std::ifstream in(png, std::ios::binary);
  std::vector<unsigned char> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  ASSERT_GT(bytes.size(), 54u);
  ASSERT_EQ(std::string(bytes.begin() + 37, bytes.begin() + 41), "pHYs");
  const uLong crc = crc32(0L, bytes.data() + 37, 13);
  const uLong stored = (uLong(bytes[50]) << 24) | (uLong(bytes[51]) << 16) | (uLong(bytes[52]) << 8) | bytes[53];
  EXPECT_EQ(crc, stored);
}

TEST_F(SaneAcquireTest, SourceNoteKeepsIdenticalPagesDistinct) {
  fs::create_directories(dir_);
  Pages pages;
  ASSERT_TRUE(AcquirePages({.device = "test:0", .source = "ADF", .dpi = 100, .max_pages = 2}, pages.Sink()).ok());
  ASSERT_EQ(pages.images.size(), 2u);
  ASSERT_EQ(cv::norm(pages.images[0], pages.images[1], cv::NORM_INF), 0.0);  // the backend repeats itself
  const fs::path a = dir_ / "a.png", b = dir_ / "b.png";
  ASSERT_TRUE(WriteScanPng(a, pages.images[0], 100, "test:0, page 1 of scan X").ok());
  ASSERT_TRUE(WriteScanPng(b, pages.images[1], 100, "test:0, page 2 of scan X").ok());
  auto bytes = [](const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  };
  const std::string ba = bytes(a), bb = bytes(b);
  EXPECT_NE(ba, bb);
  EXPECT_NE(ba.find(std::string("tEXtSource\0test:0, page 1 of scan X", 35)), std::string::npos);
  for (const auto& p : {a, b}) {
    auto reader = OpenScanFile(p);
    ASSERT_TRUE(reader.ok()) << reader.error().message;
    auto scan = (*reader)->ReadPage(0);
    ASSERT_TRUE(scan.ok()) << scan.error().message;
    EXPECT_NEAR(scan->dpi, 100.0, 0.05);
    EXPECT_EQ(cv::norm(scan->gray, pages.images[0], cv::NORM_INF), 0.0);
  }
}

// A backend's reader thread is cancelled (asynchronously) by the read that takes a frame's last
// byte, or by sane_cancel. slow_free_preload makes the reader's last act - freeing its buffer -
// take 100 ms under a lock: cancelled there, it would leave the lock held and the scan would
// hang (it did, before the reads waited for the reader: ReaderThreads).
TEST_F(SaneAcquireTest, ReadersFinishingSlowlyAreNeverCancelledMidway) {
  for (const char* mode : {"feeder", "trouble"}) {
    SCOPED_TRACE(mode);
    std::vector<std::string> env;
    for (char** e = environ; *e; ++e)
      if (std::string(*e).rfind("LD_PRELOAD=", 0) != 0) env.emplace_back(*e);
    env.emplace_back(std::string("LD_PRELOAD=") + PHIEU_SLOW_FREE_SO);
    std::vector<char*> envp;
    for (auto& e : env) envp.push_back(e.data());
    envp.push_back(nullptr);
    std::string exe = PHIEU_SLOW_READER_SCAN, m = mode, n = "3";
    char* argv[] = {exe.data(), m.data(), n.data(), nullptr};
    pid_t pid = 0;
    ASSERT_EQ(posix_spawn(&pid, exe.c_str(), nullptr, nullptr, argv, envp.data()), 0);
    int status = 0;
    pid_t done = 0;
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
    while ((done = waitpid(pid, &status, WNOHANG)) == 0 && std::chrono::steady_clock::now() < deadline)
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    if (done == 0) {
      kill(pid, SIGKILL);
      waitpid(pid, &status, 0);
      FAIL() << "the scan hung: a reader was cancelled while it was finishing";
    }
    ASSERT_TRUE(WIFEXITED(status));
    EXPECT_EQ(WEXITSTATUS(status), 0);
  }
}

}  // namespace
}  // namespace phieu::scanner
