// Concurrency: writers (sync=true), readers, iterators and flushes at once,
// with a small write buffer so memtable switches and flushes overlap the
// traffic. Readers may only see values that were written for that key, in
// an order that never goes back; iterators see sorted, consistent views;
// at the end every key holds its last value.

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "aeternus/db.h"
#include "aeternus/iterator.h"
#include "aeternus/options.h"
#include "aeternus/snapshot.h"
#include "aeternus/write_batch.h"

#include "testutil/db_test_base.h"
#include "testutil/random.h"

namespace aeternus::test {
namespace {

constexpr int kWriters = 4;
constexpr int kReaders = 4;
constexpr int kKeysPerWriter = 400;
constexpr int kPasses = 5;

// Writer w owns the keys i with i % kWriters == w.
std::string Key(int i) {
  char buf[16];
  std::snprintf(buf, sizeof(buf), "key%05d", i);
  return buf;
}

// The value written for key i in pass p: "<key>|<pass>|<filler>", the
// filler a function of (i, p), so a reader can check the whole value.
std::string Value(int i, int pass) {
  Random rnd(static_cast<std::uint64_t>(i) * 1000 + static_cast<std::uint64_t>(pass));
  return Key(i) + "|" + std::to_string(pass) + "|" + rnd.Printable(rnd.Range(20, 400));
}

// The pass encoded in a value of key i, or -1 when the value is not one
// that was ever written for key i.
int PassOf(int i, std::string_view value) {
  const std::string prefix = Key(i) + "|";
  if (value.substr(0, prefix.size()) != prefix) {
    return -1;
  }
  const int pass = std::atoi(std::string(value.substr(prefix.size(), 3)).c_str());
  if (pass < 0 || pass >= kPasses || value != Value(i, pass)) {
    return -1;
  }
  return pass;
}

// Collects failures from many threads; reports the first few.
class Failures {
 public:
  void Add(const std::string& what) {
    std::lock_guard<std::mutex> l(mu_);
    if (messages_.size() < 10) {
      messages_.push_back(what);
    }
    ++count_;
  }
  int count() const {
    std::lock_guard<std::mutex> l(mu_);
    return count_;
  }
  std::string Text() const {
    std::lock_guard<std::mutex> l(mu_);
    std::string out;
    for (const auto& m : messages_) {
      out += "\n  " + m;
    }
    return out;
  }

