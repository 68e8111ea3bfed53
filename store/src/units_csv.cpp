// Copyright 2026 The Phiếu Authors
// SPDX-License-Identifier: Apache-2.0
#include "units_csv.h"

#include <algorithm>
#include <charconv>
#include <map>
#include <optional>
#include <set>

#include "csv.h"

namespace phieu::store {
namespace {

std::string Lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

std::string Quote(const std::string& s) { return "\"" + s + "\""; }

// A whole, non-negative number that fits an int; an empty cell means "no quota" (0).
std::optional<int> ParseQuota(const std::string& s) {
  if (s.empty()) return 0;
  int v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || p != s.data() + s.size() || v < 0) return std::nullopt;
  return v;
}

}  // namespace

ParsedUnits ParseUnitsCsv(const std::string& csv_text, const std::string& source_name,
                          const std::function<bool(const std::string&)>& unit_exists,
                          const std::function<std::string(const std::string&)>& parent_of) {
  ParsedUnits out;
  auto err = [&](int line, const std::string& msg) {
    out.errors.push_back(source_name + ":" + std::to_string(line) + ": " + msg);
  };

  CsvTable table = ParseCsv(csv_text);
  if (table.error) err(table.error_line, *table.error);
  if (table.rows.empty()) {
    if (!table.error) err(1, "empty file; expected a header line code,name,kind,quota[,parent]");
    return out;
  }

  // Columns by header name, in any order.
  static const std::vector<std::string> kKnown = {"code", "name", "kind", "quota", "parent"};
  std::map<std::string, size_t> col;
  const CsvRow& header = table.rows.front();
  for (size_t i = 0; i < header.fields.size(); ++i) {
    std::string name = Lower(Trim(header.fields[i]));
    if (std::find(kKnown.begin(), kKnown.end(), name) == kKnown.end()) {
      err(header.line, "unknown column " + Quote(Trim(header.fields[i])) +
                           " (expected code, name, kind, quota and optionally parent)");
    } else if (!col.emplace(name, i).second) {
      err(header.line, "column " + Quote(name) + " appears twice");
    }
  }
  for (const char* required : {"code", "name", "kind", "quota"})
    if (!col.count(required)) err(header.line, std::string("missing column ") + Quote(required));
  if (!out.errors.empty()) return out;  // Rows cannot be read without a sound header.

  std::map<std::string, int> first_line;  // code -> line, for duplicate reports
  std::vector<int> lines;
  for (size_t r = 1; r < table.rows.size(); ++r) {
    const CsvRow& row = table.rows[r];
    if (row.fields.size() != header.fields.size()) {
      err(row.line, std::to_string(row.fields.size()) + " fields, but the header has " +
                        std::to_string(header.fields.size()));
      continue;
    }
    auto cell = [&](const char* name) {
      auto it = col.find(name);
      return it == col.end() ? std::string() : Trim(row.fields[it->second]);
    };
    Unit u{.code = cell("code"), .name = cell("name"), .kind = cell("kind"),
           .parent = cell("parent")};
    bool ok = true;
    if (u.code.empty()) {
      err(row.line, "missing code");
      ok = false;
    } else if (auto [it, fresh] = first_line.emplace(u.code, row.line); !fresh) {
      err(row.line, "duplicate code " + Quote(u.code) + " (first on line " +
                        std::to_string(it->second) + ")");
      ok = false;
    }
    if (u.name.empty()) {
      err(row.line, "empty name");
      ok = false;
    }
    std::string quota = cell("quota");
    if (auto q = ParseQuota(quota)) {
      u.quota = *q;
    } else {
      err(row.line, "quota " + Quote(quota) + " is not a whole number");
      ok = false;
    }
    if (!u.parent.empty() && u.parent == u.code) {
      err(row.line, "unit " + Quote(u.code) + " is its own parent");
      ok = false;
    }
    if (ok) {
      out.units.push_back(std::move(u));
      lines.push_back(row.line);
    }
  }

  // Parents may be defined anywhere in the file or already be in the survey.
  std::map<std::string, std::string> parent_in_file;
  for (const Unit& u : out.units) parent_in_file[u.code] = u.parent;
  for (size_t i = 0; i < out.units.size(); ++i) {
    const Unit& u = out.units[i];
    if (u.parent.empty()) continue;
    if (!first_line.count(u.parent) && !unit_exists(u.parent)) {
      err(lines[i], "parent " + Quote(u.parent) + " is not a unit in this file or the survey");
      continue;
    }
    // Walk up; the file's own rows take precedence over what is stored (they replace it).
    std::set<std::string> seen = {u.code};
    std::string p = u.parent;
    while (!p.empty()) {
      if (!seen.insert(p).second) {
        err(lines[i], "parent " + Quote(u.parent) + " makes a cycle through " + Quote(p));
        break;
      }
      auto it = parent_in_file.find(p);
      p = it != parent_in_file.end() ? it->second : parent_of(p);
    }
  }
  if (!out.errors.empty()) {
    // Report in line order, whatever pass found them.
    std::stable_sort(out.errors.begin(), out.errors.end(), [&](const auto& a, const auto& b) {
      auto line_of = [&](const std::string& e) {
        return std::atoi(e.c_str() + source_name.size() + 1);
      };
      return line_of(a) < line_of(b);
    });
    out.units.clear();
  }
  return out;
}

}  // namespace phieu::store
