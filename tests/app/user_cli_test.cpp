// Copyright 2026 The Phiếu Authors
// SPDX-License-Identifier: Apache-2.0
// `phieu user …`, `phieu audit` and `phieu backup` through the real binary.
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <string>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <sqlite3.h>

#include "common/phieu_cli.h"
#include "common/temp_dir.h"

namespace fs = std::filesystem;

namespace {

using phieu::testing::CmdResult;
using phieu::testing::kPhieu;
using phieu::testing::Phieu;

// `phieu ARGS` with `input` on its standard input (a pipe: not a terminal).
CmdResult PhieuWithInput(const std::string& input, const std::string& args) {
  phieu::testing::TempDir tmp("stdin");
  const fs::path in = tmp / "input";
  std::ofstream(in) << input;
  return Phieu(args + " < " + in.string());
}

class UserCliTest : public ::testing::Test {
 protected:
  void SetUp() override {
    db_ = (dir_ / "s.db").string();
    ASSERT_EQ(Phieu("survey init --db " + db_ + " --template sipas").code, 0);
  }
  phieu::testing::TempDir tmp_{"user_cli", /*keep_on_failure=*/true};
  const fs::path dir_ = tmp_.path();
  std::string db_;
};

TEST_F(UserCliTest, AddListPasswdDisableAndAudit) {
  CmdResult add = PhieuWithInput("mật khẩu lan\n", "user add --db " + db_ + " lan --role reviewer");
  ASSERT_EQ(add.code, 0) << add.out;
  EXPECT_EQ(add.out.find("mật khẩu"), std::string::npos);  // never echoed
  ASSERT_EQ(PhieuWithInput("admin-password\r\n", "user add --db " + db_ + " an --role admin").code, 0);

  CmdResult list = Phieu("user list --db " + db_);
  ASSERT_EQ(list.code, 0) << list.out;
  EXPECT_NE(list.out.find("an "), std::string::npos) << list.out;
  EXPECT_NE(list.out.find("admin"), std::string::npos) << list.out;
  EXPECT_NE(list.out.find("lan "), std::string::npos) << list.out;
  EXPECT_NE(list.out.find("reviewer"), std::string::npos) << list.out;
  EXPECT_EQ(list.out.find("argon2"), std::string::npos) << list.out;
  EXPECT_EQ(list.out.find("disabled"), std::string::npos) << list.out;

  // Taken name, bad role, short password, no password: refused, nothing added.
  CmdResult dup = PhieuWithInput("another-password\n", "user add --db " + db_ + " lan --role clerk");
  EXPECT_EQ(dup.code, 2) << dup.out;  // README "Exit codes": a refused input
  EXPECT_NE(dup.out.find("already exists"), std::string::npos) << dup.out;
  EXPECT_EQ(PhieuWithInput("another-password\n", "user add --db " + db_ + " hoa --role boss").code, 2);
  CmdResult shortpw = PhieuWithInput("short\n", "user add --db " + db_ + " hoa --role clerk");
  EXPECT_EQ(shortpw.code, 2) << shortpw.out;
  EXPECT_NE(shortpw.out.find("at least 8 characters"), std::string::npos) << shortpw.out;
  EXPECT_EQ(PhieuWithInput("", "user add --db " + db_ + " hoa --role clerk").code, 2);
  // A password given on the command line is not an option at all.
  EXPECT_EQ(Phieu("user add --db " + db_ + " hoa --role clerk --password secret-secret").code, 2);
  EXPECT_EQ(Phieu("user list --db " + db_).out.find("hoa"), std::string::npos);

  ASSERT_EQ(PhieuWithInput("new password 2\n", "user passwd --db " + db_ + " lan").code, 0);
  CmdResult nobody = PhieuWithInput("new password 2\n", "user passwd --db " + db_ + " nobody");
  EXPECT_EQ(nobody.code, 2);
  EXPECT_NE(nobody.out.find("no user \"nobody\""), std::string::npos) << nobody.out;

  ASSERT_EQ(Phieu("user disable --db " + db_ + " lan").code, 0);
  EXPECT_NE(Phieu("user list --db " + db_).out.find("disabled"), std::string::npos);
  ASSERT_EQ(Phieu("user disable --db " + db_ + " lan --enable").code, 0);
  EXPECT_EQ(Phieu("user list --db " + db_).out.find("disabled"), std::string::npos);

  CmdResult audit = Phieu("audit --db " + db_ + " --user lan");
  EXPECT_EQ(audit.code, 0);
  EXPECT_NE(audit.out.find("No audit rows"), std::string::npos) << audit.out;  // lan did nothing
  CmdResult all = Phieu("audit --db " + db_);
  ASSERT_EQ(all.code, 0) << all.out;
  // add lan, add an, passwd lan, disable lan, enable lan: newest first.
  EXPECT_NE(all.out.find(R"(user     lan                  {"disabled":true} -> {"disabled":false})"),
            std::string::npos) << all.out;
  EXPECT_NE(all.out.find(R"(- -> {"password":"changed"})"), std::string::npos) << all.out;
  EXPECT_NE(all.out.find(R"(- -> {"disabled":false,"role":"admin"})"), std::string::npos) << all.out;
  EXPECT_LT(all.out.find("\"disabled\":true} -> {\"disabled\":false}"),
            all.out.find("\"role\":\"reviewer\""));
  EXPECT_EQ(all.out.find("argon2"), std::string::npos);
  CmdResult limited = Phieu("audit --db " + db_ + " --limit 1");
  EXPECT_EQ(std::count(limited.out.begin(), limited.out.end(), '\n'), 1) << limited.out;
}

}  // namespace

