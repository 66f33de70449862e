#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <map>
#include <random>
#include <string>
#include <tuple>
#include <vector>

#include "cache/block_cache.h"
#include "env/file_system.h"
#include "sstable/table_builder.h"
#include "sstable/table_reader.h"
#include "sstable_test_util.h"
#include "testutil/process_mappings.h"
#include "testutil/status_assertions.h"
#include "testutil/temp_dir.h"
#include "util/coding.h"
#include "util/compression.h"
#include "util/crc32c.h"

namespace aeternus {
namespace {

using sstable_test::IKey;
using sstable_test::StringSink;
using sstable_test::StringSource;
using Kind = TableReader::GetResult::Kind;

struct ModelEntry {
  std::string key;  // internal key
  std::string value;
};

std::string UserKey(int i) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "key%06d", i);
  return buf;
}

// Point entries of `num_keys` user keys with one to three versions each;
// every seventh version is a point tombstone. Sequences are unique.
std::vector<ModelEntry> MakeModel(int num_keys, std::uint32_t seed) {
  std::mt19937 rng(seed);
  std::vector<ModelEntry> model;
  SequenceNumber seq = 1;
  std::vector<int> order(num_keys);
  for (int i = 0; i < num_keys; ++i) {
    order[i] = i;
  }
  std::shuffle(order.begin(), order.end(), rng);
  for (int round = 0; round < 3; ++round) {
    for (int i : order) {
      if (round > 0 && rng() % 2 == 0) {
        continue;
      }
      const SequenceNumber s = seq++;
      if (s % 7 == 0) {
        model.push_back({IKey(UserKey(i), s, ValueType::kDeletion), ""});
      } else {
        model.push_back({IKey(UserKey(i), s),
                         "value-" + std::to_string(i) + "-" + std::to_string(s) +
                             std::string(rng() % 40, static_cast<char>('a' + s % 26))});
      }
    }
  }
  std::sort(model.begin(), model.end(), [](const ModelEntry& a, const ModelEntry& b) {
    return CompareInternalKeys(a.key, b.key) < 0;
  });
  return model;
}

// The newest model entry of user_key with sequence <= seq, as a Get result.
TableReader::GetResult ModelGet(const std::vector<ModelEntry>& model, std::string_view user_key,
                                SequenceNumber seq) {
  const LookupKey lookup(user_key, seq);
  auto it = std::lower_bound(model.begin(), model.end(), lookup.internal_key(),
                             [](const ModelEntry& e, std::string_view k) {
                               return CompareInternalKeys(e.key, k) < 0;
                             });
  TableReader::GetResult r;
  if (it != model.end() && ExtractUserKey(it->key) == user_key) {
    r.sequence = ExtractSequence(it->key);
    if (ExtractValueType(it->key) == ValueType::kValue) {
      r.kind = Kind::kValue;
      r.value = it->value;
    } else {
      r.kind = Kind::kDeletion;
    }
  }
  return r;
}

std::string Describe(const TableReader::GetResult& r) {
  switch (r.kind) {
    case Kind::kNotFound:
      return "NOT_FOUND";
    case Kind::kDeletion:
      return "DELETED@" + std::to_string(r.sequence);
    case Kind::kValue:
      return r.value + "@" + std::to_string(r.sequence);
  }
  return "?";
}

std::string BuildTable(const TableBuilderOptions& options, const std::vector<ModelEntry>& model,
                       const std::vector<RangeTombstone>& tombstones) {
  StringSink sink;
  TableBuilder builder(options, &sink);
  for (const RangeTombstone& t : tombstones) {
    builder.AddRangeTombstone(t.begin, t.end, t.sequence);
  }
  for (const ModelEntry& e : model) {
    builder.Add(e.key, e.value);
  }
  EXPECT_TRUE(builder.Finish().ok());
  EXPECT_EQ(builder.FileSize(), sink.contents().size());
  return sink.contents();
}

// `mapped`: the file reads as a memory-mapped one.
Status OpenTable(const std::string& contents, std::unique_ptr<TableReader>* reader,
                 BlockCache* cache = nullptr, bool verify = true, bool mapped = false) {
  TableReaderOptions options;
  options.file_name = "000007.sst";
  options.block_cache = cache;
  options.verify_checksums = verify;
  return TableReader::Open(options, std::make_unique<StringSource>(contents, mapped),
                           contents.size(), reader);
}

// ---------------------------------------------------------------------------
// Round trips through a real file, across compression, block sizes and
// block cache settings.

using RoundTripParam = std::tuple<CompressionType, std::size_t /*block_size*/, bool /*cache*/>;

