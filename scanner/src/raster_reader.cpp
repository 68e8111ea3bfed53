// Copyright 2026 The Phiếu Authors
// SPDX-License-Identifier: Apache-2.0
// JPEG and PNG scans: always one page. Opening reads only the header (image size, checked
// against the limits before anything is decoded) and the last bytes (a cut-off file is
// refused at once, like an empty one); reading the page holds the file while decoding it.
#include <algorithm>
#include <cstring>
#include <fstream>
#include <optional>

#include <opencv2/imgcodecs.hpp>

#include "scan_readers.h"

namespace phieu::scanner {
namespace {

namespace fs = std::filesystem;
using core::Result;

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

struct ImageSize {
  std::int64_t width = 0, height = 0;
};

/// The frame size from a JPEG's SOF marker, hopping over the segments before it (APPn
/// segments with EXIF thumbnails or ICC profiles can be tens of KiB each). Empty when the
/// markers are damaged or the scan starts before any frame header.
std::optional<ImageSize> JpegSize(std::ifstream& in) {
  in.seekg(2);  // past SOI
  for (int seg = 0; seg < 1000; ++seg) {
    int c = in.get();
    if (c != 0xFF) return std::nullopt;
    int marker = in.get();
    while (marker == 0xFF) marker = in.get();  // fill bytes
    if (marker == EOF) return std::nullopt;
    if (marker == 0x01 || (marker >= 0xD0 && marker <= 0xD7)) continue;  // no length
    unsigned char len_bytes[2];
    if (!in.read(reinterpret_cast<char*>(len_bytes), 2)) return std::nullopt;
    const int len = (len_bytes[0] << 8) | len_bytes[1];
    if (len < 2 || marker == 0xDA || marker == 0xD9) return std::nullopt;  // scan before frame
    const bool sof = marker >= 0xC0 && marker <= 0xCF && marker != 0xC4 && marker != 0xC8 &&
                     marker != 0xCC;
    if (sof) {
      unsigned char f[5];
      if (len < 7 || !in.read(reinterpret_cast<char*>(f), 5)) return std::nullopt;
      return ImageSize{(f[3] << 8) | f[4], (f[1] << 8) | f[2]};
    }
    in.seekg(len - 2, std::ios::cur);
    if (!in) return std::nullopt;
  }
  return std::nullopt;
}

/// IHDR, which PNG requires to be the first chunk.
std::optional<ImageSize> PngSize(std::ifstream& in) {
  unsigned char h[24];
  in.seekg(0);
  if (!in.read(reinterpret_cast<char*>(h), sizeof h) || std::memcmp(h + 12, "IHDR", 4) != 0)
    return std::nullopt;
  return ImageSize{Be32(h + 16), Be32(h + 20)};
}

class RasterReader : public ScanReader {
 public:
  RasterReader(fs::path path, FileKind kind, const ScanLimits& limits)
      : path_(std::move(path)), kind_(kind), limits_(limits) {}
  int page_count() const override { return 1; }

  Result<Scan> ReadPage(int index) override {
    if (index != 0) return PageError(path_, index, "no such page (the file has 1 page)");
    auto bytes = ReadWholeFile(path_, limits_.max_file_bytes);
    if (!bytes) return bytes.error();
    const char* what = kind_ == FileKind::kJpeg ? "JPEG" : "PNG";
    if (!LooksComplete(kind_, bytes->data(), bytes->size()))
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
  ScanLimits limits_;
};

}  // namespace

Result<std::unique_ptr<ScanReader>> OpenRasterFile(const fs::path& path, FileKind kind,
                                                   const ScanLimits& limits) {
  const char* what = kind == FileKind::kJpeg ? "JPEG" : "PNG";
  std::ifstream in(path, std::ios::binary | std::ios::ate);
  if (!in) return IoError(path, "cannot open file for reading");
  const std::streamoff size = in.tellg();
  if (size <= 0) return IoError(path, "cannot determine file size");
  unsigned char tail[64];
  const std::streamoff tail_n = std::min<std::streamoff>(size, sizeof tail);
  in.seekg(size - tail_n);
  if (!in.read(reinterpret_cast<char*>(tail), tail_n)) return IoError(path, "read failed");
  if (!LooksComplete(kind, tail, static_cast<size_t>(tail_n)))
    return ParseError(path, std::string("truncated or corrupt ") + what + " file (no end marker)");
  in.clear();
  auto dims = kind == FileKind::kJpeg ? JpegSize(in) : PngSize(in);
  if (!dims) return ParseError(path, std::string("corrupt ") + what + " file (no readable image header)");
  if (auto st = CheckPageSize(path, 0, dims->width, dims->height, limits); !st.ok()) return st.error();
  return std::unique_ptr<ScanReader>(new RasterReader(path, kind, limits));
}

}  // namespace phieu::scanner
