#pragma once
// RequestParser: turns the bytes a client sends into requests (argument
// lists), as Redis 7 reads them. Two forms, told apart by a request's first
// byte:
//
//   multibulk  '*' <count> CRLF, then <count> times: '$' <len> CRLF <len bytes> CRLF
//              Binary-safe: the bytes may hold NUL, CR and LF. A <count> of
//              zero or less is no request: its line is skipped.
//   inline     any other first byte: a line ended by LF, with an optional CR
//              before it, split into arguments as Redis's sdssplitargs splits
//              them (below). A line with no argument is skipped.
//
// <count> and <len> are decimal, as Redis's string2ll reads them: an optional
// '-', no '+', no leading zero, no space, within a signed 64-bit integer.
//
// Inline arguments are separated by runs of whitespace (space, \t, \n, \v, \f,
// \r). Within an argument:
//   "..."  double quotes, with escapes \n \r \t \b \a, \xHH (two hex digits:
//          that byte), and \<any other byte> for the byte itself (\" \\).
//   '...'  single quotes, with one escape: \' for a quote.
//   Quoted and bare parts join up to a blank: foo"bar baz" is one argument,
//   `foobar baz`. A closing quote must be followed by a blank or the end of
//   the line, and a quote must close on its line; otherwise the request is
//   an error ("unbalanced quotes"). "" is an empty argument. Unlike Redis,
//   which reads the line as a C string, a NUL byte is an ordinary byte.
//
// Limits (RequestLimits; each a protocol error, in Redis's words):
//   - a header line ("*<count>" or "$<len>", up to its CR) or an inline line
//     (without its line ending) longer than max_inline_bytes;
//   - a <count> above max_multibulk_args, a <len> above max_bulk_bytes;
//   - before the client has authenticated, a <count> above
//     unauthenticated_max_multibulk_args or a <len> above
//     unauthenticated_max_bulk_bytes (as Redis does; inline requests are
//     bounded by max_inline_bytes only).
// Each limit is checked on the bytes of the request alone, never on how
// they arrived: a stream gives the same requests and the same error however
// it is split into reads. (Redis checks the line limits only while the line
// end has not arrived, so its verdict can depend on the split.)
//
// Stricter than Redis, which skips the two bytes after a header line's CR
// and after a bulk's data unchecked: those must be CRLF. A header line whose
// CR is not followed by LF is an "invalid multibulk length" or "invalid bulk
// length", and so is a bulk whose data is not followed by CRLF.
//
// After an error the parser stays failed (every later Parse returns the same
// error): the server replies with the error and closes the connection.
//
// Thread safety: none; one parser per connection.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace aeternus::server {

struct RequestLimits {
  // Longest bulk argument, in bytes (Redis: proto-max-bulk-len).
  // Default: 512 MiB.
  std::size_t max_bulk_bytes = std::size_t{512} << 20;
  // Most arguments of one multibulk request. Default: 1024 * 1024.
  std::size_t max_multibulk_args = std::size_t{1024} * 1024;
  // Longest inline line, without its line ending, and longest header line,
  // up to its CR, in bytes (Redis: PROTO_INLINE_MAX_SIZE). Default: 64 KiB.
  std::size_t max_inline_bytes = std::size_t{64} << 10;
  // Apply as well while the client has not authenticated
  // (AuthState::kUnauthenticated), so that a client without the password
  // cannot make the server hold much: no request a client needs before it
  // has authenticated (AUTH, HELLO) comes near them. Defaults: 16 KiB and
  // 10 arguments, Redis's values.
  std::size_t unauthenticated_max_bulk_bytes = std::size_t{16} << 10;
  std::size_t unauthenticated_max_multibulk_args = 10;
};

// Which limits Parse applies.
enum class AuthState : std::uint8_t { kAuthenticated, kUnauthenticated };

enum class ParseStatus : std::uint8_t {
  kNeedMore,  // no complete request yet: append more bytes and call again
  kRequest,   // `args` holds a complete request
  kError,     // `error` says why; the connection is to be closed
};

