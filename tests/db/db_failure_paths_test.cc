// Failures at precise points of the engine's I/O: each leaves the database
// consistent, reports the error, and never returns data it should not.

#include <gtest/gtest.h>

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <thread>

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
