// Failed system calls of the POSIX file system (env/posix_file_system.cc),
// made to fail through the test seam of env/posix_syscalls.h: each failure
// surfaces as an IOError that names the path (and the call, where the
// file system says which one failed), and the file system stays usable.
// Last, a database on the POSIX file system whose WAL cannot be synced.

#include <cerrno>
#include <cstdint>
#include <cstring>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "aeternus/db.h"
#include "aeternus/options.h"
#include "aeternus/status.h"

#include "env/file_system.h"
#include "env/posix_log_file.h"
#include "env/posix_syscalls.h"
#include "testutil/db_test_base.h"
#include "testutil/file_contents.h"
#include "testutil/status_assertions.h"
#include "testutil/temp_dir.h"

namespace aeternus {
namespace {

using test::FileContents;

// `s` is an IOError whose text names `path`, the error `err` and, when not
// empty, `call`.
::testing::AssertionResult IOErrorNaming(const Status& s, std::string_view path, int err,
                                         std::string_view call = {}) {
  if (!s.IsIOError()) {
    return ::testing::AssertionFailure() << "not an IOError: " << s.ToString();
  }
  const std::string text = s.ToString();
  for (std::string_view part : {path, std::string_view(std::strerror(err)), call}) {
    if (text.find(part) == std::string::npos) {
      return ::testing::AssertionFailure() << "\"" << text << "\" does not name \"" << part << "\"";
    }
  }
  return ::testing::AssertionSuccess();
}

// Windows of 4, 8 and then 16 KiB.
PosixLogFileOptions SmallWindows() {
  PosixLogFileOptions o;
  o.initial_window = 4096;
  o.max_window = 16384;
  return o;
}

// A log file whose mmap failed appends with write(2): its errors are those
// of a writable file, and its Close truncates the space reserved before.
// Holds "abc", flushed, in a file of 4 KiB.
void OpenBufferedLogFile(const std::string& path, std::unique_ptr<WritableFile>* file) {
  PosixLogFileOptions o = SmallWindows();
  o.fail_mmap_from = 1;
  ASSERT_OK(NewPosixLogFile(path, o, file));
  ASSERT_OK((*file)->Append("abc"));  // reserves 4 KiB, then falls back
  ASSERT_OK((*file)->Flush());
  std::uint64_t size = 0;
  ASSERT_OK(FileSystem::Default()->GetFileSize(path, &size));
  ASSERT_EQ(size, 4096u);
}

class PosixFileSystemErrorsTest : public ::testing::Test {
 protected:
  void WriteFile(const std::string& path, std::string_view data) {
    std::unique_ptr<WritableFile> file;
    ASSERT_OK(fs_->NewWritableFile(path, &file));
    ASSERT_OK(file->Append(data));
    ASSERT_OK(file->Close());
  }
  std::uint64_t DiskSize(const std::string& path) {
    std::uint64_t size = 0;
    EXPECT_OK(fs_->GetFileSize(path, &size));
    return size;
  }

  // The kinds of writable file, each opened holding "abc": a plain file,
  // a log file appending through its mapping, a log file whose mmap failed.
  enum class Kind { kWritable, kMappedLog, kBufferedLog };
  static constexpr Kind kKinds[] = {Kind::kWritable, Kind::kMappedLog, Kind::kBufferedLog};
  void OpenWithAbc(Kind kind, std::unique_ptr<WritableFile>* file, std::string* path) {
    *path = kind == Kind::kWritable ? path_ : log_path_;
    if (kind == Kind::kBufferedLog) {
      ASSERT_NO_FATAL_FAILURE(OpenBufferedLogFile(*path, file));
      return;
    }
    if (kind == Kind::kWritable) {
      ASSERT_OK(fs_->NewWritableFile(*path, file));
    } else {
      ASSERT_OK(NewPosixLogFile(*path, SmallWindows(), file));
    }
    ASSERT_OK((*file)->Append("abc"));
  }

