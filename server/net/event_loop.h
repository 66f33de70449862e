#pragma once
// EventLoop: one thread's epoll loop. It watches descriptors for readiness
// (level-triggered) and calls their handlers, runs tasks that other threads
// post (woken through an eventfd), and after each round of events calls the
// round's end hook (where the server commits the writes the round gathered
// and sends their replies).
//
// Thread safety: Post and Stop may be called from any thread; everything
// else only from the loop's own thread (or before Run).

#include <sys/epoll.h>

#include <cstdint>
#include <functional>
#include <mutex>
#include <vector>

#include "aeternus/status.h"

namespace aeternus::server {

class EventHandler {
 public:
  virtual ~EventHandler() = default;
  // `events`: EPOLLIN, EPOLLOUT, EPOLLERR, EPOLLHUP... as epoll reports them.
  virtual void OnEvents(std::uint32_t events) = 0;
};

class EventLoop {
 public:
  EventLoop() = default;
  EventLoop(const EventLoop&) = delete;
  EventLoop& operator=(const EventLoop&) = delete;
  ~EventLoop();

  Status Init();

  // Starts, changes or stops watching `fd`. `handler` must stay valid until
  // Unwatch.
  Status Watch(int fd, std::uint32_t events, EventHandler* handler);
  Status Modify(int fd, std::uint32_t events, EventHandler* handler);
  void Unwatch(int fd);

  // Runs `task` on the loop's thread, after the current round.
  void Post(std::function<void()> task);

  // Runs until Stop: waits for events (at most `tick_ms` at a time), calls
  // their handlers, then `end_of_round`, then the posted tasks, then
  // `on_tick` once per tick_ms or so.
  void Run(const std::function<void()>& end_of_round, const std::function<void()>& on_tick,
           int tick_ms);
  void Stop();

 private:
  void Wake();

  int epoll_fd_ = -1;
  int wake_fd_ = -1;  // an eventfd
  std::mutex mu_;
  std::vector<std::function<void()>> tasks_;  // guarded by mu_
  bool stop_ = false;                         // guarded by mu_
};

}  // namespace aeternus::server
