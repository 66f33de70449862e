// aeternus-bench: runs the same workloads on AeternusDB and, when they were
// found at build time, RocksDB and LevelDB, with the same settings, and
// compares them. Flags follow RocksDB's db_bench (--num=1000000,
// --benchmarks=fillrandom,readrandom). See docs/benchmarks.md.

#include <chrono>
#include <cinttypes>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "backend.h"
#include "chart.h"
#include "fsync_probe.h"
#include "process_stats.h"
#include "report.h"
#include "runner.h"
#include "workloads.h"
#include <CLI/CLI.hpp>

namespace aeternus::bench {
namespace {

std::vector<std::string> SplitList(const std::string& list) {
  std::vector<std::string> items;
  std::size_t begin = 0;
  while (begin <= list.size()) {
    std::size_t end = list.find(',', begin);
    if (end == std::string::npos) {
      end = list.size();
    }
    if (end > begin) {
      items.push_back(list.substr(begin, end - begin));
    }
    begin = end + 1;
  }
  return items;
}

std::string JoinNames(const std::vector<std::string_view>& names) {
  std::string joined;
  for (std::string_view name : names) {
    joined += joined.empty() ? "" : ", ";
    joined += name;
  }
  return joined.empty() ? "none" : joined;
}

std::string WorkloadHelp() {
  std::string help = "Benchmarks (--benchmarks, run in the order given, on each backend):\n";
  for (const Workload& w : AllWorkloads()) {
    char line[160];
    std::snprintf(line, sizeof(line), "  %-18.*s%.*s\n", static_cast<int>(w.name.size()),
                  w.name.data(), static_cast<int>(w.description.size()), w.description.data());
    help += line;
  }
  help += "Backends built in: " + JoinNames(BuiltBackends()) + "\n";
  help +=
      "Backends not built (library not found at build time): " + JoinNames(UnavailableBackends()) +
      "\n";
  return help;
}

int Fail(const std::string& message) {
  std::fprintf(stderr, "aeternus-bench: %s\n", message.c_str());
  return 1;
}

int Main(int argc, char** argv) {
  RunConfig config;
  config.db = "/tmp/aeternus-bench";
  EngineConfig& engine = config.engine;
  std::string benchmarks = "fillrandom,overwrite,readrandom,readseq";
  std::string backends;
  std::string compression = "none";
  std::string compaction_style = "leveled";
  std::string json;
  std::string chart;
  std::string markdown;
  std::int64_t reads = -1;
  double fsync_probe_seconds = 1.0;

  CLI::App app("Compares AeternusDB with RocksDB and LevelDB on the same workloads.",
               "aeternus-bench");
  app.footer(WorkloadHelp());
  app.get_formatter()->column_width(34);
  app.add_option("--benchmarks", benchmarks, "comma-separated workloads, run in this order")
      ->capture_default_str();
  app.add_option(
      "--backends", backends,
      "comma-separated backends (default: all built in: " + JoinNames(BuiltBackends()) + ")");
  app.add_option("--db", config.db, "base directory; each backend uses <db>/<backend>")
      ->capture_default_str();
  app.add_flag("--use_existing_db", config.use_existing_db,
               "keep the data already in <db>/<backend> instead of clearing it");
  app.add_option("--num", config.params.num, "number of keys (key numbers 0..num-1)")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  app.add_option("--reads", reads,
                 "operations of readrandom, readmissing, seekrandom, readwhilewriting's readers "
                 "and the YCSB workloads (-1: --num)")
      ->capture_default_str();
  app.add_option("--sync_num", config.params.sync_num,
                 "puts of fillsync (each synced), at every thread count")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  app.add_option("--key_size", config.key_size, "key bytes")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  app.add_option("--value_size", config.value_size, "value bytes")->capture_default_str();
  app.add_option("--compression_ratio", config.compression_ratio,
                 "fraction of its size each value compresses to")
      ->capture_default_str()
      ->check(CLI::Range(0.01, 1.0));
  app.add_option("--seed", config.seed, "seed of keys, values and random choices")
      ->capture_default_str();
  CLI::Option* threads_option =
      app.add_option("--threads", config.params.threads,
                     "threads running each workload (if not given: fillsync runs with 1, 2, 4 "
                     "and 8, readwhilewriting with 2)")
          ->capture_default_str()
          ->check(CLI::Range(1, 1024));
  app.add_option("--batch", config.params.batch, "updates per write batch (1: single puts)")
      ->capture_default_str()
      ->check(CLI::Range(1, 1 << 20));
  app.add_flag("--sync", engine.sync, "fsync the WAL on every write");
  app.add_option("--write_buffer_size", engine.write_buffer_size, "memtable bytes")
      ->capture_default_str();
  app.add_option("--cache_size", engine.cache_size, "block cache bytes")->capture_default_str();
  app.add_option("--mapped_table_capacity", engine.mapped_table_capacity,
                 "aeternus: bytes of mapped tables that stay mapped (0: no bound)")
      ->capture_default_str();
  app.add_option("--bloom_bits", engine.bloom_bits, "bloom filter bits per key (0: none)")
      ->capture_default_str()
      ->check(CLI::Range(0, 64));
  app.add_option("--block_size", engine.block_size, "table block bytes")->capture_default_str();
  app.add_option("--compression", compression, "none, zstd or lz4")
      ->capture_default_str()
      ->check(CLI::IsMember({"none", "zstd", "lz4"}));
  app.add_option("--compaction_style", compaction_style, "leveled or tiered (AeternusDB only)")
      ->capture_default_str()
      ->check(CLI::IsMember({"leveled", "tiered"}));
  app.add_option("--target_file_size", engine.target_file_size, "table file bytes (leveled)")
      ->capture_default_str();
  app.add_option("--max_bytes_for_level_base", engine.max_bytes_for_level_base,
                 "level-1 bytes (leveled)")
      ->capture_default_str();
  app.add_option("--background_jobs", engine.background_jobs, "flush and compaction threads")
      ->capture_default_str()
      ->check(CLI::Range(1, 64));
  app.add_option("--json", json, "also write the results to this file as JSON");
  app.add_option("--markdown", markdown,
                 "also write the comparison to this file as Markdown tables");
  app.add_option("--chart", chart,
                 "also draw ops/s per workload and backend: FILE.svg, or FILE.png (needs gnuplot)");
  app.add_option("--fsync_probe_seconds", fsync_probe_seconds,
                 "how long runs with fillsync measure the machine's fsync rate first (0: not)")
      ->capture_default_str()
      ->check(CLI::Range(0.0, 60.0));
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  }

