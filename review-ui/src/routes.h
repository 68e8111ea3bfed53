// Copyright 2026 The Phiếu Authors
// SPDX-License-Identifier: Apache-2.0
// The one shape of a route outside server.cpp (the re-check, group verification, the sheet
// view, the clerk's desk): a plain handler over a small call record. server.cpp appends every
// RouteSpec to its single route table in one loop, so every check (route, Origin, session, role,
// CSRF, content type) still runs before a handler, and a handler never sees httplib.
#pragma once

#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "json_views.h"
#include "review-ui/review.h"
#include "store/store.h"

namespace phieu::review {

/// What a handler sees of the request.
struct RouteCall {
  store::Store& store;
  const std::string& user;
  const std::string& address;
  const std::vector<std::string>& args;                   ///< the {} segments of the pattern, in order.
  const std::multimap<std::string, std::string>& params;  ///< the query string.
  const std::string& body;                                ///< raw body (JSON when not empty).
};

/// A handler's answer: JSON `body`, or `bytes` of `content_type` when that is set; 204 = empty.
struct RouteReply {
  RouteReply(int code = 200, Json json = {}, std::string type = {}, std::vector<unsigned char> data = {})
      : status(code), body(std::move(json)), content_type(std::move(type)), bytes(std::move(data)) {}
  int status;
  Json body;
  std::string content_type;
  std::vector<unsigned char> bytes;
};

/// Thrown by a handler for a refusal: {"error": message, "code": code} with `status`.
struct RouteError {
  int status;
  std::string message;
  std::string code;
};

/// Who may call a route. kClerks = clerk or admin; kReviewers = reviewer or admin.
enum class RouteRoles { kReviewers, kClerks, kAdmin, kEveryone };

struct RouteSpec {
  const char* method;
  const char* pattern;  ///< as the server's route table: "{}" matches one segment.
  RouteRoles roles;
  bool changes;         ///< state-changing: the server requires X-CSRF-Token.
  std::function<RouteReply(RouteCall&)> handler;
  /// Largest request body this route takes; 0 = ServeOptions::max_body_bytes (a station's
  /// upload chunk is larger).
  std::size_t max_body_bytes = 0;
};

/// What handlers share with the server: its writer lock (held around every store write), the
/// page source (null: crops that were not kept are 503) and how long a lease lasts.
struct RouteContext {
  std::mutex& write_mu;
  PageImageSource* pages;
  int lease_seconds = 600;
};

// Small helpers every route file needs; each throws RouteError 400 (or 500, logged) itself.

/// Digits only, no sign, at most 18 of them, > 0; else 400 "bad WHAT: ...".
std::int64_t RouteId(const std::string& s, const char* what);
/// Letters, digits, _ . - (1-64 of them): a field, template or option id; else 400 "bad WHAT".
std::string RouteName(const std::string& s, const char* what);
/// The body as a JSON object ({} when empty); else 400.
Json RouteBody(const std::string& body);
/// The query parameter `name`; 400 when it is missing.
std::string RouteParam(const RouteCall& c, const char* name);
/// Logs `what` and the error's message, then throws 500 "internal error".
[[noreturn]] void RouteFail(const core::Error& e, const char* what);

template <typename T>
T RouteMust(core::Result<T> r, const char* what) {
  if (!r.ok()) RouteFail(r.error(), what);
  return std::move(r).value();
}
inline void RouteMust(const core::Status& s, const char* what) {
  if (!s.ok()) RouteFail(s.error(), what);
}

/// A person's value for a field of `kind` from a request body: {"value": V} (ParseValue) or
/// {"illegible": true}; "illegible", when sent, must be true or false. RouteError 400 otherwise.
store::FieldValue RoutePersonValue(core::FieldKind kind, const Json& body);

/// 403 {"code": "blind"} when `user` may still enter `serial` blind in the re-check (the sheet
/// is drawn, not yet entered, and `user` decided none of its fields): nothing may show them
/// its values (docs/api.md, "Re-check").
void RefuseBlind(store::Store& store, const std::string& user, core::Serial serial);

}  // namespace phieu::review
