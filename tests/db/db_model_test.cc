// Randomized test against a model (std::map): a long random sequence of
// puts, deletes, range deletes, batches, reads, iterator walks, snapshots,
// flushes and reopens over a small key space, so overwrites and deletes
// hit often and many tables are made. The first disagreement fails the
// test with the seed, the operation number and the recent operations.
//
// The compaction runs use sizes so small that background compactions (of
// both styles) run nearly all the time, and add to the mix: iterators held
// open across many operations (and so across compactions), checked later
// against the model as of their creation like snapshots are; manual
// CompactRange over random bounds and CompactAll; WaitForCompactions,
// after which the compaction properties must describe a settled tree.
//
// Replay a failure with AETERNUS_TEST_SEED=<seed>.

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <deque>
#include <functional>
#include <iterator>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <tuple>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

#include "aeternus/db.h"
#include "aeternus/iterator.h"
#include "aeternus/options.h"
#include "aeternus/snapshot.h"
#include "aeternus/write_batch.h"

#include "testutil/db_test_base.h"
#include "testutil/random.h"
#include "testutil/wait_for_compactions.h"

namespace aeternus::test {
namespace {

using Model = std::map<std::string, std::string>;

// One entry an iterator should show, pointing into a model.
using ViewEntry = std::pair<std::string_view, std::string_view>;

// What the compaction runs add to the operation mix.
struct CompactionMix {
  // The options the DB is open with (they may change at a reopen): the
  // style decides what a settled tree looks like.
  const Options* options = nullptr;
  // Check after WaitForCompactions that the tiered style keeps every table
  // in level 0. Off when the style changes between opens, since tables a
  // leveled open left in deeper levels may stay there.
  bool check_tiered_levels = true;
};

class ModelRun {
 public:
  // With `mix`, the run also holds iterators across operations, compacts
  // ranges and everything, and waits for compactions (see Run).
  ModelRun(DB** db, std::function<Status()> reopen, std::uint64_t seed,
           std::optional<CompactionMix> mix = std::nullopt)
      : db_(db), reopen_(std::move(reopen)), rnd_(seed), seed_(seed), mix_(mix) {
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
      std::string err;
      if (mix_ && CompactionOp(&err)) {
        if (!err.empty()) {
          return Report(err);
        }
        continue;
      }
      const auto dice = rnd_.Uniform(1000);
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
        return Report(err);
      }
    }
    // Every iterator still held gets its full check before it goes.
    std::string err = VerifyAndReleaseHeldIterators();
    if (mix_ && err.empty()) {
      err = DoWaitForCompactions();
      if (err.empty()) {
        err = CountCompactions();
      }
    }
    if (!err.empty()) {
      return Report(err);
    }
    ReleaseAll();
    return CheckAll();
  }

  void ReleaseAll() {
    held_.clear();
    for (auto& s : snapshots_) {
      db().ReleaseSnapshot(s.snapshot);
    }
    snapshots_.clear();
  }

  int reopens() const { return reopens_; }
  int flushes() const { return flushes_; }
  // Compactions the DB reported (aeternus.num-compactions) over all opens.
  std::uint64_t compactions() const { return compactions_; }
  // Manual CompactRange and CompactAll calls made.
  int manual_compactions() const { return manual_compactions_; }
  int held_iterators() const { return held_made_; }

 private:
  struct HeldSnapshot {
    const Snapshot* snapshot;
    Model model;
  };

  static constexpr std::ptrdiff_t kUnpositioned = -2;

  // An iterator kept open across operations, with the model (within its
  // bounds) as of its creation and the position it was left at.
  struct HeldIterator {
    int number = 0;
    int created = 0;  // operation number
    const Snapshot* snapshot = nullptr;
    std::optional<std::string> lower;
    std::optional<std::string> upper;
    Model model;
    std::vector<ViewEntry> view;  // points into `model`
    std::unique_ptr<Iterator> it;
    std::ptrdiff_t pos = kUnpositioned;  // index into view; outside it: invalid
  };

