// Copyright 2026 The Phiếu Authors
// SPDX-License-Identifier: Apache-2.0
// Scan stations end to end: the real `phieu serve` and `phieu ingest --server` (README "Scan
// stations", docs/api.md "Scan stations"). Two stations with overlapping stacks at once store
// every page once; a cut upload resumes; a file the server holds is not sent again; a wrong
// password or a reviewer's login is refused with exit 2; every run is a batch with its summary.
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <regex>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>
#include <httplib.h>
#include <nlohmann/json.hpp>

#include "common/phieu_cli.h"
#include "acquire/sane_test_backend.h"
#include "common/temp_dir.h"
#include "store/store.h"

namespace fs = std::filesystem;

namespace {

using phieu::testing::CmdResult;
using phieu::testing::Phieu;
using Json = nlohmann::json;

constexpr const char* kPassword = "mật khẩu đủ dài 2026";

/// A simulated stack of 4 sipas sheets (mixed formats, one page per image, several per
/// PDF/TIFF), made once into the build tree and reused until the binary changes.
struct Stack {
  static const Stack& Get() {
    static Stack s;
    return s;
  }
  fs::path dir;
  std::vector<fs::path> files;  ///< the scan files, sorted.
  std::string error;

 private:
  Stack() {
    const fs::path cache = fs::path(PHIEU_BINARY_DIR) / "tests" / "app" / "station-cache";
    fs::create_directories(cache);
    dir = cache / "stack";
    const int lock = ::open((cache / "lock").c_str(), O_CREAT | O_RDWR, 0644);
    ::flock(lock, LOCK_EX);
    std::error_code ec;
    const fs::path ready = cache / "ready";
    if (!fs::exists(ready) || fs::last_write_time(ready, ec) < fs::last_write_time(phieu::testing::kPhieu, ec)) {
      fs::remove_all(dir, ec);
      auto r = Phieu("simulate --template sipas --sheets 4 --seed 11 -j 1 -o " + dir.string());
      if (r.code != 0) error = r.out;
      else std::ofstream(ready) << "ok\n";
    }
    ::flock(lock, LOCK_UN);
    ::close(lock);
    for (const auto& e : fs::directory_iterator(dir, ec))
      if (e.path().extension() != ".json") files.push_back(e.path());
    std::sort(files.begin(), files.end());
  }
};

std::string ReadFile(const fs::path& p) {
  std::ifstream f(p);
  return std::string(std::istreambuf_iterator<char>(f), {});
}

int FreePort() {
  const int s = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a.sin_port = 0;
  ::bind(s, reinterpret_cast<sockaddr*>(&a), sizeof a);
  socklen_t n = sizeof a;
  ::getsockname(s, reinterpret_cast<sockaddr*>(&a), &n);
  const int port = ntohs(a.sin_port);
  ::close(s);
  return port;
}

/// The count after `label` in a printed batch summary ("  pages read       13 in …").
int Count(const std::string& out, const std::string& label) {
  std::smatch m;
  if (!std::regex_search(out, m, std::regex(label + " +([0-9]+)"))) return -1;
  return std::stoi(m[1]);
}

/// "(N already ingested" of the summary's files line.
int AlreadyIngested(const std::string& out) {
  std::smatch m;
  if (!std::regex_search(out, m, std::regex("\\(([0-9]+) already ingested"))) return -1;
  return std::stoi(m[1]);
}

/// The station's "N sent (B bytes)" line: B.
long long BytesSent(const std::string& out) {
  std::smatch m;
  if (!std::regex_search(out, m, std::regex("sent \\(([0-9]+) bytes\\)"))) return -1;
  return std::stoll(m[1]);
}

int PagesOf(const std::vector<fs::path>& files, const fs::path& db) {
  // Each file's page count, read back from a local ingest's summary into a scratch survey.
  std::string args;
  for (const auto& f : files) args += " " + f.string();
  auto r = Phieu("ingest --db " + db.string() + " --template sipas -q -j 1" + args);
  return Count(r.out, "pages read");
}

class StationTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_EQ(Stack::Get().error, "");
    ASSERT_GE(Stack::Get().files.size(), 6u);
    db_ = dir_ / "survey.db";
    ASSERT_EQ(Phieu("survey init --db " + db_.string() + " --template sipas").code, 0);
    ASSERT_EQ(WithPassword(kPassword, "user add --db " + db_.string() + " thu --role clerk").code, 0);
    ASSERT_EQ(WithPassword(kPassword, "user add --db " + db_.string() + " lan --role reviewer").code, 0);
    // The free port is picked before the server binds it: should another process take it
    // meanwhile, the server exits and is started again on another.
    for (int attempt = 0; attempt < 3; ++attempt) {
      port_ = FreePort();
      url_ = "http://127.0.0.1:" + std::to_string(port_);
      pid_ = ::fork();
      if (pid_ == 0) {
        const int log = ::open((dir_ / "serve.log").c_str(), O_CREAT | O_WRONLY | O_TRUNC, 0644);
        ::dup2(log, 1);
        ::dup2(log, 2);
        ::execl(phieu::testing::kPhieu.c_str(), "phieu", "serve", "--db", db_.c_str(), "--port",
                std::to_string(port_).c_str(), "-j", "1", static_cast<char*>(nullptr));
        ::_exit(127);
      }
      httplib::Client c("127.0.0.1", port_);
      for (int i = 0; i < 200; ++i) {
        int status = 0;
        if (::waitpid(pid_, &status, WNOHANG) == pid_) {
          pid_ = -1;
          break;
        }
        if (auto r = c.Get("/api/me")) return;
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
      }
      if (pid_ > 0) break;
    }
    FAIL() << "phieu serve did not start:\n" << ReadFile(dir_ / "serve.log");
  }
  void TearDown() override {
    if (pid_ > 0) {
      ::kill(pid_, SIGTERM);
      int status = 0;
      ::waitpid(pid_, &status, 0);
    }
  }

  CmdResult WithPassword(const std::string& password, const std::string& args) {
    static std::atomic<int> n{0};
    const fs::path in = dir_ / ("stdin-" + std::to_string(n++));
    std::ofstream(in) << password << "\n";
    return Phieu(args + " < " + in.string());
  }
  /// `phieu ingest --server` as clerk thu (or `user`) over `paths`.
  CmdResult Station(const std::vector<fs::path>& paths, const std::string& extra = "",
                    const std::string& user = "thu", const std::string& password = kPassword) {
    std::string args = "ingest --server " + url_ + " --user " + user + " -j 1 " + extra;
    for (const auto& p : paths) args += " " + p.string();
    return WithPassword(password, args);
  }
  std::unique_ptr<phieu::store::Store> Open() {
    auto s = phieu::store::Store::Open(db_, false);
    EXPECT_TRUE(s.ok());
    return std::move(*s);
  }

  phieu::testing::TempDir dir_{"station", true};
  fs::path db_;
  int port_ = 0;
  std::string url_;
  pid_t pid_ = -1;
};

