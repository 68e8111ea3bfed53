// Copyright 2026 The Phiếu Authors
// SPDX-License-Identifier: Apache-2.0
// Reading scan files: kind sniffed from magic bytes, one page decoded at a time.
#include <algorithm>
#include <array>
#include <cstdint>
#include <cstring>
#include <fstream>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <system_error>
#include <vector>

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>
#include <poppler/cpp/poppler-document.h>
#include <poppler/cpp/poppler-image.h>
#include <poppler/cpp/poppler-page-renderer.h>
#include <poppler/cpp/poppler-page.h>
#include <tiffio.h>

#include "pdf_pages.h"
#include "scanner/scanner.h"

namespace phieu::scanner {
namespace {

namespace fs = std::filesystem;
using core::Error;
using core::MakeError;
using core::Result;

// Used when a PDF page's native image resolution cannot be found: the usual scanner setting.
constexpr double kDefaultPdfDpi = 300.0;
// A PDF page rendered beyond this is almost certainly a misread of the embedded image size.
constexpr double kMaxPdfDpi = 1200.0;
constexpr double kMinPdfDpi = 50.0;

std::string Name(const fs::path& p) { return p.string(); }

Error IoError(const fs::path& file, const std::string& what) {
  return MakeError("io", Name(file) + ": " + what);
}
Error ParseError(const fs::path& file, const std::string& what) {
  return MakeError("parse", Name(file) + ": " + what);
}
Error PageError(const fs::path& file, int index, const std::string& what) {
  return MakeError("parse", Name(file) + ", page " + std::to_string(index + 1) + ": " + what);
}

Result<std::vector<unsigned char>> ReadWholeFile(const fs::path& path) {
  std::ifstream in(path, std::ios::binary | std::ios::ate);
  if (!in) return IoError(path, "cannot open file for reading");
  std::streamoff size = in.tellg();
  if (size < 0) return IoError(path, "cannot determine file size");
  std::vector<unsigned char> bytes(static_cast<size_t>(size));
  in.seekg(0);
  if (size > 0 && !in.read(reinterpret_cast<char*>(bytes.data()), size))
    return IoError(path, "read failed");
  return bytes;
}

FileKind SniffKind(const unsigned char* b, size_t n) {
  if (n >= 4 && ((b[0] == 'I' && b[1] == 'I' && (b[2] == 42 || b[2] == 43) && b[3] == 0) ||
                 (b[0] == 'M' && b[1] == 'M' && b[2] == 0 && (b[3] == 42 || b[3] == 43))))
    return FileKind::kTiff;
  if (n >= 5 && std::memcmp(b, "%PDF-", 5) == 0) return FileKind::kPdf;
  if (n >= 3 && b[0] == 0xFF && b[1] == 0xD8 && b[2] == 0xFF) return FileKind::kJpeg;
  static constexpr unsigned char kPng[8] = {0x89, 'P', 'N', 'G', 0x0D, 0x0A, 0x1A, 0x0A};
  if (n >= 8 && std::memcmp(b, kPng, 8) == 0) return FileKind::kPng;
  return FileKind::kUnknown;
}

/// Any depth / channel count -> CV_8UC1 with 0 = black.
cv::Mat ToGray8(const cv::Mat& in) {
  cv::Mat m = in;
  if (m.depth() == CV_16U) {
    m.convertTo(m, CV_8U, 1.0 / 257.0);
  } else if (m.depth() != CV_8U) {
    cv::Mat tmp;
    cv::normalize(m, tmp, 0, 255, cv::NORM_MINMAX, CV_8U);
    m = tmp;
  }
  if (m.channels() == 3) {
    cv::Mat g;
    cv::cvtColor(m, g, cv::COLOR_BGR2GRAY);
    return g;
  }
  if (m.channels() == 4) {
    cv::Mat g;
    cv::cvtColor(m, g, cv::COLOR_BGRA2GRAY);
    return g;
  }
  return m;
}

/// Expands MSB-first packed 1-bit rows to 0/255 bytes, eight pixels per table lookup: at
/// 600 dpi a G4 page is 35 Mpx, and a per-bit loop cost as much as the G4 decode itself.
void UnpackBits(const unsigned char* packed, unsigned char* dst, uint32_t width, bool one_is_white) {
  struct Table {
    std::array<std::array<unsigned char, 8>, 256> rows[2];
    Table() {
      for (int inv = 0; inv < 2; ++inv)
        for (int v = 0; v < 256; ++v)
          for (int b = 0; b < 8; ++b) {
            bool bit = (v >> (7 - b)) & 1;
            rows[inv][static_cast<size_t>(v)][static_cast<size_t>(b)] = (bit == (inv == 1)) ? 255 : 0;
          }
    }
  };
  static const Table table;
  const auto& rows = table.rows[one_is_white ? 1 : 0];
  const uint32_t whole = width / 8;
  for (uint32_t i = 0; i < whole; ++i) std::memcpy(dst + 8 * i, rows[packed[i]].data(), 8);
  for (uint32_t x = whole * 8; x < width; ++x)
    dst[x] = rows[packed[x >> 3]][x & 7];
}

// Scans at 500-900 dpi (600 dpi is a common scanner setting) are read at half resolution.
// Everything downstream works at ~300 dpi anyway (WarpRegion box-filters any larger scale down
// to that), and a 35 Mpx page costs 4x the anchor search and warps of its 9 Mpx half, and 35 MB
// for as long as it is worked on. Bilevel pages: each output pixel is the share of white in its
// 2x2 block (5 gray levels), and JPEG: libjpeg's own half-size DCT decode (neither ever makes
// the full page); other gray or colour images: an area average of the decoded page (the full
// page exists only while it is halved).
constexpr double kMinHalvedDpi = 500.0, kMaxHalvedDpi = 900.0;

bool HalveHighRes(double dpi) { return dpi >= kMinHalvedDpi && dpi < kMaxHalvedDpi; }

/// `gray` at half size, each pixel the mean of its 2x2 block.
cv::Mat HalveGray(const cv::Mat& gray) {
  cv::Mat out;
  cv::resize(gray, out, cv::Size(gray.cols / 2, gray.rows / 2), 0, 0, cv::INTER_AREA);
  return out;
}

/// Two packed 1-bit rows -> one row of `out_w` = width / 2 gray pixels (2x2 white share).
void HalveBitRows(const unsigned char* a, const unsigned char* b, unsigned char* dst, uint32_t out_w,
                  bool one_is_white) {
  // Per source byte: the number of 1 bits in each of its four 2-bit groups, one per byte lane.
  static const std::array<uint32_t, 256> kGroupCounts = [] {
    std::array<uint32_t, 256> t{};
    for (uint32_t v = 0; v < 256; ++v)
      for (uint32_t g = 0; g < 4; ++g)
        t[v] |= static_cast<uint32_t>(__builtin_popcount((v >> (6 - 2 * g)) & 3u)) << (8 * g);
    return t;
  }();
  static const unsigned char kGray[2][5] = {{255, 191, 128, 64, 0}, {0, 64, 128, 191, 255}};
  const unsigned char* gray = kGray[one_is_white ? 1 : 0];
  for (uint32_t x = 0; x < out_w; x += 4) {
    const uint32_t counts = kGroupCounts[a[x >> 2]] + kGroupCounts[b[x >> 2]];
    const uint32_t n = std::min<uint32_t>(4, out_w - x);
    for (uint32_t g = 0; g < n; ++g) dst[x + g] = gray[(counts >> (8 * g)) & 0xFF];
  }
}

/// Decodes a JPEG to 8-bit gray. Asking libjpeg for grayscale keeps only the luma channel of
/// a colour JPEG, skipping chroma upsampling and colour conversion (about 2x cheaper), and the
/// luma is the same BT.601 weighting cvtColor would apply. `halve`: libjpeg scales the DCT to
/// half size (ceil(w/2) x ceil(h/2)) and never makes the full page. Empty on failure.
cv::Mat DecodeJpegGray(const std::vector<unsigned char>& bytes, bool halve = false) {
  try {
    return cv::imdecode(bytes, halve ? cv::IMREAD_REDUCED_GRAYSCALE_2 : cv::IMREAD_GRAYSCALE);
  } catch (const cv::Exception&) {
    return {};
  }
}

// ---------------------------------------------------------------------------------------------
// JPEG / PNG: always one page; the file is small enough to hold while decoding.

uint32_t Be32(const unsigned char* p) {
  return (uint32_t(p[0]) << 24) | (uint32_t(p[1]) << 16) | (uint32_t(p[2]) << 8) | p[3];
}

/// JFIF APP0 density, when the file says it is in dots per inch or per cm.
double JpegDpi(const std::vector<unsigned char>& b) {
  // SOI then segments; JFIF's APP0 is conventionally first, so looking at the first few
  // segments is enough and cheap.
  size_t i = 2;
  for (int seg = 0; seg < 8 && i + 4 <= b.size(); ++seg) {
    if (b[i] != 0xFF) return 0.0;
    unsigned marker = b[i + 1];
    size_t len = (size_t(b[i + 2]) << 8) | b[i + 3];
    if (marker == 0xDA || len < 2) return 0.0;  // start of scan: no more headers
    if (marker == 0xE0 && len >= 14 && i + 4 + 12 <= b.size() &&
        std::memcmp(&b[i + 4], "JFIF\0", 5) == 0) {
      unsigned units = b[i + 11];
      double x_density = (unsigned(b[i + 12]) << 8) | b[i + 13];
      if (units == 1) return x_density;
      if (units == 2) return x_density * 2.54;
      return 0.0;
    }
    i += 2 + len;
  }
  return 0.0;
}

/// PNG pHYs chunk (pixels per metre) when present before the image data.
double PngDpi(const std::vector<unsigned char>& b) {
  size_t i = 8;
  while (i + 12 <= b.size()) {
    uint32_t len = Be32(&b[i]);
    const unsigned char* type = &b[i + 4];
    if (std::memcmp(type, "IDAT", 4) == 0) return 0.0;
    if (std::memcmp(type, "pHYs", 4) == 0 && len >= 9 && i + 8 + 9 <= b.size()) {
      uint32_t ppu_x = Be32(&b[i + 8]);
      if (b[i + 16] == 1) return ppu_x * 0.0254;
      return 0.0;
    }
    i += 12 + size_t(len);
  }
  return 0.0;
}

/// A decoder may hand back a partial image for a cut-off file; the end marker tells.
bool LooksComplete(FileKind kind, const std::vector<unsigned char>& b) {
  if (kind == FileKind::kJpeg) {
    // EOI, possibly followed by a little padding some scanners append.
    size_t from = b.size() > 64 ? b.size() - 64 : 0;
    for (size_t i = b.size() - 1; i > from; --i)
      if (b[i - 1] == 0xFF && b[i] == 0xD9) return true;
    return false;
  }
  if (kind == FileKind::kPng) {
    static constexpr unsigned char kIend[4] = {'I', 'E', 'N', 'D'};
    size_t from = b.size() > 64 ? b.size() - 64 : 0;
    return std::search(b.begin() + from, b.end(), kIend, kIend + 4) != b.end();
  }
  return true;
}

class RasterReader : public ScanReader {
 public:
  RasterReader(fs::path path, FileKind kind) : path_(std::move(path)), kind_(kind) {}
  int page_count() const override { return 1; }

