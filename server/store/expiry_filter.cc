#include "store/expiry_filter.h"

#include "store/keyspace.h"
#include "store/value_codec.h"

namespace aeternus::server {

ExpiryFilter::ExpiryFilter(std::function<std::int64_t()> now_ms)
    : now_ms_(now_ms ? std::move(now_ms) : std::function<std::int64_t()>(&Keyspace::NowMs)) {}

CompactionFilter::Decision ExpiryFilter::Filter(int /*level*/, std::string_view /*user_key*/,
                                                std::string_view value) const {
  const auto v = DecodeValue(value);
  if (v && IsExpired(*v, now_ms_())) {
    return Decision::kRemove;
  }
  return Decision::kKeep;
}

}  // namespace aeternus::server
