#pragma once
// Reading one log file (a WAL or a MANIFEST; docs/format/wal.md) on its
// own, outside any DB, with the engine's WalReader: `check` verifies it,
// `dump-wal` prints it, and `check` replays a manifest's edits to learn
// which tables should exist. Damage gives Corruption naming the file and
// offset, never a crash; a torn unsynced tail is not damage (it is what a
// crash leaves, and recovery drops it too).
//
// Thread safety: pure functions over their arguments.

#include <cstdint>
#include <cstdio>
#include <map>
#include <string>

#include "aeternus/status.h"

#include "escape.h"
#include "wal/wal_format.h"

namespace aeternus::cli {

struct LogCheckSummary {
  std::uint64_t entries = 0;
  std::uint64_t dropped_bytes = 0;  // torn tail
  bool clean_close = false;
};

// Reads every record of the log (every checksum verified, as recovery
// does) and decodes every payload: for a WAL, a write batch whose records
// parse, match its count and have sequence numbers in range, with a
// record-less batch (sequence marker) only first; for a manifest, a
// version edit. `number` is the number in the file's name.
Status CheckLog(const std::string& path, LogFileKind kind, std::uint64_t number,
                LogCheckSummary* summary);

// Applies every edit of the manifest: *tables receives the live tables,
// number to the file size the manifest records. Corruption, as at Open,
// when the edits do not set every counter a database needs.
Status ReadManifestTables(const std::string& path, std::uint64_t number,
                          std::map<std::uint64_t, std::uint64_t>* tables);

// Prints the log to `out`: its header, then every entry with its offset,
// size and synced_through, decoded (a WAL's batches with the sequence number
// of each record, a manifest's version edits), then how the log ends.
// The kind and number come from the file's name (NNNNNN.log,
// MANIFEST-NNNNNN), else from its header. Returns the first error.
Status DumpLog(const std::string& path, const ByteFormat& format, std::FILE* out);

}  // namespace aeternus::cli
