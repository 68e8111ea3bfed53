// Copyright 2026 The Phiếu Authors
// SPDX-License-Identifier: Apache-2.0
//
// Indices of a small survey worked out by hand, the report JSON contract, and the HTML and PDF
// rendered (headless Chromium, pdftoppm).
#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "common/temp_dir.h"
#include "exports/exports.h"
#include "exports/survey_kit.h"

namespace phieu::exports {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using testing::KitSheet;
using testing::ReadText;
using testing::Shell;
using testing::SurveyKit;

const std::string kUnits =
    "code,name,kind,quota,parent\n"
    "A,UBND xã An Bình,admin,10,\n"
    "B,UBND phường Hải Châu,admin,4,\n"
    "C,UBND xã Hòa Phước,admin,5,\n";

struct Fixture {
  testing::TempDir tmp{"report"};
  const fs::path dir = tmp.path();
  std::unique_ptr<SurveyKit> kit;
  Fixture() {
    kit = SurveyKit::Create(dir / "s.db",
                            ReadText(std::string(PHIEU_SOURCE_DIR) + "/tests/exports/data/mini.json"), kUnits);
    // Unit A: S1..S3; unit B: S4; one pending sheet of B (left out by default); C: nothing.
    kit->Add({.unit = "A", .boxes = {{"gt", {"1"}}, {"r1", {"5"}}, {"r2", {"3"}}, {"r3", {"4"}}, {"mm", {"1", "2"}}},
              .texts = {{"sdt", "0912345678"}}});
    kit->Add({.unit = "A", .boxes = {{"gt", {"2"}}, {"r1", {"4"}}, {"r2", {"2"}}, {"r3", {"1"}}, {"mm", {"2"}}}});
    kit->Add({.unit = "A", .boxes = {{"r1", {"2"}}, {"r3", {"5"}}}});  // r2 left blank
    kit->Add({.unit = "B", .boxes = {{"gt", {"1"}}, {"r1", {"5"}}, {"r2", {"5"}}, {"r3", {"4"}}, {"mm", {"2", "3"}}}});
    kit->Add({.unit = "B", .boxes = {{"r1", {"1"}}, {"r2", {"1"}}, {"r3", {"1"}}}, .review = {"r3"}});
  }
  Report Compute(const ReportOptions& options = {}) {
    auto r = ComputeReport(kit->store(), {kit->tpl()}, kit->Catalog(), options);
    EXPECT_TRUE(r.ok()) << r.error().message;
    return r.ok() ? *r : Report{};
  }
};

const ElementIndex& Element(const Indices& idx, const std::string& id) {
  for (const auto& e : idx.elements)
    if (e.id == id) return e;
  throw std::logic_error("no element " + id);
}

const UnitReport& Unit(const Report& r, const std::string& code) {
  for (const auto& u : r.units)
    if (u.code == code) return u;
  throw std::logic_error("no unit " + code);
}

// By hand, unit A: r1 = 5,4,2 -> 2/3 satisfied = 66.67%, mean 3.667; r2 = 3,2 -> 0%, 2.5;
// r3 = 4,1,5 -> 66.67%, 3.333. Element tt = (66.67 + 0) / 2 = 33.33%, mean (3.667 + 2.5) / 2 =
// 3.083; element cc = 66.67%, 3.333. Overall = (33.33 + 66.67) / 2 = 50%, mean 3.208.
// Unit B: r1 5, r2 5, r3 4 -> tt 100%, cc 100%, overall 100%, mean (5 + 4) / 2 = 4.5.
// Survey: r1 = 5,4,2,5 -> 75%, 4.0; r2 = 3,2,5 -> 33.33%, 3.333; r3 = 4,1,5,4 -> 75%, 3.5;
// tt = 54.17%, cc = 75%, overall = 64.58%; means tt 3.667, cc 3.5, overall 3.583.
TEST(ReportTest, IndicesMatchTheHandComputation) {
  Fixture f;
  Report r = f.Compute();
  EXPECT_EQ(r.coverage.rows, 4);
  EXPECT_EQ(r.coverage.left_out_pending, 1);
  EXPECT_EQ(r.answers_missing, 1);  // S3's r2
  const UnitReport& a = Unit(r, "A");
  EXPECT_EQ(a.responses, 3);
  EXPECT_NEAR(Element(a.indices, "tt").by_criterion.at("r1").satisfied_pct, 66.6667, 1e-3);
  EXPECT_NEAR(Element(a.indices, "tt").by_criterion.at("r2").satisfied_pct, 0.0, 1e-9);
  EXPECT_EQ(Element(a.indices, "tt").by_criterion.at("r2").valid, 2);
  EXPECT_NEAR(Element(a.indices, "tt").value.satisfied_pct, 33.3333, 1e-3);
  EXPECT_NEAR(Element(a.indices, "tt").value.mean, 3.08333, 1e-4);
  EXPECT_NEAR(Element(a.indices, "cc").value.satisfied_pct, 66.6667, 1e-3);
  EXPECT_NEAR(a.indices.overall.satisfied_pct, 50.0, 1e-9);
  EXPECT_NEAR(a.indices.overall.mean, 3.20833, 1e-4);
  const UnitReport& b = Unit(r, "B");
  EXPECT_EQ(b.responses, 1);
  EXPECT_NEAR(b.indices.overall.satisfied_pct, 100.0, 1e-9);
  EXPECT_NEAR(b.indices.overall.mean, 4.5, 1e-9);
  EXPECT_EQ(b.rank, 1);
  EXPECT_EQ(a.rank, 2);
  EXPECT_EQ(Unit(r, "C").rank, 0);  // nothing to rank
  EXPECT_NEAR(Element(r.overall, "tt").value.satisfied_pct, 54.1667, 1e-3);
  EXPECT_NEAR(Element(r.overall, "cc").value.satisfied_pct, 75.0, 1e-9);
  EXPECT_NEAR(r.overall.overall.satisfied_pct, 64.5833, 1e-3);
  EXPECT_NEAR(r.overall.overall.mean, 3.58333, 1e-4);
  // Levels of element tt over the survey: r1 5,4,2,5 and r2 3,2,5.
  EXPECT_EQ(Element(r.overall, "tt").levels, (std::map<std::string, int>{{"2", 2}, {"3", 1}, {"4", 1}, {"5", 3}}));
  // Expectations as shares of respondents: option 2 chosen by 3 of 4.
  EXPECT_EQ(r.overall.respondents, 4);
  EXPECT_EQ(r.overall.expectations.at("2"), 3);
  EXPECT_EQ(r.overall.expectations_answered, 3);
}

TEST(ReportTest, PendingSheetsCountOnlyWhenAsked) {
  Fixture f;
  Report r = f.Compute({.filter = {.include_pending = true}});
  EXPECT_EQ(r.coverage.rows, 5);
  EXPECT_EQ(r.answers_pending, 1);  // its r3 is under review: not counted
  // B now: r1 5,1 -> 50%; r2 5,1 -> 50%; r3 4 -> 100%: tt 50, cc 100, overall 75.
  EXPECT_NEAR(Unit(r, "B").indices.overall.satisfied_pct, 75.0, 1e-9);
}

TEST(ReportTest, JsonFollowsTheContract) {
  Fixture f;
  json j = json::parse(ReportToJson(f.Compute()));
  ASSERT_TRUE(j.contains("overall") && j.contains("units"));
  EXPECT_EQ(j["overall"]["satisfied_pct"], 64.58);
  EXPECT_EQ(j["overall"]["elements"]["tt"]["criteria"]["r2"]["valid"], 3);
  EXPECT_EQ(j["overall"]["elements"]["tt"]["criteria"]["r2"]["satisfied_pct"], 33.33);
  EXPECT_EQ(j["overall"]["elements"]["cc"]["mean"], 3.5);
  ASSERT_EQ(j["units"].size(), 3u);
  const json& a = j["units"][0];
  for (const char* key : {"code", "name", "kind", "quota", "responses", "rank", "indices"})
    EXPECT_TRUE(a.contains(key)) << key;
  EXPECT_EQ(a["code"], "A");
  EXPECT_EQ(a["name"], "UBND xã An Bình");
  EXPECT_EQ(a["quota"], 10);
  EXPECT_EQ(a["responses"], 3);
  EXPECT_EQ(a["rank"], 2);
  EXPECT_EQ(a["indices"]["satisfied_pct"], 50.0);
  EXPECT_TRUE(j["units"][2]["rank"].is_null());
  EXPECT_TRUE(j["units"][2]["indices"]["satisfied_pct"].is_null());
  // Personal fields never appear in a report.
  EXPECT_EQ(ReportToJson(f.Compute()).find("0912345678"), std::string::npos);
}

TEST(ReportTest, ResidualErrorOfTheRecheckWhenOneRan) {
  Fixture f;
  Report r = f.Compute();
  EXPECT_NE(ReportToHtml(r).find("Chưa có phúc tra"), std::string::npos);
  EXPECT_TRUE(json::parse(ReportToJson(r))["recheck"].is_null());
  r.recheck = {.ran = true, .sheets_entered = 40,
               .residual = {{.kind = "boxes", .accepted = 1200, .wrong = 3, .rate = 0.0025, .low = 0.0009, .high = 0.0073}}};
  std::string html = ReportToHtml(r);
  EXPECT_NE(html.find("Sai số còn lại (phúc tra)"), std::string::npos);
  EXPECT_NE(html.find("<td>Ô đánh dấu</td><td>1.200</td><td>3</td><td>0,25%</td><td>0,09% – 0,73%</td>"), std::string::npos) << html;
  json j = json::parse(ReportToJson(r));
  EXPECT_EQ(j["recheck"]["sheets"], 40);
  EXPECT_EQ(j["recheck"]["residual_error"][0]["wrong"], 3);
}

// The report takes the residual error from the survey's own re-check: every complete sheet
// drawn, entered blind with one box answer different, settled for the blind value: 1 accepted
// box value of those re-entered was wrong.
TEST(ReportTest, ResidualErrorComesFromTheSurveysRecheck) {
  Fixture f;
  store::Store& s = f.kit->store();
  auto draw = s.DrawRecheck({.share = 1.0, .per_unit = false, .seed = 7, .written = false, .who = "an"});
  ASSERT_TRUE(draw.ok()) << draw.error().message;
  ASSERT_EQ(draw->serials.size(), 4u);  // the four complete sheets; the pending one is not drawn
  core::Serial changed = 0;
  int accepted_boxes = 0;
  while (true) {
    auto view = s.LeaseNextRecheckSheet("minh", 600);
    ASSERT_TRUE(view.ok()) << view.error().message;
    if (!view->has_value()) break;
    auto sheet = s.GetSheet((*view)->serial);
    ASSERT_TRUE(sheet.ok() && sheet->has_value());
    store::RecheckEntry entry{.serial = (*view)->serial, .version = (*view)->version, .values = {},
                              .who = "minh", .address = ""};
    for (const auto& field : (*view)->fields) {
      store::FieldValue v;
      v.selected = (*sheet)->selected.at(field.field_id);
      if (changed == 0 && field.field_id == "r1") {
        v.selected = {v.selected == std::vector<std::string>{"1"} ? "2" : "1"};
        changed = (*view)->serial;
      }
      entry.values[field.field_id] = v;
      ++accepted_boxes;
    }
    auto r = s.SubmitRecheck(entry);
    ASSERT_TRUE(r.ok() && r->outcome == store::RecheckOutcome::kRecorded);
  }
  ASSERT_NE(changed, 0);
  const store::Actor admin{.who = "quantri", .screen = "recheck", .address = ""};
  auto open = s.ListRecheckComparisons(true);
  ASSERT_TRUE(open.ok());
  ASSERT_EQ(open->size(), 1u);
  store::FieldValue blind;
  blind.selected = json::parse((*open)[0].blind_value).get<std::vector<std::string>>();
  ASSERT_EQ(s.SettleRecheck(changed, "r1", blind, admin)->outcome, store::RecheckOutcome::kRecorded);

  Report r = f.Compute();
  ASSERT_TRUE(r.recheck.ran);
  EXPECT_EQ(r.recheck.sheets_entered, 4);
  ASSERT_FALSE(r.recheck.residual.empty());
  EXPECT_EQ(r.recheck.residual[0].kind, "boxes");
  EXPECT_EQ(r.recheck.residual[0].accepted, accepted_boxes);
  EXPECT_EQ(r.recheck.residual[0].wrong, 1);
  EXPECT_EQ(json::parse(ReportToJson(r))["recheck"]["sheets"], 4);
}

TEST(ReportTest, NoScoringSectionIsAClearError) {
  Fixture f;
  templates::Template t = f.kit->tpl();
  t.scoring.reset();
  auto r = ComputeReport(f.kit->store(), {t}, f.kit->Catalog());
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("scoring"), std::string::npos);
}

