// Power loss at every durability point of a workload, in turn: the
// fault-injection file system cuts the power as its n-th sync, directory
// sync, rename, file creation or removal begins, for n = 1, 2, ... up to
// one past the number a whole run makes; what was written since the point
// before is unsynced. The workload (puts, deletes, range
// deletes, batches, one synced write in six, flushes and compactions from
// a 64 KiB write buffer, a full compaction midway) stops at its first
// failed call. After each loss, what was not durable is dropped (torn, with
// garbage, on every other run), the database must open, and it must hold
// exactly the state after some prefix of the writes: at least every write
// up to the last synced one acknowledged, at most the one in flight.

#include <cstdint>
#include <algorithm>
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

constexpr int kWrites = 600;
constexpr int kKeys = 200;
constexpr int kCompactAllAt = 300;  // before this write

struct RunResult {
  int acknowledged = 0;        // writes that returned OK, in order
  int durable_at_least = 0;    // writes up to the last synced one acknowledged
  std::uint64_t points = 0;    // durability points made
};

class DBPowerLossSweepTest : public ::testing::Test {
 protected:
  DBPowerLossSweepTest() : workload_(test::MakeWriteWorkload(7, kWrites, kKeys, 6, 150)) {
    options_.write_buffer_size = 64 << 10;
    options_.target_file_size = 32 << 10;
    options_.l0_compaction_trigger = 2;
  }

  // Runs the workload on a fresh file system that cuts the power at its
  // `cut`-th durability point (0: never) and stops at the first failed call.
  RunResult RunWorkload(std::uint64_t cut) {
    mem_ = std::make_unique<MemFileSystem>();
    fs_ = std::make_unique<FaultInjectionFileSystem>(mem_.get());
    fs_->CutPowerAt(cut);
    RunResult r;
    std::unique_ptr<DB> db;
    if (DBImpl::Open(options_, kDbName, fs_.get(), &db).ok()) {
      for (int i = 0; i < kWrites; ++i) {
        if (i == kCompactAllAt && !db->CompactAll().ok()) {
          break;
        }
        WriteOptions wo;
        wo.sync = workload_[i].sync;
        if (!test::ApplyToDB(workload_[i].updates, *db, wo).ok()) {
          break;
        }
        r.acknowledged = i + 1;
        if (workload_[i].sync) {
          r.durable_at_least = i + 1;
        }
      }
      if (cut == 0) {
        EXPECT_TRUE(db->Close().ok());
      }
    }
    db.reset();
    r.points = fs_->durability_points();
    return r;
  }

  // After the loss: the database opens and holds the state of a prefix of
  // the writes, of length in [durable_at_least, acknowledged + 1]; returns
  // that length (0 after a failure).
  int CheckRecovered(std::uint64_t cut, const RunResult& r) {
    std::unique_ptr<DB> db;
    const Status s = DBImpl::Open(options_, kDbName, fs_.get(), &db);
    if (!s.ok()) {
      ADD_FAILURE() << "power cut at point " << cut << ": reopen: " << s.ToString();
      return 0;
    }
    std::map<std::string, std::string> found;
    std::unique_ptr<Iterator> it = db->NewIterator(ReadOptions());
    for (it->SeekToFirst(); it->Valid(); it->Next()) {
      found.emplace(std::string(it->key()), std::string(it->value()));
    }
    if (!it->status().ok()) {
      ADD_FAILURE() << "power cut at point " << cut << ": " << it->status().ToString();
      return 0;
    }
    it.reset();
    const int most = std::min(kWrites, r.acknowledged + 1);
    const std::optional<int> matched = test::MatchPrefix(workload_, r.durable_at_least, most, found);
    if (!matched.has_value()) {
      ADD_FAILURE() << "power cut at point " << cut << ": the database (" << found.size()
        << " keys) is no prefix of the writes from " << r.durable_at_least << " to " << most
        << " (" << r.acknowledged << " acknowledged)";
      return 0;
    }
    EXPECT_TRUE(db->Close().ok());
    return std::min(*matched, r.acknowledged);
  }

  static constexpr const char* kDbName = "/db";
  const std::vector<test::WorkloadWrite> workload_;
  Options options_;
  std::unique_ptr<MemFileSystem> mem_;
  std::unique_ptr<FaultInjectionFileSystem> fs_;
};

TEST_F(DBPowerLossSweepTest, EveryDurabilityPointRecoversAPrefixWithEverySyncedWrite) {
  const RunResult whole = RunWorkload(0);
  ASSERT_EQ(whole.acknowledged, kWrites);
  // Flushes, compactions and the full compaction make many points beyond
  // the synced writes' own.
  ASSERT_GT(whole.points, static_cast<std::uint64_t>(kWrites / 6 + 20));
  std::uint64_t losses = 0;
  std::uint64_t lost_acknowledged = 0;  // unsynced writes a loss took
  for (std::uint64_t cut = 1; cut <= whole.points + 1; ++cut) {
    const RunResult r = RunWorkload(cut);
    ASSERT_FALSE(fs_->IsFilesystemActive() && cut <= whole.points / 2)
        << "the power was never cut at point " << cut;
    const bool torn = cut % 2 == 0;
    ASSERT_TRUE(torn ? fs_->DropRandomUnsyncedData(static_cast<std::uint32_t>(cut)).ok()
                     : fs_->DropUnsyncedData().ok());
    ASSERT_TRUE(fs_->DeleteFilesCreatedAfterLastDirSync().ok());
    fs_->CutPowerAt(0);
    fs_->SetFilesystemActive(true);
    lost_acknowledged += static_cast<std::uint64_t>(r.acknowledged - CheckRecovered(cut, r));
    if (HasFatalFailure()) {
      return;
    }
    ++losses;
  }
  // The losses did take acknowledged unsynced writes: the sweep tests more
  // than synced data.
  EXPECT_GT(lost_acknowledged, 0u);
  std::printf("%llu power losses, one at each durability point; %llu acknowledged unsynced "
              "writes lost in all\n",
              static_cast<unsigned long long>(losses),
              static_cast<unsigned long long>(lost_acknowledged));
}

}  // namespace
}  // namespace aeternus
