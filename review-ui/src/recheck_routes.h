// Copyright 2026 The Phiếu Authors
// SPDX-License-Identifier: Apache-2.0
// The re-check (phúc tra) endpoints (docs/api.md, "Re-check"), in the one route shape of
// routes.h: server.cpp appends them to its route table, so every check (route, Origin,
// session, role, CSRF, content type) still runs before one of them.
#pragma once

#include <vector>

#include "routes.h"

namespace phieu::review {

/// The re-check's routes (and the desk's speed figures); a blind-entry lease lasts
/// `context.lease_seconds`.
std::vector<RouteSpec> RecheckRoutes(RouteContext context);

}  // namespace phieu::review
