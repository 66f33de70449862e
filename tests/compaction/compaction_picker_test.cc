#include "compaction/compaction_picker.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <initializer_list>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "compaction/leveled_compaction_picker.h"
#include "compaction/tiered_compaction_picker.h"

namespace aeternus {
namespace {

using FilePtr = std::shared_ptr<const FileMetaData>;

// A table of `size` bytes holding user keys [smallest, largest] written at
// sequences [smallest_seq, largest_seq].
FilePtr MakeFile(std::uint64_t number, std::uint64_t size, std::string_view smallest,
                 std::string_view largest, SequenceNumber smallest_seq,
                 SequenceNumber largest_seq, std::uint64_t num_entries = 100,
                 std::uint64_t num_deletions = 0) {
  auto f = std::make_shared<FileMetaData>();
  f->number = number;
  f->file_size = size;
  // The newest entry of the smallest key sorts first, the oldest entry of
  // the largest key last.
  AppendInternalKey(f->smallest, smallest, largest_seq, ValueType::kValue);
  AppendInternalKey(f->largest, largest, smallest_seq, ValueType::kValue);
  f->smallest_seq = smallest_seq;
  f->largest_seq = largest_seq;
  f->num_entries = num_entries;
  f->num_deletions = num_deletions;
  return f;
}

// Leveled tables: the sequence range is derived from the number, so that a
// higher number is newer.
FilePtr File(std::uint64_t number, std::uint64_t size, std::string_view smallest,
             std::string_view largest) {
  return MakeFile(number, size, smallest, largest, number * 10, number * 10 + 9);
}

// Tiered tables: only the size, sequences and tombstones matter; the keys
// are the same everywhere.
FilePtr Tier(std::uint64_t number, std::uint64_t size, SequenceNumber smallest_seq,
             SequenceNumber largest_seq, std::uint64_t num_entries = 100,
             std::uint64_t num_deletions = 0) {
  return MakeFile(number, size, "a", "z", smallest_seq, largest_seq, num_entries,
                  num_deletions);
}

// A Version ordered as VersionSet orders one: level 0 newest first, the
// other levels by smallest key. Levels >= 1 must not overlap.
Version MakeVersion(std::initializer_list<std::pair<int, FilePtr>> files) {
  Version v;
  for (const auto& [level, f] : files) {
    v.levels[level].push_back(f);
  }
  std::sort(v.levels[0].begin(), v.levels[0].end(), [](const auto& a, const auto& b) {
    return a->largest_seq != b->largest_seq ? a->largest_seq > b->largest_seq
                                            : a->number > b->number;
  });
  for (int level = 1; level < kNumLevels; ++level) {
    auto& l = v.levels[level];
    std::sort(l.begin(), l.end(), [](const auto& a, const auto& b) {
      return CompareInternalKeys(a->smallest, b->smallest) < 0;
    });
    for (std::size_t i = 1; i < l.size(); ++i) {
      if (CompareInternalKeys(l[i - 1]->largest, l[i]->smallest) >= 0) {
        ADD_FAILURE() << "test version: tables " << l[i - 1]->number << " and "
                      << l[i]->number << " overlap in level " << level;
      }
    }
  }
  return v;
}

// The levels of a compaction's inputs, in the order given.
std::vector<int> InputLevels(const Compaction& c) {
  std::vector<int> levels;
  for (const CompactionInput& in : c.inputs) {
    levels.push_back(in.level);
  }
  return levels;
}

// The numbers of a compaction's input tables of `level`, sorted.
std::vector<std::uint64_t> InputNumbers(const Compaction& c, int level) {
  std::vector<std::uint64_t> numbers;
  for (const CompactionInput& in : c.inputs) {
    if (in.level == level) {
      for (const auto& f : in.files) {
        numbers.push_back(f->number);
      }
    }
  }
  std::sort(numbers.begin(), numbers.end());
  return numbers;
}

using Numbers = std::vector<std::uint64_t>;

// ---------------------------------------------------------------- common

TEST(CompactionPickerTest, NewCompactionPickerFollowsCompactionStyle) {
  Options options;
  options.compaction_style = CompactionStyle::kLeveled;
  auto leveled = NewCompactionPicker(options);
  EXPECT_NE(dynamic_cast<LeveledCompactionPicker*>(leveled.get()), nullptr);
  options.compaction_style = CompactionStyle::kTiered;
  auto tiered = NewCompactionPicker(options);
  EXPECT_NE(dynamic_cast<TieredCompactionPicker*>(tiered.get()), nullptr);
}

TEST(CompactionPickerTest, UserKeyRangeOverlapsWithInclusiveAndOpenEnds) {
  const FilePtr f = File(1, 100, "c", "f");
  EXPECT_TRUE((UserKeyRange{"a", "c"}.Overlaps(*f)));  // ends are inclusive
  EXPECT_TRUE((UserKeyRange{"f", "z"}.Overlaps(*f)));
  EXPECT_TRUE((UserKeyRange{"d", "e"}.Overlaps(*f)));
  EXPECT_FALSE((UserKeyRange{"a", "b"}.Overlaps(*f)));
  EXPECT_FALSE((UserKeyRange{"g", "z"}.Overlaps(*f)));
  EXPECT_TRUE((UserKeyRange{std::nullopt, "c"}.Overlaps(*f)));
  EXPECT_FALSE((UserKeyRange{std::nullopt, "b"}.Overlaps(*f)));
  EXPECT_TRUE((UserKeyRange{"f", std::nullopt}.Overlaps(*f)));
  EXPECT_FALSE((UserKeyRange{"g", std::nullopt}.Overlaps(*f)));
  EXPECT_TRUE(UserKeyRange{}.Overlaps(*f));

  const UserKeyRange of = UserKeyRange::Of(*f);
  EXPECT_EQ(of.begin, "c");
  EXPECT_EQ(of.end, "f");
}

TEST(CompactionPickerTest, UserKeyRangeOfEmptyTableHoldsNothingAndExtendReplacesIt) {
  auto empty = std::make_shared<FileMetaData>();
  empty->number = 1;
  ASSERT_TRUE(empty->empty_range());
  UserKeyRange r = UserKeyRange::Of(*empty);
  EXPECT_FALSE(r.Overlaps(*File(2, 100, "a", "z")));
  EXPECT_FALSE(UserKeyRange{}.Overlaps(*empty));

  r.Extend(*File(3, 100, "d", "e"));
  EXPECT_EQ(r.begin, "d");
  EXPECT_EQ(r.end, "e");
  r.Extend(*File(4, 100, "b", "c"));
  r.Extend(*File(5, 100, "x", "y"));
  r.Extend(*empty);  // holds no keys: no change
  EXPECT_EQ(r.begin, "b");
  EXPECT_EQ(r.end, "y");

  UserKeyRange open{std::nullopt, "m"};
  open.Extend(*File(6, 100, "a", "q"));
  EXPECT_FALSE(open.begin.has_value());  // an open end stays open
  EXPECT_EQ(open.end, "q");
}

TEST(CompactionPickerTest, CompactionSumsItsInputs) {
  Compaction c;
  c.inputs.push_back({0, {File(1, 100, "a", "b"), File(2, 50, "c", "d")}});
  c.inputs.push_back({1, {File(3, 7, "a", "z")}});
  EXPECT_EQ(c.InputBytes(), 157u);
  EXPECT_EQ(c.NumInputFiles(), 3u);
  EXPECT_TRUE(c.Contains(1));
  EXPECT_TRUE(c.Contains(3));
  EXPECT_FALSE(c.Contains(4));
  EXPECT_EQ(CompactionReasonName(CompactionReason::kTieredMerge), "tiered-merge");
  EXPECT_EQ(CompactionReasonName(CompactionReason::kTombstone), "tombstone");
  EXPECT_EQ(CompactionReasonName(CompactionReason::kLevelScore), "level-score");
  EXPECT_EQ(CompactionReasonName(CompactionReason::kManual), "manual");
}

// ---------------------------------------------------------------- leveled

class LeveledCompactionPickerTest : public ::testing::Test {
 protected:
  static Options MakeOptions() {
    Options o;
    o.compaction_style = CompactionStyle::kLeveled;
    o.l0_compaction_trigger = 4;
    o.max_bytes_for_level_base = 1000;  // level 1: 1000, level 2: 10000, ...
    o.level_size_multiplier = 10;
    o.target_file_size = 12345;
    return o;
  }

