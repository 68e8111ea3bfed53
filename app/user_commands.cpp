// Copyright 2026 The Phiếu Authors
// SPDX-License-Identifier: Apache-2.0
// phieu user add | passwd | disable | list, phieu audit and phieu backup: the logins of
// `phieu serve`, the trail of every change a person made, and a safe copy of the survey.
#include <termios.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <iomanip>
#include <iostream>
#include <string>

#include "app/common.h"

namespace phieu::app {
namespace {

constexpr size_t kMinPasswordChars = 8;

// The new password: prompted twice with echo off on a terminal, else the first line of
// standard input. Never from the command line, where other users see it in `ps`.
core::Result<std::string> ReadNewPassword(const std::string& user) {
  std::string password;
  if (isatty(STDIN_FILENO)) {
    auto first = PromptHidden("Password for " + user + ": ");
    if (!first) return core::MakeError("usage", "no password given");
    auto second = PromptHidden("Again: ");
    if (!second || *second != *first) return core::MakeError("usage", "the two passwords differ");
    password = *first;
  } else if (!std::getline(std::cin, password)) {
    return core::MakeError("usage", "no password on standard input (one line expected)");
  }
  if (!password.empty() && password.back() == '\r') password.pop_back();
  if (Utf8Length(password) < kMinPasswordChars)
    return core::MakeError("usage", "a password needs at least " + std::to_string(kMinPasswordChars) +
                                        " characters");
  return password;
}

// Who runs the command, for the audit trail.
store::Actor Me() { return store::Actor{.who = CliUser(), .screen = "cli", .address = ""}; }

// "2 -> 3" style values of an audit row: JSON as stored, "-" for none.
std::string Shown(const std::optional<std::string>& v) { return v ? *v : std::string("-"); }

}  // namespace

std::vector<Command> UserCommands() {
  return {
      {"user add", "Add a login for the review web app (password from standard input or a prompt)",
       [](CLI::App* cmd) {
         struct Args { std::string db, name, role; };
         auto a = std::make_shared<Args>();
         cmd->add_option("--db", a->db, "survey file")->required();
         cmd->add_option("NAME", a->name, "login name: letters, digits, '.', '_', '-'")->required();
         cmd->add_option("--role", a->role, "admin | reviewer | clerk")
             ->required()
             ->check(CLI::IsMember({"admin", "reviewer", "clerk"}));
         cmd->footer("The password is read from standard input (one line), or prompted for twice with\n"
                     "echo off on a terminal; it is never taken from the command line. At least 8\n"
                     "characters. Only its Argon2id hash is stored.");
         return std::function<int()>([a] {
           auto store = OpenSurvey(a->db, false);
           if (!store.ok()) return Fail(store.error());
           auto password = ReadNewPassword(a->name);
           if (!password.ok()) return Fail(password.error(), kExitUsage);
           auto hash = store::HashPassword(*password);
           if (!hash.ok()) return Fail(hash.error());
           auto st = (*store)->AddUser({.name = a->name, .role = *store::ParseRole(a->role),
                                        .password_hash = *hash, .disabled = false, .created_at = {}},
                                       Me());
           // A taken or malformed name is the caller's input (2); anything else is the survey's.
           if (!st.ok()) return Fail(st.error(), st.error().code == "invalid" ? kExitUsage : kExitFailed);
           std::cout << "Added " << a->role << " " << a->name << "\n";
           return kExitOk;
         });
       }},
      {"user passwd", "Set a login's password (from standard input or a prompt)",
       [](CLI::App* cmd) {
         struct Args { std::string db, name; };
         auto a = std::make_shared<Args>();
         cmd->add_option("--db", a->db, "survey file")->required();
         cmd->add_option("NAME", a->name, "login name")->required();
         return std::function<int()>([a] {
           auto store = OpenSurvey(a->db, false);
           if (!store.ok()) return Fail(store.error());
           auto user = (*store)->FindUser(a->name);
           if (!user.ok()) return Fail(user.error());
           if (!user->has_value()) return Fail("no user \"" + a->name + "\" in " + a->db, kExitUsage);
           auto password = ReadNewPassword(a->name);
           if (!password.ok()) return Fail(password.error(), kExitUsage);
           auto hash = store::HashPassword(*password);
           if (!hash.ok()) return Fail(hash.error());
           auto st = (*store)->SetUserPassword(a->name, *hash, Me());
           if (!st.ok()) return Fail(st.error());
           std::cout << "Password of " << a->name << " changed\n";
           return kExitOk;
         });
       }},
      {"user disable", "Stop a login from logging in (its history stays); --enable undoes it",
       [](CLI::App* cmd) {
         struct Args { std::string db, name; bool enable = false; };
         auto a = std::make_shared<Args>();
         cmd->add_option("--db", a->db, "survey file")->required();
         cmd->add_option("NAME", a->name, "login name")->required();
         cmd->add_flag("--enable", a->enable, "enable the login again");
         return std::function<int()>([a] {
           auto store = OpenSurvey(a->db, false);
           if (!store.ok()) return Fail(store.error());
           auto st = (*store)->SetUserDisabled(a->name, !a->enable, Me());
           if (!st.ok()) return Fail(st.error());
           std::cout << a->name << (a->enable ? " enabled" : " disabled") << "\n";
           return kExitOk;
         });
       }},
      {"user list", "List the logins of the survey",
       [](CLI::App* cmd) {
         auto db = std::make_shared<std::string>();
         cmd->add_option("--db", *db, "survey file")->required();
         return std::function<int()>([db] {
           auto store = OpenSurvey(*db, false);
           if (!store.ok()) return Fail(store.error());
           auto users = (*store)->ListUsers();
           if (!users.ok()) return Fail(users.error());
           if (users->empty()) std::cout << "No logins yet (phieu user add).\n";
           for (const auto& u : *users)
             std::cout << std::left << std::setw(24) << u.name << " " << std::setw(9)
                       << store::RoleName(u.role) << " " << (u.disabled ? "disabled" : "active  ")
                       << "  since " << u.created_at << "\n";
           return kExitOk;
         });
       }},
      {"audit", "Print the audit trail: who changed what, when, from where (newest first)",
       [](CLI::App* cmd) {
         struct Args { std::string db, user; core::Serial serial = 0; int limit = 100; };
         auto a = std::make_shared<Args>();
         cmd->add_option("--db", a->db, "survey file")->required();
         cmd->add_option("--serial", a->serial, "only this sheet")->check(CLI::PositiveNumber);
         cmd->add_option("--user", a->user, "only what this login did");
         cmd->add_option("--limit", a->limit, "at most this many rows (default 100)")
             ->check(CLI::Range(1, 100000000));
         return std::function<int()>([a] {
           auto store = OpenSurvey(a->db, false);
           if (!store.ok()) return Fail(store.error());
           store::AuditFilter filter;
           if (a->serial > 0) filter.serial = a->serial;
           filter.user = a->user;
           filter.limit = a->limit;
           auto rows = (*store)->ListAudit(filter);
           if (!rows.ok()) return Fail(rows.error());
           if (rows->empty()) std::cout << "No audit rows.\n";
           for (const auto& r : *rows) {
             std::string where = r.screen.empty() ? "-" : r.screen;
             if (!r.address.empty()) where += "@" + r.address;
             std::cout << r.at << "  " << std::left << std::setw(12) << r.who << " "
                       << std::setw(20) << where << " " << std::setw(8) << r.entity << " "
                       << std::setw(20) << r.entity_id << " " << Shown(r.old_value) << " -> "
                       << Shown(r.new_value) << "\n";
           }
           return kExitOk;
         });
       }},
      {"backup", "Copy the survey to a new file, safely, even while ingest or serve write to it",
       [](CLI::App* cmd) {
         struct Args { std::string db, out; bool force = false; };
         auto a = std::make_shared<Args>();
         cmd->add_option("--db", a->db, "survey file")->required();
         cmd->add_option("-o,--output", a->out, "the copy to write")->required();
         cmd->add_flag("--force", a->force, "replace the output file if it exists");
         cmd->footer("The copy is made with SQLite's online backup API (a consistent snapshot, other\n"
                     "programs keep working) and checked with PRAGMA integrity_check. To restore, stop\n"
                     "every phieu program using the survey and copy the backup over the survey file\n"
                     "(remove any SURVEY.db-wal and SURVEY.db-shm left beside it first).");
         return std::function<int()>([a] {
           namespace fs = std::filesystem;
           std::error_code ec;
           if (fs::exists(a->out, ec) && fs::equivalent(a->out, a->db, ec))
             return Fail(a->out + ": is the survey itself; write the backup elsewhere", kExitUsage);
           if (fs::exists(a->out, ec) && !a->force)
             return Fail(a->out + ": already exists; add --force to replace it", kExitUsage);
           auto store = OpenSurvey(a->db, false);
           if (!store.ok()) return Fail(store.error());
           // With --force the old copy stays until the new one is whole and checked.
           const std::string target = a->force ? a->out + ".new" : a->out;
           fs::remove(target, ec);
           auto st = (*store)->Backup(target);
           if (!st.ok()) return Fail(st.error());
           if (target != a->out) {
             fs::rename(target, a->out, ec);
             if (ec) return Fail(a->out + ": " + ec.message());
           }
           std::cout << "Backed up " << a->db << " to " << a->out << " (" << fs::file_size(a->out, ec)
                     << " bytes, integrity ok)\n";
           return kExitOk;
         });
       }},
  };
}

}  // namespace phieu::app
