// Copyright 2026 The Phiếu Authors
// SPDX-License-Identifier: Apache-2.0
#include <openssl/evp.h>

#include <fstream>
#include <memory>
#include <stdexcept>

#include "sha256.h"
#include "store/store.h"

namespace phieu::store {

struct Sha256::Impl {
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx{EVP_MD_CTX_new(), EVP_MD_CTX_free};
};

// These only fail on allocation failure or a broken OpenSSL install: a broken contract.
Sha256::Sha256() : impl_(std::make_unique<Impl>()) {
  if (!impl_->ctx || EVP_DigestInit_ex(impl_->ctx.get(), EVP_sha256(), nullptr) != 1)
    throw std::logic_error("OpenSSL SHA-256 failed");
}
Sha256::~Sha256() = default;

void Sha256::Update(const unsigned char* data, size_t size) {
  if (size > 0 && EVP_DigestUpdate(impl_->ctx.get(), data, size) != 1)
    throw std::logic_error("OpenSSL SHA-256 failed");
}

std::string Sha256::HexDigest() {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  if (EVP_DigestFinal_ex(impl_->ctx.get(), digest, &len) != 1) throw std::logic_error("OpenSSL SHA-256 failed");
  static constexpr char kHex[] = "0123456789abcdef";
  std::string hex;
  hex.reserve(len * 2);
  for (unsigned int i = 0; i < len; ++i) {
    hex += kHex[digest[i] >> 4];
    hex += kHex[digest[i] & 0xF];
  }
  return hex;
}

core::Status ReadFileChunks(const std::filesystem::path& path,
                            const std::function<void(const unsigned char*, size_t)>& chunk) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return core::MakeError("io", path.string() + ": cannot open");
  std::vector<unsigned char> buf(kChunkBytes);
  while (in) {
    in.read(reinterpret_cast<char*>(buf.data()), static_cast<std::streamsize>(buf.size()));
    const std::streamsize got = in.gcount();
    if (got > 0) chunk(buf.data(), static_cast<size_t>(got));
  }
  if (in.bad()) return core::MakeError("io", path.string() + ": read failed");
  return {};
}

core::Result<std::string> Sha256HexOfFile(const std::filesystem::path& path) {
  Sha256 sha;
  auto st = ReadFileChunks(path, [&](const unsigned char* d, size_t n) { sha.Update(d, n); });
  if (!st.ok()) return st.error();
  return sha.HexDigest();
}

std::string Sha256Hex(const std::vector<unsigned char>& bytes) {
  Sha256 sha;
  sha.Update(bytes.data(), bytes.size());
  return sha.HexDigest();
}

}  // namespace phieu::store
