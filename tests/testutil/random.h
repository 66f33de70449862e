#pragma once
// Random: a small, fast, deterministic generator for tests (xorshift64*
// seeded through splitmix64). The same seed gives the same sequence on every
// platform, so a failing seed can be replayed.
//
// Thread safety: not thread-safe; give each thread its own Random.

#include <cstddef>
#include <cstdint>
#include <string>

namespace aeternus::test {

class Random {
 public:
  explicit Random(std::uint64_t seed);

  std::uint64_t seed() const { return seed_; }
  std::uint64_t Next();
  // Uniform in [0, n). REQUIRES: n > 0.
  std::uint64_t Uniform(std::uint64_t n);
  // Uniform in [lo, hi]. REQUIRES: lo <= hi.
  std::uint64_t Range(std::uint64_t lo, std::uint64_t hi);
  // True with probability 1/n. REQUIRES: n > 0.
  bool OneIn(std::uint64_t n);
  // Picks a bit count in [0, max_log], then a number of that many bits:
  // small values are much more likely than large ones.
  std::uint64_t Skewed(int max_log);
  // `len` arbitrary bytes, zeros and 0xFF included.
  std::string Bytes(std::size_t len);
  // `len` bytes from [a-z0-9].
  std::string Printable(std::size_t len);

 private:
  std::uint64_t seed_;
  std::uint64_t state_;
};

// The seed for a randomized test: $AETERNUS_TEST_SEED when set, else
// `default_seed`. Tests print the seed they used on failure.
std::uint64_t TestSeed(std::uint64_t default_seed);

// True when $AETERNUS_LONG_TESTS is set to a non-empty value other than "0":
// long variants run only then (CTest label `long`).
bool LongTestsEnabled();

}  // namespace aeternus::test
