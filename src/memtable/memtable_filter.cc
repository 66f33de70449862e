#include "memtable/memtable_filter.h"

#include <atomic>

#include "filter/bloom.h"

namespace aeternus {

MemTableFilter::MemTableFilter(std::size_t bytes) {
  num_lines_ = bytes / kBloomLineBytes;
  if (num_lines_ == 0) {
    return;
  }
  // calloc: pages of a large filter are zeroed by the kernel, and made
  // resident only as bits are set.
  words_ = static_cast<std::uint64_t*>(std::calloc(num_lines_ * kWordsPerLine, sizeof(std::uint64_t)));
  if (words_ == nullptr) {
    num_lines_ = 0;  // no memory: no filter, every key may be present
  }
}

void MemTableFilter::Add(std::uint64_t hash) {
  if (words_ == nullptr) {
    return;
  }
  std::uint64_t* line = words_ + BloomLineIndex(hash, num_lines_) * kWordsPerLine;
  ForEachBloomProbe(hash, kProbes, [line](std::uint32_t bit) {
    // One writer: load and store, no read-modify-write instruction needed.
    std::atomic_ref<std::uint64_t> word(line[bit >> 6]);
    word.store(word.load(std::memory_order_relaxed) | (std::uint64_t{1} << (bit & 63)),
               std::memory_order_relaxed);
    return true;
  });
}

bool MemTableFilter::MayContain(std::uint64_t hash) const {
  if (words_ == nullptr) {
    return true;
  }
  std::uint64_t* line = words_ + BloomLineIndex(hash, num_lines_) * kWordsPerLine;
  return ForEachBloomProbe(hash, kProbes, [line](std::uint32_t bit) {
    const std::atomic_ref<std::uint64_t> word(line[bit >> 6]);
    return (word.load(std::memory_order_relaxed) & (std::uint64_t{1} << (bit & 63))) != 0;
  });
}

}  // namespace aeternus
