// Copyright 2026 The Phiếu Authors
// SPDX-License-Identifier: Apache-2.0
// Review server benchmark (issue 15 item 10, server part). Builds a survey with 20,000 open
// review items from a simulated stack (the real `phieu simulate` + `phieu ingest
// --review-blank-required`, then its sheets, pages, readings and items copied in SQL under new
// serials), starts the review server on 127.0.0.1 and measures `next` and `decision` with 1 and
// with 8 reviewers at once: the server's own time (Server-Timing) and the client's round trip,
// median and p99, over several rounds.
//
//   review_bench [--phieu PATH] [--work DIR] [--items 20000] [--sheets 40] [--rounds 3]
//                [--per-reviewer 250] [--reuse]
#include <httplib.h>
#include <sqlite3.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "review-ui/review.h"
#include "store/store.h"

namespace fs = std::filesystem;
using Json = nlohmann::json;
using phieu::review::Server;
using phieu::review::ServeOptions;

namespace {

struct Args {
  std::string phieu = PHIEU_BINARY_DIR "/app/phieu";
  fs::path work = "review-bench-out";
  int items = 20000;
  int sheets = 40;
  int rounds = 3;
  int per_reviewer = 250;  // decisions per reviewer per round (8 reviewers: 2,000 per round).
  bool reuse = false;
};

[[noreturn]] void Die(const std::string& m) {
  std::cerr << "review_bench: " << m << "\n";
  std::exit(1);
}

void Run(const std::string& cmd) {
  std::cerr << "+ " << cmd << "\n";
  if (std::system(cmd.c_str()) != 0) Die("failed: " + cmd);
}

void Exec(sqlite3* db, const std::string& sql) {
  char* err = nullptr;
  if (sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &err) != SQLITE_OK) {
    std::string m = err ? err : "?";
    sqlite3_free(err);
    Die("SQL failed: " + m + "\n  in: " + sql.substr(0, 300));
  }
}

long long Scalar(sqlite3* db, const std::string& sql) {
  sqlite3_stmt* st = nullptr;
  if (sqlite3_prepare_v2(db, sql.c_str(), -1, &st, nullptr) != SQLITE_OK) Die(sqlite3_errmsg(db));
  long long v = 0;
  if (sqlite3_step(st) == SQLITE_ROW) v = sqlite3_column_int64(st, 0);
  sqlite3_finalize(st);
  return v;
}

std::vector<std::string> Columns(sqlite3* db, const std::string& table) {
  sqlite3_stmt* st = nullptr;
  std::vector<std::string> out;
  sqlite3_prepare_v2(db, ("PRAGMA table_info(" + table + ")").c_str(), -1, &st, nullptr);
  while (sqlite3_step(st) == SQLITE_ROW) out.emplace_back(reinterpret_cast<const char*>(sqlite3_column_text(st, 1)));
  sqlite3_finalize(st);
  return out;
}

// INSERT INTO table SELECT <every column, some replaced> FROM table WHERE where.
std::string CopySql(sqlite3* db, const std::string& table,
                    const std::vector<std::pair<std::string, std::string>>& replace, const std::string& where) {
  std::string cols, exprs;
  for (const auto& c : Columns(db, table)) {
    std::string e = c;
    for (const auto& [name, expr] : replace)
      if (name == c) e = expr;
    cols += (cols.empty() ? "" : ", ") + c;
    exprs += (exprs.empty() ? "" : ", ") + e;
  }
  return "INSERT INTO " + table + " (" + cols + ") SELECT " + exprs + " FROM " + table + " WHERE " + where;
}

