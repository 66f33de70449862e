#pragma once
// Redis's glob patterns (KEYS, SCAN MATCH, CONFIG GET): '*' any run, '?' any
// byte, [abc] [^abc] [a-z] sets, '\' escapes the next byte. Binary-safe.

#include <string_view>

namespace aeternus::server {

bool GlobMatch(std::string_view pattern, std::string_view text, bool nocase = false);

}  // namespace aeternus::server
