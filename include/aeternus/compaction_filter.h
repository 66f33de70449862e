#pragma once
// CompactionFilter: lets the application remove entries while compactions
// rewrite them, e.g. values whose time to live has passed, so that their
// space is reclaimed without a Delete. It is RocksDB's CompactionFilter
// reduced to one choice, keep or remove. Set it in Options::compaction_filter.
//
// Which entries it is asked about: a compaction asks about the newest
// version of each user key among the tables it merges, when that version
//   - is a value (a Put; never a tombstone),
//   - is not hidden by a range tombstone among those tables, and
//   - is seen by no live snapshot: its sequence number is above that of the
//     newest live snapshot, or no snapshot is held.
// Older versions of the key are never asked about (they are hidden, or
// only snapshots see them, and a snapshot's view never changes). An entry
// that a snapshot sees is kept as it is; a compaction after the snapshot is
// released asks about it. Flushes (a memtable written to a table) and
// tables moved to another level without being rewritten do not ask. A key
// whose newer version or tombstone lies in a table outside the compaction
// (or in a memtable) may still be asked about. The same entry is asked
// about again by each compaction that rewrites it, so an entry kept once
// may be removed by a later compaction.
//
// Until a compaction removes an entry, reads return it: the filter does not
// run on the read path.
//
// Thread safety: Filter and Name are called from background compaction
// threads, several at once, and from the thread calling DB::CompactRange or
// DB::CompactAll, so they must be safe to call concurrently. They must not
// throw, and must not call the DB (a write may wait for the very compaction
// that called).

#include <cstdint>
#include <string_view>

namespace aeternus {

class CompactionFilter {
 public:
  enum class Decision : std::uint8_t {
    kKeep,  // the entry is written out unchanged
    // The entry is replaced by a point tombstone with its sequence number:
    // readers find the key absent, as if it had been deleted right after
    // that write, and an older version of the key in another table stays
    // hidden. The tombstone is later dropped as one written by Delete is,
    // once nothing older is left beneath it. A snapshot older than the
    // entry still reads what it read before.
    kRemove,
  };

  CompactionFilter() = default;
  CompactionFilter(const CompactionFilter&) = delete;
  CompactionFilter& operator=(const CompactionFilter&) = delete;
  virtual ~CompactionFilter() = default;

  // Decides the fate of one entry (see above). `level`: the level the
  // compaction writes to (level 0 for every table of the tiered style).
  // `user_key` and `value` are valid only during the call.
  virtual Decision Filter(int level, std::string_view user_key, std::string_view value) const = 0;

  // Identifies the filter in the aeternus.stats property.
  virtual const char* Name() const = 0;
};

}  // namespace aeternus
