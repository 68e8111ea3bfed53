// Copyright 2026 The Phiếu Authors
// SPDX-License-Identifier: Apache-2.0
#include "sessions.h"

#include <sodium.h>

#include <stdexcept>

namespace phieu::review {
namespace {

std::string Hex(const unsigned char* data, std::size_t n) {
  static const char* kDigits = "0123456789abcdef";
  std::string out(n * 2, '0');
  for (std::size_t i = 0; i < n; ++i) {
    out[2 * i] = kDigits[data[i] >> 4];
    out[2 * i + 1] = kDigits[data[i] & 15];
  }
  return out;
}

void EnsureSodium() {
  static const int rc = sodium_init();  // thread-safe static init; 1 = already initialised.
  if (rc < 0) throw std::runtime_error("libsodium could not be initialised");
}

}  // namespace

std::string RandomToken() {
  EnsureSodium();
  unsigned char bytes[32];
  randombytes_buf(bytes, sizeof bytes);
  return Hex(bytes, sizeof bytes);
}

std::string Sha256Hex(const std::string& text) {
  EnsureSodium();
  unsigned char digest[crypto_hash_sha256_BYTES];
  crypto_hash_sha256(digest, reinterpret_cast<const unsigned char*>(text.data()), text.size());
  return Hex(digest, sizeof digest);
}

bool ConstantTimeEquals(const std::string& a, const std::string& b) {
  if (a.size() != b.size() || a.empty()) return false;
  return sodium_memcmp(a.data(), b.data(), a.size()) == 0;
}

std::string SessionTable::Create(SessionInfo& info) {
  std::string token = RandomToken();
  info.csrf = RandomToken();
  std::lock_guard lock(mu_);
  by_hash_[Sha256Hex(token)] = Entry{info, Clock::now()};
  return token;
}

std::optional<SessionInfo> SessionTable::Touch(const std::string& token) {
  if (token.size() != 64) return std::nullopt;
  const std::string key = Sha256Hex(token);
  const auto now = Clock::now();
  std::lock_guard lock(mu_);
  // Expired sessions are dropped as they are met, and all of them now and then.
  if (by_hash_.size() > 64) {
    for (auto it = by_hash_.begin(); it != by_hash_.end();)
      it = now - it->second.last_seen > idle_ ? by_hash_.erase(it) : std::next(it);
  }
  auto it = by_hash_.find(key);
  if (it == by_hash_.end()) return std::nullopt;
  if (now - it->second.last_seen > idle_) {
    by_hash_.erase(it);
    return std::nullopt;
  }
  it->second.last_seen = now;
  return it->second.info;
}

void SessionTable::Remove(const std::string& token) {
  const std::string key = Sha256Hex(token);
  std::lock_guard lock(mu_);
  by_hash_.erase(key);
}

void SessionTable::RemoveUser(const std::string& user) {
  std::lock_guard lock(mu_);
  for (auto it = by_hash_.begin(); it != by_hash_.end();)
    it = it->second.info.user == user ? by_hash_.erase(it) : std::next(it);
}

void LoginLimiter::Prune(std::deque<Clock::time_point>& q, Clock::time_point now) {
  while (!q.empty() && now - q.front() > window_) q.pop_front();
}

bool LoginLimiter::Blocked(const std::string& user, const std::string& address) {
  const auto now = Clock::now();
  std::lock_guard lock(mu_);
  auto& u = users_[user];
  auto& a = addresses_[address];
  Prune(u, now);
  Prune(a, now);
  return static_cast<int>(u.size()) >= max_per_user_ ||
         static_cast<int>(a.size()) >= max_per_address_;
}

void LoginLimiter::RecordFailure(const std::string& user, const std::string& address) {
  const auto now = Clock::now();
  std::lock_guard lock(mu_);
  users_[user].push_back(now);
  addresses_[address].push_back(now);
  // Bound memory under a flood of made-up names: forget names whose window is empty.
  if (users_.size() > 10000) {
    for (auto it = users_.begin(); it != users_.end();) {
      Prune(it->second, now);
      it = it->second.empty() ? users_.erase(it) : std::next(it);
    }
  }
}

void LoginLimiter::RecordSuccess(const std::string& user) {
  std::lock_guard lock(mu_);
  users_.erase(user);
}

}  // namespace phieu::review
