// Copyright 2026 The Phiếu Authors
// SPDX-License-Identifier: Apache-2.0
// A review server on 127.0.0.1 (any free port) over a survey made by the real `phieu simulate`
// and `phieu ingest`, with four logins, for the server tests.
#pragma once

#include <gtest/gtest.h>
#include <httplib.h>
#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <fstream>

#include <atomic>
#include <filesystem>
#include <memory>
#include <string>

#include <nlohmann/json.hpp>

#include "common/phieu_cli.h"
#include "common/temp_dir.h"
#include "review-ui/review.h"
#include "store/store.h"

namespace phieu::review::testing {

using Json = nlohmann::json;
namespace fs = std::filesystem;

constexpr const char* kPassword = "mật khẩu đủ dài 2026";

/// A logged-in client: the session cookie and the CSRF token from the login answer.
struct Login {
  std::string cookie;  ///< "phieu_session=..."
  std::string csrf;
  std::string role;
};

/// The survey every test starts from: 10 simulated sheets ingested
/// with --review-blank-required, plus logins admin, lan (reviewer), minh (reviewer), thu (clerk),
/// cu (reviewer, disabled). A second stack (serials 101-103) is left un-ingested for the tests
/// that ingest while the server runs. ctest runs each test in its own process, so the survey is
/// made once into the build tree (under a lock) and reused until the `phieu` binary changes.
class SurveyFixture {
 public:
  static SurveyFixture& Get() {
    static SurveyFixture f;
    return f;
  }
  fs::path dir;
  fs::path base_db;
  fs::path late_stack;
  phieu::testing::TempDir scratch{"review"};  ///< this process's scratch folder (removed at exit).
  fs::path work = scratch.path();
  std::string error;  ///< set when the survey could not be made (tests then fail with it).

 private:
  SurveyFixture() {
    dir = fs::path(PHIEU_BINARY_DIR) / "tests" / "review" / "survey-cache";
    fs::create_directories(dir);
    base_db = dir / "base.db";
    late_stack = dir / "late";
    const int lock = ::open((dir / "lock").c_str(), O_CREAT | O_RDWR, 0644);
    ::flock(lock, LOCK_EX);
    const fs::path ready = dir / "ready";
    std::error_code ec;
    if (!fs::exists(ready) || fs::last_write_time(ready, ec) < fs::last_write_time(phieu::testing::kPhieu, ec)) {
      fs::remove(ready, ec);
      fs::remove(base_db, ec);
      fs::remove_all(dir / "stack", ec);
      fs::remove_all(late_stack, ec);
      Make();
      if (error.empty()) std::ofstream(ready) << "ok\n";
    }
    ::flock(lock, LOCK_UN);
    ::close(lock);
  }

