#include "compaction/leveled_compaction_picker.h"

#include <algorithm>
#include <numeric>

namespace aeternus {
namespace {

std::uint64_t LevelBytes(const Version& v, int level) {
  std::uint64_t n = 0;
  for (const auto& f : v.levels[level]) {
    n += f->file_size;
  }
  return n;
}

bool AnyBusy(const std::vector<std::shared_ptr<const FileMetaData>>& files,
             const FileNumberSet& busy) {
  return std::any_of(files.begin(), files.end(),
                     [&](const auto& f) { return busy.contains(f->number); });
}

// The tables of `level` whose keys meet `range`.
std::vector<std::shared_ptr<const FileMetaData>> Overlapping(const Version& v, int level,
                                                             const UserKeyRange& range) {
  std::vector<std::shared_ptr<const FileMetaData>> out;
  for (const auto& f : v.levels[level]) {
    if (range.Overlaps(*f)) {
      out.push_back(f);
    }
  }
  return out;
}

// Adds to `files` (tables of a sorted level) every table of that level
// meeting the union of `range` and `files`, until the set stops growing,
// so that the outputs of a merge into the level overlap none of the rest.
void CloseOverLevel(const Version& v, int level, UserKeyRange range,
                    std::vector<std::shared_ptr<const FileMetaData>>* files) {
  for (const auto& f : *files) {
    range.Extend(*f);
  }
  while (true) {
    std::vector<std::shared_ptr<const FileMetaData>> grown = Overlapping(v, level, range);
    if (grown.size() == files->size()) {
      return;
    }
    *files = std::move(grown);
    for (const auto& f : *files) {
      range.Extend(*f);
    }
  }
}

// True when no two of `files` share a user key.
bool Disjoint(std::vector<std::shared_ptr<const FileMetaData>> files) {
  std::sort(files.begin(), files.end(), [](const auto& a, const auto& b) {
    return a->smallest_user_key() < b->smallest_user_key();
  });
  for (std::size_t i = 1; i < files.size(); ++i) {
    if (files[i]->smallest_user_key() <= files[i - 1]->largest_user_key()) {
      return false;
    }
  }
  return true;
}

}  // namespace

LeveledCompactionPicker::LeveledCompactionPicker(const Options& options) : options_(options) {}

std::uint64_t LeveledCompactionPicker::MaxBytesForLevel(int level) const {
  double bytes = static_cast<double>(options_.max_bytes_for_level_base);
  for (int l = 1; l < level; ++l) {
    bytes *= options_.level_size_multiplier;
  }
  return bytes > 1.8e19 ? ~std::uint64_t{0} : static_cast<std::uint64_t>(bytes);
}

std::array<double, kNumLevels> LeveledCompactionPicker::Scores(const Version& v) const {
  std::array<double, kNumLevels> scores{};
  scores[0] = static_cast<double>(v.levels[0].size()) / options_.l0_compaction_trigger;
  for (int level = 1; level < kNumLevels - 1; ++level) {
    scores[level] =
        static_cast<double>(LevelBytes(v, level)) / static_cast<double>(MaxBytesForLevel(level));
  }
  return scores;
}

int LeveledCompactionPicker::StallTableCount(const Version& v) const {
  return static_cast<int>(v.levels[0].size());
}

std::uint64_t LeveledCompactionPicker::PendingCompactionBytes(const Version& v) const {
  // Bytes each over-full level must push down, times the bytes of the next
  // level each of them is merged with.
  std::uint64_t pending = 0;
  if (v.levels[0].size() >= static_cast<std::size_t>(options_.l0_compaction_trigger)) {
    pending += LevelBytes(v, 0) + LevelBytes(v, 1);
  }
  for (int level = 1; level < kNumLevels - 1; ++level) {
    const std::uint64_t bytes = LevelBytes(v, level);
    const std::uint64_t limit = MaxBytesForLevel(level);
    if (bytes <= limit) {
      continue;
    }
    const std::uint64_t excess = bytes - limit;
    const double fanout = static_cast<double>(LevelBytes(v, level + 1)) / bytes;
    pending += static_cast<std::uint64_t>(static_cast<double>(excess) * (1.0 + fanout));
  }
  return pending;
}

std::optional<Compaction> LeveledCompactionPicker::Pick(const Version& v,
                                                        const FileNumberSet& busy) {
  const std::array<double, kNumLevels> scores = Scores(v);
  std::array<int, kNumLevels> order;
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(),
                   [&](int a, int b) { return scores[a] > scores[b]; });
  for (int level : order) {
    if (scores[level] < 1.0) {
      break;
    }
    std::optional<Compaction> c =
        level == 0 ? PickLevel0(v, busy) : PickLevel(v, level, busy);
    if (c) {
      return c;
    }
  }
  return std::nullopt;
}

std::optional<Compaction> LeveledCompactionPicker::PickLevel0(const Version& v,
                                                              const FileNumberSet& busy) const {
  // One level-0 compaction at a time, of all of level 0: the level's tables
  // usually overlap each other anyway.
  if (v.levels[0].empty() || AnyBusy(v.levels[0], busy)) {
    return std::nullopt;
  }
  Compaction c;
  c.reason = CompactionReason::kLevelScore;
  c.output_level = 1;
  c.target_file_size = options_.target_file_size;
  c.inputs.push_back({0, v.levels[0]});
  UserKeyRange range = UserKeyRange::Of(*v.levels[0].front());
  for (const auto& f : v.levels[0]) {
    range.Extend(*f);
  }
  std::vector<std::shared_ptr<const FileMetaData>> next;
  CloseOverLevel(v, 1, range, &next);
  if (AnyBusy(next, busy)) {
    return std::nullopt;
  }
  if (next.empty() && Disjoint(v.levels[0])) {
    c.trivial_move = true;  // e.g. keys written in order
  } else if (!next.empty()) {
    c.inputs.push_back({1, std::move(next)});
  }
  return c;
}

