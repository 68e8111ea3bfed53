// Copyright 2026 The Phiếu Authors
// SPDX-License-Identifier: Apache-2.0
#include "simulator/simulator.h"

#include <algorithm>
#include <fstream>
#include <functional>
#include <map>
#include <set>
#include <sstream>

#include <unistd.h>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <poppler/cpp/poppler-document.h>
#include <poppler/cpp/poppler-image.h>
#include <poppler/cpp/poppler-page-renderer.h>
#include <poppler/cpp/poppler-page.h>
#include <tiffio.h>
#include <ZXing/ReadBarcode.h>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "common/temp_dir.h"
#include "simulator/test_template.h"
#include "templates/anchor_payload.h"
#include "templates/templates.h"

namespace phieu::simulator {
namespace {

using nlohmann::json;
namespace fs = std::filesystem;

std::string ReadText(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// One stack generated once for the whole suite (4 sheets of a 2-page template), plus a second
// run with the same seed and a different thread count for the determinism check.
class SimulatorTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    auto tpl = templates::ParseTemplate(kSimTestTemplate, "simtest");
    ASSERT_TRUE(tpl.ok()) << tpl.error().message;
    tpl_ = new templates::Template(*tpl);
    layout_ = new templates::Layout(templates::ComputeLayout(*tpl_));
    ASSERT_EQ(layout_->pages.size(), 2u) << "the test template should span two pages";
    tmp_ = new phieu::testing::TempDir("sim_stack");
    dir_ = new fs::path(tmp_->path());
    SimulateOptions o = Options(*dir_ / "a", 2);
    auto r = Simulate(*tpl_, o);
    ASSERT_TRUE(r.ok()) << r.error().message;
    report_ = new SimulateReport(*r);
    truth_ = new json(json::parse(ReadText(r->truth_path)));
    pages_ = new json(json::parse(ReadText(r->pages_path)));
  }
  static void TearDownTestSuite() {
    delete tmp_;
    delete tpl_;
    delete layout_;
    delete dir_;
    delete report_;
    delete truth_;
    delete pages_;
  }
  static SimulateOptions Options(const fs::path& out, int jobs) {
    SimulateOptions o;
    o.sheets = 4;
    o.seed = 12;
    o.out_dir = out;
    o.unit_codes = {"U01", "U01", "U02", ""};
    o.serials = {1001, 1002, 1003, 1004};
    o.missing_page_rate = 0.5;
    o.blank_back_rate = 0.2;
    o.foreign_pages = 2;
    o.jobs = jobs;
    o.dpi = 200;  // keeps the suite fast; mixed-dpi files still appear.
    return o;
  }

