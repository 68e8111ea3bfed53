// Copyright 2026 The Phiếu Authors
// SPDX-License-Identifier: Apache-2.0
// Store connections for the server's worker threads. A Store is not thread-safe, so each request
// borrows one for its whole run; there are never more than there are workers. Each is its own
// SQLite connection in WAL mode, so a concurrent `phieu ingest` is seen without a restart.
#pragma once

#include <filesystem>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <vector>

#include "store/store.h"

namespace phieu::review {

class StorePool {
 public:
  StorePool(std::filesystem::path db, std::unique_ptr<store::Store> first) : db_(std::move(db)) {
    if (first) free_.push_back(std::move(first));
  }

  /// A Store lent to one request; returned to the pool when it goes out of scope.
  class Lease {
   public:
    Lease(StorePool* pool, std::unique_ptr<store::Store> s) : pool_(pool), store_(std::move(s)) {}
    Lease(Lease&&) = default;
    ~Lease() {
      if (store_) pool_->Return(std::move(store_));
    }
    store::Store& store() { return *store_; }

   private:
    StorePool* pool_;
    std::unique_ptr<store::Store> store_;
  };

  /// Throws std::runtime_error when the survey cannot be opened (the handler answers 500).
  Lease Acquire() {
    {
      std::lock_guard lock(mu_);
      if (!free_.empty()) {
        auto s = std::move(free_.back());
        free_.pop_back();
        return Lease(this, std::move(s));
      }
    }
    auto opened = store::Store::Open(db_, /*create=*/false);
    if (!opened.ok()) throw std::runtime_error(opened.error().message);
    return Lease(this, std::move(*opened));
  }

 private:
  void Return(std::unique_ptr<store::Store> s) {
    std::lock_guard lock(mu_);
    free_.push_back(std::move(s));
  }

  std::filesystem::path db_;
  std::mutex mu_;
  std::vector<std::unique_ptr<store::Store>> free_;
};

}  // namespace phieu::review
