#include "db/build_table.h"

#include <algorithm>

#include "manifest/file_names.h"
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

  const std::string final_path = TableFileName(dbname, number);
  const std::string tmp_path = final_path + ".tmp";
  std::unique_ptr<WritableFile> file;
  AE_RETURN_IF_ERROR(fs->NewWritableFile(tmp_path, &file));
  TableBuilder builder(options, file.get());

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
  Status s = iter->status();
  if (s.ok() && has_tombstones) {
    for (const RangeTombstone& t : tombstones->tombstones()) {
      builder.AddRangeTombstone(t.begin, t.end, t.sequence);
    }
  }
  if (s.ok()) {
    s = builder.Finish();
  }
  if (s.ok()) {
    s = file->Sync();
  }
  if (Status c = file->Close(); s.ok()) {
    s = c;
  }
  if (s.ok()) {
    s = fs->RenameFile(tmp_path, final_path);
  }
  if (s.ok()) {
    s = fs->SyncDir(dbname);
  }
  if (!s.ok()) {
    fs->RemoveFile(tmp_path).IgnoreError();
    fs->RemoveFile(final_path).IgnoreError();
    return s;
  }
  const TableProperties& props = builder.properties();
  meta->file_size = builder.FileSize();
  meta->smallest = props.smallest_key;
  meta->largest = props.largest_key;
  meta->smallest_seq = props.smallest_seq;
  meta->largest_seq = props.largest_seq;
  meta->num_entries = props.num_entries;
  meta->num_deletions = props.num_deletions;
  meta->num_range_deletions = props.num_range_deletions;
  return Status::OK();
}

}  // namespace aeternus
