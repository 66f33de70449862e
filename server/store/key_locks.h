#pragma once
// KeyLocks: which keys are claimed, and by whom. An event loop claims a
// key before it reads the key to write it (INCR, SETNX, DEL...) or writes
// it, and keeps every claim until its round's batch is committed
// (PendingWrites), so no other loop writes the key between the read and
// the commit.
//
// A claim is on the key's 64-bit hash: two keys with the same hash share
// one claim, which only makes one wait for the other. Claims are kept in
// shards (a mutex, the claims, and a condition variable to wait on).
//
// Deadlock freedom, by two rules for the callers (PendingWrites keeps
// them): a loop never waits while it holds claims taken without waiting
// (it uses TryClaim, and commits, releasing everything, when that fails);
// a loop that waits claims its keys in ascending hash order, so it holds
// only lower hashes than the one it waits for, and waiters form no cycle.
//
// The all-keys lock: a loop holds it shared while it holds any claim;
// FLUSHDB holds it exclusively, so no read-modify-write spans a flush. It
// prefers the exclusive side, so a flush is not starved by loops whose
// rounds overlap; a loop takes the shared side only while it holds no
// claim, so that preference cannot deadlock. (The preference is glibc's
// PTHREAD_RWLOCK_PREFER_WRITER_NONRECURSIVE_NP.)

#include <pthread.h>

#include <algorithm>
#include <array>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <string_view>
#include <vector>

namespace aeternus::server {

// A reader-writer lock whose waiting writer blocks new readers.
class WriterPreferringLock {
 public:
  WriterPreferringLock() {
    pthread_rwlockattr_t attr;
    pthread_rwlockattr_init(&attr);
    pthread_rwlockattr_setkind_np(&attr, PTHREAD_RWLOCK_PREFER_WRITER_NONRECURSIVE_NP);
    pthread_rwlock_init(&lock_, &attr);
    pthread_rwlockattr_destroy(&attr);
  }
  WriterPreferringLock(const WriterPreferringLock&) = delete;
  WriterPreferringLock& operator=(const WriterPreferringLock&) = delete;
  ~WriterPreferringLock() { pthread_rwlock_destroy(&lock_); }

  void LockShared() { pthread_rwlock_rdlock(&lock_); }
  void UnlockShared() { pthread_rwlock_unlock(&lock_); }
  // std::unique_lock-compatible exclusive side.
  void lock() { pthread_rwlock_wrlock(&lock_); }
  void unlock() { pthread_rwlock_unlock(&lock_); }

 private:
  pthread_rwlock_t lock_;
};

class KeyLocks {
 public:
  using Hash = std::uint64_t;
  static Hash HashOf(std::string_view key) { return std::hash<std::string_view>()(key); }

  enum class TryResult { kClaimed, kAlreadyOwned, kHeldByOther };

  // Claims `hash` for `owner` if no other owner holds it.
  TryResult TryClaim(Hash hash, const void* owner) {
    Shard& s = ShardOf(hash);
    std::lock_guard lock(s.mu);
    const auto it = Find(s, hash);
    if (it != s.claims.end()) {
      return it->owner == owner ? TryResult::kAlreadyOwned : TryResult::kHeldByOther;
    }
    s.claims.push_back(Entry{hash, owner});
    return TryResult::kClaimed;
  }

  // Claims `hash` for `owner`, waiting while another owner holds it; the
  // owner must hold no claim of its own on it.
  void Claim(Hash hash, const void* owner) {
    Shard& s = ShardOf(hash);
    std::unique_lock lock(s.mu);
    for (;;) {
      const auto it = Find(s, hash);
      if (it == s.claims.end()) {
        s.claims.push_back(Entry{hash, owner});
        return;
      }
      ++s.waiters;
      s.released.wait(lock);
      --s.waiters;
    }
  }

  void Release(Hash hash) {
    Shard& s = ShardOf(hash);
    std::lock_guard lock(s.mu);
    const auto it = Find(s, hash);
    if (it != s.claims.end()) {
      *it = s.claims.back();
      s.claims.pop_back();
    }
    if (s.waiters > 0) {
      s.released.notify_all();
    }
  }

  WriterPreferringLock& all_keys() { return all_keys_; }

 private:
  struct Entry {
    Hash hash;
    const void* owner;
  };
  struct Shard {
    std::mutex mu;
    std::vector<Entry> claims;  // unordered; a few per shard
    std::condition_variable released;
    int waiters = 0;
  };
  static constexpr std::size_t kShards = 256;

  Shard& ShardOf(Hash hash) { return shards_[(hash >> 24) % kShards]; }
  static std::vector<Entry>::iterator Find(Shard& s, Hash hash) {
    return std::find_if(s.claims.begin(), s.claims.end(),
                        [hash](const Entry& c) { return c.hash == hash; });
  }

  std::array<Shard, kShards> shards_;
  WriterPreferringLock all_keys_;
};

}  // namespace aeternus::server
