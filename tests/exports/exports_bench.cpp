// Copyright 2026 The Phiếu Authors
// SPDX-License-Identifier: Apache-2.0
//
// Export and report benchmark: a synthetic SIPAS survey of N sheets (stored through the Store
// API as ingest would, without scanning), then every export format and the report, each run in
// a child process so its peak RSS (VmHWM) is its own. Prints medians of --runs runs.
//
//   build/tests/exports/exports_bench --sheets 6045 --runs 3 --dir bench-out/exports
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iostream>
#include <random>
#include <sstream>

#include "exports/exports.h"
#include "exports/survey_kit.h"
#include "templates/templates.h"

namespace {

namespace fs = std::filesystem;
using phieu::testing::KitSheet;
using phieu::testing::SurveyKit;

long PeakRssKib() {
  std::ifstream s("/proc/self/status");
  std::string line;
  while (std::getline(s, line))
    if (line.rfind("VmHWM:", 0) == 0) return std::stol(line.substr(6));
  return -1;
}

/// A respondent: mostly satisfied, some blanks, 1-3 expectations, sometimes a comment.
KitSheet Respondent(const phieu::templates::Layout& layout, const std::string& unit, std::mt19937& rng) {
  KitSheet s{.unit = unit};
  std::uniform_real_distribution<double> u(0, 1);
  for (const auto& f : layout.fields) {
    if (f.kind == phieu::core::FieldKind::kScale) {
      if (u(rng) < 0.02) continue;  // left blank
      double x = u(rng);
      s.boxes[f.id] = {x < 0.03 ? "1" : x < 0.10 ? "2" : x < 0.30 ? "3" : x < 0.75 ? "4" : "5"};
    } else if (f.kind == phieu::core::FieldKind::kSingle) {
      s.boxes[f.id] = {f.options[rng() % f.options.size()].value};
    } else if (f.kind == phieu::core::FieldKind::kMulti) {
      size_t n = 1 + rng() % 3;
      for (size_t i = 0; i < n; ++i) s.boxes[f.id].push_back(f.options[(rng() + i) % f.options.size()].value);
      std::sort(s.boxes[f.id].begin(), s.boxes[f.id].end());
      s.boxes[f.id].erase(std::unique(s.boxes[f.id].begin(), s.boxes[f.id].end()), s.boxes[f.id].end());
    } else if (f.kind == phieu::core::FieldKind::kDigits) {
      s.texts[f.id] = f.cells_mm.size() == 4 ? std::to_string(1950 + rng() % 55) : "0912345678";
    } else if (u(rng) < 0.2) {
      s.texts[f.id] = "Cán bộ tiếp dân nhiệt tình, thủ tục nhanh gọn";
    }
  }
  return s;
}

double Seconds(std::chrono::steady_clock::time_point a) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - a).count();
}

struct Figures {
  double wall = -1, cpu = -1, mib = -1;
};

/// Runs `job` in a child; returns its wall and CPU (user + system) seconds and its peak RSS,
/// from the child's own report. CPU time stays meaningful on a loaded machine.
Figures Measure(const std::function<bool()>& job) {
  int fds[2];
  if (pipe(fds) != 0) return {-1, -1};
  pid_t pid = fork();
  if (pid == 0) {
    close(fds[0]);
    auto t0 = std::chrono::steady_clock::now();
    bool ok = job();
    double secs = Seconds(t0);
    double mib = PeakRssKib() / 1024.0;
    rusage ru{};
    getrusage(RUSAGE_SELF, &ru);
    double cpu = ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 + ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6;
    char buf[96];
    int n = std::snprintf(buf, sizeof buf, "%d %.4f %.4f %.1f", ok ? 1 : 0, secs, cpu, mib);
    if (write(fds[1], buf, static_cast<size_t>(n)) < 0) _exit(2);
    _exit(0);
  }
  close(fds[1]);
  char buf[96] = {};
  ssize_t n = read(fds[0], buf, sizeof buf - 1);
  close(fds[0]);
  int status = 0;
  waitpid(pid, &status, 0);
  int ok = 0;
  Figures f;
  if (n > 0) std::sscanf(buf, "%d %lf %lf %lf", &ok, &f.wall, &f.cpu, &f.mib);
  if (!ok) std::cerr << "a run failed\n";
  return f;
}

}  // namespace

