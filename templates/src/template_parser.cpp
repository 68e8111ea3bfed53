// Copyright 2026 The Phiếu Authors
// SPDX-License-Identifier: Apache-2.0
//
// Template JSON -> Template, collecting every problem with its JSON path (templates/README.md).
#include <glib.h>

#include <chrono>
#include <cmath>
#include <cstdint>
#include <ctime>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <regex>
#include <set>
#include <sstream>

#include "form_plan.h"
#include "templates/templates.h"

namespace phieu::templates {
namespace {

using nlohmann::json;

constexpr int kMaxDigits = 15;
constexpr int kMaxLines = 12;
constexpr int kMaxColumns = 6;
constexpr int kMaxLevels = 10;
constexpr size_t kMaxQuestionIdLength = 64;
// Bounds that keep checking, laying out and printing any template cheap (templates/README.md
// "Limits"): a template is a few tens of KiB; the largest bundled one is well inside each.
constexpr long kMaxVersion = 2147483647;  // 2^31 - 1: what an anchor and the survey store hold.
constexpr size_t kMaxTitleChars = 200;    // title, subtitle, agency, section titles, labels
constexpr size_t kMaxTextChars = 400;     // question and row text, hints, option values
constexpr size_t kMaxLongTextChars = 2000;  // instructions, closing, section intros
constexpr size_t kMaxSections = 50;
constexpr size_t kMaxQuestionsPerSection = 200;
constexpr size_t kMaxQuestions = 250;     // in the whole template
constexpr size_t kMaxOptions = 40;        // per question
constexpr size_t kMaxScaleRows = 60;      // per scale question
constexpr size_t kMaxScales = 30;
constexpr size_t kMaxFields = 1000;       // export columns: questions and scale rows
// All printed text together: laying it out is what costs (~3 us a character), so this bounds
// `template check`, render and registration to well under a second whatever the counts.
constexpr size_t kMaxTotalChars = 60'000;

int CurrentYear() {
  std::time_t now = std::time(nullptr);
  std::tm tm_now{};
  localtime_r(&now, &tm_now);
  return tm_now.tm_year + 1900;
}

/// 1-based line and column of a byte offset, for syntax and encoding errors.
std::string LineColumn(std::string_view text, size_t byte) {
  int line = 1, column = 1;
  for (size_t i = 0; i < byte && i < text.size(); ++i) {
    if (text[i] == '\n') {
      ++line;
      column = 1;
    } else if ((static_cast<unsigned char>(text[i]) & 0xC0) != 0x80) {
      ++column;  // count code points, not bytes
    }
  }
  return "line " + std::to_string(line) + ", column " + std::to_string(column);
}

std::string Quote(const std::string& s) { return "\"" + s + "\""; }

/// Walks the parsed JSON once, filling a Template and a problem list side by side.
class Validator {
 public:
  explicit Validator(std::vector<Problem>& problems) : problems_(problems) {}

