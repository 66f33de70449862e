#include "aeternus/write_batch.h"

#include <gtest/gtest.h>

#include "db/write_batch_internal.h"
#include "memtable/memtable.h"

namespace aeternus {
namespace {

class Recorder final : public WriteBatch::Handler {
 public:
  Status Put(std::string_view k, std::string_view v) override {
    log += "Put(" + std::string(k) + "," + std::string(v) + ")";
    return Status::OK();
  }
  Status Delete(std::string_view k) override {
    log += "Delete(" + std::string(k) + ")";
    return Status::OK();
  }
  Status DeleteRange(std::string_view b, std::string_view e) override {
    log += "DeleteRange(" + std::string(b) + "," + std::string(e) + ")";
    return Status::OK();
  }
  std::string log;
};

TEST(WriteBatchTest, IteratesInOrderAndCounts) {
  WriteBatch b;
  EXPECT_EQ(b.Count(), 0u);
  b.Put("a", "1");
  b.Delete("b");
  b.DeleteRange("c", "d");
  b.Put("e", "");
  EXPECT_EQ(b.Count(), 4u);
  Recorder r;
  ASSERT_TRUE(b.Iterate(&r).ok());
  EXPECT_EQ(r.log, "Put(a,1)Delete(b)DeleteRange(c,d)Put(e,)");
  b.Clear();
  EXPECT_EQ(b.Count(), 0u);
}

TEST(WriteBatchTest, AppendAndSequenceNumbers) {
  WriteBatch a;
  a.Put("x", "1");
  WriteBatch b;
  b.Delete("x");
  b.Put("y", "2");
  WriteBatchInternal::Append(a, b);
  WriteBatchInternal::SetSequence(a, 100);
  EXPECT_EQ(a.Count(), 3u);
  MemTable mem(1);
  ASSERT_TRUE(WriteBatchInternal::InsertInto(a, &mem).ok());
  EXPECT_EQ(mem.first_sequence(), 100u);
  EXPECT_EQ(mem.last_sequence(), 102u);
  EXPECT_EQ(mem.Get(LookupKey("x", 200)).kind, MemTable::GetResult::Kind::kDeletion);
  EXPECT_EQ(mem.Get(LookupKey("x", 100)).value, "1");
}

TEST(WriteBatchTest, DamagedEncodingIsCorruption) {
  WriteBatch b;
  b.Put("key", "value");
  std::string contents(WriteBatchInternal::Contents(b));
  for (std::size_t n = WriteBatchInternal::kHeaderSize; n < contents.size(); ++n) {
    WriteBatch damaged;
    ASSERT_TRUE(WriteBatchInternal::SetContents(damaged, contents.substr(0, n)).ok());
    Recorder r;
    EXPECT_TRUE(damaged.Iterate(&r).IsCorruption()) << n;
  }
  WriteBatch short_batch;
  EXPECT_TRUE(WriteBatchInternal::SetContents(short_batch, "abc").IsCorruption());
}

}  // namespace
}  // namespace aeternus
