// Copyright 2026 The Phiếu Authors
// SPDX-License-Identifier: Apache-2.0
#include "pipeline/page_record.h"

#include <algorithm>

#include <opencv2/imgcodecs.hpp>

namespace phieu::pipeline {
namespace {

std::vector<unsigned char> EncodePng(const cv::Mat& img, const CropOptions& options) {
  std::vector<unsigned char> png;
  try {
    cv::imencode(".png", img, png, {cv::IMWRITE_PNG_COMPRESSION, options.png_compression});
  } catch (const cv::Exception&) {
    png.clear();  // An unencodable crop (odd depth) is dropped; crop_mm still locates it.
  }
  return png;
}

}  // namespace

// Which crops to keep (docs/schema.md, "Crops"): a reviewer needs the crop of every flagged
// reading, and the second-person re-check (phúc tra) looks at marked boxes. Unmarked,
// confident boxes and confident digits/text are the bulk of a batch and are not kept; any
// crop can be regenerated from the original scan bytes, the page homography and crop_mm.
bool KeepCrop(const recognition::FieldReading& r, const CropOptions& options) {
  if (r.crop.empty()) return false;
  if (r.needs_review) return true;
  if (!options.keep_marked_boxes || !core::IsBoxKind(r.kind)) return false;
  return std::any_of(r.boxes.begin(), r.boxes.end(), [](const recognition::BoxReading& b) {
    return b.state != recognition::BoxState::kEmpty;
  });
}

store::ReadingRecord ToReadingRecord(const recognition::FieldReading& r, const CropOptions& options) {
  store::ReadingRecord out{.field_id = r.field_id, .kind = r.kind, .page = r.page,
                           .selected = r.selected, .text = r.text, .confidence = r.confidence,
                           .needs_review = r.needs_review, .reason = r.reason,
                           .reasons = r.reasons, .boxes = {}, .crop_mm = r.crop_mm, .crop_png = {}};
  out.boxes.reserve(r.boxes.size());
  for (const auto& b : r.boxes)
    out.boxes.push_back({.value = b.value, .state = recognition::BoxStateName(b.state),
                         .ink = b.ink, .fill = b.fill, .confidence = b.confidence});
  if (KeepCrop(r, options)) out.crop_png = EncodePng(r.crop, options);
  return out;
}

store::PageRecord ToPageRecord(std::int64_t file_id, int page_index,
                               const scanner::AlignedPage& aligned,
                               const std::vector<recognition::FieldReading>& readings,
                               const std::vector<scanner::ScannerStreak>& streaks,
                               std::vector<unsigned char> thumbnail_jpeg,
                               const CropOptions& options) {
  store::PageRecord page;
  page.file_id = file_id;
  page.page_index = page_index;
  page.status = scanner::AlignStatusName(aligned.status);
  page.reason = aligned.reason;
  page.key = aligned.key;
  for (int i = 0; i < 9; ++i) page.mm_to_px[static_cast<size_t>(i)] = aligned.mm_to_px.val[i];
  page.residual_px = aligned.residual_px;
  page.anchors_found = aligned.anchors_found;
  page.px_per_mm = aligned.px_per_mm;
  page.rotation_deg = aligned.rotation_deg;
  page.thumbnail_jpeg = std::move(thumbnail_jpeg);
  page.readings.reserve(readings.size());
  for (const auto& r : readings) page.readings.push_back(ToReadingRecord(r, options));
  for (const auto& s : streaks)
    page.streaks.push_back({.vertical = s.vertical, .from_px = s.from_px, .to_px = s.to_px});
  return page;
}

}  // namespace phieu::pipeline
