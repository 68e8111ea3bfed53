// Copyright 2026 The Phiếu Authors
// SPDX-License-Identifier: Apache-2.0
// End-to-end acquisition through the real `phieu` binary: a watched folder fed with a real
// simulated scan, and the SANE `test` backend as a scanner.
#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "common/phieu_cli.h"
#include "common/temp_dir.h"
#include <opencv2/imgcodecs.hpp>

#include "acquire/sane_test_backend.h"

namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

using phieu::testing::CmdResult;
using phieu::testing::kPhieu;
using phieu::testing::Phieu;

std::string Quote(const std::string& s) { return "'" + s + "'"; }

std::string ReadText(const fs::path& p) {
  std::ifstream in(p);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

/// Pages stored in the survey, from `phieu status` ("  pages             3 (...").
int StoredPages(const fs::path& db) {
  CmdResult r = Phieu("status --db " + Quote(db.string()));
  std::smatch m;
  static const std::regex kPages(R"(\n\s*pages\s+(\d+))");
  if (r.code != 0 || !std::regex_search(r.out, m, kPages)) return -1;
  return std::stoi(m[1]);
}

class AcquireCliTest : public ::testing::Test {
 protected:
  phieu::testing::TempDir tmp_{"acqcli", /*keep_on_failure=*/true};
  const fs::path dir_ = tmp_.path();
};

TEST_F(AcquireCliTest, WatchIngestsDroppedScansUntilInterrupted) {
  // A real scan of a filled sipas sheet, made by the simulator.
  const fs::path stack = dir_ / "stack";
  CmdResult sim = Phieu("simulate --template sipas --sheets 1 --seed 1 --no-damage --foreign 0 --blank-backs 0 -o " +
                        Quote(stack.string()));
  ASSERT_EQ(sim.code, 0) << sim.out;
  std::vector<fs::path> scans;
  for (const auto& e : fs::recursive_directory_iterator(stack)) {
    const std::string ext = e.path().extension().string();
    if (ext == ".tif" || ext == ".png" || ext == ".pdf" || ext == ".jpg") scans.push_back(e.path());
  }
  ASSERT_FALSE(scans.empty()) << sim.out;
  std::sort(scans.begin(), scans.end());

  const fs::path inbox = dir_ / "inbox", db = dir_ / "survey.db", log = dir_ / "watch.log";
  fs::create_directories(inbox / "batch 1");
  pid_t pid = fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    int fd = open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    dup2(fd, STDOUT_FILENO);
    dup2(fd, STDERR_FILENO);
    execl(kPhieu.c_str(), kPhieu.c_str(), "ingest", "--db", db.c_str(), "--template", "sipas", "--watch",
          inbox.c_str(), "--settle", "0.5", static_cast<char*>(nullptr));
    _exit(127);
  }
  // Dropped into a subfolder while the watcher runs.
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  const fs::path dropped = inbox / "batch 1" / scans[0].filename();
  fs::copy_file(scans[0], dropped);

  // The watch prints a line per file once all its pages are stored:
  // "scan_0001.tif: 2 pages, 2 identified, 0 review items".
  const std::regex line(std::regex_replace(scans[0].filename().string(), std::regex(R"([.^$|()\[\]{}*+?\\])"),
                                           R"(\$&)") +
                        R"(: (\d+) pages?, (\d+) identified, (\d+) review items?)");
  std::smatch m;
  std::string out;
  const auto deadline = Clock::now() + std::chrono::seconds(90);
  while (Clock::now() < deadline && !std::regex_search(out = ReadText(log), m, line))
    std::this_thread::sleep_for(std::chrono::milliseconds(250));
  ASSERT_TRUE(std::regex_search(out, m, line)) << out;
  const int pages = std::stoi(m[1]);
  EXPECT_GT(pages, 0) << out;
  EXPECT_EQ(std::stoi(m[2]), pages);  // a clean simulated sheet is identified
  ASSERT_EQ(kill(pid, SIGINT), 0);
  int status = 0;
  ASSERT_EQ(waitpid(pid, &status, 0), pid);
  out = ReadText(log);
  ASSERT_TRUE(WIFEXITED(status)) << out;
  EXPECT_EQ(WEXITSTATUS(status), 0) << out;
  EXPECT_NE(out.find("Batch summary"), std::string::npos) << out;
  EXPECT_EQ(StoredPages(db), pages);
}

