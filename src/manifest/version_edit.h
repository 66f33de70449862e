#pragma once
// VersionEdit: one change to the set of live tables and the counters,
// recorded as one manifest record (docs/format/manifest.md).
//
// Encoding: a sequence of fields, each `tag varint32 | body`:
//   1 log_number        varint64   WALs numbered below it are flushed
//   2 next_file_number  varint64
//   3 last_sequence     varint64
//   4 deleted_file      level varint32 | number varint64
//   5 new_file          level varint32 | number varint64 | file_size varint64
//                       | smallest varstring | largest varstring
//                       | smallest_seq varint64 | largest_seq varint64
//                       | num_entries varint64 | num_deletions varint64
//                       | num_range_deletions varint64
//   6 closed_wal        number varint64 | size varint64   (format version 3)
//                       the WAL was closed cleanly, `size` bytes long
// Tags are part of the format: never renumber or reuse one.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "aeternus/status.h"
#include "manifest/file_meta_data.h"

namespace aeternus {

class VersionEdit {
 public:
  std::optional<std::uint64_t> log_number;
  std::optional<std::uint64_t> next_file_number;
  std::optional<SequenceNumber> last_sequence;
  std::vector<std::pair<int, std::uint64_t>> deleted_files;  // (level, number)
  std::vector<std::pair<int, FileMetaData>> new_files;       // (level, file)
  // (number, size): written by Close after the WAL's close record was
  // synced, so that Open can tell a lost or cut WAL from a clean one.
  std::optional<std::pair<std::uint64_t, std::uint64_t>> closed_wal;

  void AddFile(int level, FileMetaData file) { new_files.emplace_back(level, std::move(file)); }
  void DeleteFile(int level, std::uint64_t number) { deleted_files.emplace_back(level, number); }

  void EncodeTo(std::string* dst) const;
  // Corruption naming the problem when `src` is not a valid edit.
  Status DecodeFrom(std::string_view src);
};

}  // namespace aeternus
