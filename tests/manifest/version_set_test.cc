// VersionSet: Recover reads the state from the manifest that CURRENT
// names and refuses, with Corruption, any manifest it cannot read whole or
// that describes an impossible state (docs/format/manifest.md, "Reading");
// LogAndApply refuses an edit that would break the order of a level. The
// manifests here are written by hand with the log writer and the
// VersionEdit encoder, and DB::Open must fail on each as Recover does.

#include "manifest/version_set.h"

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "aeternus/db.h"
#include "db/db_impl.h"
#include "env/file_system_wrapper.h"
#include "env/mem_file_system.h"
#include "manifest/current_file.h"
#include "manifest/file_names.h"
#include "testutil/status_assertions.h"
#include "wal/wal_writer.h"

namespace aeternus {
namespace {

const std::string kDb = "/db";
constexpr std::uint64_t kManifestNumber = 3;
const std::string kManifestPath = "/db/MANIFEST-000003";

FileMetaData Table(std::uint64_t number, std::string_view smallest, std::string_view largest) {
  FileMetaData f;
  f.number = number;
  f.file_size = 1000;
  AppendInternalKey(f.smallest, smallest, 5, ValueType::kValue);
  AppendInternalKey(f.largest, largest, 5, ValueType::kValue);
  f.smallest_seq = 5;
  f.largest_seq = 5;
  f.num_entries = 2;
  return f;
}

// An edit with every counter a manifest must hold.
VersionEdit Counters() {
  VersionEdit edit;
  edit.log_number = 1;
  edit.next_file_number = 10;
  edit.last_sequence = 5;
  return edit;
}

std::string Encode(const VersionEdit& edit) {
  std::string record;
  edit.EncodeTo(&record);
  return record;
}

// Says CURRENT exists whether or not it does: a CURRENT removed between
// Open's check for it and its read.
class VanishingCurrent final : public FileSystemWrapper {
 public:
  using FileSystemWrapper::FileSystemWrapper;
  bool FileExists(const std::string& path) override {
    return path == CurrentFileName(kDb) || FileSystemWrapper::FileExists(path);
  }
};

// Fails the reads of CURRENT: the file is there, its contents cannot be had.
class UnreadableCurrent final : public FileSystemWrapper {
 public:
  using FileSystemWrapper::FileSystemWrapper;
  Status NewSequentialFile(const std::string& path,
                           std::unique_ptr<SequentialFile>* file) override {
    if (path == CurrentFileName(kDb)) {
      return Status::IOError(path, "injected read error");
    }
    return FileSystemWrapper::NewSequentialFile(path, file);
  }
};

class VersionSetRecoverTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_OK(fs_.CreateDir(kDb)); }

  // Writes MANIFEST-000003 holding `records`, closed cleanly, and points
  // CURRENT at it.
  void WriteManifest(const std::vector<std::string>& records) {
    std::unique_ptr<WritableFile> file;
    ASSERT_OK(fs_.NewWritableFile(ManifestFileName(kDb, kManifestNumber), &file));
    std::unique_ptr<WalWriter> writer;
    ASSERT_OK(WalWriter::Create(std::move(file), LogFileKind::kManifest, kManifestNumber, &writer));
    for (const std::string& record : records) {
      ASSERT_OK(writer->AddRecord(record));
    }
    ASSERT_OK(writer->Close());
    ASSERT_OK(WriteFileAtomically(&fs_, kDb, "CURRENT",
                                  EncodeCurrentFile(ManifestName(kManifestNumber), {})));
  }

  // The Status text of VersionSet::Recover over `fs`; DB::Open there must
  // fail the same way.
  std::string Recover(FileSystem* fs) {
    Status s;
    {
      VersionSet versions(kDb, fs);
      s = versions.Recover();
    }
    std::unique_ptr<DB> db;
    EXPECT_EQ(DBImpl::Open(Options(), kDb, fs, &db).ToString(), s.ToString());
    return s.ToString();
  }
  std::string Recover() { return Recover(&fs_); }

  MemFileSystem fs_;
};

TEST_F(VersionSetRecoverTest, HandWrittenManifestRecovers) {
  VersionEdit edit = Counters();
  edit.AddFile(1, Table(7, "a", "c"));
  ASSERT_NO_FATAL_FAILURE(WriteManifest({Encode(edit)}));
  VersionSet versions(kDb, &fs_);
  ASSERT_OK(versions.Recover());
  EXPECT_EQ(versions.current()->NumFiles(), 1u);
  EXPECT_EQ(versions.LastSequence(), 5u);
  EXPECT_EQ(versions.next_file_number(), 10u);
}

