#include "testutil/wait_for_compactions.h"

#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <thread>

namespace aeternus::test {

Status WaitForCompactionsWatched(DB& db, const std::string& context, std::chrono::seconds limit) {
  std::mutex mu;
  std::condition_variable cv;
  bool done = false;
  std::thread watchdog([&] {
    std::unique_lock lock(mu);
    if (cv.wait_for(lock, limit, [&] { return done; })) {
      return;
    }
    lock.unlock();
    std::string before;
    std::string after;
    std::string stats;
    db.GetProperty("aeternus.num-compactions", &before);
    std::this_thread::sleep_for(std::chrono::seconds(1));
    db.GetProperty("aeternus.num-compactions", &after);
    db.GetProperty("aeternus.stats", &stats);
    std::fprintf(stderr,
                 "WaitForCompactions has not returned after %lld s; compactions since Open: %s, "
                 "one second later: %s\n%s\n%s\n",
                 static_cast<long long>(limit.count()), before.c_str(), after.c_str(),
                 stats.c_str(), context.c_str());
    std::fflush(stdout);
    std::fflush(stderr);
    std::abort();
  });
  Status s = db.WaitForCompactions();
  {
    std::lock_guard lock(mu);
    done = true;
  }
  cv.notify_all();
  watchdog.join();
  return s;
}

}  // namespace aeternus::test
