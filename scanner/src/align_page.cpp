// Copyright 2026 The Phiếu Authors
// SPDX-License-Identifier: Apache-2.0
// Page identification from QR anchors and the page-mm -> scan-px fit.
#include <algorithm>
#include <cmath>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <opencv2/calib3d.hpp>
#include <opencv2/imgproc.hpp>

#include "anchor_finder.h"
#include "page_fit.h"
#include "scanner/scanner.h"
#include "templates/anchor_payload.h"

namespace phieu::scanner {
namespace {

using templates::AnchorPayload;

constexpr double kPxPerMmAt300Dpi = 300.0 / core::kMmPerInch;  // 11.81
// Blank page: fewer than this share of (downscaled) pixels clearly darker than the paper.
// One short handwritten word is already ~0.1%; scanner noise and dust stay far below.
constexpr double kBlankInkShare = 0.0005;
// How much darker than the paper a pixel must be to count as ink (0..255).
constexpr int kInkContrast = 70;

struct FoundAnchor {
  AnchorPayload payload;
  std::array<cv::Point2d, 4> corners;  // scan px, symbol frame order TL, TR, BR, BL
};

std::string KeyText(const core::PageKey& k) {
  return "template " + k.template_id + " version " + std::to_string(k.version) + " page " +
         std::to_string(k.page) + " serial " + std::to_string(k.serial);
}

bool LooksBlank(const cv::Mat& gray) {
  // Work at ~100 dpi: averaging kills scanner noise, ink strokes survive. An integer factor
  // takes OpenCV's fast area path (a 300-dpi page: 8.6 -> ~1 ms).
  const int k = (std::max(gray.cols, gray.rows) + 1199) / 1200;
  cv::Mat small;
  if (k > 1)
    cv::resize(gray(cv::Rect(0, 0, gray.cols / k * k, gray.rows / k * k)), small,
               cv::Size(gray.cols / k, gray.rows / k), 0, 0, cv::INTER_AREA);
  else
    small = gray;
  // Ignore a 3% frame: scanner lids and page edges cast shadows there.
  const int mx = small.cols * 3 / 100, my = small.rows * 3 / 100;
  cv::Mat inner = small(cv::Rect(mx, my, small.cols - 2 * mx, small.rows - 2 * my));
  if (inner.empty()) return true;
  // Paper level: the 90th percentile (robust to a page that is mostly grey paper).
  int hist[256] = {};
  for (int y = 0; y < inner.rows; ++y) {
    const unsigned char* p = inner.ptr<unsigned char>(y);
    for (int x = 0; x < inner.cols; ++x) ++hist[p[x]];
  }
  const long total = static_cast<long>(inner.total());
  long acc = 0;
  int paper = 255;
  for (int v = 0; v < 256; ++v) {
    acc += hist[v];
    if (acc >= total * 9 / 10) {
      paper = v;
      break;
    }
  }
  long ink = 0;
  for (int v = 0; v < std::max(0, paper - kInkContrast); ++v) ink += hist[v];
  return static_cast<double>(ink) < kBlankInkShare * static_cast<double>(total);
}

double RmsError(const cv::Matx33d& h, const std::vector<cv::Point2d>& src,
                const std::vector<cv::Point2d>& dst) {
  double sum = 0;
  for (size_t i = 0; i < src.size(); ++i) {
    cv::Point2d d = Apply(h, src[i]) - dst[i];
    sum += d.dot(d);
  }
  return src.empty() ? 0.0 : std::sqrt(sum / static_cast<double>(src.size()));
}

/// Least-squares affine map (6 parameters) as a 3x3 matrix.
std::optional<cv::Matx33d> FitAffine(const std::vector<cv::Point2d>& src,
                                     const std::vector<cv::Point2d>& dst) {
  const int n = static_cast<int>(src.size());
  cv::Mat a(2 * n, 6, CV_64F, cv::Scalar(0)), b(2 * n, 1, CV_64F);
  for (int i = 0; i < n; ++i) {
    double* r0 = a.ptr<double>(2 * i);
    double* r1 = a.ptr<double>(2 * i + 1);
    r0[0] = src[i].x, r0[1] = src[i].y, r0[2] = 1;
    r1[3] = src[i].x, r1[4] = src[i].y, r1[5] = 1;
    b.at<double>(2 * i) = dst[i].x;
    b.at<double>(2 * i + 1) = dst[i].y;
  }
  cv::Mat x;
  if (!cv::solve(a, b, x, cv::DECOMP_SVD)) return std::nullopt;
  const double* p = x.ptr<double>();
  return cv::Matx33d(p[0], p[1], p[2], p[3], p[4], p[5], 0, 0, 1);
}

/// Least-squares similarity (rotation, uniform scale, translation). When `fixed_scale` > 0
/// the scale is imposed (one anchor alone measures it over only 14 mm; the file's dpi is a
/// better lever) and only rotation and translation are fitted.
std::optional<cv::Matx33d> FitSimilarity(const std::vector<cv::Point2d>& src,
                                         const std::vector<cv::Point2d>& dst,
                                         double fixed_scale) {
  const double n = static_cast<double>(src.size());
  if (src.size() < 2) return std::nullopt;
  cv::Point2d ms(0, 0), md(0, 0);
  for (size_t i = 0; i < src.size(); ++i) ms += src[i], md += dst[i];
  ms /= n, md /= n;
  double sxx = 0, sxy = 0, ss = 0;
  for (size_t i = 0; i < src.size(); ++i) {
    cv::Point2d s = src[i] - ms, d = dst[i] - md;
    sxx += s.x * d.x + s.y * d.y;   // a * |s|^2 component
    sxy += s.x * d.y - s.y * d.x;   // b * |s|^2 component
    ss += s.dot(s);
  }
  if (ss <= 0) return std::nullopt;
  double a = sxx / ss, b = sxy / ss;
  if (fixed_scale > 0) {
    double s = std::hypot(a, b);
    if (s <= 0) return std::nullopt;
    a *= fixed_scale / s, b *= fixed_scale / s;
  }
  // [a -b; b a] * (p - ms) + md
  return cv::Matx33d(a, -b, md.x - a * ms.x + b * ms.y, b, a, md.y - b * ms.x - a * ms.y, 0, 0, 1);
}

std::optional<cv::Matx33d> FitHomography(const std::vector<cv::Point2d>& src,
                                         const std::vector<cv::Point2d>& dst) {
  cv::Mat h = cv::findHomography(src, dst, 0);
  if (h.empty()) return std::nullopt;
  return cv::Matx33d(h);
}

struct Fit {
  cv::Matx33d h = cv::Matx33d::eye();
  double rms = 0;
  int anchors_used = 0;
};

/// Fits page mm -> scan px from the anchors' corners. Four anchors: full homography (phone
/// photos have perspective). Two or three: affine, since the perspective terms would rest on
/// the symbols' own 14 mm extent and swing the far corners. One: a similarity.
std::optional<Fit> FitAnchors(const std::vector<const FoundAnchor*>& anchors,
                              const templates::PageLayout& page, double dpi_scale) {
  std::vector<cv::Point2d> src, dst;
  for (const FoundAnchor* a : anchors) {
    const templates::AnchorLayout* al = nullptr;
    for (const auto& l : page.anchors)
      if (l.corner == a->payload.corner) al = &l;
    if (!al) continue;
    const core::RectMm& r = al->symbol_mm;
    const cv::Point2d mm[4] = {{r.x, r.y}, {r.right(), r.y}, {r.right(), r.bottom()},
                               {r.x, r.bottom()}};
    for (int i = 0; i < 4; ++i) {
      src.push_back(mm[i]);
      dst.push_back(a->corners[static_cast<size_t>(i)]);
    }
  }
  const int n = static_cast<int>(src.size() / 4);
  if (n == 0) return std::nullopt;
  std::optional<cv::Matx33d> h;
  if (n >= 4)
    h = FitHomography(src, dst);
  else if (n >= 2)
    h = FitAffine(src, dst);
  else
    h = FitSimilarity(src, dst, 0.0);
  if (!h) return std::nullopt;
  if (n == 1 && dpi_scale > 0) {
    // Trust the file's dpi over a 14 mm baseline when the two roughly agree.
    double measured = std::sqrt(std::abs((*h)(0, 0) * (*h)(1, 1) - (*h)(0, 1) * (*h)(1, 0)));
    if (std::abs(measured / dpi_scale - 1.0) < 0.05) h = FitSimilarity(src, dst, dpi_scale);
    if (!h) return std::nullopt;
  }
  return Fit{*h, RmsError(*h, src, dst), n};
}

std::string KnownVersions(const templates::TemplateCatalog& catalog, const std::string& id) {
  std::string known;
  for (int v : catalog.Versions(id)) known += (known.empty() ? "" : ", ") + std::to_string(v);
  return known;
}

/// Identification and fit from the codes found so far. `corners_used` receives the corners of
/// the Phiếu anchors used (for the decision whether a whole-page search could add any).
AlignedPage Analyze(const Scan& scan, const std::vector<DecodedCode>& codes,
                    const templates::TemplateCatalog& catalog, const AlignOptions& options,
                    std::vector<int>* corners_used) {
  AlignedPage out;
  out.source = scan.source;
  std::vector<FoundAnchor> anchors;
  for (const auto& c : codes) {
    if (auto p = templates::DecodeAnchorPayload(c.text)) anchors.push_back({*p, c.corners});
  }
  if (anchors.empty()) {
    if (!codes.empty()) {
      out.status = AlignStatus::kForeignCode;
      out.reason = "QR code(s) found but none is a Phiếu anchor: '" + codes[0].text.substr(0, 40) +
                   "'";
    } else {
      out.status = AlignStatus::kNoAnchors;
      out.reason = "no QR anchor found";
    }
    return out;
  }

  // Group anchors by the page they name. One sheet's anchors must agree; a stray anchor
  // (a piece of another sheet on the glass) is outvoted only by a clear majority, so a page
  // is never given to the wrong sheet on a coin toss.
  std::vector<std::pair<core::PageKey, std::vector<const FoundAnchor*>>> groups;
  for (const auto& a : anchors) {
    auto it = std::find_if(groups.begin(), groups.end(),
                           [&](const auto& g) { return g.first == a.payload.key; });
    if (it == groups.end()) {
      groups.push_back({a.payload.key, {}});
      it = groups.end() - 1;
    }
    // Two anchors claiming the same corner of the same page: keep the first.
    if (std::none_of(it->second.begin(), it->second.end(), [&](const FoundAnchor* o) {
          return o->payload.corner == a.payload.corner;
        }))
      it->second.push_back(&a);
  }
  std::stable_sort(groups.begin(), groups.end(),
                   [](const auto& x, const auto& y) { return x.second.size() > y.second.size(); });
  const int best = static_cast<int>(groups[0].second.size());
  int others = 0;
  for (size_t i = 1; i < groups.size(); ++i) others += static_cast<int>(groups[i].second.size());
  out.key = groups[0].first;
  if (others > 0 && !(best >= 3 && best >= 3 * others)) {
    out.status = AlignStatus::kInconsistent;
    out.reason = "QR anchors disagree: " + KeyText(groups[0].first) + " vs " +
                 KeyText(groups[1].first);
    out.anchors_found = static_cast<int>(anchors.size());
    return out;
  }
  const auto& chosen = groups[0].second;
  out.anchors_found = best;
  for (const FoundAnchor* a : chosen) corners_used->push_back(a->payload.corner);

  const templates::Layout* layout = catalog.Find(out.key.template_id, out.key.version);
  if (!layout) {
    if (catalog.KnowsId(out.key.template_id)) {
      out.status = AlignStatus::kUnknownVersion;
      out.reason = "template " + out.key.template_id + " version " +
                   std::to_string(out.key.version) + " is not registered (known: " +
                   KnownVersions(catalog, out.key.template_id) + ")";
    } else {
      out.status = AlignStatus::kUnknownTemplate;
      out.reason = "template " + out.key.template_id + " is not registered";
    }
    return out;
  }
  const templates::PageLayout* page = layout->FindPage(out.key.page);
  if (!page) {
    out.status = AlignStatus::kInconsistent;
    out.reason = "QR anchor names page " + std::to_string(out.key.page) + " but template " +
                 out.key.template_id + " version " + std::to_string(out.key.version) + " has " +
                 std::to_string(layout->pages.size()) + " page(s)";
    return out;
  }

  const double dpi_scale = scan.dpi > 0 ? scan.dpi / core::kMmPerInch : 0.0;
  auto fit = FitAnchors(chosen, *page, dpi_scale);
  // One bad anchor (a misread corner, a fold across it) should not sink the page: with three
  // or more, drop the anchor whose removal helps most when the full fit is poor.
  auto limit_for = [&](const Fit& f, const templates::PageLayout& pg) {
    AlignedPage tmp;
    DescribeFit(f.h, pg, tmp);
    return options.max_residual_px * (tmp.px_per_mm / kPxPerMmAt300Dpi);
  };
  if (fit && chosen.size() >= 3 && fit->rms > limit_for(*fit, *page)) {
    for (size_t skip = 0; skip < chosen.size(); ++skip) {
      std::vector<const FoundAnchor*> subset;
      for (size_t i = 0; i < chosen.size(); ++i)
        if (i != skip) subset.push_back(chosen[i]);
      auto f = FitAnchors(subset, *page, dpi_scale);
      if (f && f->rms < fit->rms) fit = f;
    }
  }
  if (!fit) {
    out.status = AlignStatus::kPoorFit;
    out.reason = "the QR anchors do not match the anchor positions of the layout";
    return out;
  }
  out.mm_to_px = fit->h;
  out.residual_px = fit->rms;
  DescribeFit(fit->h, *page, out);
  const double limit = options.max_residual_px * (out.px_per_mm / kPxPerMmAt300Dpi);
  if (!(out.px_per_mm >= kMinPxPerMm && out.px_per_mm <= kMaxPxPerMm)) {
    out.status = AlignStatus::kPoorFit;
    out.reason = "implausible scale from the QR anchors: " + std::to_string(out.px_per_mm) +
                 " px/mm";
  } else if (!(out.residual_px <= limit)) {
    out.status = AlignStatus::kPoorFit;
    char buf[160];
    std::snprintf(buf, sizeof buf,
                  "QR anchors fit the layout poorly: residual %.1f px (limit %.1f px)",
                  out.residual_px, limit);
    out.reason = buf;
  } else {
    out.status = AlignStatus::kOk;
  }
  return out;
}

/// How much of a whole-page search a page needs after the corner crops.
enum class WholePage { kSkip, kReduced, kFull };

/// An unidentified page gets the full search. An identified one missing anchors gets a
/// reduced one when a missing anchor should have been inside a searched corner (it is then
/// most likely damaged, and the full search, 45-110 ms a page on the bench stack, finds the
/// same codes again; the reduced one still catches a page whose anchors sit elsewhere, e.g. a
/// reduced copy), and the full one when it lies outside the corners (a shifted or small page).
WholePage WholePageSearch(const AlignedPage& page, const std::vector<int>& corners_used,
                          const templates::TemplateCatalog& catalog, cv::Size page_px) {
  if (page.status != AlignStatus::kOk) return WholePage::kFull;
  if (corners_used.size() >= 4) return WholePage::kSkip;
  const templates::Layout* layout = catalog.Find(page.key.template_id, page.key.version);
  const templates::PageLayout* pl = layout ? layout->FindPage(page.key.page) : nullptr;
  if (!pl) return WholePage::kFull;
  const auto regions = CornerRegions(page_px);
  for (const auto& anchor : pl->anchors) {
    if (std::find(corners_used.begin(), corners_used.end(), anchor.corner) != corners_used.end())
      continue;
    const core::RectMm& r = anchor.symbol_mm;
    const cv::Point2d centre = Apply(page.mm_to_px, {r.x + r.w / 2, r.y + r.h / 2});
    // "Well inside": the whole symbol was in view.
    const double margin = 0.75 * std::max(r.w, r.h) * page.px_per_mm;
    const bool searched = std::any_of(regions.begin(), regions.end(), [&](const cv::Rect& g) {
      return centre.x >= g.x + margin && centre.x <= g.br().x - margin &&
             centre.y >= g.y + margin && centre.y <= g.br().y - margin;
    });
    if (!searched) return WholePage::kFull;
  }
  return WholePage::kReduced;
}

}  // namespace

// Scale and orientation of the fit at the page centre (page_fit.h).
void DescribeFit(const cv::Matx33d& h, const templates::PageLayout& page, AlignedPage& out) {
  cv::Point2d c(page.width_mm / 2, page.height_mm / 2);
  cv::Point2d p0 = Apply(h, c), px = Apply(h, c + cv::Point2d(1, 0)),
              py = Apply(h, c + cv::Point2d(0, 1));
  cv::Point2d ex = px - p0, ey = py - p0;
  out.px_per_mm = std::sqrt(std::abs(ex.x * ey.y - ex.y * ey.x));
  // Angle of the page's x axis in the scan, clockwise (image y points down).
  double deg = std::atan2(ex.y, ex.x) * 180.0 / CV_PI;
  int quarter = static_cast<int>(std::lround(deg / 90.0));
  out.rotation_deg = ((quarter % 4) + 4) % 4 * 90;
}

AlignedPage AlignPage(const Scan& scan, const templates::TemplateCatalog& catalog,
                      const AlignOptions& options) {
  if (scan.gray.empty() || scan.gray.type() != CV_8UC1) {
    AlignedPage out;
    out.source = scan.source;
    out.status = AlignStatus::kNoAnchors;
    out.reason = "empty or non-grayscale page image";
    return out;
  }
  bool blank = false;  // set only if the quick pass found no code anywhere
  std::vector<std::string> expected;
  for (const core::PageKey& key : options.expected)
    for (int corner = 0; corner < 4; ++corner) expected.push_back(templates::EncodeAnchorPayload({key, corner}));
  auto codes = FindCodes(scan.gray, {.wanted = 4,
                                     .full_page_fallback = false,
                                     .give_up_if_none = [&] { return blank = LooksBlank(scan.gray); },
                                     .expected = std::move(expected)});
  if (codes.empty() && blank) {
    // Checked when the quick pass found nothing, before the slower ones: a page without ink
    // has no code to find (a 12 mm symbol alone is ~0.1% ink, twice the blank threshold, and
    // a form page's print is far more).
    AlignedPage out;
    out.source = scan.source;
    out.status = AlignStatus::kBlank;
    out.reason = "blank page";
    return out;
  }
  std::vector<int> corners_used;
  AlignedPage out = Analyze(scan, codes, catalog, options, &corners_used);
  const WholePage search = codes.size() >= 4 || !options.full_page_fallback
                               ? WholePage::kSkip
                               : WholePageSearch(out, corners_used, catalog, scan.gray.size());
  if (search != WholePage::kSkip) {
    const size_t before = codes.size();
    FindCodesOnFullPage(scan.gray, codes, search == WholePage::kReduced);
    if (codes.size() > before) {
      corners_used.clear();
      out = Analyze(scan, codes, catalog, options, &corners_used);
    }
  }
  return out;
}

}  // namespace phieu::scanner
