#include "db/db_impl.h"

#include <algorithm>
#include <cinttypes>
#include <cstdarg>
#include <cstdio>
#include <functional>
#include <set>
#include <thread>

#include "cache/block_cache.h"
#include "cache/table_cache.h"
#include "memtable/arena_block_pool.h"
#include "sstable/mapped_table_budget.h"
#include "compaction/compaction_job.h"
#include "db/db_iterator.h"
#include "db/write_batch_internal.h"
#include "iterator/concatenating_iterator.h"
#include "iterator/merging_iterator.h"
#include "manifest/file_names.h"
#include "memtable/memtable.h"
#include "sstable/table_reader.h"
#include "util/compression.h"
#include "util/status_macros.h"
#include "util/thread_pool.h"
#include "wal/wal_reader.h"
#include "wal/wal_writer.h"

namespace aeternus {

struct DBImpl::Writer {
  explicit Writer(WriteBatch* b, bool s) : batch(b), sync(s) {}
  WriteBatch* batch;
  bool sync;
  bool done = false;  // guarded by mu_, as is status
  Status status;
  std::condition_variable cv;
  // Set (after done or after becoming the front, under mu_) whenever cv is
  // notified, so that a waiter may poll it before sleeping on cv.
  std::atomic<bool> signaled{false};

  // Marks the writer signaled and wakes it. REQUIRES: mu_ held.
  void Signal() {
    signaled.store(true, std::memory_order_release);
    cv.notify_one();
  }
};

namespace {
// A waiter that expects its condition within about a WAL sync yields its
// core for up to this long before sleeping: a wake-up from a futex costs
// tens of microseconds on a virtual machine, about what a group commit
// has to spare between two syncs. Spinning only starts once a sync has been
// measured, so unsynced workloads never yield.
constexpr auto kMaxYieldWait = std::chrono::microseconds(200);

// Yields until done() or the deadline passes; returns done().
template <typename Done>
bool YieldUntil(std::chrono::steady_clock::time_point deadline, Done done) {
  while (!done()) {
    if (std::chrono::steady_clock::now() >= deadline) {
      return done();
    }
    std::this_thread::yield();
  }
  return true;
}
}  // namespace

// What a reader needs to see one consistent state: kept alive by readers
// for as long as they read it.
struct DBImpl::SuperVersion {
  std::shared_ptr<MemTable> mem;
  std::vector<std::shared_ptr<MemTable>> imm;  // newest first
  std::shared_ptr<const Version> version;
};

class DBImpl::SnapshotImpl final : public Snapshot {
 public:
  explicit SnapshotImpl(SequenceNumber seq) : sequence_(seq) {}
  ~SnapshotImpl() override = default;
  std::uint64_t sequence() const override { return sequence_; }
  std::list<SnapshotImpl>::iterator self;

 private:
  const SequenceNumber sequence_;
};

struct DBImpl::Stats {
  std::atomic<std::uint64_t> user_bytes_written{0};
  std::atomic<std::uint64_t> wal_bytes{0};
  std::atomic<std::uint64_t> wal_syncs{0};
  std::atomic<std::uint64_t> write_groups{0};
  std::atomic<std::uint64_t> writes{0};
  std::atomic<std::uint64_t> flushes{0};
  std::atomic<std::uint64_t> bytes_flushed{0};
  std::atomic<std::uint64_t> stall_count{0};   // waits: memtables full or level 0 at stop
  std::atomic<std::uint64_t> stall_micros{0};
  std::atomic<std::uint64_t> slowdowns{0};     // 1 ms delays at the slowdown trigger
  std::atomic<std::uint64_t> slowdown_micros{0};
  std::atomic<std::uint64_t> compactions{0};
  std::atomic<std::uint64_t> trivial_moves{0};
  std::atomic<std::uint64_t> compaction_bytes_read{0};
  std::atomic<std::uint64_t> compaction_bytes_written{0};
  std::atomic<std::uint64_t> filtered_entries{0};  // removed by Options::compaction_filter
  std::atomic<std::uint64_t> gets{0};
  std::atomic<std::uint64_t> tables_probed{0};  // tables a Get looked into
};

namespace {

Status ClosedError() { return Status::IOError("database is closed"); }
// Appends printf-style formatted text to *out (format checked by the
// compiler).
[[gnu::format(printf, 2, 3)]] void Appendf(std::string* out, const char* fmt, ...) {
  char buf[512];
  va_list args;
  va_start(args, fmt);
  const int n = std::vsnprintf(buf, sizeof(buf), fmt, args);
  va_end(args);
  if (n > 0) {
    out->append(buf, std::min(static_cast<std::size_t>(n), sizeof(buf) - 1));
  }
}

Status ReadOnlyError() { return Status::NotSupported("the database is open read-only"); }

std::string Describe(std::string_view what, std::size_t size, std::size_t limit) {
  return std::string(what) + " of " + std::to_string(size) + " bytes exceeds " +
         std::to_string(limit);
}

// Checks every update of a batch against the key and value limits.
class BatchValidator final : public WriteBatch::Handler {
 public:
  explicit BatchValidator(const Options& o) : o_(o) {}
  Status Put(std::string_view key, std::string_view value) override {
    AE_RETURN_IF_ERROR(CheckKey(key));
    if (value.size() > o_.max_value_size) {
      return Status::InvalidArgument(Describe("value", value.size(), o_.max_value_size),
                                     "max_value_size");
    }
    return Status::OK();
  }
  Status Delete(std::string_view key) override { return CheckKey(key); }
  Status DeleteRange(std::string_view begin, std::string_view end) override {
    AE_RETURN_IF_ERROR(CheckKey(begin));
    if (end.size() > o_.max_key_size) {
      return Status::InvalidArgument(Describe("range end", end.size(), o_.max_key_size),
                                     "max_key_size");
    }
    if (begin >= end) {
      return Status::InvalidArgument("DeleteRange needs begin < end");
    }
    return Status::OK();
  }

