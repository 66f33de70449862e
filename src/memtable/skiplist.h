#pragma once
// SkipList: a sorted set of keys in an arena, with one writer and any
// number of concurrent lock-free readers.
//
// Each key lives inline in its node, one arena allocation per key:
//
//   link[height-1] ... link[1] link[0] | key bytes
//                              ^ Node* (the address of link[0])
//
// so comparing a node's key touches the cache line of its level-0 link.
// Keys are opaque bytes that only the comparator reads.
//
// Thread safety: AllocateKey and Insert need external synchronisation (one
// writer at a time). Readers need none; they only require that the list
// outlives them.
// Invariants: (1) nodes are never freed until the arena is destroyed;
// (2) a node's links at every level, once published by a release store,
// never change except that nodes are linked in next to it, and the bytes of
// its key that the comparator reads never change (the owner may keep bytes
// in the key that only the writer reads and writes); (3) keys are unique.

#include <atomic>
#include <cassert>
#include <cstddef>
#include <cstdint>
#include <new>

#include "memtable/arena.h"

namespace aeternus {

// Comparator requirements:
//   typename Comparator::DecodedKey   a key parsed for repeated comparison
//   DecodedKey Decode(const char* key) const
//   int operator()(const char* a, const DecodedKey& b) const   <0, 0, >0
// A search decodes its target once and compares it with each node's key.
template <class Comparator>
class SkipList {
 private:
  struct Node;
  static constexpr int kMaxHeight = 12;

 public:
  using DecodedKey = typename Comparator::DecodedKey;

  // `cmp` orders keys; `arena` holds the nodes and must outlive the list.
  SkipList(Comparator cmp, Arena* arena);
  SkipList(const SkipList&) = delete;
  SkipList& operator=(const SkipList&) = delete;

  // Returns `key_size` bytes (aligned to 8) for a key, to be filled in and
  // then passed to Insert. REQUIRES: external synchronisation.
  char* AllocateKey(std::size_t key_size);
  // The keys next to an inserted key at level 0 (null: none that side).
  struct Neighbours {
    const char* prev;
    const char* next;
  };
  // Links a key returned by AllocateKey into the list. Cheapest when the
  // key directly follows the previously inserted one (sequential inserts).
  // REQUIRES: no equal key is in the list; external synchronisation.
  Neighbours Insert(const char* key);
  // Links a key returned by AllocateKey between `prev` and `next`, keys of
  // the list that are adjacent at level 0 (null prev: `next` is the first;
  // null next: `prev` is the last), without a search, when the key's height
  // is 1 (three keys in four). Otherwise returns false having done nothing,
  // and the key is to be passed to Insert.
  // REQUIRES: prev < key < next; external synchronisation.
  bool InsertBetween(const char* key, const char* prev, const char* next);

  // Where a key goes: the last node before it at every level, as a search
  // found them.
  struct Position {
    Node* prev[kMaxHeight];
  };
  // Most keys FindPositions takes at once.
  static constexpr std::size_t kMaxPositions = 16;
  // Finds the positions of `n` keys (ascending, none in the list) with
  // their searches interleaved: each round moves every unfinished search
  // one node along, so that the cache misses of the n searches overlap
  // instead of following one another.
  // REQUIRES: n <= kMaxPositions; external synchronisation (a writer).
  void FindPositions(const DecodedKey* keys, std::size_t n, Position* out) const;
  // Aims the insert splice at `key` from `pos`, so that Insert(key) needs
  // no search. REQUIRES: FindPositions gave pos for key, and every key
  // inserted since is smaller than key; external synchronisation.
  void AimSplice(const DecodedKey& key, const Position& pos);

