#include "memtable/memtable.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <iterator>
#include <map>
#include <numeric>
#include <random>
#include <set>
#include <string>
#include <thread>
#include <vector>

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

TEST(MemTableTest, SequencesAddedOutOfOrderKeepTheirRange) {
  // A write group may be inserted sorted by key rather than by sequence.
  MemTable mem(1);
  mem.Add(12, ValueType::kValue, "a", "a12");
  mem.Add(14, ValueType::kValue, "b", "b14");
  mem.Add(11, ValueType::kValue, "b", "b11");
  mem.Add(13, ValueType::kDeletion, "c", "");
  EXPECT_EQ(mem.first_sequence(), 11u);
  EXPECT_EQ(mem.last_sequence(), 14u);
  EXPECT_EQ(Get(mem, "b", 13), "b11");
  EXPECT_EQ(Get(mem, "b", 14), "b14");
  EXPECT_EQ(Get(mem, "c", 20), "DELETED@13");
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

TEST(MemTableTest, ManyRangeTombstonesAreOneListAndAllCount) {
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
  EXPECT_EQ(lists.size(), 1u);
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

TEST(MemTableTest, RangeTombstoneListsTakenEarlierKeepTheirContents) {
  MemTable mem(1);
  mem.Add(1, ValueType::kRangeDeletion, "b", "f");
  const std::size_t one = mem.ApproximateMemoryUsage();
  MemTable::TombstoneLists before = mem.RangeTombstones();
  mem.Add(2, ValueType::kRangeDeletion, "a", "z");
  mem.Add(3, ValueType::kRangeDeletion, "c", "d");
  EXPECT_GT(mem.ApproximateMemoryUsage(), one);
  ASSERT_EQ(before.size(), 1u);
  EXPECT_EQ(before[0]->tombstones().size(), 1u);
  EXPECT_EQ(before[0]->MaxCoveringSequence("c", 100), 1u);
  EXPECT_EQ(before[0]->MaxCoveringSequence("a", 100), 0u);
  MemTable::TombstoneLists after = mem.RangeTombstones();
  ASSERT_EQ(after.size(), 1u);
  EXPECT_EQ(after[0]->tombstones().size(), 3u);
  EXPECT_EQ(after[0]->MaxCoveringSequence("c", 100), 3u);
  EXPECT_EQ(mem.MaxCoveringTombstone("c", 2), 2u);
  EXPECT_EQ(mem.MaxCoveringTombstone("c", 1), 1u);
  EXPECT_EQ(mem.MaxCoveringTombstone("a", 1), 0u);
  EXPECT_EQ(mem.MaxCoveringTombstone("e", 100), 2u);
  EXPECT_EQ(mem.MaxCoveringTombstone("z", 100), 0u);
}

TEST(MemTableTest, RangeTombstoneReadersRunBesideOneWriter) {
  MemTable mem(1);
  constexpr int kCount = 20000;
  auto key = [](int n) {
    char buf[16];
    std::snprintf(buf, sizeof(buf), "k%07d", n);
    return std::string(buf);
  };
  std::atomic<int> published{0};
  std::atomic<bool> stop{false};
  auto read = [&](unsigned seed) {
    std::mt19937 rng(seed);
    while (!stop.load()) {
      const int n = published.load(std::memory_order_acquire);
      if (n == 0) {
        continue;
      }
      // Tombstone i (sequence i) covers [key(10 i), key(10 i + 5)); it is
      // in every state taken after it was published.
      const int i = 1 + static_cast<int>(rng() % static_cast<unsigned>(n));
      EXPECT_EQ(mem.MaxCoveringTombstone(key(10 * i + 2), kCount), static_cast<SequenceNumber>(i));
      EXPECT_EQ(mem.MaxCoveringTombstone(key(10 * i + 7), kCount), 0u);
      MemTable::TombstoneLists lists = mem.RangeTombstones();
      ASSERT_EQ(lists.size(), 1u);
      EXPECT_EQ(lists[0]->MaxCoveringSequence(key(10 * i), kCount),
                static_cast<SequenceNumber>(i));
    }
  };
  std::thread r1(read, 1);
  std::thread r2(read, 2);
  for (int i = 1; i <= kCount; ++i) {
    mem.Add(static_cast<SequenceNumber>(i), ValueType::kRangeDeletion, key(10 * i),
            key(10 * i + 5));
    published.store(i, std::memory_order_release);
  }
  stop = true;
  r1.join();
  r2.join();
  auto lists = mem.RangeTombstones();
  ASSERT_EQ(lists.size(), 1u);
  EXPECT_EQ(lists[0]->tombstones().size(), static_cast<std::size_t>(kCount));
  EXPECT_EQ(lists[0]->fragments().size(), static_cast<std::size_t>(kCount));
}

// With the bloom filter too: a key whose sequence is published is found
// (its bits are set before), and a key never written is not.
TEST(MemTableTest, ReadersRunBesideOneWriter) {
  MemTable mem(1, nullptr, 64 << 10, 64 << 10);
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
      EXPECT_EQ(Get(mem, "absent" + std::to_string(probe), seq), "NOT_FOUND");
    }
  });
  for (SequenceNumber i = 1; i <= 20000; ++i) {
    mem.Add(i, ValueType::kValue, "k" + std::to_string(i), std::to_string(i));
    published.store(i, std::memory_order_release);
  }
  stop = true;
  reader.join();
}

