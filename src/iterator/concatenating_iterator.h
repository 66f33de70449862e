#pragma once
// ConcatenatingIterator: one cursor over sources whose key ranges are
// disjoint and in increasing order (the tables of one sorted level), that
// opens only the source holding its position. A seek in a level of many
// tables then costs one table's seek, not one per table, as LevelDB's
// two-level iterator does.
//
// Invariant the caller guarantees: for sources i < j, every key of i is
// below every key of j in internal key order, and each source's keys lie
// within [smallest, largest]. An error of the open source ends the
// iteration (!Valid(), reported by status()).

#include <functional>
#include <memory>
#include <string_view>
#include <vector>

#include "iterator/internal_iterator.h"

namespace aeternus {

struct ConcatenatedSource {
  // Internal keys bounding the source's entries; the views must outlive the
  // iterator.
  std::string_view smallest;
  std::string_view largest;
  // Opens the source's iterator; called each time the position enters it.
  std::function<std::unique_ptr<InternalIterator>()> open;
};

std::unique_ptr<InternalIterator> NewConcatenatingIterator(
    std::vector<ConcatenatedSource> sources);

}  // namespace aeternus
