// DB::OpenForReadOnly: reads everything a normal Open would (tables and the
// writes still only in WALs), refuses every change, and leaves the
// directory exactly as it found it.

#include <gtest/gtest.h>

#include <map>
#include <memory>
#include <string>

#include "aeternus/db.h"
#include "testutil/db_test_base.h"
#include "testutil/file_util.h"

namespace aeternus::test {
namespace {

// Every file's name and bytes.
std::map<std::string, std::string> Snapshot(const std::string& dir) {
  std::map<std::string, std::string> files;
  for (const std::string& path : ListFiles(dir, "")) {
    std::string data;
    EXPECT_EQ(ReadFileToString(path, &data), "") << path;
    files[BaseName(path)] = std::move(data);
  }
  return files;
}

class DBReadOnlyTest : public DBTestBase {
 protected:
  // Some keys in tables, more only in WALs (several memtables' worth, as
  // Close does not flush), one overwritten, one deleted.
  void Fill() {
    const std::string value(500, 'v');
    for (int i = 0; i < 300; ++i) {
      ASSERT_OK(Put("t" + std::to_string(i), value));
    }
    ASSERT_OK(Flush());
    for (int i = 0; i < 400; ++i) {
      ASSERT_OK(Put("w" + std::to_string(i), value));
    }
    ASSERT_OK(Put("t7", "new"));
    ASSERT_OK(Delete("t8"));
    ASSERT_OK(Close());
  }
};

TEST_F(DBReadOnlyTest, ReadsTablesAndUnflushedWritesAndChangesNothing) {
  ASSERT_OK(Open());
  ASSERT_NO_FATAL_FAILURE(Fill());
  const auto before = Snapshot(dbname_);
  ASSERT_FALSE(before.empty());

  std::unique_ptr<DB> ro;
  ASSERT_OK(DB::OpenForReadOnly(options_, dbname_, &ro));
  std::string v;
  ASSERT_OK(ro->Get({}, "t0", &v));
  EXPECT_EQ(v, std::string(500, 'v'));
  ASSERT_OK(ro->Get({}, "w399", &v));
  ASSERT_OK(ro->Get({}, "t7", &v));
  EXPECT_EQ(v, "new");
  EXPECT_TRUE(ro->Get({}, "t8", &v).IsNotFound());
  std::unique_ptr<Iterator> it = ro->NewIterator({});
  int n = 0;
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    ++n;
  }
  ASSERT_OK(it->status());
  EXPECT_EQ(n, 699);
  it.reset();

  EXPECT_TRUE(ro->Put({}, "x", "y").IsNotSupported());
  EXPECT_TRUE(ro->Delete({}, "t0").IsNotSupported());
  EXPECT_TRUE(ro->Flush().IsNotSupported());
  EXPECT_TRUE(ro->CompactAll().IsNotSupported());
  EXPECT_TRUE(ro->CompactRange("a", "b").IsNotSupported());
  EXPECT_OK(ro->WaitForCompactions());

  // The directory is held: a writer elsewhere waits its turn.
  std::unique_ptr<DB> writer;
  EXPECT_TRUE(DB::Open(options_, dbname_, &writer).IsBusy());

  ASSERT_OK(ro->Close());
  ro.reset();
  EXPECT_EQ(Snapshot(dbname_), before);

  // A normal open afterwards sees the same data.
  ASSERT_OK(Open());
  EXPECT_EQ(Get("t7"), "new");
  EXPECT_EQ(Get("t8"), "NOT_FOUND");
}

TEST_F(DBReadOnlyTest, MissingDatabaseIsNotCreated) {
  std::unique_ptr<DB> ro;
  const std::string dir = tmp_.Sub("absent");
  EXPECT_FALSE(DB::OpenForReadOnly(options_, dir, &ro).ok());
  EXPECT_EQ(ro, nullptr);
  EXPECT_FALSE(FileExists(dir));
}

}  // namespace
}  // namespace aeternus::test
