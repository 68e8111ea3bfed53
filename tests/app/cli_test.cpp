// Copyright 2026 The Phiếu Authors
// SPDX-License-Identifier: Apache-2.0
// End-to-end tests of the `phieu` command through its DESIGN.md contracts: real PDFs, real
// simulated scans, the real binary.
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <string>
#include <thread>

#include <gtest/gtest.h>

#include "common/phieu_cli.h"
#include "common/temp_dir.h"
#include "common/tiny_pdf.h"
#include <zlib.h>
#include <nlohmann/json.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>
#include <ZXing/BarcodeFormat.h>
#include <ZXing/BitMatrix.h>
#include <ZXing/MultiFormatWriter.h>

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

using phieu::testing::CmdResult;
using phieu::testing::kPhieu;
using phieu::testing::Phieu;
const std::string kBundled = std::string(PHIEU_SOURCE_DIR) + "/templates/bundled";

json ReadJson(const fs::path& p) {
  std::ifstream f(p);
  return json::parse(f);
}

class CliTest : public ::testing::Test {
 protected:
  // Kept after a failure, to look at.
  phieu::testing::TempDir tmp_{"cli", /*keep_on_failure=*/true};
  const fs::path dir_ = tmp_.path();
  std::string P(const std::string& name) const { return (dir_ / name).string(); }
};

// Counts answers in `exported` that disagree with `truth` outside pending fields.
int WrongAccepted(const json& truth, const json& exported, int* compared) {
  std::map<long long, json> by_serial;
  for (const auto& e : exported) by_serial[e["serial"].get<long long>()] = e;
  int wrong = 0;
  for (const auto& t : truth) {
    auto it = by_serial.find(t["serial"].get<long long>());
    if (it == by_serial.end()) continue;
    std::set<std::string> pending(it->second["pending"].begin(), it->second["pending"].end());
    for (const auto& [field, value] : t["answers"].items()) {
      if (pending.count(field)) continue;
      const json& got = it->second["answers"][field];
      // Digits and text are transcribed in a later stage: compare box answers only.
      if (value.is_string() || got.is_string()) continue;
      ++*compared;
      if (got != value) {
        ++wrong;
        ADD_FAILURE() << "serial " << t["serial"] << " " << field << ": truth " << value << ", got " << got;
      }
    }
  }
  return wrong;
}

TEST_F(CliTest, TemplateLayoutFollowsTheContract) {
  CmdResult r = Phieu("template layout " + kBundled + "/sipas.json -o " + P("layout.json"));
  ASSERT_EQ(r.code, 0) << r.out;
  json l = ReadJson(P("layout.json"));
  EXPECT_EQ(l["template"], "sipas");
  EXPECT_EQ(l["version"], 1);
  ASSERT_GE(l["pages"].size(), 2u);
  EXPECT_NEAR(l["pages"][0]["width_mm"].get<double>(), 210.0, 0.01);
  EXPECT_NEAR(l["pages"][0]["height_mm"].get<double>(), 297.0, 0.01);
  std::set<std::string> kinds;
  for (const auto& f : l["fields"]) {
    kinds.insert(f["kind"].get<std::string>());
    ASSERT_TRUE(f.contains("id") && f.contains("page"));
    if (f["kind"] == "digits") {
      EXPECT_FALSE(f["cells_mm"].empty());
    }
    if (f["kind"] == "text") {
      EXPECT_EQ(f["area_mm"].size(), 4u);
    }
    if (f["kind"] == "multi") {
      EXPECT_TRUE(f.contains("max"));
    }
    if (f["kind"] == "single" || f["kind"] == "multi" || f["kind"] == "scale") {
      for (const auto& o : f["options"]) EXPECT_EQ(o["box_mm"].size(), 4u);
    }
  }
  EXPECT_EQ(kinds, (std::set<std::string>{"single", "multi", "scale", "digits", "text"}));
}

TEST_F(CliTest, RenderOneCopyPerSerial) {
  CmdResult r = Phieu("template render " + kBundled + "/health.json -o " + P("f.pdf") + " --serials 41-43");
  ASSERT_EQ(r.code, 0) << r.out;
  ASSERT_TRUE(fs::exists(P("f.pdf")));
  CmdResult bad = Phieu("template render " + kBundled + "/health.json -o " + P("g.pdf") + " --serials 9-3");
  EXPECT_EQ(bad.code, 2);
  EXPECT_NE(bad.out.find("9-3"), std::string::npos) << bad.out;
}

