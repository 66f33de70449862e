#pragma once
// Options for opening a database, and per-call read and write options.
// Every field has a default; Open refuses invalid values with
// InvalidArgument naming the field.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>

namespace aeternus {

class Snapshot;

// Block compression; the value is stored in each block trailer.
enum class CompressionType : std::uint8_t {
  kNone = 0,
  kZstd = 1,  // when built with zstd (AETERNUS_WITH_ZSTD)
  kLz4 = 2,   // when built with lz4 (AETERNUS_WITH_LZ4)
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

  // Target size of a table data block, before compression.
  // Range: [256 B, 16 MiB]. Default: 4 KiB.
  std::size_t block_size = 4096;

  // Bloom filter bits per key in each table (about 1% false positives at
  // 10); 0 disables filters. Range: [0, 64]. Default: 10.
  int bloom_bits_per_key = 10;

  // Bytes of uncompressed data blocks kept in the shared LRU block cache;
  // 0 disables the cache. Default: 32 MiB.
  std::size_t block_cache_capacity = 32u << 20;

  // Compression of table data blocks. A block is stored uncompressed when
  // compression saves less than 1/8 of it. Refused at Open when the library
  // was built without the codec. Default: kNone.
  CompressionType compression = CompressionType::kNone;

  // Threads for flushes (and compactions). Range: [1, 64]. Default: 2.
  int background_threads = 2;

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
