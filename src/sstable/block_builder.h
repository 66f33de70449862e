#pragma once
// BlockBuilder: builds one block of sorted key/value entries with prefix
// compression (see docs/format/sstable.md, "Block").
//
//   block   := entry* restart:fixed32* num_restarts:fixed32
//   entry   := shared:varint32 non_shared:varint32 value_size:varint32
//              key_delta[non_shared] value[value_size]
//
// Every `restart_interval`-th entry stores its whole key (shared == 0) and
// its offset is listed in the restart array, so a reader can binary-search
// the restart points. A block always has at least one restart point.
//
// Thread safety: none; one builder per thread.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace aeternus {

class BlockBuilder {
 public:
  // REQUIRES: restart_interval >= 1.
  explicit BlockBuilder(int restart_interval);

  BlockBuilder(const BlockBuilder&) = delete;
  BlockBuilder& operator=(const BlockBuilder&) = delete;

  // Appends an entry. REQUIRES: key sorts at or after the previous key in
  // the order of the block's reader; Finish() not called since Reset().
  void Add(std::string_view key, std::string_view value);

  // Appends the restart array and returns the whole block; the view lives
  // until Reset() or destruction.
  std::string_view Finish();

  // Clears the builder for a new block; keeps its buffers.
  void Reset();

  // Size of the block Finish() would return now.
  std::size_t CurrentSizeEstimate() const {
    return buffer_.size() + (restarts_.size() + 1) * sizeof(std::uint32_t);
  }
  bool empty() const { return num_entries_ == 0; }
  std::size_t num_entries() const { return num_entries_; }
  // The key of the last Add(); empty when none.
  std::string_view last_key() const { return last_key_; }

 private:
  const int restart_interval_;
  std::string buffer_;
  std::vector<std::uint32_t> restarts_;
  int counter_ = 0;  // entries since the last restart point
  std::size_t num_entries_ = 0;
  bool finished_ = false;
  std::string last_key_;
};

}  // namespace aeternus
