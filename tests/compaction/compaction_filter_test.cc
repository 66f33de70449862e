// Options::compaction_filter: which entries a compaction asks about (the
// newest value of each key that no snapshot sees, not hidden by a range
// tombstone), what a removal leaves behind (a tombstone of the entry's
// sequence, dropped where nothing older remains), and that flushes,
// snapshots and a filter that keeps everything leave reads unchanged.

#include <cstdio>
#include <functional>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include <gtest/gtest.h>

#include "aeternus/compaction_filter.h"
#include "aeternus/db.h"
#include "aeternus/snapshot.h"

#include "compaction/compaction_job.h"
#include "env/mem_file_system.h"
#include "manifest/file_names.h"
#include "memtable/memtable.h"
#include "sstable/table_reader.h"
#include "testutil/db_test_base.h"
#include "testutil/status_assertions.h"
#include "testutil/wait_for_compactions.h"

namespace aeternus {
namespace {

// Removes the entries `remove` picks and records every call as
// "L<level>:<key>=<value>", in call order.
class RecordingFilter final : public CompactionFilter {
 public:
  using Predicate = std::function<bool(std::string_view key, std::string_view value)>;

  explicit RecordingFilter(Predicate remove) : remove_(std::move(remove)) {}

  Decision Filter(int level, std::string_view user_key, std::string_view value) const override {
    {
      std::lock_guard lock(mu_);
      calls_.push_back("L" + std::to_string(level) + ":" + std::string(user_key) + "=" +
                       std::string(value));
    }
    return remove_(user_key, value) ? Decision::kRemove : Decision::kKeep;
  }

  const char* Name() const override { return "RecordingFilter"; }

  // The calls since the last TakeCalls, space-separated.
  std::string TakeCalls() {
    std::lock_guard lock(mu_);
    std::string out;
    for (const std::string& c : calls_) {
      out += (out.empty() ? "" : " ") + c;
    }
    calls_.clear();
    return out;
  }

 private:
  const Predicate remove_;
  mutable std::mutex mu_;
  mutable std::vector<std::string> calls_;
};

bool IsExpired(std::string_view, std::string_view value) { return value == "expired"; }

// ------------------------------------------------------------ the job alone

// Entries of every key may exist outside the inputs.
class EverythingOlder final : public OlderData {
 public:
  bool KeyMayExist(std::string_view, SequenceNumber) const override { return true; }
  bool RangeMayExist(std::string_view, std::string_view, SequenceNumber) const override {
    return true;
  }
};

const NoOlderData nothing_older;
const EverythingOlder everything_older;

class CompactionFilterJobTest : public ::testing::Test {
 protected:
  CompactionFilterJobTest() : filter_(IsExpired) { EXPECT_OK(fs_.CreateDir("/db")); }

  Status Run(CompactionJobOptions options, const MemTable& mem,
             const RangeTombstoneList& tombstones = RangeTombstoneList()) {
    options.compaction_filter = &filter_;
    auto input = mem.NewIterator();
    std::uint64_t next = 100;
    return RunCompaction("/db", &fs_, options, input.get(), {&tombstones},
                         [&] { return next++; }, &outputs_, &stats_);
  }

  // The point entries of every output, as "key@seq=value" or "key@seq:DEL".
  std::string Outputs() {
    std::string out;
    for (const FileMetaData& f : outputs_) {
      std::unique_ptr<RandomAccessFile> file;
      EXPECT_OK(fs_.NewRandomAccessFile(TableFileName("/db", f.number), &file));
      std::unique_ptr<TableReader> reader;
      TableReaderOptions o;
      o.file_name = TableFileName("/db", f.number);
      EXPECT_OK(TableReader::Open(o, std::move(file), f.file_size, &reader));
      auto it = reader->NewIterator({});
      for (it->SeekToFirst(); it->Valid(); it->Next()) {
        ParsedInternalKey k;
        EXPECT_TRUE(ParseInternalKey(it->key(), &k));
        out += (out.empty() ? "" : " ") + std::string(k.user_key) + "@" +
               std::to_string(k.sequence) +
               (k.type == ValueType::kDeletion ? ":DEL" : "=" + std::string(it->value()));
      }
      EXPECT_OK(it->status());
    }
    return out;
  }

