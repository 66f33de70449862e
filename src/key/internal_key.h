#pragma once
// Internal keys: the form in which every entry is stored in memtables and
// tables, and the order the whole engine sorts by.
//
//   internal_key := user_key | trailer:fixed64   (little-endian)
//   trailer      := (sequence << 8) | value_type
//
// Order: user key ascending (bytewise, unsigned), then sequence descending,
// then type descending, so the newest version of a key comes first.
// See docs/architecture.md (glossary) and docs/format/sstable.md.

#include <cassert>
#include <cstdint>
#include <cstring>
#include <memory>
#include <string>
#include <string_view>

#include "util/coding.h"
#include "util/compare_bytes.h"

namespace aeternus {

using SequenceNumber = std::uint64_t;

// Sequence numbers use 56 bits; the top of the range is reserved so that a
// lookup key at kMaxSequenceNumber sorts before every real entry.
inline constexpr SequenceNumber kMaxSequenceNumber = (1ull << 56) - 1;

// Persisted in WAL batches and table entries: never renumber.
enum class ValueType : std::uint8_t {
  kDeletion = 0,       // point tombstone
  kValue = 1,          // a put
  kRangeDeletion = 2,  // range tombstone; the value is the (exclusive) end key
};
// The type used when seeking: the largest, so the seek key sorts first
// among entries with the same user key and sequence.
inline constexpr ValueType kValueTypeForSeek = ValueType::kRangeDeletion;

inline constexpr std::size_t kTrailerSize = 8;

inline std::uint64_t PackTrailer(SequenceNumber seq, ValueType type) {
  assert(seq <= kMaxSequenceNumber);
  return (seq << 8) | static_cast<std::uint8_t>(type);
}

inline void AppendInternalKey(std::string& dst, std::string_view user_key,
                              SequenceNumber seq, ValueType type) {
  dst.append(user_key);
  PutFixed64(dst, PackTrailer(seq, type));
}

// REQUIRES: internal_key.size() >= kTrailerSize (checked by decoders).
inline std::string_view ExtractUserKey(std::string_view internal_key) {
  return internal_key.substr(0, internal_key.size() - kTrailerSize);
}
inline std::uint64_t ExtractTrailer(std::string_view internal_key) {
  return DecodeFixed64(internal_key.data() + internal_key.size() - kTrailerSize);
}
inline SequenceNumber ExtractSequence(std::string_view internal_key) {
  return ExtractTrailer(internal_key) >> 8;
}
inline ValueType ExtractValueType(std::string_view internal_key) {
  return static_cast<ValueType>(ExtractTrailer(internal_key) & 0xff);
}
inline bool IsValidValueType(std::uint8_t t) { return t <= 2; }

struct ParsedInternalKey {
  std::string_view user_key;
  SequenceNumber sequence = 0;
  ValueType type = ValueType::kValue;
};
// False when the key is too short or its type unknown.
inline bool ParseInternalKey(std::string_view internal_key, ParsedInternalKey* out) {
  if (internal_key.size() < kTrailerSize) {
    return false;
  }
  std::uint64_t trailer = ExtractTrailer(internal_key);
  auto t = static_cast<std::uint8_t>(trailer & 0xff);
  if (!IsValidValueType(t)) {
    return false;
  }
  out->user_key = ExtractUserKey(internal_key);
  out->sequence = trailer >> 8;
  out->type = static_cast<ValueType>(t);
  return true;
}

// Bytewise comparison of user keys (unsigned, as std::string_view does).
inline int CompareUserKeys(std::string_view a, std::string_view b) {
  return CompareBytes(a, b);
}

// <0, 0, >0 as a sorts before, with, after b in internal key order.
inline int CompareInternalKeys(std::string_view a, std::string_view b) {
  int r = CompareBytes(ExtractUserKey(a), ExtractUserKey(b));
  if (r != 0) {
    return r;
  }
  std::uint64_t ta = ExtractTrailer(a);
  std::uint64_t tb = ExtractTrailer(b);
  return ta > tb ? -1 : (ta < tb ? 1 : 0);
}

// A key built for seeking: user_key at `seq`, sorting before every entry of
// user_key with a sequence <= seq. Short keys live inline (no allocation).
class LookupKey {
 public:
  LookupKey(std::string_view user_key, SequenceNumber seq) {
    size_ = user_key.size() + kTrailerSize;
    char* dst = inline_;
    if (size_ > sizeof(inline_)) {
      heap_ = std::make_unique<char[]>(size_);
      dst = heap_.get();
    }
    std::memcpy(dst, user_key.data(), user_key.size());
    EncodeFixed64(dst + user_key.size(), PackTrailer(seq, kValueTypeForSeek));
  }
  LookupKey(const LookupKey&) = delete;
  LookupKey& operator=(const LookupKey&) = delete;

  std::string_view internal_key() const { return {heap_ ? heap_.get() : inline_, size_}; }
  std::string_view user_key() const { return ExtractUserKey(internal_key()); }

 private:
  std::size_t size_;
  std::unique_ptr<char[]> heap_;
  char inline_[120];
};

}  // namespace aeternus
