// Copyright 2026 The Phiếu Authors
// SPDX-License-Identifier: Apache-2.0
// A deliberately small PDF reader: cross-reference table, page tree, one page's resources and
// content stream. It only has to recognise the scanner case (one image painted over the page)
// and say "render it" for everything else, so any surprise is a fallback, never an error.
#include "pdf_pages.h"

#include <opencv2/imgproc.hpp>
#include <zlib.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <cmath>
#include <cstring>
#include <fstream>
#include <map>
#include <set>
#include <string>

namespace phieu::scanner {
namespace {

namespace fs = std::filesystem;

// Bounds that keep a hostile or broken file cheap: objects we parse are small dictionaries,
// the content stream of a scanned page is a few dozen bytes.
constexpr size_t kMaxObjectBytes = 4u << 20;
constexpr size_t kMaxContentBytes = 64u << 10;
constexpr int kMaxTreeDepth = 64;
constexpr int kMaxPages = 100000;
constexpr int kMaxXrefSections = 64;

struct Obj {
  enum Type { kNull, kBool, kNum, kName, kString, kArray, kDict, kRef, kKeyword };
  Type type = kNull;
  double num = 0;
  bool flag = false;
  std::string str;  // name (without '/'), string bytes, keyword
  int ref = 0;      // object number of a reference
  std::vector<Obj> items;        // array items, or dictionary values
  std::vector<std::string> keys; // dictionary keys, parallel to items

  const Obj* Get(const char* key) const {
    if (type != kDict) return nullptr;
    for (size_t i = 0; i < keys.size(); ++i)
      if (keys[i] == key) return &items[i];
    return nullptr;
  }
  bool IsName(const char* name) const { return type == kName && str == name; }
  bool IsInt() const { return type == kNum && num == std::floor(num); }
};

bool IsWhite(char c) { return c == ' ' || c == '\n' || c == '\r' || c == '\t' || c == '\f' || c == '\0'; }
bool IsDelim(char c) { return std::strchr("()<>[]{}/%", c) != nullptr && c != '\0'; }
bool IsRegular(char c) { return !IsWhite(c) && !IsDelim(c); }

/// Tokenises and parses PDF objects from a byte range. Running off the end sets `truncated`
/// (the caller reads more and retries); anything malformed sets `bad`.
class Parser {
 public:
  Parser(const char* begin, const char* end) : p_(begin), begin_(begin), end_(end) {}
  bool truncated = false;
  bool bad = false;

  size_t pos() const { return static_cast<size_t>(p_ - begin_); }
  bool AtEnd() {
    SkipWhite();
    return p_ >= end_;
  }

  void SkipWhite() {
    while (p_ < end_) {
      if (IsWhite(*p_)) {
        ++p_;
      } else if (*p_ == '%') {
        while (p_ < end_ && *p_ != '\n' && *p_ != '\r') ++p_;
      } else {
        break;
      }
    }
  }

  /// Next object; references "n g R" are folded into one kRef.
  Obj Next(int depth = 0) {
    Obj o;
    SkipWhite();
    if (p_ >= end_) return Truncated();
    if (depth > 32) return Bad();
    char c = *p_;
    if (c == '/') {
      ++p_;
      o.type = Obj::kName;
      while (p_ < end_ && IsRegular(*p_)) {
        if (*p_ == '#' && end_ - p_ >= 3 && std::isxdigit(static_cast<unsigned char>(p_[1])) &&
            std::isxdigit(static_cast<unsigned char>(p_[2]))) {
          o.str += static_cast<char>(std::strtol(std::string(p_ + 1, 2).c_str(), nullptr, 16));
          p_ += 3;
        } else {
          o.str += *p_++;
        }
      }
      return o;
    }
    if (c == '(') return LiteralString();
    if (c == '<') {
      if (p_ + 1 >= end_) return Truncated();
      if (p_[1] == '<') return Dictionary(depth);
      ++p_;
      o.type = Obj::kString;
      while (p_ < end_ && *p_ != '>') ++p_;
      if (p_ >= end_) return Truncated();
      ++p_;
      return o;
    }
    if (c == '[') {
      ++p_;
      o.type = Obj::kArray;
      while (true) {
        SkipWhite();
        if (p_ >= end_) return Truncated();
        if (*p_ == ']') {
          ++p_;
          return o;
        }
        o.items.push_back(Next(depth + 1));
        if (truncated || bad) return o;
      }
    }
    if (c == '+' || c == '-' || c == '.' || (c >= '0' && c <= '9')) return Number();
    if (IsRegular(c)) {
      o.type = Obj::kKeyword;
      while (p_ < end_ && IsRegular(*p_)) o.str += *p_++;
      if (p_ >= end_) return Truncated();  // a keyword may continue in the next chunk
      if (o.str == "true" || o.str == "false") {
        o.type = Obj::kBool;
        o.flag = o.str == "true";
      } else if (o.str == "null") {
        o.type = Obj::kNull;
      }
      return o;
    }
    return Bad();  // ')', '>' or '{' out of place
  }

