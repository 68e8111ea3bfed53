// Copyright 2026 The Phiếu Authors
// SPDX-License-Identifier: Apache-2.0
// The clerk's desk, continued (conflict_routes.cpp; docs/api.md "Clerk desk"): conflicts side
// by side and their three resolutions, page images by page id, and the progress roll-up per
// parent unit. Clerk or admin; a reviewer gets 403.
#pragma once

#include <vector>

#include "routes.h"

namespace phieu::review {

/// GET /api/desk/conflicts, POST /api/desk/conflicts/{page}/resolve,
/// GET /api/desk/pages/{page}/image.
std::vector<RouteSpec> ConflictRoutes(RouteContext context);

/// Per parent unit, the sums over every unit below it (at any depth, and its own counts when
/// the parent is itself a unit): quota, allocated, scanned, complete, needs_review,
/// incomplete, share_complete; `units` is the "units" array of GET /api/desk/progress. The
/// units that are behind first.
Json RollUpParents(const Json& units, const std::vector<store::Unit>& all);

}  // namespace phieu::review
