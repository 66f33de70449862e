#include "sstable/format.h"

#include <gtest/gtest.h>

#include <random>
#include <string>

#include "sstable_test_util.h"
#include "util/coding.h"
#include "util/compression.h"
#include "util/crc32c.h"

namespace aeternus {
namespace {

using sstable_test::StringSource;

TEST(BlockHandleTest, RoundTripsThroughVarints) {
  const BlockHandle handles[] = {{0, 0}, {1, 127}, {128, 300}, {1ull << 40, ~0ull}};
  for (const BlockHandle& h : handles) {
    std::string buf;
    h.EncodeTo(buf);
    EXPECT_LE(buf.size(), BlockHandle::kMaxEncodedLength);
    std::string_view in(buf);
    BlockHandle got;
    ASSERT_TRUE(got.DecodeFrom(in));
    EXPECT_TRUE(in.empty());
    EXPECT_EQ(got.offset, h.offset);
    EXPECT_EQ(got.size, h.size);
  }
}

TEST(BlockHandleTest, TruncatedHandleIsRejected) {
  std::string buf;
  BlockHandle{1ull << 40, 1ull << 41}.EncodeTo(buf);
  for (std::size_t len = 0; len < buf.size(); ++len) {
    std::string_view in(buf.data(), len);
    BlockHandle got;
    EXPECT_FALSE(got.DecodeFrom(in)) << len;
  }
}

TEST(FooterTest, RoundTripsAndEndsWithMagic) {
  Footer f;
  f.metaindex_handle = {100, 20};
  f.index_handle = {125, 4000};
  std::string buf;
  f.EncodeTo(buf);
  ASSERT_EQ(buf.size(), kFooterSize);
  EXPECT_EQ(buf.substr(kFooterSize - 8), "aeternus");
  Footer got;
  ASSERT_TRUE(Footer::DecodeFrom(buf, "t.sst", &got).ok());
  EXPECT_EQ(got.metaindex_handle.offset, 100u);
  EXPECT_EQ(got.metaindex_handle.size, 20u);
  EXPECT_EQ(got.index_handle.offset, 125u);
  EXPECT_EQ(got.index_handle.size, 4000u);
  EXPECT_EQ(got.format_version, 1);
}

TEST(FooterTest, BadMagicIsCorruptionNamingFile) {
  std::string buf;
  Footer().EncodeTo(buf);
  buf.back() ^= 1;
  Footer got;
  const Status s = Footer::DecodeFrom(buf, "000042.sst", &got);
  EXPECT_TRUE(s.IsCorruption());
  EXPECT_NE(s.message().find("000042.sst"), std::string_view::npos);
}

TEST(FooterTest, EveryFlippedByteIsCorruption) {
  std::string good;
  Footer{{1, 2}, {3, 4}}.EncodeTo(good);
  for (std::size_t i = 0; i < good.size(); ++i) {
    std::string bad = good;
    bad[i] ^= 0x10;
    Footer got;
    EXPECT_TRUE(Footer::DecodeFrom(bad, "t.sst", &got).IsCorruption()) << i;
  }
}

TEST(FooterTest, NewerFormatVersionIsNotSupported) {
  std::string buf;
  Footer().EncodeTo(buf);
  buf[32] = 2;
  EncodeFixed32(buf.data() + kFooterCrcOffset,
                crc32c::Mask(crc32c::Value(buf.data(), kFooterCrcOffset)));
  Footer got;
  EXPECT_TRUE(Footer::DecodeFrom(buf, "t.sst", &got).IsNotSupported());
}

TEST(FooterTest, FormatVersionZeroIsCorruption) {
  std::string buf;
  Footer().EncodeTo(buf);
  buf[32] = 0;
  EncodeFixed32(buf.data() + kFooterCrcOffset,
                crc32c::Mask(crc32c::Value(buf.data(), kFooterCrcOffset)));
  Footer got;
  EXPECT_EQ(Footer::DecodeFrom(buf, "000042.sst", &got).ToString(),
            "Corruption: 000042.sst: table format version 0 is invalid");
}

// A file holding one block stored as `type` with the payload `payload`
// (under a valid checksum), followed by a dummy footer-sized tail.
std::string FileWithStoredBlock(std::string_view payload, CompressionType type, BlockHandle* h) {
  std::string file(payload);
  char trailer[kBlockTrailerSize];
  EncodeBlockTrailer(payload, type, trailer);
  file.append(trailer, kBlockTrailerSize);
  *h = {0, payload.size()};
  file.append(kFooterSize, '\0');
  return file;
}

// A file holding one block followed by a dummy footer-sized tail.
std::string FileWithBlock(std::string_view contents, CompressionType type, BlockHandle* h) {
  std::string scratch;
  CompressionType stored;
  const std::string_view payload = CompressBlock(contents, type, &scratch, &stored);
  EXPECT_EQ(stored, type);
  return FileWithStoredBlock(payload, stored, h);
}

TEST(ReadBlockTest, CompressedBlocksRoundTrip) {
  const std::string contents(10000, 'a');
  for (CompressionType type : {CompressionType::kNone, CompressionType::kZstd,
                               CompressionType::kLz4}) {
    if (!CompressionSupported(type)) {
      continue;
    }
    BlockHandle h;
    const std::string file = FileWithBlock(contents, type, &h);
    if (type != CompressionType::kNone) {
      EXPECT_LT(h.size, contents.size() / 2);
    }
    StringSource src(file);
    BlockContents out;
    ASSERT_TRUE(ReadBlock(src, file.size(), "t.sst", h, true, &out).ok());
    EXPECT_EQ(out.data, contents);
  }
}

TEST(ReadBlockTest, IncompressibleBlockIsStoredPlain) {
  std::mt19937 rng(7);
  std::string contents;
  for (int i = 0; i < 1000; ++i) {
    contents.push_back(static_cast<char>(rng()));
  }
  std::string scratch;
  CompressionType stored;
  const std::string_view payload =
      CompressBlock(contents, CompressionType::kLz4, &scratch, &stored);
  EXPECT_EQ(stored, CompressionType::kNone);
  EXPECT_EQ(payload, contents);
}

TEST(ReadBlockTest, HandleOutsideFileIsCorruptionWithOffset) {
  BlockHandle h;
  const std::string file = FileWithBlock("hello", CompressionType::kNone, &h);
  StringSource src(file);
  BlockContents out;
  const BlockHandle bad[] = {{0, 1000}, {5000, 1}, {~0ull, 2}, {1, ~0ull}, {0, file.size()}};
  for (const BlockHandle& b : bad) {
    const Status s = ReadBlock(src, file.size(), "t.sst", b, true, &out);
    EXPECT_TRUE(s.IsCorruption()) << b.offset << " " << b.size;
    EXPECT_NE(s.message().find("t.sst"), std::string_view::npos);
    EXPECT_NE(s.message().find("offset"), std::string_view::npos);
  }
}

TEST(ReadBlockTest, FlippedBitIsChecksumMismatch) {
  if (!CompressionSupported(CompressionType::kZstd)) {
    GTEST_SKIP() << "built without zstd";
  }
  BlockHandle h;
  const std::string good = FileWithBlock(std::string(300, 'z'), CompressionType::kZstd, &h);
  for (std::size_t i = 0; i < h.size + kBlockTrailerSize; ++i) {
    std::string bad = good;
    bad[i] ^= 0x04;
    StringSource src(bad);
    BlockContents out;
    EXPECT_TRUE(ReadBlock(src, bad.size(), "t.sst", h, true, &out).IsCorruption()) << i;
  }
}

// A file that is shorter than the size its reader was given, as when it
// was cut after its size was taken: the read of a block in the missing part
// comes back short.
TEST(ReadBlockTest, ShortReadIsCorruptionWithOffset) {
  BlockHandle h;
  const std::string file = FileWithBlock("hello", CompressionType::kNone, &h);
  StringSource src(file);
  BlockContents out;
  const BlockHandle missing{file.size() - 3, 10};
  EXPECT_EQ(ReadBlock(src, file.size() + 100, "t.sst", missing, true, &out).ToString(),
            "Corruption: t.sst: truncated block read at offset " + std::to_string(missing.offset));
}


TEST(ReadBlockTest, CompressedBlockWithBadSizeHeaderIsCorruption) {
  for (CompressionType type : {CompressionType::kZstd, CompressionType::kLz4}) {
    if (!CompressionSupported(type)) {
      continue;
    }
    SCOPED_TRACE(CompressionTypeName(type));
    BlockHandle h;
    // The uncompressed size is a varint32 that never ends.
    const std::string file = FileWithStoredBlock("\xff\xff\xff\xff\xff\xff", type, &h);
    StringSource src(file);
    BlockContents out;
    EXPECT_EQ(ReadBlock(src, file.size(), "t.sst", h, true, &out).ToString(),
              "Corruption: t.sst: bad compressed block header at offset 0");
  }
}

TEST(ReadBlockTest, CompressedBlockWithImplausibleSizeIsCorruption) {
  for (CompressionType type : {CompressionType::kZstd, CompressionType::kLz4}) {
    if (!CompressionSupported(type)) {
      continue;
    }
    SCOPED_TRACE(CompressionTypeName(type));
    // 1 GiB claimed for 4 bytes of codec data: no valid payload expands so
    // much, and the reader must not allocate for it.
    std::string payload;
    PutVarint32(payload, 1u << 30);
    payload.append("abcd");
    BlockHandle h;
    const std::string file = FileWithStoredBlock(payload, type, &h);
    StringSource src(file);
    BlockContents out;
    EXPECT_EQ(ReadBlock(src, file.size(), "t.sst", h, true, &out).ToString(),
              "Corruption: t.sst: implausible uncompressed block size at offset 0");
  }
}

}  // namespace
}  // namespace aeternus
