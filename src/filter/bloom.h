#pragma once
// Bloom filter over the user keys of one table (see docs/format/sstable.md,
// "Filter block").
//
//   filter := line[num_lines]  num_probes:uint8
//   line   := 64 bytes = 512 bits; bit b of a line is bit (b % 8) of byte b / 8
//
// A key's 64-bit hash h = XXH3_64bits(user_key) picks one line,
// ((h >> 32) * num_lines) >> 32, and num_probes bits inside it by enhanced
// double hashing over 32-bit unsigned arithmetic:
//   x_0 = h mod 2^32,  y_0 = x_0 >> 9
//   probe i sets/tests bit x_i mod 512
//   x_{i+1} = x_i + y_i,  y_{i+1} = y_i + i + 1
// num_lines = max(1, ceil(num_keys * bits_per_key / 512)). Keeping all
// probes in one 64-byte line costs one cache miss per query; the growing
// step y keeps probe patterns varied, so the rate stays low at high bits
// per key too (measured: about 1% at 10 bits per key, 0.03% at 20).
//
// A reader treats anything it does not recognise (too short, not whole
// lines, num_probes outside [1, 30]) as "may match": a damaged filter can
// only cost reads, never hide a key.
//
// Thread safety: a BloomFilterReader is immutable and may be shared;
// a BloomFilterBuilder is used by one thread.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace aeternus {

inline constexpr std::size_t kBloomLineBytes = 64;
inline constexpr int kBloomMinProbes = 1;
inline constexpr int kBloomMaxProbes = 30;

// Number of probes for bits_per_key: bits_per_key * ln 2 rounded down,
// clamped to [kBloomMinProbes, kBloomMaxProbes].
int BloomNumProbes(int bits_per_key);

class BloomFilterBuilder {
 public:
  // REQUIRES: bits_per_key >= 1.
  explicit BloomFilterBuilder(int bits_per_key);

  // Adds a user key. A key equal to the previous one is counted once (the
  // versions of one key arrive together in a table).
  void AddKey(std::string_view user_key);

  // Distinct keys added since construction or the last Finish().
  std::size_t num_keys() const { return hashes_.size(); }

  // Returns the filter for the keys added and clears the builder. With no
  // keys, a filter that matches nothing.
  std::string Finish();

 private:
  int bits_per_key_;
  int num_probes_;
  std::vector<std::uint64_t> hashes_;
};

// The 64-bit hash every probe of a key derives from: XXH3_64bits, seed 0.
std::uint64_t BloomHash(std::string_view user_key);

// The line of `hash` among num_lines (>= 1), and its probes in that line:
// calls probe(bit) with each bit in [0, 512) in turn while it returns true.
// False when a probe returned false. Shared by every filter of this shape.
inline std::uint64_t BloomLineIndex(std::uint64_t hash, std::uint64_t num_lines) {
  return ((hash >> 32) * num_lines) >> 32;
}
template <typename Probe>
inline bool ForEachBloomProbe(std::uint64_t hash, int num_probes, Probe probe) {
  auto x = static_cast<std::uint32_t>(hash);
  std::uint32_t y = x >> 9;
  for (int i = 0; i < num_probes; ++i) {
    if (!probe(x & (kBloomLineBytes * 8 - 1))) {
      return false;
    }
    x += y;
    y += static_cast<std::uint32_t>(i) + 1;
  }
  return true;
}

// Queries a filter in place. The filter's shape is checked once, here; an
// unrecognised filter makes every query answer true.
// REQUIRES: the filter bytes outlive the reader.
class BloomFilterReader {
 public:
  BloomFilterReader() = default;  // no filter: everything may match
  explicit BloomFilterReader(std::string_view filter);

  // False only when the key was certainly never added.
  bool KeyMayMatch(std::string_view user_key) const { return HashMayMatch(BloomHash(user_key)); }
  bool HashMayMatch(std::uint64_t hash) const;

 private:
  const unsigned char* lines_ = nullptr;  // null: match everything
  std::uint64_t num_lines_ = 0;
  int num_probes_ = 0;
};

// One-shot form of BloomFilterReader(filter).KeyMayMatch(user_key).
inline bool BloomKeyMayMatch(std::string_view filter, std::string_view user_key) {
  return BloomFilterReader(filter).KeyMayMatch(user_key);
}

}  // namespace aeternus