  test::TempDir dir_{"posix-fs-errors-test"};
  const std::string path_ = dir_.Sub("000007.dat");
  const std::string log_path_ = dir_.Sub("000009.log");
  FileSystem* const fs_ = FileSystem::Default();
};

// ---------------------------------------------------------------- the seam

TEST_F(PosixFileSystemErrorsTest, FaultFailsTheNthMatchingCallOnce) {
  WriteFile(path_, "x");
  const std::string other = dir_.Sub("other");
  WriteFile(other, "y");
  ScopedPosixFault fault(
      {.call = PosixCall::kAccess, .error = EIO, .nth = 2, .path_contains = "000007"});
  EXPECT_TRUE(fs_->FileExists(other));  // does not match
  EXPECT_TRUE(fs_->FileExists(path_));  // the 1st match
  errno = 0;
  EXPECT_EQ(posix::Access(path_, F_OK), -1);  // the 2nd: fails, no call made
  EXPECT_EQ(errno, EIO);
  EXPECT_TRUE(fs_->FileExists(path_));  // once only
  EXPECT_EQ(fault.matched(), 3);
  EXPECT_EQ(fault.failed(), 1);
}

TEST_F(PosixFileSystemErrorsTest, PersistentFaultFailsEveryMatchingCallFromTheNth) {
  WriteFile(path_, "x");
  {
    ScopedPosixFault fault(
        {.call = PosixCall::kStat, .nth = 2, .persistent = true, .path_contains = path_});
    std::uint64_t size = 0;
    EXPECT_OK(fs_->GetFileSize(path_, &size));
    for (int i = 0; i < 3; ++i) {
      EXPECT_TRUE(IOErrorNaming(fs_->GetFileSize(path_, &size), path_, EIO));
      EXPECT_EQ(size, 0u);
    }
    EXPECT_EQ(fault.matched(), 4);
    EXPECT_EQ(fault.failed(), 3);
  }
  EXPECT_EQ(DiskSize(path_), 1u);  // uninstalled with the fault
}

TEST_F(PosixFileSystemErrorsTest, DescriptorCallsMatchThePathTheyWereOpenedWith) {
  ScopedPosixFault fault(
      {.call = PosixCall::kFdatasync, .persistent = true, .path_contains = ".log"});
  std::unique_ptr<WritableFile> data;
  ASSERT_OK(fs_->NewWritableFile(path_, &data));
  ASSERT_OK(data->Append("data"));
  EXPECT_OK(data->Sync());
  std::unique_ptr<WritableFile> log;
  ASSERT_OK(fs_->NewWritableFile(log_path_, &log));
  ASSERT_OK(log->Append("log"));
  EXPECT_TRUE(IOErrorNaming(log->Sync(), log_path_, EIO));
  EXPECT_EQ(fault.matched(), 1);
  EXPECT_EQ(fault.failed(), 1);
  ASSERT_OK(data->Close());
  // The failed sync stays the log file's state.
  EXPECT_TRUE(IOErrorNaming(log->Close(), log_path_, EIO));
}

TEST_F(PosixFileSystemErrorsTest, PosixFadviseReturnsTheErrorInsteadOfSettingErrno) {
  ScopedPosixFault fault(
      {.call = PosixCall::kPosixFadvise, .error = EINVAL, .path_contains = path_});
  errno = 0;
  EXPECT_EQ(posix::PosixFadvise(-1, 0, 0, POSIX_FADV_NORMAL, path_), EINVAL);
  EXPECT_EQ(errno, 0);
}

TEST_F(PosixFileSystemErrorsTest, CallsFromOtherThreadsAreCounted) {
  WriteFile(path_, "x");
  ScopedPosixFault fault(
      {.call = PosixCall::kAccess, .error = EIO, .nth = 1000000, .path_contains = "000007"});
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 1000; ++i) {
        EXPECT_TRUE(fs_->FileExists(path_));
      }
    });
  }
  for (auto& t : threads) {
    t.join();
  }
  EXPECT_EQ(fault.matched(), 4000);
  EXPECT_EQ(fault.failed(), 0);
}

// ---------------------------------------------------------------- writable files

TEST_F(PosixFileSystemErrorsTest, WriteErrorFailsFlushSyncAndLargeAppends) {
  // How the failing write(2) comes: a flush of the buffer, a sync, an append
  // the buffer has no room for (the buffer is written first), an append
  // larger than the whole buffer (written at once).
  const std::vector<std::function<Status(WritableFile&)>> ways = {
      [](WritableFile& f) { return f.Flush(); },
      [](WritableFile& f) { return f.Sync(); },
      [](WritableFile& f) { return f.Append(std::string(60 << 10, 'a')); },
      [](WritableFile& f) { return f.Append(std::string(100 << 10, 'a')); },
  };
  for (int err : {EIO, ENOSPC}) {
    for (std::size_t way = 0; way < ways.size(); ++way) {
      SCOPED_TRACE(std::string(std::strerror(err)) + ", way " + std::to_string(way));
      std::unique_ptr<WritableFile> file;
      ASSERT_OK(fs_->NewWritableFile(path_, &file));
      ASSERT_OK(file->Append(std::string(8 << 10, 'b')));
      {
        ScopedPosixFault fault({.call = PosixCall::kWrite, .error = err, .path_contains = path_});
        EXPECT_TRUE(IOErrorNaming(ways[way](*file), path_, err));
        EXPECT_EQ(fault.failed(), 1);
      }
      // What reached the file is unknown: every later call returns the
      // error, though write(2) works again.
      EXPECT_TRUE(IOErrorNaming(file->Append("again"), path_, err));
      EXPECT_TRUE(IOErrorNaming(file->Flush(), path_, err));
      EXPECT_TRUE(IOErrorNaming(file->Sync(), path_, err));
      // Close reports it too, and releases the descriptor all the same.
      EXPECT_TRUE(IOErrorNaming(file->Close(), path_, err));
      WriteFile(path_, "after");
      EXPECT_EQ(FileContents(*fs_, path_), "after");
    }
  }
}

