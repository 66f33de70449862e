#pragma once
// Arena: bump allocator for memtable entries and skip list nodes. Memory is
// freed all at once when the arena is destroyed.
//
// Thread safety: Allocate needs external synchronisation (the single
// memtable writer); MemoryUsage may be read from any thread.

#include <atomic>
#include <cstddef>
#include <memory>
#include <vector>

namespace aeternus {

class Arena {
 public:
  Arena() = default;
  Arena(const Arena&) = delete;
  Arena& operator=(const Arena&) = delete;

  // Returns bytes aligned for any object up to alignof(std::max_align_t)
  // when aligned, or unaligned otherwise. REQUIRES: bytes > 0.
  char* Allocate(std::size_t bytes) {
    if (bytes <= remaining_) {
      char* result = ptr_;
      ptr_ += bytes;
      remaining_ -= bytes;
      return result;
    }
    return AllocateFallback(bytes);
  }
  char* AllocateAligned(std::size_t bytes);

  // Bytes reserved from the system, including block overhead.
  std::size_t MemoryUsage() const { return usage_.load(std::memory_order_relaxed); }

 private:
  static constexpr std::size_t kBlockSize = 4096;

  char* AllocateFallback(std::size_t bytes);
  char* NewBlock(std::size_t bytes);

  char* ptr_ = nullptr;
  std::size_t remaining_ = 0;
  std::vector<std::unique_ptr<char[]>> blocks_;
  std::atomic<std::size_t> usage_{0};
};

}  // namespace aeternus
