#include "store/value_codec.h"

#include <cstdint>
#include <optional>
#include <string>

#include <gtest/gtest.h>

namespace aeternus::server {
namespace {

TEST(ValueCodecTest, RoundTripsWithAndWithoutExpiry) {
  const std::string binary("a\0b\r\nc", 6);
  for (const std::optional<std::int64_t> expiry :
       {std::optional<std::int64_t>(), std::optional<std::int64_t>(0),
        std::optional<std::int64_t>(1'700'000'000'123), std::optional<std::int64_t>(INT64_MAX)}) {
    for (const std::string& data : {std::string(), std::string("value"), binary}) {
      const std::string encoded = EncodeValue(data, expiry);
      const auto decoded = DecodeValue(encoded);
      ASSERT_TRUE(decoded.has_value());
      EXPECT_EQ(decoded->data, data);
      EXPECT_EQ(decoded->expires_at_ms, expiry);
    }
  }
}

TEST(ValueCodecTest, LayoutIsAsDocumented) {
  EXPECT_EQ(EncodeValue("xy", std::nullopt), std::string("\x01\x00xy", 4));
  EXPECT_EQ(EncodeValue("", 0x0102030405060708), std::string("\x01\x01\x08\x07\x06\x05\x04\x03\x02\x01", 10));
}

TEST(ValueCodecTest, OtherBytesDoNotDecode) {
  EXPECT_FALSE(DecodeValue("").has_value());
  EXPECT_FALSE(DecodeValue(std::string("\x01", 1)).has_value());            // short header
  EXPECT_FALSE(DecodeValue(std::string("\x02\x00x", 3)).has_value());       // other version
  EXPECT_FALSE(DecodeValue(std::string("\x01\x02x", 3)).has_value());       // unknown flag
  EXPECT_FALSE(DecodeValue(std::string("\x01\x01\x00\x00", 4)).has_value());  // short expiry
}

TEST(ValueCodecTest, ExpiredAtAndAfterItsTime) {
  const auto v = DecodeValue(EncodeValue("x", 1000));
  ASSERT_TRUE(v.has_value());
  EXPECT_FALSE(IsExpired(*v, 999));
  EXPECT_TRUE(IsExpired(*v, 1000));
  EXPECT_TRUE(IsExpired(*v, 1001));
  const auto forever = DecodeValue(EncodeValue("x", std::nullopt));
  EXPECT_FALSE(IsExpired(*forever, INT64_MAX));
}

}  // namespace
}  // namespace aeternus::server
