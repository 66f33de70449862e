// aeternus-stress: a multi-threaded random workload whose expected state
// lives in a file outside the database (expected_state.h), so that a run
// can be killed at any moment and the next one verifies, before it starts,
// that the database holds every acknowledged write and nothing else.
// scripts/crash-test runs it in a kill loop; docs/reliability.md.
//
// Exit status: 0 when every check passed, 1 when the database held a wrong
// state (each mismatch is printed), 2 for bad flags or a failed call.

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include <CLI/CLI.hpp>

#include "aeternus/db.h"
#include "aeternus/iterator.h"
#include "aeternus/options.h"
#include "aeternus/snapshot.h"
#include "aeternus/status.h"
#include "aeternus/write_batch.h"

#include "expected_state.h"

namespace aeternus::stress {
namespace {

struct Config {
  std::string db;
  std::string expected;  // default: <db>.expected
  std::uint64_t keys = 20000;
  std::size_t value_size = 64;
  int threads = 4;
  double duration = 10;  // seconds of workload after the verification
  bool sync = false;
  bool verify_only = false;
  bool fresh = false;
  std::uint64_t seed = 0;  // 0: from the clock
  std::size_t write_buffer_size = 256 << 10;
};

constexpr int kExitOk = 0;
constexpr int kExitWrongState = 1;
constexpr int kExitError = 2;

class Stress {
 public:
  Stress(const Config& config, DB* db, ExpectedState* expected)
      : config_(config), db_(db), expected_(expected), locks_(4096) {}

  // Checks every key against the expected state (a write in flight at a
  // crash may have landed or not), then settles it to what the database
  // holds. Also checks that a full scan shows exactly the keys that exist.
  bool VerifyAndSettle() {
    bool ok = true;
    std::uint64_t in_flight = 0;
    std::vector<bool> exists(expected_->num_keys());
    for (std::uint64_t k = 0; k < expected_->num_keys(); ++k) {
      KeyState found;
      if (!ReadKey(k, nullptr, &found)) {
        return false;
      }
      const KeyState committed = expected_->Committed(k);
      KeyState pending;
      const bool has_pending = expected_->Pending(k, &pending);
      in_flight += has_pending ? 1 : 0;
      if (!Same(found, committed) && !(has_pending && Same(found, pending))) {
        ok = Mismatch(k, "after reopen", found, committed, has_pending ? &pending : nullptr);
      }
      // Versions only grow, so a later write never reuses a lost one.
      KeyState settled = found;
      settled.version = std::max(committed.version, has_pending ? pending.version : 0);
      if (found.exists) {
        settled.version = found.version;
      }
      expected_->Settle(k, settled);
      exists[k] = found.exists;
    }
    std::unique_ptr<Iterator> it = db_->NewIterator(ReadOptions());
    std::uint64_t next = 0;  // keys before it were seen or are absent
    for (it->SeekToFirst(); it->Valid(); it->Next()) {
      std::uint64_t k = 0;
      if (!KeyNumber(it->key(), &k)) {
        std::printf("MISMATCH: scan found a key outside the key space: %s\n",
                    std::string(it->key()).c_str());
        return false;
      }
      for (; next < k; ++next) {
        if (exists[next]) {
          ok = Report(next, "a full scan missed it");
        }
      }
      if (!exists[k]) {
        ok = Report(k, "a full scan found it, Get did not");
      }
      next = k + 1;
    }
    for (; next < expected_->num_keys(); ++next) {
      if (exists[next]) {
        ok = Report(next, "a full scan missed it");
      }
    }
    if (!it->status().ok()) {
      std::printf("ERROR: full scan: %s\n", it->status().ToString().c_str());
      return false;
    }
    std::printf("verified %llu keys (%llu with a write in flight): %s\n",
                static_cast<unsigned long long>(expected_->num_keys()),
                static_cast<unsigned long long>(in_flight), ok ? "ok" : "MISMATCH");
    return ok;
  }

  // Runs the workload on config_.threads threads for config_.duration
  // seconds; false at the first wrong state or failed call.
  bool Run() {
    const auto deadline = std::chrono::steady_clock::now() +
                          std::chrono::duration_cast<std::chrono::steady_clock::duration>(
                              std::chrono::duration<double>(config_.duration));
    std::vector<std::thread> threads;
    for (int t = 0; t < config_.threads; ++t) {
      threads.emplace_back([this, t, deadline] {
        std::mt19937_64 rng(config_.seed * 1000003 + static_cast<std::uint64_t>(t));
        while (!failed_.load() && std::chrono::steady_clock::now() < deadline) {
          if (!OneOperation(rng)) {
            failed_.store(true);
          }
        }
      });
    }
    for (auto& t : threads) {
      t.join();
    }
    std::printf("%llu operations on %d threads: %s\n",
                static_cast<unsigned long long>(operations_.load()), config_.threads,
                failed_.load() ? "FAILED" : "ok");
    return !failed_.load();
  }

