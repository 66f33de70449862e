// Recovery: what Open finds after a crash or after damage to the files.
//  - a process killed at a random moment (SIGKILL) while writing with
//    sync=true, often during memtable switches and flushes: every
//    acknowledged write is there, and nothing that was never written (also
//    with sync=false: a process crash alone loses nothing);
//  - a torn WAL tail (truncated last record, garbage or zeros appended):
//    Open succeeds with all synced data;
//  - a flipped byte in a table's data block or footer: Corruption, never a
//    wrong value, never a crash;
//  - damage in the middle of a WAL, followed by synced records: Open fails
//    with Corruption naming the file.

#include <fcntl.h>
#include <signal.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "aeternus/db.h"
#include "aeternus/iterator.h"
#include "aeternus/options.h"
#include "aeternus/status.h"

#include "testutil/child_pipe.h"
#include "testutil/db_test_base.h"
#include "testutil/file_util.h"
#include "testutil/model_compare.h"
#include "testutil/model_updates.h"
#include "testutil/random.h"

namespace aeternus::test {
namespace {

using Model = std::map<std::string, std::string>;

// ---------------------------------------------------------------------------
// (a) Crash recovery with a forked writer killed by SIGKILL.

std::string CrashKey(int round, std::uint32_t i) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "r%02d-%06u", round, i);
  return buf;
}

// The updates of operation `i` of `round`; more than one update means one
// WriteBatch. Deterministic, so parent and child agree.
std::vector<Update> CrashOp(std::uint64_t seed, int round, std::uint32_t i) {
  Random rnd(seed + (static_cast<std::uint64_t>(round) << 32) + i);
  const std::string key = CrashKey(round, i);
  auto value = [&](const std::string& k) { return k + ":" + rnd.Printable(rnd.Range(100, 1500)); };
  if (i % 50 == 49) {
    return {{Update::kDeleteRange, CrashKey(round, i - 10), CrashKey(round, i - 5)}};
  }
  if (i % 4 == 3) {
    return {{Update::kPut, key + "a", value(key + "a")},
            {Update::kPut, key + "b", value(key + "b")},
            {Update::kPut, "hot", key},
            {Update::kDelete, CrashKey(round, i - 3), ""}};
  }
  return {{Update::kPut, key, value(key)}};
}

constexpr std::uint32_t kChildFailed = 0xffffffffu;

// Runs in the forked child: opens the DB and applies operations 0, 1, ...
// with sync=true, writing each operation's index to `fd` once it is
// acknowledged. On an error writes kChildFailed and the message. Never
// returns.
[[noreturn]] void CrashChild(const Options& options, const std::string& dbname, bool sync,
                             std::uint64_t seed, int round, int fd) {
  auto fail = [&](const Status& s) {
    const std::uint32_t marker = kChildFailed;
    WriteAll(fd, &marker, sizeof(marker));
    const std::string text = s.ToString();
    WriteAll(fd, text.data(), text.size());
    _exit(3);
  };
  std::unique_ptr<DB> db;
  Status s = DB::Open(options, dbname, &db);
  if (!s.ok()) {
    fail(s);
  }
  WriteOptions wo;
  wo.sync = sync;
  for (std::uint32_t i = 0; i < 1000000; ++i) {
    s = ApplyToDB(CrashOp(seed, round, i), *db, wo);
    if (!s.ok()) {
      fail(s);
    }
    WriteAll(fd, &i, sizeof(i));
  }
  _exit(0);
}

