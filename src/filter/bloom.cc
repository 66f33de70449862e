#include "filter/bloom.h"

#include <algorithm>
#include <cassert>

#include <xxhash.h>

namespace aeternus {

int BloomNumProbes(int bits_per_key) {
  // 0.69 ~= ln 2 minimises the false-positive rate for a given bits/key.
  const int k = static_cast<int>(bits_per_key * 0.69);
  return std::clamp(k, kBloomMinProbes, kBloomMaxProbes);
}

std::uint64_t BloomHash(std::string_view user_key) {
  return XXH3_64bits(user_key.data(), user_key.size());
}

BloomFilterBuilder::BloomFilterBuilder(int bits_per_key)
    : bits_per_key_(std::max(bits_per_key, 1)), num_probes_(BloomNumProbes(bits_per_key)) {
  assert(bits_per_key >= 1);
}

void BloomFilterBuilder::AddKey(std::string_view user_key) {
  const std::uint64_t h = BloomHash(user_key);
  if (hashes_.empty() || hashes_.back() != h) {
    hashes_.push_back(h);
  }
}

std::string BloomFilterBuilder::Finish() {
  const std::uint64_t total_bits =
      static_cast<std::uint64_t>(hashes_.size()) * static_cast<std::uint64_t>(bits_per_key_);
  constexpr std::uint64_t kLineBits = kBloomLineBytes * 8;
  const std::uint64_t num_lines = std::max<std::uint64_t>(1, (total_bits + kLineBits - 1) / kLineBits);
  std::string filter(static_cast<std::size_t>(num_lines * kBloomLineBytes) + 1, '\0');
  auto* bits = reinterpret_cast<unsigned char*>(filter.data());
  for (std::uint64_t h : hashes_) {
    unsigned char* line = bits + BloomLineIndex(h, num_lines) * kBloomLineBytes;
    ForEachBloomProbe(h, num_probes_, [line](std::uint32_t bit) {
      line[bit >> 3] |= static_cast<unsigned char>(1u << (bit & 7));
      return true;
    });
  }
  filter.back() = static_cast<char>(num_probes_);
  hashes_.clear();
  return filter;
}

BloomFilterReader::BloomFilterReader(std::string_view filter) {
  if (filter.size() < kBloomLineBytes + 1 || (filter.size() - 1) % kBloomLineBytes != 0) {
    return;
  }
  const int num_probes = static_cast<unsigned char>(filter.back());
  if (num_probes < kBloomMinProbes || num_probes > kBloomMaxProbes) {
    return;  // unknown encoding: do not rule keys out
  }
  lines_ = reinterpret_cast<const unsigned char*>(filter.data());
  num_lines_ = (filter.size() - 1) / kBloomLineBytes;
  num_probes_ = num_probes;
}

bool BloomFilterReader::HashMayMatch(std::uint64_t hash) const {
  if (lines_ == nullptr) {
    return true;
  }
  const unsigned char* line = lines_ + BloomLineIndex(hash, num_lines_) * kBloomLineBytes;
  return ForEachBloomProbe(hash, num_probes_, [line](std::uint32_t bit) {
    return (line[bit >> 3] & (1u << (bit & 7))) != 0;
  });
}

}  // namespace aeternus
