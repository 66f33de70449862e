#include "sstable/index_fences.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "sstable/block.h"
#include "sstable/block_builder.h"
#include "sstable_test_util.h"

namespace aeternus {
namespace {

using sstable_test::IKey;

Block MakeBlock(const std::vector<std::string>& keys, int restart_interval) {
  BlockBuilder builder(restart_interval);
  for (const std::string& k : keys) {
    builder.Add(k, "v");
  }
  return Block(BlockContents::Copy(builder.Finish()));
}

// The last restart point whose key is below target, or 0: what Narrow must
// keep in its range.
std::uint32_t LastRestartBelow(const Block& block, std::string_view target) {
  std::uint32_t last = 0;
  for (std::uint32_t i = 0; i < block.num_restarts(); ++i) {
    std::string_view key;
    EXPECT_TRUE(block.RestartKey(i, &key));
    if (CompareInternalKeys(key, target) < 0) {
      last = i;
    }
  }
  return last;
}

// Checks, for every target, that the narrowed range holds the restart point
// the plain binary search would find, and that a seek confined to it lands
// where the plain seek does.
void ExpectNarrowedSeeksMatch(const std::vector<std::string>& keys,
                              const std::vector<std::string>& targets, int restart_interval) {
  const Block block = MakeBlock(keys, restart_interval);
  const IndexFences fences(block);
  BlockIter plain;
  BlockIter narrowed;
  plain.Init(&block);
  narrowed.Init(&block);
  for (const std::string& target : targets) {
    const IndexFences::Range r = fences.Narrow(target, block.num_restarts());
    const std::uint32_t want = LastRestartBelow(block, target);
    EXPECT_LE(r.first, want) << target;
    EXPECT_GE(r.last, want) << target;
    plain.Seek(target);
    narrowed.Seek(target, r.first, r.last);
    ASSERT_EQ(narrowed.Valid(), plain.Valid()) << target;
    if (plain.Valid()) {
      EXPECT_EQ(narrowed.key(), plain.key());
      EXPECT_EQ(narrowed.entry_offset(), plain.entry_offset());
    }
    EXPECT_TRUE(narrowed.status().ok());
  }
}

// User keys of random lengths (0 to 20 bytes past a shared prefix) over a
// small alphabet that includes 0x00 and 0xff, so that keys are often
// prefixes of one another and words often tie.
std::vector<std::string> RandomUserKeys(std::mt19937_64& rng, std::string_view prefix,
                                        std::size_t n) {
  static constexpr char kAlphabet[] = {'\x00', '\x01', 'a', 'b', '\x7f', '\x80', '\xff'};
  std::set<std::string> keys;
  while (keys.size() < n) {
    std::string k(prefix);
    const std::size_t len = rng() % 21;
    for (std::size_t i = 0; i < len; ++i) {
      k.push_back(kAlphabet[rng() % sizeof(kAlphabet)]);
    }
    keys.insert(k);
  }
  return {keys.begin(), keys.end()};
}

TEST(IndexFencesTest, NarrowedSeekMatchesPlainSeekOnRandomKeys) {
  std::mt19937_64 rng(7);
  for (const std::string& prefix : std::vector<std::string>{"", "user", std::string("pre\x00\xff", 5)}) {
    for (int restart_interval : {1, 3, 16}) {
      const std::vector<std::string> user_keys = RandomUserKeys(rng, prefix, 300);
      // Sorted internal keys, some user keys with several versions.
      std::vector<std::string> keys;
      for (const std::string& u : user_keys) {
        const int versions = rng() % 4 == 0 ? 3 : 1;
        for (int v = versions; v > 0; --v) {
          keys.push_back(IKey(u, 100 + static_cast<SequenceNumber>(v)));
        }
      }
      // Targets: every key, its neighbours in sequence, and random keys,
      // some without the prefix, some shorter than it.
      std::vector<std::string> targets;
      for (const std::string& u : user_keys) {
        targets.push_back(IKey(u, kMaxSequenceNumber));
        targets.push_back(IKey(u, 102));
        targets.push_back(IKey(u, 0, ValueType::kDeletion));
      }
      for (const std::string& u : RandomUserKeys(rng, prefix, 200)) {
        targets.push_back(IKey(u, 50));
      }
      for (const std::string& u : RandomUserKeys(rng, "", 200)) {
        targets.push_back(IKey(u, 50));
      }
      for (std::size_t cut = 0; cut <= prefix.size(); ++cut) {
        targets.push_back(IKey(prefix.substr(0, cut), 50));
      }
      ExpectNarrowedSeeksMatch(keys, targets, restart_interval);
    }
  }
}

TEST(IndexFencesTest, EqualWordsLeaveTheChoiceToTheBlock) {
  // The first and last keys share no prefix; the 48 between share their
  // first 9 bytes, so their words are equal and their full keys decide.
  std::vector<std::string> keys = {IKey("a", 1)};
  std::vector<std::string> targets;
  for (int i = 0; i < 48; ++i) {
    char user[32];
    std::snprintf(user, sizeof(user), "m12345678%03d", i);
    keys.push_back(IKey(user, 1));
    targets.push_back(IKey(user, 0, ValueType::kDeletion));
    targets.push_back(IKey(user, 2));
  }
  keys.push_back(IKey("z", 1));
  const Block block = MakeBlock(keys, 1);
  const IndexFences fences(block);
  const IndexFences::Range r = fences.Narrow(keys[10], block.num_restarts());
  EXPECT_EQ(r.first, 0u);
  EXPECT_EQ(r.last, 48u);
  ExpectNarrowedSeeksMatch(keys, targets, 1);
}

TEST(IndexFencesTest, DistinctWordsNarrowToOneOrTwoRestartPoints) {
  std::vector<std::string> keys;
  for (int i = 0; i < 1000; ++i) {
    char user[32];
    std::snprintf(user, sizeof(user), "%016d", i * 7);
    keys.push_back(IKey(user, 1));
  }
  const Block block = MakeBlock(keys, 1);
  const IndexFences fences(block);
  char user[32];
  // Key 100's user key at a newer sequence sorts before key 100: the last
  // key below it is key 99, and the word alone cannot tell 99 from 100.
  std::snprintf(user, sizeof(user), "%016d", 700);
  IndexFences::Range r = fences.Narrow(IKey(user, 5), block.num_restarts());
  EXPECT_EQ(r.first, 99u);
  EXPECT_EQ(r.last, 100u);
  std::snprintf(user, sizeof(user), "%016d", 701);  // between keys 100 and 101
  r = fences.Narrow(IKey(user, 5), block.num_restarts());
  EXPECT_EQ(r.first, 100u);
  EXPECT_EQ(r.last, 100u);
  r = fences.Narrow(IKey("", 5), block.num_restarts());  // below every key
  EXPECT_EQ(r.first, 0u);
  EXPECT_EQ(r.last, 0u);
  r = fences.Narrow(IKey("1", 5), block.num_restarts());  // above every key
  EXPECT_EQ(r.first, 999u);
  EXPECT_EQ(r.last, 999u);
}

TEST(IndexFencesTest, MalformedRestartEntryGivesTheWholeBlock) {
  std::vector<std::string> keys;
  for (int i = 0; i < 20; ++i) {
    keys.push_back(IKey("key" + std::to_string(100 + i), 1));
  }
  BlockBuilder builder(1);
  for (const std::string& k : keys) {
    builder.Add(k, "v");
  }
  std::string bytes(builder.Finish());
  // Point the last restart point into the middle of an entry's key.
  const std::size_t num = DecodeFixed32(bytes.data() + bytes.size() - 4);
  const std::size_t last = bytes.size() - 4 - 4;
  EncodeFixed32(bytes.data() + last, DecodeFixed32(bytes.data() + last) + 2);
  const Block block(BlockContents::Copy(bytes));
  ASSERT_TRUE(block.well_formed());
  ASSERT_EQ(block.num_restarts(), num);
  const IndexFences fences(block);
  const IndexFences::Range r = fences.Narrow(keys[5], block.num_restarts());
  EXPECT_EQ(r.first, 0u);
  EXPECT_EQ(r.last, num - 1);
}

TEST(IndexFencesTest, EmptyBlockNarrowsToNothing) {
  const Block block = MakeBlock({}, 1);
  const IndexFences fences(block);
  const IndexFences::Range r = fences.Narrow(IKey("a", 1), block.num_restarts());
  EXPECT_EQ(r.first, 0u);
  EXPECT_EQ(r.last, 0u);
  BlockIter it;
  it.Init(&block);
  it.Seek(IKey("a", 1), r.first, r.last);
  EXPECT_FALSE(it.Valid());
  EXPECT_TRUE(it.status().ok());
}

}  // namespace
}  // namespace aeternus
