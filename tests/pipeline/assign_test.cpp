// Copyright 2026 The Phiếu Authors
// SPDX-License-Identifier: Apache-2.0
// A page assigned by hand (pipeline::AssignPage): a simulated form page whose QR anchors are
// inked over is kept as unidentified by ingest; named by a clerk, it is aligned from its printed
// box grid or from four clicked points, read, and its answers are the simulator's truth, at two
// scan settings. Wrong serials, pages, points and pages without a grid change nothing.
#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <future>
#include <mutex>
#include <thread>

#include <unistd.h>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "common/phieu_cli.h"
#include "common/scan_damage.h"
#include "common/temp_dir.h"
#include "pipeline/pipeline.h"
#include "scanner/src/reader_threads.h"
#include "templates/templates.h"

namespace phieu::pipeline {
namespace {

namespace fs = std::filesystem;
using phieu::testing::Phieu;

constexpr core::Serial kSerial = 1000001;  // the first serial a survey allocates
using phieu::testing::TempDir;

/// One way the damaged page reaches the scanner.
struct ScanSetting {
  const char* name;
  double scale;     ///< of the 300-dpi simulated scan.
  double skew_deg;  ///< clockwise turn of the whole sheet on the glass.
  int quarter;      ///< extra quarter turns (an upside-down sheet: 2).
};

void PrintTo(const ScanSetting& s, std::ostream* os) { *os << s.name; }

class AssignTest : public ::testing::TestWithParam<ScanSetting> {
 protected:
  // Sheet kSerial of the health questionnaire, page 1, a clean 300-dpi scan with the truth.
  static void SetUpTestSuite() {
    sim_ = new fs::path(fs::temp_directory_path() / ("phieu_assign_sim_" + std::to_string(::getpid())));
    fs::remove_all(*sim_);
    auto r = Phieu("simulate --template health --serials 1000001-1000001 --seed 11 --no-damage --single-dpi --dpi 300 "
                   "--foreign 0 --blank-backs 0 --pages 1 -o " + sim_->string());
    ASSERT_EQ(r.code, 0) << r.out;
    std::ifstream in(*sim_ / "truth.json");
    truth_ = new nlohmann::json(nlohmann::json::parse(in));
  }
  static void TearDownTestSuite() {
    fs::remove_all(*sim_);
    delete sim_;
    delete truth_;
  }

  static templates::Template Health() {
    auto tpl = templates::LoadTemplate(templates::BundledTemplatesDir() / "health.json");
    EXPECT_TRUE(tpl.ok());
    return *tpl;
  }
  static const templates::Layout& Layout() {
    static const templates::Layout layout = templates::ComputeLayout(Health());
    return layout;
  }
  static templates::TemplateCatalog Catalog() {
    templates::TemplateCatalog c;
    c.Add(Layout());
    return c;
  }

  /// A survey with the health template and sheet kSerial printed for unit U1.
  std::unique_ptr<store::Store> Survey(const std::string& name) {
    auto s = store::Store::Open(dir_ / name, true);
    EXPECT_TRUE(s.ok());
    EXPECT_TRUE((*s)->RegisterTemplate(Health(), Layout()).ok());
    EXPECT_TRUE((*s)->ImportUnitsCsv("code,name,kind,quota\nU1,Trạm Y tế xã An Bình,health,10\n", "u.csv").ok());
    auto serials = (*s)->AllocateSerials("health", 1, "U1", 1);
    EXPECT_TRUE(serials.ok());
    EXPECT_EQ(serials->front(), kSerial);
    return std::move(*s);
  }

