// Copyright 2026 The Phiếu Authors
// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "core/result.h"
#include "core/vocabulary.h"
#include "recognition/recognition.h"
#include "scanner/scanner.h"
#include "templates/layout.h"
#include "templates/template.h"

namespace phieu::store {

/// A surveyed unit (commune office, health station, school...). No hard-coded levels.
struct Unit {
  std::string code;
  std::string name;
  std::string kind;    ///< free text: "admin", "health", "school"...
  std::string parent;  ///< optional parent unit code.
  int quota = 0;       ///< forms expected from this unit.
};

/// Outcome of a units CSV import: rows are all-or-nothing (any bad row -> nothing stored).
struct UnitsImport {
  int inserted = 0;
  int updated = 0;
};

/// A printed sheet (one copy of a questionnaire) as allocated by `phieu print`.
struct Sheet {
  core::Serial serial = 0;
  std::string template_id;
  int version = 0;
  std::string unit_code;  ///< empty when the serial was never allocated (test renders).
};

/// A scan file as known to the survey.
struct ScanFileState {
  std::int64_t file_id = 0;
  bool complete = false;           ///< every page already stored: ingesting again is a no-op.
  std::set<int> pages_done;        ///< page indices already stored (resume after a kill).
};

/// Everything learned from one scanned page; saved in one transaction.
struct PageResult {
  std::int64_t file_id = 0;
  int page_index = 0;
  scanner::AlignedPage aligned;                      ///< status, key, transform...
  std::vector<unsigned char> thumbnail_jpeg;         ///< for unidentified pages (may be empty).
  std::vector<recognition::FieldReading> readings;   ///< empty unless aligned.status == kOk.
  /// Encoded crops parallel to `readings` (PNG bytes; an empty entry = crop not kept). Filled
  /// by EncodeCrops() on a worker thread so that the single writer thread only runs SQL;
  /// when left empty, SavePage encodes the crops itself (slower: ~0.3-1.3 ms per crop).
  std::vector<std::vector<unsigned char>> crops_png;
  /// Scanner streaks painted out of the page before it was read (the batch summary reports
  /// them so the clerk cleans the glass; the stored original keeps them).
  std::vector<scanner::ScannerStreak> streaks;
};

/// Which reading crops a survey keeps (docs/schema.md, "Crops").
struct CropOptions {
  /// Also keep the crop of confident box readings with a mark. Off by default: a 60-row page
  /// adds ~60 PNGs (~600 KB, 35-90 ms of encoding), and any crop can be cut again from the
  /// stored original scan, the page's homography and the reading's crop_mm. Crops of readings
  /// that need review are always kept.
  bool keep_marked_boxes = false;
  int png_compression = 1;  ///< zlib level 0-9; 1 = fastest, barely larger than 3 on crops.
};

/// Fills `page.crops_png` from `page.readings[i].crop` for the crops `options` keeps.
/// Thread-safe; call it on ingest workers before handing the page to the writer (SavePage).
void EncodeCrops(PageResult& page, const CropOptions& options = {});

/// What SavePage did with the page.
enum class PageDisposition { kStored, kUnidentified, kConflict };

/// One sheet as exported (DESIGN.md export contract).
struct SheetRecord {
  core::Serial serial = 0;
  std::string template_id;
  int version = 0;
  std::string unit_code;                        ///< empty = unknown unit.
  std::string status;  ///< "incomplete" (a page missing) > "needs_review" (pending) > "complete".
  std::map<std::string, std::vector<std::string>> selected;  ///< box fields: field -> values.
  std::map<std::string, std::optional<std::string>> text;    ///< digits/text fields.
  std::vector<std::string> pending;             ///< fields with an open review item.
  std::vector<int> missing_pages;               ///< template pages never scanned.
};

/// A reviewer's value for one field of one sheet. It overrides the machine reading in every
/// export and is never touched by a re-run of ingest.
struct Decision {
  core::Serial serial = 0;
  std::string field_id;
  std::vector<std::string> selected;  ///< box fields (single/multi/scale): the values; {} = none.
  std::optional<std::string> text;    ///< digits/text fields; nullopt = left blank.
  std::string who;                    ///< the reviewer's login (audit trail).
};

/// One open review item with what the machine read (for the review queue).
struct ReviewItem {
  std::int64_t id = 0;
  std::int64_t reading_id = 0;
  core::Serial serial = 0;
  std::string field_id;
  core::FieldKind kind = core::FieldKind::kSingle;
  int page = 1;
  std::string reason;
  std::vector<std::string> selected;  ///< machine reading (box kinds).
  std::optional<std::string> text;    ///< machine reading (digits/text).
  float confidence = 0.0f;
  core::RectMm crop_mm;
  bool has_crop = false;              ///< a PNG crop is stored (LoadCropPng).
};

/// Survey-wide counts for `phieu status` and the batch summary.
struct SurveyStatus {
  int scan_files = 0;
  int scan_files_unreadable = 0; ///< files recorded with RecordUnreadableFile.
  int pages = 0;                 ///< all stored pages, identified or not.
  int pages_identified = 0;
  int pages_unidentified = 0;
  int conflicts = 0;             ///< pages that duplicate an already stored sheet page.
  int sheets = 0;
  int sheets_complete = 0;
  int sheets_needs_review = 0;
  int sheets_incomplete = 0;
  int review_open = 0;
  /// Required questions the machine found plainly blank and recorded as unanswered without
  /// review (recognition::kRequiredLeftBlank), on how many sheets; a reviewer's later value
  /// for the field takes it off the count.
  int required_left_blank = 0;
  int sheets_with_required_left_blank = 0;
  std::map<std::string, int> unidentified_reasons;  ///< status name ("no_anchors"...) -> pages.
  /// Per unit, code order: `sheets` = sheets with at least one identified page (as in
  /// ListSheets), `allocated` = serials printed for the unit.
  struct UnitCount {
    std::string code;
    std::string name;
    int quota = 0;
    int sheets = 0;
    int allocated = 0;
  };
  std::vector<UnitCount> units;
};

/// One survey file (SQLite, WAL). Not thread-safe: use one Store per thread, or serialise
/// calls (ingest funnels every write through one writer thread).
class Store {
 public:
  virtual ~Store() = default;

