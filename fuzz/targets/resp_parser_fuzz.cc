// Bytes a client sends, fed to RequestParser twice: at once, and in chunks
// as reads deliver them. Both must give the same requests and end the same
// way (the same error, or the same bytes of a partial request waiting), and
// a request may complete only once the input grew by the minimum the last
// "need more" reported.
//
// Input layout:
//   byte 0           configuration: bit 0, the client has not authenticated;
//                    bit 1, small limits (so that every limit is reachable);
//                    bit 2, the chunked buffer moves to a fresh allocation
//                    before each read
//   byte 1           n: the low four bits
//   next n bytes     chunk sizes, used in turn: 1 + byte % 64, or the whole
//                    rest for 255; with n = 0, chunks of one byte
//   rest             the stream
// Seeds are written as text: "00" then a request is that request fed one
// byte at a time, as an authenticated client.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "resp/request_parser.h"

namespace {

using aeternus::server::AuthState;
using aeternus::server::ParseResult;
using aeternus::server::ParseStatus;
using aeternus::server::RequestLimits;
using aeternus::server::RequestParser;

void Check(bool condition) {
  if (!condition) {
    __builtin_trap();
  }
}

// Parses a stream received in reads; `Outcome()` describes the requests and
// how the stream ended, unambiguously.
class Connection {
 public:
  Connection(const RequestLimits& limits, AuthState auth, bool relocate)
      : parser_(limits), auth_(auth), relocate_(relocate) {}

  void Receive(std::string_view bytes) {
    if (relocate_) {
      std::string moved;
      moved.reserve(buffer_.size() + bytes.size() + 1);
      moved = buffer_;
      buffer_.swap(moved);
    }
    buffer_.append(bytes);
    grown_since_need_more_ += bytes.size();
    if (!error_.empty()) {
      return;
    }
    for (;;) {
      const ParseResult r = parser_.Parse(buffer_, auth_);
      Check(r.consumed <= buffer_.size());
      if (r.status == ParseStatus::kError) {
        Check(!r.error.empty() && parser_.failed());
        error_ = r.error;
        const ParseResult again = parser_.Parse(buffer_, auth_);
        Check(again.status == ParseStatus::kError && again.error == error_);
        return;
      }
      if (r.status == ParseStatus::kNeedMore) {
        Check(r.min_more_bytes > 0);
        buffer_.erase(0, r.consumed);
        min_more_bytes_ = r.min_more_bytes;
        grown_since_need_more_ = 0;
        return;
      }
      Check(!r.args.empty());
      Check(grown_since_need_more_ >= min_more_bytes_);
      std::string request;
      for (const std::string_view arg : r.args) {
        request += std::to_string(arg.size()) + ':';
        request += arg;
      }
      requests_.push_back(std::move(request));
      buffer_.erase(0, r.consumed);
      min_more_bytes_ = 0;
    }
  }

  std::vector<std::string> Outcome() const {
    std::vector<std::string> out = requests_;
    out.push_back(error_.empty() ? "pending:" + buffer_ : "error:" + error_);
    return out;
  }

 private:
  RequestParser parser_;
  const AuthState auth_;
  const bool relocate_;
  std::string buffer_;
  std::vector<std::string> requests_;
  std::string error_;
  std::size_t min_more_bytes_ = 0;
  std::size_t grown_since_need_more_ = 0;
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  if (input.size() < 2) {
    return 0;
  }
  const auto config = static_cast<std::uint8_t>(input[0]);
  const std::size_t n =
      std::min<std::size_t>(static_cast<std::uint8_t>(input[1]) & 0x0f, input.size() - 2);
  const std::string_view chunk_sizes = input.substr(2, n);
  const std::string_view stream = input.substr(2 + n);

  const AuthState auth =
      (config & 1) != 0 ? AuthState::kUnauthenticated : AuthState::kAuthenticated;
  RequestLimits limits;
  if ((config & 2) != 0) {
    limits = RequestLimits{.max_bulk_bytes = 32,
                           .max_multibulk_args = 8,
                           .max_inline_bytes = 24,
                           .unauthenticated_max_bulk_bytes = 8,
                           .unauthenticated_max_multibulk_args = 3};
  }
  const bool relocate = (config & 4) != 0;

  Connection whole(limits, auth, false);
  whole.Receive(stream);

  Connection chunked(limits, auth, relocate);
  std::size_t pos = 0;
  for (std::size_t i = 0; pos < stream.size(); ++i) {
    std::size_t chunk = 1;
    if (!chunk_sizes.empty()) {
      const auto b = static_cast<std::uint8_t>(chunk_sizes[i % chunk_sizes.size()]);
      chunk = b == 255 ? stream.size() - pos : 1 + b % 64;
    }
    const std::string_view piece = stream.substr(pos, chunk);
    chunked.Receive(piece);
    pos += piece.size();
  }

  Check(whole.Outcome() == chunked.Outcome());
  return 0;
}
