#pragma once
// Snapshot: a consistent, read-only view of the database as of one sequence
// number. Obtained from DB::GetSnapshot and released with
// DB::ReleaseSnapshot; a snapshot still held at Close is released there.

#include <cstdint>

namespace aeternus {

class Snapshot {
 public:
  // The sequence number of the last write this snapshot sees.
  virtual std::uint64_t sequence() const = 0;

 protected:
  virtual ~Snapshot() = default;
};

}  // namespace aeternus
