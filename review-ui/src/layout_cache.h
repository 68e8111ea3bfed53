// Copyright 2026 The Phiếu Authors
// SPDX-License-Identifier: Apache-2.0
// Template layouts of the survey, as frozen when each template was registered (where the boxes
// were printed), loaded once per (id, version) and shared by every worker.
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <utility>

#include "core/result.h"
#include "store/store.h"
#include "templates/layout.h"
#include "templates/templates.h"

namespace phieu::review {

class LayoutCache {
 public:
  /// The layout of template `id` version `version`; nullptr when the survey does not hold it.
  /// A template registered after the server started (a concurrent ingest) is found on a miss.
  /// A template stored before layouts were kept (schema < 3) is laid out again from its source.
  core::Result<std::shared_ptr<const templates::Layout>> Find(store::Store& store,
                                                             const std::string& id, int version) {
    std::lock_guard lock(mu_);  // also serialises Pango, used by ComputeLayout.
    auto key = std::make_pair(id, version);
    if (auto it = layouts_.find(key); it != layouts_.end()) return it->second;
    auto stored = store.LoadTemplateLayouts();
    if (!stored.ok()) return stored.error();
    bool need_sources = false;
    for (auto& s : *stored) {
      auto k = std::make_pair(s.template_id, s.version);
      if (layouts_.count(k)) continue;
      if (s.layout)
        layouts_[k] = std::make_shared<const templates::Layout>(std::move(*s.layout));
      else
        need_sources = true;
    }
    if (need_sources) {
      auto sources = store.LoadTemplateSources();
      if (!sources.ok()) return sources.error();
      for (const auto& src : *sources) {
        auto tpl = templates::ParseTemplate(src, "stored template");
        if (!tpl.ok()) return tpl.error();
        auto k = std::make_pair(tpl->id, tpl->version);
        if (!layouts_.count(k))
          layouts_[k] = std::make_shared<const templates::Layout>(templates::ComputeLayout(*tpl));
      }
    }
    auto it = layouts_.find(key);
    return it == layouts_.end() ? nullptr : it->second;
  }

 private:
  std::mutex mu_;
  std::map<std::pair<std::string, int>, std::shared_ptr<const templates::Layout>> layouts_;
};

}  // namespace phieu::review
