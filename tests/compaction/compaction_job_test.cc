#include "compaction/compaction_job.h"

#include <gtest/gtest.h>

#include <cstdio>

#include "env/mem_file_system.h"
#include "manifest/file_names.h"
#include "memtable/memtable.h"
#include "sstable/sstable_test_util.h"
#include "sstable/table_builder.h"
#include "sstable/table_reader.h"
#include "testutil/status_assertions.h"

namespace aeternus {
namespace {

const NoOlderData nothing_older;

std::string Key(int i) {
  char buf[16];
  std::snprintf(buf, sizeof(buf), "key%05d", i);
  return buf;
}

class CompactionJobTest : public ::testing::Test {
 protected:
  Status Run(const CompactionJobOptions& options, const MemTable& mem,
             const RangeTombstoneList& tombstones) {
    auto input = mem.NewIterator();
    std::uint64_t next = 100;
    return RunCompaction("/db", &fs_, options, input.get(), {&tombstones},
                         [&] { return next++; }, &outputs_);
  }

  std::unique_ptr<TableReader> OpenOutput(const FileMetaData& f) {
    std::unique_ptr<RandomAccessFile> file;
    EXPECT_OK(fs_.NewRandomAccessFile(TableFileName("/db", f.number), &file));
    std::unique_ptr<TableReader> reader;
    TableReaderOptions o;
    o.file_name = TableFileName("/db", f.number);
    EXPECT_OK(TableReader::Open(o, std::move(file), f.file_size, &reader));
    return reader;
  }

  MemFileSystem fs_;
  std::vector<FileMetaData> outputs_;
};

TEST_F(CompactionJobTest, SplitsAtUserKeysAndClipsKeptTombstonesToEachOutput) {
  ASSERT_OK(fs_.CreateDir("/db"));
  MemTable mem(1);
  SequenceNumber seq = 1;
  for (int i = 0; i < 2000; ++i) {
    mem.Add(seq++, ValueType::kValue, Key(i), std::string(50, 'v'));
  }
  // A range tombstone newer than a snapshot must be kept, and it spans
  // many outputs.
  const SequenceNumber snapshot = seq - 1;
  RangeTombstoneList tombstones({{Key(100), Key(1900), seq++}});
  CompactionJobOptions options;
  options.target_file_size = 8 << 10;
  options.older_data = &nothing_older;
  options.snapshots = {snapshot};
  ASSERT_OK(Run(options, mem, tombstones));
  ASSERT_GT(outputs_.size(), 5u);
  std::uint64_t entries = 0;
  for (std::size_t i = 0; i < outputs_.size(); ++i) {
    entries += outputs_[i].num_entries;
    if (i > 0) {
      // Non-overlapping in internal key order.
      EXPECT_LT(CompareInternalKeys(outputs_[i - 1].largest, outputs_[i].smallest), 0) << i;
    }
    auto reader = OpenOutput(outputs_[i]);
    for (const RangeTombstone& t : reader->range_tombstones().tombstones()) {
      EXPECT_GE(t.begin, std::string(outputs_[i].smallest_user_key()));
      EXPECT_LE(t.end, std::string(outputs_[i].largest_user_key()));
    }
  }
  EXPECT_EQ(entries, 2000u);  // the snapshot still sees every value
}

TEST_F(CompactionJobTest, WithNothingOlderDropsWhatNoReaderSees) {
  ASSERT_OK(fs_.CreateDir("/db"));
  MemTable mem(1);
  mem.Add(1, ValueType::kValue, "a", "1");
  mem.Add(2, ValueType::kValue, "a", "2");
  mem.Add(3, ValueType::kValue, "b", "1");
  mem.Add(4, ValueType::kDeletion, "b", "");
  mem.Add(5, ValueType::kValue, "c", "1");
  RangeTombstoneList tombstones({{"c", "d", 6}});
  CompactionJobOptions options;
  options.older_data = &nothing_older;
  ASSERT_OK(Run(options, mem, tombstones));
  ASSERT_EQ(outputs_.size(), 1u);
  EXPECT_EQ(outputs_[0].num_entries, 1u);  // only a@2
  EXPECT_EQ(outputs_[0].num_range_deletions, 0u);
  auto reader = OpenOutput(outputs_[0]);
  TableReader::GetResult r;
  ASSERT_OK(reader->Get({}, LookupKey("a", 10).internal_key(), &r));
  EXPECT_EQ(r.value, "2");
}

TEST_F(CompactionJobTest, FlushKeepsTombstones) {
  ASSERT_OK(fs_.CreateDir("/db"));
  MemTable mem(1);
  mem.Add(1, ValueType::kValue, "b", "1");
  mem.Add(2, ValueType::kDeletion, "b", "");
  RangeTombstoneList tombstones({{"x", "z", 3}});
  CompactionJobOptions options;
  options.older_data = nullptr;  // a flush: older data may exist anywhere
  ASSERT_OK(Run(options, mem, tombstones));
  ASSERT_EQ(outputs_.size(), 1u);
  EXPECT_EQ(outputs_[0].num_deletions, 1u);
  EXPECT_EQ(outputs_[0].num_range_deletions, 1u);
}

// A table whose data block holds an entry of an unknown type behind a
// valid checksum (damage the writer's checksums cannot see): the job stops
// at it and leaves no output behind.
TEST_F(CompactionJobTest, EntryOfUnknownTypeInAnInputTableFailsTheJob) {
  ASSERT_OK(fs_.CreateDir("/db"));
  using sstable_test::IKey;
  sstable_test::StringSink sink;
  TableBuilder builder({}, &sink);
  builder.Add(IKey("a", 1), "1");
  builder.Add(IKey("b", 2), "2");
  builder.Add(IKey("c", 3), "3");
  ASSERT_OK(builder.Finish());
  std::string table = sink.contents();
  ASSERT_TRUE(sstable_test::SetStoredKeyType(table, IKey("b", 2), 0x7f));
  std::unique_ptr<TableReader> reader;
  TableReaderOptions o;
  o.file_name = "000005.sst";
  const std::uint64_t size = table.size();
  ASSERT_OK(TableReader::Open(o, std::make_unique<sstable_test::StringSource>(std::move(table)),
                              size, &reader));
  auto input = reader->NewIterator({});
  CompactionJobOptions options;
  options.older_data = &nothing_older;
  std::uint64_t next = 100;
  const Status s = RunCompaction(
      "/db", &fs_, options, input.get(), {}, [&] { return next++; }, &outputs_);
  EXPECT_EQ(s.ToString(), "Corruption: compaction input holds a bad internal key");
  EXPECT_TRUE(outputs_.empty());
  std::vector<std::string> names;
  ASSERT_OK(fs_.GetChildren("/db", &names));
  EXPECT_TRUE(names.empty()) << names.size() << " files left, the first " << names[0];
}

}  // namespace
}  // namespace aeternus