 private:
  static bool Same(const KeyState& a, const KeyState& b) {
    return a.exists == b.exists && (!a.exists || a.version == b.version);
  }

  static std::string Describe(const KeyState& s) {
    return s.exists ? "version " + std::to_string(s.version) : "absent";
  }

  bool Mismatch(std::uint64_t k, const char* when, const KeyState& found,
                const KeyState& expected, const KeyState* pending) {
    std::printf("MISMATCH: %s %s: found %s, expected %s%s\n", KeyName(k).c_str(), when,
                Describe(found).c_str(), Describe(expected).c_str(),
                pending != nullptr ? (" or " + Describe(*pending)).c_str() : "");
    return false;
  }

  bool Report(std::uint64_t k, const char* what) {
    std::printf("MISMATCH: %s: %s\n", KeyName(k).c_str(), what);
    return false;
  }

  bool KeyNumber(std::string_view name, std::uint64_t* k) const {
    if (name.size() != 13 || name.substr(0, 3) != "key") {
      return false;
    }
    std::uint64_t v = 0;
    for (char c : name.substr(3)) {
      if (c < '0' || c > '9') {
        return false;
      }
      v = v * 10 + static_cast<std::uint64_t>(c - '0');
    }
    *k = v;
    return v < expected_->num_keys();
  }

  bool Check(const Status& s, const char* what) {
    if (!s.ok()) {
      std::printf("ERROR: %s: %s\n", what, s.ToString().c_str());
    }
    return s.ok();
  }

  // Reads key k (at `snapshot`, or now) into *state; false on an error or
  // a value that is no value of k.
  bool ReadKey(std::uint64_t k, const Snapshot* snapshot, KeyState* state) {
    ReadOptions ro;
    ro.snapshot = snapshot;
    std::string value;
    const Status s = db_->Get(ro, KeyName(k), &value);
    if (s.IsNotFound()) {
      *state = {0, false};
      return true;
    }
    if (!Check(s, "Get")) {
      return false;
    }
    std::uint32_t version = 0;
    if (!ParseValue(k, value, config_.value_size, &version)) {
      std::printf("MISMATCH: %s holds a value that is none of its own: %.40s\n",
                  KeyName(k).c_str(), value.c_str());
      return false;
    }
    *state = {version, true};
    return true;
  }

  std::uint64_t RandomKey(std::mt19937_64& rng) const {
    return rng() % expected_->num_keys();
  }

  // Keys [first, first + n) clipped to the key space.
  std::vector<std::uint64_t> Range(std::uint64_t first, std::uint64_t n) const {
    std::vector<std::uint64_t> keys;
    for (std::uint64_t k = first; k < first + n && k < expected_->num_keys(); ++k) {
      keys.push_back(k);
    }
    return keys;
  }

  WriteOptions Wo() const {
    WriteOptions wo;
    wo.sync = config_.sync;
    return wo;
  }

  bool OneOperation(std::mt19937_64& rng) {
    operations_.fetch_add(1, std::memory_order_relaxed);
    const unsigned pick = static_cast<unsigned>(rng() % 100);
    if (pick < 30) {
      return WriteKeys({RandomKey(rng)}, rng, /*deletes_in=*/0);
    }
    if (pick < 38) {
      return WriteKeys({RandomKey(rng)}, rng, /*deletes_in=*/1);
    }
    if (pick < 48) {
      std::vector<std::uint64_t> keys;
      const int n = 2 + static_cast<int>(rng() % 9);
      for (int i = 0; i < n; ++i) {
        keys.push_back(RandomKey(rng));
      }
      return WriteKeys(keys, rng, /*deletes_in=*/4);
    }
    if (pick < 51) {
      return DeleteRange(Range(RandomKey(rng), 1 + rng() % 16));
    }
    if (pick < 81) {
      return GetAndCheck(RandomKey(rng));
    }
    if (pick < 93) {
      return ScanAndCheck(Range(RandomKey(rng), 1 + rng() % 32));
    }
    return SnapshotAndCheck(Range(RandomKey(rng), 1 + rng() % 16), rng);
  }