TEST_F(PosixFileSystemErrorsTest, SyncErrorIsRememberedByEveryKindOfFile) {
  for (const Kind kind : kKinds) {
    SCOPED_TRACE(static_cast<int>(kind));
    std::unique_ptr<WritableFile> file;
    std::string path;
    ASSERT_NO_FATAL_FAILURE(OpenWithAbc(kind, &file, &path));
    {
      ScopedPosixFault fault({.call = PosixCall::kFdatasync, .path_contains = path});
      EXPECT_TRUE(IOErrorNaming(file->Sync(), path, EIO));
      EXPECT_EQ(fault.failed(), 1);
    }
    // A failed sync may have dropped pages marked clean: the file refuses
    // to go on, and a later sync never reports the lost bytes as durable.
    EXPECT_TRUE(IOErrorNaming(file->Append("def"), path, EIO));
    EXPECT_TRUE(IOErrorNaming(file->Sync(), path, EIO));
    // Close reports it, and truncates (a log file) and closes all the same.
    EXPECT_TRUE(IOErrorNaming(file->Close(), path, EIO));
    EXPECT_EQ(FileContents(*fs_, path), "abc");
  }
}

TEST_F(PosixFileSystemErrorsTest, CloseErrorReleasesEveryKindOfFile) {
  for (const Kind kind : kKinds) {
    SCOPED_TRACE(static_cast<int>(kind));
    std::unique_ptr<WritableFile> file;
    std::string path;
    ASSERT_NO_FATAL_FAILURE(OpenWithAbc(kind, &file, &path));
    {
      ScopedPosixFault fault({.call = PosixCall::kClose, .path_contains = path});
      EXPECT_TRUE(IOErrorNaming(file->Close(), path, EIO));
      EXPECT_EQ(fault.failed(), 1);
    }
    // The descriptor is released all the same (as Linux does), and never
    // closed again; a log file was truncated before.
    EXPECT_OK(file->Close());
    file.reset();
    EXPECT_EQ(FileContents(*fs_, path), "abc");
  }
}

TEST_F(PosixFileSystemErrorsTest, OpenErrorOfAWritableFile) {
  for (int err : {EIO, ENOSPC}) {
    SCOPED_TRACE(std::strerror(err));
    std::unique_ptr<WritableFile> file;
    {
      ScopedPosixFault fault({.call = PosixCall::kOpen, .error = err, .path_contains = path_});
      EXPECT_TRUE(IOErrorNaming(fs_->NewWritableFile(path_, &file), path_, err));
      EXPECT_EQ(file, nullptr);
    }
    EXPECT_FALSE(fs_->FileExists(path_));
  }
  WriteFile(path_, "abc");
  EXPECT_EQ(FileContents(*fs_, path_), "abc");
}

// ---------------------------------------------------------------- log files

TEST_F(PosixFileSystemErrorsTest, OpenErrorOfALogFile) {
  for (int err : {EIO, ENOSPC}) {
    SCOPED_TRACE(std::strerror(err));
    std::unique_ptr<WritableFile> file;
    ScopedPosixFault fault({.call = PosixCall::kOpen, .error = err, .path_contains = log_path_});
    EXPECT_TRUE(IOErrorNaming(fs_->NewLogFile(log_path_, &file), log_path_, err));
    EXPECT_EQ(file, nullptr);
    EXPECT_FALSE(fs_->FileExists(log_path_));
  }
  std::unique_ptr<WritableFile> file;
  ASSERT_OK(fs_->NewLogFile(log_path_, &file));
  ASSERT_OK(file->Append("abc"));
  ASSERT_OK(file->Close());
  EXPECT_EQ(FileContents(*fs_, log_path_), "abc");
}

TEST_F(PosixFileSystemErrorsTest, FallocateErrorFailsTheAppend) {
  for (int err : {EIO, ENOSPC}) {
    SCOPED_TRACE(std::strerror(err));
    std::unique_ptr<WritableFile> file;
    ASSERT_OK(NewPosixLogFile(log_path_, SmallWindows(), &file));
    ASSERT_OK(file->Append("abc"));  // the first window
    {
      // The whole next window, then what the append needs: both fail.
      ScopedPosixFault fault({.call = PosixCall::kFallocate,
                              .error = err,
                              .persistent = true,
                              .path_contains = log_path_});
      EXPECT_TRUE(IOErrorNaming(file->Append(std::string(5000, 'b')), log_path_, err, "fallocate"));
      EXPECT_EQ(fault.failed(), 2);
      EXPECT_EQ(file->Size(), 3u);
    }
    ASSERT_OK(file->Append(std::string(5000, 'c')));
    ASSERT_OK(file->Close());
    EXPECT_EQ(FileContents(*fs_, log_path_), "abc" + std::string(5000, 'c'));
  }
}

