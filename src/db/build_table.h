#pragma once
// BuildTable: writes a sorted stream of entries and a set of range
// tombstones to a new table file, durably (temporary name, sync, rename,
// directory sync). Used by flushes and by recovery.

#include <cstdint>
#include <string>
#include <vector>

#include "aeternus/status.h"
#include "env/file_system.h"
#include "iterator/internal_iterator.h"
#include "key/range_tombstone_list.h"
#include "manifest/file_meta_data.h"
#include "sstable/table_builder.h"

namespace aeternus {

// Writes the entries of `iter` (internal keys in order) and `tombstones`
// (may be null) to table `number` in `dbname`. Of the versions of one user
// key it keeps the newest, and for each snapshot in `snapshots` (ascending)
// the newest version that snapshot sees; the rest no reader can see.
// On success fills *meta; when there is nothing to write no file is made
// and meta->file_size is 0. On failure no file is left behind.
Status BuildTable(const std::string& dbname, FileSystem* fs,
                  const TableBuilderOptions& options, InternalIterator* iter,
                  const RangeTombstoneList* tombstones,
                  const std::vector<SequenceNumber>& snapshots, std::uint64_t number,
                  FileMetaData* meta);

}  // namespace aeternus
