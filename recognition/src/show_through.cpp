// Copyright 2026 The Phiếu Authors
// SPDX-License-Identifier: Apache-2.0
#include "show_through.h"

#include <algorithm>
#include <cmath>
#include <functional>
#include <optional>

#include <opencv2/imgproc.hpp>

#include "patch_warp.h"

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

/// The other side's own scan (AddScannedBack). A duplex printer puts the sides within ~1 mm
/// of each other, and each side's fit adds a few tenths: the copy is looked for this far
/// either way, matched at kRegisterPxPerMm.
constexpr double kRegisterRangeMm = 1.5;
constexpr double kRegisterPxPerMm = 2.0;
/// A pixel of the other side is ink from this share of its page's contrast (paper to its
/// darkest print); lighter ink shows through at a few gray levels at most.
constexpr float kBackInkShare = 0.25f;
/// Paper diffuses the back's ink over 0.3-0.6 mm (sigma), the copy reaches ~2 sigma beyond
/// the stroke; with the copy's place measured, no registration need be allowed for.
constexpr double kScannedReachMm = 0.8;
/// The match (normalised correlation of the mirrored back's ink with this page's faint layer)
/// under which the copy is not found. Measured at 15% show-through on the bench's duplex stack:
/// 0.12-0.2 on pages whose own print is dense (grids with shaded rows), 0.3-0.55 on the others.
constexpr double kMinBackMatch = 0.1;
/// What is broader than this (sigma, mm) is left out of the match, and what is broader than
/// kLightingMm out of the measure of how dark the copy is.
constexpr double kBroadMm = 1.5;
constexpr double kLightingMm = 8.0;
/// How far paper diffuses the back's ink (sigma, mm): tried in turn, the best match is taken.
constexpr double kDiffusionMm[] = {0.25, 0.45, 0.7};
/// How far the copy's darkness, predicted from the back's scan, may be off (share of it): its
/// gain and diffusion are measured over the whole page, its edges sit within a tenth of a mm.
constexpr float kCopyError = 0.35f;
/// Registration tiles (mm): the shift is found for each, over at least one text line or row of
/// boxes of the back.
constexpr double kTileMm = 30.0;

/// `gray` (fit `mm_to_px`) resampled to a grid of `size` pixels at `ppm` over page mm, pixel
/// (u, v) centred on offset + ((u + 0.5) / ppm, (v + 0.5) / ppm); `mirror`: the page as seen
/// through the sheet from the other side (x -> page width - x). Outside the scan: paper (255).
cv::Mat Resample(const cv::Mat& gray, const cv::Matx33d& mm_to_px, double page_width_mm, bool mirror, double ppm,
                 cv::Point2d offset_mm, cv::Size size) {
  const cv::Matx33d grid_to_mm(1.0 / ppm, 0, 0.5 / ppm + offset_mm.x, 0, 1.0 / ppm, 0.5 / ppm + offset_mm.y, 0, 0, 1);
  const cv::Matx33d flip = mirror ? cv::Matx33d(-1, 0, page_width_mm, 0, 1, 0, 0, 0, 1) : cv::Matx33d::eye();
  cv::Mat out;
  cv::warpPerspective(gray, out, mm_to_px * flip * grid_to_mm, size, cv::INTER_LINEAR | cv::WARP_INVERSE_MAP,
                      cv::BORDER_CONSTANT, cv::Scalar(255));
  return out;
}

/// The factor a scan is averaged down by (AreaReduce) to keep about `ppm` px per page mm.
double ReduceFactor(const cv::Matx33d& mm_to_px, double ppm) { return std::min(1.0, ppm / LocalPxPerMm(mm_to_px, {105.0, 148.5})); }

/// `gray` averaged down (INTER_AREA) to about `ppm` px per page mm; as is when already there.
cv::Mat AreaReduce(const cv::Mat& gray, const cv::Matx33d& mm_to_px, double ppm) {
  const double f = ReduceFactor(mm_to_px, ppm);
  if (f >= 1.0) return gray;
  cv::Mat out;
  cv::resize(gray, out, cv::Size(std::max(1, cvRound(gray.cols * f)), std::max(1, cvRound(gray.rows * f))), 0, 0,
             cv::INTER_AREA);
  return out;
}

