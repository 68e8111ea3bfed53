// Copyright 2026 The Phiếu Authors
// SPDX-License-Identifier: Apache-2.0
#include "show_through.h"

#include <algorithm>
#include <cmath>
#include <functional>
#include <optional>

#include <opencv2/imgproc.hpp>

namespace phieu::recognition {
namespace {

/// Paper diffuses the back side's ink over 0.3-0.6 mm (sigma); scan blur adds ~0.1 mm and a
/// duplex printer's registration between the sides ~0.3 mm: the back's print can darken this
/// side up to this far from where the layout puts it.
constexpr double kPrintReachMm = 0.9;
/// A tick or a fill on the back side overflows its box by up to ~1.5 mm (the simulator's and
/// the probe's overflowing ticks), then diffuses like print.
constexpr double kMarkReachMm = 2.2;
/// Comb cells and writing areas: handwriting stays inside, give or take a stroke.
constexpr double kWritingReachMm = 1.2;
/// A component is the back side's when this share of it lies under the back's mirrored print
/// or marks...
constexpr float kGhostUnderShare = 0.7f;
/// ...and its core's flanks are soft: the sharpness of its pixels above halfway to its peak
/// (as InkBlob::sharpness: mean 2 px gradient over the peak) stays under this. Paper diffuses
/// the back's ink over 0.3-0.6 mm; the copies' cores measured 0.2-0.5 on the bench stacks at
/// 15%, pen and pencil strokes' 0.5-0.8. Not a clean cut on a grainy scan: a box this empties
/// is checked once more for a stroke's ridge and flanks (read_page.cpp).
constexpr float kGhostSharpness = 0.5f;

core::RectMm Mirror(const core::RectMm& r, double width_mm) { return {width_mm - r.x - r.w, r.y, r.w, r.h}; }

int PartnerPage(const templates::Layout& layout, int page_no) {
  const int partner = page_no % 2 == 1 ? page_no + 1 : page_no - 1;
  return partner >= 1 && layout.FindPage(partner) ? partner : 0;
}

/// The four sides of a printed square, as zero-width rectangles (lines).
void AddOutline(const core::RectMm& r, std::vector<core::RectMm>& out) {
  out.push_back({r.x, r.y, r.w, 0.0});
  out.push_back({r.x, r.bottom(), r.w, 0.0});
  out.push_back({r.x, r.y, 0.0, r.h});
  out.push_back({r.right(), r.y, 0.0, r.h});
}

/// Print and mark regions of `page_no` as printed (not mirrored), grown by their reach.
void Collect(const templates::Layout& layout, int page_no, std::vector<core::RectMm>& print,
             std::vector<core::RectMm>& marks) {
  const templates::PageLayout* pl = layout.FindPage(page_no);
  if (!pl) return;
  std::vector<core::RectMm> lines;
  for (const auto& a : pl->anchors) lines.push_back(a.symbol_mm);
  for (const templates::FieldLayout& f : layout.fields) {
    if (f.page != page_no) continue;
    if (!f.print_mm.empty())
      lines.insert(lines.end(), f.print_mm.begin(), f.print_mm.end());
    else if (f.text_mm.w > 0 && f.text_mm.h > 0)
      lines.push_back(f.text_mm);
    for (const templates::OptionBox& o : f.options) {
      AddOutline(o.box_mm, lines);
      marks.push_back(o.box_mm.Grown(kMarkReachMm));
      if (o.label_mm.w > 0 && o.label_mm.h > 0) {
        lines.push_back(o.label_mm);
        marks.push_back(o.label_mm.Grown(kMarkReachMm));
      }
    }
    if (f.kind == core::FieldKind::kScale && f.area_mm.w > 0 && f.options.size() >= 2) {
      // A grid row: rules along its top and bottom, the grid's frame at its ends, and column
      // rules halfway between its boxes and half a pitch before the first.
      AddOutline(f.area_mm, lines);
      const auto centre = [&](size_t i) { return f.options[i].box_mm.x + f.options[i].box_mm.w / 2; };
      lines.push_back({centre(0) - (centre(1) - centre(0)) / 2, f.area_mm.y, 0.0, f.area_mm.h});
      for (size_t i = 0; i + 1 < f.options.size(); ++i)
        lines.push_back({(centre(i) + centre(i + 1)) / 2, f.area_mm.y, 0.0, f.area_mm.h});
    }
    if (f.kind == core::FieldKind::kDigits)
      for (const core::RectMm& c : f.cells_mm) {
        AddOutline(c, lines);
        marks.push_back(c.Grown(kWritingReachMm));
      }
    if (f.kind == core::FieldKind::kText && f.area_mm.w > 0) {
      AddOutline(f.area_mm, lines);
      marks.push_back(f.area_mm.Grown(kWritingReachMm));
    }
  }
  for (const core::RectMm& r : lines) print.push_back(r.Grown(kPrintReachMm));
}

/// Marks `rects` (page mm) on `mask`, whose pixel (u, v) is centred on page mm
/// (origin + (u + 0.5, v + 0.5) / ppm). Returns whether any landed.
bool Paint(cv::Mat& mask, core::PointMm origin, double ppm, const std::vector<core::RectMm>& rects) {
  bool any = false;
  for (const core::RectMm& r : rects) {
    const int u0 = static_cast<int>(std::ceil((r.x - origin.x) * ppm - 0.5));
    const int v0 = static_cast<int>(std::ceil((r.y - origin.y) * ppm - 0.5));
    const int u1 = static_cast<int>(std::floor((r.right() - origin.x) * ppm - 0.5));
    const int v1 = static_cast<int>(std::floor((r.bottom() - origin.y) * ppm - 0.5));
    const cv::Rect px = cv::Rect(u0, v0, u1 - u0 + 1, v1 - v0 + 1) & cv::Rect(0, 0, mask.cols, mask.rows);
    if (px.width <= 0 || px.height <= 0) continue;
    mask(px).setTo(255);
    any = true;
  }
  return any;
}

/// Patch pixel (u, v) shows layout mm (origin + (u + 0.5, v + 0.5) / ppm): the box less the
/// patch margin, moved by the shift its printed square was found at (the back side moved with
/// the paper).
core::PointMm PatchOrigin(const BoxPatch& patch, const core::RectMm& box_mm) {
  return {box_mm.x - kPatchMarginMm + (patch.x - patch.nominal_x) / kPatchPxPerMm,
          box_mm.y - kPatchMarginMm + (patch.y - patch.nominal_y) / kPatchPxPerMm};
}

}  // namespace

BackSide MirrorBackSide(const templates::Layout& layout, int page_no) {
  BackSide out;
  const int back = PartnerPage(layout, page_no);
  const templates::PageLayout* bl = layout.FindPage(back);
  if (back == 0 || !bl) return out;
  out.page = back;
  Collect(layout, back, out.print_mm, out.marks_mm);
  for (auto* list : {&out.print_mm, &out.marks_mm})
    for (core::RectMm& r : *list) r = Mirror(r, bl->width_mm);
  return out;
}

bool DiscountShowThrough(BoxPatch& patch, const core::RectMm& box_mm, const BackSide& back, float paper_gray,
                         const ShowThroughLimits& limits) {
  if (back.empty() || patch.smooth.empty()) return false;
  const core::PointMm origin = PatchOrigin(patch, box_mm);
  cv::Mat mask(patch.smooth.size(), CV_8UC1, cv::Scalar(0));
  const bool print = Paint(mask, origin, kPatchPxPerMm, back.print_mm);
  const bool marks = Paint(mask, origin, kPatchPxPerMm, back.marks_mm);
  if (!print && !marks) return false;
  // Darkness in gray levels under the paper, and what is left of it once the faintest layer
  // under the back side is gone.
  cv::Mat dark;
  patch.smooth.convertTo(dark, CV_32F, -1.0, paper_gray);
  cv::Mat lift(mask.size(), CV_8UC1, cv::Scalar(0));
  for (int v = 0; v < mask.rows; ++v) {
    const uchar* m = mask.ptr<uchar>(v);
    const float* d = dark.ptr<float>(v);
    uchar* l = lift.ptr<uchar>(v);
    for (int u = 0; u < mask.cols; ++u) l[u] = m[u] && d[u] < limits.faint_gray ? 255 : 0;
  }
  // Whole components of what remains, when they lie under the back side, stay under what it
  // can reach and are soft (the paper diffused them): the back's fills and marker strokes.
  cv::Mat remains = (dark >= limits.faint_gray) & (lift == 0), labels;
  // Cut along the printed square so that a copy lying in the box is a component of its own.
  const int band = std::max(2, patch.inset_px / 2);
  for (const cv::Rect& side : {cv::Rect(patch.x - band, patch.y - band, patch.w_px + 2 * band + 1, 2 * band + 1),
                               cv::Rect(patch.x - band, patch.y + patch.h_px - band, patch.w_px + 2 * band + 1, 2 * band + 1),
                               cv::Rect(patch.x - band, patch.y - band, 2 * band + 1, patch.h_px + 2 * band + 1),
                               cv::Rect(patch.x + patch.w_px - band, patch.y - band, 2 * band + 1, patch.h_px + 2 * band + 1)}) {
    const cv::Rect r = side & cv::Rect(0, 0, remains.cols, remains.rows);
    if (r.width > 0 && r.height > 0) remains(r).setTo(0);
  }
  const int n = cv::connectedComponents(remains, labels, 8, CV_32S);
  if (n > 1) {
    std::vector<int> area(n, 0), under(n, 0), core_area(n, 0);
    std::vector<float> peak(n, 0.0f), grad(n, 0.0f);
    const int w = dark.cols, h = dark.rows;
    for (int v = 0; v < h; ++v) {
      const int* lab = labels.ptr<int>(v);
      const float* d = dark.ptr<float>(v);
      for (int u = 0; u < w; ++u) {
        const int k = lab[u];
        if (k == 0) continue;
        ++area[k];
        under[k] += mask.at<uchar>(v, u) != 0;
        peak[k] = std::max(peak[k], d[u]);
      }
    }
    // Sharpness of each component's core (its pixels above halfway from the faint level to its
    // peak), as InkBlob::sharpness: 2 px central differences over both axes, over the peak. A
    // light pencil stroke lying in a copy of the back's fill is the core of their component,
    // and sharp; a copy alone is soft all through.
    for (int v = 0; v < h; ++v) {
      const int* lab = labels.ptr<int>(v);
      const float* d = dark.ptr<float>(v);
      for (int u = 0; u < w; ++u) {
        const int k = lab[u];
        if (k == 0 || d[u] < 0.5f * (limits.faint_gray + peak[k])) continue;
        ++core_area[k];
        grad[k] += std::abs(d[std::min(u + 1, w - 1)] - d[std::max(u - 1, 0)]) +
                   std::abs(dark.at<float>(std::min(v + 1, h - 1), u) - dark.at<float>(std::max(v - 1, 0), u));
      }
    }
    std::vector<char> ghost(n, 0);
    for (int k = 1; k < n; ++k) {
      const float sharpness = peak[k] > 0 && core_area[k] > 0 ? grad[k] / static_cast<float>(core_area[k]) / peak[k] : 0.0f;
      ghost[k] = under[k] >= kGhostUnderShare * static_cast<float>(area[k]) && peak[k] < limits.soft_gray &&
                 sharpness < kGhostSharpness;
    }
    for (int v = 0; v < h; ++v) {
      const int* lab = labels.ptr<int>(v);
      uchar* l = lift.ptr<uchar>(v);
      for (int u = 0; u < w; ++u)
        if (ghost[lab[u]]) l[u] = 255;
    }
  }
  const bool shared = patch.smooth.data == patch.gray.data;
  const uchar paper = cv::saturate_cast<uchar>(paper_gray);
  for (int v = 0; v < lift.rows; ++v) {
    const uchar* l = lift.ptr<uchar>(v);
    uchar* s = patch.smooth.ptr<uchar>(v);
    uchar* g = patch.gray.ptr<uchar>(v);
    for (int u = 0; u < lift.cols; ++u) {
      if (!l[u]) continue;
      s[u] = std::max(s[u], paper);
      if (!shared) g[u] = std::max(g[u], paper);
    }
  }
  return true;
}

std::optional<float> GhostContrast(const BoxPatch& patch, const core::RectMm& box_mm, const BackSide& back,
                                   float paper_gray) {
  if (back.empty() || patch.smooth.empty()) return std::nullopt;
  const core::PointMm origin = PatchOrigin(patch, box_mm);
  cv::Mat mask(patch.smooth.size(), CV_8UC1, cv::Scalar(0));
  if (!Paint(mask, origin, kPatchPxPerMm, back.print_mm)) return std::nullopt;
  const cv::Rect inner = cv::Rect(patch.x + patch.inset_px, patch.y + patch.inset_px, patch.w_px - 2 * patch.inset_px + 1,
                                  patch.h_px - 2 * patch.inset_px + 1) &
                         cv::Rect(0, 0, mask.cols, mask.rows);
  std::vector<float> under, open;
  for (int v = inner.y; v < inner.br().y; ++v) {
    const uchar* m = mask.ptr<uchar>(v);
    const uchar* s = patch.smooth.ptr<uchar>(v);
    for (int u = inner.x; u < inner.br().x; ++u) (m[u] ? under : open).push_back(paper_gray - s[u]);
  }
  // Enough of both to compare their darkest tenths (a 5 mm box's inner area is ~900 px).
  constexpr size_t kMinPixels = 60;
  if (under.size() < kMinPixels || open.size() < kMinPixels) return std::nullopt;
  // The mean of the darkest tenth: finer than a percentile of 8-bit values, and as robust to
  // a single dark speck at this size.
  auto dark_tenth = [](std::vector<float>& v) {
    const size_t n = std::max<size_t>(1, v.size() / 10);
    std::nth_element(v.begin(), v.begin() + static_cast<long>(n - 1), v.end(), std::greater<float>());
    double sum = 0;
    for (size_t i = 0; i < n; ++i) sum += v[i];
    return static_cast<float>(sum / static_cast<double>(n));
  };
  return dark_tenth(under) - dark_tenth(open);
}

}  // namespace phieu::recognition