// Copies the ingested sheets (serials <= soff) k times under serial + k*soff until there are
// `target` open items; pages/readings/items get new ids the same way.
void Replicate(const fs::path& path, int target) {
  sqlite3* db = nullptr;
  if (sqlite3_open(path.c_str(), &db) != SQLITE_OK) Die("cannot open " + path.string());
  Exec(db, "PRAGMA journal_mode=WAL; PRAGMA synchronous=OFF; PRAGMA foreign_keys=OFF;");
  const long long base_items = Scalar(db, "SELECT count(*) FROM review_items WHERE status='open'");
  if (base_items == 0) Die("the ingested stack made no review items");
  const long long max_serial = std::max(Scalar(db, "SELECT max(serial) FROM sheets"),
                                        Scalar(db, "SELECT max(serial) FROM pages"));
  long long soff = 1;
  while (soff <= max_serial) soff *= 10;
  const long long po = Scalar(db, "SELECT max(id) FROM pages") + 1;
  const long long ro = Scalar(db, "SELECT max(id) FROM readings") + 1;
  const long long io = Scalar(db, "SELECT max(id) FROM review_items") + 1;
  const long long copies = (target + base_items - 1) / base_items - 1;
  std::cerr << "replicating " << base_items << " items x " << copies + 1 << " (serial step " << soff << ")\n";
  Exec(db, "BEGIN");
  for (long long k = 1; k <= copies; ++k) {
    const std::string K = std::to_string(k);
    auto off = [&](const char* col, long long o) { return std::string(col) + " + " + K + " * " + std::to_string(o); };
    Exec(db, CopySql(db, "sheets", {{"serial", off("serial", soff)}}, "serial < " + std::to_string(soff)));
    Exec(db, CopySql(db, "pages",
                     {{"id", off("id", po)}, {"serial", off("serial", soff)},
                      {"page_index", off("page_index", 100000)}, {"conflict_with", "NULL"}},
                     "id < " + std::to_string(po)));
    Exec(db, CopySql(db, "readings", {{"id", off("id", ro)}, {"page_id", off("page_id", po)}},
                     "id < " + std::to_string(ro)));
    Exec(db, CopySql(db, "review_items",
                     {{"id", off("id", io)}, {"reading_id", off("reading_id", ro)}, {"serial", off("serial", soff)}},
                     "id < " + std::to_string(io)));
  }
  Exec(db, "COMMIT");
  // Keep exactly `target` open items (the last copy may overshoot).
  Exec(db, "DELETE FROM review_items WHERE id IN (SELECT id FROM review_items WHERE status='open' ORDER BY id DESC LIMIT max(0, (SELECT count(*) FROM review_items WHERE status='open') - " +
               std::to_string(target) + "))");
  Exec(db, "PRAGMA wal_checkpoint(TRUNCATE); ANALYZE;");
  sqlite3_close(db);
}

struct Sample {
  double server_ms;
  double wall_ms;
};

double Percentile(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  const std::size_t i = std::min(v.size() - 1, static_cast<std::size_t>(p * (v.size() - 1) + 0.5));
  return v[i];
}

double ServerMs(const httplib::Result& r) {
  const std::string h = r->get_header_value("Server-Timing");
  const auto pos = h.find("dur=");
  return pos == std::string::npos ? -1 : std::atof(h.c_str() + pos + 4);
}

Json SomeValue(const Json& item) {
  const std::string kind = item["kind"];
  if (kind == "single" || kind == "scale") return item["reading"].is_null() && !item["options"].empty() ? item["options"][0]["value"] : item["reading"];
  if (kind == "multi") return Json::array();
  return nullptr;
}

struct Figures {
  std::vector<Sample> next, decision;
};

// One reviewer: `n` times next + decision. Returns its samples.
Figures Review(int port, const std::string& cookie, const std::string& csrf, int n) {
  httplib::Client c("127.0.0.1", port);
  c.set_tcp_nodelay(true);
  c.set_keep_alive(true);
  httplib::Headers h{{"Cookie", cookie}, {"X-CSRF-Token", csrf}};
  Figures f;
  for (int i = 0; i < n; ++i) {
    auto t0 = std::chrono::steady_clock::now();
    auto r = c.Get("/api/review/next", h);
    auto t1 = std::chrono::steady_clock::now();
    if (!r || (r->status != 200 && r->status != 204)) Die("next failed: " + (r ? r->body : std::string("no answer")));
    if (r->status == 204) break;
    f.next.push_back({ServerMs(r), std::chrono::duration<double, std::milli>(t1 - t0).count()});
    Json item = Json::parse(r->body);
    Json body{{"value", SomeValue(item)}, {"version", item["version"]}};
    t0 = std::chrono::steady_clock::now();
    auto d = c.Post(("/api/review/items/" + std::to_string(item["id"].get<long long>()) + "/decision").c_str(), h,
                    body.dump(), "application/json");
    t1 = std::chrono::steady_clock::now();
    if (!d || d->status != 200) Die("decision failed: " + (d ? std::to_string(d->status) + " " + d->body : std::string("no answer")));
    f.decision.push_back({ServerMs(d), std::chrono::duration<double, std::milli>(t1 - t0).count()});
  }
  return f;
}

void Print(const char* what, int reviewers, int round, const std::vector<Sample>& s, std::vector<double>* med,
           std::vector<double>* p99) {
  std::vector<double> server, wall;
  for (const auto& x : s) {
    server.push_back(x.server_ms);
    wall.push_back(x.wall_ms);
  }
  std::printf("  round %d  %-8s %d reviewer%s  n=%5zu  server median %6.2f ms  p99 %6.2f ms   round trip median %6.2f ms  p99 %6.2f ms\n",
              round, what, reviewers, reviewers == 1 ? " " : "s", s.size(), Percentile(server, 0.5),
              Percentile(server, 0.99), Percentile(wall, 0.5), Percentile(wall, 0.99));
  med->push_back(Percentile(server, 0.5));
  p99->push_back(Percentile(server, 0.99));
}

}  // namespace