TEST_F(StationTest, TwoStationsWithOverlappingStacksStoreEveryPageOnce) {
  const auto& all = Stack::Get().files;
  const std::size_t n = all.size();
  // Station A has the first two thirds, station B the last two thirds: the middle is in both.
  std::vector<fs::path> a(all.begin(), all.begin() + static_cast<long>(n * 2 / 3));
  std::vector<fs::path> b(all.begin() + static_cast<long>(n / 3), all.end());
  const int overlap = static_cast<int>(n * 2 / 3 - n / 3);
  ASSERT_GT(overlap, 0);
  const int total_pages = PagesOf(all, dir_ / "reference.db");
  ASSERT_GT(total_pages, 0);

  CmdResult ra, rb;
  std::thread ta([&] { ra = Station(a, "--station bàn-A"); });
  std::thread tb([&] { rb = Station(b, "--station bàn-B"); });
  ta.join();
  tb.join();
  ASSERT_EQ(ra.code, 0) << ra.out;
  ASSERT_EQ(rb.code, 0) << rb.out;
  // Each summary counts its own files; between them every page is read once and every
  // shared file is "already ingested" in exactly one of them.
  EXPECT_EQ(Count(ra.out, "files"), static_cast<int>(a.size())) << ra.out;
  EXPECT_EQ(Count(rb.out, "files"), static_cast<int>(b.size())) << rb.out;
  EXPECT_EQ(Count(ra.out, "pages read") + Count(rb.out, "pages read"), total_pages) << ra.out << rb.out;
  EXPECT_EQ(AlreadyIngested(ra.out) + AlreadyIngested(rb.out), overlap) << ra.out << rb.out;

  auto store = Open();
  auto status = store->GetStatus();
  ASSERT_TRUE(status.ok());
  EXPECT_EQ(status->pages, total_pages);
  EXPECT_EQ(status->conflicts, 0) << "a page stored twice would be a conflict";
  EXPECT_EQ(status->scan_files, static_cast<int>(n));
  // Both batches are in the survey, finished, with the summaries the stations printed.
  auto batches = store->ListBatches(10);
  ASSERT_TRUE(batches.ok());
  ASSERT_EQ(batches->size(), 2u);
  for (const auto& bt : *batches) {
    EXPECT_EQ(bt.source, "station");
    EXPECT_EQ(bt.who, "thu");
    EXPECT_EQ(bt.state, "finished");
    EXPECT_EQ(bt.exit_code, 0);
    EXPECT_TRUE(bt.station == "bàn-A" || bt.station == "bàn-B") << bt.station;
    EXPECT_NE((bt.station == "bàn-A" ? ra.out : rb.out).find(bt.summary_text), std::string::npos)
        << "the station printed the server's summary as is:\n" << bt.summary_text;
  }
  // The spool is emptied of what the survey now holds (just after the batch says "finished":
  // a station may have seen that and stopped first).
  const fs::path spool = db_.string() + ".spool";
  std::error_code ec;
  const auto emptied = [&] { return !fs::exists(spool) || fs::is_empty(spool, ec); };
  for (int i = 0; i < 100 && !emptied(); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(50));
  EXPECT_TRUE(emptied());
}

