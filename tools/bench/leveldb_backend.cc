// Backend over LevelDB, configured like AeternusDB where LevelDB has the
// knob (docs/benchmarks.md, "Equal configuration"). LevelDB fixes some
// settings in its code; Describe() lists them as such.

#include <leveldb/cache.h>
#include <leveldb/db.h>
#include <leveldb/filter_policy.h>
#include <leveldb/options.h>
#include <leveldb/write_batch.h>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <sstream>
#include <string>
#include <thread>

#include "backend.h"

namespace aeternus::bench {
namespace {

// Constants of LevelDB 1.23 (db/dbformat.h, db/version_set.cc), which its
// Options do not expose.
constexpr int kL0CompactionTrigger = 4;
constexpr int kL0SlowdownWritesTrigger = 8;
constexpr int kL0StopWritesTrigger = 12;
constexpr int kNumLevels = 7;
constexpr double kMaxBytesForLevel1 = 10.0 * 1048576.0;  // x10 per level below

// WaitForIdle: poll period, and how many polls in a row must see the same
// files before the store counts as idle.
constexpr auto kIdlePollPeriod = std::chrono::milliseconds(50);
constexpr int kIdleQuietPolls = 10;

// How DeleteRange is done, as the report and the settings show it.
constexpr std::string_view kDeleteRangeEmulation =
    "emulated: iterator over the range + one batch of deletes";

Status ToStatus(const leveldb::Status& s) {
  if (s.ok()) {
    return Status::OK();
  }
  const std::string what = "leveldb: " + s.ToString();
  if (s.IsNotFound()) {
    return Status::NotFound(what);
  }
  if (s.IsCorruption()) {
    return Status::Corruption(what);
  }
  if (s.IsNotSupportedError()) {
    return Status::NotSupported(what);
  }
  if (s.IsInvalidArgument()) {
    return Status::InvalidArgument(what);
  }
  return Status::IOError(what);
}

// leveldb::Options with the cache and filter policy it points to.
struct OwnedOptions {
  leveldb::Options options;
  std::unique_ptr<leveldb::Cache> cache;
  std::unique_ptr<const leveldb::FilterPolicy> filter;
};

std::unique_ptr<OwnedOptions> MakeOptions(const EngineConfig& config) {
  auto owned = std::make_unique<OwnedOptions>();
  leveldb::Options& o = owned->options;
  o.create_if_missing = true;
  o.write_buffer_size = config.write_buffer_size;
  o.max_file_size = config.target_file_size;  // LevelDB's default is 2 MiB
  o.block_size = config.block_size;
  owned->cache.reset(leveldb::NewLRUCache(config.cache_size));
  o.block_cache = owned->cache.get();
  if (config.bloom_bits > 0) {
    owned->filter.reset(leveldb::NewBloomFilterPolicy(config.bloom_bits));
    o.filter_policy = owned->filter.get();
  }
  // LevelDB 1.23 offers snappy only; Open refuses zstd and lz4.
  o.compression = leveldb::kNoCompression;
  return owned;
}

class LevelDbBatch final : public Batch {
 public:
  void Put(std::string_view key, std::string_view value) override {
    batch_.Put(leveldb::Slice(key.data(), key.size()), leveldb::Slice(value.data(), value.size()));
  }
  void Delete(std::string_view key) override {
    batch_.Delete(leveldb::Slice(key.data(), key.size()));
  }
  void Clear() override { batch_.Clear(); }
  leveldb::WriteBatch* native() { return &batch_; }

 private:
  leveldb::WriteBatch batch_;
};

class LevelDbCursor final : public Cursor {
 public:
  explicit LevelDbCursor(leveldb::Iterator* it) : it_(it) {}
  void SeekToFirst() override { it_->SeekToFirst(); }
  void SeekToLast() override { it_->SeekToLast(); }
  void Seek(std::string_view target) override {
    it_->Seek(leveldb::Slice(target.data(), target.size()));
  }
  void Next() override { it_->Next(); }
  void Prev() override { it_->Prev(); }
  bool Valid() const override { return it_->Valid(); }
  std::string_view key() const override {
    const leveldb::Slice k = it_->key();
    return {k.data(), k.size()};
  }
  std::string_view value() const override {
    const leveldb::Slice v = it_->value();
    return {v.data(), v.size()};
  }
  Status status() const override { return ToStatus(it_->status()); }

