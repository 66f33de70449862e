#include "runner.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <filesystem>
#include <latch>
#include <thread>
#include <utility>

namespace aeternus::bench {
namespace {

using Clock = std::chrono::steady_clock;

double SecondsSince(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

}  // namespace

Runner::Runner(RunConfig config)
    : config_(std::move(config)),
      keys_(config_.key_size),
      values_(config_.value_size, config_.compression_ratio, MixSeed(config_.seed, 0)) {}

Status Runner::RunWorkload(Backend& backend, std::size_t position, WorkloadResult* result) {
  const Workload& workload = *config_.workloads[position];
  const int threads = workload.maintenance ? 1 : std::max(1, config_.params.threads);
  std::atomic<bool> stop{false};
  WorkloadEnv env;
  env.backend = &backend;
  env.keys = &keys_;
  env.values = &values_;
  env.params = config_.params;
  env.params.threads = threads;
  // By position, so that a workload listed twice draws new keys, and every
  // backend draws the same ones.
  env.seed = MixSeed(config_.seed, position + 1);
  env.stop = &stop;

  std::vector<ThreadStats> stats(threads);
  std::vector<Status> statuses(threads);
  std::latch ready(threads);
  std::latch go(1);
  Clock::time_point start;
  {
    std::vector<std::jthread> workers;
    workers.reserve(threads);
    for (int t = 0; t < threads; ++t) {
      workers.emplace_back([&, t] {
        ready.count_down();
        go.wait();
        statuses[t] = workload.run(env, t, &stats[t]);
        if (!statuses[t].ok()) {
          stop.store(true, std::memory_order_relaxed);
        }
      });
    }
    ready.wait();
    start = Clock::now();
    go.count_down();
  }  // joins the workers
  result->seconds = SecondsSince(start);
  result->workload = &workload;
  result->threads = threads;
  result->batch = workload.writes ? std::max(1, config_.params.batch) : 1;
  ThreadStats total;
  for (const ThreadStats& s : stats) {
    total.Merge(s);
  }
  result->ops = total.ops;
  result->bytes = total.bytes;
  result->found = total.found;
  result->user_bytes_written = total.user_bytes_written;
  result->latency = total.latency;
  for (Status& s : statuses) {
    if (!s.ok()) {
      return std::move(s);
    }
  }
  return Status::OK();
}

Status Runner::Run(Backend& backend, const std::function<void(const WorkloadResult&)>& on_result,
                   BackendReport* report) {
  const std::string name(backend.name());
  const std::string dir = (std::filesystem::path(config_.db) / name).string();
  report->backend = name;
  report->dir = dir;
  report->settings = backend.Describe(config_.engine);
  std::error_code ec;
  if (!config_.use_existing_db) {
    std::filesystem::remove_all(dir, ec);
    if (ec) {
      return Status::IOError("cannot remove " + dir, ec.message());
    }
  }
  std::filesystem::create_directories(config_.db, ec);
  if (ec) {
    return Status::IOError("cannot create " + config_.db, ec.message());
  }

  BackendSummary& summary = report->summary;
  TrimHeap();
  summary.rss_baseline = ReadRssBytes();
  const std::optional<IoCounters> io_before = ReadIoCounters();
  RssSampler sampler;
  sampler.Start();

  Status s = backend.Open(dir, config_.engine);
  if (s.IsNotSupported()) {
    report->skipped = std::string(s.message());
    sampler.Stop();
    return Status::OK();
  }
  if (!s.ok()) {
    return WithContext(s, "open " + dir);
  }
  bool wrote = false;
  for (std::size_t i = 0; i < config_.workloads.size(); ++i) {
    WorkloadResult result;
    s = RunWorkload(backend, i, &result);
    if (!s.ok()) {
      backend.Close().IgnoreError();
      return WithContext(s, std::string(config_.workloads[i]->name));
    }
    wrote = wrote || result.workload->writes;
    summary.user_bytes_written += result.user_bytes_written;
    on_result(result);
    report->results.push_back(std::move(result));
  }
  s = Finish(backend, wrote, dir, io_before, &summary);
  if (!s.ok()) {
    backend.Close().IgnoreError();
    return s;
  }
  s = backend.Close();
  summary.rss_peak = sampler.Stop();
  return WithContext(s, "close");
}

Status Runner::Finish(Backend& backend, bool wrote, const std::string& dir,
                      const std::optional<IoCounters>& io_before, BackendSummary* summary) {
  // Background work the workloads left behind is part of their cost.
  Clock::time_point start = Clock::now();
  Status s = backend.WaitForIdle();
  summary->final_wait_seconds = SecondsSince(start);
  if (!s.ok()) {
    return WithContext(s, "final wait for idle");
  }
  const std::optional<IoCounters> io_after = ReadIoCounters();
  if (io_before && io_after) {
    summary->io = IoCounters{
        .write_bytes = io_after->write_bytes - io_before->write_bytes,
        .cancelled_write_bytes = io_after->cancelled_write_bytes - io_before->cancelled_write_bytes,
        .read_bytes = io_after->read_bytes - io_before->read_bytes,
    };
    if (summary->user_bytes_written > 0) {
      summary->write_amplification = static_cast<double>(summary->io->write_bytes) /
                                     static_cast<double>(summary->user_bytes_written);
    }
  }
  summary->engine_stats = backend.EngineStats();
  summary->bytes_when_idle = DirectoryBytes(dir);
  if (!wrote) {
    return Status::OK();
  }
  start = Clock::now();
  s = backend.CompactAll();
  summary->final_compaction_seconds = SecondsSince(start);
  if (!s.ok()) {
    return WithContext(s, "final compaction");
  }
  summary->bytes_after_compaction = DirectoryBytes(dir);
  if (*summary->bytes_after_compaction > 0) {
    summary->space_amplification = static_cast<double>(summary->bytes_when_idle) /
                                   static_cast<double>(*summary->bytes_after_compaction);
  }
  return Status::OK();
}

}  // namespace aeternus::bench
