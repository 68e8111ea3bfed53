// Copyright 2026 The Phiếu Authors
// SPDX-License-Identifier: Apache-2.0
// Scanner damage for test images: the grain and JPEG round trip every synthetic scan gets.
#pragma once

#include <vector>

#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>

namespace phieu::testing {

/// Adds Gaussian grain of `sigma` gray levels to an 8-bit gray image, the same for a seed.
inline void AddGrain(cv::Mat& gray, double sigma, unsigned seed) {
  if (sigma <= 0) return;
  cv::Mat noise(gray.size(), CV_16SC1), wide;
  cv::RNG(seed).fill(noise, cv::RNG::NORMAL, 0, sigma);
  gray.convertTo(wide, CV_16SC1);
  wide += noise;
  wide.convertTo(gray, CV_8UC1);
}

/// Encodes an 8-bit gray image as JPEG at `quality` and decodes it back (no-op for 0).
inline void JpegRoundTrip(cv::Mat& gray, int quality) {
  if (quality <= 0) return;
  std::vector<unsigned char> buf;
  cv::imencode(".jpg", gray, buf, {cv::IMWRITE_JPEG_QUALITY, quality});
  gray = cv::imdecode(buf, cv::IMREAD_GRAYSCALE);
}

}  // namespace phieu::testing