  /// The simulated page, its page-mm -> px fit (from its intact anchors).
  static std::pair<cv::Mat, cv::Matx33d> CleanPage() {
    auto files = scanner::ExpandInputs({*sim_});
    EXPECT_TRUE(files.ok());
    EXPECT_EQ(files->size(), 1u);
    auto reader = scanner::OpenScanFile(files->front());
    EXPECT_TRUE(reader.ok());
    auto scan = (*reader)->ReadPage(0);
    EXPECT_TRUE(scan.ok());
    const auto aligned = scanner::AlignPage(*scan, Catalog());
    EXPECT_EQ(aligned.status, scanner::AlignStatus::kOk) << aligned.reason;
    EXPECT_EQ(aligned.key.serial, kSerial);
    EXPECT_EQ(aligned.key.page, 1);
    return {scan->gray.clone(), aligned.mm_to_px};
  }

  /// A damaged scan, where its anchors' centres are (px, TL TR BR BL of the form) and its true
  /// page mm -> px transform.
  struct Damaged {
    cv::Mat image;
    std::array<cv::Point2d, 4> centres;
    cv::Matx33d truth;
  };

  /// The page with its four QR anchors inked over (a grey smear and black strokes over each
  /// symbol, its outline still visible), as `setting` scans it.
  static Damaged DamagedPage(const ScanSetting& setting) {
    auto [gray, h] = CleanPage();
    auto px = [&](cv::Point2d mm) {
      cv::Vec3d v = h * cv::Vec3d(mm.x, mm.y, 1);
      return cv::Point2d(v[0] / v[2], v[1] / v[2]);
    };
    std::array<cv::Point2d, 4> centres{};
    for (const auto& a : Layout().pages[0].anchors) {
      const core::RectMm& r = a.symbol_mm;
      const cv::Point2d c = px({r.x + r.w / 2, r.y + r.h / 2});
      centres[static_cast<size_t>(a.corner)] = c;
      const double side = cv::norm(px({r.x, r.y}) - px({r.right(), r.y}));
      cv::rectangle(gray, cv::Rect2d(c.x - 0.42 * side, c.y - 0.42 * side, 0.84 * side, 0.84 * side),
                    cv::Scalar(150), cv::FILLED);
      for (int k = -2; k <= 2; ++k)
        cv::line(gray, c + cv::Point2d(-0.5 * side, k * 0.2 * side), c + cv::Point2d(0.5 * side, -k * 0.2 * side),
                 cv::Scalar(0), std::max(2, static_cast<int>(side / 25)));
    }
    // Turn and scale about the centre onto a canvas that holds the whole turned page.
    const cv::Point2f centre(gray.cols / 2.0f, gray.rows / 2.0f);
    cv::Mat m = cv::getRotationMatrix2D(centre, -(setting.skew_deg + 90.0 * setting.quarter), setting.scale);
    const cv::Rect2f box = cv::RotatedRect(centre, cv::Size2f(gray.cols * setting.scale, gray.rows * setting.scale),
                                           static_cast<float>(setting.skew_deg + 90.0 * setting.quarter))
                               .boundingRect2f();
    m.at<double>(0, 2) += box.width / 2 - centre.x;
    m.at<double>(1, 2) += box.height / 2 - centre.y;
    cv::Mat out;
    cv::warpAffine(gray, out, m, cv::Size(static_cast<int>(box.width), static_cast<int>(box.height)),
                   cv::INTER_LINEAR, cv::BORDER_CONSTANT, cv::Scalar(255));
    phieu::testing::AddGrain(out, 4.0, 7);
    phieu::testing::JpegRoundTrip(out, 85);
    const cv::Matx23d a(m);
    for (auto& c : centres)
      c = {a(0, 0) * c.x + a(0, 1) * c.y + a(0, 2), a(1, 0) * c.x + a(1, 1) * c.y + a(1, 2)};
    const cv::Matx33d turn(a(0, 0), a(0, 1), a(0, 2), a(1, 0), a(1, 1), a(1, 2), 0, 0, 1);
    return {out, centres, turn * h};
  }

