// Copyright 2026 The Phiếu Authors
// SPDX-License-Identifier: Apache-2.0
// The batch summary as text and as JSON: what `phieu ingest` prints, what the survey keeps for
// each batch (ingest_batches), and what a scan station receives from `phieu serve` and prints.
#pragma once

#include <optional>
#include <string>

#include "core/result.h"
#include "pipeline/pipeline.h"
#include "store/store.h"

namespace phieu::pipeline {

/// The summary `phieu ingest` prints at the end of a run ("\nBatch summary\n  files ..."),
/// with the "Survey so far" lines when `status` is given. English, one fact per line; the same
/// text for a local run and for a scan station's batch.
std::string FormatSummary(const IngestSummary& summary, const store::SurveyStatus* status);

/// The one line `phieu ingest --watch` prints per file read: "scan_0003.tif: 12 pages, 12
/// identified, 3 review items" (or "already ingested", "unreadable (why)").
std::string FormatFileLine(const std::string& name, const IngestSummary& summary);

/// The exit code `phieu ingest` gives for a run that ended with `summary` (README "Exit
/// codes"): 130 when stopped, 1 when a file or page was unreadable, else 0.
int SummaryExitCode(const IngestSummary& summary);

/// A summary and the survey counts printed with it, as one JSON object: every count of
/// IngestSummary (stage times left out) and, when `status` is given, "survey": {"sheets",
/// "sheets_complete", "sheets_needs_review", "sheets_incomplete", "review_open"}.
std::string SummaryToJson(const IngestSummary& summary, const store::SurveyStatus* status);

/// What SummaryToJson wrote. `status` holds only the counts FormatSummary prints.
struct ParsedSummary {
  IngestSummary summary;
  std::optional<store::SurveyStatus> status;
};
/// Error "invalid" (naming the problem) for text that is not such a JSON object.
core::Result<ParsedSummary> SummaryFromJson(const std::string& json);

}  // namespace phieu::pipeline
