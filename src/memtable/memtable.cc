#include "memtable/memtable.h"

#include <algorithm>
#include <cstring>

#include "filter/bloom.h"
#include "util/compare_bytes.h"

namespace aeternus {

namespace {
// The internal key of an entry: varint32 size, then the bytes.
inline std::string_view EntryKey(const char* entry) {
  std::uint32_t len = static_cast<unsigned char>(*entry);
  if (len < 0x80) {
    return {entry + 1, len};
  }
  // Entries are written by Add, so the varint is known to be well formed.
  const char* p = GetVarint32Ptr(entry, entry + 5, &len);
  return {p, len};
}

// The sequence of an entry.
inline SequenceNumber EntrySequence(const char* entry) {
  return ExtractTrailer(EntryKey(entry)) >> 8;
}

// The value that follows an entry's internal key.
inline std::string_view EntryValue(std::string_view key) {
  const char* p = key.data() + key.size();
  std::uint32_t len = static_cast<unsigned char>(*p);
  if (len < 0x80) {
    return {p + 1, len};
  }
  // Entries are written by Add, so the varint is known to be well formed.
  p = GetVarint32Ptr(p, p + 5, &len);
  return {p, len};
}

// With a hash index, every entry ends with a back link, after its value:
// the address of the entry before it at level 0 of the skip list (null:
// none). Only the writer reads and writes it.
inline char* BackLinkField(const char* entry) {
  const std::string_view value = EntryValue(EntryKey(entry));
  return const_cast<char*>(value.data() + value.size());
}
inline const char* BackLink(const char* entry) {
  const char* link;
  std::memcpy(&link, BackLinkField(entry), sizeof(link));
  return link;
}
inline void SetBackLink(const char* entry, const char* link) {
  std::memcpy(BackLinkField(entry), &link, sizeof(link));
}

// Matches the entries of one user key.
inline auto HasUserKey(std::string_view user_key) {
  return [user_key](const char* entry) { return ExtractUserKey(EntryKey(entry)) == user_key; };
}

}  // namespace

std::string_view MemTableEntryKey(const char* entry) { return EntryKey(entry); }

MemTable::KeyComparator::DecodedKey MemTable::KeyComparator::Decode(const char* entry) {
  return Decode(EntryKey(entry));
}

int MemTable::KeyComparator::operator()(const char* entry, const DecodedKey& key) const {
  const std::string_view ikey = EntryKey(entry);
  const std::string_view user_key(ikey.data(), ikey.size() - kTrailerSize);
  int r = CompareBytes(user_key, key.user_key);
  if (r != 0) {
    return r;
  }
  const std::uint64_t trailer = DecodeFixed64(user_key.data() + user_key.size());
  return trailer > key.trailer ? -1 : (trailer < key.trailer ? 1 : 0);
}

MemTable::MemTable(std::uint64_t wal_number, ArenaBlockPool* pool, std::size_t filter_bytes,
                   std::size_t index_bytes)
    : wal_number_(wal_number),
      arena_(pool),
      table_(KeyComparator{}, &arena_),
      filter_(filter_bytes),
      index_(index_bytes) {}

void MemTable::Add(SequenceNumber seq, ValueType type, std::string_view key,
                   std::string_view value) {
  // A group may be inserted out of sequence order (sorted by key), so keep
  // the lowest and highest; one writer at a time, so load and store do.
  const SequenceNumber first = first_seq_.load(std::memory_order_relaxed);
  if (first == 0 || seq < first) {
    first_seq_.store(seq, std::memory_order_relaxed);
  }
  if (seq > last_seq_.load(std::memory_order_relaxed)) {
    last_seq_.store(seq, std::memory_order_relaxed);
  }
  num_entries_.fetch_add(1, std::memory_order_relaxed);

  if (type == ValueType::kRangeDeletion) {
    range_tombstones_.Add(key, value, seq);
    std::shared_ptr<const RangeTombstoneList> list = range_tombstones_.Publish();
    {
      std::lock_guard lock(range_mu_);
      range_list_.swap(list);
    }
    // `list` now holds the previous state; it is released outside the lock.
    range_tombstone_bytes_.store(range_tombstones_.ApproximateMemoryUsage(),
                                 std::memory_order_relaxed);
    has_range_tombstones_.store(true, std::memory_order_release);
    return;
  }

  const std::size_t ikey_size = key.size() + kTrailerSize;
  const std::size_t back_link_size = index_.enabled() ? sizeof(const char*) : 0;
  const std::size_t size = VarintLength(ikey_size) + ikey_size + VarintLength(value.size()) +
                           value.size() + back_link_size;
  char* buf = table_.AllocateKey(size);
  char* p = EncodeVarint32(buf, static_cast<std::uint32_t>(ikey_size));
  std::memcpy(p, key.data(), key.size());
  p += key.size();
  EncodeFixed64(p, PackTrailer(seq, type));
  p += kTrailerSize;
  p = EncodeVarint32(p, static_cast<std::uint32_t>(value.size()));
  if (!value.empty()) {  // an empty view may hold a null pointer
    std::memcpy(p, value.data(), value.size());
  }
  if (!index_.enabled()) {
    // The filter is updated before the DB publishes `seq`, which is when a
    // reader may look for the entry.
    if (filter_.enabled()) {
      filter_.Add(BloomHash(key));
    }
    table_.Insert(buf);
    return;
  }
  const std::uint64_t hash = BloomHash(key);
  LinkWithBackLinks(buf, hash, key, seq);
  // A key the index follows needs no filter bits: a lookup finds it there.
  const bool indexed = index_.Add(hash, buf, HasUserKey(key), [](const char* a, const char* b) {
    return EntrySequence(a) > EntrySequence(b);
  });
  if (!indexed) {
    filter_.Add(hash);
  }
}

void MemTable::AddSorted(std::span<const SortedEntry> entries) {
  constexpr std::size_t kChunk = Table::kMaxPositions;
  Table::DecodedKey keys[kChunk];
  Table::Position positions[kChunk];
  for (std::size_t begin = 0; begin < entries.size(); begin += kChunk) {
    const std::size_t n = std::min(kChunk, entries.size() - begin);
    for (std::size_t i = 0; i < n; ++i) {
      const SortedEntry& e = entries[begin + i];
      assert(e.type == ValueType::kValue || e.type == ValueType::kDeletion);
      keys[i] = {e.key, PackTrailer(e.seq, e.type)};
    }
    table_.FindPositions(keys, n, positions);
    // Each entry is inserted after the smaller ones of its chunk, as
    // AimSplice requires.
    for (std::size_t i = 0; i < n; ++i) {
      const SortedEntry& e = entries[begin + i];
      table_.AimSplice(keys[i], positions[i]);
      Add(e.seq, e.type, e.key, e.value);
    }
  }
}

void MemTable::LinkWithBackLinks(char* entry, std::uint64_t hash, std::string_view user_key,
                                 SequenceNumber seq) {
  Table::Neighbours at{nullptr, nullptr};
  // A version newer than the key's newest sorts right before it: between
  // that entry and its back link, with no search when the height allows.
  const char* newest = index_.Find(hash, HasUserKey(user_key)).entry;
  if (newest != nullptr && EntrySequence(newest) < seq) {
    at = {BackLink(newest), newest};
  }
  if (at.next == nullptr || !table_.InsertBetween(entry, at.prev, at.next)) {
    at = table_.Insert(entry);
  }
  SetBackLink(entry, at.prev);
  if (at.next != nullptr) {
    SetBackLink(at.next, entry);
  }
}

MemTable::GetResult MemTable::Get(const LookupKey& key) const {
  const std::string_view user_key = key.user_key();
  if (!index_.enabled()) {
    if (filter_.enabled() && !filter_.MayContain(BloomHash(user_key))) {
      return {};
    }
    return SearchTable(key);
  }
  const std::uint64_t hash = BloomHash(user_key);
  const MemTableIndex::Lookup lookup = index_.Find(hash, HasUserKey(user_key));
  if (lookup.entry != nullptr) {
    if (EntrySequence(lookup.entry) <= ExtractTrailer(key.internal_key()) >> 8) {
      return ResultOf(EntryKey(lookup.entry));
    }
    // The newest entry is above the read's sequence (a snapshot, or a
    // write not yet published): the skip list holds the older ones.
    return SearchTable(key);
  }
  if (lookup.KnownAbsent()) {
    return {};
  }
  // A key without a slot in a full index has all its entries in the filter
  // (with the index off, the filter lacks the keys it had followed).
  if (lookup.state == MemTableIndex::State::kPartial && !filter_.MayContain(hash)) {
    return {};
  }
  return SearchTable(key);
}

MemTable::GetResult MemTable::SearchTable(const LookupKey& key) const {
  Table::Iterator it(&table_);
  it.Seek(KeyComparator::Decode(key.internal_key()));
  if (!it.Valid()) {
    return {};
  }
  std::string_view found = EntryKey(it.key());
  if (ExtractUserKey(found) != key.user_key()) {
    return {};
  }
  return ResultOf(found);
}

MemTable::GetResult MemTable::ResultOf(std::string_view found) {
  GetResult result;
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
  return {range_list_};
}

SequenceNumber MemTable::MaxCoveringTombstone(std::string_view user_key,
                                              SequenceNumber read_sequence) const {
  if (!has_range_tombstones_.load(std::memory_order_acquire)) {
    return 0;
  }
  std::shared_ptr<const RangeTombstoneList> list;
  {
    std::lock_guard lock(range_mu_);
    list = range_list_;
  }
  return list->MaxCoveringSequence(user_key, read_sequence);
}

class MemTable::Iter final : public InternalIterator {
 public:
  explicit Iter(const Table* table) : it_(table) {}

  bool Valid() const override { return it_.Valid(); }
  void SeekToFirst() override { it_.SeekToFirst(); }
  void SeekToLast() override { it_.SeekToLast(); }
  void Seek(std::string_view target) override { it_.Seek(KeyComparator::Decode(target)); }
  void SeekForPrev(std::string_view target) override {
    it_.SeekForPrev(KeyComparator::Decode(target));
  }
  void Next() override { it_.Next(); }
  void Prev() override { it_.Prev(); }
  std::string_view key() const override { return EntryKey(it_.key()); }
  std::string_view value() const override { return EntryValue(key()); }
  Status status() const override { return Status::OK(); }

 private:
  Table::Iterator it_;
};

std::unique_ptr<InternalIterator> MemTable::NewIterator() const {
  return std::make_unique<Iter>(&table_);
}

}  // namespace aeternus
