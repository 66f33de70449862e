#include "command_context.h"

#include <cstdio>

#include <CLI/CLI.hpp>

namespace aeternus::cli {

namespace {

constexpr char kCommandFooter[] =
    "Keys and values are escaped text (\\xNN for a byte that is not printable ASCII,\n"
    "\\\\ for a backslash), or hex with --hex.\n"
    "Exit status: 0 success, 1 not found, 2 usage error, 3 corruption, 4 other error\n"
    "(see aeternus --help and docs/cli.md).\n";

// Breaks `text` into lines of at most `width` columns at spaces (CLI11
// prints footers as given).
std::string Wrap(const std::string& text, std::size_t width) {
  std::string out;
  std::size_t column = 0;
  std::size_t pos = 0;
  while (pos < text.size()) {
    std::size_t end = text.find(' ', pos);
    if (end == std::string::npos) {
      end = text.size();
    }
    const std::size_t len = end - pos;
    if (column > 0 && column + 1 + len > width) {
      out.push_back('\n');
      column = 0;
    } else if (column > 0) {
      out.push_back(' ');
      ++column;
    }
    out.append(text, pos, len);
    column += len;
    pos = end + 1;
  }
  return out;
}

}  // namespace

CLI::App* CommandContext::AddCommand(CLI::App& app, const std::string& name,
                                     const std::string& summary, const std::string& details,
                                     std::function<int()> run) {
  CLI::App* command = app.add_subcommand(name, summary);
  command->footer(details.empty() ? std::string(kCommandFooter)
                                  : Wrap(details, 80) + "\n\n" + kCommandFooter);
  commands_.emplace_back(command, std::move(run));
  return command;
}

int CommandContext::Run() const {
  for (const auto& [command, run] : commands_) {
    if (command->parsed()) {
      return run();
    }
  }
  return UsageError("no command given");
}

int CommandContext::ParseArgument(std::string_view what, std::string_view text,
                                  std::string* bytes) const {
  if (Status s = format().Parse(text, bytes); !s.ok()) {
    return UsageError(std::string(what) + ": " + std::string(s.message()));
  }
  return kExitOk;
}

int CommandContext::OpenDatabase(Access access, std::unique_ptr<DB>* db) const {
  if (options.db.empty()) {
    return UsageError("--db DIR is required by this command");
  }
  Options db_options;
  Status s;
  if (access == Access::kReadOnly) {
    db_options.create_if_missing = false;
    s = DB::OpenForReadOnly(db_options, options.db, db);
  } else {
    s = DB::Open(db_options, options.db, db);
  }
  if (!s.ok()) {
    return Fail(s, "cannot open " + options.db);
  }
  return kExitOk;
}

void PrintError(std::string_view message) {
  std::fprintf(stderr, "aeternus: %.*s\n", static_cast<int>(message.size()), message.data());
}

int Fail(const Status& s, std::string_view context) {
  std::string message(context);
  if (!message.empty()) {
    message.append(": ");
  }
  message.append(s.ToString());
  PrintError(message);
  return ExitCodeFor(s);
}

int UsageError(std::string_view message) {
  PrintError(message);
  std::fprintf(stderr,
               "Run 'aeternus --help' or 'aeternus COMMAND --help' for more information.\n");
  return kExitUsage;
}

int CloseDatabase(std::unique_ptr<DB> db, const Status& s) {
  Status closed = db->Close();
  db.reset();
  if (!s.ok()) {
    return Fail(s);
  }
  if (!closed.ok()) {
    return Fail(closed, "closing the database");
  }
  return kExitOk;
}

void WriteOut(std::string_view bytes) { std::fwrite(bytes.data(), 1, bytes.size(), stdout); }

int FinishOutput() {
  if (std::fflush(stdout) != 0 || std::ferror(stdout) != 0) {
    return Fail(Status::IOError("writing to standard output failed"));
  }
  return kExitOk;
}

}  // namespace aeternus::cli
