#include "generators.h"

#include <algorithm>
#include <bit>
#include <cassert>

namespace aeternus::bench {
namespace {

std::uint64_t SplitMix64(std::uint64_t& state) {
  std::uint64_t z = (state += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

}  // namespace

std::uint64_t MixSeed(std::uint64_t a, std::uint64_t b) {
  std::uint64_t state = a ^ (b * 0xd1b54a32d192ed03ULL);
  return SplitMix64(state);
}

Rng::Rng(std::uint64_t seed) {
  for (auto& word : s_) {
    word = SplitMix64(seed);
  }
}

std::uint64_t Rng::Next() {
  const std::uint64_t result = std::rotl(s_[1] * 5, 7) * 9;
  const std::uint64_t t = s_[1] << 17;
  s_[2] ^= s_[0];
  s_[3] ^= s_[1];
  s_[1] ^= s_[2];
  s_[0] ^= s_[3];
  s_[2] ^= t;
  s_[3] = std::rotl(s_[3], 45);
  return result;
}

std::uint64_t Rng::Uniform(std::uint64_t n) {
  assert(n > 0);
  // Lemire's multiply-shift; the bias (below n / 2^64) does not matter here.
  return static_cast<std::uint64_t>((static_cast<unsigned __int128>(Next()) * n) >> 64);
}

Permutation::Permutation(std::uint64_t n, std::uint64_t seed)
    : n_(n), bits_(std::max(1, static_cast<int>(std::bit_width(n > 0 ? n - 1 : 0)))) {
  mask_ = bits_ >= 64 ? ~std::uint64_t{0} : (std::uint64_t{1} << bits_) - 1;
  Rng rng(seed);
  for (auto& key : keys_) {
    key = rng.Next();
  }
}

// Each step is a bijection of [0, 2^bits): adding a constant, multiplying by
// an odd constant, and xoring with a right shift of itself, all modulo
// 2^bits.
std::uint64_t Permutation::Mix(std::uint64_t x) const {
  const int half = std::max(1, bits_ / 2);
  for (const std::uint64_t key : keys_) {
    x = (x + key) & mask_;
    x = (x * (key | 1)) & mask_;
    x ^= x >> half;
  }
  return x;
}

std::uint64_t Permutation::operator()(std::uint64_t i) const {
  assert(i < n_);
  std::uint64_t x = Mix(i);
  while (x >= n_) {
    x = Mix(x);
  }
  return x;
}

bool KeyFormat::CanHold(std::size_t key_size, std::uint64_t num) {
  std::size_t digits = 1;
  for (std::uint64_t largest = num > 0 ? num - 1 : 0; largest >= 10; largest /= 10) {
    ++digits;
  }
  return key_size >= digits;
}

void KeyFormat::Existing(std::uint64_t n, std::string* dst) const {
  dst->assign(key_size_, '0');
  for (std::size_t i = key_size_; i > 0 && n > 0; --i, n /= 10) {
    (*dst)[i - 1] = static_cast<char>('0' + n % 10);
  }
}

void KeyFormat::Missing(std::uint64_t n, std::string* dst) const {
  Existing(n, dst);
  char& last = dst->back();
  last = static_cast<char>('a' + (last - '0'));
}

ValuePool::ValuePool(std::size_t value_size, double compression_ratio, std::uint64_t seed)
    : value_size_(value_size) {
  constexpr std::size_t kPieceSize = 100;
  // Large enough that values rarely repeat within a block or a memtable.
  const std::size_t pool_size = std::max<std::size_t>(1u << 20, 2 * value_size + kPieceSize);
  const std::size_t fragment_size = std::clamp<std::size_t>(
      static_cast<std::size_t>(static_cast<double>(kPieceSize) * compression_ratio), 1, kPieceSize);
  Rng rng(seed);
  pool_.reserve(pool_size + kPieceSize);
  std::string fragment(fragment_size, ' ');
  while (pool_.size() < pool_size) {
    for (char& c : fragment) {
      c = static_cast<char>(' ' + rng.Uniform(95));  // printable ASCII
    }
    for (std::size_t filled = 0; filled < kPieceSize; filled += fragment_size) {
      pool_.append(fragment, 0, std::min(fragment_size, kPieceSize - filled));
    }
  }
}

std::string_view ValuePool::Next(Rng& rng) const {
  const std::size_t offset = rng.Uniform(pool_.size() - value_size_ + 1);
  return std::string_view(pool_).substr(offset, value_size_);
}

}  // namespace aeternus::bench
