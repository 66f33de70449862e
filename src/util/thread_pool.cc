#include "util/thread_pool.h"

namespace aeternus {

ThreadPool::ThreadPool(int threads) {
  workers_.reserve(static_cast<std::size_t>(threads));
  for (int i = 0; i < threads; ++i) {
    workers_.emplace_back([this](std::stop_token stop) { Run(stop); });
  }
}

ThreadPool::~ThreadPool() {
  for (auto& w : workers_) {
    w.request_stop();
  }
  cv_.notify_all();
  workers_.clear();  // joins
}

void ThreadPool::Schedule(std::function<void()> job) {
  {
    std::lock_guard lock(mu_);
    jobs_.push_back(std::move(job));
  }
  cv_.notify_one();
}

void ThreadPool::Run(std::stop_token stop) {
  while (true) {
    std::function<void()> job;
    {
      std::unique_lock lock(mu_);
      cv_.wait(lock, stop, [this] { return !jobs_.empty(); });
      if (jobs_.empty()) {
        return;  // stop requested and nothing left to run
      }
      job = std::move(jobs_.front());
      jobs_.pop_front();
    }
    job();
  }
}

}  // namespace aeternus
