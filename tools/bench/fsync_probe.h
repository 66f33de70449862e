#pragma once
// The machine's rate of synced writes: how many times a second a 4 KiB
// append followed by fdatasync completes in a directory. fillsync cannot
// beat it by much without group commit, so the run prints it first and
// fillsync's rows can be read against it (docs/benchmarks.md, "fillsync").
//
// Thread safety: any thread; the rate is only meaningful while nothing
// else writes to the same device.

#include <chrono>
#include <cstdint>
#include <string>

#include "backend.h"

namespace aeternus::bench {

inline constexpr std::size_t kFsyncProbeWriteSize = 4096;

struct FsyncRate {
  std::uint64_t syncs = 0;  // write + fdatasync rounds completed
  double seconds = 0;       // their wall time
  double PerSecond() const { return seconds > 0 ? static_cast<double>(syncs) / seconds : 0; }
};

// Appends kFsyncProbeWriteSize bytes and calls fdatasync, in a loop, until
// `duration` has passed (at least once), in a file of its own that it
// creates in `dir` and removes afterwards. IOError when a call fails.
Status MeasureFsyncRate(const std::string& dir, std::chrono::duration<double> duration,
                        FsyncRate* rate);

}  // namespace aeternus::bench
