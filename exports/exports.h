// Copyright 2026 The Phiếu Authors
// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <filesystem>
#include <string>

#include "core/result.h"
#include "store/store.h"
#include "templates/layout.h"

namespace phieu::exports {

struct ExportOptions {
  bool include_pending = false;  ///< also export sheets with open review items (DESIGN.md).
};

/// The DESIGN.md JSON export: `[{"serial", "template", "unit", "status", "answers", "pending"}]`,
/// serial order. `catalog` supplies the field list and whether option values are numbers.
/// single/scale -> the option value or null; multi -> list; digits/text -> string or null.
/// Extension: `"unanswered_required"` lists the template's required fields that have no answer
/// (null or an empty list), are not pending and lie on a scanned page: the respondent left them
/// blank.
core::Result<std::string> ExportJson(store::Store& store, const templates::TemplateCatalog& catalog,
                                     const ExportOptions& options = {});

/// Writes ExportJson to a file (atomically: temp file + rename). Errors name the path.
core::Status WriteJsonExport(store::Store& store, const templates::TemplateCatalog& catalog,
                             const std::filesystem::path& path, const ExportOptions& options = {});

}  // namespace phieu::exports
