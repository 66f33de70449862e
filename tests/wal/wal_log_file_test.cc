// WalWriter and WalReader over the POSIX log file (FileSystem::NewLogFile,
// preallocated): a writer that ends without Close, as a process crash does,
// leaves its records followed by zeros, and the reader returns every record
// and drops the zeros as a torn tail.

#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <functional>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "env/file_system.h"
#include "testutil/child_pipe.h"
#include "testutil/file_util.h"
#include "testutil/status_assertions.h"
#include "testutil/temp_dir.h"
#include "wal/wal_format.h"
#include "wal/wal_reader.h"
#include "wal/wal_writer.h"

namespace aeternus {
namespace {

constexpr std::uint64_t kFileNumber = 12;

// Payloads of many sizes, some spanning blocks and windows.
std::vector<std::string> Payloads(std::uint32_t seed, int count) {
  std::mt19937 rng(seed);
  std::vector<std::string> out;
  for (int i = 0; i < count; ++i) {
    const std::size_t size = i % 97 == 50 ? 150000 + rng() % 100000 : rng() % 400;
    std::string p(size, '\0');
    for (auto& c : p) {
      c = static_cast<char>(rng());
    }
    out.push_back(std::move(p));
  }
  return out;
}

// Runs `body` in a forked child that reports through the pipe and ends with
// _exit. Returns the report; *exit_code is -1 unless the child exited.
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

struct ReadBack {
  std::vector<std::string> records;
  Status status;
  std::uint64_t dropped = 0;
  std::uint64_t last_end = 0;
  bool clean = false;
};

ReadBack ReadWal(const std::string& path) {
  ReadBack r;
  std::unique_ptr<SequentialFile> file;
  r.status = FileSystem::Default()->NewSequentialFile(path, &file);
  if (!r.status.ok()) {
    return r;
  }
  WalReader reader(std::move(file), path, LogFileKind::kWal, kFileNumber);
  std::string payload;
  while (reader.ReadRecord(&payload)) {
    r.records.push_back(payload);
  }
  r.status = reader.status();
  r.dropped = reader.dropped_bytes();
  r.last_end = reader.last_record_end();
  r.clean = reader.clean_close();
  return r;
}

// Child: writes `payloads` with a WalWriter on a log file, syncing every
// `sync_every` records, flushes, and ends without closing anything. Reports
// "ok <file_size>".
[[noreturn]] void WriteAndCrash(const std::string& path, const std::vector<std::string>& payloads,
                                int sync_every, int out) {
  std::unique_ptr<WritableFile> file;
  Status s = FileSystem::Default()->NewLogFile(path, &file);
  std::unique_ptr<WalWriter> writer;
  if (s.ok()) {
    s = WalWriter::Create(std::move(file), LogFileKind::kWal, kFileNumber, &writer);
  }
  for (std::size_t i = 0; s.ok() && i < payloads.size(); ++i) {
    s = writer->AddRecord(payloads[i]);
    if (s.ok() && sync_every > 0 && (i + 1) % static_cast<std::size_t>(sync_every) == 0) {
      s = writer->Sync();
    }
  }
  if (s.ok() && writer != nullptr) {
    s = writer->Flush();
  }
  const std::string message = s.ok() ? "ok " + std::to_string(writer->file_size()) : s.ToString();
  test::WriteAll(out, message.data(), message.size());
  _exit(0);
}

class WalLogFileTest : public ::testing::Test {
 protected:
  test::TempDir dir_{"wal-log-file-test"};
  const std::string path_ = dir_.Sub("000012.log");
};

TEST_F(WalLogFileTest, ProcessCrashKeepsEveryRecordAndDropsTheZeros) {
  for (int sync_every : {0, 1, 10}) {
    SCOPED_TRACE(sync_every);
    const std::vector<std::string> payloads = Payloads(static_cast<std::uint32_t>(sync_every), 600);
    int code = 0;
    const std::string report =
        RunChild([&](int out) { WriteAndCrash(path_, payloads, sync_every, out); }, &code);
    ASSERT_EQ(code, 0) << report;
    ASSERT_EQ(report.substr(0, 3), "ok ") << report;
    const std::uint64_t written = std::stoull(report.substr(3));
    const std::int64_t size = test::FileSize(path_);
    ASSERT_GT(size, static_cast<std::int64_t>(written)) << "reserved space stays";

    const ReadBack r = ReadWal(path_);
    ASSERT_OK(r.status);
    EXPECT_EQ(r.records.size(), payloads.size());
    EXPECT_TRUE(r.records == payloads);
    EXPECT_FALSE(r.clean);
    EXPECT_EQ(r.last_end, written);
    EXPECT_EQ(r.dropped, static_cast<std::uint64_t>(size) - written);
  }
}

TEST_F(WalLogFileTest, CrashRightAfterCreateIsAnEmptyLog) {
  int code = 0;
  const std::string report = RunChild([&](int out) { WriteAndCrash(path_, {}, 0, out); }, &code);
  ASSERT_EQ(code, 0) << report;
  ASSERT_EQ(report, "ok " + std::to_string(kLogFirstEntryOffset));
  const ReadBack r = ReadWal(path_);
  ASSERT_OK(r.status);
  EXPECT_TRUE(r.records.empty());
  EXPECT_EQ(r.last_end, kLogFirstEntryOffset);
  EXPECT_EQ(r.dropped, static_cast<std::uint64_t>(test::FileSize(path_)) - kLogFirstEntryOffset);
}

TEST_F(WalLogFileTest, CloseTruncatesAndALostTruncationStillReadsClean) {
  const std::vector<std::string> payloads = Payloads(3, 300);
  std::unique_ptr<WritableFile> file;
  ASSERT_OK(FileSystem::Default()->NewLogFile(path_, &file));
  std::unique_ptr<WalWriter> writer;
  ASSERT_OK(WalWriter::Create(std::move(file), LogFileKind::kWal, kFileNumber, &writer));
  for (std::size_t i = 0; i < payloads.size(); ++i) {
    ASSERT_OK(writer->AddRecord(payloads[i]));
    if (i % 50 == 0) {
      ASSERT_OK(writer->Sync());
    }
  }
  ASSERT_OK(writer->Close());
  const std::uint64_t written = writer->file_size();
  EXPECT_EQ(test::FileSize(path_), static_cast<std::int64_t>(written));
  ReadBack r = ReadWal(path_);
  ASSERT_OK(r.status);
  EXPECT_TRUE(r.records == payloads);
  EXPECT_TRUE(r.clean);
  EXPECT_EQ(r.dropped, 0u);

  // A machine crash can lose the truncation (it is not synced): the close
  // record is followed by the reserved zeros.
  ASSERT_EQ(test::TruncateFile(path_, written + (1 << 20)), "");
  r = ReadWal(path_);
  ASSERT_OK(r.status);
  EXPECT_TRUE(r.records == payloads);
  EXPECT_TRUE(r.clean);
  EXPECT_EQ(r.last_end, written);
  EXPECT_EQ(r.dropped, 1u << 20);
}

}  // namespace
}  // namespace aeternus
