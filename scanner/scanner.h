// Copyright 2026 The Phiếu Authors
// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <array>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include <opencv2/core.hpp>

#include "core/result.h"
#include "core/vocabulary.h"
#include "templates/layout.h"

namespace phieu::scanner {

/// Where a page image came from: a file and the page within it (0-based).
struct SourceRef {
  std::filesystem::path file;
  int page_index = 0;
};

/// One page image as read from a file. Owns its pixels: move-only.
struct Scan {
  SourceRef source;
  cv::Mat gray;      ///< CV_8UC1, 0 = black. Colour and bilevel inputs are converted.
  double dpi = 0.0;  ///< from the file's metadata; 0 when unknown (alignment measures it).

  Scan() = default;
  Scan(Scan&&) = default;
  Scan& operator=(Scan&&) = default;
  Scan(const Scan&) = delete;
  Scan& operator=(const Scan&) = delete;
};

/// File kinds we read, by content (not by name).
enum class FileKind { kUnknown, kTiff, kPdf, kJpeg, kPng };

/// Opens one scan file and hands out its pages one at a time (memory stays at one page).
/// Not thread-safe; open one reader per thread.
class ScanReader {
 public:
  virtual ~ScanReader() = default;
  virtual int page_count() const = 0;
  /// Decodes page `index`. A page that cannot be decoded is an Error naming file and page;
  /// the other pages stay readable.
  virtual core::Result<Scan> ReadPage(int index) = 0;
};

/// What one scan file may claim before it is refused (README "Limits"). Every size is checked
/// from the file's headers before anything is decoded, so memory stays flat whatever a file
/// says about itself. A refusal is an Error with code "limit" naming the file, the page, the
/// size and the limit.
struct ScanLimits {
  /// Pixels of one page image (as stored, or as a PDF page would be rendered). The default
  /// holds A4 at 1000 dpi and A3 at 700 dpi; a page of this size is 100 MB as 8-bit gray.
  std::uint64_t max_page_pixels = 100'000'000;
  /// A side shorter than this is not a scanned page (a 60000x20 strip, a 1x1 pixel).
  std::int64_t min_page_side_px = 64;
  /// Pages (TIFF directories, PDF pages) in one file.
  std::int64_t max_pages_per_file = 10'000;
  /// Bytes of one scan file (JPEG and PNG files are held whole while decoded).
  std::uint64_t max_file_bytes = std::uint64_t{2} << 30;
};

/// Sniffs the file's kind and opens it. Errors (missing, unreadable, corrupt, unsupported,
/// over a limit) name the file and the problem, e.g. "scans/a.tif: not a TIFF, PDF, JPEG or
/// PNG file". No exception from a decoding library leaves this call or the reader's ReadPage:
/// it comes back as an Error naming the file and page.
core::Result<std::unique_ptr<ScanReader>> OpenScanFile(const std::filesystem::path& path,
                                                       const ScanLimits& limits = {});

/// Expands files and folders (recursively) into the scan files to read, sorted by path,
/// keeping only names with a scan extension (.tif .tiff .pdf .jpg .jpeg .png, any case).
/// The filter applies to folder contents; a file named explicitly is always kept (its content
/// is judged by OpenScanFile, so nothing the clerk named is silently skipped). Duplicates are
/// removed. A path that does not exist is an Error naming it.
core::Result<std::vector<std::filesystem::path>> ExpandInputs(
    const std::vector<std::filesystem::path>& paths);

/// A line a sheet-fed scanner drew along the whole page: dust or a scratch on the glass.
struct ScannerStreak {
  bool vertical = true;        ///< runs down the image (one sensor column); false: across it.
  int from_px = 0, to_px = 0;  ///< the columns (rows when not vertical) it covers, inclusive.
};

/// Finds thin straight lines that run the full length of the scan along an image axis (no
/// printed or handwritten line does) and takes them out, so a streak through a column of boxes
/// is not read as a stroke in each: a gray streak's dimming is divided out (what lies under it
/// comes back), a black one is blended across. Returns what it removed.
std::vector<ScannerStreak> RemoveScannerStreaks(cv::Mat& gray);

/// How identification and alignment went.
enum class AlignStatus {
  kOk,               ///< identified and fitted.
  kBlank,            ///< nothing printed on the page (a blank back side).
  kNoAnchors,        ///< no Phiếu anchor could be decoded.
  kForeignCode,      ///< QR codes found, none of them ours.
  kUnknownTemplate,  ///< our anchor, but a template id the survey does not know.
  kUnknownVersion,   ///< known template id, unknown version.
  kInconsistent,     ///< anchors disagree about the page/sheet.
  kPoorFit,          ///< anchors found but their geometry does not fit the layout.
  kUnreadable,       ///< the page image itself could not be decoded (set by the caller).
};
const char* AlignStatusName(AlignStatus status);

/// A page identified from its anchors, with the transform from page mm to scan px.
struct AlignedPage {
  SourceRef source;
  AlignStatus status = AlignStatus::kNoAnchors;
  std::string reason;          ///< human sentence when status != kOk.
  core::PageKey key;           ///< valid when status is kOk (and partly for kUnknown*).
  cv::Matx33d mm_to_px = cv::Matx33d::eye();  ///< homography: page mm (x right, y down) -> scan px.
  double residual_px = 0.0;    ///< RMS of anchor corner fit.
  int anchors_found = 0;       ///< Phiếu anchors decoded (0..4).
  double px_per_mm = 0.0;      ///< measured scale (dpi / 25.4).
  int rotation_deg = 0;        ///< page orientation in the scan, nearest of 0/90/180/270.
};

struct AlignOptions {
  double max_residual_px = 4.0;  ///< fits worse than this (at 300 dpi; scaled with dpi) are kPoorFit.
  bool full_page_fallback = true;  ///< decode the whole page when the corner crops miss anchors.
  /// Pages this one may be (in a duplex batch, the pages of its neighbours' sheet). Where an
  /// anchor's modules merged past decoding, the module grid its finder patterns define is
  /// compared with each of these pages' anchors: one that matches it nearly module for module,
  /// and clearly better than any other, is taken as read. A page of another sheet matches none.
  std::vector<core::PageKey> expected;
};

/// Identifies the page from its QR anchors and fits page mm -> scan px. Bad data never fails
/// the call: it comes back in AlignedPage::status and reason. Thread-safe (no shared state).
AlignedPage AlignPage(const Scan& scan, const templates::TemplateCatalog& catalog,
                      const AlignOptions& options = {});

// --- pages named by hand (the clerk's desk) -------------------------------------------------

/// How a page whose identity a person gave is aligned without its QR anchors.
struct GridAlignOptions {
  /// Fewer printed boxes matched than this is no fit ("the box grid was not found").
  int min_boxes = 8;
  /// ... nor fewer than this share of the page's printed boxes and digit cells.
  double min_share = 0.4;
  /// Matched box centres must fit the homography within this RMS (mm); worse is no fit.
  double max_residual_mm = 0.6;
};

/// Aligns a page that a person identified as `key` (its QR anchors are lost: torn, inked over)
/// from what every Phiếu page prints besides them: the tick boxes and digit cells of page
/// `key.page` of `layout`. Finds the printed squares in the scan, matches them to the layout at
/// any of the four orientations (and any skew and scale from 50 to 1000 dpi), and fits page mm
/// -> scan px with a RANSAC homography. kOk with `key` set and anchors_found 0, or kPoorFit with
/// the reason in words (too few boxes found, the page prints too few, a fit that stays poor).
/// Thread-safe; never throws on bad pixels.
AlignedPage AlignPageByGrid(const Scan& scan, const core::PageKey& key,
                            const templates::Layout& layout, const GridAlignOptions& options = {});

/// As AlignPageByGrid, from four points a person clicked: the centres of the four printed QR
/// anchor squares, in scan px, clockwise round the printed page starting at its top-left anchor
/// (the one beside the title). When the page's boxes are found near where those points put
/// them, the fit is refined on them (and a wrong starting corner is corrected by them);
/// otherwise the four points alone give the homography. kPoorFit with the reason when the
/// points make no page: two points together, three in a line, a crossed or mirrored quadrilateral,
/// a scale outside 1-60 px/mm.
AlignedPage AlignPageByPoints(const Scan& scan, const core::PageKey& key,
                              const templates::Layout& layout,
                              const std::array<cv::Point2d, 4>& anchor_centres_px,
                              const GridAlignOptions& options = {});

/// Samples the page region `rect_mm` into an upright image at `px_per_mm`, through the
/// page's homography (the only resampling step; used for crops and reading).
cv::Mat WarpRegion(const Scan& scan, const AlignedPage& page, const core::RectMm& rect_mm,
                   double px_per_mm);

/// A small upright thumbnail of a whole scan (for unidentified pages), JPEG bytes.
std::vector<unsigned char> MakeThumbnailJpeg(const cv::Mat& gray, int max_side_px = 400);

}  // namespace phieu::scanner