  static templates::Template* tpl_;
  static templates::Layout* layout_;
  static phieu::testing::TempDir* tmp_;  ///< removes the stack when the suite ends.
  static fs::path* dir_;
  static SimulateReport* report_;
  static json* truth_;
  static json* pages_;
};
templates::Template* SimulatorTest::tpl_ = nullptr;
templates::Layout* SimulatorTest::layout_ = nullptr;
phieu::testing::TempDir* SimulatorTest::tmp_ = nullptr;
fs::path* SimulatorTest::dir_ = nullptr;
SimulateReport* SimulatorTest::report_ = nullptr;
json* SimulatorTest::truth_ = nullptr;
json* SimulatorTest::pages_ = nullptr;

TEST_F(SimulatorTest, SameSeedSameStackWhateverTheJobs) {
  auto r = Simulate(*tpl_, Options(*dir_ / "b", 1));
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(ReadText(r->truth_path), ReadText(report_->truth_path));
  EXPECT_EQ(ReadText(r->pages_path), ReadText(report_->pages_path));
  auto other = Options(*dir_ / "c", 2);
  other.seed = 8;
  auto r2 = Simulate(*tpl_, other);
  ASSERT_TRUE(r2.ok());
  EXPECT_NE(ReadText(r2->truth_path), ReadText(report_->truth_path));
  // What made each stack is recorded with it (a re-scoring bench reports this seed).
  json made = json::parse(ReadText(*dir_ / "c" / "simulate.json"));
  EXPECT_EQ(made["seed"], 8);
  EXPECT_EQ(made["template"], tpl_->id);
  EXPECT_EQ(made["sheets"], 4);
}

TEST_F(SimulatorTest, TruthFollowsTheExportSchema) {
  ASSERT_TRUE(truth_->is_array());
  ASSERT_EQ(truth_->size(), 4u);
  std::vector<core::Serial> serials;
  for (const auto& t : *truth_) {
    std::set<std::string> keys;
    for (auto it = t.begin(); it != t.end(); ++it) keys.insert(it.key());
    EXPECT_EQ(keys, (std::set<std::string>{"serial", "template", "unit", "status", "answers", "pending"}));
    serials.push_back(t["serial"].get<core::Serial>());
    EXPECT_EQ(t["template"], "simtest");
    EXPECT_TRUE(t["status"] == "complete" || t["status"] == "incomplete");
    EXPECT_TRUE(t["pending"].is_array() && t["pending"].empty());
    ASSERT_EQ(t["answers"].size(), layout_->fields.size());
    for (const auto& f : layout_->fields) {
      ASSERT_TRUE(t["answers"].contains(f.id)) << f.id;
      const json& v = t["answers"][f.id];
      switch (f.kind) {
        case core::FieldKind::kSingle:
        case core::FieldKind::kScale:
          EXPECT_TRUE(v.is_null() || v.is_number() || v.is_string()) << f.id;
          if (f.id == "channel" && !v.is_null()) EXPECT_TRUE(v.is_string());
          if (f.kind == core::FieldKind::kScale && !v.is_null()) EXPECT_TRUE(v.is_number_integer());
          break;
        case core::FieldKind::kMulti:
          EXPECT_TRUE(v.is_null() || v.is_array()) << f.id;
          break;
        case core::FieldKind::kDigits:
        case core::FieldKind::kText:
          EXPECT_TRUE(v.is_null() || v.is_string()) << f.id;
          break;
      }
    }
  }
  EXPECT_EQ(serials, (std::vector<core::Serial>{1001, 1002, 1003, 1004}));
  EXPECT_EQ((*truth_)[0]["unit"], "U01");
  EXPECT_TRUE((*truth_)[3]["unit"].is_null());
}

TEST_F(SimulatorTest, TruthAgreesWithTheMarksOnThePages) {
  std::map<core::Serial, json> truth;
  for (const auto& t : *truth_) truth[t["serial"].get<core::Serial>()] = t;
  std::map<core::Serial, std::set<int>> seen_pages;
  int forms = 0;
  for (const auto& p : *pages_) {
    if (p["kind"] != "form") continue;
    ++forms;
    core::Serial s = p["serial"].get<core::Serial>();
    ASSERT_TRUE(truth.count(s));
    int page = p["page"].get<int>();
    EXPECT_TRUE(seen_pages[s].insert(page).second) << "page scanned twice";
    const json& answers = truth[s]["answers"];
    for (const auto& f : layout_->fields) {
      if (f.page != page) continue;
      const json marks = p["marks"].contains(f.id) ? p["marks"][f.id] : json::array();
      std::vector<json> selected;
      for (const auto& m : marks)
        if (m["selected"].get<bool>() && m["mark"] != "cancelled") selected.push_back(m["value"]);
      for (const auto& m : marks)
        if (m["mark"] == "cancelled") EXPECT_FALSE(m["selected"].get<bool>());
      const json& v = answers[f.id];
      if (f.kind == core::FieldKind::kMulti) {
        json sorted = json::array();
        for (const auto& o : f.options)
          for (const auto& x : selected)
            if (x == json::parse(o.value, nullptr, false) || x == o.value) sorted.push_back(x);
        EXPECT_EQ(v, sorted) << f.id;
      } else if (core::IsBoxKind(f.kind)) {
        EXPECT_EQ(v, selected.size() == 1 ? selected[0] : json()) << f.id;
      } else {
        EXPECT_EQ(v, selected.empty() ? json() : selected[0]) << f.id;
      }
    }
  }
  // Every sheet is complete exactly when all its pages were scanned; missing pages read null.
  for (const auto& [s, t] : truth) {
    bool complete = seen_pages[s].size() == layout_->pages.size();
    EXPECT_EQ(t["status"], complete ? "complete" : "incomplete") << s;
    for (const auto& f : layout_->fields)
      if (!seen_pages[s].count(f.page)) EXPECT_TRUE(t["answers"][f.id].is_null());
  }
  EXPECT_GE(forms, 4);
  // Seed 12 is chosen so that some sheet lost a page.
  EXPECT_TRUE(std::any_of(truth_->begin(), truth_->end(), [](const json& t) { return t["status"] == "incomplete"; }));
  EXPECT_EQ(static_cast<int>(pages_->size()), report_->pages);
}

TEST_F(SimulatorTest, FilesDecodeWithTheRightPageCounts) {
  std::map<std::string, int> counts;
  for (const auto& p : *pages_) {
    EXPECT_EQ(p["page_index"].get<int>(), counts[p["file"].get<std::string>()]++);
  }
  EXPECT_EQ(static_cast<int>(counts.size()), report_->files);
  std::set<std::string> exts;
  for (const auto& [name, n] : counts) {
    fs::path path = *dir_ / "a" / name;
    ASSERT_TRUE(fs::exists(path)) << name;
    std::string ext = path.extension().string();
    exts.insert(ext);
    if (ext == ".tif") {
      std::vector<cv::Mat> pages;
      ASSERT_TRUE(cv::imreadmulti(path.string(), pages, cv::IMREAD_GRAYSCALE)) << name;
      EXPECT_EQ(static_cast<int>(pages.size()), n) << name;
      TIFF* tif = TIFFOpen(path.c_str(), "r");
      ASSERT_NE(tif, nullptr);
      uint16_t compression = 0, bits = 0;
      TIFFGetField(tif, TIFFTAG_COMPRESSION, &compression);
      TIFFGetField(tif, TIFFTAG_BITSPERSAMPLE, &bits);
      EXPECT_EQ(compression, COMPRESSION_CCITTFAX4) << name;
      EXPECT_EQ(bits, 1) << name;
      TIFFClose(tif);
    } else if (ext == ".pdf") {
      std::unique_ptr<poppler::document> doc(poppler::document::load_from_file(path.string()));
      ASSERT_TRUE(doc) << name;
      EXPECT_EQ(doc->pages(), n) << name;
    } else {
      EXPECT_EQ(n, 1) << name;
      EXPECT_FALSE(cv::imread(path.string(), cv::IMREAD_UNCHANGED).empty()) << name;
    }
  }
  // The first four files always cover the four formats.
  EXPECT_EQ(exts, (std::set<std::string>{".tif", ".pdf", ".jpg", ".png"}));
  EXPECT_FALSE(fs::exists(*dir_ / "a" / "printed"));
}

cv::Mat LoadPage(const fs::path& path, int index, double dpi) {
  if (path.extension() == ".pdf") {
    std::unique_ptr<poppler::document> doc(poppler::document::load_from_file(path.string()));
    std::unique_ptr<poppler::page> page(doc->create_page(index));
    poppler::page_renderer r;
    r.set_image_format(poppler::image::format_gray8);
    poppler::image im = r.render_page(page.get(), dpi, dpi);
    return cv::Mat(im.height(), im.width(), CV_8UC1, im.data(), im.bytes_per_row()).clone();
  }
  std::vector<cv::Mat> pages;
  cv::imreadmulti(path.string(), pages, cv::IMREAD_GRAYSCALE);
  return pages.at(index);
}

TEST_F(SimulatorTest, AnchorsStillDecodeAfterDamage) {
  int form_pages = 0, good = 0, foreign_seen = 0;
  for (const auto& p : *pages_) {
    cv::Mat img = LoadPage(*dir_ / "a" / p["file"].get<std::string>(), p["page_index"].get<int>(),
                           p["dpi"].get<double>());
    ASSERT_FALSE(img.empty());
    auto results = ZXing::ReadBarcodes(ZXing::ImageView(img.data, img.cols, img.rows, ZXing::ImageFormat::Lum,
                                                        static_cast<int>(img.step)),
                                       ZXing::DecodeHints().setFormats(ZXing::BarcodeFormat::QRCode));
    std::set<int> corners;
    for (const auto& r : results) {
      auto a = templates::DecodeAnchorPayload(r.text());
      if (!a) {
        if (p["kind"] == "foreign") ++foreign_seen;
        continue;
      }
      ASSERT_EQ(p["kind"], "form") << "a Phiếu anchor on a " << p["kind"] << " page";
      EXPECT_EQ(a->key.serial, p["serial"].get<core::Serial>());
      EXPECT_EQ(a->key.page, p["page"].get<int>());
      corners.insert(a->corner);
    }
    if (p["kind"] != "form") continue;
    ++form_pages;
    bool blotted = false;
    for (const auto& d : p["damage"]) blotted |= d.get<std::string>().rfind("anchor_blot", 0) == 0;
    if (corners.size() >= (blotted ? 2u : 3u)) ++good;
  }
  EXPECT_GE(foreign_seen, 1);  // the foreign QR page is there and is not a Phiếu anchor.
  EXPECT_GE(good, form_pages * 9 / 10) << good << " of " << form_pages;
}

TEST_F(SimulatorTest, OnlyTheChosenPagesAreScanned) {
  // A benchmark's stack of one kind of page: page 2 of every sheet, at one resolution, and the
  // truth says the other page was never scanned.
  SimulateOptions o = Options(*dir_ / "p2", 2);
  o.only_pages = {2};
  o.mix_dpi = false;
  o.missing_page_rate = 0.0;
  o.blank_back_rate = 0.0;
  o.foreign_pages = 0;
  auto r = Simulate(*tpl_, o);
  ASSERT_TRUE(r.ok()) << r.error().message;
  const json pages = json::parse(ReadText(r->pages_path));
  ASSERT_EQ(pages.size(), 4u);
  for (const auto& p : pages) {
    EXPECT_EQ(p["kind"], "form");
    EXPECT_EQ(p["page"], 2);
    EXPECT_EQ(p["dpi"], 200.0);
  }
  for (const auto& t : json::parse(ReadText(r->truth_path))) {
    EXPECT_EQ(t["status"], "incomplete");
    for (const auto& f : layout_->fields)
      if (f.page == 1) EXPECT_TRUE(t["answers"][f.id].is_null()) << f.id;
  }
  o.only_pages = {3};
  auto bad = Simulate(*tpl_, o);
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.error().message.find("no page 3"), std::string::npos) << bad.error().message;
}

