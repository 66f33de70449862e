// Corruption sweep: a database closed cleanly (tables on two levels, synced
// writes in the WAL, a manifest, CURRENT) is damaged in one way per case,
// on an in-memory file system: one bit flipped (at every offset of the
// small files, at 300 offsets of each large one), the file truncated, a
// range zeroed, the file removed, or two files' contents swapped. Each case
// must either fail Open with Corruption (or NotSupported, for a flipped
// format version), or open and answer every read with the right value or
// an error: never a wrong value, a lost key or a deleted one back, as if
// good. About 2,000 cases.

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <functional>
#include <map>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "aeternus/db.h"
#include "aeternus/iterator.h"

#include "db/db_impl.h"
#include "env/file_system.h"
#include "env/mem_file_system.h"

namespace aeternus {
namespace {

constexpr const char* kDbName = "/db";

std::string Key(int i) {
  char buf[16];
  std::snprintf(buf, sizeof(buf), "key%06d", i);
  return buf;
}

using Files = std::map<std::string, std::string>;  // name -> contents

struct Tally {
  int cases = 0;
  int open_refused = 0;   // Open returned Corruption or NotSupported
  int reads_refused = 0;  // opened; some read returned an error
  int harmless = 0;       // opened; every read right
};

class DBCorruptionSweepTest : public ::testing::Test {
 protected:
  void SetUp() override {
    options_.write_buffer_size = 64 << 10;
    options_.target_file_size = 32 << 10;
    options_.l0_compaction_trigger = 2;
    MemFileSystem mem;
    std::unique_ptr<DB> db;
    ASSERT_TRUE(DBImpl::Open(options_, kDbName, &mem, &db).ok());
    std::mt19937 rng(5);
    WriteOptions synced;
    synced.sync = true;
    // Tables: keys written, some overwritten, some deleted, flushed and
    // compacted; then synced writes that stay in the WAL.
    for (int round = 0; round < 3; ++round) {
      for (int i = 0; i < 1500; ++i) {
        const int k = static_cast<int>(rng() % 2000);
        const std::string v = "v" + std::to_string(round) + "-" + std::to_string(i) +
                              std::string(20 + rng() % 60, 'a' + static_cast<char>(k % 26));
        ASSERT_TRUE(db->Put(WriteOptions(), Key(k), v).ok());
        model_[Key(k)] = v;
      }
      for (int i = 0; i < 100; ++i) {
        const int k = static_cast<int>(rng() % 2000);
        ASSERT_TRUE(db->Delete(WriteOptions(), Key(k)).ok());
        model_.erase(Key(k));
      }
      ASSERT_TRUE(db->Flush().ok());
    }
    ASSERT_TRUE(db->DeleteRange(WriteOptions(), Key(100), Key(140)).ok());
    model_.erase(model_.lower_bound(Key(100)), model_.lower_bound(Key(140)));
    ASSERT_TRUE(db->Flush().ok());
    ASSERT_TRUE(db->WaitForCompactions().ok());
    for (int i = 0; i < 200; ++i) {  // one level-0 table above level 1
      const int k = static_cast<int>(rng() % 2000);
      const std::string v = "l0-" + std::to_string(i);
      ASSERT_TRUE(db->Put(WriteOptions(), Key(k), v).ok());
      model_[Key(k)] = v;
    }
    ASSERT_TRUE(db->Flush().ok());
    for (int i = 0; i < 300; ++i) {
      const int k = 2000 + i;
      const std::string v = "wal-" + std::to_string(i) + std::string(rng() % 50, 'w');
      ASSERT_TRUE(db->Put(synced, Key(k), v).ok());
      model_[Key(k)] = v;
    }
    ASSERT_TRUE(db->Delete(synced, Key(7)).ok());
    model_.erase(Key(7));
    ASSERT_TRUE(db->Close().ok());
    db.reset();

    std::vector<std::string> names;
    ASSERT_TRUE(mem.GetChildren(kDbName, &names).ok());
    for (const std::string& name : names) {
      if (name == "LOCK") {
        continue;
      }
      ASSERT_TRUE(ReadFileToString(&mem, Path(name), &pristine_[name]).ok());
    }
    // The sweep means something only if every kind of file is there.
    int tables = 0;
    bool wal = false;
    bool manifest = false;
    for (const auto& [name, contents] : pristine_) {
      tables += name.ends_with(".sst") ? 1 : 0;
      wal = wal || (name.ends_with(".log") && contents.size() > 1000);
      manifest = manifest || name.starts_with("MANIFEST-");
    }
    ASSERT_GE(tables, 2);
    ASSERT_TRUE(wal && manifest && pristine_.contains("CURRENT"));
  }

  static std::string Path(const std::string& name) { return std::string(kDbName) + "/" + name; }

