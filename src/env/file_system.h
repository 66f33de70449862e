#pragma once
// FileSystem: every file access of the engine goes through this small
// interface, so that tests can inject faults and drop unsynced data.
//
// Thread safety: FileSystem methods may be called concurrently.
// RandomAccessFile::Read may be called concurrently; WritableFile and
// SequentialFile are used by one thread at a time.

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "aeternus/status.h"

namespace aeternus {

class WritableFile {
 public:
  virtual ~WritableFile() = default;
  // Appends to the file; may buffer in user space until Flush or Sync.
  virtual Status Append(std::string_view data) = 0;
  // Hands buffered data to the operating system (survives a process crash).
  virtual Status Flush() = 0;
  // Flushes, then makes the data durable (survives a machine crash).
  virtual Status Sync() = 0;
  virtual Status Close() = 0;
  // Bytes appended so far.
  virtual std::uint64_t Size() const = 0;
};

class RandomAccessFile {
 public:
  virtual ~RandomAccessFile() = default;
  // Reads up to n bytes at offset. *result points into scratch (or into
  // memory the file owns); fewer than n bytes only at end of file.
  virtual Status Read(std::uint64_t offset, std::size_t n, char* scratch,
                      std::string_view* result) const = 0;
  // True when Read always points *result into memory the file owns, valid
  // for the file object's life (a memory mapping); scratch is then unused
  // and may be null.
  virtual bool MemoryMapped() const { return false; }
  // A hint that [offset, offset + n) will not be read again soon (a
  // compaction's pass over its inputs): a memory-mapped file drops those
  // whole pages from the process's mapping, so they stop counting in its
  // resident memory. Their contents stay valid: a later read of them, and
  // every view into them handed out before, fault them in again from the
  // page cache or the disk. Others do nothing.
  virtual void WillNotNeed(std::uint64_t /*offset*/, std::uint64_t /*n*/) const {}
};

class SequentialFile {
 public:
  virtual ~SequentialFile() = default;
  // Reads up to n bytes; *result points into scratch. Empty at end of file.
  virtual Status Read(std::size_t n, char* scratch, std::string_view* result) = 0;
};

// Held while a database directory is open; released when destroyed.
class FileLock {
 public:
  virtual ~FileLock() = default;
};

class FileSystem {
 public:
  virtual ~FileSystem() = default;

  // The process-wide POSIX file system.
  static FileSystem* Default();

  // Creates or truncates path for writing.
  virtual Status NewWritableFile(const std::string& path,
                                 std::unique_ptr<WritableFile>* file) = 0;
  // Creates or truncates path for appending a log (a WAL). The file may be
  // preallocated beyond Size(): until Close, its on-disk size may exceed the
  // bytes appended, the excess reading as zeros, and a crash (of the process
  // or the machine) may leave it so; a reader of the log must take zeros
  // after the last record as a torn tail (wal_reader.h). Flush, Sync and
  // Size mean what they mean for NewWritableFile. The default calls this
  // object's NewWritableFile, so a file system (or a wrapper) that does not
  // override NewLogFile hands out its ordinary writable files.
  virtual Status NewLogFile(const std::string& path, std::unique_ptr<WritableFile>* file) {
    return NewWritableFile(path, file);
  }
  virtual Status NewRandomAccessFile(const std::string& path,
                                     std::unique_ptr<RandomAccessFile>* file) = 0;
  virtual Status NewSequentialFile(const std::string& path,
                                   std::unique_ptr<SequentialFile>* file) = 0;

  virtual bool FileExists(const std::string& path) = 0;
  // Names (not paths) of the entries in dir.
  virtual Status GetChildren(const std::string& dir,
                             std::vector<std::string>* names) = 0;
  virtual Status GetFileSize(const std::string& path, std::uint64_t* size) = 0;
  virtual Status RemoveFile(const std::string& path) = 0;
  // Atomically replaces `to` with `from`.
  virtual Status RenameFile(const std::string& from, const std::string& to) = 0;
  // Creates dir; OK when it already exists.
  virtual Status CreateDir(const std::string& dir) = 0;
  // Makes the directory's entries (creations, renames, removals) durable.
  virtual Status SyncDir(const std::string& dir) = 0;
  // Takes an exclusive lock on path (created if missing). Busy, naming the
  // path, when another holder in this or another process has it.
  virtual Status LockFile(const std::string& path,
                          std::unique_ptr<FileLock>* lock) = 0;
};

// Reads a whole file.
Status ReadFileToString(FileSystem* fs, const std::string& path, std::string* data);
// Replaces dir/name with `data` atomically: writes dir/name.tmp, syncs it
// and renames it over dir/name. OK means the rename happened; the caller
// then syncs `dir` to make it durable. On error dir/name is unchanged.
Status WriteFileAtomically(FileSystem* fs, const std::string& dir,
                           const std::string& name, std::string_view data);

}  // namespace aeternus