 private:
  Status CheckKey(std::string_view key) const {
    if (key.empty()) {
      return Status::InvalidArgument("empty key");
    }
    if (key.size() > o_.max_key_size) {
      return Status::InvalidArgument(Describe("key", key.size(), o_.max_key_size),
                                     "max_key_size");
    }
    return Status::OK();
  }
  const Options& o_;
};

}  // namespace

// ---------------------------------------------------------------- opening

Status DBImpl::ValidateOptions(const Options& o) {
  auto bad = [](std::string_view field, std::string_view rule) {
    return Status::InvalidArgument("invalid option " + std::string(field), rule);
  };
  if (o.write_buffer_size < (64u << 10) || o.write_buffer_size > (4ull << 30)) {
    return bad("write_buffer_size", "must be in [64 KiB, 4 GiB]");
  }
  if (o.max_write_buffer_number < 1 || o.max_write_buffer_number > 64) {
    return bad("max_write_buffer_number", "must be in [1, 64]");
  }
  if (!(o.memtable_bloom_size_ratio >= 0 && o.memtable_bloom_size_ratio <= 0.25)) {  // NaN too
    return bad("memtable_bloom_size_ratio", "must be in [0, 0.25]");
  }
  if (!(o.memtable_hash_index_size_ratio >= 0 && o.memtable_hash_index_size_ratio <= 0.5)) {
    return bad("memtable_hash_index_size_ratio", "must be in [0, 0.5]");
  }
  if (o.block_size < 256 || o.block_size > (16u << 20)) {
    return bad("block_size", "must be in [256 B, 16 MiB]");
  }
  if (o.bloom_bits_per_key < 0 || o.bloom_bits_per_key > 64) {
    return bad("bloom_bits_per_key", "must be in [0, 64]");
  }
  if (!CompressionSupported(o.compression)) {
    return bad("compression", "this build lacks the codec");
  }
  if (o.background_threads < 1 || o.background_threads > 64) {
    return bad("background_threads", "must be in [1, 64]");
  }
  if (o.max_key_size < 1 || o.max_key_size > (64u << 20)) {
    return bad("max_key_size", "must be in [1, 64 MiB]");
  }
  if (o.max_value_size > (1u << 30)) {
    return bad("max_value_size", "must be at most 1 GiB");
  }
  if (o.compaction_style != CompactionStyle::kLeveled &&
      o.compaction_style != CompactionStyle::kTiered) {
    return bad("compaction_style", "must be kLeveled or kTiered");
  }
  if (o.target_file_size < (16u << 10) || o.target_file_size > (4ull << 30)) {
    return bad("target_file_size", "must be in [16 KiB, 4 GiB]");
  }
  if (o.l0_compaction_trigger < 1 || o.l0_compaction_trigger > 1000) {
    return bad("l0_compaction_trigger", "must be in [1, 1000]");
  }
  if (o.l0_slowdown_writes_trigger < o.l0_compaction_trigger ||
      o.l0_slowdown_writes_trigger > 1000) {
    return bad("l0_slowdown_writes_trigger", "must be in [l0_compaction_trigger, 1000]");
  }
  if (o.l0_stop_writes_trigger < o.l0_slowdown_writes_trigger ||
      o.l0_stop_writes_trigger > 1000) {
    return bad("l0_stop_writes_trigger", "must be in [l0_slowdown_writes_trigger, 1000]");
  }
  if (o.compaction_style == CompactionStyle::kTiered && o.l0_slowdown_writes_trigger < 2) {
    // Tiered merging always leaves one table, which would delay or stop
    // every write for ever.
    return bad("l0_slowdown_writes_trigger", "must be at least 2 with the tiered style");
  }
  if (o.max_bytes_for_level_base < (64u << 10) || o.max_bytes_for_level_base > (1ull << 40)) {
    return bad("max_bytes_for_level_base", "must be in [64 KiB, 1 TiB]");
  }
  if (o.level_size_multiplier < 2 || o.level_size_multiplier > 100) {
    return bad("level_size_multiplier", "must be in [2, 100]");
  }
  if (o.tiered_small_table_size > (4ull << 30)) {
    return bad("tiered_small_table_size", "must be at most 4 GiB");
  }
  if (o.min_merge_width < 2 || o.min_merge_width > 64) {
    return bad("min_merge_width", "must be in [2, 64]");
  }
  if (o.max_merge_width < o.min_merge_width || o.max_merge_width > 256) {
    return bad("max_merge_width", "must be in [min_merge_width, 256]");
  }
  // Written so that NaN fails too.
  if (!(o.tombstone_compaction_ratio > 0.0 && o.tombstone_compaction_ratio <= 1.0)) {
    return bad("tombstone_compaction_ratio", "must be in (0, 1]");
  }
  return Status::OK();
}

Status DB::Open(const Options& options, const std::string& path, std::unique_ptr<DB>* db) {
  return DBImpl::Open(options, path, FileSystem::Default(), db);
}

Status DB::OpenForReadOnly(const Options& options, const std::string& path,
                           std::unique_ptr<DB>* db) {
  return DBImpl::Open(options, path, FileSystem::Default(), db, /*read_only=*/true);
}

Status DBImpl::Open(const Options& options, const std::string& path, FileSystem* fs,
                    std::unique_ptr<DB>* db, bool read_only) {
  db->reset();
  AE_RETURN_IF_ERROR(ValidateOptions(options));
  if (path.empty()) {
    return Status::InvalidArgument("empty database path");
  }
  auto impl = std::make_unique<DBImpl>(options, path, fs);
  impl->read_only_ = read_only;
  AE_RETURN_IF_ERROR(impl->Recover());
  *db = std::move(impl);
  return Status::OK();
}

DBImpl::DBImpl(const Options& options, std::string dbname, FileSystem* fs)
    : options_(options),
      dbname_(std::move(dbname)),
      arena_pool_(std::make_unique<ArenaBlockPool>(options.write_buffer_size)),
      fs_(fs),
      block_cache_(std::make_unique<BlockCache>(options.block_cache_capacity)),
      mapped_budget_(std::make_unique<MappedTableBudget>(options.mapped_table_capacity)),
      table_cache_(std::make_unique<TableCache>(dbname_, fs, block_cache_.get(),
                                                mapped_budget_.get(), options.paranoid_checks)),
      versions_(std::make_unique<VersionSet>(dbname_, fs)),
      stats_(std::make_unique<Stats>()),
      group_batch_(std::make_unique<WriteBatch>()),
      picker_(NewCompactionPicker(options)) {}

DBImpl::~DBImpl() { Close().IgnoreError(); }

Status DBImpl::Recover() {
  if (options_.create_if_missing && !read_only_) {
    AE_RETURN_IF_ERROR(fs_->CreateDir(dbname_));
  }
  Status s = fs_->LockFile(LockFileName(dbname_), &lock_);
  if (s.IsNotFound()) {
    return Status::InvalidArgument(dbname_ + " does not exist",
                                   read_only_ ? "opened read-only" : "create_if_missing is false");
  }
  AE_RETURN_IF_ERROR(s);

  std::vector<std::string> names;
  AE_RETURN_IF_ERROR(fs_->GetChildren(dbname_, &names));
  if (!fs_->FileExists(CurrentFileName(dbname_))) {
    if (!options_.create_if_missing || read_only_) {
      return Status::InvalidArgument(
          dbname_ + " does not exist",
          read_only_ ? "opened read-only" : "create_if_missing is false");
    }
    for (const std::string& name : names) {
      std::uint64_t number = 0;
      FileType type = ParseFileName(name, &number);
      if (type == FileType::kTable || type == FileType::kWal) {
        return Status::Corruption("CURRENT is missing but data files exist in " + dbname_,
                                  name);
      }
    }
    AE_RETURN_IF_ERROR(versions_->CreateNew());
  } else {
    if (options_.error_if_exists) {
      return Status::InvalidArgument(dbname_ + " already exists", "error_if_exists is true");
    }
    AE_RETURN_IF_ERROR(versions_->Recover());
  }

  // Every live table must be present.
  std::set<std::uint64_t> tables_on_disk;
  std::vector<std::uint64_t> wals;
  for (const std::string& name : names) {
    std::uint64_t number = 0;
    FileType type = ParseFileName(name, &number);
    if (type == FileType::kTable) {
      tables_on_disk.insert(number);
    } else if (type == FileType::kWal && number >= versions_->log_number()) {
      wals.push_back(number);
    }
    if (type != FileType::kUnknown && type != FileType::kTemp) {
      versions_->MarkFileNumberUsed(number);
    }
  }
  for (const auto& level : versions_->current()->levels) {
    for (const auto& f : level) {
      if (!tables_on_disk.contains(f->number)) {
        return Status::Corruption("table listed in the manifest is missing",
                                  TableFileName(dbname_, f->number));
      }
      if (options_.paranoid_checks) {
        // Reads the footer, index, filter and properties of every table now
        // rather than failing on first use.
        std::shared_ptr<TableReader> reader;
        AE_RETURN_IF_ERROR(table_cache_->Get(f->number, f->file_size, &reader));
      }
    }
  }

  // Replay the WALs not yet flushed, oldest first, into tables.
  std::sort(wals.begin(), wals.end());
  // Without paranoid checks a WAL lost after a clean close is skipped, as
  // other WAL damage is: Open keeps what it can read.
  const auto closed_wal = options_.paranoid_checks ? versions_->closed_wal() : std::nullopt;
  if (closed_wal && !std::binary_search(wals.begin(), wals.end(), closed_wal->first)) {
    return Status::Corruption("WAL closed cleanly with " + std::to_string(closed_wal->second) +
                                  " bytes is missing",
                              WalFileName(dbname_, closed_wal->first));
  }
  VersionEdit edit;
  SequenceNumber max_sequence = versions_->LastSequence();
  std::shared_ptr<MemTable> mem;
  // Sequence numbers run on without gaps from one WAL to the next, so a
  // record that does not continue the previous one follows lost writes
  // (an unsynced tail of an older WAL). Replay keeps the prefix before the
  // gap. A synced write syncs every older WAL first, so nothing after a
  // gap can have been synced: a record there that claims synced data means
  // damage, not a lost tail.
  WalReplayState replay;
  for (std::size_t i = 0; i < wals.size(); ++i) {
    s = ReplayWal(wals[i], &mem, &edit, &max_sequence, &replay);
    if (!s.ok()) {
      if (options_.paranoid_checks || !s.IsCorruption()) {
        return s;
      }
      break;  // without paranoid checks: keep the consistent prefix
    }
  }
  if (read_only_) {
    // Replayed writes stay in memory; nothing on disk changes.
    versions_->SetLastSequence(max_sequence);
    std::lock_guard lock(mu_);
    if (mem && !mem->empty()) {
      replayed_.push_back(std::move(mem));
    }
    mem_ = NewMemTable(0);
    imm_.assign(replayed_.begin(), replayed_.end());
    replayed_.clear();
    InstallSuperVersion();
    return Status::OK();
  }
  if (mem && !mem->empty()) {
    AE_RETURN_IF_ERROR(WriteLevel0Table(*mem, {}, &edit));
  }
  versions_->SetLastSequence(max_sequence);

  // A fresh WAL for new writes; the manifest records that every older WAL
  // is now in tables.
  const std::uint64_t wal_number = versions_->NewFileNumber();
  AE_RETURN_IF_ERROR(NewWal(wal_number, max_sequence + 1, &wal_));
  edit.log_number = wal_number;
  AE_RETURN_IF_ERROR(versions_->LogAndApply(&edit));

  std::lock_guard lock(mu_);
  mem_ = NewMemTable(wal_number);
  InstallSuperVersion();
  DeleteObsoleteFiles();
  pool_ = std::make_unique<ThreadPool>(options_.background_threads);
  MaybeScheduleCompaction();
  return Status::OK();
}

Status DBImpl::ReplayWal(std::uint64_t number, std::shared_ptr<MemTable>* mem,
                         VersionEdit* edit, SequenceNumber* max_sequence,
                         WalReplayState* state) {
  const std::string path = WalFileName(dbname_, number);
  std::unique_ptr<SequentialFile> file;
  AE_RETURN_IF_ERROR(fs_->NewSequentialFile(path, &file));
  WalReader reader(std::move(file), path, LogFileKind::kWal, number);
  std::string record;
  WriteBatch batch;
  // Claims of synced data beyond the synced sequence marker vouch for
  // writes; the marker itself is synced at creation.
  std::uint64_t marker_end = 0;
  bool first_entry = true;
  auto after_gap = [&]() {
    return Status::Corruption(path, "holds synced writes after a gap in the sequence at " +
                                        std::to_string(state->next_sequence) +
                                        " (an earlier WAL lost synced data)");
  };
  while (reader.ReadRecord(&record)) {
    AE_RETURN_IF_ERROR(WriteBatchInternal::SetContents(batch, record));
    const SequenceNumber first = WriteBatchInternal::Sequence(batch);
    const bool is_marker = batch.Count() == 0;
    const SequenceNumber last = is_marker ? first - 1 : first + batch.Count() - 1;
    if (first == 0 || last > kMaxSequenceNumber || (is_marker && !first_entry)) {
      return Status::Corruption(path, "write batch with bad sequence numbers");
    }
    if (is_marker) {
      marker_end = reader.last_record_end();
    }
    first_entry = false;
    if (!state->gap && state->next_sequence != 0 && first != state->next_sequence) {
      state->gap = true;  // writes before this one were lost
    }
    if (is_marker) {
      if (!state->gap) {
        state->next_sequence = first;
      }
      continue;
    }
    if (state->gap) {
      if (reader.last_synced_through() > marker_end) {
        return after_gap();
      }
      ++state->dropped_records;  // not applied: it follows lost writes
      continue;
    }
    Options no_limits;
    no_limits.max_key_size = no_limits.max_value_size = ~std::size_t{0} >> 1;
    BatchValidator structure_check(no_limits);
    if (Status s = batch.Iterate(&structure_check); !s.ok()) {
      return Status::Corruption(path, s.ToString());
    }
    if (!*mem) {
      *mem = NewMemTable(number);
    }
    AE_RETURN_IF_ERROR(WriteBatchInternal::InsertInto(batch, mem->get()));
    *max_sequence = std::max(*max_sequence, last);
    state->next_sequence = last + 1;
    if ((*mem)->ApproximateMemoryUsage() > options_.write_buffer_size) {
      if (read_only_) {
        replayed_.push_back(std::move(*mem));  // oldest first, kept in memory
      } else {
        AE_RETURN_IF_ERROR(WriteLevel0Table(**mem, {}, edit));
      }
      mem->reset();
    }
  }
  AE_RETURN_IF_ERROR(reader.status());
  if (const auto closed = versions_->closed_wal();
      options_.paranoid_checks && closed && closed->first == number) {
    const std::uint64_t read = reader.last_record_end();
    if (!reader.clean_close() || read != closed->second) {
      return Status::Corruption(path, "closed cleanly with " + std::to_string(closed->second) +
                                          " bytes, it reads as " + std::to_string(read) +
                                          " bytes of whole records" +
                                          (reader.clean_close() ? "" : " without its close record"));
    }
  }
  if (state->gap && reader.clean_close()) {
    return after_gap();  // a close record vouches for synced writes
  }
  return Status::OK();
}

TableBuilderOptions DBImpl::TableOptions() const {
  TableBuilderOptions t;
  t.block_size = options_.block_size;
  t.bloom_bits_per_key = options_.bloom_bits_per_key;
  t.compression = options_.compression;
  return t;
}

Status DBImpl::WriteLevel0Table(const MemTable& mem,
                                const std::vector<SequenceNumber>& snapshots,
                                VersionEdit* edit) {
  // A flush is a compaction of one memtable into one table that keeps every
  // tombstone (older data lives in the tables below).
  CompactionJobOptions copts;
  copts.table = TableOptions();
  copts.target_file_size = ~std::uint64_t{0};
  copts.snapshots = snapshots;
  std::unique_ptr<InternalIterator> iter = mem.NewIterator();
  const MemTable::TombstoneLists lists = mem.RangeTombstones();
  std::vector<const RangeTombstoneList*> tombstones;
  for (const auto& list : lists) {
    tombstones.push_back(list.get());
  }
  std::vector<FileMetaData> outputs;
  AE_RETURN_IF_ERROR(RunCompaction(dbname_, fs_, copts, iter.get(), tombstones,
                                   [this] { return versions_->NewFileNumber(); }, &outputs));
  if (outputs.empty()) {
    return Status::OK();
  }
  FileMetaData meta = std::move(outputs.front());
  // Read the new table back once: a table that cannot be opened must not
  // be recorded.
  std::shared_ptr<TableReader> reader;
  Status s = table_cache_->Get(meta.number, meta.file_size, &reader);
  if (!s.ok()) {
    fs_->RemoveFile(TableFileName(dbname_, meta.number)).IgnoreError();
    return s;
  }
  stats_->flushes.fetch_add(1, std::memory_order_relaxed);
  stats_->bytes_flushed.fetch_add(meta.file_size, std::memory_order_relaxed);
  edit->AddFile(0, std::move(meta));
  return Status::OK();
}

// REQUIRES: mu_ held; called at Open, when nothing else writes files.
void DBImpl::DeleteObsoleteFiles() {
  std::vector<std::string> names;
  if (!fs_->GetChildren(dbname_, &names).ok()) {
    return;
  }
  std::set<std::uint64_t> live;
  for (const auto& level : versions_->current()->levels) {
    for (const auto& f : level) {
      live.insert(f->number);
    }
  }
  const std::uint64_t wal_number = mem_->wal_number();
  for (const std::string& name : names) {
    std::uint64_t number = 0;
    bool remove = false;
    switch (ParseFileName(name, &number)) {
      case FileType::kTemp: remove = true; break;
      case FileType::kTable: remove = !live.contains(number); break;
      case FileType::kWal: remove = number < wal_number; break;
      case FileType::kManifest: remove = number != versions_->manifest_number(); break;
      default: break;
    }
    if (remove) {
      if (ParseFileName(name, &number) == FileType::kTable) {
        table_cache_->Evict(number);
      }
      fs_->RemoveFile(dbname_ + "/" + name).IgnoreError();
    }
  }
}

// ---------------------------------------------------------------- writes

Status DBImpl::Put(const WriteOptions& options, std::string_view key, std::string_view value) {
  WriteBatch batch;
  batch.Put(key, value);
  return Write(options, &batch);
}

Status DBImpl::Delete(const WriteOptions& options, std::string_view key) {
  WriteBatch batch;
  batch.Delete(key);
  return Write(options, &batch);
}

Status DBImpl::DeleteRange(const WriteOptions& options, std::string_view begin,
                           std::string_view end) {
  WriteBatch batch;
  batch.DeleteRange(begin, end);
  return Write(options, &batch);
}

Status DBImpl::ValidateBatch(const WriteBatch& batch) const {
  BatchValidator validator(options_);
  return batch.Iterate(&validator);
}

Status DBImpl::Write(const WriteOptions& options, WriteBatch* batch) {
  if (read_only_) {
    return ReadOnlyError();
  }
  if (batch == nullptr) {
    return Status::InvalidArgument("null write batch");
  }
  AE_RETURN_IF_ERROR(ValidateBatch(*batch));
  if (batch->Count() == 0) {
    std::lock_guard lock(mu_);
    return shutting_down_ ? ClosedError() : Status::OK();
  }
  return WriteImpl(options, batch);
}

Status DBImpl::WriteImpl(const WriteOptions& options, WriteBatch* batch) {
  Writer w(batch, options.sync);
  std::unique_lock lock(mu_);
  if (shutting_down_) {
    return ClosedError();
  }
  writers_.push_back(&w);
  queued_writers_.store(writers_.size(), std::memory_order_relaxed);
  if (leader_gathering_ && writers_.size() >= sync_writers_seen_) {
    writers_.front()->Signal();
  }
  if (!w.done && &w != writers_.front() && w.sync && mean_sync_time_.count() > 0) {
    // Likely to be released by a sync in progress: poll before sleeping.
    const auto deadline = std::chrono::steady_clock::now() +
                          std::min<std::chrono::nanoseconds>(mean_sync_time_ * 2, kMaxYieldWait);
    lock.unlock();
    YieldUntil(deadline, [&w] { return w.signaled.load(std::memory_order_acquire); });
    lock.lock();
  }
  while (!w.done && &w != writers_.front()) {
    w.cv.wait(lock);
  }
  if (w.done) {
    return w.status;
  }

  // This writer leads a group.
  Status s = MakeRoomForWrite(lock, batch == nullptr);
  SequenceNumber last_sequence = versions_->LastSequence();
  Writer* last_writer = &w;
  if (s.ok() && batch != nullptr) {
    if (w.sync) {
      GatherSyncWriters(lock, &w);
    }
    WriteBatch* group = BuildBatchGroup(&last_writer);
    WriteBatchInternal::SetSequence(*group, last_sequence + 1);
    last_sequence += group->Count();
    bool sync = w.sync;
    std::chrono::nanoseconds sync_time{0};
    {
      // Only the leader touches wal_ and inserts into mem_, so neither
      // needs mu_; readers do not see the group until last_sequence is
      // published below.
      lock.unlock();
      std::string_view contents = WriteBatchInternal::Contents(*group);
      s = wal_->AddRecord(contents);
      const auto sync_start = std::chrono::steady_clock::now();
      if (s.ok() && sync) {
        // A synced write promises every earlier write too.
        s = SyncOlderWals();
      }
      if (s.ok()) {
        s = sync ? wal_->Sync() : wal_->Flush();
      }
      if (sync) {
        sync_time = std::chrono::steady_clock::now() - sync_start;
      }
      if (s.ok()) {
        s = WriteBatchInternal::InsertInto(*group, mem_.get());
      }
      stats_->wal_bytes.fetch_add(contents.size(), std::memory_order_relaxed);
      stats_->write_groups.fetch_add(1, std::memory_order_relaxed);
      if (sync) {
        stats_->wal_syncs.fetch_add(1, std::memory_order_relaxed);
      }
      lock.lock();
      if (!s.ok()) {
        // The WAL may end in a partial record; no write may follow it.
        bg_error_ = Status::IOError("WAL write failed; the database accepts no more writes",
                                    s.ToString());
      }
    }
    if (group == group_batch_.get()) {
      group_batch_->Clear();
    }
    if (s.ok()) {
      versions_->SetLastSequence(last_sequence);
    }
    if (sync) {
      mean_sync_time_ = (mean_sync_time_ * 3 + sync_time) / 4;
    }
  }

  std::size_t group_size = 0;
  while (true) {
    Writer* ready = writers_.front();
    writers_.pop_front();
    ++group_size;
    if (ready != &w) {
      ready->status = s;
      ready->done = true;
      ready->Signal();
    }
    if (ready == last_writer) {
      break;
    }
  }
  if (w.sync && batch != nullptr) {
    // The writers that were at hand for this sync: the group, and those
    // that queued while it was written.
    sync_writers_seen_ = group_size + writers_.size();
  }
  queued_writers_.store(writers_.size(), std::memory_order_relaxed);
  if (!writers_.empty()) {
    writers_.front()->Signal();
  } else {
    bg_cv_.notify_all();
  }
  return s;
}

// Writers released by one synced group come back at about the same time,
// but a new leader that took only those already queued would split them:
// groups of alternating sizes, a sync each. So a synced leader waits, for
// at most half a sync, until as many writers are queued as were at hand
// for the last synced group. REQUIRES: mu_ held; `leader` is the front of
// writers_.
void DBImpl::GatherSyncWriters(std::unique_lock<std::mutex>& lock, Writer* leader) {
  constexpr auto kMaxWait = std::chrono::microseconds(500);
  if (writers_.size() >= sync_writers_seen_) {
    return;
  }
  const auto deadline = std::chrono::steady_clock::now() + std::min<std::chrono::nanoseconds>(
                                                              mean_sync_time_ / 2, kMaxWait);
  // Poll first: the writers expected are usually already running.
  const std::size_t expected = sync_writers_seen_;
  lock.unlock();
  YieldUntil(std::min(deadline, std::chrono::steady_clock::now() + kMaxYieldWait),
             [this, expected] {
               return queued_writers_.load(std::memory_order_relaxed) >= expected;
             });
  lock.lock();
  leader_gathering_ = true;
  leader->cv.wait_until(lock, deadline, [this] {
    return writers_.size() >= sync_writers_seen_ || shutting_down_;
  });
  leader_gathering_ = false;
}

// REQUIRES: mu_ held; the calling writer is the front of writers_.
WriteBatch* DBImpl::BuildBatchGroup(Writer** last_writer) {
  Writer* first = writers_.front();
  WriteBatch* result = first->batch;
  std::size_t size = WriteBatchInternal::ByteSize(*first->batch);
  // Small writes do not wait behind a large group.
  std::size_t max_size = 1 << 20;
  if (size <= (128 << 10)) {
    max_size = size + (128 << 10);
  }
  *last_writer = first;
  std::uint64_t writers = 1;
  for (auto it = writers_.begin() + 1; it != writers_.end(); ++it) {
    Writer* w = *it;
    if (w->batch == nullptr || (w->sync && !first->sync)) {
      break;  // a Flush request, or a sync write that a non-sync leader would not sync
    }
    size += WriteBatchInternal::ByteSize(*w->batch);
    if (size > max_size) {
      break;
    }
    if (result == first->batch) {
      result = group_batch_.get();
      result->Clear();
      WriteBatchInternal::Append(*result, *first->batch);
    }
    WriteBatchInternal::Append(*result, *w->batch);
    *last_writer = w;
    ++writers;
  }
  stats_->writes.fetch_add(writers, std::memory_order_relaxed);
  stats_->user_bytes_written.fetch_add(size, std::memory_order_relaxed);
  return result;
}

// REQUIRES: mu_ held; the calling writer is the front of writers_.
Status DBImpl::MakeRoomForWrite(std::unique_lock<std::mutex>& lock, bool force) {
  bool allow_delay = !force;
  // Level-0 backpressure is off when the caller compacts (it would wait
  // for compactions that never come).
  const bool l0_triggers = !options_.disable_auto_compactions;
  auto micros_since = [](std::chrono::steady_clock::time_point start) {
    return static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::microseconds>(
                                          std::chrono::steady_clock::now() - start)
                                          .count());
  };
  while (true) {
    if (!bg_error_.ok()) {
      return bg_error_;
    }
    if (shutting_down_) {
      return ClosedError();
    }
    const int tables = l0_triggers ? picker_->StallTableCount(*super_version_->version) : 0;
    if (allow_delay && l0_triggers && tables >= options_.l0_slowdown_writes_trigger) {
      // Close to the stop trigger: delay this write by about 1 ms so that
      // compaction gains on the writers instead of stopping them all at
      // once later. Each write is delayed at most once.
      allow_delay = false;
      const auto start = std::chrono::steady_clock::now();
      MaybeScheduleCompaction();
      lock.unlock();
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
      lock.lock();
      stats_->slowdowns.fetch_add(1, std::memory_order_relaxed);
      stats_->slowdown_micros.fetch_add(micros_since(start), std::memory_order_relaxed);
      continue;
    }
    if (force ? mem_->empty()
              : mem_->ApproximateMemoryUsage() <= options_.write_buffer_size) {
      return Status::OK();
    }
    const bool memtables_full =
        imm_.size() >= static_cast<std::size_t>(options_.max_write_buffer_number);
    if (memtables_full || tables >= options_.l0_stop_writes_trigger) {
      // Backpressure: wait for a flush or a compaction instead of growing
      // memory or level 0.
      const auto start = std::chrono::steady_clock::now();
      stats_->stall_count.fetch_add(1, std::memory_order_relaxed);
      MaybeScheduleFlush();
      MaybeScheduleCompaction();
      bg_cv_.wait(lock);
      stats_->stall_micros.fetch_add(micros_since(start), std::memory_order_relaxed);
      continue;
    }
    AE_RETURN_IF_ERROR(SwitchMemTable(lock));
    force = false;
  }
}