class DBRecoveryTest : public DBTestBase {
 protected:
  // Runs `rounds` crash rounds of writes with the given sync option and
  // checks recovery after each one.
  void RunCrashRounds(int rounds, std::uint64_t seed, bool sync = true) {
    SCOPED_TRACE("seed " + std::to_string(seed) + " (set AETERNUS_TEST_SEED to replay)");
    options_.write_buffer_size = kSmallWriteBuffer;
    options_.max_write_buffer_number = 2;
    Random rnd(seed);
    Model state;  // what the DB held after the previous round
    for (int round = 0; round < rounds; ++round) {
      SCOPED_TRACE("round " + std::to_string(round));
      // Mostly kills after some acknowledged writes; sometimes a kill at a
      // random time that may fall inside Open's recovery.
      const bool early_kill = round % 5 == 4;
      const std::uint32_t kill_after =
          early_kill ? 0 : static_cast<std::uint32_t>(rnd.Range(20, 1200));
      const auto extra_delay =
          std::chrono::microseconds(early_kill ? rnd.Uniform(30000) : rnd.Uniform(3000));

      pid_t pid = -1;
      int from_child = -1;
      auto child = [&](int out) { CrashChild(options_, dbname_, sync, seed, round, out); };
      ASSERT_EQ(ForkWithPipe(child, &pid, &from_child), "");

      std::string received;
      std::uint32_t acked = 0;
      bool killed = false;
      bool in_order = true;
      auto consume = [&]() {
        while (received.size() >= 4 && in_order) {
          std::uint32_t index;
          std::memcpy(&index, received.data(), 4);
          if (index == kChildFailed) {
            return;
          }
          if (index != acked) {
            in_order = false;
            ADD_FAILURE() << "acknowledgement " << index << " where " << acked << " was due";
            return;
          }
          ++acked;
          received.erase(0, 4);
        }
      };
      if (early_kill) {
        std::this_thread::sleep_for(extra_delay);
        ::kill(pid, SIGKILL);
        killed = true;
      }
      char buf[4096];
      for (;;) {
        const ssize_t n = ::read(from_child, buf, sizeof(buf));
        if (n < 0 && errno == EINTR) {
          continue;
        }
        if (n <= 0) {
          break;
        }
        received.append(buf, static_cast<std::size_t>(n));
        consume();
        if (!killed && (acked >= kill_after || !in_order)) {
          std::this_thread::sleep_for(extra_delay);
          ::kill(pid, SIGKILL);
          killed = true;
        }
      }
      ::close(from_child);
      int wstatus = 0;
      ASSERT_EQ(::waitpid(pid, &wstatus, 0), pid);
      ASSERT_TRUE(in_order);
      if (received.size() >= 4) {
        std::uint32_t marker;
        std::memcpy(&marker, received.data(), 4);
        if (marker == kChildFailed) {
          FAIL() << "child failed after " << acked
                 << " acknowledged operations: " << received.substr(4);
        }
      }
      ASSERT_TRUE(WIFSIGNALED(wstatus) && WTERMSIG(wstatus) == SIGKILL)
          << "child ended on its own, status " << wstatus;

      // Recovery must give the state after exactly `acked` operations, or
      // after acked + 1 (the operation in flight at the kill).
      ASSERT_OK(Open());
      Model actual;
      ASSERT_OK(ReadAll(db(), &actual));
      auto [with_acked, with_in_flight] =
          StatesAfterKill(state, acked, [&](std::uint32_t i) { return CrashOp(seed, round, i); });
      if (actual == with_acked || actual == with_in_flight) {
        std::printf(
            "[ crash    ] round %d: killed after %u acknowledged operations; recovered %u\n", round,
            acked, actual == with_acked ? acked : acked + 1);
        state = actual == with_acked ? std::move(with_acked) : std::move(with_in_flight);
      } else {
        FAIL() << "after " << acked << " acknowledged operations the recovered state"
               << " matches neither " << acked << " nor " << acked + 1
               << " operations; differences from the acknowledged state:"
               << DescribeDiff(with_acked, actual);
      }
      // Point reads agree with the iterator.
      const std::string prefix = CrashKey(round, 0).substr(0, 4);
      for (const auto& [k, v] : state) {
        if (k.compare(0, prefix.size(), prefix) == 0 || k == "hot") {
          ASSERT_EQ(Get(k), v) << Escape(k);
        }
      }
      ASSERT_OK(Close());
    }
  }
};

TEST_F(DBRecoveryTest, KillDuringSyncedWritesKeepsAcknowledgedWrites) {
  RunCrashRounds(8, TestSeed(20240601));
}

// WriteOptions: "A crash of the process alone loses nothing", also with
// sync=false.
TEST_F(DBRecoveryTest, KillDuringUnsyncedWritesLosesNothing) {
  RunCrashRounds(5, TestSeed(99), /*sync=*/false);
}

// The long variant runs only with AETERNUS_LONG_TESTS=1 (CTest label long).
TEST_F(DBRecoveryTest, KillDuringSyncedWritesKeepsAcknowledgedWritesLong) {
  if (!LongTestsEnabled()) {
    GTEST_SKIP() << "set AETERNUS_LONG_TESTS=1 to run";
  }
  RunCrashRounds(60, TestSeed(777));
}

