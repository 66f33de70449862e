#include "iterator/concatenating_iterator.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "key/internal_key.h"
#include "memtable/memtable.h"

namespace aeternus {
namespace {

bool Less(const std::string& a, const std::string& b) { return CompareInternalKeys(a, b) < 0; }

std::string IKey(int user, SequenceNumber seq) {
  char buf[16];
  std::snprintf(buf, sizeof(buf), "k%05d", user);
  std::string ikey;
  AppendInternalKey(ikey, buf, seq, ValueType::kValue);
  return ikey;
}

// Keys 0, 3, 6, ... in five disjoint runs (the middle one empty), each key
// in two versions, as a sorted level of tables holds them.
class ConcatenatingIteratorTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const int bounds[][2] = {{0, 90}, {93, 180}, {181, 182}, {183, 270}, {273, 297}};
    for (const auto& [lo, hi] : bounds) {
      auto mem = std::make_unique<MemTable>(mems_.size());
      for (int k = lo; k <= hi; ++k) {
        if (k % 3 != 0) {
          continue;
        }
        for (SequenceNumber seq : {SequenceNumber(k + 1000), SequenceNumber(k + 1)}) {
          std::string user(ExtractUserKey(IKey(k, seq)));
          mem->Add(seq, ValueType::kValue, user, "v" + std::to_string(seq));
          all_.push_back(IKey(k, seq));
        }
      }
      smallest_.push_back(IKey(lo, kMaxSequenceNumber));
      largest_.push_back(IKey(hi, 0));
      mems_.push_back(std::move(mem));
    }
    std::sort(all_.begin(), all_.end(), Less);
  }

  std::unique_ptr<InternalIterator> Make() {
    std::vector<ConcatenatedSource> sources;
    for (std::size_t i = 0; i < mems_.size(); ++i) {
      sources.push_back({smallest_[i], largest_[i], [this, i] {
                           ++opens_;
                           return mems_[i]->NewIterator();
                         }});
    }
    return NewConcatenatingIterator(std::move(sources));
  }

  std::vector<std::unique_ptr<MemTable>> mems_;
  std::vector<std::string> smallest_;
  std::vector<std::string> largest_;
  std::vector<std::string> all_;
  int opens_ = 0;
};

TEST_F(ConcatenatingIteratorTest, IteratesBothWaysAcrossSources) {
  auto it = Make();
  std::size_t i = 0;
  for (it->SeekToFirst(); it->Valid(); it->Next(), ++i) {
    ASSERT_LT(i, all_.size());
    EXPECT_EQ(it->key(), all_[i]);
  }
  EXPECT_EQ(i, all_.size());
  EXPECT_TRUE(it->status().ok());
  for (it->SeekToLast(); it->Valid(); it->Prev()) {
    ASSERT_GT(i, 0u);
    EXPECT_EQ(it->key(), all_[--i]);
  }
  EXPECT_EQ(i, 0u);
  EXPECT_TRUE(it->status().ok());
}

TEST_F(ConcatenatingIteratorTest, SeeksMatchTheSortedKeysAndOpenOneSource) {
  auto it = Make();
  for (int user = -1; user <= 300; ++user) {
    for (SequenceNumber seq : {SequenceNumber(5000), SequenceNumber(500), SequenceNumber(0)}) {
      const std::string target = IKey(user, seq);
      opens_ = 0;
      it->Seek(target);
      auto lb = std::lower_bound(all_.begin(), all_.end(), target, Less);
      if (lb == all_.end()) {
        EXPECT_FALSE(it->Valid()) << user;
      } else {
        ASSERT_TRUE(it->Valid()) << user;
        EXPECT_EQ(it->key(), *lb) << user;
        // The source holding the key, plus the empty one it may pass.
        EXPECT_LE(opens_, 2) << user;
        // And one step each way from there.
        it->Next();
        if (lb + 1 == all_.end()) {
          EXPECT_FALSE(it->Valid());
        } else {
          ASSERT_TRUE(it->Valid());
          EXPECT_EQ(it->key(), *(lb + 1));
        }
      }
      it->SeekForPrev(target);
      auto ub = std::upper_bound(all_.begin(), all_.end(), target, Less);
      if (ub == all_.begin()) {
        EXPECT_FALSE(it->Valid()) << user;
      } else {
        ASSERT_TRUE(it->Valid()) << user;
        EXPECT_EQ(it->key(), *(ub - 1)) << user;
        it->Prev();
        if (ub - 1 == all_.begin()) {
          EXPECT_FALSE(it->Valid());
        } else {
          ASSERT_TRUE(it->Valid());
          EXPECT_EQ(it->key(), *(ub - 2));
        }
      }
      EXPECT_TRUE(it->status().ok());
    }
  }
}

TEST(ConcatenatingIteratorErrorTest, SourceErrorIsReportedAndSticky) {
  MemTable first(1);
  first.Add(1, ValueType::kValue, "a", "v");
  MemTable last(2);
  last.Add(2, ValueType::kValue, "z", "v");
  std::string a;
  std::string z;
  AppendInternalKey(a, "a", 1, ValueType::kValue);
  AppendInternalKey(z, "z", 2, ValueType::kValue);
  std::string m;
  AppendInternalKey(m, "m", 9, ValueType::kValue);
  std::vector<ConcatenatedSource> sources;
  sources.push_back({a, a, [&] { return first.NewIterator(); }});
  sources.push_back({m, m, [] { return NewEmptyIterator(Status::Corruption("damaged block")); }});
  sources.push_back({z, z, [&] { return last.NewIterator(); }});
  auto it = NewConcatenatingIterator(std::move(sources));
  it->SeekToFirst();
  ASSERT_TRUE(it->Valid());
  EXPECT_EQ(ExtractUserKey(it->key()), "a");
  it->Next();  // into the damaged source: the iteration ends with its error
  EXPECT_FALSE(it->Valid());
  EXPECT_TRUE(it->status().IsCorruption());
  it->Seek(z);  // the error stays
  EXPECT_FALSE(it->Valid());
  EXPECT_TRUE(it->status().IsCorruption());
  it->SeekToFirst();
  EXPECT_FALSE(it->Valid());
  EXPECT_TRUE(it->status().IsCorruption());
}

}  // namespace
}  // namespace aeternus
