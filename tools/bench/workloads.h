#pragma once
// Workloads: what a benchmark does to a backend, one named entry each
// (fillseq, readrandom, ycsba, compact, ...). A workload runs on all its
// threads at once; each thread takes its share of the operations and
// records its own measurements, which the runner merges.
//
// Adding a workload: write its thread body in workloads.cc and list it in
// AllWorkloads(); the flags, the report, the chart and the JSON output pick
// it up.

#include <atomic>
#include <cstdint>
#include <deque>
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
  std::uint64_t num = 1000000;  // key numbers are [0, num)
  // Operations of readrandom, readmissing, seekrandom, the readers of
  // readwhilewriting, and the YCSB workloads.
  std::uint64_t reads = 1000000;
  std::uint64_t sync_num = 10000;  // puts of fillsync, whatever its threads
  int threads = 1;
  int batch = 1;  // updates per Write; 1 calls Put and Delete directly
};

// The scan lengths of seekrandom (entries after the one sought) and ycsbe
// (at most; uniform from 1), and the width of deleterange's ranges.
inline constexpr int kSeekNexts = 10;
inline constexpr int kYcsbMaxScanLength = 100;
inline constexpr std::uint64_t kDeleteRangeWidth = 100;
// Keys per batch of fillbatch.
inline constexpr int kFillBatchSize = 100;

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
  // The key numbers of the backend's run: [0, num) loaded, then those the
  // YCSB workloads insert. Outlives the workload.
  InsertCounter* inserts = nullptr;
  // Key numbers [0, records) were written when the workload started: num
  // plus the inserts of earlier workloads.
  std::uint64_t records = 0;
  // Reader threads of readwhilewriting still running; its writer stops at 0.
  std::atomic<int>* readers_running = nullptr;
};

// The operations of one kind in a workload that mixes several (YCSB:
// read, update, insert, scan, rmw; readwhilewriting: read, write).
struct OpKindStats {
  std::string_view kind;
  // False for operations outside the workload's own count and latency
  // (the writer of readwhilewriting).
  bool counted = true;
  std::uint64_t ops = 0;
  Histogram latency;
};

// What one thread measured.
struct ThreadStats {
  Histogram latency;                     // one sample per operation counted
  std::uint64_t ops = 0;                 // keys written, looked up or visited
  std::uint64_t bytes = 0;               // key + value bytes written or read
  std::uint64_t lookups = 0;             // gets and seeks to a chosen key
  std::uint64_t found = 0;               // of those, that found their key
  std::uint64_t user_bytes_written = 0;  // key + value bytes of the puts
  // Per kind, in the order first seen; empty for single-kind workloads. A
  // deque, so that a reference from Kind() stays valid as kinds are added.
  std::deque<OpKindStats> kinds;

  // The entry of `kind`, added when missing.
  OpKindStats& Kind(std::string_view kind);
  void Merge(const ThreadStats& other);
};

// How many threads run a workload.
enum class ThreadRule : std::uint8_t {
  kFlag,              // --threads
  kSweep,             // --threads if given, else once each with 1, 2, 4 and 8
  kReadersAndWriter,  // --threads if given (at least 2), else 2: one writes
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
  ThreadRule threads = ThreadRule::kFlag;
  // Syncs every write whatever --sync says: the run measures the machine's
  // fsync rate first, to read it against.
  bool syncs_writes = false;
  // Updates per Write: 0 follows --batch; otherwise this many (1: single
  // Put and Delete calls).
  int batch = 0;
  // Works on the loaded keys: skipped, saying so, when the store is empty.
  bool needs_data = false;
  // Inserts keys after the loaded ones: at most --reads of them.
  bool inserts = false;
  // Calls DeleteRange: the report says when a backend emulates it.
  bool deletes_ranges = false;
  // Shown in the notes column of every result.
  std::string_view note = {};
  // The body of thread `thread` (of env.params.threads). Any error ends the
  // run; a lookup of an absent key is not an error.
  std::function<Status(const WorkloadEnv& env, int thread, ThreadStats* stats)> run;
};

// Every workload, in the order --help lists them.
std::span<const Workload> AllWorkloads();
// Null when `name` is not a workload.
const Workload* FindWorkload(std::string_view name);

}  // namespace aeternus::bench