// ---------------------------------------------------------------------------
// (b) Torn WAL tail. A torn tail comes from a crash, so the logs damaged
// here are left by a child process that exits without closing the DB.

// Writes n keys "key%04d" -> distinctive values with sync=true.
std::string TailKey(int i) {
  char buf[16];
  std::snprintf(buf, sizeof(buf), "key%04d", i);
  return buf;
}
std::string TailValue(int i) { return "value-" + std::to_string(i) + "-" + std::string(80, 'v'); }

class DBWalTailTest : public DBTestBase {
 protected:
  DBWalTailTest() : DBTestBase(LargeBufferOptions()) {}

  // A write buffer large enough that nothing is flushed: every write of
  // these tests stays in one WAL.
  static Options LargeBufferOptions() {
    Options o = SmallOptions();
    o.write_buffer_size = 4u << 20;
    return o;
  }

  void WriteSynced(int from, int to) {
    for (int i = from; i < to; ++i) {
      ASSERT_OK(db().Put(WriteOptions{.sync = true}, TailKey(i), TailValue(i)));
    }
  }

  void ExpectKeys(int from, int to) {
    for (int i = from; i < to; ++i) {
      ASSERT_EQ(Get(TailKey(i)), TailValue(i));
    }
  }

  // Fresh DB in sub-directory `name`: a child process writes keys [0, n)
  // (then "last" = last_value unless empty) with sync=true and exits
  // without closing the DB, as a crash would: its WAL has no close record.
  void MakeCrashedDB(const std::string& name, int n, const std::string& last_value = "") {
    dbname_ = tmp_.Sub(name);
    ASSERT_EQ(db_, nullptr);
    const pid_t pid = ::fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
      std::unique_ptr<DB> db;
      if (!DB::Open(options_, dbname_, &db).ok()) {
        _exit(2);
      }
      for (int i = 0; i < n; ++i) {
        if (!db->Put(WriteOptions{.sync = true}, TailKey(i), TailValue(i)).ok()) {
          _exit(3);
        }
      }
      if (!last_value.empty() && !db->Put(WriteOptions{.sync = true}, "last", last_value).ok()) {
        _exit(4);
      }
      _exit(0);  // no Close, no destructor
    }
    int wstatus = 0;
    ASSERT_EQ(::waitpid(pid, &wstatus, 0), pid);
    ASSERT_TRUE(WIFEXITED(wstatus) && WEXITSTATUS(wstatus) == 0)
        << "writer child failed, status " << wstatus;
    ASSERT_FALSE(NewestFile(dbname_, ".log").empty()) << "no .log file in " << dbname_;
  }

  // Fresh DB in a sub-directory `name` holding keys [0, n), closed.
  void MakeClosedDB(const std::string& name, int n) {
    dbname_ = tmp_.Sub(name);
    ASSERT_OK(Open());
    WriteSynced(0, n);
    ASSERT_OK(Close());
    ASSERT_FALSE(NewestFile(dbname_, ".log").empty()) << "no .log file in " << dbname_;
  }
};

// Position of `needle` in the file, or npos.
std::size_t FindInFile(const std::string& path, const std::string& needle) {
  std::string data;
  if (!ReadFileToString(path, &data).empty()) {
    return std::string::npos;
  }
  return data.rfind(needle);
}

TEST_F(DBWalTailTest, TruncatedLastRecordIsIgnored) {
  const std::string last_value = "LAST-" + std::string(1000, 'L');
  MakeCrashedDB("db", 50, last_value);
  const std::string log = NewestFile(dbname_, ".log");
  const std::size_t pos = FindInFile(log, last_value);
  ASSERT_NE(pos, std::string::npos) << "last value not found in " << log;
  ASSERT_EQ(TruncateFile(log, pos + 500), "");

  ASSERT_OK(Open());
  ExpectKeys(0, 50);
  EXPECT_EQ(Get("last"), "NOT_FOUND");
  // The torn tail must not turn into mid-log damage once more is written.
  WriteSynced(50, 60);
  ASSERT_OK(Reopen());
  ExpectKeys(0, 60);
  EXPECT_EQ(Get("last"), "NOT_FOUND");
}