  RecordingFilter filter_;
  MemFileSystem fs_;
  std::vector<FileMetaData> outputs_;
  CompactionJobStats stats_;
};

TEST_F(CompactionFilterJobTest, AsksOnlyAboutTheNewestValueOfEachKey) {
  MemTable mem(1);
  mem.Add(1, ValueType::kValue, "a", "a1");
  mem.Add(2, ValueType::kValue, "a", "a2");
  mem.Add(3, ValueType::kValue, "b", "b1");
  mem.Add(4, ValueType::kDeletion, "b", "");
  mem.Add(5, ValueType::kValue, "c", "c1");  // under the range tombstone below
  mem.Add(7, ValueType::kValue, "e", "e1");
  CompactionJobOptions options;
  options.older_data = &everything_older;
  options.output_level = 3;
  ASSERT_OK(Run(options, mem, RangeTombstoneList({{"c", "d", 6}})));
  EXPECT_EQ(filter_.TakeCalls(), "L3:a=a2 L3:e=e1");
  EXPECT_EQ(Outputs(), "a@2=a2 b@4:DEL e@7=e1");
  EXPECT_EQ(stats_.filtered_entries, 0u);
}

TEST_F(CompactionFilterJobTest, RemovedEntryBecomesATombstoneOfItsSequence) {
  MemTable mem(1);
  mem.Add(1, ValueType::kValue, "k", "old");
  mem.Add(2, ValueType::kValue, "k", "expired");
  mem.Add(3, ValueType::kValue, "m", "live");
  CompactionJobOptions options;
  options.older_data = &everything_older;  // an older "k" may lie below
  ASSERT_OK(Run(options, mem));
  EXPECT_EQ(filter_.TakeCalls(), "L0:k=expired L0:m=live");
  EXPECT_EQ(Outputs(), "k@2:DEL m@3=live");
  EXPECT_EQ(stats_.filtered_entries, 1u);
}

TEST_F(CompactionFilterJobTest, RemovedEntryLeavesNothingWhenNothingOlderExists) {
  MemTable mem(1);
  mem.Add(1, ValueType::kValue, "k", "old");
  mem.Add(2, ValueType::kValue, "k", "expired");
  mem.Add(3, ValueType::kValue, "x", "expired");
  CompactionJobOptions options;
  options.older_data = &nothing_older;
  ASSERT_OK(Run(options, mem));
  EXPECT_TRUE(outputs_.empty()) << Outputs();
  EXPECT_EQ(stats_.filtered_entries, 2u);
}

TEST_F(CompactionFilterJobTest, EntriesASnapshotSeesAreNotAskedAbout) {
  MemTable mem(1);
  mem.Add(1, ValueType::kValue, "j", "j1");
  mem.Add(2, ValueType::kValue, "k", "expired");  // seen by the snapshot at 4
  mem.Add(5, ValueType::kValue, "j", "expired");  // newer than every snapshot
  mem.Add(6, ValueType::kValue, "m", "expired");
  CompactionJobOptions options;
  options.older_data = &nothing_older;
  options.snapshots = {4};
  ASSERT_OK(Run(options, mem));
  EXPECT_EQ(filter_.TakeCalls(), "L0:j=expired L0:m=expired");
  // The snapshot still reads j@1 and k@2. The tombstones stay, as a
  // Delete's would: only a tombstone that every reader sees is dropped.
  EXPECT_EQ(Outputs(), "j@5:DEL j@1=j1 k@2=expired m@6:DEL");
  EXPECT_EQ(stats_.filtered_entries, 2u);
}

}  // namespace

// -------------------------------------------------------------- through a DB

namespace test {
namespace {

std::string Key(std::string_view prefix, int i) {
  char buf[16];
  std::snprintf(buf, sizeof(buf), "%04d", i);
  return std::string(prefix) + buf;
}

class CompactionFilterTest : public DBTestBase {
 protected:
  explicit CompactionFilterTest(RecordingFilter::Predicate remove = IsExpired)
      : filter_(std::move(remove)) {
    options_.compaction_filter = &filter_;
  }