  /// After a stream dictionary: the offset of the data (past "stream" and its end of line).
  bool StreamStart(size_t* data_pos) {
    SkipWhite();
    if (end_ - p_ < 8) {
      truncated = true;
      return false;
    }
    if (std::strncmp(p_, "stream", 6) != 0) return false;
    p_ += 6;
    if (*p_ == '\r') ++p_;
    if (p_ < end_ && *p_ == '\n') ++p_;
    *data_pos = pos();
    return true;
  }

 private:
  Obj Truncated() {
    truncated = true;
    return {};
  }
  Obj Bad() {
    bad = true;
    return {};
  }

  Obj Number() {
    Obj o;
    o.type = Obj::kNum;
    const char* s = p_;
    while (p_ < end_ && (std::isdigit(static_cast<unsigned char>(*p_)) || *p_ == '.' || *p_ == '-' ||
                         *p_ == '+'))
      ++p_;
    if (p_ >= end_) return Truncated();
    o.num = std::strtod(std::string(s, p_).c_str(), nullptr);
    if (!o.IsInt() || o.num < 0) return o;
    // "12 0 R": look ahead without consuming unless it really is a reference.
    const char* q = p_;
    while (q < end_ && IsWhite(*q)) ++q;
    const char* g = q;
    while (q < end_ && std::isdigit(static_cast<unsigned char>(*q))) ++q;
    if (q == g) return q >= end_ ? Truncated() : o;
    while (q < end_ && IsWhite(*q)) ++q;
    if (q + 1 >= end_) return Truncated();
    if (*q == 'R' && !IsRegular(q[1])) {
      o.type = Obj::kRef;
      o.ref = static_cast<int>(o.num);
      p_ = q + 1;
    }
    return o;
  }

  Obj LiteralString() {
    Obj o;
    o.type = Obj::kString;
    ++p_;
    int nest = 1;
    while (p_ < end_) {
      char c = *p_++;
      if (c == '\\') {
        if (p_ < end_) o.str += *p_++;
      } else if (c == '(') {
        ++nest;
        o.str += c;
      } else if (c == ')') {
        if (--nest == 0) return o;
        o.str += c;
      } else {
        o.str += c;
      }
    }
    return Truncated();
  }

  Obj Dictionary(int depth) {
    Obj o;
    o.type = Obj::kDict;
    p_ += 2;
    while (true) {
      SkipWhite();
      if (end_ - p_ < 2) return Truncated();
      if (p_[0] == '>' && p_[1] == '>') {
        p_ += 2;
        return o;
      }
      Obj key = Next(depth + 1);
      if (truncated || bad) return o;
      if (key.type != Obj::kName) return Bad();
      Obj value = Next(depth + 1);
      if (truncated || bad) return o;
      o.keys.push_back(std::move(key.str));
      o.items.push_back(std::move(value));
    }
  }

  const char* p_;
  const char* begin_;
  const char* end_;
};

/// An indirect object: its value and, for a stream, where its data starts.
struct Indirect {
  Obj value;
  bool is_stream = false;
  std::uint64_t data_offset = 0;
};

class PdfFile {
 public:
  explicit PdfFile(const fs::path& path) : in_(path, std::ios::binary) {
    if (in_) {
      in_.seekg(0, std::ios::end);
      size_ = static_cast<std::uint64_t>(std::max<std::streamoff>(0, in_.tellg()));
    }
  }

  bool ReadXref() {
    if (!in_ || size_ < 32) return false;
    const std::uint64_t tail_at = size_ > 1024 ? size_ - 1024 : 0;
    std::string tail = Read(tail_at, static_cast<size_t>(size_ - tail_at));
    size_t sx = tail.rfind("startxref");
    if (sx == std::string::npos) return false;
    std::uint64_t at = std::strtoull(tail.c_str() + sx + 9, nullptr, 10);
    std::set<std::uint64_t> seen;
    for (int section = 0; section < kMaxXrefSections; ++section) {
      if (at == 0 || at >= size_ || !seen.insert(at).second) return false;
      Obj trailer;
      if (!ReadXrefSection(at, &trailer)) return false;
      if (section == 0) trailer_ = trailer;
      // Hybrid files list compressed objects in /XRefStm: beyond this reader if we need them
      // (a missing object then makes the page fall back), harmless otherwise.
      const Obj* prev = trailer.Get("Prev");
      if (!prev || !prev->IsInt()) break;
      at = static_cast<std::uint64_t>(prev->num);
    }
    return trailer_.Get("Root") != nullptr && trailer_.Get("Encrypt") == nullptr;
  }

  const Obj& trailer() const { return trailer_; }

