#pragma once
// LeveledCompactionPicker: the leveled style (as in LevelDB and RocksDB).
//
// Level 0 holds flushed tables, whose ranges may overlap. Levels 1..6 are
// sorted runs of non-overlapping tables; level N (N >= 1) may hold
// max_bytes_for_level_base * level_size_multiplier^(N-1) bytes. Each level
// gets a score: level 0 its table count over l0_compaction_trigger, the
// others their bytes over their limit; the level with the highest score
// >= 1 is compacted:
//  - level 0: all of its tables, with every level-1 table they overlap;
//  - level N: the table that overlaps the fewest bytes of level N+1 per
//    byte of its own (as RocksDB's default kMinOverlappingRatio; ties go
//    round robin, after the table compacted last), with every level-(N+1)
//    table it overlaps, or moved down unchanged (trivial move) when it
//    overlaps none.
// When no level needs compaction, a table that reads kept finding above
// another sorted run (PickForReads) is compacted as above: level 0 whole
// into level 1, or that one table of level N into level N+1.

#include <array>
#include <string>

#include "compaction/compaction_picker.h"

namespace aeternus {

class LeveledCompactionPicker final : public CompactionPicker {
 public:
  explicit LeveledCompactionPicker(const Options& options);

  std::optional<Compaction> Pick(const Version& v, const FileNumberSet& busy) override;
  std::optional<Compaction> PickRange(const Version& v, const UserKeyRange& range,
                                      const FileNumberSet& busy, bool* blocked) override;
  std::optional<Compaction> PickForReads(const Version& v, std::uint64_t file_number,
                                         const FileNumberSet& busy) override;
  int StallTableCount(const Version& v) const override;
  std::uint64_t PendingCompactionBytes(const Version& v) const override;

  // The byte limit of level >= 1.
  std::uint64_t MaxBytesForLevel(int level) const;
  // The score of each level; the last level has none (0).
  std::array<double, kNumLevels> Scores(const Version& v) const;

 private:
  std::optional<Compaction> PickLevel0(const Version& v, const FileNumberSet& busy) const;
  std::optional<Compaction> PickLevel(const Version& v, int level, const FileNumberSet& busy);
  // Table f of sorted level `level` with every table of level+1 it meets;
  // nullopt when one of those is busy.
  std::optional<Compaction> PickTable(const Version& v, int level,
                                      const std::shared_ptr<const FileMetaData>& f,
                                      const FileNumberSet& busy) const;

  const Options options_;
  // Per level: the largest internal key of the table compacted last.
  std::array<std::string, kNumLevels> compact_pointer_;
};

}  // namespace aeternus
