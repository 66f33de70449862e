#include "memtable/arena_block_pool.h"

#include <sys/mman.h>

#include "memtable/arena.h"

namespace aeternus {

ArenaBlockPool::~ArenaBlockPool() {
  for (char* block : blocks_) {
    ::munmap(block, Arena::kHugeBlockSize);
  }
}

char* ArenaBlockPool::Take() {
  std::lock_guard lock(mu_);
  if (blocks_.empty()) {
    return nullptr;
  }
  char* block = blocks_.back();
  blocks_.pop_back();
  return block;
}

void ArenaBlockPool::Give(char* block) {
  {
    std::lock_guard lock(mu_);
    if ((blocks_.size() + 1) * Arena::kHugeBlockSize <= capacity_) {
      blocks_.push_back(block);
      return;
    }
  }
  ::munmap(block, Arena::kHugeBlockSize);
}

std::size_t ArenaBlockPool::kept_bytes() const {
  std::lock_guard lock(mu_);
  return blocks_.size() * Arena::kHugeBlockSize;
}

}  // namespace aeternus
