// Copyright 2026 The Phiếu Authors
// SPDX-License-Identifier: Apache-2.0
// ReaderThreads: the wait that keeps a SANE backend from cancelling its reader mid-work.
#include "reader_threads.h"

#include <unistd.h>

#include <atomic>
#include <chrono>
#include <thread>

#include <gtest/gtest.h>

namespace phieu::scanner {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

TEST(ReaderThreadsTest, WaitsForAWorkingThreadToExit) {
  ReaderThreads readers;
  readers.Mark();
  std::atomic<bool> finished{false};
  std::thread worker([&] {
    const auto until = Clock::now() + 150ms;
    while (Clock::now() < until) {
    }  // busy, as a reader freeing its buffer is
    finished = true;
  });
  EXPECT_EQ(readers.Started().size(), 1u);
  EXPECT_TRUE(readers.Settle());
  EXPECT_TRUE(finished);
  EXPECT_TRUE(readers.Started().empty());
  worker.join();
}

TEST(ReaderThreadsTest, AThreadBlockedOnAPipeIsSettled) {
  int fds[2];
  ASSERT_EQ(pipe(fds), 0);
  ReaderThreads readers;
  readers.Mark();
  std::thread worker([&] {
    char c;
    (void)!read(fds[0], &c, 1);  // blocked until the test writes
  });
  const auto start = Clock::now();
  EXPECT_TRUE(readers.Settle(2000ms, 20ms));
  EXPECT_LT(Clock::now() - start, 1500ms);  // Settle gives up at 2 s; slack for a loaded machine
  ASSERT_EQ(write(fds[1], "x", 1), 1);
  worker.join();
  close(fds[0]);
  close(fds[1]);
}

TEST(ReaderThreadsTest, GivesUpOnAThreadThatKeepsWorking) {
  ReaderThreads readers;
  readers.Mark();
  std::atomic<bool> stop{false};
  std::thread worker([&] {
    while (!stop) {
    }
  });
  const auto start = Clock::now();
  EXPECT_FALSE(readers.Settle(100ms));
  EXPECT_GE(Clock::now() - start, 100ms);
  stop = true;
  worker.join();
}

TEST(ReaderThreadsTest, ThreadsFromBeforeTheMarkAreNotWaitedFor) {
  std::atomic<bool> stop{false};
  std::thread older([&] {
    while (!stop) {
    }
  });
  ReaderThreads readers;
  EXPECT_TRUE(readers.Settle(50ms));  // not marked: nothing to wait for
  readers.Mark();
  EXPECT_TRUE(readers.Started().empty());
  EXPECT_TRUE(readers.Settle(50ms));
  stop = true;
  older.join();
}

}  // namespace
}  // namespace phieu::scanner
