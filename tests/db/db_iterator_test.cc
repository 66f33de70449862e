// DB iterators and DB::Scan: order in both directions, Seek/SeekForPrev,
// direction switches, bounds, hidden tombstones, merging of the memtable
// with several tables, and a view fixed at creation.

#include <cstdio>
#include <iterator>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

#include "aeternus/db.h"
#include "aeternus/iterator.h"
#include "aeternus/options.h"

#include "sstable/sstable_test_util.h"
#include "testutil/db_test_base.h"
#include "testutil/file_util.h"
#include "testutil/random.h"

namespace aeternus::test {
namespace {

using namespace std::string_literals;

class DBIteratorTest : public DBTestBase, public ::testing::WithParamInterface<DBConfig> {
 protected:
  void SetUp() override { OpenOrSkip(GetParam()); }

  std::unique_ptr<Iterator> NewIter(const ReadOptions& ro = ReadOptions()) {
    return db().NewIterator(ro);
  }
};

std::string Key(int i) {
  char buf[16];
  std::snprintf(buf, sizeof(buf), "k%04d", i);
  return buf;
}

using Model = std::map<std::string, std::string>;

// "key=value" of the model entry, or "(invalid)" at end().
std::string ModelEntry(const Model& m, Model::const_iterator it) {
  return it == m.end() ? "(invalid)" : Escape(it->first) + "=" + Escape(it->second);
}

// Checks SeekToFirst/Last, Seek and SeekForPrev at every model key and
// between keys, and Next/Prev walks with direction switches, against `m`.
void CheckIteratorMatchesModel(Iterator& it, const Model& m, Random& rnd) {
  std::vector<std::string> targets;
  for (const auto& [k, v] : m) {
    targets.push_back(k);
    targets.push_back(k + '\0');
    targets.push_back(k.substr(0, k.size() - 1));
  }
  targets.push_back("\x01");
  targets.push_back("\xff\xff");
  it.SeekToFirst();
  ASSERT_EQ(IterEntry(it), ModelEntry(m, m.begin()));
  it.SeekToLast();
  ASSERT_EQ(IterEntry(it), ModelEntry(m, m.empty() ? m.end() : std::prev(m.end())));
  for (const auto& t : targets) {
    if (t.empty()) {
      continue;
    }
    SCOPED_TRACE("target " + Escape(t));
    it.Seek(t);
    auto mi = m.lower_bound(t);
    ASSERT_EQ(IterEntry(it), ModelEntry(m, mi));
    // A short walk with random direction switches.
    for (int step = 0; step < 6 && it.Valid(); ++step) {
      if (rnd.OneIn(2)) {
        it.Next();
        ++mi;
      } else {
        it.Prev();
        mi = (mi == m.begin()) ? m.end() : std::prev(mi);
      }
      ASSERT_EQ(IterEntry(it), ModelEntry(m, mi)) << "after step " << step;
    }
    it.SeekForPrev(t);
    auto ub = m.upper_bound(t);
    auto pi = (ub == m.begin()) ? m.end() : std::prev(ub);
    ASSERT_EQ(IterEntry(it), ModelEntry(m, pi));
  }
  ASSERT_TRUE(it.status().ok()) << it.status().ToString();
}

TEST_P(DBIteratorTest, EmptyDatabaseIteratorIsInvalid) {
  auto it = NewIter();
  it->SeekToFirst();
  EXPECT_FALSE(it->Valid());
  it->SeekToLast();
  EXPECT_FALSE(it->Valid());
  it->Seek("a");
  EXPECT_FALSE(it->Valid());
  it->SeekForPrev("z");
  EXPECT_FALSE(it->Valid());
  EXPECT_TRUE(it->status().ok()) << it->status().ToString();
}

TEST_P(DBIteratorTest, ForwardIterationIsInKeyOrder) {
  ASSERT_OK(Put("c", "3"));
  ASSERT_OK(Put("a", "1"));
  ASSERT_OK(Put("b", "2"));
  auto it = NewIter();
  it->SeekToFirst();
  EXPECT_EQ(IterEntry(*it), "a=1");
  it->Next();
  EXPECT_EQ(IterEntry(*it), "b=2");
  it->Next();
  EXPECT_EQ(IterEntry(*it), "c=3");
  it->Next();
  EXPECT_EQ(IterEntry(*it), "(invalid)");
}

TEST_P(DBIteratorTest, BackwardIterationIsInReverseKeyOrder) {
  ASSERT_OK(Put("c", "3"));
  ASSERT_OK(Put("a", "1"));
  ASSERT_OK(Put("b", "2"));
  auto it = NewIter();
  it->SeekToLast();
  EXPECT_EQ(IterEntry(*it), "c=3");
  it->Prev();
  EXPECT_EQ(IterEntry(*it), "b=2");
  it->Prev();
  EXPECT_EQ(IterEntry(*it), "a=1");
  it->Prev();
  EXPECT_EQ(IterEntry(*it), "(invalid)");
}

TEST_P(DBIteratorTest, SeekFindsFirstKeyAtOrAfterTarget) {
  ASSERT_OK(Put("b", "1"));
  ASSERT_OK(Put("d", "2"));
  ASSERT_OK(Flush());
  ASSERT_OK(Put("f", "3"));
  auto it = NewIter();
  it->Seek("a");
  EXPECT_EQ(IterEntry(*it), "b=1");
  it->Seek("b");
  EXPECT_EQ(IterEntry(*it), "b=1");
  it->Seek("c");
  EXPECT_EQ(IterEntry(*it), "d=2");
  it->Seek("d\0"s);
  EXPECT_EQ(IterEntry(*it), "f=3");
  it->Seek("f");
  EXPECT_EQ(IterEntry(*it), "f=3");
  it->Seek("g");
  EXPECT_EQ(IterEntry(*it), "(invalid)");
}

TEST_P(DBIteratorTest, SeekForPrevFindsLastKeyAtOrBeforeTarget) {
  ASSERT_OK(Put("b", "1"));
  ASSERT_OK(Put("d", "2"));
  ASSERT_OK(Flush());
  ASSERT_OK(Put("f", "3"));
  auto it = NewIter();
  it->SeekForPrev("a");
  EXPECT_EQ(IterEntry(*it), "(invalid)");
  it->SeekForPrev("b");
  EXPECT_EQ(IterEntry(*it), "b=1");
  it->SeekForPrev("c");
  EXPECT_EQ(IterEntry(*it), "b=1");
  it->SeekForPrev("d");
  EXPECT_EQ(IterEntry(*it), "d=2");
  it->SeekForPrev("e");
  EXPECT_EQ(IterEntry(*it), "d=2");
  it->SeekForPrev("z");
  EXPECT_EQ(IterEntry(*it), "f=3");
}

TEST_P(DBIteratorTest, SwitchingDirectionInTheMiddle) {
  // Overwrites and deletions in different sources make the hidden versions
  // that a direction switch must step over.
  ASSERT_OK(Put("a", "a1"));
  ASSERT_OK(Put("b", "b1"));
  ASSERT_OK(Put("c", "c1"));
  ASSERT_OK(Put("d", "d1"));
  ASSERT_OK(Put("e", "e1"));
  ASSERT_OK(Flush());
  ASSERT_OK(Put("b", "b2"));
  ASSERT_OK(Delete("c"));
  ASSERT_OK(Put("d", "d2"));
  ASSERT_OK(Flush());
  ASSERT_OK(Put("d", "d3"));
  ASSERT_OK(Put("c2", "x"));
  auto it = NewIter();
  it->Seek("b");
  EXPECT_EQ(IterEntry(*it), "b=b2");
  it->Next();
  EXPECT_EQ(IterEntry(*it), "c2=x");
  it->Next();
  EXPECT_EQ(IterEntry(*it), "d=d3");
  it->Prev();
  EXPECT_EQ(IterEntry(*it), "c2=x");
  it->Prev();
  EXPECT_EQ(IterEntry(*it), "b=b2");
  it->Prev();
  EXPECT_EQ(IterEntry(*it), "a=a1");
  it->Next();
  EXPECT_EQ(IterEntry(*it), "b=b2");
  it->Next();
  EXPECT_EQ(IterEntry(*it), "c2=x");
  it->Next();
  EXPECT_EQ(IterEntry(*it), "d=d3");
  it->Next();
  EXPECT_EQ(IterEntry(*it), "e=e1");
  it->Prev();
  EXPECT_EQ(IterEntry(*it), "d=d3");
  it->Next();
  EXPECT_EQ(IterEntry(*it), "e=e1");
  it->Next();
  EXPECT_EQ(IterEntry(*it), "(invalid)");
  it->SeekForPrev("c");
  EXPECT_EQ(IterEntry(*it), "b=b2");
  it->Next();
  EXPECT_EQ(IterEntry(*it), "c2=x");
}

TEST_P(DBIteratorTest, LowerBoundIsInclusiveAndUpperBoundExclusive) {
  for (char c = 'a'; c <= 'h'; ++c) {
    ASSERT_OK(Put(std::string(1, c), std::string(1, c)));
  }
  ASSERT_OK(Flush());
  ASSERT_OK(Put("c", "c0"));
  ReadOptions ro;
  ro.lower_bound = "c";
  ro.upper_bound = "f";
  auto it = NewIter(ro);
  it->SeekToFirst();
  EXPECT_EQ(IterEntry(*it), "c=c0");
  it->SeekToLast();
  EXPECT_EQ(IterEntry(*it), "e=e");
  it->Next();
  EXPECT_EQ(IterEntry(*it), "(invalid)");
  it->Seek("a");
  EXPECT_EQ(IterEntry(*it), "c=c0");
  it->Prev();
  EXPECT_EQ(IterEntry(*it), "(invalid)");
  it->Seek("f");
  EXPECT_EQ(IterEntry(*it), "(invalid)");
  it->Seek("z");
  EXPECT_EQ(IterEntry(*it), "(invalid)");
  it->SeekForPrev("z");
  EXPECT_EQ(IterEntry(*it), "e=e");
  it->SeekForPrev("f");
  EXPECT_EQ(IterEntry(*it), "e=e");
  it->SeekForPrev("b");
  EXPECT_EQ(IterEntry(*it), "(invalid)");
  it->SeekForPrev("d");
  EXPECT_EQ(IterEntry(*it), "d=d");
  EXPECT_EQ(Contents(ro), "c=c0 d=d e=e");
  EXPECT_TRUE(it->status().ok()) << it->status().ToString();
}

TEST_P(DBIteratorTest, OneSidedBounds) {
  for (char c = 'a'; c <= 'e'; ++c) {
    ASSERT_OK(Put(std::string(1, c), std::string(1, c)));
  }
  ReadOptions lower_only;
  lower_only.lower_bound = "b\0"s;
  EXPECT_EQ(Contents(lower_only), "c=c d=d e=e");
  ReadOptions upper_only;
  upper_only.upper_bound = "c";
  EXPECT_EQ(Contents(upper_only), "a=a b=b");
  ReadOptions unsigned_order;
  unsigned_order.lower_bound = std::string("\x80");
  ASSERT_OK(Put("\x7f", "low"));
  ASSERT_OK(Put("\x80", "high"));
  EXPECT_EQ(Contents(unsigned_order), "\\x80=high");
  ReadOptions empty_range;
  empty_range.lower_bound = "c";
  empty_range.upper_bound = "c";
  EXPECT_EQ(Contents(empty_range), "");
}

TEST_P(DBIteratorTest, TombstonesAreHidden) {
  for (int i = 0; i < 300; ++i) {
    ASSERT_OK(Put(Key(i), "v" + std::to_string(i)));
  }
  ASSERT_OK(Flush());
  // A long run of deleted keys, some deleted in a table, some in memory.
  for (int i = 1; i < 150; ++i) {
    ASSERT_OK(Delete(Key(i)));
  }
  ASSERT_OK(Flush());
  for (int i = 150; i < 299; ++i) {
    ASSERT_OK(Delete(Key(i)));
  }
  ASSERT_OK(Delete("never-existed"));
  EXPECT_EQ(Contents(), Key(0) + "=v0 " + Key(299) + "=v299");
  auto it = NewIter();
  it->Seek(Key(1));
  EXPECT_EQ(IterEntry(*it), Key(299) + "=v299");
  it->Prev();
  EXPECT_EQ(IterEntry(*it), Key(0) + "=v0");
  it->SeekForPrev(Key(298));
  EXPECT_EQ(IterEntry(*it), Key(0) + "=v0");
  it->Next();
  EXPECT_EQ(IterEntry(*it), Key(299) + "=v299");
}

TEST_P(DBIteratorTest, MergesMemtableAndSeveralTables) {
  Random rnd(TestSeed(17));
  SCOPED_TRACE("seed " + std::to_string(rnd.seed()));
  Model model;
  for (int table = 0; table < 4; ++table) {
    for (int n = 0; n < 200; ++n) {
      const std::string k = Key(static_cast<int>(rnd.Uniform(400)));
      if (rnd.OneIn(5)) {
        ASSERT_OK(Delete(k));
        model.erase(k);
      } else {
        const std::string v = "t" + std::to_string(table) + "-" + rnd.Printable(rnd.Uniform(40));
        ASSERT_OK(Put(k, v));
        model[k] = v;
      }
    }
    if (table < 3) {
      ASSERT_OK(Flush());
    }
  }
  auto it = NewIter();
  CheckIteratorMatchesModel(*it, model, rnd);
  std::string expected;
  for (const auto& [k, v] : model) {
    expected += (expected.empty() ? "" : " ") + Escape(k) + "=" + Escape(v);
  }
  EXPECT_EQ(Contents(), expected);
}

TEST_P(DBIteratorTest, IteratorKeepsItsViewAfterLaterWritesAndFlush) {
  for (int i = 0; i < 50; ++i) {
    ASSERT_OK(Put(Key(i), "old"));
  }
  ASSERT_OK(Flush());
  for (int i = 50; i < 100; ++i) {
    ASSERT_OK(Put(Key(i), "old"));
  }
  auto it = NewIter();
  // Later writes of every kind, then flushes that retire the memtable the
  // iterator reads from.
  for (int i = 0; i < 100; i += 2) {
    ASSERT_OK(Put(Key(i), "new"));
  }
  ASSERT_OK(Delete(Key(1)));
  ASSERT_OK(DeleteRange(Key(10), Key(20)));
  ASSERT_OK(Put(Key(1000), "added"));
  ASSERT_OK(Flush());
  for (int i = 0; i < 2000; ++i) {
    ASSERT_OK(Put(Key(2000 + i), std::string(100, 'x')));
  }
  ASSERT_OK(Flush());
  int count = 0;
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    ASSERT_EQ(it->key(), Key(count));
    ASSERT_EQ(it->value(), "old");
    ++count;
  }
  EXPECT_TRUE(it->status().ok()) << it->status().ToString();
  EXPECT_EQ(count, 100);
  it->SeekToLast();
  EXPECT_EQ(IterEntry(*it), Key(99) + "=old");
  it->Seek(Key(10));
  EXPECT_EQ(IterEntry(*it), Key(10) + "=old");
  // A new iterator sees the new state.
  auto fresh = NewIter();
  fresh->Seek(Key(10));
  EXPECT_EQ(IterEntry(*fresh), Key(20) + "=new");
}

TEST_P(DBIteratorTest, StatusIsOkAfterFullIteration) {
  for (int i = 0; i < 500; ++i) {
    ASSERT_OK(Put(Key(i), std::string(200, 'v')));
  }
  ASSERT_OK(Flush());
  auto it = NewIter();
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
  }
  EXPECT_TRUE(it->status().ok()) << it->status().ToString();
  for (it->SeekToLast(); it->Valid(); it->Prev()) {
  }
  EXPECT_TRUE(it->status().ok()) << it->status().ToString();
}

