// Copyright 2026 The Phiếu Authors
// SPDX-License-Identifier: Apache-2.0
// Independent marker + damage pipeline for probing phieu from the outside.
// Reads a plan (text) on stdin; see plan.py for the format.
#include <opencv2/core.hpp>
#include <opencv2/imgproc.hpp>
#include <opencv2/imgcodecs.hpp>
#include <cmath>
#include <cstdio>
#include <iostream>
#include <random>
#include <sstream>
#include <string>
#include <vector>

struct Ctx { double pxmm; std::mt19937 rng; };
static double U(Ctx& c, double a, double b) { return std::uniform_real_distribution<double>(a, b)(c.rng); }

static cv::Point P(Ctx& c, double xmm, double ymm) {
  // fixed-point with 4 fractional bits for anti-aliased sub-pixel drawing
  return cv::Point((int)std::lround(xmm * c.pxmm * 16), (int)std::lround(ymm * c.pxmm * 16));
}
static void Line(cv::Mat& m, Ctx& c, double x0, double y0, double x1, double y1, double wmm) {
  int t = std::max(1, (int)std::lround(wmm * c.pxmm));
  cv::line(m, P(c, x0, y0), P(c, x1, y1), 255, t, cv::LINE_AA, 4);
}

// Composite a mask (8U) with ink colour (BGR) multiplicatively.
static void Composite(cv::Mat& img, const cv::Mat& mask, cv::Vec3b ink, double alpha) {
  for (int y = 0; y < img.rows; ++y) {
    auto* p = img.ptr<cv::Vec3b>(y); const auto* m = mask.ptr<uchar>(y);
    for (int x = 0; x < img.cols; ++x) {
      if (!m[x]) continue;
      double a = alpha * m[x] / 255.0;
      for (int k = 0; k < 3; ++k) p[x][k] = cv::saturate_cast<uchar>(p[x][k] * (1 - a * (1 - ink[k] / 255.0)));
    }
  }
}

