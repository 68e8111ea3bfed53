// Copyright 2026 The Phiếu Authors
// SPDX-License-Identifier: Apache-2.0
//
// WriteExport: the column plan, then the format's writer.
#include "dataset.h"
#include "exports/exports.h"
#include "writers.h"

namespace phieu::exports {

core::Result<ExportSummary> WriteExport(store::Store& store, const templates::TemplateCatalog& catalog,
                                        ExportFormat format, const std::filesystem::path& path,
                                        const ExportOptions& options_in) {
  ExportOptions options = options_in;
  options.filter.include_pending = options.filter.include_pending || options.include_pending;
  ExportSummary summary;
  // Columns for the templates the selected sheets use, not every template registered: a
  // SIPAS-only export carries no empty health columns. One extra pass over the sheets.
  std::set<std::string> present;
  auto seen = internal::VisitSheets(store, catalog, options.filter,
                                    [&](const internal::SheetView& v) {
                                      present.insert(v.sheet->template_id);
                                      return true;
                                    },
                                    nullptr);
  if (!seen.ok()) return seen.error();
  if (present.empty())  // no sheet yet: the header of every admitted template
    for (const auto& [key, layout] : catalog.All()) present.insert(key.first);
  std::vector<internal::Column> columns = internal::PlanColumns(
      catalog, options.filter, present, options.include_personal, &summary.personal_left_out,
      &summary.personal_included);
  core::Status st;
  switch (format) {
    case ExportFormat::kJson: {
      // The JSON contract keeps every field of a sheet's template; which personal ones the
      // export leaves out is the same list.
      st = internal::WriteJsonStream(store, catalog, path, options, summary);
      break;
    }
    case ExportFormat::kCsv: st = internal::WriteCsv(store, catalog, columns, path, options, summary); break;
    case ExportFormat::kXlsx: st = internal::WriteXlsx(store, catalog, columns, path, options, summary); break;
    case ExportFormat::kSav: st = internal::WriteSav(store, catalog, columns, path, options, summary); break;
  }
  if (!st.ok()) return st.error();
  return summary;
}

}  // namespace phieu::exports