  Template Run(const json& root) {
    Template tpl;
    if (!root.is_object()) {
      Report("", "the template must be a JSON object");
      return tpl;
    }
    CheckKeys(root, "",
              {"id", "version", "title", "subtitle", "agency", "national_header", "instructions",
               "closing", "paper", "scales", "sections", "scoring"});
    tpl.id = RequiredString(root, "id", "");
    static const std::regex kIdPattern("[a-z0-9_-]{1,32}");
    if (root.contains("id") && root["id"].is_string() && !std::regex_match(tpl.id, kIdPattern))
      Report("id", "template id " + Quote(tpl.id) + " must match [a-z0-9_-]{1,32}");
    if (!root.contains("version")) {
      Report("version", "missing required key");
    } else {
      // Judged on the JSON number itself: no float, no string, nothing that wraps in an int.
      const json& v = root["version"];
      const bool whole = v.is_number_integer();
      const bool in_range = v.is_number_unsigned() ? v.get<std::uint64_t>() <= static_cast<std::uint64_t>(kMaxVersion)
                                                   : whole && v.get<std::int64_t>() >= 1 &&
                                                         v.get<std::int64_t>() <= kMaxVersion;
      if (!whole || !in_range || v.get<std::int64_t>() < 1)
        Report("version", "version must be a whole number from 1 to " + std::to_string(kMaxVersion) +
                              ", got " + v.dump());
      else
        tpl.version = static_cast<int>(v.get<std::int64_t>());
    }
    tpl.title = RequiredString(root, "title", "", kMaxTitleChars);
    tpl.subtitle = OptionalString(root, "subtitle", "", kMaxTitleChars);
    tpl.agency = OptionalString(root, "agency", "", kMaxTitleChars);
    tpl.instructions = OptionalString(root, "instructions", "", kMaxLongTextChars);
    tpl.closing = OptionalString(root, "closing", "", kMaxLongTextChars);
    if (root.contains("national_header")) {
      if (root["national_header"].is_boolean())
        tpl.national_header = root["national_header"].get<bool>();
      else
        Report("national_header", "must be true or false");
    }
    if (root.contains("paper")) {
      const json& p = root["paper"];
      std::string name = p.is_string() ? p.get<std::string>() : p.dump();
      if (name == "A4") tpl.paper = Paper{"A4", 210.0, 297.0};
      else if (name == "A5") tpl.paper = Paper{"A5", 148.0, 210.0};
      else if (name == "Letter") tpl.paper = Paper{"Letter", 215.9, 279.4};
      else Report("paper", "unknown paper " + Quote(name) + " (use \"A4\", \"A5\" or \"Letter\")");
    }
    if (root.contains("scales")) ParseScales(root["scales"], tpl);
    if (!root.contains("sections")) {
      Report("sections", "missing required key");
    } else if (!root["sections"].is_array() || root["sections"].empty()) {
      Report("sections", "must be a non-empty array of sections");
    } else if (root["sections"].size() > kMaxSections) {
      Report("sections", "at most " + std::to_string(kMaxSections) + " sections, got " +
                             std::to_string(root["sections"].size()));
    } else {
      std::set<std::string> section_ids;
      const json& sections = root["sections"];
      for (size_t i = 0; i < sections.size(); ++i) {
        std::string path = "sections[" + std::to_string(i) + "]";
        Section s = ParseSection(sections[i], path, tpl);
        if (!s.id.empty() && !section_ids.insert(s.id).second)
          Report(path + ".id", "duplicate section id " + Quote(s.id));
        tpl.sections.push_back(std::move(s));
      }
    }
    if (root.contains("scoring")) ParseScoring(root["scoring"], tpl);
    return tpl;
  }

 private:
  void Report(const std::string& path, const std::string& message) {
    problems_.push_back(Problem{path, message});
  }

  static std::string Join(const std::string& path, const std::string& key) {
    return path.empty() ? key : path + "." + key;
  }

  /// Unknown keys are almost always typos ("colums"), which would otherwise be silently
  /// ignored; keys starting with "$" or "_" are free for comments.
  void CheckKeys(const json& obj, const std::string& path, std::initializer_list<const char*> known) {
    for (auto it = obj.begin(); it != obj.end(); ++it) {
      const std::string& key = it.key();
      if (!key.empty() && (key[0] == '$' || key[0] == '_')) continue;
      bool found = false;
      for (const char* k : known) found = found || key == k;
      if (!found) Report(Join(path, key), "unknown key " + Quote(key));
    }
  }

  /// Validates UTF-8 and length (in code points, at most `max_chars`) and returns the NFC
  /// form. nlohmann rejects bad UTF-8 while parsing, but a Template may also reach here
  /// through other routes, so check again.
  std::string Text(const std::string& s, const std::string& path, size_t max_chars = kMaxTextChars) {
    // Length first, from the bytes (a code point is 1-4 bytes), before anything costly.
    if (s.size() > max_chars) {
      size_t chars = 0;
      for (unsigned char c : s) chars += (c & 0xC0) != 0x80;
      if (chars > max_chars) {
        Report(path, "at most " + std::to_string(max_chars) + " characters, got " + std::to_string(chars));
        return {};
      }
    }
    const char* end = nullptr;
    if (!g_utf8_validate(s.data(), static_cast<gssize>(s.size()), &end)) {
      Report(path, "invalid UTF-8 at byte " + std::to_string(end - s.data()));
      return {};
    }
    const bool within = total_chars_ <= kMaxTotalChars;
    total_chars_ += static_cast<size_t>(g_utf8_strlen(s.data(), static_cast<gssize>(s.size())));
    if (within && total_chars_ > kMaxTotalChars) {
      Report(path, "the template's texts add up to more than " + std::to_string(kMaxTotalChars) +
                       " characters here (templates/README.md, Limits)");
      return {};
    }
    gchar* nfc = g_utf8_normalize(s.data(), static_cast<gssize>(s.size()), G_NORMALIZE_NFC);
    if (nfc == nullptr) {
      Report(path, "text cannot be normalised to NFC");
      return {};
    }
    std::string out(nfc);
    g_free(nfc);
    return out;
  }

