// Copyright 2026 The Phiếu Authors
// SPDX-License-Identifier: Apache-2.0
// A polled watch folder: reports scan files once the scanner has finished writing them.
#include <algorithm>
#include <cctype>
#include <cstdint>
#include <cstring>
#include <fstream>
#include <set>
#include <string>
#include <system_error>
#include <vector>

#include "scanner/acquire.h"
#include "scanner/scanner.h"

namespace phieu::scanner {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

// A stable file that does not decode yet is retried at this interval: a scanner that pauses
// mid-file (feeder reload, a slow network share) usually resumes within seconds, and decoding
// a large multi-page file on every 1 s poll would waste a core.
constexpr double kRetryInterval_s = 2.0;

bool IsScanName(const fs::path& p) {
  const std::string name = p.filename().string();
  if (name.empty() || name[0] == '.') return false;  // hidden: editors' and copiers' temp files
  std::string ext = p.extension().string();
  std::transform(ext.begin(), ext.end(), ext.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  static const std::set<std::string> kExts = {".tif", ".tiff", ".pdf", ".jpg", ".jpeg", ".png"};
  return kExts.count(ext) > 0;
}

Clock::duration Seconds(double s) {
  return std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(s));
}

// Random access to a file for the TIFF walk below; any read past the end is a failure.
class FileBytes {
 public:
  explicit FileBytes(const fs::path& path) : in_(path, std::ios::binary) {
    in_.seekg(0, std::ios::end);
    size_ = in_ ? static_cast<uint64_t>(in_.tellg()) : 0;
  }
  uint64_t size() const { return size_; }
  bool Read(uint64_t at, void* out, size_t n) {
    if (at > size_ || n > size_ - at) return false;
    in_.clear();
    in_.seekg(static_cast<std::streamoff>(at));
    return static_cast<bool>(in_.read(static_cast<char*>(out), static_cast<std::streamsize>(n)));
  }

 private:
  std::ifstream in_;
  uint64_t size_ = 0;
};

/// libtiff stops quietly at a page directory that lies past the end of a half-copied file and
/// reports the pages before it, which then decode fine. So walk the directory chain ourselves:
/// every directory, and every strip or tile it points at, must lie inside the file.
/// Returns an empty string when complete, else what is missing.
std::string TiffStructureProblem(const fs::path& path) {
  FileBytes f(path);
  unsigned char hdr[16] = {};
  if (!f.Read(0, hdr, 8)) return "header cut off";
  const bool le = hdr[0] == 'I';
  auto u16 = [le](const unsigned char* p) -> uint64_t {
    return le ? (p[0] | (p[1] << 8)) : ((p[0] << 8) | p[1]);
  };
  auto u32 = [le](const unsigned char* p) -> uint64_t {
    return le ? (uint64_t(p[0]) | uint64_t(p[1]) << 8 | uint64_t(p[2]) << 16 | uint64_t(p[3]) << 24)
              : (uint64_t(p[0]) << 24 | uint64_t(p[1]) << 16 | uint64_t(p[2]) << 8 | uint64_t(p[3]));
  };
  auto u64 = [&](const unsigned char* p) -> uint64_t {
    return le ? (u32(p) | u32(p + 4) << 32) : (u32(p) << 32 | u32(p + 4));
  };
  const bool big = u16(hdr + 2) == 43;
  if (big && !f.Read(8, hdr + 8, 8)) return "header cut off";
  const size_t count_size = big ? 8 : 2, entry_size = big ? 20 : 12, offset_size = big ? 8 : 4;
  auto offset_at = [&](const unsigned char* p) { return big ? u64(p) : u32(p); };
  uint64_t ifd = big ? u64(hdr + 8) : u32(hdr + 4);
  std::set<uint64_t> visited;  // a corrupt file may loop its chain
  int page = 0;
  while (ifd != 0) {
    ++page;
    if (!visited.insert(ifd).second || page > 100000) return "page directories loop";
    unsigned char cnt[8];
    if (!f.Read(ifd, cnt, count_size)) return "page " + std::to_string(page) + " directory cut off";
    const uint64_t n = big ? u64(cnt) : u16(cnt);
    std::vector<unsigned char> dir(static_cast<size_t>(n) * entry_size + offset_size);
    if (n > 10000 || !f.Read(ifd + count_size, dir.data(), dir.size()))
      return "page " + std::to_string(page) + " directory cut off";
    // Strip/tile offsets (273/324) and byte counts (279/325): each data block must fit.
    std::vector<uint64_t> offsets, counts;
    for (uint64_t i = 0; i < n; ++i) {
      const unsigned char* e = dir.data() + i * entry_size;
      const uint64_t tag = u16(e), type = u16(e + 2);
      const uint64_t values = big ? u64(e + 4) : u32(e + 4);
      if (tag != 273 && tag != 279 && tag != 324 && tag != 325) continue;
      const size_t width = type == 3 ? 2 : type == 4 ? 4 : type == 16 ? 8 : 0;  // SHORT, LONG, LONG8
      if (width == 0 || values > 1000000) return "page " + std::to_string(page) + " has a bad strip table";
      std::vector<unsigned char> raw(static_cast<size_t>(values) * width);
      const unsigned char* field = e + (big ? 12 : 8);
      if (raw.size() <= offset_size) {
        std::memcpy(raw.data(), field, raw.size());
      } else if (!f.Read(offset_at(field), raw.data(), raw.size())) {
        return "page " + std::to_string(page) + " strip table cut off";
      }
      auto& list = (tag == 273 || tag == 324) ? offsets : counts;
      for (size_t k = 0; k < values; ++k) {
        const unsigned char* v = raw.data() + k * width;
        list.push_back(width == 2 ? u16(v) : width == 4 ? u32(v) : u64(v));
      }
    }
    for (size_t k = 0; k < offsets.size() && k < counts.size(); ++k)
      if (offsets[k] > f.size() || counts[k] > f.size() - offsets[k])
        return "page " + std::to_string(page) + " image data cut off";
    ifd = offset_at(dir.data() + n * entry_size);
  }
  return "";
}

}  // namespace