  config.params.reads = reads < 0 ? config.params.num : static_cast<std::uint64_t>(reads);
  engine.compression = compression == "zstd"  ? Compression::kZstd
                       : compression == "lz4" ? Compression::kLz4
                                              : Compression::kNone;
  engine.compaction_style =
      compaction_style == "tiered" ? CompactionStyle::kTiered : CompactionStyle::kLeveled;
  std::vector<const Workload*> workloads;
  for (const std::string& name : SplitList(benchmarks)) {
    const Workload* workload = FindWorkload(name);
    if (workload == nullptr) {
      return Fail("unknown benchmark \"" + name + "\"; see --help");
    }
    workloads.push_back(workload);
  }
  if (Status s =
          PlanSteps(workloads, config.params.threads, threads_option->count() > 0, &config.steps);
      !s.ok()) {
    return Fail(std::string(s.message()));
  }
  // The largest key number any workload writes: deleterange's end key may
  // be num, and the YCSB inserts take numbers from num on.
  std::uint64_t largest = config.params.num - 1;
  bool fsync_probe = false;
  for (const Step& step : config.steps) {
    largest += step.workload->deletes_ranges && largest < config.params.num ? 1 : 0;
    largest += step.workload->inserts ? config.params.reads : 0;
    fsync_probe = fsync_probe || step.workload->syncs_writes;
  }
  if (!KeyFormat::CanHold(config.key_size, largest + 1)) {
    return Fail("--key_size=" + std::to_string(config.key_size) + " cannot hold the key numbers " +
                "up to " + std::to_string(largest) +
                " (--num=" + std::to_string(config.params.num) +
                ", plus deleterange's end key and the YCSB inserts)");
  }
  if (!chart.empty()) {
    if (Status s = CheckChartPath(chart); !s.ok()) {
      return Fail(std::string(s.message()));
    }
  }

