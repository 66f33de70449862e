// Snapshots: a snapshot keeps seeing the values of its moment after
// overwrites, deletes, range deletes and flushes, for Get, iterators and
// Scan; several snapshots coexist; release frees only the one released.

#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "aeternus/db.h"
#include "aeternus/snapshot.h"

#include "testutil/db_test_base.h"

namespace aeternus::test {
namespace {

class DBSnapshotTest : public DBTestBase, public ::testing::WithParamInterface<DBConfig> {
 protected:
  void SetUp() override { OpenOrSkip(GetParam()); }
};

TEST_P(DBSnapshotTest, SnapshotSeesOldValueAfterOverwrite) {
  ASSERT_OK(Put("k", "v1"));
  const Snapshot* snap = db().GetSnapshot();
  ASSERT_OK(Put("k", "v2"));
  EXPECT_EQ(Get("k", snap), "v1");
  EXPECT_EQ(Get("k"), "v2");
  EXPECT_EQ(Contents(snap), "k=v1");
  EXPECT_EQ(Scan("a", "", 0, snap), "k=v1");
  db().ReleaseSnapshot(snap);
}

TEST_P(DBSnapshotTest, SnapshotSeesKeyAfterDelete) {
  ASSERT_OK(Put("k", "v1"));
  const Snapshot* snap = db().GetSnapshot();
  ASSERT_OK(Delete("k"));
  EXPECT_EQ(Get("k", snap), "v1");
  EXPECT_EQ(Get("k"), "NOT_FOUND");
  EXPECT_EQ(Contents(snap), "k=v1");
  EXPECT_EQ(Contents(), "");
  db().ReleaseSnapshot(snap);
}

TEST_P(DBSnapshotTest, SnapshotSeesKeysAfterDeleteRange) {
  ASSERT_OK(Put("a", "1"));
  ASSERT_OK(Put("b", "2"));
  ASSERT_OK(Flush());
  ASSERT_OK(Put("c", "3"));
  const Snapshot* snap = db().GetSnapshot();
  ASSERT_OK(DeleteRange("a", "z"));
  EXPECT_EQ(Contents(snap), "a=1 b=2 c=3");
  EXPECT_EQ(Get("a", snap), "1");
  EXPECT_EQ(Get("c", snap), "3");
  EXPECT_EQ(Contents(), "");
  ASSERT_OK(Flush());
  EXPECT_EQ(Contents(snap), "a=1 b=2 c=3");
  EXPECT_EQ(Contents(), "");
  db().ReleaseSnapshot(snap);
}

TEST_P(DBSnapshotTest, SnapshotDoesNotSeeLaterWrites) {
  ASSERT_OK(Put("a", "1"));
  const Snapshot* snap = db().GetSnapshot();
  ASSERT_OK(Put("b", "2"));
  ASSERT_OK(DeleteRange("c", "d"));
  ASSERT_OK(Put("c", "3"));
  EXPECT_EQ(Get("b", snap), "NOT_FOUND");
  EXPECT_EQ(Get("c", snap), "NOT_FOUND");
  EXPECT_EQ(Contents(snap), "a=1");
  ASSERT_OK(Flush());
  EXPECT_EQ(Get("b", snap), "NOT_FOUND");
  EXPECT_EQ(Contents(snap), "a=1");
  db().ReleaseSnapshot(snap);
}

TEST_P(DBSnapshotTest, SnapshotOfMemtableSurvivesFlush) {
  ASSERT_OK(Put("k", "v1"));
  ASSERT_OK(Put("gone", "x"));
  const Snapshot* snap = db().GetSnapshot();
  ASSERT_OK(Put("k", "v2"));
  ASSERT_OK(Delete("gone"));
  ASSERT_OK(Flush());
  EXPECT_EQ(Get("k", snap), "v1");
  EXPECT_EQ(Get("gone", snap), "x");
  EXPECT_EQ(Get("k"), "v2");
  EXPECT_EQ(Get("gone"), "NOT_FOUND");
  // Fill several more memtables so the old versions could be dropped by a
  // careless flush or compaction.
  for (int i = 0; i < 3000; ++i) {
    ASSERT_OK(Put("fill" + std::to_string(i), std::string(100, 'f')));
  }
  ASSERT_OK(Put("k", "v3"));
  ASSERT_OK(Flush());
  EXPECT_EQ(Get("k", snap), "v1");
  EXPECT_EQ(Get("gone", snap), "x");
  EXPECT_EQ(Get("k"), "v3");
  db().ReleaseSnapshot(snap);
}

TEST_P(DBSnapshotTest, SnapshotOfTableSurvivesOverwriteAndFlush) {
  ASSERT_OK(Put("k", "v1"));
  ASSERT_OK(Put("d", "x"));
  ASSERT_OK(Flush());
  const Snapshot* snap = db().GetSnapshot();
  ASSERT_OK(Put("k", "v2"));
  ASSERT_OK(Delete("d"));
  EXPECT_EQ(Get("k", snap), "v1");
  ASSERT_OK(Flush());
  ASSERT_OK(Put("k", "v3"));
  ASSERT_OK(Flush());
  EXPECT_EQ(Get("k", snap), "v1");
  EXPECT_EQ(Get("d", snap), "x");
  EXPECT_EQ(Contents(snap), "d=x k=v1");
  EXPECT_EQ(Contents(), "k=v3");
  db().ReleaseSnapshot(snap);
}

TEST_P(DBSnapshotTest, MultipleSnapshotsSeeTheirOwnVersions) {
  std::vector<const Snapshot*> snaps;
  for (int v = 0; v < 6; ++v) {
    ASSERT_OK(Put("k", "v" + std::to_string(v)));
    ASSERT_OK(Put("k" + std::to_string(v), "x"));
    snaps.push_back(db().GetSnapshot());
    if (v % 2 == 1) {
      ASSERT_OK(Flush());
    }
  }
  ASSERT_OK(Delete("k"));
  auto check = [&](const char* stage) {
    SCOPED_TRACE(stage);
    for (int v = 0; v < 6; ++v) {
      if (snaps[v] == nullptr) {
        continue;
      }
      EXPECT_EQ(Get("k", snaps[v]), "v" + std::to_string(v));
      EXPECT_EQ(Get("k" + std::to_string(v), snaps[v]), "x");
      if (v < 5) {
        EXPECT_EQ(Get("k" + std::to_string(v + 1), snaps[v]), "NOT_FOUND");
      }
    }
  };
  check("all held");
  // Release out of order; the others are unaffected.
  db().ReleaseSnapshot(snaps[2]);
  snaps[2] = nullptr;
  db().ReleaseSnapshot(snaps[0]);
  snaps[0] = nullptr;
  ASSERT_OK(Flush());
  check("some released");
  db().ReleaseSnapshot(snaps[5]);
  snaps[5] = nullptr;
  ASSERT_OK(Put("k", "final"));
  ASSERT_OK(Flush());
  check("more released");
  for (auto* s : snaps) {
    if (s != nullptr) {
      db().ReleaseSnapshot(s);
    }
  }
  EXPECT_EQ(Get("k"), "final");
}

TEST_P(DBSnapshotTest, SnapshotSequenceIsLastWrite) {
  ASSERT_OK(Put("a", "1"));
  ASSERT_OK(Put("b", "2"));
  const Snapshot* s1 = db().GetSnapshot();
  EXPECT_EQ(s1->sequence(), Sequence());
  ASSERT_OK(Put("c", "3"));
  const Snapshot* s2 = db().GetSnapshot();
  EXPECT_GT(s2->sequence(), s1->sequence());
  EXPECT_EQ(s2->sequence(), Sequence());
  db().ReleaseSnapshot(s1);
  db().ReleaseSnapshot(s2);
}

TEST_P(DBSnapshotTest, ReleasedSnapshotLeavesLatestStateReadable) {
  ASSERT_OK(Put("k", "v1"));
  const Snapshot* snap = db().GetSnapshot();
  ASSERT_OK(Put("k", "v2"));
  db().ReleaseSnapshot(snap);
  ASSERT_OK(Flush());
  EXPECT_EQ(Get("k"), "v2");
  EXPECT_EQ(Contents(), "k=v2");
}

TEST_P(DBSnapshotTest, SnapshotOfEmptyDatabaseSeesNothing) {
  const Snapshot* snap = db().GetSnapshot();
  ASSERT_OK(Put("a", "1"));
  ASSERT_OK(Flush());
  EXPECT_EQ(Get("a", snap), "NOT_FOUND");
  EXPECT_EQ(Contents(snap), "");
  db().ReleaseSnapshot(snap);
}

TEST_P(DBSnapshotTest, SnapshotHeldAtCloseIsReleased) {
  ASSERT_OK(Put("k", "v1"));
  const Snapshot* snap = db().GetSnapshot();
  ASSERT_OK(Put("k", "v2"));
  EXPECT_EQ(Get("k", snap), "v1");
  ASSERT_OK(Close());  // snap is released here and must not be used again
  ASSERT_OK(Open());
  EXPECT_EQ(Get("k"), "v2");
}

TEST_P(DBSnapshotTest, SnapshotOverRangeDeleteInTableAndNewerWrites) {
  for (char c = 'a'; c <= 'f'; ++c) {
    ASSERT_OK(Put(std::string(1, c), "old"));
  }
  ASSERT_OK(Flush());
  ASSERT_OK(DeleteRange("b", "e"));
  const Snapshot* after_delete = db().GetSnapshot();
  ASSERT_OK(Put("c", "new"));
  ASSERT_OK(Flush());
  const Snapshot* after_put = db().GetSnapshot();
  ASSERT_OK(DeleteRange("a", "z"));
  EXPECT_EQ(Contents(after_delete), "a=old e=old f=old");
  EXPECT_EQ(Contents(after_put), "a=old c=new e=old f=old");
  EXPECT_EQ(Contents(), "");
  ASSERT_OK(Flush());
  EXPECT_EQ(Contents(after_delete), "a=old e=old f=old");
  EXPECT_EQ(Contents(after_put), "a=old c=new e=old f=old");
  db().ReleaseSnapshot(after_delete);
  db().ReleaseSnapshot(after_put);
}

INSTANTIATE_TEST_SUITE_P(Configs, DBSnapshotTest, ::testing::ValuesIn(TestConfigs()),
                         DBConfigName());

}  // namespace
}  // namespace aeternus::test
