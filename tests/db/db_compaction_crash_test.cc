// Crash safety of compaction. A child process writes continuously with
// sync=true (puts, deletes, range deletes, batches over a small key space)
// under options so small that background compaction of the style under
// test runs nearly all the time, while another of its threads calls
// CompactRange and CompactAll now and then. The parent kills it with
// SIGKILL at a random moment, many times over the same database, and after
// each kill reopens it and checks:
//  - every acknowledged operation is there: the state is the one after
//    exactly the acknowledged operations, or after the one in flight too;
//  - nothing is left behind, after Open, after WaitForCompactions and
//    after Close: the tables in the directory are exactly the live ones
//    (aeternus.num-files and aeternus.total-table-bytes agree with the
//    *.sst files), no *.tmp file remains, and CURRENT names the only
//    manifest.
//
// Replay a failure with AETERNUS_TEST_SEED=<seed>.

#include <poll.h>
#include <signal.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "aeternus/db.h"
#include "aeternus/options.h"
#include "aeternus/status.h"

#include "testutil/child_pipe.h"
#include "testutil/db_test_base.h"
#include "testutil/file_util.h"
#include "testutil/model_compare.h"
#include "testutil/model_updates.h"
#include "testutil/random.h"
#include "testutil/wait_for_compactions.h"

