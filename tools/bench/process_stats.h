#pragma once
// What the operating system reports about this process and its files:
// bytes written to storage (/proc/self/io), resident memory
// (/proc/self/status) and the bytes a directory holds. Linux only; each
// reader returns nullopt where the figure is not available.
//
// Thread safety: the functions may be called from any thread; an
// RssSampler is started and stopped by one thread.

#include <atomic>
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <thread>

namespace aeternus::bench {

struct IoCounters {
  // Bytes this process caused to be sent to storage: counted when a page of
  // the page cache is first dirtied (whole pages), by any of its threads.
  std::uint64_t write_bytes = 0;
  // Of those, bytes whose pages were dropped before writeback (a file
  // truncated or deleted while still dirty).
  std::uint64_t cancelled_write_bytes = 0;
  std::uint64_t read_bytes = 0;
};
std::optional<IoCounters> ReadIoCounters();

// VmRSS and VmHWM of /proc/self/status, in bytes.
std::optional<std::uint64_t> ReadRssBytes();
std::optional<std::uint64_t> ReadPeakRssBytes();
// RssAnon of /proc/self/status, in bytes: the resident private memory (heap,
// stacks, anonymous mappings), without the page-cache pages of files mapped
// into the process (RssFile), which VmRSS counts too.
std::optional<std::uint64_t> ReadAnonRssBytes();

// Returns freed heap memory to the system (malloc_trim), so that a baseline
// taken next does not count pages the previous backend freed.
void TrimHeap();

// Sum of the sizes of the regular files under `dir`, subdirectories
// included (apparent sizes, as ls -l shows them).
std::uint64_t DirectoryBytes(const std::string& dir);

// Samples a memory figure (VmRSS by default) every kPeriod on a thread of
// its own and keeps the largest.
class RssSampler {
 public:
  static constexpr auto kPeriod = std::chrono::milliseconds(20);
  using Reader = std::optional<std::uint64_t> (*)();

  explicit RssSampler(Reader read = &ReadRssBytes) : read_(read) {}
  RssSampler(const RssSampler&) = delete;
  RssSampler& operator=(const RssSampler&) = delete;
  ~RssSampler() { Stop(); }

  void Start();
  // Stops sampling; returns the largest figure seen (sampled once more now),
  // or nullopt when it cannot be read.
  std::optional<std::uint64_t> Stop();

 private:
  const Reader read_;
  std::jthread thread_;
  std::atomic<std::uint64_t> peak_{0};
  bool available_ = false;
};

}  // namespace aeternus::bench
