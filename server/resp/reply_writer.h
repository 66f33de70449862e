#pragma once
// ReplyWriter: appends replies to a connection's output buffer in the
// protocol version the client chose with HELLO (RESP2 until then). Each
// Add* appends one reply, or the header of an aggregate whose elements the
// caller adds next.
//
//   reply             RESP3                       RESP2
//   simple string     +<text>CRLF                 same
//   error             -<message>CRLF              same
//   integer           :<n>CRLF                    same
//   bulk string       $<len>CRLF<bytes>CRLF       same
//   null              _CRLF                       $-1CRLF
//   null array        _CRLF                       *-1CRLF
//   array header      *<n>CRLF                    same
//   map header        %<pairs>CRLF                *<2 * pairs>CRLF
//   set header        ~<n>CRLF                    *<n>CRLF
//   double            ,<text>CRLF                 bulk string of <text>
//   boolean           #t / #f CRLF                :1 / :0 CRLF
//   verbatim string   =<len+4>CRLF<fmt>:<bytes>CRLF   bulk string of <bytes>
//
// Simple strings and errors are one line: a CR or LF in them is written as a
// space, as Redis does for errors.
//
// Thread safety: none; one writer per connection.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace aeternus::server {

// The values are those HELLO takes.
enum class RespVersion : std::uint8_t { kResp2 = 2, kResp3 = 3 };

// A double as Redis 7.2 writes one: "inf", "-inf", "nan", "0", "-0"; an
// integral value of magnitude up to 2^62 as an integer ("3", "1000000");
// otherwise the shortest text that reads back as the same double, in fixed
// notation unless scientific is shorter (std::to_chars: "0.1", "1e+100").
std::string FormatDouble(double value);

class ReplyWriter {
 public:
  // Appends to *out, which must outlive the writer.
  ReplyWriter(std::string* out, RespVersion version) : out_(out), version_(version) {}

  RespVersion version() const { return version_; }
  void set_version(RespVersion version) { version_ = version; }

  void AddSimpleString(std::string_view text);
  // `message` starts with the error code: "ERR unknown command", "WRONGTYPE ...".
  void AddError(std::string_view message);
  void AddInteger(std::int64_t value);
  void AddBulkString(std::string_view bytes);
  // A missing value (GET of a missing key).
  void AddNull();
  // A missing aggregate (e.g. a timed-out BLPOP, an aborted EXEC).
  void AddNullArray();
  void AddArrayHeader(std::size_t count);
  // Followed by `pairs` keys, each followed by its value.
  void AddMapHeader(std::size_t pairs);
  void AddSetHeader(std::size_t count);
  void AddDouble(double value);
  // A double the caller formatted, such as INCRBYFLOAT's result.
  // REQUIRES: `text` is a RESP3 double ("1.5", "-3", "inf", "nan", "1e+21").
  void AddFormattedDouble(std::string_view text);
  void AddBoolean(bool value);
  // REQUIRES: `format` is three bytes, e.g. "txt" or "mkd".
  void AddVerbatimString(std::string_view text, std::string_view format = "txt");

 private:
  // Appends <prefix><value>CRLF.
  void AddPrefixed(char prefix, std::int64_t value);
  // Appends <prefix><text>CRLF, with CR and LF in `text` written as spaces.
  void AddLine(char prefix, std::string_view text);

  std::string* const out_;
  RespVersion version_;
};

}  // namespace aeternus::server
