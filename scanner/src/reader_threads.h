// Copyright 2026 The Phiếu Authors
// SPDX-License-Identifier: Apache-2.0
// The threads a SANE backend starts inside sane_start, watched through /proc/self/task.
//
// Backends built on sanei_thread (the `test` backend among them, and some real ones) run
// their reader in a pthread with asynchronous cancellation, and stop it with pthread_cancel
// from sane_read (when the last byte of a frame is read) or sane_cancel. A cancel that lands
// while the reader is still finishing - freeing its buffer, or inside pthread_exit - kills it
// holding a malloc lock, and the next allocation or the join hangs for good (seen in CI: a
// one-page flatbed scan never returned). The frontend cannot change the backend, but it can
// choose *when* the backend cancels: only once every reader has exited, or is plainly
// blocked in the kernel (waiting on the pipe or the device), where a cancel is harmless.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <vector>

namespace phieu::scanner {

class ReaderThreads {
 public:
  /// Call right before sane_start: every thread that appears after this is the backend's.
  void Mark();

  /// Waits until each thread started since Mark() has exited, or has been asleep in the
  /// kernel for `asleep_for` straight; gives up after `cap`. Returns false if it gave up.
  /// Without Mark() (or with no new thread: a forking backend) it returns at once.
  bool Settle(std::chrono::milliseconds cap = std::chrono::milliseconds(2000),
              std::chrono::milliseconds asleep_for = std::chrono::milliseconds(20)) const;

  /// The threads started since Mark() that still exist.
  std::vector<pid_t> Started() const;

 private:
  bool marked_ = false;
  std::vector<pid_t> before_;
};

}  // namespace phieu::scanner