int main(int argc, char** argv) {
  int sheets = 6045, runs = 3;
  fs::path dir = "bench-out/exports";
  bool reuse = false;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--sheets" && i + 1 < argc) sheets = std::atoi(argv[++i]);
    else if (a == "--runs" && i + 1 < argc) runs = std::atoi(argv[++i]);
    else if (a == "--dir" && i + 1 < argc) dir = argv[++i];
    else if (a == "--reuse") reuse = true;
    else {
      std::cerr << "usage: exports_bench [--sheets N] [--runs R] [--dir D] [--reuse]\n";
      return 2;
    }
  }
  fs::create_directories(dir);
  const fs::path db = dir / ("survey-" + std::to_string(sheets) + ".db");
  auto tpl = phieu::templates::LoadTemplate(phieu::templates::BundledTemplatesDir() / "sipas.json");
  if (!tpl.ok()) {
    std::cerr << tpl.error().message << "\n";
    return 1;
  }
  if (!reuse || !fs::exists(db)) {
    fs::remove(db);
    // 100 commune offices, 60 forms each: 6,045 sheets fill them, 60,000 overflow the quotas.
    std::string units = "code,name,kind,quota,parent\n";
    for (int u = 1; u <= 100; ++u) units += "X" + std::to_string(1000 + u) + ",UBND xã Số " + std::to_string(u) + ",admin,60,\n";
    auto t0 = std::chrono::steady_clock::now();
    auto kit = SurveyKit::Create(db, tpl->source_json, units);
    std::mt19937 rng(17);
    for (int i = 0; i < sheets; ++i) {
      kit->Add(Respondent(kit->layout(), "X" + std::to_string(1001 + i % 100), rng));
      if ((i + 1) % 5000 == 0) std::cerr << "  " << (i + 1) << " sheets stored\n";
    }
    std::cout << "survey of " << sheets << " sheets built in " << Seconds(t0) << " s (" << db.string() << ", "
              << fs::file_size(db) / (1024 * 1024) << " MiB)\n";
  }
  struct Job {
    std::string name;
    std::function<bool()> run;
  };
  auto with_store = [&](const std::function<bool(phieu::store::Store&, const phieu::templates::TemplateCatalog&)>& f) {
    return [&, f] {
      auto store = phieu::store::Store::Open(db, false);
      if (!store.ok()) return false;
      phieu::templates::TemplateCatalog catalog;
      catalog.Add(phieu::templates::ComputeLayout(*tpl));
      return f(**store, catalog);
    };
  };
  auto export_job = [&](phieu::exports::ExportFormat format, const std::string& file) {
    return with_store([&, format, file](phieu::store::Store& s, const phieu::templates::TemplateCatalog& c) {
      auto r = phieu::exports::WriteExport(s, c, format, dir / file);
      if (!r.ok()) std::cerr << r.error().message << "\n";
      return r.ok() && r->rows == sheets;
    });
  };
  std::vector<Job> jobs = {
      {"export csv", export_job(phieu::exports::ExportFormat::kCsv, "out.csv")},
      {"export xlsx", export_job(phieu::exports::ExportFormat::kXlsx, "out.xlsx")},
      {"export sav", export_job(phieu::exports::ExportFormat::kSav, "out.sav")},
      {"export json", export_job(phieu::exports::ExportFormat::kJson, "out.json")},
      {"report html+pdf+json", with_store([&](phieu::store::Store& s, const phieu::templates::TemplateCatalog& c) {
         auto r = phieu::exports::ComputeReport(s, {*tpl}, c);
         if (!r.ok()) return false;
         std::ofstream(dir / "report.html") << phieu::exports::ReportToHtml(*r);
         std::ofstream(dir / "report.json") << phieu::exports::ReportToJson(*r);
         return phieu::exports::WriteReportPdf(*r, dir / "report.pdf").ok() && r->coverage.rows == sheets;
       })},
  };
  std::printf("%-22s %9s %9s %9s   (%d sheets, median of %d runs; wall min-max, peak RSS min-max)\n", "job",
              "wall s", "CPU s", "peak MiB", sheets, runs);
  for (const auto& job : jobs) {
    std::vector<double> secs, cpus, mibs;
    for (int r = 0; r < runs; ++r) {
      Figures f = Measure(job.run);
      secs.push_back(f.wall);
      cpus.push_back(f.cpu);
      mibs.push_back(f.mib);
    }
    auto med = [](std::vector<double> v) {
      std::sort(v.begin(), v.end());
      return v[v.size() / 2];
    };
    std::printf("%-22s %9.2f %9.2f %9.1f   (%.2f-%.2f s, %.1f-%.1f MiB)\n", job.name.c_str(), med(secs), med(cpus), med(mibs),
                *std::min_element(secs.begin(), secs.end()), *std::max_element(secs.begin(), secs.end()),
                *std::min_element(mibs.begin(), mibs.end()), *std::max_element(mibs.begin(), mibs.end()));
  }
  return 0;
}