  Result<Scan> ReadPage(int index) override {
    if (index != 0) return PageError(path_, index, "no such page (the file has 1 page)");
    auto bytes = ReadWholeFile(path_);
    if (!bytes) return bytes.error();
    const char* what = kind_ == FileKind::kJpeg ? "JPEG" : "PNG";
    if (!LooksComplete(kind_, *bytes))
      return ParseError(path_, std::string("truncated or corrupt ") + what + " file");
    cv::Mat decoded;
    const double dpi = kind_ == FileKind::kJpeg ? JpegDpi(*bytes) : PngDpi(*bytes);
    const bool halve = HalveHighRes(dpi);
    if (kind_ == FileKind::kJpeg) {
      decoded = DecodeJpegGray(*bytes, halve);
    } else {
      try {
        // ANYDEPTH keeps 16-bit PNGs exact until our own conversion; colour is dropped later.
        decoded = cv::imdecode(*bytes, cv::IMREAD_ANYDEPTH | cv::IMREAD_ANYCOLOR);
      } catch (const cv::Exception& e) {
        return ParseError(path_, std::string("corrupt ") + what + " file (" + e.what() + ")");
      }
    }
    if (decoded.empty()) return ParseError(path_, std::string("corrupt ") + what + " file");
    Scan scan;
    scan.source = {path_, 0};
    scan.gray = ToGray8(decoded);
    if (halve && kind_ != FileKind::kJpeg) scan.gray = HalveGray(scan.gray);
    scan.dpi = halve ? dpi / 2 : dpi;
    return scan;
  }

