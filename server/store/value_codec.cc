#include "store/value_codec.h"

#include <cstring>

namespace aeternus::server {
namespace {

constexpr std::uint8_t kHasExpiry = 1;
constexpr std::size_t kHeaderSize = 2;
constexpr std::size_t kExpirySize = 8;

}  // namespace

void EncodeValue(std::string_view data, std::optional<std::int64_t> expires_at_ms,
                 std::string* out) {
  out->reserve(out->size() + kHeaderSize + kExpirySize + data.size());
  out->push_back(static_cast<char>(kValueFormatVersion));
  out->push_back(static_cast<char>(expires_at_ms ? kHasExpiry : 0));
  if (expires_at_ms) {
    auto v = static_cast<std::uint64_t>(*expires_at_ms);
    for (std::size_t i = 0; i < kExpirySize; ++i) {
      out->push_back(static_cast<char>(v & 0xff));
      v >>= 8;
    }
  }
  out->append(data);
}

std::string EncodeValue(std::string_view data, std::optional<std::int64_t> expires_at_ms) {
  std::string out;
  EncodeValue(data, expires_at_ms, &out);
  return out;
}

std::optional<StoredValue> DecodeValue(std::string_view encoded) {
  if (encoded.size() < kHeaderSize ||
      static_cast<std::uint8_t>(encoded[0]) != kValueFormatVersion) {
    return std::nullopt;
  }
  const auto flags = static_cast<std::uint8_t>(encoded[1]);
  if ((flags & ~kHasExpiry) != 0) {
    return std::nullopt;
  }
  encoded.remove_prefix(kHeaderSize);
  StoredValue v;
  if ((flags & kHasExpiry) != 0) {
    if (encoded.size() < kExpirySize) {
      return std::nullopt;
    }
    std::uint64_t e = 0;
    for (std::size_t i = kExpirySize; i-- > 0;) {
      e = (e << 8) | static_cast<std::uint8_t>(encoded[i]);
    }
    v.expires_at_ms = static_cast<std::int64_t>(e);
    encoded.remove_prefix(kExpirySize);
  }
  v.data = encoded;
  return v;
}

}  // namespace aeternus::server