  /// The largest distance (mm) between where the stored homography of page 1 and the true
  /// transform put the centres of the page's printed boxes.
  static double WorstBoxOffsetMm(store::Store& s, const cv::Matx33d& truth) {
    auto src = s.LoadPageSource(kSerial, 1);
    EXPECT_TRUE(src.ok());
    EXPECT_TRUE(src->has_value());
    if (!src.ok() || !src->has_value()) return 1e9;
    cv::Matx33d stored;
    for (int i = 0; i < 9; ++i) stored.val[i] = (**src).mm_to_px[static_cast<size_t>(i)];
    auto at = [](const cv::Matx33d& h, double x, double y) {
      const cv::Vec3d v = h * cv::Vec3d(x, y, 1);
      return cv::Point2d(v[0] / v[2], v[1] / v[2]);
    };
    const double px_per_mm = cv::norm(at(truth, 1, 0) - at(truth, 0, 0));
    double worst = 0;
    for (const auto& f : Layout().fields) {
      if (f.page != 1) continue;
      for (const auto& o : f.options) {
        const double x = o.box_mm.x + o.box_mm.w / 2, y = o.box_mm.y + o.box_mm.h / 2;
        worst = std::max(worst, cv::norm(at(stored, x, y) - at(truth, x, y)) / px_per_mm);
      }
    }
    return worst;
  }

  /// Ingests `image` as a PNG scan file; returns the id of the page, which must be unidentified.
  std::int64_t IngestUnidentified(store::Store& s, const cv::Mat& image, const std::string& name) {
    const fs::path file = dir_ / name;
    EXPECT_TRUE(cv::imwrite(file.string(), image));
    auto summary = Ingest(s, Catalog(), {file}, {});
    EXPECT_TRUE(summary.ok());
    EXPECT_EQ(summary->pages_unidentified, 1) << "the anchors survived the ink";
    auto pages = s.ListUnidentifiedPages(100);
    EXPECT_TRUE(pages.ok());
    return pages->empty() ? 0 : pages->back().page_id;
  }

  /// Box fields of page 1 whose stored value differs from the simulator's truth (fields still
  /// waiting for review are skipped: a reviewer settles them); `checked` counts the rest,
  /// `answered` those of them the respondent marked (a page read in the wrong place reads blank).
  static int WrongBoxFields(store::Store& s, int& checked, int& answered) {
    auto sheet = s.GetSheet(kSerial);
    EXPECT_TRUE(sheet.ok());
    EXPECT_TRUE(sheet->has_value());
    if (!sheet->has_value()) return 1000;
    const auto& truth = (*truth_)[0]["answers"];
    int wrong = 0;
    checked = 0;
    answered = 0;
    for (const auto& f : Layout().fields) {
      if (f.page != 1 || !core::IsBoxKind(f.kind)) continue;
      if (std::count((*sheet)->pending.begin(), (*sheet)->pending.end(), f.id)) continue;
      std::vector<std::string> want;
      const auto& t = truth.at(f.id);
      if (t.is_array())
        for (const auto& v : t) want.push_back(v.is_string() ? v.get<std::string>() : v.dump());
      else if (!t.is_null())
        want.push_back(t.is_string() ? t.get<std::string>() : t.dump());
      auto got = (*sheet)->selected[f.id];
      std::sort(want.begin(), want.end());
      std::sort(got.begin(), got.end());
      ++checked;
      if (!want.empty()) ++answered;
      if (got != want) {
        ++wrong;
        ADD_FAILURE() << f.id << ": read " << ::testing::PrintToString(got) << ", truth " << t.dump();
      }
    }
    return wrong;
  }

  static int FieldsOnPage1() {
    return static_cast<int>(std::count_if(Layout().fields.begin(), Layout().fields.end(),
                                          [](const templates::FieldLayout& f) { return f.page == 1; }));
  }

  static std::array<ImagePoint, 4> Shares(const cv::Mat& image, const std::array<cv::Point2d, 4>& px) {
    std::array<ImagePoint, 4> out;
    for (size_t i = 0; i < 4; ++i)
      out[i] = {(px[i].x + 0.5) / image.cols, (px[i].y + 0.5) / image.rows};
    return out;
  }

