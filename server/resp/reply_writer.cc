#include "resp/reply_writer.h"

#include <array>
#include <cassert>
#include <charconv>
#include <cmath>
#include <limits>
#include <system_error>

namespace aeternus::server {
namespace {

constexpr std::string_view kCrlf = "\r\n";

// Doubles of at most this magnitude are written as integers when they are
// integral (Redis's double2ll: within LLONG_MAX / 2, every such value
// converts to long long exactly).
constexpr double kMaxIntegralDouble =
    static_cast<double>(std::numeric_limits<std::int64_t>::max() / 2);

}  // namespace

std::string FormatDouble(double value) {
  if (std::isnan(value)) {
    return "nan";
  }
  if (std::isinf(value)) {
    return value < 0 ? "-inf" : "inf";
  }
  if (value == 0) {
    return std::signbit(value) ? "-0" : "0";
  }
  std::array<char, 32> buf;  // the longest shortest form, "-2.2250738585072014e-308", has 24
  std::to_chars_result r;
  if (std::fabs(value) <= kMaxIntegralDouble && value == std::trunc(value)) {
    r = std::to_chars(buf.data(), buf.data() + buf.size(), static_cast<std::int64_t>(value));
  } else {
    r = std::to_chars(buf.data(), buf.data() + buf.size(), value);
  }
  assert(r.ec == std::errc());
  return std::string(buf.data(), r.ptr);
}

void ReplyWriter::AddSimpleString(std::string_view text) { AddLine('+', text); }

void ReplyWriter::AddError(std::string_view message) { AddLine('-', message); }

void ReplyWriter::AddInteger(std::int64_t value) { AddPrefixed(':', value); }

void ReplyWriter::AddBulkString(std::string_view bytes) {
  AddPrefixed('$', static_cast<std::int64_t>(bytes.size()));
  out_->append(bytes);
  out_->append(kCrlf);
}

void ReplyWriter::AddNull() { out_->append(version_ == RespVersion::kResp3 ? "_\r\n" : "$-1\r\n"); }

void ReplyWriter::AddNullArray() {
  out_->append(version_ == RespVersion::kResp3 ? "_\r\n" : "*-1\r\n");
}

void ReplyWriter::AddArrayHeader(std::size_t count) {
  AddPrefixed('*', static_cast<std::int64_t>(count));
}

void ReplyWriter::AddMapHeader(std::size_t pairs) {
  if (version_ == RespVersion::kResp3) {
    AddPrefixed('%', static_cast<std::int64_t>(pairs));
  } else {
    AddPrefixed('*', static_cast<std::int64_t>(pairs * 2));
  }
}

void ReplyWriter::AddSetHeader(std::size_t count) {
  AddPrefixed(version_ == RespVersion::kResp3 ? '~' : '*', static_cast<std::int64_t>(count));
}

void ReplyWriter::AddDouble(double value) { AddFormattedDouble(FormatDouble(value)); }

void ReplyWriter::AddFormattedDouble(std::string_view text) {
  if (version_ == RespVersion::kResp3) {
    AddLine(',', text);
  } else {
    AddBulkString(text);
  }
}

void ReplyWriter::AddBoolean(bool value) {
  if (version_ == RespVersion::kResp3) {
    out_->append(value ? "#t\r\n" : "#f\r\n");
  } else {
    AddInteger(value ? 1 : 0);
  }
}

void ReplyWriter::AddVerbatimString(std::string_view text, std::string_view format) {
  assert(format.size() == 3);
  if (version_ != RespVersion::kResp3) {
    AddBulkString(text);
    return;
  }
  AddPrefixed('=', static_cast<std::int64_t>(format.size() + 1 + text.size()));
  out_->append(format);
  out_->push_back(':');
  out_->append(text);
  out_->append(kCrlf);
}

void ReplyWriter::AddPrefixed(char prefix, std::int64_t value) {
  std::array<char, 24> buf;  // prefix, up to 20 characters, CRLF
  buf[0] = prefix;
  const std::to_chars_result r = std::to_chars(buf.data() + 1, buf.data() + buf.size(), value);
  assert(r.ec == std::errc());
  out_->append(buf.data(), r.ptr);
  out_->append(kCrlf);
}

void ReplyWriter::AddLine(char prefix, std::string_view text) {
  out_->push_back(prefix);
  const std::size_t start = out_->size();
  out_->append(text);
  for (std::size_t i = start; i < out_->size(); ++i) {
    char& c = (*out_)[i];
    if (c == '\r' || c == '\n') {
      c = ' ';
    }
  }
  out_->append(kCrlf);
}

}  // namespace aeternus::server
