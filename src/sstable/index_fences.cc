#include "sstable/index_fences.h"

#include <algorithm>
#include <cstring>

#include "key/internal_key.h"
#include "sstable/block.h"

namespace aeternus {

IndexFences::IndexFences(const Block& block) {
  const std::uint32_t n = block.num_restarts();
  std::string_view first;
  std::string_view last;
  if (!block.well_formed() || n == 0 || !block.RestartKey(0, &first) || !block.RestartKey(n - 1, &last) ||
      first.size() < kTrailerSize || last.size() < kTrailerSize) {
    return;
  }
  // Keys are sorted: what the first and last share, every key shares.
  const std::string_view a = ExtractUserKey(first);
  const std::string_view b = ExtractUserKey(last);
  const std::size_t shared =
      std::mismatch(a.begin(), a.begin() + std::min(a.size(), b.size()), b.begin()).first -
      a.begin();
  prefix_.assign(a.substr(0, shared));
  words_.reserve(n);
  for (std::uint32_t i = 0; i < n; ++i) {
    std::string_view key;
    if (!block.RestartKey(i, &key) || key.size() < kTrailerSize ||
        !ExtractUserKey(key).starts_with(prefix_)) {
      prefix_.clear();
      words_ = {};
      return;
    }
    words_.push_back(Word(ExtractUserKey(key)));
  }
}

std::uint64_t IndexFences::Word(std::string_view user_key) const {
  char bytes[8] = {};
  const std::string_view rest = user_key.substr(std::min(prefix_.size(), user_key.size()));
  std::memcpy(bytes, rest.data(), std::min<std::size_t>(rest.size(), sizeof(bytes)));
  return __builtin_bswap64(DecodeFixed64(bytes));
}

IndexFences::Range IndexFences::Narrow(std::string_view target,
                                       std::uint32_t num_restarts) const {
  const std::uint32_t n = static_cast<std::uint32_t>(words_.size());
  if (n == 0 || n != num_restarts || target.size() < kTrailerSize) {
    return {0, num_restarts > 0 ? num_restarts - 1 : 0};
  }
  const std::string_view user_key = ExtractUserKey(target);
  const int r = CompareBytes(user_key.substr(0, prefix_.size()), prefix_);
  if (r < 0) {
    return {0, 0};  // below every key (or a proper prefix of prefix_)
  }
  if (r > 0) {
    return {n - 1, n - 1};  // above every key
  }
  const std::uint64_t w = Word(user_key);
  // Below lo every word is smaller (those keys are below the target); from
  // hi on, every word is larger (those keys are above it).
  const auto lo = std::lower_bound(words_.begin(), words_.end(), w) - words_.begin();
  const auto hi = std::upper_bound(words_.begin() + lo, words_.end(), w) - words_.begin();
  return {static_cast<std::uint32_t>(std::max<std::ptrdiff_t>(lo, 1) - 1),
          static_cast<std::uint32_t>(std::max<std::ptrdiff_t>(hi, 1) - 1)};
}

}  // namespace aeternus
