// Copyright 2026 The Phiếu Authors
// SPDX-License-Identifier: Apache-2.0
// Templates are written by hand: versions that would wrap, huge texts and huge counts are
// refused at parse time with their JSON path (templates/README.md "Limits").
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "common/temp_dir.h"
#include "templates/templates.h"
#include "templates/test_util.h"

namespace phieu::templates {
namespace {

using nlohmann::json;
using testing::ReadFile;
using testing::TestDataPath;

/// The good test template with its version written as `version_text` (raw JSON).
std::string WithVersion(const std::string& version_text) {
  std::string text = ReadFile(TestDataPath("all_kinds.json"));
  const std::string key = "\"version\": 2";
  auto at = text.find(key);
  EXPECT_NE(at, std::string::npos);
  text.replace(at, key.size(), "\"version\": " + version_text);
  return text;
}

bool HasProblem(const std::vector<Problem>& problems, const std::string& path, const std::string& fragment) {
  for (const auto& p : problems)
    if (p.path == path && p.message.find(fragment) != std::string::npos) return true;
  return false;
}

std::string Joined(const std::vector<Problem>& v) {
  std::string s;
  for (const auto& x : v) s += "  " + x.ToString() + "\n";
  return s;
}

TEST(TemplateLimitsTest, VersionIsAnIntegerFromOneTo2Pow31Minus1) {
  for (const char* bad : {"4294967296", "4294967297", "9223372036854775807", "18446744073709551615",
                          "2147483648", "0", "-1", "-4294967295", "1.5", "2.0", "1e3", "\"2\"", "null", "true"}) {
    auto problems = ValidateTemplate(WithVersion(bad));
    EXPECT_TRUE(HasProblem(problems, "version", "from 1 to 2147483647")) << bad << ":\n" << Joined(problems);
    EXPECT_FALSE(ParseTemplate(WithVersion(bad)).ok()) << bad;
  }
  for (auto [text, value] : {std::pair{"1", 1}, std::pair{"7", 7}, std::pair{"2147483647", 2147483647}}) {
    auto tpl = ParseTemplate(WithVersion(text));
    ASSERT_TRUE(tpl.ok()) << text << ": " << tpl.error().message;
    EXPECT_EQ(tpl->version, value);
  }
}

TEST(TemplateLimitsTest, NumbersBeyondADoubleAreAProblemNotACrash) {
  // fuzz_template: nlohmann throws out_of_range (not parse_error) for 1e400; it escaped.
  for (const char* bad : {"1e400", "-1e400", "21e47483648"}) {
    std::vector<Problem> problems;
    ASSERT_NO_THROW(problems = ValidateTemplate(WithVersion(bad))) << bad;
    ASSERT_EQ(problems.size(), 1u) << bad;
    EXPECT_NE(problems[0].message.find("number overflow"), std::string::npos) << problems[0].message;
    EXPECT_FALSE(ParseTemplate(WithVersion(bad)).ok());
  }
}

TEST(TemplateLimitsTest, OtherNumbersNeverWrap) {
  json t = json::parse(ReadFile(TestDataPath("all_kinds.json")));
  // A number far outside what any count can be is reported, not converted.
  std::string text = t.dump();
  for (const char* key : {"\"lines\":", "\"digits\":"}) {
    std::string bad = text;
    auto at = bad.find(key);
    ASSERT_NE(at, std::string::npos) << key;
    auto end = bad.find_first_of(",}", at);
    bad.replace(at, end - at, std::string(key) + "18446744073709551615");
    auto problems = ValidateTemplate(bad);
    EXPECT_FALSE(problems.empty()) << key;
    bool named = false;
    for (const auto& p : problems) named = named || p.message.find("18446744073709551615") != std::string::npos;
    EXPECT_TRUE(named) << key << ":\n" << Joined(problems);
    bad.replace(bad.find("18446744073709551615"), 20, "1e300");
    EXPECT_FALSE(ValidateTemplate(bad).empty()) << key;
  }
}

TEST(TemplateLimitsTest, TextLengthsAreBounded) {
  json t = json::parse(ReadFile(TestDataPath("all_kinds.json")));
  t["title"] = std::string(201, 'x');
  t["sections"][0]["questions"][0]["text"] = std::string(401, 'y');
  t["sections"][0]["questions"][0]["options"][0]["label"] = std::string(150, 'z') + "ờ";  // 151 chars: fine
  t["instructions"] = std::string(2001, 'i');
  auto problems = ValidateTemplate(t.dump());
  EXPECT_TRUE(HasProblem(problems, "title", "at most 200 characters, got 201")) << Joined(problems);
  EXPECT_TRUE(HasProblem(problems, "sections[0].questions[0].text", "at most 400 characters")) << Joined(problems);
  EXPECT_TRUE(HasProblem(problems, "instructions", "at most 2000 characters")) << Joined(problems);
  EXPECT_FALSE(HasProblem(problems, "sections[0].questions[0].options[0].label", "")) << Joined(problems);
  // Characters, not bytes: 400 Vietnamese letters of 3 bytes each are within the bound.
  std::string viet;
  for (int i = 0; i < 400; ++i) viet += "ờ";
  t = json::parse(ReadFile(TestDataPath("all_kinds.json")));
  t["sections"][0]["questions"][0]["text"] = viet;
  problems = ValidateTemplate(t.dump());
  EXPECT_FALSE(HasProblem(problems, "sections[0].questions[0].text", "")) << Joined(problems);
}

TEST(TemplateLimitsTest, CountsAreBounded) {
  json t = json::parse(ReadFile(TestDataPath("all_kinds.json")));
  json options = json::array();
  for (int i = 0; i < 41; ++i) options.push_back({{"value", i}, {"label", "o" + std::to_string(i)}});
  t["sections"][0]["questions"][0]["options"] = options;
  json sections = t["sections"];
  for (int i = 0; i < 50; ++i) {
    json s = sections[1];
    s["id"] = "extra" + std::to_string(i);
    for (auto& q : s["questions"]) q["id"] = q["id"].get<std::string>() + "_" + std::to_string(i);
    t["sections"].push_back(s);
  }
  auto problems = ValidateTemplate(t.dump());
  EXPECT_TRUE(HasProblem(problems, "sections", "at most 50 sections, got 52")) << Joined(problems);

  t = json::parse(ReadFile(TestDataPath("all_kinds.json")));
  t["sections"][0]["questions"][0]["options"] = options;
  json many = json::array();
  for (int i = 0; i < 201; ++i)
    many.push_back({{"id", "m" + std::to_string(i)}, {"kind", "text"}, {"text", "Q"}, {"lines", 1}});
  t["sections"][1]["questions"] = many;
  problems = ValidateTemplate(t.dump());
  EXPECT_TRUE(HasProblem(problems, "sections[0].questions[0].options", "at most 40 options, got 41")) << Joined(problems);
  EXPECT_TRUE(HasProblem(problems, "sections[1].questions", "at most 200 questions in a section")) << Joined(problems);
}

TEST(TemplateLimitsTest, AllTextTogetherIsBounded) {
  json t = json::parse(ReadFile(TestDataPath("all_kinds.json")));
  json qs = json::array();
  for (int i = 0; i < 160; ++i)
    qs.push_back({{"id", "t" + std::to_string(i)}, {"kind", "text"}, {"text", std::string(390, 'a')}, {"lines", 1}});
  t["sections"][1]["questions"] = qs;
  auto problems = ValidateTemplate(t.dump());
  bool found = false;
  for (const auto& p : problems) found = found || p.message.find("add up to more than 60000 characters") != std::string::npos;
  EXPECT_TRUE(found) << Joined(problems);
}

TEST(TemplateLimitsTest, AHugeFileIsRefusedBeforeItIsRead) {
  // The 50 MB title that took 50 s and 5.4 GB: refused from its size alone.
  phieu::testing::TempDir tmp("templates");
  const auto path = tmp / "huge.json";
  {
    std::ofstream f(path, std::ios::binary);
    f << R"({"id": "x", "version": 1, "title": ")";
    const std::string chunk(1 << 20, 'x');
    for (int i = 0; i < 12; ++i) f << chunk;
    f << R"(", "sections": []})";
  }
  auto tpl = LoadTemplate(path);
  ASSERT_FALSE(tpl.ok());
  EXPECT_NE(tpl.error().message.find(path.string()), std::string::npos) << tpl.error().message;
  EXPECT_NE(tpl.error().message.find("over the limit of 1048576 bytes"), std::string::npos) << tpl.error().message;
  // The same text given directly is refused the same way.
  auto problems = ValidateTemplate(std::string(kMaxTemplateBytes + 1, ' '));
  ASSERT_EQ(problems.size(), 1u);
  EXPECT_NE(problems[0].message.find("over the limit"), std::string::npos);
}

}  // namespace
}  // namespace phieu::templates
