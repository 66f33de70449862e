#pragma once
// FaultInjectionFileSystem: wraps another FileSystem (the target: a
// MemFileSystem, or FileSystem::Default() on a scratch directory) to model
// what a power loss keeps, and to inject I/O errors.
//
// Model. For each file created through it, the wrapper records how many
// bytes are known durable (the size at its last successful
// WritableFile::Sync) and whether its directory entry is durable (SyncDir of
// its directory since it was created or renamed into place). Files it did
// not create are taken as wholly durable.
//
// Writes. A WritableFile of this wrapper keeps appended bytes in its own
// buffer and hands them to the target only on Flush, Sync, Close or once
// 64 KiB are pending, each time followed by the target's Flush. So the
// target file always holds exactly the bytes that reached the operating
// system, and a buffer dropped at the power loss never reaches it.
// NewLogFile is not overridden: a log file is one of these writable files
// (made with the target's NewWritableFile, never preallocated), so the
// model's sizes stay exact.
//
// Crash simulation. A crash test typically calls SetFilesystemActive(false)
// (the instant of power loss: later writes change nothing), destroys the DB,
// then DropUnsyncedData() or DropRandomUnsyncedData() and
// DeleteFilesCreatedAfterLastDirSync() (in either order), and
// SetFilesystemActive(true) before reopening.
//
// Directory operations. Creating a file and renaming one are undone by
// DeleteFilesCreatedAfterLastDirSync unless the directory of the (new) name
// was synced since:
//   - a created file is removed;
//   - a rename is undone: the file moves back to its old name, and the file
//     it replaced, if any, gets back the contents and durability it had at
//     the rename (read then, so meant for small files such as CURRENT);
//   - operations are undone newest first, so a file renamed into place and
//     never dir-synced disappears under both names.
// Removals are durable at once (the pessimistic choice: a rename can be lost
// while a later removal survives). Directory creation is durable at once.
// A rename that crosses directories becomes durable with the target's
// directory. Paths are compared as strings.
//
// Errors. While inactive, WritableFile Append/Flush/Sync/Close and every
// metadata change (create, remove, rename, create or sync a directory) fail
// with IOError "injected" and change nothing; reads still work. Injected
// write errors hit Append and Flush; injected sync errors hit Sync and
// SyncDir; both return IOError and change nothing (the bytes stay pending,
// the synced length does not move). Injected read errors (FailRead) hit
// the reads listed there; the file or listing read is left as it was.
//
// Thread safety: all methods may be called concurrently, except that the
// Drop*/Delete* methods REQUIRE that no file created through the wrapper is
// still open for writing (destroy the DB first; an open file that is later
// written would write past the state they leave).

#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "env/file_system.h"

namespace aeternus {

class FaultInjectionFileSystem final : public FileSystem {
 public:
  // `target` is borrowed and must outlive this object and its files.
  explicit FaultInjectionFileSystem(FileSystem* target);
  FaultInjectionFileSystem(const FaultInjectionFileSystem&) = delete;
  FaultInjectionFileSystem& operator=(const FaultInjectionFileSystem&) = delete;
  ~FaultInjectionFileSystem() override;

  FileSystem* target() const { return target_; }

  // FileSystem.
  Status NewWritableFile(const std::string& path, std::unique_ptr<WritableFile>* file) override;
  Status NewRandomAccessFile(const std::string& path,
                             std::unique_ptr<RandomAccessFile>* file) override;
  Status NewSequentialFile(const std::string& path, std::unique_ptr<SequentialFile>* file) override;
  bool FileExists(const std::string& path) override;
  Status GetChildren(const std::string& dir, std::vector<std::string>* names) override;
  Status GetFileSize(const std::string& path, std::uint64_t* size) override;
  Status RemoveFile(const std::string& path) override;
  Status RenameFile(const std::string& from, const std::string& to) override;
  Status CreateDir(const std::string& dir) override;
  Status SyncDir(const std::string& dir) override;
  Status LockFile(const std::string& path, std::unique_ptr<FileLock>* lock) override;

  // Inactive is the instant of power loss: writes and metadata changes fail
  // with IOError "injected" and change nothing. Default: active.
  void SetFilesystemActive(bool active);
  bool IsFilesystemActive() const;

  // Truncates every file to the length known synced, as after a power loss.
  Status DropUnsyncedData();

  // As after a power loss that tore the last writes: each file keeps its
  // synced bytes and a random prefix (possibly empty or whole) of the rest;
  // some kept unsynced ranges are overwritten with random bytes or zeros.
  // Deterministic for a given seed and history.
  Status DropRandomUnsyncedData(std::uint32_t seed);

  // Undoes the file creations and renames whose directory was not synced
  // since (see the header comment).
  Status DeleteFilesCreatedAfterLastDirSync();

  // Durability points: every file Sync, SyncDir, RenameFile, creation of a
  // writable file and RemoveFile begun while active, counted from
  // construction. Power-loss sweeps cut the power at each point in turn.
  std::uint64_t durability_points() const;
  // Cuts the power (SetFilesystemActive(false)) as the n-th durability
  // point begins: that operation fails with IOError "injected" and changes
  // nothing, like everything after it, while what was written since the
  // point before is still unsynced. 0 cancels.
  void CutPowerAt(std::uint64_t n);

