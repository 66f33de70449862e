#include "memtable/memtable.h"

#include <algorithm>
#include <cstring>

namespace aeternus {

std::string_view MemTableEntryKey(const char* entry) {
  std::uint32_t len = 0;
  // Entries are written by Add, so the varint is known to be well formed.
  const char* p = GetVarint32Ptr(entry, entry + 5, &len);
  return {p, len};
}

namespace {
std::string_view EntryValue(std::string_view key) {
  const char* p = key.data() + key.size();
  std::uint32_t len = 0;
  p = GetVarint32Ptr(p, p + 5, &len);
  return {p, len};
}
}  // namespace

int MemTable::KeyComparator::operator()(const char* a, const char* b) const {
  return CompareInternalKeys(MemTableEntryKey(a), MemTableEntryKey(b));
}

MemTable::MemTable(std::uint64_t wal_number)
    : wal_number_(wal_number), table_(KeyComparator{}, &arena_) {}

void MemTable::Add(SequenceNumber seq, ValueType type, std::string_view key,
                   std::string_view value) {
  if (first_seq_.load(std::memory_order_relaxed) == 0) {
    first_seq_.store(seq, std::memory_order_relaxed);
  }
  last_seq_.store(seq, std::memory_order_relaxed);
  num_entries_.fetch_add(1, std::memory_order_relaxed);

  if (type == ValueType::kRangeDeletion) {
    // Built outside the lock; only the swap of lists happens under it.
    std::vector<RangeTombstone> merged{{std::string(key), std::string(value), seq}};
    TombstoneLists lists;
    {
      std::lock_guard lock(range_mu_);
      lists = range_lists_;
    }
    while (!lists.empty() && lists.back()->tombstones().size() <= merged.size()) {
      const auto& last = lists.back()->tombstones();
      merged.insert(merged.end(), last.begin(), last.end());
      lists.pop_back();
    }
    lists.push_back(std::make_shared<const RangeTombstoneList>(std::move(merged)));
    {
      std::lock_guard lock(range_mu_);
      range_lists_ = std::move(lists);
    }
    range_tombstone_bytes_.fetch_add(key.size() + value.size() + sizeof(RangeTombstone),
                                     std::memory_order_relaxed);
    has_range_tombstones_.store(true, std::memory_order_release);
    return;
  }

  const std::size_t ikey_size = key.size() + kTrailerSize;
  const std::size_t size = VarintLength(ikey_size) + ikey_size +
                           VarintLength(value.size()) + value.size();
  char* buf = arena_.Allocate(size);
  char* p = EncodeVarint32(buf, static_cast<std::uint32_t>(ikey_size));
  std::memcpy(p, key.data(), key.size());
  p += key.size();
  EncodeFixed64(p, PackTrailer(seq, type));
  p += kTrailerSize;
  p = EncodeVarint32(p, static_cast<std::uint32_t>(value.size()));
  if (!value.empty()) {  // an empty view may hold a null pointer
    std::memcpy(p, value.data(), value.size());
  }
  table_.Insert(buf);
}

MemTable::GetResult MemTable::Get(const LookupKey& key) const {
  GetResult result;
  // Seek with a stack-built entry header so no allocation is needed for
  // short keys.
  std::string_view ikey = key.internal_key();
  char small[128];
  std::string large;
  char* probe = small;
  std::size_t need = VarintLength(ikey.size()) + ikey.size();
  if (need > sizeof(small)) {
    large.resize(need);
    probe = large.data();
  }
  char* p = EncodeVarint32(probe, static_cast<std::uint32_t>(ikey.size()));
  std::memcpy(p, ikey.data(), ikey.size());

  Table::Iterator it(&table_);
  it.Seek(probe);
  if (!it.Valid()) {
    return result;
  }
  std::string_view found = MemTableEntryKey(it.key());
  if (ExtractUserKey(found) != key.user_key()) {
    return result;
  }
  std::uint64_t trailer = ExtractTrailer(found);
  result.sequence = trailer >> 8;
  if (static_cast<ValueType>(trailer & 0xff) == ValueType::kValue) {
    result.kind = GetResult::Kind::kValue;
    result.value = EntryValue(found);
  } else {
    result.kind = GetResult::Kind::kDeletion;
  }
  return result;
}

MemTable::TombstoneLists MemTable::RangeTombstones() const {
  if (!has_range_tombstones_.load(std::memory_order_acquire)) {
    return {};
  }
  std::lock_guard lock(range_mu_);
  return range_lists_;
}

SequenceNumber MemTable::MaxCoveringTombstone(std::string_view user_key,
                                              SequenceNumber read_sequence) const {
  SequenceNumber max = 0;
  for (const auto& list : RangeTombstones()) {
    max = std::max(max, list->MaxCoveringSequence(user_key, read_sequence));
  }
  return max;
}

class MemTable::Iter final : public InternalIterator {
 public:
  explicit Iter(const Table* table) : it_(table) {}

  bool Valid() const override { return it_.Valid(); }
  void SeekToFirst() override { it_.SeekToFirst(); }
  void SeekToLast() override { it_.SeekToLast(); }
  void Seek(std::string_view target) override { it_.Seek(Encode(target)); }
  void SeekForPrev(std::string_view target) override { it_.SeekForPrev(Encode(target)); }
  void Next() override { it_.Next(); }
  void Prev() override { it_.Prev(); }
  std::string_view key() const override { return MemTableEntryKey(it_.key()); }
  std::string_view value() const override { return EntryValue(key()); }
  Status status() const override { return Status::OK(); }

 private:
  const char* Encode(std::string_view target) {
    scratch_.clear();
    PutVarint32(scratch_, static_cast<std::uint32_t>(target.size()));
    scratch_.append(target);
    return scratch_.data();
  }

  Table::Iterator it_;
  std::string scratch_;
};

std::unique_ptr<InternalIterator> MemTable::NewIterator() const {
  return std::make_unique<Iter>(&table_);
}

}  // namespace aeternus
