#pragma once
// CRC-32C (Castagnoli), computed with the SSE4.2 instruction when the CPU
// has it and with a table otherwise. Stored checksums are masked (see
// Mask) so that a CRC over data that itself embeds CRCs stays strong.

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace aeternus::crc32c {

// CRC-32C of data, continuing from the CRC `init` of earlier bytes.
std::uint32_t Extend(std::uint32_t init, const char* data, std::size_t n);
inline std::uint32_t Value(const char* data, std::size_t n) {
  return Extend(0, data, n);
}
inline std::uint32_t Value(std::string_view data) {
  return Extend(0, data.data(), data.size());
}

inline constexpr std::uint32_t kMaskDelta = 0xa282ead8u;
inline std::uint32_t Mask(std::uint32_t crc) {
  return ((crc >> 15) | (crc << 17)) + kMaskDelta;
}
inline std::uint32_t Unmask(std::uint32_t masked) {
  std::uint32_t rot = masked - kMaskDelta;
  return (rot >> 17) | (rot << 15);
}

}  // namespace aeternus::crc32c
