// WalWriter and WalReader together: round trips, the byte layout, and one
// test per damage case of the recovery rules in wal_reader.h.

#include <algorithm>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "env/fault_injection_file_system.h"
#include "env/mem_file_system.h"
#include "util/coding.h"
#include "util/crc32c.h"
#include "wal/wal_format.h"
#include "wal/wal_reader.h"
#include "wal/wal_writer.h"
#include "testutil/status_assertions.h"

namespace aeternus {
namespace {

constexpr std::uint64_t kFileNumber = 7;
const std::string kPath = "/db/000007.log";

std::string Pattern(std::size_t n, char seed) {
  std::string s(n, '\0');
  for (std::size_t i = 0; i < n; ++i) {
    s[i] = static_cast<char>(seed + i * 7 + (i >> 8));
  }
  return s;
}

std::string RandomBytes(std::mt19937& rng, std::size_t n) {
  std::string s(n, '\0');
  for (auto& c : s) {
    c = static_cast<char>(rng());
  }
  return s;
}

std::string Fixed64(std::uint64_t v) {
  std::string s;
  PutFixed64(s, v);
  return s;
}

// One physical record, encoded by hand as docs/format/wal.md describes.
std::string PhysicalRecord(LogRecordType type, std::string_view data) {
  std::string r(kLogRecordHeaderSize, '\0');
  r[4] = static_cast<char>(data.size() & 0xff);
  r[5] = static_cast<char>(data.size() >> 8);
  r[6] = static_cast<char>(type);
  r.append(data);
  EncodeFixed32(r.data(), crc32c::Mask(crc32c::Value(r.data() + 6, 1 + data.size())));
  return r;
}

std::string HeaderData(LogFileKind kind, std::uint8_t version, std::uint64_t number) {
  std::string d(kLogMagic);
  d.push_back(static_cast<char>(kind));
  d.push_back(static_cast<char>(version));
  d.append(Fixed64(number));
  return d;
}

// Serves a string as a file, in reads of at most max_read bytes.
class StringSource final : public SequentialFile {
 public:
  StringSource(std::string_view data, std::size_t max_read) : data_(data), max_read_(max_read) {}
  Status Read(std::size_t n, char* scratch, std::string_view* result) override {
    n = std::min({n, max_read_, data_.size() - pos_});
    std::memcpy(scratch, data_.data() + pos_, n);
    pos_ += n;
    *result = std::string_view(scratch, n);
    return Status::OK();
  }

 private:
  std::string_view data_;
  std::size_t max_read_;
  std::size_t pos_ = 0;
};

struct ReadResult {
  std::vector<std::string> records;
  Status status;
  std::uint64_t dropped = 0;
  std::uint64_t last_end = 0;
  bool clean = false;
};

ReadResult ReadLog(std::string_view contents, LogFileKind kind = LogFileKind::kWal,
                   std::uint64_t number = kFileNumber, std::size_t max_read = SIZE_MAX) {
  WalReader reader(std::make_unique<StringSource>(contents, max_read), kPath, kind, number);
  ReadResult r;
  std::string payload;
  while (reader.ReadRecord(&payload)) {
    r.records.push_back(payload);
  }
  EXPECT_FALSE(reader.ReadRecord(&payload)) << "the end must be sticky";
  r.status = reader.status();
  r.dropped = reader.dropped_bytes();
  r.last_end = reader.last_record_end();
  r.clean = reader.clean_close();
  if (r.status.ok()) {
    EXPECT_EQ(r.last_end + r.dropped, contents.size());
  }
  return r;
}

// The offset where a record written at `size` starts, after any trailer.
std::uint64_t StartAfter(std::uint64_t size) {
  const std::uint64_t left = kLogBlockSize - size % kLogBlockSize;
  return left < kLogRecordHeaderSize ? size + left : size;
}

// Writes a log through WalWriter into a MemFileSystem and remembers where
// each record lies.
class LogBuilder {
 public:
  explicit LogBuilder(LogFileKind kind = LogFileKind::kWal, std::uint64_t number = kFileNumber) {
    std::unique_ptr<WritableFile> file;
    EXPECT_OK(fs_.NewWritableFile(kPath, &file));
    EXPECT_OK(WalWriter::Create(std::move(file), kind, number, &writer_));
  }

  LogBuilder& Add(std::string payload) {
    starts.push_back(StartAfter(writer_->file_size()));
    EXPECT_OK(writer_->AddRecord(payload));
    ends.push_back(writer_->file_size());
    payloads.push_back(std::move(payload));
    return *this;
  }
  LogBuilder& Sync() {
    EXPECT_OK(writer_->Sync());
    return *this;
  }
  LogBuilder& Close() {
    EXPECT_OK(writer_->Close());
    return *this;
  }
  std::string Contents() {
    std::string data;
    EXPECT_OK(ReadFileToString(&fs_, kPath, &data));
    return data;
  }
  WalWriter& writer() { return *writer_; }

  std::vector<std::string> payloads;
  std::vector<std::uint64_t> starts;  // record i occupies [starts[i], ends[i])
  std::vector<std::uint64_t> ends;

