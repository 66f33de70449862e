#include "util/crc32c.h"

#include <array>
#include <cstring>

#if defined(__x86_64__)
#include <nmmintrin.h>
#endif

namespace aeternus::crc32c {
namespace {

constexpr std::uint32_t kPoly = 0x82f63b78u;  // reflected Castagnoli

constexpr std::array<std::uint32_t, 256> MakeTable() {
  std::array<std::uint32_t, 256> table{};
  for (std::uint32_t i = 0; i < 256; ++i) {
    std::uint32_t crc = i;
    for (int k = 0; k < 8; ++k) {
      crc = (crc >> 1) ^ ((crc & 1) ? kPoly : 0);
    }
    table[i] = crc;
  }
  return table;
}
constexpr auto kTable = MakeTable();

std::uint32_t ExtendPortable(std::uint32_t crc, const char* data, std::size_t n) {
  const auto* p = reinterpret_cast<const unsigned char*>(data);
  for (std::size_t i = 0; i < n; ++i) {
    crc = kTable[(crc ^ p[i]) & 0xff] ^ (crc >> 8);
  }
  return crc;
}

#if defined(__x86_64__)
// The CRC register is linear in (start state, data): feeding `len` bytes
// from state s gives Zeros(s, len) ^ (the same bytes fed from state 0). So
// three stripes can be fed at once from states (c, 0, 0) and combined as
// Zeros(c0, 2 stripes) ^ Zeros(c1, 1 stripe) ^ c2; the crc32 instruction
// has a latency of 3 cycles and a throughput of 1, so three independent
// streams run about three times as fast as one.
constexpr std::size_t kStripe = 256;

// Zeros(v, len) for a fixed len, one table per byte of v.
struct ZerosTable {
  std::array<std::array<std::uint32_t, 256>, 4> t;
  std::uint32_t operator()(std::uint32_t v) const {
    return t[0][v & 0xff] ^ t[1][(v >> 8) & 0xff] ^ t[2][(v >> 16) & 0xff] ^ t[3][v >> 24];
  }
};

ZerosTable MakeZerosTable(std::size_t len) {
  static const char zeros[2 * kStripe] = {};
  ZerosTable z;
  for (int i = 0; i < 4; ++i) {
    for (std::uint32_t b = 0; b < 256; ++b) {
      z.t[i][b] = ExtendPortable(b << (8 * i), zeros, len);
    }
  }
  return z;
}

__attribute__((target("sse4.2"))) std::uint32_t ExtendHardware(
    std::uint32_t crc, const char* data, std::size_t n) {
  std::uint64_t c = crc;
  if (n >= 3 * kStripe) {
    static const ZerosTable one = MakeZerosTable(kStripe);
    static const ZerosTable two = MakeZerosTable(2 * kStripe);
    while (n >= 3 * kStripe) {
      std::uint64_t c1 = 0;
      std::uint64_t c2 = 0;
      for (std::size_t i = 0; i < kStripe; i += 8) {
        std::uint64_t w0;
        std::uint64_t w1;
        std::uint64_t w2;
        std::memcpy(&w0, data + i, 8);
        std::memcpy(&w1, data + kStripe + i, 8);
        std::memcpy(&w2, data + 2 * kStripe + i, 8);
        c = _mm_crc32_u64(c, w0);
        c1 = _mm_crc32_u64(c1, w1);
        c2 = _mm_crc32_u64(c2, w2);
      }
      c = two(static_cast<std::uint32_t>(c)) ^ one(static_cast<std::uint32_t>(c1)) ^
          static_cast<std::uint32_t>(c2);
      data += 3 * kStripe;
      n -= 3 * kStripe;
    }
  }
  while (n >= 8) {
    std::uint64_t word;
    std::memcpy(&word, data, 8);
    c = _mm_crc32_u64(c, word);
    data += 8;
    n -= 8;
  }
  auto c32 = static_cast<std::uint32_t>(c);
  while (n > 0) {
    c32 = _mm_crc32_u8(c32, static_cast<unsigned char>(*data));
    ++data;
    --n;
  }
  return c32;
}

bool HasHardwareCrc() {
  static const bool has = __builtin_cpu_supports("sse4.2");
  return has;
}
#endif

}  // namespace

std::uint32_t Extend(std::uint32_t init, const char* data, std::size_t n) {
  std::uint32_t crc = ~init;
#if defined(__x86_64__)
  if (HasHardwareCrc()) {
    return ~ExtendHardware(crc, data, n);
  }
#endif
  return ~ExtendPortable(crc, data, n);
}

}  // namespace aeternus::crc32c
