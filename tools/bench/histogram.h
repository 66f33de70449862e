#pragma once
// Histogram: the distribution of operation latencies, in nanoseconds.
//
// Log-linear buckets: values below 128 ns are counted exactly; above, each
// power of two is split into 64 equal buckets, so a reported percentile is
// within 1/64 (1.6%) of the true value. Min, max, count and sum are exact.
// Fixed memory (about 30 KiB), so a run of any length costs the same.
//
// Thread safety: none; each thread records into its own histogram and the
// runner merges them.

#include <array>
#include <cstdint>

namespace aeternus::bench {

class Histogram {
 public:
  void Add(std::uint64_t nanos);
  void Merge(const Histogram& other);
  void Clear() { *this = Histogram(); }

  std::uint64_t count() const { return count_; }
  std::uint64_t min() const { return count_ == 0 ? 0 : min_; }
  std::uint64_t max() const { return max_; }
  double Mean() const;
  // The value below which `fraction` (in [0, 1]) of the samples fall,
  // interpolated within its bucket and clamped to [min, max]; 0 when empty.
  double Percentile(double fraction) const;

 private:
  static constexpr int kSubBucketBits = 6;
  static constexpr std::uint64_t kSubBuckets = 1u << kSubBucketBits;  // per power of two
  // Values below 2 * kSubBuckets have a bucket each; each further power of
  // two up to 2^64 adds kSubBuckets.
  static constexpr int kNumBuckets = (64 - kSubBucketBits + 1) * kSubBuckets;

  static int BucketOf(std::uint64_t value);
  static std::uint64_t BucketLow(int bucket);
  static std::uint64_t BucketWidth(int bucket);

  std::array<std::uint64_t, kNumBuckets> buckets_{};
  std::uint64_t count_ = 0;
  std::uint64_t min_ = UINT64_MAX;
  std::uint64_t max_ = 0;
  double sum_ = 0;
};

}  // namespace aeternus::bench