static void DrawMark(cv::Mat& img, Ctx& c, const std::string& type, cv::Vec3b ink,
                     double x, double y, double w, double h) {
  cv::Mat mask = cv::Mat::zeros(img.size(), CV_8U);
  double cx = x + w / 2, cy = y + h / 2, alpha = 0.92;
  if (type == "x") {
    double i = 0.5;
    Line(mask, c, x + i + U(c,-.3,.3), y + i, x + w - i, y + h - i + U(c,-.3,.3), 0.45);
    Line(mask, c, x + w - i, y + i + U(c,-.3,.3), x + i + U(c,-.3,.3), y + h - i, 0.45);
  } else if (type == "fill") {
    double s = 0.45; int n = 0;
    for (double yy = y + 0.6; yy < y + h - 0.6; yy += s, ++n)
      Line(mask, c, x + 0.6 + U(c,0,.4), yy, x + w - 0.6 - U(c,0,.4), yy + s * 0.8, 0.5);
  } else if (type == "blob") {
    double rx = U(c, 3.2, 3.8), ry = U(c, 3.0, 3.6);
    cv::ellipse(mask, P(c, cx + U(c,-.4,.4), cy + U(c,-.4,.4)),
                cv::Size((int)(rx * c.pxmm * 16), (int)(ry * c.pxmm * 16)), U(c,0,180), 0, 360, 255, -1, cv::LINE_AA, 4);
    alpha = 0.97;
  } else if (type == "check_corner") {
    int corner = (int)U(c, 0, 4); double s = U(c, 1.6, 2.2);
    double ox = (corner & 1) ? x + w - 0.6 - s : x + 0.6, oy = (corner & 2) ? y + h - 0.6 - s : y + 0.6;
    Line(mask, c, ox, oy + s * 0.55, ox + s * 0.35, oy + s, 0.4);
    Line(mask, c, ox + s * 0.35, oy + s, ox + s, oy, 0.4);
  } else if (type == "bigx") {
    double r = U(c, 5.0, 7.0);
    Line(mask, c, cx - r, cy - r + U(c,-1,1), cx + r, cy + r + U(c,-1,1), 0.5);
    Line(mask, c, cx + r, cy - r + U(c,-1,1), cx - r, cy + r + U(c,-1,1), 0.5);
  } else if (type == "offx") {
    double a = U(c, 0, 2 * M_PI), d = U(c, 1.0, 2.0);
    double ox = cx + d * std::cos(a), oy = cy + d * std::sin(a), r = 2.2;
    Line(mask, c, ox - r, oy - r, ox + r, oy + r, 0.45);
    Line(mask, c, ox + r, oy - r, ox - r, oy + r, 0.45);
  } else if (type == "tick") {
    double l = U(c, 1.2, 1.8), a = U(c, -1.2, -0.8);
    double ox = cx + U(c,-1,1), oy = cy + U(c,-1,1);
    Line(mask, c, ox, oy, ox + l * std::cos(a), oy + l * std::sin(a), 0.4);
  } else if (type == "dot") {
    double r = U(c, 0.4, 0.6);
    cv::circle(mask, P(c, cx + U(c,-.8,.8), cy + U(c,-.8,.8)), (int)(r * c.pxmm * 16), 255, -1, cv::LINE_AA, 4);
    alpha = 0.97;
  } else if (type == "scribble") {
    // a cross, then a dense zig-zag scribble over it (cancelled box)
    double i = 0.5;
    Line(mask, c, x + i, y + i, x + w - i, y + h - i, 0.45);
    Line(mask, c, x + w - i, y + i, x + i, y + h - i, 0.45);
    double s = 0.4; bool left = true;
    double prevx = x - 0.3, prevy = y - 0.3;
    for (double yy = y - 0.3; yy < y + h + 0.3; yy += s) {
      double nx = left ? x + w + 0.3 + U(c,-.3,.3) : x - 0.3 + U(c,-.3,.3);
      Line(mask, c, prevx, prevy, nx, yy, 0.5); prevx = nx; prevy = yy; left = !left;
    }
  } else if (type == "hatch" || type == "pencilhatch") {
    // shading as people do it: separate parallel strokes with gaps, inside the box, any angle;
    // in pencil light grey and thin.
    const bool pencil = type == "pencilhatch";
    if (pencil) ink = cv::Vec3b(120, 120, 120), alpha = U(c, 0.55, 0.8);
    const double a = U(c, -1.2, 1.2), gap = U(c, 0.7, 1.1), wmm = pencil ? 0.3 : 0.4;
    const double ca = std::cos(a), sa = std::sin(a), in = 0.7;
    for (double t = -w; t <= w; t += gap) {
      // the chord of the inset box along direction a at offset t from the centre
      double s0 = 1e9, s1 = -1e9;
      for (double s = -w; s <= w; s += 0.05) {
        const double px = cx + s * ca - t * sa, py = cy + s * sa + t * ca;
        if (px < x + in || px > x + w - in || py < y + in || py > y + h - in) continue;
        s0 = std::min(s0, s), s1 = std::max(s1, s);
      }
      if (s1 - s0 < 0.5) continue;
      Line(mask, c, cx + s0 * ca - t * sa, cy + s0 * sa + t * ca, cx + s1 * ca - t * sa, cy + s1 * sa + t * ca, wmm);
    }
  } else if (type == "marker") {
    // felt/marker cross, 1.0-1.5 mm wide
    const double i = U(c, 0.2, 0.8), wmm = U(c, 1.0, 1.5);
    Line(mask, c, x + i, y + i + U(c,-.3,.3), x + w - i, y + h - i, wmm);
    Line(mask, c, x + w - i, y + i, x + i + U(c,-.3,.3), y + h - i, wmm);
    alpha = 0.97;
  } else if (type == "ptick" || type == "px") {
    // a soft pencil pressed gently: light grey, thin, a 2.5-3.5 mm tick or a cross
    ink = cv::Vec3b(110, 110, 110), alpha = U(c, 0.3, 0.55);
    if (type == "ptick") {
      const double s = U(c, 2.5, 3.5), ox = cx - s * 0.45 + U(c, -.4, .4), oy = cy - s * 0.3 + U(c, -.4, .4);
      Line(mask, c, ox, oy + s * 0.45, ox + s * 0.35, oy + s * 0.8, 0.3);
      Line(mask, c, ox + s * 0.35, oy + s * 0.8, ox + s, oy, 0.3);
    } else {
      const double i = U(c, 0.6, 1.1);
      Line(mask, c, x + i, y + i + U(c,-.3,.3), x + w - i, y + h - i, 0.3);
      Line(mask, c, x + w - i, y + i, x + i + U(c,-.3,.3), y + h - i, 0.3);
    }
  } else if (type == "pdot") {
    // a soft pencil's dot: 0.9-1.5 mm, as light as "ptick"
    ink = cv::Vec3b(110, 110, 110), alpha = U(c, 0.3, 0.55);
    const double r = U(c, 0.45, 0.75);
    cv::circle(mask, P(c, cx + U(c, -.6, .6), cy + U(c, -.6, .6)), (int)(r * c.pxmm * 16), 255, -1, cv::LINE_AA, 4);
  } else if (type == "erased") {
    // what a rubber leaves of a pencil cross: the strokes smeared, 10-30% of their darkness
    ink = cv::Vec3b(110, 110, 110);
    const double i = U(c, 0.6, 1.1);
    Line(mask, c, x + i, y + i + U(c,-.3,.3), x + w - i, y + h - i, 0.35);
    Line(mask, c, x + w - i, y + i, x + i + U(c,-.3,.3), y + h - i, 0.35);
    cv::GaussianBlur(mask, mask, cv::Size(0, 0), U(c, 0.15, 0.35) * c.pxmm);
    alpha = U(c, 0.12, 0.35);
  } else if (type == "tangle") {
    // a scribbled answer: a tangle of short strokes in the box (not a cancellation)
    double px = cx, py = cy;
    for (int k = 0; k < 14; ++k) {
      const double nx = std::clamp(px + U(c, -2.0, 2.0), x + 0.8, x + w - 0.8);
      const double ny = std::clamp(py + U(c, -2.0, 2.0), y + 0.8, y + h - 0.8);
      Line(mask, c, px, py, nx, ny, 0.45); px = nx; py = ny;
    }
  } else if (type == "ring") {
    // (x, y, w, h) is the option's printed text: a plain ellipse around it, loose or cutting
    // the ends of the text, ends overlapping; no ink in the box.
    double mx = U(c, 0.3, 1.2), my = U(c, 0.4, 1.4);
    double a = w / 2 * 1.06 + mx, b = h / 2 * 1.25 + my, t0 = U(c, 0, 2 * M_PI);
    std::vector<cv::Point> pts;
    for (double t = 0; t <= 2 * M_PI + 0.35; t += 0.03)
      pts.push_back(P(c, cx + (a + 0.2 * t / 6.6) * std::cos(t0 + t), cy + (b + 0.2 * t / 6.6) * std::sin(t0 + t)));
    int th = std::max(1, (int)std::lround(0.4 * c.pxmm));
    cv::polylines(mask, pts, false, 255, th, cv::LINE_AA, 4);
  } else {
    std::cerr << "unknown mark " << type << "\n"; std::exit(2);
  }
  Composite(img, mask, ink, alpha);
}

