#include "key/range_tombstone_list.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <functional>
#include <memory>
#include <random>
#include <string>
#include <tuple>
#include <vector>

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

SequenceNumber BruteForce(const std::vector<RangeTombstone>& ts, std::string_view key,
                          SequenceNumber read) {
  SequenceNumber want = 0;
  for (const auto& t : ts) {
    if (std::string_view(t.begin) <= key && key < std::string_view(t.end) &&
        t.sequence <= read) {
      want = std::max(want, t.sequence);
    }
  }
  return want;
}

std::string NumberKey(unsigned n) {
  char buf[16];
  std::snprintf(buf, sizeof(buf), "k%07u", n);
  return buf;
}

TEST(RangeTombstoneAccumulatorTest, EmptyAccumulatorPublishesAnEmptyList) {
  RangeTombstoneAccumulator acc;
  auto list = acc.Publish();
  EXPECT_TRUE(list->empty());
  EXPECT_TRUE(list->tombstones().empty());
  EXPECT_TRUE(list->fragments().empty());
  EXPECT_EQ(list->MaxCoveringSequence("a", 100), 0u);
}

TEST(RangeTombstoneAccumulatorTest, EndIsExclusiveBeginInclusive) {
  RangeTombstoneAccumulator acc;
  acc.Add("b", "d", 5);
  auto list = acc.Publish();
  EXPECT_FALSE(list->empty());
  EXPECT_EQ(list->MaxCoveringSequence("a", 100), 0u);
  EXPECT_EQ(list->MaxCoveringSequence("b", 100), 5u);
  EXPECT_EQ(list->MaxCoveringSequence("c\xff", 100), 5u);
  EXPECT_EQ(list->MaxCoveringSequence("d", 100), 0u);
  EXPECT_EQ(list->MaxCoveringSequence("b", 4), 0u);
}

TEST(RangeTombstoneAccumulatorTest, EmptyRangeIsKeptButCoversNothing) {
  RangeTombstoneAccumulator acc;
  acc.Add("c", "c", 3);
  acc.Add("e", "d", 4);
  auto list = acc.Publish();
  EXPECT_FALSE(list->empty());
  EXPECT_EQ(list->tombstones().size(), 2u);
  EXPECT_TRUE(list->fragments().empty());
  EXPECT_EQ(list->MaxCoveringSequence("c", 100), 0u);
  EXPECT_EQ(list->MaxCoveringSequence("d", 100), 0u);
}

TEST(RangeTombstoneAccumulatorTest, PublishedListsDoNotChangeWithLaterAdds) {
  RangeTombstoneAccumulator acc;
  acc.Add("b", "f", 1);
  auto first = acc.Publish();
  acc.Add("a", "z", 2);
  acc.Add("c", "d", 3);
  auto second = acc.Publish();
  EXPECT_EQ(first->tombstones().size(), 1u);
  EXPECT_EQ(first->MaxCoveringSequence("c", 100), 1u);
  EXPECT_EQ(first->MaxCoveringSequence("a", 100), 0u);
  EXPECT_EQ(first->MaxCoveringSequence("g", 100), 0u);
  EXPECT_EQ(second->tombstones().size(), 3u);
  EXPECT_EQ(second->MaxCoveringSequence("c", 100), 3u);
  EXPECT_EQ(second->MaxCoveringSequence("c", 2), 2u);
  EXPECT_EQ(second->MaxCoveringSequence("c", 1), 1u);
  EXPECT_EQ(second->MaxCoveringSequence("a", 1), 0u);
  EXPECT_EQ(second->MaxCoveringSequence("g", 100), 2u);
}

TEST(RangeTombstoneAccumulatorTest, PublishedListOutlivesTheAccumulator) {
  std::shared_ptr<const RangeTombstoneList> list;
  {
    RangeTombstoneAccumulator acc;
    for (unsigned i = 0; i < 500; ++i) {
      acc.Add(NumberKey(i * 10), NumberKey(i * 10 + 5), i + 1);
    }
    list = acc.Publish();
  }
  EXPECT_EQ(list->MaxCoveringSequence(NumberKey(4002), 1000), 401u);
  EXPECT_EQ(list->MaxCoveringSequence(NumberKey(4007), 1000), 0u);
  EXPECT_EQ(list->tombstones().size(), 500u);
}

