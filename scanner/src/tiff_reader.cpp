// Copyright 2026 The Phiếu Authors
// SPDX-License-Identifier: Apache-2.0
// TIFF scans: libtiff directly, one directory (page) at a time; each page's size is checked
// from its directory before a row is decoded.
#include <algorithm>
#include <cstdint>
#include <string>

#include <opencv2/imgproc.hpp>

#include "scan_readers.h"

namespace phieu::scanner {
namespace {

namespace fs = std::filesystem;
using core::Result;

class TiffReader : public ScanReader {
 public:
  static Result<std::unique_ptr<ScanReader>> Open(const fs::path& path, const ScanLimits& limits) {
    std::unique_ptr<TiffReader> r(new TiffReader(path, limits));
    TIFFOpenOptions* opts = TIFFOpenOptionsAlloc();
    TIFFOpenOptionsSetErrorHandlerExtR(opts, &TiffErrorHandler, &r->last_error_);
    TIFFOpenOptionsSetWarningHandlerExtR(opts, &TiffWarningHandler, nullptr);
    r->tif_ = TIFFOpenExt(path.c_str(), "r", opts);
    TIFFOpenOptionsFree(opts);
    if (!r->tif_)
      return ParseError(path, "corrupt TIFF file" +
                                  (r->last_error_.empty() ? "" : " (" + r->last_error_ + ")"));
    // Counting walks the directory chain; libtiff stops at a loop and at 65535 directories.
    const tdir_t pages = TIFFNumberOfDirectories(r->tif_);
    if (pages == 0) return ParseError(path, "TIFF file has no pages");
    if (auto st = CheckPageCount(path, pages, limits); !st.ok()) return st.error();
    r->pages_ = static_cast<int>(pages);
    return std::unique_ptr<ScanReader>(std::move(r));
  }
  ~TiffReader() override {
    if (tif_) TIFFClose(tif_);
  }
  int page_count() const override { return pages_; }

  Result<Scan> ReadPage(int index) override {
    if (index < 0 || index >= pages_)
      return PageError(path_, index, "no such page (the file has " + std::to_string(pages_) +
                                         " pages)");
    last_error_.clear();
    if (!TIFFSetDirectory(tif_, static_cast<tdir_t>(index)))
      return PageError(path_, index, "cannot read the page header" + Detail());
    Scan scan;
    scan.source = {path_, index};
    const double dpi = Dpi();
    bool halved = false;
    auto image = DecodeDirectory(index, HalveHighRes(dpi), &halved);
    if (!image) return image.error();
    scan.gray = std::move(*image);
    if (HalveHighRes(dpi) && !halved && scan.gray.cols >= 2 && scan.gray.rows >= 2) {
      scan.gray = HalveGray(scan.gray);
      halved = true;
    }
    scan.dpi = halved ? dpi / 2 : dpi;
    return scan;
  }

 private:
  TiffReader(fs::path path, const ScanLimits& limits) : path_(std::move(path)), limits_(limits) {}

  std::string Detail() const { return last_error_.empty() ? "" : " (" + last_error_ + ")"; }

  double Dpi() const {
    float x_res = 0;
    uint16_t unit = RESUNIT_INCH;
    if (!TIFFGetField(tif_, TIFFTAG_XRESOLUTION, &x_res) || !(x_res > 0)) return 0.0;
    TIFFGetFieldDefaulted(tif_, TIFFTAG_RESOLUTIONUNIT, &unit);
    if (unit == RESUNIT_CENTIMETER) return x_res * 2.54;
    if (unit == RESUNIT_INCH) return x_res;
    return 0.0;
  }