  static int AuditRows(store::Store& s) {
    auto rows = s.ListAudit({});
    EXPECT_TRUE(rows.ok());
    return static_cast<int>(std::count_if(rows->begin(), rows->end(),
                                          [](const store::AuditRow& r) { return r.entity == "page"; }));
  }

  TempDir dir_{"assign"};
  static fs::path* sim_;
  static nlohmann::json* truth_;
};
fs::path* AssignTest::sim_ = nullptr;
nlohmann::json* AssignTest::truth_ = nullptr;

TEST_P(AssignTest, ByGridReadsTheMarks) {
  auto [image, centres, truth] = DamagedPage(GetParam());
  auto s = Survey("grid.db");
  const std::int64_t id = IngestUnidentified(*s, image, "page.png");
  ASSERT_GT(id, 0);
  auto outcome = AssignPage(*s, Catalog(), id, {.serial = kSerial, .page = 1, .anchor_centres = {},
                                                .by = {.who = "thu", .screen = "desk", .address = "10.0.0.7"}});
  ASSERT_TRUE(outcome.ok()) << outcome.error().message;
  EXPECT_EQ(outcome->status, "ok");
  EXPECT_EQ(outcome->method, "grid");
  EXPECT_LT(outcome->residual_mm, 0.4);
  // The fit puts every printed box where it truly is in the scan.
  const double worst = WorstBoxOffsetMm(*s, truth);
  EXPECT_LT(worst, 0.5);
  std::printf("[ figures ] %s grid: residual %.3f mm, worst box centre off by %.3f mm\n", GetParam().name,
              outcome->residual_mm, worst);
  EXPECT_EQ(outcome->change.readings_added, FieldsOnPage1());
  int checked = 0, answered = 0;
  EXPECT_EQ(WrongBoxFields(*s, checked, answered), 0);
  EXPECT_GE(checked, 7);
  EXPECT_GE(answered, 5);
  // The sheet's unit is the printed one; the page left the unidentified list; one audit row.
  auto sheet = s->GetSheet(kSerial);
  EXPECT_EQ((*sheet)->unit_code, "U1");
  EXPECT_TRUE(s->ListUnidentifiedPages(100)->empty());
  auto audit = s->ListAudit({});
  ASSERT_FALSE(audit->empty());
  EXPECT_EQ(audit->front().entity, "page");
  EXPECT_EQ(audit->front().who, "thu");
  EXPECT_EQ(audit->front().address, "10.0.0.7");
  EXPECT_NE(audit->front().new_value->find("\"method\":\"grid\""), std::string::npos);
}

TEST_P(AssignTest, ByFourPointsReadsTheMarks) {
  auto [image, centres, truth] = DamagedPage(GetParam());
  auto s = Survey("points.db");
  const std::int64_t id = IngestUnidentified(*s, image, "page.png");
  ASSERT_GT(id, 0);
  // A clerk's clicks land a little off the centres (about 1.5 mm at 300 dpi).
  const double off = 18 * GetParam().scale;
  std::array<cv::Point2d, 4> clicked = {centres[0] + cv::Point2d(off, -off), centres[1] + cv::Point2d(-off, 0),
                                        centres[2] + cv::Point2d(0, off), centres[3] + cv::Point2d(off, off)};
  auto outcome = AssignPage(*s, Catalog(), id, {.serial = kSerial, .page = 1, .anchor_centres = Shares(image, clicked),
                                                .by = {.who = "thu", .screen = "desk", .address = ""}});
  ASSERT_TRUE(outcome.ok()) << outcome.error().message;
  EXPECT_EQ(outcome->status, "ok");
  EXPECT_EQ(outcome->method, "points");
  // Clicks 1.5 mm off; the box grid refines the fit to well under that.
  const double worst = WorstBoxOffsetMm(*s, truth);
  EXPECT_LT(worst, 0.5);
  std::printf("[ figures ] %s points: worst box centre off by %.3f mm\n", GetParam().name, worst);
  int checked = 0, answered = 0;
  EXPECT_EQ(WrongBoxFields(*s, checked, answered), 0);
  EXPECT_GE(checked, 7);
  EXPECT_GE(answered, 5);
}

INSTANTIATE_TEST_SUITE_P(Scans, AssignTest,
                         ::testing::Values(ScanSetting{"skewed_300dpi", 1.0, 2.5, 0},
                                           ScanSetting{"upside_down_200dpi", 2.0 / 3.0, -1.0, 2}),
                         [](const auto& info) { return std::string(info.param.name); });

class AssignErrorsTest : public AssignTest {};

TEST_F(AssignErrorsTest, RefusesWrongSerialPageAndPointsAndChangesNothing) {
  auto [image, centres, truth] = DamagedPage({"straight", 1.0, 0.0, 0});
  auto s = Survey("errors.db");
  const std::int64_t id = IngestUnidentified(*s, image, "page.png");
  ASSERT_GT(id, 0);
  auto expect_error = [&](const PageAssignment& a, const std::string& code, const std::string& words) {
    auto r = AssignPage(*s, Catalog(), id, a);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().code, code) << r.error().message;
    EXPECT_NE(r.error().message.find(words), std::string::npos) << r.error().message;
  };
  expect_error({.serial = 99, .page = 1, .anchor_centres = {}, .by = {}}, "invalid", "sheet 99 is not in this survey");
  expect_error({.serial = kSerial, .page = 7, .anchor_centres = {}, .by = {}}, "invalid", "not 7");
  // Three points in a line; two on the same spot; a mirrored order.
  const auto c = centres;
  const cv::Point2d mid = (c[0] + c[1]) / 2;
  expect_error({.serial = kSerial, .page = 1, .anchor_centres = Shares(image, {c[0], mid, c[1], c[3]}), .by = {}},
               "unaligned", "in a line");
  expect_error({.serial = kSerial, .page = 1, .anchor_centres = Shares(image, {c[0], c[0], c[2], c[3]}), .by = {}},
               "unaligned", "the same place");
  expect_error({.serial = kSerial, .page = 1, .anchor_centres = Shares(image, {c[0], c[3], c[2], c[1]}), .by = {}},
               "unaligned", "clockwise");
  expect_error({.serial = kSerial, .page = 1, .anchor_centres = std::array<ImagePoint, 4>{{{0, 0}, {1.5, 0}, {1, 1}, {0, 1}}},
                .by = {}},
               "unaligned", "on the page image");
  auto pages = s->ListUnidentifiedPages(100);
  ASSERT_EQ(pages->size(), 1u);
  EXPECT_EQ(pages->front().status, "no_anchors");
  EXPECT_EQ(AuditRows(*s), 0);
  EXPECT_FALSE(s->GetSheet(kSerial)->has_value());
}

TEST_F(AssignErrorsTest, APageWithoutTheGridIsNotAligned) {
  // A page of plain text (a letter stapled to the forms): no box pattern to find.
  cv::Mat letter(3508, 2480, CV_8UC1, cv::Scalar(255));
  for (int y = 300; y < 3200; y += 70)
    cv::putText(letter, "Kinh gui Uy ban nhan dan xa ve viec cap giay chung nhan", {200, y},
                cv::FONT_HERSHEY_SIMPLEX, 1.6, cv::Scalar(0), 3);
  auto s = Survey("letter.db");
  const std::int64_t id = IngestUnidentified(*s, letter, "letter.png");
  ASSERT_GT(id, 0);
  auto r = AssignPage(*s, Catalog(), id, {.serial = kSerial, .page = 1, .anchor_centres = {}, .by = {}});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, "unaligned");
  EXPECT_NE(r.error().message.find("box grid"), std::string::npos) << r.error().message;
  EXPECT_EQ(s->ListUnidentifiedPages(100)->size(), 1u);
  EXPECT_EQ(AuditRows(*s), 0);
}