int main(int argc, char** argv) {
  Args a;
  for (int i = 1; i < argc; ++i) {
    std::string k = argv[i];
    auto next = [&]() -> std::string {
      if (i + 1 >= argc) Die(k + " needs a value");
      return argv[++i];
    };
    if (k == "--phieu") a.phieu = next();
    else if (k == "--work") a.work = next();
    else if (k == "--items") a.items = std::stoi(next());
    else if (k == "--sheets") a.sheets = std::stoi(next());
    else if (k == "--rounds") a.rounds = std::stoi(next());
    else if (k == "--per-reviewer") a.per_reviewer = std::stoi(next());
    else if (k == "--reuse") a.reuse = true;
    else Die("unknown option " + k + " (see the comment at the top of tools/review-bench/review_bench.cpp)");
  }
  fs::create_directories(a.work);
  const fs::path base = a.work / "base.db";
  if (!a.reuse || !fs::exists(base)) {
    fs::remove(base);
    fs::remove_all(a.work / "stack");
    Run(a.phieu + " simulate --template sipas --sheets " + std::to_string(a.sheets) + " --seed 11 -o " +
        (a.work / "stack").string() + " > /dev/null");
    Run(a.phieu + " ingest --db " + base.string() + " --template sipas --review-blank-required -q " +
        (a.work / "stack").string() + " > /dev/null");
    Replicate(base, a.items);
    auto store = phieu::store::Store::Open(base, false);
    if (!store.ok()) Die(store.error().message);
    auto hash = phieu::store::HashPassword("bench-password");
    if (!hash.ok()) Die(hash.error().message);
    for (int r = 1; r <= 8; ++r) {
      phieu::store::UserRecord u;
      u.name = "r" + std::to_string(r);
      u.role = phieu::store::Role::kReviewer;
      u.password_hash = *hash;
      if (auto st = (*store)->AddUser(u); !st.ok()) Die(st.error().message);
    }
  }
  std::printf("Review server benchmark: %d open items (copies of a %d-sheet simulated stack), %d rounds\n",
              a.items, a.sheets, a.rounds);
  std::vector<double> med[2][2], p99[2][2];  // [reviewers 1|8][next|decision]
  for (int round = 1; round <= a.rounds; ++round) {
    const fs::path db = a.work / "round.db";
    fs::remove(db);
    fs::remove(fs::path(db.string() + "-wal"));
    fs::remove(fs::path(db.string() + "-shm"));
    fs::copy_file(base, db);
    ServeOptions o;
    o.db = db;
    o.port = 0;
    o.threads = 8;
    auto server = Server::Start(o);
    if (!server.ok()) Die(server.error().message);
    const int port = (*server)->port();
    std::vector<std::pair<std::string, std::string>> logins;
    for (int r = 1; r <= 8; ++r) {
      httplib::Client c("127.0.0.1", port);
      auto res = c.Post("/api/login", Json{{"user", "r" + std::to_string(r)}, {"password", "bench-password"}}.dump(),
                        "application/json");
      if (!res || res->status != 200) Die("login failed");
      const std::string sc = res->get_header_value("Set-Cookie");
      logins.emplace_back(sc.substr(0, sc.find(';')), Json::parse(res->body)["csrf"]);
    }
    for (int mode = 0; mode < 2; ++mode) {
      const int reviewers = mode == 0 ? 1 : 8;
      std::vector<Figures> figs(reviewers);
      std::vector<std::thread> threads;
      for (int r = 0; r < reviewers; ++r)
        threads.emplace_back([&, r] { figs[r] = Review(port, logins[r].first, logins[r].second, a.per_reviewer); });
      for (auto& t : threads) t.join();
      Figures all;
      for (auto& f : figs) {
        all.next.insert(all.next.end(), f.next.begin(), f.next.end());
        all.decision.insert(all.decision.end(), f.decision.begin(), f.decision.end());
      }
      Print("next", reviewers, round, all.next, &med[mode][0], &p99[mode][0]);
      Print("decision", reviewers, round, all.decision, &med[mode][1], &p99[mode][1]);
    }
    (*server)->Stop();
  }
  std::printf("Median over rounds (server time, ms):\n");
  for (int mode = 0; mode < 2; ++mode)
    for (int w = 0; w < 2; ++w)
      std::printf("  %-8s %d reviewer%s  median %6.2f  p99 %6.2f\n", w == 0 ? "next" : "decision",
                  mode == 0 ? 1 : 8, mode == 0 ? " " : "s", Percentile(med[mode][w], 0.5),
                  Percentile(p99[mode][w], 0.5));
  return 0;
}
