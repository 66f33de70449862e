#include "progress_bar.h"

#include <algorithm>
#include <cinttypes>
#include <cstdio>
#include <string>

namespace aeternus::cli {
namespace {

constexpr auto kRedrawInterval = std::chrono::milliseconds(100);
constexpr int kBarWidth = 30;

}  // namespace

ProgressBar::ProgressBar(bool enabled, std::uint64_t total_bytes)
    : enabled_(enabled),
      total_bytes_(total_bytes),
      start_(std::chrono::steady_clock::now()),
      last_draw_(start_) {}

ProgressBar::~ProgressBar() { Finish(); }

void ProgressBar::Update(std::uint64_t bytes_done, std::uint64_t pairs_done) {
  if (!enabled_) {
    return;
  }
  const auto now = std::chrono::steady_clock::now();
  if (drawn_ && now - last_draw_ < kRedrawInterval) {
    return;
  }
  last_draw_ = now;
  Draw(bytes_done, pairs_done);
}

void ProgressBar::Draw(std::uint64_t bytes_done, std::uint64_t pairs_done) {
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  const double rate = seconds > 0 ? static_cast<double>(pairs_done) / seconds : 0.0;
  std::string line = "\r";
  if (total_bytes_ > 0) {
    const double fraction =
        std::min(1.0, static_cast<double>(bytes_done) / static_cast<double>(total_bytes_));
    const int filled = static_cast<int>(fraction * kBarWidth);
    line.push_back('[');
    line.append(static_cast<std::size_t>(filled), '#');
    line.append(static_cast<std::size_t>(kBarWidth - filled), ' ');
    char percent[16];
    std::snprintf(percent, sizeof(percent), "] %3d%% ", static_cast<int>(fraction * 100));
    line.append(percent);
  }
  char tail[96];
  std::snprintf(tail, sizeof(tail), "%" PRIu64 " pairs, %.0f pairs/s", pairs_done, rate);
  line.append(tail);
  line.append("\x1b[K");  // erase the rest of the line
  std::fputs(line.c_str(), stderr);
  std::fflush(stderr);
  drawn_ = true;
}

void ProgressBar::Finish() {
  if (enabled_ && drawn_) {
    std::fputs("\r\x1b[K", stderr);
    std::fflush(stderr);
  }
  enabled_ = false;
}

}  // namespace aeternus::cli
