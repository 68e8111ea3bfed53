// Copyright 2026 The Phiếu Authors
// SPDX-License-Identifier: Apache-2.0
#include "app/station_ingest.h"

#include "app/common.h"
#include "app/ingest_output.h"
#include "pipeline/summary.h"

namespace phieu::app {
namespace {

class PipelineRunner final : public review::IngestRunner {
 public:
  explicit PipelineRunner(const pipeline::IngestOptions& options) : options_(options) {}

  std::uint64_t max_file_bytes() const override { return options_.limits.max_file_bytes; }

  void Run(store::Store& store, std::mutex& writer_lock, std::int64_t batch_id,
           const std::vector<review::StationFile>& files, const std::atomic<bool>& stop) override {
    BatchLog log(store, batch_id, &writer_lock);
    auto catalog = LoadCatalog(store);
    if (!catalog.ok()) return log.Fail(catalog.error().message);
    if (catalog->empty()) return log.Fail("no templates registered in the survey on the server");
    // A file the survey already holds was not sent: it counts as a local ingest would count
    // it when given again (already ingested, or unreadable with its recorded reason).
    pipeline::IngestSummary total;
    std::vector<std::filesystem::path> to_read;
    for (const auto& f : files) {
      auto held = store.FindScanFileBySha256(f.sha256);
      if (!held.ok()) return log.Fail(held.error().message);
      if (*held && (*held)->complete) {
        ++total.files;
        if ((*held)->error.empty()) {
          ++total.files_skipped;
        } else {
          ++total.files_unreadable;
          total.errors.push_back((*held)->error);
        }
      } else {
        to_read.push_back(f.path);
      }
    }
    pipeline::IngestOptions options = options_;
    options.stop = &stop;
    options.writer_lock = &writer_lock;
    options.on_progress = [&log](const pipeline::IngestProgress& p) { log.Progress(p); };
    if (!to_read.empty()) {
      auto summary = pipeline::Ingest(store, *catalog, to_read, options);
      if (!summary.ok()) return log.Fail(summary.error().message);
      total += *summary;
    }
    auto status = store.GetStatus();
    log.Finish(total, status.ok() ? &*status : nullptr, pipeline::SummaryExitCode(total));
  }

 private:
  pipeline::IngestOptions options_;
};

}  // namespace

std::unique_ptr<review::IngestRunner> MakeIngestRunner(const pipeline::IngestOptions& options) {
  return std::make_unique<PipelineRunner>(options);
}

}  // namespace phieu::app
