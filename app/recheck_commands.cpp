// Copyright 2026 The Phiếu Authors
// SPDX-License-Identifier: Apache-2.0
// phieu recheck draw | report: the re-check (phúc tra) of a random sample of complete sheets
// by a second reviewer (the blind entry and the admin's settlement are in the browser).
#include <unistd.h>

#include <charconv>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <sstream>

#include "app/common.h"

namespace phieu::app {
namespace {

std::string PadRight(const std::string& s, std::size_t width) {
  const std::size_t c = Utf8Length(s);
  return c >= width ? s : s + std::string(width - c, ' ');
}

std::string PadLeft(const std::string& s, std::size_t width) {
  const std::size_t c = Utf8Length(s);
  return c >= width ? s : std::string(width - c, ' ') + s;
}

std::string Fixed(double v, int decimals) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.*f", decimals, v);
  return buf;
}

std::string Percent(double v) { return Fixed(100.0 * v, 1) + "%"; }

// A table: the first column left-aligned, the others right-aligned, each as wide as its
// widest cell.
void PrintTable(std::ostream& out, const std::vector<std::vector<std::string>>& rows) {
  if (rows.empty()) return;
  std::vector<std::size_t> width(rows.front().size(), 0);
  for (const auto& r : rows)
    for (std::size_t i = 0; i < r.size() && i < width.size(); ++i)
      width[i] = std::max(width[i], Utf8Length(r[i]));
  for (const auto& r : rows) {
    std::string line = "  ";
    for (std::size_t i = 0; i < r.size(); ++i) {
      if (i) line += "  ";
      line += i == 0 ? PadRight(r[i], width[i]) : PadLeft(r[i], width[i]);
    }
    while (!line.empty() && line.back() == ' ') line.pop_back();
    out << line << "\n";
  }
}

void PrintAgreement(std::ostream& out, const char* title, const char* key,
                    const std::vector<store::AgreementRow>& rows, bool with_kappa) {
  out << "\n" << title << "\n";
  std::vector<std::vector<std::string>> t;
  std::vector<std::string> head = {key, "fields", "equal", "agreement"};
  if (with_kappa) head.push_back("kappa");
  t.push_back(head);
  for (const auto& r : rows) {
    std::vector<std::string> line = {r.key.empty() ? "(none)" : r.key, std::to_string(r.fields),
                                     std::to_string(r.equal),
                                     r.fields ? Percent(double(r.equal) / r.fields) : "–"};
    if (with_kappa) line.push_back(r.kappa ? Fixed(*r.kappa, 3) : "–");
    t.push_back(line);
  }
  PrintTable(out, t);
}

void PrintReport(std::ostream& out, const store::RecheckReport& r,
                 const std::vector<store::RecheckComparison>& disagreements) {
  out << "Re-check (phúc tra)\n";
  if (r.draws.empty()) {
    out << "  no draw yet: run `phieu recheck draw --db FILE`\n";
    return;
  }
  std::vector<std::vector<std::string>> draws = {
      {"draw", "date (UTC)", "by", "share", "per unit", "seed", "complete", "drawn before"}};
  for (const auto& d : r.draws)
    draws.push_back({std::to_string(d.id), d.at.substr(0, 19), d.who, Percent(d.share),
                     d.per_unit ? "yes" : "no", std::to_string(d.seed),
                     std::to_string(d.complete_sheets), std::to_string(d.already_drawn)});
  PrintTable(out, draws);
  out << "\n  sheets drawn " << r.sheets_drawn << ", entered blind " << r.sheets_entered
      << ", waiting " << (r.sheets_drawn - r.sheets_entered) << "\n";
  out << "  fields compared " << r.fields << ", equal " << r.equal;
  if (r.fields) out << " (" << Percent(double(r.equal) / r.fields) << ")";
  out << "; kappa of the scale items " << (r.scale_kappa ? Fixed(*r.scale_kappa, 3) : "–") << "\n";
  out << "  disagreements " << (r.disagreements_open + r.disagreements_settled) << ": settled "
      << r.disagreements_settled << ", waiting for an admin " << r.disagreements_open << "\n";
  if (r.fields == 0) {
    out << "\n  no blind entry yet: reviewers enter the drawn sheets in the browser (Phúc tra)\n";
    return;
  }
  PrintAgreement(out, "Agreement per field", "field", r.by_field, true);
  PrintAgreement(out, "Agreement per second reviewer", "reviewer", r.by_reviewer, false);
  PrintAgreement(out, "Agreement per unit", "unit", r.by_unit, false);
  out << "\nResidual error of accepted values (machine readings no person had changed),\n"
         "as the settled re-check found them; 95% Wilson interval\n";
  std::vector<std::vector<std::string>> t = {
      {"kind", "accepted", "wrong", "error", "95% interval", "unsettled"}};
  for (const auto& e : r.residual)
    t.push_back({e.kind, std::to_string(e.accepted), std::to_string(e.wrong),
                 e.accepted ? Percent(e.rate) : "–",
                 e.accepted ? Percent(e.low) + " – " + Percent(e.high) : "–",
                 std::to_string(e.unsettled)});
  PrintTable(out, t);
  if (disagreements.empty()) return;
  out << "\nDisagreements (values as stored: options as a list, text as a string)\n";
  std::vector<std::vector<std::string>> d = {
      {"sheet", "field", "unit", "first", "by", "blind", "by", "settled"}};
  for (const auto& c : disagreements)
    d.push_back({std::to_string(c.serial), c.field_id, c.unit_code, c.first_value,
                 c.first_accepted ? "(machine)" : c.first_who, c.blind_value, c.blind_who,
                 c.settled_value ? *c.settled_value + " by " + c.settled_by : "waiting"});
  PrintTable(out, d);
}

}  // namespace

