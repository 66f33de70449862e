#include "sstable/mapped_table_budget.h"

#include <algorithm>

#include "env/file_system.h"

namespace aeternus {

namespace {

bool TestBit(const std::atomic<std::uint64_t>* bits, std::uint64_t i) {
  return (bits[i / 64].load(std::memory_order_relaxed) >> (i % 64)) & 1;
}

// Sets bit i; true when this call set it.
bool SetBit(std::atomic<std::uint64_t>* bits, std::uint64_t i) {
  const std::uint64_t mask = std::uint64_t{1} << (i % 64);
  return (bits[i / 64].load(std::memory_order_relaxed) & mask) == 0 &&
         (bits[i / 64].fetch_or(mask, std::memory_order_relaxed) & mask) == 0;
}

// Clears bit i; true when this call cleared it.
bool ClearBit(std::atomic<std::uint64_t>* bits, std::uint64_t i) {
  const std::uint64_t mask = std::uint64_t{1} << (i % 64);
  return (bits[i / 64].fetch_and(~mask, std::memory_order_relaxed) & mask) != 0;
}

}  // namespace

MappedTableBudget::Table::Table(MappedTableBudget* budget, const RandomAccessFile* file,
                                std::uint64_t data_end)
    : budget_(budget),
      file_(file),
      data_end_(data_end),
      chunks_((data_end + kChunk - 1) / kChunk),
      charged_(std::make_unique<std::atomic<std::uint64_t>[]>(chunks_ / 64 + 1)),
      referenced_(std::make_unique<std::atomic<std::uint64_t>[]>(chunks_ / 64 + 1)) {
  budget_->Register(this);
}

MappedTableBudget::Table::~Table() {
  budget_->Unregister(this);
  budget_->Uncharge(charged_bytes_.load(std::memory_order_relaxed));
}

void MappedTableBudget::Table::Touch(std::uint64_t offset, std::uint64_t size) {
  if (offset >= data_end_ || size == 0) {
    return;
  }
  const std::uint64_t last = (std::min(offset + size, data_end_) - 1) / kChunk;
  std::uint64_t newly = 0;
  for (std::uint64_t chunk = offset / kChunk; chunk <= last; ++chunk) {
    SetBit(referenced_.get(), chunk);
    if (SetBit(charged_.get(), chunk)) {
      newly += kChunk;
    }
  }
  if (newly != 0) {
    charged_bytes_.fetch_add(newly, std::memory_order_relaxed);
    budget_->Charge(newly);
  }
}

void MappedTableBudget::Table::ReleaseAll(std::uint64_t file_size) {
  for (std::uint64_t i = 0; i <= chunks_ / 64; ++i) {
    charged_[i].store(0, std::memory_order_relaxed);
    referenced_[i].store(0, std::memory_order_relaxed);
  }
  file_->WillNotNeed(0, file_size);
  budget_->Uncharge(charged_bytes_.exchange(0, std::memory_order_relaxed));
}

std::uint64_t MappedTableBudget::Table::Sweep(std::uint64_t want) {
  std::uint64_t released = 0;
  std::uint64_t run_first = 0;  // a run of released chunks, dropped at once
  std::uint64_t run_count = 0;
  const std::uint64_t visits = std::min<std::uint64_t>(kSweepChunks, chunks_);
  for (std::uint64_t v = 0; v < visits && released < want; ++v) {
    const std::uint64_t chunk = hand_;
    hand_ = hand_ + 1 == chunks_ ? 0 : hand_ + 1;
    if (TestBit(referenced_.get(), chunk)) {
      ClearBit(referenced_.get(), chunk);  // a second chance
      continue;
    }
    if (!TestBit(charged_.get(), chunk) || !ClearBit(charged_.get(), chunk)) {
      continue;
    }
    released += kChunk;
    if (run_count != 0 && run_first + run_count == chunk) {
      ++run_count;
    } else {
      if (run_count != 0) {
        DropChunks(run_first, run_count);
      }
      run_first = chunk;
      run_count = 1;
    }
  }
  if (run_count != 0) {
    DropChunks(run_first, run_count);
  }
  charged_bytes_.fetch_sub(released, std::memory_order_relaxed);
  return released;
}

void MappedTableBudget::Table::DropChunks(std::uint64_t first, std::uint64_t count) const {
  const std::uint64_t begin = first * kChunk;
  file_->WillNotNeed(begin, std::min((first + count) * kChunk, data_end_) - begin);
}

void MappedTableBudget::Register(Table* table) {
  std::lock_guard lock(mu_);
  tables_.push_back(table);
  chunks_ += table->chunks_;
}

void MappedTableBudget::Unregister(Table* table) {
  std::lock_guard lock(mu_);
  auto it = std::find(tables_.begin(), tables_.end(), table);
  if (it == tables_.end()) {
    return;
  }
  const auto index = static_cast<std::size_t>(it - tables_.begin());
  tables_.erase(it);
  chunks_ -= table->chunks_;
  if (hand_ > index) {
    --hand_;
  }
}

void MappedTableBudget::Charge(std::uint64_t bytes) {
  const std::int64_t total =
      charged_.fetch_add(static_cast<std::int64_t>(bytes), std::memory_order_relaxed) +
      static_cast<std::int64_t>(bytes);
  if (limit_ != 0 && total > static_cast<std::int64_t>(limit_)) {
    SweepUntilUnderLimit();
  }
}

void MappedTableBudget::SweepUntilUnderLimit() {
  // One thread sweeps; the others carry on reading meanwhile.
  std::unique_lock lock(mu_, std::try_to_lock);
  if (!lock.owns_lock() || tables_.empty()) {
    return;
  }
  const auto target = static_cast<std::int64_t>(limit_ - limit_ / 16);
  // Two rounds of the hand over every chunk release all that is charged:
  // the first clears every referenced mark.
  std::uint64_t visits = 2 * (chunks_ / kSweepChunks + tables_.size());
  for (std::int64_t over = charged_.load(std::memory_order_relaxed) - target;
       visits-- > 0 && over > 0; over = charged_.load(std::memory_order_relaxed) - target) {
    if (hand_ >= tables_.size()) {
      hand_ = 0;
    }
    Uncharge(tables_[hand_++]->Sweep(static_cast<std::uint64_t>(over)));
  }
}

}  // namespace aeternus
