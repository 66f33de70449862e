#include "chart.h"

#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cinttypes>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <sstream>
#include <system_error>
#include <vector>

extern char** environ;

namespace aeternus::bench {
namespace {

// Bar colours by backend (colour-blind-safe Okabe-Ito), and one for any
// other backend.
std::string_view ColorOf(std::string_view backend) {
  if (backend == "aeternus") {
    return "#0072B2";
  }
  if (backend == "rocksdb") {
    return "#E69F00";
  }
  if (backend == "leveldb") {
    return "#009E73";
  }
  return "#777777";
}

// What the chart shows: one group per rated workload of the run, one value
// per backend that ran (nullopt: skipped, or no operations).
struct ChartData {
  std::vector<std::string> backends;
  std::vector<std::string> groups;
  std::vector<std::vector<std::optional<double>>> values;  // [group][backend]
};

ChartData Collect(std::span<const BackendReport> reports) {
  ChartData data;
  std::vector<const BackendReport*> ran;
  std::size_t positions = 0;
  for (const BackendReport& r : reports) {
    if (r.skipped.empty()) {
      ran.push_back(&r);
      data.backends.push_back(r.backend);
      positions = std::max(positions, r.results.size());
    }
  }
  std::map<std::string, int> seen;  // label -> times already shown
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
    const int repeat = ++seen[first->label];
    data.groups.push_back(repeat == 1 ? first->label
                                      : first->label + " (" + std::to_string(repeat) + ")");
    std::vector<std::optional<double>>& row = data.values.emplace_back();
    for (const BackendReport* r : ran) {
      std::optional<double> value;
      if (i < r->results.size() && r->results[i].skipped.empty() &&
          r->results[i].OpsPerSecond() > 0) {
        value = r->results[i].OpsPerSecond();
      }
      row.push_back(value);
    }
  }
  return data;
}

std::string Subtitle(const RunConfig& config) {
  std::string text = "num " + std::to_string(config.params.num) + ", " +
                     std::to_string(config.key_size) + "-byte keys, " +
                     std::to_string(config.value_size) + "-byte values, --threads " +
                     std::to_string(config.params.threads);
  if (config.engine.sync) {
    text += ", --sync";
  }
  return text;
}

// 1234567 -> "1,234,567"; below 100, with one decimal.
std::string WithCommas(double value) {
  if (value < 100) {
    char buf[32];
    std::snprintf(buf, sizeof(buf), "%.1f", value);
    return buf;
  }
  const std::string digits = std::to_string(static_cast<std::uint64_t>(std::llround(value)));
  std::string out;
  for (std::size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) {
      out += ',';
    }
    out += digits[i];
  }
  return out;
}

// A power of ten as a tick label: "1", "10", "100", "1k", ..., "1M".
std::string DecadeLabel(int exponent) {
  static constexpr const char* kSuffixes[] = {"", "k", "M", "G", "T"};
  if (exponent < 0) {
    char buf[32];
    std::snprintf(buf, sizeof(buf), "%g", std::pow(10.0, exponent));
    return buf;
  }
  const int group = std::min(exponent / 3, 4);
  return std::to_string(static_cast<int>(std::pow(10.0, exponent - 3 * group))) + kSuffixes[group];
}

