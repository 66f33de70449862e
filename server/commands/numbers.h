#pragma once
// Numbers in requests and replies, parsed and printed as Redis does
// (util.c: string2ll, string2ld, ld2string).

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace aeternus::server {

// A decimal 64-bit integer: an optional '-', digits without a leading zero
// (but "0"), nothing else; nullopt when not one or out of range.
std::optional<std::int64_t> ParseInt64(std::string_view s);

// A finite or infinite long double as strtold reads it, with nothing around
// it; nullopt for other text and for NaN.
std::optional<long double> ParseLongDouble(std::string_view s);

// `v` as INCRBYFLOAT prints it: fixed point with up to 17 decimals, no
// trailing zeros, no trailing '.'. REQUIRES: v is finite.
std::string FormatLongDouble(long double v);

}  // namespace aeternus::server
