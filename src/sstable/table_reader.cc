#include "sstable/table_reader.h"

#include <algorithm>
#include <cassert>
#include <utility>
#include <vector>

#include "cache/block_cache.h"
#include "env/file_system.h"
#include "util/status_macros.h"

namespace aeternus {

// Two-level iterator: the index block picks a data block, a BlockIter walks
// it. Both BlockIters are members, re-pointed without allocating; the
// current data block is held by data_block_ (it may come from the cache).
class TableIterator final : public InternalIterator {
 public:
  TableIterator(const TableReader* table, const TableReadOptions& options)
      : table_(table), options_(options) {
    index_iter_.Init(table_->index_block_.get());
  }

  bool Valid() const override { return data_block_.get() != nullptr && data_iter_.Valid(); }

  void SeekToFirst() override {
    if (!status_.ok()) {
      return;
    }
    index_iter_.SeekToFirst();
    if (LoadDataBlock()) {
      data_iter_.SeekToFirst();
    }
    SkipForward();
  }

  void SeekToLast() override {
    if (!status_.ok()) {
      return;
    }
    index_iter_.SeekToLast();
    if (LoadDataBlock()) {
      data_iter_.SeekToLast();
    }
    SkipBackward();
  }

  void Seek(std::string_view target) override {
    if (!status_.ok()) {
      return;
    }
    table_->SeekIndex(&index_iter_, target);
    if (LoadDataBlock()) {
      data_iter_.Seek(target);
    }
    SkipForward();
  }

  void SeekForPrev(std::string_view target) override {
    if (!status_.ok()) {
      return;
    }
    // The first block whose last key >= target holds the last key <= target,
    // or that key ends the block before it.
    table_->SeekIndex(&index_iter_, target);
    if (!index_iter_.Valid()) {
      if (index_iter_.status().ok()) {
        SeekToLast();  // every key is < target
      } else {
        IndexError();
      }
      return;
    }
    if (LoadDataBlock()) {
      data_iter_.SeekForPrev(target);
    }
    SkipBackward();
  }

  void Next() override {
    assert(Valid());
    data_iter_.Next();
    SkipForward();
  }

  void Prev() override {
    assert(Valid());
    data_iter_.Prev();
    SkipBackward();
  }

  std::string_view key() const override { return data_iter_.key(); }
  std::string_view value() const override { return data_iter_.value(); }
  Status status() const override { return status_; }

 private:
  void SetError(Status s) {
    if (status_.ok()) {
      status_ = std::move(s);
    }
    data_block_.Reset();
  }

  void IndexError() {
    SetError(table_->Corruption("index block", table_->footer_.index_handle.offset,
                                index_iter_.status()));
  }

  // Points data_iter_ at the block of the current index entry. False (with
  // data_block_ empty) when the index is exhausted or on error.
  bool LoadDataBlock() {
    if (!index_iter_.Valid()) {
      if (!index_iter_.status().ok()) {
        IndexError();
      }
      data_block_.Reset();
      return false;
    }
    std::string_view v = index_iter_.value();
    BlockHandle handle;
    if (!handle.DecodeFrom(v)) {
      SetError(table_->Corruption("bad block handle in index block",
                                  table_->footer_.index_handle.offset));
      return false;
    }
    if (data_block_.get() != nullptr && handle.offset == data_offset_) {
      return true;  // already loaded; the caller repositions data_iter_
    }
    if (Status s =
            table_->GetDataBlock(options_, handle, index_iter_.entry_offset(), &data_block_);
        !s.ok()) {
      SetError(std::move(s));
      return false;
    }
    data_offset_ = handle.offset;
    data_iter_.Init(data_block_.get());
    if (options_.single_pass && data_offset_ >= passed_from_ + kWillNotNeedStep) {
      table_->file_->WillNotNeed(passed_from_, data_offset_ - passed_from_);
      passed_from_ = data_offset_;
    }
    return true;
  }

  // True when data_iter_ failed; records the error.
  bool DataFailed() {
    if (data_block_.get() != nullptr && !data_iter_.status().ok()) {
      SetError(table_->Corruption("data block", data_offset_, data_iter_.status()));
      return true;
    }
    return false;
  }

  void SkipForward() {
    while (status_.ok() && data_block_.get() != nullptr && !data_iter_.Valid()) {
      if (DataFailed()) {
        return;
      }
      index_iter_.Next();
      if (LoadDataBlock()) {
        data_iter_.SeekToFirst();
      }
    }
  }

