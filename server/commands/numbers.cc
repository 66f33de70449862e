#include "commands/numbers.h"

#include <cctype>
#include <cmath>
#include <cstdio>
#include <cstdlib>

namespace aeternus::server {

std::optional<std::int64_t> ParseInt64(std::string_view s) {
  if (s.empty() || s.size() > 20) {
    return std::nullopt;
  }
  std::size_t i = 0;
  const bool negative = s[0] == '-';
  if (negative) {
    i = 1;
    if (s.size() == 1) {
      return std::nullopt;
    }
  }
  if (s[i] == '0' && (s.size() > i + 1 || negative)) {
    return std::nullopt;  // leading zero, or "-0"
  }
  std::uint64_t v = 0;
  for (; i < s.size(); ++i) {
    if (s[i] < '0' || s[i] > '9') {
      return std::nullopt;
    }
    const std::uint64_t d = static_cast<std::uint64_t>(s[i] - '0');
    if (v > (UINT64_MAX - d) / 10) {
      return std::nullopt;
    }
    v = v * 10 + d;
  }
  if (negative) {
    if (v > static_cast<std::uint64_t>(INT64_MAX) + 1) {
      return std::nullopt;
    }
    return static_cast<std::int64_t>(0 - v);
  }
  if (v > static_cast<std::uint64_t>(INT64_MAX)) {
    return std::nullopt;
  }
  return static_cast<std::int64_t>(v);
}

std::optional<long double> ParseLongDouble(std::string_view s) {
  if (s.empty() || s.size() > 5000 || std::isspace(static_cast<unsigned char>(s[0]))) {
    return std::nullopt;
  }
  const std::string text(s);
  char* end = nullptr;
  errno = 0;
  const long double v = std::strtold(text.c_str(), &end);
  if (end != text.c_str() + text.size() || std::isnan(v) ||
      (errno == ERANGE && !std::isinf(v) && v != 0)) {
    return std::nullopt;
  }
  return v;
}

std::string FormatLongDouble(long double v) {
  char buf[5 * 1024];
  int n = std::snprintf(buf, sizeof(buf), "%.17Lf", v);
  if (n <= 0 || static_cast<std::size_t>(n) >= sizeof(buf)) {
    return "0";
  }
  std::string out(buf, static_cast<std::size_t>(n));
  if (out.find('.') != std::string::npos) {
    while (!out.empty() && out.back() == '0') {
      out.pop_back();
    }
    if (!out.empty() && out.back() == '.') {
      out.pop_back();
    }
  }
  if (out == "-0") {
    out = "0";
  }
  return out;
}

}  // namespace aeternus::server
