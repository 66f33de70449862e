// Basic DB behaviour through the public API: point writes and reads, keys
// with any bytes, open/close/reopen, the directory lock, open options,
// properties, and sequence numbers across reopen.

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

#include "aeternus/db.h"
#include "aeternus/options.h"
#include "aeternus/status.h"
#include "aeternus/write_batch.h"

#include "testutil/db_test_base.h"
#include "testutil/file_util.h"
#include "testutil/random.h"

namespace aeternus::test {
namespace {

class DBBasicTest : public DBTestBase {
 protected:
  void SetUp() override { ASSERT_OK(Open()); }
};

// The number a property prints, or -1 when it is not a plain decimal.
std::int64_t ParseNumber(const std::string& text) {
  if (text.empty()) {
    return -1;
  }
  char* end = nullptr;
  const long long n = std::strtoll(text.c_str(), &end, 10);
  return (*end == '\0' || *end == '\n') ? n : -1;
}

TEST_F(DBBasicTest, PutThenGetReturnsValue) {
  ASSERT_OK(Put("key", "value"));
  EXPECT_EQ(Get("key"), "value");
}

TEST_F(DBBasicTest, OverwriteReturnsLatestValue) {
  ASSERT_OK(Put("key", "v1"));
  ASSERT_OK(Put("key", "v2"));
  EXPECT_EQ(Get("key"), "v2");
  ASSERT_OK(Flush());
  ASSERT_OK(Put("key", "v3"));
  EXPECT_EQ(Get("key"), "v3");
  ASSERT_OK(Flush());
  EXPECT_EQ(Get("key"), "v3");
}

TEST_F(DBBasicTest, DeleteHidesKey) {
  ASSERT_OK(Put("a", "1"));
  ASSERT_OK(Put("b", "2"));
  ASSERT_OK(Delete("a"));
  EXPECT_EQ(Get("a"), "NOT_FOUND");
  EXPECT_EQ(Get("b"), "2");
  EXPECT_EQ(Contents(), "b=2");
}

TEST_F(DBBasicTest, DeleteInMemtableHidesValueInTable) {
  ASSERT_OK(Put("a", "1"));
  ASSERT_OK(Flush());
  ASSERT_OK(Delete("a"));
  EXPECT_EQ(Get("a"), "NOT_FOUND");
  ASSERT_OK(Flush());
  EXPECT_EQ(Get("a"), "NOT_FOUND");
  ASSERT_OK(Reopen());
  EXPECT_EQ(Get("a"), "NOT_FOUND");
  EXPECT_EQ(Contents(), "");
}

TEST_F(DBBasicTest, DeleteOfMissingKeyIsOk) {
  EXPECT_OK(Delete("never-written"));
  EXPECT_EQ(Get("never-written"), "NOT_FOUND");
}

TEST_F(DBBasicTest, PutAfterDeleteIsVisible) {
  ASSERT_OK(Put("a", "1"));
  ASSERT_OK(Delete("a"));
  ASSERT_OK(Put("a", "2"));
  EXPECT_EQ(Get("a"), "2");
  ASSERT_OK(Flush());
  EXPECT_EQ(Get("a"), "2");
}

TEST_F(DBBasicTest, EmptyValueIsAllowed) {
  ASSERT_OK(Put("empty", ""));
  std::string value = "junk";
  ASSERT_OK(db().Get(ReadOptions(), "empty", &value));
  EXPECT_EQ(value, "");
  EXPECT_EQ(Contents(), "empty=");
  ASSERT_OK(Flush());
  value = "junk";
  ASSERT_OK(db().Get(ReadOptions(), "empty", &value));
  EXPECT_EQ(value, "");
  ASSERT_OK(Reopen());
  value = "junk";
  ASSERT_OK(db().Get(ReadOptions(), "empty", &value));
  EXPECT_EQ(value, "");
}

TEST_F(DBBasicTest, KeysWithZeroAndFFBytesAreDistinctAndOrderedUnsigned) {
  using namespace std::string_literals;
  // Bytewise unsigned order, as the iterator must return them.
  const std::vector<std::string> keys = {
      "\0"s,    "\0\0"s,  "a"s,     "a\0"s, "a\0b"s, "a\0c"s,   "a\x01"s,
      "a\x7f"s, "a\x80"s, "a\xff"s, "b"s,   "\xff"s, "\xff\0"s, "\xff\xff"s,
  };
  for (std::size_t i = 0; i < keys.size(); ++i) {
    ASSERT_OK(Put(keys[i], "v" + std::to_string(i) + "\0\xff"s));
  }
  std::string expected;
  for (std::size_t i = 0; i < keys.size(); ++i) {
    if (!expected.empty()) {
      expected += " ";
    }
    expected += Escape(keys[i]) + "=" + Escape("v" + std::to_string(i) + "\0\xff"s);
  }
  auto check = [&](const char* stage) {
    SCOPED_TRACE(stage);
    for (std::size_t i = 0; i < keys.size(); ++i) {
      EXPECT_EQ(Get(keys[i]), "v" + std::to_string(i) + "\0\xff"s) << Escape(keys[i]);
    }
    EXPECT_EQ(Get("\0\0\0"s), "NOT_FOUND");
    EXPECT_EQ(Get("a\0a"s), "NOT_FOUND");
    EXPECT_EQ(Contents(), expected);
  };
  check("memtable");
  ASSERT_OK(Flush());
  check("table");
  ASSERT_OK(Reopen());
  check("reopened");
}

TEST_F(DBBasicTest, GetOfMissingKeyIsNotFound) {
  ASSERT_OK(Put("b", "1"));
  std::string value;
  Status s = db().Get(ReadOptions(), "a", &value);
  EXPECT_TRUE(s.IsNotFound()) << s.ToString();
  s = db().Get(ReadOptions(), "c", &value);
  EXPECT_TRUE(s.IsNotFound()) << s.ToString();
  ASSERT_OK(Flush());
  s = db().Get(ReadOptions(), "a", &value);
  EXPECT_TRUE(s.IsNotFound()) << s.ToString();
  s = db().Get(ReadOptions(), "bb", &value);
  EXPECT_TRUE(s.IsNotFound()) << s.ToString();
}

TEST_F(DBBasicTest, ReopenAfterCloseKeepsData) {
  ASSERT_OK(Put("in-table", "t"));
  ASSERT_OK(Flush());
  ASSERT_OK(Put("in-wal", "w"));
  ASSERT_OK(Delete("in-table-deleted"));
  ASSERT_OK(Close());
  ASSERT_OK(Open());
  EXPECT_EQ(Get("in-table"), "t");
  EXPECT_EQ(Get("in-wal"), "w");
  EXPECT_EQ(Contents(), "in-table=t in-wal=w");
  // A second reopen replays the same state again.
  ASSERT_OK(Reopen());
  EXPECT_EQ(Contents(), "in-table=t in-wal=w");
}

TEST_F(DBBasicTest, ReopenKeepsManyKeysAcrossTables) {
  // Enough data for several memtable switches.
  for (int i = 0; i < 3000; ++i) {
    char key[16];
    std::snprintf(key, sizeof(key), "k%05d", i);
    ASSERT_OK(Put(key, std::string(100, static_cast<char>('a' + i % 26))));
  }
  ASSERT_OK(Reopen());
  for (int i = 0; i < 3000; ++i) {
    char key[16];
    std::snprintf(key, sizeof(key), "k%05d", i);
    ASSERT_EQ(Get(key), std::string(100, static_cast<char>('a' + i % 26))) << key;
  }
}

TEST_F(DBBasicTest, DestructorWithoutCloseKeepsData) {
  ASSERT_OK(Put("a", "1"));
  ASSERT_OK(Flush());
  ASSERT_OK(Put("b", "2"));
  DestroyWithoutClose();
  ASSERT_OK(Open());
  EXPECT_EQ(Contents(), "a=1 b=2");
}

TEST_F(DBBasicTest, SecondOpenWhileOpenIsBusyAndNamesDirectory) {
  std::unique_ptr<DB> second;
  Status s = DB::Open(options_, dbname_, &second);
  EXPECT_TRUE(s.IsBusy()) << s.ToString();
  EXPECT_NE(s.message().find(dbname_), std::string_view::npos)
      << "message does not name " << dbname_ << ": " << s.ToString();
  EXPECT_EQ(second, nullptr);
  // The first DB is unaffected.
  ASSERT_OK(Put("a", "1"));
  EXPECT_EQ(Get("a"), "1");
}

TEST_F(DBBasicTest, CloseReleasesDirectoryLock) {
  ASSERT_OK(Put("a", "1"));
  ASSERT_OK(Close());
  std::unique_ptr<DB> other;
  ASSERT_OK(DB::Open(options_, dbname_, &other));
  std::string value;
  ASSERT_OK(other->Get(ReadOptions(), "a", &value));
  EXPECT_EQ(value, "1");
  ASSERT_OK(other->Close());
}

TEST_F(DBBasicTest, DestructorReleasesDirectoryLock) {
  DestroyWithoutClose();
  ASSERT_OK(Open());
}

TEST_F(DBBasicTest, ErrorIfExistsRefusesExistingDatabase) {
  ASSERT_OK(Put("a", "1"));
  ASSERT_OK(Close());
  Options o = options_;
  o.error_if_exists = true;
  std::unique_ptr<DB> db;
  Status s = DB::Open(o, dbname_, &db);
  EXPECT_TRUE(s.IsInvalidArgument()) << s.ToString();
  EXPECT_EQ(db, nullptr);
  // The refused open changed nothing.
  ASSERT_OK(Open());
  EXPECT_EQ(Get("a"), "1");
}

TEST_F(DBBasicTest, ErrorIfExistsAcceptsNewDatabase) {
  Options o = options_;
  o.error_if_exists = true;
  std::unique_ptr<DB> db;
  ASSERT_OK(DB::Open(o, tmp_.Sub("fresh"), &db));
  ASSERT_OK(db->Put(WriteOptions(), "a", "1"));
  ASSERT_OK(db->Close());
}

TEST_F(DBBasicTest, CreateIfMissingFalseRefusesMissingDatabase) {
  Options o = options_;
  o.create_if_missing = false;
  const std::string missing = tmp_.Sub("missing");
  std::unique_ptr<DB> db;
  Status s = DB::Open(o, missing, &db);
  EXPECT_FALSE(s.ok());
  EXPECT_EQ(db, nullptr);
  EXPECT_FALSE(FileExists(missing + "/CURRENT"));
}

TEST_F(DBBasicTest, CreateIfMissingFalseOpensExistingDatabase) {
  ASSERT_OK(Put("a", "1"));
  ASSERT_OK(Close());
  options_.create_if_missing = false;
  ASSERT_OK(Open());
  EXPECT_EQ(Get("a"), "1");
}

TEST_F(DBBasicTest, CloseTwiceIsOk) {
  ASSERT_OK(Put("a", "1"));
  EXPECT_OK(db().Close());
  EXPECT_OK(db().Close());
}

TEST_F(DBBasicTest, OperationsAfterCloseReturnErrors) {
  ASSERT_OK(Put("a", "1"));
  ASSERT_OK(db().Close());
  EXPECT_FALSE(db().Put(WriteOptions(), "b", "2").ok());
  EXPECT_FALSE(db().Delete(WriteOptions(), "a").ok());
  EXPECT_FALSE(db().DeleteRange(WriteOptions(), "a", "z").ok());
  WriteBatch batch;
  batch.Put("c", "3");
  EXPECT_FALSE(db().Write(WriteOptions(), &batch).ok());
  std::string value;
  EXPECT_FALSE(db().Get(ReadOptions(), "a", &value).ok());
  std::vector<std::pair<std::string, std::string>> out;
  EXPECT_FALSE(db().Scan(ReadOptions(), "a", "", 0, &out).ok());
  EXPECT_FALSE(db().Flush().ok());
  auto it = db().NewIterator(ReadOptions());
  if (it != nullptr) {
    it->SeekToFirst();
    EXPECT_FALSE(it->Valid());
    EXPECT_FALSE(it->status().ok());
  }
  db_.reset();
  // Nothing written after Close reached the database.
  ASSERT_OK(Open());
  EXPECT_EQ(Contents(), "a=1");
}

TEST_F(DBBasicTest, PropertiesHavePlausibleValues) {
  EXPECT_EQ(ParseNumber(Property("aeternus.num-files")), 0);
  EXPECT_GE(ParseNumber(Property("aeternus.memtable-bytes")), 0);
  EXPECT_GE(ParseNumber(Property("aeternus.sequence")), 0);
  std::string stats;
  EXPECT_TRUE(db().GetProperty("aeternus.stats", &stats));

  for (int i = 0; i < 100; ++i) {
    ASSERT_OK(Put("key" + std::to_string(i), std::string(100, 'x')));
  }
  const std::int64_t mem_before_flush = ParseNumber(Property("aeternus.memtable-bytes"));
  EXPECT_GE(mem_before_flush, 100 * 100) << "100 values of 100 bytes are in the memtable";
  EXPECT_GE(ParseNumber(Property("aeternus.sequence")), 100);

  ASSERT_OK(Flush());
  EXPECT_GE(ParseNumber(Property("aeternus.num-files")), 1);
  const std::int64_t mem_after_flush = ParseNumber(Property("aeternus.memtable-bytes"));
  EXPECT_GE(mem_after_flush, 0);
  EXPECT_LT(mem_after_flush, mem_before_flush);

  stats.clear();
  EXPECT_TRUE(db().GetProperty("aeternus.stats", &stats));
  EXPECT_FALSE(stats.empty());

  std::string value = "unchanged";
  EXPECT_FALSE(db().GetProperty("aeternus.no-such-property", &value));
  EXPECT_FALSE(db().GetProperty("", &value));
  EXPECT_FALSE(db().GetProperty("num-files", &value));
}

TEST_F(DBBasicTest, SequenceGrowsWithEachWriteAndNotWithReads) {
  std::uint64_t last = Sequence();
  ASSERT_OK(Put("a", "1"));
  EXPECT_GT(Sequence(), last);
  last = Sequence();
  ASSERT_OK(Delete("a"));
  EXPECT_GT(Sequence(), last);
  last = Sequence();
  ASSERT_OK(DeleteRange("a", "b"));
  EXPECT_GT(Sequence(), last);
  last = Sequence();
  WriteBatch batch;
  batch.Put("x", "1");
  batch.Put("y", "2");
  ASSERT_OK(Write(&batch));
  EXPECT_GE(Sequence(), last + 2) << "each update of a batch takes a sequence number";
  last = Sequence();
  EXPECT_EQ(Get("x"), "1");
  EXPECT_EQ(Contents(), "x=1 y=2");
  EXPECT_EQ(Sequence(), last);
  ASSERT_OK(Flush());
  EXPECT_EQ(Sequence(), last);
}

TEST_F(DBBasicTest, SequenceContinuesAcrossReopen) {
  ASSERT_OK(Put("k", "old"));
  ASSERT_OK(Flush());  // "old" now lives only in a table
  ASSERT_OK(Put("other", "1"));
  const std::uint64_t before = Sequence();
  ASSERT_GE(before, 2u);
  ASSERT_OK(Reopen());
  EXPECT_GE(Sequence(), before);
  ASSERT_OK(Put("k", "new"));
  EXPECT_GT(Sequence(), before);
  EXPECT_EQ(Get("k"), "new");
  ASSERT_OK(Flush());
  EXPECT_EQ(Get("k"), "new");
  ASSERT_OK(Reopen());
  EXPECT_EQ(Get("k"), "new");
  EXPECT_EQ(Contents(), "k=new other=1");
}

TEST_F(DBBasicTest, SequenceContinuesAcrossReopenWhenAllDataIsInTables) {
  ASSERT_OK(Put("k", "old"));
  ASSERT_OK(Delete("gone"));
  ASSERT_OK(Flush());
  const std::uint64_t before = Sequence();
  ASSERT_OK(Reopen());
  EXPECT_GE(Sequence(), before);
  ASSERT_OK(Reopen());
  EXPECT_GE(Sequence(), before);
  ASSERT_OK(Put("k", "new"));
  EXPECT_EQ(Get("k"), "new");
  ASSERT_OK(Reopen());
  EXPECT_EQ(Get("k"), "new");
}

TEST_F(DBBasicTest, SyncWritesAreReadBack) {
  WriteOptions sync;
  sync.sync = true;
  ASSERT_OK(db().Put(sync, "a", "1"));
  ASSERT_OK(db().Delete(sync, "a"));
  ASSERT_OK(db().Put(sync, "b", "2"));
  EXPECT_EQ(Contents(), "b=2");
  ASSERT_OK(Reopen());
  EXPECT_EQ(Contents(), "b=2");
}

TEST_F(DBBasicTest, LargeValueIsReadBack) {
  Random rnd(301);
  const std::string big = rnd.Bytes(3u << 20);  // larger than the write buffer
  ASSERT_OK(Put("big", big));
  ASSERT_OK(Put("small", "s"));
  EXPECT_TRUE(Get("big") == big) << "value of 3 MiB differs in memtable";
  ASSERT_OK(Flush());
  EXPECT_TRUE(Get("big") == big) << "value of 3 MiB differs in table";
  ASSERT_OK(Reopen());
  EXPECT_TRUE(Get("big") == big) << "value of 3 MiB differs after reopen";
  EXPECT_EQ(Get("small"), "s");
}

TEST_F(DBBasicTest, FlushOfEmptyMemtableIsOk) {
  EXPECT_OK(Flush());
  ASSERT_OK(Put("a", "1"));
  ASSERT_OK(Flush());
  EXPECT_OK(Flush());
  EXPECT_EQ(Contents(), "a=1");
  ASSERT_OK(Reopen());
  EXPECT_EQ(Contents(), "a=1");
}

TEST_F(DBBasicTest, ReadOptionVariantsReturnTheSameData) {
  for (int i = 0; i < 200; ++i) {
    ASSERT_OK(Put("k" + std::to_string(i), std::string(50, static_cast<char>('a' + i % 26))));
  }
  ASSERT_OK(Flush());
  for (bool verify : {false, true}) {
    for (bool fill : {false, true}) {
      SCOPED_TRACE(std::string("verify_checksums=") + (verify ? "1" : "0") +
                   " fill_cache=" + (fill ? "1" : "0"));
      ReadOptions ro;
      ro.verify_checksums = verify;
      ro.fill_cache = fill;
      for (int i = 0; i < 200; i += 17) {
        std::string value;
        ASSERT_OK(db().Get(ro, "k" + std::to_string(i), &value));
        EXPECT_EQ(value, std::string(50, static_cast<char>('a' + i % 26)));
      }
      auto it = db().NewIterator(ro);
      int n = 0;
      for (it->SeekToFirst(); it->Valid(); it->Next()) {
        ++n;
      }
      EXPECT_OK(it->status());
      EXPECT_EQ(n, 200);
    }
  }
}

TEST_F(DBBasicTest, LargeKeysAreReadBack) {
  // Keys of the default max_key_size (8 KiB) sharing long prefixes, in
  // blocks far smaller than one key.
  options_.block_size = 256;
  ASSERT_OK(Reopen());
  std::vector<std::string> keys;
  for (int i = 0; i < 40; ++i) {
    std::string k(8192, 'p');
    k.replace(8192 - 4, 4, std::to_string(1000 + i));
    keys.push_back(k);
    ASSERT_OK(Put(k, "v" + std::to_string(i)));
  }
  ASSERT_OK(Flush());
  ASSERT_OK(Reopen());
  for (int i = 0; i < 40; ++i) {
    EXPECT_EQ(Get(keys[i]), "v" + std::to_string(i)) << i;
  }
  auto it = db().NewIterator(ReadOptions());
  int n = 0;
  for (it->SeekToFirst(); it->Valid(); it->Next(), ++n) {
    ASSERT_LT(n, 40);
    ASSERT_TRUE(it->key() == keys[n]) << "key " << n << " differs";
  }
  EXPECT_OK(it->status());
  EXPECT_EQ(n, 40);
}

TEST_F(DBBasicTest, TablesWrittenWithOtherOptionsStayReadable) {
  // Options that may change between opens: tables written under one set
  // are read under another.
  options_.block_size = 256;
  options_.bloom_bits_per_key = 0;
  ASSERT_OK(Reopen());
  for (int i = 0; i < 300; ++i) {
    ASSERT_OK(Put("a" + std::to_string(i), std::to_string(i)));
  }
  ASSERT_OK(Flush());
  options_.block_size = 16u << 10;
  options_.bloom_bits_per_key = 20;
  options_.write_buffer_size = 1u << 20;
  options_.block_cache_capacity = 0;
  ASSERT_OK(Reopen());
  for (int i = 0; i < 300; ++i) {
    ASSERT_OK(Put("b" + std::to_string(i), std::to_string(i)));
  }
  ASSERT_OK(Flush());
  options_.compression = CompressionType::kZstd;
  Status s = Reopen();
  if (!s.ok()) {
    // A build without zstd refuses it; read on without compression.
    EXPECT_TRUE(s.IsNotSupported() || s.IsInvalidArgument()) << s.ToString();
    options_.compression = CompressionType::kNone;
    ASSERT_OK(Open());
  }
  for (int i = 0; i < 300; ++i) {
    ASSERT_OK(Put("c" + std::to_string(i), std::to_string(i)));
  }
  ASSERT_OK(Flush());
  options_ = SmallOptions();
  ASSERT_OK(Reopen());
  for (const char* prefix : {"a", "b", "c"}) {
    for (int i = 0; i < 300; i += 7) {
      EXPECT_EQ(Get(prefix + std::to_string(i)), std::to_string(i)) << prefix << i;
    }
  }
}

// Without an open DB in the process, so that it can fork.
class DBWriteBufferTest : public DBTestBase {};

TEST_F(DBWriteBufferTest, SmallestWriteBufferSizeTakesWrites) {
  // In a child process, so that a hang fails this test instead of blocking
  // the suite.
  const pid_t pid = ::fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    Options o;
    o.write_buffer_size = 64u << 10;  // the documented minimum
    std::unique_ptr<DB> db;
    if (!DB::Open(o, dbname_, &db).ok()) {
      _exit(2);
    }
    for (int i = 0; i < 2000; ++i) {
      if (!db->Put(WriteOptions{.sync = false}, "k" + std::to_string(i), std::string(100, 'v'))
               .ok()) {
        _exit(3);
      }
    }
    std::string value;
    if (!db->Get(ReadOptions(), "k1999", &value).ok() || value != std::string(100, 'v')) {
      _exit(4);
    }
    _exit(db->Close().ok() ? 0 : 5);
  }
  int wstatus = 0;
  bool exited = false;
  for (int i = 0; i < 100 && !exited; ++i) {
    exited = ::waitpid(pid, &wstatus, WNOHANG) == pid;
    if (!exited) {
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
  }
  if (!exited) {
    ::kill(pid, SIGKILL);
    ::waitpid(pid, &wstatus, 0);
    FAIL() << "Open + 2000 Puts of 100 bytes with write_buffer_size = 64 KiB did not finish "
              "within 10 s";
  }
  ASSERT_TRUE(WIFEXITED(wstatus)) << "child died, status " << wstatus;
  EXPECT_EQ(WEXITSTATUS(wstatus), 0)
      << "child failed at step " << WEXITSTATUS(wstatus) << " (2: Open, 3: Put, 4: Get, 5: Close)";
}

}  // namespace
}  // namespace aeternus::test