TEST_F(AssignErrorsTest, ASheetPageAlreadyStoredMakesAConflictNotAnOverwrite) {
  auto [image, centres, truth] = DamagedPage({"straight", 1.0, 0.0, 0});
  auto s = Survey("conflict.db");
  const std::int64_t first = IngestUnidentified(*s, image, "first.png");
  ASSERT_TRUE(AssignPage(*s, Catalog(), first, {.serial = kSerial, .page = 1, .anchor_centres = {}, .by = {}}).ok());
  cv::Mat again = image.clone();
  phieu::testing::AddGrain(again, 3.0, 99);  // another scan of the same sheet page
  const std::int64_t second = IngestUnidentified(*s, again, "second.png");
  ASSERT_NE(second, first);
  auto r = AssignPage(*s, Catalog(), second, {.serial = kSerial, .page = 1, .anchor_centres = {}, .by = {}});
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->status, "conflict");
  auto status = s->GetStatus();
  EXPECT_EQ(status->conflicts, 1);
  // An identified page is not assigned again.
  auto again_first = AssignPage(*s, Catalog(), first, {.serial = kSerial, .page = 1, .anchor_centres = {}, .by = {}});
  ASSERT_FALSE(again_first.ok());
  EXPECT_EQ(again_first.error().code, "identified");
  EXPECT_EQ(AuditRows(*s), 2);
}