 private:
  MemFileSystem fs_;
  std::unique_ptr<WalWriter> writer_;
};

std::vector<std::string> Prefix(const std::vector<std::string>& v, std::size_t n) {
  return {v.begin(), v.begin() + static_cast<std::ptrdiff_t>(n)};
}

void ExpectCorruptionAt(const ReadResult& r, std::uint64_t offset) {
  EXPECT_TRUE(r.status.IsCorruption()) << r.status.ToString();
  const std::string message = r.status.ToString();
  EXPECT_NE(message.find(kPath), std::string::npos) << message;
  EXPECT_NE(message.find("offset " + std::to_string(offset) + ":"), std::string::npos) << message;
}

TEST(WalTest, EmptyFileIsEmptyLog) {
  ReadResult r = ReadLog("");
  EXPECT_OK(r.status);
  EXPECT_TRUE(r.records.empty());
  EXPECT_EQ(r.dropped, 0u);
  EXPECT_FALSE(r.clean);
}

TEST(WalTest, HeaderOnlyLog) {
  LogBuilder b;
  std::string contents = b.Contents();
  EXPECT_EQ(contents.size(), kLogFirstEntryOffset);
  ReadResult r = ReadLog(contents);
  EXPECT_OK(r.status);
  EXPECT_TRUE(r.records.empty());
  EXPECT_EQ(r.last_end, kLogFirstEntryOffset);
  EXPECT_EQ(r.dropped, 0u);
}

TEST(WalTest, EmptyPayloadsRoundTrip) {
  LogBuilder b;
  b.Add("").Add("").Add("x").Add("");
  ReadResult r = ReadLog(b.Contents());
  EXPECT_OK(r.status);
  EXPECT_EQ(r.records, b.payloads);
}

TEST(WalTest, SmallRecordsRoundTrip) {
  LogBuilder b;
  b.Add("foo").Add("bar").Sync().Add("baz").Add(std::string(1000, 'x'));
  ReadResult r = ReadLog(b.Contents());
  EXPECT_OK(r.status);
  EXPECT_EQ(r.records, b.payloads);
  EXPECT_EQ(r.last_end, b.ends.back());
  EXPECT_EQ(r.dropped, 0u);
}

TEST(WalTest, BytesMatchTheDocumentedLayout) {
  LogBuilder b(LogFileKind::kWal, 0x0102030405060708ull);
  b.Add("abc").Sync().Add("de");
  const std::string contents = b.Contents();
  // Header record: length 18 (little-endian), type kFull, then the data.
  EXPECT_EQ(contents.substr(4, 3), std::string("\x12\x00\x01", 3));
  EXPECT_EQ(contents.substr(7, 8), "AeterLog");
  EXPECT_EQ(contents.substr(15, 2), std::string("\x01\x02", 2));  // kind WAL, version 2
  EXPECT_EQ(contents.substr(17, 8), std::string("\x08\x07\x06\x05\x04\x03\x02\x01", 8));
  const std::string expected =
      PhysicalRecord(LogRecordType::kFull,
                     HeaderData(LogFileKind::kWal, 2, 0x0102030405060708ull)) +
      PhysicalRecord(LogRecordType::kFull, Fixed64(0) + "abc") +
      PhysicalRecord(LogRecordType::kFull, Fixed64(25 + 7 + 11) + "de");
  EXPECT_EQ(contents, expected);
}

std::string FromHex(std::string_view hex) {
  std::string out;
  for (std::size_t i = 0; i + 1 < hex.size(); i += 2) {
    out.push_back(static_cast<char>(std::stoi(std::string(hex.substr(i, 2)), nullptr, 16)));
  }
  return out;
}

// A version 1 log (WAL number 5: "abc", Sync, an empty payload, Close),
// computed independently from docs/format/wal.md. Never change it: a build
// must keep reading every released version.
const std::string kGoldenV1Log = FromHex(
    "c7d24ac612000141657465724c6f67010105000000000000005583c39d0b0001"
    "000000000000000061626320a206540800012b00000000000000f0b91d310000"
    "05");

TEST(WalTest, GoldenVersion1Log) {
  ReadResult r = ReadLog(kGoldenV1Log, LogFileKind::kWal, 5);
  EXPECT_OK(r.status);
  EXPECT_EQ(r.records, (std::vector<std::string>{"abc", ""}));
  EXPECT_TRUE(r.clean);
}

// Version 2 changed no framing: the same log is the version 1 bytes with
// the header record saying version 2.
TEST(WalTest, WriterWritesVersion2WithVersion1Framing) {
  LogBuilder b(LogFileKind::kWal, 5);
  b.Add("abc").Sync().Add("").Close();
  const std::size_t header_record = kLogRecordHeaderSize + kLogFileHeaderSize;
  EXPECT_EQ(b.Contents(),
            PhysicalRecord(LogRecordType::kFull, HeaderData(LogFileKind::kWal, 2, 5)) +
                kGoldenV1Log.substr(header_record));
}

TEST(WalTest, CloseRecordLayout) {
  LogBuilder b;
  b.Add("abc").Close();
  const std::string contents = b.Contents();
  EXPECT_EQ(contents.substr(contents.size() - kLogRecordHeaderSize),
            PhysicalRecord(LogRecordType::kClose, ""));
}

TEST(WalTest, RecordsAroundBlockBoundariesRoundTrip) {
  // The first entry's physical record fills block 0 exactly at this size.
  const std::size_t fill =
      kLogBlockSize - kLogFirstEntryOffset - kLogRecordHeaderSize - kLogSyncedThroughSize;
  for (std::size_t size = fill - 20; size <= fill + 20; ++size) {
    LogBuilder b;
    b.Add(Pattern(size, 'a')).Add("next").Add(Pattern(kLogBlockSize - 15, 'b')).Add("last");
    ReadResult r = ReadLog(b.Contents());
    ASSERT_OK(r.status) << "size " << size;
    ASSERT_EQ(r.records, b.payloads) << "size " << size;
  }
  LogBuilder b;
  b.Add(Pattern(fill, 'a'));
  EXPECT_EQ(b.writer().file_size(), kLogBlockSize);
}

TEST(WalTest, MultiBlockRecordsRoundTrip) {
  LogBuilder b;
  b.Add("small")
      .Add(Pattern(100000, 'm'))
      .Add(Pattern(3 * kLogMaxFragmentSize, 'n'))
      .Sync()
      .Add(Pattern(1 << 20, 'o'))
      .Add("tail");
  ReadResult r = ReadLog(b.Contents());
  EXPECT_OK(r.status);
  EXPECT_EQ(r.records, b.payloads);
  // Short reads from the file change nothing.
  ReadResult chunked = ReadLog(b.Contents(), LogFileKind::kWal, kFileNumber, 1000);
  EXPECT_OK(chunked.status);
  EXPECT_EQ(chunked.records, b.payloads);
}

TEST(WalTest, ManyRecordsRoundTrip) {
  std::mt19937 rng(301);
  LogBuilder b;
  for (int i = 0; i < 5000; ++i) {
    const std::size_t size = rng() % 8 == 0 ? rng() % 70000 : rng() % 200;
    b.Add(RandomBytes(rng, size));
    if (rng() % 50 == 0) {
      b.Sync();
    }
  }
  ReadResult r = ReadLog(b.Contents());
  EXPECT_OK(r.status);
  EXPECT_EQ(r.records.size(), b.payloads.size());
  EXPECT_TRUE(r.records == b.payloads);
}

TEST(WalTest, ManifestKindRoundTrip) {
  LogBuilder b(LogFileKind::kManifest, 3);
  b.Add("edit1").Add("edit2").Close();
  ReadResult r = ReadLog(b.Contents(), LogFileKind::kManifest, 3);
  EXPECT_OK(r.status);
  EXPECT_EQ(r.records, b.payloads);
  EXPECT_TRUE(r.clean);
}

TEST(WalTest, SyncedThroughFollowsSyncs) {
  LogBuilder b;
  b.Add("a").Add("b").Sync().Add("c");
  const std::uint64_t synced = b.ends[1];
  EXPECT_EQ(b.writer().synced_size(), synced);
  const std::string contents = b.Contents();
  WalReader reader(std::make_unique<StringSource>(contents, SIZE_MAX), kPath, LogFileKind::kWal,
                   kFileNumber);
  std::string payload;
  ASSERT_TRUE(reader.ReadRecord(&payload));
  EXPECT_EQ(reader.last_synced_through(), 0u);
  ASSERT_TRUE(reader.ReadRecord(&payload));
  EXPECT_EQ(reader.last_synced_through(), 0u);
  ASSERT_TRUE(reader.ReadRecord(&payload));
  EXPECT_EQ(payload, "c");
  EXPECT_EQ(reader.last_synced_through(), synced);
}

TEST(WalTest, EveryTruncationReadsAPrefix) {
  LogBuilder b;
  b.Add(Pattern(100, 'a'))
      .Add("")
      .Sync()
      .Add(Pattern(30000, 'b'))
      .Add(Pattern(2700, 'c'))  // crosses into block 1
      .Sync()
      .Add("d")
      .Add(Pattern(4000, 'e'));
  const std::string contents = b.Contents();
  ASSERT_GT(contents.size(), kLogBlockSize);
  for (std::size_t length = 0; length <= contents.size(); ++length) {
    ReadResult r = ReadLog(std::string_view(contents).substr(0, length));
    ASSERT_OK(r.status) << "length " << length;
    const std::size_t expected = static_cast<std::size_t>(
        std::count_if(b.ends.begin(), b.ends.end(), [&](std::uint64_t e) { return e <= length; }));
    ASSERT_EQ(r.records.size(), expected) << "length " << length;
    ASSERT_TRUE(r.records == Prefix(b.payloads, expected)) << "length " << length;
  }
}

TEST(WalTest, GarbageTailAfterSyncedPrefixIsDropped) {
  LogBuilder b;
  b.Add("a").Add("b").Sync().Add(Pattern(500, 'c')).Add("d");
  std::string contents = b.Contents();
  std::mt19937 rng(1);
  const std::string garbage = RandomBytes(rng, contents.size() - b.starts[2]);
  contents.replace(b.starts[2], garbage.size(), garbage);
  ReadResult r = ReadLog(contents);
  EXPECT_OK(r.status);
  EXPECT_EQ(r.records, Prefix(b.payloads, 2));
  EXPECT_EQ(r.last_end, b.ends[1]);
  EXPECT_EQ(r.dropped, contents.size() - b.ends[1]);
}

TEST(WalTest, FlippedByteInLastUnsyncedRecordIsDropped) {
  LogBuilder b;
  b.Add("a").Add("b").Sync().Add(Pattern(300, 'c'));
  std::string contents = b.Contents();
  contents[b.starts[2] + 100] ^= 0x10;
  ReadResult r = ReadLog(contents);
  EXPECT_OK(r.status);
  EXPECT_EQ(r.records, Prefix(b.payloads, 2));
  EXPECT_EQ(r.dropped, contents.size() - b.ends[1]);
}

// A torn unsynced record whose payload (user data) holds the bytes of
// valid records, a close record among them: the search for later records
// that claim the damage was synced skips a plausible record by its length,
// so those bytes are never taken for the writer's records.
TEST(WalTest, RecordsInsideATornRecordsPayloadClaimNothing) {
  LogBuilder closed;
  closed.Add("x").Close();
  const std::string close_record = closed.Contents().substr(closed.Contents().size() - 7);
  LogBuilder b;
  std::string payload = Pattern(200, 'v') + close_record + PhysicalRecord(LogRecordType::kFull,
                                                                          std::string(16, '\x7f')) +
                        Pattern(100, 'w');
  b.Add("a").Sync().Add(payload);
  std::string contents = b.Contents();
  // The power loss kept the start of the record and zeros after.
  const std::uint64_t torn_from = b.ends[1] - 40;
  std::fill(contents.begin() + static_cast<std::ptrdiff_t>(torn_from), contents.end(), '\0');
  ReadResult r = ReadLog(contents);
  EXPECT_OK(r.status);
  EXPECT_EQ(r.records, Prefix(b.payloads, 1));
  EXPECT_EQ(r.dropped, contents.size() - b.ends[0]);
}

// A record's length damaged so that it looks implausible (past the block):
// the search finds the close record after it, which says it was synced.
TEST(WalTest, ImplausibleLengthBeforeACloseRecordIsCorruption) {
  LogBuilder b;
  b.Add("a").Add("bb").Close();
  std::string contents = b.Contents();
  contents[b.starts[1] + 5] = '\xff';  // high length byte: past the block
  ReadResult r = ReadLog(contents);
  ExpectCorruptionAt(r, b.starts[1]);
  EXPECT_EQ(r.records, Prefix(b.payloads, 1));
}

TEST(WalTest, DamageInSyncedRegionIsCorruption) {
  LogBuilder b;
  b.Add("a").Add(Pattern(300, 'b')).Sync().Add("c");
  std::string contents = b.Contents();
  contents[b.starts[1] + 50] ^= 0x01;
  ReadResult r = ReadLog(contents);
  ExpectCorruptionAt(r, b.starts[1]);
  EXPECT_EQ(r.records, Prefix(b.payloads, 1));  // nothing past the damage
}

TEST(WalTest, DamageBeforeSyncClaimInLaterBlockIsCorruption) {
  // The claim is found after resyncing at a block boundary, past the rest
  // of the damaged multi-block record.
  LogBuilder b;
  b.Add("a").Add(Pattern(80000, 'b')).Sync().Add("c");
  std::string contents = b.Contents();
  contents[b.starts[1] + 40000] ^= 0x01;  // in the second fragment
  ReadResult r = ReadLog(contents);
  ExpectCorruptionAt(r, b.starts[1]);
  EXPECT_EQ(r.records, Prefix(b.payloads, 1));
}

TEST(WalTest, UnsyncedGarbagePageBeforeValidRecordsIsTornTail) {
  // Out-of-order writeback after a power loss: a lost page of unsynced data
  // followed by later unsynced records that did reach the disk. They claim
  // nothing past the last sync, so this is a torn tail.
  LogBuilder b;
  b.Add("a").Sync().Add(Pattern(40000, 'b')).Add("c").Add(Pattern(40000, 'd')).Add("e");
  std::string contents = b.Contents();
  std::memset(contents.data() + b.starts[1], 0, 4096);
  ReadResult r = ReadLog(contents);
  EXPECT_OK(r.status);
  EXPECT_EQ(r.records, Prefix(b.payloads, 1));
  EXPECT_EQ(r.dropped, contents.size() - b.ends[0]);
}

TEST(WalTest, ZeroFilledTailIsDropped) {
  LogBuilder b;
  b.Add("a").Sync().Add(Pattern(5000, 'b')).Add("c");
  std::string contents = b.Contents();
  std::memset(contents.data() + b.starts[1], 0, contents.size() - b.starts[1]);
  ReadResult r = ReadLog(contents);
  EXPECT_OK(r.status);
  EXPECT_EQ(r.records, Prefix(b.payloads, 1));
}

TEST(WalTest, ZeroExtendedFileIsDropped) {
  // A file system that persisted the size before the data shows zeros.
  LogBuilder b;
  b.Add("a").Add("b").Sync();
  std::string contents = b.Contents() + std::string(50000, '\0');
  ReadResult r = ReadLog(contents);
  EXPECT_OK(r.status);
  EXPECT_EQ(r.records, b.payloads);
  EXPECT_EQ(r.dropped, 50000u);
}

TEST(WalTest, FragmentWithoutStartAfterDamageIsSkipped) {
  // The first fragment of a multi-block record is destroyed; the scan
  // resyncs in the next block, skips the orphan last fragment and finds a
  // record that claims only the prefix before the damage.
  LogBuilder b;
  b.Add("a").Sync().Add(Pattern(40000, 'b')).Add("c");
  std::string contents = b.Contents();
  contents[b.starts[1] + 2] ^= 0x40;  // corrupt the length field
  ReadResult r = ReadLog(contents);
  EXPECT_OK(r.status);
  EXPECT_EQ(r.records, Prefix(b.payloads, 1));

  // The same damage when the record after it claims it was synced.
  LogBuilder synced;
  synced.Add("a").Sync().Add(Pattern(40000, 'b')).Sync().Add("c");
  contents = synced.Contents();
  contents[synced.starts[1] + 2] ^= 0x40;
  ExpectCorruptionAt(ReadLog(contents), synced.starts[1]);
}

TEST(WalTest, OrphanFragmentIsDamage) {
  // A valid kLast with no start in front of it: checksum-valid records out of
  // order are bad, judged like any other damage.
  LogBuilder b;
  b.Add("a");
  std::string contents = b.Contents();
  const std::uint64_t orphan = contents.size();
  contents += PhysicalRecord(LogRecordType::kLast, "zz");
  contents += PhysicalRecord(LogRecordType::kFull, Fixed64(0) + "ignored");
  ReadResult r = ReadLog(contents);
  EXPECT_OK(r.status);
  EXPECT_EQ(r.records, b.payloads);
  EXPECT_EQ(r.dropped, contents.size() - orphan);

  contents += PhysicalRecord(LogRecordType::kFull, Fixed64(orphan + 1) + "claims");
  ExpectCorruptionAt(ReadLog(contents), orphan);
}

TEST(WalTest, NewRecordInsideFragmentedRecordIsDamage) {
  // kFirst then kFull: the kFull itself is considered by the scan, and
  // claims the interrupted record was synced.
  LogBuilder b;
  b.Add("a").Sync();
  std::string contents = b.Contents();
  const std::uint64_t first = contents.size();
  contents += PhysicalRecord(LogRecordType::kFirst, Fixed64(b.ends[0]) + "part");
  contents += PhysicalRecord(LogRecordType::kFull, Fixed64(first + 1) + "x");
  ReadResult r = ReadLog(contents);
  ExpectCorruptionAt(r, first);
  EXPECT_EQ(r.records, b.payloads);
}

TEST(WalTest, FlippedByteInHeaderIsCorruption) {
  LogBuilder b;
  b.Sync().Add("a").Add("b");
  std::string contents = b.Contents();
  contents[10] ^= 0x01;  // inside the magic
  ReadResult r = ReadLog(contents);
  ExpectCorruptionAt(r, 0);
  EXPECT_TRUE(r.records.empty());
}

TEST(WalTest, DamagedHeaderOfNeverSyncedLogIsEmptyLog) {
  // Nothing was ever synced: after a power loss the whole file may be torn.
  LogBuilder b;
  b.Add("a").Add("b");
  std::string contents = b.Contents();
  contents[10] ^= 0x01;
  ReadResult r = ReadLog(contents);
  EXPECT_OK(r.status);
  EXPECT_TRUE(r.records.empty());
  EXPECT_EQ(r.dropped, contents.size());
  EXPECT_EQ(r.last_end, 0u);
}

TEST(WalTest, TornFirstRecordIsEmptyLog) {
  LogBuilder b;
  const std::string contents = b.Contents();
  for (std::size_t length = 1; length < contents.size(); ++length) {
    ReadResult r = ReadLog(contents.substr(0, length));
    ASSERT_OK(r.status) << "length " << length;
    EXPECT_TRUE(r.records.empty());
    EXPECT_EQ(r.dropped, length);
  }
  ReadResult zeros = ReadLog(std::string(4096, '\0'));
  EXPECT_OK(zeros.status);
  EXPECT_EQ(zeros.dropped, 4096u);
}

TEST(WalTest, WrongFileNumberIsCorruption) {
  LogBuilder b;
  b.Add("a");
  ReadResult r = ReadLog(b.Contents(), LogFileKind::kWal, kFileNumber + 1);
  ExpectCorruptionAt(r, 0);
  EXPECT_NE(r.status.ToString().find("file number 7"), std::string::npos) << r.status.ToString();
  EXPECT_TRUE(r.records.empty());
}

TEST(WalTest, WrongKindIsCorruption) {
  LogBuilder b(LogFileKind::kManifest);
  b.Add("a");
  ReadResult r = ReadLog(b.Contents(), LogFileKind::kWal);
  ExpectCorruptionAt(r, 0);
  EXPECT_NE(r.status.ToString().find("MANIFEST"), std::string::npos) << r.status.ToString();
}

TEST(WalTest, WrongMagicIsCorruption) {
  std::string data = HeaderData(LogFileKind::kWal, 1, kFileNumber);
  data[0] = 'X';
  ReadResult r = ReadLog(PhysicalRecord(LogRecordType::kFull, data));
  ExpectCorruptionAt(r, 0);
}

TEST(WalTest, NewerVersionIsNotSupported) {
  std::string contents = PhysicalRecord(
      LogRecordType::kFull, HeaderData(LogFileKind::kWal, kLogFormatVersion + 1, kFileNumber));
  contents += PhysicalRecord(LogRecordType::kFull, Fixed64(0) + "future");
  ReadResult r = ReadLog(contents);
  EXPECT_TRUE(r.status.IsNotSupported()) << r.status.ToString();
  EXPECT_NE(r.status.ToString().find(kPath), std::string::npos);
  EXPECT_TRUE(r.records.empty());
}

TEST(WalTest, VersionZeroIsCorruption) {
  std::string contents =
      PhysicalRecord(LogRecordType::kFull, HeaderData(LogFileKind::kWal, 0, kFileNumber));
  contents += PhysicalRecord(LogRecordType::kFull, Fixed64(0) + "a");
  ReadResult r = ReadLog(contents);
  ExpectCorruptionAt(r, 0);
  EXPECT_EQ(r.status.ToString(), "Corruption: " + kPath + ": offset 0: log format version 0");
  EXPECT_TRUE(r.records.empty());
}

TEST(WalTest, CleanCloseIsReported) {
  LogBuilder b;
  b.Add("a").Add(Pattern(50000, 'b')).Close();
  const std::string contents = b.Contents();
  ReadResult r = ReadLog(contents);
  EXPECT_OK(r.status);
  EXPECT_EQ(r.records, b.payloads);
  EXPECT_TRUE(r.clean);
  EXPECT_EQ(r.last_end, contents.size());
  EXPECT_EQ(r.dropped, 0u);

  LogBuilder open;
  open.Add("a");
  EXPECT_FALSE(ReadLog(open.Contents()).clean);
}

TEST(WalTest, CloseAtBlockTrailerIsPadded) {
  // Leave exactly 6 bytes in block 0: the close record goes to block 1.
  const std::size_t size =
      kLogBlockSize - kLogFirstEntryOffset - kLogRecordHeaderSize - kLogSyncedThroughSize - 6;
  LogBuilder b;
  b.Add(Pattern(size, 'a')).Close();
  const std::string contents = b.Contents();
  EXPECT_EQ(contents.size(), kLogBlockSize + kLogRecordHeaderSize);
  ReadResult r = ReadLog(contents);
  EXPECT_OK(r.status);
  EXPECT_TRUE(r.clean);
  EXPECT_EQ(r.records, b.payloads);
}

TEST(WalTest, DataAfterCloseIsCorruption) {
  LogBuilder b;
  b.Add("a").Close();
  const std::string contents = b.Contents();
  ExpectCorruptionAt(ReadLog(contents + std::string(1, '\x01')), contents.size());
  ExpectCorruptionAt(ReadLog(contents + PhysicalRecord(LogRecordType::kFull, Fixed64(0) + "x")),
                     contents.size());
}

// Reserved space of a preallocated log whose truncation at close was lost.
TEST(WalTest, ZerosAfterCloseAreClean) {
  LogBuilder b;
  b.Add("a").Add(Pattern(40000, 'b')).Sync().Add("c").Close();
  const std::string contents = b.Contents();
  for (std::size_t zeros : {std::size_t{1}, std::size_t{6}, std::size_t{7}, std::size_t{4096},
                            kLogBlockSize - contents.size() % kLogBlockSize,
                            std::size_t{3 * kLogBlockSize + 5}, std::size_t{16 << 20}}) {
    SCOPED_TRACE(zeros);
    ReadResult r = ReadLog(contents + std::string(zeros, '\0'));
    EXPECT_OK(r.status);
    EXPECT_EQ(r.records, b.payloads);
    EXPECT_TRUE(r.clean);
    EXPECT_EQ(r.last_end, contents.size());
    EXPECT_EQ(r.dropped, zeros);
  }
  // Short reads from the file change nothing.
  ReadResult chunked = ReadLog(contents + std::string(100000, '\0'), LogFileKind::kWal,
                               kFileNumber, 999);
  EXPECT_OK(chunked.status);
  EXPECT_TRUE(chunked.clean);
  EXPECT_EQ(chunked.dropped, 100000u);
}

TEST(WalTest, ZerosAfterCloseAtABlockEndAreClean) {
  // The close record ends block 0 exactly; the zeros fill later blocks.
  const std::size_t size = kLogBlockSize - kLogFirstEntryOffset - 2 * kLogRecordHeaderSize -
                           kLogSyncedThroughSize;
  LogBuilder b;
  b.Add(Pattern(size, 'a')).Close();
  const std::string contents = b.Contents();
  ASSERT_EQ(contents.size(), kLogBlockSize);
  ReadResult r = ReadLog(contents + std::string(2 * kLogBlockSize, '\0'));
  EXPECT_OK(r.status);
  EXPECT_TRUE(r.clean);
  EXPECT_EQ(r.records, b.payloads);
  EXPECT_EQ(r.dropped, 2 * kLogBlockSize);
}

TEST(WalTest, NonZeroByteAmongZerosAfterCloseIsCorruption) {
  LogBuilder b;
  b.Add("a").Add(Pattern(300, 'b')).Close();
  const std::string contents = b.Contents();
  for (std::size_t at : {std::size_t{0}, std::size_t{5}, std::size_t{4095},
                         kLogBlockSize - contents.size(), 2 * kLogBlockSize + 17,
                         std::size_t{99999}}) {
    SCOPED_TRACE(at);
    std::string damaged = contents + std::string(100000, '\0');
    damaged[contents.size() + at] = '\x80';
    ReadResult r = ReadLog(damaged);
    ExpectCorruptionAt(r, contents.size());
    EXPECT_NE(r.status.ToString().find("non-zero byte at offset " +
                                       std::to_string(contents.size() + at)),
              std::string::npos)
        << r.status.ToString();
    EXPECT_EQ(r.records, b.payloads);  // the entries before the close record
    ExpectCorruptionAt(ReadLog(damaged, LogFileKind::kWal, kFileNumber, 1000), contents.size());
  }
}

TEST(WalTest, MegabytesOfZerosAfterTheLastRecordAreATornTail) {
  // What a process crash leaves in a preallocated log.
  LogBuilder b;
  b.Add("a").Sync().Add(Pattern(70000, 'b')).Add("c");
  const std::string contents = b.Contents() + std::string(16 << 20, '\0');
  ReadResult r = ReadLog(contents);
  EXPECT_OK(r.status);
  EXPECT_EQ(r.records, b.payloads);
  EXPECT_FALSE(r.clean);
  EXPECT_EQ(r.dropped, 16u << 20);
}

TEST(WalTest, DamageBeforeCloseRecordIsCorruption) {
  // The close record vouches that everything before it was synced.
  LogBuilder b;
  b.Add("a").Add(Pattern(200, 'b')).Close();
  std::string contents = b.Contents();
  contents[b.starts[1] + 20] ^= 0x04;
  ExpectCorruptionAt(ReadLog(contents), b.starts[1]);
}

TEST(WalTest, MalformedValidRecordsAreCorruption) {
  LogBuilder b;
  b.Add("a");
  const std::string base = b.Contents();
  const std::uint64_t at = base.size();
  // Too short to hold synced_through.
  ExpectCorruptionAt(ReadLog(base + PhysicalRecord(LogRecordType::kFull, "short")), at);
  // Claims a sync past its own offset.
  ExpectCorruptionAt(ReadLog(base + PhysicalRecord(LogRecordType::kFull, Fixed64(at + 1) + "x")),
                     at);
  // synced_through going backwards.
  const std::string forward = PhysicalRecord(LogRecordType::kFull, Fixed64(at) + "x");
  ExpectCorruptionAt(
      ReadLog(base + forward + PhysicalRecord(LogRecordType::kFull, Fixed64(0) + "y")),
      at + forward.size());
  // A close record carrying data is a bad record; the valid record after it
  // claims the damage was synced.
  std::string bad_close = PhysicalRecord(LogRecordType::kClose, "zz");
  ExpectCorruptionAt(
      ReadLog(base + bad_close +
              PhysicalRecord(LogRecordType::kFull, Fixed64(at + bad_close.size()) + "y")),
      at);
}

TEST(WalTest, CreateRejectsNonEmptyFile) {
  MemFileSystem fs;
  std::unique_ptr<WritableFile> file;
  ASSERT_OK(fs.NewWritableFile(kPath, &file));
  ASSERT_OK(file->Append("x"));
  std::unique_ptr<WalWriter> writer;
  EXPECT_TRUE(
      WalWriter::Create(std::move(file), LogFileKind::kWal, 1, &writer).IsInvalidArgument());
  EXPECT_EQ(writer, nullptr);
}

TEST(WalTest, WriterErrorsAreSticky) {
  MemFileSystem mem;
  FaultInjectionFileSystem fs(&mem);
  std::unique_ptr<WritableFile> file;
  ASSERT_OK(fs.NewWritableFile(kPath, &file));
  std::unique_ptr<WalWriter> writer;
  ASSERT_OK(WalWriter::Create(std::move(file), LogFileKind::kWal, kFileNumber, &writer));
  ASSERT_OK(writer->AddRecord("a"));
  ASSERT_OK(writer->Sync());
  const std::uint64_t size = writer->file_size();

  fs.InjectSyncErrors(1, 0);
  ASSERT_OK(writer->AddRecord("b"));
  EXPECT_TRUE(writer->Sync().IsIOError());
  fs.InjectSyncErrors(0, 0);
  EXPECT_TRUE(writer->AddRecord("c").IsIOError());
  EXPECT_TRUE(writer->Sync().IsIOError());
  EXPECT_TRUE(writer->Close().IsIOError());
  EXPECT_EQ(writer->synced_size(), size);

  ASSERT_OK(fs.NewWritableFile("/db/000008.log", &file));
  ASSERT_OK(WalWriter::Create(std::move(file), LogFileKind::kWal, 8, &writer));
  fs.InjectWriteErrors(1, 0);
  EXPECT_TRUE(writer->AddRecord("x").IsIOError());
  fs.InjectWriteErrors(0, 0);
  EXPECT_TRUE(writer->AddRecord("y").IsIOError());
  EXPECT_EQ(writer->file_size(), kLogFirstEntryOffset);
}

TEST(WalTest, SurvivesRandomPowerLoss) {
  // Write through the fault-injecting file system, lose a random part of
  // the unsynced tail (torn and garbage-filled), and require every synced
  // record back, a prefix of what was written, and status OK.
  for (std::uint32_t seed = 0; seed < 300; ++seed) {
    MemFileSystem mem;
    FaultInjectionFileSystem fs(&mem);
    std::unique_ptr<WritableFile> file;
    ASSERT_OK(fs.NewWritableFile(kPath, &file));
    std::unique_ptr<WalWriter> writer;
    ASSERT_OK(WalWriter::Create(std::move(file), LogFileKind::kWal, kFileNumber, &writer));
    std::mt19937 rng(seed);
    std::vector<std::string> written;
    std::size_t synced_records = 0;
    const int count = 1 + static_cast<int>(rng() % 40);
    for (int i = 0; i < count; ++i) {
      written.push_back(RandomBytes(rng, rng() % 4 == 0 ? rng() % 50000 : rng() % 300));
      ASSERT_OK(writer->AddRecord(written.back()));
      if (rng() % 5 == 0) {
        ASSERT_OK(writer->Sync());
        synced_records = written.size();
      } else if (rng() % 3 == 0) {
        ASSERT_OK(writer->Flush());
      }
    }
    fs.SetFilesystemActive(false);
    writer.reset();
    ASSERT_OK(fs.DropRandomUnsyncedData(seed));
    fs.SetFilesystemActive(true);

    std::string contents;
    ASSERT_OK(ReadFileToString(&mem, kPath, &contents));
    ReadResult r = ReadLog(contents);
    ASSERT_OK(r.status) << "seed " << seed;
    ASSERT_GE(r.records.size(), synced_records) << "seed " << seed;
    ASSERT_TRUE(r.records == Prefix(written, r.records.size())) << "seed " << seed;
  }
}

TEST(WalFuzzTest, RandomBytesNeverCrash) {
  std::mt19937 rng(42);
  const std::string header =
      PhysicalRecord(LogRecordType::kFull, HeaderData(LogFileKind::kWal, 1, kFileNumber));
  for (int i = 0; i < 1500; ++i) {
    std::string contents = RandomBytes(rng, rng() % 3 == 0 ? rng() % 100 : rng() % 70000);
    if (i % 2 == 0) {
      contents.insert(0, header);
    }
    if (i % 5 == 0) {
      // Plausible record headers with random lengths and types.
      for (std::size_t p = 0; p + 7 <= contents.size(); p += 1 + rng() % 3000) {
        contents[p + 6] = static_cast<char>(rng() % 7);
      }
    }
    ReadResult r = ReadLog(contents, LogFileKind::kWal, kFileNumber, 1 + rng() % 40000);
    ASSERT_TRUE(r.status.ok() || r.status.IsCorruption() || r.status.IsNotSupported())
        << r.status.ToString();
    ASSERT_LE(r.last_end, contents.size());
  }
}

TEST(WalFuzzTest, DamagedLogsYieldAPrefix) {
  std::mt19937 rng(7);
  LogBuilder b;
  for (int i = 0; i < 60; ++i) {
    b.Add(RandomBytes(rng, rng() % 6 == 0 ? rng() % 40000 : rng() % 500));
    if (i == 40) {
      b.Sync();
    }
  }
  const std::uint64_t synced = b.writer().synced_size();
  const std::string original = b.Contents();
  for (int i = 0; i < 1500; ++i) {
    std::string contents = original;
    // Odd rounds damage only the unsynced tail, which must read back OK.
    const bool tail_only = i % 2 == 1;
    const std::uint64_t lo = tail_only ? synced : 0;
    const std::uint64_t at = lo + rng() % (contents.size() - lo);
    switch (rng() % 4) {
      case 0:
        contents[at] ^= static_cast<char>(1 + rng() % 255);
        break;
      case 1:
        contents.resize(at);
        break;
      case 2: {
        const std::size_t n = std::min<std::size_t>(1 + rng() % 5000, contents.size() - at);
        std::memset(contents.data() + at, 0, n);
        break;
      }
      default: {
        const std::size_t n = std::min<std::size_t>(1 + rng() % 5000, contents.size() - at);
        const std::string garbage = RandomBytes(rng, n);
        contents.replace(at, n, garbage);
        break;
      }
    }
    ReadResult r = ReadLog(contents);
    ASSERT_TRUE(r.status.ok() || r.status.IsCorruption()) << r.status.ToString();
    ASSERT_LE(r.records.size(), b.payloads.size());
    ASSERT_TRUE(r.records == Prefix(b.payloads, r.records.size())) << "round " << i;
    if (tail_only) {
      ASSERT_OK(r.status) << "round " << i;
      const std::size_t intact = static_cast<std::size_t>(
          std::count_if(b.ends.begin(), b.ends.end(), [&](std::uint64_t e) { return e <= at; }));
      ASSERT_GE(r.records.size(), intact) << "round " << i;
    }
  }
}

}  // namespace
}  // namespace aeternus
