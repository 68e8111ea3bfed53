// Copyright 2026 The Phiếu Authors
// SPDX-License-Identifier: Apache-2.0
#include "app/page_images.h"

#include <unistd.h>

#include <cstdio>
#include <deque>
#include <fstream>
#include <mutex>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>
#include <algorithm>
#include <tuple>

#include "app/common.h"
#include "pipeline/pipeline.h"
#include "scanner/scanner.h"

namespace phieu::app {
namespace {

constexpr std::size_t kCachedImages = 16;  // ~150 KB each at 4 px/mm: a few MB at most.
constexpr int kJpegQuality = 80;

/// A temporary copy of the original file for the scanner, which reads from paths; removed on exit.
class TempFile {
 public:
  explicit TempFile(const std::vector<unsigned char>& bytes) {
    std::string templ = (std::filesystem::temp_directory_path() / "phieu_page_XXXXXX").string();
    int fd = mkstemp(templ.data());
    if (fd < 0) return;
    path_ = templ;
    std::size_t done = 0;
    while (done < bytes.size()) {
      ssize_t n = ::write(fd, bytes.data() + done, bytes.size() - done);
      if (n <= 0) break;
      done += static_cast<std::size_t>(n);
    }
    ::close(fd);
    ok_ = done == bytes.size();
  }
  ~TempFile() {
    if (!path_.empty()) std::filesystem::remove(path_);
  }
  bool ok() const { return ok_; }
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
  bool ok_ = false;
};

/// A stored original decoded once: its gray pixels and page mm -> pixel transform.
struct DecodedPage {
  cv::Mat gray;
  cv::Mat mm_to_px;  ///< 3x3 CV_64F.
  double px_per_mm = 0;
  double width_mm = 210.0, height_mm = 297.0;  ///< A4 portrait when the size is not stored.
  std::string file_name;
};

core::Result<DecodedPage> DecodeSource(const store::PageSource& src);

core::Result<DecodedPage> Decode(store::Store& store, core::Serial serial, int page) {
  auto source = store.LoadPageSource(serial, page);
  if (!source.ok()) return source.error();
  if (!*source) return core::MakeError("not_found", "sheet " + std::to_string(serial) + " page " +
                                                        std::to_string(page) + " was not scanned");
  return DecodeSource(**source);
}

core::Result<DecodedPage> DecodeSource(const store::PageSource& src) {
  TempFile file(src.original);
  if (!file.ok()) return core::MakeError("io", "cannot write a temporary copy of " + src.file_name);
  auto reader = scanner::OpenScanFile(file.path());
  if (!reader.ok()) return core::MakeError("io", src.file_name + ": " + reader.error().message);
  auto scan = (*reader)->ReadPage(src.page_index);
  if (!scan.ok()) return core::MakeError("io", src.file_name + ": " + scan.error().message);
  DecodedPage d;
  d.gray = scan->gray;
  d.mm_to_px = cv::Mat(3, 3, CV_64F);
  for (int i = 0; i < 9; ++i) d.mm_to_px.at<double>(i / 3, i % 3) = src.mm_to_px[i];
  d.px_per_mm = src.px_per_mm;
  // A survey registered before layouts were stored has no page size: A4 portrait, the size of
  // every bundled template, stands in.
  if (src.width_mm > 0) d.width_mm = src.width_mm;
  if (src.height_mm > 0) d.height_mm = src.height_mm;
  d.file_name = src.file_name;
  return d;
}

/// Page region `region` (mm) of `page` upright at `px_per_mm`: output pixel (u, v) is page
/// point (region.x + u / px_per_mm, region.y + v / px_per_mm).
core::Result<cv::Mat> Warp(const DecodedPage& page, const core::RectMm& region, double px_per_mm) {
  cv::Mat out_to_mm =
      (cv::Mat_<double>(3, 3) << 1.0 / px_per_mm, 0, region.x, 0, 1.0 / px_per_mm, region.y, 0, 0, 1);
  cv::Mat out_to_scan = page.mm_to_px * out_to_mm;
  // Shrink the scan first (area averaging), so the warp does not alias a 300-dpi page down to
  // 4 px/mm; the transform follows the shrink.
  cv::Mat gray = page.gray;
  if (page.px_per_mm > 1.5 * px_per_mm && !gray.empty()) {
    const double s = 1.25 * px_per_mm / page.px_per_mm;
    cv::Mat small;
    cv::resize(gray, small, cv::Size(), s, s, cv::INTER_AREA);
    const double sx = static_cast<double>(small.cols) / gray.cols;
    const double sy = static_cast<double>(small.rows) / gray.rows;
    out_to_scan = (cv::Mat_<double>(3, 3) << sx, 0, 0, 0, sy, 0, 0, 0, 1) * out_to_scan;
    gray = small;
  }
  const cv::Size size(std::max(1, static_cast<int>(region.w * px_per_mm + 0.5)),
                      std::max(1, static_cast<int>(region.h * px_per_mm + 0.5)));
  cv::Mat warped;
  try {
    cv::warpPerspective(gray, warped, out_to_scan, size, cv::INTER_LINEAR | cv::WARP_INVERSE_MAP,
                        cv::BORDER_CONSTANT, cv::Scalar(255));
  } catch (const cv::Exception& e) {
    return core::MakeError("image", page.file_name + ": cannot warp the page: " + e.what());
  }
  return warped;
}

/// The stored original of page `page_id` decoded as its scan file holds it (not turned).
core::Result<cv::Mat> DecodeStoredPage(store::Store& store, std::int64_t page_id) {
  auto found = store.FindStoredPage(page_id);
  if (!found.ok()) return found.error();
  if (!*found) return core::MakeError("not_found", "no stored page with id " + std::to_string(page_id));
  const store::StoredPage* p = &**found;
  TempFile file({});
  if (!file.ok()) return core::MakeError("io", "cannot make a temporary copy of " + p->file_path);
  if (auto st = store.CopyScanOriginal(p->file_id, file.path()); !st.ok()) return st.error();
  auto reader = scanner::OpenScanFile(file.path());
  if (!reader.ok()) return core::MakeError("io", p->file_path + ": " + reader.error().message);
  auto scan = (*reader)->ReadPage(p->page_index);
  if (!scan.ok()) return core::MakeError("io", p->file_path + ": " + scan.error().message);
  return scan->gray;
}

class ScanPageImages final : public review::PageImageSource {
 public:
  core::Result<std::vector<unsigned char>> RenderStoredScanJpeg(store::Store& store, std::int64_t page_id,
                                                                int max_side_px) override {
    auto gray = DecodeStoredPage(store, page_id);
    if (!gray.ok()) return gray.error();
    cv::Mat shown = *gray;
    const int side = std::max(shown.cols, shown.rows);
    if (side > max_side_px) {
      const double s = static_cast<double>(max_side_px) / side;
      cv::resize(*gray, shown, cv::Size(), s, s, cv::INTER_AREA);
    }
    std::vector<unsigned char> jpeg;
    if (!cv::imencode(".jpg", shown, jpeg, {cv::IMWRITE_JPEG_QUALITY, kJpegQuality}))
      return core::MakeError("image", "cannot encode the page image as JPEG");
    return jpeg;
  }

