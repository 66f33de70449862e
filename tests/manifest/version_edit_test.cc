#include "manifest/version_edit.h"

#include <gtest/gtest.h>

#include "manifest/file_names.h"
#include "manifest/version_set.h"
#include "util/coding.h"

namespace aeternus {
namespace {

FileMetaData File(std::uint64_t number, std::string_view lo, std::string_view hi,
                  SequenceNumber seq) {
  FileMetaData f;
  f.number = number;
  f.file_size = 1000 + number;
  AppendInternalKey(f.smallest, lo, seq, ValueType::kValue);
  AppendInternalKey(f.largest, hi, seq, ValueType::kValue);
  f.smallest_seq = seq;
  f.largest_seq = seq + 10;
  f.num_entries = 5;
  f.num_deletions = 1;
  f.num_range_deletions = 2;
  return f;
}

TEST(VersionEditTest, RoundTripsEveryField) {
  VersionEdit edit;
  edit.log_number = 7;
  edit.next_file_number = 12;
  edit.last_sequence = 999;
  edit.DeleteFile(0, 3);
  edit.AddFile(0, File(9, "a", "z", 50));
  edit.AddFile(2, File(10, std::string("\0\xff", 2), "zz", 60));
  std::string encoded;
  edit.EncodeTo(&encoded);
  VersionEdit decoded;
  ASSERT_TRUE(decoded.DecodeFrom(encoded).ok());
  EXPECT_EQ(decoded.log_number, 7u);
  EXPECT_EQ(decoded.next_file_number, 12u);
  EXPECT_EQ(decoded.last_sequence, 999u);
  ASSERT_EQ(decoded.deleted_files.size(), 1u);
  ASSERT_EQ(decoded.new_files.size(), 2u);
  EXPECT_EQ(decoded.new_files[1].first, 2);
  const FileMetaData& f = decoded.new_files[1].second;
  EXPECT_EQ(f.number, 10u);
  EXPECT_EQ(f.smallest_user_key(), std::string("\0\xff", 2));
  EXPECT_EQ(f.largest_seq, 70u);
  EXPECT_EQ(f.num_range_deletions, 2u);
}

TEST(VersionEditTest, EveryTruncationIsCorruptionNotACrash) {
  VersionEdit edit;
  edit.log_number = 7;
  edit.AddFile(0, File(9, "apple", "zebra", 50));
  std::string encoded;
  edit.EncodeTo(&encoded);
  for (std::size_t n = 1; n < encoded.size(); ++n) {
    VersionEdit decoded;
    Status s = decoded.DecodeFrom(std::string_view(encoded.data(), n));
    // A prefix that ends exactly between fields is a valid, shorter edit.
    if (!s.ok()) {
      EXPECT_TRUE(s.IsCorruption()) << s.ToString();
    }
  }
  VersionEdit decoded;
  EXPECT_TRUE(decoded.DecodeFrom("\x63\x01").IsCorruption());  // unknown tag 99
}

// The decoder's verdict on `encoded`: "OK" or the Status text.
std::string Decode(std::string_view encoded) {
  VersionEdit decoded;
  return decoded.DecodeFrom(encoded).ToString();
}

std::string Field(std::uint32_t tag, std::string_view body = {}) {
  std::string s;
  PutVarint32(s, tag);
  s.append(body);
  return s;
}

std::string Varint64(std::uint64_t v) {
  std::string s;
  PutVarint64(s, v);
  return s;
}

TEST(VersionEditTest, TruncatedTagIsCorruption) {
  EXPECT_EQ(Decode(Field(1, Varint64(7)) + "\x80"), "Corruption: version edit: bad tag");
}

TEST(VersionEditTest, TagWiderThan32BitsIsCorruption) {
  EXPECT_EQ(Decode("\xff\xff\xff\xff\x7f"), "Corruption: version edit: bad tag");
}

TEST(VersionEditTest, MissingNextFileNumberIsCorruption) {
  EXPECT_EQ(Decode(Field(2)), "Corruption: version edit: bad next file number");
}

TEST(VersionEditTest, LastSequenceAboveTheMaximumIsCorruption) {
  EXPECT_EQ(Decode(Field(3, Varint64(kMaxSequenceNumber))), "OK");
  EXPECT_EQ(Decode(Field(3, Varint64(kMaxSequenceNumber + 1))),
            "Corruption: version edit: bad last sequence");
}

TEST(VersionEditTest, DeletedFileAtAnImplausibleLevelIsCorruption) {
  std::string body;
  PutVarint32(body, 64);  // levels in a manifest stay below 64
  PutVarint64(body, 9);
  EXPECT_EQ(Decode(Field(4, body)), "Corruption: version edit: bad deleted file");
}

TEST(VersionEditTest, DeletedFileWithoutItsNumberIsCorruption) {
  std::string body;
  PutVarint32(body, 1);
  EXPECT_EQ(Decode(Field(4, body)), "Corruption: version edit: bad deleted file");
}

TEST(VersionEditTest, NewFileBoundShorterThanAnInternalKeyIsCorruption) {
  for (const bool bad_smallest : {true, false}) {
    FileMetaData f = File(9, "a", "z", 50);
    (bad_smallest ? f.smallest : f.largest) = "abc";  // no room for the 8-byte trailer
    VersionEdit edit;
    edit.AddFile(1, f);
    std::string encoded;
    edit.EncodeTo(&encoded);
    EXPECT_EQ(Decode(encoded), "Corruption: version edit: bad key range of new file")
        << (bad_smallest ? "smallest" : "largest");
  }
}

TEST(VersionEditTest, NewFileWithEmptyBoundsDecodes) {
  FileMetaData f;
  f.number = 9;
  VersionEdit edit;
  edit.AddFile(1, f);
  std::string encoded;
  edit.EncodeTo(&encoded);
  EXPECT_EQ(Decode(encoded), "OK");
}

TEST(VersionEditTest, ClosedWalWithoutItsSizeIsCorruption) {
  EXPECT_EQ(Decode(Field(6, Varint64(12))), "Corruption: version edit: bad closed WAL");
  EXPECT_EQ(Decode(Field(6, Varint64(12) + Varint64(4096))), "OK");
}

TEST(VersionEditTest, ApplyKeepsLevelZeroNewestFirst) {
  Version base;
  VersionEdit e1;
  e1.AddFile(0, File(1, "a", "c", 10));
  e1.AddFile(0, File(2, "b", "d", 30));
  e1.AddFile(0, File(3, "a", "b", 20));
  auto v = ApplyEdit(base, e1);
  ASSERT_EQ(v->levels[0].size(), 3u);
  EXPECT_EQ(v->levels[0][0]->number, 2u);
  EXPECT_EQ(v->levels[0][1]->number, 3u);
  EXPECT_EQ(v->levels[0][2]->number, 1u);
  VersionEdit e2;
  e2.DeleteFile(0, 3);
  auto v2 = ApplyEdit(*v, e2);
  EXPECT_EQ(v2->NumFiles(), 2u);
  EXPECT_EQ(v->NumFiles(), 3u);  // the base is untouched
}

TEST(FileNamesTest, ParsesWhatItMakes) {
  std::uint64_t n = 0;
  EXPECT_EQ(ParseFileName("000123.sst", &n), FileType::kTable);
  EXPECT_EQ(n, 123u);
  EXPECT_EQ(ParseFileName("1234567.log", &n), FileType::kWal);
  EXPECT_EQ(n, 1234567u);
  EXPECT_EQ(ParseFileName(ManifestName(5), &n), FileType::kManifest);
  EXPECT_EQ(n, 5u);
  EXPECT_EQ(ParseFileName("CURRENT", &n), FileType::kCurrent);
  EXPECT_EQ(ParseFileName("LOCK", &n), FileType::kLock);
  EXPECT_EQ(ParseFileName("000009.sst.tmp", &n), FileType::kTemp);
  EXPECT_EQ(ParseFileName("x.sst", &n), FileType::kUnknown);
  EXPECT_EQ(ParseFileName("MANIFEST-", &n), FileType::kUnknown);
}

}  // namespace
}  // namespace aeternus