  /// Loads object `num`; nullptr when absent or unreadable.
  const Indirect* Load(int num) {
    auto cached = cache_.find(num);
    if (cached != cache_.end()) return &cached->second;
    auto it = offsets_.find(num);
    if (it == offsets_.end() || it->second == 0 || it->second >= size_) return nullptr;
    for (size_t want = 8192; want <= kMaxObjectBytes; want *= 4) {
      std::string buf = Read(it->second, want);
      Parser parser(buf.data(), buf.data() + buf.size());
      Obj n = parser.Next(), g = parser.Next(), kw = parser.Next();
      if (!parser.truncated && !parser.bad &&
          !(n.IsInt() && n.num == num && g.IsInt() && kw.type == Obj::kKeyword && kw.str == "obj"))
        return nullptr;  // the table points somewhere else: a damaged file
      Indirect obj;
      if (!parser.truncated && !parser.bad) obj.value = parser.Next();
      size_t data = 0;
      if (!parser.truncated && !parser.bad && obj.value.type == Obj::kDict) {
        obj.is_stream = parser.StreamStart(&data);
        obj.data_offset = it->second + data;
      }
      if (parser.bad) return nullptr;
      if (parser.truncated) {
        if (buf.size() < want) return nullptr;  // hit the end of the file
        continue;
      }
      return &cache_.emplace(num, std::move(obj)).first->second;
    }
    return nullptr;
  }

  /// Follows references (a few levels) to a direct value; nullptr when broken.
  const Obj* Resolve(const Obj* o) {
    for (int hop = 0; o && o->type == Obj::kRef && hop < 8; ++hop) {
      const Indirect* ind = Load(o->ref);
      o = ind ? &ind->value : nullptr;
    }
    return o && o->type != Obj::kRef ? o : nullptr;
  }

  std::string Read(std::uint64_t at, size_t n) {
    std::string buf;
    if (at >= size_) return buf;
    n = static_cast<size_t>(std::min<std::uint64_t>(n, size_ - at));
    buf.resize(n);
    in_.clear();
    in_.seekg(static_cast<std::streamoff>(at));
    in_.read(buf.data(), static_cast<std::streamsize>(n));
    buf.resize(static_cast<size_t>(std::max<std::streamsize>(0, in_.gcount())));
    return buf;
  }

  std::uint64_t size() const { return size_; }

 private:
  bool ReadXrefSection(std::uint64_t at, Obj* trailer) {
    for (size_t want = 64u << 10;; want *= 4) {
      std::string buf = Read(at, want);
      const bool whole = buf.size() < want;
      if (buf.compare(0, 4, "xref") != 0) return false;  // a cross-reference stream
      Parser parser(buf.data() + 4, buf.data() + buf.size());
      std::map<int, std::uint64_t> found;
      bool ok = true, truncated = false;
      while (true) {
        Obj first = parser.Next();
        if (parser.truncated) {
          truncated = true;
          break;
        }
        if (first.type == Obj::kKeyword && first.str == "trailer") {
          *trailer = parser.Next();
          truncated = parser.truncated;
          ok = !parser.bad && trailer->type == Obj::kDict;
          break;
        }
        Obj count = parser.Next();
        if (parser.truncated) {
          truncated = true;
          break;
        }
        if (!first.IsInt() || !count.IsInt() || count.num < 0 || count.num > 10'000'000) {
          ok = false;
          break;
        }
        for (int i = 0; i < static_cast<int>(count.num) && ok && !truncated; ++i) {
          Obj off = parser.Next(), gen = parser.Next(), type = parser.Next();
          if (parser.truncated) {
            truncated = true;
          } else if (!off.IsInt() || !gen.IsInt() || type.type != Obj::kKeyword) {
            ok = false;
          } else {
            found[static_cast<int>(first.num) + i] =
                type.str == "n" ? static_cast<std::uint64_t>(off.num) : 0;  // "f": freed
          }
        }
        if (!ok || truncated) break;
      }
      if (!ok) return false;
      if (truncated) {
        if (whole || want >= kMaxObjectBytes * 16) return false;
        continue;
      }
      // Newer sections come first; an object they list (or free) hides older entries.
      for (const auto& [num, off] : found) offsets_.emplace(num, off);
      return true;
    }
  }