  class Iterator {
   public:
    explicit Iterator(const SkipList* list) : list_(list) {}
    bool Valid() const { return node_ != nullptr; }
    const char* key() const { return node_->Key(); }
    void Next() {
      node_ = node_->Next(0);
      if (node_ != nullptr) {
        // Fetch the following node while the caller reads this one.
        __builtin_prefetch(node_->NoBarrierNext(0));
      }
    }
    void Prev() {
      node_ = list_->template FindLastBefore<false>(list_->compare_.Decode(node_->Key()));
      if (node_ == list_->head_) {
        node_ = nullptr;
      }
    }
    // First node with key >= target.
    void Seek(const DecodedKey& target) { list_->template FindLastBefore<false>(target, &node_); }
    // Last node with key <= target.
    void SeekForPrev(const DecodedKey& target) {
      node_ = list_->template FindLastBefore<true>(target);
      if (node_ == list_->head_) {
        node_ = nullptr;
      }
    }
    void SeekToFirst() { node_ = list_->head_->Next(0); }
    void SeekToLast() {
      node_ = list_->FindLast();
      if (node_ == list_->head_) {
        node_ = nullptr;
      }
    }

   private:
    const SkipList* list_;
    Node* node_ = nullptr;
  };

 private:

  int GetMaxHeight() const { return max_height_.load(std::memory_order_relaxed); }
  Node* AllocateNode(std::size_t key_size, int height);
  int RandomHeight();
  // The last node < key (<= key when kOrEqual), or head_ when none. When
  // given, *succ receives its level-0 successor as compared, the first node
  // >= key (> key); reloading the link instead could give a node inserted
  // since, on the wrong side of the key.
  template <bool kOrEqual>
  Node* FindLastBefore(const DecodedKey& key, Node** succ = nullptr) const;
  // The last node, or head_ when the list is empty.
  Node* FindLast() const;

  Comparator const compare_;
  Arena* const arena_;
  Node* const head_;
  std::atomic<int> max_height_{1};  // read racily by readers; only grows

  // Writer-only state.
  std::uint64_t rnd_ = 0x2545f4914f6cdd1dull;
  // The splice: where the last inserted key went, at every level. For each
  // level i < GetMaxHeight(): splice_next_[i] == splice_prev_[i]->Next(i),
  // and the levels nest in key order (splice_prev_[i+1] <= splice_prev_[i],
  // splice_next_[i] <= splice_next_[i+1], null last). After inserting x,
  // splice_prev_[i] == x at x's levels, so a key right after x is bracketed
  // at level 0 and needs no search. Entries at levels >= GetMaxHeight() are
  // (head_, null): empty levels, and the sentinel that brackets every key.
  Node* splice_prev_[kMaxHeight + 1];
  Node* splice_next_[kMaxHeight + 1];
};

// No Node object is ever constructed: a Node* is the address of the node's
// level-0 link, with the higher links below it in memory and the key right
// after it (see the layout at the top).
template <class Comparator>
struct SkipList<Comparator>::Node {
  using Link = std::atomic<Node*>;

  static Node* Of(const char* key) {
    return reinterpret_cast<Node*>(const_cast<char*>(key) - sizeof(Link));
  }

  Link* Links() { return reinterpret_cast<Link*>(this); }
  const char* Key() const { return reinterpret_cast<const char*>(this) + sizeof(Link); }

  // Acquire pairs with the release in SetNext: a reader that sees the
  // pointer sees a fully built node.
  Node* Next(int n) { return (Links() - n)->load(std::memory_order_acquire); }
  void SetNext(int n, Node* x) { (Links() - n)->store(x, std::memory_order_release); }
  Node* NoBarrierNext(int n) { return (Links() - n)->load(std::memory_order_relaxed); }
  void NoBarrierSetNext(int n, Node* x) { (Links() - n)->store(x, std::memory_order_relaxed); }

