#pragma once
// CURRENT: names the live manifest (docs/format/manifest.md).
//
//   MANIFEST-NNNNNN\n              while the database is open, or after a crash
//   MANIFEST-NNNNNN\nclosed S\n    after a clean Close: the manifest was
//                                  closed (its close record synced) at S bytes
//
// The second line lets Open tell a manifest cut short after a clean close,
// which would read as an older state, from a whole one.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "aeternus/status.h"

namespace aeternus {

struct CurrentFile {
  std::string manifest;                    // e.g. "MANIFEST-000007"
  std::uint64_t manifest_number = 0;
  std::optional<std::uint64_t> closed_size;
};

// Corruption (naming `path`) when `contents` is not such a file.
Status ParseCurrentFile(std::string_view contents, const std::string& path, CurrentFile* out);
std::string EncodeCurrentFile(const std::string& manifest,
                              std::optional<std::uint64_t> closed_size);

}  // namespace aeternus
