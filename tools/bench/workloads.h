#pragma once
// Workloads: what a benchmark does to a backend, one named entry each
// (fillseq, readrandom, compact, ...). A workload runs on every thread of
// a run at once; each thread takes its share of the operations and records
// its own measurements, which the runner merges.
//
// Adding a workload: write its thread body in workloads.cc and list it in
// AllWorkloads(); the flags, the report and the JSON output pick it up.

#include <atomic>
#include <cstdint>
#include <functional>
#include <span>
#include <string_view>

#include "backend.h"
#include "generators.h"
#include "histogram.h"

namespace aeternus::bench {

// The sizes and counts a workload works with; the same for every workload
// and backend of a run.
struct WorkloadParams {
  std::uint64_t num = 1000000;    // key numbers are [0, num)
  std::uint64_t reads = 1000000;  // lookups of readrandom and readmissing
  int threads = 1;
  int batch = 1;  // updates per Write; 1 calls Put and Delete directly
};

// What one workload's threads share; read-only while they run.
struct WorkloadEnv {
  Backend* backend = nullptr;
  const KeyFormat* keys = nullptr;
  const ValuePool* values = nullptr;
  WorkloadParams params;
  // Seed of this workload's random choices: the same for every backend.
  std::uint64_t seed = 0;
  // Set when a thread failed: the others stop early.
  const std::atomic<bool>* stop = nullptr;
};

// What one thread measured.
struct ThreadStats {
  Histogram latency;                     // one sample per call to the backend
  std::uint64_t ops = 0;                 // keys written, looked up or visited
  std::uint64_t bytes = 0;               // key + value bytes written or read
  std::uint64_t found = 0;               // lookups that found their key
  std::uint64_t user_bytes_written = 0;  // key + value bytes of the puts

  void Merge(const ThreadStats& other);
};

struct Workload {
  std::string_view name;
  std::string_view description;
  // Puts or deletes: space amplification is measured when any such ran.
  bool writes = false;
  // Counts lookups that found their key ("found N of M" in the report).
  bool counts_found = false;
  // Runs once, on one thread, as one operation; only its time matters
  // (compact, waitidle).
  bool maintenance = false;
  // Worth a ratio between backends. Not for waitidle, whose time is mostly
  // how each backend detects idleness.
  bool compared = true;
  // The body of thread `thread` (of env.params.threads). Any error ends the
  // run; a lookup of an absent key is not an error.
  std::function<Status(const WorkloadEnv& env, int thread, ThreadStats* stats)> run;
};

// Every workload, in the order --help lists them.
std::span<const Workload> AllWorkloads();
// Null when `name` is not a workload.
const Workload* FindWorkload(std::string_view name);

}  // namespace aeternus::bench