TEST_P(DBIteratorTest, ValuesLargerThanABlockAreReadBack) {
  Random rnd(5);
  Model model;
  for (int i = 0; i < 20; ++i) {
    std::string v = rnd.Bytes(rnd.Range(1000, 20000));
    ASSERT_OK(Put(Key(i), v));
    model[Key(i)] = v;
  }
  ASSERT_OK(Flush());
  auto it = NewIter();
  auto m = model.begin();
  for (it->SeekToFirst(); it->Valid(); it->Next(), ++m) {
    ASSERT_NE(m, model.end());
    ASSERT_EQ(it->key(), m->first);
    ASSERT_TRUE(it->value() == m->second) << "value of " << m->first << " differs";
  }
  EXPECT_TRUE(m == model.end());
  EXPECT_TRUE(it->status().ok()) << it->status().ToString();
}

TEST_P(DBIteratorTest, IteratorReadsAtSnapshot) {
  ASSERT_OK(Put("a", "1"));
  ASSERT_OK(Put("b", "1"));
  const Snapshot* snap = db().GetSnapshot();
  ASSERT_OK(Put("a", "2"));
  ASSERT_OK(Delete("b"));
  ASSERT_OK(Put("c", "2"));
  ReadOptions ro;
  ro.snapshot = snap;
  EXPECT_EQ(Contents(ro), "a=1 b=1");
  ro.lower_bound = "b";
  EXPECT_EQ(Contents(ro), "b=1");
  EXPECT_EQ(Contents(), "a=2 c=2");
  db().ReleaseSnapshot(snap);
}

