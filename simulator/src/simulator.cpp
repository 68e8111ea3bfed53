// Copyright 2026 The Phiếu Authors
// SPDX-License-Identifier: Apache-2.0
#include "simulator/simulator.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <functional>
#include <map>
#include <mutex>
#include <thread>

#include <nlohmann/json.hpp>
#include <opencv2/imgproc.hpp>

#include "damage.h"
#include "extra_pages.h"
#include "handwriting.h"
#include "ink.h"
#include "page_writers.h"
#include "respondent.h"
#include "rng.h"
#include "templates/templates.h"

namespace phieu::simulator {
namespace {

using nlohmann::json;
using templates::Layout;

enum class Format { kTiffG4, kPdf, kJpeg, kPng };
enum class PageKind { kForm, kBlank, kForeign };

/// One page image to produce. Decided up front so files can be streamed in order.
struct PageItem {
  PageKind kind = PageKind::kForm;
  int sheet = -1;     ///< index into the sheet plans (form, and blank = back of that sheet's page).
  int page = 0;       ///< 1-based template page (form / blank).
  int foreign = 0;    ///< running number of foreign pages.
};

struct ScanFile {
  Format format = Format::kTiffG4;
  std::string name;
  double dpi = 300;
  bool color = false;
  int jpeg_quality = 85;
  std::vector<int> items;  ///< indices into the page item list, in file order.
  /// Dust on the scanner glass: a line down every page of the file at the same sensor column.
  struct Streak {
    double x = 0.5;     ///< column, fraction of the scan width.
    double width_mm = 0.2;
    double keep = 0.5;  ///< the streak passes this share of the light (0 = black).
  };
  std::vector<Streak> streaks;
};

/// Everything the workers share (read-only while they run).
struct Job {
  const Layout* layout = nullptr;
  const SimulateOptions* options = nullptr;
  std::vector<SheetPlan> plans;
  std::vector<PageItem> items;
  std::vector<ScanFile> files;
  std::vector<int> item_slot;  ///< item -> pages.json position.
  std::filesystem::path printed_dir;
  int sheets_per_pdf = 20;
};

std::filesystem::path BatchPdf(const Job& job, int batch) {
  char name[32];
  std::snprintf(name, sizeof name, "batch_%04d.pdf", batch);
  return job.printed_dir / name;
}

int PageIndexInLayout(const Layout& layout, int page) {
  for (size_t i = 0; i < layout.pages.size(); ++i)
    if (layout.pages[i].page == page) return static_cast<int>(i);
  return 0;
}

/// Per-thread cache of opened printed PDFs.
class RasterCache {
 public:
  explicit RasterCache(const Job& job) : job_(job) {}
  core::Result<cv::Mat> Render(int sheet, int page, double dpi) {
    const int batch = sheet / job_.sheets_per_pdf;
    auto it = docs_.find(batch);
    if (it == docs_.end()) {
      auto doc = PdfRasterizer::Open(BatchPdf(job_, batch));
      if (!doc) return doc.error();
      it = docs_.emplace(batch, std::move(doc.value())).first;
    }
    const int per_sheet = static_cast<int>(job_.layout->pages.size());
    const int index = (sheet % job_.sheets_per_pdf) * per_sheet + PageIndexInLayout(*job_.layout, page);
    cv::Mat m = it->second->Render(index, dpi);
    if (m.empty())
      return core::MakeError("render", "poppler could not rasterise page " + std::to_string(index) +
                                           " of " + BatchPdf(job_, batch).string());
    return m;
  }

