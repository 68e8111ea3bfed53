// Copyright 2026 The Phiếu Authors
// SPDX-License-Identifier: Apache-2.0
// Pages straight from a scanner through libsane: open the device, set source/mode/resolution
// by option name, then sane_start/sane_read page after page until the feeder is empty.
#include <sane/sane.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <fstream>
#include <mutex>
#include <optional>
#include <string>
#include <system_error>
#include <vector>

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "reader_threads.h"
#include "scanner/acquire.h"

namespace phieu::scanner {
namespace {

using core::MakeError;
using core::Result;
using core::Status;

// libsane keeps global state (the dll backend's list of loaded backends), so every use is
// serialised here rather than exposed to callers.
std::mutex& SaneMutex() {
  static std::mutex mu;
  return mu;
}

// sane_init .. sane_exit for the length of one public call, so no device stays claimed.
class SaneSession {
 public:
  SaneSession() { status_ = sane_init(nullptr, nullptr); }
  ~SaneSession() {
    if (status_ == SANE_STATUS_GOOD) sane_exit();
  }
  SaneSession(const SaneSession&) = delete;
  SaneSession& operator=(const SaneSession&) = delete;
  SANE_Status status() const { return status_; }

 private:
  SANE_Status status_;
};

std::string Str(SANE_String_Const s) { return s ? std::string(s) : std::string(); }

std::string Lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

/// A clerk-readable sentence for the statuses a scanner really returns.
std::string Describe(SANE_Status status) {
  switch (status) {
    case SANE_STATUS_COVER_OPEN: return "the scanner cover is open";
    case SANE_STATUS_JAMMED: return "paper is jammed in the document feeder";
    case SANE_STATUS_NO_DOCS: return "the document feeder is empty (no documents)";
    case SANE_STATUS_DEVICE_BUSY: return "the device is busy (is another program using it?)";
    case SANE_STATUS_ACCESS_DENIED: return "access to the device was denied (check permissions)";
    case SANE_STATUS_IO_ERROR: return "input/output error talking to the device";
    case SANE_STATUS_NO_MEM: return "out of memory";
    case SANE_STATUS_CANCELLED: return "the scan was cancelled";
    default: return Str(sane_strstatus(status));
  }
}

core::Error DeviceError(const std::string& device, const std::string& what) {
  return MakeError("scanner", "scanner " + device + ": " + what);
}

// ---------------------------------------------------------------------------------------------
// Options by name.

struct Option {
  SANE_Int index = 0;
  const SANE_Option_Descriptor* desc = nullptr;
};

std::optional<Option> FindOption(SANE_Handle h, const char* name) {
  SANE_Int count = 0;
  // Option 0 always holds the number of options (SANE standard 4.3.7).
  if (sane_control_option(h, 0, SANE_ACTION_GET_VALUE, &count, nullptr) != SANE_STATUS_GOOD)
    return std::nullopt;
  for (SANE_Int i = 1; i < count; ++i) {
    const SANE_Option_Descriptor* d = sane_get_option_descriptor(h, i);
    if (d && d->name && std::strcmp(d->name, name) == 0) return Option{i, d};
  }
  return std::nullopt;
}

bool Settable(const Option& o) {
  return SANE_OPTION_IS_ACTIVE(o.desc->cap) && SANE_OPTION_IS_SETTABLE(o.desc->cap);
}

/// Picks the device's value for what the user typed: exact, then prefix ("Gray" ->
/// "Grayscale"), then initials ("ADF" -> "Automatic Document Feeder"), then substring
/// ("ADF" -> "Front ADF"); all case-insensitive. Returns -1 when nothing fits.
int MatchValue(const std::string& wanted, const std::vector<std::string>& values) {
  const std::string w = Lower(wanted);
  auto initials = [](const std::string& v) {
    std::string out;
    bool start = true;
    for (char c : v) {
      if (std::isalnum(static_cast<unsigned char>(c))) {
        if (start) out += c;
        start = false;
      } else {
        start = true;
      }
    }
    return out;
  };
  for (size_t i = 0; i < values.size(); ++i)
    if (Lower(values[i]) == w) return static_cast<int>(i);
  for (size_t i = 0; i < values.size(); ++i)
    if (Lower(values[i]).rfind(w, 0) == 0) return static_cast<int>(i);
  for (size_t i = 0; i < values.size(); ++i)
    if (w.size() >= 2 && Lower(initials(values[i])) == w) return static_cast<int>(i);
  for (size_t i = 0; i < values.size(); ++i)
    if (w.size() >= 2 && Lower(values[i]).find(w) != std::string::npos) return static_cast<int>(i);
  return -1;
}

std::string Join(const std::vector<std::string>& v) {
  std::string out;
  for (const auto& s : v) out += (out.empty() ? "\"" : ", \"") + s + "\"";
  return out;
}

Result<std::string> GetString(SANE_Handle h, const Option& o) {
  std::vector<char> buf(static_cast<size_t>(std::max<SANE_Int>(o.desc->size, 1)) + 1, '\0');
  if (sane_control_option(h, o.index, SANE_ACTION_GET_VALUE, buf.data(), nullptr) != SANE_STATUS_GOOD)
    return MakeError("scanner", std::string("cannot read option ") + o.desc->name);
  return std::string(buf.data());
}

/// Sets a string option from its list of allowed values; returns the value set.
Result<std::string> SetString(SANE_Handle h, const std::string& device, const char* name,
                              const std::string& wanted) {
  auto o = FindOption(h, name);
  if (!o) return DeviceError(device, std::string("has no \"") + name + "\" option");
  if (o->desc->type != SANE_TYPE_STRING)
    return DeviceError(device, std::string("option \"") + name + "\" is not a text option");
  if (!Settable(*o)) return DeviceError(device, std::string("option \"") + name + "\" cannot be set now");
  std::string value = wanted;
  if (o->desc->constraint_type == SANE_CONSTRAINT_STRING_LIST && o->desc->constraint.string_list) {
    std::vector<std::string> allowed;
    for (auto p = o->desc->constraint.string_list; *p; ++p) allowed.emplace_back(*p);
    int i = MatchValue(wanted, allowed);
    if (i < 0)
      return DeviceError(device, std::string(name) + " \"" + wanted + "\" is not offered; choose one of " +
                                     Join(allowed));
    value = allowed[static_cast<size_t>(i)];
  }
  std::vector<char> buf(static_cast<size_t>(std::max<SANE_Int>(o->desc->size, 1)) + 1, '\0');
  std::memcpy(buf.data(), value.data(), std::min(value.size(), buf.size() - 1));
  SANE_Int info = 0;
  SANE_Status st = sane_control_option(h, o->index, SANE_ACTION_SET_VALUE, buf.data(), &info);
  if (st != SANE_STATUS_GOOD)
    return DeviceError(device, "cannot set " + std::string(name) + " to \"" + value + "\" (" + Describe(st) + ")");
  // Descriptors may have changed (SANE_INFO_RELOAD_OPTIONS): look the option up again.
  auto again = FindOption(h, name);
  if (!again) return value;
  auto now = GetString(h, *again);
  return now.ok() ? *now : value;
}

/// Sets a numeric option (SANE_TYPE_INT or SANE_TYPE_FIXED) to the allowed value nearest to
/// `wanted`; returns the value the device reports afterwards. nullopt when the device has no
/// such settable option.
Result<std::optional<double>> SetNumber(SANE_Handle h, const std::string& device, const char* name,
                                        double wanted) {
  auto o = FindOption(h, name);
  if (!o || !Settable(*o)) return std::optional<double>();
  const SANE_Option_Descriptor* d = o->desc;
  if (d->type != SANE_TYPE_INT && d->type != SANE_TYPE_FIXED)
    return DeviceError(device, std::string("option \"") + name + "\" is not numeric");
  const bool fixed = d->type == SANE_TYPE_FIXED;
  auto to_double = [&](SANE_Word w) { return fixed ? SANE_UNFIX(w) : static_cast<double>(w); };
  auto to_word = [&](double v) {
    return fixed ? SANE_FIX(v) : static_cast<SANE_Word>(std::lround(v));
  };
  double value = wanted;
  if (d->constraint_type == SANE_CONSTRAINT_RANGE && d->constraint.range) {
    const SANE_Range* r = d->constraint.range;
    double lo = to_double(r->min), hi = to_double(r->max), q = to_double(r->quant);
    value = std::clamp(value, lo, hi);
    if (q > 0) value = std::clamp(lo + std::round((value - lo) / q) * q, lo, hi);
  } else if (d->constraint_type == SANE_CONSTRAINT_WORD_LIST && d->constraint.word_list) {
    // word_list[0] is the number of entries that follow.
    const SANE_Word* list = d->constraint.word_list;
    double best = to_double(list[1]);
    for (SANE_Word i = 1; i <= list[0]; ++i)
      if (std::abs(to_double(list[i]) - wanted) < std::abs(best - wanted)) best = to_double(list[i]);
    if (list[0] > 0) value = best;
  }
  // Array options (some backends make resolution a pair) get the same value in every slot.
  const size_t n = std::max<size_t>(1, static_cast<size_t>(d->size) / sizeof(SANE_Word));
  std::vector<SANE_Word> words(n, to_word(value));
  SANE_Int info = 0;
  SANE_Status st = sane_control_option(h, o->index, SANE_ACTION_SET_VALUE, words.data(), &info);
  if (st != SANE_STATUS_GOOD)
    return DeviceError(device, "cannot set " + std::string(name) + " to " + std::to_string(value) + " (" +
                                   Describe(st) + ")");
  if (sane_control_option(h, o->index, SANE_ACTION_GET_VALUE, words.data(), nullptr) == SANE_STATUS_GOOD)
    value = to_double(words[0]);
  return std::optional<double>(value);
}

bool IsFeeder(const std::string& source) {
  const std::string s = Lower(source);
  return s.find("adf") != std::string::npos || s.find("feeder") != std::string::npos ||
         s.find("duplex") != std::string::npos || s.find("automatic document") != std::string::npos;
}

// ---------------------------------------------------------------------------------------------
// Frames -> 8-bit gray.

Result<cv::Mat> ToGray(const std::string& device, const SANE_Parameters& p,
                       const std::vector<unsigned char>& data, int lines) {
  const int w = p.pixels_per_line;
  const size_t bpl = static_cast<size_t>(p.bytes_per_line);
  cv::Mat out(lines, w, CV_8UC1);
  for (int y = 0; y < lines; ++y) {
    const unsigned char* row = data.data() + bpl * static_cast<size_t>(y);
    unsigned char* dst = out.ptr<unsigned char>(y);
    if (p.format == SANE_FRAME_GRAY && p.depth == 1) {
      // SANE line art: MSB first, and 1 means black (the reverse of TIFF MINISBLACK).
      for (int x = 0; x < w; ++x) dst[x] = ((row[x >> 3] >> (7 - (x & 7))) & 1) ? 0 : 255;
    } else if (p.format == SANE_FRAME_GRAY && p.depth == 8) {
      std::memcpy(dst, row, static_cast<size_t>(w));
    } else if (p.format == SANE_FRAME_GRAY && p.depth == 16) {
      // 16-bit samples come in host byte order.
      for (int x = 0; x < w; ++x) {
        uint16_t v;
        std::memcpy(&v, row + 2 * x, 2);
        dst[x] = static_cast<unsigned char>(v >> 8);
      }
    } else if (p.format == SANE_FRAME_RGB && (p.depth == 8 || p.depth == 16)) {
      for (int x = 0; x < w; ++x) {
        unsigned rgb[3];
        for (int c = 0; c < 3; ++c) {
          if (p.depth == 8) {
            rgb[c] = row[3 * x + c];
          } else {
            uint16_t v;
            std::memcpy(&v, row + 2 * (3 * x + c), 2);
            rgb[c] = v >> 8;
          }
        }
        // ITU-R BT.601 luma, as cv::cvtColor and the TIFF reader use.
        dst[x] = static_cast<unsigned char>((299 * rgb[0] + 587 * rgb[1] + 114 * rgb[2] + 500) / 1000);
      }
    } else {
      return DeviceError(device, "unsupported " + std::to_string(p.depth) + "-bit " +
                                     (p.format == SANE_FRAME_RGB ? "colour" : "gray") + " frames");
    }
  }
  return out;
}

/// Reads one page after a successful sane_start; `readers` marked right before it.
Result<cv::Mat> ReadPage(SANE_Handle h, const std::string& device, int page_number, const ReaderThreads& readers) {
  const std::string page = "page " + std::to_string(page_number);
  SANE_Parameters p{};
  SANE_Status st = sane_get_parameters(h, &p);
  if (st != SANE_STATUS_GOOD) return DeviceError(device, page + ": cannot get the image size (" + Describe(st) + ")");
  if (p.format == SANE_FRAME_RED || p.format == SANE_FRAME_GREEN || p.format == SANE_FRAME_BLUE || !p.last_frame)
    return DeviceError(device, "three-pass colour scanning (one frame per colour) is not supported; "
                               "use --mode Gray or a single-pass colour mode");
  if (p.format != SANE_FRAME_GRAY && p.format != SANE_FRAME_RGB)
    return DeviceError(device, "unsupported frame format " + std::to_string(static_cast<int>(p.format)) +
                                   " (only gray and RGB are read)");
  if (p.pixels_per_line <= 0 || p.bytes_per_line <= 0)
    return DeviceError(device, page + ": the device reports an empty image");
  const size_t min_bpl = p.format == SANE_FRAME_RGB ? size_t(p.pixels_per_line) * 3 * (p.depth / 8)
                         : p.depth == 1             ? (size_t(p.pixels_per_line) + 7) / 8
                                                    : size_t(p.pixels_per_line) * (p.depth / 8);
  if (static_cast<size_t>(p.bytes_per_line) < min_bpl)
    return DeviceError(device, page + ": inconsistent line size from the device");

  std::vector<unsigned char> data;
  const size_t expected = p.lines > 0 ? static_cast<size_t>(p.bytes_per_line) * static_cast<size_t>(p.lines) : 0;
  data.reserve(expected);
  // The read that takes a frame's last byte is where a sanei_thread backend cancels its
  // reader (see reader_threads.h). Stop one byte short, let the reader finish, then take it.
  bool held_back = expected < 2;
  std::array<unsigned char, 64 * 1024> buf;
  for (;;) {
    size_t want = buf.size();
    if (!held_back) {
      if (data.size() + 1 == expected) {
        readers.Settle();
        held_back = true;
      } else {
        want = std::min(want, expected - 1 - data.size());
      }
    }
    SANE_Int len = 0;
    st = sane_read(h, buf.data(), static_cast<SANE_Int>(want), &len);
    if (st == SANE_STATUS_EOF) break;
    if (st != SANE_STATUS_GOOD) return DeviceError(device, page + ": " + Describe(st));
    data.insert(data.end(), buf.begin(), buf.begin() + len);
  }
  // Hand scanners report lines = -1; a short read means the device stopped early.
  int lines = static_cast<int>(data.size() / static_cast<size_t>(p.bytes_per_line));
  if (p.lines > 0) lines = std::min(lines, p.lines);
  if (lines <= 0) return DeviceError(device, page + ": the device sent no image data");
  return ToGray(device, p, data, lines);
}

class DeviceHandle {
 public:
  explicit DeviceHandle(SANE_Handle h) : h_(h) {}
  ~DeviceHandle() {
    if (h_) {
      // Stopped mid-frame (an error, a full disk): sane_cancel cancels a reader that may still
      // be running. Let it finish or block first (see reader_threads.h).
      readers_.Settle();
      sane_cancel(h_);
      sane_close(h_);
    }
  }
  /// Call right before each sane_start.
  const ReaderThreads& MarkReaders() {
    readers_.Mark();
    return readers_;
  }
  DeviceHandle(const DeviceHandle&) = delete;
  DeviceHandle& operator=(const DeviceHandle&) = delete;
  SANE_Handle get() const { return h_; }

