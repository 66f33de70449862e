#pragma once
// Report: the text tables a run prints as it goes and at its end, and the
// same figures as JSON (--json). Ratios compare AeternusDB with each other
// backend on the same workload: ours / theirs in operations per second, so
// above 1 means AeternusDB was faster.
//
// Thread safety: none; the runner's thread prints.

#include <cstdio>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "backend.h"
#include "fsync_probe.h"
#include "runner.h"

namespace aeternus::bench {

// The backend the ratios are relative to.
inline constexpr std::string_view kOurBackend = "aeternus";

void PrintRunHeader(std::FILE* out, const RunConfig& config, std::span<const std::string> backends);
// The machine's fsync rate, measured in `dir` (runs with fillsync).
void PrintFsyncRate(std::FILE* out, const FsyncRate& rate, const std::string& dir);
void PrintSettings(std::FILE* out, std::string_view backend, const std::vector<Setting>& settings);

// One line per finished workload, then one per kind of operation for
// workloads that mix kinds; `ours` is the same workload's result on
// AeternusDB, or null.
void PrintResultHeader(std::FILE* out);
void PrintResult(std::FILE* out, std::string_view backend, const WorkloadResult& result,
                 const WorkloadResult* ours);

// All results grouped by workload, with ratios; then the per-backend
// end-of-run figures and what each one measures.
void PrintComparison(std::FILE* out, std::span<const BackendReport> reports);
void PrintSummary(std::FILE* out, std::span<const BackendReport> reports);

// `fsync_rate`: the machine's, when the run measured it (else null).
Status WriteJson(const std::string& path, const RunConfig& config, const FsyncRate* fsync_rate,
                 std::span<const BackendReport> reports);

// The comparison as Markdown tables (ops/s per workload and backend with
// the ratio to the best other backend, then the end-of-run figures), for
// docs/benchmarks.md. The footnote numbers of the labels are PrintSummary's.
Status WriteMarkdown(const std::string& path, const RunConfig& config,
                     const FsyncRate* fsync_rate, std::span<const BackendReport> reports);

}  // namespace aeternus::bench