Status DBImpl::NewWal(std::uint64_t number, SequenceNumber first_sequence,
                      std::unique_ptr<WalWriter>* out) {
  std::unique_ptr<WritableFile> file;
  AE_RETURN_IF_ERROR(fs_->NewLogFile(WalFileName(dbname_, number), &file));
  std::unique_ptr<WalWriter> wal;
  AE_RETURN_IF_ERROR(WalWriter::Create(std::move(file), LogFileKind::kWal, number, &wal));
  // The sequence marker: an empty batch numbered first_sequence, synced
  // with the header, so that recovery knows where this WAL's writes begin
  // even if all of them are lost.
  WriteBatch marker;
  WriteBatchInternal::SetSequence(marker, first_sequence);
  AE_RETURN_IF_ERROR(wal->AddRecord(WriteBatchInternal::Contents(marker)));
  AE_RETURN_IF_ERROR(wal->Sync());
  AE_RETURN_IF_ERROR(fs_->SyncDir(dbname_));
  *out = std::move(wal);
  return Status::OK();
}

// REQUIRES: mu_ held by the leader.
std::shared_ptr<MemTable> DBImpl::NewMemTable(std::uint64_t wal_number) const {
  const auto buffer = static_cast<double>(options_.write_buffer_size);
  const auto filter_bytes = static_cast<std::size_t>(buffer * options_.memtable_bloom_size_ratio);
  const auto index_bytes = static_cast<std::size_t>(buffer * options_.memtable_hash_index_size_ratio);
  return std::make_shared<MemTable>(wal_number, arena_pool_.get(), filter_bytes, index_bytes);
}

