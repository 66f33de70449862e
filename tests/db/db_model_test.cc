// Randomized test against a model (std::map): a long random sequence of
// puts, deletes, range deletes, batches, reads, iterator walks, snapshots,
// flushes and reopens over a small key space, so overwrites and deletes
// hit often and many tables are made. The first disagreement fails the
// test with the seed, the operation number and the recent operations.
//
// Replay a failure with AETERNUS_TEST_SEED=<seed>.

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <deque>
#include <functional>
#include <iterator>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
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

using Model = std::map<std::string, std::string>;

class ModelRun {
 public:
  ModelRun(DB** db, std::function<Status()> reopen, std::uint64_t seed)
      : db_(db), reopen_(std::move(reopen)), rnd_(seed), seed_(seed) {
    // ~2000 keys: mostly "k<number>" (not zero-padded, so prefixes of one
    // another), some with bytes 0x00 and 0x80..0xFF.
    std::set<std::string> keys;
    while (keys.size() < 2000) {
      std::string k;
      if (rnd_.OneIn(5)) {
        k = rnd_.Bytes(rnd_.Range(1, 6));
      } else {
        k = "k" + std::to_string(rnd_.Uniform(5000));
        if (rnd_.OneIn(8)) {
          k.push_back(rnd_.OneIn(2) ? '\0' : '\xff');
        }
      }
      keys.insert(k);
    }
    keys_.assign(keys.begin(), keys.end());
  }

  // Runs `ops` operations; returns "" or a description of the first
  // disagreement.
  std::string Run(int ops) {
    for (op_ = 0; op_ < ops; ++op_) {
      const auto dice = rnd_.Uniform(1000);
      std::string err;
      // Each NewIterator of the engine merges the range tombstones of every
      // table, so iterator checks and range deletes are kept rarer than
      // point operations to keep the run short.
      if (dice < 360) {
        err = DoPut();
      } else if (dice < 470) {
        err = DoDelete();
      } else if (dice < 480) {
        err = DoDeleteRange();
      } else if (dice < 560) {
        err = DoBatch();
      } else if (dice < 800) {
        err = CheckGet();
      } else if (dice < 830) {
        err = CheckIterator();
      } else if (dice < 840) {
        err = CheckScan();
      } else if (dice < 855) {
        err = TakeSnapshot();
      } else if (dice < 905) {
        err = CheckSnapshot();
      } else if (dice < 920) {
        err = ReleaseSnapshot();
      } else if (dice < 998) {
        err = CheckGetMissing();
      } else if (dice < 999) {
        err = DoFlush();
      } else if (rnd_.OneIn(2)) {
        err = DoReopen();
      } else {
        err = DoCompactAll();
      }
      if (!err.empty()) {
        std::string recent;
        for (const auto& l : log_) {
          recent += "\n    " + l;
        }
        return "seed " + std::to_string(seed_) + ", operation " + std::to_string(op_) + ": " + err +
               "\n  recent operations (oldest first):" + recent;
      }
    }
    ReleaseAll();
    return CheckAll();
  }

  void ReleaseAll() {
    for (auto& s : snapshots_) {
      db().ReleaseSnapshot(s.snapshot);
    }
    snapshots_.clear();
  }

  int reopens() const { return reopens_; }
  int flushes() const { return flushes_; }

 private:
  struct HeldSnapshot {
    const Snapshot* snapshot;
    Model model;
  };

  DB& db() { return **db_; }

  void Log(std::string text) {
    log_.push_back(std::to_string(op_) + ": " + std::move(text));
    if (log_.size() > 40) {
      log_.pop_front();
    }
  }

  const std::string& RandomKey() { return keys_[rnd_.Uniform(keys_.size())]; }

  std::string RandomValue() {
    const auto len = rnd_.OneIn(50) ? rnd_.Range(500, 5000) : rnd_.Uniform(120);
    return rnd_.OneIn(10) ? rnd_.Bytes(len) : rnd_.Printable(len);
  }