  /// `halve_bilevel`: read a 1-bit page at half resolution (sets *halved).
  Result<cv::Mat> DecodeDirectory(int index, bool halve_bilevel, bool* halved) {
    uint32_t w = 0, h = 0;
    uint16_t bps = 1, spp = 1, photometric = PHOTOMETRIC_MINISBLACK,
             planar = PLANARCONFIG_CONTIG;
    if (!TIFFGetField(tif_, TIFFTAG_IMAGEWIDTH, &w) || !TIFFGetField(tif_, TIFFTAG_IMAGELENGTH, &h) ||
        w == 0 || h == 0)
      return PageError(path_, index, "missing image size" + Detail());
    if (auto st = CheckPageSize(path_, index, w, h, limits_); !st.ok()) return st.error();
    TIFFGetFieldDefaulted(tif_, TIFFTAG_BITSPERSAMPLE, &bps);
    TIFFGetFieldDefaulted(tif_, TIFFTAG_SAMPLESPERPIXEL, &spp);
    TIFFGetFieldDefaulted(tif_, TIFFTAG_PLANARCONFIG, &planar);
    if (!TIFFGetField(tif_, TIFFTAG_PHOTOMETRIC, &photometric))
      photometric = bps == 1 ? PHOTOMETRIC_MINISWHITE : PHOTOMETRIC_MINISBLACK;  // fax habit
    const bool simple_layout =
        !TIFFIsTiled(tif_) && planar == PLANARCONFIG_CONTIG &&
        ((spp == 1 && (bps == 1 || bps == 8 || bps == 16) &&
          (photometric == PHOTOMETRIC_MINISWHITE || photometric == PHOTOMETRIC_MINISBLACK)) ||
         ((spp == 3 || spp == 4) && (bps == 8 || bps == 16) && photometric == PHOTOMETRIC_RGB));
    if (simple_layout && bps == 1 && spp == 1 && halve_bilevel && w >= 2 && h >= 2) {
      *halved = true;
      return DecodeBilevelHalved(index, w, h, photometric);
    }
    if (simple_layout) return DecodeScanlines(index, w, h, bps, spp, photometric);
    return DecodeRgba(index, w, h);
  }

  Result<cv::Mat> DecodeBilevelHalved(int index, uint32_t w, uint32_t h, uint16_t photometric) {
    const size_t line_bytes = static_cast<size_t>(std::max<tmsize_t>(TIFFScanlineSize(tif_), 1));
    std::vector<unsigned char> a(line_bytes), b(line_bytes);
    cv::Mat out(static_cast<int>(h / 2), static_cast<int>(w / 2), CV_8UC1);
    const bool one_is_white = photometric != PHOTOMETRIC_MINISWHITE;
    for (uint32_t y = 0; y + 1 < h; y += 2) {
      if (TIFFReadScanline(tif_, a.data(), y, 0) < 0 || TIFFReadScanline(tif_, b.data(), y + 1, 0) < 0)
        return PageError(path_, index, "truncated or corrupt image data at row " +
                                           std::to_string(y) + Detail());
      HalveBitRows(a.data(), b.data(), out.ptr<unsigned char>(static_cast<int>(y / 2)), w / 2,
                   one_is_white);
    }
    return out;
  }

  // Fast path for the layouts scanners write (bilevel G4, gray, RGB in strips): scanline by
  // scanline straight into the page buffer, no 4-byte-per-pixel RGBA detour.
  Result<cv::Mat> DecodeScanlines(int index, uint32_t w, uint32_t h, uint16_t bps, uint16_t spp,
                                  uint16_t photometric) {
    const tmsize_t line_bytes = TIFFScanlineSize(tif_);
    std::vector<unsigned char> line(static_cast<size_t>(std::max<tmsize_t>(line_bytes, 1)));
    cv::Mat out(static_cast<int>(h), static_cast<int>(w), CV_8UC1);
    const bool invert = photometric == PHOTOMETRIC_MINISWHITE;
    for (uint32_t y = 0; y < h; ++y) {
      if (TIFFReadScanline(tif_, line.data(), y, 0) < 0)
        return PageError(path_, index, "truncated or corrupt image data at row " +
                                           std::to_string(y) + Detail());
      unsigned char* dst = out.ptr<unsigned char>(static_cast<int>(y));
      if (bps == 1) {
        UnpackBits(line.data(), dst, w, !invert);
      } else if (spp == 1) {
        for (uint32_t x = 0; x < w; ++x) {
          unsigned v = bps == 8 ? line[x] : reinterpret_cast<const uint16_t*>(line.data())[x] >> 8;
          dst[x] = static_cast<unsigned char>(invert ? 255 - v : v);
        }
      } else {
        for (uint32_t x = 0; x < w; ++x) {
          unsigned r, g, b;
          if (bps == 8) {
            const unsigned char* p = &line[size_t(x) * spp];
            r = p[0], g = p[1], b = p[2];
          } else {
            const uint16_t* p = reinterpret_cast<const uint16_t*>(line.data()) + size_t(x) * spp;
            r = p[0] >> 8, g = p[1] >> 8, b = p[2] >> 8;
          }
          // ITU-R BT.601 luma, the same weights cv::cvtColor uses.
          dst[x] = static_cast<unsigned char>((299 * r + 587 * g + 114 * b + 500) / 1000);
        }
      }
    }
    return out;
  }

