#pragma once
// MergingIterator: merges sorted child iterators into one sorted stream, in
// internal key order, both ways, with a binary heap over the children.
//
// An error in any child ends the merge: the iterator becomes !Valid() and
// status() reports it, so damage never shows up as silently missing data.

#include <memory>
#include <vector>

#include "iterator/internal_iterator.h"

namespace aeternus {

std::unique_ptr<InternalIterator> NewMergingIterator(
    std::vector<std::unique_ptr<InternalIterator>> children);

}  // namespace aeternus
