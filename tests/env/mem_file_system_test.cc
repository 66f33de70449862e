#include "env/mem_file_system.h"

#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>
#include "testutil/file_contents.h"
#include "testutil/status_assertions.h"

namespace aeternus {
namespace {

using test::FileContents;

void WriteFile(FileSystem& fs, const std::string& path, std::string_view data) {
  std::unique_ptr<WritableFile> file;
  ASSERT_OK(fs.NewWritableFile(path, &file));
  ASSERT_OK(file->Append(data));
  ASSERT_OK(file->Close());
}

std::string Children(FileSystem& fs, const std::string& dir) {
  std::vector<std::string> names;
  Status s = fs.GetChildren(dir, &names);
  if (!s.ok()) {
    return s.IsNotFound() ? "NOT_FOUND" : s.ToString();
  }
  std::string out;
  for (const auto& n : names) {
    out += (out.empty() ? "" : ",") + n;
  }
  return out;
}

TEST(MemFileSystemTest, WrittenBytesAreReadable) {
  MemFileSystem fs;
  std::unique_ptr<WritableFile> file;
  ASSERT_OK(fs.NewWritableFile("/d/f", &file));
  ASSERT_OK(file->Append("hello "));
  // Visible before Flush or Close: nothing is buffered.
  EXPECT_EQ(FileContents(fs, "/d/f"), "hello ");
  ASSERT_OK(file->Append("world"));
  ASSERT_OK(file->Sync());
  EXPECT_EQ(file->Size(), 11u);
  ASSERT_OK(file->Close());
  EXPECT_TRUE(file->Append("x").IsIOError());

  std::uint64_t size = 0;
  ASSERT_OK(fs.GetFileSize("/d/f", &size));
  EXPECT_EQ(size, 11u);
  std::unique_ptr<RandomAccessFile> random;
  ASSERT_OK(fs.NewRandomAccessFile("/d/f", &random));
  char scratch[16];
  std::string_view got;
  ASSERT_OK(random->Read(6, 100, scratch, &got));
  EXPECT_EQ(got, "world");
  ASSERT_OK(random->Read(50, 4, scratch, &got));
  EXPECT_TRUE(got.empty());

  std::unique_ptr<SequentialFile> seq;
  ASSERT_OK(fs.NewSequentialFile("/d/f", &seq));
  ASSERT_OK(seq->Read(4, scratch, &got));
  EXPECT_EQ(got, "hell");
  ASSERT_OK(seq->Read(16, scratch, &got));
  EXPECT_EQ(got, "o world");
  ASSERT_OK(seq->Read(16, scratch, &got));
  EXPECT_TRUE(got.empty());
}

TEST(MemFileSystemTest, NewWritableFileTruncates) {
  MemFileSystem fs;
  WriteFile(fs, "/d/f", "old contents");
  WriteFile(fs, "/d/f", "new");
  EXPECT_EQ(FileContents(fs, "/d/f"), "new");
}

TEST(MemFileSystemTest, MissingFilesAreNotFound) {
  MemFileSystem fs;
  std::unique_ptr<SequentialFile> seq;
  std::unique_ptr<RandomAccessFile> random;
  std::uint64_t size = 0;
  EXPECT_TRUE(fs.NewSequentialFile("/nope", &seq).IsNotFound());
  EXPECT_TRUE(fs.NewRandomAccessFile("/nope", &random).IsNotFound());
  EXPECT_TRUE(fs.GetFileSize("/nope", &size).IsNotFound());
  EXPECT_TRUE(fs.RemoveFile("/nope").IsNotFound());
  EXPECT_TRUE(fs.RenameFile("/nope", "/other").IsNotFound());
  EXPECT_FALSE(fs.FileExists("/nope"));
}

TEST(MemFileSystemTest, RenameReplacesTarget) {
  MemFileSystem fs;
  WriteFile(fs, "/d/a", "A");
  WriteFile(fs, "/d/b", "B");
  ASSERT_OK(fs.RenameFile("/d/a", "/d/b"));
  EXPECT_EQ(FileContents(fs, "/d/a"), "NOT_FOUND");
  EXPECT_EQ(FileContents(fs, "/d/b"), "A");
  ASSERT_OK(fs.RenameFile("/d/b", "/d/b"));
  EXPECT_EQ(FileContents(fs, "/d/b"), "A");
}

TEST(MemFileSystemTest, RemovedFileStaysReadableThroughOpenHandle) {
  MemFileSystem fs;
  WriteFile(fs, "/d/f", "data");
  std::unique_ptr<SequentialFile> seq;
  ASSERT_OK(fs.NewSequentialFile("/d/f", &seq));
  ASSERT_OK(fs.RemoveFile("/d/f"));
  EXPECT_FALSE(fs.FileExists("/d/f"));
  char scratch[8];
  std::string_view got;
  ASSERT_OK(seq->Read(8, scratch, &got));
  EXPECT_EQ(got, "data");
}

TEST(MemFileSystemTest, GetChildrenListsDirectEntries) {
  MemFileSystem fs;
  EXPECT_EQ(Children(fs, "/db"), "NOT_FOUND");
  ASSERT_OK(fs.CreateDir("/db"));
  EXPECT_EQ(Children(fs, "/db"), "");
  WriteFile(fs, "/db/000001.log", "");
  WriteFile(fs, "/db/CURRENT", "");
  WriteFile(fs, "/db/sub/x", "");
  WriteFile(fs, "/dbx/y", "");
  ASSERT_OK(fs.CreateDir("/db/empty/"));
  EXPECT_EQ(Children(fs, "/db"), "000001.log,CURRENT,empty,sub");
  EXPECT_EQ(Children(fs, "/db/"), "000001.log,CURRENT,empty,sub");
  EXPECT_EQ(Children(fs, "/db/sub"), "x");
  EXPECT_EQ(Children(fs, "/"), "db,dbx");
  EXPECT_TRUE(fs.FileExists("/db/sub"));
  EXPECT_OK(fs.SyncDir("/db/sub"));
  EXPECT_TRUE(fs.SyncDir("/missing").IsNotFound());
}

TEST(MemFileSystemTest, LockFileIsExclusive) {
  MemFileSystem fs;
  std::unique_ptr<FileLock> lock;
  ASSERT_OK(fs.LockFile("/db/LOCK", &lock));
  EXPECT_TRUE(fs.FileExists("/db/LOCK"));
  std::unique_ptr<FileLock> second;
  EXPECT_TRUE(fs.LockFile("/db/LOCK", &second).IsBusy());
  lock.reset();
  ASSERT_OK(fs.LockFile("/db/LOCK", &second));
}

TEST(MemFileSystemTest, LockOutlivesFileSystem) {
  std::unique_ptr<FileLock> lock;
  {
    MemFileSystem fs;
    ASSERT_OK(fs.LockFile("/db/LOCK", &lock));
  }
  lock.reset();  // must not touch the destroyed file system
}

TEST(MemFileSystemTest, ConcurrentUse) {
  MemFileSystem fs;
  constexpr int kThreads = 4;
  constexpr int kAppends = 2000;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&fs, t] {
      const std::string path = "/db/" + std::to_string(t);
      std::unique_ptr<WritableFile> file;
      ASSERT_OK(fs.NewWritableFile(path, &file));
      for (int i = 0; i < kAppends; ++i) {
        ASSERT_OK(file->Append("0123456789"));
        std::uint64_t size = 0;
        ASSERT_OK(fs.GetFileSize(path, &size));
        ASSERT_EQ(size, 10u * (i + 1));
        std::vector<std::string> names;
        ASSERT_OK(fs.GetChildren("/db", &names));
      }
    });
  }
  for (auto& th : threads) {
    th.join();
  }
  for (int t = 0; t < kThreads; ++t) {
    EXPECT_EQ(FileContents(fs, "/db/" + std::to_string(t)).size(), 10u * kAppends);
  }
}

}  // namespace
}  // namespace aeternus