 private:
  std::unique_ptr<leveldb::Iterator> it_;
};

// True when LevelDB's own rules would start a size compaction: level 0 has
// kL0CompactionTrigger tables, or a level holds more than its limit.
// `sstables` is the "leveldb.sstables" property: a "--- level N ---" line
// per level, then " <number>:<size>[<key range>]" per table.
bool SizeCompactionDue(const std::string& sstables) {
  std::istringstream in(sstables);
  int level = -1;
  int files[kNumLevels] = {};
  double bytes[kNumLevels] = {};
  for (std::string line; std::getline(in, line);) {
    if (line.starts_with("--- level ")) {
      level = std::stoi(line.substr(10));
      continue;
    }
    const std::size_t colon = line.find(':');
    if (level < 0 || level >= kNumLevels || colon == std::string::npos) {
      continue;
    }
    ++files[level];
    bytes[level] += std::stod(line.substr(colon + 1));
  }
  if (files[0] >= kL0CompactionTrigger) {
    return true;
  }
  double limit = kMaxBytesForLevel1;
  for (int l = 1; l < kNumLevels - 1; ++l, limit *= 10) {
    if (bytes[l] >= limit) {
      return true;
    }
  }
  return false;
}

// Names and sizes of the files in `dir`, to see a flush or compaction that
// is writing its output.
std::string DirectorySignature(const std::string& dir) {
  std::string signature;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(dir, ec)) {
    std::error_code size_ec;
    const auto size = entry.file_size(size_ec);
    signature += entry.path().filename().string() + ":" +
                 (size_ec ? std::string("?") : std::to_string(size)) + "\n";
  }
  return signature;
}

class LevelDbBackend final : public Backend {
 public:
  std::string_view name() const override { return "leveldb"; }

  std::vector<Setting> Describe(const EngineConfig& config) const override {
    const std::unique_ptr<OwnedOptions> owned = MakeOptions(config);
    const leveldb::Options& o = owned->options;
    const std::string compression = config.compression == Compression::kNone
                                        ? "none"
                                        : std::string(CompressionName(config.compression)) +
                                              " not available in LevelDB: backend skipped";
    return {
        {"version",
         std::to_string(leveldb::kMajorVersion) + "." + std::to_string(leveldb::kMinorVersion)},
        {"wal", "on"},
        {"WriteOptions.sync", FormatBool(config.sync)},
        {"DeleteRange", std::string(kDeleteRangeEmulation)},
        {"ReadOptions.verify_checksums", FormatBool(config.verify_checksums)},
        {"write_buffer_size", FormatBytes(o.write_buffer_size)},
        {"memtables", "1 active + 1 frozen (fixed)"},
        {"block_size", FormatBytes(o.block_size)},
        {"block_cache (NewLRUCache)", FormatBytes(config.cache_size)},
        {"filter_policy", o.filter_policy != nullptr ? o.filter_policy->Name() : "none"},
        {"bloom bits/key", std::to_string(config.bloom_bits)},
        {"compression", compression},
        {"background threads", "1 (fixed)"},
        {"compaction", "leveled (fixed)"},
        {"max_file_size", FormatBytes(o.max_file_size)},
        {"level-1 size limit", "10 MiB (fixed), x10 per level"},
        {"level-0 triggers",
         std::to_string(kL0CompactionTrigger) + "/" + std::to_string(kL0SlowdownWritesTrigger) +
             "/" + std::to_string(kL0StopWritesTrigger) + " compaction/slowdown/stop (fixed)"},
        {"paranoid_checks", FormatBool(o.paranoid_checks)},
        {"max_open_files", std::to_string(o.max_open_files)},
        {"idle detection", "no size compaction due, files unchanged for " +
                               std::to_string(kIdleQuietPolls * kIdlePollPeriod.count()) + " ms"},
    };
  }

  Status Open(const std::string& dir, const EngineConfig& config) override {
    if (config.compression != Compression::kNone) {
      return Status::NotSupported("LevelDB 1.23 has no " +
                                  std::string(CompressionName(config.compression)) +
                                  " compression (snappy only)");
    }
    dir_ = dir;
    write_options_.sync = config.sync;
    sync_write_options_.sync = true;
    read_options_.verify_checksums = config.verify_checksums;
    options_ = MakeOptions(config);
    leveldb::DB* db = nullptr;
    leveldb::Status s = leveldb::DB::Open(options_->options, dir, &db);
    db_.reset(db);
    return ToStatus(s);
  }

  Status Put(std::string_view key, std::string_view value, Sync sync) override {
    return ToStatus(db_->Put(WriteOptionsFor(sync), leveldb::Slice(key.data(), key.size()),
                             leveldb::Slice(value.data(), value.size())));
  }
  Status Delete(std::string_view key, Sync sync) override {
    return ToStatus(db_->Delete(WriteOptionsFor(sync), leveldb::Slice(key.data(), key.size())));
  }