class TableRoundTripTest : public ::testing::TestWithParam<RoundTripParam> {
 protected:
  void SetUp() override {
    const auto [compression, block_size, use_cache] = GetParam();
    if (!CompressionSupported(compression)) {
      GTEST_SKIP() << "codec not built in";
    }
    fs_ = FileSystem::Default();
    path_ = tmp_.Sub("table.sst");  // a directory of its own: tests run in parallel
    model_ = MakeModel(3000, 17);
    tombstones_ = {{UserKey(100), UserKey(150), 4000}, {UserKey(2990), UserKey(9999), 2},
                   {"", UserKey(0), 5}};

    TableBuilderOptions options;
    options.compression = compression;
    options.block_size = block_size;
    std::unique_ptr<WritableFile> file;
    ASSERT_TRUE(fs_->NewWritableFile(path_, &file).ok());
    {
      TableBuilder builder(options, file.get());
      for (const RangeTombstone& t : tombstones_) {
        builder.AddRangeTombstone(t.begin, t.end, t.sequence);
      }
      for (const ModelEntry& e : model_) {
        builder.Add(e.key, e.value);
      }
      ASSERT_TRUE(builder.Finish().ok());
      props_ = builder.properties();
    }
    ASSERT_TRUE(file->Sync().ok());
    ASSERT_TRUE(file->Close().ok());

    if (use_cache) {
      cache_ = std::make_unique<BlockCache>(1 << 20);
    }
    std::uint64_t size = 0;
    ASSERT_TRUE(fs_->GetFileSize(path_, &size).ok());
    std::unique_ptr<RandomAccessFile> raf;
    ASSERT_TRUE(fs_->NewRandomAccessFile(path_, &raf).ok());
    TableReaderOptions ropts;
    ropts.file_name = path_;
    ropts.block_cache = cache_.get();
    const Status s = TableReader::Open(ropts, std::move(raf), size, &reader_);
    ASSERT_TRUE(s.ok()) << s.ToString();
  }

  void TearDown() override {
    reader_.reset();
    if (fs_ != nullptr) {
      fs_->RemoveFile(path_).IgnoreError();
    }
  }

  FileSystem* fs_ = nullptr;
  test::TempDir tmp_;
  std::string path_;
  std::vector<ModelEntry> model_;
  std::vector<RangeTombstone> tombstones_;
  TableProperties props_;
  std::unique_ptr<BlockCache> cache_;
  std::unique_ptr<TableReader> reader_;
};

TEST_P(TableRoundTripTest, PropertiesDescribeTheTable) {
  const TableProperties& p = reader_->properties();
  std::uint64_t deletions = 0;
  std::uint64_t key_bytes = 0;
  std::uint64_t value_bytes = 0;
  SequenceNumber max_seq = 0;
  for (const ModelEntry& e : model_) {
    deletions += ExtractValueType(e.key) == ValueType::kDeletion ? 1 : 0;
    key_bytes += e.key.size();
    value_bytes += e.value.size();
    max_seq = std::max(max_seq, ExtractSequence(e.key));
  }
  EXPECT_EQ(p.num_entries, model_.size());
  EXPECT_EQ(p.num_deletions, deletions);
  EXPECT_EQ(p.num_range_deletions, tombstones_.size());
  EXPECT_EQ(p.raw_key_bytes, key_bytes);
  EXPECT_EQ(p.raw_value_bytes, value_bytes);
  EXPECT_EQ(p.smallest_seq, 1u);
  EXPECT_EQ(p.largest_seq, std::max<SequenceNumber>(max_seq, 4000));
  // The tombstone ["", key000000)@5 starts before every point key; the one
  // ending at key009999 ends after every point key.
  EXPECT_EQ(p.smallest_key, IKey("", 5, ValueType::kRangeDeletion));
  EXPECT_EQ(p.largest_key, IKey(UserKey(9999), kMaxSequenceNumber, ValueType::kRangeDeletion));
  EXPECT_EQ(p.format_version, 1);
  EXPECT_GT(p.data_bytes, 0u);
  EXPECT_GT(p.index_bytes, 0u);
  EXPECT_GT(p.filter_bytes, 0u);
  EXPECT_LT(p.data_bytes + p.index_bytes + p.filter_bytes, reader_->file_size());
  EXPECT_EQ(props_.smallest_key, p.smallest_key);
  EXPECT_EQ(props_.largest_key, p.largest_key);
  EXPECT_EQ(props_.num_entries, p.num_entries);
}

TEST_P(TableRoundTripTest, GetFindsNewestVersionAtOrBelowSequence) {
  const TableReadOptions ro;
  for (int i = 0; i < 3000; ++i) {
    const std::string user = UserKey(i);
    for (SequenceNumber seq : {SequenceNumber{0}, SequenceNumber{1}, SequenceNumber{1500},
                               SequenceNumber{3000}, SequenceNumber{4500}, SequenceNumber{6000},
                               kMaxSequenceNumber}) {
      TableReader::GetResult got;
      const LookupKey lookup(user, seq);
      const Status s = reader_->Get(ro, lookup.internal_key(), &got);
      ASSERT_TRUE(s.ok()) << s.ToString();
      ASSERT_EQ(Describe(got), Describe(ModelGet(model_, user, seq))) << user << "@" << seq;
    }
  }
}

TEST_P(TableRoundTripTest, GetOfAbsentKeyIsNotFound) {
  const TableReadOptions ro;
  int filtered = 0;
  for (int i = 0; i < 3000; ++i) {
    const std::string user = UserKey(i) + "-absent";
    TableReader::GetResult got;
    ASSERT_TRUE(reader_->Get(ro, LookupKey(user, kMaxSequenceNumber).internal_key(), &got).ok());
    EXPECT_EQ(got.kind, Kind::kNotFound);
    filtered += reader_->KeyMayMatch(user) ? 0 : 1;
  }
  EXPECT_GT(filtered, 2900);  // the bloom filter skips almost all of them
}

