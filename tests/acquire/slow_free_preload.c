// Copyright 2026 The Phiếu Authors
// SPDX-License-Identifier: Apache-2.0
// LD_PRELOAD for the reader-cancel test: free() of a large block takes a lock, and in any
// thread but the main one works for SLOW_FREE_MS (default 100) while holding it. A reader
// thread that a backend cancels while it is finishing (freeing its buffer) dies holding the
// lock - as it would hold one of glibc's malloc locks - and the main thread's next large free
// hangs for good. Busy work, not a sleep: a thread really finishing is running, not asleep.
#define _GNU_SOURCE
#include <malloc.h>
#include <pthread.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

extern void __libc_free(void*);

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static long slow_ns = 100L * 1000 * 1000;

__attribute__((constructor)) static void ReadSetting(void) {
  const char* ms = getenv("SLOW_FREE_MS");
  if (ms) slow_ns = atol(ms) * 1000L * 1000L;
}

static long Now(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec * 1000000000L + t.tv_nsec;
}

void free(void* p) {
  if (p && malloc_usable_size(p) >= 4096) {
    pthread_mutex_lock(&lock);
    if (gettid() != getpid()) {
      const long until = Now() + slow_ns;
      while (Now() < until) {
      }
    }
    __libc_free(p);
    pthread_mutex_unlock(&lock);
    return;
  }
  __libc_free(p);
}
