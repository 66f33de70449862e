// WriteBatch through DB::Write: updates apply atomically and in the order
// they were added; Count/Clear; empty batches.

#include <atomic>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "aeternus/db.h"
#include "aeternus/status.h"
#include "aeternus/write_batch.h"

#include "testutil/db_test_base.h"

namespace aeternus::test {
namespace {

class DBBatchTest : public DBTestBase {
 protected:
  void SetUp() override { ASSERT_OK(Open()); }

  // The values of keys g0..g<n-1> that are present, read at one snapshot.
  std::vector<std::string> GetKeysAtOneSnapshot(int n) {
    const Snapshot* snap = db().GetSnapshot();
    ReadOptions ro;
    ro.snapshot = snap;
    std::vector<std::string> values;
    for (int k = 0; k < n; ++k) {
      std::string v;
      if (db().Get(ro, "g" + std::to_string(k), &v).ok()) {
        values.push_back(v);
      }
    }
    db().ReleaseSnapshot(snap);
    return values;
  }
};

// Records the updates a batch holds, as text.
class Recorder : public WriteBatch::Handler {
 public:
  Status Put(std::string_view key, std::string_view value) override {
    Append("Put(" + Escape(key) + "," + Escape(value) + ")");
    return Status::OK();
  }
  Status Delete(std::string_view key) override {
    Append("Delete(" + Escape(key) + ")");
    return Status::OK();
  }
  Status DeleteRange(std::string_view begin, std::string_view end) override {
    Append("DeleteRange(" + Escape(begin) + "," + Escape(end) + ")");
    return Status::OK();
  }
  const std::string& text() const { return text_; }