// Every form page damaged one way (`tag`, e.g. "crease:"), or none: the damage is logged with a
// darkness in [lo, hi], 1 to 2 times a page, and nothing else about the stack (answers, marks,
// the other damage) changes with it.
void ExpectDamageOfItsOwn(const std::function<SimulateOptions(const fs::path&)>& options, const fs::path& dir,
                          const templates::Template& tpl, const std::string& tag,
                          const std::function<void(SimulateOptions&, double)>& set_rate, double lo, double hi) {
  auto make = [&](const char* name, double rate) {
    SimulateOptions o = options(dir / name);
    o.crease_rate = 0.0;
    set_rate(o, rate);
    auto r = Simulate(tpl, o);
    EXPECT_TRUE(r.ok()) << r.error().message;
    return json::parse(ReadText(r->pages_path));
  };
  const json damaged = make("damaged", 1.0), flat = make("flat", 0.0);
  EXPECT_EQ(ReadText(dir / "damaged" / "truth.json"), ReadText(dir / "flat" / "truth.json"));
  ASSERT_EQ(damaged.size(), flat.size());
  int forms = 0;
  for (size_t i = 0; i < damaged.size(); ++i) {
    if (damaged[i]["kind"] != "form") continue;
    ++forms;
    EXPECT_EQ(damaged[i]["marks"], flat[i]["marks"]);
    json others = json::array();
    int count = 0;
    for (const auto& d : damaged[i]["damage"]) {
      const std::string entry = d.get<std::string>();
      if (entry.rfind(tag, 0) == 0) {
        ++count;
        const double dark = std::stod(entry.substr(tag.size()));
        EXPECT_GE(dark, lo) << entry;
        EXPECT_LE(dark, hi) << entry;
      } else {
        others.push_back(d);
      }
    }
    EXPECT_GE(count, 1) << damaged[i]["file"];
    EXPECT_LE(count, 2) << damaged[i]["file"];
    for (const auto& d : flat[i]["damage"]) EXPECT_NE(d.get<std::string>().rfind(tag, 0), 0u);
    // Binarisation thresholds may move with the damage's darkness; geometry and noise do not.
    json flat_others = json::array();
    for (const auto& d : flat[i]["damage"])
      if (d.get<std::string>().rfind("binarize", 0) != 0) flat_others.push_back(d);
    json damaged_others = json::array();
    for (const auto& d : others)
      if (d.get<std::string>().rfind("binarize", 0) != 0) damaged_others.push_back(d);
    EXPECT_EQ(damaged_others, flat_others) << damaged[i]["file"];
  }
  EXPECT_GT(forms, 4);
}

