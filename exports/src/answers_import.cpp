// Copyright 2026 The Phiếu Authors
// SPDX-License-Identifier: Apache-2.0
//
// phieu import: answers collected by phone or online, one row per respondent with the CSV
// export's columns, checked against the template before anything is stored.
#include <algorithm>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include "dataset.h"
#include "exports/exports.h"

namespace phieu::exports {
namespace {

/// RFC 4180 records with the 1-based line each starts on. Quoted fields may hold commas,
/// doubled quotes and line breaks; CRLF and LF both end a record.
struct CsvRecord {
  int line = 0;
  std::vector<std::string> fields;
};

core::Result<std::vector<CsvRecord>> ParseCsv(const std::string& text, const std::string& source) {
  std::vector<CsvRecord> out;
  size_t i = 0;
  if (text.compare(0, 3, "\xEF\xBB\xBF") == 0) i = 3;  // Excel's BOM
  int line = 1;
  while (i < text.size()) {
    CsvRecord rec{.line = line};
    std::string field;
    bool quoted_field = false;
    for (;;) {
      if (i < text.size() && text[i] == '"' && field.empty() && !quoted_field) {
        quoted_field = true;
        ++i;
        for (;;) {
          if (i >= text.size())
            return core::MakeError("invalid", source + ":" + std::to_string(rec.line) +
                                                  ": a quoted field is never closed");
          if (text[i] == '"') {
            if (i + 1 < text.size() && text[i + 1] == '"') {
              field += '"';
              i += 2;
              continue;
            }
            ++i;
            break;
          }
          if (text[i] == '\n') ++line;
          field += text[i++];
        }
        continue;
      }
      if (i >= text.size() || text[i] == '\n' || (text[i] == '\r' && i + 1 < text.size() && text[i + 1] == '\n') ||
          text[i] == ',') {
        rec.fields.push_back(std::move(field));
        field.clear();
        quoted_field = false;
        if (i < text.size() && text[i] == ',') {
          ++i;
          continue;
        }
        if (i < text.size()) i += text[i] == '\r' ? 2 : 1;
        ++line;
        break;
      }
      if (quoted_field)
        return core::MakeError("invalid", source + ":" + std::to_string(line) +
                                              ": text after a closing quote (write \"\" for a quote inside)");
      field += text[i++];
    }
    bool blank = rec.fields.size() == 1 && rec.fields[0].empty();
    if (!blank) out.push_back(std::move(rec));
  }
  return out;
}

/// The meta columns of the export that an import reads or tolerates.
const std::set<std::string>& MetaColumns() {
  static const std::set<std::string> k = {"serial", "unit", "unit_name", "unit_kind", "template",
                                          "version", "channel", "scanned_at", "status"};
  return k;
}

std::string Trim(const std::string& s) {
  size_t a = s.find_first_not_of(" \t");
  if (a == std::string::npos) return "";
  size_t b = s.find_last_not_of(" \t");
  return s.substr(a, b - a + 1);
}

}  // namespace

core::Result<ImportSummary> ImportAnswersCsv(store::Store& store, const templates::TemplateCatalog& catalog,
                                             const std::string& csv_text, const ImportOptions& options) {
  const std::string& src = options.source;
  if (options.channel != "phone" && options.channel != "online")
    return core::MakeError("usage", "channel \"" + options.channel + "\": use phone or online");
  auto records = ParseCsv(csv_text, src);
  if (!records.ok()) return records.error();
  if (records->empty()) return core::MakeError("invalid", src + ": empty file (expected a header row)");
  const std::vector<std::string>& header = records->front().fields;
  std::map<std::string, size_t> col;
  std::vector<std::string> problems;
  for (size_t c = 0; c < header.size(); ++c) {
    std::string name = Trim(header[c]);
    if (name.empty()) continue;
    if (!col.emplace(name, c).second)
      problems.push_back(src + ":1: column " + std::to_string(c + 1) + " \"" + name + "\" appears twice");
  }
  auto units = store.ListUnits();
  if (!units.ok()) return units.error();
  std::set<std::string> unit_codes;
  for (const auto& u : *units) unit_codes.insert(u.code);
  // The template of a row: its `template` (and `version`) cells, or the only template
  // registered when the file has no such column.
  std::set<std::string> template_ids;
  for (const auto& [key, layout] : catalog.All()) template_ids.insert(key.first);

  // Every header name must mean something for some template: a typo is an error, not a
  // silently dropped column.
  std::set<std::string> known = MetaColumns();
  for (const auto& [key, layout] : catalog.All())
    for (const auto& f : layout.fields) {
      std::vector<std::string> names = {f.id, key.first + "_" + f.id};
      for (const auto& n : names) {
        if (f.kind == core::FieldKind::kMulti)
          for (const auto& o : f.options) known.insert(n + "_" + o.value);
        else
          known.insert(n);
      }
    }
  for (const auto& [name, c] : col)
    if (!known.count(name))
      problems.push_back(src + ":1: column " + std::to_string(c + 1) + " \"" + name +
                         "\" is not a column of the export (a field id, FIELD_VALUE for a multi "
                         "question, or serial/unit/template/version)");

  store::AnswersImport batch{.source = src, .channel = options.channel, .who = options.who};
  std::set<core::Serial> serials_in_file;
  for (size_t r = 1; r < records->size(); ++r) {
    const CsvRecord& rec = (*records)[r];
    const std::string at = src + ":" + std::to_string(rec.line);
    auto cell = [&](const std::string& name) -> std::optional<std::string> {
      auto it = col.find(name);
      if (it == col.end() || it->second >= rec.fields.size()) return std::nullopt;
      std::string v = Trim(rec.fields[it->second]);
      if (v.empty()) return std::nullopt;
      return v;
    };
    auto where = [&](const std::string& name) {
      auto it = col.find(name);
      return at + ": column " + (it == col.end() ? std::string("?") : std::to_string(it->second + 1)) +
             " (" + name + ")";
    };
    if (rec.fields.size() > header.size()) {
      problems.push_back(at + ": " + std::to_string(rec.fields.size()) + " fields, the header has " +
                         std::to_string(header.size()));
      continue;
    }
    store::ImportedSheet sheet;
    // Template and version.
    if (auto t = cell("template")) {
      sheet.template_id = *t;
    } else if (template_ids.size() == 1) {
      sheet.template_id = *template_ids.begin();
    } else {
      problems.push_back(where("template") + ": empty; this survey has several templates");
      continue;
    }
    std::vector<int> versions = catalog.Versions(sheet.template_id);
    if (versions.empty()) {
      problems.push_back(where("template") + ": template \"" + sheet.template_id + "\" is not in this survey");
      continue;
    }
    sheet.version = versions.back();
    if (auto v = cell("version")) {
      try {
        size_t used = 0;
        sheet.version = std::stoi(*v, &used);
        if (used != v->size()) throw std::invalid_argument(*v);
      } catch (const std::exception&) {
        problems.push_back(where("version") + ": \"" + *v + "\" is not a whole number");
        continue;
      }
    }
    const templates::Layout* layout = catalog.Find(sheet.template_id, sheet.version);
    if (!layout) {
      problems.push_back(where("version") + ": template " + sheet.template_id + " has no version " +
                         std::to_string(sheet.version) + " in this survey");
      continue;
    }
    if (auto s = cell("serial")) {
      try {
        size_t used = 0;
        sheet.serial = std::stoll(*s, &used);
        if (used != s->size() || sheet.serial <= 0) throw std::invalid_argument(*s);
        if (!serials_in_file.insert(sheet.serial).second) {
          problems.push_back(where("serial") + ": serial " + *s + " appears twice in the file");
          continue;
        }
      } catch (const std::exception&) {
        problems.push_back(where("serial") + ": \"" + *s + "\" is not a serial number (leave it empty "
                                             "to have one allocated)");
        continue;
      }
    }
    if (auto u = cell("unit")) {
      if (!unit_codes.count(*u)) {
        problems.push_back(where("unit") + ": unit \"" + *u + "\" is not in this survey (phieu units import)");
        continue;
      }
      sheet.unit_code = *u;
    }
    if (auto c = cell("channel"); c && *c != options.channel) {
      problems.push_back(where("channel") + ": \"" + *c + "\" but the import is --channel " + options.channel);
      continue;
    }
    size_t before = problems.size();
    for (const auto& f : layout->fields) {
      // A column named by the field, or TEMPLATE_FIELD as a multi-template export names it.
      std::string base = col.count(f.id) || f.kind == core::FieldKind::kMulti ? f.id : sheet.template_id + "_" + f.id;
      if (f.kind == core::FieldKind::kMulti) {
        bool prefixed = false;
        for (const auto& o : f.options) prefixed = prefixed || col.count(sheet.template_id + "_" + f.id + "_" + o.value);
        if (prefixed) base = sheet.template_id + "_" + f.id;
        store::FieldValue value;
        bool any = false;
        for (const auto& o : f.options) {
          std::string name = base + "_" + o.value;
          auto v = cell(name);
          if (!v) continue;
          any = true;
          if (*v == "1") value.selected.push_back(o.value);
          else if (*v != "0") problems.push_back(where(name) + ": \"" + *v + "\" must be 0, 1 or empty");
        }
        if (f.max > 0 && static_cast<int>(value.selected.size()) > f.max)
          problems.push_back(at + ": " + f.id + ": " + std::to_string(value.selected.size()) +
                             " options chosen, at most " + std::to_string(f.max));
        if (any) sheet.answers[f.id] = value;  // all 0: answered, nothing chosen
        continue;
      }
      auto v = cell(base);
      if (!v) continue;  // not answered: missing, as in the export
      store::FieldValue value;
      if (core::IsBoxKind(f.kind)) {
        bool found = false;
        for (const auto& o : f.options) found = found || o.value == *v;
        if (!found) {
          std::string list;
          for (const auto& o : f.options) list += (list.empty() ? "" : ", ") + o.value;
          problems.push_back(where(base) + ": \"" + *v + "\" is not an option of " + f.id + " (" + list + ")");
          continue;
        }
        value.selected = {*v};
      } else if (f.kind == core::FieldKind::kDigits) {
        if (!std::all_of(v->begin(), v->end(), [](char ch) { return ch >= '0' && ch <= '9'; }) ||
            v->size() > f.cells_mm.size()) {
          problems.push_back(where(base) + ": \"" + *v + "\" must be at most " +
                             std::to_string(f.cells_mm.size()) + " digits");
          continue;
        }
        if (f.has_range && v->size() == f.cells_mm.size()) {
          long n = std::stol(*v);
          if (n < f.range_min || n > f.range_max) {
            problems.push_back(where(base) + ": " + *v + " is outside " + std::to_string(f.range_min) + "–" +
                               std::to_string(f.range_max));
            continue;
          }
        }
        value.text = *v;
      } else {
        value.text = *v;
      }
      sheet.answers[f.id] = value;
    }
    if (problems.size() == before) batch.sheets.push_back(std::move(sheet));
  }
  if (!problems.empty()) {
    std::string message = std::to_string(problems.size()) + " problem" + (problems.size() == 1 ? "" : "s") +
                          ", nothing imported:";
    const size_t shown = std::min<size_t>(problems.size(), 50);
    for (size_t i = 0; i < shown; ++i) message += "\n  " + problems[i];
    if (problems.size() > shown) message += "\n  … and " + std::to_string(problems.size() - shown) + " more";
    return core::MakeError("invalid", message);
  }
  batch.sha256 = store::Sha256Hex(std::vector<unsigned char>(csv_text.begin(), csv_text.end()));
  auto result = store.ImportAnswers(batch);
  if (!result.ok()) return result.error();
  return ImportSummary{.already_imported = result->already_imported, .sheets = result->sheets};
}

core::Result<ImportSummary> ImportAnswersFile(store::Store& store, const templates::TemplateCatalog& catalog,
                                              const std::filesystem::path& path, ImportOptions options) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return core::MakeError("io", path.string() + ": cannot open");
  std::ostringstream buf;
  buf << in.rdbuf();
  if (in.bad()) return core::MakeError("io", path.string() + ": cannot read");
  if (options.source.empty()) options.source = path.string();
  std::string ext = path.extension().string();
  for (char& c : ext) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (ext == ".xlsx") {
    auto csv = internal::XlsxFirstSheetAsCsv(buf.str(), options.source);
    if (!csv.ok()) return csv.error();
    // The workbook's own bytes identify the import (a second import of the file is a no-op).
    return ImportAnswersCsv(store, catalog, *csv, options);
  }
  return ImportAnswersCsv(store, catalog, buf.str(), options);
}

}  // namespace phieu::exports
