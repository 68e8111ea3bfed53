// Copyright 2026 The Phiếu Authors
// SPDX-License-Identifier: Apache-2.0
//
// Automatic layout of a template over pages. Each question is built as a block at y = 0, then
// moved onto the page where it fits whole; a question never straddles two pages.
#include <glib.h>

#include <algorithm>
#include <cmath>
#include <regex>

#include "form_plan.h"

namespace phieu::templates::internal {
namespace {

// Geometry, in mm. The anchors' quiet zone is just paper: nothing printed comes closer than
// kAnchorGapMm (more than 4 modules of any anchor we print).
constexpr double kAnchorGapMm = 3.0;
constexpr double kSideInsetMm = 4.0;       ///< content edge inside the anchor column edge.
/// Stacked Vietnamese diacritics on capitals (Ế, Ỗ) rise above Pango's logical line top by up
/// to ~0.17 em; the content area starts this much lower so their ink keeps the anchor gap.
constexpr double kDiacriticOvershootMm = 1.5;
constexpr double kQuestionGapMm = 4.5;     ///< between two question blocks.
constexpr double kWidgetGapMm = 2.0;       ///< question text to its boxes.
constexpr double kOptionRowGapMm = 2.5;    ///< vertical gap between two rows of option boxes.
constexpr double kLabelGapMm = 1.8;        ///< tick box to its label.
constexpr double kIndentMm = 5.0;          ///< options, combs and text areas sit under the text.
constexpr double kColumnGutterMm = 5.0;
constexpr double kDigitCellWMm = 6.0;
constexpr double kDigitCellHMm = 8.0;
constexpr double kDigitCellGapMm = 1.2;
constexpr double kTextLinePitchMm = 9.0;
constexpr double kBoxStrokeMm = 0.3;
constexpr double kGridPadMm = 1.5;
constexpr double kGridMinRowGapMm = 3.0;   ///< >= 2 mm between boxes of neighbouring rows.

const TextStyle kTitleStyle{13.0, true, false};
const TextStyle kSubtitleStyle{10.5, false, true};
const TextStyle kHeaderStyle{9.5, true, false};
const TextStyle kMottoStyle{10.0, true, false};
const TextStyle kInstructionStyle{9.0, false, false};
const TextStyle kSectionStyle{10.5, true, false};
const TextStyle kIntroStyle{9.0, false, true};
const TextStyle kQuestionStyle{10.0, false, false};
const TextStyle kHintStyle{8.5, false, true};
const TextStyle kOptionStyle{9.5, false, false};
const TextStyle kGridHeadStyle{7.5, false, false};
const TextStyle kGridRowStyle{9.0, false, false};
const TextStyle kFooterStyle{8.5, false, false};
const TextStyle kClosingStyle{10.0, false, true};

constexpr const char* kDefaultInstructions =
    "<b>Hướng dẫn:</b> Đánh dấu ✓ hoặc ✗ vào ô vuông phù hợp với ý kiến của Ông/Bà. "
    "Muốn bỏ một ô đã đánh dấu, hãy tô kín ô đó rồi đánh dấu vào ô đúng. "
    "Phần trả lời bằng chữ, xin viết chữ in hoa, rõ ràng; mỗi ô số chỉ ghi một chữ số.";

std::string Escape(const std::string& s) {
  gchar* e = g_markup_escape_text(s.c_str(), static_cast<gssize>(s.size()));
  std::string out(e);
  g_free(e);
  return out;
}

/// Drawing and fields of one question (or section header), built at y = 0.
struct Block {
  double height = 0.0;
  std::vector<Shape> shapes;
  std::vector<TextBlock> texts;
  std::vector<FieldLayout> fields;
};

void ShiftRect(core::RectMm& r, double dy) { r.y += dy; }

class Planner {
 public:
  Planner(const Template& tpl, const LayoutOptions& options) : tpl_(tpl), opt_(options) {
    w_ = tpl.paper.width_mm;
    h_ = tpl.paper.height_mm;
    double clear = opt_.margin_mm + opt_.anchor_mm + kAnchorGapMm;
    band_x0_ = clear;
    band_x1_ = w_ - clear;
    x0_ = opt_.margin_mm + kSideInsetMm;
    x1_ = w_ - opt_.margin_mm - kSideInsetMm;
    y0_ = clear + kDiacriticOvershootMm;
    y1_ = h_ - clear;
  }

