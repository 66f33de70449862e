#pragma once
// The log format: the framing shared by WAL files (NNNNNN.log, payload = an
// encoded write batch) and MANIFEST files (MANIFEST-NNNNNN, payload = an
// encoded version edit). Part of the persistent format: see
// docs/format/wal.md, and change the two together.
//
// Physical layout. A log file is a sequence of kLogBlockSize blocks; the
// last block may be partial. A block holds physical records, and a record
// never crosses a block boundary:
//
//   record   := checksum:fixed32 | length:fixed16 | type:uint8 | data[length]
//   checksum := crc32c::Mask(crc32c(type byte, data))
//
// All integers are little-endian. When fewer than kLogRecordHeaderSize
// bytes remain in a block, the writer fills them with zeros (the block
// trailer) and the reader skips them unchecked.
//
// Logical records. A logical record is a single kFull record, or a kFirst
// record, any number of kMiddle records and a kLast record, each in the
// position that directly follows the previous one (skipping block
// trailers). The logical records of a file are, in order:
//
//   file_header := magic[8] "AeterLog" | kind:uint8 (LogFileKind)
//                  | format_version:uint8 | file_number:fixed64
//                  (a kFull record at offset 0; kLogFileHeaderSize bytes)
//   entry*      := synced_through:fixed64 | payload
//   close?      := one kClose record with no data
//
// synced_through is the file offset up to which the writer knew the file to
// be durable (a successful Sync) when it wrote the entry; it never exceeds
// the entry's own offset and never decreases. A kClose record is written
// only after everything before it was synced, so it stands for
// synced_through = its own offset. The reader uses these claims to tell a
// torn, never-synced tail (dropped) from damage to synced data (Corruption);
// see wal_reader.h.
//
// Zeros may follow the last record, even the close record: a log file may be
// preallocated (FileSystem::NewLogFile) and a crash may keep the reserved
// space. Nothing else may follow a close record.

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace aeternus {

// Which kind of file a log is; stored in its header. Persistent: append,
// never renumber.
enum class LogFileKind : std::uint8_t {
  kWal = 1,
  kManifest = 2,
};

inline std::string_view LogFileKindName(LogFileKind kind) {
  switch (kind) {
    case LogFileKind::kWal:
      return "WAL";
    case LogFileKind::kManifest:
      return "MANIFEST";
  }
  return "unknown";
}

// Format versions, each with what it adds (history in docs/format/wal.md):
//   1: initial.
//   2: a WAL's first entry is a sequence marker (a batch of no records
//      holding the sequence of the WAL's first write). Framing unchanged;
//      manifests unchanged.
//   3: manifests may hold closed_wal fields (version edit tag 6). WALs
//      unchanged: they are still written as version 2.
// A reader refuses a newer version with NotSupported.
inline constexpr std::uint8_t kLogFormatVersion = 3;

// The version a writer puts in the header of a file of `kind`: the last
// one that changed that kind of file.
constexpr std::uint8_t WrittenLogFormatVersion(LogFileKind kind) {
  return kind == LogFileKind::kManifest ? kLogFormatVersion : 2;
}

inline constexpr std::size_t kLogBlockSize = 32 * 1024;

// checksum (4) + length (2) + type (1).
inline constexpr std::size_t kLogRecordHeaderSize = 4 + 2 + 1;

// The largest data of one physical record: a whole block less its header.
inline constexpr std::size_t kLogMaxFragmentSize = kLogBlockSize - kLogRecordHeaderSize;
static_assert(kLogMaxFragmentSize <= 0xffff, "length must fit in fixed16");

// Physical record types. Persistent: append, never renumber.
enum class LogRecordType : std::uint8_t {
  // Never written: what zero-filled (preallocated or lost) space reads as.
  // A reader treats it as a bad record.
  kZero = 0,
  kFull = 1,    // a whole logical record
  kFirst = 2,   // first fragment of a logical record
  kMiddle = 3,  // interior fragment
  kLast = 4,    // last fragment
  kClose = 5,   // clean end of the log: length 0, the last record of the file
};
inline constexpr std::uint8_t kMaxLogRecordType = 5;

// The file header record's data.
inline constexpr std::string_view kLogMagic{"AeterLog", 8};
inline constexpr std::size_t kLogFileHeaderSize = 8 + 1 + 1 + 8;
static_assert(kLogMagic.size() == 8);
static_assert(kLogFileHeaderSize == 18);

// Offset of the first entry: the header record fills the start of block 0.
inline constexpr std::uint64_t kLogFirstEntryOffset = kLogRecordHeaderSize + kLogFileHeaderSize;
static_assert(kLogFirstEntryOffset + kLogRecordHeaderSize <= kLogBlockSize);

// Bytes of synced_through at the front of every entry.
inline constexpr std::size_t kLogSyncedThroughSize = 8;

}  // namespace aeternus
