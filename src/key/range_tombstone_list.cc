#include "key/range_tombstone_list.h"

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <mutex>
#include <new>
#include <utility>

namespace aeternus {

namespace range_tombstone_detail {

// The distinct sequences covering a fragment, highest first, as an
// immutable singly linked list; fragments split from one another share
// their lists, and a new highest sequence is prepended without copying.
struct SeqCell {
  SequenceNumber sequence;
  const SeqCell* next;
};

// A fragment [begin, end) of the tree form; the keys and cells live in the
// accumulator's Storage.
struct Piece {
  std::string_view begin;
  std::string_view end;
  const SeqCell* sequences;
};

// One added tombstone, newest first through `prev`.
struct LogEntry {
  std::string_view begin;
  std::string_view end;
  SequenceNumber sequence;
  const LogEntry* prev;
};

// An immutable node of the persistent fragment tree.
//  Leaf (children empty): pieces sorted by begin, disjoint.
//  Internal: children[i] holds the pieces within [lower[i], lower[i + 1]),
//  lower[0] being unbounded (its value is unused); lower is sorted.
struct Node {
  std::vector<Piece> pieces;
  std::vector<std::string_view> lower;
  std::vector<std::shared_ptr<const Node>> children;
  bool leaf() const { return children.empty(); }
};
using NodePtr = std::shared_ptr<const Node>;

inline constexpr std::size_t kMaxPieces = 64;
inline constexpr std::size_t kMaxChildren = 32;

// Append-only memory for keys, cells and log entries: written by the one
// writer, never moved or freed while any published list refers to it.
struct Storage {
  static constexpr std::size_t kBlockSize = 16 * 1024;

  void* Allocate(std::size_t n, std::size_t align) {
    std::size_t pad = (align - reinterpret_cast<std::uintptr_t>(ptr) % align) % align;
    if (n + pad > left) {
      std::size_t size = std::max(kBlockSize, n + align);
      blocks.push_back(std::make_unique<char[]>(size));
      ptr = blocks.back().get();
      left = size;
      bytes += size;
      pad = (align - reinterpret_cast<std::uintptr_t>(ptr) % align) % align;
    }
    char* result = ptr + pad;
    ptr += pad + n;
    left -= pad + n;
    return result;
  }
  template <typename T, typename... Args>
  const T* New(Args&&... args) {
    return new (Allocate(sizeof(T), alignof(T))) T{std::forward<Args>(args)...};
  }
  std::string_view Copy(std::string_view s) {
    if (s.empty()) {
      return {};
    }
    char* p = static_cast<char*>(Allocate(s.size(), 1));
    std::copy(s.begin(), s.end(), p);
    return {p, s.size()};
  }

  std::vector<std::unique_ptr<char[]>> blocks;
  char* ptr = nullptr;
  std::size_t left = 0;
  std::size_t bytes = 0;
};

// One published state of an accumulator.
struct TreeState {
  std::shared_ptr<const Storage> storage;  // keeps keys and cells alive
  NodePtr root;                            // null when no fragment
  const LogEntry* last = nullptr;
  std::size_t count = 0;

