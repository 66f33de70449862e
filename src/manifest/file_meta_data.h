#pragma once
// FileMetaData: what the manifest records about one table. Immutable once
// built; shared (read-only) by every Version that lists the table.

#include <cstdint>
#include <string>

#include "key/internal_key.h"
#include "sstable/table_properties.h"

namespace aeternus {

struct FileMetaData {
  std::uint64_t number = 0;
  std::uint64_t file_size = 0;
  // Internal keys bounding every point entry and range tombstone in the
  // table (a range tombstone's exclusive end counts as its upper bound).
  std::string smallest;
  std::string largest;
  SequenceNumber smallest_seq = 0;
  SequenceNumber largest_seq = 0;
  std::uint64_t num_entries = 0;          // point entries, tombstones included
  std::uint64_t num_deletions = 0;        // point tombstones
  std::uint64_t num_range_deletions = 0;  // range tombstones

  std::string_view smallest_user_key() const { return ExtractUserKey(smallest); }
  std::string_view largest_user_key() const { return ExtractUserKey(largest); }
  bool empty_range() const { return smallest.size() < kTrailerSize; }
};

// The manifest's record of table `number`, from what its builder wrote.
inline FileMetaData MakeFileMetaData(std::uint64_t number, std::uint64_t file_size,
                                     const TableProperties& props) {
  FileMetaData f;
  f.number = number;
  f.file_size = file_size;
  f.smallest = props.smallest_key;
  f.largest = props.largest_key;
  f.smallest_seq = props.smallest_seq;
  f.largest_seq = props.largest_seq;
  f.num_entries = props.num_entries;
  f.num_deletions = props.num_deletions;
  f.num_range_deletions = props.num_range_deletions;
  return f;
}

}  // namespace aeternus