static void Damage(cv::Mat& img, Ctx& c, const std::string& name, const std::vector<double>& a) {
  if (name == "rot") {
    double deg = a[0];
    cv::Point2f ctr(img.cols / 2.f, img.rows / 2.f);
    cv::Mat M = cv::getRotationMatrix2D(ctr, deg, 1.0);
    double cs = std::abs(std::cos(deg * M_PI / 180)), sn = std::abs(std::sin(deg * M_PI / 180));
    int nw = (int)(img.rows * sn + img.cols * cs), nh = (int)(img.rows * cs + img.cols * sn);
    M.at<double>(0, 2) += nw / 2.0 - ctr.x; M.at<double>(1, 2) += nh / 2.0 - ctr.y;
    cv::Mat out; cv::warpAffine(img, out, M, cv::Size(nw, nh), cv::INTER_LINEAR, cv::BORDER_CONSTANT, cv::Scalar(235, 235, 235));
    img = out;
  } else if (name == "flip") {
    cv::rotate(img, img, cv::ROTATE_180);
  } else if (name == "keystone") {
    double k = a[0];  // fraction the top edge shrinks per side; a[1] vertical squash
    std::vector<cv::Point2f> s = {{0,0},{(float)img.cols,0},{(float)img.cols,(float)img.rows},{0,(float)img.rows}};
    std::vector<cv::Point2f> d = {{(float)(img.cols*k),(float)(img.rows*a[1])},{(float)(img.cols*(1-k)),0},
                                  {(float)img.cols,(float)img.rows},{0,(float)img.rows}};
    cv::Mat H = cv::getPerspectiveTransform(s, d), out;
    cv::warpPerspective(img, out, H, img.size(), cv::INTER_LINEAR, cv::BORDER_CONSTANT, cv::Scalar(235,235,235));
    img = out;
  } else if (name == "gradient") {
    double lo = a[0], ang = a[1];
    cv::Mat f; img.convertTo(f, CV_32FC3);
    double dx = std::cos(ang), dy = std::sin(ang);
    double mn = 1e18, mx = -1e18;
    for (int cy : {0, img.rows}) for (int cx : {0, img.cols}) { double t = cx*dx + cy*dy; mn = std::min(mn,t); mx = std::max(mx,t); }
    for (int y = 0; y < f.rows; ++y) { auto* p = f.ptr<cv::Vec3f>(y);
      for (int x = 0; x < f.cols; ++x) { double t = (x*dx + y*dy - mn) / (mx - mn); float g = (float)(1 - (1 - lo) * t); p[x] *= g; } }
    f.convertTo(img, CV_8UC3);
  } else if (name == "jpeg") {
    std::vector<uchar> buf; cv::imencode(".jpg", img, buf, {cv::IMWRITE_JPEG_QUALITY, (int)a[0]});
    img = cv::imdecode(buf, cv::IMREAD_COLOR);
  } else if (name == "saltpepper") {
    std::uniform_real_distribution<double> u(0, 1);
    for (int y = 0; y < img.rows; ++y) { auto* p = img.ptr<cv::Vec3b>(y);
      for (int x = 0; x < img.cols; ++x) { double r = u(c.rng); if (r < a[0] / 2) p[x] = {0,0,0}; else if (r < a[0]) p[x] = {255,255,255}; } }
  } else if (name == "motion") {
    int k = (int)a[0]; double ang = a[1];
    cv::Mat ker = cv::Mat::zeros(k, k, CV_32F);
    cv::line(ker, {k/2 - (int)(k/2*std::cos(ang)), k/2 - (int)(k/2*std::sin(ang))}, {k/2 + (int)(k/2*std::cos(ang)), k/2 + (int)(k/2*std::sin(ang))}, 1.0, 1);
    ker /= cv::sum(ker)[0];
    cv::filter2D(img, img, -1, ker);
  } else if (name == "fold") {
    // a[0]: position in mm along the axis, a[1]: 0 horizontal fold line, 1 vertical
    double pos = a[0] * c.pxmm, sig = 3.0 * c.pxmm;
    for (int y = 0; y < img.rows; ++y) { auto* p = img.ptr<cv::Vec3b>(y);
      for (int x = 0; x < img.cols; ++x) { double d = (a[1] == 0 ? y : x) - pos;
        double g = 1 - 0.45 * std::exp(-d*d/(2*sig*sig)) - (std::abs(d) < 0.25 * c.pxmm ? 0.35 : 0) - (d > 0 && d < 8*c.pxmm ? 0.08 : 0);
        for (int k = 0; k < 3; ++k) p[x][k] = cv::saturate_cast<uchar>(p[x][k] * g); } }
  } else if (name == "crease") {
    // a[0]: position in mm along the page (across y for a horizontal crease), a[1]: tilt in
    // degrees, a[2]: darkness 0-1, a[3]: 1 = vertical. A thin line across the whole sheet, a
    // faint shadow on one side (a sheet folded in half or in three and flattened again).
    const double pos = a[0] * c.pxmm, t = a[1] * M_PI / 180, dark = a[2], hw = 0.12 * c.pxmm;
    const bool vertical = a.size() > 3 && a[3] == 1;
    for (int y = 0; y < img.rows; ++y) { auto* p = img.ptr<cv::Vec3b>(y);
      for (int x = 0; x < img.cols; ++x) {
        const double along = vertical ? x : y, other = vertical ? y : x;
        const double d = (along - pos) * std::cos(t) - (other - (vertical ? img.rows : img.cols) / 2.0) * std::sin(t);
        double g = 1 - dark * std::exp(-d * d / (2 * hw * hw));
        if (d > 0) g *= 1 - 0.05 * std::exp(-d / (2.0 * c.pxmm));
        for (int k = 0; k < 3; ++k) p[x][k] = cv::saturate_cast<uchar>(p[x][k] * g); } }
  } else if (name == "coffee") {
    double cx = a[0] * c.pxmm, cy = a[1] * c.pxmm, r = a[2] * c.pxmm;
    cv::Mat mask = cv::Mat::zeros(img.size(), CV_8U);
    std::vector<cv::Point> poly;
    for (int i = 0; i < 48; ++i) { double t = 2*M_PI*i/48, rr = r * U(c, 0.85, 1.12);
      poly.emplace_back((int)(cx + rr*std::cos(t)), (int)(cy + rr*std::sin(t))); }
    cv::fillPoly(mask, std::vector<std::vector<cv::Point>>{poly}, 110);
    cv::polylines(mask, std::vector<std::vector<cv::Point>>{poly}, true, 200, std::max(2, (int)(1.2*c.pxmm)));
    cv::GaussianBlur(mask, mask, cv::Size(0,0), 0.8 * c.pxmm);
    Composite(img, mask, cv::Vec3b(60, 110, 170), 0.75);
  } else if (name == "cut") {
    int e = (int)a[0]; int n = (int)(a[1] * c.pxmm);
    cv::Rect r(0, 0, img.cols, img.rows);
    if (e == 0) { r.y = n; r.height -= n; } else if (e == 1) r.width -= n; else if (e == 2) r.height -= n; else { r.x = n; r.width -= n; }
    img = img(r).clone();
  } else if (name == "tear") {
    int e = (int)a[0]; double n = a[1] * c.pxmm;  // corner 0..3, leg length
    cv::Point cc(e == 1 || e == 2 ? img.cols : 0, e >= 2 ? img.rows : 0);
    int sx = cc.x ? -1 : 1, sy = cc.y ? -1 : 1;
    std::vector<cv::Point> tri = {cc, {cc.x + sx*(int)n, cc.y}, {cc.x, cc.y + sy*(int)n}};
    cv::fillConvexPoly(img, tri, cv::Scalar(235, 235, 235));
  } else { std::cerr << "unknown damage " << name << "\n"; std::exit(2); }
}