namespace {

TEST_F(UserCliTest, BackupMakesACheckedCopyAndNeverOverwritesUnasked) {
  ASSERT_EQ(PhieuWithInput("mật khẩu lan\n", "user add --db " + db_ + " lan --role reviewer").code, 0);
  const std::string copy = (dir_ / "copy.db").string();
  CmdResult b = Phieu("backup --db " + db_ + " -o " + copy);
  ASSERT_EQ(b.code, 0) << b.out;
  EXPECT_NE(b.out.find("integrity ok"), std::string::npos) << b.out;
  // The copy is a survey: its logins and audit are there.
  EXPECT_NE(Phieu("user list --db " + copy).out.find("lan"), std::string::npos);
  EXPECT_NE(Phieu("audit --db " + copy).out.find("reviewer"), std::string::npos);

  CmdResult again = Phieu("backup --db " + db_ + " -o " + copy);
  EXPECT_EQ(again.code, 2) << again.out;
  EXPECT_NE(again.out.find("already exists"), std::string::npos) << again.out;
  EXPECT_EQ(Phieu("backup --db " + db_ + " -o " + db_ + " --force").code, 2);  // the survey itself
  ASSERT_EQ(PhieuWithInput("mật khẩu hoa\n", "user add --db " + db_ + " hoa --role clerk").code, 0);
  CmdResult forced = Phieu("backup --db " + db_ + " -o " + copy + " --force");
  ASSERT_EQ(forced.code, 0) << forced.out;
  EXPECT_NE(Phieu("user list --db " + copy).out.find("hoa"), std::string::npos);
  // README "Exit codes": a survey that cannot be opened is 3.
  EXPECT_EQ(Phieu("backup --db " + (dir_ / "missing.db").string() + " -o " + (dir_ / "x.db").string()).code, 3);
  EXPECT_FALSE(fs::exists(dir_ / "x.db"));
}

}  // namespace

