// Copyright 2026 The Phiếu Authors
// SPDX-License-Identifier: Apache-2.0
// phieu serve: the review web app and its JSON API (docs/api.md) over one survey file.
#include <signal.h>
#include <unistd.h>

#include <iostream>
#include <thread>

#include "app/common.h"
#include "app/page_images.h"
#include "app/station_ingest.h"
#include "review-ui/review.h"

namespace phieu::app {
namespace {

constexpr const char* kServeFooter = R"(
Logins: create them first, the password is read from standard input or a prompt:
  phieu user add --db SURVEY.db NAME --role reviewer     (admin | reviewer | clerk)
Then run `phieu serve --db SURVEY.db` and open http://127.0.0.1:8080 in a browser on this
machine. To let the office network in, use --bind 0.0.0.0 (or this machine's address) and open
http://ADDRESS:8080 from the other computers. Items are leased to one reviewer at a time
(--lease-minutes); scans ingested while the server runs show up without a restart.
Ctrl-C (or SIGTERM) stops the server; decisions already answered are in the survey file.
The JSON API is described in docs/api.md.)";

}  // namespace

std::vector<Command> ServeCommands() {
  return {
      {"serve", "Serve the review web app: reviewers clear the queue in a browser",
       [](CLI::App* cmd) {
         cmd->footer(kServeFooter);
         struct Args {
           std::string db;
           review::ServeOptions options;
           int lease_minutes = 10;
           int jobs = 0;
           std::uint64_t max_file_mb = scanner::ScanLimits{}.max_file_bytes >> 20;
         };
         auto a = std::make_shared<Args>();
         cmd->add_option("--db", a->db, "survey file")->required();
         cmd->add_option("--bind", a->options.bind, "address to listen on (default 127.0.0.1: this machine only)");
         cmd->add_option("--port", a->options.port, "port (default 8080)")->check(CLI::Range(1, 65535));
         cmd->add_option("--threads", a->options.threads, "request worker threads (default 16)")
             ->check(CLI::Range(1, 256));
         cmd->add_option("--lease-minutes", a->lease_minutes,
                         "how long an item stays with the reviewer who opened it (default 10)")
             ->check(CLI::Range(1, 24 * 60));
         cmd->add_flag("--log-requests", a->options.log_requests, "print one line per request");
         cmd->add_option("-j,--jobs", a->jobs, "worker threads reading scan stations' files (default: all cores)")
             ->check(CLI::Range(1, 256));
         cmd->add_option("--max-file-mb", a->max_file_mb,
                         "refuse a scan file from a station larger than this (default 2048)")
             ->check(CLI::Range(std::uint64_t{1}, std::uint64_t{1} << 30));
         return std::function<int()>([a] {
           a->options.db = a->db;
           a->options.lease_seconds = a->lease_minutes * 60;
           // Block the stop signals in every thread (the server's threads inherit the mask) and
           // wait for them here, so Ctrl-C stops the server cleanly instead of killing it mid-write.
           sigset_t stop_signals;
           sigemptyset(&stop_signals);
           sigaddset(&stop_signals, SIGINT);
           sigaddset(&stop_signals, SIGTERM);
           pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);

           auto pages = MakePageImageSource();
           // Scan stations' files are read like `phieu ingest` with its defaults.
           pipeline::IngestOptions reading;
           reading.jobs = a->jobs > 0 ? a->jobs : static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
           reading.limits.max_file_bytes = a->max_file_mb << 20;
           auto ingest = MakeIngestRunner(reading);
           auto server = review::Server::Start(a->options, pages.get(), ingest.get());
           if (!server.ok()) return Fail(server.error(), server.error().code == "usage" ? kExitUsage : kExitFailed);
           std::cout << "phieu serve: review screen at http://"
                     << (a->options.bind == "0.0.0.0" ? std::string("THIS-MACHINE") : a->options.bind) << ":"
                     << (*server)->port() << "/  (Ctrl-C to stop)" << std::endl;
           std::thread waiter([&stop_signals, &server] {
             int sig = 0;
             sigwait(&stop_signals, &sig);
             std::cout << "phieu serve: stopping" << std::endl;
             (*server)->Stop();
           });
           (*server)->Wait();
           // A listen failure ends Wait without a signal: wake the waiter so it can end too.
           kill(getpid(), SIGTERM);
           waiter.join();
           (*server)->Stop();
           std::cout << "phieu serve: stopped" << std::endl;
           return kExitOk;
         });
       }},
  };
}

}  // namespace phieu::app
