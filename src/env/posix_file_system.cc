// FileSystem on POSIX: buffered appends, pread, fdatasync, fcntl locks; log
// files reserved with fallocate and appended through a shared mapping
// (posix_log_file.h). Every system call goes through the wrappers of
// posix_syscalls.h, which tests can make fail.

#include <dirent.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstring>
#include <mutex>
#include <set>

#include "env/file_system.h"
#include "env/posix_log_file.h"
#include "env/posix_syscalls.h"

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

// `call` failed with err on path.
Status PosixCallError(const std::string& path, std::string_view call, int err) {
  char buf[256];
  std::string detail(call);
  detail += ": ";
  detail += strerror_r(err, buf, sizeof(buf));
  return Status::IOError(path, detail);
}

// After a failed write or sync, what reached the file is unknown: every
// later Append, Flush and Sync returns that first error (Close still closes).
class PosixWritableFile final : public WritableFile {
 public:
  static constexpr std::size_t kBufferSize = 64 * 1024;

  PosixWritableFile(std::string path, int fd) : path_(std::move(path)), fd_(fd) {
    buffer_.reserve(kBufferSize);
  }
  // Takes over a log file (PosixLogFile) that holds `size` bytes appended,
  // with fd's offset at their end; when truncate_at_close, the file may be
  // longer (reserved space) and Close truncates it to Size().
  PosixWritableFile(std::string path, int fd, std::uint64_t size, bool truncate_at_close)
      : PosixWritableFile(std::move(path), fd) {
    size_ = size;
    truncate_at_close_ = truncate_at_close;
  }
  ~PosixWritableFile() override {
    if (fd_ >= 0) {
      Close().IgnoreError();
    }
  }

  Status Append(std::string_view data) override {
    if (!error_.ok()) {
      return error_;
    }
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
    if (posix::Fdatasync(fd_, path_) != 0) {
      error_ = PosixError(path_, errno);
      return error_;
    }
    return Status::OK();
  }

  Status Close() override {
    Status s = FlushBuffer();
    // Also after an error: the reserved space past Size() reads as zeros,
    // which is no harm, but is freed.
    if (truncate_at_close_ && fd_ >= 0) {
      while (posix::Ftruncate(fd_, static_cast<off_t>(size_), path_) != 0) {
        if (errno != EINTR) {
          if (s.ok()) {
            s = PosixCallError(path_, "ftruncate", errno);
          }
          break;
        }
      }
    }
    if (fd_ >= 0 && posix::Close(fd_, path_) != 0 && s.ok()) {
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
    if (!error_.ok()) {
      return error_;
    }
    while (!data.empty()) {
      ssize_t n = posix::Write(fd_, data.data(), data.size(), path_);
      if (n < 0) {
        if (errno == EINTR) {
          continue;
        }
        error_ = PosixError(path_, errno);
        return error_;
      }
      data.remove_prefix(static_cast<std::size_t>(n));
    }
    return Status::OK();
  }

  std::string path_;
  int fd_;
  std::string buffer_;
  std::uint64_t size_ = 0;
  bool truncate_at_close_ = false;
  Status error_;  // the first failed write or sync
};

#if defined(__linux__)

// The log file of posix_log_file.h: space reserved ahead with fallocate,
// appends copied into a shared mapping of the reserved window.
class PosixLogFile final : public WritableFile {
 public:
  PosixLogFile(std::string path, int fd, const PosixLogFileOptions& options)
      : path_(std::move(path)), fd_(fd), options_(options) {
    const auto page = static_cast<std::uint64_t>(::sysconf(_SC_PAGESIZE));
    page_size_ = page > 0 ? page : 4096;
    max_window_ = RoundUpToPage(std::max<std::uint64_t>(options.max_window, 1));
    window_ =
        std::min(RoundUpToPage(std::max<std::uint64_t>(options.initial_window, 1)), max_window_);
    unmap_behind_ = options.unmap_behind == 0 ? 0 : RoundUpToPage(options.unmap_behind);
  }
  PosixLogFile(const PosixLogFile&) = delete;
  PosixLogFile& operator=(const PosixLogFile&) = delete;
  ~PosixLogFile() override {
    if (!closed_) {
      Close().IgnoreError();
    }
  }

