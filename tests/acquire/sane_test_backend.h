// Copyright 2026 The Phiếu Authors
// SPDX-License-Identifier: Apache-2.0
// Points SANE at a private configuration that enables only its built-in `test` backend
// (disabled in the system's /etc/sane.d/dll.conf), so tests scan without hardware.
#pragma once

#include <filesystem>
#include <string>

namespace phieu::testing {

/// Writes <dir>/dll.conf ("test") and <dir>/test.conf (one device, a grid test picture, plus
/// `extra_lines`, e.g. "three-pass true\n") and sets SANE_CONFIG_DIR to <dir> in this process,
/// so child processes inherit it too. libsane reads SANE_CONFIG_DIR only once per process, but
/// the files themselves at every sane_init: keep one <dir> per process and rewrite it per test.
void UseSaneTestBackend(const std::filesystem::path& dir, const std::string& extra_lines = "");

/// The per-process folder to pass to UseSaneTestBackend.
std::filesystem::path SaneTestConfigDir();

}  // namespace phieu::testing
