// Major compaction (DB::CompactAll): merges every table into one sorted
// run, reclaims overwritten and deleted data, and keeps what snapshots and
// open iterators still read.

#include <gtest/gtest.h>

#include <atomic>
#include <cstdio>
#include <thread>

#include "aeternus/db.h"
#include "db/db_impl.h"
#include "env/mem_file_system.h"
#include "manifest/file_names.h"
#include "testutil/status_assertions.h"

namespace aeternus {
namespace {

class DBCompactAllTest : public ::testing::Test {
 protected:
  DBCompactAllTest() { options_.write_buffer_size = 64 << 10; }

  void Open() { ASSERT_OK(DBImpl::Open(options_, "/db", &mem_, &db_)); }

  static std::string Key(int i) {
    char buf[16];
    std::snprintf(buf, sizeof(buf), "key%06d", i);
    return buf;
  }

  std::string Get(std::string_view key, const Snapshot* snapshot = nullptr) {
    ReadOptions ro;
    ro.snapshot = snapshot;
    std::string v;
    Status s = db_->Get(ro, key, &v);
    return s.IsNotFound() ? "NOT_FOUND" : (s.ok() ? v : s.ToString());
  }

  // Bytes of all table files in the directory.
  std::uint64_t TableBytes() {
    std::vector<std::string> names;
    EXPECT_OK(mem_.GetChildren("/db", &names));
    std::uint64_t total = 0;
    for (const auto& n : names) {
      std::uint64_t number = 0;
      if (ParseFileName(n, &number) == FileType::kTable) {
        std::uint64_t size = 0;
        EXPECT_OK(mem_.GetFileSize("/db/" + n, &size));
        total += size;
      }
    }
    return total;
  }

  std::string Property(std::string_view name) {
    std::string v;
    EXPECT_TRUE(db_->GetProperty(name, &v));
    return v;
  }

  MemFileSystem mem_;
  Options options_;
  std::unique_ptr<DB> db_;
  const WriteOptions no_sync_{.sync = false};
};

TEST_F(DBCompactAllTest, OverwrittenDataShrinksToLiveSize) {
  options_.disable_auto_compactions = true;  // every version waits for CompactAll
  Open();
  const std::string value(100, 'v');
  for (int round = 0; round < 10; ++round) {
    for (int i = 0; i < 1000; ++i) {
      ASSERT_OK(db_->Put(no_sync_, Key(i), value + std::to_string(round)));
    }
    ASSERT_OK(db_->Flush());
  }
  const std::uint64_t before = TableBytes();
  ASSERT_OK(db_->CompactAll());
  const std::uint64_t after = TableBytes();
  EXPECT_EQ(Property("aeternus.num-files"), "1");
  // One version of 1000 keys of ~115 bytes remains, plus table overhead.
  EXPECT_LT(after, before / 5) << before << " -> " << after;
  EXPECT_LT(after, 1000u * 160u);
  for (int i = 0; i < 1000; ++i) {
    ASSERT_EQ(Get(Key(i)), value + "9");
  }
}

TEST_F(DBCompactAllTest, DeletingEverythingLeavesNoTables) {
  Open();
  for (int i = 0; i < 2000; ++i) {
    ASSERT_OK(db_->Put(no_sync_, Key(i), std::string(50, 'x')));
  }
  ASSERT_OK(db_->Flush());
  for (int i = 0; i < 1000; ++i) {
    ASSERT_OK(db_->Delete(no_sync_, Key(i)));
  }
  ASSERT_OK(db_->DeleteRange(no_sync_, Key(1000), Key(2000)));
  ASSERT_OK(db_->CompactAll());
  EXPECT_EQ(Property("aeternus.num-files"), "0");
  EXPECT_EQ(TableBytes(), 0u);
  for (int i = 0; i < 2000; i += 97) {
    EXPECT_EQ(Get(Key(i)), "NOT_FOUND");
  }
  db_.reset();
  Open();
  EXPECT_EQ(Get(Key(5)), "NOT_FOUND");
  EXPECT_EQ(Get(Key(1500)), "NOT_FOUND");
}

TEST_F(DBCompactAllTest, SnapshotsKeepTheirVersionsThroughCompaction) {
  Open();
  ASSERT_OK(db_->Put(no_sync_, "a", "1"));
  ASSERT_OK(db_->Put(no_sync_, "b", "1"));
  ASSERT_OK(db_->Put(no_sync_, "c", "1"));
  const Snapshot* snap = db_->GetSnapshot();
  ASSERT_OK(db_->Put(no_sync_, "a", "2"));
  ASSERT_OK(db_->Delete(no_sync_, "b"));
  ASSERT_OK(db_->DeleteRange(no_sync_, "c", "d"));
  ASSERT_OK(db_->CompactAll());
  EXPECT_EQ(Get("a", snap), "1");
  EXPECT_EQ(Get("b", snap), "1");
  EXPECT_EQ(Get("c", snap), "1");
  EXPECT_EQ(Get("a"), "2");
  EXPECT_EQ(Get("b"), "NOT_FOUND");
  EXPECT_EQ(Get("c"), "NOT_FOUND");
  auto it = db_->NewIterator(ReadOptions{.snapshot = snap});
  std::string seen;
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    seen += std::string(it->key()) + "=" + std::string(it->value()) + " ";
  }
  EXPECT_EQ(seen, "a=1 b=1 c=1 ");
  it.reset();
  db_->ReleaseSnapshot(snap);
  // Without the snapshot the old versions and the tombstones go.
  ASSERT_OK(db_->CompactAll());
  EXPECT_EQ(Get("a"), "2");
  EXPECT_EQ(Get("b"), "NOT_FOUND");
  EXPECT_EQ(Get("c"), "NOT_FOUND");
  it = db_->NewIterator({});
  seen.clear();
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    seen += std::string(it->key()) + "=" + std::string(it->value()) + " ";
  }
  EXPECT_EQ(seen, "a=2 ");
}

