#include "memtable/arena.h"

#include "memtable/arena_block_pool.h"

#include <sys/mman.h>
#include <unistd.h>

#include <cstdint>
#include <new>

namespace aeternus {
namespace {

std::size_t PageSize() {
  static const std::size_t page = [] {
    const long n = ::sysconf(_SC_PAGESIZE);
    return n > 0 ? static_cast<std::size_t>(n) : std::size_t{4096};
  }();
  return page;
}

}  // namespace

Arena::~Arena() {
  for (const Block& b : blocks_) {
    if (b.huge && pool_ != nullptr) {
      pool_->Give(b.base);
    } else {
      ::munmap(b.base, b.size);
    }
  }
}

char* Arena::AllocateAligned(std::size_t bytes) {
  constexpr std::size_t kAlign = alignof(std::max_align_t) > 8 ? alignof(std::max_align_t) : 8;
  static_assert((kAlign & (kAlign - 1)) == 0);
  std::size_t mod = reinterpret_cast<std::uintptr_t>(ptr_) & (kAlign - 1);
  std::size_t slop = mod == 0 ? 0 : kAlign - mod;
  if (bytes + slop <= remaining_) {
    char* result = ptr_ + slop;
    ptr_ += bytes + slop;
    remaining_ -= bytes + slop;
    PublishUsage();
    return result;
  }
  return AllocateFallback(bytes);  // blocks are page-aligned
}

char* Arena::AllocateFallback(std::size_t bytes) {
  if (bytes > kBlockSize / 4) {
    // Large entries get their own block so the current one is not wasted.
    char* result = NewBlock(bytes);
    PublishUsage();
    return result;
  }
  // Past kHugePagesAfter bytes the arena is a large memtable: its blocks
  // are huge-page sized and aligned, so that the skip list's random
  // searches miss the TLB far less often.
  const bool huge = reserved_ >= kHugePagesAfter;
  const std::size_t block = huge ? kHugeBlockSize : kBlockSize;
  ptr_ = NewBlock(block, huge);
  remaining_ = block - bytes;
  char* result = ptr_;
  ptr_ += bytes;
  PublishUsage();
  return result;
}

char* Arena::NewBlock(std::size_t bytes, bool huge) {
  const std::size_t page = PageSize();
  const std::size_t size = (bytes + page - 1) / page * page;
  if (blocks_.size() == blocks_.capacity()) {
    // Before the mapping, so that nothing is left to undo if this throws.
    const std::size_t old_capacity = blocks_.capacity();
    blocks_.reserve(old_capacity == 0 ? 16 : 2 * old_capacity);
    reserved_ += (blocks_.capacity() - old_capacity) * sizeof(Block);
  }
  huge = huge && size == kHugeBlockSize;
  if (huge && pool_ != nullptr) {
    if (char* pooled = pool_->Take(); pooled != nullptr) {
      blocks_.push_back({pooled, size, true});
      reserved_ += size;
      return pooled;
    }
  }
  // A huge block is cut, aligned, out of a mapping one alignment larger.
  const std::size_t mapped = huge ? size + kHugeBlockSize : size;
  void* base = ::mmap(nullptr, mapped, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (base == MAP_FAILED) {
    throw std::bad_alloc();
  }
  if (huge) {
    char* start = static_cast<char*>(base);
    char* aligned = reinterpret_cast<char*>(
        (reinterpret_cast<std::uintptr_t>(start) + kHugeBlockSize - 1) & ~(kHugeBlockSize - 1));
    if (aligned != start) {
      ::munmap(start, static_cast<std::size_t>(aligned - start));
    }
    char* end = aligned + size;
    if (end != start + mapped) {
      ::munmap(end, static_cast<std::size_t>(start + mapped - end));
    }
    base = aligned;
#ifdef MADV_HUGEPAGE
    // Advice only: without transparent huge pages the block works as is.
    ::madvise(base, size, MADV_HUGEPAGE);
#endif
  }
  blocks_.push_back({static_cast<char*>(base), size, huge});
  reserved_ += size;
  return static_cast<char*>(base);
}

}  // namespace aeternus