TEST_P(DBIteratorTest, ScanHonoursBeginEndAndLimit) {
  for (char c = 'a'; c <= 'h'; ++c) {
    ASSERT_OK(Put(std::string(1, c), std::string(1, c)));
  }
  ASSERT_OK(Flush());
  ASSERT_OK(Put("d", "D"));
  ASSERT_OK(Delete("e"));
  EXPECT_EQ(Scan("b", "f"), "b=b c=c d=D");
  EXPECT_EQ(Scan("b", "f", 2), "b=b c=c");
  EXPECT_EQ(Scan("b", "f", 1), "b=b");
  EXPECT_EQ(Scan("b", "f", 100), "b=b c=c d=D");
  EXPECT_EQ(Scan("b\0"s, "c\0"s), "c=c");
  EXPECT_EQ(Scan("x", "z"), "");
  EXPECT_EQ(Scan("c", "c"), "");
}

TEST_P(DBIteratorTest, ScanWithEmptyEndIsUnbounded) {
  for (char c = 'a'; c <= 'e'; ++c) {
    ASSERT_OK(Put(std::string(1, c), std::string(1, c)));
  }
  ASSERT_OK(Put("\xff\xff", "last"));
  EXPECT_EQ(Scan("c", ""), "c=c d=d e=e \\xff\\xff=last");
  EXPECT_EQ(Scan("c", "", 2), "c=c d=d");
  EXPECT_EQ(Scan("a", ""), "a=a b=b c=c d=d e=e \\xff\\xff=last");
}

