// aeternus: the command-line tool of AeternusDB. Reads and writes a
// database through the public API (put, get, scan, load, dump, compact,
// ...) and inspects its files with the engine's own readers (check,
// dump-table, dump-wal). See docs/cli.md.

#include <exception>
#include <string>

#include "command_context.h"
#include "data_commands.h"
#include "exit_codes.h"
#include "inspect_commands.h"
#include "load_dump.h"
#include <CLI/CLI.hpp>

namespace aeternus::cli {
namespace {

constexpr char kFooter[] =
    R"(Keys and values are escaped text: printable ASCII as is, a backslash as \\,
any other byte as \xNN. Arguments and load input accept the same escapes.
With --hex, every key and value, in and out, is hex instead.
Put -- before a key or value that begins with '-'.

Exit status:
  0  success
  1  not found (get)
  2  usage error: bad command line, bad escape, bad load input, a request
     the engine refuses (empty key, BEGIN >= END), no database in --db
  3  corruption: damaged data found
  4  any other error: I/O, database in use by another process, ...

Details and examples: docs/cli.md.
)";

int Main(int argc, char** argv) {
  CommandContext ctx;
  CLI::App app("Reads, writes and inspects an AeternusDB database.", "aeternus");
  app.footer(kFooter);
  app.set_version_flag("--version", AETERNUS_VERSION);
  app.require_subcommand(0, 1);  // none: Run() reports it
  // Global options may also follow the command: aeternus get KEY --db DIR.
  app.fallthrough();
  app.add_option("--db", ctx.options.db, "the database directory")->type_name("DIR");
  app.add_flag("--hex", ctx.options.hex, "keys and values in hex, in arguments, input and output");

  AddDataCommands(app, ctx);
  AddLoadDumpCommands(app, ctx);
  AddInspectCommands(app, ctx);

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    if (e.get_exit_code() == 0) {
      return app.exit(e);  // --help, --version
    }
    if (dynamic_cast<const CLI::ExtrasError*>(&e) != nullptr && app.get_subcommands().empty() &&
        !app.remaining().empty()) {
      return UsageError("unknown command: " + app.remaining().front());
    }
    return UsageError(e.what());
  }
  return ctx.Run();
}

}  // namespace
}  // namespace aeternus::cli

int main(int argc, char** argv) {
  try {
    return aeternus::cli::Main(argc, argv);
  } catch (const std::exception& e) {  // std::bad_alloc, mostly
    aeternus::cli::PrintError(std::string("unexpected error: ") + e.what());
    return aeternus::cli::kExitError;
  }
}
