// FileSystem on POSIX: buffered appends, pread, fdatasync, fcntl locks.

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <dirent.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstring>
#include <mutex>
#include <set>

#include "env/file_system.h"

namespace aeternus {
namespace {

Status PosixError(std::string_view context, int err) {
  char buf[256];
  // GNU strerror_r returns the message (possibly not in buf).
  const char* msg = strerror_r(err, buf, sizeof(buf));
  if (err == ENOENT) {
    return Status::NotFound(context, msg);
  }
  return Status::IOError(context, msg);
}

class PosixWritableFile final : public WritableFile {
 public:
  static constexpr std::size_t kBufferSize = 64 * 1024;

  PosixWritableFile(std::string path, int fd) : path_(std::move(path)), fd_(fd) {
    buffer_.reserve(kBufferSize);
  }
  ~PosixWritableFile() override {
    if (fd_ >= 0) {
      Close().IgnoreError();
    }
  }

  Status Append(std::string_view data) override {
    size_ += data.size();
    if (buffer_.size() + data.size() <= kBufferSize) {
      buffer_.append(data);
      return Status::OK();
    }
    if (Status s = FlushBuffer(); !s.ok()) {
      return s;
    }
    if (data.size() <= kBufferSize) {
      buffer_.append(data);
      return Status::OK();
    }
    return WriteRaw(data);
  }

  Status Flush() override { return FlushBuffer(); }

  Status Sync() override {
    if (Status s = FlushBuffer(); !s.ok()) {
      return s;
    }
    if (::fdatasync(fd_) != 0) {
      return PosixError(path_, errno);
    }
    return Status::OK();
  }

  Status Close() override {
    Status s = FlushBuffer();
    if (fd_ >= 0 && ::close(fd_) != 0 && s.ok()) {
      s = PosixError(path_, errno);
    }
    fd_ = -1;
    return s;
  }

  std::uint64_t Size() const override { return size_; }

 private:
  Status FlushBuffer() {
    Status s = WriteRaw(buffer_);
    buffer_.clear();
    return s;
  }

  Status WriteRaw(std::string_view data) {
    while (!data.empty()) {
      ssize_t n = ::write(fd_, data.data(), data.size());
      if (n < 0) {
        if (errno == EINTR) {
          continue;
        }
        return PosixError(path_, errno);
      }
      data.remove_prefix(static_cast<std::size_t>(n));
    }
    return Status::OK();
  }

  std::string path_;
  int fd_;
  std::string buffer_;
  std::uint64_t size_ = 0;
};

class PosixRandomAccessFile final : public RandomAccessFile {
 public:
  PosixRandomAccessFile(std::string path, int fd) : path_(std::move(path)), fd_(fd) {}
  ~PosixRandomAccessFile() override { ::close(fd_); }

  Status Read(std::uint64_t offset, std::size_t n, char* scratch,
              std::string_view* result) const override {
    std::size_t done = 0;
    while (done < n) {
      ssize_t r = ::pread(fd_, scratch + done, n - done,
                          static_cast<off_t>(offset + done));
      if (r < 0) {
        if (errno == EINTR) {
          continue;
        }
        *result = {};
        return PosixError(path_, errno);
      }
      if (r == 0) {
        break;
      }
      done += static_cast<std::size_t>(r);
    }
    *result = std::string_view(scratch, done);
    return Status::OK();
  }

 private:
  std::string path_;
  int fd_;
};

// A whole file mapped read-only: a read is a copy from memory, with no
// system call once the pages are cached. Only for files that never change
// while open (tables); a read past the mapped size returns what lies within.
class PosixMmapRandomAccessFile final : public RandomAccessFile {
 public:
  PosixMmapRandomAccessFile(void* base, std::size_t size, std::atomic<int>* budget)
      : base_(static_cast<const char*>(base)), size_(size), budget_(budget) {}
  ~PosixMmapRandomAccessFile() override {
    ::munmap(const_cast<char*>(base_), size_);
    budget_->fetch_add(1);
  }

  Status Read(std::uint64_t offset, std::size_t n, char* /*scratch*/,
              std::string_view* result) const override {
    if (offset >= size_) {
      *result = {};
      return Status::OK();
    }
    *result = std::string_view(base_ + offset, std::min<std::uint64_t>(n, size_ - offset));
    return Status::OK();
  }
  bool MemoryMapped() const override { return true; }

 private:
  const char* const base_;
  const std::size_t size_;
  std::atomic<int>* const budget_;
};

class PosixSequentialFile final : public SequentialFile {
 public:
  PosixSequentialFile(std::string path, int fd) : path_(std::move(path)), fd_(fd) {}
  ~PosixSequentialFile() override { ::close(fd_); }

  Status Read(std::size_t n, char* scratch, std::string_view* result) override {
    while (true) {
      ssize_t r = ::read(fd_, scratch, n);
      if (r < 0) {
        if (errno == EINTR) {
          continue;
        }
        *result = {};
        return PosixError(path_, errno);
      }
      *result = std::string_view(scratch, static_cast<std::size_t>(r));
      return Status::OK();
    }
  }

