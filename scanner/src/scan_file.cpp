// Copyright 2026 The Phiếu Authors
// SPDX-License-Identifier: Apache-2.0
// Opening scan files: kind sniffed from magic bytes, the file-size limit, the page limits
// every reader applies, and expanding folders into the files to read.
#include <algorithm>
#include <cstring>
#include <exception>
#include <fstream>
#include <new>
#include <set>
#include <string>
#include <system_error>

#include "scan_readers.h"

namespace phieu::scanner {
namespace {

namespace fs = std::filesystem;
using core::MakeError;
using core::Result;

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

bool HasScanExtension(const fs::path& p) {
  std::string ext = p.extension().string();
  std::transform(ext.begin(), ext.end(), ext.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  static const std::set<std::string> kExts = {".tif", ".tiff", ".pdf", ".jpg", ".jpeg", ".png"};
  return kExts.count(ext) > 0;
}

/// 123456789 -> "123,456,789".
std::string Grouped(std::uint64_t n) {
  std::string digits = std::to_string(n), out;
  for (size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return out;
}

Result<std::unique_ptr<ScanReader>> Open(const fs::path& path, const ScanLimits& limits) {
  std::error_code ec;
  auto st = fs::status(path, ec);
  if (ec || !fs::exists(st)) return IoError(path, "no such file");
  if (fs::is_directory(st)) return IoError(path, "is a folder, not a scan file");
  auto size = fs::file_size(path, ec);
  if (ec) return IoError(path, "cannot read file size (" + ec.message() + ")");
  if (size == 0) return ParseError(path, "empty file");
  if (size > limits.max_file_bytes)
    return MakeError("limit", path.string() + ": file of " + Grouped(size) + " bytes is over the limit of " +
                                  Grouped(limits.max_file_bytes) + " bytes per scan file (--max-file-mb raises it)");
  unsigned char head[16] = {};
  {
    std::ifstream in(path, std::ios::binary);
    if (!in) return IoError(path, "cannot open file for reading");
    in.read(reinterpret_cast<char*>(head), sizeof head);
  }
  FileKind kind = SniffKind(head, std::min<size_t>(sizeof head, size));
  switch (kind) {
    case FileKind::kTiff: return OpenTiffFile(path, limits);
    case FileKind::kPdf: return OpenPdfFile(path, limits);
    case FileKind::kJpeg:
    case FileKind::kPng: return OpenRasterFile(path, kind, limits);
    case FileKind::kUnknown: break;
  }
  return ParseError(path, "not a TIFF, PDF, JPEG or PNG file");
}

/// Runs a reader call, turning any exception a library throws (OpenCV, poppler, qpdf, a
/// failed allocation) into an Error naming the file: no hostile file ends the batch.
template <typename F>
auto Contained(const fs::path& path, int page, F&& f) -> decltype(f()) {
  const std::string where = page < 0 ? path.string() : path.string() + ", page " + std::to_string(page + 1);
  try {
    return f();
  } catch (const std::bad_alloc&) {
    return MakeError("parse", where + ": not enough memory to read it");
  } catch (const std::exception& e) {
    return MakeError("parse", where + ": cannot be read (" + e.what() + ")");
  } catch (...) {
    return MakeError("parse", where + ": cannot be read (unknown failure)");
  }
}

/// Wraps a reader so that no exception leaves ReadPage.
class ContainedReader : public ScanReader {
 public:
  ContainedReader(fs::path path, std::unique_ptr<ScanReader> inner)
      : path_(std::move(path)), inner_(std::move(inner)) {}
  int page_count() const override { return inner_->page_count(); }
  Result<Scan> ReadPage(int index) override {
    return Contained(path_, index, [&] { return inner_->ReadPage(index); });
  }

 private:
  fs::path path_;
  std::unique_ptr<ScanReader> inner_;
};

}  // namespace

core::Error IoError(const fs::path& file, const std::string& what) {
  return MakeError("io", file.string() + ": " + what);
}
core::Error ParseError(const fs::path& file, const std::string& what) {
  return MakeError("parse", file.string() + ": " + what);
}
core::Error PageError(const fs::path& file, int index, const std::string& what) {
  return MakeError("parse", file.string() + ", page " + std::to_string(index + 1) + ": " + what);
}

Result<std::vector<unsigned char>> ReadWholeFile(const fs::path& path, std::uint64_t max_bytes) {
  std::ifstream in(path, std::ios::binary | std::ios::ate);
  if (!in) return IoError(path, "cannot open file for reading");
  std::streamoff size = in.tellg();
  if (size < 0) return IoError(path, "cannot determine file size");
  if (static_cast<std::uint64_t>(size) > max_bytes)
    return MakeError("limit", path.string() + ": file of " + Grouped(static_cast<std::uint64_t>(size)) +
                                  " bytes is over the limit of " + Grouped(max_bytes) +
                                  " bytes per scan file (--max-file-mb raises it)");
  std::vector<unsigned char> bytes(static_cast<size_t>(size));
  in.seekg(0);
  if (size > 0 && !in.read(reinterpret_cast<char*>(bytes.data()), size))
    return IoError(path, "read failed");
  return bytes;
}

core::Status CheckPageSize(const fs::path& file, int index, std::int64_t width, std::int64_t height,
                           const ScanLimits& limits) {
  const std::string size = std::to_string(width) + "x" + std::to_string(height) + " px";
  if (width <= 0 || height <= 0)
    return MakeError("parse", file.string() + ", page " + std::to_string(index + 1) + ": image of " + size +
                                  " has no pixels");
  if (width < limits.min_page_side_px || height < limits.min_page_side_px)
    return MakeError("limit", file.string() + ", page " + std::to_string(index + 1) + ": image of " + size +
                                  " is too small to be a scanned page (at least " +
                                  std::to_string(limits.min_page_side_px) + " px a side; --min-page-side lowers it)");
  const auto pixels = static_cast<std::uint64_t>(width) * static_cast<std::uint64_t>(height);
  if (pixels > limits.max_page_pixels)
    return MakeError("limit", file.string() + ", page " + std::to_string(index + 1) + ": image of " + size +
                                  " (" + Grouped(pixels) + " pixels) is over the limit of " +
                                  Grouped(limits.max_page_pixels) +
                                  " pixels per page (--max-page-pixels raises it)");
  return {};
}

core::Status CheckPageCount(const fs::path& file, std::int64_t pages, const ScanLimits& limits) {
  if (pages > limits.max_pages_per_file)
    return MakeError("limit", file.string() + ": " + Grouped(static_cast<std::uint64_t>(pages)) +
                                  " pages is over the limit of " +
                                  Grouped(static_cast<std::uint64_t>(limits.max_pages_per_file)) +
                                  " pages per file (--max-pages-per-file raises it)");
  return {};
}

core::Result<std::unique_ptr<ScanReader>> OpenScanFile(const fs::path& path, const ScanLimits& limits) {
  auto opened = Contained(path, -1, [&] { return Open(path, limits); });
  if (!opened.ok()) return opened.error();
  return std::unique_ptr<ScanReader>(new ContainedReader(path, std::move(*opened)));
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
