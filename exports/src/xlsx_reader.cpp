// Copyright 2026 The Phiếu Authors
// SPDX-License-Identifier: Apache-2.0
//
// Just enough of XLSX to read answers back: the zip container (stored or deflated entries,
// zlib), the workbook's first sheet and its shared strings. Debian 12 has no C/C++ XLSX reader
// (libxlsxwriter only writes; libfreexl 1.0 reads .xls only), hence this small one.
#include <zlib.h>

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "dataset.h"

namespace phieu::exports::internal {
namespace {

std::uint32_t U32(const std::string& b, size_t at) {
  return static_cast<std::uint32_t>(static_cast<unsigned char>(b[at])) |
         static_cast<std::uint32_t>(static_cast<unsigned char>(b[at + 1])) << 8 |
         static_cast<std::uint32_t>(static_cast<unsigned char>(b[at + 2])) << 16 |
         static_cast<std::uint32_t>(static_cast<unsigned char>(b[at + 3])) << 24;
}
std::uint16_t U16(const std::string& b, size_t at) {
  return static_cast<std::uint16_t>(static_cast<unsigned char>(b[at]) |
                                    static_cast<unsigned char>(b[at + 1]) << 8);
}

struct Entry {
  std::uint16_t method = 0;
  std::uint32_t compressed = 0, size = 0, local_offset = 0;
};

/// The zip's central directory: name -> entry. nullopt when the bytes are not a zip.
std::optional<std::map<std::string, Entry>> Directory(const std::string& zip) {
  if (zip.size() < 22) return std::nullopt;
  size_t eocd = std::string::npos;
  for (size_t i = zip.size() - 22 + 1; i-- > 0 && zip.size() - i <= 22 + 65535;)
    if (U32(zip, i) == 0x06054b50) {
      eocd = i;
      break;
    }
  if (eocd == std::string::npos) return std::nullopt;
  size_t count = U16(zip, eocd + 10);
  size_t at = U32(zip, eocd + 16);
  std::map<std::string, Entry> out;
  for (size_t k = 0; k < count; ++k) {
    if (at + 46 > zip.size() || U32(zip, at) != 0x02014b50) return std::nullopt;
    Entry e{.method = U16(zip, at + 10), .compressed = U32(zip, at + 20), .size = U32(zip, at + 24),
            .local_offset = U32(zip, at + 42)};
    size_t name_len = U16(zip, at + 28), extra = U16(zip, at + 30), comment = U16(zip, at + 32);
    if (at + 46 + name_len > zip.size()) return std::nullopt;
    out[zip.substr(at + 46, name_len)] = e;
    at += 46 + name_len + extra + comment;
  }
  return out;
}

std::optional<std::string> Extract(const std::string& zip, const Entry& e) {
  size_t at = e.local_offset;
  if (at + 30 > zip.size() || U32(zip, at) != 0x04034b50) return std::nullopt;
  size_t data = at + 30 + U16(zip, at + 26) + U16(zip, at + 28);
  if (data + e.compressed > zip.size()) return std::nullopt;
  if (e.method == 0) return zip.substr(data, e.compressed);
  if (e.method != 8) return std::nullopt;
  std::string out(e.size, '\0');
  z_stream z{};
  if (inflateInit2(&z, -MAX_WBITS) != Z_OK) return std::nullopt;
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(zip.data() + data));
  z.avail_in = e.compressed;
  z.next_out = reinterpret_cast<Bytef*>(out.data());
  z.avail_out = static_cast<uInt>(out.size());
  int rc = inflate(&z, Z_FINISH);
  inflateEnd(&z);
  if (rc != Z_STREAM_END || z.total_out != e.size) return std::nullopt;
  return out;
}

std::string Unescape(const std::string& s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] != '&') {
      out += s[i];
      continue;
    }
    size_t semi = s.find(';', i);
    if (semi == std::string::npos) {
      out += s[i];
      continue;
    }
    std::string ent = s.substr(i + 1, semi - i - 1);
    if (ent == "amp") out += '&';
    else if (ent == "lt") out += '<';
    else if (ent == "gt") out += '>';
    else if (ent == "quot") out += '"';
    else if (ent == "apos") out += '\'';
    else if (!ent.empty() && ent[0] == '#') {
      unsigned long cp = ent.size() > 1 && ent[1] == 'x' ? std::stoul(ent.substr(2), nullptr, 16)
                                                         : std::stoul(ent.substr(1));
      // UTF-8 encode.
      if (cp < 0x80) out += static_cast<char>(cp);
      else if (cp < 0x800) { out += static_cast<char>(0xC0 | (cp >> 6)); out += static_cast<char>(0x80 | (cp & 0x3F)); }
      else if (cp < 0x10000) { out += static_cast<char>(0xE0 | (cp >> 12)); out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F)); out += static_cast<char>(0x80 | (cp & 0x3F)); }
      else { out += static_cast<char>(0xF0 | (cp >> 18)); out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F)); out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F)); out += static_cast<char>(0x80 | (cp & 0x3F)); }
    } else {
      out += s.substr(i, semi - i + 1);
    }
    i = semi;
  }
  return out;
}

/// The value of attribute `name` in the tag text `tag` ("<c r=\"B2\" t=\"s\">").
std::string Attr(const std::string& tag, const std::string& name) {
  for (size_t p = tag.find(name + "="); p != std::string::npos; p = tag.find(name + "=", p + 1)) {
    if (p > 0 && tag[p - 1] != ' ' && tag[p - 1] != '\t' && tag[p - 1] != '\n') continue;
    char q = tag[p + name.size() + 1];
    size_t end = tag.find(q, p + name.size() + 2);
    if (end == std::string::npos) return "";
    return tag.substr(p + name.size() + 2, end - p - name.size() - 2);
  }
  return "";
}

