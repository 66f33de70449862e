#pragma once
// TableProperties: facts about one table, computed by TableBuilder and
// stored in its properties block (docs/format/sstable.md, "Properties
// block").
//
// The block maps names to values (a block with bytewise-ordered keys); a
// reader ignores names it does not know and leaves fields it does not find
// at their defaults, so fields can be added without a format bump.

#include <cstdint>
#include <string>

#include "aeternus/status.h"
#include "key/internal_key.h"

namespace aeternus {

class Block;

struct TableProperties {
  std::uint64_t num_entries = 0;          // point entries, point tombstones included
  std::uint64_t num_deletions = 0;        // point tombstones
  std::uint64_t num_range_deletions = 0;  // range tombstones
  std::uint64_t raw_key_bytes = 0;        // sum of internal key sizes of point entries
  std::uint64_t raw_value_bytes = 0;      // sum of value sizes of point entries
  // Bytes on disk, block trailers included.
  std::uint64_t data_bytes = 0;
  std::uint64_t index_bytes = 0;
  std::uint64_t filter_bytes = 0;  // 0: no filter
  // Bounds of the sequence numbers of point entries and range tombstones;
  // both 0 in a table with neither.
  SequenceNumber smallest_seq = 0;
  SequenceNumber largest_seq = 0;
  // Internal keys bounding everything in the table, range tombstones
  // included; both empty in a table with nothing. A range tombstone
  // [b, e)@s contributes b@s(kRangeDeletion) as a lower candidate and
  // e@kMaxSequenceNumber(kRangeDeletion) as an upper candidate: that key
  // sorts before every real entry of user key e, which the tombstone does
  // not cover (its end is exclusive).
  std::string smallest_key;
  std::string largest_key;
  std::uint8_t format_version = 0;
};

// The properties block contents (a finished block).
std::string EncodeTableProperties(const TableProperties& props);

// Decodes a properties block. Corruption when the block or a known field's
// value is malformed.
Status DecodeTableProperties(const Block& block, TableProperties* out);

}  // namespace aeternus
