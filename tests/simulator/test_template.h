// Copyright 2026 The Phiếu Authors
// SPDX-License-Identifier: Apache-2.0
#pragma once

// A small questionnaire that spans two pages, for simulator tests (templates/README.md format).
inline constexpr const char* kSimTestTemplate = R"json({
  "id": "simtest",
  "version": 1,
  "title": "PHIẾU KHẢO SÁT THỬ",
  "national_header": false,
  "scales": {"sat5": {"levels": [
    {"value": 1, "label": "Rất không hài lòng"}, {"value": 2, "label": "Không hài lòng"},
    {"value": 3, "label": "Bình thường"}, {"value": 4, "label": "Hài lòng"},
    {"value": 5, "label": "Rất hài lòng"}]}},
  "sections": [
    {"id": "A", "title": "THÔNG TIN", "questions": [
      {"id": "gender", "kind": "single", "text": "Giới tính", "required": true,
       "options": [{"value": 1, "label": "Nam"}, {"value": 2, "label": "Nữ"}]},
      {"id": "yob", "kind": "digits", "digits": 4, "text": "Năm sinh",
       "range": {"min": 1920, "max": 2026}},
      {"id": "channel", "kind": "single", "text": "Kênh nộp hồ sơ",
       "options": [{"value": "a", "label": "Trực tiếp"}, {"value": "b", "label": "Bưu điện"},
                   {"value": "c", "label": "Trực tuyến"}]}
    ]},
    {"id": "B", "title": "ĐÁNH GIÁ", "questions": [
      {"id": "sat", "kind": "scale", "scale": "sat5", "text": "Mức độ hài lòng về:",
       "rows": [{"id": "sat_1", "text": "Tiếp cận dịch vụ"}, {"id": "sat_2", "text": "Thủ tục hành chính"},
                {"id": "sat_3", "text": "Công chức"}, {"id": "sat_4", "text": "Kết quả"}]},
      {"id": "expect", "kind": "multi", "max": 2, "text": "Mong muốn (chọn tối đa 2)",
       "options": [{"value": 1, "label": "Nhanh hơn"}, {"value": 2, "label": "Rẻ hơn"},
                   {"value": 3, "label": "Thân thiện hơn"}, {"value": 4, "label": "Khác"}]},
      {"id": "comment", "kind": "text", "lines": 3, "text": "Ý kiến khác"}
    ]},
    {"id": "C", "title": "DỊCH VỤ", "questions": [
      {"id": "svc", "kind": "scale", "scale": "sat5", "text": "Đánh giá chi tiết:",
       "rows": [{"text": "Nơi chờ"}, {"text": "Trang thiết bị"}, {"text": "Niêm yết"}, {"text": "Hồ sơ"},
                {"text": "Phí"}, {"text": "Thời hạn"}, {"text": "Thái độ"}, {"text": "Hướng dẫn"},
                {"text": "Kết quả đúng hạn"}, {"text": "Thông tin đầy đủ"}, {"text": "Phản ánh"},
                {"text": "Tiếp nhận"}]},
      {"id": "again", "kind": "single", "text": "Ông/Bà có quay lại không?", "required": true,
       "options": [{"value": 1, "label": "Có"}, {"value": 2, "label": "Không"}, {"value": 3, "label": "Chưa biết"}]}
    ]}
  ]
})json";