TEST_P(TableRoundTripTest, IteratorVisitsAllEntriesBothWays) {
  auto it = reader_->NewIterator(TableReadOptions());
  std::size_t i = 0;
  for (it->SeekToFirst(); it->Valid(); it->Next(), ++i) {
    ASSERT_LT(i, model_.size());
    ASSERT_EQ(it->key(), model_[i].key);
    ASSERT_EQ(it->value(), model_[i].value);
  }
  ASSERT_TRUE(it->status().ok()) << it->status().ToString();
  EXPECT_EQ(i, model_.size());

  for (it->SeekToLast(); it->Valid(); it->Prev()) {
    ASSERT_GT(i, 0u);
    --i;
    ASSERT_EQ(it->key(), model_[i].key);
    ASSERT_EQ(it->value(), model_[i].value);
  }
  ASSERT_TRUE(it->status().ok());
  EXPECT_EQ(i, 0u);
}

TEST_P(TableRoundTripTest, SeekAndSeekForPrevMatchTheModel) {
  auto it = reader_->NewIterator(TableReadOptions());
  std::mt19937 rng(5);
  auto less = [](const ModelEntry& e, std::string_view k) {
    return CompareInternalKeys(e.key, k) < 0;
  };
  for (int round = 0; round < 2000; ++round) {
    const int i = static_cast<int>(rng() % 3100);
    const SequenceNumber seq = rng() % 7000;
    const std::string target =
        IKey(round % 3 == 0 ? UserKey(i) + "x" : UserKey(i), seq, ValueType::kValue);

    auto lb = std::lower_bound(model_.begin(), model_.end(), target, less);
    it->Seek(target);
    if (lb == model_.end()) {
      ASSERT_FALSE(it->Valid());
    } else {
      ASSERT_TRUE(it->Valid());
      ASSERT_EQ(it->key(), lb->key);
      // One step each way from the seek position.
      if (lb + 1 != model_.end()) {
        it->Next();
        ASSERT_TRUE(it->Valid());
        ASSERT_EQ(it->key(), (lb + 1)->key);
        it->Prev();
      }
      it->Prev();
      if (lb == model_.begin()) {
        ASSERT_FALSE(it->Valid());
      } else {
        ASSERT_TRUE(it->Valid());
        ASSERT_EQ(it->key(), (lb - 1)->key);
      }
    }

    // Last entry <= target.
    auto ub = std::upper_bound(model_.begin(), model_.end(), target,
                               [](std::string_view k, const ModelEntry& e) {
                                 return CompareInternalKeys(k, e.key) < 0;
                               });
    it->SeekForPrev(target);
    if (ub == model_.begin()) {
      ASSERT_FALSE(it->Valid());
    } else {
      ASSERT_TRUE(it->Valid());
      ASSERT_EQ(it->key(), (ub - 1)->key);
    }
    ASSERT_TRUE(it->status().ok());
  }
}

TEST_P(TableRoundTripTest, RangeTombstonesAreReadBack) {
  const RangeTombstoneList& list = reader_->range_tombstones();
  ASSERT_EQ(list.tombstones().size(), tombstones_.size());
  EXPECT_EQ(list.MaxCoveringSequence(UserKey(120), kMaxSequenceNumber), 4000u);
  EXPECT_EQ(list.MaxCoveringSequence(UserKey(120), 3999), 0u);
  EXPECT_EQ(list.MaxCoveringSequence(UserKey(150), kMaxSequenceNumber), 0u);
  EXPECT_EQ(list.MaxCoveringSequence(UserKey(2995), kMaxSequenceNumber), 2u);
  EXPECT_EQ(list.MaxCoveringSequence("a", kMaxSequenceNumber), 5u);
}

INSTANTIATE_TEST_SUITE_P(
    Configs, TableRoundTripTest,
    ::testing::Combine(::testing::Values(CompressionType::kNone, CompressionType::kZstd,
                                         CompressionType::kLz4),
                       ::testing::Values(std::size_t{256}, std::size_t{4096}),
                       ::testing::Bool()),
    [](const auto& info) {
      return std::string(CompressionTypeName(std::get<0>(info.param))) + "_Block" +
             std::to_string(std::get<1>(info.param)) +
             (std::get<2>(info.param) ? "_Cache" : "_NoCache");
    });

// ---------------------------------------------------------------------------
// Special tables.

TEST(TableTest, CompressedTableIsSmallerThanPlain) {
  const auto model = MakeModel(2000, 3);
  const std::string plain = BuildTable({}, model, {});
  for (CompressionType type : {CompressionType::kZstd, CompressionType::kLz4}) {
    if (!CompressionSupported(type)) {
      continue;
    }
    TableBuilderOptions options;
    options.compression = type;
    const std::string packed = BuildTable(options, model, {});
    EXPECT_LT(packed.size(), plain.size() * 3 / 4) << CompressionTypeName(type);
  }
}

