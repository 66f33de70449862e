#include "iterator/concatenating_iterator.h"

#include <algorithm>

#include "key/internal_key.h"

namespace aeternus {
namespace {

class ConcatenatingIterator final : public InternalIterator {
 public:
  explicit ConcatenatingIterator(std::vector<ConcatenatedSource> sources)
      : sources_(std::move(sources)) {}

  bool Valid() const override { return current_ != nullptr && current_->Valid(); }

  void SeekToFirst() override {
    Open(0);
    if (current_ != nullptr) {
      current_->SeekToFirst();
    }
    SkipEmptyForward();
  }

  void SeekToLast() override {
    Open(sources_.size() - 1);
    if (current_ != nullptr) {
      current_->SeekToLast();
    }
    SkipEmptyBackward();
  }

  void Seek(std::string_view target) override {
    // The first source whose largest key is >= target.
    auto it = std::partition_point(sources_.begin(), sources_.end(), [&](const auto& s) {
      return CompareInternalKeys(s.largest, target) < 0;
    });
    Open(static_cast<std::size_t>(it - sources_.begin()));
    if (current_ != nullptr) {
      current_->Seek(target);
    }
    SkipEmptyForward();
  }

  void SeekForPrev(std::string_view target) override {
    // The last source whose smallest key is <= target.
    auto it = std::partition_point(sources_.begin(), sources_.end(), [&](const auto& s) {
      return CompareInternalKeys(s.smallest, target) <= 0;
    });
    if (it == sources_.begin()) {
      if (status().ok()) {
        Close();
      }
      return;
    }
    Open(static_cast<std::size_t>(it - sources_.begin()) - 1);
    if (current_ != nullptr) {
      current_->SeekForPrev(target);
    }
    SkipEmptyBackward();
  }

  void Next() override {
    current_->Next();
    SkipEmptyForward();
  }

  void Prev() override {
    current_->Prev();
    SkipEmptyBackward();
  }

  std::string_view key() const override { return current_->key(); }
  std::string_view value() const override { return current_->value(); }
  Status status() const override { return current_ != nullptr ? current_->status() : status_; }

 private:
  // Positions on source `index` (closes everything when out of range).
  // Errors are sticky: after one, nothing is opened again, so the failed
  // source (or the saved status) keeps reporting it.
  void Open(std::size_t index) {
    if (!status().ok()) {
      return;
    }
    if (index >= sources_.size()) {
      Close();
      return;
    }
    if (current_ != nullptr && index_ == index) {
      return;
    }
    current_ = sources_[index].open();
    index_ = index;
  }

  void Close() {
    if (current_ != nullptr) {
      status_ = current_->status();
    }
    current_.reset();
    index_ = sources_.size();
  }

  // Moves on to the next source while the current one is exhausted.
  void SkipEmptyForward() {
    while (current_ != nullptr && !current_->Valid()) {
      if (!current_->status().ok() || index_ + 1 >= sources_.size()) {
        if (current_->status().ok()) {
          Close();
        }
        return;
      }
      Open(index_ + 1);
      current_->SeekToFirst();
    }
  }

  void SkipEmptyBackward() {
    while (current_ != nullptr && !current_->Valid()) {
      if (!current_->status().ok() || index_ == 0) {
        if (current_->status().ok()) {
          Close();
        }
        return;
      }
      Open(index_ - 1);
      current_->SeekToLast();
    }
  }

  std::vector<ConcatenatedSource> sources_;
  std::unique_ptr<InternalIterator> current_;  // null: not positioned, or past either end
  std::size_t index_ = 0;                      // source of current_
  Status status_;                              // error of a closed source
};

}  // namespace

std::unique_ptr<InternalIterator> NewConcatenatingIterator(
    std::vector<ConcatenatedSource> sources) {
  if (sources.empty()) {
    return NewEmptyIterator();
  }
  return std::make_unique<ConcatenatingIterator>(std::move(sources));
}

}  // namespace aeternus
