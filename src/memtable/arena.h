#pragma once
// Arena: bump allocator for memtable entries and skip list nodes. Memory is
// freed all at once when the arena is destroyed.
//
// Blocks are anonymous private mappings (mmap), not heap memory: a block's
// pages become resident only when first written, and the destructor unmaps
// every block (or gives huge ones back to the database's ArenaBlockPool),
// so a freed memtable returns all its memory at once. Heap blocks would stay with the allocator as free space after the
// memtable is gone (a heap shrinks only from its top), and a later memtable
// filled from another thread would take new memory from that thread's heap.
//
// Thread safety: Allocate needs external synchronisation (the single
// memtable writer); MemoryUsage may be read from any thread.

#include <atomic>
#include <cstddef>
#include <vector>

namespace aeternus {

class ArenaBlockPool;

class Arena {
 public:
  // Bytes of a block. An allocation larger than a quarter of it gets a
  // block of its own (rounded up to the page size).
  static constexpr std::size_t kBlockSize = 1 << 20;
  // Once this many bytes are mapped, new blocks are kHugeBlockSize bytes,
  // aligned to it and advised for transparent huge pages (MADV_HUGEPAGE).
  static constexpr std::size_t kHugePagesAfter = 4 << 20;
  static constexpr std::size_t kHugeBlockSize = 2 << 20;

  // `pool` (borrowed, may be null): where huge blocks come from when it
  // has some, and go back to when the arena is destroyed.
  explicit Arena(ArenaBlockPool* pool = nullptr) : pool_(pool) {}
  Arena(const Arena&) = delete;
  Arena& operator=(const Arena&) = delete;
  ~Arena();

  // Returns bytes aligned for any object up to alignof(std::max_align_t)
  // when aligned, or unaligned otherwise. REQUIRES: bytes > 0. Throws
  // std::bad_alloc when the system has no memory to map.
  char* Allocate(std::size_t bytes) {
    if (bytes <= remaining_) {
      char* result = ptr_;
      ptr_ += bytes;
      remaining_ -= bytes;
      PublishUsage();
      return result;
    }
    return AllocateFallback(bytes);
  }
  char* AllocateAligned(std::size_t bytes);

  // Bytes of the blocks mapped, less the part of the current block not yet
  // handed out (never written, so not resident), plus the bookkeeping.
  // At least the sum of the sizes allocated.
  std::size_t MemoryUsage() const { return usage_.load(std::memory_order_relaxed); }

 private:
  struct Block {
    char* base;
    std::size_t size;  // a multiple of the page size
    bool huge;         // kHugeBlockSize bytes, aligned to it: poolable
  };

  char* AllocateFallback(std::size_t bytes);
  // Maps a block of at least `bytes` and records it; returns its base.
  // With `huge` (and a size of kHugeBlockSize) the block is aligned to
  // kHugeBlockSize and advised for huge pages, or taken from pool_.
  char* NewBlock(std::size_t bytes, bool huge = false);
  void PublishUsage() { usage_.store(reserved_ - remaining_, std::memory_order_relaxed); }

  ArenaBlockPool* const pool_;
  char* ptr_ = nullptr;
  std::size_t remaining_ = 0;  // bytes of the current block after ptr_
  // Sum of blocks_[i].size, plus the bytes of blocks_'s own storage.
  std::size_t reserved_ = 0;
  std::vector<Block> blocks_;
  std::atomic<std::size_t> usage_{0};
};

}  // namespace aeternus