  Status Append(std::string_view data) override {
    if (buffered_ != nullptr) {
      return buffered_->Append(data);
    }
    if (closed_) {
      return Status::IOError(path_, "append to a closed file");
    }
    if (!error_.ok()) {
      return error_;
    }
    // Reserve everything this append needs before storing any of it, so
    // that a failure leaves Size() where it was.
    const std::uint64_t end = size_ + data.size();
    if (end > reserved_) {
      if (Status s = Reserve(end); !s.ok()) {
        return s;
      }
      if (buffered_ != nullptr) {
        return buffered_->Append(data);
      }
    }
    // Invariant: map_start_ <= size_ <= map_end_ <= reserved_; map_start_
    // is page-aligned.
    while (!data.empty()) {
      if (size_ == map_end_) {
        if (Status s = MapNextWindow(); !s.ok()) {
          return s;
        }
        if (buffered_ != nullptr) {
          return buffered_->Append(data);
        }
      }
      const std::size_t n =
          static_cast<std::size_t>(std::min<std::uint64_t>(data.size(), map_end_ - size_));
      std::memcpy(map_ + (size_ - map_start_), data.data(), n);
      size_ += n;
      data.remove_prefix(n);
    }
    if (unmap_behind_ != 0 && size_ - map_start_ >= unmap_behind_ && size_ < map_end_) {
      UnmapFilledPages();
    }
    return Status::OK();
  }

  // The bytes are in the page cache already.
  Status Flush() override {
    if (buffered_ != nullptr) {
      return buffered_->Flush();
    }
    if (closed_) {
      return Status::IOError(path_, "flush of a closed file");
    }
    return error_;
  }

  Status Sync() override {
    if (buffered_ != nullptr) {
      return buffered_->Sync();
    }
    if (closed_) {
      return Status::IOError(path_, "sync of a closed file");
    }
    if (!error_.ok()) {
      return error_;
    }
    // On Linux fdatasync writes back the pages dirtied through the mapping
    // too (they are marked dirty when first written after each writeback).
    // After a failure, pages may be marked clean without reaching the disk.
    if (posix::Fdatasync(fd_, path_) != 0) {
      error_ = PosixError(path_, errno);
      return error_;
    }
    const std::uint64_t gap = size_ - synced_size_;
    synced_size_ = size_;
    return AdviseForSyncGap(gap);
  }

  Status Close() override {
    if (buffered_ != nullptr) {
      closed_ = true;
      return buffered_->Close();
    }
    if (closed_) {
      return Status::OK();
    }
    closed_ = true;
    Status s = error_;
    if (Status u = Unmap(); s.ok()) {
      s = u;
    }
    // Not synced: after a machine crash the file may keep the zeros.
    if (reserved_ > size_) {
      while (posix::Ftruncate(fd_, static_cast<off_t>(size_), path_) != 0) {
        if (errno != EINTR) {
          if (s.ok()) {
            s = PosixCallError(path_, "ftruncate", errno);
          }
          break;
        }
      }
    }
    if (posix::Close(fd_, path_) != 0 && s.ok()) {
      s = PosixError(path_, errno);
    }
    fd_ = -1;
    return s;
  }

  std::uint64_t Size() const override { return buffered_ != nullptr ? buffered_->Size() : size_; }

 private:
  std::uint64_t RoundUpToPage(std::uint64_t n) const {
    return (n + page_size_ - 1) / page_size_ * page_size_;
  }

  // Extends the reserved space to cover `end` and, when there is room, the
  // next window. Switches to buffered_ when fallocate is not supported.
  Status Reserve(std::uint64_t end) {
    const std::uint64_t needed = RoundUpToPage(end);
    std::uint64_t target = RoundUpToPage(std::max(end, reserved_ + window_));
    int err = Fallocate(target);
    if (err != 0 && err != EOPNOTSUPP && err != ENOSYS && target > needed) {
      // Out of space (or over a size limit) for the whole window: reserve
      // just what this append needs.
      target = needed;
      err = Fallocate(target);
    }
    if (err == EOPNOTSUPP || err == ENOSYS) {
      return SwitchToBuffered();
    }
    if (err != 0) {
      return PosixCallError(path_, "fallocate", err);
    }
    reserved_ = target;
    window_ = std::min(window_ * 2, max_window_);
    return Status::OK();
  }

