// Copyright 2026 The Phiếu Authors
// SPDX-License-Identifier: Apache-2.0
// The ingest side's conversion of a read page into the store's plain record (pipeline/page_record.h).
#include <chrono>
#include <cstdio>

#include <gtest/gtest.h>
#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>

#include "pipeline/page_record.h"

namespace phieu::pipeline {
namespace {

recognition::FieldReading Box(const std::string& id, bool flagged, recognition::BoxState state) {
  recognition::FieldReading r;
  r.field_id = id;
  r.kind = core::FieldKind::kSingle;
  r.selected = {"2"};
  r.confidence = flagged ? 0.5f : 0.99f;
  r.needs_review = flagged;
  r.reason = flagged ? "box 2: faint mark" : "";
  r.boxes = {{.value = "1", .state = recognition::BoxState::kEmpty, .ink = 0.01f, .fill = 0.0f, .confidence = 0.99f},
             {.value = "2", .state = state, .ink = 0.3f, .fill = 0.2f, .confidence = 0.6f}};
  r.crop_mm = {10, 20, 60, 8};
  r.crop = cv::Mat(48, 360, CV_8U, cv::Scalar(240));
  return r;
}

TEST(PageRecordTest, CropsOfFlaggedReadingsAreKeptAndEncoded) {
  const auto flagged = Box("q1", true, recognition::BoxState::kMarked);
  const auto marked = Box("q2", false, recognition::BoxState::kMarked);
  const auto empty = Box("q3", false, recognition::BoxState::kEmpty);
  EXPECT_TRUE(KeepCrop(flagged));
  EXPECT_FALSE(KeepCrop(marked));
  EXPECT_TRUE(KeepCrop(marked, {.keep_marked_boxes = true}));
  EXPECT_FALSE(KeepCrop(empty, {.keep_marked_boxes = true}));
  auto no_pixels = flagged;
  no_pixels.crop = cv::Mat();
  EXPECT_FALSE(KeepCrop(no_pixels));

  const store::ReadingRecord r = ToReadingRecord(flagged);
  ASSERT_FALSE(r.crop_png.empty());
  const cv::Mat back = cv::imdecode(r.crop_png, cv::IMREAD_GRAYSCALE);
  EXPECT_EQ(back.cols, 360);
  EXPECT_EQ(back.rows, 48);
  EXPECT_TRUE(ToReadingRecord(marked).crop_png.empty());
}

TEST(PageRecordTest, EverythingTheStoreKeepsIsCarriedOver) {
  scanner::AlignedPage aligned;
  aligned.status = scanner::AlignStatus::kOk;
  aligned.key = {.template_id = "sipas", .version = 2, .page = 1, .serial = 1000007};
  aligned.mm_to_px = cv::Matx33d(11.8, 0.1, 50, -0.1, 11.8, 60, 0, 0, 1);
  aligned.residual_px = 0.7;
  aligned.anchors_found = 4;
  aligned.px_per_mm = 11.8;
  aligned.rotation_deg = 180;
  auto reading = Box("q1", true, recognition::BoxState::kCancelled);
  reading.reasons = {{"faint_mark", {{"box", "2"}}}};
  const std::vector<scanner::ScannerStreak> streaks = {{.vertical = false, .from_px = 740, .to_px = 742}};
  const store::PageRecord p = ToPageRecord(3, 5, aligned, {reading}, streaks, {1, 2, 3});
  EXPECT_EQ(p.file_id, 3);
  EXPECT_EQ(p.page_index, 5);
  EXPECT_EQ(p.status, "ok");
  EXPECT_EQ(p.key.serial, 1000007);
  EXPECT_EQ(p.key.template_id, "sipas");
  EXPECT_DOUBLE_EQ(p.mm_to_px[1], 0.1);
  EXPECT_DOUBLE_EQ(p.mm_to_px[2], 50);
  EXPECT_DOUBLE_EQ(p.mm_to_px[3], -0.1);
  EXPECT_DOUBLE_EQ(p.mm_to_px[8], 1);
  EXPECT_DOUBLE_EQ(p.residual_px, 0.7);
  EXPECT_EQ(p.anchors_found, 4);
  EXPECT_EQ(p.rotation_deg, 180);
  EXPECT_EQ(p.thumbnail_jpeg, (std::vector<unsigned char>{1, 2, 3}));
  ASSERT_EQ(p.streaks.size(), 1u);
  EXPECT_FALSE(p.streaks[0].vertical);
  EXPECT_EQ(p.streaks[0].to_px, 742);
  ASSERT_EQ(p.readings.size(), 1u);
  const store::ReadingRecord& r = p.readings[0];
  EXPECT_EQ(r.field_id, "q1");
  EXPECT_EQ(r.selected, std::vector<std::string>{"2"});
  EXPECT_TRUE(r.needs_review);
  EXPECT_EQ(r.reason, "box 2: faint mark");
  EXPECT_EQ(r.reasons, reading.reasons);
  ASSERT_EQ(r.boxes.size(), 2u);
  EXPECT_EQ(r.boxes[0].state, "empty");
  EXPECT_EQ(r.boxes[1].state, "cancelled");
  EXPECT_FLOAT_EQ(r.boxes[1].ink, 0.3f);
  EXPECT_DOUBLE_EQ(r.crop_mm.w, 60);

  scanner::AlignedPage unreadable;
  unreadable.status = scanner::AlignStatus::kUnreadable;
  unreadable.reason = "a.tif: truncated";
  const store::PageRecord u = ToPageRecord(3, 6, unreadable, {}, {}, {});
  EXPECT_EQ(u.status, "unreadable");
  EXPECT_EQ(u.reason, "a.tif: truncated");
  EXPECT_TRUE(u.readings.empty());
}

// A figure, not a timed test: what keep_marked_boxes costs the workers on a 60-row page.
TEST(PageRecordTest, EncodingSixtyMarkedCropsFigure) {
  cv::Mat crop(48, 360, CV_8U);
  cv::randn(crop, 245, 3);
  std::vector<recognition::FieldReading> readings;
  for (int i = 0; i < 60; ++i) {
    auto r = Box("f" + std::to_string(i), false, recognition::BoxState::kMarked);
    r.crop = crop;
    readings.push_back(std::move(r));
  }
  scanner::AlignedPage aligned;
  aligned.status = scanner::AlignStatus::kOk;
  const auto t0 = std::chrono::steady_clock::now();
  const store::PageRecord p = ToPageRecord(1, 0, aligned, readings, {}, {}, {.keep_marked_boxes = true});
  const double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
  size_t bytes = 0;
  for (const auto& r : p.readings) bytes += r.crop_png.size();
  std::printf("ToPageRecord, 60 marked crops 360x48 kept: %.1f ms, %zu PNG bytes\n", ms, bytes);
  EXPECT_GT(bytes, 60u * 100);
}

}  // namespace
}  // namespace phieu::pipeline
