#pragma once
// The commands that read and write a database through the public API:
// put, get, delete, delete-range, scan, count, flush, compact, stats.

#include "command_context.h"

namespace aeternus::cli {

void AddDataCommands(CLI::App& app, CommandContext& ctx);

}  // namespace aeternus::cli
