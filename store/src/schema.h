// Copyright 2026 The Phiếu Authors
// SPDX-License-Identifier: Apache-2.0
#pragma once

// Schema migrations of a survey file (docs/schema.md describes the tables).

#include <string>

#include "db.h"

namespace phieu::store {

/// `PRAGMA application_id` of a survey file: "PHIU" in ASCII. It lets Open tell a Phiếu survey
/// from some other SQLite database without guessing from table names.
constexpr int kApplicationId = 0x50484955;

/// Newest schema version this build knows (PRAGMA user_version after migrating).
int LatestSchemaVersion();

/// The SQL of the shipped step that brings a file to `to_version` (1..LatestSchemaVersion()),
/// as it runs in Migrate (for tests that build an older survey file exactly as it shipped).
/// Steps with work beyond their SQL do it in C++ right after (see Migrate).
const char* MigrationStepSql(int to_version);

/// Brings `db` to the latest schema. A fresh (empty) database is initialised; a database that
/// is not a Phiếu survey, or is newer than this build, throws std::runtime_error with a
/// sentence about it (the caller prefixes the file name). Each migration step runs in its own
/// transaction together with its user_version bump, so a crash never leaves a half-migrated file.
void Migrate(Db& db);

}  // namespace phieu::store
