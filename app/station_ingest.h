// Copyright 2026 The Phiếu Authors
// SPDX-License-Identifier: Apache-2.0
// The server's side of a scan station: review::IngestRunner over the reading pipeline, made
// here because the review stage never links the reading stages.
#pragma once

#include <memory>

#include "pipeline/pipeline.h"
#include "review-ui/review.h"

namespace phieu::app {

/// Reads a station's files with `options` (jobs, scan limits, reading options; its stop,
/// progress and writer lock are set per batch).
std::unique_ptr<review::IngestRunner> MakeIngestRunner(const pipeline::IngestOptions& options);

}  // namespace phieu::app