Status DBImpl::SwitchMemTable(std::unique_lock<std::mutex>& lock) {
  const std::uint64_t number = versions_->NewFileNumber();
  const std::string path = WalFileName(dbname_, number);
  // Only the leader writes, so the next group gets this sequence.
  const SequenceNumber first_sequence = versions_->LastSequence() + 1;
  std::unique_ptr<WalWriter> next;
  lock.unlock();
  Status s = NewWal(number, first_sequence, &next);
  if (s.ok()) {
    // The old WAL's bytes go to the OS (a process crash loses nothing); it
    // is synced only when a synced write needs it (SyncOlderWals), or never
    // if its memtable is flushed first. Sequence numbers run on across
    // WALs, so recovery sees a lost tail as a gap and keeps the prefix.
    s = wal_->Flush();
    if (!s.ok()) {
      wal_.reset();  // in an unknown state: never used again
    }
  }
  lock.lock();
  if (!s.ok()) {
    next.reset();
    fs_->RemoveFile(path).IgnoreError();
    bg_error_ = Status::IOError("cannot switch to a new WAL", s.ToString());
    return bg_error_;
  }
  unsynced_wals_.push_back(std::move(wal_));
  std::erase_if(unsynced_wals_, [flushed = versions_->log_number()](const auto& w) {
    return w->file_number() < flushed;  // its memtable is in a table
  });
  wal_ = std::move(next);
  imm_.push_back(std::move(mem_));
  mem_ = NewMemTable(number);
  InstallSuperVersion();
  MaybeScheduleFlush();
  return Status::OK();
}