TEST(TableTest, RangeTombstoneOnlyTableIsValid) {
  const std::string contents =
      BuildTable({}, {}, {{"b", "d", 9}, {"a", "c", 4}, {"x", "y", 12}});
  std::unique_ptr<TableReader> reader;
  ASSERT_TRUE(OpenTable(contents, &reader).ok());
  const TableProperties& p = reader->properties();
  EXPECT_EQ(p.num_entries, 0u);
  EXPECT_EQ(p.num_range_deletions, 3u);
  EXPECT_EQ(p.filter_bytes, 0u);
  EXPECT_EQ(p.smallest_seq, 4u);
  EXPECT_EQ(p.largest_seq, 12u);
  EXPECT_EQ(p.smallest_key, IKey("a", 4, ValueType::kRangeDeletion));
  EXPECT_EQ(p.largest_key, IKey("y", kMaxSequenceNumber, ValueType::kRangeDeletion));
  EXPECT_EQ(reader->range_tombstones().MaxCoveringSequence("bb", 100), 9u);
  EXPECT_EQ(reader->range_tombstones().MaxCoveringSequence("y", 100), 0u);

  auto it = reader->NewIterator(TableReadOptions());
  it->SeekToFirst();
  EXPECT_FALSE(it->Valid());
  it->SeekToLast();
  EXPECT_FALSE(it->Valid());
  it->SeekForPrev(IKey("z", 1));
  EXPECT_FALSE(it->Valid());
  EXPECT_TRUE(it->status().ok());
  TableReader::GetResult got;
  ASSERT_TRUE(reader->Get({}, LookupKey("bb", 100).internal_key(), &got).ok());
  EXPECT_EQ(got.kind, Kind::kNotFound);
}

TEST(TableTest, EmptyTableIsValid) {
  const std::string contents = BuildTable({}, {}, {});
  std::unique_ptr<TableReader> reader;
  ASSERT_TRUE(OpenTable(contents, &reader).ok());
  EXPECT_EQ(reader->properties().num_entries, 0u);
  EXPECT_TRUE(reader->properties().smallest_key.empty());
  EXPECT_TRUE(reader->properties().largest_key.empty());
  EXPECT_EQ(reader->properties().largest_seq, 0u);
  EXPECT_TRUE(reader->range_tombstones().empty());
  auto it = reader->NewIterator(TableReadOptions());
  it->SeekToFirst();
  EXPECT_FALSE(it->Valid());
  EXPECT_TRUE(it->status().ok());
}

TEST(TableTest, EmptyRangeTombstoneIsDropped) {
  const std::string contents = BuildTable({}, {}, {{"b", "b", 3}, {"c", "a", 4}});
  std::unique_ptr<TableReader> reader;
  ASSERT_TRUE(OpenTable(contents, &reader).ok());
  EXPECT_EQ(reader->properties().num_range_deletions, 0u);
}

TEST(TableTest, TableWithoutFilterMayMatchEveryKey) {
  TableBuilderOptions options;
  options.bloom_bits_per_key = 0;
  const std::string contents = BuildTable(options, MakeModel(10, 1), {});
  std::unique_ptr<TableReader> reader;
  ASSERT_TRUE(OpenTable(contents, &reader).ok());
  EXPECT_EQ(reader->properties().filter_bytes, 0u);
  EXPECT_TRUE(reader->KeyMayMatch("nope"));
}

TEST(TableTest, OutOfOrderAddFailsTheBuilder) {
  StringSink sink;
  TableBuilder builder({}, &sink);
  builder.Add(IKey("b", 1), "x");
  builder.Add(IKey("a", 1), "y");
  EXPECT_TRUE(builder.status().IsInvalidArgument());
  EXPECT_TRUE(builder.Finish().IsInvalidArgument());
}

TEST(TableTest, DuplicateKeyFailsTheBuilder) {
  StringSink sink;
  TableBuilder builder({}, &sink);
  builder.Add(IKey("a", 5), "x");
  builder.Add(IKey("a", 5), "y");
  EXPECT_TRUE(builder.Finish().IsInvalidArgument());
}

TEST(TableTest, CodecNotBuiltInIsNotSupported) {
  TableBuilderOptions options;
  options.compression = static_cast<CompressionType>(9);
  EXPECT_FALSE(CompressionSupported(options.compression));
  StringSink sink;
  TableBuilder builder(options, &sink);
  builder.Add(IKey("a", 1), "x");
  EXPECT_TRUE(builder.Finish().IsNotSupported());
}

// A single-pass iterator over a mapped table file: the data blocks it has
// moved past stop being resident in the process, and every entry still
// reads as written; an ordinary iterator leaves them resident.
TEST(TableTest, SinglePassIteratorReleasesThePagesItPassed) {
  FileSystem* fs = FileSystem::Default();
  test::TempDir tmp;
  const std::string path = tmp.Sub("000009.sst");
  const auto model = MakeModel(60000, 23);  // about 5 MiB of data blocks
  {
    std::unique_ptr<WritableFile> file;
    ASSERT_TRUE(fs->NewWritableFile(path, &file).ok());
    ASSERT_TRUE(file->Append(BuildTable(TableBuilderOptions(), model, {})).ok());
    ASSERT_TRUE(file->Close().ok());
  }
  std::uint64_t size = 0;
  ASSERT_TRUE(fs->GetFileSize(path, &size).ok());
  ASSERT_GT(size, 4u << 20);
  std::unique_ptr<RandomAccessFile> raf;
  ASSERT_TRUE(fs->NewRandomAccessFile(path, &raf).ok());
  if (!raf->MemoryMapped()) {
    GTEST_SKIP() << "tables are not memory-mapped here";
  }
  TableReaderOptions ropts;
  ropts.file_name = path;
  std::unique_ptr<TableReader> reader;
  ASSERT_TRUE(TableReader::Open(ropts, std::move(raf), size, &reader).ok());

  auto read_all = [&](bool single_pass) {
    TableReadOptions options;
    options.fill_cache = false;
    options.single_pass = single_pass;
    auto it = reader->NewIterator(options);
    std::size_t i = 0;
    for (it->SeekToFirst(); it->Valid(); it->Next(), ++i) {
      ASSERT_LT(i, model.size());
      ASSERT_EQ(it->key(), model[i].key);
      ASSERT_EQ(it->value(), model[i].value);
    }
    ASSERT_TRUE(it->status().ok()) << it->status().ToString();
    ASSERT_EQ(i, model.size());
  };
  read_all(/*single_pass=*/true);
  // What stays: less than a 1 MiB step of data blocks, the last blocks and
  // the index, filter and properties read at open.
  EXPECT_LT(test::MappingsOf(path).resident, 2u << 20);
  read_all(/*single_pass=*/false);
  EXPECT_GT(test::MappingsOf(path).resident, size * 9 / 10);
  read_all(/*single_pass=*/true);  // pages passed are faulted in again as they are read
  EXPECT_LT(test::MappingsOf(path).resident, 2u << 20);
}

