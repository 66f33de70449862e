#pragma once
// MemTable: the sorted, multi-version in-memory buffer that absorbs writes
// until it is frozen and flushed to a table.
//
// Entries are internal keys (user key, sequence, type) in a skip list,
// optionally with a hash index from each user key to its newest entry
// (MemTableIndex) and a bloom filter over the user keys; range tombstones
// are kept apart, in a RangeTombstoneAccumulator, and served as
// one fragmented RangeTombstoneList per state.
// Thread safety: Add needs external synchronisation (the write-group leader);
// Get, NewIterator and RangeTombstones may run concurrently with one Add.
// Invariants: (1) an entry's internal key and value never change once in
// (its back link, after them, is rewritten by the writer alone, and no
// reader reads past the value); (2) (user key, sequence) is
// unique; (3) an entry with sequence s is visible to readers only once the
// DB publishes s as its last sequence, so a reader never sees half a batch.

#include <atomic>
#include <cassert>
#include <cstdint>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "iterator/internal_iterator.h"
#include "key/internal_key.h"
#include "key/range_tombstone_list.h"
#include "memtable/arena.h"
#include "memtable/memtable_filter.h"
#include "memtable/memtable_index.h"
#include "memtable/skiplist.h"

namespace aeternus {

class MemTable {
 public:
  // `wal_number`: the WAL file that holds this memtable's writes.
  // `pool` (borrowed, may be null; must outlive the memtable): where the
  // arena takes huge blocks from and gives them back to.
  // `filter_bytes`: size of the bloom filter over its keys (0: none).
  // `index_bytes`: size of the hash index over its keys (0: none).
  explicit MemTable(std::uint64_t wal_number, ArenaBlockPool* pool = nullptr,
                    std::size_t filter_bytes = 0, std::size_t index_bytes = 0);
  MemTable(const MemTable&) = delete;
  MemTable& operator=(const MemTable&) = delete;

  // Adds one update. For kRangeDeletion, `key` is the begin and `value` the
  // end of the deleted range. REQUIRES: external synchronisation.
  void Add(SequenceNumber seq, ValueType type, std::string_view key,
           std::string_view value);

  // A point update (kValue or kDeletion) for AddSorted.
  struct SortedEntry {
    std::string_view key;
    std::string_view value;
    SequenceNumber seq;
    ValueType type;
  };
  // Adds point updates given in internal key order (user key ascending,
  // sequence descending), as Add would one by one, but with the skip-list
  // searches of up to 16 of them interleaved so that their cache misses
  // overlap. REQUIRES: external synchronisation.
  void AddSorted(std::span<const SortedEntry> entries);

  struct GetResult {
    enum class Kind { kNotFound, kValue, kDeletion } kind = Kind::kNotFound;
    SequenceNumber sequence = 0;
    std::string_view value;  // points into the arena; valid while the memtable lives
  };
  // The newest point entry of the user key with sequence <= the lookup's.
  // Range tombstones are not applied here (see RangeTombstones()).
  GetResult Get(const LookupKey& key) const;

  // Iterator over point entries (not range tombstones), in internal key
  // order. REQUIRES: the memtable outlives the iterator.
  std::unique_ptr<InternalIterator> NewIterator() const;

  // The range tombstones added so far, as one fragmented list; empty when
  // there are none. A key is covered at a sequence when any list covers it.
  using TombstoneLists = std::vector<std::shared_ptr<const RangeTombstoneList>>;
  TombstoneLists RangeTombstones() const;
  // The highest sequence <= read_sequence of a range tombstone covering
  // user_key; 0 when none.
  SequenceNumber MaxCoveringTombstone(std::string_view user_key,
                                      SequenceNumber read_sequence) const;

  std::size_t ApproximateMemoryUsage() const {
    return arena_.MemoryUsage() + filter_.bytes() + index_.bytes() +
           range_tombstone_bytes_.load(std::memory_order_relaxed);
  }
  std::uint64_t num_entries() const { return num_entries_.load(std::memory_order_relaxed); }
  bool empty() const { return num_entries() == 0; }
  std::uint64_t wal_number() const { return wal_number_; }
  // Smallest and largest sequence added (0 when empty).
  SequenceNumber first_sequence() const { return first_seq_.load(std::memory_order_relaxed); }
  SequenceNumber last_sequence() const { return last_seq_.load(std::memory_order_relaxed); }

 private:
  // Each entry is a skip list key, stored inline after its node's links
  // (in memory only, never persisted):
  //   varint32 internal_key_size | internal_key | varint32 value_size | value
  //   [| back_link:8, with the hash index]
  // where internal_key = user_key | trailer:fixed64, and back_link is the
  // address of the entry before it in the list (writer-only; it lets a new
  // version of a key be linked in front of the key's newest entry, which
  // the index finds, without a search). A search target is
  // decoded once and compared with entries in place.
  struct KeyComparator {
    struct DecodedKey {
      std::string_view user_key;
      std::uint64_t trailer;
    };
    static DecodedKey Decode(const char* entry);
    static DecodedKey Decode(std::string_view internal_key) {
      assert(internal_key.size() >= kTrailerSize);
      return {ExtractUserKey(internal_key), ExtractTrailer(internal_key)};
    }
    // Defined in memtable.cc, the only user; inline so the searches inline it.
    inline int operator()(const char* entry, const DecodedKey& key) const;
  };
  using Table = SkipList<KeyComparator>;
  class Iter;

  // The Get answer of the entry with internal key `found`.
  static GetResult ResultOf(std::string_view found);
  // Get through the skip list alone.
  GetResult SearchTable(const LookupKey& key) const;
  // Inserts `entry` (of `user_key`, `hash`, `seq`) into table_ and keeps
  // the back links (see memtable.cc). REQUIRES: index_ enabled.
  void LinkWithBackLinks(char* entry, std::uint64_t hash, std::string_view user_key,
                         SequenceNumber seq);

  const std::uint64_t wal_number_;
  Arena arena_;
  Table table_;
  MemTableFilter filter_;  // over the user keys of table_'s entries
  MemTableIndex index_;    // user key -> its newest entry in table_
  std::atomic<std::uint64_t> num_entries_{0};
  std::atomic<SequenceNumber> first_seq_{0};
  std::atomic<SequenceNumber> last_seq_{0};

  // Range tombstones: range_tombstones_ is written by Add only; each Add
  // publishes its new state as range_list_ (guarded by range_mu_), an
  // immutable list that shares all but the changed tree nodes with the
  // states before it. Adding one costs O(log n) plus the fragments it
  // overlaps, and a lookup is one tree search.
  RangeTombstoneAccumulator range_tombstones_;
  mutable std::mutex range_mu_;
  std::shared_ptr<const RangeTombstoneList> range_list_;
  std::atomic<bool> has_range_tombstones_{false};
  std::atomic<std::size_t> range_tombstone_bytes_{0};
};

// The internal key of a memtable entry (see MemTable's entry layout).
std::string_view MemTableEntryKey(const char* entry);

}  // namespace aeternus
