// Copyright 2026 The Phiếu Authors
// SPDX-License-Identifier: Apache-2.0
//
// Builds surveys for the export tests and the export benchmark without scanning anything:
// sheets with known answers are stored as pages with readings through the Store API, exactly
// as ingest would store them.
#pragma once

#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "store/store.h"
#include "templates/layout.h"
#include "templates/template.h"

namespace phieu::testing {

/// One paper sheet's answers. Fields left out are blank (no mark / no text).
struct KitSheet {
  std::string unit;
  std::map<std::string, std::vector<std::string>> boxes;  ///< box fields -> chosen values.
  std::map<std::string, std::string> texts;               ///< digits/text fields.
  std::vector<std::string> review;  ///< fields whose reading goes to review (pending).
  std::vector<int> skip_pages;      ///< pages never scanned.
};

class SurveyKit {
 public:
  /// A new survey file at `db` with `template_json` registered and `units_csv` imported.
  static std::unique_ptr<SurveyKit> Create(const std::filesystem::path& db, const std::string& template_json,
                                           const std::string& units_csv);
  /// Stores the sheet (a serial allocated for its unit, each page a SavePage) and returns its serial.
  core::Serial Add(const KitSheet& sheet);
  store::Store& store() { return *store_; }
  const templates::Template& tpl() const { return tpl_; }
  const templates::Layout& layout() const { return layout_; }
  templates::TemplateCatalog Catalog() const;

 private:
  std::unique_ptr<store::Store> store_;
  templates::Template tpl_;
  templates::Layout layout_;
  std::int64_t file_id_ = 0;
  int next_page_index_ = 0;
};

/// Reads a whole file.
std::string ReadText(const std::filesystem::path& path);
/// Runs a shell command; returns its exit code and puts stdout+stderr in `out`.
int Shell(const std::string& command, std::string* out = nullptr);

}  // namespace phieu::testing
