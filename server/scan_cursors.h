#pragma once
// SCAN's cursors. A Redis cursor is a number; the server keeps, for each
// cursor it handed out, the key where the scan goes on (the keys are
// ordered, so a scan misses no key that exists throughout and returns none
// twice). The table keeps the most recent kCapacity cursors; an older one
// is refused as invalid.
//
// Thread safety: all methods may be called concurrently.

#include <cstdint>
#include <list>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>

namespace aeternus::server {

class ScanCursors {
 public:
  static constexpr std::size_t kCapacity = 100000;

  // A new cursor (never 0) that resumes after `last_key`.
  std::uint64_t Add(std::string last_key);
  // The key cursor `id` resumes after; nullopt when it is unknown.
  std::optional<std::string> Find(std::uint64_t id);

 private:
  std::mutex mu_;
  std::uint64_t next_id_ = 1;                                    // guarded by mu_
  std::list<std::uint64_t> order_;                               // oldest first; guarded by mu_
  std::unordered_map<std::uint64_t, std::pair<std::string, std::list<std::uint64_t>::iterator>>
      cursors_;  // guarded by mu_
};

}  // namespace aeternus::server
