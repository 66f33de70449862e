#include "table_inspector.h"

#include <cinttypes>
#include <memory>
#include <string_view>
#include <utility>
#include <vector>

#include "describe.h"
#include "env/file_system.h"
#include "iterator/internal_iterator.h"
#include "key/internal_key.h"
#include "sstable/block.h"
#include "sstable/format.h"
#include "sstable/table_properties.h"
#include "sstable/table_reader.h"
#include "util/status_macros.h"

namespace aeternus::cli {
namespace {

std::string DescribeHandle(const BlockHandle& handle) {
  return "offset " + std::to_string(handle.offset) + " size " + std::to_string(handle.size);
}

Status OpenTableFile(const std::string& path, std::unique_ptr<RandomAccessFile>* file,
                     std::uint64_t* size) {
  FileSystem* fs = FileSystem::Default();
  AE_RETURN_IF_ERROR(fs->GetFileSize(path, size));
  return fs->NewRandomAccessFile(path, file);
}

Status TableCorruption(const std::string& path, const std::string& detail) {
  return Status::Corruption(path, detail);
}

// Accumulates the dump's text and its first error.
class TablePrinter {
 public:
  TablePrinter(const std::string& path, const ByteFormat& format, std::FILE* out)
      : path_(path), format_(format), out_(out) {}

  void Line(const std::string& text) {
    std::fwrite(text.data(), 1, text.size(), out_);
    std::fputc('\n', out_);
  }
  // Prints the error in place and keeps the first one.
  void Error(const Status& s) {
    Line("  error: " + s.ToString());
    if (first_error_.ok()) {
      first_error_ = s;
    }
  }
  const Status& first_error() const { return first_error_; }
  const ByteFormat& format() const { return format_; }
  const std::string& path() const { return path_; }

