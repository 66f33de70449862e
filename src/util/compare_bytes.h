#pragma once
// CompareBytes: the engine's user key order (unsigned bytewise), inline.

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <string_view>

#include "util/coding.h"

namespace aeternus {

// <0, 0, >0 as a sorts before, with, after b: as std::string_view::compare,
// but keys of up to 32 bytes are compared in the caller, eight bytes at a
// time as big-endian words, instead of through a call to memcmp.
inline int CompareBytes(std::string_view a, std::string_view b) {
  const std::size_t n = std::min(a.size(), b.size());
  if (n > 32) {
    if (int r = std::memcmp(a.data(), b.data(), n); r != 0) {
      return r;
    }
  } else {
    std::size_t i = 0;
    for (; i + 8 <= n; i += 8) {
      const std::uint64_t x = __builtin_bswap64(DecodeFixed64(a.data() + i));
      const std::uint64_t y = __builtin_bswap64(DecodeFixed64(b.data() + i));
      if (x != y) {
        return x < y ? -1 : 1;
      }
    }
    for (; i < n; ++i) {
      const int d = static_cast<unsigned char>(a[i]) - static_cast<unsigned char>(b[i]);
      if (d != 0) {
        return d;
      }
    }
  }
  return a.size() < b.size() ? -1 : (a.size() > b.size() ? 1 : 0);
}

}  // namespace aeternus
