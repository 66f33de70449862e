// Backend over RocksDB, leveled, configured like AeternusDB
// (docs/benchmarks.md, "Equal configuration").

#include <rocksdb/cache.h>
#include <rocksdb/db.h>
#include <rocksdb/filter_policy.h>
#include <rocksdb/options.h>
#include <rocksdb/table.h>
#include <rocksdb/version.h>
#include <rocksdb/write_batch.h>

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <thread>

#include "aeternus/options.h"
#include "backend.h"

namespace aeternus::bench {
namespace {

Status ToStatus(const rocksdb::Status& s) {
  if (s.ok()) {
    return Status::OK();
  }
  const std::string what = "rocksdb: " + s.ToString();
  if (s.IsNotFound()) {
    return Status::NotFound(what);
  }
  if (s.IsCorruption()) {
    return Status::Corruption(what);
  }
  if (s.IsNotSupported()) {
    return Status::NotSupported(what);
  }
  if (s.IsInvalidArgument()) {
    return Status::InvalidArgument(what);
  }
  if (s.IsBusy()) {
    return Status::Busy(what);
  }
  return Status::IOError(what);
}

rocksdb::Options MakeOptions(const EngineConfig& config) {
  rocksdb::Options o;
  o.create_if_missing = true;
  o.write_buffer_size = config.write_buffer_size;
  // RocksDB counts the active memtable in max_write_buffer_number.
  o.max_write_buffer_number = config.max_frozen_memtables + 1;
  // The same whole-key memtable bloom filter as AeternusDB's default.
  o.memtable_prefix_bloom_size_ratio = aeternus::Options().memtable_bloom_size_ratio;
  o.memtable_whole_key_filtering = true;
  switch (config.compression) {
    case Compression::kNone:
      o.compression = rocksdb::kNoCompression;
      break;
    case Compression::kZstd:
      o.compression = rocksdb::kZSTD;
      break;
    case Compression::kLz4:
      o.compression = rocksdb::kLZ4Compression;
      break;
  }
  o.compaction_style = rocksdb::kCompactionStyleLevel;
  o.level_compaction_dynamic_level_bytes = false;
  o.target_file_size_base = config.target_file_size;
  o.target_file_size_multiplier = 1;
  o.max_bytes_for_level_base = config.max_bytes_for_level_base;
  o.max_bytes_for_level_multiplier = config.level_size_multiplier;
  o.level0_file_num_compaction_trigger = config.l0_compaction_trigger;
  o.level0_slowdown_writes_trigger = config.l0_slowdown_writes_trigger;
  o.level0_stop_writes_trigger = config.l0_stop_writes_trigger;
  o.max_background_jobs = config.background_jobs;

  rocksdb::BlockBasedTableOptions table;
  table.block_size = config.block_size;
  table.block_cache = rocksdb::NewLRUCache(config.cache_size);
  if (config.bloom_bits > 0) {
    table.filter_policy.reset(rocksdb::NewBloomFilterPolicy(config.bloom_bits));
  }
  o.table_factory.reset(rocksdb::NewBlockBasedTableFactory(table));
  return o;
}

class RocksDbBatch final : public Batch {
 public:
  void Put(std::string_view key, std::string_view value) override {
    batch_.Put(rocksdb::Slice(key.data(), key.size()), rocksdb::Slice(value.data(), value.size()))
        .PermitUncheckedError();
  }
  void Delete(std::string_view key) override {
    batch_.Delete(rocksdb::Slice(key.data(), key.size())).PermitUncheckedError();
  }
  void Clear() override { batch_.Clear(); }
  rocksdb::WriteBatch* native() { return &batch_; }

 private:
  rocksdb::WriteBatch batch_;
};

class RocksDbCursor final : public Cursor {
 public:
  explicit RocksDbCursor(rocksdb::Iterator* it) : it_(it) {}
  void SeekToFirst() override { it_->SeekToFirst(); }
  void SeekToLast() override { it_->SeekToLast(); }
  void Seek(std::string_view target) override {
    it_->Seek(rocksdb::Slice(target.data(), target.size()));
  }
  void Next() override { it_->Next(); }
  void Prev() override { it_->Prev(); }
  bool Valid() const override { return it_->Valid(); }
  std::string_view key() const override { return it_->key().ToStringView(); }
  std::string_view value() const override { return it_->value().ToStringView(); }
  Status status() const override { return ToStatus(it_->status()); }

 private:
  std::unique_ptr<rocksdb::Iterator> it_;
};

class RocksDbBackend final : public Backend {
 public:
  std::string_view name() const override { return "rocksdb"; }