TEST_F(AssignErrorsTest, SetAsideKeepsThePageWithItsReasonAndItCanBeAssignedLater) {
  auto [image, centres, truth] = DamagedPage({"straight", 1.0, 0.0, 0});
  auto s = Survey("aside.db");
  const std::int64_t id = IngestUnidentified(*s, image, "page.png");
  EXPECT_EQ(s->SetPageAside(id, "  ", {.who = "thu", .screen = "desk", .address = ""}).error().code, "invalid");
  ASSERT_TRUE(s->SetPageAside(id, "Phiếu của tỉnh khác", {.who = "thu", .screen = "desk", .address = ""}).ok());
  auto pages = s->ListUnidentifiedPages(100);
  ASSERT_EQ(pages->size(), 1u);
  EXPECT_EQ(pages->front().set_aside_reason, "Phiếu của tỉnh khác");
  EXPECT_EQ(pages->front().set_aside_by, "thu");
  EXPECT_FALSE(pages->front().set_aside_at.empty());
  EXPECT_EQ(pages->front().status, "no_anchors");
  EXPECT_EQ(s->SetPageAside(9999, "x", {}).error().code, "not_found");
  ASSERT_TRUE(AssignPage(*s, Catalog(), id, {.serial = kSerial, .page = 1, .anchor_centres = {}, .by = {}}).ok());
  EXPECT_TRUE(s->ListUnidentifiedPages(100)->empty());
  EXPECT_EQ(s->SetPageAside(id, "x", {}).error().code, "identified");
  EXPECT_EQ(AuditRows(*s), 2);
}

