// Copyright 2026 The Phiếu Authors
// SPDX-License-Identifier: Apache-2.0
#include "extra_pages.h"

#include <poppler/cpp/poppler-document.h>
#include <poppler/cpp/poppler-image.h>
#include <poppler/cpp/poppler-page-renderer.h>
#include <poppler/cpp/poppler-page.h>
#include <ZXing/BarcodeFormat.h>
#include <ZXing/BitMatrix.h>
#include <ZXing/MultiFormatWriter.h>
#include <opencv2/imgproc.hpp>

#include "core/geometry.h"

namespace phieu::simulator {
namespace {

constexpr const char* kWords[] = {"cong", "van", "so", "ve", "viec", "trien", "khai", "ke", "hoach",
                                  "nam", "2026", "UBND", "tinh", "thong", "bao", "ket", "qua",
                                  "giai", "quyet", "ho", "so", "hanh", "chinh", "theo", "quy", "dinh"};

std::string RandomLine(Rng& rng, int words) {
  std::string s;
  for (int i = 0; i < words; ++i) {
    if (i) s += ' ';
    s += kWords[UniformInt(rng, 0, static_cast<int>(std::size(kWords)) - 1)];
  }
  return s;
}

void TypeLines(cv::Mat& page, double dpi, double top_mm, double bottom_mm, Rng& rng) {
  const double size_mm = Uniform(rng, 2.6, 3.6);
  const double scale = core::MmToPx(size_mm, dpi) / 22.0;  // HERSHEY_SIMPLEX cap height ~22 px at 1.0
  const int thickness = std::max(1, static_cast<int>(std::lround(dpi / 200.0)));
  for (double y = top_mm; y < bottom_mm; y += size_mm * 1.9) {
    if (Chance(rng, 0.12)) continue;  // paragraph break
    cv::putText(page, RandomLine(rng, UniformInt(rng, 6, 12)),
                cv::Point(static_cast<int>(core::MmToPx(25, dpi)), static_cast<int>(core::MmToPx(y, dpi))),
                cv::FONT_HERSHEY_SIMPLEX, scale, cv::Scalar(20), thickness, cv::LINE_AA);
  }
}

}  // namespace

cv::Mat MakeBlankBack(const cv::Mat& front_gray, Rng& rng) {
  cv::Mat flipped;
  cv::flip(front_gray, flipped, 1);
  cv::GaussianBlur(flipped, flipped, cv::Size(0, 0), Uniform(rng, 1.5, 3.0));
  // Show-through keeps only a few percent of the front's contrast.
  cv::Mat out;
  const double k = Uniform(rng, 0.02, 0.07);
  flipped.convertTo(out, CV_8U, k, 255.0 * (1.0 - k));
  return out;
}

cv::Mat MakeForeignPage(const std::string& kind, cv::Size size, double dpi, Rng& rng) {
  cv::Mat page(size, CV_8U, cv::Scalar(255));
  double text_top = 25;
  if (kind == "qr") {
    // A code another system printed: a URL or a document id, never "PH1|...".
    std::string text = Chance(rng, 0.5)
                           ? "https://dichvucong.gov.vn/p/home/dvc-tra-cuu-ho-so.html?ma=" +
                                 std::to_string(UniformInt(rng, 100000, 999999))
                           : "HS-" + std::to_string(UniformInt(rng, 1000, 9999)) + "-" +
                                 std::to_string(UniformInt(rng, 100000, 999999));
    ZXing::MultiFormatWriter writer(ZXing::BarcodeFormat::QRCode);
    writer.setMargin(0).setEncoding(ZXing::CharacterSet::UTF8);
    ZXing::BitMatrix bm = writer.encode(text, 0, 0);
    const double side_mm = Uniform(rng, 18, 35);
    const double module_px = core::MmToPx(side_mm, dpi) / bm.width();
    const double x0 = core::MmToPx(Uniform(rng, 15, 150), dpi), y0 = core::MmToPx(Uniform(rng, 15, 40), dpi);
    for (int y = 0; y < bm.height(); ++y)
      for (int x = 0; x < bm.width(); ++x)
        if (bm.get(x, y))
          cv::rectangle(page, cv::Point2d(x0 + x * module_px, y0 + y * module_px),
                        cv::Point2d(x0 + (x + 1) * module_px - 1, y0 + (y + 1) * module_px - 1),
                        cv::Scalar(0), cv::FILLED);
    text_top = 30 + side_mm + 20;
  }
  TypeLines(page, dpi, text_top, core::PxToMm(size.height, dpi) - 25, rng);
  return page;
}

struct PdfRasterizer::Impl {
  std::unique_ptr<poppler::document> doc;
};

PdfRasterizer::PdfRasterizer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
PdfRasterizer::~PdfRasterizer() = default;

core::Result<std::unique_ptr<PdfRasterizer>> PdfRasterizer::Open(const std::filesystem::path& pdf) {
  auto impl = std::make_unique<Impl>();
  impl->doc.reset(poppler::document::load_from_file(pdf.string()));
  if (!impl->doc || impl->doc->is_locked())
    return core::MakeError("io", "cannot open printed PDF " + pdf.string());
  return std::unique_ptr<PdfRasterizer>(new PdfRasterizer(std::move(impl)));
}

int PdfRasterizer::pages() const { return impl_->doc->pages(); }

cv::Mat PdfRasterizer::Render(int page_index, double dpi) const {
  std::unique_ptr<poppler::page> page(impl_->doc->create_page(page_index));
  if (!page) return {};
  poppler::page_renderer renderer;
  renderer.set_render_hint(poppler::page_renderer::antialiasing);
  renderer.set_render_hint(poppler::page_renderer::text_antialiasing);
  renderer.set_image_format(poppler::image::format_gray8);
  poppler::image im = renderer.render_page(page.get(), dpi, dpi);
  if (!im.is_valid()) return {};
  return cv::Mat(im.height(), im.width(), CV_8UC1, im.data(), im.bytes_per_row()).clone();
}

}  // namespace phieu::simulator
