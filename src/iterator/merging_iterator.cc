#include "iterator/merging_iterator.h"

#include <algorithm>

#include "key/internal_key.h"

namespace aeternus {
namespace {

class MergingIterator final : public InternalIterator {
 public:
  explicit MergingIterator(std::vector<std::unique_ptr<InternalIterator>> children)
      : owned_(std::move(children)) {
    children_.reserve(owned_.size());
    for (auto& c : owned_) {
      children_.emplace_back(c.get());
    }
    heap_.reserve(children_.size());
  }

  bool Valid() const override { return status_.ok() && !heap_.empty(); }

  void SeekToFirst() override {
    for (Child& c : children_) {
      c.iter->SeekToFirst();
      c.Update();
    }
    Rebuild(Direction::kForward);
  }
  void SeekToLast() override {
    for (Child& c : children_) {
      c.iter->SeekToLast();
      c.Update();
    }
    Rebuild(Direction::kReverse);
  }
  void Seek(std::string_view target) override {
    for (Child& c : children_) {
      c.iter->Seek(target);
      c.Update();
    }
    Rebuild(Direction::kForward);
  }
  void SeekForPrev(std::string_view target) override {
    for (Child& c : children_) {
      c.iter->SeekForPrev(target);
      c.Update();
    }
    Rebuild(Direction::kReverse);
  }

  void Next() override {
    Child* current = heap_.front();
    if (direction_ != Direction::kForward) {
      // Move every other child to its first entry after key().
      key_copy_.assign(current->key);
      for (Child& c : children_) {
        if (&c != current) {
          c.iter->Seek(key_copy_);
          if (c.iter->Valid() && CompareInternalKeys(c.iter->key(), key_copy_) == 0) {
            c.iter->Next();
          }
          c.Update();
        }
      }
      current->iter->Next();
      current->Update();
      Rebuild(Direction::kForward);
      return;
    }
    current->iter->Next();
    current->Update();
    FixTop(current);
  }

  void Prev() override {
    Child* current = heap_.front();
    if (direction_ != Direction::kReverse) {
      // Move every other child to its last entry before key().
      key_copy_.assign(current->key);
      for (Child& c : children_) {
        if (&c != current) {
          c.iter->Seek(key_copy_);
          if (c.iter->Valid()) {
            c.iter->Prev();
          } else if (c.iter->status().ok()) {
            c.iter->SeekToLast();
          }
          c.Update();
        }
      }
      current->iter->Prev();
      current->Update();
      Rebuild(Direction::kReverse);
      return;
    }
    current->iter->Prev();
    current->Update();
    FixTop(current);
  }

  std::string_view key() const override { return heap_.front()->key; }
  std::string_view value() const override { return heap_.front()->value; }
  Status status() const override { return status_; }

 private:
  enum class Direction { kForward, kReverse };

  // A child with its validity, key and value read once per move, so that
  // the heap compares keys without virtual calls. key and value view the
  // child's current entry: valid until the child moves again, when
  // Update() is called.
  struct Child {
    explicit Child(InternalIterator* i) : iter(i) {}

    InternalIterator* iter;
    bool valid = false;
    std::string_view key;
    std::string_view value;

    void Update() {
      valid = iter->Valid();
      key = valid ? iter->key() : std::string_view();
      value = valid ? iter->value() : std::string_view();
    }
  };

  // True when a should be nearer the top of the heap than b.
  bool Before(const Child* a, const Child* b) const {
    int r = CompareInternalKeys(a->key, b->key);
    return direction_ == Direction::kForward ? r < 0 : r > 0;
  }

  void Rebuild(Direction direction) {
    direction_ = direction;
    status_ = Status::OK();
    heap_.clear();
    for (Child& c : children_) {
      if (c.valid) {
        heap_.push_back(&c);
      } else if (Status s = c.iter->status(); !s.ok()) {
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
  void FixTop(Child* top) {
    if (top->valid) {
      SiftDown(0);
      return;
    }
    if (Status s = top->iter->status(); !s.ok()) {
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
    Child* item = heap_[i];
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

  std::vector<std::unique_ptr<InternalIterator>> owned_;
  std::vector<Child> children_;  // one per owned_ iterator; never resized
  std::vector<Child*> heap_;     // valid children; top = current entry
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
