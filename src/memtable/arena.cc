#include "memtable/arena.h"

#include <cstdint>

namespace aeternus {

char* Arena::AllocateAligned(std::size_t bytes) {
  constexpr std::size_t kAlign = alignof(std::max_align_t) > 8 ? alignof(std::max_align_t) : 8;
  static_assert((kAlign & (kAlign - 1)) == 0);
  std::size_t mod = reinterpret_cast<std::uintptr_t>(ptr_) & (kAlign - 1);
  std::size_t slop = mod == 0 ? 0 : kAlign - mod;
  if (bytes + slop <= remaining_) {
    char* result = ptr_ + slop;
    ptr_ += bytes + slop;
    remaining_ -= bytes + slop;
    return result;
  }
  return AllocateFallback(bytes);  // new blocks are aligned by operator new[]
}

char* Arena::AllocateFallback(std::size_t bytes) {
  if (bytes > kBlockSize / 4) {
    // Large entries get their own block so the current one is not wasted.
    return NewBlock(bytes);
  }
  ptr_ = NewBlock(kBlockSize);
  remaining_ = kBlockSize;
  char* result = ptr_;
  ptr_ += bytes;
  remaining_ -= bytes;
  return result;
}

char* Arena::NewBlock(std::size_t bytes) {
  blocks_.push_back(std::make_unique_for_overwrite<char[]>(bytes));
  usage_.fetch_add(bytes + sizeof(char*), std::memory_order_relaxed);
  return blocks_.back().get();
}

}  // namespace aeternus
