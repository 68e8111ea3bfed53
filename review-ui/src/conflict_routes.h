// Copyright 2026 The Phiếu Authors
// SPDX-License-Identifier: Apache-2.0
// The clerk's desk, continued (conflict_routes.cpp; docs/api.md "Clerk desk"): conflicts side
// by side and their three resolutions, page images by page id. Clerk or admin; a reviewer gets
// 403.
#pragma once

#include <vector>

#include "routes.h"

namespace phieu::review {

/// GET /api/desk/conflicts, POST /api/desk/conflicts/{page}/resolve,
/// GET /api/desk/pages/{page}/image.
std::vector<RouteSpec> ConflictRoutes(RouteContext context);

}  // namespace phieu::review
