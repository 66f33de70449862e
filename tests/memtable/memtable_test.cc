#include "memtable/memtable.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <map>
#include <random>
#include <thread>

namespace aeternus {
namespace {

std::string Get(const MemTable& mem, std::string_view key, SequenceNumber seq) {
  MemTable::GetResult r = mem.Get(LookupKey(key, seq));
  switch (r.kind) {
    case MemTable::GetResult::Kind::kNotFound: return "NOT_FOUND";
    case MemTable::GetResult::Kind::kDeletion: return "DELETED@" + std::to_string(r.sequence);
    case MemTable::GetResult::Kind::kValue: return std::string(r.value);
  }
  return "?";
}

TEST(MemTableTest, GetSeesNewestVersionAtOrBelowSequence) {
  MemTable mem(1);
  mem.Add(1, ValueType::kValue, "k", "v1");
  mem.Add(2, ValueType::kValue, "k", "v2");
  mem.Add(3, ValueType::kDeletion, "k", "");
  mem.Add(4, ValueType::kValue, "k", "v4");
  EXPECT_EQ(Get(mem, "k", 0), "NOT_FOUND");
  EXPECT_EQ(Get(mem, "k", 1), "v1");
  EXPECT_EQ(Get(mem, "k", 2), "v2");
  EXPECT_EQ(Get(mem, "k", 3), "DELETED@3");
  EXPECT_EQ(Get(mem, "k", 100), "v4");
  EXPECT_EQ(Get(mem, "j", 100), "NOT_FOUND");
  EXPECT_EQ(Get(mem, "kk", 100), "NOT_FOUND");
  EXPECT_EQ(mem.first_sequence(), 1u);
  EXPECT_EQ(mem.last_sequence(), 4u);
}

TEST(MemTableTest, KeysWithZeroAndHighBytesSortBytewise) {
  MemTable mem(1);
  const std::string keys[] = {std::string("a\0b", 3), std::string("a"), std::string("\xff"),
                              std::string("a\xff"), std::string(1, '\0')};
  SequenceNumber seq = 1;
  for (const auto& k : keys) {
    mem.Add(seq++, ValueType::kValue, k, "v" + k);
  }
  for (const auto& k : keys) {
    EXPECT_EQ(Get(mem, k, 100), "v" + k);
  }
  auto it = mem.NewIterator();
  std::vector<std::string> seen;
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    seen.emplace_back(ExtractUserKey(it->key()));
  }
  std::vector<std::string> sorted(std::begin(keys), std::end(keys));
  std::sort(sorted.begin(), sorted.end());
  EXPECT_EQ(seen, sorted);
}

TEST(MemTableTest, IteratorWalksBothWaysInInternalKeyOrder) {
  MemTable mem(1);
  std::map<std::string, std::string> expected;
  for (int i = 0; i < 500; ++i) {
    std::string k = "key" + std::to_string(i * 7 % 500);
    mem.Add(static_cast<SequenceNumber>(i + 1), ValueType::kValue, k, std::to_string(i));
  }
  auto it = mem.NewIterator();
  std::string prev;
  int n = 0;
  for (it->SeekToFirst(); it->Valid(); it->Next(), ++n) {
    if (n > 0) {
      EXPECT_LT(CompareInternalKeys(prev, it->key()), 0);
    }
    prev.assign(it->key());
  }
  EXPECT_EQ(n, 500);
  n = 0;
  for (it->SeekToLast(); it->Valid(); it->Prev(), ++n) {
    if (n > 0) {
      EXPECT_GT(CompareInternalKeys(prev, it->key()), 0);
    }
    prev.assign(it->key());
  }
  EXPECT_EQ(n, 500);
  it->Seek(LookupKey("key25", 1000).internal_key());
  ASSERT_TRUE(it->Valid());
  EXPECT_EQ(ExtractUserKey(it->key()), "key25");
  it->SeekForPrev(LookupKey("key25", 1000).internal_key());
  ASSERT_TRUE(it->Valid());
  EXPECT_EQ(ExtractUserKey(it->key()), "key249");
}

TEST(MemTableTest, RangeTombstonesCoverByHighestVisibleSequence) {
  MemTable mem(1);
  EXPECT_TRUE(mem.RangeTombstones().empty());
  mem.Add(1, ValueType::kValue, "b", "v");
  mem.Add(2, ValueType::kRangeDeletion, "a", "c");
  mem.Add(3, ValueType::kRangeDeletion, "b", "d");
  EXPECT_EQ(mem.MaxCoveringTombstone("b", 100), 3u);
  EXPECT_EQ(mem.MaxCoveringTombstone("b", 2), 2u);
  EXPECT_EQ(mem.MaxCoveringTombstone("a", 100), 2u);
  EXPECT_EQ(mem.MaxCoveringTombstone("c", 100), 3u);
  EXPECT_EQ(mem.MaxCoveringTombstone("d", 100), 0u);
  // Range tombstones are not point entries.
  EXPECT_EQ(Get(mem, "a", 100), "NOT_FOUND");
}

TEST(MemTableTest, ManyRangeTombstonesStayInFewListsAndAllCount) {
  MemTable mem(1);
  constexpr int kCount = 1000;
  for (int i = 0; i < kCount; ++i) {
    char begin[16];
    char end[16];
    std::snprintf(begin, sizeof(begin), "k%06d", i * 10);
    std::snprintf(end, sizeof(end), "k%06d", i * 10 + 5);
    mem.Add(static_cast<SequenceNumber>(i + 1), ValueType::kRangeDeletion, begin, end);
  }
  auto lists = mem.RangeTombstones();
  EXPECT_LE(lists.size(), 10u);  // one list per set bit of 1000
  std::size_t total = 0;
  for (const auto& l : lists) {
    total += l->tombstones().size();
  }
  EXPECT_EQ(total, static_cast<std::size_t>(kCount));
  for (int i = 0; i < kCount; ++i) {
    char inside[16];
    char outside[16];
    std::snprintf(inside, sizeof(inside), "k%06d", i * 10 + 2);
    std::snprintf(outside, sizeof(outside), "k%06d", i * 10 + 7);
    EXPECT_EQ(mem.MaxCoveringTombstone(inside, kCount), static_cast<SequenceNumber>(i + 1));
    EXPECT_EQ(mem.MaxCoveringTombstone(outside, kCount), 0u);
  }
}

TEST(MemTableTest, ReadersRunBesideOneWriter) {
  MemTable mem(1);
  std::atomic<SequenceNumber> published{0};
  std::atomic<bool> stop{false};
  std::thread reader([&] {
    std::mt19937 rng(7);
    while (!stop.load()) {
      SequenceNumber seq = published.load(std::memory_order_acquire);
      if (seq == 0) {
        continue;
      }
      SequenceNumber probe = 1 + rng() % seq;
      // Key i was written at sequence i with value i.
      std::string k = "k" + std::to_string(probe);
      EXPECT_EQ(Get(mem, k, seq), std::to_string(probe));
    }
  });
  for (SequenceNumber i = 1; i <= 20000; ++i) {
    mem.Add(i, ValueType::kValue, "k" + std::to_string(i), std::to_string(i));
    published.store(i, std::memory_order_release);
  }
  stop = true;
  reader.join();
}

}  // namespace
}  // namespace aeternus