  FormPlan Run() {
    plan_.layout.template_id = tpl_.id;
    plan_.layout.version = tpl_.version;
    // Templates that number their own questions ("1. Giới tính") get no "Câu n." prefix, or the
    // form would read "Câu 1. 1. Giới tính".
    static const std::regex kOwnNumber(R"(^\s*(Câu\s+)?[0-9]+[a-z]?[.):])");
    for (const auto& section : tpl_.sections)
      for (const auto& q : section.questions)
        if (std::regex_search(q.text, kOwnNumber)) auto_number_ = false;
    NewPage();
    FirstPageHeader();
    int number = 0;
    for (size_t si = 0; si < tpl_.sections.size(); ++si) {
      const Section& section = tpl_.sections[si];
      Block header = SectionHeader(section);
      for (size_t qi = 0; qi < section.questions.size(); ++qi) {
        Block q = QuestionBlock(section.questions[qi], ++number);
        // A section header stays with its first question.
        double needed = q.height + (qi == 0 ? header.height : 0.0);
        double capacity = y1_ - y0_;
        if (needed > capacity) {
          plan_.problems.push_back(Problem{
              "sections[" + std::to_string(si) + "].questions[" + std::to_string(qi) + "]",
              "question is " + Mm(needed) + " mm tall but a page holds " + Mm(capacity) +
                  " mm; split it into smaller questions (fewer rows or lines)"});
        }
        if (y_ + needed > y1_ && y_ > y0_) NewPage();
        if (qi == 0) Place(std::move(header));
        Place(std::move(q));
        y_ += kQuestionGapMm;
      }
    }
    if (!tpl_.closing.empty()) {
      Block closing;
      TextBlock t = Text(tpl_.closing, kClosingStyle, x0_, 0.0, x1_ - x0_, Align::kCentre);
      closing.height = t.rect.h + 2.0;
      t.rect.y = 2.0;
      closing.texts.push_back(std::move(t));
      if (y_ + closing.height > y1_) NewPage();
      Place(std::move(closing));
    }
    Footers();
    return std::move(plan_);
  }

 private:
  static std::string Mm(double v) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.1f", v);
    return buf;
  }

  TextBlock Text(const std::string& text, const TextStyle& style, double x, double y, double width,
                 Align align = Align::kLeft, bool markup = false) {
    TextBlock t;
    t.text = text;
    t.style = style;
    t.align = align;
    t.markup = markup;
    t.rect = core::RectMm{x, y, width, measure_.HeightMm(text, style, width, markup)};
    return t;
  }

  PagePlan& Page() { return plan_.pages.back(); }

  void NewPage() {
    int number = static_cast<int>(plan_.pages.size()) + 1;
    PageLayout page;
    page.page = number;
    page.width_mm = w_;
    page.height_mm = h_;
    page.anchors = AnchorsFor(w_, h_, opt_);
    plan_.layout.pages.push_back(std::move(page));
    plan_.pages.emplace_back();
    y_ = y0_;
    if (number > 1) {
      // Running head between the top anchors, so a loose page still says what it belongs to.
      TextBlock t = Text(tpl_.title, kHintStyle, band_x0_, 0.0, band_x1_ - band_x0_, Align::kCentre);
      t.ellipsize = true;
      t.rect.h = measure_.HeightMm("Ág", kHintStyle, 0.0);
      t.rect.y = opt_.margin_mm + opt_.anchor_mm / 2 - t.rect.h / 2;
      t.gray = 0.35;
      Page().texts.push_back(std::move(t));
    }
  }

