#pragma once
// The compaction filter of aeternus-server: a compaction that meets a
// string whose expiry has passed removes it (docs/format/server-value.md),
// so an expired key's space is reclaimed without any command touching it.
// Values that do not decode are kept: they are not ours to judge.

#include <cstdint>
#include <functional>
#include <string_view>

#include "aeternus/compaction_filter.h"

namespace aeternus::server {

class ExpiryFilter final : public CompactionFilter {
 public:
  // `now_ms` gives the current time (default: Keyspace::NowMs).
  explicit ExpiryFilter(std::function<std::int64_t()> now_ms = {});

  Decision Filter(int level, std::string_view user_key, std::string_view value) const override;
  const char* Name() const override { return "aeternus-server.expiry"; }

 private:
  const std::function<std::int64_t()> now_ms_;
};

}  // namespace aeternus::server