 private:
  void Append(const std::string& s) {
    if (!text_.empty()) {
      text_ += " ";
    }
    text_ += s;
  }
  std::string text_;
};

TEST_F(DBBatchTest, BatchAppliesPutsDeletesAndRangeDeletes) {
  ASSERT_OK(Put("old1", "x"));
  ASSERT_OK(Put("old2", "y"));
  ASSERT_OK(Put("r1", "z"));
  ASSERT_OK(Put("r2", "z"));
  WriteBatch batch;
  batch.Put("a", "1");
  batch.Put("b", "2");
  batch.Delete("old1");
  batch.DeleteRange("r", "s");
  batch.Put("c", "3");
  ASSERT_OK(Write(&batch));
  EXPECT_EQ(Contents(), "a=1 b=2 c=3 old2=y");
  ASSERT_OK(Reopen());
  EXPECT_EQ(Contents(), "a=1 b=2 c=3 old2=y");
}

TEST_F(DBBatchTest, PutThenDeleteOfSameKeyInOneBatchDeletes) {
  WriteBatch batch;
  batch.Put("k", "v");
  batch.Delete("k");
  ASSERT_OK(Write(&batch));
  EXPECT_EQ(Get("k"), "NOT_FOUND");
  ASSERT_OK(Flush());
  EXPECT_EQ(Get("k"), "NOT_FOUND");
  ASSERT_OK(Reopen());
  EXPECT_EQ(Get("k"), "NOT_FOUND");
}

TEST_F(DBBatchTest, DeleteThenPutOfSameKeyInOneBatchKeeps) {
  ASSERT_OK(Put("k", "old"));
  WriteBatch batch;
  batch.Delete("k");
  batch.Put("k", "new");
  ASSERT_OK(Write(&batch));
  EXPECT_EQ(Get("k"), "new");
  ASSERT_OK(Flush());
  EXPECT_EQ(Get("k"), "new");
  ASSERT_OK(Reopen());
  EXPECT_EQ(Get("k"), "new");
}

TEST_F(DBBatchTest, PutThenDeleteRangeInOneBatchDeletes) {
  WriteBatch batch;
  batch.Put("k1", "v");
  batch.Put("k2", "v");
  batch.DeleteRange("k", "l");
  batch.Put("z", "kept");
  ASSERT_OK(Write(&batch));
  EXPECT_EQ(Contents(), "z=kept");
  ASSERT_OK(Reopen());
  EXPECT_EQ(Contents(), "z=kept");
  ASSERT_OK(Flush());
  EXPECT_EQ(Contents(), "z=kept");
}

TEST_F(DBBatchTest, DeleteRangeThenPutInOneBatchKeeps) {
  ASSERT_OK(Put("k1", "old"));
  ASSERT_OK(Put("k2", "old"));
  WriteBatch batch;
  batch.DeleteRange("k", "l");
  batch.Put("k1", "new");
  ASSERT_OK(Write(&batch));
  EXPECT_EQ(Contents(), "k1=new");
  ASSERT_OK(Flush());
  EXPECT_EQ(Contents(), "k1=new");
  ASSERT_OK(Reopen());
  EXPECT_EQ(Contents(), "k1=new");
}

TEST_F(DBBatchTest, LaterPutOfSameKeyInOneBatchWins) {
  WriteBatch batch;
  batch.Put("k", "1");
  batch.Put("k", "2");
  batch.Put("k", "3");
  ASSERT_OK(Write(&batch));
  EXPECT_EQ(Get("k"), "3");
  ASSERT_OK(Reopen());
  EXPECT_EQ(Get("k"), "3");
}

// A batch of 16 updates or more is inserted into the memtable in key order,
// not in the order written: the outcome must be the same.
TEST_F(DBBatchTest, LargeBatchKeepsWriteOrderSemanticsThoughInsertedByKey) {
  ASSERT_OK(Put("b", "old"));
  ASSERT_OK(Put("m1", "old"));
  const Snapshot* before = db().GetSnapshot();
  WriteBatch batch;
  for (int i = 19; i >= 0; --i) {  // keys written in descending order
    batch.Put("k" + std::to_string(100 + i), "v" + std::to_string(i));
  }
  batch.Put("a", "1");
  batch.Delete("a");
  batch.Put("a", "3");     // the last write of "a" wins
  batch.Put("b", "new");
  batch.Delete("b");       // ... also when it is a delete
  batch.Put("m2", "gone");
  batch.DeleteRange("m", "n");  // covers m1 (older) and m2 (earlier in the batch)
  batch.Put("m3", "kept");      // written after the range delete
  ASSERT_GE(batch.Count(), 16u);
  ASSERT_OK(Write(&batch));

  std::string expected = "a=3";
  for (int i = 0; i < 20; ++i) {
    expected += " k" + std::to_string(100 + i) + "=v" + std::to_string(i);
  }
  expected += " m3=kept";
  EXPECT_EQ(Contents(), expected);
  EXPECT_EQ(Get("a"), "3");
  EXPECT_EQ(Get("b"), "NOT_FOUND");
  EXPECT_EQ(Get("m1"), "NOT_FOUND");
  EXPECT_EQ(Get("b", before), "old");
  EXPECT_EQ(Get("m1", before), "old");
  EXPECT_EQ(Get("a", before), "NOT_FOUND");
  db().ReleaseSnapshot(before);
  // The memtable's sequence range covers the whole batch: a later Get that
  // finds an older version in a table does not skip the memtable.
  ASSERT_OK(Flush());
  ASSERT_OK(Put("b", "again"));
  EXPECT_EQ(Get("b"), "again");
  ASSERT_OK(Reopen());
  EXPECT_EQ(Contents(), "a=3 b=again" + expected.substr(3));
}

TEST_F(DBBatchTest, CountAndClear) {
  WriteBatch batch;
  EXPECT_EQ(batch.Count(), 0u);
  const std::size_t empty_size = batch.ApproximateSize();
  batch.Put("a", "1");
  batch.Delete("b");
  batch.DeleteRange("c", "d");
  EXPECT_EQ(batch.Count(), 3u);
  EXPECT_GT(batch.ApproximateSize(), empty_size);
  batch.Clear();
  EXPECT_EQ(batch.Count(), 0u);
  EXPECT_EQ(batch.ApproximateSize(), empty_size);
  Recorder empty;
  ASSERT_OK(batch.Iterate(&empty));
  EXPECT_EQ(empty.text(), "");
  // A cleared batch applies only what is added after Clear.
  batch.Put("e", "5");
  EXPECT_EQ(batch.Count(), 1u);
  ASSERT_OK(Write(&batch));
  EXPECT_EQ(Contents(), "e=5");
}

TEST_F(DBBatchTest, IterateReportsUpdatesInOrder) {
  using namespace std::string_literals;
  WriteBatch batch;
  batch.Put("k", "v");
  batch.DeleteRange("a", "b");
  batch.Delete("k");
  batch.Put("\0\xff"s, ""s);
  Recorder r;
  ASSERT_OK(batch.Iterate(&r));
  EXPECT_EQ(r.text(), "Put(k,v) DeleteRange(a,b) Delete(k) Put(\\x00\\xff,)");
}

TEST_F(DBBatchTest, EmptyBatchIsOk) {
  ASSERT_OK(Put("a", "1"));
  WriteBatch batch;
  EXPECT_OK(Write(&batch));
  EXPECT_OK(db().Write(WriteOptions{.sync = true}, &batch));
  EXPECT_EQ(Contents(), "a=1");
  ASSERT_OK(Reopen());
  EXPECT_EQ(Contents(), "a=1");
}

TEST_F(DBBatchTest, SnapshotSeesAllOrNoneOfABatch) {
  ASSERT_OK(Put("a", "old"));
  ASSERT_OK(Put("b", "old"));
  const Snapshot* before = db().GetSnapshot();
  WriteBatch batch;
  batch.Put("a", "new");
  batch.Put("b", "new");
  batch.Put("c", "new");
  ASSERT_OK(Write(&batch));
  const Snapshot* after = db().GetSnapshot();
  EXPECT_EQ(Contents(before), "a=old b=old");
  EXPECT_EQ(Contents(after), "a=new b=new c=new");
  db().ReleaseSnapshot(before);
  db().ReleaseSnapshot(after);
}

TEST_F(DBBatchTest, ConcurrentReadersSeeBatchesWhole) {
  // A writer sets keys g0..g9 to the same value in each batch; readers must
  // never see a mix of two batches.
  constexpr int kKeys = 10;
  constexpr int kBatches = 1500;
  std::atomic<bool> done{false};
  std::atomic<int> torn{0};
  std::string first_torn;
  std::mutex mu;
  auto reader = [&](bool use_iterator) {
    while (!done.load()) {
      std::vector<std::string> values;
      if (use_iterator) {
        ReadOptions ro;
        ro.lower_bound = "g";
        ro.upper_bound = "h";
        auto it = db().NewIterator(ro);
        for (it->SeekToFirst(); it->Valid(); it->Next()) {
          values.emplace_back(it->value());
        }
      } else {
        values = GetKeysAtOneSnapshot(kKeys);
      }
      bool ok = values.empty() || values.size() == kKeys;
      for (const auto& v : values) {
        ok = ok && v == values.front();
      }
      if (!ok) {
        std::lock_guard<std::mutex> l(mu);
        if (torn++ == 0) {
          for (const auto& v : values) {
            first_torn += v.substr(0, 8) + " ";
          }
        }
      }
    }
  };
  std::thread r1(reader, true);
  std::thread r2(reader, false);
  Status write_status;
  for (int b = 0; b < kBatches && write_status.ok(); ++b) {
    WriteBatch batch;
    const std::string value = std::to_string(b) + std::string(200, 'v');
    for (int k = 0; k < kKeys; ++k) {
      batch.Put("g" + std::to_string(k), value);
    }
    write_status = Write(&batch);
  }
  done = true;
  r1.join();
  r2.join();
  ASSERT_OK(write_status);
  EXPECT_EQ(torn.load(), 0) << "first torn view: " << first_torn;
  for (int k = 0; k < kKeys; ++k) {
    EXPECT_EQ(Get("g" + std::to_string(k)), std::to_string(kBatches - 1) + std::string(200, 'v'));
  }
}

// Batches large enough to be inserted sorted by key, each writing every key
// several times, into memtables with a hash index: a key's versions then
// reach the memtable newest first, and the index must keep following the
// newest. Readers, at a snapshot or at the latest state, see each key's
// last write in one batch, never an earlier write of it or another batch's.
TEST_F(DBBatchTest, RepeatedKeysInSortedBatchesWithTheMemTableHashIndex) {
  options_.memtable_hash_index_size_ratio = 0.25;
  ASSERT_OK(Reopen());
  constexpr int kKeys = 10;
  constexpr int kWritesPerKey = 4;
  constexpr int kBatches = 600;
  auto final_value = [](int b) { return "final" + std::to_string(b); };
  std::atomic<bool> done{false};
  std::atomic<int> bad{0};
  std::string first_bad;
  std::mutex mu;
  std::thread reader([&] {
    while (!done.load()) {
      const std::vector<std::string> values = GetKeysAtOneSnapshot(kKeys);
      bool ok = values.empty() || values.size() == kKeys;
      for (const auto& v : values) {
        ok = ok && v == values.front() && v.starts_with("final");
      }
      if (!ok) {
        std::lock_guard<std::mutex> l(mu);
        if (bad++ == 0) {
          for (const auto& v : values) {
            first_bad += v + " ";
          }
        }
      }
    }
  });
  Status write_status;
  for (int b = 0; b < kBatches && write_status.ok(); ++b) {
    WriteBatch batch;
    for (int w = 0; w < kWritesPerKey; ++w) {
      for (int k = 0; k < kKeys; ++k) {
        batch.Put("g" + std::to_string(k), w + 1 == kWritesPerKey
                                               ? final_value(b)
                                               : "early" + std::to_string(b) + "." + std::to_string(w));
      }
    }
    ASSERT_GE(batch.Count(), 16u);
    write_status = Write(&batch);
    if (b % 100 == 0 && write_status.ok()) {
      EXPECT_EQ(Get("g3"), final_value(b));
    }
  }
  done = true;
  reader.join();
  ASSERT_OK(write_status);
  EXPECT_EQ(bad.load(), 0) << "first bad view: " << first_bad;
  for (int k = 0; k < kKeys; ++k) {
    EXPECT_EQ(Get("g" + std::to_string(k)), final_value(kBatches - 1));
  }
}

TEST_F(DBBatchTest, BatchLargerThanWriteBufferIsApplied) {
  WriteBatch batch;
  for (int i = 0; i < 1000; ++i) {
    batch.Put("key" + std::to_string(i), std::string(300, static_cast<char>('a' + i % 26)));
  }
  ASSERT_GT(batch.ApproximateSize(), options_.write_buffer_size);
  ASSERT_OK(Write(&batch));
  for (int i = 0; i < 1000; i += 37) {
    EXPECT_EQ(Get("key" + std::to_string(i)), std::string(300, static_cast<char>('a' + i % 26)));
  }
  ASSERT_OK(Reopen());
  for (int i = 0; i < 1000; ++i) {
    ASSERT_EQ(Get("key" + std::to_string(i)), std::string(300, static_cast<char>('a' + i % 26)));
  }
}

TEST_F(DBBatchTest, SyncBatchSurvivesReopenWithoutClose) {
  WriteBatch batch;
  batch.Put("a", "1");
  batch.DeleteRange("b", "c");
  batch.Put("d", "4");
  ASSERT_OK(Put("b1", "gone"));
  ASSERT_OK(db().Write(WriteOptions{.sync = true}, &batch));
  DestroyWithoutClose();
  ASSERT_OK(Open());
  EXPECT_EQ(Contents(), "a=1 d=4");
}

}  // namespace
}  // namespace aeternus::test
