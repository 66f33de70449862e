// The log file of the POSIX file system (env/posix_log_file.h): appends
// through reserved, mapped windows, what Close and a process crash leave on
// disk, the fallbacks to write(2) and the errors of a full disk; and the
// default FileSystem::NewLogFile of the other file systems.

#include "env/posix_log_file.h"

#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <functional>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "env/fault_injection_file_system.h"
#include "env/file_system.h"
#include "env/file_system_wrapper.h"
#include "env/mem_file_system.h"
#include "testutil/child_pipe.h"
#include "testutil/file_contents.h"
#include "testutil/process_mappings.h"
#include "testutil/status_assertions.h"
#include "testutil/temp_dir.h"

namespace aeternus {
namespace {

using test::FileContents;

// Windows of 4, 8 and then 16 KiB: a few hundred KiB cross many of them.
PosixLogFileOptions SmallWindows() {
  PosixLogFileOptions o;
  o.initial_window = 4096;
  o.max_window = 16384;
  return o;
}

std::string Bytes(std::size_t n, std::uint32_t seed) {
  std::mt19937 rng(seed);
  std::string s(n, '\0');
  for (auto& c : s) {
    c = static_cast<char>(rng() | 1);  // never zero: a zero tail stands out
  }
  return s;
}

std::uint64_t PageSize() { return static_cast<std::uint64_t>(::sysconf(_SC_PAGESIZE)); }

bool AllZero(std::string_view s) { return s.find_first_not_of('\0') == std::string_view::npos; }

// Runs `body` in a forked child, which reports through the pipe it gets and
// must end with _exit. Returns what it reported; *exit_code is its exit
// status (-1 when it did not exit normally).
std::string RunChild(const std::function<void(int out)>& body, int* exit_code) {
  pid_t pid = -1;
  int from_child = -1;
  const std::string error = test::ForkWithPipe(body, &pid, &from_child);
  if (!error.empty()) {
    *exit_code = -1;
    return error;
  }
  std::string received;
  char buf[4096];
  while (true) {
    const ssize_t n = ::read(from_child, buf, sizeof(buf));
    if (n < 0 && errno == EINTR) {
      continue;
    }
    if (n <= 0) {
      break;
    }
    received.append(buf, static_cast<std::size_t>(n));
  }
  ::close(from_child);
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  *exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return received;
}

// Child side: sends `message` and ends the process without any cleanup.
[[noreturn]] void ReportAndExit(int out, const std::string& message) {
  test::WriteAll(out, message.data(), message.size());
  _exit(0);
}

class PosixLogFileTest : public ::testing::Test {
 protected:
  std::string OnDisk() { return FileContents(*fs_, path_); }
  std::uint64_t DiskSize() {
    std::uint64_t size = 0;
    EXPECT_OK(fs_->GetFileSize(path_, &size));
    return size;
  }
  // The file holds `expected`, then only zeros (reserved space).
  void ExpectAppendedThenZeros(const std::string& expected) {
    const std::string disk = OnDisk();
    ASSERT_GE(disk.size(), expected.size());
    EXPECT_TRUE(disk.compare(0, expected.size(), expected) == 0);
    EXPECT_TRUE(AllZero(std::string_view(disk).substr(expected.size())));
  }

