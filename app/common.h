// Copyright 2026 The Phiếu Authors
// SPDX-License-Identifier: Apache-2.0
// Small helpers shared by the `phieu` subcommands. All real work lives in the stage libraries.
#pragma once

#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "core/result.h"
#include "store/store.h"
#include "templates/templates.h"

namespace phieu::app {

/// Exit codes of every subcommand (README "Exit codes"); stderr names what went wrong.
constexpr int kExitOk = 0;       ///< everything done: every page stored, every template valid.
constexpr int kExitPartial = 1;  ///< the job ran to its end, but some inputs were refused: files
                                 ///< or pages unreadable (kept, named), templates invalid.
constexpr int kExitUsage = 2;    ///< bad arguments, unknown words, an input that is not there.
constexpr int kExitFailed = 3;   ///< the survey file or other I/O failed; the job stopped.

/// A subcommand: registers its options on `cmd` and returns the function that runs it.
struct Command {
  const char* name;
  const char* help;
  std::function<std::function<int()>(CLI::App* cmd)> setup;
};
std::vector<Command> TemplateCommands();  // template check|render|layout
std::vector<Command> SurveyCommands();    // survey init, units import, print, status
std::vector<Command> IngestCommands();    // ingest
std::vector<Command> RereadCommands();    // reread
std::vector<Command> ExportCommands();    // export
std::vector<Command> SimulateCommands();  // simulate
std::vector<Command> ServeCommands();     // serve
std::vector<Command> UserCommands();      // user add|passwd|disable|list, audit, backup
std::vector<Command> RecheckCommands();   // recheck draw|report

/// Prints "phieu: <message>" to stderr and returns `code`.
int Fail(const core::Error& error, int code = kExitFailed);
int Fail(const std::string& message, int code = kExitFailed);

/// A template argument is a path to a JSON file, or the id of a bundled template ("sipas").
core::Result<templates::Template> ResolveTemplate(const std::string& arg);

/// Opens the survey file. `create` makes it when missing.
core::Result<std::unique_ptr<store::Store>> OpenSurvey(const std::filesystem::path& db, bool create);

/// Lays the template out and registers it with the survey (no-op when already registered).
core::Status RegisterTemplate(store::Store& store, const templates::Template& tpl);

/// Every template version registered with the survey, with the layout stored when it was
/// registered (the boxes as printed); ComputeLayout only for versions registered before layouts
/// were stored. A layout this machine would compute otherwise is noted once on stderr.
core::Result<templates::TemplateCatalog> LoadCatalog(store::Store& store);

/// Every template version registered with the survey, parsed (scoring, question texts).
core::Result<std::vector<templates::Template>> LoadTemplates(store::Store& store);

/// Writes `text` to `path` through a temporary file renamed into place; Errors name the path.
core::Status WriteTextFile(const std::filesystem::path& path, const std::string& text);

/// Who runs the command, for the audit trail: $USER, else the account's name, else "cli".
std::string CliUser();

/// One line from the terminal with echo off (the prompt goes to stderr); on a pipe, the next
/// line of standard input, as is. nullopt at end of input.
std::optional<std::string> PromptHidden(const std::string& prompt);

/// Characters (code points) of UTF-8 text: "mật khẩu" is 8 in 11 bytes. Vietnamese in NFC has no
/// combining marks, so this is also its width in terminal columns.
std::size_t Utf8Length(const std::string& s);

/// Worker threads when a command's --jobs is not given: one per core.
int DefaultJobs();

/// Debian's libtesseract uses OpenMP, whose busy-waiting makes recognition ~8x slower on 2
/// cores; libgomp reads OMP_THREAD_LIMIT when the library loads, so setting it in main() is too
/// late. Re-executes the program once (/proc/self/exe, same argv) with OMP_THREAD_LIMIT=1 unless
/// it is set (../shared/STACK.md section 4); carries on, just slower, when exec fails.
void EnsureSingleThreadedOpenMp(char** argv);

/// Parses "A-B" or "N" into a list of serials.
core::Result<std::vector<core::Serial>> ParseSerialRange(const std::string& text);

}  // namespace phieu::app
