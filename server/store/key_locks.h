#pragma once
// Striped locks over keys: a read-modify-write command (INCR, SETNX,
// APPEND...) holds its key's stripe from the read to the write, and a
// write of several keys holds all their stripes (taken in index order, so
// two writers never wait on each other in a cycle). Writes that do not
// read take the stripes too, so that no write lands between another
// command's read and write of the same key.

#include <algorithm>
#include <array>
#include <cstddef>
#include <mutex>
#include <string_view>
#include <vector>

namespace aeternus::server {

class KeyLocks {
 public:
  static constexpr std::size_t kStripes = 1024;

  std::size_t StripeOf(std::string_view key) const {
    return std::hash<std::string_view>()(key) % kStripes;
  }

  // Holds the stripes of a set of keys until destroyed.
  class Guard {
   public:
    Guard(KeyLocks& locks, std::vector<std::size_t> stripes) : locks_(locks), stripes_(std::move(stripes)) {
      std::sort(stripes_.begin(), stripes_.end());
      stripes_.erase(std::unique(stripes_.begin(), stripes_.end()), stripes_.end());
      for (std::size_t s : stripes_) {
        locks_.mu_[s].lock();
      }
    }
    Guard(const Guard&) = delete;
    Guard& operator=(const Guard&) = delete;
    ~Guard() {
      for (auto it = stripes_.rbegin(); it != stripes_.rend(); ++it) {
        locks_.mu_[*it].unlock();
      }
    }

   private:
    KeyLocks& locks_;
    std::vector<std::size_t> stripes_;
  };

  Guard LockKey(std::string_view key) { return Guard(*this, {StripeOf(key)}); }
  template <typename Keys>
  Guard LockKeys(const Keys& keys) {
    std::vector<std::size_t> stripes;
    stripes.reserve(std::size(keys));
    for (const auto& key : keys) {
      stripes.push_back(StripeOf(key));
    }
    return Guard(*this, std::move(stripes));
  }
  // Every stripe: no other command reads or writes meanwhile.
  Guard LockAll() {
    std::vector<std::size_t> stripes(kStripes);
    for (std::size_t i = 0; i < kStripes; ++i) {
      stripes[i] = i;
    }
    return Guard(*this, std::move(stripes));
  }

 private:
  std::array<std::mutex, kStripes> mu_;
};

}  // namespace aeternus::server
