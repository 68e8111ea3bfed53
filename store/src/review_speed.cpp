// Copyright 2026 The Phiếu Authors
// SPDX-License-Identifier: Apache-2.0
//
// Review speed for the desk: items per hour per reviewer, the queue left and the time to clear
// it at the current pace, from the audit trail's timestamps.

#include "sqlite_store.h"

namespace phieu::store {

core::Result<ReviewSpeed> SqliteStore::GetReviewSpeed(const std::string& now, int window_minutes) {
  if (window_minutes < 1) return MakeError("usage", "the window must be at least a minute");
  return Guard([&]() -> core::Result<ReviewSpeed> {
    ReviewSpeed out;
    out.window_minutes = window_minutes;
    {
      Stmt st = db_.Prepare(std::string("SELECT strftime('%Y-%m-%dT%H:%M:%fZ', coalesce(nullif(?, ''), ") +
                            kNow + "))");
      st.Bind(1, now);
      if (st.Step()) out.now = st.Text(0);
    }
    {
      // julianday() reads the ISO timestamps the store writes; its doubles carry ~0.1 ms of
      // noise, so the span is rounded to the milliseconds the timestamps hold.
      Stmt st = db_.Prepare(
          "SELECT who, count(*), min(at), max(at), round((julianday(max(at)) - julianday(min(at))) * 86400000.0) / 3600000.0 "
          "FROM audit WHERE entity='decision' AND at > strftime('%Y-%m-%dT%H:%M:%fZ', ?, ? || ' minutes') "
          "AND at <= ? GROUP BY who ORDER BY who");
      st.Bind(1, out.now).Bind(2, std::to_string(-window_minutes)).Bind(3, out.now);
      while (st.Step()) {
        ReviewerPace p;
        p.who = st.Text(0);
        p.decisions = static_cast<int>(st.Int(1));
        p.first_at = st.Text(2);
        p.last_at = st.Text(3);
        const double hours = st.Double(4);
        if (p.decisions >= 2 && hours > 0) p.items_per_hour = (p.decisions - 1) / hours;
        out.items_per_hour += p.items_per_hour;
        out.reviewers.push_back(std::move(p));
      }
    }
    out.queue_left = static_cast<int>(
        db_.QueryInt("SELECT count(*) FROM review_items WHERE status='open'").value_or(0));
    if (out.items_per_hour > 0) out.hours_left = out.queue_left / out.items_per_hour;
    return out;
  });
}

}  // namespace phieu::store
