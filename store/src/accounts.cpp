// Copyright 2026 The Phiếu Authors
// SPDX-License-Identifier: Apache-2.0
//
// Logins (the `phieu serve` side).

#include "sqlite_store.h"

namespace phieu::store {

std::string_view RoleName(Role role) {
  switch (role) {
    case Role::kAdmin: return "admin";
    case Role::kReviewer: return "reviewer";
    case Role::kClerk: return "clerk";
  }
  return "reviewer";
}

std::optional<Role> ParseRole(std::string_view name) {
  if (name == "admin") return Role::kAdmin;
  if (name == "reviewer") return Role::kReviewer;
  if (name == "clerk") return Role::kClerk;
  return std::nullopt;
}

}  // namespace phieu::store