  // Puts (or, one time in `deletes_in`, deletes) each key, in one batch
  // when there are several. deletes_in 0: puts only; 1: deletes only.
  bool WriteKeys(std::vector<std::uint64_t> keys, std::mt19937_64& rng, unsigned deletes_in) {
    std::sort(keys.begin(), keys.end());
    keys.erase(std::unique(keys.begin(), keys.end()), keys.end());
    const auto stripes = locks_.StripesOf(keys);
    locks_.Lock(stripes);
    // One key: Put or Delete; several: one batch.
    WriteBatch batch;
    Status s;
    for (std::uint64_t k : keys) {
      const bool del = deletes_in == 1 || (deletes_in > 1 && rng() % deletes_in == 0);
      const KeyState next = expected_->Next(k, !del);
      expected_->Begin(k, next);
      if (keys.size() == 1) {
        s = del ? db_->Delete(Wo(), KeyName(k))
                : db_->Put(Wo(), KeyName(k), ValueFor(k, next.version, config_.value_size));
      } else if (del) {
        batch.Delete(KeyName(k));
      } else {
        batch.Put(KeyName(k), ValueFor(k, next.version, config_.value_size));
      }
    }
    if (keys.size() > 1) {
      s = db_->Write(Wo(), &batch);
    }
    if (s.ok()) {
      for (std::uint64_t k : keys) {
        expected_->Commit(k);
      }
    }
    locks_.Unlock(stripes);
    return Check(s, keys.size() == 1 ? "Put/Delete" : "Write (batch)");
  }

  bool DeleteRange(const std::vector<std::uint64_t>& keys) {
    const auto stripes = locks_.StripesOf(keys);
    locks_.Lock(stripes);
    for (std::uint64_t k : keys) {
      expected_->Begin(k, expected_->Next(k, false));
    }
    const Status s = db_->DeleteRange(Wo(), KeyName(keys.front()), KeyName(keys.back() + 1));
    if (s.ok()) {
      for (std::uint64_t k : keys) {
        expected_->Commit(k);
      }
    }
    locks_.Unlock(stripes);
    return Check(s, "DeleteRange");
  }

  bool GetAndCheck(std::uint64_t k) {
    const auto stripes = locks_.StripesOf({k});
    locks_.Lock(stripes);
    KeyState found;
    bool ok = ReadKey(k, nullptr, &found);
    const KeyState expected = expected_->Committed(k);
    if (ok && !Same(found, expected)) {
      ok = Mismatch(k, "on Get", found, expected, nullptr);
    }
    locks_.Unlock(stripes);
    return ok;
  }

  bool ScanAndCheck(const std::vector<std::uint64_t>& keys) {
    const auto stripes = locks_.StripesOf(keys);
    locks_.Lock(stripes);
    ReadOptions ro;
    ro.lower_bound = KeyName(keys.front());
    ro.upper_bound = KeyName(keys.back() + 1);
    std::unique_ptr<Iterator> it = db_->NewIterator(ro);
    bool ok = true;
    it->SeekToFirst();
    for (std::uint64_t k : keys) {
      const KeyState expected = expected_->Committed(k);
      const bool here = it->Valid() && it->key() == KeyName(k);
      std::uint32_t version = 0;
      if (here && !ParseValue(k, std::string(it->value()), config_.value_size, &version)) {
        ok = Report(k, "an iterator gave a value that is none of its own");
      } else if (here != expected.exists || (here && version != expected.version)) {
        ok = Mismatch(k, "in a scan", {version, here}, expected, nullptr);
      }
      if (here) {
        it->Next();
      }
    }
    if (it->Valid()) {
      ok = Report(keys.back(), "a scan went past its upper bound or out of order");
    }
    if (!it->status().ok()) {
      ok = Check(it->status(), "iterator");
    }
    locks_.Unlock(stripes);
    return ok;
  }

  // Takes a snapshot of a range, overwrites some of it, and checks that the
  // snapshot still reads the states from before.
  bool SnapshotAndCheck(const std::vector<std::uint64_t>& keys, std::mt19937_64& rng) {
    auto stripes = locks_.StripesOf(keys);
    locks_.Lock(stripes);
    std::vector<KeyState> before;
    for (std::uint64_t k : keys) {
      before.push_back(expected_->Committed(k));
    }
    const Snapshot* snapshot = db_->GetSnapshot();
    locks_.Unlock(stripes);
    bool ok = WriteKeys({keys[rng() % keys.size()]}, rng, 0) &&
              WriteKeys({keys[rng() % keys.size()]}, rng, 1);
    for (std::size_t i = 0; ok && i < keys.size(); ++i) {
      KeyState found;
      ok = ReadKey(keys[i], snapshot, &found);
      if (ok && !Same(found, before[i])) {
        ok = Mismatch(keys[i], "at a snapshot", found, before[i], nullptr);
      }
    }
    db_->ReleaseSnapshot(snapshot);
    return ok;
  }

