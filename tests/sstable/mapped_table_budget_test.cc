// MappedTableBudget: charges per 64 KiB chunk, and releases chunks with the
// second-chance policy when the limit is passed: chunks read again since
// the hand last passed stay, the others are dropped from the mapping.

#include "sstable/mapped_table_budget.h"

#include <cstdint>
#include <set>
#include <string>
#include <string_view>
#include <utility>

#include <gtest/gtest.h>

#include "env/file_system.h"

namespace aeternus {
namespace {

constexpr std::uint64_t kChunk = MappedTableBudget::kChunk;

// A mapped file of `size` bytes that records which chunks WillNotNeed
// dropped.
class RecordingFile final : public RandomAccessFile {
 public:
  Status Read(std::uint64_t, std::size_t, char*, std::string_view* result) const override {
    *result = {};
    return Status::OK();
  }
  bool MemoryMapped() const override { return true; }
  void WillNotNeed(std::uint64_t offset, std::uint64_t n) const override {
    EXPECT_EQ(offset % kChunk, 0u);
    for (std::uint64_t c = offset / kChunk; c * kChunk < offset + n; ++c) {
      dropped.insert(c);
    }
  }
  mutable std::set<std::uint64_t> dropped;
};

TEST(MappedTableBudgetTest, ChargesEachChunkOnceUntilReleased) {
  MappedTableBudget budget(0);
  RecordingFile file;
  MappedTableBudget::Table table(&budget, &file, 10 * kChunk);
  table.Touch(100, 4096);                // chunk 0
  table.Touch(5000, 4096);               // chunk 0 again
  table.Touch(kChunk - 10, 4096);        // chunks 0 and 1
  table.Touch(20 * kChunk, 4096);        // past the data blocks: not charged
  EXPECT_EQ(budget.charged(), static_cast<std::int64_t>(2 * kChunk));
  table.ReleaseAll(11 * kChunk);
  EXPECT_EQ(budget.charged(), 0);
  EXPECT_EQ(file.dropped.size(), 11u);  // the whole file
  table.Touch(100, 4096);
  EXPECT_EQ(budget.charged(), static_cast<std::int64_t>(kChunk));
}

TEST(MappedTableBudgetTest, DestroyedTableTakesItsChargesOff) {
  MappedTableBudget budget(0);
  RecordingFile file;
  {
    MappedTableBudget::Table table(&budget, &file, 4 * kChunk);
    table.Touch(0, 4 * kChunk);
    EXPECT_EQ(budget.charged(), static_cast<std::int64_t>(4 * kChunk));
  }
  EXPECT_EQ(budget.charged(), 0);
}

TEST(MappedTableBudgetTest, ChunksReadAgainStayWhenTheLimitIsPassed) {
  // Room for 16 chunks; a table of 64.
  MappedTableBudget budget(16 * kChunk);
  RecordingFile file;
  MappedTableBudget::Table table(&budget, &file, 64 * kChunk);
  const std::set<std::uint64_t> hot = {3, 7, 11};
  for (std::uint64_t c = 0; c < 64; ++c) {
    table.Touch(c * kChunk, 100);
    for (std::uint64_t h : hot) {  // read again between any two others
      table.Touch(h * kChunk + 200, 100);
    }
    ASSERT_LE(budget.charged(), static_cast<std::int64_t>(16 * kChunk)) << "chunk " << c;
  }
  EXPECT_FALSE(file.dropped.empty());
  for (std::uint64_t h : hot) {
    EXPECT_FALSE(file.dropped.contains(h)) << "hot chunk " << h << " was dropped";
  }
  EXPECT_GE(budget.charged(), static_cast<std::int64_t>(hot.size() * kChunk));
}

TEST(MappedTableBudgetTest, TablesAreReleasedInTurn) {
  MappedTableBudget budget(8 * kChunk);
  RecordingFile a;
  RecordingFile b;
  MappedTableBudget::Table table_a(&budget, &a, 8 * kChunk);
  MappedTableBudget::Table table_b(&budget, &b, 8 * kChunk);
  table_a.Touch(0, 8 * kChunk);
  table_b.Touch(0, 8 * kChunk);  // over the limit: both tables give chunks back
  EXPECT_LE(budget.charged(), static_cast<std::int64_t>(8 * kChunk));
  EXPECT_FALSE(a.dropped.empty());
}

}  // namespace
}  // namespace aeternus