  mutable std::once_flag tombstones_once;
  mutable std::vector<RangeTombstone> tombstones;
  mutable std::once_flag fragments_once;
  mutable std::vector<RangeTombstoneList::Fragment> fragments;
};

}  // namespace range_tombstone_detail

namespace {

using range_tombstone_detail::kMaxChildren;
using range_tombstone_detail::kMaxPieces;
using range_tombstone_detail::LogEntry;
using range_tombstone_detail::Node;
using range_tombstone_detail::NodePtr;
using range_tombstone_detail::Piece;
using range_tombstone_detail::SeqCell;
using range_tombstone_detail::Storage;
using range_tombstone_detail::TreeState;

// Bytewise (unsigned) a < b, as std::string_view's operator< but inline:
// eight bytes at a time, as big-endian words, for keys up to 32 bytes.
inline bool Less(std::string_view a, std::string_view b) {
  const std::size_t n = std::min(a.size(), b.size());
  if (n > 32) {
    int r = std::memcmp(a.data(), b.data(), n);
    if (r != 0) {
      return r < 0;
    }
  } else {
    std::size_t i = 0;
    for (; i + 8 <= n; i += 8) {
      std::uint64_t x;
      std::uint64_t y;
      std::memcpy(&x, a.data() + i, 8);
      std::memcpy(&y, b.data() + i, 8);
      if (x != y) {
        return __builtin_bswap64(x) < __builtin_bswap64(y);
      }
    }
    for (; i < n; ++i) {
      if (a[i] != b[i]) {
        return static_cast<unsigned char>(a[i]) < static_cast<unsigned char>(b[i]);
      }
    }
  }
  return a.size() < b.size();
}

// True when a and b are the same bytes in memory (hence equal keys).
inline bool SameView(std::string_view a, std::string_view b) {
  return a.data() == b.data() && a.size() == b.size();
}

bool TombstoneOrder(const RangeTombstone& a, const RangeTombstone& b) {
  int r = a.begin.compare(b.begin);
  return r != 0 ? r < 0 : a.sequence > b.sequence;
}

SequenceNumber FirstAtOrBelow(const SeqCell* c, SequenceNumber read_sequence) {
  for (; c != nullptr; c = c->next) {  // highest first
    if (c->sequence <= read_sequence) {
      return c->sequence;
    }
  }
  return 0;
}

SequenceNumber TreeMaxCovering(const Node* node, std::string_view user_key,
                               SequenceNumber read_sequence) {
  while (!node->leaf()) {
    auto it = std::upper_bound(node->lower.begin() + 1, node->lower.end(), user_key, Less);
    node = node->children[static_cast<std::size_t>(it - node->lower.begin()) - 1].get();
  }
  // The last piece whose begin <= user_key.
  auto it = std::upper_bound(node->pieces.begin(), node->pieces.end(), user_key,
                             [](std::string_view k, const Piece& p) { return Less(k, p.begin); });
  if (it == node->pieces.begin()) {
    return 0;
  }
  --it;
  if (!Less(user_key, it->end)) {
    return 0;
  }
  return FirstAtOrBelow(it->sequences, read_sequence);
}

void CollectFragments(const Node& node, std::vector<RangeTombstoneList::Fragment>* out) {
  if (!node.leaf()) {
    for (const NodePtr& child : node.children) {
      CollectFragments(*child, out);
    }
    return;
  }
  for (const Piece& p : node.pieces) {
    RangeTombstoneList::Fragment f{std::string(p.begin), std::string(p.end), {}};
    for (const SeqCell* c = p.sequences; c != nullptr; c = c->next) {
      f.sequences.push_back(c->sequence);
    }
    out->push_back(std::move(f));
  }
}

// Applies one tombstone to the tree, copying the nodes on the paths to the
// pieces it touches.
class TreeUpdate {
 public:
  TreeUpdate(Storage* storage, std::string_view begin, std::string_view end,
             SequenceNumber sequence)
      : storage_(storage), begin_(begin), end_(end), sequence_(sequence) {}

  // The tree holding `root`'s pieces and the tombstone.
  NodePtr Apply(const NodePtr& root) {
    std::vector<NodePtr> nodes;
    std::vector<std::string_view> lower;
    if (root == nullptr) {
      Node empty;
      Update(empty, begin_, end_, &nodes, &lower);
    } else {
      Update(*root, begin_, end_, &nodes, &lower);
    }
    while (nodes.size() > 1) {
      std::vector<NodePtr> parents;
      std::vector<std::string_view> parent_lower;
      MakeInternal(std::move(nodes), std::move(lower), &parents, &parent_lower);
      nodes = std::move(parents);
      lower = std::move(parent_lower);
    }
    return std::move(nodes.front());
  }

  // Pieces added to the tree (each split or gap adds one).
  std::size_t added_pieces() const { return added_pieces_; }