 private:
  const std::string& path_;
  const ByteFormat& format_;
  std::FILE* out_;
  Status first_error_;
};

// Reads and verifies the block at `handle`; reports a failure.
bool ReadCheckedBlock(TablePrinter& p, const RandomAccessFile& file, std::uint64_t file_size,
                      const BlockHandle& handle, std::unique_ptr<Block>* block) {
  BlockContents contents;
  if (Status s = ReadBlock(file, file_size, p.path(), handle, /*verify_checksum=*/true, &contents);
      !s.ok()) {
    p.Error(s);
    return false;
  }
  *block = std::make_unique<Block>(std::move(contents));
  if (!(*block)->well_formed()) {
    p.Error(
        TableCorruption(p.path(), "malformed block at offset " + std::to_string(handle.offset)));
    return false;
  }
  return true;
}

void PrintProperties(TablePrinter& p, const Block& block) {
  TableProperties props;
  if (Status s = DecodeTableProperties(block, &props); !s.ok()) {
    p.Error(TableCorruption(p.path(), "properties block: " + std::string(s.message())));
    return;
  }
  auto field = [&](std::string_view name, std::uint64_t value) {
    p.Line("  " + std::string(name) + ": " + std::to_string(value));
  };
  field("format_version", props.format_version);
  field("num_entries", props.num_entries);
  field("num_deletions", props.num_deletions);
  field("num_range_deletions", props.num_range_deletions);
  field("raw_key_bytes", props.raw_key_bytes);
  field("raw_value_bytes", props.raw_value_bytes);
  field("data_bytes", props.data_bytes);
  field("index_bytes", props.index_bytes);
  field("filter_bytes", props.filter_bytes);
  field("smallest_seq", props.smallest_seq);
  field("largest_seq", props.largest_seq);
  auto bound = [&](std::string_view name, const std::string& key) {
    p.Line("  " + std::string(name) + ": " +
           (key.empty() ? std::string("(none)") : DescribeInternalKey(p.format(), key)));
  };
  bound("smallest_key", props.smallest_key);
  bound("largest_key", props.largest_key);
}

void PrintRangeTombstones(TablePrinter& p, const Block& block) {
  BlockIter it;
  it.Init(&block);
  std::uint64_t n = 0;
  for (it.SeekToFirst(); it.Valid(); it.Next(), ++n) {
    ParsedInternalKey parsed;
    if (!ParseInternalKey(it.key(), &parsed) || parsed.type != ValueType::kRangeDeletion) {
      p.Error(TableCorruption(p.path(),
                              "bad range tombstone: " + DescribeInternalKey(p.format(), it.key())));
      return;
    }
    p.Line("  range-delete seq=" + std::to_string(parsed.sequence) + " begin=" +
           Quoted(p.format(), parsed.user_key) + " end=" + Quoted(p.format(), it.value()));
  }
  if (!it.status().ok()) {
    p.Error(
        TableCorruption(p.path(), "range-deletion block: " + std::string(it.status().message())));
  }
  p.Line("  (" + Plural(n, "range tombstone", "range tombstones") + ")");
}

void PrintDataBlock(TablePrinter& p, const Block& block, std::uint64_t offset) {
  BlockIter it;
  it.Init(&block);
  std::uint64_t n = 0;
  for (it.SeekToFirst(); it.Valid(); it.Next(), ++n) {
    ParsedInternalKey parsed;
    if (!ParseInternalKey(it.key(), &parsed)) {
      p.Error(TableCorruption(p.path(), "data block at offset " + std::to_string(offset) + ": " +
                                            DescribeInternalKey(p.format(), it.key())));
      continue;
    }
    std::string line = "  " + std::string(ValueTypeName(parsed.type)) +
                       " seq=" + std::to_string(parsed.sequence) +
                       " key=" + Quoted(p.format(), parsed.user_key);
    if (parsed.type != ValueType::kDeletion) {
      line += " value=" + Quoted(p.format(), it.value());
    }
    p.Line(line);
  }
  if (!it.status().ok()) {
    p.Error(TableCorruption(p.path(), "data block at offset " + std::to_string(offset) + ": " +
                                          std::string(it.status().message())));
  }
}

}  // namespace

Status CheckTable(const std::string& path, TableCheckSummary* summary) {
  std::unique_ptr<RandomAccessFile> file;
  std::uint64_t size = 0;
  AE_RETURN_IF_ERROR(OpenTableFile(path, &file, &size));
  TableReaderOptions options;
  options.verify_checksums = true;
  options.file_name = path;
  std::unique_ptr<TableReader> table;
  AE_RETURN_IF_ERROR(TableReader::Open(options, std::move(file), size, &table));

  TableReadOptions read_options;
  read_options.verify_checksums = true;
  read_options.fill_cache = false;
  std::unique_ptr<InternalIterator> it = table->NewIterator(read_options);
  std::string previous;
  std::uint64_t n = 0;
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    ParsedInternalKey parsed;
    if (!ParseInternalKey(it->key(), &parsed) || parsed.type == ValueType::kRangeDeletion) {
      return TableCorruption(path, "entry " + std::to_string(n) + " has a bad internal key");
    }
    if (n > 0 && CompareInternalKeys(previous, it->key()) >= 0) {
      return TableCorruption(path, "entry " + std::to_string(n) + " is out of order");
    }
    previous.assign(it->key());
    ++n;
  }
  AE_RETURN_IF_ERROR(it->status());
  if (n != table->properties().num_entries) {
    return TableCorruption(path, "the properties count " +
                                     std::to_string(table->properties().num_entries) +
                                     " entries, the data blocks hold " + std::to_string(n));
  }
  summary->entries = n;
  summary->range_tombstones = table->range_tombstones().tombstones().size();
  return Status::OK();
}

