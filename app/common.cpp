// Copyright 2026 The Phiếu Authors
// SPDX-License-Identifier: Apache-2.0
#include "app/common.h"

#include <pwd.h>
#include <cstdlib>
#include <termios.h>
#include <unistd.h>

#include <algorithm>
#include <charconv>
#include <fstream>
#include <iostream>
#include <map>
#include <mutex>
#include <set>
#include <thread>

namespace phieu::app {

int Fail(const core::Error& error, int code) { return Fail(error.message, code); }

int Fail(const std::string& message, int code) {
  std::cerr << "phieu: " << message << "\n";
  return code;
}

core::Result<templates::Template> ResolveTemplate(const std::string& arg) {
  std::filesystem::path p(arg);
  std::error_code ec;
  if (std::filesystem::is_regular_file(p, ec)) return templates::LoadTemplate(p);
  if (arg.find('/') == std::string::npos && arg.find(".json") == std::string::npos) {
    auto bundled = templates::BundledTemplatesDir() / (arg + ".json");
    if (std::filesystem::is_regular_file(bundled, ec)) return templates::LoadTemplate(bundled);
    return core::MakeError("usage", "template \"" + arg + "\": no such file, and no bundled template of that id (" +
                                        templates::BundledTemplatesDir().string() + ")");
  }
  return core::MakeError("io", arg + ": no such file");
}

core::Result<std::unique_ptr<store::Store>> OpenSurvey(const std::filesystem::path& db, bool create) {
  return store::Store::Open(db, create);
}

core::Status RegisterTemplate(store::Store& store, const templates::Template& tpl) {
  return store.RegisterTemplate(tpl, templates::ComputeLayout(tpl));
}

core::Result<templates::TemplateCatalog> LoadCatalog(store::Store& store) {
  auto sources = store.LoadTemplateSources();
  if (!sources.ok()) return sources.error();
  auto stored = store.LoadTemplateLayouts();
  if (!stored.ok()) return stored.error();
  std::map<std::pair<std::string, int>, const store::StoredLayout*> frozen;
  for (const auto& s : *stored)
    if (s.layout) frozen[{s.template_id, s.version}] = &s;
  // This machine's layout of a template version is computed (Pango: the costly part) and
  // compared with the stored one once per process, however often the catalog is loaded (the
  // server loads it per assignment and per station batch).
  static std::mutex compared_mu;
  static std::set<std::pair<std::string, int>> compared;
  templates::TemplateCatalog catalog;
  for (const auto& src : *sources) {
    auto tpl = templates::ParseTemplate(src, "stored template");
    if (!tpl.ok()) return tpl.error();
    auto it = frozen.find({tpl->id, tpl->version});
    if (it == frozen.end()) {
      catalog.Add(templates::ComputeLayout(*tpl));  // registered before layouts were stored
      continue;
    }
    // The boxes are read where they were printed: the layout stored at registration. This
    // machine's layout (other fonts, another Pango) is only compared with it.
    const templates::Layout& as_printed = *it->second->layout;
    bool first = false;
    {
      std::lock_guard lock(compared_mu);
      first = compared.insert({tpl->id, tpl->version}).second;
    }
    if (first && templates::LayoutToJson(templates::ComputeLayout(*tpl)) != templates::LayoutToJson(as_printed))
      std::cerr << "phieu: note: template " << tpl->id << " version " << tpl->version
                << " would be laid out differently on this machine (" << templates::LayoutEngineVersion()
                << ") than when it was registered (" << (it->second->engine.empty() ? "unknown" : it->second->engine)
                << "); the stored layout, as printed, is used\n";
    catalog.Add(as_printed);
  }
  return catalog;
}

core::Result<std::vector<templates::Template>> LoadTemplates(store::Store& store) {
  auto sources = store.LoadTemplateSources();
  if (!sources.ok()) return sources.error();
  std::vector<templates::Template> out;
  for (const auto& src : *sources) {
    auto tpl = templates::ParseTemplate(src, "stored template");
    if (!tpl.ok()) return tpl.error();
    out.push_back(std::move(*tpl));
  }
  return out;
}

core::Status WriteTextFile(const std::filesystem::path& path, const std::string& text) {
  std::filesystem::path tmp = path;
  tmp += ".tmp";
  {
    std::ofstream f(tmp, std::ios::binary | std::ios::trunc);
    if (!f) return core::MakeError("io", path.string() + ": cannot open for writing");
    f << text;
    if (!f.flush()) return core::MakeError("io", path.string() + ": write failed");
  }
  std::error_code ec;
  std::filesystem::rename(tmp, path, ec);
  if (ec) return core::MakeError("io", path.string() + ": " + ec.message());
  return {};
}

core::Result<std::vector<core::Serial>> ParseSerialRange(const std::string& text) {
  auto parse = [](std::string_view s, core::Serial& out) {
    auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
    return ec == std::errc() && p == s.data() + s.size() && out >= 0;
  };
  core::Serial a = 0, b = 0;
  auto dash = text.find('-');
  bool ok = dash == std::string::npos ? parse(text, a) && parse(text, b)
                                      : parse(std::string_view(text).substr(0, dash), a) &&
                                            parse(std::string_view(text).substr(dash + 1), b);
  if (!ok || b < a) return core::MakeError("usage", "serials \"" + text + "\": expected N or A-B with A <= B");
  if (b - a >= 100000) return core::MakeError("usage", "serials \"" + text + "\": at most 100000 at once");
  std::vector<core::Serial> out;
  for (core::Serial s = a; s <= b; ++s) out.push_back(s);
  return out;
}

int DefaultJobs() { return static_cast<int>(std::max(1u, std::thread::hardware_concurrency())); }

void EnsureSingleThreadedOpenMp(char** argv) {
  if (std::getenv("OMP_THREAD_LIMIT")) return;
  setenv("OMP_THREAD_LIMIT", "1", 1);
  execv("/proc/self/exe", argv);
  // execv only returns on failure: carry on, just slower.
}

std::string CliUser() {
  if (const char* u = std::getenv("USER"); u && *u) return u;
  if (const passwd* pw = getpwuid(getuid())) return pw->pw_name;
  return "cli";
}

std::optional<std::string> PromptHidden(const std::string& prompt) {
  std::cerr << prompt << std::flush;
  termios old{};
  const bool tty = tcgetattr(STDIN_FILENO, &old) == 0;
  if (tty) {
    termios quiet = old;
    quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
    tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet);
  }
  std::string line;
  const bool got = static_cast<bool>(std::getline(std::cin, line));
  if (tty) tcsetattr(STDIN_FILENO, TCSAFLUSH, &old);
  std::cerr << "\n";
  if (!got) return std::nullopt;
  return line;
}

std::size_t Utf8Length(const std::string& s) {
  std::size_t n = 0;
  for (unsigned char c : s) n += (c & 0xC0) != 0x80;
  return n;
}

}  // namespace phieu::app
