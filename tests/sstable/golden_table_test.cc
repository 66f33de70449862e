// Tables written by each format version stay readable: the golden files in
// tests/sstable/testdata/ were written by earlier builds and are never
// rewritten. To add the file of a new version, set
// AETERNUS_WRITE_GOLDEN=1 once and commit the new file with the format change.

#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>

#include "sstable/table_builder.h"
#include "sstable/table_reader.h"
#include "sstable_test_util.h"

namespace aeternus {
namespace {

using sstable_test::IKey;
using sstable_test::StringSink;
using sstable_test::StringSource;

std::string TestDataPath(const std::string& name) {
  std::string dir = __FILE__;
  dir.resize(dir.rfind('/') + 1);
  return dir + "testdata/" + name;
}

// The contents of table_v1.sst: fixed input, no compression (codec output
// may differ between library versions).
std::string BuildV1Table() {
  StringSink sink;
  TableBuilderOptions options;
  options.block_size = 64;
  options.block_restart_interval = 2;
  TableBuilder builder(options, &sink);
  builder.AddRangeTombstone("m", "p", 3);
  builder.Add(IKey("apple", 9), "red");
  builder.Add(IKey("apple", 4), "green");
  builder.Add(IKey(std::string("b\0z", 3), 2), std::string("\0\xff", 2));
  builder.Add(IKey("banana", 7, ValueType::kDeletion), "");
  builder.Add(IKey("cherry", 5), std::string(100, 'c'));
  builder.Add(IKey("zebra", 1), "stripes");
  EXPECT_TRUE(builder.Finish().ok());
  return sink.contents();
}

TEST(GoldenTableTest, Version1TableReadsBack) {
  const std::string path = TestDataPath("table_v1.sst");
  if (std::getenv("AETERNUS_WRITE_GOLDEN") != nullptr) {
    std::ofstream(path, std::ios::binary) << BuildV1Table();
  }
  std::ifstream in(path, std::ios::binary);
  ASSERT_TRUE(in.good()) << "missing " << path;
  std::stringstream buf;
  buf << in.rdbuf();
  const std::string golden = buf.str();

  TableReaderOptions options;
  options.file_name = "table_v1.sst";
  std::unique_ptr<TableReader> reader;
  ASSERT_TRUE(TableReader::Open(options, std::make_unique<StringSource>(golden), golden.size(),
                                &reader)
                  .ok());
  EXPECT_EQ(reader->properties().format_version, 1);
  EXPECT_EQ(reader->properties().num_entries, 6u);
  EXPECT_EQ(reader->properties().num_deletions, 1u);
  EXPECT_EQ(reader->properties().num_range_deletions, 1u);
  EXPECT_EQ(reader->properties().smallest_key, IKey("apple", 9));
  EXPECT_EQ(reader->properties().largest_key, IKey("zebra", 1));
  EXPECT_EQ(reader->range_tombstones().MaxCoveringSequence("n", 10), 3u);

  TableReader::GetResult r;
  ASSERT_TRUE(reader->Get({}, LookupKey("apple", 5).internal_key(), &r).ok());
  EXPECT_EQ(r.kind, TableReader::GetResult::Kind::kValue);
  EXPECT_EQ(r.value, "green");
  ASSERT_TRUE(reader->Get({}, LookupKey("banana", 100).internal_key(), &r).ok());
  EXPECT_EQ(r.kind, TableReader::GetResult::Kind::kDeletion);
  ASSERT_TRUE(reader->Get({}, LookupKey(std::string("b\0z", 3), 100).internal_key(), &r).ok());
  EXPECT_EQ(r.value, std::string("\0\xff", 2));
  ASSERT_TRUE(reader->Get({}, LookupKey("cherry", 100).internal_key(), &r).ok());
  EXPECT_EQ(r.value, std::string(100, 'c'));

  auto it = reader->NewIterator({});
  int n = 0;
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    ++n;
  }
  EXPECT_EQ(n, 6);
  EXPECT_TRUE(it->status().ok());
}

TEST(GoldenTableTest, WriterOutputIsStableForVersion1) {
  std::ifstream in(TestDataPath("table_v1.sst"), std::ios::binary);
  ASSERT_TRUE(in.good());
  std::stringstream buf;
  buf << in.rdbuf();
  // A difference means the on-disk format changed: bump TableFormat, update
  // docs/format/sstable.md and add a golden file for the new version.
  EXPECT_EQ(BuildV1Table(), buf.str());
}

}  // namespace
}  // namespace aeternus