  // Between AllocateKey and Insert, link[0] holds the node's height.
  void StashHeight(int height) {
    NoBarrierSetNext(0, reinterpret_cast<Node*>(static_cast<std::uintptr_t>(height)));
  }
  int UnstashHeight() {
    return static_cast<int>(reinterpret_cast<std::uintptr_t>(NoBarrierNext(0)));
  }
};

template <class Comparator>
typename SkipList<Comparator>::Node* SkipList<Comparator>::AllocateNode(std::size_t key_size,
                                                                        int height) {
  using Link = typename Node::Link;
  char* mem = arena_->AllocateAligned(sizeof(Link) * height + key_size);
  Link* links = new (mem) Link[height];
  for (int i = 0; i < height; ++i) {
    links[i].store(nullptr, std::memory_order_relaxed);
  }
  return reinterpret_cast<Node*>(links + height - 1);
}

template <class Comparator>
char* SkipList<Comparator>::AllocateKey(std::size_t key_size) {
  const int height = RandomHeight();
  Node* x = AllocateNode(key_size, height);
  x->StashHeight(height);
  return const_cast<char*>(x->Key());
}

template <class Comparator>
int SkipList<Comparator>::RandomHeight() {
  // Branching factor 4, from a xorshift generator.
  int height = 1;
  while (height < kMaxHeight) {
    rnd_ ^= rnd_ << 13;
    rnd_ ^= rnd_ >> 7;
    rnd_ ^= rnd_ << 17;
    if ((rnd_ & 3) != 0) {
      break;
    }
    ++height;
  }
  return height;
}

template <class Comparator>
template <bool kOrEqual>
typename SkipList<Comparator>::Node* SkipList<Comparator>::FindLastBefore(const DecodedKey& key,
                                                                          Node** succ) const {
  Node* x = head_;
  int level = GetMaxHeight() - 1;
  // The successor of x at the level above (null: the end), known to be past
  // the boundary: when it is x's successor at this level too, it needs no
  // compare. Every node is in all levels below its top, so x's successor at
  // a lower level is never past `bound`.
  Node* bound = nullptr;
  while (true) {
    Node* next = x->Next(level);
    if (next != bound) {
      // Start fetching both possible next steps while `next` is compared:
      // x's successor one level down, and the node after `next`.
      if (level > 0) {
        __builtin_prefetch(x->NoBarrierNext(level - 1));
      }
      __builtin_prefetch(next->NoBarrierNext(level));
      const int c = compare_(next->Key(), key);
      if (c < 0 || (kOrEqual && c == 0)) {
        x = next;
        continue;
      }
    }
    if (level == 0) {
      if (succ != nullptr) {
        *succ = next;
      }
      return x;
    }
    bound = next;
    --level;
  }
}

template <class Comparator>
typename SkipList<Comparator>::Node* SkipList<Comparator>::FindLast() const {
  Node* x = head_;
  int level = GetMaxHeight() - 1;
  while (true) {
    Node* next = x->Next(level);
    if (next == nullptr) {
      if (level == 0) {
        return x;
      }
      --level;
    } else {
      x = next;
    }
  }
}

template <class Comparator>
SkipList<Comparator>::SkipList(Comparator cmp, Arena* arena)
    : compare_(cmp), arena_(arena), head_(AllocateNode(0, kMaxHeight)) {
  for (int i = 0; i <= kMaxHeight; ++i) {
    splice_prev_[i] = head_;
    splice_next_[i] = nullptr;
  }
}

template <class Comparator>
bool SkipList<Comparator>::InsertBetween(const char* key, const char* prev, const char* next) {
  Node* x = Node::Of(key);
  if (x->UnstashHeight() != 1) {
    return false;
  }
  Node* const before = prev == nullptr ? head_ : Node::Of(prev);
  Node* const after = next == nullptr ? nullptr : Node::Of(next);
  assert(before->NoBarrierNext(0) == after);
  assert(before == head_ || compare_(before->Key(), compare_.Decode(key)) < 0);
  assert(after == nullptr || compare_(after->Key(), compare_.Decode(key)) > 0);
  x->NoBarrierSetNext(0, after);
  before->SetNext(0, x);  // publishes x
  // The splice stays true: x is only at level 0, after `before`.
  if (splice_prev_[0] == before) {
    splice_next_[0] = x;
  }
  return true;
}

template <class Comparator>
void SkipList<Comparator>::FindPositions(const DecodedKey* keys, std::size_t n,
                                         Position* out) const {
  assert(n <= kMaxPositions);
  Node* x[kMaxPositions];     // each search's node: last before its key so far
  Node* next[kMaxPositions];  // its successor at the current level, being fetched
  std::size_t active[kMaxPositions];
  const int top = GetMaxHeight() - 1;
  for (std::size_t j = 0; j < n; ++j) {
    x[j] = head_;
    for (int level = top + 1; level < kMaxHeight; ++level) {
      out[j].prev[level] = head_;
    }
  }
  for (int level = top; level >= 0; --level) {
    std::size_t num_active = 0;
    for (std::size_t j = 0; j < n; ++j) {
      next[j] = x[j]->NoBarrierNext(level);
      __builtin_prefetch(next[j]);
      active[num_active++] = j;
    }
    while (num_active > 0) {
      std::size_t still = 0;
      for (std::size_t k = 0; k < num_active; ++k) {
        const std::size_t j = active[k];
        Node* const nx = next[j];
        if (nx != nullptr && compare_(nx->Key(), keys[j]) < 0) {
          x[j] = nx;
          next[j] = nx->NoBarrierNext(level);
          __builtin_prefetch(next[j]);  // a prefetch of null is a no-op
          active[still++] = j;
        } else {
          out[j].prev[level] = x[j];
        }
      }
      num_active = still;
    }
  }
}

template <class Comparator>
void SkipList<Comparator>::AimSplice(const DecodedKey& key, const Position& pos) {
  // At each level the last node before `key` is pos.prev[level] or the
  // largest node inserted since (all smaller than key): every insert leaves
  // the splice, at each level, at or after the largest node inserted there.
  // So the splice node is kept when it lies between pos.prev and key, and
  // pos.prev taken otherwise: either way the splice is then the last node
  // before key at every level, which nests and brackets key at level 0.
  const int max_height = GetMaxHeight();
  for (int level = 0; level < max_height; ++level) {
    Node* const found = pos.prev[level];
    Node* const splice = splice_prev_[level];
    if (splice == found) {
      continue;
    }
    const bool keep = splice != head_ && compare_(splice->Key(), key) < 0 &&
                      (found == head_ ||
                       compare_(found->Key(), compare_.Decode(splice->Key())) < 0);
    if (!keep) {
      splice_prev_[level] = found;
      splice_next_[level] = found->NoBarrierNext(level);
    }
  }
}

template <class Comparator>
typename SkipList<Comparator>::Neighbours SkipList<Comparator>::Insert(const char* key) {
  Node* x = Node::Of(key);
  const int height = x->UnstashHeight();
  const DecodedKey decoded = compare_.Decode(key);

  int max_height = GetMaxHeight();
  if (height > max_height) {
    // Levels [max_height, height) are empty, and their splice is already
    // (head_, null). A reader that sees the new height before the new node
    // finds null links from head_ at the new levels and simply moves down.
    max_height_.store(height, std::memory_order_relaxed);
    max_height = height;
  }

  // Find the lowest level whose splice brackets the key (the sentinel at
  // max_height always does). A splice node at or past the key rules out
  // every level that shares it, so each distinct node is compared once.
  int level = 0;
  while (level < max_height) {
    Node* prev = splice_prev_[level];
    Node* next = splice_next_[level];
    assert(prev->Next(level) == next);
    if (prev != head_ && compare_(prev->Key(), decoded) >= 0) {
      while (level < max_height && splice_prev_[level] == prev) {
        ++level;
      }
    } else if (next != nullptr && compare_(next->Key(), decoded) < 0) {
      while (level < max_height && splice_next_[level] == next) {
        ++level;
      }
    } else {
      break;
    }
  }

  // Search the levels below it, each within the bracket of the one above.
  while (level > 0) {
    --level;
    Node* prev = splice_prev_[level + 1];
    Node* const bound = splice_next_[level + 1];
    Node* next = prev->NoBarrierNext(level);
    while (next != bound) {
      if (level > 0) {
        __builtin_prefetch(prev->NoBarrierNext(level - 1));
      }
      __builtin_prefetch(next->NoBarrierNext(level));
      if (compare_(next->Key(), decoded) >= 0) {
        break;
      }
      prev = next;
      next = prev->NoBarrierNext(level);
    }
    splice_prev_[level] = prev;
    splice_next_[level] = next;
  }
  assert(splice_next_[0] == nullptr || compare_(splice_next_[0]->Key(), decoded) > 0);

  const Neighbours neighbours = {splice_prev_[0] == head_ ? nullptr : splice_prev_[0]->Key(),
                                 splice_next_[0] == nullptr ? nullptr : splice_next_[0]->Key()};
  for (int i = 0; i < height; ++i) {
    x->NoBarrierSetNext(i, splice_next_[i]);
    splice_prev_[i]->SetNext(i, x);  // publishes x at level i
    splice_prev_[i] = x;
  }
  return neighbours;
}

}  // namespace aeternus
