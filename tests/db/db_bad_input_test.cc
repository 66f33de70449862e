// Bad input is refused with InvalidArgument and changes nothing: empty or
// oversized keys, oversized values, empty or inverted ranges, a batch with
// one bad update, and invalid Options at Open (the message names the field).

#include <functional>
#include <limits>
#include <memory>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "aeternus/db.h"
#include "aeternus/options.h"
#include "aeternus/status.h"
#include "aeternus/write_batch.h"

#include "testutil/db_test_base.h"

namespace aeternus::test {
namespace {

constexpr std::size_t kMaxKey = 16;
constexpr std::size_t kMaxValue = 100;

class DBBadInputTest : public DBTestBase {
 protected:
  void SetUp() override {
    options_.max_key_size = kMaxKey;
    options_.max_value_size = kMaxValue;
    ASSERT_OK(Open());
    ASSERT_OK(Put("a", "1"));
    ASSERT_OK(Put("m", "2"));
    ASSERT_OK(Flush());
    ASSERT_OK(Put("z", "3"));
    RememberState();
  }

  void RememberState() {
    sequence_ = Sequence();
    contents_ = Contents();
    ASSERT_EQ(contents_, "a=1 m=2 z=3");
  }

  // Nothing was written since RememberState(), in memory or on disk.
  void ExpectNothingWritten() {
    EXPECT_EQ(Sequence(), sequence_);
    EXPECT_EQ(Contents(), contents_);
    ASSERT_OK(Reopen());
    EXPECT_EQ(Contents(), contents_);
    // The database still takes good writes.
    ASSERT_OK(Put("after", "ok"));
    EXPECT_EQ(Get("after"), "ok");
  }

