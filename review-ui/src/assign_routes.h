// Copyright 2026 The Phiếu Authors
// SPDX-License-Identifier: Apache-2.0
// The clerk's desk, unidentified pages by hand (assign_routes.cpp; docs/api.md, "Clerk desk").
#pragma once

#include <vector>

#include "routes.h"

namespace phieu::review {

/// GET /api/desk/unidentified/{page}/image, POST /api/desk/unidentified/{page}/assign,
/// POST /api/desk/unidentified/{page}/set-aside: clerk or admin; a reviewer gets 403. The
/// assignment runs through `context.pages` (AssignStoredPage), which takes the writer lock only
/// to write; a page assigned or set aside by someone else meanwhile is 409 "changed".
std::vector<RouteSpec> AssignRoutes(RouteContext context);

}  // namespace phieu::review