TEST(TableTest, IteratorKeepsItsBlockWhileTheCacheEvictsIt) {
  const auto model = MakeModel(2000, 11);
  TableBuilderOptions options;
  options.block_size = 512;
  const std::string contents = BuildTable(options, model, {});
  BlockCache cache(16 * 1024);  // a couple of blocks per shard
  std::unique_ptr<TableReader> reader;
  ASSERT_TRUE(OpenTable(contents, &reader, &cache).ok());
  auto forward = reader->NewIterator(TableReadOptions());
  auto backward = reader->NewIterator(TableReadOptions());
  forward->SeekToFirst();
  backward->SeekToLast();
  for (std::size_t i = 0; i < model.size(); ++i) {
    ASSERT_TRUE(forward->Valid());
    ASSERT_TRUE(backward->Valid());
    ASSERT_EQ(forward->key(), model[i].key);
    ASSERT_EQ(forward->value(), model[i].value);
    ASSERT_EQ(backward->key(), model[model.size() - 1 - i].key);
    TableReader::GetResult got;  // churns the cache between steps
    ASSERT_TRUE(reader->Get({}, LookupKey(UserKey(static_cast<int>(i)), kMaxSequenceNumber)
                                    .internal_key(),
                            &got)
                    .ok());
    forward->Next();
    backward->Prev();
  }
  EXPECT_FALSE(forward->Valid());
  EXPECT_FALSE(backward->Valid());
  EXPECT_LE(cache.TotalCharge(), 16u * 1024);
}

// ---------------------------------------------------------------------------
// Damage.

std::string SmallTable(std::vector<ModelEntry>* model, CompressionType type) {
  *model = MakeModel(40, 23);
  TableBuilderOptions options;
  options.block_size = 256;
  options.compression = type;
  return BuildTable(options, *model, {{UserKey(3), UserKey(5), 2}});
}

// Opens `contents` and reads everything through Get and both iteration
// directions. Fails the test on a wrong answer. Returns true when some step
// reported Corruption.
bool ReadsCorrectlyOrReportsCorruption(const std::string& contents,
                                       const std::vector<ModelEntry>& model, BlockCache* cache,
                                       std::size_t offset, bool mapped = false) {
  std::unique_ptr<TableReader> reader;
  const Status open = OpenTable(contents, &reader, cache, /*verify=*/true, mapped);
  if (!open.ok()) {
    EXPECT_TRUE(open.IsCorruption()) << offset << ": " << open.ToString();
    EXPECT_NE(open.message().find("000007.sst"), std::string_view::npos) << open.ToString();
    return true;
  }
  bool detected = false;
  for (int i = 0; i < 40; ++i) {
    const std::string user = UserKey(i);
    TableReader::GetResult got;
    const Status s = reader->Get({}, LookupKey(user, kMaxSequenceNumber).internal_key(), &got);
    if (!s.ok()) {
      EXPECT_TRUE(s.IsCorruption()) << offset << ": " << s.ToString();
      detected = true;
      continue;
    }
    EXPECT_EQ(Describe(got), Describe(ModelGet(model, user, kMaxSequenceNumber)))
        << "wrong value with byte " << offset << " damaged";
  }
  auto it = reader->NewIterator(TableReadOptions());
  std::size_t i = 0;
  for (it->SeekToFirst(); it->Valid(); it->Next(), ++i) {
    if (i >= model.size() || it->key() != model[i].key || it->value() != model[i].value) {
      ADD_FAILURE() << "wrong entry " << i << " with byte " << offset << " damaged";
      return true;
    }
  }
  if (!it->status().ok()) {
    EXPECT_TRUE(it->status().IsCorruption());
    detected = true;
  } else {
    EXPECT_EQ(i, model.size()) << "silent early end with byte " << offset << " damaged";
  }
  auto back = reader->NewIterator(TableReadOptions());
  i = model.size();
  for (back->SeekToLast(); back->Valid(); back->Prev()) {
    if (i == 0 || back->key() != model[i - 1].key) {
      ADD_FAILURE() << "wrong entry backwards with byte " << offset << " damaged";
      return true;
    }
    --i;
  }
  if (!back->status().ok()) {
    detected = true;
  } else {
    EXPECT_EQ(i, 0u) << "silent early end backwards with byte " << offset << " damaged";
  }
  return detected;
}

class TableCorruptionTest : public ::testing::TestWithParam<CompressionType> {};

