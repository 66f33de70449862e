#include "cache/block_cache.h"

#include <gtest/gtest.h>

#include <set>
#include <string>
#include <thread>
#include <vector>

#include "sstable/block.h"

namespace aeternus {
namespace {

std::shared_ptr<const Block> MakeBlock(std::size_t size, char fill = 'x') {
  return std::make_shared<const Block>(BlockContents::Copy(std::string(size, fill)));
}

TEST(BlockCacheTest, LookupReturnsInsertedBlock) {
  BlockCache cache(1 << 20);
  const std::uint64_t id = cache.NewId();
  auto block = MakeBlock(100);
  cache.Insert(id, 4096, block);
  EXPECT_EQ(cache.Lookup(id, 4096), block);
  EXPECT_EQ(cache.Lookup(id, 0), nullptr);
  EXPECT_EQ(cache.Lookup(id + 1, 4096), nullptr);
  EXPECT_EQ(cache.TotalCharge(), 100u);
}

TEST(BlockCacheTest, NewIdNeverRepeats) {
  BlockCache cache(0);
  std::set<std::uint64_t> ids;
  for (int i = 0; i < 1000; ++i) {
    EXPECT_TRUE(ids.insert(cache.NewId()).second);
  }
}

TEST(BlockCacheTest, ZeroCapacityStoresNothing) {
  BlockCache cache(0);
  cache.Insert(1, 0, MakeBlock(10));
  EXPECT_EQ(cache.Lookup(1, 0), nullptr);
  EXPECT_EQ(cache.TotalCharge(), 0u);
}

TEST(BlockCacheTest, TotalChargeStaysWithinCapacity) {
  constexpr std::size_t kCapacity = 64 << 10;
  BlockCache cache(kCapacity);
  for (std::uint64_t i = 0; i < 1000; ++i) {
    cache.Insert(1, i * 1024, MakeBlock(1024));
    ASSERT_LE(cache.TotalCharge(), kCapacity);
  }
  EXPECT_GT(cache.TotalCharge(), kCapacity / 2);
}

TEST(BlockCacheTest, RecentlyUsedBlockSurvivesEviction) {
  BlockCache cache(16 * 4096);  // 4 KiB per shard
  auto hot = MakeBlock(1000);
  cache.Insert(7, 0, hot);
  for (std::uint64_t i = 1; i < 2000; ++i) {
    cache.Insert(7, i, MakeBlock(1000));
    ASSERT_EQ(cache.Lookup(7, 0), hot) << i;  // keeps it most recently used
  }
}

TEST(BlockCacheTest, EvictedBlockStaysAliveForItsHolder) {
  BlockCache cache(16 * 1024);
  cache.Insert(1, 0, MakeBlock(1000, 'h'));
  auto held = cache.Lookup(1, 0);
  ASSERT_NE(held, nullptr);
  for (std::uint64_t i = 1; i < 1000; ++i) {
    cache.Insert(1, i, MakeBlock(1000));
  }
  EXPECT_EQ(cache.Lookup(1, 0), nullptr);
  EXPECT_EQ(held->data(), std::string(1000, 'h'));
}

TEST(BlockCacheTest, BlockLargerThanShardIsNotKept) {
  BlockCache cache(16 * 100);
  cache.Insert(1, 0, MakeBlock(101));
  EXPECT_EQ(cache.Lookup(1, 0), nullptr);
  EXPECT_EQ(cache.TotalCharge(), 0u);
}

TEST(BlockCacheTest, InsertReplacesAndRechargesExistingKey) {
  BlockCache cache(1 << 20);
  cache.Insert(1, 0, MakeBlock(100));
  auto second = MakeBlock(300);
  cache.Insert(1, 0, second);
  EXPECT_EQ(cache.Lookup(1, 0), second);
  EXPECT_EQ(cache.TotalCharge(), 300u);
}

TEST(BlockCacheTest, EraseDropsOnlyThatId) {
  BlockCache cache(1 << 20);
  for (std::uint64_t i = 0; i < 50; ++i) {
    cache.Insert(1, i, MakeBlock(10));
    cache.Insert(2, i, MakeBlock(10));
  }
  cache.Erase(1);
  for (std::uint64_t i = 0; i < 50; ++i) {
    EXPECT_EQ(cache.Lookup(1, i), nullptr);
    EXPECT_NE(cache.Lookup(2, i), nullptr);
  }
  EXPECT_EQ(cache.TotalCharge(), 500u);
}

TEST(BlockCacheTest, ConcurrentInsertAndLookupAreSafe) {
  BlockCache cache(256 << 10);
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&cache, t] {
      for (std::uint64_t i = 0; i < 20000; ++i) {
        const std::uint64_t off = (i * 7919 + static_cast<std::uint64_t>(t)) % 4096;
        if (auto b = cache.Lookup(1, off); b != nullptr) {
          ASSERT_EQ(b->size(), 64 + off % 64);
        } else {
          cache.Insert(1, off, MakeBlock(64 + off % 64));
        }
      }
    });
  }
  for (auto& th : threads) {
    th.join();
  }
  EXPECT_LE(cache.TotalCharge(), 256u << 10);
}

}  // namespace
}  // namespace aeternus
