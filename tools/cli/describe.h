#pragma once
// One-line, human-readable descriptions of the engine's internal records
// (internal keys, value types, block handles), shared by dump-table and
// dump-wal. Keys and values are shown in double quotes, escaped or in hex
// as --hex says (escape.h).
//
// Thread safety: pure functions.

#include <cstdint>
#include <string>
#include <string_view>

#include "escape.h"
#include "key/internal_key.h"

namespace aeternus::cli {

// "1 entry", "2 entries".
std::string Plural(std::uint64_t n, std::string_view one, std::string_view many);

// "put", "delete", "range-delete".
std::string_view ValueTypeName(ValueType type);

// The bytes in double quotes, in `format`.
std::string Quoted(const ByteFormat& format, std::string_view bytes);

// `"user key" seq=N type`, or "malformed internal key "..."".
std::string DescribeInternalKey(const ByteFormat& format, std::string_view internal_key);

}  // namespace aeternus::cli
