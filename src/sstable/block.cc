#include "sstable/block.h"

#include <algorithm>
#include <cassert>
#include <limits>

#include "key/internal_key.h"
#include "util/coding.h"

namespace aeternus {
namespace {

// Decodes an entry header at [p, limit). Returns the start of the key delta,
// or null when a length is malformed or the key delta and value would run
// past limit.
inline const char* DecodeEntry(const char* p, const char* limit, std::uint32_t* shared,
                               std::uint32_t* non_shared, std::uint32_t* value_size) {
  if (limit - p < 3) {
    return nullptr;
  }
  *shared = static_cast<unsigned char>(p[0]);
  *non_shared = static_cast<unsigned char>(p[1]);
  *value_size = static_cast<unsigned char>(p[2]);
  if ((*shared | *non_shared | *value_size) < 128) {
    p += 3;  // the common case: three one-byte varints
  } else {
    if ((p = GetVarint32Ptr(p, limit, shared)) == nullptr ||
        (p = GetVarint32Ptr(p, limit, non_shared)) == nullptr ||
        (p = GetVarint32Ptr(p, limit, value_size)) == nullptr) {
      return nullptr;
    }
  }
  if (static_cast<std::uint64_t>(limit - p) <
      static_cast<std::uint64_t>(*non_shared) + *value_size) {
    return nullptr;
  }
  return p;
}

// The whole key stored at restart point `index` of the entries
// [data, data + restarts), whose restart array starts at data + restarts;
// false when the entry there is malformed or not a restart entry.
// REQUIRES: index < the number of restart points.
inline bool DecodeRestartKey(const char* data, std::uint32_t restarts, std::uint32_t index,
                             std::string_view* key) {
  const std::uint32_t offset = DecodeFixed32(data + restarts + std::size_t{index} * 4);
  std::uint32_t shared = 0;
  std::uint32_t non_shared = 0;
  std::uint32_t value_size = 0;
  const char* p =
      offset < restarts
          ? DecodeEntry(data + offset, data + restarts, &shared, &non_shared, &value_size)
          : nullptr;
  if (p == nullptr || shared != 0) {
    return false;
  }
  *key = std::string_view(p, non_shared);
  return true;
}

}  // namespace

Block::Block(BlockContents contents) : contents_(std::move(contents)) {
  const std::string_view d = contents_.data;
  if (d.size() < sizeof(std::uint32_t) || d.size() > std::numeric_limits<std::uint32_t>::max()) {
    return;
  }
  const std::uint32_t num = DecodeFixed32(d.data() + d.size() - 4);
  const std::size_t max_restarts = (d.size() - 4) / 4;
  if (num > max_restarts) {
    return;
  }
  restart_offset_ = static_cast<std::uint32_t>(d.size() - 4 - std::size_t{num} * 4);
  num_restarts_ = num;
  // Entries without a restart point cannot be searched.
  well_formed_ = num > 0 || restart_offset_ == 0;
}

bool Block::RestartKey(std::uint32_t index, std::string_view* key) const {
  assert(well_formed_ && index < num_restarts_);
  return DecodeRestartKey(contents_.data.data(), restart_offset_, index, key);
}

std::unique_ptr<InternalIterator> Block::NewIterator(BlockKeyOrder order) const {
  auto it = std::make_unique<BlockIter>();
  it->Init(this, order);
  return it;
}

void BlockIter::Init(const Block* block, BlockKeyOrder order) {
  order_ = order;
  status_ = Status::OK();
  prev_active_ = false;
  key_ = {};
  value_ = {};
  key_in_buf_ = false;
  if (!block->well_formed_) {
    data_ = nullptr;
    restarts_ = 0;
    num_restarts_ = 0;
    current_ = 0;
    restart_index_ = 0;
    status_ = Status::Corruption("malformed block: bad restart array");
    return;
  }
  data_ = block->contents_.data.data();
  restarts_ = block->restart_offset_;
  num_restarts_ = block->num_restarts_;
  MarkEnd();
}

int BlockIter::Compare(std::string_view a, std::string_view b) const {
  return order_ == BlockKeyOrder::kInternal ? CompareInternalKeys(a, b) : a.compare(b);
}

std::uint32_t BlockIter::GetRestartPoint(std::uint32_t index) const {
  assert(index < num_restarts_);
  return DecodeFixed32(data_ + restarts_ + std::size_t{index} * 4);
}

void BlockIter::MarkEnd() {
  current_ = restarts_;
  restart_index_ = num_restarts_;
  prev_active_ = false;
}

void BlockIter::CorruptionError(std::string_view what) {
  MarkEnd();
  status_ = Status::Corruption("malformed block", what);
  key_ = {};
  value_ = {};
  key_in_buf_ = false;
}

bool BlockIter::SeekToRestartPoint(std::uint32_t index) {
  const std::uint32_t offset = GetRestartPoint(index);
  if (offset > restarts_) {
    CorruptionError("restart point past the entries");
    return false;
  }
  key_ = {};
  key_in_buf_ = false;
  restart_index_ = index;
  // NextEntryOffset() reads the end of value_.
  value_ = std::string_view(data_ + offset, 0);
  return true;
}

bool BlockIter::ParseNextKey() {
  current_ = NextEntryOffset();
  const char* p = data_ + current_;
  const char* limit = data_ + restarts_;
  if (p >= limit) {
    MarkEnd();
    return false;
  }
  std::uint32_t shared = 0;
  std::uint32_t non_shared = 0;
  std::uint32_t value_size = 0;
  p = DecodeEntry(p, limit, &shared, &non_shared, &value_size);
  if (p == nullptr || shared > key_.size()) {
    CorruptionError("bad entry lengths");
    return false;
  }
  if (shared == 0) {
    key_ = std::string_view(p, non_shared);
    key_in_buf_ = false;
  } else {
    if (key_in_buf_) {
      key_buf_.resize(shared);
    } else {
      key_buf_.assign(key_.data(), shared);
      key_in_buf_ = true;
    }
    key_buf_.append(p, non_shared);
    key_ = key_buf_;
  }
  if (order_ == BlockKeyOrder::kInternal && key_.size() < kTrailerSize) {
    CorruptionError("internal key shorter than its trailer");
    return false;
  }
  value_ = std::string_view(p + non_shared, value_size);
  while (restart_index_ + 1 < num_restarts_ && GetRestartPoint(restart_index_ + 1) < current_) {
    ++restart_index_;
  }
  return true;
}

void BlockIter::SeekToFirst() {
  if (!status_.ok()) {
    return;
  }
  prev_active_ = false;
  if (num_restarts_ == 0) {
    MarkEnd();
    return;
  }
  if (SeekToRestartPoint(0)) {
    ParseNextKey();
  }
}

void BlockIter::SeekToLast() {
  if (!status_.ok()) {
    return;
  }
  prev_active_ = false;
  if (num_restarts_ == 0) {
    MarkEnd();
    return;
  }
  if (!SeekToRestartPoint(num_restarts_ - 1)) {
    return;
  }
  while (ParseNextKey() && NextEntryOffset() < restarts_) {
  }
}

void BlockIter::Seek(std::string_view target) {
  Seek(target, 0, num_restarts_ > 0 ? num_restarts_ - 1 : 0);
}

void BlockIter::Seek(std::string_view target, std::uint32_t first, std::uint32_t last) {
  if (!status_.ok()) {
    return;
  }
  prev_active_ = false;
  if (num_restarts_ == 0) {
    MarkEnd();
    return;
  }
  // Binary search for the last restart point whose key < target. Restart
  // entries store whole keys, so they are compared in place.
  std::uint32_t right = std::min(last, num_restarts_ - 1);
  std::uint32_t left = std::min(first, right);
  while (left < right) {
    const std::uint32_t mid = left + (right - left + 1) / 2;
    std::string_view mid_key;
    if (!DecodeRestartKey(data_, restarts_, mid, &mid_key)) {
      CorruptionError("bad restart entry");
      return;
    }
    if (order_ == BlockKeyOrder::kInternal && mid_key.size() < kTrailerSize) {
      CorruptionError("internal key shorter than its trailer");
      return;
    }
    if (Compare(mid_key, target) < 0) {
      left = mid;
    } else {
      right = mid - 1;
    }
  }
  if (!SeekToRestartPoint(left)) {
    return;
  }
  while (ParseNextKey()) {
    if (Compare(key_, target) >= 0) {
      return;
    }
  }
}

void BlockIter::SeekForPrev(std::string_view target) {
  Seek(target);
  if (!status_.ok()) {
    return;
  }
  if (!Valid()) {
    SeekToLast();
  } else if (Compare(key_, target) > 0) {
    Prev();
  }
}

void BlockIter::Next() {
  assert(Valid());
  prev_active_ = false;
  ParseNextKey();
}

void BlockIter::Prev() {
  assert(Valid());
  if (prev_active_ && !prev_entries_.empty()) {
    const CachedEntry& e = prev_entries_.back();
    current_ = e.offset;
    key_ = std::string_view((e.key_in_block ? data_ : prev_keys_.data()) + e.key_offset,
                            e.key_size);
    key_in_buf_ = false;
    value_ = std::string_view(data_ + e.value_offset, e.value_size);
    prev_entries_.pop_back();
    return;
  }
  const std::uint32_t original = current_;
  while (GetRestartPoint(restart_index_) >= original) {
    if (restart_index_ == 0) {
      MarkEnd();
      return;
    }
    --restart_index_;
  }
  if (!SeekToRestartPoint(restart_index_)) {
    return;
  }
  prev_entries_.clear();
  prev_keys_.clear();
  // Decode forward to the entry before `original`, remembering the ones
  // before it for the next Prev() calls.
  while (ParseNextKey() && NextEntryOffset() < original) {
    CachedEntry e;
    e.offset = current_;
    e.key_size = static_cast<std::uint32_t>(key_.size());
    if (key_in_buf_) {
      e.key_in_block = false;
      e.key_offset = static_cast<std::uint32_t>(prev_keys_.size());
      prev_keys_.append(key_);
    } else {
      e.key_in_block = true;
      e.key_offset = static_cast<std::uint32_t>(key_.data() - data_);
    }
    e.value_offset = static_cast<std::uint32_t>(value_.data() - data_);
    e.value_size = static_cast<std::uint32_t>(value_.size());
    prev_entries_.push_back(e);
  }
  prev_active_ = Valid();
}

}  // namespace aeternus