  std::string Report(const std::string& err) {
    std::string recent;
    for (const auto& l : log_) {
      recent += "\n    " + l;
    }
    return "seed " + std::to_string(seed_) + ", operation " + std::to_string(op_) + ": " + err +
           "\n  recent operations (oldest first):" + recent;
  }

  // The compaction runs' operations, drawn before the common mix: true
  // when one was done (its error, if any, in *err).
  bool CompactionOp(std::string* err) {
    const auto dice = rnd_.Uniform(10000);
    if (dice < 50) {
      *err = HoldIterator();
    } else if (dice < 300) {
      *err = CheckHeldIterator();
    } else if (dice < 340) {
      *err = ReleaseHeldIterator();
    } else if (dice < 350) {
      *err = DoCompactRange();
    } else if (dice < 353) {
      *err = DoCompactAll();
    } else if (dice < 358) {
      *err = DoWaitForCompactions();
    } else if (dice < 378) {
      // Extra flushes: more level-0 tables, so more compactions.
      *err = DoFlush();
    } else {
      return false;
    }
    return true;
  }

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

  // Random iterator bounds: often a narrow range, sometimes only an upper
  // bound, else none.
  void RandomBounds(ReadOptions* ro) {
    if (rnd_.OneIn(2)) {
      auto [b, e] = RandomRange();
      ro->lower_bound = b;
      if (rnd_.OneIn(2)) {
        ro->upper_bound = e;
      }
    } else if (rnd_.OneIn(3)) {
      ro->upper_bound = RandomKey();
    }
  }

  static std::string BoundsText(const std::optional<std::string>& lower,
                                const std::optional<std::string>& upper) {
    return "[" + (lower ? Escape(*lower) : std::string("-inf")) + ", " +
           (upper ? Escape(*upper) : std::string("+inf")) + ")";
  }

  // The entries of `m` an iterator with the bounds of `ro` may show, in
  // order.
  static std::vector<ViewEntry> MakeView(const Model& m, const ReadOptions& ro) {
    std::vector<ViewEntry> view;
    for (auto x = ro.lower_bound ? m.lower_bound(*ro.lower_bound) : m.begin();
         x != m.end() && (!ro.upper_bound || x->first < *ro.upper_bound); ++x) {
      view.emplace_back(x->first, x->second);
    }
    return view;
  }

  // Positions `it` with a random seek; returns the index into `view` it
  // should then be at (outside the view: invalid) and names the seek in
  // *path.
  std::ptrdiff_t RandomSeek(Iterator& it, const std::vector<ViewEntry>& view, std::string* path) {
    const auto n = static_cast<std::ptrdiff_t>(view.size());
    auto first_at_or_after = [&](const std::string& t) {
      return std::lower_bound(
                 view.begin(), view.end(), t,
                 [](const ViewEntry& e, const std::string& key) { return e.first < key; }) -
             view.begin();
    };
    switch (rnd_.Uniform(4)) {
      case 0:
        it.SeekToFirst();
        *path = "SeekToFirst";
        return 0;
      case 1:
        it.SeekToLast();
        *path = "SeekToLast";
        return n - 1;
      default: {
        std::string target = RandomKey();
        if (rnd_.OneIn(3)) {
          target.push_back('\0');
        }
        if (rnd_.OneIn(2)) {
          it.Seek(target);
          *path = "Seek " + Escape(target);
          return first_at_or_after(target);
        }
        it.SeekForPrev(target);
        *path = "SeekForPrev " + Escape(target);
        return first_at_or_after(target + std::string(1, '\0')) - 1;
      }
    }
  }

