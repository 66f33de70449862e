#pragma once
// InternalIterator: the cursor every source (memtable, block, table,
// merge) offers over internal keys, in internal key order. The public
// Iterator (db/db_iterator) is built on top of it.
//
// Contract, as aeternus::Iterator: key()/value() views live until the next
// move. A source that meets damage becomes !Valid() and reports it in
// status(); it never yields a wrong entry.

#include <memory>
#include <string_view>
#include <vector>

#include "aeternus/status.h"

namespace aeternus {

class InternalIterator {
 public:
  InternalIterator() = default;
  InternalIterator(const InternalIterator&) = delete;
  InternalIterator& operator=(const InternalIterator&) = delete;
  virtual ~InternalIterator() = default;

  virtual bool Valid() const = 0;
  virtual void SeekToFirst() = 0;
  virtual void SeekToLast() = 0;
  // First entry with internal key >= target.
  virtual void Seek(std::string_view target) = 0;
  // Last entry with internal key <= target.
  virtual void SeekForPrev(std::string_view target) = 0;
  virtual void Next() = 0;
  virtual void Prev() = 0;
  virtual std::string_view key() const = 0;
  virtual std::string_view value() const = 0;
  virtual Status status() const = 0;
};

// An iterator with no entries and the given status.
std::unique_ptr<InternalIterator> NewEmptyIterator(Status status = Status::OK());

}  // namespace aeternus
