#pragma once
// How aeternus-server stores a Redis string in the engine: the engine key is
// the Redis key, the engine value is this encoding (docs/format/server-value.md):
//
//   byte 0      format version: 1
//   byte 1      flags: bit 0 set when an expiry follows; other bits zero
//   [8 bytes]   expiry, milliseconds since the Unix epoch, little-endian
//   rest        the string's bytes
//
// A value whose version is not 1, whose flags have unknown bits, or that is
// shorter than its header does not decode (the key is then reported as
// holding a value of another type, never as a string).

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace aeternus::server {

inline constexpr std::uint8_t kValueFormatVersion = 1;
// The most bytes the encoding adds to a string: version, flags, expiry.
inline constexpr std::size_t kMaxValueHeaderBytes = 10;

struct StoredValue {
  std::string_view data;                    // the string's bytes
  std::optional<std::int64_t> expires_at_ms;  // none: never expires
};

// Appends the encoding of `data` with `expires_at_ms` to *out.
void EncodeValue(std::string_view data, std::optional<std::int64_t> expires_at_ms,
                 std::string* out);
std::string EncodeValue(std::string_view data, std::optional<std::int64_t> expires_at_ms);

// Decodes `encoded`; nullopt when it is not a valid encoding. The result
// points into `encoded`.
std::optional<StoredValue> DecodeValue(std::string_view encoded);

// True when the value has an expiry at or before `now_ms`.
inline bool IsExpired(const StoredValue& v, std::int64_t now_ms) {
  return v.expires_at_ms.has_value() && *v.expires_at_ms <= now_ms;
}

}  // namespace aeternus::server
