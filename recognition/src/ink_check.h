// Copyright 2026 The Phiếu Authors
// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <vector>

#include <opencv2/core.hpp>

#include "box_reader.h"
#include "core/geometry.h"

namespace phieu::recognition {

/// One 8-connected group of pixels darker than the ink threshold.
struct InkBlob {
  float mass = 0.0f;  ///< sum of normalised darkness: survives blur, unlike the pixel count.
  int area = 0;       ///< pixels.
  float peak = 0.0f;  ///< darkest pixel.
  /// Mean darkness gradient over the component (2 px central differences), relative to its
  /// peak: strokes have steep flanks (~0.3 and up), a smudge or eraser residue a gentle slope.
  float sharpness = 0.0f;
  /// Length of the component along its main axis, px: sqrt(12 * largest eigenvalue of the
  /// pixel covariance), which is the exact length of a thin straight stroke. A dust speck of
  /// diameter D measures ~0.9 D, a pencil slash its length however light it is.
  float length = 0.0f;
  /// Mean darkness of the component's darkest `length` pixels (at least 3): the darkness along
  /// the ridge of a stroke, averaged over its length. Unlike `peak`, a single noise spike does
  /// not lift it, so it measures how dark the pen or graphite is rather than how noisy the scan.
  float ridge = 0.0f;
};

/// Components of `dark` (w x h, row-major, normalised darkness) above `threshold`.
std::vector<InkBlob> FindInkBlobs(const float* dark, int w, int h, float threshold);

/// Hysteresis variant: components of pixels above `grow`, kept only when one of their pixels
/// exceeds `seed`. A light stroke whose grainy trace dips under the seed level stays one
/// component instead of breaking into specks; noise never reaches the seed level.
std::vector<InkBlob> FindInkBlobs(const float* dark, int w, int h, float seed, float grow);

}  // namespace phieu::recognition
