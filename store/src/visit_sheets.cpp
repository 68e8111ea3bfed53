// Copyright 2026 The Phiếu Authors
// SPDX-License-Identifier: Apache-2.0
//
// Store::VisitSheets: the default walks ListSheets (stores that cannot stream).
#include "store/store.h"

namespace phieu::store {

core::Status Store::VisitSheets(bool include_pending,
                                const std::function<bool(const SheetRecord&)>& visit) {
  auto sheets = ListSheets(include_pending);
  if (!sheets.ok()) return sheets.error();
  for (const auto& s : *sheets)
    if (!visit(s)) break;
  return {};
}

core::Result<AnswersImportResult> Store::ImportAnswers(const AnswersImport&) {
  return core::MakeError("unsupported", "this store cannot hold answers from other channels");
}

}  // namespace phieu::store
