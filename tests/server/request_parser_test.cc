// RequestParser: each form and rule of the request grammar, each limit and
// error reply, and the same requests however a stream is split into reads.

#include "resp/request_parser.h"

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <memory>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include <gtest/gtest.h>

#include "resp/reply_writer.h"

namespace aeternus::server {
namespace {

using namespace std::string_literals;

// `bytes` in double quotes, with \, " and unprintable bytes escaped.
std::string Quote(std::string_view bytes) {
  std::string out = "\"";
  for (const char c : bytes) {
    const auto u = static_cast<unsigned char>(c);
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (u < 0x20 || u >= 0x7f) {
      char hex[8];
      std::snprintf(hex, sizeof(hex), "\\x%02x", u);
      out += hex;
    } else {
      out += c;
    }
  }
  return out + "\"";
}

// Plays a connection: appends what it receives to a buffer, parses every
// complete request, and drops the bytes each result consumed.
class Connection {
 public:
  explicit Connection(AuthState auth = AuthState::kAuthenticated, const RequestLimits& limits = {},
                      bool relocate = false)
      : parser_(limits), auth_(auth), relocate_(relocate) {}

  // Receives `bytes`. With `relocate`, the buffer first moves to a fresh
  // allocation, as a buffer that grows or is compacted may.
  void Receive(std::string_view bytes) {
    if (relocate_) {
      std::string moved;
      moved.reserve(buffer_.size() + bytes.size() + 1);
      moved = buffer_;
      buffer_.swap(moved);
    }
    buffer_.append(bytes);
    if (failed_) {
      return;
    }
    for (;;) {
      const ParseResult r = parser_.Parse(buffer_, auth_);
      EXPECT_LE(r.consumed, buffer_.size());
      if (r.status == ParseStatus::kError) {
        Log("error: " + std::string(r.error));
        failed_ = true;
        return;
      }
      if (r.status == ParseStatus::kNeedMore) {
        EXPECT_GT(r.min_more_bytes, 0u);
        buffer_.erase(0, r.consumed);
        min_more_bytes_ = r.min_more_bytes;
        return;
      }
      EXPECT_FALSE(r.args.empty());
      std::string request;
      for (const std::string_view arg : r.args) {
        request += (request.empty() ? "" : " ") + Quote(arg);
      }
      Log(request);
      buffer_.erase(0, r.consumed);
    }
  }

  // The requests in order, separated by "; ", then the error if one ended
  // the stream, or "pending <n>" if n bytes of a partial request wait.
  std::string Result() const {
    std::string out = log_;
    if (!failed_ && !buffer_.empty()) {
      out += (out.empty() ? "" : "; ") + "pending "s + std::to_string(buffer_.size());
    }
    return out;
  }

  std::size_t min_more_bytes() const { return min_more_bytes_; }
  const std::string& buffer() const { return buffer_; }

 private:
  void Log(const std::string& event) { log_ += (log_.empty() ? "" : "; ") + event; }

