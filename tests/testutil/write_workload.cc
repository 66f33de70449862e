#include "testutil/write_workload.h"

#include <cstdio>
#include <random>

namespace aeternus::test {

namespace {

std::string KeyOf(int i) {
  char buf[16];
  std::snprintf(buf, sizeof(buf), "key%05d", i);
  return buf;
}

}  // namespace

std::vector<WorkloadWrite> MakeWriteWorkload(std::uint32_t seed, int n, int keys, int sync_every,
                                             int value_bytes) {
  std::mt19937 rng(seed);
  auto key = [&] { return KeyOf(static_cast<int>(rng() % static_cast<unsigned>(keys))); };
  auto put = [&](int i) {
    std::string k = key();
    std::string v = "w" + std::to_string(i) + "-" +
                    std::string(static_cast<std::size_t>(value_bytes) +
                                    rng() % static_cast<unsigned>(value_bytes),
                                static_cast<char>('a' + rng() % 26));
    return Update{Update::kPut, std::move(k), std::move(v)};
  };
  std::vector<WorkloadWrite> writes;
  for (int i = 0; i < n; ++i) {
    WorkloadWrite w;
    w.sync = i % sync_every == sync_every - 1;
    const unsigned pick = rng() % 100;
    if (pick < 70) {
      w.updates.push_back(put(i));
    } else if (pick < 80) {
      w.updates.push_back({Update::kDelete, key(), ""});
    } else if (pick < 85) {
      const int begin = static_cast<int>(rng() % static_cast<unsigned>(keys));
      w.updates.push_back(
          {Update::kDeleteRange, KeyOf(begin), KeyOf(begin + 1 + static_cast<int>(rng() % 8))});
    } else {
      const int m = 2 + static_cast<int>(rng() % 3);
      for (int j = 0; j < m; ++j) {
        w.updates.push_back(rng() % 4 == 0 ? Update{Update::kDelete, key(), ""} : put(i));
      }
    }
    writes.push_back(std::move(w));
  }
  return writes;
}

std::optional<int> MatchPrefix(const std::vector<WorkloadWrite>& writes, int lo, int hi,
                               const std::map<std::string, std::string>& found) {
  std::map<std::string, std::string> model;
  for (int p = 0; p <= hi; ++p) {
    if (p >= lo && model == found) {
      return p;
    }
    if (p < hi) {
      ApplyToModel(writes[static_cast<std::size_t>(p)].updates, &model);
    }
  }
  return std::nullopt;
}

}  // namespace aeternus::test