TEST_F(AcquireCliTest, WatchRejectsAMissingFolder) {
  CmdResult r = Phieu("ingest --db " + Quote((dir_ / "s.db").string()) + " --template sipas --watch " +
                      Quote((dir_ / "nope").string()));
  EXPECT_EQ(r.code, 2) << r.out;
  EXPECT_NE(r.out.find("nope"), std::string::npos) << r.out;
}

TEST_F(AcquireCliTest, ScannersListsTheTestDevice) {
  phieu::testing::UseSaneTestBackend(phieu::testing::SaneTestConfigDir());
  CmdResult r = Phieu("scanners");
  EXPECT_EQ(r.code, 0) << r.out;
  EXPECT_NE(r.out.find("test:0"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("Noname"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("frontend-tester"), std::string::npos) << r.out;
}

TEST_F(AcquireCliTest, IngestFromTheFeederStoresEveryPageAndItsOriginal) {
  phieu::testing::UseSaneTestBackend(phieu::testing::SaneTestConfigDir());
  const fs::path db = dir_ / "survey.db";
  CmdResult r = Phieu("ingest -q --db " + Quote(db.string()) +
                      " --template sipas --scanner test:0 --source ADF --dpi 150 --mode Gray");
  // The test pages carry no anchors: stored as unidentified, which is a normal exit.
  ASSERT_EQ(r.code, 0) << r.out;
  EXPECT_NE(r.out.find("feeder is empty"), std::string::npos) << r.out;
  EXPECT_EQ(StoredPages(db), 10) << r.out;
  EXPECT_NE(r.out.find("unidentified     10"), std::string::npos) << r.out;
  // The originals, as lossless PNGs next to the survey file, at the resolution scanned.
  std::vector<fs::path> originals;
  for (const auto& e : fs::directory_iterator(dir_ / "survey.db.scans")) originals.push_back(e.path());
  ASSERT_EQ(originals.size(), 10u);
  std::sort(originals.begin(), originals.end());
  EXPECT_EQ(originals.front().extension(), ".png");
  cv::Mat first = cv::imread(originals.front().string(), cv::IMREAD_UNCHANGED);
  EXPECT_EQ(first.type(), CV_8UC1);
  EXPECT_EQ(first.cols, 472);  // 80 mm at 150 dpi
  EXPECT_NE(originals.back().filename().string().find("-0010.png"), std::string::npos);

  // Ingesting the same originals again is a no-op (same SHA-256).
  CmdResult again = Phieu("ingest -q --db " + Quote(db.string()) + " " + Quote((dir_ / "survey.db.scans").string()));
  EXPECT_EQ(again.code, 0) << again.out;
  EXPECT_NE(again.out.find("10 already ingested"), std::string::npos) << again.out;
  EXPECT_EQ(StoredPages(db), 10);
}

TEST_F(AcquireCliTest, ScannerErrorsNameTheDevice) {
  phieu::testing::UseSaneTestBackend(phieu::testing::SaneTestConfigDir());
  CmdResult r = Phieu("ingest --db " + Quote((dir_ / "s.db").string()) + " --template sipas --scanner test:9");
  EXPECT_NE(r.code, 0) << r.out;
  EXPECT_NE(r.out.find("test:9"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("no such device"), std::string::npos) << r.out;
  EXPECT_FALSE(fs::exists(dir_ / "s.db.scans") && !fs::is_empty(dir_ / "s.db.scans"));
}

}  // namespace
