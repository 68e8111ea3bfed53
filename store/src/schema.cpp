// Copyright 2026 The Phiếu Authors
// SPDX-License-Identifier: Apache-2.0
#include "schema.h"

#include <map>
#include <stdexcept>
#include <vector>

#include "reason_codes.h"

namespace phieu::store {
namespace {

// Migration 3: the codes of every reason stored as English text (readings, review items), by
// the patterns of docs/review-reasons.md. Texts repeat a lot, so each is read once.
void ConvertReasonsToCodes(Db& db) {
  std::map<std::pair<std::string, bool>, std::string> cache;
  auto codes = [&](const std::string& text, bool flagged) -> const std::string& {
    auto [it, fresh] = cache.try_emplace({text, flagged});
    if (fresh) it->second = ReasonCodesToJson(StoredReasonCodes({}, text, flagged));
    return it->second;
  };
  for (const char* table : {"readings", "review_items"}) {
    const bool items = std::string(table) == "review_items";
    std::vector<std::pair<std::int64_t, std::string>> updates;
    {
      Stmt st = db.Prepare(std::string("SELECT id, reason, ") +
                           (items ? "1" : "needs_review") + " FROM " + table +
                           (items ? "" : " WHERE reason <> '' OR needs_review <> 0"));
      while (st.Step()) updates.emplace_back(st.Int(0), codes(st.Text(1), st.Int(2) != 0));
    }
    for (const auto& [id, json] : updates)
      db.Prepare(std::string("UPDATE ") + table + " SET reason_codes=? WHERE id=?")
          .Bind(1, json).Bind(2, id).Run();
  }
}

// Ordered migrations: entry i takes the schema from version i to version i + 1. Never edit a
// step that has shipped; append a new one (survey files outlive program versions).
const std::vector<const char*>& Migrations() {
  static const std::vector<const char*> kSteps = {
      // 1: the initial schema.
      R"sql(
CREATE TABLE meta (
  key   TEXT PRIMARY KEY,
  value TEXT NOT NULL
) WITHOUT ROWID;

CREATE TABLE templates (
  template_id   TEXT NOT NULL,
  version       INTEGER NOT NULL,
  source_json   TEXT NOT NULL,
  page_count    INTEGER NOT NULL,
  registered_at TEXT NOT NULL,
  PRIMARY KEY (template_id, version)
);

CREATE TABLE template_fields (
  template_id TEXT NOT NULL,
  version     INTEGER NOT NULL,
  ord         INTEGER NOT NULL,
  field_id    TEXT NOT NULL,
  kind        TEXT NOT NULL CHECK (kind IN ('single','multi','scale','digits','text')),
  page        INTEGER NOT NULL,
  question_id TEXT NOT NULL,
  label       TEXT NOT NULL,
  options     TEXT NOT NULL CHECK (json_valid(options)),
  max_answers INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (template_id, version, field_id),
  FOREIGN KEY (template_id, version) REFERENCES templates (template_id, version)
);

CREATE TABLE units (
  code   TEXT PRIMARY KEY,
  name   TEXT NOT NULL,
  kind   TEXT NOT NULL DEFAULT '',
  parent TEXT,
  quota  INTEGER NOT NULL DEFAULT 0 CHECK (quota >= 0)
);

CREATE TABLE sheets (
  serial       INTEGER PRIMARY KEY,
  template_id  TEXT NOT NULL,
  version      INTEGER NOT NULL,
  unit_code    TEXT REFERENCES units (code),
  allocated    INTEGER NOT NULL,
  allocated_at TEXT NOT NULL,
  FOREIGN KEY (template_id, version) REFERENCES templates (template_id, version)
);

CREATE TABLE scan_files (
  id          INTEGER PRIMARY KEY,
  sha256      TEXT NOT NULL UNIQUE,
  path        TEXT NOT NULL,
  size        INTEGER NOT NULL,
  bytes       BLOB,
  page_count  INTEGER NOT NULL DEFAULT 0,
  complete    INTEGER NOT NULL DEFAULT 0,
  error       TEXT,
  ingested_at TEXT NOT NULL
);

CREATE TABLE pages (
  id            INTEGER PRIMARY KEY,
  file_id       INTEGER NOT NULL REFERENCES scan_files (id),
  page_index    INTEGER NOT NULL,
  status        TEXT NOT NULL,
  reason        TEXT NOT NULL DEFAULT '',
  template_id   TEXT,
  version       INTEGER,
  page_no       INTEGER,
  serial        INTEGER,
  homography    TEXT CHECK (homography IS NULL OR json_valid(homography)),
  residual_px   REAL,
  anchors_found INTEGER NOT NULL DEFAULT 0,
  px_per_mm     REAL,
  rotation_deg  INTEGER NOT NULL DEFAULT 0,
  thumbnail     BLOB,
  conflict_with INTEGER REFERENCES pages (id),
  stored_at     TEXT NOT NULL,
  UNIQUE (file_id, page_index)
);
CREATE INDEX pages_by_sheet ON pages (serial, page_no) WHERE status = 'ok';

CREATE TABLE readings (
  id           INTEGER PRIMARY KEY,
  page_id      INTEGER NOT NULL REFERENCES pages (id),
  field_id     TEXT NOT NULL,
  kind         TEXT NOT NULL,
  value        TEXT NOT NULL CHECK (json_valid(value)),
  confidence   REAL NOT NULL,
  needs_review INTEGER NOT NULL,
  reason       TEXT NOT NULL DEFAULT '',
  boxes        TEXT NOT NULL CHECK (json_valid(boxes)),
  crop_mm      TEXT NOT NULL CHECK (json_valid(crop_mm)),
  crop         BLOB,
  UNIQUE (page_id, field_id)
);

CREATE TABLE review_items (
  id          INTEGER PRIMARY KEY,
  reading_id  INTEGER NOT NULL UNIQUE REFERENCES readings (id),
  serial      INTEGER NOT NULL,
  field_id    TEXT NOT NULL,
  reason      TEXT NOT NULL,
  status      TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open','resolved')),
  created_at  TEXT NOT NULL,
  resolved_at TEXT,
  resolved_by TEXT
);
CREATE INDEX review_open ON review_items (serial, field_id) WHERE status = 'open';

CREATE TABLE decisions (
  id       INTEGER PRIMARY KEY,
  serial   INTEGER NOT NULL REFERENCES sheets (serial),
  field_id TEXT NOT NULL,
  value    TEXT NOT NULL CHECK (json_valid(value)),
  who      TEXT NOT NULL,
  at       TEXT NOT NULL,
  UNIQUE (serial, field_id)
);

CREATE TABLE audit (
  id        INTEGER PRIMARY KEY,
  who       TEXT NOT NULL,
  at        TEXT NOT NULL,
  entity    TEXT NOT NULL,
  entity_id TEXT NOT NULL,
  old       TEXT CHECK (old IS NULL OR json_valid(old)),
  new       TEXT CHECK (new IS NULL OR json_valid(new))
);
)sql",
      // 2: originals in their own table. Any UPDATE of a scan_files row (complete, error)
      // rewrote the whole row, blob included: finishing a 131 MB scanner PDF read and wrote
      // 131 MB and peaked at twice that in memory.
      R"sql(
CREATE TABLE scan_originals (
  file_id INTEGER PRIMARY KEY REFERENCES scan_files (id),
  bytes   BLOB NOT NULL
);
INSERT INTO scan_originals (file_id, bytes) SELECT id, bytes FROM scan_files WHERE bytes IS NOT NULL;
ALTER TABLE scan_files DROP COLUMN bytes;
)sql",
      // 3: the review web app (phieu serve). Logins; a lease (who, until when) and a version
      // per review item; reasons as codes beside their English text (docs/review-reasons.md;
      // the codes of existing rows are read from their text in C++ right after this step);
      // illegible kept apart from blank; every human value in decision_history, so an undo
      // puts back the value it replaced; the audit says from which screen and address; the
      // layout a template was printed with, frozen at registration.
      R"sql(
CREATE TABLE users (
  id            INTEGER PRIMARY KEY,
  name          TEXT NOT NULL UNIQUE,
  role          TEXT NOT NULL CHECK (role IN ('admin','reviewer','clerk')),
  password_hash TEXT NOT NULL,
  disabled      INTEGER NOT NULL DEFAULT 0,
  created_at    TEXT NOT NULL
);

ALTER TABLE review_items ADD COLUMN version INTEGER NOT NULL DEFAULT 1;
ALTER TABLE review_items ADD COLUMN lease_owner TEXT;
ALTER TABLE review_items ADD COLUMN lease_until TEXT;
ALTER TABLE review_items ADD COLUMN reason_codes TEXT NOT NULL DEFAULT '[]' CHECK (json_valid(reason_codes));
CREATE INDEX review_queue ON review_items (id) WHERE status = 'open';
CREATE INDEX review_leases ON review_items (lease_owner, id) WHERE status = 'open';
CREATE INDEX review_by_resolver ON review_items (resolved_by, resolved_at) WHERE status = 'resolved';

ALTER TABLE readings ADD COLUMN reason_codes TEXT NOT NULL DEFAULT '[]' CHECK (json_valid(reason_codes));

CREATE TABLE decision_history (
  id          INTEGER PRIMARY KEY,
  serial      INTEGER NOT NULL,
  field_id    TEXT NOT NULL,
  value       TEXT NOT NULL CHECK (json_valid(value)),
  illegible   INTEGER NOT NULL DEFAULT 0,
  who         TEXT NOT NULL,
  at          TEXT NOT NULL,
  item_id     INTEGER,
  previous_id INTEGER REFERENCES decision_history (id)
);
CREATE INDEX decision_history_by_field ON decision_history (serial, field_id);

ALTER TABLE decisions ADD COLUMN illegible INTEGER NOT NULL DEFAULT 0;
ALTER TABLE decisions ADD COLUMN history_id INTEGER REFERENCES decision_history (id);
INSERT INTO decision_history (serial, field_id, value, illegible, who, at)
  SELECT serial, field_id, value, 0, who, at FROM decisions ORDER BY id;
UPDATE decisions SET history_id = (SELECT h.id FROM decision_history h
  WHERE h.serial = decisions.serial AND h.field_id = decisions.field_id);

ALTER TABLE audit ADD COLUMN screen TEXT NOT NULL DEFAULT '';
ALTER TABLE audit ADD COLUMN address TEXT NOT NULL DEFAULT '';
CREATE INDEX audit_by_entity ON audit (entity_id);
CREATE INDEX audit_by_who ON audit (who);

ALTER TABLE templates ADD COLUMN layout_json TEXT CHECK (layout_json IS NULL OR json_valid(layout_json));
ALTER TABLE templates ADD COLUMN layout_engine TEXT;
)sql",
      // 4: the re-check (phúc tra, store/src/recheck.cpp). Draws (seed, share, who, when);
      // the drawn sheets with a lease and a version like review items; per field the sheet's
      // value when the blind entry came in, the blind value, and an admin's settlement.
      R"sql(
CREATE TABLE recheck_draws (
  id              INTEGER PRIMARY KEY,
  seed            TEXT NOT NULL,
  share           REAL NOT NULL CHECK (share > 0 AND share <= 1),
  per_unit        INTEGER NOT NULL,
  written         INTEGER NOT NULL,
  who             TEXT NOT NULL,
  at              TEXT NOT NULL,
  complete_sheets INTEGER NOT NULL,
  already_drawn   INTEGER NOT NULL,
  drawn           INTEGER NOT NULL
);

CREATE TABLE recheck_sheets (
  serial      INTEGER PRIMARY KEY REFERENCES sheets (serial),
  draw_id     INTEGER NOT NULL REFERENCES recheck_draws (id),
  unit_code   TEXT NOT NULL DEFAULT '',
  status      TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open','entered')),
  version     INTEGER NOT NULL DEFAULT 1,
  lease_owner TEXT,
  lease_until TEXT,
  entered_by  TEXT,
  entered_at  TEXT
);

CREATE TABLE recheck_fields (
  serial         INTEGER NOT NULL REFERENCES recheck_sheets (serial),
  field_id       TEXT NOT NULL,
  kind           TEXT NOT NULL,
  first_value    TEXT NOT NULL CHECK (json_valid(first_value)),
  first_accepted INTEGER NOT NULL,
  first_who      TEXT NOT NULL DEFAULT '',
  blind_value    TEXT NOT NULL CHECK (json_valid(blind_value)),
  blind_who      TEXT NOT NULL,
  equal          INTEGER NOT NULL,
  settled_value  TEXT CHECK (settled_value IS NULL OR json_valid(settled_value)),
  settled_by     TEXT,
  settled_at     TEXT,
  PRIMARY KEY (serial, field_id)
);
)sql",
      // 5: answers from other channels. A sheet says how it was collected
      // (paper, phone, online); phone/online sheets have no pages and keep their answers in
      // imported_answers, one row per field (ValueJson, like readings); each answers file is
      // recorded by hash so importing it again is a no-op.
      R"sql(
