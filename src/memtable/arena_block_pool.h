#pragma once
// ArenaBlockPool: huge arena blocks (Arena::kHugeBlockSize) kept after
// their memtable is freed, for the next memtable of the same database. A
// block taken from the pool is resident already: the next memtable neither
// faults its pages in nor has the kernel zero them, which was about a tenth
// of the time of a fill. At most `capacity` bytes are kept (the DB keeps
// one write buffer's worth, so that its memtables never hold more than
// before); blocks given beyond that are unmapped.
//
// A pooled block holds whatever its last memtable wrote: arena users
// initialise every byte they read.
//
// Thread safety: Take and Give may be called concurrently.

#include <cstddef>
#include <mutex>
#include <vector>

namespace aeternus {

class ArenaBlockPool {
 public:
  explicit ArenaBlockPool(std::size_t capacity) : capacity_(capacity) {}
  ArenaBlockPool(const ArenaBlockPool&) = delete;
  ArenaBlockPool& operator=(const ArenaBlockPool&) = delete;
  // Unmaps the blocks it keeps. REQUIRES: every Arena that uses the pool
  // is destroyed.
  ~ArenaBlockPool();

  // A block of Arena::kHugeBlockSize bytes, aligned to that size and
  // advised for huge pages, or null when the pool is empty.
  char* Take();
  // Keeps `block` (as Take returns them) or unmaps it.
  void Give(char* block);

  std::size_t kept_bytes() const;

 private:
  const std::size_t capacity_;
  mutable std::mutex mu_;
  std::vector<char*> blocks_;  // guarded by mu_
};

}  // namespace aeternus