  void SkipBackward() {
    while (status_.ok() && data_block_.get() != nullptr && !data_iter_.Valid()) {
      if (DataFailed()) {
        return;
      }
      index_iter_.Prev();
      if (LoadDataBlock()) {
        data_iter_.SeekToLast();
      }
    }
  }

  const TableReader* const table_;
  const TableReadOptions options_;
  BlockIter index_iter_;
  PinnedBlock data_block_;                   // empty: not positioned in a block
  std::uint64_t data_offset_ = 0;            // offset of data_block_
  // single_pass: the blocks before passed_from_ were given to WillNotNeed,
  // in steps of at least kWillNotNeedStep bytes.
  static constexpr std::uint64_t kWillNotNeedStep = 1 << 20;
  std::uint64_t passed_from_ = 0;
  BlockIter data_iter_;
  Status status_;  // sticky
};

TableReader::TableReader(const TableReaderOptions& options, std::unique_ptr<RandomAccessFile> file,
                         std::uint64_t file_size)
    : options_(options), file_(std::move(file)), file_size_(file_size) {}

TableReader::~TableReader() = default;

Status TableReader::Corruption(std::string_view what, std::uint64_t offset,
                               const Status& cause) const {
  std::string detail(what);
  detail.append(" at offset ");
  detail.append(std::to_string(offset));
  if (!cause.ok()) {
    detail.append(": ");
    detail.append(cause.message());
  }
  return Status::Corruption(options_.file_name, detail);
}

Status TableReader::Open(const TableReaderOptions& options, std::unique_ptr<RandomAccessFile> file,
                         std::uint64_t file_size, std::unique_ptr<TableReader>* out) {
  out->reset();
  if (file_size < kFooterSize) {
    return Status::Corruption(options.file_name, "file of " + std::to_string(file_size) +
                                                     " bytes is too short to be a table");
  }
  std::unique_ptr<TableReader> t(new TableReader(options, std::move(file), file_size));
  char footer_buf[kFooterSize];
  std::string_view footer_bytes;
  AE_RETURN_IF_ERROR(
      t->file_->Read(file_size - kFooterSize, kFooterSize, footer_buf, &footer_bytes));
  if (footer_bytes.size() != kFooterSize) {
    return Status::Corruption(options.file_name, "truncated table footer");
  }
  AE_RETURN_IF_ERROR(Footer::DecodeFrom(footer_bytes, options.file_name, &t->footer_));
  AE_RETURN_IF_ERROR(t->ReadMetaBlocks());
  if (t->file_->MemoryMapped() && options.mapped_budget != nullptr &&
      options.mapped_budget->limit() != 0) {
    t->mapped_ = std::make_unique<MappedTableBudget::Table>(options.mapped_budget, t->file_.get(),
                                                            t->data_end_);
  }
  if (options.block_cache != nullptr) {
    t->cache_id_ = options.block_cache->NewId();
  }
  *out = std::move(t);
  return Status::OK();
}

Status TableReader::ReadMetaBlocks() {
  const std::string& name = options_.file_name;
  // Blocks read at open are always verified: once per table, and the
  // reader trusts them for its whole life.
  BlockContents contents;
  AE_RETURN_IF_ERROR(ReadBlock(*file_, file_size_, name, footer_.index_handle, true, &contents));
  index_block_ = std::make_unique<Block>(std::move(contents));
  if (!index_block_->well_formed()) {
    return Corruption("malformed index block", footer_.index_handle.offset);
  }
  index_fences_ = IndexFences(*index_block_);
  if (file_->MemoryMapped()) {
    const std::size_t bits = index_block_->size() / kMinIndexEntrySize + 1;
    verified_blocks_ = std::make_unique<std::atomic<std::uint64_t>[]>((bits + 63) / 64);
  }

  AE_RETURN_IF_ERROR(
      ReadBlock(*file_, file_size_, name, footer_.metaindex_handle, true, &contents));
  const Block metaindex(std::move(contents));
  BlockHandle filter_handle;
  BlockHandle range_del_handle;
  BlockHandle props_handle;
  bool has_filter = false;
  bool has_range_del = false;
  bool has_props = false;
  BlockIter it;
  it.Init(&metaindex, BlockKeyOrder::kBytewise);
  for (it.SeekToFirst(); it.Valid(); it.Next()) {
    BlockHandle* handle = nullptr;
    if (it.key() == kMetaFilterName) {
      handle = &filter_handle;
      has_filter = true;
    } else if (it.key() == kMetaRangeDelName) {
      handle = &range_del_handle;
      has_range_del = true;
    } else if (it.key() == kMetaPropertiesName) {
      handle = &props_handle;
      has_props = true;
    } else {
      continue;  // a block this version does not use
    }
    std::string_view v = it.value();
    if (!handle->DecodeFrom(v)) {
      return Corruption("bad block handle in metaindex block", footer_.metaindex_handle.offset);
    }
  }
  if (!it.status().ok()) {
    return Corruption("metaindex block", footer_.metaindex_handle.offset, it.status());
  }

  if (!has_props) {
    return Corruption("no properties block in metaindex block", footer_.metaindex_handle.offset);
  }
  AE_RETURN_IF_ERROR(ReadBlock(*file_, file_size_, name, props_handle, true, &contents));
  {
    const Block props_block(std::move(contents));
    if (Status s = DecodeTableProperties(props_block, &props_); !s.ok()) {
      return Corruption("properties block", props_handle.offset, s);
    }
    auto bad_bound = [](const std::string& k) { return !k.empty() && k.size() < kTrailerSize; };
    if (bad_bound(props_.smallest_key) || bad_bound(props_.largest_key)) {
      return Corruption("bad key range in properties block", props_handle.offset);
    }
  }

  data_end_ = std::min({footer_.index_handle.offset, footer_.metaindex_handle.offset,
                        props_handle.offset});
  if (has_filter) {
    data_end_ = std::min(data_end_, filter_handle.offset);
  }
  if (has_range_del) {
    data_end_ = std::min(data_end_, range_del_handle.offset);
  }
  if (has_filter) {
    AE_RETURN_IF_ERROR(ReadBlock(*file_, file_size_, name, filter_handle, true, &filter_contents_));
    filter_ = BloomFilterReader(filter_contents_.data);
  }

  if (has_range_del) {
    AE_RETURN_IF_ERROR(ReadBlock(*file_, file_size_, name, range_del_handle, true, &contents));
    const Block range_del(std::move(contents));
    std::vector<RangeTombstone> tombstones;
    BlockIter rit;
    rit.Init(&range_del);
    for (rit.SeekToFirst(); rit.Valid(); rit.Next()) {
      ParsedInternalKey parsed;
      if (!ParseInternalKey(rit.key(), &parsed) || parsed.type != ValueType::kRangeDeletion) {
        return Corruption("bad entry in range-deletion block", range_del_handle.offset);
      }
      tombstones.push_back(
          RangeTombstone{std::string(parsed.user_key), std::string(rit.value()), parsed.sequence});
    }
    if (!rit.status().ok()) {
      return Corruption("range-deletion block", range_del_handle.offset, rit.status());
    }
    range_tombstones_ = RangeTombstoneList(std::move(tombstones));
  }
  return Status::OK();
}

bool TableReader::StoredUncompressed(const BlockHandle& handle) const {
  if (handle.offset >= file_size_ || handle.size >= file_size_ - handle.offset) {
    return false;  // ReadBlock reports the bad handle
  }
  std::string_view type;
  return file_->Read(handle.offset + handle.size, 1, nullptr, &type).ok() && type.size() == 1 &&
         static_cast<CompressionType>(static_cast<std::uint8_t>(type[0])) ==
             CompressionType::kNone;
}

bool TableReader::BlockVerified(std::uint32_t index_entry) const {
  const std::uint32_t bit = index_entry / kMinIndexEntrySize;
  return (verified_blocks_[bit / 64].load(std::memory_order_acquire) >> (bit % 64)) & 1;
}

void TableReader::MarkBlockVerified(std::uint32_t index_entry) const {
  const std::uint32_t bit = index_entry / kMinIndexEntrySize;
  verified_blocks_[bit / 64].fetch_or(std::uint64_t{1} << (bit % 64), std::memory_order_release);
}

void TableReader::ReleaseMappedPages() {
  if (mapped_ != nullptr) {
    mapped_->ReleaseAll(file_size_);
  } else if (file_->MemoryMapped()) {
    file_->WillNotNeed(0, file_size_);
  }
}

Status TableReader::GetDataBlock(const TableReadOptions& options, const BlockHandle& handle,
                                 std::uint32_t index_entry, PinnedBlock* block) const {
  if (verified_blocks_ != nullptr && StoredUncompressed(handle)) {
    // Read in place from the mapping: cheaper than a cache lookup, and the
    // cache keeps its room for blocks that cost a read or a decompression.
    const bool verify = (options_.verify_checksums || options.verify_checksums) &&
                        !BlockVerified(index_entry);
    BlockContents contents;
    AE_RETURN_IF_ERROR(
        ReadBlock(*file_, file_size_, options_.file_name, handle, verify, &contents));
    if (!block->SetInPlace(std::move(contents)).well_formed()) {
      block->Reset();
      return Corruption("malformed data block", handle.offset);
    }
    if (verify) {
      MarkBlockVerified(index_entry);
    }
    if (mapped_ != nullptr && !options.single_pass) {
      mapped_->Touch(handle.offset, handle.size + kBlockTrailerSize);
    }
    return Status::OK();
  }
  BlockCache* cache = options_.block_cache;
  if (cache != nullptr) {
    if (auto cached = cache->Lookup(cache_id_, handle.offset); cached != nullptr) {
      block->SetShared(std::move(cached));
      return Status::OK();
    }
  }
  const bool fill = cache != nullptr && options.fill_cache;
  // A block that enters the cache is verified, so that a cache hit never
  // needs to be.
  const bool verify = options_.verify_checksums || options.verify_checksums || fill;
  BlockContents contents;
  AE_RETURN_IF_ERROR(
      ReadBlock(*file_, file_size_, options_.file_name, handle, verify, &contents));
  auto b = std::make_shared<const Block>(std::move(contents));
  if (!b->well_formed()) {
    return Corruption("malformed data block", handle.offset);
  }
  if (fill) {
    cache->Insert(cache_id_, handle.offset, b);
  }
  if (mapped_ != nullptr && !options.single_pass) {
    mapped_->Touch(handle.offset, handle.size + kBlockTrailerSize);
  }
  block->SetShared(std::move(b));
  return Status::OK();
}

Status TableReader::Get(const TableReadOptions& options, std::string_view lookup_internal_key,
                        GetResult* result) const {
  assert(lookup_internal_key.size() >= kTrailerSize);
  result->kind = GetResult::Kind::kNotFound;
  result->sequence = 0;
  result->value.clear();
  const std::string_view user_key = ExtractUserKey(lookup_internal_key);
  if (!filter_.KeyMayMatch(user_key)) {
    return Status::OK();
  }
  BlockIter index_iter;
  index_iter.Init(index_block_.get());
  SeekIndex(&index_iter, lookup_internal_key);
  if (!index_iter.Valid()) {
    if (!index_iter.status().ok()) {
      return Corruption("index block", footer_.index_handle.offset, index_iter.status());
    }
    return Status::OK();
  }
  std::string_view v = index_iter.value();
  BlockHandle handle;
  if (!handle.DecodeFrom(v)) {
    return Corruption("bad block handle in index block", footer_.index_handle.offset);
  }
  PinnedBlock block;
  AE_RETURN_IF_ERROR(GetDataBlock(options, handle, index_iter.entry_offset(), &block));
  BlockIter it;
  it.Init(block.get());
  it.Seek(lookup_internal_key);
  if (!it.Valid()) {
    if (!it.status().ok()) {
      return Corruption("data block", handle.offset, it.status());
    }
    return Status::OK();
  }
  ParsedInternalKey parsed;
  if (!ParseInternalKey(it.key(), &parsed)) {
    return Corruption("bad internal key in data block", handle.offset);
  }
  if (parsed.user_key != user_key) {
    return Status::OK();
  }
  switch (parsed.type) {
    case ValueType::kValue:
      result->kind = GetResult::Kind::kValue;
      result->value.assign(it.value());
      break;
    case ValueType::kDeletion:
      result->kind = GetResult::Kind::kDeletion;
      break;
    case ValueType::kRangeDeletion:
      return Corruption("range tombstone in data block", handle.offset);
  }
  result->sequence = parsed.sequence;
  return Status::OK();
}

void TableReader::SeekIndex(BlockIter* index_iter, std::string_view target) const {
  const IndexFences::Range r = index_fences_.Narrow(target, index_block_->num_restarts());
  index_iter->Seek(target, r.first, r.last);
}

std::unique_ptr<InternalIterator> TableReader::NewIterator(const TableReadOptions& options) const {
  return std::make_unique<TableIterator>(this, options);
}

}  // namespace aeternus