TEST_P(TableCorruptionTest, EveryFlippedByteIsDetectedAndNeverGivesAWrongValue) {
  if (!CompressionSupported(GetParam())) {
    GTEST_SKIP() << "codec not built in";
  }
  std::vector<ModelEntry> model;
  const std::string good = SmallTable(&model, GetParam());
  ASSERT_FALSE(ReadsCorrectlyOrReportsCorruption(good, model, nullptr, 0));
  for (std::size_t offset = 0; offset < good.size(); ++offset) {
    for (unsigned char x : {0x01, 0x80}) {
      std::string bad = good;
      bad[offset] = static_cast<char>(bad[offset] ^ x);
      // Every byte of a table is covered by a checksum or the magic.
      EXPECT_TRUE(ReadsCorrectlyOrReportsCorruption(bad, model, nullptr, offset))
          << "damage at byte " << offset << " went unnoticed";
      BlockCache cache(1 << 20);
      EXPECT_TRUE(ReadsCorrectlyOrReportsCorruption(bad, model, &cache, offset));
      EXPECT_TRUE(ReadsCorrectlyOrReportsCorruption(bad, model, nullptr, offset, /*mapped=*/true));
    }
  }
}

// A mapped table's uncompressed blocks are read in place and verified on
// their first read only; a damaged block must fail that read and every
// later one, while its healthy neighbours keep reading well.
TEST(TableCorruptionTest, DamagedMappedBlockFailsEveryReadAndSparesOthers) {
  std::vector<ModelEntry> model;
  const std::string good = SmallTable(&model, CompressionType::kNone);
  const LookupKey lookup(UserKey(20), kMaxSequenceNumber);
  const std::string_view key = lookup.internal_key();
  // The first byte whose damage the reader notices only when it reads the
  // block of key 20 (the table opens fine): a byte of that data block.
  std::string contents;
  std::unique_ptr<TableReader> reader;
  for (std::size_t offset = 0; offset < good.size() && contents.empty(); ++offset) {
    std::string bad = good;
    bad[offset] = static_cast<char>(bad[offset] ^ 0x04);
    std::unique_ptr<TableReader> probe;
    TableReader::GetResult got;
    if (OpenTable(bad, &probe, nullptr, true, /*mapped=*/true).ok() &&
        probe->Get({}, key, &got).IsCorruption()) {
      contents = bad;
    }
  }
  ASSERT_FALSE(contents.empty());
  ASSERT_TRUE(OpenTable(contents, &reader, nullptr, true, /*mapped=*/true).ok());
  int healthy = 0;
  for (int round = 0; round < 3; ++round) {
    TableReader::GetResult got;
    const Status s = reader->Get({}, key, &got);
    EXPECT_TRUE(s.IsCorruption()) << "round " << round << ": " << s.ToString();
    for (int i = 0; i < 40; ++i) {
      TableReader::GetResult other;
      if (reader->Get({}, LookupKey(UserKey(i), kMaxSequenceNumber).internal_key(), &other)
              .ok()) {
        EXPECT_EQ(Describe(other), Describe(ModelGet(model, UserKey(i), kMaxSequenceNumber)));
        ++healthy;
      }
    }
  }
  EXPECT_GT(healthy, 0);
}

TEST_P(TableCorruptionTest, UnverifiedReadsOfDamagedTableNeverCrash) {
  if (!CompressionSupported(GetParam())) {
    GTEST_SKIP() << "codec not built in";
  }
  std::vector<ModelEntry> model;
  const std::string good = SmallTable(&model, GetParam());
  TableReadOptions ro;
  ro.verify_checksums = false;
  ro.fill_cache = false;
  for (std::size_t offset = 0; offset < good.size(); ++offset) {
    std::string bad = good;
    bad[offset] = static_cast<char>(bad[offset] ^ 0x41);
    std::unique_ptr<TableReader> reader;
    if (!OpenTable(bad, &reader, nullptr, /*verify=*/false).ok()) {
      continue;
    }
    for (int i = 0; i < 40; ++i) {
      TableReader::GetResult got;
      reader->Get(ro, LookupKey(UserKey(i), kMaxSequenceNumber).internal_key(), &got)
          .IgnoreError();
    }
    auto it = reader->NewIterator(ro);
    int steps = 0;
    for (it->SeekToFirst(); it->Valid() && steps < 1000; it->Next()) {
      ++steps;
    }
    for (it->SeekToLast(); it->Valid() && steps < 2000; it->Prev()) {
      ++steps;
    }
    EXPECT_LT(steps, 2000);
  }
}

INSTANTIATE_TEST_SUITE_P(Codecs, TableCorruptionTest,
                         ::testing::Values(CompressionType::kNone, CompressionType::kZstd,
                                           CompressionType::kLz4),
                         [](const auto& info) {
                           return std::string(CompressionTypeName(info.param));
                         });

TEST(TableDamageTest, TruncatedFileIsCorruption) {
  std::vector<ModelEntry> model;
  const std::string good = SmallTable(&model, CompressionType::kNone);
  for (std::size_t len = 0; len < good.size(); ++len) {
    std::unique_ptr<TableReader> reader;
    const Status s = OpenTable(good.substr(0, len), &reader);
    EXPECT_TRUE(s.IsCorruption()) << len << ": " << s.ToString();
  }
}

