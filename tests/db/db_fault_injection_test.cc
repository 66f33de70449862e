// Power-loss and I/O-error behaviour of the DB, on an in-memory file system
// wrapped by FaultInjectionFileSystem: synced writes survive, unsynced ones
// are lost only as a suffix, and failed I/O stops writes without losing
// anything acknowledged.

#include <cstdio>
#include <memory>
#include <string>

#include <gtest/gtest.h>

#include "aeternus/db.h"

#include "db/db_impl.h"
#include "env/fault_injection_file_system.h"
#include "env/mem_file_system.h"

namespace aeternus {
namespace {

std::string Key(int i) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "key%08d", i);
  return buf;
}
std::string Value(int i, int round) {
  return "value-" + std::to_string(i) + "-" + std::to_string(round) + std::string(100, 'x');
}

class DBFaultInjectionTest : public ::testing::Test {
 protected:
  DBFaultInjectionTest() : fs_(&mem_) {
    options_.write_buffer_size = 64 << 10;
    options_.max_write_buffer_number = 2;
  }

  Status Open() { return DBImpl::Open(options_, dbname_, &fs_, &db_); }

  // Cuts the power, destroys the DB, and leaves only what was durable.
  void PowerLoss(bool torn, std::uint32_t seed) {
    fs_.SetFilesystemActive(false);
    db_.reset();
    ASSERT_TRUE(torn ? fs_.DropRandomUnsyncedData(seed).ok() : fs_.DropUnsyncedData().ok());
    ASSERT_TRUE(fs_.DeleteFilesCreatedAfterLastDirSync().ok());
    fs_.SetFilesystemActive(true);
  }

  std::string Get(std::string_view key) {
    std::string value;
    Status s = db_->Get(ReadOptions(), key, &value);
    if (s.IsNotFound()) {
      return "NOT_FOUND";
    }
    return s.ok() ? value : s.ToString();
  }

  MemFileSystem mem_;
  FaultInjectionFileSystem fs_;
  Options options_;
  const std::string dbname_ = "/db";
  std::unique_ptr<DB> db_;
};

TEST_F(DBFaultInjectionTest, SyncedWritesSurvivePowerLossAndUnsyncedAreLostOnlyAsSuffix) {
  constexpr int kSynced = 1500;
  constexpr int kUnsynced = 1500;
  for (int round = 0; round < 6; ++round) {
    ASSERT_TRUE(Open().ok()) << round;
    // Everything from the previous rounds is there.
    for (int i = 0; i < kSynced; ++i) {
      if (round > 0) {
        ASSERT_EQ(Get(Key(i)), Value(i, round - 1)) << "round " << round;
      }
    }
    for (int i = 0; i < kSynced; ++i) {
      ASSERT_TRUE(db_->Put(WriteOptions{.sync = true}, Key(i), Value(i, round)).ok());
    }
    for (int i = kSynced; i < kSynced + kUnsynced; ++i) {
      ASSERT_TRUE(db_->Put(WriteOptions{.sync = false}, Key(i), Value(i, round)).ok());
    }
    PowerLoss(/*torn=*/round % 2 == 1, /*seed=*/static_cast<std::uint32_t>(round));

    ASSERT_TRUE(Open().ok()) << round;
    for (int i = 0; i < kSynced; ++i) {
      ASSERT_EQ(Get(Key(i)), Value(i, round)) << "synced key " << i << " round " << round;
    }
    // Unsynced keys: a prefix of them may survive, then none: no holes, and
    // never a value that was not written.
    bool lost = false;
    for (int i = kSynced; i < kSynced + kUnsynced; ++i) {
      std::string got = Get(Key(i));
      if (got == Value(i, round)) {
        EXPECT_FALSE(lost) << "hole before key " << i << " in round " << round;
      } else {
        lost = true;
        // An older round's value for this key was itself unsynced and may
        // or may not have survived; nothing else may appear.
        if (got != "NOT_FOUND") {
          bool older = false;
          for (int r = 0; r < round; ++r) {
            older = older || got == Value(i, r);
          }
          EXPECT_TRUE(older) << "unexpected value for key " << i << ": " << got;
        }
      }
    }
    if (round % 2 == 0) {
      // Without a torn tail the power loss drops exactly what was unsynced,
      // so the last unsynced write is gone: the simulation really loses data.
      EXPECT_NE(Get(Key(kSynced + kUnsynced - 1)), Value(kSynced + kUnsynced - 1, round));
    }
    // Bring every key to this round's value durably for the next round.
    for (int i = 0; i < kSynced; ++i) {
      ASSERT_TRUE(db_->Put(WriteOptions{.sync = true}, Key(i), Value(i, round)).ok());
    }
    ASSERT_TRUE(db_->Close().ok());
    db_.reset();
  }
}

