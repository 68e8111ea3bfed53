// Copyright 2026 The Phiếu Authors
// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"
#include "core/vocabulary.h"
#include "templates/anchor_payload.h"
#include "templates/layout.h"
#include "templates/template.h"

namespace phieu::templates {

/// One validation problem, located by its JSON path ("sections[1].questions[3].scale").
struct Problem {
  std::string path;
  std::string message;
  std::string ToString() const { return path.empty() ? message : path + ": " + message; }
};

/// Parses and validates template JSON text. Collects *every* problem (not just the first);
/// on any problem the result is an Error whose message lists them one per line, prefixed
/// with `source_name` (usually the file path). Text comes back NFC-normalised.
core::Result<Template> ParseTemplate(std::string_view json_text, const std::string& source_name = "");

/// Same as ParseTemplate but returns the problem list; empty means valid.
std::vector<Problem> ValidateTemplate(std::string_view json_text);

/// Reads a file and parses it. I/O failure and invalid content are both Errors naming the file.
core::Result<Template> LoadTemplate(const std::filesystem::path& path);

/// Geometry of the printed form.
struct LayoutOptions {
  double margin_mm = 8.0;        ///< page edge to QR anchor symbol.
  double anchor_mm = 14.0;       ///< QR anchor symbol side (no quiet zone).
  double box_mm = 5.0;           ///< tick box side.
};

/// Lays the questions out across pages (never splitting a question) and returns every box in
/// mm. Deterministic: the same template always gives the same layout, and RenderPdf draws
/// exactly these boxes.
Layout ComputeLayout(const Template& tpl, const LayoutOptions& options = {});

/// The DESIGN.md `phieu template layout` JSON contract. Extra keys may be added; none removed.
std::string LayoutToJson(const Layout& layout);
/// Inverse of LayoutToJson (extra keys ignored).
core::Result<Layout> LayoutFromJson(std::string_view json_text);

/// The text engine ComputeLayout measures with ("pango 1.50.12, cairo 1.16.0"): stored with a
/// registered layout, since another Pango or other fonts may place the boxes elsewhere.
std::string LayoutEngineVersion();

/// Writes one printed copy per serial (every page, in order) to a PDF. Each page carries its
/// four QR anchors and the serial as text. `serials` empty renders one copy with serial 0.
/// `unit_label` (optional) is printed in the footer ("Đơn vị: ...").
struct RenderOptions {
  std::vector<core::Serial> serials;
  std::vector<std::string> unit_labels;  ///< empty, or one per serial.
  LayoutOptions layout;
};
core::Status RenderPdf(const Template& tpl, const std::filesystem::path& pdf_path,
                       const RenderOptions& options = {});

/// Text of the serial as printed on the page: at least 7 digits, zero padded.
std::string FormatSerial(core::Serial serial);

/// Folder holding the bundled templates (installed next to the binary, or the source tree).
std::filesystem::path BundledTemplatesDir();

}  // namespace phieu::templates
