// Copyright 2026 The Phiếu Authors
// SPDX-License-Identifier: Apache-2.0
// Group verification and the sheet view (group_routes.cpp; docs/api.md, "Group verification",
// "Sheet view"): a route list in the one shape of routes.h, which server.cpp appends to its
// single route table.
#pragma once

#include <vector>

#include "routes.h"

namespace phieu::review {

/// GET /api/group/fields, GET /api/group/readings (leases the open items it shows),
/// POST /api/group/release, POST /api/group/confirm, GET /api/readings/{id}/crop,
/// GET /api/sheets/{serial}/fields, POST /api/sheets/{serial}/fields/{field}/decision.
std::vector<RouteSpec> GroupRoutes(RouteContext context);

/// Most crops on one group screen.
constexpr int kGroupScreen = 48;

}  // namespace phieu::review
