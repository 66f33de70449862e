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

// Sets *empty to whether the store holds no entry at all.
Status StoreIsEmpty(Backend& backend, bool* empty) {
  std::unique_ptr<Cursor> cursor = backend.NewCursor();
  cursor->SeekToFirst();
  *empty = !cursor->Valid();
  Status s = cursor->status();
  return s.ok() ? Status::OK() : WithContext(s, "check for data");
}

}  // namespace

Status PlanSteps(const std::vector<const Workload*>& workloads, int threads, bool threads_given,
                 std::vector<Step>* steps) {
  steps->clear();
  for (const Workload* workload : workloads) {
    const std::string name(workload->name);
    switch (workload->threads) {
      case ThreadRule::kFlag:
        steps->push_back({workload, workload->maintenance ? 1 : threads, name});
        break;
      case ThreadRule::kSweep:
        if (threads_given) {
          steps->push_back({workload, threads, name + "/" + std::to_string(threads) + "t"});
        } else {
          for (const int n : {1, 2, 4, 8}) {
            steps->push_back({workload, n, name + "/" + std::to_string(n) + "t"});
          }
        }
        break;
      case ThreadRule::kReadersAndWriter:
        if (threads_given && threads < 2) {
          return Status::InvalidArgument(name + " needs --threads of at least 2 (one writer and " +
                                         "the readers); without --threads it uses 2");
        }
        steps->push_back({workload, threads_given ? threads : 2, name});
        break;
    }
  }
  return Status::OK();
}

Runner::Runner(RunConfig config)
    : config_(std::move(config)),
      keys_(config_.key_size),
      values_(config_.value_size, config_.compression_ratio, MixSeed(config_.seed, 0)) {}

Status Runner::RunWorkload(Backend& backend, std::size_t position, WorkloadResult* result) {
  const Step& step = config_.steps[position];
  const Workload& workload = *step.workload;
  const int threads = std::max(1, step.threads);
  std::atomic<bool> stop{false};
  std::atomic<int> readers_running{threads - 1};  // readwhilewriting's readers
  WorkloadEnv env;
  env.backend = &backend;
  env.keys = &keys_;
  env.values = &values_;
  env.params = config_.params;
  env.params.threads = threads;
  env.params.batch = workload.batch > 0 ? workload.batch : std::max(1, config_.params.batch);
  // By position, so that a workload listed twice draws new keys, and every
  // backend draws the same ones.
  env.seed = MixSeed(config_.seed, position + 1);
  env.stop = &stop;
  env.inserts = inserts_.get();
  env.records = inserts_->last() + 1;
  env.readers_running = &readers_running;

  result->workload = &workload;
  result->label = step.label;
  result->threads = threads;
  result->batch = workload.writes ? env.params.batch : 1;
  result->note = std::string(workload.note);
  if (workload.deletes_ranges && !backend.DeleteRangeEmulation().empty()) {
    result->note += result->note.empty() ? "" : ", ";
    result->note += "DeleteRange " + std::string(backend.DeleteRangeEmulation());
  }
  if (workload.needs_data) {
    bool empty = false;
    if (Status s = StoreIsEmpty(backend, &empty); !s.ok()) {
      return s;
    }
    if (empty) {
      result->skipped =
          "the store is empty; load keys first (such as fillrandom before it in --benchmarks)";
      return Status::OK();
    }
  }

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
  ThreadStats total;
  for (const ThreadStats& s : stats) {
    total.Merge(s);
  }
  result->ops = total.ops;
  result->bytes = total.bytes;
  result->lookups = total.lookups;
  result->found = total.found;
  result->user_bytes_written = total.user_bytes_written;
  result->latency = total.latency;
  result->kinds.assign(total.kinds.begin(), total.kinds.end());
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

  inserts_ = std::make_unique<InsertCounter>(config_.params.num);
  BackendSummary& summary = report->summary;
  TrimHeap();
  summary.rss_baseline = ReadRssBytes();
  summary.anon_baseline = ReadAnonRssBytes();
  const std::optional<IoCounters> io_before = ReadIoCounters();
  RssSampler sampler;
  RssSampler anon_sampler(&ReadAnonRssBytes);
  sampler.Start();
  anon_sampler.Start();

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
  for (std::size_t i = 0; i < config_.steps.size(); ++i) {
    WorkloadResult result;
    s = RunWorkload(backend, i, &result);
    if (!s.ok()) {
      backend.Close().IgnoreError();
      return WithContext(s, config_.steps[i].label);
    }
    wrote = wrote || (result.workload->writes && result.skipped.empty());
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
  summary.anon_peak = anon_sampler.Stop();
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
