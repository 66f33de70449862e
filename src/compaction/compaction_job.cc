#include "compaction/compaction_job.h"

#include <algorithm>
#include <memory>
#include <optional>

#include "manifest/file_names.h"
#include "sstable/table_file_writer.h"
#include "util/status_macros.h"

namespace aeternus {
namespace {

// Index of the first snapshot that sees `seq`; snapshots.size() for the
// stripe only the latest view sees.
std::size_t Stripe(const std::vector<SequenceNumber>& snapshots, SequenceNumber seq) {
  return static_cast<std::size_t>(
      std::lower_bound(snapshots.begin(), snapshots.end(), seq) - snapshots.begin());
}

// The highest sequence a reader of `stripe` reads at.
SequenceNumber StripeTop(const std::vector<SequenceNumber>& snapshots, std::size_t stripe) {
  return stripe < snapshots.size() ? snapshots[stripe] : kMaxSequenceNumber;
}

// Writes output tables one after another. Each output owns the user keys
// [lo, hi) (lo absent for the first, hi absent for the last); the kept
// range tombstones are clipped to that span, so outputs never overlap.
class OutputSet {
 public:
  OutputSet(const std::string& dbname, FileSystem* fs, const CompactionJobOptions& options,
            const std::vector<RangeTombstone>& kept_tombstones,
            const std::function<std::uint64_t()>& new_file_number,
            std::vector<FileMetaData>* outputs)
      : dbname_(dbname),
        fs_(fs),
        options_(options),
        tombstones_(kept_tombstones),
        new_file_number_(new_file_number),
        outputs_(outputs),
        first_output_(outputs->size()) {}

  ~OutputSet() {
    if (!committed_) {
      writer_.reset();
      for (std::size_t i = first_output_; i < outputs_->size(); ++i) {
        fs_->RemoveFile(TableFileName(dbname_, (*outputs_)[i].number)).IgnoreError();
      }
      outputs_->resize(first_output_);
    }
  }

  // Adds a point entry; `new_user_key` when it starts a user key, the only
  // place where an output may end.
  Status Add(std::string_view key, std::string_view value, bool new_user_key) {
    if (writer_ && new_user_key && writer_->builder().FileSize() >= options_.target_file_size) {
      AE_RETURN_IF_ERROR(FinishOutput(std::string(ExtractUserKey(key))));
    }
    if (!writer_) {
      AE_RETURN_IF_ERROR(StartOutput());
    }
    writer_->builder().Add(key, value);
    return writer_->builder().status();
  }

  // Finishes the last output (creating one for tombstones alone if needed)
  // and makes every output durable.
  Status Finish() {
    if (!writer_ && outputs_->size() == first_output_ && !tombstones_.empty()) {
      AE_RETURN_IF_ERROR(StartOutput());
    }
    if (writer_) {
      AE_RETURN_IF_ERROR(FinishOutput(std::nullopt));
    }
    if (outputs_->size() > first_output_) {
      AE_RETURN_IF_ERROR(fs_->SyncDir(dbname_));
    }
    committed_ = true;
    return Status::OK();
  }

 private:
  Status StartOutput() {
    number_ = new_file_number_();
    return TableFileWriter::Create(fs_, TableFileName(dbname_, number_), options_.table,
                                   &writer_);
  }

  Status FinishOutput(std::optional<std::string> hi) {
    TableBuilder& builder = writer_->builder();
    for (const RangeTombstone& t : tombstones_) {
      std::string_view begin = t.begin;
      std::string_view end = t.end;
      if (lo_ && begin < std::string_view(*lo_)) {
        begin = *lo_;
      }
      if (hi && end > std::string_view(*hi)) {
        end = *hi;
      }
      if (begin < end) {
        builder.AddRangeTombstone(begin, end, t.sequence);
      }
    }
    AE_RETURN_IF_ERROR(writer_->Finish());
    outputs_->push_back(MakeFileMetaData(number_, builder.FileSize(), builder.properties()));
    writer_.reset();
    lo_ = std::move(hi);
    return Status::OK();
  }

  const std::string& dbname_;
  FileSystem* const fs_;
  const CompactionJobOptions& options_;
  const std::vector<RangeTombstone>& tombstones_;
  const std::function<std::uint64_t()>& new_file_number_;
  std::vector<FileMetaData>* const outputs_;
  const std::size_t first_output_;

