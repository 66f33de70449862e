// Background and manual compaction through the DB, for both compaction
// styles: tables stay bounded while data stays right, deleted and
// overwritten data is reclaimed, tombstones never let an older value come
// back, snapshots and iterators keep their view, CompactRange touches only
// its range, writers are slowed or stopped instead of piling up tables,
// background I/O errors stop writes without losing acknowledged ones, and
// no dead table file is left behind.

#include <algorithm>
#include <atomic>
#include <cctype>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "aeternus/db.h"
#include "aeternus/iterator.h"
#include "aeternus/options.h"
#include "aeternus/write_batch.h"

#include "db/db_impl.h"
#include "env/fault_injection_file_system.h"
#include "env/file_system_wrapper.h"
#include "env/mem_file_system.h"
#include "manifest/file_names.h"

#include "testutil/db_test_base.h"
#include "testutil/file_util.h"
#include "testutil/random.h"
#include "testutil/status_assertions.h"

namespace aeternus::test {
namespace {

std::string Key(int i) {
  char buf[16];
  std::snprintf(buf, sizeof(buf), "key%06d", i);
  return buf;
}

// A value naming its key and round, padded to `len` bytes.
std::string Value(int i, int round, std::size_t len = 100) {
  std::string v = "r" + std::to_string(round) + "-" + std::to_string(i) + "-";
  v.resize(std::max(len, v.size()), static_cast<char>('a' + round % 26));
  return v;
}

std::string StyleName(const ::testing::TestParamInfo<CompactionStyle>& info) {
  return info.param == CompactionStyle::kLeveled ? "Leveled" : "Tiered";
}

// Small sizes so that a few MiB of writes make many tables and several
// levels (leveled: 256 KiB in level 1, 1 MiB in level 2, ...) or several
// size tiers (tiered: flushed tables share the small bucket, merged ones
// form buckets of their own).
Options CompactionOptions(CompactionStyle style) {
  Options o = DBTestBase::SmallOptions();
  o.compaction_style = style;
  o.target_file_size = 64u << 10;
  o.max_bytes_for_level_base = 256u << 10;
  o.level_size_multiplier = 4;
  o.tiered_small_table_size = 96u << 10;
  return o;
}

std::uint64_t ParseNumber(std::string_view name, const std::string& text) {
  char* end = nullptr;
  const std::uint64_t n = std::strtoull(text.c_str(), &end, 10);
  EXPECT_TRUE(!text.empty() && end != nullptr && *end == '\0')
      << name << " is not a number: " << text;
  return n;
}

bool Mentions(const Status& s, std::string_view word) {
  std::string text = s.ToString();
  std::transform(text.begin(), text.end(), text.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return text.find(word) != std::string::npos;
}

class DBCompactionTest : public DBTestBase, public ::testing::WithParamInterface<CompactionStyle> {
 protected:
  DBCompactionTest() : DBTestBase(CompactionOptions(GetParam())) {}

  bool Leveled() const { return options_.compaction_style == CompactionStyle::kLeveled; }

  std::uint64_t Num(std::string_view name) { return ParseNumber(name, Property(name)); }
  std::uint64_t FilesAtLevel(int level) {
    return Num("aeternus.num-files-at-level" + std::to_string(level));
  }
  // Tables in levels 1 and deeper.
  std::uint64_t FilesBelowLevel0() {
    std::uint64_t n = 0;
    for (int level = 1; level <= 6; ++level) {
      n += FilesAtLevel(level);
    }
    return n;
  }
  // Levels (0..6) holding at least one table.
  std::vector<int> NonEmptyLevels() {
    std::vector<int> levels;
    for (int level = 0; level <= 6; ++level) {
      if (FilesAtLevel(level) > 0) {
        levels.push_back(level);
      }
    }
    return levels;
  }

  struct TableFiles {
    std::set<std::string> names;  // NNNNNN.sst
    std::uint64_t bytes = 0;
  };
  TableFiles TablesOnDisk() {
    TableFiles t;
    for (const std::string& path : ListFiles(dbname_, ".sst")) {
      const std::int64_t size = FileSize(path);
      if (size < 0) {
        continue;  // removed since the listing
      }
      t.names.insert(BaseName(path));
      t.bytes += static_cast<std::uint64_t>(size);
    }
    return t;
  }
  // The table files on disk are exactly the live ones: none left over from
  // a compaction or a flush, none half written. Called once the DB is idle
  // (after WaitForCompactions, CompactAll or CompactRange, with no reader
  // open), when every replaced table must already be deleted: background
  // work deletes what it replaced before it counts as done.
  void ExpectOnlyLiveTablesOnDisk(std::string_view when) {
    SCOPED_TRACE(when);
    const TableFiles t = TablesOnDisk();
    EXPECT_EQ(t.names.size(), Num("aeternus.num-files"));
    EXPECT_EQ(t.bytes, Num("aeternus.total-table-bytes"));
    EXPECT_TRUE(ListFiles(dbname_, ".tmp").empty());
  }

  // The DB (as of `snapshot`, or now) holds exactly `model`: an iterator
  // yields its pairs in order, and each key in [0, key_space) reads as its
  // model value or NOT_FOUND.
  void ExpectMatches(const std::map<std::string, std::string>& model, int key_space,
                     const Snapshot* snapshot = nullptr) {
    auto it = db_->NewIterator(ReadOptions{.snapshot = snapshot});
    auto m = model.begin();
    for (it->SeekToFirst(); it->Valid(); it->Next(), ++m) {
      ASSERT_TRUE(m != model.end()) << "unexpected key " << Escape(it->key());
      ASSERT_EQ(it->key(), m->first);
      ASSERT_EQ(it->value(), m->second) << m->first;
    }
    ASSERT_OK(it->status());
    ASSERT_TRUE(m == model.end()) << "missing key " << m->first;
    for (int i = 0; i < key_space; ++i) {
      const std::string key = Key(i);
      auto found = model.find(key);
      ASSERT_EQ(Get(key, snapshot), found == model.end() ? "NOT_FOUND" : found->second) << key;
    }
  }
};

// ---------------------------------------------------------------------------
// Background compaction keeps up by itself.

TEST_P(DBCompactionTest, BackgroundCompactionBoundsTablesAndKeepsEveryKey) {
  ASSERT_OK(Open());
  Random rnd(TestSeed(301));
  SCOPED_TRACE("seed " + std::to_string(rnd.seed()));
  constexpr int kKeySpace = 12000;
  std::map<std::string, std::string> model;
  std::uint64_t raw_bytes = 0;
  for (int op = 0; op < 20000; ++op) {
    const int i = static_cast<int>(rnd.Uniform(kKeySpace));
    const std::string key = Key(i);
    if (rnd.OneIn(10)) {
      ASSERT_OK(Delete(key));
      model.erase(key);
      raw_bytes += key.size();
    } else {
      const std::string value = Value(i, op);
      ASSERT_OK(Put(key, value));
      model[key] = value;
      raw_bytes += key.size() + value.size();
    }
  }
  ASSERT_OK(db_->WaitForCompactions());
  // A memtable is frozen once it holds more than the write buffer, and
  // holds at least its entries' bytes: this many flushes happened at least.
  const std::uint64_t min_flushes = raw_bytes / (options_.write_buffer_size + 256) - 1;
  ASSERT_GE(min_flushes, 25u);

  EXPECT_GT(Num("aeternus.num-compactions"), 0u);
  EXPECT_EQ(Num("aeternus.num-running-compactions"), 0u);
  EXPECT_EQ(Num("aeternus.pending-compaction-bytes"), 0u);
  const std::uint64_t files = Num("aeternus.num-files");
  if (Leveled()) {
    EXPECT_LT(FilesAtLevel(0), static_cast<std::uint64_t>(options_.l0_compaction_trigger));
    EXPECT_GT(FilesBelowLevel0(), 0u);
    // A level receives data only when the one above overflows: under 2 MiB
    // in all never fills level 3 (4 MiB), so levels 4 to 6 stay empty.
    EXPECT_EQ(FilesAtLevel(4) + FilesAtLevel(5) + FilesAtLevel(6), 0u)
        << Property("aeternus.stats");
  } else {
    // Tables of similar size were merged: far fewer than were flushed.
    EXPECT_EQ(FilesAtLevel(0), files);
    EXPECT_EQ(FilesBelowLevel0(), 0u);
    EXPECT_LT(files * 2, min_flushes) << Property("aeternus.stats");
  }
  ASSERT_NO_FATAL_FAILURE(ExpectMatches(model, kKeySpace));
}

// ---------------------------------------------------------------------------
// Deleting everything, then a major compaction, frees all table space.

TEST_P(DBCompactionTest, DeletingEverythingLeavesNoTablesOnDisk) {
  ASSERT_OK(Open());
  constexpr int kKeys = 6000;
  for (int i = 0; i < kKeys; ++i) {
    ASSERT_OK(Put(Key(i), Value(i, 0, 60)));
  }
  ASSERT_OK(db_->WaitForCompactions());
  ASSERT_GE(Num("aeternus.num-files"), 1u);
  // The first half by point deletes, the rest by range deletes.
  for (int i = 0; i < kKeys / 2; ++i) {
    ASSERT_OK(Delete(Key(i)));
  }
  for (int i = kKeys / 2; i < kKeys; i += 500) {
    ASSERT_OK(DeleteRange(Key(i), Key(i + 500)));
  }
  ASSERT_OK(db_->CompactAll());

  EXPECT_EQ(Num("aeternus.num-files"), 0u);
  EXPECT_EQ(Num("aeternus.total-table-bytes"), 0u);
  // CompactAll has reclaimed the space when it returns, also the space of
  // tables a background compaction replaced just before it ran.
  const TableFiles tables = TablesOnDisk();
  EXPECT_TRUE(tables.names.empty()) << tables.names.size() << " table files, " << tables.bytes
                                    << " bytes";
  // What remains is the manifest, CURRENT and LOCK, and the WAL of the
  // new memtable: a few records in its first reservation of space (64 KiB
  // on a file system that preallocates logs, src/env/posix_log_file.h).
  std::uint64_t other_bytes = 0;
  for (const std::string& path : ListFiles(dbname_, "")) {
    const auto size = static_cast<std::uint64_t>(std::max<std::int64_t>(FileSize(path), 0));
    if (path.ends_with(".log")) {
      EXPECT_LE(size, 64u << 10) << path;
    } else {
      other_bytes += size;
    }
  }
  EXPECT_LT(other_bytes, 64u << 10);
  EXPECT_EQ(Contents(), "");
  EXPECT_EQ(Get(Key(0)), "NOT_FOUND");
  EXPECT_EQ(Get(Key(kKeys - 1)), "NOT_FOUND");

  ASSERT_OK(Reopen());
  EXPECT_EQ(Contents(), "");
  EXPECT_EQ(Num("aeternus.num-files"), 0u);
  EXPECT_TRUE(TablesOnDisk().names.empty());
}

// ---------------------------------------------------------------------------
// Overwritten versions are reclaimed: after a major compaction the tables
// are about the size of one pass over the keys.

TEST_P(DBCompactionTest, RepeatedOverwritesCompactToTheSizeOfOnePass) {
  ASSERT_OK(Open());
  constexpr int kKeys = 2000;
  constexpr int kPasses = 5;
  for (int pass = 0; pass < kPasses; ++pass) {
    for (int i = 0; i < kKeys; ++i) {
      ASSERT_OK(Put(Key(i), Value(i, pass)));
    }
  }
  ASSERT_OK(db_->CompactAll());
  const std::uint64_t compacted = Num("aeternus.total-table-bytes");

  // The same final data written once, into a fresh database.
  std::uint64_t one_pass = 0;
  {
    std::unique_ptr<DB> fresh;
    ASSERT_OK(DB::Open(options_, tmp_.Sub("one-pass"), &fresh));
    for (int i = 0; i < kKeys; ++i) {
      ASSERT_OK(fresh->Put(write_options_, Key(i), Value(i, kPasses - 1)));
    }
    ASSERT_OK(fresh->CompactAll());
    std::string v;
    ASSERT_TRUE(fresh->GetProperty("aeternus.total-table-bytes", &v));
    one_pass = ParseNumber("one pass", v);
    ASSERT_OK(fresh->Close());
  }
  ASSERT_GT(one_pass, static_cast<std::uint64_t>(kKeys) * 100);
  EXPECT_LE(compacted * 10, one_pass * 13) << compacted << " bytes vs " << one_pass
                                           << " for one pass";
  for (int i = 0; i < kKeys; ++i) {
    ASSERT_EQ(Get(Key(i)), Value(i, kPasses - 1)) << i;
  }
}

// ---------------------------------------------------------------------------
// Snapshots and iterators keep their view while background compactions
// rewrite the tables under them; once released, the old tables go.

TEST_P(DBCompactionTest, SnapshotsAndIteratorsKeepTheirViewAcrossBackgroundCompactions) {
  ASSERT_OK(Open());
  constexpr int kKeys = 3000;
  std::map<std::string, std::string> frozen;
  for (int i = 0; i < kKeys; ++i) {
    ASSERT_OK(Put(Key(i), Value(i, 0, 80)));
    frozen[Key(i)] = Value(i, 0, 80);
  }
  ASSERT_OK(Flush());
  const Snapshot* snapshot = db_->GetSnapshot();
  auto iter = db_->NewIterator(ReadOptions{});  // its own implicit view
  iter->SeekToFirst();
  int iterated = 0;
  // Reads the next `n` entries of `iter`, each of which must be frozen.
  auto advance = [&](int n) {
    for (int j = 0; j < n && iter->Valid(); ++j, iter->Next(), ++iterated) {
      ASSERT_EQ(iter->key(), Key(iterated));
      ASSERT_EQ(iter->value(), Value(iterated, 0, 80));
    }
    ASSERT_OK(iter->status());
  };

  std::map<std::string, std::string> model = frozen;
  for (int round = 1; round <= 4; ++round) {
    for (int i = 0; i < kKeys; ++i) {
      ASSERT_OK(Put(Key(i), Value(i, round, 80)));
      model[Key(i)] = Value(i, round, 80);
    }
    // Deletes in round 2 are undone by round 3's writes; those of round 4
    // stay.
    if (round == 2 || round == 4) {
      for (int i = 0; i < kKeys; i += round == 2 ? 7 : 5) {
        ASSERT_OK(Delete(Key(i)));
        model.erase(Key(i));
      }
    }
    if (round == 4) {
      ASSERT_OK(DeleteRange(Key(1000), Key(1500)));
      model.erase(model.lower_bound(Key(1000)), model.lower_bound(Key(1500)));
    }
    ASSERT_NO_FATAL_FAILURE(advance(500));
  }
  ASSERT_OK(db_->WaitForCompactions());
  EXPECT_GT(Num("aeternus.num-compactions"), 0u);
  ASSERT_NO_FATAL_FAILURE(ExpectMatches(frozen, kKeys, snapshot));
  ASSERT_NO_FATAL_FAILURE(ExpectMatches(model, kKeys));

  // A major compaction while both are held keeps what they read.
  ASSERT_OK(db_->CompactAll());
  const std::uint64_t bytes_while_held = Num("aeternus.total-table-bytes");
  ASSERT_NO_FATAL_FAILURE(advance(kKeys));
  EXPECT_FALSE(iter->Valid());
  EXPECT_EQ(iterated, kKeys);
  ASSERT_NO_FATAL_FAILURE(ExpectMatches(frozen, kKeys, snapshot));

  iter.reset();
  db_->ReleaseSnapshot(snapshot);
  ASSERT_OK(db_->CompactAll());
  // The frozen versions (3000 values of 80 bytes) are gone, and so are the
  // tables only the iterator still read.
  const std::uint64_t bytes_after = Num("aeternus.total-table-bytes");
  EXPECT_LT(bytes_after * 2, bytes_while_held) << bytes_after << " vs " << bytes_while_held;
  ExpectOnlyLiveTablesOnDisk("after releasing the snapshot and iterator");
  ASSERT_NO_FATAL_FAILURE(ExpectMatches(model, kKeys));
}

// ---------------------------------------------------------------------------
// CompactRange compacts the tables holding keys of [begin, end] (both
// inclusive) and no others.

TEST_P(DBCompactionTest, CompactRangeTouchesOnlyTablesInTheRange) {
  options_.disable_auto_compactions = true;  // the tables stay as flushed
  ASSERT_OK(Open());
  // Five tables of disjoint keys: table t holds keys [400t, 400t + 400).
  constexpr int kPerTable = 400;
  constexpr int kTables = 5;
  std::map<std::string, std::string> model;
  for (int t = 0; t < kTables; ++t) {
    for (int i = t * kPerTable; i < (t + 1) * kPerTable; ++i) {
      ASSERT_OK(Put(Key(i), Value(i, 0, 60)));
      model[Key(i)] = Value(i, 0, 60);
    }
    ASSERT_OK(Flush());
  }
  constexpr int kKeySpace = kPerTable * kTables;
  ASSERT_EQ(Num("aeternus.num-files"), static_cast<std::uint64_t>(kTables));
  ASSERT_EQ(FilesAtLevel(0), static_cast<std::uint64_t>(kTables));
  // Table numbers grow with each flush: flushed[t] is table t.
  const std::set<std::string> names0 = TablesOnDisk().names;
  ASSERT_EQ(names0.size(), static_cast<std::size_t>(kTables));
  const std::vector<std::string> flushed(names0.begin(), names0.end());

  Status s = db_->CompactRange(Key(800), Key(799));
  EXPECT_TRUE(s.IsInvalidArgument()) << s.ToString();
  EXPECT_EQ(TablesOnDisk().names, names0);

  // Key 799 is the last of table 1 and key 800 the first of table 2: both
  // ends count, so exactly those two are compacted.
  ASSERT_OK(db_->CompactRange(Key(799), Key(800)));
  const std::set<std::string> names1 = TablesOnDisk().names;
  for (int t : {0, 3, 4}) {
    EXPECT_TRUE(names1.contains(flushed[t])) << "table " << t << " was rewritten";
  }
  for (int t : {1, 2}) {
    EXPECT_FALSE(names1.contains(flushed[t])) << "table " << t << " was not compacted";
  }
  if (Leveled()) {
    EXPECT_EQ(FilesAtLevel(0), 3u);
    EXPECT_GE(FilesBelowLevel0(), 1u);
  } else {
    EXPECT_EQ(Num("aeternus.num-files"), 4u);
    EXPECT_EQ(FilesAtLevel(0), 4u);
  }
  ASSERT_NO_FATAL_FAILURE(ExpectMatches(model, kKeySpace));

  // An open begin: only table 0 holds keys up to key 0.
  ASSERT_OK(db_->CompactRange(std::nullopt, Key(0)));
  const std::set<std::string> names2 = TablesOnDisk().names;
  for (const std::string& name : names1) {
    if (name != flushed[0]) {
      EXPECT_TRUE(names2.contains(name)) << name << " was rewritten";
    }
  }
  if (Leveled()) {
    EXPECT_EQ(FilesAtLevel(0), 2u);
  } else {
    EXPECT_EQ(Num("aeternus.num-files"), 4u);
  }
  ASSERT_NO_FATAL_FAILURE(ExpectMatches(model, kKeySpace));

  // Both ends open: everything, into one sorted run.
  ASSERT_OK(db_->CompactRange(std::nullopt, std::nullopt));
  const std::vector<int> levels = NonEmptyLevels();
  ASSERT_EQ(levels.size(), 1u) << Property("aeternus.stats");
  if (Leveled()) {
    EXPECT_GE(levels[0], 1);
    // ~150 KiB of data cut into 64 KiB tables.
    EXPECT_GE(FilesAtLevel(levels[0]), 2u);
  } else {
    EXPECT_EQ(Num("aeternus.num-files"), 1u);
  }
  ASSERT_NO_FATAL_FAILURE(ExpectMatches(model, kKeySpace));

  // New writes to the first 100 keys, then a compaction of just those keys:
  // in the leveled style only the new table and the one table of the sorted
  // run holding them are rewritten.
  for (int i = 0; i < 100; ++i) {
    ASSERT_OK(Put(Key(i), Value(i, 1, 60)));
    model[Key(i)] = Value(i, 1, 60);
  }
  ASSERT_OK(Flush());
  const std::set<std::string> names3 = TablesOnDisk().names;
  const std::string newest = *names3.rbegin();
  ASSERT_OK(db_->CompactRange(Key(0), Key(99)));
  const std::set<std::string> names4 = TablesOnDisk().names;
  std::vector<std::string> removed;
  std::set_difference(names3.begin(), names3.end(), names4.begin(), names4.end(),
                      std::back_inserter(removed));
  EXPECT_TRUE(std::find(removed.begin(), removed.end(), newest) != removed.end());
  if (Leveled()) {
    EXPECT_EQ(FilesAtLevel(0), 0u);
    EXPECT_EQ(removed.size(), 2u) << "tables rewritten for keys 0..99";
  } else {
    EXPECT_EQ(Num("aeternus.num-files"), 1u);
  }
  ASSERT_NO_FATAL_FAILURE(ExpectMatches(model, kKeySpace));
  ExpectOnlyLiveTablesOnDisk("after CompactRange");
}

// ---------------------------------------------------------------------------
// With low level-0 triggers a fast writer is slowed or stopped, never
// failed, and memory stays bounded.

TEST_P(DBCompactionTest, BackpressureSlowsWritersAndBoundsMemtableMemory) {
  options_.l0_compaction_trigger = 2;
  options_.l0_slowdown_writes_trigger = 2;
  options_.l0_stop_writes_trigger = 3;
  options_.max_write_buffer_number = 2;
  ASSERT_OK(Open());
  constexpr std::uint64_t kBytesToWrite = 1536u << 10;
  constexpr int kPerBatch = 50;
  std::atomic<bool> done{false};
  std::atomic<int> failures{0};
  std::atomic<int> keys_written{0};
  std::string first_failure;
  std::thread writer([&] {
    std::uint64_t written = 0;
    int n = 0;
    while (written < kBytesToWrite) {
      WriteBatch batch;
      for (int j = 0; j < kPerBatch; ++j, ++n) {
        const std::string key = Key(n);
        const std::string value = Value(n, 0);
        batch.Put(key, value);
        written += key.size() + value.size();
      }
      Status s = db_->Write(write_options_, &batch);
      if (!s.ok() && failures.fetch_add(1) == 0) {
        first_failure = s.ToString();
      }
    }
    keys_written = n;
    done = true;
  });
  const std::uint64_t limit = static_cast<std::uint64_t>(options_.max_write_buffer_number + 1) *
                              options_.write_buffer_size * 2;
  std::uint64_t max_memtable_bytes = 0;
  int samples = 0;
  while (!done.load()) {
    max_memtable_bytes = std::max(max_memtable_bytes, Num("aeternus.memtable-bytes"));
    ++samples;
    std::this_thread::sleep_for(std::chrono::microseconds(200));
  }
  writer.join();
  EXPECT_EQ(failures.load(), 0) << first_failure;
  EXPECT_GT(samples, 0);
  EXPECT_LT(max_memtable_bytes, limit);
  EXPECT_GT(Num("aeternus.write-slowdowns") + Num("aeternus.write-stops"), 0u)
      << Property("aeternus.stats");

  ASSERT_OK(db_->WaitForCompactions());
  EXPECT_GT(Num("aeternus.num-compactions"), 0u);
  const int n = keys_written.load();
  auto it = db_->NewIterator(ReadOptions{});
  int i = 0;
  for (it->SeekToFirst(); it->Valid(); it->Next(), ++i) {
    ASSERT_LT(i, n);
    ASSERT_EQ(it->key(), Key(i));
    ASSERT_EQ(it->value(), Value(i, 0));
  }
  ASSERT_OK(it->status());
  EXPECT_EQ(i, n);
}

// ---------------------------------------------------------------------------
// Data and table files are right after compactions and reopens.

TEST_P(DBCompactionTest, ReopenAfterCompactionsKeepsDataAndOnlyLiveTables) {
  ASSERT_OK(Open());
  Random rnd(TestSeed(309));
  SCOPED_TRACE("seed " + std::to_string(rnd.seed()));
  constexpr int kKeySpace = 5000;
  std::map<std::string, std::string> model;
  auto random_writes = [&](int ops, int round) {
    for (int op = 0; op < ops; ++op) {
      const int i = static_cast<int>(rnd.Uniform(kKeySpace));
      const std::uint64_t kind = rnd.Uniform(100);
      if (kind < 80) {
        ASSERT_OK(Put(Key(i), Value(i, round)));
        model[Key(i)] = Value(i, round);
      } else if (kind < 95) {
        ASSERT_OK(Delete(Key(i)));
        model.erase(Key(i));
      } else {
        const int end = i + 1 + static_cast<int>(rnd.Uniform(50));
        ASSERT_OK(DeleteRange(Key(i), Key(end)));
        model.erase(model.lower_bound(Key(i)), model.lower_bound(Key(end)));
      }
    }
  };
  ASSERT_NO_FATAL_FAILURE(random_writes(15000, 0));
  ASSERT_OK(db_->WaitForCompactions());
  EXPECT_GT(Num("aeternus.num-compactions"), 0u);
  ExpectOnlyLiveTablesOnDisk("after background compactions");
  ASSERT_NO_FATAL_FAILURE(ExpectMatches(model, kKeySpace));

  ASSERT_OK(Reopen());
  ASSERT_OK(db_->WaitForCompactions());
  ExpectOnlyLiveTablesOnDisk("after reopen");
  ASSERT_NO_FATAL_FAILURE(ExpectMatches(model, kKeySpace));

  ASSERT_NO_FATAL_FAILURE(random_writes(5000, 1));
  ASSERT_OK(db_->CompactRange(Key(1000), Key(2000)));
  ASSERT_OK(db_->WaitForCompactions());
  ExpectOnlyLiveTablesOnDisk("after CompactRange and background compactions");
  ASSERT_OK(Reopen());
  ASSERT_OK(db_->WaitForCompactions());
  ExpectOnlyLiveTablesOnDisk("after the second reopen");
  ASSERT_NO_FATAL_FAILURE(ExpectMatches(model, kKeySpace));
  if (Leveled()) {
    EXPECT_LT(FilesAtLevel(0), static_cast<std::uint64_t>(options_.l0_compaction_trigger));
  }
}

INSTANTIATE_TEST_SUITE_P(Styles, DBCompactionTest,
                         ::testing::Values(CompactionStyle::kLeveled, CompactionStyle::kTiered),
                         StyleName);

// ---------------------------------------------------------------------------
// Tiered tombstone compaction: a table that is mostly tombstones is
// rewritten alone; tombstones that hide nothing older go, while one that
// hides a value in an older table stays, so that value never comes back.

// Read-triggered compaction (leveled): a table that iterators keep finding
// above another sorted run is compacted down once its read samples run out.
class DBReadCompactionTest : public DBTestBase {
 protected:
  DBReadCompactionTest() : DBTestBase(CompactionOptions(CompactionStyle::kLeveled)) {}

  std::uint64_t Num(std::string_view name) { return ParseNumber(name, Property(name)); }

  // Reads every entry with a new iterator; returns the entries seen.
  std::size_t ScanAll() {
    std::unique_ptr<Iterator> it = db_->NewIterator(ReadOptions{});
    std::size_t n = 0;
    for (it->SeekToFirst(); it->Valid(); it->Next()) {
      ++n;
    }
    EXPECT_OK(it->status());
    return n;
  }

  static std::string Key(int i) {
    char buf[16];
    std::snprintf(buf, sizeof(buf), "key%06d", i);
    return buf;
  }

  static constexpr int kKeys = 2000;
};

TEST_F(DBReadCompactionTest, ScansOverTwoSortedRunsCompactTheUpperOne) {
  ASSERT_OK(Open());
  const std::string old_value(100, 'o');
  const std::string new_value(100, 'n');
  for (int i = 0; i < kKeys; ++i) {
    ASSERT_OK(Put(Key(i), old_value));
  }
  ASSERT_OK(db_->CompactAll());
  // Every other key again, in level-0 tables above the compacted run.
  for (int i = 0; i < kKeys; i += 2) {
    ASSERT_OK(Put(Key(i), new_value));
  }
  ASSERT_OK(Flush());
  ASSERT_OK(db_->WaitForCompactions());
  // Below the level-0 trigger: no compaction is due for size.
  ASSERT_GE(Num("aeternus.num-files-at-level0"), 1u) << Property("aeternus.stats");
  ASSERT_LT(Num("aeternus.num-files-at-level0"), 4u) << Property("aeternus.stats");
  const std::uint64_t compactions = Num("aeternus.num-compactions");

  // A scan steps over about 340 KB; a table this small allows 100 samples,
  // about 100 MiB of reads.
  int scans = 0;
  while (Num("aeternus.num-files-at-level0") != 0 && scans < 2000) {
    ASSERT_EQ(ScanAll(), static_cast<std::size_t>(kKeys));
    ++scans;
    if (scans % 50 == 0) {
      ASSERT_OK(db_->WaitForCompactions());
    }
  }
  ASSERT_OK(db_->WaitForCompactions());
  EXPECT_EQ(Num("aeternus.num-files-at-level0"), 0u) << scans << " scans\n"
                                                     << Property("aeternus.stats");
  EXPECT_GT(Num("aeternus.num-compactions"), compactions);
  EXPECT_GT(scans, 100);  // not before the samples ran out
  for (int i = 0; i < kKeys; ++i) {
    ASSERT_EQ(Get(Key(i)), i % 2 == 0 ? new_value : old_value) << Key(i);
  }
}

TEST_F(DBReadCompactionTest, ScansOverOneSortedRunCompactNothing) {
  ASSERT_OK(Open());
  for (int i = 0; i < kKeys; ++i) {
    ASSERT_OK(Put(Key(i), std::string(100, 'v')));
  }
  ASSERT_OK(db_->CompactAll());
  const std::uint64_t compactions = Num("aeternus.num-compactions");
  for (int scan = 0; scan < 400; ++scan) {
    ASSERT_EQ(ScanAll(), static_cast<std::size_t>(kKeys));
  }
  ASSERT_OK(db_->WaitForCompactions());
  EXPECT_EQ(Num("aeternus.num-compactions"), compactions);
}

class DBTieredTombstoneCompactionTest : public DBTestBase {
 protected:
  static Options TieredOptions() {
    Options o = CompactionOptions(CompactionStyle::kTiered);
    // No merge of tables: only a tombstone compaction can run.
    o.min_merge_width = 64;
    o.max_merge_width = 64;
    o.tombstone_compaction_ratio = 0.3;
    return o;
  }
  DBTieredTombstoneCompactionTest() : DBTestBase(TieredOptions()) {}

  static constexpr int kTombstones = 600;

  // An older table holding "doomed" and 50 keys, then a newer one deleting
  // "doomed" and kTombstones keys never written, with 20 new keys: nearly
  // all of its entries are tombstones.
  void WriteHistory(DB& db) {
    const WriteOptions wo{.sync = false};
    ASSERT_OK(db.Put(wo, "doomed", "old-value"));
    for (int i = 0; i < 50; ++i) {
      ASSERT_OK(db.Put(wo, Key(i), Value(i, 0)));
    }
    ASSERT_OK(db.Flush());
    ASSERT_OK(db.Delete(wo, "doomed"));
    for (int i = 0; i < kTombstones; ++i) {
      ASSERT_OK(db.Delete(wo, "never" + Key(i)));
    }
    for (int i = 50; i < 70; ++i) {
      ASSERT_OK(db.Put(wo, Key(i), Value(i, 0)));
    }
    ASSERT_OK(db.Flush());
  }

  std::uint64_t Num(std::string_view name) { return ParseNumber(name, Property(name)); }

  void ExpectData() {
    EXPECT_EQ(Get("doomed"), "NOT_FOUND");
    EXPECT_EQ(Get("never" + Key(0)), "NOT_FOUND");
    EXPECT_EQ(Get("never" + Key(kTombstones - 1)), "NOT_FOUND");
    for (int i = 0; i < 70; ++i) {
      ASSERT_EQ(Get(Key(i)), Value(i, 0)) << i;
    }
    std::string expected;
    for (int i = 0; i < 70; ++i) {
      expected += (i ? " " : "") + Key(i) + "=" + Value(i, 0);
    }
    EXPECT_EQ(Contents(), expected);
  }
};

TEST_F(DBTieredTombstoneCompactionTest, DropsSpentTombstonesButNeverResurrectsOlderValues) {
  // The same history without background compaction gives the table bytes
  // before any tombstone is dropped.
  std::uint64_t before = 0;
  {
    Options o = options_;
    o.disable_auto_compactions = true;
    std::unique_ptr<DB> reference;
    ASSERT_OK(DB::Open(o, tmp_.Sub("reference"), &reference));
    ASSERT_NO_FATAL_FAILURE(WriteHistory(*reference));
    std::string v;
    ASSERT_TRUE(reference->GetProperty("aeternus.num-files", &v));
    ASSERT_EQ(v, "2");
    ASSERT_TRUE(reference->GetProperty("aeternus.total-table-bytes", &v));
    before = ParseNumber("reference table bytes", v);
    ASSERT_OK(reference->Close());
  }

  ASSERT_OK(Open());
  ASSERT_NO_FATAL_FAILURE(WriteHistory(*db_));
  ASSERT_OK(db_->WaitForCompactions());
  EXPECT_GE(Num("aeternus.num-compactions"), 1u);
  // The rewritten table keeps the tombstone of "doomed" and the new keys.
  EXPECT_EQ(Num("aeternus.num-files"), 2u);
  const std::uint64_t after = Num("aeternus.total-table-bytes");
  // Each dropped tombstone took at least its 8-byte sequence and type.
  EXPECT_LE(after + kTombstones * 8u, before) << before << " -> " << after;
  ASSERT_NO_FATAL_FAILURE(ExpectData());

  ASSERT_OK(Reopen());
  ASSERT_OK(db_->WaitForCompactions());
  ASSERT_NO_FATAL_FAILURE(ExpectData());

  // A major compaction finally drops the tombstone with the value it hid.
  ASSERT_OK(db_->CompactAll());
  EXPECT_EQ(Num("aeternus.num-files"), 1u);
  ASSERT_NO_FATAL_FAILURE(ExpectData());
  ASSERT_OK(Reopen());
  ASSERT_NO_FATAL_FAILURE(ExpectData());
}

// ---------------------------------------------------------------------------
// I/O errors in background work: writes stop with the cause, reads go
// on, and a reopen after a power loss has every acknowledged write.

// Once armed, lets `allowed` more table files be written, then fails every
// Append, Flush and Sync of the table files created later (flush and
// compaction outputs) until disarmed. WAL and manifest writes go through,
// so the error can only come from background work.
class FailTableWrites final : public FileSystemWrapper {
 public:
  using FileSystemWrapper::FileSystemWrapper;

  void FailAfter(int allowed) {
    allowed_ = allowed;
    armed_ = true;
  }
  void Disarm() { armed_ = false; }
  int failures() const { return failures_.load(); }

  Status NewWritableFile(const std::string& path, std::unique_ptr<WritableFile>* file) override {
    std::unique_ptr<WritableFile> inner;
    Status s = FileSystemWrapper::NewWritableFile(path, &inner);
    if (!s.ok()) {
      return s;
    }
    const bool table = path.find(".sst") != std::string::npos;
    if (table && armed_.load() && allowed_.fetch_sub(1) <= 0) {
      *file = std::make_unique<File>(std::move(inner), this);
    } else {
      *file = std::move(inner);
    }
    return Status::OK();
  }

 private:
  class File final : public WritableFile {
   public:
    File(std::unique_ptr<WritableFile> f, FailTableWrites* owner)
        : f_(std::move(f)), owner_(owner) {}
    Status Append(std::string_view d) override { return Fail() ? Injected() : f_->Append(d); }
    Status Flush() override { return Fail() ? Injected() : f_->Flush(); }
    Status Sync() override { return Fail() ? Injected() : f_->Sync(); }
    Status Close() override { return f_->Close(); }
    std::uint64_t Size() const override { return f_->Size(); }

   private:
    bool Fail() {
      if (!owner_->armed_.load()) {
        return false;
      }
      owner_->failures_.fetch_add(1);
      return true;
    }
    static Status Injected() { return Status::IOError("injected table write error"); }
    std::unique_ptr<WritableFile> f_;
    FailTableWrites* owner_;
  };

  std::atomic<bool> armed_{false};
  std::atomic<int> allowed_{0};
  std::atomic<int> failures_{0};
};

class DBCompactionErrorTest : public ::testing::TestWithParam<CompactionStyle> {
 protected:
  DBCompactionErrorTest() : fault_(&mem_), fs_(&fault_) {
    options_ = CompactionOptions(GetParam());
    // Four overlapping tables make a compaction due (in either style).
    options_.l0_compaction_trigger = 4;
    options_.min_merge_width = 4;
  }
  ~DBCompactionErrorTest() override { db_.reset(); }

  bool Leveled() const { return options_.compaction_style == CompactionStyle::kLeveled; }
  Status Open() { return DBImpl::Open(options_, "/db", &fs_, &db_); }

  std::string Get(std::string_view key) {
    std::string value;
    Status s = db_->Get(ReadOptions{}, key, &value);
    return s.IsNotFound() ? "NOT_FOUND" : (s.ok() ? value : s.ToString());
  }
  std::uint64_t Num(std::string_view name) {
    std::string v;
    EXPECT_TRUE(db_->GetProperty(name, &v)) << name;
    return ParseNumber(name, v);
  }
  // Durable writes of keys begin, begin + step, ... below end; records
  // those acknowledged. Stops at the first error and returns it.
  Status WriteKeys(int begin, int end, int step = 1) {
    for (int i = begin; i < end; i += step) {
      Status s = db_->Put(WriteOptions{.sync = true}, Key(i), Value(i, 0));
      if (!s.ok()) {
        return s;
      }
      acknowledged_.push_back(i);
    }
    return Status::OK();
  }
  // Three tables each holding every fourth key of [0, 1200): their ranges
  // overlap, so compacting them rewrites them (no trivial move).
  void WriteThreeOverlappingTables() {
    for (int t = 0; t < 3; ++t) {
      for (int i = t; i < 1200; i += 4) {
        ASSERT_OK(db_->Put(WriteOptions{.sync = true}, Key(i), Value(i, 0)));
        acknowledged_.push_back(i);
      }
      ASSERT_OK(db_->Flush());
    }
    ASSERT_OK(db_->WaitForCompactions());
    ASSERT_EQ(Num("aeternus.num-files"), 3u);
    ASSERT_EQ(Num("aeternus.num-compactions"), 0u);
  }
  void ExpectAcknowledgedReadable() {
    for (int i : acknowledged_) {
      ASSERT_EQ(Get(Key(i)), Value(i, 0)) << "key " << i;
    }
  }
  // Clears the fault, drops everything not synced as a power loss would,
  // reopens and checks every acknowledged write, the finished compaction,
  // the table files, and that writes work again.
  void RecoverAfterPowerLoss() {
    fs_.Disarm();
    db_.reset();
    ASSERT_OK(fault_.DropUnsyncedData());
    ASSERT_OK(fault_.DeleteFilesCreatedAfterLastDirSync());
    ASSERT_OK(Open());
    // The compaction that failed is due again, and now succeeds. (Waiting
    // before reading: a reader holding the replaced tables when it ends
    // would keep them on disk until later background work.)
    ASSERT_OK(db_->WaitForCompactions());
    if (Leveled()) {
      EXPECT_LT(Num("aeternus.num-files-at-level0"), 4u);
    } else {
      EXPECT_LT(Num("aeternus.num-files"), 4u);
    }
    ASSERT_NO_FATAL_FAILURE(ExpectAcknowledgedReadable());
    // Only live tables are left, also when the compaction due at Open ran
    // first: nothing the DB holds keeps its replaced tables alive.
    std::vector<std::string> names;
    ASSERT_OK(mem_.GetChildren("/db", &names));
    std::uint64_t tables = 0;
    for (const std::string& name : names) {
      std::uint64_t number = 0;
      const FileType type = ParseFileName(name, &number);
      EXPECT_NE(type, FileType::kTemp) << name;
      tables += type == FileType::kTable ? 1 : 0;
    }
    EXPECT_EQ(tables, Num("aeternus.num-files"));
    ASSERT_OK(db_->Put(WriteOptions{.sync = true}, "after", "recovery"));
    EXPECT_EQ(Get("after"), "recovery");
  }

  MemFileSystem mem_;
  FaultInjectionFileSystem fault_;
  FailTableWrites fs_;
  Options options_;
  std::unique_ptr<DB> db_;
  std::vector<int> acknowledged_;
};

TEST_P(DBCompactionErrorTest, FailedCompactionStopsWritesKeepsReadsAndRecovers) {
  ASSERT_OK(Open());
  ASSERT_NO_FATAL_FAILURE(WriteThreeOverlappingTables());
  // The fourth table is flushed; the compaction it makes due cannot write.
  fs_.FailAfter(1);
  ASSERT_OK(WriteKeys(3, 1200, 4));  // every fourth key again: overlaps the others
  // The flush itself succeeds; it may already report the compaction that
  // failed while it waited.
  Status s = db_->Flush();
  EXPECT_TRUE(s.ok() || Mentions(s, "compaction")) << s.ToString();
  s = db_->WaitForCompactions();
  ASSERT_FALSE(s.ok());
  EXPECT_TRUE(s.IsIOError()) << s.ToString();
  EXPECT_TRUE(Mentions(s, "compaction")) << s.ToString();
  EXPECT_GT(fs_.failures(), 0);

  s = db_->Put(WriteOptions{.sync = false}, "refused", "x");
  EXPECT_FALSE(s.ok());
  EXPECT_TRUE(Mentions(s, "compaction")) << s.ToString();
  EXPECT_EQ(Get("refused"), "NOT_FOUND");
  ASSERT_NO_FATAL_FAILURE(ExpectAcknowledgedReadable());
  ASSERT_NO_FATAL_FAILURE(RecoverAfterPowerLoss());
}

TEST_P(DBCompactionErrorTest, TableWriteErrorsStopAWriterWithTheCauseAndLoseNothingAcknowledged) {
  ASSERT_OK(Open());
  ASSERT_NO_FATAL_FAILURE(WriteThreeOverlappingTables());
  fs_.FailAfter(0);  // from now on no flush or compaction can write
  // A memtable holds ~550 of these writes: the flush needed within the
  // first few thousand fails, and writes stop.
  Status s = WriteKeys(10000, 20000);
  ASSERT_FALSE(s.ok()) << acknowledged_.size() << " writes acknowledged";
  EXPECT_TRUE(Mentions(s, "flush") || Mentions(s, "compaction")) << s.ToString();
  EXPECT_GT(fs_.failures(), 0);
  EXPECT_FALSE(db_->WaitForCompactions().ok());
  ASSERT_NO_FATAL_FAILURE(ExpectAcknowledgedReadable());
  ASSERT_NO_FATAL_FAILURE(RecoverAfterPowerLoss());
}

INSTANTIATE_TEST_SUITE_P(Styles, DBCompactionErrorTest,
                         ::testing::Values(CompactionStyle::kLeveled, CompactionStyle::kTiered),
                         StyleName);

}  // namespace
}  // namespace aeternus::test