TEST_F(PosixFileSystemErrorsTest, TruncateErrorAtCloseOfAMappedLogFile) {
  for (int err : {EIO, ENOSPC}) {
    SCOPED_TRACE(std::strerror(err));
    std::unique_ptr<WritableFile> file;
    ASSERT_OK(NewPosixLogFile(log_path_, SmallWindows(), &file));
    ASSERT_OK(file->Append("abc"));
    {
      ScopedPosixFault fault(
          {.call = PosixCall::kFtruncate, .error = err, .path_contains = log_path_});
      EXPECT_TRUE(IOErrorNaming(file->Close(), log_path_, err, "ftruncate"));
      EXPECT_EQ(fault.failed(), 1);
    }
    // Closed all the same; the reserved zeros stay after the bytes.
    EXPECT_TRUE(file->Append("x").IsIOError());
    EXPECT_OK(file->Close());
    EXPECT_EQ(FileContents(*fs_, log_path_), "abc" + std::string(4096 - 3, '\0'));
  }
}

TEST_F(PosixFileSystemErrorsTest, UnmapErrorAtCloseOfAMappedLogFile) {
  std::unique_ptr<WritableFile> file;
  ASSERT_OK(NewPosixLogFile(log_path_, SmallWindows(), &file));
  ASSERT_OK(file->Append("abc"));
  {
    ScopedPosixFault fault({.call = PosixCall::kMunmap, .path_contains = log_path_});
    EXPECT_TRUE(IOErrorNaming(file->Close(), log_path_, EIO, "munmap"));
    EXPECT_EQ(fault.failed(), 1);
  }
  // Truncated and closed all the same.
  EXPECT_OK(file->Close());
  EXPECT_EQ(FileContents(*fs_, log_path_), "abc");
}

TEST_F(PosixFileSystemErrorsTest, UnmapErrorWhenAnAppendMovesToTheNextWindow) {
  std::unique_ptr<WritableFile> file;
  ASSERT_OK(NewPosixLogFile(log_path_, SmallWindows(), &file));
  const std::string first(4096, 'a');  // fills the first window
  ASSERT_OK(file->Append(first));
  {
    ScopedPosixFault fault({.call = PosixCall::kMunmap, .path_contains = log_path_});
    EXPECT_TRUE(IOErrorNaming(file->Append("b"), log_path_, EIO, "munmap"));
    EXPECT_EQ(fault.failed(), 1);
  }
  EXPECT_EQ(file->Size(), first.size());
  // The window is gone: every later append and sync fails with the error.
  EXPECT_TRUE(IOErrorNaming(file->Append("c"), log_path_, EIO, "munmap"));
  EXPECT_TRUE(IOErrorNaming(file->Sync(), log_path_, EIO, "munmap"));
  EXPECT_TRUE(IOErrorNaming(file->Flush(), log_path_, EIO, "munmap"));
  // Close reports it, and truncates and closes all the same.
  EXPECT_TRUE(IOErrorNaming(file->Close(), log_path_, EIO, "munmap"));
  EXPECT_EQ(FileContents(*fs_, log_path_), first);
}

TEST_F(PosixFileSystemErrorsTest, UnmapErrorWhenALogFileFallsBackToWrite) {
  PosixLogFileOptions o = SmallWindows();
  o.fail_fallocate_from = 2;  // the first window is reserved and mapped
  o.fallocate_errno = EOPNOTSUPP;
  std::unique_ptr<WritableFile> file;
  ASSERT_OK(NewPosixLogFile(log_path_, o, &file));
  const std::string first(4000, 'a');
  ASSERT_OK(file->Append(first));
  {
    ScopedPosixFault fault({.call = PosixCall::kMunmap, .path_contains = log_path_});
    EXPECT_TRUE(IOErrorNaming(file->Append(std::string(200, 'b')), log_path_, EIO, "munmap"));
    EXPECT_EQ(fault.failed(), 1);
  }
  EXPECT_EQ(file->Size(), first.size());
  EXPECT_TRUE(IOErrorNaming(file->Append("c"), log_path_, EIO, "munmap"));
  EXPECT_TRUE(IOErrorNaming(file->Close(), log_path_, EIO, "munmap"));
  EXPECT_EQ(FileContents(*fs_, log_path_), first);
}

TEST_F(PosixFileSystemErrorsTest, UnmapErrorWhenSyncsBecomeFrequent) {
  std::unique_ptr<WritableFile> file;
  ASSERT_OK(fs_->NewLogFile(log_path_, &file));
  ASSERT_OK(file->Append("abc"));
  ASSERT_OK(file->Sync());
  ASSERT_OK(file->Append("def"));
  {
    // The second sync comes soon after the first: the window is unmapped
    // to be mapped again, advised.
    ScopedPosixFault fault({.call = PosixCall::kMunmap, .path_contains = log_path_});
    EXPECT_TRUE(IOErrorNaming(file->Sync(), log_path_, EIO, "munmap"));
    EXPECT_EQ(fault.failed(), 1);
  }
  EXPECT_TRUE(IOErrorNaming(file->Append("ghi"), log_path_, EIO, "munmap"));
  EXPECT_TRUE(IOErrorNaming(file->Close(), log_path_, EIO, "munmap"));
  EXPECT_EQ(FileContents(*fs_, log_path_), "abcdef");
}

