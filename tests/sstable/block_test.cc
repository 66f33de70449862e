#include "sstable/block.h"

#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

#include "sstable/block_builder.h"
#include "sstable_test_util.h"
#include "util/coding.h"

namespace aeternus {
namespace {

using sstable_test::IKey;

struct Entry {
  std::string key;
  std::string value;
};

Block MakeBlock(const std::vector<Entry>& entries, int restart_interval) {
  BlockBuilder builder(restart_interval);
  for (const Entry& e : entries) {
    builder.Add(e.key, e.value);
  }
  return Block(BlockContents::Copy(builder.Finish()));
}

// Keys sharing long prefixes, so prefix compression is exercised, with
// several versions of some user keys.
std::vector<Entry> MakeEntries(int n) {
  std::vector<Entry> entries;
  for (int i = 0; i < n; ++i) {
    char user[32];
    std::snprintf(user, sizeof(user), "user-key-%06d", i / 2);
    const SequenceNumber seq = 1000 - static_cast<SequenceNumber>(i % 2);
    entries.push_back({IKey(user, seq), "value-" + std::to_string(i)});
  }
  return entries;
}

class BlockTest : public ::testing::TestWithParam<int> {
 protected:
  int restart_interval() const { return GetParam(); }
};

TEST_P(BlockTest, IteratesForwardAndBackwardInOrder) {
  const auto entries = MakeEntries(200);
  const Block block = MakeBlock(entries, restart_interval());
  auto it = block.NewIterator();
  std::size_t i = 0;
  for (it->SeekToFirst(); it->Valid(); it->Next(), ++i) {
    ASSERT_LT(i, entries.size());
    EXPECT_EQ(it->key(), entries[i].key);
    EXPECT_EQ(it->value(), entries[i].value);
  }
  EXPECT_EQ(i, entries.size());
  EXPECT_TRUE(it->status().ok());

  i = entries.size();
  for (it->SeekToLast(); it->Valid(); it->Prev()) {
    ASSERT_GT(i, 0u);
    --i;
    EXPECT_EQ(it->key(), entries[i].key);
    EXPECT_EQ(it->value(), entries[i].value);
  }
  EXPECT_EQ(i, 0u);
  EXPECT_TRUE(it->status().ok());
}

TEST_P(BlockTest, SeekLandsOnFirstKeyAtOrAfterTarget) {
  const auto entries = MakeEntries(100);
  const Block block = MakeBlock(entries, restart_interval());
  auto it = block.NewIterator();
  for (std::size_t i = 0; i < entries.size(); ++i) {
    it->Seek(entries[i].key);
    ASSERT_TRUE(it->Valid()) << i;
    EXPECT_EQ(it->key(), entries[i].key);
    // Just after entry i (same user key, lower sequence): entry i+1.
    ParsedInternalKey p;
    ASSERT_TRUE(ParseInternalKey(entries[i].key, &p));
    it->Seek(IKey(p.user_key, p.sequence - 1, ValueType::kRangeDeletion));
    if (i + 1 < entries.size()) {
      ASSERT_TRUE(it->Valid()) << i;
      EXPECT_EQ(it->key(), entries[i + 1].key);
    } else {
      EXPECT_FALSE(it->Valid());
    }
  }
  it->Seek(IKey("a", kMaxSequenceNumber));
  ASSERT_TRUE(it->Valid());
  EXPECT_EQ(it->key(), entries.front().key);
  it->Seek(IKey("z", kMaxSequenceNumber));
  EXPECT_FALSE(it->Valid());
  EXPECT_TRUE(it->status().ok());
}

TEST_P(BlockTest, SeekForPrevLandsOnLastKeyAtOrBeforeTarget) {
  const auto entries = MakeEntries(100);
  const Block block = MakeBlock(entries, restart_interval());
  auto it = block.NewIterator();
  for (std::size_t i = 0; i < entries.size(); ++i) {
    it->SeekForPrev(entries[i].key);
    ASSERT_TRUE(it->Valid()) << i;
    EXPECT_EQ(it->key(), entries[i].key);
    // Just before entry i (same user key, higher sequence): entry i-1.
    ParsedInternalKey p;
    ASSERT_TRUE(ParseInternalKey(entries[i].key, &p));
    const std::string before = IKey(p.user_key, p.sequence + 1, ValueType::kValue);
    it->SeekForPrev(before);
    if (i > 0) {
      ASSERT_TRUE(it->Valid()) << i;
      EXPECT_EQ(it->key(), entries[i - 1].key);
    } else {
      EXPECT_FALSE(it->Valid());
    }
  }
  it->SeekForPrev(IKey("z", 0));
  ASSERT_TRUE(it->Valid());
  EXPECT_EQ(it->key(), entries.back().key);
  it->SeekForPrev(IKey("a", 0));
  EXPECT_FALSE(it->Valid());
  EXPECT_TRUE(it->status().ok());
}

TEST_P(BlockTest, PrevAndNextInterleaveAcrossRestartBoundaries) {
  const auto entries = MakeEntries(70);
  const Block block = MakeBlock(entries, restart_interval());
  auto it = block.NewIterator();
  for (std::size_t start = 0; start < entries.size(); ++start) {
    it->Seek(entries[start].key);
    std::size_t pos = start;
    // Walk back three, forward two, back one, checking each step.
    const int moves[] = {-1, -1, -1, +1, +1, -1};
    for (int m : moves) {
      if (m < 0) {
        if (pos == 0) {
          it->Prev();
          EXPECT_FALSE(it->Valid());
          break;
        }
        it->Prev();
        --pos;
      } else {
        it->Next();
        ++pos;
      }
      ASSERT_TRUE(it->Valid()) << start;
      EXPECT_EQ(it->key(), entries[pos].key) << start;
      EXPECT_EQ(it->value(), entries[pos].value) << start;
    }
  }
}

TEST_P(BlockTest, KeysWithZeroAndFfBytesRoundTrip) {
  std::vector<Entry> entries;
  const std::string users[] = {std::string("\0", 1), std::string("\0\0", 2),
                               std::string("\0\xff", 2), std::string("a\0b", 3),
                               std::string("\xff", 1), std::string("\xff\x00", 2),
                               std::string("\xff\xff\xff", 3)};
  for (const std::string& u : users) {
    entries.push_back({IKey(u, 7), std::string("v\0\xff", 3) + u});
    entries.push_back({IKey(u, 3, ValueType::kDeletion), ""});
  }
  const Block block = MakeBlock(entries, restart_interval());
  auto it = block.NewIterator();
  std::size_t i = 0;
  for (it->SeekToFirst(); it->Valid(); it->Next(), ++i) {
    ASSERT_LT(i, entries.size());
    EXPECT_EQ(it->key(), entries[i].key);
    EXPECT_EQ(it->value(), entries[i].value);
  }
  EXPECT_EQ(i, entries.size());
  for (std::size_t j = 0; j < entries.size(); ++j) {
    it->Seek(entries[j].key);
    ASSERT_TRUE(it->Valid());
    EXPECT_EQ(it->key(), entries[j].key);
  }
}

INSTANTIATE_TEST_SUITE_P(RestartIntervals, BlockTest, ::testing::Values(1, 2, 16),
                         [](const auto& info) { return "Interval" + std::to_string(info.param); });

TEST(BlockFormatTest, EmptyBlockHasNoEntries) {
  BlockBuilder builder(16);
  const Block block(BlockContents::Copy(builder.Finish()));
  auto it = block.NewIterator();
  it->SeekToFirst();
  EXPECT_FALSE(it->Valid());
  it->SeekToLast();
  EXPECT_FALSE(it->Valid());
  it->Seek(IKey("k", 1));
  EXPECT_FALSE(it->Valid());
  EXPECT_TRUE(it->status().ok());
}

TEST(BlockFormatTest, BytewiseBlockAcceptsShortKeys) {
  BlockBuilder builder(1);
  builder.Add("a", "1");
  builder.Add("b", "2");
  const Block block(BlockContents::Copy(builder.Finish()));
  auto it = block.NewIterator(BlockKeyOrder::kBytewise);
  it->Seek("b");
  ASSERT_TRUE(it->Valid());
  EXPECT_EQ(it->value(), "2");
  // The same bytes read as internal keys are corrupt: too short.
  auto internal = block.NewIterator(BlockKeyOrder::kInternal);
  internal->SeekToFirst();
  EXPECT_FALSE(internal->Valid());
  EXPECT_TRUE(internal->status().IsCorruption());
}

TEST(BlockFormatTest, RestartArrayLargerThanBlockIsCorruption) {
  std::string bad;
  PutFixed32(bad, 1000);  // claims 1000 restart points in a 4-byte block
  const Block block(BlockContents::Copy(bad));
  EXPECT_FALSE(block.well_formed());
  auto it = block.NewIterator();
  it->SeekToFirst();
  EXPECT_FALSE(it->Valid());
  EXPECT_TRUE(it->status().IsCorruption());
}

TEST(BlockFormatTest, TooShortBlockIsCorruption) {
  const Block block(BlockContents::Copy("ab"));
  auto it = block.NewIterator();
  it->Seek(IKey("k", 1));
  EXPECT_FALSE(it->Valid());
  EXPECT_TRUE(it->status().IsCorruption());
}

// Runs every operation over the block and bounds the work, so that damage
// can only show as !Valid()/Corruption, never as a crash or a hang.
void ExerciseDamagedBlock(const Block& block, const std::vector<Entry>& entries) {
  auto it = block.NewIterator();
  int steps = 0;
  for (it->SeekToFirst(); it->Valid() && steps < 10000; it->Next()) {
    ++steps;
  }
  for (it->SeekToLast(); it->Valid() && steps < 20000; it->Prev()) {
    ++steps;
  }
  for (const Entry& e : entries) {
    it->Seek(e.key);
    if (it->Valid()) {
      it->Prev();
    }
    it->SeekForPrev(e.key);
    if (it->Valid()) {
      it->Next();
    }
  }
  EXPECT_LT(steps, 20000);
}

TEST(BlockFormatTest, DamagedBlocksNeverReadOutOfBounds) {
  const auto entries = MakeEntries(40);
  BlockBuilder builder(4);
  for (const Entry& e : entries) {
    builder.Add(e.key, e.value);
  }
  const std::string good(builder.Finish());
  for (std::size_t len = 0; len < good.size(); ++len) {
    ExerciseDamagedBlock(Block(BlockContents::Copy(good.substr(0, len))), entries);
  }
  for (std::size_t i = 0; i < good.size(); ++i) {
    for (unsigned char x : {0x01, 0x80, 0xff}) {
      std::string bad = good;
      bad[i] = static_cast<char>(bad[i] ^ x);
      ExerciseDamagedBlock(Block(BlockContents::Copy(bad)), entries);
    }
  }
  std::mt19937 rng(301);
  for (int round = 0; round < 2000; ++round) {
    std::string junk(rng() % 200, '\0');
    for (char& c : junk) {
      c = static_cast<char>(rng());
    }
    if (junk.size() >= 4 && round % 2 == 0) {
      EncodeFixed32(junk.data() + junk.size() - 4, rng() % 8);  // plausible restart count
    }
    ExerciseDamagedBlock(Block(BlockContents::Copy(junk)), entries);
  }
}

}  // namespace
}  // namespace aeternus