  // From the position *pos, checks the entry and takes a random number of
  // steps in a random direction with the odd direction switch, checking
  // each entry against `view`. Leaves *pos at the final position.
  std::string Walk(Iterator& it, const std::vector<ViewEntry>& view, const std::string& where,
                   std::ptrdiff_t* pos, std::string* path) {
    const auto n = static_cast<std::ptrdiff_t>(view.size());
    bool forward = rnd_.OneIn(2);
    const int steps = static_cast<int>(rnd_.Range(0, 60));
    for (int step = 0;; ++step) {
      const bool valid = *pos >= 0 && *pos < n;
      const std::string got = IterEntry(it);
      const std::string want =
          valid ? Escape(view[*pos].first) + "=" + Escape(view[*pos].second) : "(invalid)";
      if (got != want) {
        return where + " after " + *path + ": expected " + want.substr(0, 80) + " got " +
               got.substr(0, 80);
      }
      if (!valid || step == steps) {
        break;
      }
      if (rnd_.OneIn(15)) {
        forward = !forward;
      }
      if (forward) {
        it.Next();
        ++*pos;
        *path += " Next";
      } else {
        it.Prev();
        --*pos;
        *path += " Prev";
      }
      if (path->size() > 300) {
        *path = "..." + path->substr(path->size() - 200);
      }
    }
    if (!it.status().ok()) {
      return where + ": status " + it.status().ToString();
    }
    return "";
  }

  // Walks a new iterator over a random range in a random direction, with a
  // random number of steps and the odd direction switch.
  std::string CheckIteratorIn(const Model& m, const Snapshot* snap) {
    ReadOptions ro;
    ro.snapshot = snap;
    RandomBounds(&ro);
    const std::vector<ViewEntry> view = MakeView(m, ro);
    const std::string where = std::string(snap ? "snapshot " : "") + "iterator " +
                              BoundsText(ro.lower_bound, ro.upper_bound);
    auto it = db().NewIterator(ro);
    std::string path;
    std::ptrdiff_t pos = RandomSeek(*it, view, &path);
    return Walk(*it, view, where, &pos, &path);
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
    // A snapshot must outlive the iterators reading at it: held iterators
    // on this snapshot get their full check and go first.
    for (std::size_t h = 0; h < held_.size();) {
      if (held_[h]->snapshot == snapshots_[i].snapshot) {
        std::string err = VerifyAndReleaseHeld(h);
        if (!err.empty()) {
          return err;
        }
      } else {
        ++h;
      }
    }
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
    ++manual_compactions_;
    Status s = db().CompactAll();
    return s.ok() ? "" : Fail(s, "CompactAll");
  }

  // CompactRange over random inclusive bounds, either end sometimes open:
  // mostly a narrow range of the key list, sometimes a wide one or a single
  // key. Now and then the bounds are swapped: InvalidArgument.
  std::string DoCompactRange() {
    std::string a;
    std::string b;
    if (rnd_.OneIn(3)) {
      a = RandomKey();
      b = RandomKey();
      if (b < a) {
        std::swap(a, b);
      }
    } else {
      std::tie(a, b) = RandomRange();
    }
    if (rnd_.OneIn(5)) {
      b = a;
    }
    std::optional<std::string> begin;
    std::optional<std::string> end;
    if (!rnd_.OneIn(6)) {
      begin = a;
    }
    if (!rnd_.OneIn(6)) {
      end = b;
    }
    const bool reversed = begin && end && *begin < *end && rnd_.OneIn(20);
    if (reversed) {
      std::swap(*begin, *end);
    }
    const std::string text = "CompactRange [" + (begin ? Escape(*begin) : std::string("-inf")) +
                             ", " + (end ? Escape(*end) : std::string("+inf")) + "]";
    Log(text);
    manual_compactions_ += reversed ? 0 : 1;
    Status s = db().CompactRange(begin ? std::optional<std::string_view>(*begin) : std::nullopt,
                                 end ? std::optional<std::string_view>(*end) : std::nullopt);
    if (reversed) {
      return s.IsInvalidArgument()
                 ? ""
                 : text + " with begin > end: expected InvalidArgument, got " + s.ToString();
    }
    return s.ok() ? "" : Fail(s, text);
  }

