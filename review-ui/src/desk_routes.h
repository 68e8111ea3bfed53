// Copyright 2026 The Phiếu Authors
// SPDX-License-Identifier: Apache-2.0
// The clerk's desk (desk_routes.cpp; docs/api.md, "Clerk desk"): unidentified pages, sheets
// with missing pages, progress per unit and its roll-up per parent unit.
#pragma once

#include <vector>

#include "routes.h"

namespace phieu::review {

/// GET /api/desk/unidentified, …/unidentified/{page}/thumbnail, /api/desk/missing,
/// /api/desk/progress: clerk or admin.
std::vector<RouteSpec> DeskRoutes();

/// Per parent unit, the sums over every unit below it (at any depth, and its own counts when
/// the parent is itself a unit): quota, allocated, scanned, complete, needs_review,
/// incomplete, share_complete; `units` is the "units" array of GET /api/desk/progress. The
/// units that are behind first.
Json RollUpParents(const Json& units, const std::vector<store::Unit>& all);

}  // namespace phieu::review
