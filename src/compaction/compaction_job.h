#pragma once
// CompactionJob: the I/O of a compaction (and of a flush, whose input is a
// memtable). It merges the entries of its inputs into new tables, keeping
// of each key only the versions some reader can still see, and returns
// what it wrote; installing the result
// (a VersionEdit) is the caller's business.
//
// Visibility: with snapshots s_1 < ... < s_n, the sequence space splits
// into stripes (s_{i-1}, s_i] and (s_n, inf). Every reader sees the same
// versions of a key within one stripe, so only the newest version in each
// stripe is kept. A point tombstone that every reader sees is dropped with
// all older versions when no older entry of its key exists outside the
// inputs (OlderData); so is such a range tombstone, after hiding what it
// covers in its stripe, when no older entry in its range exists outside.
//
// Compaction filter: the newest version of a key, when it is a value, lies
// in the last stripe (no snapshot sees it) and no range tombstone hides it,
// is shown to the filter; a removed one becomes a point tombstone with its
// sequence, then follows the tombstone rule above.

#include <atomic>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "aeternus/compaction_filter.h"
#include "aeternus/status.h"
#include "compaction/older_data.h"
#include "env/file_system.h"
#include "iterator/internal_iterator.h"
#include "key/range_tombstone_list.h"
#include "manifest/file_meta_data.h"
#include "sstable/table_builder.h"

namespace aeternus {

struct CompactionJobOptions {
  TableBuilderOptions table;
  // An output table is closed at the first new user key past this size.
  std::uint64_t target_file_size = 64u << 20;
  // The tables outside the inputs; null when older data may exist anywhere
  // (a flush), so that every tombstone is kept.
  const OlderData* older_data = nullptr;
  std::vector<SequenceNumber> snapshots;  // ascending
  // When set and true, the job stops early with Aborted (e.g. at Close).
  const std::atomic<bool>* cancel = nullptr;
  // Asked about entries as the header says; null for flushes. Not owned.
  const CompactionFilter* compaction_filter = nullptr;
  // The level the outputs go to, as the filter is told.
  int output_level = 0;
};

// What a job did besides writing its outputs.
struct CompactionJobStats {
  std::uint64_t filtered_entries = 0;  // removed by the compaction filter
};

// Writes the merged entries of `input` (internal keys in order) and the
// range tombstones of `tombstones` to new tables in `dbname`, numbered by
// `new_file_number`. Outputs are appended to *outputs in key order and do
// not overlap. On failure the outputs written so far are removed. When
// `stats` is not null, *stats is set on success.
Status RunCompaction(const std::string& dbname, FileSystem* fs,
                     const CompactionJobOptions& options, InternalIterator* input,
                     const std::vector<const RangeTombstoneList*>& tombstones,
                     const std::function<std::uint64_t()>& new_file_number,
                     std::vector<FileMetaData>* outputs, CompactionJobStats* stats = nullptr);

}  // namespace aeternus
