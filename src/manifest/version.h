#pragma once
// Version: an immutable snapshot of the set of live tables, by level.
// Readers hold a Version (through shared_ptr) for as long as they read its
// tables; a new Version is installed by VersionSet::LogAndApply.
//
// Level 0 holds tables in the order flushed, newest (highest largest_seq)
// first; their key ranges may overlap. Levels >= 1 are for compaction
// styles that keep sorted runs; their tables are ordered by smallest key and
// do not overlap.

#include <array>
#include <cstdint>
#include <memory>
#include <vector>

#include "manifest/file_meta_data.h"

namespace aeternus {

inline constexpr int kNumLevels = 7;

struct Version {
  std::array<std::vector<std::shared_ptr<const FileMetaData>>, kNumLevels> levels;

  std::size_t NumFiles() const {
    std::size_t n = 0;
    for (const auto& l : levels) {
      n += l.size();
    }
    return n;
  }
  std::uint64_t TotalFileBytes() const {
    std::uint64_t n = 0;
    for (const auto& l : levels) {
      for (const auto& f : l) {
        n += f->file_size;
      }
    }
    return n;
  }
};

}  // namespace aeternus