 private:
  fs::path path_;
  FileKind kind_;
};

// ---------------------------------------------------------------------------------------------
// TIFF: libtiff directly, one directory (page) at a time.

int TiffErrorHandler(TIFF*, void* user_data, const char* module, const char* fmt, va_list ap) {
  auto* sink = static_cast<std::string*>(user_data);
  char buf[512];
  std::vsnprintf(buf, sizeof buf, fmt, ap);
  if (sink->empty()) *sink = buf;  // the first complaint is usually the real cause
  return 1;
}
int TiffWarningHandler(TIFF*, void*, const char*, const char*, va_list) {
  return 1;  // unknown tags and the like: not our business
}

class TiffReader : public ScanReader {
 public:
  static Result<std::unique_ptr<ScanReader>> Open(const fs::path& path) {
    std::unique_ptr<TiffReader> r(new TiffReader(path));
    TIFFOpenOptions* opts = TIFFOpenOptionsAlloc();
    TIFFOpenOptionsSetErrorHandlerExtR(opts, &TiffErrorHandler, &r->last_error_);
    TIFFOpenOptionsSetWarningHandlerExtR(opts, &TiffWarningHandler, nullptr);
    r->tif_ = TIFFOpenExt(path.c_str(), "r", opts);
    TIFFOpenOptionsFree(opts);
    if (!r->tif_)
      return ParseError(path, "corrupt TIFF file" +
                                  (r->last_error_.empty() ? "" : " (" + r->last_error_ + ")"));
    r->pages_ = TIFFNumberOfDirectories(r->tif_);
    if (r->pages_ <= 0) return ParseError(path, "TIFF file has no pages");
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
  explicit TiffReader(fs::path path) : path_(std::move(path)) {}

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
    if (uint64_t(w) * h > 400'000'000ull)
      return PageError(path_, index, "image too large (" + std::to_string(w) + "x" +
                                         std::to_string(h) + ")");
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

  // Everything else (tiles, palette, YCbCr/JPEG, planar, CMYK...): libtiff's RGBA reader.
  Result<cv::Mat> DecodeRgba(int index, uint32_t w, uint32_t h) {
    char emsg[1024] = "";
    if (!TIFFRGBAImageOK(tif_, emsg))
      return PageError(path_, index, std::string("unsupported TIFF image layout (") + emsg + ")");
    cv::Mat rgba(static_cast<int>(h), static_cast<int>(w), CV_8UC4);
    if (!TIFFReadRGBAImageOriented(tif_, w, h, reinterpret_cast<uint32_t*>(rgba.data),
                                   ORIENTATION_TOPLEFT, 0))
      return PageError(path_, index, "truncated or corrupt image data" + Detail());
    cv::Mat gray;
    cv::cvtColor(rgba, gray, cv::COLOR_RGBA2GRAY);  // TIFFRGBA packs R in the low byte
    return gray;
  }

  fs::path path_;
  TIFF* tif_ = nullptr;
  int pages_ = 0;
  std::string last_error_;
};

// ---------------------------------------------------------------------------------------------
// PDF: poppler renders each page; resolution taken from the page's scanned image.

/// Pixel sizes of the image XObjects in a PDF. Stream objects cannot live inside object
/// streams, so their dictionaries are always plain text in the file: a streaming scan finds
/// them without parsing the PDF (poppler-cpp does not expose page images).
std::vector<std::pair<int, int>> ScanPdfImageSizes(const fs::path& path) {
  std::vector<std::pair<int, int>> sizes;
  std::ifstream in(path, std::ios::binary);
  constexpr size_t kChunk = 1 << 20, kOverlap = 4096;
  std::string buf;
  std::vector<char> chunk(kChunk);
  while (in) {
    in.read(chunk.data(), static_cast<std::streamsize>(kChunk));
    std::streamsize got = in.gcount();
    if (got <= 0) break;
    buf.append(chunk.data(), static_cast<size_t>(got));
    size_t pos = 0, keep_from = buf.size() > kOverlap ? buf.size() - kOverlap : 0;
    while ((pos = buf.find("/Image", pos)) != std::string::npos) {
      size_t at = pos;
      pos += 6;
      if (at >= keep_from && in) break;  // finish this one with the next chunk
      // The dictionary holding it: from the nearest "obj" before to "stream" after.
      size_t obj = buf.rfind(" obj", at);
      size_t end = buf.find("stream", at);
      if (obj == std::string::npos || end == std::string::npos || at - obj > 2048 ||
          end - at > 2048)
        continue;
      std::string dict = buf.substr(obj, end - obj);
      if (dict.find("/Subtype") == std::string::npos) continue;
      auto number_after = [&](const char* key) -> int {
        size_t k = dict.find(key);
        if (k == std::string::npos) return 0;
        k += std::strlen(key);
        while (k < dict.size() && (dict[k] == ' ' || dict[k] == '\n' || dict[k] == '\r')) ++k;
        int v = 0;
        size_t digits = 0;
        while (k < dict.size() && dict[k] >= '0' && dict[k] <= '9' && digits < 7)
          v = v * 10 + (dict[k++] - '0'), ++digits;
        // "/Width 12 0 R" is an indirect reference, not a size.
        size_t r = k;
        while (r < dict.size() && dict[r] == ' ') ++r;
        if (r < dict.size() && dict[r] >= '0' && dict[r] <= '9') return 0;
        return v;
      };
      int w = number_after("/Width"), h = number_after("/Height");
      if (w > 0 && h > 0) sizes.emplace_back(w, h);
    }
    buf.erase(0, keep_from);
  }
  return sizes;
}

/// Bytes [offset, offset + length) of a file.
std::vector<unsigned char> ReadRange(const fs::path& path, std::uint64_t offset, std::uint64_t length) {
  std::vector<unsigned char> bytes;
  std::ifstream in(path, std::ios::binary);
  if (!in || length > (1ull << 31)) return bytes;
  in.seekg(static_cast<std::streamoff>(offset));
  bytes.resize(static_cast<size_t>(length));
  in.read(reinterpret_cast<char*>(bytes.data()), static_cast<std::streamsize>(length));
  if (static_cast<std::uint64_t>(in.gcount()) != length) bytes.clear();
  return bytes;
}

// In-memory TIFF for libtiff's client I/O: a CCITT G4 stream from a PDF wrapped in a one-strip
// TIFF header, so the same (well-tested) fax decoder reads it.
struct MemoryTiff {
  std::vector<unsigned char> bytes;
  toff_t pos = 0;
};
tmsize_t MemRead(thandle_t h, void* buf, tmsize_t n) {
  auto* m = static_cast<MemoryTiff*>(h);
  if (m->pos >= m->bytes.size()) return 0;
  tmsize_t k = std::min<tmsize_t>(n, static_cast<tmsize_t>(m->bytes.size() - m->pos));
  std::memcpy(buf, m->bytes.data() + m->pos, static_cast<size_t>(k));
  m->pos += static_cast<toff_t>(k);
  return k;
}
tmsize_t MemWrite(thandle_t, void*, tmsize_t) { return -1; }
toff_t MemSeek(thandle_t h, toff_t off, int whence) {
  auto* m = static_cast<MemoryTiff*>(h);
  if (whence == SEEK_CUR) off += m->pos;
  if (whence == SEEK_END) off += m->bytes.size();
  m->pos = off;
  return off;
}
int MemClose(thandle_t) { return 0; }
toff_t MemSize(thandle_t h) { return static_cast<MemoryTiff*>(h)->bytes.size(); }
int MemMap(thandle_t, void**, toff_t*) { return 0; }
void MemUnmap(thandle_t, void*, toff_t) {}

/// Decodes a CCITT G4 stream of `w` x `h` pixels to 0/255 gray, or at half size to 2x2
/// white shares when `halve`. Empty on failure.
cv::Mat DecodeG4(const std::vector<unsigned char>& data, int w, int h, bool one_is_white, bool halve) {
  // Little-endian TIFF: header, then an IFD of 10 entries, then the strip.
  MemoryTiff m;
  auto put16 = [&](unsigned v) { m.bytes.push_back(v & 0xFF), m.bytes.push_back((v >> 8) & 0xFF); };
  auto put32 = [&](std::uint64_t v) { put16(v & 0xFFFF), put16((v >> 16) & 0xFFFF); };
  const unsigned kEntries = 10;
  const std::uint64_t data_at = 8 + 2 + kEntries * 12 + 4;
  m.bytes = {'I', 'I', 42, 0};
  put32(8);
  put16(kEntries);
  auto entry = [&](unsigned tag, unsigned type, std::uint64_t value) {
    put16(tag), put16(type), put32(1);
    if (type == 3) put16(static_cast<unsigned>(value)), put16(0); else put32(value);
  };
  entry(TIFFTAG_IMAGEWIDTH, 4, static_cast<std::uint64_t>(w));
  entry(TIFFTAG_IMAGELENGTH, 4, static_cast<std::uint64_t>(h));
  entry(TIFFTAG_BITSPERSAMPLE, 3, 1);
  entry(TIFFTAG_COMPRESSION, 3, COMPRESSION_CCITTFAX4);
  entry(TIFFTAG_PHOTOMETRIC, 3, PHOTOMETRIC_MINISWHITE);  // fax black runs decode as 1 bits
  entry(TIFFTAG_STRIPOFFSETS, 4, data_at);
  entry(TIFFTAG_SAMPLESPERPIXEL, 3, 1);
  entry(TIFFTAG_ROWSPERSTRIP, 4, static_cast<std::uint64_t>(h));
  entry(TIFFTAG_STRIPBYTECOUNTS, 4, data.size());
  entry(TIFFTAG_T6OPTIONS, 4, 0);
  put32(0);
  m.bytes.insert(m.bytes.end(), data.begin(), data.end());

  std::string ignored;
  TIFFOpenOptions* opts = TIFFOpenOptionsAlloc();
  TIFFOpenOptionsSetErrorHandlerExtR(opts, &TiffErrorHandler, &ignored);
  TIFFOpenOptionsSetWarningHandlerExtR(opts, &TiffWarningHandler, nullptr);
  TIFF* tif = TIFFClientOpenExt("pdf-ccitt", "rm", &m, MemRead, MemWrite, MemSeek, MemClose,
                                MemSize, MemMap, MemUnmap, opts);
  TIFFOpenOptionsFree(opts);
  if (!tif) return {};
  const size_t line_bytes = static_cast<size_t>(std::max<tmsize_t>(TIFFScanlineSize(tif), 1));
  std::vector<unsigned char> line(line_bytes), next(line_bytes);
  bool ok = true;
  cv::Mat out;
  if (halve) {
    out.create(h / 2, w / 2, CV_8UC1);
    for (int y = 0; y + 1 < h && ok; y += 2) {
      ok = TIFFReadScanline(tif, line.data(), static_cast<uint32_t>(y), 0) >= 0 &&
           TIFFReadScanline(tif, next.data(), static_cast<uint32_t>(y + 1), 0) >= 0;
      if (ok)
        HalveBitRows(line.data(), next.data(), out.ptr<unsigned char>(y / 2),
                     static_cast<uint32_t>(w / 2), one_is_white);
    }
  } else {
    out.create(h, w, CV_8UC1);
    for (int y = 0; y < h && ok; ++y) {
      ok = TIFFReadScanline(tif, line.data(), static_cast<uint32_t>(y), 0) >= 0;
      if (ok) UnpackBits(line.data(), out.ptr<unsigned char>(y), static_cast<uint32_t>(w), one_is_white);
    }
  }
  TIFFClose(tif);
  return ok ? out : cv::Mat();
}

// A scanner PDF is a stack of pages that each paint one JPEG or G4 image over the whole page.
// Those pages are decoded straight from the image bytes (the scanner's own pixels, ~3x cheaper
// than poppler's render, which decodes the same JPEG and then resamples it). Every other page,
// and every file our small reader does not follow, is rendered by poppler as before.
class PdfReader : public ScanReader {
 public:
  static Result<std::unique_ptr<ScanReader>> Open(const fs::path& path) {
    std::unique_ptr<PdfReader> r(new PdfReader(path));
    r->layout_ = ReadPdfLayout(path);
    if (r->layout_) {
      r->pages_ = r->layout_->page_count;
      // Pages to render make poppler judge the file now, as for any other PDF.
      bool all_direct = std::all_of(r->layout_->images.begin(), r->layout_->images.end(),
                                    [](const auto& im) { return im.has_value(); });
      if (all_direct) return std::unique_ptr<ScanReader>(std::move(r));
    }
    if (auto st = r->LoadDocument(); !st.ok()) return st.error();
    if (r->layout_ && r->doc_->pages() != r->pages_) {
      // Our reader and poppler disagree about the page tree: poppler is the reference.
      r->layout_.reset();
      r->pages_ = r->doc_->pages();
    }
    return std::unique_ptr<ScanReader>(std::move(r));
  }
  int page_count() const override { return pages_; }

