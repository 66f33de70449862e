// I/O errors at the n-th file-system operation of a workload, for n = 1 ..
// 300 (every Append, Flush, Sync, file creation, directory sync, rename,
// removal), as EIO and as ENOSPC, once and from then on. The workload
// (puts, deletes, range deletes, batches, one write in five synced, a
// 64 KiB write buffer filled every 30 writes or so, a level-0 trigger of 2,
// a full compaction after the 60th write) runs until a write fails. Then:
//   - the failed write returned IOError, and no later write succeeds before
//     a reopen (five more are tried);
//   - reads go on and show exactly the acknowledged writes;
//   - once the fault is cleared, the database reopens and holds every
//     acknowledged write, synced or not (no power was lost), and at most
//     the one that failed besides.
// An error that no write sees (the removal of an obsolete file) leaves the
// workload to finish, with the same checks at the end.

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <map>
#include <memory>
#include <optional>
#include <string>
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
constexpr int kCompactAllAt = 60;
constexpr std::uint64_t kOperations = 300;

class DBIOErrorSweepTest : public ::testing::Test {
 protected:
  DBIOErrorSweepTest() : workload_(test::MakeWriteWorkload(11, kWrites, kKeys, 5, 1000)) {
    options_.write_buffer_size = 64 << 10;
    options_.target_file_size = 32 << 10;
    options_.l0_compaction_trigger = 2;
  }

  std::map<std::string, std::string> Contents(DB& db, Status* status) {
    std::map<std::string, std::string> found;
    std::unique_ptr<Iterator> it = db.NewIterator(ReadOptions());
    for (it->SeekToFirst(); it->Valid(); it->Next()) {
      found.emplace(std::string(it->key()), std::string(it->value()));
    }
    *status = it->status();
    return found;
  }

  // One run with the n-th operation failing (n = 0: none); returns false
  // after a failed check (reported). *operations: those the run made
  // before the reopen.
  bool RunWithError(std::uint64_t n, bool persistent, const Status& error,
                    std::uint64_t* operations = nullptr) {
    const std::string what = "error " + error.ToString() + " at operation " +
                             std::to_string(n) + (persistent ? " and after" : " only");
    MemFileSystem mem;
    FaultInjectionFileSystem fs(&mem);
    fs.FailOperation(n, persistent, error);
    std::unique_ptr<DB> db;
    int acknowledged = 0;
    Status s = DBImpl::Open(options_, kDbName, &fs, &db);
    if (!s.ok()) {
      if (!s.IsIOError()) {
        ADD_FAILURE() << what << ": Open returned " << s.ToString();
        return false;
      }
    } else {
      for (int i = 0; i < kWrites; ++i) {
        if (i == kCompactAllAt) {
          s = db->CompactAll();
          if (!s.ok()) {
            break;
          }
        }
        WriteOptions wo;
        wo.sync = workload_[i].sync;
        s = test::ApplyToDB(workload_[i].updates, *db, wo);
        if (!s.ok()) {
          break;
        }
        acknowledged = i + 1;
      }
      if (!s.ok()) {
        if (!s.IsIOError()) {
          ADD_FAILURE() << what << ": write " << acknowledged << " returned " << s.ToString();
          return false;
        }
        for (int i = acknowledged + 1; i < std::min(kWrites, acknowledged + 6); ++i) {
          if (test::ApplyToDB(workload_[i].updates, *db, WriteOptions()).ok()) {
            ADD_FAILURE() << what << ": write " << i << " succeeded after write "
                          << acknowledged << " failed";
            return false;
          }
        }
      }
      Status read;
      const auto found = Contents(*db, &read);
      if (!read.ok() || test::MatchPrefix(workload_, acknowledged, acknowledged, found) !=
                            std::optional<int>(acknowledged)) {
        ADD_FAILURE() << what << ": reads after the error do not show the " << acknowledged
                      << " acknowledged writes (" << read.ToString() << ")";
        return false;
      }
      db.reset();
    }
    if (operations != nullptr) {
      *operations = fs.operations();
    }
    fs.FailOperation(0, false, Status::OK());
    s = DBImpl::Open(options_, kDbName, &fs, &db);
    if (!s.ok()) {
      ADD_FAILURE() << what << ": reopen after the fault cleared: " << s.ToString();
      return false;
    }
    Status read;
    const auto found = Contents(*db, &read);
    const int most = std::min(kWrites, acknowledged + 1);
    if (!read.ok() || !test::MatchPrefix(workload_, acknowledged, most, found).has_value()) {
      ADD_FAILURE() << what << ": after reopen, the database does not hold the " << acknowledged
                    << " acknowledged writes (" << read.ToString() << ")";
      return false;
    }
    return db->Close().ok();
  }

  static constexpr const char* kDbName = "/db";
  const std::vector<test::WorkloadWrite> workload_;
  Options options_;
};

TEST_F(DBIOErrorSweepTest, EveryOperationFailingKeepsAcknowledgedWrites) {
  const Status eio = Status::IOError("injected", "Input/output error (EIO)");
  const Status enospc = Status::IOError("injected", "No space left on device (ENOSPC)");
  // Without a fault the workload makes more operations than the sweep
  // covers, flushes and compactions among them.
  std::uint64_t whole = 0;
  ASSERT_TRUE(RunWithError(0, false, eio, &whole));
  ASSERT_GT(whole, kOperations);
  int runs = 0;
  for (std::uint64_t n = 1; n <= kOperations; ++n) {
    for (const bool persistent : {false, true}) {
      ASSERT_TRUE(RunWithError(n, persistent, n % 2 == 0 ? eio : enospc));
      ASSERT_TRUE(RunWithError(n, persistent, n % 2 == 0 ? enospc : eio));
      runs += 2;
    }
  }
  std::printf("%d runs: operations 1 to %llu, EIO and ENOSPC, once and from then on\n", runs,
              static_cast<unsigned long long>(kOperations));
}

}  // namespace
}  // namespace aeternus