  void Make() {
    auto run = [&](const std::string& args) {
      auto r = phieu::testing::Phieu(args);
      if (r.code != 0 && error.empty()) error = "phieu " + args + " failed: " + r.out;
    };
    run("simulate --template sipas --sheets 10 --seed 7 -j 1 -o " + (dir / "stack").string());
    run("ingest --db " + base_db.string() +
        " --template sipas --review-blank-required -q -j 1 " + (dir / "stack").string());
    run("simulate --template sipas --serials 101-103 --seed 8 -j 1 -o " + late_stack.string());
    if (!error.empty()) return;
    auto store = store::Store::Open(base_db, false);
    if (!store.ok()) {
      error = store.error().message;
      return;
    }
    auto hash = store::HashPassword(kPassword);
    if (!hash.ok()) {
      error = hash.error().message;
      return;
    }
    struct U {
      const char* name;
      store::Role role;
      bool disabled;
    };
    for (const U& u : {U{"admin", store::Role::kAdmin, false}, U{"lan", store::Role::kReviewer, false},
                       U{"minh", store::Role::kReviewer, false}, U{"thu", store::Role::kClerk, false},
                       U{"cu", store::Role::kReviewer, true}}) {
      store::UserRecord rec;
      rec.name = u.name;
      rec.role = u.role;
      rec.password_hash = *hash;
      auto st = (*store)->AddUser(rec);
      if (!st.ok()) error = st.error().message;
      if (u.disabled) (void)(*store)->SetUserDisabled(u.name, true);
    }
  }
};

/// A fake page renderer: page 1 of any stored sheet is a tiny "JPEG", other pages not found.
class FakePages : public PageImageSource {
 public:
  core::Result<std::vector<unsigned char>> RenderPageJpeg(store::Store&, core::Serial serial, int page,
                                                          double px_per_mm) override {
    calls++;
    last_px_per_mm = px_per_mm;
    if (page != 1) return core::MakeError("not_found", "no such page");
    return std::vector<unsigned char>{0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x10, 0xFF, 0xD9};
  }
  /// A tiny "PNG" for any region of page 1 (the crops of readings that kept none).
  core::Result<std::vector<unsigned char>> RenderRegionPng(store::Store&, core::Serial, int page,
                                                           const core::RectMm& region, double) override {
    region_calls++;
    if (page != 1) return core::MakeError("not_found", "no such page");
    if (!(region.w > 0 && region.h > 0)) return core::MakeError("invalid", "empty region");
    return std::vector<unsigned char>{0x89, 'P', 'N', 'G', 0x0D, 0x0A, 0x1A, 0x0A};
  }
  /// The desk's full-size page: a tiny "JPEG" for any page but 999999.
  core::Result<std::vector<unsigned char>> RenderStoredScanJpeg(store::Store&, std::int64_t page_id,
                                                                int max_side_px) override {
    last_max_side = max_side_px;
    if (page_id == 999999) return core::MakeError("not_found", "no stored page with id 999999");
    return std::vector<unsigned char>{0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x11, 0xFF, 0xD9};
  }
  /// The desk's assignment: records the request, answers `assign_answer`.
  core::Result<DeskAssignResult> AssignStoredPage(store::Store&, std::mutex& writer_lock, std::int64_t page_id,
                                                  const DeskAssignRequest& request) override {
    assign_calls++;
    // The route leaves the writer lock to the page source (taken only to write).
    lock_was_free = writer_lock.try_lock();
    if (lock_was_free) writer_lock.unlock();
    last_assign_page = page_id;
    last_assign = request;
    return assign_answer;
  }
  std::atomic<int> calls{0};
  std::atomic<int> region_calls{0};
  double last_px_per_mm = 0;
  int last_max_side = 0;
  std::atomic<int> assign_calls{0};
  bool lock_was_free = false;
  std::int64_t last_assign_page = 0;
  DeskAssignRequest last_assign;
  core::Result<DeskAssignResult> assign_answer =
      DeskAssignResult{.status = "ok", .method = "grid", .residual_mm = 0.123, .readings = 40, .review_items_opened = 2};
};

/// Each test: its own copy of the survey and its own server.
class ReviewServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto& f = SurveyFixture::Get();
    ASSERT_EQ(f.error, "");
    static std::atomic<int> counter{0};
    db_ = f.work / ("t" + std::to_string(counter++) + ".db");
    fs::copy_file(f.base_db, db_, fs::copy_options::overwrite_existing);
    options_.db = db_;
    options_.port = 0;
    options_.threads = 4;
    options_.max_failures_per_user = 3;
    options_.max_failures_per_address = 6;
    ConfigureOptions(options_);
    auto s = Server::Start(options_, pages_ ? pages_.get() : nullptr, runner_.get());
    ASSERT_TRUE(s.ok()) << s.error().message;
    server_ = std::move(*s);
  }
  void TearDown() override {
    if (server_) server_->Stop();
    std::error_code ec;
    fs::remove(db_, ec);
  }
  virtual void ConfigureOptions(ServeOptions&) {}

  std::unique_ptr<httplib::Client> Client() {
    auto c = std::make_unique<httplib::Client>("127.0.0.1", server_->port());
    c->set_tcp_nodelay(true);
    c->set_read_timeout(20, 0);
    return c;
  }
  std::string Origin() const { return "http://127.0.0.1:" + std::to_string(server_->port()); }

  /// POST /api/login; the answer as a Login (empty cookie when it failed).
  Login LogIn(const std::string& user, const std::string& password = kPassword, int* status = nullptr) {
    auto c = Client();
    auto r = c->Post("/api/login", Json{{"user", user}, {"password", password}}.dump(), "application/json");
    Login out;
    if (status) *status = r ? r->status : -1;
    if (!r || r->status != 200) return out;
    const std::string set_cookie = r->get_header_value("Set-Cookie");
    out.cookie = set_cookie.substr(0, set_cookie.find(';'));
    auto j = Json::parse(r->body);
    out.csrf = j.value("csrf", "");
    out.role = j.value("role", "");
    return out;
  }

  httplib::Headers Auth(const Login& l, bool csrf = true) const {
    httplib::Headers h;
    if (!l.cookie.empty()) h.emplace("Cookie", l.cookie);
    if (csrf && !l.csrf.empty()) h.emplace("X-CSRF-Token", l.csrf);
    return h;
  }

  httplib::Result Get(const Login& l, const std::string& path) { return Client()->Get(path.c_str(), Auth(l)); }
  httplib::Result Post(const Login& l, const std::string& path, const Json& body, bool csrf = true) {
    return Client()->Post(path.c_str(), Auth(l, csrf), body.dump(), "application/json");
  }

  fs::path db_;
  ServeOptions options_;
  std::unique_ptr<FakePages> pages_ = std::make_unique<FakePages>();
  std::unique_ptr<IngestRunner> runner_;  ///< scan stations: none unless a test sets one.
  std::unique_ptr<Server> server_;
};

}  // namespace phieu::review::testing