TEST_F(DBWalTailTest, LogCutAtEveryPointOfLastRecordRecoversPrefix) {
  const std::string last_value = "LAST-" + std::string(200, 'L');
  MakeCrashedDB("orig", 20, last_value);
  const std::string orig = dbname_;
  const std::string orig_log = NewestFile(orig, ".log");
  std::string full;
  ASSERT_EQ(ReadFileToString(orig_log, &full), "");
  const std::size_t value_pos = full.rfind(last_value);
  ASSERT_NE(value_pos, std::string::npos) << "last value not found in " << orig_log;
  // From the end of the previous write's value (the end of its record) to
  // one byte short of the end of the last record (the file may go on with
  // preallocated zeros), each cut on a fresh copy of the directory.
  const std::size_t prev_pos = full.rfind(TailValue(19));
  ASSERT_NE(prev_pos, std::string::npos);
  const std::size_t from = prev_pos + TailValue(19).size();
  ASSERT_LT(from, value_pos);
  const std::size_t record_end = value_pos + last_value.size();
  for (std::size_t cut = from; cut < record_end; cut += 5) {
    SCOPED_TRACE("log cut to " + std::to_string(cut) + " of " + std::to_string(full.size()));
    dbname_ = tmp_.Sub("cut" + std::to_string(cut));
    std::error_code ec;
    std::filesystem::copy(orig, dbname_, std::filesystem::copy_options::recursive, ec);
    ASSERT_FALSE(ec) << ec.message();
    ASSERT_EQ(TruncateFile(dbname_ + "/" + BaseName(orig_log), cut), "");
    ASSERT_OK(Open());
    ExpectKeys(0, 20);
    EXPECT_EQ(Get("last"), "NOT_FOUND");
    ASSERT_OK(Close());
    std::filesystem::remove_all(dbname_, ec);
  }
}

TEST_F(DBWalTailTest, GarbageAppendedToWalIsIgnored) {
  Random rnd(TestSeed(4242));
  for (std::size_t len : {1, 3, 7, 11, 33, 100, 1000}) {
    SCOPED_TRACE("garbage bytes: " + std::to_string(len));
    MakeCrashedDB("garbage" + std::to_string(len), 30);
    ASSERT_EQ(AppendToFile(NewestFile(dbname_, ".log"), rnd.Bytes(len)), "");
    ASSERT_OK(Open());
    ExpectKeys(0, 30);
    WriteSynced(30, 40);
    ASSERT_OK(Reopen());
    ExpectKeys(0, 40);
    ASSERT_OK(Close());
  }
}

TEST_F(DBWalTailTest, ZerosAppendedToWalAreIgnored) {
  for (std::size_t len : {1, 7, 4096, 40000}) {
    SCOPED_TRACE("zero bytes: " + std::to_string(len));
    MakeCrashedDB("zeros" + std::to_string(len), 30);
    ASSERT_EQ(AppendToFile(NewestFile(dbname_, ".log"), std::string(len, '\0')), "");
    ASSERT_OK(Open());
    ExpectKeys(0, 30);
    WriteSynced(30, 40);
    ASSERT_OK(Reopen());
    ExpectKeys(0, 40);
    ASSERT_OK(Close());
  }
}

TEST_F(DBWalTailTest, BytesAfterCloseRecordAreCorruption) {
  // A cleanly closed WAL ends with its close record; nothing may follow
  // (docs/format/wal.md, "Close record").
  MakeClosedDB("db", 30);
  const std::string log = NewestFile(dbname_, ".log");
  ASSERT_EQ(AppendToFile(log, "x"), "");
  Status s = Open();
  EXPECT_TRUE(s.IsCorruption()) << s.ToString();
  EXPECT_NE(s.message().find(BaseName(log)), std::string_view::npos) << s.ToString();
}

// ---------------------------------------------------------------------------
// (d) Damage in the middle of a WAL.

TEST_F(DBWalTailTest, DamageInMiddleOfWalFailsOpenNamingTheFile) {
  MakeClosedDB("db", 200);
  const std::string log = NewestFile(dbname_, ".log");
  const std::size_t pos = FindInFile(log, TailValue(100));
  ASSERT_NE(pos, std::string::npos) << "value of key 100 not found in " << log;
  ASSERT_EQ(XorByte(log, pos + 20), "");
  Status s = Open();
  EXPECT_TRUE(s.IsCorruption()) << s.ToString();
  EXPECT_NE(s.message().find(BaseName(log)), std::string_view::npos)
      << "message does not name " << BaseName(log) << ": " << s.ToString();
}

