#pragma once
// The line formats of `load` and `dump` (docs/cli.md, "load and dump"):
// one key-value pair per line, in either
//   TSV:        KEY<TAB>VALUE
//   JSON lines: {"key": "KEY", "value": "VALUE"}
// where KEY and VALUE are escaped text (escape.h) or, with --hex, hex. An
// escaped string holds no tab and no line break, so every pair fits on one
// line and `dump | load` reproduces every byte of every key and value.
//
// Thread safety: pure functions.

#include <string>
#include <string_view>

#include "aeternus/status.h"

#include "escape.h"

namespace aeternus::cli {

enum class PairFormat { kTsv, kJsonLines };

// The format a line of unknown format looks like: JSON lines when its first
// byte is '{', TSV otherwise.
PairFormat DetectPairFormat(std::string_view line);

// Appends the pair's line, '\n' included.
void AppendPairLine(std::string& dst, PairFormat format, const ByteFormat& bytes,
                    std::string_view key, std::string_view value);

// Parses one line (without its '\n'). InvalidArgument saying what is wrong.
Status ParsePairLine(std::string_view line, PairFormat format, const ByteFormat& bytes,
                     std::string* key, std::string* value);

}  // namespace aeternus::cli