  // Sets syncs_often_ from the bytes appended between two syncs (see
  // PosixLogFileOptions::frequent_sync) and, when it changes, advises the
  // current mapping.
  Status AdviseForSyncGap(std::uint64_t gap) {
    ++sync_calls_;
    if (options_.frequent_sync == 0 || sync_calls_ == 1) {
      return Status::OK();
    }
    const bool often = gap < options_.frequent_sync;
    if (often == syncs_often_) {
      return Status::OK();
    }
    syncs_often_ = often;
    if (often) {
      return RemapForSmallFolios();
    }
    Advise();
    return Status::OK();
  }

  // madvise of the current mapping for syncs_often_. Advice only: a
  // failure changes nothing but the size of later folios.
  void Advise() const {
    if (map_ != nullptr) {
      posix::Madvise(map_, static_cast<std::size_t>(map_end_ - map_start_),
                     syncs_often_ ? MADV_RANDOM : MADV_NORMAL, path_);
    }
  }

  // Syncs have become frequent, but faults of the current window may have
  // read ahead large folios past size_, which each append after a sync
  // would dirty, and the sync write back, in full. The window is unmapped,
  // the clean pages after the one holding size_ are dropped from the page
  // cache up to the end of the reserved space (they hold only its zeros:
  // never data, never dirty), and the window is mapped again from that
  // page, advised.
  Status RemapForSmallFolios() {
    if (map_ == nullptr || size_ == map_end_) {
      return Status::OK();  // the next window is advised when mapped
    }
    if (Status s = Unmap(); !s.ok()) {
      return s;
    }
    const std::uint64_t next_page = RoundUpToPage(size_);
    if (next_page < reserved_) {
      posix::PosixFadvise(fd_, static_cast<off_t>(next_page),
                          static_cast<off_t>(reserved_ - next_page), POSIX_FADV_DONTNEED, path_);
    }
    map_start_ = map_end_ = size_ / page_size_ * page_size_;
    return MapNextWindow();
  }

  // fallocate(mode 0) of [reserved_, target): 0 or the errno.
  int Fallocate(std::uint64_t target) {
    ++fallocate_calls_;
    if (options_.fail_fallocate_from != 0 && fallocate_calls_ >= options_.fail_fallocate_from) {
      return options_.fallocate_errno;
    }
    while (posix::Fallocate(fd_, 0, static_cast<off_t>(reserved_),
                            static_cast<off_t>(target - reserved_), path_) != 0) {
      if (errno != EINTR) {
        return errno;
      }
    }
    return 0;
  }

  // Maps the reserved space from map_end_ on (at most max_window_ bytes).
  // REQUIRES: map_ is null or size_ == map_end_; map_end_ is page-aligned,
  // map_end_ <= size_ < reserved_. Switches to buffered_ when
  // mmap fails.
  Status MapNextWindow() {
    if (Status s = Unmap(); !s.ok()) {
      return s;
    }
    const std::uint64_t start = map_end_;
    const std::uint64_t len = std::min(reserved_ - start, max_window_);
    ++mmap_calls_;
    void* base = MAP_FAILED;
    if (options_.fail_mmap_from == 0 || mmap_calls_ < options_.fail_mmap_from) {
      base = posix::Mmap(nullptr, static_cast<std::size_t>(len), PROT_READ | PROT_WRITE, MAP_SHARED,
                         fd_, static_cast<off_t>(start), path_);
    }
    if (base == MAP_FAILED) {
      return SwitchToBuffered();
    }
    map_ = static_cast<char*>(base);
    map_start_ = start;
    map_end_ = start + len;
    if (syncs_often_) {
      Advise();
    }
    return Status::OK();
  }

  Status Unmap() {
    if (map_ == nullptr) {
      return Status::OK();
    }
    const int r = posix::Munmap(map_, static_cast<std::size_t>(map_end_ - map_start_), path_);
    map_ = nullptr;
    map_start_ = map_end_;
    if (r != 0) {
      // The window is gone from under size_: nothing more can be stored.
      error_ = PosixCallError(path_, "munmap", errno);
      return error_;
    }
    return Status::OK();
  }

  // Unmaps the whole pages of the mapping before size_. REQUIRES: map_ is
  // not null, size_ < map_end_. A failed munmap leaves the mapping as it
  // was: the pages go with the rest of the window.
  void UnmapFilledPages() {
    const std::uint64_t filled = (size_ - map_start_) / page_size_ * page_size_;
    if (filled == 0 || posix::Munmap(map_, static_cast<std::size_t>(filled), path_) != 0) {
      return;
    }
    map_ += filled;
    map_start_ += filled;
  }

