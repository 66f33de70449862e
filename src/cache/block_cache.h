#pragma once
// BlockCache: a sharded LRU cache of decoded table blocks, shared by every
// TableReader of a DB and bounded by the bytes of the blocks it holds.
//
// Keys are (cache_id, block_offset): each TableReader takes its own
// cache_id from NewId(), so ids are never reused within one cache and a
// table's stale blocks simply age out after it is deleted.
//
// Thread safety: every method may be called concurrently. Each of the
// kNumShards shards has its own mutex, LRU list and map.
// Lifetime: entries are std::shared_ptr<const Block>; a block handed out by
// Lookup or Insert stays alive for its holder after eviction or Erase.

#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <unordered_map>

namespace aeternus {

class Block;

class BlockCache {
 public:
  static constexpr int kNumShardBits = 4;
  static constexpr int kNumShards = 1 << kNumShardBits;

  // Holds at most about `capacity_bytes` of blocks (block sizes), split
  // evenly between the shards. 0 disables caching: Insert keeps nothing.
  explicit BlockCache(std::size_t capacity_bytes);
  ~BlockCache();

  BlockCache(const BlockCache&) = delete;
  BlockCache& operator=(const BlockCache&) = delete;

  // A fresh cache id, never returned before by this cache.
  std::uint64_t NewId() { return next_id_.fetch_add(1, std::memory_order_relaxed) + 1; }

  // The cached block, marked most recently used; null when absent.
  std::shared_ptr<const Block> Lookup(std::uint64_t cache_id, std::uint64_t block_offset);

  // Caches `block` under the key, replacing any block there, then evicts
  // least recently used blocks until the shard fits its capacity. A block
  // larger than a shard's capacity is not kept.
  void Insert(std::uint64_t cache_id, std::uint64_t block_offset,
              std::shared_ptr<const Block> block);

  // Drops every block of cache_id. Visits every entry: O(entries).
  void Erase(std::uint64_t cache_id);

  // Bytes of blocks held.
  std::size_t TotalCharge() const;
  std::size_t capacity() const { return capacity_; }

 private:
  struct Key {
    std::uint64_t cache_id;
    std::uint64_t block_offset;
    bool operator==(const Key&) const = default;
  };
  struct KeyHash {
    std::size_t operator()(const Key& k) const { return static_cast<std::size_t>(Mix(k)); }
  };
  static std::uint64_t Mix(const Key& k);

  // An entry lives in its shard's map (whose nodes never move) and is
  // linked into the shard's LRU list, most recently used at the head.
  struct Entry {
    std::shared_ptr<const Block> block;
    std::size_t charge = 0;
    const Key* key = nullptr;  // the map's key of this entry
    Entry* prev = nullptr;
    Entry* next = nullptr;
  };

  struct alignas(64) Shard {
    mutable std::mutex mu;
    std::unordered_map<Key, Entry, KeyHash> map;  // guarded by mu
    Entry lru;                                    // sentinel; guarded by mu
    std::size_t usage = 0;                        // guarded by mu
    std::size_t capacity = 0;

    Shard() { lru.prev = lru.next = &lru; }
    void Unlink(Entry* e);
    void PushFront(Entry* e);
    void Remove(Entry* e);  // REQUIRES: mu held
  };

  Shard& ShardFor(std::uint64_t hash) { return shards_[hash >> (64 - kNumShardBits)]; }

  const std::size_t capacity_;
  std::atomic<std::uint64_t> next_id_{0};
  std::array<Shard, kNumShards> shards_;
};

}  // namespace aeternus
