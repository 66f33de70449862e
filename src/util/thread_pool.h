#pragma once
// ThreadPool: a fixed set of worker threads running queued jobs in FIFO
// order. The destructor finishes the jobs already queued, then joins.
//
// Thread safety: Schedule may be called from any thread, jobs included.

#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace aeternus {

class ThreadPool {
 public:
  explicit ThreadPool(int threads);
  ~ThreadPool();
  ThreadPool(const ThreadPool&) = delete;
  ThreadPool& operator=(const ThreadPool&) = delete;

  void Schedule(std::function<void()> job);

 private:
  void Run(std::stop_token stop);

  std::mutex mu_;
  std::condition_variable_any cv_;
  std::deque<std::function<void()>> jobs_;  // guarded by mu_
  std::vector<std::jthread> workers_;
};

}  // namespace aeternus