  // Reads a numeric property into *out; "" or what went wrong.
  std::string NumericProperty(const std::string& name, std::uint64_t* out) {
    std::string value;
    if (!db().GetProperty(name, &value)) {
      return "property " + name + " unknown";
    }
    char* end = nullptr;
    *out = std::strtoull(value.c_str(), &end, 10);
    if (value.empty() || *end != '\0') {
      return "property " + name + " is not a number: " + Escape(value);
    }
    return "";
  }

  // Adds this open's aeternus.num-compactions to the total.
  std::string CountCompactions() {
    std::uint64_t n = 0;
    std::string err = NumericProperty("aeternus.num-compactions", &n);
    compactions_ += n;
    return err;
  }

  // WaitForCompactions; then, with no writer, the tree must be settled:
  // nothing runs, nothing is pending, the per-level counts add up to the
  // table count, leveled level 0 is under its trigger and tiered keeps
  // every table in level 0.
  std::string DoWaitForCompactions() {
    Log("WaitForCompactions");
    Status s = WaitForCompactionsWatched(db(), Report("WaitForCompactions"));
    if (!s.ok()) {
      return Fail(s, "WaitForCompactions");
    }
    std::uint64_t files = 0;
    std::uint64_t running = 0;
    std::uint64_t pending = 0;
    std::uint64_t levels[7] = {};
    std::uint64_t sum = 0;
    std::string err = NumericProperty("aeternus.num-files", &files);
    if (err.empty()) {
      err = NumericProperty("aeternus.num-running-compactions", &running);
    }
    if (err.empty()) {
      err = NumericProperty("aeternus.pending-compaction-bytes", &pending);
    }
    for (int level = 0; level < 7 && err.empty(); ++level) {
      err = NumericProperty("aeternus.num-files-at-level" + std::to_string(level), &levels[level]);
      sum += levels[level];
    }
    if (!err.empty()) {
      return "after WaitForCompactions: " + err;
    }
    std::string per_level;
    for (int level = 0; level < 7; ++level) {
      per_level += (level == 0 ? "" : " ") + std::to_string(levels[level]);
    }
    const std::string state = " (tables " + std::to_string(files) + ", per level " + per_level +
                              ", pending bytes " + std::to_string(pending) + ", running " +
                              std::to_string(running) + ")";
    if (running != 0) {
      return "after WaitForCompactions a compaction is still running" + state;
    }
    if (pending != 0) {
      return "after WaitForCompactions compaction bytes are still pending" + state;
    }
    if (sum != files) {
      return "after WaitForCompactions the per-level table counts do not add up" + state;
    }
    const Options& o = *mix_->options;
    if (o.compaction_style == CompactionStyle::kLeveled &&
        levels[0] >= static_cast<std::uint64_t>(o.l0_compaction_trigger)) {
      return "after WaitForCompactions level 0 is at its compaction trigger" + state;
    }
    if (o.compaction_style == CompactionStyle::kTiered && mix_->check_tiered_levels &&
        levels[0] != files) {
      return "after WaitForCompactions a tiered table is outside level 0" + state;
    }
    return "";
  }

  // A new iterator over random bounds (sometimes at a held snapshot), kept
  // open for later checks. Half are positioned and checked now; the others
  // see their first seek only after later operations.
  std::string HoldIterator() {
    if (held_.size() >= 4) {
      return ReleaseHeldIterator();
    }
    auto h = std::make_unique<HeldIterator>();
    h->number = held_made_++;
    h->created = op_;
    ReadOptions ro;
    const Model* source = &model_;
    if (!snapshots_.empty() && rnd_.OneIn(4)) {
      const auto& snap = snapshots_[rnd_.Uniform(snapshots_.size())];
      ro.snapshot = snap.snapshot;
      h->snapshot = snap.snapshot;
      source = &snap.model;
    }
    RandomBounds(&ro);
    h->lower = ro.lower_bound;
    h->upper = ro.upper_bound;
    for (auto x = ro.lower_bound ? source->lower_bound(*ro.lower_bound) : source->begin();
         x != source->end() && (!ro.upper_bound || x->first < *ro.upper_bound); ++x) {
      h->model.emplace_hint(h->model.end(), *x);
    }
    h->view = MakeView(h->model, ReadOptions());
    Log("NewIterator held #" + std::to_string(h->number) + (h->snapshot ? " at a snapshot " : " ") +
        BoundsText(h->lower, h->upper) + ", " + std::to_string(h->view.size()) + " entries");
    h->it = db().NewIterator(ro);
    std::string err;
    if (rnd_.OneIn(2)) {
      std::string path;
      h->pos = RandomSeek(*h->it, h->view, &path);
      err = Walk(*h->it, h->view, HeldName(*h), &h->pos, &path);
    }
    held_.push_back(std::move(h));
    return err;
  }

