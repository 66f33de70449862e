#include "key/range_tombstone_list.h"

#include <algorithm>

namespace aeternus {

RangeTombstoneList::RangeTombstoneList(std::vector<RangeTombstone> tombstones)
    : tombstones_(std::move(tombstones)) {
  std::sort(tombstones_.begin(), tombstones_.end(),
            [](const RangeTombstone& a, const RangeTombstone& b) {
              int r = a.begin.compare(b.begin);
              return r != 0 ? r < 0 : a.sequence > b.sequence;
            });
  std::vector<std::string_view> bounds;
  bounds.reserve(tombstones_.size() * 2);
  for (const RangeTombstone& t : tombstones_) {
    if (t.begin < t.end) {
      bounds.push_back(t.begin);
      bounds.push_back(t.end);
    }
  }
  std::sort(bounds.begin(), bounds.end());
  bounds.erase(std::unique(bounds.begin(), bounds.end()), bounds.end());

  // Sweep the boundaries left to right with the set of open tombstones.
  struct Open {
    std::string_view end;
    SequenceNumber sequence;
  };
  std::vector<Open> open;
  std::size_t next = 0;  // next tombstone (by begin) not yet opened
  for (std::size_t i = 0; i + 1 < bounds.size(); ++i) {
    std::string_view lo = bounds[i];
    std::string_view hi = bounds[i + 1];
    std::erase_if(open, [&](const Open& o) { return o.end <= lo; });
    while (next < tombstones_.size() && tombstones_[next].begin <= lo) {
      const RangeTombstone& t = tombstones_[next++];
      if (t.begin < t.end && t.end > lo) {
        open.push_back({t.end, t.sequence});
      }
    }
    if (open.empty()) {
      continue;
    }
    Fragment f{std::string(lo), std::string(hi), {}};
    f.sequences.reserve(open.size());
    for (const Open& o : open) {
      f.sequences.push_back(o.sequence);
    }
    std::sort(f.sequences.begin(), f.sequences.end(), std::greater<>());
    f.sequences.erase(std::unique(f.sequences.begin(), f.sequences.end()),
                      f.sequences.end());
    fragments_.push_back(std::move(f));
  }
}

SequenceNumber RangeTombstoneList::MaxCoveringSequence(
    std::string_view user_key, SequenceNumber read_sequence) const {
  // The last fragment whose begin <= user_key.
  auto it = std::upper_bound(
      fragments_.begin(), fragments_.end(), user_key,
      [](std::string_view k, const Fragment& f) { return k < std::string_view(f.begin); });
  if (it == fragments_.begin()) {
    return 0;
  }
  --it;
  if (user_key >= std::string_view(it->end)) {
    return 0;
  }
  for (SequenceNumber s : it->sequences) {  // highest first
    if (s <= read_sequence) {
      return s;
    }
  }
  return 0;
}

}  // namespace aeternus
