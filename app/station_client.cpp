// Copyright 2026 The Phiếu Authors
// SPDX-License-Identifier: Apache-2.0
// A scan station (station_client.h): login, ask, send what is missing, submit, follow, print.
#include "app/station_client.h"

#include <httplib.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <iostream>
#include <optional>
#include <thread>

#include <nlohmann/json.hpp>

#include "app/common.h"
#include "app/ingest_output.h"
#include "pipeline/summary.h"
#include "scanner/acquire.h"
#include "store/store.h"

namespace phieu::app {
namespace {

namespace fs = std::filesystem;
using Json = nlohmann::json;

constexpr int kFilesPerBatch = 400;   // keeps a batch's JSON far below the server's 64 KiB
constexpr int kFilesPerAsk = 400;
constexpr int kRetries = 5;           // a cut connection: ask again and resume, this many times
constexpr auto kPoll = std::chrono::milliseconds(250);

/// A refusal that ends the run with an exit code (README "Exit codes").
struct StationError {
  std::string message;
  int code;
};

struct LocalFile {
  fs::path path;
  std::string name;     ///< file name sent to the server.
  std::string sha256;
  std::uint64_t size = 0;
};

/// `s` as one query-string value: every byte but unreserved ASCII as %XX (UTF-8 names too).
std::string QueryEscape(const std::string& s) {
  static const char* kHex = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : s) {
    if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_' ||
        c == '.' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out;
}

std::string HostName() {
  char buf[256] = {};
  if (gethostname(buf, sizeof buf - 1) == 0 && buf[0]) return buf;
  return "station";
}

class Session {
 public:
  explicit Session(const StationOptions& o) : options_(o), http_(o.server) {
    http_.set_tcp_nodelay(true);  // STACK.md gotcha 1
    http_.set_connection_timeout(10, 0);
    http_.set_read_timeout(120, 0);  // a chunk's last piece waits for the server's SHA-256 check
    http_.set_write_timeout(60, 0);
    http_.set_keep_alive(true);
  }

  void LogIn(const std::string& password) {
    auto r = http_.Post("/api/login", Json{{"user", options_.user}, {"password", password}}.dump(),
                        "application/json");
    if (!r) throw Unreachable(r.error());
    if (r->status == 401 || r->status == 429)
      throw StationError{options_.server + ": " + ErrorText(*r) + " (user " + options_.user + ")", kExitUsage};
    if (r->status != 200) throw Refused(*r, "login");
    const std::string cookie = r->get_header_value("Set-Cookie");
    const Json j = Json::parse(r->body, nullptr, false);
    if (cookie.empty() || j.is_discarded()) throw StationError{options_.server + ": not a Phiếu server", kExitFailed};
    const std::string role = j.value("role", "");
    if (role != "clerk" && role != "admin")
      throw StationError{options_.user + " is a " + role + " on " + options_.server +
                             ": a scan station logs in as a clerk or an admin", kExitUsage};
    headers_ = {{"Cookie", cookie.substr(0, cookie.find(';'))}, {"X-CSRF-Token", j.value("csrf", "")}};
  }

  /// The server's state of each file: "held", "received", "partial" or "missing", and bytes.
  std::vector<std::pair<std::string, std::uint64_t>> Ask(const std::vector<const LocalFile*>& files) {
    Json list = Json::array();
    for (const auto* f : files) list.push_back({{"sha256", f->sha256}, {"size", f->size}, {"name", f->name}});
    auto j = PostJson("/api/station/files", {{"files", list}}, "ask");
    std::vector<std::pair<std::string, std::uint64_t>> out;
    for (const auto& f : j.at("files")) out.emplace_back(f.at("state").get<std::string>(), f.at("received").get<std::uint64_t>());
    return out;
  }

