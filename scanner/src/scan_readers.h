// Copyright 2026 The Phiếu Authors
// SPDX-License-Identifier: Apache-2.0
// Private to the scanner stage: what the per-format scan readers share. One reader per file:
// raster_reader.cpp (JPEG, PNG), tiff_reader.cpp, pdf_reader.cpp; pixel helpers in pixels.cpp,
// the in-memory CCITT decoder in memory_tiff.cpp, sniffing and limits in scan_file.cpp.
#pragma once

#include <cstdarg>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include <opencv2/core.hpp>
#include <tiffio.h>

#include "scanner/scanner.h"

namespace phieu::scanner {

// Errors naming the file (and the page, 1-based for people).
core::Error IoError(const std::filesystem::path& file, const std::string& what);
core::Error ParseError(const std::filesystem::path& file, const std::string& what);
core::Error PageError(const std::filesystem::path& file, int index, const std::string& what);

/// The whole file, refused (naming the limit) when larger than `max_bytes`.
core::Result<std::vector<unsigned char>> ReadWholeFile(const std::filesystem::path& path,
                                                       std::uint64_t max_bytes);

/// Refuses a page whose image (as its header claims, before anything is decoded) is larger
/// than `limits.max_page_pixels` or smaller than `limits.min_page_side_px` on a side; the
/// message names the file, the page, the size and the limit (and how to raise it).
core::Status CheckPageSize(const std::filesystem::path& file, int index, std::int64_t width,
                           std::int64_t height, const ScanLimits& limits);

/// Refuses a file with more pages than `limits.max_pages_per_file`.
core::Status CheckPageCount(const std::filesystem::path& file, std::int64_t pages,
                            const ScanLimits& limits);

// ---- pixels.cpp ---------------------------------------------------------------------------

/// Any depth / channel count -> CV_8UC1 with 0 = black.
cv::Mat ToGray8(const cv::Mat& in);
/// Expands MSB-first packed 1-bit rows to 0/255 bytes.
void UnpackBits(const unsigned char* packed, unsigned char* dst, uint32_t width, bool one_is_white);
/// Two packed 1-bit rows -> one row of `out_w` gray pixels (each the white share of a 2x2 block).
void HalveBitRows(const unsigned char* a, const unsigned char* b, unsigned char* dst, uint32_t out_w,
                  bool one_is_white);
/// `gray` at half size, each pixel the mean of its 2x2 block.
cv::Mat HalveGray(const cv::Mat& gray);
/// Scans at 500-900 dpi are read at half resolution (see pixels.cpp).
bool HalveHighRes(double dpi);
/// Decodes a JPEG to 8-bit gray (luma only), at half size when `halve`. Empty on failure.
cv::Mat DecodeJpegGray(const std::vector<unsigned char>& bytes, bool halve = false);
/// A decoder may hand back a partial image for a cut-off file: the JPEG EOI / PNG IEND marker
/// near the end of `tail` (the file's last bytes) tells.
bool LooksComplete(FileKind kind, const unsigned char* tail, size_t n);

// ---- memory_tiff.cpp ----------------------------------------------------------------------

/// libtiff handlers that keep the first error in a std::string (user data) and drop warnings.
int TiffErrorHandler(TIFF*, void* user_data, const char* module, const char* fmt, va_list ap);
int TiffWarningHandler(TIFF*, void*, const char*, const char*, va_list);

/// Decodes a CCITT G4 stream of `w` x `h` pixels to 0/255 gray, or at half size to 2x2
/// white shares when `halve`. Empty on failure.
cv::Mat DecodeG4(const std::vector<unsigned char>& data, int w, int h, bool one_is_white, bool halve);

// ---- one opener per format ----------------------------------------------------------------

core::Result<std::unique_ptr<ScanReader>> OpenRasterFile(const std::filesystem::path& path,
                                                         FileKind kind, const ScanLimits& limits);
core::Result<std::unique_ptr<ScanReader>> OpenTiffFile(const std::filesystem::path& path,
                                                       const ScanLimits& limits);
core::Result<std::unique_ptr<ScanReader>> OpenPdfFile(const std::filesystem::path& path,
                                                      const ScanLimits& limits);

}  // namespace phieu::scanner
