// Copyright 2026 The Phiếu Authors
// SPDX-License-Identifier: Apache-2.0
// PDF files written by hand for tests: exactly the objects a test names, nothing else.
#pragma once

#include <cstdio>
#include <sstream>
#include <string>
#include <vector>

namespace phieu::testing {

/// A PDF-1.4 file from its objects in order (object 1 is the catalog, `N 0 R` refers to the
/// N-th), with a correct cross-reference table and trailer.
inline std::string AssemblePdf(const std::vector<std::string>& objects) {
  std::string pdf = "%PDF-1.4\n";
  std::vector<size_t> offsets;
  for (size_t i = 0; i < objects.size(); ++i) {
    offsets.push_back(pdf.size());
    pdf += std::to_string(i + 1) + " 0 obj\n" + objects[i] + "\nendobj\n";
  }
  const size_t xref = pdf.size();
  pdf += "xref\n0 " + std::to_string(objects.size() + 1) + "\n0000000000 65535 f \n";
  for (size_t offset : offsets) {
    char line[32];
    std::snprintf(line, sizeof line, "%010zu 00000 n \n", offset);
    pdf += line;
  }
  pdf += "trailer\n<< /Size " + std::to_string(objects.size() + 1) + " /Root 1 0 R >>\nstartxref\n" +
         std::to_string(xref) + "\n%%EOF\n";
  return pdf;
}

/// A one-page PDF as scan software writes it: a `w_pt` x `h_pt` page that paints one image
/// XObject over its whole box. `image_entries` are the image dictionary's own entries
/// ("/Width 100 /Height 50 /ColorSpace /DeviceGray /BitsPerComponent 8 /Filter /FlateDecode");
/// /Type, /Subtype and /Length are added. `data` is the stream as stored (already encoded).
inline std::string OneImagePdf(double w_pt, double h_pt, const std::string& image_entries, const std::string& data) {
  auto num = [](double v) {  // shortest form: 595.276, 841.89, 576
    std::ostringstream out;
    out << v;
    return out.str();
  };
  const std::string size = num(w_pt) + " " + num(h_pt);
  const std::string content = "q " + num(w_pt) + " 0 0 " + num(h_pt) + " 0 0 cm /Im0 Do Q\n";
  return AssemblePdf({
      "<< /Type /Catalog /Pages 2 0 R >>",
      "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
      "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 " + size +
          "] /Resources << /XObject << /Im0 4 0 R >> >> /Contents 5 0 R >>",
      "<< /Type /XObject /Subtype /Image " + image_entries + " /Length " + std::to_string(data.size()) +
          " >>\nstream\n" + data + "\nendstream",
      "<< /Length " + std::to_string(content.size()) + " >>\nstream\n" + content + "endstream",
  });
}

}  // namespace phieu::testing
