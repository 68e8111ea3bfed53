// Copyright 2026 The Phiếu Authors
// SPDX-License-Identifier: Apache-2.0
// The pages of a scanner PDF as their embedded images, read with qpdf: a library made for
// hostile input reads the cross-reference table or streams, object streams, the page tree
// and stream data with their filters. This file only has to recognise the scanner case (one
// image painted over the page) and say "render it" for everything else, so any surprise is a
// fallback, never an error. The image's own bytes are decoded by the caller (JPEG, CCITT G4)
// or by DecodeFlateImage.
#include "pdf_pages.h"

#include <qpdf/Buffer.hh>
#include <qpdf/Pipeline.hh>
#include <qpdf/QPDF.hh>
#include <qpdf/QPDFObjectHandle.hh>
#include <qpdf/QPDFPageObjectHelper.hh>
#include <opencv2/imgproc.hpp>
#include <zlib.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <exception>
#include <set>
#include <stdexcept>
#include <string>

namespace phieu::scanner {
namespace {

namespace fs = std::filesystem;
using Handle = QPDFObjectHandle;

// The content stream of a scanned page is a few dozen bytes; anything longer is drawn, so it
// is rendered (and never inflated here).
constexpr size_t kMaxContentBytes = 64u << 10;
constexpr int kMaxPages = 100000;

/// Collects decoded stream bytes up to a bound; beyond it, stops the pipeline by throwing.
class BoundedSink : public Pipeline {
 public:
  explicit BoundedSink(size_t limit) : Pipeline("phieu-bounded", nullptr), limit_(limit) {}
  void write(unsigned char const* data, size_t len) override {
    if (bytes.size() + len > limit_) {
      overflow = true;
      throw std::length_error("content stream too long");
    }
    bytes.append(reinterpret_cast<const char*>(data), len);
  }
  void finish() override {}
  std::string bytes;
  bool overflow = false;