  std::string RequiredString(const json& obj, const char* key, const std::string& path,
                             size_t max_chars = kMaxTextChars) {
    std::string p = Join(path, key);
    if (!obj.contains(key)) {
      Report(p, "missing required key");
      return {};
    }
    const json& v = obj[key];
    if (!v.is_string()) {
      Report(p, "must be a string");
      return {};
    }
    const size_t problems_before = problems_.size();
    std::string s = Text(v.get_ref<const std::string&>(), p, max_chars);
    if (problems_.size() == problems_before && s.find_first_not_of(" \t\r\n") == std::string::npos)
      Report(p, "must not be empty");
    return s;
  }

  std::string OptionalString(const json& obj, const char* key, const std::string& path,
                             size_t max_chars = kMaxTextChars) {
    if (!obj.contains(key)) return {};
    const json& v = obj[key];
    if (!v.is_string()) {
      Report(Join(path, key), "must be a string");
      return {};
    }
    return Text(v.get_ref<const std::string&>(), Join(path, key), max_chars);
  }

  /// A whole number within +-10^15 (every count and bound a template has is far smaller; the
  /// callers check their own ranges). Nothing is converted before it is known to fit.
  std::optional<long> Integer(const json& v, const std::string& path) {
    constexpr long kLimit = 1'000'000'000'000'000L;
    if (v.is_number_unsigned() && v.get<std::uint64_t>() > static_cast<std::uint64_t>(kLimit)) {
      Report(path, "number too large: " + v.dump());
      return std::nullopt;
    }
    if (v.is_number_integer()) {
      const std::int64_t n = v.get<std::int64_t>();
      if (n > kLimit || n < -kLimit) {
        Report(path, "number too large: " + v.dump());
        return std::nullopt;
      }
      return static_cast<long>(n);
    }
    if (v.is_number_float()) {
      double d = v.get<double>();
      if (!(std::abs(d) <= static_cast<double>(kLimit))) {
        Report(path, "number too large: " + v.dump());
        return std::nullopt;
      }
      if (d == static_cast<double>(static_cast<long>(d))) return static_cast<long>(d);
      Report(path, "must be a whole number, got " + v.dump());
      return std::nullopt;
    }
    Report(path, "must be a number, got " + v.dump());
    return std::nullopt;
  }

  std::optional<long> OptionalInteger(const json& obj, const char* key, const std::string& path) {
    if (!obj.contains(key)) return std::nullopt;
    return Integer(obj[key], Join(path, key));
  }

  bool Id(const std::string& id, const std::string& path, const char* what) {
    static const std::regex kPattern("[A-Za-z0-9_.-]+");
    if (id.empty()) return false;
    if (id.size() > kMaxQuestionIdLength || !std::regex_match(id, kPattern)) {
      Report(path, std::string(what) + " " + Quote(id) + " must match [A-Za-z0-9_.-]{1,64}");
      return false;
    }
    return true;
  }