struct ParseResult {
  ParseStatus status = ParseStatus::kNeedMore;
  // Bytes to drop from the front of the input, whatever the status: those
  // of skipped requests (empty inline lines, "*0", "*-1") and, for
  // kRequest, those of the request. The bytes of a partial request are not
  // counted: they stay in the caller's buffer.
  std::size_t consumed = 0;
  // kRequest: the arguments, at least one. Multibulk arguments point into
  // the input; inline arguments (unescaped) into the parser. Valid until the
  // next call of Parse, and, for the former, while the caller leaves the
  // consumed bytes in place.
  std::span<const std::string_view> args;
  // kError: the error reply, e.g. "ERR Protocol error: invalid bulk length"
  // (without '-' and CRLF; it may hold any byte the client sent, which the
  // reply writer sanitizes). Valid as long as the parser.
  std::string_view error;
  // kNeedMore: a lower bound on the bytes the input must grow by before a
  // request can complete. Large while the data of a long bulk is awaited,
  // so that the caller can reserve room for it; otherwise small.
  std::size_t min_more_bytes = 0;
};

class RequestParser {
 public:
  explicit RequestParser(const RequestLimits& limits = {});

  RequestParser(const RequestParser&) = delete;
  RequestParser& operator=(const RequestParser&) = delete;

  // Parses the next request from `input`, the bytes received and not yet
  // consumed, under the limits for `auth`.
  //
  // REQUIRES: `input` starts where the last result's `consumed` bytes end
  // (at the start of the stream for the first call); after kNeedMore, it
  // holds at least the bytes it held then, unchanged, and maybe more. The
  // bytes may move between calls: the progress made on a partial request is
  // kept as offsets from its start, so a request arriving in many reads is
  // scanned once in all, not once per read.
  ParseResult Parse(std::string_view input, AuthState auth);

  const RequestLimits& limits() const { return limits_; }
  bool failed() const { return phase_ == Phase::kFailed; }

 private:
  enum class Phase : std::uint8_t {
    kIdle,       // between requests
    kInline,     // in an inline line
    kMultibulk,  // in a multibulk request
    kFailed,     // after an error; sticky
  };

  enum class Step : std::uint8_t {
    kIncomplete,  // more bytes are needed; min_more_bytes_ is set
    kSkipped,     // a request with no argument, request_size_ bytes long
    kComplete,    // a request, request_size_ bytes long
    kFailed,      // error_ is set
  };

  // An argument's place: in the request (multibulk) or in inline_storage_.
  struct ArgSpan {
    std::size_t offset;
    std::size_t length;
  };

  // The header line starting at pos_ in `request`: its bytes up to its CR,
  // and whether an LF follows the CR.
  struct HeaderLine {
    std::string_view text;
    bool ends_with_lf;
  };

  // Each continues the request at the start of `request` from the state
  // below.
  Step ParseInline(std::string_view request);
  Step ParseMultibulk(std::string_view request, AuthState auth);
  // Finds the header line at pos_ (kComplete, into *line), or says why not;
  // fails with `too_long_message` when the line is too long.
  Step FindHeaderLine(std::string_view request, std::string_view too_long_message,
                      HeaderLine* line);
  // Splits an inline line (without its line ending) into arguments, by the
  // rules above, as Redis's sdssplitargs does. The unescaped bytes of the
  // arguments are appended to *storage, one span each to *spans. False when
  // a quote is unbalanced.
  static bool SplitInlineArguments(std::string_view line, std::string* storage,
                                   std::vector<ArgSpan>* spans);

  Step Fail(std::string_view message);
  void ResetRequest();

  const RequestLimits limits_;
  Phase phase_ = Phase::kIdle;
  std::string error_;

  // State of the request in progress. All offsets count from its first byte.
  //
  // Invariants: (1) bytes [0, pos_) are validated; (2) the header line or
  // inline line that starts at pos_ has no terminator (CR, or LF for inline)
  // in its first scanned_ bytes; (3) in kMultibulk, arg_spans_ holds the
  // arguments of [0, pos_), expected_args_ is zero until the count line is
  // read, and bulk_length_ is set between a bulk's header and its data.
  std::size_t pos_ = 0;
  std::size_t scanned_ = 0;
  std::size_t expected_args_ = 0;
  std::optional<std::size_t> bulk_length_;
  std::vector<ArgSpan> arg_spans_;
  std::size_t request_size_ = 0;    // set by kSkipped and kComplete
  std::size_t min_more_bytes_ = 0;  // set by kIncomplete
  std::size_t seen_bytes_ = 0;      // of the request, at the last call

  // The unescaped arguments of the last inline request.
  std::string inline_storage_;
  // What the last kRequest result's `args` points to: views into the
  // caller's input (multibulk) or into inline_storage_ (inline).
  std::vector<std::string_view> args_;
};

}  // namespace aeternus::server
