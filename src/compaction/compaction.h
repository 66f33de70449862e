#pragma once
// Compaction: what a picker chose to compact. A plain description (the
// input tables by level and where the output goes); running it is the
// DB's business (compaction_job.h writes the tables).

#include <cstdint>
#include <memory>
#include <string_view>
#include <vector>

#include "manifest/file_meta_data.h"

namespace aeternus {

enum class CompactionReason : std::uint8_t {
  kTieredMerge,   // a bucket of similar-sized tables
  kTombstone,     // one table rewritten to drop spent tombstones
  kLevelScore,    // a level over its size (or level 0 over its table count)
  kManual,        // DB::CompactRange or DB::CompactAll
  kReads,         // a table that reads kept finding above another sorted run
};
std::string_view CompactionReasonName(CompactionReason reason);

struct CompactionInput {
  int level = 0;
  std::vector<std::shared_ptr<const FileMetaData>> files;
};

struct Compaction {
  CompactionReason reason = CompactionReason::kManual;
  // Non-empty levels only; each level at most once.
  std::vector<CompactionInput> inputs;
  int output_level = 0;
  // Outputs are cut at the first new user key past this size.
  std::uint64_t target_file_size = ~std::uint64_t{0};
  // The input tables (of one level, disjoint, overlapping nothing in the
  // output level) change level without being rewritten.
  bool trivial_move = false;

  std::uint64_t InputBytes() const;
  std::size_t NumInputFiles() const;
  bool Contains(std::uint64_t file_number) const;
};

}  // namespace aeternus