// Overwrites of a few keys under readers, with a hash index that holds them
// all and with one too small to (the rest go through the skip list): a read
// at the published sequence and one at an older sequence both see the
// newest version at or below their sequence.
TEST(MemTableTest, ReadersOfOverwrittenKeysRunBesideOneWriter) {
  constexpr SequenceNumber kKeys = 100;
  for (std::size_t index_bytes : {std::size_t{64 * 8}, std::size_t{64 << 10}}) {
    SCOPED_TRACE("index bytes " + std::to_string(index_bytes));
    MemTable mem(1, nullptr, 0, index_bytes);
    std::atomic<SequenceNumber> published{0};
    std::atomic<bool> stop{false};
    std::thread reader([&] {
      std::mt19937 rng(9);
      while (!stop.load()) {
        const SequenceNumber seq = published.load(std::memory_order_acquire);
        if (seq == 0) {
          continue;
        }
        // Key j is written at every sequence s with s % kKeys == j.
        for (SequenceNumber read : {seq, 1 + rng() % seq}) {
          const SequenceNumber j = rng() % kKeys;
          const SequenceNumber back = (read + kKeys - j) % kKeys;
          const std::string want = back < read ? std::to_string(read - back) : "NOT_FOUND";
          EXPECT_EQ(Get(mem, "k" + std::to_string(j), read), want) << "read at " << read;
        }
      }
    });
    for (SequenceNumber s = 1; s <= 30000; ++s) {
      mem.Add(s, ValueType::kValue, "k" + std::to_string(s % kKeys), std::to_string(s));
      published.store(s, std::memory_order_release);
    }
    stop = true;
    reader.join();
  }
}

// Internal keys ordered as the memtable orders them.
struct InternalKeyLess {
  bool operator()(const std::string& a, const std::string& b) const {
    return CompareInternalKeys(a, b) < 0;
  }
};
using Model = std::map<std::string, std::string, InternalKeyLess>;  // internal key -> value

std::string InternalKey(std::string_view user_key, SequenceNumber seq, ValueType type) {
  std::string k;
  AppendInternalKey(k, user_key, seq, type);
  return k;
}

