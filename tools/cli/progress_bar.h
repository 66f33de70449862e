#pragma once
// ProgressBar: one line on stderr, redrawn in place, showing how far a
// bulk load has got: a bar and percentage when the input's size is known,
// the pairs done and the rate. Draws nothing unless enabled (the tool
// enables it only when stderr is a terminal).
//
// Thread safety: none; one thread at a time.

#include <chrono>
#include <cstdint>

namespace aeternus::cli {

class ProgressBar {
 public:
  // `total_bytes` 0: the input's size is unknown (a pipe).
  ProgressBar(bool enabled, std::uint64_t total_bytes);
  ProgressBar(const ProgressBar&) = delete;
  ProgressBar& operator=(const ProgressBar&) = delete;
  ~ProgressBar();

  // Records progress; redraws at most every 100 ms.
  void Update(std::uint64_t bytes_done, std::uint64_t pairs_done);
  // Erases the bar. Idempotent; also done by the destructor.
  void Finish();

 private:
  void Draw(std::uint64_t bytes_done, std::uint64_t pairs_done);

  bool enabled_;
  const std::uint64_t total_bytes_;
  const std::chrono::steady_clock::time_point start_;
  std::chrono::steady_clock::time_point last_draw_;
  bool drawn_ = false;
};

}  // namespace aeternus::cli