  core::Result<review::DeskAssignResult> AssignStoredPage(store::Store& store, std::mutex& writer_lock,
                                                          std::int64_t page_id,
                                                          const review::DeskAssignRequest& request) override {
    auto catalog = LoadCatalog(store);
    if (!catalog.ok()) return catalog.error();
    pipeline::PageAssignment a{.serial = request.serial, .page = request.page, .anchor_centres = {},
                               .by = request.by};
    if (!request.anchor_centres.empty()) {
      if (request.anchor_centres.size() != 4) return core::MakeError("unaligned", "four points are needed");
      std::array<pipeline::ImagePoint, 4> points;
      for (size_t i = 0; i < 4; ++i)
        points[i] = {request.anchor_centres[i].first, request.anchor_centres[i].second};
      a.anchor_centres = points;
    }
    pipeline::IngestOptions options;
    options.writer_lock = &writer_lock;
    auto done = pipeline::AssignPage(store, *catalog, page_id, a, options);
    if (!done.ok()) return done.error();
    return review::DeskAssignResult{.status = done->status, .method = done->method,
                                    .residual_mm = done->residual_mm,
                                    .readings = done->change.readings_added + done->change.readings_changed,
                                    .review_items_opened = done->change.review_items_opened};
  }

  core::Result<std::vector<unsigned char>> RenderPageJpeg(store::Store& store, core::Serial serial,
                                                          int page, double px_per_mm) override {
    const auto key = std::make_tuple(serial, page, px_per_mm);
    {
      std::lock_guard lock(mu_);
      for (const auto& [k, jpeg] : cache_)
        if (k == key) return jpeg;
    }
    auto decoded = Decode(store, serial, page);
    if (!decoded.ok()) return decoded.error();
    auto warped = Warp(*decoded, {0, 0, decoded->width_mm, decoded->height_mm}, px_per_mm);
    if (!warped.ok()) return warped.error();
    std::vector<unsigned char> jpeg;
    if (!cv::imencode(".jpg", *warped, jpeg, {cv::IMWRITE_JPEG_QUALITY, kJpegQuality}))
      return core::MakeError("image", "cannot encode the page image as JPEG");
    std::lock_guard lock(mu_);
    cache_.emplace_back(key, jpeg);
    if (cache_.size() > kCachedImages) cache_.pop_front();
    return jpeg;
  }