  std::string HeldName(const HeldIterator& h) {
    return "held iterator #" + std::to_string(h.number) + " (made at operation " +
           std::to_string(h.created) + (h.snapshot ? ", at a snapshot" : "") + ") " +
           BoundsText(h.lower, h.upper);
  }

  // Moves a held iterator on from where it was left (or from a new random
  // seek) and checks what it shows against the model of its creation.
  std::string CheckHeldIterator() {
    if (held_.empty()) {
      return "";
    }
    HeldIterator& h = *held_[rnd_.Uniform(held_.size())];
    const bool valid = h.pos >= 0 && h.pos < static_cast<std::ptrdiff_t>(h.view.size());
    std::string path;
    if (!valid || rnd_.OneIn(3)) {
      h.pos = RandomSeek(*h.it, h.view, &path);
    } else {
      path = "(left at " + Escape(h.view[h.pos].first) + ")";
    }
    return Walk(*h.it, h.view, HeldName(h), &h.pos, &path);
  }

  std::string ReleaseHeldIterator() {
    if (held_.empty()) {
      return "";
    }
    return VerifyAndReleaseHeld(rnd_.Uniform(held_.size()));
  }

  // A full pass over held iterator `i`, forward then backward, must give
  // exactly the model of its creation; then the iterator is destroyed.
  std::string VerifyAndReleaseHeld(std::size_t i) {
    HeldIterator& h = *held_[i];
    Log("release held iterator #" + std::to_string(h.number));
    Iterator& it = *h.it;
    const auto& view = h.view;
    std::size_t n = 0;
    for (it.SeekToFirst(); it.Valid(); it.Next(), ++n) {
      if (n >= view.size() || it.key() != view[n].first || it.value() != view[n].second) {
        return HeldName(h) + " full forward pass: got " + IterEntry(it).substr(0, 80) +
               ", expected " + (n >= view.size() ? "(end)" : Escape(view[n].first));
      }
    }
    if (n != view.size()) {
      return HeldName(h) + " full forward pass ended before " + Escape(view[n].first) +
             "; status " + it.status().ToString();
    }
    n = 0;
    for (it.SeekToLast(); it.Valid(); it.Prev(), ++n) {
      const std::size_t want = view.size() - 1 - n;
      if (n >= view.size() || it.key() != view[want].first || it.value() != view[want].second) {
        return HeldName(h) + " full backward pass: got " + IterEntry(it).substr(0, 80) +
               ", expected " + (n >= view.size() ? "(end)" : Escape(view[want].first));
      }
    }
    if (n != view.size()) {
      return HeldName(h) + " full backward pass ended before " +
             Escape(view[view.size() - 1 - n].first) + "; status " + it.status().ToString();
    }
    if (!it.status().ok()) {
      return HeldName(h) + " full pass status " + it.status().ToString();
    }
    held_.erase(held_.begin() + static_cast<std::ptrdiff_t>(i));
    return "";
  }

  std::string VerifyAndReleaseHeldIterators() {
    while (!held_.empty()) {
      std::string err = VerifyAndReleaseHeld(held_.size() - 1);
      if (!err.empty()) {
        return err;
      }
    }
    return "";
  }

