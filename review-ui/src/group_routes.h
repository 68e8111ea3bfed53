// Copyright 2026 The Phiếu Authors
// SPDX-License-Identifier: Apache-2.0
// Group verification and the sheet view (docs/api.md, "Group verification", "Sheet view"). Plain
// handlers over a small call record: server.cpp appends them to its single route table, so every
// check (route, Origin, session, role, CSRF, content type) still runs before one of them.
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
struct DeskCall {
  store::Store& store;
  const std::string& user;
  const std::string& address;
  const std::vector<std::string>& args;                ///< the {} segments of the pattern.
  const std::multimap<std::string, std::string>& params;  ///< the query string.
  const std::string& body;                             ///< raw body (JSON when not empty).
};

/// A handler's answer: JSON `body`, or `bytes` of `content_type` when that is set; 204 = empty.
struct DeskReply {
  int status = 200;
  Json body;
  std::string content_type;
  std::vector<unsigned char> bytes;
};

/// Thrown by a handler for a refusal: {"error": message, "code": code} with `status`.
struct DeskError {
  int status;
  std::string message;
  std::string code;
};

enum class DeskRoles { kReviewers, kClerks, kEveryone };  ///< kClerks = clerk or admin.

struct DeskRoute {
  const char* method;
  const char* pattern;  ///< as the server's route table: "{}" matches one segment.
  DeskRoles roles;
  bool changes;         ///< state-changing: the server requires X-CSRF-Token.
  std::function<DeskReply(DeskCall&)> handler;
  /// Largest request body this route takes; 0 = ServeOptions::max_body_bytes (a station's
  /// upload chunk is larger).
  std::size_t max_body_bytes = 0;
};

/// What the handlers share with the server: its writer lock (held around every store write)
/// and the page source (null: crops that were not kept are 503).
struct DeskContext {
  std::mutex& write_mu;
  PageImageSource* pages;
};

/// GET /api/group/fields, GET /api/group/readings, POST /api/group/confirm,
/// GET /api/readings/{id}/crop, GET /api/sheets/{serial}/fields,
/// POST /api/sheets/{serial}/fields/{field}/decision.
std::vector<DeskRoute> GroupRoutes(DeskContext context);

/// GET /api/desk/unidentified, …/unidentified/{page}/thumbnail, /api/desk/missing,
/// /api/desk/progress: the clerk's desk (desk_routes.cpp), clerk or admin.
std::vector<DeskRoute> DeskRoutes();

/// Most crops on one group screen.
constexpr int kGroupScreen = 48;

}  // namespace phieu::review