  Options options_ = MakeOptions();
  LeveledCompactionPicker picker_{options_};
  const FileNumberSet none_;
};

TEST_F(LeveledCompactionPickerTest, MaxBytesForLevelGrowsByMultiplier) {
  EXPECT_EQ(picker_.MaxBytesForLevel(1), 1000u);
  EXPECT_EQ(picker_.MaxBytesForLevel(2), 10000u);
  EXPECT_EQ(picker_.MaxBytesForLevel(3), 100000u);
  EXPECT_EQ(picker_.MaxBytesForLevel(6), 100000000u);

  Options defaults;
  LeveledCompactionPicker default_picker(defaults);
  EXPECT_EQ(default_picker.MaxBytesForLevel(1), std::uint64_t{256} << 20);
  EXPECT_EQ(default_picker.MaxBytesForLevel(2), std::uint64_t{2560} << 20);
}

TEST_F(LeveledCompactionPickerTest, NothingToDoWhenEveryScoreIsBelowOne) {
  const Version empty;
  EXPECT_FALSE(picker_.Pick(empty, none_));
  EXPECT_EQ(picker_.PendingCompactionBytes(empty), 0u);

  // Three level-0 tables of four, 900 of 1000 bytes in level 1, 9000 of
  // 10000 in level 2.
  const Version v = MakeVersion({
      {0, File(10, 100, "a", "c")},
      {0, File(11, 100, "b", "d")},
      {0, File(12, 100, "c", "e")},
      {1, File(5, 900, "a", "m")},
      {2, File(1, 9000, "a", "z")},
  });
  const auto scores = picker_.Scores(v);
  EXPECT_DOUBLE_EQ(scores[0], 0.75);
  EXPECT_DOUBLE_EQ(scores[1], 0.9);
  EXPECT_DOUBLE_EQ(scores[2], 0.9);
  EXPECT_DOUBLE_EQ(scores[kNumLevels - 1], 0.0);
  EXPECT_FALSE(picker_.Pick(v, none_));
  EXPECT_EQ(picker_.PendingCompactionBytes(v), 0u);
}

TEST_F(LeveledCompactionPickerTest, LastLevelIsNeverScored) {
  const Version v = MakeVersion({{kNumLevels - 1, File(1, 1u << 30, "a", "z")}});
  EXPECT_DOUBLE_EQ(picker_.Scores(v)[kNumLevels - 1], 0.0);
  EXPECT_FALSE(picker_.Pick(v, none_));
}

TEST_F(LeveledCompactionPickerTest, Level0AtTriggerTakesAllOfLevel0AndOverlappingLevel1) {
  // Level 0 spans [b, g]; level-1 tables 2 and 3 meet it, 1 and 4 do not.
  const Version v = MakeVersion({
      {0, File(10, 100, "b", "d")},
      {0, File(11, 100, "c", "f")},
      {0, File(12, 100, "e", "g")},
      {0, File(13, 100, "b", "c")},
      {1, File(1, 100, "a0", "a9")},
      {1, File(2, 100, "c", "d")},
      {1, File(3, 100, "f", "h")},
      {1, File(4, 100, "x", "z")},
  });
  EXPECT_DOUBLE_EQ(picker_.Scores(v)[0], 1.0);
  const auto c = picker_.Pick(v, none_);
  ASSERT_TRUE(c);
  EXPECT_EQ(c->reason, CompactionReason::kLevelScore);
  EXPECT_EQ(c->output_level, 1);
  EXPECT_EQ(c->target_file_size, 12345u);
  EXPECT_FALSE(c->trivial_move);
  EXPECT_EQ(InputLevels(*c), (std::vector<int>{0, 1}));
  EXPECT_EQ(InputNumbers(*c, 0), (Numbers{10, 11, 12, 13}));
  EXPECT_EQ(InputNumbers(*c, 1), (Numbers{2, 3}));
  // Level 0 is passed in its own order, newest first.
  ASSERT_EQ(c->inputs[0].files.size(), 4u);
  EXPECT_EQ(c->inputs[0].files.front()->number, 13u);
  EXPECT_EQ(c->inputs[0].files.back()->number, 10u);
}

TEST_F(LeveledCompactionPickerTest, Level0TakesLevel1TablesInsideItsSpanEvenBetweenItsTables) {
  // The merged outputs span [a, z], so table 2 (in a gap between level-0
  // tables) must be merged too, or level 1 would overlap afterwards.
  const Version v = MakeVersion({
      {0, File(10, 100, "a", "b")},
      {0, File(11, 100, "c", "d")},
      {0, File(12, 100, "e", "f")},
      {0, File(13, 100, "y", "z")},
      {1, File(2, 100, "m", "n")},
  });
  const auto c = picker_.Pick(v, none_);
  ASSERT_TRUE(c);
  EXPECT_FALSE(c->trivial_move);
  EXPECT_EQ(c->output_level, 1);
  EXPECT_EQ(InputNumbers(*c, 0), (Numbers{10, 11, 12, 13}));
  EXPECT_EQ(InputNumbers(*c, 1), (Numbers{2}));
}

TEST_F(LeveledCompactionPickerTest, DisjointLevel0WithNoLevel1OverlapIsTrivialMove) {
  const Version v = MakeVersion({
      {0, File(10, 100, "a", "b")},
      {0, File(11, 100, "c", "d")},
      {0, File(12, 100, "e", "f")},
      {0, File(13, 100, "g", "h")},
      {1, File(2, 100, "x", "z")},
  });
  const auto c = picker_.Pick(v, none_);
  ASSERT_TRUE(c);
  EXPECT_TRUE(c->trivial_move);
  EXPECT_EQ(c->reason, CompactionReason::kLevelScore);
  EXPECT_EQ(c->output_level, 1);
  EXPECT_EQ(InputLevels(*c), (std::vector<int>{0}));
  EXPECT_EQ(InputNumbers(*c, 0), (Numbers{10, 11, 12, 13}));
}

TEST_F(LeveledCompactionPickerTest, OverlappingLevel0WithEmptyLevel1IsMergedNotMoved) {
  // Tables 11 and 12 share key "d": they must be merged.
  const Version v = MakeVersion({
      {0, File(10, 100, "a", "b")},
      {0, File(11, 100, "c", "d")},
      {0, File(12, 100, "d", "f")},
      {0, File(13, 100, "g", "h")},
  });
  const auto c = picker_.Pick(v, none_);
  ASSERT_TRUE(c);
  EXPECT_FALSE(c->trivial_move);
  EXPECT_EQ(c->output_level, 1);
  EXPECT_EQ(InputLevels(*c), (std::vector<int>{0}));
  EXPECT_EQ(InputNumbers(*c, 0), (Numbers{10, 11, 12, 13}));
}

TEST_F(LeveledCompactionPickerTest, BusyTableBlocksLevel0Compaction) {
  const Version v = MakeVersion({
      {0, File(10, 100, "a", "b")},
      {0, File(11, 100, "c", "d")},
      {0, File(12, 100, "e", "f")},
      {0, File(13, 100, "g", "h")},
      {1, File(2, 100, "c", "c")},
  });
  // A level-0 table already being compacted.
  EXPECT_FALSE(picker_.Pick(v, FileNumberSet{12}));
  // A level-1 table the level-0 compaction would need.
  EXPECT_FALSE(picker_.Pick(v, FileNumberSet{2}));
  // An unrelated busy table changes nothing.
  const auto c = picker_.Pick(v, FileNumberSet{99});
  ASSERT_TRUE(c);
  EXPECT_EQ(InputNumbers(*c, 0), (Numbers{10, 11, 12, 13}));
  EXPECT_EQ(InputNumbers(*c, 1), (Numbers{2}));
}

// Of an over-full level, the table that rewrites the fewest next-level
// bytes per byte it moves down goes, with every next-level table it meets.
TEST_F(LeveledCompactionPickerTest, OverFullLevelPicksTheTableWithTheLeastOverlap) {
  const Version v = MakeVersion({
      {1, File(1, 500, "a", "c")},  // meets 20 and 21: 200 / 500
      {1, File(2, 500, "d", "f")},  // meets 21 and 23: 400 / 500
      {1, File(3, 500, "g", "i")},  // meets 24: 300 / 500
      {2, File(20, 100, "b", "b")},
      {2, File(21, 100, "c", "e")},
      {2, File(23, 300, "f", "f")},
      {2, File(24, 300, "h", "h")},
  });
  EXPECT_DOUBLE_EQ(picker_.Scores(v)[1], 1.5);
  const auto c = picker_.Pick(v, none_);
  ASSERT_TRUE(c);
  EXPECT_EQ(c->reason, CompactionReason::kLevelScore);
  EXPECT_EQ(c->output_level, 2);
  EXPECT_EQ(c->target_file_size, 12345u);
  EXPECT_FALSE(c->trivial_move);
  EXPECT_EQ(InputLevels(*c), (std::vector<int>{1, 2}));
  EXPECT_EQ(InputNumbers(*c, 1), (Numbers{1}));
  EXPECT_EQ(InputNumbers(*c, 2), (Numbers{20, 21}));
}

TEST_F(LeveledCompactionPickerTest, OverFullLevelTableWithNoNextLevelOverlapIsTrivialMove) {
  const Version v = MakeVersion({
      {1, File(1, 1500, "a", "c")},
      {2, File(20, 100, "x", "z")},
  });
  const auto c = picker_.Pick(v, none_);
  ASSERT_TRUE(c);
  EXPECT_TRUE(c->trivial_move);
  EXPECT_EQ(c->output_level, 2);
  EXPECT_EQ(InputLevels(*c), (std::vector<int>{1}));
  EXPECT_EQ(InputNumbers(*c, 1), (Numbers{1}));
}

TEST_F(LeveledCompactionPickerTest, LevelTwoOverItsLimitCompactsIntoLevelThree) {
  const Version v = MakeVersion({
      {2, File(1, 6000, "a", "c")},
      {2, File(2, 6000, "d", "f")},
      {3, File(30, 100, "e", "e")},
  });
  EXPECT_DOUBLE_EQ(picker_.Scores(v)[2], 1.2);
  const auto c = picker_.Pick(v, FileNumberSet{1});
  ASSERT_TRUE(c);
  EXPECT_EQ(c->output_level, 3);
  EXPECT_EQ(InputNumbers(*c, 2), (Numbers{2}));
  EXPECT_EQ(InputNumbers(*c, 3), (Numbers{30}));
}

TEST_F(LeveledCompactionPickerTest, RoundRobinPicksTheNextTableEachTime) {
  const FilePtr t1 = File(1, 500, "a", "c");
  const FilePtr t2 = File(2, 500, "d", "f");
  const FilePtr t3 = File(3, 500, "g", "i");
  const Version v = MakeVersion({{1, t1}, {1, t2}, {1, t3}});
  std::vector<std::uint64_t> picked;
  for (int i = 0; i < 4; ++i) {
    const auto c = picker_.Pick(v, none_);
    ASSERT_TRUE(c);
    EXPECT_TRUE(c->trivial_move);
    ASSERT_EQ(InputNumbers(*c, 1).size(), 1u);
    picked.push_back(InputNumbers(*c, 1)[0]);
  }
  // After the last table, back to the first.
  EXPECT_EQ(picked, (Numbers{1, 2, 3, 1}));

  // Table 1 has moved down; the level is still at its limit and the turn
  // is table 2's.
  const Version next = MakeVersion({{1, t2}, {1, t3}, {1, File(4, 500, "j", "k")}, {2, t1}});
  const auto c = picker_.Pick(next, none_);
  ASSERT_TRUE(c);
  EXPECT_EQ(InputNumbers(*c, 1), (Numbers{2}));
}

TEST_F(LeveledCompactionPickerTest, BusyTablesMakeTheLevelSkipToAnotherTable) {
  const Version v = MakeVersion({
      {1, File(1, 500, "a", "c")},  // meets 20: 100 / 500
      {1, File(2, 500, "d", "f")},  // meets 21: 200 / 500
      {1, File(3, 500, "g", "i")},  // meets 22: 400 / 500
      {2, File(20, 100, "b", "b")},
      {2, File(21, 200, "e", "e")},
      {2, File(22, 400, "h", "h")},
  });
  // Table 1 needs the busy table 20: table 2 goes instead, with table 21.
  const auto c = picker_.Pick(v, FileNumberSet{20});
  ASSERT_TRUE(c);
  EXPECT_EQ(InputNumbers(*c, 1), (Numbers{2}));
  EXPECT_EQ(InputNumbers(*c, 2), (Numbers{21}));

  // Tables 1 and 2 busy themselves: table 3, with table 22.
  LeveledCompactionPicker fresh(options_);
  const auto d = fresh.Pick(v, FileNumberSet{1, 2});
  ASSERT_TRUE(d);
  EXPECT_EQ(InputNumbers(*d, 1), (Numbers{3}));
  EXPECT_EQ(InputNumbers(*d, 2), (Numbers{22}));
  EXPECT_FALSE(d->trivial_move);

  // Every table busy or blocked: nothing.
  LeveledCompactionPicker blocked(options_);
  EXPECT_FALSE(blocked.Pick(v, FileNumberSet{20, 21, 3}));
}

TEST_F(LeveledCompactionPickerTest, HighestScoreLevelGoesFirst) {
  // Level 0 at 1.0, level 1 at 3.0, level 2 at 2.0.
  const Version v = MakeVersion({
      {0, File(40, 100, "a", "b")},
      {0, File(41, 100, "a", "b")},
      {0, File(42, 100, "a", "b")},
      {0, File(43, 100, "a", "b")},
      {1, File(10, 3000, "m", "n")},
      {2, File(20, 20000, "x", "y")},
  });
  const auto scores = picker_.Scores(v);
  EXPECT_DOUBLE_EQ(scores[0], 1.0);
  EXPECT_DOUBLE_EQ(scores[1], 3.0);
  EXPECT_DOUBLE_EQ(scores[2], 2.0);
  auto c = picker_.Pick(v, none_);
  ASSERT_TRUE(c);
  EXPECT_EQ(InputLevels(*c), (std::vector<int>{1}));
  EXPECT_EQ(c->output_level, 2);

  // Level 1 blocked: level 2 (2.0) comes before level 0 (1.0).
  c = picker_.Pick(v, FileNumberSet{10});
  ASSERT_TRUE(c);
  EXPECT_EQ(InputLevels(*c), (std::vector<int>{2}));
  EXPECT_EQ(c->output_level, 3);

  // Levels 1 and 2 blocked: level 0.
  c = picker_.Pick(v, FileNumberSet{10, 20});
  ASSERT_TRUE(c);
  EXPECT_EQ(InputNumbers(*c, 0), (Numbers{40, 41, 42, 43}));
  EXPECT_EQ(c->output_level, 1);

  // Eight level-0 tables (2.0) beat level 1 at 1.5.
  const Version w = MakeVersion({
      {0, File(40, 10, "a", "b")}, {0, File(41, 10, "a", "b")}, {0, File(42, 10, "a", "b")},
      {0, File(43, 10, "a", "b")}, {0, File(44, 10, "a", "b")}, {0, File(45, 10, "a", "b")},
      {0, File(46, 10, "a", "b")}, {0, File(47, 10, "a", "b")}, {1, File(10, 1500, "m", "n")},
  });
  c = picker_.Pick(w, none_);
  ASSERT_TRUE(c);
  EXPECT_EQ(c->output_level, 1);
  EXPECT_EQ(InputNumbers(*c, 0).size(), 8u);
  EXPECT_EQ(InputNumbers(*c, 1), (Numbers{}));
}

TEST_F(LeveledCompactionPickerTest, PendingCompactionBytesCountsWhatOverFullLevelsPushDown) {
  // Level 0 at its trigger: all of level 0 and level 1.
  const Version l0 = MakeVersion({
      {0, File(40, 100, "a", "b")},
      {0, File(41, 100, "a", "b")},
      {0, File(42, 100, "a", "b")},
      {0, File(43, 100, "a", "b")},
      {1, File(10, 300, "m", "n")},
  });
  EXPECT_EQ(picker_.PendingCompactionBytes(l0), 700u);

  // Level 1 500 bytes over its limit, level 2 twice level 1: 500 * (1 + 2).
  const Version l1 = MakeVersion({
      {1, File(10, 1500, "m", "n")},
      {2, File(20, 3000, "x", "y")},
  });
  EXPECT_EQ(picker_.PendingCompactionBytes(l1), 1500u);
}

TEST_F(LeveledCompactionPickerTest, StallTableCountIsTheLevel0TableCount) {
  const Version v = MakeVersion({
      {0, File(40, 100, "a", "b")},
      {0, File(41, 100, "a", "b")},
      {0, File(42, 100, "a", "b")},
      {1, File(10, 300, "m", "n")},
      {2, File(20, 300, "m", "n")},
  });
  EXPECT_EQ(picker_.StallTableCount(v), 3);
  EXPECT_EQ(picker_.StallTableCount(Version{}), 0);
}

TEST_F(LeveledCompactionPickerTest, PickForReadsOfLevel0TableCompactsLevel0IntoLevel1) {
  // Below every trigger: nothing to do for size.
  const Version v = MakeVersion({
      {0, File(10, 100, "b", "d")},
      {0, File(11, 100, "c", "f")},
      {1, File(2, 100, "c", "d")},
      {1, File(3, 100, "x", "z")},
  });
  EXPECT_FALSE(picker_.Pick(v, none_));
  const auto c = picker_.PickForReads(v, 11, none_);
  ASSERT_TRUE(c);
  EXPECT_EQ(c->reason, CompactionReason::kReads);
  EXPECT_EQ(c->output_level, 1);
  EXPECT_FALSE(c->trivial_move);
  EXPECT_EQ(InputNumbers(*c, 0), (Numbers{10, 11}));
  EXPECT_EQ(InputNumbers(*c, 1), (Numbers{2}));
}

TEST_F(LeveledCompactionPickerTest, PickForReadsOfSortedLevelTableMergesItIntoTheNextLevel) {
  const Version v = MakeVersion({
      {1, File(5, 100, "a", "c")},
      {1, File(6, 100, "d", "f")},
      {2, File(1, 100, "a", "b")},
      {2, File(2, 100, "c", "e")},
      {2, File(3, 100, "g", "h")},
  });
  const auto c = picker_.PickForReads(v, 6, none_);
  ASSERT_TRUE(c);
  EXPECT_EQ(c->reason, CompactionReason::kReads);
  EXPECT_EQ(c->output_level, 2);
  EXPECT_EQ(InputNumbers(*c, 1), (Numbers{6}));
  EXPECT_EQ(InputNumbers(*c, 2), (Numbers{2}));
}

TEST_F(LeveledCompactionPickerTest, PickForReadsSkipsGoneBusyAndLastLevelTables) {
  const Version v = MakeVersion({
      {0, File(10, 100, "b", "d")},
      {1, File(5, 100, "a", "c")},
      {2, File(2, 100, "c", "e")},
      {kNumLevels - 1, File(1, 100, "a", "z")},
  });
  EXPECT_FALSE(picker_.PickForReads(v, 99, none_));  // compacted away since
  EXPECT_FALSE(picker_.PickForReads(v, 1, none_));   // nothing below the last level
  EXPECT_FALSE(picker_.PickForReads(v, 10, FileNumberSet{10}));
  EXPECT_FALSE(picker_.PickForReads(v, 5, FileNumberSet{2}));  // its next-level table is busy
  EXPECT_TRUE(picker_.PickForReads(v, 5, none_));
}

TEST_F(LeveledCompactionPickerTest, PickRangeOutputsIntoDeepestLevelHoldingTheRange) {
  const Version v = MakeVersion({
      {0, File(40, 100, "c", "d")},
      {0, File(41, 100, "x", "y")},  // outside the range
      {1, File(10, 100, "c", "e")},
      {1, File(11, 100, "p", "q")},  // outside the range
      {2, File(20, 100, "d", "k")},
      {4, File(30, 100, "r", "s")},  // deeper, but outside the range
  });
  bool blocked = true;
  const auto c = picker_.PickRange(v, UserKeyRange{"d", "d"}, none_, &blocked);
  EXPECT_FALSE(blocked);
  ASSERT_TRUE(c);
  EXPECT_EQ(c->reason, CompactionReason::kManual);
  EXPECT_EQ(c->output_level, 2);
  EXPECT_EQ(c->target_file_size, 12345u);
  EXPECT_FALSE(c->trivial_move);
  EXPECT_EQ(InputLevels(*c), (std::vector<int>{0, 1, 2}));
  EXPECT_EQ(InputNumbers(*c, 0), (Numbers{40}));
  EXPECT_EQ(InputNumbers(*c, 1), (Numbers{10}));
  EXPECT_EQ(InputNumbers(*c, 2), (Numbers{20}));
}

TEST_F(LeveledCompactionPickerTest, PickRangeOfLevel0OnlyOutputsIntoLevel1WithClosure) {
  // The range meets only table 40 (no level-1 table holds "d"), so the
  // output level is 1. The outputs span 40's keys [c, f], which level-1
  // tables 10 ([b, c]) and 11 ([f, h]) meet: they are merged too.
  const Version v = MakeVersion({
      {0, File(40, 100, "c", "f")},
      {1, File(9, 100, "a", "a")},
      {1, File(10, 100, "b", "c")},
      {1, File(11, 100, "f", "h")},
      {1, File(12, 100, "i", "j")},
  });
  bool blocked = true;
  const auto c = picker_.PickRange(v, UserKeyRange{"d", "d"}, none_, &blocked);
  EXPECT_FALSE(blocked);
  ASSERT_TRUE(c);
  EXPECT_EQ(c->output_level, 1);
  EXPECT_EQ(InputLevels(*c), (std::vector<int>{0, 1}));
  EXPECT_EQ(InputNumbers(*c, 0), (Numbers{40}));
  EXPECT_EQ(InputNumbers(*c, 1), (Numbers{10, 11}));
}

TEST_F(LeveledCompactionPickerTest, PickRangeWithinOneLevelRewritesThatLevel) {
  const Version v = MakeVersion({
      {3, File(30, 100, "a", "c")},
      {3, File(31, 100, "d", "f")},
      {3, File(32, 100, "g", "i")},
  });
  bool blocked = true;
  const auto c = picker_.PickRange(v, UserKeyRange{"b", "e"}, none_, &blocked);
  EXPECT_FALSE(blocked);
  ASSERT_TRUE(c);
  EXPECT_EQ(c->output_level, 3);
  EXPECT_FALSE(c->trivial_move);
  EXPECT_EQ(InputLevels(*c), (std::vector<int>{3}));
  EXPECT_EQ(InputNumbers(*c, 3), (Numbers{30, 31}));
}

TEST_F(LeveledCompactionPickerTest, PickRangeOfEverythingTakesEveryTable) {
  const Version v = MakeVersion({
      {0, File(40, 100, "a", "z")},
      {1, File(10, 100, "b", "c")},
      {1, File(11, 100, "x", "y")},
      {3, File(30, 100, "m", "n")},
  });
  bool blocked = true;
  const auto c = picker_.PickRange(v, UserKeyRange{}, none_, &blocked);
  EXPECT_FALSE(blocked);
  ASSERT_TRUE(c);
  EXPECT_EQ(c->output_level, 3);
  EXPECT_EQ(c->NumInputFiles(), 4u);
  EXPECT_EQ(InputLevels(*c), (std::vector<int>{0, 1, 3}));
}

TEST_F(LeveledCompactionPickerTest, PickRangeReportsBusyTablesAndEmptyRanges) {
  const Version v = MakeVersion({
      {0, File(40, 100, "c", "d")},
      {1, File(10, 100, "c", "e")},
      {2, File(20, 100, "d", "k")},
      {2, File(21, 100, "m", "n")},
  });
  for (std::uint64_t busy : {40, 10, 20}) {
    bool blocked = false;
    EXPECT_FALSE(picker_.PickRange(v, UserKeyRange{"d", "d"}, FileNumberSet{busy}, &blocked));
    EXPECT_TRUE(blocked) << busy;
  }
  // A busy table outside the compaction does not block it.
  bool blocked = true;
  EXPECT_TRUE(picker_.PickRange(v, UserKeyRange{"d", "d"}, FileNumberSet{21}, &blocked));
  EXPECT_FALSE(blocked);

  // Keys no table holds: nothing to do, and nothing to wait for.
  blocked = true;
  EXPECT_FALSE(picker_.PickRange(v, UserKeyRange{"p", "q"}, none_, &blocked));
  EXPECT_FALSE(blocked);
  blocked = true;
  EXPECT_FALSE(picker_.PickRange(Version{}, UserKeyRange{}, none_, &blocked));
  EXPECT_FALSE(blocked);
}

// The levels above the output level contribute every table that meets the
// merged key range of the chosen inputs, not only the requested range:
// the outputs span the merged range, so a table left out inside it could be
// moved into the output level by another compaction and overlap them.
//
// Here table 40 ([a, z]) meets the range ["m", "m"] and goes to level 2
// with table 20, so the outputs span [a, z]; level-1 table 10 ([c, d]) lies
// inside that span and must be an input.
TEST_F(LeveledCompactionPickerTest, PickRangeTakesIntermediateTablesInsideMergedRange) {
  const Version v = MakeVersion({
      {0, File(40, 100, "a", "z")},
      {1, File(10, 100, "c", "d")},
      {2, File(20, 100, "m", "n")},
  });
  bool blocked = true;
  const auto c = picker_.PickRange(v, UserKeyRange{"m", "m"}, none_, &blocked);
  EXPECT_FALSE(blocked);
  ASSERT_TRUE(c);
  EXPECT_EQ(c->output_level, 2);
  EXPECT_EQ(InputNumbers(*c, 0), (Numbers{40}));
  EXPECT_EQ(InputNumbers(*c, 1), (Numbers{10}));
  EXPECT_EQ(InputNumbers(*c, 2), (Numbers{20}));
}

// The same version with table 10 busy (being moved to level 2 by a running
// compaction): blocked, no compaction.
TEST_F(LeveledCompactionPickerTest, PickRangeIsBlockedByBusyTableInsideMergedRange) {
  const Version v = MakeVersion({
      {0, File(40, 100, "a", "z")},
      {1, File(10, 100, "c", "d")},
      {2, File(20, 100, "m", "n")},
  });
  bool blocked = false;
  const auto c = picker_.PickRange(v, UserKeyRange{"m", "m"}, FileNumberSet{10}, &blocked);
  EXPECT_TRUE(blocked);
  EXPECT_FALSE(c.has_value()) << "picked " << c->NumInputFiles() << " tables into level "
                              << c->output_level << " without table 10";
}

// The same at level 0: table 41 ([c, d]) is being compacted into level 1;
// table 42 ([a, m]) meets the range and its outputs in level 1 would span
// [a, m] over [c, d]: blocked.
TEST_F(LeveledCompactionPickerTest, PickRangeIsBlockedByBusyLevel0TableInsideMergedRange) {
  const Version v = MakeVersion({
      {0, MakeFile(42, 100, "a", "m", 50, 60)},
      {0, MakeFile(41, 100, "c", "d", 10, 20)},
  });
  bool blocked = false;
  const auto c = picker_.PickRange(v, UserKeyRange{"m", "m"}, FileNumberSet{41}, &blocked);
  EXPECT_TRUE(blocked);
  EXPECT_FALSE(c.has_value()) << "picked " << c->NumInputFiles() << " tables into level "
                              << c->output_level << " without table 41";
}

// ---------------------------------------------------------------- tiered

class TieredCompactionPickerTest : public ::testing::Test {
 protected:
  static Options MakeOptions() {
    Options o;
    o.compaction_style = CompactionStyle::kTiered;
    o.tiered_small_table_size = 100;
    o.min_merge_width = 4;
    o.max_merge_width = 6;
    o.l0_slowdown_writes_trigger = 20;
    o.tombstone_compaction_ratio = 0.3;
    return o;
  }