  // Carries on with write(2) appends at size_; the fd moves to buffered_.
  Status SwitchToBuffered() {
    if (Status s = Unmap(); !s.ok()) {
      return s;
    }
    if (posix::Lseek(fd_, static_cast<off_t>(size_), SEEK_SET, path_) < 0) {
      error_ = PosixCallError(path_, "lseek", errno);
      return error_;
    }
    buffered_ = std::make_unique<PosixWritableFile>(path_, fd_, size_, reserved_ > size_);
    fd_ = -1;
    return Status::OK();
  }

  const std::string path_;
  int fd_;
  const PosixLogFileOptions options_;
  std::uint64_t page_size_ = 4096;
  std::uint64_t window_ = 0;      // the next reservation's size
  std::uint64_t max_window_ = 0;  // of reservations and of a mapping
  std::uint64_t size_ = 0;        // bytes appended
  std::uint64_t reserved_ = 0;    // the file's size: [0, reserved_) allocated
  char* map_ = nullptr;           // [map_start_, map_end_) of the file, or null
  std::uint64_t map_start_ = 0;
  std::uint64_t map_end_ = 0;  // also where the next window starts
  // Filled bytes that trigger an unmap (UnmapFilledPages): a multiple of
  // the page size, or 0 for never.
  std::uint64_t unmap_behind_ = 0;
  std::uint64_t synced_size_ = 0;  // size_ at the last Sync
  int sync_calls_ = 0;
  bool syncs_often_ = false;  // the mapping is advised MADV_RANDOM
  bool closed_ = false;
  // A failed sync, munmap or lseek: every later Append, Flush and Sync
  // returns it. (A failed fallocate stores nothing and leaves the file as
  // it was: it is not remembered.)
  Status error_;
  int fallocate_calls_ = 0;
  int mmap_calls_ = 0;
  // Set once fallocate or mmap failed this way: the rest goes through it.
  std::unique_ptr<PosixWritableFile> buffered_;
};

#endif  // __linux__

class PosixRandomAccessFile final : public RandomAccessFile {
 public:
  PosixRandomAccessFile(std::string path, int fd) : path_(std::move(path)), fd_(fd) {}
  ~PosixRandomAccessFile() override { posix::Close(fd_, path_); }

