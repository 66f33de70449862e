#pragma once
// Iterator: a cursor over the live key/value pairs of a consistent view,
// in bytewise key order, forward and backward.
//
// Thread safety: one iterator must not be used from two threads at once;
// distinct iterators may be used concurrently.
// Lifetime: key() and value() stay valid until the next call that moves the
// iterator or its destruction. REQUIRES: the iterator is destroyed before
// the DB that made it.

#include <string_view>

#include "aeternus/status.h"

namespace aeternus {

class Iterator {
 public:
  Iterator() = default;
  Iterator(const Iterator&) = delete;
  Iterator& operator=(const Iterator&) = delete;
  virtual ~Iterator() = default;

  // True when positioned at an entry. False at either end or on error.
  virtual bool Valid() const = 0;

  virtual void SeekToFirst() = 0;
  virtual void SeekToLast() = 0;
  // Positions at the first key >= target.
  virtual void Seek(std::string_view target) = 0;
  // Positions at the last key <= target.
  virtual void SeekForPrev(std::string_view target) = 0;

  // REQUIRES: Valid().
  virtual void Next() = 0;
  // REQUIRES: Valid().
  virtual void Prev() = 0;

  // REQUIRES: Valid().
  virtual std::string_view key() const = 0;
  // REQUIRES: Valid().
  virtual std::string_view value() const = 0;

  // OK unless an error (such as Corruption) ended the iteration.
  virtual Status status() const = 0;
};

}  // namespace aeternus