  std::string DoReopen() {
    // Iterators must go before Close: each gets its full check first.
    std::string err = VerifyAndReleaseHeldIterators();
    if (err.empty() && mix_) {
      err = CountCompactions();
    }
    if (!err.empty()) {
      return err;
    }
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
  std::optional<CompactionMix> mix_;
  Model model_;
  std::vector<HeldSnapshot> snapshots_;
  std::vector<std::unique_ptr<HeldIterator>> held_;
  std::deque<std::string> log_;
  int op_ = 0;
  int reopens_ = 0;
  int flushes_ = 0;
  std::uint64_t compactions_ = 0;
  int manual_compactions_ = 0;
  int held_made_ = 0;
};

struct RunSpec {
  // Add the compaction operations (held iterators, CompactRange,
  // CompactAll, WaitForCompactions) to the mix.
  bool compaction_mix = false;
  // Alternate the compaction style at every reopen.
  bool switch_style_at_reopen = false;
};

class DBModelTest : public DBTestBase {
 protected:
  void RunModel(std::uint64_t seed, int ops, RunSpec spec = {}) {
    ASSERT_OK(Open());
    DB* raw = db_.get();
    std::optional<CompactionMix> mix;
    if (spec.compaction_mix) {
      mix = CompactionMix{&options_, !spec.switch_style_at_reopen};
    }
    ModelRun run(
        &raw,
        [&]() {
          Status s = Close();
          if (spec.switch_style_at_reopen) {
            options_.compaction_style = options_.compaction_style == CompactionStyle::kLeveled
                                            ? CompactionStyle::kTiered
                                            : CompactionStyle::kLeveled;
          }
          if (s.ok()) {
            s = Open();
          }
          raw = db_.get();
          return s;
        },
        seed, mix);
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
    if (spec.compaction_mix) {
      std::printf("[ model    ]   %llu compactions (%d of them manual calls), %d iterators held\n",
                  static_cast<unsigned long long>(run.compactions()), run.manual_compactions(),
                  run.held_iterators());
      // The run is only worth its time if the background kept compacting:
      // far more compactions than the manual calls made.
      EXPECT_GE(run.compactions(), static_cast<std::uint64_t>(run.manual_compactions()) +
                                       static_cast<std::uint64_t>(ops / 2000))
          << "too few compactions for seed " << seed;
    }
  }

  // Background compaction that never rests: 64 KiB memtables and tables cut
  // at target_file_size, with level 0 compacted at two tables and level 1
  // holding only a few tables.
  static Options LeveledChurn(std::uint64_t target_file_size = 16u << 10,
                              std::uint64_t level_base = 128u << 10, int multiplier = 2) {
    Options o = SmallOptions();
    o.compaction_style = CompactionStyle::kLeveled;
    o.target_file_size = target_file_size;
    o.l0_compaction_trigger = 2;
    o.max_bytes_for_level_base = level_base;
    o.level_size_multiplier = multiplier;
    return o;
  }

