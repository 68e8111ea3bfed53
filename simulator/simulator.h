// Copyright 2026 The Phiếu Authors
// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "core/result.h"
#include "core/vocabulary.h"
#include "templates/template.h"

namespace phieu::simulator {

/// How to make a synthetic stack of returned, hand-filled, badly scanned forms.
/// The stack is printed from the real PDF (templates::RenderPdf), rasterised with poppler, marked
/// by simulated respondents, damaged like a cheap office scanner, and written as a mix of scan
/// file formats. Everything is deterministic for a given `seed`, whatever `jobs` is.
struct SimulateOptions {
  int sheets = 10;                          ///< printed sheets; ignored when `serials` is given.
  std::uint64_t seed = 1;                   ///< one seed gives one stack, byte for byte in truth.
  std::filesystem::path out_dir;            ///< created if missing; existing files are overwritten.
  std::vector<core::Serial> serials;        ///< empty -> 1..sheets.
  std::vector<std::string> unit_codes;      ///< empty, or one per serial: truth "unit" + footer.
  double dpi = 300.0;                       ///< base scan resolution of most files.
  bool mix_dpi = true;                      ///< ~12% of files scanned at 150, 200 or 600 dpi.
  bool damage = true;                       ///< false: clean upright scans (no rotation/blur/noise).
  double blank_back_rate = 0.1;             ///< per form page: a blank back side follows it.
  int foreign_pages = 2;                    ///< pages that are not Phiếu forms at all.
  double missing_page_rate = 0.0;           ///< per multi-page sheet: one page never scanned.
  /// Only these template pages (1-based) are scanned, e.g. {2}: a stack of one kind of page
  /// for a benchmark. Empty (the default): every page. Truth says "incomplete" for sheets
  /// missing pages, with null for their fields.
  std::vector<int> only_pages;
  double upside_down_rate = 0.15;           ///< per page (only when damage is on).
  /// Show-through on form pages: the other side of the leaf (pages 1/2, 3/4, ... printed
  /// duplex), with its own marks, mirrored and diffused by the paper, darkens the page by this
  /// share of the back's darkness (0: none; thin paper and a heavy pen: 0.05-0.15). Off by
  /// default, so the stacks of a seed stay as they were.
  double show_through = 0.0;
  /// Share of form pages (when `damage` is on) folded before they were scanned: a crease across
  /// the whole page where a sheet is folded in half or in three (positions within a few mm of
  /// 1/2 or 1/3 and 2/3 of its height, sometimes its width, tilted up to 1.5 degrees), a thin
  /// line 10-60% darker than the paper, with a soft shadow on one side. Drawn from the page's
  /// own stream, so the rest of a stack does not change with it.
  double crease_rate = 0.25;
  /// Share of form pages (when `damage` is on) with a stain: coffee, tea or water dried on the
  /// paper. One or two blots 8-30 mm across anywhere on the page, their outline wavy, their edge
  /// soft over 0.3-2 mm, the paper and all on it 5-30% darker inside, often with a darker tide
  /// line along the edge; brownish on colour scans. Drawn from the page's own stream, so the
  /// rest of a stack does not change with it. Off by default, so the stacks of a seed stay as
  /// they were.
  double stain_rate = 0.0;
  /// Scanned duplex, leaf after leaf: every page is followed by the other side of its leaf (a
  /// blank back where that side is not printed, e.g. after page 3 of 3), and each file (PDF or
  /// G4 TIFF) holds whole leaves. Pages stay in order (`shuffle` is ignored); foreign pages
  /// come two by two, as leaves too.
  bool duplex = false;
  int jobs = 1;                             ///< worker threads (rendering and scanning).
  bool shuffle = true;                      ///< pages in any order across and within files.
  int sheets_per_pdf = 20;                  ///< RenderPdf batch size (memory/parallelism trade-off).
  bool keep_printed_pdfs = false;           ///< keep out_dir/printed/*.pdf (else deleted at the end).
};

/// What Simulate wrote.
struct SimulateReport {
  int sheets = 0;                     ///< sheets in truth.json.
  int pages = 0;                      ///< page images written (form + blank + foreign).
  int files = 0;                      ///< scan files written.
  std::filesystem::path truth_path;   ///< out_dir/truth.json.
  std::filesystem::path pages_path;   ///< out_dir/pages.json.
  double seconds = 0.0;               ///< wall time of the whole run.
};

/// Generates a stack in `options.out_dir`:
///  - scan files: multi-page bilevel CCITT G4 TIFF (`scan_NNNN.tif`), multi-page gray "scanner"
///    PDF (`scan_NNNN.pdf`, one JPEG image per page at the page size, so image resolution = scan
///    dpi), single-page JPEG (`img_NNNN.jpg`, q 60–92) and PNG (`img_NNNN.png`), some in colour
///    (slightly yellow paper, blue ink). Files hold 1–20 pages. The first four files use the
///    four formats (random order), so any stack of 4+ files has every format; after that pages
///    split roughly 40% TIFF, 35% PDF, 15% JPEG, 10% PNG.
///  - truth.json: exactly the `phieu export --format json` schema of DESIGN.md, one entry per
///    sheet, in serial order. A single/scale field with two marks (a spoiled answer) is null;
///    a multi field over its max lists every marked value; a cancelled box (filled solid) is
///    never an answer. Sheets with a page left out get "incomplete" and null for that page's
///    fields. Digits are the written digits (a crossed-out digit counts as its correction);
///    text is the NFC Vietnamese comment as written, its lines joined by "\n". A dash ("-",
///    "—") or a stray dot in a text area is null; a written "Không" is text.
///  - simulate.json: {"template", "version", "seed", "sheets"}: what made the stack.
///  - pages.json: one entry per page image: {"file", "page_index", "kind": "form"|"blank"|
///    "foreign", "serial", "page", "dpi", "rotation_deg", "color", "damage": [..],
///    "marks": {FIELD_ID: [{"value", "mark", "selected", "pen"[, "model": "pressure"]}]}, "strays": [...]}.
///    Damage entries include "crease:D" (D its darkness), "stain:D" and "show_through:K".
///    rotation_deg is the total clockwise rotation of the page content (0, 90, 180, 270 plus
///    skew). "mark" is the shape drawn: tick, cross, dot, slash, circle, shade, cancelled
///    (filled solid: not an answer), hatch, marker_cross, scribble, digits, handwriting, dash, stray; a mark that replaces a
///    cancelled box also has "correction": true. Blank backs carry "back_of": {"serial", "page"}.
///    Written fields: {"mark": "handwriting", "style", "text", "lines", "x_height_mm"} and
///    {"mark": "digits", "style", "text", ["over_border": [cells]], ["correction": true,
///    "crossed_out": {"cell", "digit", "rewritten": "above_cell"}]}; {"mark": "dash", "text"} and
///    {"mark": "stray", "kind", "at_mm"} have "value": null and "selected": false. Styles:
///    chorus, andika-italic, andika, dejavu-oblique (Pango fonts with full Vietnamese, made
///    handwritten by jitter, slant, elastic distortion, pen width and pressure), and for digits
///    also hershey-script, hershey-simplex, hershey-complex.
/// Errors: the template cannot be rendered, out_dir or a scan file cannot be written.
core::Result<SimulateReport> Simulate(const templates::Template& tpl, const SimulateOptions& options);

}  // namespace phieu::simulator