// Tombstones, their sorted copy and their fragments as the array form would
// give them, against the tree form, at every state and for every key.
// With `brute_force`, both forms are also checked against a scan of `added`.
void CheckAgainstArrayForm(const std::vector<RangeTombstone>& added,
                           const RangeTombstoneList& tree, unsigned key_space,
                           SequenceNumber max_sequence, bool brute_force = true) {
  const RangeTombstoneList array(added);
  ASSERT_EQ(tree.empty(), array.empty());
  // The same tombstones, in (begin, sequence descending) order; ties in any
  // order.
  auto full_order = [](const std::vector<RangeTombstone>& ts) {
    std::vector<std::tuple<std::string, SequenceNumber, std::string>> out;
    for (std::size_t i = 0; i < ts.size(); ++i) {
      if (i > 0) {
        EXPECT_TRUE(ts[i - 1].begin < ts[i].begin ||
                    (ts[i - 1].begin == ts[i].begin && ts[i - 1].sequence >= ts[i].sequence));
      }
      out.emplace_back(ts[i].begin, ts[i].sequence, ts[i].end);
    }
    std::sort(out.begin(), out.end());
    return out;
  };
  EXPECT_EQ(full_order(tree.tombstones()), full_order(array.tombstones()));
  const auto& fragments = tree.fragments();
  for (std::size_t i = 0; i < fragments.size(); ++i) {
    EXPECT_LT(fragments[i].begin, fragments[i].end);
    EXPECT_FALSE(fragments[i].sequences.empty());
    EXPECT_TRUE(std::is_sorted(fragments[i].sequences.begin(), fragments[i].sequences.end(),
                               std::greater_equal<>()));
    EXPECT_EQ(std::adjacent_find(fragments[i].sequences.begin(),
                                 fragments[i].sequences.end()),
              fragments[i].sequences.end());
    if (i > 0) {
      EXPECT_LE(fragments[i - 1].end, fragments[i].begin);
    }
  }
  for (unsigned k = 0; k <= key_space; ++k) {
    // Keys on and between the tombstones' bounds.
    for (const std::string& key : {NumberKey(k), NumberKey(k) + "x"}) {
      for (SequenceNumber read : {SequenceNumber{0}, max_sequence / 3, max_sequence / 2,
                                  max_sequence, kMaxSequenceNumber}) {
        const SequenceNumber want = array.MaxCoveringSequence(key, read);
        if (brute_force) {
          ASSERT_EQ(want, BruteForce(added, key, read)) << key << " at " << read;
        }
        ASSERT_EQ(tree.MaxCoveringSequence(key, read), want) << key << " at " << read;
      }
    }
  }
}

TEST(RangeTombstoneAccumulatorTest, MatchesArrayFormInSequenceOrder) {
  std::mt19937 rng(7);
  for (int round = 0; round < 20; ++round) {
    RangeTombstoneAccumulator acc;
    std::vector<RangeTombstone> added;
    constexpr unsigned kKeys = 200;
    for (SequenceNumber seq = 1; seq <= 60; ++seq) {
      unsigned a = rng() % kKeys;
      unsigned b = a + rng() % (round % 2 == 0 ? 20 : kKeys);
      added.push_back({NumberKey(a), NumberKey(b), seq});
      acc.Add(added.back().begin, added.back().end, seq);
      if (seq % 15 == 0) {
        CheckAgainstArrayForm(added, *acc.Publish(), kKeys + 2, seq);
      }
    }
  }
}

TEST(RangeTombstoneAccumulatorTest, MatchesArrayFormInAnySequenceOrder) {
  std::mt19937 rng(11);
  for (int round = 0; round < 20; ++round) {
    RangeTombstoneAccumulator acc;
    std::vector<RangeTombstone> added;
    constexpr unsigned kKeys = 100;
    for (int i = 0; i < 40; ++i) {
      unsigned a = rng() % kKeys;
      unsigned b = a + rng() % 30;
      SequenceNumber seq = 1 + rng() % 30;  // repeats and out of order
      added.push_back({NumberKey(a), NumberKey(b), seq});
      acc.Add(added.back().begin, added.back().end, seq);
    }
    CheckAgainstArrayForm(added, *acc.Publish(), kKeys + 32, 31);
  }
}

TEST(RangeTombstoneAccumulatorTest, ManyTombstonesBuildADeepTree) {
  // Enough disjoint and overlapping ranges for leaves and inner nodes to
  // split several times.
  std::mt19937 rng(3);
  RangeTombstoneAccumulator acc;
  std::vector<RangeTombstone> added;
  constexpr unsigned kKeys = 20000;
  std::vector<std::shared_ptr<const RangeTombstoneList>> states;
  for (SequenceNumber seq = 1; seq <= 6000; ++seq) {
    unsigned a = rng() % kKeys;
    unsigned width = seq % 500 == 0 ? 5000 : 1 + rng() % 8;
    added.push_back({NumberKey(a), NumberKey(a + width), seq});
    acc.Add(added.back().begin, added.back().end, seq);
    if (seq % 2000 == 0) {
      states.push_back(acc.Publish());
    }
  }
  CheckAgainstArrayForm(added, *states.back(), kKeys + 10, added.size(), false);
  // Earlier states still answer as of their own contents.
  std::vector<RangeTombstone> prefix(added.begin(), added.begin() + 2000);
  CheckAgainstArrayForm(prefix, *states.front(), kKeys + 10, added.size(), false);
}

}  // namespace
}  // namespace aeternus
