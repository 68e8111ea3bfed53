// Copyright 2026 The Phiếu Authors
// SPDX-License-Identifier: Apache-2.0
// Scan stations and ingest batches (station_routes.h, docs/api.md "Scan stations").
#include "station_routes.h"

#include <algorithm>
#include <charconv>
#include <fstream>
#include <iostream>

namespace phieu::review {
namespace {

namespace fs = std::filesystem;

constexpr int kMaxFilesPerCall = 500;
constexpr int kDefaultBatches = 50;
constexpr int kMaxBatches = 500;
constexpr const char* kPartName = ".part";

std::string Sha(const Json& v) {
  const bool ok = v.is_string() && v.get_ref<const std::string&>().size() == 64 &&
                  std::all_of(v.get_ref<const std::string&>().begin(), v.get_ref<const std::string&>().end(),
                              [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); });
  if (!ok) throw RouteError{400, "\"sha256\" must be 64 lowercase hex digits", ""};
  return v.get<std::string>();
}

/// A file name as the station gave it, checked to be one plain name: it becomes a file in the
/// spool, so no folder part, no "." / "..", no control characters.
std::string FileName(const Json& v) {
  if (!v.is_string()) throw RouteError{400, "\"name\" must be the file's name", ""};
  const std::string& s = v.get_ref<const std::string&>();
  const bool ok = !s.empty() && s.size() <= 255 && s != "." && s != ".." && s != kPartName &&
                  std::none_of(s.begin(), s.end(), [](char c) {
                    return c == '/' || c == '\\' || static_cast<unsigned char>(c) < 0x20;
                  });
  if (!ok) throw RouteError{400, "bad file name \"" + s.substr(0, 80) + "\": one name without folders", ""};
  return s;
}

std::uint64_t Count(const std::string& s, const char* what) {
  std::uint64_t v = 0;
  const bool digits = !s.empty() && s.size() <= 19 &&
                      std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
  if (digits) std::from_chars(s.data(), s.data() + s.size(), v);
  if (!digits) throw RouteError{400, std::string("bad ") + what + ": expected a whole number", ""};
  return v;
}

std::uint64_t SizeOf(const fs::path& p) {
  std::error_code ec;
  const auto n = fs::file_size(p, ec);
  return ec ? 0 : n;
}

std::string Megabytes(std::uint64_t bytes) { return std::to_string(bytes >> 20) + " MB"; }

Json BatchJson(const store::BatchRecord& b) {
  Json summary = nullptr;
  if (!b.summary_json.empty()) {
    summary = Json::parse(b.summary_json, nullptr, false);
    if (summary.is_discarded()) summary = nullptr;
  }
  return {{"id", b.id},
          {"source", b.source},
          {"who", b.who},
          {"station", b.station},
          {"address", b.address},
          {"state", b.state},
          {"files", b.files},
          {"pages_done", b.pages_done},
          {"pages_total", b.pages_total},
          {"started_at", b.started_at},
          {"heartbeat_at", b.heartbeat_at},
          {"finished_at", b.finished_at.empty() ? Json(nullptr) : Json(b.finished_at)},
          {"summary", std::move(summary)},
          {"summary_text", b.summary_text},
          {"exit_code", b.exit_code < 0 ? Json(nullptr) : Json(b.exit_code)},
          {"error", b.error}};
}

}  // namespace

StationService::StationService(fs::path db, std::mutex& write_mu, IngestRunner* runner)
    : db_(std::move(db)), write_mu_(write_mu), runner_(runner) {
  spool_ = db_;
  spool_ += ".spool";
  if (runner_) {
    worker_ = std::thread([this] { RunQueue(); });
    ticker_ = std::thread([this] { KeepQueuedAlive(); });
  }
}

StationService::~StationService() { Stop(); }

void StationService::Stop() {
  {
    std::lock_guard lock(queue_mu_);
    stopping_ = true;
    for (auto& [id, stop] : stops_) stop->store(true);
  }
  queue_cv_.notify_all();
  if (worker_.joinable()) worker_.join();
  if (ticker_.joinable()) ticker_.join();
}

