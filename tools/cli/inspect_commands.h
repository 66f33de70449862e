#pragma once
// The commands that read a database's files directly with the engine's
// internal readers, without opening the database: check, dump-table,
// dump-wal. They never write, never take the directory's lock, and report
// damage as Corruption instead of crashing on it.

#include "command_context.h"

namespace aeternus::cli {

void AddInspectCommands(CLI::App& app, CommandContext& ctx);

}  // namespace aeternus::cli
