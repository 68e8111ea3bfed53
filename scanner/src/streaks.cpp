// Copyright 2026 The Phiếu Authors
// SPDX-License-Identifier: Apache-2.0
//
// Streaks from a sheet-fed scanner: dust or a scratch on the glass the paper slides over
// draws one thin line down every page of the batch, at the same sensor column. Through a
// column of checkboxes it looks like a stroke in each, so it is found and painted out before
// anything reads the page. Nothing printed or handwritten runs the page's full length as a
// thin straight line along the image axis; a streak does, and that is the whole test.
#include <algorithm>
#include <vector>

#include <opencv2/imgproc.hpp>

#include "scanner/scanner.h"

namespace phieu::scanner {
namespace {

/// Sampled bands across the line direction, each this many pixels thick (at most).
constexpr int kBands = 64;
constexpr int kBandPx = 8;
/// A streak is darker than both flanks, this far out and 3 px wide, by this many gray levels.
constexpr int kFlankPx = 9;
constexpr int kMinDarkening = 12;
/// ... in at least this share of the bands: printed lines, text and the respondent's marks
/// cross it in a few bands but none runs the length of the page.
constexpr double kMinCoverage = 0.80;
/// ... and in most of the outermost bands at both ends. A printed rule across the form can
/// fill 90% of the width, but it stops at the print margin; a streak goes on to the edge.
constexpr int kEndBands = 5;
constexpr int kMinEndHits = 4;
/// Wider than this (in pixels, 1.7 mm at 300 dpi) it is not a streak but something printed.
constexpr int kMaxWidthPx = 20;

/// Mean gray of each position along a band, one row per sampled band (CV_32F, bands x length).
/// `vertical` true: the bands are groups of rows and each row of the result runs along x.
cv::Mat BandProfiles(const cv::Mat& g, bool vertical) {
  const int across = vertical ? g.rows : g.cols;  // direction the bands are sampled in
  const int length = vertical ? g.cols : g.rows;
  const int band = std::min(kBandPx, std::max(1, across / kBands));
  cv::Mat out(kBands, length, CV_32F);
  auto start = [&](int b) { return static_cast<int>((static_cast<long>(across) - band) * b / (kBands - 1)); };
  if (vertical) {
    for (int b = 0; b < kBands; ++b) {
      cv::Mat row = out.row(b);
      cv::reduce(g.rowRange(start(b), start(b) + band), row, 0, cv::REDUCE_AVG, CV_32F);
    }
    return out;
  }
  // Bands of columns: one pass down the image, row by row, keeps the reads sequential.
  std::vector<int> starts(kBands);
  for (int b = 0; b < kBands; ++b) starts[b] = start(b);
  const float inv = 1.0f / band;
  for (int y = 0; y < length; ++y) {
    const uchar* row = g.ptr<uchar>(y);
    for (int b = 0; b < kBands; ++b) {
      int sum = 0;
      for (int c = starts[b]; c < starts[b] + band; ++c) sum += row[c];
      out.at<float>(b, y) = sum * inv;
    }
  }
  return out;
}

/// Positions darker than both flanks in at least kMinCoverage of the bands (and at both
/// ends), grouped into runs no wider than kMaxWidthPx.
std::vector<std::pair<int, int>> FindRuns(const cv::Mat& profiles) {
  const int bands = profiles.rows, length = profiles.cols;
  // A streak up to kMaxWidthPx wide still has paper kFlankPx beyond its edge: a flank is the
  // lightest 3 px mean from kFlankPx to kFlankPx + kMaxWidthPx out on its side.
  constexpr int kHalf = kMaxWidthPx / 2, kReach = kFlankPx + kHalf;
  if (length <= 2 * kReach + 2) return {};
  cv::Mat smooth, lightest;
  cv::blur(profiles, smooth, cv::Size(3, 1), cv::Point(-1, -1), cv::BORDER_REPLICATE);
  cv::dilate(smooth, lightest, cv::Mat::ones(1, 2 * kHalf + 1, CV_8U), cv::Point(-1, -1), 1,
             cv::BORDER_REPLICATE);
  const int inner = length - 2 * kReach;
  cv::Mat flank, dark;
  cv::min(lightest.colRange(0, inner), lightest.colRange(2 * kReach, length), flank);
  cv::subtract(flank, profiles.colRange(kReach, kReach + inner), dark);
  cv::Mat hit = dark >= kMinDarkening;  // 255 where darker than both flanks
  cv::Mat hits, head, tail;
  cv::reduce(hit / 255, hits, 0, cv::REDUCE_SUM, CV_32S);
  cv::reduce(hit.rowRange(0, kEndBands) / 255, head, 0, cv::REDUCE_SUM, CV_32S);
  cv::reduce(hit.rowRange(bands - kEndBands, bands) / 255, tail, 0, cv::REDUCE_SUM, CV_32S);

  const int need = static_cast<int>(kMinCoverage * bands + 0.5);
  auto at = [](const cv::Mat& m, int i) { return m.at<int>(0, i); };
  // A streak may waver by a pixel along the page: a run counts its ends over its width.
  std::vector<std::pair<int, int>> runs;
  for (int i = 0; i < inner;) {
    if (at(hits, i) < need) { ++i; continue; }
    int j = i;
    while (j + 1 < inner && at(hits, j + 1) >= need) ++j;
    int head_hits = 0, tail_hits = 0;
    for (int k = std::max(0, i - 1); k <= std::min(inner - 1, j + 1); ++k) {
      head_hits = std::max(head_hits, at(head, k));
      tail_hits = std::max(tail_hits, at(tail, k));
    }
    if (j - i + 1 <= kMaxWidthPx && head_hits >= kMinEndHits && tail_hits >= kMinEndHits)
      runs.emplace_back(i + kReach, j + kReach);
    i = j + 1;
  }
  return runs;
}

/// Takes the streak [from, to] (plus one pixel of soft edge each side) out of every line. Dust
/// is a filter: at each of its columns it passes a fixed share of the light, measured where the
/// paper on both sides is clean, and dividing by that share brings back what lies under it, a
/// box's printed edge or a pen stroke included. Where it passes almost nothing (a black line,
/// any streak on a bilevel scan) nothing is left to bring back, and those columns are blended
/// across from both sides instead: paper stays paper, and lines crossing the streak continue.
void PaintOut(cv::Mat& g, bool vertical, int from, int to) {
  const int length = vertical ? g.cols : g.rows;
  const int lines = vertical ? g.rows : g.cols;
  const int a = std::max(0, from - 2), b = std::min(length - 1, to + 2);
  if (b - a < 2) return;
  auto at = [&](int l, int i) -> uchar& { return vertical ? g.at<uchar>(l, i) : g.at<uchar>(i, l); };

  std::vector<float> flank;
  for (int l = 0; l < lines; l += 4) flank.push_back(0.5f * (at(l, a) + at(l, b)));
  std::vector<float> sorted = flank;
  std::nth_element(sorted.begin(), sorted.begin() + sorted.size() / 2, sorted.end());
  const float paper = sorted[sorted.size() / 2];
  std::vector<float> keep(b - a - 1, 0.0f);
  for (int i = a + 1; i < b; ++i) {
    std::vector<float> ratio;
    for (int l = 0, k = 0; l < lines; l += 4, ++k) {
      const float left = at(l, a), right = at(l, b);
      if (flank[k] < 0.85f * paper || std::abs(left - right) > 0.1f * paper) continue;
      ratio.push_back(at(l, i) / flank[k]);
    }
    if (ratio.size() < 20) continue;
    std::nth_element(ratio.begin(), ratio.begin() + ratio.size() / 2, ratio.end());
    keep[i - a - 1] = std::min(1.0f, ratio[ratio.size() / 2]);
  }
  constexpr float kMinKeep = 0.25f;  // below this the dimmed content is mostly noise and JPEG
  const bool restore = *std::min_element(keep.begin(), keep.end()) >= kMinKeep;
  for (int l = 0; l < lines; ++l) {
    const float va = at(l, a), vb = at(l, b);
    for (int i = a + 1; i < b; ++i) {
      if (restore) {
        at(l, i) = cv::saturate_cast<uchar>(at(l, i) / keep[i - a - 1]);
      } else {
        const float t = static_cast<float>(i - a) / (b - a);
        at(l, i) = static_cast<uchar>(va + t * (vb - va) + 0.5f);
      }
    }
  }
}

}  // namespace

std::vector<ScannerStreak> RemoveScannerStreaks(cv::Mat& gray) {
  CV_Assert(gray.type() == CV_8UC1);
  std::vector<ScannerStreak> found;
  if (gray.rows < 4 * kBands || gray.cols < 4 * kBands) return found;
  for (bool vertical : {true, false}) {
    for (const auto& [from, to] : FindRuns(BandProfiles(gray, vertical))) {
      PaintOut(gray, vertical, from, to);
      found.push_back({vertical, from, to});
    }
  }
  return found;
}

}  // namespace phieu::scanner
