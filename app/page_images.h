// Copyright 2026 The Phiếu Authors
// SPDX-License-Identifier: Apache-2.0
// The review server's page images (the Z view), made here because they need the scanner and
// OpenCV, which the review stage never links.
#pragma once

#include "review-ui/review.h"

namespace phieu::app {

/// Decodes the stored original scan of a sheet page (Store::LoadPageSource), warps it upright
/// onto the printed page at the asked resolution and encodes it as JPEG (quality 80). Keeps the
/// last few images (a reviewer flips Z on and off). Cuts a region of the same page as PNG
/// (RenderRegionPng). Thread-safe.
std::unique_ptr<review::PageImageSource> MakePageImageSource();

}  // namespace phieu::app
