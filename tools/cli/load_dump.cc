#include "load_dump.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cinttypes>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <optional>
#include <string>
#include <system_error>

#include "pair_lines.h"
#include "progress_bar.h"
#include <CLI/CLI.hpp>

namespace aeternus::cli {
namespace {

// dump hands its output to stdio in chunks of about this size.
constexpr std::size_t kDumpChunkBytes = std::size_t{64} << 10;

struct LoadArgs {
  std::string input;
  std::string format = "auto";
  bool json = false;
  std::uint32_t batch_size = 1000;
};

struct FileCloser {
  void operator()(std::FILE* f) const { std::fclose(f); }
};

// Reads lines with POSIX getline, which keeps any byte, NUL included.
class LineReader {
 public:
  explicit LineReader(std::FILE* in) : in_(in) {}
  LineReader(const LineReader&) = delete;
  LineReader& operator=(const LineReader&) = delete;
  LineReader(LineReader&&) = delete;
  LineReader& operator=(LineReader&&) = delete;
  ~LineReader() { std::free(buf_); }

  // The next line without its "\n" (or "\r\n"); false at the end or on a
  // read error (then error() is true).
  bool Next(std::string_view* line) {
    const ssize_t n = ::getline(&buf_, &cap_, in_);
    if (n < 0) {
      return false;
    }
    bytes_read_ += static_cast<std::uint64_t>(n);
    std::string_view l(buf_, static_cast<std::size_t>(n));
    if (l.ends_with('\n')) {
      l.remove_suffix(1);
    }
    if (l.ends_with('\r')) {
      l.remove_suffix(1);
    }
    *line = l;
    return true;
  }
  bool error() const { return std::ferror(in_) != 0; }
  std::uint64_t bytes_read() const { return bytes_read_; }

