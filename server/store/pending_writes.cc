#include "store/pending_writes.h"

#include <algorithm>
#include <map>

namespace aeternus::server {

void PendingWrites::Put(std::string_view key, std::string_view encoded_value) {
  Keyspace::BatchPut(&batch_, key, encoded_value);
  stripes_.push_back(keyspace_.locks().StripeOf(key));
  ++puts_since_end_;
}

bool PendingWrites::EndCommand(std::string* out, std::size_t reply_offset) {
  if (puts_since_end_ == 0) {
    return false;
  }
  puts_since_end_ = 0;
  commands_.push_back(Command{out, reply_offset});
  return true;
}

Status PendingWrites::Commit() {
  if (commands_.empty()) {
    return Status::OK();
  }
  Status s;
  {
    KeyLocks::Guard guard(keyspace_.locks(), std::move(stripes_));
    s = keyspace_.Write(&batch_);
  }
  if (!s.ok()) {
    // Each output's blind-write replies run from its first such reply to
    // its end (see the header).
    std::map<std::string*, std::pair<std::size_t, std::size_t>> per_output;  // first, count
    for (const Command& c : commands_) {
      auto [it, added] = per_output.try_emplace(c.out, c.reply_offset, 0);
      it->second.first = std::min(it->second.first, c.reply_offset);
      ++it->second.second;
    }
    std::string error = "-ERR " + s.ToString();
    std::replace(error.begin(), error.end(), '\r', ' ');
    std::replace(error.begin(), error.end(), '\n', ' ');
    error += "\r\n";
    for (auto& [out, range] : per_output) {
      out->resize(range.first);
      for (std::size_t i = 0; i < range.second; ++i) {
        out->append(error);
      }
    }
  }
  batch_.Clear();
  stripes_.clear();
  commands_.clear();
  if (on_commit_) {
    on_commit_();
  }
  return s;
}

}  // namespace aeternus::server
