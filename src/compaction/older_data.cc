#include "compaction/older_data.h"

#include "cache/table_cache.h"
#include "sstable/table_reader.h"

namespace aeternus {

TablesOlderData::TablesOlderData(std::vector<std::shared_ptr<const FileMetaData>> tables,
                                 TableCache* table_cache)
    : tables_(std::move(tables)), table_cache_(table_cache) {}

bool TablesOlderData::KeyMayExist(std::string_view user_key, SequenceNumber sequence) const {
  const LookupKey lookup(user_key, sequence - 1);
  for (const auto& f : tables_) {
    if (f->empty_range() || f->smallest_seq >= sequence || user_key < f->smallest_user_key() ||
        user_key > f->largest_user_key()) {
      continue;
    }
    std::shared_ptr<TableReader> reader;
    if (!table_cache_->Get(f->number, f->file_size, &reader).ok()) {
      return true;
    }
    if (!reader->KeyMayMatch(user_key)) {
      continue;
    }
    TableReadOptions options;
    options.fill_cache = false;
    TableReader::GetResult r;
    if (!reader->Get(options, lookup.internal_key(), &r).ok() ||
        r.kind != TableReader::GetResult::Kind::kNotFound) {
      return true;
    }
  }
  return false;
}

bool TablesOlderData::RangeMayExist(std::string_view begin, std::string_view end,
                                    SequenceNumber sequence) const {
  for (const auto& f : tables_) {
    if (!f->empty_range() && f->smallest_seq < sequence && f->smallest_user_key() < end &&
        f->largest_user_key() >= begin) {
      return true;
    }
  }
  return false;
}

}  // namespace aeternus
