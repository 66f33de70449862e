#pragma once
// TableReader: an open table file (docs/format/sstable.md). Open() reads
// the footer, index, filter, range-deletion and properties blocks once and
// keeps them in memory; data blocks are read on demand, through the block
// cache when there is one.
//
// Thread safety: immutable after Open(); Get, NewIterator and the accessors
// may be called from many threads at once. Each iterator is used by one
// thread at a time.
// Lifetime: REQUIRES: the TableReader outlives its iterators (the caller
// holds it, e.g. by shared_ptr, for as long as they live).

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "aeternus/status.h"
#include "filter/bloom.h"
#include "iterator/internal_iterator.h"
#include "key/internal_key.h"
#include "key/range_tombstone_list.h"
#include "sstable/block.h"
#include "sstable/format.h"
#include "sstable/index_fences.h"
#include "sstable/mapped_table_budget.h"
#include "sstable/pinned_block.h"
#include "sstable/table_properties.h"

namespace aeternus {

class BlockCache;
class RandomAccessFile;

struct TableReaderOptions {
  // Shared cache of data blocks; null reads every block from the file.
  // Borrowed: must outlive the reader. Default: null.
  BlockCache* block_cache = nullptr;
  // Verify the checksum of every data block read, whatever the per-read
  // options say (the DB passes Options::paranoid_checks). Blocks read at
  // Open, and blocks inserted into the cache, are always verified.
  // Default: true.
  bool verify_checksums = true;
  // The file's name, for error messages.
  std::string file_name;
  // When the file is memory-mapped: what bounds the bytes of its data
  // blocks that stay mapped (sstable/mapped_table_budget.h). Null, or a
  // budget without a limit: no bound.
  // Borrowed: must outlive the reader. Default: null.
  MappedTableBudget* mapped_budget = nullptr;
};

struct TableReadOptions {
  // Verify the checksum of data blocks read from the file. Default: true.
  bool verify_checksums = true;
  // Insert data blocks read from the file into the block cache.
  // Default: true.
  bool fill_cache = true;
  // One forward pass (a compaction's input): an iterator tells the file
  // (RandomAccessFile::WillNotNeed) about the data blocks it has moved
  // past, about every 1 MiB, so that a memory-mapped table read from end to
  // end does not stay resident in the process. Default: false.
  bool single_pass = false;
};

class TableReader {
 public:
  // Opens the table held by `file`, of `file_size` bytes. Corruption,
  // naming the file, on any damage found in the footer or the blocks read
  // at open; NotSupported for a table of a newer format version.
  static Status Open(const TableReaderOptions& options, std::unique_ptr<RandomAccessFile> file,
                     std::uint64_t file_size, std::unique_ptr<TableReader>* out);

  ~TableReader();
  TableReader(const TableReader&) = delete;
  TableReader& operator=(const TableReader&) = delete;

  struct GetResult {
    enum class Kind { kNotFound, kValue, kDeletion };
    Kind kind = Kind::kNotFound;
    SequenceNumber sequence = 0;
    std::string value;  // set for kValue
  };

  // Finds the newest point entry of the lookup key's user key with a
  // sequence <= the lookup key's sequence (`lookup_internal_key` as built
  // by LookupKey). kNotFound when there is none. Range tombstones are not
  // applied: they are in range_tombstones(), for the caller to weigh
  // against this table's and newer tables' entries. The bloom filter is
  // consulted first. REQUIRES: lookup_internal_key.size() >= kTrailerSize.
  Status Get(const TableReadOptions& options, std::string_view lookup_internal_key,
             GetResult* result) const;

  // An iterator over the point entries (not the range tombstones), in
  // internal key order. A damaged block makes it !Valid() with Corruption
  // in status(); the error is sticky for the iterator's life.
  std::unique_ptr<InternalIterator> NewIterator(const TableReadOptions& options) const;

  const RangeTombstoneList& range_tombstones() const { return range_tombstones_; }
  const TableProperties& properties() const { return props_; }
  // For a memory-mapped file: drops every page of the table from the
  // mapping (RandomAccessFile::WillNotNeed) and its charges from the
  // mapped_budget. For a table about to go (the input of a compaction
  // just installed), whose pages would otherwise stay resident beside
  // those of its replacement for as long as a reader holds it. Reads stay
  // correct and fault the pages in again.
  void ReleaseMappedPages();
  // False only when the bloom filter proves the user key has no point
  // entry here. True when the table has no filter.
  bool KeyMayMatch(std::string_view user_key) const { return filter_.KeyMayMatch(user_key); }
  std::uint64_t file_size() const { return file_size_; }
  const std::string& file_name() const { return options_.file_name; }

 private:
  friend class TableIterator;

  TableReader(const TableReaderOptions& options, std::unique_ptr<RandomAccessFile> file,
              std::uint64_t file_size);

  Status ReadMetaBlocks();
  // Positions `index_iter` (over index_block_) at the first entry >= target.
  void SeekIndex(BlockIter* index_iter, std::string_view target) const;
  // The data block at `handle`, which the index entry at offset
  // `index_entry` of the index block points to, from the cache or the file.
  Status GetDataBlock(const TableReadOptions& options, const BlockHandle& handle,
                      std::uint32_t index_entry, PinnedBlock* block) const;
  // Whether the checksum of the data block of the index entry at
  // `index_entry` was verified in the file's mapping (see verified_blocks_).
  bool BlockVerified(std::uint32_t index_entry) const;
  void MarkBlockVerified(std::uint32_t index_entry) const;
  // True when the block at `handle` is stored uncompressed. REQUIRES: the
  // file is memory-mapped (the peek at its trailer costs no read).
  bool StoredUncompressed(const BlockHandle& handle) const;
  Status Corruption(std::string_view what, std::uint64_t offset, const Status& cause = {}) const;

  const TableReaderOptions options_;
  const std::unique_ptr<RandomAccessFile> file_;
  const std::uint64_t file_size_;
  std::uint64_t cache_id_ = 0;
  Footer footer_;
  std::unique_ptr<Block> index_block_;
  IndexFences index_fences_;  // of index_block_
  // For a memory-mapped file: a bit per kMinIndexEntrySize bytes of the
  // index block, set once the data block of the index entry starting there
  // was verified in the mapping (entries are at least that far apart, so
  // each has its own bit). The file never changes while open, so such a
  // block is read in place without its checksum being computed again, as a
  // block verified on entry into the cache is not verified on a hit.
  static constexpr std::uint32_t kMinIndexEntrySize = 5;  // 3 length varints + a 2-byte handle
  std::unique_ptr<std::atomic<std::uint64_t>[]> verified_blocks_;
  // Where the data blocks end (the first meta block).
  std::uint64_t data_end_ = 0;
  // With a mapped_budget and a memory-mapped file: what this table holds
  // of the budget.
  std::unique_ptr<MappedTableBudget::Table> mapped_;
  BlockContents filter_contents_;
  BloomFilterReader filter_;  // views filter_contents_
  RangeTombstoneList range_tombstones_;
  TableProperties props_;
};

}  // namespace aeternus
