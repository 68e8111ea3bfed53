// Copyright 2026 The Phiếu Authors
// SPDX-License-Identifier: Apache-2.0
//
// The report JSON (DESIGN.md contract), plus extension keys the contract allows.
#include <cmath>

#include <nlohmann/json.hpp>

#include "exports/exports.h"

namespace phieu::exports {
namespace {

using nlohmann::json;

/// Percentages and means with 2 decimals: what a published table shows; null when undefined.
json Rounded(double v, bool defined) {
  if (!defined) return nullptr;
  return std::round(v * 100.0) / 100.0;
}

json IndicesJson(const Indices& idx) {
  json elements = json::object();
  for (const auto& e : idx.elements) {
    json criteria = json::object();
    for (const auto& c : e.criteria) {
      const IndexValue& v = e.by_criterion.at(c);
      criteria[c] = {{"satisfied_pct", Rounded(v.satisfied_pct, v.valid > 0)},
                     {"mean", Rounded(v.mean, v.valid > 0)},
                     {"valid", v.valid}};
    }
    elements[e.id] = {{"satisfied_pct", Rounded(e.value.satisfied_pct, e.value.valid > 0)},
                      {"mean", Rounded(e.value.mean, e.value.valid > 0)},
                      {"valid", e.value.valid},
                      {"levels", e.levels},
                      {"criteria", std::move(criteria)}};
  }
  json expectations = json::object();
  for (const auto& [v, n] : idx.expectations)
    expectations[v] = {{"respondents", n},
                       {"pct", Rounded(idx.respondents ? 100.0 * n / idx.respondents : 0, idx.respondents > 0)}};
  return {{"satisfied_pct", Rounded(idx.overall.satisfied_pct, idx.has_value)},
          {"mean", Rounded(idx.overall.mean, idx.has_value)},
          {"valid", idx.overall.valid},
          {"respondents", idx.respondents},
          {"levels", idx.levels},
          {"elements", std::move(elements)},
          {"expectations", std::move(expectations)}};
}

}  // namespace

std::string ReportToJson(const Report& r) {
  json units = json::array();
  for (const auto& u : r.units)
    units.push_back({{"code", u.code},
                     {"name", u.name},
                     {"kind", u.kind},
                     {"quota", u.quota},
                     {"responses", u.responses},
                     {"responses_by_channel", u.responses_by_channel},
                     {"rank", u.rank == 0 ? json(nullptr) : json(u.rank)},
                     {"indices", IndicesJson(u.indices)}});
  json left_out = {{"pending_review", r.coverage.left_out_pending},
                   {"by_filter", r.coverage.left_out_by_filter}};
  json answers_left_out = {{"blank", r.answers_missing},
                           {"illegible", r.answers_illegible},
                           {"pending_review", r.answers_pending},
                           {"page_not_scanned", r.answers_not_scanned}};
  json recheck = nullptr;
  if (r.recheck.ran) {
    json rows = json::array();
    for (const auto& row : r.recheck.residual)
      rows.push_back({{"kind", row.kind}, {"accepted", row.accepted}, {"wrong", row.wrong},
                      {"rate", row.rate}, {"low", row.low}, {"high", row.high}});
    recheck = {{"sheets", r.recheck.sheets_entered}, {"residual_error", std::move(rows)}};
  }
  json out = {{"template", r.template_id},
              {"recheck", std::move(recheck)},
              {"generated_at", r.generated_at},
              {"sheets", r.coverage.rows},
              {"sheets_with_pages_missing", r.coverage.with_pages_missing},
              {"sheets_left_out", std::move(left_out)},
              {"answers_left_out", std::move(answers_left_out)},
              {"satisfied_levels", r.satisfied_levels},
              {"overall", IndicesJson(r.overall)},
              {"units", std::move(units)}};
  return out.dump(2) + "\n";
}

}  // namespace phieu::exports
