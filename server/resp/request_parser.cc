#include "resp/request_parser.h"

#include <algorithm>
#include <cassert>
#include <limits>

namespace aeternus::server {
namespace {

constexpr std::string_view kTooBigInlineRequest = "ERR Protocol error: too big inline request";
constexpr std::string_view kTooBigCountLine = "ERR Protocol error: too big mbulk count string";
constexpr std::string_view kTooBigBulkLengthLine = "ERR Protocol error: too big bulk count string";
constexpr std::string_view kInvalidMultibulkLength = "ERR Protocol error: invalid multibulk length";
constexpr std::string_view kInvalidBulkLength = "ERR Protocol error: invalid bulk length";
constexpr std::string_view kUnauthenticatedMultibulkLength =
    "ERR Protocol error: unauthenticated multibulk length";
constexpr std::string_view kUnauthenticatedBulkLength =
    "ERR Protocol error: unauthenticated bulk length";
constexpr std::string_view kUnbalancedQuotes = "ERR Protocol error: unbalanced quotes in request";

// Room for this many arguments is made when a count line is read (as Redis
// does), so that a count alone cannot make the server allocate much; more
// grows as the arguments arrive. Vectors that grew past it are released
// between requests.
constexpr std::size_t kArgsReservedUpFront = 1024;

// Reads `text` as Redis's string2ll does: an optional '-', then "0" alone or
// digits not starting with '0', within the range of int64_t.
std::optional<std::int64_t> ParseDecimal(std::string_view text) {
  if (text == "0") {
    return 0;
  }
  const bool negative = !text.empty() && text.front() == '-';
  if (negative) {
    text.remove_prefix(1);
  }
  if (text.empty() || text.front() < '1' || text.front() > '9') {
    return std::nullopt;
  }
  constexpr std::uint64_t kMaxMagnitude =
      static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max()) + 1;
  std::uint64_t magnitude = 0;
  for (const char c : text) {
    if (c < '0' || c > '9') {
      return std::nullopt;
    }
    const auto digit = static_cast<std::uint64_t>(c - '0');
    if (magnitude > (kMaxMagnitude - digit) / 10) {
      return std::nullopt;
    }
    magnitude = magnitude * 10 + digit;
  }
  if (!negative && magnitude == kMaxMagnitude) {
    return std::nullopt;
  }
  // Two's complement wrap-around (defined in C++20) maps 2^63 to INT64_MIN.
  return negative ? static_cast<std::int64_t>(0 - magnitude) : static_cast<std::int64_t>(magnitude);
}

// True when `count`, read from the wire, is above `limit`.
bool Exceeds(std::int64_t count, std::size_t limit) {
  return count > 0 && static_cast<std::uint64_t>(count) > limit;
}

// C's isspace in the "C" locale: what separates inline arguments.
bool IsBlank(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r';
}

// What ends an unquoted part of an inline argument (\v and \f do not, as in
// sdssplitargs).
bool EndsBareArgument(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

int HexDigitValue(char c) {
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

char UnescapeDoubleQuoted(char c) {
  switch (c) {
    case 'n':
      return '\n';
    case 'r':
      return '\r';
    case 't':
      return '\t';
    case 'b':
      return '\b';
    case 'a':
      return '\a';
    default:
      return c;
  }
}

}  // namespace

bool RequestParser::SplitInlineArguments(std::string_view line, std::string* storage,
                                         std::vector<ArgSpan>* spans) {
  const std::size_t n = line.size();
  std::size_t i = 0;
  for (;;) {
    while (i < n && IsBlank(line[i])) {
      ++i;
    }
    if (i == n) {
      return true;
    }
    const std::size_t offset = storage->size();
    enum class Quote : std::uint8_t { kNone, kDouble, kSingle } quote = Quote::kNone;
    bool done = false;
    while (!done) {
      if (quote == Quote::kNone) {
        if (i == n) {
          break;
        }
        const char c = line[i++];
        if (EndsBareArgument(c)) {
          done = true;
        } else if (c == '"') {
          quote = Quote::kDouble;
        } else if (c == '\'') {
          quote = Quote::kSingle;
        } else {
          storage->push_back(c);
        }
        continue;
      }
      if (i == n) {
        return false;  // the quote does not close on this line
      }
      const char c = line[i];
      const char closing = quote == Quote::kDouble ? '"' : '\'';
      if (c == closing) {
        if (i + 1 < n && !IsBlank(line[i + 1])) {
          return false;  // a closing quote must end the argument
        }
        ++i;
        done = true;
      } else if (c == '\\' && quote == Quote::kDouble && i + 3 < n && line[i + 1] == 'x' &&
                 HexDigitValue(line[i + 2]) >= 0 && HexDigitValue(line[i + 3]) >= 0) {
        storage->push_back(
            static_cast<char>(HexDigitValue(line[i + 2]) * 16 + HexDigitValue(line[i + 3])));
        i += 4;
      } else if (c == '\\' && quote == Quote::kDouble && i + 1 < n) {
        storage->push_back(UnescapeDoubleQuoted(line[i + 1]));
        i += 2;
      } else if (c == '\\' && quote == Quote::kSingle && i + 1 < n && line[i + 1] == '\'') {
        storage->push_back('\'');
        i += 2;
      } else {
        storage->push_back(c);
        ++i;
      }
    }
    spans->push_back({offset, storage->size() - offset});
  }
}

RequestParser::RequestParser(const RequestLimits& limits) : limits_(limits) {}

ParseResult RequestParser::Parse(std::string_view input, AuthState auth) {
  ParseResult result;
  if (phase_ == Phase::kFailed) {
    result.status = ParseStatus::kError;
    result.error = error_;
    return result;
  }
  if (args_.capacity() > kArgsReservedUpFront) {
    args_ = {};
  }
  args_.clear();
  std::size_t start = 0;  // of the request in progress, in `input`
  for (;;) {
    const std::string_view request = input.substr(start);
    if (phase_ == Phase::kIdle) {
      if (request.empty()) {
        result.consumed = start;
        result.min_more_bytes = 1;
        return result;
      }
      phase_ = request.front() == '*' ? Phase::kMultibulk : Phase::kInline;
    }
    assert(request.size() >= seen_bytes_ && "the input lost bytes of a partial request");
    const Step step =
        phase_ == Phase::kInline ? ParseInline(request) : ParseMultibulk(request, auth);
    switch (step) {
      case Step::kIncomplete:
        seen_bytes_ = request.size();
        result.consumed = start;
        result.min_more_bytes = min_more_bytes_;
        return result;
      case Step::kSkipped:
        start += request_size_;
        ResetRequest();
        break;
      case Step::kComplete:
        result.status = ParseStatus::kRequest;
        result.consumed = start + request_size_;
        result.args = args_;
        ResetRequest();
        return result;
      case Step::kFailed:
        result.status = ParseStatus::kError;
        result.consumed = start;
        result.error = error_;
        return result;
    }
  }
}

RequestParser::Step RequestParser::ParseInline(std::string_view request) {
  const std::size_t lf = request.find('\n', scanned_);
  if (lf == std::string_view::npos) {
    scanned_ = request.size();
    // The line has at least scanned_ bytes, one less if the last is the CR
    // of its CRLF.
    const std::size_t line_at_least = request.back() == '\r' ? scanned_ - 1 : scanned_;
    if (line_at_least > limits_.max_inline_bytes) {
      return Fail(kTooBigInlineRequest);
    }
    min_more_bytes_ = 1;
    return Step::kIncomplete;
  }
  const std::size_t line_length = (lf > 0 && request[lf - 1] == '\r') ? lf - 1 : lf;
  if (line_length > limits_.max_inline_bytes) {
    return Fail(kTooBigInlineRequest);
  }
  inline_storage_.clear();
  inline_storage_.reserve(line_length);
  if (!SplitInlineArguments(request.substr(0, line_length), &inline_storage_, &arg_spans_)) {
    return Fail(kUnbalancedQuotes);
  }
  request_size_ = lf + 1;
  if (arg_spans_.empty()) {
    return Step::kSkipped;
  }
  const std::string_view storage = inline_storage_;
  for (const ArgSpan& span : arg_spans_) {
    args_.push_back(storage.substr(span.offset, span.length));
  }
  return Step::kComplete;
}

RequestParser::Step RequestParser::ParseMultibulk(std::string_view request, AuthState auth) {
  const bool unauthenticated = auth == AuthState::kUnauthenticated;
  if (expected_args_ == 0) {
    HeaderLine line;
    if (const Step step = FindHeaderLine(request, kTooBigCountLine, &line);
        step != Step::kComplete) {
      return step;
    }
    assert(pos_ == 0 && line.text.front() == '*');
    const std::optional<std::int64_t> count = ParseDecimal(line.text.substr(1));
    if (!line.ends_with_lf || !count || Exceeds(*count, limits_.max_multibulk_args)) {
      return Fail(kInvalidMultibulkLength);
    }
    if (unauthenticated && Exceeds(*count, limits_.unauthenticated_max_multibulk_args)) {
      return Fail(kUnauthenticatedMultibulkLength);
    }
    pos_ = line.text.size() + 2;
    scanned_ = 0;
    if (*count <= 0) {
      request_size_ = pos_;
      return Step::kSkipped;
    }
    expected_args_ = static_cast<std::size_t>(*count);
    arg_spans_.reserve(std::min(expected_args_, kArgsReservedUpFront));
  }

  while (arg_spans_.size() < expected_args_) {
    if (!bulk_length_) {
      HeaderLine line;
      if (const Step step = FindHeaderLine(request, kTooBigBulkLengthLine, &line);
          step != Step::kComplete) {
        return step;
      }
      if (request[pos_] != '$') {
        return Fail(std::string("ERR Protocol error: expected '$', got '") + request[pos_] + "'");
      }
      const std::optional<std::int64_t> length = ParseDecimal(line.text.substr(1));
      if (!line.ends_with_lf || !length || *length < 0 ||
          Exceeds(*length, limits_.max_bulk_bytes)) {
        return Fail(kInvalidBulkLength);
      }
      if (unauthenticated && Exceeds(*length, limits_.unauthenticated_max_bulk_bytes)) {
        return Fail(kUnauthenticatedBulkLength);
      }
      pos_ += line.text.size() + 2;
      scanned_ = 0;
      bulk_length_ = static_cast<std::size_t>(*length);
    }
    // No overflow: pos_ <= request.size() and *bulk_length_ < 2^63.
    const std::size_t data_end = pos_ + *bulk_length_;
    if (request.size() < data_end + 2) {
      min_more_bytes_ = data_end + 2 - request.size();
      return Step::kIncomplete;
    }
    if (request[data_end] != '\r' || request[data_end + 1] != '\n') {
      return Fail(kInvalidBulkLength);
    }
    arg_spans_.push_back({pos_, *bulk_length_});
    pos_ = data_end + 2;
    bulk_length_.reset();
  }

  request_size_ = pos_;
  for (const ArgSpan& span : arg_spans_) {
    args_.push_back(request.substr(span.offset, span.length));
  }
  return Step::kComplete;
}

RequestParser::Step RequestParser::FindHeaderLine(std::string_view request,
                                                  std::string_view too_long_message,
                                                  HeaderLine* line) {
  const std::size_t cr = request.find('\r', pos_ + scanned_);
  if (cr == std::string_view::npos) {
    scanned_ = request.size() - pos_;
    if (scanned_ > limits_.max_inline_bytes) {
      return Fail(too_long_message);
    }
    min_more_bytes_ = 2;  // at least the CRLF
    return Step::kIncomplete;
  }
  const std::size_t length = cr - pos_;
  if (length > limits_.max_inline_bytes) {
    return Fail(too_long_message);
  }
  if (cr + 1 == request.size()) {
    scanned_ = length;
    min_more_bytes_ = 1;
    return Step::kIncomplete;
  }
  *line = HeaderLine{request.substr(pos_, length), request[cr + 1] == '\n'};
  return Step::kComplete;
}

RequestParser::Step RequestParser::Fail(std::string_view message) {
  ResetRequest();
  phase_ = Phase::kFailed;
  error_ = message;
  return Step::kFailed;
}

void RequestParser::ResetRequest() {
  phase_ = Phase::kIdle;
  pos_ = 0;
  scanned_ = 0;
  expected_args_ = 0;
  bulk_length_.reset();
  if (arg_spans_.capacity() > kArgsReservedUpFront) {
    arg_spans_ = {};
  }
  arg_spans_.clear();
  request_size_ = 0;
  min_more_bytes_ = 0;
  seen_bytes_ = 0;
}

}  // namespace aeternus::server