/// The fit of AreaReduce(gray, mm_to_px, ppm): page mm -> its pixels (centres kept: x' = (x +
/// 0.5) * fx - 0.5).
cv::Matx33d ReducedFit(const cv::Mat& gray, const cv::Matx33d& mm_to_px, double ppm) {
  const double f = ReduceFactor(mm_to_px, ppm);
  if (f >= 1.0) return mm_to_px;
  const double fx = std::max(1, cvRound(gray.cols * f)) / static_cast<double>(gray.cols);
  const double fy = std::max(1, cvRound(gray.rows * f)) / static_cast<double>(gray.rows);
  return cv::Matx33d(fx, 0, 0.5 * fx - 0.5, 0, fy, 0.5 * fy - 0.5, 0, 0, 1) * mm_to_px;
}

/// Gray level at share `q` of an 8-bit image's pixels (from the dark end).
int GrayAt(const cv::Mat& img, double q) {
  int hist[256] = {0};
  for (int v = 0; v < img.rows; ++v) {
    const uchar* r = img.ptr<uchar>(v);
    for (int u = 0; u < img.cols; ++u) ++hist[r[u]];
  }
  const double want = q * static_cast<double>(img.total());
  double seen = 0;
  for (int g = 0; g < 256; ++g)
    if ((seen += hist[g]) >= want) return g;
  return 255;
}

core::RectMm Mirror(const core::RectMm& r, double width_mm) { return {width_mm - r.x - r.w, r.y, r.w, r.h}; }

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

