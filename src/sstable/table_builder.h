#pragma once
// TableBuilder: writes one table file (docs/format/sstable.md) from point
// entries in internal key order plus range tombstones in any order.
//
// Layout written: data blocks, then at Finish() the filter block, the
// range-deletion block, the properties block, the metaindex block, the
// index block and the footer. The builder only appends: syncing, closing
// and renaming the file (<number>.sst.tmp -> <number>.sst) are the
// caller's.
//
// Errors are sticky: after the first failure (of the file, or a broken
// REQUIRES detected at run time) every later call is a no-op and Finish()
// returns that error.
//
// Thread safety: none; one builder is used by one thread.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "aeternus/options.h"
#include "aeternus/status.h"
#include "filter/bloom.h"
#include "key/internal_key.h"
#include "key/range_tombstone_list.h"
#include "sstable/block_builder.h"
#include "sstable/format.h"
#include "sstable/table_properties.h"

namespace aeternus {

class WritableFile;

struct TableBuilderOptions {
  // Target size of a data block before compression; a block is cut once it
  // reaches this size, so one holding a large entry may exceed it.
  // Default: 4 KiB.
  std::size_t block_size = 4096;
  // Bloom filter bits per user key; 0 writes no filter. Default: 10.
  int bloom_bits_per_key = 10;
  // Codec for data blocks. A codec not built in (CompressionSupported)
  // fails the builder with NotSupported. Default: kNone.
  CompressionType compression = CompressionType::kNone;
  // Entries between restart points in data blocks. Default: 16.
  int block_restart_interval = 16;
};

class TableBuilder {
 public:
  // `file` is borrowed and must be empty; it must outlive the builder.
  TableBuilder(const TableBuilderOptions& options, WritableFile* file);
  ~TableBuilder();

  TableBuilder(const TableBuilder&) = delete;
  TableBuilder& operator=(const TableBuilder&) = delete;

  // Adds a point entry. REQUIRES: internal_key is a valid internal key of
  // type kValue or kDeletion, sorting strictly after every key added
  // before (checked: a violation fails the builder with InvalidArgument);
  // Finish() not called.
  void Add(std::string_view internal_key, std::string_view value);

  // Adds the range tombstone [begin, end)@seq. Any order, any time before
  // Finish(). A tombstone with begin >= end covers nothing and is dropped.
  void AddRangeTombstone(std::string_view begin, std::string_view end, SequenceNumber seq);

  // Writes the remaining blocks and the footer. A table with no entries at
  // all is valid. REQUIRES: not called before.
  Status Finish();

  Status status() const { return status_; }
  // Bytes appended so far plus the pending data block; after Finish(), the
  // exact file size.
  std::uint64_t FileSize() const;
  // Point entries added so far.
  std::uint64_t NumEntries() const { return props_.num_entries; }
  // Complete after a successful Finish(); the counters are live before.
  const TableProperties& properties() const { return props_; }

 private:
  void FlushDataBlock();
  // Appends payload + trailer; *handle receives its place.
  Status WriteBlock(std::string_view contents, CompressionType type, BlockHandle* handle);
  Status WriteRawBlock(std::string_view payload, CompressionType type, BlockHandle* handle);
  void FinalizeKeyRange();

  const TableBuilderOptions options_;
  WritableFile* const file_;
  std::uint64_t offset_ = 0;  // bytes appended to file_
  Status status_;
  bool finished_ = false;

  BlockBuilder data_block_;
  BlockBuilder index_block_;
  // The last key of the previous data block; the order check falls back
  // to it while data_block_ is empty.
  std::string last_key_;
  std::string first_key_;
  bool use_filter_;
  BloomFilterBuilder filter_;
  std::vector<RangeTombstone> range_tombstones_;
  TableProperties props_;
  std::string compressed_;  // scratch for CompressBlock
  std::string handle_buf_;  // scratch for index values
};

}  // namespace aeternus