  /// Sends what the server lacks of `f`, from `received`. Returns the bytes sent.
  std::uint64_t Send(const LocalFile& f, std::uint64_t received) {
    std::ifstream in(f.path, std::ios::binary);
    if (!in) throw StationError{f.path.string() + ": cannot open", kExitFailed};
    std::vector<char> buf(options_.chunk_bytes);
    std::uint64_t sent = 0;
    int failures = 0, restarts = 0;
    bool first = true;
    while (received < f.size || (first && f.size == 0)) {
      first = false;
      const std::size_t n = static_cast<std::size_t>(std::min<std::uint64_t>(buf.size(), f.size - received));
      in.clear();
      in.seekg(static_cast<std::streamoff>(received));
      if (n > 0 && !in.read(buf.data(), static_cast<std::streamsize>(n)))
        throw StationError{f.path.string() + ": read failed (changed while being sent?)", kExitFailed};
      const std::string path = "/api/station/files/" + f.sha256 + "?offset=" + std::to_string(received) +
                               "&size=" + std::to_string(f.size) + "&name=" + QueryEscape(f.name);
      auto r = http_.Put(path, headers_, buf.data(), n, "application/octet-stream");
      if (!r) {
        // Cut connection: the server keeps what arrived; ask how much, and go on from there.
        if (++failures > kRetries) throw Unreachable(r.error());
        std::this_thread::sleep_for(std::chrono::milliseconds(200 * failures));
        received = AskOne(f);
        continue;
      }
      const Json j = Json::parse(r->body, nullptr, false);
      if (r->status == 409 && !j.is_discarded() && j.value("code", "") == "offset") {
        received = AskOne(f);  // another station sends the same file: take what is there
        continue;
      }
      if (r->status == 422 && !j.is_discarded() && j.value("code", "") == "sha256" && restarts++ == 0) {
        received = 0;  // the server started it over
        continue;
      }
      if (r->status != 200 || j.is_discarded()) throw Refused(*r, f.name);
      failures = 0;
      sent += n;
      received = j.value("received", received + n);
      if (j.value("complete", false)) break;
    }
    return sent;
  }

  std::int64_t Submit(const std::vector<const LocalFile*>& files) {
    Json list = Json::array();
    for (const auto* f : files) list.push_back({{"sha256", f->sha256}, {"name", f->name}});
    auto j = PostJson("/api/station/batches", {{"station", options_.station}, {"files", list}}, "batch", 202);
    return j.at("batch").get<std::int64_t>();
  }

  Json Batch(std::int64_t id) {
    for (int tries = 0;; ++tries) {
      auto r = http_.Get("/api/station/batches/" + std::to_string(id), headers_);
      if (!r) {
        if (tries >= kRetries) throw Unreachable(r.error());
        std::this_thread::sleep_for(std::chrono::milliseconds(500));
        continue;
      }
      if (r->status != 200) throw Refused(*r, "batch");
      return Json::parse(r->body);
    }
  }

  void StopBatch(std::int64_t id) { (void)http_.Post("/api/station/batches/" + std::to_string(id) + "/stop", headers_, "", "application/json"); }

 private:
  std::uint64_t AskOne(const LocalFile& f) {
    for (int tries = 0;; ++tries) {
      try {
        auto state = Ask({&f});
        return state.at(0).first == "held" || state.at(0).first == "received" ? f.size : state.at(0).second;
      } catch (const StationError& e) {
        if (tries >= kRetries) throw;
        std::this_thread::sleep_for(std::chrono::milliseconds(500));
      }
    }
  }

  Json PostJson(const std::string& path, const Json& body, const char* what, int ok = 200) {
    auto r = http_.Post(path, headers_, body.dump(), "application/json");
    if (!r) throw Unreachable(r.error());
    if (r->status != ok) throw Refused(*r, what);
    Json j = Json::parse(r->body, nullptr, false);
    if (j.is_discarded()) throw StationError{options_.server + ": " + what + ": not a JSON answer", kExitFailed};
    return j;
  }

  static std::string ErrorText(const httplib::Response& r) {
    const Json j = Json::parse(r.body, nullptr, false);
    if (!j.is_discarded() && j.is_object() && j.contains("error")) return j["error"].get<std::string>();
    return "HTTP " + std::to_string(r.status);
  }
  StationError Refused(const httplib::Response& r, const std::string& what) const {
    // A role that may not (403) is the station's set-up, like a wrong password; the rest is
    // the server's trouble.
    const int code = r.status == 403 || r.status == 401 ? kExitUsage : kExitFailed;
    return {options_.server + ": " + what + ": " + ErrorText(r), code};
  }
  StationError Unreachable(httplib::Error e) const {
    return {options_.server + ": cannot reach the server (" + httplib::to_string(e) +
                "); what was sent is kept there: run the same command again to go on",
            kExitFailed};
  }