TEST_F(CliTest, TemplateCheckNamesTheJsonPath) {
  std::ofstream(P("bad.json")) << R"({"id": "x", "version": 1, "title": "T", "scales": {},
    "sections": [{"id": "A", "title": "A", "questions": [
      {"id": "q1", "kind": "scale", "scale": "sat7", "text": "Q", "rows": [{"text": "r"}]}]}]})";
  CmdResult r = Phieu("template check " + P("bad.json"));
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.out.find("sections[0].questions[0].scale"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("sat7"), std::string::npos) << r.out;
}

// The whole chain: print numbered forms, fill and scan them (simulator), ingest, export.
TEST_F(CliTest, PrintSimulateIngestExport) {
  const std::string db = P("s.db");
  ASSERT_EQ(Phieu("survey init --db " + db + " --template sipas").code, 0);
  std::ofstream(P("units.csv")) << "code,name,kind,quota\nX1,\"UBND xã Một, huyện Hai\",admin,60\nX2,UBND xã Ba,admin,60\n";
  CmdResult imp = Phieu("units import --db " + db + " " + P("units.csv"));
  ASSERT_EQ(imp.code, 0) << imp.out;
  CmdResult pr = Phieu("print --db " + db + " --template sipas --all --count 3 -o " + P("print"));
  ASSERT_EQ(pr.code, 0) << pr.out;
  EXPECT_TRUE(fs::exists(P("print/sipas-X1.pdf")));
  EXPECT_TRUE(fs::exists(P("print/sipas-X2.pdf")));
  // Serials continue across runs: the next print gets new ones.
  CmdResult pr2 = Phieu("print --db " + db + " --template sipas --unit X1 --count 1 -o " + P("extra.pdf"));
  ASSERT_EQ(pr2.code, 0) << pr2.out;
  EXPECT_NE(pr2.out.find("1000007"), std::string::npos) << pr2.out;

  CmdResult sim = Phieu("simulate --template sipas --db " + db + " --serials 1000001-1000006 --seed 3 -o " + P("scans"));
  ASSERT_EQ(sim.code, 0) << sim.out;
  CmdResult ing = Phieu("ingest --db " + db + " -q " + P("scans"));
  ASSERT_EQ(ing.code, 0) << ing.out;
  EXPECT_NE(ing.out.find("Batch summary"), std::string::npos);

  ASSERT_EQ(Phieu("export --db " + db + " --format json --include-pending -o " + P("all.json")).code, 0);
  json truth = ReadJson(P("scans/truth.json"));
  json all = ReadJson(P("all.json"));
  ASSERT_EQ(all.size(), truth.size());
  std::set<std::string> units;
  for (const auto& s : all) {
    units.insert(s["unit"].get<std::string>());
    EXPECT_EQ(s["template"], "sipas");
    EXPECT_TRUE(s["status"] == "complete" || s["status"] == "needs_review") << s["status"];
    EXPECT_EQ(s["status"] == "needs_review", !s["pending"].empty());
  }
  EXPECT_EQ(units, (std::set<std::string>{"X1", "X2"}));
  int compared = 0;
  EXPECT_EQ(WrongAccepted(truth, all, &compared), 0);
  EXPECT_GT(compared, 100);

  // Without --include-pending only sheets with nothing left to review are exported.
  ASSERT_EQ(Phieu("export --db " + db + " --format json -o " + P("done.json")).code, 0);
  for (const auto& s : ReadJson(P("done.json"))) EXPECT_TRUE(s["pending"].empty());

  // Byte-identical copies in one batch are one scan: nothing is read twice.
  fs::create_directories(P("copies"));
  for (const auto& e : fs::directory_iterator(P("scans")))
    if (e.path().extension() == ".png" || e.path().extension() == ".jpg") {
      fs::copy_file(e.path(), P("copies") + "/a-" + e.path().filename().string());
      fs::copy_file(e.path(), P("copies") + "/b-" + e.path().filename().string());
    }
  // The contract's order: the scan paths right after --template (each takes one file).
  CmdResult copies = Phieu("ingest --db " + P("copies.db") + " -q --template health --template sipas " + P("copies"));
  ASSERT_EQ(copies.code, 0) << copies.out;
  int singles = 0;
  for (const auto& e : fs::directory_iterator(P("copies"))) singles += e.path().filename().string()[0] == 'a';
  EXPECT_NE(copies.out.find("pages read       " + std::to_string(singles) + " "), std::string::npos) << copies.out;
  EXPECT_NE(copies.out.find("(" + std::to_string(singles) + " already ingested"), std::string::npos) << copies.out;

  // Ingesting the same files again is a no-op.
  CmdResult again = Phieu("ingest --db " + db + " -q " + P("scans"));
  ASSERT_EQ(again.code, 0) << again.out;
  EXPECT_NE(again.out.find("pages read       0"), std::string::npos) << again.out;
  ASSERT_EQ(Phieu("export --db " + db + " --format json --include-pending -o " + P("all2.json")).code, 0);
  EXPECT_EQ(ReadJson(P("all2.json")), all);
}