// madvise and posix_fadvise are advice: their failures change nothing.
TEST_F(PosixFileSystemErrorsTest, AdviceErrorsAreIgnored) {
  for (PosixCall call : {PosixCall::kPosixFadvise, PosixCall::kMadvise}) {
    SCOPED_TRACE(PosixCallName(call));
    std::unique_ptr<WritableFile> file;
    ASSERT_OK(fs_->NewLogFile(log_path_, &file));
    ASSERT_OK(file->Append("abc"));
    ASSERT_OK(file->Sync());
    ASSERT_OK(file->Append("def"));
    ScopedPosixFault fault({.call = call, .persistent = true, .path_contains = log_path_});
    ASSERT_OK(file->Sync());  // frequent: remapped and advised
    EXPECT_EQ(fault.failed(), 1);
    ASSERT_OK(file->Append("ghi"));
    ASSERT_OK(file->Sync());
    ASSERT_OK(file->Close());
    EXPECT_EQ(FileContents(*fs_, log_path_), "abcdefghi");
  }
}

TEST_F(PosixFileSystemErrorsTest, SeekErrorWhenALogFileFallsBackToWrite) {
  PosixLogFileOptions o = SmallWindows();
  o.fail_mmap_from = 1;  // every mmap fails: the file moves to write(2)
  std::unique_ptr<WritableFile> file;
  ASSERT_OK(NewPosixLogFile(log_path_, o, &file));
  {
    ScopedPosixFault fault({.call = PosixCall::kLseek, .path_contains = log_path_});
    EXPECT_TRUE(IOErrorNaming(file->Append("abc"), log_path_, EIO, "lseek"));
    EXPECT_EQ(fault.failed(), 1);
  }
  EXPECT_EQ(file->Size(), 0u);
  // Neither mapped nor at a known offset: the file refuses to go on.
  EXPECT_TRUE(IOErrorNaming(file->Append("def"), log_path_, EIO, "lseek"));
  EXPECT_TRUE(IOErrorNaming(file->Sync(), log_path_, EIO, "lseek"));
  EXPECT_TRUE(IOErrorNaming(file->Close(), log_path_, EIO, "lseek"));
  EXPECT_EQ(FileContents(*fs_, log_path_), "");
}

TEST_F(PosixFileSystemErrorsTest, TruncateErrorAtCloseOfABufferedLogFile) {
  for (int err : {EIO, ENOSPC}) {
    SCOPED_TRACE(std::strerror(err));
    std::unique_ptr<WritableFile> file;
    ASSERT_NO_FATAL_FAILURE(OpenBufferedLogFile(log_path_, &file));
    {
      ScopedPosixFault fault(
          {.call = PosixCall::kFtruncate, .error = err, .path_contains = log_path_});
      EXPECT_TRUE(IOErrorNaming(file->Close(), log_path_, err, "ftruncate"));
      EXPECT_EQ(fault.failed(), 1);
    }
    EXPECT_OK(file->Close());
    EXPECT_EQ(FileContents(*fs_, log_path_), "abc" + std::string(4096 - 3, '\0'));
  }
}

TEST_F(PosixFileSystemErrorsTest, WriteErrorOfABufferedLogFile) {
  for (int err : {EIO, ENOSPC}) {
    SCOPED_TRACE(std::strerror(err));
    std::unique_ptr<WritableFile> file;
    ASSERT_NO_FATAL_FAILURE(OpenBufferedLogFile(log_path_, &file));
    ASSERT_OK(file->Append("def"));
    {
      ScopedPosixFault fault({.call = PosixCall::kWrite, .error = err, .path_contains = log_path_});
      EXPECT_TRUE(IOErrorNaming(file->Sync(), log_path_, err));
      EXPECT_EQ(fault.failed(), 1);
    }
    EXPECT_TRUE(IOErrorNaming(file->Append("ghi"), log_path_, err));
    // Truncated to the bytes appended and closed, the error reported.
    EXPECT_TRUE(IOErrorNaming(file->Close(), log_path_, err));
    EXPECT_EQ(FileContents(*fs_, log_path_).size(), 6u);
  }
}

TEST_F(PosixFileSystemErrorsTest, FlushAndSyncOfAClosedLogFile) {
  std::unique_ptr<WritableFile> file;
  ASSERT_OK(fs_->NewLogFile(log_path_, &file));
  ASSERT_OK(file->Append("abc"));
  ASSERT_OK(file->Close());
  for (const Status& s : {file->Append("x"), file->Flush(), file->Sync()}) {
    EXPECT_TRUE(s.IsIOError()) << s.ToString();
    EXPECT_NE(s.ToString().find(log_path_), std::string::npos) << s.ToString();
    EXPECT_NE(s.ToString().find("closed file"), std::string::npos) << s.ToString();
  }
  EXPECT_OK(file->Close());
  EXPECT_EQ(FileContents(*fs_, log_path_), "abc");
}

// ---------------------------------------------------------------- interrupted calls

