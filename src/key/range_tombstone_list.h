#pragma once
// RangeTombstoneList: a set of range tombstones cut into non-overlapping
// fragments, so that "which tombstones cover this key" is one search.
//
// Immutable once built; safe to read from many threads.
// Invariants: fragments are sorted by begin and do not overlap; each holds
// the distinct sequences of the tombstones covering it, highest first.
//
// A list comes in one of two forms with the same observable behaviour:
//  - built from a vector of tombstones (tables, compactions): sorted arrays;
//  - published by a RangeTombstoneAccumulator (memtables): a persistent
//    search tree of fragments shared with the accumulator's later states;
//    tombstones() and fragments() are materialised on first use.

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "key/internal_key.h"

namespace aeternus {

struct RangeTombstone {
  std::string begin;  // inclusive user key
  std::string end;    // exclusive user key
  SequenceNumber sequence = 0;
};

namespace range_tombstone_detail {
struct Node;
struct Storage;
struct LogEntry;
struct TreeState;
}  // namespace range_tombstone_detail

class RangeTombstoneList {
 public:
  RangeTombstoneList() = default;
  explicit RangeTombstoneList(std::vector<RangeTombstone> tombstones);

  bool empty() const;
  // The tombstones as given, sorted by (begin, sequence descending).
  const std::vector<RangeTombstone>& tombstones() const;

  // Highest sequence <= read_sequence among tombstones covering user_key,
  // or 0 when none does (sequence numbers of writes start at 1).
  SequenceNumber MaxCoveringSequence(std::string_view user_key,
                                     SequenceNumber read_sequence) const;

  // A fragment of the key space and the sequences of the tombstones
  // covering all of it, highest first.
  struct Fragment {
    std::string begin;
    std::string end;
    std::vector<SequenceNumber> sequences;
  };
  const std::vector<Fragment>& fragments() const;

  // Only a RangeTombstoneAccumulator can make a TreeKey.
  class TreeKey {
    friend class RangeTombstoneAccumulator;
    TreeKey() = default;
  };
  RangeTombstoneList(TreeKey, std::shared_ptr<const range_tombstone_detail::TreeState> tree)
      : tree_(std::move(tree)) {}

 private:

  // Array form (tree_ == nullptr).
  std::vector<RangeTombstone> tombstones_;
  std::vector<Fragment> fragments_;
  // Tree form.
  std::shared_ptr<const range_tombstone_detail::TreeState> tree_;
};

// Collects range tombstones one at a time and publishes each state as an
// immutable RangeTombstoneList. Adding a tombstone copies O(log n) tree
// nodes plus the fragments it overlaps; published lists share everything
// else, so neither adding nor publishing ever re-fragments the whole set.
// Thread safety: one writer; published lists may be read from any thread
// and may outlive the accumulator.
class RangeTombstoneAccumulator {
 public:
  RangeTombstoneAccumulator();
  ~RangeTombstoneAccumulator();
  RangeTombstoneAccumulator(const RangeTombstoneAccumulator&) = delete;
  RangeTombstoneAccumulator& operator=(const RangeTombstoneAccumulator&) = delete;

  // Adds the tombstone [begin, end) at `sequence`. Cheapest when sequence
  // is higher than every sequence added before (a memtable's order); any
  // order gives the same coverage.
  void Add(std::string_view begin, std::string_view end, SequenceNumber sequence);

  // The tombstones added so far; an empty list when none.
  std::shared_ptr<const RangeTombstoneList> Publish() const;

  std::size_t count() const { return count_; }
  // Bytes held: keys, sequence cells and the current tree (shared nodes
  // of earlier published states are not counted).
  std::size_t ApproximateMemoryUsage() const;

 private:
  std::shared_ptr<range_tombstone_detail::Storage> storage_;
  std::shared_ptr<const range_tombstone_detail::Node> root_;
  const range_tombstone_detail::LogEntry* last_ = nullptr;  // newest added
  std::size_t count_ = 0;
  std::size_t fragments_ = 0;
};

}  // namespace aeternus