  std::vector<Option> ParseOptions(const json& arr, const std::string& path, size_t min_count) {
    std::vector<Option> out;
    if (!arr.is_array()) {
      Report(path, "must be an array of options");
      return out;
    }
    if (arr.size() < min_count)
      Report(path, "needs at least " + std::to_string(min_count) + " options, got " +
                       std::to_string(arr.size()));
    if (arr.size() > kMaxOptions) {
      Report(path, "at most " + std::to_string(kMaxOptions) + " options, got " + std::to_string(arr.size()));
      return out;
    }
    std::set<std::string> values;
    for (size_t i = 0; i < arr.size(); ++i) {
      std::string p = path + "[" + std::to_string(i) + "]";
      const json& o = arr[i];
      if (!o.is_object()) {
        Report(p, "an option must be an object {\"value\": …, \"label\": …}");
        continue;
      }
      CheckKeys(o, p, {"value", "label"});
      Option opt;
      if (!o.contains("value")) {
        Report(p + ".value", "missing required key");
      } else if (o["value"].is_number()) {
        opt.numeric = true;
        opt.value = o["value"].dump();
      } else if (o["value"].is_string()) {
        opt.value = Text(o["value"].get<std::string>(), p + ".value");
        if (opt.value.empty()) Report(p + ".value", "must not be empty");
        if (opt.value.find_first_of("\t\r\n") != std::string::npos)
          Report(p + ".value", "must not contain tabs or line breaks");
      } else {
        Report(p + ".value", "must be a number or a string");
      }
      opt.label = RequiredString(o, "label", p, kMaxTitleChars);
      if (!opt.value.empty() && !values.insert(opt.value).second)
        Report(p + ".value", "duplicate option value " + opt.value);
      out.push_back(std::move(opt));
    }
    return out;
  }

  void ParseScales(const json& scales, Template& tpl) {
    if (!scales.is_object()) {
      Report("scales", "must be an object: scale id -> {\"levels\": [...]}");
      return;
    }
    if (scales.size() > kMaxScales) {
      Report("scales", "at most " + std::to_string(kMaxScales) + " scales, got " + std::to_string(scales.size()));
      return;
    }
    for (auto it = scales.begin(); it != scales.end(); ++it) {
      std::string p = "scales." + it.key();
      Scale s;
      s.id = it.key();
      Id(s.id, p, "scale id");
      const json& body = it.value();
      if (!body.is_object()) {
        Report(p, "must be an object {\"levels\": [...]}");
        continue;
      }
      CheckKeys(body, p, {"levels"});
      if (!body.contains("levels")) {
        Report(p + ".levels", "missing required key");
      } else {
        s.levels = ParseOptions(body["levels"], p + ".levels", 2);
        if (s.levels.size() > static_cast<size_t>(kMaxLevels))
          Report(p + ".levels", "at most " + std::to_string(kMaxLevels) + " levels fit a grid, got " +
                                    std::to_string(s.levels.size()));
      }
      tpl.scales.push_back(std::move(s));
    }
  }

  Section ParseSection(const json& s, const std::string& path, const Template& tpl) {
    Section out;
    if (!s.is_object()) {
      Report(path, "a section must be an object");
      return out;
    }
    CheckKeys(s, path, {"id", "title", "intro", "questions"});
    out.id = RequiredString(s, "id", path);
    Id(out.id, Join(path, "id"), "section id");
    out.title = RequiredString(s, "title", path, kMaxTitleChars);
    out.intro = OptionalString(s, "intro", path, kMaxLongTextChars);
    std::string qp = Join(path, "questions");
    if (!s.contains("questions")) {
      Report(qp, "missing required key");
    } else if (!s["questions"].is_array() || s["questions"].empty()) {
      Report(qp, "must be a non-empty array of questions");
    } else if (s["questions"].size() > kMaxQuestionsPerSection) {
      Report(qp, "at most " + std::to_string(kMaxQuestionsPerSection) + " questions in a section, got " +
                     std::to_string(s["questions"].size()));
    } else if ((questions_ += s["questions"].size()) > kMaxQuestions) {
      Report(qp, "at most " + std::to_string(kMaxQuestions) + " questions in a template, got " +
                     std::to_string(questions_) + " so far");
    } else {
      const json& qs = s["questions"];
      for (size_t i = 0; i < qs.size(); ++i)
        out.questions.push_back(ParseQuestion(qs[i], qp + "[" + std::to_string(i) + "]", tpl));
    }
    return out;
  }