std::string Escape(std::string_view text) {
  std::string out;
  for (const char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

// The decades [lo, hi] (as exponents of ten) that hold every value.
std::pair<int, int> DecadeRange(const ChartData& data) {
  double min = 0;
  double max = 0;
  for (const auto& row : data.values) {
    for (const auto& value : row) {
      if (value) {
        min = min == 0 ? *value : std::min(min, *value);
        max = std::max(max, *value);
      }
    }
  }
  if (max == 0) {
    return {0, 1};
  }
  const int lo = static_cast<int>(std::floor(std::log10(min)));
  const int hi = std::max(lo + 1, static_cast<int>(std::ceil(std::log10(max))));
  return {lo, hi};
}

// Horizontal bars on a logarithmic axis, so that a few hundred synced puts
// and a million reads a second are both readable; each bar carries its
// value. Layout in pixels.
std::string RenderSvg(const ChartData& data, const RunConfig& config) {
  constexpr int kLeft = 150;       // group labels end here
  constexpr int kPlotWidth = 560;  // bars' area
  constexpr int kRight = 100;      // room for value labels
  constexpr int kTop = 88;         // plot starts here
  constexpr int kBarHeight = 14;
  constexpr int kBarGap = 2;
  constexpr int kGroupGap = 12;
  constexpr int kBottom = 56;  // tick labels and axis title
  const int backends = std::max<int>(1, static_cast<int>(data.backends.size()));
  const int group_height = backends * (kBarHeight + kBarGap) - kBarGap + kGroupGap;
  const int plot_height = std::max(1, static_cast<int>(data.groups.size())) * group_height;
  const int width = kLeft + kPlotWidth + kRight;
  const int height = kTop + plot_height + kBottom;
  const auto [lo, hi] = DecadeRange(data);
  auto x_of = [&, lo = lo, hi = hi](double value) {
    const double t = (std::log10(value) - lo) / (hi - lo);
    return kLeft + kPlotWidth * std::clamp(t, 0.0, 1.0);
  };

  std::ostringstream svg;
  svg.setf(std::ios::fixed);
  svg.precision(1);
  svg << "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" << width << "\" height=\"" << height
      << "\" viewBox=\"0 0 " << width << " " << height
      << "\" font-family=\"Helvetica, Arial, sans-serif\" font-size=\"12\">\n";
  svg << "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n";
  svg << "<text x=\"" << width / 2 << "\" y=\"22\" text-anchor=\"middle\" font-size=\"15\" "
      << "font-weight=\"bold\">aeternus-bench: operations per second by workload</text>\n";
  svg << "<text x=\"" << width / 2 << "\" y=\"40\" text-anchor=\"middle\" fill=\"#555\">"
      << Escape(Subtitle(config)) << "</text>\n";

  // Legend, centred above the plot.
  constexpr int kLegendItem = 110;
  int legend_x = kLeft + (kPlotWidth - backends * kLegendItem) / 2;
  for (const std::string& backend : data.backends) {
    svg << "<rect x=\"" << legend_x << "\" y=\"54\" width=\"14\" height=\"14\" fill=\""
        << ColorOf(backend) << "\"/>\n";
    svg << "<text x=\"" << legend_x + 20 << "\" y=\"65\">" << Escape(backend) << "</text>\n";
    legend_x += kLegendItem;
  }

  // Alternate group bands, then the grid: a line per decade, fainter ones
  // at 2x and 5x.
  for (std::size_t g = 0; g < data.groups.size(); g += 2) {
    svg << "<rect x=\"" << kLeft << "\" y=\"" << kTop + static_cast<int>(g) * group_height
        << "\" width=\"" << kPlotWidth << "\" height=\"" << group_height
        << "\" fill=\"#f3f3f3\"/>\n";
  }
  for (int e = lo; e <= hi; ++e) {
    const double x = x_of(std::pow(10.0, e));
    svg << "<line x1=\"" << x << "\" y1=\"" << kTop << "\" x2=\"" << x << "\" y2=\""
        << kTop + plot_height << "\" stroke=\"#bbb\"/>\n";
    svg << "<text x=\"" << x << "\" y=\"" << kTop + plot_height + 16 << "\" text-anchor=\"middle\">"
        << DecadeLabel(e) << "</text>\n";
    for (const double m : {2.0, 5.0}) {
      if (e < hi) {
        const double xm = x_of(m * std::pow(10.0, e));
        svg << "<line x1=\"" << xm << "\" y1=\"" << kTop << "\" x2=\"" << xm << "\" y2=\""
            << kTop + plot_height << "\" stroke=\"#e2e2e2\"/>\n";
      }
    }
  }

  // Bars, group by group.
  for (std::size_t g = 0; g < data.groups.size(); ++g) {
    const int group_top = kTop + static_cast<int>(g) * group_height + kGroupGap / 2;
    const int bars_height = backends * (kBarHeight + kBarGap) - kBarGap;
    svg << "<text x=\"" << kLeft - 8 << "\" y=\"" << group_top + bars_height / 2 + 4
        << "\" text-anchor=\"end\">" << Escape(data.groups[g]) << "</text>\n";
    for (std::size_t b = 0; b < data.backends.size(); ++b) {
      const int y = group_top + static_cast<int>(b) * (kBarHeight + kBarGap);
      const std::optional<double>& value = data.values[g][b];
      if (!value) {
        svg << "<text x=\"" << kLeft + 4 << "\" y=\"" << y + kBarHeight - 3
            << "\" font-size=\"11\" font-style=\"italic\" fill=\"#777\">"
            << Escape(data.backends[b]) << ": skipped</text>\n";
        continue;
      }
      const double x = x_of(*value);
      svg << "<rect x=\"" << kLeft << "\" y=\"" << y << "\" width=\"" << std::max(1.0, x - kLeft)
          << "\" height=\"" << kBarHeight << "\" fill=\"" << ColorOf(data.backends[b])
          << "\"><title>" << Escape(data.groups[g]) << ", " << Escape(data.backends[b]) << ": "
          << WithCommas(*value) << " ops/s</title></rect>\n";
      svg << "<text x=\"" << x + 4 << "\" y=\"" << y + kBarHeight - 3 << "\" font-size=\"11\">"
          << WithCommas(*value) << "</text>\n";
    }
  }

  // Axes and their titles.
  svg << "<line x1=\"" << kLeft << "\" y1=\"" << kTop << "\" x2=\"" << kLeft << "\" y2=\""
      << kTop + plot_height << "\" stroke=\"#333\"/>\n";
  svg << "<line x1=\"" << kLeft << "\" y1=\"" << kTop + plot_height << "\" x2=\""
      << kLeft + kPlotWidth << "\" y2=\"" << kTop + plot_height << "\" stroke=\"#333\"/>\n";
  svg << "<text x=\"" << kLeft + kPlotWidth / 2 << "\" y=\"" << kTop + plot_height + 40
      << "\" text-anchor=\"middle\">operations per second (log scale; longer is faster)"
      << "</text>\n";
  svg << "<text transform=\"translate(16," << kTop + plot_height / 2
      << ") rotate(-90)\" text-anchor=\"middle\">workload</text>\n";
  svg << "</svg>\n";
  return svg.str();
}

// A gnuplot double-quoted string, in which a backslash escapes.
std::string GnuplotQuote(std::string_view text) {
  std::string out = "\"";
  for (const char c : text) {
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    if (c == '"' || c == '\\') {
      out += '\\';
    }
    out += c;
  }
  return out + "\"";
}

std::optional<std::string> FindOnPath(std::string_view program) {
  const char* path = std::getenv("PATH");
  std::istringstream dirs(path != nullptr ? path : "/usr/local/bin:/usr/bin:/bin");
  for (std::string dir; std::getline(dirs, dir, ':');) {
    const std::string candidate =
        (std::filesystem::path(dir.empty() ? "." : dir) / program).string();
    if (::access(candidate.c_str(), X_OK) == 0) {
      return candidate;
    }
  }
  return std::nullopt;
}

// Runs `program` with `args` and waits; OK when it exits with status 0.
Status RunProgram(const std::string& program, const std::vector<std::string>& args) {
  std::vector<char*> argv;
  argv.push_back(const_cast<char*>(program.c_str()));
  for (const std::string& arg : args) {
    argv.push_back(const_cast<char*>(arg.c_str()));
  }
  argv.push_back(nullptr);
  pid_t pid = 0;
  const int error = ::posix_spawn(&pid, program.c_str(), nullptr, nullptr, argv.data(), environ);
  if (error != 0) {
    return Status::IOError("cannot run " + program, std::generic_category().message(error));
  }
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR) {
      return Status::IOError("waitpid for " + program, std::generic_category().message(errno));
    }
  }
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    return Status::IOError(program + " failed (its messages are above)");
  }
  return Status::OK();
}