  std::ifstream in_;
  std::uint64_t size_ = 0;
  Obj trailer_;
  std::map<int, std::uint64_t> offsets_;
  std::map<int, Indirect> cache_;
};

/// Number value of a direct or referenced object.
std::optional<double> NumberOf(PdfFile& pdf, const Obj* o) {
  o = pdf.Resolve(o);
  if (!o || o->type != Obj::kNum) return std::nullopt;
  return o->num;
}

/// The single filter name of a stream (a one-element array counts), "" for none, "?" for more.
std::string SingleFilter(PdfFile& pdf, const Obj& dict) {
  const Obj* f = pdf.Resolve(dict.Get("Filter"));
  if (!dict.Get("Filter")) return "";
  if (!f) return "?";
  if (f->type == Obj::kName) return f->str;
  if (f->type == Obj::kArray && f->items.size() == 1 && f->items[0].type == Obj::kName)
    return f->items[0].str;
  if (f->type == Obj::kArray && f->items.empty()) return "";
  return "?";
}

/// Stream parameters (/DecodeParms), direct or as a one-element array; null when absent.
const Obj* DecodeParms(PdfFile& pdf, const Obj& dict) {
  const Obj* p = pdf.Resolve(dict.Get("DecodeParms"));
  if (p && p->type == Obj::kArray) p = p->items.size() == 1 ? pdf.Resolve(&p->items[0]) : nullptr;
  return p && p->type == Obj::kDict ? p : nullptr;
}

/// The decoded bytes of a content stream (none or Flate, no predictor), appended to `out`.
bool AppendContent(PdfFile& pdf, const Obj* ref, std::string& out) {
  if (!ref || ref->type != Obj::kRef) return false;
  const Indirect* s = pdf.Load(ref->ref);
  if (!s || !s->is_stream) return false;
  auto length = NumberOf(pdf, s->value.Get("Length"));
  if (!length || *length < 0 || *length > kMaxContentBytes) return false;
  std::string raw = pdf.Read(s->data_offset, static_cast<size_t>(*length));
  if (raw.size() != static_cast<size_t>(*length)) return false;
  const std::string filter = SingleFilter(pdf, s->value);
  if (filter.empty()) {
    out += raw;
  } else if (filter == "FlateDecode" || filter == "Fl") {
    if (const Obj* parms = DecodeParms(pdf, s->value)) {
      auto predictor = NumberOf(pdf, parms->Get("Predictor"));
      if (predictor && *predictor > 1) return false;
    }
    z_stream z{};
    if (inflateInit(&z) != Z_OK) return false;
    z.next_in = reinterpret_cast<Bytef*>(raw.data());
    z.avail_in = static_cast<uInt>(raw.size());
    std::string inflated(kMaxContentBytes, '\0');
    z.next_out = reinterpret_cast<Bytef*>(inflated.data());
    z.avail_out = static_cast<uInt>(inflated.size());
    int rc = inflate(&z, Z_FINISH);
    const size_t produced = inflated.size() - z.avail_out;
    inflateEnd(&z);
    if (rc != Z_STREAM_END) return false;  // corrupt, or too big to be a lone image
    out.append(inflated.data(), produced);
  } else {
    return false;
  }
  out += '\n';
  return true;
}

/// A graphics-state dictionary that cannot change how an opaque image looks.
bool HarmlessExtGState(PdfFile& pdf, const Obj* gs) {
  gs = pdf.Resolve(gs);
  if (!gs || gs->type != Obj::kDict) return false;
  static const std::set<std::string> kIgnored = {"Type", "LW", "LC", "LJ", "ML", "D", "RI", "FL",
                                                 "SM", "SA", "OP", "op", "OPM", "AIS", "TK"};
  for (size_t i = 0; i < gs->keys.size(); ++i) {
    const std::string& k = gs->keys[i];
    const Obj* v = pdf.Resolve(&gs->items[i]);
    if (kIgnored.count(k)) {
      if (k == "AIS" && v && v->type == Obj::kBool && v->flag) return false;
      continue;
    }
    if ((k == "CA" || k == "ca") && v && v->type == Obj::kNum && v->num == 1) continue;
    if (k == "BM" && v && (v->IsName("Normal") || v->IsName("Compatible"))) continue;
    if (k == "SMask" && v && v->IsName("None")) continue;
    return false;
  }
  return true;
}

using Matrix = std::array<double, 6>;  // PDF [a b c d e f]

Matrix Multiply(const Matrix& m, const Matrix& ctm) {  // m then ctm
  return {m[0] * ctm[0] + m[1] * ctm[2],        m[0] * ctm[1] + m[1] * ctm[3],
          m[2] * ctm[0] + m[3] * ctm[2],        m[2] * ctm[1] + m[3] * ctm[3],
          m[4] * ctm[0] + m[5] * ctm[2] + ctm[4], m[4] * ctm[1] + m[5] * ctm[3] + ctm[5]};
}

/// Runs the page's content stream and returns the one image name it paints and the matrix
/// it paints it with. Any operator that would put something else on the page fails.
bool LoneImagePaint(PdfFile& pdf, const std::string& content, const Obj* ext_gstates,
                    const std::array<double, 4>& box, std::string* name, Matrix* at) {
  // Operators that only set state an opaque image ignores (colours, line style, marked
  // content, compatibility sections).
  static const std::set<std::string> kStateOnly = {
      "w", "J", "j", "M", "d", "ri", "i", "g", "G", "rg", "RG", "k", "K", "cs", "CS", "sc",
      "SC", "scn", "SCN", "BX", "EX", "MP", "DP", "BMC", "BDC", "EMC"};
  Parser parser(content.data(), content.data() + content.size());
  std::vector<Obj> operands;
  std::vector<Matrix> stack;
  Matrix ctm = {1, 0, 0, 1, 0, 0};
  int painted = 0;
  // A clip is allowed when it is a rectangle covering the page box: cairo, for one, clips to
  // the box rounded down to whole points, which at most hides a pixel or two of paper.
  enum class Path { kNone, kRect, kClip } path = Path::kNone;
  bool rect_covers_page = false;
  while (!parser.AtEnd()) {
    // The content ends with a newline (AppendContent), so a complete stream never runs out
    // mid-token.
    Obj o = parser.Next();
    if (parser.bad || parser.truncated) return false;
    if (o.type != Obj::kKeyword) {
      operands.push_back(std::move(o));
      if (operands.size() > 64) return false;
      continue;
    }
    const std::string& op = o.str;
    if (op == "q") {
      stack.push_back(ctm);
      if (stack.size() > 64) return false;
    } else if (op == "Q") {
      if (stack.empty()) return false;
      ctm = stack.back();
      stack.pop_back();
    } else if (op == "cm") {
      if (operands.size() != 6) return false;
      Matrix m;
      for (size_t i = 0; i < 6; ++i) {
        if (operands[i].type != Obj::kNum) return false;
        m[i] = operands[i].num;
      }
      ctm = Multiply(m, ctm);
    } else if (op == "gs") {
      if (operands.size() != 1 || operands[0].type != Obj::kName || !ext_gstates) return false;
      if (!HarmlessExtGState(pdf, ext_gstates->Get(operands[0].str.c_str()))) return false;
    } else if (op == "Do") {
      if (operands.size() != 1 || operands[0].type != Obj::kName || ++painted > 1) return false;
      *name = operands[0].str;
      *at = ctm;
    } else if (op == "re") {
      if (operands.size() != 4 || path != Path::kNone) return false;
      double r[4];
      for (size_t i = 0; i < 4; ++i) {
        if (operands[i].type != Obj::kNum) return false;
        r[i] = operands[i].num;
      }
      if (std::abs(ctm[1]) > 1e-9 || std::abs(ctm[2]) > 1e-9) return false;
      const double xa = ctm[0] * r[0] + ctm[4], xb = ctm[0] * (r[0] + r[2]) + ctm[4];
      const double ya = ctm[3] * r[1] + ctm[5], yb = ctm[3] * (r[1] + r[3]) + ctm[5];
      const double tol_x = std::max(1.0, 0.002 * (box[2] - box[0]));
      const double tol_y = std::max(1.0, 0.002 * (box[3] - box[1]));
      rect_covers_page = std::min(xa, xb) <= box[0] + tol_x && std::max(xa, xb) >= box[2] - tol_x &&
                         std::min(ya, yb) <= box[1] + tol_y && std::max(ya, yb) >= box[3] - tol_y;
      path = Path::kRect;
    } else if (op == "W" || op == "W*") {
      if (path != Path::kRect || !rect_covers_page) return false;
      path = Path::kClip;
    } else if (op == "n") {
      if (path != Path::kClip) return false;
      path = Path::kNone;
    } else if (!kStateOnly.count(op)) {
      return false;  // text, painted paths, shadings, inline images...
    }
    if (path != Path::kNone && op != "re" && op != "W" && op != "W*") return false;
    operands.clear();
  }
  return painted == 1 && stack.empty();
}

std::optional<std::array<double, 4>> Box(PdfFile& pdf, const Obj* o) {
  o = pdf.Resolve(o);
  if (!o || o->type != Obj::kArray || o->items.size() != 4) return std::nullopt;
  std::array<double, 4> b;
  for (size_t i = 0; i < 4; ++i) {
    auto v = NumberOf(pdf, &o->items[i]);
    if (!v) return std::nullopt;
    b[i] = *v;
  }
  return std::array<double, 4>{std::min(b[0], b[2]), std::min(b[1], b[3]), std::max(b[0], b[2]),
                               std::max(b[1], b[3])};
}

/// Page attributes a /Pages node passes down to its kids.
struct Inherited {
  const Obj* resources = nullptr;
  const Obj* media_box = nullptr;
  const Obj* crop_box = nullptr;
  const Obj* rotate = nullptr;
};

std::optional<PdfPageImage> PageImage(PdfFile& pdf, const Obj& page, const Inherited& in) {
  if (auto rotate = NumberOf(pdf, in.rotate); rotate && std::lround(*rotate) % 360 != 0)
    return std::nullopt;  // the renderer turns the page; keep its semantics
  if (page.Get("UserUnit")) return std::nullopt;
  auto box = Box(pdf, in.media_box);
  if (!box) return std::nullopt;
  if (in.crop_box) {
    auto crop = Box(pdf, in.crop_box);
    if (!crop) return std::nullopt;
    box = std::array<double, 4>{std::max((*box)[0], (*crop)[0]), std::max((*box)[1], (*crop)[1]),
                                std::min((*box)[2], (*crop)[2]), std::min((*box)[3], (*crop)[3])};
  }
  const double w_pt = (*box)[2] - (*box)[0], h_pt = (*box)[3] - (*box)[1];
  if (!(w_pt > 1 && h_pt > 1)) return std::nullopt;

  const Obj* resources = pdf.Resolve(in.resources);
  if (!resources || resources->type != Obj::kDict) return std::nullopt;
  const Obj* xobjects = pdf.Resolve(resources->Get("XObject"));
  if (!xobjects || xobjects->type != Obj::kDict || xobjects->keys.size() != 1 ||
      xobjects->items[0].type != Obj::kRef)
    return std::nullopt;
  const Obj* gstates = pdf.Resolve(resources->Get("ExtGState"));
  if (gstates && gstates->type != Obj::kDict) gstates = nullptr;

  std::string content;
  const Obj* contents = page.Get("Contents");
  if (contents && contents->type == Obj::kRef) {
    // A reference to a stream, or to an array of streams.
    const Indirect* c = pdf.Load(contents->ref);
    if (!c) return std::nullopt;
    if (c->is_stream) {
      if (!AppendContent(pdf, contents, content)) return std::nullopt;
    } else {
      contents = &c->value;
    }
  }
  if (contents && contents->type == Obj::kArray) {
    for (const auto& part : contents->items)
      if (!AppendContent(pdf, &part, content)) return std::nullopt;
  }
  std::string name;
  Matrix m;
  if (!LoneImagePaint(pdf, content, gstates, *box, &name, &m) || name != xobjects->keys[0])
    return std::nullopt;
  // The image's unit square must land on the page box, upright: [w 0 0 h x0 y0].
  const double tol_x = std::max(0.5, 0.002 * w_pt), tol_y = std::max(0.5, 0.002 * h_pt);
  if (std::abs(m[1]) > 1e-6 * w_pt || std::abs(m[2]) > 1e-6 * h_pt ||
      std::abs(m[0] - w_pt) > tol_x || std::abs(m[3] - h_pt) > tol_y ||
      std::abs(m[4] - (*box)[0]) > tol_x || std::abs(m[5] - (*box)[1]) > tol_y)
    return std::nullopt;

  const Indirect* image = pdf.Load(xobjects->items[0].ref);
  if (!image || !image->is_stream) return std::nullopt;
  const Obj& dict = image->value;
  const Obj* subtype = pdf.Resolve(dict.Get("Subtype"));
  if (!subtype || !subtype->IsName("Image")) return std::nullopt;
  for (const char* key : {"SMask", "Mask", "ImageMask", "SMaskInData", "Alternates", "OC"}) {
    const Obj* v = pdf.Resolve(dict.Get(key));
    if (v && !(v->type == Obj::kBool && !v->flag) && !(v->type == Obj::kNum && v->num == 0))
      return std::nullopt;
  }
  auto width = NumberOf(pdf, dict.Get("Width")), height = NumberOf(pdf, dict.Get("Height"));
  auto bpc = NumberOf(pdf, dict.Get("BitsPerComponent"));
  auto length = NumberOf(pdf, dict.Get("Length"));
  if (!width || !height || !length || *width < 1 || *height < 1 || *width > 60000 ||
      *height > 60000 || *length < 16)
    return std::nullopt;
  PdfPageImage out;
  out.offset = image->data_offset;
  out.length = static_cast<std::uint64_t>(*length);
  if (out.offset + out.length > pdf.size()) return std::nullopt;
  out.width = static_cast<int>(*width);
  out.height = static_cast<int>(*height);
  // Square pixels only; anything else needs the renderer's resampling.
  const double dx = out.width / (w_pt / 72.0), dy = out.height / (h_pt / 72.0);
  if (std::abs(dx - dy) > 0.02 * dx) return std::nullopt;
  out.dpi = std::round((dx + dy) / 2);

  // /Decode [1 0] inverts a one-component image; the default [0 1] changes nothing.
  bool decode_inverted = false;
  if (const Obj* decode = pdf.Resolve(dict.Get("Decode"))) {
    if (decode->type != Obj::kArray || decode->items.size() != 2) return std::nullopt;
    auto d0 = NumberOf(pdf, &decode->items[0]), d1 = NumberOf(pdf, &decode->items[1]);
    if (!d0 || !d1) return std::nullopt;
    if (*d0 == 1 && *d1 == 0)
      decode_inverted = true;
    else if (!(*d0 == 0 && *d1 == 1))
      return std::nullopt;
  }
  const Obj* cs = pdf.Resolve(dict.Get("ColorSpace"));
  int components = 0;
  if (cs && (cs->IsName("DeviceGray") || cs->IsName("G") || cs->IsName("CalGray"))) components = 1;
  if (cs && (cs->IsName("DeviceRGB") || cs->IsName("RGB"))) components = 3;
  if (cs && cs->type == Obj::kArray && !cs->items.empty() && cs->items[0].IsName("CalGray")) components = 1;
  if (cs && cs->type == Obj::kArray && !cs->items.empty() && cs->items[0].IsName("CalRGB")) components = 3;
  if (cs && cs->type == Obj::kArray && cs->items.size() == 2 && cs->items[0].IsName("ICCBased")) {
    const Indirect* icc = cs->items[1].type == Obj::kRef ? pdf.Load(cs->items[1].ref) : nullptr;
    auto n = icc ? NumberOf(pdf, icc->value.Get("N")) : std::nullopt;
    if (n && (*n == 1 || *n == 3)) components = static_cast<int>(*n);
  }

  const std::string filter = SingleFilter(pdf, dict);
  if (filter == "DCTDecode" || filter == "DCT") {
    // Colour transforms other than the JPEG default, inverted or CMYK images: render.
    if (components == 0 || (bpc && *bpc != 8) || decode_inverted) return std::nullopt;
    if (const Obj* parms = DecodeParms(pdf, dict); parms && parms->Get("ColorTransform"))
      return std::nullopt;
    out.codec = PdfPageImage::Codec::kJpeg;
    return out;
  }
  if (filter == "CCITTFaxDecode" || filter == "CCF") {
    if (components != 1 && cs) return std::nullopt;
    if (bpc && *bpc != 1) return std::nullopt;
    const Obj* parms = DecodeParms(pdf, dict);
    auto param = [&](const char* key, double fallback) {
      if (!parms) return fallback;
      auto v = NumberOf(pdf, parms->Get(key));
      return v ? *v : fallback;
    };
    auto flag = [&](const char* key, bool fallback) {
      const Obj* v = parms ? pdf.Resolve(parms->Get(key)) : nullptr;
      return v && v->type == Obj::kBool ? v->flag : fallback;
    };
    if (parms && parms->Get("DecodeParms")) return std::nullopt;
    const double columns = param("Columns", 1728), rows = param("Rows", 0);
    if (columns != out.width || (rows != 0 && rows != out.height)) return std::nullopt;
    // Byte-aligned rows and explicit end-of-line codes are legal but rare; libtiff's
    // decoder is driven with the TIFF defaults, so leave those files to the renderer.
    if (flag("EncodedByteAlign", false) || flag("EndOfLine", false)) return std::nullopt;
    out.codec = PdfPageImage::Codec::kCcittFax;
    out.k = static_cast<int>(param("K", 0));
    // The filter's 0 bits are black unless BlackIs1; /Decode [1 0] swaps the meaning again.
    out.invert = flag("BlackIs1", false) != decode_inverted;
    return out;
  }
  if (filter == "FlateDecode" || filter == "Fl") {
    const int bits = bpc ? static_cast<int>(*bpc) : 0;
    if (!(components == 3 && bits == 8) && !(components == 1 && (bits == 8 || bits == 1)))
      return std::nullopt;
    if (decode_inverted && components != 1) return std::nullopt;
    if (const Obj* parms = DecodeParms(pdf, dict)) {
      auto param = [&](const char* key, double fallback) {
        auto v = NumberOf(pdf, parms->Get(key));
        return v ? *v : fallback;
      };
      const double predictor = param("Predictor", 1);
      if (predictor >= 10) {
        // The PNG predictor's row layout must be the image's own.
        if (param("Colors", 1) != components || param("BitsPerComponent", 8) != bits ||
            param("Columns", 1) != out.width)
          return std::nullopt;
        out.png_predictor = true;
      } else if (predictor != 1) {
        return std::nullopt;  // the TIFF predictor: rare, left to the renderer
      }
    }
    out.codec = PdfPageImage::Codec::kFlate;
    out.components = components;
    out.bits = bits;
    out.invert = decode_inverted;
    return out;
  }
  return std::nullopt;
}

bool WalkPages(PdfFile& pdf, const Obj* node_ref, Inherited in, int depth, std::set<int>& seen,
               PdfLayout& out) {
  if (depth > kMaxTreeDepth || !node_ref || node_ref->type != Obj::kRef) return false;
  if (!seen.insert(node_ref->ref).second) return false;  // a cycle
  const Indirect* ind = pdf.Load(node_ref->ref);
  if (!ind || ind->value.type != Obj::kDict) return false;
  const Obj& node = ind->value;
  if (const Obj* r = node.Get("Resources")) in.resources = r;
  if (const Obj* b = node.Get("MediaBox")) in.media_box = b;
  if (const Obj* b = node.Get("CropBox")) in.crop_box = b;
  if (const Obj* r = node.Get("Rotate")) in.rotate = r;
  const Obj* type = pdf.Resolve(node.Get("Type"));
  const Obj* kids = pdf.Resolve(node.Get("Kids"));
  if (type && type->IsName("Pages")) {
    if (!kids || kids->type != Obj::kArray) return false;
    for (const auto& kid : kids->items)
      if (!WalkPages(pdf, &kid, in, depth + 1, seen, out)) return false;
    return true;
  }
  if (type && !type->IsName("Page")) return false;
  if (++out.page_count > kMaxPages) return false;
  out.images.push_back(PageImage(pdf, node, in));
  return true;
}

}  // namespace

cv::Mat DecodeFlateImage(const std::vector<unsigned char>& data, const PdfPageImage& im) {
  constexpr size_t kMaxBytes = size_t{256} << 20;
  const size_t row_bytes = (static_cast<size_t>(im.width) * im.components * im.bits + 7) / 8;
  const size_t stride = row_bytes + (im.png_predictor ? 1 : 0);
  if (im.width < 1 || im.height < 1 || stride * im.height > kMaxBytes || data.empty()) return {};
  std::vector<unsigned char> raw(stride * im.height);
  z_stream z{};
  if (inflateInit(&z) != Z_OK) return {};
  z.next_in = const_cast<Bytef*>(data.data());
  z.avail_in = static_cast<uInt>(data.size());
  z.next_out = raw.data();
  z.avail_out = static_cast<uInt>(raw.size());
  const int rc = inflate(&z, Z_FINISH);
  const size_t produced = raw.size() - z.avail_out;
  inflateEnd(&z);
  // Z_BUF_ERROR: the output is full before the stream's end (padding after the last row).
  if ((rc != Z_STREAM_END && rc != Z_BUF_ERROR) || produced != raw.size()) return {};

  if (im.png_predictor) {
    // PNG filters (RFC 2083 section 6), undone row by row in place.
    const size_t bpp = std::max<size_t>(1, static_cast<size_t>(im.components * im.bits) / 8);
    const std::vector<unsigned char> zero(row_bytes, 0);
    for (int r = 0; r < im.height; ++r) {
      unsigned char* cur = raw.data() + r * stride + 1;
      const unsigned char* up = r > 0 ? raw.data() + (r - 1) * stride + 1 : zero.data();
      const int type = cur[-1];
      for (size_t i = 0; i < row_bytes; ++i) {
        const int a = i >= bpp ? cur[i - bpp] : 0, b = up[i], c = i >= bpp ? up[i - bpp] : 0;
        int predicted = 0;
        switch (type) {
          case 0: break;
          case 1: predicted = a; break;
          case 2: predicted = b; break;
          case 3: predicted = (a + b) / 2; break;
          case 4: {
            const int p = a + b - c, pa = std::abs(p - a), pb = std::abs(p - b), pc = std::abs(p - c);
            predicted = pa <= pb && pa <= pc ? a : (pb <= pc ? b : c);
            break;
          }
          default: return {};
        }
        cur[i] = static_cast<unsigned char>(cur[i] + predicted);
      }
    }
  }
  unsigned char* first = raw.data() + (im.png_predictor ? 1 : 0);  // past the filter byte
  cv::Mat gray;
  if (im.bits == 1) {
    gray.create(im.height, im.width, CV_8UC1);
    for (int r = 0; r < im.height; ++r) {
      const unsigned char* src = first + r * stride;
      unsigned char* dst = gray.ptr<unsigned char>(r);
      for (int x = 0; x < im.width; ++x) dst[x] = (src[x >> 3] & (0x80 >> (x & 7))) ? 255 : 0;
    }
  } else if (im.components == 1) {
    gray = cv::Mat(im.height, im.width, CV_8UC1, first, stride).clone();
  } else {
    cv::cvtColor(cv::Mat(im.height, im.width, CV_8UC3, first, stride), gray, cv::COLOR_RGB2GRAY);
  }
  if (im.invert) cv::bitwise_not(gray, gray);
  return gray;
}

std::optional<PdfLayout> ReadPdfLayout(const fs::path& path) {
  PdfFile pdf(path);
  if (!pdf.ReadXref()) return std::nullopt;
  const Obj* root = pdf.Resolve(pdf.trailer().Get("Root"));
  if (!root || root->type != Obj::kDict) return std::nullopt;
  const Obj* pages = root->Get("Pages");
  PdfLayout layout;
  std::set<int> seen;
  if (!WalkPages(pdf, pages, {}, 0, seen, layout) || layout.page_count == 0) return std::nullopt;
  // The tree's own count must agree, or the file is damaged and the renderer decides.
  const Obj* pages_dict = pdf.Resolve(pages);
  auto count = pages_dict ? NumberOf(pdf, pages_dict->Get("Count")) : std::nullopt;
  if (!count || *count != layout.page_count) return std::nullopt;
  return layout;
}

}  // namespace phieu::scanner
