// Backend over AeternusDB's public API.

#include <memory>
#include <sstream>
#include <string>

#include "aeternus/db.h"

#include "backend.h"

namespace aeternus::bench {
namespace {

aeternus::Options MakeOptions(const EngineConfig& config) {
  aeternus::Options o;
  o.create_if_missing = true;
  o.write_buffer_size = config.write_buffer_size;
  o.max_write_buffer_number = config.max_frozen_memtables;
  o.block_size = config.block_size;
  o.block_cache_capacity = config.cache_size;
  o.mapped_table_capacity = config.mapped_table_capacity;
  o.bloom_bits_per_key = config.bloom_bits;
  switch (config.compression) {
    case Compression::kNone:
      o.compression = aeternus::CompressionType::kNone;
      break;
    case Compression::kZstd:
      o.compression = aeternus::CompressionType::kZstd;
      break;
    case Compression::kLz4:
      o.compression = aeternus::CompressionType::kLz4;
      break;
  }
  o.background_threads = config.background_jobs;
  o.compaction_style = config.compaction_style == CompactionStyle::kTiered
                           ? aeternus::CompactionStyle::kTiered
                           : aeternus::CompactionStyle::kLeveled;
  o.target_file_size = config.target_file_size;
  o.max_bytes_for_level_base = config.max_bytes_for_level_base;
  o.level_size_multiplier = config.level_size_multiplier;
  o.l0_compaction_trigger = config.l0_compaction_trigger;
  o.l0_slowdown_writes_trigger = config.l0_slowdown_writes_trigger;
  o.l0_stop_writes_trigger = config.l0_stop_writes_trigger;
  return o;
}

class AeternusBatch final : public Batch {
 public:
  void Put(std::string_view key, std::string_view value) override { batch_.Put(key, value); }
  void Delete(std::string_view key) override { batch_.Delete(key); }
  void Clear() override { batch_.Clear(); }
  aeternus::WriteBatch* native() { return &batch_; }

 private:
  aeternus::WriteBatch batch_;
};

class AeternusCursor final : public Cursor {
 public:
  explicit AeternusCursor(std::unique_ptr<aeternus::Iterator> it) : it_(std::move(it)) {}
  void SeekToFirst() override { it_->SeekToFirst(); }
  void SeekToLast() override { it_->SeekToLast(); }
  void Seek(std::string_view target) override { it_->Seek(target); }
  void Next() override { it_->Next(); }
  void Prev() override { it_->Prev(); }
  bool Valid() const override { return it_->Valid(); }
  std::string_view key() const override { return it_->key(); }
  std::string_view value() const override { return it_->value(); }
  Status status() const override { return it_->status(); }

 private:
  std::unique_ptr<aeternus::Iterator> it_;
};

class AeternusBackend final : public Backend {
 public:
  std::string_view name() const override { return "aeternus"; }

