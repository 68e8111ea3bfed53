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

namespace {
// Pastes `glyph` (float ink, any size) into `canvas` (4x working resolution), `height_px` tall
// (no wider than `max_w_px`), centred at `centre`, rotated by `rotation_deg`.
void PasteGlyph(cv::Mat& canvas, const cv::Mat& glyph_in, double rotation_deg, double height_px,
                double max_w_px, cv::Point2d centre) {
  cv::Mat g = glyph_in;
  if (std::fabs(rotation_deg) > 0.01) {
    cv::Mat rot = cv::getRotationMatrix2D(cv::Point2f(g.cols / 2.0f, g.rows / 2.0f), rotation_deg, 1.0);
    cv::warpAffine(g, g, rot, g.size(), cv::INTER_LINEAR, cv::BORDER_CONSTANT, 0);
  }
  cv::Mat nz;
  cv::findNonZero(g > 0.1, nz);
  if (nz.empty()) return;
  cv::Mat glyph = g(cv::boundingRect(nz));
  double scale = height_px / glyph.rows;
  if (glyph.cols * scale > max_w_px) scale = max_w_px / glyph.cols;
  cv::Mat big;
  cv::resize(glyph, big, cv::Size(), scale, scale, cv::INTER_LINEAR);
  cv::Rect dst(static_cast<int>(centre.x) - big.cols / 2, static_cast<int>(centre.y) - big.rows / 2,
               big.cols, big.rows);
  cv::Rect clip = dst & cv::Rect(0, 0, canvas.cols, canvas.rows);
  if (clip.empty()) return;
  cv::Mat src = big(cv::Rect(clip.x - dst.x, clip.y - dst.y, clip.width, clip.height));
  cv::Mat dst_roi = canvas(clip);
  cv::max(dst_roi, src, dst_roi);
}
}  // namespace

void RandomHardCase(CellStyle& s, std::mt19937& rng) {
  const double pick = Uniform(rng, 0, 1);
  if (pick < 0.45) return;  // plain
  if (pick < 0.60) {
    // Fine or heavy pens, and writers who press hard.
    s.stroke_mm = Uniform(rng, 0, 1) < 0.5 ? Uniform(rng, -0.12, -0.04) : Uniform(rng, 0.05, 0.25);
  } else if (pick < 0.72) {
    s.grain = Uniform(rng, 0.3, 0.7);  // grainy pencil on a gray scan
    s.ink = Uniform(rng, 0.35, 0.7);
  } else if (pick < 0.84) {
    // Bilevel scans: pencil under a threshold that keeps only part of each trace (thinned
    // strokes, broken into specks), or a pen under an ordinary threshold.
    if (Uniform(rng, 0, 1) < 0.6) {
      s.grain = Uniform(rng, 0.3, 0.6);
      s.ink = Uniform(rng, 0.35, 0.7);
      s.bilevel_keep = Uniform(rng, 0.25, 0.65);
      s.stroke_mm = Uniform(rng, -0.05, 0.05);
    } else {
      s.bilevel_keep = Uniform(rng, 0.8, 0.99);
    }
  } else if (pick < 0.92) {
    // A hurried writer crosses the comb: off to one side, up or down, or too tall.
    switch (std::uniform_int_distribution<int>(0, 2)(rng)) {
      case 0: s.dx_mm = (Uniform(rng, 0, 1) < 0.5 ? 1 : -1) * Uniform(rng, 1.0, 2.5); break;
      case 1: s.dy_mm = (Uniform(rng, 0, 1) < 0.5 ? 1 : -1) * Uniform(rng, 1.2, 2.8); break;
      default: s.digit_h_mm = Uniform(rng, 7.0, 9.2); break;
    }
  } else {
    s.neighbour_side = Uniform(rng, 0, 1) < 0.5 ? -1 : 1;
    s.neighbour_shift_mm = Uniform(rng, 0.8, 2.5);
  }
}

cv::Mat MakeCell(const cv::Mat& ink, const CellStyle& s, std::mt19937& rng, const cv::Mat& neighbour) {
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
  cv::Mat other = neighbour;
  if (other.empty() && !ink.empty()) cv::flip(ink, other, 1);
  if (!ink.empty() || (s.neighbour_side != 0 && !other.empty())) {
    const double max_w = (s.cell_w_mm - 0.4) * ppm * f;
    const double cx = cell.x + cell.width / 2.0, cy = cell.y + cell.height / 2.0;
    if (!ink.empty())
      PasteGlyph(canvas, ink, s.rotation_deg, s.digit_h_mm * ppm * f, max_w,
                 {cx + s.dx_mm * ppm * f, cy + s.dy_mm * ppm * f});
    if (s.neighbour_side != 0 && !other.empty()) {
      // The neighbour's centre, one comb pitch away, moved towards this cell.
      const double pitch = (s.cell_w_mm + s.cell_gap_mm) * ppm * f;
      const double nx = cx + s.neighbour_side * (pitch - s.neighbour_shift_mm * ppm * f);
      PasteGlyph(canvas, other, -s.rotation_deg, s.digit_h_mm * ppm * f, max_w, {nx, cy});
    }
    if (std::fabs(s.stroke_mm) > 1e-3) {
      const int r = std::max(1, static_cast<int>(std::lround(std::fabs(s.stroke_mm) * ppm * f)));
      cv::Mat k = cv::getStructuringElement(cv::MORPH_ELLIPSE, cv::Size(2 * r + 1, 2 * r + 1));
      if (s.stroke_mm > 0) cv::dilate(canvas, canvas, k);
      else cv::erode(canvas, canvas, k);
    }
  }
  cv::Mat cov_ink, cov_print;
  cv::resize(canvas, cov_ink, cv::Size(w, h), 0, 0, cv::INTER_AREA);
  cv::resize(printed, cov_print, cv::Size(w, h), 0, 0, cv::INTER_AREA);
  if (s.grain > 0) {
    cv::Mat grain(cov_ink.size(), CV_32F);
    cv::theRNG().state = rng();
    cv::randu(grain, 1.0 - s.grain, 1.0);
    cov_ink = cov_ink.mul(grain);
  }
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
  if (s.bilevel_keep > 0) {
    // The threshold under which bilevel_keep of the digit's pixels lie (never above a level
    // that would turn the paper's noise black), then a light blur: the reader gets the page
    // resampled to its own resolution.
    std::vector<uchar> levels;
    for (int y = 0; y < h; ++y)
      for (int x = 0; x < w; ++x)
        if (cov_ink.at<float>(y, x) > 0.3f) levels.push_back(out.at<uchar>(y, x));
    double t = s.paper - 60;
    if (!levels.empty()) {
      auto k = levels.begin() + static_cast<long>(s.bilevel_keep * static_cast<double>(levels.size() - 1));
      std::nth_element(levels.begin(), k, levels.end());
      t = std::min<double>(*k + 1, s.paper - 25);
    }
    cv::threshold(out, out, t, 255, cv::THRESH_BINARY);
    cv::GaussianBlur(out, out, cv::Size(0, 0), 0.45);
    return out;
  }
  if (s.jpeg_quality > 0) {
    std::vector<unsigned char> buf;
    cv::imencode(".jpg", out, buf, {cv::IMWRITE_JPEG_QUALITY, s.jpeg_quality});
    out = cv::imdecode(buf, cv::IMREAD_GRAYSCALE);
  }
  return out;
}

}  // namespace phieu::tools::digits