// Clustered vertical bars on a logarithmic axis, drawn by gnuplot from a
// data file and a script written next to the output and removed after.
Status WritePng(const std::string& path, const ChartData& data, const RunConfig& config) {
  const std::optional<std::string> gnuplot = FindOnPath("gnuplot");
  if (!gnuplot) {
    return Status::InvalidArgument("gnuplot not found on PATH");
  }
  const std::string base = path + ".tmp" + std::to_string(::getpid());
  const std::string data_path = base + ".dat";
  const std::string script_path = base + ".gp";
  {
    std::ofstream out(data_path, std::ios::trunc);
    for (std::size_t g = 0; g < data.groups.size(); ++g) {
      out << GnuplotQuote(data.groups[g]);
      for (const std::optional<double>& value : data.values[g]) {
        out << ' ';
        if (value) {
          out << *value;
        } else {
          out << '?';
        }
      }
      out << '\n';
    }
    if (!out) {
      return Status::IOError("cannot write " + data_path);
    }
  }
  const auto [lo, hi] = DecadeRange(data);
  const std::size_t bars = data.groups.size() * std::max<std::size_t>(1, data.backends.size());
  const std::size_t width = std::max<std::size_t>(800, 160 + 18 * bars + 12 * data.groups.size());
  {
    std::ofstream gp(script_path, std::ios::trunc);
    gp << "set terminal pngcairo size " << width << ",600 font 'sans,10'\n"
       << "set output " << GnuplotQuote(path) << "\n"
       << "set title "
       << GnuplotQuote("aeternus-bench: operations per second by workload\n" + Subtitle(config))
       << " noenhanced\n"
       << "set style data histograms\n"
       << "set style histogram clustered gap 1\n"
       << "set style fill solid 1.0 noborder\n"
       << "set logscale y\n"
       << "set yrange [" << std::pow(10.0, lo) << ":" << std::pow(10.0, hi) << "]\n"
       << "set format y '%.0s%c'\n"
       << "set ylabel 'operations per second (log scale; taller is faster)'\n"
       << "set xlabel 'workload'\n"
       << "set xtics rotate by 30 right scale 0 nomirror noenhanced\n"
       << "set grid ytics mytics\n"
       << "set key top center horizontal outside noenhanced\n"
       << "set datafile missing '?'\n"
       << "plot ";
    for (std::size_t b = 0; b < data.backends.size(); ++b) {
      gp << (b == 0 ? GnuplotQuote(data_path) : std::string("\"\"")) << " using " << b + 2
         << (b == 0 ? ":xtic(1)" : "") << " title " << GnuplotQuote(data.backends[b]) << " lc rgb '"
         << ColorOf(data.backends[b]) << "'" << (b + 1 < data.backends.size() ? ", " : "\n");
    }
    if (!gp) {
      return Status::IOError("cannot write " + script_path);
    }
  }
  Status s = RunProgram(*gnuplot, {script_path});
  std::error_code ec;
  std::filesystem::remove(data_path, ec);
  std::filesystem::remove(script_path, ec);
  return s.ok() ? Status::OK() : WithContext(s, "chart " + path);
}

