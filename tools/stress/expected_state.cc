#include "expected_state.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstring>
#include <memory>

namespace aeternus::stress {

namespace {

constexpr char kMagic[8] = {'A', 'e', 'S', 't', 'r', 'e', 's', 's'};
constexpr std::size_t kHeaderSize = 64;

Status Errno(const std::string& path, const char* call) {
  return Status::IOError(path, std::string(call) + ": " + std::strerror(errno));
}

std::uint64_t Load64(const char* p) {
  std::uint64_t v = 0;
  std::memcpy(&v, p, sizeof(v));
  return v;
}

// splitmix64: the filler of a value.
std::uint64_t Mix(std::uint64_t x) {
  x += 0x9e3779b97f4a7c15ull;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
  return x ^ (x >> 31);
}

}  // namespace

Status ExpectedState::Open(const std::string& path, std::uint64_t num_keys,
                           std::uint64_t value_size, bool fresh,
                           std::unique_ptr<ExpectedState>* out) {
  const std::size_t size = kHeaderSize + num_keys * 2 * sizeof(std::uint32_t);
  int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC | (fresh ? O_TRUNC : 0), 0644);
  if (fd < 0) {
    return Errno(path, "open");
  }
  struct stat st;
  if (::fstat(fd, &st) != 0) {
    ::close(fd);
    return Errno(path, "fstat");
  }
  const bool create = st.st_size == 0;
  if (!create && static_cast<std::size_t>(st.st_size) != size) {
    ::close(fd);
    return Status::InvalidArgument(path, "expected-state file of " + std::to_string(st.st_size) +
                                             " bytes, not for " + std::to_string(num_keys) +
                                             " keys");
  }
  if (create && ::ftruncate(fd, static_cast<off_t>(size)) != 0) {
    ::close(fd);
    return Errno(path, "ftruncate");
  }
  void* base = ::mmap(nullptr, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  if (base == MAP_FAILED) {
    ::close(fd);
    return Errno(path, "mmap");
  }
  auto* p = static_cast<char*>(base);
  if (create) {
    std::memcpy(p, kMagic, sizeof(kMagic));
    p[8] = static_cast<char>(kFormatVersion);
    std::memcpy(p + 16, &num_keys, sizeof(num_keys));
    std::memcpy(p + 24, &value_size, sizeof(value_size));
  }
  out->reset(new ExpectedState(fd, p, size, num_keys));
  if (std::memcmp(p, kMagic, sizeof(kMagic)) != 0 ||
      static_cast<std::uint8_t>(p[8]) != kFormatVersion) {
    out->reset();
    return Status::Corruption(path, "not an expected-state file of format version 1");
  }
  if (Load64(p + 16) != num_keys || Load64(p + 24) != value_size) {
    out->reset();
    return Status::InvalidArgument(
        path, "expected-state file made for " + std::to_string(Load64(p + 16)) + " keys of " +
                  std::to_string(Load64(p + 24)) + "-byte values");
  }
  return Status::OK();
}

ExpectedState::ExpectedState(int fd, char* base, std::size_t size, std::uint64_t num_keys)
    : fd_(fd), base_(base), size_(size), num_keys_(num_keys) {}

ExpectedState::~ExpectedState() {
  ::munmap(base_, size_);
  ::close(fd_);
}

std::uint32_t* ExpectedState::Slot(std::uint64_t key, int which) const {
  return reinterpret_cast<std::uint32_t*>(base_ + kHeaderSize) + key * 2 + which;
}

KeyState ExpectedState::Committed(std::uint64_t key) const {
  return KeyState::Decode(std::atomic_ref<std::uint32_t>(*Slot(key, 0)).load());
}

bool ExpectedState::Pending(std::uint64_t key, KeyState* state) const {
  const std::uint32_t word = std::atomic_ref<std::uint32_t>(*Slot(key, 1)).load();
  if ((word & kInFlight) == 0) {
    return false;
  }
  *state = KeyState::Decode(word & ~kInFlight);
  return true;
}

// The stores are sequentially consistent: a kill between two of them
// leaves the first in the page cache and not the second.
void ExpectedState::Begin(std::uint64_t key, KeyState next) {
  std::atomic_ref<std::uint32_t>(*Slot(key, 1)).store(kInFlight | next.Encode());
}

void ExpectedState::Commit(std::uint64_t key) {
  KeyState next;
  if (Pending(key, &next)) {
    std::atomic_ref<std::uint32_t>(*Slot(key, 0)).store(next.Encode());
    std::atomic_ref<std::uint32_t>(*Slot(key, 1)).store(0);
  }
}

void ExpectedState::Settle(std::uint64_t key, KeyState state) {
  std::atomic_ref<std::uint32_t>(*Slot(key, 0)).store(state.Encode());
  std::atomic_ref<std::uint32_t>(*Slot(key, 1)).store(0);
}

KeyState ExpectedState::Next(std::uint64_t key, bool exists) const {
  std::uint32_t version = Committed(key).version;
  KeyState pending;
  if (Pending(key, &pending)) {
    version = std::max(version, pending.version);
  }
  return {(version + 1) & 0x3fffffffu, exists};
}

std::string KeyName(std::uint64_t key) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "key%010llu", static_cast<unsigned long long>(key));
  return buf;
}

std::string ValueFor(std::uint64_t key, std::uint32_t version, std::size_t value_size) {
  std::string v = KeyName(key) + "/" + std::to_string(version) + "/";
  std::uint64_t h = Mix(key * 0x100000001b3ull ^ version);
  while (v.size() < value_size) {
    h = Mix(h);
    v.push_back(static_cast<char>('a' + h % 26));
  }
  v.resize(std::max(value_size, v.size()));
  return v;
}

bool ParseValue(std::uint64_t key, const std::string& value, std::size_t value_size,
                std::uint32_t* version) {
  const std::string prefix = KeyName(key) + "/";
  if (value.compare(0, prefix.size(), prefix) != 0) {
    return false;
  }
  const std::size_t end = value.find('/', prefix.size());
  if (end == std::string::npos || end == prefix.size() || end - prefix.size() > 10) {
    return false;
  }
  std::uint64_t v = 0;
  for (std::size_t i = prefix.size(); i < end; ++i) {
    if (value[i] < '0' || value[i] > '9') {
      return false;
    }
    v = v * 10 + static_cast<std::uint64_t>(value[i] - '0');
  }
  if (v > 0x3fffffffu) {
    return false;
  }
  *version = static_cast<std::uint32_t>(v);
  return value == ValueFor(key, *version, value_size);
}

std::vector<std::size_t> KeyLocks::StripesOf(const std::vector<std::uint64_t>& keys) const {
  std::vector<std::size_t> stripes;
  stripes.reserve(keys.size());
  for (std::uint64_t k : keys) {
    stripes.push_back(static_cast<std::size_t>(k % mutexes_.size()));
  }
  std::sort(stripes.begin(), stripes.end());
  stripes.erase(std::unique(stripes.begin(), stripes.end()), stripes.end());
  return stripes;
}

void KeyLocks::Lock(const std::vector<std::size_t>& stripes) {
  for (std::size_t s : stripes) {
    mutexes_[s].lock();
  }
}

void KeyLocks::Unlock(const std::vector<std::size_t>& stripes) {
  for (auto it = stripes.rbegin(); it != stripes.rend(); ++it) {
    mutexes_[*it].unlock();
  }
}

}  // namespace aeternus::stress