  // Everything else (tiles, palette, YCbCr/JPEG, planar, CMYK, LAB, odd bits per sample...):
  // libtiff's RGBA reader, one band of rows at a time converted to gray as it goes, so a page
  // costs the gray page (1 byte a pixel) plus one band, not a whole 4-byte-a-pixel RGBA copy
  // (400 MB more at the pixel limit). A band is whole strips or tiles, so each is decoded once;
  // when a single strip is larger than kMaxBandBytes as RGBA (a compressed one-strip page),
  // bands are kMaxBandBytes and libtiff decodes that strip from its start for each band: slower,
  // but memory stays bounded. libtiff may still hold one raw strip or tile row at the file's
  // own depth.
  static constexpr std::uint64_t kMaxBandBytes = std::uint64_t{16} << 20;

  Result<cv::Mat> DecodeRgba(int index, uint32_t w, uint32_t h) {
    char emsg[1024] = "";
    if (!TIFFRGBAImageOK(tif_, emsg))
      return PageError(path_, index, std::string("unsupported TIFF image layout (") + emsg + ")");
    TIFFRGBAImage img;
    if (!TIFFRGBAImageBegin(&img, tif_, 0, emsg))
      return PageError(path_, index, std::string("unsupported TIFF image layout (") + emsg + ")");
    struct EndImage {
      TIFFRGBAImage* img;
      ~EndImage() { TIFFRGBAImageEnd(img); }
    } end_image{&img};
    img.req_orientation = ORIENTATION_TOPLEFT;
    // libtiff flips each band within itself; a page stored bottom-up also has its bands in
    // reverse order, so a band's rows go to the mirrored place in the page.
    const bool bottom_up = img.orientation == ORIENTATION_BOTLEFT || img.orientation == ORIENTATION_BOTRIGHT ||
                           img.orientation == ORIENTATION_LEFTBOT || img.orientation == ORIENTATION_RIGHTBOT;
    uint32_t unit = 0;  // rows decoded together: a strip, or a row of tiles
    if (TIFFIsTiled(tif_))
      TIFFGetField(tif_, TIFFTAG_TILELENGTH, &unit);
    else
      TIFFGetFieldDefaulted(tif_, TIFFTAG_ROWSPERSTRIP, &unit);
    unit = std::clamp<uint32_t>(unit, 1, h);
    uint32_t band = static_cast<uint32_t>(
        std::clamp<std::uint64_t>(kMaxBandBytes / (std::uint64_t{4} * w), 1, h));
    if (unit <= band)
      band = band / unit * unit;
    else if (band >= 4)
      band -= band % 4;  // whole blocks of YCbCr subsampling (at most 4 rows) in every band
    cv::Mat rgba(static_cast<int>(band), static_cast<int>(w), CV_8UC4);
    cv::Mat gray(static_cast<int>(h), static_cast<int>(w), CV_8UC1);
    for (uint32_t y = 0; y < h; y += band) {
      const uint32_t rows = std::min(band, h - y);
      img.row_offset = static_cast<int>(y);
      img.col_offset = 0;
      if (!TIFFRGBAImageGet(&img, reinterpret_cast<uint32_t*>(rgba.data), w, rows))
        return PageError(path_, index, "truncated or corrupt image data at row " + std::to_string(y) + Detail());
      const uint32_t to = bottom_up ? h - y - rows : y;
      // TIFFRGBA packs R in the low byte: RGBA order in memory.
      cv::cvtColor(rgba.rowRange(0, static_cast<int>(rows)), gray.rowRange(static_cast<int>(to),
                                                                            static_cast<int>(to + rows)),
                   cv::COLOR_RGBA2GRAY);
    }
    return gray;
  }

  fs::path path_;
  ScanLimits limits_;
  TIFF* tif_ = nullptr;
  int pages_ = 0;
  std::string last_error_;
};

}  // namespace

Result<std::unique_ptr<ScanReader>> OpenTiffFile(const fs::path& path, const ScanLimits& limits) {
  return TiffReader::Open(path, limits);
}

}  // namespace phieu::scanner