// A required question the respondent left blank, with no ink near its boxes, is their answer:
// recorded as unanswered, counted by status and listed in the export, not queued for a
// reviewer, unless the survey asks for every one to be looked at (--review-blank-required).
TEST_F(CliTest, RequiredQuestionsLeftBlankAreRecordedAndCounted) {
  CmdResult sim = Phieu("simulate --template sipas --sheets 12 --seed 21 --foreign 0 -o " + P("scans"));
  ASSERT_EQ(sim.code, 0) << sim.out;
  ASSERT_EQ(Phieu("template layout sipas -o " + P("layout.json")).code, 0);
  const json layout = ReadJson(P("layout.json"));
  std::set<std::string> required_boxes;
  for (const auto& f : layout["fields"])
    if (f.value("required", false) && f.contains("options")) required_boxes.insert(f["id"].get<std::string>());
  ASSERT_FALSE(required_boxes.empty());

  const std::string db = P("s.db"), strict_db = P("strict.db");
  CmdResult ing = Phieu("ingest --db " + db + " --template sipas -q " + P("scans"));
  ASSERT_EQ(ing.code, 0) << ing.out;
  CmdResult strict = Phieu("ingest --db " + strict_db + " --template sipas -q --review-blank-required " + P("scans"));
  ASSERT_EQ(strict.code, 0) << strict.out;
  ASSERT_EQ(Phieu("export --db " + db + " --format json --include-pending -o " + P("e.json")).code, 0);
  ASSERT_EQ(Phieu("export --db " + strict_db + " --format json --include-pending -o " + P("s.json")).code, 0);

  std::map<long long, json> got, got_strict;
  for (const auto& e : ReadJson(P("e.json"))) got[e["serial"].get<long long>()] = e;
  for (const auto& e : ReadJson(P("s.json"))) got_strict[e["serial"].get<long long>()] = e;
  int blank_in_truth = 0, recorded = 0;
  for (const auto& t : ReadJson(P("scans/truth.json"))) {
    const long long serial = t["serial"].get<long long>();
    ASSERT_TRUE(got.count(serial) && got_strict.count(serial)) << serial;
    const json& e = got[serial];
    const json& s = got_strict[serial];
    std::set<std::string> listed(e["unanswered_required"].begin(), e["unanswered_required"].end());
    std::set<std::string> pending(e["pending"].begin(), e["pending"].end());
    std::set<std::string> strict_pending(s["pending"].begin(), s["pending"].end());
    for (const auto& id : required_boxes) {
      const json& want = t["answers"][id];
      const bool blank = want.is_null() || (want.is_array() && want.empty());
      if (!blank) {
        EXPECT_FALSE(listed.count(id)) << serial << " " << id << " was answered";
        continue;
      }
      ++blank_in_truth;
      // Either recorded as unanswered, or (ink near it) left to a person; never both.
      EXPECT_NE(listed.count(id), pending.count(id)) << serial << " " << id;
      recorded += listed.count(id) ? 1 : 0;
      EXPECT_TRUE(strict_pending.count(id)) << serial << " " << id << ": not queued with --review-blank-required";
    }
    for (const auto& id : s["unanswered_required"]) EXPECT_FALSE(required_boxes.count(id.get<std::string>())) << id;
  }
  ASSERT_GT(blank_in_truth, 0) << "the stack has no required question left blank: pick another seed";
  EXPECT_GT(recorded, 0);
  EXPECT_NE(ing.out.find("left blank       " + std::to_string(recorded) + " required"), std::string::npos) << ing.out;
  CmdResult st = Phieu("status --db " + db);
  EXPECT_NE(st.out.find("left blank        " + std::to_string(recorded) + " required"), std::string::npos) << st.out;
  EXPECT_EQ(Phieu("status --db " + strict_db).out.find("left blank"), std::string::npos);
  // `review list` gives the reasons in the screen's Vietnamese by default, English on request.
  CmdResult vi = Phieu("review list --db " + strict_db + " --limit 100000");
  ASSERT_EQ(vi.code, 0) << vi.out;
  EXPECT_NE(vi.out.find("mục chờ duyệt"), std::string::npos) << vi.out;
  EXPECT_NE(vi.out.find("câu bắt buộc chưa được trả lời"), std::string::npos) << vi.out;
  EXPECT_EQ(vi.out.find("required question unanswered"), std::string::npos) << vi.out;
  CmdResult en = Phieu("review list --db " + strict_db + " --limit 100000 --lang en");
  ASSERT_EQ(en.code, 0) << en.out;
  EXPECT_NE(en.out.find("required question unanswered"), std::string::npos) << en.out;
  EXPECT_NE(Phieu("review list --db " + strict_db + " --lang fr").code, 0);
}

