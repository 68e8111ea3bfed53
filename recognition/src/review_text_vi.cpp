// Copyright 2026 The Phiếu Authors
// SPDX-License-Identifier: Apache-2.0
// ReasonTextVi: the Vietnamese text of review reason codes for the terminal (`phieu review
// list`), word for word the review screen's catalogue (review-ui/assets/i18n.js, kReasons; a
// test holds the two equal).

#include <string>
#include <string_view>
#include <vector>

#include "recognition/reason_text_vi.h"
#include "reason_template.h"
#include "recognition/recognition.h"

namespace phieu::recognition {
namespace {

using Template = ReasonTemplate;

constexpr Template kVietnamese[] = {
    {"box_uncertain", "ô {box}: chưa chắc chắn"},
    {"box_nearly_filled", "ô {box}: gần như tô kín — đánh dấu hay hủy?"},
    {"heavy_mark", "ô {box}: tô đậm — đánh dấu hay hủy?"},
    {"faint_mark", "ô {box}: dấu mờ"},
    {"faint_ink", "ô {box}: mực nhạt"},
    {"broken_faint_stroke", "ô {box}: nét mờ, đứt đoạn"},
    {"scattered_ink", "ô {box}: mực rải rác"},
    {"circled_box", "ô {box}: được khoanh tròn thay vì đánh dấu"},
    {"mark_outside_box", "ô {box}: dấu nằm phần lớn bên ngoài ô"},
    {"crease_through_box", "ô {box}: nếp gấp hoặc vệt quét cắt qua ô — dấu đánh hay nếp gấp?"},
    {"box_under_stain", "ô {box}: vết bẩn đen phủ kín ô — bên dưới có dấu không?"},
    {"faint_smudge", "ô {box}: vết nhòe mờ — dấu hay vết tẩy?"},
    {"box_not_found", "ô {box}: không tìm thấy viền ô"},
    {"two_marks_single", "{count} ô được đánh dấu trong câu chỉ chọn một"},
    {"over_max", "đánh dấu {count} ô, chỉ được chọn tối đa {max}"},
    {"faint_replacement", "ô {box}: dấu mờ cạnh một ô đã tô kín — câu trả lời sửa lại hay nét thừa?"},
    {"fill_beside_cross", "{count} ô tô kín cạnh dấu X — sửa lại hay chọn thêm?"},
    {"label_circled", "phương án {option}: nhãn được khoanh tròn, ô để trống"},
    {"label_marked", "phương án {option}: có nét bút ở nhãn, ô để trống"},
    {"cancelled_no_replacement", "dấu đã bị hủy, không có lựa chọn thay thế"},
    {"required_blank_faint", "câu bắt buộc chưa được trả lời (thấy vết mực mờ)"},
    {"required_blank", "câu bắt buộc chưa được trả lời"},
    {"required_blank_ink_beside", "câu bắt buộc chưa được trả lời (có nét bút cạnh các ô)"},
    {"ink_beside_boxes", "không ô nào được đánh dấu, nhưng có nét bút cạnh các ô"},
    {"no_digit_model", "không có mô hình nhận dạng chữ số ({detail})"},
    {"digit_gap", "có ô trống giữa các chữ số"},
    {"digit_out_of_range", "{value} nằm ngoài khoảng {min}–{max}"},
    {"handwriting_no_ocr", "có chữ viết tay, không có OCR: hãy chép lại"},
    {"handwriting_ocr_empty", "có chữ viết tay, OCR không đọc được gì: hãy chép lại"},
    {"handwriting_check_draft", "chữ viết tay: kiểm tra bản chép của máy"},
    {"legacy", "{text}"},
    {"low_confidence", "độ tin cậy thấp"},
};


}  // namespace

std::string ReasonTextVi(const core::ReviewReason& r) {
  if (r.code == "digits_unclear") {
    const std::string& over = r.Param("over_border");
    return r.Param("count") + " chữ số không rõ" +
           (!over.empty() && over != "0" ? " (" + over + " viết đè lên viền ô)" : "");
  }
  for (const Template& t : kVietnamese)
    if (t.code == r.code) return FillReason(t.text, r);
  return ReasonText(r);  // a remark or a code the screen has no words for: the English text
}

std::string ReasonTextVi(const std::vector<core::ReviewReason>& reasons) {
  std::string out;
  for (const auto& r : reasons) out += (out.empty() ? "" : "; ") + ReasonTextVi(r);
  return out;
}

std::vector<std::pair<std::string, std::string>> VietnameseReasonTemplates() {
  std::vector<std::pair<std::string, std::string>> out;
  for (const Template& t : kVietnamese) out.emplace_back(t.code, t.text);
  return out;
}

}  // namespace phieu::recognition
