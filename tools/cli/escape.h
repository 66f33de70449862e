#pragma once
// How the tool shows and reads keys and values, which are arbitrary bytes
// (docs/cli.md, "Keys and values").
//
// Escaped text (the default): printable ASCII (0x20..0x7e) stands for
// itself, except the backslash, written `\\`; every other byte is written
// `\xNN` with two lowercase hex digits. Tabs and newlines are therefore
// always escaped, so an escaped string never contains a tab or a line
// break. Reading accepts `\\`, `\xNN` (hex digits in either case) and any
// byte other than a backslash as itself; any other use of a backslash is
// an error.
//
// Hex (--hex): every byte as two lowercase hex digits; reading accepts
// either case.
//
// Thread safety: pure functions.

#include <string>
#include <string_view>

#include "aeternus/status.h"

namespace aeternus::cli {

void AppendEscaped(std::string& dst, std::string_view bytes);
std::string Escape(std::string_view bytes);
// InvalidArgument naming the offset of the first bad escape.
Status Unescape(std::string_view text, std::string* bytes);

void AppendHex(std::string& dst, std::string_view bytes);
std::string Hex(std::string_view bytes);
// InvalidArgument for an odd length or a character that is not a hex digit.
Status Unhex(std::string_view text, std::string* bytes);

// The representation chosen on the command line: escaped text, or hex.
class ByteFormat {
 public:
  explicit ByteFormat(bool hex) : hex_(hex) {}

  bool hex() const { return hex_; }
  void Append(std::string& dst, std::string_view bytes) const {
    hex_ ? AppendHex(dst, bytes) : AppendEscaped(dst, bytes);
  }
  std::string Format(std::string_view bytes) const { return hex_ ? Hex(bytes) : Escape(bytes); }
  Status Parse(std::string_view text, std::string* bytes) const {
    return hex_ ? Unhex(text, bytes) : Unescape(text, bytes);
  }

 private:
  bool hex_;
};

}  // namespace aeternus::cli