 private:
  // Replaces `node` by one or more nodes (appended to `out`, with their
  // lower bounds in `lower`; the first keeps the bound of `node`) holding
  // its pieces with [b, e) covered at sequence_. [b, e) lies within the
  // key space of `node`.
  void Update(const Node& node, std::string_view b, std::string_view e,
              std::vector<NodePtr>* out, std::vector<std::string_view>* lower) {
    if (node.leaf()) {
      UpdateLeaf(node, b, e, out, lower);
      return;
    }
    const std::size_t n = node.children.size();
    // First and last children whose key space meets [b, e).
    const std::size_t first = static_cast<std::size_t>(
        std::upper_bound(node.lower.begin() + 1, node.lower.end(), b, Less) -
        node.lower.begin() - 1);
    const std::size_t last = static_cast<std::size_t>(
        std::lower_bound(node.lower.begin() + 1, node.lower.end(), e, Less) -
        node.lower.begin() - 1);
    std::vector<NodePtr> children;
    std::vector<std::string_view> bounds;
    children.reserve(n + 2);
    bounds.reserve(n + 2);
    children.insert(children.end(), node.children.begin(),
                    node.children.begin() + static_cast<std::ptrdiff_t>(first));
    bounds.insert(bounds.end(), node.lower.begin(),
                  node.lower.begin() + static_cast<std::ptrdiff_t>(first));
    for (std::size_t i = first; i <= last; ++i) {
      std::string_view cb = i == first ? b : node.lower[i];
      std::string_view ce = i == last ? e : node.lower[i + 1];
      const std::size_t at = bounds.size();
      Update(*node.children[i], cb, ce, &children, &bounds);
      bounds[at] = node.lower[i];
    }
    children.insert(children.end(),
                    node.children.begin() + static_cast<std::ptrdiff_t>(last + 1),
                    node.children.end());
    bounds.insert(bounds.end(), node.lower.begin() + static_cast<std::ptrdiff_t>(last + 1),
                  node.lower.end());
    MakeInternal(std::move(children), std::move(bounds), out, lower);
  }

  void UpdateLeaf(const Node& node, std::string_view b, std::string_view e,
                  std::vector<NodePtr>* out, std::vector<std::string_view>* lower) {
    const std::vector<Piece>& in = node.pieces;
    // Pieces [first, last) overlap [b, e).
    auto first = std::partition_point(in.begin(), in.end(),
                                      [&](const Piece& p) { return !Less(b, p.end); });
    auto last = std::partition_point(first, in.end(),
                                     [&](const Piece& p) { return Less(p.begin, e); });
    std::vector<Piece> pieces;
    pieces.reserve(in.size() + 2 * static_cast<std::size_t>(last - first) + 3);
    pieces.insert(pieces.end(), in.begin(), first);
    // Only the first overlapped piece may begin before b and only the last
    // may end after e; between them, a piece begins where the one before
    // ends unless a gap separates them (pieces split from one another share
    // the view of their common bound, so most checks read no key bytes).
    std::string_view cursor = b;
    for (auto it = first; it != last; ++it) {
      const Piece& p = *it;
      std::string_view lo = p.begin;
      if (it == first) {
        if (Less(p.begin, b)) {
          pieces.push_back({p.begin, b, p.sequences});
          ++added_pieces_;
          lo = b;
        } else if (Less(b, p.begin)) {
          pieces.push_back({b, p.begin, Gap()});
          ++added_pieces_;
        }
      } else if (!SameView(cursor, p.begin) && Less(cursor, p.begin)) {
        pieces.push_back({cursor, p.begin, Gap()});
        ++added_pieces_;
      }
      if (it + 1 == last && Less(e, p.end)) {
        pieces.push_back({lo, e, Prepend(p.sequences)});
        pieces.push_back({e, p.end, p.sequences});
        ++added_pieces_;
        cursor = e;
      } else {
        pieces.push_back({lo, p.end, Prepend(p.sequences)});
        cursor = p.end;
      }
    }
    if (!SameView(cursor, e) && Less(cursor, e)) {
      pieces.push_back({cursor, e, Gap()});
      ++added_pieces_;
    }
    pieces.insert(pieces.end(), last, in.end());

    const std::size_t parts = (pieces.size() + kMaxPieces - 1) / kMaxPieces;
    if (parts <= 1) {
      lower->push_back({});
      out->push_back(std::make_shared<const Node>(Node{std::move(pieces), {}, {}}));
      return;
    }
    std::size_t start = 0;
    for (std::size_t k = 0; k < parts; ++k) {
      const std::size_t stop = pieces.size() * (k + 1) / parts;
      lower->push_back(pieces[start].begin);
      out->push_back(std::make_shared<const Node>(
          Node{std::vector<Piece>(pieces.begin() + static_cast<std::ptrdiff_t>(start),
                                  pieces.begin() + static_cast<std::ptrdiff_t>(stop)),
               {},
               {}}));
      start = stop;
    }
  }

