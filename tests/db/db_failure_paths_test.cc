// Failures at precise points of the engine's I/O: each leaves the database
// consistent, reports the error, and never returns data it should not.

#include <gtest/gtest.h>

#include <sys/types.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <fstream>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "aeternus/db.h"
#include "db/db_impl.h"
#include "db/db_iterator.h"
#include "db/write_batch_internal.h"
#include "env/fault_injection_file_system.h"
#include "env/file_system_wrapper.h"
#include "env/mem_file_system.h"
#include "manifest/file_names.h"
#include "util/status_macros.h"
#include "wal/wal_writer.h"

namespace aeternus {
namespace {

// Fails the directory sync that follows the switch of CURRENT, once armed.
class FailSyncAfterCurrentRename final : public FileSystemWrapper {
 public:
  using FileSystemWrapper::FileSystemWrapper;
  Status RenameFile(const std::string& from, const std::string& to) override {
    Status s = FileSystemWrapper::RenameFile(from, to);
    if (s.ok() && armed && to.ends_with("/CURRENT")) {
      fail_next_sync_dir_ = true;
    }
    return s;
  }
  Status SyncDir(const std::string& dir) override {
    if (fail_next_sync_dir_) {
      fail_next_sync_dir_ = false;
      armed = false;
      return Status::IOError("injected directory sync error");
    }
    return FileSystemWrapper::SyncDir(dir);
  }
  bool armed = false;

 private:
  bool fail_next_sync_dir_ = false;
};

TEST(DBFailurePathsTest, DirectorySyncErrorAfterCurrentSwitchLeavesDatabaseOpenable) {
  MemFileSystem mem;
  FailSyncAfterCurrentRename fs(&mem);
  Options o;
  {
    std::unique_ptr<DB> db;
    ASSERT_TRUE(DBImpl::Open(o, "/db", &fs, &db).ok());
    ASSERT_TRUE(db->Put({}, "k", "v").ok());
    ASSERT_TRUE(db->Flush().ok());
    ASSERT_TRUE(db->Close().ok());
  }
  {
    fs.armed = true;  // Open starts a new manifest and switches CURRENT
    std::unique_ptr<DB> db;
    EXPECT_TRUE(DBImpl::Open(o, "/db", &fs, &db).IsIOError());
  }
  std::unique_ptr<DB> db;
  Status s = DBImpl::Open(o, "/db", &fs, &db);
  ASSERT_TRUE(s.ok()) << s.ToString();
  std::string v;
  ASSERT_TRUE(db->Get({}, "k", &v).ok());
  EXPECT_EQ(v, "v");
}

// Fails every Sync of the files whose name contains `part` while armed.
// Syncs of tables can also be held (until released) and then failed.
class FailSyncOf final : public FileSystemWrapper {
 public:
  FailSyncOf(FileSystem* target, std::string part)
      : FileSystemWrapper(target), part_(std::move(part)) {}
  Status NewWritableFile(const std::string& path, std::unique_ptr<WritableFile>* file) override {
    std::unique_ptr<WritableFile> inner;
    AE_RETURN_IF_ERROR(FileSystemWrapper::NewWritableFile(path, &inner));
    *file = std::make_unique<File>(std::move(inner), this, path.find(part_) != std::string::npos,
                                   path.find(".sst") != std::string::npos);
    return Status::OK();
  }
  std::atomic<bool> armed{false};

  // Table syncs wait until ReleaseTables(fail), then fail if `fail`.
  void HoldTables() {
    std::lock_guard l(mu_);
    hold_tables_ = true;
  }
  void ReleaseTables(bool fail) {
    std::lock_guard l(mu_);
    hold_tables_ = false;
    fail_tables_ = fail;
    cv_.notify_all();
  }

