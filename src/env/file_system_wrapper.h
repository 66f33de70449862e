#pragma once
// FileSystemWrapper: forwards every call to a target FileSystem; subclasses
// override the calls they want to observe or make fail (tests).
//
// NewLogFile is deliberately not forwarded: the FileSystem default calls
// this object's NewWritableFile, so a subclass that overrides
// NewWritableFile sees the log files too (they are then the target's
// ordinary writable files, not its preallocated log files).

#include "env/file_system.h"

namespace aeternus {

class FileSystemWrapper : public FileSystem {
 public:
  // `target` is borrowed and must outlive this object.
  explicit FileSystemWrapper(FileSystem* target) : target_(target) {}

  Status NewWritableFile(const std::string& path, std::unique_ptr<WritableFile>* file) override {
    return target_->NewWritableFile(path, file);
  }
  Status NewRandomAccessFile(const std::string& path,
                             std::unique_ptr<RandomAccessFile>* file) override {
    return target_->NewRandomAccessFile(path, file);
  }
  Status NewSequentialFile(const std::string& path,
                           std::unique_ptr<SequentialFile>* file) override {
    return target_->NewSequentialFile(path, file);
  }
  bool FileExists(const std::string& path) override { return target_->FileExists(path); }
  Status GetChildren(const std::string& dir, std::vector<std::string>* names) override {
    return target_->GetChildren(dir, names);
  }
  Status GetFileSize(const std::string& path, std::uint64_t* size) override {
    return target_->GetFileSize(path, size);
  }
  Status RemoveFile(const std::string& path) override { return target_->RemoveFile(path); }
  Status RenameFile(const std::string& from, const std::string& to) override {
    return target_->RenameFile(from, to);
  }
  Status CreateDir(const std::string& dir) override { return target_->CreateDir(dir); }
  Status SyncDir(const std::string& dir) override { return target_->SyncDir(dir); }
  Status LockFile(const std::string& path, std::unique_ptr<FileLock>* lock) override {
    return target_->LockFile(path, lock);
  }

 protected:
  FileSystem* target() const { return target_; }

 private:
  FileSystem* const target_;
};

}  // namespace aeternus