// Checks the memtable against the model: both directions, Seek, SeekForPrev,
// Next and Prev from every entry and from probes between them, and Get.
void ExpectMatches(const MemTable& mem, const Model& model) {
  auto it = mem.NewIterator();
  auto m = model.begin();
  for (it->SeekToFirst(); it->Valid(); it->Next(), ++m) {
    ASSERT_NE(m, model.end());
    ASSERT_EQ(it->key(), m->first);
    ASSERT_EQ(it->value(), m->second);
  }
  ASSERT_EQ(m, model.end());
  auto r = model.rbegin();
  for (it->SeekToLast(); it->Valid(); it->Prev(), ++r) {
    ASSERT_NE(r, model.rend());
    ASSERT_EQ(it->key(), r->first);
  }
  ASSERT_EQ(r, model.rend());

  std::set<std::string> user_keys;
  for (const auto& [k, v] : model) {
    user_keys.emplace(ExtractUserKey(k));
  }
  std::vector<std::string> probes;
  for (const auto& [k, v] : model) {
    probes.push_back(k);
    SequenceNumber seq = ExtractSequence(k);
    probes.push_back(InternalKey(ExtractUserKey(k), seq, kValueTypeForSeek));
    probes.push_back(InternalKey(ExtractUserKey(k), seq - 1, kValueTypeForSeek));
  }
  for (const auto& u : user_keys) {
    probes.push_back(InternalKey(u, kMaxSequenceNumber, kValueTypeForSeek));
    probes.push_back(InternalKey(u, 0, ValueType::kDeletion));
    probes.push_back(InternalKey(u + std::string(1, '\0'), kMaxSequenceNumber, kValueTypeForSeek));
  }
  for (const auto& p : probes) {
    auto lb = model.lower_bound(p);
    it->Seek(p);
    ASSERT_EQ(it->Valid(), lb != model.end());
    if (it->Valid()) {
      ASSERT_EQ(it->key(), lb->first);
      ASSERT_EQ(it->value(), lb->second);
      it->Prev();
      ASSERT_EQ(it->Valid(), lb != model.begin());
      if (it->Valid()) {
        ASSERT_EQ(it->key(), std::prev(lb)->first);
      }
      it->Seek(p);
      it->Next();
      ASSERT_EQ(it->Valid(), std::next(lb) != model.end());
      if (it->Valid()) {
        ASSERT_EQ(it->key(), std::next(lb)->first);
      }
    }
    auto ub = model.upper_bound(p);
    it->SeekForPrev(p);
    ASSERT_EQ(it->Valid(), ub != model.begin());
    if (it->Valid()) {
      ASSERT_EQ(it->key(), std::prev(ub)->first);
    }

    // Get at the probe's sequence: the first entry at or after the lookup
    // key, if it has the same user key.
    std::string_view user_key = ExtractUserKey(p);
    SequenceNumber seq = ExtractSequence(p);
    auto found = model.lower_bound(InternalKey(user_key, seq, kValueTypeForSeek));
    std::string expected = "NOT_FOUND";
    if (found != model.end() && ExtractUserKey(found->first) == user_key) {
      expected = ExtractValueType(found->first) == ValueType::kValue
                     ? found->second
                     : "DELETED@" + std::to_string(ExtractSequence(found->first));
    }
    ASSERT_EQ(Get(mem, user_key, seq), expected);
  }
}

struct Update {
  std::string user_key;
  SequenceNumber seq;
  ValueType type;
  std::string value;
};