// Dust on a sheet-fed scanner's glass draws a line down every page at the same columns; the
// lines through the boxes must not be read as marks, and the clerk is told.
TEST_F(CliTest, ScannerStreaksAreNotReadAsMarks) {
  CmdResult sim = Phieu("simulate --template sipas --sheets 4 --seed 5 --foreign 0 -o " + P("scans"));
  ASSERT_EQ(sim.code, 0) << sim.out;
  fs::create_directories(P("streaked"));
  int pages = 0;
  for (const auto& e : fs::directory_iterator(P("scans"))) {
    const auto ext = e.path().extension();
    if (ext != ".png" && ext != ".jpg" && ext != ".tif") continue;  // PDFs: those sheets go incomplete
    std::vector<cv::Mat> images;
    ASSERT_TRUE(cv::imreadmulti(e.path().string(), images, cv::IMREAD_GRAYSCALE)) << e.path();
    for (size_t i = 0; i < images.size(); ++i) {
      cv::Mat& g = images[i];
      for (int k = 1; k <= 12; ++k) {
        cv::Mat band = g.colRange(g.cols * k / 13, g.cols * k / 13 + 3);
        band.convertTo(band, -1, 0.45, 0);
      }
      const std::string name = e.path().stem().string() + "-" + std::to_string(i) + ".png";
      ASSERT_TRUE(cv::imwrite(P("streaked") + "/" + name, g));
      ++pages;
    }
  }
  ASSERT_GT(pages, 3);
  const std::string db = P("s.db");
  CmdResult ing = Phieu("ingest --db " + db + " -q --template sipas " + P("streaked"));
  ASSERT_EQ(ing.code, 0) << ing.out;
  EXPECT_NE(ing.out.find("scanner streaks"), std::string::npos) << ing.out;
  EXPECT_NE(ing.out.find("clean the scanner glass"), std::string::npos) << ing.out;
  ASSERT_EQ(Phieu("export --db " + db + " --format json --include-pending -o " + P("all.json")).code, 0);
  json complete = json::array();  // sheets with every page scanned (none lost to a PDF)
  for (const auto& sheet : ReadJson(P("all.json")))
    if (sheet["status"] != "incomplete") complete.push_back(sheet);
  int compared = 0;
  EXPECT_EQ(WrongAccepted(ReadJson(P("scans/truth.json")), complete, &compared), 0);
  EXPECT_GT(compared, 20);
}

