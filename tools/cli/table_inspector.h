#pragma once
// Reading one table file on its own, outside any DB, with the engine's
// table readers (docs/format/sstable.md): `check` verifies it, `dump-table`
// prints it. Neither trusts the file: damage gives Corruption naming the
// file and offset, never a crash or a read outside the file.
//
// Thread safety: pure functions over their arguments.

#include <cstdint>
#include <cstdio>
#include <string>

#include "aeternus/status.h"

#include "escape.h"

namespace aeternus::cli {

struct TableCheckSummary {
  std::uint64_t entries = 0;  // point entries, tombstones included
  std::uint64_t range_tombstones = 0;
};

// Opens the table as the DB does (footer, index, metaindex, properties,
// filter and range-deletion blocks, all verified), then reads every data
// block through an iterator that verifies its checksum, and checks that
// every key is a well-formed internal key of a point entry, that keys
// strictly increase, and that their number is the one in the properties.
Status CheckTable(const std::string& path, TableCheckSummary* summary);

// Prints the table to `out`: footer, metaindex, properties, range
// tombstones, index entries, then every entry of every data block decoded
// (user key, sequence, type, value). Goes on past a damaged block when the
// rest can still be found; returns the first error (also printed in place).
Status DumpTable(const std::string& path, const ByteFormat& format, std::FILE* out);

}  // namespace aeternus::cli