  Status Read(std::uint64_t offset, std::size_t n, char* scratch,
              std::string_view* result) const override {
    std::size_t done = 0;
    while (done < n) {
      ssize_t r =
          posix::Pread(fd_, scratch + done, n - done, static_cast<off_t>(offset + done), path_);
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
    posix::Munmap(const_cast<char*>(base_), size_, {});
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
  void WillNotNeed(std::uint64_t offset, std::uint64_t n) const override {
    // Whole pages inside the range only; MADV_DONTNEED on a shared file
    // mapping unmaps them and leaves the page cache as it is.
    const std::uint64_t page = PageSize();
    const std::uint64_t begin = (offset + page - 1) / page * page;
    const std::uint64_t end = std::min<std::uint64_t>(offset + n, size_) / page * page;
    if (begin < end) {
      posix::Madvise(const_cast<char*>(base_) + begin, static_cast<std::size_t>(end - begin),
                     MADV_DONTNEED, {});
    }
  }

 private:
  static std::uint64_t PageSize() {
    static const std::uint64_t page = [] {
      const long p = ::sysconf(_SC_PAGESIZE);
      return p > 0 ? static_cast<std::uint64_t>(p) : std::uint64_t{4096};
    }();
    return page;
  }

  const char* const base_;
  const std::size_t size_;
  std::atomic<int>* const budget_;
};

class PosixSequentialFile final : public SequentialFile {
 public:
  PosixSequentialFile(std::string path, int fd) : path_(std::move(path)), fd_(fd) {}
  ~PosixSequentialFile() override { posix::Close(fd_, path_); }

  Status Read(std::size_t n, char* scratch, std::string_view* result) override {
    while (true) {
      ssize_t r = posix::Read(fd_, scratch, n, path_);
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
    posix::FcntlLock(fd_, F_SETLK, &f, path_);
    posix::Close(fd_, path_);
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
    int fd = posix::Open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) {
      return PosixError(path, errno);
    }
    *file = std::make_unique<PosixWritableFile>(path, fd);
    return Status::OK();
  }

  Status NewLogFile(const std::string& path, std::unique_ptr<WritableFile>* file) override {
    return NewPosixLogFile(path, PosixLogFileOptions(), file);
  }

  Status NewRandomAccessFile(const std::string& path,
                             std::unique_ptr<RandomAccessFile>* file) override {
    int fd = posix::Open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
      return PosixError(path, errno);
    }
    // Map the file when the budget of mappings allows (each is a kernel
    // memory area, limited per process); read with pread otherwise.
    struct stat st;
    if (posix::Fstat(fd, &st, path) == 0 && st.st_size > 0) {
      if (mmap_budget_.fetch_sub(1) > 0) {
        const auto size = static_cast<std::size_t>(st.st_size);
        void* base = posix::Mmap(nullptr, size, PROT_READ, MAP_SHARED, fd, 0, path);
        if (base != MAP_FAILED) {
          posix::Close(fd, path);  // the mapping stays valid
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
    int fd = posix::Open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
      return PosixError(path, errno);
    }
    *file = std::make_unique<PosixSequentialFile>(path, fd);
    return Status::OK();
  }

  bool FileExists(const std::string& path) override {
    return posix::Access(path, F_OK) == 0;
  }

  Status GetChildren(const std::string& dir, std::vector<std::string>* names) override {
    names->clear();
    DIR* d = posix::Opendir(dir);
    if (d == nullptr) {
      return PosixError(dir, errno);
    }
    // readdir returns null both at the end and on an error; only an error
    // sets errno.
    errno = 0;
    while (struct dirent* e = posix::Readdir(d, dir)) {
      std::string_view name(e->d_name);
      if (name != "." && name != "..") {
        names->emplace_back(name);
      }
    }
    const int err = errno;
    posix::Closedir(d, dir);
    if (err != 0) {
      names->clear();
      return PosixCallError(dir, "readdir", err);
    }
    return Status::OK();
  }

  Status GetFileSize(const std::string& path, std::uint64_t* size) override {
    struct stat st {};
    if (posix::Stat(path, &st) != 0) {
      *size = 0;
      return PosixError(path, errno);
    }
    *size = static_cast<std::uint64_t>(st.st_size);
    return Status::OK();
  }

  Status RemoveFile(const std::string& path) override {
    if (posix::Unlink(path) != 0) {
      return PosixError(path, errno);
    }
    return Status::OK();
  }

  Status RenameFile(const std::string& from, const std::string& to) override {
    if (posix::Rename(from, to) != 0) {
      return PosixError(from, errno);
    }
    return Status::OK();
  }

  Status CreateDir(const std::string& dir) override {
    if (posix::Mkdir(dir, 0755) != 0 && errno != EEXIST) {
      return PosixError(dir, errno);
    }
    return Status::OK();
  }

  Status SyncDir(const std::string& dir) override {
    int fd = posix::Open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) {
      return PosixError(dir, errno);
    }
    Status s;
    if (posix::Fsync(fd, dir) != 0) {
      s = PosixError(dir, errno);
    }
    posix::Close(fd, dir);
    return s;
  }

  Status LockFile(const std::string& path, std::unique_ptr<FileLock>* lock) override {
    {
      std::lock_guard guard(locked_paths_mu);
      if (!locked_paths.insert(path).second) {
        return Status::Busy("database is in use by this process", path);
      }
    }
    int fd = posix::Open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0) {
      std::lock_guard guard(locked_paths_mu);
      locked_paths.erase(path);
      return PosixError(path, errno);
    }
    struct flock f {};
    f.l_type = F_WRLCK;
    f.l_whence = SEEK_SET;
    if (posix::FcntlLock(fd, F_SETLK, &f, path) != 0) {
      int err = errno;
      posix::Close(fd, path);
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

Status NewPosixLogFile(const std::string& path, const PosixLogFileOptions& options,
                       std::unique_ptr<WritableFile>* file) {
#if defined(__linux__)
  // Read access too: a shared writable mapping needs it.
  int fd = posix::Open(path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) {
    return PosixError(path, errno);
  }
  *file = std::make_unique<PosixLogFile>(path, fd, options);
  return Status::OK();
#else
  (void)options;
  return FileSystem::Default()->NewWritableFile(path, file);
#endif
}

FileSystem* FileSystem::Default() {
  static PosixFileSystem fs;
  return &fs;
}

}  // namespace aeternus