// Hostile files (issue 19): each is kept as unreadable with its reason, the batch goes on and
// stores the good sheet, the exit code says some files were unreadable, and a re-run of the
// same batch does not meet them again.
TEST_F(CliTest, OddFilesAreKeptAsUnreadableAndTheBatchGoesOn) {
  fs::create_directories(P("in"));
  CmdResult sim = Phieu("simulate --template health --sheets 1 --seed 5 --no-damage --foreign 0 --blank-backs 0 -o " +
                        P("good"));
  ASSERT_EQ(sim.code, 0) << sim.out;
  // A valid TIFF strip of 60000x20 (aborted ingest with an uncaught OpenCV exception, rc 134).
  ASSERT_TRUE(cv::imwrite(P("in/strip.tif"), cv::Mat(20, 60000, CV_8UC1, cv::Scalar(200))));
  // A PNG whose header claims 30000x30000 (900 MB decoded), a few hundred bytes on disk.
  {
    std::string png = "\x89PNG\r\n\x1a\n";
    auto put32 = [](std::string& s, uint32_t v) {
      for (int k = 24; k >= 0; k -= 8) s += static_cast<char>((v >> k) & 0xFF);
    };
    auto chunk = [&](const char* type, const std::string& data) {
      put32(png, static_cast<uint32_t>(data.size()));
      std::string body = std::string(type, 4) + data;
      png += body;
      put32(png, static_cast<uint32_t>(crc32(0, reinterpret_cast<const Bytef*>(body.data()), static_cast<uInt>(body.size()))));
    };
    std::string ihdr;
    put32(ihdr, 30000);
    put32(ihdr, 30000);
    ihdr += std::string("\x08\x00\x00\x00\x00", 5);
    chunk("IHDR", ihdr);
    std::string raw(30001 * 8, '\0');
    uLongf n = compressBound(static_cast<uLong>(raw.size()));
    std::string z(n, '\0');
    compress(reinterpret_cast<Bytef*>(z.data()), &n, reinterpret_cast<const Bytef*>(raw.data()), static_cast<uLong>(raw.size()));
    z.resize(n);
    chunk("IDAT", z);
    chunk("IEND", "");
    std::ofstream(P("in/bomb.png"), std::ios::binary) << png;
  }
  // A PDF page of 14400x14400 pt with a line on it (was "Bogus memory allocation size", then
  // stored as "no QR anchor found").
  {
    const std::string content = "0 0 m 14400 14400 l S";
    std::ofstream(P("in/poster.pdf"), std::ios::binary) << phieu::testing::AssemblePdf(
        {"<< /Type /Catalog /Pages 2 0 R >>", "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
         "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 14400 14400] /Contents 4 0 R /Resources << >> >>",
         "<< /Length " + std::to_string(content.size()) + " >>\nstream\n" + content + "\nendstream"});
  }
  const std::string db = P("s.db");
  CmdResult ing = Phieu("ingest --db " + db + " --template health -q " + P("in") + " " + P("good"));
  ASSERT_EQ(ing.code, 1) << ing.out;
  for (const char* what : {"strip.tif, page 1: image of 60000x20 px is too small",
                           "bomb.png, page 1: image of 30000x30000 px", "poster.pdf, page 1: image of 60000x60000 px",
                           "14400x14400 pt", "pixels per page"})
    EXPECT_NE(ing.out.find(what), std::string::npos) << what << " not in:\n" << ing.out;
  ASSERT_EQ(Phieu("export --db " + db + " --format json --include-pending -o " + P("e.json")).code, 0);
  EXPECT_EQ(ReadJson(P("e.json")).size(), 1u);
  // Kept: the strip and the PDF as pages (their files are known), the bomb as an unreadable file.
  CmdResult st = Phieu("status --db " + db);
  EXPECT_NE(st.out.find("unreadable"), std::string::npos) << st.out;
  CmdResult again = Phieu("ingest --db " + db + " -q " + P("in") + " " + P("good"));
  EXPECT_NE(again.code, 134) << again.out;
  EXPECT_NE(again.out.find("already ingested"), std::string::npos) << again.out;
  // Raising the limit is how a genuinely large page gets in: the PDF is then rendered (and,
  // being no form, kept as unidentified).
  CmdResult raised = Phieu("ingest --db " + P("r.db") + " --template health -q --max-page-pixels 4000000000 " +
                           P("in/poster.pdf"));
  EXPECT_EQ(raised.out.find("pixels per page"), std::string::npos) << raised.out;
}

// Extreme shapes within the limits (a 60000x64 strip, its 64x60000 twin) are pages like any
// other: kept as unidentified, exit 0 (they aborted ingest with rc 134 from a thumbnail resize).
TEST_F(CliTest, ExtremeShapesWithinTheLimitsAreKeptAsUnidentified) {
  ASSERT_TRUE(cv::imwrite(P("wide.png"), cv::Mat(64, 60000, CV_8UC1, cv::Scalar(200))));
  ASSERT_TRUE(cv::imwrite(P("tall.png"), cv::Mat(60000, 64, CV_8UC1, cv::Scalar(200))));
  CmdResult ing = Phieu("ingest --db " + P("s.db") + " --template health -q " + P("wide.png") + " " + P("tall.png"));
  EXPECT_EQ(ing.code, 0) << ing.out;
  EXPECT_NE(ing.out.find("unidentified     2"), std::string::npos) << ing.out;
}

// The shortest page side is a limit like the others, lowered from the command line (README
// "Limits"): a 60000x20 strip is refused by default and read as a page with --min-page-side 20.
TEST_F(CliTest, MinPageSideIsSetFromTheCommandLine) {
  ASSERT_TRUE(cv::imwrite(P("strip.tif"), cv::Mat(20, 60000, CV_8UC1, cv::Scalar(200))));
  CmdResult refused = Phieu("ingest --db " + P("a.db") + " --template health -q " + P("strip.tif"));
  EXPECT_EQ(refused.code, 1) << refused.out;
  EXPECT_NE(refused.out.find("at least 64 px a side; --min-page-side lowers it"), std::string::npos) << refused.out;
  CmdResult lowered = Phieu("ingest --db " + P("b.db") + " --template health -q --min-page-side 20 " + P("strip.tif"));
  EXPECT_EQ(lowered.code, 0) << lowered.out;
  EXPECT_EQ(lowered.out.find("too small"), std::string::npos) << lowered.out;
  EXPECT_NE(lowered.out.find("unidentified     1"), std::string::npos) << lowered.out;
  // A side of 0 would let a 1x1 "page" in: a usage error.
  EXPECT_EQ(Phieu("ingest --db " + P("c.db") + " --template health -q --min-page-side 0 " + P("strip.tif")).code, 2);
}

