// Arena (memtable/arena.h): alignment, large entries, what MemoryUsage
// counts, that a destroyed arena returns its memory to the system, and the
// pool that passes huge blocks from one arena to the next.

#include "memtable/arena.h"

#include <algorithm>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <fstream>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

#include "memtable/arena_block_pool.h"

namespace aeternus {
namespace {

constexpr std::size_t kAlign = alignof(std::max_align_t) > 8 ? alignof(std::max_align_t) : 8;

// RssAnon of /proc/self/status in bytes, when the system has it.
std::optional<std::uint64_t> AnonRss() {
  std::ifstream in("/proc/self/status");
  for (std::string line; std::getline(in, line);) {
    if (line.starts_with("RssAnon:")) {
      return std::stoull(line.substr(8)) * 1024;
    }
  }
  return std::nullopt;
}

TEST(ArenaTest, EmptyArenaUsesNothing) {
  Arena arena;
  EXPECT_EQ(arena.MemoryUsage(), 0u);
}

TEST(ArenaTest, AllocationsKeepTheirBytesAndAlignment) {
  Arena arena;
  std::mt19937 rng(7);
  std::vector<std::pair<char*, std::string>> allocated;
  std::size_t total = 0;
  for (int i = 0; i < 20000; ++i) {
    // Mostly small, some larger than a quarter of a block.
    const std::size_t n =
        rng() % 50 == 0 ? Arena::kBlockSize / 4 + rng() % 100000 : 1 + rng() % 300;
    const bool aligned = rng() % 2 == 0;
    char* p = aligned ? arena.AllocateAligned(n) : arena.Allocate(n);
    ASSERT_NE(p, nullptr);
    if (aligned) {
      ASSERT_EQ(reinterpret_cast<std::uintptr_t>(p) % kAlign, 0u) << "allocation " << i;
    }
    std::string content(n, static_cast<char>('a' + i % 26));
    std::memcpy(p, content.data(), n);
    allocated.emplace_back(p, std::move(content));
    total += n;
    ASSERT_GE(arena.MemoryUsage(), total);
  }
  for (const auto& [p, content] : allocated) {
    ASSERT_EQ(std::memcmp(p, content.data(), content.size()), 0);
  }
}

TEST(ArenaTest, UsageCountsWhatWasHandedOutNotTheWholeBlock) {
  Arena arena;
  std::size_t total = 0;
  for (int i = 0; i < 10; ++i) {
    arena.AllocateAligned(100);
    total += 112;  // 100 rounded up to the alignment, at most
  }
  EXPECT_GE(arena.MemoryUsage(), 1000u);
  // The block is 1 MiB; only what was handed out and the bookkeeping count.
  EXPECT_LT(arena.MemoryUsage(), total + 4096);

  // Grows with each allocation, by about its size.
  const std::size_t before = arena.MemoryUsage();
  arena.Allocate(1000);
  EXPECT_EQ(arena.MemoryUsage(), before + 1000);
}

TEST(ArenaTest, LargeEntryGetsItsOwnBlock) {
  Arena arena;
  // Leaves 1000 bytes in the first block: what fits is taken from it,
  // whatever its size.
  char* a = arena.Allocate(100);
  ASSERT_EQ(arena.Allocate(Arena::kBlockSize - 1100), a + 100);
  const std::size_t before = arena.MemoryUsage();
  char* big = arena.Allocate(Arena::kBlockSize / 4 + 1);
  std::memset(big, 'x', Arena::kBlockSize / 4 + 1);
  EXPECT_TRUE(big < a || big >= a + Arena::kBlockSize);
  // Counted at its size rounded up to a page.
  EXPECT_GE(arena.MemoryUsage(), before + Arena::kBlockSize / 4 + 1);
  EXPECT_LE(arena.MemoryUsage(), before + Arena::kBlockSize / 4 + 4096);
  // The first block carries on where it was.
  char* b = arena.Allocate(1000);
  EXPECT_EQ(b, a + Arena::kBlockSize - 1000);
  // Then a new block.
  char* c = arena.Allocate(1);
  EXPECT_TRUE(c < a || c >= a + Arena::kBlockSize);
}

TEST(ArenaTest, LargeArenaContinuesInHugePageAlignedBlocks) {
  Arena arena;
  constexpr std::size_t kPiece = 1000;
  std::vector<char*> pieces;
  while (arena.MemoryUsage() < Arena::kHugePagesAfter + 3 * Arena::kHugeBlockSize) {
    char* p = arena.AllocateAligned(kPiece);
    std::memset(p, static_cast<int>(pieces.size() & 0xff), kPiece);
    pieces.push_back(p);
  }
  // Each huge block starts a piece on a kHugeBlockSize boundary.
  std::size_t aligned = 0;
  for (char* p : pieces) {
    if (reinterpret_cast<std::uintptr_t>(p) % Arena::kHugeBlockSize == 0) {
      ++aligned;
    }
  }
  EXPECT_GE(aligned, 2u);
  for (std::size_t i = 0; i < pieces.size(); ++i) {
    ASSERT_EQ(static_cast<unsigned char>(pieces[i][0]), i & 0xff);
    ASSERT_EQ(static_cast<unsigned char>(pieces[i][kPiece - 1]), i & 0xff);
  }
}

TEST(ArenaTest, UsageCanBeReadWhileAllocating) {
  Arena arena;
  std::atomic<bool> done{false};
  std::thread reader([&] {
    std::size_t last = 0;
    while (!done.load()) {
      const std::size_t now = arena.MemoryUsage();
      EXPECT_GE(now, last);
      last = now;
    }
  });
  for (int i = 0; i < 200000; ++i) {
    std::memset(arena.AllocateAligned(120), 1, 120);
  }
  done.store(true);
  reader.join();
  EXPECT_GE(arena.MemoryUsage(), 200000u * 120);
}

TEST(ArenaTest, DestroyedArenaReturnsItsMemory) {
  if (!AnonRss()) {
    GTEST_SKIP() << "no RssAnon in /proc/self/status";
  }
  constexpr std::size_t kBytes = 64 << 20;
  const std::uint64_t base = *AnonRss();
  auto arena = std::make_unique<Arena>();
  std::vector<std::unique_ptr<char[]>> heap;  // small heap blocks between the arena's
  for (std::size_t done = 0; done < kBytes; done += 128) {
    std::memset(arena->AllocateAligned(128), 1, 128);
    if (done % (1 << 20) == 0) {
      heap.push_back(std::make_unique<char[]>(64));
    }
  }
  EXPECT_GE(*AnonRss(), base + kBytes - (4 << 20));
  auto pin = std::make_unique<char[]>(64);  // a heap block after all of them
  arena.reset();
  // Returned although heap blocks live around and after it.
  EXPECT_LT(*AnonRss(), base + (4 << 20));
}

}  // namespace
}  // namespace aeternus

