// Copyright 2026 The Phiếu Authors
// SPDX-License-Identifier: Apache-2.0
#include "dataset.h"

#include <algorithm>
#include <fstream>
#include <set>
#include <unordered_map>

namespace phieu::exports::internal {
namespace {

bool Admits(const std::vector<std::string>& list, const std::string& value) {
  return list.empty() || std::find(list.begin(), list.end(), value) != list.end();
}

std::vector<templates::Option> OptionsOf(const templates::FieldLayout& f) {
  std::vector<templates::Option> out;
  for (const auto& o : f.options) out.push_back({.value = o.value, .label = o.label, .numeric = o.numeric});
  return out;
}

bool AllNumeric(const templates::FieldLayout& f) {
  if (f.options.empty()) return false;
  return std::all_of(f.options.begin(), f.options.end(),
                     [](const templates::OptionBox& o) { return o.numeric; });
}

/// Same column meaning: kind, option values and their labels agree (two templates may both
/// code 1..5 for age bands that are not the same bands).
bool SameShape(const templates::FieldLayout& a, const templates::FieldLayout& b) {
  if (a.kind != b.kind || a.options.size() != b.options.size()) return false;
  for (size_t i = 0; i < a.options.size(); ++i)
    if (a.options[i].value != b.options[i].value || a.options[i].label != b.options[i].label) return false;
  return true;
}

void AddFieldColumns(const templates::FieldLayout& f, const std::string& name,
                     const std::string& template_id, const std::string& question_text,
                     std::vector<Column>& out) {
  Column base{.name = name, .field_id = f.id, .template_id = template_id, .kind = f.kind,
              .question_id = f.question_id, .label = f.label};
  switch (f.kind) {
    case core::FieldKind::kSingle:
    case core::FieldKind::kScale:
      base.source = ColumnSource::kOption;
      base.value_labels = OptionsOf(f);
      base.numeric = AllNumeric(f);
      base.ordinal = f.kind == core::FieldKind::kScale;
      // A scale row's label is its criterion; say which grid it belongs to as well.
      if (f.kind == core::FieldKind::kScale && !question_text.empty() && question_text != f.label)
        base.label = question_text + ": " + f.label;
      out.push_back(std::move(base));
      break;
    case core::FieldKind::kMulti:
      for (const auto& o : f.options) {
        Column c = base;
        c.source = ColumnSource::kIndicator;
        c.name = name + "_" + o.value;
        c.option = o.value;
        c.group_label = f.label;
        c.label = f.label + ": " + o.label;
        c.value_labels = {{.value = "0", .label = "Không chọn", .numeric = true},
                          {.value = "1", .label = "Có chọn", .numeric = true}};
        c.numeric = true;
        out.push_back(std::move(c));
      }
      break;
    case core::FieldKind::kDigits:
    case core::FieldKind::kText:
      base.source = ColumnSource::kString;
      out.push_back(std::move(base));
      break;
  }
}

}  // namespace

std::vector<Column> PlanColumns(const templates::TemplateCatalog& catalog, const SheetFilter& filter,
                                const std::set<std::string>& present, bool include_personal,
                                std::vector<std::string>* personal_left_out,
                                std::vector<std::string>* personal_included) {
  std::vector<Column> out = {
      {.name = "serial", .source = ColumnSource::kSerial, .label = "Số phiếu", .numeric = true},
      {.name = "unit", .source = ColumnSource::kUnit, .label = "Mã đơn vị"},
      {.name = "unit_name", .source = ColumnSource::kUnitName, .label = "Tên đơn vị"},
      {.name = "unit_kind", .source = ColumnSource::kUnitKind, .label = "Loại đơn vị"},
      {.name = "template", .source = ColumnSource::kTemplate, .label = "Mẫu phiếu"},
      {.name = "version", .source = ColumnSource::kVersion, .label = "Phiên bản mẫu phiếu", .numeric = true},
      {.name = "channel", .source = ColumnSource::kChannel,
       .label = "Kênh thu thập (paper = phiếu giấy, phone = điện thoại, online = trực tuyến)"},
      {.name = "scanned_at", .source = ColumnSource::kScannedAt, .label = "Thời điểm quét / nhập (UTC)"},
      {.name = "status", .source = ColumnSource::kStatus, .label = "Trạng thái phiếu"},
  };
  // Every field of the admitted templates, first-seen order (templates by id, then version).
  struct Seen {
    const templates::FieldLayout* field;
    std::string template_id;
  };
  std::vector<Seen> fields;
  std::map<std::string, std::vector<size_t>> by_id;
  for (const auto& [key, layout] : catalog.All()) {
    if (!Admits(filter.templates, key.first)) continue;
    if (!present.empty() && !present.count(key.first)) continue;
    for (const auto& f : layout.fields) {
      bool known = false;
      for (size_t i : by_id[f.id])
        if (fields[i].template_id == key.first) known = true;  // another version of it
      if (known) continue;
      by_id[f.id].push_back(fields.size());
      fields.push_back({&f, key.first});
    }
  }
  std::set<std::string> left_out, included;
  std::set<std::string> emitted;
  for (const auto& s : fields) {
    const auto& same_id = by_id[s.field->id];
    bool conflict = false;
    for (size_t i : same_id) conflict = conflict || !SameShape(*fields[i].field, *s.field);
    std::string key = conflict ? s.template_id + "_" + s.field->id : s.field->id;
    if (!emitted.insert(key).second) continue;
    bool personal = false;
    for (size_t i : same_id) personal = personal || fields[i].field->personal;
    if (personal && !include_personal) {
      left_out.insert(s.field->id);
      continue;
    }
    if (personal) included.insert(s.field->id);
    // A scale row's variable label is its criterion (the layout keeps the row text).
    AddFieldColumns(*s.field, key, conflict ? s.template_id : "", "", out);
  }
  if (personal_left_out) personal_left_out->assign(left_out.begin(), left_out.end());
  if (personal_included) personal_included->assign(included.begin(), included.end());
  return out;
}

void FillRow(const SheetView& view, const std::vector<Column>& columns, std::vector<Cell>& cells) {
  const store::SheetRecord& s = *view.sheet;
  cells.assign(columns.size(), Cell{});
  auto text = [](std::string t) { return Cell{.missing = Missing::kNone, .text = std::move(t)}; };
  auto number = [](double d) { return Cell{.missing = Missing::kNone, .is_number = true, .number = d}; };
  std::unordered_map<std::string, const templates::FieldLayout*> fields;
  if (view.layout)
    for (const auto& f : view.layout->fields) fields[f.id] = &f;
  for (size_t i = 0; i < columns.size(); ++i) {
    const Column& c = columns[i];
    Cell& cell = cells[i];
    switch (c.source) {
      case ColumnSource::kSerial: cell = number(static_cast<double>(s.serial)); continue;
      case ColumnSource::kUnit: if (!s.unit_code.empty()) cell = text(s.unit_code); continue;
      case ColumnSource::kUnitName: if (view.unit) cell = text(view.unit->name); continue;
      case ColumnSource::kUnitKind: if (view.unit) cell = text(view.unit->kind); continue;
      case ColumnSource::kTemplate: cell = text(s.template_id); continue;
      case ColumnSource::kVersion: cell = number(s.version); continue;
      case ColumnSource::kChannel: cell = text(s.channel); continue;
      case ColumnSource::kScannedAt: if (!s.scanned_at.empty()) cell = text(s.scanned_at); continue;
      case ColumnSource::kStatus: cell = text(s.status); continue;
      default: break;
    }
    if (!c.template_id.empty() && c.template_id != s.template_id) continue;  // not asked
    auto fit = fields.find(c.field_id);
    if (fit == fields.end()) continue;  // this template has no such field: not asked
    const templates::FieldLayout& f = *fit->second;
    if (std::find(s.missing_pages.begin(), s.missing_pages.end(), f.page) != s.missing_pages.end())
      continue;  // its page was never scanned
    if (std::find(s.illegible.begin(), s.illegible.end(), f.id) != s.illegible.end()) {
      cell.missing = Missing::kIllegible;
      continue;
    }
    cell.missing = Missing::kNoAnswer;
    if (c.source == ColumnSource::kString) {
      auto it = s.text.find(f.id);
      if (it != s.text.end() && it->second && !it->second->empty()) cell = text(*it->second);
      continue;
    }
    auto it = s.selected.find(f.id);
    if (it == s.selected.end() || it->second.empty()) continue;  // no answer: missing, never 0
    const auto& values = it->second;
    if (c.source == ColumnSource::kIndicator) {
      bool chosen = std::find(values.begin(), values.end(), c.option) != values.end();
      cell = number(chosen ? 1 : 0);
      continue;
    }
    // One-answer field: the first chosen value in option order (several marks are pending
    // and the export shows the machine's reading, as the JSON export does).
    for (const auto& o : f.options) {
      if (std::find(values.begin(), values.end(), o.value) == values.end()) continue;
      if (c.numeric) {
        try {
          cell = number(std::stod(o.value));
        } catch (const std::exception&) {
          cell = text(o.value);
        }
      } else {
        cell = text(o.value);
      }
      break;
    }
  }
}

core::Status VisitSheets(store::Store& store, const templates::TemplateCatalog& catalog,
                         const SheetFilter& filter, const std::function<bool(const SheetView&)>& fn,
                         ExportSummary* summary) {
  auto units = store.ListUnits();
  if (!units.ok()) return units.error();
  std::map<std::string, const store::Unit*> by_code;
  for (const auto& u : *units) by_code[u.code] = &u;
  ExportSummary counts;
  bool stopped = false;
  auto visit = [&](const store::SheetRecord& sheet) -> bool {
    if (stopped) return false;
    auto uit = by_code.find(sheet.unit_code);
    const store::Unit* unit = uit == by_code.end() ? nullptr : uit->second;
    const std::string kind = unit ? unit->kind : "";
    if (!Admits(filter.units, sheet.unit_code) || !Admits(filter.kinds, kind) ||
        !Admits(filter.templates, sheet.template_id) || !Admits(filter.statuses, sheet.status) ||
        !Admits(filter.channels, sheet.channel)) {
      ++counts.left_out_by_filter;
      return true;
    }
    // By default only sheets with nothing left to review (DESIGN.md); a sheet with a page
    // never scanned is written, its status says so. An explicit --status list says itself
    // which states are wanted.
    if (!filter.include_pending && filter.statuses.empty() && !sheet.pending.empty()) {
      ++counts.left_out_pending;
      return true;
    }
    ++counts.rows;
    if (!sheet.missing_pages.empty()) ++counts.with_pages_missing;
    SheetView view{.sheet = &sheet, .unit = unit, .layout = catalog.Find(sheet.template_id, sheet.version)};
    if (!fn(view)) stopped = true;
    return !stopped;
  };
  auto st = store.VisitSheets(true, visit);
  if (!st.ok()) return st;
  if (summary) {
    summary->rows = counts.rows;
    summary->left_out_pending = counts.left_out_pending;
    summary->with_pages_missing = counts.with_pages_missing;
    summary->left_out_by_filter = counts.left_out_by_filter;
  }
  return {};
}

std::string CutUtf8(const std::string& text, size_t max_bytes) {
  if (text.size() <= max_bytes) return text;
  size_t end = max_bytes;
  // Step back over continuation bytes (10xxxxxx) to the start of the character that does not
  // fit. NFC Vietnamese letters are single code points (e.g. "ệ" U+1EC7, 3 bytes).
  while (end > 0 && (static_cast<unsigned char>(text[end]) & 0xC0) == 0x80) --end;
  return text.substr(0, end);
}

core::Status WriteFileAtomically(const std::filesystem::path& path, const std::string& content) {
  std::filesystem::path tmp = path;
  tmp += ".tmp";
  {
    std::ofstream f(tmp, std::ios::binary | std::ios::trunc);
    if (!f) return core::MakeError("io", path.string() + ": cannot open for writing");
    f << content;
    if (!f.flush()) return core::MakeError("io", path.string() + ": write failed");
  }
  std::error_code ec;
  std::filesystem::rename(tmp, path, ec);
  if (ec) return core::MakeError("io", path.string() + ": " + ec.message());
  return {};
}

}  // namespace phieu::exports::internal
