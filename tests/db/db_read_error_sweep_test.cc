// Read errors at the n-th read of the file system (every Read of a table,
// log or manifest, every file opening for reading, directory listing and
// size query), for every n a clean run makes, once and from then on. The
// database was written by a workload with flushes, a full compaction and a
// WAL left to replay, and closed. Two phases are swept:
//   - Open, then a Get of every key and full scans forward and backward;
//   - Open, then a full compaction (whose inputs are read).
// Each run checks that:
//   - a failed Open, Get, scan or compaction returns IOError, never another
//     status, and Get never reports NotFound for a key that exists;
//   - no read returns a wrong value; a scan stopped by an error shows a
//     correct prefix of the contents;
//   - after a one-off error, the same open database reads everything
//     correctly (an error is not remembered as the file's state);
//   - once the fault is cleared, the database reopens with all its contents.

#include <cstdint>
#include <cstdio>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

#include "aeternus/db.h"
#include "aeternus/iterator.h"

#include "db/db_impl.h"
#include "env/fault_injection_file_system.h"
#include "env/mem_file_system.h"
#include "testutil/model_updates.h"
#include "testutil/write_workload.h"

namespace aeternus {
namespace {

constexpr int kWrites = 200;
constexpr int kKeys = 100;
constexpr int kCompactAllAt = 120;

using Contents = std::map<std::string, std::string>;

enum class Phase { kOpenAndRead, kCompact };

class DBReadErrorSweepTest : public ::testing::Test {
 protected:
  DBReadErrorSweepTest() : workload_(test::MakeWriteWorkload(23, kWrites, kKeys, 5, 1000)) {
    options_.write_buffer_size = 64 << 10;
    options_.target_file_size = 32 << 10;
    options_.l0_compaction_trigger = 4;
    options_.block_size = 1024;
  }

  // Writes the workload into `fs` and closes the database; the last writes
  // stay in the WAL (no flush at close).
  void Build(FileSystem* fs) {
    std::unique_ptr<DB> db;
    ASSERT_TRUE(DBImpl::Open(options_, kDbName, fs, &db).ok());
    for (int i = 0; i < kWrites; ++i) {
      if (i == kCompactAllAt) {
        ASSERT_TRUE(db->CompactAll().ok());
      }
      WriteOptions wo;
      wo.sync = workload_[i].sync;
      ASSERT_TRUE(test::ApplyToDB(workload_[i].updates, *db, wo).ok());
    }
    ASSERT_TRUE(db->Close().ok());
  }

  // Every key of the key space read with Get, and full scans both ways;
  // false after a failed check (reported). An IOError is allowed when
  // `may_fail`, and sets *failed.
  bool CheckReads(DB& db, const Contents& expected, bool may_fail, const std::string& what,
                  bool* failed) {
    *failed = false;
    auto allowed = [&](const Status& s, const std::string& read) {
      if (s.IsIOError() && may_fail) {
        *failed = true;
        return true;
      }
      ADD_FAILURE() << what << ": " << read << " returned " << s.ToString();
      return false;
    };
    for (int k = 0; k < kKeys; ++k) {
      char key[16];
      std::snprintf(key, sizeof(key), "key%05d", k);
      std::string value;
      const Status s = db.Get(ReadOptions(), key, &value);
      const auto it = expected.find(key);
      if (s.ok()) {
        if (it == expected.end() || it->second != value) {
          ADD_FAILURE() << what << ": Get(" << key << ") returned a wrong value";
          return false;
        }
      } else if (s.IsNotFound()) {
        if (it != expected.end()) {
          ADD_FAILURE() << what << ": Get(" << key << ") returned NotFound for a key that exists";
          return false;
        }
      } else if (!allowed(s, std::string("Get(") + key + ")")) {
        return false;
      }
    }
    const std::vector<std::pair<std::string, std::string>> entries(expected.begin(),
                                                                   expected.end());
    for (const bool forward : {true, false}) {
      std::unique_ptr<Iterator> it = db.NewIterator(ReadOptions());
      std::size_t seen = 0;
      for (forward ? it->SeekToFirst() : it->SeekToLast(); it->Valid();
           forward ? it->Next() : it->Prev()) {
        if (seen == expected.size()) {
          ADD_FAILURE() << what << ": scan shows more entries than exist";
          return false;
        }
        const auto& [key, value] = entries[forward ? seen : entries.size() - 1 - seen];
        if (it->key() != key || it->value() != value) {
          ADD_FAILURE() << what << ": scan " << (forward ? "forward" : "backward")
                        << " shows a wrong entry at position " << seen;
          return false;
        }
        ++seen;
      }
      if (it->status().ok()) {
        if (seen != expected.size()) {
          ADD_FAILURE() << what << ": scan " << (forward ? "forward" : "backward") << " ended after "
                        << seen << " of " << expected.size() << " entries without an error";
          return false;
        }
      } else if (!allowed(it->status(), forward ? "scan forward" : "scan backward")) {
        return false;
      }
    }
    return true;
  }

