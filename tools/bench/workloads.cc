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
// share of [0, total), with a fresh value for each put. With
// env.params.batch > 1 the updates go in batches of that many, and each
// latency sample is a batch.
template <typename KeyOf>
Status WriteKeys(const WorkloadEnv& env, int thread, ThreadStats* stats, std::uint64_t total,
                 bool is_delete, Sync sync, KeyOf key_of) {
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
      Status s = is_delete ? env.backend->Delete(key, sync) : env.backend->Put(key, value, sync);
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
      Status s = env.backend->Write(*batch, sync);
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

// Checks a value read back: every workload writes values of one size.
Status CheckValue(const WorkloadEnv& env, const std::string& key, std::string_view value) {
  if (value.size() == env.values->value_size()) {
    return Status::OK();
  }
  return Status::Corruption("get " + key + " returned " + std::to_string(value.size()) +
                            " bytes; the workloads write " +
                            std::to_string(env.values->value_size()));
}

// Gets `key`, counting the lookup and its bytes.
Status Lookup(const WorkloadEnv& env, const std::string& key, std::string* value,
              ThreadStats* stats, bool* found) {
  Status s = env.backend->Get(key, value, found);
  if (!s.ok()) {
    return WithContext(s, "get " + key);
  }
  ++stats->lookups;
  stats->bytes += key.size();
  if (!*found) {
    return Status::OK();
  }
  ++stats->found;
  stats->bytes += value->size();
  return CheckValue(env, key, *value);
}

// Looks up this thread's share (of `readers` threads) of env.params.reads
// random key numbers: their keys, or with `missing` keys that were never
// written. A non-empty `kind` also records each lookup under that kind.
Status ReadRandom(const WorkloadEnv& env, int thread, int readers, ThreadStats* stats, bool missing,
                  std::string_view kind) {
  const Share share = ShareOf(env.params.reads, thread, readers);
  Rng rng(MixSeed(env.seed, static_cast<std::uint64_t>(thread)));
  OpKindStats* kind_stats = kind.empty() ? nullptr : &stats->Kind(kind);
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
    Status s = Lookup(env, key, &value, stats, &found);
    const std::uint64_t nanos = NanosSince(start);
    stats->latency.Add(nanos);
    ++stats->ops;
    if (kind_stats != nullptr) {
      ++kind_stats->ops;
      kind_stats->latency.Add(nanos);
    }
    if (!s.ok()) {
      return s;
    }
    if (missing && found) {
      return Status::Corruption("get " + key + " found a value, but no workload writes that key");
    }
  }
  return Status::OK();
}

// Reads up to `entries` entries from the cursor's position on, counting
// their bytes.
void ReadEntries(Cursor& cursor, int entries, ThreadStats* stats) {
  for (int read = 0; cursor.Valid();) {
    stats->bytes += cursor.key().size() + cursor.value().size();
    if (++read == entries) {
      break;
    }
    cursor.Next();
  }
}

// Seeks a new cursor to a random existing key and reads that entry and the
// kSeekNexts after it; a sample covers the cursor's creation, the seek, the
// steps and its destruction (as in db_bench, each seek has its own cursor).
Status SeekRandom(const WorkloadEnv& env, int thread, ThreadStats* stats) {
  const Share share = ShareOf(env.params.reads, thread, env.params.threads);
  Rng rng(MixSeed(env.seed, static_cast<std::uint64_t>(thread)));
  std::string key;
  for (std::uint64_t i = share.begin; i < share.end && !Stopped(env); ++i) {
    env.keys->Existing(rng.Uniform(env.params.num), &key);
    Status s;
    const Clock::time_point start = Clock::now();
    {
      std::unique_ptr<Cursor> cursor = env.backend->NewCursor();
      cursor->Seek(key);
      ++stats->lookups;
      if (cursor->Valid() && cursor->key() == key) {
        ++stats->found;
      }
      ReadEntries(*cursor, 1 + kSeekNexts, stats);
      s = cursor->status();
    }
    stats->latency.Add(NanosSince(start));
    ++stats->ops;
    if (!s.ok()) {
      return WithContext(s, "seek to " + key);
    }
  }
  return Status::OK();
}

