#pragma once
// ExpectedState: what aeternus-stress expects each key of the database to
// hold, kept in a file mapped MAP_SHARED, so that it survives the process
// being killed at any instruction (the kernel keeps the pages; a power
// loss is not what this file is for). Format (docs/reliability.md):
//
//   header: magic "AeStress" | version u8 (1) | 7 zero bytes |
//           num_keys u64 | value_size u64 | 32 zero bytes     (64 bytes)
//   slots:  num_keys x { committed u32, pending u32 }
//
// A key's state is (version << 1) | exists, in 31 bits: the value of a key
// that exists is a function of (key, version) (ValueFor), so a state names
// exactly one value. `committed` is the state of the last acknowledged
// write. `pending` is 0, or kInFlight | the state a write in flight will
// leave: a writer stores pending, writes to the database, then stores
// committed and clears pending (Begin, Commit). After a crash, a key with a
// write in flight may hold either state; every other key must hold its
// committed state exactly.
//
// Thread safety: slots are read and written with atomic operations; the
// caller locks a key (KeyLocks) around Begin..Commit and around the reads
// it checks, so that the state it sees is the database's.

#include <cstddef>
#include <cstdint>
#include <mutex>
#include <string>
#include <vector>

#include "aeternus/status.h"

namespace aeternus::stress {

struct KeyState {
  std::uint32_t version = 0;
  bool exists = false;

  std::uint32_t Encode() const { return (version << 1) | (exists ? 1u : 0u); }
  static KeyState Decode(std::uint32_t word) { return {(word >> 1) & 0x3fffffffu, (word & 1) != 0}; }
  bool operator==(const KeyState&) const = default;
};

class ExpectedState {
 public:
  static constexpr std::uint32_t kInFlight = 1u << 31;
  static constexpr std::uint8_t kFormatVersion = 1;

  // Opens `path`, creating it (every key absent, version 0) when missing or
  // when `fresh`. InvalidArgument when an existing file was made for other
  // num_keys or value_size; Corruption when it is not such a file.
  static Status Open(const std::string& path, std::uint64_t num_keys, std::uint64_t value_size,
                     bool fresh, std::unique_ptr<ExpectedState>* out);
  ~ExpectedState();
  ExpectedState(const ExpectedState&) = delete;
  ExpectedState& operator=(const ExpectedState&) = delete;

  std::uint64_t num_keys() const { return num_keys_; }

  KeyState Committed(std::uint64_t key) const;
  // The state a write in flight will leave, if one is.
  bool Pending(std::uint64_t key, KeyState* state) const;

  // A write of `next` to key is about to be made.
  void Begin(std::uint64_t key, KeyState next);
  // The write begun for key was acknowledged.
  void Commit(std::uint64_t key);
  // After verification: key holds `state`, nothing is in flight.
  void Settle(std::uint64_t key, KeyState state);

  // The next state of a write to key: one version past the committed and
  // pending ones.
  KeyState Next(std::uint64_t key, bool exists) const;

 private:
  ExpectedState(int fd, char* base, std::size_t size, std::uint64_t num_keys);
  std::uint32_t* Slot(std::uint64_t key, int which) const;

  const int fd_;
  char* const base_;
  const std::size_t size_;
  const std::uint64_t num_keys_;
};

// The key string of key number `key`: "key" + 10 digits.
std::string KeyName(std::uint64_t key);
// The value of key at `version`: value_size bytes (at least 24), starting
// with "<key>/<version>/" and filled from a hash of both.
std::string ValueFor(std::uint64_t key, std::uint32_t version, std::size_t value_size);
// The version a value names when it is exactly ValueFor(key, version,
// its size); false when it is no such value.
bool ParseValue(std::uint64_t key, const std::string& value, std::size_t value_size,
                std::uint32_t* version);

// Striped locks over key numbers. Lock() of several keys takes their
// stripes in ascending order, so that threads never deadlock.
class KeyLocks {
 public:
  explicit KeyLocks(std::size_t stripes) : mutexes_(stripes) {}
  std::vector<std::size_t> StripesOf(const std::vector<std::uint64_t>& keys) const;
  void Lock(const std::vector<std::size_t>& stripes);
  void Unlock(const std::vector<std::size_t>& stripes);

 private:
  std::vector<std::mutex> mutexes_;
};

}  // namespace aeternus::stress