  // Internal nodes over `children` (at most kMaxChildren each), appended to
  // `out` with their lower bounds.
  static void MakeInternal(std::vector<NodePtr> children, std::vector<std::string_view> bounds,
                           std::vector<NodePtr>* out, std::vector<std::string_view>* lower) {
    const std::size_t parts = (children.size() + kMaxChildren - 1) / kMaxChildren;
    if (parts <= 1) {
      lower->push_back(bounds.front());
      out->push_back(std::make_shared<const Node>(Node{{}, std::move(bounds), std::move(children)}));
      return;
    }
    std::size_t start = 0;
    for (std::size_t k = 0; k < parts; ++k) {
      const std::size_t stop = children.size() * (k + 1) / parts;
      const auto b = static_cast<std::ptrdiff_t>(start);
      const auto s = static_cast<std::ptrdiff_t>(stop);
      lower->push_back(bounds[start]);
      out->push_back(std::make_shared<const Node>(
          Node{{},
               std::vector<std::string_view>(bounds.begin() + b, bounds.begin() + s),
               std::vector<NodePtr>(std::make_move_iterator(children.begin() + b),
                                    std::make_move_iterator(children.begin() + s))}));
      start = stop;
    }
  }

  // The sequences of a piece newly covered: sequence_ alone.
  const SeqCell* Gap() {
    if (gap_ == nullptr) {
      gap_ = storage_->New<SeqCell>(sequence_, nullptr);
    }
    return gap_;
  }

  // `list` with sequence_ added, highest first, without duplicates.
  const SeqCell* Prepend(const SeqCell* list) {
    if (list == nullptr) {
      return Gap();
    }
    if (sequence_ > list->sequence) {
      return storage_->New<SeqCell>(sequence_, list);
    }
    // Out of order: copy the cells above sequence_, share the rest.
    std::vector<SequenceNumber> above;
    const SeqCell* rest = list;
    for (; rest != nullptr && rest->sequence > sequence_; rest = rest->next) {
      above.push_back(rest->sequence);
    }
    const SeqCell* result = rest;
    if (rest == nullptr || rest->sequence != sequence_) {
      result = storage_->New<SeqCell>(sequence_, rest);
    }
    for (auto it = above.rbegin(); it != above.rend(); ++it) {
      result = storage_->New<SeqCell>(*it, result);
    }
    return result;
  }

