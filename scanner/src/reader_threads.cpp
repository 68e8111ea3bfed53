// Copyright 2026 The Phiếu Authors
// SPDX-License-Identifier: Apache-2.0
#include "reader_threads.h"

#include <dirent.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <thread>

namespace phieu::scanner {
namespace {

std::vector<pid_t> TaskIds() {
  std::vector<pid_t> ids;
  DIR* dir = opendir("/proc/self/task");
  if (!dir) return ids;
  while (const dirent* e = readdir(dir)) {
    char* end = nullptr;
    const long id = std::strtol(e->d_name, &end, 10);
    if (end != e->d_name && *end == '\0') ids.push_back(static_cast<pid_t>(id));
  }
  closedir(dir);
  std::sort(ids.begin(), ids.end());
  return ids;
}

/// The state letter of /proc/self/task/<tid>/stat ('R', 'S', 'D', ...), or 0 once it is gone.
/// The name field before it may hold spaces and parentheses: the state follows the last ')'.
char TaskState(pid_t tid) {
  char path[64];
  std::snprintf(path, sizeof path, "/proc/self/task/%d/stat", static_cast<int>(tid));
  FILE* f = std::fopen(path, "re");
  if (!f) return 0;
  char buf[512];
  const size_t n = std::fread(buf, 1, sizeof buf - 1, f);
  std::fclose(f);
  buf[n] = '\0';
  const char* close = std::strrchr(buf, ')');
  if (!close || close[1] != ' ' || close[2] == '\0') return 0;
  return close[2];
}

}  // namespace

void ReaderThreads::Mark() {
  before_ = TaskIds();
  marked_ = true;
}

std::vector<pid_t> ReaderThreads::Started() const {
  std::vector<pid_t> out;
  if (!marked_) return out;
  for (pid_t id : TaskIds())
    if (!std::binary_search(before_.begin(), before_.end(), id)) out.push_back(id);
  return out;
}

bool ReaderThreads::Settle(std::chrono::milliseconds cap, std::chrono::milliseconds asleep_for) const {
  using Clock = std::chrono::steady_clock;
  const auto start = Clock::now();
  std::map<pid_t, Clock::time_point> asleep_since;
  for (;;) {
    const auto now = Clock::now();
    bool settled = true;
    for (pid_t id : Started()) {
      const char state = TaskState(id);
      if (state == 0 || state == 'Z' || state == 'X') continue;  // exited
      // 'S': waiting in the kernel (a pipe, the device, a timer). A thread can also wait a
      // moment on a contended lock, so only a steady sleep counts.
      if (state == 'S') {
        auto [it, fresh] = asleep_since.try_emplace(id, now);
        if (!fresh && now - it->second >= asleep_for) continue;
      } else {
        asleep_since.erase(id);
      }
      settled = false;
    }
    if (settled) return true;
    if (now - start >= cap) return false;
    std::this_thread::sleep_for(std::chrono::microseconds(500));
  }
}

}  // namespace phieu::scanner