 private:
  const Job& job_;
  std::map<int, std::unique_ptr<PdfRasterizer>> docs_;
};

cv::Mat TintPaper(const cv::Mat& gray, Rng& rng) {
  cv::Mat bgr;
  cv::cvtColor(gray, bgr, cv::COLOR_GRAY2BGR);
  cv::multiply(bgr, cv::Scalar(Uniform(rng, 0.86, 0.93), Uniform(rng, 0.95, 0.98), 1.0), bgr);
  return bgr;
}

// Rects (page mm) a stray mark must stay clear of: every box, cell and writing area, and the
// anchors with their quiet zone, so a stray never changes an answer or an identification.
std::vector<core::RectMm> KeepOut(const Layout& layout, int page) {
  std::vector<core::RectMm> out;
  auto grow = [](core::RectMm r, double d) { return core::RectMm{r.x - d, r.y - d, r.w + 2 * d, r.h + 2 * d}; };
  for (const auto& f : layout.fields) {
    if (f.page != page) continue;
    for (const auto& o : f.options) out.push_back(grow(o.box_mm, 3.0));
    for (const auto& c : f.cells_mm) out.push_back(grow(c, 3.0));
    if (f.kind == core::FieldKind::kText) out.push_back(grow(f.area_mm, 3.0));
  }
  if (const auto* p = layout.FindPage(page))
    for (const auto& a : p->anchors) out.push_back(grow(a.symbol_mm, 5.0));
  return out;
}

// Draws what the respondent wrote in a digits/text field and describes it for pages.json:
// "value" is the answer it stands for (null for a dash or stray), "style" the writing style.
json DrawWritten(cv::Mat& ink, const templates::FieldLayout& f, const FieldPlan& fp, const SheetPlan& plan,
                 double dpi, Rng& rng) {
  const bool answer = fp.mark == "digits" || fp.mark == "handwriting";
  json jm = {{"value", answer ? json(fp.written) : json()}, {"mark", fp.mark}, {"selected", answer},
             {"pen", plan.pen.Name()}};
  if (fp.mark == "digits") {
    auto crossing = DrawHandDigits(ink, f.cells_mm, fp.written, plan.hand, fp.crossed_cell, fp.crossed_digit,
                                   plan.pen, dpi, rng);
    jm["style"] = plan.hand.DigitStyleName();
    jm["text"] = fp.written;
    if (!crossing.empty()) jm["over_border"] = crossing;
    if (fp.crossed_cell >= 0) {
      const int first = static_cast<int>(f.cells_mm.size()) - static_cast<int>(fp.written.size());
      jm["correction"] = true;
      jm["crossed_out"] = {{"cell", std::max(0, first) + fp.crossed_cell},
                           {"digit", std::string(1, fp.crossed_digit)}, {"rewritten", "above_cell"}};
    }
  } else if (fp.mark == "handwriting") {
    DrawHandText(ink, f.area_mm, f.lines, fp.lines, plan.hand, fp.x_height_mm, plan.pen, dpi, rng);
    jm["style"] = HandFontName(plan.hand.font);
    jm["text"] = fp.written;
    jm["lines"] = fp.lines.size();
    jm["x_height_mm"] = std::round(fp.x_height_mm * 100) / 100;
  } else if (fp.mark == "dash") {
    DrawDash(ink, f.area_mm, f.lines, fp.written != "-", plan.pen, dpi, rng);
    jm["text"] = fp.written;
  } else if (fp.mark == "stray") {
    const double pitch = (f.area_mm.h - 2.0) / std::max(1, f.lines);
    core::PointMm at{f.area_mm.x + Uniform(rng, 4, std::max(5.0, f.area_mm.w - 4)),
                     f.area_mm.y + Uniform(rng, 2, std::max(3.0, pitch * std::max(1, f.lines) - 1))};
    DrawStray(ink, at, fp.written, plan.pen, dpi, rng);
    jm["kind"] = fp.written;
    jm["at_mm"] = {at.x, at.y};
  }
  return jm;
}

struct Produced {
  cv::Mat image;
  json entry;
};

// Gray level under which `keep` of each pencil trace's pixels lie, the highest over the traces
// on the page: a threshold above it keeps at least that share of every trace. `ink_scan` is the
// pen's coverage carried through the same scan geometry as the page.
int TraceLevel(const cv::Mat& gray, const cv::Mat& ink_scan, double keep) {
  cv::Mat labels, stats, centroids;
  const int n = cv::connectedComponentsWithStats(ink_scan > 128, labels, stats, centroids, 8, CV_32S);
  std::vector<std::vector<uchar>> levels(static_cast<size_t>(std::max(n, 1)));
  for (int y = 0; y < labels.rows; ++y) {
    const int* l = labels.ptr<int>(y);
    const uchar* g = gray.ptr<uchar>(y);
    for (int x = 0; x < labels.cols; ++x)
      if (l[x] > 0) levels[l[x]].push_back(g[x]);
  }
  int level = 0;
  for (auto& v : levels) {
    if (v.size() < 4) continue;  // a speck of the coverage mask, not a stroke.
    auto k = v.begin() + static_cast<std::ptrdiff_t>(keep * static_cast<double>(v.size() - 1));
    std::nth_element(v.begin(), k, v.end());
    level = std::max(level, static_cast<int>(*k) + 1);
  }
  return level;
}

// Threshold for bilevel files: what a scanner's auto-threshold does, sometimes set too low.
// Pencil is kept readable, as a clerk who checks the preview would: the threshold keeps most of
// every pencil trace, or only its darkest third when the threshold is bad (thinned strokes
// broken into specks). A trace erased completely could not be recovered by any reader, so it
// would only measure the simulator.
cv::Mat ToBilevel(const cv::Mat& image, const ScanParams& sp, const Pen* pen, const cv::Mat& ink_scan,
                  Rng& rng, json& damage) {
  cv::Mat out, gray = image;
  if (gray.channels() == 3) cv::cvtColor(image, gray, cv::COLOR_BGR2GRAY);
  // Otsu alone would split a blank page's noise and show-through into black and white; a
  // scanner's threshold sits between paper and ink whatever the page holds.
  int otsu = std::clamp(Binarize(gray, -1, out), sp.black_level + 40, sp.paper_level - 40);
  const bool bad = Chance(rng, 0.15);
  int t = otsu;
  if (pen && pen->pencil && !ink_scan.empty()) {
    t = std::max(otsu, TraceLevel(gray, ink_scan, bad ? 0.3 : 0.6));
    t = std::min(t, sp.paper_level - 20);  // above that, sensor noise turns black.
  } else if (bad) {
    t = otsu - UniformInt(rng, 20, 40);
  }
  Binarize(gray, t, out);
  damage.push_back("binarize:" + std::to_string(t));
  if (bad) damage.push_back("binarize_low_threshold");
  return out;
}

/// The random stream a sheet's page is drawn from (`blank`: its blank back side): the same
/// page gets the same marks wherever it is drawn (its own scan, the back of another's).
void SeedPage(Rng& rng, const Job& job, int sheet, int page, bool blank = false) {
  rng.seed(Mix(job.options->seed, static_cast<std::uint64_t>(job.plans[sheet].serial), (blank ? 0xb000 : 0xa000) + page));
}

struct FormFace {
  cv::Mat print;  ///< the printed page, an anchor blotted now and then.
  cv::Mat ink;    ///< the respondent's pen coverage (CV_8U, 255 = ink).
  json marks = json::object();
  json strays = json::array();
};

/// What the respondent put on page `page_no` of sheet `sheet`, drawn over its raster `print`
/// with the page's own random stream (so the same marks whenever the page is drawn).
FormFace FillFormPage(const Job& job, int sheet, int page_no, double dpi, cv::Mat print, Rng& rng, json& damage) {
  const Layout& layout = *job.layout;
  const SimulateOptions& opt = *job.options;
  const SheetPlan& plan = job.plans[sheet];
  FormFace face;
  face.ink = cv::Mat(print.size(), CV_8U, cv::Scalar(0));
  cv::Mat& ink = face.ink;
  json& marks = face.marks;
  for (const auto& fp : plan.fields) {
    const auto& f = layout.fields[fp.field];
    if (f.page != page_no) continue;
    for (const auto& m : fp.marks) {
      // (A circler's plan only rings options with printed text; the page RNG then draws the
      // loop instead of a box mark, so later marks of that page differ, nothing else.)
      const bool label = m.shape == MarkShape::kLabelCircle && !f.options[m.option].label_mm.empty();
      const bool overflow = !label && m.shape != MarkShape::kCancelled && m.shape != MarkShape::kErased &&
                            Chance(rng, plan.overflow_rate);
      if (label)
        DrawLabelCircle(ink, f.options[m.option].label_mm, f.options[m.option].box_mm, plan.pen, dpi, rng);
      else if (m.shape == MarkShape::kErased)
        DrawErasedMark(ink, f.options[m.option].box_mm, plan.style, plan.pen, dpi, plan.mark_scale, rng);
      else
        DrawBoxMark(ink, f.options[m.option].box_mm, m.shape == MarkShape::kLabelCircle ? plan.style : m.shape,
                    plan.pen, dpi, plan.mark_scale, overflow, rng);
      json jm = {{"value", OptionValueJson(f.options[m.option])}, {"mark", MarkShapeName(m.shape)},
                 {"selected", m.selected}, {"pen", plan.pen.Name()}};
      if (plan.pen.pressure_model) jm["model"] = "pressure";
      if (m.correction) jm["correction"] = true;
      if (overflow) jm["overflow"] = true;
      marks[f.id].push_back(std::move(jm));
    }
    if (!fp.mark.empty()) marks[f.id].push_back(DrawWritten(ink, f, fp, plan, dpi, rng));
  }
  // Stray marks: pen rests, a line in the margin, a dot; never near a box or an anchor.
  json& strays = face.strays;
  const auto* pl = layout.FindPage(page_no);
  const double w_mm = pl ? pl->width_mm : 210, h_mm = pl ? pl->height_mm : 297;
  if (Chance(rng, 0.3)) {
    auto keep_out = KeepOut(layout, page_no);
    const int n = UniformInt(rng, 1, 3);
    static const char* kKinds[] = {"touch", "line", "dot"};
    for (int i = 0; i < n; ++i) {
      for (int attempt = 0; attempt < 40; ++attempt) {
        core::PointMm at{Uniform(rng, 10, w_mm - 10), Uniform(rng, 10, h_mm - 10)};
        core::RectMm r{at.x - 7, at.y - 7, 14, 14};  // a stray line reaches 6 mm from its centre.
        bool clear = std::none_of(keep_out.begin(), keep_out.end(), [&](const auto& k) { return k.Intersects(r); });
        if (!clear) continue;
        std::string kind = kKinds[UniformInt(rng, 0, 2)];
        DrawStray(ink, at, kind, plan.pen, dpi, rng);
        strays.push_back({{"kind", kind}, {"at_mm", {at.x, at.y}}});
        break;
      }
    }
  }
  // One anchor blotted out now and then; never more than one, so the page stays identifiable.
  if (opt.damage && pl && !pl->anchors.empty() && Chance(rng, 0.05)) {
    const auto& a = pl->anchors[UniformInt(rng, 0, static_cast<int>(pl->anchors.size()) - 1)];
    cv::Rect r(static_cast<int>(core::MmToPx(a.symbol_mm.x, dpi)), static_cast<int>(core::MmToPx(a.symbol_mm.y, dpi)),
               static_cast<int>(core::MmToPx(a.symbol_mm.w, dpi)), static_cast<int>(core::MmToPx(a.symbol_mm.h, dpi)));
    DrawBlot(print, r, rng);
    damage.push_back("anchor_blot:" + std::to_string(a.corner));
  }
  face.print = std::move(print);
  return face;
}

/// The other side of a duplex-printed sheet: pages 1/2, 3/4, ... share a leaf.
int BackPage(const Layout& layout, int page) {
  const int back = page % 2 == 1 ? page + 1 : page - 1;
  return back >= 1 && layout.FindPage(back) ? back : 0;
}

/// Show-through: the other side of the leaf, mirrored and diffused by the paper, darkens the
/// page by up to `SimulateOptions::show_through` of its own contrast (the leaf transmits that
/// share of the back's ink). The back is filled by its own random stream, so what shows
/// through is exactly what its own scan holds. Returns the damage entry ("" if no back).
core::Result<std::string> ShowBackThrough(const Job& job, int sheet, int page, double dpi, RasterCache& cache,
                                          cv::Mat& image) {
  const SimulateOptions& opt = *job.options;
  const int back = BackPage(*job.layout, page);
  if (back == 0) return std::string();
  const SheetPlan& plan = job.plans[sheet];
  Rng rng;
  SeedPage(rng, job, sheet, back);
  auto raster = cache.Render(sheet, back, dpi);
  if (!raster) return raster.error();
  json ignored = json::array();
  FormFace face = FillFormPage(job, sheet, back, dpi, std::move(*raster), rng, ignored);
  cv::Mat back_gray = Composite(face.print, face.ink, plan.pen, /*color=*/false, rng);
  cv::flip(back_gray, back_gray, 1);
  if (back_gray.size() != image.size()) cv::resize(back_gray, back_gray, image.size(), 0, 0, cv::INTER_AREA);
  // Transmittance 1 - k * darkness of the back, blurred by 0.3-0.6 mm of paper.
  cv::Mat t;
  back_gray.convertTo(t, CV_32F, opt.show_through / 255.0, 1.0 - opt.show_through);
  cv::GaussianBlur(t, t, cv::Size(0, 0), core::MmToPx(Uniform(rng, 0.3, 0.6), dpi));
  std::vector<cv::Mat> channels;
  cv::split(image, channels);
  for (cv::Mat& c : channels) {
    cv::Mat f;
    c.convertTo(f, CV_32F);
    f = f.mul(t);
    f.convertTo(c, CV_8U);
  }
  cv::merge(channels, image);
  char entry[48];
  std::snprintf(entry, sizeof entry, "show_through:%.2f", opt.show_through);
  return std::string(entry);
}

/// Folds: creases across the whole upright page where it was folded in half or in three.
/// Returns the damage entries.
std::vector<std::string> DrawCreases(cv::Mat& image, double dpi, Rng& rng) {
  std::vector<std::string> out;
  const bool thirds = Chance(rng, 0.45), across = Chance(rng, 0.15);  // across: a vertical fold
  std::vector<double> at = thirds && !across ? std::vector<double>{1.0 / 3, 2.0 / 3} : std::vector<double>{0.5};
  for (double share : at) {
    const double len = across ? image.cols : image.rows;
    const double pos = share * len + core::MmToPx(Normal(rng, 0, 3.0), dpi);
    const double tilt = Uniform(rng, -1.5, 1.5) * CV_PI / 180;
    const double dark = Chance(rng, 0.6) ? Uniform(rng, 0.10, 0.30) : Uniform(rng, 0.30, 0.60);
    const double half = std::max(0.5, core::MmToPx(Uniform(rng, 0.06, 0.2), dpi));
    const double shadow = Chance(rng, 0.5) ? Uniform(rng, 0.02, 0.10) : 0.0;
    const double shadow_px = core::MmToPx(Uniform(rng, 1.0, 4.0), dpi);
    const int side = Chance(rng, 0.5) ? 1 : -1;
    // Transmission per pixel from its signed distance to the crease line.
    cv::Mat t(image.size(), CV_32F);
    const double c = std::cos(tilt), s = std::sin(tilt);
    for (int y = 0; y < image.rows; ++y) {
      float* row = t.ptr<float>(y);
      for (int x = 0; x < image.cols; ++x) {
        const double along = across ? x : y, other = across ? y : x;
        const double d = (along - pos) * c - (other - (across ? image.rows : image.cols) / 2.0) * s;
        double f = 1.0 - dark * std::exp(-0.5 * (d / half) * (d / half));
        if (shadow > 0 && d * side > 0) f *= 1.0 - shadow * std::exp(-std::abs(d) / shadow_px);
        row[x] = static_cast<float>(f);
      }
    }
    std::vector<cv::Mat> channels;
    cv::split(image, channels);
    for (cv::Mat& ch : channels) {
      cv::Mat f;
      ch.convertTo(f, CV_32F);
      f = f.mul(t);
      f.convertTo(ch, CV_8U);
    }
    cv::merge(channels, image);
    char entry[48];
    std::snprintf(entry, sizeof entry, "crease:%.2f", dark);
    out.push_back(entry);
  }
  return out;
}

/// Stains: one or two blots of coffee, tea or water dried on the upright page. Returns the
/// damage entries.
std::vector<std::string> DrawStains(cv::Mat& image, double dpi, Rng& rng) {
  std::vector<std::string> out;
  const int blots = Chance(rng, 0.3) ? 2 : 1;
  for (int b = 0; b < blots; ++b) {
    const double radius = core::MmToPx(Uniform(rng, 4.0, 15.0), dpi);
    const double cx = Uniform(rng, 0.05, 0.95) * image.cols, cy = Uniform(rng, 0.05, 0.95) * image.rows;
    const double aspect = Uniform(rng, 0.7, 1.0), turn = Uniform(rng, 0.0, CV_PI);
    const double dark = Uniform(rng, 0.05, 0.30);
    const double edge = core::MmToPx(Uniform(rng, 0.3, 2.0), dpi);
    const double rim = Chance(rng, 0.6) ? Uniform(rng, 0.05, 0.2) : 0.0;
    const double rim_width = core::MmToPx(Uniform(rng, 0.4, 1.2), dpi);
    // The outline: a radius that wanders with the angle (harmonics 2-7, falling amplitudes).
    double amp[6], phase[6];
    for (int k = 0; k < 6; ++k) amp[k] = Uniform(rng, 0.0, 0.12 / (1 + 0.5 * k)), phase[k] = Uniform(rng, 0.0, 2 * CV_PI);
    // Brown: blue absorbed most, red least (BGR order); the same on a gray page.
    const bool colour = image.channels() == 3;
    const double tint[3] = {1.0, colour ? 0.8 : 1.0, colour ? 0.55 : 1.0};
    const double reach = radius * 1.5 + 4 * edge + 3 * rim_width;
    const int x0 = std::max(0, static_cast<int>(cx - reach)), x1 = std::min(image.cols - 1, static_cast<int>(cx + reach));
    const int y0 = std::max(0, static_cast<int>(cy - reach)), y1 = std::min(image.rows - 1, static_cast<int>(cy + reach));
    const double c = std::cos(turn), s = std::sin(turn);
    for (int y = y0; y <= y1; ++y) {
      uchar* row = image.ptr<uchar>(y);
      for (int x = x0; x <= x1; ++x) {
        const double u = (x - cx) * c + (y - cy) * s, v = (-(x - cx) * s + (y - cy) * c) / aspect;
        const double t = std::atan2(v, u);
        double r = radius;
        for (int k = 0; k < 6; ++k) r += radius * amp[k] * std::sin((k + 2) * t + phase[k]);
        const double d = std::hypot(u, v) - r;  // px outside the outline
        const double inside = 1.0 / (1.0 + std::exp(4.0 * d / edge));
        const double line = rim > 0 ? std::exp(-0.5 * (d / rim_width) * (d / rim_width)) : 0.0;
        const double absorb = dark * inside + rim * line;
        if (absorb < 1e-3) continue;
        for (int ch = 0; ch < image.channels(); ++ch) {
          uchar& p = row[x * image.channels() + ch];
          p = cv::saturate_cast<uchar>(p * (1.0 - absorb * tint[ch]));
        }
      }
    }
    char entry[48];
    std::snprintf(entry, sizeof entry, "stain:%.2f", dark);
    out.push_back(entry);
  }
  return out;
}

core::Result<Produced> ProducePage(const Job& job, const ScanFile& file, int item_index, RasterCache& cache) {
  const SimulateOptions& opt = *job.options;
  const PageItem& item = job.items[item_index];
  const double dpi = file.dpi;
  const bool g4 = file.format == Format::kTiffG4;
  Produced out;
  json& e = out.entry;
  json damage = json::array();
  cv::Mat page;
  const Pen* pen = nullptr;
  cv::Mat ink;  // the respondent's pen coverage, for bilevel thresholds.
  Rng rng;

  if (item.kind == PageKind::kForeign) {
    rng.seed(Mix(opt.seed, 0xf0e1 + static_cast<std::uint64_t>(item.foreign)));
    const std::string kind = item.foreign % 2 == 0 ? "qr" : "text";
    cv::Size size(static_cast<int>(std::lround(core::MmToPx(210, dpi))),
                  static_cast<int>(std::lround(core::MmToPx(297, dpi))));
    page = MakeForeignPage(kind, size, dpi, rng);
    if (file.color) page = TintPaper(page, rng);
    e = {{"kind", "foreign"}, {"serial", nullptr}, {"page", nullptr}, {"foreign_kind", kind}};
  } else {
    const SheetPlan& plan = job.plans[item.sheet];
    const bool blank = item.kind == PageKind::kBlank;
    SeedPage(rng, job, item.sheet, item.page, blank);
    auto raster = cache.Render(item.sheet, item.page, dpi);
    if (!raster) return raster.error();
    if (blank) {
      page = MakeBlankBack(*raster, rng);
      if (file.color) page = TintPaper(page, rng);
      e = {{"kind", "blank"}, {"serial", nullptr}, {"page", nullptr},
           {"back_of", {{"serial", plan.serial}, {"page", item.page}}}};
    } else {
      pen = &plan.pen;
      FormFace face = FillFormPage(job, item.sheet, item.page, dpi, std::move(*raster), rng, damage);
      ink = std::move(face.ink);
      page = Composite(face.print, ink, plan.pen, file.color, rng);
      if (opt.show_through > 0) {
        auto shown = ShowBackThrough(job, item.sheet, item.page, dpi, cache, page);
        if (!shown) return shown.error();
        if (!shown->empty()) damage.push_back(*shown);
      }
      if (opt.damage && opt.crease_rate > 0) {
        Rng crease_rng(Mix(opt.seed, static_cast<std::uint64_t>(plan.serial), 0xc2ea5e00 + item.page));
        if (Chance(crease_rng, opt.crease_rate))
          for (auto& entry : DrawCreases(page, dpi, crease_rng)) damage.push_back(std::move(entry));
      }
      if (opt.damage && opt.stain_rate > 0) {
        Rng stain_rng(Mix(opt.seed, static_cast<std::uint64_t>(plan.serial), 0x57a10000 + item.page));
        if (Chance(stain_rng, opt.stain_rate))
          for (auto& entry : DrawStains(page, dpi, stain_rng)) damage.push_back(std::move(entry));
      }
      e = {{"kind", "form"}, {"serial", plan.serial}, {"page", item.page}};
      e["marks"] = std::move(face.marks);
      e["strays"] = std::move(face.strays);
    }
  }

  ScanParams sp = DrawScanParams(rng, opt.damage, opt.upside_down_rate);
  if (g4) {
    // Bilevel scanners flatten the background before thresholding.
    sp.paper_level = std::max(sp.paper_level, 238);
    sp.illumination *= 0.3;
    sp.noise_sigma = std::min(sp.noise_sigma, 5.0);
    sp.jpeg_roundtrip_q = 0;
  }
  if (file.format != Format::kPng) sp.jpeg_roundtrip_q = 0;  // the file format itself is JPEG/G4.
  std::vector<std::string> log;
  const Rng geometry_rng = rng;  // ApplyScan draws its geometry first: a copy replays it.
  out.image = ApplyScan(page, sp, dpi, rng, &log);
  for (auto& s : log) damage.push_back(std::move(s));
  for (const auto& streak : file.streaks) {
    const int width = std::max(1, static_cast<int>(std::lround(core::MmToPx(streak.width_mm, dpi))));
    const int x = std::clamp(static_cast<int>(streak.x * out.image.cols), 0, out.image.cols - width);
    cv::Mat band = out.image.colRange(x, x + width);
    band.convertTo(band, -1, streak.keep, 0);
    damage.push_back("streak:" + std::to_string(x) + "px");
  }
  if (g4) {
    cv::Mat ink_scan;
    if (pen && pen->pencil && !ink.empty()) {
      ScanParams geometry = sp;
      geometry.paper_level = 255;
      geometry.black_level = 0;
      geometry.illumination = geometry.blur_sigma = geometry.noise_sigma = 0;
      geometry.jpeg_roundtrip_q = 0;
      geometry.border_gray = 0;
      Rng replay = geometry_rng;
      ink_scan = ApplyScan(ink, geometry, dpi, replay, nullptr);
    }
    out.image = ToBilevel(out.image, sp, pen, ink_scan, rng, damage);
  }
  double rotation = std::fmod(90.0 * sp.quarter_turns + sp.skew_deg + 360.0, 360.0);
  e["dpi"] = dpi;
  e["rotation_deg"] = std::round(rotation * 100) / 100;
  e["color"] = file.color && !g4;
  e["damage"] = std::move(damage);
  return out;
}

const char* Extension(Format f) {
  switch (f) {
    case Format::kTiffG4: return ".tif";
    case Format::kPdf: return ".pdf";
    case Format::kJpeg: return ".jpg";
    case Format::kPng: return ".png";
  }
  return ".bin";
}

/// Now and then dust settles on the scanner glass for a run of files (a session at one desk)
/// until someone wipes it: 1-2 streaks at fixed columns on every page of those files. Its own
/// random stream, so the rest of the stack is the same with or without it.
void PlanDirtyGlass(Job& job) {
  Rng rng(Mix(job.options->seed, 0xd157));
  for (size_t i = 0; i < job.files.size();) {
    if (!Chance(rng, 0.02)) {
      ++i;
      continue;
    }
    std::vector<ScanFile::Streak> dust(UniformInt(rng, 1, 2));
    for (auto& d : dust) d = {Uniform(rng, 0.05, 0.95), Uniform(rng, 0.08, 0.35), Uniform(rng, 0.3, 0.8)};
    const size_t run = static_cast<size_t>(UniformInt(rng, 2, 6));
    for (size_t k = 0; k < run && i < job.files.size(); ++k, ++i) job.files[i].streaks = dust;
  }
}

void PlanStack(Job& job) {
  const SimulateOptions& opt = *job.options;
  const Layout& layout = *job.layout;
  Rng rng(Mix(opt.seed, 0x57ac));
  for (size_t s = 0; s < job.plans.size(); ++s) {
    for (const auto& p : layout.pages) {
      if (!job.plans[s].Scanned(p.page)) continue;
      // A duplex scanner turns every leaf: a page whose other side is not printed or not
      // scanned (a missing page, --pages) has a blank in its place, so leaves stay pairs.
      const int partner = BackPage(layout, p.page);
      const bool alone = partner == 0 || !job.plans[s].Scanned(partner);
      if (opt.duplex && alone && p.page % 2 == 0) job.items.push_back({PageKind::kBlank, static_cast<int>(s), p.page, 0});
      job.items.push_back({PageKind::kForm, static_cast<int>(s), p.page, 0});
      if (opt.duplex) {
        if (alone && p.page % 2 == 1) job.items.push_back({PageKind::kBlank, static_cast<int>(s), p.page, 0});
      } else if (Chance(rng, opt.blank_back_rate)) {
        job.items.push_back({PageKind::kBlank, static_cast<int>(s), p.page, 0});
      }
    }
  }
  for (int i = 0; i < opt.foreign_pages; i += opt.duplex ? 2 : 1) {
    size_t at = job.items.empty() ? 0 : static_cast<size_t>(UniformInt(rng, 0, static_cast<int>(job.items.size())));
    if (opt.duplex) {
      // A foreign leaf, both its sides, between two of the forms' leaves.
      at -= at % 2;
      job.items.insert(job.items.begin() + static_cast<std::ptrdiff_t>(at), {PageItem{PageKind::kForeign, -1, 0, i},
                                                                             PageItem{PageKind::kForeign, -1, 0, i + 1}});
    } else {
      job.items.insert(job.items.begin() + static_cast<std::ptrdiff_t>(at), PageItem{PageKind::kForeign, -1, 0, i});
    }
  }
  std::vector<int> order(job.items.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = static_cast<int>(i);
  if (opt.shuffle && !opt.duplex) std::shuffle(order.begin(), order.end(), rng);

  // Formats weighted so that pages split roughly 40% G4 TIFF, 35% PDF, 15% JPEG, 10% PNG
  // (multi-page files average ~10 pages).
  static const double kFileShare[] = {0.118, 0.103, 0.468, 0.311};
  std::discrete_distribution<int> pick(std::begin(kFileShare), std::end(kFileShare));
  size_t pos = 0;
  int number = 1;
  job.item_slot.assign(job.items.size(), 0);
  // The first four files take the four formats in a random order, so even a small stack
  // exercises every reader; after that the weights rule.
  std::vector<Format> first = {Format::kTiffG4, Format::kPdf, Format::kJpeg, Format::kPng};
  std::shuffle(first.begin(), first.end(), rng);
  while (pos < order.size()) {
    ScanFile f;
    f.format = job.files.size() < first.size() ? first[job.files.size()] : static_cast<Format>(pick(rng));
    // A duplex scanner writes multi-page files only.
    if (opt.duplex && f.format == Format::kJpeg) f.format = Format::kPdf;
    if (opt.duplex && f.format == Format::kPng) f.format = Format::kTiffG4;
    // Batches of 1-20 pages; a small stack gets smaller batches so it still spreads over files.
    const int max_batch = std::clamp(static_cast<int>(order.size()) / 6, 1, 20);
    int count = (f.format == Format::kTiffG4 || f.format == Format::kPdf) ? UniformInt(rng, 1, max_batch) : 1;
    if (opt.duplex) count = 2 * ((count + 1) / 2);  // whole leaves
    count = std::min<int>(count, static_cast<int>(order.size() - pos));
    f.dpi = opt.dpi;
    if (opt.mix_dpi && Chance(rng, 0.12)) {
      // 600 dpi only where scanners offer it for batches (bilevel TIFF, PDF): a 600-dpi PNG of
      // a noisy page is ~80 MB and nobody sends one.
      static const double kDpis[] = {150, 200, 600};
      const bool multi = f.format == Format::kTiffG4 || f.format == Format::kPdf;
      f.dpi = kDpis[UniformInt(rng, 0, multi ? 2 : 1)];
    }
    f.color = (f.format == Format::kJpeg || f.format == Format::kPng) && Chance(rng, 0.35);
    f.jpeg_quality = UniformInt(rng, 60, 92);
    char name[32];
    std::snprintf(name, sizeof name, "%s_%04d%s",
                  f.format == Format::kTiffG4 || f.format == Format::kPdf ? "scan" : "img", number++,
                  Extension(f.format));
    f.name = name;
    for (int i = 0; i < count; ++i) {
      job.item_slot[order[pos]] = static_cast<int>(pos);
      f.items.push_back(order[pos++]);
    }
    job.files.push_back(std::move(f));
  }
  if (opt.damage) PlanDirtyGlass(job);
}

core::Status WriteJson(const std::filesystem::path& path, const json& j) {
  std::ofstream out(path, std::ios::binary);
  out << j.dump(1) << '\n';
  out.close();
  if (!out) return core::MakeError("io", "cannot write " + path.string());
  return {};
}

// Runs `work(i)` for i in [0, n) on `jobs` threads; stops early after the first error.
core::Status ParallelFor(int n, int jobs, const std::function<core::Status(int)>& work) {
  std::atomic<int> next{0};
  std::atomic<bool> failed{false};
  std::mutex mu;
  core::Status first;
  auto run = [&] {
    for (int i; !failed && (i = next++) < n;) {
      core::Status st = work(i);
      if (!st.ok()) {
        std::lock_guard<std::mutex> lock(mu);
        if (!failed.exchange(true)) first = st;
      }
    }
  };
  std::vector<std::thread> threads;
  for (int t = 1; t < std::max(1, jobs); ++t) threads.emplace_back(run);
  run();
  for (auto& t : threads) t.join();
  return first;
}

}  // namespace

core::Result<SimulateReport> Simulate(const templates::Template& tpl, const SimulateOptions& options) {
  const auto start = std::chrono::steady_clock::now();
  if (options.out_dir.empty()) return core::MakeError("usage", "simulate: out_dir is required");
  std::vector<core::Serial> serials = options.serials;
  if (serials.empty())
    for (int i = 1; i <= options.sheets; ++i) serials.push_back(i);
  if (serials.empty()) return core::MakeError("usage", "simulate: no sheets to make");
  if (!options.unit_codes.empty() && options.unit_codes.size() != serials.size())
    return core::MakeError("usage", "simulate: unit_codes must be empty or one per serial");
  if (options.dpi < 50 || options.dpi > 1200) return core::MakeError("usage", "simulate: dpi out of range");

  std::error_code ec;
  std::filesystem::create_directories(options.out_dir, ec);
  if (ec) return core::MakeError("io", "cannot create " + options.out_dir.string() + ": " + ec.message());

  const Layout layout = templates::ComputeLayout(tpl);
  if (layout.pages.empty()) return core::MakeError("invalid", "simulate: template " + tpl.id + " has no pages");
  for (int p : options.only_pages)
    if (!layout.FindPage(p))
      return core::MakeError("usage", "simulate: template " + tpl.id + " has no page " + std::to_string(p) +
                                          " (it has " + std::to_string(layout.pages.size()) + ")");
  Job job;
  job.layout = &layout;
  job.options = &options;
  job.sheets_per_pdf = std::max(1, options.sheets_per_pdf);
  job.printed_dir = options.out_dir / "printed";
  std::filesystem::create_directories(job.printed_dir, ec);
  if (ec) return core::MakeError("io", "cannot create " + job.printed_dir.string() + ": " + ec.message());

  json truth = json::array();
  for (size_t i = 0; i < serials.size(); ++i) {
    const std::string unit = options.unit_codes.empty() ? "" : options.unit_codes[i];
    job.plans.push_back(PlanSheet(layout, serials[i], unit, options.seed, options.missing_page_rate));
    job.plans.back().only_pages = options.only_pages;
    truth.push_back(TruthEntry(layout, job.plans.back()));
  }
  std::sort(truth.begin(), truth.end(), [](const json& a, const json& b) { return a["serial"] < b["serial"]; });
  SimulateReport report;
  report.sheets = static_cast<int>(serials.size());
  report.truth_path = options.out_dir / "truth.json";
  report.pages_path = options.out_dir / "pages.json";
  if (auto st = WriteJson(report.truth_path, truth); !st) return st.error();
  // What made the stack, so a benchmark re-scoring it later reports the right seed.
  const json made = {{"template", tpl.id}, {"version", tpl.version}, {"seed", options.seed},
                     {"sheets", report.sheets}};
  if (auto st = WriteJson(options.out_dir / "simulate.json", made); !st) return st.error();

  // 1. Print: the real PDF, in batches, in parallel.
  const int batches = (static_cast<int>(serials.size()) + job.sheets_per_pdf - 1) / job.sheets_per_pdf;
  auto printed = ParallelFor(batches, options.jobs, [&](int b) -> core::Status {
    templates::RenderOptions ro;
    for (int s = b * job.sheets_per_pdf; s < std::min<int>((b + 1) * job.sheets_per_pdf, serials.size()); ++s) {
      ro.serials.push_back(serials[s]);
      if (!options.unit_codes.empty()) ro.unit_labels.push_back(options.unit_codes[s]);
    }
    return templates::RenderPdf(tpl, BatchPdf(job, b), ro);
  });
  if (!printed) return printed.error();

  // 2. Decide the stack: which pages, in what order, in which files.
  PlanStack(job);

  // 3. Fill, scan and write, one file per task so each writer streams its pages in order.
  std::vector<json> entries(job.items.size());
  std::mutex cache_mu;
  std::map<std::thread::id, std::unique_ptr<RasterCache>> caches;
  auto scanned = ParallelFor(static_cast<int>(job.files.size()), options.jobs, [&](int fi) -> core::Status {
    RasterCache* cache;
    {
      std::lock_guard<std::mutex> lock(cache_mu);
      auto& c = caches[std::this_thread::get_id()];
      if (!c) c = std::make_unique<RasterCache>(job);
      cache = c.get();
    }
    const ScanFile& f = job.files[fi];
    const auto path = options.out_dir / f.name;
    std::unique_ptr<PageWriter> writer;
    if (f.format == Format::kTiffG4 || f.format == Format::kPdf) {
      auto w = f.format == Format::kTiffG4 ? OpenTiffG4Writer(path) : OpenScannerPdfWriter(path, f.jpeg_quality);
      if (!w) return w.error();
      writer = std::move(w.value());
    }
    for (size_t k = 0; k < f.items.size(); ++k) {
      auto produced = ProducePage(job, f, f.items[k], *cache);
      if (!produced) return produced.error();
      core::Status st;
      if (writer) st = writer->Add(produced->image, f.dpi);
      else if (f.format == Format::kJpeg) st = WriteJpeg(path, produced->image, f.jpeg_quality);
      else st = WritePng(path, produced->image);
      if (!st) return st;
      json& e = produced->entry;
      e["file"] = f.name;
      e["page_index"] = static_cast<int>(k);
      entries[job.item_slot[f.items[k]]] = std::move(e);
    }
    return writer ? writer->Close() : core::Status{};
  });
  caches.clear();
  if (!scanned) return scanned.error();

  json pages = json::array();
  for (auto& e : entries) pages.push_back(std::move(e));
  if (auto st = WriteJson(report.pages_path, pages); !st) return st.error();
  if (!options.keep_printed_pdfs) std::filesystem::remove_all(job.printed_dir, ec);

  report.pages = static_cast<int>(job.items.size());
  report.files = static_cast<int>(job.files.size());
  report.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return report;
}

}  // namespace phieu::simulator