  std::vector<std::string> names;
  if (backends.empty()) {
    for (std::string_view name : BuiltBackends()) {
      names.emplace_back(name);
    }
  } else {
    names = SplitList(backends);
  }
  std::vector<std::unique_ptr<Backend>> instances;
  for (const std::string& name : names) {
    std::unique_ptr<Backend> backend = NewBackend(name);
    if (backend == nullptr) {
      return Fail("backend \"" + name +
                  "\" is not built in (built in: " + JoinNames(BuiltBackends()) +
                  "; not built: " + JoinNames(UnavailableBackends()) + ")");
    }
    instances.push_back(std::move(backend));
  }

  Runner runner(std::move(config));
  PrintRunHeader(stdout, runner.config(), names);
  if (const auto missing = UnavailableBackends(); !missing.empty()) {
    std::printf("  not built:    %s (library not found at build time)\n",
                JoinNames(missing).c_str());
  }
  // fillsync is bounded by how fast the device syncs: measure it where the
  // backends will write, before any of them runs.
  std::optional<FsyncRate> fsync_rate;
  if (fsync_probe && fsync_probe_seconds > 0) {
    const std::string& db = runner.config().db;
    std::error_code ec;
    std::filesystem::create_directories(db, ec);
    if (ec) {
      return Fail("cannot create " + db + ": " + ec.message());
    }
    FsyncRate rate;
    if (Status s = MeasureFsyncRate(db, std::chrono::duration<double>(fsync_probe_seconds), &rate);
        !s.ok()) {
      return Fail("fsync rate: " + s.ToString());
    }
    PrintFsyncRate(stdout, rate, db);
    fsync_rate = rate;
  }
  for (const auto& backend : instances) {
    PrintSettings(stdout, backend->name(), backend->Describe(runner.config().engine));
  }
  std::printf("\n");
  PrintResultHeader(stdout);

  std::vector<BackendReport> reports;
  reports.reserve(instances.size());  // keeps `ours` valid
  const BackendReport* ours = nullptr;
  for (const auto& backend : instances) {
    BackendReport report;
    auto on_result = [&](const WorkloadResult& result) {
      const std::size_t i = report.results.size();
      const WorkloadResult* our_result =
          ours != nullptr && i < ours->results.size() ? &ours->results[i] : nullptr;
      PrintResult(stdout, backend->name(), result, our_result);
    };
    Status s = runner.Run(*backend, on_result, &report);
    if (!s.ok()) {
      return Fail(std::string(backend->name()) + ": " + s.ToString());
    }
    if (!report.skipped.empty()) {
      std::printf("%-12s %-9s skipped: %s\n", "-", report.backend.c_str(), report.skipped.c_str());
    }
    reports.push_back(std::move(report));
    if (reports.back().backend == kOurBackend && reports.back().skipped.empty()) {
      ours = &reports.back();
    }
  }

  PrintComparison(stdout, reports);
  PrintSummary(stdout, reports);
  if (const auto peak = ReadPeakRssBytes()) {
    std::printf("  process peak RSS (VmHWM, all backends together): %.1f MiB\n",
                static_cast<double>(*peak) / 1048576);
  }
  if (!json.empty()) {
    Status s = WriteJson(json, runner.config(), fsync_rate ? &*fsync_rate : nullptr, reports);
    if (!s.ok()) {
      return Fail(s.ToString());
    }
    std::printf("results written to %s\n", json.c_str());
  }
  if (!markdown.empty()) {
    Status s =
        WriteMarkdown(markdown, runner.config(), fsync_rate ? &*fsync_rate : nullptr, reports);
    if (!s.ok()) {
      return Fail(s.ToString());
    }
    std::printf("tables written to %s\n", markdown.c_str());
  }
  if (!chart.empty()) {
    Status s = WriteChart(chart, runner.config(), reports);
    if (!s.ok()) {
      return Fail(s.ToString());
    }
    std::printf("chart written to %s\n", chart.c_str());
  }
  return 0;
}

}  // namespace
}  // namespace aeternus::bench

int main(int argc, char** argv) { return aeternus::bench::Main(argc, argv); }