  /// Quốc hiệu, Tiêu ngữ and the agency between the top anchors, then title, subtitle and the
  /// instructions box.
  void FirstPageHeader() {
    double band_w = band_x1_ - band_x0_;
    double left_w = band_w * 0.42;
    double top = opt_.margin_mm + 0.5;
    double bottom = top;
    if (!tpl_.agency.empty()) {
      TextBlock t = Text(tpl_.agency, kHeaderStyle, band_x0_, top, left_w, Align::kCentre);
      double y = top + t.rect.h + 1.0;
      double rule_w = std::min(left_w / 3, 25.0);
      Page().shapes.push_back(Shape{Shape::kLine,
                                    {band_x0_ + (left_w - rule_w) / 2, y, rule_w, 0.0}, 0.25, 0.0});
      Page().texts.push_back(std::move(t));
      bottom = std::max(bottom, y + 0.5);
    }
    if (tpl_.national_header) {
      double x = band_x0_ + left_w;
      double w = band_w - left_w;
      TextBlock nation = Text("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", kHeaderStyle, x, top, w, Align::kCentre);
      TextBlock motto = Text("Độc lập - Tự do - Hạnh phúc", kMottoStyle, x, top + nation.rect.h + 0.3,
                             w, Align::kCentre);
      motto.underline = true;
      bottom = std::max(bottom, motto.rect.bottom());
      Page().texts.push_back(std::move(nation));
      Page().texts.push_back(std::move(motto));
    }
    double y = std::max(bottom + 4.0, y0_);
    double w = x1_ - x0_;
    TextBlock title = Text(tpl_.title, kTitleStyle, x0_, y, w, Align::kCentre);
    y = title.rect.bottom() + 1.0;
    Page().texts.push_back(std::move(title));
    if (!tpl_.subtitle.empty()) {
      TextBlock sub = Text(tpl_.subtitle, kSubtitleStyle, x0_, y, w, Align::kCentre);
      y = sub.rect.bottom() + 1.0;
      Page().texts.push_back(std::move(sub));
    }
    y += 2.0;
    bool custom = !tpl_.instructions.empty();
    constexpr double kPad = 2.0;
    TextBlock ins = Text(custom ? Escape(tpl_.instructions) : std::string(kDefaultInstructions),
                         kInstructionStyle, x0_ + kPad, y + kPad, w - 2 * kPad, Align::kLeft, true);
    double box_h = ins.rect.h + 2 * kPad;
    Page().shapes.push_back(Shape{Shape::kFill, {x0_, y, w, box_h}, 0.0, 0.96});
    Page().shapes.push_back(Shape{Shape::kStroke, {x0_, y, w, box_h}, 0.25, 0.35});
    Page().texts.push_back(std::move(ins));
    y_ = y + box_h + 5.0;
  }

  Block SectionHeader(const Section& s) {
    Block b;
    double w = x1_ - x0_;
    constexpr double kPad = 1.2;
    TextBlock title = Text(s.title, kSectionStyle, x0_ + 2.0, kPad, w - 4.0);
    double band_h = title.rect.h + 2 * kPad;
    b.shapes.push_back(Shape{Shape::kFill, {x0_, 0.0, w, band_h}, 0.0, 0.86});
    b.texts.push_back(std::move(title));
    double y = band_h + 1.5;
    if (!s.intro.empty()) {
      TextBlock intro = Text(s.intro, kIntroStyle, x0_, y, w);
      y = intro.rect.bottom() + 1.0;
      b.texts.push_back(std::move(intro));
    }
    b.height = y + 1.5;
    return b;
  }

  Block QuestionBlock(const Question& q, int number) {
    Block b;
    double w = x1_ - x0_;
    std::string markup = auto_number_ ? "<b>Câu " + std::to_string(number) + ".</b> " + Escape(q.text)
                                      : "<b>" + Escape(q.text) + "</b>";
    TextBlock text = Text(markup, kQuestionStyle, x0_, 0.0, w, Align::kLeft, true);
    double y = text.rect.bottom();
    b.texts.push_back(std::move(text));
    std::string hint = q.hint;
    if (hint.empty() && q.kind == core::FieldKind::kMulti && q.max > 0 &&
        q.text.find("tối đa") == std::string::npos)
      hint = "(Chọn tối đa " + std::to_string(q.max) + " phương án)";
    if (hint.empty() && q.kind == core::FieldKind::kMulti && q.max == 0 &&
        q.text.find("nhiều") == std::string::npos)
      hint = "(Có thể chọn nhiều phương án)";
    if (!hint.empty()) {
      TextBlock h = Text(hint, kHintStyle, x0_ + kIndentMm, y + 0.3, w - kIndentMm);
      h.gray = 0.25;
      y = h.rect.bottom();
      b.texts.push_back(std::move(h));
    }
    const core::RectMm text_mm{x0_, 0.0, w, y};
    std::vector<core::RectMm> text_lines;
    for (const TextBlock& t : b.texts)
      for (const core::RectMm& r : measure_.LineRectsMm(t)) text_lines.push_back(r);
    y += kWidgetGapMm;
    switch (q.kind) {
      case core::FieldKind::kSingle:
      case core::FieldKind::kMulti: y = Options(q, y, b); break;
      case core::FieldKind::kScale: y = Grid(q, y, b); break;
      case core::FieldKind::kDigits: y = Comb(q, y, b); break;
      case core::FieldKind::kText: y = WritingArea(q, y, b); break;
    }
    b.height = y;
    if (q.kind != core::FieldKind::kScale) {
      // The whole question (text and boxes) is the field's extent; a scale row's is its row.
      FieldLayout& f = b.fields.front();
      if (q.kind != core::FieldKind::kText) f.area_mm = core::RectMm{x0_, 0.0, w, y};
      f.text_mm = text_mm;
      f.print_mm = text_lines;
    } else {
      // Every row of a grid shares the question's text and the header of level labels.
      const double first_row = b.fields.empty() ? text_mm.h : b.fields.front().area_mm.y;
      for (FieldLayout& f : b.fields) {
        f.text_mm = core::RectMm{x0_, 0.0, w, first_row};
        f.print_mm.insert(f.print_mm.begin(), grid_head_lines_.begin(), grid_head_lines_.end());
        f.print_mm.insert(f.print_mm.begin(), text_lines.begin(), text_lines.end());
      }
    }
    return b;
  }

