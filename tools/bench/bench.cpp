// Copyright 2026 The Phiếu Authors
// SPDX-License-Identifier: Apache-2.0
// phieu-bench: simulate a stack with ground truth, ingest it, and score the result. A developer
// tool beside the product binary (README "Benchmark"); it runs `phieu ingest` as a child for the
// memory figure.
#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <clocale>
#include <cstring>
#include <fstream>
#include <iomanip>
#include <iostream>
#include <map>
#include <set>
#include <thread>

#include <nlohmann/json.hpp>

#include "app/common.h"
#include "pipeline/pipeline.h"
#include "exports/exports.h"
#include "recognition/handwriting.h"
#include "simulator/simulator.h"
#include "tools/bench/edit_distance.h"

namespace phieu::bench {
namespace {

using namespace phieu::app;  // the product's own helpers: ResolveTemplate, OpenSurvey, LoadCatalog, Fail
using nlohmann::json;
using Clock = std::chrono::steady_clock;
using pipeline::Ingest;
using pipeline::IngestedPage;
using pipeline::IngestOptions;
using pipeline::IngestSummary;
using pipeline::StageSeconds;

core::Result<json> ReadJson(const std::filesystem::path& path) {
  std::ifstream f(path);
  if (!f) return core::MakeError("io", path.string() + ": cannot open");
  try {
    return json::parse(f);
  } catch (const std::exception& e) {
    return core::MakeError("parse", path.string() + ": " + e.what());
  }
}

// ---------------------------------------------------------------------------------------------
// Benchmark: simulate a stack with ground truth, ingest it, and score the result.

struct PageScore {
  int form_pages = 0;        // pages.json "form" pages
  int identified = 0;        // form pages identified
  int wrong_sheet = 0;       // any page identified as a sheet/page it is not
  int non_form_pages = 0;
  int non_form_kept = 0;     // blank/foreign pages stored as unidentified (never lost)
  std::map<std::string, int> missed_reasons;
};

/// Box questions of one kind (a mark style, a pen, a damage): how many, sent to review, and
/// accepted with a wrong box.
struct Tally {
  long fields = 0, review = 0, accepted_wrong = 0;
};

struct BoxScore {
  long fields = 0, fields_review = 0;
  std::map<std::string, long> review_by_code;    // each code once per field sent to review
  std::map<std::string, Tally> by_style;         // the marks in the question ("tick", "cancelled+cross")
  std::map<std::string, Tally> by_pen;           // pen and stroke model ("pencil", "marker/pressure")
  std::map<std::string, Tally> by_damage;        // a damage of the question's page ("crease", "binarize")
  long fields_review_rules = 0;  // the respondent's doing: required blank, 2 marks, over max, label circled
  long fields_unseen = 0;        // on pages never identified: not decisions at all
  long boxes = 0, boxes_review = 0;
  long accepted_boxes = 0, accepted_wrong = 0;
  /// Required box questions accepted as unanswered (export's unanswered_required), and how
  /// many of them the respondent had in truth answered.
  long blank_required = 0, blank_required_wrong = 0;
  long sheets_missing = 0;
  std::vector<std::string> wrong_examples;
};

std::string Rel(const std::filesystem::path& p, const std::filesystem::path& base) {
  return std::filesystem::relative(p, base).generic_string();
}

PageScore ScorePages(const json& pages_truth, const std::filesystem::path& stack,
                     const std::vector<std::pair<IngestedPage, store::PageDisposition>>& got) {
  std::map<std::pair<std::string, int>, const json*> truth;
  for (const auto& p : pages_truth) truth[{p["file"].get<std::string>(), p["page_index"].get<int>()}] = &p;
  PageScore s;
  for (const auto& p : pages_truth) (p["kind"] == "form" ? s.form_pages : s.non_form_pages)++;
  for (const auto& [page, disposition] : got) {
    auto it = truth.find({Rel(page.aligned.source.file, stack), page.record.page_index});
    if (it == truth.end()) continue;
    const json& t = *it->second;
    const bool ok = page.aligned.status == scanner::AlignStatus::kOk;
    if (t["kind"] == "form") {
      if (ok) {
        ++s.identified;
        if (page.aligned.key.serial != t["serial"].get<long long>() || page.aligned.key.page != t["page"].get<int>())
          ++s.wrong_sheet;
      } else {
        ++s.missed_reasons[std::string(scanner::AlignStatusName(page.aligned.status)) + ": " + page.aligned.reason];
      }
    } else {
      if (ok) ++s.wrong_sheet;
      else ++s.non_form_kept;
    }
  }
  return s;
}

std::set<std::string> Values(const json& v) {
  std::set<std::string> out;
  auto one = [&](const json& x) { out.insert(x.is_string() ? x.get<std::string>() : x.dump()); };
  if (v.is_array()) for (const auto& x : v) one(x);
  else if (!v.is_null()) one(v);
  return out;
}

using SeenPages = std::set<std::pair<long long, int>>;  // (serial, page) identified
/// (serial, field) -> the reading's review reason codes, as ReadPage gave them.
using Reasons = std::map<std::pair<long long, std::string>, std::vector<core::ReviewReason>>;

// A review that comes from the respondent breaking a question's rule, not from doubt: every one
// of its reasons is such a rule. A blank required question is the respondent's doing only when
// nothing was seen in or around its boxes (`required_blank`); `required_blank_faint` and
// `required_blank_ink_beside` are the machine's doubt.
bool IsRuleReason(const std::vector<core::ReviewReason>& reasons) {
  static const std::set<std::string> kRules = {"required_blank", "two_marks_single", "over_max",
                                               "cancelled_no_replacement", "label_circled"};
  return !reasons.empty() && std::all_of(reasons.begin(), reasons.end(),
                                         [](const core::ReviewReason& r) { return kRules.count(r.code) > 0; });
}

/// The damage kinds of a pages.json entry worth a line of their own: the tag before ':' of
/// every entry except those every damaged page has (scale, paper, noise, blur, skew), plus
/// "skew>3" and "blur>1" for the harsh ends of those; "(ordinary)" when none is left.
std::set<std::string> DamageKinds(const json& page) {
  std::set<std::string> out;
  if (!page.contains("damage")) return {"(ordinary)"};
  for (const auto& d : page["damage"]) {
    const std::string tag = d.get<std::string>();
    const size_t colon = tag.find(':');
    const std::string kind = tag.substr(0, colon);
    const double v = colon == std::string::npos ? 0.0 : std::atof(tag.c_str() + colon + 1);
    if (kind == "skew") {
      if (std::abs(v) > 3.0) out.insert("skew>3");
    } else if (kind == "blur") {
      if (v > 1.0) out.insert("blur>1");
    } else if (kind != "scale" && kind != "paper" && kind != "noise") {
      out.insert(kind);
    }
  }
  if (out.empty()) out.insert("(ordinary)");
  return out;
}

BoxScore ScoreBoxes(const json& truth, const json& exported, const json& pages_truth,
                    const templates::Layout& layout, const SeenPages& seen, const Reasons& reasons) {
  // What was drawn in each question, and how each page was damaged.
  std::map<std::pair<long long, std::string>, std::pair<std::string, std::string>> drawn;  // -> (style, pen)
  std::map<std::pair<long long, int>, std::set<std::string>> damage;
  for (const auto& p : pages_truth) {
    if (p["kind"] != "form") continue;
    const long long serial = p["serial"].get<long long>();
    damage[{serial, p["page"].get<int>()}] = DamageKinds(p);
    if (!p.contains("marks")) continue;
    for (const auto& [field, marks] : p["marks"].items()) {
      std::set<std::string> shapes;
      std::string pen;
      for (const auto& m : marks) {
        shapes.insert(m.value("mark", "?"));
        pen = m.value("pen", "?") + (m.contains("model") ? "/" + m["model"].get<std::string>() : "");
      }
      std::string style;
      for (const auto& sh : shapes) style += (style.empty() ? "" : "+") + sh;
      drawn[{serial, field}] = {style, pen};
    }
  }
  std::map<long long, const json*> by_serial;
  for (const auto& e : exported) by_serial[e["serial"].get<long long>()] = &e;
  BoxScore s;
  for (const auto& t : truth) {
    auto it = by_serial.find(t["serial"].get<long long>());
    if (it == by_serial.end()) {
      ++s.sheets_missing;
      continue;
    }
    const json& e = *it->second;
    std::set<std::string> pending(e["pending"].begin(), e["pending"].end());
    std::set<std::string> unanswered;
    if (e.contains("unanswered_required")) unanswered.insert(e["unanswered_required"].begin(), e["unanswered_required"].end());
    const long long serial = t["serial"].get<long long>();
    for (const auto& f : layout.fields) {
      if (!core::IsBoxKind(f.kind)) continue;
      if (!seen.count({serial, f.page})) {
        ++s.fields_unseen;
        continue;
      }
      ++s.fields;
      s.boxes += f.options.size();
      std::vector<Tally*> tallies;
      {
        auto d = drawn.find({serial, f.id});
        tallies.push_back(&s.by_style[d == drawn.end() ? "(blank)" : d->second.first]);
        if (d != drawn.end()) tallies.push_back(&s.by_pen[d->second.second]);
        for (const auto& kind : damage[{serial, f.page}]) tallies.push_back(&s.by_damage[kind]);
      }
      for (Tally* t : tallies) ++t->fields;
      if (pending.count(f.id)) {
        ++s.fields_review;
        for (Tally* t : tallies) ++t->review;
        auto r = reasons.find({serial, f.id});
        if (r != reasons.end()) {
          if (IsRuleReason(r->second)) ++s.fields_review_rules;
          std::set<std::string> codes;
          for (const auto& reason : r->second) codes.insert(reason.code);
          for (const auto& code : codes) ++s.review_by_code[code];
        }
        s.boxes_review += f.options.size();
        continue;
      }
      auto want = Values(t["answers"].value(f.id, json()));
      auto got = Values(e["answers"].value(f.id, json()));
      if (unanswered.count(f.id)) {
        ++s.blank_required;
        s.blank_required_wrong += !want.empty();
      }
      bool wrong = false;
      for (const auto& o : f.options) {
        ++s.accepted_boxes;
        if (want.count(o.value) != got.count(o.value)) {
          ++s.accepted_wrong;
          if (!wrong)
            for (Tally* t : tallies) ++t->accepted_wrong;
          wrong = true;
          if (s.wrong_examples.size() < 12)
            s.wrong_examples.push_back("serial " + std::to_string(t["serial"].get<long long>()) + " " + f.id +
                                       " box " + o.value + ": truth " + (want.count(o.value) ? "marked" : "empty"));
        }
      }
    }
  }
  return s;
}

// Handwriting (issue #4): blank detection on text areas, digits, draft quality by style.
struct HandScore {
  long text_areas = 0, text_correct_blankness = 0, written = 0, written_taken_blank = 0;
  long blank_sent_to_review = 0;
  long digit_fields = 0, digit_review = 0, digit_accepted = 0, digit_accepted_exact = 0;
  std::map<std::string, std::pair<long, long>> cer_by_style;  // style -> (edits, chars)
  std::map<std::string, long> areas_by_style;
};

HandScore ScoreHandwriting(const json& truth, const json& exported, const json& pages_truth,
                           const templates::Layout& layout, const SeenPages& seen) {
  std::map<std::pair<long long, std::string>, std::string> style;  // (serial, field) -> style
  for (const auto& p : pages_truth) {
    if (p["kind"] != "form" || !p.contains("marks")) continue;
    for (const auto& [field, marks] : p["marks"].items())
      for (const auto& m : marks)
        if (m.contains("style")) style[{p["serial"].get<long long>(), field}] = m["style"].get<std::string>();
  }
  std::map<long long, const json*> by_serial;
  for (const auto& e : exported) by_serial[e["serial"].get<long long>()] = &e;
  HandScore h;
  for (const auto& t : truth) {
    const long long serial = t["serial"].get<long long>();
    auto it = by_serial.find(serial);
    if (it == by_serial.end()) continue;
    const json& e = *it->second;
    std::set<std::string> pending(e["pending"].begin(), e["pending"].end());
    for (const auto& f : layout.fields) {
      if (core::IsBoxKind(f.kind) || !seen.count({serial, f.page})) continue;
      const json want = t["answers"].value(f.id, json());
      const json got = e["answers"].value(f.id, json());
      const bool in_review = pending.count(f.id) > 0;
      if (f.kind == core::FieldKind::kText) {
        ++h.text_areas;
        const bool written = !want.is_null();
        const bool seen_written = !got.is_null() || in_review;
        h.text_correct_blankness += written == seen_written;
        if (written) {
          ++h.written;
          if (!seen_written) ++h.written_taken_blank;
          std::string st = style.count({serial, f.id}) ? style[{serial, f.id}] : "?";
          const std::string w = want.get<std::string>(), g = got.is_string() ? got.get<std::string>() : "";
          auto& c = h.cer_by_style[st];
          c.first += EditDistance(w, g);
          c.second += static_cast<long>(CodePoints(w).size());
          ++h.areas_by_style[st];
        } else if (in_review) {
          ++h.blank_sent_to_review;
        }
      } else {
        if (want.is_null() && got.is_null() && !in_review) continue;  // left blank, read blank
        ++h.digit_fields;
        if (in_review) {
          ++h.digit_review;
        } else {
          ++h.digit_accepted;
          h.digit_accepted_exact += want == got;
        }
      }
    }
  }
  return h;
}

// Times the OCR calls of a single-worker run (cost per written area).
class TimingOcrEngine : public recognition::OcrEngine {
 public:
  explicit TimingOcrEngine(std::unique_ptr<recognition::OcrEngine> inner) : inner_(std::move(inner)) {}
  recognition::OcrLine RecognizeLine(const cv::Mat& gray_line, double px_per_mm) override {
    auto t0 = Clock::now();
    auto r = inner_->RecognizeLine(gray_line, px_per_mm);
    seconds += std::chrono::duration<double>(Clock::now() - t0).count();
    ++lines;
    return r;
  }
  double seconds = 0.0;
  long lines = 0;