  // The filter must outlive the DB, which the base class closes after this
  // class's members are gone.
  void TearDown() override { EXPECT_OK(Close()); }

  RecordingFilter filter_;
};

class CompactionFilterPrefixTest : public CompactionFilterTest {
 protected:
  CompactionFilterPrefixTest()
      : CompactionFilterTest(
            [](std::string_view key, std::string_view) { return key.starts_with("exp:"); }) {}
};

TEST_F(CompactionFilterPrefixTest, FullCompactionRemovesMatchingKeysAndTheirSpace) {
  ASSERT_OK(Open());
  constexpr int kKeys = 300;
  const std::string value(200, 'v');
  for (int i = 0; i < kKeys; ++i) {
    ASSERT_OK(Put(Key("exp:", i), value));
    ASSERT_OK(Put(Key("keep:", i), value));
    if (i % 100 == 99) {
      ASSERT_OK(Flush());
    }
  }
  ASSERT_OK(db().CompactAll());
  for (int i = 0; i < kKeys; i += 37) {
    EXPECT_EQ(Get(Key("exp:", i)), "NOT_FOUND") << i;
    EXPECT_EQ(Get(Key("keep:", i)), value) << i;
  }
  std::string expected;
  for (int i = 0; i < kKeys; ++i) {
    expected += (i == 0 ? "" : " ") + Key("keep:", i) + "=" + value;
  }
  EXPECT_EQ(Contents(), expected);
  EXPECT_EQ(Property("aeternus.num-filtered-entries"), std::to_string(kKeys));
  // Only the kept pairs take space: no tombstone is left, as nothing lies
  // below a full compaction.
  const std::uint64_t kept_bytes = kKeys * (Key("keep:", 0).size() + value.size());
  const std::uint64_t table_bytes = std::stoull(Property("aeternus.total-table-bytes"));
  EXPECT_GT(table_bytes, kept_bytes);
  EXPECT_LT(table_bytes, kept_bytes * 5 / 4);
  const std::string stats = Property("aeternus.stats");
  EXPECT_NE(stats.find("compaction filter: RecordingFilter, 300 entries removed"),
            std::string::npos)
      << stats;
}

TEST_F(CompactionFilterPrefixTest, RemovingEveryKeyLeavesNoTable) {
  ASSERT_OK(Open());
  for (int i = 0; i < 500; ++i) {
    ASSERT_OK(Put(Key("exp:", i), std::string(100, 'v')));
  }
  ASSERT_OK(Flush());
  ASSERT_GT(NumTables(), 0);
  ASSERT_OK(db().CompactAll());
  EXPECT_EQ(NumTables(), 0);
  EXPECT_EQ(Property("aeternus.total-table-bytes"), "0");
  EXPECT_EQ(Contents(), "");
}

TEST_F(CompactionFilterTest, FlushesDoNotAskTheFilter) {
  ASSERT_OK(Open());
  ASSERT_OK(Put("k", "expired"));
  ASSERT_OK(Flush());
  ASSERT_OK(Put("m", "expired"));
  ASSERT_OK(Reopen());  // the replayed WAL is flushed too
  EXPECT_EQ(filter_.TakeCalls(), "");
  EXPECT_EQ(Get("k"), "expired");
  EXPECT_EQ(Get("m"), "expired");
  EXPECT_EQ(Property("aeternus.num-filtered-entries"), "0");
}

// A removed value whose older version sits in a level below the compaction
// leaves a tombstone there: the older version never comes back.
TEST_F(CompactionFilterTest, OlderVersionInALowerLevelStaysHidden) {
  options_.max_bytes_for_level_base = 64u << 10;
  options_.l0_compaction_trigger = 2;
  ASSERT_OK(Open());
  // "k"=v1 in one table of about 100 KiB: over level 1's 64 KiB, it moves to
  // level 2 unchanged.
  ASSERT_OK(Put("k", "v1"));
  for (int i = 0; i < 100; ++i) {
    ASSERT_OK(Put(Key("f", i), std::string(1000, 'f')));
  }
  ASSERT_OK(db().CompactAll());
  ASSERT_OK(WaitForCompactionsWatched(db(), "moving the first table down"));
  ASSERT_EQ(Property("aeternus.num-files-at-level0"), "0");
  ASSERT_EQ(Property("aeternus.num-files-at-level1"), "0");
  ASSERT_EQ(Property("aeternus.num-files-at-level2"), "1");
  filter_.TakeCalls();

  // Two overlapping level-0 tables: merged into level 1, without level 2.
  ASSERT_OK(Put("j", "x"));
  ASSERT_OK(Put("k", "expired"));
  ASSERT_OK(Flush());
  ASSERT_OK(Put("j", "y"));
  ASSERT_OK(Put("l", "z"));
  ASSERT_OK(Flush());
  ASSERT_OK(WaitForCompactionsWatched(db(), "merging level 0"));
  ASSERT_EQ(Property("aeternus.num-files-at-level0"), "0");
  ASSERT_EQ(Property("aeternus.num-files-at-level1"), "1");
  ASSERT_EQ(Property("aeternus.num-files-at-level2"), "1");
  EXPECT_EQ(filter_.TakeCalls(), "L1:j=y L1:k=expired L1:l=z");
  EXPECT_EQ(Get("k"), "NOT_FOUND");
  EXPECT_EQ(Get("j"), "y");
  EXPECT_EQ(Property("aeternus.num-filtered-entries"), "1");

  // A full compaction drops the tombstone with v1; "k" is not asked about,
  // its newest version being a tombstone.
  ASSERT_OK(db().CompactAll());
  EXPECT_EQ(Get("k"), "NOT_FOUND");
  const std::string calls = filter_.TakeCalls();
  EXPECT_NE(calls.find("L2:j=y"), std::string::npos) << calls;
  EXPECT_EQ(calls.find(":k="), std::string::npos) << calls;
  ASSERT_OK(Reopen());
  EXPECT_EQ(Get("k"), "NOT_FOUND");
}

TEST_F(CompactionFilterTest, SnapshotTakenAfterTheWriteKeepsIt) {
  ASSERT_OK(Open());
  ASSERT_OK(Put("k", "expired"));
  const Snapshot* snap = db().GetSnapshot();
  ASSERT_OK(Put("m", "expired"));  // newer than the snapshot
  ASSERT_OK(db().CompactAll());
  EXPECT_EQ(filter_.TakeCalls(), "L1:m=expired");
  EXPECT_EQ(Get("k", snap), "expired");
  EXPECT_EQ(Get("m", snap), "NOT_FOUND");
  EXPECT_EQ(Get("k"), "expired");
  EXPECT_EQ(Get("m"), "NOT_FOUND");
  EXPECT_EQ(Contents(snap), "k=expired");

  // Once the snapshot is released, the next compaction asks.
  db().ReleaseSnapshot(snap);
  ASSERT_OK(db().CompactAll());
  EXPECT_EQ(filter_.TakeCalls(), "L1:k=expired");
  EXPECT_EQ(Get("k"), "NOT_FOUND");
  EXPECT_EQ(NumTables(), 0);
}

TEST_F(CompactionFilterTest, SnapshotTakenBeforeTheWriteStillReadsWhatItRead) {
  ASSERT_OK(Open());
  ASSERT_OK(Put("k", "v1"));
  ASSERT_OK(Put("n", "n1"));
  const Snapshot* snap = db().GetSnapshot();
  ASSERT_OK(Put("k", "expired"));
  ASSERT_OK(Put("m", "expired"));
  ASSERT_OK(Delete("n"));
  ASSERT_OK(db().CompactAll());
  // Asked about the values no snapshot sees, not about k's older v1.
  EXPECT_EQ(filter_.TakeCalls(), "L1:k=expired L1:m=expired");
  EXPECT_EQ(Get("k"), "NOT_FOUND");
  EXPECT_EQ(Get("m"), "NOT_FOUND");
  EXPECT_EQ(Get("k", snap), "v1");
  EXPECT_EQ(Get("m", snap), "NOT_FOUND");
  EXPECT_EQ(Contents(snap), "k=v1 n=n1");
  EXPECT_EQ(Contents(), "");

  db().ReleaseSnapshot(snap);
  ASSERT_OK(db().CompactAll());
  EXPECT_EQ(filter_.TakeCalls(), "");  // only tombstones are left, then nothing
  EXPECT_EQ(Get("k"), "NOT_FOUND");
  EXPECT_EQ(NumTables(), 0);
}

TEST_F(CompactionFilterTest, NotAskedAboutTombstonesShadowedOrCoveredEntries) {
  ASSERT_OK(Open());
  ASSERT_OK(Put("a", "a1"));
  ASSERT_OK(Put("b", "b1"));
  ASSERT_OK(Put("c", "c1"));
  ASSERT_OK(Flush());
  ASSERT_OK(Put("a", "a2"));
  ASSERT_OK(Delete("b"));
  ASSERT_OK(DeleteRange("c", "d"));
  ASSERT_OK(Put("e", "e1"));
  ASSERT_OK(Flush());
  ASSERT_OK(Delete("f"));
  EXPECT_EQ(filter_.TakeCalls(), "");
  ASSERT_OK(db().CompactAll());
  EXPECT_EQ(filter_.TakeCalls(), "L1:a=a2 L1:e=e1");
  EXPECT_EQ(Contents(), "a=a2 e=e1");
}

TEST_F(CompactionFilterTest, TieredCompactionsAskWithLevel0) {
  options_.compaction_style = CompactionStyle::kTiered;
  ASSERT_OK(Open());
  ASSERT_OK(Put("a", "expired"));
  ASSERT_OK(Put("b", "b1"));
  ASSERT_OK(Flush());
  ASSERT_OK(Put("c", "c1"));
  ASSERT_OK(Flush());
  ASSERT_OK(db().CompactAll());
  EXPECT_EQ(filter_.TakeCalls(), "L0:a=expired L0:b=b1 L0:c=c1");
  EXPECT_EQ(Contents(), "b=b1 c=c1");
}

class CompactionFilterKeepAllTest : public CompactionFilterTest {
 protected:
  CompactionFilterKeepAllTest()
      : CompactionFilterTest([](std::string_view, std::string_view) { return false; }) {}
};

TEST_F(CompactionFilterKeepAllTest, KeepingEverythingChangesNothing) {
  ASSERT_OK(Open());
  for (int round = 0; round < 4; ++round) {
    for (int i = round; i < 400; i += 3) {
      ASSERT_OK(Put(Key("k", i), std::to_string(round) + std::string(100, 'v')));
    }
    for (int i = round; i < 400; i += 17) {
      ASSERT_OK(Delete(Key("k", i)));
    }
    ASSERT_OK(DeleteRange(Key("k", 100 + 50 * round), Key("k", 110 + 50 * round)));
    ASSERT_OK(Flush());
  }
  const Snapshot* snap = db().GetSnapshot();
  ASSERT_OK(Put(Key("k", 1), "after the snapshot"));
  ASSERT_OK(Delete(Key("k", 3)));
  const std::string before = Contents();
  const std::string before_snap = Contents(snap);
  ASSERT_OK(db().CompactAll());
  EXPECT_EQ(Contents(), before);
  EXPECT_EQ(Contents(snap), before_snap);
  EXPECT_NE(filter_.TakeCalls(), "");
  db().ReleaseSnapshot(snap);
  ASSERT_OK(db().CompactAll());
  EXPECT_EQ(Contents(), before);
  EXPECT_EQ(Property("aeternus.num-filtered-entries"), "0");
}

}  // namespace
}  // namespace test
}  // namespace aeternus