bool EndsWith(const std::string& text, std::string_view suffix) {
  return text.size() >= suffix.size() && text.ends_with(suffix);
}

}  // namespace

Status CheckChartPath(const std::string& path) {
  if (EndsWith(path, ".svg")) {
    return Status::OK();
  }
  if (EndsWith(path, ".png")) {
    if (!FindOnPath("gnuplot")) {
      return Status::InvalidArgument(
          "--chart=" + path +
          ": a PNG chart is drawn by gnuplot, which is not on PATH (Debian: apt-get install "
          "gnuplot-nox); an .svg chart needs nothing");
    }
    return Status::OK();
  }
  return Status::InvalidArgument("--chart=" + path + ": the file name must end in .svg or .png");
}

Status WriteChart(const std::string& path, const RunConfig& config,
                  std::span<const BackendReport> reports) {
  const ChartData data = Collect(reports);
  if (data.groups.empty() || data.backends.empty()) {
    return Status::InvalidArgument("no workload with a rate to chart");
  }
  if (EndsWith(path, ".png")) {
    return WritePng(path, data, config);
  }
  std::ofstream out(path, std::ios::trunc);
  out << RenderSvg(data, config);
  out.close();
  if (!out) {
    return Status::IOError("cannot write " + path);
  }
  return Status::OK();
}

}  // namespace aeternus::bench
