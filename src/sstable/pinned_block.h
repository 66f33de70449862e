#pragma once
// PinnedBlock: holds the data block a reader is in. A block read in place
// from a memory-mapped table is built inside the holder (no allocation, no
// reference count: the table's mapping outlives its readers); a block from
// the block cache, or read into memory, is shared.

#include <memory>
#include <optional>
#include <utility>

#include "sstable/block.h"
#include "sstable/format.h"

namespace aeternus {

class PinnedBlock {
 public:
  PinnedBlock() = default;
  PinnedBlock(const PinnedBlock&) = delete;
  PinnedBlock& operator=(const PinnedBlock&) = delete;

  // The held block; null when empty.
  const Block* get() const { return in_place_ ? &*in_place_ : shared_.get(); }

  void Reset() {
    in_place_.reset();
    shared_.reset();
  }

  // REQUIRES: `contents` borrows the bytes of a mapping that outlives the
  // holder's use of the block.
  const Block& SetInPlace(BlockContents contents) {
    shared_.reset();
    in_place_.reset();
    return in_place_.emplace(std::move(contents));
  }

  void SetShared(std::shared_ptr<const Block> block) {
    in_place_.reset();
    shared_ = std::move(block);
  }

 private:
  // At most one is set.
  std::optional<Block> in_place_;
  std::shared_ptr<const Block> shared_;
};

}  // namespace aeternus