TEST_F(DBWalTailTest, DamageInMiddleOfCrashedWalFailsOpenNamingTheFile) {
  // No close record: the synced records after the damage vouch for it.
  MakeCrashedDB("db", 200);
  const std::string log = NewestFile(dbname_, ".log");
  const std::size_t pos = FindInFile(log, TailValue(100));
  ASSERT_NE(pos, std::string::npos) << "value of key 100 not found in " << log;
  ASSERT_EQ(XorByte(log, pos + 20), "");
  Status s = Open();
  EXPECT_TRUE(s.IsCorruption()) << s.ToString();
  EXPECT_NE(s.message().find(BaseName(log)), std::string_view::npos)
      << "message does not name " << BaseName(log) << ": " << s.ToString();
}

TEST_F(DBWalTailTest, DamagedRecordHeaderInMiddleOfWalFailsOpen) {
  MakeClosedDB("db", 200);
  const std::string log = NewestFile(dbname_, ".log");
  // The bytes just before key 100 belong to its record or batch header.
  const std::size_t pos = FindInFile(log, TailKey(100));
  ASSERT_NE(pos, std::string::npos);
  ASSERT_GE(pos, 8u);
  for (std::size_t back : {1, 4, 8}) {
    SCOPED_TRACE("byte " + std::to_string(back) + " before the key");
    std::string original;
    ASSERT_EQ(ReadFileToString(log, &original), "");
    ASSERT_EQ(XorByte(log, pos - back, 0x40), "");
    Status s = Open();
    if (s.ok()) {
      // Open may accept it only when no synced write is lost or changed.
      ExpectKeys(0, 200);
      ASSERT_OK(Close());
    } else {
      EXPECT_TRUE(s.IsCorruption()) << s.ToString();
    }
    db_.reset();
    ASSERT_EQ(WriteStringToFile(log, original), "");
  }
}

// ---------------------------------------------------------------------------
// (c) Damaged tables.

class DBTableCorruptionTest : public DBTestBase {
 protected:
  static constexpr int kKeys = 300;

  static std::string Key(int i) {
    char buf[16];
    std::snprintf(buf, sizeof(buf), "tkey%05d", i);
    return buf;
  }
  static std::string Value(int i) {
    Random rnd(1000 + i);
    return "tval" + std::to_string(i) + "-" + rnd.Printable(100);
  }

  // A closed DB in sub-directory `name` with all keys in one table;
  // returns the table's path.
  std::string MakeTable(const std::string& name, const Options& options) {
    dbname_ = tmp_.Sub(name);
    options_ = options;
    EXPECT_OK(Open());
    for (int i = 0; i < kKeys; ++i) {
      EXPECT_OK(Put(Key(i), Value(i)));
    }
    EXPECT_OK(Flush());
    EXPECT_OK(Close());
    const auto tables = ListFiles(dbname_, ".sst");
    EXPECT_EQ(tables.size(), 1u);
    return tables.empty() ? std::string() : tables.back();
  }

  // After damage: Open either fails with Corruption, or every read gives
  // the right value or Corruption, and some read reports the damage.
  void ExpectCorruptionNeverWrongValue(const ReadOptions& ro) {
    Status s = Open();
    if (!s.ok()) {
      EXPECT_TRUE(s.IsCorruption()) << s.ToString();
      return;
    }
    int corrupt = 0;
    for (int i = 0; i < kKeys; ++i) {
      std::string value;
      s = db().Get(ro, Key(i), &value);
      if (s.IsCorruption()) {
        ++corrupt;
      } else {
        ASSERT_OK(s) << " for " << Key(i);
        ASSERT_EQ(value, Value(i)) << "wrong value for " << Key(i);
      }
    }
    EXPECT_GT(corrupt, 0) << "no Get reported the damage";

    // Iteration yields only correct pairs, in order, and ends in Corruption.
    for (bool forward : {true, false}) {
      SCOPED_TRACE(forward ? "forward" : "backward");
      auto it = db().NewIterator(ro);
      int seen = 0;
      std::string prev;
      for (forward ? it->SeekToFirst() : it->SeekToLast(); it->Valid();
           forward ? it->Next() : it->Prev()) {
        const std::string k(it->key());
        ASSERT_EQ(k.size(), Key(0).size()) << "bad key " << Escape(k);
        const int i = std::atoi(k.c_str() + 4);
        ASSERT_EQ(k, Key(i));
        ASSERT_EQ(it->value(), Value(i)) << "wrong value for " << k;
        if (seen > 0) {
          ASSERT_TRUE(forward ? prev < k : k < prev) << "order broken at " << k;
        }
        prev = k;
        ++seen;
      }
      EXPECT_TRUE(it->status().IsCorruption())
          << "iteration saw " << seen << " of " << kKeys << " keys and ended with "
          << it->status().ToString();
    }
    std::vector<std::pair<std::string, std::string>> out;
    s = db().Scan(ro, Key(0), "", 0, &out);
    EXPECT_TRUE(s.IsCorruption()) << s.ToString() << " with " << out.size() << " pairs";
    ASSERT_OK(Close());
  }
};

