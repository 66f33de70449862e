#include "compaction/tiered_compaction_picker.h"

#include <algorithm>

namespace aeternus {
namespace {

std::vector<TieredCompactionPicker::Table> AllTables(const Version& v,
                                                     const FileNumberSet& busy) {
  std::vector<TieredCompactionPicker::Table> tables;
  for (int level = 0; level < kNumLevels; ++level) {
    for (const auto& f : v.levels[level]) {
      if (!busy.contains(f->number)) {
        tables.push_back({level, f});
      }
    }
  }
  std::sort(tables.begin(), tables.end(), [](const auto& a, const auto& b) {
    return a.file->file_size != b.file->file_size ? a.file->file_size < b.file->file_size
                                                  : a.file->number < b.file->number;
  });
  return tables;
}

}  // namespace

TieredCompactionPicker::TieredCompactionPicker(const Options& options) : options_(options) {}

double TieredCompactionPicker::TombstoneRatio(const FileMetaData& f) {
  const std::uint64_t tombstones = f.num_deletions + f.num_range_deletions;
  const std::uint64_t entries = std::max<std::uint64_t>(f.num_entries + f.num_range_deletions, 1);
  return static_cast<double>(tombstones) / static_cast<double>(entries);
}

std::vector<std::vector<TieredCompactionPicker::Table>> TieredCompactionPicker::Buckets(
    const Version& v, const FileNumberSet& busy) const {
  std::vector<std::vector<Table>> buckets;
  std::vector<Table> small;
  double average = 0;
  for (Table& t : AllTables(v, busy)) {
    const double size = static_cast<double>(t.file->file_size);
    if (t.file->file_size < options_.tiered_small_table_size) {
      small.push_back(std::move(t));
      continue;
    }
    if (buckets.empty() || size < average * 0.5 || size > average * 1.5) {
      buckets.emplace_back();
      average = 0;
    }
    std::vector<Table>& bucket = buckets.back();
    average = (average * static_cast<double>(bucket.size()) + size) /
              static_cast<double>(bucket.size() + 1);
    bucket.push_back(std::move(t));
  }
  if (!small.empty()) {
    buckets.insert(buckets.begin(), std::move(small));
  }
  return buckets;
}

Compaction TieredCompactionPicker::Merge(CompactionReason reason,
                                         std::vector<Table> tables) const {
  Compaction c;
  c.reason = reason;
  c.output_level = 0;
  for (Table& t : tables) {
    auto in = std::find_if(c.inputs.begin(), c.inputs.end(),
                           [&](const CompactionInput& i) { return i.level == t.level; });
    if (in == c.inputs.end()) {
      c.inputs.push_back({t.level, {}});
      in = std::prev(c.inputs.end());
    }
    in->files.push_back(std::move(t.file));
  }
  return c;
}

int TieredCompactionPicker::StallTableCount(const Version& v) const {
  return static_cast<int>(v.NumFiles());
}

std::optional<Compaction> TieredCompactionPicker::Pick(const Version& v,
                                                       const FileNumberSet& busy) {
  const std::size_t min_width = static_cast<std::size_t>(options_.min_merge_width);
  const std::size_t max_width = static_cast<std::size_t>(options_.max_merge_width);

  std::vector<std::vector<Table>> buckets = Buckets(v, busy);
  std::vector<Table>* fullest = nullptr;
  for (auto& bucket : buckets) {
    if (bucket.size() >= min_width && (!fullest || bucket.size() > fullest->size())) {
      fullest = &bucket;
    }
  }
  if (fullest) {
    fullest->resize(std::min(fullest->size(), max_width));
    return Merge(CompactionReason::kTieredMerge, std::move(*fullest));
  }

  if (StallTableCount(v) >= options_.l0_slowdown_writes_trigger) {
    std::vector<Table> smallest = AllTables(v, busy);
    if (smallest.size() >= 2) {
      smallest.resize(std::min(smallest.size(), min_width));
      return Merge(CompactionReason::kTieredMerge, std::move(smallest));
    }
  }

  std::optional<Table> candidate;
  double best = options_.tombstone_compaction_ratio;
  for (const Table& t : AllTables(v, busy)) {
    const double ratio = TombstoneRatio(*t.file);
    if (ratio > best && !tombstone_checked_.contains(t.file->number)) {
      best = ratio;
      candidate = t;
    }
  }
  if (candidate) {
    return Merge(CompactionReason::kTombstone, {std::move(*candidate)});
  }
  return std::nullopt;
}

std::optional<Compaction> TieredCompactionPicker::PickRange(const Version& v,
                                                            const UserKeyRange& range,
                                                            const FileNumberSet& busy,
                                                            bool* blocked) {
  *blocked = false;
  std::vector<Table> tables;
  for (const Table& t : AllTables(v, {})) {
    if (range.Overlaps(*t.file)) {
      if (busy.contains(t.file->number)) {
        *blocked = true;
        return std::nullopt;
      }
      tables.push_back(t);
    }
  }
  if (tables.empty()) {
    return std::nullopt;
  }
  return Merge(CompactionReason::kManual, std::move(tables));
}

std::uint64_t TieredCompactionPicker::PendingCompactionBytes(const Version& v) const {
  std::uint64_t pending = 0;
  for (const auto& bucket : Buckets(v, {})) {
    if (bucket.size() < static_cast<std::size_t>(options_.min_merge_width)) {
      continue;
    }
    for (std::size_t i = 0;
         i < bucket.size() && i < static_cast<std::size_t>(options_.max_merge_width); ++i) {
      pending += bucket[i].file->file_size;
    }
  }
  return pending;
}

void TieredCompactionPicker::Completed(const Compaction& c,
                                       const std::vector<FileMetaData>& outputs) {
  SequenceNumber oldest = kMaxSequenceNumber;
  for (const CompactionInput& in : c.inputs) {
    for (const auto& f : in.files) {
      oldest = std::min(oldest, f->smallest_seq);
      tombstone_checked_.erase(f->number);
    }
  }
  if (c.reason == CompactionReason::kTombstone) {
    // Marks only. Unmarking others here could make two tables whose
    // sequence ranges overlap rewrite each other for ever; merges (which
    // lower the table count) are what give marked tables another look.
    for (const FileMetaData& f : outputs) {
      tombstone_checked_[f.number] = f.largest_seq;
    }
    return;
  }
  // Older data may be gone: tables newer than any input get another look.
  std::erase_if(tombstone_checked_, [&](const auto& e) { return e.second > oldest; });
}

}  // namespace aeternus
