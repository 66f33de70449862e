// DeleteRange: a range tombstone hides older writes of [begin, end) wherever
// they live (memtable, tables), never newer ones, and reads through
// iterators, Scan and snapshots all honour it.

#include <cstdio>
#include <map>
#include <string>
#include <string_view>

#include <gtest/gtest.h>

#include "aeternus/db.h"
#include "aeternus/iterator.h"
#include "aeternus/options.h"

#include "testutil/db_test_base.h"

namespace aeternus::test {
namespace {

using namespace std::string_literals;

class DBRangeDeleteTest : public DBTestBase, public ::testing::WithParamInterface<DBConfig> {
 protected:
  void SetUp() override { OpenOrSkip(GetParam()); }

  // Puts each single-letter key of `letters` with value "<letter><suffix>".
  void PutLetters(std::string_view letters, std::string_view suffix = "") {
    for (char c : letters) {
      ASSERT_OK(Put(std::string(1, c), std::string(1, c) + std::string(suffix)));
    }
  }
};

std::string Key(int i) {
  char buf[16];
  std::snprintf(buf, sizeof(buf), "key%05d", i);
  return buf;
}

TEST_P(DBRangeDeleteTest, DeleteRangeHidesOlderWritesInMemtable) {
  PutLetters("abcde");
  ASSERT_OK(DeleteRange("b", "d"));
  EXPECT_EQ(Get("a"), "a");
  EXPECT_EQ(Get("b"), "NOT_FOUND");
  EXPECT_EQ(Get("c"), "NOT_FOUND");
  EXPECT_EQ(Get("d"), "d");
  EXPECT_EQ(Contents(), "a=a d=d e=e");
}

TEST_P(DBRangeDeleteTest, DeleteRangeRemovesBeginAndKeepsEnd) {
  ASSERT_OK(Put("b", "1"));
  ASSERT_OK(Put("b\0"s, "2"));
  ASSERT_OK(Put("bzzz", "3"));
  ASSERT_OK(Put("c", "4"));
  ASSERT_OK(Put("c\0"s, "5"));
  ASSERT_OK(DeleteRange("b", "c"));
  EXPECT_EQ(Get("b"), "NOT_FOUND");
  EXPECT_EQ(Get("b\0"s), "NOT_FOUND");
  EXPECT_EQ(Get("bzzz"), "NOT_FOUND");
  EXPECT_EQ(Get("c"), "4");
  EXPECT_EQ(Contents(), "c=4 c\\x00=5");
}

TEST_P(DBRangeDeleteTest, DeleteRangeComparesBytesUnsigned) {
  ASSERT_OK(Put("a", "1"));
  ASSERT_OK(Put("a\x01", "2"));
  ASSERT_OK(Put("a\x7f", "3"));
  ASSERT_OK(Put("a\x80", "4"));
  ASSERT_OK(Put("a\xfe", "5"));
  ASSERT_OK(Put("a\xff", "6"));
  ASSERT_OK(DeleteRange("a\x7f", "a\xff"));
  EXPECT_EQ(Contents(), "a=1 a\\x01=2 a\\xff=6");
  ASSERT_OK(Flush());
  EXPECT_EQ(Contents(), "a=1 a\\x01=2 a\\xff=6");
}

TEST_P(DBRangeDeleteTest, DeleteRangeDoesNotHideNewerWritesInMemtable) {
  PutLetters("abcde");
  ASSERT_OK(DeleteRange("a", "z"));
  PutLetters("bd", "-new");
  EXPECT_EQ(Get("a"), "NOT_FOUND");
  EXPECT_EQ(Get("b"), "b-new");
  EXPECT_EQ(Get("d"), "d-new");
  EXPECT_EQ(Contents(), "b=b-new d=d-new");
}

TEST_P(DBRangeDeleteTest, PutAfterDeleteRangeIsVisibleAcrossFlushAndReopen) {
  PutLetters("abc");
  ASSERT_OK(DeleteRange("a", "d"));
  ASSERT_OK(Put("b", "again"));
  EXPECT_EQ(Contents(), "b=again");
  ASSERT_OK(Flush());
  EXPECT_EQ(Contents(), "b=again");
  ASSERT_OK(Reopen());
  EXPECT_EQ(Contents(), "b=again");
  EXPECT_EQ(Get("b"), "again");
}

TEST_P(DBRangeDeleteTest, DeleteRangeHidesOlderWritesInTables) {
  PutLetters("abcde");
  ASSERT_OK(Flush());
  ASSERT_OK(DeleteRange("b", "d"));
  ASSERT_OK(Flush());
  EXPECT_EQ(Get("b"), "NOT_FOUND");
  EXPECT_EQ(Get("c"), "NOT_FOUND");
  EXPECT_EQ(Contents(), "a=a d=d e=e");
  ASSERT_OK(Reopen());
  EXPECT_EQ(Get("b"), "NOT_FOUND");
  EXPECT_EQ(Contents(), "a=a d=d e=e");
}

TEST_P(DBRangeDeleteTest, TombstoneInMemtableHidesDataInTable) {
  PutLetters("abcde");
  ASSERT_OK(Flush());
  ASSERT_OK(DeleteRange("b", "e"));
  EXPECT_EQ(Get("b"), "NOT_FOUND");
  EXPECT_EQ(Get("d"), "NOT_FOUND");
  EXPECT_EQ(Contents(), "a=a e=e");
  // Replayed from the WAL.
  ASSERT_OK(Reopen());
  EXPECT_EQ(Get("c"), "NOT_FOUND");
  EXPECT_EQ(Contents(), "a=a e=e");
}

TEST_P(DBRangeDeleteTest, TombstoneInTableHidesDataInOlderTable) {
  PutLetters("abcde");
  ASSERT_OK(Flush());
  ASSERT_OK(DeleteRange("a", "c"));
  ASSERT_OK(Flush());
  ASSERT_OK(Put("x", "unrelated"));
  ASSERT_OK(Flush());
  EXPECT_EQ(Get("a"), "NOT_FOUND");
  EXPECT_EQ(Get("b"), "NOT_FOUND");
  EXPECT_EQ(Contents(), "c=c d=d e=e x=unrelated");
  ASSERT_OK(Reopen());
  EXPECT_EQ(Contents(), "c=c d=d e=e x=unrelated");
}

TEST_P(DBRangeDeleteTest, TombstoneOnlyTableHidesOlderTable) {
  PutLetters("bcd");
  ASSERT_OK(Flush());
  // The second table holds nothing but the tombstone, whose range is wider
  // than any key in it.
  ASSERT_OK(DeleteRange("a", "z"));
  ASSERT_OK(Flush());
  EXPECT_EQ(Contents(), "");
  EXPECT_EQ(Get("c"), "NOT_FOUND");
  ASSERT_OK(Reopen());
  EXPECT_EQ(Contents(), "");
  EXPECT_EQ(Get("c"), "NOT_FOUND");
}

TEST_P(DBRangeDeleteTest, NewerTableWritesSurviveOlderTombstoneInTable) {
  PutLetters("abc");
  ASSERT_OK(Flush());
  ASSERT_OK(DeleteRange("a", "d"));
  ASSERT_OK(Flush());
  ASSERT_OK(Put("b", "newer"));
  ASSERT_OK(Flush());
  EXPECT_EQ(Contents(), "b=newer");
  ASSERT_OK(Reopen());
  EXPECT_EQ(Contents(), "b=newer");
}

TEST_P(DBRangeDeleteTest, NewerMemtableWritesSurviveTombstoneInTable) {
  PutLetters("abc");
  ASSERT_OK(DeleteRange("a", "d"));
  ASSERT_OK(Flush());
  ASSERT_OK(Put("c", "newer"));
  EXPECT_EQ(Get("c"), "newer");
  EXPECT_EQ(Contents(), "c=newer");
}

TEST_P(DBRangeDeleteTest, OverlappingRangesHideTheirUnion) {
  PutLetters("abcdefghijkl");
  ASSERT_OK(DeleteRange("b", "f"));
  ASSERT_OK(Flush());
  ASSERT_OK(DeleteRange("d", "j"));
  EXPECT_EQ(Contents(), "a=a j=j k=k l=l");
  ASSERT_OK(DeleteRange("c", "e"));  // nested in both
  EXPECT_EQ(Contents(), "a=a j=j k=k l=l");
  ASSERT_OK(Flush());
  ASSERT_OK(Reopen());
  EXPECT_EQ(Contents(), "a=a j=j k=k l=l");
}

TEST_P(DBRangeDeleteTest, OverlappingRangesInterleavedWithPuts) {
  PutLetters("abcdefghij");
  ASSERT_OK(DeleteRange("b", "f"));  // hides b c d e
  ASSERT_OK(Put("c", "c2"));         // newer than the first range
  ASSERT_OK(Flush());
  ASSERT_OK(DeleteRange("e", "i"));  // hides e f g h; c2 outside
  EXPECT_EQ(Contents(), "a=a c=c2 i=i j=j");
  ASSERT_OK(Put("f", "f2"));
  ASSERT_OK(Flush());
  ASSERT_OK(DeleteRange("a", "d"));  // hides a and c2
  EXPECT_EQ(Contents(), "f=f2 i=i j=j");
  EXPECT_EQ(Get("c"), "NOT_FOUND");
  EXPECT_EQ(Get("f"), "f2");
  ASSERT_OK(Reopen());
  EXPECT_EQ(Contents(), "f=f2 i=i j=j");
}

TEST_P(DBRangeDeleteTest, IteratorSkipsRangeDeletedKeysBothWays) {
  for (int i = 0; i < 100; ++i) {
    ASSERT_OK(Put(Key(i), "v" + std::to_string(i)));
  }
  ASSERT_OK(Flush());
  ASSERT_OK(DeleteRange(Key(10), Key(90)));
  for (int round = 0; round < 2; ++round) {
    SCOPED_TRACE(round == 0 ? "tombstone in memtable" : "tombstone in table");
    auto it = db().NewIterator(ReadOptions());
    it->Seek(Key(10));
    EXPECT_EQ(IterEntry(*it), Key(90) + "=v90");
    it->Seek(Key(50));
    EXPECT_EQ(IterEntry(*it), Key(90) + "=v90");
    it->Prev();
    EXPECT_EQ(IterEntry(*it), Key(9) + "=v9");
    it->SeekForPrev(Key(89));
    EXPECT_EQ(IterEntry(*it), Key(9) + "=v9");
    it->Next();
    EXPECT_EQ(IterEntry(*it), Key(90) + "=v90");
    int count = 0;
    for (it->SeekToFirst(); it->Valid(); it->Next()) {
      ++count;
    }
    EXPECT_TRUE(it->status().ok()) << it->status().ToString();
    EXPECT_EQ(count, 20);
    count = 0;
    for (it->SeekToLast(); it->Valid(); it->Prev()) {
      ++count;
    }
    EXPECT_EQ(count, 20);
    it.reset();
    ASSERT_OK(Flush());
  }
}

TEST_P(DBRangeDeleteTest, ScanSkipsRangeDeletedKeys) {
  PutLetters("abcdefg");
  ASSERT_OK(Flush());
  ASSERT_OK(DeleteRange("b", "e"));
  EXPECT_EQ(Scan("a", ""), "a=a e=e f=f g=g");
  EXPECT_EQ(Scan("b", "f"), "e=e");
  EXPECT_EQ(Scan("c", "e"), "");
  EXPECT_EQ(Scan("a", "", 2), "a=a e=e");
  ASSERT_OK(Flush());
  EXPECT_EQ(Scan("a", ""), "a=a e=e f=f g=g");
}

TEST_P(DBRangeDeleteTest, SnapshotBeforeDeleteRangeStillSeesKeys) {
  PutLetters("abcd");
  const Snapshot* snap = db().GetSnapshot();
  ASSERT_OK(DeleteRange("b", "d"));
  EXPECT_EQ(Get("b", snap), "b");
  EXPECT_EQ(Get("b"), "NOT_FOUND");
  EXPECT_EQ(Contents(snap), "a=a b=b c=c d=d");
  EXPECT_EQ(Contents(), "a=a d=d");
  EXPECT_EQ(Scan("a", "", 0, snap), "a=a b=b c=c d=d");
  ASSERT_OK(Flush());
  EXPECT_EQ(Get("c", snap), "c");
  EXPECT_EQ(Contents(snap), "a=a b=b c=c d=d");
  EXPECT_EQ(Contents(), "a=a d=d");
  db().ReleaseSnapshot(snap);
  EXPECT_EQ(Contents(), "a=a d=d");
}

TEST_P(DBRangeDeleteTest, SnapshotAfterDeleteRangeDoesNotSeeKeys) {
  PutLetters("abcd");
  ASSERT_OK(DeleteRange("b", "d"));
  const Snapshot* snap = db().GetSnapshot();
  ASSERT_OK(Put("b", "new"));
  EXPECT_EQ(Get("b", snap), "NOT_FOUND");
  EXPECT_EQ(Contents(snap), "a=a d=d");
  EXPECT_EQ(Contents(), "a=a b=new d=d");
  db().ReleaseSnapshot(snap);
}

TEST_P(DBRangeDeleteTest, DeleteRangeAcrossManyTablesAndBlocks) {
  std::map<std::string, std::string> model;
  for (int i = 0; i < 2000; ++i) {
    std::string value(100, static_cast<char>('a' + i % 26));
    ASSERT_OK(Put(Key(i), value));
    model[Key(i)] = value;
    if (i % 500 == 499) {
      ASSERT_OK(Flush());
    }
  }
  ASSERT_OK(DeleteRange(Key(250), Key(1750)));
  for (int i = 250; i < 1750; ++i) {
    model.erase(Key(i));
  }
  ASSERT_OK(Put(Key(1000), "survivor"));
  model[Key(1000)] = "survivor";
  auto check = [&](const char* stage) {
    SCOPED_TRACE(stage);
    auto it = db().NewIterator(ReadOptions());
    auto m = model.begin();
    for (it->SeekToFirst(); it->Valid(); it->Next(), ++m) {
      ASSERT_NE(m, model.end()) << "extra key " << Escape(it->key());
      ASSERT_EQ(it->key(), m->first);
      ASSERT_EQ(it->value(), m->second);
    }
    EXPECT_TRUE(it->status().ok()) << it->status().ToString();
    EXPECT_EQ(m, model.end()) << "missing key " << Escape(m->first);
    EXPECT_EQ(Get(Key(249)), std::string(100, static_cast<char>('a' + 249 % 26)));
    EXPECT_EQ(Get(Key(250)), "NOT_FOUND");
    EXPECT_EQ(Get(Key(999)), "NOT_FOUND");
    EXPECT_EQ(Get(Key(1000)), "survivor");
    EXPECT_EQ(Get(Key(1749)), "NOT_FOUND");
    EXPECT_EQ(Get(Key(1750)), std::string(100, static_cast<char>('a' + 1750 % 26)));
  };
  check("tombstone in memtable");
  ASSERT_OK(Flush());
  check("tombstone in table");
  ASSERT_OK(Reopen());
  check("reopened");
}

TEST_P(DBRangeDeleteTest, DeleteRangeOverEmptyRegionIsHarmless) {
  PutLetters("ax");
  ASSERT_OK(DeleteRange("b", "w"));
  ASSERT_OK(Flush());
  EXPECT_EQ(Contents(), "a=a x=x");
  PutLetters("m");
  EXPECT_EQ(Contents(), "a=a m=m x=x");
}

INSTANTIATE_TEST_SUITE_P(Configs, DBRangeDeleteTest, ::testing::ValuesIn(TestConfigs()),
                         DBConfigName());

}  // namespace
}  // namespace aeternus::test
