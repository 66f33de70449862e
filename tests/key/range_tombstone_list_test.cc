#include "key/range_tombstone_list.h"

#include <gtest/gtest.h>

#include <random>

namespace aeternus {
namespace {

TEST(RangeTombstoneListTest, EmptyListCoversNothing) {
  RangeTombstoneList list;
  EXPECT_TRUE(list.empty());
  EXPECT_EQ(list.MaxCoveringSequence("a", 100), 0u);
}

TEST(RangeTombstoneListTest, EndIsExclusiveBeginInclusive) {
  RangeTombstoneList list({{"b", "d", 5}});
  EXPECT_EQ(list.MaxCoveringSequence("a", 100), 0u);
  EXPECT_EQ(list.MaxCoveringSequence("b", 100), 5u);
  EXPECT_EQ(list.MaxCoveringSequence("c\xff", 100), 5u);
  EXPECT_EQ(list.MaxCoveringSequence("d", 100), 0u);
  EXPECT_EQ(list.MaxCoveringSequence("b", 4), 0u);
}

TEST(RangeTombstoneListTest, OverlapsAreFragmented) {
  RangeTombstoneList list({{"a", "m", 3}, {"f", "z", 7}, {"c", "d", 9}});
  EXPECT_EQ(list.MaxCoveringSequence("b", 100), 3u);
  EXPECT_EQ(list.MaxCoveringSequence("c", 100), 9u);
  EXPECT_EQ(list.MaxCoveringSequence("c", 8), 3u);
  EXPECT_EQ(list.MaxCoveringSequence("g", 100), 7u);
  EXPECT_EQ(list.MaxCoveringSequence("g", 6), 3u);
  EXPECT_EQ(list.MaxCoveringSequence("n", 6), 0u);
  for (std::size_t i = 1; i < list.fragments().size(); ++i) {
    EXPECT_LE(list.fragments()[i - 1].end, list.fragments()[i].begin);
  }
}

TEST(RangeTombstoneListTest, MatchesBruteForceOnRandomInput) {
  std::mt19937 rng(42);
  for (int round = 0; round < 50; ++round) {
    std::vector<RangeTombstone> ts;
    for (int i = 0; i < 20; ++i) {
      char a = static_cast<char>('a' + rng() % 20);
      char b = static_cast<char>('a' + rng() % 20);
      if (a == b) {
        continue;
      }
      ts.push_back({std::string(1, std::min(a, b)), std::string(1, std::max(a, b)),
                    1 + rng() % 50});
    }
    RangeTombstoneList list(ts);
    for (char c = 'a'; c <= 'u'; ++c) {
      for (SequenceNumber read : {5u, 25u, 100u}) {
        SequenceNumber want = 0;
        std::string k(1, c);
        for (const auto& t : ts) {
          if (t.begin <= k && k < t.end && t.sequence <= read) {
            want = std::max(want, t.sequence);
          }
        }
        EXPECT_EQ(list.MaxCoveringSequence(k, read), want) << k << " at " << read;
      }
    }
  }
}

}  // namespace
}  // namespace aeternus