  FieldLayout BaseField(const Question& q) {
    FieldLayout f;
    f.id = q.id;
    f.kind = q.kind;
    f.question_id = q.id;
    f.label = q.text;
    f.required = q.required;
    f.personal = q.personal;
    return f;
  }

  double Options(const Question& q, double y, Block& b) {
    FieldLayout f = BaseField(q);
    f.max = q.kind == core::FieldKind::kMulti ? q.max : 0;
    double avail = x1_ - x0_ - kIndentMm;
    double box = opt_.box_mm;
    int n = static_cast<int>(q.options.size());
    int cols = q.columns;
    if (cols <= 0) {
      double widest = 0.0;
      for (const auto& o : q.options) widest = std::max(widest, measure_.WidthMm(o.label, kOptionStyle));
      double need = box + kLabelGapMm + widest + kColumnGutterMm;
      cols = std::clamp(static_cast<int>(avail / need), 1, std::min(n, 5));
      int rows = (n + cols - 1) / cols;
      cols = (n + rows - 1) / rows;  // balance: 5 options in 3+2, not 4+1
    }
    cols = std::min(cols, n);
    double col_w = avail / cols;
    double line_h = measure_.HeightMm("Ág", kOptionStyle, 0.0);
    double label_dy = box / 2 - line_h / 2;  // centre the first label line on the box
    for (int first = 0; first < n; first += cols) {
      double row_h = box;
      for (int c = 0; c < cols && first + c < n; ++c) {
        const Option& o = q.options[first + c];
        double x = x0_ + kIndentMm + c * col_w;
        core::RectMm r{x, y, box, box};
        b.shapes.push_back(Shape{Shape::kStroke, r, kBoxStrokeMm, 0.0});
        double label_x = x + box + kLabelGapMm;
        const double label_w = col_w - box - kLabelGapMm - 2.0;
        TextBlock label = Text(o.label, kOptionStyle, label_x, y + label_dy, label_w);
        row_h = std::max(row_h, label_dy + label.rect.h);
        const double text_w = std::min(label_w, measure_.WidthMm(o.label, kOptionStyle));
        const core::RectMm label_mm =
            text_w > 0 ? core::RectMm{label_x, label.rect.y, text_w, label.rect.h} : core::RectMm{};
        b.texts.push_back(std::move(label));
        f.options.push_back(OptionBox{o.value, o.label, o.numeric, r, label_mm});
      }
      y += row_h + kOptionRowGapMm;
    }
    b.fields.push_back(std::move(f));
    return y - kOptionRowGapMm;
  }

