// Copyright 2026 The Phiếu Authors
// SPDX-License-Identifier: Apache-2.0
#include "schema.h"

#include <stdexcept>
#include <vector>

namespace phieu::store {
namespace {

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
  };
  return kSteps;
}

int UserVersion(Db& db) { return static_cast<int>(db.QueryInt("PRAGMA user_version").value_or(0)); }

}  // namespace

int LatestSchemaVersion() { return static_cast<int>(Migrations().size()); }

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