// Exit codes (README "Exit codes"): 0 all stored, 1 some files unreadable, 2 usage, 3 survey.
TEST_F(CliTest, ExitCodesAreConsistent) {
  cv::Mat page(1200, 900, CV_8U, cv::Scalar(255));
  cv::putText(page, "Bien ban", {100, 300}, cv::FONT_HERSHEY_SIMPLEX, 3, cv::Scalar(0), 5);
  std::vector<unsigned char> jpg;
  cv::imencode(".jpg", page, jpg);
  std::ofstream(P("truncated.jpg"), std::ios::binary).write((const char*)jpg.data(), static_cast<std::streamsize>(jpg.size() / 2));
  std::ofstream(P("empty.jpg"));
  cv::imwrite(P("blank.png"), cv::Mat(1200, 900, CV_8U, cv::Scalar(250)));
  // A truncated JPEG and an empty file are both unreadable files: exit 1, named, kept.
  CmdResult t = Phieu("ingest --db " + P("a.db") + " --template health -q " + P("truncated.jpg"));
  CmdResult e = Phieu("ingest --db " + P("b.db") + " --template health -q " + P("empty.jpg"));
  EXPECT_EQ(t.code, 1) << t.out;
  EXPECT_EQ(e.code, 1) << e.out;
  EXPECT_NE(t.out.find("truncated.jpg: truncated"), std::string::npos) << t.out;
  EXPECT_NE(t.out.find("1 unreadable"), std::string::npos) << t.out;
  EXPECT_NE(e.out.find("1 unreadable"), std::string::npos) << e.out;
  // Every page stored (a blank page is kept as unidentified): 0.
  EXPECT_EQ(Phieu("ingest --db " + P("c.db") + " --template health -q " + P("blank.png")).code, 0);
  // Usage: 2, naming the word.
  CmdResult unknown = Phieu("ingset --db x.db");
  EXPECT_EQ(unknown.code, 2);
  EXPECT_NE(unknown.out.find("unknown command \"ingset\""), std::string::npos) << unknown.out;
  CmdResult unknown_sub = Phieu("template chek x.json");
  EXPECT_EQ(unknown_sub.code, 2);
  EXPECT_NE(unknown_sub.out.find("\"chek\""), std::string::npos) << unknown_sub.out;
  EXPECT_NE(unknown_sub.out.find("check, render, layout"), std::string::npos) << unknown_sub.out;
  EXPECT_EQ(Phieu("ingest --db " + P("d.db") + " --template health " + P("nope")).code, 2);
  // The survey file cannot be opened: 3.
  std::ofstream(P("garbage.db")) << std::string(4096, 'x');
  CmdResult bad_db = Phieu("status --db " + P("garbage.db"));
  EXPECT_EQ(bad_db.code, 3) << bad_db.out;
  CmdResult no_dir = Phieu("ingest --db " + P("no/such/dir/s.db") + " --template health -q " + P("blank.png"));
  EXPECT_EQ(no_dir.code, 3) << no_dir.out;
}

TEST_F(CliTest, VersionAndEveryGroupDescribed) {
  CmdResult v = Phieu("--version");
  EXPECT_EQ(v.code, 0);
  EXPECT_EQ(v.out.rfind("phieu ", 0), 0u) << v.out;
  CmdResult help = Phieu("--help");
  ASSERT_EQ(help.code, 0);
  auto at = help.out.find("Subcommands:");
  ASSERT_NE(at, std::string::npos) << help.out;
  std::istringstream lines(help.out.substr(at));
  std::string line;
  std::getline(lines, line);
  int listed = 0;
  while (std::getline(lines, line)) {
    if (line.find_first_not_of(' ') == std::string::npos) continue;
    std::istringstream words(line);
    std::string name, first_word;
    words >> name >> first_word;
    EXPECT_FALSE(first_word.empty()) << "no description for \"" << name << "\"";
    ++listed;
  }
  EXPECT_GE(listed, 8);
  for (const char* group : {"template", "survey", "units", "review"})
    EXPECT_NE(help.out.find(std::string("  ") + group + " "), std::string::npos) << group;
}