  std::vector<Setting> Describe(const EngineConfig& config) const override {
    const rocksdb::Options o = MakeOptions(config);
    const auto* table = o.table_factory->GetOptions<rocksdb::BlockBasedTableOptions>();
    const std::string version = std::to_string(ROCKSDB_MAJOR) + "." +
                                std::to_string(ROCKSDB_MINOR) + "." + std::to_string(ROCKSDB_PATCH);
    return {
        {"version", version},
        {"wal", "on"},
        {"WriteOptions.sync", FormatBool(config.sync)},
        {"DeleteRange", "native (range tombstone)"},
        {"ReadOptions.verify_checksums", FormatBool(config.verify_checksums)},
        {"write_buffer_size", FormatBytes(o.write_buffer_size)},
        {"max_write_buffer_number (with active)", std::to_string(o.max_write_buffer_number)},
        {"memtable bloom (whole keys)",
         "memtable_prefix_bloom_size_ratio " + FormatRatio(o.memtable_prefix_bloom_size_ratio)},
        {"block_size", FormatBytes(table->block_size)},
        {"block_cache (LRU)", FormatBytes(table->block_cache->GetCapacity())},
        {"filter_policy", config.bloom_bits > 0
                              ? "bloom " + std::to_string(config.bloom_bits) + " bits/key"
                              : std::string("none")},
        {"compression", std::string(CompressionName(config.compression))},
        {"max_background_jobs", std::to_string(o.max_background_jobs)},
        {"compaction_style", "level"},
        {"level_compaction_dynamic_level_bytes",
         FormatBool(o.level_compaction_dynamic_level_bytes)},
        {"level0_file_num_compaction_trigger",
         std::to_string(o.level0_file_num_compaction_trigger)},
        {"level0_slowdown_writes_trigger", std::to_string(o.level0_slowdown_writes_trigger)},
        {"level0_stop_writes_trigger", std::to_string(o.level0_stop_writes_trigger)},
        {"target_file_size_base", FormatBytes(o.target_file_size_base)},
        {"max_bytes_for_level_base", FormatBytes(o.max_bytes_for_level_base)},
        {"max_bytes_for_level_multiplier", std::to_string(o.max_bytes_for_level_multiplier)},
        {"cache_index_and_filter_blocks", FormatBool(table->cache_index_and_filter_blocks)},
        {"paranoid_checks", FormatBool(o.paranoid_checks)},
        {"max_open_files", std::to_string(o.max_open_files)},
    };
  }

  Status Open(const std::string& dir, const EngineConfig& config) override {
    write_options_.sync = config.sync;
    sync_write_options_.sync = true;
    read_options_.verify_checksums = config.verify_checksums;
    rocksdb::DB* db = nullptr;
    rocksdb::Status s = rocksdb::DB::Open(MakeOptions(config), dir, &db);
    db_.reset(db);
    return ToStatus(s);
  }

  Status Put(std::string_view key, std::string_view value, Sync sync) override {
    return ToStatus(db_->Put(WriteOptionsFor(sync), rocksdb::Slice(key.data(), key.size()),
                             rocksdb::Slice(value.data(), value.size())));
  }
  Status Delete(std::string_view key, Sync sync) override {
    return ToStatus(db_->Delete(WriteOptionsFor(sync), rocksdb::Slice(key.data(), key.size())));
  }
  // A range tombstone: RocksDB's own DeleteRange.
  Status DeleteRange(std::string_view begin, std::string_view end, Sync sync) override {
    return ToStatus(db_->DeleteRange(WriteOptionsFor(sync), db_->DefaultColumnFamily(),
                                     rocksdb::Slice(begin.data(), begin.size()),
                                     rocksdb::Slice(end.data(), end.size())));
  }
  std::unique_ptr<Batch> NewBatch() override { return std::make_unique<RocksDbBatch>(); }
  Status Write(Batch& batch, Sync sync) override {
    return ToStatus(db_->Write(WriteOptionsFor(sync), static_cast<RocksDbBatch&>(batch).native()));
  }

  Status Get(std::string_view key, std::string* value, bool* found) override {
    rocksdb::Status s = db_->Get(read_options_, rocksdb::Slice(key.data(), key.size()), value);
    *found = s.ok();
    return s.IsNotFound() ? Status::OK() : ToStatus(s);
  }

  std::unique_ptr<Cursor> NewCursor() override {
    return std::make_unique<RocksDbCursor>(db_->NewIterator(read_options_));
  }

  Status Flush() override { return ToStatus(db_->Flush(rocksdb::FlushOptions())); }

  Status CompactAll() override {
    rocksdb::CompactRangeOptions options;
    // Rewrite the last level too (except files this call just wrote), as
    // AeternusDB's CompactAll merges every table into one run.
    options.bottommost_level_compaction = rocksdb::BottommostLevelCompaction::kForceOptimized;
    return ToStatus(db_->CompactRange(options, nullptr, nullptr));
  }

  // RocksDB 7.8 has no WaitForCompact: poll until no flush or compaction
  // runs or is pending, twice in a row.
  Status WaitForIdle() override {
    int idle_polls = 0;
    while (idle_polls < 2) {
      std::uint64_t busy = 0;
      for (const std::string* property : {&rocksdb::DB::Properties::kNumRunningCompactions,
                                          &rocksdb::DB::Properties::kNumRunningFlushes,
                                          &rocksdb::DB::Properties::kCompactionPending,
                                          &rocksdb::DB::Properties::kMemTableFlushPending}) {
        std::uint64_t value = 0;
        if (!db_->GetIntProperty(*property, &value)) {
          return Status::IOError("rocksdb: cannot read property", *property);
        }
        busy += value;
      }
      idle_polls = busy == 0 ? idle_polls + 1 : 0;
      if (idle_polls < 2) {
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
      }
    }
    return Status::OK();
  }

  Status Close() override {
    if (db_ == nullptr) {
      return Status::OK();
    }
    rocksdb::Status s = db_->Close();
    db_.reset();
    return ToStatus(s);
  }

  std::vector<std::string> EngineStats() override { return {}; }

 private:
  const rocksdb::WriteOptions& WriteOptionsFor(Sync sync) const {
    return sync == Sync::kAlways ? sync_write_options_ : write_options_;
  }

  std::unique_ptr<rocksdb::DB> db_;
  rocksdb::WriteOptions write_options_;
  rocksdb::WriteOptions sync_write_options_;
  rocksdb::ReadOptions read_options_;
};

}  // namespace

std::unique_ptr<Backend> NewRocksDbBackend() { return std::make_unique<RocksDbBackend>(); }

}  // namespace aeternus::bench
