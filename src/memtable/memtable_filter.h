#pragma once
// MemTableFilter: a bloom filter over the user keys of one memtable's point
// entries, so that a Get for a key the memtable does not hold skips the
// skip-list search (one cache line read instead of a descent through the
// list). The shape is the table filter's (filter/bloom.h): a 64-byte line
// picked by the key's BloomHash, kProbes bits in it. Its size is fixed when
// the memtable is made (Options::memtable_bloom_size_ratio of the write
// buffer); it is never written to disk.
//
// Thread safety: Add needs external synchronisation (the memtable's one
// writer); MayContain may run concurrently with it. A key's bits are set
// before its entry is inserted, and the entry is read only once the DB has
// published its sequence (a release the reader acquires), so a reader that
// may see an entry sees its bits.

#include <cstddef>
#include <cstdint>
#include <cstdlib>

namespace aeternus {

class MemTableFilter {
 public:
  static constexpr int kProbes = 6;

  // A filter of about `bytes` (whole 64-byte lines); 0: none, every key
  // may be present.
  explicit MemTableFilter(std::size_t bytes);
  MemTableFilter(const MemTableFilter&) = delete;
  MemTableFilter& operator=(const MemTableFilter&) = delete;
  ~MemTableFilter() { std::free(words_); }

  bool enabled() const { return words_ != nullptr; }
  std::size_t bytes() const { return num_lines_ * kWordsPerLine * sizeof(std::uint64_t); }

  // `hash`: BloomHash of the user key.
  void Add(std::uint64_t hash);
  // False only when no key of this hash was added.
  bool MayContain(std::uint64_t hash) const;

 private:
  static constexpr std::size_t kWordsPerLine = 8;

  std::uint64_t* words_ = nullptr;  // zeroed by calloc; accessed through std::atomic_ref
  std::uint64_t num_lines_ = 0;
};

}  // namespace aeternus