// Show-through: the other side of the leaf (its marked page, saved by SAVE before any damage)
// seen through the paper. The probe's own model, unlike the simulator's Gaussian product: the
// back mirrored, misregistered by (dx, dy) mm, spread by three box filters (~sigma mm) and
// absorbed exponentially, exp(-k * darkness), in each channel.
static void ShowThrough(cv::Mat& img, Ctx& c, double k, double sigma_mm, double dx_mm, double dy_mm,
                        const std::string& back_path) {
  cv::Mat back = cv::imread(back_path, cv::IMREAD_GRAYSCALE);
  if (back.empty()) { std::cerr << "cannot read " << back_path << "\n"; std::exit(2); }
  if (back.size() != img.size()) cv::resize(back, back, img.size(), 0, 0, cv::INTER_AREA);
  cv::flip(back, back, 1);
  cv::Mat dark; back.convertTo(dark, CV_32F, -1.0 / 255, 1.0);
  cv::Mat shift = (cv::Mat_<double>(2, 3) << 1, 0, dx_mm * c.pxmm, 0, 1, dy_mm * c.pxmm);
  cv::warpAffine(dark, dark, shift, dark.size(), cv::INTER_LINEAR, cv::BORDER_CONSTANT, 0);
  // Three box filters of width w have the variance of a Gaussian with sigma = w / 2.
  const int w = std::max(1, (int)std::lround(2 * sigma_mm * c.pxmm)) | 1;
  for (int i = 0; i < 3; ++i) cv::blur(dark, dark, cv::Size(w, w));
  for (int y = 0; y < img.rows; ++y) { auto* p = img.ptr<cv::Vec3b>(y); const float* d = dark.ptr<float>(y);
    for (int x = 0; x < img.cols; ++x) { const double t = std::exp(-k * d[x]);
      for (int ch = 0; ch < 3; ++ch) p[x][ch] = cv::saturate_cast<uchar>(p[x][ch] * t); } }
}