  RequestParser parser_;
  const AuthState auth_;
  const bool relocate_;
  std::string buffer_;
  std::string log_;
  bool failed_ = false;
  std::size_t min_more_bytes_ = 0;
};

std::string Parse(std::string_view stream, AuthState auth = AuthState::kAuthenticated,
                  const RequestLimits& limits = {}) {
  Connection c(auth, limits);
  c.Receive(stream);
  return c.Result();
}

std::string ParseByteByByte(std::string_view stream, AuthState auth = AuthState::kAuthenticated,
                            const RequestLimits& limits = {}, bool relocate = false) {
  Connection c(auth, limits, relocate);
  for (const char ch : stream) {
    c.Receive(std::string_view(&ch, 1));
  }
  return c.Result();
}

std::string ParseInChunks(std::string_view stream, std::uint32_t seed,
                          AuthState auth = AuthState::kAuthenticated,
                          const RequestLimits& limits = {}) {
  std::mt19937 rng(seed);
  Connection c(auth, limits, /*relocate=*/seed % 2 == 0);
  while (!stream.empty()) {
    const std::size_t size = rng() % 8 == 0 ? rng() % 4096 : 1 + rng() % 40;
    const std::string_view chunk = stream.substr(0, size);
    c.Receive(chunk);
    stream.remove_prefix(chunk.size());
  }
  return c.Result();
}

std::string ParseInTwo(std::string_view stream, std::size_t split,
                       AuthState auth = AuthState::kAuthenticated,
                       const RequestLimits& limits = {}) {
  Connection c(auth, limits);
  c.Receive(stream.substr(0, split));
  c.Receive(stream.substr(split));
  return c.Result();
}

// The multibulk encoding of `args`.
std::string Multibulk(const std::vector<std::string>& args) {
  std::string out;
  ReplyWriter writer(&out, RespVersion::kResp2);
  writer.AddArrayHeader(args.size());
  for (const std::string& arg : args) {
    writer.AddBulkString(arg);
  }
  return out;
}

constexpr std::string_view kInvalidMultibulk =
    "error: ERR Protocol error: invalid multibulk length";
constexpr std::string_view kInvalidBulk = "error: ERR Protocol error: invalid bulk length";
constexpr std::string_view kUnbalanced = "error: ERR Protocol error: unbalanced quotes in request";
constexpr std::string_view kTooBigInline = "error: ERR Protocol error: too big inline request";
constexpr std::string_view kTooBigCount = "error: ERR Protocol error: too big mbulk count string";
constexpr std::string_view kTooBigBulkCount =
    "error: ERR Protocol error: too big bulk count string";
constexpr std::string_view kUnauthMultibulk =
    "error: ERR Protocol error: unauthenticated multibulk length";
constexpr std::string_view kUnauthBulk = "error: ERR Protocol error: unauthenticated bulk length";

// --- Multibulk requests ---

TEST(RequestParserTest, MultibulkRequest) {
  EXPECT_EQ(Parse("*2\r\n$3\r\nGET\r\n$1\r\nk\r\n"), R"("GET" "k")");
  EXPECT_EQ(Parse("*1\r\n$4\r\nPING\r\n*1\r\n$4\r\nPING\r\n"), R"("PING"; "PING")");
}

TEST(RequestParserTest, MultibulkResultCountsItsBytesAndPointsIntoInput) {
  RequestParser parser;
  const std::string input = "*2\r\n$3\r\nGET\r\n$1\r\nk\r\n*1\r\n$4\r\nPING\r\n";
  const ParseResult r = parser.Parse(input, AuthState::kAuthenticated);
  ASSERT_EQ(r.status, ParseStatus::kRequest);
  EXPECT_EQ(r.consumed, 20u);
  ASSERT_EQ(r.args.size(), 2u);
  EXPECT_EQ(r.args[0].data(), input.data() + 8);
  EXPECT_EQ(r.args[1].data(), input.data() + 17);
  const ParseResult next =
      parser.Parse(std::string_view(input).substr(20), AuthState::kAuthenticated);
  ASSERT_EQ(next.status, ParseStatus::kRequest);
  EXPECT_EQ(next.consumed, input.size() - 20);
}

TEST(RequestParserTest, MultibulkIsBinarySafe) {
  const std::string value("a\0b\r\nc\n\r$*", 10);
  EXPECT_EQ(Parse(Multibulk({"SET", "k", value})), R"("SET" "k" "a\x00b\x0d\x0ac\x0a\x0d$*")");
  EXPECT_EQ(ParseByteByByte(Multibulk({"SET", "k", value})),
            R"("SET" "k" "a\x00b\x0d\x0ac\x0a\x0d$*")");
}

TEST(RequestParserTest, MultibulkEmptyBulk) {
  EXPECT_EQ(Parse("*3\r\n$3\r\nSET\r\n$0\r\n\r\n$0\r\n\r\n"), R"("SET" "" "")");
}

TEST(RequestParserTest, MultibulkRoundTripsRandomArguments) {
  std::mt19937 rng(7);
  for (int i = 0; i < 200; ++i) {
    std::vector<std::string> args(1 + rng() % 6);
    std::string expected;
    for (std::string& arg : args) {
      arg.resize(rng() % 50);
      for (char& c : arg) {
        c = static_cast<char>(rng() % 4 == 0 ? "\r\n\0$*"[rng() % 5] : rng());
      }
      expected += (expected.empty() ? "" : " ") + Quote(arg);
    }
    EXPECT_EQ(Parse(Multibulk(args)), expected);
  }
}

TEST(RequestParserTest, ZeroAndNegativeCountsAreSkipped) {
  EXPECT_EQ(Parse("*0\r\n*-1\r\n*-42\r\n*1\r\n$4\r\nPING\r\n*0\r\n"), R"("PING")");
  EXPECT_EQ(Parse("*-9223372036854775808\r\nPING\r\n"), R"("PING")");
  EXPECT_EQ(Parse("*-1\r\n", AuthState::kUnauthenticated), "");
}

TEST(RequestParserTest, NeedMoreConsumesSkippedRequestsOnly) {
  RequestParser parser;
  const ParseResult r = parser.Parse("*0\r\n\r\n*-1\r\n*1\r\n$4\r\nPI", AuthState::kAuthenticated);
  EXPECT_EQ(r.status, ParseStatus::kNeedMore);
  EXPECT_EQ(r.consumed, 11u);
  const ParseResult done = parser.Parse("*1\r\n$4\r\nPING\r\n", AuthState::kAuthenticated);
  ASSERT_EQ(done.status, ParseStatus::kRequest);
  EXPECT_EQ(done.consumed, 14u);
  EXPECT_EQ(done.args[0], "PING");
}

TEST(RequestParserTest, EmptyInputNeedsMore) {
  RequestParser parser;
  const ParseResult r = parser.Parse("", AuthState::kAuthenticated);
  EXPECT_EQ(r.status, ParseStatus::kNeedMore);
  EXPECT_EQ(r.consumed, 0u);
  EXPECT_EQ(r.min_more_bytes, 1u);
}

// --- Inline requests ---

TEST(RequestParserTest, InlineRequest) {
  EXPECT_EQ(Parse("PING\r\n"), R"("PING")");
  EXPECT_EQ(Parse("PING\n"), R"("PING")");
  EXPECT_EQ(Parse("  SET  k\tv \r\n"), R"("SET" "k" "v")");
  EXPECT_EQ(Parse("GET k\r\nGET j\nPING"), R"("GET" "k"; "GET" "j"; pending 4)");
}

TEST(RequestParserTest, InlineEmptyLinesAreSkipped) {
  EXPECT_EQ(Parse("\r\n\n   \r\n\t\v\f\nPING\r\n"), R"("PING")");
  EXPECT_EQ(Parse("\r\n\r\n"), "");
}

TEST(RequestParserTest, InlineDoubleQuotes) {
  EXPECT_EQ(Parse(R"(SET "a b" "\n\r\t\b\a\\\"\x41\x4a\x6B" "\xzz\q\x4" "é")"
                  "\r\n"),
            R"("SET" "a b" "\x0a\x0d\x09\x08\x07\\\"AJk" "xzzqx4" "\xc3\xa9")");
  EXPECT_EQ(Parse(R"("\x00\xff")"
                  "\n"),
            R"("\x00\xff")");
}

TEST(RequestParserTest, InlineSingleQuotes) {
  EXPECT_EQ(Parse(R"(SET 'a b' 'it\'s' 'x\ny' '"')"
                  "\r\n"),
            R"("SET" "a b" "it's" "x\\ny" "\"")");
}

TEST(RequestParserTest, InlineQuotedAndBarePartsJoin) {
  EXPECT_EQ(Parse(R"(foo"bar baz" a'b c' x"")"
                  "\r\n"),
            R"("foobar baz" "ab c" "x")");
}

TEST(RequestParserTest, InlineEmptyQuotesAreEmptyArguments) {
  EXPECT_EQ(Parse("SET k \"\"\r\n"), R"("SET" "k" "")");
  EXPECT_EQ(Parse("'' ''\r\n"), R"("" "")");
}

TEST(RequestParserTest, InlineClosingQuoteMayBeFollowedByAnyBlank) {
  EXPECT_EQ(Parse("\"a\"\tb 'c'\vd \"e\"\fz\r\n"), R"("a" "b" "c" "d" "e" "z")");
}

TEST(RequestParserTest, InlineVerticalTabAndFormFeedDoNotEndBareArguments) {
  EXPECT_EQ(Parse("a\vb c\fd\r\n"), R"("a\x0bb" "c\x0cd")");
}

TEST(RequestParserTest, InlineCarriageReturnInsideLineSeparates) {
  EXPECT_EQ(Parse("a\rb\r\n"), R"("a" "b")");
  EXPECT_EQ(Parse("a\r\r\n"), R"("a")");
}

TEST(RequestParserTest, InlineNulIsAnOrdinaryByte) {
  EXPECT_EQ(Parse("a\0b \"c\0d\"\r\n"s), R"("a\x00b" "c\x00d")");
}

TEST(RequestParserTest, InlineArgumentsOutliveTheInput) {
  RequestParser parser;
  std::string input = "SET \"k\" v\r\n";
  const ParseResult r = parser.Parse(input, AuthState::kAuthenticated);
  ASSERT_EQ(r.status, ParseStatus::kRequest);
  input.assign(input.size(), 'x');
  ASSERT_EQ(r.args.size(), 3u);
  EXPECT_EQ(r.args[0], "SET");
  EXPECT_EQ(r.args[1], "k");
  EXPECT_EQ(r.args[2], "v");
}

TEST(RequestParserTest, InlineUnbalancedQuotes) {
  for (const std::string_view line :
       {R"("abc)", R"('abc)", R"("abc"def)", R"('a'b)", R"(x "abc\")", R"("abc\)", R"('abc\')",
        R"("a"")", R"("a"')", R"(SET k "v)"}) {
    SCOPED_TRACE(line);
    EXPECT_EQ(Parse(std::string(line) + "\r\n"), kUnbalanced);
    EXPECT_EQ(Parse(std::string(line) + "\n"), kUnbalanced);
  }
  // The quote must close on its line.
  EXPECT_EQ(Parse("\"a\r\nb\"\r\n"), kUnbalanced);
}

// --- Limits ---

TEST(RequestParserTest, InlineLineLimit) {
  const RequestLimits limits{.max_inline_bytes = 16};
  const auto parse = [&](const std::string& s) {
    return Parse(s, AuthState::kAuthenticated, limits);
  };
  const std::string max(16, 'x');
  EXPECT_EQ(parse(max + "\r\n"), Quote(max));
  EXPECT_EQ(parse(max + "\n"), Quote(max));
  EXPECT_EQ(parse(max), "pending 16");
  EXPECT_EQ(parse(max + "\r"), "pending 17");
  EXPECT_EQ(parse(max + "x"), kTooBigInline);
  EXPECT_EQ(parse(max + "\rx"), kTooBigInline);
  EXPECT_EQ(parse(max + "x\r\n"), kTooBigInline);
  EXPECT_EQ(parse(max + " \n"), kTooBigInline);
  EXPECT_EQ(parse("PING\r\n" + max + "xx"), R"("PING"; )" + std::string(kTooBigInline));
}

TEST(RequestParserTest, InlineLineDefaultLimitIs64KiB) {
  EXPECT_EQ(Parse(std::string(64 * 1024, 'a')), "pending 65536");
  EXPECT_EQ(Parse(std::string(64 * 1024 + 1, 'a')), kTooBigInline);
  EXPECT_EQ(Parse(std::string(64 * 1024 + 1, 'a') + "\r\n"), kTooBigInline);
  EXPECT_EQ(Parse(std::string(64 * 1024, 'a') + "\r\n"), Quote(std::string(64 * 1024, 'a')));
}

TEST(RequestParserTest, CountLineLimit) {
  const RequestLimits limits{.max_inline_bytes = 16};
  const auto parse = [&](const std::string& s) {
    return Parse(s, AuthState::kAuthenticated, limits);
  };
  EXPECT_EQ(parse("*" + std::string(15, '1')), "pending 16");
  EXPECT_EQ(parse("*" + std::string(15, '1') + "\r"), "pending 17");
  EXPECT_EQ(parse("*" + std::string(16, '1')), kTooBigCount);
  EXPECT_EQ(parse("*" + std::string(16, '1') + "\r\n"), kTooBigCount);
  EXPECT_EQ(parse("*" + std::string(15, ' ') + "\r\n"), kInvalidMultibulk);
  EXPECT_EQ(Parse("*" + std::string(64 * 1024, '1')), kTooBigCount);
  EXPECT_EQ(Parse("*" + std::string(64 * 1024 - 1, '1')), "pending 65536");
}

TEST(RequestParserTest, BulkLengthLineLimit) {
  const RequestLimits limits{.max_inline_bytes = 16};
  const auto parse = [&](const std::string& s) {
    return Parse(s, AuthState::kAuthenticated, limits);
  };
  EXPECT_EQ(parse("*1\r\n$" + std::string(15, '1')), "pending 20");
  EXPECT_EQ(parse("*1\r\n$" + std::string(16, '1')), kTooBigBulkCount);
  EXPECT_EQ(parse("*1\r\n$" + std::string(16, '1') + "\r\n"), kTooBigBulkCount);
  EXPECT_EQ(parse("*1\r\nX" + std::string(16, '1')), kTooBigBulkCount);
  EXPECT_EQ(Parse("*1\r\n$" + std::string(64 * 1024, '1')), kTooBigBulkCount);
}

TEST(RequestParserTest, MultibulkCountLimit) {
  const RequestLimits limits{.max_multibulk_args = 3};
  EXPECT_EQ(Parse("*3\r\n", AuthState::kAuthenticated, limits), "pending 4");
  EXPECT_EQ(Parse("*4\r\n", AuthState::kAuthenticated, limits), kInvalidMultibulk);
  EXPECT_EQ(Parse("*1048576\r\n"), "pending 10");
  EXPECT_EQ(Parse("*1048577\r\n"), kInvalidMultibulk);
}

TEST(RequestParserTest, BulkLengthLimit) {
  const RequestLimits limits{.max_bulk_bytes = 5};
  EXPECT_EQ(Parse("*1\r\n$5\r\nhello\r\n", AuthState::kAuthenticated, limits), R"("hello")");
  EXPECT_EQ(Parse("*1\r\n$6\r\n", AuthState::kAuthenticated, limits), kInvalidBulk);
  EXPECT_EQ(Parse("*1\r\n$536870912\r\n"), "pending 16");
  EXPECT_EQ(Parse("*1\r\n$536870913\r\n"), kInvalidBulk);
}

TEST(RequestParserTest, UnauthenticatedLimits) {
  constexpr auto kUnauth = AuthState::kUnauthenticated;
  EXPECT_EQ(Parse("*10\r\n", kUnauth), "pending 5");
  EXPECT_EQ(Parse("*11\r\n", kUnauth), kUnauthMultibulk);
  EXPECT_EQ(Parse("*11\r\n"), "pending 5");
  EXPECT_EQ(Parse("*1\r\n$16384\r\n", kUnauth), "pending 12");
  EXPECT_EQ(Parse("*1\r\n$16385\r\n", kUnauth), kUnauthBulk);
  EXPECT_EQ(Parse("*1\r\n$16385\r\n"), "pending 12");
  // The general limits are checked first, as Redis does.
  EXPECT_EQ(Parse("*1048577\r\n", kUnauth), kInvalidMultibulk);
  EXPECT_EQ(Parse("*x\r\n", kUnauth), kInvalidMultibulk);
  EXPECT_EQ(Parse("*1\r\n$536870913\r\n", kUnauth), kInvalidBulk);
  // Inline requests are bounded by the line limit only.
  std::string many_args;
  for (int i = 0; i < 100; ++i) {
    many_args += "a ";
  }
  const std::string result = Parse(many_args + "\r\n", kUnauth);
  EXPECT_EQ(std::count(result.begin(), result.end(), 'a'), 100);
}

TEST(RequestParserTest, UnauthenticatedLimitsAreConfigurable) {
  const RequestLimits limits{.unauthenticated_max_bulk_bytes = 3,
                             .unauthenticated_max_multibulk_args = 2};
  constexpr auto kUnauth = AuthState::kUnauthenticated;
  EXPECT_EQ(Parse("*2\r\n$3\r\nabc\r\n$3\r\ndef\r\n", kUnauth, limits), R"("abc" "def")");
  EXPECT_EQ(Parse("*3\r\n", kUnauth, limits), kUnauthMultibulk);
  EXPECT_EQ(Parse("*1\r\n$4\r\n", kUnauth, limits), kUnauthBulk);
}

TEST(RequestParserTest, LimitsAreChosenPerCall) {
  RequestParser parser;
  const std::string big = Multibulk(std::vector<std::string>(11, "x"));
  EXPECT_EQ(parser.Parse(big, AuthState::kAuthenticated).status, ParseStatus::kRequest);
  const ParseResult r = parser.Parse(big, AuthState::kUnauthenticated);
  ASSERT_EQ(r.status, ParseStatus::kError);
  EXPECT_EQ(r.error, "ERR Protocol error: unauthenticated multibulk length");
}

// --- Malformed multibulk requests ---

TEST(RequestParserTest, InvalidMultibulkLength) {
  for (const std::string_view line :
       {"*abc", "*", "*01", "*+1", "* 1", "*1 ", "*-0", "*1x", "*99999999999999999999",
        "*9223372036854775808", "*-9223372036854775809"}) {
    SCOPED_TRACE(Quote(line));
    EXPECT_EQ(Parse(std::string(line) + "\r\n"), kInvalidMultibulk);
  }
  EXPECT_EQ(Parse("*1\0\r\n"s), kInvalidMultibulk);
  // The CR of the count line must be followed by LF.
  EXPECT_EQ(Parse("*1\rx$4\r\nPING\r\n"), kInvalidMultibulk);
  EXPECT_EQ(Parse("*1\r"), "pending 3");
  // A count line ends at its CR: a bare LF is part of the count.
  EXPECT_EQ(Parse("*1\n$4\r\nPING\r\n"), kInvalidMultibulk);
}

TEST(RequestParserTest, InvalidBulkLength) {
  for (const std::string_view line : {"$-1", "$abc", "$", "$01", "$+1", "$1 ", "$ 1", "$-0",
                                      "$99999999999999999999", "$9223372036854775807"}) {
    SCOPED_TRACE(Quote(line));
    EXPECT_EQ(Parse("*1\r\n" + std::string(line) + "\r\n"), kInvalidBulk);
  }
  EXPECT_EQ(Parse("*1\r\n$3\rxfoo\r\n"), kInvalidBulk);
}

TEST(RequestParserTest, BulkDataMustEndWithCrlf) {
  EXPECT_EQ(Parse("*1\r\n$3\r\nfooX\r\n"), kInvalidBulk);
  EXPECT_EQ(Parse("*1\r\n$3\r\nfoo\rX"), kInvalidBulk);
  EXPECT_EQ(Parse("*1\r\n$3\r\nfoo\n\r"), kInvalidBulk);
  EXPECT_EQ(Parse("*1\r\n$3\r\nfoo\r"), "pending 12");
}

TEST(RequestParserTest, ExpectedDollar) {
  EXPECT_EQ(Parse("*1\r\nX3\r\nfoo\r\n"), "error: ERR Protocol error: expected '$', got 'X'");
  EXPECT_EQ(Parse("*2\r\n$3\r\nGET\r\nfoo\r\n"),
            "error: ERR Protocol error: expected '$', got 'f'");
  EXPECT_EQ(Parse("*1\r\n:1\r\n"), "error: ERR Protocol error: expected '$', got ':'");
  // Read raw; the reply writer turns the CR into a space.
  EXPECT_EQ(Parse("*1\r\n\r\n"), "error: ERR Protocol error: expected '$', got '\r'");
  EXPECT_EQ(Parse("*1\r\n\0\r\n"s), "error: ERR Protocol error: expected '$', got '\0'"s);
  // Only once the whole line is in.
  EXPECT_EQ(Parse("*1\r\nX3"), "pending 6");
  EXPECT_EQ(Parse("*1\r\nX3\r"), "pending 7");
}

TEST(RequestParserTest, ErrorIsSticky) {
  RequestParser parser;
  const ParseResult r = parser.Parse("*1\r\n$x\r\n", AuthState::kAuthenticated);
  ASSERT_EQ(r.status, ParseStatus::kError);
  EXPECT_TRUE(parser.failed());
  for (const std::string_view input : {"PING\r\n", "", "*1\r\n$4\r\nPING\r\n"}) {
    const ParseResult again = parser.Parse(input, AuthState::kAuthenticated);
    EXPECT_EQ(again.status, ParseStatus::kError);
    EXPECT_EQ(again.error, "ERR Protocol error: invalid bulk length");
    EXPECT_EQ(again.consumed, 0u);
  }
}

TEST(RequestParserTest, ErrorAfterPipelinedRequests) {
  EXPECT_EQ(Parse("PING\r\n*1\r\n$4\r\nECHO\r\n*1\r\n$x\r\nPING\r\n"),
            R"("PING"; "ECHO"; )" + std::string(kInvalidBulk));
}

TEST(RequestParserTest, ErrorConsumesSkippedRequestsOnly) {
  RequestParser parser;
  const ParseResult r = parser.Parse("\r\n*0\r\n\"a\r\n", AuthState::kAuthenticated);
  ASSERT_EQ(r.status, ParseStatus::kError);
  EXPECT_EQ(r.consumed, 6u);
  EXPECT_EQ(r.error, "ERR Protocol error: unbalanced quotes in request");
}

// --- Partial requests ---

TEST(RequestParserTest, NeedMoreReportsTheRestOfALargeBulk) {
  RequestParser parser;
  std::string input = "*2\r\n$3\r\nSET\r\n$100000\r\n" + std::string(10, 'v');
  const ParseResult r = parser.Parse(input, AuthState::kAuthenticated);
  ASSERT_EQ(r.status, ParseStatus::kNeedMore);
  EXPECT_EQ(r.consumed, 0u);
  EXPECT_EQ(r.min_more_bytes, 100000u + 2 - 10);
  input += std::string(100000 - 10 - 1, 'v');
  EXPECT_EQ(parser.Parse(input, AuthState::kAuthenticated).min_more_bytes, 3u);
  input += "v\r";
  EXPECT_EQ(parser.Parse(input, AuthState::kAuthenticated).min_more_bytes, 1u);
  input += "\n";
  const ParseResult done = parser.Parse(input, AuthState::kAuthenticated);
  ASSERT_EQ(done.status, ParseStatus::kRequest);
  EXPECT_EQ(done.consumed, input.size());
  EXPECT_EQ(done.args[1], std::string(100000, 'v'));
}

TEST(RequestParserTest, PartialRequestSurvivesBufferRelocation) {
  RequestParser parser;
  const std::string request = Multibulk({"SET", "key", std::string(1000, 'v')});
  auto first = std::make_unique<std::string>(request.substr(0, 600));
  ASSERT_EQ(parser.Parse(*first, AuthState::kAuthenticated).status, ParseStatus::kNeedMore);
  auto second = std::make_unique<std::string>(request);
  first.reset();
  const ParseResult r = parser.Parse(*second, AuthState::kAuthenticated);
  ASSERT_EQ(r.status, ParseStatus::kRequest);
  ASSERT_EQ(r.args.size(), 3u);
  EXPECT_EQ(r.args[0], "SET");
  EXPECT_EQ(r.args[1], "key");
  EXPECT_EQ(r.args[2], std::string(1000, 'v'));
  EXPECT_GE(r.args[2].data(), second->data());
  EXPECT_LE(r.args[2].data() + r.args[2].size(), second->data() + second->size());
}

// A request whose parse restarted from its first byte on every read would
// take hours here: 300,000 arguments arriving 7 bytes at a time, and a
// 16 MiB bulk arriving a kilobyte at a time.
TEST(RequestParserTest, RequestInManyReadsIsParsedInLinearTime) {
  constexpr std::size_t kArgs = 300'000;
  std::string stream = "*" + std::to_string(kArgs) + "\r\n";
  for (std::size_t i = 0; i < kArgs; ++i) {
    stream += "$1\r\nx\r\n";
  }
  stream += Multibulk({"SET", "k", std::string(16 << 20, 'v')});
  RequestParser parser;
  std::string buffer;
  std::vector<std::size_t> sizes;
  std::size_t pos = 0;
  while (pos < stream.size()) {
    const std::size_t chunk =
        std::min<std::size_t>(pos < 3'000'000 ? 7 : 1024, stream.size() - pos);
    buffer.append(stream, pos, chunk);
    pos += chunk;
    const ParseResult r = parser.Parse(buffer, AuthState::kAuthenticated);
    ASSERT_NE(r.status, ParseStatus::kError);
    if (r.status == ParseStatus::kRequest) {
      sizes.push_back(r.args.size());
      buffer.erase(0, r.consumed);
    }
  }
  EXPECT_EQ(sizes, (std::vector<std::size_t>{kArgs, 3}));
  EXPECT_TRUE(buffer.empty());
}

// --- The same requests however the stream is split ---

// Every form, rule and skipped request, pipelined.
std::string MixedStream() {
  std::string s;
  s += "PING\r\n";
  s += Multibulk({"SET", "k", std::string("v\0\r\n\r\n", 6)});
  s += "\r\n\n  \r\n";
  s += "*0\r\n*-1\r\n";
  s += "SET \"a b\\x41\\n\" 'c\\'d' e\"f g\"\n";
  s += Multibulk({"ECHO", std::string(5000, 'x')});
  s += Multibulk({"", "*2\r\n$1\r\n", "\n"});
  s += "  GET   k  \r\n";
  s += Multibulk({"MSET", "a", "1", "b", "2", "c", "3"});
  s += "\"\" ''\r\n";
  s += "*1\r\n$4\r\nQU";
  return s;
}

TEST(RequestParserTest, MixedStreamParsesWhole) {
  EXPECT_EQ(Parse(MixedStream()),
            R"("PING"; "SET" "k" "v\x00\x0d\x0a\x0d\x0a"; "SET" "a bA\x0a" "c'd" "ef g"; )"
            R"("ECHO" ")" +
                std::string(5000, 'x') +
                R"("; "" "*2\x0d\x0a$1\x0d\x0a" "\x0a"; "GET" "k"; )"
                R"("MSET" "a" "1" "b" "2" "c" "3"; "" ""; pending 10)");
}

TEST(RequestParserTest, MixedStreamByteByByte) {
  const std::string stream = MixedStream();
  const std::string whole = Parse(stream);
  EXPECT_EQ(ParseByteByByte(stream), whole);
  EXPECT_EQ(ParseByteByByte(stream, AuthState::kAuthenticated, {}, /*relocate=*/true), whole);
}

TEST(RequestParserTest, MixedStreamSplitAtEveryByte) {
  const std::string stream = MixedStream();
  const std::string whole = Parse(stream);
  for (std::size_t split = 0; split <= stream.size(); ++split) {
    ASSERT_EQ(ParseInTwo(stream, split), whole) << "split at " << split;
  }
}

TEST(RequestParserTest, MixedStreamInRandomChunks) {
  const std::string stream = MixedStream();
  const std::string whole = Parse(stream);
  for (std::uint32_t seed = 0; seed < 200; ++seed) {
    ASSERT_EQ(ParseInChunks(stream, seed), whole) << "seed " << seed;
  }
}

TEST(RequestParserTest, ByteByByteNeedsAtMostTheReportedBytes) {
  const std::string stream = Multibulk({"SET", "k", std::string(300, 'v')});
  Connection c;
  for (std::size_t i = 0; i < stream.size(); ++i) {
    c.Receive(stream.substr(i, 1));
    if (i + 1 < stream.size()) {
      // The request completes only with its last byte, and no reported
      // minimum may overshoot it.
      EXPECT_LE(c.min_more_bytes(), stream.size() - i - 1) << i;
    }
  }
  EXPECT_EQ(c.Result(), R"("SET" "k" ")" + std::string(300, 'v') + "\"");
}