/// Concatenated text of every <t>…</t> between `from` and `to`.
std::string TextRuns(const std::string& xml, size_t from, size_t to) {
  std::string out;
  for (size_t p = xml.find("<t", from); p != std::string::npos && p < to; p = xml.find("<t", p + 1)) {
    if (xml[p + 2] != '>' && xml[p + 2] != ' ') continue;  // <tc…>, <tr…> are other tags
    size_t open_end = xml.find('>', p);
    if (open_end == std::string::npos || xml[open_end - 1] == '/') continue;  // <t/>
    size_t close = xml.find("</t>", open_end);
    if (close == std::string::npos || close > to) break;
    out += Unescape(xml.substr(open_end + 1, close - open_end - 1));
    p = close;
  }
  return out;
}

std::string CsvField(const std::string& s) {
  if (s.find_first_of(",\"\r\n") == std::string::npos) return s;
  std::string out = "\"";
  for (char c : s) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

}  // namespace

core::Result<std::string> XlsxFirstSheetAsCsv(const std::string& bytes, const std::string& source) {
  auto bad = [&](const std::string& why) { return core::MakeError("invalid", source + ": " + why); };
  auto dir = Directory(bytes);
  if (!dir) return bad("not an XLSX workbook (no zip directory)");
  auto read = [&](const std::string& name) -> std::optional<std::string> {
    auto it = dir->find(name);
    if (it == dir->end()) return std::nullopt;
    return Extract(bytes, it->second);
  };
  // The first sheet in workbook order, through the workbook's relationships.
  std::string sheet_path = "xl/worksheets/sheet1.xml";
  if (auto wb = read("xl/workbook.xml")) {
    size_t s = wb->find("<sheet ");
    if (s != std::string::npos) {
      std::string tag = wb->substr(s, wb->find('>', s) - s);
      std::string rid = Attr(tag, "r:id");
      if (auto rels = read("xl/_rels/workbook.xml.rels"); rels && !rid.empty()) {
        for (size_t p = rels->find("<Relationship "); p != std::string::npos; p = rels->find("<Relationship ", p + 1)) {
          std::string rtag = rels->substr(p, rels->find('>', p) - p);
          if (Attr(rtag, "Id") != rid) continue;
          std::string target = Attr(rtag, "Target");
          sheet_path = target.rfind("/", 0) == 0 ? target.substr(1) : "xl/" + target;
        }
      }
    }
  }
  auto sheet = read(sheet_path);
  if (!sheet) return bad("no readable first worksheet (" + sheet_path + ")");
  std::vector<std::string> shared;
  if (auto ss = read("xl/sharedStrings.xml")) {
    for (size_t p = ss->find("<si>"); p != std::string::npos; p = ss->find("<si>", p + 1)) {
      size_t end = ss->find("</si>", p);
      if (end == std::string::npos) break;
      shared.push_back(TextRuns(*ss, p, end));
      p = end;
    }
  }
  std::string csv;
  int line = 1;  // spreadsheet row numbers become CSV line numbers (blank lines for gaps)
  const std::string& x = *sheet;
  for (size_t r = x.find("<row"); r != std::string::npos; r = x.find("<row", r + 1)) {
    size_t row_open_end = x.find('>', r);
    size_t row_end = x.find("</row>", r);
    if (row_open_end == std::string::npos) break;
    bool empty_row = x[row_open_end - 1] == '/';
    if (row_end == std::string::npos || empty_row) row_end = row_open_end;
    int row_no = std::atoi(Attr(x.substr(r, row_open_end - r), "r").c_str());
    if (row_no <= 0) row_no = line;
    while (line < row_no) {
      csv += "\n";
      ++line;
    }
    std::vector<std::string> cells;
    for (size_t c = x.find("<c", r); c != std::string::npos && c < row_end; c = x.find("<c", c + 1)) {
      if (x[c + 2] != ' ' && x[c + 2] != '>' && x[c + 2] != '/') continue;
      size_t open_end = x.find('>', c);
      std::string tag = x.substr(c, open_end - c);
      bool self_closed = x[open_end - 1] == '/';
      size_t end = self_closed ? open_end : x.find("</c>", open_end);
      if (end == std::string::npos) break;
      std::string ref = Attr(tag, "r");
      size_t col = 0;
      for (char ch : ref) {
        if (ch < 'A' || ch > 'Z') break;
        col = col * 26 + static_cast<size_t>(ch - 'A' + 1);
      }
      col = col == 0 ? cells.size() : col - 1;
      std::string type = Attr(tag, "t");
      std::string value;
      if (!self_closed) {
        if (type == "inlineStr") {
          value = TextRuns(x, open_end, end);
        } else {
          size_t v = x.find("<v>", open_end);
          if (v != std::string::npos && v < end)
            value = Unescape(x.substr(v + 3, x.find("</v>", v) - v - 3));
          if (type == "s") {
            size_t k = static_cast<size_t>(std::atol(value.c_str()));
            if (k >= shared.size()) return bad("row " + std::to_string(row_no) + ": a shared string is missing");
            value = shared[k];
          }
        }
      }
      if (cells.size() <= col) cells.resize(col + 1);
      cells[col] = value;
      c = end;
    }
    for (size_t i = 0; i < cells.size(); ++i) csv += (i ? "," : "") + CsvField(cells[i]);
    csv += "\n";
    ++line;
    r = row_end;
  }
  return csv;
}

}  // namespace phieu::exports::internal
