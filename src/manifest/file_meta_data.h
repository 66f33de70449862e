#pragma once
// FileMetaData: what the manifest records about one table. Immutable once
// built, but for a read statistic that is not recorded (ReadSamples);
// shared by every Version that lists the table.

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <string>

#include "key/internal_key.h"
#include "sstable/table_properties.h"

namespace aeternus {

// How often iterators found this table above another one that holds the
// same key (DB::NewIterator's read samples): each time, a read paid for
// one more sorted run than it would after a compaction. A table allows
// about one such read per 16 KiB of its size (at least 100), LevelDB's
// measure of a seek against the cost of compacting its bytes; past that,
// compacting it is the cheaper way. Counted in memory only; a copy starts
// from zero.
class ReadSamples {
 public:
  ReadSamples() = default;
  ReadSamples(const ReadSamples&) {}
  ReadSamples& operator=(const ReadSamples&) { return *this; }

  static std::uint64_t Allowed(std::uint64_t file_size) {
    return std::max<std::uint64_t>(100, file_size / (16 << 10));
  }
  // Counts one sample; true exactly once, when the count reaches
  // Allowed(file_size). Thread-safe.
  bool Charge(std::uint64_t file_size) const {
    return count_.fetch_add(1, std::memory_order_relaxed) + 1 == Allowed(file_size);
  }

 private:
  mutable std::atomic<std::uint64_t> count_{0};
};

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
  ReadSamples read_samples;               // not in the manifest

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