  Result<Scan> ReadPage(int index) override {
    if (index < 0 || index >= pages_)
      return PageError(path_, index, "no such page (the file has " + std::to_string(pages_) +
                                         " pages)");
    if (layout_ && layout_->images[static_cast<size_t>(index)]) {
      const PdfPageImage& im = *layout_->images[static_cast<size_t>(index)];
      const bool halve = HalveHighRes(im.dpi) && im.width >= 2 && im.height >= 2;
      cv::Mat gray = DecodeDirect(im, halve);
      if (!gray.empty()) {
        Scan scan;
        scan.source = {path_, index};
        scan.gray = std::move(gray);
        scan.dpi = halve ? im.dpi / 2 : im.dpi;
        return scan;
      }
      // Damaged image data: let poppler do what it can with it, as it would have.
    }
    return RenderPage(index);
  }

 private:
  explicit PdfReader(fs::path path) : path_(std::move(path)) {}

  core::Status LoadDocument() {
    if (doc_) return {};
    doc_.reset(poppler::document::load_from_file(path_.string()));
    if (!doc_) return ParseError(path_, "corrupt or truncated PDF file");
    if (doc_->is_locked()) return ParseError(path_, "PDF file is password-protected");
    if (doc_->pages() <= 0) return ParseError(path_, "PDF file has no pages");
    if (!layout_) pages_ = doc_->pages();
    image_sizes_ = ScanPdfImageSizes(path_);
    return {};
  }

