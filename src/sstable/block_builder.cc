#include "sstable/block_builder.h"

#include <algorithm>
#include <cassert>

#include "util/coding.h"

namespace aeternus {

BlockBuilder::BlockBuilder(int restart_interval) : restart_interval_(restart_interval) {
  assert(restart_interval_ >= 1);
  restarts_.push_back(0);
}

void BlockBuilder::Reset() {
  buffer_.clear();
  restarts_.clear();
  restarts_.push_back(0);
  counter_ = 0;
  num_entries_ = 0;
  finished_ = false;
  last_key_.clear();
}

void BlockBuilder::Add(std::string_view key, std::string_view value) {
  assert(!finished_);
  std::size_t shared = 0;
  if (counter_ < restart_interval_) {
    const std::size_t limit = std::min(last_key_.size(), key.size());
    while (shared < limit && last_key_[shared] == key[shared]) {
      ++shared;
    }
  } else {
    restarts_.push_back(static_cast<std::uint32_t>(buffer_.size()));
    counter_ = 0;
  }
  const std::size_t non_shared = key.size() - shared;

  char header[15];
  char* p = EncodeVarint32(header, static_cast<std::uint32_t>(shared));
  p = EncodeVarint32(p, static_cast<std::uint32_t>(non_shared));
  p = EncodeVarint32(p, static_cast<std::uint32_t>(value.size()));
  buffer_.append(header, static_cast<std::size_t>(p - header));
  buffer_.append(key.substr(shared));
  buffer_.append(value);

  last_key_.resize(shared);
  last_key_.append(key.substr(shared));
  ++counter_;
  ++num_entries_;
}

std::string_view BlockBuilder::Finish() {
  if (!finished_) {
    for (std::uint32_t r : restarts_) {
      PutFixed32(buffer_, r);
    }
    PutFixed32(buffer_, static_cast<std::uint32_t>(restarts_.size()));
    finished_ = true;
  }
  return buffer_;
}

}  // namespace aeternus
