#include "scan_cursors.h"

namespace aeternus::server {

std::uint64_t ScanCursors::Add(std::string last_key) {
  std::lock_guard lock(mu_);
  if (cursors_.size() >= kCapacity) {
    cursors_.erase(order_.front());
    order_.pop_front();
  }
  const std::uint64_t id = next_id_++;
  order_.push_back(id);
  cursors_.emplace(id, std::make_pair(std::move(last_key), std::prev(order_.end())));
  return id;
}

std::optional<std::string> ScanCursors::Find(std::uint64_t id) {
  std::lock_guard lock(mu_);
  const auto it = cursors_.find(id);
  if (it == cursors_.end()) {
    return std::nullopt;
  }
  return it->second.first;
}

}  // namespace aeternus::server
