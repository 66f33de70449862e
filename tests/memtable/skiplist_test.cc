#include "memtable/skiplist.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <cstring>
#include <iterator>
#include <map>
#include <numeric>
#include <random>
#include <set>
#include <thread>
#include <vector>

namespace aeternus {
namespace {

// Keys are 8-byte integers in native byte order.
struct U64Comparator {
  using DecodedKey = std::uint64_t;
  static DecodedKey Decode(const char* key) {
    std::uint64_t v;
    std::memcpy(&v, key, sizeof(v));
    return v;
  }
  int operator()(const char* a, const DecodedKey& b) const {
    std::uint64_t v = Decode(a);
    return v < b ? -1 : (v > b ? 1 : 0);
  }
};
using List = SkipList<U64Comparator>;

void Insert(List& list, std::uint64_t v) {
  char* p = list.AllocateKey(sizeof(v));
  std::memcpy(p, &v, sizeof(v));
  list.Insert(p);
}

std::uint64_t KeyOf(const List::Iterator& it) { return U64Comparator::Decode(it.key()); }

// Checks the list against the model: both directions, and Seek,
// SeekForPrev, Next and Prev from every key and from every gap.
void ExpectMatches(const List& list, const std::set<std::uint64_t>& model) {
  List::Iterator it(&list);
  std::vector<std::uint64_t> forward;
  for (it.SeekToFirst(); it.Valid(); it.Next()) {
    forward.push_back(KeyOf(it));
  }
  ASSERT_TRUE(std::equal(forward.begin(), forward.end(), model.begin(), model.end()));
  std::vector<std::uint64_t> backward;
  for (it.SeekToLast(); it.Valid(); it.Prev()) {
    backward.push_back(KeyOf(it));
  }
  ASSERT_TRUE(std::equal(backward.begin(), backward.end(), model.rbegin(), model.rend()));

  std::vector<std::uint64_t> probes = {0, ~std::uint64_t{0}};
  for (std::uint64_t k : model) {
    probes.push_back(k);
    probes.push_back(k - 1);
    probes.push_back(k + 1);
  }
  for (std::uint64_t t : probes) {
    auto lb = model.lower_bound(t);
    it.Seek(t);
    if (lb == model.end()) {
      ASSERT_FALSE(it.Valid()) << t;
    } else {
      ASSERT_TRUE(it.Valid()) << t;
      ASSERT_EQ(KeyOf(it), *lb) << t;
      it.Prev();
      if (lb == model.begin()) {
        ASSERT_FALSE(it.Valid()) << t;
      } else {
        ASSERT_TRUE(it.Valid()) << t;
        ASSERT_EQ(KeyOf(it), *std::prev(lb)) << t;
      }
      it.Seek(t);
      it.Next();
      auto after = std::next(lb);
      ASSERT_EQ(it.Valid(), after != model.end()) << t;
      if (it.Valid()) {
        ASSERT_EQ(KeyOf(it), *after) << t;
      }
    }
    auto ub = model.upper_bound(t);
    it.SeekForPrev(t);
    if (ub == model.begin()) {
      ASSERT_FALSE(it.Valid()) << t;
    } else {
      ASSERT_TRUE(it.Valid()) << t;
      ASSERT_EQ(KeyOf(it), *std::prev(ub)) << t;
    }
  }
}

// Distinct keys with gaps between them, so probes k-1 and k+1 fall in gaps.
std::vector<std::uint64_t> SpacedKeys(std::size_t n) {
  std::vector<std::uint64_t> keys(n);
  for (std::size_t i = 0; i < n; ++i) {
    keys[i] = 10 + 4 * static_cast<std::uint64_t>(i);
  }
  return keys;
}

void InsertAllAndCheck(const std::vector<std::uint64_t>& order) {
  Arena arena;
  List list(U64Comparator{}, &arena);
  std::set<std::uint64_t> model;
  ExpectMatches(list, model);
  for (std::size_t i = 0; i < order.size(); ++i) {
    Insert(list, order[i]);
    model.insert(order[i]);
    if (i < 64 || i % 4999 == 0) {  // small lists at every size, then samples
      ASSERT_NO_FATAL_FAILURE(ExpectMatches(list, model)) << "after " << i + 1;
    }
  }
  ExpectMatches(list, model);
}

TEST(SkipListTest, EmptyList) {
  Arena arena;
  List list(U64Comparator{}, &arena);
  List::Iterator it(&list);
  EXPECT_FALSE(it.Valid());
  it.SeekToFirst();
  EXPECT_FALSE(it.Valid());
  it.SeekToLast();
  EXPECT_FALSE(it.Valid());
  it.Seek(5);
  EXPECT_FALSE(it.Valid());
  it.SeekForPrev(5);
  EXPECT_FALSE(it.Valid());
}

TEST(SkipListTest, AscendingInserts) {
  InsertAllAndCheck(SpacedKeys(20000));
}

TEST(SkipListTest, DescendingInserts) {
  std::vector<std::uint64_t> keys = SpacedKeys(20000);
  std::reverse(keys.begin(), keys.end());
  InsertAllAndCheck(keys);
}

TEST(SkipListTest, RandomInserts) {
  std::vector<std::uint64_t> keys = SpacedKeys(20000);
  std::shuffle(keys.begin(), keys.end(), std::mt19937_64(1));
  InsertAllAndCheck(keys);
}

// Ascending runs that start anywhere: each run's first insert finds the
// splice stale at some levels; the rest reuse it.
TEST(SkipListTest, AscendingRunsFromRandomStarts) {
  std::vector<std::uint64_t> keys = SpacedKeys(30000);
  std::vector<bool> used(keys.size());
  std::vector<std::uint64_t> order;
  std::mt19937_64 rng(2);
  while (order.size() < keys.size()) {
    std::size_t start = rng() % keys.size();
    std::size_t len = 1 + rng() % 64;
    for (std::size_t i = start; i < keys.size() && len > 0; ++i) {
      if (!used[i]) {
        used[i] = true;
        order.push_back(keys[i]);
        --len;
      }
    }
    if (rng() % 8 == 0) {  // sometimes fill whatever is left from the start
      for (std::size_t i = 0; i < keys.size() && order.size() < keys.size(); ++i) {
        if (!used[i] && rng() % 4 == 0) {
          used[i] = true;
          order.push_back(keys[i]);
        }
      }
    }
  }
  InsertAllAndCheck(order);
}

// Each key goes just before, or just after, the previous one, or into the
// other of two interleaved regions: the splice brackets it at level 0, at
// some level in between, or only at the top.
TEST(SkipListTest, InsertsNearThePreviousKey) {
  std::mt19937_64 rng(3);
  std::vector<std::uint64_t> order;
  std::set<std::uint64_t> seen;
  std::uint64_t a = 1'000'000;
  std::uint64_t b = 5'000'000;
  auto add = [&](std::uint64_t k) {
    if (seen.insert(k).second) {
      order.push_back(k);
    }
  };
  for (int i = 0; i < 20000; ++i) {
    switch (rng() % 5) {
      case 0: add(a += 4); break;                    // just after a
      case 1: add(a -= 2 + 4 * (rng() % 3)); break;  // just before a
      case 2: add(b += 4); break;                    // the other region
      case 3: add(b - 1 - 2 * (rng() % 4)); break;   // just before b
      default: add(rng() % 10'000'000); break;       // anywhere
    }
  }
  InsertAllAndCheck(order);
}

// Inserting the keys of one list in two interleaved orders: first the
// odd-numbered ones ascending, then the even-numbered ones descending.
TEST(SkipListTest, FillGapsInReverse) {
  std::vector<std::uint64_t> keys = SpacedKeys(20000);
  std::vector<std::uint64_t> order;
  for (std::size_t i = 1; i < keys.size(); i += 2) {
    order.push_back(keys[i]);
  }
  for (std::size_t i = keys.size(); i-- > 0;) {
    if (i % 2 == 0) {
      order.push_back(keys[i]);
    }
  }
  InsertAllAndCheck(order);
}

// Insert reports the level-0 neighbours of the key; InsertBetween links a
// key of height 1 there without a search, and declines the others. Mixed
// with ordinary inserts (whose splice it must keep true), the list stays
// whole.
TEST(SkipListTest, InsertBetweenKnownNeighbours) {
  Arena arena;
  List list(U64Comparator{}, &arena);
  std::set<std::uint64_t> model;
  std::mt19937_64 rng(5);
  auto key_of = [](const char* k) { return k == nullptr ? std::uint64_t{0} : U64Comparator::Decode(k); };
  // key -> its address in the list, to name neighbours.
  std::map<std::uint64_t, const char*> address;
  int between = 0;
  int declined = 0;
  for (int i = 0; i < 20000; ++i) {
    const std::uint64_t k = 2 + (rng() % 1'000'000) * 2;  // even, never 0
    if (!model.insert(k).second) {
      continue;
    }
    char* p = list.AllocateKey(sizeof(k));
    std::memcpy(p, &k, sizeof(k));
    auto next = address.upper_bound(k);
    const char* next_key = next == address.end() ? nullptr : next->second;
    const char* prev_key = next == address.begin() ? nullptr : std::prev(next)->second;
    if (i % 3 != 0 && list.InsertBetween(p, prev_key, next_key)) {
      ++between;
    } else {
      if (i % 3 != 0) {
        ++declined;
      }
      const List::Neighbours at = list.Insert(p);
      ASSERT_EQ(key_of(at.prev), key_of(prev_key)) << k;
      ASSERT_EQ(key_of(at.next), key_of(next_key)) << k;
    }
    address[k] = p;
    if (i < 64 || i % 4999 == 0) {
      ASSERT_NO_FATAL_FAILURE(ExpectMatches(list, model)) << "after " << i + 1;
    }
  }
  ExpectMatches(list, model);
  // Three keys in four have height 1.
  const double share = static_cast<double>(between) / (between + declined);
  EXPECT_GT(share, 0.7);
  EXPECT_LT(share, 0.8);
}

// A key linked by InsertBetween right after the splice's node, then a key
// inserted between that node and it: the splice must have moved to the
// linked key, or the second insert would link past it and lose it. Each
// trial first inserts a different number of far keys, so that the linked
// key's tower height varies (InsertBetween declines towers above 1).
TEST(SkipListTest, InsertBetweenAtTheSpliceKeepsTheSpliceTrue) {
  int linked = 0;
  for (int far_keys = 0; far_keys < 16; ++far_keys) {
    Arena arena;
    List list(U64Comparator{}, &arena);
    std::set<std::uint64_t> model;
    auto insert = [&](std::uint64_t k) {
      Insert(list, k);
      model.insert(k);
    };
    for (int i = 0; i < far_keys; ++i) {
      insert(1000 + static_cast<std::uint64_t>(i));
    }
    insert(30);
    insert(10);  // the splice is now at 10, before 30
    List::Iterator it(&list);
    it.Seek(10);
    const char* ten = it.key();
    it.Next();
    const char* thirty = it.key();
    const std::uint64_t twenty = 20;
    char* p = list.AllocateKey(sizeof(twenty));
    std::memcpy(p, &twenty, sizeof(twenty));
    if (list.InsertBetween(p, ten, thirty)) {
      ++linked;
    } else {
      list.Insert(p);
    }
    model.insert(twenty);
    insert(15);  // between 10 and 20
    ASSERT_NO_FATAL_FAILURE(ExpectMatches(list, model)) << far_keys << " far keys";
  }
  EXPECT_GT(linked, 0);
}

// Groups of ascending keys, as a sorted write batch gives them: their
// positions found together (FindPositions), then each inserted after the
// splice is aimed at it. Between groups, single inserts of larger and
// smaller keys leave the splice anywhere; with some groups, keys are also
// linked by InsertBetween beside their neighbours (as the memtable does for
// keys it already holds) between the aim and the insert of the next key.
TEST(SkipListTest, SortedGroupsInsertedFromFoundPositions) {
  Arena arena;
  List list(U64Comparator{}, &arena);
  std::set<std::uint64_t> model;
  std::map<std::uint64_t, const char*> address;
  std::mt19937_64 rng(11);
  auto alloc = [&](std::uint64_t k) {
    char* p = list.AllocateKey(sizeof(k));
    std::memcpy(p, &k, sizeof(k));
    return p;
  };
  for (int round = 0; round < 3000; ++round) {
    const std::uint64_t lone = 1 + rng() % 4'000'000;
    if (model.insert(lone).second) {
      address[lone] = alloc(lone);
      list.Insert(address[lone]);
    }
    std::set<std::uint64_t> group;
    const std::size_t n = 1 + rng() % List::kMaxPositions;
    // Narrow groups land between neighbours; wide ones span the list.
    const std::uint64_t base = 1 + rng() % 4'000'000;
    const std::uint64_t span = round % 2 == 0 ? 64 : 4'000'000;
    while (group.size() < n) {
      const std::uint64_t k = base + rng() % span;
      if (!model.contains(k)) {
        group.insert(k);
      }
    }
    const std::vector<std::uint64_t> keys(group.begin(), group.end());
    List::Position positions[List::kMaxPositions];
    list.FindPositions(keys.data(), keys.size(), positions);
    for (std::size_t i = 0; i < keys.size(); ++i) {
      char* p = alloc(keys[i]);
      list.AimSplice(keys[i], positions[i]);
      auto next = address.upper_bound(keys[i]);
      const char* next_key = next == address.end() ? nullptr : next->second;
      const char* prev_key = next == address.begin() ? nullptr : std::prev(next)->second;
      if (round % 3 != 0 || !list.InsertBetween(p, prev_key, next_key)) {
        const List::Neighbours at = list.Insert(p);
        ASSERT_EQ(at.prev, prev_key) << keys[i];
        ASSERT_EQ(at.next, next_key) << keys[i];
      }
      model.insert(keys[i]);
      address[keys[i]] = p;
    }
    if (round < 64 || round % 499 == 0) {
      ASSERT_NO_FATAL_FAILURE(ExpectMatches(list, model)) << "after round " << round;
    }
  }
  ExpectMatches(list, model);
}

// Readers iterate, seek and step both ways while one writer inserts in
// sequential runs and at random. Every key published before a reader's
// operation must be found; what it sees must be sorted.
TEST(SkipListTest, ReadersRunBesideOneWriter) {
  constexpr std::size_t kKeys = 60000;
  std::vector<std::uint64_t> order = SpacedKeys(kKeys);
  std::mt19937_64 shuffle_rng(4);
  // Blocks of 100 ascending keys, in random block order, then shuffled
  // within the second half so both insert paths run.
  for (std::size_t i = 0; i + 100 <= kKeys / 2; i += 100) {
    std::size_t j = (shuffle_rng() % (kKeys / 200)) * 100;
    std::swap_ranges(order.begin() + i, order.begin() + i + 100, order.begin() + j);
  }
  std::shuffle(order.begin() + kKeys / 2, order.end(), shuffle_rng);

  Arena arena;
  List list(U64Comparator{}, &arena);
  std::atomic<std::size_t> published{0};
  std::atomic<bool> stop{false};
  std::atomic<std::uint64_t> failures{0};

  auto reader = [&](unsigned seed) {
    std::mt19937_64 rng(seed);
    List::Iterator it(&list);
    while (!stop.load(std::memory_order_relaxed)) {
      std::size_t n = published.load(std::memory_order_acquire);
      if (n == 0) {
        continue;
      }
      std::uint64_t k = order[rng() % n];
      it.Seek(k);
      if (!it.Valid() || KeyOf(it) != k) {
        failures.fetch_add(1);
        continue;
      }
      it.SeekForPrev(k);
      if (!it.Valid() || KeyOf(it) != k) {
        failures.fetch_add(1);
        continue;
      }
      it.Seek(k + 1);  // a gap: the first key after k, if any
      if (it.Valid() && KeyOf(it) <= k) {
        failures.fetch_add(1);
      }
      // A few steps forward, then back: strictly sorted both ways.
      std::uint64_t last = k;
      it.Seek(k);
      for (int i = 0; i < 8 && it.Valid(); ++i, it.Next()) {
        if (i > 0 && KeyOf(it) <= last) {
          failures.fetch_add(1);
        }
        last = KeyOf(it);
      }
      it.Seek(k);
      for (int i = 0; i < 8 && it.Valid(); ++i, it.Prev()) {
        if (i > 0 && KeyOf(it) >= last) {
          failures.fetch_add(1);
        }
        last = KeyOf(it);
      }
      if (rng() % 256 == 0) {
        std::size_t count = 0;
        bool sorted = true;
        for (it.SeekToFirst(); it.Valid(); it.Next(), ++count) {
          sorted = sorted && (count == 0 || KeyOf(it) > last);
          last = KeyOf(it);
        }
        if (!sorted || count < n) {
          failures.fetch_add(1);
        }
      }
    }
  };
  std::thread r1(reader, 11);
  std::thread r2(reader, 12);
  for (std::size_t i = 0; i < kKeys; ++i) {
    Insert(list, order[i]);
    published.store(i + 1, std::memory_order_release);
  }
  stop = true;
  r1.join();
  r2.join();
  EXPECT_EQ(failures.load(), 0u);
  std::set<std::uint64_t> model(order.begin(), order.end());
  ExpectMatches(list, model);
}

}  // namespace
}  // namespace aeternus