  /// Question ids, scale-row ids and generated row ids share one space: each is an export column.
  void ClaimId(const std::string& id, const std::string& path) {
    if (id.empty()) return;
    if (ids_.size() >= kMaxFields) {
      if (ids_.size() == kMaxFields)
        Report(path, "at most " + std::to_string(kMaxFields) + " fields (questions and scale rows) in a template");
      ids_.emplace("", path);  // report once
      return;
    }
    auto [it, inserted] = ids_.emplace(id, path);
    if (!inserted) Report(path, "duplicate id " + Quote(id) + " (already used at " + it->second + ")");
  }

  Question ParseQuestion(const json& q, const std::string& path, const Template& tpl) {
    Question out;
    if (!q.is_object()) {
      Report(path, "a question must be an object");
      return out;
    }
    out.id = RequiredString(q, "id", path);
    if (Id(out.id, Join(path, "id"), "question id")) ClaimId(out.id, Join(path, "id"));
    out.text = RequiredString(q, "text", path);
    out.hint = OptionalString(q, "hint", path);
    if (q.contains("required")) {
      if (q["required"].is_boolean())
        out.required = q["required"].get<bool>();
      else
        Report(Join(path, "required"), "must be true or false");
    }
    if (q.contains("personal")) {
      if (q["personal"].is_boolean())
        out.personal = q["personal"].get<bool>();
      else
        Report(Join(path, "personal"), "must be true or false");
    }
    std::optional<core::FieldKind> kind;
    if (!q.contains("kind")) {
      Report(Join(path, "kind"), "missing required key");
    } else if (!q["kind"].is_string() || !(kind = core::ParseFieldKind(q["kind"].get<std::string>()))) {
      std::string name = q["kind"].is_string() ? q["kind"].get<std::string>() : q["kind"].dump();
      Report(Join(path, "kind"),
             "unknown kind " + Quote(name) + " (use single, multi, scale, digits or text)");
    }
    if (!kind) {
      CheckKeys(q, path, {"id", "kind", "text", "hint", "required", "personal", "options", "columns", "max",
                          "scale", "rows", "digits", "range", "lines"});
      return out;
    }
    out.kind = *kind;
    switch (out.kind) {
      case core::FieldKind::kSingle:
      case core::FieldKind::kMulti: {
        if (out.kind == core::FieldKind::kSingle)
          CheckKeys(q, path, {"id", "kind", "text", "hint", "required", "personal", "options", "columns"});
        else
          CheckKeys(q, path, {"id", "kind", "text", "hint", "required", "personal", "options", "columns", "max"});
        if (!q.contains("options"))
          Report(Join(path, "options"), "missing required key");
        else
          out.options = ParseOptions(q["options"], Join(path, "options"), 2);
        if (auto c = OptionalInteger(q, "columns", path)) {
          if (*c < 1 || *c > kMaxColumns)
            Report(Join(path, "columns"), "columns must be 1.." + std::to_string(kMaxColumns) +
                                              ", got " + std::to_string(*c));
          else
            out.columns = static_cast<int>(*c);
        }
        if (out.kind == core::FieldKind::kMulti) {
          if (auto m = OptionalInteger(q, "max", path)) {
            long n = static_cast<long>(out.options.size());
            if (*m < 1 || *m > n)
              Report(Join(path, "max"), "max must be between 1 and the number of options (" +
                                            std::to_string(n) + "), got " + std::to_string(*m));
            else
              out.max = static_cast<int>(*m);
          }
        }
        break;
      }
      case core::FieldKind::kScale: {
        CheckKeys(q, path, {"id", "kind", "text", "hint", "required", "personal", "scale", "rows"});
        std::string sp = Join(path, "scale");
        if (!q.contains("scale")) {
          Report(sp, "missing required key");
        } else if (!q["scale"].is_string()) {
          Report(sp, "must be the id of a scale in \"scales\"");
        } else {
          out.scale = q["scale"].get<std::string>();
          if (tpl.FindScale(out.scale) == nullptr) Report(sp, "unknown scale " + Quote(out.scale));
        }
        std::string rp = Join(path, "rows");
        if (!q.contains("rows")) {
          Report(rp, "missing required key");
        } else if (!q["rows"].is_array() || q["rows"].empty()) {
          Report(rp, "must be a non-empty array of {\"id\"?, \"text\"}");
        } else if (q["rows"].size() > kMaxScaleRows) {
          Report(rp, "at most " + std::to_string(kMaxScaleRows) + " rows, got " + std::to_string(q["rows"].size()));
        } else {
          const json& rows = q["rows"];
          for (size_t i = 0; i < rows.size(); ++i) {
            std::string p = rp + "[" + std::to_string(i) + "]";
            ScaleRow row;
            if (!rows[i].is_object()) {
              Report(p, "a row must be an object {\"id\"?, \"text\"}");
              continue;
            }
            CheckKeys(rows[i], p, {"id", "text"});
            if (rows[i].contains("id")) {
              row.id = RequiredString(rows[i], "id", p);
              if (!Id(row.id, p + ".id", "row id")) row.id.clear();
            } else if (!out.id.empty()) {
              row.id = out.id + "_" + std::to_string(i + 1);
            }
            ClaimId(row.id, rows[i].contains("id") ? p + ".id" : p);
            row.text = RequiredString(rows[i], "text", p);
            out.rows.push_back(std::move(row));
          }
        }
        break;
      }
      case core::FieldKind::kDigits: {
        CheckKeys(q, path, {"id", "kind", "text", "hint", "required", "personal", "digits", "range"});
        std::string dp = Join(path, "digits");
        if (!q.contains("digits")) {
          Report(dp, "missing required key");
        } else if (auto d = Integer(q["digits"], dp)) {
          if (*d < 1 || *d > kMaxDigits)
            Report(dp, "digits must be 1.." + std::to_string(kMaxDigits) + ", got " + std::to_string(*d));
          else
            out.digits = static_cast<int>(*d);
        }
        if (q.contains("range")) ParseRange(q["range"], Join(path, "range"), out);
        break;
      }
      case core::FieldKind::kText: {
        CheckKeys(q, path, {"id", "kind", "text", "hint", "required", "personal", "lines"});
        std::string lp = Join(path, "lines");
        if (!q.contains("lines")) {
          Report(lp, "missing required key");
        } else if (auto l = Integer(q["lines"], lp)) {
          if (*l < 1 || *l > kMaxLines)
            Report(lp, "lines must be 1.." + std::to_string(kMaxLines) + ", got " + std::to_string(*l));
          else
            out.lines = static_cast<int>(*l);
        }
        break;
      }
    }
    return out;
  }

