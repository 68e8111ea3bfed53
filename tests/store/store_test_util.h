// Copyright 2026 The Phiếu Authors
// SPDX-License-Identifier: Apache-2.0
#pragma once

// Hand-built templates, layouts, pages and readings for the store tests (no images needed).

#include <gtest/gtest.h>

#include <atomic>
#include <filesystem>
#include <string>
#include <unistd.h>

#include "common/temp_dir.h"
#include "store/store.h"

namespace phieu::store::testing {

using phieu::testing::TempDir;  // tests/common/temp_dir.h

inline templates::Template MakeTemplate(const std::string& id, int version,
                                        const std::string& source) {
  templates::Template t;
  t.id = id;
  t.version = version;
  t.title = "Phiếu khảo sát";
  t.source_json = source;
  return t;
}

inline templates::FieldLayout BoxField(const std::string& id, core::FieldKind kind, int page,
                                       std::vector<std::string> values) {
  templates::FieldLayout f{.id = id, .kind = kind, .page = page, .question_id = id, .label = id};
  double x = 20;
  for (const auto& v : values) {
    f.options.push_back({.value = v, .label = "option " + v, .numeric = true,
                         .box_mm = {x, 50, 4, 4}});
    x += 10;
  }
  return f;
}

/// Two pages: page 1 = q1 single (1,2), q2 multi (a,b,c), s1 scale (1..5);
/// page 2 = age digits, comment text.
inline templates::Layout MakeLayout(const std::string& id, int version) {
  templates::Layout l;
  l.template_id = id;
  l.version = version;
  l.pages = {{.page = 1}, {.page = 2}};
  l.fields.push_back(BoxField("q1", core::FieldKind::kSingle, 1, {"1", "2"}));
  l.fields.push_back(BoxField("q2", core::FieldKind::kMulti, 1, {"a", "b", "c"}));
  l.fields.push_back(BoxField("s1", core::FieldKind::kScale, 1, {"1", "2", "3", "4", "5"}));
  l.fields.push_back({.id = "age", .kind = core::FieldKind::kDigits, .page = 2,
                      .question_id = "age", .label = "Tuổi"});
  l.fields.push_back({.id = "comment", .kind = core::FieldKind::kText, .page = 2,
                      .question_id = "comment", .label = "Góp ý"});
  return l;
}

inline recognition::FieldReading BoxReading(const std::string& id, core::FieldKind kind,
                                            std::vector<std::string> selected,
                                            bool needs_review = false) {
  recognition::FieldReading r{.field_id = id, .kind = kind, .page = 1,
                              .selected = std::move(selected), .confidence = 0.97f,
                              .needs_review = needs_review,
                              .reason = needs_review ? "two boxes marked" : "",
                              .crop_mm = {15, 45, 60, 10},
                              .crop = cv::Mat(10, 10, CV_8U, cv::Scalar(255))};
  for (const auto& v : r.selected)
    r.boxes.push_back({.value = v, .state = recognition::BoxState::kMarked, .ink = 0.4f,
                       .fill = 0.3f, .confidence = 0.97f});
  return r;
}

inline recognition::FieldReading TextReading(const std::string& id, core::FieldKind kind,
                                             std::optional<std::string> text,
                                             bool needs_review = false) {
  return {.field_id = id, .kind = kind, .page = 2, .text = std::move(text),
          .confidence = needs_review ? 0.4f : 0.95f, .needs_review = needs_review,
          .reason = needs_review ? "handwriting" : "", .crop_mm = {20, 100, 120, 30},
          .crop = cv::Mat(10, 10, CV_8U, cv::Scalar(255))};
}

inline PageResult OkPage(std::int64_t file_id, int page_index, const std::string& tpl, int version,
                         int page_no, core::Serial serial,
                         std::vector<recognition::FieldReading> readings = {}) {
  PageResult p;
  p.file_id = file_id;
  p.page_index = page_index;
  p.aligned.status = scanner::AlignStatus::kOk;
  p.aligned.key = {.template_id = tpl, .version = version, .page = page_no, .serial = serial};
  p.aligned.anchors_found = 4;
  p.aligned.px_per_mm = 300 / 25.4;
  p.aligned.residual_px = 0.8;
  p.readings = std::move(readings);
  return p;
}

/// Page 1 readings: q1 = "1", q2 = {a, c}, s1 = "4"; `review_q1` flags q1.
inline std::vector<recognition::FieldReading> Page1Readings(bool review_q1 = false) {
  return {BoxReading("q1", core::FieldKind::kSingle, {"1"}, review_q1),
          BoxReading("q2", core::FieldKind::kMulti, {"a", "c"}),
          BoxReading("s1", core::FieldKind::kScale, {"4"})};
}

/// Page 2 readings: age = "42", comment blank; `review_comment` flags the comment.
inline std::vector<recognition::FieldReading> Page2Readings(bool review_comment = false) {
  return {TextReading("age", core::FieldKind::kDigits, "42"),
          TextReading("comment", core::FieldKind::kText,
                      review_comment ? std::optional<std::string>("Tốt") : std::nullopt,
                      review_comment)};
}

inline const char* kUnitsCsv =
    "code,name,kind,quota,parent\n"
    "HN,Hà Nội,admin,0,\n"
    "X01,UBND xã An Bình,admin,60,HN\n"
    "T01,Trạm y tế An Bình,health,50,HN\n";

}  // namespace phieu::store::testing
