// Copyright 2026 The Phiếu Authors
// SPDX-License-Identifier: Apache-2.0
// Loads the shipped digit model (tools/digits/README.md) and turns its outputs into a
// calibrated confidence.

#include <algorithm>
#include <cstdlib>
#include <mutex>
#include <stdexcept>
#include <vector>

#include <opencv2/dnn.hpp>

#include "recognition/handwriting.h"

namespace phieu::recognition {

struct DigitClassifier::Impl {
  std::vector<uchar> onnx;  // the network as shipped, to make more copies of it
  // Calibration from held-out digits: margin (best logit minus second best) ascending, and
  // the precision of the digits scoring at least that margin.
  std::vector<float> calib_margin;
  std::vector<float> calib_precision;
  // cv::dnn::Net::forward mutates the net (blobs, layer state): not safe to share between
  // threads. Callers borrow a copy from this pool; it grows to the number of threads that
  // classify at the same time (one per ingest worker) and each copy is ~0.5 MB.
  mutable std::mutex mutex;
  mutable std::vector<cv::dnn::Net> idle;

  float Calibrate(float margin) const {
    if (calib_margin.empty() || margin < calib_margin.front()) return 0.0f;
    auto it = std::upper_bound(calib_margin.begin(), calib_margin.end(), margin);
    size_t i = static_cast<size_t>(it - calib_margin.begin()) - 1;
    return calib_precision[i];
  }
  cv::dnn::Net MakeNet() const {
    cv::dnn::Net net = cv::dnn::readNetFromONNX(onnx);
    net.setPreferableBackend(cv::dnn::DNN_BACKEND_OPENCV);
    net.setPreferableTarget(cv::dnn::DNN_TARGET_CPU);
    return net;
  }
  cv::dnn::Net Borrow() const {
    {
      std::lock_guard<std::mutex> lock(mutex);
      if (!idle.empty()) {
        cv::dnn::Net net = idle.back();
        idle.pop_back();
        return net;
      }
    }
    return MakeNet();
  }
  void Return(cv::dnn::Net net) const {
    std::lock_guard<std::mutex> lock(mutex);
    idle.push_back(std::move(net));
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
    if (static_cast<std::string>(fs["format"]) != "phieu-digits-cnn-1")
      return core::MakeError("model", file.string() + ": not a Phiếu digit model (phieu-digits-cnn-1)");
    cv::Mat onnx, margin, precision;
    fs["onnx"] >> onnx;
    fs["calib_margin"] >> margin;
    fs["calib_precision"] >> precision;
    if (onnx.empty() || onnx.type() != CV_8U || margin.empty() || margin.total() != precision.total())
      return core::MakeError("model", file.string() + ": incomplete digit model");
    impl->onnx.assign(onnx.begin<uchar>(), onnx.end<uchar>());
    impl->calib_margin.assign(margin.begin<float>(), margin.end<float>());
    impl->calib_precision.assign(precision.begin<float>(), precision.end<float>());
    // Parse the network now: a corrupt one is a load error, not a failure per field later.
    cv::dnn::Net net = impl->MakeNet();
    if (net.empty()) return core::MakeError("model", file.string() + ": empty digit network");
    impl->idle.push_back(std::move(net));
  } catch (const cv::Exception& e) {
    return core::MakeError("model", file.string() + ": " + e.what());
  }
  return std::shared_ptr<const DigitClassifier>(new DigitClassifier(std::move(impl)));
}

DigitClassifier::Guess DigitClassifier::Classify(const cv::Mat& digit_ink) const {
  if (digit_ink.empty()) throw std::invalid_argument("Classify: empty digit image");
  return ClassifyNormalized(NormalizeDigit(digit_ink));
}

DigitClassifier::Guess DigitClassifier::ClassifyNormalized(const cv::Mat& normalized) const {
  if (normalized.size() != cv::Size(28, 28) || normalized.type() != CV_8UC1)
    throw std::invalid_argument("ClassifyNormalized: need the 28x28 CV_8UC1 from NormalizeDigit");
  cv::Mat input;
  normalized.convertTo(input, CV_32F, 1.0 / 255);
  const int shape[] = {1, 1, 28, 28};
  cv::dnn::Net net = impl_->Borrow();
  cv::Mat out;
  try {
    net.setInput(input.reshape(1, 4, shape));
    out = net.forward().clone();
  } catch (...) {
    impl_->Return(std::move(net));
    throw;
  }
  impl_->Return(std::move(net));
  Guess g;
  const float* o = out.ptr<float>(0);
  float best = -1e30f, second = -1e30f;
  for (int d = 0; d < 10; ++d) {
    float v = o[d];
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