CREATE TABLE answer_imports (
  id          INTEGER PRIMARY KEY,
  sha256      TEXT NOT NULL UNIQUE,
  source      TEXT NOT NULL,
  channel     TEXT NOT NULL CHECK (channel IN ('phone','online')),
  sheets      INTEGER NOT NULL,
  who         TEXT NOT NULL,
  imported_at TEXT NOT NULL
);
ALTER TABLE sheets ADD COLUMN channel TEXT NOT NULL DEFAULT 'paper'
  CHECK (channel IN ('paper','phone','online'));
ALTER TABLE sheets ADD COLUMN import_id INTEGER REFERENCES answer_imports (id);
CREATE INDEX sheets_by_channel ON sheets (serial) WHERE channel <> 'paper';
CREATE TABLE imported_answers (
  serial    INTEGER NOT NULL REFERENCES sheets (serial),
  field_id  TEXT NOT NULL,
  value     TEXT NOT NULL CHECK (json_valid(value)),
  illegible INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (serial, field_id)
) WITHOUT ROWID;
)sql",
      // 6: conflicts settled by a clerk (store/src/conflicts.cpp, docs/conflicts.md). Pages get
      // the statuses "duplicate" and "replaced" (no constraint on pages.status to change); a
      // sheet made for the second of two sheets that carried one number says which serial it
      // was split from and why.
      R"sql(