TEST_F(SimulatorTest, CreasesAreDamageOfTheirOwn) {
  ExpectDamageOfItsOwn([](const fs::path& out) { return Options(out, 2); }, *dir_, *tpl_, "crease:",
                       [](SimulateOptions& o, double rate) { o.crease_rate = rate; }, 0.1, 0.6);
}

TEST_F(SimulatorTest, StainsAreDamageOfTheirOwn) {
  ExpectDamageOfItsOwn([](const fs::path& out) { return Options(out, 2); }, *dir_ / "stains", *tpl_, "stain:",
                       [](SimulateOptions& o, double rate) { o.stain_rate = rate; }, 0.05, 0.3);
}

TEST_F(SimulatorTest, ShowThroughIsTheLeafsOtherSideMirrored) {
  // Page 1 scanned with and without show-through, and page 2 (its back) alone: clean, upright,
  // one resolution, so the three line up pixel for pixel.
  auto make = [&](const char* name, int page, double show_through) {
    SimulateOptions o = Options(*dir_ / name, 2);
    o.only_pages = {page};
    o.mix_dpi = false;
    o.damage = false;
    o.shuffle = false;
    o.missing_page_rate = 0.0;
    o.blank_back_rate = 0.0;
    o.foreign_pages = 0;
    o.show_through = show_through;
    auto r = Simulate(*tpl_, o);
    EXPECT_TRUE(r.ok()) << r.error().message;
    return json::parse(ReadText(r->pages_path));
  };
  const json plain = make("st_plain", 1, 0.0), shown = make("st_shown", 1, 0.15), backs = make("st_backs", 2, 0.0);
  ASSERT_EQ(plain.size(), 4u);
  ASSERT_EQ(shown.size(), 4u);
  ASSERT_EQ(backs.size(), 4u);
  EXPECT_EQ(ReadText(*dir_ / "st_plain" / "truth.json"), ReadText(*dir_ / "st_shown" / "truth.json"));
  int compared = 0;
  for (size_t i = 0; i < plain.size(); ++i) {
    EXPECT_EQ(shown[i]["marks"], plain[i]["marks"]);
    EXPECT_EQ(shown[i]["damage"].front(), "show_through:0.15");
    if (plain[i]["file"].get<std::string>().ends_with(".tif")) continue;  // bilevel
    ASSERT_EQ(backs[i]["serial"], plain[i]["serial"]);
    const double dpi = plain[i]["dpi"];
    const cv::Mat a = LoadPage(*dir_ / "st_plain" / plain[i]["file"].get<std::string>(), 0, dpi);
    const cv::Mat b = LoadPage(*dir_ / "st_shown" / shown[i]["file"].get<std::string>(), 0, dpi);
    cv::Mat back = LoadPage(*dir_ / "st_backs" / backs[i]["file"].get<std::string>(), 0, dpi);
    ASSERT_EQ(a.size(), b.size());
    ASSERT_EQ(a.size(), back.size());
    cv::flip(back, back, 1);
    cv::Mat darker, back_ink;
    cv::subtract(a, b, darker, cv::noArray(), CV_32F);
    cv::subtract(cv::Scalar(255), back, back_ink, cv::noArray(), CV_32F);
    const double mean = cv::mean(darker)[0];
    EXPECT_GT(mean, 0.3) << plain[i]["file"];
    EXPECT_LT(mean, 8.0) << plain[i]["file"];
    // The darkening follows the back's ink, mirrored (its print and its marks) and diffused by
    // the paper (0.3-0.6 mm).
    cv::GaussianBlur(back_ink, back_ink, cv::Size(0, 0), 0.45 / 25.4 * dpi);
    cv::Mat r;
    cv::matchTemplate(darker, back_ink, r, cv::TM_CCOEFF_NORMED);
    EXPECT_GT(r.at<float>(0, 0), 0.6) << plain[i]["file"];
    ++compared;
  }
  EXPECT_GE(compared, 3);
}