TEST_F(DBTableCorruptionTest, FlippedByteInDataBlockGivesCorruption) {
  struct Config {
    const char* name;
    bool paranoid;
    bool verify;
  };
  for (const Config& c :
       {Config{"paranoid", true, true}, Config{"verify_checksums only", false, true}}) {
    for (int victim : {0, 5, kKeys / 2, kKeys - 1}) {
      SCOPED_TRACE(std::string(c.name) + ", damage in the value of " + Key(victim));
      Options o = SmallOptions();
      o.block_size = 1024;
      o.paranoid_checks = c.paranoid;
      const std::string table =
          MakeTable(std::string(c.name).substr(0, 6) + std::to_string(victim), o);
      ASSERT_FALSE(table.empty());
      const std::size_t pos = FindInFile(table, Value(victim));
      ASSERT_NE(pos, std::string::npos) << "value not stored verbatim in " << table;
      ASSERT_EQ(XorByte(table, pos + 30, 0x01), "");
      ReadOptions ro;
      ro.verify_checksums = c.verify;
      ExpectCorruptionNeverWrongValue(ro);
      if (HasFatalFailure()) {
        return;
      }
    }
  }
}

TEST_F(DBTableCorruptionTest, FlippedByteAtTableStartGivesCorruption) {
  // The first bytes of the table: the first entry's lengths and key.
  for (std::uint64_t offset : {0, 1, 2, 3, 8}) {
    SCOPED_TRACE("damage at offset " + std::to_string(offset));
    Options o = SmallOptions();
    o.block_size = 1024;
    const std::string table = MakeTable("head" + std::to_string(offset), o);
    ASSERT_FALSE(table.empty());
    ASSERT_EQ(XorByte(table, offset, 0x10), "");
    ExpectCorruptionNeverWrongValue(ReadOptions());
    if (HasFatalFailure()) {
      return;
    }
  }
}

TEST_F(DBTableCorruptionTest, DamagedFooterGivesCorruption) {
  struct Damage {
    const char* name;
    std::int64_t from_end;  // offset from the end of the file
  };
  // The footer (docs/format/sstable.md) is the last 48 bytes: metaindex
  // handle, index handle, format version, reserved, crc, magic. The version
  // byte is left alone: a newer version is NotSupported by design.
  for (const Damage& d : {Damage{"metaindex handle", 48 - 2}, Damage{"index handle", 48 - 20},
                          Damage{"footer crc", 48 - 38}, Damage{"magic", 1}}) {
    SCOPED_TRACE(d.name);
    Options o = SmallOptions();
    o.block_size = 1024;
    const std::string table = MakeTable(std::string("foot") + std::to_string(d.from_end), o);
    ASSERT_FALSE(table.empty());
    const std::int64_t size = FileSize(table);
    ASSERT_GT(size, 48);
    ASSERT_EQ(XorByte(table, static_cast<std::uint64_t>(size - d.from_end), 0x04), "");
    Status s = Open();
    if (!s.ok()) {
      EXPECT_TRUE(s.IsCorruption()) << s.ToString();
      continue;
    }
    std::string value;
    s = db().Get(ReadOptions(), Key(7), &value);
    EXPECT_TRUE(s.IsCorruption()) << s.ToString();
    auto it = db().NewIterator(ReadOptions());
    it->SeekToFirst();
    EXPECT_FALSE(it->Valid());
    EXPECT_TRUE(it->status().IsCorruption()) << it->status().ToString();
    it.reset();
    ASSERT_OK(Close());
  }
}