// Deletes this thread's share of max(1, num / kDeleteRangeWidth) ranges of
// kDeleteRangeWidth consecutive key numbers, each starting at a random key
// number (ranges may overlap, as deleterandom's keys repeat).
Status DeleteRanges(const WorkloadEnv& env, int thread, ThreadStats* stats) {
  const std::uint64_t num = env.params.num;
  const std::uint64_t width = std::min(kDeleteRangeWidth, num);
  const std::uint64_t ranges = std::max<std::uint64_t>(1, num / kDeleteRangeWidth);
  const Share share = ShareOf(ranges, thread, env.params.threads);
  Rng rng(MixSeed(env.seed, static_cast<std::uint64_t>(thread)));
  std::string begin;
  std::string end;
  for (std::uint64_t i = share.begin; i < share.end && !Stopped(env); ++i) {
    const std::uint64_t first = rng.Uniform(num - width + 1);
    env.keys->Existing(first, &begin);
    env.keys->Existing(first + width, &end);  // at most num: fits, see bench_main.cc
    const Clock::time_point start = Clock::now();
    Status s = env.backend->DeleteRange(begin, end, Sync::kAsConfigured);
    stats->latency.Add(NanosSince(start));
    ++stats->ops;
    stats->bytes += begin.size() + end.size();
    if (!s.ok()) {
      return WithContext(s, "delete range [" + begin + ", " + end + ")");
    }
  }
  return Status::OK();
}

// readwhilewriting: threads 0 .. threads-2 read (readrandom), the last one
// overwrites random keys at full speed until every reader is done. Only the
// readers count as the workload's operations; the writer's puts are the
// "write" kind.
Status ReadWhileWriting(const WorkloadEnv& env, int thread, ThreadStats* stats) {
  const int readers = env.params.threads - 1;
  if (thread < readers) {
    Status s = ReadRandom(env, thread, readers, stats, false, "read");
    env.readers_running->fetch_sub(1, std::memory_order_release);
    return s;
  }
  Rng rng(MixSeed(env.seed, static_cast<std::uint64_t>(thread)));
  OpKindStats& writes = stats->Kind("write");
  writes.counted = false;
  std::string key;
  while (env.readers_running->load(std::memory_order_acquire) > 0 && !Stopped(env)) {
    env.keys->Existing(rng.Uniform(env.params.num), &key);
    const std::string_view value = env.values->Next(rng);
    const Clock::time_point start = Clock::now();
    Status s = env.backend->Put(key, value, Sync::kAsConfigured);
    writes.latency.Add(NanosSince(start));
    ++writes.ops;
    stats->user_bytes_written += key.size() + value.size();
    if (!s.ok()) {
      return WithContext(s, "put " + key);
    }
  }
  return Status::OK();
}

// The operation mix and key choice of one YCSB core workload
// (workloads/workload[a-f] in the YCSB repository).
struct YcsbMix {
  double read = 0;
  double update = 0;
  double insert = 0;
  double scan = 0;
  double rmw = 0;  // read-modify-write
  // requestdistribution=latest (ycsbd); otherwise zipfian.
  bool latest = false;
};