// The HTML (Chromium, headless) and the PDF (pdftoppm) both render; the PNGs are kept under
// the build folder to look at (tests/exports/report-*.png).
TEST(ReportTest, HtmlAndPdfRender) {
  Fixture f;
  Report r = f.Compute();
  std::string html = ReportToHtml(r);
  EXPECT_NE(html.find("<svg"), std::string::npos);
  EXPECT_NE(html.find("Tỷ lệ hài lòng theo yếu tố và đơn vị"), std::string::npos);
  EXPECT_NE(html.find("Định nghĩa chỉ số"), std::string::npos);
  EXPECT_NE(html.find("64,6%"), std::string::npos);  // overall, Vietnamese decimal comma
  EXPECT_EQ(html.find("0912345678"), std::string::npos);
  const fs::path out_dir = fs::path(PHIEU_BINARY_DIR) / "tests" / "exports";
  fs::create_directories(out_dir);
  std::ofstream(f.dir / "r.html") << html;
  ASSERT_TRUE(WriteReportPdf(r, f.dir / "r.pdf").ok());
  std::string out;
  ASSERT_EQ(Shell("pdftoppm -r 60 -png -f 1 -l 1 '" + (f.dir / "r.pdf").string() + "' '" +
                (out_dir / "report-pdf").string() + "'", &out), 0) << out;
  EXPECT_TRUE(fs::exists(out_dir / "report-pdf-1.png"));
  ASSERT_EQ(Shell("pdftotext '" + (f.dir / "r.pdf").string() + "' -", &out), 0);
  EXPECT_NE(out.find("Báo cáo chỉ số hài lòng"), std::string::npos) << out;
  EXPECT_NE(out.find("Xếp hạng"), std::string::npos) << out;
  if (Shell("command -v chromium") != 0) GTEST_SKIP() << "chromium not installed";
  const fs::path png = out_dir / "report-html.png";
  fs::remove(png);
  Shell("chromium --headless --no-sandbox --disable-gpu --window-size=1000,2600 --screenshot='" + png.string() +
          "' 'file://" + (f.dir / "r.html").string() + "'", &out);
  EXPECT_TRUE(fs::exists(png)) << out;
  EXPECT_GT(fs::file_size(png), 20000u) << out;
}

}  // namespace
}  // namespace phieu::exports
