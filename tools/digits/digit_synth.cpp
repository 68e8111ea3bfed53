// Copyright 2026 The Phiếu Authors
// SPDX-License-Identifier: Apache-2.0

#include "tools/digits/digit_synth.h"

#include <algorithm>
#include <cmath>

#include <pango/pangocairo.h>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

namespace phieu::tools::digits {
namespace {
double Uniform(std::mt19937& rng, double a, double b) {
  return std::uniform_real_distribution<double>(a, b)(rng);
}
}  // namespace

CellStyle RandomCellStyle(std::mt19937& rng) {
  CellStyle s;
  const double ppm[] = {6.0, 8.0, 11.81};
  s.px_per_mm = ppm[std::uniform_int_distribution<int>(0, 2)(rng)];
  s.digit_h_mm = Uniform(rng, 3.5, 6.8);
  s.dx_mm = Uniform(rng, -0.8, 0.8);
  s.dy_mm = Uniform(rng, -0.7, 0.7);
  s.ink = Uniform(rng, 0.45, 0.95);
  s.paper = Uniform(rng, 215, 252);
  s.noise_sigma = Uniform(rng, 0, 9);
  s.blur_sigma = Uniform(rng, 0.3, 1.1);
  s.jpeg_quality = Uniform(rng, 0, 1) < 0.5 ? 0 : static_cast<int>(Uniform(rng, 60, 95));
  s.rotation_deg = Uniform(rng, -10, 10);
  // RMS displacement in MNIST pixels (28 px box); ~1 px bends strokes like a hand, more breaks them.
  s.elastic_alpha = Uniform(rng, 0, 1) < 0.7 ? Uniform(rng, 0.4, 1.3) : 0.0;
  return s;
}

cv::Mat RenderGlyphPango(const std::string& font, char digit, double stroke_px, std::string* error) {
  const int size = 160;
  cairo_surface_t* surf = cairo_image_surface_create(CAIRO_FORMAT_A8, size, size);
  cairo_t* cr = cairo_create(surf);
  PangoLayout* layout = pango_cairo_create_layout(cr);
  PangoFontDescription* desc = pango_font_description_from_string((font + " 90px").c_str());
  pango_layout_set_font_description(layout, desc);
  // Pango substitutes a missing family silently: check what it really loaded.
  PangoFont* loaded = pango_context_load_font(pango_layout_get_context(layout), desc);
  std::string wanted = pango_font_description_get_family(desc);
  std::string got;
  if (loaded) {
    PangoFontDescription* d = pango_font_describe(loaded);
    got = pango_font_description_get_family(d);
    pango_font_description_free(d);
    g_object_unref(loaded);
  }
  pango_font_description_free(desc);
  cv::Mat out;
  if (got != wanted) {
    if (error) *error = "font \"" + wanted + "\" not installed (got \"" + got + "\")";
  } else {
    char text[2] = {digit, 0};
    pango_layout_set_text(layout, text, 1);
    PangoRectangle ink_rect, logical;
    pango_layout_get_pixel_extents(layout, &ink_rect, &logical);
    cairo_move_to(cr, (size - ink_rect.width) / 2.0 - ink_rect.x, (size - ink_rect.height) / 2.0 - ink_rect.y);
    pango_cairo_layout_path(cr, layout);
    cairo_set_source_rgba(cr, 0, 0, 0, 1);
    cairo_fill_preserve(cr);
    if (stroke_px > 0) {
      cairo_set_line_width(cr, stroke_px);
      cairo_set_line_join(cr, CAIRO_LINE_JOIN_ROUND);
      cairo_stroke(cr);
    }
    cairo_new_path(cr);
    cairo_surface_flush(surf);
    cv::Mat a8(size, size, CV_8U, cairo_image_surface_get_data(surf), cairo_image_surface_get_stride(surf));
    a8.convertTo(out, CV_32F, 1.0 / 255);
  }
  g_object_unref(layout);
  cairo_destroy(cr);
  cairo_surface_destroy(surf);
  return out;
}

cv::Mat RenderGlyphHershey(int font, char digit, int thickness) {
  cv::Mat m = cv::Mat::zeros(160, 160, CV_8U);
  std::string text(1, digit);
  int base = 0;
  cv::Size ts = cv::getTextSize(text, font, 3.0, thickness, &base);
  cv::putText(m, text, cv::Point((160 - ts.width) / 2, (160 + ts.height) / 2), font, 3.0,
              cv::Scalar(255), thickness, cv::LINE_AA);
  cv::Mat out;
  m.convertTo(out, CV_32F, 1.0 / 255);
  return out;
}

cv::Mat MnistGlyph(const std::vector<float>& data, size_t index) {
  cv::Mat m(28, 28, CV_32F);
  std::copy(data.begin() + index * 784, data.begin() + (index + 1) * 784, m.ptr<float>());
  return m;
}

cv::Mat ElasticDistort(const cv::Mat& ink, double alpha, double sigma, std::mt19937& rng) {
  cv::Mat dx(ink.size(), CV_32F), dy(ink.size(), CV_32F);
  // cv::randu draws from OpenCV's global RNG: reseed it from ours for determinism.
  cv::theRNG().state = rng();
  cv::randu(dx, -1.0, 1.0);
  cv::randu(dy, -1.0, 1.0);
  int k = static_cast<int>(sigma * 6) | 1;
  cv::GaussianBlur(dx, dx, cv::Size(k, k), sigma);
  cv::GaussianBlur(dy, dy, cv::Size(k, k), sigma);
  // Normalise the smoothed field so alpha is the typical displacement in px.
  double ndx = std::max(cv::norm(dx, cv::NORM_L2) / std::sqrt(dx.total()), 1e-6);
  double ndy = std::max(cv::norm(dy, cv::NORM_L2) / std::sqrt(dy.total()), 1e-6);
  cv::Mat mapx(ink.size(), CV_32F), mapy(ink.size(), CV_32F);
  for (int y = 0; y < ink.rows; ++y)
    for (int x = 0; x < ink.cols; ++x) {
      mapx.at<float>(y, x) = static_cast<float>(x + alpha * dx.at<float>(y, x) / ndx);
      mapy.at<float>(y, x) = static_cast<float>(y + alpha * dy.at<float>(y, x) / ndy);
    }
  cv::Mat out;
  cv::remap(ink, out, mapx, mapy, cv::INTER_LINEAR, cv::BORDER_CONSTANT, 0);
  return out;
}

cv::Mat MakeCell(const cv::Mat& ink, const CellStyle& s, std::mt19937& rng) {
  const double ppm = s.px_per_mm;
  const int w = static_cast<int>(std::lround((s.cell_w_mm + 2 * s.margin_mm) * ppm));
  const int h = static_cast<int>(std::lround((s.cell_h_mm + 2 * s.margin_mm) * ppm));
  // Work at 4x, then downsample: anti-aliased border and strokes like a real scan.
  const int f = 4;
  cv::Mat canvas(h * f, w * f, CV_32F, cv::Scalar(0));  // ink coverage
  cv::Mat printed(h * f, w * f, CV_32F, cv::Scalar(0));
  int stroke = std::max(1, static_cast<int>(std::lround(0.3 * ppm * f)));
  cv::Rect cell(static_cast<int>(s.margin_mm * ppm * f), static_cast<int>(s.margin_mm * ppm * f),
                static_cast<int>(s.cell_w_mm * ppm * f), static_cast<int>(s.cell_h_mm * ppm * f));
  cv::rectangle(printed, cell, cv::Scalar(1.0), stroke);
  if (!ink.empty()) {
    cv::Mat g = ink;
    if (std::fabs(s.rotation_deg) > 0.01) {
      cv::Mat rot = cv::getRotationMatrix2D(cv::Point2f(g.cols / 2.0f, g.rows / 2.0f), s.rotation_deg, 1.0);
      cv::warpAffine(g, g, rot, g.size(), cv::INTER_LINEAR, cv::BORDER_CONSTANT, 0);
    }
    cv::Mat nz;
    cv::findNonZero(g > 0.1, nz);
    if (!nz.empty()) {
      cv::Rect bb = cv::boundingRect(nz);
      cv::Mat glyph = g(bb);
      double target_h = s.digit_h_mm * ppm * f;
      double scale = target_h / glyph.rows;
      double max_w = (s.cell_w_mm - 0.4) * ppm * f;
      if (glyph.cols * scale > max_w) scale = max_w / glyph.cols;
      cv::Mat big;
      cv::resize(glyph, big, cv::Size(), scale, scale, cv::INTER_LINEAR);
      int cx = cell.x + cell.width / 2 + static_cast<int>(s.dx_mm * ppm * f) - big.cols / 2;
      int cy = cell.y + cell.height / 2 + static_cast<int>(s.dy_mm * ppm * f) - big.rows / 2;
      cv::Rect dst(cx, cy, big.cols, big.rows);
      cv::Rect clip = dst & cv::Rect(0, 0, canvas.cols, canvas.rows);
      big(cv::Rect(clip.x - dst.x, clip.y - dst.y, clip.width, clip.height)).copyTo(canvas(clip));
    }
  }
  cv::Mat cov_ink, cov_print;
  cv::resize(canvas, cov_ink, cv::Size(w, h), 0, 0, cv::INTER_AREA);
  cv::resize(printed, cov_print, cv::Size(w, h), 0, 0, cv::INTER_AREA);
  cv::Mat img(h, w, CV_32F);
  for (int y = 0; y < h; ++y)
    for (int x = 0; x < w; ++x) {
      double v = s.paper * (1.0 - std::min(1.0, static_cast<double>(cov_print.at<float>(y, x))) * 0.92);
      v *= 1.0 - s.ink * std::min(1.0f, cov_ink.at<float>(y, x));
      img.at<float>(y, x) = static_cast<float>(v);
    }
  if (s.blur_sigma > 0) cv::GaussianBlur(img, img, cv::Size(0, 0), s.blur_sigma);
  if (s.noise_sigma > 0) {
    cv::Mat noise(img.size(), CV_32F);
    cv::theRNG().state = rng();
    cv::randn(noise, 0.0, s.noise_sigma);
    img += noise;
  }
  cv::Mat out;
  img.convertTo(out, CV_8U);
  if (s.jpeg_quality > 0) {
    std::vector<unsigned char> buf;
    cv::imencode(".jpg", out, buf, {cv::IMWRITE_JPEG_QUALITY, s.jpeg_quality});
    out = cv::imdecode(buf, cv::IMREAD_GRAYSCALE);
  }
  return out;
}

}  // namespace phieu::tools::digits