  static std::vector<Numbers> BucketNumbers(const TieredCompactionPicker& p, const Version& v,
                                            const FileNumberSet& busy) {
    std::vector<Numbers> out;
    for (const auto& bucket : p.Buckets(v, busy)) {
      out.emplace_back();
      for (const auto& t : bucket) {
        out.back().push_back(t.file->number);
      }
    }
    return out;
  }

  Options options_ = MakeOptions();
  TieredCompactionPicker picker_{options_};
  const FileNumberSet none_;
};

TEST_F(TieredCompactionPickerTest, BucketsGroupSimilarSizesAndSmallTables) {
  const Version v = MakeVersion({
      {0, Tier(1, 50, 1, 1)},
      {0, Tier(2, 10, 2, 2)},
      {0, Tier(3, 99, 3, 3)},      // under 100: small
      {0, Tier(4, 1000, 4, 4)},
      {0, Tier(5, 1400, 5, 5)},    // <= 1.5 * 1100, the average of 4 and 6
      {0, Tier(6, 1200, 6, 6)},    // <= 1.5 * 1000
      {0, Tier(7, 2000, 7, 7)},    // > 1.5 * 1200: a new bucket
      {0, Tier(8, 2500, 8, 8)},
      {0, Tier(9, 100000, 9, 9)},  // alone
  });
  EXPECT_EQ(BucketNumbers(picker_, v, none_),
            (std::vector<Numbers>{{2, 1, 3}, {4, 6, 5}, {7, 8}, {9}}));
  // Busy tables belong to no bucket.
  EXPECT_EQ(BucketNumbers(picker_, v, FileNumberSet{1, 2, 3, 8}),
            (std::vector<Numbers>{{4, 6, 5}, {7}, {9}}));
}

TEST_F(TieredCompactionPickerTest, BucketLimitFollowsTheRunningAverage) {
  // 1500 joins 1000 (average 1250); 1875 is within 1.5x of 1250 though not
  // of 1000; 2900 is over 1.5 * 1458.3.
  const Version v = MakeVersion({
      {0, Tier(1, 1000, 1, 1)},
      {0, Tier(2, 1500, 2, 2)},
      {0, Tier(3, 1875, 3, 3)},
      {0, Tier(4, 2900, 4, 4)},
  });
  EXPECT_EQ(BucketNumbers(picker_, v, none_), (std::vector<Numbers>{{1, 2, 3}, {4}}));
}

TEST_F(TieredCompactionPickerTest, BucketWithMinMergeWidthIsMerged) {
  const Version v = MakeVersion({
      {0, Tier(1, 1000, 1, 10)},
      {0, Tier(2, 1100, 11, 20)},
      {0, Tier(3, 1050, 21, 30)},
      {0, Tier(4, 1020, 31, 40)},
      {0, Tier(5, 50000, 41, 50)},
  });
  const auto c = picker_.Pick(v, none_);
  ASSERT_TRUE(c);
  EXPECT_EQ(c->reason, CompactionReason::kTieredMerge);
  EXPECT_EQ(c->output_level, 0);
  EXPECT_FALSE(c->trivial_move);
  EXPECT_EQ(InputLevels(*c), (std::vector<int>{0}));
  EXPECT_EQ(InputNumbers(*c, 0), (Numbers{1, 2, 3, 4}));
  EXPECT_EQ(picker_.PendingCompactionBytes(v), 1000u + 1100 + 1050 + 1020);
}

TEST_F(TieredCompactionPickerTest, FewerThanMinMergeWidthDoesNothing) {
  const Version v = MakeVersion({
      {0, Tier(1, 1000, 1, 10)},
      {0, Tier(2, 1100, 11, 20)},
      {0, Tier(3, 1050, 21, 30)},
      {0, Tier(4, 10, 31, 40)},
      {0, Tier(5, 20, 41, 50)},
      {0, Tier(6, 50000, 51, 60)},
  });
  EXPECT_EQ(BucketNumbers(picker_, v, none_).size(), 3u);
  EXPECT_FALSE(picker_.Pick(v, none_));
  EXPECT_EQ(picker_.PendingCompactionBytes(v), 0u);
}

TEST_F(TieredCompactionPickerTest, MergesAtMostMaxMergeWidthSmallestTables) {
  const Version v = MakeVersion({
      {0, Tier(1, 1070, 1, 1)},
      {0, Tier(2, 1000, 2, 2)},
      {0, Tier(3, 1060, 3, 3)},
      {0, Tier(4, 1010, 4, 4)},
      {0, Tier(5, 1050, 5, 5)},
      {0, Tier(6, 1020, 6, 6)},
      {0, Tier(7, 1040, 7, 7)},
      {0, Tier(8, 1030, 8, 8)},
  });
  const auto c = picker_.Pick(v, none_);
  ASSERT_TRUE(c);
  EXPECT_EQ(c->reason, CompactionReason::kTieredMerge);
  // The six smallest: all but 1070 (table 1) and 1060 (table 3).
  EXPECT_EQ(InputNumbers(*c, 0), (Numbers{2, 4, 5, 6, 7, 8}));
  EXPECT_EQ(picker_.PendingCompactionBytes(v), 1000u + 1010 + 1020 + 1030 + 1040 + 1050);
}

TEST_F(TieredCompactionPickerTest, BucketWithMostTablesGoesFirst) {
  const Version v = MakeVersion({
      {0, Tier(1, 10, 1, 1)},
      {0, Tier(2, 20, 2, 2)},
      {0, Tier(3, 30, 3, 3)},
      {0, Tier(4, 40, 4, 4)},
      {0, Tier(11, 5000, 11, 11)},
      {0, Tier(12, 5000, 12, 12)},
      {0, Tier(13, 5000, 13, 13)},
      {0, Tier(14, 5000, 14, 14)},
      {0, Tier(15, 5000, 15, 15)},
  });
  const auto c = picker_.Pick(v, none_);
  ASSERT_TRUE(c);
  EXPECT_EQ(InputNumbers(*c, 0), (Numbers{11, 12, 13, 14, 15}));

  // With one of the large tables busy, both buckets hold four: the first
  // (the small tables) wins the tie.
  const auto d = picker_.Pick(v, FileNumberSet{13});
  ASSERT_TRUE(d);
  EXPECT_EQ(InputNumbers(*d, 0), (Numbers{1, 2, 3, 4}));
}

TEST_F(TieredCompactionPickerTest, BusyTablesAreNotMerged) {
  const Version v = MakeVersion({
      {0, Tier(1, 1000, 1, 1)},
      {0, Tier(2, 1000, 2, 2)},
      {0, Tier(3, 1000, 3, 3)},
      {0, Tier(4, 1000, 4, 4)},
      {0, Tier(5, 1000, 5, 5)},
  });
  const auto c = picker_.Pick(v, FileNumberSet{2});
  ASSERT_TRUE(c);
  EXPECT_EQ(InputNumbers(*c, 0), (Numbers{1, 3, 4, 5}));
  // Two busy: three left, under the minimum width.
  EXPECT_FALSE(picker_.Pick(v, FileNumberSet{2, 4}));
}

TEST_F(TieredCompactionPickerTest, ManyTablesWithNoBucketReadyMergesTheSmallest) {
  Options o = options_;
  o.l0_slowdown_writes_trigger = 6;
  TieredCompactionPicker picker(o);
  // Sizes too far apart to share a bucket.
  const FilePtr t1 = Tier(1, 1000, 1, 1);
  const FilePtr t2 = Tier(2, 2000000, 2, 2);
  const FilePtr t3 = Tier(3, 100000, 3, 3);
  const FilePtr t4 = Tier(4, 10000, 4, 4);
  const FilePtr t5 = Tier(5, 300, 5, 5);
  const Version five = MakeVersion({{0, t1}, {0, t2}, {0, t3}, {0, t4}, {0, t5}});
  EXPECT_FALSE(picker.Pick(five, none_));  // under the trigger
  const Version v =
      MakeVersion({{0, t1}, {0, t2}, {0, t3}, {0, t4}, {0, t5}, {0, Tier(6, 30000000, 6, 6)}});
  EXPECT_EQ(picker.StallTableCount(v), 6);
  const auto c = picker.Pick(v, none_);
  ASSERT_TRUE(c);
  EXPECT_EQ(c->reason, CompactionReason::kTieredMerge);
  EXPECT_EQ(c->output_level, 0);
  EXPECT_EQ(InputNumbers(*c, 0), (Numbers{1, 3, 4, 5}));  // 300 .. 100000

  // Busy tables still count toward the trigger, but are not merged.
  const auto d = picker.Pick(v, FileNumberSet{5, 1});
  ASSERT_TRUE(d);
  EXPECT_EQ(InputNumbers(*d, 0), (Numbers{2, 3, 4, 6}));
}

TEST_F(TieredCompactionPickerTest, TombstoneCompactionPicksHighestRatioAboveThreshold) {
  const Version v = MakeVersion({
      {0, Tier(1, 1000, 1, 10, 100, 20)},       // 0.2
      {0, Tier(2, 100000, 11, 20, 100, 50)},    // 0.5
      {0, Tier(3, 10000000, 21, 30, 100, 40)},  // 0.4
      {0, Tier(4, 500, 31, 40, 100, 30)},       // 0.3: not above
  });
  EXPECT_DOUBLE_EQ(TieredCompactionPicker::TombstoneRatio(*v.levels[0][0]), 0.3);
  const auto c = picker_.Pick(v, none_);
  ASSERT_TRUE(c);
  EXPECT_EQ(c->reason, CompactionReason::kTombstone);
  EXPECT_EQ(c->output_level, 0);
  EXPECT_EQ(InputLevels(*c), (std::vector<int>{0}));
  EXPECT_EQ(InputNumbers(*c, 0), (Numbers{2}));

  // The best one busy: the next best.
  const auto d = picker_.Pick(v, FileNumberSet{2});
  ASSERT_TRUE(d);
  EXPECT_EQ(d->reason, CompactionReason::kTombstone);
  EXPECT_EQ(InputNumbers(*d, 0), (Numbers{3}));

  // Only tables at or under the threshold: nothing.
  const Version low = MakeVersion({
      {0, Tier(1, 1000, 1, 10, 100, 20)},
      {0, Tier(4, 500, 31, 40, 100, 30)},
  });
  EXPECT_FALSE(picker_.Pick(low, none_));
}

TEST_F(TieredCompactionPickerTest, TombstoneRatioCountsRangeTombstones) {
  auto f = std::make_shared<FileMetaData>(*Tier(1, 1000, 1, 10, 6, 1));
  f->num_range_deletions = 4;
  EXPECT_DOUBLE_EQ(TieredCompactionPicker::TombstoneRatio(*f), 0.5);  // (1 + 4) / (6 + 4)
  FileMetaData empty;
  EXPECT_DOUBLE_EQ(TieredCompactionPicker::TombstoneRatio(empty), 0.0);
}

TEST_F(TieredCompactionPickerTest, TableRewrittenForTombstonesIsNotPickedAgain) {
  const FilePtr old1 = Tier(1, 1000, 1, 10);
  const FilePtr old2 = Tier(2, 100000, 11, 20);
  const FilePtr t3 = Tier(3, 10000000, 50, 60, 100, 50);
  const Version v = MakeVersion({{0, old1}, {0, old2}, {0, t3}});
  const auto c = picker_.Pick(v, none_);
  ASSERT_TRUE(c);
  ASSERT_EQ(c->reason, CompactionReason::kTombstone);
  ASSERT_EQ(InputNumbers(*c, 0), (Numbers{3}));

  // The rewrite kept most tombstones (older tables may hold their keys).
  const FilePtr t9 = Tier(9, 9000000, 50, 60, 90, 40);
  picker_.Completed(*c, {*t9});
  const Version after = MakeVersion({{0, old1}, {0, old2}, {0, t9}});
  EXPECT_FALSE(picker_.Pick(after, none_));

  // A merge of newer tables changes nothing about table 9's tombstones.
  Compaction newer;
  newer.reason = CompactionReason::kTieredMerge;
  newer.inputs.push_back({0, {Tier(20, 10, 70, 80), Tier(21, 10, 81, 90)}});
  picker_.Completed(newer, {*Tier(22, 20, 70, 90)});
  EXPECT_FALSE(picker_.Pick(after, none_));

  // A merge of older tables may have dropped what they hid: table 9 gets
  // another look.
  Compaction older;
  older.reason = CompactionReason::kTieredMerge;
  older.inputs.push_back({0, {old1, old2}});
  picker_.Completed(older, {*Tier(10, 101000, 1, 20)});
  const Version merged = MakeVersion({{0, Tier(10, 101000, 1, 20)}, {0, t9}});
  const auto d = picker_.Pick(merged, none_);
  ASSERT_TRUE(d);
  EXPECT_EQ(d->reason, CompactionReason::kTombstone);
  EXPECT_EQ(InputNumbers(*d, 0), (Numbers{9}));
}

TEST_F(TieredCompactionPickerTest, OtherTombstoneCandidatesStayEligibleAfterARewrite) {
  const Version v = MakeVersion({
      {0, Tier(2, 100000, 11, 20, 100, 50)},    // 0.5
      {0, Tier(3, 10000000, 21, 30, 100, 40)},  // 0.4
  });
  const auto c = picker_.Pick(v, none_);
  ASSERT_TRUE(c);
  ASSERT_EQ(InputNumbers(*c, 0), (Numbers{2}));
  const FilePtr t9 = Tier(9, 90000, 11, 20, 90, 45);  // 0.5 still
  picker_.Completed(*c, {*t9});
  const Version after = MakeVersion({{0, t9}, {0, Tier(3, 10000000, 21, 30, 100, 40)}});
  const auto d = picker_.Pick(after, none_);
  ASSERT_TRUE(d);
  EXPECT_EQ(d->reason, CompactionReason::kTombstone);
  EXPECT_EQ(InputNumbers(*d, 0), (Numbers{3}));
}

// Two tables whose sequence ranges overlap (merges of non-adjacent tiers
// make such tables), both mostly tombstones that must stay: each is
// rewritten once, then neither again, so tombstone compaction ends.
TEST_F(TieredCompactionPickerTest, TombstoneRewritesOfOverlappingTablesEnd) {
  FilePtr a = Tier(1, 100000, 1, 50, 100, 60);
  FilePtr b = Tier(2, 10000000, 20, 40, 100, 50);
  int rewrites = 0;
  std::uint64_t next_number = 10;
  for (; rewrites < 10; ++rewrites) {
    const auto c = picker_.Pick(MakeVersion({{0, a}, {0, b}}), none_);
    if (!c) {
      break;
    }
    ASSERT_EQ(c->reason, CompactionReason::kTombstone);
    const std::uint64_t in = InputNumbers(*c, 0).at(0);
    FilePtr& rewritten = in == a->number ? a : b;
    rewritten = Tier(next_number++, rewritten->file_size, rewritten->smallest_seq,
                     rewritten->largest_seq, rewritten->num_entries, rewritten->num_deletions);
    picker_.Completed(*c, {*rewritten});
  }
  EXPECT_EQ(rewrites, 2);
}

TEST_F(TieredCompactionPickerTest, PickRangeTakesEveryOverlappingTable) {
  const Version v = MakeVersion({
      {0, MakeFile(1, 1000, "a", "c", 1, 10)},
      {0, MakeFile(2, 50, "b", "k", 11, 20)},
      {0, MakeFile(3, 100000, "j", "m", 21, 30)},
      {0, MakeFile(4, 1000, "x", "z", 31, 40)},
  });
  bool blocked = true;
  const auto c = picker_.PickRange(v, UserKeyRange{"c", "j"}, none_, &blocked);
  EXPECT_FALSE(blocked);
  ASSERT_TRUE(c);
  EXPECT_EQ(c->reason, CompactionReason::kManual);
  EXPECT_EQ(c->output_level, 0);
  EXPECT_FALSE(c->trivial_move);
  EXPECT_EQ(InputLevels(*c), (std::vector<int>{0}));
  EXPECT_EQ(InputNumbers(*c, 0), (Numbers{1, 2, 3}));

  const auto all = picker_.PickRange(v, UserKeyRange{}, none_, &blocked);
  ASSERT_TRUE(all);
  EXPECT_EQ(InputNumbers(*all, 0), (Numbers{1, 2, 3, 4}));

  // A busy table in the range blocks; one outside it does not.
  EXPECT_FALSE(picker_.PickRange(v, UserKeyRange{"c", "j"}, FileNumberSet{3}, &blocked));
  EXPECT_TRUE(blocked);
  const auto d = picker_.PickRange(v, UserKeyRange{"c", "j"}, FileNumberSet{4}, &blocked);
  EXPECT_FALSE(blocked);
  ASSERT_TRUE(d);
  EXPECT_EQ(InputNumbers(*d, 0), (Numbers{1, 2, 3}));

  // No table in the range.
  blocked = true;
  EXPECT_FALSE(picker_.PickRange(v, UserKeyRange{"n", "w"}, none_, &blocked));
  EXPECT_FALSE(blocked);
}

TEST_F(TieredCompactionPickerTest, PickForReadsHasNothingToOffer) {
  const Version v = MakeVersion({{0, Tier(1, 100, 1, 10)}, {0, Tier(2, 100, 11, 20)}});
  EXPECT_FALSE(picker_.PickForReads(v, 2, none_));
}

TEST_F(TieredCompactionPickerTest, StallTableCountCountsEveryTable) {
  const Version v = MakeVersion({
      {0, Tier(1, 1000, 1, 1)},
      {0, Tier(2, 1000, 2, 2)},
      {0, Tier(3, 1000, 3, 3)},
      {1, MakeFile(4, 1000, "a", "b", 4, 4)},
      {2, MakeFile(5, 1000, "a", "b", 5, 5)},
  });
  EXPECT_EQ(picker_.StallTableCount(v), 5);
  EXPECT_EQ(picker_.StallTableCount(Version{}), 0);
  EXPECT_FALSE(picker_.Pick(Version{}, none_));
}

}  // namespace
}  // namespace aeternus