  // LevelDB has no DeleteRange: an iterator collects the keys of [begin,
  // end) that are live now, and one batch deletes them. Unlike a range
  // tombstone this is not atomic with other writers (a key put into the
  // range between the scan and the batch survives), and its cost grows with
  // the number of live keys in the range.
  Status DeleteRange(std::string_view begin, std::string_view end, Sync sync) override {
    const leveldb::Slice limit(end.data(), end.size());
    leveldb::WriteBatch batch;
    std::unique_ptr<leveldb::Iterator> it(db_->NewIterator(read_options_));
    for (it->Seek(leveldb::Slice(begin.data(), begin.size()));
         it->Valid() && it->key().compare(limit) < 0; it->Next()) {
      batch.Delete(it->key());
    }
    leveldb::Status s = it->status();
    if (!s.ok()) {
      return ToStatus(s);
    }
    return ToStatus(db_->Write(WriteOptionsFor(sync), &batch));
  }
  std::string_view DeleteRangeEmulation() const override { return kDeleteRangeEmulation; }

  std::unique_ptr<Batch> NewBatch() override { return std::make_unique<LevelDbBatch>(); }
  Status Write(Batch& batch, Sync sync) override {
    return ToStatus(db_->Write(WriteOptionsFor(sync), static_cast<LevelDbBatch&>(batch).native()));
  }

  Status Get(std::string_view key, std::string* value, bool* found) override {
    leveldb::Status s = db_->Get(read_options_, leveldb::Slice(key.data(), key.size()), value);
    *found = s.ok();
    return s.IsNotFound() ? Status::OK() : ToStatus(s);
  }

  std::unique_ptr<Cursor> NewCursor() override {
    return std::make_unique<LevelDbCursor>(db_->NewIterator(read_options_));
  }

  // LevelDB's public API has no flush of the memtable alone.
  Status Flush() override { return Status::NotSupported("leveldb: no Flush call"); }

  // CompactRange(nullptr, nullptr) flushes the memtable and compacts each
  // level that held files beforehand into the next. But LevelDB writes a
  // memtable with all its versions, and may place it below the empty levels
  // (down to level 2), where that call does not rewrite it: everything
  // written since the last flush would keep its overwritten versions. So
  // each pass first deletes two keys that no workload writes, below and
  // above every key, which makes the next flush span the whole key range
  // and land above the data; and two passes make sure the data was already
  // in a level when the last one starts, so that it is merged into one
  // run. Deleting absent keys changes nothing a reader sees.
  Status CompactAll() override {
    for (int pass = 0; pass < 2; ++pass) {
      for (const leveldb::Slice key : {leveldb::Slice(""), leveldb::Slice("\xff", 1)}) {
        leveldb::Status s = db_->Delete(write_options_, key);
        if (!s.ok()) {
          return ToStatus(s);
        }
      }
      db_->CompactRange(nullptr, nullptr);
    }
    return Status::OK();
  }

  // LevelDB does not expose whether work is pending. The store counts as
  // idle once no size compaction is due by LevelDB's own rules and neither
  // the table list nor the files in the directory (a flush or compaction
  // writing its output) change for kIdleQuietPolls polls in a row. A seek
  // compaction (started by reads) shows up as changing files.
  Status WaitForIdle() override {
    std::string last;
    int quiet = 0;
    while (quiet < kIdleQuietPolls) {
      std::this_thread::sleep_for(kIdlePollPeriod);
      std::string sstables;
      if (!db_->GetProperty("leveldb.sstables", &sstables)) {
        return Status::IOError("leveldb: cannot read leveldb.sstables");
      }
      std::string now = sstables + DirectorySignature(dir_);
      quiet = !SizeCompactionDue(sstables) && now == last ? quiet + 1 : 0;
      last = std::move(now);
    }
    return Status::OK();
  }

  Status Close() override {
    db_.reset();  // LevelDB closes in its destructor, which reports nothing
    options_.reset();
    return Status::OK();
  }

  std::vector<std::string> EngineStats() override { return {}; }

 private:
  const leveldb::WriteOptions& WriteOptionsFor(Sync sync) const {
    return sync == Sync::kAlways ? sync_write_options_ : write_options_;
  }

  std::string dir_;
  std::unique_ptr<OwnedOptions> options_;  // outlives db_
  std::unique_ptr<leveldb::DB> db_;
  leveldb::WriteOptions write_options_;
  leveldb::WriteOptions sync_write_options_;
  leveldb::ReadOptions read_options_;
};

}  // namespace

std::unique_ptr<Backend> NewLevelDbBackend() { return std::make_unique<LevelDbBackend>(); }

}  // namespace aeternus::bench