  double Grid(const Question& q, double y, Block& b) {
    const Scale* scale = tpl_.FindScale(q.scale);
    if (scale == nullptr) throw std::invalid_argument("scale question " + q.id + " has no scale");
    const auto& levels = scale->levels;
    int n = static_cast<int>(levels.size());
    double w = x1_ - x0_;
    double level_w = std::clamp(w * 0.5 / n, 12.0, 20.0);
    double crit_w = w - n * level_w;
    double box = opt_.box_mm;
    std::vector<Shape> fills, rules, boxes;

    // Header row: level labels, small, wrapped, centred in their columns.
    double head_h = 0.0;
    std::vector<TextBlock> heads;
    TextStyle crit_head = kGridHeadStyle;
    crit_head.bold = true;
    heads.push_back(Text("Nội dung đánh giá", crit_head, x0_ + kGridPadMm, 0.0, crit_w - 2 * kGridPadMm,
                         Align::kCentre));
    for (int l = 0; l < n; ++l) {
      heads.push_back(Text(levels[l].label, kGridHeadStyle, x0_ + crit_w + l * level_w + 0.8, 0.0,
                           level_w - 1.6, Align::kCentre));
    }
    for (const auto& t : heads) head_h = std::max(head_h, t.rect.h);
    head_h += 2 * 1.2;
    grid_head_lines_.clear();
    for (auto& t : heads) {
      t.rect.y = y + (head_h - t.rect.h) / 2;
      for (const core::RectMm& r : measure_.LineRectsMm(t)) grid_head_lines_.push_back(r);
      b.texts.push_back(std::move(t));
    }
    double top = y;
    fills.push_back(Shape{Shape::kFill, {x0_, y, w, head_h}, 0.0, 0.86});
    y += head_h;

    for (size_t r = 0; r < q.rows.size(); ++r) {
      const ScaleRow& row = q.rows[r];
      TextBlock text = Text(row.text, kGridRowStyle, x0_ + kGridPadMm, 0.0, crit_w - 2 * kGridPadMm);
      double row_h = std::max(text.rect.h + 2 * kGridPadMm, box + kGridMinRowGapMm);
      text.rect.y = y + (row_h - text.rect.h) / 2;
      const std::vector<core::RectMm> criterion = measure_.LineRectsMm(text);
      b.texts.push_back(std::move(text));
      if (r % 2 == 1) fills.push_back(Shape{Shape::kFill, {x0_, y, w, row_h}, 0.0, 0.93});
      if (r > 0) rules.push_back(Shape{Shape::kLine, {x0_, y, w, 0.0}, 0.15, 0.6});
      FieldLayout f = BaseField(q);
      f.id = row.id;
      f.label = row.text;
      f.area_mm = core::RectMm{x0_, y, w, row_h};
      f.print_mm = criterion;
      for (int l = 0; l < n; ++l) {
        double cx = x0_ + crit_w + l * level_w + level_w / 2;
        core::RectMm rect{cx - box / 2, y + row_h / 2 - box / 2, box, box};
        // Paper-white inside the box even on a shaded row: the reader compares ink in the box
        // against an empty box, and a tint there would only add noise.
        fills.push_back(Shape{Shape::kFill, rect, 0.0, 1.0});
        boxes.push_back(Shape{Shape::kStroke, rect, kBoxStrokeMm, 0.0});
        f.options.push_back(OptionBox{levels[l].value, levels[l].label, levels[l].numeric, rect, {}});
      }
      b.fields.push_back(std::move(f));
      y += row_h;
    }
    rules.push_back(Shape{Shape::kLine, {x0_, top + head_h, w, 0.0}, 0.25, 0.3});
    for (int l = 0; l < n; ++l) {
      double x = x0_ + crit_w + l * level_w;
      rules.push_back(Shape{Shape::kLine, {x, top, 0.0, y - top}, l == 0 ? 0.25 : 0.15, l == 0 ? 0.3 : 0.6});
    }
    rules.push_back(Shape{Shape::kStroke, {x0_, top, w, y - top}, 0.3, 0.2});
    for (auto* list : {&fills, &rules, &boxes})
      for (auto& s : *list) b.shapes.push_back(s);
    return y;
  }

  double Comb(const Question& q, double y, Block& b) {
    FieldLayout f = BaseField(q);
    if (q.range_min || q.range_max) {
      long limit = 1;
      for (int i = 0; i < q.digits; ++i) limit *= 10;
      f.has_range = true;
      f.range_min = q.range_min.value_or(0);
      f.range_max = q.range_max.value_or(limit - 1);
    }
    double x = x0_ + kIndentMm;
    for (int i = 0; i < q.digits; ++i) {
      core::RectMm cell{x + i * (kDigitCellWMm + kDigitCellGapMm), y, kDigitCellWMm, kDigitCellHMm};
      b.shapes.push_back(Shape{Shape::kStroke, cell, kBoxStrokeMm, 0.0});
      f.cells_mm.push_back(cell);
    }
    b.fields.push_back(std::move(f));
    return y + kDigitCellHMm;
  }

  double WritingArea(const Question& q, double y, Block& b) {
    FieldLayout f = BaseField(q);
    f.lines = q.lines;
    double x = x0_ + kIndentMm;
    double w = x1_ - x;
    double h = q.lines * kTextLinePitchMm + 2.0;
    f.area_mm = core::RectMm{x, y, w, h};
    b.shapes.push_back(Shape{Shape::kStroke, f.area_mm, 0.25, 0.35});
    for (int i = 1; i <= q.lines; ++i)
      b.shapes.push_back(Shape{Shape::kDottedLine, {x + 3.0, y + i * kTextLinePitchMm, w - 6.0, 0.0}, 0.2, 0.55});
    b.fields.push_back(std::move(f));
    return y + h;
  }