  // A random [begin, end) with begin < end: mostly narrow, over the sorted
  // key list; sometimes arbitrary bytes.
  std::pair<std::string, std::string> RandomRange() {
    if (rnd_.OneIn(10)) {
      std::string a = rnd_.Bytes(rnd_.Range(1, 3));
      std::string b = rnd_.Bytes(rnd_.Range(1, 3));
      if (b < a) {
        std::swap(a, b);
      }
      if (a == b) {
        b.push_back('\0');
      }
      return {a, b};
    }
    const auto i = rnd_.Uniform(keys_.size());
    auto j = i + 1 + rnd_.Skewed(6);
    if (j >= keys_.size()) {
      return {keys_[i], keys_.back() + "\xff"};
    }
    return {keys_[i], keys_[j]};
  }

  std::string Fail(const Status& s, const std::string& what) {
    return what + " failed: " + s.ToString();
  }

  std::string DoPut() {
    const std::string k = RandomKey();
    const std::string v = RandomValue();
    Log("Put " + Escape(k) + " (" + std::to_string(v.size()) + " bytes)");
    Status s = db().Put(wo_, k, v);
    if (!s.ok()) {
      return Fail(s, "Put");
    }
    model_[k] = v;
    return "";
  }

  std::string DoDelete() {
    const std::string k = RandomKey();
    Log("Delete " + Escape(k));
    Status s = db().Delete(wo_, k);
    if (!s.ok()) {
      return Fail(s, "Delete");
    }
    model_.erase(k);
    return "";
  }

  std::string DoDeleteRange() {
    auto [b, e] = RandomRange();
    Log("DeleteRange [" + Escape(b) + ", " + Escape(e) + ")");
    Status s = db().DeleteRange(wo_, b, e);
    if (!s.ok()) {
      return Fail(s, "DeleteRange");
    }
    model_.erase(model_.lower_bound(b), model_.lower_bound(e));
    return "";
  }

  std::string DoBatch() {
    WriteBatch batch;
    Model m = model_;
    std::string text = "Batch:";
    const auto n = rnd_.Range(1, 12);
    for (std::uint64_t i = 0; i < n; ++i) {
      const auto kind = rnd_.Uniform(40);
      if (kind < 24) {
        const std::string k = RandomKey();
        const std::string v = RandomValue();
        batch.Put(k, v);
        m[k] = v;
        text += " Put " + Escape(k);
      } else if (kind < 39) {
        const std::string k = RandomKey();
        batch.Delete(k);
        m.erase(k);
        text += " Delete " + Escape(k);
      } else {
        auto [b, e] = RandomRange();
        batch.DeleteRange(b, e);
        m.erase(m.lower_bound(b), m.lower_bound(e));
        text += " DeleteRange [" + Escape(b) + ", " + Escape(e) + ")";
      }
    }
    Log(text);
    if (batch.Count() != n) {
      return "batch Count() " + std::to_string(batch.Count()) + " after " + std::to_string(n) +
             " updates";
    }
    Status s = db().Write(wo_, &batch);
    if (!s.ok()) {
      return Fail(s, "Write");
    }
    model_ = std::move(m);
    return "";
  }

  std::string CheckGetIn(const Model& m, const Snapshot* snap, const std::string& k) {
    ReadOptions ro;
    ro.snapshot = snap;
    ro.fill_cache = !rnd_.OneIn(4);
    std::string value;
    Status s = db().Get(ro, k, &value);
    auto it = m.find(k);
    if (it == m.end()) {
      if (!s.IsNotFound()) {
        return "Get " + Escape(k) + (snap ? " at snapshot" : "") + ": expected NotFound, got " +
               (s.ok() ? "value " + Escape(value.substr(0, 40)) : s.ToString());
      }
      return "";
    }
    if (!s.ok()) {
      return "Get " + Escape(k) + (snap ? " at snapshot" : "") + ": expected " +
             Escape(it->second.substr(0, 40)) + ", got " + s.ToString();
    }
    if (value != it->second) {
      return "Get " + Escape(k) + (snap ? " at snapshot" : "") + ": expected " +
             Escape(it->second.substr(0, 40)) + " got " + Escape(value.substr(0, 40));
    }
    return "";
  }