/// DiscountShowThrough with the other side's own scan: the paper let through 1 - g * D / paper
/// of this side's light where the back's diffused darkness is D (g: BackSide::scanned_gain),
/// so each pixel is divided by that. What is left of the copy, within the model's error
/// (kCopyError of the copy's darkness there) and under limits.faint_gray, is lifted too. A
/// mark of this side keeps its darkness: a pencil stroke over the copy is what remains of it.
bool DiscountScanned(BoxPatch& patch, core::PointMm origin, const BackSide& back, float paper_gray,
                     const ShowThroughLimits& limits, float* unexplained) {
  const cv::Mat& dark = back.scanned_dark;
  const bool shared = patch.smooth.data == patch.gray.data;
  const cv::Rect inner(patch.x + patch.inset_px, patch.y + patch.inset_px, patch.w_px - 2 * patch.inset_px + 1,
                       patch.h_px - 2 * patch.inset_px + 1);
  if (unexplained) *unexplained = 0.0f;
  bool any = false;
  for (int v = 0; v < patch.smooth.rows; ++v) {
    const int gv = static_cast<int>(std::floor((origin.y + (v + 0.5) / kPatchPxPerMm) * kBackInkPxPerMm));
    if (gv < 0 || gv >= dark.rows) continue;
    const float* d = dark.ptr<float>(gv);
    const uchar* ink = back.scanned_ink.ptr<uchar>(gv);
    uchar* s = patch.smooth.ptr<uchar>(v);
    uchar* g = patch.gray.ptr<uchar>(v);
    for (int u = 0; u < patch.smooth.cols; ++u) {
      const int gu = static_cast<int>(std::floor((origin.x + (u + 0.5) / kPatchPxPerMm) * kBackInkPxPerMm));
      const bool on_grid = gu >= 0 && gu < dark.cols;
      const float copy = on_grid ? back.scanned_gain * d[gu] : 0.0f;
      if (unexplained && inner.contains({u, v}))
        *unexplained = std::max(*unexplained, paper_gray - s[u] - (1.0f + kCopyError) * copy);
      if (!on_grid || (d[gu] <= 0.0f && !ink[gu])) continue;
      any = true;
      const float pass = std::max(0.5f, 1.0f - copy / paper_gray);
      s[u] = cv::saturate_cast<uchar>(s[u] / pass);
      if (!shared) g[u] = cv::saturate_cast<uchar>(g[u] / pass);
      if (ink[gu] && paper_gray - s[u] < std::min(limits.faint_gray, kCopyError * copy)) {
        s[u] = std::max(s[u], cv::saturate_cast<uchar>(paper_gray));
        if (!shared) g[u] = std::max(g[u], cv::saturate_cast<uchar>(paper_gray));
      }
    }
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

int PartnerPage(const templates::Layout& layout, int page_no) {
  const int partner = page_no % 2 == 1 ? page_no + 1 : page_no - 1;
  return partner >= 1 && layout.FindPage(partner) ? partner : 0;
}

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
                         const ShowThroughLimits& limits, float* unexplained) {
  if (unexplained) *unexplained = -1.0f;
  if (back.empty() || patch.smooth.empty()) return false;
  // The back's own scan was registered to this page through its fit, as the patch was sampled:
  // its pixel (u, v) is at the box less the margin, whatever shift the square was found at.
  if (!back.scanned_dark.empty())
    return DiscountScanned(patch, {box_mm.x - kPatchMarginMm, box_mm.y - kPatchMarginMm}, back, paper_gray, limits,
                           unexplained);
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

bool AddScannedBack(BackSide& back, const OtherSideScan& other, const cv::Mat& front_gray,
                    const cv::Matx33d& front_mm_to_px, cv::Size2d page_mm, float own_ink_gray) {
  if (back.empty() || other.gray.empty() || other.gray.type() != CV_8UC1 || front_gray.empty() ||
      front_gray.type() != CV_8UC1 || page_mm.width <= 0 || page_mm.height <= 0)
    return false;
  const double ppm = kBackInkPxPerMm, rpm = kRegisterPxPerMm, m = kRegisterRangeMm;
  const cv::Size grid(cvRound(page_mm.width * ppm), cvRound(page_mm.height * ppm));
  const cv::Size small(cvRound(page_mm.width * rpm), cvRound(page_mm.height * rpm));
  const int reach_px = cvRound(m * rpm);
  // Both sides are averaged down to about the grid's resolution first (what a grid pixel
  // covers, and a fraction of the cost of warping the full scan). The other side as seen
  // through the sheet; darkness: share of its contrast, from its paper (its median) to its print.
  const cv::Mat back_fine = AreaReduce(other.gray, other.mm_to_px, ppm);
  const cv::Matx33d fine_fit = ReducedFit(other.gray, other.mm_to_px, ppm);
  auto back_dark = [&](double at_ppm, cv::Point2d offset, cv::Size size) {
    const cv::Mat g = Resample(AreaReduce(back_fine, fine_fit, at_ppm), ReducedFit(back_fine, fine_fit, at_ppm),
                               page_mm.width, true, at_ppm, offset, size);
    const float paper = static_cast<float>(GrayAt(g, 0.5)), black = static_cast<float>(GrayAt(g, 0.002));
    cv::Mat d;
    if (paper - black < 40.0f) return d;
    g.convertTo(d, CV_32F, -1.0 / (paper - black), paper / (paper - black));
    cv::max(d, 0.0, d);
    return d;
  };
  const cv::Mat wide = back_dark(rpm, {-m, -m}, {small.width + 2 * reach_px, small.height + 2 * reach_px});
  if (wide.empty()) return false;
  // This page's faint layer: darkness under its paper up to `own_ink_gray`. Its own print and
  // marks, with their blurred fringe, are filled in from around them (the mean of what is not
  // print within ~1 mm), so that neither they nor the holes they leave count.
  const cv::Mat fg = Resample(AreaReduce(front_gray, front_mm_to_px, rpm), ReducedFit(front_gray, front_mm_to_px, rpm),
                              page_mm.width, false, rpm, {0, 0}, small);
  cv::Mat faint;
  fg.convertTo(faint, CV_32F, -1.0, GrayAt(fg, 0.5));
  cv::Mat own = faint > own_ink_gray;
  cv::dilate(own, own, cv::getStructuringElement(cv::MORPH_RECT, cv::Size(3, 3)));
  cv::max(faint, 0.0, faint);
  cv::Mat keep;  // 1 where this page holds no print or mark of its own: where it is compared
  {
    cv::Mat sum, weight;
    cv::bitwise_not(own, keep);
    keep.convertTo(keep, CV_32F, 1.0 / 255.0);
    faint = faint.mul(keep);
    cv::GaussianBlur(faint, sum, cv::Size(0, 0), rpm);
    cv::GaussianBlur(keep, weight, cv::Size(0, 0), rpm);
    cv::Mat filled = sum / cv::max(weight, 1e-3);
    filled.copyTo(faint, own);
  }
  // Matched as the paper shows it, the back's ink diffused, both sides without what is broad
  // (a shaded table header of this page, uneven light), which would outweigh the thin lines the
  // copy is recognised by.
  auto high_pass = [&](cv::Mat& img) {
    cv::Mat broad;
    cv::GaussianBlur(img, broad, cv::Size(0, 0), kBroadMm * rpm);
    img -= broad;
  };
  // The gain is measured on the faint layer less only what is broader still (lighting): the
  // narrow high-pass of the match takes much of a diffused copy's own darkness with it.
  auto lighting_out = [&](const cv::Mat& img) {
    // Blurred at an eighth of the size: the lighting is smooth, and a blur this wide costs
    // ~100 taps a pixel at full size.
    cv::Mat reduced, broad;
    cv::resize(img, reduced, cv::Size(), 0.125, 0.125, cv::INTER_AREA);
    cv::GaussianBlur(reduced, reduced, cv::Size(0, 0), kLightingMm * rpm / 8);
    cv::resize(reduced, broad, img.size(), 0, 0, cv::INTER_LINEAR);
    return cv::Mat((img - broad).mul(keep));
  };
  const cv::Mat faint_level = lighting_out(faint);
  high_pass(faint);
  faint = faint.mul(keep);
  const double faint_energy = faint.dot(faint);
  auto diffused = [&](double sigma_mm) {
    cv::Mat d;
    cv::GaussianBlur(wide, d, cv::Size(0, 0), sigma_mm * rpm);
    return d;
  };
  // Registration, the whole page first, then tile by tile (kTileMm): the sides of a leaf are
  // not only shifted against each other but turned and stretched a little, by the printer and
  // the paper; a single shift would leave that as blur. `search` finds where in the diffused
  // back (with its margin of `reach_px`) the faint layer's region `r` matches best: its offset
  // in px, sub-pixel, and the match; false when there is no clear best inside the search.
  cv::Mat middle = diffused(kDiffusionMm[1]);
  high_pass(middle);
  auto search = [&](const cv::Rect& r, cv::Rect window, cv::Point2d* offset, double* peak) {
    const cv::Mat f = faint(r);
    const double fe = f.dot(f);
    if (!(fe > 0)) return false;
    window &= cv::Rect(0, 0, 2 * reach_px + 1, 2 * reach_px + 1);
    cv::Mat match(2 * reach_px + 1, 2 * reach_px + 1, CV_64F, cv::Scalar(-1.0));
    const cv::Mat k = keep(r);
    cv::Mat seen;
    for (int dy = window.y; dy < window.br().y; ++dy)
      for (int dx = window.x; dx < window.br().x; ++dx) {
        seen = middle(r + cv::Point(dx, dy)).mul(k);
        const double e = seen.dot(seen);
        match.at<double>(dy, dx) = e > 0 ? f.dot(seen) / std::sqrt(e * fe) : 0.0;
      }
    cv::Point at;
    cv::minMaxLoc(match, nullptr, peak, nullptr, &at);
    // A best match at the edge of the search is no copy found, only the slope of something else.
    if (!(*peak >= kMinBackMatch) || at.x == window.x || at.y == window.y || at.x == window.br().x - 1 ||
        at.y == window.br().y - 1)
      return false;
    // Sub-pixel: a parabola through the best and its neighbours along each axis.
    auto refine = [](double a, double b, double c) {
      const double den = a - 2 * b + c;
      return den < 0 ? std::clamp(0.5 * (a - c) / den, -0.5, 0.5) : 0.0;
    };
    auto at_ = [&](int y, int x) { return match.at<double>(y, x); };
    *offset = {at.x + refine(at_(at.y, at.x - 1), at_(at.y, at.x), at_(at.y, at.x + 1)),
               at.y + refine(at_(at.y - 1, at.x), at_(at.y, at.x), at_(at.y + 1, at.x))};
    return true;
  };
  cv::Point2d global;
  double best = 0;
  const int span = 2 * reach_px + 1;
  if (!search(cv::Rect(cv::Point(0, 0), small), {0, 0, span, span}, &global, &best)) return false;
  // Tiles look within two pixels (1 mm) of the page's shift.
  const cv::Rect near(cvRound(global.x) - 2, cvRound(global.y) - 2, 5, 5);
  const int nx = std::max(1, cvRound(page_mm.width / kTileMm)), ny = std::max(1, cvRound(page_mm.height / kTileMm));
  cv::Mat tile_dx(ny, nx, CV_32F), tile_dy(ny, nx, CV_32F);
  for (int ty = 0; ty < ny; ++ty)
    for (int tx = 0; tx < nx; ++tx) {
      const int x0 = tx * small.width / nx, y0 = ty * small.height / ny;
      const cv::Rect r(x0, y0, (tx + 1) * small.width / nx - x0, (ty + 1) * small.height / ny - y0);
      cv::Point2d o = global;
      double peak = 0;
      // A tile where the copy is not clear (blank paper, this side's own print) keeps the
      // page's shift; one that found its own within a pixel of it is taken.
      if (!search(r, near, &o, &peak) || cv::norm(o - global) > 1.5) o = global;
      tile_dx.at<float>(ty, tx) = static_cast<float>(o.x);
      tile_dy.at<float>(ty, tx) = static_cast<float>(o.y);
    }
  if (nx >= 3 && ny >= 3) {
    cv::medianBlur(tile_dx, tile_dx, 3);
    cv::medianBlur(tile_dy, tile_dy, 3);
  }
  // The offsets between tile centres, for every pixel of a grid of `size` (scaled by `k`: px
  // of that grid per px of the registration grid), as remap coordinates into a margin-padded
  // image.
  auto field = [&](cv::Size size, double k, cv::Mat* map_x, cv::Mat* map_y) {
    cv::resize(tile_dx, *map_x, size, 0, 0, cv::INTER_LINEAR);
    cv::resize(tile_dy, *map_y, size, 0, 0, cv::INTER_LINEAR);
    *map_x *= k;
    *map_y *= k;
    for (int v = 0; v < size.height; ++v) {
      float* mx = map_x->ptr<float>(v);
      float* my = map_y->ptr<float>(v);
      for (int u = 0; u < size.width; ++u) mx[u] += static_cast<float>(u), my[u] += static_cast<float>(v);
    }
  };
  cv::Mat map_x, map_y;
  field(small, 1.0, &map_x, &map_y);
  // How far the paper diffused the ink: the spread that matches best once registered; and how
  // many gray levels of this page a unit of the back's darkness costs there (the least-squares
  // slope of the one on the other).
  double sigma = 0, gain = 0;
  best = -1;
  for (double sigma_mm : kDiffusionMm) {
    cv::Mat seen;
    cv::remap(diffused(sigma_mm), seen, map_x, map_y, cv::INTER_LINEAR, cv::BORDER_REPLICATE);
    const cv::Mat level = lighting_out(seen);
    high_pass(seen);
    seen = seen.mul(keep);
    const double e = seen.dot(seen), fit = faint.dot(seen);
    const double c = e > 0 ? fit / std::sqrt(e * faint_energy) : 0.0;
    if (c > best) best = c, sigma = sigma_mm, gain = faint_level.dot(level) / std::max(level.dot(level), 1e-9);
  }
  if (!(best >= kMinBackMatch) || !(gain > 0)) return false;
  const int margin = cvRound(m * ppm);
  const cv::Mat dark_wide = back_dark(ppm, {-m, -m}, {grid.width + 2 * margin, grid.height + 2 * margin});
  if (dark_wide.empty()) return false;
  field(grid, ppm / rpm, &map_x, &map_y);
  cv::Mat dark;
  cv::remap(dark_wide, dark, map_x, map_y, cv::INTER_LINEAR, cv::BORDER_CONSTANT, cv::Scalar(0));
  cv::Mat ink = dark >= kBackInkShare;
  const int reach = 2 * static_cast<int>(std::lround(kScannedReachMm * ppm)) + 1;
  cv::dilate(ink, ink, cv::getStructuringElement(cv::MORPH_RECT, cv::Size(reach, reach)));
  back.scanned_ink = std::move(ink);
  cv::GaussianBlur(dark, back.scanned_dark, cv::Size(0, 0), sigma * ppm);
  back.scanned_gain = static_cast<float>(gain);
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
