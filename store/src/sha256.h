// Copyright 2026 The Phiếu Authors
// SPDX-License-Identifier: Apache-2.0
#pragma once

// Incremental SHA-256 and chunked file reading, private to the store: scan files are hashed
// and stored without ever holding a whole file in memory.

#include <cstddef>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>

#include "core/result.h"

namespace phieu::store {

inline constexpr size_t kChunkBytes = size_t{1} << 20;

class Sha256 {
 public:
  Sha256();
  ~Sha256();
  Sha256(const Sha256&) = delete;
  Sha256& operator=(const Sha256&) = delete;
  void Update(const unsigned char* data, size_t size);
  /// Lowercase hex; call once.
  std::string HexDigest();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

/// Calls `chunk` with successive pieces (at most kChunkBytes) of the file's content.
core::Status ReadFileChunks(const std::filesystem::path& path,
                            const std::function<void(const unsigned char*, size_t)>& chunk);

}  // namespace phieu::store
