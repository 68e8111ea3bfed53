// Copyright 2026 The Phiếu Authors
// SPDX-License-Identifier: Apache-2.0
//
// The satisfaction indices (templates/README.md, "Scoring"; DESIGN.md report contract),
// accumulated over the sheets the exports hold, one pass, without keeping sheets.
#include <algorithm>
#include <chrono>
#include <ctime>
#include <set>

#include "dataset.h"
#include "exports/exports.h"

namespace phieu::exports {
namespace {

struct CriterionCount {
  int valid = 0;
  int satisfied = 0;
  double sum = 0;
};

/// Running totals for one population (the survey or a unit).
struct Accumulator {
  int respondents = 0;
  std::map<std::string, CriterionCount> criteria;
  std::map<std::string, std::map<std::string, int>> element_levels;  // element -> level -> n
  std::map<std::string, int> levels;
  std::map<std::string, int> expectations;
  int expectations_answered = 0;
  std::map<std::string, int> by_channel;
};

Indices Finish(const Accumulator& acc, const templates::Scoring& scoring) {
  Indices out;
  out.respondents = acc.respondents;
  out.levels = acc.levels;
  out.expectations = acc.expectations;
  out.expectations_answered = acc.expectations_answered;
  double overall_pct = 0, overall_mean = 0;
  int elements_with_value = 0, overall_valid = 0;
  for (const auto& e : scoring.elements) {
    ElementIndex ei{.id = e.id, .name = e.name, .criteria = e.criteria};
    double pct = 0, mean = 0;
    int with_value = 0;
    for (const auto& c : e.criteria) {
      IndexValue v;
      auto it = acc.criteria.find(c);
      if (it != acc.criteria.end() && it->second.valid > 0) {
        v.valid = it->second.valid;
        v.satisfied_pct = 100.0 * it->second.satisfied / it->second.valid;
        v.mean = it->second.sum / it->second.valid;
        pct += v.satisfied_pct;
        mean += v.mean;
        ++with_value;
        ei.value.valid += v.valid;
      }
      ei.by_criterion[c] = v;
    }
    // An element averages its criteria that have answers; a criterion nobody answered does
    // not pull the element to 0.
    if (with_value > 0) {
      ei.value.satisfied_pct = pct / with_value;
      ei.value.mean = mean / with_value;
      overall_pct += ei.value.satisfied_pct;
      overall_mean += ei.value.mean;
      ++elements_with_value;
      overall_valid += ei.value.valid;
    }
    if (auto it = acc.element_levels.find(e.id); it != acc.element_levels.end()) ei.levels = it->second;
    out.elements.push_back(std::move(ei));
  }
  if (elements_with_value > 0) {
    out.has_value = true;
    out.overall = {.satisfied_pct = overall_pct / elements_with_value,
                   .mean = overall_mean / elements_with_value, .valid = overall_valid};
  }
  return out;
}

bool Contains(const std::vector<std::string>& v, const std::string& x) {
  return std::find(v.begin(), v.end(), x) != v.end();
}

std::string NowIso() {
  std::time_t t = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

}  // namespace

core::Result<Report> ComputeReport(store::Store& store, const std::vector<templates::Template>& templates,
                                   const templates::TemplateCatalog& catalog, const ReportOptions& options) {
  // The scored template: the one with a `scoring` section among those the filter admits.
  const templates::Template* scored = nullptr;
  std::set<std::string> scored_ids;
  for (const auto& t : templates) {
    if (!t.scoring) continue;
    if (!options.filter.templates.empty() && !Contains(options.filter.templates, t.id)) continue;
    scored_ids.insert(t.id);
    if (!scored || (t.id == scored->id && t.version > scored->version)) scored = &t;
  }
  if (!scored)
    return core::MakeError("usage", "no template of this survey has a \"scoring\" section: nothing to "
                                    "compute indices from (templates/README.md, Scoring)");
  if (scored_ids.size() > 1) {
    // Several scored templates registered (a survey set up with sipas, health and school):
    // the ones that have sheets decide.
    std::set<std::string> with_sheets;
    SheetFilter any = options.filter;
    auto st = internal::VisitSheets(store, catalog, any,
                                    [&](const internal::SheetView& v) {
                                      if (scored_ids.count(v.sheet->template_id))
                                        with_sheets.insert(v.sheet->template_id);
                                      return with_sheets.size() < 2;
                                    },
                                    nullptr);
    if (!st.ok()) return st.error();
    if (with_sheets.size() == 1) {
      scored_ids = with_sheets;
      scored = nullptr;
      for (const auto& t : templates)
        if (t.scoring && t.id == *with_sheets.begin() && (!scored || t.version > scored->version)) scored = &t;
    }
  }
  if (scored_ids.size() > 1) {
    std::string list;
    for (const auto& id : scored_ids) list += (list.empty() ? "" : ", ") + id;
    return core::MakeError("usage", "several templates have indices (" + list +
                                        "): choose one with --template");
  }
  const templates::Scoring& scoring = *scored->scoring;
  Report report;
  report.template_id = scored->id;
  report.template_title = scored->title;
  report.elements = scoring.elements;
  report.satisfied_levels = scoring.satisfied;
  report.generated_at = NowIso();
  std::map<std::string, std::string> element_of;
  for (const auto& e : scoring.elements)
    for (const auto& c : e.criteria) element_of[c] = e.id;
  for (const auto& s : scored->sections)
    for (const auto& q : s.questions) {
      if (q.kind == core::FieldKind::kScale) {
        for (const auto& r : q.rows) {
          report.criterion_text[r.id] = r.text;
          if (report.levels.empty() && element_of.count(r.id))
            if (const auto* scale = scored->FindScale(q.scale)) report.levels = scale->levels;
        }
      }
      if (q.id == scoring.expectations) {
        report.expectation_options = q.options;
        report.expectations_question = q.text;
      }
    }

  auto units = store.ListUnits();
  if (!units.ok()) return units.error();
  SheetFilter filter = options.filter;
  filter.templates = {scored->id};
  Accumulator total;
  std::map<std::string, Accumulator> per_unit;
  auto count_sheet = [&](const internal::SheetView& view) {
    const store::SheetRecord& s = *view.sheet;
    std::vector<Accumulator*> accs = {&total};
    if (!s.unit_code.empty()) accs.push_back(&per_unit[s.unit_code]);
    for (Accumulator* a : accs) {
      ++a->respondents;
      ++a->by_channel[s.channel];
    }
    if (!view.layout) return true;
    for (const auto& f : view.layout->fields) {
      auto el = element_of.find(f.id);
      const bool expectation = !scoring.expectations.empty() && f.id == scoring.expectations;
      if (el == element_of.end() && !expectation) continue;
      const bool not_scanned = std::find(s.missing_pages.begin(), s.missing_pages.end(), f.page) !=
                                   s.missing_pages.end();
      if (not_scanned) {
        if (!expectation) ++report.answers_not_scanned;
        continue;
      }
      if (Contains(s.pending, f.id)) {
        if (!expectation) ++report.answers_pending;
        continue;
      }
      if (Contains(s.illegible, f.id)) {
        if (!expectation) ++report.answers_illegible;
        continue;
      }
      auto it = s.selected.find(f.id);
      const std::vector<std::string> none;
      const auto& values = it == s.selected.end() ? none : it->second;
      if (expectation) {
        if (values.empty()) continue;
        for (Accumulator* a : accs) {
          ++a->expectations_answered;
          for (const auto& v : values) ++a->expectations[v];
        }
        continue;
      }
      if (values.size() != 1) {
        ++report.answers_missing;  // blank (several marks are pending, handled above)
        continue;
      }
      const std::string& level = values.front();
      double numeric = 0;
      try {
        numeric = std::stod(level);
      } catch (const std::exception&) {
        ++report.answers_missing;
        continue;
      }
      for (Accumulator* a : accs) {
        CriterionCount& c = a->criteria[f.id];
        ++c.valid;
        c.sum += numeric;
        if (Contains(scoring.satisfied, level)) ++c.satisfied;
        ++a->element_levels[el->second][level];
        ++a->levels[level];
      }
    }
    return true;
  };
  auto st = internal::VisitSheets(store, catalog, filter, count_sheet, &report.coverage);
  if (!st.ok()) return st.error();

  report.overall = Finish(total, scoring);
  for (const auto& u : *units) {
    if (!options.filter.units.empty() && !Contains(options.filter.units, u.code)) continue;
    if (!options.filter.kinds.empty() && !Contains(options.filter.kinds, u.kind)) continue;
    UnitReport ur{.code = u.code, .name = u.name, .kind = u.kind, .quota = u.quota};
    if (auto it = per_unit.find(u.code); it != per_unit.end()) {
      ur.responses = it->second.respondents;
      ur.responses_by_channel = it->second.by_channel;
      ur.indices = Finish(it->second, scoring);
    } else {
      ur.indices = Finish(Accumulator{}, scoring);
    }
    report.units.push_back(std::move(ur));
  }
  // Rank within each kind by overall satisfied_pct, highest first; equal values share a rank
  // (1, 2, 2, 4). Units without any valid answer are not ranked (0).
  std::map<std::string, std::vector<UnitReport*>> by_kind;
  for (auto& u : report.units)
    if (u.indices.has_value) by_kind[u.kind].push_back(&u);
  for (auto& [kind, list] : by_kind) {
    std::stable_sort(list.begin(), list.end(), [](const UnitReport* a, const UnitReport* b) {
      return a->indices.overall.satisfied_pct > b->indices.overall.satisfied_pct;
    });
    for (size_t i = 0; i < list.size(); ++i)
      list[i]->rank = (i > 0 && list[i]->indices.overall.satisfied_pct ==
                                    list[i - 1]->indices.overall.satisfied_pct)
                          ? list[i - 1]->rank
                          : static_cast<int>(i) + 1;
  }
  // The residual error the re-check measured (phúc tra), once blind entries exist.
  auto recheck = store.GetRecheckReport();
  if (!recheck.ok()) return recheck.error();
  if (recheck->sheets_entered > 0) {
    report.recheck.ran = true;
    report.recheck.sheets_entered = recheck->sheets_entered;
    for (const auto& r : recheck->residual)
      report.recheck.residual.push_back(
          {.kind = r.kind, .accepted = r.accepted, .wrong = r.wrong, .rate = r.rate, .low = r.low, .high = r.high});
  }
  return report;
}

}  // namespace phieu::exports
