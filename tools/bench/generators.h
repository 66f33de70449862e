#pragma once
// The data every backend receives: keys made from key numbers, values cut
// from a pool of pseudo-random bytes, and the random choices of each
// workload. All of it follows from --seed through generators whose output is
// fixed by this code alone (not by the standard library's distributions), so
// every backend, on every machine, gets the same keys and values in the same
// order.
//
// Thread safety: KeyFormat, ValuePool, Permutation and ScrambledZipfian
// are immutable after construction; an Rng, a Zipfian and a SkewedLatest
// belong to one thread; an InsertCounter is shared by all.

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <mutex>
#include <set>
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
  // Uniform in [0, 1), with 53 random bits.
  double NextDouble();

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

// The YCSB generators (github.com/brianfrankcooper/YCSB, package
// site.ycsb.generator), with the same formulas and constants, drawing from
// an Rng instead of java.util.Random. docs/benchmarks.md, "YCSB", says how
// the workloads use them.

// The zipfian constant (theta) of every YCSB workload.
inline constexpr double kZipfianTheta = 0.99;

// zeta(n, theta) = sum over i in [1, n] of 1 / i^theta. YCSB adds all n
// terms; this adds the first 1,000 and takes the rest from the
// Euler-Maclaurin formula, which costs the same for any n and agrees with a
// running sum to within its rounding (1e-12 relative for 10^10 terms).
double Zeta(std::uint64_t n, double theta);

// YCSB's Utils.fnvhash64: FNV-1 over the 8 bytes of `value`, low byte first,
// then made non-negative as a Java long (Math.abs).
std::uint64_t FnvHash64(std::uint64_t value);

// YCSB's ZipfianGenerator (Gray et al., "Quickly Generating Billion-Record
// Synthetic Databases", SIGMOD 1994): item 0 is the most popular, then 1,
// and so on.
class Zipfian {
 public:
  // Items [0, items), with zeta(items, theta) given or computed.
  Zipfian(std::uint64_t items, double theta);
  Zipfian(std::uint64_t items, double theta, double zetan);

  // An item of [0, items) for the item count given at construction.
  std::uint64_t Next(Rng& rng) { return Next(rng, items_); }
  // An item of [0, item_count). As in YCSB, an item_count larger than any
  // before updates zeta (adding the new terms), but eta keeps the item
  // count of the construction; a smaller one is used as it is.
  std::uint64_t Next(Rng& rng, std::uint64_t item_count);

 private:
  std::uint64_t items_;
  double theta_;
  double alpha_;
  double zeta2theta_;
  double zetan_;
  double eta_;
  std::uint64_t count_for_zeta_;
};

// YCSB's ScrambledZipfianGenerator: a zipfian draw over 10^10 items
// (zeta precomputed as YCSB does), hashed with FnvHash64 and reduced modulo
// the item count, so the popular items are scattered over [0, items)
// instead of being the smallest numbers. Immutable: Next takes the rng.
class ScrambledZipfian {
 public:
  // YCSB's ScrambledZipfianGenerator.ITEM_COUNT and ZETAN, which is
  // zeta(ITEM_COUNT, 0.99).
  static constexpr std::uint64_t kItemCount = 10'000'000'000;
  static constexpr double kZetan = 26.46902820178302;

  // REQUIRES: items > 0.
  explicit ScrambledZipfian(std::uint64_t items);
  std::uint64_t Next(Rng& rng) const;

 private:
  std::uint64_t items_;
  double alpha_;
  double eta_;
};

// YCSB's SkewedLatestGenerator: key numbers near the latest one are the
// most popular: latest - Zipfian(latest).
class SkewedLatest {
 public:
  explicit SkewedLatest(std::uint64_t latest) : zipfian_(latest, kZipfianTheta) {}
  // A key number of [0, latest]; latest itself is the most likely.
  std::uint64_t Next(Rng& rng, std::uint64_t latest);

 private:
  Zipfian zipfian_;
};

// The key numbers that YCSB inserts take, in order, after the loaded ones
// (YCSB's AcknowledgedCounterGenerator). Claim() hands out the next number;
// Acknowledge() marks its insert done; last() is the largest number below
// which every insert is done, so that a read never picks a key whose insert
// has not finished.
class InsertCounter {
 public:
  // Key numbers [0, records) are loaded; inserts start at `records`.
  // REQUIRES: records > 0.
  explicit InsertCounter(std::uint64_t records) : next_(records), last_(records - 1) {}

  std::uint64_t Claim() { return next_.fetch_add(1, std::memory_order_relaxed); }
  void Acknowledge(std::uint64_t n);
  std::uint64_t last() const { return last_.load(std::memory_order_acquire); }
  // Key numbers handed out so far: [0, claimed()).
  std::uint64_t claimed() const { return next_.load(std::memory_order_relaxed); }

 private:
  std::atomic<std::uint64_t> next_;
  std::atomic<std::uint64_t> last_;  // written under mu_
  std::mutex mu_;
  std::set<std::uint64_t> done_;  // acknowledged numbers above last_ + 1
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
