#include "iterator/merging_iterator.h"

#include <algorithm>

#include "key/internal_key.h"

namespace aeternus {
namespace {

class MergingIterator final : public InternalIterator {
 public:
  explicit MergingIterator(std::vector<std::unique_ptr<InternalIterator>> children)
      : children_(std::move(children)) {
    heap_.reserve(children_.size());
  }

  bool Valid() const override { return status_.ok() && !heap_.empty(); }

  void SeekToFirst() override {
    for (auto& c : children_) {
      c->SeekToFirst();
    }
    Rebuild(Direction::kForward);
  }
  void SeekToLast() override {
    for (auto& c : children_) {
      c->SeekToLast();
    }
    Rebuild(Direction::kReverse);
  }
  void Seek(std::string_view target) override {
    for (auto& c : children_) {
      c->Seek(target);
    }
    Rebuild(Direction::kForward);
  }
  void SeekForPrev(std::string_view target) override {
    for (auto& c : children_) {
      c->SeekForPrev(target);
    }
    Rebuild(Direction::kReverse);
  }

  void Next() override {
    InternalIterator* current = heap_.front();
    if (direction_ != Direction::kForward) {
      // Move every other child to its first entry after key().
      key_copy_.assign(current->key());
      for (auto& c : children_) {
        if (c.get() == current) {
          continue;
        }
        c->Seek(key_copy_);
        if (c->Valid() && CompareInternalKeys(c->key(), key_copy_) == 0) {
          c->Next();
        }
      }
      current->Next();
      Rebuild(Direction::kForward);
      return;
    }
    current->Next();
    FixTop(current);
  }

  void Prev() override {
    InternalIterator* current = heap_.front();
    if (direction_ != Direction::kReverse) {
      // Move every other child to its last entry before key().
      key_copy_.assign(current->key());
      for (auto& c : children_) {
        if (c.get() == current) {
          continue;
        }
        c->Seek(key_copy_);
        if (c->Valid()) {
          c->Prev();
        } else if (c->status().ok()) {
          c->SeekToLast();
        }
      }
      current->Prev();
      Rebuild(Direction::kReverse);
      return;
    }
    current->Prev();
    FixTop(current);
  }

  std::string_view key() const override { return heap_.front()->key(); }
  std::string_view value() const override { return heap_.front()->value(); }
  Status status() const override { return status_; }

 private:
  enum class Direction { kForward, kReverse };

  // True when a should be nearer the top of the heap than b.
  bool Before(const InternalIterator* a, const InternalIterator* b) const {
    int r = CompareInternalKeys(a->key(), b->key());
    return direction_ == Direction::kForward ? r < 0 : r > 0;
  }

  void Rebuild(Direction direction) {
    direction_ = direction;
    status_ = Status::OK();
    heap_.clear();
    for (auto& c : children_) {
      if (c->Valid()) {
        heap_.push_back(c.get());
      } else if (Status s = c->status(); !s.ok()) {
        status_ = std::move(s);
        heap_.clear();
        return;
      }
    }
    for (std::size_t i = heap_.size() / 2; i-- > 0;) {
      SiftDown(i);
    }
  }

  // The top child has moved: restore the heap.
  void FixTop(InternalIterator* top) {
    if (top->Valid()) {
      SiftDown(0);
      return;
    }
    if (Status s = top->status(); !s.ok()) {
      status_ = std::move(s);
      heap_.clear();
      return;
    }
    heap_.front() = heap_.back();
    heap_.pop_back();
    if (!heap_.empty()) {
      SiftDown(0);
    }
  }

  void SiftDown(std::size_t i) {
    const std::size_t n = heap_.size();
    InternalIterator* item = heap_[i];
    while (true) {
      std::size_t child = 2 * i + 1;
      if (child >= n) {
        break;
      }
      if (child + 1 < n && Before(heap_[child + 1], heap_[child])) {
        ++child;
      }
      if (!Before(heap_[child], item)) {
        break;
      }
      heap_[i] = heap_[child];
      i = child;
    }
    heap_[i] = item;
  }

  std::vector<std::unique_ptr<InternalIterator>> children_;
  std::vector<InternalIterator*> heap_;  // valid children; top = current entry
  Direction direction_ = Direction::kForward;
  Status status_;
  std::string key_copy_;
};

}  // namespace

std::unique_ptr<InternalIterator> NewMergingIterator(
    std::vector<std::unique_ptr<InternalIterator>> children) {
  if (children.empty()) {
    return NewEmptyIterator();
  }
  if (children.size() == 1) {
    return std::move(children.front());
  }
  return std::make_unique<MergingIterator>(std::move(children));
}

}  // namespace aeternus
