// Copyright 2026 The Phiếu Authors
// SPDX-License-Identifier: Apache-2.0
#include "page_writers.h"

#include <cstdlib>
#include <cstring>
#include <vector>

#include <cairo-pdf.h>
#include <cairo.h>
#include <tiffio.h>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

namespace phieu::simulator {
namespace {

core::Error IoError(const std::filesystem::path& path, const std::string& what) {
  return core::MakeError("io", "cannot write " + path.string() + ": " + what);
}

class TiffG4Writer final : public PageWriter {
 public:
  TiffG4Writer(TIFF* tif, std::filesystem::path path) : tif_(tif), path_(std::move(path)) {}
  ~TiffG4Writer() override {
    if (tif_) TIFFClose(tif_);
  }

  core::Status Add(const cv::Mat& image, double dpi) override {
    if (!tif_) return IoError(path_, "already closed");
    CV_Assert(image.type() == CV_8UC1);
    const int w = image.cols, h = image.rows;
    TIFFSetField(tif_, TIFFTAG_SUBFILETYPE, FILETYPE_PAGE);
    TIFFSetField(tif_, TIFFTAG_IMAGEWIDTH, w);
    TIFFSetField(tif_, TIFFTAG_IMAGELENGTH, h);
    TIFFSetField(tif_, TIFFTAG_BITSPERSAMPLE, 1);
    TIFFSetField(tif_, TIFFTAG_SAMPLESPERPIXEL, 1);
    TIFFSetField(tif_, TIFFTAG_COMPRESSION, COMPRESSION_CCITTFAX4);
    TIFFSetField(tif_, TIFFTAG_PHOTOMETRIC, PHOTOMETRIC_MINISWHITE);
    TIFFSetField(tif_, TIFFTAG_FILLORDER, FILLORDER_MSB2LSB);
    TIFFSetField(tif_, TIFFTAG_PLANARCONFIG, PLANARCONFIG_CONTIG);
    TIFFSetField(tif_, TIFFTAG_ROWSPERSTRIP, h);
    TIFFSetField(tif_, TIFFTAG_XRESOLUTION, static_cast<float>(dpi));
    TIFFSetField(tif_, TIFFTAG_YRESOLUTION, static_cast<float>(dpi));
    TIFFSetField(tif_, TIFFTAG_RESOLUTIONUNIT, RESUNIT_INCH);
    TIFFSetField(tif_, TIFFTAG_PAGENUMBER, static_cast<uint16_t>(pages_), static_cast<uint16_t>(0));
    std::vector<unsigned char> row((w + 7) / 8);
    for (int y = 0; y < h; ++y) {
      std::fill(row.begin(), row.end(), 0);
      const unsigned char* src = image.ptr<unsigned char>(y);
      for (int x = 0; x < w; ++x)
        if (src[x] < 128) row[x >> 3] |= static_cast<unsigned char>(0x80 >> (x & 7));  // 1 = black
      if (TIFFWriteScanline(tif_, row.data(), y, 0) < 0) return IoError(path_, "TIFFWriteScanline failed");
    }
    if (!TIFFWriteDirectory(tif_)) return IoError(path_, "TIFFWriteDirectory failed");
    ++pages_;
    return {};
  }

  core::Status Close() override {
    if (tif_) TIFFClose(tif_);
    tif_ = nullptr;
    return {};
  }

 private:
  TIFF* tif_;
  std::filesystem::path path_;
  int pages_ = 0;
};

class ScannerPdfWriter final : public PageWriter {
 public:
  ScannerPdfWriter(std::filesystem::path path, int quality) : path_(std::move(path)), quality_(quality) {}
  ~ScannerPdfWriter() override {
    if (surface_) cairo_surface_destroy(surface_);
  }

