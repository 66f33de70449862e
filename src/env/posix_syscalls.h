#pragma once
// The system calls of the POSIX file system (posix_file_system.cc), each
// behind a thin inline wrapper, and a test seam that makes them fail: as
// SQLite's unix VFS lets its tests override its system calls, so that
// every error path of the file system can be reached on a real disk.
//
// Each wrapper first asks the process-wide fault hook, when one is
// installed, whether the call is to fail. If it is, the wrapper makes no
// call and fails as the call would: errno set and -1 (MAP_FAILED from
// mmap, nullptr from opendir and readdir), or the error number returned
// by posix_fadvise, which does not use errno. With no hook installed a
// wrapper costs one relaxed atomic load and a branch predicted not taken.
//
// Besides the call's own arguments, each wrapper takes the path the call is
// about: the path argument of a call on a path, the path the descriptor was
// opened with for a call on a descriptor ("" when the caller does not
// know it), so that a fault can aim at one kind of file (".log").
//
// Thread safety: the wrappers may be called from any thread, also while a
// hook is being installed or removed.

#include <dirent.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace aeternus {

// The system calls the POSIX file system makes.
enum class PosixCall : std::uint8_t {
  kOpen,
  kClose,
  kRead,
  kPread,
  kWrite,
  kFdatasync,
  kFsync,
  kFtruncate,
  kFallocate,
  kMmap,
  kMunmap,
  kMadvise,
  kPosixFadvise,
  kLseek,
  kFstat,
  kStat,
  kAccess,
  kOpendir,
  kReaddir,
  kClosedir,
  kUnlink,
  kRename,
  kMkdir,
  kFcntl,
};

// "open", "fdatasync", ...: the call's name.
std::string_view PosixCallName(PosixCall call);

// Decides which system calls fail. Installed process-wide, at most one at
// a time.
class PosixFaultHook {
 public:
  virtual ~PosixFaultHook() = default;
  // 0 to make the call, else the errno it fails with. `path` is as the
  // wrappers describe. Called from any thread, concurrently.
  virtual int ErrorFor(PosixCall call, std::string_view path) = 0;
};

// Installs `hook`; false, changing nothing, when a hook is installed
// already.
bool InstallPosixFaultHook(PosixFaultHook* hook);
// Uninstalls `hook`, then waits until no thread is still inside its
// ErrorFor, so that it may be destroyed. REQUIRES: `hook` is installed.
void RemovePosixFaultHook(PosixFaultHook* hook);

// A fault for ScopedPosixFault: which calls match and how they fail.
struct PosixFault {
  PosixCall call = PosixCall::kOpen;
  int error = EIO;
  // The first matching call that fails, counting from 1.
  int nth = 1;
  // When true, every matching call after the nth fails too; else only it.
  bool persistent = false;
  // When not empty, only the calls whose path contains it match. A call on
  // a descriptor whose path the caller does not know never matches then.
  std::string path_contains{};
};

// Tests only (a test seam): while it lives, the calls of the POSIX file
// system that match `fault` fail as it says. Installed by the constructor,
// which aborts the process when another fault hook is installed (one at a
// time), and uninstalled by the destructor.
//
//   ScopedPosixFault fault({.call = PosixCall::kFdatasync, .persistent = true,
//                           .path_contains = ".log"});
//
// Thread safety: the counters may be read while other threads make calls.
class ScopedPosixFault final : public PosixFaultHook {
 public:
  explicit ScopedPosixFault(PosixFault fault);
  ScopedPosixFault(const ScopedPosixFault&) = delete;
  ScopedPosixFault& operator=(const ScopedPosixFault&) = delete;
  ~ScopedPosixFault() override;

  // Matching calls seen so far, and how many of them were failed.
  int matched() const { return matched_.load(); }
  int failed() const { return failed_.load(); }

 private:
  int ErrorFor(PosixCall call, std::string_view path) override;

  const PosixFault fault_;
  std::atomic<int> matched_{0};
  std::atomic<int> failed_{0};
};

