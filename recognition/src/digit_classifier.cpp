// Copyright 2026 The Phiếu Authors
// SPDX-License-Identifier: Apache-2.0
// Loads the shipped digit model (tools/digits/README.md) and turns its outputs into a
// calibrated confidence.

#include <algorithm>
#include <cstdlib>
#include <mutex>
#include <stdexcept>

#include <opencv2/ml.hpp>

#include "recognition/handwriting.h"

namespace phieu::recognition {

struct DigitClassifier::Impl {
  cv::Ptr<cv::ml::ANN_MLP> mlp;
  // Calibration from held-out digits: margin (best output minus second best) ascending, and
  // the precision of the digits scoring at least that margin.
  std::vector<float> calib_margin;
  std::vector<float> calib_precision;

  float Calibrate(float margin) const {
    if (calib_margin.empty() || margin < calib_margin.front()) return 0.0f;
    auto it = std::upper_bound(calib_margin.begin(), calib_margin.end(), margin);
    size_t i = static_cast<size_t>(it - calib_margin.begin()) - 1;
    return calib_precision[i];
  }
};

DigitClassifier::DigitClassifier(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
DigitClassifier::~DigitClassifier() = default;

core::Result<std::shared_ptr<const DigitClassifier>> DigitClassifier::Load(
    const std::filesystem::path& file) {
  auto impl = std::make_unique<Impl>();
  try {
    cv::FileStorage fs(file.string(), cv::FileStorage::READ);
    if (!fs.isOpened()) return core::MakeError("model", file.string() + ": cannot open digit model");
    if (static_cast<std::string>(fs["format"]) != "phieu-digits-mlp-1")
      return core::MakeError("model", file.string() + ": not a Phiếu digit model");
    impl->mlp = cv::ml::ANN_MLP::create();
    impl->mlp->read(fs["mlp"]);
    cv::Mat margin, precision;
    fs["calib_margin"] >> margin;
    fs["calib_precision"] >> precision;
    if (!impl->mlp->isTrained() || margin.empty() || margin.total() != precision.total())
      return core::MakeError("model", file.string() + ": incomplete digit model");
    impl->calib_margin.assign(margin.begin<float>(), margin.end<float>());
    impl->calib_precision.assign(precision.begin<float>(), precision.end<float>());
  } catch (const cv::Exception& e) {
    return core::MakeError("model", file.string() + ": " + e.what());
  }
  return std::shared_ptr<const DigitClassifier>(new DigitClassifier(std::move(impl)));
}

DigitClassifier::Guess DigitClassifier::Classify(const cv::Mat& digit_ink) const {
  if (digit_ink.empty()) throw std::invalid_argument("Classify: empty digit image");
  cv::Mat features = DigitFeatureRow(NormalizeDigit(digit_ink));
  cv::Mat out;
  impl_->mlp->predict(features, out);  // const and re-entrant: shares nothing mutable
  Guess g;
  float best = -1e9f, second = -1e9f;
  for (int d = 0; d < out.cols; ++d) {
    float v = out.at<float>(0, d);
    if (v > best) {
      second = best;
      g.runner_up = g.digit;
      best = v;
      g.digit = d;
    } else if (v > second) {
      second = v;
      g.runner_up = d;
    }
  }
  g.confidence = impl_->Calibrate(best - second);
  return g;
}

std::filesystem::path ModelsDir() {
  if (const char* env = std::getenv("PHIEU_MODELS_DIR"); env != nullptr && *env != '\0')
    return std::filesystem::path(env);
  // Installed layout: <prefix>/bin/phieu next to <prefix>/share/phieu/models.
  std::error_code ec;
  std::filesystem::path exe = std::filesystem::read_symlink("/proc/self/exe", ec);
  if (!ec) {
    std::filesystem::path installed = exe.parent_path().parent_path() / "share" / "phieu" / "models";
    if (std::filesystem::is_regular_file(installed / kDigitModelFile, ec)) return installed;
  }
  return std::filesystem::path(PHIEU_SOURCE_MODELS_DIR);
}

core::Result<std::shared_ptr<const DigitClassifier>> DefaultDigitClassifier() {
  // The one process-wide cache: an immutable model read from a file that ships with the
  // program, like a bundled template. Loading it per field would cost ~10 ms each.
  static std::once_flag once;
  static std::optional<core::Result<std::shared_ptr<const DigitClassifier>>> cached;
  std::call_once(once, [] { cached.emplace(DigitClassifier::Load(ModelsDir() / kDigitModelFile)); });
  return *cached;
}

}  // namespace phieu::recognition
