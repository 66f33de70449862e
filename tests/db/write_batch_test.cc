#include "aeternus/write_batch.h"

#include <gtest/gtest.h>

#include "db/write_batch_internal.h"
#include "memtable/memtable.h"
#include "util/coding.h"

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

TEST(WriteBatchTest, MovedFromBatchIsEmptyAndUsable) {
  WriteBatch a;
  a.Put("k", "v");
  WriteBatch b = std::move(a);
  EXPECT_EQ(a.Count(), 0u);  // NOLINT(bugprone-use-after-move): the documented state
  a.Put("x", "1");
  a.Delete("y");
  Recorder ra;
  ASSERT_TRUE(a.Iterate(&ra).ok());
  EXPECT_EQ(ra.log, "Put(x,1)Delete(y)");
  EXPECT_EQ(a.Count(), 2u);

  WriteBatch c;
  c = std::move(b);
  EXPECT_EQ(b.Count(), 0u);  // NOLINT(bugprone-use-after-move)
  b.Put("z", "2");
  Recorder rb;
  ASSERT_TRUE(b.Iterate(&rb).ok());
  EXPECT_EQ(rb.log, "Put(z,2)");
  Recorder rc;
  ASSERT_TRUE(c.Iterate(&rc).ok());
  EXPECT_EQ(rc.log, "Put(k,v)");
  EXPECT_EQ(c.Count(), 1u);

  // A copy keeps both.
  WriteBatch d = c;
  EXPECT_EQ(d.Count(), 1u);
  EXPECT_EQ(c.Count(), 1u);
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

// A batch holding `records` after a header (sequence 1, count `count`).
WriteBatch RawBatch(std::uint32_t count, std::string_view records) {
  std::string contents;
  PutFixed64(contents, 1);
  PutFixed32(contents, count);
  contents.append(records);
  WriteBatch b;
  EXPECT_TRUE(WriteBatchInternal::SetContents(b, contents).ok());
  return b;
}

TEST(WriteBatchTest, RangeDeletionWithoutItsEndIsCorruption) {
  std::string records(1, static_cast<char>(ValueType::kRangeDeletion));
  PutLengthPrefixed(records, "begin");
  const WriteBatch b = RawBatch(1, records);
  Recorder r;
  EXPECT_EQ(b.Iterate(&r).ToString(), "Corruption: write batch: bad range end");
  EXPECT_EQ(r.log, "");
}

TEST(WriteBatchTest, UnknownRecordTypeIsCorruption) {
  std::string records(1, static_cast<char>(ValueType::kValue));
  PutLengthPrefixed(records, "a");
  PutLengthPrefixed(records, "1");
  records.push_back('\x09');  // no such record type
  PutLengthPrefixed(records, "b");
  const WriteBatch b = RawBatch(2, records);
  Recorder r;
  EXPECT_EQ(b.Iterate(&r).ToString(), "Corruption: write batch: unknown record type");
  EXPECT_EQ(r.log, "Put(a,1)");  // the records before the damage were delivered
}

}  // namespace
}  // namespace aeternus