 private:
  SANE_Handle h_;
  ReaderThreads readers_;
};

bool DeviceExists(const std::string& name) {
  const SANE_Device** list = nullptr;
  if (sane_get_devices(&list, SANE_FALSE) != SANE_STATUS_GOOD || !list) return false;
  for (; *list; ++list)
    if (name == Str((*list)->name)) return true;
  return false;
}

// ---------------------------------------------------------------------------------------------
// PNG with a resolution.

uint32_t Crc32(const unsigned char* p, size_t n) {
  static const std::array<uint32_t, 256> table = [] {
    std::array<uint32_t, 256> t{};
    for (uint32_t i = 0; i < 256; ++i) {
      uint32_t c = i;
      for (int k = 0; k < 8; ++k) c = (c & 1) ? 0xEDB88320u ^ (c >> 1) : c >> 1;
      t[i] = c;
    }
    return t;
  }();
  uint32_t c = 0xFFFFFFFFu;
  for (size_t i = 0; i < n; ++i) c = table[(c ^ p[i]) & 0xFF] ^ (c >> 8);
  return c ^ 0xFFFFFFFFu;
}

void PutBe32(unsigned char* p, uint32_t v) {
  p[0] = static_cast<unsigned char>(v >> 24);
  p[1] = static_cast<unsigned char>(v >> 16);
  p[2] = static_cast<unsigned char>(v >> 8);
  p[3] = static_cast<unsigned char>(v);
}

}  // namespace

core::Result<std::vector<ScannerDevice>> ListScanners() {
  std::lock_guard lock(SaneMutex());
  SaneSession session;
  if (session.status() != SANE_STATUS_GOOD)
    return MakeError("scanner", "cannot initialise SANE (" + Describe(session.status()) + ")");
  const SANE_Device** list = nullptr;
  SANE_Status st = sane_get_devices(&list, SANE_FALSE);
  if (st != SANE_STATUS_GOOD) return MakeError("scanner", "cannot list scanners (" + Describe(st) + ")");
  std::vector<ScannerDevice> out;
  for (; list && *list; ++list)
    out.push_back({.name = Str((*list)->name), .vendor = Str((*list)->vendor),
                   .model = Str((*list)->model), .type = Str((*list)->type)});
  return out;
}

core::Result<AcquireReport> AcquirePages(const AcquireOptions& options, const PageSink& on_page) {
  const std::string& dev = options.device;
  if (dev.empty()) return MakeError("usage", "no scanner device given (run `phieu scanners` to list them)");
  if (!on_page) throw std::invalid_argument("AcquirePages: on_page is empty");
  std::lock_guard lock(SaneMutex());
  SaneSession session;
  if (session.status() != SANE_STATUS_GOOD)
    return MakeError("scanner", "cannot initialise SANE (" + Describe(session.status()) + ")");

  SANE_Handle raw = nullptr;
  SANE_Status st = sane_open(dev.c_str(), &raw);
  if (st != SANE_STATUS_GOOD || !raw) {
    // Backends answer an unknown name with INVAL or IO_ERROR; say what the clerk can act on.
    if (st == SANE_STATUS_INVAL || !DeviceExists(dev))
      return DeviceError(dev, "no such device (run `phieu scanners` to list them)");
    return DeviceError(dev, "cannot open (" + Describe(st) + ")");
  }
  DeviceHandle handle(raw);
  SANE_Handle h = handle.get();

  // Source first: it can change which modes and resolutions are offered.
  std::string source;
  if (!options.source.empty()) {
    auto set = SetString(h, dev, "source", options.source);
    if (!set.ok()) return set.error();
    source = *set;
  } else if (auto o = FindOption(h, "source")) {
    auto now = GetString(h, *o);
    if (now.ok()) source = *now;
  }
  if (!options.mode.empty() && FindOption(h, "mode")) {
    auto set = SetString(h, dev, "mode", options.mode);
    if (!set.ok()) return set.error();
  }
  if (options.depth > 0) {
    auto set = SetNumber(h, dev, "depth", options.depth);
    if (!set.ok()) return set.error();
  }
  double dpi = 0.0;
  if (options.dpi > 0) {
    auto set = SetNumber(h, dev, "resolution", options.dpi);
    if (!set.ok()) return set.error();
    if (set->has_value()) dpi = **set;
  }

  // A flatbed (or a device without sources) rescans the same glass forever: one page.
  const bool feeder = IsFeeder(source);
  const int limit = options.max_pages > 0 ? options.max_pages : (feeder ? 0 : 1);
  AcquireReport report{.source = source, .dpi = dpi};
  int& pages = report.pages;
  while (limit == 0 || pages < limit) {
    if (options.stop && options.stop->load()) {
      report.stopped = true;
      break;
    }
    const ReaderThreads& readers = handle.MarkReaders();
    st = sane_start(h);
    if (st == SANE_STATUS_NO_DOCS) {
      // The feeder ran out: the normal end of a batch, unless it was empty from the start.
      if (pages == 0) return DeviceError(dev, Describe(st));
      report.feeder_empty = true;
      break;
    }
    if (st != SANE_STATUS_GOOD) {
      std::string when = pages > 0 ? " after " + std::to_string(pages) + " page(s)" : "";
      return DeviceError(dev, Describe(st) + when);
    }
    auto image = ReadPage(h, dev, pages + 1, readers);
    if (!image.ok()) return image.error();
    ++pages;
    auto handed = on_page(std::move(*image), dpi);
    if (!handed.ok()) return handed.error();
  }
  return report;
}

core::Status WriteScanPng(const std::filesystem::path& path, const cv::Mat& gray, double dpi,
                          const std::string& source_note) {
  if (gray.empty() || gray.type() != CV_8UC1) throw std::invalid_argument("WriteScanPng: expects CV_8UC1");
  std::vector<unsigned char> png;
  try {
    // Level 3: scans are written once and kept forever; a bit more effort than OpenCV's
    // default of 1 saves about a fifth of the disk at little cost.
    if (!cv::imencode(".png", gray, png, {cv::IMWRITE_PNG_COMPRESSION, 3}))
      return MakeError("io", path.string() + ": cannot encode PNG");
  } catch (const cv::Exception& e) {
    return MakeError("io", path.string() + ": cannot encode PNG (" + e.what() + ")");
  }
  // IHDR is always the first chunk (8-byte signature + 25-byte chunk): pHYs goes right after.
  constexpr size_t kAfterIhdr = 8 + 25;
  if (dpi > 0 && png.size() > kAfterIhdr) {
    unsigned char chunk[21];
    PutBe32(chunk, 9);
    std::memcpy(chunk + 4, "pHYs", 4);
    const uint32_t ppm = static_cast<uint32_t>(std::lround(dpi / 0.0254));
    PutBe32(chunk + 8, ppm);
    PutBe32(chunk + 12, ppm);
    chunk[16] = 1;  // unit: metre
    PutBe32(chunk + 17, Crc32(chunk + 4, 13));
    png.insert(png.begin() + kAfterIhdr, chunk, chunk + sizeof chunk);
  }
  if (!source_note.empty() && png.size() > kAfterIhdr) {
    // tEXt: keyword, NUL, text. Our notes are ASCII; a NUL inside would end the text early.
    std::string payload = std::string("Source") + '\0' + source_note.substr(0, source_note.find('\0'));
    std::vector<unsigned char> chunk(12 + payload.size());
    PutBe32(chunk.data(), static_cast<uint32_t>(payload.size()));
    std::memcpy(chunk.data() + 4, "tEXt", 4);
    std::memcpy(chunk.data() + 8, payload.data(), payload.size());
    PutBe32(chunk.data() + 8 + payload.size(), Crc32(chunk.data() + 4, 4 + payload.size()));
    png.insert(png.begin() + kAfterIhdr, chunk.begin(), chunk.end());
  }
  // Written under a name no watcher or folder scan picks up, then renamed into place.
  std::filesystem::path tmp = path;
  tmp += ".part";
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    if (!out) return MakeError("io", tmp.string() + ": cannot create file");
    out.write(reinterpret_cast<const char*>(png.data()), static_cast<std::streamsize>(png.size()));
    out.close();
    if (!out) {
      std::error_code ec;
      std::filesystem::remove(tmp, ec);
      return MakeError("io", path.string() + ": write failed (disk full?)");
    }
  }
  std::error_code ec;
  std::filesystem::rename(tmp, path, ec);
  if (ec) return MakeError("io", path.string() + ": cannot rename into place (" + ec.message() + ")");
  return {};
}

}  // namespace phieu::scanner
