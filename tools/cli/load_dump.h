#pragma once
// `load` (bulk load of KEY<TAB>VALUE or JSON lines, through write batches)
// and `dump` (every live pair in the same formats, so that `dump | load`
// copies a database exactly). Formats in pair_lines.h.

#include "command_context.h"

namespace aeternus::cli {

void AddLoadDumpCommands(CLI::App& app, CommandContext& ctx);

}  // namespace aeternus::cli