  std::uint64_t sequence_ = 0;
  std::string contents_;
};

#define EXPECT_INVALID_ARGUMENT(expr)                                          \
  do {                                                                         \
    ::aeternus::Status s_ = (expr);                                            \
    EXPECT_TRUE(s_.IsInvalidArgument()) << #expr << " gave " << s_.ToString(); \
  } while (0)

TEST_F(DBBadInputTest, EmptyKeyInPutIsInvalid) {
  EXPECT_INVALID_ARGUMENT(Put("", "v"));
  ExpectNothingWritten();
}

TEST_F(DBBadInputTest, EmptyKeyInDeleteIsInvalid) {
  EXPECT_INVALID_ARGUMENT(Delete(""));
  ExpectNothingWritten();
}

TEST_F(DBBadInputTest, EmptyKeyInGetIsInvalid) {
  std::string value = "untouched";
  EXPECT_INVALID_ARGUMENT(db().Get(ReadOptions(), "", &value));
  ExpectNothingWritten();
}

TEST_F(DBBadInputTest, KeyOfMaxKeySizeIsAccepted) {
  const std::string key(kMaxKey, 'k');
  ASSERT_OK(Put(key, "v"));
  EXPECT_EQ(Get(key), "v");
  ASSERT_OK(Delete(key));
  EXPECT_EQ(Get(key), "NOT_FOUND");
}

TEST_F(DBBadInputTest, KeyOverMaxKeySizeInPutIsInvalid) {
  EXPECT_INVALID_ARGUMENT(Put(std::string(kMaxKey + 1, 'k'), "v"));
  EXPECT_INVALID_ARGUMENT(Put(std::string(10 * kMaxKey, 'k'), "v"));
  ExpectNothingWritten();
}

TEST_F(DBBadInputTest, KeyOverMaxKeySizeInDeleteIsInvalid) {
  EXPECT_INVALID_ARGUMENT(Delete(std::string(kMaxKey + 1, 'a')));
  ExpectNothingWritten();
}

TEST_F(DBBadInputTest, ValueOfMaxValueSizeIsAccepted) {
  const std::string value(kMaxValue, 'v');
  ASSERT_OK(Put("k", value));
  EXPECT_EQ(Get("k"), value);
}

TEST_F(DBBadInputTest, ValueOverMaxValueSizeIsInvalid) {
  EXPECT_INVALID_ARGUMENT(Put("k", std::string(kMaxValue + 1, 'v')));
  EXPECT_INVALID_ARGUMENT(Put("a", std::string(100 * kMaxValue, 'v')));
  EXPECT_EQ(Get("k"), "NOT_FOUND");
  ExpectNothingWritten();
}

TEST_F(DBBadInputTest, DeleteRangeWithEqualBoundsIsInvalid) {
  EXPECT_INVALID_ARGUMENT(DeleteRange("a", "a"));
  EXPECT_INVALID_ARGUMENT(DeleteRange("m", "m"));
  ExpectNothingWritten();
}

TEST_F(DBBadInputTest, DeleteRangeWithBeginAfterEndIsInvalid) {
  EXPECT_INVALID_ARGUMENT(DeleteRange("z", "a"));
  EXPECT_INVALID_ARGUMENT(DeleteRange("b", "a"));
  // "a\xff" > "a\x01" only when bytes compare unsigned.
  EXPECT_INVALID_ARGUMENT(DeleteRange("a\xff", "a\x01"));
  ExpectNothingWritten();
}

TEST_F(DBBadInputTest, DeleteRangeWithEmptyBeginIsInvalid) {
  EXPECT_INVALID_ARGUMENT(DeleteRange("", "zz"));
  ExpectNothingWritten();
}

TEST_F(DBBadInputTest, BatchWithOneBadUpdateAppliesNothing) {
  struct Case {
    const char* name;
    std::function<void(WriteBatch&)> bad;
  };
  const std::vector<Case> cases = {
      {"empty key put", [](WriteBatch& b) { b.Put("", "v"); }},
      {"empty key delete", [](WriteBatch& b) { b.Delete(""); }},
      {"key over max", [](WriteBatch& b) { b.Put(std::string(kMaxKey + 1, 'k'), "v"); }},
      {"delete of key over max", [](WriteBatch& b) { b.Delete(std::string(kMaxKey + 1, 'k')); }},
      {"value over max", [](WriteBatch& b) { b.Put("k", std::string(kMaxValue + 1, 'v')); }},
      {"range begin == end", [](WriteBatch& b) { b.DeleteRange("c", "c"); }},
      {"range begin > end", [](WriteBatch& b) { b.DeleteRange("y", "c"); }},
      {"range empty begin", [](WriteBatch& b) { b.DeleteRange("", "c"); }},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    for (int position = 0; position < 3; ++position) {
      SCOPED_TRACE("bad update at position " + std::to_string(position));
      WriteBatch batch;
      if (position == 0) {
        c.bad(batch);
      }
      batch.Put("new1", "x");
      batch.Delete("a");
      if (position == 1) {
        c.bad(batch);
      }
      batch.DeleteRange("m", "n");
      batch.Put("new2", "y");
      if (position == 2) {
        c.bad(batch);
      }
      EXPECT_INVALID_ARGUMENT(Write(&batch));
      EXPECT_EQ(Sequence(), sequence_);
      EXPECT_EQ(Contents(), contents_);
    }
  }
  ExpectNothingWritten();
}

TEST_F(DBBadInputTest, BatchWithOneBadUpdateIsNotReplayedAfterReopen) {
  WriteBatch batch;
  batch.Put("new", "x");
  batch.Put("", "bad");
  EXPECT_INVALID_ARGUMENT(db().Write(WriteOptions{.sync = true}, &batch));
  ASSERT_OK(Reopen());
  EXPECT_EQ(Get("new"), "NOT_FOUND");
  EXPECT_EQ(Contents(), contents_);
}

// Invalid options are refused at Open with InvalidArgument naming the field.
class DBBadOptionsTest : public DBTestBase {};

TEST_F(DBBadOptionsTest, InvalidOptionsAreRefusedNamingTheField) {
  struct Case {
    const char* field;
    std::function<void(Options&)> set;
  };
  const std::vector<Case> cases = {
      {"write_buffer_size", [](Options& o) { o.write_buffer_size = 0; }},
      {"write_buffer_size", [](Options& o) { o.write_buffer_size = (64u << 10) - 1; }},
      {"max_write_buffer_number", [](Options& o) { o.max_write_buffer_number = 0; }},
      {"max_write_buffer_number", [](Options& o) { o.max_write_buffer_number = -1; }},
      {"max_write_buffer_number", [](Options& o) { o.max_write_buffer_number = 65; }},
      {"memtable_bloom_size_ratio", [](Options& o) { o.memtable_bloom_size_ratio = -0.01; }},
      {"memtable_bloom_size_ratio", [](Options& o) { o.memtable_bloom_size_ratio = 0.3; }},
      {"memtable_bloom_size_ratio",
       [](Options& o) { o.memtable_bloom_size_ratio = std::numeric_limits<double>::quiet_NaN(); }},
      {"memtable_hash_index_size_ratio", [](Options& o) { o.memtable_hash_index_size_ratio = -0.01; }},
      {"memtable_hash_index_size_ratio", [](Options& o) { o.memtable_hash_index_size_ratio = 0.6; }},
      {"memtable_hash_index_size_ratio",
       [](Options& o) {
         o.memtable_hash_index_size_ratio = std::numeric_limits<double>::quiet_NaN();
       }},
      {"block_size", [](Options& o) { o.block_size = 0; }},
      {"block_size", [](Options& o) { o.block_size = 255; }},
      {"bloom_bits_per_key", [](Options& o) { o.bloom_bits_per_key = -1; }},
      {"bloom_bits_per_key", [](Options& o) { o.bloom_bits_per_key = 65; }},
      {"background_threads", [](Options& o) { o.background_threads = 0; }},
      {"background_threads", [](Options& o) { o.background_threads = 65; }},
      {"max_key_size", [](Options& o) { o.max_key_size = 0; }},
      {"compaction_style",
       [](Options& o) { o.compaction_style = static_cast<CompactionStyle>(7); }},
      {"target_file_size", [](Options& o) { o.target_file_size = (16u << 10) - 1; }},
      {"l0_compaction_trigger", [](Options& o) { o.l0_compaction_trigger = 0; }},
      {"l0_slowdown_writes_trigger",
       [](Options& o) { o.l0_slowdown_writes_trigger = o.l0_compaction_trigger - 1; }},
      {"l0_stop_writes_trigger",
       [](Options& o) { o.l0_stop_writes_trigger = o.l0_slowdown_writes_trigger - 1; }},
      {"max_bytes_for_level_base", [](Options& o) { o.max_bytes_for_level_base = 1000; }},
      {"l0_slowdown_writes_trigger",
       [](Options& o) {
         // Tiered merging always leaves one table behind.
         o.compaction_style = CompactionStyle::kTiered;
         o.l0_compaction_trigger = o.l0_slowdown_writes_trigger = o.l0_stop_writes_trigger = 1;
       }},
      {"level_size_multiplier", [](Options& o) { o.level_size_multiplier = 1; }},
      {"level_size_multiplier", [](Options& o) { o.level_size_multiplier = 101; }},
      {"tiered_small_table_size", [](Options& o) { o.tiered_small_table_size = 5ull << 30; }},
      {"min_merge_width", [](Options& o) { o.min_merge_width = 1; }},
      {"max_merge_width", [](Options& o) { o.max_merge_width = o.min_merge_width - 1; }},
      {"max_merge_width", [](Options& o) { o.max_merge_width = 257; }},
      {"tombstone_compaction_ratio", [](Options& o) { o.tombstone_compaction_ratio = 0.0; }},
      {"tombstone_compaction_ratio", [](Options& o) { o.tombstone_compaction_ratio = 1.5; }},
      {"tombstone_compaction_ratio",
       [](Options& o) { o.tombstone_compaction_ratio = std::numeric_limits<double>::quiet_NaN(); }},
  };
  int n = 0;
  for (const auto& c : cases) {
    SCOPED_TRACE(c.field);
    Options o = SmallOptions();
    c.set(o);
    std::unique_ptr<DB> db;
    const std::string dir = tmp_.Sub("bad" + std::to_string(n++));
    Status s = DB::Open(o, dir, &db);
    EXPECT_TRUE(s.IsInvalidArgument()) << s.ToString();
    EXPECT_NE(s.message().find(c.field), std::string_view::npos)
        << "message does not name " << c.field << ": " << s.ToString();
    EXPECT_EQ(db, nullptr);
    if (db != nullptr) {
      EXPECT_OK(db->Close());
    }
  }
}

TEST_F(DBBadOptionsTest, BoundaryOptionsAreAccepted) {
  Options o = SmallOptions();
  o.write_buffer_size = 64u << 10;
  o.max_write_buffer_number = 1;
  o.memtable_bloom_size_ratio = 0;
  o.block_size = 256;
  o.bloom_bits_per_key = 0;
  o.background_threads = 1;
  o.max_key_size = 1;
  o.max_value_size = 0;
  o.compaction_style = CompactionStyle::kLeveled;
  o.target_file_size = 16u << 10;
  o.l0_compaction_trigger = o.l0_slowdown_writes_trigger = o.l0_stop_writes_trigger = 1;
  o.max_bytes_for_level_base = 64u << 10;
  o.level_size_multiplier = 2;
  o.tiered_small_table_size = 0;
  o.min_merge_width = o.max_merge_width = 2;
  o.tombstone_compaction_ratio = 1.0;
  std::unique_ptr<DB> db;
  ASSERT_OK(DB::Open(o, tmp_.Sub("min"), &db));
  ASSERT_OK(db->Close());
  db.reset();
  o.max_write_buffer_number = 64;
  o.memtable_bloom_size_ratio = 0.25;
  o.memtable_hash_index_size_ratio = 0.5;
  o.block_size = 16u << 20;
  o.bloom_bits_per_key = 64;
  o.background_threads = 64;
  o.max_key_size = 64u << 20;
  o.compaction_style = CompactionStyle::kTiered;
  o.target_file_size = 4ull << 30;
  o.l0_compaction_trigger = o.l0_slowdown_writes_trigger = o.l0_stop_writes_trigger = 1000;
  o.max_bytes_for_level_base = 1ull << 40;
  o.level_size_multiplier = 100;
  o.tiered_small_table_size = 4ull << 30;
  o.min_merge_width = 64;
  o.max_merge_width = 256;
  ASSERT_OK(DB::Open(o, tmp_.Sub("max"), &db));
  ASSERT_OK(db->Close());
}

TEST_F(DBBadOptionsTest, SmallestKeyAndValueLimitsAreEnforced) {
  Options o = SmallOptions();
  o.max_key_size = 1;
  o.max_value_size = 0;
  std::unique_ptr<DB> db;
  ASSERT_OK(DB::Open(o, tmp_.Sub("limits"), &db));
  ASSERT_OK(db->Put(WriteOptions(), "k", ""));
  Status s = db->Put(WriteOptions(), "kk", "");
  EXPECT_TRUE(s.IsInvalidArgument()) << s.ToString();
  s = db->Put(WriteOptions(), "k", "v");
  EXPECT_TRUE(s.IsInvalidArgument()) << s.ToString();
  std::string value = "junk";
  ASSERT_OK(db->Get(ReadOptions(), "k", &value));
  EXPECT_EQ(value, "");
  ASSERT_OK(db->Close());
}

TEST_F(DBBadOptionsTest, RefusedOptionsLeaveExistingDatabaseIntact) {
  ASSERT_OK(Open());
  ASSERT_OK(Put("a", "1"));
  ASSERT_OK(Close());
  Options o = options_;
  o.block_size = 0;
  std::unique_ptr<DB> db;
  Status s = DB::Open(o, dbname_, &db);
  EXPECT_TRUE(s.IsInvalidArgument()) << s.ToString();
  ASSERT_OK(Open());
  EXPECT_EQ(Contents(), "a=1");
}

}  // namespace
}  // namespace aeternus::test
