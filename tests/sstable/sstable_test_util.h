#pragma once
// In-memory files, key helpers, and tools that damage a table behind
// valid checksums, for the table tests.

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

#include "env/file_system.h"
#include "key/internal_key.h"
#include "sstable/block.h"
#include "sstable/block_builder.h"
#include "sstable/format.h"
#include "util/coding.h"

namespace aeternus::sstable_test {

inline std::string IKey(std::string_view user_key, SequenceNumber seq,
                        ValueType type = ValueType::kValue) {
  std::string k;
  AppendInternalKey(k, user_key, seq, type);
  return k;
}

// A WritableFile appending to a string.
class StringSink final : public WritableFile {
 public:
  Status Append(std::string_view data) override {
    contents_.append(data);
    return Status::OK();
  }
  Status Flush() override { return Status::OK(); }
  Status Sync() override { return Status::OK(); }
  Status Close() override { return Status::OK(); }
  std::uint64_t Size() const override { return contents_.size(); }
  const std::string& contents() const { return contents_; }

 private:
  std::string contents_;
};

// A RandomAccessFile reading a string, copying into scratch as pread does.
class StringSource final : public RandomAccessFile {
 public:
  // `mapped`: reads point into the source's own memory, as a memory-mapped
  // file's do (MemoryMapped() is true).
  explicit StringSource(std::string contents, bool mapped = false)
      : contents_(std::move(contents)), mapped_(mapped) {}
  Status Read(std::uint64_t offset, std::size_t n, char* scratch,
              std::string_view* result) const override {
    if (offset > contents_.size()) {
      *result = {};
      return Status::OK();
    }
    const std::size_t len = std::min<std::size_t>(n, contents_.size() - offset);
    if (mapped_) {
      *result = std::string_view(contents_.data() + offset, len);
      return Status::OK();
    }
    std::memcpy(scratch, contents_.data() + offset, len);
    *result = std::string_view(scratch, len);
    return Status::OK();
  }
  bool MemoryMapped() const override { return mapped_; }

 private:
  std::string contents_;
  bool mapped_;
};

using BlockEntries = std::vector<std::pair<std::string, std::string>>;

inline std::string EncodeHandle(const BlockHandle& handle) {
  std::string s;
  handle.EncodeTo(s);
  return s;
}

inline BlockHandle DecodeHandle(std::string_view encoded) {
  BlockHandle handle;
  EXPECT_TRUE(handle.DecodeFrom(encoded)) << "not a block handle";
  return handle;
}

// The contents of a block holding `entries` in order, each at a restart
// point, as BlockBuilder writes them.
inline std::string BuildBlock(const BlockEntries& entries) {
  BlockBuilder builder(1);
  for (const auto& [key, value] : entries) {
    builder.Add(key, value);
  }
  return std::string(builder.Finish());
}

// A block whose restart array is well formed but whose only entry claims a
// key of 127 bytes where none follow: every iterator over it reports
// Corruption ("bad entry lengths").
inline std::string BlockWithOverlongEntry() {
  std::string block("\x00\x7f\x00", 3);  // shared 0, non_shared 127, value_size 0
  PutFixed32(block, 0);                  // restart point: the entry
  PutFixed32(block, 1);                  // num_restarts
  return block;
}

// A block whose restart count does not fit in it (Block::well_formed() is
// false).
inline std::string BlockWithBadRestartArray() { return std::string(4, '\xff'); }

// The footer of a whole table.
inline Footer TableFooter(std::string_view table) {
  Footer footer;
  EXPECT_TRUE(table.size() >= kFooterSize &&
              Footer::DecodeFrom(table.substr(table.size() - kFooterSize), "table", &footer).ok());
  return footer;
}

// The contents of the block at `handle` of `table`, checksum verified.
inline std::string ReadBlockContents(const std::string& table, const BlockHandle& handle) {
  StringSource file(table);
  BlockContents contents;
  const Status s = ReadBlock(file, table.size(), "table", handle, true, &contents);
  EXPECT_TRUE(s.ok()) << s.ToString();
  return std::string(contents.data);
}

// The entries of the block at `handle` of `table`.
inline BlockEntries ReadBlockEntries(const std::string& table, const BlockHandle& handle,
                                     BlockKeyOrder order) {
  const Block block(BlockContents::Copy(ReadBlockContents(table, handle)));
  BlockIter it;
  it.Init(&block, order);
  BlockEntries entries;
  for (it.SeekToFirst(); it.Valid(); it.Next()) {
    entries.emplace_back(it.key(), it.value());
  }
  EXPECT_TRUE(it.status().ok()) << it.status().ToString();
  return entries;
}

// Recomputes the trailer checksum of the block at `handle` after a test
// changed the block's bytes in place, as TableBuilder computes it: the
// damage then passes the checksum and reaches the reader's own checks.
inline void ResealBlock(std::string& table, const BlockHandle& handle) {
  ASSERT_LE(handle.offset + handle.size + kBlockTrailerSize, table.size());
  const std::string_view payload(table.data() + handle.offset, handle.size);
  char* trailer = table.data() + handle.offset + handle.size;
  char sealed[kBlockTrailerSize];
  EncodeBlockTrailer(payload, static_cast<CompressionType>(static_cast<std::uint8_t>(trailer[0])),
                     sealed);
  std::memcpy(trailer, sealed, kBlockTrailerSize);
}

// Sets the type byte of `internal_key` where an uncompressed data block of
// `table` stores it whole (its first copy in the file, so the same size),
// and reseals that block: an entry the writer never writes, behind a valid
// checksum. False when no data block stores the key whole.
inline bool SetStoredKeyType(std::string& table, std::string_view internal_key, std::uint8_t type) {
  const std::size_t pos = table.find(internal_key);
  if (pos == std::string::npos) {
    return false;
  }
  const Footer footer = TableFooter(table);
  for (const auto& [last_key, encoded] :
       ReadBlockEntries(table, footer.index_handle, BlockKeyOrder::kInternal)) {
    const BlockHandle handle = DecodeHandle(encoded);
    if (pos >= handle.offset && pos + internal_key.size() <= handle.offset + handle.size) {
      table[pos + internal_key.size() - kTrailerSize] = static_cast<char>(type);
      ResealBlock(table, handle);
      return true;
    }
  }
  return false;
}

// Rebuilds the tail of an uncompressed table written by TableBuilder, so
// that a test can swap its blocks for ones the writer never produces, and
// seals the result as the writer does (block checksums, footer checksum):
// such damage passes every checksum and reaches the reader's checks of the
// contents.
//
// The bytes before the metaindex block (data, filter, range-deletion and
// properties blocks) are kept; AppendBlock() adds blocks after them; then
// Finish() writes the metaindex block from `metaindex`, the index block
// from `index` and a new footer. The reader does not mind the bytes that
// no handle points to any more.
class TableRewriter {
 public:
  explicit TableRewriter(std::string table) : original_(std::move(table)) {
    const Footer footer = TableFooter(original_);
    metaindex = ReadBlockEntries(original_, footer.metaindex_handle, BlockKeyOrder::kBytewise);
    index = ReadBlockEntries(original_, footer.index_handle, BlockKeyOrder::kInternal);
    EXPECT_LT(footer.metaindex_handle.offset, footer.index_handle.offset);
    bytes_ = original_.substr(0, footer.metaindex_handle.offset);
  }

