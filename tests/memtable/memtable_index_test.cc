#include "memtable/memtable_index.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <deque>
#include <string>

#include "filter/bloom.h"
#include "memtable/memtable.h"

namespace aeternus {
namespace {

// Entries for the index alone: a key and a sequence, addressed by pointer.
struct Entry {
  std::string key;
  std::uint64_t seq;
};

class Index {
 public:
  explicit Index(std::size_t bytes) : index(bytes) {}

  // Adds an entry under the key's own hash, or under `hash` when given.
  const Entry* Add(std::string key, std::uint64_t seq, std::uint64_t hash = 0) {
    const Entry& e = entries_.emplace_back(Entry{std::move(key), seq});
    index.Add(
        hash != 0 ? hash : BloomHash(e.key), Address(e),
        [&e](const char* other) { return Of(other).key == e.key; },
        [](const char* a, const char* b) { return Of(a).seq > Of(b).seq; });
    return &e;
  }
  MemTableIndex::Lookup Find(const std::string& key, std::uint64_t hash = 0) const {
    return index.Find(hash != 0 ? hash : BloomHash(key),
                      [&key](const char* e) { return Of(e).key == key; });
  }
  static const Entry& Of(const char* e) { return *reinterpret_cast<const Entry*>(e); }
  static const char* Address(const Entry& e) { return reinterpret_cast<const char*>(&e); }

  MemTableIndex index;

 private:
  std::deque<Entry> entries_;  // stable addresses
};

TEST(MemTableIndexTest, FollowsTheNewestEntryOfEachKey) {
  Index idx(4096);
  ASSERT_TRUE(idx.index.enabled());
  idx.Add("a", 5);
  const Entry* b9 = idx.Add("b", 9);
  idx.Add("b", 7);  // older, added later (a group sorted by key): ignored
  const Entry* a6 = idx.Add("a", 6);
  EXPECT_EQ(idx.Find("a").entry, Index::Address(*a6));
  EXPECT_EQ(idx.Find("b").entry, Index::Address(*b9));
  const MemTableIndex::Lookup absent = idx.Find("c");
  EXPECT_EQ(absent.entry, nullptr);
  EXPECT_TRUE(absent.KnownAbsent());
  EXPECT_EQ(idx.index.state(), MemTableIndex::State::kComplete);
}

// Keys whose hashes are equal share a probe sequence; each keeps its slot.
TEST(MemTableIndexTest, KeysOfTheSameHashAreToldApart) {
  Index idx(4096);
  const Entry* x = idx.Add("x", 1, 42);
  const Entry* y = idx.Add("y", 2, 42);
  const Entry* x3 = idx.Add("x", 3, 42);
  EXPECT_EQ(idx.Find("x", 42).entry, Index::Address(*x3));
  EXPECT_EQ(idx.Find("y", 42).entry, Index::Address(*y));
  EXPECT_NE(x, x3);
  EXPECT_EQ(idx.Find("z", 42).entry, nullptr);
  EXPECT_TRUE(idx.Find("z", 42).KnownAbsent());
}

// 64 slots take 48 keys; later keys are not indexed, and a miss is then
// no longer an answer, but the keys that have a slot are still followed.
TEST(MemTableIndexTest, FullIndexStopsTakingKeysButFollowsTheOnesItHas) {
  Index idx(64 * 8);
  for (int i = 0; i < 100; ++i) {
    idx.Add("key" + std::to_string(i), 1);
  }
  EXPECT_EQ(idx.index.state(), MemTableIndex::State::kPartial);
  int indexed = 0;
  for (int i = 0; i < 100; ++i) {
    const std::string key = "key" + std::to_string(i);
    MemTableIndex::Lookup found = idx.Find(key);
    if (found.entry == nullptr) {
      EXPECT_FALSE(found.KnownAbsent()) << key;
      continue;
    }
    ++indexed;
    const Entry* newer = idx.Add(key, 2);
    EXPECT_EQ(idx.Find(key).entry, Index::Address(*newer)) << key;
  }
  EXPECT_EQ(indexed, 48);
  EXPECT_FALSE(idx.Find("absent").KnownAbsent());
}

TEST(MemTableIndexTest, SizeIsAPowerOfTwoOfSlotsOrNone) {
  for (std::size_t bytes : {std::size_t{0}, std::size_t{63 * 8}}) {
    MemTableIndex index(bytes);
    EXPECT_FALSE(index.enabled());
    EXPECT_EQ(index.bytes(), 0u);
    EXPECT_EQ(index.state(), MemTableIndex::State::kOff);
  }
  EXPECT_EQ(MemTableIndex(1000 * 8).bytes(), 512u * 8);
  EXPECT_EQ(MemTableIndex(1 << 20).bytes(), 1u << 20);
}

// The index's bytes count in the memtable's memory, so that it is flushed
// at the configured size, index included.
TEST(MemTableIndexTest, CountsInTheMemTablesMemory) {
  MemTable plain(1);
  MemTable indexed(1, nullptr, 0, 1 << 20);
  EXPECT_EQ(indexed.ApproximateMemoryUsage(), plain.ApproximateMemoryUsage() + (1u << 20));
}

// Through the memtable: the newest version comes from the index, an older
// read from the skip list, a deletion is found as such.
TEST(MemTableIndexTest, MemTableReadsEveryVersionWithTheIndex) {
  MemTable mem(1, nullptr, 0, 4096);
  mem.Add(1, ValueType::kValue, "a", "1");
  mem.Add(3, ValueType::kValue, "a", "3");
  mem.Add(2, ValueType::kDeletion, "b", "");
  mem.Add(4, ValueType::kRangeDeletion, "c", "d");
  auto get = [&mem](std::string_view key, SequenceNumber seq) { return mem.Get(LookupKey(key, seq)); };
  EXPECT_EQ(get("a", 10).value, "3");
  EXPECT_EQ(get("a", 3).sequence, 3u);
  EXPECT_EQ(get("a", 2).value, "1");
  EXPECT_EQ(get("a", 0).kind, MemTable::GetResult::Kind::kNotFound);
  EXPECT_EQ(get("b", 10).kind, MemTable::GetResult::Kind::kDeletion);
  EXPECT_EQ(get("b", 1).kind, MemTable::GetResult::Kind::kNotFound);
  EXPECT_EQ(get("c", 10).kind, MemTable::GetResult::Kind::kNotFound);  // range tombstones apart
  EXPECT_EQ(mem.MaxCoveringTombstone("c", 10), 4u);
}

}  // namespace
}  // namespace aeternus
