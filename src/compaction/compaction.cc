#include "compaction/compaction.h"

namespace aeternus {

std::string_view CompactionReasonName(CompactionReason reason) {
  switch (reason) {
    case CompactionReason::kTieredMerge: return "tiered-merge";
    case CompactionReason::kTombstone: return "tombstone";
    case CompactionReason::kLevelScore: return "level-score";
    case CompactionReason::kManual: return "manual";
    case CompactionReason::kReads: return "reads";
  }
  return "unknown";
}

std::uint64_t Compaction::InputBytes() const {
  std::uint64_t n = 0;
  for (const CompactionInput& in : inputs) {
    for (const auto& f : in.files) {
      n += f->file_size;
    }
  }
  return n;
}

std::size_t Compaction::NumInputFiles() const {
  std::size_t n = 0;
  for (const CompactionInput& in : inputs) {
    n += in.files.size();
  }
  return n;
}

bool Compaction::Contains(std::uint64_t file_number) const {
  for (const CompactionInput& in : inputs) {
    for (const auto& f : in.files) {
      if (f->number == file_number) {
        return true;
      }
    }
  }
  return false;
}

}  // namespace aeternus