  void ParseRange(const json& r, const std::string& path, Question& q) {
    if (!r.is_object()) {
      Report(path, "must be an object {\"min\": N, \"max\": N | \"current_year\"}");
      return;
    }
    CheckKeys(r, path, {"min", "max"});
    if (!r.contains("min") && !r.contains("max")) {
      Report(path, "needs \"min\" or \"max\"");
      return;
    }
    if (r.contains("min")) {
      if (auto v = Integer(r["min"], path + ".min")) {
        if (*v < 0) Report(path + ".min", "must be >= 0");
        else q.range_min = *v;
      }
    }
    if (r.contains("max")) {
      const json& m = r["max"];
      if (m.is_string()) {
        if (m.get<std::string>() == "current_year")
          q.range_max = CurrentYear();
        else
          Report(path + ".max", "must be a number or \"current_year\", got " + m.dump());
      } else if (auto v = Integer(m, path + ".max")) {
        if (*v < 0) Report(path + ".max", "must be >= 0");
        else q.range_max = *v;
      }
    }
    if (q.range_min && q.range_max && *q.range_min > *q.range_max)
      Report(path, "min " + std::to_string(*q.range_min) + " is greater than max " +
                       std::to_string(*q.range_max));
    if (q.digits > 0) {
      long limit = 1;
      for (int i = 0; i < q.digits && limit < 1000000000000000L; ++i) limit *= 10;
      for (auto [bound, key] : {std::pair{q.range_min, ".min"}, std::pair{q.range_max, ".max"}}) {
        if (bound && *bound >= limit)
          Report(path + key, std::to_string(*bound) + " does not fit in " + std::to_string(q.digits) +
                                 " digits");
      }
    }
  }