TEST_F(DBFaultInjectionTest, SyncErrorStopsWritesKeepsReadsAndReopenRecovers) {
  ASSERT_TRUE(Open().ok());
  for (int i = 0; i < 100; ++i) {
    ASSERT_TRUE(db_->Put(WriteOptions{.sync = true}, Key(i), Value(i, 0)).ok());
  }
  fs_.InjectSyncErrors(1, 1);  // every sync fails from now on
  Status s = db_->Put(WriteOptions{.sync = true}, Key(1000), "lost");
  EXPECT_TRUE(s.IsIOError()) << s.ToString();
  // Writes stay refused, with the cause in the message.
  s = db_->Put(WriteOptions{.sync = false}, Key(1001), "also refused");
  EXPECT_TRUE(s.IsIOError()) << s.ToString();
  EXPECT_NE(s.ToString().find("WAL"), std::string::npos) << s.ToString();
  // Reads still work.
  for (int i = 0; i < 100; ++i) {
    ASSERT_EQ(Get(Key(i)), Value(i, 0));
  }
  fs_.InjectSyncErrors(0, 0);
  db_.reset();
  ASSERT_TRUE(Open().ok());
  for (int i = 0; i < 100; ++i) {
    ASSERT_EQ(Get(Key(i)), Value(i, 0));
  }
  // The failed write was never acknowledged; either outcome is allowed, but
  // the database accepts writes again.
  ASSERT_TRUE(db_->Put(WriteOptions{.sync = true}, Key(2000), "new").ok());
  EXPECT_EQ(Get(Key(2000)), "new");
}

TEST_F(DBFaultInjectionTest, FlushErrorStopsWritesAndReopenRecoversEverything) {
  ASSERT_TRUE(Open().ok());
  for (int i = 0; i < 50; ++i) {
    ASSERT_TRUE(db_->Put(WriteOptions{.sync = true}, Key(i), Value(i, 0)).ok());
  }
  // Fail every directory sync: the flush cannot make its table durable.
  fs_.InjectSyncErrors(1, 7);
  Status s = db_->Flush();
  EXPECT_FALSE(s.ok());
  for (int i = 0; i < 50; ++i) {
    ASSERT_EQ(Get(Key(i)), Value(i, 0));
  }
  EXPECT_FALSE(db_->Put(WriteOptions{.sync = false}, Key(100), "refused").ok());
  fs_.InjectSyncErrors(0, 0);
  db_.reset();
  ASSERT_TRUE(Open().ok());
  for (int i = 0; i < 50; ++i) {
    ASSERT_EQ(Get(Key(i)), Value(i, 0));
  }
}

TEST_F(DBFaultInjectionTest, RandomWriteErrorsNeverLoseAcknowledgedWrites) {
  ASSERT_TRUE(Open().ok());
  fs_.InjectWriteErrors(200, 3);
  int acknowledged = 0;
  for (int i = 0; i < 2000; ++i) {
    if (!db_->Put(WriteOptions{.sync = true}, Key(i), Value(i, 0)).ok()) {
      break;
    }
    acknowledged = i + 1;
  }
  fs_.InjectWriteErrors(0, 0);
  db_.reset();
  ASSERT_TRUE(Open().ok());
  for (int i = 0; i < acknowledged; ++i) {
    ASSERT_EQ(Get(Key(i)), Value(i, 0)) << i;
  }
}

}  // namespace
}  // namespace aeternus
