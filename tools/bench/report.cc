#include "report.h"

#include <algorithm>
#include <cinttypes>
#include <fstream>
#include <functional>
#include <optional>

#include "json_writer.h"
#include "process_stats.h"

namespace aeternus::bench {
namespace {

std::string Format(const char* format, auto... args) {
  char buf[256];
  std::snprintf(buf, sizeof(buf), format, args...);
  return buf;
}

std::string HumanBytes(std::uint64_t bytes) {
  const auto b = static_cast<double>(bytes);
  if (bytes < 1024) {
    return Format("%" PRIu64 " B", bytes);
  }
  if (bytes < (1u << 20)) {
    return Format("%.1f KiB", b / 1024);
  }
  if (bytes < (std::uint64_t{1} << 30)) {
    return Format("%.1f MiB", b / 1048576);
  }
  return Format("%.2f GiB", b / 1073741824);
}

std::string Micros(double nanos) {
  const double us = nanos / 1000;
  return Format(us < 10 ? "%.2f" : us < 1000 ? "%.1f" : "%.0f", us);
}

// Ours / theirs in operations per second.
std::optional<double> Ratio(const WorkloadResult& theirs, const WorkloadResult* ours) {
  if (ours == nullptr || !theirs.workload->compared || !theirs.skipped.empty() ||
      !ours->skipped.empty() || theirs.OpsPerSecond() <= 0 || ours->OpsPerSecond() <= 0) {
    return std::nullopt;
  }
  return ours->OpsPerSecond() / theirs.OpsPerSecond();
}

std::string Notes(const WorkloadResult& r) {
  std::string notes;
  auto add = [&notes](const std::string& note) {
    notes += notes.empty() || note.empty() ? "" : ", ";
    notes += note;
  };
  if (r.workload->counts_found) {
    add(Format("found %" PRIu64 " of %" PRIu64, r.found, r.lookups));
  }
  if (r.batch > 1) {
    add(Format("latency per batch of %d", r.batch));
  }
  if (r.threads > 1) {
    add(Format("%d threads", r.threads));
  }
  add(r.note);
  return notes;
}

// Workload column width: the longest name (readwhilewriting).
constexpr int kWorkloadWidth = 16;

const BackendReport* OurReport(std::span<const BackendReport> reports) {
  for (const BackendReport& r : reports) {
    if (r.backend == kOurBackend && r.skipped.empty()) {
      return &r;
    }
  }
  return nullptr;
}

void PrintRow(std::FILE* out, std::string_view workload, std::string_view backend,
              const WorkloadResult& r, const WorkloadResult* ours) {
  if (!r.skipped.empty()) {
    std::fprintf(out, "%-*.*s %-9.*s skipped: %s\n", kWorkloadWidth,
                 static_cast<int>(workload.size()), workload.data(),
                 static_cast<int>(backend.size()), backend.data(), r.skipped.c_str());
    return;
  }
  const bool maintenance = r.workload->maintenance;
  const std::optional<double> ratio = backend == kOurBackend ? std::nullopt : Ratio(r, ours);
  std::fprintf(out, "%-*.*s %-9.*s %10s %8.3f %11s %8s %9s %9s %9s %9s  %s\n", kWorkloadWidth,
               static_cast<int>(workload.size()), workload.data(), static_cast<int>(backend.size()),
               backend.data(), maintenance ? "-" : Format("%" PRIu64, r.ops).c_str(), r.seconds,
               maintenance ? "-" : Format("%.0f", r.OpsPerSecond()).c_str(),
               maintenance || r.bytes == 0 ? "-" : Format("%.1f", r.MiBPerSecond()).c_str(),
               maintenance ? "-" : Micros(r.latency.Percentile(0.50)).c_str(),
               maintenance ? "-" : Micros(r.latency.Percentile(0.99)).c_str(),
               maintenance ? "-" : Micros(r.latency.Percentile(0.999)).c_str(),
               ratio ? Format("%.2f", *ratio).c_str() : "-", Notes(r).c_str());
  // The kinds of a mixed workload: their share of the operations and of
  // the wall time's throughput, and their own latencies. A lone counted
  // kind would repeat the row above.
  const auto counted =
      std::count_if(r.kinds.begin(), r.kinds.end(), [](const OpKindStats& k) { return k.counted; });
  for (const OpKindStats& k : r.kinds) {
    if (k.counted && counted < 2) {
      continue;
    }
    const std::string label = "  " + std::string(k.kind);
    std::fprintf(
        out, "%-*s %-9.*s %10" PRIu64 " %8s %11s %8s %9s %9s %9s %9s  %s\n", kWorkloadWidth,
        label.c_str(), static_cast<int>(backend.size()), backend.data(), k.ops, "",
        r.seconds > 0 ? Format("%.0f", static_cast<double>(k.ops) / r.seconds).c_str() : "-", "-",
        Micros(k.latency.Percentile(0.50)).c_str(), Micros(k.latency.Percentile(0.99)).c_str(),
        Micros(k.latency.Percentile(0.999)).c_str(), "-",
        k.counted ? "" : "not counted in the row above");
  }
}

// Percentiles, mean and max of a latency histogram, in microseconds.
void WriteLatency(JsonWriter& w, const Histogram& latency) {
  w.BeginObject();
  for (const auto& [name, fraction] :
       {std::pair{"p50", 0.50}, std::pair{"p99", 0.99}, std::pair{"p99.9", 0.999}}) {
    w.Key(name);
    w.Number(latency.Percentile(fraction) / 1000);
  }
  w.Key("mean");
  w.Number(latency.Mean() / 1000);
  w.Key("max");
  w.Number(static_cast<double>(latency.max()) / 1000);
  w.EndObject();
}

std::string OptionalFigure(const std::optional<double>& value) {
  return value ? Format("%.2f", *value) : "n/a";
}

}  // namespace

void PrintRunHeader(std::FILE* out, const RunConfig& config,
                    std::span<const std::string> backends) {
  std::string names;
  for (const std::string& b : backends) {
    names += names.empty() ? "" : ", ";
    names += b;
  }
  std::string workloads;
  for (const Step& step : config.steps) {
    workloads += workloads.empty() ? "" : ",";
    workloads += step.label;
  }
  const bool syncs_writes = std::any_of(config.steps.begin(), config.steps.end(),
                                        [](const Step& s) { return s.workload->syncs_writes; });
  const EngineConfig& e = config.engine;
  std::fprintf(out, "aeternus-bench\n");
  std::fprintf(out, "  backends:     %s\n", names.c_str());
  std::fprintf(out, "  benchmarks:   %s\n", workloads.c_str());
  std::fprintf(out, "  keys:         %" PRIu64 " numbers, %zu bytes each (zero-padded decimal)\n",
               config.params.num, config.key_size);
  std::fprintf(out, "  values:       %zu bytes, compressible to %.2f\n", config.value_size,
               config.compression_ratio);
  std::fprintf(out,
               "  reads:        %" PRIu64 " (operations of the read, mixed and YCSB workloads)\n",
               config.params.reads);
  if (syncs_writes) {
    std::fprintf(out, "  sync_num:     %" PRIu64 " (puts of each fillsync run)\n",
                 config.params.sync_num);
  }
  std::fprintf(out, "  threads:      %d\n", config.params.threads);
  std::fprintf(out, "  batch:        %d\n", config.params.batch);
  std::fprintf(out, "  seed:         %" PRIu64 "\n", config.seed);
  std::fprintf(out, "  sync:         %s\n", FormatBool(e.sync).c_str());
  std::fprintf(out, "  directory:    %s/<backend>%s\n", config.db.c_str(),
               config.use_existing_db ? " (existing data kept)" : " (cleared first)");
}

void PrintFsyncRate(std::FILE* out, const FsyncRate& rate, const std::string& dir) {
  std::fprintf(out,
               "  fsync rate:   %.0f per second (%zu-byte append + fdatasync, %" PRIu64
               " in %.2f s, in %s)\n",
               rate.PerSecond(), kFsyncProbeWriteSize, rate.syncs, rate.seconds, dir.c_str());
}

void PrintSettings(std::FILE* out, std::string_view backend, const std::vector<Setting>& settings) {
  std::fprintf(out, "\n%.*s settings:\n", static_cast<int>(backend.size()), backend.data());
  for (const auto& [name, value] : settings) {
    std::fprintf(out, "  %-40s %s\n", name.c_str(), value.c_str());
  }
}

void PrintResultHeader(std::FILE* out) {
  std::fprintf(out, "%-*s %-9s %10s %8s %11s %8s %9s %9s %9s %9s  %s\n", kWorkloadWidth, "workload",
               "backend", "ops", "secs", "ops/s", "MiB/s", "p50 us", "p99 us", "p99.9 us",
               "ours/this", "notes");
}

void PrintResult(std::FILE* out, std::string_view backend, const WorkloadResult& result,
                 const WorkloadResult* ours) {
  PrintRow(out, result.label, backend, result, ours);
  std::fflush(out);
}

namespace {

// The end-of-run figures, one row each: a label (with the footnote number
// PrintSummary explains) and how to show the figure of one backend.
struct SummaryRow {
  const char* label;
  std::function<std::string(const BackendSummary&)> figure;
};

std::string Growth(const std::optional<std::uint64_t>& peak,
                   const std::optional<std::uint64_t>& baseline) {
  if (!peak || !baseline) {
    return "n/a";
  }
  return "+" + HumanBytes(*peak > *baseline ? *peak - *baseline : 0);
}

const std::vector<SummaryRow>& SummaryRows() {
  static const std::vector<SummaryRow> rows = {
      {"user bytes written (1)",
       [](const BackendSummary& s) { return HumanBytes(s.user_bytes_written); }},
      {"storage writes (2)",
       [](const BackendSummary& s) {
         return s.io ? HumanBytes(s.io->write_bytes) : std::string("n/a");
       }},
      {"  of which cancelled (3)",
       [](const BackendSummary& s) {
         return s.io ? HumanBytes(s.io->cancelled_write_bytes) : std::string("n/a");
       }},
      {"write amplification (2)/(1)",
       [](const BackendSummary& s) { return OptionalFigure(s.write_amplification); }},
      {"net write amp. ((2)-(3))/(1)",
       [](const BackendSummary& s) {
         if (!s.io || s.user_bytes_written == 0) {
           return std::string("n/a");
         }
         const std::uint64_t net =
             s.io->write_bytes - std::min(s.io->write_bytes, s.io->cancelled_write_bytes);
         return Format("%.2f",
                       static_cast<double>(net) / static_cast<double>(s.user_bytes_written));
       }},
      {"bytes on disk, idle (4)",
       [](const BackendSummary& s) { return HumanBytes(s.bytes_when_idle); }},
      {"bytes on disk, compacted (5)",
       [](const BackendSummary& s) {
         return s.bytes_after_compaction ? HumanBytes(*s.bytes_after_compaction)
                                         : std::string("n/a");
       }},
      {"space amplification (4)/(5)",
       [](const BackendSummary& s) { return OptionalFigure(s.space_amplification); }},
      {"RSS growth (6)",
       [](const BackendSummary& s) { return Growth(s.rss_peak, s.rss_baseline); }},
      {"  private memory growth (7)",
       [](const BackendSummary& s) { return Growth(s.anon_peak, s.anon_baseline); }},
      {"RSS before open",
       [](const BackendSummary& s) {
         return s.rss_baseline ? HumanBytes(*s.rss_baseline) : std::string("n/a");
       }},
      {"final wait for idle, s",
       [](const BackendSummary& s) { return Format("%.3f", s.final_wait_seconds); }},
      {"final full compaction, s",
       [](const BackendSummary& s) {
         return s.bytes_after_compaction ? Format("%.3f", s.final_compaction_seconds)
                                         : std::string("-");
       }},
  };
  return rows;
}

}  // namespace

void PrintComparison(std::FILE* out, std::span<const BackendReport> reports) {
  const BackendReport* our = OurReport(reports);
  std::size_t positions = 0;
  for (const BackendReport& r : reports) {
    positions = std::max(positions, r.results.size());
  }
  std::fprintf(out, "\nComparison (ours/this: %.*s ops/s over this backend's ops/s)\n",
               static_cast<int>(kOurBackend.size()), kOurBackend.data());
  PrintResultHeader(out);
  for (std::size_t i = 0; i < positions; ++i) {
    const WorkloadResult* ours =
        our != nullptr && i < our->results.size() ? &our->results[i] : nullptr;
    bool first = true;
    for (const BackendReport& r : reports) {
      if (i >= r.results.size()) {
        continue;
      }
      PrintRow(out, first ? std::string_view(r.results[i].label) : "", r.backend, r.results[i],
               ours);
      first = false;
    }
  }
  for (const BackendReport& r : reports) {
    if (!r.skipped.empty()) {
      std::fprintf(out, "%s: skipped: %s\n", r.backend.c_str(), r.skipped.c_str());
    }
  }
}

void PrintSummary(std::FILE* out, std::span<const BackendReport> reports) {
  std::vector<const BackendReport*> ran;
  for (const BackendReport& r : reports) {
    if (r.skipped.empty()) {
      ran.push_back(&r);
    }
  }
  if (ran.empty()) {
    return;
  }
  std::fprintf(out, "\nSummary (per backend, over its whole run)\n");
  auto row = [&](const char* label, auto figure) {
    std::fprintf(out, "  %-28s", label);
    for (const BackendReport* r : ran) {
      std::fprintf(out, " %14s", figure(r->summary).c_str());
    }
    std::fprintf(out, "\n");
  };
  std::fprintf(out, "  %-28s", "");
  for (const BackendReport* r : ran) {
    std::fprintf(out, " %14s", r->backend.c_str());
  }
  std::fprintf(out, "\n");
  for (const SummaryRow& r : SummaryRows()) {
    row(r.label, r.figure);
  }
  for (const BackendReport* r : ran) {
    for (const std::string& line : r->summary.engine_stats) {
      std::fprintf(out, "  %s stats: %s\n", r->backend.c_str(), line.c_str());
    }
  }
  std::fprintf(out,
               "  (1) key + value bytes of all puts (deletes count 0)\n"
               "  (2) /proc/self/io write_bytes of the whole process, from before open to after\n"
               "      the final wait for idle: WAL, flushes and compactions, in page-cache pages\n"
               "  (3) of (2), pages dropped before writeback (file deleted or truncated while\n"
               "      dirty, such as a WAL deleted after its flush): never written to the device\n"
               "  (4) bytes of all files in the backend's directory after the final wait\n"
               "  (5) the same after a full compaction (done when any workload wrote)\n"
               "  (6) largest VmRSS sampled every %d ms from open to close, minus VmRSS before\n"
               "      open; VmRSS is process-wide, and freed heap is returned to the system\n"
               "      before each backend's baseline (malloc_trim)\n"
               "  (7) the same for RssAnon: private memory (heap, memtables, block cache),\n"
               "      without the page-cache pages of mapped files that VmRSS also counts\n"
               "      (tables and WAL mapped by AeternusDB, tables mapped by LevelDB)\n",
               static_cast<int>(RssSampler::kPeriod.count()));
}

Status WriteJson(const std::string& path, const RunConfig& config, const FsyncRate* fsync_rate,
                 std::span<const BackendReport> reports) {
  const BackendReport* our = OurReport(reports);
  JsonWriter w;
  w.BeginObject();
  w.Key("config");
  w.BeginObject();
  w.Key("num");
  w.Number(config.params.num);
  w.Key("reads");
  w.Number(config.params.reads);
  w.Key("sync_num");
  w.Number(config.params.sync_num);
  w.Key("key_size");
  w.Number(std::uint64_t{config.key_size});
  w.Key("value_size");
  w.Number(std::uint64_t{config.value_size});
  w.Key("compression_ratio");
  w.Number(config.compression_ratio);
  w.Key("threads");
  w.Number(static_cast<std::uint64_t>(config.params.threads));
  w.Key("batch");
  w.Number(static_cast<std::uint64_t>(config.params.batch));
  w.Key("seed");
  w.Number(config.seed);
  w.Key("sync");
  w.Bool(config.engine.sync);
  w.Key("benchmarks");
  w.BeginArray();
  for (const Step& step : config.steps) {
    w.String(step.label);
  }
  w.EndArray();
  w.EndObject();

  w.Key("fsync_rate");
  if (fsync_rate != nullptr) {
    w.BeginObject();
    w.Key("write_bytes");
    w.Number(std::uint64_t{kFsyncProbeWriteSize});
    w.Key("syncs");
    w.Number(fsync_rate->syncs);
    w.Key("seconds");
    w.Number(fsync_rate->seconds);
    w.Key("per_second");
    w.Number(fsync_rate->PerSecond());
    w.EndObject();
  } else {
    w.Null();
  }

  w.Key("backends");
  w.BeginArray();
  for (const BackendReport& r : reports) {
    w.BeginObject();
    w.Key("name");
    w.String(r.backend);
    w.Key("directory");
    w.String(r.dir);
    w.Key("settings");
    w.BeginObject();
    for (const auto& [name, value] : r.settings) {
      w.Key(name);
      w.String(value);
    }
    w.EndObject();
    if (!r.skipped.empty()) {
      w.Key("skipped");
      w.String(r.skipped);
      w.EndObject();
      continue;
    }
    w.Key("results");
    w.BeginArray();
    for (std::size_t i = 0; i < r.results.size(); ++i) {
      const WorkloadResult& res = r.results[i];
      w.BeginObject();
      w.Key("workload");
      w.String(res.workload->name);
      w.Key("label");
      w.String(res.label);
      if (!res.skipped.empty()) {
        w.Key("skipped");
        w.String(res.skipped);
        w.EndObject();
        continue;
      }
      w.Key("threads");
      w.Number(static_cast<std::uint64_t>(res.threads));
      w.Key("batch");
      w.Number(static_cast<std::uint64_t>(res.batch));
      w.Key("seconds");
      w.Number(res.seconds);
      w.Key("ops");
      w.Number(res.ops);
      w.Key("bytes");
      w.Number(res.bytes);
      w.Key("ops_per_second");
      w.Number(res.OpsPerSecond());
      w.Key("mib_per_second");
      w.Number(res.MiBPerSecond());
      w.Key("user_bytes_written");
      w.Number(res.user_bytes_written);
      if (res.workload->counts_found) {
        w.Key("lookups");
        w.Number(res.lookups);
        w.Key("found");
        w.Number(res.found);
      }
      w.Key("latency_us");
      WriteLatency(w, res.latency);
      if (!res.kinds.empty()) {
        w.Key("kinds");
        w.BeginArray();
        for (const OpKindStats& k : res.kinds) {
          w.BeginObject();
          w.Key("kind");
          w.String(k.kind);
          w.Key("counted");
          w.Bool(k.counted);
          w.Key("ops");
          w.Number(k.ops);
          w.Key("ops_per_second");
          w.Number(res.seconds > 0 ? static_cast<double>(k.ops) / res.seconds : 0.0);
          w.Key("latency_us");
          WriteLatency(w, k.latency);
          w.EndObject();
        }
        w.EndArray();
      }
      if (!res.note.empty()) {
        w.Key("note");
        w.String(res.note);
      }
      const WorkloadResult* ours =
          our != nullptr && i < our->results.size() ? &our->results[i] : nullptr;
      const std::optional<double> ratio =
          r.backend == kOurBackend ? std::nullopt : Ratio(res, ours);
      w.Key("ours_over_this");
      if (ratio) {
        w.Number(*ratio);
      } else {
        w.Null();
      }
      w.EndObject();
    }
    w.EndArray();

    const BackendSummary& s = r.summary;
    auto optional_number = [&w](const char* key, const auto& value) {
      w.Key(key);
      if (value) {
        w.Number(*value);
      } else {
        w.Null();
      }
    };
    w.Key("summary");
    w.BeginObject();
    w.Key("user_bytes_written");
    w.Number(s.user_bytes_written);
    optional_number("io_write_bytes", s.io ? std::optional(s.io->write_bytes) : std::nullopt);
    optional_number("io_cancelled_write_bytes",
                    s.io ? std::optional(s.io->cancelled_write_bytes) : std::nullopt);
    optional_number("write_amplification", s.write_amplification);
    w.Key("bytes_when_idle");
    w.Number(s.bytes_when_idle);
    optional_number("bytes_after_compaction", s.bytes_after_compaction);
    optional_number("space_amplification", s.space_amplification);
    optional_number("rss_baseline_bytes", s.rss_baseline);
    optional_number("rss_peak_bytes", s.rss_peak);
    optional_number("anon_rss_baseline_bytes", s.anon_baseline);
    optional_number("anon_rss_peak_bytes", s.anon_peak);
    w.Key("final_wait_seconds");
    w.Number(s.final_wait_seconds);
    w.Key("final_compaction_seconds");
    w.Number(s.final_compaction_seconds);
    w.Key("engine_stats");
    w.BeginArray();
    for (const std::string& line : s.engine_stats) {
      w.String(line);
    }
    w.EndArray();
    w.EndObject();
    w.EndObject();
  }
  w.EndArray();
  w.EndObject();

  std::ofstream file(path, std::ios::trunc);
  file << w.Take() << '\n';
  file.close();
  if (!file) {
    return Status::IOError("cannot write " + path);
  }
  return Status::OK();
}

namespace {

// 1234567.8 -> "1,234,568".
std::string Thousands(double value) {
  std::string digits = Format("%.0f", value);
  std::string out;
  const std::size_t n = digits.size();
  for (std::size_t i = 0; i < n; ++i) {
    if (i > 0 && (n - i) % 3 == 0) {
      out += ',';
    }
    out += digits[i];
  }
  return out;
}

}  // namespace

Status WriteMarkdown(const std::string& path, const RunConfig& config,
                     const FsyncRate* fsync_rate, std::span<const BackendReport> reports) {
  std::vector<const BackendReport*> ran;
  for (const BackendReport& r : reports) {
    if (r.skipped.empty()) {
      ran.push_back(&r);
    }
  }
  const BackendReport* our = OurReport(reports);
  std::string md = Format("num %" PRIu64 ", keys %zu B, values %zu B, %d thread(s) unless stated",
                          config.params.num, config.key_size, config.value_size,
                          config.params.threads);
  if (fsync_rate != nullptr) {
    md += Format("; fsync rate %.0f per second", fsync_rate->PerSecond());
  }
  md += ". Operations per second.\n\n| workload |";
  std::string rule = "|---|";
  for (const BackendReport* r : ran) {
    md += " " + r->backend + " |";
    rule += "---:|";
  }
  const bool ratio = our != nullptr && ran.size() > 1;
  if (ratio) {
    md += " ours / best other |";
    rule += "---:|";
  }
  md += "\n" + rule + "\n";
  std::size_t positions = 0;
  for (const BackendReport* r : ran) {
    positions = std::max(positions, r->results.size());
  }
  for (std::size_t i = 0; i < positions; ++i) {
    const WorkloadResult* first = nullptr;
    for (const BackendReport* r : ran) {
      if (i < r->results.size()) {
        first = &r->results[i];
        break;
      }
    }
    if (first == nullptr || first->workload->maintenance) {
      continue;
    }
    md += "| " + first->label + " |";
    double best_other = 0;
    std::string best_name;
    for (const BackendReport* r : ran) {
      if (i >= r->results.size() || !r->results[i].skipped.empty()) {
        md += " skipped |";
        continue;
      }
      const double ops = r->results[i].OpsPerSecond();
      md += " " + Thousands(ops) + " |";
      if (r != our && ops > best_other) {
        best_other = ops;
        best_name = r->backend;
      }
    }
    if (ratio) {
      const bool have = i < our->results.size() && our->results[i].skipped.empty() &&
                        best_other > 0;
      md += have ? Format(" %.2f (%s) |", our->results[i].OpsPerSecond() / best_other,
                          best_name.c_str())
                 : std::string(" - |");
    }
    md += "\n";
  }
  md += "\n| end of run |";
  rule = "|---|";
  for (const BackendReport* r : ran) {
    md += " " + r->backend + " |";
    rule += "---:|";
  }
  md += "\n" + rule + "\n";
  for (const SummaryRow& row : SummaryRows()) {
    std::string label = row.label;
    label.erase(0, label.find_first_not_of(' '));
    md += "| " + label + " |";
    for (const BackendReport* r : ran) {
      md += " " + row.figure(r->summary) + " |";
    }
    md += "\n";
  }
  std::ofstream out(path);
  out << md;
  out.close();
  if (!out) {
    return Status::IOError("cannot write " + path);
  }
  return Status::OK();
}

}  // namespace aeternus::bench
