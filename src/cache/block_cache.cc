#include "cache/block_cache.h"

#include <utility>

#include "sstable/block.h"

namespace aeternus {

std::uint64_t BlockCache::Mix(const Key& k) {
  // 64-bit finaliser of MurmurHash3 over both halves; the top bits pick the
  // shard, the low bits the map bucket.
  std::uint64_t h = k.cache_id * 0x9e3779b97f4a7c15ull ^ k.block_offset;
  h ^= h >> 33;
  h *= 0xff51afd7ed558ccdull;
  h ^= h >> 33;
  h *= 0xc4ceb9fe1a85ec53ull;
  h ^= h >> 33;
  return h;
}

BlockCache::BlockCache(std::size_t capacity_bytes) : capacity_(capacity_bytes) {
  const std::size_t per_shard = (capacity_bytes + kNumShards - 1) / kNumShards;
  for (Shard& s : shards_) {
    s.capacity = per_shard;
  }
}

BlockCache::~BlockCache() = default;

void BlockCache::Shard::Unlink(Entry* e) {
  e->prev->next = e->next;
  e->next->prev = e->prev;
}

void BlockCache::Shard::PushFront(Entry* e) {
  e->next = lru.next;
  e->prev = &lru;
  lru.next->prev = e;
  lru.next = e;
}

void BlockCache::Shard::Remove(Entry* e) {
  Unlink(e);
  usage -= e->charge;
  const Key key = *e->key;
  map.erase(key);
}

std::shared_ptr<const Block> BlockCache::Lookup(std::uint64_t cache_id,
                                                std::uint64_t block_offset) {
  const Key key{cache_id, block_offset};
  Shard& s = ShardFor(Mix(key));
  std::lock_guard lock(s.mu);
  auto it = s.map.find(key);
  if (it == s.map.end()) {
    return nullptr;
  }
  Entry* e = &it->second;
  s.Unlink(e);
  s.PushFront(e);
  return e->block;
}

void BlockCache::Insert(std::uint64_t cache_id, std::uint64_t block_offset,
                        std::shared_ptr<const Block> block) {
  if (block == nullptr) {
    return;
  }
  const Key key{cache_id, block_offset};
  Shard& s = ShardFor(Mix(key));
  const std::size_t charge = block->size();
  // Blocks released here are freed under the lock (when no reader holds
  // them), as LevelDB's cache does: a free() is short.
  std::lock_guard lock(s.mu);
  auto [it, inserted] = s.map.try_emplace(key);
  Entry* e = &it->second;
  if (!inserted) {
    s.Unlink(e);
    s.usage -= e->charge;
  }
  if (charge > s.capacity) {
    s.map.erase(it);
    return;
  }
  e->block = std::move(block);
  e->charge = charge;
  e->key = &it->first;
  s.PushFront(e);
  s.usage += charge;
  while (s.usage > s.capacity) {
    s.Remove(s.lru.prev);
  }
}

void BlockCache::Erase(std::uint64_t cache_id) {
  for (Shard& s : shards_) {
    std::lock_guard lock(s.mu);
    for (auto it = s.map.begin(); it != s.map.end();) {
      if (it->first.cache_id == cache_id) {
        Entry* e = &it->second;
        s.Unlink(e);
        s.usage -= e->charge;
        it = s.map.erase(it);
      } else {
        ++it;
      }
    }
  }
}

std::size_t BlockCache::TotalCharge() const {
  std::size_t total = 0;
  for (const Shard& s : shards_) {
    std::lock_guard lock(s.mu);
    total += s.usage;
  }
  return total;
}

}  // namespace aeternus
