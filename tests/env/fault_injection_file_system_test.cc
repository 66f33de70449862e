#include "env/fault_injection_file_system.h"

#include <unistd.h>

#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "env/mem_file_system.h"
#include "testutil/file_contents.h"
#include "testutil/status_assertions.h"

namespace aeternus {
namespace {

using test::FileContents;

class FaultInjectionFileSystemTest : public testing::Test {
 protected:
  // Creates `path` holding `synced`, synced, then `unsynced`, flushed.
  void WriteFile(const std::string& path, std::string_view synced, std::string_view unsynced) {
    std::unique_ptr<WritableFile> file;
    ASSERT_OK(fs_.NewWritableFile(path, &file));
    ASSERT_OK(file->Append(synced));
    ASSERT_OK(file->Sync());
    ASSERT_OK(file->Append(unsynced));
    ASSERT_OK(file->Flush());
    ASSERT_OK(file->Close());
  }

  MemFileSystem mem_;
  FaultInjectionFileSystem fs_{&mem_};
};

TEST_F(FaultInjectionFileSystemTest, AppendsReachTheTargetOnlyWhenFlushed) {
  std::unique_ptr<WritableFile> file;
  ASSERT_OK(fs_.NewWritableFile("/db/f", &file));
  ASSERT_OK(file->Append("abc"));
  EXPECT_EQ(file->Size(), 3u);
  EXPECT_EQ(FileContents(mem_, "/db/f"), "");
  ASSERT_OK(file->Flush());
  EXPECT_EQ(FileContents(mem_, "/db/f"), "abc");
  // Past 64 KiB of pending bytes they are handed over, as by a POSIX buffer.
  ASSERT_OK(file->Append(std::string(70000, 'x')));
  EXPECT_EQ(FileContents(mem_, "/db/f").size(), 70003u);
  ASSERT_OK(file->Append("tail"));
  ASSERT_OK(file->Close());
  EXPECT_EQ(FileContents(mem_, "/db/f").size(), 70007u);
}

TEST_F(FaultInjectionFileSystemTest, DropUnsyncedDataTruncatesToSyncedLength) {
  WriteFile("/db/a", "synced", "-lost");
  WriteFile("/db/b", "", "all lost");
  WriteFile("/db/c", "whole", "");
  std::uint64_t synced = 0;
  ASSERT_TRUE(fs_.GetSyncedSize("/db/a", &synced));
  EXPECT_EQ(synced, 6u);
  EXPECT_EQ(FileContents(fs_, "/db/a"), "synced-lost");
  ASSERT_OK(fs_.DropUnsyncedData());
  EXPECT_EQ(FileContents(fs_, "/db/a"), "synced");
  EXPECT_EQ(FileContents(fs_, "/db/b"), "");
  EXPECT_EQ(FileContents(fs_, "/db/c"), "whole");
}

TEST_F(FaultInjectionFileSystemTest, FilesNotCreatedThroughItCountAsDurable) {
  std::unique_ptr<WritableFile> file;
  ASSERT_OK(mem_.NewWritableFile("/db/old", &file));
  ASSERT_OK(file->Append("old data"));
  std::uint64_t synced = 0;
  EXPECT_FALSE(fs_.GetSyncedSize("/db/old", &synced));
  ASSERT_OK(fs_.DropUnsyncedData());
  ASSERT_OK(fs_.DeleteFilesCreatedAfterLastDirSync());
  EXPECT_EQ(FileContents(fs_, "/db/old"), "old data");
}

TEST_F(FaultInjectionFileSystemTest, DropRandomUnsyncedDataKeepsSyncedPrefix) {
  const std::string synced(1000, 's');
  const std::string unsynced(3000, 'u');
  bool saw_shorter = false;
  bool saw_damage = false;
  for (std::uint32_t seed = 0; seed < 100; ++seed) {
    WriteFile("/db/f", synced, unsynced);
    ASSERT_OK(fs_.DropRandomUnsyncedData(seed));
    const std::string after = FileContents(fs_, "/db/f");
    ASSERT_GE(after.size(), synced.size());
    ASSERT_LE(after.size(), synced.size() + unsynced.size());
    ASSERT_EQ(after.substr(0, synced.size()), synced) << "seed " << seed;
    saw_shorter |= after.size() < synced.size() + unsynced.size();
    saw_damage |= after.substr(synced.size()) != unsynced.substr(0, after.size() - synced.size());
    // What survived is on disk now: nothing further is dropped.
    ASSERT_OK(fs_.DropUnsyncedData());
    ASSERT_EQ(FileContents(fs_, "/db/f"), after);

    // The same seed and history give the same result.
    WriteFile("/db/f", synced, unsynced);
    ASSERT_OK(fs_.DropRandomUnsyncedData(seed));
    ASSERT_EQ(FileContents(fs_, "/db/f"), after);
  }
  EXPECT_TRUE(saw_shorter);
  EXPECT_TRUE(saw_damage);
}

TEST_F(FaultInjectionFileSystemTest, UndoesCreationsNotDirSynced) {
  ASSERT_OK(fs_.CreateDir("/db"));
  WriteFile("/db/kept", "k", "");
  ASSERT_OK(fs_.SyncDir("/db/"));
  WriteFile("/db/lost", "l", "");
  WriteFile("/other/elsewhere", "e", "");
  ASSERT_OK(fs_.SyncDir("/other"));
  ASSERT_OK(fs_.DeleteFilesCreatedAfterLastDirSync());
  EXPECT_EQ(FileContents(fs_, "/db/kept"), "k");
  EXPECT_EQ(FileContents(fs_, "/db/lost"), "NOT_FOUND");
  EXPECT_EQ(FileContents(fs_, "/other/elsewhere"), "e");
}

TEST_F(FaultInjectionFileSystemTest, RenameNotDirSyncedIsUndone) {
  ASSERT_OK(WriteFileAtomically(&fs_, "/db", "CURRENT", "MANIFEST-000001\n"));
  ASSERT_OK(fs_.SyncDir("/db"));
  // The same steps, stopping before the directory sync.
  WriteFile("/db/CURRENT.tmp", "MANIFEST-000002\n", "");
  ASSERT_OK(fs_.RenameFile("/db/CURRENT.tmp", "/db/CURRENT"));
  EXPECT_EQ(FileContents(fs_, "/db/CURRENT"), "MANIFEST-000002\n");
  ASSERT_OK(fs_.DeleteFilesCreatedAfterLastDirSync());
  EXPECT_EQ(FileContents(fs_, "/db/CURRENT"), "MANIFEST-000001\n");
  EXPECT_EQ(FileContents(fs_, "/db/CURRENT.tmp"), "NOT_FOUND");
}

TEST_F(FaultInjectionFileSystemTest, RenameAfterDirSyncSurvives) {
  ASSERT_OK(WriteFileAtomically(&fs_, "/db", "CURRENT", "MANIFEST-000001\n"));
  ASSERT_OK(fs_.SyncDir("/db"));
  ASSERT_OK(WriteFileAtomically(&fs_, "/db", "CURRENT", "MANIFEST-000002\n"));
  ASSERT_OK(fs_.SyncDir("/db"));
  ASSERT_OK(fs_.DeleteFilesCreatedAfterLastDirSync());
  ASSERT_OK(fs_.DropUnsyncedData());
  EXPECT_EQ(FileContents(fs_, "/db/CURRENT"), "MANIFEST-000002\n");
}

TEST_F(FaultInjectionFileSystemTest, RenamedDurableFileGoesBackToItsOldName) {
  WriteFile("/db/a", "A", "");
  ASSERT_OK(fs_.SyncDir("/db"));
  ASSERT_OK(fs_.RenameFile("/db/a", "/db/b"));
  ASSERT_OK(fs_.DeleteFilesCreatedAfterLastDirSync());
  EXPECT_EQ(FileContents(fs_, "/db/a"), "A");
  EXPECT_EQ(FileContents(fs_, "/db/b"), "NOT_FOUND");
  // Its durability state moved with it.
  std::uint64_t synced = 0;
  ASSERT_TRUE(fs_.GetSyncedSize("/db/a", &synced));
  EXPECT_EQ(synced, 1u);
}

TEST_F(FaultInjectionFileSystemTest, InactiveFileSystemChangesNothing) {
  WriteFile("/db/f", "synced", "");
  std::unique_ptr<WritableFile> file;
  ASSERT_OK(fs_.NewWritableFile("/db/open", &file));
  ASSERT_OK(file->Append("buffered"));

  fs_.SetFilesystemActive(false);
  EXPECT_FALSE(fs_.IsFilesystemActive());
  Status s = file->Append("x");
  EXPECT_TRUE(s.IsIOError());
  EXPECT_NE(s.ToString().find("injected"), std::string::npos) << s.ToString();
  EXPECT_TRUE(file->Flush().IsIOError());
  EXPECT_TRUE(file->Sync().IsIOError());
  EXPECT_TRUE(file->Close().IsIOError());
  std::unique_ptr<WritableFile> other;
  EXPECT_TRUE(fs_.NewWritableFile("/db/new", &other).IsIOError());
  EXPECT_TRUE(fs_.RenameFile("/db/f", "/db/g").IsIOError());
  EXPECT_TRUE(fs_.RemoveFile("/db/f").IsIOError());
  EXPECT_TRUE(fs_.SyncDir("/db").IsIOError());
  EXPECT_TRUE(fs_.CreateDir("/db2").IsIOError());
  // Reads still work, and nothing changed.
  EXPECT_EQ(FileContents(fs_, "/db/f"), "synced");
  EXPECT_EQ(FileContents(fs_, "/db/open"), "");
  EXPECT_FALSE(fs_.FileExists("/db/new"));

  fs_.SetFilesystemActive(true);
  ASSERT_OK(fs_.NewWritableFile("/db/new", &other));
}

TEST_F(FaultInjectionFileSystemTest, InjectedWriteErrors) {
  std::unique_ptr<WritableFile> file;
  ASSERT_OK(fs_.NewWritableFile("/db/f", &file));
  fs_.InjectWriteErrors(1, 5);
  Status s = file->Append("x");
  EXPECT_TRUE(s.IsIOError());
  EXPECT_NE(s.ToString().find("injected"), std::string::npos);
  EXPECT_TRUE(file->Flush().IsIOError());
  EXPECT_EQ(file->Size(), 0u);  // the failed append changed nothing

  fs_.InjectWriteErrors(3, 5);
  int failures = 0;
  for (int i = 0; i < 300; ++i) {
    failures += file->Append("x").ok() ? 0 : 1;
  }
  EXPECT_GT(failures, 50);
  EXPECT_LT(failures, 150);
  EXPECT_EQ(file->Size(), 300u - failures);
  EXPECT_EQ(fs_.injected_error_count(), 2u + failures);

  fs_.InjectWriteErrors(0, 0);
  ASSERT_OK(file->Append("y"));
  ASSERT_OK(file->Flush());
}

TEST_F(FaultInjectionFileSystemTest, InjectedSyncErrorsLeaveDataUnsynced) {
  std::unique_ptr<WritableFile> file;
  ASSERT_OK(fs_.NewWritableFile("/db/f", &file));
  ASSERT_OK(file->Append("durable"));
  ASSERT_OK(file->Sync());
  ASSERT_OK(file->Append("+more"));
  fs_.InjectSyncErrors(1, 9);
  EXPECT_TRUE(file->Sync().IsIOError());
  EXPECT_TRUE(fs_.SyncDir("/db").IsIOError());
  fs_.InjectSyncErrors(0, 0);
  ASSERT_OK(file->Flush());
  ASSERT_OK(file->Close());
  EXPECT_EQ(FileContents(fs_, "/db/f"), "durable+more");
  ASSERT_OK(fs_.DropUnsyncedData());
  EXPECT_EQ(FileContents(fs_, "/db/f"), "durable");
  // The failed SyncDir left the creation undoable.
  ASSERT_OK(fs_.DeleteFilesCreatedAfterLastDirSync());
  EXPECT_EQ(FileContents(fs_, "/db/f"), "NOT_FOUND");
}

TEST(FaultInjectionPosixTest, DropsUnsyncedDataOfRealFiles) {
  const std::string dir = testing::TempDir() + "aeternus_fault_fs_" + std::to_string(::getpid());
  FileSystem* posix = FileSystem::Default();
  ASSERT_OK(posix->CreateDir(dir));
  FaultInjectionFileSystem fs(posix);
  const std::string path = dir + "/000001.log";
  {
    std::unique_ptr<WritableFile> file;
    ASSERT_OK(fs.NewWritableFile(path, &file));
    ASSERT_OK(file->Append("synced"));
    ASSERT_OK(file->Sync());
    ASSERT_OK(file->Append("unsynced"));
    ASSERT_OK(file->Flush());
    ASSERT_OK(file->Append("never flushed"));
    fs.SetFilesystemActive(false);
  }
  fs.SetFilesystemActive(true);
  EXPECT_EQ(FileContents(*posix, path), "syncedunsynced");
  ASSERT_OK(fs.DropUnsyncedData());
  EXPECT_EQ(FileContents(*posix, path), "synced");
  ASSERT_OK(fs.DeleteFilesCreatedAfterLastDirSync());
  EXPECT_FALSE(posix->FileExists(path));
  ::rmdir(dir.c_str());
}

}  // namespace
}  // namespace aeternus