 private:
  mutable std::mutex mu_;
  std::vector<std::string> messages_;
  int count_ = 0;
};

class DBConcurrencyTest : public DBTestBase {
 protected:
  void SetUp() override {
    options_.write_buffer_size = kSmallWriteBuffer;
    options_.max_write_buffer_number = 2;
    options_.background_threads = 2;
    ASSERT_OK(Open());
  }
};

TEST_F(DBConcurrencyTest, ConcurrentWritersAndReadersSeeOnlyWrittenValues) {
  const std::uint64_t seed = TestSeed(31337);
  SCOPED_TRACE("seed " + std::to_string(seed));
  constexpr int kKeys = kWriters * kKeysPerWriter;
  // passes_started[w]: passes writer w has begun; a reader may see a pass
  // only if it has begun.
  std::atomic<int> passes_started[kWriters];
  for (auto& p : passes_started) {
    p = 0;
  }
  std::atomic<int> writers_done{0};
  std::atomic<long> reads{0};
  std::atomic<long> iterations{0};
  Failures failures;

  auto writer = [&](int w) {
    Random rnd(seed + static_cast<std::uint64_t>(w));
    WriteOptions wo;
    wo.sync = true;
    for (int pass = 0; pass < kPasses; ++pass) {
      passes_started[w] = pass + 1;
      std::vector<int> order;
      for (int i = w; i < kKeys; i += kWriters) {
        order.push_back(i);
      }
      for (std::size_t j = order.size(); j > 1; --j) {
        std::swap(order[j - 1], order[rnd.Uniform(j)]);
      }
      for (int i : order) {
        Status s;
        if (pass == 1 && i % 3 == 0) {
          s = db().Delete(wo, Key(i));  // back again in pass 2
        } else if (rnd.OneIn(4)) {
          WriteBatch batch;
          batch.Put(Key(i), Value(i, pass));
          s = db().Write(wo, &batch);
        } else {
          s = db().Put(wo, Key(i), Value(i, pass));
        }
        if (!s.ok()) {
          failures.Add("writer " + std::to_string(w) + ": " + s.ToString());
          ++writers_done;
          return;
        }
      }
    }
    ++writers_done;
  };

  auto reader = [&](int r) {
    Random rnd(seed + 100 + static_cast<std::uint64_t>(r));
    std::vector<int> last_pass(kKeys, -1);
    while (writers_done.load() < kWriters && failures.count() == 0) {
      const int i = static_cast<int>(rnd.Uniform(kKeys));
      std::string value;
      Status s = db().Get(ReadOptions(), Key(i), &value);
      ++reads;
      if (s.IsNotFound()) {
        continue;
      }
      if (!s.ok()) {
        failures.Add("Get(" + Key(i) + "): " + s.ToString());
        continue;
      }
      const int pass = PassOf(i, value);
      if (pass < 0) {
        failures.Add("Get(" + Key(i) +
                     ") returned a value never written: " + Escape(value.substr(0, 60)));
      } else if (pass >= passes_started[i % kWriters].load()) {
        failures.Add("Get(" + Key(i) + ") returned pass " + std::to_string(pass) +
                     " before it was written");
      } else if (pass < last_pass[i]) {
        failures.Add("Get(" + Key(i) + ") went back from pass " + std::to_string(last_pass[i]) +
                     " to " + std::to_string(pass));
      } else {
        last_pass[i] = pass;
      }

      if (rnd.OneIn(40)) {
        // An iterator over a random range, either direction.
        ReadOptions ro;
        if (rnd.OneIn(2)) {
          ro.lower_bound = Key(static_cast<int>(rnd.Uniform(kKeys)));
        }
        auto it = db().NewIterator(ro);
        const bool forward = rnd.OneIn(2);
        std::string prev;
        int steps = 0;
        for (forward ? it->Seek(Key(static_cast<int>(rnd.Uniform(kKeys))))
                     : it->SeekForPrev(Key(static_cast<int>(rnd.Uniform(kKeys))));
             it->Valid() && steps < 300; forward ? it->Next() : it->Prev(), ++steps) {
          const std::string k(it->key());
          if (!prev.empty() && (forward ? !(prev < k) : !(k < prev))) {
            failures.Add("iterator order broken: " + Escape(prev) + " then " + Escape(k));
            break;
          }
          const int ki = std::atoi(k.c_str() + 3);
          if (k != Key(ki) || PassOf(ki, it->value()) < 0) {
            failures.Add("iterator returned " + Escape(k) + "=" +
                         Escape(std::string(it->value().substr(0, 60))));
            break;
          }
          if (ro.lower_bound && k < *ro.lower_bound) {
            failures.Add("iterator returned " + Escape(k) + " below its lower bound");
            break;
          }
          prev = k;
        }
        if (!it->status().ok()) {
          failures.Add("iterator status: " + it->status().ToString());
        }
        ++iterations;
      }
      if (rnd.OneIn(100)) {
        // A snapshot gives the same answer twice.
        const Snapshot* snap = db().GetSnapshot();
        ReadOptions ro;
        ro.snapshot = snap;
        const int k = static_cast<int>(rnd.Uniform(kKeys));
        std::string v1, v2;
        Status s1 = db().Get(ro, Key(k), &v1);
        std::this_thread::sleep_for(std::chrono::microseconds(200));
        Status s2 = db().Get(ro, Key(k), &v2);
        if (s1.code() != s2.code() || v1 != v2) {
          failures.Add("snapshot read of " + Key(k) + " changed: " + s1.ToString() + " -> " +
                       s2.ToString());
        }
        db().ReleaseSnapshot(snap);
      }
    }
  };

  auto flusher = [&]() {
    while (writers_done.load() < kWriters && failures.count() == 0) {
      Status s = db().Flush();
      if (!s.ok()) {
        failures.Add("Flush: " + s.ToString());
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(30));
    }
  };

  std::vector<std::thread> threads;
  for (int w = 0; w < kWriters; ++w) {
    threads.emplace_back(writer, w);
  }
  for (int r = 0; r < kReaders; ++r) {
    threads.emplace_back(reader, r);
  }
  threads.emplace_back(flusher);
  for (auto& t : threads) {
    t.join();
  }
  ASSERT_EQ(failures.count(), 0) << failures.Text();
  EXPECT_GT(reads.load(), 0);
  EXPECT_GT(iterations.load(), 0);

  auto check_final = [&](const char* stage) {
    SCOPED_TRACE(stage);
    for (int i = 0; i < kKeys; ++i) {
      ASSERT_EQ(Get(Key(i)), Value(i, kPasses - 1)) << Key(i);
    }
    int count = 0;
    auto it = db().NewIterator(ReadOptions());
    for (it->SeekToFirst(); it->Valid(); it->Next()) {
      ++count;
    }
    ASSERT_TRUE(it->status().ok()) << it->status().ToString();
    EXPECT_EQ(count, kKeys);
  };
  check_final("after the writers");
  ASSERT_OK(Reopen());
  check_final("after reopen");
}

TEST_F(DBConcurrencyTest, IteratorsCreatedDuringWritesSeeConsistentViews) {
  // Each batch sets every key of a group to the same value; an iterator's
  // view must never mix two batches, and its keys must strictly increase.
  constexpr int kGroupSize = 8;
  constexpr int kBatchesPerWriter = 400;
  std::atomic<int> writers_done{0};
  Failures failures;
  auto writer = [&](int w) {
    for (int b = 0; b < kBatchesPerWriter; ++b) {
      WriteBatch batch;
      const std::string value = std::to_string(w) + ":" + std::to_string(b) + std::string(150, 'x');
      for (int k = 0; k < kGroupSize; ++k) {
        batch.Put("g" + std::to_string(w) + "-" + std::to_string(k), value);
      }
      Status s = db().Write(WriteOptions{.sync = true}, &batch);
      if (!s.ok()) {
        failures.Add(s.ToString());
        break;
      }
    }
    ++writers_done;
  };
  auto reader = [&]() {
    while (writers_done.load() < 2 && failures.count() == 0) {
      auto it = db().NewIterator(ReadOptions());
      std::map<std::string, std::string> group_value;
      std::map<std::string, int> group_count;
      std::string prev;
      for (it->SeekToFirst(); it->Valid(); it->Next()) {
        const std::string k(it->key());
        if (!prev.empty() && !(prev < k)) {
          failures.Add("order broken: " + prev + " then " + k);
          break;
        }
        prev = k;
        const std::string group = k.substr(0, k.find('-'));
        const std::string v(it->value());
        auto [pos, inserted] = group_value.emplace(group, v);
        if (!inserted && pos->second != v) {
          failures.Add("group " + group + " mixes " + pos->second.substr(0, 8) + " and " +
                       v.substr(0, 8));
          break;
        }
        ++group_count[group];
      }
      for (const auto& [g, n] : group_count) {
        if (n != kGroupSize) {
          failures.Add("group " + g + " has " + std::to_string(n) + " keys");
        }
      }
      if (!it->status().ok()) {
        failures.Add(it->status().ToString());
      }
    }
  };
  std::thread w0(writer, 0);
  std::thread w1(writer, 1);
  std::thread r0(reader);
  std::thread r1(reader);
  w0.join();
  w1.join();
  r0.join();
  r1.join();
  ASSERT_EQ(failures.count(), 0) << failures.Text();
  EXPECT_EQ(Get("g0-0"), "0:" + std::to_string(kBatchesPerWriter - 1) + std::string(150, 'x'));
  EXPECT_EQ(Get("g1-7"), "1:" + std::to_string(kBatchesPerWriter - 1) + std::string(150, 'x'));
}

TEST_F(DBConcurrencyTest, ConcurrentRangeDeletesAndPutsAgreeWithFinalState) {
  // Writers own disjoint key ranges and mix puts with range deletes of
  // their own range; at the end each range holds what its writer left.
  constexpr int kThreads = 4;
  std::vector<std::map<std::string, std::string>> models(kThreads);
  std::vector<std::string> errors(kThreads);
  auto writer = [&](int t) {
    Random rnd(500 + static_cast<std::uint64_t>(t));
    auto& m = models[t];
    const std::string prefix = "t" + std::to_string(t) + "-";
    for (int op = 0; op < 1500; ++op) {
      char buf[16];
      std::snprintf(buf, sizeof(buf), "%04d", static_cast<int>(rnd.Uniform(500)));
      const std::string k = prefix + buf;
      Status s;
      if (rnd.OneIn(50)) {
        std::snprintf(buf, sizeof(buf), "%04d", static_cast<int>(rnd.Uniform(500)));
        std::string e = prefix + buf;
        if (e == k) {
          continue;
        }
        const std::string& b = std::min(k, e);
        const std::string& en = std::max(k, e);
        s = db().DeleteRange(WriteOptions{.sync = false}, b, en);
        m.erase(m.lower_bound(b), m.lower_bound(en));
      } else {
        const std::string v = k + "@" + std::to_string(op) + std::string(rnd.Uniform(200), 'p');
        s = db().Put(WriteOptions{.sync = false}, k, v);
        m[k] = v;
      }
      if (!s.ok()) {
        errors[t] = s.ToString();
        return;
      }
    }
  };
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back(writer, t);
  }
  for (auto& th : threads) {
    th.join();
  }
  for (int t = 0; t < kThreads; ++t) {
    ASSERT_EQ(errors[t], "") << "writer " << t;
  }
  std::string expected;
  for (const auto& m : models) {
    for (const auto& [k, v] : m) {
      expected += (expected.empty() ? "" : " ") + k + "=" + v;
    }
  }
  EXPECT_EQ(Contents(), expected);
  ASSERT_OK(Reopen());
  EXPECT_EQ(Contents(), expected);
}

}  // namespace
}  // namespace aeternus::test