  std::string CheckGet() {
    // Half the time a key known to be live, so hits are checked too.
    std::string k = RandomKey();
    if (!model_.empty() && rnd_.OneIn(2)) {
      auto it = model_.lower_bound(k);
      if (it != model_.end()) {
        k = it->first;
      }
    }
    return CheckGetIn(model_, nullptr, k);
  }

  std::string CheckGetMissing() {
    // Keys outside the key space: never written.
    std::string k = "zz-never-" + rnd_.Printable(rnd_.Range(1, 8));
    return CheckGetIn(model_, nullptr, k);
  }

  // Walks an iterator over a random range in a random direction, with a
  // random number of steps and the odd direction switch.
  std::string CheckIteratorIn(const Model& m, const Snapshot* snap) {
    ReadOptions ro;
    ro.snapshot = snap;
    if (rnd_.OneIn(2)) {
      auto [b, e] = RandomRange();
      ro.lower_bound = b;
      if (rnd_.OneIn(2)) {
        ro.upper_bound = e;
      }
    } else if (rnd_.OneIn(3)) {
      ro.upper_bound = RandomKey();
    }
    // The entries the iterator may show, in order.
    std::vector<const Model::value_type*> view;
    for (auto x = ro.lower_bound ? m.lower_bound(*ro.lower_bound) : m.begin();
         x != m.end() && (!ro.upper_bound || x->first < *ro.upper_bound); ++x) {
      view.push_back(&*x);
    }
    const auto n = static_cast<std::ptrdiff_t>(view.size());
    auto first_at_or_after = [&](const std::string& t) {
      return std::lower_bound(view.begin(), view.end(), t,
                              [](const Model::value_type* e, const std::string& key) {
                                return e->first < key;
                              }) -
             view.begin();
    };
    const std::string where = std::string(snap ? "snapshot " : "") + "iterator [" +
                              (ro.lower_bound ? Escape(*ro.lower_bound) : "-inf") + ", " +
                              (ro.upper_bound ? Escape(*ro.upper_bound) : "+inf") + ")";
    auto it = db().NewIterator(ro);
    std::ptrdiff_t pos;  // index into view; outside [0, n) means invalid
    std::string path;
    switch (rnd_.Uniform(4)) {
      case 0:
        it->SeekToFirst();
        pos = 0;
        path = "SeekToFirst";
        break;
      case 1:
        it->SeekToLast();
        pos = n - 1;
        path = "SeekToLast";
        break;
      default: {
        std::string target = RandomKey();
        if (rnd_.OneIn(3)) {
          target.push_back('\0');
        }
        if (rnd_.OneIn(2)) {
          it->Seek(target);
          pos = first_at_or_after(target);
          path = "Seek " + Escape(target);
        } else {
          it->SeekForPrev(target);
          pos = first_at_or_after(target + std::string(1, '\0')) - 1;
          path = "SeekForPrev " + Escape(target);
        }
      }
    }
    bool forward = rnd_.OneIn(2);
    const int steps = static_cast<int>(rnd_.Range(0, 60));
    for (int step = 0;; ++step) {
      const bool valid = pos >= 0 && pos < n;
      const std::string got = IterEntry(*it);
      const std::string want =
          valid ? Escape(view[pos]->first) + "=" + Escape(view[pos]->second) : "(invalid)";
      if (got != want) {
        return where + " after " + path + ": expected " + want.substr(0, 80) + " got " +
               got.substr(0, 80);
      }
      if (!valid || step == steps) {
        break;
      }
      if (rnd_.OneIn(15)) {
        forward = !forward;
      }
      if (forward) {
        it->Next();
        ++pos;
        path += " Next";
      } else {
        it->Prev();
        --pos;
        path += " Prev";
      }
      if (path.size() > 300) {
        path = "..." + path.substr(path.size() - 200);
      }
    }
    if (!it->status().ok()) {
      return where + ": status " + it->status().ToString();
    }
    return "";
  }

