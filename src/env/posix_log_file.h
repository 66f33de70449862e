#pragma once
// The log file of the POSIX file system (FileSystem::NewLogFile), exposed so
// that tests can shrink its windows and make its system calls fail.
//
// On Linux, space is reserved ahead of the appends in windows with
// fallocate(fd, 0, offset, len): the blocks are allocated and the file size
// (i_size) covers them, so a store into a shared mapping of the window can
// never fail for lack of space (no SIGBUS), and an fdatasync after appends
// that stay inside the reserved space changes no file size, so it needs no
// journal commit for one. Each window is mapped MAP_SHARED read/write and an
// append is a memcpy into it: no system call per append. The previous
// window is unmapped when the next is mapped, and the whole pages of the
// current window that appends have filled are unmapped as they pass
// (unmap_behind): they are never written again, and mapped they would count
// in the process's resident memory although they are only page cache.
// Unmapping keeps their data: the kernel marks the pages dirty in the page
// cache, where Sync and writeback find them.
//   - Flush does nothing: the bytes are already in the page cache, so a
//     process crash loses nothing.
//   - Sync is fdatasync, which on Linux writes back the pages dirtied
//     through a shared mapping of the file. The kernel dirties, counts and
//     writes back a whole page-cache folio, and the folios it allocates
//     when faults in a large mapping read ahead grow to 16 KiB and more
//     (2 MiB in a 64 MiB mapping): an append after each sync would then
//     write a whole folio again. So once syncs come often (frequent_sync),
//     the mapping is advised MADV_RANDOM, which keeps the folios that later
//     faults allocate to one page; when they come rarely again, it goes
//     back to MADV_NORMAL (larger folios, fewer faults).
//   - Close (and the destructor) unmaps, truncates the file to the bytes
//     appended and closes it. The truncation is not synced: after a machine
//     crash the file may keep zeros (reserved space) past the last record,
//     and after a process crash it always does.
//   - Size() is the bytes appended.
// If fallocate is not supported (EOPNOTSUPP, ENOSYS: some file systems) or
// mmap fails, the file carries on with buffered write(2) appends from where
// it stands, as NewWritableFile's files do (and still truncates the
// reserved space at Close). Any other fallocate error (ENOSPC, EDQUOT,
// EFBIG, EIO) fails the Append that needed the space with IOError naming the
// path, before any byte of it is stored: Size() does not move.
//
// Elsewhere than Linux, NewLogFile returns NewWritableFile's file.
//
// Thread safety: as WritableFile (one thread at a time).

#include <cstddef>
#include <memory>
#include <string>

#include "aeternus/status.h"

#include "env/file_system.h"

namespace aeternus {

struct PosixLogFileOptions {
  // The first window reserved (and mapped) is initial_window bytes; each
  // later reservation doubles, up to max_window. Rounded up to the page
  // size. An append larger than the window reserves all it needs at once
  // and is copied through mappings of at most max_window bytes. When the
  // whole window cannot be reserved (ENOSPC, EDQUOT, EFBIG), only what the
  // append needs is tried before failing.
  //
  // Measured (ext4, Linux 6.18, 150-byte appends): per append 0.29 us with
  // fixed 64 KiB windows, 0.16 us with 1-4 MiB, 0.10 us with 16 MiB (the
  // kernel maps larger folios per page fault in larger mappings: 15,000
  // faults for 150 MB instead of 37,000), against 0.84 us for write(2).
  // Growing from 64 KiB keeps small logs small (at most about twice their
  // size reserved); 16 MiB bounds the zeros a crash can leave per log.
  std::size_t initial_window = 64 << 10;
  std::size_t max_window = 16 << 20;

  // Once appends have filled at least this many bytes of whole pages at the
  // start of the current mapping, those pages are unmapped (one munmap):
  // at most about this much appended data stays mapped. Rounded up to the
  // page size; 0 keeps each window mapped in full until the next.
  std::size_t unmap_behind = 1 << 20;

  // A Sync after fewer than this many bytes appended since the previous
  // one (not counting the file's first Sync) is frequent: from there on the
  // mapping is advised MADV_RANDOM, until a Sync comes after this many
  // bytes or more. Measured (ext4, Linux 6.18, 150-byte appends): a synced
  // append in a 16 MiB window dirtied 16 KiB with readahead's folios and 4
  // KiB with MADV_RANDOM; an unsynced append costs 0.16 us instead of
  // 0.09 us under MADV_RANDOM. 0 never advises.
  std::size_t frequent_sync = 1 << 20;

  // Tests: when not 0, the n-th call (counting from 1) of fallocate and
  // every later one fail with fallocate_errno instead of being made; the
  // same for mmap (which fails as with ENOMEM).
  int fail_fallocate_from = 0;
  int fallocate_errno = 0;
  int fail_mmap_from = 0;
};

// What PosixFileSystem::NewLogFile does, with `options`. Creates or
// truncates path.
Status NewPosixLogFile(const std::string& path, const PosixLogFileOptions& options,
                       std::unique_ptr<WritableFile>* file);

}  // namespace aeternus
