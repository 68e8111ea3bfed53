// Copyright 2026 The Phiếu Authors
// SPDX-License-Identifier: Apache-2.0
// Login sessions (in memory) and the failed-login limiter of the review server. Thread-safe.
#pragma once

#include <chrono>
#include <deque>
#include <map>
#include <mutex>
#include <optional>
#include <string>

#include "store/store.h"

namespace phieu::review {

using Clock = std::chrono::steady_clock;

/// What a valid session says about its caller.
struct SessionInfo {
  std::string user;
  store::Role role = store::Role::kReviewer;
  std::string csrf;  ///< the token every state-changing call must echo in X-CSRF-Token.
};

/// Sessions keyed by the SHA-256 of their token: the token itself (the cookie) is never kept,
/// so a memory dump of the server does not hand out logins.
class SessionTable {
 public:
  explicit SessionTable(std::chrono::seconds idle) : idle_(idle) {}
  /// A new session; returns its token (64 hex characters, 32 random bytes) and fills `info.csrf`.
  std::string Create(SessionInfo& info);
  /// The session of `token`, its idle clock restarted; nullopt when unknown or idle too long.
  std::optional<SessionInfo> Touch(const std::string& token);
  void Remove(const std::string& token);
  /// Ends every session of `user` (a disabled login).
  void RemoveUser(const std::string& user);

 private:
  struct Entry {
    SessionInfo info;
    Clock::time_point last_seen;
  };
  std::chrono::seconds idle_;
  std::mutex mu_;
  std::map<std::string, Entry> by_hash_;
};

/// Counts failed logins per user name and per client address over a sliding window.
class LoginLimiter {
 public:
  LoginLimiter(std::chrono::seconds window, int max_per_user, int max_per_address)
      : window_(window), max_per_user_(max_per_user), max_per_address_(max_per_address) {}
  /// True when `user` or `address` already failed too often in the window (answer 429 without
  /// checking the password).
  bool Blocked(const std::string& user, const std::string& address);
  void RecordFailure(const std::string& user, const std::string& address);
  /// A successful login clears the user's failures (not the address's).
  void RecordSuccess(const std::string& user);

 private:
  void Prune(std::deque<Clock::time_point>& q, Clock::time_point now);
  std::chrono::seconds window_;
  int max_per_user_;
  int max_per_address_;
  std::mutex mu_;
  std::map<std::string, std::deque<Clock::time_point>> users_;
  std::map<std::string, std::deque<Clock::time_point>> addresses_;
};

/// 32 random bytes as 64 lowercase hex characters (libsodium's CSPRNG).
std::string RandomToken();
/// SHA-256 of the text, lowercase hex.
std::string Sha256Hex(const std::string& text);
/// Compares in time independent of where the strings differ (CSRF tokens).
bool ConstantTimeEquals(const std::string& a, const std::string& b);

}  // namespace phieu::review
