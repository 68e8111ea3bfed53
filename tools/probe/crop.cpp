// Copyright 2026 The Phiếu Authors
// SPDX-License-Identifier: Apache-2.0
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>
#include <string>
// crop IN OUT x y w h (fractions of the image) [page index]
int main(int c, char** v) {
  std::vector<cv::Mat> pages; cv::imreadmulti(v[1], pages, cv::IMREAD_COLOR);
  int idx = c > 7 ? std::stoi(v[7]) : 0; cv::Mat m = pages.at(idx);
  double x = std::stod(v[3]), y = std::stod(v[4]), w = std::stod(v[5]), h = std::stod(v[6]);
  cv::Rect r(int(x*m.cols), int(y*m.rows), int(w*m.cols), int(h*m.rows)); r &= cv::Rect(0,0,m.cols,m.rows);
  cv::Mat o = m(r); if (o.cols > 1400) cv::resize(o, o, {}, 1400.0/o.cols, 1400.0/o.cols, cv::INTER_AREA);
  cv::imwrite(v[2], o);
}
