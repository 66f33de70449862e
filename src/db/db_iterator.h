#pragma once
// DBIterator: the public Iterator. It turns a merged stream of internal
// entries into the live user keys visible at one sequence number: it skips
// newer entries, older versions, point tombstones and entries covered by a
// newer range tombstone, and honours the read bounds.

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "aeternus/iterator.h"
#include "iterator/internal_iterator.h"
#include "key/internal_key.h"
#include "key/range_tombstone_list.h"

namespace aeternus {

// Called with a user key about once per megabyte of entries an iterator
// steps over (at random intervals, as LevelDB samples reads), so that the
// DB learns which key ranges reads find spread over several sorted runs.
using ReadSampler = std::function<void(std::string_view user_key)>;

// `pin` keeps alive whatever the internal iterator reads (memtables,
// tables) and the range tombstone lists, one per source that has any.
std::unique_ptr<Iterator> NewDBIterator(std::unique_ptr<InternalIterator> internal,
                                        std::vector<const RangeTombstoneList*> tombstones,
                                        SequenceNumber sequence,
                                        std::optional<std::string> lower_bound,
                                        std::optional<std::string> upper_bound,
                                        std::shared_ptr<const void> pin,
                                        ReadSampler sampler = {});

}  // namespace aeternus
