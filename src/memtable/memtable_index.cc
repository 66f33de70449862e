#include "memtable/memtable_index.h"

#include <bit>

namespace aeternus {

MemTableIndex::MemTableIndex(std::size_t bytes) {
  const std::uint64_t wanted = bytes / sizeof(std::uint64_t);
  if (wanted < 64) {
    return;
  }
  const std::uint64_t num_slots = std::bit_floor(wanted);
  // calloc: the pages of a large index are zeroed by the kernel, and made
  // resident only as slots fill.
  slots_ = static_cast<std::uint64_t*>(std::calloc(num_slots, sizeof(std::uint64_t)));
  if (slots_ == nullptr) {
    return;  // no memory: no index (kOff)
  }
  mask_ = num_slots - 1;
  max_used_ = num_slots / 4 * 3;
  state_.store(State::kComplete, std::memory_order_relaxed);
}

}  // namespace aeternus