TEST(TableDamageTest, BadMagicIsCorruptionNamingTheFile) {
  std::vector<ModelEntry> model;
  std::string bad = SmallTable(&model, CompressionType::kNone);
  bad[bad.size() - 3] = 'X';
  std::unique_ptr<TableReader> reader;
  const Status s = OpenTable(bad, &reader);
  EXPECT_TRUE(s.IsCorruption());
  EXPECT_NE(s.message().find("000007.sst"), std::string_view::npos);
  EXPECT_NE(s.message().find("magic"), std::string_view::npos);
}

TEST(TableDamageTest, NewerFormatVersionIsNotSupported) {
  std::vector<ModelEntry> model;
  std::string table = SmallTable(&model, CompressionType::kNone);
  char* footer = table.data() + table.size() - kFooterSize;
  footer[32] = static_cast<char>(static_cast<int>(kLatestTableFormat) + 1);
  EncodeFixed32(footer + kFooterCrcOffset, crc32c::Mask(crc32c::Value(footer, kFooterCrcOffset)));
  std::unique_ptr<TableReader> reader;
  const Status s = OpenTable(table, &reader);
  EXPECT_TRUE(s.IsNotSupported()) << s.ToString();
  EXPECT_EQ(reader, nullptr);
}

// ---------------------------------------------------------------------------
// Damage behind valid checksums: blocks the writer never produces, sealed
// as it seals blocks, so that only the reader's checks of their contents
// can find them. Each error names the file and the offset of the block.

using sstable_test::BlockEntries;
using sstable_test::BlockWithBadRestartArray;
using sstable_test::BlockWithOverlongEntry;
using sstable_test::BuildBlock;
using sstable_test::DecodeHandle;
using sstable_test::EncodeHandle;
using sstable_test::TableRewriter;

std::string AtOffset(std::string_view what, std::uint64_t offset) {
  return "Corruption: 000007.sst: " + std::string(what) + " at offset " + std::to_string(offset);
}

// The Status text of opening `contents`.
std::string OpenError(const std::string& contents) {
  std::unique_ptr<TableReader> reader;
  const Status s = OpenTable(contents, &reader);
  EXPECT_EQ(reader == nullptr, !s.ok());
  return s.ToString();
}

// The Status text of Get(user_key) at the newest sequence.
std::string GetError(const TableReader& reader, std::string_view user_key) {
  TableReader::GetResult got;
  return reader.Get({}, LookupKey(user_key, kMaxSequenceNumber).internal_key(), &got).ToString();
}

// "<first key>" or "(invalid: <status>)" after SeekToFirst (or SeekToLast).
std::string FirstEntry(const TableReader& reader, bool last = false) {
  auto it = reader.NewIterator(TableReadOptions());
  last ? it->SeekToLast() : it->SeekToFirst();
  if (it->Valid()) {
    return std::string(ExtractUserKey(it->key()));
  }
  return "(invalid: " + it->status().ToString() + ")";
}

class TableSealedDamageTest : public ::testing::Test {
 protected:
  void SetUp() override { table_ = SmallTable(&model_, CompressionType::kNone); }

  std::vector<ModelEntry> model_;
  std::string table_;
};

TEST_F(TableSealedDamageTest, RewrittenTableReadsLikeTheOriginal) {
  TableRewriter rw(table_);
  const std::string rebuilt = rw.Finish();
  EXPECT_FALSE(ReadsCorrectlyOrReportsCorruption(rebuilt, model_, nullptr, 0));
}

TEST_F(TableSealedDamageTest, MalformedIndexBlockFailsOpen) {
  TableRewriter rw(table_);
  rw.raw_index = BlockWithBadRestartArray();
  const std::string bad = rw.Finish();
  EXPECT_EQ(OpenError(bad), AtOffset("malformed index block", rw.footer().index_handle.offset));
}

TEST_F(TableSealedDamageTest, DamagedIndexEntryFailsGetAndIteration) {
  TableRewriter rw(table_);
  rw.raw_index = BlockWithOverlongEntry();
  const std::string bad = rw.Finish();
  std::unique_ptr<TableReader> reader;
  ASSERT_OK(OpenTable(bad, &reader));  // the index is parsed as it is used
  const std::string expected = AtOffset("index block", rw.footer().index_handle.offset) +
                               ": malformed block: bad entry lengths";
  EXPECT_EQ(GetError(*reader, UserKey(0)), expected);
  EXPECT_EQ(FirstEntry(*reader), "(invalid: " + expected + ")");
  EXPECT_EQ(FirstEntry(*reader, /*last=*/true), "(invalid: " + expected + ")");
}

TEST_F(TableSealedDamageTest, IndexEntryWithBadBlockHandleFailsGetAndIteration) {
  TableRewriter rw(table_);
  ASSERT_GT(rw.index.size(), 1u);
  rw.index[0].second = "\xff";  // a varint that never ends
  const std::string bad = rw.Finish();
  std::unique_ptr<TableReader> reader;
  ASSERT_OK(OpenTable(bad, &reader));
  const std::string expected =
      AtOffset("bad block handle in index block", rw.footer().index_handle.offset);
  EXPECT_EQ(GetError(*reader, UserKey(0)), expected);
  EXPECT_EQ(FirstEntry(*reader), "(invalid: " + expected + ")");
  // The other data blocks still read.
  EXPECT_EQ(FirstEntry(*reader, /*last=*/true), UserKey(39));
}

