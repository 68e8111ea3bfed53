// Copyright 2026 The Phiếu Authors
// SPDX-License-Identifier: Apache-2.0
// `phieu ingest --server URL --user NAME PATH…`: a scan station. It sends scan files to a
// running `phieu serve`, which reads them into its survey (docs/api.md, "Scan stations").
#pragma once

#include <atomic>
#include <cstddef>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include "core/result.h"

namespace phieu::app {

/// How a station talks to its server. Every field has the default `phieu ingest --server` uses.
struct StationOptions {
  std::string server;            ///< "http://HOST:PORT" of `phieu serve`. No default.
  std::string user;              ///< a clerk or admin login of that server. No default.
  std::string station;           ///< the name the desk shows; default: this machine's host name.
  std::size_t chunk_bytes = 1u << 20;  ///< upload chunk (1 MiB); a cut upload resumes at a chunk.
  bool quiet = false;            ///< no progress bar.
  std::string watch;             ///< after the files, send every file that appears here.
  double settle_s = 2.0;         ///< with watch: seconds a file must stay unchanged.
  const std::atomic<bool>* stop = nullptr;  ///< Ctrl-C: the server stops the batch after the pages in hand.
};

/// Logs in (the password from a hidden prompt, or the first line of standard input when it is
/// not a terminal), then calls `scan` (may be empty) for pages from a scanner, then sends
/// `files` and the scanned pages: each file by its SHA-256, only when the server lacks it,
/// in chunks from where a cut upload stopped. The server reads them as one batch (a batch per
/// 400 files); its progress is shown here and its summary printed as `phieu ingest` prints it.
/// Returns the exit code of a local ingest (README "Exit codes"): 0, 1 (a file or page
/// unreadable), 2 (wrong user name or password, a login that is not a clerk or admin), 3 (the
/// server cannot be reached or failed), 130 (interrupted).
int RunStation(const StationOptions& options, const std::vector<std::filesystem::path>& files,
               const std::function<core::Result<std::vector<std::filesystem::path>>()>& scan);

}  // namespace phieu::app
