// Copyright 2026 The Phiếu Authors
// SPDX-License-Identifier: Apache-2.0
#include "exports/survey_kit.h"

#include <cstdio>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include "templates/templates.h"

namespace phieu::testing {

std::unique_ptr<SurveyKit> SurveyKit::Create(const std::filesystem::path& db, const std::string& template_json,
                                             const std::string& units_csv) {
  auto kit = std::unique_ptr<SurveyKit>(new SurveyKit);
  auto tpl = templates::ParseTemplate(template_json, "kit template");
  if (!tpl.ok()) throw std::runtime_error(tpl.error().message);
  kit->tpl_ = *tpl;
  kit->layout_ = templates::ComputeLayout(kit->tpl_);
  auto store = store::Store::Open(db, true);
  if (!store.ok()) throw std::runtime_error(store.error().message);
  kit->store_ = std::move(*store);
  if (auto st = kit->store_->RegisterTemplate(kit->tpl_, kit->layout_); !st.ok())
    throw std::runtime_error(st.error().message);
  if (auto u = kit->store_->ImportUnitsCsv(units_csv, "units.csv"); !u.ok())
    throw std::runtime_error(u.error().message);
  // One "scan file" holds every page the kit stores (page_index counts up).
  const std::string name = db.string();
  std::vector<unsigned char> bytes(name.begin(), name.end());
  auto f = kit->store_->BeginScanFile(store::Sha256Hex(bytes), "kit-scans.pdf", bytes, 1);
  if (!f.ok()) throw std::runtime_error(f.error().message);
  kit->file_id_ = f->file_id;
  return kit;
}

templates::TemplateCatalog SurveyKit::Catalog() const {
  templates::TemplateCatalog c;
  c.Add(layout_);
  return c;
}

core::Serial SurveyKit::Add(const KitSheet& sheet) {
  auto serials = store_->AllocateSerials(tpl_.id, tpl_.version, sheet.unit, 1);
  if (!serials.ok()) throw std::runtime_error(serials.error().message);
  const core::Serial serial = serials->front();
  for (const auto& page : layout_.pages) {
    bool skipped = false;
    for (int p : sheet.skip_pages) skipped = skipped || p == page.page;
    if (skipped) continue;
    store::PageRecord r;
    r.file_id = file_id_;
    r.page_index = next_page_index_++;
    r.status = "ok";
    r.key = {.template_id = tpl_.id, .version = tpl_.version, .page = page.page, .serial = serial};
    r.anchors_found = 4;
    r.px_per_mm = 300 / 25.4;
    for (const auto& f : layout_.fields) {
      if (f.page != page.page) continue;
      store::ReadingRecord reading{.field_id = f.id, .kind = f.kind, .page = f.page, .confidence = 0.98f};
      bool review = false;
      for (const auto& id : sheet.review) review = review || id == f.id;
      if (review) {
        reading.needs_review = true;
        reading.confidence = 0.4f;
        reading.reason = "kit: needs review";
      }
      if (core::IsBoxKind(f.kind)) {
        if (auto it = sheet.boxes.find(f.id); it != sheet.boxes.end()) reading.selected = it->second;
        for (const auto& o : f.options) {
          bool marked = false;
          for (const auto& v : reading.selected) marked = marked || v == o.value;
          reading.boxes.push_back({.value = o.value,
                                   .state = marked ? "marked" : "empty",
                                   .ink = marked ? 0.4f : 0.01f, .fill = marked ? 0.3f : 0.0f,
                                   .confidence = 0.98f});
        }
      } else if (auto it = sheet.texts.find(f.id); it != sheet.texts.end()) {
        reading.text = it->second;
      }
      reading.crop_mm = f.area_mm;
      r.readings.push_back(std::move(reading));
    }
    auto saved = store_->SavePage(r);
    if (!saved.ok()) throw std::runtime_error(saved.error().message);
  }
  return serial;
}

std::string ReadText(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

int Shell(const std::string& command, std::string* out) {
  FILE* p = popen((command + " 2>&1").c_str(), "r");
  if (!p) return -1;
  std::string text;
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, p)) > 0) text.append(buf, n);
  int status = pclose(p);
  if (out) *out = text;
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

}  // namespace phieu::testing