 private:
  std::FILE* in_;
  char* buf_ = nullptr;
  std::size_t cap_ = 0;
  std::uint64_t bytes_read_ = 0;
};

int RunLoad(const CommandContext& ctx, const LoadArgs& args) {
  std::optional<PairFormat> format;
  if (args.json || args.format == "json") {
    format = PairFormat::kJsonLines;
  } else if (args.format == "tsv") {
    format = PairFormat::kTsv;
  }

  const bool from_stdin = args.input == "-";
  const std::string input_name = from_stdin ? "standard input" : args.input;
  std::unique_ptr<std::FILE, FileCloser> owned;
  std::FILE* in = stdin;
  if (!from_stdin) {
    owned.reset(std::fopen(args.input.c_str(), "rb"));
    if (owned == nullptr) {
      const int err = errno;
      return Fail(Status::IOError(args.input, std::generic_category().message(err)),
                  "cannot read the input");
    }
    in = owned.get();
  }
  std::uint64_t total_bytes = 0;
  struct stat st {};
  if (::fstat(::fileno(in), &st) == 0 && S_ISREG(st.st_mode)) {
    total_bytes = static_cast<std::uint64_t>(st.st_size);
  }

  std::unique_ptr<DB> db;
  if (int rc = ctx.OpenDatabase(Access::kReadWrite, &db); rc != kExitOk) {
    return rc;
  }
  const Options limits;
  const ByteFormat bytes = ctx.format();
  const auto start = std::chrono::steady_clock::now();
  ProgressBar bar(::isatty(STDERR_FILENO) == 1, total_bytes);
  LineReader reader(in);
  WriteBatch batch;
  std::uint64_t loaded = 0;  // pairs in batches written
  std::uint64_t line_number = 0;
  std::string key;
  std::string value;
  std::string_view line;
  Status line_error;
  Status s;
  while (reader.Next(&line)) {
    ++line_number;
    if (line.empty()) {
      continue;
    }
    if (!format) {
      format = DetectPairFormat(line);
    }
    line_error = ParsePairLine(line, *format, bytes, &key, &value);
    if (line_error.ok() && (key.empty() || key.size() > limits.max_key_size)) {
      line_error = Status::InvalidArgument(
          key.empty() ? "empty key"
                      : "key of " + std::to_string(key.size()) + " bytes (the limit is " +
                            std::to_string(limits.max_key_size) + ")");
    } else if (line_error.ok() && value.size() > limits.max_value_size) {
      line_error = Status::InvalidArgument("value of " + std::to_string(value.size()) +
                                           " bytes (the limit is " +
                                           std::to_string(limits.max_value_size) + ")");
    }
    if (!line_error.ok()) {
      line_error = Status::InvalidArgument("line " + std::to_string(line_number) + " of " +
                                           input_name + ": " + std::string(line_error.message()));
      break;
    }
    if (batch.Count() >= args.batch_size) {
      // Not synced: the last batch is, and it makes every earlier one
      // durable with it.
      s = db->Write(WriteOptions{.sync = false}, &batch);
      if (!s.ok()) {
        break;
      }
      loaded += batch.Count();
      batch.Clear();
    }
    batch.Put(key, value);
    bar.Update(reader.bytes_read(), loaded + batch.Count());
  }
  if (s.ok() && line_error.ok() && reader.error()) {
    s = Status::IOError("reading " + input_name + " failed");
  }
  // The pairs before a bad line are loaded; nothing after it.
  if (s.ok() && batch.Count() > 0) {
    s = db->Write(WriteOptions{.sync = true}, &batch);
    if (s.ok()) {
      loaded += batch.Count();
    }
  }
  bar.Finish();
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::fprintf(stderr, "loaded %" PRIu64 " pairs in %.2f s\n", loaded, seconds);
  if (!line_error.ok()) {
    int rc = CloseDatabase(std::move(db), Status::OK());
    return rc == kExitOk ? Fail(line_error) : rc;
  }
  return CloseDatabase(std::move(db), s);
}

int RunDump(const CommandContext& ctx, bool json) {
  std::unique_ptr<DB> db;
  if (int rc = ctx.OpenDatabase(Access::kReadOnly, &db); rc != kExitOk) {
    return rc;
  }
  const PairFormat format = json ? PairFormat::kJsonLines : PairFormat::kTsv;
  const ByteFormat bytes = ctx.format();
  ReadOptions read_options;
  read_options.fill_cache = false;
  Status s;
  {
    std::unique_ptr<Iterator> it = db->NewIterator(read_options);
    std::string out;
    for (it->SeekToFirst(); it->Valid(); it->Next()) {
      AppendPairLine(out, format, bytes, it->key(), it->value());
      if (out.size() >= kDumpChunkBytes) {
        WriteOut(out);
        out.clear();
      }
    }
    WriteOut(out);
    s = it->status();
  }
  int rc = CloseDatabase(std::move(db), s);
  return rc == kExitOk ? FinishOutput() : rc;
}

}  // namespace

void AddLoadDumpCommands(CLI::App& app, CommandContext& ctx) {
  auto load = std::make_shared<LoadArgs>();
  CLI::App* command = ctx.AddCommand(
      app, "load", "Loads pairs from a file or standard input",
      "Reads KEY<TAB>VALUE lines, or JSON lines {\"key\": \"...\", \"value\": \"...\"}, "
      "from FILE (- for standard input) and writes them in write batches; a later pair of the "
      "same key wins. Blank lines are skipped, a trailing \\r is ignored. Loading stops at the "
      "first bad line: the pairs before it are loaded, none after it. Shows a progress bar on "
      "stderr when it is a terminal; ends with \"loaded N pairs in T s\" on stderr. Creates "
      "the database when --db names none.",
      [&ctx, load] { return RunLoad(ctx, *load); });
  command->add_option("FILE", load->input, "input file, or - for standard input")->required();
  command
      ->add_option("--format", load->format,
                   "tsv, json (JSON lines) or auto: JSON lines when the first line starts with {")
      ->check(CLI::IsMember({"auto", "tsv", "json"}))
      ->capture_default_str();
  command->add_flag("--json", load->json, "same as --format=json");
  command->add_option("--batch", load->batch_size, "pairs per write batch")
      ->check(CLI::Range(1, 1 << 20))
      ->capture_default_str();

  auto json = std::make_shared<bool>(false);
  command = ctx.AddCommand(
      app, "dump", "Prints every live pair, in load's format (read-only)",
      "One KEY<TAB>VALUE line per pair in key order, or JSON lines with --json: the input "
      "format of load, so that dump | load copies a database exactly.",
      [&ctx, json] { return RunDump(ctx, *json); });
  command->add_flag("--json", *json, "print JSON lines: {\"key\": ..., \"value\": ...}");
}

}  // namespace aeternus::cli