TEST_F(StationTest, AFileTheServerHoldsIsNotSentAgain) {
  const auto& all = Stack::Get().files;
  std::vector<fs::path> some(all.begin(), all.begin() + 3);
  long long bytes = 0;
  for (const auto& f : some) bytes += static_cast<long long>(fs::file_size(f));
  CmdResult first = Station(some);
  ASSERT_EQ(first.code, 0) << first.out;
  EXPECT_EQ(BytesSent(first.out), bytes) << first.out;

  CmdResult again = Station(some);
  ASSERT_EQ(again.code, 0) << again.out;
  EXPECT_NE(again.out.find("3 already there, 0 sent (0 bytes)"), std::string::npos) << again.out;
  EXPECT_EQ(AlreadyIngested(again.out), 3) << again.out;
  EXPECT_EQ(Count(again.out, "pages read"), 0) << again.out;

  // A file ingested on the server's machine by `phieu ingest --db` is held too.
  ASSERT_EQ(Phieu("ingest --db " + db_.string() + " -q -j 1 " + all[3].string()).code, 0);
  CmdResult mixed = Station({all[3], all[4]});
  ASSERT_EQ(mixed.code, 0) << mixed.out;
  EXPECT_EQ(BytesSent(mixed.out), static_cast<long long>(fs::file_size(all[4]))) << mixed.out;
  EXPECT_EQ(AlreadyIngested(mixed.out), 1) << mixed.out;
}

TEST_F(StationTest, ACutUploadResumesAndTheFileIsStoredOnce) {
  // The largest file, cut after its first 64 KiB.
  fs::path big = Stack::Get().files.front();
  for (const auto& f : Stack::Get().files)
    if (fs::file_size(f) > fs::file_size(big)) big = f;
  const auto size = static_cast<long long>(fs::file_size(big));
  ASSERT_GT(size, 3 * 65536) << big;
  auto sha = phieu::store::Sha256HexOfFile(big);
  ASSERT_TRUE(sha.ok());
  {
    httplib::Client c("127.0.0.1", port_);
    auto login = c.Post("/api/login", Json{{"user", "thu"}, {"password", kPassword}}.dump(), "application/json");
    ASSERT_TRUE(login && login->status == 200);
    const std::string cookie = login->get_header_value("Set-Cookie");
    httplib::Headers h{{"Cookie", cookie.substr(0, cookie.find(';'))},
                       {"X-CSRF-Token", Json::parse(login->body)["csrf"].get<std::string>()}};
    std::string bytes(65536, '\0');
    std::ifstream(big, std::ios::binary).read(bytes.data(), 65536);
    auto put = c.Put("/api/station/files/" + *sha + "?offset=0&size=" + std::to_string(size) + "&name=" +
                         big.filename().string(),
                     h, bytes, "application/octet-stream");
    ASSERT_TRUE(put && put->status == 200) << (put ? put->body : "no answer");
    // The connection is cut here: the server keeps the 64 KiB.
    auto ask = c.Post("/api/station/files", h,
                      Json{{"files", {{{"sha256", *sha}, {"size", size}, {"name", big.filename().string()}}}}}.dump(),
                      "application/json");
    ASSERT_TRUE(ask && ask->status == 200);
    EXPECT_EQ(Json::parse(ask->body)["files"][0]["state"], "partial");
    EXPECT_EQ(Json::parse(ask->body)["files"][0]["received"], 65536);
  }
  CmdResult r = Station({big}, "--chunk-kib 64");
  ASSERT_EQ(r.code, 0) << r.out;
  EXPECT_NE(r.out.find("1 resumed from a cut upload"), std::string::npos) << r.out;
  EXPECT_EQ(BytesSent(r.out), size - 65536) << r.out;
  auto store = Open();
  auto held = store->FindScanFileBySha256(*sha);
  ASSERT_TRUE(held.ok() && held->has_value());
  EXPECT_TRUE((*held)->complete);
  EXPECT_EQ(store->GetStatus()->scan_files, 1);
  EXPECT_GT(Count(r.out, "pages read"), 0) << r.out;
}

