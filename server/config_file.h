#pragma once
// The server's optional config file, in redis.conf's form: one setting per
// line, "name value", '#' starting a comment line, values optionally in
// double quotes. The names are those of the flags without "--"
// (docs/server.md, "Configuration"); a flag given on the command line
// overrides the file.

#include <string>
#include <utility>
#include <vector>

#include "aeternus/status.h"

namespace aeternus::server {

// Reads `path` into (name, value) pairs, in order. InvalidArgument naming
// the file and line for a line that is not "name value".
Status ReadConfigFile(const std::string& path, std::vector<std::pair<std::string, std::string>>* settings);

}  // namespace aeternus::server
