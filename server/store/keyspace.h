#pragma once
// Keyspace: the Redis strings of aeternus-server over one engine database.
// A Redis key K is the engine key 0x01 K (the engine refuses empty keys,
// Redis allows them; and the prefix leaves room for other namespaces);
// its value is value_codec.h's encoding. A key
// whose expiry has passed reads as missing everywhere (its entry stays
// until overwritten or a compaction meets it: expiry_filter.h).
//
// Thread safety: all methods may be called concurrently. Commands write
// through their event loop's PendingWrites, which claims keys in locks().

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "aeternus/db.h"
#include "aeternus/iterator.h"
#include "aeternus/options.h"
#include "aeternus/status.h"
#include "aeternus/write_batch.h"
#include "store/key_locks.h"
#include "store/value_codec.h"

namespace aeternus::server {

// A key as read: its encoded value, and what it decoded to.
struct KeyEntry {
  enum class State : std::uint8_t { kMissing, kString, kOtherType };
  State state = State::kMissing;
  std::string encoded;
  std::string_view data;                      // kString: the string
  std::optional<std::int64_t> expires_at_ms;  // kString: none when it never expires

  bool exists() const { return state != State::kMissing; }
};

class Keyspace {
 public:
  // `db` is borrowed. `sync`: every write is synced before it is
  // acknowledged (WriteOptions::sync). `options`: those `db` was opened
  // with (for its key and value limits).
  Keyspace(DB* db, bool sync, const Options& options);

  DB* db() const { return db_; }
  KeyLocks& locks() { return locks_; }

  // Reads `key` as of `snapshot` (null: the latest state) at `now_ms`. An
  // expired key is kMissing. Errors other than NotFound are returned.
  Status Get(std::string_view key, std::int64_t now_ms, KeyEntry* entry,
             const Snapshot* snapshot = nullptr) const;

  // Decodes entry->encoded, a stored value, into *entry, as read at
  // `now_ms`.
  static void Decode(std::int64_t now_ms, KeyEntry* entry);

  Status Write(WriteBatch* batch);
  // InvalidArgument when the engine would refuse a put of `key` with an
  // encoded value of `encoded_size` bytes (its max_key_size or
  // max_value_size), so that one bad write never fails a whole batch.
  Status CheckPut(std::string_view key, std::size_t encoded_size) const;

  // Batch entries for Redis key `key`.
  static void BatchPut(WriteBatch* batch, std::string_view key, std::string_view encoded_value);
  static void BatchDelete(WriteBatch* batch, std::string_view key);
  // Deletes every key.
  static void BatchDeleteAll(WriteBatch* batch);

  // An iterator over the keys, in order; its key() is an engine key, which
  // KeyOf turns into the Redis key; Seek takes EngineKey(k).
  std::unique_ptr<Iterator> NewKeyIterator() const;
  static std::string EngineKey(std::string_view key);
  static std::string_view KeyOf(std::string_view engine_key) { return engine_key.substr(1); }

  // Milliseconds since the Unix epoch (the system clock, as Redis uses).
  static std::int64_t NowMs();

 private:
  DB* const db_;
  WriteOptions write_options_;
  const std::size_t max_engine_key_bytes_;
  const std::size_t max_engine_value_bytes_;
  KeyLocks locks_;
};

}  // namespace aeternus::server
