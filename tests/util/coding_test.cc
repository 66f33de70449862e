#include "util/coding.h"

#include <gtest/gtest.h>

#include "util/crc32c.h"

namespace aeternus {

TEST(CodingTest, VarintRoundTrip) {
  std::string buf;
  const std::uint64_t values[] = {0, 1, 127, 128, 300, 1ull << 32, ~0ull};
  for (auto v : values) {
    PutVarint64(buf, v);
  }
  std::string_view in(buf);
  for (auto v : values) {
    std::uint64_t got = 0;
    ASSERT_TRUE(GetVarint64(in, &got));
    EXPECT_EQ(got, v);
  }
  EXPECT_TRUE(in.empty());
}

TEST(CodingTest, TruncatedVarintIsRejected) {
  std::string buf;
  PutVarint64(buf, 1ull << 40);
  std::string_view in(buf.data(), buf.size() - 1);
  std::uint64_t v = 0;
  EXPECT_FALSE(GetVarint64(in, &v));
}

TEST(CodingTest, Varint32RejectsOverflow) {
  std::string buf;
  PutVarint64(buf, 1ull << 33);
  std::string_view in(buf);
  std::uint32_t v = 0;
  EXPECT_FALSE(GetVarint32(in, &v));
}

TEST(CodingTest, LengthPrefixedRejectsShortInput) {
  std::string buf;
  PutLengthPrefixed(buf, "hello");
  std::string_view in(buf.data(), buf.size() - 1);
  std::string_view out;
  EXPECT_FALSE(GetLengthPrefixed(in, &out));
}

TEST(Crc32cTest, KnownValues) {
  // Standard CRC-32C check value of "123456789".
  EXPECT_EQ(crc32c::Value("123456789"), 0xe3069283u);
  std::string zeros(32, '\0');
  EXPECT_EQ(crc32c::Value(zeros), 0x8a9136aau);
  EXPECT_EQ(crc32c::Extend(crc32c::Value("1234"), "56789", 5), 0xe3069283u);
}

// A bit-at-a-time CRC-32C, written from the definition, against which the
// fast paths (three interleaved stripes, 8-byte words, bytes) are checked at
// every length and alignment around the stripe boundaries.
std::uint32_t BitwiseCrc32c(std::uint32_t init, const char* data, std::size_t n) {
  std::uint32_t crc = ~init;
  for (std::size_t i = 0; i < n; ++i) {
    crc ^= static_cast<unsigned char>(data[i]);
    for (int k = 0; k < 8; ++k) {
      crc = (crc >> 1) ^ ((crc & 1) ? 0x82f63b78u : 0);
    }
  }
  return ~crc;
}

TEST(Crc32cTest, MatchesTheDefinitionAtEveryLengthAndAlignment) {
  std::string buf(6000, '\0');
  std::uint64_t x = 0x9e3779b97f4a7c15ull;
  for (char& c : buf) {
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    c = static_cast<char>(x);
  }
  for (std::size_t offset = 0; offset < 8; ++offset) {
    for (std::size_t n : {0, 1, 7, 8, 9, 255, 256, 767, 768, 769, 1536, 1543, 2304, 4096,
                          4103, 5000}) {
      const std::uint32_t init = static_cast<std::uint32_t>(n * 2654435761u);
      ASSERT_EQ(crc32c::Extend(init, buf.data() + offset, n),
                BitwiseCrc32c(init, buf.data() + offset, n))
          << "offset " << offset << ", length " << n;
    }
  }
}

TEST(Crc32cTest, MaskRoundTrip) {
  std::uint32_t crc = crc32c::Value("foo");
  EXPECT_NE(crc32c::Mask(crc), crc);
  EXPECT_EQ(crc32c::Unmask(crc32c::Mask(crc)), crc);
}

}  // namespace aeternus