// One thread of a YCSB workload: its share of env.params.reads operations,
// each chosen by `mix` (as YCSB's DiscreteGenerator: one uniform draw
// against the cumulative proportions, in the order read, update, insert,
// scan, rmw). Existing keys are chosen as YCSB's CoreWorkload does: zipfian
// over [0, records + 2 * expected inserts], drawing again a number not
// inserted yet (nextKeynum), or SkewedLatest. Inserts take the next key
// numbers. A sample times the engine calls of one operation.
Status Ycsb(const WorkloadEnv& env, int thread, ThreadStats* stats, const YcsbMix& mix) {
  const Share share = ShareOf(env.params.reads, thread, env.params.threads);
  Rng rng(MixSeed(env.seed, static_cast<std::uint64_t>(thread)));
  InsertCounter& inserts = *env.inserts;
  const auto expected_inserts =
      static_cast<std::uint64_t>(static_cast<double>(env.params.reads) * mix.insert * 2.0);
  const ScrambledZipfian zipfian(env.records + expected_inserts + 1);
  SkewedLatest latest(inserts.last());
  auto next_key = [&]() -> std::uint64_t {
    if (mix.latest) {
      return latest.Next(rng, inserts.last());
    }
    std::uint64_t n;
    do {
      n = zipfian.Next(rng);
    } while (n > inserts.last());
    return n;
  };
  // The kinds of the mix, in YCSB's order, with their proportions.
  std::vector<std::pair<double, OpKindStats*>> choices;
  double total = 0;
  for (auto [weight, kind] :
       {std::pair{mix.read, "read"}, std::pair{mix.update, "update"},
        std::pair{mix.insert, "insert"}, std::pair{mix.scan, "scan"}, std::pair{mix.rmw, "rmw"}}) {
    if (weight > 0) {
      choices.emplace_back(weight, &stats->Kind(kind));
      total += weight;
    }
  }
  const OpKindStats* read = mix.read > 0 ? &stats->Kind("read") : nullptr;
  const OpKindStats* update = mix.update > 0 ? &stats->Kind("update") : nullptr;
  const OpKindStats* insert = mix.insert > 0 ? &stats->Kind("insert") : nullptr;
  const OpKindStats* scan = mix.scan > 0 ? &stats->Kind("scan") : nullptr;

  std::string key;
  std::string value;
  for (std::uint64_t i = share.begin; i < share.end && !Stopped(env); ++i) {
    double u = rng.NextDouble() * total;
    OpKindStats* kind = choices.back().second;  // also when rounding leaves u >= 0
    for (const auto& [weight, candidate] : choices) {
      if (u < weight) {
        kind = candidate;
        break;
      }
      u -= weight;
    }
    Status s;
    std::uint64_t nanos = 0;
    bool found = false;
    if (kind == read) {
      env.keys->Existing(next_key(), &key);
      const Clock::time_point start = Clock::now();
      s = Lookup(env, key, &value, stats, &found);
      nanos = NanosSince(start);
    } else if (kind == update || kind == insert) {
      const std::uint64_t n = kind == insert ? inserts.Claim() : next_key();
      env.keys->Existing(n, &key);
      const std::string_view new_value = env.values->Next(rng);
      const Clock::time_point start = Clock::now();
      s = env.backend->Put(key, new_value, Sync::kAsConfigured);
      nanos = NanosSince(start);
      if (kind == insert) {
        inserts.Acknowledge(n);
      }
      stats->bytes += key.size() + new_value.size();
      stats->user_bytes_written += key.size() + new_value.size();
      s = s.ok() ? Status::OK() : WithContext(s, "put " + key);
    } else if (kind == scan) {
      env.keys->Existing(next_key(), &key);
      const int length = 1 + static_cast<int>(rng.Uniform(kYcsbMaxScanLength));
      const Clock::time_point start = Clock::now();
      {
        std::unique_ptr<Cursor> cursor = env.backend->NewCursor();
        cursor->Seek(key);
        ReadEntries(*cursor, length, stats);
        s = cursor->status();
      }
      nanos = NanosSince(start);
      s = s.ok() ? Status::OK() : WithContext(s, "scan from " + key);
    } else {
      // Read-modify-write: a new value replaces the one read; as in YCSB,
      // a key not found is not written.
      env.keys->Existing(next_key(), &key);
      const std::string_view new_value = env.values->Next(rng);
      const Clock::time_point start = Clock::now();
      s = Lookup(env, key, &value, stats, &found);
      if (s.ok() && found) {
        s = env.backend->Put(key, new_value, Sync::kAsConfigured);
        s = s.ok() ? Status::OK() : WithContext(s, "put " + key);
        stats->bytes += key.size() + new_value.size();
        stats->user_bytes_written += key.size() + new_value.size();
      }
      nanos = NanosSince(start);
    }
    stats->latency.Add(nanos);
    ++stats->ops;
    ++kind->ops;
    kind->latency.Add(nanos);
    if (!s.ok()) {
      return s;
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

// A YCSB workload's entry.
Workload YcsbWorkload(std::string_view name, std::string_view description, const YcsbMix& mix) {
  return {
      .name = name,
      .description = description,
      .writes = mix.update > 0 || mix.insert > 0 || mix.rmw > 0,
      .counts_found = mix.read > 0 || mix.rmw > 0,
      .batch = 1,
      .needs_data = true,
      .inserts = mix.insert > 0,
      .run = [mix](const WorkloadEnv& env, int thread,
                   ThreadStats* stats) { return Ycsb(env, thread, stats, mix); },
  };
}

std::vector<Workload> MakeWorkloads() {
  std::vector<Workload> w;
  w.push_back({
      .name = "fillseq",
      .description = "put keys 0..num-1 in key order",
      .writes = true,
      .run =
          [](const WorkloadEnv& env, int thread, ThreadStats* stats) {
            return WriteKeys(env, thread, stats, env.params.num, false, Sync::kAsConfigured,
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
            return WriteKeys(env, thread, stats, env.params.num, false, Sync::kAsConfigured,
                             [&order](std::uint64_t i, Rng&) { return order(i); });
          },
  });
  w.push_back({
      .name = "fillbatch",
      .description = "as fillrandom, in write batches of 100 puts",
      .writes = true,
      .batch = kFillBatchSize,
      .run =
          [](const WorkloadEnv& env, int thread, ThreadStats* stats) {
            const Permutation order(env.params.num, env.seed);
            return WriteKeys(env, thread, stats, env.params.num, false, Sync::kAsConfigured,
                             [&order](std::uint64_t i, Rng&) { return order(i); });
          },
  });
  w.push_back({
      .name = "fillsync",
      .description = "put --sync_num random keys, each synced (1, 2, 4, 8 threads)",
      .writes = true,
      .threads = ThreadRule::kSweep,
      .syncs_writes = true,
      .batch = 1,
      .note = "every put synced",
      .run =
          [](const WorkloadEnv& env, int thread, ThreadStats* stats) {
            const std::uint64_t num = env.params.num;
            return WriteKeys(env, thread, stats, env.params.sync_num, false, Sync::kAlways,
                             [num](std::uint64_t, Rng& rng) { return rng.Uniform(num); });
          },
  });
  w.push_back({
      .name = "overwrite",
      .description = "put num random keys of 0..num-1 (with repeats)",
      .writes = true,
      .run =
          [](const WorkloadEnv& env, int thread, ThreadStats* stats) {
            const std::uint64_t num = env.params.num;
            return WriteKeys(env, thread, stats, num, false, Sync::kAsConfigured,
                             [num](std::uint64_t, Rng& rng) { return rng.Uniform(num); });
          },
  });
  w.push_back({
      .name = "readrandom",
      .description = "get --reads random keys of 0..num-1",
      .counts_found = true,
      .run =
          [](const WorkloadEnv& env, int thread, ThreadStats* stats) {
            return ReadRandom(env, thread, env.params.threads, stats, false, {});
          },
  });
  w.push_back({
      .name = "readmissing",
      .description = "get --reads random keys that were never written",
      .counts_found = true,
      .run =
          [](const WorkloadEnv& env, int thread, ThreadStats* stats) {
            return ReadRandom(env, thread, env.params.threads, stats, true, {});
          },
  });
  w.push_back({
      .name = "seekrandom",
      .description = "--reads times: seek to a random key, then 10 Next",
      .counts_found = true,
      .run = [](const WorkloadEnv& env, int thread,
                ThreadStats* stats) { return SeekRandom(env, thread, stats); },
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
      .name = "readwhilewriting",
      .description = "readrandom on threads-1 threads while one overwrites",
      .writes = true,
      .counts_found = true,
      .threads = ThreadRule::kReadersAndWriter,
      .batch = 1,
      .note = "readers only",
      .run = [](const WorkloadEnv& env, int thread,
                ThreadStats* stats) { return ReadWhileWriting(env, thread, stats); },
  });
  w.push_back({
      .name = "deleterandom",
      .description = "delete num random keys of 0..num-1 (with repeats)",
      .writes = true,
      .run =
          [](const WorkloadEnv& env, int thread, ThreadStats* stats) {
            const std::uint64_t num = env.params.num;
            return WriteKeys(env, thread, stats, num, true, Sync::kAsConfigured,
                             [num](std::uint64_t, Rng& rng) { return rng.Uniform(num); });
          },
  });
  w.push_back({
      .name = "deleterange",
      .description = "delete num/100 ranges of 100 keys at random starts",
      .writes = true,
      .batch = 1,
      .deletes_ranges = true,
      .run = [](const WorkloadEnv& env, int thread,
                ThreadStats* stats) { return DeleteRanges(env, thread, stats); },
  });
  w.push_back(
      YcsbWorkload("ycsba", "YCSB A: 50% read, 50% update, zipfian", {.read = 0.5, .update = 0.5}));
  w.push_back(YcsbWorkload("ycsbb", "YCSB B: 95% read, 5% update, zipfian",
                           {.read = 0.95, .update = 0.05}));
  w.push_back(YcsbWorkload("ycsbc", "YCSB C: 100% read, zipfian", {.read = 1}));
  w.push_back(YcsbWorkload("ycsbd", "YCSB D: 95% read of the latest keys, 5% insert",
                           {.read = 0.95, .insert = 0.05, .latest = true}));
  w.push_back(YcsbWorkload("ycsbe", "YCSB E: 95% scan of 1..100 entries, 5% insert",
                           {.insert = 0.05, .scan = 0.95}));
  w.push_back(YcsbWorkload("ycsbf", "YCSB F: 50% read, 50% read-modify-write, zipfian",
                           {.read = 0.5, .rmw = 0.5}));
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

OpKindStats& ThreadStats::Kind(std::string_view kind) {
  for (OpKindStats& k : kinds) {
    if (k.kind == kind) {
      return k;
    }
  }
  OpKindStats& added = kinds.emplace_back();
  added.kind = kind;
  return added;
}

void ThreadStats::Merge(const ThreadStats& other) {
  latency.Merge(other.latency);
  ops += other.ops;
  bytes += other.bytes;
  lookups += other.lookups;
  found += other.found;
  user_bytes_written += other.user_bytes_written;
  for (const OpKindStats& k : other.kinds) {
    OpKindStats& mine = Kind(k.kind);
    mine.counted = k.counted;
    mine.ops += k.ops;
    mine.latency.Merge(k.latency);
  }
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
