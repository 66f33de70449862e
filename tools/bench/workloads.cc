#include "workloads.h"

#include <algorithm>
#include <chrono>
#include <memory>
#include <string>
#include <vector>

namespace aeternus::bench {
namespace {

using Clock = std::chrono::steady_clock;

std::uint64_t NanosSince(Clock::time_point start) {
  return static_cast<std::uint64_t>(
      std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now() - start).count());
}

bool Stopped(const WorkloadEnv& env) {
  return env.stop != nullptr && env.stop->load(std::memory_order_relaxed);
}

// The share [begin, end) of `total` operations that thread `thread` does.
struct Share {
  std::uint64_t begin;
  std::uint64_t end;
};
Share ShareOf(std::uint64_t total, int thread, int threads) {
  auto at = [&](int t) {
    return static_cast<std::uint64_t>(static_cast<unsigned __int128>(total) *
                                      static_cast<unsigned>(t) / static_cast<unsigned>(threads));
  };
  return {at(thread), at(thread + 1)};
}

// Puts (or deletes) the keys of numbers key_of(i, rng) for this thread's
// share of [0, total), with a fresh value for each put. With batch > 1 the
// updates go in batches of that many, and each latency sample is a batch.
template <typename KeyOf>
Status WriteKeys(const WorkloadEnv& env, int thread, ThreadStats* stats, std::uint64_t total,
                 bool is_delete, KeyOf key_of) {
  const Share share = ShareOf(total, thread, env.params.threads);
  Rng rng(MixSeed(env.seed, static_cast<std::uint64_t>(thread)));
  const int batch_size = std::max(1, env.params.batch);
  std::unique_ptr<Batch> batch = batch_size > 1 ? env.backend->NewBatch() : nullptr;
  int in_batch = 0;
  std::string key;
  for (std::uint64_t i = share.begin; i < share.end && !Stopped(env); ++i) {
    env.keys->Existing(key_of(i, rng), &key);
    const std::string_view value = is_delete ? std::string_view() : env.values->Next(rng);
    ++stats->ops;
    stats->bytes += key.size() + value.size();
    if (!is_delete) {
      stats->user_bytes_written += key.size() + value.size();
    }
    if (batch == nullptr) {
      const Clock::time_point start = Clock::now();
      Status s = is_delete ? env.backend->Delete(key) : env.backend->Put(key, value);
      stats->latency.Add(NanosSince(start));
      if (!s.ok()) {
        return WithContext(s, (is_delete ? "delete " : "put ") + key);
      }
      continue;
    }
    if (is_delete) {
      batch->Delete(key);
    } else {
      batch->Put(key, value);
    }
    if (++in_batch == batch_size || i + 1 == share.end) {
      const Clock::time_point start = Clock::now();
      Status s = env.backend->Write(*batch);
      stats->latency.Add(NanosSince(start));
      if (!s.ok()) {
        return WithContext(s, "write of a batch ending at " + key);
      }
      batch->Clear();
      in_batch = 0;
    }
  }
  return Status::OK();
}

// Looks up env.params.reads random key numbers (this thread's share): their
// keys, or with `missing` keys that were never written.
Status ReadRandom(const WorkloadEnv& env, int thread, ThreadStats* stats, bool missing) {
  const Share share = ShareOf(env.params.reads, thread, env.params.threads);
  Rng rng(MixSeed(env.seed, static_cast<std::uint64_t>(thread)));
  std::string key;
  std::string value;
  for (std::uint64_t i = share.begin; i < share.end && !Stopped(env); ++i) {
    const std::uint64_t n = rng.Uniform(env.params.num);
    if (missing) {
      env.keys->Missing(n, &key);
    } else {
      env.keys->Existing(n, &key);
    }
    bool found = false;
    const Clock::time_point start = Clock::now();
    Status s = env.backend->Get(key, &value, &found);
    stats->latency.Add(NanosSince(start));
    if (!s.ok()) {
      return WithContext(s, "get " + key);
    }
    ++stats->ops;
    stats->bytes += key.size();
    if (!found) {
      continue;
    }
    ++stats->found;
    stats->bytes += value.size();
    if (missing) {
      return Status::Corruption("get " + key + " found a value, but no workload writes that key");
    }
    if (value.size() != env.values->value_size()) {
      return Status::Corruption("get " + key + " returned " + std::to_string(value.size()) +
                                " bytes; the workloads write " +
                                std::to_string(env.values->value_size()));
    }
  }
  return Status::OK();
}

// Visits every entry, forward or backward. Each latency sample is one step:
// moving to the entry and reading its key and value.
Status Scan(const WorkloadEnv& env, ThreadStats* stats, bool reverse) {
  std::unique_ptr<Cursor> cursor = env.backend->NewCursor();
  Clock::time_point start = Clock::now();
  if (reverse) {
    cursor->SeekToLast();
  } else {
    cursor->SeekToFirst();
  }
  while (cursor->Valid() && !Stopped(env)) {
    stats->bytes += cursor->key().size() + cursor->value().size();
    ++stats->ops;
    const Clock::time_point now = Clock::now();
    stats->latency.Add(static_cast<std::uint64_t>(
        std::chrono::duration_cast<std::chrono::nanoseconds>(now - start).count()));
    start = now;
    if (reverse) {
      cursor->Prev();
    } else {
      cursor->Next();
    }
  }
  Status s = cursor->status();
  return s.ok() ? Status::OK() : WithContext(s, reverse ? "reverse scan" : "scan");
}

// One call, timed as one operation.
template <typename Call>
Status Once(ThreadStats* stats, const std::string& what, Call call) {
  const Clock::time_point start = Clock::now();
  Status s = call();
  stats->latency.Add(NanosSince(start));
  stats->ops = 1;
  return s.ok() ? Status::OK() : WithContext(s, what);
}

std::vector<Workload> MakeWorkloads() {
  std::vector<Workload> w;
  w.push_back({
      .name = "fillseq",
      .description = "put keys 0..num-1 in key order",
      .writes = true,
      .run =
          [](const WorkloadEnv& env, int thread, ThreadStats* stats) {
            return WriteKeys(env, thread, stats, env.params.num, false,
                             [](std::uint64_t i, Rng&) { return i; });
          },
  });
  w.push_back({
      .name = "fillrandom",
      .description = "put keys 0..num-1, each once, in a random order",
      .writes = true,
      .run =
          [](const WorkloadEnv& env, int thread, ThreadStats* stats) {
            const Permutation order(env.params.num, env.seed);
            return WriteKeys(env, thread, stats, env.params.num, false,
                             [&order](std::uint64_t i, Rng&) { return order(i); });
          },
  });
  w.push_back({
      .name = "overwrite",
      .description = "put num random keys of 0..num-1 (with repeats)",
      .writes = true,
      .run =
          [](const WorkloadEnv& env, int thread, ThreadStats* stats) {
            const std::uint64_t num = env.params.num;
            return WriteKeys(env, thread, stats, num, false,
                             [num](std::uint64_t, Rng& rng) { return rng.Uniform(num); });
          },
  });
  w.push_back({
      .name = "readrandom",
      .description = "get --reads random keys of 0..num-1",
      .counts_found = true,
      .run = [](const WorkloadEnv& env, int thread,
                ThreadStats* stats) { return ReadRandom(env, thread, stats, false); },
  });
  w.push_back({
      .name = "readmissing",
      .description = "get --reads random keys that were never written",
      .counts_found = true,
      .run = [](const WorkloadEnv& env, int thread,
                ThreadStats* stats) { return ReadRandom(env, thread, stats, true); },
  });
  w.push_back({
      .name = "readseq",
      .description = "iterate over all entries in key order (each thread)",
      .run = [](const WorkloadEnv& env, int,
                ThreadStats* stats) { return Scan(env, stats, false); },
  });
  w.push_back({
      .name = "readreverse",
      .description = "iterate over all entries in reverse key order (each thread)",
      .run = [](const WorkloadEnv& env, int, ThreadStats* stats) { return Scan(env, stats, true); },
  });
  w.push_back({
      .name = "deleterandom",
      .description = "delete num random keys of 0..num-1 (with repeats)",
      .writes = true,
      .run =
          [](const WorkloadEnv& env, int thread, ThreadStats* stats) {
            const std::uint64_t num = env.params.num;
            return WriteKeys(env, thread, stats, num, true,
                             [num](std::uint64_t, Rng& rng) { return rng.Uniform(num); });
          },
  });
  w.push_back({
      .name = "compact",
      .description = "compact everything into one sorted run",
      .maintenance = true,
      .run =
          [](const WorkloadEnv& env, int, ThreadStats* stats) {
            return Once(stats, "compact", [&env] { return env.backend->CompactAll(); });
          },
  });
  w.push_back({
      .name = "waitidle",
      .description = "wait until no flush or compaction runs or is due",
      .maintenance = true,
      .compared = false,
      .run =
          [](const WorkloadEnv& env, int, ThreadStats* stats) {
            return Once(stats, "waitidle", [&env] { return env.backend->WaitForIdle(); });
          },
  });
  return w;
}

}  // namespace

void ThreadStats::Merge(const ThreadStats& other) {
  latency.Merge(other.latency);
  ops += other.ops;
  bytes += other.bytes;
  found += other.found;
  user_bytes_written += other.user_bytes_written;
}

std::span<const Workload> AllWorkloads() {
  static const std::vector<Workload> workloads = MakeWorkloads();
  return workloads;
}

const Workload* FindWorkload(std::string_view name) {
  for (const Workload& w : AllWorkloads()) {
    if (w.name == name) {
      return &w;
    }
  }
  return nullptr;
}

}  // namespace aeternus::bench
