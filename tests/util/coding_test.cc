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

TEST(Crc32cTest, MaskRoundTrip) {
  std::uint32_t crc = crc32c::Value("foo");
  EXPECT_NE(crc32c::Mask(crc), crc);
  EXPECT_EQ(crc32c::Unmask(crc32c::Mask(crc)), crc);
}

}  // namespace aeternus
