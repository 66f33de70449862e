#pragma once
// PendingWrites: the writes one event loop gathers in a round, committed as
// one batch at the round's end: with sync on, one fsync serves every write
// of the round (group commit at the server's level, before the engine's
// own).
//
// Every command that may run with writes pending (flagged kBatched) goes
// through this: it claims the keys it will read to write, or write, before
// it replies or writes anything (Claim); reads through the pending writes
// (Get); and adds its writes (Put, Delete). The claims are kept until the
// commit, so no other loop writes those keys between a command's read and
// the commit of what it wrote (key_locks.h).
//
// The event loop holds back every reply produced while writes are pending
// until Commit, which calls on_commit with the outcome (net/connection.h).
//
// Not thread-safe: each event loop has its own.

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "aeternus/write_batch.h"
#include "store/keyspace.h"

namespace aeternus::server {

class PendingWrites {
 public:
  explicit PendingWrites(Keyspace& keyspace) : keyspace_(keyspace) {}
  PendingWrites(const PendingWrites&) = delete;
  PendingWrites& operator=(const PendingWrites&) = delete;
  ~PendingWrites();

  // Claims `keys` until the commit. When another loop holds one of them,
  // first commits what is pending (releasing every claim), then waits for
  // them: so call it before the command replies or adds a write. True when
  // it waited (the time the command read before is then stale).
  bool Claim(std::span<const std::string_view> keys);

  // Reads `key` as this round sees it: its pending write if there is one,
  // else the engine's state as of `snapshot` (null: the latest).
  Status Get(std::string_view key, std::int64_t now_ms, KeyEntry* entry,
             const Snapshot* snapshot = nullptr) const;

  // Writes of claimed keys. Put adds nothing and returns InvalidArgument
  // when the engine would refuse the write (CheckPut), so that it cannot
  // fail the batch; Delete is only ever of a key that was read.
  Status Put(std::string_view key, std::string_view data,
             std::optional<std::int64_t> expires_at_ms);
  Status CheckPut(std::string_view key, std::string_view data) const {
    return keyspace_.CheckPut(key, data.size() + kMaxValueHeaderBytes);
  }
  void Delete(std::string_view key);

  bool has_writes() const { return writes_ > 0; }

  // Called after each commit of writes, with its outcome and the number of
  // puts and deletes it wrote.
  void set_on_commit(std::function<void(const Status&, std::size_t)> f) {
    on_commit_ = std::move(f);
  }

  // Writes the batch, then releases every claim; empties this. OK when
  // there was nothing to write.
  Status Commit();

 private:
  struct KeyHash {
    using is_transparent = void;
    std::size_t operator()(std::string_view key) const { return std::hash<std::string_view>()(key); }
  };

  void ReleaseClaims();

  Keyspace& keyspace_;
  WriteBatch batch_;
  std::size_t writes_ = 0;
  // The encoded value of each key written this round; nullopt: deleted.
  std::unordered_map<std::string, std::optional<std::string>, KeyHash, std::equal_to<>> written_;
  std::vector<KeyLocks::Hash> claims_;
  std::vector<KeyLocks::Hash> claim_hashes_;  // Claim's scratch space
  bool holds_all_keys_shared_ = false;
  std::function<void(const Status&, std::size_t)> on_commit_;
};

}  // namespace aeternus::server
