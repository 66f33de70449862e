#pragma once
// Backend: one key-value engine as the benchmark drives it. Each engine
// (AeternusDB, and RocksDB and LevelDB when found at build time) has an
// implementation that maps the shared EngineConfig onto its own options, so
// that every engine runs the same workloads with the same settings
// (docs/benchmarks.md, "Equal configuration").
//
// Thread safety: after Open, Put, Delete, DeleteRange, Write, Get and
// NewCursor may be called from many threads at once; Open, Flush,
// CompactAll, WaitForIdle and Close only while no other call runs. A Batch or a Cursor is used by
// one thread at a time, and cursors are destroyed before Close.

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "aeternus/status.h"

namespace aeternus::bench {

using aeternus::Status;

enum class Compression : std::uint8_t { kNone, kZstd, kLz4 };
enum class CompactionStyle : std::uint8_t { kLeveled, kTiered };

// Whether a write returns only once its WAL record is on stable storage: as
// EngineConfig::sync says, or always (fillsync syncs every write whatever
// --sync says).
enum class Sync : std::uint8_t { kAsConfigured, kAlways };

std::string_view CompressionName(Compression compression);
std::string_view CompactionStyleName(CompactionStyle style);

// The settings every backend applies, each in its own terms. An engine that
// cannot apply one refuses to open (NotSupported) rather than run with a
// different setting; one that has no such knob says so in Describe().
struct EngineConfig {
  std::size_t write_buffer_size = 64u << 20;
  // Frozen memtables that may wait for their flush beside the active one.
  // 1: two memtables in all, as LevelDB has (fixed), so that every engine
  // gets the same memtable memory.
  int max_frozen_memtables = 1;
  std::size_t block_size = 4096;
  std::size_t cache_size = 32u << 20;  // block cache bytes
  // AeternusDB only: bytes of memory-mapped table data that stay mapped
  // (Options::mapped_table_capacity); 0: no bound.
  std::uint64_t mapped_table_capacity = 0;
  int bloom_bits = 10;                 // per key; 0: no filter
  Compression compression = Compression::kNone;
  // Leveled or size-tiered; AeternusDB only, the others are leveled.
  CompactionStyle compaction_style = CompactionStyle::kLeveled;
  std::uint64_t target_file_size = 64u << 20;
  std::uint64_t max_bytes_for_level_base = 256u << 20;
  int level_size_multiplier = 10;
  int l0_compaction_trigger = 4;
  int l0_slowdown_writes_trigger = 20;
  int l0_stop_writes_trigger = 36;
  int background_jobs = 2;  // threads for flushes and compactions
  bool sync = false;        // fsync the WAL on every write
  // Verify the checksum of each block read from a table file. AeternusDB
  // always does (every block it reads enters its cache, or paranoid_checks
  // asks for it), so an equal comparison keeps this true.
  bool verify_checksums = true;
};

// A write batch in the backend's own format, applied atomically by Write.
class Batch {
 public:
  virtual ~Batch() = default;
  virtual void Put(std::string_view key, std::string_view value) = 0;
  virtual void Delete(std::string_view key) = 0;
  virtual void Clear() = 0;
};

// An iterator over the whole store, in key order.
class Cursor {
 public:
  virtual ~Cursor() = default;
  virtual void SeekToFirst() = 0;
  virtual void SeekToLast() = 0;
  // Positions at the first key >= target.
  virtual void Seek(std::string_view target) = 0;
  // REQUIRES: Valid().
  virtual void Next() = 0;
  virtual void Prev() = 0;
  virtual bool Valid() const = 0;
  // REQUIRES: Valid(). Views live until the cursor moves.
  virtual std::string_view key() const = 0;
  virtual std::string_view value() const = 0;
  // OK unless an error ended the iteration.
  virtual Status status() const = 0;
};

// A setting as the engine received it: name (in the engine's terms) and value.
using Setting = std::pair<std::string, std::string>;

class Backend {
 public:
  virtual ~Backend() = default;

  // "aeternus", "rocksdb" or "leveldb".
  virtual std::string_view name() const = 0;

  // The engine's options as Open would set them for `config`, including the
  // defaults that matter for a comparison. Does not open anything.
  virtual std::vector<Setting> Describe(const EngineConfig& config) const = 0;

  // Opens (creating when missing) the store in directory `dir`.
  // NotSupported when the engine cannot run `config` as asked.
  virtual Status Open(const std::string& dir, const EngineConfig& config) = 0;

  virtual Status Put(std::string_view key, std::string_view value, Sync sync) = 0;
  virtual Status Delete(std::string_view key, Sync sync) = 0;
  // Removes every key in [begin, end). REQUIRES: begin < end. An engine
  // without such a call emulates it; DeleteRangeEmulation() says how.
  virtual Status DeleteRange(std::string_view begin, std::string_view end, Sync sync) = 0;
  // Empty when DeleteRange is the engine's own call; otherwise how the
  // backend emulates it, for the report.
  virtual std::string_view DeleteRangeEmulation() const { return {}; }
  virtual std::unique_ptr<Batch> NewBatch() = 0;
  // REQUIRES: `batch` came from this backend's NewBatch.
  virtual Status Write(Batch& batch, Sync sync) = 0;
  // Sets *found; an absent key is OK with *found false, not an error.
  virtual Status Get(std::string_view key, std::string* value, bool* found) = 0;
  virtual std::unique_ptr<Cursor> NewCursor() = 0;

  // Writes the memtable to a table and waits for it. NotSupported when the
  // engine has no such call.
  virtual Status Flush() = 0;
  // Merges everything into one sorted run, dropping overwritten and deleted
  // data, and waits until done.
  virtual Status CompactAll() = 0;
  // Waits until no flush or compaction runs or is due.
  virtual Status WaitForIdle() = 0;
  // Closes the store; the backend may be opened again.
  virtual Status Close() = 0;

  // Lines of the engine's own statistics worth showing in the summary;
  // empty when it keeps none. REQUIRES: open.
  virtual std::vector<std::string> EngineStats() = 0;
};

// Names of the backends built into this binary, in report order (aeternus
// first), and of those known but not built (their library was not found).
std::vector<std::string_view> BuiltBackends();
std::vector<std::string_view> UnavailableBackends();

// A closed backend by name; null when `name` is not built in.
std::unique_ptr<Backend> NewBackend(std::string_view name);

// One factory per engine, defined in <engine>_backend.cc.
std::unique_ptr<Backend> NewAeternusBackend();
#ifdef AETERNUS_BENCH_WITH_ROCKSDB
std::unique_ptr<Backend> NewRocksDbBackend();
#endif
#ifdef AETERNUS_BENCH_WITH_LEVELDB
std::unique_ptr<Backend> NewLevelDbBackend();
#endif

// Formatting of Describe() values.
std::string FormatBytes(std::uint64_t bytes);  // "64 MiB", "4096 B"
std::string FormatBool(bool value);
std::string FormatRatio(double value);  // "0.02"

// `s` with "<context>: " in front of its message, keeping its code.
Status WithContext(const Status& s, std::string_view context);

}  // namespace aeternus::bench