  cv::Mat DecodeDirect(const PdfPageImage& im, bool halve) const {
    std::vector<unsigned char> bytes = ReadRange(path_, im.offset, im.length);
    if (bytes.empty()) return {};
    cv::Mat gray;
    if (im.codec == PdfPageImage::Codec::kJpeg) {
      if (bytes[0] != 0xFF || bytes[1] != 0xD8 || !LooksComplete(FileKind::kJpeg, bytes)) return {};
      gray = DecodeJpegGray(bytes, halve);
      // libjpeg rounds a half-size decode up; keep the page the size every other path makes.
      if (halve && gray.cols == (im.width + 1) / 2 && gray.rows == (im.height + 1) / 2)
        gray = gray(cv::Rect(0, 0, im.width / 2, im.height / 2)).clone();
    } else if (im.codec == PdfPageImage::Codec::kFlate) {
      gray = DecodeFlateImage(bytes, im);
      if (halve && gray.cols == im.width && gray.rows == im.height) gray = HalveGray(gray);
    } else if (im.k < 0) {
      gray = DecodeG4(bytes, im.width, im.height, im.invert, halve);
    }
    if (gray.cols != (halve ? im.width / 2 : im.width) ||
        gray.rows != (halve ? im.height / 2 : im.height))
      return {};
    return gray;
  }

