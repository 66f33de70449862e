// The fault hook of the POSIX system call wrappers (posix_syscalls.h).

#include "env/posix_syscalls.h"

#include <cassert>
#include <cstdio>
#include <cstdlib>
#include <thread>
#include <utility>

namespace aeternus {
namespace posix::internal {

std::atomic<PosixFaultHook*> fault_hook{nullptr};

namespace {
// Threads inside AskFaultHook. With the hook's sequentially consistent
// load there, it lets RemovePosixFaultHook wait for the callers that may
// still use the hook it removed: a caller either counts itself before
// RemovePosixFaultHook clears the hook, and is then waited for, or it
// loads the cleared hook.
std::atomic<int> hook_callers{0};
}  // namespace

int AskFaultHook(PosixCall call, std::string_view path) {
  hook_callers.fetch_add(1);
  int err = 0;
  if (PosixFaultHook* hook = fault_hook.load(); hook != nullptr) {
    err = hook->ErrorFor(call, path);
  }
  hook_callers.fetch_sub(1);
  return err;
}

}  // namespace posix::internal

std::string_view PosixCallName(PosixCall call) {
  switch (call) {
    case PosixCall::kOpen: return "open";
    case PosixCall::kClose: return "close";
    case PosixCall::kRead: return "read";
    case PosixCall::kPread: return "pread";
    case PosixCall::kWrite: return "write";
    case PosixCall::kFdatasync: return "fdatasync";
    case PosixCall::kFsync: return "fsync";
    case PosixCall::kFtruncate: return "ftruncate";
    case PosixCall::kFallocate: return "fallocate";
    case PosixCall::kMmap: return "mmap";
    case PosixCall::kMunmap: return "munmap";
    case PosixCall::kMadvise: return "madvise";
    case PosixCall::kPosixFadvise: return "posix_fadvise";
    case PosixCall::kLseek: return "lseek";
    case PosixCall::kFstat: return "fstat";
    case PosixCall::kStat: return "stat";
    case PosixCall::kAccess: return "access";
    case PosixCall::kOpendir: return "opendir";
    case PosixCall::kReaddir: return "readdir";
    case PosixCall::kClosedir: return "closedir";
    case PosixCall::kUnlink: return "unlink";
    case PosixCall::kRename: return "rename";
    case PosixCall::kMkdir: return "mkdir";
    case PosixCall::kFcntl: return "fcntl";
  }
  return "unknown";
}

bool InstallPosixFaultHook(PosixFaultHook* hook) {
  PosixFaultHook* expected = nullptr;
  return posix::internal::fault_hook.compare_exchange_strong(expected, hook);
}

void RemovePosixFaultHook(PosixFaultHook* hook) {
  PosixFaultHook* expected = hook;
  [[maybe_unused]] const bool removed =
      posix::internal::fault_hook.compare_exchange_strong(expected, nullptr);
  assert(removed);
  while (posix::internal::hook_callers.load() != 0) {
    std::this_thread::yield();
  }
}

ScopedPosixFault::ScopedPosixFault(PosixFault fault) : fault_(std::move(fault)) {
  if (!InstallPosixFaultHook(this)) {
    std::fprintf(stderr, "ScopedPosixFault: another fault hook is installed\n");
    std::abort();
  }
}

ScopedPosixFault::~ScopedPosixFault() { RemovePosixFaultHook(this); }

int ScopedPosixFault::ErrorFor(PosixCall call, std::string_view path) {
  if (call != fault_.call) {
    return 0;
  }
  if (!fault_.path_contains.empty() && path.find(fault_.path_contains) == std::string_view::npos) {
    return 0;
  }
  const int n = matched_.fetch_add(1) + 1;
  if (n == fault_.nth || (fault_.persistent && n > fault_.nth)) {
    failed_.fetch_add(1);
    return fault_.error;
  }
  return 0;
}

}  // namespace aeternus