namespace aeternus {
namespace {

// Fills `arena` past kHugePagesAfter and returns the huge blocks it got
// (the first allocation of each), with `fill` written over every byte.
std::vector<char*> FillHuge(Arena& arena, char fill) {
  std::vector<char*> huge;
  constexpr std::size_t kPiece = 64 << 10;
  for (std::size_t n = 0; n < Arena::kHugePagesAfter + 3 * Arena::kHugeBlockSize; n += kPiece) {
    char* p = arena.Allocate(kPiece);
    std::memset(p, fill, kPiece);
    if (reinterpret_cast<std::uintptr_t>(p) % Arena::kHugeBlockSize == 0 &&
        n >= Arena::kHugePagesAfter) {
      huge.push_back(p);
    }
  }
  return huge;
}

TEST(ArenaBlockPoolTest, NextArenaReusesTheHugeBlocksOfTheLast) {
  ArenaBlockPool pool(64 << 20);
  std::vector<char*> first;
  {
    Arena arena(&pool);
    first = FillHuge(arena, 'a');
  }
  ASSERT_FALSE(first.empty());
  EXPECT_EQ(pool.kept_bytes(), first.size() * Arena::kHugeBlockSize);
  Arena arena(&pool);
  const std::vector<char*> second = FillHuge(arena, 'b');
  for (char* p : first) {
    EXPECT_NE(std::find(second.begin(), second.end(), p), second.end());
    EXPECT_EQ(p[0], 'b');  // the new arena's bytes, over the old ones
  }
  EXPECT_EQ(pool.kept_bytes(), 0u);
}

TEST(ArenaBlockPoolTest, KeepsNoMoreThanItsCapacity) {
  ArenaBlockPool pool(2 * Arena::kHugeBlockSize);
  {
    Arena arena(&pool);
    ASSERT_GT(FillHuge(arena, 'a').size(), 2u);
  }
  EXPECT_EQ(pool.kept_bytes(), 2 * Arena::kHugeBlockSize);
}

}  // namespace
}  // namespace aeternus
