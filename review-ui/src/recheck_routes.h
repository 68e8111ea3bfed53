// Copyright 2026 The Phiếu Authors
// SPDX-License-Identifier: Apache-2.0
// The re-check (phúc tra) endpoints (docs/api.md, "Re-check"). They are plain handlers over a
// small call record so that server.cpp only appends them to its route table: the server still
// does every check (route, Origin, session, role, CSRF, content type) before one runs.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "json_views.h"
#include "store/store.h"

namespace phieu::review {

/// What a handler sees of the request.
struct ExtraCall {
  store::Store& store;
  const std::string& user;
  const std::string& address;
  const std::vector<std::string>& args;  ///< the {} segments of the pattern, in order.
  const std::string& body;               ///< raw request body (JSON when not empty).
  std::string query_window;              ///< the ?window= parameter ("" when absent).
};

/// A handler's answer: `status` 204 sends no body.
struct ExtraReply {
  int status = 200;
  Json body;
};

/// Thrown by a handler for a refusal: becomes {"error": message, "code": code} with `status`.
struct ExtraError {
  int status;
  std::string message;
  std::string code;
};

enum class ExtraRoles { kReviewers, kAdmin, kEveryone };

struct ExtraRoute {
  const char* method;
  const char* pattern;  ///< as the server's route table: "{}" matches one segment.
  ExtraRoles roles;
  bool changes;         ///< state-changing: the server requires X-CSRF-Token.
  std::function<ExtraReply(ExtraCall&)> handler;
};

/// The re-check's routes (and the desk's speed figures); a blind-entry lease lasts
/// `lease_seconds`.
std::vector<ExtraRoute> RecheckRoutes(int lease_seconds);

}  // namespace phieu::review
