#pragma once
// What this process maps of a file, from /proc/self/smaps: for tests of
// memory-mapped files (how much is mapped, how much of it is resident, how
// it is advised).

#include <cstdint>
#include <string>

namespace aeternus::test {

struct FileMappings {
  int count = 0;                // mappings of the file
  std::uint64_t mapped = 0;     // bytes of address space they span
  std::uint64_t resident = 0;   // of those, bytes resident (Rss)
  int advised_random = 0;       // mappings with the "rr" flag (MADV_RANDOM)
};

// The mappings whose path is `path` (a file deleted while mapped is
// listed as "path (deleted)" and is not counted).
FileMappings MappingsOf(const std::string& path);

}  // namespace aeternus::test
