// Copyright 2026 The Phiếu Authors
// SPDX-License-Identifier: Apache-2.0
// PDF scans. A scanner PDF is a stack of pages that each paint one JPEG, G4 or Flate image
// over the whole page: those pages are decoded straight from the image bytes (the scanner's
// own pixels, ~3x cheaper than poppler's render, which decodes the same JPEG and then
// resamples it). Every other page, and every file pdf_pages.cpp does not follow, is rendered
// by poppler. Either way the page's pixel size is checked against the limits first.
#include <algorithm>
#include <cmath>
#include <fstream>
#include <map>
#include <optional>
#include <string>

#include <poppler/cpp/poppler-document.h>
#include <poppler/cpp/poppler-image.h>
#include <poppler/cpp/poppler-page-renderer.h>
#include <poppler/cpp/poppler-page.h>

#include "pdf_pages.h"
#include "scan_readers.h"

namespace phieu::scanner {
namespace {

namespace fs = std::filesystem;
using core::Result;

// Used when a PDF page's native image resolution cannot be found: the usual scanner setting.
constexpr double kDefaultPdfDpi = 300.0;
// A PDF page rendered beyond this is almost certainly a misread of the embedded image size.
constexpr double kMaxPdfDpi = 1200.0;
constexpr double kMinPdfDpi = 50.0;

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


class PdfReader : public ScanReader {
 public:
  static Result<std::unique_ptr<ScanReader>> Open(const fs::path& path, const ScanLimits& limits) {
    std::unique_ptr<PdfReader> r(new PdfReader(path, limits));
    r->file_ = PdfFile::Open(path);
    if (r->file_) r->layout_ = r->file_->layout();
    if (r->layout_) {
      r->pages_ = r->layout_->page_count;
      if (auto st = CheckPageCount(path, r->pages_, limits); !st.ok()) return st.error();
      // Pages to render make poppler judge the file now, as for any other PDF.
      bool all_direct = std::all_of(r->layout_->images.begin(), r->layout_->images.end(),
                                    [](const auto& im) { return im.has_value(); });
      if (all_direct) return std::unique_ptr<ScanReader>(std::move(r));
    }
    if (auto st = r->LoadDocument(); !st.ok()) return st.error();
    if (auto st = CheckPageCount(path, r->doc_->pages(), limits); !st.ok()) return st.error();
    if (r->layout_ && r->doc_->pages() != r->pages_) {
      // Our reader and poppler disagree about the page tree: poppler is the reference.
      r->layout_.reset();
      r->file_.reset();
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
      if (auto st = CheckPageSize(path_, index, im.width, im.height, limits_); !st.ok())
        return st.error();
      const bool halve = HalveHighRes(im.dpi) && im.width >= 2 && im.height >= 2;
      cv::Mat gray = DecodeDirect(index, im, halve);
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
  PdfReader(fs::path path, const ScanLimits& limits) : path_(std::move(path)), limits_(limits) {}

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

  cv::Mat DecodeDirect(int index, const PdfPageImage& im, bool halve) {
    std::vector<unsigned char> bytes = file_->ImageBytes(index);
    if (bytes.size() < 2) return {};
    cv::Mat gray;
    if (im.codec == PdfPageImage::Codec::kJpeg) {
      if (bytes[0] != 0xFF || bytes[1] != 0xD8 || !LooksComplete(FileKind::kJpeg, bytes.data(), bytes.size())) return {};
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
    // The render's size, checked before poppler allocates it: a page box may be as large as
    // 14400 pt (200 inches) a side, 60000 px at 300 dpi.
    const double px_w = std::ceil(std::abs(box.width()) * dpi / 72.0);
    const double px_h = std::ceil(std::abs(box.height()) * dpi / 72.0);
    if (!(px_w < 1e9 && px_h < 1e9)) return PageError(path_, index, "page box has no usable size");
    if (auto st = CheckPageSize(path_, index, static_cast<std::int64_t>(px_w),
                                static_cast<std::int64_t>(px_h), limits_);
        !st.ok())
      return core::MakeError(st.error().code,
                             st.error().message + " (a page of " + std::to_string(std::lround(box.width())) +
                                 "x" + std::to_string(std::lround(box.height())) + " pt rendered at " +
                                 std::to_string(std::lround(dpi)) + " dpi)");
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
  ScanLimits limits_;
  std::unique_ptr<PdfFile> file_;               // qpdf's view, when it follows the file
  std::optional<PdfLayout> layout_;             // set when our reader follows the file
  std::unique_ptr<poppler::document> doc_;      // loaded only when a page must be rendered
  int pages_ = 0;
  std::vector<std::pair<int, int>> image_sizes_;
};

}  // namespace

Result<std::unique_ptr<ScanReader>> OpenPdfFile(const fs::path& path, const ScanLimits& limits) {
  return PdfReader::Open(path, limits);
}

}  // namespace phieu::scanner