 private:
  std::unique_ptr<recognition::OcrEngine> inner_;
};

// The peak resident set of process `pid` so far (VmHWM), in KiB; 0 once it has gone.
long PeakRssKb(pid_t pid) {
  std::ifstream status("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(status, line))
    if (line.rfind("VmHWM:", 0) == 0) return std::atol(line.c_str() + 6);
  return 0;
}

struct ChildRss {
  double early_mb = 0.0;  ///< peak RSS when the first `early_pages` pages were stored.
  double peak_mb = 0.0;   ///< peak RSS over the whole batch.
  int early_pages = 0;
  int pages = 0;          ///< pages the batch stored.
};

// Runs `phieu ingest` as a child process and follows its peak RSS and the pages it has stored
// (read from the survey file as it grows), so one batch tells whether memory grows with it.
// Not wait4's ru_maxrss: the kernel carries the high-water mark of the address space a child
// had before exec into it, and a forked copy of this process already holds hundreds of MiB, so
// both of the bench's figures read the same. VmHWM belongs to the address space exec made, so
// it is polled until the child exits.
core::Result<ChildRss> ChildIngestRss(const std::filesystem::path& db, const std::string& tpl,
                                      const std::filesystem::path& stack, int jobs, int early_pages,
                                      const std::filesystem::path& phieu) {
  std::filesystem::remove(db);
  std::vector<std::string> args = {"phieu", "ingest", "--db", db.string(), "--template", tpl, "-q",
                                   "-j", std::to_string(jobs), stack.string()};
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  // posix_spawn returns once the child has exec'd, so every poll below sees the new image.
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, "/dev/null", O_WRONLY, 0);
  pid_t pid = 0;
  const int spawned = posix_spawn(&pid, phieu.c_str(), &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (spawned != 0)
    return core::MakeError("io", "cannot start " + phieu.string() + " ingest: " + std::strerror(spawned));
  ChildRss out;
  out.early_pages = early_pages;
  long peak_kb = 0, early_kb = 0;
  int status = 0, pages = 0;
  std::unique_ptr<store::Store> survey;  // opened once the child has created it
  while (true) {
    const pid_t done = waitpid(pid, &status, WNOHANG);
    if (done == pid) break;
    if (done < 0 && errno != EINTR) return core::MakeError("io", std::string("waitpid: ") + std::strerror(errno));
    peak_kb = std::max(peak_kb, PeakRssKb(pid));
    if (!survey && std::filesystem::exists(db))
      if (auto opened = store::Store::Open(db, false); opened.ok()) survey = std::move(*opened);
    if (survey)
      if (auto n = survey->CountPages(); n.ok()) pages = *n;
    if (pages < early_pages) early_kb = peak_kb;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
    return core::MakeError("io", phieu.string() + " ingest of " + stack.string() + " failed (status " + std::to_string(status) +
                                     "): its memory figure would be a partial batch's");
  if (survey)
    if (auto n = survey->CountPages(); n.ok()) out.pages = *n;
  out.early_mb = early_kb / 1024.0;
  out.peak_mb = peak_kb / 1024.0;
  return out;
}

struct IngestRun {
  double pages_per_s = 0.0;
  int pages = 0;
  StageSeconds stages;
  std::vector<std::pair<IngestedPage, store::PageDisposition>> pages_seen;
  Reasons reasons;  ///< with keep_pages: every box reading's review reasons.
};

core::Result<IngestRun> RunIngest(const std::filesystem::path& db, const templates::Template& tpl,
                                  const std::filesystem::path& stack, int jobs, bool keep_pages,
                                  recognition::OcrEngine* single_worker_ocr = nullptr) {
  std::filesystem::remove(db);
  std::filesystem::remove(db.string() + "-wal");
  std::filesystem::remove(db.string() + "-shm");
  auto store = OpenSurvey(db, true);
  if (!store.ok()) return store.error();
  auto st = RegisterTemplate(**store, tpl);
  if (!st.ok()) return st.error();
  auto catalog = LoadCatalog(**store);
  if (!catalog.ok()) return catalog.error();
  auto files = scanner::ExpandInputs({stack});
  if (!files.ok()) return files.error();
  IngestRun run;
  IngestOptions options;
  options.jobs = jobs;
  if (jobs == 1) options.read.ocr = single_worker_ocr;
  if (keep_pages) {
    options.on_page = [&run](const IngestedPage& p, store::PageDisposition d) {
      IngestedPage light;  // drop readings and crops: the score needs the identification only
      light.record.page_index = p.record.page_index;
      light.aligned = p.aligned;
      run.pages_seen.emplace_back(std::move(light), d);
      if (d == store::PageDisposition::kStored)
        for (const auto& r : p.record.readings)
          if (r.needs_review) run.reasons[{p.aligned.key.serial, r.field_id}] = r.reasons;
    };
  }
  auto summary = Ingest(**store, *catalog, *files, options);
  if (!summary.ok()) return summary.error();
  run.pages = summary->pages_read;
  run.stages = summary->stages;
  run.pages_per_s = summary->seconds > 0 ? summary->pages_read / summary->seconds : 0;
  return run;
}

// Decodes every page of every file, nothing else: the floor any pipeline is measured against.
double DecodeOnlyPagesPerSecond(const std::filesystem::path& stack, int* pages_out) {
  auto files = scanner::ExpandInputs({stack});
  if (!files.ok()) return 0;
  int pages = 0;
  auto start = Clock::now();
  for (const auto& f : *files) {
    auto reader = scanner::OpenScanFile(f);
    if (!reader.ok()) continue;
    for (int i = 0; i < (*reader)->page_count(); ++i)
      if ((*reader)->ReadPage(i).ok()) ++pages;
  }
  double s = std::chrono::duration<double>(Clock::now() - start).count();
  *pages_out = pages;
  return s > 0 ? pages / s : 0;
}

core::Result<simulator::SimulateReport> MakeStack(const templates::Template& tpl, int pages_wanted,
                                                 std::uint64_t seed, const std::filesystem::path& dir) {
  auto layout = templates::ComputeLayout(tpl);
  simulator::SimulateOptions o;
  // ~13% of pages are blank backs and foreign pages; size the sheets so form pages ~ wanted.
  o.sheets = std::max(1, static_cast<int>(pages_wanted / (layout.pages.size() * 1.1)));
  o.seed = seed;
  o.out_dir = dir;
  o.jobs = DefaultJobs();
  std::filesystem::remove_all(dir);
  return simulator::Simulate(tpl, o);
}

/// The `phieu` binary beside this tool (installed together), else the build tree's
/// (build/tools/bench/phieu-bench -> build/app/phieu).
std::filesystem::path DefaultPhieuBinary() {
  std::error_code ec;
  const auto self = std::filesystem::read_symlink("/proc/self/exe", ec);
  if (ec) return "phieu";
  const auto beside = self.parent_path() / "phieu";
  if (std::filesystem::is_regular_file(beside, ec)) return beside;
  return (self.parent_path() / ".." / ".." / "app" / "phieu").lexically_normal();
}

struct BenchOptions {
  std::string tpl = "sipas";              ///< template file or bundled id.
  std::filesystem::path dir = "bench-out";  ///< work folder.
  int pages = 600;           ///< accuracy/throughput stack (mixed pages, formats and resolutions).
  int rss_pages = 2000;      ///< the batch whose memory is followed (0 = skip).
  int checkbox_pages = 300;  ///< 300-dpi stack of the template's checkbox-only pages (0 = skip).
  std::uint64_t seed = 7;
  bool reuse = false;        ///< score the stacks already in `dir` instead of simulating.
  std::filesystem::path phieu = DefaultPhieuBinary();  ///< runs the ingest whose memory is followed.
};

/// The template pages that hold only tick-box questions (the pages the throughput target is
/// set for), 1-based.
std::vector<int> CheckboxPages(const templates::Layout& layout) {
  std::vector<int> out;
  for (const auto& page : layout.pages) {
    bool boxes = false, other = false;
    for (const auto& f : layout.fields)
      if (f.page == page.page) (core::IsBoxKind(f.kind) ? boxes : other) = true;
    if (boxes && !other) out.push_back(page.page);
  }
  return out;
}

/// Pages per second of `--jobs 1` and `--jobs 2` over a damaged 300-dpi stack of the template's
/// checkbox-only pages (no blank backs, no foreign pages, no other resolutions): the figure the
/// "20 pages/s per core for checkbox pages at 300 dpi" target is about. {0, 0} when the
/// template has no such page.
core::Result<std::pair<double, double>> CheckboxThroughput(const templates::Template& tpl, const BenchOptions& o,
                                                          std::vector<int>* pages_used, int* pages_read) {
  const auto layout = templates::ComputeLayout(tpl);
  *pages_used = CheckboxPages(layout);
  if (pages_used->empty()) return std::pair{0.0, 0.0};
  const auto stack = o.dir / "checkbox";
  if (!(o.reuse && std::filesystem::exists(stack / "pages.json"))) {
    simulator::SimulateOptions so;
    so.sheets = std::max(1, o.checkbox_pages / static_cast<int>(pages_used->size()));
    so.seed = o.seed + 3;
    so.out_dir = stack;
    so.only_pages = *pages_used;
    so.mix_dpi = false;
    so.blank_back_rate = 0.0;
    so.foreign_pages = 0;
    so.jobs = DefaultJobs();
    std::filesystem::remove_all(stack);
    auto made = simulator::Simulate(tpl, so);
    if (!made.ok()) return made.error();
  }
  auto j1 = RunIngest(o.dir / "checkbox-j1.db", tpl, stack, 1, false);
  if (!j1.ok()) return j1.error();
  auto j2 = RunIngest(o.dir / "checkbox-j2.db", tpl, stack, 2, false);
  if (!j2.ok()) return j2.error();
  *pages_read = j1->pages;
  return std::pair{j1->pages_per_s, j2->pages_per_s};
}

int RunBench(const BenchOptions& options) {
  const std::string& tpl_arg = options.tpl;
  const int pages = options.pages, rss_large = options.rss_pages;
  const std::filesystem::path& dir = options.dir;
  const bool reuse = options.reuse;
  std::uint64_t seed = options.seed;
  auto tpl = ResolveTemplate(tpl_arg);
  if (!tpl.ok()) return Fail(tpl.error(), kExitUsage);
  if (rss_large > 0 && !std::filesystem::is_regular_file(options.phieu))
    return Fail(options.phieu.string() + ": no phieu binary there to follow the memory of (--phieu PATH, or "
                "--rss-pages 0)", kExitUsage);
  std::filesystem::create_directories(dir);
  const auto stack = dir / "stack";
  core::Result<simulator::SimulateReport> sim = simulator::SimulateReport{};
  if (reuse && std::filesystem::exists(stack / "truth.json") && std::filesystem::exists(stack / "pages.json")) {
    // Re-score an existing stack (tuning loops): count what is there.
    sim->truth_path = stack / "truth.json";
    sim->pages_path = stack / "pages.json";
    auto t = ReadJson(sim->truth_path);
    auto p = ReadJson(sim->pages_path);
    if (!t.ok() || !p.ok()) return Fail(t.ok() ? p.error() : t.error());
    sim->sheets = static_cast<int>(t->size());
    sim->pages = static_cast<int>(p->size());
    std::set<std::string> files;
    for (const auto& e : *p) files.insert(e["file"].get<std::string>());
    sim->files = static_cast<int>(files.size());
    // The stack's own seed (simulate.json), not this command's --seed.
    if (auto made = ReadJson(stack / "simulate.json"); made.ok() && made->contains("seed"))
      seed = (*made)["seed"].get<std::uint64_t>();
    std::cout << "bench: reusing the stack in " << stack.string() << " (seed " << seed << ")\n";
  } else {
    std::cout << "bench: simulating ~" << pages << " pages of " << tpl->id << " (seed " << seed << ")...\n";
    sim = MakeStack(*tpl, pages, seed, stack);
    if (!sim.ok()) return Fail(sim.error());
  }
  std::cout << "  " << sim->pages << " pages in " << sim->files << " files, " << sim->sheets << " sheets ("
            << std::fixed << std::setprecision(1) << sim->seconds << " s)\n";

  int decoded = 0;
  double decode_rate = DecodeOnlyPagesPerSecond(stack, &decoded);
  std::cout << "bench: ingest --jobs 1...\n";
  std::unique_ptr<TimingOcrEngine> timing;
  if (auto engine = recognition::MakeTesseractEngine(); engine.ok())
    timing = std::make_unique<TimingOcrEngine>(std::move(*engine));
  auto j1 = RunIngest(dir / "bench-j1.db", *tpl, stack, 1, false, timing.get());
  if (!j1.ok()) return Fail(j1.error());
  std::cout << "bench: ingest --jobs 2...\n";
  auto j2 = RunIngest(dir / "bench-j2.db", *tpl, stack, 2, true);
  if (!j2.ok()) return Fail(j2.error());

  std::vector<int> checkbox_pages;
  int checkbox_read = 0;
  std::pair<double, double> checkbox_rate{0.0, 0.0};
  if (options.checkbox_pages > 0) {
    std::cout << "bench: checkbox pages at 300 dpi, ingest --jobs 1 and --jobs 2...\n";
    auto r = CheckboxThroughput(*tpl, options, &checkbox_pages, &checkbox_read);
    if (!r.ok()) return Fail(r.error());
    checkbox_rate = *r;
  }

  auto truth = ReadJson(sim->truth_path);
  auto pages_truth = ReadJson(sim->pages_path);
  if (!truth.ok()) return Fail(truth.error());
  if (!pages_truth.ok()) return Fail(pages_truth.error());
  auto store = OpenSurvey(dir / "bench-j2.db", false);
  if (!store.ok()) return Fail(store.error());
  auto catalog = LoadCatalog(**store);
  if (!catalog.ok()) return Fail(catalog.error());
  auto exported = exports::ExportJson(**store, *catalog, {.include_pending = true, .include_personal = true, .filter = {}});
  if (!exported.ok()) return Fail(exported.error());
  const auto* layout = catalog->Find(tpl->id, tpl->version);
  PageScore ps = ScorePages(*pages_truth, stack, j2->pages_seen);
  SeenPages seen;
  for (const auto& [page, disposition] : j2->pages_seen)
    if (page.aligned.status == scanner::AlignStatus::kOk && disposition == store::PageDisposition::kStored)
      seen.insert({page.aligned.key.serial, page.aligned.key.page});
  const json exported_json = json::parse(*exported);
  BoxScore bs = ScoreBoxes(*truth, exported_json, *pages_truth, *layout, seen, j2->reasons);
  HandScore hs = ScoreHandwriting(*truth, exported_json, *pages_truth, *layout, seen);

  ChildRss rss;
  double largest_file_mb = 0;
  if (rss_large > 0) {
    // One batch, followed as it grows: peak RSS when its first 100 pages are stored against
    // its peak over all of them. (Two separate stacks would compare their largest files.)
    std::cout << "bench: peak RSS over a " << rss_large << "-page batch...\n";
    const auto big = dir / "rss-large";
    if (!(reuse && std::filesystem::exists(big / "pages.json"))) {
      auto made = MakeStack(*tpl, rss_large, seed + 2, big);
      if (!made.ok()) return Fail(made.error());
    }
    for (const auto& e : std::filesystem::recursive_directory_iterator(big))
      if (e.is_regular_file()) largest_file_mb = std::max(largest_file_mb, e.file_size() / 1048576.0);
    auto followed = ChildIngestRss(dir / "rss-large.db", tpl_arg, big, 2, 100, options.phieu);
    if (!followed.ok()) return Fail(followed.error());
    rss = *followed;
  }

  auto pct = [](double a, double b) { return b > 0 ? 100.0 * a / b : 0.0; };
  std::cout << std::fixed << std::setprecision(2) << "\n"
            << "Phiếu benchmark — template " << tpl->id << ", " << sim->pages << " pages (" << ps.form_pages
            << " form pages, " << ps.non_form_pages << " blank/foreign), seed " << seed << ", "
            << std::thread::hardware_concurrency() << " cores\n"
            << "  pages identified             " << ps.identified << " / " << ps.form_pages << " ("
            << pct(ps.identified, ps.form_pages) << "%)\n"
            << "  pages on a wrong sheet       " << ps.wrong_sheet << "   (target 0)\n"
            << "  blank/foreign kept unidentified " << ps.non_form_kept << " / " << ps.non_form_pages << "\n"
            << "  box decisions accepted       " << bs.accepted_boxes << ", wrong " << bs.accepted_wrong << " ("
            << std::setprecision(4) << pct(bs.accepted_wrong, bs.accepted_boxes) << "%; target <= 0.05%)\n"
            << std::setprecision(2) << "  box questions sent to review " << bs.fields_review << " / " << bs.fields
            << " (" << pct(bs.fields_review, bs.fields) << "%; target < 2%)\n"
            << "    of which broken rules     " << bs.fields_review_rules << " ("
            << pct(bs.fields_review_rules, bs.fields)
            << "%: 2 marks, over max, label circled; required left blank with --review-blank-required)\n"
            << "    of which machine doubt    " << bs.fields_review - bs.fields_review_rules << " ("
            << pct(bs.fields_review - bs.fields_review_rules, bs.fields) << "%)\n"
            << "  required left blank, accepted as unanswered " << bs.blank_required << ", answered in truth "
            << bs.blank_required_wrong << "\n"
            << "  box questions on unidentified pages " << bs.fields_unseen << " (not scored)\n"
            << "  boxes sent to review         " << bs.boxes_review << " / " << bs.boxes << " ("
            << pct(bs.boxes_review, bs.boxes) << "%)\n"
            << "  throughput --jobs 1          " << std::setprecision(1) << j1->pages_per_s << " pages/s\n"
            << "  throughput --jobs 2          " << j2->pages_per_s << " pages/s\n"
            << "  decode only (1 thread)       " << decode_rate << " pages/s (" << decoded << " pages)\n";
  if (checkbox_read > 0) {
    std::cout << "  checkbox pages, 300 dpi      " << checkbox_rate.first << " pages/s --jobs 1, " << checkbox_rate.second
              << " --jobs 2 (" << checkbox_read << " damaged scans of page";
    for (size_t i = 0; i < checkbox_pages.size(); ++i) std::cout << (i ? ", " : " ") << checkbox_pages[i];
    std::cout << "; target >= 20 per core)\n";
  }
  {
    // Where --jobs 1 spends a page: the profile to read before optimising anything.
    const StageSeconds& t = j1->stages;
    const double per = 1000.0 / std::max(1, j1->pages);
    std::cout << std::setprecision(1) << "  ms per page, --jobs 1        decode " << t.decode * per << ", streaks "
              << t.streaks * per << ", align " << t.align * per << ", read " << t.read * per << ", encode "
              << t.encode * per << "; writer thread " << t.store * per << "\n";
  }
  std::cout << "  text areas: blank/written right " << hs.text_correct_blankness << " / " << hs.text_areas << " ("
            << pct(hs.text_correct_blankness, hs.text_areas) << "%; target >= 99.5%), written taken as blank "
            << hs.written_taken_blank << " of " << hs.written << " (target 0), blank sent to review "
            << hs.blank_sent_to_review << "\n"
            << "  digits: accepted exact " << hs.digit_accepted_exact << " / " << hs.digit_accepted << " ("
            << pct(hs.digit_accepted_exact, hs.digit_accepted) << "%; target >= 99%), sent to review "
            << hs.digit_review << " / " << hs.digit_fields << " (" << pct(hs.digit_review, hs.digit_fields) << "%)\n";
  for (const auto& [st, c] : hs.cer_by_style)
    std::cout << "  draft CER, style " << std::left << std::setw(15) << st << std::right << std::setw(6)
              << pct(c.first, c.second) << "% over " << hs.areas_by_style[st] << " written areas\n";
  if (timing && timing->lines > 0)
    std::cout << "  OCR cost (--jobs 1)          " << std::setprecision(1)
              << 1000.0 * timing->seconds / std::max(1L, hs.written) << " ms per written area ("
              << timing->lines << " lines, " << 1000.0 * timing->seconds / timing->lines << " ms per line)\n";
  if (rss_large > 0)
    std::cout << "  peak RSS, ingest -j2         " << rss.early_mb << " MiB when " << rss.early_pages
              << " pages were stored, " << rss.peak_mb << " MiB over all " << rss.pages
              << " (largest file " << largest_file_mb << " MiB)\n";
  {
    // Where the review share and the accepted errors come from (docs/review-reasons.md codes).
    std::cout << std::setprecision(2) << "  box questions sent to review, by reason code (a question counts once per code):\n";
    std::vector<std::pair<long, std::string>> codes;
    for (const auto& [code, n] : bs.review_by_code) codes.push_back({n, code});
    std::sort(codes.rbegin(), codes.rend());
    for (const auto& [n, code] : codes)
      std::cout << "    " << std::left << std::setw(28) << code << std::right << std::setw(6) << n << " ("
                << pct(n, bs.fields) << "% of box questions)\n";
    auto table = [&](const char* title, const std::map<std::string, Tally>& rows) {
      std::cout << "  " << std::left << std::setw(30) << title << std::right << std::setw(8) << "fields" << std::setw(10)
                << "review" << std::setw(9) << "review%" << std::setw(16) << "accepted wrong\n";
      for (const auto& [key, t] : rows)
        std::cout << "    " << std::left << std::setw(28) << key << std::right << std::setw(8) << t.fields
                  << std::setw(10) << t.review << std::setw(8) << pct(t.review, t.fields) << "%" << std::setw(15)
                  << t.accepted_wrong << "\n";
    };
    table("box questions per mark style", bs.by_style);
    table("per pen / stroke model", bs.by_pen);
    table("per damage of the page", bs.by_damage);
  }
  for (const auto& [reason, n] : ps.missed_reasons) std::cout << "  missed page: " << n << " × " << reason << "\n";
  for (const auto& w : bs.wrong_examples) std::cout << "  wrong: " << w << "\n";

  json report = {{"template", tpl->id}, {"seed", seed}, {"pages", sim->pages}, {"form_pages", ps.form_pages},
                 {"identified", ps.identified}, {"wrong_sheet", ps.wrong_sheet},
                 {"accepted_boxes", bs.accepted_boxes}, {"accepted_wrong", bs.accepted_wrong},
                 {"box_fields", bs.fields}, {"box_fields_review", bs.fields_review},
                 {"boxes", bs.boxes}, {"boxes_review", bs.boxes_review},
                 {"pages_per_s_jobs1", j1->pages_per_s}, {"pages_per_s_jobs2", j2->pages_per_s},
                 {"decode_only_pages_per_s", decode_rate},
                 {"checkbox_pages", checkbox_read}, {"checkbox_pages_per_s_jobs1", checkbox_rate.first},
                 {"checkbox_pages_per_s_jobs2", checkbox_rate.second},
                 {"ms_per_page_jobs1",
                  {{"decode", 1000 * j1->stages.decode / std::max(1, j1->pages)},
                   {"streaks", 1000 * j1->stages.streaks / std::max(1, j1->pages)},
                   {"align", 1000 * j1->stages.align / std::max(1, j1->pages)},
                   {"read", 1000 * j1->stages.read / std::max(1, j1->pages)},
                   {"encode", 1000 * j1->stages.encode / std::max(1, j1->pages)},
                   {"store", 1000 * j1->stages.store / std::max(1, j1->pages)}}}, {"peak_rss_mb_early", rss.early_mb},
                 {"peak_rss_mb_batch", rss.peak_mb}, {"rss_early_pages", rss.early_pages},
                 {"rss_batch_pages", rss.pages},
                 {"box_fields_review_rules", bs.fields_review_rules},
                 {"required_left_blank", bs.blank_required}, {"required_left_blank_wrong", bs.blank_required_wrong},
                 {"text_areas", hs.text_areas}, {"text_blankness_right", hs.text_correct_blankness},
                 {"written_taken_blank", hs.written_taken_blank}, {"digit_fields", hs.digit_fields},
                 {"digit_review", hs.digit_review}, {"digit_accepted", hs.digit_accepted},
                 {"digit_accepted_exact", hs.digit_accepted_exact}};
  report["box_fields_review_by_code"] = bs.review_by_code;
  for (const auto& [name, rows] : {std::pair{"by_style", &bs.by_style}, std::pair{"by_pen", &bs.by_pen},
                                   std::pair{"by_damage", &bs.by_damage}})
    for (const auto& [key, t] : *rows)
      report["box_fields_" + std::string(name)][key] = {{"fields", t.fields}, {"review", t.review},
                                                        {"accepted_wrong", t.accepted_wrong}};
  std::ofstream(dir / "bench.json") << report.dump(2) << "\n";
  std::cout << "  (figures also in " << (dir / "bench.json").string() << ")\n";
  return kExitOk;
}

}  // namespace
}  // namespace phieu::bench

int main(int argc, char** argv) {
  phieu::app::EnsureSingleThreadedOpenMp(argv);
  std::setlocale(LC_ALL, "C.UTF-8");
  using namespace phieu::bench;
  CLI::App cmd{"phieu-bench: simulate, ingest with 1 and 2 jobs, score against ground truth"};
  auto a = std::make_shared<BenchOptions>();
  cmd.add_option("--template", a->tpl, "template JSON file or bundled id (default sipas)");
  cmd.add_option("--pages", a->pages, "pages in the accuracy/throughput stack")->check(CLI::Range(10, 100000));
  cmd.add_option("--seed", a->seed, "random seed");
  cmd.add_option("--rss-pages", a->rss_pages, "batch whose memory is followed (0 = skip)");
  cmd.add_option("--checkbox-pages", a->checkbox_pages,
                 "300-dpi stack of checkbox-only pages for the throughput target (0 = skip)");
  cmd.add_option("-o,--output", a->dir, "work folder (default bench-out)");
  cmd.add_flag("--reuse", a->reuse, "score the stacks already in the work folder instead of simulating");
  cmd.add_option("--phieu", a->phieu, "the phieu binary whose ingest memory is followed (default: " +
                                          DefaultPhieuBinary().string() + ")");
  try {
    cmd.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int rc = cmd.exit(e);
    return rc == 0 ? 0 : phieu::app::kExitUsage;
  }
  try {
    return RunBench(*a);
  } catch (const std::exception& e) {
    return phieu::app::Fail(std::string("internal error: ") + e.what(), phieu::app::kExitFailed);
  }
}
