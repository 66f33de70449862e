#pragma once
// Chart (--chart): a bar chart of operations per second, grouped by
// workload, one bar per backend, as SVG (written by this code, no
// dependency) or as PNG (drawn by gnuplot, which must be on PATH).
// Maintenance workloads (compact, waitidle) have no rate and are left out,
// and a workload a backend skipped has no bar for it.
//
// Thread safety: none needed; the main thread writes the chart.

#include <span>
#include <string>

#include "backend.h"
#include "runner.h"

namespace aeternus::bench {

// Checks before the run that `path` names a chart this binary can write:
// it ends in ".svg", or in ".png" and gnuplot is on PATH. InvalidArgument
// otherwise, saying what to do.
Status CheckChartPath(const std::string& path);

// Writes the chart of `reports` to `path`; `config` gives its subtitle.
// REQUIRES: CheckChartPath(path) was OK.
Status WriteChart(const std::string& path, const RunConfig& config,
                  std::span<const BackendReport> reports);

}  // namespace aeternus::bench
