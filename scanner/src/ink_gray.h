// Copyright 2026 The Phiếu Authors
// SPDX-License-Identifier: Apache-2.0
//
// How a colour scan becomes the gray page every later stage reads.
#pragma once

#include <algorithm>

#include <opencv2/core.hpp>

namespace phieu::scanner {

/// A colour pixel's gray is its darkest channel, not its luma. Paper and black print are
/// neutral and read the same either way, but a pen's ink absorbs strongly in at least one
/// channel while luma averages that away: light-blue ink (110, 170, 235) has luma 159 but a
/// red channel of 110, red ink (200, 30, 30) luma 81 but 30. Ticks in coloured ink keep the
/// contrast of a dark pen, and one page scanned in colour or in gray reads alike.
inline unsigned char DarkestChannel(unsigned a, unsigned b, unsigned c) {
  return static_cast<unsigned char>(std::min({a, b, c}));
}

/// CV_8UC3 or CV_8UC4 (channels in any order, the 4th being alpha or padding) -> CV_8UC1.
inline cv::Mat DarkestChannelGray(const cv::Mat& colour) {
  CV_Assert(colour.depth() == CV_8U && (colour.channels() == 3 || colour.channels() == 4));
  const int n = colour.channels();
  cv::Mat gray(colour.rows, colour.cols, CV_8UC1);
  for (int r = 0; r < colour.rows; ++r) {
    const unsigned char* src = colour.ptr<unsigned char>(r);
    unsigned char* dst = gray.ptr<unsigned char>(r);
    for (int x = 0; x < colour.cols; ++x, src += n)
      dst[x] = std::min(std::min(src[0], src[1]), src[2]);
  }
  return gray;
}

}  // namespace phieu::scanner