// The page is decoded and read outside the writer lock, which is taken only to write: a clerk
// who sets the page aside while it is read (through another connection, as another request of
// the server does) wins, and the assignment is refused as "changed" with nothing stored.
TEST_F(AssignErrorsTest, APageSetAsideWhileItIsReadIsNotAssigned) {
  auto [image, centres, truth] = DamagedPage({"straight", 1.0, 0.0, 0});
  auto s = Survey("changed.db");
  const std::int64_t id = IngestUnidentified(*s, image, "page.png");
  ASSERT_GT(id, 0);
  std::mutex writer_lock;
  std::unique_lock held(writer_lock);  // another writer is busy: the assignment must not wait to read
  IngestOptions options;
  options.writer_lock = &writer_lock;
  scanner::ReaderThreads threads;
  threads.Mark();
  auto running = std::async(std::launch::async, [&] {
    return AssignPage(*s, Catalog(), id, {.serial = kSerial, .page = 1, .anchor_centres = {}, .by = {.who = "lan"}},
                      options);
  });
  // The assignment looks the page up, reads it and waits for the lock to write: once its thread
  // has slept 200 ms straight it is waiting there (on a loaded machine that may take a while).
  ASSERT_TRUE(threads.Settle(std::chrono::milliseconds(20000), std::chrono::milliseconds(200)));
  ASSERT_EQ(running.wait_for(std::chrono::milliseconds(0)), std::future_status::timeout)
      << "the assignment ended before it could wait for the lock: " << (running.get().ok() ? "ok" : "error");
  auto other = store::Store::Open(dir_ / "changed.db", false);
  ASSERT_TRUE(other.ok());
  ASSERT_TRUE((*other)->SetPageAside(id, "Phiếu của tỉnh khác", {.who = "thu", .screen = "desk", .address = ""}).ok());
  EXPECT_EQ(running.wait_for(std::chrono::milliseconds(0)), std::future_status::timeout)
      << "the assignment wrote without the writer lock";
  held.unlock();
  auto r = running.get();
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, "changed") << r.error().message;
  auto pages = s->ListUnidentifiedPages(100);
  ASSERT_EQ(pages->size(), 1u);
  EXPECT_EQ(pages->front().set_aside_reason, "Phiếu của tỉnh khác");
  EXPECT_FALSE(s->GetSheet(kSerial)->has_value());
  EXPECT_EQ(AuditRows(*s), 1) << "only the set-aside";
}

}  // namespace
}  // namespace phieu::pipeline

namespace phieu::pipeline {
namespace {

// Without a box grid to refine on (a page whose boxes are lost), the four points alone give the
// homography: exactly the transform that put the anchors there.
TEST(AlignPageByPointsTest, FourPointsAloneGiveTheirHomography) {
  const templates::Layout layout = templates::ComputeLayout(*templates::LoadTemplate(
      templates::BundledTemplatesDir() / "health.json"));
  scanner::Scan scan;
  scan.gray = cv::Mat(2400, 1800, CV_8UC1, cv::Scalar(255));  // paper, nothing printed
  // 7 px/mm, turned 3 degrees, shifted.
  const double a = 3.0 * CV_PI / 180, k = 7.0;
  const cv::Matx33d truth(k * std::cos(a), -k * std::sin(a), 160, k * std::sin(a), k * std::cos(a), 90, 0, 0, 1);
  std::array<cv::Point2d, 4> points;
  for (const auto& anchor : layout.pages[0].anchors) {
    const core::RectMm& r = anchor.symbol_mm;
    const cv::Vec3d v = truth * cv::Vec3d(r.x + r.w / 2, r.y + r.h / 2, 1);
    points[static_cast<size_t>(anchor.corner)] = {v[0] / v[2], v[1] / v[2]};
  }
  const core::PageKey key{"health", 1, 1, kSerial};
  const auto page = scanner::AlignPageByPoints(scan, key, layout, points);
  ASSERT_EQ(page.status, scanner::AlignStatus::kOk) << page.reason;
  EXPECT_EQ(page.key.serial, kSerial);
  EXPECT_NEAR(page.px_per_mm, k, 0.01);
  // (The points pass through float: a thousandth of a pixel.)
  for (int i = 0; i < 9; ++i) EXPECT_NEAR(page.mm_to_px.val[i] / page.mm_to_px.val[8], truth.val[i], 1e-3) << i;
  // And the grid finds nothing on blank paper.
  const auto grid = scanner::AlignPageByGrid(scan, key, layout);
  EXPECT_EQ(grid.status, scanner::AlignStatus::kPoorFit);
  EXPECT_NE(grid.reason.find("box grid"), std::string::npos) << grid.reason;
}

}  // namespace
}  // namespace phieu::pipeline

