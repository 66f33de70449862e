#pragma once
// The data every backend receives: keys made from key numbers, values cut
// from a pool of pseudo-random bytes, and the random choices of each
// workload. All of it follows from --seed through generators whose output is
// fixed by this code alone (not by the standard library's distributions), so
// every backend, on every machine, gets the same keys and values in the same
// order.
//
// Thread safety: KeyFormat, ValuePool and Permutation are immutable after
// construction; an Rng belongs to one thread.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace aeternus::bench {

// Mixes `a` and `b` into one well-spread seed (SplitMix64 finalizer).
std::uint64_t MixSeed(std::uint64_t a, std::uint64_t b);

// xoshiro256**, seeded through SplitMix64.
class Rng {
 public:
  explicit Rng(std::uint64_t seed);
  std::uint64_t Next();
  // Uniform in [0, n). REQUIRES: n > 0.
  std::uint64_t Uniform(std::uint64_t n);

 private:
  std::uint64_t s_[4];
};

// A pseudo-random bijection of [0, n) onto itself in O(1) memory: an
// invertible mix on the smallest power-of-two domain holding n, applied
// again while the result falls outside [0, n) (cycle walking).
class Permutation {
 public:
  Permutation(std::uint64_t n, std::uint64_t seed);
  // REQUIRES: i < n.
  std::uint64_t operator()(std::uint64_t i) const;

 private:
  std::uint64_t Mix(std::uint64_t x) const;

  std::uint64_t n_;
  int bits_;
  std::uint64_t mask_;
  std::uint64_t keys_[3];
};

// Keys of exactly key_size bytes: key number n as zero-padded decimal
// ("0000000000000042" for n = 42 and key_size 16), so that key order is
// numeric order.
class KeyFormat {
 public:
  // REQUIRES: CanHold(key_size, num).
  explicit KeyFormat(std::size_t key_size) : key_size_(key_size) {}

  // True when every key number below `num` fits in key_size digits.
  static bool CanHold(std::size_t key_size, std::uint64_t num);

  std::size_t key_size() const { return key_size_; }

  // Sets *dst to the key of number n.
  void Existing(std::uint64_t n, std::string* dst) const;
  // Sets *dst to a key of the same length that no workload ever writes:
  // Existing(n) with its last digit d replaced by the letter 'a' + d. It
  // sorts between the keys of the numbers ending in 9 and 0 around n, so
  // missing keys are spread over the whole key range (a lookup must consult
  // the filters, not just the key range of each table).
  void Missing(std::uint64_t n, std::string* dst) const;

 private:
  std::size_t key_size_;
};

// Values: slices of a pool of pseudo-random printable bytes in which each
// 100-byte piece repeats a random fragment of compression_ratio of its
// length, so that a compressor can shrink the data to about that ratio (as
// RocksDB's db_bench does).
class ValuePool {
 public:
  ValuePool(std::size_t value_size, double compression_ratio, std::uint64_t seed);

  std::size_t value_size() const { return value_size_; }
  // A value of value_size bytes at a position chosen by `rng`. The view
  // lives as long as the pool.
  std::string_view Next(Rng& rng) const;

 private:
  std::size_t value_size_;
  std::string pool_;
};

}  // namespace aeternus::bench
