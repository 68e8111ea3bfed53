// Copyright 2026 The Phiếu Authors
// SPDX-License-Identifier: Apache-2.0
// The batch summary as text and JSON (pipeline/summary.h). The wording is the command line's:
// a scan station prints the text its server made with these same functions.
#include "pipeline/summary.h"

#include <algorithm>
#include <iomanip>
#include <sstream>

#include <nlohmann/json.hpp>

namespace phieu::pipeline {

using Json = nlohmann::json;

std::string FormatSummary(const IngestSummary& s, const store::SurveyStatus* status) {
  std::ostringstream out;
  out << "\nBatch summary\n"
      << "  files            " << s.files << " (" << s.files_skipped << " already ingested, "
      << s.files_unreadable << " unreadable)\n"
      << "  pages read       " << s.pages_read << " in " << std::fixed << std::setprecision(1)
      << s.seconds << " s (" << (s.seconds > 0 ? s.pages_read / s.seconds : 0.0) << " pages/s)\n"
      << "  identified       " << s.pages_identified << "\n"
      << "  unidentified     " << s.pages_unidentified << "\n";
  for (const auto& [reason, n] : s.unidentified_reasons)
    out << "      " << std::setw(5) << n << "  " << reason << "\n";
  if (s.pages_stored_by_others > 0)
    out << "  stored by another run " << s.pages_stored_by_others
        << " (another ingest of the same files stored them first; not counted here)\n";
  out << "  conflicts        " << s.conflicts << " (same sheet page scanned twice; kept for a person)\n"
      << "  review items     " << s.review_items << " new\n";
  if (s.required_left_blank > 0)
    out << "  left blank       " << s.required_left_blank
        << " required questions with no mark near their boxes: recorded as unanswered, not queued"
        << " (--review-blank-required queues them)\n";
  if (s.pages_with_streaks > 0) {
    std::vector<std::pair<std::string, int>> where(s.streak_positions.begin(), s.streak_positions.end());
    std::sort(where.begin(), where.end(), [](auto& a, auto& b) { return a.second > b.second; });
    out << "  scanner streaks  " << s.pages_with_streaks
        << " pages had a straight line along the whole page (dust on the scanner glass, or a"
        << " fold), painted out before reading:";
    for (size_t i = 0; i < where.size() && i < 3; ++i)
      out << (i ? ", " : " ") << where[i].first << " px (" << where[i].second << " pages)";
    out << ". One place repeating page after page: clean the scanner glass.\n";
  }
  if (status) {
    out << "Survey so far\n"
        << "  sheets           " << status->sheets << ": " << status->sheets_complete << " complete, "
        << status->sheets_needs_review << " need review, " << status->sheets_incomplete
        << " incomplete (pages missing)\n"
        << "  waiting for review " << status->review_open << " items\n";
  }
  if (!s.errors.empty()) {
    out << "Problems (" << s.errors.size() << "):\n";
    for (const auto& e : s.errors) out << "  " << e << "\n";
  }
  if (s.stopped) out << "Interrupted: run the same command again to finish the batch.\n";
  return out.str();
}

std::string FormatFileLine(const std::string& name, const IngestSummary& s) {
  std::ostringstream line;
  line << name << ": ";
  if (s.files_skipped > 0) {
    line << "already ingested";
  } else if (s.files_unreadable > 0 && s.pages_read == 0) {
    line << "unreadable" << (s.errors.empty() ? "" : " (" + s.errors.front() + ")");
  } else {
    auto plural = [](int n, const char* word) {
      return std::to_string(n) + " " + word + (n == 1 ? "" : "s");
    };
    line << plural(s.pages_read, "page") << ", " << s.pages_identified << " identified, "
         << plural(s.review_items, "review item");
    if (s.pages_unidentified > 0) line << ", " << s.pages_unidentified << " unidentified";
    if (s.conflicts > 0) line << ", " << plural(s.conflicts, "conflict");
    if (s.stopped) line << " (interrupted)";
  }
  return line.str();
}

int SummaryExitCode(const IngestSummary& s) {
  if (s.stopped) return 130;
  return s.files_unreadable > 0 || s.pages_unreadable > 0 ? 1 : 0;
}

namespace {

// The counts, by their IngestSummary names: one table for both directions.
struct IntField {
  const char* name;
  int IngestSummary::*member;
};
constexpr IntField kInts[] = {
    {"files", &IngestSummary::files},
    {"files_skipped", &IngestSummary::files_skipped},
    {"files_unreadable", &IngestSummary::files_unreadable},
    {"pages_read", &IngestSummary::pages_read},
    {"pages_unreadable", &IngestSummary::pages_unreadable},
    {"pages_stored_by_others", &IngestSummary::pages_stored_by_others},
    {"pages_identified", &IngestSummary::pages_identified},
    {"pages_unidentified", &IngestSummary::pages_unidentified},
    {"conflicts", &IngestSummary::conflicts},
    {"review_items", &IngestSummary::review_items},
    {"required_left_blank", &IngestSummary::required_left_blank},
    {"pages_with_streaks", &IngestSummary::pages_with_streaks},
};
struct StatusField {
  const char* name;
  int store::SurveyStatus::*member;
};
constexpr StatusField kStatus[] = {
    {"sheets", &store::SurveyStatus::sheets},
    {"sheets_complete", &store::SurveyStatus::sheets_complete},
    {"sheets_needs_review", &store::SurveyStatus::sheets_needs_review},
    {"sheets_incomplete", &store::SurveyStatus::sheets_incomplete},
    {"review_open", &store::SurveyStatus::review_open},
};

}  // namespace

std::string SummaryToJson(const IngestSummary& s, const store::SurveyStatus* status) {
  Json j = Json::object();
  for (const auto& f : kInts) j[f.name] = s.*f.member;
  j["unidentified_reasons"] = s.unidentified_reasons;
  j["streak_positions"] = s.streak_positions;
  j["errors"] = s.errors;
  j["seconds"] = s.seconds;
  j["stopped"] = s.stopped;
  if (status) {
    Json survey = Json::object();
    for (const auto& f : kStatus) survey[f.name] = status->*f.member;
    j["survey"] = std::move(survey);
  }
  return j.dump();
}

core::Result<ParsedSummary> SummaryFromJson(const std::string& text) {
  Json j = Json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object()) return core::MakeError("invalid", "batch summary: not a JSON object");
  try {
    ParsedSummary out;
    IngestSummary& s = out.summary;
    for (const auto& f : kInts) s.*f.member = j.value(f.name, 0);
    s.unidentified_reasons = j.value("unidentified_reasons", std::map<std::string, int>{});
    s.streak_positions = j.value("streak_positions", std::map<std::string, int>{});
    s.errors = j.value("errors", std::vector<std::string>{});
    s.seconds = j.value("seconds", 0.0);
    s.stopped = j.value("stopped", false);
    if (auto it = j.find("survey"); it != j.end() && it->is_object()) {
      store::SurveyStatus st;
      for (const auto& f : kStatus) st.*f.member = it->value(f.name, 0);
      out.status = st;
    }
    return out;
  } catch (const Json::exception& e) {
    return core::MakeError("invalid", std::string("batch summary: ") + e.what());
  }
}

}  // namespace phieu::pipeline