  // name -> encoded BlockHandle, in bytewise order of the names.
  BlockEntries metaindex;
  // Last internal key of a data block -> encoded BlockHandle, in order.
  BlockEntries index;
  // When set, the contents of the metaindex or index block instead of the
  // entries above.
  std::optional<std::string> raw_metaindex;
  std::optional<std::string> raw_index;

  // The handle that metaindex entry `name` holds.
  BlockHandle MetaHandle(std::string_view name) const {
    for (const auto& [n, encoded] : metaindex) {
      if (n == name) {
        return DecodeHandle(encoded);
      }
    }
    ADD_FAILURE() << "no metaindex entry " << name;
    return {};
  }
  // Points metaindex entry `name` at `encoded` (not necessarily a valid
  // handle), adding the entry in order when missing.
  void SetMeta(std::string_view name, std::string encoded) {
    auto it = std::find_if(metaindex.begin(), metaindex.end(),
                           [&](const auto& e) { return e.first >= name; });
    if (it != metaindex.end() && it->first == name) {
      it->second = std::move(encoded);
    } else {
      metaindex.emplace(it, std::string(name), std::move(encoded));
    }
  }
  void RemoveMeta(std::string_view name) {
    std::erase_if(metaindex, [&](const auto& e) { return e.first == name; });
  }

  // The contents of a block of the original table.
  std::string OriginalBlock(const BlockHandle& handle) const {
    return ReadBlockContents(original_, handle);
  }

  // Appends `contents` as an uncompressed block; returns its handle.
  BlockHandle AppendBlock(std::string_view contents) { return AppendSealed(bytes_, contents); }

  // Appends `contents` to `file` as an uncompressed block, with its trailer.
  static BlockHandle AppendSealed(std::string& file, std::string_view contents) {
    const BlockHandle handle{file.size(), contents.size()};
    char trailer[kBlockTrailerSize];
    EncodeBlockTrailer(contents, CompressionType::kNone, trailer);
    file.append(contents);
    file.append(trailer, kBlockTrailerSize);
    return handle;
  }

  // The sealed table. footer() then holds its block handles.
  std::string Finish() {
    std::string table = bytes_;
    auto append = [&table](std::string_view contents) { return AppendSealed(table, contents); };
    footer_.metaindex_handle = append(raw_metaindex ? *raw_metaindex : BuildBlock(metaindex));
    footer_.index_handle = append(raw_index ? *raw_index : BuildBlock(index));
    footer_.EncodeTo(table);
    return table;
  }
  const Footer& footer() const { return footer_; }

 private:
  const std::string original_;
  std::string bytes_;  // the kept prefix and the appended blocks
  Footer footer_;
};

}  // namespace aeternus::sstable_test
