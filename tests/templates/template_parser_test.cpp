// Copyright 2026 The Phiếu Authors
// SPDX-License-Identifier: Apache-2.0
#include <gtest/gtest.h>

#include <ctime>
#include <functional>
#include <nlohmann/json.hpp>

#include "templates/templates.h"
#include "templates/test_util.h"

namespace phieu::templates {
namespace {

using nlohmann::json;
using testing::ReadFile;
using testing::TestDataPath;

json BaseTemplate() { return json::parse(ReadFile(TestDataPath("all_kinds.json"))); }

std::vector<std::string> ProblemsOf(const json& j) {
  std::vector<std::string> out;
  for (const auto& p : ValidateTemplate(j.dump())) out.push_back(p.ToString());
  return out;
}

std::string Joined(const std::vector<std::string>& v) {
  std::string s;
  for (const auto& x : v) s += "  " + x + "\n";
  return s;
}

/// True when some problem has exactly this path and its message contains `fragment`.
bool HasProblem(const std::vector<Problem>& problems, const std::string& path, const std::string& fragment) {
  for (const auto& p : problems)
    if (p.path == path && p.message.find(fragment) != std::string::npos) return true;
  return false;
}

TEST(TemplateParserTest, AcceptsGoodTemplate) {
  std::string text = ReadFile(TestDataPath("all_kinds.json"));
  auto tpl = ParseTemplate(text, "all_kinds.json");
  ASSERT_TRUE(tpl.ok()) << tpl.error().message;
  EXPECT_EQ(tpl->id, "test-all-kinds");
  EXPECT_EQ(tpl->version, 2);
  EXPECT_EQ(tpl->paper.name, "A4");
  EXPECT_TRUE(tpl->national_header);
  ASSERT_EQ(tpl->sections.size(), 2u);
  const Question& gender = tpl->sections[0].questions[0];
  EXPECT_EQ(gender.kind, core::FieldKind::kSingle);
  EXPECT_TRUE(gender.required);
  ASSERT_EQ(gender.options.size(), 2u);
  EXPECT_EQ(gender.options[1].value, "2");
  EXPECT_TRUE(gender.options[1].numeric);
  EXPECT_EQ(gender.options[1].label, "Nữ");
  const Question& channel = tpl->sections[0].questions[3];
  EXPECT_EQ(channel.options[0].value, "a");
  EXPECT_FALSE(channel.options[0].numeric);
  EXPECT_EQ(channel.columns, 1);
  const Question& sat = tpl->sections[1].questions[0];
  EXPECT_EQ(sat.kind, core::FieldKind::kScale);
  ASSERT_EQ(sat.rows.size(), 4u);
  EXPECT_EQ(sat.rows[0].id, "sat_access");
  EXPECT_EQ(sat.rows[2].id, "sat_3");  // generated: <question id>_<n>, 1-based
  ASSERT_NE(tpl->FindScale("sat5"), nullptr);
  EXPECT_EQ(tpl->FindScale("sat5")->levels[4].label, "Rất hài lòng");
  EXPECT_EQ(tpl->sections[1].questions[1].max, 3);
  EXPECT_EQ(tpl->sections[1].questions[3].lines, 3);
  EXPECT_EQ(tpl->source_json, text);
}

TEST(TemplateParserTest, ResolvesCurrentYear) {
  auto tpl = ParseTemplate(ReadFile(TestDataPath("all_kinds.json")));
  ASSERT_TRUE(tpl.ok());
  const Question& yob = tpl->sections[0].questions[1];
  std::time_t now = std::time(nullptr);
  std::tm tm_now{};
  localtime_r(&now, &tm_now);
  ASSERT_TRUE(yob.range_min && yob.range_max);
  EXPECT_EQ(*yob.range_min, 1920);
  EXPECT_EQ(*yob.range_max, tm_now.tm_year + 1900);
}

TEST(TemplateParserTest, DefaultsWhenOptionalKeysAbsent) {
  json j = BaseTemplate();
  j.erase("agency");
  j.erase("subtitle");
  j.erase("closing");
  j["paper"] = "A5";
  j["national_header"] = false;
  auto tpl = ParseTemplate(j.dump());
  ASSERT_TRUE(tpl.ok()) << tpl.error().message;
  EXPECT_EQ(tpl->paper.name, "A5");
  EXPECT_DOUBLE_EQ(tpl->paper.width_mm, 148.0);
  EXPECT_FALSE(tpl->national_header);
  EXPECT_TRUE(tpl->agency.empty());
}

struct BadCase {
  const char* name;
  std::function<void(json&)> mutate;
  const char* path;
  const char* fragment;
};

TEST(TemplateParserTest, ReportsEachProblemWithItsPath) {
  const std::vector<BadCase> cases = {
      {"unknown scale", [](json& j) { j["sections"][1]["questions"][0]["scale"] = "sat7"; },
       "sections[1].questions[0].scale", "unknown scale \"sat7\""},
      {"duplicate question id", [](json& j) { j["sections"][0]["questions"][1]["id"] = "gender"; },
       "sections[0].questions[1].id", "duplicate id \"gender\""},
      {"question id clashes with a scale row id",
       [](json& j) { j["sections"][1]["questions"][1]["id"] = "sat_access"; },
       "sections[1].questions[1].id", "duplicate id \"sat_access\""},
      {"question id clashes with a generated row id",
       [](json& j) { j["sections"][1]["questions"][3]["id"] = "sat_3"; }, "sections[1].questions[3].id",
       "duplicate id \"sat_3\""},
      {"row id clashes with an earlier question",
       [](json& j) { j["sections"][1]["questions"][0]["rows"][1]["id"] = "yob"; },
       "sections[1].questions[0].rows[1].id", "duplicate id \"yob\""},
      {"duplicate option value", [](json& j) { j["sections"][0]["questions"][2]["options"][1]["value"] = 1; },
       "sections[0].questions[2].options[1].value", "duplicate option value 1"},
      {"duplicate scale level", [](json& j) { j["scales"]["sat5"]["levels"][3]["value"] = 2; },
       "scales.sat5.levels[3].value", "duplicate option value 2"},
      {"one option", [](json& j) { j["sections"][0]["questions"][0]["options"].erase(1); },
       "sections[0].questions[0].options", "at least 2 options"},
      {"empty options", [](json& j) { j["sections"][0]["questions"][0]["options"] = json::array(); },
       "sections[0].questions[0].options", "at least 2 options"},
      {"missing options", [](json& j) { j["sections"][0]["questions"][0].erase("options"); },
       "sections[0].questions[0].options", "missing required key"},
      {"multi max too large", [](json& j) { j["sections"][1]["questions"][1]["max"] = 6; },
       "sections[1].questions[1].max", "between 1 and the number of options (5)"},
      {"multi max zero", [](json& j) { j["sections"][1]["questions"][1]["max"] = 0; },
       "sections[1].questions[1].max", "got 0"},
      {"too many digits", [](json& j) { j["sections"][1]["questions"][2]["digits"] = 16; },
       "sections[1].questions[2].digits", "1..15"},
      {"zero digits", [](json& j) { j["sections"][1]["questions"][2]["digits"] = 0; },
       "sections[1].questions[2].digits", "1..15"},
      {"too many lines", [](json& j) { j["sections"][1]["questions"][3]["lines"] = 13; },
       "sections[1].questions[3].lines", "1..12"},
      {"zero lines", [](json& j) { j["sections"][1]["questions"][3]["lines"] = 0; },
       "sections[1].questions[3].lines", "1..12"},
      {"bad template id", [](json& j) { j["id"] = "Bad ID!"; }, "id", "[a-z0-9_-]{1,32}"},
      {"template id too long", [](json& j) { j["id"] = std::string(33, 'a'); }, "id", "[a-z0-9_-]{1,32}"},
      {"version zero", [](json& j) { j["version"] = 0; }, "version", "from 1 to 2147483647, got 0"},
      {"version not a number", [](json& j) { j["version"] = "1"; }, "version", "whole number from 1 to 2147483647, got \"1\""},
      {"fractional version", [](json& j) { j["version"] = 1.5; }, "version", "whole number"},
      {"unknown kind", [](json& j) { j["sections"][0]["questions"][0]["kind"] = "dropdown"; },
       "sections[0].questions[0].kind", "unknown kind \"dropdown\""},
      {"unknown paper", [](json& j) { j["paper"] = "A3"; }, "paper", "unknown paper \"A3\""},
      {"missing title", [](json& j) { j.erase("title"); }, "title", "missing required key"},
      {"blank title", [](json& j) { j["title"] = "   "; }, "title", "must not be empty"},
      {"scale with one level", [](json& j) { j["scales"]["sat5"]["levels"] = json::array({j["scales"]["sat5"]["levels"][0]}); },
       "scales.sat5.levels", "at least 2 options"},
      {"range min above max",
       [](json& j) { j["sections"][0]["questions"][1]["range"] = {{"min", 2000}, {"max", 1990}}; },
       "sections[0].questions[1].range", "greater than max"},
      {"range max keyword", [](json& j) { j["sections"][0]["questions"][1]["range"]["max"] = "next_year"; },
       "sections[0].questions[1].range.max", "\"current_year\""},
      {"range does not fit the digits", [](json& j) { j["sections"][0]["questions"][1]["digits"] = 2; },
       "sections[0].questions[1].range.min", "does not fit in 2 digits"},
      {"columns out of range", [](json& j) { j["sections"][0]["questions"][3]["columns"] = 9; },
       "sections[0].questions[3].columns", "1..6"},
      {"misspelt key", [](json& j) { j["sections"][0]["questions"][0]["colums"] = 2; },
       "sections[0].questions[0].colums", "unknown key"},
      {"no sections", [](json& j) { j["sections"] = json::array(); }, "sections", "non-empty array"},
      {"empty section", [](json& j) { j["sections"][0]["questions"] = json::array(); },
       "sections[0].questions", "non-empty array"},
      {"no rows", [](json& j) { j["sections"][1]["questions"][0]["rows"] = json::array(); },
       "sections[1].questions[0].rows", "non-empty array"},
      {"missing option label", [](json& j) { j["sections"][0]["questions"][0]["options"][0].erase("label"); },
       "sections[0].questions[0].options[0].label", "missing required key"},
      {"option value of wrong type", [](json& j) { j["sections"][0]["questions"][0]["options"][0]["value"] = true; },
       "sections[0].questions[0].options[0].value", "number or a string"},
      {"national header not bool", [](json& j) { j["national_header"] = "yes"; }, "national_header",
       "true or false"},
      {"bad question id", [](json& j) { j["sections"][0]["questions"][0]["id"] = "giới tính"; },
       "sections[0].questions[0].id", "[A-Za-z0-9_.-]"},
      {"duplicate section id", [](json& j) { j["sections"][1]["id"] = "A"; }, "sections[1].id",
       "duplicate section id \"A\""},
      {"question taller than a page",
       [](json& j) {
         json rows = json::array();
         for (int i = 0; i < 40; ++i) rows.push_back({{"text", "Tiêu chí số " + std::to_string(i)}});
         j["sections"][1]["questions"][0]["rows"] = rows;
       },
       "sections[1].questions[0]", "a page holds"},
  };
  for (const auto& c : cases) {
    json j = BaseTemplate();
    c.mutate(j);
    std::vector<Problem> problems = ValidateTemplate(j.dump());
    std::vector<std::string> text;
    for (const auto& p : problems) text.push_back(p.ToString());
    EXPECT_TRUE(HasProblem(problems, c.path, c.fragment))
        << c.name << ": expected " << c.path << ": …" << c.fragment << "…, got\n" << Joined(text);
  }
}

TEST(TemplateParserTest, ExactMessageForUnknownScale) {
  json j = BaseTemplate();
  j["sections"][1]["questions"][0]["scale"] = "sat7";
  std::vector<std::string> problems = ProblemsOf(j);
  ASSERT_EQ(problems.size(), 1u) << Joined(problems);
  EXPECT_EQ(problems[0], "sections[1].questions[0].scale: unknown scale \"sat7\"");
}

TEST(TemplateParserTest, ReportsAllProblemsAtOnce) {
  json j = BaseTemplate();
  j["version"] = 0;
  j["paper"] = "B5";
  j["sections"][0]["questions"][1]["id"] = "gender";
  j["sections"][1]["questions"][0]["scale"] = "sat7";
  j["sections"][1]["questions"][1]["max"] = 9;
  j["sections"][1]["questions"][3]["lines"] = 40;
  std::string text = j.dump();
  std::vector<Problem> problems = ValidateTemplate(text);
  EXPECT_EQ(problems.size(), 6u);
  EXPECT_TRUE(HasProblem(problems, "version", "from 1 to 2147483647"));
  EXPECT_TRUE(HasProblem(problems, "paper", "B5"));
  EXPECT_TRUE(HasProblem(problems, "sections[0].questions[1].id", "duplicate"));
  EXPECT_TRUE(HasProblem(problems, "sections[1].questions[0].scale", "sat7"));
  EXPECT_TRUE(HasProblem(problems, "sections[1].questions[1].max", "9"));
  EXPECT_TRUE(HasProblem(problems, "sections[1].questions[3].lines", "40"));

  auto result = ParseTemplate(text, "bad.json");
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error().code, "invalid");
  // One problem per line, each prefixed with the source name.
  std::istringstream lines(result.error().message);
  std::string line;
  int count = 0;
  while (std::getline(lines, line)) {
    EXPECT_EQ(line.rfind("bad.json: ", 0), 0u) << line;
    ++count;
  }
  EXPECT_EQ(count, 6);
}

TEST(TemplateParserTest, SyntaxErrorHasLineAndColumn) {
  std::string text = "{\n  \"id\": \"x\",\n  \"version\": 1,,\n  \"title\": \"T\"\n}\n";
  std::vector<Problem> problems = ValidateTemplate(text);
  ASSERT_EQ(problems.size(), 1u);
  EXPECT_NE(problems[0].message.find("JSON syntax error at line 3, column 16"), std::string::npos)
      << problems[0].message;
}

TEST(TemplateParserTest, InvalidUtf8IsAClearProblem) {
  std::string text = ReadFile(TestDataPath("all_kinds.json"));
  size_t at = text.find("Giới tính");
  ASSERT_NE(at, std::string::npos);
  text.replace(at, 2, "G\xC3\x28");  // a truncated 2-byte sequence, as left by a Latin-1 editor
  std::vector<Problem> problems = ValidateTemplate(text);
  ASSERT_EQ(problems.size(), 1u);
  EXPECT_NE(problems[0].message.find("invalid UTF-8 at line"), std::string::npos) << problems[0].message;
  EXPECT_NE(problems[0].message.find("UTF-8"), std::string::npos);
}

TEST(TemplateParserTest, NormalisesTextToNfc) {
  json j = BaseTemplate();
  // Decomposed: "Hà Nội" with combining grave, circumflex and dot below.
  const std::string decomposed = "Ha\xCC\x80 No\xCC\x82\xCC\xA3i";
  const std::string composed = "Hà Nội";
  ASSERT_NE(decomposed, composed);
  j["title"] = decomposed;
  j["sections"][0]["questions"][0]["options"][0]["label"] = decomposed;
  j["sections"][0]["questions"][3]["options"][0]["value"] = decomposed;
  j["sections"][1]["questions"][0]["rows"][0]["text"] = decomposed;
  auto tpl = ParseTemplate(j.dump());
  ASSERT_TRUE(tpl.ok()) << tpl.error().message;
  EXPECT_EQ(tpl->title, composed);
  EXPECT_EQ(tpl->sections[0].questions[0].options[0].label, composed);
  EXPECT_EQ(tpl->sections[0].questions[3].options[0].value, composed);
  EXPECT_EQ(tpl->sections[1].questions[0].rows[0].text, composed);
}

TEST(TemplateParserTest, LoadTemplateNamesTheFile) {
  auto missing = LoadTemplate("/nonexistent/phieu/x.json");
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().code, "io");
  EXPECT_NE(missing.error().message.find("/nonexistent/phieu/x.json"), std::string::npos);

  auto good = LoadTemplate(TestDataPath("all_kinds.json"));
  ASSERT_TRUE(good.ok()) << good.error().message;
  EXPECT_EQ(good->id, "test-all-kinds");
}

TEST(TemplateParserTest, CommentKeysAreAllowed) {
  json j = BaseTemplate();
  j["$comment"] = "free text";
  j["sections"][0]["_note"] = "also free";
  EXPECT_TRUE(ValidateTemplate(j.dump()).empty()) << Joined(ProblemsOf(j));
}

}  // namespace
}  // namespace phieu::templates