// Two ingests of the same stack into one survey at once: every page is stored once, and the
// two summaries together count each page once.
TEST_F(CliTest, TwoIngestsOfOneStackCountEachPageOnce) {
  CmdResult sim = Phieu("simulate --template school --sheets 4 --seed 3 --no-damage -o " + P("scans"));
  ASSERT_EQ(sim.code, 0) << sim.out;
  const std::string db = P("s.db");
  ASSERT_EQ(Phieu("survey init --db " + db + " --template school").code, 0);
  CmdResult a, b;
  std::thread ta([&] { a = Phieu("ingest --db " + db + " -q -j 1 " + P("scans")); });
  std::thread tb([&] { b = Phieu("ingest --db " + db + " -q -j 1 " + P("scans")); });
  ta.join();
  tb.join();
  ASSERT_EQ(a.code, 0) << a.out;
  ASSERT_EQ(b.code, 0) << b.out;
  auto pages_read = [](const std::string& out) {
    auto at = out.find("pages read");
    EXPECT_NE(at, std::string::npos) << out;
    return at == std::string::npos ? -1 : std::stoi(out.substr(at + 10));
  };
  auto json_pages = ReadJson(P("scans/pages.json"));
  const int total = static_cast<int>(json_pages.size());
  ASSERT_GT(total, 0);
  EXPECT_EQ(pages_read(a.out) + pages_read(b.out), total) << a.out << "\n----\n" << b.out;
}

// Killing ingest mid-batch and running it again gives exactly the result of one clean run.
TEST_F(CliTest, KilledIngestResumesWithNothingLostOrTwice) {
  CmdResult sim = Phieu("simulate --template school --sheets 14 --seed 11 -o " + P("scans"));
  ASSERT_EQ(sim.code, 0) << sim.out;
  ASSERT_EQ(Phieu("ingest --db " + P("clean.db") + " --template school -q -j 2 " + P("scans")).code, 0);

  const std::string db = P("killed.db");
  pid_t pid = fork();
  if (pid == 0) {
    freopen("/dev/null", "w", stdout);
    execl(kPhieu.c_str(), "phieu", "ingest", "--db", db.c_str(), "--template", "school", "-q", "-j", "1",
          P("scans").c_str(), (char*)nullptr);
    _exit(127);
  }
  // Kill once some pages are committed (the WAL grows with every page).
  for (int i = 0; i < 400; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(25));
    std::error_code ec;
    if (fs::exists(db + "-wal") && fs::file_size(db + "-wal", ec) > 200000) break;
  }
  kill(pid, SIGKILL);
  int status = 0;
  waitpid(pid, &status, 0);
  ASSERT_TRUE(WIFSIGNALED(status)) << "ingest finished before it could be killed";

  CmdResult resumed = Phieu("ingest --db " + db + " --template school -q -j 2 " + P("scans"));
  ASSERT_EQ(resumed.code, 0) << resumed.out;
  ASSERT_EQ(Phieu("export --db " + P("clean.db") + " --format json --include-pending -o " + P("a.json")).code, 0);
  ASSERT_EQ(Phieu("export --db " + db + " --format json --include-pending -o " + P("b.json")).code, 0);
  EXPECT_EQ(ReadJson(P("a.json")), ReadJson(P("b.json")));
  CmdResult st1 = Phieu("status --db " + P("clean.db"));
  CmdResult st2 = Phieu("status --db " + db);
  auto pages_line = [](const std::string& s) {
    auto at = s.find("pages ");
    return s.substr(at, s.find('\n', at) - at);
  };
  EXPECT_EQ(pages_line(st1.out), pages_line(st2.out));
}

// A sheet with a page never scanned is reported, and exported as incomplete.
TEST_F(CliTest, MissingPagesAreReported) {
  CmdResult sim = Phieu("simulate --template school --sheets 3 --seed 4 --missing-pages 1 --foreign 0 -o " + P("scans"));
  ASSERT_EQ(sim.code, 0) << sim.out;
  const std::string db = P("s.db");
  ASSERT_EQ(Phieu("ingest --db " + db + " --template school -q " + P("scans")).code, 0);
  CmdResult st = Phieu("status --db " + db);
  EXPECT_NE(st.out.find("not scanned"), std::string::npos) << st.out;
  ASSERT_EQ(Phieu("export --db " + db + " --format json --include-pending -o " + P("e.json")).code, 0);
  json truth = ReadJson(P("scans/truth.json"));
  std::map<long long, std::string> want;
  for (const auto& t : truth) want[t["serial"].get<long long>()] = t["status"].get<std::string>();
  // A page never scanned is the clerk's to find: its required fields are not the respondent's
  // blanks (unanswered_required), whatever the export says of them otherwise.
  ASSERT_EQ(Phieu("template layout school -o " + P("layout.json")).code, 0);
  const json layout = ReadJson(P("layout.json"));
  std::map<std::string, int> page_of;
  for (const auto& f : layout["fields"]) page_of[f["id"].get<std::string>()] = f["page"].get<int>();
  int incomplete = 0;
  for (const auto& e : ReadJson(P("e.json"))) {
    if (want[e["serial"].get<long long>()] == "incomplete") {
      EXPECT_EQ(e["status"], "incomplete") << e["serial"];
      ++incomplete;
      std::set<int> scanned;
      for (const auto& [id, value] : e["answers"].items())
        if (!value.is_null() && !(value.is_array() && value.empty())) scanned.insert(page_of[id]);
      for (const auto& id : e["unanswered_required"])
        EXPECT_TRUE(scanned.count(page_of[id.get<std::string>()])) << e["serial"] << " " << id << ": its page was never scanned";
    }
  }
  EXPECT_GT(incomplete, 0);
}