  std::string CheckIterator() { return CheckIteratorIn(model_, nullptr); }

  std::string CheckScan() {
    auto [b, e] = RandomRange();
    const bool unbounded = rnd_.OneIn(4);
    if (unbounded) {
      e.clear();
    }
    const std::size_t limit = rnd_.OneIn(2) ? 0 : rnd_.Range(1, 30);
    std::vector<std::pair<std::string, std::string>> out;
    Status s = db().Scan(ReadOptions(), b, e, limit, &out);
    const std::string where = "Scan [" + Escape(b) + ", " + (unbounded ? "+inf" : Escape(e)) +
                              ") limit " + std::to_string(limit);
    if (!s.ok()) {
      return where + ": " + s.ToString();
    }
    std::vector<std::pair<std::string, std::string>> want;
    for (auto it = model_.lower_bound(b);
         it != model_.end() && (unbounded || it->first < e) && (limit == 0 || want.size() < limit);
         ++it) {
      want.emplace_back(it->first, it->second);
    }
    if (out != want) {
      return where + ": expected " + std::to_string(want.size()) + " pairs, got " +
             std::to_string(out.size()) +
             (out.empty() ? "" : " starting at " + Escape(out.front().first));
    }
    return "";
  }

  std::string TakeSnapshot() {
    if (snapshots_.size() >= 6) {
      return ReleaseSnapshot();
    }
    Log("GetSnapshot #" + std::to_string(snapshots_.size()));
    const Snapshot* snap = db().GetSnapshot();
    if (snap == nullptr) {
      return "GetSnapshot returned null";
    }
    snapshots_.push_back({snap, model_});
    return "";
  }

  std::string CheckSnapshot() {
    if (snapshots_.empty()) {
      return "";
    }
    const auto i = rnd_.Uniform(snapshots_.size());
    const auto& held = snapshots_[i];
    for (int n = 0; n < 5; ++n) {
      std::string k = RandomKey();
      if (!held.model.empty() && rnd_.OneIn(2)) {
        auto it = held.model.lower_bound(k);
        if (it != held.model.end()) {
          k = it->first;
        }
      }
      std::string err = CheckGetIn(held.model, held.snapshot, k);
      if (!err.empty()) {
        return "snapshot #" + std::to_string(i) + ": " + err;
      }
    }
    if (!rnd_.OneIn(4)) {
      return "";
    }
    std::string err = CheckIteratorIn(held.model, held.snapshot);
    return err.empty() ? "" : "snapshot #" + std::to_string(i) + ": " + err;
  }

  std::string ReleaseSnapshot() {
    if (snapshots_.empty()) {
      return "";
    }
    const auto i = rnd_.Uniform(snapshots_.size());
    Log("ReleaseSnapshot #" + std::to_string(i));
    db().ReleaseSnapshot(snapshots_[i].snapshot);
    snapshots_.erase(snapshots_.begin() + static_cast<std::ptrdiff_t>(i));
    return "";
  }

  std::string DoFlush() {
    Log("Flush");
    ++flushes_;
    Status s = db().Flush();
    return s.ok() ? "" : Fail(s, "Flush");
  }

  // Major compaction, with snapshots and their checks carrying across it.
  std::string DoCompactAll() {
    Log("CompactAll");
    Status s = db().CompactAll();
    return s.ok() ? "" : Fail(s, "CompactAll");
  }

  std::string DoReopen() {
    Log("Close + Open");
    ++reopens_;
    // Close releases snapshots still held.
    snapshots_.clear();
    Status s = reopen_();
    if (!s.ok()) {
      return Fail(s, "Reopen");
    }
    return CheckAll();
  }