fs::path StationService::FileDir(const std::string& sha256) const { return spool_ / sha256; }

fs::path StationService::Received(const std::string& sha256) const {
  std::error_code ec;
  for (fs::directory_iterator it(FileDir(sha256), ec), end; !ec && it != end; it.increment(ec))
    if (it->path().filename() != kPartName && it->is_regular_file(ec)) return it->path();
  return {};
}

void StationService::RunQueue() {
  std::unique_ptr<store::Store> store;
  for (;;) {
    Job job;
    {
      std::unique_lock lock(queue_mu_);
      queue_cv_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
      // Stopping: the batch being read was told to stop; the queued ones are KeepQueuedAlive's
      // to end as interrupted (one place, one summary).
      if (stopping_ || queue_.empty()) return;
      job = std::move(queue_.front());
      queue_.pop_front();
    }
    if (!store) {
      auto opened = store::Store::Open(db_, /*create=*/false);
      if (!opened.ok()) {
        std::cerr << "phieu serve: scan station batch " << job.batch_id << ": " << opened.error().message << "\n";
        std::lock_guard lock(queue_mu_);
        stops_.erase(job.batch_id);
        continue;
      }
      store = std::move(*opened);
    }
    // The server stopping before the batch began still ends it honestly: Run sees `stop`,
    // reads nothing and records the batch as interrupted with what it holds.
    runner_->Run(*store, write_mu_, job.batch_id, job.files, *job.stop);
    // A file the survey now holds completely is no longer needed in the spool (its original
    // is in the survey); one left incomplete stays, so sending the batch again resumes it.
    for (const auto& f : job.files) {
      if (f.path.empty()) continue;
      auto held = store->FindScanFileBySha256(f.sha256);
      if (held.ok() && *held && (*held)->complete) {
        std::lock_guard lock(spool_mu_);
        std::error_code ec;
        fs::remove_all(FileDir(f.sha256), ec);
      }
    }
    std::lock_guard lock(queue_mu_);
    stops_.erase(job.batch_id);
  }
}

void StationService::KeepQueuedAlive() {
  std::unique_ptr<store::Store> store;
  std::unique_lock lock(queue_mu_);
  while (!stopping_) {
    queue_cv_.wait_for(lock, std::chrono::seconds(store::kBatchHeartbeatSeconds));
    if (stopping_ || queue_.empty()) continue;
    std::vector<std::int64_t> ids;
    for (const auto& j : queue_) ids.push_back(j.batch_id);
    lock.unlock();
    if (!store) {
      auto opened = store::Store::Open(db_, false);
      if (opened.ok()) store = std::move(*opened);
    }
    if (store) {
      std::lock_guard write(write_mu_);
      (void)store->TouchBatches(ids);
    }
    lock.lock();
  }
  // The server is stopping: what never ran ends interrupted (the station says so and exits 130).
  std::vector<Job> left(queue_.begin(), queue_.end());
  queue_.clear();
  lock.unlock();
  if (left.empty()) return;
  if (!store) {
    auto opened = store::Store::Open(db_, false);
    if (!opened.ok()) return;
    store = std::move(*opened);
  }
  std::lock_guard write(write_mu_);
  for (const auto& j : left)
    (void)store->FinishBatch(j.batch_id, {.state = "interrupted", .summary_json = "",
                                          .summary_text = "Interrupted: the server stopped before this batch was "
                                                          "read; send the same files again to read them.\n",
                                          .exit_code = 130, .error = ""});
}

