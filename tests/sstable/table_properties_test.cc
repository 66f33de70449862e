#include "sstable/table_properties.h"

#include <gtest/gtest.h>

#include "sstable/block.h"
#include "sstable/block_builder.h"
#include "sstable_test_util.h"
#include "util/coding.h"

namespace aeternus {
namespace {

TEST(TablePropertiesTest, RoundTripsEveryField) {
  TableProperties p;
  p.num_entries = 1;
  p.num_deletions = 2;
  p.num_range_deletions = 3;
  p.raw_key_bytes = 4;
  p.raw_value_bytes = 5;
  p.data_bytes = 6;
  p.index_bytes = 7;
  p.filter_bytes = 8;
  p.smallest_seq = 9;
  p.largest_seq = kMaxSequenceNumber;
  p.smallest_key = sstable_test::IKey(std::string("\0a", 2), 9);
  p.largest_key = sstable_test::IKey("\xff", 10, ValueType::kRangeDeletion);
  p.format_version = 1;
  const Block block(BlockContents::Copy(EncodeTableProperties(p)));
  TableProperties got;
  ASSERT_TRUE(DecodeTableProperties(block, &got).ok());
  EXPECT_EQ(got.num_entries, 1u);
  EXPECT_EQ(got.num_deletions, 2u);
  EXPECT_EQ(got.num_range_deletions, 3u);
  EXPECT_EQ(got.raw_key_bytes, 4u);
  EXPECT_EQ(got.raw_value_bytes, 5u);
  EXPECT_EQ(got.data_bytes, 6u);
  EXPECT_EQ(got.index_bytes, 7u);
  EXPECT_EQ(got.filter_bytes, 8u);
  EXPECT_EQ(got.smallest_seq, 9u);
  EXPECT_EQ(got.largest_seq, kMaxSequenceNumber);
  EXPECT_EQ(got.smallest_key, p.smallest_key);
  EXPECT_EQ(got.largest_key, p.largest_key);
  EXPECT_EQ(got.format_version, 1);
}

TEST(TablePropertiesTest, UnknownNamesAreIgnoredAndMissingOnesDefault) {
  BlockBuilder builder(1);
  std::string v;
  PutVarint64(v, 42);
  builder.Add("aeternus.num_entries", v);
  builder.Add("zz.from_a_newer_writer", "anything");
  const Block block(BlockContents::Copy(builder.Finish()));
  TableProperties got;
  ASSERT_TRUE(DecodeTableProperties(block, &got).ok());
  EXPECT_EQ(got.num_entries, 42u);
  EXPECT_EQ(got.num_deletions, 0u);
  EXPECT_TRUE(got.smallest_key.empty());
}

TEST(TablePropertiesTest, MalformedNumberIsCorruption) {
  BlockBuilder builder(1);
  builder.Add("aeternus.num_entries", "\xff");
  const Block block(BlockContents::Copy(builder.Finish()));
  TableProperties got;
  EXPECT_TRUE(DecodeTableProperties(block, &got).IsCorruption());
}

// The Status text of decoding a properties block whose format version
// property holds `value`.
std::string DecodeFormatVersion(std::string_view value) {
  BlockBuilder builder(1);
  builder.Add("aeternus.format_version", value);
  const Block block(BlockContents::Copy(builder.Finish()));
  TableProperties got;
  return DecodeTableProperties(block, &got).ToString();
}

TEST(TablePropertiesTest, FormatVersionThatIsNotOneByteIsCorruption) {
  std::string v;
  PutVarint64(v, 255);
  EXPECT_EQ(DecodeFormatVersion(v), "OK");
  v.clear();
  PutVarint64(v, 256);
  EXPECT_EQ(DecodeFormatVersion(v), "Corruption: bad table property: aeternus.format_version");
  v.clear();
  PutVarint64(v, 1);
  v.push_back('x');  // trailing bytes after the number
  EXPECT_EQ(DecodeFormatVersion(v), "Corruption: bad table property: aeternus.format_version");
  EXPECT_EQ(DecodeFormatVersion("\x80"), "Corruption: bad table property: aeternus.format_version");
}

}  // namespace
}  // namespace aeternus
