// Copyright 2026 The Phiếu Authors
// SPDX-License-Identifier: Apache-2.0
// The review server: one dispatch function in front of a route table (docs/api.md). Every
// request goes through the same checks in the same order: route, Origin, session, role, CSRF,
// content type; then the handler runs inside a try/catch so no exception text ever leaves.
#include <httplib.h>

#include <atomic>
#include <charconv>
#include <chrono>
#include <cstdio>
#include <condition_variable>
#include <iostream>
#include <mutex>
#include <thread>

#include "assign_routes.h"
#include "conflict_routes.h"
#include "desk_routes.h"
#include "group_routes.h"
#include "json_views.h"
#include "layout_cache.h"
#include "recheck_routes.h"
#include "routes.h"
#include "review-ui/review.h"
#include "sessions.h"
#include "station_routes.h"
#include "store_pool.h"

namespace phieu::review {
namespace {

constexpr const char* kCookieName = "phieu_session";
constexpr const char* kJsonType = "application/json; charset=utf-8";
constexpr int kMaxExclude = 20;
constexpr int kDefaultHistory = 50;
constexpr int kMaxHistory = 500;
constexpr std::int64_t kMaxPage = 1000;

// Content-Security-Policy: scripts and styles only from this server, no inline script, no
// framing. img-src allows blob: and data: for crops drawn through canvas.
constexpr const char* kCsp =
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; "
    "connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; "
    "form-action 'self'; frame-ancestors 'none'";

/// Which roles may make a call: one bit per store::Role, 0 = no session needed.
using RoleMask = unsigned;
constexpr RoleMask Bit(store::Role r) { return 1u << static_cast<unsigned>(r); }
constexpr RoleMask kPublic = 0;
constexpr RoleMask kEveryone =
    Bit(store::Role::kAdmin) | Bit(store::Role::kReviewer) | Bit(store::Role::kClerk);
constexpr RoleMask kReviewers = Bit(store::Role::kAdmin) | Bit(store::Role::kReviewer);

/// An answer with a status, for handlers to throw when a request cannot go on.
struct HttpError {
  HttpError(int s, std::string m, std::string c = "")
      : status(s), message(std::move(m)), code(std::move(c)) {}
  int status;
  std::string message;
  std::string code;  ///< optional machine code ("stale", "leased").
};

struct Call {
  const httplib::Request& req;
  httplib::Response& res;
  store::Store& store;
  SessionInfo session;
  std::vector<std::string> args;  ///< the {} segments of the route, in order.
};

using Handler = std::function<void(Call&)>;

struct Route {
  const char* method;
  const char* pattern;  ///< "/api/review/items/{}/decision": {} matches one segment.
  RoleMask roles;
  bool changes;         ///< state-changing: needs X-CSRF-Token (login excepted: no session yet).
  Handler handler;
  std::size_t max_body = 0;  ///< largest body taken; 0 = ServeOptions::max_body_bytes.
};

std::vector<std::string> Split(const std::string& path) {
  std::vector<std::string> out;
  std::size_t start = 1;
  while (start <= path.size()) {
    std::size_t slash = path.find('/', start);
    if (slash == std::string::npos) slash = path.size();
    out.push_back(path.substr(start, slash - start));
    start = slash + 1;
  }
  return out;
}

void SendJson(httplib::Response& res, int status, const Json& body) {
  res.status = status;
  res.set_content(body.dump(), kJsonType);
}

void SendError(httplib::Response& res, int status, const std::string& message,
               const std::string& code = "") {
  Json body{{"error", message}};
  if (!code.empty()) body["code"] = code;
  SendJson(res, status, body);
}

/// Digits only, no sign, at most 18 of them, > 0.
std::int64_t ParseId(const std::string& s, const char* what) {
  std::int64_t v = 0;
  const bool digits = !s.empty() && s.size() <= 18 &&
                      std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
  if (digits) std::from_chars(s.data(), s.data() + s.size(), v);
  if (!digits || v <= 0) throw HttpError{400, std::string("bad ") + what + ": expected a positive whole number"};
  return v;
}

std::string ParseFieldId(const std::string& s) {
  const bool ok = !s.empty() && s.size() <= 64 && std::all_of(s.begin(), s.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           c == '_' || c == '.' || c == '-';
  });
  if (!ok) throw HttpError{400, "bad field id"};
  return s;
}

Json ParseBody(const httplib::Request& req) {
  if (req.body.empty()) return Json::object();
  Json j = Json::parse(req.body, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object()) throw HttpError{400, "the request body is not a JSON object"};
  return j;
}

int RequireVersion(const Json& body) {
  auto it = body.find("version");
  if (it == body.end() || !it->is_number_integer() || it->get<long long>() < 0 ||
      it->get<long long>() > 1'000'000'000)
    throw HttpError{400, "\"version\" must be the item's version (a whole number)"};
  return static_cast<int>(it->get<long long>());
}

std::string CookieToken(const httplib::Request& req) {
  const std::string cookies = req.get_header_value("Cookie");
  const std::string key = std::string(kCookieName) + "=";
  std::size_t pos = 0;
  while (pos < cookies.size()) {
    while (pos < cookies.size() && (cookies[pos] == ' ' || cookies[pos] == ';')) ++pos;
    std::size_t end = cookies.find(';', pos);
    if (end == std::string::npos) end = cookies.size();
    if (cookies.compare(pos, key.size(), key) == 0) return cookies.substr(pos + key.size(), end - pos - key.size());
    pos = end;
  }
  return "";
}

std::string Lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

/// A decision outcome other than kRecorded, as an HttpError.
HttpError OutcomeError(const store::DecisionResult& r) {
  switch (r.outcome) {
    case store::DecisionOutcome::kStale:
      return {409, r.message.empty() ? "this item was changed by someone else since you opened it" : r.message, "stale"};
    case store::DecisionOutcome::kLeasedToOther:
      return {409, r.message.empty() ? "another reviewer is working on this item" : r.message, "leased"};
    case store::DecisionOutcome::kNotFound:
      return {404, "no such review item"};
    case store::DecisionOutcome::kInvalid:
      return {400, r.message.empty() ? "the value does not fit this field" : r.message};
    case store::DecisionOutcome::kRecorded:
      break;
  }
  return {500, "internal error"};
}

/// RefuseBlind (routes.h) as an HttpError: 403 "blind" when `user` may still enter `serial`
/// blind in the re-check.
void RefuseBlindSheet(store::Store& store, const std::string& user, core::Serial serial) {
  try {
    RefuseBlind(store, user, serial);
  } catch (const RouteError& e) {
    throw HttpError{e.status, e.message, e.code};
  }
}

class ServerImpl final : public Server {
 public:
  ServerImpl(const ServeOptions& options, PageImageSource* pages, IngestRunner* ingest,
             std::unique_ptr<store::Store> first_store)
      : options_(options),
        pages_(pages),
        stores_(options.db, std::move(first_store)),
        sessions_(std::chrono::minutes(options.session_idle_minutes)),
        limiter_(std::chrono::seconds(options.login_window_seconds), options.max_failures_per_user,
                 options.max_failures_per_address),
        stations_(options.db, write_mu_, ingest) {
    BuildRoutes();
  }
  ~ServerImpl() override { Stop(); }

  core::Status Listen() {
    const int threads = std::max(1, options_.threads);
    http_.new_task_queue = [threads] { return new httplib::ThreadPool(threads); };
    http_.set_tcp_nodelay(true);  // STACK.md gotcha 1: without it every request waits ~27 ms.
    http_.set_read_timeout(options_.read_timeout_seconds, 0);
    http_.set_write_timeout(options_.write_timeout_seconds, 0);
    http_.set_keep_alive_timeout(options_.keep_alive_seconds);
    http_.set_keep_alive_max_count(100);
    // Scan stations send chunks larger than other bodies: httplib takes up to a chunk, and
    // Dispatch holds every other route to max_body_bytes.
    http_.set_payload_max_length(std::max(options_.max_body_bytes, kStationChunkMaxBytes));
    http_.set_default_headers({{"Content-Security-Policy", kCsp},
                               {"X-Content-Type-Options", "nosniff"},
                               {"X-Frame-Options", "DENY"},
                               {"Referrer-Policy", "no-referrer"},
                               {"Cross-Origin-Opener-Policy", "same-origin"},
                               {"Cross-Origin-Resource-Policy", "same-origin"}});
    auto dispatch = [this](const httplib::Request& req, httplib::Response& res) { Dispatch(req, res); };
    // Every path and method goes to Dispatch, which routes from routes_ (404/405 itself).
    http_.Get(".*", dispatch);
    http_.Post(".*", dispatch);
    http_.Put(".*", dispatch);
    http_.Delete(".*", dispatch);
    http_.Patch(".*", dispatch);
    http_.Options(".*", dispatch);
    // httplib's own refusals (413 too large, 400 malformed, 404 for other methods) get a JSON
    // body too; our answers already have one and are left alone.
    http_.set_error_handler(httplib::Server::HandlerWithResponse(
        [](const httplib::Request&, httplib::Response& res) {
      if (!res.body.empty()) return httplib::Server::HandlerResponse::Unhandled;
      const char* msg = res.status == 413   ? "request too large"
                        : res.status == 404 ? "not found"
                        : res.status == 405 ? "method not allowed"
                                            : "bad request";
      SendError(res, res.status, msg);
      return httplib::Server::HandlerResponse::Handled;
    }));
    http_.set_exception_handler([](const httplib::Request& req, httplib::Response& res, std::exception_ptr) {
      std::cerr << "phieu serve: " << req.method << " " << req.path << ": unexpected exception\n";
      SendError(res, 500, "internal error");
    });
    if (options_.log_requests)
      http_.set_logger([](const httplib::Request& req, const httplib::Response& res) {
        std::cerr << req.remote_addr << " " << req.method << " " << req.path << " " << res.status << "\n";
      });

    bool bound = false;
    if (options_.port == 0) {
      port_ = http_.bind_to_any_port(options_.bind);
      bound = port_ > 0;
    } else {
      bound = http_.bind_to_port(options_.bind, options_.port);
      port_ = options_.port;
    }
    if (!bound)
      return core::MakeError("io", "cannot listen on " + options_.bind + ":" +
                                       std::to_string(options_.port) +
                                       " (address not available, or the port is in use)");
    thread_ = std::thread([this] {
      http_.listen_after_bind();
      std::lock_guard lock(mu_);
      stopped_ = true;
      cv_.notify_all();
    });
    // listen_after_bind sets is_running() as it enters its accept loop (no wait_until_ready in 0.11).
    for (int i = 0; i < 2000 && !http_.is_running(); ++i) {
      {
        std::lock_guard lock(mu_);
        if (stopped_) break;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    return {};
  }

  int port() const override { return port_; }

  void Stop() override {
    std::lock_guard lock(stop_mu_);
    if (thread_.joinable()) {
      http_.stop();
      thread_.join();
    }
    stations_.Stop();
  }

  void Wait() override {
    std::unique_lock lock(mu_);
    cv_.wait(lock, [this] { return stopped_; });
  }

 private:
  void BuildRoutes();
  void Dispatch(const httplib::Request& req, httplib::Response& res);
  void ServeAsset(const httplib::Request& req, httplib::Response& res);
  std::shared_ptr<const templates::Layout> LayoutOf(store::Store& store, const store::SheetRecord& sheet);
  store::SheetRecord LoadSheet(Call& c);

  // Handlers (docs/api.md).
  void Login(Call& c);
  void Logout(Call& c);
  void Next(Call& c);
  void Decide(Call& c);
  void Undo(Call& c);

  template <typename T>
  T Must(core::Result<T> r, const char* what) {
    if (!r.ok()) {
      std::cerr << "phieu serve: " << what << ": " << r.error().message << "\n";
      throw HttpError{500, "internal error"};
    }
    return std::move(r).value();
  }
  void Must(const core::Status& s, const char* what) {
    if (!s.ok()) {
      std::cerr << "phieu serve: " << what << ": " << s.error().message << "\n";
      throw HttpError{500, "internal error"};
    }
  }

  ServeOptions options_;
  PageImageSource* pages_;
  StorePool stores_;
  LayoutCache layouts_;
  SessionTable sessions_;
  LoginLimiter limiter_;
  std::vector<Route> routes_;
  /// Held around every store call that writes (lease, decision, undo, release). SQLite lets one
  /// writer in at a time; without this, workers of this process contend inside SQLite, whose busy
  /// handler sleeps in steps of up to 100 ms (p99 of `decision` with 8 reviewers: ~180 ms).
  /// A mutex wakes the next writer at once. Other processes (an ingest) still meet the busy wait.
  std::mutex write_mu_;
  /// Scan stations: the spool and the ingest thread (uses write_mu_, so declared after it).
  StationService stations_;
  std::once_flag dummy_once_;
  std::string dummy_hash_;  ///< checked for unknown names, so they take as long as known ones.

  httplib::Server http_;
  int port_ = 0;
  std::thread thread_;
  std::mutex stop_mu_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stopped_ = false;
};

void ServerImpl::BuildRoutes() {
  auto item_id = [](Call& c) { return ParseId(c.args.at(0), "item id"); };
  routes_ = {
      {"POST", "/api/login", kPublic, true, [this](Call& c) { Login(c); }},
      {"POST", "/api/logout", kEveryone, true, [this](Call& c) { Logout(c); }},
      {"GET", "/api/me", kEveryone, false,
       [](Call& c) {
         SendJson(c.res, 200, {{"user", c.session.user},
                               {"role", std::string(store::RoleName(c.session.role))},
                               {"csrf", c.session.csrf}});
       }},
      {"GET", "/api/review/next", kReviewers, false, [this](Call& c) { Next(c); }},
      {"GET", "/api/review/queue", kReviewers, false,
       [this](Call& c) {
         auto q = Must(c.store.CountReviewQueue(c.session.user), "queue counts");
         SendJson(c.res, 200, {{"open", q.open}, {"leased_to_others", q.leased_to_others},
                               {"decided_by_me", q.decided_by_user}});
       }},
      {"GET", "/api/review/history", kReviewers, false,
       [this](Call& c) {
         int limit = kDefaultHistory;
         if (c.req.has_param("limit")) {
           const auto v = ParseId(c.req.get_param_value("limit"), "limit");
           if (v > kMaxHistory) throw HttpError{400, "bad limit: at most 500"};
           limit = static_cast<int>(v);
         }
         auto items = Must(c.store.ListDecidedItems(c.session.user, limit), "history");
         Json a = Json::array();
         for (const auto& it : items) a.push_back(ItemJson(it));
         SendJson(c.res, 200, {{"items", std::move(a)}});
       }},
      {"GET", "/api/review/items/{}", kReviewers, false,
       [this, item_id](Call& c) {
         auto item = Must(c.store.GetReviewItem(item_id(c)), "review item");
         if (!item) throw HttpError{404, "no such review item"};
         RefuseBlindSheet(c.store, c.session.user, item->serial);
         SendJson(c.res, 200, ItemJson(*item));
       }},
      {"GET", "/api/review/items/{}/crop", kReviewers, false,
       [this, item_id](Call& c) {
         auto item = Must(c.store.GetReviewItem(item_id(c)), "review item");
         if (!item) throw HttpError{404, "no such review item"};
         if (!item->has_crop) throw HttpError{404, "no crop was kept for this item"};
         auto png = Must(c.store.LoadCropPng(item->reading_id), "crop");
         if (png.empty()) throw HttpError{404, "no crop was kept for this item"};
         c.res.status = 200;
         c.res.set_content(reinterpret_cast<const char*>(png.data()), png.size(), "image/png");
       }},
      {"POST", "/api/review/items/{}/decision", kReviewers, true, [this](Call& c) { Decide(c); }},
      {"POST", "/api/review/items/{}/undo", kReviewers, true, [this](Call& c) { Undo(c); }},
      {"POST", "/api/review/items/{}/release", kReviewers, true,
       [this, item_id](Call& c) {
         std::lock_guard lock(write_mu_);
         Must(c.store.ReleaseLease(item_id(c), c.session.user), "release");
         c.res.status = 204;
       }},
      {"GET", "/api/sheets/{}", kEveryone, false,
       [this](Call& c) {
         auto sheet = LoadSheet(c);
         auto layout = LayoutOf(c.store, sheet);
         SendJson(c.res, 200, SheetJson(sheet, layout.get()));
       }},
      {"GET", "/api/sheets/{}/layout", kEveryone, false,
       [this](Call& c) {
         auto sheet = LoadSheet(c);
         auto layout = LayoutOf(c.store, sheet);
         if (!layout) throw HttpError{404, "the sheet's template is not registered in this survey"};
         SendJson(c.res, 200, LayoutJson(sheet, *layout));
       }},
      {"GET", "/api/sheets/{}/pages/{}", kEveryone, false,
       [this](Call& c) {
         const auto serial = ParseId(c.args.at(0), "serial");
         const auto page = ParseId(c.args.at(1), "page");
         if (page > kMaxPage) throw HttpError{400, "bad page: at most 1000"};
         if (!pages_) throw HttpError{503, "this server cannot show page images"};
         auto jpeg = pages_->RenderPageJpeg(c.store, serial, static_cast<int>(page), kPageImagePxPerMm);
         if (!jpeg.ok() && jpeg.error().code == "not_found") throw HttpError{404, "that page of that sheet was not scanned"};
         auto bytes = Must(std::move(jpeg), "page image");
         c.res.status = 200;
         c.res.set_content(reinterpret_cast<const char*>(bytes.data()), bytes.size(), "image/jpeg");
       }},
      {"GET", "/api/fields/{}/{}/history", kReviewers, false,
       [this](Call& c) {
         store::AuditFilter f;
         f.serial = ParseId(c.args.at(0), "serial");
         RefuseBlindSheet(c.store, c.session.user, *f.serial);
         f.field_id = ParseFieldId(c.args.at(1));
         f.limit = 200;
         auto rows = Must(c.store.ListAudit(f), "audit");
         Json a = Json::array();
         for (const auto& r : rows) a.push_back(AuditJson(r));
         SendJson(c.res, 200, {{"rows", std::move(a)}});
       }},
  };
  // The re-check (recheck_routes.cpp), group verification and the sheet view
  // (group_routes.cpp), the clerk's desk (desk_routes.cpp, conflict_routes.cpp, assign_routes.cpp), scan stations (station_routes.cpp): one shape (routes.h), behind the
  // same checks.
  const RouteContext context{write_mu_, pages_, options_.lease_seconds};
  for (const auto& list : {RecheckRoutes(context), GroupRoutes(context), DeskRoutes(), ConflictRoutes(context), AssignRoutes(context),
                          stations_.Routes()})
    for (const auto& x : list) {
      const RoleMask roles = x.roles == RouteRoles::kAdmin       ? Bit(store::Role::kAdmin)
                             : x.roles == RouteRoles::kReviewers ? kReviewers
                             : x.roles == RouteRoles::kClerks
                                 ? Bit(store::Role::kAdmin) | Bit(store::Role::kClerk)
                                 : kEveryone;
      routes_.push_back({x.method, x.pattern, roles, x.changes, [h = x.handler](Call& c) {
        RouteCall call{c.store, c.session.user, c.req.remote_addr, c.args, c.req.params, c.req.body};
        RouteReply r;
        try {
          r = h(call);
        } catch (const RouteError& e) {
          throw HttpError{e.status, e.message, e.code};
        }
        if (r.status == 204) {
          c.res.status = 204;
        } else if (!r.content_type.empty()) {
          c.res.status = r.status;
          c.res.set_content(reinterpret_cast<const char*>(r.bytes.data()), r.bytes.size(), r.content_type);
        } else {
          SendJson(c.res, r.status, r.body);
        }
      }, x.max_body_bytes});
    }
}

void ServerImpl::Dispatch(const httplib::Request& req, httplib::Response& res) {
  const auto start = std::chrono::steady_clock::now();
  const bool api = req.path.rfind("/api/", 0) == 0 || req.path == "/api";
  res.set_header("Cache-Control", api ? "no-store" : "no-cache");
  // The time spent in the server (checks, store, JSON), for the browser's devtools and the bench.
  struct Timing {
    httplib::Response& res;
    std::chrono::steady_clock::time_point start;
    ~Timing() {
      const double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
      char buf[48];
      std::snprintf(buf, sizeof buf, "app;dur=%.3f", ms);
      res.set_header("Server-Timing", buf);
    }
  } timing{res, start};
  try {
    if (!api) {
      ServeAsset(req, res);
      return;
    }
    // 1. Route: same number of segments, literals equal.
    const auto segs = Split(req.path);
    const Route* route = nullptr;
    bool path_known = false;
    std::vector<std::string> args;
    for (const auto& r : routes_) {
      const auto pat = Split(r.pattern);
      if (pat.size() != segs.size()) continue;
      std::vector<std::string> a;
      bool match = true;
      for (std::size_t i = 0; i < pat.size() && match; ++i) {
        if (pat[i] == "{}")
          a.push_back(segs[i]);
        else
          match = pat[i] == segs[i];
      }
      if (!match) continue;
      path_known = true;
      if (req.method == r.method || (req.method == "HEAD" && std::string(r.method) == "GET")) {
        route = &r;
        args = std::move(a);
        break;
      }
    }
    if (!route) throw HttpError{path_known ? 405 : 404, path_known ? "method not allowed" : "not found"};
    if (req.body.size() > (route->max_body ? route->max_body : options_.max_body_bytes))
      throw HttpError{413, "request too large"};

    // 2. Origin: a browser names the page that made the call; only this server's own pages may.
    if (req.has_header("Origin")) {
      const std::string expected = "http://" + Lower(req.get_header_value("Host"));
      if (Lower(req.get_header_value("Origin")) != expected)
        throw HttpError{403, "requests from another site are refused"};
    }

    auto lease = stores_.Acquire();
    Call call{req, res, lease.store(), {}, std::move(args)};

    // 3. Session and 4. role, from the route table.
    if (route->roles != kPublic) {
      auto session = sessions_.Touch(CookieToken(req));
      if (!session) throw HttpError{401, "please log in"};
      call.session = *session;
      if (!(route->roles & Bit(session->role)))
        throw HttpError{403, "your role (" + std::string(store::RoleName(session->role)) + ") may not do this"};
      // 5. CSRF: the token only a page of ours could have read from the login answer.
      if (route->changes && !ConstantTimeEquals(req.get_header_value("X-CSRF-Token"), session->csrf))
        throw HttpError{403, "missing or wrong X-CSRF-Token header"};
      // A login disabled since the session began ends it now.
      auto user = Must(call.store.FindUser(session->user), "user lookup");
      if (!user || user->disabled) {
        sessions_.RemoveUser(session->user);
        throw HttpError{401, "please log in"};
      }
    }
    // 6. A body must be JSON (a plain HTML form cannot send this content type cross-site).
    if (req.method == "POST" && !req.body.empty() &&
        Lower(req.get_header_value("Content-Type")).rfind("application/json", 0) != 0)
      throw HttpError{415, "send the body as application/json"};

    route->handler(call);
    if (res.status == -1) res.status = 200;
  } catch (const HttpError& e) {
    SendError(res, e.status, e.message, e.code);
  } catch (const std::exception& e) {
    std::cerr << "phieu serve: " << req.method << " " << req.path << ": " << e.what() << "\n";
    SendError(res, 500, "internal error");
  } catch (...) {
    std::cerr << "phieu serve: " << req.method << " " << req.path << ": unknown exception\n";
    SendError(res, 500, "internal error");
  }
}

void ServerImpl::ServeAsset(const httplib::Request& req, httplib::Response& res) {
  if (req.method != "GET" && req.method != "HEAD") throw HttpError{405, "method not allowed"};
  // Only exact names from the compiled-in table: nothing is read from disk, so no URL can
  // reach a file (`..`, encoded slashes and the like simply match no name).
  const std::string path = req.path == "/" ? "/index.html" : req.path;
  for (const auto& a : EmbeddedAssets()) {
    if (path == a.path) {
      res.status = 200;
      res.set_content(reinterpret_cast<const char*>(a.data), a.size, a.content_type);
      return;
    }
  }
  throw HttpError{404, "not found"};
}

std::shared_ptr<const templates::Layout> ServerImpl::LayoutOf(store::Store& store,
                                                              const store::SheetRecord& sheet) {
  auto layout = layouts_.Find(store, sheet.template_id, sheet.version);
  if (!layout.ok()) {
    std::cerr << "phieu serve: template layout: " << layout.error().message << "\n";
    throw HttpError{500, "internal error"};
  }
  return *layout;
}

store::SheetRecord ServerImpl::LoadSheet(Call& c) {
  const auto serial = ParseId(c.args.at(0), "serial");
  RefuseBlindSheet(c.store, c.session.user, serial);
  auto sheet = Must(c.store.GetSheet(serial), "sheet");
  if (!sheet) throw HttpError{404, "no page of this sheet was scanned"};
  return std::move(*sheet);
}

void ServerImpl::Login(Call& c) {
  const Json body = ParseBody(c.req);
  auto user_it = body.find("user");
  auto pass_it = body.find("password");
  if (user_it == body.end() || pass_it == body.end() || !user_it->is_string() ||
      !pass_it->is_string() || user_it->get_ref<const std::string&>().size() > 128 ||
      pass_it->get_ref<const std::string&>().size() > 1024)
    throw HttpError{400, "send {\"user\": NAME, \"password\": PASSWORD}"};
  const std::string name = user_it->get<std::string>();
  const std::string password = pass_it->get<std::string>();
  const std::string& address = c.req.remote_addr;
  if (limiter_.Blocked(name, address))
    throw HttpError{429, "too many failed logins: wait a few minutes and try again"};

  auto user = Must(c.store.FindUser(name), "user lookup");
  bool ok = false;
  if (user && !user->disabled) {
    ok = store::VerifyPassword(user->password_hash, password);
  } else {
    // Spend the same Argon2id time on an unknown name, so timing does not tell names apart.
    std::call_once(dummy_once_, [this] {
      auto h = store::HashPassword(RandomToken());
      if (h.ok()) dummy_hash_ = *h;
    });
    if (!dummy_hash_.empty()) (void)store::VerifyPassword(dummy_hash_, password);
  }
  if (!ok) {
    limiter_.RecordFailure(name, address);
    throw HttpError{401, "wrong user name or password"};
  }
  limiter_.RecordSuccess(name);
  SessionInfo info{.user = user->name, .role = user->role, .csrf = ""};
  const std::string token = sessions_.Create(info);
  c.res.set_header("Set-Cookie", std::string(kCookieName) + "=" + token +
                                     "; HttpOnly; SameSite=Strict; Path=/");
  SendJson(c.res, 200, {{"user", info.user},
                        {"role", std::string(store::RoleName(info.role))},
                        {"csrf", info.csrf}});
}

void ServerImpl::Logout(Call& c) {
  sessions_.Remove(CookieToken(c.req));
  c.res.set_header("Set-Cookie", std::string(kCookieName) +
                                     "=; HttpOnly; SameSite=Strict; Path=/; Max-Age=0");
  c.res.status = 204;
}

void ServerImpl::Next(Call& c) {
  std::vector<std::int64_t> exclude;
  const std::size_t n = c.req.get_param_value_count("exclude");
  for (std::size_t i = 0; i < n; ++i) {
    const std::string v = c.req.get_param_value("exclude", i);
    std::size_t start = 0;
    while (start <= v.size()) {
      std::size_t comma = v.find(',', start);
      if (comma == std::string::npos) comma = v.size();
      exclude.push_back(ParseId(v.substr(start, comma - start), "exclude id"));
      if (static_cast<int>(exclude.size()) > kMaxExclude) throw HttpError{400, "exclude: at most 20 ids"};
      start = comma + 1;
    }
  }
  std::optional<store::ReviewItemView> item;
  {
    // An item of a sheet this reviewer may still enter blind in the re-check is not theirs: the
    // store's lease query passes over it.
    std::lock_guard lock(write_mu_);
    item = Must(c.store.LeaseNextReviewItem(c.session.user, options_.lease_seconds, exclude, c.session.user),
                "next item");
  }
  if (!item) {
    c.res.status = 204;
    return;
  }
  SendJson(c.res, 200, ItemJson(*item));
}

void ServerImpl::Decide(Call& c) {
  const auto id = ParseId(c.args.at(0), "item id");
  const Json body = ParseBody(c.req);
  const int version = RequireVersion(body);
  auto item = Must(c.store.GetReviewItem(id), "review item");
  if (!item) throw HttpError{404, "no such review item"};
  RefuseBlindSheet(c.store, c.session.user, item->serial);
  store::ItemDecision d{.item_id = id, .version = version, .value = {}, .who = c.session.user,
                        .screen = "review", .address = c.req.remote_addr};
  try {
    d.value = RoutePersonValue(item->kind, body);
  } catch (const RouteError& e) {
    throw HttpError{e.status, e.message, e.code};
  }
  store::DecisionResult r;
  {
    std::lock_guard lock(write_mu_);
    r = Must(c.store.DecideReviewItem(d), "decision");
  }
  if (r.outcome != store::DecisionOutcome::kRecorded) throw OutcomeError(r);
  SendJson(c.res, 200, {{"id", id}, {"version", r.version}, {"status", "resolved"}});
}

void ServerImpl::Undo(Call& c) {
  const auto id = ParseId(c.args.at(0), "item id");
  const int version = RequireVersion(ParseBody(c.req));
  store::DecisionResult r;
  {
    std::lock_guard lock(write_mu_);
    r = Must(c.store.ReopenReviewItem(id, version, c.session.user, "review", c.req.remote_addr), "undo");
  }
  if (r.outcome != store::DecisionOutcome::kRecorded) throw OutcomeError(r);
  auto item = Must(c.store.GetReviewItem(id), "review item");
  if (!item) throw HttpError{404, "no such review item"};
  SendJson(c.res, 200, ItemJson(*item));
}

}  // namespace

core::Result<std::unique_ptr<Server>> Server::Start(const ServeOptions& options, PageImageSource* pages,
                                                    IngestRunner* ingest) {
  if (options.threads < 1 || options.threads > 256)
    return core::MakeError("usage", "--threads must be 1-256");
  if (options.lease_seconds < 1) return core::MakeError("usage", "the lease must last at least a second");
  std::error_code ec;
  if (!std::filesystem::exists(options.db, ec))
    return core::MakeError("io", options.db.string() + ": no such survey file");
  auto first = store::Store::Open(options.db, /*create=*/false);
  if (!first.ok()) return first.error();
  auto server = std::make_unique<ServerImpl>(options, pages, ingest, std::move(*first));
  if (auto s = server->Listen(); !s.ok()) return s.error();
  return std::unique_ptr<Server>(std::move(server));
}

}  // namespace phieu::review