TEST_F(SimulatorTest, ADuplexStackHoldsWholeLeavesInOrder) {
  // Scanned duplex: each file is a PDF or a TIFF of whole leaves, every page right before or
  // after the other side of its leaf (pages 1 and 2 of one sheet); foreign pages come as leaves.
  SimulateOptions o = Options(*dir_ / "duplex", 2);
  o.duplex = true;  // with Options' missing pages: a lost side is a blank in its place
  auto r = Simulate(*tpl_, o);
  ASSERT_TRUE(r.ok()) << r.error().message;
  const json pages = json::parse(ReadText(r->pages_path));
  std::map<std::string, std::vector<json>> files;
  for (const auto& p : pages) files[p["file"].get<std::string>()].push_back(p);
  int leaves = 0, whole = 0, padded = 0;
  for (auto& [name, in_file] : files) {
    EXPECT_TRUE(name.ends_with(".pdf") || name.ends_with(".tif")) << name;
    ASSERT_EQ(in_file.size() % 2, 0u) << name;
    std::sort(in_file.begin(), in_file.end(), [](const json& a, const json& b) { return a["page_index"] < b["page_index"]; });
    for (size_t i = 0; i + 1 < in_file.size(); i += 2) {
      const json& front = in_file[i];
      const json& back = in_file[i + 1];
      if (front["kind"] == "foreign" || back["kind"] == "foreign") {
        EXPECT_EQ(front["kind"], back["kind"]) << name << " " << i;
        continue;
      }
      // Both sides of one sheet's leaf; a side not scanned is a blank back of the other.
      const json& sheet_side = front["kind"] == "form" ? front : back;
      ASSERT_EQ(sheet_side["kind"], "form") << name << " " << i;
      if (front["kind"] == "form") EXPECT_EQ(front["page"], 1) << name << " " << i;
      if (back["kind"] == "form") EXPECT_EQ(back["page"], 2) << name << " " << i;
      if (front["kind"] == "form" && back["kind"] == "form") {
        EXPECT_EQ(front["serial"], back["serial"]) << name << " " << i;
        ++whole;
      } else {
        const json& blank = front["kind"] == "blank" ? front : back;
        EXPECT_EQ(blank["back_of"]["serial"], sheet_side["serial"]) << name << " " << i;
        ++padded;
      }
      ++leaves;
    }
  }
  EXPECT_EQ(leaves, 4);
  EXPECT_GE(whole, 1);
  EXPECT_GE(padded, 1) << "Options lose a page of half the sheets";
}

TEST(SimulatorUsageTest, RejectsMissingOutDirAndBadUnits) {
  auto tpl = templates::ParseTemplate(kSimTestTemplate, "simtest");
  ASSERT_TRUE(tpl.ok());
  SimulateOptions o;
  EXPECT_FALSE(Simulate(*tpl, o).ok());
  phieu::testing::TempDir dir("sim_usage");
  o.out_dir = dir.path();
  o.unit_codes = {"A"};
  auto r = Simulate(*tpl, o);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, "usage");
}

}  // namespace
}  // namespace phieu::simulator
