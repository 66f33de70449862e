#pragma once
// Names of the files in a database directory (docs/architecture.md, "Files"):
//   CURRENT            name of the live manifest, one line
//   LOCK               held while a DB object has the directory open
//   MANIFEST-NNNNNN    log of version edits (docs/format/manifest.md)
//   NNNNNN.log         write-ahead log of one memtable (docs/format/wal.md)
//   NNNNNN.sst         table (docs/format/sstable.md)
//   *.tmp              a file being written; removed at Open
// NNNNNN is a decimal file number of at least six digits, unique in the
// directory, from the manifest's next_file_number counter.

#include <cstdint>
#include <string>
#include <string_view>

namespace aeternus {

enum class FileType { kCurrent, kLock, kManifest, kWal, kTable, kTemp, kUnknown };

std::string TableFileName(const std::string& dir, std::uint64_t number);
std::string WalFileName(const std::string& dir, std::uint64_t number);
std::string ManifestFileName(const std::string& dir, std::uint64_t number);
std::string CurrentFileName(const std::string& dir);
std::string LockFileName(const std::string& dir);
// The name (not path) of a manifest, as stored in CURRENT.
std::string ManifestName(std::uint64_t number);

// Classifies a directory entry; *number is set for numbered files.
FileType ParseFileName(std::string_view name, std::uint64_t* number);

}  // namespace aeternus