  const Config config_;
  DB* const db_;
  ExpectedState* const expected_;
  KeyLocks locks_;
  std::atomic<bool> failed_{false};
  std::atomic<std::uint64_t> operations_{0};
};

int Main(int argc, char** argv) {
  Config config;
  CLI::App app{"aeternus-stress: a random workload checked against an expected state kept "
               "outside the database; safe to kill at any moment"};
  app.add_option("--db", config.db, "database directory")->required();
  app.add_option("--expected", config.expected, "expected-state file (default: <db>.expected)");
  app.add_option("--keys", config.keys, "key space")->capture_default_str()->check(
      CLI::Range(std::uint64_t{1}, std::uint64_t{1} << 30));
  app.add_option("--value_size", config.value_size, "value bytes")
      ->capture_default_str()
      ->check(CLI::Range(std::size_t{24}, std::size_t{1} << 20));
  app.add_option("--threads", config.threads, "worker threads")
      ->capture_default_str()
      ->check(CLI::Range(1, 256));
  app.add_option("--duration", config.duration, "seconds of workload")
      ->capture_default_str()
      ->check(CLI::Range(0.0, 1e7));
  app.add_flag("--sync", config.sync, "sync every write");
  app.add_flag("--verify_only", config.verify_only, "verify, then close");
  app.add_flag("--fresh", config.fresh, "start from an empty database and expected state");
  app.add_option("--seed", config.seed, "random seed (0: from the clock)");
  app.add_option("--write_buffer_size", config.write_buffer_size,
                 "memtable bytes (small: many flushes and compactions)")
      ->capture_default_str();
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? kExitOk : kExitError;
  }
  if (config.expected.empty()) {
    config.expected = config.db + ".expected";
  }
  if (config.seed == 0) {
    config.seed = static_cast<std::uint64_t>(
        std::chrono::steady_clock::now().time_since_epoch().count());
  }
  std::setvbuf(stdout, nullptr, _IOLBF, 0);
  std::printf("seed %llu\n", static_cast<unsigned long long>(config.seed));

  Options options;
  options.create_if_missing = true;
  options.write_buffer_size = config.write_buffer_size;
  if (config.fresh) {
    // Only a database (or an empty or missing directory) is removed: a
    // mistyped --db must not wipe anything else.
    std::error_code ec;
    if (std::filesystem::is_directory(config.db, ec) &&
        !std::filesystem::is_empty(config.db, ec) &&
        !std::filesystem::exists(std::filesystem::path(config.db) / "CURRENT", ec)) {
      std::printf("ERROR: --fresh: %s is not a database (no CURRENT file); not removed\n",
                  config.db.c_str());
      return kExitError;
    }
    std::filesystem::remove_all(config.db, ec);
    if (ec) {
      std::printf("ERROR: cannot remove %s: %s\n", config.db.c_str(), ec.message().c_str());
      return kExitError;
    }
  }
  if (const auto parent = std::filesystem::path(config.expected).parent_path(); !parent.empty()) {
    std::error_code ec;
    std::filesystem::create_directories(parent, ec);
  }
  std::unique_ptr<ExpectedState> expected;
  if (Status s = ExpectedState::Open(config.expected, config.keys, config.value_size,
                                     config.fresh, &expected);
      !s.ok()) {
    std::printf("ERROR: %s\n", s.ToString().c_str());
    return kExitError;
  }
  std::unique_ptr<DB> db;
  if (Status s = DB::Open(options, config.db, &db); !s.ok()) {
    std::printf("ERROR: reopen failed: %s\n", s.ToString().c_str());
    return kExitWrongState;  // a database that does not open has lost data
  }
  Stress stress(config, db.get(), expected.get());
  if (!stress.VerifyAndSettle()) {
    return kExitWrongState;
  }
  if (!config.verify_only && !stress.Run()) {
    return kExitWrongState;
  }
  if (Status s = db->Close(); !s.ok()) {
    std::printf("ERROR: Close: %s\n", s.ToString().c_str());
    return kExitError;
  }
  return kExitOk;
}

}  // namespace
}  // namespace aeternus::stress

int main(int argc, char** argv) { return aeternus::stress::Main(argc, argv); }
