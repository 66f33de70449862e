#include "testutil/process_mappings.h"

#include <cinttypes>
#include <cstdio>
#include <fstream>

namespace aeternus::test {

FileMappings MappingsOf(const std::string& path) {
  std::ifstream smaps("/proc/self/smaps");
  FileMappings m;
  bool in_path = false;
  for (std::string line; std::getline(smaps, line);) {
    std::uint64_t start = 0;
    std::uint64_t end = 0;
    // A mapping's first line: "start-end perms offset dev inode   path".
    if (std::sscanf(line.c_str(), "%" SCNx64 "-%" SCNx64, &start, &end) == 2) {
      in_path = line.size() >= path.size() &&
                line.compare(line.size() - path.size(), path.size(), path) == 0;
      if (in_path) {
        ++m.count;
        m.mapped += end - start;
      }
      continue;
    }
    if (!in_path) {
      continue;
    }
    std::uint64_t kib = 0;
    if (std::sscanf(line.c_str(), "Rss: %" SCNu64 " kB", &kib) == 1) {
      m.resident += kib << 10;
    } else if (line.rfind("VmFlags:", 0) == 0 && line.find(" rr") != std::string::npos) {
      ++m.advised_random;
    }
  }
  return m;
}

}  // namespace aeternus::test
