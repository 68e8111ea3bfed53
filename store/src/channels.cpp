// Copyright 2026 The Phiếu Authors
// SPDX-License-Identifier: Apache-2.0
//
// SqliteStore::ImportAnswers: phone and online answers as sheets without pages (schema step 4:
// answer_imports, sheets.channel, imported_answers).
#include <algorithm>

#include "sqlite_store.h"

namespace phieu::store {

core::Result<AnswersImportResult> SqliteStore::ImportAnswers(const AnswersImport& batch) {
  if (batch.channel != "phone" && batch.channel != "online")
    return MakeError("usage", "channel " + Q(batch.channel) + ": use phone or online");
  if (batch.sha256.empty() || batch.who.empty())
    return MakeError("usage", "an answers import needs the file's hash and who imports it");
  return Guard([&]() -> core::Result<AnswersImportResult> {
    Transaction tx(db_);  // IMMEDIATE: serials are allocated under the write lock
    {
      Stmt st = db_.Prepare("SELECT sheets FROM answer_imports WHERE sha256=?");
      st.Bind(1, batch.sha256);
      if (st.Step()) return AnswersImportResult{.already_imported = true, .sheets = static_cast<int>(st.Int(0))};
    }
    db_.Prepare(std::string("INSERT INTO answer_imports (sha256, source, channel, sheets, who, imported_at) "
                            "VALUES (?,?,?,?,?,") + kNow + ")")
        .Bind(1, batch.sha256).Bind(2, batch.source).Bind(3, batch.channel)
        .Bind(4, static_cast<std::int64_t>(batch.sheets.size())).Bind(5, batch.who)
        .Run();
    const std::int64_t import_id = db_.LastInsertId();
    core::Serial next =
        std::max(db_.QueryInt("SELECT max(serial) FROM sheets").value_or(0) + 1, kFirstSerial);
    for (size_t i = 0; i < batch.sheets.size(); ++i) {
      const ImportedSheet& sheet = batch.sheets[i];
      const std::string where = batch.source + ": respondent " + std::to_string(i + 1);
      {
        Stmt st = db_.Prepare("SELECT 1 FROM templates WHERE template_id=? AND version=?");
        st.Bind(1, sheet.template_id).Bind(2, sheet.version);
        if (!st.Step())
          return MakeError("invalid", where + ": template " + sheet.template_id + " version " +
                                          std::to_string(sheet.version) + " is not registered in this survey");
      }
      if (!sheet.unit_code.empty()) {
        Stmt st = db_.Prepare("SELECT 1 FROM units WHERE code=?");
        st.Bind(1, sheet.unit_code);
        if (!st.Step()) return MakeError("invalid", where + ": unit " + Q(sheet.unit_code) + " is not in this survey");
      }
      core::Serial serial = sheet.serial;
      if (serial == 0) {
        serial = next++;
      } else {
        Stmt st = db_.Prepare("SELECT 1 FROM sheets WHERE serial=?");
        st.Bind(1, serial);
        if (st.Step())
          return MakeError("invalid", where + ": serial " + std::to_string(serial) +
                                          " already belongs to another sheet of this survey");
        next = std::max(next, serial + 1);
      }
      Stmt ins = db_.Prepare(std::string("INSERT INTO sheets (serial, template_id, version, unit_code, allocated, "
                                         "allocated_at, channel, import_id) VALUES (?,?,?,?,0,") + kNow + ",?,?)");
      ins.Bind(1, serial).Bind(2, sheet.template_id).Bind(3, sheet.version);
      if (sheet.unit_code.empty()) ins.BindNull(4);
      else ins.Bind(4, sheet.unit_code);
      ins.Bind(5, batch.channel).Bind(6, import_id).Run();
      for (const auto& [field, value] : sheet.answers) {
        auto def = FindFieldDef(serial, field);
        if (!def) return MakeError("invalid", where + ": field " + Q(field) + " is not in template " + sheet.template_id);
        if (core::IsBoxKind(def->kind)) {
          for (const auto& v : value.selected) {
            bool known = false;
            for (const auto& o : def->options) known = known || o.value("value", "") == v;
            if (!known) return MakeError("invalid", where + ": " + field + ": " + Q(v) + " is not one of its options");
          }
        }
        db_.Prepare("INSERT INTO imported_answers (serial, field_id, value, illegible) VALUES (?,?,?,?)")
            .Bind(1, serial).Bind(2, field).Bind(3, ValueJson(def->kind, value.selected, value.text))
            .Bind(4, value.illegible ? 1 : 0)
            .Run();
      }
    }
    tx.Commit();
    return AnswersImportResult{.sheets = static_cast<int>(batch.sheets.size())};
  });
}

}  // namespace phieu::store
