#pragma once
// WriteBatchInternal: engine-side access to a WriteBatch's encoding.
//
// Batch encoding (the WAL payload; docs/format/wal.md, "Batch payload"):
//   sequence fixed64 | count fixed32 | record*
//   record := kValue         uint8 | key varstring | value varstring
//           | kDeletion      uint8 | key varstring
//           | kRangeDeletion uint8 | begin varstring | end varstring
// Record i of the batch gets sequence number `sequence + i`.

#include <string_view>

#include "aeternus/write_batch.h"
#include "key/internal_key.h"

namespace aeternus {

class MemTable;

class WriteBatchInternal {
 public:
  static constexpr std::size_t kHeaderSize = 12;

  static SequenceNumber Sequence(const WriteBatch& b);
  static void SetSequence(WriteBatch& b, SequenceNumber seq);
  static void SetCount(WriteBatch& b, std::uint32_t count);
  static std::string_view Contents(const WriteBatch& b) { return b.rep_; }
  static std::size_t ByteSize(const WriteBatch& b) { return b.rep_.size(); }
  // Replaces the batch with `contents`. Corruption when shorter than a header.
  static Status SetContents(WriteBatch& b, std::string_view contents);
  // Appends src's records to dst (dst keeps its sequence).
  static void Append(WriteBatch& dst, const WriteBatch& src);
  // Inserts every record into the memtable with consecutive sequences.
  // Corruption when the encoding is damaged (nothing after it is applied).
  static Status InsertInto(const WriteBatch& b, MemTable* mem);
};

}  // namespace aeternus
