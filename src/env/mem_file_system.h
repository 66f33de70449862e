#pragma once
// MemFileSystem: a FileSystem held in memory, for fast tests. Every byte
// appended is immediately visible to readers and counts as durable (Sync
// and SyncDir do nothing); wrap it in a FaultInjectionFileSystem to model
// what a power loss keeps.
//
// Thread safety: all methods may be called concurrently, as the FileSystem
// contract requires; files handed out may outlive the MemFileSystem.
//
// Paths are plain strings, not normalised ("a//b" and "a/b" differ).
// Directories are implicit: a file may be created in a directory that was
// never created, and every prefix of a file's path ending before a '/' is a
// directory. CreateDir records empty directories. As on POSIX, a removed
// or renamed file stays readable through handles already open, and
// NewWritableFile truncates an existing file in place.

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include "env/file_system.h"

namespace aeternus {

class MemFileSystem final : public FileSystem {
 public:
  MemFileSystem();
  MemFileSystem(const MemFileSystem&) = delete;
  MemFileSystem& operator=(const MemFileSystem&) = delete;
  ~MemFileSystem() override;

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

  // The contents shared by a file's handles; defined in the .cc.
  struct FileData;
  // The set of held locks, shared with the FileLock handles.
  struct LockTable;

 private:
  // REQUIRES: mu_ is held.
  bool DirExistsLocked(const std::string& dir) const;

  mutable std::mutex mu_;
  std::map<std::string, std::shared_ptr<FileData>> files_;  // guarded by mu_
  std::set<std::string> dirs_;                              // guarded by mu_
  std::shared_ptr<LockTable> locks_;
};

}  // namespace aeternus