// Streams that end in each error, after a request; the error must be the
// same however the stream is split.
TEST(RequestParserTest, ErrorsDoNotDependOnTheSplit) {
  const RequestLimits small{.max_bulk_bytes = 8,
                            .max_multibulk_args = 4,
                            .max_inline_bytes = 12,
                            .unauthenticated_max_bulk_bytes = 4,
                            .unauthenticated_max_multibulk_args = 2};
  struct Case {
    std::string stream;
    AuthState auth;
    std::string_view error;
  };
  const std::vector<Case> cases = {
      {"*x\r\n", AuthState::kAuthenticated, kInvalidMultibulk},
      {"*5\r\n", AuthState::kAuthenticated, kInvalidMultibulk},
      {"*1\r\n$9\r\n", AuthState::kAuthenticated, kInvalidBulk},
      {"*1\r\n$2\r\nabc\r\n", AuthState::kAuthenticated, kInvalidBulk},
      {"*1\r\n?2\r\n", AuthState::kAuthenticated,
       "error: ERR Protocol error: expected '$', got '?'"},
      {"*1234567890123", AuthState::kAuthenticated, kTooBigCount},
      {"*1\r\n$1234567890123\r\n", AuthState::kAuthenticated, kTooBigBulkCount},
      {"1234567890123\r\n", AuthState::kAuthenticated, kTooBigInline},
      {"123456789012\r", AuthState::kAuthenticated, ""},
      {"123456789012\rx\n", AuthState::kAuthenticated, kTooBigInline},
      {"a \"b\r\n", AuthState::kAuthenticated, kUnbalanced},
      {"*3\r\n", AuthState::kUnauthenticated, kUnauthMultibulk},
      {"*1\r\n$5\r\n", AuthState::kUnauthenticated, kUnauthBulk},
      {"*2\r\n$4\r\nabcd\r\n$1\r\n", AuthState::kUnauthenticated, ""},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(Quote(c.stream));
    const std::string stream = "PING\r\n" + c.stream;
    const std::string whole = Parse(stream, c.auth, small);
    if (!c.error.empty()) {
      EXPECT_EQ(whole, R"("PING"; )" + std::string(c.error));
    }
    EXPECT_EQ(ParseByteByByte(stream, c.auth, small), whole);
    for (std::size_t split = 0; split <= stream.size(); ++split) {
      EXPECT_EQ(ParseInTwo(stream, split, c.auth, small), whole) << split;
    }
  }
}

}  // namespace
}  // namespace aeternus::server