  /// `scoring` (templates/README.md, "Scoring"): runs after the sections, so every criterion
  /// can be checked against the scale rows the template really has.
  void ParseScoring(const json& sc, Template& tpl) {
    const std::string path = "scoring";
    if (!sc.is_object()) {
      Report(path, "must be an object {\"satisfied\", \"elements\", \"expectations\"?}");
      return;
    }
    CheckKeys(sc, path, {"satisfied", "elements", "expectations"});
    // Every scale row of the template -> its scale; multi questions for `expectations`.
    std::map<std::string, const Scale*> rows;
    std::set<std::string> multis;
    for (const auto& section : tpl.sections)
      for (const auto& q : section.questions) {
        if (q.kind == core::FieldKind::kScale)
          for (const auto& r : q.rows) rows[r.id] = tpl.FindScale(q.scale);
        if (q.kind == core::FieldKind::kMulti) multis.insert(q.id);
      }
    Scoring out;
    if (!sc.contains("satisfied")) {
      Report(path + ".satisfied", "missing required key");
    } else if (!sc["satisfied"].is_array() || sc["satisfied"].empty()) {
      Report(path + ".satisfied", "must be a non-empty array of level values, e.g. [4, 5]");
    } else {
      for (size_t i = 0; i < sc["satisfied"].size(); ++i) {
        const json& v = sc["satisfied"][i];
        if (v.is_number()) out.satisfied.push_back(v.dump());
        else if (v.is_string()) out.satisfied.push_back(v.get<std::string>());
        else Report(path + ".satisfied[" + std::to_string(i) + "]", "must be a level value");
      }
    }
    std::set<std::string> used;
    std::set<std::string> element_ids;
    if (!sc.contains("elements")) {
      Report(path + ".elements", "missing required key");
    } else if (!sc["elements"].is_array() || sc["elements"].empty()) {
      Report(path + ".elements", "must be a non-empty array of {\"id\", \"name\", \"criteria\"}");
    } else {
      const json& els = sc["elements"];
      for (size_t i = 0; i < els.size(); ++i) {
        std::string p = path + ".elements[" + std::to_string(i) + "]";
        if (!els[i].is_object()) {
          Report(p, "an element must be an object {\"id\", \"name\", \"criteria\"}");
          continue;
        }
        CheckKeys(els[i], p, {"id", "name", "criteria"});
        ScoringElement e;
        e.id = RequiredString(els[i], "id", p);
        if (Id(e.id, p + ".id", "element id") && !element_ids.insert(e.id).second)
          Report(p + ".id", "duplicate element id " + Quote(e.id));
        e.name = RequiredString(els[i], "name", p);
        std::string cp = p + ".criteria";
        if (!els[i].contains("criteria")) {
          Report(cp, "missing required key");
        } else if (!els[i]["criteria"].is_array() || els[i]["criteria"].empty()) {
          Report(cp, "must be a non-empty array of scale row ids");
        } else {
          const json& cs = els[i]["criteria"];
          for (size_t k = 0; k < cs.size(); ++k) {
            std::string kp = cp + "[" + std::to_string(k) + "]";
            if (!cs[k].is_string()) {
              Report(kp, "must be the id of a scale row");
              continue;
            }
            std::string id = cs[k].get<std::string>();
            auto it = rows.find(id);
            if (it == rows.end()) {
              Report(kp, "unknown criterion " + Quote(id) + " (not a row of a scale question)");
              continue;
            }
            if (!used.insert(id).second)
              Report(kp, "criterion " + Quote(id) + " is already in another element");
            // Every satisfied level must exist on the criterion's scale, and a mean needs
            // numeric levels.
            if (const Scale* scale = it->second) {
              for (const auto& v : out.satisfied) {
                bool found = false;
                for (const auto& l : scale->levels) found = found || l.value == v;
                if (!found)
                  Report(kp, "satisfied level " + v + " is not a level of scale " + Quote(scale->id));
              }
              for (const auto& l : scale->levels)
                if (!l.numeric) {
                  Report(kp, "scale " + Quote(scale->id) + " has a non-numeric level " +
                                 Quote(l.value) + ": a mean level needs numbers");
                  break;
                }
            }
            e.criteria.push_back(id);
          }
        }
        out.elements.push_back(std::move(e));
      }
    }
    if (sc.contains("expectations")) {
      const json& x = sc["expectations"];
      if (!x.is_string())
        Report(path + ".expectations", "must be the id of a multi question");
      else if (!multis.count(x.get<std::string>()))
        Report(path + ".expectations", "unknown multi question " + Quote(x.get<std::string>()));
      else
        out.expectations = x.get<std::string>();
    }
    tpl.scoring = std::move(out);
  }