TEST_F(StationTest, AKilledStationResumesWhereItsUploadStopped) {
  fs::path big = Stack::Get().files.front();
  for (const auto& f : Stack::Get().files)
    if (fs::file_size(f) > fs::file_size(big)) big = f;
  auto sha = phieu::store::Sha256HexOfFile(big);
  ASSERT_TRUE(sha.ok());
  const fs::path part = fs::path(db_.string() + ".spool") / *sha / ".part";
  // 1 KiB chunks: thousands of requests, so the station is surely mid-file when killed.
  const fs::path in = dir_ / "pw";
  std::ofstream(in) << kPassword << "\n";
  const pid_t station = ::fork();
  if (station == 0) {
    const int fd = ::open(in.c_str(), O_RDONLY);
    ::dup2(fd, 0);
    const int devnull = ::open("/dev/null", O_WRONLY);
    ::dup2(devnull, 1);
    ::dup2(devnull, 2);
    ::execl(phieu::testing::kPhieu.c_str(), "phieu", "ingest", "--server", url_.c_str(), "--user", "thu",
            "--chunk-kib", "1", big.c_str(), static_cast<char*>(nullptr));
    ::_exit(127);
  }
  std::error_code ec;
  auto received = [&] {
    const auto n = fs::file_size(part, ec);
    return ec ? std::uintmax_t{0} : n;
  };
  for (int i = 0; i < 400 && received() < 8192; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(25));
  ::kill(station, SIGKILL);
  int status = 0;
  ::waitpid(station, &status, 0);
  // The chunk in flight when the station died may still be appended by the server: wait until the
  // part file stops growing (the next station asks the server what it has, so it must match that).
  for (int stable = 0, i = 0; stable < 4 && i < 200; ++i) {
    const auto before = received();
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    stable = received() == before ? stable + 1 : 0;
  }
  const auto had = fs::file_size(part, ec);
  ASSERT_FALSE(ec) << "the killed station left a partial upload";
  ASSERT_GE(had, 8192u);
  ASSERT_LT(had, fs::file_size(big));

  CmdResult r = Station({big});
  ASSERT_EQ(r.code, 0) << r.out;
  EXPECT_NE(r.out.find("1 resumed from a cut upload"), std::string::npos) << r.out;
  // It resumed from what the server held: what the part file held once it settled, or (on a
  // machine so loaded that the killed station's last chunk landed later still) one chunk more.
  const long long resumed_at = static_cast<long long>(fs::file_size(big)) - BytesSent(r.out);
  EXPECT_GE(resumed_at, static_cast<long long>(had)) << r.out;
  EXPECT_LE(resumed_at, static_cast<long long>(had) + 1024) << r.out;
  auto store = Open();
  EXPECT_EQ(store->GetStatus()->scan_files, 1);
  EXPECT_TRUE((*store->FindScanFileBySha256(*sha))->complete);
}