  // Opens `files` and checks every read; false (after ADD_FAILURE) when
  // the database answered wrongly as if good.
  bool Check(const std::string& what, const Files& files) {
    ++tally_.cases;
    MemFileSystem mem;
    EXPECT_TRUE(mem.CreateDir(kDbName).ok());
    for (const auto& [name, contents] : files) {
      std::unique_ptr<WritableFile> f;
      EXPECT_TRUE(mem.NewWritableFile(Path(name), &f).ok());
      EXPECT_TRUE(f->Append(contents).ok());
      EXPECT_TRUE(f->Close().ok());
    }
    std::unique_ptr<DB> db;
    const Status open = DBImpl::Open(options_, kDbName, &mem, &db);
    if (!open.ok()) {
      if (open.IsCorruption() || open.IsNotSupported()) {
        ++tally_.open_refused;
        return true;
      }
      ADD_FAILURE() << what << ": Open returned " << open.ToString();
      return false;
    }
    bool refused = false;
    for (const auto& [key, value] : model_) {
      std::string got;
      const Status s = db->Get(ReadOptions(), key, &got);
      if (s.ok() && got == value) {
        continue;
      }
      if (s.IsCorruption() || s.IsIOError()) {
        refused = true;
        continue;
      }
      ADD_FAILURE() << what << ": Get(" << key << ") returned "
                    << (s.ok() ? "a wrong value" : s.ToString());
      return false;
    }
    for (int k : {7, 100, 139, 1999, 2299, 5000}) {  // deleted or never written
      if (model_.contains(Key(k))) {
        continue;
      }
      std::string got;
      const Status s = db->Get(ReadOptions(), Key(k), &got);
      if (s.ok()) {
        ADD_FAILURE() << what << ": deleted or absent " << Key(k) << " was found";
        return false;
      }
      refused = refused || !s.IsNotFound();
    }
    std::unique_ptr<Iterator> it = db->NewIterator(ReadOptions());
    auto expected = model_.begin();
    for (it->SeekToFirst(); it->Valid(); it->Next(), ++expected) {
      if (expected == model_.end() || it->key() != expected->first ||
          it->value() != expected->second) {
        ADD_FAILURE() << what << ": a scan gave " << std::string(it->key()) << " where "
                      << (expected == model_.end() ? "the end" : expected->first)
                      << " (or its value) was due";
        return false;
      }
    }
    if (!it->status().ok()) {
      refused = true;
    } else if (expected != model_.end()) {
      ADD_FAILURE() << what << ": a scan ended early, before " << expected->first;
      return false;
    }
    ++(refused ? tally_.reads_refused : tally_.harmless);
    return true;
  }

  // Runs `damage` on a copy of the pristine files and checks the result.
  bool Case(const std::string& what, const std::function<void(Files&)>& damage) {
    Files files = pristine_;
    damage(files);
    return Check(what, files);
  }

  Options options_;
  std::map<std::string, std::string> model_;
  Files pristine_;
  Tally tally_;
};

TEST_F(DBCorruptionSweepTest, EveryDamageIsRefusedOrHarmless) {
  std::mt19937 rng(17);
  std::vector<std::string> names;
  for (const auto& [name, contents] : pristine_) {
    names.push_back(name);
  }
  for (const std::string& name : names) {
    const std::size_t size = pristine_[name].size();
    // One bit flipped: every offset of a small file, 300 of a large one.
    std::vector<std::size_t> offsets;
    if (size <= 600) {
      for (std::size_t o = 0; o < size; ++o) {
        offsets.push_back(o);
      }
    } else {
      for (int i = 0; i < 300; ++i) {
        offsets.push_back(i < 150 ? size * static_cast<std::size_t>(i) / 150 : rng() % size);
      }
      for (std::size_t tail = 1; tail <= 48 && tail <= size; ++tail) {
        offsets.push_back(size - tail);  // footers, trailers, the last record
      }
    }
    for (std::size_t o : offsets) {
      const int bit = static_cast<int>(o % 8);
      EXPECT_TRUE(Case(name + ": bit " + std::to_string(bit) + " of byte " + std::to_string(o) +
                           " flipped",
                       [&](Files& f) { f[name][o] ^= static_cast<char>(1 << bit); }));
    }
    // Truncated.
    std::vector<std::size_t> lengths = {0, size / 2, size > 0 ? size - 1 : 0};
    for (int i = 0; i < 10 && size > 0; ++i) {
      lengths.push_back(rng() % size);
    }
    for (std::size_t n : lengths) {
      EXPECT_TRUE(Case(name + ": truncated to " + std::to_string(n) + " bytes",
                       [&](Files& f) { f[name].resize(n); }));
    }
    // A range zeroed.
    for (int i = 0; i < 9 && size > 0; ++i) {
      const std::size_t len = std::min<std::size_t>(i == 0 ? 4096 : 64, size);
      const std::size_t at = rng() % (size - len + 1);
      EXPECT_TRUE(Case(name + ": " + std::to_string(len) + " bytes zeroed at " + std::to_string(at),
                       [&](Files& f) { std::fill_n(f[name].begin() + static_cast<long>(at), len, '\0'); }));
    }
    // Removed.
    EXPECT_TRUE(Case(name + ": removed", [&](Files& f) { f.erase(name); }));
  }
  // Two files' contents swapped.
  for (std::size_t i = 0; i < names.size(); ++i) {
    for (std::size_t j = i + 1; j < names.size(); ++j) {
      EXPECT_TRUE(Case(names[i] + " and " + names[j] + ": contents swapped",
                       [&](Files& f) { std::swap(f[names[i]], f[names[j]]); }));
    }
  }
  EXPECT_GE(tally_.cases, 2000);
  std::printf("%d cases: %d refused at Open, %d opened with reads refused, %d harmless\n",
              tally_.cases, tally_.open_refused, tally_.reads_refused, tally_.harmless);
}

}  // namespace
}  // namespace aeternus