// User keys of 0 to 300 bytes over a few byte values (0x00 and 0xff among
// them), so that keys share long prefixes and some are prefixes of others;
// one to three versions each, some deletions; values of 0 to 5000 bytes.
std::vector<Update> VariedUpdates(std::mt19937_64& rng) {
  const std::size_t lengths[] = {0,  1,  2,  7,  8,  9,  15,  16,  17,  24,  31,
                                 32, 33, 40, 63, 64, 65, 100, 200, 201, 255, 300};
  const char bytes[] = {'\0', 'a', 'b', '\x7f', '\x80', '\xff'};
  const std::size_t value_sizes[] = {0, 1, 100, 127, 128, 300, 5000};
  std::set<std::string> user_keys;
  for (int i = 0; i < 600; ++i) {
    std::size_t len = lengths[rng() % std::size(lengths)];
    std::string k(len, 'a');
    // Mostly 'a', with a few other bytes, so prefixes are long.
    for (int j = 0; j < 3 && len > 0; ++j) {
      k[rng() % len] = bytes[rng() % std::size(bytes)];
    }
    user_keys.insert(k);
    if (!k.empty()) {
      user_keys.insert(k.substr(0, rng() % k.size()));  // a prefix of it
    }
  }
  std::vector<Update> updates;
  for (const auto& k : user_keys) {
    int versions = 1 + static_cast<int>(rng() % 3);
    for (int v = 0; v < versions; ++v) {
      ValueType type = rng() % 4 == 0 ? ValueType::kDeletion : ValueType::kValue;
      std::string value;
      if (type == ValueType::kValue) {
        value.assign(value_sizes[rng() % std::size(value_sizes)], 'v');
        if (!value.empty()) {
          value[0] = static_cast<char>('0' + updates.size() % 10);
        }
      }
      updates.push_back({k, 0, type, std::move(value)});
    }
  }
  // Distinct sequences, unrelated to the order of insertion.
  std::vector<SequenceNumber> seqs(updates.size());
  std::iota(seqs.begin(), seqs.end(), SequenceNumber{2});
  std::shuffle(seqs.begin(), seqs.end(), rng);
  for (std::size_t i = 0; i < updates.size(); ++i) {
    updates[i].seq = seqs[i] * 2;  // even, so seq - 1 falls between versions
  }
  return updates;
}

// Lookup aids the memtable may have: none; a bloom filter so small that it
// matches nearly every key, or large enough to rule most absent keys out;
// a hash index of 64 slots (full after 48 keys: the rest are found through
// the skip list), or large enough for every key; both.
struct Aids {
  std::size_t filter_bytes;
  std::size_t index_bytes;
};
constexpr Aids kAids[] = {{0, 0},       {256, 0},       {1 << 20, 0},
                          {0, 64 * 8},  {0, 1 << 20},   {256, 64 * 8}};

void AddAllAndCheck(const std::vector<Update>& updates, Aids aids) {
  SCOPED_TRACE("filter bytes " + std::to_string(aids.filter_bytes) + ", index bytes " +
               std::to_string(aids.index_bytes));
  MemTable mem(1, nullptr, aids.filter_bytes, aids.index_bytes);
  Model model;
  for (std::size_t i = 0; i < updates.size(); ++i) {
    const Update& u = updates[i];
    mem.Add(u.seq, u.type, u.user_key, u.value);
    model[InternalKey(u.user_key, u.seq, u.type)] = u.value;
    if (i < 40 || i % 500 == 0) {
      ASSERT_NO_FATAL_FAILURE(ExpectMatches(mem, model)) << "after " << i + 1;
    }
  }
  ExpectMatches(mem, model);
  EXPECT_EQ(mem.num_entries(), updates.size());
}

void AddAllAndCheck(const std::vector<Update>& updates) {
  for (Aids aids : kAids) {
    ASSERT_NO_FATAL_FAILURE(AddAllAndCheck(updates, aids));
  }
}

bool InternalOrder(const Update& a, const Update& b) {
  return CompareInternalKeys(InternalKey(a.user_key, a.seq, a.type),
                             InternalKey(b.user_key, b.seq, b.type)) < 0;
}

TEST(MemTableTest, VariedKeysInRandomOrder) {
  std::mt19937_64 rng(21);
  std::vector<Update> updates = VariedUpdates(rng);
  std::shuffle(updates.begin(), updates.end(), rng);
  AddAllAndCheck(updates);
}

TEST(MemTableTest, VariedKeysInOrder) {
  std::mt19937_64 rng(22);
  std::vector<Update> updates = VariedUpdates(rng);
  std::sort(updates.begin(), updates.end(), InternalOrder);
  AddAllAndCheck(updates);
}