TEST_P(DBIteratorTest, ScanReplacesOutputAndRespectsOptionBounds) {
  for (char c = 'a'; c <= 'h'; ++c) {
    ASSERT_OK(Put(std::string(1, c), std::string(1, c)));
  }
  ReadOptions ro;
  ro.lower_bound = "c";
  ro.upper_bound = "f";
  std::vector<std::pair<std::string, std::string>> out = {{"junk", "junk"}};
  ASSERT_OK(db().Scan(ro, "a", "", 0, &out));
  ASSERT_EQ(out.size(), 3u);
  EXPECT_EQ(out[0].first, "c");
  EXPECT_EQ(out[2].first, "e");
  ASSERT_OK(db().Scan(ro, "d", "z", 0, &out));
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(out[0].first, "d");
  EXPECT_EQ(out[1].first, "e");
  ASSERT_OK(db().Scan(ro, "a", "d", 0, &out));
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].first, "c");
}

TEST_P(DBIteratorTest, RandomSeeksMatchModelAcrossSources) {
  Random rnd(TestSeed(99));
  SCOPED_TRACE("seed " + std::to_string(rnd.seed()));
  Model model;
  for (int round = 0; round < 3; ++round) {
    for (int n = 0; n < 300; ++n) {
      std::string k = rnd.Bytes(rnd.Range(1, 4));
      const auto op = rnd.Uniform(10);
      if (op < 7) {
        std::string v = rnd.Printable(rnd.Uniform(20));
        ASSERT_OK(Put(k, v));
        model[k] = v;
      } else if (op < 9) {
        ASSERT_OK(Delete(k));
        model.erase(k);
      } else {
        std::string e = rnd.Bytes(rnd.Range(1, 4));
        if (k == e) {
          continue;
        }
        if (e < k) {
          std::swap(k, e);
        }
        ASSERT_OK(DeleteRange(k, e));
        model.erase(model.lower_bound(k), model.lower_bound(e));
      }
    }
    ASSERT_OK(Flush());
  }
  auto it = NewIter();
  CheckIteratorMatchesModel(*it, model, rnd);
}