// REQUIRES: called by the write leader (or by Close once writers are gone).
Status DBImpl::SyncOlderWals() {
  const std::uint64_t flushed = versions_->log_number();
  while (!unsynced_wals_.empty()) {
    WalWriter& w = *unsynced_wals_.front();
    if (w.file_number() >= flushed) {
      if (Status s = w.Close(); !s.ok()) {  // synced, then its close record
        // Its tail may be lost. Nothing newer may become durable now (it
        // would follow lost writes): the newer WALs, the current one
        // included, are never synced or closed again.
        unsynced_wals_.clear();
        older_wal_unsynced_ = true;
        return s;
      }
    }
    unsynced_wals_.pop_front();
  }
  return Status::OK();
}

// ---------------------------------------------------------------- flushes

void DBImpl::InstallSuperVersion() {
  auto sv = std::make_shared<SuperVersion>();
  sv->mem = mem_;
  sv->imm.assign(imm_.rbegin(), imm_.rend());
  sv->version = versions_->current();
  super_version_ = std::move(sv);
}

void DBImpl::MaybeScheduleFlush() {
  if (flush_scheduled_ || imm_.empty() || shutting_down_ || !bg_error_.ok() || !pool_) {
    return;
  }
  flush_scheduled_ = true;
  pool_->Schedule([this] { BackgroundFlush(); });
}

std::vector<SequenceNumber> DBImpl::LiveSnapshots() const {
  std::vector<SequenceNumber> seqs;
  seqs.reserve(snapshots_.size());
  for (const SnapshotImpl& s : snapshots_) {
    seqs.push_back(s.sequence());
  }
  return seqs;  // ascending: snapshots are taken in sequence order
}

void DBImpl::BackgroundFlush() {
  std::unique_lock lock(mu_);
  while (!imm_.empty() && bg_error_.ok() && !shutting_down_) {
    std::shared_ptr<MemTable> mem = imm_.front();
    std::vector<SequenceNumber> snapshots = LiveSnapshots();
    lock.unlock();

    VersionEdit edit;
    Status s = WriteLevel0Table(*mem, snapshots, &edit);
    // WAL numbers grow, so every unflushed WAL is above this one.
    edit.log_number = mem->wal_number() + 1;
    if (s.ok()) {
      s = versions_->LogAndApply(&edit);
    }
    if (s.ok()) {
      fs_->RemoveFile(WalFileName(dbname_, mem->wal_number())).IgnoreError();
    }

    lock.lock();
    if (!s.ok()) {
      // The memtable stays readable and its WAL stays on disk; writes stop
      // until the database is reopened.
      bg_error_ = Status::IOError("flush failed; the database accepts no more writes",
                                  s.ToString());
      break;
    }
    imm_.pop_front();
    InstallSuperVersion();
    MaybeScheduleCompaction();
    bg_cv_.notify_all();
  }
  // Purged before the flush counts as done, so that a waiter finds the
  // replaced tables gone.
  lock.unlock();
  PurgeObsoleteFiles();
  lock.lock();
  flush_scheduled_ = false;
  bg_cv_.notify_all();
}

Status DBImpl::Flush() {
  if (read_only_) {
    return ReadOnlyError();
  }
  {
    std::lock_guard lock(mu_);
    if (shutting_down_) {
      return ClosedError();
    }
  }
  AE_RETURN_IF_ERROR(WriteImpl(WriteOptions{.sync = false}, nullptr));
  std::unique_lock lock(mu_);
  // Wait for every memtable frozen so far, including the one just frozen.
  const std::uint64_t target = imm_.empty() ? 0 : imm_.back()->wal_number();
  while (!imm_.empty() && imm_.front()->wal_number() <= target && bg_error_.ok() &&
         !shutting_down_) {
    MaybeScheduleFlush();
    bg_cv_.wait(lock);
  }
  if (!bg_error_.ok()) {
    return bg_error_;
  }
  return shutting_down_ ? ClosedError() : Status::OK();
}

// ---------------------------------------------------------------- compaction

void DBImpl::MaybeScheduleCompaction() {
  if (options_.disable_auto_compactions || shutting_down_ || !bg_error_.ok() || !pool_ ||
      manual_waiting_ > 0 || manual_compactions_ > 0) {
    return;
  }
  // With more than one thread, one is left for flushes.
  const int limit = std::max(1, options_.background_threads - 1);
  while (bg_compactions_ < limit) {
    std::shared_ptr<const Version> base = versions_->current();
    std::optional<Compaction> c = picker_->Pick(*base, busy_files_);
    while (!c && !read_compaction_candidates_.empty()) {
      c = picker_->PickForReads(*base, read_compaction_candidates_.back(), busy_files_);
      read_compaction_candidates_.pop_back();
    }
    if (!c) {
      return;
    }
    for (const CompactionInput& in : c->inputs) {
      for (const auto& f : in.files) {
        busy_files_.insert(f->number);
      }
    }
    ++bg_compactions_;
    pool_->Schedule([this, c = std::move(*c), base = std::move(base),
                     snapshots = LiveSnapshots()]() mutable {
      BackgroundCompaction(std::move(c), std::move(base), std::move(snapshots));
    });
  }
}

void DBImpl::RecordReadSample(const Version& v, std::string_view user_key) {
  const FileMetaData* first = nullptr;
  auto holds = [user_key](const FileMetaData& f) {
    return !f.empty_range() && f.smallest_user_key() <= user_key &&
           user_key <= f.largest_user_key();
  };
  for (int level = 0; level < kNumLevels; ++level) {
    const auto& tables = v.levels[level];
    const FileMetaData* match = nullptr;
    if (level == 0) {
      for (const auto& f : tables) {  // newest first
        if (holds(*f)) {
          match = f.get();
          break;
        }
      }
    } else {
      auto it = std::lower_bound(tables.begin(), tables.end(), user_key,
                                 [](const auto& f, std::string_view k) {
                                   return f->largest_user_key() < k;
                                 });
      if (it != tables.end() && holds(**it)) {
        match = it->get();
      }
    }
    if (match == nullptr) {
      continue;
    }
    if (first == nullptr) {
      first = match;
      if (level > 0) {
        continue;
      }
      // A second level-0 table holding the key also counts.
      const auto later = std::find_if(tables.begin(), tables.end(), [&](const auto& f) {
        return f.get() != first && holds(*f);
      });
      if (later == tables.end()) {
        continue;
      }
    }
    if (first->read_samples.Charge(first->file_size)) {
      std::lock_guard lock(mu_);
      read_compaction_candidates_.push_back(first->number);
      MaybeScheduleCompaction();
    }
    return;
  }
}

void DBImpl::BackgroundCompaction(Compaction c, std::shared_ptr<const Version> base,
                                  std::vector<SequenceNumber> snapshots) {
  bool run = false;
  {
    std::lock_guard lock(mu_);
    run = !shutting_down_ && bg_error_.ok();
  }
  Status s;
  std::vector<FileMetaData> outputs;
  if (run) {
    s = RunCompactionJob(c, base, std::move(snapshots), &outputs);
  }
  base.reset();
  bool installed = false;
  {
    std::lock_guard lock(mu_);
    if (run && !(s.IsAborted() && shutting_down_)) {
      FinishCompaction(c, s, outputs);
      installed = s.ok() && !c.trivial_move;
    } else {
      UnmarkBusy(c);
    }
  }
  if (installed) {
    // Readers now go to the outputs: the inputs' pages, resident in the
    // process where tables are mapped, need not stay beside theirs until
    // the last reader of the old version lets go.
    for (const CompactionInput& in : c.inputs) {
      for (const auto& f : in.files) {
        table_cache_->ReleaseMappedPages(f->number);
      }
    }
  }
  // Purged before the compaction counts as done, so that a waiter finds
  // the replaced tables gone.
  c.inputs.clear();  // drops its references to the replaced tables
  PurgeObsoleteFiles();
  std::lock_guard lock(mu_);
  --bg_compactions_;
  MaybeScheduleCompaction();
  bg_cv_.notify_all();
}

void DBImpl::UnmarkBusy(const Compaction& c) {
  for (const CompactionInput& in : c.inputs) {
    for (const auto& f : in.files) {
      busy_files_.erase(f->number);
    }
  }
}