TEST_F(DBTableCorruptionTest, TruncatedTableGivesCorruption) {
  for (double fraction : {0.0, 0.5, 0.99}) {
    SCOPED_TRACE("table cut to " + std::to_string(fraction));
    Options o = SmallOptions();
    const std::string table =
        MakeTable("cut" + std::to_string(static_cast<int>(fraction * 100)), o);
    ASSERT_FALSE(table.empty());
    const std::int64_t size = FileSize(table);
    ASSERT_EQ(TruncateFile(table, static_cast<std::uint64_t>(static_cast<double>(size) * fraction)),
              "");
    Status s = Open();
    if (!s.ok()) {
      EXPECT_TRUE(s.IsCorruption()) << s.ToString();
      continue;
    }
    std::string value;
    s = db().Get(ReadOptions(), Key(7), &value);
    EXPECT_TRUE(s.IsCorruption()) << s.ToString();
    ASSERT_OK(Close());
  }
}

TEST_F(DBTableCorruptionTest, MissingTableFailsOpen) {
  // docs/format/manifest.md: a table named by the manifest but missing from
  // the directory is Corruption.
  const std::string table = MakeTable("missing", SmallOptions());
  ASSERT_FALSE(table.empty());
  ASSERT_EQ(std::remove(table.c_str()), 0);
  Status s = Open();
  EXPECT_TRUE(s.IsCorruption()) << s.ToString();
}

// ---------------------------------------------------------------------------
// CURRENT and MANIFEST damage (docs/format/manifest.md, "Reading"): any
// failure is Corruption, a damaged or missing manifest is never read as an
// empty database, and no file is deleted on its word.

class DBManifestDamageTest : public DBTestBase {
 protected:
  // Two tables and some WAL data, closed.
  void SetUp() override {
    ASSERT_OK(Open());
    ASSERT_OK(Put("first-table-key", "1"));
    ASSERT_OK(Flush());
    ASSERT_OK(Put("second-table-key", "2"));
    ASSERT_OK(Flush());
    ASSERT_OK(Put("wal-key", "3"));
    ASSERT_OK(Close());
    tables_ = ListFiles(dbname_, ".sst");
    ASSERT_EQ(tables_.size(), 2u);
    ASSERT_EQ(ReadFileToString(dbname_ + "/CURRENT", &current_), "");
    ASSERT_FALSE(current_.empty());
    manifest_ = dbname_ + "/" + current_.substr(0, current_.find('\n'));
    ASSERT_TRUE(FileExists(manifest_)) << manifest_;
  }

  // Open failed with Corruption and deleted no table.
  void ExpectCorruptionAndNothingDeleted(const Status& s) {
    EXPECT_TRUE(s.IsCorruption()) << s.ToString();
    db_.reset();
    for (const auto& t : tables_) {
      EXPECT_TRUE(FileExists(t)) << t << " was deleted";
    }
  }

  std::vector<std::string> tables_;
  std::string current_;
  std::string manifest_;
};

TEST_F(DBManifestDamageTest, UndamagedDatabaseOpens) {
  ASSERT_OK(Open());
  EXPECT_EQ(Contents(), "first-table-key=1 second-table-key=2 wal-key=3");
}

TEST_F(DBManifestDamageTest, MissingCurrentWithDatabaseFilesFailsOpen) {
  ASSERT_EQ(std::remove((dbname_ + "/CURRENT").c_str()), 0);
  ExpectCorruptionAndNothingDeleted(Open());
}

TEST_F(DBManifestDamageTest, CurrentNamingMissingManifestFailsOpen) {
  ASSERT_EQ(WriteStringToFile(dbname_ + "/CURRENT", "MANIFEST-999999\n"), "");
  ExpectCorruptionAndNothingDeleted(Open());
}

TEST_F(DBManifestDamageTest, CurrentWithoutNewlineFailsOpen) {
  ASSERT_EQ(WriteStringToFile(dbname_ + "/CURRENT", current_.substr(0, current_.size() - 1)), "");
  ExpectCorruptionAndNothingDeleted(Open());
}

TEST_F(DBManifestDamageTest, MissingManifestFailsOpen) {
  ASSERT_EQ(std::remove(manifest_.c_str()), 0);
  ExpectCorruptionAndNothingDeleted(Open());
}

