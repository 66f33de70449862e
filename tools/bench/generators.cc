#include "generators.h"

#include <algorithm>
#include <bit>
#include <cassert>
#include <cmath>

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

double Rng::NextDouble() { return static_cast<double>(Next() >> 11) * 0x1.0p-53; }

double Zeta(std::uint64_t n, double theta) {
  constexpr std::uint64_t kExactTerms = 1000;
  double sum = 0;
  for (std::uint64_t i = 1; i <= std::min(n, kExactTerms); ++i) {
    sum += 1 / std::pow(static_cast<double>(i), theta);
  }
  if (n <= kExactTerms) {
    return sum;
  }
  // Sum of f(i) = i^-theta over (m, n] by Euler-Maclaurin: the integral of f
  // over [m, n], plus (f(n) - f(m)) / 2, plus B2/2! (f'(n) - f'(m)), plus
  // B4/4! (f'''(n) - f'''(m)); the next term is below 1e-18 for m = 1000.
  const auto m = static_cast<double>(kExactTerms);
  const auto x = static_cast<double>(n);
  auto f = [theta](double v) { return std::pow(v, -theta); };
  auto f1 = [theta](double v) { return -theta * std::pow(v, -theta - 1); };
  auto f3 = [theta](double v) {
    return -theta * (theta + 1) * (theta + 2) * std::pow(v, -theta - 3);
  };
  const double integral = theta == 1
                              ? std::log(x / m)
                              : (std::pow(x, 1 - theta) - std::pow(m, 1 - theta)) / (1 - theta);
  return sum + integral + (f(x) - f(m)) / 2 + (f1(x) - f1(m)) / 12 - (f3(x) - f3(m)) / 720;
}

std::uint64_t FnvHash64(std::uint64_t value) {
  constexpr std::uint64_t kOffsetBasis = 0xcbf29ce484222325ULL;
  constexpr std::uint64_t kPrime = 1099511628211ULL;
  std::uint64_t hash = kOffsetBasis;
  for (int i = 0; i < 8; ++i) {
    hash ^= value & 0xff;
    value >>= 8;
    hash *= kPrime;
  }
  // Math.abs of a Java long; Long.MIN_VALUE, which it leaves negative,
  // becomes 2^63 here.
  return static_cast<std::int64_t>(hash) < 0 ? ~hash + 1 : hash;
}

Zipfian::Zipfian(std::uint64_t items, double theta) : Zipfian(items, theta, Zeta(items, theta)) {}

Zipfian::Zipfian(std::uint64_t items, double theta, double zetan)
    : items_(items),
      theta_(theta),
      alpha_(1 / (1 - theta)),
      zeta2theta_(Zeta(2, theta)),
      zetan_(zetan),
      eta_((1 - std::pow(2.0 / static_cast<double>(items), 1 - theta)) / (1 - zeta2theta_ / zetan)),
      count_for_zeta_(items) {}

std::uint64_t Zipfian::Next(Rng& rng, std::uint64_t item_count) {
  if (item_count > count_for_zeta_) {
    constexpr std::uint64_t kMaxAddedTerms = 1000;
    if (item_count - count_for_zeta_ <= kMaxAddedTerms) {
      for (std::uint64_t i = count_for_zeta_ + 1; i <= item_count; ++i) {
        zetan_ += 1 / std::pow(static_cast<double>(i), theta_);
      }
    } else {
      zetan_ = Zeta(item_count, theta_);
    }
    count_for_zeta_ = item_count;
    eta_ =
        (1 - std::pow(2.0 / static_cast<double>(items_), 1 - theta_)) / (1 - zeta2theta_ / zetan_);
  }
  const double u = rng.NextDouble();
  const double uz = u * zetan_;
  if (uz < 1.0) {
    return 0;
  }
  if (uz < 1.0 + std::pow(0.5, theta_)) {
    return 1;
  }
  return static_cast<std::uint64_t>(static_cast<double>(item_count) *
                                    std::pow(eta_ * u - eta_ + 1, alpha_));
}

ScrambledZipfian::ScrambledZipfian(std::uint64_t items)
    : items_(items),
      alpha_(1 / (1 - kZipfianTheta)),
      // YCSB builds its ZipfianGenerator(0, ITEM_COUNT): ITEM_COUNT + 1 items.
      eta_((1 - std::pow(2.0 / static_cast<double>(kItemCount + 1), 1 - kZipfianTheta)) /
           (1 - Zeta(2, kZipfianTheta) / kZetan)) {
  assert(items > 0);
}

std::uint64_t ScrambledZipfian::Next(Rng& rng) const {
  // YCSB's ZipfianGenerator.nextLong(ITEM_COUNT + 1), without the state
  // that a changing item count needs.
  const double u = rng.NextDouble();
  const double uz = u * kZetan;
  std::uint64_t item;
  if (uz < 1.0) {
    item = 0;
  } else if (uz < 1.0 + std::pow(0.5, kZipfianTheta)) {
    item = 1;
  } else {
    item = static_cast<std::uint64_t>(static_cast<double>(kItemCount + 1) *
                                      std::pow(eta_ * u - eta_ + 1, alpha_));
  }
  return FnvHash64(item) % items_;
}

std::uint64_t SkewedLatest::Next(Rng& rng, std::uint64_t latest) {
  if (latest == 0) {
    return 0;
  }
  return latest - std::min(latest, zipfian_.Next(rng, latest));
}

void InsertCounter::Acknowledge(std::uint64_t n) {
  std::lock_guard lock(mu_);
  done_.insert(n);
  std::uint64_t last = last_.load(std::memory_order_relaxed);
  while (!done_.empty() && *done_.begin() == last + 1) {
    done_.erase(done_.begin());
    ++last;
  }
  last_.store(last, std::memory_order_release);
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