Status DBImpl::RunCompactionJob(const Compaction& c, const std::shared_ptr<const Version>& base,
                                std::vector<SequenceNumber> snapshots,
                                std::vector<FileMetaData>* outputs) {
  VersionEdit edit;
  for (const CompactionInput& in : c.inputs) {
    for (const auto& f : in.files) {
      edit.DeleteFile(in.level, f->number);
    }
  }
  if (c.trivial_move) {
    for (const CompactionInput& in : c.inputs) {
      for (const auto& f : in.files) {
        edit.AddFile(c.output_level, *f);
      }
    }
    return versions_->LogAndApply(&edit);
  }

  Status s;
  CompactionJobStats job_stats;
  {
    TableReadOptions topts;
    topts.verify_checksums = true;  // never rewrite damaged data as good
    topts.fill_cache = false;
    topts.single_pass = true;
    std::vector<std::shared_ptr<TableReader>> readers;
    std::vector<std::unique_ptr<InternalIterator>> children;
    std::vector<const RangeTombstoneList*> tombstones;
    for (const CompactionInput& in : c.inputs) {
      for (const auto& f : in.files) {
        std::shared_ptr<TableReader> reader;
        AE_RETURN_IF_ERROR(table_cache_->Get(f->number, f->file_size, &reader));
        children.push_back(reader->NewIterator(topts));
        tombstones.push_back(&reader->range_tombstones());
        readers.push_back(std::move(reader));
      }
    }
    std::vector<std::shared_ptr<const FileMetaData>> others;
    for (const auto& level : base->levels) {
      for (const auto& f : level) {
        if (!c.Contains(f->number)) {
          others.push_back(f);
        }
      }
    }
    const TablesOlderData older(std::move(others), table_cache_.get());
    CompactionJobOptions copts;
    copts.table = TableOptions();
    copts.target_file_size = c.target_file_size;
    copts.older_data = &older;
    copts.snapshots = std::move(snapshots);
    copts.cancel = &cancel_compactions_;
    copts.compaction_filter = options_.compaction_filter;
    copts.output_level = c.output_level;
    std::unique_ptr<InternalIterator> input = NewMergingIterator(std::move(children));
    s = RunCompaction(dbname_, fs_, copts, input.get(), tombstones,
                      [this] { return versions_->NewFileNumber(); }, outputs, &job_stats);
  }
  for (std::size_t i = 0; s.ok() && i < outputs->size(); ++i) {
    std::shared_ptr<TableReader> reader;  // read each output back once
    s = table_cache_->Get((*outputs)[i].number, (*outputs)[i].file_size, &reader);
  }
  bool maybe_recorded = false;
  if (s.ok()) {
    for (const FileMetaData& f : *outputs) {
      edit.AddFile(c.output_level, f);
    }
    s = versions_->LogAndApply(&edit);
    // A failed manifest write may still have reached the file (and a later
    // Open would then list the outputs); only a refused edit surely did not.
    maybe_recorded = !s.ok() && !s.IsCorruption();
    if (s.ok()) {
      stats_->filtered_entries.fetch_add(job_stats.filtered_entries, std::memory_order_relaxed);
    }
  }
  if (!s.ok() && !maybe_recorded) {
    // Outputs the manifest does not name; Open would remove them too.
    for (const FileMetaData& f : *outputs) {
      table_cache_->Evict(f.number);
      fs_->RemoveFile(TableFileName(dbname_, f.number)).IgnoreError();
    }
    outputs->clear();
  }
  return s;
}

void DBImpl::FinishCompaction(const Compaction& c, const Status& s,
                              const std::vector<FileMetaData>& outputs) {
  UnmarkBusy(c);
  if (!s.ok()) {
    // Writes stop: the manifest may be unwritable, or a table damaged
    // (which would fail the same compaction again and again). Reads go on.
    std::string what = "compaction (" + std::string(CompactionReasonName(c.reason)) +
                       ") failed; the database accepts no more writes until reopened";
    if (bg_error_.ok()) {
      bg_error_ = s.IsCorruption() ? Status::Corruption(what, s.ToString())
                                   : Status::IOError(what, s.ToString());
    }
    return;
  }
  Stats& st = *stats_;
  st.compactions.fetch_add(1, std::memory_order_relaxed);
  if (c.trivial_move) {
    st.trivial_moves.fetch_add(1, std::memory_order_relaxed);
  } else {
    st.compaction_bytes_read.fetch_add(c.InputBytes(), std::memory_order_relaxed);
    for (const FileMetaData& f : outputs) {
      st.compaction_bytes_written.fetch_add(f.file_size, std::memory_order_relaxed);
    }
    for (const CompactionInput& in : c.inputs) {
      for (const auto& f : in.files) {
        obsolete_files_.emplace_back(f, f->number);
        have_obsolete_files_.store(true, std::memory_order_release);
      }
    }
  }
  picker_->Completed(c, outputs);
  InstallSuperVersion();
}

Status DBImpl::ManualCompaction(const UserKeyRange& range) {
  if (read_only_) {
    return ReadOnlyError();
  }
  AE_RETURN_IF_ERROR(Flush());
  std::optional<Compaction> c;
  std::shared_ptr<const Version> base;
  std::vector<SequenceNumber> snapshots;
  {
    std::unique_lock lock(mu_);
    // Manual compactions run alone: one may merge several levels into a
    // deeper one, over a key range that a concurrent compaction into that
    // level could otherwise enter. No new background compaction starts
    // while one waits or runs; flushes go on.
    ++manual_waiting_;
    while (!shutting_down_ && bg_error_.ok() &&
           (bg_compactions_ > 0 || manual_compactions_ > 0)) {
      bg_cv_.wait(lock);
    }
    --manual_waiting_;
    if (shutting_down_) {
      return ClosedError();
    }
    AE_RETURN_IF_ERROR(bg_error_);
    bool blocked = false;
    base = versions_->current();
    c = picker_->PickRange(*base, range, busy_files_, &blocked);
    if (!c) {
      MaybeScheduleCompaction();
      return Status::OK();
    }
    for (const CompactionInput& in : c->inputs) {
      for (const auto& f : in.files) {
        busy_files_.insert(f->number);
      }
    }
    ++manual_compactions_;
    snapshots = LiveSnapshots();
  }
  std::vector<FileMetaData> outputs;
  Status s = RunCompactionJob(*c, base, std::move(snapshots), &outputs);
  base.reset();
  {
    std::lock_guard lock(mu_);
    if ((!s.ok() && s.IsCorruption()) || (s.IsAborted() && shutting_down_)) {
      // Damage found by a compaction the caller asked for is reported to
      // the caller; it does not stop writes.
      UnmarkBusy(*c);
    } else {
      FinishCompaction(*c, s, outputs);
    }
    --manual_compactions_;
    MaybeScheduleCompaction();
    bg_cv_.notify_all();
  }
  c.reset();  // drops its references to the replaced tables
  PurgeObsoleteFiles();
  return s;
}

Status DBImpl::CompactAll() { return ManualCompaction(UserKeyRange{}); }

Status DBImpl::CompactRange(std::optional<std::string_view> begin,
                            std::optional<std::string_view> end) {
  if (begin && end && *begin > *end) {
    return Status::InvalidArgument("CompactRange needs begin <= end");
  }
  UserKeyRange range;
  if (begin) {
    range.begin = std::string(*begin);
  }
  if (end) {
    range.end = std::string(*end);
  }
  return ManualCompaction(range);
}

Status DBImpl::WaitForCompactions() {
  if (read_only_) {
    return Status::OK();  // no background work runs
  }
  std::unique_lock lock(mu_);
  while (true) {
    if (shutting_down_) {
      return ClosedError();
    }
    AE_RETURN_IF_ERROR(bg_error_);
    MaybeScheduleFlush();
    MaybeScheduleCompaction();
    if (imm_.empty() && !flush_scheduled_ && bg_compactions_ == 0 && manual_waiting_ == 0 &&
        manual_compactions_ == 0) {
      return Status::OK();
    }
    bg_cv_.wait(lock);
  }
}

void DBImpl::PurgeObsoleteFiles() {
  std::vector<std::uint64_t> unreferenced;
  {
    std::lock_guard lock(mu_);
    if (closed_) {
      return;  // the directory is no longer ours; Open removes leftovers
    }
    std::erase_if(obsolete_files_, [&](const auto& entry) {
      if (!entry.first.expired()) {
        return false;  // a reader still holds a version that lists it
      }
      unreferenced.push_back(entry.second);
      return true;
    });
    have_obsolete_files_.store(!obsolete_files_.empty(), std::memory_order_release);
  }
  for (std::uint64_t number : unreferenced) {
    table_cache_->Evict(number);
    // A failure only leaves a file that the next Open removes.
    fs_->RemoveFile(TableFileName(dbname_, number)).IgnoreError();
  }
}

// ---------------------------------------------------------------- reads

std::shared_ptr<const DBImpl::SuperVersion> DBImpl::AcquireView(const ReadOptions& options,
                                                                SequenceNumber* sequence,
                                                                Status* status) {
  std::lock_guard lock(mu_);
  if (shutting_down_) {
    *status = ClosedError();
    return nullptr;
  }
  *sequence = options.snapshot != nullptr ? options.snapshot->sequence()
                                          : versions_->LastSequence();
  return super_version_;
}

