#include "net/event_loop.h"

#include <sys/eventfd.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>

namespace aeternus::server {
namespace {

Status SysError(const char* call) { return Status::IOError(call, std::strerror(errno)); }

}  // namespace

EventLoop::~EventLoop() {
  if (wake_fd_ >= 0) {
    ::close(wake_fd_);
  }
  if (epoll_fd_ >= 0) {
    ::close(epoll_fd_);
  }
}

Status EventLoop::Init() {
  epoll_fd_ = ::epoll_create1(EPOLL_CLOEXEC);
  if (epoll_fd_ < 0) {
    return SysError("epoll_create1");
  }
  wake_fd_ = ::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  if (wake_fd_ < 0) {
    return SysError("eventfd");
  }
  epoll_event ev{};
  ev.events = EPOLLIN;
  ev.data.ptr = nullptr;  // the wake-up descriptor
  if (::epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, wake_fd_, &ev) != 0) {
    return SysError("epoll_ctl");
  }
  return Status::OK();
}

Status EventLoop::Watch(int fd, std::uint32_t events, EventHandler* handler) {
  epoll_event ev{};
  ev.events = events;
  ev.data.ptr = handler;
  if (::epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, fd, &ev) != 0) {
    return SysError("epoll_ctl");
  }
  return Status::OK();
}

Status EventLoop::Modify(int fd, std::uint32_t events, EventHandler* handler) {
  epoll_event ev{};
  ev.events = events;
  ev.data.ptr = handler;
  if (::epoll_ctl(epoll_fd_, EPOLL_CTL_MOD, fd, &ev) != 0) {
    return SysError("epoll_ctl");
  }
  return Status::OK();
}

void EventLoop::Unwatch(int fd) { ::epoll_ctl(epoll_fd_, EPOLL_CTL_DEL, fd, nullptr); }

void EventLoop::Post(std::function<void()> task) {
  {
    std::lock_guard lock(mu_);
    tasks_.push_back(std::move(task));
  }
  Wake();
}

void EventLoop::Stop() {
  {
    std::lock_guard lock(mu_);
    stop_ = true;
  }
  Wake();
}

void EventLoop::Wake() {
  const std::uint64_t one = 1;
  // A full counter already wakes the loop: the error is no matter.
  [[maybe_unused]] const ssize_t n = ::write(wake_fd_, &one, sizeof(one));
}

void EventLoop::Run(const std::function<void()>& end_of_round,
                    const std::function<void()>& on_tick, int tick_ms) {
  constexpr int kMaxEvents = 256;
  epoll_event events[kMaxEvents];
  auto next_tick = std::chrono::steady_clock::now() + std::chrono::milliseconds(tick_ms);
  std::vector<std::function<void()>> tasks;
  for (;;) {
    const int n = ::epoll_wait(epoll_fd_, events, kMaxEvents, tick_ms);
    for (int i = 0; i < n; ++i) {
      if (events[i].data.ptr == nullptr) {
        std::uint64_t count = 0;
        [[maybe_unused]] const ssize_t r = ::read(wake_fd_, &count, sizeof(count));
        continue;
      }
      static_cast<EventHandler*>(events[i].data.ptr)->OnEvents(events[i].events);
    }
    end_of_round();
    {
      std::lock_guard lock(mu_);
      tasks.swap(tasks_);
      if (stop_ && tasks.empty()) {
        return;
      }
    }
    for (auto& task : tasks) {
      task();
    }
    tasks.clear();
    if (const auto now = std::chrono::steady_clock::now(); now >= next_tick) {
      next_tick = now + std::chrono::milliseconds(tick_ms);
      on_tick();
    }
  }
}

}  // namespace aeternus::server
