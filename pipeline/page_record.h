// Copyright 2026 The Phiếu Authors
// SPDX-License-Identifier: Apache-2.0
// From what the scanner and recognition learned about a page to the plain record the store
// keeps: crops encoded to PNG here, on the ingest workers, so the single writer only runs SQL
// and the store needs neither OpenCV nor recognition.
#pragma once

#include <cstdint>
#include <vector>

#include "recognition/recognition.h"
#include "scanner/scanner.h"
#include "store/store.h"

namespace phieu::pipeline {

/// Which reading crops a survey keeps (docs/schema.md, "Crops").
struct CropOptions {
  /// Also keep the crop of confident box readings with a mark. Off by default: a 60-row page
  /// adds ~60 PNGs (~600 KB, 35-90 ms of encoding), and any crop can be cut again from the
  /// stored original scan, the page's homography and the reading's crop_mm. Crops of readings
  /// that need review are always kept.
  bool keep_marked_boxes = false;
  int png_compression = 1;  ///< zlib level 0-9; 1 = fastest, barely larger than 3 on crops.
};

/// Whether `reading`'s crop is kept under `options`: every flagged reading's (a reviewer needs
/// it), marked boxes' only with keep_marked_boxes; never an empty crop.
bool KeepCrop(const recognition::FieldReading& reading, const CropOptions& options = {});

/// The store's record of one reading; `crop_png` is the PNG of `reading.crop` when KeepCrop
/// says so (an unencodable crop is dropped: crop_mm still locates it).
store::ReadingRecord ToReadingRecord(const recognition::FieldReading& reading,
                                     const CropOptions& options = {});

/// The store's record of one page. Thread-safe; call it on ingest workers.
store::PageRecord ToPageRecord(std::int64_t file_id, int page_index,
                               const scanner::AlignedPage& aligned,
                               const std::vector<recognition::FieldReading>& readings,
                               const std::vector<scanner::ScannerStreak>& streaks,
                               std::vector<unsigned char> thumbnail_jpeg,
                               const CropOptions& options = {});

}  // namespace phieu::pipeline