namespace posix {
namespace internal {

extern std::atomic<PosixFaultHook*> fault_hook;

// Asks the installed hook, if any (the slow path).
int AskFaultHook(PosixCall call, std::string_view path);

// 0 when the call is to be made, else the errno it fails with.
inline int InjectedError(PosixCall call, std::string_view path) {
  if (fault_hook.load(std::memory_order_relaxed) == nullptr) [[likely]] {
    return 0;
  }
  return AskFaultHook(call, path);
}

// True, with errno set, when the call is to fail.
inline bool Injected(PosixCall call, std::string_view path) {
  const int err = InjectedError(call, path);
  if (err == 0) [[likely]] {
    return false;
  }
  errno = err;
  return true;
}

}  // namespace internal

inline int Open(const std::string& path, int flags, mode_t mode = 0) {
  if (internal::Injected(PosixCall::kOpen, path)) [[unlikely]] {
    return -1;
  }
  return ::open(path.c_str(), flags, mode);
}

// An injected failure still closes fd: on Linux close releases the
// descriptor even when it reports an error (close(2)), and a caller must
// never close it again.
inline int Close(int fd, std::string_view path) {
  if (const int err = internal::InjectedError(PosixCall::kClose, path); err != 0) [[unlikely]] {
    ::close(fd);
    errno = err;
    return -1;
  }
  return ::close(fd);
}

inline ssize_t Read(int fd, void* buf, std::size_t n, std::string_view path) {
  if (internal::Injected(PosixCall::kRead, path)) [[unlikely]] {
    return -1;
  }
  return ::read(fd, buf, n);
}

inline ssize_t Pread(int fd, void* buf, std::size_t n, off_t offset, std::string_view path) {
  if (internal::Injected(PosixCall::kPread, path)) [[unlikely]] {
    return -1;
  }
  return ::pread(fd, buf, n, offset);
}

inline ssize_t Write(int fd, const void* buf, std::size_t n, std::string_view path) {
  if (internal::Injected(PosixCall::kWrite, path)) [[unlikely]] {
    return -1;
  }
  return ::write(fd, buf, n);
}

inline int Fdatasync(int fd, std::string_view path) {
  if (internal::Injected(PosixCall::kFdatasync, path)) [[unlikely]] {
    return -1;
  }
  return ::fdatasync(fd);
}

inline int Fsync(int fd, std::string_view path) {
  if (internal::Injected(PosixCall::kFsync, path)) [[unlikely]] {
    return -1;
  }
  return ::fsync(fd);
}

inline int Ftruncate(int fd, off_t length, std::string_view path) {
  if (internal::Injected(PosixCall::kFtruncate, path)) [[unlikely]] {
    return -1;
  }
  return ::ftruncate(fd, length);
}

#if defined(__linux__)
inline int Fallocate(int fd, int mode, off_t offset, off_t len, std::string_view path) {
  if (internal::Injected(PosixCall::kFallocate, path)) [[unlikely]] {
    return -1;
  }
  return ::fallocate(fd, mode, offset, len);
}
#endif

inline void* Mmap(void* addr, std::size_t len, int prot, int flags, int fd, off_t offset,
                  std::string_view path) {
  if (internal::Injected(PosixCall::kMmap, path)) [[unlikely]] {
    return MAP_FAILED;
  }
  return ::mmap(addr, len, prot, flags, fd, offset);
}

inline int Munmap(void* addr, std::size_t len, std::string_view path) {
  if (internal::Injected(PosixCall::kMunmap, path)) [[unlikely]] {
    return -1;
  }
  return ::munmap(addr, len);
}

inline int Madvise(void* addr, std::size_t len, int advice, std::string_view path) {
  if (internal::Injected(PosixCall::kMadvise, path)) [[unlikely]] {
    return -1;
  }
  return ::madvise(addr, len, advice);
}

// Returns the error number (0 on success); errno is left alone.
inline int PosixFadvise(int fd, off_t offset, off_t len, int advice, std::string_view path) {
  if (const int err = internal::InjectedError(PosixCall::kPosixFadvise, path); err != 0)
      [[unlikely]] {
    return err;
  }
  return ::posix_fadvise(fd, offset, len, advice);
}

inline off_t Lseek(int fd, off_t offset, int whence, std::string_view path) {
  if (internal::Injected(PosixCall::kLseek, path)) [[unlikely]] {
    return -1;
  }
  return ::lseek(fd, offset, whence);
}

inline int Fstat(int fd, struct stat* st, std::string_view path) {
  if (internal::Injected(PosixCall::kFstat, path)) [[unlikely]] {
    return -1;
  }
  return ::fstat(fd, st);
}

inline int Stat(const std::string& path, struct stat* st) {
  if (internal::Injected(PosixCall::kStat, path)) [[unlikely]] {
    return -1;
  }
  return ::stat(path.c_str(), st);
}

inline int Access(const std::string& path, int mode) {
  if (internal::Injected(PosixCall::kAccess, path)) [[unlikely]] {
    return -1;
  }
  return ::access(path.c_str(), mode);
}

inline DIR* Opendir(const std::string& path) {
  if (internal::Injected(PosixCall::kOpendir, path)) [[unlikely]] {
    return nullptr;
  }
  return ::opendir(path.c_str());
}

// nullptr at the end of the directory (errno unchanged) or on an error
// (errno set).
inline struct dirent* Readdir(DIR* dir, std::string_view path) {
  if (internal::Injected(PosixCall::kReaddir, path)) [[unlikely]] {
    return nullptr;
  }
  return ::readdir(dir);
}

// As Close: an injected failure still closes the directory.
inline int Closedir(DIR* dir, std::string_view path) {
  if (const int err = internal::InjectedError(PosixCall::kClosedir, path); err != 0) [[unlikely]] {
    ::closedir(dir);
    errno = err;
    return -1;
  }
  return ::closedir(dir);
}

inline int Unlink(const std::string& path) {
  if (internal::Injected(PosixCall::kUnlink, path)) [[unlikely]] {
    return -1;
  }
  return ::unlink(path.c_str());
}

// The hook sees `from` as the call's path.
inline int Rename(const std::string& from, const std::string& to) {
  if (internal::Injected(PosixCall::kRename, from)) [[unlikely]] {
    return -1;
  }
  return ::rename(from.c_str(), to.c_str());
}

inline int Mkdir(const std::string& path, mode_t mode) {
  if (internal::Injected(PosixCall::kMkdir, path)) [[unlikely]] {
    return -1;
  }
  return ::mkdir(path.c_str(), mode);
}

// fcntl with a struct flock argument (F_SETLK, F_GETLK, ...).
inline int FcntlLock(int fd, int cmd, struct flock* lock, std::string_view path) {
  if (internal::Injected(PosixCall::kFcntl, path)) [[unlikely]] {
    return -1;
  }
  return ::fcntl(fd, cmd, lock);
}

}  // namespace posix
}  // namespace aeternus
