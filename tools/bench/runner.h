#pragma once
// Runner: runs the configured workloads on one backend after another and
// takes the end-of-run measurements (docs/benchmarks.md, "Amplification").
//
// Each backend works in its own directory, <db>/<backend name>, and runs the
// whole workload list before the next backend starts, so that the /proc
// figures taken around its run are its own.
//
// Thread safety: one thread calls Run at a time.

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "backend.h"
#include "generators.h"
#include "histogram.h"
#include "process_stats.h"
#include "workloads.h"

namespace aeternus::bench {

// One entry of the run's list: a workload and its thread count. A
// workload whose ThreadRule is kSweep gives one step per thread count.
struct Step {
  const Workload* workload = nullptr;
  int threads = 1;
  // How the report names it: the workload's name, with "/<threads>t" for
  // kSweep ("fillsync/4t").
  std::string label;
};

// The steps of `workloads` (in run order) for --threads=`threads`, which
// the user gave explicitly when `threads_given`. InvalidArgument when a
// workload cannot run with that many threads (readwhilewriting needs 2).
Status PlanSteps(const std::vector<const Workload*>& workloads, int threads, bool threads_given,
                 std::vector<Step>* steps);

struct RunConfig {
  WorkloadParams params;
  std::size_t key_size = 16;
  std::size_t value_size = 100;
  double compression_ratio = 0.5;
  std::uint64_t seed = 301;
  std::string db;  // base directory
  bool use_existing_db = false;
  EngineConfig engine;
  std::vector<Step> steps;  // in run order
};

struct WorkloadResult {
  const Workload* workload = nullptr;
  std::string label;  // Step::label
  int threads = 1;
  int batch = 1;       // updates per latency sample (write workloads)
  double seconds = 0;  // wall time, first thread started to last finished
  std::uint64_t ops = 0;
  std::uint64_t bytes = 0;
  std::uint64_t lookups = 0;
  std::uint64_t found = 0;
  std::uint64_t user_bytes_written = 0;
  Histogram latency;  // nanoseconds
  // Per kind of operation, for workloads that mix kinds (YCSB,
  // readwhilewriting); latencies in nanoseconds.
  std::vector<OpKindStats> kinds;
  // Why the workload did not run on this backend (the store was empty);
  // empty when it ran.
  std::string skipped;
  // What the reader should know about this result on this backend (such
  // as an emulated DeleteRange); may be empty.
  std::string note;

  double OpsPerSecond() const { return seconds > 0 ? static_cast<double>(ops) / seconds : 0; }
  double MiBPerSecond() const {
    return seconds > 0 ? static_cast<double>(bytes) / 1048576.0 / seconds : 0;
  }
};

// Measurements over one backend's run, taken as docs/benchmarks.md
// describes; nullopt where the figure could not be taken.
struct BackendSummary {
  // Key + value bytes of all puts.
  std::uint64_t user_bytes_written = 0;
  // /proc/self/io, difference from before Open to after the final wait for
  // idle (WAL, flushes and compactions included).
  std::optional<IoCounters> io;
  std::optional<double> write_amplification;  // io->write_bytes / user bytes
  double final_wait_seconds = 0;
  std::uint64_t bytes_when_idle = 0;  // directory bytes after the final wait
  // After a full compaction, done when a workload wrote anything.
  std::optional<std::uint64_t> bytes_after_compaction;
  double final_compaction_seconds = 0;
  std::optional<double> space_amplification;
  // VmRSS before Open, and the largest VmRSS sampled until after Close.
  std::optional<std::uint64_t> rss_baseline;
  std::optional<std::uint64_t> rss_peak;
  std::optional<std::uint64_t> anon_baseline;  // RssAnon before open
  std::optional<std::uint64_t> anon_peak;      // largest RssAnon from open to close
  // Lines from the engine's own statistics, taken after the final wait.
  std::vector<std::string> engine_stats;
};

struct BackendReport {
  std::string backend;
  std::string dir;
  std::vector<Setting> settings;
  // Why the backend did not run (it cannot run this configuration); empty
  // when it ran.
  std::string skipped;
  std::vector<WorkloadResult> results;
  BackendSummary summary;
};

class Runner {
 public:
  // REQUIRES: KeyFormat::CanHold(config.key_size, config.params.num).
  explicit Runner(RunConfig config);

  const RunConfig& config() const { return config_; }

  // Fills report->backend, dir and settings. Then opens the backend in a
  // fresh directory (kept with --use_existing_db), runs every workload,
  // calling on_result after each, and measures. An Open that says
  // NotSupported skips the backend (report->skipped) and returns OK; any
  // other error is returned, with the backend closed.
  Status Run(Backend& backend, const std::function<void(const WorkloadResult&)>& on_result,
             BackendReport* report);

 private:
  // Runs step number `position` of the list on its threads.
  Status RunWorkload(Backend& backend, std::size_t position, WorkloadResult* result);
  // The end-of-run measurements, after the workloads.
  Status Finish(Backend& backend, bool wrote, const std::string& dir,
                const std::optional<IoCounters>& io_before, BackendSummary* summary);

  RunConfig config_;
  KeyFormat keys_;
  ValuePool values_;
  // The key numbers of the running backend's YCSB inserts; new for each
  // backend.
  std::unique_ptr<InsertCounter> inserts_;
};

}  // namespace aeternus::bench
