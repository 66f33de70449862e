#pragma once
// A deterministic list of writes for fault sweeps: single puts, deletes,
// range deletes and batches over a small key space, some synced, and the
// check that a recovered database holds the state after a prefix of them.

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "testutil/model_updates.h"

namespace aeternus::test {

struct WorkloadWrite {
  std::vector<Update> updates;  // more than one: a batch
  bool sync = false;
};

// `n` writes over keys "key00000".. of `keys` numbers, drawn from `seed`:
// 70% single puts (values of value_bytes to 2 * value_bytes bytes), 10%
// deletes, 5% range deletes of 1-8 keys, 15% batches of 2-4 puts and
// deletes. Every `sync_every`-th write is synced.
std::vector<WorkloadWrite> MakeWriteWorkload(std::uint32_t seed, int n, int keys, int sync_every,
                                             int value_bytes);

// The smallest p in [lo, hi] such that the state after writes 0 .. p-1 is
// `found`; nullopt when there is none. REQUIRES: hi <= writes.size().
std::optional<int> MatchPrefix(const std::vector<WorkloadWrite>& writes, int lo, int hi,
                               const std::map<std::string, std::string>& found);

}  // namespace aeternus::test