// EINTR is no error: the call is made again.
TEST_F(PosixFileSystemErrorsTest, InterruptedCallsAreRetried) {
  std::unique_ptr<WritableFile> writable;
  ASSERT_OK(fs_->NewWritableFile(path_, &writable));
  ASSERT_OK(writable->Append("hello"));
  {
    ScopedPosixFault fault({.call = PosixCall::kWrite, .error = EINTR, .path_contains = path_});
    ASSERT_OK(writable->Close());
    EXPECT_EQ(fault.failed(), 1);
  }
  EXPECT_EQ(FileContents(*fs_, path_), "hello");

  std::unique_ptr<SequentialFile> sequential;
  ASSERT_OK(fs_->NewSequentialFile(path_, &sequential));
  char scratch[16];
  std::string_view got;
  {
    ScopedPosixFault fault({.call = PosixCall::kRead, .error = EINTR, .path_contains = path_});
    ASSERT_OK(sequential->Read(sizeof(scratch), scratch, &got));
    EXPECT_EQ(got, "hello");
    EXPECT_EQ(fault.failed(), 1);
  }

  std::unique_ptr<RandomAccessFile> random;
  {
    ScopedPosixFault fault({.call = PosixCall::kMmap, .path_contains = path_});
    ASSERT_OK(fs_->NewRandomAccessFile(path_, &random));
  }
  {
    ScopedPosixFault fault({.call = PosixCall::kPread, .error = EINTR, .path_contains = path_});
    ASSERT_OK(random->Read(0, sizeof(scratch), scratch, &got));
    EXPECT_EQ(got, "hello");
    EXPECT_EQ(fault.failed(), 1);
  }

  for (PosixCall call : {PosixCall::kFallocate, PosixCall::kFtruncate}) {
    SCOPED_TRACE(PosixCallName(call));
    std::unique_ptr<WritableFile> log;
    ScopedPosixFault fault({.call = call, .error = EINTR, .path_contains = log_path_});
    ASSERT_OK(NewPosixLogFile(log_path_, SmallWindows(), &log));
    ASSERT_OK(log->Append("abc"));
    ASSERT_OK(log->Close());
    EXPECT_EQ(fault.failed(), 1);
    EXPECT_EQ(FileContents(*fs_, log_path_), "abc");
  }
}

// ---------------------------------------------------------------- reading

TEST_F(PosixFileSystemErrorsTest, OpenErrorOfFilesToRead) {
  WriteFile(path_, "abc");
  ScopedPosixFault fault({.call = PosixCall::kOpen, .persistent = true, .path_contains = path_});
  std::unique_ptr<RandomAccessFile> random;
  EXPECT_TRUE(IOErrorNaming(fs_->NewRandomAccessFile(path_, &random), path_, EIO));
  std::unique_ptr<SequentialFile> sequential;
  EXPECT_TRUE(IOErrorNaming(fs_->NewSequentialFile(path_, &sequential), path_, EIO));
  EXPECT_EQ(fault.failed(), 2);
}

TEST_F(PosixFileSystemErrorsTest, OpenOfAMissingFileIsNotFound) {
  WriteFile(path_, "abc");
  ScopedPosixFault fault({.call = PosixCall::kOpen, .error = ENOENT, .path_contains = path_});
  std::unique_ptr<RandomAccessFile> random;
  const Status s = fs_->NewRandomAccessFile(path_, &random);
  EXPECT_TRUE(s.IsNotFound()) << s.ToString();
  EXPECT_NE(s.ToString().find(path_), std::string::npos) << s.ToString();
}

TEST_F(PosixFileSystemErrorsTest, FailedMapReadsWithPread) {
  WriteFile(path_, "hello");
  for (PosixCall call : {PosixCall::kMmap, PosixCall::kFstat}) {
    SCOPED_TRACE(PosixCallName(call));
    std::unique_ptr<RandomAccessFile> file;
    {
      ScopedPosixFault fault({.call = call, .path_contains = path_});
      ASSERT_OK(fs_->NewRandomAccessFile(path_, &file));
      EXPECT_EQ(fault.failed(), 1);
    }
    EXPECT_FALSE(file->MemoryMapped());
    char scratch[16];
    std::string_view got;
    ASSERT_OK(file->Read(1, sizeof(scratch), scratch, &got));
    EXPECT_EQ(got, "ello");
  }
}

TEST_F(PosixFileSystemErrorsTest, PreadError) {
  WriteFile(path_, "hello");
  std::unique_ptr<RandomAccessFile> file;
  {
    // Not mapped: reads are preads.
    ScopedPosixFault fault({.call = PosixCall::kMmap, .path_contains = path_});
    ASSERT_OK(fs_->NewRandomAccessFile(path_, &file));
  }
  char scratch[16];
  std::string_view got = "stale";
  {
    ScopedPosixFault fault({.call = PosixCall::kPread, .path_contains = path_});
    EXPECT_TRUE(IOErrorNaming(file->Read(0, 5, scratch, &got), path_, EIO));
    EXPECT_TRUE(got.empty());
    EXPECT_EQ(fault.failed(), 1);
  }
  ASSERT_OK(file->Read(0, 5, scratch, &got));
  EXPECT_EQ(got, "hello");
}