// Bad input: corrupt files, foreign QR codes, blank pages and an unregistered template
// version each get a clear message naming the file, and nothing is lost.
TEST_F(CliTest, BadInputIsNamedAndKept) {
  fs::create_directories(P("in"));
  // A good page from a real render.
  CmdResult sim = Phieu("simulate --template health --sheets 1 --seed 5 --no-damage --foreign 0 --blank-backs 0 -o " +
                  P("good"));
  ASSERT_EQ(sim.code, 0) << sim.out;
  std::ofstream(P("in/empty.png"));
  std::ofstream(P("in/notes.pdf")) << "this is not a pdf";
  std::ofstream(P("in/random.tif"), std::ios::binary) << std::string("II*\0garbage-garbage-garbage", 27);
  // Truncated JPEG: first 3 KiB of a real one.
  cv::Mat page(3508, 2480, CV_8U, cv::Scalar(255));
  cv::putText(page, "Bien ban", {300, 400}, cv::FONT_HERSHEY_SIMPLEX, 4, cv::Scalar(0), 6);
  std::vector<unsigned char> jpg;
  cv::imencode(".jpg", page, jpg);
  std::ofstream(P("in/truncated.jpg"), std::ios::binary).write((const char*)jpg.data(), 3000);
  // Blank page and a page with a foreign QR code.
  cv::imwrite(P("in/blank.png"), cv::Mat(3508, 2480, CV_8U, cv::Scalar(250)));
  ZXing::MultiFormatWriter w(ZXing::BarcodeFormat::QRCode);
  ZXing::BitMatrix bm = w.encode("https://dichvucong.gov.vn/p/home/dvc-trang-chu.html", 400, 400);
  cv::Mat foreign = page.clone();
  for (int y = 0; y < bm.height(); ++y)
    for (int x = 0; x < bm.width(); ++x)
      if (bm.get(x, y)) foreign.at<uint8_t>(800 + y, 800 + x) = 0;
  cv::imwrite(P("in/foreign.png"), foreign);

  const std::string db = P("s.db");
  CmdResult ing = Phieu("ingest --db " + db + " --template health -q " + P("in") + " " + P("good"));
  EXPECT_EQ(ing.code, 1) << ing.out;  // some files unreadable: the batch still finished
  for (const char* name : {"empty.png", "notes.pdf", "random.tif", "truncated.jpg"})
    EXPECT_NE(ing.out.find(name), std::string::npos) << name << " not named in:\n" << ing.out;
  CmdResult st = Phieu("status --db " + db);
  EXPECT_NE(st.out.find("blank"), std::string::npos) << st.out;
  EXPECT_NE(st.out.find("foreign"), std::string::npos) << st.out;

  // The readable sheet made it through.
  ASSERT_EQ(Phieu("export --db " + db + " --format json --include-pending -o " + P("e.json")).code, 0);
  EXPECT_EQ(ReadJson(P("e.json")).size(), 1u);

  // A page of a template version the survey does not know is kept as unidentified.
  std::string src;
  {
    std::ifstream f(kBundled + "/health.json");
    std::stringstream ss;
    ss << f.rdbuf();
    src = ss.str();
  }
  auto at = src.find("\"version\": 1");
  ASSERT_NE(at, std::string::npos);
  src.replace(at, 12, "\"version\": 2");
  std::ofstream(P("health-v2.json")) << src;
  ASSERT_EQ(Phieu("simulate --template " + P("health-v2.json") +
                  " --sheets 1 --seed 9 --foreign 0 --blank-backs 0 --serials 500-500 -o " + P("v2")).code, 0);
  CmdResult v2 = Phieu("ingest --db " + db + " -q " + P("v2"));
  EXPECT_EQ(v2.code, 0) << v2.out;
  EXPECT_NE(v2.out.find("unknown_version"), std::string::npos) << v2.out;

  CmdResult missing = Phieu("ingest --db " + db + " " + P("nope"));
  EXPECT_EQ(missing.code, 2);
  EXPECT_NE(missing.out.find("nope"), std::string::npos) << missing.out;
}

}  // namespace
