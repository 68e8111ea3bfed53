// Copyright 2026 The Phiếu Authors
// SPDX-License-Identifier: Apache-2.0
//
// Logins (the `phieu serve` side) and their passwords (libsodium Argon2id).

#include <sodium.h>

#include <algorithm>
#include <mutex>

#include "sqlite_store.h"

namespace phieu::store {
namespace {

std::optional<std::string> BadName(const std::string& name) {
  if (name.empty() || name.size() > 64)
    return "a login name has 1 to 64 characters, got " + std::to_string(name.size());
  for (char c : name)
    if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
          c == '.' || c == '_' || c == '-'))
      return "login name " + Q(name) + ": only letters a-z, digits, '.', '_' and '-' are allowed";
  return std::nullopt;
}

// Only libsodium's Argon2id string is ever stored: a plain password handed over by mistake is
// refused, not kept.
bool IsPasswordHash(const std::string& hash) { return hash.rfind("$argon2id$", 0) == 0; }

bool InitSodium() {
  static const bool ok = sodium_init() >= 0;
  return ok;
}

}  // namespace

std::string_view RoleName(Role role) {
  switch (role) {
    case Role::kAdmin: return "admin";
    case Role::kReviewer: return "reviewer";
    case Role::kClerk: return "clerk";
  }
  return "reviewer";
}

std::optional<Role> ParseRole(std::string_view name) {
  if (name == "admin") return Role::kAdmin;
  if (name == "reviewer") return Role::kReviewer;
  if (name == "clerk") return Role::kClerk;
  return std::nullopt;
}

core::Result<std::string> HashPassword(std::string_view password) {
  if (!InitSodium()) return MakeError("internal", "libsodium could not be initialised");
  char out[crypto_pwhash_STRBYTES];
  if (crypto_pwhash_str(out, password.data(), password.size(), crypto_pwhash_OPSLIMIT_INTERACTIVE,
                        crypto_pwhash_MEMLIMIT_INTERACTIVE) != 0)
    return MakeError("internal", "out of memory while hashing a password");
  return std::string(out);
}

bool VerifyPassword(const std::string& hash, std::string_view password) {
  if (!InitSodium() || !IsPasswordHash(hash)) return false;
  return crypto_pwhash_str_verify(hash.c_str(), password.data(), password.size()) == 0;
}

core::Status SqliteStore::AddUser(const UserRecord& user, const Actor& by) {
  if (auto why = BadName(user.name)) return MakeError("invalid", *why);
  if (!IsPasswordHash(user.password_hash))
    return MakeError("invalid", "user " + Q(user.name) + ": the password must be given hashed (HashPassword)");
  return Guard([&]() -> core::Status {
    Transaction tx(db_);
    {
      Stmt st = db_.Prepare("SELECT 1 FROM users WHERE name=?");
      st.Bind(1, user.name);
      if (st.Step()) return MakeError("invalid", "user " + Q(user.name) + " already exists");
    }
    db_.Prepare(std::string("INSERT INTO users (name, role, password_hash, disabled, created_at) "
                            "VALUES (?,?,?,?,") + kNow + ")")
        .Bind(1, user.name).Bind(2, RoleName(user.role)).Bind(3, user.password_hash)
        .Bind(4, user.disabled ? 1 : 0)
        .Run();
    const json added = {{"role", RoleName(user.role)}, {"disabled", user.disabled}};
    WriteAudit(Who(by), "user", user.name, std::nullopt, added.dump(), by.screen, by.address);
    tx.Commit();
    return {};
  });
}

core::Status SqliteStore::SetUserPassword(const std::string& name, const std::string& password_hash,
                                          const Actor& by) {
  if (!IsPasswordHash(password_hash))
    return MakeError("invalid", "user " + Q(name) + ": the password must be given hashed (HashPassword)");
  return Guard([&]() -> core::Status {
    Transaction tx(db_);
    db_.Prepare("UPDATE users SET password_hash=? WHERE name=?")
        .Bind(1, password_hash).Bind(2, name).Run();
    if (db_.Changes() == 0) return MakeError("invalid", "no user " + Q(name) + " in this survey");
    // The audit says that the password changed, never what it is.
    WriteAudit(Who(by), "user", name, std::nullopt, R"({"password":"changed"})", by.screen,
               by.address);
    tx.Commit();
    return {};
  });
}

core::Status SqliteStore::SetUserDisabled(const std::string& name, bool disabled, const Actor& by) {
  return Guard([&]() -> core::Status {
    Transaction tx(db_);
    std::optional<bool> was;
    {
      Stmt st = db_.Prepare("SELECT disabled FROM users WHERE name=?");
      st.Bind(1, name);
      if (st.Step()) was = st.Int(0) != 0;
    }
    if (!was) return MakeError("invalid", "no user " + Q(name) + " in this survey");
    if (*was == disabled) return {};  // nothing changes, nothing to audit
    db_.Prepare("UPDATE users SET disabled=? WHERE name=?").Bind(1, disabled ? 1 : 0).Bind(2, name).Run();
    WriteAudit(Who(by), "user", name, json({{"disabled", *was}}).dump(),
               json({{"disabled", disabled}}).dump(), by.screen, by.address);
    tx.Commit();
    return {};
  });
}

core::Result<std::optional<UserRecord>> SqliteStore::FindUser(const std::string& name) {
  return Guard([&]() -> core::Result<std::optional<UserRecord>> {
    Stmt st = db_.Prepare(
        "SELECT name, role, password_hash, disabled, created_at FROM users WHERE name=?");
    st.Bind(1, name);
    if (!st.Step()) return std::optional<UserRecord>();
    return std::optional<UserRecord>(UserRecord{
        .name = st.Text(0), .role = ParseRole(st.Text(1)).value_or(Role::kClerk),
        .password_hash = st.Text(2), .disabled = st.Int(3) != 0, .created_at = st.Text(4)});
  });
}

core::Result<std::vector<UserRecord>> SqliteStore::ListUsers() {
  return Guard([&]() -> core::Result<std::vector<UserRecord>> {
    std::vector<UserRecord> out;
    Stmt st = db_.Prepare(
        "SELECT name, role, password_hash, disabled, created_at FROM users ORDER BY name");
    while (st.Step())
      out.push_back(UserRecord{
          .name = st.Text(0), .role = ParseRole(st.Text(1)).value_or(Role::kClerk),
          .password_hash = st.Text(2), .disabled = st.Int(3) != 0, .created_at = st.Text(4)});
    return out;
  });
}

}  // namespace phieu::store
