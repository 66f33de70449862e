#include "process_stats.h"

#include <malloc.h>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <string_view>

namespace aeternus::bench {
namespace {

// The value of "<field>:" in a /proc file of "name: value [unit]" lines.
std::optional<std::uint64_t> ReadProcField(const char* path, std::string_view field) {
  std::ifstream in(path);
  for (std::string line; std::getline(in, line);) {
    if (line.size() > field.size() && line.starts_with(field) && line[field.size()] == ':') {
      try {
        return std::stoull(line.substr(field.size() + 1));
      } catch (const std::exception&) {
        return std::nullopt;
      }
    }
  }
  return std::nullopt;
}

}  // namespace

std::optional<IoCounters> ReadIoCounters() {
  const auto write = ReadProcField("/proc/self/io", "write_bytes");
  const auto cancelled = ReadProcField("/proc/self/io", "cancelled_write_bytes");
  const auto read = ReadProcField("/proc/self/io", "read_bytes");
  if (!write || !cancelled || !read) {
    return std::nullopt;
  }
  return IoCounters{
      .write_bytes = *write, .cancelled_write_bytes = *cancelled, .read_bytes = *read};
}

std::optional<std::uint64_t> ReadRssBytes() {
  const auto kib = ReadProcField("/proc/self/status", "VmRSS");
  return kib ? std::optional(*kib * 1024) : std::nullopt;
}

std::optional<std::uint64_t> ReadAnonRssBytes() {
  const auto kib = ReadProcField("/proc/self/status", "RssAnon");
  return kib ? std::optional(*kib * 1024) : std::nullopt;
}

std::optional<std::uint64_t> ReadPeakRssBytes() {
  const auto kib = ReadProcField("/proc/self/status", "VmHWM");
  return kib ? std::optional(*kib * 1024) : std::nullopt;
}

void TrimHeap() { malloc_trim(0); }

std::uint64_t DirectoryBytes(const std::string& dir) {
  std::uint64_t total = 0;
  std::error_code ec;
  for (auto it = std::filesystem::recursive_directory_iterator(dir, ec);
       !ec && it != std::filesystem::recursive_directory_iterator(); it.increment(ec)) {
    std::error_code file_ec;
    if (it->is_regular_file(file_ec)) {
      const auto size = it->file_size(file_ec);
      if (!file_ec) {
        total += size;
      }
    }
  }
  return total;
}

void RssSampler::Start() {
  Stop();
  const auto first = read_();
  available_ = first.has_value();
  peak_.store(first.value_or(0), std::memory_order_relaxed);
  if (!available_) {
    return;
  }
  thread_ = std::jthread([this](std::stop_token stop) {
    std::mutex mu;
    std::condition_variable_any cv;
    std::unique_lock lock(mu);
    while (true) {
      cv.wait_for(lock, stop, kPeriod, [] { return false; });
      if (stop.stop_requested()) {
        return;
      }
      if (const auto rss = read_()) {
        std::uint64_t seen = peak_.load(std::memory_order_relaxed);
        while (*rss > seen && !peak_.compare_exchange_weak(seen, *rss)) {
        }
      }
    }
  });
}

std::optional<std::uint64_t> RssSampler::Stop() {
  if (thread_.joinable()) {
    thread_.request_stop();
    thread_.join();
  }
  if (!available_) {
    return std::nullopt;
  }
  const std::uint64_t last = read_().value_or(0);
  return std::max(peak_.load(std::memory_order_relaxed), last);
}

}  // namespace aeternus::bench
