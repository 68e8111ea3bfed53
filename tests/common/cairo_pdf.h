// Copyright 2026 The Phiếu Authors
// SPDX-License-Identifier: Apache-2.0
// Scanner-style PDFs written with cairo for tests: each page paints one image over its whole
// box. Cairo embeds attached JPEG or CCITT bytes unchanged (/DCTDecode, /CCITTFaxDecode), as
// scanners do; without them it writes the pixels Flate-compressed.
#pragma once

#include <cairo-pdf.h>
#include <cairo.h>

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include <opencv2/core.hpp>

namespace phieu::testing {

/// `m` (8-bit gray or BGR) as a cairo RGB24 image surface; the caller destroys it.
inline cairo_surface_t* ImageSurface(const cv::Mat& m) {
  cairo_surface_t* img = cairo_image_surface_create(CAIRO_FORMAT_RGB24, m.cols, m.rows);
  cairo_surface_flush(img);
  for (int y = 0; y < m.rows; ++y) {
    auto* row = reinterpret_cast<uint32_t*>(cairo_image_surface_get_data(img) + y * cairo_image_surface_get_stride(img));
    for (int x = 0; x < m.cols; ++x) {
      const cv::Vec3b p = m.channels() == 3 ? m.at<cv::Vec3b>(y, x) : cv::Vec3b::all(m.at<unsigned char>(y, x));
      row[x] = (uint32_t(p[2]) << 16) | (uint32_t(p[1]) << 8) | p[0];
    }
  }
  cairo_surface_mark_dirty(img);
  return img;
}

/// Hands cairo a copy of `bytes` as the surface's `mime` data (it frees the copy).
inline void AttachMime(cairo_surface_t* img, const char* mime, const std::string& bytes) {
  auto* held = new std::string(bytes);
  cairo_surface_set_mime_data(img, mime, reinterpret_cast<const unsigned char*>(held->data()), held->size(),
                              [](void* d) { delete static_cast<std::string*>(d); }, held);
}

/// One page of an image PDF.
struct ImagePdfPage {
  cv::Mat image;                   ///< gray or BGR pixels (what cairo draws without `encoded`).
  double width_pt = 595.276;       ///< page box; default A4.
  double height_pt = 841.89;
  std::string mime;                ///< CAIRO_MIME_TYPE_JPEG or CAIRO_MIME_TYPE_CCITT_FAX, or empty.
  std::string encoded;             ///< bytes embedded unchanged under `mime`.
  std::string ccitt_params;        ///< "Columns=W Rows=H K=-1" for CCITT.
  bool vector_overlay = false;     ///< also fill a rectangle at (300, 400) pt, 100 pt a side.
};

/// Writes the pages; false when cairo fails.
inline bool WriteImagePdf(const std::filesystem::path& path, const std::vector<ImagePdfPage>& pages) {
  if (pages.empty()) return false;
  cairo_surface_t* pdf = cairo_pdf_surface_create(path.c_str(), pages[0].width_pt, pages[0].height_pt);
  cairo_t* cr = cairo_create(pdf);
  for (const ImagePdfPage& page : pages) {
    cairo_pdf_surface_set_size(pdf, page.width_pt, page.height_pt);
    cairo_surface_t* img = ImageSurface(page.image);
    if (!page.encoded.empty()) AttachMime(img, page.mime.c_str(), page.encoded);
    if (!page.ccitt_params.empty()) AttachMime(img, CAIRO_MIME_TYPE_CCITT_FAX_PARAMS, page.ccitt_params);
    cairo_save(cr);
    cairo_scale(cr, page.width_pt / page.image.cols, page.height_pt / page.image.rows);
    cairo_set_source_surface(cr, img, 0, 0);
    cairo_paint(cr);
    cairo_restore(cr);
    if (page.vector_overlay) {
      cairo_set_source_rgb(cr, 0, 0, 0);
      cairo_rectangle(cr, 300, 400, 100, 100);
      cairo_fill(cr);
    }
    cairo_show_page(cr);
    cairo_surface_destroy(img);
  }
  cairo_destroy(cr);
  cairo_surface_finish(pdf);
  const bool ok = cairo_surface_status(pdf) == CAIRO_STATUS_SUCCESS;
  cairo_surface_destroy(pdf);
  return ok;
}

/// A vector-only PDF (no image: read by rendering) of `pages` pages of `w_pt` x `h_pt`, each
/// with a filled rectangle at a tenth of the page from its top-left corner.
inline bool WriteVectorPdf(const std::filesystem::path& path, double w_pt, double h_pt, int pages) {
  cairo_surface_t* pdf = cairo_pdf_surface_create(path.c_str(), w_pt, h_pt);
  cairo_t* cr = cairo_create(pdf);
  for (int i = 0; i < pages; ++i) {
    cairo_rectangle(cr, w_pt / 10, h_pt / 10, w_pt / 5, h_pt / 8);
    cairo_fill(cr);
    cairo_show_page(cr);
  }
  cairo_destroy(cr);
  cairo_surface_finish(pdf);
  const bool ok = cairo_surface_status(pdf) == CAIRO_STATUS_SUCCESS;
  cairo_surface_destroy(pdf);
  return ok;
}

}  // namespace phieu::testing
