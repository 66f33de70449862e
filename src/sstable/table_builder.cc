#include "sstable/table_builder.h"

#include <algorithm>
#include <cassert>
#include <map>

#include "env/file_system.h"
#include "util/compression.h"
#include "util/status_macros.h"

namespace aeternus {

namespace {

// Index blocks restart at every entry: a seek is a pure binary search and
// keys are compared in place.
constexpr int kIndexRestartInterval = 1;
constexpr int kRangeDelRestartInterval = 16;

}  // namespace

TableBuilder::TableBuilder(const TableBuilderOptions& options, WritableFile* file)
    : options_(options),
      file_(file),
      data_block_(std::max(options.block_restart_interval, 1)),
      index_block_(kIndexRestartInterval),
      use_filter_(options.bloom_bits_per_key > 0),
      filter_(std::max(options.bloom_bits_per_key, 1)) {
  assert(file_->Size() == 0);
  props_.format_version = static_cast<std::uint8_t>(kLatestTableFormat);
  props_.smallest_seq = kMaxSequenceNumber;
  if (!CompressionSupported(options_.compression)) {
    status_ = Status::NotSupported("table compression",
                                   std::string(CompressionTypeName(options_.compression)) +
                                       " is not built into this library");
  }
}

TableBuilder::~TableBuilder() = default;

std::uint64_t TableBuilder::FileSize() const {
  return finished_ ? offset_
                   : offset_ + (data_block_.empty() ? 0 : data_block_.CurrentSizeEstimate());
}

void TableBuilder::Add(std::string_view internal_key, std::string_view value) {
  assert(!finished_);
  if (!status_.ok() || finished_) {
    return;
  }
  ParsedInternalKey parsed;
  if (!ParseInternalKey(internal_key, &parsed) ||
      (parsed.type != ValueType::kValue && parsed.type != ValueType::kDeletion)) {
    status_ = Status::InvalidArgument("TableBuilder::Add", "not a point entry's internal key");
    return;
  }
  if (props_.num_entries > 0) {
    const std::string_view prev = data_block_.empty() ? last_key_ : data_block_.last_key();
    if (CompareInternalKeys(prev, internal_key) >= 0) {
      status_ = Status::InvalidArgument("TableBuilder::Add", "keys not strictly increasing");
      return;
    }
  } else {
    first_key_.assign(internal_key);
  }

  if (use_filter_) {
    filter_.AddKey(parsed.user_key);
  }
  data_block_.Add(internal_key, value);

  ++props_.num_entries;
  if (parsed.type == ValueType::kDeletion) {
    ++props_.num_deletions;
  }
  props_.raw_key_bytes += internal_key.size();
  props_.raw_value_bytes += value.size();
  props_.smallest_seq = std::min(props_.smallest_seq, parsed.sequence);
  props_.largest_seq = std::max(props_.largest_seq, parsed.sequence);

  if (data_block_.CurrentSizeEstimate() >= options_.block_size) {
    FlushDataBlock();
  }
}

void TableBuilder::AddRangeTombstone(std::string_view begin, std::string_view end,
                                     SequenceNumber seq) {
  assert(!finished_);
  assert(seq <= kMaxSequenceNumber);
  if (!status_.ok() || finished_ || begin >= end) {
    return;
  }
  range_tombstones_.push_back(RangeTombstone{std::string(begin), std::string(end), seq});
}

void TableBuilder::FlushDataBlock() {
  assert(!data_block_.empty());
  BlockHandle handle;
  status_ = WriteBlock(data_block_.Finish(), options_.compression, &handle);
  if (!status_.ok()) {
    return;
  }
  props_.data_bytes += handle.size + kBlockTrailerSize;
  // The index maps the last internal key of each data block to its handle:
  // the first block whose index key >= a target holds the first entry >= it.
  handle_buf_.clear();
  handle.EncodeTo(handle_buf_);
  index_block_.Add(data_block_.last_key(), handle_buf_);
  last_key_.assign(data_block_.last_key());
  data_block_.Reset();
}

Status TableBuilder::WriteBlock(std::string_view contents, CompressionType type,
                                BlockHandle* handle) {
  CompressionType stored = CompressionType::kNone;
  const std::string_view payload = CompressBlock(contents, type, &compressed_, &stored);
  return WriteRawBlock(payload, stored, handle);
}

Status TableBuilder::WriteRawBlock(std::string_view payload, CompressionType type,
                                   BlockHandle* handle) {
  char trailer[kBlockTrailerSize];
  EncodeBlockTrailer(payload, type, trailer);
  handle->offset = offset_;
  handle->size = payload.size();
  AE_RETURN_IF_ERROR(file_->Append(payload));
  AE_RETURN_IF_ERROR(file_->Append(std::string_view(trailer, kBlockTrailerSize)));
  offset_ += payload.size() + kBlockTrailerSize;
  return Status::OK();
}

void TableBuilder::FinalizeKeyRange() {
  std::string smallest;
  std::string largest;
  if (props_.num_entries > 0) {
    smallest = first_key_;
    largest = last_key_;
  }
  std::string candidate;
  for (const RangeTombstone& t : range_tombstones_) {
    candidate.clear();
    AppendInternalKey(candidate, t.begin, t.sequence, ValueType::kRangeDeletion);
    if (smallest.empty() || CompareInternalKeys(candidate, smallest) < 0) {
      smallest = candidate;
    }
    candidate.clear();
    AppendInternalKey(candidate, t.end, kMaxSequenceNumber, ValueType::kRangeDeletion);
    if (largest.empty() || CompareInternalKeys(candidate, largest) > 0) {
      largest = candidate;
    }
    props_.smallest_seq = std::min(props_.smallest_seq, t.sequence);
    props_.largest_seq = std::max(props_.largest_seq, t.sequence);
  }
  if (props_.num_entries == 0 && range_tombstones_.empty()) {
    props_.smallest_seq = 0;
    props_.largest_seq = 0;
  }
  props_.smallest_key = std::move(smallest);
  props_.largest_key = std::move(largest);
}

Status TableBuilder::Finish() {
  assert(!finished_);
  if (finished_) {
    return Status::InvalidArgument("TableBuilder::Finish", "called twice");
  }
  finished_ = true;
  AE_RETURN_IF_ERROR(status_);
  if (!data_block_.empty()) {
    FlushDataBlock();
    AE_RETURN_IF_ERROR(status_);
  }

  // Range tombstones ordered as internal keys begin@seq; exact duplicates
  // are written once.
  std::sort(range_tombstones_.begin(), range_tombstones_.end(),
            [](const RangeTombstone& a, const RangeTombstone& b) {
              if (int r = a.begin.compare(b.begin); r != 0) {
                return r < 0;
              }
              if (a.sequence != b.sequence) {
                return a.sequence > b.sequence;
              }
              return a.end < b.end;
            });
  range_tombstones_.erase(
      std::unique(range_tombstones_.begin(), range_tombstones_.end(),
                  [](const RangeTombstone& a, const RangeTombstone& b) {
                    return a.sequence == b.sequence && a.begin == b.begin && a.end == b.end;
                  }),
      range_tombstones_.end());
  props_.num_range_deletions = range_tombstones_.size();
  FinalizeKeyRange();

  // The index is finished first so that its size can go in the properties.
  const std::string_view index_contents = index_block_.Finish();
  props_.index_bytes = index_contents.size() + kBlockTrailerSize;

  std::string filter;
  if (use_filter_ && props_.num_entries > 0) {
    filter = filter_.Finish();
    props_.filter_bytes = filter.size() + kBlockTrailerSize;
  }

  std::map<std::string_view, BlockHandle> meta;  // name -> handle, bytewise order
  BlockHandle handle;
  if (!filter.empty()) {
    AE_RETURN_IF_ERROR(status_ = WriteRawBlock(filter, CompressionType::kNone, &handle));
    meta[kMetaFilterName] = handle;
  }
  if (!range_tombstones_.empty()) {
    BlockBuilder range_del(kRangeDelRestartInterval);
    std::string key;
    for (const RangeTombstone& t : range_tombstones_) {
      key.clear();
      AppendInternalKey(key, t.begin, t.sequence, ValueType::kRangeDeletion);
      range_del.Add(key, t.end);
    }
    AE_RETURN_IF_ERROR(status_ =
                           WriteRawBlock(range_del.Finish(), CompressionType::kNone, &handle));
    meta[kMetaRangeDelName] = handle;
  }
  const std::string props_block = EncodeTableProperties(props_);
  AE_RETURN_IF_ERROR(status_ = WriteRawBlock(props_block, CompressionType::kNone, &handle));
  meta[kMetaPropertiesName] = handle;

  BlockBuilder metaindex(1);
  for (const auto& [name, h] : meta) {
    handle_buf_.clear();
    h.EncodeTo(handle_buf_);
    metaindex.Add(name, handle_buf_);
  }
  Footer footer;
  AE_RETURN_IF_ERROR(status_ = WriteRawBlock(metaindex.Finish(), CompressionType::kNone,
                                             &footer.metaindex_handle));
  AE_RETURN_IF_ERROR(status_ = WriteRawBlock(index_contents, CompressionType::kNone,
                                             &footer.index_handle));
  std::string footer_bytes;
  footer.EncodeTo(footer_bytes);
  AE_RETURN_IF_ERROR(status_ = file_->Append(footer_bytes));
  offset_ += footer_bytes.size();
  return Status::OK();
}

}  // namespace aeternus