ALTER TABLE sheets ADD COLUMN split_from INTEGER REFERENCES sheets (serial);
ALTER TABLE sheets ADD COLUMN note TEXT NOT NULL DEFAULT '';
CREATE INDEX pages_conflicts ON pages (id) WHERE status = 'conflict';
)sql",
      // 7: ingest batches. One row per ingest run, from the command line or
      // sent by a scan station to `phieu serve`: who, where from, when, its progress while it
      // runs (heartbeat_at moves with it: a row still 'running' whose heartbeat stopped is shown
      // as interrupted), and its summary as a value (JSON) and as the text `phieu ingest` prints.
      R"sql(
CREATE TABLE ingest_batches (
  id           INTEGER PRIMARY KEY,
  source       TEXT NOT NULL CHECK (source IN ('cli','station')),
  who          TEXT NOT NULL,
  station      TEXT NOT NULL DEFAULT '',
  address      TEXT NOT NULL DEFAULT '',
  state        TEXT NOT NULL CHECK (state IN ('queued','running','finished','interrupted','failed')),
  files        INTEGER NOT NULL DEFAULT 0,
  pages_done   INTEGER NOT NULL DEFAULT 0,
  pages_total  INTEGER NOT NULL DEFAULT 0,
  started_at   TEXT NOT NULL,
  heartbeat_at TEXT NOT NULL,
  finished_at  TEXT,
  summary      TEXT CHECK (summary IS NULL OR json_valid(summary)),
  summary_text TEXT NOT NULL DEFAULT '',
  exit_code    INTEGER,
  error        TEXT NOT NULL DEFAULT ''
);
)sql",
      // 8: a clerk sets an unidentified page aside with a reason (the desk); the page
      // keeps its status and may be assigned later.
      R"sql(