INSTANTIATE_TEST_SUITE_P(Configs, DBIteratorTest, ::testing::ValuesIn(TestConfigs()),
                         DBConfigName());

// A table whose data block holds an entry of an unknown type behind a
// valid checksum: iteration reaching it in either direction stops with
// Corruption rather than skip or misread it.
class DBIteratorDamageTest : public DBTestBase {};

TEST_F(DBIteratorDamageTest, EntryOfUnknownTypeInATableEndsIterationWithCorruption) {
  ASSERT_OK(Open());
  ASSERT_OK(Put("a", "1"));
  ASSERT_OK(Put("b", "2"));
  const SequenceNumber b_sequence = Sequence();
  ASSERT_OK(Put("c", "3"));
  ASSERT_OK(Flush());
  ASSERT_OK(Close());
  const std::string table = NewestFile(dbname_, ".sst");
  ASSERT_FALSE(table.empty());
  std::string contents;
  ASSERT_EQ(ReadFileToString(table, &contents), "");
  ASSERT_TRUE(sstable_test::SetStoredKeyType(contents, sstable_test::IKey("b", b_sequence), 0x7f));
  ASSERT_EQ(WriteStringToFile(table, contents), "");

  ASSERT_OK(Open());
  const std::string damage = "(invalid: Corruption: bad internal key in iterator)";
  auto forward = db().NewIterator(ReadOptions());
  forward->SeekToFirst();
  ASSERT_EQ(IterEntry(*forward), "a=1");
  forward->Next();
  EXPECT_EQ(IterEntry(*forward), damage);
  auto backward = db().NewIterator(ReadOptions());
  backward->SeekToLast();  // reads the entry before c to see that c's versions end
  EXPECT_EQ(IterEntry(*backward), damage);
  auto past = db().NewIterator(ReadOptions());
  past->Seek("c");
  EXPECT_EQ(IterEntry(*past), "c=3");
}

}  // namespace
}  // namespace aeternus::test
