// Copyright 2026 The Phiếu Authors
// SPDX-License-Identifier: Apache-2.0
//
// Every export format read back by something else than our writer (Python's csv and zipfile,
// ReadStat's CLI, PSPP) and compared with the survey the kit stored.
#include <algorithm>
#include <gtest/gtest.h>
#include <readstat.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "dataset.h"  // exports/src: CutUtf8, SpssNames
#include "common/temp_dir.h"
#include "exports/exports.h"
#include "exports/survey_kit.h"
#include "templates/templates.h"
#include "writers.h"

namespace phieu::exports {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using testing::KitSheet;
using testing::ReadText;
using testing::Shell;
using testing::SurveyKit;
using testing::TempDir;

const std::string kUnits =
    "code,name,kind,quota,parent\n"
    "A,\"UBND xã An Bình, huyện Hòa Vang\",admin,10,\n"
    "B,UBND phường Hải Châu,admin,4,\n"
    "Y,Trạm y tế An Bình,health,5,\n";

std::string DataPath(const std::string& name) {
  return std::string(PHIEU_SOURCE_DIR) + "/tests/exports/data/" + name;
}

/// The hand-made survey: four finished sheets (indices worked out by hand in ReportTest), one
/// with an open review item, one with its second page never scanned.
struct MiniSurvey {
  std::unique_ptr<SurveyKit> kit;
  std::vector<core::Serial> done;  // S1..S4
  core::Serial pending = 0, missing = 0;
  explicit MiniSurvey(const std::string& db) {
    kit = SurveyKit::Create(db, ReadText(DataPath("mini.json")), kUnits);
    done.push_back(kit->Add({.unit = "A",
                             .boxes = {{"gt", {"1"}}, {"r1", {"5"}}, {"r2", {"3"}}, {"r3", {"4"}}, {"mm", {"1", "2"}}},
                             .texts = {{"ykien", "Cán bộ \"rất\" nhiệt tình,\nchu đáo"}, {"sdt", "0912345678"}}}));
    done.push_back(kit->Add({.unit = "A",
                             .boxes = {{"gt", {"2"}}, {"r1", {"4"}}, {"r2", {"2"}}, {"r3", {"1"}}, {"mm", {"2"}}}}));
    // S3: r2 and gt (required) left blank, no expectation chosen.
    done.push_back(kit->Add({.unit = "A", .boxes = {{"r1", {"2"}}, {"r3", {"5"}}}}));
    done.push_back(kit->Add({.unit = "B",
                             .boxes = {{"gt", {"1"}}, {"r1", {"5"}}, {"r2", {"5"}}, {"r3", {"4"}}, {"mm", {"2", "3"}}},
                             .texts = {{"ykien", "Tốt"}}}));
    pending = kit->Add({.unit = "B", .boxes = {{"gt", {"1"}}, {"r1", {"1"}}, {"r2", {"1"}}, {"r3", {"1"}}},
                        .review = {"r2"}});
    missing = kit->Add({.unit = "A", .boxes = {{"gt", {"2"}}, {"r1", {"1"}}, {"r2", {"1"}}, {"r3", {"1"}}},
                        .skip_pages = {2}});
  }
};

json ReadBack(const std::string& kind, const std::string& path) {
  std::string out;
  int rc = Shell("python3 " + std::string(PHIEU_SOURCE_DIR) + "/tests/exports/read_back.py " + kind + " '" + path + "'", &out);
  EXPECT_EQ(rc, 0) << out;
  return rc == 0 ? json::parse(out) : json::object();
}

/// Header name -> column index.
std::map<std::string, size_t> Columns(const json& header) {
  std::map<std::string, size_t> out;
  for (size_t i = 0; i < header.size(); ++i) out[header[i].get<std::string>()] = i;
  return out;
}

/// What ReadStat (the library) reads from a .sav: the dictionary and the cells.
struct SavFile {
  struct Var {
    std::string name, label, label_set;
    readstat_measure_t measure = READSTAT_MEASURE_UNKNOWN;
  };
  std::vector<Var> vars;
  std::map<std::string, std::map<std::string, std::string>> label_sets;  // set -> value -> label
  std::vector<std::vector<std::string>> rows;  // "" = missing (system or declared); "-1!" = declared
};

SavFile ParseSav(const std::string& path) {
  SavFile f;
  readstat_parser_t* p = readstat_parser_init();
  readstat_set_variable_handler(p, [](int, readstat_variable_t* v, const char* labels, void* ctx) {
    auto* f = static_cast<SavFile*>(ctx);
    const char* label = readstat_variable_get_label(v);
    f->vars.push_back({readstat_variable_get_name(v), label ? label : "", labels ? labels : "",
                       readstat_variable_get_measure(v)});
    return static_cast<int>(READSTAT_HANDLER_OK);
  });
  readstat_set_value_label_handler(p, [](const char* set, readstat_value_t value, const char* label, void* ctx) {
    auto* f = static_cast<SavFile*>(ctx);
    std::string v = readstat_value_type(value) == READSTAT_TYPE_STRING
                        ? readstat_string_value(value)
                        : std::to_string(static_cast<long long>(readstat_double_value(value)));
    f->label_sets[set][v] = label;
    return static_cast<int>(READSTAT_HANDLER_OK);
  });
  readstat_set_value_handler(p, [](int row, readstat_variable_t* var, readstat_value_t value, void* ctx) {
    auto* f = static_cast<SavFile*>(ctx);
    if (static_cast<size_t>(row) >= f->rows.size()) f->rows.resize(static_cast<size_t>(row) + 1);
    std::string cell;
    if (readstat_value_is_system_missing(value)) {
      cell = "";
    } else if (readstat_value_type(value) == READSTAT_TYPE_STRING) {
      const char* s = readstat_string_value(value);
      cell = s ? s : "";
    } else {
      cell = std::to_string(static_cast<long long>(readstat_double_value(value)));
      if (readstat_value_is_defined_missing(value, var)) cell += "!";
    }
    f->rows[static_cast<size_t>(row)].push_back(cell);
    return static_cast<int>(READSTAT_HANDLER_OK);
  });
  readstat_error_t err = readstat_parse_sav(p, path.c_str(), &f);
  readstat_parser_free(p);
  EXPECT_EQ(err, READSTAT_OK) << readstat_error_message(err);
  return f;
}

TEST(CutUtf8Test, NeverSplitsAVietnameseLetter) {
  const std::string s = "Rất hài lòng";  // "ấ" and "à" are 3 and 2 bytes
  for (size_t n = 0; n <= s.size(); ++n) {
    std::string cut = internal::CutUtf8(s, n);
    EXPECT_LE(cut.size(), n);
    EXPECT_EQ(s.compare(0, cut.size(), cut), 0);
    // The cut ends at a character boundary: the next byte (if any) starts a character.
    if (cut.size() < s.size()) EXPECT_NE(static_cast<unsigned char>(s[cut.size()]) & 0xC0, 0x80) << n;
  }
  EXPECT_EQ(internal::CutUtf8(s, 2), "R");   // "ấ" (3 bytes) does not fit after "R"
  EXPECT_EQ(internal::CutUtf8(s, 4), "Rấ");
}

TEST(SpssNamesTest, SafeAndUniqueIgnoringCase) {
  std::vector<internal::Column> cols(6);
  cols[0].name = "1st-question";
  cols[1].name = "Q1";
  cols[2].name = "q1";
  cols[3].name = "with";
  cols[4].name = "ends.";
  cols[5].name = std::string(70, 'x');
  auto names = internal::SpssNames(cols);
  EXPECT_EQ(names[0], "v1st_question");
  EXPECT_EQ(names[1], "Q1");
  EXPECT_EQ(names[2], "q1_2");
  EXPECT_EQ(names[3], "with_");
  EXPECT_EQ(names[4], "ends");
  EXPECT_EQ(names[5].size(), 64u);
}

// A dataset spanning SIPAS and health sheets: a field id both define differently (p1 is gender
// in both but p2's age bands differ) gets one column per template; the same definition shares one.
TEST(ColumnPlanTest, TemplatesDefiningAnIdDifferentlyGetOneColumnEach) {
  templates::TemplateCatalog catalog;
  for (const char* id : {"sipas", "health"}) {
    auto t = templates::LoadTemplate(templates::BundledTemplatesDir() / (std::string(id) + ".json"));
    ASSERT_TRUE(t.ok()) << t.error().message;
    catalog.Add(templates::ComputeLayout(*t));
  }
  std::vector<std::string> personal;
  auto cols = internal::PlanColumns(catalog, {}, {"sipas", "health"}, false, &personal);
  std::set<std::string> names;
  for (const auto& c : cols) EXPECT_TRUE(names.insert(c.name).second) << "duplicate column " << c.name;
  EXPECT_TRUE(names.count("p1"));         // Nam / Nữ in both
  EXPECT_TRUE(names.count("health_p2"));  // age bands differ
  EXPECT_TRUE(names.count("sipas_p2"));
  EXPECT_FALSE(names.count("p2"));
  EXPECT_TRUE(names.count("tc1") && names.count("a1"));
  EXPECT_TRUE(names.count("mm_1") && names.count("g3_1"));  // only SIPAS has mm
  EXPECT_EQ(personal, std::vector<std::string>{"sdt"});
  // Only SIPAS sheets selected: no health column, no prefix.
  auto sipas_only = internal::PlanColumns(catalog, {}, {"sipas"}, false, nullptr);
  for (const auto& c : sipas_only) EXPECT_EQ(c.name.find("sipas_"), std::string::npos) << c.name;
}

TEST(CsvExportTest, ReadBackWithPythonCsv) {
  TempDir dir;
  MiniSurvey survey(dir / "s.db");
  auto catalog = survey.kit->Catalog();
  auto summary = WriteExport(survey.kit->store(), catalog, ExportFormat::kCsv, dir / "out.csv");
  ASSERT_TRUE(summary.ok()) << summary.error().message;
  // DESIGN.md: only the sheet with an open review item is left out; the sheet whose page 2 was
  // never scanned is written as incomplete.
  EXPECT_EQ(summary->rows, 5);
  EXPECT_EQ(summary->left_out_pending, 1);
  EXPECT_EQ(summary->with_pages_missing, 1);
  EXPECT_EQ(summary->personal_left_out, std::vector<std::string>{"sdt"});
  json rows = ReadBack("csv", dir / "out.csv")["rows"];
  ASSERT_EQ(rows.size(), 6u);
  const std::vector<std::string> header = {"serial", "unit", "unit_name", "unit_kind", "template", "version",
                                           "channel", "scanned_at", "status", "gt", "r1", "r2", "r3",
                                           "mm_1", "mm_2", "mm_3", "mm_4", "ykien"};
  EXPECT_EQ(rows[0].get<std::vector<std::string>>(), header);
  auto c = Columns(rows[0]);
  const json& s1 = rows[1];
  EXPECT_EQ(s1[c["serial"]], std::to_string(survey.done[0]));
  EXPECT_EQ(s1[c["unit_name"]], "UBND xã An Bình, huyện Hòa Vang");  // a comma inside, quoted
  EXPECT_EQ(s1[c["channel"]], "paper");
  EXPECT_FALSE(s1[c["scanned_at"]].get<std::string>().empty());
  EXPECT_EQ(s1[c["status"]], "complete");
  EXPECT_EQ(s1[c["r1"]], "5");
  EXPECT_EQ(s1[c["mm_1"]], "1");
  EXPECT_EQ(s1[c["mm_3"]], "0");
  EXPECT_EQ(s1[c["ykien"]], "Cán bộ \"rất\" nhiệt tình,\nchu đáo");
  // S3: the required gt and r2 left blank are missing, never 0; no expectation chosen: every
  // mm column missing.
  const json& s3 = rows[3];
  EXPECT_EQ(s3[c["gt"]], "");
  EXPECT_EQ(s3[c["r2"]], "");
  for (const char* m : {"mm_1", "mm_2", "mm_3", "mm_4"}) EXPECT_EQ(s3[c[m]], "") << m;
  // The codebook beside it: labels for every column and value.
  std::string book = ReadText(dir / "out.codebook.csv");
  json cb = ReadBack("csv", dir / "out.codebook.csv")["rows"];
  bool level5 = false, r1_label = false;
  for (const auto& row : cb) {
    level5 = level5 || (row[0] == "r1" && row[4] == "5" && row[5] == "Rất hài lòng");
    r1_label = r1_label || (row[0] == "r1" && row[3] == "Thủ tục được niêm yết đầy đủ");
  }
  EXPECT_TRUE(level5) << book;
  EXPECT_TRUE(r1_label) << book;
}

TEST(CsvExportTest, BomPersonalAndFilters) {
  TempDir dir;
  MiniSurvey survey(dir / "s.db");
  auto catalog = survey.kit->Catalog();
  ExportOptions options{.include_personal = true, .bom = true, .filter = {.include_pending = true, .units = {"A"}}};
  auto summary = WriteExport(survey.kit->store(), catalog, ExportFormat::kCsv, dir / "a.csv", options);
  ASSERT_TRUE(summary.ok()) << summary.error().message;
  EXPECT_TRUE(summary->personal_left_out.empty());
  EXPECT_EQ(summary->rows, 4);                // S1, S2, S3 and the sheet missing a page
  EXPECT_EQ(summary->left_out_by_filter, 2);  // unit B
  std::string text = ReadText(dir / "a.csv");
  EXPECT_EQ(text.substr(0, 3), "\xEF\xBB\xBF");
  json rows = ReadBack("csv", dir / "a.csv")["rows"];
  auto c = Columns(rows[0]);
  ASSERT_TRUE(c.count("sdt"));
  EXPECT_EQ(rows[1][c["sdt"]], "0912345678");
  // The sheet whose page 2 was never scanned: its page-2 fields are missing, page 1 read.
  const json& last = rows[4];
  EXPECT_EQ(last[c["status"]], "incomplete");
  EXPECT_EQ(last[c["r1"]], "1");
  EXPECT_EQ(last[c["ykien"]], "");
  // --status needs_review alone selects the pending sheet.
  auto pending = WriteExport(survey.kit->store(), catalog, ExportFormat::kCsv, dir / "p.csv",
                             {.filter = {.statuses = {"needs_review"}}});
  ASSERT_TRUE(pending.ok());
  EXPECT_EQ(pending->rows, 1);
}

TEST(JsonExportTest, PersonalFieldsOnlyWhenAsked) {
  TempDir dir;
  MiniSurvey survey(dir / "s.db");
  auto catalog = survey.kit->Catalog();
  auto plain = ExportJson(survey.kit->store(), catalog);
  ASSERT_TRUE(plain.ok());
  json j = json::parse(*plain);
  ASSERT_EQ(j.size(), 5u);
  EXPECT_FALSE(j[0]["answers"].contains("sdt"));
  EXPECT_EQ(j[0]["answers"]["mm"], json::array({1, 2}));
  auto with = ExportJson(survey.kit->store(), catalog, {.include_personal = true});
  ASSERT_TRUE(with.ok());
  EXPECT_EQ(json::parse(*with)[0]["answers"]["sdt"], "0912345678");
  // The streaming file writer holds the same sheets.
  auto summary = WriteExport(survey.kit->store(), catalog, ExportFormat::kJson, dir / "e.json");
  ASSERT_TRUE(summary.ok());
  EXPECT_EQ(json::parse(ReadText(dir / "e.json")), j);
}

TEST(XlsxExportTest, UnzippedAndParsed) {
  TempDir dir;
  MiniSurvey survey(dir / "s.db");
  auto catalog = survey.kit->Catalog();
  auto summary = WriteExport(survey.kit->store(), catalog, ExportFormat::kXlsx, dir / "out.xlsx");
  ASSERT_TRUE(summary.ok()) << summary.error().message;
  json x = ReadBack("xlsx", dir / "out.xlsx");
  EXPECT_EQ(x["sheets"], json::array({"Dữ liệu", "Mã hóa"}));
  EXPECT_EQ(x["frozen_rows"], 1);
  EXPECT_EQ(x["autofilter"], "A1:R6");  // 18 columns, header + 5 rows
  const json& rows = x["rows"];
  ASSERT_EQ(rows.size(), 6u);
  std::map<std::string, size_t> c;
  for (size_t i = 0; i < rows[0].size(); ++i) c[rows[0][i]["v"].get<std::string>()] = i;
  // Numbers as numbers, text as text, missing as empty.
  EXPECT_EQ(rows[1][c["serial"]]["t"], "n");
  EXPECT_EQ(rows[1][c["r1"]], (json{{"t", "n"}, {"v", 5.0}}));
  EXPECT_EQ(rows[1][c["unit_name"]], (json{{"t", "s"}, {"v", "UBND xã An Bình, huyện Hòa Vang"}}));
  EXPECT_EQ(rows[1][c["ykien"]]["v"], "Cán bộ \"rất\" nhiệt tình,\nchu đáo");
  const json& s3 = rows[3];
  EXPECT_TRUE(c["r2"] >= s3.size() || s3[c["r2"]]["v"].is_null());
  bool labelled = false;
  for (const auto& row : x["codebook"])
    labelled = labelled || (row.size() > 5 && row[0] == "r3" && row[5] == "Hài lòng");
  EXPECT_TRUE(labelled) << x["codebook"].dump();
}

TEST(SavExportTest, ReadStatAndPsppReadItBack) {
  TempDir dir;
  MiniSurvey survey(dir / "s.db");
  auto catalog = survey.kit->Catalog();
  auto summary = WriteExport(survey.kit->store(), catalog, ExportFormat::kSav, dir / "out.sav");
  ASSERT_TRUE(summary.ok()) << summary.error().message;
  ASSERT_TRUE(fs::exists(dir / "out.sps"));
  // ReadStat's CLI converts it back to CSV.
  std::string out;
  ASSERT_EQ(Shell("readstat '" + (dir / "out.sav").string() + "' '" + (dir / "back.csv").string() + "'", &out), 0) << out;
  json rows = ReadBack("csv", dir / "back.csv")["rows"];
  ASSERT_EQ(rows.size(), 6u);
  auto c = Columns(rows[0]);
  EXPECT_EQ(rows[1][c["unit_name"]], "UBND xã An Bình, huyện Hòa Vang");
  EXPECT_EQ(std::stod(rows[1][c["r1"]].get<std::string>()), 5.0);
  EXPECT_EQ(std::stod(rows[2][c["mm_2"]].get<std::string>()), 1.0);
  EXPECT_EQ(rows[1][c["ykien"]], "Cán bộ \"rất\" nhiệt tình,\nchu đáo");
  // ReadStat (the library): labels, measures, declared missing codes.
  SavFile sav = ParseSav(dir / "out.sav");
  std::map<std::string, size_t> v;
  for (size_t i = 0; i < sav.vars.size(); ++i) v[sav.vars[i].name] = i;
  // "gt" is an SPSS reserved word (greater than): the variable is gt_.
  ASSERT_TRUE(v.count("r1") && v.count("mm_1") && v.count("gt_") && v.count("ykien")) << sav.vars.size();
  EXPECT_FALSE(v.count("sdt"));
  EXPECT_EQ(sav.vars[v["r1"]].label, "Thủ tục được niêm yết đầy đủ");
  EXPECT_EQ(sav.vars[v["r1"]].measure, READSTAT_MEASURE_ORDINAL);
  EXPECT_EQ(sav.vars[v["gt_"]].measure, READSTAT_MEASURE_NOMINAL);
  EXPECT_EQ(sav.label_sets[sav.vars[v["r1"]].label_set]["5"], "Rất hài lòng");
  EXPECT_EQ(sav.label_sets[sav.vars[v["gt_"]].label_set]["2"], "Nữ");
  EXPECT_EQ(sav.label_sets[sav.vars[v["mm_1"]].label_set]["1"], "Có chọn");
  ASSERT_EQ(sav.rows.size(), 5u);
  EXPECT_EQ(sav.rows[0][v["r1"]], "5");
  EXPECT_EQ(sav.rows[2][v["r2"]], "-1!");  // S3's blank required r2: declared missing, not 0
  EXPECT_EQ(sav.rows[2][v["mm_1"]], "-1!");
  EXPECT_EQ(sav.rows[0][v["unit_name"]], "UBND xã An Bình, huyện Hòa Vang");
  // PSPP runs the companion syntax: labels, declared missing values, ordinal scale items and
  // the multiple-response set, Vietnamese intact.
  std::ofstream(dir / "check.sps")
      << "INCLUDE FILE='out.sps'.\n"
         "DISPLAY DICTIONARY /VARIABLES=gt_ r1 r2 mm_1.\n"
         "MRSETS /DISPLAY NAME=ALL.\n"
         "FREQUENCIES /VARIABLES=r2 gt_.\n";
  ASSERT_EQ(Shell("cd '" + dir.path().string() + "' && pspp -O format=txt -o pspp.txt check.sps", &out), 0) << out;
  std::string pspp = ReadText(dir / "pspp.txt");
  EXPECT_EQ(pspp.find("error"), std::string::npos) << pspp;
  EXPECT_EQ(pspp.find("warning"), std::string::npos) << pspp;
  EXPECT_NE(pspp.find("Rất hài lòng"), std::string::npos) << pspp;
  EXPECT_NE(pspp.find("Ordinal"), std::string::npos) << pspp;
  EXPECT_NE(pspp.find("$mm"), std::string::npos) << pspp;
  EXPECT_NE(pspp.find("Dichotomies"), std::string::npos) << pspp;
  EXPECT_NE(pspp.find("-1; -2"), std::string::npos) << pspp;      // declared missing values
  EXPECT_NE(pspp.find("Không trả lời"), std::string::npos) << pspp;  // S3's blank r2 is -1
  EXPECT_EQ(pspp.find("\xEF\xBF\xBD"), std::string::npos) << pspp;  // no broken letter (U+FFFD)
}

// A value label longer than ReadStat's 120 bytes is cut at a letter boundary, in the .sav and
// in the .sps, and PSPP shows it without a broken letter.
TEST(SavExportTest, LongVietnameseLabelsCutAtALetter) {
  TempDir dir;
  std::string tpl = ReadText(DataPath("mini.json"));
  const std::string long_label =
      "Rút ngắn thời gian giải quyết hồ sơ, trả kết quả đúng hẹn, thông báo trước khi trễ hẹn và xin lỗi người dân";
  ASSERT_GT(long_label.size(), 120u);
  ASSERT_EQ(static_cast<unsigned char>(long_label[120]) & 0xC0, 0x80);  // byte 120 is inside a letter
  const std::string nam = "{\"value\": 1, \"label\": \"Nam\"}";
  tpl.replace(tpl.find(nam), nam.size(), "{\"value\": 1, \"label\": \"" + long_label + "\"}");
  auto kit = SurveyKit::Create(dir / "s.db", tpl, kUnits);
  kit->Add({.unit = "A", .boxes = {{"gt", {"1"}}, {"r1", {"5"}}, {"r2", {"3"}}, {"r3", {"4"}}, {"mm", {"1"}}}});
  auto catalog = kit->Catalog();
  ASSERT_TRUE(WriteExport(kit->store(), catalog, ExportFormat::kSav, dir / "out.sav").ok());
  std::string sps = ReadText(dir / "out.sps");
  std::string cut = internal::CutUtf8(long_label, 120);
  EXPECT_NE(sps.find("'" + cut + "'"), std::string::npos);
  std::ofstream(dir / "check.sps") << "INCLUDE FILE='out.sps'.\nDISPLAY DICTIONARY /VARIABLES=gt_.\n";
  std::string out;
  ASSERT_EQ(Shell("cd '" + dir.path().string() + "' && pspp -O format=txt -O width=400 -o pspp.txt check.sps", &out), 0) << out;
  std::string pspp = ReadText(dir / "pspp.txt");
  EXPECT_EQ(pspp.find("\xEF\xBF\xBD"), std::string::npos) << pspp;
  EXPECT_NE(pspp.find("Rút ngắn thời gian giải quyết"), std::string::npos) << pspp;
  // ReadStat reads back the label as cut here: whole letters only.
  SavFile sav = ParseSav(dir / "out.sav");
  auto gt = std::find_if(sav.vars.begin(), sav.vars.end(), [](const auto& var) { return var.name == "gt_"; });
  ASSERT_NE(gt, sav.vars.end());
  EXPECT_EQ(sav.label_sets[gt->label_set]["1"], cut);
}

}  // namespace
}  // namespace phieu::exports