namespace phieu::pipeline {
namespace {

// The box-grid fit on the simulator's damaged stack (rotation, skew, scale, blur, noise, JPEG,
// bilevel TIFF, pencil, upside-down pages), against the fit from the page's own QR anchors:
// how many pages it aligns, and how far its boxes land from the anchors' boxes. A fit that
// claims success must never be far off: a wrong grid fit would put every answer in the wrong box.
class GridAlignOnDamagedScansTest : public ::testing::TestWithParam<const char*> {};

TEST_P(GridAlignOnDamagedScansTest, AlignsWhereTheAnchorsDo) {
  const std::string tpl = GetParam();
  TempDir dir("grid_damaged");
  auto r = Phieu("simulate --template " + tpl + " --sheets 4 --seed 21 --foreign 0 --blank-backs 0 -o " +
                 (dir / "stack").string());
  ASSERT_EQ(r.code, 0) << r.out;
  templates::TemplateCatalog catalog;
  catalog.Add(templates::ComputeLayout(*templates::LoadTemplate(templates::BundledTemplatesDir() / (tpl + ".json"))));
  auto files = scanner::ExpandInputs({dir / "stack"});
  ASSERT_TRUE(files.ok());
  int pages = 0, grid_ok = 0, too_few_boxes = 0, far = 0;
  std::vector<double> offsets;
  for (const auto& file : *files) {
    auto reader = scanner::OpenScanFile(file);
    ASSERT_TRUE(reader.ok());
    for (int i = 0; i < (*reader)->page_count(); ++i) {
      auto scan = (*reader)->ReadPage(i);
      ASSERT_TRUE(scan.ok());
      const auto anchors = scanner::AlignPage(*scan, catalog);
      if (anchors.status != scanner::AlignStatus::kOk) continue;
      ++pages;
      const templates::Layout& layout = *catalog.Find(anchors.key.template_id, anchors.key.version);
      const auto grid = scanner::AlignPageByGrid(*scan, anchors.key, layout);
      if (grid.status != scanner::AlignStatus::kOk) {
        if (grid.reason.find("prints only") != std::string::npos) ++too_few_boxes;
        continue;
      }
      ++grid_ok;
      double worst = 0;
      for (const auto& f : layout.fields) {
        if (f.page != anchors.key.page) continue;
        for (const auto& o : f.options) {
          const cv::Vec3d c(o.box_mm.x + o.box_mm.w / 2, o.box_mm.y + o.box_mm.h / 2, 1);
          const cv::Vec3d a = anchors.mm_to_px * c, g = grid.mm_to_px * c;
          worst = std::max(worst, cv::norm(cv::Point2d(a[0] / a[2] - g[0] / g[2], a[1] / a[2] - g[1] / g[2])) /
                                      anchors.px_per_mm);
        }
      }
      offsets.push_back(worst);
      if (worst > 1.0) {
        ++far;
        ADD_FAILURE() << file << " page " << i + 1 << " (form page " << anchors.key.page << ", "
                      << anchors.rotation_deg << " deg, " << anchors.px_per_mm << " px/mm): the grid fit is "
                      << worst << " mm off, residual " << grid.residual_px / grid.px_per_mm << " mm";
      }
    }
  }
  std::sort(offsets.begin(), offsets.end());
  const double median = offsets.empty() ? 0 : offsets[offsets.size() / 2];
  std::printf("[ figures ] %s damaged stack: %d pages identified by anchors, %d aligned by the box grid, "
              "%d print too few boxes; worst box centre vs the anchors' fit: median %.3f mm, max %.3f mm\n",
              tpl.c_str(), pages, grid_ok, too_few_boxes, median, offsets.empty() ? 0.0 : offsets.back());
  ASSERT_GE(pages, 10);
  EXPECT_EQ(far, 0) << "a grid fit that claims success is never a millimetre off";
  std::fflush(stdout);
  EXPECT_GE(grid_ok + too_few_boxes, pages * 9 / 10);
  EXPECT_LT(median, 0.5);
}

INSTANTIATE_TEST_SUITE_P(Templates, GridAlignOnDamagedScansTest, ::testing::Values("health", "sipas"),
                         [](const auto& info) { return std::string(info.param); });

}  // namespace
}  // namespace phieu::pipeline