  core::Status Add(const cv::Mat& image, double dpi) override {
    const double w_pt = image.cols * 72.0 / dpi, h_pt = image.rows * 72.0 / dpi;
    if (!surface_) {
      surface_ = cairo_pdf_surface_create(path_.c_str(), w_pt, h_pt);
      if (cairo_surface_status(surface_) != CAIRO_STATUS_SUCCESS)
        return IoError(path_, cairo_status_to_string(cairo_surface_status(surface_)));
      cairo_pdf_surface_set_metadata(surface_, CAIRO_PDF_METADATA_CREATOR, "Phiếu scan simulator");
    } else {
      cairo_pdf_surface_set_size(surface_, w_pt, h_pt);
    }
    // Pixel data for cairo (it needs a surface), plus the JPEG bytes as mime data: the PDF
    // backend then embeds the JPEG stream as-is (DCTDecode), as a scanner would.
    cairo_surface_t* img = cairo_image_surface_create(CAIRO_FORMAT_RGB24, image.cols, image.rows);
    unsigned char* data = cairo_image_surface_get_data(img);
    const int stride = cairo_image_surface_get_stride(img);
    cv::Mat bgra(image.rows, image.cols, CV_8UC4, data, stride);
    cv::cvtColor(image, bgra, image.channels() == 1 ? cv::COLOR_GRAY2BGRA : cv::COLOR_BGR2BGRA);
    cairo_surface_mark_dirty(img);
    std::vector<unsigned char> jpeg;
    cv::imencode(".jpg", image, jpeg, {cv::IMWRITE_JPEG_QUALITY, quality_});
    auto* bytes = static_cast<unsigned char*>(std::malloc(jpeg.size()));
    std::memcpy(bytes, jpeg.data(), jpeg.size());
    cairo_surface_set_mime_data(img, CAIRO_MIME_TYPE_JPEG, bytes, jpeg.size(), std::free, bytes);

    cairo_t* cr = cairo_create(surface_);
    cairo_scale(cr, 72.0 / dpi, 72.0 / dpi);
    cairo_set_source_surface(cr, img, 0, 0);
    cairo_paint(cr);
    cairo_show_page(cr);
    cairo_status_t st = cairo_status(cr);
    cairo_destroy(cr);
    cairo_surface_destroy(img);
    if (st != CAIRO_STATUS_SUCCESS) return IoError(path_, cairo_status_to_string(st));
    return {};
  }

  core::Status Close() override {
    if (!surface_) return IoError(path_, "no pages");
    cairo_surface_finish(surface_);
    cairo_status_t st = cairo_surface_status(surface_);
    cairo_surface_destroy(surface_);
    surface_ = nullptr;
    if (st != CAIRO_STATUS_SUCCESS) return IoError(path_, cairo_status_to_string(st));
    return {};
  }

 private:
  std::filesystem::path path_;
  int quality_;
  cairo_surface_t* surface_ = nullptr;
};

core::Status WriteWithOpenCv(const std::filesystem::path& path, const cv::Mat& image,
                             const std::vector<int>& params) {
  try {
    if (!cv::imwrite(path.string(), image, params)) return IoError(path, "imwrite failed");
  } catch (const cv::Exception& e) {
    return IoError(path, e.what());
  }
  return {};
}

}  // namespace

core::Result<std::unique_ptr<PageWriter>> OpenTiffG4Writer(const std::filesystem::path& path) {
  TIFF* tif = TIFFOpen(path.c_str(), "w");
  if (!tif) return IoError(path, "TIFFOpen failed");
  return std::unique_ptr<PageWriter>(new TiffG4Writer(tif, path));
}

core::Result<std::unique_ptr<PageWriter>> OpenScannerPdfWriter(const std::filesystem::path& path,
                                                               int jpeg_quality) {
  return std::unique_ptr<PageWriter>(new ScannerPdfWriter(path, jpeg_quality));
}

core::Status WriteJpeg(const std::filesystem::path& path, const cv::Mat& image, int quality) {
  return WriteWithOpenCv(path, image, {cv::IMWRITE_JPEG_QUALITY, quality});
}

core::Status WritePng(const std::filesystem::path& path, const cv::Mat& image) {
  return WriteWithOpenCv(path, image, {cv::IMWRITE_PNG_COMPRESSION, 1});
}

}  // namespace phieu::simulator