  test::TempDir dir_{"posix-log-file-test"};
  const std::string path_ = dir_.Sub("000001.log");
  FileSystem* const fs_ = FileSystem::Default();
};

TEST_F(PosixLogFileTest, AppendsOfManySizesCrossWindows) {
  std::unique_ptr<WritableFile> file;
  ASSERT_OK(NewPosixLogFile(path_, SmallWindows(), &file));
  std::vector<std::size_t> sizes = {0,      1, 7,   100, 4095, 4096, 4097, 10000, 16384, 16385,
                                    100000,  // six max-size windows in one append
                                    3,      0, 8191};
  std::mt19937 rng(5);
  for (int i = 0; i < 300; ++i) {
    sizes.push_back(rng() % 9000);
  }
  std::string expected;
  for (std::size_t i = 0; i < sizes.size(); ++i) {
    const std::string piece = Bytes(sizes[i], static_cast<std::uint32_t>(i));
    ASSERT_OK(file->Append(piece));
    expected += piece;
    ASSERT_EQ(file->Size(), expected.size()) << "append " << i;
    if (i == 20) {
      // Before Close the file holds what was appended and reserved zeros.
      ASSERT_OK(file->Flush());
      ExpectAppendedThenZeros(expected);
      EXPECT_GT(DiskSize(), expected.size());
      EXPECT_EQ(DiskSize() % PageSize(), 0u);
    }
  }
  ASSERT_OK(file->Flush());
  ExpectAppendedThenZeros(expected);
  ASSERT_OK(file->Close());
  EXPECT_EQ(DiskSize(), expected.size());
  EXPECT_TRUE(OnDisk() == expected);
  EXPECT_EQ(file->Size(), expected.size());

  EXPECT_OK(file->Close());  // again: nothing to do
  const Status s = file->Append("x");
  EXPECT_TRUE(s.IsIOError()) << s.ToString();
  EXPECT_NE(s.ToString().find(path_), std::string::npos) << s.ToString();
  EXPECT_EQ(DiskSize(), expected.size());
}

TEST_F(PosixLogFileTest, DefaultWindowsAndAnAppendLargerThanAWindow) {
  std::unique_ptr<WritableFile> file;
  ASSERT_OK(fs_->NewLogFile(path_, &file));
  std::string expected;
  auto append = [&](const std::string& piece) {
    ASSERT_OK(file->Append(piece));
    expected += piece;
  };
  for (int i = 0; i < 5000; ++i) {  // 750 KB: windows of 64 KiB to 512 KiB
    append(Bytes(150, static_cast<std::uint32_t>(i)));
  }
  append(Bytes((17 << 20) + 123, 77));  // larger than the largest window (16 MiB)
  for (int i = 0; i < 1000; ++i) {
    append(Bytes(150, static_cast<std::uint32_t>(i) + 10000));
  }
  EXPECT_EQ(file->Size(), expected.size());
  ASSERT_OK(file->Flush());
  EXPECT_GE(DiskSize(), expected.size());
  EXPECT_LE(DiskSize(), expected.size() + (16 << 20));
  ASSERT_OK(file->Close());
  EXPECT_EQ(DiskSize(), expected.size());
  EXPECT_TRUE(OnDisk() == expected);
}

TEST_F(PosixLogFileTest, SyncThenMoreAppends) {
  std::unique_ptr<WritableFile> file;
  ASSERT_OK(NewPosixLogFile(path_, SmallWindows(), &file));
  std::string expected;
  for (int round = 0; round < 20; ++round) {
    for (int i = 0; i < 7; ++i) {
      const std::string piece = Bytes(200 + round * 300, static_cast<std::uint32_t>(round * 7 + i));
      ASSERT_OK(file->Append(piece));
      expected += piece;
    }
    ASSERT_OK(file->Sync());
    ASSERT_OK(file->Flush());
  }
  ExpectAppendedThenZeros(expected);
  ASSERT_OK(file->Close());
  EXPECT_TRUE(OnDisk() == expected);
}

std::uint64_t MappedBytesOf(const std::string& path) { return test::MappingsOf(path).mapped; }

// Whether every mapping of `path` is advised MADV_RANDOM; false when none.
bool MappedRandom(const std::string& path) {
  const test::FileMappings m = test::MappingsOf(path);
  return m.count > 0 && m.advised_random == m.count;
}

TEST_F(PosixLogFileTest, FilledPagesAreUnmappedBehindTheAppends) {
  // One window of 1 MiB; the filled pages are unmapped 64 KiB at a time.
  PosixLogFileOptions o;
  o.initial_window = o.max_window = 1 << 20;
  o.unmap_behind = 64 << 10;
  std::unique_ptr<WritableFile> file;
  ASSERT_OK(NewPosixLogFile(path_, o, &file));
  std::string expected;
  for (int i = 0; i < 6000; ++i) {  // 900 KB of 150-byte appends, synced now and then
    const std::string piece = Bytes(150, static_cast<std::uint32_t>(i));
    ASSERT_OK(file->Append(piece));
    expected += piece;
    // What stays mapped: the window from the page holding the next append
    // on, less than 64 KiB of filled pages before it.
    const std::uint64_t from_page = expected.size() / PageSize() * PageSize();
    ASSERT_LE(MappedBytesOf(path_), (1u << 20) - from_page + (64u << 10)) << "append " << i;
    if (i % 1000 == 999) {
      ASSERT_OK(file->Sync());
    }
  }
  EXPECT_LT(MappedBytesOf(path_), (1u << 20) - (800u << 10));
  // Unmapped pages keep their bytes: they are dirty in the page cache.
  ExpectAppendedThenZeros(expected);
  for (int i = 0; i < 2000; ++i) {  // into the next windows
    const std::string piece = Bytes(150, static_cast<std::uint32_t>(i) + 6000);
    ASSERT_OK(file->Append(piece));
    expected += piece;
  }
  ASSERT_OK(file->Sync());
  ASSERT_OK(file->Close());
  EXPECT_EQ(MappedBytesOf(path_), 0u);
  EXPECT_TRUE(OnDisk() == expected);
}

TEST_F(PosixLogFileTest, FrequentSyncsKeepFoliosToOnePage) {
  // 64 KiB windows; syncs 1 KiB apart are frequent, 100 KiB apart are not.
  PosixLogFileOptions o;
  o.initial_window = o.max_window = 64 << 10;
  o.frequent_sync = 32 << 10;
  std::unique_ptr<WritableFile> file;
  ASSERT_OK(NewPosixLogFile(path_, o, &file));
  std::string expected;
  auto append = [&](std::size_t n) {
    const std::string piece = Bytes(n, static_cast<std::uint32_t>(expected.size()));
    ASSERT_OK(file->Append(piece));
    expected += piece;
  };
  append(100);
  ASSERT_OK(file->Sync());  // a file's first sync (a header) decides nothing
  EXPECT_FALSE(MappedRandom(path_));
  append(1000);
  ASSERT_OK(file->Sync());
  EXPECT_TRUE(MappedRandom(path_));
  for (int i = 0; i < 200; ++i) {  // into later windows: mapped MADV_RANDOM too
    append(1000);
    ASSERT_OK(file->Sync());
    ASSERT_TRUE(MappedRandom(path_)) << "sync " << i;
  }
  append(100 << 10);
  ASSERT_OK(file->Sync());
  EXPECT_FALSE(MappedRandom(path_));
  append(50 << 10);  // a new window, mapped with the default advice
  EXPECT_FALSE(MappedRandom(path_));
  ASSERT_OK(file->Close());
  EXPECT_TRUE(OnDisk() == expected);
}

TEST_F(PosixLogFileTest, UnmapBehindZeroKeepsTheWindowMapped) {
  PosixLogFileOptions o;
  o.initial_window = o.max_window = 1 << 20;
  o.unmap_behind = 0;
  std::unique_ptr<WritableFile> file;
  ASSERT_OK(NewPosixLogFile(path_, o, &file));
  const std::string data = Bytes(900 << 10, 3);
  ASSERT_OK(file->Append(data));
  EXPECT_EQ(MappedBytesOf(path_), 1u << 20);
  ASSERT_OK(file->Close());
  EXPECT_EQ(MappedBytesOf(path_), 0u);
  EXPECT_TRUE(OnDisk() == data);
}

TEST_F(PosixLogFileTest, ProcessCrashKeepsBytesOfUnmappedPages) {
  // The child's appends fill pages that are unmapped before it dies
  // without Close or Sync: the bytes are in the page cache all the same.
  PosixLogFileOptions o;
  o.initial_window = o.max_window = 256 << 10;
  o.unmap_behind = 16 << 10;
  std::vector<std::string> pieces;
  for (int i = 0; i < 40; ++i) {
    pieces.push_back(Bytes(10000, static_cast<std::uint32_t>(i) + 100));
  }
  int code = 0;
  const std::string report = RunChild(
      [&](int out) {
        std::unique_ptr<WritableFile> file;
        Status s = NewPosixLogFile(path_, o, &file);
        for (const std::string& piece : pieces) {
          if (s.ok()) s = file->Append(piece);
        }
        ReportAndExit(out, s.ok() ? "ok" : s.ToString());
      },
      &code);
  ASSERT_EQ(code, 0);
  ASSERT_EQ(report, "ok");
  std::string expected;
  for (const std::string& piece : pieces) {
    expected += piece;
  }
  EXPECT_EQ(DiskSize(), 512u << 10);  // two windows reserved
  ExpectAppendedThenZeros(expected);
}

TEST_F(PosixLogFileTest, DestructorTruncates) {
  std::unique_ptr<WritableFile> file;
  ASSERT_OK(fs_->NewLogFile(path_, &file));
  const std::string data = Bytes(5000, 1);
  ASSERT_OK(file->Append(data));
  file.reset();
  EXPECT_TRUE(OnDisk() == data);
}

TEST_F(PosixLogFileTest, EmptyLogFile) {
  std::unique_ptr<WritableFile> file;
  ASSERT_OK(fs_->NewLogFile(path_, &file));
  ASSERT_OK(file->Append(""));
  ASSERT_OK(file->Sync());
  EXPECT_EQ(file->Size(), 0u);
  ASSERT_OK(file->Close());
  EXPECT_EQ(DiskSize(), 0u);
  // An existing file is truncated.
  ASSERT_OK(fs_->NewLogFile(path_, &file));
  ASSERT_OK(file->Append("abc"));
  file.reset();
  ASSERT_OK(fs_->NewLogFile(path_, &file));
  file.reset();
  EXPECT_EQ(DiskSize(), 0u);
}

TEST_F(PosixLogFileTest, ProcessCrashLeavesAppendedBytesThenZeros) {
  // The child appends, syncs part, appends more and ends without Close.
  const std::string synced = Bytes(30000, 1);
  std::vector<std::string> unsynced;
  for (int i = 0; i < 10; ++i) {
    unsynced.push_back(Bytes(25000, static_cast<std::uint32_t>(i) + 2));
  }
  int code = 0;
  const std::string report = RunChild(
      [&](int out) {
        std::unique_ptr<WritableFile> file;
        Status s = FileSystem::Default()->NewLogFile(path_, &file);
        if (s.ok()) s = file->Append(synced);
        if (s.ok()) s = file->Sync();
        for (const std::string& piece : unsynced) {
          if (s.ok()) s = file->Append(piece);
        }
        if (s.ok()) s = file->Flush();
        ReportAndExit(out, s.ok() ? "ok" : s.ToString());
      },
      &code);
  ASSERT_EQ(code, 0);
  ASSERT_EQ(report, "ok");
  std::string expected = synced;
  for (const std::string& piece : unsynced) {
    expected += piece;
  }
  const std::uint64_t size = DiskSize();
  EXPECT_GT(size, expected.size());
  EXPECT_EQ(size % PageSize(), 0u);
  // Reserved in windows of 64, 128 and 256 KiB.
  EXPECT_EQ(size, (64u + 128 + 256) << 10);
  ExpectAppendedThenZeros(expected);
}

TEST_F(PosixLogFileTest, FallocateNotSupportedUsesWrite) {
  for (int err : {EOPNOTSUPP, ENOSYS}) {
    SCOPED_TRACE(err);
    PosixLogFileOptions o = SmallWindows();
    o.fail_fallocate_from = 1;
    o.fallocate_errno = err;
    std::unique_ptr<WritableFile> file;
    ASSERT_OK(NewPosixLogFile(path_, o, &file));
    std::string expected;
    for (int i = 0; i < 50; ++i) {
      const std::string piece = Bytes(1000 + i * 97, static_cast<std::uint32_t>(i));
      ASSERT_OK(file->Append(piece));
      expected += piece;
    }
    EXPECT_EQ(file->Size(), expected.size());
    ASSERT_OK(file->Flush());
    // Buffered writes: nothing reserved.
    EXPECT_TRUE(OnDisk() == expected);
    ASSERT_OK(file->Sync());
    ASSERT_OK(file->Append("tail"));
    ASSERT_OK(file->Close());
    EXPECT_TRUE(OnDisk() == expected + "tail");
  }
}

TEST_F(PosixLogFileTest, FallbackInTheMiddleOfTheFile) {
  struct Case {
    const char* name;
    int fail_fallocate_from;
    int fail_mmap_from;
  };
  for (const Case c : {Case{"fallocate unsupported at the 3rd", 3, 0},
                       Case{"mmap fails at the 1st", 0, 1}, Case{"mmap fails at the 4th", 0, 4}}) {
    SCOPED_TRACE(c.name);
    PosixLogFileOptions o = SmallWindows();
    o.fail_fallocate_from = c.fail_fallocate_from;
    o.fallocate_errno = EOPNOTSUPP;
    o.fail_mmap_from = c.fail_mmap_from;
    std::unique_ptr<WritableFile> file;
    ASSERT_OK(NewPosixLogFile(path_, o, &file));
    std::string expected;
    for (int i = 0; i < 60; ++i) {
      const std::string piece = Bytes(1500 + i * 31, static_cast<std::uint32_t>(i));
      ASSERT_OK(file->Append(piece));
      expected += piece;
      ASSERT_EQ(file->Size(), expected.size());
      if (i == 40) {
        ASSERT_OK(file->Sync());
        ExpectAppendedThenZeros(expected);
      }
    }
    ASSERT_OK(file->Close());
    EXPECT_EQ(DiskSize(), expected.size());
    EXPECT_TRUE(OnDisk() == expected);
  }
}

TEST_F(PosixLogFileTest, NoSpaceFailsTheAppendAndStoresNothing) {
  PosixLogFileOptions o = SmallWindows();
  o.fail_fallocate_from = 2;  // the first window (4 KiB) is reserved
  o.fallocate_errno = ENOSPC;
  std::unique_ptr<WritableFile> file;
  ASSERT_OK(NewPosixLogFile(path_, o, &file));
  const std::string a = Bytes(3000, 1);
  ASSERT_OK(file->Append(a));
  const Status s = file->Append(Bytes(2000, 2));
  EXPECT_TRUE(s.IsIOError()) << s.ToString();
  EXPECT_NE(s.ToString().find(path_), std::string::npos) << s.ToString();
  EXPECT_NE(s.ToString().find("fallocate"), std::string::npos) << s.ToString();
  EXPECT_EQ(file->Size(), a.size());
  // What still fits in the reserved space goes in.
  const std::string b = Bytes(1000, 3);
  ASSERT_OK(file->Append(b));
  ASSERT_OK(file->Sync());
  EXPECT_TRUE(file->Append(Bytes(200, 4)).IsIOError());
  ASSERT_OK(file->Close());
  EXPECT_TRUE(OnDisk() == a + b);
}

TEST_F(PosixLogFileTest, FileSizeLimitFailsTheAppend) {
  // A real fallocate failure: EFBIG past RLIMIT_FSIZE (with SIGXFSZ
  // ignored), in a child so that the limit binds nothing else. The whole
  // next window does not fit, so the file reserves what each append needs
  // until the last page under the limit.
  constexpr std::uint64_t kLimit = (1 << 20) + 5000;
  constexpr std::size_t kRecord = 1000;
  int code = 0;
  const std::string report = RunChild(
      [&](int out) {
        ::signal(SIGXFSZ, SIG_IGN);
        const struct rlimit limit = {kLimit, kLimit};
        if (::setrlimit(RLIMIT_FSIZE, &limit) != 0) {
          ReportAndExit(out, "setrlimit failed");
        }
        std::unique_ptr<WritableFile> file;
        Status s = FileSystem::Default()->NewLogFile(path_, &file);
        if (!s.ok()) {
          ReportAndExit(out, s.ToString());
        }
        std::uint64_t acknowledged = 0;
        for (int i = 0; i < 2000 && s.ok(); ++i) {
          s = file->Append(Bytes(kRecord, static_cast<std::uint32_t>(i)));
          if (s.ok()) {
            acknowledged += kRecord;
          }
        }
        std::string message = std::to_string(acknowledged) + " " + std::to_string(file->Size()) +
                              " " + (s.IsIOError() ? "IOError" : "not IOError") + " " +
                              s.ToString() + "\n";
        Status c = file->Sync();
        if (c.ok()) {
          c = file->Close();
        }
        ReportAndExit(out, message + (c.ok() ? "closed" : c.ToString()));
      },
      &code);
  ASSERT_EQ(code, 0) << report;
  // The last page boundary under the limit.
  const std::uint64_t room = kLimit / PageSize() * PageSize();
  const std::uint64_t expected = room / kRecord * kRecord;
  const std::string head = std::to_string(expected) + " " + std::to_string(expected) + " IOError ";
  ASSERT_EQ(report.substr(0, head.size()), head) << report;
  EXPECT_NE(report.find(path_), std::string::npos) << report;
  EXPECT_NE(report.find("fallocate"), std::string::npos) << report;
  EXPECT_TRUE(report.ends_with("\nclosed")) << report;
  std::string written;
  for (std::uint64_t i = 0; i < expected / kRecord; ++i) {
    written += Bytes(kRecord, static_cast<std::uint32_t>(i));
  }
  EXPECT_EQ(DiskSize(), expected);
  EXPECT_TRUE(OnDisk() == written);
}

// FileSystem::NewLogFile of file systems that do not override it.

class CountingFileSystem final : public FileSystemWrapper {
 public:
  using FileSystemWrapper::FileSystemWrapper;
  Status NewWritableFile(const std::string& path, std::unique_ptr<WritableFile>* file) override {
    ++writable_files;
    return FileSystemWrapper::NewWritableFile(path, file);
  }
  int writable_files = 0;
};

TEST(NewLogFileTest, DefaultIsTheFileSystemsWritableFile) {
  MemFileSystem mem;
  std::unique_ptr<WritableFile> file;
  ASSERT_OK(mem.NewLogFile("/d/1.log", &file));
  ASSERT_OK(file->Append("abc"));
  EXPECT_EQ(FileContents(mem, "/d/1.log"), "abc");  // no reserved space
  ASSERT_OK(file->Close());

  // A wrapper's subclass sees log files through its NewWritableFile.
  CountingFileSystem counting(&mem);
  ASSERT_OK(counting.NewLogFile("/d/2.log", &file));
  EXPECT_EQ(counting.writable_files, 1);
  ASSERT_OK(file->Append("de"));
  ASSERT_OK(file->Close());
  EXPECT_EQ(FileContents(mem, "/d/2.log"), "de");

  // Fault injection tracks a log file as any file it creates.
  FaultInjectionFileSystem faulty(&mem);
  ASSERT_OK(faulty.NewLogFile("/d/3.log", &file));
  ASSERT_OK(file->Append("fgh"));
  ASSERT_OK(file->Sync());
  ASSERT_OK(file->Append("ij"));
  std::uint64_t synced = 0;
  ASSERT_TRUE(faulty.GetSyncedSize("/d/3.log", &synced));
  EXPECT_EQ(synced, 3u);
  ASSERT_OK(file->Close());
  ASSERT_OK(faulty.DropUnsyncedData());
  EXPECT_EQ(FileContents(mem, "/d/3.log"), "fgh");
}

}  // namespace
}  // namespace aeternus
