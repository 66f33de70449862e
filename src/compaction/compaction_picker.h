#pragma once
// CompactionPicker: decides what to compact next, from a Version alone.
// Two styles (docs/compaction.md): LeveledCompactionPicker and
// TieredCompactionPicker. A picker reads no file; it may keep a little
// state between calls (where the last compaction of a level ended, which
// tables were already rewritten for their tombstones).
//
// Thread safety: none; the DB calls a picker under its mutex.

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_set>
#include <vector>

#include "aeternus/options.h"
#include "compaction/compaction.h"
#include "manifest/version.h"

namespace aeternus {

// Numbers of the tables that running compactions read.
using FileNumberSet = std::unordered_set<std::uint64_t>;

// User keys [begin, end], both inclusive; an absent end is open.
struct UserKeyRange {
  std::optional<std::string> begin;
  std::optional<std::string> end;

  // The keys of table f (empty-range tables give an empty range).
  static UserKeyRange Of(const FileMetaData& f);

  bool Overlaps(const FileMetaData& f) const;
  // Grows the range to hold f's keys.
  void Extend(const FileMetaData& f);
};

class CompactionPicker {
 public:
  virtual ~CompactionPicker() = default;

  // The most useful compaction of `v` now, or nullopt when nothing needs
  // one. Never chooses a table in `busy`, nor one whose compaction would
  // need a busy table.
  virtual std::optional<Compaction> Pick(const Version& v, const FileNumberSet& busy) = 0;

  // A compaction of every table holding keys in `range`; nullopt when no
  // table does. *blocked is set when it would need a busy table (the caller
  // waits and asks again).
  virtual std::optional<Compaction> PickRange(const Version& v, const UserKeyRange& range,
                                              const FileNumberSet& busy, bool* blocked) = 0;

  // A compaction of table `file_number`, which reads kept finding above
  // another sorted run (FileMetaData::read_samples), that leaves fewer runs
  // over its keys; nullopt when `v` no longer lists it, when it is busy, or
  // when the style has none (the default).
  virtual std::optional<Compaction> PickForReads(const Version& /*v*/,
                                                 std::uint64_t /*file_number*/,
                                                 const FileNumberSet& /*busy*/) {
    return std::nullopt;
  }

  // Tables counted against the write slowdown and stop triggers.
  virtual int StallTableCount(const Version& v) const = 0;

  // Estimated bytes compaction must rewrite before no level (or bucket)
  // needs compaction.
  virtual std::uint64_t PendingCompactionBytes(const Version& v) const = 0;

  // Told after a compaction is installed, with the tables it wrote.
  virtual void Completed(const Compaction& /*c*/, const std::vector<FileMetaData>& /*outputs*/) {}
};

// The picker of options.compaction_style.
std::unique_ptr<CompactionPicker> NewCompactionPicker(const Options& options);

}  // namespace aeternus