 private:
  std::string path_;
  int fd_;
};

// fcntl locks are per process, so the paths this process holds are also
// kept in a set: a second open from the same process is refused too.
std::mutex locked_paths_mu;
std::set<std::string> locked_paths;

class PosixFileLock final : public FileLock {
 public:
  PosixFileLock(std::string path, int fd) : path_(std::move(path)), fd_(fd) {}
  ~PosixFileLock() override {
    struct flock f {};
    f.l_type = F_UNLCK;
    f.l_whence = SEEK_SET;
    ::fcntl(fd_, F_SETLK, &f);
    ::close(fd_);
    std::lock_guard lock(locked_paths_mu);
    locked_paths.erase(path_);
  }

 private:
  std::string path_;
  int fd_;
};

class PosixFileSystem final : public FileSystem {
 public:
  Status NewWritableFile(const std::string& path,
                         std::unique_ptr<WritableFile>* file) override {
    int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) {
      return PosixError(path, errno);
    }
    *file = std::make_unique<PosixWritableFile>(path, fd);
    return Status::OK();
  }

  Status NewRandomAccessFile(const std::string& path,
                             std::unique_ptr<RandomAccessFile>* file) override {
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
      return PosixError(path, errno);
    }
    // Map the file when the budget of mappings allows (each is a kernel
    // memory area, limited per process); read with pread otherwise.
    struct stat st;
    if (::fstat(fd, &st) == 0 && st.st_size > 0) {
      if (mmap_budget_.fetch_sub(1) > 0) {
        const auto size = static_cast<std::size_t>(st.st_size);
        void* base = ::mmap(nullptr, size, PROT_READ, MAP_SHARED, fd, 0);
        if (base != MAP_FAILED) {
          ::close(fd);  // the mapping stays valid
          *file = std::make_unique<PosixMmapRandomAccessFile>(base, size, &mmap_budget_);
          return Status::OK();
        }
      }
      mmap_budget_.fetch_add(1);
    }
    *file = std::make_unique<PosixRandomAccessFile>(path, fd);
    return Status::OK();
  }

  Status NewSequentialFile(const std::string& path,
                           std::unique_ptr<SequentialFile>* file) override {
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
      return PosixError(path, errno);
    }
    *file = std::make_unique<PosixSequentialFile>(path, fd);
    return Status::OK();
  }

  bool FileExists(const std::string& path) override {
    return ::access(path.c_str(), F_OK) == 0;
  }

  Status GetChildren(const std::string& dir, std::vector<std::string>* names) override {
    names->clear();
    DIR* d = ::opendir(dir.c_str());
    if (d == nullptr) {
      return PosixError(dir, errno);
    }
    while (struct dirent* e = ::readdir(d)) {
      std::string_view name(e->d_name);
      if (name != "." && name != "..") {
        names->emplace_back(name);
      }
    }
    ::closedir(d);
    return Status::OK();
  }

  Status GetFileSize(const std::string& path, std::uint64_t* size) override {
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0) {
      *size = 0;
      return PosixError(path, errno);
    }
    *size = static_cast<std::uint64_t>(st.st_size);
    return Status::OK();
  }

  Status RemoveFile(const std::string& path) override {
    if (::unlink(path.c_str()) != 0) {
      return PosixError(path, errno);
    }
    return Status::OK();
  }

  Status RenameFile(const std::string& from, const std::string& to) override {
    if (::rename(from.c_str(), to.c_str()) != 0) {
      return PosixError(from, errno);
    }
    return Status::OK();
  }

  Status CreateDir(const std::string& dir) override {
    if (::mkdir(dir.c_str(), 0755) != 0 && errno != EEXIST) {
      return PosixError(dir, errno);
    }
    return Status::OK();
  }

  Status SyncDir(const std::string& dir) override {
    int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) {
      return PosixError(dir, errno);
    }
    Status s;
    if (::fsync(fd) != 0) {
      s = PosixError(dir, errno);
    }
    ::close(fd);
    return s;
  }

  Status LockFile(const std::string& path, std::unique_ptr<FileLock>* lock) override {
    {
      std::lock_guard guard(locked_paths_mu);
      if (!locked_paths.insert(path).second) {
        return Status::Busy("database is in use by this process", path);
      }
    }
    int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0) {
      std::lock_guard guard(locked_paths_mu);
      locked_paths.erase(path);
      return PosixError(path, errno);
    }
    struct flock f {};
    f.l_type = F_WRLCK;
    f.l_whence = SEEK_SET;
    if (::fcntl(fd, F_SETLK, &f) != 0) {
      int err = errno;
      ::close(fd);
      std::lock_guard guard(locked_paths_mu);
      locked_paths.erase(path);
      if (err == EACCES || err == EAGAIN) {
        return Status::Busy("database is in use by another process", path);
      }
      return PosixError(path, err);
    }
    *lock = std::make_unique<PosixFileLock>(path, fd);
    return Status::OK();
  }

 private:
  // Mappings still allowed: each is a kernel memory area, and a process
  // may have only so many (vm.max_map_count, 65530 by default).
  std::atomic<int> mmap_budget_{4096};
};

}  // namespace

FileSystem* FileSystem::Default() {
  static PosixFileSystem fs;
  return &fs;
}

}  // namespace aeternus