 private:
  size_t limit_;
};

/// Number value of a number object (integer or real).
std::optional<double> NumberOf(Handle o) {
  double v = 0;
  if (o.isNull() || !o.getValueAsNumber(v) || !std::isfinite(v)) return std::nullopt;
  return v;
}

/// The single filter name of a stream (a one-element array counts), "" for none, "?" for more.
std::string SingleFilter(Handle dict) {
  if (!dict.hasKey("/Filter")) return "";
  Handle f = dict.getKey("/Filter");
  if (f.isName()) return f.getName().substr(1);
  if (f.isArray() && f.getArrayNItems() == 1 && f.getArrayItem(0).isName())
    return f.getArrayItem(0).getName().substr(1);
  if (f.isArray() && f.getArrayNItems() == 0) return "";
  return "?";
}

/// Stream parameters (/DecodeParms), direct or as a one-element array; null when absent.
Handle DecodeParms(Handle dict) {
  Handle p = dict.getKey("/DecodeParms");
  if (p.isArray()) p = p.getArrayNItems() == 1 ? p.getArrayItem(0) : Handle::newNull();
  return p.isDictionary() ? p : Handle::newNull();
}

/// The decoded bytes of a content stream, appended to `out` (bounded, see kMaxContentBytes).
bool AppendContent(Handle stream, std::string& out) {
  if (!stream.isStream()) return false;
  auto length = NumberOf(stream.getDict().getKey("/Length"));
  if (!length || *length < 0 || *length > kMaxContentBytes) return false;
  BoundedSink sink(kMaxContentBytes - std::min(out.size(), kMaxContentBytes));
  bool filtered = false;
  try {
    if (!stream.pipeStreamData(&sink, &filtered, 0, qpdf_dl_generalized, /*suppress_warnings=*/true))
      return false;
  } catch (const std::length_error&) {
    return false;
  }
  if (sink.overflow) return false;
  // A filter qpdf does not decode (or none requested) leaves raw bytes: only plain or
  // generally filtered content is understood.
  if (!filtered && !SingleFilter(stream.getDict()).empty()) return false;
  out += sink.bytes;
  out += '\n';
  return true;
}

/// A graphics-state dictionary that cannot change how an opaque image looks.
bool HarmlessExtGState(Handle gs) {
  if (!gs.isDictionary()) return false;
  static const std::set<std::string> kIgnored = {"/Type", "/LW", "/LC", "/LJ", "/ML", "/D", "/RI", "/FL",
                                                 "/SM", "/SA", "/OP", "/op", "/OPM", "/AIS", "/TK"};
  for (const std::string& k : gs.getKeys()) {
    Handle v = gs.getKey(k);
    if (kIgnored.count(k)) {
      if (k == "/AIS" && v.isBool() && v.getBoolValue()) return false;
      continue;
    }
    if ((k == "/CA" || k == "/ca") && NumberOf(v) == 1.0) continue;
    if (k == "/BM" && v.isName() && (v.getName() == "/Normal" || v.getName() == "/Compatible")) continue;
    if (k == "/SMask" && v.isName() && v.getName() == "/None") continue;
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

/// Gathers a content stream's tokens as qpdf parses them (operands and operators).
class TokenList : public Handle::ParserCallbacks {
 public:
  void handleObject(Handle o) override {
    if (tokens.size() > 4096) throw std::length_error("too many content tokens");
    tokens.push_back(o);
  }
  void handleEOF() override {}
  std::vector<Handle> tokens;
};

/// Runs the page's content stream and returns the one image name it paints and the matrix
/// it paints it with. Any operator that would put something else on the page fails.
bool LoneImagePaint(QPDF& pdf, const std::string& content, Handle ext_gstates,
                    const std::array<double, 4>& box, std::string* name, Matrix* at) {
  // Operators that only set state an opaque image ignores (colours, line style, marked
  // content, compatibility sections).
  static const std::set<std::string> kStateOnly = {
      "w", "J", "j", "M", "d", "ri", "i", "g", "G", "rg", "RG", "k", "K", "cs", "CS", "sc",
      "SC", "scn", "SCN", "BX", "EX", "MP", "DP", "BMC", "BDC", "EMC"};
  TokenList list;
  Handle::parseContentStream(pdf.newStream(content), &list);
  std::vector<Handle> operands;
  std::vector<Matrix> stack;
  Matrix ctm = {1, 0, 0, 1, 0, 0};
  int painted = 0;
  // A clip is allowed when it is a rectangle covering the page box: cairo, for one, clips to
  // the box rounded down to whole points, which at most hides a pixel or two of paper.
  enum class Path { kNone, kRect, kClip } path = Path::kNone;
  bool rect_covers_page = false;
  for (Handle& o : list.tokens) {
    if (o.isInlineImage()) return false;
    if (!o.isOperator()) {
      operands.push_back(o);
      if (operands.size() > 64) return false;
      continue;
    }
    const std::string op = o.getOperatorValue();
    auto numbers = [&](size_t n, double* out) {
      if (operands.size() != n) return false;
      for (size_t i = 0; i < n; ++i) {
        auto v = NumberOf(operands[i]);
        if (!v) return false;
        out[i] = *v;
      }
      return true;
    };
    if (op == "q") {
      stack.push_back(ctm);
      if (stack.size() > 64) return false;
    } else if (op == "Q") {
      if (stack.empty()) return false;
      ctm = stack.back();
      stack.pop_back();
    } else if (op == "cm") {
      Matrix m;
      if (!numbers(6, m.data())) return false;
      ctm = Multiply(m, ctm);
    } else if (op == "gs") {
      if (operands.size() != 1 || !operands[0].isName() || !ext_gstates.isDictionary()) return false;
      if (!HarmlessExtGState(ext_gstates.getKey(operands[0].getName()))) return false;
    } else if (op == "Do") {
      if (operands.size() != 1 || !operands[0].isName() || ++painted > 1) return false;
      *name = operands[0].getName();
      *at = ctm;
    } else if (op == "re") {
      double r[4];
      if (path != Path::kNone || !numbers(4, r)) return false;
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
      return false;  // text, painted paths, shadings...
    }
    if (path != Path::kNone && op != "re" && op != "W" && op != "W*") return false;
    operands.clear();
  }
  return painted == 1 && stack.empty() && operands.empty();
}

std::optional<std::array<double, 4>> Box(Handle o) {
  if (!o.isArray() || o.getArrayNItems() != 4) return std::nullopt;
  std::array<double, 4> b;
  for (int i = 0; i < 4; ++i) {
    auto v = NumberOf(o.getArrayItem(i));
    if (!v) return std::nullopt;
    b[static_cast<size_t>(i)] = *v;
  }
  return std::array<double, 4>{std::min(b[0], b[2]), std::min(b[1], b[3]), std::max(b[0], b[2]),
                               std::max(b[1], b[3])};
}

/// The lone full-page image of `page`, or nullopt; `stream` receives its image stream.
std::optional<PdfPageImage> PageImage(QPDF& pdf, Handle page, Handle* stream) {
  QPDFPageObjectHelper helper(page);
  Handle rotate = helper.getAttribute("/Rotate", false);
  if (auto r = NumberOf(rotate); r && std::lround(*r) % 360 != 0)
    return std::nullopt;  // the renderer turns the page; keep its semantics
  if (page.hasKey("/UserUnit")) return std::nullopt;
  auto box = Box(helper.getAttribute("/MediaBox", false));
  if (!box) return std::nullopt;
  Handle crop_box = helper.getAttribute("/CropBox", false);
  if (!crop_box.isNull()) {
    auto crop = Box(crop_box);
    if (!crop) return std::nullopt;
    box = std::array<double, 4>{std::max((*box)[0], (*crop)[0]), std::max((*box)[1], (*crop)[1]),
                                std::min((*box)[2], (*crop)[2]), std::min((*box)[3], (*crop)[3])};
  }
  const double w_pt = (*box)[2] - (*box)[0], h_pt = (*box)[3] - (*box)[1];
  if (!(w_pt > 1 && h_pt > 1)) return std::nullopt;

  Handle resources = helper.getAttribute("/Resources", false);
  if (!resources.isDictionary()) return std::nullopt;
  Handle xobjects = resources.getKey("/XObject");
  if (!xobjects.isDictionary()) return std::nullopt;
  const std::set<std::string> xkeys = xobjects.getKeys();
  if (xkeys.size() != 1) return std::nullopt;
  const std::string xname = *xkeys.begin();
  Handle image = xobjects.getKey(xname);
  if (!image.isIndirect() || !image.isStream()) return std::nullopt;
  Handle gstates = resources.getKey("/ExtGState");

  std::string content;
  Handle contents = page.getKey("/Contents");
  if (contents.isStream()) {
    if (!AppendContent(contents, content)) return std::nullopt;
  } else if (contents.isArray()) {
    if (contents.getArrayNItems() > 64) return std::nullopt;
    for (int i = 0; i < contents.getArrayNItems(); ++i)
      if (!AppendContent(contents.getArrayItem(i), content)) return std::nullopt;
  } else {
    return std::nullopt;
  }
  std::string name;
  Matrix m;
  if (!LoneImagePaint(pdf, content, gstates, *box, &name, &m) || name != xname) return std::nullopt;
  // The image's unit square must land on the page box, upright: [w 0 0 h x0 y0].
  const double tol_x = std::max(0.5, 0.002 * w_pt), tol_y = std::max(0.5, 0.002 * h_pt);
  if (std::abs(m[1]) > 1e-6 * w_pt || std::abs(m[2]) > 1e-6 * h_pt ||
      std::abs(m[0] - w_pt) > tol_x || std::abs(m[3] - h_pt) > tol_y ||
      std::abs(m[4] - (*box)[0]) > tol_x || std::abs(m[5] - (*box)[1]) > tol_y)
    return std::nullopt;

  Handle dict = image.getDict();
  Handle subtype = dict.getKey("/Subtype");
  if (!subtype.isName() || subtype.getName() != "/Image") return std::nullopt;
  for (const char* key : {"/SMask", "/Mask", "/ImageMask", "/SMaskInData", "/Alternates", "/OC"}) {
    Handle v = dict.getKey(key);
    if (!v.isNull() && !(v.isBool() && !v.getBoolValue()) && !(NumberOf(v) == 0.0)) return std::nullopt;
  }
  auto width = NumberOf(dict.getKey("/Width")), height = NumberOf(dict.getKey("/Height"));
  auto bpc = NumberOf(dict.getKey("/BitsPerComponent"));
  auto length = NumberOf(dict.getKey("/Length"));
  if (!width || !height || !length || *width < 1 || *height < 1 || *width > 1e6 ||
      *height > 1e6 || *length < 16 || *width != std::floor(*width) || *height != std::floor(*height))
    return std::nullopt;
  PdfPageImage out;
  out.width = static_cast<int>(*width);
  out.height = static_cast<int>(*height);
  // Square pixels only; anything else needs the renderer's resampling.
  const double dx = out.width / (w_pt / 72.0), dy = out.height / (h_pt / 72.0);
  if (std::abs(dx - dy) > 0.02 * dx) return std::nullopt;
  out.dpi = std::round((dx + dy) / 2);

  // /Decode [1 0] inverts a one-component image; the default [0 1] changes nothing.
  bool decode_inverted = false;
  if (Handle decode = dict.getKey("/Decode"); !decode.isNull()) {
    if (!decode.isArray() || decode.getArrayNItems() != 2) return std::nullopt;
    auto d0 = NumberOf(decode.getArrayItem(0)), d1 = NumberOf(decode.getArrayItem(1));
    if (!d0 || !d1) return std::nullopt;
    if (*d0 == 1 && *d1 == 0)
      decode_inverted = true;
    else if (!(*d0 == 0 && *d1 == 1))
      return std::nullopt;
  }
  Handle cs = dict.getKey("/ColorSpace");
  auto cs_is = [&](const char* n) { return cs.isName() && cs.getName() == n; };
  auto cs_family = [&](const char* n) {
    return cs.isArray() && cs.getArrayNItems() >= 1 && cs.getArrayItem(0).isName() &&
           cs.getArrayItem(0).getName() == n;
  };
  int components = 0;
  if (cs_is("/DeviceGray") || cs_is("/G") || cs_is("/CalGray") || cs_family("/CalGray")) components = 1;
  if (cs_is("/DeviceRGB") || cs_is("/RGB") || cs_family("/CalRGB")) components = 3;
  if (cs_family("/ICCBased") && cs.getArrayNItems() == 2 && cs.getArrayItem(1).isStream()) {
    auto n = NumberOf(cs.getArrayItem(1).getDict().getKey("/N"));
    if (n && (*n == 1 || *n == 3)) components = static_cast<int>(*n);
  }

  *stream = image;
  const std::string filter = SingleFilter(dict);
  if (filter == "DCTDecode" || filter == "DCT") {
    // Colour transforms other than the JPEG default, inverted or CMYK images: render.
    if (components == 0 || (bpc && *bpc != 8) || decode_inverted) return std::nullopt;
    if (Handle parms = DecodeParms(dict); !parms.isNull() && parms.hasKey("/ColorTransform"))
      return std::nullopt;
    out.codec = PdfPageImage::Codec::kJpeg;
    return out;
  }
  if (filter == "CCITTFaxDecode" || filter == "CCF") {
    if (components != 1 && !cs.isNull()) return std::nullopt;
    if (bpc && *bpc != 1) return std::nullopt;
    Handle parms = DecodeParms(dict);
    auto param = [&](const char* key, double fallback) {
      if (parms.isNull()) return fallback;
      auto v = NumberOf(parms.getKey(key));
      return v ? *v : fallback;
    };
    auto flag = [&](const char* key, bool fallback) {
      Handle v = parms.isNull() ? Handle::newNull() : parms.getKey(key);
      return v.isBool() ? v.getBoolValue() : fallback;
    };
    if (!parms.isNull() && parms.hasKey("/DecodeParms")) return std::nullopt;
    const double columns = param("/Columns", 1728), rows = param("/Rows", 0);
    if (columns != out.width || (rows != 0 && rows != out.height)) return std::nullopt;
    // Byte-aligned rows and explicit end-of-line codes are legal but rare; libtiff's
    // decoder is driven with the TIFF defaults, so leave those files to the renderer.
    if (flag("/EncodedByteAlign", false) || flag("/EndOfLine", false)) return std::nullopt;
    out.codec = PdfPageImage::Codec::kCcittFax;
    out.k = static_cast<int>(param("/K", 0));
    // Only G4 (K < 0) is decoded directly; a G3 page is the renderer's, as any other image.
    if (out.k >= 0) return std::nullopt;
    // The filter's 0 bits are black unless BlackIs1; /Decode [1 0] swaps the meaning again.
    out.invert = flag("/BlackIs1", false) != decode_inverted;
    return out;
  }
  if (filter == "FlateDecode" || filter == "Fl") {
    const int bits = bpc ? static_cast<int>(*bpc) : 0;
    if (!(components == 3 && bits == 8) && !(components == 1 && (bits == 8 || bits == 1)))
      return std::nullopt;
    if (decode_inverted && components != 1) return std::nullopt;
    if (Handle parms = DecodeParms(dict); !parms.isNull()) {
      auto param = [&](const char* key, double fallback) {
        auto v = NumberOf(parms.getKey(key));
        return v ? *v : fallback;
      };
      const double predictor = param("/Predictor", 1);
      if (predictor >= 10) {
        // The PNG predictor's row layout must be the image's own.
        if (param("/Colors", 1) != components || param("/BitsPerComponent", 8) != bits ||
            param("/Columns", 1) != out.width)
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

}  // namespace

struct PdfFile::Impl {
  QPDF pdf;
  PdfLayout layout;
  std::vector<Handle> streams;  ///< per page: the image stream when layout.images[i] is set.
};

PdfFile::PdfFile() : impl_(std::make_unique<Impl>()) {}
PdfFile::~PdfFile() = default;

const PdfLayout& PdfFile::layout() const { return impl_->layout; }

std::unique_ptr<PdfFile> PdfFile::Open(const fs::path& path) {
  std::unique_ptr<PdfFile> file(new PdfFile());
  Impl& im = *file->impl_;
  try {
    im.pdf.setSuppressWarnings(true);
    // A damaged file is the renderer's to judge (and to rebuild if it can).
    im.pdf.setAttemptRecovery(false);
    im.pdf.processFile(path.c_str());
    if (im.pdf.isEncrypted()) return nullptr;
    Handle root = im.pdf.getRoot();
    Handle pages_node = root.getKey("/Pages");
    auto count = NumberOf(pages_node.isDictionary() ? pages_node.getKey("/Count") : Handle::newNull());
    if (!count || *count < 1 || *count > kMaxPages) return nullptr;
    const std::vector<Handle>& pages = im.pdf.getAllPages();
    // The tree's own count must agree, or the file is damaged and the renderer decides.
    if (pages.empty() || static_cast<double>(pages.size()) != *count) return nullptr;
    im.layout.page_count = static_cast<int>(pages.size());
    for (const Handle& page : pages) {
      Handle stream;
      std::optional<PdfPageImage> image;
      try {
        image = PageImage(im.pdf, page, &stream);
      } catch (const std::exception&) {
        image.reset();  // this page is beyond the small reader: rendered
      }
      im.layout.images.push_back(image);
      im.streams.push_back(image ? stream : Handle::newNull());
    }
    if (im.pdf.anyWarnings()) return nullptr;
  } catch (const std::exception&) {
    return nullptr;
  }
  return file;
}

std::vector<unsigned char> PdfFile::ImageBytes(int index) {
  std::vector<unsigned char> bytes;
  if (index < 0 || index >= static_cast<int>(impl_->streams.size())) return bytes;
  Handle stream = impl_->streams[static_cast<size_t>(index)];
  if (!stream.isStream()) return bytes;
  try {
    std::shared_ptr<Buffer> raw = stream.getRawStreamData();
    if (raw) bytes.assign(raw->getBuffer(), raw->getBuffer() + raw->getSize());
  } catch (const std::exception&) {
    bytes.clear();
  }
  return bytes;
}

std::optional<PdfLayout> ReadPdfLayout(const fs::path& path) {
  auto file = PdfFile::Open(path);
  if (!file) return std::nullopt;
  return file->layout();
}

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

}  // namespace phieu::scanner