  Result<Scan> RenderPage(int index) {
    if (auto st = LoadDocument(); !st.ok()) return st.error();
    if (index >= doc_->pages()) return PageError(path_, index, "cannot read the page");
    std::unique_ptr<poppler::page> page(doc_->create_page(index));
    if (!page) return PageError(path_, index, "cannot read the page");
    poppler::rectf box = page->page_rect(poppler::media_box);
    double dpi = NativeDpi(index, box.width(), box.height(), page->orientation());
    if (HalveHighRes(dpi)) dpi /= 2;
    poppler::page_renderer renderer;
    renderer.set_render_hint(poppler::page_renderer::antialiasing, true);
    renderer.set_render_hint(poppler::page_renderer::text_antialiasing, true);
    renderer.set_image_format(poppler::image::format_gray8);
    poppler::image im = renderer.render_page(page.get(), dpi, dpi);
    if (!im.is_valid() || im.width() <= 0 || im.height() <= 0)
      return PageError(path_, index, "page could not be rendered");
    Scan scan;
    scan.source = {path_, index};
    scan.gray = cv::Mat(im.height(), im.width(), CV_8UC1, im.data(), im.bytes_per_row()).clone();
    scan.dpi = dpi;
    return scan;
  }

  /// Resolution of the page's scanned image: an image whose aspect matches the page gives
  /// pixels per inch directly. Prefer the index-th image when there is one per page.
  double NativeDpi(int index, double w_pt, double h_pt, poppler::page::orientation_enum o) const {
    if (!(w_pt > 0 && h_pt > 0)) return kDefaultPdfDpi;
    if (o == poppler::page::landscape || o == poppler::page::seascape) std::swap(w_pt, h_pt);
    auto dpi_of = [&](std::pair<int, int> s) -> double {
      for (int flip = 0; flip < 2; ++flip) {
        double iw = flip ? s.second : s.first, ih = flip ? s.first : s.second;
        double dx = iw / (w_pt / 72.0), dy = ih / (h_pt / 72.0);
        if (std::abs(dx - dy) <= 0.02 * dx) return (dx + dy) / 2;
      }
      return 0.0;
    };
    auto plausible = [](double d) { return d >= kMinPdfDpi && d <= kMaxPdfDpi; };
    if (static_cast<int>(image_sizes_.size()) == pages_) {
      double d = dpi_of(image_sizes_[static_cast<size_t>(index)]);
      if (plausible(d)) return std::round(d);
    }
    std::map<long, int> votes;
    for (const auto& s : image_sizes_) {
      double d = dpi_of(s);
      if (plausible(d)) ++votes[std::lround(d)];
    }
    if (votes.empty()) return kDefaultPdfDpi;
    auto best = std::max_element(votes.begin(), votes.end(),
                                 [](auto& a, auto& b) { return a.second < b.second; });
    return static_cast<double>(best->first);
  }

