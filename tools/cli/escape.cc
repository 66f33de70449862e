#include "escape.h"

namespace aeternus::cli {
namespace {

constexpr char kHexDigits[] = "0123456789abcdef";

// The value of a hex digit, or -1.
int HexValue(char c) {
  if (c >= '0' && c <= '9') {
    return c - '0';
  }
  if (c >= 'a' && c <= 'f') {
    return c - 'a' + 10;
  }
  if (c >= 'A' && c <= 'F') {
    return c - 'A' + 10;
  }
  return -1;
}

void AppendHexByte(std::string& dst, unsigned char c) {
  dst.push_back(kHexDigits[c >> 4]);
  dst.push_back(kHexDigits[c & 0xf]);
}

}  // namespace

void AppendEscaped(std::string& dst, std::string_view bytes) {
  for (char ch : bytes) {
    const auto c = static_cast<unsigned char>(ch);
    if (c == '\\') {
      dst.append("\\\\");
    } else if (c >= 0x20 && c <= 0x7e) {
      dst.push_back(ch);
    } else {
      dst.append("\\x");
      AppendHexByte(dst, c);
    }
  }
}

std::string Escape(std::string_view bytes) {
  std::string out;
  out.reserve(bytes.size());
  AppendEscaped(out, bytes);
  return out;
}

Status Unescape(std::string_view text, std::string* bytes) {
  bytes->clear();
  bytes->reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '\\') {
      bytes->push_back(text[i]);
      continue;
    }
    if (i + 1 < text.size() && text[i + 1] == '\\') {
      bytes->push_back('\\');
      ++i;
      continue;
    }
    if (i + 3 < text.size() && text[i + 1] == 'x') {
      const int hi = HexValue(text[i + 2]);
      const int lo = HexValue(text[i + 3]);
      if (hi >= 0 && lo >= 0) {
        bytes->push_back(static_cast<char>((hi << 4) | lo));
        i += 3;
        continue;
      }
    }
    return Status::InvalidArgument(
        (i + 1 == text.size() ? "backslash at the end of \""
                              : "bad escape at byte " + std::to_string(i) + " of \"") +
            Escape(text) + "\"",
        "escapes are \\xNN (two hex digits) and \\\\");
  }
  return Status::OK();
}

void AppendHex(std::string& dst, std::string_view bytes) {
  for (char ch : bytes) {
    AppendHexByte(dst, static_cast<unsigned char>(ch));
  }
}

std::string Hex(std::string_view bytes) {
  std::string out;
  out.reserve(2 * bytes.size());
  AppendHex(out, bytes);
  return out;
}

Status Unhex(std::string_view text, std::string* bytes) {
  bytes->clear();
  if (text.size() % 2 != 0) {
    return Status::InvalidArgument("odd number of hex digits in \"" + Escape(text) + "\"");
  }
  bytes->reserve(text.size() / 2);
  for (std::size_t i = 0; i < text.size(); i += 2) {
    const int hi = HexValue(text[i]);
    const int lo = HexValue(text[i + 1]);
    if (hi < 0 || lo < 0) {
      return Status::InvalidArgument("not a hex digit at byte " +
                                     std::to_string(hi < 0 ? i : i + 1) + " of \"" + Escape(text) +
                                     "\"");
    }
    bytes->push_back(static_cast<char>((hi << 4) | lo));
  }
  return Status::OK();
}

}  // namespace aeternus::cli
