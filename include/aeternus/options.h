#pragma once
// Options for opening a database, and per-call read and write options.
// Every field has a default; Open refuses invalid values with
// InvalidArgument naming the field.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>

#include "aeternus/compaction_filter.h"

namespace aeternus {

class Snapshot;

// Block compression; the value is stored in each block trailer.
enum class CompressionType : std::uint8_t {
  kNone = 0,
  kZstd = 1,  // when built with zstd (AETERNUS_WITH_ZSTD)
  kLz4 = 2,   // when built with lz4 (AETERNUS_WITH_LZ4)
};

// How tables are merged in the background (docs/compaction.md).
enum class CompactionStyle : std::uint8_t {
  // Sorted runs by level, each level_size_multiplier times the one above
  // (as in RocksDB and LevelDB): little space amplification, more rewriting.
  kLeveled = 0,
  // Tables of similar size are merged together (size-tiered): little
  // rewriting, more space amplification and more tables per read.
  kTiered = 1,
};

struct Options {
  // Create the database directory and its files when they are missing.
  // Default: true.
  bool create_if_missing = true;

  // Fail Open with InvalidArgument when the database already exists.
  // Default: false.
  bool error_if_exists = false;

  // Bytes a memtable may hold before it is frozen and flushed to a table.
  // Range: [64 KiB, 4 GiB]. Default: 64 MiB. May change between opens.
  std::size_t write_buffer_size = 64u << 20;

  // Frozen memtables allowed to wait for their flush; once this many wait,
  // writers wait too (backpressure) instead of growing memory without bound.
  // Range: [1, 64]. Default: 2.
  int max_write_buffer_number = 2;

  // Size of each memtable's bloom filter over its keys, as a fraction of
  // write_buffer_size (counted in it): a Get of a key a memtable does not
  // hold then skips that memtable's search. As RocksDB's
  // memtable_prefix_bloom_size_ratio with whole-key filtering. 0 disables
  // it. Range: [0, 0.25]. Default: 0.02 (about 8 bits per key for entries
  // of 50 bytes).
  double memtable_bloom_size_ratio = 0.02;

  // Size of each memtable's hash index, as a fraction of write_buffer_size
  // (counted in it): one 8-byte slot per key, pointing at the key's newest
  // entry, so that a Get of the latest version costs about two cache misses
  // instead of a skip-list descent (about 20 in a full 64 MiB memtable).
  // Reads at an older snapshot and iterators still use the skip list. Once
  // 3/4 of the slots are taken, further keys go unindexed (found through the
  // skip list and the bloom filter). As a guide, with entries of E bytes
  // (key + value + about 30) all keys are indexed at a ratio of 11 / E:
  // 0.125 for entries of 88 bytes. 0 disables it. Range: [0, 0.5].
  // Default: 0.
  double memtable_hash_index_size_ratio = 0;

  // Target size of a table data block, before compression.
  // Range: [256 B, 16 MiB]. Default: 4 KiB.
  std::size_t block_size = 4096;

  // Bloom filter bits per key in each table (about 1% false positives at
  // 10); 0 disables filters. Range: [0, 64]. Default: 10.
  int bloom_bits_per_key = 10;

  // Bytes of uncompressed data blocks kept in the shared LRU block cache;
  // 0 disables the cache. Default: 32 MiB.
  std::size_t block_cache_capacity = 32u << 20;

  // Tables are read through memory mappings where the platform allows (no
  // copy, no cache for uncompressed blocks), and every page read stays in
  // the process's resident memory (VmRSS) while its table is open, although
  // it is the kernel's page cache. When not 0, at most about this many
  // bytes of data blocks stay mapped: beyond it, the pages read least
  // recently are dropped from the mappings (the kernel keeps them in its
  // page cache; reading them again costs a page fault). Reads that keep
  // going over more data than this get slower (a fault per 64 KiB read
  // again). 0: no bound, as LevelDB. Default: 0.
  std::uint64_t mapped_table_capacity = 0;

  // Compression of table data blocks. A block is stored uncompressed when
  // compression saves less than 1/8 of it. Refused at Open when the library
  // was built without the codec. Default: kNone.
  CompressionType compression = CompressionType::kNone;

