#pragma once
// TieredCompactionPicker: the size-tiered style of the original aeternusdb.
//
// Every table is a tier of its own, kept in level 0. Tables are sorted by
// size and grouped into buckets: a table joins the current bucket when its
// size is within [0.5x, 1.5x] of the bucket's average, else it starts the
// next one; tables under tiered_small_table_size share one bucket. In order
// of preference:
//  1. minor compaction: the bucket with the most tables, when it has at
//     least min_merge_width, merged (its max_merge_width smallest tables)
//     into one table;
//  2. when the tables reach l0_slowdown_writes_trigger and no bucket is
//     ready, the min_merge_width smallest tables, so that writes never wait
//     for a bucket that cannot fill;
//  3. tombstone compaction: the table with the highest share of tombstones
//     above tombstone_compaction_ratio, rewritten alone to drop the
//     tombstones that nothing older needs. A table so rewritten is not
//     chosen again until a merge of older tables has run (a merge lowers
//     the table count, so tombstone compactions cannot go on for ever).
// Which tombstones may go is the compaction job's call (it looks at the
// older tables); the picker only chooses.

#include <map>

#include "compaction/compaction_picker.h"

namespace aeternus {

class TieredCompactionPicker final : public CompactionPicker {
 public:
  explicit TieredCompactionPicker(const Options& options);

  std::optional<Compaction> Pick(const Version& v, const FileNumberSet& busy) override;
  std::optional<Compaction> PickRange(const Version& v, const UserKeyRange& range,
                                      const FileNumberSet& busy, bool* blocked) override;
  int StallTableCount(const Version& v) const override;
  std::uint64_t PendingCompactionBytes(const Version& v) const override;
  void Completed(const Compaction& c, const std::vector<FileMetaData>& outputs) override;

  struct Table {
    int level;
    std::shared_ptr<const FileMetaData> file;
  };
  // The buckets of the tables not in `busy`, each sorted by size.
  std::vector<std::vector<Table>> Buckets(const Version& v, const FileNumberSet& busy) const;
  // (point + range tombstones) / entries of a table.
  static double TombstoneRatio(const FileMetaData& f);

 private:
  Compaction Merge(CompactionReason reason, std::vector<Table> tables) const;

  const Options options_;
  // Tables rewritten by tombstone compaction: number -> largest_seq.
  std::map<std::uint64_t, SequenceNumber> tombstone_checked_;
};

}  // namespace aeternus