namespace aeternus::test {
namespace {

using Model = std::map<std::string, std::string>;

// Keys "key00000" .. "key01499": small enough that every key is
// overwritten and deleted many times over the cycles, so compactions have
// versions and tombstones to drop.
constexpr std::uint32_t kKeySpace = 1500;

std::string CrashKey(std::uint32_t n) {
  char buf[16];
  std::snprintf(buf, sizeof(buf), "key%05u", n);
  return buf;
}

// The updates of operation `i` of `cycle`; more than one update means one
// WriteBatch. Deterministic, so parent and child agree. Values name their
// operation, so an old value is never mistaken for a new one.
std::vector<Update> CrashOp(std::uint64_t seed, int cycle, std::uint32_t i) {
  Random rnd(seed * 0x9e3779b97f4a7c15ull + (static_cast<std::uint64_t>(cycle) << 32) + i);
  auto value = [&](const std::string& key) {
    const std::size_t len = rnd.OneIn(10) ? rnd.Range(4000, 16000) : rnd.Range(50, 3000);
    return key + "@" + std::to_string(cycle) + "." + std::to_string(i) + ":" + rnd.Printable(len);
  };
  auto one = [&](std::uint64_t dice) -> Update {
    const std::string key = CrashKey(static_cast<std::uint32_t>(rnd.Uniform(kKeySpace)));
    if (dice < 60) {
      return {Update::kPut, key, value(key)};
    }
    if (dice < 94) {
      return {Update::kDelete, key, ""};
    }
    const auto first = static_cast<std::uint32_t>(rnd.Uniform(kKeySpace));
    const auto last = std::min<std::uint32_t>(kKeySpace, first + 1 + rnd.Uniform(40));
    return {Update::kDeleteRange, CrashKey(first), CrashKey(last)};
  };
  const auto dice = rnd.Uniform(100);
  if (dice < 62) {
    return {one(0)};
  }
  if (dice < 78) {
    return {one(60)};
  }
  if (dice < 81) {
    return {one(99)};
  }
  std::vector<Update> batch;
  const auto n = rnd.Range(2, 8);
  for (std::uint64_t k = 0; k < n; ++k) {
    batch.push_back(one(rnd.Uniform(100)));
  }
  return batch;
}

// ---------------------------------------------------------------------------
// The child. Everything it sends the parent goes through one pipe as 32-bit
// words: the index of each acknowledged operation, in order; reports of the
// compaction counters (kReportBit set); or kChildFailed followed by an
// error message, after which it exits.

constexpr std::uint32_t kChildFailed = 0xffffffffu;
constexpr std::uint32_t kReportBit = 0x80000000u;

// A report: compactions done since Open (24 bits) and running now (7 bits).
std::uint32_t EncodeReport(std::uint64_t done, std::uint64_t running) {
  return kReportBit | static_cast<std::uint32_t>(std::min<std::uint64_t>(running, 100) << 24) |
         static_cast<std::uint32_t>(std::min<std::uint64_t>(done, 0xffffff));
}

std::uint64_t PropertyNumber(DB& db, const char* name) {
  std::string value;
  return db.GetProperty(name, &value) ? std::strtoull(value.c_str(), nullptr, 10) : 0;
}

// Runs in the forked child: opens the DB and applies operations 0, 1, ...
// of `cycle` with sync=true, sending each index once acknowledged. A second
// thread compacts random ranges (and now and then everything); a third
// reports the compaction counters every few milliseconds. Never returns.
[[noreturn]] void CompactionCrashChild(const Options& options, const std::string& dbname,
                                       std::uint64_t seed, int cycle, int fd) {
  std::mutex pipe_mu;
  auto send = [&](std::uint32_t word) {
    std::lock_guard lock(pipe_mu);
    WriteAll(fd, &word, sizeof(word));
  };
  auto fail = [&](const Status& s, const std::string& what) {
    std::lock_guard lock(pipe_mu);
    const std::uint32_t marker = kChildFailed;
    WriteAll(fd, &marker, sizeof(marker));
    const std::string text = what + ": " + s.ToString();
    WriteAll(fd, text.data(), text.size());
    _exit(3);
  };
  std::unique_ptr<DB> db;
  Status s = DB::Open(options, dbname, &db);
  if (!s.ok()) {
    fail(s, "Open");
  }
  std::thread compactor([&] {
    Random rnd(seed ^ (0x5bd1e995ull * static_cast<std::uint64_t>(cycle + 1)));
    for (;;) {
      std::this_thread::sleep_for(std::chrono::milliseconds(rnd.Range(10, 60)));
      if (rnd.OneIn(15)) {
        if (Status cs = db->CompactAll(); !cs.ok()) {
          fail(cs, "CompactAll");
        }
        continue;
      }
      auto a = static_cast<std::uint32_t>(rnd.Uniform(kKeySpace));
      auto b = static_cast<std::uint32_t>(rnd.Uniform(kKeySpace));
      if (b < a) {
        std::swap(a, b);
      }
      const std::string begin = CrashKey(a);
      const std::string end = CrashKey(b);
      Status cs =
          db->CompactRange(rnd.OneIn(6) ? std::nullopt : std::optional<std::string_view>(begin),
                           rnd.OneIn(6) ? std::nullopt : std::optional<std::string_view>(end));
      if (!cs.ok()) {
        fail(cs, "CompactRange");
      }
    }
  });
  std::thread reporter([&] {
    for (;;) {
      send(EncodeReport(PropertyNumber(*db, "aeternus.num-compactions"),
                        PropertyNumber(*db, "aeternus.num-running-compactions")));
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
  });
  WriteOptions wo;
  wo.sync = true;
  for (std::uint32_t i = 0; i < 1000000; ++i) {
    s = ApplyToDB(CrashOp(seed, cycle, i), *db, wo);
    if (!s.ok()) {
      fail(s, "write " + std::to_string(i));
    }
    send(i);
  }
  _exit(0);
}

// ---------------------------------------------------------------------------

const char* StyleName(CompactionStyle style) {
  return style == CompactionStyle::kLeveled ? "Leveled" : "Tiered";
}

class DBCompactionCrashTest : public DBTestBase {
 protected:
  // Options that keep compaction of `style` running nearly all the time
  // under the child's write rate: 64 KiB memtables and 16 KiB tables;
  // leveled: level 0 compacted at two tables, level 1 at 128 KiB; tiered:
  // flushed tables share the small bucket, merged two to four at a time.
  static Options ChurnOptions(CompactionStyle style) {
    Options o = SmallOptions();
    o.compaction_style = style;
    o.target_file_size = 16u << 10;
    o.l0_compaction_trigger = 2;
    o.max_bytes_for_level_base = 128u << 10;
    o.level_size_multiplier = 4;
    o.tiered_small_table_size = 32u << 10;
    o.min_merge_width = 2;
    o.max_merge_width = 4;
    o.tombstone_compaction_ratio = 0.2;
    return o;
  }

  struct LiveTables {
    int count = -1;
    std::string bytes;
  };

  // The live tables as the open DB reports them.
  LiveTables Live() { return {NumTables(), Property("aeternus.total-table-bytes")}; }

  // The directory holds exactly the tables `live` describes (same count,
  // same total size), no temporary file, and one manifest, the one CURRENT
  // names. REQUIRES: nothing is writing files.
  void ExpectOnlyLiveFiles(const LiveTables& live, const std::string& when) {
    SCOPED_TRACE(when);
    const auto tables = ListFiles(dbname_, ".sst");
    std::int64_t bytes = 0;
    for (const auto& t : tables) {
      bytes += FileSize(t);
    }
    EXPECT_EQ(live.count, static_cast<int>(tables.size()))
        << "tables in the directory differ from the live tables";
    EXPECT_EQ(live.bytes, std::to_string(bytes))
        << "bytes of the tables in the directory differ from the live tables' (" << tables.size()
        << " tables in the directory)";
    const auto temps = ListFiles(dbname_, ".tmp");
    EXPECT_TRUE(temps.empty()) << temps.size() << " temporary files left, first "
                               << BaseName(temps.empty() ? "" : temps.front());
    std::string current;
    ASSERT_EQ(ReadFileToString(dbname_ + "/CURRENT", &current), "");
    std::vector<std::string> manifests;
    for (const auto& f : ListFiles(dbname_, "")) {
      if (BaseName(f).rfind("MANIFEST-", 0) == 0) {
        manifests.push_back(BaseName(f));
      }
    }
    EXPECT_EQ(manifests, std::vector<std::string>{current.substr(0, current.find('\n'))})
        << "manifests other than the current one are left";
  }

  // The open DB holds `state`, read with an iterator and with Get.
  void ExpectState(const Model& state, const std::string& when) {
    SCOPED_TRACE(when);
    Model actual;
    ASSERT_OK(ReadAll(db(), &actual));
    EXPECT_TRUE(actual == state) << DescribeDiff(state, actual);
    for (std::uint32_t n = 0; n < kKeySpace; ++n) {
      const std::string key = CrashKey(n);
      auto it = state.find(key);
      const std::string got = Get(key);
      if (got != (it == state.end() ? "NOT_FOUND" : it->second)) {
        ADD_FAILURE() << "Get " << key << " gave " << Escape(got.substr(0, 40)) << ", expected "
                      << (it == state.end() ? "NOT_FOUND" : Escape(it->second.substr(0, 40)));
        return;
      }
    }
  }

  // Opens with `options` and lets background compaction finish its work;
  // then the directory must hold only the live files, with every table a
  // compaction replaced already deleted. Checks the state, closes, and
  // checks the files again.
  void CompactInParentAndCheck(const Options& options, const Model& state, bool compact_all,
                               const std::string& when) {
    options_ = options;
    ASSERT_OK(Open());
    if (compact_all) {
      ASSERT_OK(db().CompactAll());
    }
    ASSERT_OK(WaitForCompactionsWatched(db(), context_ + ", " + when));
    ExpectOnlyLiveFiles(Live(), when + ", after WaitForCompactions");
    ExpectState(state, when);
    const LiveTables live = Live();
    ASSERT_OK(Close());
    ExpectOnlyLiveFiles(live, when + ", after Close");
  }

  // `cycles` rounds of: fork a writer, kill it after 50..400 ms, reopen
  // and check.
  void RunCycles(CompactionStyle style, int cycles, std::uint64_t seed) {
    SCOPED_TRACE(std::string(StyleName(style)) + ", seed " + std::to_string(seed) +
                 " (set AETERNUS_TEST_SEED to replay)");
    const Options churn = ChurnOptions(style);
    Random rnd(seed);
    Model state;  // what the DB held after the previous cycle
    int killed_while_compacting = 0;
    std::uint64_t child_compactions = 0;
    std::uint64_t total_acked = 0;
    for (int cycle = 0; cycle < cycles; ++cycle) {
      SCOPED_TRACE("cycle " + std::to_string(cycle));
      context_ = std::string(StyleName(style)) + ", seed " + std::to_string(seed) + ", cycle " +
                 std::to_string(cycle);
      const auto delay = std::chrono::milliseconds(rnd.Range(50, 400));
      // Every other kill is aimed: after the delay it waits (up to 300 ms
      // more) for the child to report a compaction running.
      const bool aimed = cycle % 2 == 1;

      pid_t pid = -1;
      int from_child = -1;
      auto child = [&](int out) { CompactionCrashChild(churn, dbname_, seed, cycle, out); };
      ASSERT_EQ(ForkWithPipe(child, &pid, &from_child), "");

      // What the child sent, decoded as it arrives.
      std::string received;
      std::size_t parsed = 0;
      std::uint32_t acked = 0;
      std::uint32_t last_report = 0;
      bool in_order = true;
      std::optional<std::string> child_error;
      auto decode = [&]() {
        for (; !child_error && parsed + 4 <= received.size(); parsed += 4) {
          std::uint32_t word;
          std::memcpy(&word, received.data() + parsed, 4);
          if (word == kChildFailed) {
            child_error = received.substr(parsed + 4);
            return;
          }
          if (word & kReportBit) {
            last_report = word;
          } else if (word != acked) {
            in_order = false;
          } else {
            ++acked;
          }
        }
        if (child_error) {
          child_error = received.substr(parsed);  // the rest of the message
        }
      };
      char buf[8192];
      // Waits up to timeout_ms for data; false at the end of the stream.
      auto read_some = [&](int timeout_ms) {
        pollfd p{from_child, POLLIN, 0};
        const int r = ::poll(&p, 1, timeout_ms);
        if (r <= 0) {
          return r == 0 || errno == EINTR;
        }
        const ssize_t n = ::read(from_child, buf, sizeof(buf));
        if (n < 0) {
          return errno == EINTR;
        }
        received.append(buf, static_cast<std::size_t>(n));
        decode();
        return n > 0;
      };
      auto read_until = [&](std::chrono::steady_clock::time_point deadline, bool stop_at_running) {
        for (;;) {
          if (stop_at_running && ((last_report >> 24) & 0x7f) > 0) {
            return;
          }
          const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
              deadline - std::chrono::steady_clock::now());
          if (left.count() <= 0 || !read_some(static_cast<int>(left.count()) + 1)) {
            return;
          }
        }
      };
      const auto start = std::chrono::steady_clock::now();
      read_until(start + delay, false);
      if (aimed) {
        read_until(std::chrono::steady_clock::now() + std::chrono::milliseconds(300), true);
      }
      const auto killed_at = std::chrono::duration_cast<std::chrono::milliseconds>(
          std::chrono::steady_clock::now() - start);
      ::kill(pid, SIGKILL);
      while (read_some(-1)) {
      }
      ::close(from_child);
      int wstatus = 0;
      ASSERT_EQ(::waitpid(pid, &wstatus, 0), pid);
      if (child_error) {
        FAIL() << "child failed after " << acked << " acknowledged operations: " << *child_error;
      }
      ASSERT_TRUE(in_order) << "acknowledgements out of order after " << acked;
      ASSERT_TRUE(WIFSIGNALED(wstatus) && WTERMSIG(wstatus) == SIGKILL)
          << "child ended on its own, status " << wstatus;
      const std::uint64_t done = last_report & 0xffffff;
      const std::uint64_t running = (last_report >> 24) & 0x7f;
      child_compactions += done;
      killed_while_compacting += running > 0 ? 1 : 0;
      total_acked += acked;

      // Open with background compaction off: right after Open's cleanup,
      // before any new compaction, the directory must hold only live files.
      Options check = churn;
      check.disable_auto_compactions = true;
      options_ = check;
      ASSERT_OK(Open());
      ASSERT_OK(WaitForCompactionsWatched(db(), context_ + ", after Open"));
      ExpectOnlyLiveFiles(Live(), "after Open");
      Model actual;
      ASSERT_OK(ReadAll(db(), &actual));
      auto [with_acked, with_in_flight] =
          StatesAfterKill(state, acked, [&](std::uint32_t i) { return CrashOp(seed, cycle, i); });
      if (actual == with_acked || actual == with_in_flight) {
        const bool in_flight_applied = actual != with_acked;
        state = in_flight_applied ? std::move(with_in_flight) : std::move(with_acked);
        std::printf(
            "[ crash    ] %s cycle %d: killed at %lld ms%s after %u acknowledged operations "
            "(%s), %llu compactions, %llu running; %zu keys, %d tables\n",
            StyleName(style), cycle, static_cast<long long>(killed_at.count()),
            aimed ? " (aimed)" : "", acked,
            in_flight_applied ? "and the one in flight" : "none in flight",
            static_cast<unsigned long long>(done), static_cast<unsigned long long>(running),
            state.size(), NumTables());
      } else {
        FAIL() << "after " << acked << " acknowledged operations the recovered state"
               << " matches neither " << acked << " nor " << acked + 1
               << " operations; differences from the acknowledged state:"
               << DescribeDiff(with_acked, actual);
      }
      ExpectState(state, "after Open");
      ASSERT_OK(Close());
      if (HasFailure()) {
        return;
      }
      // Now and then the parent compacts what the child left (its last
      // compactions may have been cut short), and checks again.
      if (cycle % 3 == 2) {
        CompactInParentAndCheck(churn, state, /*compact_all=*/false,
                                "after background compaction in the parent");
        if (HasFailure()) {
          return;
        }
      }
    }

    // Finally a full compaction keeps the state and leaves no stale table
    // either.
    context_ = std::string(StyleName(style)) + ", seed " + std::to_string(seed) + ", at the end";
    CompactInParentAndCheck(churn, state, /*compact_all=*/true, "after CompactAll");
    std::printf(
        "[ crash    ] %s: %d cycles, %llu acknowledged operations, %llu compactions in the "
        "children, %d kills with a compaction running (as last reported)\n",
        StyleName(style), cycles, static_cast<unsigned long long>(total_acked),
        static_cast<unsigned long long>(child_compactions), killed_while_compacting);
    // The test is only worth its time if the children compacted, and kills
    // fell while compactions ran.
    EXPECT_GT(child_compactions, 2u * static_cast<std::uint64_t>(cycles));
    EXPECT_GT(killed_while_compacting, 0);
  }

  std::string context_;  // style, seed and cycle, for the watchdog's message
};

class DBCompactionCrashStyleTest : public DBCompactionCrashTest,
                                   public ::testing::WithParamInterface<CompactionStyle> {};

TEST_P(DBCompactionCrashStyleTest, KillDuringCompactionsKeepsAcknowledgedWritesAndNoLeftovers) {
  RunCycles(GetParam(), 12, TestSeed(31) + static_cast<std::uint64_t>(GetParam()));
}

INSTANTIATE_TEST_SUITE_P(Styles, DBCompactionCrashStyleTest,
                         ::testing::Values(CompactionStyle::kLeveled, CompactionStyle::kTiered),
                         [](const ::testing::TestParamInfo<CompactionStyle>& info) {
                           return std::string(StyleName(info.param));
                         });

// The long variant runs only with AETERNUS_LONG_TESTS=1 (CTest label long).
TEST_F(DBCompactionCrashTest, KillDuringCompactionsKeepsAcknowledgedWritesAndNoLeftoversLong) {
  if (!LongTestsEnabled()) {
    GTEST_SKIP() << "set AETERNUS_LONG_TESTS=1 to run";
  }
  for (CompactionStyle style : {CompactionStyle::kLeveled, CompactionStyle::kTiered}) {
    dbname_ = tmp_.Sub(std::string("db-") + StyleName(style));
    RunCycles(style, 100, TestSeed(4242) + static_cast<std::uint64_t>(style));
    if (HasFatalFailure()) {
      return;
    }
  }
}

}  // namespace
}  // namespace aeternus::test