  void Place(Block b) {
    double dy = y_;
    int page = static_cast<int>(plan_.pages.size());
    for (auto& s : b.shapes) {
      ShiftRect(s.rect, dy);
      Page().shapes.push_back(std::move(s));
    }
    for (auto& t : b.texts) {
      ShiftRect(t.rect, dy);
      Page().texts.push_back(std::move(t));
    }
    for (auto& f : b.fields) {
      f.page = page;
      ShiftRect(f.area_mm, dy);
      ShiftRect(f.text_mm, dy);
      for (auto& r : f.print_mm) ShiftRect(r, dy);
      for (auto& o : f.options) {
        ShiftRect(o.box_mm, dy);
        if (o.label_mm.w > 0) ShiftRect(o.label_mm, dy);  // grid levels have none
      }
      for (auto& c : f.cells_mm) ShiftRect(c, dy);
      plan_.layout.fields.push_back(std::move(f));
    }
    y_ += b.height;
  }

  /// Serial, unit and page number between the bottom anchors; the serial and unit are filled
  /// per printed copy by RenderPdf.
  void Footers() {
    int total = static_cast<int>(plan_.pages.size());
    double line_h = measure_.HeightMm("Ág", kFooterStyle, 0.0);
    double y = h_ - opt_.margin_mm - opt_.anchor_mm / 2 - line_h / 2;
    double band_w = band_x1_ - band_x0_;
    double side_w = band_w * 0.3;
    for (int i = 0; i < total; ++i) {
      PagePlan& p = plan_.pages[i];
      p.serial_slot = TextBlock{"", kFooterStyle, {band_x0_, y, side_w, line_h}, Align::kLeft};
      p.unit_slot = TextBlock{"", kFooterStyle, {band_x0_ + side_w, y, band_w - 2 * side_w, line_h},
                              Align::kCentre};
      p.unit_slot.ellipsize = true;
      p.page_slot = TextBlock{"Trang " + std::to_string(i + 1) + "/" + std::to_string(total), kFooterStyle,
                              {band_x1_ - side_w, y, side_w, line_h}, Align::kRight};
      p.page_slot.ellipsize = true;
      p.serial_slot.ellipsize = true;
      p.shapes.push_back(Shape{Shape::kLine, {band_x0_ + 0.5, y - 1.2, band_w - 1.0, 0.0}, 0.15, 0.5});
    }
  }

  const Template& tpl_;
  LayoutOptions opt_;
  TextEngine measure_;
  FormPlan plan_;
  double w_, h_;             ///< page size.
  double x0_, x1_, y0_, y1_; ///< content area.
  double band_x0_, band_x1_; ///< between the anchors (header and footer bands).
  double y_ = 0.0;           ///< next free y on the current page.
  std::vector<core::RectMm> grid_head_lines_;  ///< Grid(): the header labels' lines, block mm.
  bool auto_number_ = true;  ///< prefix questions with "Câu n.".
};

}  // namespace

std::vector<AnchorLayout> AnchorsFor(double width_mm, double height_mm, const LayoutOptions& o) {
  double far_x = width_mm - o.margin_mm - o.anchor_mm;
  double far_y = height_mm - o.margin_mm - o.anchor_mm;
  return {
      AnchorLayout{kTopLeft, {o.margin_mm, o.margin_mm, o.anchor_mm, o.anchor_mm}},
      AnchorLayout{kTopRight, {far_x, o.margin_mm, o.anchor_mm, o.anchor_mm}},
      AnchorLayout{kBottomRight, {far_x, far_y, o.anchor_mm, o.anchor_mm}},
      AnchorLayout{kBottomLeft, {o.margin_mm, far_y, o.anchor_mm, o.anchor_mm}},
  };
}

FormPlan PlanForm(const Template& tpl, const LayoutOptions& options) {
  return Planner(tpl, options).Run();
}

}  // namespace phieu::templates::internal

namespace phieu::templates {

Layout ComputeLayout(const Template& tpl, const LayoutOptions& options) {
  internal::FormPlan plan = internal::PlanForm(tpl, options);
  if (!plan.problems.empty())
    throw std::invalid_argument("template " + tpl.id + " cannot be laid out: " + plan.problems.front().ToString());
  return std::move(plan.layout);
}

}  // namespace phieu::templates
