#pragma once
// MemTableIndex: a hash index from each user key of a memtable to its newest
// point entry, so that a Get of the newest version reads one slot and one
// entry instead of descending the skip list. It sits beside the skip list,
// which still orders the entries for iterators and for reads of older
// versions (snapshots). Its size is fixed when the memtable is made
// (Options::memtable_hash_index_size_ratio of the write buffer); it is never
// written to disk.
//
// Layout: a power-of-two array of 64-bit slots, open addressing with linear
// probing from hash & mask. A slot is 0 (empty) or
//   tag:16 (the hash's top 16 bits) | entry address:48
// Invariants: (1) a slot, once filled, keeps its user key forever and only
// moves to newer entries of it (higher sequence); (2) at most 3/4 of the
// slots fill, so every probe ends at an empty slot; (3) while the state is
// kComplete, every key added has a slot: a key with none is not in the
// memtable. Past 3/4, new keys get no slot (kPartial) and lookups that miss
// must search the skip list; the keys already in keep being followed.
// An entry address that does not fit in 48 bits turns the index off (kOff).
//
// Thread safety: Add needs external synchronisation (the memtable's one
// writer); Find may run concurrently with it. An entry is found only after
// the DB publishes its sequence (a release the reader acquires), which
// follows Add, so a reader sees every slot and state change made for the
// entries it may read.

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <cstdlib>

namespace aeternus {

class MemTableIndex {
 public:
  enum class State : std::uint8_t { kComplete, kPartial, kOff };

  // An index of about `bytes` (rounded down to a power of two of 8-byte
  // slots); below 64 slots, none (kOff).
  explicit MemTableIndex(std::size_t bytes);
  MemTableIndex(const MemTableIndex&) = delete;
  MemTableIndex& operator=(const MemTableIndex&) = delete;
  ~MemTableIndex() { std::free(slots_); }

  bool enabled() const { return slots_ != nullptr; }
  std::size_t bytes() const { return (slots_ == nullptr ? 0 : mask_ + 1) * sizeof(std::uint64_t); }
  State state() const { return state_.load(std::memory_order_relaxed); }

  // Records `entry` as the newest of its user key unless the slot of the
  // key holds an entry with a higher sequence. `hash`: BloomHash of the user
  // key; `same_key(e)`: whether entry e has the user key of `entry`;
  // `newer(a, b)`: whether entry a's sequence is above entry b's. Returns
  // whether the key has a slot (false: the index is full or off, and the
  // entry must be findable some other way).
  template <class SameKey, class Newer>
  bool Add(std::uint64_t hash, const char* entry, SameKey&& same_key, Newer&& newer);

  // What the index knows of one key, for a reader that may read every
  // entry whose sequence the DB had published when it began.
  struct Lookup {
    // The newest entry of the key added so far (it may be newer than the
    // reader's sequence), or null: then the skip list must be searched,
    // unless KnownAbsent().
    const char* entry = nullptr;
    // The state when the lookup began. With kPartial, a key without a slot
    // has no entry that an index would follow.
    State state = State::kOff;

    // The key has no entry the reader may read.
    bool KnownAbsent() const { return entry == nullptr && state == State::kComplete; }
  };
  // `hash`: BloomHash of the user key; `is_key(e)`: whether entry e has it.
  template <class IsKey>
  Lookup Find(std::uint64_t hash, IsKey&& is_key) const;

 private:
  static constexpr int kAddressBits = 48;
  static constexpr std::uint64_t kAddressMask = (std::uint64_t{1} << kAddressBits) - 1;

  static std::uint64_t Tag(std::uint64_t hash) { return hash >> kAddressBits; }
  static const char* EntryOf(std::uint64_t slot) {
    return reinterpret_cast<const char*>(static_cast<std::uintptr_t>(slot & kAddressMask));
  }
  std::atomic_ref<std::uint64_t> Slot(std::size_t i) const { return std::atomic_ref(slots_[i]); }

  std::uint64_t* slots_ = nullptr;  // zeroed by calloc; accessed through std::atomic_ref
  std::uint64_t mask_ = 0;
  std::uint64_t used_ = 0;          // writer only
  std::uint64_t max_used_ = 0;      // 3/4 of the slots
  std::atomic<State> state_{State::kOff};
};

template <class SameKey, class Newer>
bool MemTableIndex::Add(std::uint64_t hash, const char* entry, SameKey&& same_key, Newer&& newer) {
  if (state() == State::kOff) {
    return false;
  }
  const auto address = static_cast<std::uint64_t>(reinterpret_cast<std::uintptr_t>(entry));
  if ((address & ~kAddressMask) != 0) {
    // Cannot be recorded, and a key's slot must never miss a newer entry.
    state_.store(State::kOff, std::memory_order_relaxed);
    return false;
  }
  const std::uint64_t tag = Tag(hash);
  const std::uint64_t packed = (tag << kAddressBits) | address;
  for (std::uint64_t i = hash & mask_;; i = (i + 1) & mask_) {
    std::atomic_ref<std::uint64_t> slot = Slot(i);
    const std::uint64_t current = slot.load(std::memory_order_relaxed);  // one writer
    if (current == 0) {
      if (used_ == max_used_) {
        state_.store(State::kPartial, std::memory_order_relaxed);
        return false;
      }
      ++used_;
      slot.store(packed, std::memory_order_release);
      return true;
    }
    if (Tag(current) == tag && same_key(EntryOf(current))) {
      if (newer(entry, EntryOf(current))) {
        slot.store(packed, std::memory_order_release);
      }
      return true;
    }
  }
}

template <class IsKey>
MemTableIndex::Lookup MemTableIndex::Find(std::uint64_t hash, IsKey&& is_key) const {
  // The state is read first: every change made for an entry the reader may
  // read happened before it, so kComplete or kPartial here means every such
  // entry was followed (kPartial: if its key had a slot).
  const State state = this->state();
  if (state == State::kOff) {
    return {};
  }
  const std::uint64_t tag = Tag(hash);
  for (std::uint64_t i = hash & mask_;; i = (i + 1) & mask_) {
    const std::uint64_t current = Slot(i).load(std::memory_order_acquire);
    if (current == 0) {
      return {nullptr, state};
    }
    if (Tag(current) == tag && is_key(EntryOf(current))) {
      return {EntryOf(current), state};
    }
  }
}

}  // namespace aeternus
