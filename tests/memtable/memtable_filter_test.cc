#include "memtable/memtable_filter.h"

#include <gtest/gtest.h>

#include <string>

#include "filter/bloom.h"
#include "memtable/memtable.h"

namespace aeternus {
namespace {

TEST(MemTableFilterTest, EveryAddedKeyMayBePresent) {
  MemTableFilter filter(16 << 10);
  ASSERT_TRUE(filter.enabled());
  EXPECT_EQ(filter.bytes(), 16u << 10);
  for (int i = 0; i < 10000; ++i) {
    filter.Add(BloomHash("key" + std::to_string(i)));
  }
  for (int i = 0; i < 10000; ++i) {
    EXPECT_TRUE(filter.MayContain(BloomHash("key" + std::to_string(i)))) << i;
  }
}

// About 13 bits per key: a few percent of absent keys pass, no more.
TEST(MemTableFilterTest, RulesOutMostAbsentKeys) {
  MemTableFilter filter(16 << 10);
  for (int i = 0; i < 10000; ++i) {
    filter.Add(BloomHash("key" + std::to_string(i)));
  }
  int passed = 0;
  for (int i = 0; i < 100000; ++i) {
    passed += filter.MayContain(BloomHash("absent" + std::to_string(i))) ? 1 : 0;
  }
  EXPECT_LT(passed, 2000) << "false-positive rate " << passed / 1000.0 << "%";
}

TEST(MemTableFilterTest, NoFilterMatchesEverything) {
  for (std::size_t bytes : {std::size_t{0}, std::size_t{63}}) {
    MemTableFilter filter(bytes);
    EXPECT_FALSE(filter.enabled());
    EXPECT_EQ(filter.bytes(), 0u);
    filter.Add(BloomHash("a"));
    EXPECT_TRUE(filter.MayContain(BloomHash("b")));
  }
}

// The filter's bytes count in the memtable's memory, so that it is
// flushed at the configured size, filter included.
TEST(MemTableFilterTest, CountsInTheMemTablesMemory) {
  MemTable plain(1);
  MemTable filtered(1, nullptr, 1 << 20);
  EXPECT_EQ(filtered.ApproximateMemoryUsage(), plain.ApproximateMemoryUsage() + (1u << 20));
}

// Deletions are entries too: a deleted key is found as deleted, not passed
// over as absent.
TEST(MemTableFilterTest, MemTableFindsDeletionsAndRulesOutAbsentKeys) {
  MemTable mem(1, nullptr, 4096);
  mem.Add(1, ValueType::kValue, "a", "1");
  mem.Add(2, ValueType::kDeletion, "b", "");
  mem.Add(3, ValueType::kRangeDeletion, "c", "d");
  EXPECT_EQ(mem.Get(LookupKey("a", 10)).kind, MemTable::GetResult::Kind::kValue);
  EXPECT_EQ(mem.Get(LookupKey("b", 10)).kind, MemTable::GetResult::Kind::kDeletion);
  EXPECT_EQ(mem.Get(LookupKey("c", 10)).kind, MemTable::GetResult::Kind::kNotFound);
  EXPECT_EQ(mem.MaxCoveringTombstone("c", 10), 3u);
  EXPECT_EQ(mem.Get(LookupKey("z", 10)).kind, MemTable::GetResult::Kind::kNotFound);
}

}  // namespace
}  // namespace aeternus
