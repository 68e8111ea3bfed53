// Copyright 2026 The Phiếu Authors
// SPDX-License-Identifier: Apache-2.0
// Scan stations over HTTP (docs/api.md, "Scan stations") with a fake reader: clerk or admin only,
// a file sent in chunks at the offset the server has (409 otherwise), checked against its
// SHA-256 when whole (422, started over), bounded by the scan limits (413), a batch read in
// turn and listed on the desk with its summary; other routes keep their small body limit.
#include <condition_variable>

#include "review_test_env.h"

namespace phieu::review::testing {
namespace {

/// Records what it was asked to read and ends the batch with a made-up summary.
class FakeRunner : public IngestRunner {
 public:
  std::uint64_t max_file_bytes() const override { return 1 << 20; }
  void Run(store::Store& store, std::mutex& writer_lock, std::int64_t batch_id,
           const std::vector<StationFile>& files, const std::atomic<bool>&) override {
    std::string contents;
    for (const auto& f : files) {
      std::ifstream in(f.path, std::ios::binary);
      contents += std::string(std::istreambuf_iterator<char>(in), {});
    }
    {
      // Recorded before the batch says "finished": a test that saw it finished finds the run.
      std::lock_guard lock(mu);
      runs.push_back({files, contents});
    }
    {
      std::lock_guard lock(writer_lock);
      (void)store.UpdateBatchProgress(batch_id, 1, 2);
      (void)store.FinishBatch(batch_id, {.state = "finished",
                                         .summary_json = Json{{"files", files.size()}, {"pages_read", 2}}.dump(),
                                         .summary_text = "\nBatch summary\n  files            1\n",
                                         .exit_code = 0,
                                         .error = ""});
    }
  }
  struct Got {
    std::vector<StationFile> files;
    std::string contents;
  };
  std::mutex mu;
  std::vector<Got> runs;
};

class StationServerTest : public ReviewServerTest {
 protected:
  StationServerTest() {
    auto r = std::make_unique<FakeRunner>();
    fake_ = r.get();
    runner_ = std::move(r);
  }
  httplib::Result Put(const Login& l, const std::string& sha, std::uint64_t offset, std::uint64_t size,
                      const std::string& name, const std::string& bytes) {
    return Client()->Put("/api/station/files/" + sha + "?offset=" + std::to_string(offset) + "&size=" +
                             std::to_string(size) + "&name=" + name,
                         Auth(l), bytes, "application/octet-stream");
  }
  Json Ask(const Login& l, const std::string& sha, std::uint64_t size, const std::string& name = "a.png") {
    auto r = Post(l, "/api/station/files", {{"files", {{{"sha256", sha}, {"size", size}, {"name", name}}}}});
    EXPECT_EQ(r->status, 200) << r->body;
    return Json::parse(r->body)["files"][0];
  }
  FakeRunner* fake_ = nullptr;
};

std::string Sha(const std::string& s) { return store::Sha256Hex(std::vector<unsigned char>(s.begin(), s.end())); }

TEST_F(StationServerTest, StationsAndBatchesAreForClerksAndAdmins) {
  Login reviewer = LogIn("lan"), clerk = LogIn("thu"), admin = LogIn("admin"), anonymous;
  const std::string sha = Sha("x");
  for (const Login* l : {&clerk, &admin}) {
    EXPECT_EQ(Get(*l, "/api/desk/batches")->status, 200);
    EXPECT_EQ(Post(*l, "/api/station/files", {{"files", Json::array()}})->status, 200);
  }
  EXPECT_EQ(Get(reviewer, "/api/desk/batches")->status, 403);
  EXPECT_EQ(Post(reviewer, "/api/station/files", {{"files", Json::array()}})->status, 403);
  EXPECT_EQ(Put(reviewer, sha, 0, 1, "a.png", "x")->status, 403);
  EXPECT_EQ(Post(reviewer, "/api/station/batches", {{"files", Json::array()}})->status, 403);
  EXPECT_EQ(Get(reviewer, "/api/station/batches/1")->status, 403);
  EXPECT_EQ(Get(anonymous, "/api/desk/batches")->status, 401);
  // Without the CSRF header a clerk's upload is refused too.
  auto no_csrf = Client()->Put("/api/station/files/" + sha + "?offset=0&size=1&name=a.png", Auth(clerk, false), "x",
                               "application/octet-stream");
  EXPECT_EQ(no_csrf->status, 403);
}

TEST_F(StationServerTest, AFileArrivesInChunksIsCheckedAndIsReadAsABatch) {
  Login clerk = LogIn("thu");
  std::string bytes(300000, '\0');
  for (std::size_t i = 0; i < bytes.size(); ++i) bytes[i] = static_cast<char>(i * 7 + i / 1000);
  const std::string sha = Sha(bytes);
  EXPECT_EQ(Ask(clerk, sha, bytes.size())["state"], "missing");
  auto first = Put(clerk, sha, 0, bytes.size(), "trang%201.png", bytes.substr(0, 100000));
  ASSERT_EQ(first->status, 200) << first->body;
  EXPECT_EQ(Json::parse(first->body)["received"], 100000);
  EXPECT_EQ(Json::parse(first->body)["complete"], false);
  // The cut: the station asks, and must go on at what the server has.
  Json state = Ask(clerk, sha, bytes.size());
  EXPECT_EQ(state["state"], "partial");
  EXPECT_EQ(state["received"], 100000);
  auto wrong = Put(clerk, sha, 0, bytes.size(), "trang%201.png", bytes.substr(0, 100000));
  EXPECT_EQ(wrong->status, 409);
  EXPECT_EQ(Json::parse(wrong->body)["code"], "offset");
  // Not whole yet: no batch of it.
  auto early = Post(clerk, "/api/station/batches", {{"station", "bàn-1"}, {"files", {{{"sha256", sha}, {"name", "trang 1.png"}}}}});
  EXPECT_EQ(early->status, 409);
  auto rest = Put(clerk, sha, 100000, bytes.size(), "trang%201.png", bytes.substr(100000));
  ASSERT_EQ(rest->status, 200) << rest->body;
  EXPECT_EQ(Json::parse(rest->body)["complete"], true);
  EXPECT_EQ(Ask(clerk, sha, bytes.size())["state"], "received");

  auto submit = Post(clerk, "/api/station/batches", {{"station", "bàn-1"}, {"files", {{{"sha256", sha}, {"name", "trang 1.png"}}}}});
  ASSERT_EQ(submit->status, 202) << submit->body;
  const auto id = Json::parse(submit->body)["batch"].get<long long>();
  Json batch;
  for (int i = 0; i < 200; ++i) {
    batch = Json::parse(Get(clerk, "/api/station/batches/" + std::to_string(id))->body);
    if (batch["state"] == "finished") break;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  ASSERT_EQ(batch["state"], "finished") << batch.dump();
  EXPECT_EQ(batch["station"], "bàn-1");
  EXPECT_EQ(batch["who"], "thu");
  EXPECT_EQ(batch["source"], "station");
  EXPECT_EQ(batch["exit_code"], 0);
  EXPECT_EQ(batch["summary"]["files"], 1);
  EXPECT_EQ(batch["summary_text"], "\nBatch summary\n  files            1\n");
  {
    std::lock_guard lock(fake_->mu);
    ASSERT_EQ(fake_->runs.size(), 1u);
    ASSERT_EQ(fake_->runs[0].files.size(), 1u);
    EXPECT_EQ(fake_->runs[0].files[0].name, "trang 1.png");
    EXPECT_EQ(fake_->runs[0].files[0].path.filename(), "trang 1.png");
    EXPECT_TRUE(fake_->runs[0].contents == bytes) << "the bytes read are the bytes sent, in order";
  }
  auto desk = Json::parse(Get(clerk, "/api/desk/batches")->body)["batches"];
  ASSERT_FALSE(desk.empty());
  EXPECT_EQ(desk[0]["id"], id) << "newest first";
  EXPECT_EQ(Get(clerk, "/api/station/batches/999999")->status, 404);
}

TEST_F(StationServerTest, BytesThatDoNotHashToTheNameAreThrownAwayAndSentAgain) {
  Login clerk = LogIn("thu");
  const std::string claimed = Sha("the real scan");
  auto r = Put(clerk, claimed, 0, 13, "a.png", "not the scan!");
  ASSERT_EQ(r->status, 422) << r->body;
  EXPECT_EQ(Json::parse(r->body)["code"], "sha256");
  EXPECT_EQ(Ask(clerk, claimed, 13)["state"], "missing");
  ASSERT_EQ(Put(clerk, claimed, 0, 13, "a.png", "the real scan")->status, 200);
  EXPECT_EQ(Ask(clerk, claimed, 13)["state"], "received");
}

TEST_F(StationServerTest, SizesAndNamesAreChecked) {
  Login clerk = LogIn("thu");
  const std::string sha = Sha("y");
  auto big = Post(clerk, "/api/station/files", {{"files", {{{"sha256", sha}, {"size", 2 << 20}, {"name", "to.pdf"}}}}});
  EXPECT_EQ(big->status, 413);
  EXPECT_NE(big->body.find("to.pdf"), std::string::npos) << big->body;
  EXPECT_EQ(Put(clerk, sha, 0, 2 << 20, "to.pdf", "y")->status, 413);
  EXPECT_EQ(Put(clerk, sha, 0, 1, "..%2Fx.png", "y")->status, 400) << "a name with a folder";
  EXPECT_EQ(Put(clerk, sha, 0, 1, "..", "y")->status, 400);
  EXPECT_EQ(Put(clerk, "ABC", 0, 1, "a.png", "y")->status, 400) << "not a SHA-256";
  EXPECT_EQ(Put(clerk, sha, 0, 1, "a.png", "yy")->status, 400) << "more bytes than the size";
  // A chunk above the station limit is refused before it reaches the handler...
  EXPECT_EQ(Put(clerk, sha, 0, 1 << 20, "a.png", std::string(kStationChunkMaxBytes + 1, 'z'))->status, 413);
  // ...and every other route keeps its small body limit.
  auto fat = Post(clerk, "/api/station/files", {{"files", Json::array()}, {"pad", std::string(100000, 'p')}});
  EXPECT_EQ(fat->status, 413);
}

TEST_F(ReviewServerTest, WithoutAReaderStationsAreRefused) {
  Login clerk = LogIn("thu");
  EXPECT_EQ(Post(clerk, "/api/station/files", {{"files", Json::array()}})->status, 503);
  EXPECT_EQ(Get(clerk, "/api/desk/batches")->status, 200);
}

}  // namespace
}  // namespace phieu::review::testing
