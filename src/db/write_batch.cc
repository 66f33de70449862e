#include "aeternus/write_batch.h"

#include <algorithm>
#include <cassert>
#include <vector>

#include "db/write_batch_internal.h"
#include "memtable/memtable.h"
#include "util/coding.h"
#include "util/status_macros.h"

namespace aeternus {

WriteBatch::WriteBatch() { Clear(); }

// Clear() keeps the header within the string's inline buffer: no
// allocation, so no throw.
WriteBatch::WriteBatch(WriteBatch&& other) noexcept : rep_(std::move(other.rep_)) {
  other.Clear();
}

WriteBatch& WriteBatch::operator=(WriteBatch&& other) noexcept {
  if (this != &other) {
    rep_ = std::move(other.rep_);
    other.Clear();
  }
  return *this;
}

void WriteBatch::Clear() {
  rep_.clear();
  rep_.resize(WriteBatchInternal::kHeaderSize);
}

std::uint32_t WriteBatch::Count() const { return DecodeFixed32(rep_.data() + 8); }

void WriteBatch::Put(std::string_view key, std::string_view value) {
  WriteBatchInternal::SetCount(*this, Count() + 1);
  rep_.push_back(static_cast<char>(ValueType::kValue));
  PutLengthPrefixed(rep_, key);
  PutLengthPrefixed(rep_, value);
}

void WriteBatch::Delete(std::string_view key) {
  WriteBatchInternal::SetCount(*this, Count() + 1);
  rep_.push_back(static_cast<char>(ValueType::kDeletion));
  PutLengthPrefixed(rep_, key);
}

void WriteBatch::DeleteRange(std::string_view begin, std::string_view end) {
  WriteBatchInternal::SetCount(*this, Count() + 1);
  rep_.push_back(static_cast<char>(ValueType::kRangeDeletion));
  PutLengthPrefixed(rep_, begin);
  PutLengthPrefixed(rep_, end);
}

Status WriteBatch::Iterate(Handler* handler) const {
  std::string_view in(rep_);
  assert(in.size() >= WriteBatchInternal::kHeaderSize);  // rep_'s invariant
  in.remove_prefix(WriteBatchInternal::kHeaderSize);
  std::uint32_t found = 0;
  while (!in.empty()) {
    auto type = static_cast<std::uint8_t>(in.front());
    in.remove_prefix(1);
    std::string_view key;
    std::string_view value;
    if (!GetLengthPrefixed(in, &key)) {
      return Status::Corruption("write batch", "bad key");
    }
    Status s;
    switch (static_cast<ValueType>(type)) {
      case ValueType::kValue:
        if (!GetLengthPrefixed(in, &value)) {
          return Status::Corruption("write batch", "bad value");
        }
        s = handler->Put(key, value);
        break;
      case ValueType::kDeletion:
        s = handler->Delete(key);
        break;
      case ValueType::kRangeDeletion:
        if (!GetLengthPrefixed(in, &value)) {
          return Status::Corruption("write batch", "bad range end");
        }
        s = handler->DeleteRange(key, value);
        break;
      default:
        return Status::Corruption("write batch", "unknown record type");
    }
    if (!s.ok()) {
      return s;
    }
    ++found;
  }
  if (found != Count()) {
    return Status::Corruption("write batch", "record count does not match");
  }
  return Status::OK();
}

SequenceNumber WriteBatchInternal::Sequence(const WriteBatch& b) {
  return DecodeFixed64(b.rep_.data());
}

void WriteBatchInternal::SetSequence(WriteBatch& b, SequenceNumber seq) {
  EncodeFixed64(b.rep_.data(), seq);
}

void WriteBatchInternal::SetCount(WriteBatch& b, std::uint32_t count) {
  EncodeFixed32(b.rep_.data() + 8, count);
}

Status WriteBatchInternal::SetContents(WriteBatch& b, std::string_view contents) {
  if (contents.size() < kHeaderSize) {
    return Status::Corruption("write batch", "shorter than its header");
  }
  b.rep_.assign(contents);
  return Status::OK();
}

void WriteBatchInternal::Append(WriteBatch& dst, const WriteBatch& src) {
  SetCount(dst, dst.Count() + src.Count());
  dst.rep_.append(src.rep_, kHeaderSize);
}

namespace {
class MemTableInserter final : public WriteBatch::Handler {
 public:
  MemTableInserter(SequenceNumber seq, MemTable* mem) : seq_(seq), mem_(mem) {}
  Status Put(std::string_view key, std::string_view value) override {
    mem_->Add(seq_++, ValueType::kValue, key, value);
    return Status::OK();
  }
  Status Delete(std::string_view key) override {
    mem_->Add(seq_++, ValueType::kDeletion, key, {});
    return Status::OK();
  }
  Status DeleteRange(std::string_view begin, std::string_view end) override {
    mem_->Add(seq_++, ValueType::kRangeDeletion, begin, end);
    return Status::OK();
  }

 private:
  SequenceNumber seq_;
  MemTable* mem_;
};

// Collects a batch's point entries, to insert them in internal-key order
// (MemTable::AddSorted): the skip-list searches of neighbouring entries
// then run side by side, and each insert starts from where they found.
class SortedMemTableInserter final : public WriteBatch::Handler {
 public:
  SortedMemTableInserter(SequenceNumber seq, MemTable* mem, std::size_t count)
      : seq_(seq), mem_(mem) {
    entries_.reserve(count);
  }
  Status Put(std::string_view key, std::string_view value) override {
    entries_.push_back({key, value, seq_++, ValueType::kValue});
    return Status::OK();
  }
  Status Delete(std::string_view key) override {
    entries_.push_back({key, {}, seq_++, ValueType::kDeletion});
    return Status::OK();
  }
  Status DeleteRange(std::string_view begin, std::string_view end) override {
    mem_->Add(seq_++, ValueType::kRangeDeletion, begin, end);
    return Status::OK();
  }

  // Inserts the point entries by user key, newest version first.
  void Finish() {
    std::sort(entries_.begin(), entries_.end(),
              [](const MemTable::SortedEntry& a, const MemTable::SortedEntry& b) {
                const int c = CompareUserKeys(a.key, b.key);
                return c != 0 ? c < 0 : a.seq > b.seq;
              });
    mem_->AddSorted(entries_);
  }

 private:
  SequenceNumber seq_;
  MemTable* mem_;
  std::vector<MemTable::SortedEntry> entries_;
};
}  // namespace

Status WriteBatchInternal::InsertInto(const WriteBatch& b, MemTable* mem) {
  // Small groups gain nothing from sorting.
  constexpr std::uint32_t kSortFrom = 16;
  if (b.Count() < kSortFrom) {
    MemTableInserter inserter(Sequence(b), mem);
    return b.Iterate(&inserter);
  }
  SortedMemTableInserter inserter(Sequence(b), mem, b.Count());
  AE_RETURN_IF_ERROR(b.Iterate(&inserter));
  inserter.Finish();
  return Status::OK();
}

}  // namespace aeternus
