#include "histogram.h"

#include <algorithm>
#include <bit>
#include <cassert>

namespace aeternus::bench {

// Bucket b < 2 * kSubBuckets holds the value b. Above, a value v with
// shift e = bit_width(v) - (kSubBucketBits + 1) >= 1 has v >> e in
// [kSubBuckets, 2 * kSubBuckets); it goes to bucket
// (e + 1) * kSubBuckets + (v >> e) - kSubBuckets, which holds
// [(v >> e) << e, ((v >> e) + 1) << e).
int Histogram::BucketOf(std::uint64_t value) {
  if (value < 2 * kSubBuckets) {
    return static_cast<int>(value);
  }
  const int shift = std::bit_width(value) - (kSubBucketBits + 1);
  return static_cast<int>((shift + 1) * kSubBuckets + (value >> shift) - kSubBuckets);
}

std::uint64_t Histogram::BucketLow(int bucket) {
  const auto b = static_cast<std::uint64_t>(bucket);
  if (b < 2 * kSubBuckets) {
    return b;
  }
  const std::uint64_t shift = b / kSubBuckets - 1;
  return (b % kSubBuckets + kSubBuckets) << shift;
}

std::uint64_t Histogram::BucketWidth(int bucket) {
  const auto b = static_cast<std::uint64_t>(bucket);
  return b < 2 * kSubBuckets ? 1 : std::uint64_t{1} << (b / kSubBuckets - 1);
}

void Histogram::Add(std::uint64_t nanos) {
  const int b = BucketOf(nanos);
  assert(b >= 0 && b < kNumBuckets);
  ++buckets_[b];
  ++count_;
  min_ = std::min(min_, nanos);
  max_ = std::max(max_, nanos);
  sum_ += static_cast<double>(nanos);
}

void Histogram::Merge(const Histogram& other) {
  for (int b = 0; b < kNumBuckets; ++b) {
    buckets_[b] += other.buckets_[b];
  }
  count_ += other.count_;
  min_ = std::min(min_, other.min_);
  max_ = std::max(max_, other.max_);
  sum_ += other.sum_;
}

double Histogram::Mean() const { return count_ == 0 ? 0.0 : sum_ / static_cast<double>(count_); }

double Histogram::Percentile(double fraction) const {
  if (count_ == 0) {
    return 0.0;
  }
  const double rank = std::clamp(fraction, 0.0, 1.0) * static_cast<double>(count_);
  double below = 0;  // samples in the buckets before b
  for (int b = 0; b < kNumBuckets; ++b) {
    const auto in_bucket = static_cast<double>(buckets_[b]);
    if (in_bucket == 0 || below + in_bucket < rank) {
      below += in_bucket;
      continue;
    }
    // Samples are taken as spread evenly over [low, low + width).
    const double low = static_cast<double>(BucketLow(b));
    const double width = static_cast<double>(BucketWidth(b));
    const double value = low + width * (rank - below) / in_bucket;
    return std::clamp(value, static_cast<double>(min_), static_cast<double>(max_));
  }
  return static_cast<double>(max_);
}

}  // namespace aeternus::bench
