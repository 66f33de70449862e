// ReplyWriter: each reply's bytes in RESP2 and RESP3, and FormatDouble.

#include "resp/reply_writer.h"

#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <functional>
#include <limits>
#include <string>

#include <gtest/gtest.h>

namespace aeternus::server {
namespace {

using namespace std::string_literals;

// What `add` writes in `version`.
std::string Written(RespVersion version, const std::function<void(ReplyWriter&)>& add) {
  std::string out;
  ReplyWriter writer(&out, version);
  add(writer);
  return out;
}

std::string Resp2(const std::function<void(ReplyWriter&)>& add) {
  return Written(RespVersion::kResp2, add);
}

std::string Resp3(const std::function<void(ReplyWriter&)>& add) {
  return Written(RespVersion::kResp3, add);
}

TEST(ReplyWriterTest, SimpleString) {
  EXPECT_EQ(Resp2([](ReplyWriter& w) { w.AddSimpleString("OK"); }), "+OK\r\n");
  EXPECT_EQ(Resp3([](ReplyWriter& w) { w.AddSimpleString("OK"); }), "+OK\r\n");
  EXPECT_EQ(Resp2([](ReplyWriter& w) { w.AddSimpleString(""); }), "+\r\n");
}

TEST(ReplyWriterTest, SimpleStringIsOneLine) {
  EXPECT_EQ(Resp2([](ReplyWriter& w) { w.AddSimpleString("a\r\nb\nc\r"); }), "+a  b c \r\n");
}

TEST(ReplyWriterTest, Error) {
  EXPECT_EQ(Resp2([](ReplyWriter& w) { w.AddError("ERR unknown command"); }),
            "-ERR unknown command\r\n");
  EXPECT_EQ(Resp3([](ReplyWriter& w) { w.AddError("WRONGTYPE Operation"); }),
            "-WRONGTYPE Operation\r\n");
}

TEST(ReplyWriterTest, ErrorCrAndLfBecomeSpaces) {
  EXPECT_EQ(Resp2([](ReplyWriter& w) { w.AddError("ERR a\r\nb\nc\rd"); }), "-ERR a  b c d\r\n");
  EXPECT_EQ(Resp3([](ReplyWriter& w) { w.AddError("ERR Protocol error: expected '$', got '\r'"); }),
            "-ERR Protocol error: expected '$', got ' '\r\n");
  // Other bytes pass as they are.
  EXPECT_EQ(Resp2([](ReplyWriter& w) { w.AddError("ERR got '\0'"s); }), "-ERR got '\0'\r\n"s);
}

TEST(ReplyWriterTest, Integer) {
  EXPECT_EQ(Resp2([](ReplyWriter& w) { w.AddInteger(0); }), ":0\r\n");
  EXPECT_EQ(Resp3([](ReplyWriter& w) { w.AddInteger(-1); }), ":-1\r\n");
  EXPECT_EQ(Resp2([](ReplyWriter& w) { w.AddInteger(std::numeric_limits<std::int64_t>::max()); }),
            ":9223372036854775807\r\n");
  EXPECT_EQ(Resp2([](ReplyWriter& w) { w.AddInteger(std::numeric_limits<std::int64_t>::min()); }),
            ":-9223372036854775808\r\n");
}

TEST(ReplyWriterTest, BulkString) {
  EXPECT_EQ(Resp2([](ReplyWriter& w) { w.AddBulkString("foo"); }), "$3\r\nfoo\r\n");
  EXPECT_EQ(Resp3([](ReplyWriter& w) { w.AddBulkString("foo"); }), "$3\r\nfoo\r\n");
  EXPECT_EQ(Resp2([](ReplyWriter& w) { w.AddBulkString(""); }), "$0\r\n\r\n");
}

TEST(ReplyWriterTest, BulkStringIsBinarySafe) {
  const std::string bytes("a\0\r\nb", 5);
  EXPECT_EQ(Resp2([&](ReplyWriter& w) { w.AddBulkString(bytes); }), "$5\r\n" + bytes + "\r\n");
}

TEST(ReplyWriterTest, Null) {
  EXPECT_EQ(Resp2([](ReplyWriter& w) { w.AddNull(); }), "$-1\r\n");
  EXPECT_EQ(Resp3([](ReplyWriter& w) { w.AddNull(); }), "_\r\n");
}

TEST(ReplyWriterTest, NullArray) {
  EXPECT_EQ(Resp2([](ReplyWriter& w) { w.AddNullArray(); }), "*-1\r\n");
  EXPECT_EQ(Resp3([](ReplyWriter& w) { w.AddNullArray(); }), "_\r\n");
}

TEST(ReplyWriterTest, ArrayHeader) {
  EXPECT_EQ(Resp2([](ReplyWriter& w) { w.AddArrayHeader(3); }), "*3\r\n");
  EXPECT_EQ(Resp3([](ReplyWriter& w) { w.AddArrayHeader(0); }), "*0\r\n");
}

TEST(ReplyWriterTest, MapHeader) {
  EXPECT_EQ(Resp3([](ReplyWriter& w) { w.AddMapHeader(2); }), "%2\r\n");
  EXPECT_EQ(Resp2([](ReplyWriter& w) { w.AddMapHeader(2); }), "*4\r\n");
  EXPECT_EQ(Resp2([](ReplyWriter& w) { w.AddMapHeader(0); }), "*0\r\n");
}

TEST(ReplyWriterTest, SetHeader) {
  EXPECT_EQ(Resp3([](ReplyWriter& w) { w.AddSetHeader(5); }), "~5\r\n");
  EXPECT_EQ(Resp2([](ReplyWriter& w) { w.AddSetHeader(5); }), "*5\r\n");
}

TEST(ReplyWriterTest, Double) {
  EXPECT_EQ(Resp3([](ReplyWriter& w) { w.AddDouble(1.5); }), ",1.5\r\n");
  EXPECT_EQ(Resp2([](ReplyWriter& w) { w.AddDouble(1.5); }), "$3\r\n1.5\r\n");
  EXPECT_EQ(Resp3([](ReplyWriter& w) { w.AddDouble(-3); }), ",-3\r\n");
  EXPECT_EQ(Resp2([](ReplyWriter& w) { w.AddDouble(HUGE_VAL); }), "$3\r\ninf\r\n");
  EXPECT_EQ(Resp3([](ReplyWriter& w) { w.AddDouble(-HUGE_VAL); }), ",-inf\r\n");
  EXPECT_EQ(Resp3([](ReplyWriter& w) { w.AddDouble(std::nan("")); }), ",nan\r\n");
}

TEST(ReplyWriterTest, FormattedDouble) {
  EXPECT_EQ(Resp3([](ReplyWriter& w) { w.AddFormattedDouble("10.5"); }), ",10.5\r\n");
  EXPECT_EQ(Resp2([](ReplyWriter& w) { w.AddFormattedDouble("10.5"); }), "$4\r\n10.5\r\n");
}

TEST(ReplyWriterTest, Boolean) {
  EXPECT_EQ(Resp3([](ReplyWriter& w) { w.AddBoolean(true); }), "#t\r\n");
  EXPECT_EQ(Resp3([](ReplyWriter& w) { w.AddBoolean(false); }), "#f\r\n");
  EXPECT_EQ(Resp2([](ReplyWriter& w) { w.AddBoolean(true); }), ":1\r\n");
  EXPECT_EQ(Resp2([](ReplyWriter& w) { w.AddBoolean(false); }), ":0\r\n");
}

TEST(ReplyWriterTest, VerbatimString) {
  EXPECT_EQ(Resp3([](ReplyWriter& w) { w.AddVerbatimString("Some string"); }),
            "=15\r\ntxt:Some string\r\n");
  EXPECT_EQ(Resp3([](ReplyWriter& w) { w.AddVerbatimString("# x\r\n", "mkd"); }),
            "=9\r\nmkd:# x\r\n\r\n");
  EXPECT_EQ(Resp2([](ReplyWriter& w) { w.AddVerbatimString("Some string"); }),
            "$11\r\nSome string\r\n");
}

TEST(ReplyWriterTest, AppendsToWhatIsThere) {
  std::string out = "+OK\r\n";
  ReplyWriter writer(&out, RespVersion::kResp2);
  writer.AddInteger(1);
  EXPECT_EQ(out, "+OK\r\n:1\r\n");
}

TEST(ReplyWriterTest, AggregateInBothVersions) {
  const auto add = [](ReplyWriter& w) {
    w.AddMapHeader(2);
    w.AddBulkString("server");
    w.AddBulkString("aeternus");
    w.AddBulkString("proto");
    w.AddInteger(3);
  };
  EXPECT_EQ(Resp3(add), "%2\r\n$6\r\nserver\r\n$8\r\naeternus\r\n$5\r\nproto\r\n:3\r\n");
  EXPECT_EQ(Resp2(add), "*4\r\n$6\r\nserver\r\n$8\r\naeternus\r\n$5\r\nproto\r\n:3\r\n");
}

TEST(ReplyWriterTest, VersionChangesBetweenReplies) {
  std::string out;
  ReplyWriter writer(&out, RespVersion::kResp2);
  EXPECT_EQ(writer.version(), RespVersion::kResp2);
  writer.AddNull();
  writer.set_version(RespVersion::kResp3);
  EXPECT_EQ(writer.version(), RespVersion::kResp3);
  writer.AddNull();
  EXPECT_EQ(out, "$-1\r\n_\r\n");
}

TEST(ReplyWriterTest, FormatDoubleSpecialValues) {
  EXPECT_EQ(FormatDouble(HUGE_VAL), "inf");
  EXPECT_EQ(FormatDouble(-HUGE_VAL), "-inf");
  EXPECT_EQ(FormatDouble(std::nan("")), "nan");
  EXPECT_EQ(FormatDouble(-std::nan("")), "nan");
  EXPECT_EQ(FormatDouble(0.0), "0");
  EXPECT_EQ(FormatDouble(-0.0), "-0");
}

TEST(ReplyWriterTest, FormatDoubleIntegralValuesAsIntegers) {
  EXPECT_EQ(FormatDouble(3), "3");
  EXPECT_EQ(FormatDouble(-42), "-42");
  EXPECT_EQ(FormatDouble(1e15), "1000000000000000");
  EXPECT_EQ(FormatDouble(std::ldexp(1.0, 62)), "4611686018427387904");
  EXPECT_EQ(FormatDouble(-std::ldexp(1.0, 62)), "-4611686018427387904");
  // Beyond LLONG_MAX / 2, the shortest form, fixed when no longer.
  EXPECT_EQ(FormatDouble(std::ldexp(1.0, 63)), "9223372036854775808");
  EXPECT_EQ(FormatDouble(1e21), "1e+21");
  EXPECT_EQ(FormatDouble(1e100), "1e+100");
}

TEST(ReplyWriterTest, FormatDoubleShortestRoundTrip) {
  EXPECT_EQ(FormatDouble(0.1), "0.1");
  EXPECT_EQ(FormatDouble(1.5), "1.5");
  EXPECT_EQ(FormatDouble(-2.25), "-2.25");
  EXPECT_EQ(FormatDouble(3.14159), "3.14159");
  for (const double d : {0.1, 1.0 / 3, 2.0 / 3 * 1e-300, 123456.789e200, 5e-324,
                         std::numeric_limits<double>::max(), -std::numeric_limits<double>::min()}) {
    EXPECT_EQ(std::strtod(FormatDouble(d).c_str(), nullptr), d) << FormatDouble(d);
  }
}

}  // namespace
}  // namespace aeternus::server
