#include "db/build_table.h"

#include <algorithm>

#include "manifest/file_names.h"
#include "sstable/table_file_writer.h"
#include "util/status_macros.h"

namespace aeternus {
namespace {

// The index of the first snapshot that sees `seq`; snapshots.size() for
// "only the latest view". Versions of one key in the same stripe are
// indistinguishable to every reader, so only the newest of them is kept.
std::size_t Stripe(const std::vector<SequenceNumber>& snapshots, SequenceNumber seq) {
  return static_cast<std::size_t>(
      std::lower_bound(snapshots.begin(), snapshots.end(), seq) - snapshots.begin());
}

}  // namespace

Status BuildTable(const std::string& dbname, FileSystem* fs,
                  const TableBuilderOptions& options, InternalIterator* iter,
                  const RangeTombstoneList* tombstones,
                  const std::vector<SequenceNumber>& snapshots, std::uint64_t number,
                  FileMetaData* meta) {
  *meta = FileMetaData();
  meta->number = number;
  iter->SeekToFirst();
  const bool has_tombstones = tombstones != nullptr && !tombstones->empty();
  if (!iter->Valid() && !has_tombstones) {
    return iter->status();
  }

  std::unique_ptr<TableFileWriter> writer;
  AE_RETURN_IF_ERROR(
      TableFileWriter::Create(fs, TableFileName(dbname, number), options, &writer));
  TableBuilder& builder = writer->builder();

  std::string current_user_key;
  bool has_current = false;
  std::size_t last_stripe = 0;
  for (; iter->Valid(); iter->Next()) {
    std::string_view key = iter->key();
    std::string_view user_key = ExtractUserKey(key);
    std::size_t stripe = Stripe(snapshots, ExtractSequence(key));
    if (!has_current || user_key != current_user_key) {
      current_user_key.assign(user_key);
      has_current = true;
    } else if (stripe == last_stripe) {
      continue;  // shadowed by a newer version in the same stripe
    }
    last_stripe = stripe;
    builder.Add(key, iter->value());
  }
  AE_RETURN_IF_ERROR(iter->status());
  if (has_tombstones) {
    for (const RangeTombstone& t : tombstones->tombstones()) {
      builder.AddRangeTombstone(t.begin, t.end, t.sequence);
    }
  }
  AE_RETURN_IF_ERROR(writer->Finish());
  // Until the directory is synced the table may vanish in a crash; the
  // writer removes nothing once Finish() succeeded, so remove it here.
  if (Status s = fs->SyncDir(dbname); !s.ok()) {
    fs->RemoveFile(TableFileName(dbname, number)).IgnoreError();
    return s;
  }
  *meta = MakeFileMetaData(number, builder.FileSize(), builder.properties());
  return Status::OK();
}

}  // namespace aeternus