  // Threads for flushes and compactions. With more than one, one thread is
  // kept for flushes so that a long compaction never delays them.
  // Range: [1, 64]. Default: 2.
  int background_threads = 2;

  // ---- Compaction (docs/compaction.md). May change between opens.

  // Default: kLeveled (see README, "Choosing a compaction style").
  CompactionStyle compaction_style = CompactionStyle::kLeveled;

  // No background compaction; DB::CompactRange and DB::CompactAll still
  // work. Writes are still slowed and stopped by the level-0 triggers, so
  // leave this off unless the caller compacts. Default: false.
  bool disable_auto_compactions = false;

  // Compaction output is cut into tables of about this size (leveled; the
  // tiered style writes one table per merge). Range: [16 KiB, 4 GiB].
  // Default: 64 MiB.
  std::uint64_t target_file_size = 64u << 20;

  // Leveled: level-0 tables that start a compaction into level 1.
  // Range: [1, 1000]. Default: 4.
  int l0_compaction_trigger = 4;

  // Level-0 tables (leveled) or tables in all (tiered) at which each write
  // is delayed by about 1 ms, and at which writes wait for compaction.
  // Range: slowdown in [l0_compaction_trigger, 1000] (tiered: at least 2,
  // as merging always leaves one table), stop in [slowdown, 1000].
  // Defaults: 20 and 36.
  int l0_slowdown_writes_trigger = 20;
  int l0_stop_writes_trigger = 36;

  // Leveled: total bytes of level 1; level N+1 may hold
  // level_size_multiplier times level N. Ranges: [64 KiB, 1 TiB] and
  // [2, 100]. Defaults: 256 MiB and 10.
  std::uint64_t max_bytes_for_level_base = 256u << 20;
  int level_size_multiplier = 10;

  // Tiered: a table joins a bucket of tables whose average size it is
  // within [0.5x, 1.5x] of; tables under tiered_small_table_size share one
  // bucket. A bucket of min_merge_width tables is merged, at most
  // max_merge_width at once. Ranges: [0, 4 GiB], [2, 64], [min, 256].
  // Defaults: 1 MiB, 4, 32.
  std::uint64_t tiered_small_table_size = 1u << 20;
  int min_merge_width = 4;
  int max_merge_width = 32;

  // Tiered: a table whose tombstones make up more than this fraction of
  // its entries is rewritten alone to drop the tombstones that no longer
  // hide anything. Range: (0, 1]. Default: 0.3.
  double tombstone_compaction_ratio = 0.3;

  // Asked by compactions which entries to remove (compaction_filter.h), e.g.
  // values past their time to live; null: nothing is removed this way. Not
  // owned: the caller keeps it alive until the DB is destroyed. Flushes do
  // not call it. Default: nullptr.
  const CompactionFilter* compaction_filter = nullptr;

  // Largest key accepted, in bytes. Range: [1, 64 MiB]. Default: 8 KiB.
  std::size_t max_key_size = 8u << 10;

  // Largest value accepted, in bytes. Range: [0, 1 GiB]. Default: 64 MiB.
  std::size_t max_value_size = 64u << 20;

  // When true, any damage found while opening (a bad checksum in data that
  // was synced, a table that cannot be read) fails Open with Corruption,
  // and table checksums are always verified. When false, reads may skip
  // checksum verification unless ReadOptions::verify_checksums asks for it.
  // Default: true.
  bool paranoid_checks = true;
};

struct WriteOptions {
  // true: the write is on stable storage (WAL fsync'd) before it returns.
  // false: a crash of the machine may lose a recent suffix of writes; it
  // never reorders them or corrupts anything. A crash of the process alone
  // loses nothing. Default: true.
  bool sync = true;
};

struct ReadOptions {
  // Read as of this snapshot; null reads the latest state. Default: null.
  const Snapshot* snapshot = nullptr;

  // Verify the checksum of every block read from a table, also when the
  // block would be served from the cache path. Default: true.
  bool verify_checksums = true;

  // Put blocks read for this call into the block cache. Default: true.
  bool fill_cache = true;

  // Iterator and Scan bounds: lower inclusive, upper exclusive.
  std::optional<std::string> lower_bound = std::nullopt;
  std::optional<std::string> upper_bound = std::nullopt;
};

}  // namespace aeternus
