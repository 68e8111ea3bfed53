// Copyright 2026 The Phiếu Authors
// SPDX-License-Identifier: Apache-2.0
#include "report_document.h"

#include <cmath>
#include <cstdio>
#include <map>
#include <set>

namespace phieu::exports::internal {
namespace {

std::string Int(long long n) {
  // Thousands separated by a dot, as Vietnamese documents write them: 6.045.
  std::string digits = std::to_string(n < 0 ? -n : n);
  std::string out;
  for (size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out += '.';
    out += digits[i];
  }
  return n < 0 ? "-" + out : out;
}

std::string Mean(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.2f", v);
  std::string s = buf;
  for (char& c : s)
    if (c == '.') c = ',';
  return s;
}

std::string PctCell(const IndexValue& v) { return v.valid > 0 ? FormatPct(v.satisfied_pct) + "%" : "–"; }
std::string MeanCell(const IndexValue& v) { return v.valid > 0 ? Mean(v.mean) : "–"; }

std::string KindName(const std::string& kind) {
  if (kind == "admin") return "Cơ quan hành chính";
  if (kind == "health") return "Cơ sở y tế";
  if (kind == "school") return "Trường học";
  return kind.empty() ? "(chưa phân loại)" : kind;
}

std::string ChannelName(const std::string& c) {
  if (c == "paper") return "phiếu giấy";
  if (c == "phone") return "điện thoại";
  if (c == "online") return "trực tuyến";
  return c;
}

Block Heading(std::string text, int level = 2) {
  return Block{.kind = Block::Kind::kHeading, .text = std::move(text), .level = level};
}
Block Para(std::string text) { return Block{.kind = Block::Kind::kParagraph, .text = std::move(text)}; }

std::string LevelLabel(const Report& r, const std::string& value) {
  for (const auto& l : r.levels)
    if (l.value == value) return l.value + ". " + l.label;
  return value;
}

/// The level distribution of each element as stacked bars (counts per level).
Block LevelChart(const Report& r, const Indices& idx, const std::string& caption) {
  Block b{.kind = Block::Kind::kStacked, .text = caption};
  for (const auto& l : r.levels) b.series.push_back(l.value + ". " + l.label);
  for (const auto& e : idx.elements) {
    b.labels.push_back(e.name);
    std::vector<double> counts;
    for (const auto& l : r.levels) {
      auto it = e.levels.find(l.value);
      counts.push_back(it == e.levels.end() ? 0 : it->second);
    }
    b.values.push_back(std::move(counts));
  }
  return b;
}

}  // namespace

std::string FormatPct(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f", v);
  std::string s = buf;
  for (char& c : s)
    if (c == '.') c = ',';
  return s;
}

std::string SeriesColour(size_t i, size_t n, bool diverging) {
  static const char* kQualitative[] = {"#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd",
                                       "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf"};
  static const char* kDiverging5[] = {"#d7191c", "#fdae61", "#e0e0a0", "#a6d96a", "#1a9641"};
  if (diverging && n == 5) return kDiverging5[i];
  if (diverging && n > 1) {
    // Red (0) to green (n-1) for other scale lengths.
    double t = static_cast<double>(i) / static_cast<double>(n - 1);
    int red = static_cast<int>(215 - t * (215 - 26)), green = static_cast<int>(25 + t * (150 - 25));
    char buf[8];
    std::snprintf(buf, sizeof buf, "#%02x%02x%02x", red, green, 60);
    return buf;
  }
  return kQualitative[i % 10];
}

std::vector<Block> BuildReportDocument(const Report& r) {
  std::vector<Block> doc;
  doc.push_back(Heading("Báo cáo chỉ số hài lòng", 1));
  doc.push_back(Para(r.template_title));
  std::string levels;
  for (const auto& l : r.satisfied_levels) levels += (levels.empty() ? "" : ", ") + LevelLabel(r, l);

  // Coverage: what was counted, what was left out and why.
  doc.push_back(Heading("Phạm vi số liệu"));
  std::string cover = "Số phiếu được tính: " + Int(r.coverage.rows) + " (mẫu phiếu \"" + r.template_id +
                      "\", lập lúc " + r.generated_at + ").";
  std::string channels;
  for (const auto& [c, n] : [&] {
         std::map<std::string, int> all;
         for (const auto& u : r.units)
           for (const auto& [ch, k] : u.responses_by_channel) all[ch] += k;
         return all;
       }())
    channels += (channels.empty() ? "" : ", ") + ChannelName(c) + ": " + Int(n);
  if (!channels.empty()) cover += " Theo kênh thu thập (các đơn vị đã biết): " + channels + ".";
  doc.push_back(Para(cover));
  doc.push_back(Para(
      "Phiếu chưa tính: " + Int(r.coverage.left_out_pending) + " phiếu còn chờ kiểm tra" +
      (r.coverage.with_pages_missing ? "; trong số phiếu được tính, " + Int(r.coverage.with_pages_missing) +
                                           " phiếu còn thiếu trang chưa quét (chỉ tính các trang đã quét)"
                                     : std::string()) +
      (r.coverage.left_out_by_filter ? "; " + Int(r.coverage.left_out_by_filter) + " phiếu ngoài phạm vi lọc" : "") +
      ". Câu trả lời không tính vào chỉ số (trên các phiếu được tính): " + Int(r.answers_missing) +
      " để trống, " + Int(r.answers_illegible) + " không đọc được, " + Int(r.answers_pending) +
      " đang chờ kiểm tra, " + Int(r.answers_not_scanned) + " nằm trên trang chưa quét."));

  doc.push_back(Heading("Định nghĩa chỉ số"));
  doc.push_back(Para("Tỷ lệ hài lòng của một tiêu chí = số câu trả lời ở mức " + levels +
                     " chia cho số câu trả lời hợp lệ của tiêu chí đó (mọi mức từ 1 đến " +
                     (r.levels.empty() ? std::string("5") : r.levels.back().value) +
                     "; câu để trống, không đọc được hoặc chờ kiểm tra không được tính), nhân 100."));
  doc.push_back(Para("Tỷ lệ hài lòng của một yếu tố = trung bình cộng tỷ lệ hài lòng của các tiêu chí thuộc yếu tố đó. "
                     "Chỉ số hài lòng chung = trung bình cộng tỷ lệ hài lòng của các yếu tố."));
  doc.push_back(Para("Điểm trung bình = trung bình cộng các mức đã chọn (1 = Rất không hài lòng … 5 = Rất hài lòng) "
                     "của một tiêu chí; của yếu tố và chung được lấy trung bình như trên."));
  doc.push_back(Para("Xếp hạng: các đơn vị cùng loại được xếp theo chỉ số hài lòng chung, từ cao xuống thấp; "
                     "đơn vị bằng điểm nhau có cùng hạng. Mong đợi: tỷ lệ người trả lời (trên tổng số phiếu được tính) "
                     "đã chọn mỗi phương án."));

  // The survey as a whole.
  doc.push_back(Heading("Toàn bộ khảo sát"));
  {
    Block t{.kind = Block::Kind::kTable};
    t.headers = {"Yếu tố", "Tỷ lệ hài lòng", "Điểm trung bình", "Câu trả lời hợp lệ"};
    for (const auto& e : r.overall.elements)
      t.rows.push_back({e.name, PctCell(e.value), MeanCell(e.value), Int(e.value.valid)});
    t.rows.push_back({"Chỉ số hài lòng chung", r.overall.has_value ? FormatPct(r.overall.overall.satisfied_pct) + "%" : "–",
                      r.overall.has_value ? Mean(r.overall.overall.mean) : "–", Int(r.overall.overall.valid)});
    doc.push_back(std::move(t));
    Block bars{.kind = Block::Kind::kBars, .text = "Tỷ lệ hài lòng theo yếu tố (%)"};
    bars.series = {"Toàn bộ khảo sát"};
    for (const auto& e : r.overall.elements) {
      bars.labels.push_back(e.name);
      bars.values.push_back({e.value.valid > 0 ? e.value.satisfied_pct : 0.0});
    }
    doc.push_back(std::move(bars));
    doc.push_back(LevelChart(r, r.overall, "Phân bố mức đánh giá theo yếu tố (số câu trả lời)"));
  }
  {
    doc.push_back(Heading("Chỉ số theo tiêu chí", 3));
    Block t{.kind = Block::Kind::kTable};
    t.headers = {"Tiêu chí", "Nội dung", "Tỷ lệ hài lòng", "Điểm TB", "Hợp lệ"};
    for (const auto& e : r.overall.elements)
      for (const auto& c : e.criteria) {
        const IndexValue& v = e.by_criterion.at(c);
        auto text = r.criterion_text.find(c);
        t.rows.push_back({c, text == r.criterion_text.end() ? "" : text->second, PctCell(v), MeanCell(v), Int(v.valid)});
      }
    doc.push_back(std::move(t));
  }

  // Units: ranking within kind, responses against quota, elements per unit.
  std::map<std::string, std::vector<const UnitReport*>> by_kind;
  std::set<std::string> kinds_answered;  // kinds this template was used for
  for (const auto& u : r.units) {
    by_kind[u.kind].push_back(&u);
    if (u.responses > 0) kinds_answered.insert(u.kind);
  }
  for (const auto& [kind, units] : by_kind) {
    if (!kinds_answered.count(kind)) continue;
    doc.push_back(Heading("Xếp hạng: " + KindName(kind)));
    std::vector<const UnitReport*> order = units;
    std::stable_sort(order.begin(), order.end(), [](const UnitReport* a, const UnitReport* b) {
      if ((a->rank == 0) != (b->rank == 0)) return b->rank == 0;
      return a->rank < b->rank;
    });
    Block t{.kind = Block::Kind::kTable};
    t.headers = {"Hạng", "Mã", "Đơn vị", "Phiếu / chỉ tiêu", "Tỷ lệ hài lòng", "Điểm TB"};
    for (const UnitReport* u : order) {
      std::string quota = Int(u->responses) + " / " + Int(u->quota);
      if (u->quota > 0) quota += " (" + FormatPct(100.0 * u->responses / u->quota) + "%)";
      t.rows.push_back({u->rank ? std::to_string(u->rank) : "–", u->code, u->name, quota,
                        u->indices.has_value ? FormatPct(u->indices.overall.satisfied_pct) + "%" : "–",
                        u->indices.has_value ? Mean(u->indices.overall.mean) : "–"});
    }
    doc.push_back(std::move(t));
    Block quota{.kind = Block::Kind::kBars, .text = "Số phiếu thu về so với chỉ tiêu (%)"};
    quota.series = {"Phiếu / chỉ tiêu"};
    double top = 100;
    for (const UnitReport* u : order) {
      double pct = u->quota > 0 ? 100.0 * u->responses / u->quota : 0;
      top = std::max(top, pct);
      quota.labels.push_back(u->code + " " + u->name);
      quota.values.push_back({pct});
    }
    quota.max = std::ceil(top / 10) * 10;
    doc.push_back(std::move(quota));
    Block bars{.kind = Block::Kind::kBars, .text = "Tỷ lệ hài lòng theo yếu tố và đơn vị (%)"};
    for (const auto& e : r.elements) bars.series.push_back(e.name);
    for (const UnitReport* u : order) {
      if (!u->indices.has_value) continue;  // no answer to chart: the table says "–"
      bars.labels.push_back(u->code + " " + u->name);
      std::vector<double> vals;
      for (const auto& e : u->indices.elements) vals.push_back(e.value.valid > 0 ? e.value.satisfied_pct : 0.0);
      bars.values.push_back(std::move(vals));
    }
    doc.push_back(std::move(bars));
    Block el{.kind = Block::Kind::kTable};
    el.headers = {"Đơn vị"};
    for (const auto& e : r.elements) el.headers.push_back(e.name);
    for (const UnitReport* u : order) {
      std::vector<std::string> row = {u->code + " " + u->name};
      for (const auto& e : u->indices.elements) row.push_back(PctCell(e.value));
      el.rows.push_back(std::move(row));
    }
    doc.push_back(std::move(el));
  }

  // The re-check: how many machine-accepted answers a second person found wrong.
  doc.push_back(Heading("Sai số còn lại (phúc tra)"));
  if (!r.recheck.ran) {
    doc.push_back(Para("Chưa có phúc tra: sai số còn lại của dữ liệu sẽ được nêu ở đây khi đã phúc tra "
                       "(nhập lại độc lập) một phần phiếu."));
  } else {
    doc.push_back(Para("Số phiếu đã phúc tra: " + Int(r.recheck.sheets_entered) +
                       ". Sai số còn lại = số câu máy đã chấp nhận mà người phúc tra xác định là sai, "
                       "trên số câu máy đã chấp nhận được phúc tra (khoảng tin cậy 95%, Wilson)."));
    Block t{.kind = Block::Kind::kTable};
    t.headers = {"Loại câu", "Câu được phúc tra", "Sai", "Sai số còn lại", "Khoảng tin cậy 95%"};
    for (const auto& row : r.recheck.residual) {
      std::string kind = row.kind == "boxes" ? "Ô đánh dấu" : row.kind == "digits" ? "Chữ số" : row.kind == "text" ? "Chữ viết" : row.kind;
      // Residual errors are small shares (0.05% is the target): two decimals.
      auto pct2 = [](double share) {
        char buf[32];
        std::snprintf(buf, sizeof buf, "%.2f%%", 100 * share);
        std::string out = buf;
        for (char& ch : out)
          if (ch == '.') ch = ',';
        return out;
      };
      t.rows.push_back({kind, Int(row.accepted), Int(row.wrong), pct2(row.rate),
                        pct2(row.low) + " – " + pct2(row.high)});
    }
    doc.push_back(std::move(t));
  }

  if (!r.expectation_options.empty()) {
    doc.push_back(Heading("Mong đợi của người trả lời"));
    doc.push_back(Para(r.expectations_question + " — tỷ lệ người trả lời đã chọn mỗi phương án (" +
                       Int(r.overall.expectations_answered) + " / " + Int(r.overall.respondents) +
                       " phiếu có chọn ít nhất một phương án)."));
    Block bars{.kind = Block::Kind::kBars, .text = "Tỷ lệ người trả lời chọn (%)"};
    bars.series = {"Tỷ lệ người trả lời"};
    for (const auto& o : r.expectation_options) {
      auto it = r.overall.expectations.find(o.value);
      int n = it == r.overall.expectations.end() ? 0 : it->second;
      bars.labels.push_back(o.label);
      bars.values.push_back({r.overall.respondents ? 100.0 * n / r.overall.respondents : 0.0});
    }
    doc.push_back(std::move(bars));
  }
  return doc;
}

}  // namespace phieu::exports::internal