 private:
  class File final : public WritableFile {
   public:
    File(std::unique_ptr<WritableFile> f, FailSyncOf* fs, bool matches, bool table)
        : f_(std::move(f)), fs_(fs), matches_(matches), table_(table) {}
    Status Append(std::string_view d) override { return f_->Append(d); }
    Status Flush() override { return f_->Flush(); }
    Status Sync() override {
      if (matches_ && fs_->armed.load()) {
        return Status::IOError("injected sync error");
      }
      if (table_) {
        std::unique_lock l(fs_->mu_);
        fs_->cv_.wait(l, [&] { return !fs_->hold_tables_; });
        if (fs_->fail_tables_) {
          return Status::IOError("injected table sync error");
        }
      }
      return f_->Sync();
    }
    Status Close() override { return f_->Close(); }
    std::uint64_t Size() const override { return f_->Size(); }

   private:
    std::unique_ptr<WritableFile> f_;
    FailSyncOf* const fs_;
    const bool matches_;
    const bool table_;
  };

  const std::string part_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool hold_tables_ = false;  // guarded by mu_
  bool fail_tables_ = false;  // guarded by mu_
};

// A compaction whose manifest sync fails: the edit may still be in the
// manifest, so its output tables stay on disk; the next Open finds every
// table the manifest names, and the data.
TEST(DBFailurePathsTest, ManifestSyncErrorDuringCompactionKeepsTheDatabaseOpenable) {
  MemFileSystem mem;
  FailSyncOf fs(&mem, "MANIFEST");
  Options o;
  o.write_buffer_size = 64 << 10;
  o.disable_auto_compactions = true;
  std::unique_ptr<DB> db;
  ASSERT_TRUE(DBImpl::Open(o, "/db", &fs, &db).ok());
  for (int round = 0; round < 3; ++round) {
    for (int i = 0; i < 200; ++i) {
      ASSERT_TRUE(db->Put(WriteOptions{.sync = false}, "k" + std::to_string(i),
                          std::string(200, 'a' + round))
                      .ok());
    }
    ASSERT_TRUE(db->Flush().ok());
  }
  fs.armed = true;
  EXPECT_FALSE(db->CompactAll().ok());
  fs.armed = false;
  db->Close().IgnoreError();
  db.reset();
  Status s = DBImpl::Open(o, "/db", &fs, &db);
  ASSERT_TRUE(s.ok()) << s.ToString();
  std::string v;
  for (int i = 0; i < 200; ++i) {
    ASSERT_TRUE(db->Get({}, "k" + std::to_string(i), &v).ok()) << i;
    EXPECT_EQ(v, std::string(200, 'c'));
  }
}

// A synced write fails to sync an older WAL (whose memtable is not yet
// flushed): the newer WALs must never become durable after it, not even
// through Close. After a power cut the database opens with a prefix.
TEST(DBFailurePathsTest, FailedSyncOfAnOlderWalKeepsNewerWalsUnsynced) {
  MemFileSystem mem;
  FaultInjectionFileSystem fault(&mem);
  FailSyncOf fs(&fault, ".log");
  Options o;
  o.write_buffer_size = 64 << 10;
  std::unique_ptr<DB> db;
  ASSERT_TRUE(DBImpl::Open(o, "/db", &fs, &db).ok());
  fs.HoldTables();  // the frozen memtable's flush waits: its WAL stays
  const std::string value(1000, 'x');
  for (int i = 0; i < 80; ++i) {  // past one 64 KiB memtable
    ASSERT_TRUE(db->Put(WriteOptions{.sync = false}, "k" + std::to_string(i), value).ok());
  }
  fs.armed = true;
  EXPECT_TRUE(db->Put(WriteOptions{.sync = true}, "synced", "v").IsIOError());
  fs.armed = false;
  fs.ReleaseTables(/*fail=*/true);  // the flush fails: the older WAL stays needed
  db->Close().IgnoreError();
  db.reset();
  fault.SetFilesystemActive(false);
  ASSERT_TRUE(fault.DropUnsyncedData().ok());
  fault.SetFilesystemActive(true);
  fs.ReleaseTables(/*fail=*/false);
  Status s = DBImpl::Open(o, "/db", &fs, &db);
  ASSERT_TRUE(s.ok()) << s.ToString();
}

// A synced write first syncs the older WALs that memtable switches left
// unsynced; when that (or its own sync) fails, writes stop, reads go on,
// and a reopen finds every write the OS had.
TEST(DBFailurePathsTest, WalSyncErrorOnASyncedWriteStopsWritesAndReopenRecovers) {
  MemFileSystem mem;
  FailSyncOf fs(&mem, ".log");
  Options o;
  o.write_buffer_size = 64 << 10;
  std::unique_ptr<DB> db;
  ASSERT_TRUE(DBImpl::Open(o, "/db", &fs, &db).ok());
  const std::string value(1000, 'x');
  // Several memtable switches: older WALs stay unsynced.
  for (int i = 0; i < 200; ++i) {
    ASSERT_TRUE(db->Put(WriteOptions{.sync = false}, "k" + std::to_string(i), value).ok());
  }
  fs.armed = true;
  Status s = db->Put(WriteOptions{.sync = true}, "synced", value);
  EXPECT_TRUE(s.IsIOError()) << s.ToString();
  fs.armed = false;
  EXPECT_TRUE(db->Put(WriteOptions{.sync = false}, "after", "x").IsIOError());
  std::string v;
  ASSERT_TRUE(db->Get({}, "k0", &v).ok());
  ASSERT_TRUE(db->Get({}, "k199", &v).ok());
  db->Close().IgnoreError();  // the WAL's error is sticky; Close may report it
  db.reset();
  ASSERT_TRUE(DBImpl::Open(o, "/db", &fs, &db).ok());
  for (int i = 0; i < 200; ++i) {
    ASSERT_TRUE(db->Get({}, "k" + std::to_string(i), &v).ok()) << i;
  }
  EXPECT_TRUE(db->Get({}, "after", &v).IsNotFound());
}

// An internal iterator over fixed entries that fails when Prev() moves
// below index `fail_below`, as a damaged block would.
class FailingVectorIterator final : public InternalIterator {
 public:
  FailingVectorIterator(std::vector<std::pair<std::string, std::string>> entries, int fail_below)
      : entries_(std::move(entries)), fail_below_(fail_below) {}
  bool Valid() const override { return status_.ok() && i_ >= 0 && i_ < size(); }
  void SeekToFirst() override { i_ = 0; }
  void SeekToLast() override { i_ = size() - 1; }
  void Seek(std::string_view t) override {
    for (i_ = 0; i_ < size() && CompareInternalKeys(entries_[i_].first, t) < 0; ++i_) {
    }
  }
  void SeekForPrev(std::string_view t) override {
    Seek(t);
    if (i_ >= size() || CompareInternalKeys(entries_[i_].first, t) > 0) {
      --i_;
    }
  }
  void Next() override { ++i_; }
  void Prev() override {
    if (--i_ < fail_below_) {
      status_ = Status::Corruption("injected block damage");
    }
  }
  std::string_view key() const override { return entries_[i_].first; }
  std::string_view value() const override { return entries_[i_].second; }
  Status status() const override { return status_; }

