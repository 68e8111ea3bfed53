// Copyright 2026 The Phiếu Authors
// SPDX-License-Identifier: Apache-2.0
// libtiff shared by the TIFF reader and the PDF reader: error capture, and a CCITT G4 stream
// from a PDF decoded through an in-memory one-strip TIFF (the same, well-tested fax decoder).
#include <algorithm>
#include <cstdio>
#include <cstring>

#include "scan_readers.h"

namespace phieu::scanner {

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


namespace {

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

}  // namespace

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


}  // namespace phieu::scanner
