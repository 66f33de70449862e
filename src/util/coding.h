#pragma once
// Little-endian fixed-width and varint encodings used by every on-disk
// format. Encoders append to `dst`. Decoders consume from the front of `in`
// and return std::nullopt (or false) instead of reading past the end; they
// never trust a length.

#include <bit>
#include <cstdint>
#include <cstring>
#include <optional>
#include <string>
#include <string_view>

namespace aeternus {

inline void EncodeFixed32(char* dst, std::uint32_t v) {
  static_assert(std::endian::native == std::endian::little);
  std::memcpy(dst, &v, sizeof(v));
}
inline void EncodeFixed64(char* dst, std::uint64_t v) {
  std::memcpy(dst, &v, sizeof(v));
}
inline std::uint32_t DecodeFixed32(const char* p) {
  std::uint32_t v;
  std::memcpy(&v, p, sizeof(v));
  return v;
}
inline std::uint64_t DecodeFixed64(const char* p) {
  std::uint64_t v;
  std::memcpy(&v, p, sizeof(v));
  return v;
}

inline void PutFixed32(std::string& dst, std::uint32_t v) {
  char buf[4];
  EncodeFixed32(buf, v);
  dst.append(buf, 4);
}
inline void PutFixed64(std::string& dst, std::uint64_t v) {
  char buf[8];
  EncodeFixed64(buf, v);
  dst.append(buf, 8);
}

// Writes v as a varint at dst (at most 10 bytes); returns the end.
char* EncodeVarint64(char* dst, std::uint64_t v);
inline char* EncodeVarint32(char* dst, std::uint32_t v) {
  return EncodeVarint64(dst, v);
}
void PutVarint32(std::string& dst, std::uint32_t v);
void PutVarint64(std::string& dst, std::uint64_t v);
// varint32 length, then the bytes.
void PutLengthPrefixed(std::string& dst, std::string_view value);
int VarintLength(std::uint64_t v);

// Parses a varint from [p, limit); returns the byte after it, or null when
// it is truncated or too long.
const char* GetVarint32Ptr(const char* p, const char* limit, std::uint32_t* v);
const char* GetVarint64Ptr(const char* p, const char* limit, std::uint64_t* v);

bool GetVarint32(std::string_view& in, std::uint32_t* v);
bool GetVarint64(std::string_view& in, std::uint64_t* v);
bool GetFixed32(std::string_view& in, std::uint32_t* v);
bool GetFixed64(std::string_view& in, std::uint64_t* v);
bool GetLengthPrefixed(std::string_view& in, std::string_view* value);

}  // namespace aeternus