 private:
  int size() const { return static_cast<int>(entries_.size()); }
  std::vector<std::pair<std::string, std::string>> entries_;
  int fail_below_;
  int i_ = -1;
  Status status_;
};

std::string InternalKey(std::string_view k, SequenceNumber s, ValueType t) {
  std::string r;
  AppendInternalKey(r, k, s, t);
  return r;
}

TEST(DBFailurePathsTest, ReverseIterationNeverReturnsAValueWhoseNewerVersionsWereUnreadable) {
  // c was deleted at 9 over a value at 5; the entry at 9 cannot be read.
  std::vector<std::pair<std::string, std::string>> entries = {
      {InternalKey("c", 9, ValueType::kDeletion), ""},
      {InternalKey("c", 5, ValueType::kValue), "old"},
  };
  auto it = NewDBIterator(std::make_unique<FailingVectorIterator>(entries, 1), {}, 100,
                          {}, {}, nullptr);
  it->SeekToLast();
  EXPECT_FALSE(it->Valid());
  EXPECT_TRUE(it->status().IsCorruption());
}

TEST(DBFailurePathsTest, WithoutParanoidChecksRecoveryStopsAtAHoleInTheWalHistory) {
  MemFileSystem mem;
  FaultInjectionFileSystem fs(&mem);
  Options o;
  o.paranoid_checks = false;
  {
    std::unique_ptr<DB> db;
    ASSERT_TRUE(DBImpl::Open(o, "/db", &fs, &db).ok());
    ASSERT_TRUE(db->Put({}, "a", "1").ok());
    fs.SetFilesystemActive(false);  // power cut: the WAL gets no close record
    db.reset();
    fs.SetFilesystemActive(true);
  }
  // A later WAL holding a record: writes that follow an incomplete WAL.
  {
    std::unique_ptr<WritableFile> f;
    ASSERT_TRUE(mem.NewWritableFile(WalFileName("/db", 1000), &f).ok());
    std::unique_ptr<WalWriter> w;
    ASSERT_TRUE(WalWriter::Create(std::move(f), LogFileKind::kWal, 1000, &w).ok());
    WriteBatch b;
    b.Put("b", "after-hole");
    WriteBatchInternal::SetSequence(b, 50);
    ASSERT_TRUE(w->AddRecord(WriteBatchInternal::Contents(b)).ok());
    ASSERT_TRUE(w->Close().ok());
  }
  {
    Options paranoid = o;
    paranoid.paranoid_checks = true;
    std::unique_ptr<DB> db;
    EXPECT_TRUE(DBImpl::Open(paranoid, "/db", &fs, &db).IsCorruption());
  }
  std::unique_ptr<DB> db;
  ASSERT_TRUE(DBImpl::Open(o, "/db", &fs, &db).ok());
  std::string v;
  EXPECT_TRUE(db->Get({}, "a", &v).ok());
  EXPECT_TRUE(db->Get({}, "b", &v).IsNotFound()) << "kept a write after the hole: " << v;
}

// Opens /db, puts a=1 (synced, sequence 1), and cuts the power.
void PutSyncedThenCutPower(FaultInjectionFileSystem& fs) {
  std::unique_ptr<DB> db;
  ASSERT_TRUE(DBImpl::Open(Options(), "/db", &fs, &db).ok());
  ASSERT_TRUE(db->Put({}, "a", "1").ok());
  fs.SetFilesystemActive(false);
  db.reset();
  fs.SetFilesystemActive(true);
}

// A later WAL whose records follow a gap in the sequence and claim nothing
// synced: the unsynced tail of a power cut. Open keeps the prefix before the
// gap, also with paranoid checks, and the database goes on from there.
TEST(DBFailurePathsTest, RecoveryDropsAnUnsyncedSuffixAfterAGapInTheSequence) {
  MemFileSystem mem;
  FaultInjectionFileSystem fs(&mem);
  ASSERT_NO_FATAL_FAILURE(PutSyncedThenCutPower(fs));
  {
    std::unique_ptr<WritableFile> f;
    ASSERT_TRUE(mem.NewWritableFile(WalFileName("/db", 1000), &f).ok());
    std::unique_ptr<WalWriter> w;
    ASSERT_TRUE(WalWriter::Create(std::move(f), LogFileKind::kWal, 1000, &w).ok());
    WriteBatch b;
    b.Put("b", "after-gap");
    WriteBatchInternal::SetSequence(b, 50);  // "a" was sequence 1
    ASSERT_TRUE(w->AddRecord(WriteBatchInternal::Contents(b)).ok());
    ASSERT_TRUE(w->Flush().ok());  // never synced, no close record
  }
  std::unique_ptr<DB> db;
  ASSERT_TRUE(DBImpl::Open(Options(), "/db", &fs, &db).ok());
  std::string v;
  ASSERT_TRUE(db->Get({}, "a", &v).ok());
  EXPECT_EQ(v, "1");
  EXPECT_TRUE(db->Get({}, "b", &v).IsNotFound()) << "kept a write after the gap: " << v;
  ASSERT_TRUE(db->Put({}, "c", "3").ok());
  ASSERT_TRUE(db->Close().ok());
  db.reset();
  ASSERT_TRUE(DBImpl::Open(Options(), "/db", &fs, &db).ok());
  EXPECT_TRUE(db->Get({}, "c", &v).ok());
  EXPECT_TRUE(db->Get({}, "b", &v).IsNotFound());
}

// A batch putting key=value at `sequence`.
WriteBatch PutAt(std::string_view key, std::string_view value, SequenceNumber sequence) {
  WriteBatch b;
  b.Put(key, value);
  WriteBatchInternal::SetSequence(b, sequence);
  return b;
}

// Writes a WAL as the DB does: a synced sequence marker, then `batches`
// handed to the OS but not synced.
void WriteWal(FileSystem* fs, std::uint64_t number, SequenceNumber first,
              const std::vector<WriteBatch*>& batches) {
  std::unique_ptr<WritableFile> f;
  ASSERT_TRUE(fs->NewWritableFile(WalFileName("/db", number), &f).ok());
  std::unique_ptr<WalWriter> w;
  ASSERT_TRUE(WalWriter::Create(std::move(f), LogFileKind::kWal, number, &w).ok());
  WriteBatch marker;
  WriteBatchInternal::SetSequence(marker, first);
  ASSERT_TRUE(w->AddRecord(WriteBatchInternal::Contents(marker)).ok());
  ASSERT_TRUE(w->Sync().ok());
  for (WriteBatch* b : batches) {
    ASSERT_TRUE(w->AddRecord(WriteBatchInternal::Contents(*b)).ok());
  }
  ASSERT_TRUE(w->Flush().ok());
}

// Every write of the first WAL to replay lost (its synced marker says
// where they began) while a later WAL's writes survived: the later writes
// follow lost ones and are dropped.
TEST(DBFailurePathsTest, RecoveryDropsWritesAfterAWalWhoseWritesWereAllLost) {
  MemFileSystem mem;
  FaultInjectionFileSystem fs(&mem);
  {
    std::unique_ptr<DB> db;
    ASSERT_TRUE(DBImpl::Open(Options(), "/db", &fs, &db).ok());
    ASSERT_TRUE(db->Put({}, "a", "1").ok());  // sequence 1
    ASSERT_TRUE(db->Flush().ok());            // its WAL is gone; a new one begins at 2
    ASSERT_TRUE(db->Put(WriteOptions{.sync = false}, "x", "2").ok());  // sequence 2
    fs.SetFilesystemActive(false);
    db.reset();
    ASSERT_TRUE(fs.DropUnsyncedData().ok());  // power cut: "x" is lost
    fs.SetFilesystemActive(true);
  }
  WriteBatch b = PutAt("b", "after-loss", 3);
  WriteWal(&mem, 901, 3, {&b});
  std::unique_ptr<DB> db;
  ASSERT_TRUE(DBImpl::Open(Options(), "/db", &fs, &db).ok());
  std::string v;
  ASSERT_TRUE(db->Get({}, "a", &v).ok());
  EXPECT_TRUE(db->Get({}, "x", &v).IsNotFound());
  EXPECT_TRUE(db->Get({}, "b", &v).IsNotFound()) << "kept a write after lost ones: " << v;
}

// The same history without a loss: the WALs chain, every write is kept.
TEST(DBFailurePathsTest, RecoveryReplaysWalsWhoseSequencesChain) {
  MemFileSystem mem;
  FaultInjectionFileSystem fs(&mem);
  ASSERT_NO_FATAL_FAILURE(PutSyncedThenCutPower(fs));
  WriteBatch b1 = PutAt("b", "2", 2);
  WriteWal(&mem, 900, 2, {&b1});
  WriteBatch b2 = PutAt("c", "3", 3);
  WriteWal(&mem, 901, 3, {&b2});
  std::unique_ptr<DB> db;
  ASSERT_TRUE(DBImpl::Open(Options(), "/db", &fs, &db).ok());
  std::string v;
  EXPECT_TRUE(db->Get({}, "b", &v).ok());
  EXPECT_TRUE(db->Get({}, "c", &v).ok());
}

// A WAL record whose checksum holds but whose batch numbers its writes
// impossibly: Open fails naming the WAL. Three such batches: sequence 0,
// a sequence marker after a write, and writes numbered past the largest
// sequence.
TEST(DBFailurePathsTest, WalBatchWithBadSequenceNumbersFailsOpen) {
  WriteBatch marker;
  WriteBatchInternal::SetSequence(marker, 3);
  WriteBatch overflow = PutAt("b", "2", kMaxSequenceNumber);
  overflow.Put("c", "3");
  struct Case {
    const char* name;
    std::vector<WriteBatch> batches;
  };
  const Case cases[] = {{"sequence 0", {PutAt("b", "2", 0)}},
                        {"marker after a write", {PutAt("b", "2", 2), marker}},
                        {"past the largest sequence", {overflow}}};
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    MemFileSystem mem;
    FaultInjectionFileSystem fs(&mem);
    ASSERT_NO_FATAL_FAILURE(PutSyncedThenCutPower(fs));
    std::vector<WriteBatch> batches = c.batches;
    std::vector<WriteBatch*> pointers;
    for (WriteBatch& b : batches) {
      pointers.push_back(&b);
    }
    ASSERT_NO_FATAL_FAILURE(WriteWal(&mem, 900, 2, pointers));
    std::unique_ptr<DB> db;
    EXPECT_EQ(DBImpl::Open(Options(), "/db", &fs, &db).ToString(),
              "Corruption: /db/000900.log: write batch with bad sequence numbers");
  }
}

// A WAL record whose checksum holds but whose batch is malformed: Open
// fails naming the WAL and what is wrong with the batch.
TEST(DBFailurePathsTest, MalformedWalBatchFailsOpen) {
  MemFileSystem mem;
  FaultInjectionFileSystem fs(&mem);
  ASSERT_NO_FATAL_FAILURE(PutSyncedThenCutPower(fs));
  WriteBatch b = PutAt("b", "2", 2);
  std::string contents(WriteBatchInternal::Contents(b));
  contents[WriteBatchInternal::kHeaderSize] = '\x09';  // no such record type
  ASSERT_TRUE(WriteBatchInternal::SetContents(b, contents).ok());
  ASSERT_NO_FATAL_FAILURE(WriteWal(&mem, 900, 2, {&b}));
  std::unique_ptr<DB> db;
  EXPECT_EQ(DBImpl::Open(Options(), "/db", &fs, &db).ToString(),
            "Corruption: /db/000900.log: Corruption: write batch: unknown record type");
}

TEST(DBFailurePathsTest, CallsAfterCloseFailAsClosed) {
  MemFileSystem mem;
  std::unique_ptr<DB> db;
  ASSERT_TRUE(DBImpl::Open(Options(), "/db", &mem, &db).ok());
  ASSERT_TRUE(db->Put({}, "k", "v").ok());
  ASSERT_TRUE(db->Close().ok());
  const std::string closed = "IOError: database is closed";
  EXPECT_EQ(db->WaitForCompactions().ToString(), closed);
  EXPECT_EQ(db->Put({}, "k", "v").ToString(), closed);
  std::string v;
  EXPECT_EQ(db->Get({}, "k", &v).ToString(), closed);
  EXPECT_EQ(db->Flush().ToString(), closed);
  EXPECT_EQ(db->CompactAll().ToString(), closed);
}

// Polls `done` every millisecond for up to ten seconds.
bool WaitUntil(const std::function<bool()>& done) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (!done()) {
    if (std::chrono::steady_clock::now() > deadline) {
      return false;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  return true;
}

// True while thread `tid` of this process sleeps (state S in
// /proc/self/task/<tid>/stat), e.g. waiting on a condition variable.
bool ThreadSleeps(pid_t tid) {
  std::ifstream stat("/proc/self/task/" + std::to_string(tid) + "/stat");
  std::string line;
  if (!std::getline(stat, line)) {
    return false;
  }
  // pid (comm) state ...: comm may hold spaces and parentheses.
  const std::size_t end = line.rfind(')');
  return end != std::string::npos && end + 2 < line.size() && line[end + 2] == 'S';
}

// A writer waiting for room (both memtables full, their flush held) when
// the database closes: its write fails as closed instead of waiting on.
TEST(DBFailurePathsTest, WriterWaitingForRoomFailsWhenTheDatabaseCloses) {
  MemFileSystem mem;
  FailSyncOf fs(&mem, "none");
  Options o;
  o.write_buffer_size = 64 << 10;
  o.max_write_buffer_number = 2;
  std::unique_ptr<DB> db;
  ASSERT_TRUE(DBImpl::Open(o, "/db", &fs, &db).ok());
  fs.HoldTables();  // no flush finishes
  Status write_status;
  std::thread writer([&] {
    const std::string value(1000, 'x');
    for (int i = 0; i < 100000; ++i) {
      write_status = db->Put(WriteOptions{.sync = false}, "k" + std::to_string(i), value);
      if (!write_status.ok()) {
        return;
      }
    }
  });
  auto write_stops = [&] {
    std::string v;
    return db->GetProperty("aeternus.write-stops", &v) && v != "0";
  };
  // The counter moves with the lock held, just before the writer waits:
  // Close takes the lock after the writer waits.
  EXPECT_TRUE(WaitUntil(write_stops)) << "the writer never waited for room";
  Status close_status;
  std::thread closer([&] { close_status = db->Close(); });
  writer.join();
  EXPECT_EQ(write_status.ToString(), "IOError: database is closed");
  fs.ReleaseTables(/*fail=*/false);
  closer.join();
  EXPECT_TRUE(close_status.ok()) << close_status.ToString();
}

// A manual compaction waiting for another one to finish when the database
// closes: it fails as closed instead of starting.
TEST(DBFailurePathsTest, ManualCompactionWaitingForAnotherFailsWhenTheDatabaseCloses) {
  MemFileSystem mem;
  FailSyncOf fs(&mem, "none");
  Options o;
  o.disable_auto_compactions = true;
  std::unique_ptr<DB> db;
  ASSERT_TRUE(DBImpl::Open(o, "/db", &fs, &db).ok());
  for (int round = 0; round < 2; ++round) {
    for (int i = 0; i < 50; ++i) {
      ASSERT_TRUE(db->Put({}, "k" + std::to_string(i), std::to_string(round)).ok());
    }
    ASSERT_TRUE(db->Flush().ok());
  }
  fs.HoldTables();  // the first compaction's output waits in its sync
  Status first_status;
  std::thread first([&] { first_status = db->CompactAll(); });
  auto running = [&] {
    std::string v;
    return db->GetProperty("aeternus.num-running-compactions", &v) && v == "1";
  };
  EXPECT_TRUE(WaitUntil(running)) << "the first compaction never started";
  std::atomic<pid_t> second_tid{0};
  Status second_status;
  std::thread second([&] {
    second_tid = gettid();
    second_status = db->CompactAll();
  });
  // The second compaction has nothing to wait for but the first one, so
  // once its thread sleeps it waits for the first to finish.
  EXPECT_TRUE(WaitUntil([&] { return second_tid != 0 && ThreadSleeps(second_tid); }))
      << "the second compaction never waited";
  Status close_status;
  std::thread closer([&] { close_status = db->Close(); });
  second.join();
  EXPECT_EQ(second_status.ToString(), "IOError: database is closed");
  fs.ReleaseTables(/*fail=*/false);
  first.join();
  EXPECT_TRUE(first_status.ok() || first_status.IsAborted()) << first_status.ToString();
  closer.join();
  EXPECT_TRUE(close_status.ok()) << close_status.ToString();
}

TEST(DBFailurePathsTest, ConcurrentCloseCallsAreSafe) {
  MemFileSystem mem;
  for (int i = 0; i < 30; ++i) {
    std::unique_ptr<DB> db;
    ASSERT_TRUE(DBImpl::Open(Options(), "/db" + std::to_string(i), &mem, &db).ok());
    ASSERT_TRUE(db->Put({}, "k", "v").ok());
    std::atomic<int> errors{0};
    std::thread t1([&] { errors += db->Close().ok() ? 0 : 1; });
    std::thread t2([&] { errors += db->Close().ok() ? 0 : 1; });
    t1.join();
    t2.join();
    ASSERT_EQ(errors.load(), 0) << i;
  }
}

}  // namespace
}  // namespace aeternus
