#pragma once
// WalWriter: appends logical records to a new log file (a WAL or a
// MANIFEST) in the format of wal_format.h / docs/format/wal.md.
//
// Thread safety: none; one thread at a time (the DB's write leader, or the
// holder of the MANIFEST lock).
//
// Durability: AddRecord only buffers; Flush hands the bytes to the OS
// (they survive a process crash); Sync makes them durable (they survive a
// machine crash). Each entry records the offset up to which the file was
// synced when the entry was written, so that after a crash the reader can
// tell a torn unsynced tail from damage to synced data.
//
// Errors are sticky: after any failed Append, Flush or Sync the file may end
// in a partial record, or the kernel may have dropped pages it failed to
// write, so every later call returns the first error. The caller must stop
// using this file and start a new one; appending after garbage would put
// records where recovery never reads them.
//
// Destroying a writer without Close() closes the file without syncing it and
// without a close record: what a crash leaves.

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "aeternus/status.h"

#include "env/file_system.h"
#include "wal/wal_format.h"

namespace aeternus {

class WalWriter {
  struct PrivateTag {
    explicit PrivateTag() = default;
  };

 public:
  // Takes a new, empty file and writes (buffers) its header record, naming
  // `kind` and `file_number`. Nothing is flushed or synced yet.
  // InvalidArgument when the file is not empty.
  static Status Create(std::unique_ptr<WritableFile> file, LogFileKind kind,
                       std::uint64_t file_number, std::unique_ptr<WalWriter>* out);

  WalWriter(PrivateTag, std::unique_ptr<WritableFile> file, LogFileKind kind,
            std::uint64_t file_number);
  WalWriter(const WalWriter&) = delete;
  WalWriter& operator=(const WalWriter&) = delete;
  ~WalWriter() = default;

  // Appends one logical record holding `payload` (any size, empty allowed),
  // fragmented across blocks as needed, with a single Append to the file.
  // Does not flush. Allocation-free once the scratch buffer has grown to
  // the largest record (records over 4 MiB release it again afterwards).
  // REQUIRES: not closed.
  Status AddRecord(std::string_view payload);

  // Hands buffered bytes to the OS. REQUIRES: not closed.
  Status Flush();

  // Flush, then fdatasync. On success, records added later claim
  // synced_through = file_size() as of this call. REQUIRES: not closed.
  Status Sync();

  // Sync, then appends the close record, syncs it and closes the file. The
  // file is closed even when an earlier step fails; the first error is
  // returned. Later calls of any method fail. REQUIRES: not closed.
  Status Close();

  // Bytes written to the file so far (header, records, trailers), flushed
  // or not.
  std::uint64_t file_size() const { return file_size_; }
  // Bytes known durable: file_size() as of the last successful Sync().
  std::uint64_t synced_size() const { return synced_size_; }
  std::uint64_t file_number() const { return file_number_; }
  LogFileKind kind() const { return kind_; }

 private:
  // Emits `prefix` followed by `payload` as one logical record.
  Status EmitRecord(std::string_view prefix, std::string_view payload);
  Status EmitClose();
  // Hands `n` bytes of scratch_ to the file and accounts for them.
  Status AppendScratch(std::size_t n, std::size_t new_block_offset);
  // The sticky error, or InvalidArgument once closed; OK when usable.
  Status CheckUsable() const;

  std::unique_ptr<WritableFile> file_;
  const LogFileKind kind_;
  const std::uint64_t file_number_;
  // Invariant: block_offset_ == file_size_ % kLogBlockSize.
  std::size_t block_offset_ = 0;
  std::uint64_t file_size_ = 0;
  std::uint64_t synced_size_ = 0;  // <= file_size_
  bool closed_ = false;
  Status error_;         // first failure; sticky
  std::string scratch_;  // encoded physical records; size() is its capacity
};

}  // namespace aeternus