TEST_F(DBManifestDamageTest, DamageInsideManifestFailsOpenNamingTheFile) {
  // The first table's key sits in the full-state edit at the start of the
  // manifest; the second flush's edit was synced after it.
  const std::size_t pos = FindInFile(manifest_, "first-table-key");
  ASSERT_NE(pos, std::string::npos) << "key not found in " << manifest_;
  ASSERT_EQ(XorByte(manifest_, pos + 3), "");
  Status s = Open();
  EXPECT_NE(s.message().find(BaseName(manifest_)), std::string_view::npos)
      << "message does not name " << BaseName(manifest_) << ": " << s.ToString();
  ExpectCorruptionAndNothingDeleted(s);
}

// After a clean Close, CURRENT says at what size the manifest was closed
// and the manifest at what size the WAL was: a file cut at a record
// boundary, or a WAL lost, no longer reads as an older, smaller state.
TEST_F(DBManifestDamageTest, ManifestCutShortAfterCleanCloseFailsOpen) {
  ASSERT_NE(current_.find("\nclosed "), std::string::npos) << current_;
  const std::int64_t size = FileSize(manifest_);
  ASSERT_GT(size, 7);
  ASSERT_EQ(TruncateFile(manifest_, static_cast<std::uint64_t>(size) - 7), "");  // the close record
  const Status s = Open();
  EXPECT_NE(s.message().find(BaseName(manifest_)), std::string_view::npos) << s.ToString();
  ExpectCorruptionAndNothingDeleted(s);
}

TEST_F(DBManifestDamageTest, WalCutShortAfterCleanCloseFailsOpen) {
  const std::string wal = NewestFile(dbname_, ".log");
  ASSERT_FALSE(wal.empty());
  ASSERT_EQ(TruncateFile(wal, 0), "");
  const Status s = Open();
  EXPECT_NE(s.message().find(BaseName(wal)), std::string_view::npos) << s.ToString();
  ExpectCorruptionAndNothingDeleted(s);
}

TEST_F(DBManifestDamageTest, WalLostAfterCleanCloseFailsOpen) {
  const std::string wal = NewestFile(dbname_, ".log");
  ASSERT_FALSE(wal.empty());
  ASSERT_EQ(std::remove(wal.c_str()), 0);
  const Status s = Open();
  EXPECT_NE(s.message().find(BaseName(wal)), std::string_view::npos) << s.ToString();
  ExpectCorruptionAndNothingDeleted(s);
}

TEST_F(DBManifestDamageTest, WalLostAfterCleanCloseOpensWithoutParanoidChecks) {
  const std::string wal = NewestFile(dbname_, ".log");
  ASSERT_FALSE(wal.empty());
  ASSERT_EQ(std::remove(wal.c_str()), 0);
  options_.paranoid_checks = false;  // keep what can be read, as for other WAL damage
  ASSERT_OK(Open());
  EXPECT_EQ(Contents(), "first-table-key=1 second-table-key=2");
}

TEST_F(DBManifestDamageTest, LeftoverFilesAreRemovedAtOpen) {
  // A crash may leave a table being written, a table never installed, and a
  // manifest never made current.
  const std::string tmp_table = dbname_ + "/000900.sst.tmp";
  const std::string orphan_table = dbname_ + "/000901.sst";
  const std::string orphan_manifest = dbname_ + "/MANIFEST-000902";
  ASSERT_EQ(WriteStringToFile(tmp_table, "partial table"), "");
  ASSERT_EQ(WriteStringToFile(orphan_table, std::string(100, 'x')), "");
  ASSERT_EQ(WriteStringToFile(orphan_manifest, "partial manifest"), "");
  ASSERT_OK(Open());
  EXPECT_EQ(Contents(), "first-table-key=1 second-table-key=2 wal-key=3");
  EXPECT_FALSE(FileExists(tmp_table));
  EXPECT_FALSE(FileExists(orphan_table));
  EXPECT_FALSE(FileExists(orphan_manifest));
  for (const auto& t : tables_) {
    EXPECT_TRUE(FileExists(t)) << t;
  }
  // New tables and manifests work after the cleanup.
  for (int i = 0; i < 2000; ++i) {
    ASSERT_OK(Put("n" + std::to_string(i), std::string(100, 'n')));
  }
  ASSERT_OK(Flush());
  ASSERT_OK(Reopen());
  EXPECT_EQ(Get("n1999"), std::string(100, 'n'));
  EXPECT_EQ(Get("first-table-key"), "1");
}

}  // namespace
}  // namespace aeternus::test