Status DumpTable(const std::string& path, const ByteFormat& format, std::FILE* out) {
  std::unique_ptr<RandomAccessFile> file;
  std::uint64_t size = 0;
  AE_RETURN_IF_ERROR(OpenTableFile(path, &file, &size));
  TablePrinter p(path, format, out);
  p.Line("table " + path + ": " + std::to_string(size) + " bytes");

  if (size < kFooterSize) {
    return TableCorruption(path,
                           "file of " + std::to_string(size) + " bytes is too short to be a table");
  }
  char footer_buf[kFooterSize];
  std::string_view footer_bytes;
  AE_RETURN_IF_ERROR(file->Read(size - kFooterSize, kFooterSize, footer_buf, &footer_bytes));
  if (footer_bytes.size() != kFooterSize) {
    return TableCorruption(path, "truncated table footer");
  }
  Footer footer;
  AE_RETURN_IF_ERROR(Footer::DecodeFrom(footer_bytes, path, &footer));
  p.Line("footer (offset " + std::to_string(size - kFooterSize) + "):");
  p.Line("  format_version: " + std::to_string(footer.format_version));
  p.Line("  metaindex: " + DescribeHandle(footer.metaindex_handle));
  p.Line("  index: " + DescribeHandle(footer.index_handle));

  std::unique_ptr<Block> block;
  p.Line("metaindex:");
  std::vector<std::pair<std::string, BlockHandle>> meta;
  if (ReadCheckedBlock(p, *file, size, footer.metaindex_handle, &block)) {
    BlockIter it;
    it.Init(block.get(), BlockKeyOrder::kBytewise);
    for (it.SeekToFirst(); it.Valid(); it.Next()) {
      std::string_view v = it.value();
      BlockHandle handle;
      if (!handle.DecodeFrom(v)) {
        p.Error(TableCorruption(path,
                                "bad block handle in metaindex entry " + Quoted(format, it.key())));
        continue;
      }
      p.Line("  " + Escape(it.key()) + ": " + DescribeHandle(handle));
      meta.emplace_back(std::string(it.key()), handle);
    }
    if (!it.status().ok()) {
      p.Error(TableCorruption(path, "metaindex block: " + std::string(it.status().message())));
    }
  }
  auto find_meta = [&](std::string_view name) -> const BlockHandle* {
    for (const auto& [n, h] : meta) {
      if (n == name) {
        return &h;
      }
    }
    return nullptr;
  };

  p.Line("properties:");
  if (const BlockHandle* h = find_meta(kMetaPropertiesName); h == nullptr) {
    p.Error(TableCorruption(path, "no properties block in the metaindex"));
  } else if (ReadCheckedBlock(p, *file, size, *h, &block)) {
    PrintProperties(p, *block);
  }

  p.Line("range tombstones:");
  if (const BlockHandle* h = find_meta(kMetaRangeDelName); h == nullptr) {
    p.Line("  (none)");
  } else if (ReadCheckedBlock(p, *file, size, *h, &block)) {
    PrintRangeTombstones(p, *block);
  }

  p.Line("index:");
  std::vector<BlockHandle> data_blocks;
  if (ReadCheckedBlock(p, *file, size, footer.index_handle, &block)) {
    BlockIter it;
    it.Init(block.get());
    for (it.SeekToFirst(); it.Valid(); it.Next()) {
      std::string_view v = it.value();
      BlockHandle handle;
      if (!handle.DecodeFrom(v)) {
        p.Error(TableCorruption(
            path, "bad block handle in index entry " + std::to_string(data_blocks.size())));
        continue;
      }
      p.Line("  block " + std::to_string(data_blocks.size()) + ": " + DescribeHandle(handle) +
             ", last key " + DescribeInternalKey(format, it.key()));
      data_blocks.push_back(handle);
    }
    if (!it.status().ok()) {
      p.Error(TableCorruption(path, "index block: " + std::string(it.status().message())));
    }
    if (data_blocks.empty()) {
      p.Line("  (no data blocks)");
    }
  }

  for (std::size_t i = 0; i < data_blocks.size(); ++i) {
    p.Line("data block " + std::to_string(i) + " (" + DescribeHandle(data_blocks[i]) + "):");
    if (ReadCheckedBlock(p, *file, size, data_blocks[i], &block)) {
      PrintDataBlock(p, *block, data_blocks[i].offset);
    }
  }
  return p.first_error();
}

}  // namespace aeternus::cli