namespace {

std::string QueryText(const std::string& db, const std::string& sql) {
  sqlite3* h = nullptr;
  sqlite3_open_v2(db.c_str(), &h, SQLITE_OPEN_READONLY, nullptr);
  sqlite3_stmt* st = nullptr;
  std::string out;
  if (sqlite3_prepare_v2(h, sql.c_str(), -1, &st, nullptr) == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW)
    if (const unsigned char* t = sqlite3_column_text(st, 0)) out = reinterpret_cast<const char*>(t);
  sqlite3_finalize(st);
  sqlite3_close(h);
  return out;
}

// Ingest reads the boxes from the layout stored when the template was registered (as printed),
// not from the one this machine computes; a difference is noted once.
TEST_F(UserCliTest, IngestReadsTheStoredLayoutAndNotesADifferenceOnce) {
  const std::string stored = QueryText(db_, "SELECT layout_json FROM templates WHERE template_id='sipas'");
  ASSERT_FALSE(stored.empty());
  // Another machine laid the form out, and one field is not where this one would put it: the
  // stored copy (edited here to stand for it) drops the last field.
  auto layout = nlohmann::json::parse(stored);
  const std::string dropped = layout["fields"].back()["id"];
  layout["fields"].erase(layout["fields"].size() - 1);
  sqlite3* h = nullptr;
  sqlite3_open(db_.c_str(), &h);
  sqlite3_stmt* st = nullptr;
  sqlite3_prepare_v2(h, "UPDATE templates SET layout_json=?, layout_engine='pango 0.0.1, cairo 0.0.1'",
                     -1, &st, nullptr);
  const std::string edited = layout.dump();
  sqlite3_bind_text(st, 1, edited.c_str(), -1, SQLITE_TRANSIENT);
  ASSERT_EQ(sqlite3_step(st), SQLITE_DONE);
  sqlite3_finalize(st);
  sqlite3_close(h);

  const std::string scans = (dir_ / "scans").string();
  ASSERT_EQ(Phieu("simulate --template sipas --sheets 2 --seed 4 --foreign 0 --no-damage -o " + scans).code, 0);
  CmdResult ing = Phieu("ingest --db " + db_ + " -q " + scans);
  ASSERT_EQ(ing.code, 0) << ing.out;
  const std::string note = "would be laid out differently on this machine";
  ASSERT_NE(ing.out.find(note), std::string::npos) << ing.out;
  EXPECT_EQ(ing.out.find(note), ing.out.rfind(note)) << ing.out;  // once
  EXPECT_NE(ing.out.find("pango 0.0.1"), std::string::npos) << ing.out;
  // The dropped field was never read: the stored layout was.
  EXPECT_EQ(QueryText(db_, "SELECT count(*) FROM readings WHERE field_id='" + dropped + "'"), "0");
  EXPECT_NE(QueryText(db_, "SELECT count(*) FROM readings"), "0");
}

}  // namespace

namespace {

// On a terminal the password is prompted for twice with echo off (script(1) gives the command a
// pseudo-terminal; the lines arrive after the prompt turned echo off).
TEST_F(UserCliTest, PasswordPromptOnATerminalDoesNotEcho) {
  const std::string cmd = "(sleep 5; printf 'hidden-pass-1\\n'; sleep 1; printf 'hidden-pass-1\\n'; sleep 2) | "
                          "script -qec \"" + kPhieu + " user add --db " + db_ + " lan --role reviewer\" /dev/null 2>&1";
  FILE* p = popen(cmd.c_str(), "r");
  ASSERT_TRUE(p);
  std::string out;
  char buf[512];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
  pclose(p);
  EXPECT_NE(out.find("Password for lan:"), std::string::npos) << out;
  EXPECT_NE(out.find("Again:"), std::string::npos) << out;
  EXPECT_NE(out.find("Added reviewer lan"), std::string::npos) << out;
  EXPECT_EQ(out.find("hidden-pass"), std::string::npos) << out;
  EXPECT_NE(Phieu("user list --db " + db_).out.find("reviewer"), std::string::npos);
}

}  // namespace