core::Status CheckScanComplete(const fs::path& path) {
  auto reader = OpenScanFile(path);
  if (!reader.ok()) return reader.error();
  {
    // Poppler rebuilds a PDF whose cross-reference table is missing, so a half-written PDF
    // can open with its first pages only; a finished one ends with %%EOF (plus a newline or
    // a little padding).
    std::ifstream in(path, std::ios::binary);
    char head[5] = {};
    in.read(head, 5);
    if (in && std::string(head, 5) == "%PDF-") {
      in.clear();
      in.seekg(0, std::ios::end);
      const std::streamoff size = in.tellg();
      const std::streamoff tail = std::min<std::streamoff>(size, 1024);
      std::string end(static_cast<size_t>(tail), '\0');
      in.seekg(size - tail);
      in.read(end.data(), tail);
      if (end.find("%%EOF") == std::string::npos)
        return core::MakeError("parse", path.string() + ": PDF file has no end marker (still being written?)");
    }
  }
  {
    FileBytes f(path);
    unsigned char magic[4] = {};
    if (f.Read(0, magic, 4) && (std::memcmp(magic, "II", 2) == 0 || std::memcmp(magic, "MM", 2) == 0)) {
      std::string problem = TiffStructureProblem(path);
      if (!problem.empty())
        return core::MakeError("parse", path.string() + ": TIFF file incomplete: " + problem +
                                            " (still being written?)");
    }
  }
  for (int i = 0; i < (*reader)->page_count(); ++i) {
    auto page = (*reader)->ReadPage(i);
    if (!page.ok()) return page.error();
  }
  return {};
}

FolderWatcher::FolderWatcher(fs::path dir, double settle_s)
    : FolderWatcher(std::move(dir), WatchOptions{.settle_s = settle_s}) {}

FolderWatcher::FolderWatcher(fs::path dir, const WatchOptions& options)
    : dir_(std::move(dir)), options_(options) {
  if (options_.settle_s < 0 || options_.give_up_s < options_.settle_s)
    throw std::invalid_argument("FolderWatcher: need 0 <= settle_s <= give_up_s");
}

int FolderWatcher::pending() const {
  return static_cast<int>(std::count_if(entries_.begin(), entries_.end(),
                                        [](const auto& e) { return !e.second.reported; }));
}

std::vector<fs::path> FolderWatcher::pending_files() const {
  std::vector<fs::path> out;
  for (const auto& [path, e] : entries_)
    if (!e.reported) out.push_back(path);
  return out;
}

std::vector<fs::path> FolderWatcher::Poll() { return PollAtForTesting(Clock::now()); }

std::vector<fs::path> FolderWatcher::PollAtForTesting(Clock::time_point now) {
  // 1. What is there now, with size and mtime.
  std::set<fs::path> seen;
  std::error_code ec;
  fs::recursive_directory_iterator it(dir_, fs::directory_options::skip_permission_denied, ec), end;
  for (; !ec && it != end; it.increment(ec)) {
    std::error_code fec;
    if (!it->is_regular_file(fec) || !IsScanName(it->path())) continue;
    const auto size = it->file_size(fec);
    if (fec) continue;  // vanished between listing and stat
    const auto mtime = it->last_write_time(fec);
    if (fec) continue;
    const fs::path& p = it->path();
    seen.insert(p);
    auto [e, inserted] = entries_.try_emplace(p);
    if (inserted || e->second.size != size || e->second.mtime != mtime) {
      // New, or (re)written since we last looked: the settle clock starts again.
      e->second = Entry{.size = size, .mtime = mtime, .stable_since = now, .next_try = now, .reported = false};
    }
  }
  if (ec) return {};  // the listing broke off midway: judge nothing on half a picture

  // 2. Forget files that went away (moved out, or deleted by the scanner software).
  for (auto e = entries_.begin(); e != entries_.end();)
    e = seen.count(e->first) ? std::next(e) : entries_.erase(e);

  // 3. Files stable for the settle time are complete once every page decodes.
  std::vector<fs::path> ready;
  for (auto& [path, e] : entries_) {
    if (e.reported || now - e.stable_since < Seconds(options_.settle_s)) continue;
    // Past the give-up time a file is handed over anyway: the pipeline records it as an
    // unreadable file with its reason, like any other bad file, so it is not lost.
    const bool give_up = now - e.stable_since >= Seconds(options_.give_up_s);
    if (!give_up && now < e.next_try) continue;
    if (give_up || CheckScanComplete(path).ok()) {
      e.reported = true;
      ready.push_back(path);
    } else {
      e.next_try = now + Seconds(kRetryInterval_s);
    }
  }
  return ready;  // std::map iteration order: already sorted by path
}

}  // namespace phieu::scanner
