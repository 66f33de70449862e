#include "cache/table_cache.h"

#include "manifest/file_names.h"
#include "sstable/table_reader.h"
#include "util/status_macros.h"

namespace aeternus {

TableCache::TableCache(std::string dbname, FileSystem* fs, BlockCache* block_cache,
                       MappedTableBudget* mapped_budget, bool verify_checksums)
    : dbname_(std::move(dbname)),
      fs_(fs),
      block_cache_(block_cache),
      mapped_budget_(mapped_budget),
      verify_checksums_(verify_checksums) {}

Status TableCache::Get(std::uint64_t number, std::uint64_t file_size,
                       std::shared_ptr<TableReader>* reader) {
  {
    std::lock_guard lock(mu_);
    if (auto it = readers_.find(number); it != readers_.end()) {
      *reader = it->second;
      return Status::OK();
    }
  }
  // Opened without the lock; two threads racing here both open and one
  // result is kept.
  const std::string path = TableFileName(dbname_, number);
  std::unique_ptr<RandomAccessFile> file;
  AE_RETURN_IF_ERROR(fs_->NewRandomAccessFile(path, &file));
  TableReaderOptions options;
  options.block_cache = block_cache_;
  options.mapped_budget = mapped_budget_;
  options.verify_checksums = verify_checksums_;
  options.file_name = path;
  std::unique_ptr<TableReader> opened;
  AE_RETURN_IF_ERROR(TableReader::Open(options, std::move(file), file_size, &opened));
  std::lock_guard lock(mu_);
  auto [it, inserted] = readers_.try_emplace(number, std::move(opened));
  *reader = it->second;
  return Status::OK();
}

void TableCache::ReleaseMappedPages(std::uint64_t number) {
  std::shared_ptr<TableReader> reader;
  {
    std::lock_guard lock(mu_);
    if (auto it = readers_.find(number); it != readers_.end()) {
      reader = it->second;
    }
  }
  if (reader != nullptr) {
    reader->ReleaseMappedPages();
  }
}

void TableCache::Evict(std::uint64_t number) {
  std::lock_guard lock(mu_);
  readers_.erase(number);
}

}  // namespace aeternus