  // One run of `phase` with the n-th read after the build failing (n = 0:
  // none); false after a failed check. *reads: those the phase made.
  bool Run(Phase phase, std::uint64_t n, bool persistent, std::uint64_t* reads = nullptr) {
    const std::string what = std::string(phase == Phase::kCompact ? "compaction" : "open and read") +
                             ", error at read " + std::to_string(n) +
                             (persistent ? " and after" : " only");
    MemFileSystem mem;
    FaultInjectionFileSystem fs(&mem);
    Build(&fs);
    if (HasFatalFailure()) {
      return false;
    }
    const std::uint64_t base = fs.reads();
    if (n != 0) {
      fs.FailRead(base + n, persistent, Status::IOError("injected", "Input/output error (EIO)"));
    }
    std::unique_ptr<DB> db;
    Status s = DBImpl::Open(options_, kDbName, &fs, &db);
    bool failed = false;
    if (!s.ok()) {
      if (!s.IsIOError() || n == 0) {
        ADD_FAILURE() << what << ": Open returned " << s.ToString();
        return false;
      }
      ++open_failed_;
    } else if (phase == Phase::kOpenAndRead) {
      if (!CheckReads(*db, expected_, n != 0, what, &failed)) {
        return false;
      }
      ++(failed ? read_failed_ : unnoticed_);
    } else {
      s = db->CompactAll();
      if (!s.ok() && (!s.IsIOError() || n == 0)) {
        ADD_FAILURE() << what << ": CompactAll returned " << s.ToString();
        return false;
      }
      ++(s.ok() ? unnoticed_ : read_failed_);
    }
    if (reads != nullptr) {
      *reads = fs.reads() - base;
    }
    if (db != nullptr && !persistent && phase == Phase::kOpenAndRead) {
      // The error has passed: the same database reads everything.
      if (!CheckReads(*db, expected_, false, what + ", read again", &failed)) {
        return false;
      }
    }
    db.reset();
    fs.FailRead(0, false, Status::OK());
    s = DBImpl::Open(options_, kDbName, &fs, &db);
    if (!s.ok()) {
      ADD_FAILURE() << what << ": reopen after the fault cleared: " << s.ToString();
      return false;
    }
    if (!CheckReads(*db, expected_, false, what + ", after reopen", &failed)) {
      return false;
    }
    return db->Close().ok();
  }

  // The contents the workload leaves, read from a clean build.
  void LoadExpected() {
    MemFileSystem mem;
    Build(&mem);
    std::unique_ptr<DB> db;
    ASSERT_TRUE(DBImpl::Open(options_, kDbName, &mem, &db).ok());
    std::unique_ptr<Iterator> it = db->NewIterator(ReadOptions());
    for (it->SeekToFirst(); it->Valid(); it->Next()) {
      expected_.emplace(std::string(it->key()), std::string(it->value()));
    }
    ASSERT_TRUE(it->status().ok());
    ASSERT_EQ(test::MatchPrefix(workload_, kWrites, kWrites, expected_), kWrites);
  }

  static constexpr const char* kDbName = "/db";
  const std::vector<test::WorkloadWrite> workload_;
  Options options_;
  Contents expected_;
  // Runs whose error failed Open; failed a read or the compaction; went
  // unnoticed (a read the engine retries or does not need).
  int open_failed_ = 0;
  int read_failed_ = 0;
  int unnoticed_ = 0;
};

TEST_F(DBReadErrorSweepTest, EveryReadFailingGivesIOErrorAndNeverAWrongValue) {
  ASSERT_NO_FATAL_FAILURE(LoadExpected());
  int runs = 0;
  for (const Phase phase : {Phase::kOpenAndRead, Phase::kCompact}) {
    std::uint64_t reads = 0;
    ASSERT_TRUE(Run(phase, 0, false, &reads));
    // A compaction reads tables and a WAL; reads of the data are many.
    ASSERT_GT(reads, 20u);
    for (std::uint64_t n = 1; n <= reads; ++n) {
      for (const bool persistent : {false, true}) {
        ASSERT_TRUE(Run(phase, n, persistent)) << "read " << n << " of " << reads;
        ++runs;
      }
    }
    std::printf("%s: %llu reads, each failing once and from then on\n",
                phase == Phase::kCompact ? "open and compact" : "open and read everything",
                static_cast<unsigned long long>(reads));
  }
  std::printf("%d runs: %d failed Open, %d failed a read or the compaction, %d went unnoticed\n",
              runs, open_failed_, read_failed_, unnoticed_ - 2);
}

}  // namespace
}  // namespace aeternus