  /// Opens (and with `create`, creates) the survey file and runs schema migrations.
  /// A missing file without `create`, or a file that is not a Phiếu survey, is an Error.
  static core::Result<std::unique_ptr<Store>> Open(const std::filesystem::path& path, bool create);

  // --- templates -------------------------------------------------------------------------
  /// Registers a template version with its layout (page count, fields). Registering the same
  /// (id, version) with the same JSON is a no-op; with different content it is an Error
  /// ("bump the version").
  virtual core::Status RegisterTemplate(const templates::Template& tpl,
                                        const templates::Layout& layout) = 0;
  /// The JSON sources of every registered template version (parse with templates::ParseTemplate).
  virtual core::Result<std::vector<std::string>> LoadTemplateSources() = 0;

  // --- units ------------------------------------------------------------------------------
  /// CSV with header `code,name,kind,quota[,parent]` (UTF-8, optional BOM, quoted fields).
  /// Every bad row is reported in one Error: "units.csv:7: quota "x" is not a whole number".
  virtual core::Result<UnitsImport> ImportUnitsCsv(const std::string& csv_text,
                                                   const std::string& source_name) = 0;
  virtual core::Result<std::vector<Unit>> ListUnits() = 0;

  // --- serials ----------------------------------------------------------------------------
  /// Allocates `count` new serials for a unit (unique across the survey, never reused) and
  /// records them. Unknown unit or template is an Error.
  virtual core::Result<std::vector<core::Serial>> AllocateSerials(const std::string& template_id,
                                                                  int version,
                                                                  const std::string& unit_code,
                                                                  int count) = 0;
  virtual core::Result<std::optional<Sheet>> FindSheet(core::Serial serial) = 0;

  // --- ingest -----------------------------------------------------------------------------
  /// Records a scan file by content hash and keeps its original bytes. Known hash: returns
  /// the existing state (complete -> skip; otherwise resume at the missing pages).
  virtual core::Result<ScanFileState> BeginScanFile(const std::string& sha256,
                                                    const std::filesystem::path& path,
                                                    const std::vector<unsigned char>& bytes,
                                                    int page_count) = 0;
  /// As above, but the original bytes are streamed from the file at `path` in chunks, so
  /// memory does not grow with the file (scanner PDFs of 100+ MB). The content read must hash
  /// to `sha256`: a file rewritten since it was hashed is an Error and nothing is stored.
  virtual core::Result<ScanFileState> BeginScanFileFromDisk(const std::string& sha256,
                                                            const std::filesystem::path& path,
                                                            int page_count) = 0;
  /// Stores one page and its readings and review items in one transaction. A page whose
  /// (serial, page) is already stored from another scan is kept as a conflict.
  virtual core::Result<PageDisposition> SavePage(const PageResult& page) = 0;
  /// Marks the file complete (all pages stored).
  virtual core::Status FinishScanFile(std::int64_t file_id) = 0;
  /// Records a file that could not be read at all (kept, with its bytes when available).
  virtual core::Status RecordUnreadableFile(const std::string& sha256, const std::filesystem::path& path,
                                            const std::vector<unsigned char>& bytes,
                                            const std::string& reason) = 0;

  /// RecordUnreadableFile with the bytes streamed from `path`; Error (nothing stored) if they
  /// no longer hash to `sha256`.
  virtual core::Status RecordUnreadableFileFromDisk(const std::string& sha256,
                                                    const std::filesystem::path& path,
                                                    const std::string& reason) = 0;

  // --- reporting --------------------------------------------------------------------------
  virtual core::Result<SurveyStatus> GetStatus() = 0;
  /// Pages stored so far, identified or not (cheap: for progress shown by another process
  /// while an ingest writes).
  virtual core::Result<int> CountPages() = 0;
  /// Every sheet with at least one identified page, serial order; `include_pending` false
  /// leaves out sheets with open review items (whatever their status).
  virtual core::Result<std::vector<SheetRecord>> ListSheets(bool include_pending) = 0;

  // --- review -----------------------------------------------------------------------------
  /// Records (or replaces) a human value for a field of a sheet, resolves the field's open
  /// review items and writes an audit row (old and new value). Unknown serial, or a field
  /// not in the sheet's template, is an Error; a box value that is not one of the field's
  /// options is an Error.
  virtual core::Status RecordDecision(const Decision& decision) = 0;
  /// Open review items, oldest first, at most `limit`.
  virtual core::Result<std::vector<ReviewItem>> ListOpenReviewItems(int limit) = 0;
  /// The stored PNG crop of a reading (empty when none was kept: see docs/schema.md).
  virtual core::Result<std::vector<unsigned char>> LoadCropPng(std::int64_t reading_id) = 0;
};

/// SHA-256 of bytes, lowercase hex.
std::string Sha256Hex(const std::vector<unsigned char>& bytes);
/// SHA-256 of a file's content (read in 1 MiB chunks), lowercase hex; an Error naming the file
/// when it cannot be opened or read.
core::Result<std::string> Sha256HexOfFile(const std::filesystem::path& path);

}  // namespace phieu::store