  core::Result<std::vector<unsigned char>> RenderStoredPageJpeg(store::Store& store, std::int64_t page_id,
                                                                double px_per_mm) override {
    // Not cached: the conflict screen draws each page once.
    auto source = store.LoadPageSourceById(page_id);
    if (!source.ok()) return source.error();
    if (!*source) return core::MakeError("not_found", "page " + std::to_string(page_id) + " has no identified scan");
    auto decoded = DecodeSource(**source);
    if (!decoded.ok()) return decoded.error();
    auto warped = Warp(*decoded, {0, 0, decoded->width_mm, decoded->height_mm}, px_per_mm);
    if (!warped.ok()) return warped.error();
    std::vector<unsigned char> jpeg;
    if (!cv::imencode(".jpg", *warped, jpeg, {cv::IMWRITE_JPEG_QUALITY, kJpegQuality}))
      return core::MakeError("image", "cannot encode the page image as JPEG");
    return jpeg;
  }

  core::Result<std::vector<unsigned char>> RenderRegionPng(store::Store& store, core::Serial serial,
                                                           int page, const core::RectMm& region_mm,
                                                           double px_per_mm) override {
    if (!(region_mm.w > 0 && region_mm.h > 0 && region_mm.w < 2000 && region_mm.h < 2000 && px_per_mm > 0))
      return core::MakeError("invalid", "the region to cut is empty or too large");
    auto decoded = Decode(store, serial, page);
    if (!decoded.ok()) return decoded.error();
    auto warped = Warp(*decoded, region_mm, px_per_mm);
    if (!warped.ok()) return warped.error();
    std::vector<unsigned char> png;
    if (!cv::imencode(".png", *warped, png, {cv::IMWRITE_PNG_COMPRESSION, 1}))
      return core::MakeError("image", "cannot encode the crop as PNG");
    return png;
  }

 private:
  std::mutex mu_;
  std::deque<std::pair<std::tuple<core::Serial, int, double>, std::vector<unsigned char>>> cache_;
};

}  // namespace

std::unique_ptr<review::PageImageSource> MakePageImageSource() {
  return std::make_unique<ScanPageImages>();
}

}  // namespace phieu::app