int main() {
  std::string line, out_path, fmt; int quality = 90;
  std::vector<cv::Mat> pages; cv::Mat img; Ctx c; int gray = 0; int dpi = 300;
  auto flush = [&]() {
    if (out_path.empty()) return;
    if (fmt == "tif") {
      cv::imwritemulti(out_path, pages, {cv::IMWRITE_TIFF_COMPRESSION, 5, cv::IMWRITE_TIFF_XDPI, dpi, cv::IMWRITE_TIFF_YDPI, dpi, cv::IMWRITE_TIFF_RESUNIT, 2});
    } else if (fmt == "jpg") {
      cv::imwrite(out_path, pages.at(0), {cv::IMWRITE_JPEG_QUALITY, quality});
    } else {
      cv::imwrite(out_path, pages.at(0));
    }
    pages.clear();
  };
  while (std::getline(std::cin, line)) {
    std::istringstream is(line); std::string op; is >> op;
    if (op == "OUT") { flush(); is >> out_path >> fmt >> quality; }
    else if (op == "PAGE") {
      std::string path; unsigned seed; is >> path >> dpi >> gray >> seed;
      img = cv::imread(path, cv::IMREAD_COLOR);
      if (img.empty()) { std::cerr << "cannot read " << path << "\n"; return 2; }
      c.pxmm = dpi / 25.4; c.rng.seed(seed);
    } else if (op == "M") {
      std::string t; int r, g, b; double x, y, w, h; is >> t >> r >> g >> b >> x >> y >> w >> h;
      DrawMark(img, c, t, cv::Vec3b(b, g, r), x, y, w, h);
    } else if (op == "SAVE") {
      // The page as marked, before any damage: the other side's show-through reads it.
      std::string path; is >> path; cv::imwrite(path, img);
    } else if (op == "D") {
      std::string n; is >> n;
      if (n == "showthrough") {
        double k, sg, dx, dy; std::string path; is >> k >> sg >> dx >> dy >> path;
        ShowThrough(img, c, k, sg, dx, dy, path);
        continue;
      }
      std::vector<double> a; double v; while (is >> v) a.push_back(v);
      Damage(img, c, n, a);
    } else if (op == "ENDPAGE") {
      if (gray) cv::cvtColor(img, img, cv::COLOR_BGR2GRAY);
      pages.push_back(img); img.release();
    }
  }
  flush();
  return 0;
}