  // Same for the tiered style: every flushed table falls in the small
  // bucket, which is merged as soon as it holds min_merge_width tables.
  static Options TieredChurn(int min_merge_width = 2, int max_merge_width = 4) {
    Options o = SmallOptions();
    o.compaction_style = CompactionStyle::kTiered;
    o.target_file_size = 16u << 10;
    o.tiered_small_table_size = 32u << 10;
    o.min_merge_width = min_merge_width;
    o.max_merge_width = max_merge_width;
    o.tombstone_compaction_ratio = 0.2;
    return o;
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

// Memtables with a hash index over every key, then with one that fills
// after 48 keys (the rest found through the skip list).
TEST_F(DBModelTest, RandomOperationsMatchModelWithMemTableHashIndex) {
  options_.write_buffer_size = kSmallWriteBuffer;
  options_.memtable_hash_index_size_ratio = 0.25;
  RunModel(TestSeed(5), 50000);
  ASSERT_OK(Close());
  dbname_ = tmp_.Sub("partial_index");
  options_.memtable_hash_index_size_ratio = 64.0 * 8 / static_cast<double>(kSmallWriteBuffer);
  RunModel(TestSeed(6), 30000);
}

// The long variant runs only with AETERNUS_LONG_TESTS=1 (CTest label long).
TEST_F(DBModelTest, RandomOperationsMatchModelLong) {
  if (!LongTestsEnabled()) {
    GTEST_SKIP() << "set AETERNUS_LONG_TESTS=1 to run";
  }
  // More seeds rather than longer runs, each seed with its own key set and
  // operation mix. Background compaction runs at its default sizes here
  // (level 0 is merged down as flushes fill it); the WithCompaction
  // variants below use sizes that keep it running all the time.
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

// Background compaction of each style running constantly under the model
// run, with iterators and snapshots held across compactions and manual
// CompactRange / CompactAll calls among the operations.
TEST_F(DBModelTest, RandomOperationsMatchModelWithLeveledCompaction) {
  options_ = LeveledChurn();
  RunModel(TestSeed(3), 100000, {.compaction_mix = true});
}

TEST_F(DBModelTest, RandomOperationsMatchModelWithTieredCompaction) {
  options_ = TieredChurn();
  RunModel(TestSeed(4), 100000, {.compaction_mix = true});
}

// The style may change between opens: tables one style left behind are
// taken over by the other.
TEST_F(DBModelTest, RandomOperationsMatchModelSwitchingCompactionStyle) {
  options_ = LeveledChurn();
  options_.tiered_small_table_size = 32u << 10;
  options_.min_merge_width = 2;
  options_.max_merge_width = 4;
  RunModel(TestSeed(5), 20000, {.compaction_mix = true, .switch_style_at_reopen = true});
}

// The long variant runs only with AETERNUS_LONG_TESTS=1 (CTest label long):
// more seeds and longer runs over several sizings of each style.
TEST_F(DBModelTest, RandomOperationsMatchModelWithCompactionLong) {
  if (!LongTestsEnabled()) {
    GTEST_SKIP() << "set AETERNUS_LONG_TESTS=1 to run";
  }
  struct Sizing {
    const char* name;
    Options options;
  };
  const Sizing sizings[] = {
      {"leveled, 16 KiB tables, base 128 KiB, x2", LeveledChurn(16u << 10, 128u << 10, 2)},
      {"tiered, merge width 2..4", TieredChurn(2, 4)},
      {"leveled, 32 KiB tables, base 256 KiB, x4", LeveledChurn(32u << 10, 256u << 10, 4)},
      {"tiered, merge width 3..6", TieredChurn(3, 6)},
      {"leveled, 64 KiB tables, base 128 KiB, x3", LeveledChurn(64u << 10, 128u << 10, 3)},
      {"tiered, merge width 4..8", TieredChurn(4, 8)},
  };
  const std::uint64_t first = TestSeed(201);
  std::uint64_t seed = first;
  for (int pass = 0; pass < 3; ++pass) {
    for (const Sizing& sizing : sizings) {
      SCOPED_TRACE(std::string(sizing.name) + ", seed " + std::to_string(seed));
      std::printf("[ model    ] %s\n", sizing.name);
      options_ = sizing.options;
      dbname_ = tmp_.Sub("db" + std::to_string(seed));
      RunModel(seed, 400000, {.compaction_mix = true});
      if (HasFatalFailure()) {
        return;
      }
      ASSERT_OK(Close());
      ++seed;
    }
  }
  SCOPED_TRACE("style switches, seed " + std::to_string(seed));
  options_ = LeveledChurn();
  options_.tiered_small_table_size = 32u << 10;
  options_.min_merge_width = 2;
  dbname_ = tmp_.Sub("db" + std::to_string(seed));
  RunModel(seed, 300000, {.compaction_mix = true, .switch_style_at_reopen = true});
}

}  // namespace
}  // namespace aeternus::test
