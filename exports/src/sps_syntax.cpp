// Copyright 2026 The Phiếu Authors
// SPDX-License-Identifier: Apache-2.0
//
// SPSS variable names and the companion .sps (labels, missing values, MRSETS) that PSPP and
// SPSS run after opening the .sav: ReadStat cannot write multiple-response sets.
#include <algorithm>
#include <cctype>
#include <cstdio>
#include <set>
#include <sstream>

#include "dataset.h"
#include "writers.h"

namespace phieu::exports::internal {
namespace {

constexpr size_t kMaxNameBytes = 64;
constexpr size_t kValueLabelBytes = 120;
constexpr size_t kVariableLabelBytes = 256;

std::string Upper(std::string s) {
  for (char& c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return s;
}

bool Reserved(const std::string& name) {
  static const std::set<std::string> kWords = {"ALL", "AND", "BY", "EQ", "GE", "GT", "LE",
                                               "LT",  "NE",  "NOT", "OR", "TO", "WITH"};
  return kWords.count(Upper(name)) > 0;
}

/// 'text' with quotes doubled (SPSS string literal).
std::string Quoted(const std::string& s) {
  std::string out = "'";
  for (char c : s) {
    if (c == '\'') out += '\'';
    if (c == '\n' || c == '\r') c = ' ';
    out += c;
  }
  return out + "'";
}

std::string Number(double d) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.15g", d);
  return buf;
}

}  // namespace

std::vector<std::string> SpssNames(const std::vector<Column>& columns) {
  std::vector<std::string> out;
  std::set<std::string> taken;  // upper case: SPSS names ignore case
  for (const auto& c : columns) {
    std::string n;
    for (char ch : c.name) {
      unsigned char u = static_cast<unsigned char>(ch);
      n += (std::isalnum(u) && u < 0x80) || ch == '_' || ch == '.' ? ch : '_';
    }
    if (n.empty() || !std::isalpha(static_cast<unsigned char>(n[0]))) n = "v" + n;
    while (n.size() > 1 && (n.back() == '.' || n.back() == '_')) n.pop_back();  // no trailing dot
    if (n.size() > kMaxNameBytes) n.resize(kMaxNameBytes);
    if (Reserved(n)) n += "_";
    std::string candidate = n;
    for (int k = 2; taken.count(Upper(candidate)); ++k) {
      std::string suffix = "_" + std::to_string(k);
      candidate = n.substr(0, kMaxNameBytes - suffix.size()) + suffix;
    }
    taken.insert(Upper(candidate));
    out.push_back(candidate);
  }
  return out;
}

std::string SpsSyntax(const std::vector<Column>& columns, const std::vector<std::string>& names,
                      const std::string& sav_file_name) {
  std::ostringstream s;
  s << "* Phiếu: nhãn biến, nhãn giá trị, giá trị khuyết và bộ câu nhiều lựa chọn (MRSETS)\n"
       "* cho " << sav_file_name << ". Chạy trong thư mục chứa tệp .sav: pspp "
    << std::filesystem::path(sav_file_name).replace_extension(".sps").string() << "\n"
       "* (labels, declared missing values and multiple-response sets; run from its folder).\n";
  s << "GET FILE=" << Quoted(sav_file_name) << ".\n";
  s << "VARIABLE LABELS\n";
  for (size_t i = 0; i < columns.size(); ++i)
    s << (i ? "  /" : "  ") << names[i] << " " << Quoted(CutUtf8(columns[i].label, kVariableLabelBytes)) << "\n";
  s << ".\n";
  bool any_values = false;
  std::ostringstream values;
  std::ostringstream missing;
  std::vector<std::string> ordinal;
  for (size_t i = 0; i < columns.size(); ++i) {
    const Column& c = columns[i];
    const bool answer = !c.field_id.empty();
    if (c.ordinal) ordinal.push_back(names[i]);
    if (c.value_labels.empty() && !(c.numeric && answer)) continue;
    values << (any_values ? "  /" : "  ") << names[i] << "\n";
    any_values = true;
    for (const auto& o : c.value_labels)
      values << "    " << (c.numeric ? o.value : Quoted(o.value)) << " "
             << Quoted(CutUtf8(o.label, kValueLabelBytes)) << "\n";
    if (c.numeric && answer) {
      auto [no_answer, illegible] = MissingCodes(c);
      values << "    " << Number(no_answer) << " 'Không trả lời'\n"
             << "    " << Number(illegible) << " 'Không đọc được'\n";
      missing << "MISSING VALUES " << names[i] << " (" << Number(no_answer) << ", " << Number(illegible) << ").\n";
    }
  }
  if (any_values) s << "VALUE LABELS\n" << values.str() << ".\n";
  s << missing.str();
  if (!ordinal.empty()) {
    s << "VARIABLE LEVEL";
    for (const auto& n : ordinal) s << "\n  " << n;
    s << " (ORDINAL).\n";
  }
  // One multiple-dichotomy set per multi question: its 0/1 columns, counted value 1.
  std::vector<std::string> groups;
  std::set<std::string> group_names;
  for (size_t i = 0; i < columns.size();) {
    const Column& c = columns[i];
    if (c.source != ColumnSource::kIndicator) {
      ++i;
      continue;
    }
    size_t j = i;
    std::ostringstream g;
    std::string set = "$" + names[i].substr(0, names[i].rfind('_') == std::string::npos ? names[i].size()
                                                                                       : names[i].rfind('_'));
    if (set.size() > kMaxNameBytes) set.resize(kMaxNameBytes);
    for (int k = 2; group_names.count(Upper(set)); ++k) set = set.substr(0, kMaxNameBytes - 3) + "_" + std::to_string(k);
    group_names.insert(Upper(set));
    g << "  /MDGROUP NAME=" << set << " LABEL=" << Quoted(CutUtf8(c.group_label, kVariableLabelBytes))
      << "\n    CATEGORYLABELS=VARLABELS VALUE=1 VARIABLES=";
    while (j < columns.size() && columns[j].source == ColumnSource::kIndicator &&
           columns[j].field_id == c.field_id && columns[j].template_id == c.template_id) {
      g << (j > i ? " " : "") << names[j];
      ++j;
    }
    g << "\n";
    groups.push_back(g.str());
    i = j;
  }
  if (!groups.empty()) {
    s << "MRSETS\n";
    for (const auto& g : groups) s << g;
    s << ".\n";
  }
  s << "* Lưu lại để giữ MRSETS trong tệp .sav (save to keep the sets):\n"
       "* SAVE OUTFILE="
    << Quoted(sav_file_name) << ".\n";
  return s.str();
}

}  // namespace phieu::exports::internal