TEST_F(PosixFileSystemErrorsTest, MappedFileReadsWithoutSystemCalls) {
  WriteFile(path_, "hello");
  std::unique_ptr<RandomAccessFile> file;
  ASSERT_OK(fs_->NewRandomAccessFile(path_, &file));
  ASSERT_TRUE(file->MemoryMapped());
  ScopedPosixFault fault({.call = PosixCall::kPread, .persistent = true, .path_contains = path_});
  std::string_view got;
  ASSERT_OK(file->Read(0, 5, nullptr, &got));
  EXPECT_EQ(got, "hello");
  EXPECT_EQ(fault.matched(), 0);
}

TEST_F(PosixFileSystemErrorsTest, SequentialReadError) {
  WriteFile(path_, "hello");
  std::unique_ptr<SequentialFile> file;
  ASSERT_OK(fs_->NewSequentialFile(path_, &file));
  char scratch[16];
  std::string_view got = "stale";
  {
    ScopedPosixFault fault({.call = PosixCall::kRead, .path_contains = path_});
    EXPECT_TRUE(IOErrorNaming(file->Read(sizeof(scratch), scratch, &got), path_, EIO));
    EXPECT_TRUE(got.empty());
    EXPECT_EQ(fault.failed(), 1);
  }
  ASSERT_OK(file->Read(sizeof(scratch), scratch, &got));
  EXPECT_EQ(got, "hello");
}

// ---------------------------------------------------------------- directories and names

TEST_F(PosixFileSystemErrorsTest, RenameError) {
  const std::string to = dir_.Sub("renamed");
  WriteFile(path_, "abc");
  {
    ScopedPosixFault fault({.call = PosixCall::kRename, .path_contains = path_});
    EXPECT_TRUE(IOErrorNaming(fs_->RenameFile(path_, to), path_, EIO));
  }
  EXPECT_EQ(FileContents(*fs_, path_), "abc");
  EXPECT_FALSE(fs_->FileExists(to));
  ASSERT_OK(fs_->RenameFile(path_, to));
  EXPECT_EQ(FileContents(*fs_, to), "abc");
}

TEST_F(PosixFileSystemErrorsTest, RemoveError) {
  WriteFile(path_, "abc");
  {
    ScopedPosixFault fault({.call = PosixCall::kUnlink, .path_contains = path_});
    EXPECT_TRUE(IOErrorNaming(fs_->RemoveFile(path_), path_, EIO));
  }
  EXPECT_TRUE(fs_->FileExists(path_));
  ASSERT_OK(fs_->RemoveFile(path_));
  EXPECT_FALSE(fs_->FileExists(path_));
}

TEST_F(PosixFileSystemErrorsTest, CreateDirError) {
  const std::string dir = dir_.Sub("sub");
  for (int err : {EIO, ENOSPC}) {
    SCOPED_TRACE(std::strerror(err));
    ScopedPosixFault fault({.call = PosixCall::kMkdir, .error = err, .path_contains = dir});
    EXPECT_TRUE(IOErrorNaming(fs_->CreateDir(dir), dir, err));
    EXPECT_FALSE(fs_->FileExists(dir));
  }
  ASSERT_OK(fs_->CreateDir(dir));
  {
    // An existing directory is no error.
    ScopedPosixFault fault({.call = PosixCall::kMkdir, .error = EEXIST, .path_contains = dir});
    EXPECT_OK(fs_->CreateDir(dir));
    EXPECT_EQ(fault.failed(), 1);
  }
  WriteFile(dir + "/f", "abc");
}

TEST_F(PosixFileSystemErrorsTest, ListError) {
  WriteFile(path_, "abc");
  std::vector<std::string> names = {"stale"};
  {
    ScopedPosixFault fault({.call = PosixCall::kOpendir, .path_contains = dir_.path()});
    EXPECT_TRUE(IOErrorNaming(fs_->GetChildren(dir_.path(), &names), dir_.path(), EIO));
    EXPECT_TRUE(names.empty());
  }
  {
    // readdir fails in the middle of the listing: no partial list is OK.
    ScopedPosixFault fault({.call = PosixCall::kReaddir, .nth = 2, .path_contains = dir_.path()});
    names = {"stale"};
    EXPECT_TRUE(IOErrorNaming(fs_->GetChildren(dir_.path(), &names), dir_.path(), EIO, "readdir"));
    EXPECT_TRUE(names.empty());
  }
  ASSERT_OK(fs_->GetChildren(dir_.path(), &names));
  EXPECT_EQ(names, std::vector<std::string>{"000007.dat"});
}

TEST_F(PosixFileSystemErrorsTest, SyncDirErrors) {
  for (PosixCall call : {PosixCall::kOpen, PosixCall::kFsync}) {
    SCOPED_TRACE(PosixCallName(call));
    ScopedPosixFault fault({.call = call, .path_contains = dir_.path()});
    EXPECT_TRUE(IOErrorNaming(fs_->SyncDir(dir_.path()), dir_.path(), EIO));
    EXPECT_EQ(fault.failed(), 1);
  }
  ASSERT_OK(fs_->SyncDir(dir_.path()));
}