  // Operations: every Append, Flush and Sync of a writable file, and every
  // creation of a writable file, SyncDir, RenameFile, RemoveFile and
  // CreateDir, counted from construction (reads are not counted).
  std::uint64_t operations() const;
  // Makes the n-th operation (and, when `persistent`, every later one)
  // fail with `error` and change nothing; n = 0 cancels. For sweeps of I/O
  // errors (EIO, ENOSPC) over the operations of a workload.
  void FailOperation(std::uint64_t n, bool persistent, Status error);

  // Reads: every Read of a RandomAccessFile or SequentialFile opened
  // through this wrapper, and every NewRandomAccessFile, NewSequentialFile,
  // GetChildren and GetFileSize, counted from construction. (FileExists is
  // not: it cannot report an error.)
  std::uint64_t reads() const;
  // Makes the n-th read (and, when `persistent`, every later one) fail with
  // `error`; n = 0 cancels. A file opened through the wrapper reports the
  // target's MemoryMapped(), and each Read of it is a counted read.
  void FailRead(std::uint64_t n, bool persistent, Status error);

  // From now on each Append and Flush fails with probability 1/one_in
  // (0: never), drawing from a generator seeded with `seed`.
  void InjectWriteErrors(std::uint32_t one_in, std::uint32_t seed);
  // The same for Sync and SyncDir.
  void InjectSyncErrors(std::uint32_t one_in, std::uint32_t seed);
  // Errors injected so far (of every kind).
  std::uint64_t injected_error_count() const;

  // Bytes of `path` known synced. False when the file was not created
  // through this wrapper (it is then taken as wholly durable).
  bool GetSyncedSize(const std::string& path, std::uint64_t* size) const;

 private:
  class WritableFileImpl;      // defined in the .cc
  class RandomAccessFileImpl;  // defined in the .cc
  class SequentialFileImpl;    // defined in the .cc

  // The n-th (and maybe every later) event of a kind fails with `error`.
  struct FailAt {
    std::uint64_t n = 0;  // 0: never
    bool persistent = false;
    Status error;
  };

  // Per-file durability state, shared with the file's open writer.
  struct FileState {
    std::uint64_t synced_size = 0;  // guarded by mu_
  };

  // An unsynced directory operation, undone by
  // DeleteFilesCreatedAfterLastDirSync.
  struct DirOp {
    enum class Kind { kCreate, kRename } kind = Kind::kCreate;
    std::string dir;   // syncing it makes the operation durable
    std::string path;  // created file, or the rename's new name
    std::string from;  // kRename: the old name
    // kRename: the file `path` replaced, if any.
    bool replaced = false;
    std::string replaced_contents;
    std::shared_ptr<FileState> replaced_state;  // null: it was not tracked
  };

  static Status Injected();
  // OK, or the error to inject into a write / a sync.
  Status CheckWrite();
  Status CheckSync();
  // REQUIRES: mu_ is held.
  bool ShouldFail(std::uint32_t one_in, std::uint64_t& rng);
  void RecordSync(const std::shared_ptr<FileState>& state, std::uint64_t size);
  // Rewrites `path` in the target with `contents`, synced.
  Status RewriteTarget(const std::string& path, std::string_view contents);

  // Counts an operation; the error FailOperation set for it, if any.
  Status CheckOperation();
  // Counts a read; the error FailRead set for it, if any.
  Status CheckRead() const;
  // The error `fail` sets for the n-th event, if any. REQUIRES: mu_ held.
  Status Injects(const FailAt& fail, std::uint64_t n) const;
  // Counts a durability point as it begins; cuts the power there when it
  // is the cut_at_-th (and returns IOError "injected").
  Status BeginDurabilityPoint();

  FileSystem* const target_;
  std::atomic<bool> active_{true};
  std::atomic<std::uint64_t> durability_points_{0};
  std::atomic<std::uint64_t> cut_at_{0};  // 0: never
  std::atomic<std::uint64_t> operations_{0};
  mutable std::atomic<std::uint64_t> reads_{0};
  FailAt fail_operation_;  // guarded by mu_
  FailAt fail_read_;       // guarded by mu_

  mutable std::mutex mu_;
  std::map<std::string, std::shared_ptr<FileState>> files_;  // guarded by mu_
  std::vector<DirOp> pending_dir_ops_;                       // guarded by mu_, oldest first
  // Written under mu_; read without it to skip the lock when 0.
  std::atomic<std::uint32_t> write_error_one_in_{0};
  std::atomic<std::uint32_t> sync_error_one_in_{0};
  std::uint64_t write_rng_ = 0;        // guarded by mu_
  std::uint64_t sync_rng_ = 0;         // guarded by mu_
  mutable std::uint64_t injected_errors_ = 0;  // guarded by mu_
};

}  // namespace aeternus
