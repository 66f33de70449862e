#include "filter/bloom.h"

#include <gtest/gtest.h>

#include <string>

#include "util/coding.h"

namespace aeternus {
namespace {

std::string Key(std::uint64_t i) {
  std::string k;
  PutFixed64(k, i);
  return k;
}

std::string BuildFilter(int bits_per_key, std::uint64_t n) {
  BloomFilterBuilder builder(bits_per_key);
  for (std::uint64_t i = 0; i < n; ++i) {
    builder.AddKey(Key(i));
  }
  return builder.Finish();
}

double FalsePositiveRate(const std::string& filter) {
  const BloomFilterReader reader(filter);
  constexpr std::uint64_t kProbes = 100000;
  std::uint64_t hits = 0;
  for (std::uint64_t i = 0; i < kProbes; ++i) {
    hits += reader.KeyMayMatch(Key(i + 1'000'000'000)) ? 1 : 0;
  }
  return static_cast<double>(hits) / kProbes;
}

TEST(BloomTest, NumProbesIsBitsTimesLn2Clamped) {
  EXPECT_EQ(BloomNumProbes(10), 6);
  EXPECT_EQ(BloomNumProbes(1), 1);
  EXPECT_EQ(BloomNumProbes(0), 1);
  EXPECT_EQ(BloomNumProbes(100), 30);
}

TEST(BloomTest, EmptyFilterMatchesNothing) {
  BloomFilterBuilder builder(10);
  const std::string filter = builder.Finish();
  EXPECT_FALSE(BloomKeyMayMatch(filter, "hello"));
  EXPECT_FALSE(BloomKeyMayMatch(filter, ""));
}

TEST(BloomTest, AddedKeysAlwaysMatch) {
  for (std::uint64_t n : {1ull, 10ull, 100ull, 1000ull, 10000ull, 100000ull}) {
    const std::string filter = BuildFilter(10, n);
    const BloomFilterReader reader(filter);
    for (std::uint64_t i = 0; i < n; ++i) {
      ASSERT_TRUE(reader.KeyMayMatch(Key(i))) << "n=" << n << " i=" << i;
    }
  }
}

TEST(BloomTest, FalsePositiveRateAtTenBitsPerKeyIsAboutOnePercent) {
  for (std::uint64_t n : {1000ull, 10000ull, 100000ull}) {
    const double rate = FalsePositiveRate(BuildFilter(10, n));
    EXPECT_LT(rate, 0.02) << "n=" << n;
  }
}

TEST(BloomTest, MoreBitsPerKeyLowersFalsePositives) {
  const double at6 = FalsePositiveRate(BuildFilter(6, 20000));
  const double at20 = FalsePositiveRate(BuildFilter(20, 20000));
  EXPECT_LT(at20, at6);
  EXPECT_LT(at20, 0.002);
}

TEST(BloomTest, ConsecutiveDuplicateKeysAreCountedOnce) {
  BloomFilterBuilder builder(10);
  builder.AddKey("a");
  builder.AddKey("a");
  builder.AddKey("b");
  builder.AddKey("b");
  builder.AddKey("b");
  EXPECT_EQ(builder.num_keys(), 2u);
  const std::string filter = builder.Finish();
  EXPECT_TRUE(BloomKeyMayMatch(filter, "a"));
  EXPECT_TRUE(BloomKeyMayMatch(filter, "b"));
}

TEST(BloomTest, KeysWithZeroAndFfBytesAreDistinct) {
  BloomFilterBuilder builder(20);
  builder.AddKey(std::string("\0", 1));
  builder.AddKey(std::string("\xff\x00", 2));
  const std::string filter = builder.Finish();
  EXPECT_TRUE(BloomKeyMayMatch(filter, std::string("\0", 1)));
  EXPECT_TRUE(BloomKeyMayMatch(filter, std::string("\xff\x00", 2)));
}

TEST(BloomTest, DamagedFilterMayMatchEverything) {
  const std::string good = BuildFilter(10, 100);
  EXPECT_TRUE(BloomKeyMayMatch("", "absent"));
  EXPECT_TRUE(BloomKeyMayMatch("x", "absent"));
  EXPECT_TRUE(BloomKeyMayMatch(good.substr(0, good.size() - 1), "absent"));  // not whole lines
  std::string bad_probes = good;
  bad_probes.back() = 0;
  EXPECT_TRUE(BloomKeyMayMatch(bad_probes, "absent"));
  bad_probes.back() = static_cast<char>(31);
  EXPECT_TRUE(BloomKeyMayMatch(bad_probes, "absent"));
  EXPECT_TRUE(BloomFilterReader().KeyMayMatch("absent"));
}

}  // namespace
}  // namespace aeternus