TEST_F(StationTest, AStationWatchesAFolderAndPrintsALinePerFile) {
  const fs::path inbox = dir_ / "inbox", log = dir_ / "watch.log", in = dir_ / "pw";
  fs::create_directories(inbox);
  std::ofstream(in) << kPassword << "\n";
  const pid_t station = ::fork();
  if (station == 0) {
    const int fd = ::open(in.c_str(), O_RDONLY);
    ::dup2(fd, 0);
    const int out = ::open(log.c_str(), O_CREAT | O_WRONLY | O_TRUNC, 0644);
    ::dup2(out, 1);
    ::dup2(out, 2);
    ::execl(phieu::testing::kPhieu.c_str(), "phieu", "ingest", "--server", url_.c_str(), "--user", "thu",
            "--watch", inbox.c_str(), "--settle", "0.3", static_cast<char*>(nullptr));
    ::_exit(127);
  }
  const std::vector<fs::path> two(Stack::Get().files.begin(), Stack::Get().files.begin() + 2);
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  for (const auto& f : two) fs::copy_file(f, inbox / f.filename());
  for (int i = 0; i < 600; ++i) {
    const std::string out = ReadFile(log);
    if (out.find(two[0].filename().string() + ": ") != std::string::npos &&
        out.find(two[1].filename().string() + ": ") != std::string::npos)
      break;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  ::kill(station, SIGINT);
  int status = 0;
  ::waitpid(station, &status, 0);
  const std::string out = ReadFile(log);
  ASSERT_TRUE(WIFEXITED(status)) << out;
  EXPECT_EQ(WEXITSTATUS(status), 0) << out;
  // "img_0002.jpg: 1 page, 1 identified, 0 review items" per file, as a local watch prints it.
  for (const auto& f : two)
    EXPECT_TRUE(std::regex_search(out, std::regex(std::regex_replace(f.filename().string(), std::regex(R"([.])"), R"(\.)") +
                                                  ": [0-9]+ pages?, [0-9]+ identified")))
        << out;
  EXPECT_EQ(Count(out, "files"), 2) << out;
  EXPECT_EQ(Count(out, "pages read"), Open()->GetStatus()->pages) << out;
}

TEST_F(StationTest, AStationScansFromItsScannerAndKeepsTheOriginals) {
  phieu::testing::UseSaneTestBackend(phieu::testing::SaneTestConfigDir());
  const fs::path kept = dir_ / "quét";
  CmdResult r = Station({}, "--scanner test:0 --source ADF --dpi 150 --mode Gray --scans-dir '" + kept.string() + "'");
  // The test backend's pages carry no anchors: kept as unidentified, a normal exit.
  ASSERT_EQ(r.code, 0) << r.out;
  EXPECT_NE(r.out.find("feeder is empty"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("unidentified     10"), std::string::npos) << r.out;
  EXPECT_EQ(Open()->GetStatus()->pages, 10);
  int pngs = 0;
  for (const auto& e : fs::directory_iterator(kept)) pngs += e.path().extension() == ".png";
  EXPECT_EQ(pngs, 10) << "the station keeps its scanned originals";
}

TEST_F(StationTest, WrongPasswordOrAReviewerIsRefusedWithExit2) {
  const std::vector<fs::path> one{Stack::Get().files.front()};
  CmdResult wrong = Station(one, "", "thu", "not the password");
  EXPECT_EQ(wrong.code, 2) << wrong.out;
  EXPECT_NE(wrong.out.find("wrong user name or password"), std::string::npos) << wrong.out;
  CmdResult reviewer = Station(one, "", "lan");
  EXPECT_EQ(reviewer.code, 2) << reviewer.out;
  EXPECT_NE(reviewer.out.find("lan is a reviewer"), std::string::npos) << reviewer.out;
  EXPECT_NE(reviewer.out.find("clerk"), std::string::npos) << reviewer.out;
  CmdResult nobody = WithPassword(kPassword, "ingest --server http://127.0.0.1:1 --user thu " + one[0].string());
  EXPECT_EQ(nobody.code, 3) << nobody.out;
  EXPECT_NE(nobody.out.find("cannot reach the server"), std::string::npos) << nobody.out;
  EXPECT_EQ(Phieu("ingest --server " + url_ + " " + one[0].string()).code, 2) << "no --user";
  EXPECT_EQ(Phieu("ingest --db x.db --server " + url_ + " --user thu " + one[0].string()).code, 2);
  // Nothing reached the survey.
  EXPECT_EQ(Open()->GetStatus()->scan_files, 0);
}

TEST_F(StationTest, ALocalRunIsABatchWithTheSummaryItPrinted) {
  CmdResult r = Phieu("ingest --db " + db_.string() + " -q -j 1 " + Stack::Get().files.front().string());
  ASSERT_EQ(r.code, 0) << r.out;
  auto batches = Open()->ListBatches(5);
  ASSERT_TRUE(batches.ok());
  ASSERT_EQ(batches->size(), 1u);
  const auto& b = batches->front();
  EXPECT_EQ(b.source, "cli");
  EXPECT_EQ(b.state, "finished");
  EXPECT_EQ(b.exit_code, 0);
  EXPECT_GT(b.pages_done, 0);
  EXPECT_EQ(b.pages_done, b.pages_total);
  ASSERT_FALSE(b.summary_text.empty());
  EXPECT_NE(r.out.find(b.summary_text), std::string::npos) << r.out << "\n---\n" << b.summary_text;
  const Json summary = Json::parse(b.summary_json);
  EXPECT_EQ(summary["files"], 1);
  EXPECT_EQ(summary["pages_read"].get<int>(), Count(r.out, "pages read"));
}

}  // namespace
