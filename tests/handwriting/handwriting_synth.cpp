// Copyright 2026 The Phiếu Authors
// SPDX-License-Identifier: Apache-2.0

#include "handwriting/handwriting_synth.h"

#include <algorithm>
#include <cmath>

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>
#include <pango/pangocairo.h>

#include "tools/digits/digit_synth.h"

namespace phieu::recognition::testing {
namespace {
constexpr double kLinePitchMm = 9.0;  // templates/src/form_plan.cpp kTextLinePitchMm
double U(std::mt19937& rng, double a, double b) { return std::uniform_real_distribution<double>(a, b)(rng); }
}  // namespace

cv::Mat RenderTextInk(const std::string& text, const std::string& font, double x_height_px,
                      int* baseline_px) {
  // Pango pixel size ~ 2.1 x-heights for these fonts.
  double px = x_height_px * 2.1;
  cairo_surface_t* probe = cairo_image_surface_create(CAIRO_FORMAT_A8, 1, 1);
  cairo_t* pcr = cairo_create(probe);
  PangoLayout* layout = pango_cairo_create_layout(pcr);
  PangoFontDescription* desc =
      pango_font_description_from_string((font + " " + std::to_string(static_cast<int>(px)) + "px").c_str());
  pango_layout_set_font_description(layout, desc);
  pango_layout_set_text(layout, text.c_str(), -1);
  PangoRectangle ink, logical;
  pango_layout_get_pixel_extents(layout, &ink, &logical);
  int w = logical.width + 8, h = logical.height + 8;
  if (baseline_px) *baseline_px = 4 + pango_layout_get_baseline(layout) / PANGO_SCALE;
  cairo_surface_t* surf = cairo_image_surface_create(CAIRO_FORMAT_A8, w, h);
  cairo_t* cr = cairo_create(surf);
  cairo_move_to(cr, 4, 4);
  pango_cairo_update_layout(cr, layout);
  pango_cairo_show_layout(cr, layout);
  cairo_surface_flush(surf);
  cv::Mat a8(h, w, CV_8U, cairo_image_surface_get_data(surf), cairo_image_surface_get_stride(surf));
  cv::Mat out;
  a8.convertTo(out, CV_32F, 1.0 / 255);
  pango_font_description_free(desc);
  g_object_unref(layout);
  cairo_destroy(cr);
  cairo_surface_destroy(surf);
  cairo_destroy(pcr);
  cairo_surface_destroy(probe);
  return out;
}

cv::Mat MakeArea(double w_mm, int lines, double ppm, AreaContent content,
                 const std::vector<std::string>& lines_text, const std::string& font,
                 const AreaDamage& d, std::mt19937& rng) {
  const double h_mm = lines * kLinePitchMm + 2.0;
  const int w = static_cast<int>(std::lround(w_mm * ppm)), h = static_cast<int>(std::lround(h_mm * ppm));
  // Printed layer at 4x then area-averaged: anti-aliased like a real scan of a laser print.
  const int f = 4;
  cv::Mat printed(h * f, w * f, CV_32F, cv::Scalar(0));
  int frame = std::max(1, static_cast<int>(std::lround(0.25 * ppm * f)));
  cv::rectangle(printed, cv::Rect(0, 0, w * f, h * f), cv::Scalar(0.65), frame);
  int dot_r = std::max(1, static_cast<int>(std::lround(0.1 * ppm * f)));
  for (int i = 1; i <= lines; ++i) {
    int y = static_cast<int>(i * kLinePitchMm * ppm * f);
    for (double x = 3.0; x <= w_mm - 3.0; x += 1.0)
      cv::circle(printed, cv::Point(static_cast<int>(x * ppm * f), y), dot_r, cv::Scalar(0.45), cv::FILLED);
  }
  cv::Mat ink(h * f, w * f, CV_32F, cv::Scalar(0));
  if (content == AreaContent::kDash) {
    double len = U(rng, 3, 14) * ppm * f, ang = U(rng, -12, 12) * CV_PI / 180;
    cv::Point2d c(U(rng, 0.2, 0.8) * w * f, (U(rng, 0.4, 0.8) * kLinePitchMm + 1) * ppm * f);
    cv::Point2d dv(std::cos(ang) * len / 2, std::sin(ang) * len / 2);
    cv::line(ink, c - dv, c + dv, cv::Scalar(1.0), std::max(1, static_cast<int>(U(rng, 0.35, 0.7) * ppm * f)),
             cv::LINE_AA);
  } else if (content == AreaContent::kDot) {
    cv::Point c(static_cast<int>(U(rng, 0.1, 0.9) * w * f), static_cast<int>(U(rng, 0.2, 0.8) * h * f));
    cv::circle(ink, c, std::max(1, static_cast<int>(U(rng, 0.3, 0.6) * ppm * f)), cv::Scalar(1.0), cv::FILLED,
               cv::LINE_AA);
  } else if (content == AreaContent::kWritten) {
    for (size_t i = 0; i < lines_text.size() && i < static_cast<size_t>(lines); ++i) {
      double xh = U(rng, 2.0, 2.8) * ppm * f;
      int baseline = 0;
      cv::Mat t = RenderTextInk(lines_text[i], font, xh, &baseline);
      double slope = U(rng, -1.0, 1.0);
      if (std::fabs(slope) > 0.05) {
        cv::Mat rot = cv::getRotationMatrix2D(cv::Point2f(0, t.rows / 2.0f), slope, 1.0);
        cv::warpAffine(t, t, rot, t.size(), cv::INTER_LINEAR, cv::BORDER_CONSTANT, 0);
      }
      // Baseline on the rule, give or take half a millimetre, as people write.
      int x0 = static_cast<int>(U(rng, 3, 8) * ppm * f);
      int y_rule = static_cast<int>(((i + 1) * kLinePitchMm + U(rng, -0.6, 0.3)) * ppm * f);
      int y0 = y_rule - baseline;
      cv::Rect dst(x0, y0, t.cols, t.rows);
      cv::Rect clip = dst & cv::Rect(0, 0, ink.cols, ink.rows);
      cv::Mat src = t(cv::Rect(clip.x - dst.x, clip.y - dst.y, clip.width, clip.height));
      cv::Mat roi = ink(clip);
      roi = cv::max(roi, src);
    }
  }
  cv::Mat cov_print, cov_ink;
  cv::resize(printed, cov_print, cv::Size(w, h), 0, 0, cv::INTER_AREA);
  cv::resize(ink, cov_ink, cv::Size(w, h), 0, 0, cv::INTER_AREA);
  if (d.elastic_alpha > 0)
    cov_ink = tools::digits::ElasticDistort(cov_ink, d.elastic_alpha * ppm / 8.0, 3.0 * ppm, rng);
  cv::Mat img(h, w, CV_32F);
  cv::Mat back;
  if (d.show_through > 0) {
    // The back side's writing, mirrored and blurred by the paper.
    cv::Mat other = RenderTextInk("Cán bộ tận tình, hướng dẫn rõ ràng", "DejaVu Sans", 2.5 * ppm);
    cv::flip(other, other, 1);
    back = cv::Mat::zeros(h, w, CV_32F);
    cv::Rect r(0, static_cast<int>(0.2 * h), std::min(w, other.cols), std::min(h - static_cast<int>(0.2 * h), other.rows));
    other(cv::Rect(0, 0, r.width, r.height)).copyTo(back(r));
    cv::GaussianBlur(back, back, cv::Size(0, 0), 0.25 * ppm);
  }
  for (int y = 0; y < h; ++y)
    for (int x = 0; x < w; ++x) {
      double paper = d.paper - d.paper_gradient * x / w;
      double v = paper * (1.0 - cov_print.at<float>(y, x));
      if (!back.empty()) v -= d.show_through * std::min(1.0f, back.at<float>(y, x) * 1.5f);
      v *= 1.0 - d.ink * std::min(1.0f, cov_ink.at<float>(y, x));
      img.at<float>(y, x) = static_cast<float>(v);
    }
  if (d.blur_sigma > 0) cv::GaussianBlur(img, img, cv::Size(0, 0), d.blur_sigma);
  if (d.noise_sigma > 0) {
    cv::Mat noise(img.size(), CV_32F);
    cv::theRNG().state = rng();
    cv::randn(noise, 0.0, d.noise_sigma);
    img += noise;
  }
  cv::Mat out;
  img.convertTo(out, CV_8U);
  if (d.jpeg_quality > 0) {
    std::vector<unsigned char> buf;
    cv::imencode(".jpg", out, buf, {cv::IMWRITE_JPEG_QUALITY, d.jpeg_quality});
    out = cv::imdecode(buf, cv::IMREAD_GRAYSCALE);
  }
  return out;
}

cv::Mat SaltAndPepper(const cv::Mat& scan_300dpi, double share, double px_per_mm, std::mt19937& rng) {
  cv::Mat noisy = scan_300dpi.clone();
  std::uniform_real_distribution<double> u(0, 1);
  for (int y = 0; y < noisy.rows; ++y)
    for (int x = 0; x < noisy.cols; ++x) {
      const double r = u(rng);
      if (r < share / 2) noisy.at<uchar>(y, x) = 0;
      else if (r < share) noisy.at<uchar>(y, x) = 255;
    }
  if (px_per_mm == 11.81) return noisy;
  cv::Mat out;
  cv::resize(noisy, out, cv::Size(), px_per_mm / 11.81, px_per_mm / 11.81, cv::INTER_LINEAR);
  return out;
}

const std::vector<std::string>& SurveyComments() {
  static const std::vector<std::string> k = {
      "Thủ tục còn rườm rà, cần rút ngắn thời gian giải quyết.",
      "Cán bộ tiếp dân nhiệt tình, hướng dẫn chu đáo.",
      "Phòng chờ chật, thiếu ghế ngồi cho người già.",
      "Nên niêm yết công khai phí và lệ phí.",
      "Tôi phải đi lại ba lần mới xong hồ sơ.",
      "Thái độ phục vụ tốt, không có gì phàn nàn.",
      "Cần bố trí thêm người ở bộ phận một cửa.",
      "Hẹn trả kết quả nhưng bị trễ hai tuần.",
      "Nộp hồ sơ trực tuyến còn khó, hay lỗi mạng.",
      "Bác sĩ khám kỹ, giải thích rõ ràng.",
      "Nhà vệ sinh ở trạm y tế chưa sạch sẽ.",
      "Thời gian chờ khám quá lâu vào buổi sáng.",
      "Giáo viên quan tâm đến từng học sinh.",
      "Học phí và các khoản đóng góp còn cao.",
      "Trường cần sửa lại sân chơi và mái che.",
      "Không được hướng dẫn cách điền tờ khai.",
      "Cán bộ trả lời điện thoại rất lịch sự.",
      "Đề nghị mở cửa làm việc cả sáng thứ bảy.",
      "Biểu mẫu nhiều, chữ nhỏ, khó đọc.",
      "Tôi hài lòng với kết quả giải quyết.",
      "Chỗ để xe máy không có mái che.",
      "Cần có số điện thoại đường dây nóng.",
      "Giấy hẹn ghi rõ ngày trả kết quả.",
      "Phải nộp bản sao công chứng nhiều lần.",
      "Ứng dụng dịch vụ công dễ sử dụng hơn trước.",
      "Góp ý của người dân chưa được trả lời.",
      "Đường vào ủy ban xã bị ngập khi mưa.",
      "Nhân viên thu ngân làm việc nhanh nhẹn.",
      "Thuốc bảo hiểm y tế đôi khi bị thiếu.",
      "Mong được giải quyết khiếu nại sớm hơn.",
      "Không có ý kiến gì thêm.",
      "Rất cảm ơn sự hỗ trợ của cán bộ phường.",
      "Bảng chỉ dẫn các phòng ban chưa rõ.",
      "Lịch tiêm chủng được thông báo đầy đủ.",
  };
  return k;
}

}  // namespace phieu::recognition::testing