std::vector<Command> RecheckCommands() {
  return {
      {"recheck draw", "Draw a random sample of complete sheets for a blind second entry",
       [](CLI::App* cmd) {
         struct Args {
           std::string db;
           double share = 0.10;
           bool per_unit = false;
           bool written = false;
           std::string seed;
           std::string user;
         };
         auto a = std::make_shared<Args>();
         cmd->add_option("--db", a->db, "survey file")->required();
         cmd->add_option("--share", a->share, "share of complete sheets to re-check (default 0.10)");
         cmd->add_flag("--per-unit", a->per_unit,
                       "draw the share in every unit (at least one sheet per unit)");
         cmd->add_option("--seed", a->seed, "random seed (default: a fresh one, printed and recorded)");
         cmd->add_flag("--written", a->written, "also re-enter digits and text fields");
         cmd->add_option("--user", a->user, "who runs the draw (default: the OS user)");
         return std::function<int()>([a] {
           store::RecheckDrawOptions o{.share = a->share, .per_unit = a->per_unit, .seed = {},
                                       .written = a->written,
                                       .who = a->user.empty() ? CliUser() : a->user};
           if (!a->seed.empty()) {
             std::uint64_t v = 0;
             auto [end, ec] = std::from_chars(a->seed.data(), a->seed.data() + a->seed.size(), v);
             if (ec != std::errc() || end != a->seed.data() + a->seed.size())
               return Fail("--seed must be a whole number, got \"" + a->seed + "\"", kExitUsage);
             o.seed = v;
           }
           auto store = OpenSurvey(a->db, false);
           if (!store.ok()) return Fail(store.error(), kExitUsage);
           auto d = (*store)->DrawRecheck(o);
           if (!d.ok()) return Fail(d.error(), d.error().code == "usage" ? kExitUsage : kExitFailed);
           std::cout << "draw " << d->id << ": " << d->serials.size() << " sheet"
                     << (d->serials.size() == 1 ? "" : "s") << " drawn of " << d->complete_sheets
                     << " complete (share " << Percent(d->share)
                     << (d->per_unit ? ", per unit" : "") << ", seed " << d->seed << ")\n";
           if (d->already_drawn > 0)
             std::cout << "  " << d->already_drawn
                       << " complete sheets were drawn before: they count towards the share and "
                          "are not drawn again\n";
           if (!d->serials.empty()) {
             std::cout << "  serials:";
             for (auto s : d->serials) std::cout << " " << s;
             std::cout << "\n  a reviewer other than the sheet's first one enters them blind in "
                          "the browser (Phúc tra)\n";
           }
           return kExitOk;
         });
       }},
      {"recheck report", "Agreement, kappa and the residual error from the re-check",
       [](CLI::App* cmd) {
         auto db = std::make_shared<std::string>();
         cmd->add_option("--db", *db, "survey file")->required();
         return std::function<int()>([db] {
           auto store = OpenSurvey(*db, false);
           if (!store.ok()) return Fail(store.error(), kExitUsage);
           auto r = (*store)->GetRecheckReport();
           if (!r.ok()) return Fail(r.error());
           auto disagreements = (*store)->ListRecheckComparisons(true);
           if (!disagreements.ok()) return Fail(disagreements.error());
           std::ostringstream out;
           PrintReport(out, *r, *disagreements);
           std::cout << out.str();
           return kExitOk;
         });
       }},
  };
}

}  // namespace phieu::app