TEST_F(TableSealedDamageTest, MetaindexEntryWithBadBlockHandleFailsOpen) {
  TableRewriter rw(table_);
  rw.SetMeta(kMetaPropertiesName, "\x05");  // an offset without a size
  const std::string bad = rw.Finish();
  EXPECT_EQ(OpenError(bad),
            AtOffset("bad block handle in metaindex block", rw.footer().metaindex_handle.offset));
}

TEST_F(TableSealedDamageTest, DamagedMetaindexEntryFailsOpen) {
  TableRewriter rw(table_);
  rw.raw_metaindex = BlockWithOverlongEntry();
  const std::string bad = rw.Finish();
  EXPECT_EQ(OpenError(bad), AtOffset("metaindex block", rw.footer().metaindex_handle.offset) +
                                ": malformed block: bad entry lengths");
}

TEST_F(TableSealedDamageTest, MissingPropertiesBlockFailsOpen) {
  TableRewriter rw(table_);
  rw.RemoveMeta(kMetaPropertiesName);
  const std::string bad = rw.Finish();
  EXPECT_EQ(OpenError(bad), AtOffset("no properties block in metaindex block",
                                     rw.footer().metaindex_handle.offset));
}

TEST_F(TableSealedDamageTest, BadPropertyValueFailsOpen) {
  TableRewriter rw(table_);
  std::string version;
  PutVarint64(version, 256);  // a format version does not fit in a byte
  const BlockHandle props = rw.AppendBlock(BuildBlock({{"aeternus.format_version", version}}));
  rw.SetMeta(kMetaPropertiesName, EncodeHandle(props));
  const std::string bad = rw.Finish();
  EXPECT_EQ(OpenError(bad), AtOffset("properties block", props.offset) +
                                ": bad table property: aeternus.format_version");
}

TEST_F(TableSealedDamageTest, PropertiesKeyBoundShorterThanAnInternalKeyFailsOpen) {
  std::unique_ptr<TableReader> original;
  ASSERT_OK(OpenTable(table_, &original));
  for (const bool bad_smallest : {true, false}) {
    SCOPED_TRACE(bad_smallest ? "smallest key" : "largest key");
    TableProperties p = original->properties();
    (bad_smallest ? p.smallest_key : p.largest_key) = "key";  // no room for the trailer
    TableRewriter rw(table_);
    const BlockHandle props = rw.AppendBlock(EncodeTableProperties(p));
    rw.SetMeta(kMetaPropertiesName, EncodeHandle(props));
    EXPECT_EQ(OpenError(rw.Finish()), AtOffset("bad key range in properties block", props.offset));
  }
}

TEST_F(TableSealedDamageTest, RangeDeletionEntryOfAnotherTypeFailsOpen) {
  TableRewriter rw(table_);
  const BlockHandle range_del =
      rw.AppendBlock(BuildBlock({{IKey("a", 5, ValueType::kValue), "b"}}));
  rw.SetMeta(kMetaRangeDelName, EncodeHandle(range_del));
  EXPECT_EQ(OpenError(rw.Finish()),
            AtOffset("bad entry in range-deletion block", range_del.offset));
}

TEST_F(TableSealedDamageTest, DamagedRangeDeletionBlockFailsOpen) {
  TableRewriter rw(table_);
  // Read in internal-key order, a key shorter than its trailer is damage.
  const BlockHandle range_del = rw.AppendBlock(BuildBlock({{"ab", "c"}}));
  rw.SetMeta(kMetaRangeDelName, EncodeHandle(range_del));
  EXPECT_EQ(OpenError(rw.Finish()), AtOffset("range-deletion block", range_del.offset) +
                                        ": malformed block: internal key shorter than its trailer");
}

TEST_F(TableSealedDamageTest, MalformedDataBlockFailsItsReads) {
  TableRewriter rw(table_);
  const BlockHandle data = rw.AppendBlock(BlockWithBadRestartArray());
  rw.index[0].second = EncodeHandle(data);
  const std::string bad = rw.Finish();
  const std::string expected = AtOffset("malformed data block", data.offset);
  // A mapped table reads uncompressed blocks in place; a cached one checks
  // the block before it enters the cache.
  for (const bool mapped : {false, true}) {
    SCOPED_TRACE(mapped ? "mapped" : "read");
    BlockCache cache(1 << 20);
    std::unique_ptr<TableReader> reader;
    ASSERT_OK(OpenTable(bad, &reader, mapped ? nullptr : &cache, /*verify=*/true, mapped));
    EXPECT_EQ(GetError(*reader, UserKey(0)), expected);
    EXPECT_EQ(GetError(*reader, UserKey(0)), expected);  // not verified, not cached
    EXPECT_EQ(FirstEntry(*reader), "(invalid: " + expected + ")");
    EXPECT_EQ(FirstEntry(*reader, /*last=*/true), UserKey(39));
  }
}

TEST_F(TableSealedDamageTest, RangeTombstoneInADataBlockFailsGet) {
  TableRewriter rw(table_);
  const BlockHandle data =
      rw.AppendBlock(BuildBlock({{IKey(UserKey(0), 99, ValueType::kRangeDeletion), UserKey(1)}}));
  rw.index[0].second = EncodeHandle(data);
  std::unique_ptr<TableReader> reader;
  ASSERT_OK(OpenTable(rw.Finish(), &reader));
  EXPECT_EQ(GetError(*reader, UserKey(0)), AtOffset("range tombstone in data block", data.offset));
}

}  // namespace
}  // namespace aeternus