std::vector<RouteSpec> StationService::Routes() {
  std::vector<RouteSpec> routes;
  auto need_runner = [this] {
    if (!runner_) throw RouteError{503, "this server does not read scans from stations", ""};
  };

  // Which of these files does the server lack, and how much of each has it?
  routes.push_back({"POST", "/api/station/files", RouteRoles::kClerks, true, [this, need_runner](RouteCall& c) {
    need_runner();
    const Json body = RouteBody(c.body);
    auto files = body.find("files");
    if (files == body.end() || !files->is_array() || files->size() > kMaxFilesPerCall)
      throw RouteError{400, "send {\"files\": [{\"sha256\", \"size\", \"name\"}…]} (at most 500)", ""};
    Json out = Json::array();
    for (const auto& f : *files) {
      if (!f.is_object()) throw RouteError{400, "each file is {\"sha256\", \"size\", \"name\"}", ""};
      const std::string sha = Sha(f.value("sha256", Json()));
      const std::string name = FileName(f.value("name", Json()));
      const Json size_json = f.value("size", Json());
      if (!size_json.is_number_unsigned()) throw RouteError{400, name + ": \"size\" must be the file's size in bytes", ""};
      const std::uint64_t size = size_json.get<std::uint64_t>();
      if (size > runner_->max_file_bytes())
        throw RouteError{413, name + ": " + Megabytes(size) + " is larger than this server takes (" +
                                 Megabytes(runner_->max_file_bytes()) + "; phieu serve's scan limits)", "too_large"};
      auto held = RouteMust(c.store.FindScanFileBySha256(sha), "scan file");
      std::string state = "missing";
      std::uint64_t received = 0;
      if (held && held->complete) {
        state = "held", received = size;
      } else {
        std::lock_guard lock(spool_mu_);
        if (!Received(sha).empty()) state = "received", received = size;
        else if (fs::exists(FileDir(sha) / kPartName)) state = "partial", received = SizeOf(FileDir(sha) / kPartName);
      }
      out.push_back({{"sha256", sha}, {"name", name}, {"state", state}, {"received", received}});
    }
    return RouteReply{200, {{"files", std::move(out)}}, "", {}};
  }});

  // One chunk of a file, appended at ?offset= (which must be what the server already has).
  RouteSpec put{"PUT", "/api/station/files/{}", RouteRoles::kClerks, true, [this, need_runner](RouteCall& c) {
    need_runner();
    const std::string sha = Sha(Json(c.args.at(0)));
    const std::uint64_t offset = Count(RouteParam(c, "offset"), "offset");
    const std::uint64_t size = Count(RouteParam(c, "size"), "size");
    const std::string name = FileName(Json(RouteParam(c, "name")));
    if (size > runner_->max_file_bytes())
      throw RouteError{413, name + ": " + Megabytes(size) + " is larger than this server takes (" +
                               Megabytes(runner_->max_file_bytes()) + ")", "too_large"};
    std::lock_guard lock(spool_mu_);
    if (!Received(sha).empty()) return RouteReply{200, {{"received", size}, {"complete", true}}, "", {}};
    const fs::path dir = FileDir(sha), part = dir / kPartName;
    std::error_code ec;
    fs::create_directories(dir, ec);
    if (ec) {
      std::cerr << "phieu serve: " << dir.string() << ": " << ec.message() << "\n";
      throw RouteError{500, "internal error", ""};
    }
    const std::uint64_t have = fs::exists(part) ? SizeOf(part) : 0;
    if (offset != have)
      throw RouteError{409, "the server has " + std::to_string(have) + " bytes of " + name + "; send from there", "offset"};
    if (have + c.body.size() > size)
      throw RouteError{400, name + ": more bytes than its size (" + std::to_string(size) + ")", ""};
    {
      std::ofstream out(part, std::ios::binary | std::ios::app);
      out.write(c.body.data(), static_cast<std::streamsize>(c.body.size()));
      if (!out.flush()) {
        std::cerr << "phieu serve: " << part.string() << ": write failed\n";
        throw RouteError{507, "the server could not keep the file (disk full?)", ""};
      }
    }
    const std::uint64_t now = have + c.body.size();
    if (now < size) return RouteReply{200, {{"received", now}, {"complete", false}}, "", {}};
    // Whole: it must be the file it claims to be. A mismatch starts it over.
    auto hashed = store::Sha256HexOfFile(part);
    if (!hashed.ok() || *hashed != sha) {
      fs::remove(part, ec);
      throw RouteError{422, name + ": the bytes received do not have SHA-256 " + sha + "; send the file again", "sha256"};
    }
    fs::rename(part, dir / name, ec);
    if (ec) {
      std::cerr << "phieu serve: " << (dir / name).string() << ": " << ec.message() << "\n";
      throw RouteError{500, "internal error", ""};
    }
    return RouteReply{200, {{"received", now}, {"complete", true}}, "", {}};
  }};
  put.max_body_bytes = kStationChunkMaxBytes;
  routes.push_back(std::move(put));

  // Read these files (every one held by the survey or received whole) as one batch.
  routes.push_back({"POST", "/api/station/batches", RouteRoles::kClerks, true, [this, need_runner](RouteCall& c) {
    need_runner();
    const Json body = RouteBody(c.body);
    auto files = body.find("files");
    if (files == body.end() || !files->is_array() || files->empty())
      throw RouteError{400, "send {\"station\": NAME, \"files\": [{\"sha256\", \"name\"}…]}", ""};
    std::string station = body.value("station", "");
    if (station.size() > 128) station.resize(128);
    Job job;
    for (const auto& f : *files) {
      if (!f.is_object()) throw RouteError{400, "each file is {\"sha256\", \"name\"}", ""};
      StationFile file{.sha256 = Sha(f.value("sha256", Json())), .name = FileName(f.value("name", Json())), .path = {}};
      auto held = RouteMust(c.store.FindScanFileBySha256(file.sha256), "scan file");
      if (!(held && held->complete)) {
        std::lock_guard lock(spool_mu_);
        file.path = Received(file.sha256);
        if (file.path.empty())
          throw RouteError{409, file.name + " (" + file.sha256.substr(0, 12) + "…) has not been received whole yet", "not_received"};
      }
      job.files.push_back(std::move(file));
    }
    store::BatchRecord start;
    start.source = "station", start.who = c.user, start.station = station, start.address = c.address;
    start.state = "queued", start.files = static_cast<int>(job.files.size());
    {
      std::lock_guard lock(write_mu_);
      job.batch_id = RouteMust(c.store.BeginBatch(start), "batch");
    }
    job.stop = std::make_shared<std::atomic<bool>>(false);
    {
      std::lock_guard lock(queue_mu_);
      if (stopping_) throw RouteError{503, "the server is stopping", ""};
      stops_[job.batch_id] = job.stop;
      queue_.push_back(job);
    }
    queue_cv_.notify_all();
    return RouteReply{202, {{"batch", job.batch_id}}, "", {}};
  }});

  routes.push_back({"GET", "/api/station/batches/{}", RouteRoles::kClerks, false, [](RouteCall& c) {
    const std::uint64_t id = Count(c.args.at(0), "batch id");
    auto batch = RouteMust(c.store.GetBatch(static_cast<std::int64_t>(id)), "batch");
    if (!batch) throw RouteError{404, "no such batch", ""};
    return RouteReply{200, BatchJson(*batch), "", {}};
  }});

  // The station's Ctrl-C: the batch stops after the pages in hand (they stay stored).
  routes.push_back({"POST", "/api/station/batches/{}/stop", RouteRoles::kClerks, true, [this](RouteCall& c) {
    const auto id = static_cast<std::int64_t>(Count(c.args.at(0), "batch id"));
    std::lock_guard lock(queue_mu_);
    auto it = stops_.find(id);
    if (it == stops_.end()) throw RouteError{409, "this batch is not queued or running", "not_running"};
    it->second->store(true);
    return RouteReply{202, {{"batch", id}}, "", {}};
  }});

  routes.push_back({"GET", "/api/desk/batches", RouteRoles::kClerks, false, [](RouteCall& c) {
    int limit = kDefaultBatches;
    if (auto it = c.params.find("limit"); it != c.params.end())
      limit = static_cast<int>(std::clamp<std::uint64_t>(Count(it->second, "limit"), 1, kMaxBatches));
    auto batches = RouteMust(c.store.ListBatches(limit), "batches");
    Json a = Json::array();
    for (const auto& b : batches) a.push_back(BatchJson(b));
    return RouteReply{200, {{"batches", std::move(a)}}, "", {}};
  }});
  return routes;
}

}  // namespace phieu::review
