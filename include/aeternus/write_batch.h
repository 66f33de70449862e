#pragma once
// WriteBatch: a group of updates applied atomically by DB::Write: after a
// crash either all of them are visible or none. Updates apply in the order
// they were added. The encoding is the WAL payload; see docs/format/wal.md.
//
// Thread safety: a batch is not safe for concurrent mutation.

#include <cstdint>
#include <string>
#include <string_view>

#include "aeternus/status.h"

namespace aeternus {

class WriteBatch {
 public:
  WriteBatch();
  WriteBatch(const WriteBatch&) = default;
  WriteBatch& operator=(const WriteBatch&) = default;
  // A moved-from batch is empty and usable, as after Clear().
  WriteBatch(WriteBatch&& other) noexcept;
  WriteBatch& operator=(WriteBatch&& other) noexcept;

  void Put(std::string_view key, std::string_view value);
  void Delete(std::string_view key);
  // Deletes every key in [begin, end).
  void DeleteRange(std::string_view begin, std::string_view end);

  void Clear();
  // Number of updates in the batch.
  std::uint32_t Count() const;
  // Bytes of the encoded batch.
  std::size_t ApproximateSize() const { return rep_.size(); }

  // Calls the handler for each update, in order. Stops at the first error
  // the handler returns; Corruption when the encoding is damaged.
  class Handler {
   public:
    virtual ~Handler() = default;
    virtual Status Put(std::string_view key, std::string_view value) = 0;
    virtual Status Delete(std::string_view key) = 0;
    virtual Status DeleteRange(std::string_view begin, std::string_view end) = 0;
  };
  Status Iterate(Handler* handler) const;

 private:
  friend class WriteBatchInternal;
  // See docs/format/wal.md, "Batch payload". Invariant: always holds at
  // least the header.
  std::string rep_;
};

}  // namespace aeternus