  std::unique_ptr<TableFileWriter> writer_;
  std::uint64_t number_ = 0;
  std::optional<std::string> lo_;
  bool committed_ = false;
};

}  // namespace

Status RunCompaction(const std::string& dbname, FileSystem* fs,
                     const CompactionJobOptions& options, InternalIterator* input,
                     const std::vector<const RangeTombstoneList*>& tombstones,
                     const std::function<std::uint64_t()>& new_file_number,
                     std::vector<FileMetaData>* outputs, CompactionJobStats* stats) {
  const std::vector<SequenceNumber>& snapshots = options.snapshots;
  std::vector<RangeTombstone> all;
  for (const RangeTombstoneList* list : tombstones) {
    all.insert(all.end(), list->tombstones().begin(), list->tombstones().end());
  }
  const RangeTombstoneList coverage(all);
  const OlderData* older = options.older_data;
  // A tombstone every reader sees, with nothing older outside the inputs,
  // has nothing left to hide once the entries it covers are dropped below.
  std::vector<RangeTombstone> kept;
  for (const RangeTombstone& t : coverage.tombstones()) {
    if (older == nullptr || Stripe(snapshots, t.sequence) > 0 ||
        older->RangeMayExist(t.begin, t.end, t.sequence)) {
      kept.push_back(t);
    }
  }

  OutputSet out(dbname, fs, options, kept, new_file_number, outputs);
  std::string current_user_key;
  bool has_current = false;
  std::size_t last_stripe = 0;
  bool drop_older = false;  // an older version is hidden from every reader
  std::uint64_t entries = 0;
  const CompactionFilter* const filter = options.compaction_filter;
  std::uint64_t filtered = 0;
  std::string removed_key;  // the tombstone that replaces a filtered entry
  for (input->SeekToFirst(); input->Valid(); input->Next()) {
    if (options.cancel != nullptr && (++entries & 1023) == 0 &&
        options.cancel->load(std::memory_order_relaxed)) {
      return Status::Aborted("compaction cancelled");
    }
    ParsedInternalKey ikey;
    if (!ParseInternalKey(input->key(), &ikey)) {
      return Status::Corruption("compaction input holds a bad internal key");
    }
    const bool new_user_key = !has_current || ikey.user_key != current_user_key;
    const std::size_t stripe = Stripe(snapshots, ikey.sequence);
    if (new_user_key) {
      current_user_key.assign(ikey.user_key);
      has_current = true;
      drop_older = false;
    } else if (drop_older || stripe == last_stripe) {
      continue;  // shadowed within its stripe, or below a dropped tombstone
    }
    last_stripe = stripe;
    // Hidden from every reader that could see it: a range tombstone in the
    // same stripe covers it.
    if (!coverage.empty() &&
        coverage.MaxCoveringSequence(ikey.user_key, StripeTop(snapshots, stripe)) >
            ikey.sequence) {
      continue;
    }
    // The filter decides only what no snapshot sees (the last stripe), so
    // that a snapshot's view never changes; a removed entry becomes a
    // tombstone of its own sequence, which keeps older versions hidden.
    bool removed = false;
    if (filter != nullptr && new_user_key && ikey.type == ValueType::kValue &&
        stripe == snapshots.size() &&
        filter->Filter(options.output_level, ikey.user_key, input->value()) ==
            CompactionFilter::Decision::kRemove) {
      removed = true;
      ++filtered;
    }
    if ((removed || ikey.type == ValueType::kDeletion) && older != nullptr && stripe == 0 &&
        !older->KeyMayExist(ikey.user_key, ikey.sequence)) {
      // Every reader sees this tombstone, and nothing older exists
      // outside the inputs: it and every older version can go.
      drop_older = true;
      continue;
    }
    if (removed) {
      removed_key.clear();
      AppendInternalKey(removed_key, ikey.user_key, ikey.sequence, ValueType::kDeletion);
      AE_RETURN_IF_ERROR(out.Add(removed_key, {}, new_user_key));
    } else {
      AE_RETURN_IF_ERROR(out.Add(input->key(), input->value(), new_user_key));
    }
  }
  AE_RETURN_IF_ERROR(input->status());
  AE_RETURN_IF_ERROR(out.Finish());
  if (stats != nullptr) {
    stats->filtered_entries = filtered;
  }
  return Status::OK();
}

}  // namespace aeternus
