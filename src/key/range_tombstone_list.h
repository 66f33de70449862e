#pragma once
// RangeTombstoneList: a set of range tombstones cut into non-overlapping
// fragments, so that "which tombstones cover this key" is one binary search.
//
// Immutable once built; safe to read from many threads.
// Invariants: fragments are sorted by begin and do not overlap; each holds
// the distinct sequences of the tombstones covering it, highest first.

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

class RangeTombstoneList {
 public:
  RangeTombstoneList() = default;
  explicit RangeTombstoneList(std::vector<RangeTombstone> tombstones);

  bool empty() const { return tombstones_.empty(); }
  // The tombstones as given, sorted by (begin, sequence descending).
  const std::vector<RangeTombstone>& tombstones() const { return tombstones_; }

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
  const std::vector<Fragment>& fragments() const { return fragments_; }

 private:
  std::vector<RangeTombstone> tombstones_;
  std::vector<Fragment> fragments_;
};

}  // namespace aeternus