TEST(MemTableTest, VariedKeysInReverseOrder) {
  std::mt19937_64 rng(23);
  std::vector<Update> updates = VariedUpdates(rng);
  std::sort(updates.begin(), updates.end(), InternalOrder);
  std::reverse(updates.begin(), updates.end());
  AddAllAndCheck(updates);
}

// Sorted runs that start anywhere, as a batch of sequential keys arriving
// between random ones does.
TEST(MemTableTest, VariedKeysInSortedRuns) {
  std::mt19937_64 rng(24);
  std::vector<Update> updates = VariedUpdates(rng);
  std::sort(updates.begin(), updates.end(), InternalOrder);
  std::vector<std::vector<Update>> runs;
  for (std::size_t i = 0; i < updates.size();) {
    std::size_t len = std::min<std::size_t>(1 + rng() % 40, updates.size() - i);
    runs.emplace_back(updates.begin() + i, updates.begin() + i + len);
    i += len;
  }
  std::shuffle(runs.begin(), runs.end(), rng);
  std::vector<Update> order;
  for (auto& run : runs) {
    order.insert(order.end(), run.begin(), run.end());
  }
  AddAllAndCheck(order);
}

// Random updates in groups of 1 to 40, each added in internal-key order by
// AddSorted, as the entries of a sorted write batch are: their skip-list
// positions are found 16 at a time, before any of them goes in.
TEST(MemTableTest, VariedKeysInSortedGroups) {
  std::mt19937_64 rng(25);
  std::vector<Update> updates = VariedUpdates(rng);
  std::shuffle(updates.begin(), updates.end(), rng);
  std::vector<std::vector<Update>> groups;
  for (std::size_t i = 0; i < updates.size();) {
    const std::size_t len = std::min<std::size_t>(1 + rng() % 40, updates.size() - i);
    groups.emplace_back(updates.begin() + i, updates.begin() + i + len);
    std::sort(groups.back().begin(), groups.back().end(), InternalOrder);
    i += len;
  }
  for (Aids aids : kAids) {
    SCOPED_TRACE("filter bytes " + std::to_string(aids.filter_bytes) + ", index bytes " +
                 std::to_string(aids.index_bytes));
    MemTable mem(1, nullptr, aids.filter_bytes, aids.index_bytes);
    Model model;
    for (std::size_t g = 0; g < groups.size(); ++g) {
      std::vector<MemTable::SortedEntry> entries;
      for (const Update& u : groups[g]) {
        entries.push_back({u.user_key, u.value, u.seq, u.type});
        model[InternalKey(u.user_key, u.seq, u.type)] = u.value;
      }
      mem.AddSorted(entries);
      if (g < 20 || g % 20 == 0) {
        ASSERT_NO_FATAL_FAILURE(ExpectMatches(mem, model)) << "after group " << g;
      }
    }
    ExpectMatches(mem, model);
    EXPECT_EQ(mem.num_entries(), updates.size());
  }
}

// Fillseq-like: ascending 16-byte keys, then a second pass of newer
// versions of the same keys, also ascending (each version sorts before the
// previous one, so the splice is missed at the first insert of each key).
// With a hash index, the second pass links each new version in front of
// the key's first without a search (when its tower is one level high).
TEST(MemTableTest, SequentialKeysTwice) {
  for (std::size_t index_bytes : {std::size_t{0}, std::size_t{64 << 10}}) {
    SCOPED_TRACE("index bytes " + std::to_string(index_bytes));
    MemTable mem(1, nullptr, 0, index_bytes);
    Model model;
    SequenceNumber seq = 1;
    for (int pass = 0; pass < 2; ++pass) {
      for (int i = 0; i < 3000; ++i) {
        char k[32];
        std::snprintf(k, sizeof(k), "%016d", i);
        std::string v = std::to_string(seq);
        mem.Add(seq, ValueType::kValue, k, v);
        model[InternalKey(k, seq, ValueType::kValue)] = v;
        ++seq;
      }
    }
    ExpectMatches(mem, model);
  }
}

}  // namespace
}  // namespace aeternus
