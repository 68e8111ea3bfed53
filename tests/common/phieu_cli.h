// Copyright 2026 The Phiếu Authors
// SPDX-License-Identifier: Apache-2.0
// Runs the real `phieu` binary from end-to-end tests (needs PHIEU_BINARY_DIR).
#pragma once

#include <sys/wait.h>

#include <cstdio>
#include <string>

namespace phieu::testing {

inline const std::string kPhieu = std::string(PHIEU_BINARY_DIR) + "/app/phieu";

struct CmdResult {
  int code = -1;
  std::string out;  ///< stdout + stderr
};

/// Runs `command_line` through the shell and returns its exit code and combined output.
inline CmdResult RunCommand(const std::string& command_line) {
  std::string cmd = command_line + " 2>&1";
  CmdResult r;
  FILE* p = popen(cmd.c_str(), "r");
  if (!p) return r;
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, p)) > 0) r.out.append(buf, n);
  int status = pclose(p);
  r.code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return r;
}

/// Runs `phieu ARGS` through the shell and returns its exit code and combined output.
inline CmdResult Phieu(const std::string& args) { return RunCommand(kPhieu + " " + args); }

}  // namespace phieu::testing
