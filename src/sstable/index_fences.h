#pragma once
// IndexFences: a dense copy of the search keys of a table's index block,
// kept beside it so that a seek does not take a cache miss at every step of
// the block's binary search.
//
// For each restart point of the block (each index entry: index blocks
// restart at every entry), the 8 bytes of its user key that follow the
// prefix every key of the block shares, as a big-endian word, zero-padded.
// The word of a key is monotone in key order (k1 <= k2 implies
// word(k1) <= word(k2)), so a restart point whose word is below the
// target's holds a key below the target, and one whose word is above holds
// a key above it. A seek searches the words (8 to a cache line) and leaves
// to the block only the restart points whose word equals the target's.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace aeternus {

class Block;

class IndexFences {
 public:
  // Restart points [first, last] of the block.
  struct Range {
    std::uint32_t first;
    std::uint32_t last;
  };

  IndexFences() = default;
  // Empty (Narrow() gives every restart point) when the block has no
  // restart point or one of its restart entries is malformed.
  explicit IndexFences(const Block& block);

  // The restart points among which lies the last one whose key is below
  // `target` (an internal key), or restart point 0 when none is, of the
  // block this was built from, which has `num_restarts` of them.
  Range Narrow(std::string_view target, std::uint32_t num_restarts) const;

 private:
  std::uint64_t Word(std::string_view user_key) const;

  std::string prefix_;                // shared by the user key of every restart entry
  std::vector<std::uint64_t> words_;  // one per restart point, ascending
};

}  // namespace aeternus