TEST_F(VersionSetRecoverTest, CurrentMissingWhenReadIsCorruption) {
  ASSERT_NO_FATAL_FAILURE(WriteManifest({Encode(Counters())}));
  ASSERT_OK(fs_.RemoveFile(CurrentFileName(kDb)));
  VanishingCurrent fs(&fs_);
  EXPECT_EQ(Recover(&fs),
            "Corruption: cannot read CURRENT in /db: NotFound: /db/CURRENT: no such file");
}

// A failed read says nothing of the file's contents: IOError, which a
// later Open may not meet.
TEST_F(VersionSetRecoverTest, ReadErrorOnCurrentIsIOError) {
  ASSERT_NO_FATAL_FAILURE(WriteManifest({Encode(Counters())}));
  UnreadableCurrent fs(&fs_);
  EXPECT_EQ(Recover(&fs), "IOError: cannot read CURRENT in /db: /db/CURRENT: injected read error");
}

TEST_F(VersionSetRecoverTest, UndecodableEditIsCorruptionNamingTheManifest) {
  // A whole record, checksum and all, whose edit has a tag no version wrote.
  ASSERT_NO_FATAL_FAILURE(WriteManifest({Encode(Counters()), "\x63\x01"}));
  EXPECT_EQ(Recover(),
            "Corruption: " + kManifestPath + ": Corruption: version edit: unknown tag 99");
}

TEST_F(VersionSetRecoverTest, OverlappingTablesInALevelAreCorruption) {
  VersionEdit first = Counters();
  first.AddFile(1, Table(7, "a", "m"));
  VersionEdit second;
  second.AddFile(1, Table(8, "k", "z"));
  ASSERT_NO_FATAL_FAILURE(WriteManifest({Encode(first), Encode(second)}));
  EXPECT_EQ(Recover(), "Corruption: " + kManifestPath + ": tables 7 and 8 overlap in level 1");
}

TEST_F(VersionSetRecoverTest, ManifestWithoutACounterIsCorruption) {
  for (int missing = 0; missing < 3; ++missing) {
    SCOPED_TRACE("missing counter " + std::to_string(missing));
    VersionEdit edit = Counters();
    if (missing == 0) {
      edit.log_number.reset();
    } else if (missing == 1) {
      edit.next_file_number.reset();
    } else {
      edit.last_sequence.reset();
    }
    ASSERT_NO_FATAL_FAILURE(WriteManifest({Encode(edit)}));
    EXPECT_EQ(Recover(), "Corruption: manifest lacks required counters: " + kManifestPath);
    ASSERT_OK(fs_.RemoveFile(ManifestFileName(kDb, kManifestNumber)));
  }
}

TEST_F(VersionSetRecoverTest, CountersMaySpreadOverSeveralEdits) {
  VersionEdit a;
  a.log_number = 1;
  VersionEdit b;
  b.next_file_number = 10;
  VersionEdit c;
  c.last_sequence = 5;
  ASSERT_NO_FATAL_FAILURE(WriteManifest({Encode(a), Encode(b), Encode(c)}));
  EXPECT_EQ(Recover(), "OK");
}

TEST(VersionSetTest, EditThatMakesALevelOverlapIsRefused) {
  MemFileSystem fs;
  ASSERT_OK(fs.CreateDir(kDb));
  VersionSet versions(kDb, &fs);
  ASSERT_OK(versions.CreateNew());
  VersionEdit edit;
  edit.AddFile(1, Table(7, "a", "m"));
  edit.AddFile(1, Table(8, "k", "z"));
  EXPECT_EQ(versions.LogAndApply(&edit).ToString(),
            "Corruption: version edit refused: tables 7 and 8 overlap in level 1");
  EXPECT_EQ(versions.current()->NumFiles(), 0u);
  // Nothing was recorded: the manifest takes later edits, and a reader
  // finds only them.
  VersionEdit next;
  next.AddFile(1, Table(9, "a", "c"));
  ASSERT_OK(versions.LogAndApply(&next));
  ASSERT_OK(versions.Close());
  VersionSet reread(kDb, &fs);
  ASSERT_OK(reread.Recover());
  ASSERT_EQ(reread.current()->NumFiles(), 1u);
  EXPECT_EQ(reread.current()->levels[1][0]->number, 9u);
}

}  // namespace
}  // namespace aeternus