  fs::path path_;
  std::optional<PdfLayout> layout_;             // set when our reader follows the file
  std::unique_ptr<poppler::document> doc_;      // loaded only when a page must be rendered
  int pages_ = 0;
  std::vector<std::pair<int, int>> image_sizes_;
};

bool HasScanExtension(const fs::path& p) {
  std::string ext = p.extension().string();
  std::transform(ext.begin(), ext.end(), ext.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  static const std::set<std::string> kExts = {".tif", ".tiff", ".pdf", ".jpg", ".jpeg", ".png"};
  return kExts.count(ext) > 0;
}

}  // namespace

core::Result<std::unique_ptr<ScanReader>> OpenScanFile(const fs::path& path) {
  std::error_code ec;
  auto st = fs::status(path, ec);
  if (ec || !fs::exists(st)) return IoError(path, "no such file");
  if (fs::is_directory(st)) return IoError(path, "is a folder, not a scan file");
  auto size = fs::file_size(path, ec);
  if (ec) return IoError(path, "cannot read file size (" + ec.message() + ")");
  if (size == 0) return ParseError(path, "empty file");
  unsigned char head[16] = {};
  {
    std::ifstream in(path, std::ios::binary);
    if (!in) return IoError(path, "cannot open file for reading");
    in.read(reinterpret_cast<char*>(head), sizeof head);
  }
  FileKind kind = SniffKind(head, std::min<size_t>(sizeof head, size));
  switch (kind) {
    case FileKind::kTiff: return TiffReader::Open(path);
    case FileKind::kPdf: return PdfReader::Open(path);
    case FileKind::kJpeg:
    case FileKind::kPng: return std::unique_ptr<ScanReader>(new RasterReader(path, kind));
    case FileKind::kUnknown: break;
  }
  return ParseError(path, "not a TIFF, PDF, JPEG or PNG file");
}

core::Result<std::vector<fs::path>> ExpandInputs(const std::vector<fs::path>& paths) {
  std::vector<fs::path> out;
  for (const auto& p : paths) {
    std::error_code ec;
    auto st = fs::status(p, ec);
    if (ec || !fs::exists(st)) return IoError(p, "no such file or folder");
    if (!fs::is_directory(st)) {
      // Named explicitly: kept whatever its extension, so nothing is silently skipped;
      // OpenScanFile judges it by its content.
      out.push_back(p);
      continue;
    }
    fs::recursive_directory_iterator it(p, fs::directory_options::skip_permission_denied, ec), end;
    if (ec) return IoError(p, "cannot list folder (" + ec.message() + ")");
    for (; it != end; it.increment(ec)) {
      if (ec) return IoError(p, "cannot list folder (" + ec.message() + ")");
      std::error_code fec;
      if (it->is_regular_file(fec) && HasScanExtension(it->path())) out.push_back(it->path());
    }
  }
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

}  // namespace phieu::scanner
