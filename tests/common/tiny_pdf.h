// Copyright 2026 The Phiếu Authors
// SPDX-License-Identifier: Apache-2.0
// PDF files written by hand for tests: exactly the objects a test names, nothing else.
#pragma once

#include <cstdio>
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

}  // namespace phieu::testing
