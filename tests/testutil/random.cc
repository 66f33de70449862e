#include "testutil/random.h"

#include <cstdlib>
#include <string_view>

namespace aeternus::test {

namespace {

std::uint64_t SplitMix64(std::uint64_t x) {
  x += 0x9e3779b97f4a7c15ull;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
  return x ^ (x >> 31);
}

}  // namespace

Random::Random(std::uint64_t seed) : seed_(seed), state_(SplitMix64(seed)) {
  if (state_ == 0) {
    state_ = 0x2545f4914f6cdd1dull;
  }
}

std::uint64_t Random::Next() {
  state_ ^= state_ >> 12;
  state_ ^= state_ << 25;
  state_ ^= state_ >> 27;
  return state_ * 0x2545f4914f6cdd1dull;
}

std::uint64_t Random::Uniform(std::uint64_t n) { return Next() % n; }

std::uint64_t Random::Range(std::uint64_t lo, std::uint64_t hi) {
  return lo + Uniform(hi - lo + 1);
}

bool Random::OneIn(std::uint64_t n) { return Uniform(n) == 0; }

std::uint64_t Random::Skewed(int max_log) {
  const auto bits = static_cast<int>(Uniform(static_cast<std::uint64_t>(max_log) + 1));
  return bits == 0 ? 0 : Uniform(std::uint64_t{1} << bits);
}

std::string Random::Bytes(std::size_t len) {
  std::string out(len, '\0');
  for (auto& c : out) {
    c = static_cast<char>(Next() >> 56);
  }
  return out;
}

std::string Random::Printable(std::size_t len) {
  static constexpr std::string_view kAlphabet = "abcdefghijklmnopqrstuvwxyz0123456789";
  std::string out(len, '\0');
  for (auto& c : out) {
    c = kAlphabet[Uniform(kAlphabet.size())];
  }
  return out;
}

std::uint64_t TestSeed(std::uint64_t default_seed) {
  const char* value = std::getenv("AETERNUS_TEST_SEED");
  if (value == nullptr || value[0] == '\0') {
    return default_seed;
  }
  return std::strtoull(value, nullptr, 0);
}

bool LongTestsEnabled() {
  const char* value = std::getenv("AETERNUS_LONG_TESTS");
  return value != nullptr && value[0] != '\0' && std::string_view(value) != "0";
}

}  // namespace aeternus::test
