#pragma once
// Block: an immutable, owned, decoded-on-demand block in the format written
// by BlockBuilder (see block_builder.h and docs/format/sstable.md, "Block"),
// and BlockIter, the cursor over it.
//
// Data, index and range-deletion blocks hold internal keys and are ordered
// by CompareInternalKeys; metaindex and properties blocks hold names and
// are ordered bytewise (BlockKeyOrder::kBytewise).
//
// Damage never causes a read outside the block: a block whose restart array
// does not fit, or an entry whose lengths overrun the block, makes the
// iterator !Valid() with a Corruption status.
//
// Thread safety: a Block is immutable and may be shared between threads;
// each BlockIter is used by one thread at a time.

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "aeternus/status.h"
#include "iterator/internal_iterator.h"
#include "sstable/format.h"

namespace aeternus {

enum class BlockKeyOrder : std::uint8_t {
  kInternal,  // internal keys, CompareInternalKeys; keys shorter than the trailer are corrupt
  kBytewise,  // plain byte strings, unsigned bytewise order
};

class Block {
 public:
  explicit Block(BlockContents contents);

  Block(const Block&) = delete;
  Block& operator=(const Block&) = delete;

  std::string_view data() const { return contents_.data; }
  // Bytes held; the charge of the block in a BlockCache.
  std::size_t size() const { return contents_.data.size(); }
  // False when the restart array is malformed (every iterator reports it).
  bool well_formed() const { return well_formed_; }
  std::uint32_t num_restarts() const { return num_restarts_; }
  // The whole key stored at restart point `index`; false when that entry is
  // malformed. REQUIRES: well_formed(), index < num_restarts().
  bool RestartKey(std::uint32_t index, std::string_view* key) const;

  // REQUIRES: the Block outlives the iterator.
  std::unique_ptr<InternalIterator> NewIterator(
      BlockKeyOrder order = BlockKeyOrder::kInternal) const;

 private:
  friend class BlockIter;

  BlockContents contents_;
  std::uint32_t restart_offset_ = 0;  // start of the restart array = end of the entries
  std::uint32_t num_restarts_ = 0;
  bool well_formed_ = false;
};

// A cursor over one Block that can be re-pointed at another block without
// allocating (TableReader keeps one per table iterator).
// Key views from key() point into the block or into the iterator; both
// stay valid until the next move or Init().
// Errors are sticky: after Corruption, the iterator stays !Valid() until
// Init().
class BlockIter final : public InternalIterator {
 public:
  BlockIter() = default;

  // Positions nowhere (!Valid()) over `block`, with an OK status unless the
  // block is malformed. REQUIRES: block outlives every later use until the
  // next Init().
  void Init(const Block* block, BlockKeyOrder order = BlockKeyOrder::kInternal);

  bool Valid() const override { return current_ < restarts_; }
  // Offset of the current entry in the block: distinct entries of a block
  // have distinct offsets. REQUIRES: Valid().
  std::uint32_t entry_offset() const { return current_; }
  void SeekToFirst() override;
  void SeekToLast() override;
  void Seek(std::string_view target) override;
  // As Seek, with the binary search confined to restart points
  // [first, last]. REQUIRES: the last restart point whose key is below
  // target (restart point 0 when none is) lies there, as
  // IndexFences::Narrow gives.
  void Seek(std::string_view target, std::uint32_t first, std::uint32_t last);
  void SeekForPrev(std::string_view target) override;
  void Next() override;
  void Prev() override;
  std::string_view key() const override { return key_; }
  std::string_view value() const override { return value_; }
  Status status() const override { return status_; }

 private:
  // An entry decoded while scanning forward for Prev(), replayed by later
  // Prev() calls without rescanning the restart interval.
  struct CachedEntry {
    std::uint32_t offset;        // of the entry in the block
    std::uint32_t key_offset;    // in the block, or in prev_keys_
    std::uint32_t key_size;
    bool key_in_block;
    std::uint32_t value_offset;  // in the block
    std::uint32_t value_size;
  };

  int Compare(std::string_view a, std::string_view b) const;
  std::uint32_t GetRestartPoint(std::uint32_t index) const;
  std::uint32_t NextEntryOffset() const {
    return static_cast<std::uint32_t>(value_.data() + value_.size() - data_);
  }
  bool SeekToRestartPoint(std::uint32_t index);
  bool ParseNextKey();
  void MarkEnd();
  void CorruptionError(std::string_view what);

  const char* data_ = nullptr;
  std::uint32_t restarts_ = 0;      // offset of the restart array
  std::uint32_t num_restarts_ = 0;
  std::uint32_t current_ = 0;       // offset of the current entry; restarts_ when !Valid()
  std::uint32_t restart_index_ = 0; // restart interval holding current_
  BlockKeyOrder order_ = BlockKeyOrder::kInternal;
  std::string_view key_;
  bool key_in_buf_ = false;         // key_ views key_buf_
  std::string key_buf_;
  std::string_view value_;
  Status status_;

  // Valid while prev_active_: the entries of restart interval
  // restart_index_ that precede current_, in order.
  bool prev_active_ = false;
  std::vector<CachedEntry> prev_entries_;
  std::string prev_keys_;
};

}  // namespace aeternus