Status DBImpl::Get(const ReadOptions& options, std::string_view key, std::string* value) {
  if (key.empty()) {
    return Status::InvalidArgument("empty key");
  }
  Status s;
  SequenceNumber seq = 0;
  std::shared_ptr<const SuperVersion> sv = AcquireView(options, &seq, &s);
  if (!sv) {
    return s;
  }
  const LookupKey lookup(key, seq);

  // The newest point entry and the newest covering range tombstone, over
  // sources visited newest first; a source whose entries are all older
  // than what was found cannot change the answer.
  SequenceNumber point_seq = 0;
  SequenceNumber tombstone_seq = 0;
  bool is_value = false;
  std::string_view mem_value;
  std::string table_value;
  bool value_in_table = false;

  auto visit_memtable = [&](const MemTable& m) {
    MemTable::GetResult r = m.Get(lookup);
    if (r.kind != MemTable::GetResult::Kind::kNotFound && r.sequence > point_seq) {
      point_seq = r.sequence;
      is_value = r.kind == MemTable::GetResult::Kind::kValue;
      mem_value = r.value;
      value_in_table = false;
    }
    tombstone_seq = std::max(tombstone_seq, m.MaxCoveringTombstone(key, seq));
  };
  visit_memtable(*sv->mem);
  for (const auto& m : sv->imm) {
    if (m->last_sequence() <= std::max(point_seq, tombstone_seq)) {
      break;
    }
    visit_memtable(*m);
  }

  // Tables that may hold the key: every level-0 table whose range holds it
  // (newest first), and the one table per deeper level whose range does. A
  // table whose entries are all older than what was found is skipped: it
  // cannot change the answer.
  TableReadOptions topts;
  topts.verify_checksums = options.verify_checksums || options_.paranoid_checks;
  topts.fill_cache = options.fill_cache;
  std::uint64_t probed = 0;
  auto visit_table = [&](const FileMetaData& f) -> Status {
    if (f.largest_seq <= std::max(point_seq, tombstone_seq)) {
      return Status::OK();
    }
    ++probed;
    std::shared_ptr<TableReader> reader;
    AE_RETURN_IF_ERROR(table_cache_->Get(f.number, f.file_size, &reader));
    if (!reader->range_tombstones().empty()) {
      tombstone_seq =
          std::max(tombstone_seq, reader->range_tombstones().MaxCoveringSequence(key, seq));
    }
    TableReader::GetResult r;
    AE_RETURN_IF_ERROR(reader->Get(topts, lookup.internal_key(), &r));
    if (r.kind != TableReader::GetResult::Kind::kNotFound && r.sequence > point_seq) {
      point_seq = r.sequence;
      is_value = r.kind == TableReader::GetResult::Kind::kValue;
      table_value = std::move(r.value);
      value_in_table = true;
    }
    return Status::OK();
  };
  for (const auto& f : sv->version->levels[0]) {
    if (!f->empty_range() && key >= f->smallest_user_key() && key <= f->largest_user_key()) {
      AE_RETURN_IF_ERROR(visit_table(*f));
    }
  }
  for (int level = 1; level < kNumLevels; ++level) {
    const auto& tables = sv->version->levels[level];
    // Tables of a level >= 1 do not overlap in internal key order; a table
    // whose range tombstone ends at `key` has largest key@kMaxSequenceNumber,
    // which sorts before every entry of `key`.
    auto it = std::lower_bound(tables.begin(), tables.end(), lookup.internal_key(),
                               [](const auto& f, std::string_view k) {
                                 return CompareInternalKeys(f->largest, k) < 0;
                               });
    if (it != tables.end() && key >= (*it)->smallest_user_key()) {
      AE_RETURN_IF_ERROR(visit_table(**it));
    }
  }

  stats_->gets.fetch_add(1, std::memory_order_relaxed);
  stats_->tables_probed.fetch_add(probed, std::memory_order_relaxed);
  if (!is_value || point_seq <= tombstone_seq) {
    return Status::NotFound("key not found");
  }
  if (value_in_table) {
    *value = std::move(table_value);
  } else {
    value->assign(mem_value);
  }
  return Status::OK();
}

namespace {
// Keeps the sources of an iterator alive.
struct IteratorPin {
  ~IteratorPin() {
    tables.clear();
    memtable_tombstones.clear();
    view.reset();
    if (on_release) {
      on_release();  // the last reader of replaced tables may be gone now
    }
  }
  std::shared_ptr<const void> view;
  std::vector<std::shared_ptr<TableReader>> tables;
  std::vector<std::shared_ptr<const RangeTombstoneList>> memtable_tombstones;
  std::function<void()> on_release;
};

bool Overlaps(const FileMetaData& f, const std::optional<std::string>& lower,
              const std::optional<std::string>& upper) {
  if (f.empty_range()) {
    return false;
  }
  if (lower && f.largest_user_key() < std::string_view(*lower)) {
    return false;
  }
  if (upper && f.smallest_user_key() >= std::string_view(*upper)) {
    return false;
  }
  return true;
}
}  // namespace

std::unique_ptr<Iterator> DBImpl::NewIterator(const ReadOptions& options) {
  Status s;
  SequenceNumber seq = 0;
  std::shared_ptr<const SuperVersion> sv = AcquireView(options, &seq, &s);
  if (!sv) {
    return NewDBIterator(NewEmptyIterator(s), {}, 0, {}, {}, nullptr);
  }
  auto pin = std::make_shared<IteratorPin>();
  pin->view = sv;
  // Iterators are released before the DB (db.h), so `this` outlives them.
  pin->on_release = [this] {
    // Most releases find nothing to delete; they skip the mutex. A table
    // this check misses is deleted by the next flush, compaction or Close.
    if (have_obsolete_files_.load(std::memory_order_acquire)) {
      PurgeObsoleteFiles();
    }
  };
  std::vector<std::unique_ptr<InternalIterator>> children;
  // Each source's own fragmented list, checked in turn: nothing is copied
  // or re-fragmented per iterator.
  std::vector<const RangeTombstoneList*> tombstones;
  auto add_memtable = [&](const MemTable& m) {
    children.push_back(m.NewIterator());
    for (auto& list : m.RangeTombstones()) {
      tombstones.push_back(list.get());
      pin->memtable_tombstones.push_back(std::move(list));
    }
  };
  add_memtable(*sv->mem);
  for (const auto& m : sv->imm) {
    add_memtable(*m);
  }
  TableReadOptions topts;
  topts.verify_checksums = options.verify_checksums || options_.paranoid_checks;
  topts.fill_cache = options.fill_cache;
  for (int level = 0; level < kNumLevels; ++level) {
    // Level 0's tables overlap: each is a child of the merge. A sorted
    // level is one child that opens one table at a time.
    std::vector<ConcatenatedSource> run;
    for (const auto& f : sv->version->levels[level]) {
      if (!Overlaps(*f, options.lower_bound, options.upper_bound) ||
          f->smallest_seq > seq) {
        continue;
      }
      std::shared_ptr<TableReader> reader;
      if (s = table_cache_->Get(f->number, f->file_size, &reader); !s.ok()) {
        return NewDBIterator(NewEmptyIterator(s), {}, 0, {}, {}, nullptr);
      }
      // The reader's range tombstones apply wherever the iterator is,
      // whichever table is open.
      if (!reader->range_tombstones().empty()) {
        tombstones.push_back(&reader->range_tombstones());
      }
      if (level == 0) {
        children.push_back(reader->NewIterator(topts));
      } else {
        // The Version (pinned with the view) holds f, the pin holds reader.
        run.push_back({f->smallest, f->largest,
                       [r = reader.get(), topts] { return r->NewIterator(topts); }});
      }
      pin->tables.push_back(std::move(reader));
    }
    if (run.size() == 1) {
      children.push_back(run.front().open());
    } else if (!run.empty()) {
      children.push_back(NewConcatenatingIterator(std::move(run)));
    }
  }
  // Read samples only matter where a key can be in more than one table.
  ReadSampler sampler;
  if (!read_only_ && sv->version->NumFiles() > 1) {
    // The pin (held by the iterator until after the sampler) keeps the
    // Version alive; iterators are released before the DB.
    sampler = [this, v = sv->version.get()](std::string_view key) { RecordReadSample(*v, key); };
  }
  return NewDBIterator(NewMergingIterator(std::move(children)), std::move(tombstones), seq,
                       options.lower_bound, options.upper_bound, std::move(pin),
                       std::move(sampler));
}

Status DBImpl::Scan(const ReadOptions& options, std::string_view begin, std::string_view end,
                    std::size_t limit, std::vector<std::pair<std::string, std::string>>* out) {
  out->clear();
  ReadOptions ro = options;
  if (!ro.lower_bound || std::string_view(*ro.lower_bound) < begin) {
    ro.lower_bound = std::string(begin);
  }
  if (!end.empty() && (!ro.upper_bound || end < std::string_view(*ro.upper_bound))) {
    ro.upper_bound = std::string(end);
  }
  if (ro.upper_bound && *ro.lower_bound >= *ro.upper_bound) {
    return Status::OK();
  }
  std::unique_ptr<Iterator> it = NewIterator(ro);
  for (it->SeekToFirst(); it->Valid() && (limit == 0 || out->size() < limit); it->Next()) {
    out->emplace_back(it->key(), it->value());
  }
  Status s = it->status();
  if (!s.ok()) {
    out->clear();
  }
  return s;
}

