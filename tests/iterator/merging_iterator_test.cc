#include "iterator/merging_iterator.h"

#include <gtest/gtest.h>

#include <random>

#include "key/internal_key.h"
#include "memtable/memtable.h"

namespace aeternus {
namespace {

TEST(MergingIteratorTest, MergesSourcesBothWaysAndSwitchesDirection) {
  std::vector<std::unique_ptr<MemTable>> mems;
  std::vector<std::string> all;
  std::mt19937 rng(1);
  SequenceNumber seq = 1;
  for (int m = 0; m < 4; ++m) {
    mems.push_back(std::make_unique<MemTable>(m));
    for (int i = 0; i < 200; ++i) {
      std::string k = "k" + std::to_string(rng() % 300);
      mems.back()->Add(seq, ValueType::kValue, k, "v");
      std::string ikey;
      AppendInternalKey(ikey, k, seq, ValueType::kValue);
      all.push_back(ikey);
      ++seq;
    }
  }
  std::sort(all.begin(), all.end(),
            [](const std::string& a, const std::string& b) { return CompareInternalKeys(a, b) < 0; });
  std::vector<std::unique_ptr<InternalIterator>> children;
  for (auto& m : mems) {
    children.push_back(m->NewIterator());
  }
  auto it = NewMergingIterator(std::move(children));
  std::size_t i = 0;
  for (it->SeekToFirst(); it->Valid(); it->Next(), ++i) {
    ASSERT_LT(i, all.size());
    EXPECT_EQ(it->key(), all[i]);
  }
  EXPECT_EQ(i, all.size());
  i = all.size();
  for (it->SeekToLast(); it->Valid(); it->Prev()) {
    ASSERT_GT(i, 0u);
    EXPECT_EQ(it->key(), all[--i]);
  }
  EXPECT_EQ(i, 0u);
  // Zig-zag from the middle.
  it->Seek(all[400]);
  ASSERT_TRUE(it->Valid());
  EXPECT_EQ(it->key(), all[400]);
  it->Prev();
  EXPECT_EQ(it->key(), all[399]);
  it->Next();
  EXPECT_EQ(it->key(), all[400]);
  it->Next();
  EXPECT_EQ(it->key(), all[401]);
  it->SeekForPrev(all[10]);
  EXPECT_EQ(it->key(), all[10]);
  it->Next();
  EXPECT_EQ(it->key(), all[11]);
}

TEST(MergingIteratorTest, ChildErrorEndsTheMerge) {
  MemTable mem(1);
  mem.Add(1, ValueType::kValue, "a", "v");
  std::vector<std::unique_ptr<InternalIterator>> children;
  children.push_back(mem.NewIterator());
  children.push_back(NewEmptyIterator(Status::Corruption("damaged block")));
  auto it = NewMergingIterator(std::move(children));
  it->SeekToFirst();
  EXPECT_FALSE(it->Valid());
  EXPECT_TRUE(it->status().IsCorruption());
}

}  // namespace
}  // namespace aeternus