TEST_F(DBCompactAllTest, OpenIteratorKeepsReadingReplacedTablesUntilReleased) {
  Open();
  for (int i = 0; i < 3000; ++i) {
    ASSERT_OK(db_->Put(no_sync_, Key(i), std::string(60, 'a')));
    if (i % 1000 == 999) {
      ASSERT_OK(db_->Flush());
    }
  }
  auto it = db_->NewIterator({});
  it->SeekToFirst();
  ASSERT_TRUE(it->Valid());
  for (int i = 0; i < 3000; ++i) {
    ASSERT_OK(db_->Put(no_sync_, Key(i), std::string(60, 'b')));
  }
  ASSERT_OK(db_->CompactAll());
  // The iterator still reads its own view from the replaced tables.
  int n = 0;
  for (; it->Valid(); it->Next(), ++n) {
    ASSERT_EQ(it->value(), std::string(60, 'a'));
  }
  ASSERT_OK(it->status());
  EXPECT_EQ(n, 3000);
  const std::uint64_t with_old_tables = TableBytes();
  it.reset();
  ASSERT_OK(db_->Flush());  // background work purges unreferenced tables
  ASSERT_OK(db_->Put(no_sync_, "x", "y"));
  ASSERT_OK(db_->CompactAll());
  EXPECT_LT(TableBytes(), with_old_tables);
  EXPECT_EQ(Property("aeternus.num-files"), "1");
  EXPECT_EQ(Get(Key(7)), std::string(60, 'b'));
}

TEST_F(DBCompactAllTest, CompactedDataSurvivesReopenAndNewWritesLayerOnTop) {
  Open();
  for (int i = 0; i < 500; ++i) {
    ASSERT_OK(db_->Put(no_sync_, Key(i), "old"));
  }
  ASSERT_OK(db_->CompactAll());
  ASSERT_OK(db_->Put(no_sync_, Key(1), "new"));
  ASSERT_OK(db_->Delete(no_sync_, Key(2)));
  ASSERT_OK(db_->Flush());
  ASSERT_OK(db_->Close());
  db_.reset();
  Open();
  EXPECT_EQ(Get(Key(0)), "old");
  EXPECT_EQ(Get(Key(1)), "new");
  EXPECT_EQ(Get(Key(2)), "NOT_FOUND");
  EXPECT_EQ(Property("aeternus.num-files-at-level1"), "1");  // leveled: the first sorted level
}

TEST_F(DBCompactAllTest, RunsBesideWritersReadersAndFlushes) {
  Open();
  std::atomic<bool> stop{false};
  std::atomic<int> errors{0};
  // Writer: key i always holds "v<i>" once written; later rounds rewrite it.
  std::atomic<int> rounds{0};
  std::thread writer([&] {
    while (!stop.load()) {
      for (int i = 0; i < 500; ++i) {
        if (!db_->Put(no_sync_, Key(i), "v" + std::to_string(i)).ok()) {
          ++errors;
        }
      }
      ++rounds;
    }
  });
  std::thread reader([&] {
    while (!stop.load()) {
      auto it = db_->NewIterator({});
      std::string prev;
      for (it->SeekToFirst(); it->Valid(); it->Next()) {
        std::string k(it->key());
        if (!prev.empty() && k <= prev) {
          ++errors;
        }
        if (it->value() != "v" + std::to_string(std::stoi(k.substr(3)))) {
          ++errors;
        }
        prev = k;
      }
      if (!it->status().ok()) {
        ++errors;
      }
    }
  });
  for (int i = 0; i < 8; ++i) {
    // Each compaction starts after more writes went in.
    const int seen = rounds.load();
    while (rounds.load() == seen) {
      std::this_thread::yield();
    }
    ASSERT_OK(db_->CompactAll());
  }
  stop = true;
  writer.join();
  reader.join();
  EXPECT_EQ(errors.load(), 0);
  ASSERT_OK(db_->CompactAll());
  EXPECT_EQ(Get(Key(42)), "v42");
}

TEST_F(DBCompactAllTest, EmptyDatabaseCompactsToNothing) {
  Open();
  ASSERT_OK(db_->CompactAll());
  EXPECT_EQ(Property("aeternus.num-files"), "0");
}

}  // namespace
}  // namespace aeternus