  const StationOptions& options_;
  httplib::Client http_;
  httplib::Headers headers_;
};

/// Sends `files` (hashed), has the server read them, follows the batches; the summed summary
/// and the survey counts of the last one.
struct Outcome {
  pipeline::IngestSummary summary;
  std::optional<store::SurveyStatus> status;
  bool failed = false;
  std::string error;
};

Outcome SendAndRead(Session& session, const StationOptions& o, const std::vector<LocalFile>& files, bool bar_on) {
  Outcome out;
  // 1. Ask, and send what is missing.
  std::uint64_t sent = 0;
  int held = 0, resumed = 0, sent_files = 0;
  for (std::size_t i = 0; i < files.size() && !(o.stop && *o.stop); i += kFilesPerAsk) {
    std::vector<const LocalFile*> group;
    for (std::size_t k = i; k < files.size() && k < i + kFilesPerAsk; ++k) group.push_back(&files[k]);
    auto states = session.Ask(group);
    for (std::size_t k = 0; k < group.size(); ++k) {
      const auto& [state, received] = states.at(k);
      if (state == "held" || state == "received") {  // in the survey, or whole in the spool
        ++held;
        continue;
      }
      if (o.stop && *o.stop) break;
      resumed += received > 0;
      sent += session.Send(*group[k], received);
      ++sent_files;
    }
  }
  if (!o.quiet || !o.watch.empty())
    std::cerr << o.server << ": " << files.size() << " file" << (files.size() == 1 ? "" : "s") << ", " << held
              << " already there, " << sent_files << " sent (" << sent << " bytes)"
              << (resumed ? ", " + std::to_string(resumed) + " resumed from a cut upload" : "") << "\n";
  if (o.stop && *o.stop) {
    out.summary.files = static_cast<int>(files.size());
    out.summary.stopped = true;
    return out;
  }
  // 2. Batches of kFilesPerBatch, read one after the other by the server.
  for (std::size_t i = 0; i < files.size(); i += kFilesPerBatch) {
    std::vector<const LocalFile*> group;
    for (std::size_t k = i; k < files.size() && k < i + kFilesPerBatch; ++k) group.push_back(&files[k]);
    const std::int64_t id = session.Submit(group);
    ProgressBar bar;
    const auto start = std::chrono::steady_clock::now();
    bool asked_stop = false;
    Json b;
    for (;;) {
      b = session.Batch(id);
      const std::string state = b.value("state", "");
      if (state != "queued" && state != "running") break;
      if (bar_on && state == "running" && b.value("pages_total", 0) > 0)
        bar.Update({.pages_done = b.value("pages_done", 0), .pages_total = b.value("pages_total", 0),
                    .seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count()});
      if (o.stop && *o.stop && !asked_stop) {
        session.StopBatch(id);
        asked_stop = true;
      }
      std::this_thread::sleep_for(kPoll);
    }
    if (bar_on && b.value("pages_total", 0) > 0)
      bar.Update({.pages_done = b.value("pages_done", 0), .pages_total = b.value("pages_total", 0),
                  .seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count()});
    bar.Finish();
    if (b.value("state", "") == "failed") {
      out.failed = true;
      out.error = o.server + ": batch " + std::to_string(id) + " failed on the server: " + b.value("error", "");
      return out;
    }
    if (b["summary"].is_object()) {
      auto parsed = pipeline::SummaryFromJson(b["summary"].dump());
      if (parsed.ok()) {
        out.summary += parsed->summary;
        if (parsed->status) out.status = parsed->status;
      }
    } else {
      // Ended before it was read (the server stopped): nothing of it was stored.
      out.summary.files += static_cast<int>(group.size());
      out.summary.stopped = true;
    }
    if (out.summary.stopped) break;
  }
  return out;
}

LocalFile Hash(const fs::path& p) {
  auto sha = store::Sha256HexOfFile(p);
  if (!sha.ok()) throw StationError{sha.error().message, kExitUsage};
  std::error_code ec;
  const auto size = fs::file_size(p, ec);
  return {.path = p, .name = p.filename().string(), .sha256 = *sha, .size = ec ? 0 : size};
}

int Run(const StationOptions& o, const std::vector<fs::path>& paths,
        const std::function<core::Result<std::vector<fs::path>>()>& scan) {
  if (o.server.rfind("http://", 0) != 0 && o.server.rfind("https://", 0) != 0)
    return Fail("--server " + o.server + ": give the server's address as http://HOST:PORT", kExitUsage);
  Session session(o);
  std::string password;
  if (isatty(STDIN_FILENO)) {
    auto p = PromptHidden("Password for " + o.user + " on " + o.server + ": ");
    if (!p) return Fail("no password given", kExitUsage);
    password = *p;
  } else if (!std::getline(std::cin, password)) {
    return Fail("no password on standard input (one line expected)", kExitUsage);
  }
  if (!password.empty() && password.back() == '\r') password.pop_back();
  session.LogIn(password);

  std::vector<fs::path> all = paths;
  std::string scan_error;
  if (scan) {
    auto scanned = scan();
    if (!scanned.ok()) {
      scan_error = scanned.error().message;
    } else {
      all.insert(all.end(), scanned->begin(), scanned->end());
    }
  }
  Outcome total;
  if (!all.empty()) {
    std::vector<LocalFile> files;
    for (const auto& p : all) files.push_back(Hash(p));
    total = SendAndRead(session, o, files, !o.quiet);
    if (total.failed) return Fail(total.error);
  }
  // The watched folder, until Ctrl-C: each file sent and read on its own, its line printed.
  if (!o.watch.empty() && !(o.stop && *o.stop)) {
    scanner::FolderWatcher watcher(o.watch, scanner::WatchOptions{.settle_s = o.settle_s,
                                                                  .give_up_s = std::max(60.0, 10 * o.settle_s)});
    std::cout << "Watching " << o.watch << " (Ctrl-C to stop), sending to " << o.server << "\n" << std::flush;
    const auto interval = std::chrono::duration<double>(std::clamp(o.settle_s / 2, 0.1, 1.0));
    StationOptions one = o;
    one.quiet = true;
    while (!(o.stop && *o.stop)) {
      for (const auto& file : watcher.Poll()) {
        if (o.stop && *o.stop) break;
        Outcome got = SendAndRead(session, one, {Hash(file)}, false);
        if (got.failed) return Fail(got.error);
        total.summary += got.summary;
        if (got.status) total.status = got.status;
        std::error_code ec;
        fs::path shown = fs::relative(file, o.watch, ec);
        std::cout << pipeline::FormatFileLine((ec || shown.empty() ? file : shown).string(), got.summary) << "\n"
                  << std::flush;
      }
      const auto until = std::chrono::steady_clock::now() + interval;
      while (!(o.stop && *o.stop) && std::chrono::steady_clock::now() < until)
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    PrintNotReadYet(watcher, o.watch);
  }
  std::cout << pipeline::FormatSummary(total.summary, total.status ? &*total.status : nullptr) << std::flush;
  if (!scan_error.empty()) return Fail(scan_error);
  if (!o.watch.empty()) return kExitOk;  // watching ends by Ctrl-C: its normal end
  return pipeline::SummaryExitCode(total.summary);
}

}  // namespace

int RunStation(const StationOptions& options, const std::vector<fs::path>& files,
               const std::function<core::Result<std::vector<fs::path>>()>& scan) {
  StationOptions o = options;
  if (o.station.empty()) o.station = HostName();
  try {
    return Run(o, files, scan);
  } catch (const StationError& e) {
    return Fail(e.message, e.code);
  } catch (const nlohmann::json::exception& e) {
    return Fail(o.server + ": unexpected answer (" + e.what() + ")", kExitFailed);
  }
}

}  // namespace phieu::app
