// Copyright 2026 The Phiếu Authors
// SPDX-License-Identifier: Apache-2.0
#include "routes.h"

#include <algorithm>
#include <charconv>
#include <iostream>

namespace phieu::review {

std::int64_t RouteId(const std::string& s, const char* what) {
  std::int64_t v = 0;
  const bool digits = !s.empty() && s.size() <= 18 &&
                      std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
  if (digits) std::from_chars(s.data(), s.data() + s.size(), v);
  if (!digits || v <= 0) throw RouteError{400, std::string("bad ") + what + ": expected a positive whole number", ""};
  return v;
}

std::string RouteName(const std::string& s, const char* what) {
  const bool ok = !s.empty() && s.size() <= 64 && std::all_of(s.begin(), s.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
           c == '.' || c == '-';
  });
  if (!ok) throw RouteError{400, std::string("bad ") + what, ""};
  return s;
}

Json RouteBody(const std::string& body) {
  if (body.empty()) return Json::object();
  Json j = Json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object()) throw RouteError{400, "the request body is not a JSON object", ""};
  return j;
}

std::string RouteParam(const RouteCall& c, const char* name) {
  auto it = c.params.find(name);
  if (it == c.params.end()) throw RouteError{400, std::string("missing parameter \"") + name + "\"", ""};
  return it->second;
}

void RouteFail(const core::Error& e, const char* what) {
  std::cerr << "phieu serve: " << what << ": " << e.message << "\n";
  throw RouteError{500, "internal error", ""};
}

store::FieldValue RoutePersonValue(core::FieldKind kind, const Json& body) {
  store::FieldValue out;
  if (auto it = body.find("illegible"); it != body.end()) {
    if (!it->is_boolean()) throw RouteError{400, "\"illegible\" must be true or false", ""};
    out.illegible = it->get<bool>();
  }
  if (out.illegible) return out;
  auto it = body.find("value");
  if (it == body.end()) throw RouteError{400, "send {\"value\": VALUE} or {\"illegible\": true}", ""};
  std::string error;
  if (!ParseValue(kind, *it, out, error)) throw RouteError{400, error, ""};
  return out;
}

void RefuseBlind(store::Store& store, const std::string& user, core::Serial serial) {
  if (RouteMust(store.IsBlindTo(serial, user), "blind check"))
    throw RouteError{403,
                     "sheet " + std::to_string(serial) +
                         " waits for its blind re-check entry, which you may make: its values are "
                         "not shown to you until that entry is in",
                     "blind"};
}

}  // namespace phieu::review