  Storage* const storage_;
  const std::string_view begin_;
  const std::string_view end_;
  const SequenceNumber sequence_;
  const SeqCell* gap_ = nullptr;
  std::size_t added_pieces_ = 0;
};

}  // namespace

RangeTombstoneList::RangeTombstoneList(std::vector<RangeTombstone> tombstones)
    : tombstones_(std::move(tombstones)) {
  std::sort(tombstones_.begin(), tombstones_.end(), TombstoneOrder);
  std::vector<std::string_view> bounds;
  bounds.reserve(tombstones_.size() * 2);
  for (const RangeTombstone& t : tombstones_) {
    if (t.begin < t.end) {
      bounds.push_back(t.begin);
      bounds.push_back(t.end);
    }
  }
  std::sort(bounds.begin(), bounds.end());
  bounds.erase(std::unique(bounds.begin(), bounds.end()), bounds.end());

  // Sweep the boundaries left to right with the set of open tombstones.
  struct Open {
    std::string_view end;
    SequenceNumber sequence;
  };
  std::vector<Open> open;
  std::size_t next = 0;  // next tombstone (by begin) not yet opened
  for (std::size_t i = 0; i + 1 < bounds.size(); ++i) {
    std::string_view lo = bounds[i];
    std::string_view hi = bounds[i + 1];
    std::erase_if(open, [&](const Open& o) { return o.end <= lo; });
    while (next < tombstones_.size() && tombstones_[next].begin <= lo) {
      const RangeTombstone& t = tombstones_[next++];
      if (t.begin < t.end && t.end > lo) {
        open.push_back({t.end, t.sequence});
      }
    }
    if (open.empty()) {
      continue;
    }
    Fragment f{std::string(lo), std::string(hi), {}};
    f.sequences.reserve(open.size());
    for (const Open& o : open) {
      f.sequences.push_back(o.sequence);
    }
    std::sort(f.sequences.begin(), f.sequences.end(), std::greater<>());
    f.sequences.erase(std::unique(f.sequences.begin(), f.sequences.end()),
                      f.sequences.end());
    fragments_.push_back(std::move(f));
  }
}

bool RangeTombstoneList::empty() const {
  return tree_ != nullptr ? tree_->count == 0 : tombstones_.empty();
}

const std::vector<RangeTombstone>& RangeTombstoneList::tombstones() const {
  if (tree_ == nullptr) {
    return tombstones_;
  }
  const TreeState& t = *tree_;
  std::call_once(t.tombstones_once, [&t] {
    t.tombstones.reserve(t.count);
    for (const LogEntry* e = t.last; e != nullptr; e = e->prev) {
      t.tombstones.push_back({std::string(e->begin), std::string(e->end), e->sequence});
    }
    std::stable_sort(t.tombstones.begin(), t.tombstones.end(), TombstoneOrder);
  });
  return t.tombstones;
}

const std::vector<RangeTombstoneList::Fragment>& RangeTombstoneList::fragments() const {
  if (tree_ == nullptr) {
    return fragments_;
  }
  const TreeState& t = *tree_;
  std::call_once(t.fragments_once, [&t] {
    if (t.root != nullptr) {
      CollectFragments(*t.root, &t.fragments);
    }
  });
  return t.fragments;
}

SequenceNumber RangeTombstoneList::MaxCoveringSequence(
    std::string_view user_key, SequenceNumber read_sequence) const {
  if (tree_ != nullptr) {
    return tree_->root != nullptr
               ? TreeMaxCovering(tree_->root.get(), user_key, read_sequence)
               : 0;
  }
  // The last fragment whose begin <= user_key.
  auto it = std::upper_bound(
      fragments_.begin(), fragments_.end(), user_key,
      [](std::string_view k, const Fragment& f) { return Less(k, f.begin); });
  if (it == fragments_.begin()) {
    return 0;
  }
  --it;
  if (!Less(user_key, it->end)) {
    return 0;
  }
  for (SequenceNumber s : it->sequences) {  // highest first
    if (s <= read_sequence) {
      return s;
    }
  }
  return 0;
}

RangeTombstoneAccumulator::RangeTombstoneAccumulator()
    : storage_(std::make_shared<Storage>()) {}

RangeTombstoneAccumulator::~RangeTombstoneAccumulator() = default;

void RangeTombstoneAccumulator::Add(std::string_view begin, std::string_view end,
                                    SequenceNumber sequence) {
  std::string_view b = storage_->Copy(begin);
  std::string_view e = storage_->Copy(end);
  last_ = storage_->New<LogEntry>(b, e, sequence, last_);
  ++count_;
  if (!(b < e)) {
    return;  // covers nothing
  }
  TreeUpdate update(storage_.get(), b, e, sequence);
  root_ = update.Apply(root_);
  fragments_ += update.added_pieces();
}

std::shared_ptr<const RangeTombstoneList> RangeTombstoneAccumulator::Publish() const {
  auto state = std::make_shared<TreeState>();
  state->storage = storage_;
  state->root = root_;
  state->last = last_;
  state->count = count_;
  return std::make_shared<const RangeTombstoneList>(RangeTombstoneList::TreeKey(),
                                                    std::move(state));
}

std::size_t RangeTombstoneAccumulator::ApproximateMemoryUsage() const {
  // Pieces fill leaves about three quarters on average after splits.
  return storage_->bytes + fragments_ * (sizeof(Piece) * 4 / 3 + sizeof(std::string_view));
}

}  // namespace aeternus
