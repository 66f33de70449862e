// Tables read through memory mappings: the bytes of data blocks that stay
// mapped, and so resident, are bounded by Options::mapped_table_capacity,
// and every read returns the right value whatever pages were released.

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <numeric>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "aeternus/db.h"
#include "aeternus/iterator.h"
#include "aeternus/options.h"

#include "testutil/db_test_base.h"
#include "testutil/process_mappings.h"
#include "testutil/random.h"

namespace aeternus::test {
namespace {

constexpr int kKeys = 20000;
constexpr std::size_t kValueSize = 400;  // about 8 MiB of tables in all

std::string Key(int i) {
  char buf[16];
  std::snprintf(buf, sizeof(buf), "key%08d", i);
  return buf;
}

std::string Value(int i) {
  std::string v = std::to_string(i) + ":";
  v.resize(kValueSize, static_cast<char>('a' + i % 26));
  return v;
}

class DBMappedTablesTest : public DBTestBase {
 protected:
  // Loads the keys into tables and reopens with `capacity`.
  void LoadThenReopen(std::uint64_t capacity) {
    options_.write_buffer_size = 1u << 20;
    ASSERT_OK(Open());
    for (int i = 0; i < kKeys; ++i) {
      ASSERT_OK(Put(Key(i), Value(i)));
    }
    ASSERT_OK(db().CompactAll());
    options_.mapped_table_capacity = capacity;
    ASSERT_OK(Reopen());
  }

  // Reads every key once, in a random order, checking each value.
  void ReadAllRandomly(std::uint64_t seed) {
    std::vector<int> order(kKeys);
    std::iota(order.begin(), order.end(), 0);
    Random rnd(seed);
    for (int i = kKeys - 1; i > 0; --i) {
      std::swap(order[i], order[rnd.Uniform(static_cast<std::uint64_t>(i) + 1)]);
    }
    for (int i : order) {
      ASSERT_EQ(Get(Key(i)), Value(i)) << "key " << i;
    }
  }

  // Bytes of the database's table files resident through mappings.
  std::uint64_t ResidentTableBytes() const {
    std::uint64_t total = 0;
    for (const auto& entry : std::filesystem::directory_iterator(dbname_)) {
      if (entry.path().extension() == ".sst") {
        total += MappingsOf(entry.path().string()).resident;
      }
    }
    return total;
  }
};

TEST_F(DBMappedTablesTest, ResidentTablesStayWithinTheCapacity) {
  LoadThenReopen(1u << 20);
  ReadAllRandomly(1);
  ReadAllRandomly(2);  // the pages released are read again
  // 1 MiB of data blocks, and what is read at open (index, filter,
  // properties) for about 8 MiB of tables.
  EXPECT_LT(ResidentTableBytes(), 3u << 19);
  std::unique_ptr<Iterator> it = db().NewIterator(ReadOptions());
  int i = 0;
  for (it->SeekToFirst(); it->Valid(); it->Next(), ++i) {
    ASSERT_EQ(it->key(), Key(i));
    ASSERT_EQ(it->value(), Value(i));
  }
  ASSERT_OK(it->status());
  EXPECT_EQ(i, kKeys);
  EXPECT_LT(ResidentTableBytes(), 3u << 19);  // an iterator's pass is charged too
}

TEST_F(DBMappedTablesTest, ZeroCapacityLeavesEveryPageReadMapped) {
  LoadThenReopen(0);
  ReadAllRandomly(3);
  if (ResidentTableBytes() == 0) {
    GTEST_SKIP() << "tables are not memory-mapped here";
  }
  EXPECT_GT(ResidentTableBytes(), std::uint64_t{kKeys} * kValueSize * 9 / 10);
}

}  // namespace
}  // namespace aeternus::test