TEST_F(PosixFileSystemErrorsTest, LockErrors) {
  const std::string lock_path = dir_.Sub("LOCK");
  for (PosixCall call : {PosixCall::kOpen, PosixCall::kFcntl}) {
    SCOPED_TRACE(PosixCallName(call));
    ScopedPosixFault fault({.call = call, .error = ENOLCK, .path_contains = lock_path});
    std::unique_ptr<FileLock> lock;
    EXPECT_TRUE(IOErrorNaming(fs_->LockFile(lock_path, &lock), lock_path, ENOLCK));
    EXPECT_EQ(lock, nullptr);
    EXPECT_EQ(fault.failed(), 1);
  }
  {
    // A lock held elsewhere is Busy, not an IOError.
    ScopedPosixFault fault(
        {.call = PosixCall::kFcntl, .error = EAGAIN, .path_contains = lock_path});
    std::unique_ptr<FileLock> lock;
    const Status s = fs_->LockFile(lock_path, &lock);
    EXPECT_TRUE(s.IsBusy()) << s.ToString();
  }
  // Each failure released the path: it can be locked now.
  std::unique_ptr<FileLock> lock;
  ASSERT_OK(fs_->LockFile(lock_path, &lock));
  std::unique_ptr<FileLock> second;
  EXPECT_TRUE(fs_->LockFile(lock_path, &second).IsBusy());
}

// ---------------------------------------------------------------- a database

// A database on the POSIX file system whose WAL cannot be synced any more
// (fdatasync of every .log fails with EIO): the synced write that meets
// the failure reports it, later writes are refused, reads go on, and after
// a reopen every write acknowledged before is there.
class PosixFileSystemErrorsDBTest : public test::DBTestBase {
 protected:
  // Puts three synced writes of 1000 bytes, then `unsynced` ones (about 60
  // fill a memtable, so more leave older WALs unsynced, unless their
  // memtables are flushed first), then makes the WALs' fdatasync fail.
  void Run(int unsynced) {
    ASSERT_OK(Open());
    std::vector<std::string> acknowledged;
    const std::string value(1000, 'v');
    for (int i = 0; i < 3; ++i) {
      const std::string key = "s" + std::to_string(i);
      ASSERT_OK(db().Put(WriteOptions{.sync = true}, key, value));
      acknowledged.push_back(key);
    }
    for (int i = 0; i < unsynced; ++i) {
      const std::string key = "u" + std::to_string(i);
      ASSERT_OK(db().Put(WriteOptions{.sync = false}, key, value));
      acknowledged.push_back(key);
    }

    std::optional<ScopedPosixFault> fault;
    fault.emplace(PosixFault{
        .call = PosixCall::kFdatasync, .error = EIO, .persistent = true, .path_contains = ".log"});
    Status s = db().Put(WriteOptions{.sync = true}, "failed", value);
    EXPECT_TRUE(s.IsIOError()) << s.ToString();
    EXPECT_NE(s.ToString().find(".log"), std::string::npos) << s.ToString();
    EXPECT_NE(s.ToString().find(std::strerror(EIO)), std::string::npos) << s.ToString();
    EXPECT_GE(fault->failed(), 1);

    // No write is accepted after it, synced or not.
    EXPECT_FALSE(db().Put(WriteOptions{.sync = false}, "refused1", "x").ok());
    EXPECT_FALSE(db().Put(WriteOptions{.sync = true}, "refused2", "x").ok());
    EXPECT_FALSE(db().Delete(WriteOptions{.sync = false}, "u0").ok());
    // What was acknowledged is readable.
    for (const std::string& key : acknowledged) {
      ASSERT_EQ(Get(key), value) << key;
    }
    EXPECT_EQ(Get("refused1"), "NOT_FOUND");

    fault.reset();
    Close().IgnoreError();  // the WAL's error is sticky: Close may report it
    ASSERT_OK(Open());
    for (const std::string& key : acknowledged) {
      ASSERT_EQ(Get(key), value) << key;
    }
    // Refused writes never reached the WAL. ("failed" may be there: its
    // record was written before the sync failed.)
    EXPECT_EQ(Get("refused1"), "NOT_FOUND");
    EXPECT_EQ(Get("refused2"), "NOT_FOUND");
    ASSERT_OK(db().Put(WriteOptions{.sync = true}, "reopened", "x"));
    EXPECT_EQ(Get("reopened"), "x");
  }
};

TEST_F(PosixFileSystemErrorsDBTest, WalSyncErrorOnTheCurrentWal) { Run(/*unsynced=*/10); }

// Memtable switches leave older WALs unsynced (unless flushed first): the
// synced write syncs them first, and that fails.
TEST_F(PosixFileSystemErrorsDBTest, WalSyncErrorAfterMemtableSwitches) { Run(/*unsynced=*/200); }

}  // namespace
}  // namespace aeternus
