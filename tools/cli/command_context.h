#pragma once
// CommandContext: what every subcommand of the `aeternus` tool shares: the
// global options, the registry that maps the parsed command line to the
// function that runs it, opening and closing the database, and error
// reporting. Errors go to stderr as "aeternus: <message>"; every function
// here that reports one returns the exit status (exit_codes.h) to end with.
//
// Thread safety: none; the tool is single-threaded.

#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "aeternus/db.h"
#include "aeternus/status.h"

#include "escape.h"
#include "exit_codes.h"

namespace CLI {
class App;
}

namespace aeternus::cli {

struct GlobalOptions {
  std::string db;    // --db DIR
  bool hex = false;  // --hex
};

enum class Access {
  kReadOnly,   // DB::OpenForReadOnly: nothing in the directory changes
  kReadWrite,  // DB::Open; creates the database when it is missing
};

class CommandContext {
 public:
  GlobalOptions options;

  ByteFormat format() const { return ByteFormat(options.hex); }

  // Adds subcommand `name` to `app`: `summary` is its line in the list of
  // commands, `details` (may be empty) opens its --help footer. When the
  // parsed command line selects it, Run() calls `run` and returns its exit
  // status.
  CLI::App* AddCommand(CLI::App& app, const std::string& name, const std::string& summary,
                       const std::string& details, std::function<int()> run);
  // Runs the selected subcommand. REQUIRES: the command line was parsed.
  int Run() const;

  // Parses a key or value given on the command line (escaped text or hex,
  // as --hex says); `what` names it in the error.
  int ParseArgument(std::string_view what, std::string_view text, std::string* bytes) const;

  // Opens options.db. REQUIRES: *db is null.
  int OpenDatabase(Access access, std::unique_ptr<DB>* db) const;

 private:
  std::vector<std::pair<CLI::App*, std::function<int()>>> commands_;
};

// Prints "aeternus: <message>" on stderr.
void PrintError(std::string_view message);
// Reports a failed status (with `context` in front, when given) and returns
// its exit status. REQUIRES: !s.ok().
int Fail(const Status& s, std::string_view context = {});
// Reports a usage error and returns kExitUsage.
int UsageError(std::string_view message);

// Ends a command that opened `db`: closes it, and returns the exit status
// of `s` (reported), else of the close.
int CloseDatabase(std::unique_ptr<DB> db, const Status& s);

// Writes bytes to stdout. After the last write, FinishOutput reports a
// failed write (a full disk, a closed pipe) and returns its exit status.
void WriteOut(std::string_view bytes);
int FinishOutput();

}  // namespace aeternus::cli