std::optional<Compaction> LeveledCompactionPicker::PickLevel(const Version& v, int level,
                                                             const FileNumberSet& busy) {
  // The table whose compaction rewrites the fewest bytes of the next level
  // per byte it moves down (as RocksDB's kMinOverlappingRatio); ties go to
  // the first after the table compacted last, round robin, so that every
  // key range gets its turn.
  const auto& files = v.levels[level];
  std::size_t start = 0;
  if (!compact_pointer_[level].empty()) {
    while (start < files.size() &&
           CompareInternalKeys(files[start]->largest, compact_pointer_[level]) <= 0) {
      ++start;
    }
  }
  std::optional<Compaction> best;
  double best_ratio = 0;
  for (std::size_t i = 0; i < files.size(); ++i) {
    const auto& f = files[(start + i) % files.size()];
    if (busy.contains(f->number)) {
      continue;
    }
    std::optional<Compaction> c = PickTable(v, level, f, busy);
    if (!c) {
      continue;
    }
    if (c->trivial_move) {
      best = std::move(c);
      break;  // nothing beats moving a table without rewriting anything
    }
    std::uint64_t overlap = 0;
    for (const auto& n : c->inputs.back().files) {
      overlap += n->file_size;
    }
    const double ratio =
        static_cast<double>(overlap) / static_cast<double>(std::max<std::uint64_t>(f->file_size, 1));
    if (best && ratio >= best_ratio) {
      continue;
    }
    best_ratio = ratio;
    best = std::move(c);
  }
  if (best) {
    compact_pointer_[level] = best->inputs.front().files.front()->largest;
  }
  return best;
}

std::optional<Compaction> LeveledCompactionPicker::PickTable(
    const Version& v, int level, const std::shared_ptr<const FileMetaData>& f,
    const FileNumberSet& busy) const {
  std::vector<std::shared_ptr<const FileMetaData>> next;
  CloseOverLevel(v, level + 1, UserKeyRange::Of(*f), &next);
  if (AnyBusy(next, busy)) {
    return std::nullopt;
  }
  Compaction c;
  c.reason = CompactionReason::kLevelScore;
  c.output_level = level + 1;
  c.target_file_size = options_.target_file_size;
  c.inputs.push_back({level, {f}});
  if (next.empty()) {
    c.trivial_move = true;
  } else {
    c.inputs.push_back({level + 1, std::move(next)});
  }
  return c;
}

std::optional<Compaction> LeveledCompactionPicker::PickForReads(const Version& v,
                                                                std::uint64_t file_number,
                                                                const FileNumberSet& busy) {
  // The last level has no level below it to merge into.
  for (int level = 0; level < kNumLevels - 1; ++level) {
    for (const auto& f : v.levels[level]) {
      if (f->number != file_number) {
        continue;
      }
      if (busy.contains(file_number)) {
        return std::nullopt;
      }
      std::optional<Compaction> c = level == 0 ? PickLevel0(v, busy) : PickTable(v, level, f, busy);
      if (c) {
        c->reason = CompactionReason::kReads;
      }
      return c;
    }
  }
  return std::nullopt;
}

std::optional<Compaction> LeveledCompactionPicker::PickRange(const Version& v,
                                                             const UserKeyRange& range,
                                                             const FileNumberSet& busy,
                                                             bool* blocked) {
  *blocked = false;
  Compaction c;
  c.reason = CompactionReason::kManual;
  c.target_file_size = options_.target_file_size;
  int deepest = -1;
  for (int level = 0; level < kNumLevels; ++level) {
    if (!Overlapping(v, level, range).empty()) {
      deepest = level;
    }
  }
  if (deepest < 0) {
    return std::nullopt;
  }
  // Everything in the range above the deepest level it reaches, merged
  // into that level (level 1 at least) with the tables there that the
  // merged keys meet. The merged keys may reach past the range, so every
  // level takes the tables they meet, until nothing is added: no table
  // left out may lie inside the outputs' span.
  c.output_level = std::max(deepest, 1);
  UserKeyRange merged = range;
  std::array<std::vector<std::shared_ptr<const FileMetaData>>, kNumLevels> chosen;
  std::size_t total = 0;
  while (true) {
    std::size_t now = 0;
    for (int level = 0; level <= c.output_level; ++level) {
      chosen[level] = Overlapping(v, level, merged);
      now += chosen[level].size();
    }
    for (int level = 0; level <= c.output_level; ++level) {
      for (const auto& f : chosen[level]) {
        merged.Extend(*f);
      }
    }
    if (now == total) {
      break;
    }
    total = now;
  }
  for (int level = 0; level <= c.output_level; ++level) {
    if (!chosen[level].empty()) {
      c.inputs.push_back({level, std::move(chosen[level])});
    }
  }
  for (const CompactionInput& in : c.inputs) {
    if (AnyBusy(in.files, busy)) {
      *blocked = true;
      return std::nullopt;
    }
  }
  return c;
}

}  // namespace aeternus