ALTER TABLE pages ADD COLUMN set_aside_reason TEXT;
ALTER TABLE pages ADD COLUMN set_aside_by TEXT;
ALTER TABLE pages ADD COLUMN set_aside_at TEXT;
)sql",
  };
  return kSteps;
}

// Work a step needs beyond its SQL, run in the same transaction right after it; `to` is the
// version the step brings the file to.
void AfterStep(Db& db, int to) {
  if (to == 3) ConvertReasonsToCodes(db);
}

int UserVersion(Db& db) { return static_cast<int>(db.QueryInt("PRAGMA user_version").value_or(0)); }

}  // namespace

int LatestSchemaVersion() { return static_cast<int>(Migrations().size()); }

const char* MigrationStepSql(int to_version) {
  return Migrations().at(static_cast<size_t>(to_version - 1));
}

void Migrate(Db& db) {
  // The first read of the file is where SQLite notices a file that is not a database.
  const int app_id = static_cast<int>(db.QueryInt("PRAGMA application_id").value_or(0));
  int version = UserVersion(db);
  if (version == 0 && app_id == 0) {
    // Fresh file, or some other SQLite database: only an empty one may become a survey.
    if (db.QueryInt("SELECT count(*) FROM sqlite_master").value_or(0) > 0)
      throw std::runtime_error("is an SQLite database but not a Phiếu survey");
  } else if (app_id != kApplicationId) {
    throw std::runtime_error("is an SQLite database but not a Phiếu survey");
  }
  if (version > LatestSchemaVersion())
    throw std::runtime_error("was written by a newer Phiếu (schema version " +
                             std::to_string(version) + ", this program knows up to " +
                             std::to_string(LatestSchemaVersion()) + "); upgrade Phiếu");

  // WAL lets `phieu serve` read while `phieu ingest` writes; NORMAL sync is durable across
  // application crashes in WAL mode, which is what the per-page transactions rely on.
  db.Exec("PRAGMA journal_mode=WAL");
  db.Exec("PRAGMA synchronous=NORMAL");
  db.Exec("PRAGMA foreign_keys=ON");

  while (version < LatestSchemaVersion()) {
    Transaction tx(db);
    // Re-read inside the write lock: another process may have migrated meanwhile.
    version = UserVersion(db);
    if (version >= LatestSchemaVersion()) break;
    db.Exec(Migrations()[static_cast<size_t>(version)]);
    AfterStep(db, version + 1);
    if (version == 0) {
      db.Exec("PRAGMA application_id=" + std::to_string(kApplicationId));
      db.Exec("INSERT INTO meta (key, value) VALUES ('created_at', "
              "strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))");
    }
    ++version;
    db.Exec("PRAGMA user_version=" + std::to_string(version));
    tx.Commit();
  }
}

}  // namespace phieu::store