  // Every key of the key space, and a full iteration both ways.
  std::string CheckAll() {
    for (const auto& k : keys_) {
      std::string err = CheckGetIn(model_, nullptr, k);
      if (!err.empty()) {
        return "full check: " + err;
      }
    }
    auto it = db().NewIterator(ReadOptions());
    auto mi = model_.begin();
    for (it->SeekToFirst(); it->Valid(); it->Next(), ++mi) {
      if (mi == model_.end() || it->key() != mi->first || it->value() != mi->second) {
        return "full forward iteration: got " + IterEntry(*it).substr(0, 80) + ", expected " +
               (mi == model_.end() ? "(end)" : Escape(mi->first));
      }
    }
    if (mi != model_.end()) {
      return "full forward iteration ended before " + Escape(mi->first) + "; status " +
             it->status().ToString();
    }
    auto rmi = model_.rbegin();
    for (it->SeekToLast(); it->Valid(); it->Prev(), ++rmi) {
      if (rmi == model_.rend() || it->key() != rmi->first || it->value() != rmi->second) {
        return "full backward iteration: got " + IterEntry(*it).substr(0, 80) + ", expected " +
               (rmi == model_.rend() ? "(end)" : Escape(rmi->first));
      }
    }
    if (rmi != model_.rend()) {
      return "full backward iteration ended before " + Escape(rmi->first);
    }
    if (!it->status().ok()) {
      return "full iteration status " + it->status().ToString();
    }
    return "";
  }

  DB** db_;
  std::function<Status()> reopen_;
  Random rnd_;
  std::uint64_t seed_;
  WriteOptions wo_{.sync = false};
  std::vector<std::string> keys_;
  Model model_;
  std::vector<HeldSnapshot> snapshots_;
  std::deque<std::string> log_;
  int op_ = 0;
  int reopens_ = 0;
  int flushes_ = 0;
};

class DBModelTest : public DBTestBase {
 protected:
  void RunModel(std::uint64_t seed, int ops) {
    ASSERT_OK(Open());
    DB* raw = db_.get();
    ModelRun run(
        &raw,
        [&]() {
          Status s = Reopen();
          raw = db_.get();
          return s;
        },
        seed);
    const auto start = std::chrono::steady_clock::now();
    const std::string err = run.Run(ops);
    const auto secs =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    if (!err.empty()) {
      run.ReleaseAll();
    }
    if (!err.empty()) {
      FAIL() << err << "\nreplay with AETERNUS_TEST_SEED=" << seed;
    }
    std::printf(
        "[ model    ] seed %llu: %d operations, %d flushes, %d reopens, %d tables, %.1f s\n",
        static_cast<unsigned long long>(seed), ops, run.flushes(), run.reopens(), NumTables(),
        secs);
  }
};

TEST_F(DBModelTest, RandomOperationsMatchModel) {
  options_.write_buffer_size = kSmallWriteBuffer;
  RunModel(TestSeed(1), 100000);
}

TEST_F(DBModelTest, RandomOperationsMatchModelWithSmallBlocksNoFilterNoCache) {
  options_.write_buffer_size = kSmallWriteBuffer;
  options_.block_size = 256;
  options_.bloom_bits_per_key = 0;
  options_.block_cache_capacity = 0;
  RunModel(TestSeed(2), 20000);
}

// The long variant runs only with AETERNUS_LONG_TESTS=1 (CTest label long).
TEST_F(DBModelTest, RandomOperationsMatchModelLong) {
  if (!LongTestsEnabled()) {
    GTEST_SKIP() << "set AETERNUS_LONG_TESTS=1 to run";
  }
  // More seeds rather than longer runs: without compaction every table and
  // range tombstone stays, so the cost of a run grows faster than its length.
  options_.write_buffer_size = kSmallWriteBuffer;
  const std::uint64_t first = TestSeed(101);
  for (std::uint64_t seed = first; seed < first + 6; ++seed) {
    SCOPED_TRACE("seed " + std::to_string(seed));
    dbname_ = tmp_.Sub("db" + std::to_string(seed));
    RunModel(seed, 100000);
    if (HasFatalFailure()) {
      return;
    }
    ASSERT_OK(Close());
  }
}

}  // namespace
}  // namespace aeternus::test
