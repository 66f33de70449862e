#pragma once
// TableCache: the open TableReader of each live table, opened on first use
// and shared by every reader of that table.
//
// Thread safety: all methods may be called concurrently.

#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>

#include "aeternus/status.h"
#include "env/file_system.h"

namespace aeternus {

class BlockCache;
class MappedTableBudget;
class TableReader;

class TableCache {
 public:
  // block_cache and mapped_budget are borrowed (null for none) and must
  // outlive the TableCache.
  TableCache(std::string dbname, FileSystem* fs, BlockCache* block_cache,
             MappedTableBudget* mapped_budget, bool verify_checksums);

  // The reader of table `number` (of `file_size` bytes), opening it if
  // needed. Corruption when the file is damaged.
  Status Get(std::uint64_t number, std::uint64_t file_size,
             std::shared_ptr<TableReader>* reader);
  // Drops the cached reader of a table that is no longer live.
  void Evict(std::uint64_t number);
  // TableReader::ReleaseMappedPages of table `number`, if it is open.
  void ReleaseMappedPages(std::uint64_t number);

 private:
  const std::string dbname_;
  FileSystem* const fs_;
  BlockCache* const block_cache_;
  MappedTableBudget* const mapped_budget_;
  const bool verify_checksums_;

  std::mutex mu_;
  std::unordered_map<std::uint64_t, std::shared_ptr<TableReader>> readers_;  // guarded by mu_
};

}  // namespace aeternus