const Snapshot* DBImpl::GetSnapshot() {
  std::lock_guard lock(mu_);
  snapshots_.emplace_back(versions_->LastSequence());
  snapshots_.back().self = std::prev(snapshots_.end());
  return &snapshots_.back();
}

void DBImpl::ReleaseSnapshot(const Snapshot* snapshot) {
  if (snapshot == nullptr) {
    return;
  }
  std::lock_guard lock(mu_);
  const auto* impl = static_cast<const SnapshotImpl*>(snapshot);
  snapshots_.erase(impl->self);
}

// ---------------------------------------------------------------- closing

Status DBImpl::Close() {
  std::unique_lock lock(mu_);
  if (shutting_down_) {
    // Closed, or being closed by another thread: wait for it to finish.
    while (!closed_) {
      bg_cv_.wait(lock);
    }
    return Status::OK();
  }
  shutting_down_ = true;
  bg_cv_.notify_all();  // wakes writers stalled for room
  cancel_compactions_.store(true);
  while (!writers_.empty() || flush_scheduled_ || bg_compactions_ > 0 ||
         manual_compactions_ > 0) {
    bg_cv_.wait(lock);
  }
  lock.unlock();
  pool_.reset();  // joins; queued jobs see shutting_down_ and return
  PurgeObsoleteFiles();
  Status s;
  if (!older_wal_unsynced_) {
    s = SyncOlderWals();
  }
  unsynced_wals_.clear();
  if (wal_ && !older_wal_unsynced_) {
    Status c = wal_->Close();
    if (c.ok() && !read_only_) {
      // The next Open must find this WAL whole: a WAL cut short or lost
      // after a clean close would otherwise read as one without writes.
      VersionEdit edit;
      edit.closed_wal = std::make_pair(wal_->file_number(), wal_->file_size());
      c = versions_->LogAndApply(&edit);
    }
    if (s.ok()) {
      s = c;
    }
  }
  wal_.reset();
  if (Status v = versions_->Close(); s.ok()) {
    s = v;
  }
  lock_.reset();
  lock.lock();
  closed_ = true;
  bg_cv_.notify_all();
  return s;
}

// ---------------------------------------------------------------- properties

std::string DBImpl::StatsString() const {
  std::shared_ptr<const SuperVersion> sv;
  std::uint64_t pending = 0;
  {
    std::lock_guard lock(mu_);
    sv = super_version_;
    if (sv) {
      pending = picker_->PendingCompactionBytes(*sv->version);
    }
  }
  if (!sv) {
    return {};
  }
  const Version& v = *sv->version;
  const Stats& st = *stats_;
  std::string out;
  const std::uint64_t total = v.TotalFileBytes();
  // The largest sorted run: a level >= 1, or one table.
  std::uint64_t largest_run = 0;
  Appendf(&out, "level  tables  bytes\n");
  for (int level = 0; level < kNumLevels; ++level) {
    std::uint64_t bytes = 0;
    for (const auto& f : v.levels[level]) {
      bytes += f->file_size;
      largest_run = std::max(largest_run, f->file_size);
    }
    if (level > 0) {
      largest_run = std::max(largest_run, bytes);
    }
    Appendf(&out, "%5d  %6zu  %" PRIu64 "\n", level, v.levels[level].size(), bytes);
  }
  const std::uint64_t user = st.user_bytes_written.load();
  const std::uint64_t flushed = st.bytes_flushed.load();
  const std::uint64_t compacted = st.compaction_bytes_written.load();
  const std::uint64_t wal = st.wal_bytes.load();
  const std::uint64_t gets = st.gets.load();
  Appendf(&out, "tables: %zu (%" PRIu64 " bytes)\n", v.NumFiles(), total);
  Appendf(&out, "memtables: 1 active + %zu frozen\n", sv->imm.size());
  Appendf(&out, "writes: %" PRIu64 " user writes (%" PRIu64 " bytes) in %" PRIu64 " groups, %" PRIu64
       " WAL syncs, %" PRIu64 " WAL bytes\n",
       st.writes.load(), user, st.write_groups.load(), st.wal_syncs.load(), wal);
  Appendf(&out, "flushes: %" PRIu64 " (%" PRIu64 " bytes)\n", st.flushes.load(), flushed);
  Appendf(&out, "compactions: %" PRIu64 " (%" PRIu64 " trivial moves), read %" PRIu64
       " bytes, wrote %" PRIu64 " bytes, %" PRIu64 " bytes pending\n",
       st.compactions.load(), st.trivial_moves.load(), st.compaction_bytes_read.load(),
       compacted, pending);
  if (options_.compaction_filter != nullptr) {
    Appendf(&out, "compaction filter: %s, %" PRIu64 " entries removed\n",
            options_.compaction_filter->Name(), st.filtered_entries.load());
  }
  Appendf(&out, "write amplification: %.2f (tables: (flushed + compacted) / user bytes), %.2f with "
       "the WAL\n",
       user ? static_cast<double>(flushed + compacted) / static_cast<double>(user) : 0.0,
       user ? static_cast<double>(flushed + compacted + wal) / static_cast<double>(user) : 0.0);
  Appendf(&out, "space amplification (estimate): %.2f (table bytes / bytes of the largest sorted "
       "run)\n",
       largest_run ? static_cast<double>(total) / static_cast<double>(largest_run) : 0.0);
  Appendf(&out, "read amplification: %.2f tables probed per get (%" PRIu64 " gets)\n",
       gets ? static_cast<double>(st.tables_probed.load()) / static_cast<double>(gets) : 0.0,
       gets);
  Appendf(&out, "stalls: %" PRIu64 " stops (%" PRIu64 " us), %" PRIu64 " slowdowns (%" PRIu64
       " us)\n",
       st.stall_count.load(), st.stall_micros.load(), st.slowdowns.load(),
       st.slowdown_micros.load());
  Appendf(&out, "block cache: %zu bytes\n", block_cache_->TotalCharge());
  return out;
}

bool DBImpl::GetProperty(std::string_view name, std::string* value) {
  std::shared_ptr<const SuperVersion> sv;
  {
    std::lock_guard lock(mu_);
    sv = super_version_;
  }
  if (!sv) {
    return false;
  }
  if (name == "aeternus.num-files") {
    *value = std::to_string(sv->version->NumFiles());
    return true;
  }
  constexpr std::string_view kLevelPrefix = "aeternus.num-files-at-level";
  if (name.starts_with(kLevelPrefix)) {
    std::string_view digits = name.substr(kLevelPrefix.size());
    if (digits.size() == 1 && digits[0] >= '0' && digits[0] < '0' + kNumLevels) {
      *value = std::to_string(sv->version->levels[digits[0] - '0'].size());
      return true;
    }
    return false;
  }
  if (name == "aeternus.estimate-num-keys") {
    // As RocksDB estimates it: each point tombstone is taken to cancel one
    // entry beside itself; overwritten versions and range deletions are
    // not seen, so the figure may be high.
    std::int64_t keys = static_cast<std::int64_t>(sv->mem->num_entries());
    for (const auto& m : sv->imm) {
      keys += static_cast<std::int64_t>(m->num_entries());
    }
    for (const auto& level : sv->version->levels) {
      for (const auto& f : level) {
        keys += static_cast<std::int64_t>(f->num_entries) -
                2 * static_cast<std::int64_t>(f->num_deletions);
      }
    }
    *value = std::to_string(std::max<std::int64_t>(keys, 0));
    return true;
  }
  if (name == "aeternus.memtable-bytes") {
    std::size_t bytes = sv->mem->ApproximateMemoryUsage();
    for (const auto& m : sv->imm) {
      bytes += m->ApproximateMemoryUsage();
    }
    *value = std::to_string(bytes);
    return true;
  }
  if (name == "aeternus.sequence") {
    *value = std::to_string(versions_->LastSequence());
    return true;
  }
  if (name == "aeternus.stats") {
    *value = StatsString();
    return true;
  }
  if (name == "aeternus.total-table-bytes") {
    *value = std::to_string(sv->version->TotalFileBytes());
    return true;
  }
  if (name == "aeternus.pending-compaction-bytes") {
    std::lock_guard lock(mu_);
    *value = std::to_string(picker_->PendingCompactionBytes(*sv->version));
    return true;
  }
  if (name == "aeternus.num-running-compactions") {
    std::lock_guard lock(mu_);
    *value = std::to_string(bg_compactions_ + manual_compactions_);
    return true;
  }
  if (name == "aeternus.num-compactions") {
    *value = std::to_string(stats_->compactions.load());
    return true;
  }
  if (name == "aeternus.num-filtered-entries") {
    *value = std::to_string(stats_->filtered_entries.load());
    return true;
  }
  if (name == "aeternus.write-slowdowns") {
    *value = std::to_string(stats_->slowdowns.load());
    return true;
  }
  if (name == "aeternus.write-stops") {
    *value = std::to_string(stats_->stall_count.load());
    return true;
  }
  return false;
}

}  // namespace aeternus