  std::vector<Problem>& problems_;
  std::map<std::string, std::string> ids_;  ///< id -> path of first use.
  size_t questions_ = 0;                    ///< questions seen in all sections so far.
  size_t total_chars_ = 0;                  ///< characters of every text seen so far.
};

/// Parses and validates; `tpl` is meaningful only when the returned list is empty.
std::vector<Problem> ParseAndValidate(std::string_view text, Template& tpl) {
  std::vector<Problem> problems;
  if (text.size() > kMaxTemplateBytes) {
    problems.push_back(Problem{"", "template of " + std::to_string(text.size()) + " bytes is over the limit of " +
                                       std::to_string(kMaxTemplateBytes) + " bytes"});
    return problems;
  }
  const char* end = nullptr;
  if (!g_utf8_validate(text.data(), static_cast<gssize>(text.size()), &end)) {
    size_t byte = static_cast<size_t>(end - text.data());
    problems.push_back(Problem{"", "invalid UTF-8 at " + LineColumn(text, byte) + " (byte " +
                                       std::to_string(byte) + "); save the file as UTF-8"});
    return problems;
  }
  json root;
  try {
    root = json::parse(text.begin(), text.end());
  } catch (const json::parse_error& e) {
    // e.what() is "[json.exception.parse_error.101] parse error at line 3, column 5: ..."; keep
    // the human part after the location.
    std::string what = e.what();
    size_t colon = what.find(": ", what.find("parse error"));
    std::string detail = colon == std::string::npos ? what : what.substr(colon + 2);
    size_t byte = e.byte > 0 ? e.byte - 1 : 0;
    problems.push_back(Problem{"", "JSON syntax error at " + LineColumn(text, byte) + ": " + detail});
    return problems;
  } catch (const json::exception& e) {
    // A number too large for a double ("version": 1e400) is an out_of_range, not a parse_error
    // (found by fuzz_template: it ended the process).
    std::string what = e.what();
    size_t bracket = what.find("] ");
    problems.push_back(Problem{"", "JSON cannot be read: " + (bracket == std::string::npos ? what : what.substr(bracket + 2))});
    return problems;
  }
  Validator validator(problems);
  tpl = validator.Run(root);
  tpl.source_json = std::string(text);
  if (problems.empty()) {
    // Only a structurally valid template can be laid out; a question taller than a page is a
    // template problem too, reported with its path.
    for (const auto& p : internal::PlanForm(tpl, LayoutOptions{}).problems) problems.push_back(p);
  }
  return problems;
}

}  // namespace

std::vector<Problem> ValidateTemplate(std::string_view json_text) {
  Template tpl;
  return ParseAndValidate(json_text, tpl);
}

core::Result<Template> ParseTemplate(std::string_view json_text, const std::string& source_name) {
  Template tpl;
  std::vector<Problem> problems = ParseAndValidate(json_text, tpl);
  if (problems.empty()) return tpl;
  std::string prefix = source_name.empty() ? "template" : source_name;
  std::string message;
  for (const auto& p : problems) {
    if (!message.empty()) message += '\n';
    message += prefix + ": " + p.ToString();
  }
  return core::MakeError("invalid", message);
}

core::Result<Template> LoadTemplate(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary | std::ios::ate);
  if (!in) return core::MakeError("io", path.string() + ": cannot open template file");
  // The size first: a huge file is refused without being read.
  const std::streamoff size = in.tellg();
  if (size > static_cast<std::streamoff>(kMaxTemplateBytes))
    return core::MakeError("invalid", path.string() + ": template file of " + std::to_string(size) +
                                          " bytes is over the limit of " + std::to_string(kMaxTemplateBytes) +
                                          " bytes (templates/README.md, Limits)");
  in.seekg(0);
  std::ostringstream buffer;
  buffer << in.rdbuf();
  if (in.bad()) return core::MakeError("io", path.string() + ": cannot read template file");
  return ParseTemplate(buffer.str(), path.string());
}

}  // namespace phieu::templates