  std::vector<Setting> Describe(const EngineConfig& config) const override {
    const aeternus::Options o = MakeOptions(config);
    const bool tiered = o.compaction_style == aeternus::CompactionStyle::kTiered;
    std::vector<Setting> s = {
        {"wal", "on"},
        {"WriteOptions.sync", FormatBool(config.sync)},
        {"DeleteRange", "native (range tombstone)"},
        {"ReadOptions.verify_checksums", FormatBool(config.verify_checksums)},
        {"write_buffer_size", FormatBytes(o.write_buffer_size)},
        {"max_write_buffer_number (frozen)", std::to_string(o.max_write_buffer_number)},
        {"memtable_bloom_size_ratio", FormatRatio(o.memtable_bloom_size_ratio)},
        {"memtable_hash_index_size_ratio", FormatRatio(o.memtable_hash_index_size_ratio)},
        {"block_size", FormatBytes(o.block_size)},
        {"block_cache_capacity", FormatBytes(o.block_cache_capacity)},
        {"mapped_table_capacity", FormatBytes(o.mapped_table_capacity)},
        {"bloom_bits_per_key", std::to_string(o.bloom_bits_per_key)},
        {"compression", std::string(CompressionName(config.compression))},
        {"background_threads", std::to_string(o.background_threads)},
        {"compaction_style", std::string(CompactionStyleName(config.compaction_style))},
        {"l0_compaction_trigger", std::to_string(o.l0_compaction_trigger)},
        {"l0_slowdown_writes_trigger", std::to_string(o.l0_slowdown_writes_trigger)},
        {"l0_stop_writes_trigger", std::to_string(o.l0_stop_writes_trigger)},
    };
    if (tiered) {
      s.insert(s.end(), {
                            {"tiered_small_table_size", FormatBytes(o.tiered_small_table_size)},
                            {"min_merge_width", std::to_string(o.min_merge_width)},
                            {"max_merge_width", std::to_string(o.max_merge_width)},
                        });
    } else {
      s.insert(s.end(), {
                            {"target_file_size", FormatBytes(o.target_file_size)},
                            {"max_bytes_for_level_base", FormatBytes(o.max_bytes_for_level_base)},
                            {"level_size_multiplier", std::to_string(o.level_size_multiplier)},
                        });
    }
    s.emplace_back("paranoid_checks", FormatBool(o.paranoid_checks));
    return s;
  }

  Status Open(const std::string& dir, const EngineConfig& config) override {
    write_options_.sync = config.sync;
    sync_write_options_.sync = true;
    read_options_.verify_checksums = config.verify_checksums;
    return aeternus::DB::Open(MakeOptions(config), dir, &db_);
  }

  Status Put(std::string_view key, std::string_view value, Sync sync) override {
    return db_->Put(WriteOptionsFor(sync), key, value);
  }
  Status Delete(std::string_view key, Sync sync) override {
    return db_->Delete(WriteOptionsFor(sync), key);
  }
  Status DeleteRange(std::string_view begin, std::string_view end, Sync sync) override {
    return db_->DeleteRange(WriteOptionsFor(sync), begin, end);
  }
  std::unique_ptr<Batch> NewBatch() override { return std::make_unique<AeternusBatch>(); }
  Status Write(Batch& batch, Sync sync) override {
    return db_->Write(WriteOptionsFor(sync), static_cast<AeternusBatch&>(batch).native());
  }

  Status Get(std::string_view key, std::string* value, bool* found) override {
    Status s = db_->Get(read_options_, key, value);
    *found = s.ok();
    return s.IsNotFound() ? Status::OK() : s;
  }

  std::unique_ptr<Cursor> NewCursor() override {
    return std::make_unique<AeternusCursor>(db_->NewIterator(read_options_));
  }

  Status Flush() override { return db_->Flush(); }
  Status CompactAll() override { return db_->CompactAll(); }
  Status WaitForIdle() override { return db_->WaitForCompactions(); }

  Status Close() override {
    if (db_ == nullptr) {
      return Status::OK();
    }
    Status s = db_->Close();
    db_.reset();
    return s;
  }

  std::vector<std::string> EngineStats() override {
    std::string stats;
    if (!db_->GetProperty("aeternus.stats", &stats)) {
      return {};
    }
    std::vector<std::string> lines;
    std::istringstream in(stats);
    for (std::string line; std::getline(in, line);) {
      if (line.starts_with("write amplification") || line.starts_with("read amplification")) {
        lines.push_back(line);
      }
    }
    return lines;
  }

 private:
  const aeternus::WriteOptions& WriteOptionsFor(Sync sync) const {
    return sync == Sync::kAlways ? sync_write_options_ : write_options_;
  }

  std::unique_ptr<aeternus::DB> db_;
  aeternus::WriteOptions write_options_;
  aeternus::WriteOptions sync_write_options_;
  aeternus::ReadOptions read_options_;
};

}  // namespace

std::unique_ptr<Backend> NewAeternusBackend() { return std::make_unique<AeternusBackend>(); }

}  // namespace aeternus::bench
