#pragma once
// Plain file helpers for tests that inspect or damage a database directory
// from outside the engine: list files by kind, read, flip a byte, truncate,
// append. A database directory holds NNNNNN.log (WAL), NNNNNN.sst (tables),
// CURRENT, MANIFEST-NNNNNN and LOCK.
//
// Every helper returns an empty string / false / a message on failure
// rather than throwing, so a test can ASSERT on it.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace aeternus::test {

// Full paths of the files in `dir` whose name ends with `suffix` (".log",
// ".sst"), ordered by the number in their name (then by name).
std::vector<std::string> ListFiles(const std::string& dir, std::string_view suffix);
// The file with the highest number among ListFiles(dir, suffix); "" if none.
std::string NewestFile(const std::string& dir, std::string_view suffix);
// The last path component.
std::string BaseName(const std::string& path);
bool FileExists(const std::string& path);
// Size in bytes; -1 if the file cannot be read.
std::int64_t FileSize(const std::string& path);

// Each returns "" on success, else a message naming the path.
std::string ReadFileToString(const std::string& path, std::string* out);
std::string WriteStringToFile(const std::string& path, std::string_view data);
std::string AppendToFile(const std::string& path, std::string_view data);
std::string TruncateFile(const std::string& path, std::uint64_t size);
// XORs the byte at `offset` with `mask` (a non-zero mask changes it).
std::string XorByte(const std::string& path, std::uint64_t offset, std::uint8_t mask = 0xff);

}  // namespace aeternus::test
